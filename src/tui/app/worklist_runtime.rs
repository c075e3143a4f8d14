//! The worklist's effects and the chart's privacy flag (issue #15): each is one audited,
//! permission-checked core call ([`crate::privacy::work`], [`crate::privacy`]); after a
//! change the worklist (or the chart's flags) is read again so what is shown is what is
//! stored.

use chrono::{DateTime, Utc};

use super::App;
use crate::privacy::{self, Flag, work};
use crate::tui::worklist::{Loaded, WlAction, WorklistState};
use crate::tui::{Msg, ScreenId};

impl App {
    pub(super) fn perform_worklist(&mut self, action: WlAction, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        let (user, done) = match action {
            WlAction::Open { user } => return self.load_worklist(&user, now),
            WlAction::Reassign {
                user,
                kind,
                target,
                to,
            } => {
                let r = work::assign(&mut self.store, &actor, kind, &target, &to)
                    .map(|()| format!("{} {target} reassigned from {user} to {to}", kind.as_str()));
                (user, r)
            }
            WlAction::TakeBack { user, kind, target } => {
                let r = work::unassign(&mut self.store, &actor, kind, &target)
                    .map(|()| format!("{} {target} taken back from {user}", kind.as_str()));
                (user, r)
            }
            WlAction::Release {
                user,
                entity_type,
                entity_id,
            } => {
                let r = work::release_claim(&mut self.store, &actor, &entity_type, entity_id)
                    .map(|()| format!("{user}'s claim released: the work is back in its queue"));
                (user, r)
            }
        };
        match done {
            Ok(said) => {
                self.load_worklist(&user, now);
                if self.status.is_none() {
                    self.status = Some(crate::text::sanitize_line(&said).into_owned());
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Read `user`'s worklist (audited) with who each kind of work may go to, and show it.
    fn load_worklist(&mut self, user: &str, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        let list = match work::worklist(&mut self.store, &actor, user) {
            Ok(w) => w,
            Err(e) => return self.fail(e),
        };
        let mut eligible = Vec::new();
        for &kind in work::WorkKind::ALL {
            match work::eligible_users(self.store.conn(), kind) {
                Ok(v) => eligible.push((kind, v)),
                Err(e) => return self.fail(e),
            }
        }
        if self.worklist.is_none() {
            self.worklist = Some(WorklistState::default());
        }
        self.enter(ScreenId::Worklist);
        self.dispatch(
            ScreenId::Worklist,
            Msg::UserWork(Box::new(Loaded { list, eligible })),
            now,
        );
    }

    /// The privacy flags of a patient for the chart title (a bare read: no PHI but the flag).
    pub(super) fn chart_flags(&mut self, mrn: &str) -> Vec<&'static str> {
        match privacy::flags_of(self.store.conn(), mrn) {
            Ok(f) => f.iter().map(|f| f.as_str()).collect(),
            Err(e) => {
                self.fail(e);
                Vec::new()
            }
        }
    }

    /// Set or clear a flag from the chart (the core checks the role and audits), then show
    /// the flags as stored.
    pub(super) fn flag_chart(&mut self, mrn: &str, flag: Flag, on: bool, reason: &str) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        match privacy::set_flag_because(&mut self.store, &actor, mrn, flag, on, reason) {
            Ok(()) => {
                let flags = self.chart_flags(mrn);
                if let Some(c) = &mut self.chart {
                    c.flags = flags;
                }
                self.status = Some(format!(
                    "{} flag {} on MRN {} (audited, AUD-14)",
                    flag.as_str(),
                    if on { "set" } else { "cleared" },
                    crate::text::sanitize_line(mrn)
                ));
            }
            Err(e) => self.fail(e),
        }
    }
}
