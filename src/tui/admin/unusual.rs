//! The Unusual access tab: the unusual-access report (AUD-14), each row naming its audit rows.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table};

use super::{AdminState, AdminTab, l, short_time, table_state};

fn seq_list(seqs: &[i64]) -> String {
    let head: Vec<String> = seqs.iter().take(6).map(|s| s.to_string()).collect();
    let more = seqs.len().saturating_sub(6);
    if more > 0 {
        format!("{} +{more}", head.join(","))
    } else {
        head.join(",")
    }
}

/// Show the rows read for the Unusual tab.
pub(super) fn fill(st: &mut AdminState, r: crate::privacy::unusual::UnusualReport) {
    st.tab = AdminTab::Unusual;
    st.unusual_span = format!(
        "{} to {} · {} audit rows read",
        short_time(&r.from),
        short_time(&r.to),
        r.rows_read
    );
    st.unusual = r
        .findings
        .into_iter()
        .map(|f| {
            [
                f.kind.label().to_string(),
                l(&f.username),
                l(f.mrn.as_deref().unwrap_or("")),
                short_time(&f.first_at),
                l(&f.what),
                seq_list(&f.seqs),
            ]
        })
        .collect();
}

/// Draw the Unusual tab's table in `list`; the detail pane's text and title.
pub(super) fn render(
    st: &AdminState,
    list: Rect,
    buf: &mut Buffer,
    hl: Style,
) -> (String, &'static str) {
    let rows = st.unusual.iter().map(|u| {
        Row::new(vec![
            u[0].clone(),
            u[1].clone(),
            u[2].clone(),
            u[3].clone(),
            u[5].clone(),
        ])
    });
    let t = Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(11),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(vec!["Finding", "User", "MRN", "First UTC", "Audit seqs"]).bold())
    .row_highlight_style(hl)
    .block(Block::bordered().title(format!(
        " Unusual access (AUD-14): {} · {} ",
        st.unusual.len(),
        st.unusual_span
    )));
    StatefulWidget::render(
        t,
        list,
        buf,
        &mut table_state(st.unusual.len(), st.selected),
    );
    let sel = st
        .unusual
        .get(st.selected)
        .map(|u| format!("{}: {} (audit rows {})", u[0], u[4], u[5]))
        .unwrap_or_else(|| "Nothing unusual in the period.".into());
    (sel, " Finding (v: flag a patient VIP or EMPLOYEE) ")
}
