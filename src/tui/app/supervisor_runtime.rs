//! The supervisor dashboard's effects, performed through the core: the dashboard read, the
//! pending-waiver worklist (audited with the MRNs shown) and approving or rejecting a waiver in
//! place (DEF-03; each an audited change), after which the worklist and the tiles are read again.

use chrono::{DateTime, Utc};

use super::App;
use crate::tui::supervisor::SupAction;
use crate::tui::{Msg, ScreenId};

/// Worklist rows read at once (the total is said beside them).
const WORKLIST_ROWS: usize = 200;

impl App {
    pub(super) fn perform_supervisor(&mut self, action: SupAction, now: DateTime<Utc>) {
        let Some(session) = &self.session else { return };
        let actor = session.actor();
        let done = match action {
            SupAction::LoadWaivers => None,
            SupAction::ApproveWaiver { id } => Some(
                crate::deficiency::transitions::approve_waiver(&mut self.store, &actor, id)
                    .map(|()| format!("deficiency {id}: waiver approved (DEF-03)")),
            ),
            SupAction::RejectWaiver { id } => Some(
                crate::deficiency::transitions::reject_waiver(
                    &mut self.store,
                    &actor,
                    id,
                    "rejected from the supervisor's worklist",
                )
                .map(|()| format!("deficiency {id}: waiver rejected; the deficiency stays open")),
            ),
        };
        let changed = done.is_some();
        match done {
            Some(Err(e)) => {
                self.fail(e);
                return;
            }
            Some(Ok(line)) => self.status = Some(line),
            None => {}
        }
        match crate::report::run_waivers(&mut self.store, &actor, WORKLIST_ROWS) {
            Ok((rows, total)) => {
                self.dispatch(ScreenId::Supervisor, Msg::Waivers(rows, total), now)
            }
            Err(e) => self.fail(e),
        }
        if changed && let Ok(d) = crate::report::run_dashboard(&mut self.store, &actor) {
            self.dispatch(ScreenId::Supervisor, Msg::Dashboard(Box::new(d)), now);
        }
    }
}
