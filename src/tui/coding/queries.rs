//! Queries awaiting an answer (COD-21): every encounter on hold for a documentation query,
//! soonest due first, with the query's age; the provider's answer is recorded here (one
//! audited core call that releases the hold when no other query is open), and Enter opens the
//! encounter's chart.

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

use crate::coding::screens_read::OpenQueryRow;
use crate::text::sanitize_line;
use crate::tui::chrome::{centered, wrap};
use crate::tui::coding::work::edit_field_long;
use crate::tui::{CodingAction, CommandId, Ctx, Effect, Msg};

/// One query as listed (sanitised on entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryLine {
    pub id: i64,
    pub encounter_id: i64,
    pub visit: String,
    pub mrn: String,
    pub patient: String,
    pub provider: String,
    pub question: String,
    pub status: String,
    pub asked_by: String,
    pub asked: String,
    pub due: String,
    /// Days since asked (facility-local calendar days).
    pub age: Option<i64>,
    /// Open and past its due date (it expires on the next queue read, COD-21).
    pub overdue: bool,
    /// The escalation level reached (0: none), and the level its age calls for: when the
    /// second is higher, the query is due for escalation (`E`, COD-21).
    pub escalation: i64,
    pub escalation_due: i64,
}

#[derive(Clone, Debug, Default)]
pub struct QueriesState {
    pub rows: Vec<QueryLine>,
    pub selected: usize,
    /// The answer being typed for the selected query.
    pub answer: Option<String>,
    pub today: Option<NaiveDate>,
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

impl QueriesState {
    pub fn set_rows(&mut self, rows: Vec<OpenQueryRow>, today: NaiveDate) {
        let keep = self.selected_row().map(|r| r.id);
        self.today = Some(today);
        let l = |s: &str| sanitize_line(s).into_owned();
        self.rows = rows
            .into_iter()
            .map(|q| QueryLine {
                id: q.id,
                encounter_id: q.encounter_id,
                visit: l(&q.visit),
                mrn: l(&q.mrn),
                patient: l(&q.patient),
                provider: q
                    .provider
                    .as_deref()
                    .map(l)
                    .unwrap_or_else(|| "attending".into()),
                question: l(&q.question),
                asked_by: l(&q.asked_by),
                asked: l(q.asked_at.get(..10).unwrap_or("")),
                due: l(q.due_at.get(..10).unwrap_or("")),
                age: day(&q.asked_at).map(|a| (today - a).num_days()),
                overdue: q.status == "open" && day(&q.due_at).is_some_and(|d| today > d),
                status: l(&q.status),
                escalation: 0,
                escalation_due: 0,
            })
            .collect();
        self.selected = keep
            .and_then(|id| self.rows.iter().position(|r| r.id == id))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
    }

    /// Each open query's escalation level and due level (from the core's query ages).
    pub fn set_ages(&mut self, ages: &[crate::coding::query_desk::QueryAge]) {
        for r in &mut self.rows {
            if let Some(a) = ages.iter().find(|a| a.id == r.id) {
                r.escalation = a.escalation_level;
                r.escalation_due = a.due_level;
            }
        }
    }

    /// Open queries whose age calls for a higher escalation level.
    pub fn due_for_escalation(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == "open" && r.escalation_due > r.escalation)
            .count()
    }

    pub fn selected_row(&self) -> Option<&QueryLine> {
        self.rows.get(self.selected)
    }
}

pub fn update(s: &mut QueriesState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some(a), Msg::Key(k)) = (&mut s.answer, &msg) {
        use crossterm::event::KeyCode;
        match k.code {
            KeyCode::Esc => s.answer = None,
            KeyCode::Enter => {
                let text = a.trim().to_string();
                if text.is_empty() {
                    return Effect::Status("record_answer: type the provider's answer".into());
                }
                s.answer = None;
                if let Some(r) = s.selected_row() {
                    return Effect::Coding(CodingAction::Answer {
                        query_id: r.id,
                        text,
                    });
                }
            }
            _ => edit_field_long(a, k),
        }
        return Effect::None;
    }
    let last = s.rows.len().saturating_sub(1);
    match msg {
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::RecordAnswer) => match s.selected_row() {
            Some(r) if r.status == "open" => s.answer = Some(String::new()),
            Some(r) => {
                return Effect::Status(format!(
                    "query {} is {}: its answer is recorded",
                    r.id, r.status
                ));
            }
            None => return Effect::Status("no query selected".into()),
        },
        Msg::Command(C::ViewChart) => {
            if let Some(r) = s.selected_row() {
                return Effect::OpenEncounter {
                    encounter_id: r.encounter_id,
                };
            }
        }
        Msg::Command(C::EscalateQueries) => {
            return Effect::Coding(CodingAction::EscalateQueries);
        }
        Msg::Command(C::Back) => return Effect::Back,
        _ => {}
    }
    Effect::None
}

