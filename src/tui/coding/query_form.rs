//! The query form of the coding workbench (issue #13, COD-21): a documentation query to any
//! provider on the encounter (attending, authors, cosigners, performers, consultants,
//! orderers: [`crate::coding::query_desk::encounter_providers`]), from a facility template
//! (ACDIS/AHIMA compliant: non-leading, multiple choice with "other" and "clinically
//! undetermined") with the clinical indicators typed, or as a free-text question.
//! `tab` moves between the provider and template lists, `↑↓` pick, typing fills the
//! indicators (template) or question (free text), Enter sends, Esc closes.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use crate::text::sanitize_line;
use crate::tui::chrome::{centered, clip, edit_field, wrap};
use crate::tui::{CodingAction, Effect};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryFormState {
    pub encounter_id: i64,
    /// `(provider id, "Name (roles)")`, sanitised.
    pub providers: Vec<(i64, String)>,
    /// `(code, title)`, sanitised; the entry after the last is the free-text question.
    pub templates: Vec<(String, String)>,
    /// 0: provider list, 1: template list.
    pub focus: usize,
    pub provider: usize,
    pub template: usize,
    pub text: String,
}

impl QueryFormState {
    pub fn new(
        encounter_id: i64,
        providers: Vec<(i64, String)>,
        templates: Vec<(String, String)>,
    ) -> Self {
        QueryFormState {
            encounter_id,
            providers: providers
                .into_iter()
                .map(|(id, n)| (id, sanitize_line(&n).into_owned()))
                .collect(),
            templates: templates
                .into_iter()
                .map(|(c, t)| {
                    (
                        sanitize_line(&c).into_owned(),
                        sanitize_line(&t).into_owned(),
                    )
                })
                .collect(),
            focus: 0,
            provider: 0,
            template: 0,
            text: String::new(),
        }
    }

    /// The template picked (None: a free-text question).
    pub fn template_code(&self) -> Option<&str> {
        self.templates.get(self.template).map(|(c, _)| c.as_str())
    }
}

pub fn update(s: &mut QueryFormState, key: KeyEvent) -> Effect {
    match key.code {
        KeyCode::Esc => return Effect::CloseOverlay,
        KeyCode::Tab | KeyCode::BackTab => s.focus = 1 - s.focus.min(1),
        KeyCode::Up if s.focus == 0 => s.provider = s.provider.saturating_sub(1),
        KeyCode::Down if s.focus == 0 => {
            s.provider = (s.provider + 1).min(s.providers.len().saturating_sub(1))
        }
        KeyCode::Up => s.template = s.template.saturating_sub(1),
        KeyCode::Down => s.template = (s.template + 1).min(s.templates.len()),
        KeyCode::Enter => {
            let Some((provider_id, _)) = s.providers.get(s.provider) else {
                return Effect::Status("query: the encounter names no provider".into());
            };
            if s.text.trim().is_empty() {
                return Effect::Status(match s.template_code() {
                    Some(_) => "query: type the clinical indicators from the record".into(),
                    None => "query: type the question (COD-21 stores it)".into(),
                });
            }
            return Effect::Coding(CodingAction::QueryTo {
                encounter_id: s.encounter_id,
                provider_id: *provider_id,
                template: s.template_code().map(str::to_string),
                text: s.text.trim().to_string(),
            });
        }
        _ => {
            edit_field(&mut s.text, &key);
        }
    }
    Effect::None
}

/// At most `n` entries around the selection.
fn window(len: usize, sel: usize, n: usize) -> std::ops::Range<usize> {
    let start = sel.saturating_sub(n - 1).min(len.saturating_sub(n));
    start..(start + n).min(len)
}

impl Widget for &QueryFormState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let w = area.width.min(78);
        let inner = w.saturating_sub(2).max(10) as usize;
        let mut lines: Vec<Line> = Vec::new();
        let head = |t: &str, on: bool| {
            let l = Line::from(format!("{}{t}", if on { "▸ " } else { "  " }));
            if on { l.bold() } else { l }
        };
        lines.push(head("Provider (any on the encounter)", self.focus == 0));
        for i in window(self.providers.len(), self.provider, 4) {
            let mark = if i == self.provider { "● " } else { "  " };
            let l = Line::from(clip(&format!("  {mark}{}", self.providers[i].1), inner));
            lines.push(if i == self.provider { l.reversed() } else { l });
        }
        lines.push(head(
            "Template (ACDIS/AHIMA: options include other, clinically undetermined)",
            self.focus == 1,
        ));
        let n = self.templates.len() + 1;
        for i in window(n, self.template, 4) {
            let mark = if i == self.template { "● " } else { "  " };
            let label = match self.templates.get(i) {
                Some((c, t)) => format!("{c:<12} {t}"),
                None => "(free-text question to the provider)".into(),
            };
            let l = Line::from(clip(&format!("  {mark}{label}"), inner));
            lines.push(if i == self.template { l.reversed() } else { l });
        }
        let what = match self.template_code() {
            Some(_) => "Clinical indicators: ",
            None => "Question: ",
        };
        for l in wrap(&format!("{what}{}▏", self.text), inner) {
            lines.push(Line::from(l).bold());
        }
        lines.push(
            Line::from("tab list · ↑↓ pick · type · Enter sends (holds, COD-21) · Esc").dim(),
        );
        let r = centered(area, w, lines.len() as u16 + 2);
        Clear.render(r, buf);
        Paragraph::new(lines)
            .block(Block::bordered().title(" Documentation query (COD-21) "))
            .render(r, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::from(c)
    }

    #[test]
    fn picks_provider_and_template_then_sends_the_indicators() {
        let mut s = QueryFormState::new(
            5,
            vec![
                (1, "House (attending)".into()),
                (3, "Chase (consultant)".into()),
            ],
            vec![("HF_TYPE".into(), "Heart failure type".into())],
        );
        let _ = update(&mut s, key(KeyCode::Down));
        assert!(matches!(
            update(&mut s, key(KeyCode::Enter)),
            Effect::Status(_)
        ));
        for c in "BNP 1450".chars() {
            let _ = update(&mut s, key(KeyCode::Char(c)));
        }
        assert_eq!(
            update(&mut s, key(KeyCode::Enter)),
            Effect::Coding(CodingAction::QueryTo {
                encounter_id: 5,
                provider_id: 3,
                template: Some("HF_TYPE".into()),
                text: "BNP 1450".into()
            })
        );
        let _ = update(&mut s, key(KeyCode::Tab));
        let _ = update(&mut s, key(KeyCode::Down));
        assert_eq!(s.template_code(), None, "past the last template: free text");
        assert_eq!(update(&mut s, key(KeyCode::Esc)), Effect::CloseOverlay);
    }
}
