//! Lists kept current and written out: the refresh key, the live refresh (another user's
//! change shows on the open screen within a second) and `ctrl-e` (the list on screen to an
//! audited CSV file).
//!
//! Live refresh polls `PRAGMA data_version` on each tick (cheap: no I/O beyond the page
//! cache). When another connection committed, the last *change* audit row
//! ([`crate::deficiency::screens_read::change_marker`]) tells whether data changed or only a
//! view was audited; only a change re-reads the screen, so two idle desks never make each
//! other re-read. The ROI desk keeps its finer per-screen fingerprint. A screen with a form
//! or prompt open is never re-read (the draft stays; its save is checked by the core).

use chrono::{DateTime, Utc};

use super::App;
use crate::store::version;
use crate::tui::{Effect, ScreenId};

impl App {
    /// Read the screen shown again, as on entering it (a list keeps its page and filters).
    pub(super) fn refresh_screen(&mut self, now: DateTime<Utc>) {
        match self.screen {
            ScreenId::Home => self.go_home(now),
            ScreenId::Deficiencies => self.open_queue(now),
            ScreenId::CodingQueue => self.open_coding_queue(now),
            ScreenId::Provider => {
                let ctx = self.ctx(now);
                if let Some(p) = &mut self.provider_view {
                    let start = p.current.clone();
                    let e = p.load(start, &ctx);
                    self.perform(e, now);
                }
            }
            ScreenId::Work => self.refresh_work(now),
            ScreenId::Supervisor => self.open_dashboard(now),
            ScreenId::Queries => self.perform_coding(crate::tui::CodingAction::LoadQueries, now),
            ScreenId::Mpi => {
                let all = self.mpi.as_ref().is_some_and(|m| m.all);
                self.load_mpi(all, now)
            }
            ScreenId::Worklist => {
                if let Some(user) = self.worklist.as_ref().map(|w| w.user.clone()) {
                    self.perform_worklist(crate::tui::worklist::WlAction::Open { user }, now)
                }
            }
            ScreenId::Chart => {
                // The encounter headers' statuses as stored now (bare reads, no PHI).
                let conn = self.store.conn();
                if let Some(c) = &mut self.chart {
                    for e in &mut c.encounters {
                        if let Ok((him, coding)) =
                            crate::deficiency::screens_read::encounter_status(conn, e.id)
                        {
                            e.him = crate::text::sanitize_line(&him).into_owned();
                            e.coding = crate::text::sanitize_line(&coding).into_owned();
                        }
                    }
                }
            }
            ScreenId::Coding => {
                if let Some(id) = self.coding.as_ref().map(|w| w.encounter_id) {
                    self.refresh_coding(id, now);
                }
            }
            ScreenId::RoiQueue
            | ScreenId::RoiRequest
            | ScreenId::Accounting
            | ScreenId::AddressBook => self.refresh_roi(),
            _ => {}
        }
    }

    /// Poll for another user's commit (see the module doc); called on every tick.
    pub(super) fn poll_changes(&mut self, now: DateTime<Utc>) {
        if matches!(
            self.screen,
            ScreenId::RoiQueue
                | ScreenId::RoiRequest
                | ScreenId::Accounting
                | ScreenId::AddressBook
        ) {
            self.poll_roi_changes();
            return;
        }
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
        let Ok(marker) = crate::deficiency::screens_read::change_marker(self.store.conn()) else {
            return;
        };
        if marker == self.change_seen {
            return;
        }
        self.change_seen = marker;
        if self.ctx(now).modal {
            return;
        }
        let keep = self.status.take();
        self.refresh_screen(now);
        if self.status.is_none() {
            self.status = keep;
        }
        self.refreshed_at = Some(now);
    }

    /// `ctrl-e`: the list on screen to `exports/<list>-<time>.csv` beside the database, with
    /// one audit row (who, which list, which MRNs, which file).
    pub(super) fn export_list(&mut self, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        let Some(list) = self.screen_ref(self.screen()).and_then(|s| s.export()) else {
            self.status = Some("export: this screen has no list".into());
            return;
        };
        if list.rows.is_empty() {
            self.status = Some(format!("export: the {} list is empty", list.name));
            return;
        }
        let dir = self
            .store
            .path()
            .parent()
            .map(|p| p.join("exports"))
            .unwrap_or_else(|| std::path::PathBuf::from("exports"));
        let zone = crate::clock::facility_zone(self.store.conn())
            .unwrap_or_else(|_| crate::clock::cached_zone());
        let stamp = now
            .with_timezone(&zone)
            .format("%Y%m%d-%H%M%S%3f")
            .to_string();
        match crate::audit::list_export::export_list(
            &mut self.store,
            &actor,
            list.name,
            &list.header,
            &list.rows,
            &dir,
            &stamp,
        ) {
            Ok(path) => {
                self.status = Some(format!(
                    "exported {} row(s) to {} (audited)",
                    list.rows.len(),
                    path.display()
                ))
            }
            Err(e) => self.fail(e),
        }
    }

    /// The refresh key: read now, whatever changed.
    pub(super) fn refresh_now(&mut self, now: DateTime<Utc>) {
        self.refresh_screen(now);
        self.refreshed_at = Some(now);
        if self.status.is_none() {
            self.status = Some("refreshed".into());
        }
    }
}

/// What the runtime does for the two list commands.
pub(super) fn list_effect(id: crate::tui::CommandId) -> Option<Effect> {
    match id {
        crate::tui::CommandId::ExportList => Some(Effect::ExportList),
        crate::tui::CommandId::Refresh => Some(Effect::Refresh),
        _ => None,
    }
}
