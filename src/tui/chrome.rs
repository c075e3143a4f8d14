//! The frame around every screen (title bar, footer hints, status line) and the small pieces
//! screens share: single-line text entry and centred popups.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// Longest text accepted in any one-line field.
pub const FIELD_MAX: usize = 100;

/// Edit a one-line field with an unclaimed key. Returns true when the text changed.
/// Control characters are never inserted.
pub fn edit_field(field: &mut String, key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && !c.is_control() =>
        {
            if field.chars().count() < FIELD_MAX {
                field.push(c);
                return true;
            }
            false
        }
        KeyCode::Backspace => field.pop().is_some(),
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            let changed = !field.is_empty();
            field.clear();
            changed
        }
        _ => false,
    }
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    r
}

/// Split the screen into title bar, body, footer hints and status line.
pub fn frame_areas(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The title bar: facility on the left, who is signed in on the right.
pub struct TitleBar<'a> {
    pub facility: &'a str,
    pub screen: &'a str,
    pub user: Option<String>,
}

impl Widget for &TitleBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let style = Style::new().reversed();
        buf.set_style(area, style);
        let left = format!(" chartdesk · {} · {}", self.facility, self.screen);
        Line::from(left).style(style).render(area, buf);
        if let Some(u) = &self.user {
            let w = (u.chars().count() as u16 + 1).min(area.width / 2);
            let r = Rect {
                x: area.right().saturating_sub(w),
                width: w,
                ..area
            };
            Line::from(format!("{u} ")).style(style).render(r, buf);
        }
    }
}

/// Footer hints (`key label` pairs) followed by nothing else; truncated at the edge.
pub struct Footer(pub Vec<(String, &'static str)>);

impl Widget for &Footer {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // Whole hints only: one that does not fit is left out rather than cut.
        let mut spans = vec![Span::raw(" ")];
        let mut used = 1usize;
        for (key, label) in &self.0 {
            let w = key.chars().count() + label.chars().count() + 3;
            if used + w > area.width as usize + 2 {
                break;
            }
            used += w;
            spans.push(Span::styled(key.clone(), Style::new().bold()));
            spans.push(Span::raw(format!(" {label}  ")));
        }
        Line::from(spans).render(area, buf);
    }
}

/// The status line: the last error or notice, wrapped over the area it is given.
pub struct StatusLine<'a>(pub Option<&'a str>);

impl Widget for &StatusLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if let Some(s) = self.0 {
            Paragraph::new(format!(" {s}"))
                .wrap(ratatui::widgets::Wrap { trim: false })
                .style(Style::new().add_modifier(Modifier::BOLD))
                .render(area, buf);
        }
    }
}

/// Cut `s` to at most `n` characters, marking the cut with `…`.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else if n == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// Words of `s` in lines of at most `w` characters (a longer word is cut).
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let n = line.chars().count();
        if n > 0 && n + 1 + word.chars().count() > w {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out.into_iter().map(|l| clip(&l, w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_take_printable_text_only() {
        let mut f = String::new();
        assert!(edit_field(&mut f, &KeyEvent::from(KeyCode::Char('a'))));
        assert!(!edit_field(
            &mut f,
            &KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL)
        ));
        assert!(!edit_field(
            &mut f,
            &KeyEvent::from(KeyCode::Char('\u{1b}'))
        ));
        assert_eq!(f, "a");
        assert!(edit_field(&mut f, &KeyEvent::from(KeyCode::Backspace)));
        assert_eq!(f, "");
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
