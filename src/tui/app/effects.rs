//! Performing a screen's [`Effect`] through the core (which audits it); results go back
//! to the screen as [`Msg`]s.

use chrono::{DateTime, Utc};

use crate::accounts::{self};
use crate::chart;
use crate::text::sanitize_line;
use crate::tui::break_glass::BreakGlassState;
use crate::tui::lock::LockState;
use crate::tui::login::LoginState;
use crate::tui::overlay::{ConfirmState, Overlay, PaletteState};
use crate::tui::{Effect, Msg, ScreenId};

use super::App;

impl App {
    /// Perform one effect through the core; results go back to the screen through
    /// [`App::dispatch`], whose effect is performed in turn.
    pub(in crate::tui) fn perform(&mut self, effect: Effect, now: DateTime<Utc>) {
        match effect {
            Effect::None => {}
            Effect::Status(s) => self.status = Some(s),
            Effect::Login { user, pw } => match accounts::login(&mut self.store, &user, &pw) {
                Ok(session) => {
                    self.session = Some(session);
                    self.login = LoginState::new(&self.facility, &self.opts.demo_credentials);
                    self.last_input = now;
                    self.go_home(now);
                }
                Err(e) => {
                    let m = sanitize_line(&e.to_string()).into_owned();
                    self.dispatch(ScreenId::Login, Msg::Error(m), now);
                }
            },
            Effect::Lock => {
                if let Some(s) = &self.session {
                    let res = accounts::lock_session(&mut self.store, s, self.idle_minutes);
                    self.locked = Some(LockState::new(&s.username));
                    self.overlay = None;
                    if let Err(e) = res {
                        self.fail(e);
                    }
                }
            }
            Effect::Unlock { pw } => {
                if let Some(s) = &self.session {
                    match accounts::unlock_session(&mut self.store, s, &pw) {
                        Ok(()) => {
                            self.locked = None;
                            self.last_input = now;
                        }
                        Err(e) => {
                            let m = sanitize_line(&e.to_string()).into_owned();
                            self.dispatch(ScreenId::Lock, Msg::Error(m), now);
                        }
                    }
                }
            }
            Effect::Logout => {
                let res = self.shutdown();
                self.reset();
                if let Err(e) = res {
                    self.fail(e);
                }
            }
            Effect::Quit => {
                if let Err(e) = self.shutdown() {
                    self.fail(e);
                }
                self.quit = true;
            }
            Effect::Search { query } => {
                let Some(s) = &self.session else { return };
                match chart::search_patients(&mut self.store, &s.actor(), &query) {
                    Ok(hits) => self.dispatch(ScreenId::Search, Msg::SearchResults(hits), now),
                    Err(e) => self.fail(e),
                }
            }
            Effect::OpenChart { patient_id } => {
                // A search by visit number opens that encounter, not the latest.
                let visit = (self.screen == ScreenId::Search)
                    .then(|| self.search.searched.clone())
                    .flatten();
                self.open_chart_at(patient_id, None, visit.as_deref());
            }
            Effect::OpenVisit { visit } => {
                match crate::deficiency::screens_read::encounter_by_visit(self.store.conn(), &visit)
                {
                    Ok(Some(id)) => self.open_encounter(id),
                    Ok(None) => self.fail(format!("no encounter with visit number {visit}")),
                    Err(e) => self.fail(e),
                }
            }
            Effect::OpenEncounter { encounter_id } => self.open_encounter(encounter_id),
            Effect::ClaimEncounter { encounter_id } => self.claim_encounter(encounter_id, now),
            Effect::ReadDocument { doc_id } => {
                let Some(s) = &self.session else { return };
                // Break the glass (issue #13): a sensitive document asks for a purpose first.
                match crate::break_glass::labels(self.store.conn(), doc_id) {
                    Ok(labels) if !labels.is_empty() => {
                        self.overlay =
                            Some(Overlay::BreakGlass(BreakGlassState::new(doc_id, labels)));
                        return;
                    }
                    Ok(_) => {}
                    Err(e) => return self.fail(e),
                }
                match chart::read_document(&mut self.store, &s.actor(), doc_id) {
                    Ok(d) => self.show_document(d, now),
                    Err(e) => self.fail(e),
                }
            }
            Effect::ReadSensitive {
                doc_id,
                purpose,
                reason,
            } => {
                let Some(s) = &self.session else { return };
                let actor = s.actor();
                match crate::break_glass::read_sensitive(
                    &mut self.store,
                    &actor,
                    doc_id,
                    &purpose,
                    &reason,
                ) {
                    Ok(d) => {
                        self.overlay = None;
                        self.status = Some(format!(
                            "Opened for {purpose}: the reason is audited and listed on the privacy report"
                        ));
                        self.show_document(d, now);
                    }
                    // The prompt stays open: the user may correct the reason.
                    Err(e) => self.fail(e),
                }
            }
            Effect::Goto(ScreenId::Home) => self.go_home(now),
            Effect::Goto(ScreenId::Deficiencies) => self.open_queue(now),
            Effect::Goto(ScreenId::Reports) => self.open_reports(now),
            Effect::Goto(ScreenId::Supervisor) => self.open_dashboard(now),
            Effect::Goto(ScreenId::Codes) => self.open_code_lookup(),
            Effect::Goto(ScreenId::RoiQueue) => {
                self.perform_roi(crate::tui::RoiAction::LoadQueue, now)
            }
            Effect::Goto(ScreenId::CodingQueue) => self.open_coding_queue(now),
            Effect::Goto(ScreenId::Queries) => {
                self.perform_coding(crate::tui::CodingAction::LoadQueries, now)
            }
            Effect::Goto(ScreenId::Mpi) => self.load_mpi(false, now),
            Effect::Goto(s) => self.enter(s),
            Effect::Back => self.back(now),
            Effect::ExportList => self.export_list(now),
            Effect::Refresh => self.refresh_now(now),
            Effect::OpenHelp => {
                let ctx = self.ctx(now);
                self.overlay = Some(Overlay::help(self.screen(), &ctx))
            }
            Effect::OpenPalette => {
                let ctx = self.ctx(now);
                self.overlay = Some(Overlay::Palette(PaletteState::new(self.screen(), &ctx)))
            }
            Effect::CloseOverlay => self.overlay = None,
            Effect::Run(id) => {
                let ctx = self.ctx(now);
                let e = self.command(id, &ctx, false);
                self.perform(e, now);
            }
            Effect::Confirm { prompt, then } => {
                self.overlay = Some(Overlay::Confirm(ConfirmState { prompt, then }))
            }
            Effect::Deficiency(a) => self.perform_def(a, now),
            Effect::Supervisor(a) => self.perform_supervisor(a, now),
            Effect::Picker(input) if self.screen == ScreenId::Coding => {
                self.coding_picker(input, now)
            }
            Effect::Picker(input) => self.perform_picker(input, now),
            Effect::Coding(a) => self.perform_coding(a, now),
            Effect::ShowCode { code } => self.show_code(&code, now),
            Effect::Roi(a) => self.perform_roi(a, now),
            Effect::Admin(a) => self.perform_admin(a, now),
            Effect::Mpi(a) => self.perform_mpi(a, now),
            Effect::FlagChart {
                mrn,
                flag,
                on,
                reason,
            } => self.flag_chart(&mrn, flag, on, &reason),
            Effect::Worklist(a) => self.perform_worklist(a, now),
        }
    }
}
