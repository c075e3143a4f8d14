//! Login: user name and password (masked). Enter asks the runtime to log in; a failure comes
//! back as `Msg::Error` with the core's one-line message. The password is cleared from state as
//! soon as it is submitted.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::chrome::{centered, clip, edit_field};
use super::{CommandId, Ctx, Effect, Msg};
use crate::text::sanitize_line;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    User,
    Password,
}

#[derive(Clone, Debug)]
pub struct LoginState {
    pub facility: String,
    /// (username, role label, password) shown in demo mode.
    pub demo: Vec<(String, String, String)>,
    pub user: String,
    pub pw: String,
    pub focus: Field,
    pub error: Option<String>,
}

impl LoginState {
    pub fn new(facility: &str, demo: &[(String, String, String)]) -> LoginState {
        LoginState {
            facility: sanitize_line(facility).into_owned(),
            demo: demo
                .iter()
                .map(|(u, r, p)| {
                    (
                        sanitize_line(u).into_owned(),
                        sanitize_line(r).into_owned(),
                        sanitize_line(p).into_owned(),
                    )
                })
                .collect(),
            user: String::new(),
            pw: String::new(),
            focus: Field::User,
            error: None,
        }
    }
}

pub fn update(s: &mut LoginState, msg: Msg, _ctx: &Ctx) -> Effect {
    match msg {
        Msg::Command(CommandId::SwitchFocus) => {
            s.focus = match s.focus {
                Field::User => Field::Password,
                Field::Password => Field::User,
            };
            Effect::None
        }
        Msg::Command(CommandId::SubmitLogin) => {
            if s.user.trim().is_empty() {
                s.focus = Field::User;
                s.error = Some("type your user name".into());
                return Effect::None;
            }
            if s.focus == Field::User && s.pw.is_empty() {
                s.focus = Field::Password;
                return Effect::None;
            }
            s.error = None;
            Effect::Login {
                user: s.user.trim().to_string(),
                pw: std::mem::take(&mut s.pw),
            }
        }
        Msg::Key(k) => {
            let field = match s.focus {
                Field::User => &mut s.user,
                Field::Password => &mut s.pw,
            };
            edit_field(field, &k);
            Effect::None
        }
        Msg::Error(e) => {
            s.error = Some(e);
            s.focus = Field::Password;
            Effect::None
        }
        _ => Effect::None,
    }
}

impl Widget for &LoginState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let demo_h = if self.demo.is_empty() {
            0
        } else {
            self.demo.len() as u16 + 3
        };
        let box_area = centered(area, 60, 10 + demo_h);
        let [form, demo] =
            Layout::vertical([Constraint::Length(9), Constraint::Min(0)]).areas(box_area);
        let block = Block::bordered().title(" Sign in ");
        let inner = block.inner(form);
        block.render(form, buf);
        let w = inner.width.saturating_sub(14) as usize;
        let field = |label: &str, value: String, focused: bool| {
            let cursor = if focused { "▏" } else { "" };
            let line = Line::from(format!("{label:<12}{}{cursor}", clip(&value, w)));
            if focused { line.bold() } else { line }
        };
        let masked = "•".repeat(self.pw.chars().count());
        let error = self.error.as_deref().unwrap_or("");
        let lines = vec![
            Line::from(clip(&self.facility, inner.width as usize)).bold(),
            Line::from(""),
            field("User name", self.user.clone(), self.focus == Field::User),
            field("Password", masked, self.focus == Field::Password),
            Line::from(""),
            Line::from(error.to_string()).style(Style::new().red().bold()),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(inner, buf);
        if !self.demo.is_empty() {
            let block = Block::bordered().title(" Demo accounts (synthetic data) ");
            let inner = block.inner(demo);
            block.render(demo, buf);
            let lines: Vec<Line> = self
                .demo
                .iter()
                .map(|(u, r, p)| {
                    Line::from(clip(&format!("{u:<12} {p:<16} {r}"), inner.width as usize))
                })
                .collect();
            Paragraph::new(lines).render(inner, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent};

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::from(KeyCode::Char(c)))
    }

    fn typed(s: &mut LoginState, text: &str) {
        for c in text.chars() {
            let _ = update(s, key(c), &Ctx::default());
        }
    }

    #[test]
    fn enter_submits_and_clears_the_password() {
        let mut s = LoginState::new("Demo General", &[]);
        typed(&mut s, "mtech");
        let _ = update(
            &mut s,
            Msg::Command(CommandId::SwitchFocus),
            &Ctx::default(),
        );
        typed(&mut s, "secret-pw");
        let e = update(
            &mut s,
            Msg::Command(CommandId::SubmitLogin),
            &Ctx::default(),
        );
        assert_eq!(
            e,
            Effect::Login {
                user: "mtech".into(),
                pw: "secret-pw".into()
            }
        );
        assert!(s.pw.is_empty());
    }

    #[test]
    fn enter_on_user_field_moves_to_password() {
        let mut s = LoginState::new("x", &[]);
        typed(&mut s, "mtech");
        let e = update(
            &mut s,
            Msg::Command(CommandId::SubmitLogin),
            &Ctx::default(),
        );
        assert_eq!(e, Effect::None);
        assert_eq!(s.focus, Field::Password);
    }

    #[test]
    fn empty_user_is_refused_without_a_core_call() {
        let mut s = LoginState::new("x", &[]);
        let e = update(
            &mut s,
            Msg::Command(CommandId::SubmitLogin),
            &Ctx::default(),
        );
        assert_eq!(e, Effect::None);
        assert!(s.error.is_some());
    }

    #[test]
    fn errors_are_shown_and_focus_returns_to_password() {
        let mut s = LoginState::new("x", &[]);
        let _ = update(
            &mut s,
            Msg::Error("wrong user name or password".into()),
            &Ctx::default(),
        );
        assert_eq!(s.error.as_deref(), Some("wrong user name or password"));
        assert_eq!(s.focus, Field::Password);
    }
}
