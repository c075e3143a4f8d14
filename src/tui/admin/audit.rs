//! The Audit tab: the log filtered by user, patient, action, outcome and time, newest first,
//! with the chain's verification status; the filter as typed (`key=value`) and shown.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table};

use super::{AdminState, AdminTab, l, short_time, table_state};
use crate::privacy::AuditFilter;

/// Show the rows read for the Audit tab.
pub(super) fn fill(
    st: &mut AdminState,
    page: crate::privacy::AuditPage,
    chain: String,
    filter: AuditFilter,
) {
    st.tab = AdminTab::Audit;
    st.chain = l(&chain);
    st.filter = filter;
    st.audit_total = page.total;
    st.audit = page
        .rows
        .into_iter()
        .map(|r| {
            [
                r.seq.to_string(),
                short_time(&r.recorded_at),
                l(&r.username),
                l(&r.subtype),
                r.outcome.to_string(),
                l(r.patient_mrn.as_deref().unwrap_or("")),
                l(&format!("{} {}", r.entity_type, r.entity_id)),
                l(&format!(
                    "{} {} {} {} {}{}",
                    r.action,
                    r.entity_type,
                    r.entity_id,
                    r.purpose_of_use,
                    r.reason
                        .as_deref()
                        .map(|x| format!("reason: {x} "))
                        .unwrap_or_default(),
                    r.detail
                )),
            ]
        })
        .collect();
}

/// Draw the Audit tab's table in `list`; the detail pane's text and title.
pub(super) fn render(
    st: &AdminState,
    list: Rect,
    buf: &mut Buffer,
    hl: Style,
) -> (String, &'static str) {
    let rows = st.audit.iter().map(|a| {
        let r = Row::new(a[..7].to_vec());
        if a[4] != "0" {
            r.style(Style::new().fg(Color::Red))
        } else {
            r
        }
    });
    let t = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Length(11),
            Constraint::Length(8),
            Constraint::Length(15),
            Constraint::Length(2),
            Constraint::Length(10),
            Constraint::Min(8),
        ],
    )
    .header(Row::new(vec!["Seq", "UTC", "User", "Action", "Ou", "MRN", "Entity"]).bold())
    .row_highlight_style(hl)
    .block(Block::bordered().title(format!(
        " Audit: {} of {} · {} ",
        st.audit.len(),
        st.audit_total,
        if filter_text(&st.filter).is_empty() {
            "no filter".to_string()
        } else {
            filter_text(&st.filter)
        }
    )));
    StatefulWidget::render(t, list, buf, &mut table_state(st.audit.len(), st.selected));
    let sel = st
        .audit
        .get(st.selected)
        .map(|a| format!("seq {}: {}", a[0], a[7]))
        .unwrap_or_default();
    (format!("{} · {sel}", st.chain), " Chain and selected row ")
}

/// `user=sam mrn=MRN1 action=view outcome=fail from=2026-12-01 to=2026-12-05`.
pub fn parse_filter(text: &str) -> Result<AuditFilter, String> {
    let mut f = AuditFilter::default();
    for part in text.split_whitespace() {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            format!("{part:?}: write key=value (user, mrn, action, outcome, from, to)")
        })?;
        let v = Some(v.to_string());
        match k {
            "user" => f.user = v,
            "mrn" => f.mrn = v,
            "action" => f.action = v,
            "from" => f.from = v,
            "to" => f.to = v,
            "outcome" => {
                f.outcome = Some(match v.as_deref() {
                    Some("fail") | Some("failed") => -1,
                    Some(n) => n
                        .parse()
                        .map_err(|_| format!("outcome {n:?}: 0, 4, 8, 12 or fail"))?,
                    None => 0,
                })
            }
            other => {
                return Err(format!(
                    "{other:?}: not a filter (user, mrn, action, outcome, from, to)"
                ));
            }
        }
    }
    Ok(f)
}

pub(super) fn filter_text(f: &AuditFilter) -> String {
    let mut v = Vec::new();
    let mut push = |k: &str, x: &Option<String>| {
        if let Some(x) = x {
            v.push(format!("{k}={x}"));
        }
    };
    push("user", &f.user);
    push("mrn", &f.mrn);
    push("action", &f.action);
    push("from", &f.from);
    push("to", &f.to);
    if let Some(o) = f.outcome {
        v.push(if o == -1 {
            "outcome=fail".into()
        } else {
            format!("outcome={o}")
        });
    }
    v.join(" ")
}
