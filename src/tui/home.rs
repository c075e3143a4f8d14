//! Home: who is signed in, in which role, and that role's work queues with counts; and the
//! one-line form for the user's own productive hours (`my_hours`, MET-05).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

use super::chrome::{centered, clip, edit_field, wrap};
use super::{CommandId, Ctx, Effect, Msg, ScreenId, commands};
use crate::accounts::Session;
use crate::chart::QueueCount;
use crate::text::sanitize_line;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    pub label: String,
    pub count: i64,
    pub doc: String,
}

#[derive(Clone, Debug)]
pub struct HomeState {
    pub full_name: String,
    pub username: String,
    pub role_label: String,
    /// Only the Home commands this role may run are listed in the keys box (the palette and
    /// help still list every command, with the reason it is disabled).
    pub role: crate::domain::Role,
    pub queues: Vec<QueueRow>,
    /// Why the queue counts are missing, if they could not be read.
    pub queue_error: Option<String>,
    /// The own-hours form while open: `YYYY-MM-DD HOURS [note]`.
    pub hours: Option<String>,
}

impl HomeState {
    pub fn new(session: &Session, queues: Result<Vec<QueueCount>, String>) -> HomeState {
        let (queues, queue_error) = match queues {
            Ok(q) => (
                q.into_iter()
                    .map(|q| QueueRow {
                        label: q.label.to_string(),
                        count: q.count,
                        doc: q.doc.to_string(),
                    })
                    .collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(e)),
        };
        HomeState {
            full_name: sanitize_line(&session.full_name).into_owned(),
            username: sanitize_line(&session.username).into_owned(),
            role_label: session.role.label().to_string(),
            role: session.role,
            queues,
            queue_error,
            hours: None,
        }
    }

    /// The own-hours form is open (it takes every key).
    pub fn typing(&self) -> bool {
        self.hours.is_some()
    }
}

/// `YYYY-MM-DD HOURS [note]` → the own-hours action (the core validates and audits).
fn own_hours(input: &str) -> Effect {
    let mut w = input.split_whitespace();
    match (w.next(), w.next()) {
        (Some(date), Some(hours)) => Effect::Admin(super::admin::AdminAction::EnterHours {
            username: None,
            date: date.to_string(),
            hours: hours.to_string(),
            note: w.collect::<Vec<_>>().join(" "),
        }),
        _ => Effect::Status("my_hours: type YYYY-MM-DD HOURS [note]".into()),
    }
}

pub fn update(s: &mut HomeState, msg: Msg, ctx: &Ctx) -> Effect {
    if let (Some(input), Msg::Key(k)) = (&mut s.hours, &msg) {
        match k.code {
            crossterm::event::KeyCode::Esc => s.hours = None,
            crossterm::event::KeyCode::Enter => {
                let input = s.hours.take().unwrap_or_default();
                return own_hours(&input);
            }
            _ => {
                edit_field(input, k);
            }
        }
        return Effect::None;
    }
    match msg {
        Msg::Command(CommandId::MyHours) => {
            s.hours = Some(format!("{} ", crate::clock::facility_date(ctx.now)));
            Effect::None
        }
        Msg::Command(CommandId::Search) => Effect::Goto(ScreenId::Search),
        Msg::Command(CommandId::OpenDeficiencies) => Effect::Goto(ScreenId::Deficiencies),
        Msg::Command(CommandId::OpenReports) => Effect::Goto(ScreenId::Reports),
        Msg::Command(CommandId::OpenDashboard) => Effect::Goto(ScreenId::Supervisor),
        Msg::Command(CommandId::OpenCodeLookup) => Effect::Goto(ScreenId::Codes),
        Msg::Command(CommandId::OpenRoiQueue) => Effect::Goto(ScreenId::RoiQueue),
        Msg::Command(CommandId::OpenCodingQueue) => Effect::Goto(ScreenId::CodingQueue),
        Msg::Command(CommandId::OpenQueries) => Effect::Goto(ScreenId::Queries),
        Msg::Command(CommandId::OpenMpiQueue) => Effect::Goto(ScreenId::Mpi),
        _ => Effect::None,
    }
}

