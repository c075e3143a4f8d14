//! The supervisor's dashboard (issue #15): the department at a glance, built from one audited
//! read of the report layer (`report::run_dashboard`). Eight tiles on two pages of four, so
//! everything fits 80x24: delinquency (gauge against the DEL-05 alert and a 12-month
//! sparkline), open deficiencies by aging bucket (bar chart), DNFB/DNFC (counts, days,
//! dollars), coding backlog and holds, ROI by status (bar chart), accounting and amendment
//! requests, each coder's throughput (table) and the audit log's size and growth.
//!
//! A ninth tile shows the MPI duplicate rate (MPI-01) as last computed, against AHIMA's < 1 %
//! benchmark, with its age; `D` recomputes it on a worker thread.
//!
//! The figures are read on a worker thread (its own connection, `report::run_dashboard`): the
//! frame shows at once with "loading…" tiles and fills when the result arrives as a message
//! (polled on the tick), so every key works while it loads.
//!
//! Keys come from the registry: up/down (or j/k) select a tile, the page follows the
//! selection; enter opens the list behind the selected tile; ctrl-r reads again.
//!
//! State and update here; drawing in `tiles.rs` (the tile grid) and `worklist.rs` (the list
//! behind a tile).

mod tiles;
mod worklist;

use worklist::worklist_keys;

use crate::report::dashboard::{Dashboard, Tile};
use crate::report::worklists::{WorkRow, WorklistKind};
use crate::tui::commands::Disabled;
use crate::tui::{CommandId, Ctx, Effect, Msg, RoiAction, ScreenId};

/// Supervisors only (the dashboard reads department reports: `Perm::Administer`).
pub fn may_supervise(c: &Ctx) -> Result<(), Disabled> {
    if c.role.supervisor {
        Ok(())
    } else {
        Err(Disabled("the department dashboard is for supervisors"))
    }
}

/// What the dashboard asks the runtime to do through the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupAction {
    /// Read one worklist (audited, naming the MRNs shown).
    LoadWorklist(WorklistKind),
    ApproveWaiver {
        id: i64,
    },
    RejectWaiver {
        id: i64,
    },
    /// Release an expired claim so the work returns to its queue (audited, naming the holder).
    ReleaseClaim {
        entity_type: String,
        entity_id: i64,
    },
    /// Escalate every open query whose age calls for a higher level (COD-21, audited).
    EscalateQueries,
    /// Recompute the MPI duplicate rate on a worker thread (audited, cached for the tile).
    RefreshDuplicateRate,
}

/// The duplicate-rate refresh, as the worker reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum DupRefresh {
    Started,
    Done(Box<crate::mpi::dup_report::CachedRate>),
    Failed(String),
}

/// The worklist shown over the tiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worklist {
    pub kind: WorklistKind,
    pub rows: Vec<WorkRow>,
    pub total: i64,
    pub selected: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DashboardState {
    /// The figures as last read (None: not read yet).
    pub data: Option<Box<Dashboard>>,
    /// The selected tile (index into [`Tile::ALL`]).
    pub selected: usize,
    /// The worklist, when open (Esc closes it).
    pub worklist: Option<Worklist>,
    /// A read is running on the worker thread.
    pub loading: bool,
    /// The duplicate-rate refresh is running on its worker thread.
    pub dup_refreshing: bool,
    /// Why the last read failed (shown in the tiles until the next read).
    pub error: Option<String>,
}

const PER_PAGE: usize = 4;

impl DashboardState {
    pub fn tile(&self) -> Tile {
        Tile::ALL[self.selected.min(Tile::ALL.len() - 1)]
    }
}

/// Where a tile's list lives: the screen that opens, or a line saying where to look.
pub fn open_tile(t: Tile) -> Effect {
    match t {
        Tile::Delinquency | Tile::Aging => Effect::Goto(ScreenId::Reports),
        // The DNFB encounters themselves (coded ones awaiting a bill included), oldest first.
        Tile::Dnfb => Effect::Supervisor(SupAction::LoadWorklist(WorklistKind::Dnfb)),
        Tile::Coding => Effect::Goto(ScreenId::CodingQueue),
        Tile::Roi => Effect::Goto(ScreenId::RoiQueue),
        // Read the list (as the ROI queue's `A` does): a bare Goto showed the screen with no
        // state, where Esc did nothing.
        Tile::Requests => Effect::Roi(RoiAction::LoadAmendments),
        // The people behind the throughput figures (Tab on to Staff: `w` opens a user's
        // worklist, `h` enters hours) and the audit log with its chain status.
        Tile::Throughput => Effect::Admin(crate::tui::admin::AdminAction::Load(
            crate::tui::admin::AdminTab::Productivity,
            Default::default(),
        )),
        Tile::AuditLog => Effect::Admin(crate::tui::admin::AdminAction::Load(
            crate::tui::admin::AdminTab::Audit,
            Default::default(),
        )),
        Tile::Duplicates => Effect::Goto(ScreenId::Mpi),
    }
}

