//! The deficiency screens' effects, performed through the core. Every call below writes its
//! own audit rows (or is a bare read of deficiency rows, settings or provider names); the TUI
//! writes no SQL. A refused call shows the core's message, which names the DEF-xx rule.

use chrono::{DateTime, Utc};

use super::App;
use crate::audit::Actor;
use crate::chart;
use crate::deficiency::lifecycle::{Decision, DefStatus};
use crate::deficiency::{ops, queue, report};
use crate::error::CoreError;
use crate::report as reports;
use crate::report_cli;
use crate::settings;
use crate::tui::deficiency::provider::ProviderViewState;
use crate::tui::deficiency::queue::QueueState;
use crate::tui::deficiency::reports::ReportsState;
use crate::tui::deficiency::work::WorkState;
use crate::tui::{CommandId, DefAction, Effect, Msg, ScreenId};

/// Re-review flags listed at most on a queue (oldest first).
const REREVIEW_LIST: usize = 200;

impl App {
    /// The bulk-complete confirmation (issue #13): the physician's open signature
    /// deficiencies, listed and counted; the count confirmed is checked again in the core.
    pub(super) fn bulk_prompt(&mut self) -> Effect {
        let Some(p) = &mut self.provider_view else {
            return Effect::None;
        };
        let list = match crate::deficiency::signing::signature_deficiencies(
            self.store.conn(),
            p.provider_id,
        ) {
            Ok(l) => l,
            Err(e) => return Effect::Status(crate::text::sanitize_line(&e.to_string()).into()),
        };
        if list.is_empty() {
            p.bulk_count = None;
            return Effect::Status(format!("{} has no open signature deficiency", p.name));
        }
        p.bulk_count = Some(list.len());
        const SHOWN: usize = 6;
        let mut prompt = format!(
            "Complete all {} signature deficiencies of {} (signed at the signing station, dated now)?",
            list.len(),
            p.name
        );
        for d in list.iter().take(SHOWN) {
            prompt.push_str(&format!(
                "\n· {} document {} (encounter {})",
                crate::text::sanitize_line(&d.kind),
                d.document_id.unwrap_or_default(),
                d.encounter_id
            ));
        }
        if list.len() > SHOWN {
            prompt.push_str(&format!("\n… and {} more", list.len() - SHOWN));
        }
        Effect::Confirm {
            prompt,
            then: CommandId::BulkCompleteSignatures,
        }
    }

    /// Show the queue (kept across visits, so sort, filter and page survive) and read its page.
    pub(super) fn open_queue(&mut self, now: DateTime<Utc>) {
        if self.defq.is_none() {
            let edges = report::bucket_edges(self.store.conn()).unwrap_or([7, 14, 30]);
            let mut q = QueueState::new(edges);
            // What the filter's names are matched against (bare reads; no PHI).
            q.services =
                crate::deficiency::screens_read::services(self.store.conn()).unwrap_or_default();
            q.providers = ops::list_providers(self.store.conn())
                .map(|ps| ps.into_iter().map(|p| (p.id, p.name)).collect())
                .unwrap_or_default();
            self.defq = Some(q);
        }
        self.enter(ScreenId::Deficiencies);
        let ctx = self.ctx(now);
        if let Some(q) = &mut self.defq {
            let e = q.reload(&ctx);
            self.perform(e, now);
        }
    }

    /// Show the reports screen with the department summary (or, for a technician, how to
    /// get a provider's letter).
    pub(super) fn open_reports(&mut self, now: DateTime<Utc>) {
        let today = crate::clock::facility_date(now);
        let providers = report::by_provider(self.store.conn(), today)
            .map(|rows| {
                rows.into_iter()
                    .filter_map(|p| Some((p.provider_id?, p.provider)))
                    .collect()
            })
            .unwrap_or_default();
        self.reports = Some(ReportsState::new(providers));
        self.enter(ScreenId::Reports);
        self.perform_def(DefAction::Report { provider: None }, now);
    }

    /// One report of the report layer as table text (`report::run` authorizes, reads and
    /// audits it; `report_cli::render` only renders).
    fn report_table(&mut self, actor: &Actor, req: reports::Request) -> anyhow::Result<String> {
        let out = reports::run(&mut self.store, actor, req)?;
        report_cli::render(&out.report, reports::Format::Table)
    }

