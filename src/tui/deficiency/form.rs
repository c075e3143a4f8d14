//! The small modal forms of the deficiency screens: a picker (type-to-filter list) and an
//! optional one-line text field with a minimum length. While a form is open every key goes to
//! it (`Ctx::modal`); Enter submits only when the form is valid, so no core call is made with
//! a reason the core would refuse.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Clear, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::tui::chrome::{centered, clip, edit_field};

/// A list of `(code, label)` items filtered by typed text (code or label, case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub items: Vec<(String, String)>,
    pub filter: String,
    /// Index into [`Picker::matches`].
    pub selected: usize,
}

impl Picker {
    pub fn new(items: Vec<(String, String)>) -> Picker {
        Picker {
            items,
            filter: String::new(),
            selected: 0,
        }
    }

    /// Pre-select the item with this code, if listed.
    pub fn preselect(mut self, code: &str) -> Picker {
        if let Some(i) = self.items.iter().position(|(c, _)| c == code) {
            self.selected = i;
        }
        self
    }

    pub fn matches(&self) -> Vec<&(String, String)> {
        let f = self.filter.to_lowercase();
        self.items
            .iter()
            .filter(|(c, l)| c.to_lowercase().contains(&f) || l.to_lowercase().contains(&f))
            .collect()
    }

    pub fn chosen(&self) -> Option<&(String, String)> {
        self.matches().get(self.selected).copied()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormFocus {
    Picker,
    Text,
}

/// A picker and/or a text field, with the rule the user must satisfy shown above them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub title: String,
    /// The rule in force, shown to the user (e.g. DEF-03).
    pub rule: String,
    pub picker: Option<Picker>,
    /// When the picker has no match, the typed filter may stand for a number (provider id).
    pub typed_number_ok: bool,
    pub text_label: &'static str,
    pub text: Option<String>,
    pub min_chars: usize,
    pub focus: FormFocus,
    pub error: Option<String>,
}

/// What a key did to a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormOutcome {
    Pending,
    Cancel,
    /// The picked code (or the typed number) and the trimmed text.
    Submit {
        code: Option<String>,
        text: String,
    },
}

impl Form {
    pub fn picker(title: impl Into<String>, rule: impl Into<String>, picker: Picker) -> Form {
        Form {
            title: title.into(),
            rule: rule.into(),
            picker: Some(picker),
            typed_number_ok: false,
            text_label: "",
            text: None,
            min_chars: 0,
            focus: FormFocus::Picker,
            error: None,
        }
    }

    pub fn with_text(mut self, label: &'static str, min_chars: usize) -> Form {
        self.text_label = label;
        self.text = Some(String::new());
        self.min_chars = min_chars;
        if self.picker.is_none() {
            self.focus = FormFocus::Text;
        }
        self
    }

    pub fn text_only(title: impl Into<String>, rule: impl Into<String>) -> Form {
        Form {
            picker: None,
            focus: FormFocus::Text,
            ..Form::picker(title, rule, Picker::new(Vec::new()))
        }
    }

    fn code(&self) -> Result<Option<String>, String> {
        let Some(p) = &self.picker else {
            return Ok(None);
        };
        if let Some((c, _)) = p.chosen() {
            return Ok(Some(c.clone()));
        }
        let typed = p.filter.trim();
        if self.typed_number_ok && !typed.is_empty() && typed.parse::<i64>().is_ok() {
            return Ok(Some(typed.to_string()));
        }
        Err("nothing matches the typed text; pick an item from the list".into())
    }

    fn validate(&self) -> Result<FormOutcome, String> {
        let code = self.code()?;
        let text = self.text.as_deref().unwrap_or("").trim().to_string();
        let n = text.chars().count();
        if self.text.is_some() && n < self.min_chars.max(1) {
            return Err(format!(
                "{} needs at least {} characters ({n} typed)",
                self.text_label,
                self.min_chars.max(1)
            ));
        }
        Ok(FormOutcome::Submit { code, text })
    }
}

pub fn form_key(f: &mut Form, key: &KeyEvent) -> FormOutcome {
    let both = f.picker.is_some() && f.text.is_some();
    match key.code {
        KeyCode::Esc => return FormOutcome::Cancel,
        KeyCode::Enter => match f.validate() {
            Ok(out) => return out,
            Err(e) => f.error = Some(e),
        },
        KeyCode::Tab | KeyCode::BackTab if both => {
            f.focus = match f.focus {
                FormFocus::Picker => FormFocus::Text,
                FormFocus::Text => FormFocus::Picker,
            }
        }
        KeyCode::Up | KeyCode::Down if f.focus == FormFocus::Picker => {
            if let Some(p) = &mut f.picker {
                let n = p.matches().len();
                p.selected = if key.code == KeyCode::Up {
                    p.selected.saturating_sub(1)
                } else {
                    (p.selected + 1).min(n.saturating_sub(1))
                };
            }
        }
        _ => {
            let changed = match (f.focus, &mut f.picker, &mut f.text) {
                (FormFocus::Picker, Some(p), _) => {
                    let c = edit_field(&mut p.filter, key);
                    if c {
                        p.selected = 0;
                    }
                    c
                }
                (FormFocus::Text, _, Some(t)) => edit_field(t, key),
                _ => false,
            };
            if changed {
                f.error = None;
            }
        }
    }
    FormOutcome::Pending
}