pub fn update(s: &mut DashboardState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let Some(w) = &mut s.worklist {
        let kind = w.kind;
        let chosen = w.rows.get(w.selected).cloned();
        match msg {
            Msg::Worklist(list) => {
                w.selected = if list.kind == kind {
                    w.selected.min(list.rows.len().saturating_sub(1))
                } else {
                    0
                };
                w.kind = list.kind;
                w.rows = list.rows;
                w.total = list.total;
                return Effect::None;
            }
            Msg::Command(C::NextTile) => {
                w.selected = (w.selected + 1).min(w.rows.len().saturating_sub(1));
                return Effect::None;
            }
            Msg::Command(C::PrevTile) => {
                w.selected = w.selected.saturating_sub(1);
                return Effect::None;
            }
            Msg::Command(C::ApproveListedWaiver) if kind == WorklistKind::Waivers => {
                return match chosen {
                    Some(r) => Effect::Supervisor(SupAction::ApproveWaiver { id: r.id }),
                    None => Effect::Status("no pending waiver to approve".into()),
                };
            }
            Msg::Command(C::RejectListedWaiver) if kind == WorklistKind::Waivers => {
                return match chosen {
                    Some(r) => Effect::Supervisor(SupAction::RejectWaiver { id: r.id }),
                    None => Effect::Status("no pending waiver to reject".into()),
                };
            }
            Msg::Command(C::ReleaseListedClaim) if kind == WorklistKind::ExpiredClaims => {
                return match chosen {
                    Some(r) => Effect::Supervisor(SupAction::ReleaseClaim {
                        entity_type: r.entity_type,
                        entity_id: r.id,
                    }),
                    None => Effect::Status("no expired claim to release".into()),
                };
            }
            Msg::Command(C::EscalateListedQueries) if kind == WorklistKind::QueriesPastDue => {
                return if w.rows.is_empty() {
                    Effect::Status("no query is past due".into())
                } else {
                    Effect::Supervisor(SupAction::EscalateQueries)
                };
            }
            Msg::Command(
                C::ApproveListedWaiver
                | C::RejectListedWaiver
                | C::ReleaseListedClaim
                | C::EscalateListedQueries,
            ) => {
                return Effect::Status(format!("not on this worklist: {}", worklist_keys(kind)));
            }
            Msg::Command(C::Back) => {
                s.worklist = None;
                return Effect::None;
            }
            Msg::Command(C::OpenTile) => {
                return match chosen {
                    Some(r) if kind == WorklistKind::AwaitingQa => {
                        Effect::Roi(RoiAction::Open { id: r.id })
                    }
                    Some(WorkRow {
                        encounter_id: Some(encounter_id),
                        ..
                    }) => Effect::OpenEncounter { encounter_id },
                    _ => Effect::None,
                };
            }
            _ => {}
        }
    }
    match msg {
        Msg::Dashboard(d) => {
            s.data = Some(d);
            s.loading = false;
            s.error = None;
        }
        Msg::DashboardLoading => s.loading = true,
        Msg::Error(e) if s.loading => {
            s.loading = false;
            s.error = Some(e);
        }
        Msg::DuplicateRefresh(r) => match r {
            DupRefresh::Started => s.dup_refreshing = true,
            DupRefresh::Done(c) => {
                s.dup_refreshing = false;
                if let Some(d) = &mut s.data {
                    d.duplicate_rate = Some(*c);
                    d.duplicate_rate_age_minutes = Some(0);
                }
            }
            DupRefresh::Failed(e) => {
                s.dup_refreshing = false;
                return Effect::Status(format!("duplicate rate not recomputed: {e}"));
            }
        },
        Msg::Command(C::RefreshDuplicateRate) => {
            return if s.dup_refreshing {
                Effect::Status("the duplicate rate is being computed (MPI-01)…".into())
            } else {
                Effect::Supervisor(SupAction::RefreshDuplicateRate)
            };
        }
        Msg::Worklist(list) => {
            s.worklist = Some(Worklist {
                kind: list.kind,
                rows: list.rows,
                total: list.total,
                selected: 0,
            })
        }
        Msg::Command(C::WaiverWorklist) => {
            return Effect::Supervisor(SupAction::LoadWorklist(WorklistKind::Waivers));
        }
        Msg::Command(C::QaWorklist) => {
            return Effect::Supervisor(SupAction::LoadWorklist(WorklistKind::AwaitingQa));
        }
        Msg::Command(C::ExpiredClaimsWorklist) => {
            return Effect::Supervisor(SupAction::LoadWorklist(WorklistKind::ExpiredClaims));
        }
        Msg::Command(C::QueriesWorklist) => {
            return Effect::Supervisor(SupAction::LoadWorklist(WorklistKind::QueriesPastDue));
        }
        Msg::Command(
            C::ApproveListedWaiver
            | C::RejectListedWaiver
            | C::ReleaseListedClaim
            | C::EscalateListedQueries,
        ) => {
            return Effect::Status(
                "open a worklist first (w waivers, v QA, x expired claims, u queries)".into(),
            );
        }
        Msg::Command(C::NextTile) => s.selected = (s.selected + 1).min(Tile::ALL.len() - 1),
        Msg::Command(C::PrevTile) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::NextTilePage) => {
            s.selected = ((s.selected / PER_PAGE + 1) * PER_PAGE).min(Tile::ALL.len() - 1)
        }
        Msg::Command(C::PrevTilePage) => {
            s.selected = (s.selected / PER_PAGE).saturating_sub(1) * PER_PAGE
        }
        Msg::Command(C::OpenTile) => return open_tile(s.tile()),
        Msg::Command(C::Back) => return Effect::Back,
        _ => {}
    }
    Effect::None
}

