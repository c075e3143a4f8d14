//! Drawing a frame: the title bar, the screen shown, its overlay, the footer and the status
//! line.

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::text::sanitize_line;
use crate::tui::ScreenId;
use crate::tui::chrome::{Footer, StatusLine, TitleBar, frame_areas};
use crate::tui::commands;

use super::App;

impl App {
    /// Draw one frame. Records the body size so paging matches what is on screen.
    pub fn draw<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> Result<(), B::Error> {
        terminal.draw(|f| {
            let area = f.area();
            self.body = frame_areas(area)[1];
            f.render_widget(&*self, area);
        })?;
        Ok(())
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [top, body, foot, status] = frame_areas(area);
        let screen = self.screen();
        let user = match (&self.session, screen) {
            (Some(s), s2) if s2 != ScreenId::Lock => Some(format!(
                "{} · {}",
                sanitize_line(&s.username),
                s.role.label()
            )),
            _ => None,
        };
        TitleBar {
            facility: &self.facility,
            screen: screen.name(),
            user,
        }
        .render(top, buf);
        // While locked nothing of the session is drawn (the registry gives the lock screen).
        if let Some(sc) = self.screen_ref(screen) {
            sc.render(body, buf);
        }
        if let Some(o) = &self.overlay {
            o.render(body, buf);
        }
        let ctx = self.ctx(self.last_input);
        let hints = if ctx.modal && self.overlay.is_none() {
            // Every key goes to the screen's form; its own keys are the only ones that work.
            vec![
                ("enter".to_string(), "accept"),
                ("esc".to_string(), "cancel"),
                ("tab".to_string(), "next field"),
                ("up/down".to_string(), "pick"),
            ]
        } else {
            commands::footer_hints(screen, &ctx)
        };
        // A notice longer than the status line takes the hints' line, and if need be the
        // body's last lines (at most 4 lines in all), so it is read whole at 80 columns; the
        // hints come back with the next key.
        let lines = self.status.as_deref().map_or(1, |s| {
            crate::tui::chrome::wrap(&format!(" {s}"), status.width.max(1) as usize).len() as u16
        });
        if lines > 1 {
            let n = lines.min(4).min(status.y + status.height - body.y);
            let area = Rect {
                y: status.y + status.height - n,
                height: n,
                ..status
            };
            ratatui::widgets::Clear.render(area, buf);
            StatusLine(self.status.as_deref()).render(area, buf);
        } else {
            Footer(hints).render(foot, buf);
            StatusLine(self.status.as_deref()).render(status, buf);
        }
    }
}
