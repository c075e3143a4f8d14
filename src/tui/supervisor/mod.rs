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

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Gauge, Paragraph, Row, Sparkline, Table, Widget,
};

use crate::report::dashboard::{Dashboard, Tile};
use crate::report::worklists::{WorkRow, WorklistKind};
use crate::text::sanitize_line;
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

/// What each worklist's keys do (its title line).
fn worklist_keys(kind: WorklistKind) -> &'static str {
    match kind {
        WorklistKind::Waivers => "A approve · R reject · enter chart",
        WorklistKind::AwaitingQa => "enter opens the request for QA",
        WorklistKind::ExpiredClaims => "X release · enter chart",
        WorklistKind::QueriesPastDue => "E escalate due (COD-21) · enter chart",
        WorklistKind::Dnfb => "oldest first · enter chart",
    }
}

fn worklist_title(kind: WorklistKind) -> &'static str {
    match kind {
        WorklistKind::Waivers => "Pending waivers",
        WorklistKind::AwaitingQa => "Requests awaiting QA",
        WorklistKind::ExpiredClaims => "Expired claims",
        WorklistKind::QueriesPastDue => "Queries past due",
        WorklistKind::Dnfb => "Not final billed (DNFB)",
    }
}

fn worklist_empty(kind: WorklistKind) -> &'static str {
    match kind {
        WorklistKind::Waivers => "No waiver is waiting for approval.",
        WorklistKind::AwaitingQa => "No request is waiting for QA.",
        WorklistKind::ExpiredClaims => "No claim has expired.",
        WorklistKind::QueriesPastDue => "No unanswered query is past due.",
        WorklistKind::Dnfb => "Every discharged encounter is final billed.",
    }
}

fn worklist_widths(kind: WorklistKind) -> Vec<Constraint> {
    use Constraint::{Length, Min};
    match kind {
        WorklistKind::Waivers => vec![
            Length(5),
            Length(10),
            Length(10),
            Length(9),
            Length(13),
            Length(16),
            Min(4),
        ],
        WorklistKind::AwaitingQa => vec![Length(6), Length(10), Min(12), Length(10), Length(10)],
        WorklistKind::ExpiredClaims => {
            vec![Length(10), Length(10), Length(10), Length(12), Min(10)]
        }
        WorklistKind::QueriesPastDue => vec![
            Length(6),
            Length(10),
            Length(10),
            Min(12),
            Length(10),
            Length(5),
        ],
        WorklistKind::Dnfb => vec![
            Length(12),
            Length(10),
            Length(10),
            Length(5),
            Length(16),
            Min(10),
        ],
    }
}

/// The worklist over the whole body: one row per item, the selected one marked.
fn render_worklist(w: &Worklist, area: Rect, buf: &mut Buffer) {
    let block = Block::bordered().title(crate::tui::chrome::clip(
        &format!(
            " {}: {} of {} · {} · esc tiles ",
            worklist_title(w.kind),
            w.rows.len(),
            w.total,
            worklist_keys(w.kind)
        ),
        area.width.saturating_sub(2) as usize,
    ));
    let inner = block.inner(area);
    block.render(area, buf);
    if w.rows.is_empty() {
        Paragraph::new(worklist_empty(w.kind)).render(inner, buf);
        return;
    }
    // Keep the selection on screen (one header row).
    let fit = (inner.height as usize).saturating_sub(1).max(1);
    let first = w.selected.saturating_sub(fit - 1);
    let rows: Vec<Row> = w
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(fit)
        .map(|(i, r)| {
            let row = Row::new(
                r.cells
                    .iter()
                    .map(|c| sanitize_line(c).into_owned())
                    .collect::<Vec<_>>(),
            );
            if i == w.selected { row.reversed() } else { row }
        })
        .collect();
    Table::new(rows, worklist_widths(w.kind))
        .header(Row::new(w.kind.headings().to_vec()).bold())
        .render(inner, buf);
}

fn money(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("${:.1}M", v / 1_000_000.0)
    } else if v >= 1_000.0 {
        format!("${:.0}k", v / 1_000.0)
    } else {
        format!("${v:.0}")
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.1}%"))
}

fn title(t: Tile) -> &'static str {
    match t {
        Tile::Delinquency => "Delinquency (DEL-04)",
        Tile::Aging => "Open deficiencies by age",
        Tile::Dnfb => "DNFB / DNFC",
        Tile::Coding => "Coding backlog and holds",
        Tile::Roi => "ROI requests",
        Tile::Requests => "Accounting / amendments",
        Tile::Throughput => "Throughput vs targets (MET-05)",
        Tile::AuditLog => "Audit log",
        Tile::Duplicates => "Duplicate records (MPI-01)",
    }
}

fn lines(area: Rect, buf: &mut Buffer, text: Vec<String>) {
    let w = area.width as usize;
    let ls: Vec<Line> = text
        .into_iter()
        .map(|t| Line::from(crate::tui::chrome::clip(&t, w)))
        .collect();
    Paragraph::new(ls).render(area, buf);
}

