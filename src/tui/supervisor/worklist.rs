//! The worklist behind a tile, drawn over the whole body: its title, keys and columns.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

use super::Worklist;
use crate::report::worklists::WorklistKind;
use crate::text::sanitize_line;

/// What each worklist's keys do (its title line).
pub(super) fn worklist_keys(kind: WorklistKind) -> &'static str {
    match kind {
        WorklistKind::Waivers => "A approve · R reject · enter chart",
        WorklistKind::AwaitingQa => "enter opens the request for QA",
        WorklistKind::ExpiredClaims => "X release · enter chart",
        WorklistKind::QueriesPastDue => "E escalate due (COD-21) · enter chart",
        WorklistKind::Dnfb => "oldest first · enter chart",
    }
}

pub(super) fn worklist_title(kind: WorklistKind) -> &'static str {
    match kind {
        WorklistKind::Waivers => "Pending waivers",
        WorklistKind::AwaitingQa => "Requests awaiting QA",
        WorklistKind::ExpiredClaims => "Expired claims",
        WorklistKind::QueriesPastDue => "Queries past due",
        WorklistKind::Dnfb => "Not final billed (DNFB)",
    }
}

pub(super) fn worklist_empty(kind: WorklistKind) -> &'static str {
    match kind {
        WorklistKind::Waivers => "No waiver is waiting for approval.",
        WorklistKind::AwaitingQa => "No request is waiting for QA.",
        WorklistKind::ExpiredClaims => "No claim has expired.",
        WorklistKind::QueriesPastDue => "No unanswered query is past due.",
        WorklistKind::Dnfb => "Every discharged encounter is final billed.",
    }
}

pub(super) fn worklist_widths(kind: WorklistKind) -> Vec<Constraint> {
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
pub(super) fn render_worklist(w: &Worklist, area: Rect, buf: &mut Buffer) {
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
