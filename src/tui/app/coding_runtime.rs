//! The coding screens' effects, performed through the core (`coding::work`, `coding::queue`,
//! `coding::query`), which checks permissions and writes the audit rows. Reads after a change
//! (the code list, live edits, holds and queries of the encounter being coded) are bare reads
//! of the encounter the user has open and claimed.

use chrono::{DateTime, Utc};

use super::App;
use crate::audit::Actor;
use crate::chart;
use crate::codes::{CodeIndex, PickerInput};
use crate::coding::hold::{describe_hold, policy_in_force};
use crate::coding::{query, queue, work};
use crate::error::CoreError;
use crate::settings;
use crate::tui::chart_view::ChartState;
use crate::tui::coding::queries::QueriesState;
use crate::tui::coding::queue::CodingQueueState;
use crate::tui::coding::work::{self as coding_work, CodingWorkState};
use crate::tui::{CodingAction, CodingRefresh, Msg, ScreenId};

/// Queries listed at most (open ones first, soonest due).
const QUERY_LIST: usize = 500;

impl App {
    /// Show the coding queue (kept across visits) and read its page. Unanswered queries past
    /// `query_expire_days` expire first (COD-21), so the lists are current.
    pub(super) fn open_coding_queue(&mut self, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        if let Err(e) = query::expire_due(&mut self.store, &actor) {
            self.fail(e);
        }
        if self.codingq.is_none() {
            self.codingq = Some(CodingQueueState::new());
        }
        self.enter(ScreenId::CodingQueue);
        let ctx = self.ctx(now);
        if let Some(q) = &mut self.codingq {
            let e = q.reload(&ctx);
            self.perform(e, now);
        }
    }