fn render_tile(d: &Dashboard, refreshing: bool, t: Tile, area: Rect, buf: &mut Buffer) {
    match t {
        Tile::Delinquency => {
            let [g, text, spark] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(2),
                Constraint::Min(1),
            ])
            .areas(area);
            let r = &d.delinquency;
            let ratio = r.rate_percent.map_or(0.0, |v| {
                (v / (2.0 * r.alert_percent.max(1.0))).clamp(0.0, 1.0)
            });
            Gauge::default()
                .ratio(ratio)
                .label(format!(
                    "{} (alert {:.0}%)",
                    pct(r.rate_percent),
                    r.alert_percent
                ))
                .gauge_style(if r.alert {
                    Style::new().red()
                } else {
                    Style::new().green()
                })
                .render(g, buf);
            lines(
                text,
                buf,
                vec![
                    format!("{} delinquent records", r.delinquent_records),
                    format!(
                        "12 months: {} .. {}",
                        d.delinquency_trend.first().map_or("", |p| p.month.as_str()),
                        d.delinquency_trend.last().map_or("", |p| p.month.as_str())
                    ),
                ],
            );
            let data: Vec<u64> = d
                .delinquency_trend
                .iter()
                .map(|p| {
                    p.rate_percent
                        .map_or(0, |v| (v * 10.0).round().max(0.0) as u64)
                })
                .collect();
            Sparkline::default().data(&data).render(spark, buf);
        }
        Tile::Aging => {
            let total: i64 = d.aging_totals.iter().sum();
            let [head, chart] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
            let top = d.top_providers.first().map_or_else(
                || "no provider has a delinquent deficiency".to_string(),
                |p| {
                    format!(
                        "most delinquent: {} ({})",
                        sanitize_line(&p.provider),
                        p.delinquent
                    )
                },
            );
            lines(
                head,
                buf,
                vec![format!("{total} open; days since assignment"), top],
            );
            let bars: Vec<Bar> = d
                .buckets
                .iter()
                .zip(d.aging_totals)
                .map(|(b, n)| {
                    Bar::default()
                        .value(n.max(0) as u64)
                        .label(Line::from(*b))
                        .text_value(n.to_string())
                })
                .collect();
            BarChart::default()
                .data(BarGroup::default().bars(&bars))
                .bar_width(7)
                .bar_gap(2)
                .render(chart, buf);
        }
        Tile::Dnfb => lines(
            area,
            buf,
            vec![
                format!(
                    "DNFB {:>8}  avg {:.1} days",
                    d.dnfb_count, d.dnfb_average_days
                ),
                format!("     {:>8}  charges", money(d.dnfb_dollars)),
                format!(
                    "     {:>8}  rev. days (COD-22 < 5)",
                    d.revenue_days.map_or("n/a".into(), |v| format!("{v:.1}"))
                ),
                format!(
                    "DNFC {:>8}  avg {:.1} days",
                    d.dnfc_count, d.dnfc_average_days
                ),
                format!("     {:>8}  over dnfc_target_days", d.dnfc_over_target),
            ],
        ),
        Tile::Coding => {
            let mut v = vec![
                format!("ready to code   {:>7}", d.coding_backlog),
                format!("on hold (query) {:>7}", d.on_hold_query),
                format!("queries past due{:>7}  (u: worklist)", d.queries_past_due),
                format!("expired claims  {:>7}  (x: worklist)", d.expired_claims),
                format!("waivers pending {:>7}  (w: worklist)", d.pending_waivers),
            ];
            for h in d.held_for_documentation.iter().take(3) {
                v.push(format!(
                    "held {:<11}{:>7}",
                    sanitize_line(&h.kind),
                    h.encounters
                ));
            }
            lines(area, buf, v);
        }
        Tile::Roi => {
            let [head, chart] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
            lines(
                head,
                buf,
                vec![format!(
                    "overdue {}  due in 7 days {}  QA {} (v)",
                    d.roi_overdue, d.roi_due_7_days, d.roi_awaiting_qa
                )],
            );
            let bars: Vec<Bar> = d
                .roi_by_status
                .iter()
                .map(|(s, n)| {
                    Bar::default()
                        .value((*n).max(0) as u64)
                        .label(Line::from(s.chars().take(6).collect::<String>()))
                        .text_value(n.to_string())
                })
                .collect();
            BarChart::default()
                .data(BarGroup::default().bars(&bars))
                .bar_width(6)
                .bar_gap(1)
                .render(chart, buf);
        }
        Tile::Requests => lines(
            area,
            buf,
            vec![
                "Accounting of disclosures (164.528)".into(),
                format!(
                    "  open {:>6}   past due {:>6}",
                    d.accounting_open, d.accounting_overdue
                ),
                "Amendments (164.526)".into(),
                format!(
                    "  open {:>6}   past due {:>6}",
                    d.amendments_open, d.amendments_overdue
                ),
            ],
        ),
        Tile::Throughput => {
            // MET-05: units over the hours each person entered; "no h" where none were.
            let pct = |p: Option<f64>, h: Option<f64>| match (p, h) {
                (Some(p), _) => format!("{p:.0}%"),
                (None, None) => "no h".into(),
                (None, Some(_)) => "-".into(),
            };
            let rows: Vec<Row> = d
                .throughput
                .iter()
                .map(|u| {
                    Row::new(vec![
                        sanitize_line(&u.user).into_owned(),
                        sanitize_line(&u.role).chars().take(5).collect(),
                        u.today_units.to_string(),
                        u.week_units.to_string(),
                        pct(u.week_percent, u.week_hours),
                    ])
                })
                .collect();
            let empty = rows.is_empty();
            Table::new(
                rows,
                [
                    Constraint::Min(8),
                    Constraint::Length(5),
                    Constraint::Length(5),
                    Constraint::Length(5),
                    Constraint::Length(5),
                ],
            )
            .header(Row::new(vec!["USER", "ROLE", "TODAY", "WEEK", "%TGT"]).bold())
            .render(area, buf);
            if empty && area.height > 2 {
                let r = Rect {
                    y: area.y + 1,
                    height: 1,
                    ..area
                };
                lines(r, buf, vec!["(no work completed this week)".into()]);
            }
            if area.height > 1 {
                let r = Rect {
                    y: area.y + area.height - 1,
                    height: 1,
                    ..area
                };
                lines(r, buf, vec!["% of MET-05 target over entered hours".into()]);
            }
        }
        Tile::AuditLog => lines(
            area,
            buf,
            vec![
                format!("{} rows (hash-chained)", d.audit_rows),
                format!("last 7 days  {:>8}", d.audit_rows_7_days),
                format!("7 days before{:>8}", d.audit_rows_prior_7_days),
            ],
        ),
        Tile::Duplicates => lines(area, buf, duplicate_lines(d, refreshing)),
    }
}

