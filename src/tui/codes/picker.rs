//! The code picker as a widget: draws a [`CodePicker`] (query line with cursor, hit list with
//! system, dotted code, billable/header marker and title, the selected row highlighted, and a
//! one-line hint) and maps terminal keys to toolkit-neutral [`PickerInput`]s. Any screen that
//! needs a code (the lookup now, a coding screen later) embeds it: keys through [`key_input`]
//! (or resolved commands through [`command_input`]), then `CodePicker::update` with the index.
//! Hit titles come from the database and are sanitised as they are drawn.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use crate::codes::{CodeHit, CodePicker, CodeSystem, PickerInput};
use crate::text::sanitize_line;
use crate::tui::CommandId;
use crate::tui::chrome::{FIELD_MAX, clip};

/// The picker input for a key no command claimed, if it is one. Printable characters (without
/// Ctrl or Alt) are typed; Ctrl-U clears the query; control characters are never typed.
pub fn key_input(key: &KeyEvent) -> Option<PickerInput> {
    let chord = key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    Some(match key.code {
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => PickerInput::Clear,
        KeyCode::Char(c) if !chord && !c.is_control() => PickerInput::Char(c),
        KeyCode::Backspace => PickerInput::Backspace,
        KeyCode::Up => PickerInput::Up,
        KeyCode::Down => PickerInput::Down,
        KeyCode::PageUp => PickerInput::PageUp,
        KeyCode::PageDown => PickerInput::PageDown,
        KeyCode::Enter => PickerInput::Enter,
        KeyCode::Esc => PickerInput::Escape,
        _ => return None,
    })
}

/// The picker input for a command the keymap resolved on a screen embedding the picker.
pub fn command_input(id: CommandId) -> Option<PickerInput> {
    Some(match id {
        CommandId::MoveUp => PickerInput::Up,
        CommandId::MoveDown => PickerInput::Down,
        CommandId::PageUp => PickerInput::PageUp,
        CommandId::PageDown => PickerInput::PageDown,
        CommandId::ShowCode => PickerInput::Enter,
        CommandId::Back => PickerInput::Escape,
        _ => return None,
    })
}

/// Whether another character may be typed (one-line fields share [`FIELD_MAX`]).
pub fn query_has_room(p: &CodePicker) -> bool {
    p.query.chars().count() < FIELD_MAX
}

/// The short system label of the hit list.
pub fn system_short(s: CodeSystem) -> &'static str {
    match s {
        CodeSystem::Icd10Cm => "CM",
        CodeSystem::Icd10Pcs => "PCS",
        CodeSystem::Mce => "MCE",
    }
}

/// The billable/header marker of the hit list (a header is never chosen, COD-02).
pub fn billable_mark(h: &CodeHit) -> &'static str {
    if h.billable { "bill" } else { "header" }
}

/// Draws a picker. `focused`: the query has the cursor. `hint`: the line under the list.
pub struct CodePickerView<'a> {
    pub picker: &'a CodePicker,
    pub title: &'a str,
    pub focused: bool,
    pub hint: &'a str,
}

