//! Code lookup: the reusable code picker beside a detail pane. Typing searches as you type (the
//! code sets are reference data, not PHI, so nothing here is audited); Enter on a billable code
//! shows its detail (`codes::format_detail`), Enter on a header narrows the search to it
//! (COD-02: a header is never chosen). Without loaded code sets the screen says how to load
//! them instead of failing. The picker runs on the index the runtime keeps: the screen asks for
//! it with [`Effect::Picker`] and receives the outcome as [`Msg::Picked`].

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::codes::{CodeIndex, CodePicker, PickerEffect, PickerInput};
use crate::text::sanitize;
use crate::tui::chrome::clip;
use crate::tui::codes::picker::{CodePickerView, command_input, key_input, query_has_room};
use crate::tui::{CommandId, Ctx, Effect, Msg};

/// Hits kept per query (the list scrolls to the selection).
pub const HIT_LIMIT: usize = 100;

/// Shown instead of the picker when the database holds no code sets.
pub const NO_CODE_SETS: &str = "no code sets loaded — run `chartdesk init`";

const HINT: &str = "↑↓ select · enter detail (a header narrows) · tab detail pane · esc back";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// Keys go to the query; Up/Down move the selection.
    Query,
    /// Up/Down and paging scroll the detail text.
    Detail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeLookupState {
    pub picker: CodePicker,
    pub focus: Focus,
    /// The fiscal year searched; `None` when no code sets are loaded.
    pub fiscal_year: Option<i32>,
    /// The dotted code whose detail is shown.
    pub detail_code: Option<String>,
    /// The detail text, sanitised, one entry per line.
    pub detail: Vec<String>,
    pub scroll: usize,
}

impl CodeLookupState {
    pub fn new(fiscal_year: Option<i32>) -> CodeLookupState {
        CodeLookupState {
            picker: CodePicker::new(HIT_LIMIT),
            focus: Focus::Query,
            fiscal_year,
            detail_code: None,
            detail: Vec::new(),
            scroll: 0,
        }
    }

    pub fn loaded(&self) -> bool {
        self.fiscal_year.is_some()
    }

    /// The query has the keyboard.
    pub fn typing(&self) -> bool {
        self.loaded() && self.focus == Focus::Query
    }

    pub fn has_selection(&self) -> bool {
        self.picker.current().is_some()
    }
}

/// Run one picker input on the index, then let the screen react to the outcome. Pure: the
/// index is an in-memory structure.
pub fn apply(s: &mut CodeLookupState, index: &CodeIndex, input: PickerInput, ctx: &Ctx) -> Effect {
    let outcome = s.picker.update(index, input);
    update(s, Msg::Picked(outcome), ctx)
}

pub fn update(s: &mut CodeLookupState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let Msg::Command(C::Back) = msg {
        return Effect::Back;
    }
    if !s.loaded() {
        return Effect::None;
    }
    s.picker.page = ctx.page_rows.max(1);
    let page = ctx.page_rows.max(1);
    let last_line = s.detail.len().saturating_sub(page);
    match msg {
        Msg::Command(C::SwitchFocus) => {
            s.focus = match s.focus {
                Focus::Query if !s.detail.is_empty() => Focus::Detail,
                _ => Focus::Query,
            }
        }
        Msg::Command(C::ShowCode) => return Effect::Picker(PickerInput::Enter),
        Msg::Command(id) if s.focus == Focus::Detail => match id {
            C::MoveUp => s.scroll = s.scroll.saturating_sub(1),
            C::MoveDown => s.scroll = (s.scroll + 1).min(last_line),
            C::PageUp => s.scroll = s.scroll.saturating_sub(page),
            C::PageDown => s.scroll = (s.scroll + page).min(last_line),
            C::GoTop => s.scroll = 0,
            C::GoBottom => s.scroll = last_line,
            _ => {}
        },
        Msg::Command(C::GoTop) => s.picker.selected = 0,
        Msg::Command(C::GoBottom) => s.picker.selected = s.picker.hits.len().saturating_sub(1),
        Msg::Command(id) => {
            if let Some(input) = command_input(id) {
                return Effect::Picker(input);
            }
        }
        Msg::Key(k) => match key_input(&k) {
            Some(PickerInput::Char(_)) if !query_has_room(&s.picker) => {}
            // Typing in the detail pane goes back to the query.
            Some(input @ (PickerInput::Char(_) | PickerInput::Backspace | PickerInput::Clear)) => {
                s.focus = Focus::Query;
                return Effect::Picker(input);
            }
            Some(input) if s.focus == Focus::Query => return Effect::Picker(input),
            _ => {}
        },
        Msg::Picked(PickerEffect::Chosen(hit)) => return Effect::ShowCode { code: hit.code },
        Msg::Picked(PickerEffect::NotBillable(hit)) => {
            return Effect::Status(format!(
                "{} is a header, not billable (COD-02): showing the codes under it",
                clip(&sanitize(&hit.dotted), 12)
            ));
        }
        Msg::Picked(PickerEffect::Cancelled) => return Effect::Back,
        Msg::CodeDetail { code, text } => {
            s.detail_code = Some(sanitize(&code).into_owned());
            s.detail = sanitize(&text).lines().map(str::to_string).collect();
            s.scroll = 0;
        }
        _ => {}
    }
    Effect::None
}

