//! The idle lock (AUD-03). After `idle_logoff_minutes` without input the session locks: the
//! screen shows nothing of the chart, and only the user's password continues it. `q` while the
//! password field is empty signs out, after a confirmation; Esc never signs out (it clears
//! what was typed), so a reflex Esc cannot lose the user's work.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::chrome::{centered, edit_field};
use super::{CommandId, Ctx, Effect, Msg};
use crate::text::sanitize_line;

/// True once `minutes` have passed since the last input. A clock that went backwards never
/// locks early.
pub fn idle_expired(last_input: DateTime<Utc>, now: DateTime<Utc>, minutes: i64) -> bool {
    now.signed_duration_since(last_input) >= chrono::Duration::minutes(minutes.max(1))
}

#[derive(Clone, Debug)]
pub struct LockState {
    pub username: String,
    pub pw: String,
    pub error: Option<String>,
}

impl LockState {
    pub fn new(username: &str) -> LockState {
        LockState {
            username: sanitize_line(username).into_owned(),
            pw: String::new(),
            error: None,
        }
    }

    /// `q` is typed once the password has a character; before that it signs out.
    pub fn typing(&self) -> bool {
        !self.pw.is_empty()
    }
}

pub fn update(s: &mut LockState, msg: Msg, _ctx: &Ctx) -> Effect {
    match msg {
        Msg::Command(CommandId::Unlock) => {
            if s.pw.is_empty() {
                s.error = Some("type your password".into());
                return Effect::None;
            }
            Effect::Unlock {
                pw: std::mem::take(&mut s.pw),
            }
        }
        Msg::Command(CommandId::Logout) => Effect::Logout,
        Msg::Key(k) if k.code == crossterm::event::KeyCode::Esc => {
            s.pw.clear();
            s.error = Some("Esc does not sign out: type your password (q: sign out)".into());
            Effect::None
        }
        Msg::Key(k) => {
            edit_field(&mut s.pw, &k);
            Effect::None
        }
        Msg::Error(e) => {
            s.error = Some(e);
            Effect::None
        }
        _ => Effect::None,
    }
}

impl Widget for &LockState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let r = centered(area, 56, 9);
        let masked = "•".repeat(self.pw.chars().count());
        let lines = vec![
            Line::from(format!("Locked: session of {}", self.username)).bold(),
            Line::from(""),
            Line::from(format!("Password    {masked}▏")),
            Line::from(""),
            Line::from(self.error.clone().unwrap_or_default()).style(Style::new().red().bold()),
            Line::from("Enter unlocks · q (empty password) signs out"),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Screen locked "))
            .render(r, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use crossterm::event::{KeyCode, KeyEvent};

    #[test]
    fn idle_expiry_is_inclusive_and_ignores_clock_going_back() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 11, 25, 8, 0, 0)
            .single()
            .unwrap_or_default();
        let m = chrono::Duration::minutes(15);
        assert!(!idle_expired(t0, t0 + m - chrono::Duration::seconds(1), 15));
        assert!(idle_expired(t0, t0 + m, 15));
        assert!(!idle_expired(t0, t0 - m, 15));
    }

    #[test]
    fn unlock_sends_and_clears_the_password() {
        let mut s = LockState::new("mtech");
        assert!(!s.typing());
        for c in "pw-1234x".chars() {
            let _ = update(
                &mut s,
                Msg::Key(KeyEvent::from(KeyCode::Char(c))),
                &Ctx::default(),
            );
        }
        assert!(s.typing());
        let e = update(&mut s, Msg::Command(CommandId::Unlock), &Ctx::default());
        assert_eq!(
            e,
            Effect::Unlock {
                pw: "pw-1234x".into()
            }
        );
        assert!(s.pw.is_empty());
    }

    #[test]
    fn empty_password_is_not_sent_and_logout_is_an_effect() {
        let mut s = LockState::new("mtech");
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Unlock), &Ctx::default()),
            Effect::None
        );
        assert!(s.error.is_some());
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Logout), &Ctx::default()),
            Effect::Logout
        );
    }
}
