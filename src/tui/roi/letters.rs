//! Letters on one release request (issue #12): the letters sent (kind, recipient, when, by
//! whom, PDF SHA-256) and every facility template filled for this request, previewed in the
//! one reader widget. `j`/`k` pick the template, `S` sends the one shown (stored with its
//! PDF hash, audited as a print, [`crate::letters::send`]). Text is sanitised by the reader
//! and when it enters the state.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::text::sanitize_line;
use crate::tui::reader::Reader;
use crate::tui::{CommandId, Ctx, Effect, Msg, RoiAction};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LettersState {
    pub request_id: i64,
    pub label: String,
    /// The letters sent, one line each.
    pub sent: Vec<String>,
    /// (kind, reader over the filled letter, or the reason it cannot be filled).
    pub previews: Vec<(String, Reader)>,
    pub selected: usize,
}

impl LettersState {
    pub fn new(
        request_id: i64,
        label: String,
        sent: Vec<crate::letters::Letter>,
        previews: Vec<(String, String, String)>,
    ) -> LettersState {
        let sent = sent
            .iter()
            .map(|l| {
                sanitize_line(&format!(
                    "{} · {} · to {} · by {} · sha256 {}",
                    l.sent_at.get(..10).unwrap_or(&l.sent_at),
                    l.kind,
                    l.recipient,
                    l.sent_by,
                    l.pdf_sha256.get(..8).unwrap_or(&l.pdf_sha256)
                ))
                .into_owned()
            })
            .collect();
        let previews = previews
            .into_iter()
            .map(|(kind, heading, text)| {
                let r = Reader::from_text(0, sanitize_line(&heading).into_owned(), &text);
                (sanitize_line(&kind).into_owned(), r)
            })
            .collect();
        LettersState {
            request_id,
            label,
            sent,
            previews,
            selected: 0,
        }
    }
}

pub fn update(s: &mut LettersState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    let last = s.previews.len().saturating_sub(1);
    match msg {
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(c @ (C::PageUp | C::PageDown | C::GoTop | C::GoBottom)) => {
            if let Some((_, r)) = s.previews.get_mut(s.selected) {
                r.scroll(c);
            }
        }
        Msg::Command(C::SendLetter) => {
            if let Some((kind, _)) = s.previews.get(s.selected) {
                return Effect::Roi(RoiAction::SendLetter {
                    id: s.request_id,
                    kind: kind.clone(),
                });
            }
        }
        Msg::Command(C::Back) => return Effect::Roi(RoiAction::Open { id: s.request_id }),
        _ => {}
    }
    Effect::None
}

impl Widget for &LettersState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let sent_h = (self.sent.len() as u16 * 2).clamp(1, 6) + 2;
        let [top, bottom] =
            Layout::vertical([Constraint::Length(sent_h), Constraint::Fill(1)]).areas(area);
        let sent = if self.sent.is_empty() {
            "No letters sent yet.".to_string()
        } else {
            self.sent.join("\n")
        };
        Paragraph::new(sent)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(Block::bordered().title(format!(
                " {} · letters sent: {} ",
                self.label,
                self.sent.len()
            )))
            .render(top, buf);
        match self.previews.get(self.selected) {
            Some((_, r)) => r.render_in(bottom, buf, true),
            None => Paragraph::new("No letter templates.")
                .block(Block::bordered())
                .render(bottom, buf),
        }
    }
}