    /// The report text. Department reports need `Perm::Administer`; a technician is not sent
    /// to a refusal (which would be audited as a denied access) but told what is available.
    fn report_text(
        &mut self,
        actor: &Actor,
        may_administer: bool,
        provider: Option<i64>,
        today: chrono::NaiveDate,
    ) -> anyhow::Result<(String, String)> {
        use reports::Request;
        match provider {
            Some(id) => Ok((
                format!("Provider #{id} letter (Esc: back)"),
                self.report_table(
                    actor,
                    Request::ProviderLetter {
                        provider: id.to_string(),
                        csv: false,
                    },
                )?,
            )),
            None if may_administer => {
                let as_of = Some(today);
                let mut text = self.report_table(actor, Request::Deficiencies { as_of })?;
                text.push('\n');
                text += &self.report_table(actor, Request::Delinquency { as_of })?;
                Ok((format!("Deficiency reports as of {today}"), text))
            }
            None => Ok((
                "Reports".into(),
                "Department reports (open deficiencies by type and age, by provider,\n\
                 and the delinquency rate) are for supervisors.\n\n\
                 Press l for one provider's letter: every chart and what is owed,\n\
                 oldest first, delinquent items flagged.\n"
                    .into(),
            )),
        }
    }

    /// One of the desk's lists as text, through the report layer.
    fn desk_report_text(
        &mut self,
        actor: &Actor,
        which: crate::tui::DeskReport,
        today: chrono::NaiveDate,
    ) -> anyhow::Result<(String, String)> {
        use crate::tui::DeskReport as D;
        use reports::Request;
        let as_of = Some(today);
        Ok(match which {
            D::Letters => {
                let mut text = String::new();
                for l in crate::deficiency::escalation::levels(self.store.conn())? {
                    let batch = self.report_table(
                        actor,
                        Request::Letters {
                            level: l.level,
                            as_of,
                        },
                    )?;
                    text += &format!(
                        "== Level {} ({} days): {} ==\n",
                        l.level,
                        l.days,
                        crate::text::sanitize_line(&l.title)
                    );
                    text += if batch.trim().is_empty() {
                        "(no physician at this level)\n"
                    } else {
                        &batch
                    };
                    text.push('\n');
                }
                (
                    format!("Escalation letters as of {today} (Esc: back)"),
                    text,
                )
            }
            D::Suspension => (
                format!("Suspension list as of {today} (Esc: back)"),
                self.report_table(actor, Request::Suspension { as_of })?,
            ),
            D::Rereview => (
                "Re-review flags: analysis desk (Esc: back)".into(),
                self.report_table(
                    actor,
                    Request::Rereview {
                        desk: "analysis".into(),
                    },
                )?,
            ),
            D::DataQuality => (
                "Data-quality list: kept out of analysis (Esc: back)".into(),
                self.report_table(actor, Request::DataQuality { rule: None })?,
            ),
        })
    }

