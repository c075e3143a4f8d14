//! The re-review list shared by the technician's and the coder's queues (issue #13): a
//! document that arrived or was amended after analysis (or after coding) flags the encounter,
//! and the queue shows it as a third list, the document named. The queue rows of a flagged
//! encounter carry an `R` mark. `R` clears the selected flag (confirmed; the core checks the
//! desk's permission and writes the audit row). Text is sanitised on entry.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table, TableState};

use crate::deficiency::rereview::RereviewRow;
use crate::text::sanitize_line;
use crate::tui::chrome::clip;
use crate::tui::{CommandId, DefAction, Effect};

/// One open flag as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagLine {
    pub id: i64,
    pub encounter_id: i64,
    pub visit: String,
    pub mrn: String,
    /// The document's title.
    pub document: String,
    /// Why, short: `arrived after coding` (the core's reason from its verb on).
    pub why: String,
    pub document_id: i64,
    /// `YYYY-MM-DD`.
    pub flagged: String,
}

/// `Discharge summary 12 arrived after coding` → `arrived after coding` (the document is
/// named in its own column); a reason in another form is kept whole.
fn short_reason(reason: &str) -> String {
    [" arrived ", " amended "]
        .iter()
        .find_map(|v| reason.find(v).map(|i| reason[i + 1..].to_string()))
        .unwrap_or_else(|| reason.to_string())
}

/// The desk's open flags, and whether the queue shows them as its list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RereviewList {
    /// The queue shows this list instead of its page.
    pub on: bool,
    pub rows: Vec<FlagLine>,
    pub selected: usize,
}

impl RereviewList {
    pub fn set(&mut self, rows: Vec<RereviewRow>) {
        let keep = self.selected_flag().map(|f| f.id);
        let l = |s: &str| sanitize_line(s).into_owned();
        self.rows = rows
            .into_iter()
            .map(|r| FlagLine {
                id: r.id,
                encounter_id: r.encounter_id,
                visit: l(&r.visit_number),
                mrn: l(&r.mrn),
                document: l(&r.document),
                why: short_reason(&l(&r.reason)),
                document_id: r.document_id,
                flagged: l(r.flagged_at.get(..10).unwrap_or("")),
            })
            .collect();
        self.selected = keep
            .and_then(|id| self.rows.iter().position(|r| r.id == id))
            .unwrap_or(self.selected)
            .min(self.rows.len().saturating_sub(1));
    }

    pub fn selected_flag(&self) -> Option<&FlagLine> {
        self.rows.get(self.selected)
    }

    /// The oldest open flag on one encounter (the `R` mark on a queue row).
    pub fn on_encounter(&self, encounter_id: i64) -> Option<&FlagLine> {
        self.rows.iter().find(|f| f.encounter_id == encounter_id)
    }

    /// Movement within the list; true when the command was one.
    pub fn movement(&mut self, c: CommandId) -> bool {
        let last = self.rows.len().saturating_sub(1);
        match c {
            CommandId::MoveUp => self.selected = self.selected.saturating_sub(1),
            CommandId::MoveDown => self.selected = (self.selected + 1).min(last),
            CommandId::GoTop => self.selected = 0,
            CommandId::GoBottom => self.selected = last,
            _ => return false,
        }
        true
    }

    /// `R`: clear `flag` (the selected flag in the list, or the queue row's).
    pub fn clear(flag: Option<&FlagLine>) -> Effect {
        match flag {
            Some(f) => Effect::Deficiency(DefAction::ClearRereview { flag_id: f.id }),
            None => {
                Effect::Status("clear_rereview: the selected chart has no re-review flag".into())
            }
        }
    }

