//! Drawing the dashboard: the tile grid (two pages of four, and the duplicate-rate tile),
//! each tile's figures and charts, or the worklist opened from a tile.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Gauge, Paragraph, Row, Sparkline, Table, Widget,
};

use super::worklist::render_worklist;
use super::{DashboardState, PER_PAGE};
use crate::report::dashboard::{Dashboard, Tile};
use crate::text::sanitize_line;

pub(super) fn money(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("${:.1}M", v / 1_000_000.0)
    } else if v >= 1_000.0 {
        format!("${:.0}k", v / 1_000.0)
    } else {
        format!("${v:.0}")
    }
}

pub(super) fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.1}%"))
}

pub(super) fn title(t: Tile) -> &'static str {
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

pub(super) fn lines(area: Rect, buf: &mut Buffer, text: Vec<String>) {
    let w = area.width as usize;
    let ls: Vec<Line> = text
        .into_iter()
        .map(|t| Line::from(crate::tui::chrome::clip(&t, w)))
        .collect();
    Paragraph::new(ls).render(area, buf);
}

pub(super) fn render_tile(d: &Dashboard, refreshing: bool, t: Tile, area: Rect, buf: &mut Buffer) {
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
pub(super) fn duplicate_lines(d: &Dashboard, refreshing: bool) -> Vec<String> {
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

pub(super) fn age(minutes: i64) -> String {
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