    pub(super) fn perform_def(&mut self, action: DefAction, now: DateTime<Utc>) {
        let Some(session) = &self.session else { return };
        let actor = session.actor();
        let may_administer = session.role.can(crate::domain::Perm::Administer);
        let zone = crate::clock::facility_zone(self.store.conn())
            .unwrap_or_else(|_| crate::clock::cached_zone());
        let local = now.with_timezone(&zone);
        let changes = !matches!(
            action,
            DefAction::LoadQueue { .. }
                | DefAction::WriteLetters
                | DefAction::ClearRereview { .. }
                | DefAction::OpenWork { .. }
                | DefAction::LeaveWork { .. }
                | DefAction::OpenProviderView { .. }
                | DefAction::LoadProviderPage { .. }
        );
        if changes && let Err(e) = self.renew_claim(&actor, now) {
            self.fail(e);
            return;
        }
        // A change that may finish the chart: marking it analysed, or closing its last item.
        let finishing = matches!(
            action,
            DefAction::MarkAnalyzed { .. }
                | DefAction::Transition { .. }
                | DefAction::Sign { .. }
                | DefAction::Cosign { .. }
                | DefAction::ApproveWaiver { .. }
        );
        let analysed = matches!(action, DefAction::MarkAnalyzed { .. });
        let result: Result<Option<String>, CoreError> = match action {
            DefAction::LoadQueue {
                tab,
                sort,
                filter,
                after,
                limit,
            } => queue::queue_page(
                &mut self.store,
                &actor,
                tab,
                sort,
                &filter,
                after.as_ref(),
                limit + 1,
            )
            .and_then(|rows| {
                self.dispatch(ScreenId::Deficiencies, Msg::QueuePage(rows), now);
                // The analysis desk's re-review flags: the third list and the rows' R mark.
                let flags = crate::deficiency::rereview::desk_flags(
                    &mut self.store,
                    &actor,
                    "analysis",
                    REREVIEW_LIST,
                )?;
                self.dispatch(ScreenId::Deficiencies, Msg::RereviewFlags(flags), now);
                Ok(None)
            }),
            DefAction::OpenWork {
                encounter_id,
                mrn,
                attending_id,
            } => {
                // A refused claim leaves the user in the queue, re-read to show the holder.
                if let Err(e) = queue::claim(&mut self.store, &actor, encounter_id) {
                    self.open_queue(now);
                    self.fail(e);
                    return;
                }
                let opened = self.load_work(encounter_id, &mrn, attending_id, local.date_naive());
                match opened {
                    Ok(w) => {
                        self.work = Some(w);
                        self.claim_renewed = Some(now);
                        self.enter(ScreenId::Work);
                        Ok(None)
                    }
                    Err(e) => {
                        let _ = queue::release(&mut self.store, &actor, encounter_id);
                        Err(e)
                    }
                }
            }
            DefAction::LeaveWork { encounter_id } => {
                let res = queue::release(&mut self.store, &actor, encounter_id);
                self.work = None;
                self.open_queue(now);
                res.map(|()| None)
            }
            DefAction::Add {
                encounter_id,
                kind,
                document_id,
                provider_id,
            } => ops::add_manual(
                &mut self.store,
                &actor,
                encounter_id,
                &kind,
                document_id,
                provider_id,
                "added by hand",
            )
            .map(|id| Some(format!("{kind} added (deficiency {id})"))),
            DefAction::Transition {
                id,
                to,
                reason,
                waive,
            } => ops::transition(&mut self.store, &actor, id, to, &reason, waive).map(|d| {
                Some(match d {
                    Decision::WaiverPendingApproval => {
                        format!("deficiency {id}: waiver recorded, waiting for supervisor approval")
                    }
                    Decision::Move(DefStatus::Completed) => format!("deficiency {id} resolved"),
                    Decision::Move(s) => format!("deficiency {id} is now {s}"),
                })
            }),
            DefAction::ApproveWaiver { id } => ops::approve_waiver(&mut self.store, &actor, id)
                .map(|()| Some(format!("deficiency {id}: waiver approved"))),
            DefAction::Reassign {
                id,
                provider_id,
                reason,
            } => ops::reassign(&mut self.store, &actor, id, provider_id, &reason).map(|()| {
                Some(format!(
                    "deficiency {id} reassigned to provider #{provider_id}"
                ))
            }),
            DefAction::Sign { document_id } => {
                ops::record_signature(&mut self.store, &actor, document_id, local.naive_local())
                    .map(|o| {
                        self.dispatch(ScreenId::Work, Msg::Signed { document_id }, now);
                        Some(format!(
                            "signature recorded; {} deficienc{} resolved",
                            o.resolved,
                            if o.resolved == 1 { "y" } else { "ies" }
                        ))
                    })
            }
            DefAction::Cosign { document_id } => crate::deficiency::signing::record_cosignature(
                &mut self.store,
                &actor,
                document_id,
                local.naive_local(),
            )
            .map(|o| {
                Some(format!(
                    "cosignature recorded (AUTH-COSIGN); {} deficienc{} resolved",
                    o.resolved,
                    if o.resolved == 1 { "y" } else { "ies" }
                ))
            }),
            DefAction::BulkComplete {
                provider_id,
                confirmed,
            } => crate::deficiency::signing::bulk_complete_signatures(
                &mut self.store,
                &actor,
                provider_id,
                local.naive_local(),
                confirmed,
            )
            .map(|o| {
                let ctx = self.ctx(now);
                if let Some(p) = &mut self.provider_view {
                    let e = p.load(None, &ctx);
                    self.perform(e, now);
                }
                Some(format!(
                    "bulk complete: {} signed, {} cosigned, {} deficiencies completed on {} charts",
                    o.documents_signed,
                    o.documents_cosigned,
                    o.deficiencies_completed,
                    o.encounters
                ))
            }),
            DefAction::WriteLetters => {
                let dir = self
                    .store
                    .path()
                    .parent()
                    .map(|p| p.join("exports"))
                    .unwrap_or_else(|| std::path::PathBuf::from("exports"));
                let stamp = local.format("%Y%m%d-%H%M%S%3f").to_string();
                crate::deficiency::escalation::write_letter_files(
                    &mut self.store,
                    &actor,
                    local.date_naive(),
                    &dir,
                    &stamp,
                )
                .map(|f| {
                    Some(format!(
                        "wrote {} letter(s), {} page(s): {} and {} (DEL-07; audited)",
                        f.letters,
                        f.pages,
                        f.text.display(),
                        f.pdf.display()
                    ))
                })
            }
            DefAction::ClearRereview { flag_id } => {
                crate::deficiency::rereview::clear(&mut self.store, &actor, flag_id, "re-reviewed")
                    .map(|()| {
                        self.refresh_screen(now);
                        Some(format!("re-review flag {flag_id} cleared (audited)"))
                    })
            }
            DefAction::DeskReport(which) => {
                let today = local.date_naive();
                match self.desk_report_text(&actor, which, today) {
                    Ok((title, text)) => {
                        let msg = Msg::Report {
                            title,
                            text,
                            provider: None,
                        };
                        self.dispatch(ScreenId::Reports, msg, now);
                        Ok(None)
                    }
                    Err(e) => {
                        self.fail(e);
                        return;
                    }
                }
            }
            DefAction::Report { provider } => {
                let today = local.date_naive();
                match self.report_text(&actor, may_administer, provider, today) {
                    Ok((title, text)) => {
                        let msg = Msg::Report {
                            title,
                            text,
                            provider,
                        };
                        self.dispatch(ScreenId::Reports, msg, now);
                        Ok(None)
                    }
                    Err(e) => {
                        self.fail(e);
                        return;
                    }
                }
            }
            DefAction::OpenProviderView { provider_id } => {
                let name = self
                    .reports
                    .as_ref()
                    .and_then(|r| r.providers.iter().find(|(id, _)| *id == provider_id))
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| format!("Provider #{provider_id}"));
                match settings::get_i64(
                    self.store.conn(),
                    crate::settings::Key::DeficiencyDelinquentDays,
                ) {
                    Ok(days) => {
                        // The state first: the page size comes from its chrome.
                        self.provider_view = Some(ProviderViewState::new(
                            provider_id,
                            &name,
                            local.date_naive(),
                            days,
                        ));
                        self.enter(ScreenId::Provider);
                        let ctx = self.ctx(now);
                        if let Some(p) = &mut self.provider_view {
                            let e = p.load(None, &ctx);
                            self.perform(e, now);
                        }
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
            DefAction::LoadProviderPage {
                provider_id,
                after,
                limit,
            } => queue::provider_page(
                &mut self.store,
                &actor,
                provider_id,
                after.as_ref().map(|(a, i)| (a.as_str(), *i)),
                limit + 1,
            )
            .map(|rows| {
                self.dispatch(ScreenId::Provider, Msg::ProviderPage(rows), now);
                None
            }),
            DefAction::MarkAnalyzed { encounter_id } => {
                crate::deficiency::ops::mark_analyzed(&mut self.store, &actor, encounter_id).map(
                    |o| {
                        Some(format!(
                            "chart analysed: {} created, {} open",
                            o.created, o.open
                        ))
                    },
                )
            }
        };
        match result {
            Ok(note) => {
                self.refresh_work(now);
                if let Some(n) = note {
                    self.status = Some(n);
                }
                let open_left = self
                    .work
                    .as_ref()
                    .map(|w| w.defs.iter().filter(|d| d.open).count());
                let analysing = self
                    .defq
                    .as_ref()
                    .is_some_and(|q| q.tab == crate::deficiency::queue::QueueTab::AwaitingAnalysis);
                if finishing && ((analysed && analysing) || open_left == Some(0)) {
                    self.next_chart(now, analysed);
                }
            }
            Err(e) => {
                self.refresh_work(now);
                self.fail(e);
            }
        }
    }

    /// The worked chart is done (analysed, or nothing left open): say so, release it and
    /// claim the next chart of the queue, as the user would with Esc then Enter.
    fn next_chart(&mut self, now: DateTime<Utc>, analysed: bool) {
        let Some(w) = &self.work else { return };
        let visit = w
            .chart
            .encounter()
            .map(|e| e.visit.clone())
            .unwrap_or_default();
        let id = w.encounter_id;
        let said = self
            .status
            .take()
            .map(|s| format!("{s} · "))
            .unwrap_or_default();
        let done = if analysed {
            format!("{said}{visit} analysed")
        } else {
            format!("{said}{visit} complete: no open deficiencies")
        };
        self.perform_def(DefAction::LeaveWork { encounter_id: id }, now);
        let next = self.defq.as_ref().and_then(|q| {
            q.rows
                .iter()
                .find(|r| r.encounter_id != id && r.claimed_by.is_empty())
                .map(|r| (r.encounter_id, r.mrn.clone(), r.attending_id))
        });
        match next {
            Some((encounter_id, mrn, attending_id)) => {
                self.perform_def(
                    DefAction::OpenWork {
                        encounter_id,
                        mrn,
                        attending_id,
                    },
                    now,
                );
                if self.work.is_some() {
                    self.status = Some(format!("{done} · next chart opened (Esc: queue)"));
                }
            }
            None => self.status = Some(format!("{done} · no other chart on this queue page")),
        }
    }

    /// The claim lasts `claim_minutes` without activity: a change made after half of that
    /// renews it first (one audited `work_claim` update). If the claim lapsed and another user
    /// took the chart, the change is refused with the holder's name.
    fn renew_claim(&mut self, actor: &Actor, now: DateTime<Utc>) -> Result<(), CoreError> {
        let Some(w) = &self.work else { return Ok(()) };
        let minutes = settings::get_i64(self.store.conn(), crate::settings::Key::ClaimMinutes)?;
        let half = chrono::Duration::seconds(minutes * 30);
        if self.claim_renewed.is_none_or(|t| now - t >= half) {
            queue::claim(&mut self.store, actor, w.encounter_id)?;
            self.claim_renewed = Some(now);
        }
        Ok(())
    }

    /// Read the worked chart's deficiencies again (a bare read of deficiency rows).
    pub(super) fn refresh_work(&mut self, now: DateTime<Utc>) {
        let Some(id) = self.work.as_ref().map(|w| w.encounter_id) else {
            return;
        };
        match queue::encounter_deficiencies(self.store.conn(), id) {
            Ok(rows) => self.dispatch(ScreenId::Work, Msg::Deficiencies(rows), now),
            Err(e) => self.fail(e),
        }
        // The header shows the encounter's status as stored now.
        if let Ok((him, coding)) =
            crate::deficiency::screens_read::encounter_status(self.store.conn(), id)
            && let Some(e) = self
                .work
                .as_mut()
                .and_then(|w| w.chart.encounters.iter_mut().find(|e| e.id == id))
        {
            e.him = crate::text::sanitize_line(&him).into_owned();
            e.coding = crate::text::sanitize_line(&coding).into_owned();
        }
    }

    /// Open the chart of a claimed encounter beside its deficiencies (the chart view is
    /// audited by `open_chart`; the encounter → patient id lookup reads no PHI).
    fn load_work(
        &mut self,
        encounter_id: i64,
        mrn: &str,
        attending_id: Option<i64>,
        today: chrono::NaiveDate,
    ) -> Result<WorkState, CoreError> {
        let Some(session) = &self.session else {
            return Err(CoreError::invalid("session", "not signed in"));
        };
        let actor = session.actor();
        let patient_id =
            crate::deficiency::screens_read::patient_of_encounter(self.store.conn(), encounter_id)
                .map_err(|_| CoreError::NotFound {
                    what: "encounter of patient",
                    id: format!("{encounter_id} ({mrn})"),
                })?;
        let c = chart::open_chart(&mut self.store, &actor, patient_id)?;
        let defs = queue::encounter_deficiencies(self.store.conn(), encounter_id)?;
        let mut providers: Vec<(i64, String)> = Vec::new();
        let mut add = |id: Option<i64>, name: Option<&str>| {
            if let (Some(id), Some(n)) = (id, name)
                && !providers.iter().any(|(p, _)| *p == id)
            {
                providers.push((id, n.to_string()));
            }
        };
        for d in &defs {
            add(d.provider_id, d.provider.as_deref());
        }
        let attending = c
            .encounters
            .iter()
            .find(|e| e.id == encounter_id)
            .and_then(|e| e.attending.clone());
        add(attending_id, attending.as_deref());
        for p in crate::deficiency::ops::list_providers(self.store.conn())? {
            add(Some(p.id), Some(&p.name));
        }
        providers.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(WorkState::new(
            c,
            encounter_id,
            attending_id,
            defs,
            providers,
            today,
        ))
    }
}