impl Widget for &HomeState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // Every Home command this role may run, on its own line.
        let role_ctx = Ctx::default().with_role(self.role);
        let keys: Vec<&commands::Command> = commands::screen_commands(ScreenId::Home)
            .filter(|c| commands::disabled_reason(c.id, &role_ctx).is_none())
            .collect();
        // The queue counts come first: all of them fit at 80x24; the keys box takes what is
        // left and says when some keys are only in help.
        let queue_rows = self.queues.len().max(1) as u16 + 3;
        let [who, queues, hints] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(queue_rows),
            Constraint::Min(3),
        ])
        .areas(area);
        let w = area.width.saturating_sub(2) as usize;
        let block = Block::bordered().title(" Signed in ");
        let inner = block.inner(who);
        block.render(who, buf);
        Paragraph::new(Line::from(clip(
            &format!(
                "{} ({}) · {}",
                self.full_name, self.username, self.role_label
            ),
            w,
        )))
        .bold()
        .render(inner, buf);

        let block = Block::bordered().title(" Work queues ");
        if let Some(e) = &self.queue_error {
            Paragraph::new(clip(e, w)).block(block).render(queues, buf);
        } else {
            let rows = self.queues.iter().map(|q| {
                Row::new(vec![
                    q.label.clone(),
                    format!("{:>6}", q.count),
                    q.doc.clone(),
                ])
            });
            Table::new(
                rows,
                [
                    Constraint::Length(20),
                    Constraint::Length(6),
                    Constraint::Min(10),
                ],
            )
            .header(Row::new(vec!["Queue", " Count", "What it holds"]).bold())
            .block(block)
            .render(queues, buf);
        }

        // Generated from the command table, like the footer and help.
        let room = hints.height.saturating_sub(2) as usize;
        let more = keys.len() > room;
        let shown = if more {
            room.saturating_sub(1)
        } else {
            keys.len()
        };
        let mut keys: Vec<Line> = keys
            .into_iter()
            .take(shown)
            .map(|c| {
                Line::from(clip(
                    &format!("{:<14}{}", commands::keys_label(c, ScreenId::Home), c.doc),
                    w,
                ))
            })
            .collect();
        if more {
            keys.push(Line::from("… more keys: press ? for all of them").italic());
        }
        Paragraph::new(keys)
            .block(Block::bordered().title(" Keys "))
            .render(hints, buf);

        if let Some(input) = &self.hours {
            let w = area.width.saturating_sub(4).min(70);
            let inner = w.saturating_sub(2).max(10) as usize;
            let mut text: Vec<Line> = wrap(
                "Your productive hours (MET-05): YYYY-MM-DD HOURS [note] — 0.25 to 24 in quarter hours; a day entered again is corrected",
                inner,
            )
            .into_iter()
            .map(|x| Line::from(x).dim())
            .collect();
            text.push(Line::from(format!("{input}▏")));
            let h = (text.len() + 2 + input.chars().count() / inner) as u16;
            let r = centered(area, w, h);
            ratatui::widgets::Clear.render(r, buf);
            Paragraph::new(text)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(Block::bordered().title(" Enter accepts, Esc cancels "))
                .render(r, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn state() -> HomeState {
        let s = Session {
            user_id: 1,
            username: "mtech".into(),
            full_name: "Maria \u{1b}[31mTech".into(),
            role: Role::Technician,
        };
        HomeState::new(
            &s,
            Ok(vec![QueueCount {
                label: "Awaiting analysis",
                count: 3,
                doc: "Discharged charts not yet analysed",
            }]),
        )
    }

    #[test]
    fn search_key_goes_to_search() {
        let mut s = state();
        let e = update(&mut s, Msg::Command(CommandId::Search), &Ctx::default());
        assert_eq!(e, Effect::Goto(ScreenId::Search));
    }

    #[test]
    fn names_are_sanitised_on_entry() {
        assert_eq!(state().full_name, "Maria Tech");
    }
}
