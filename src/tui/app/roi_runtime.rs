//! The ROI desk's effects: each is one audited, permission-checked core call; the screen is
//! rebuilt from a fresh read afterwards so what is shown is what is stored.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::App;
use crate::roi::{disclosure, release, request};
use crate::settings;
use crate::tui::roi_desk::{AccountingState, RoiQueueState, RoiRequestState};
use crate::tui::{RoiAction, ScreenId};

impl App {
    /// Where the TUI writes release packets: `release_packet_dir`, else `packets/` beside the
    /// database.
    fn packet_dir(&self) -> PathBuf {
        let set = settings::get(self.store.conn(), "release_packet_dir").unwrap_or_default();
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

    fn reopen_request(&mut self, id: i64, status: Option<String>) {
        let Some(s) = &self.session else { return };
        match request::detail(&mut self.store, &s.actor(), id) {
            Ok(d) => {
                let keep = self
                    .roi_req
                    .as_ref()
                    .filter(|r| r.id == id)
                    .map(|r| r.scroll);
                let mut st = RoiRequestState::new(&d);
                st.scroll = keep.unwrap_or(0).min(st.lines.len().saturating_sub(1));
                self.roi_req = Some(st);
                self.screen = ScreenId::RoiRequest;
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
            RoiAction::LoadQueue => match request::queue(&mut self.store, &actor, false) {
                Ok(rows) => {
                    let keep = self.roiq.as_ref().map(|q| q.selected);
                    let mut q = RoiQueueState::new(rows);
                    q.selected = keep.unwrap_or(0).min(q.rows.len().saturating_sub(1));
                    self.roiq = Some(q);
                    self.roi_req = None;
                    self.screen = ScreenId::RoiQueue;
                }
                Err(e) => self.fail(e),
            },
            RoiAction::Open { id } => self.reopen_request(id, None),
            RoiAction::Log { new } => match request::log_request(&mut self.store, &actor, &new) {
                Ok(id) => {
                    let due = request::load(self.store.conn(), id)
                        .map(|r| r.due.to_string())
                        .unwrap_or_default();
                    self.reopen_request(
                        id,
                        Some(format!(
                            "{} logged, due {due} (ROI-01)",
                            request::request_label(id)
                        )),
                    );
                }
                Err(e) => self.fail(e),
            },
            RoiAction::SetItem {
                id,
                document,
                include,
                note,
            } => match request::set_item(&mut self.store, &actor, id, document, include, &note) {
                Ok(()) => self.reopen_request(
                    id,
                    Some(format!(
                        "document {document} {}; validate again (v)",
                        if include { "included" } else { "left out" }
                    )),
                ),
                Err(e) => self.fail(e),
            },
            RoiAction::Validate { id } => {
                match request::validate_request(&mut self.store, &actor, id) {
                    Ok((v, st)) => {
                        let msg = match v.problems.first() {
                            Some(p) => format!(
                                "{}: {} {} ({}) — {} problem(s)",
                                request::request_label(id),
                                st.label(),
                                p.code,
                                p.rule,
                                v.problems.len()
                            ),
                            None => {
                                format!("{}: valid, {}", request::request_label(id), st.label())
                            }
                        };
                        self.reopen_request(id, Some(msg));
                    }
                    Err(e) => self.fail(e),
                }
            }
            RoiAction::SaveAuthorization { id, auth } => {
                if let Err(e) = request::set_authorization(&mut self.store, &actor, id, &auth) {
                    self.fail(e);
                    return;
                }
                self.perform_roi(RoiAction::Validate { id }, _now);
            }
            RoiAction::Submit { id } => match request::submit_for_qa(&mut self.store, &actor, id) {
                Ok(()) => self.reopen_request(
                    id,
                    Some(format!("{}: sent to QA review", request::request_label(id))),
                ),
                Err(e) => self.fail(e),
            },
            RoiAction::QaPass { id } => {
                match request::qa_review(&mut self.store, &actor, id, true, "") {
                    Ok(()) => self.reopen_request(
                        id,
                        Some(format!("{}: QA passed", request::request_label(id))),
                    ),
                    Err(e) => self.fail(e),
                }
            }
            RoiAction::Release { id } => {
                let dir = self.packet_dir();
                match release::release(&mut self.store, &actor, id, &dir) {
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
                    Err(e) => self.fail(e),
                }
            }
            RoiAction::Accounting { mrn } => {
                match disclosure::accounting(&mut self.store, &actor, &mrn, None) {
                    Ok(a) => {
                        let from = self.screen;
                        self.accounting = Some(AccountingState::new(&a, from));
                        self.screen = ScreenId::Accounting;
                    }
                    Err(e) => self.fail(e),
                }
            }
        }
    }
}