#[cfg(test)]
mod tests {
    use super::tiles::age;
    use super::*;
    use crate::tui::Ctx;

    fn cmd(s: &mut DashboardState, c: CommandId) -> Effect {
        update(s, Msg::Command(c), &Ctx::default())
    }

    /// While the worker reads, the screen takes every key: tiles and pages move, the
    /// duplicate-rate refresh starts, Esc leaves; the result (a message) fills the tiles.
    #[test]
    fn keys_work_while_the_tiles_load() {
        let mut s = DashboardState::default();
        assert_eq!(
            update(&mut s, Msg::DashboardLoading, &Ctx::default()),
            Effect::None
        );
        assert!(s.loading && s.data.is_none());
        assert_eq!(cmd(&mut s, CommandId::NextTile), Effect::None);
        assert_eq!(s.selected, 1);
        assert_eq!(cmd(&mut s, CommandId::NextTilePage), Effect::None);
        assert_eq!(s.selected, PER_PAGE);
        assert_eq!(cmd(&mut s, CommandId::PrevTilePage), Effect::None);
        assert_eq!(s.selected, 0);
        assert_eq!(
            cmd(&mut s, CommandId::RefreshDuplicateRate),
            Effect::Supervisor(SupAction::RefreshDuplicateRate)
        );
        let _ = update(
            &mut s,
            Msg::DuplicateRefresh(DupRefresh::Started),
            &Ctx::default(),
        );
        assert!(matches!(
            cmd(&mut s, CommandId::RefreshDuplicateRate),
            Effect::Status(_)
        ));
        assert_eq!(
            cmd(&mut s, CommandId::OpenTile),
            open_tile(Tile::Delinquency)
        );
        assert!(s.loading, "still loading: nothing arrived");
        assert_eq!(cmd(&mut s, CommandId::Back), Effect::Back);
        // A failed read says why and stops loading.
        let _ = update(
            &mut s,
            Msg::Error("database is locked".into()),
            &Ctx::default(),
        );
        assert!(!s.loading);
        assert_eq!(s.error.as_deref(), Some("database is locked"));
    }

    #[test]
    fn the_duplicate_tile_says_its_age() {
        assert_eq!(age(5), "5 min");
        assert_eq!(age(125), "2 h 5 min");
        assert_eq!(age(3 * 24 * 60 + 7), "3 days");
    }
}
