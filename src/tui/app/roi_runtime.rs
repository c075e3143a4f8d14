//! The ROI desk's effects: each is one audited, permission-checked core call; the screen is
//! rebuilt from a fresh read afterwards so what is shown is what is stored.
//!
//! Every write to a request runs under [`Store::guarded`] with the version the screen read:
//! a stale write is refused with who changed what and when, and the open form stays as the
//! user left it (the draft is kept). Lists and the open request are read again when another
//! user commits (`PRAGMA data_version`, polled on each tick).
//!
//! [`Store::guarded`]: crate::store::Store::guarded

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::App;
use crate::chart;
use crate::roi::addressbook;
use crate::roi::estimate::fee_estimate;
use crate::roi::screens_read::{self, RoiView};
use crate::roi::{disclosure, holds, manual_disclosure, release, request};
use crate::settings;
use crate::store::version::{self, Versioned};
use crate::tui::roi::accounting::AccountingState;
use crate::tui::roi::book::BookState;
use crate::tui::roi::desk::{RequestExtra, RoiQueueState, RoiRequestState};
use crate::tui::roi::forms::{FieldForm, Source};
use crate::tui::roi::intake::{patient_choice, requester_choice};
use crate::tui::{RoiAction, RoiStep, ScreenId};

/// Address-book entries listed while typing.
const BOOK_HITS: usize = 8;
/// Address-book entries listed on its screen.
const BOOK_LIST: usize = 1000;

/// A request's status as a message ends: `IN_PROCESS`, or `ON_HOLD HOLD_… — what lifts it`.
fn status_text(r: &request::RequestRecord) -> String {
    match (&r.hold_reason, request::hold_hint(r)) {
        (Some(h), Some(hint)) if r.status == crate::roi::lifecycle::Status::OnHold => {
            format!("still ON_HOLD {h}: {hint}")
        }
        _ => r.status.label().to_string(),
    }
}

impl App {
    /// Where the TUI writes release packets: `release_packet_dir`, else `packets/` beside the
    /// database.
    pub(super) fn packet_dir(&self) -> PathBuf {
        let set = settings::get(self.store.conn(), crate::settings::Key::ReleasePacketDir)
            .unwrap_or_default();
        if set.trim().is_empty() {
            self.store
                .path()
                .parent()
                .map(|p| p.join("packets"))
                .unwrap_or_else(|| PathBuf::from("packets"))
        } else {
            PathBuf::from(set.trim())
        }
    }

    /// The bare reads beside a request's audited detail. The version is read first: a write
    /// between the two reads makes it older than the detail, so a save is refused, never let
    /// through.
    fn request_version(&self, id: i64) -> i64 {
        version::current(self.store.conn(), &Versioned::Request(id))
            .ok()
            .flatten()
            .unwrap_or(0)
    }

    fn request_extra(&self, d: &request::Detail, version: i64) -> RequestExtra {
        let conn = self.store.conn();
        let today = request::today(&self.store);
        let r = &d.request;
        let verified_before = addressbook::find(conn, &r.requester_name, BOOK_HITS)
            .ok()
            .and_then(|hits| {
                hits.into_iter()
                    .find(|h| h.name.eq_ignore_ascii_case(r.requester_name.trim()))
            })
            .map(|h| h.verification)
            .filter(|v| !v.trim().is_empty());
        RequestExtra {
            version,
            facility: settings::get(conn, crate::settings::Key::FacilityName).unwrap_or_default(),
            estimate: r
                .status
                .is_open()
                .then(|| fee_estimate(conn, r, today).map_err(|e| e.to_string())),
            verified_before,
            qa_optional: settings::get_i64(conn, crate::settings::Key::RoiQaRequired)
                .is_ok_and(|v| v == 0),
        }
    }

    fn reopen_request(&mut self, id: i64, status: Option<String>) {
        let Some(s) = &self.session else { return };
        let version = self.request_version(id);
        match request::detail(&mut self.store, &s.actor(), id) {
            Ok(d) => {
                let same = self.roi_req.as_ref().filter(|r| r.id == id);
                let keep = same.map(|r| r.scroll);
                // Opened from the batch screen, or reopened after a step while it was.
                let from_batches =
                    self.screen == ScreenId::Batches || same.is_some_and(|r| r.from_batches);
                let extra = self.request_extra(&d, version);
                let mut st = RoiRequestState::new(&d, &extra);
                st.scroll = keep.unwrap_or(0).min(st.lines.len().saturating_sub(1));
                st.from_batches = from_batches;
                self.roi_req = Some(st);
                self.enter(ScreenId::RoiRequest);
                self.mark_roi_seen();
                if let Some(m) = status {
                    self.status = Some(m);
                }
            }
            Err(e) => self.fail(e),
        }
    }