impl Widget for &QueriesState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [list, detail] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(6)]).areas(area);
        let rows = self.rows.iter().map(|r| {
            let age = r.age.map(|a| format!("{a:>3}d")).unwrap_or_default();
            let due_up = r.status == "open" && r.escalation_due > r.escalation;
            let level = if due_up {
                format!("{}→{}!", r.escalation, r.escalation_due)
            } else if r.escalation > 0 {
                format!("L{}", r.escalation)
            } else {
                String::new()
            };
            let row = Row::new(vec![
                r.visit.clone(),
                r.patient.clone(),
                r.provider.clone(),
                age,
                level,
                r.due.clone(),
                r.status.clone(),
            ]);
            if r.overdue {
                row.style(Style::new().fg(Color::Red).bold())
            } else {
                row
            }
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Min(12),
                Constraint::Min(10),
                Constraint::Length(5),
                Constraint::Length(5),
                Constraint::Length(10),
                Constraint::Length(8),
            ],
        )
        .header(
            Row::new(vec![
                "Visit", "Patient", "Asked of", " Age", "Esc", "Due", "Status",
            ])
            .bold(),
        )
        .row_highlight_style(Style::new().reversed())
        .block(Block::bordered().title(format!(
            " Queries awaiting an answer ({}) · open first, soonest due · red: overdue ",
            self.rows.len()
        )));
        let mut ts =
            TableState::default().with_selected((!self.rows.is_empty()).then_some(self.selected));
        StatefulWidget::render(table, list, buf, &mut ts);

        let due = self.due_for_escalation();
        let escalation = |r: &QueryLine| match (r.escalation, r.escalation_due) {
            (_, d) if r.status == "open" && d > r.escalation => format!(
                "Unanswered {} day(s): due for escalation level {d} ({} due; E escalates, COD-21). ",
                r.age.unwrap_or(0),
                due
            ),
            (0, _) => String::new(),
            (1, _) => "Escalated: level 1, provider reminder. ".to_string(),
            (l, _) => format!("Escalated: level {l}, physician advisor / HIM supervisor. "),
        };
        let text = match self.selected_row() {
            None => "No query is waiting for an answer.".to_string(),
            Some(r) => format!(
                "{}Query {} · {} · {} (MRN {}) · asked {} by {} · due {}: {}",
                escalation(r),
                r.id,
                r.visit,
                r.patient,
                r.mrn,
                r.asked,
                r.asked_by,
                r.due,
                r.question
            ),
        };
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" The question (r: record the answer · enter: chart) "))
            .render(detail, buf);

        if let Some(a) = &self.answer {
            let w = area.width.saturating_sub(4).min(90);
            let q = self
                .selected_row()
                .map(|r| r.question.as_str())
                .unwrap_or("");
            // The whole question wraps above the answer (nothing cut at 80 columns).
            let inner = w.saturating_sub(2).max(10) as usize;
            let mut text: Vec<Line> = wrap(&format!("Q: {q}"), inner)
                .into_iter()
                .map(|l| Line::from(l).dim())
                .collect();
            text.push(Line::from(""));
            text.push(Line::from(format!("{a}▏")));
            let h = (text.len() + 3 + a.chars().count() / inner) as u16;
            let r = centered(area, w, h);
            ratatui::widgets::Clear.render(r, buf);
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .block(
                    Block::bordered().title(" The provider's answer (Enter records, Esc cancels) "),
                )
                .render(r, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent};

    fn row(id: i64, status: &str, due: &str) -> OpenQueryRow {
        OpenQueryRow {
            id,
            encounter_id: 40 + id,
            visit: format!("V{id:07}"),
            mrn: "MRN1".into(),
            patient: "Doe, \u{1b}[2JJane".into(),
            provider: None,
            question: "Is the anemia due to the neoplasm?".into(),
            status: status.into(),
            asked_by: "ccoder".into(),
            asked_at: "2026-03-01T10:00:00".into(),
            due_at: due.into(),
        }
    }

    #[test]
    fn rows_are_sanitised_aged_and_an_answer_is_recorded_for_an_open_query() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
        let mut s = QueriesState::default();
        s.set_rows(
            vec![
                row(1, "open", "2026-03-08"),
                row(2, "answered", "2026-03-20"),
            ],
            today,
        );
        assert_eq!(s.rows[0].patient, "Doe, Jane");
        assert_eq!(s.rows[0].age, Some(9));
        assert!(s.rows[0].overdue && !s.rows[1].overdue);
        let ctx = Ctx::default();
        let _ = update(&mut s, Msg::Command(CommandId::RecordAnswer), &ctx);
        for c in "yes".chars() {
            let _ = update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))), &ctx);
        }
        assert_eq!(
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Enter)), &ctx),
            Effect::Coding(CodingAction::Answer {
                query_id: 1,
                text: "yes".into()
            })
        );
        let _ = update(&mut s, Msg::Command(CommandId::MoveDown), &ctx);
        assert!(matches!(
            update(&mut s, Msg::Command(CommandId::RecordAnswer), &ctx),
            Effect::Status(m) if m.contains("answered")
        ));
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::ViewChart), &ctx),
            Effect::OpenEncounter { encounter_id: 42 }
        );
    }
}
