//! The Productivity tab: units ÷ hours entered per user and role against the target settings
//! (`report productivity`, the last 30 days), "hours not entered" where none were (MET-05).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table};

use super::{AdminState, AdminTab, l, table_state};

/// Show the rows read for the Productivity tab.
pub(super) fn fill(st: &mut AdminState, p: crate::report::productivity::Productivity) {
    st.tab = AdminTab::Productivity;
    st.productivity_span = format!("{} .. {}", p.from, p.to);
    st.productivity = p.users.iter().map(productivity_line).collect();
}

/// Draw the Productivity tab's table in `list`; the detail pane's text and title.
pub(super) fn render(
    st: &AdminState,
    list: Rect,
    buf: &mut Buffer,
    hl: Style,
) -> (String, &'static str) {
    let rows = st.productivity.iter().map(|(r, _)| Row::new(r.to_vec()));
    let t = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(10),
            Constraint::Min(16),
            Constraint::Length(11),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(vec!["User", "Role", "Units", "Hours", "%Tgt"]).bold())
    .row_highlight_style(hl)
    .block(Block::bordered().title(format!(
        " Productivity {} ({}) ",
        st.productivity_span,
        st.productivity.len()
    )));
    StatefulWidget::render(
        t,
        list,
        buf,
        &mut table_state(st.productivity.len(), st.selected),
    );
    let sel = st
        .productivity
        .get(st.selected)
        .map(|(r, d)| format!("{}: {}", r[0], d.join(" · ")))
        .unwrap_or_else(|| "No work and no hours entered in the period.".into());
    (sel, " Units ÷ hours entered vs targets (MET-05) ")
}

/// One user's productivity row (sanitised) and the detail lines of its units.
fn productivity_line(
    u: &crate::report::productivity::UserProductivity,
) -> ([String; 5], Vec<String>) {
    use crate::report::productivity::Unit;
    let short = |unit: Unit| match unit {
        Unit::RecordsAnalyzed => "analysed",
        Unit::InpatientCoded => "IP",
        Unit::OutpatientCoded => "OP",
        Unit::RequestsReleased => "req",
        Unit::PagesReleased => "pages",
    };
    let units = u
        .units
        .iter()
        .map(|l| format!("{} {}", l.units, short(l.unit)))
        .collect::<Vec<_>>()
        .join(" ");
    let hours = u
        .hours
        .map_or("not entered".to_string(), |h| format!("{h:.2}"));
    let pct = u
        .percent_of_target
        .map_or(String::new(), |p| format!("{p:.0}%"));
    let detail = u
        .units
        .iter()
        .map(|l| {
            format!(
                "{} {}: {} vs target {}/h{}",
                l.units,
                l.unit.label(),
                l.per_hour
                    .map_or("no rate (hours not entered)".to_string(), |r| format!(
                        "{r:.2}/h"
                    )),
                l.target,
                l.percent_of_target
                    .map_or(String::new(), |p| format!(" = {p:.0}%"))
            )
        })
        .collect();
    ([l(&u.user), u.role.clone(), units, hours, pct], detail)
}
