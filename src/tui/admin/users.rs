//! The Users tab: add, disable, enable, unlock, reset password, change role (never delete).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table};

use super::{AdminState, AdminTab, l, short_time, table_state};

/// Show the rows read for the Users tab.
pub(super) fn fill(st: &mut AdminState, v: Vec<crate::accounts::User>) {
    st.tab = AdminTab::Users;
    st.users = v
        .into_iter()
        .map(|u| {
            let state = match (u.disabled, u.locked) {
                (true, _) => "disabled",
                (false, true) => "locked",
                _ => "active",
            };
            [
                l(&u.username),
                u.role.as_str().to_string(),
                state.to_string(),
                u.failed_logins.to_string(),
                u.last_login_at
                    .as_deref()
                    .map(short_time)
                    .unwrap_or_default(),
            ]
        })
        .collect();
}

/// Draw the Users tab's table in `list`; the detail pane's text and title.
pub(super) fn render(
    st: &AdminState,
    list: Rect,
    buf: &mut Buffer,
    hl: Style,
) -> (String, &'static str) {
    let rows = st.users.iter().map(|u| {
        let r = Row::new(u.to_vec());
        if u[2] != "active" {
            r.style(Style::new().fg(Color::Yellow))
        } else {
            r
        }
    });
    let t = Table::new(
        rows,
        [
            Constraint::Min(12),
            Constraint::Length(11),
            Constraint::Length(9),
            Constraint::Length(6),
            Constraint::Length(12),
        ],
    )
    .header(Row::new(vec!["User", "Role", "State", "Fails", "Last login"]).bold())
    .row_highlight_style(hl)
    .block(Block::bordered().title(format!(" Users ({}) · never deleted ", st.users.len())));
    StatefulWidget::render(t, list, buf, &mut table_state(st.users.len(), st.selected));
    (
        "n add · d disable · e enable · u unlock · p reset password · r change role. Every change is audited (user_admin).".into(),
        " Users ",
    )
}
