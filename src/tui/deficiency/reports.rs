//! Deficiency reports: the department summary for supervisors (open deficiencies by type ×
//! aging bucket, by provider, and the DEL-04 delinquency rate) and, for technicians too, one
//! provider's letter (every chart and what is owed, oldest first, delinquent flagged). The text
//! comes from the audited report entry point; it is sanitised on entry and only scrolled here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::text::sanitize;
use crate::tui::chrome::clip;
use crate::tui::deficiency::form::{Form, FormOutcome, Picker, form_key};
use crate::tui::{CommandId, Ctx, DefAction, Effect, Msg, ScreenId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportsState {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
    /// The provider whose letter is shown (`None`: the department summary).
    pub provider: Option<i64>,
    /// Providers offered by the letter picker: `(id, name)`.
    pub providers: Vec<(i64, String)>,
    pub form: Option<Form>,
    /// The open provider picker leads to the provider view (not the letter).
    pub form_view: bool,
}

impl ReportsState {
    pub fn new(providers: Vec<(i64, String)>) -> ReportsState {
        ReportsState {
            title: "Reports".into(),
            lines: Vec::new(),
            scroll: 0,
            provider: None,
            providers: providers
                .into_iter()
                .map(|(id, n)| (id, sanitize(&n).into_owned()))
                .collect(),
            form: None,
            form_view: false,
        }
    }

    fn letter_form(&self) -> Form {
        let items = self
            .providers
            .iter()
            .map(|(id, n)| (id.to_string(), n.clone()))
            .collect();
        let mut f = Form::picker(
            "Provider letter",
            "Pick a provider, or type a provider id: every chart and what is owed, oldest \
             first, delinquent items flagged (DEL-02, DEL-07).",
            Picker::new(items),
        );
        f.typed_number_ok = true;
        f
    }
}

pub fn update(s: &mut ReportsState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some(f), Msg::Key(k)) = (&mut s.form, &msg) {
        match form_key(f, k) {
            FormOutcome::Pending => {}
            FormOutcome::Cancel => s.form = None,
            FormOutcome::Submit { code, .. } => {
                s.form = None;
                if let Some(id) = code.and_then(|c| c.parse::<i64>().ok()) {
                    if s.form_view {
                        return Effect::Deficiency(DefAction::OpenProviderView { provider_id: id });
                    }
                    return Effect::Deficiency(DefAction::Report { provider: Some(id) });
                }
            }
        }
        return Effect::None;
    }
    let page = ctx.page_rows.max(1);
    let last = s.lines.len().saturating_sub(page);
    match msg {
        Msg::Command(C::ProviderLetter) => {
            s.form = Some(s.letter_form());
            s.form_view = false;
        }
        Msg::Command(C::ProviderView) => {
            let mut f = s.letter_form();
            f.title = "Provider view".into();
            s.form = Some(f);
            s.form_view = true;
        }
        Msg::Command(C::MoveUp) => s.scroll = s.scroll.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.scroll = (s.scroll + 1).min(last),
        Msg::Command(C::PageUp) => s.scroll = s.scroll.saturating_sub(page),
        Msg::Command(C::PageDown) => s.scroll = (s.scroll + page).min(last),
        Msg::Command(C::GoTop) => s.scroll = 0,
        Msg::Command(C::GoBottom) => s.scroll = last,
        Msg::Command(C::Back) if s.provider.is_some() => {
            return Effect::Deficiency(DefAction::Report { provider: None });
        }
        Msg::Command(C::Back) => return Effect::Goto(ScreenId::Home),
        Msg::Report {
            title,
            text,
            provider,
        } => {
            s.title = title;
            s.lines = sanitize(&text).lines().map(str::to_string).collect();
            s.scroll = 0;
            s.provider = provider;
        }
        _ => {}
    }
    Effect::None
}

impl Widget for &ReportsState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let w = area.width.saturating_sub(4) as usize;
        let title = format!(" {} ", clip(&self.title, w));
        let lines: Vec<Line> = self
            .lines
            .iter()
            .skip(self.scroll)
            .map(|l| Line::from(l.as_str()))
            .collect();
        Paragraph::new(lines)
            .block(Block::bordered().title(title))
            .render(area, buf);
        if let Some(f) = &self.form {
            f.render(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent};

    fn ctx() -> Ctx {
        Ctx {
            page_rows: 3,
            ..Ctx::default()
        }
    }

    #[test]
    fn letter_picker_back_and_scrolling() {
        let mut s = ReportsState::new(vec![(2, "Wilson, James".into())]);
        let _ = update(
            &mut s,
            Msg::Report {
                title: "Summary".into(),
                text: (0..10).map(|i| format!("row {i}\u{1b}[2J\n")).collect(),
                provider: None,
            },
            &ctx(),
        );
        assert_eq!(s.lines[0], "row 0", "sanitised on entry");
        let _ = update(&mut s, Msg::Command(CommandId::GoBottom), &ctx());
        assert_eq!(s.scroll, 7);
        let _ = update(&mut s, Msg::Command(CommandId::ProviderLetter), &ctx());
        for c in "wil".chars() {
            let _ = update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))), &ctx());
        }
        assert_eq!(
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Enter)), &ctx()),
            Effect::Deficiency(DefAction::Report { provider: Some(2) })
        );
        s.provider = Some(2);
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &ctx()),
            Effect::Deficiency(DefAction::Report { provider: None }),
            "Esc from a letter returns to the summary"
        );
        s.provider = None;
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &ctx()),
            Effect::Goto(ScreenId::Home)
        );
    }
}
