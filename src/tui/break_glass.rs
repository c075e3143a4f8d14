//! The break-the-glass prompt (issue #13): before a document labelled sensitive (Part 2,
//! psychotherapy, HIV, …) is shown in any reader — chart viewer, technician's work screen,
//! coding workbench — the user picks a purpose of use ([`crate::break_glass::PURPOSES`]) and
//! types a reason. Enter opens it through [`crate::break_glass::read_sensitive`] (audited
//! with the purpose and reason, recorded for the privacy report); Esc shows nothing.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::Effect;
use super::chrome::{centered, clip, edit_field, wrap};
use crate::break_glass::{MIN_REASON, PURPOSES};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakGlassState {
    pub doc_id: i64,
    /// The document's sensitivity labels (sanitised).
    pub labels: Vec<String>,
    /// Index into [`PURPOSES`].
    pub purpose: usize,
    pub reason: String,
}

impl BreakGlassState {
    pub fn new(doc_id: i64, labels: Vec<String>) -> BreakGlassState {
        BreakGlassState {
            doc_id,
            labels: labels
                .iter()
                .map(|l| crate::text::sanitize_line(l).into_owned())
                .collect(),
            purpose: 0,
            reason: String::new(),
        }
    }
}

/// Keys of the prompt: ↑↓ pick the purpose, typing edits the reason, Enter opens, Esc
/// closes (nothing shown).
pub fn update(s: &mut BreakGlassState, key: KeyEvent) -> Effect {
    match key.code {
        KeyCode::Esc => Effect::CloseOverlay,
        KeyCode::Up => {
            s.purpose = s.purpose.saturating_sub(1);
            Effect::None
        }
        KeyCode::Down => {
            s.purpose = (s.purpose + 1).min(PURPOSES.len().saturating_sub(1));
            Effect::None
        }
        KeyCode::Enter => {
            if s.reason.trim().chars().count() < MIN_REASON {
                return Effect::Status(format!(
                    "A reason of at least {MIN_REASON} characters is required to break the glass"
                ));
            }
            Effect::ReadSensitive {
                doc_id: s.doc_id,
                purpose: PURPOSES[s.purpose.min(PURPOSES.len() - 1)].0.to_string(),
                reason: s.reason.trim().to_string(),
            }
        }
        _ => {
            edit_field(&mut s.reason, &key);
            Effect::None
        }
    }
}

impl Widget for &BreakGlassState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let w = area.width.min(78);
        let inner = w.saturating_sub(2).max(10) as usize;
        let mut lines: Vec<Line> = wrap(
            &format!(
                "Document {} is labelled {}. Give a purpose of use and a reason to open it \
                 (audited and listed on the privacy report).",
                self.doc_id,
                self.labels.join(", ")
            ),
            inner,
        )
        .into_iter()
        .map(Line::from)
        .collect();
        for (i, (code, what)) in PURPOSES.iter().enumerate() {
            let mark = if i == self.purpose { "▶ " } else { "  " };
            // The code in its own column; the description wraps beside it.
            for (j, l) in wrap(what, inner.saturating_sub(11)).into_iter().enumerate() {
                let l = if j == 0 {
                    Line::from(format!("{mark}{code:<8} {l}"))
                } else {
                    Line::from(format!("{:11}{l}", ""))
                };
                lines.push(if i == self.purpose { l.reversed() } else { l });
            }
        }
        let room = inner.saturating_sub(9);
        let shown: String = {
            let n = self.reason.chars().count();
            self.reason.chars().skip(n.saturating_sub(room)).collect()
        };
        lines.push(Line::from(format!("Reason: {}▏", clip(&shown, room))).bold());
        lines.push(
            Line::from("↑↓ purpose · type the reason · Enter opens · Esc shows nothing").dim(),
        );
        let r = centered(area, w, lines.len() as u16 + 2);
        Clear.render(r, buf);
        Paragraph::new(lines)
            .block(Block::bordered().title(" Break the glass: sensitive document "))
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
    fn enter_needs_a_reason_then_opens_with_the_picked_purpose() {
        let mut s = BreakGlassState::new(7, vec!["PART2".into()]);
        let _ = update(&mut s, key(KeyCode::Down));
        let _ = update(&mut s, key(KeyCode::Down));
        assert!(matches!(
            update(&mut s, key(KeyCode::Enter)),
            Effect::Status(_)
        ));
        for c in "coding this stay".chars() {
            let _ = update(&mut s, key(KeyCode::Char(c)));
        }
        assert_eq!(
            update(&mut s, key(KeyCode::Enter)),
            Effect::ReadSensitive {
                doc_id: 7,
                purpose: PURPOSES[2].0.into(),
                reason: "coding this stay".into()
            }
        );
        assert_eq!(update(&mut s, key(KeyCode::Esc)), Effect::CloseOverlay);
    }
}