    /// The workbench's view of an encounter after a change (bare reads). `edits` are those the
    /// change already ran on the stored list (a save); given, they are not run again.
    fn coding_refresh(
        &self,
        encounter_id: i64,
        edits: Option<Vec<crate::coding::Edit>>,
    ) -> Result<CodingRefresh, CoreError> {
        let conn = self.store.conn();
        let header = work::header(conn, encounter_id)?;
        let list = work::read_codes(conn, encounter_id)?;
        let edits = match edits {
            Some(e) => e,
            None => work::edits_for(conn, &header, &list)?,
        };
        let drg = crate::coding::working_drg::working_drg(conn, &header, &list)?;
        let reasons = work::hold_of(conn, policy_in_force(conn)?, encounter_id)?;
        let hold = if reasons.is_empty() {
            Vec::new()
        } else {
            vec![describe_hold(&reasons)]
        };
        let queries = query::encounter_queries(conn, encounter_id)?
            .into_iter()
            .map(|q| {
                format!(
                    "query {} {} (asked {} by {}, due {}): {}{}",
                    q.id,
                    q.status.to_uppercase(),
                    q.asked_at.get(..10).unwrap_or(""),
                    q.asked_by,
                    q.due_at.get(..10).unwrap_or(""),
                    q.question,
                    q.answer
                        .map(|a| format!(" — answer: {a}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let titles = work::code_titles(conn, &header, &list)?;
        Ok(CodingRefresh {
            header,
            list,
            edits,
            hold,
            queries,
            titles,
            drg,
            ranking: None,
        })
    }

    /// Claim and open an encounter on the workbench: the coding view (audited), the chart's
    /// documents of this encounter (the chart open is audited) and its clinical facts.
    fn open_coding(
        &mut self,
        actor: &Actor,
        encounter_id: i64,
    ) -> Result<CodingWorkState, CoreError> {
        work::claim(&mut self.store, actor, encounter_id)?;
        let (header, list, edits) = work::open(&mut self.store, actor, encounter_id)?;
        let patient_id =
            crate::deficiency::screens_read::patient_of_encounter(self.store.conn(), encounter_id)?;
        let c = chart::open_chart(&mut self.store, actor, patient_id)?;
        let docs = ChartState::new(c)
            .docs
            .into_iter()
            .filter(|d| d.encounter_id == encounter_id)
            .collect();
        let facts =
            crate::coding::screens_read::clinical_fact_lines(self.store.conn(), encounter_id)?;
        let mut r = self.coding_refresh(encounter_id, Some(edits))?;
        r.list = list;
        r.header = header;
        // The picker's synonyms (the facility's table) and this coder's boost (favourites,
        // recent codes, the facility's frequency), read once per encounter opened.
        let conn = self.store.conn();
        r.ranking = Some((
            std::sync::Arc::new(crate::codes::prefs::synonyms_in_force(conn)?),
            std::sync::Arc::new(crate::codes::prefs::load_boost(conn, &actor.username)?),
        ));
        if self.codes.is_none() {
            match CodeIndex::build(self.store.conn(), None) {
                Ok(ix) if !ix.is_empty() => self.codes = Some(ix),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(CodingWorkState::new(r, docs, facts))
    }

    /// Renew the coding claim at half its life (activity keeps it).
    fn renew_coding_claim(
        &mut self,
        actor: &Actor,
        encounter_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let minutes = settings::get_i64(self.store.conn(), crate::settings::Key::ClaimMinutes)?;
        let half = chrono::Duration::seconds(minutes * 30);
        if self.claim_renewed.is_none_or(|t| now - t >= half) {
            work::claim(&mut self.store, actor, encounter_id)?;
            self.claim_renewed = Some(now);
        }
        Ok(())
    }

    pub(super) fn perform_coding(&mut self, action: CodingAction, now: DateTime<Utc>) {
        let Some(session) = &self.session else { return };
        let actor = session.actor();
        let mut refresh: Option<i64> = None;
        // The edits a save ran on the stored list, shown without running them again.
        let mut saved_edits: Option<Vec<crate::coding::Edit>> = None;
        // Set when the encounter was completed: the workbench moves to the next one.
        let mut next: Option<i64> = None;
        let result: Result<Option<String>, CoreError> = match action {
            CodingAction::LoadQueue {
                list,
                kind,
                service,
                after,
                limit,
            } => queue::coding_page(
                &mut self.store,
                &actor,
                list,
                &queue::CodingFilter { kind, service },
                after.as_ref(),
                limit + 1,
            )
            .and_then(|rows| {
                self.dispatch(ScreenId::CodingQueue, Msg::CodingPage(rows), now);
                // The coding desk's re-review flags: the third list and the rows' R mark.
                let flags = crate::deficiency::rereview::desk_flags(
                    &mut self.store,
                    &actor,
                    "coding",
                    QUERY_LIST,
                )?;
                self.dispatch(ScreenId::CodingQueue, Msg::RereviewFlags(flags), now);
                Ok(None)
            }),
            CodingAction::Open { encounter_id } => match self.open_coding(&actor, encounter_id) {
                Ok(w) => {
                    self.coding = Some(w);
                    self.claim_renewed = Some(now);
                    self.enter(ScreenId::Coding);
                    Ok(None)
                }
                Err(e) => {
                    let _ = work::release(&mut self.store, &actor, encounter_id);
                    self.open_coding_queue(now);
                    Err(e)
                }
            },
            CodingAction::ToggleFavourite { system, code } => {
                crate::codes::prefs::toggle_favourite(&mut self.store, &actor, system, &code).map(
                    |on| {
                        if let (Some(ix), Some(w)) = (&self.codes, &mut self.coding) {
                            w.favourite_set(ix, system, &code, on);
                        }
                        let dotted = crate::text::sanitize_line(&system.dotted(&code)).into_owned();
                        Some(if on {
                            format!("{dotted} is a favourite: it ranks first in your picker")
                        } else {
                            format!("{dotted} is no longer a favourite")
                        })
                    },
                )
            }
            CodingAction::Leave { encounter_id } => {
                let res = work::release(&mut self.store, &actor, encounter_id);
                self.coding = None;
                self.claim_renewed = None;
                self.open_coding_queue(now);
                res.map(|()| None)
            }
            CodingAction::Save { encounter_id, list } => {
                refresh = Some(encounter_id);
                self.renew_coding_claim(&actor, encounter_id, now)
                    .and_then(|()| work::save_codes(&mut self.store, &actor, encounter_id, &list))
                    .map(|edits| {
                        saved_edits = Some(edits);
                        None
                    })
            }
            CodingAction::Complete {
                encounter_id,
                acknowledged,
                override_reason,
            } => {
                refresh = Some(encounter_id);
                work::complete(
                    &mut self.store,
                    &actor,
                    encounter_id,
                    &acknowledged,
                    override_reason.as_deref(),
                )
                .map(|o| {
                    next = Some(encounter_id);
                    Some(format!(
                        "coded: {} edit(s) acknowledged; the claim is released",
                        o.acknowledged.len()
                    ))
                })
            }
            CodingAction::Reopen {
                encounter_id,
                reason,
            } => {
                refresh = Some(encounter_id);
                work::reopen(&mut self.store, &actor, encounter_id, &reason)
                    .and_then(|()| work::claim(&mut self.store, &actor, encounter_id))
                    .map(|()| {
                        self.claim_renewed = Some(now);
                        Some("reopened: in progress".to_string())
                    })
            }
            CodingAction::OpenQueryForm { encounter_id } => {
                use crate::coding::query_desk;
                let conn = self.store.conn();
                query_desk::encounter_providers(conn, encounter_id)
                    .and_then(|p| Ok((p, query_desk::templates(conn)?)))
                    .map(|(providers, templates)| {
                        let providers = providers
                            .into_iter()
                            .map(|p| {
                                let npi = p.npi.map(|n| format!(" NPI {n}")).unwrap_or_default();
                                (p.id, format!("{}{npi} ({})", p.name, p.roles))
                            })
                            .collect();
                        let templates = templates.into_iter().map(|t| (t.code, t.title)).collect();
                        self.overlay = Some(super::Overlay::QueryForm(
                            crate::tui::coding::query_form::QueryFormState::new(
                                encounter_id,
                                providers,
                                templates,
                            ),
                        ));
                        None
                    })
            }
            CodingAction::QueryTo {
                encounter_id,
                provider_id,
                template,
                text,
            } => {
                refresh = Some(encounter_id);
                let sent = match &template {
                    Some(code) => crate::coding::query_desk::send_from_template(
                        &mut self.store,
                        &actor,
                        encounter_id,
                        code,
                        provider_id,
                        &text,
                    ),
                    None => query::send(
                        &mut self.store,
                        &actor,
                        encounter_id,
                        &text,
                        Some(provider_id),
                    ),
                };
                sent.map(|q| {
                    self.overlay = None;
                    Some(format!(
                        "query {} sent to provider #{provider_id}{}; the encounter is on hold until {}",
                        q.id,
                        template.map(|t| format!(" ({t})")).unwrap_or_default(),
                        q.due_at.get(..10).unwrap_or("")
                    ))
                })
            }
            CodingAction::LoadQueries => {
                let today = crate::clock::FacilityClock::at(self.store.conn(), now)
                    .map(|c| c.today())
                    .unwrap_or_else(|_| crate::clock::facility_date(now));
                crate::coding::screens_read::open_queries(&mut self.store, &actor, QUERY_LIST).map(
                    |rows| {
                        // Each open query's escalation level and the level its age calls for
                        // (bare read of the rows just audited).
                        let ages = crate::clock::FacilityClock::at(self.store.conn(), now)
                            .ok()
                            .and_then(|c| {
                                crate::coding::query_desk::open_query_ages(
                                    self.store.conn(),
                                    c.local_now(),
                                )
                                .ok()
                            })
                            .unwrap_or_default();
                        let q = self.queries.get_or_insert_with(QueriesState::default);
                        q.set_rows(rows, today);
                        q.set_ages(&ages);
                        self.enter(ScreenId::Queries);
                        None
                    },
                )
            }
            CodingAction::EscalateQueries => {
                match crate::coding::query_desk::escalate_due(&mut self.store, &actor) {
                    Ok(up) => {
                        self.perform_coding(CodingAction::LoadQueries, now);
                        Ok(Some(if up.is_empty() {
                            "no query is due for escalation (COD-21)".to_string()
                        } else {
                            format!(
                                "escalated {} query(ies): {} (COD-21; audited)",
                                up.len(),
                                up.iter()
                                    .map(|q| format!("{} to level {}", q.id, q.due_level))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }))
                    }
                    Err(e) => Err(e),
                }
            }
            CodingAction::Answer { query_id, text } => {
                match query::answer(&mut self.store, &actor, query_id, &text) {
                    Ok(()) => {
                        self.perform_coding(CodingAction::LoadQueries, now);
                        Ok(Some(format!(
                            "query {query_id} answered; the encounter's hold is released when no other query is open (COD-21)"
                        )))
                    }
                    Err(e) => Err(e),
                }
            }
            CodingAction::Query {
                encounter_id,
                question,
            } => {
                refresh = Some(encounter_id);
                query::send(&mut self.store, &actor, encounter_id, &question, None).map(|q| {
                    Some(format!(
                        "query {} sent to the attending; the encounter is on hold until {}",
                        q.id,
                        q.due_at.get(..10).unwrap_or("")
                    ))
                })
            }
        };
        // After any change (refused or not) the workbench shows what is stored.
        if let Some(id) = refresh {
            self.refresh_coding_with(id, saved_edits, now);
        }
        match result {
            Ok(Some(m)) => self.status = Some(m),
            Ok(None) => {}
            Err(e) => self.fail(e),
        }
        if let Some(done) = next {
            self.next_encounter(done, now);
        }
    }

    /// After completing an encounter: say so and open the next unclaimed encounter of the
    /// queue page (the coded one stays on screen when there is none, so it can be reviewed
    /// or reopened).
    fn next_encounter(&mut self, done: i64, now: DateTime<Utc>) {
        let said = self.status.take().unwrap_or_default();
        let visit = self
            .coding
            .as_ref()
            .and_then(|w| w.title.split(" · ").next().map(str::to_string))
            .unwrap_or_default();
        let next = self.codingq.as_ref().and_then(|q| {
            q.rows
                .iter()
                .find(|r| r.encounter_id != done && r.note.is_empty())
                .map(|r| r.encounter_id)
        });
        match next {
            Some(encounter_id) => {
                self.coding = None;
                self.claim_renewed = None;
                self.perform_coding(CodingAction::Open { encounter_id }, now);
                if self.status.is_none() {
                    self.status = Some(format!(
                        "{said} · {visit} done · next encounter opened (Esc: queue)"
                    ));
                }
            }
            None => {
                self.status = Some(format!(
                    "{said} · {visit} done · no other encounter on the queue page (Esc: queue)"
                ))
            }
        }
    }

    /// Read the workbench's encounter again (bare reads) and show it.
    pub(super) fn refresh_coding(&mut self, encounter_id: i64, now: DateTime<Utc>) {
        self.refresh_coding_with(encounter_id, None, now)
    }

    /// As [`Self::refresh_coding`], with the edits a save already ran.
    fn refresh_coding_with(
        &mut self,
        encounter_id: i64,
        edits: Option<Vec<crate::coding::Edit>>,
        now: DateTime<Utc>,
    ) {
        match self.coding_refresh(encounter_id, edits) {
            Ok(r) => self.dispatch(ScreenId::Coding, Msg::CodingRefresh(Box::new(r)), now),
            Err(e) => self.fail(e),
        }
    }

    /// A picker input on the workbench's picker (in-memory search on the kept index).
    pub(super) fn coding_picker(&mut self, input: PickerInput, now: DateTime<Utc>) {
        let (Some(ix), Some(w)) = (&self.codes, &mut self.coding) else {
            self.fail("no code sets loaded — run `chartdesk init`");
            return;
        };
        let e = coding_work::apply_picker(w, ix, input);
        self.perform(e, now);
    }
}
