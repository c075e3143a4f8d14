//! The supervisor dashboard's effects, performed through the core: the dashboard read, the
//! worklists (audited with the MRNs shown) and their actions in
//! place: approve or reject a waiver (DEF-03), release an expired claim, escalate due queries
//! (COD-21); each an audited change in the core, after which the worklist and the tiles are read again.
//!
//! The dashboard read and the duplicate-rate refresh run on worker threads, each with its own
//! connection to the same database (and the same clock): the screen shows "loading…" tiles at
//! once and every key works meanwhile; the result comes back as a message, polled on the tick
//! ([`App::poll_background`]), so `update()` stays pure. The worker writes the read's audit row
//! itself (`report::run_dashboard`, in its read transaction).

use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::App;
use crate::audit::Actor;
use crate::error::CoreError;
use crate::mpi::dup_report::CachedRate;
use crate::report::dashboard::Dashboard;
use crate::report::worklists::WorklistKind;
use crate::store::Store;
use crate::tui::supervisor::{DupRefresh, SupAction};
use crate::tui::{Msg, ScreenId};

/// The worker threads' results not yet taken (at most one of each kind at a time).
#[derive(Default)]
pub(crate) struct Background {
    dashboard: Option<Receiver<Result<Dashboard, String>>>,
    duplicates: Option<Receiver<Result<CachedRate, String>>>,
}

/// Run `work` on a worker thread with its own connection to `store`'s database.
fn spawn<T: Send + 'static>(
    store: &Store,
    name: &str,
    work: impl FnOnce(&mut Store) -> Result<T, CoreError> + Send + 'static,
) -> Receiver<Result<T, String>> {
    let (tx, rx) = channel();
    let path = store.path().to_path_buf();
    let clock = store.clock();
    let sent = tx.clone();
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let result = Store::open(&path)
                .map_err(CoreError::from)
                .and_then(|mut s| {
                    s.set_clock(clock);
                    work(&mut s)
                })
                .map_err(|e| e.to_string());
            let _ = sent.send(result);
        });
    if let Err(e) = spawned {
        let _ = tx.send(Err(format!("could not start the {name} worker: {e}")));
    }
    rx
}

/// Take a worker's result if it has arrived (`block`: wait for it, up to a minute).
fn take<T>(
    slot: &mut Option<Receiver<Result<T, String>>>,
    block: bool,
) -> Option<Result<T, String>> {
    let rx = slot.as_ref()?;
    let got = if block {
        rx.recv_timeout(Duration::from_secs(60))
            .map_err(|_| TryRecvError::Disconnected)
    } else {
        rx.try_recv()
    };
    match got {
        Ok(r) => {
            *slot = None;
            Some(r)
        }
        Err(TryRecvError::Empty) => None,
        Err(TryRecvError::Disconnected) => {
            *slot = None;
            Some(Err("the background read stopped without a result".into()))
        }
    }
}

/// Worklist rows read at once (the total is said beside them).
const WORKLIST_ROWS: usize = 200;

impl App {
    pub(super) fn perform_supervisor(&mut self, action: SupAction, now: DateTime<Utc>) {
        if action == SupAction::RefreshDuplicateRate {
            self.refresh_duplicate_rate(now);
            return;
        }
        let Some(session) = &self.session else { return };
        let actor = session.actor();
        let mut kind = WorklistKind::Waivers;
        let done = match action {
            SupAction::RefreshDuplicateRate => None,
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
        if changed {
            self.open_dashboard(now);
        }
    }

    /// The supervisor's dashboard: the frame at once, every tile from one audited read of the
    /// report layer on a worker thread (one at a time: a read asked for while one runs is that
    /// one).
    pub(super) fn open_dashboard(&mut self, now: DateTime<Utc>) {
        let Some(session) = &self.session else { return };
        let actor: Actor = session.actor();
        if self.dashboard.is_none() {
            self.dashboard = Some(Default::default());
        }
        if self.screen != ScreenId::Supervisor {
            self.enter(ScreenId::Supervisor);
        }
        if self.bg.dashboard.is_some() {
            return;
        }
        self.bg.dashboard = Some(spawn(&self.store, "dashboard", move |s| {
            crate::report::run_dashboard(s, &actor)
        }));
        self.dispatch(ScreenId::Supervisor, Msg::DashboardLoading, now);
    }

    /// Recompute the duplicate rate (MPI-01) on a worker thread; the tile says so meanwhile.
    fn refresh_duplicate_rate(&mut self, now: DateTime<Utc>) {
        let Some(session) = &self.session else { return };
        let actor: Actor = session.actor();
        if self.bg.duplicates.is_some() {
            return;
        }
        self.bg.duplicates = Some(spawn(&self.store, "duplicate-rate", move |s| {
            crate::mpi::dup_report::refresh_rate(s, &actor, "dashboard")
        }));
        self.dispatch(
            ScreenId::Supervisor,
            Msg::DuplicateRefresh(DupRefresh::Started),
            now,
        );
    }

    /// Hand the workers' results that have arrived to the dashboard (on the tick).
    pub(super) fn poll_background(&mut self, now: DateTime<Utc>) {
        self.take_background(false, now);
    }

    /// Wait for the background reads running now and hand their results over (tests and
    /// scripted use: the state a user sees once the tiles have filled).
    pub fn settle(&mut self) {
        let now = self.store.now();
        self.take_background(true, now);
    }

    fn take_background(&mut self, block: bool, now: DateTime<Utc>) {
        if let Some(r) = take(&mut self.bg.dashboard, block) {
            let msg = match r {
                Ok(d) => Msg::Dashboard(Box::new(d)),
                Err(e) => {
                    self.status = Some(crate::text::sanitize_line(&e).into_owned());
                    Msg::Error(e)
                }
            };
            self.dispatch(ScreenId::Supervisor, msg, now);
        }
        if let Some(r) = take(&mut self.bg.duplicates, block) {
            let msg = match r {
                Ok(c) => DupRefresh::Done(Box::new(c)),
                Err(e) => DupRefresh::Failed(e),
            };
            self.dispatch(ScreenId::Supervisor, Msg::DuplicateRefresh(msg), now);
        }
    }
}
