//! The MPI queue's effects: each is one audited, permission-checked core call
//! ([`crate::mpi::queue`]); the list is read again afterwards so what is shown is what is
//! stored.

use chrono::{DateTime, Utc};

use super::App;
use crate::mpi::queue::{self, Decision};
use crate::tui::mpi::{Loaded, MpiAction, MpiState};
use crate::tui::{Msg, ScreenId};

impl App {
    pub(super) fn perform_mpi(&mut self, action: MpiAction, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        let all = self.mpi.as_ref().is_some_and(|m| m.all);
        let done = match action {
            MpiAction::Load { all } => return self.load_mpi(all, now),
            MpiAction::Merge { item, survivor } => queue::decide(
                &mut self.store,
                &actor,
                item,
                Decision::Merge {
                    survivor: Some(survivor),
                },
            )
            .map(|said| format!("MPI item {item}: {said}")),
            MpiAction::KeepApart { item, reason } => queue::decide(
                &mut self.store,
                &actor,
                item,
                Decision::KeepApart { reason },
            )
            .map(|said| format!("MPI item {item}: {said}")),
            MpiAction::Unmerge { merge_id, reason } => {
                queue::unmerge(&mut self.store, &actor, merge_id, &reason)
                    .map(|n| format!("merge {merge_id} undone: {n} rows moved back"))
            }
            MpiAction::ProposeMerge { item, survivor } => queue::propose(
                &mut self.store,
                &actor,
                item,
                Decision::Merge {
                    survivor: Some(survivor),
                },
            )
            .map(|said| format!("MPI item {item}: {said}")),
            MpiAction::ProposeKeepApart { item, reason } => queue::propose(
                &mut self.store,
                &actor,
                item,
                Decision::KeepApart { reason },
            )
            .map(|said| format!("MPI item {item}: {said}")),
            MpiAction::ApplyProposal { item } => {
                queue::apply_proposal(&mut self.store, &actor, item)
                    .map(|said| format!("MPI item {item}: {said}"))
            }
            MpiAction::RejectProposal { item, reason } => {
                queue::reject_proposal(&mut self.store, &actor, item, &reason)
                    .map(|said| format!("MPI item {item}: {said}"))
            }
        };
        match done {
            Ok(said) => {
                self.load_mpi(all, now);
                if self.status.is_none() {
                    self.status = Some(crate::text::sanitize_line(&said).into_owned());
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Read the queue (audited) with both records' aliases and show it.
    pub(super) fn load_mpi(&mut self, all: bool, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        let items = match queue::list(&mut self.store, &actor, all) {
            Ok(items) => items,
            Err(e) => return self.fail(e),
        };
        let conn = self.store.conn();
        let mut loaded = Vec::with_capacity(items.len());
        for item in items {
            let (aliases_a, aliases_b) = match (
                queue::aliases(conn, item.a.id),
                queue::aliases(conn, item.b.id),
            ) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return self.fail(e),
            };
            loaded.push(Loaded {
                item,
                aliases_a,
                aliases_b,
            });
        }
        if self.mpi.is_none() {
            self.mpi = Some(MpiState::default());
        }
        self.enter(ScreenId::Mpi);
        self.dispatch(ScreenId::Mpi, Msg::MpiQueue { items: loaded, all }, now);
    }
}