impl Widget for &CodeLookupState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(year) = self.fiscal_year else {
            Paragraph::new(NO_CODE_SETS)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().title(" Code lookup "))
                .render(area, buf);
            return;
        };
        // Beside the list on wide terminals, under it otherwise (titles stay readable).
        let [left, right] = if area.width >= 120 {
            Layout::horizontal([Constraint::Percentage(55), Constraint::Min(20)]).areas(area)
        } else {
            Layout::vertical([Constraint::Min(8), Constraint::Percentage(40)]).areas(area)
        };
        let title = format!(" ICD-10-CM/PCS FY{year}: code or words ");
        CodePickerView {
            picker: &self.picker,
            title: &title,
            focused: self.focus == Focus::Query,
            hint: HINT,
        }
        .render(left, buf);

        let w = right.width.saturating_sub(4) as usize;
        let title = match &self.detail_code {
            Some(c) => format!(" {} ", clip(&format!("Detail {c}"), w)),
            None => " Detail ".to_string(),
        };
        let mut block = Block::bordered().title(title);
        if self.focus == Focus::Detail {
            block = block.border_style(Style::new().bold());
        }
        let lines: Vec<Line> = if self.detail.is_empty() {
            vec![Line::from("Enter on a billable code shows its detail here.").italic()]
        } else {
            self.detail
                .iter()
                .skip(self.scroll)
                .map(|l| Line::from(l.as_str()))
                .collect()
        };
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(right, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{CodeHit, CodeSystem, MatchKind};
    use crossterm::event::{KeyCode, KeyEvent};

    fn ctx() -> Ctx {
        Ctx {
            page_rows: 3,
            ..Ctx::default()
        }
    }

    fn hit(code: &str, billable: bool) -> CodeHit {
        CodeHit {
            system: CodeSystem::Icd10Cm,
            code: code.replace('.', ""),
            dotted: code.into(),
            billable,
            title: "t".into(),
            matched: MatchKind::CodePrefix,
        }
    }

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::from(c))
    }

    #[test]
    fn typing_and_moving_go_to_the_picker() {
        let mut s = CodeLookupState::new(Some(2026));
        assert!(s.typing());
        assert_eq!(
            update(&mut s, key(KeyCode::Char('e')), &ctx()),
            Effect::Picker(PickerInput::Char('e'))
        );
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::MoveDown), &ctx()),
            Effect::Picker(PickerInput::Down)
        );
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::ShowCode), &ctx()),
            Effect::Picker(PickerInput::Enter)
        );
        assert_eq!(s.picker.page, 3, "paging follows the visible rows");
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &ctx()),
            Effect::Back
        );
    }

    #[test]
    fn chosen_code_asks_for_its_detail_and_a_header_explains() {
        let mut s = CodeLookupState::new(Some(2026));
        assert_eq!(
            update(
                &mut s,
                Msg::Picked(PickerEffect::Chosen(hit("E11.65", true))),
                &ctx()
            ),
            Effect::ShowCode {
                code: "E1165".into()
            }
        );
        let e = update(
            &mut s,
            Msg::Picked(PickerEffect::NotBillable(hit("E11.6", false))),
            &ctx(),
        );
        assert!(
            matches!(&e, Effect::Status(m) if m.starts_with("E11.6 is a header")),
            "{e:?}"
        );
        assert_eq!(
            update(&mut s, Msg::Picked(PickerEffect::None), &ctx()),
            Effect::None
        );
    }

    #[test]
    fn detail_is_sanitised_and_scrolls_in_its_pane() {
        let mut s = CodeLookupState::new(Some(2026));
        let _ = update(
            &mut s,
            Msg::CodeDetail {
                code: "E11.65".into(),
                text: (0..8).map(|i| format!("line {i}\u{1b}[2J\n")).collect(),
            },
            &ctx(),
        );
        assert_eq!(s.detail[0], "line 0");
        let _ = update(&mut s, Msg::Command(CommandId::SwitchFocus), &ctx());
        assert_eq!(s.focus, Focus::Detail);
        assert!(!s.typing());
        let _ = update(&mut s, Msg::Command(CommandId::GoBottom), &ctx());
        assert_eq!(s.scroll, 5);
        let _ = update(&mut s, Msg::Command(CommandId::MoveUp), &ctx());
        assert_eq!(s.scroll, 4);
        // Typing returns to the query.
        assert_eq!(
            update(&mut s, key(KeyCode::Char('x')), &ctx()),
            Effect::Picker(PickerInput::Char('x'))
        );
        assert_eq!(s.focus, Focus::Query);
    }

    #[test]
    fn without_code_sets_nothing_is_searched() {
        let mut s = CodeLookupState::new(None);
        assert!(!s.typing());
        assert_eq!(
            update(&mut s, key(KeyCode::Char('e')), &ctx()),
            Effect::None
        );
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &ctx()),
            Effect::Back
        );
    }
}
