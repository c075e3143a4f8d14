//! The one document reader, used by the chart viewer, the technician's work screen and the
//! coding workbench. It wraps every line at the pane's width (nothing is cut with `…`),
//! scrolls to the last line, shows the position (`line 120/184`), finds text (case-insensitive,
//! `/` then `f3` for the next match) and leaves moving to the next document to its screen
//! (`]` / `[`, which ask for the document through the audited read).
//!
//! The text is sanitised when the reader is built. Scrolling counts wrapped rows; the pane's
//! size is recorded at each draw (a `Cell`, read by the next key), so the last line is always
//! reachable whatever the terminal size.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget};

use super::chrome::clip;
use super::{CommandId, Effect};
use crate::text::sanitize;

/// One open document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    pub doc_id: i64,
    /// Title · author · date · status (· SENSITIVE label), one line.
    pub heading: String,
    pub lines: Vec<String>,
    /// The first wrapped row shown.
    pub top: usize,
    /// The find text ("" when none); matches are shown highlighted.
    pub find: String,
    /// The find prompt, while it is typed.
    pub prompt: Option<String>,
    /// Inner width and height of the pane at the last draw.
    view: Cell<(u16, u16)>,
}

/// Wrap one line at `width` characters: at the last space that fits, else hard.
fn wrap_line(line: &str, width: usize, out: &mut Vec<String>) {
    let width = width.max(1);
    let chars: Vec<char> = line.trim_end().chars().collect();
    if chars.is_empty() {
        out.push(String::new());
        return;
    }
    let mut start = 0;
    while start < chars.len() {
        if chars.len() - start <= width {
            out.push(chars[start..].iter().collect());
            break;
        }
        let end = start + width;
        // The last space that fits (a space right after the row counts too).
        let space = (start + 1..=end).rev().find(|&i| chars[i] == ' ');
        let cut = space.unwrap_or(end);
        out.push(chars[start..cut].iter().collect());
        start = cut;
        if space.is_some() {
            while start < chars.len() && chars[start] == ' ' {
                start += 1;
            }
        }
    }
}

impl Reader {
    /// A reader over `body` (sanitised here).
    pub fn from_text(doc_id: i64, heading: String, body: &str) -> Reader {
        Reader {
            doc_id,
            heading,
            lines: sanitize(body).lines().map(str::to_string).collect(),
            top: 0,
            find: String::new(),
            prompt: None,
            view: Cell::new((76, 18)),
        }
    }

