//! The Staff tab: who is signed in, idle or locked, their last action, claims and assigned
//! work (the keys that act on them are in the screen's `update`).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table};

use super::{AdminState, AdminTab, l, short_time, table_state};

/// Show the rows read for the Staff tab.
pub(super) fn fill(st: &mut AdminState, v: Vec<crate::privacy::work::StaffRow>) {
    st.tab = AdminTab::Staff;
    st.staff = v
        .into_iter()
        .map(|s| {
            let last = s
                .last_action
                .as_ref()
                .map(|(t, w)| format!("{} {}", short_time(t), l(w)))
                .unwrap_or_default();
            let claims = s
                .claims
                .iter()
                .map(|(t, _, label, _)| format!("{} {}", l(t), l(label)))
                .collect::<Vec<_>>()
                .join(", ");
            let first = s.claims.first().map(|(t, id, _, _)| (t.clone(), *id));
            let presence = if s.disabled {
                "disabled".to_string()
            } else {
                s.presence.label().to_string()
            };
            (
                [
                    l(&s.username),
                    s.role.clone(),
                    presence,
                    last,
                    claims,
                    s.assigned.to_string(),
                ],
                first,
            )
        })
        .collect();
}

/// Draw the Staff tab's table in `list`; the detail pane's text and title.
pub(super) fn render(
    st: &AdminState,
    list: Rect,
    buf: &mut Buffer,
    hl: Style,
) -> (String, &'static str) {
    let rows = st.staff.iter().map(|(r, _)| {
        Row::new(vec![
            r[0].clone(),
            r[1].clone(),
            r[2].clone(),
            r[3].clone(),
            r[5].clone(),
        ])
    });
    let t = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Min(20),
            Constraint::Length(4),
        ],
    )
    .header(Row::new(vec!["User", "Role", "Now", "Last action (UTC)", "Asg"]).bold())
    .row_highlight_style(hl)
    .block(Block::bordered().title(format!(" Staff ({}) ", st.staff.len())));
    StatefulWidget::render(t, list, buf, &mut table_state(st.staff.len(), st.selected));
    let sel = st
        .staff
        .get(st.selected)
        .map(|(r, _)| {
            // The last action in full (the table cuts it at 80 columns).
            format!(
                "{} holds: {} · assigned items: {}\nlast action: {}",
                r[0],
                if r[4].is_empty() { "no claim" } else { &r[4] },
                r[5],
                if r[3].is_empty() { "none" } else { &r[3] }
            )
        })
        .unwrap_or_default();
    (
        sel,
        " Claims (a assign · t take back · R release · h hours) ",
    )
}
