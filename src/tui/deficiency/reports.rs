//! Deficiency reports: the department summary for supervisors (open deficiencies by type ×
//! aging bucket, by provider, and the DEL-04 delinquency rate) and, for technicians too, one
//! provider's letter (every chart and what is owed, oldest first, delinquent flagged). The text
//! comes from the audited report entry point; it is sanitised on entry and only scrolled here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::text::sanitize;
use crate::tui::deficiency::form::{Form, FormOutcome, Picker, form_key};
use crate::tui::reader::Reader;
use crate::tui::{CommandId, Ctx, DefAction, DeskReport, Effect, Msg};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportsState {
    pub title: String,
    /// The report or letter text (the one reader widget: wraps, scrolls, finds).
    pub reader: Reader,
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
            reader: Reader::from_text(0, "Reports".into(), ""),
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
    let _ = ctx;
    if let Msg::Key(k) = &msg
        && s.reader.prompt.is_some()
    {
        return s.reader.prompt_key(k);
    }
    if let Msg::Command(c) = &msg
        && s.reader.scroll(*c)
    {
        return Effect::None;
    }
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
        Msg::Command(C::EscalationLetters) => {
            return Effect::Deficiency(DefAction::DeskReport(DeskReport::Letters));
        }
        Msg::Command(C::SuspensionList) => {
            return Effect::Deficiency(DefAction::DeskReport(DeskReport::Suspension));
        }
        Msg::Command(C::WriteLetters) => {
            return Effect::Deficiency(DefAction::WriteLetters);
        }
        Msg::Command(C::RereviewFlags) => {
            return Effect::Deficiency(DefAction::DeskReport(DeskReport::Rereview));
        }
        Msg::Command(C::DataQualityList) => {
            return Effect::Deficiency(DefAction::DeskReport(DeskReport::DataQuality));
        }
        Msg::Command(C::FindInText) => s.reader.start_find(),
        Msg::Command(C::FindNext) => return s.reader.find_next(false),
        Msg::Command(C::ViewChart) => {
            // The first visit number on screen (from the top of the text shown).
            return match s.reader.visible_token(is_visit_number) {
                Some(visit) => Effect::OpenVisit { visit },
                None => Effect::Status(
                    "open_chart: scroll so a chart's visit number is on screen".into(),
                ),
            };
        }
        Msg::Command(C::Back) if s.provider.is_some() => {
            return Effect::Deficiency(DefAction::Report { provider: None });
        }
        // Back to the screen this was opened from (Home, or the dashboard tile).
        Msg::Command(C::Back) => return Effect::Back,
        Msg::Report {
            title,
            text,
            provider,
        } => {
            s.reader = Reader::from_text(0, title.clone(), &text);
            s.title = title;
            s.provider = provider;
        }
        _ => {}
    }
    Effect::None
}

/// A visit number as the letters and reports print it (`V` and digits, at least 4).
fn is_visit_number(t: &str) -> bool {
    t.len() >= 5 && t.starts_with('V') && t[1..].chars().all(|c| c.is_ascii_digit())
}

impl Widget for &ReportsState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.reader.render_in(area, buf, true);
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
        assert_eq!(s.reader.lines[0], "row 0", "sanitised on entry");
        let _ = update(&mut s, Msg::Command(CommandId::GoBottom), &ctx());
        assert!(s.reader.at_end());
        assert!(is_visit_number("V00101668") && !is_visit_number("Visit"));
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
            Effect::Back
        );
    }
}