    fn load_queue(&mut self) {
        let Some(s) = &self.session else { return };
        match request::queue(&mut self.store, &s.actor(), false) {
            Ok(rows) => {
                let keep = self.roiq.as_ref().map(|q| q.selected);
                let mut q = RoiQueueState::new(rows);
                q.selected = keep.unwrap_or(0).min(q.rows.len().saturating_sub(1));
                self.roiq = Some(q);
                self.roi_seen = None;
                if self.screen == ScreenId::RoiQueue {
                    self.mark_roi_seen();
                }
            }
            Err(e) => self.fail(e),
        }
    }

    fn open_accounting(&mut self, mrn: &str, from: ScreenId, status: Option<String>) {
        let Some(s) = &self.session else { return };
        // The open accounting request's version, read before the accounting itself.
        let aod = screens_read::open_aod_request(self.store.conn(), mrn)
            .ok()
            .flatten();
        match disclosure::accounting(&mut self.store, &s.actor(), mrn, None) {
            Ok(a) => {
                let version = aod
                    .filter(|(id, _)| a.request.as_ref().is_some_and(|r| r.id == *id))
                    .map(|(_, v)| v);
                let mut st = AccountingState::new(&a, from, version);
                // The agency's own request of this patient, for a suspension (AOD-06).
                st.agency_request = screens_read::agency_request(self.store.conn(), mrn)
                    .ok()
                    .flatten()
                    .map(request::request_label)
                    .unwrap_or_default();
                self.accounting = Some(st);
                self.enter(ScreenId::Accounting);
                self.mark_roi_seen();
                if let Some(m) = status {
                    self.status = Some(m);
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// The form open on the ROI screen shown, if any.
    fn roi_form(&mut self) -> Option<&mut FieldForm> {
        match self.screen {
            ScreenId::RoiQueue => self.roiq.as_mut()?.form.as_mut().map(|(_, f)| f),
            ScreenId::RoiRequest => self.roi_req.as_mut()?.open_form(),
            ScreenId::Accounting => self.accounting.as_mut()?.form.as_mut().map(|(_, f)| f),
            ScreenId::AddressBook => self.book.as_mut()?.form.as_mut().map(|(_, f)| f),
            ScreenId::Amendments => self.amendments.as_mut()?.form.as_mut().map(|(_, _, f)| f),
            ScreenId::Restrictions | ScreenId::RequestFiles | ScreenId::Batches => {
                self.rights.as_mut()?.form.as_mut().map(|(_, f)| f)
            }
            _ => None,
        }
    }

    /// A refused call: the message on the status line and in the open form, whose draft is
    /// kept as the user left it.
    pub(super) fn refused(&mut self, e: impl std::fmt::Display) {
        let line = crate::text::sanitize_line(&e.to_string()).into_owned();
        let on_request = self.screen == ScreenId::RoiRequest;
        if let Some(f) = self.roi_form() {
            f.error = Some(line.clone());
        } else if let Some(r) = self.roi_req.as_mut().filter(|_| on_request) {
            r.notice(&line);
        }
        self.status = Some(line);
    }

    /// What the ROI screen shown is built from, in a few cheap aggregates (no PHI, not
    /// audited): the record versions and counts behind it. Another user's commit changes the
    /// file's `data_version` for anything, views included (every view writes an audit row);
    /// only a change to this fingerprint rereads the screen, so two idle desks never make
    /// each other reread (and re-audit) forever.
    fn roi_fingerprint(&self) -> Option<String> {
        let view = match self.screen {
            ScreenId::RoiQueue => RoiView::Queue,
            ScreenId::RoiRequest => RoiView::Request(self.roi_req.as_ref()?.id),
            ScreenId::Accounting => RoiView::Accounting {
                mrn: &self.accounting.as_ref()?.mrn,
            },
            ScreenId::AddressBook => RoiView::AddressBook,
            _ => return None,
        };
        let fp = screens_read::fingerprint(self.store.conn(), view).ok()?;
        Some(format!("{:?}:{fp}", self.screen))
    }

    /// Remember what the screen was just built from (see [`App::roi_fingerprint`]).
    fn mark_roi_seen(&mut self) {
        self.roi_seen = self.roi_fingerprint();
    }

    /// Another user committed: read the queue, the open request, the accounting or the
    /// address book again when what they show changed (only when no form is open there, so
    /// a draft is never replaced; its save is checked by version anyway).
    pub(super) fn poll_roi_changes(&mut self) {
        let Ok(dv) = version::data_version(self.store.conn()) else {
            return;
        };
        if dv == self.data_version {
            return;
        }
        self.data_version = dv;
        if self.session.is_none() || self.locked.is_some() || self.overlay.is_some() {
            return;
        }
        let fp = self.roi_fingerprint();
        if fp.is_none() || fp == self.roi_seen {
            return;
        }
        self.refresh_roi();
    }

    /// Read the ROI screen shown again (not while a form is open there: the draft stays).
    pub(super) fn refresh_roi(&mut self) {
        match self.screen {
            ScreenId::RoiQueue if self.roiq.as_ref().is_some_and(|q| q.form.is_none()) => {
                self.load_queue();
            }
            ScreenId::RoiRequest => {
                if let Some(r) = self.roi_req.as_ref().filter(|r| !r.modal()) {
                    let id = r.id;
                    let keep = self.status.take();
                    self.reopen_request(id, keep);
                }
            }
            ScreenId::AddressBook if self.book.as_ref().is_some_and(|b| b.form.is_none()) => {
                let keep = self.status.take();
                self.load_book(keep);
            }
            ScreenId::Accounting => {
                if let Some(a) = self.accounting.as_ref().filter(|a| a.form.is_none()) {
                    let (mrn, from) = (a.mrn.clone(), a.from);
                    let keep = self.status.take();
                    self.open_accounting(&mrn, from, keep);
                }
            }
            _ => {}
        }
    }

    fn step(&mut self, id: i64, version: i64, step: RoiStep) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        let label = request::request_label(id);
        let rec = Versioned::Request(id);
        let out: Result<String, crate::CoreError> =
            self.store.guarded(rec, version, |st| match &step {
                RoiStep::Verify { method } => {
                    request::verify_identity(st, &actor, id, method).map(|()| {
                        format!(
                            "{label}: identity verified ({method}) by {} (ROI-07)",
                            actor.username
                        )
                    })
                }
                RoiStep::Deny {
                    code,
                    note,
                    professional,
                } => request::deny(st, &actor, id, code, note, professional.as_deref())
                    .map(|rule| format!("{label}: DENIED {code} ({rule})")),
                RoiStep::ReviewDenial {
                    reviewer,
                    upheld,
                    document,
                } => {
                    let outcome = if *upheld { "upheld" } else { "reversed" };
                    match document {
                        Some(doc) => holds::review_document_denial(
                            st, &actor, id, *doc, reviewer, *upheld,
                        )
                        .map(|to| {
                            format!(
                                "{label}: denial of document {doc} {outcome} by {reviewer}; {}{}",
                                to.label(),
                                if !upheld && !to.is_open() {
                                    " — no longer open: give access on a new request"
                                } else {
                                    ""
                                }
                            )
                        }),
                        None => request::review_denial(st, &actor, id, reviewer, *upheld)
                            .map(|()| format!("{label}: denial {outcome} by {reviewer}")),
                    }
                }
                RoiStep::DenyDocuments {
                    documents,
                    code,
                    note,
                    professional,
                } => holds::deny_documents(
                    st,
                    &actor,
                    id,
                    documents,
                    code,
                    note,
                    professional.as_deref(),
                )
                .map(|rule| {
                    let docs: Vec<String> = documents.iter().map(i64::to_string).collect();
                    format!(
                        "{label}: document(s) {} DENIED {code} ({rule}); the rest is released (164.524(d)(1))",
                        docs.join(", ")
                    )
                }),
                RoiStep::Refuse { note } => holds::refuse(st, &actor, id, note).map(|d| {
                    format!(
                        "{label}: REFUSED for {} defect(s) of its authorization (LTR-03)",
                        d.len()
                    )
                }),
                RoiStep::Revoke { on } => holds::record_revocation(st, &actor, id, *on).map(|to| {
                    format!(
                        "{label}: revocation of {on} recorded (164.508(b)(5)); {}",
                        to.label()
                    )
                }),
                RoiStep::Scope { scope, note } => holds::set_scope(st, &actor, id, scope, note)
                    .and_then(|()| request::load(st.conn(), id))
                    .map(|r| format!("{label}: scope recorded; {}", status_text(&r))),
                RoiStep::AcknowledgeIncomplete { note } => {
                    holds::acknowledge_incomplete(st, &actor, id, note).map(|docs| {
                        let docs: Vec<String> = docs.iter().map(i64::to_string).collect();
                        format!(
                            "{label}: document(s) {} released as they stand (acknowledged by {})",
                            docs.join(", "),
                            actor.username
                        )
                    })
                }
                RoiStep::Estimate => holds::record_estimate(st, &actor, id).map(|e| {
                    format!(
                        "{label}: fee estimate ${}.{:02} for {} page(s) recorded (LTR-02)",
                        e.fee.cents / 100,
                        e.fee.cents % 100,
                        e.pages
                    )
                }),
                RoiStep::Hold { reason } => request::hold(st, &actor, id, reason)
                    .map(|()| format!("{label}: ON_HOLD {reason}")),
                // `u` on HOLD_RECORD_INCOMPLETE (the screen takes the other holds to their
                // own step; an AUTH_* hold is validated).
                RoiStep::ReleaseHold => holds::lift_hold(st, &actor, id)
                    .and_then(|_| request::load(st.conn(), id))
                    .map(|r| format!("{label}: hold lifted; {}", status_text(&r))),
                RoiStep::Extend {
                    days,
                    reason,
                    notice,
                } => request::extend(st, &actor, id, *days, reason, *notice)
                    .map(|due| format!("{label}: extended {days} days, due {due} (ROI-01)")),
                RoiStep::Submit => request::submit_for_qa(st, &actor, id)
                    .map(|()| format!("{label}: sent to QA review")),
                RoiStep::QaPass => request::qa_review(st, &actor, id, true, "")
                    .map(|()| format!("{label}: QA passed")),
                RoiStep::QaFail { note } => request::qa_review(st, &actor, id, false, note)
                    .map(|()| format!("{label}: QA failed, back to IN_PROCESS")),
                RoiStep::Close => {
                    request::close(st, &actor, id).map(|()| format!("{label}: CLOSED"))
                }
                RoiStep::Cancel { note } => {
                    request::cancel(st, &actor, id, note).map(|()| format!("{label}: CANCELLED"))
                }
                RoiStep::Paid { cents, method } => request::mark_paid(st, &actor, id, *cents, method)
                    .and_then(|()| request::load(st.conn(), id))
                    .map(|r| {
                        format!(
                            "{label}: payment of ${}.{:02} by {method} recorded (ROI-04); {}",
                            cents / 100,
                            cents % 100,
                            status_text(&r)
                        )
                    }),
            });
        match out {
            Ok(msg) => self.reopen_request(id, Some(msg)),
            Err(e) => self.refused(e),
        }
    }

    fn validate_message(
        id: i64,
        v: &crate::roi::Validation,
        st: crate::roi::lifecycle::Status,
    ) -> String {
        match v.problems.first() {
            Some(p) => format!(
                "{}: {} {} ({}) — {} problem(s)",
                request::request_label(id),
                st.label(),
                p.code,
                p.rule,
                v.problems.len()
            ),
            None => format!("{}: valid, {}", request::request_label(id), st.label()),
        }
    }

    fn load_book(&mut self, status: Option<String>) {
        match addressbook::find(self.store.conn(), "", BOOK_LIST) {
            Ok(rows) => {
                let keep = self.book.as_ref().map(|b| b.selected);
                let mut b = BookState::new(rows);
                b.selected = keep.unwrap_or(0).min(b.rows.len().saturating_sub(1));
                self.book = Some(b);
                self.enter(ScreenId::AddressBook);
                self.mark_roi_seen();
                if let Some(m) = status {
                    self.status = Some(m);
                }
            }
            Err(e) => self.fail(e),
        }
    }

    pub(super) fn perform_roi(&mut self, action: RoiAction, _now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        match action {
            RoiAction::LoadBook => self.load_book(None),
            RoiAction::LoadAmendments => self.load_amendments(None),
            RoiAction::Letters { id } => self.load_letters(id, None),
            RoiAction::Restrictions { id } => self.load_restrictions(id, None),
            RoiAction::RequestFiles { id } => self.load_request_files(id, None),
            RoiAction::Batches => self.load_batches(None),
            RoiAction::Rights(step) => self.rights_step(&actor, *step),
            RoiAction::SendLetter { id, kind } => {
                match crate::letters::send(&mut self.store, &actor, id, &kind, None) {
                    Ok((l, _)) => {
                        let msg =
                            format!("{}: letter {} sent to {}", l.request, l.kind, l.recipient);
                        self.load_letters(id, Some(msg));
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::Amend(step) => {
                let out = self.amend(&actor, *step);
                match out {
                    Ok(msg) => self.load_amendments(Some(msg)),
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::SaveRequester { target, entry } => {
                let out = match target {
                    None => addressbook::add(&mut self.store, &actor, &entry)
                        .map(|id| format!("address-book entry {id} added")),
                    Some((id, version)) => {
                        addressbook::update(&mut self.store, &actor, id, version, &entry)
                            .map(|_| format!("address-book entry {id} saved"))
                    }
                };
                match out {
                    Ok(msg) => self.load_book(Some(msg)),
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::LoadQueue => {
                self.load_queue();
                if self.roiq.is_some() {
                    self.roi_req = None;
                    self.enter(ScreenId::RoiQueue);
                    self.mark_roi_seen();
                }
            }
            RoiAction::Open { id } => self.reopen_request(id, None),
            RoiAction::Lookup { source, query } => {
                let hits = match source {
                    Source::Patient => chart::search_patients(&mut self.store, &actor, &query)
                        .map(|h| h.iter().map(patient_choice).collect()),
                    Source::Requester => addressbook::find(self.store.conn(), &query, BOOK_HITS)
                        .map(|h| h.iter().map(requester_choice).collect()),
                    Source::DocTypes => Ok(Vec::new()),
                };
                match hits {
                    Ok(hits) => {
                        if let Some(f) = self.roi_form() {
                            f.set_hits(source, &query, hits);
                        }
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::Log {
                new,
                save_requester,
            } => match request::log_request(&mut self.store, &actor, &new) {
                Ok(id) => {
                    if let Some(q) = &mut self.roiq {
                        q.form = None;
                    }
                    let due = request::load(self.store.conn(), id)
                        .map(|r| r.due.to_string())
                        .unwrap_or_default();
                    let mut msg =
                        format!("{} logged, due {due} (ROI-01)", request::request_label(id));
                    if let Some(e) = save_requester {
                        match addressbook::add(&mut self.store, &actor, &e) {
                            Ok(_) => msg += "; requester added to the address book",
                            Err(err) => msg += &format!("; not added to the address book: {err}"),
                        }
                    }
                    self.reopen_request(id, Some(msg));
                }
                Err(e) => self.refused(e),
            },
            RoiAction::SetItems {
                id,
                version,
                changes,
                note,
            } => {
                let out = self.store.guarded(Versioned::Request(id), version, |st| {
                    for (doc, include) in &changes {
                        request::set_item(st, &actor, id, *doc, *include, &note)?;
                    }
                    Ok::<_, crate::CoreError>(())
                });
                match out {
                    Ok(()) => {
                        let inc = changes.iter().filter(|(_, i)| *i).count();
                        let out = changes.len() - inc;
                        self.reopen_request(
                            id,
                            Some(format!(
                                "{}: {} document(s) left out, {} put back; validated again",
                                request::request_label(id),
                                out,
                                inc
                            )),
                        );
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::Validate { id, version } => {
                let out = self.store.guarded(Versioned::Request(id), version, |st| {
                    request::validate_request(st, &actor, id)
                });
                match out {
                    Ok((v, st)) => {
                        self.reopen_request(id, Some(Self::validate_message(id, &v, st)))
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::SaveAuthorization { id, version, auth } => {
                // One guard over both calls: the save follows its own write into validation.
                let out = self.store.guarded(Versioned::Request(id), version, |st| {
                    request::set_authorization(st, &actor, id, &auth)?;
                    request::validate_request(st, &actor, id)
                });
                match out {
                    Ok((v, st)) => {
                        self.reopen_request(id, Some(Self::validate_message(id, &v, st)))
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::Step { id, version, step } => self.step(id, version, step),
            RoiAction::Release { id, version } => {
                // A stale release is refused for what it is before anything looks at the
                // packet folder (which another user's release may have written).
                if let Err(e) = version::check(self.store.conn(), &Versioned::Request(id), version)
                {
                    self.refused(e);
                    return;
                }
                let dir = self.packet_dir();
                let out = self.store.guarded(Versioned::Request(id), version, |st| {
                    release::release(st, &actor, id, &dir)
                });
                match out {
                    Ok(r) => {
                        let msg = format!(
                            "{} released: {} document(s), {} withheld; packet {}",
                            r.request,
                            r.documents,
                            r.withheld,
                            r.zip.display()
                        );
                        self.reopen_request(id, Some(msg));
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::Accounting { mrn } => {
                let from = self.screen;
                self.open_accounting(&mrn, from, None);
            }
            RoiAction::AodLog {
                mrn,
                received,
                from,
            } => match disclosure::log_aod_request(&mut self.store, &actor, &mrn, received, from) {
                Ok(a) => {
                    let back = self
                        .accounting
                        .as_ref()
                        .map_or(ScreenId::RoiQueue, |x| x.from);
                    let msg = format!(
                        "accounting request {} logged: due {} (AOD-05); {}",
                        a.id,
                        a.due,
                        if a.free {
                            "free (first in 12 months)".to_string()
                        } else {
                            format!(
                                "fee ${}.{:02} after notice",
                                a.fee_cents / 100,
                                a.fee_cents % 100
                            )
                        }
                    );
                    self.open_accounting(&mrn, back, Some(msg));
                }
                Err(e) => self.refused(e),
            },
            RoiAction::AodExtend {
                mrn,
                id,
                version,
                days,
                reason,
                notice,
            } => {
                let out = self
                    .store
                    .guarded(Versioned::AodRequest(id), version, |st| {
                        disclosure::extend_aod(st, &actor, id, days, &reason, notice)
                    });
                match out {
                    Ok(due) => {
                        let back = self
                            .accounting
                            .as_ref()
                            .map_or(ScreenId::RoiQueue, |x| x.from);
                        let msg = format!(
                            "accounting request {id}: extended {days} days, due {due} (AOD-05)"
                        );
                        self.open_accounting(&mrn, back, Some(msg));
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::AodProvide { mrn, id, version } => {
                let out = self
                    .store
                    .guarded(Versioned::AodRequest(id), version, |st| {
                        disclosure::provide_aod(st, &actor, id)
                    });
                match out {
                    Ok(()) => {
                        let back = self
                            .accounting
                            .as_ref()
                            .map_or(ScreenId::RoiQueue, |x| x.from);
                        let msg =
                            format!("accounting request {id}: provided; kept as provided (AOD-07)");
                        self.open_accounting(&mrn, back, Some(msg));
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::Suspend { mrn, suspension } => {
                match disclosure::add_suspension(&mut self.store, &actor, &suspension) {
                    Ok(id) => {
                        let msg = format!(
                            "suspension {id}: {} ({}) from {} through {} (AOD-06)",
                            suspension
                                .request_id
                                .map(request::request_label)
                                .unwrap_or_default(),
                            if suspension.written {
                                "written"
                            } else {
                                "oral"
                            },
                            suspension.start,
                            suspension.end
                        );
                        let on_request = self
                            .roi_req
                            .as_ref()
                            .filter(|_| self.screen == ScreenId::RoiRequest)
                            .map(|r| r.id);
                        match mrn {
                            _ if on_request.is_some() => {
                                if let Some(id) = on_request {
                                    self.reopen_request(id, Some(msg));
                                }
                            }
                            Some(m) if self.screen == ScreenId::Accounting => {
                                let back = self
                                    .accounting
                                    .as_ref()
                                    .map_or(ScreenId::RoiQueue, |x| x.from);
                                self.open_accounting(&m, back, Some(msg));
                            }
                            _ => {
                                if let Some(q) = &mut self.roiq {
                                    q.form = None;
                                }
                                self.status = Some(msg);
                            }
                        }
                    }
                    Err(e) => self.refused(e),
                }
            }
            RoiAction::Disclose { disclosure } => {
                match manual_disclosure::record(&mut self.store, &actor, &disclosure) {
                    Ok(r) => {
                        let msg = format!(
                            "disclosure {} recorded ({}): {}",
                            r.disclosure_id,
                            r.legal_basis,
                            match &r.excluded {
                                None => "in the accounting (accountable)".to_string(),
                                Some((code, rule)) => format!("not accountable: {code} ({rule})"),
                            }
                        );
                        if let Some(q) = &mut self.roiq {
                            q.form = None;
                        }
                        let back = match self.screen {
                            ScreenId::Accounting => self
                                .accounting
                                .as_ref()
                                .map_or(ScreenId::RoiQueue, |x| x.from),
                            s => s,
                        };
                        self.open_accounting(&disclosure.mrn, back, Some(msg));
                    }
                    Err(e) => self.refused(e),
                }
            }
        }
    }
}