    /// Wrapped rows at `width`: (source line index, text).
    pub fn rows(&self, width: usize) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            buf.clear();
            wrap_line(l, width, &mut buf);
            out.extend(buf.drain(..).map(|r| (i, r)));
        }
        out
    }

    fn last_top(&self) -> usize {
        let (w, h) = self.view.get();
        self.rows(w as usize)
            .len()
            .saturating_sub(h.max(1) as usize)
    }

    /// The position shown: the source line of the last row on screen, of all lines.
    pub fn position(&self) -> (usize, usize) {
        let (w, h) = self.view.get();
        let rows = self.rows(w as usize);
        let top = self.top.min(rows.len().saturating_sub(h.max(1) as usize));
        let bottom = (top + h.max(1) as usize).min(rows.len());
        let line = rows.get(bottom.saturating_sub(1)).map_or(0, |(i, _)| i + 1);
        (line, self.lines.len())
    }

    /// The first whitespace-separated word on screen (from the top row) that `pick` accepts,
    /// trimmed of punctuation: how a letter's visit number is chosen to open its chart.
    pub fn visible_token(&self, pick: impl Fn(&str) -> bool) -> Option<String> {
        let (w, h) = self.view.get();
        let rows = self.rows(w as usize);
        let top = self.top.min(rows.len().saturating_sub(h.max(1) as usize));
        rows.iter()
            .skip(top)
            .take(h.max(1) as usize)
            .flat_map(|(_, r)| r.split_whitespace())
            .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
            .find(|t| pick(t))
            .map(str::to_string)
    }

    /// The last line is on screen.
    pub fn at_end(&self) -> bool {
        self.top >= self.last_top()
    }

    /// Scroll by a command; false when the command is not a scroll.
    pub fn scroll(&mut self, cmd: CommandId) -> bool {
        let page = (self.view.get().1 as usize).saturating_sub(1).max(1);
        let last = self.last_top();
        self.top = match cmd {
            CommandId::MoveUp => self.top.saturating_sub(1),
            CommandId::MoveDown => (self.top + 1).min(last),
            CommandId::PageUp => self.top.saturating_sub(page),
            CommandId::PageDown => (self.top + page).min(last),
            CommandId::GoTop => 0,
            CommandId::GoBottom => last,
            _ => return false,
        };
        true
    }

    /// Source lines containing the find text (case-insensitive).
    pub fn matches(&self) -> Vec<usize> {
        if self.find.is_empty() {
            return Vec::new();
        }
        let needle = self.find.to_lowercase();
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
    }

    /// The source line at the top of the pane.
    fn top_line(&self) -> Option<usize> {
        let (w, _) = self.view.get();
        self.rows(w as usize).get(self.top).map(|(i, _)| *i)
    }

    /// Show the next match after the top line (from the start when `from_start`), wrapping
    /// round; the status says which match of how many.
    pub fn find_next(&mut self, from_start: bool) -> Effect {
        let m = self.matches();
        if self.find.is_empty() {
            return Effect::Status("find: type / and the text to find".into());
        }
        let after = if from_start { None } else { self.top_line() };
        let next = m
            .iter()
            .copied()
            .find(|&i| after.is_none_or(|a| i > a))
            .or_else(|| m.first().copied());
        match next {
            Some(i) => {
                let (w, _) = self.view.get();
                let row = self
                    .rows(w as usize)
                    .iter()
                    .position(|(l, _)| *l == i)
                    .unwrap_or(0);
                self.top = row.min(self.last_top());
                Effect::Status(format!(
                    "match {} of {} (line {})",
                    m.iter().position(|&x| x == i).unwrap_or(0) + 1,
                    m.len(),
                    i + 1
                ))
            }
            None => Effect::Status(format!("no match for {:?}", self.find)),
        }
    }

    /// Open the find prompt (with the last find text).
    pub fn start_find(&mut self) {
        self.prompt = Some(self.find.clone());
    }

    /// A key for the open find prompt: Enter finds, Esc closes, others edit.
    pub fn prompt_key(&mut self, key: &crossterm::event::KeyEvent) -> Effect {
        use crossterm::event::KeyCode;
        let Some(p) = &mut self.prompt else {
            return Effect::None;
        };
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Enter => {
                self.find = p.trim().to_string();
                self.prompt = None;
                return self.find_next(true);
            }
            KeyCode::Backspace => {
                p.pop();
            }
            KeyCode::Char(c) if p.chars().count() < 80 && !c.is_control() => p.push(c),
            _ => {}
        }
        Effect::None
    }

    /// Draw into `area` inside a bordered block (`focused` draws its border highlighted).
    pub fn render_in(&self, area: Rect, buf: &mut Buffer, focused: bool) {
        let inner_w = area.width.saturating_sub(2);
        let inner_h = area.height.saturating_sub(2);
        self.view.set((inner_w.max(1), inner_h.max(1)));
        let rows = self.rows(inner_w.max(1) as usize);
        let top = self.top.min(rows.len().saturating_sub(inner_h as usize));
        let matches = self.matches();
        let lines: Vec<Line> = rows
            .iter()
            .skip(top)
            .take(inner_h as usize)
            .map(|(i, r)| {
                let l = Line::from(r.clone());
                if matches.contains(i) {
                    l.style(Style::new().fg(Color::Yellow).bold())
                } else {
                    l
                }
            })
            .collect();
        let (line, total) = self.position();
        let more = if top + (inner_h as usize) < rows.len() {
            " ↓ more"
        } else {
            " end"
        };
        let find = match (&self.prompt, self.find.is_empty()) {
            (Some(p), _) => format!(" find: {p}_ "),
            (None, false) => format!(" find {:?} (f3 next) ", self.find),
            (None, true) => String::new(),
        };
        let pos = format!(" line {line}/{total}{more} ");
        let room = (area.width as usize).saturating_sub(4);
        let mut block = Block::bordered()
            .title(format!(" {} ", clip(&self.heading, room.max(8))))
            .title_bottom(Line::from(pos).right_aligned());
        if !find.is_empty() {
            block = block.title_bottom(Line::from(find).left_aligned());
        }
        if focused {
            block = block.border_style(Style::new().cyan());
        }
        Paragraph::new(lines).block(block).render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(body: &str) -> Reader {
        Reader::from_text(1, "Discharge summary".into(), body)
    }

    #[test]
    fn long_lines_wrap_at_a_space_and_nothing_is_cut() {
        let long = "PRINCIPAL DISCHARGE DIAGNOSIS: Acute calculous cholecystitis with obstruction";
        let r = reader(long);
        let rows = r.rows(30);
        assert!(rows.len() > 1);
        let joined: String = rows
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, long, "every word is kept");
        assert!(rows.iter().all(|(_, t)| t.chars().count() <= 30));
    }

    #[test]
    fn scrolls_to_the_last_line_and_reports_the_position() {
        let body: String = (1..=184)
            .map(|i| format!("line {i} of the note\n"))
            .collect();
        let mut r = reader(&body);
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 12));
        r.render_in(Rect::new(0, 0, 40, 12), &mut buf, true);
        assert_eq!(r.position(), (10, 184));
        assert!(r.scroll(CommandId::GoBottom));
        assert!(r.at_end());
        assert_eq!(r.position(), (184, 184));
        r.render_in(Rect::new(0, 0, 40, 12), &mut buf, true);
        let text: String = (0..40).map(|x| buf[(x, 11)].symbol().to_string()).collect();
        assert!(text.contains("line 184/184 end"), "{text}");
        assert!(!r.scroll(CommandId::Back));
    }

    #[test]
    fn find_moves_to_each_match_and_wraps_round() {
        let mut r = reader("alpha\nbeta\nAlpha two\ngamma\n");
        let key = |c| crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c));
        r.start_find();
        for c in "ALPHA".chars() {
            let _ = r.prompt_key(&key(c));
        }
        let e = r.prompt_key(&crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Enter,
        ));
        assert_eq!(e, Effect::Status("match 1 of 2 (line 1)".into()));
        assert_eq!(r.matches(), vec![0, 2]);
        // A short pane so the match can be at the top.
        r.view.set((40, 1));
        assert_eq!(
            r.find_next(false),
            Effect::Status("match 2 of 2 (line 3)".into())
        );
        assert_eq!(
            r.find_next(false),
            Effect::Status("match 1 of 2 (line 1)".into())
        );
    }
}
