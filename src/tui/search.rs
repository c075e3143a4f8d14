//! Patient search: one input line and a results table. A search runs only on Enter (one audited
//! query per Enter, never per keystroke); Enter on a result opens that chart.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use super::chrome::{clip, edit_field};
use super::{CommandId, Ctx, Effect, Msg};
use crate::chart::PatientHit;
use crate::text::sanitize_line;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Input,
    Results,
}

/// One result row, sanitised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HitRow {
    pub patient_id: i64,
    pub mrn: String,
    pub name: String,
    pub birth_date: String,
    pub sex: String,
    pub encounters: i64,
    pub last_admit: String,
    pub matched: String,
}

impl From<PatientHit> for HitRow {
    fn from(h: PatientHit) -> HitRow {
        HitRow {
            patient_id: h.patient.id,
            mrn: sanitize_line(&h.patient.mrn).into_owned(),
            name: sanitize_line(&h.patient.display_name()).into_owned(),
            birth_date: sanitize_line(&h.patient.birth_date).into_owned(),
            sex: sanitize_line(&h.patient.sex).into_owned(),
            encounters: h.encounters,
            last_admit: h
                .last_admit
                .map(|a| sanitize_line(&a).chars().take(10).collect())
                .unwrap_or_default(),
            matched: h.matched.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SearchState {
    pub input: String,
    pub focus: Focus,
    pub hits: Vec<HitRow>,
    pub selected: usize,
    /// The query the shown results are for (None before the first search).
    pub searched: Option<String>,
}

impl Default for SearchState {
    fn default() -> Self {
        SearchState {
            input: String::new(),
            focus: Focus::Input,
            hits: Vec::new(),
            selected: 0,
            searched: None,
        }
    }
}

impl SearchState {
    pub fn typing(&self) -> bool {
        self.focus == Focus::Input
    }

    pub fn selected_hit(&self) -> Option<&HitRow> {
        self.hits.get(self.selected)
    }
}

pub fn update(s: &mut SearchState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    let last = s.hits.len().saturating_sub(1);
    match msg {
        Msg::Command(C::Search) => s.focus = Focus::Input,
        Msg::Command(C::SwitchFocus) => {
            s.focus = match s.focus {
                Focus::Input if !s.hits.is_empty() => Focus::Results,
                _ => Focus::Input,
            }
        }
        Msg::Command(C::RunSearch) => {
            let query = s.input.trim().to_string();
            if query.is_empty() {
                return Effect::None;
            }
            return Effect::Search { query };
        }
        Msg::Command(C::OpenChart) => {
            if let Some(h) = s.selected_hit() {
                return Effect::OpenChart {
                    patient_id: h.patient_id,
                };
            }
        }
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::PageUp) => s.selected = s.selected.saturating_sub(ctx.page_rows),
        Msg::Command(C::PageDown) => s.selected = (s.selected + ctx.page_rows).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::Back) => return Effect::Back,
        Msg::Key(k) if s.focus == Focus::Input => {
            edit_field(&mut s.input, &k);
        }
        Msg::SearchResults(hits) => {
            s.hits = hits.into_iter().map(HitRow::from).collect();
            s.selected = 0;
            s.searched = Some(s.input.trim().to_string());
            if !s.hits.is_empty() {
                s.focus = Focus::Results;
            }
            let n = s.hits.len();
            if n >= crate::chart::SEARCH_LIMIT {
                return Effect::Status(format!(
                    "the first {n} patients found — a search shows at most {}: type more to narrow",
                    crate::chart::SEARCH_LIMIT
                ));
            }
            return Effect::Status(format!(
                "{n} patient{} found",
                if n == 1 { "" } else { "s" }
            ));
        }
        _ => {}
    }
    Effect::None
}

impl Widget for &SearchState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [input, results] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        let focused = self.focus == Focus::Input;
        let title = " Find patient: MRN, visit number, or name (family, given) ";
        let cursor = if focused { "▏" } else { "" };
        let w = input.width.saturating_sub(3) as usize;
        let mut p = Paragraph::new(format!("{}{cursor}", clip(&self.input, w)))
            .block(Block::bordered().title(clip(title, input.width as usize)));
        if focused {
            p = p.style(Style::new().bold());
        }
        p.render(input, buf);

