//! The supervisor dashboard's effects, performed through the core: the dashboard read, the
//! worklists (audited with the MRNs shown) and their actions in
//! place: approve or reject a waiver (DEF-03), release an expired claim, escalate due queries
//! (COD-21); each an audited change in the core, after which the worklist and the tiles are read again.

use chrono::{DateTime, Utc};

use super::App;
use crate::report::worklists::WorklistKind;
use crate::tui::supervisor::SupAction;
use crate::tui::{Msg, ScreenId};

/// Worklist rows read at once (the total is said beside them).
const WORKLIST_ROWS: usize = 200;

impl App {
    pub(super) fn perform_supervisor(&mut self, action: SupAction, now: DateTime<Utc>) {
        let Some(session) = &self.session else { return };
        let actor = session.actor();
        let mut kind = WorklistKind::Waivers;
        let done = match action {
            SupAction::LoadWorklist(k) => {
                kind = k;
                None
            }
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
            SupAction::ReleaseClaim {
                entity_type,
                entity_id,
            } => {
                kind = WorklistKind::ExpiredClaims;
                Some(
                    crate::privacy::work::release_claim(
                        &mut self.store,
                        &actor,
                        &entity_type,
                        entity_id,
                    )
                    .map(|()| format!("claim on {entity_type} {entity_id} released (audited)")),
                )
            }
            SupAction::EscalateQueries => {
                kind = WorklistKind::QueriesPastDue;
                Some(
                    crate::coding::query_desk::escalate_due(&mut self.store, &actor).map(|v| {
                        if v.is_empty() {
                            "no query is due for a higher level yet (COD-21)".to_string()
                        } else {
                            format!("{} query(ies) escalated (COD-21, audited)", v.len())
                        }
                    }),
                )
            }
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
        match crate::report::run_worklist(&mut self.store, &actor, kind, WORKLIST_ROWS) {
            Ok(list) => self.dispatch(ScreenId::Supervisor, Msg::Worklist(list), now),
            Err(e) => self.fail(e),
        }
        if changed && let Ok(d) = crate::report::run_dashboard(&mut self.store, &actor) {
            self.dispatch(ScreenId::Supervisor, Msg::Dashboard(Box::new(d)), now);
        }
    }
}