    /// `ctrl-e` while the queue shows this list: the flags on screen (issue #13: export
    /// what is shown), not the queue rows under them. `name` is the file stem and audit label.
    pub fn export(&self, name: &'static str) -> crate::tui::screen::ListExport {
        let header = ["Visit", "MRN", "Document", "Document id", "Why", "Flagged"];
        crate::tui::screen::ListExport {
            name,
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: self
                .rows
                .iter()
                .map(|f| {
                    vec![
                        f.visit.clone(),
                        f.mrn.clone(),
                        f.document.clone(),
                        f.document_id.to_string(),
                        f.why.clone(),
                        f.flagged.clone(),
                    ]
                })
                .collect(),
        }
    }

    /// One line naming a flag in full (visit, document and why), above the list.
    pub fn describe(f: &FlagLine) -> String {
        format!(
            "{}: {} (#{}) {} · R clears",
            f.visit, f.document, f.document_id, f.why
        )
    }

    /// The list as a table: visit, MRN, document, why, flagged.
    pub fn render(&self, title: &str, area: Rect, buf: &mut Buffer) {
        let rows = self.rows.iter().map(|f| {
            Row::new(vec![
                f.visit.clone(),
                f.mrn.clone(),
                f.document.clone(),
                f.why.clone(),
                f.flagged.clone(),
            ])
        });
        let visit_w = self
            .rows
            .iter()
            .map(|r| r.visit.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let mrn_w = self
            .rows
            .iter()
            .map(|r| r.mrn.chars().count())
            .max()
            .unwrap_or(0)
            .max(3);
        let table = Table::new(
            rows,
            [
                Constraint::Length(visit_w as u16),
                Constraint::Length(mrn_w as u16),
                Constraint::Fill(1),
                Constraint::Length(22),
                Constraint::Length(10),
            ],
        )
        .header(Row::new(vec!["Visit", "MRN", "Document", "Why", "Flagged"]).bold())
        .row_highlight_style(Style::new().reversed())
        .block(Block::bordered().title(clip(
            &format!(" {title} ({}) · R clears · t next list ", self.rows.len()),
            area.width.saturating_sub(2) as usize,
        )));
        let mut ts =
            TableState::default().with_selected((!self.rows.is_empty()).then_some(self.selected));
        StatefulWidget::render(table, area, buf, &mut ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(id: i64, enc: i64, reason: &str) -> RereviewRow {
        RereviewRow {
            id,
            encounter_id: enc,
            visit_number: format!("V{enc}"),
            mrn: "MRN\u{1b}[2J1".into(),
            document_id: 400 + id,
            document: "Addendum".into(),
            desk: "coding".into(),
            reason: reason.into(),
            flagged_at: "2026-03-10T09:00:00".into(),
        }
    }

    #[test]
    fn flags_are_sanitised_shortened_kept_selected_and_cleared_by_id() {
        let mut l = RereviewList::default();
        l.set(vec![
            flag(1, 40, "Discharge summary 401 arrived after coding"),
            flag(2, 41, "Operative note 402 amended after coding"),
        ]);
        assert_eq!(l.rows[0].mrn, "MRN1", "sanitised on entry");
        assert_eq!(l.rows[0].why, "arrived after coding");
        assert_eq!(l.rows[1].why, "amended after coding");
        assert!(l.movement(CommandId::MoveDown));
        // Read again with a new flag first: the selection follows flag 2.
        l.set(vec![
            flag(3, 39, "by hand"),
            flag(1, 40, "Discharge summary 401 arrived after coding"),
            flag(2, 41, "Operative note 402 amended after coding"),
        ]);
        assert_eq!(l.selected_flag().map(|f| f.id), Some(2));
        assert_eq!(l.rows[0].why, "by hand");
        assert_eq!(
            RereviewList::clear(l.selected_flag()),
            Effect::Deficiency(DefAction::ClearRereview { flag_id: 2 })
        );
        assert_eq!(l.on_encounter(40).map(|f| f.id), Some(1));
        assert!(matches!(RereviewList::clear(None), Effect::Status(_)));
        assert!(
            RereviewList::describe(&l.rows[1]).contains("Addendum (#401) arrived after coding")
        );
    }
}