impl Widget for &Form {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let list_h = self
            .picker
            .as_ref()
            .map(|p| p.items.len().clamp(3, 12) as u16 + 1)
            .unwrap_or(0);
        let text_h = if self.text.is_some() { 1 } else { 0 };
        let r = centered(area, 76, list_h + text_h + 6);
        Clear.render(r, buf);
        let block =
            Block::bordered().title(format!(" {} (Enter accepts, Esc cancels) ", self.title));
        let inner = block.inner(r);
        block.render(r, buf);
        let [rule, list, text, err] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(0),
            Constraint::Length(text_h),
            Constraint::Length(1),
        ])
        .areas(inner);
        Paragraph::new(self.rule.as_str())
            .wrap(Wrap { trim: true })
            .dim()
            .render(rule, buf);
        let w = inner.width as usize;
        let focused = |f: FormFocus| {
            if self.focus == f {
                Style::new().bold()
            } else {
                Style::new()
            }
        };
        if let Some(p) = &self.picker {
            let [filter, rows] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(list);
            let cursor = if self.focus == FormFocus::Picker {
                "▏"
            } else {
                ""
            };
            Line::from(clip(&format!("Find: {}{cursor}", p.filter), w))
                .style(focused(FormFocus::Picker))
                .render(filter, buf);
            let matches = p.matches();
            let mut ts =
                TableState::default().with_selected((!matches.is_empty()).then_some(p.selected));
            let table = Table::new(
                matches
                    .iter()
                    .map(|(c, l)| Row::new(vec![c.clone(), l.clone()])),
                [Constraint::Length(24), Constraint::Min(10)],
            )
            .row_highlight_style(Style::new().reversed());
            StatefulWidget::render(table, rows, buf, &mut ts);
        }
        if let Some(t) = &self.text {
            let cursor = if self.focus == FormFocus::Text {
                "▏"
            } else {
                ""
            };
            let label = self.text_label;
            Line::from(clip(&format!("{label}: {t}{cursor}"), w))
                .style(focused(FormFocus::Text))
                .render(text, buf);
        }
        if let Some(e) = &self.error {
            Line::from(clip(e, w)).bold().render(err, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::from(c)
    }

    fn items() -> Vec<(String, String)> {
        vec![
            ("MISS_DS".into(), "Missing discharge summary".into()),
            ("UNSIGNED".into(), "Unsigned document".into()),
        ]
    }

    #[test]
    fn picker_filters_and_enter_picks() {
        let mut f = Form::picker("Add", "", Picker::new(items()));
        for c in "unsig".chars() {
            form_key(&mut f, &key(KeyCode::Char(c)));
        }
        assert_eq!(
            form_key(&mut f, &key(KeyCode::Enter)),
            FormOutcome::Submit {
                code: Some("UNSIGNED".into()),
                text: String::new()
            }
        );
        let mut f = Form::picker("Add", "", Picker::new(items()));
        form_key(&mut f, &key(KeyCode::Down));
        form_key(&mut f, &key(KeyCode::Down));
        assert_eq!(
            f.picker.as_ref().map(|p| p.selected),
            Some(1),
            "stops at the end"
        );
        assert_eq!(form_key(&mut f, &key(KeyCode::Esc)), FormOutcome::Cancel);
    }

    #[test]
    fn short_reason_is_refused_before_any_effect() {
        let mut f = Form::text_only("Void", "DEF-03").with_text("Reason", 10);
        for c in "too short".chars() {
            form_key(&mut f, &key(KeyCode::Char(c)));
        }
        assert_eq!(form_key(&mut f, &key(KeyCode::Enter)), FormOutcome::Pending);
        assert_eq!(
            f.error.as_deref(),
            Some("Reason needs at least 10 characters (9 typed)")
        );
        form_key(&mut f, &key(KeyCode::Char('!')));
        assert_eq!(f.error, None, "typing clears the error");
        assert_eq!(
            form_key(&mut f, &key(KeyCode::Enter)),
            FormOutcome::Submit {
                code: None,
                text: "too short!".into()
            }
        );
    }

    #[test]
    fn typed_number_stands_for_an_unlisted_item_only_when_allowed() {
        let mut f = Form::picker("Reassign", "", Picker::new(items())).with_text("Reason", 1);
        f.typed_number_ok = true;
        for c in "42".chars() {
            form_key(&mut f, &key(KeyCode::Char(c)));
        }
        form_key(&mut f, &key(KeyCode::Tab));
        form_key(&mut f, &key(KeyCode::Char('x')));
        assert_eq!(
            form_key(&mut f, &key(KeyCode::Enter)),
            FormOutcome::Submit {
                code: Some("42".into()),
                text: "x".into()
            }
        );
        f.typed_number_ok = false;
        assert_eq!(form_key(&mut f, &key(KeyCode::Enter)), FormOutcome::Pending);
    }
}
