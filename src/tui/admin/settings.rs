//! The Settings tab: every setting with its rule id, meaning and validation; Enter edits one
//! (the core validates, checks the supervisor role and audits old and new value).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table};

use super::{AdminState, AdminTab, SettingLine, l, table_state};

/// Show the rows read for the Settings tab.
pub(super) fn fill(
    st: &mut AdminState,
    v: Vec<(&'static crate::settings::SettingDef, String, i64)>,
) {
    st.tab = AdminTab::Settings;
    st.settings = v
        .into_iter()
        .map(|(d, value, version)| SettingLine {
            name: d.name().to_string(),
            rule: d.rule.to_string(),
            value: l(&value),
            default: l(d.default),
            doc: d.doc.to_string(),
            validation: d.kind.describe(),
            version,
        })
        .collect();
}

/// Draw the Settings tab's table in `list`; the detail pane's text and title.
pub(super) fn render(
    st: &AdminState,
    list: Rect,
    buf: &mut Buffer,
    hl: Style,
) -> (String, &'static str) {
    let rows = st
        .settings
        .iter()
        .map(|s| Row::new(vec![s.name.clone(), s.value.clone(), s.rule.clone()]));
    let t = Table::new(
        rows,
        [
            Constraint::Length(26),
            Constraint::Min(20),
            Constraint::Length(12),
        ],
    )
    .header(Row::new(vec!["Setting", "Value", "Rule"]).bold())
    .row_highlight_style(hl)
    .block(Block::bordered().title(format!(
        " Settings ({}) · enter: edit (audited, old and new value) ",
        st.settings.len()
    )));
    StatefulWidget::render(
        t,
        list,
        buf,
        &mut table_state(st.settings.len(), st.selected),
    );
    match st.settings.get(st.selected) {
        Some(s) => (
            format!(
                "{} [{}] {} · must be: {} · default {:?}",
                s.name, s.rule, s.doc, s.validation, s.default
            ),
            " Meaning and validation ",
        ),
        None => ("No settings read.".into(), " Setting "),
    }
}