impl Widget for &CodePickerView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [input, list, hint] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        let cursor = if self.focused { "▏" } else { "" };
        let w = input.width.saturating_sub(3) as usize;
        let query = sanitize_line(&self.picker.query);
        let mut p = Paragraph::new(format!("{}{cursor}", clip(&query, w))).block(
            Block::bordered().title(clip(self.title, input.width.saturating_sub(2) as usize)),
        );
        if self.focused {
            p = p.style(Style::new().bold());
        }
        p.render(input, buf);

        let n = self.picker.hits.len();
        let title = if let Some(h) = &self.picker.drilled {
            format!(
                " {n} billable code{} under {} ",
                if n == 1 { "" } else { "s" },
                clip(&sanitize_line(&h.dotted), 10)
            )
        } else if self.picker.query.trim().is_empty() {
            " Codes ".to_string()
        } else if n >= self.picker.limit {
            format!(" first {n} codes ")
        } else {
            format!(" {n} code{} ", if n == 1 { "" } else { "s" })
        };
        let rows = self.picker.hits.iter().map(|h| {
            Row::new(vec![
                system_short(h.system).to_string(),
                sanitize_line(&h.dotted).into_owned(),
                billable_mark(h).to_string(),
                sanitize_line(&h.title).into_owned(),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(3),
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Min(10),
            ],
        )
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("> ")
        .block(Block::bordered().title(title));
        let mut ts = TableState::default().with_selected((n > 0).then_some(self.picker.selected));
        StatefulWidget::render(table, list, buf, &mut ts);

        Line::from(clip(self.hint, hint.width as usize))
            .style(Style::new().italic())
            .render(hint, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::MatchKind;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn keys_map_to_picker_inputs() {
        let k = |c| key_input(&KeyEvent::from(c));
        assert_eq!(k(KeyCode::Char('e')), Some(PickerInput::Char('e')));
        assert_eq!(k(KeyCode::Char('.')), Some(PickerInput::Char('.')));
        assert_eq!(k(KeyCode::Backspace), Some(PickerInput::Backspace));
        assert_eq!(k(KeyCode::Up), Some(PickerInput::Up));
        assert_eq!(k(KeyCode::Down), Some(PickerInput::Down));
        assert_eq!(k(KeyCode::PageDown), Some(PickerInput::PageDown));
        assert_eq!(k(KeyCode::Enter), Some(PickerInput::Enter));
        assert_eq!(k(KeyCode::Esc), Some(PickerInput::Escape));
        assert_eq!(k(KeyCode::Char('\u{1b}')), None, "control characters");
        assert_eq!(k(KeyCode::F(5)), None);
        let ctrl = |c| key_input(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        assert_eq!(ctrl('u'), Some(PickerInput::Clear));
        assert_eq!(ctrl('x'), None, "chords are never typed");
    }

    #[test]
    fn commands_map_to_picker_inputs() {
        assert_eq!(command_input(CommandId::ShowCode), Some(PickerInput::Enter));
        assert_eq!(command_input(CommandId::MoveUp), Some(PickerInput::Up));
        assert_eq!(command_input(CommandId::Back), Some(PickerInput::Escape));
        assert_eq!(command_input(CommandId::Quit), None);
    }

    #[test]
    fn hits_are_drawn_with_marker_and_sanitised_title() {
        let mut p = CodePicker::new(10);
        p.query = "e11".into();
        p.hits = vec![
            CodeHit {
                system: CodeSystem::Icd10Cm,
                code: "E11".into(),
                dotted: "E11".into(),
                billable: false,
                title: "Type 2 diabetes mellitus".into(),
                matched: MatchKind::CodePrefix,
            },
            CodeHit {
                system: CodeSystem::Icd10Cm,
                code: "E119".into(),
                dotted: "E11.9".into(),
                billable: true,
                title: "Evil\u{1b}[2J title".into(),
                matched: MatchKind::CodePrefix,
            },
        ];
        p.selected = 1;
        let view = CodePickerView {
            picker: &p,
            title: " Code ",
            focused: true,
            hint: "enter: detail",
        };
        let mut t = Terminal::new(TestBackend::new(44, 8)).expect("terminal");
        t.draw(|f| f.render_widget(&view, f.area())).expect("draw");
        let buf = t.backend().buffer();
        let rows: Vec<String> = (0..buf.area.height)
            .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
            .collect();
        assert_eq!(
            rows,
            [
                "┌ Code ────────────────────────────────────┐",
                "│e11▏                                      │",
                "└──────────────────────────────────────────┘",
                "┌ 2 codes ─────────────────────────────────┐",
                "│  CM  E11      header Type 2 diabetes mell│",
                "│> CM  E11.9    bill   Evil title          │",
                "└──────────────────────────────────────────┘",
                "enter: detail                               ",
            ]
        );
    }
}