        let title = match &self.searched {
            None => " Results ".to_string(),
            // A search stops at SEARCH_LIMIT patients: at the limit, say so rather than
            // pass the page for the total.
            Some(q) if self.hits.len() >= crate::chart::SEARCH_LIMIT => format!(
                " first {} results for {:?} (the limit: type more to narrow) ",
                self.hits.len(),
                clip(q, 20)
            ),
            Some(q) => format!(" {} result(s) for {:?} ", self.hits.len(), clip(q, 30)),
        };
        let rows = self.hits.iter().map(|h| {
            Row::new(vec![
                h.mrn.clone(),
                h.name.clone(),
                h.birth_date.clone(),
                h.sex.clone(),
                format!("{:>4}", h.encounters),
                h.last_admit.clone(),
                h.matched.clone(),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Min(12),
                Constraint::Length(10),
                Constraint::Length(3),
                Constraint::Length(4),
                Constraint::Length(10),
                Constraint::Length(7),
            ],
        )
        .header(
            Row::new(vec![
                "MRN",
                "Name",
                "DOB",
                "Sex",
                "Enc",
                "Last admit",
                "Matched",
            ])
            .bold(),
        )
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("> ")
        .block(Block::bordered().title(title));
        let mut ts =
            TableState::default().with_selected((!self.hits.is_empty()).then_some(self.selected));
        StatefulWidget::render(table, results, buf, &mut ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Patient;
    use crossterm::event::{KeyCode, KeyEvent};

    fn hit(id: i64, family: &str) -> PatientHit {
        PatientHit {
            patient: Patient {
                id,
                mrn: format!("MRN{id:05}"),
                family_name: family.into(),
                given_name: "Pat".into(),
                birth_date: "1970-01-01".into(),
                sex: "F".into(),
            },
            encounters: 2,
            last_admit: Some("2026-10-01T08:00:00".into()),
            matched: "name",
        }
    }

    fn c(cmd: CommandId) -> Msg {
        Msg::Command(cmd)
    }

    #[test]
    fn typing_never_searches_only_enter_does() {
        let mut s = SearchState::default();
        for ch in "smith".chars() {
            let e = update(
                &mut s,
                Msg::Key(KeyEvent::from(KeyCode::Char(ch))),
                &Ctx::default(),
            );
            assert_eq!(e, Effect::None);
        }
        let e = update(&mut s, c(CommandId::RunSearch), &Ctx::default());
        assert_eq!(
            e,
            Effect::Search {
                query: "smith".into()
            }
        );
    }

    #[test]
    fn results_take_focus_and_enter_opens_the_selected_chart() {
        let mut s = SearchState {
            input: "s".into(),
            ..SearchState::default()
        };
        let e = update(
            &mut s,
            Msg::SearchResults(vec![hit(1, "Smith"), hit(2, "Smyth")]),
            &Ctx::default(),
        );
        assert_eq!(e, Effect::Status("2 patients found".into()));
        assert_eq!(s.focus, Focus::Results);
        let _ = update(&mut s, c(CommandId::MoveDown), &Ctx::default());
        let _ = update(&mut s, c(CommandId::MoveDown), &Ctx::default());
        assert_eq!(s.selected, 1, "selection stops at the last row");
        let e = update(&mut s, c(CommandId::OpenChart), &Ctx::default());
        assert_eq!(e, Effect::OpenChart { patient_id: 2 });
        let _ = update(&mut s, c(CommandId::GoTop), &Ctx::default());
        assert_eq!(s.selected, 0);
    }

    #[test]
    fn a_search_at_the_limit_says_it_is_the_limit_not_the_total() {
        let mut s = SearchState {
            input: "m".into(),
            ..SearchState::default()
        };
        let hits = (1..=crate::chart::SEARCH_LIMIT as i64)
            .map(|i| hit(i, "Miller"))
            .collect();
        let e = update(&mut s, Msg::SearchResults(hits), &Ctx::default());
        assert_eq!(
            e,
            Effect::Status(
                "the first 50 patients found — a search shows at most 50: type more to narrow"
                    .into()
            )
        );
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
        t.draw(|f| f.render_widget(&s, f.area())).expect("draw");
        let screen = t.backend().to_string();
        assert!(
            screen.contains("first 50 results for \"m\" (the limit: type more to narrow)"),
            "{screen}"
        );
    }

    #[test]
    fn slash_refocuses_input_and_esc_goes_back() {
        let mut s = SearchState {
            focus: Focus::Results,
            ..SearchState::default()
        };
        let _ = update(&mut s, c(CommandId::Search), &Ctx::default());
        assert!(s.typing());
        assert_eq!(
            update(&mut s, c(CommandId::Back), &Ctx::default()),
            Effect::Back
        );
    }

    #[test]
    fn hostile_names_are_sanitised() {
        let row = HitRow::from(hit(1, "Evil\u{1b}]0;x\u{7}\nName"));
        assert_eq!(row.name, "Evil Name, Pat");
    }
}