/// The duplicate-rate tile: the cached MPI-01 figure against AHIMA's < 1 %, and its age.
fn duplicate_lines(d: &Dashboard, refreshing: bool) -> Vec<String> {
    let mut v = match &d.duplicate_rate {
        None => vec![
            "not computed yet".into(),
            "D, or: chartdesk report duplicates".into(),
        ],
        Some(c) => vec![
            format!(
                "rate {:.2}%  AHIMA < 1%: {}",
                c.rate.rate * 100.0,
                if c.rate.within_benchmark() {
                    "within"
                } else {
                    "OVER"
                }
            ),
            format!(
                "{} of {} records in pairs",
                c.rate.records_in_pairs, c.rate.records
            ),
            format!(
                "computed {} ago in {:.1} s by",
                d.duplicate_rate_age_minutes.map_or("?".into(), age),
                c.seconds
            ),
            sanitize_line(&c.computed_by).into_owned(),
            format!("at {}", c.computed_at),
        ],
    };
    v.push(if refreshing {
        "recomputing in the background…".into()
    } else {
        "D recomputes (background)".into()
    });
    v
}

fn age(minutes: i64) -> String {
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days", m / (24 * 60)),
    }
}

impl Widget for &DashboardState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if let Some(w) = &self.worklist {
            render_worklist(w, area, buf);
            return;
        }
        let page = self.selected / PER_PAGE;
        let pages = Tile::ALL.len().div_ceil(PER_PAGE);
        let [head, grid] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(4)]).areas(area);
        let head_line = match (&self.data, self.loading) {
            (_, true) => format!(
                "Department · loading… (keys work) · page {}/{} (pgdn/pgup)",
                page + 1,
                pages
            ),
            (Some(d), false) => format!(
                "Department as of {} · page {}/{} (pgdn/pgup) · enter opens the tile's list",
                d.as_of,
                page + 1,
                pages
            ),
            (None, false) => format!("Department · not read · page {}/{}", page + 1, pages),
        };
        Paragraph::new(crate::tui::chrome::clip(&head_line, area.width as usize)).render(head, buf);
        let [top, bottom] =
            Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(grid);
        let cells: Vec<Rect> = [top, bottom]
            .into_iter()
            .flat_map(|row| {
                let [a, b] =
                    Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(row);
                [a, b]
            })
            .collect();
        for (i, cell) in cells.into_iter().enumerate() {
            let idx = page * PER_PAGE + i;
            let Some(t) = Tile::ALL.get(idx).copied() else {
                continue;
            };
            let mut block = Block::bordered().title(format!(" {} ", title(t)));
            if idx == self.selected {
                block = block.border_style(Style::new().yellow().bold());
            }
            let inner = block.inner(cell);
            block.render(cell, buf);
            match (&self.data, &self.error) {
                (_, Some(e)) if !self.loading => lines(
                    inner,
                    buf,
                    vec!["not read:".into(), sanitize_line(e).into_owned()],
                ),
                (Some(d), _) => render_tile(d, self.dup_refreshing, t, inner, buf),
                (None, _) => lines(inner, buf, vec!["loading…".into()]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
