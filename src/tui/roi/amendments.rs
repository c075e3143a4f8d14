//! The amendment queue (45 CFR 164.526) on the ROI desk: every amendment request, open ones
//! first by due date, with the 60-day clock (days left, or overdue), the status, who decided,
//! the denial basis, who must be told of an acceptance, and the statements of disagreement and
//! rebuttals filed. `n` logs one, `t` takes the one extension (the notice letter goes out),
//! `y` accepts (the amendment text; the affected documents, chosen here and prefilled with the
//! ones logged; the people to tell are recorded and shown), `d` denies on a 164.526(a)(2) ground, `s` files the
//! individual's statement of disagreement or the rebuttal. Every step is one audited
//! transaction in [`crate::roi::amendment`]. Text from the database is sanitised when it
//! enters the state.

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget, Wrap};

use crate::roi::amendment::{Amendment, DENY_REASONS};
use crate::text::sanitize_line;
use crate::tui::roi::forms::{FieldForm, FormKey, Kind, field};
use crate::tui::{CommandId, Ctx, Effect, Msg, RoiAction};

const STATEMENT_KINDS: &[&str] = &["disagreement", "rebuttal"];
const DENY_CODES: &[&str] = &[
    DENY_REASONS[0].0,
    DENY_REASONS[1].0,
    DENY_REASONS[2].0,
    DENY_REASONS[3].0,
];

/// One step on the amendment queue, run by the runtime as one audited transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmendStep {
    Log {
        mrn: String,
        received: NaiveDate,
        requested_by: String,
        address: String,
        change: String,
        reason: String,
        documents: Vec<i64>,
    },
    Extend {
        id: i64,
        days: i64,
        reason: String,
    },
    Accept {
        id: i64,
        text: String,
        /// The affected documents chosen at acceptance (164.526(c)(1)).
        documents: Vec<i64>,
        named: Vec<String>,
    },
    Deny {
        id: i64,
        code: String,
        note: String,
    },
    Statement {
        id: i64,
        kind: String,
        text: String,
    },
}

/// One row of the queue, cleaned for the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmendRow {
    pub label: String,
    pub mrn: String,
    pub patient: String,
    pub received: String,
    pub due: String,
    pub status: String,
    /// "12 days left", "3 days OVERDUE", or "decided".
    pub clock: String,
    pub overdue: bool,
    /// The detail of the selected row: change asked, decision, statements.
    pub detail: String,
    pub id: i64,
    /// The affected documents as logged (the accept form starts from them).
    pub documents: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmendState {
    pub rows: Vec<AmendRow>,
    pub selected: usize,
    /// The open step form: which step, on which request (none for a new one).
    pub form: Option<(CommandId, Option<i64>, FieldForm)>,
    /// The facility's today when the list was read (the clock and the forms' dates).
    pub today: NaiveDate,
}

fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// The 60-day clock of one request on `today` (45 CFR 164.526(b)(2)).
pub fn clock(status: &str, due: &str, today: NaiveDate) -> (String, bool) {
    if status != "open" {
        return ("decided".into(), false);
    }
    match NaiveDate::parse_from_str(due, "%Y-%m-%d") {
        Ok(d) => {
            let left = (d - today).num_days();
            if left < 0 {
                (format!("{} days OVERDUE", -left), true)
            } else {
                (format!("{left} days left"), false)
            }
        }
        Err(_) => (format!("due {}", clean(due)), false),
    }
}

impl AmendState {
    pub fn new(list: Vec<Amendment>, today: NaiveDate) -> AmendState {
        let rows = list
            .into_iter()
            .map(|a| {
                let (clock, overdue) = clock(&a.status, &a.due, today);
                let mut detail = format!(
                    "{} · {} · asked by {}: {}",
                    a.label, a.patient_name, a.requested_by, a.requested_change
                );
                if let Some(r) = &a.ext_reason {
                    detail.push_str(&format!(" · extended: {r}"));
                }
                if let Some(by) = &a.decided_by {
                    detail.push_str(&format!(" · {} by {by}", a.status));
                }
                if a.status == "accepted" {
                    let names = |k: &str| {
                        a.notify[k]
                            .as_array()
                            .map(|v| {
                                v.iter()
                                    .filter_map(|x| x.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            })
                            .unwrap_or_default()
                    };
                    detail.push_str(&format!(
                        " · tell (164.526(c)(3)): named: {} · received the documents: {}",
                        or_none(names("named_by_individual")),
                        or_none(names("known_recipients"))
                    ));
                }
                if let Some(b) = &a.denial_basis {
                    detail.push_str(&format!(" · denial basis: {b}"));
                }
                for s in &a.statements {
                    detail.push_str(&format!(
                        " · {} filed {} by {}: {}",
                        s.kind, s.filed_on, s.filed_by, s.text
                    ));
                }
                AmendRow {
                    label: clean(&a.label),
                    mrn: clean(&a.mrn),
                    patient: clean(&a.patient_name),
                    received: clean(&a.received),
                    due: clean(&a.due),
                    status: clean(&a.status),
                    clock,
                    overdue,
                    detail: clean(&detail),
                    id: a.id,
                    documents: a.document_ids.clone(),
                }
            })
            .collect();
        AmendState {
            rows,
            selected: 0,
            form: None,
            today,
        }
    }
}

impl AmendState {
    /// Add to an open request's pane who an acceptance would have to tell of the documents
    /// logged: every earlier recipient of them (164.526(c)(3)), besides the people the
    /// individual names on the accept form.
    pub fn set_would_tell(&mut self, id: i64, known: &[String]) {
        if let Some(r) = self
            .rows
            .iter_mut()
            .find(|r| r.id == id && r.status == "open")
        {
            let line = if r.documents.is_empty() {
                " · no documents logged: choose them on accept (164.526(c)(1))".to_string()
            } else {
                format!(
                    " · accepting tells (164.526(c)(3)) who received the documents: {}",
                    if known.is_empty() {
                        "none on file".to_string()
                    } else {
                        known.join("; ")
                    }
                )
            };
            r.detail.push_str(&clean(&line));
        }
    }
}

fn or_none(s: String) -> String {
    if s.is_empty() { "none".into() } else { s }
}

/// The form of step `cmd`.
pub fn step_form(
    cmd: CommandId,
    label: &str,
    documents: &[i64],
    today: NaiveDate,
) -> Option<FieldForm> {
    use CommandId as C;
    let f = field;
    let e = String::new;
    Some(match cmd {
        C::LogAmendment => FieldForm::new(
            "Log an amendment request (164.526(b))",
            vec![
                f("mrn", "Patient MRN", Kind::Text, e()),
                f("received", "Received", Kind::Date, today.to_string()),
                f("requested_by", "Requested by", Kind::Text, e()),
                f("address", "Address", Kind::Text, e()),
                f("change", "Change asked", Kind::Text, e()),
                f("reason", "Reason given", Kind::Text, e()),
                f("documents", "Affected document ids", Kind::List, e()),
            ],
        ),
        C::ExtendAmendment => FieldForm::new(
            format!("{label}: the one extension (164.526(b)(2)(i)); notice goes out today"),
            vec![
                f("days", "Days (at most 30)", Kind::Text, "30".into()),
                f("reason", "Reason for the delay", Kind::Text, e()),
            ],
        ),
        C::AcceptAmendment => FieldForm::new(
            format!("{label}: accept (164.526(c)); link it to the documents affected"),
            vec![
                f("text", "Amendment to append", Kind::Text, e()),
                f(
                    "documents",
                    "Affected document ids",
                    Kind::List,
                    documents
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                f("named", "People the individual names", Kind::List, e()),
            ],
        ),
        C::DenyAmendment => FieldForm::new(
            format!("{label}: deny (164.526(a)(2), (d))"),
            vec![
                f(
                    "code",
                    "Ground",
                    Kind::Choice(DENY_CODES),
                    DENY_CODES[3].into(),
                ),
                f("note", "Basis in plain words", Kind::Text, e()),
            ],
        ),
        C::FileAmendStatement => FieldForm::new(
            format!("{label}: statement of disagreement or rebuttal (164.526(d))"),
            vec![
                f(
                    "kind",
                    "Kind",
                    Kind::Choice(STATEMENT_KINDS),
                    STATEMENT_KINDS[0].into(),
                ),
                f("text", "Text", Kind::Text, e()),
            ],
        ),
        _ => return None,
    })
}

/// The step on the form, or the field that is wrong.
pub fn step_from(cmd: CommandId, id: Option<i64>, f: &FieldForm) -> Result<AmendStep, String> {
    use CommandId as C;
    let need = |key: &str, what: &str| f.opt(key).ok_or(format!("{key}: {what}"));
    let id = || id.ok_or("select an amendment request".to_string());
    Ok(match cmd {
        C::LogAmendment => AmendStep::Log {
            mrn: need("mrn", "the patient's MRN")?,
            received: f.date("received").ok_or("received: a date (YYYY-MM-DD)")?,
            requested_by: need("requested_by", "who asks")?,
            address: f.get("address").trim().to_string(),
            change: need("change", "what the individual asks to change")?,
            reason: f.get("reason").trim().to_string(),
            documents: document_ids(f)?,
        },
        C::ExtendAmendment => AmendStep::Extend {
            id: id()?,
            days: f
                .get("days")
                .trim()
                .parse()
                .map_err(|_| "days: a whole number of days".to_string())?,
            reason: need("reason", "the written reason for the delay")?,
        },
        C::AcceptAmendment => AmendStep::Accept {
            id: id()?,
            text: need("text", "the amendment to append")?,
            documents: document_ids(f)?,
            named: f.list("named"),
        },
        C::DenyAmendment => AmendStep::Deny {
            id: id()?,
            code: f.get("code").to_string(),
            note: need("note", "the basis for the denial, in plain words")?,
        },
        C::FileAmendStatement => AmendStep::Statement {
            id: id()?,
            kind: f.get("kind").to_string(),
            text: need("text", "the statement's text")?,
        },
        _ => return Err("not an amendment step".into()),
    })
}

/// The `documents` field as document ids, or the entry that is not one.
fn document_ids(f: &FieldForm) -> Result<Vec<i64>, String> {
    f.list("documents")
        .iter()
        .map(|d| {
            d.parse::<i64>()
                .map_err(|_| format!("documents: {d:?} is not a document id"))
        })
        .collect()
}

pub fn update(s: &mut AmendState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some((cmd, id, f)), Msg::Key(k)) = (&mut s.form, &msg) {
        match f.key(k) {
            FormKey::Pending | FormKey::Lookup { .. } => {}
            FormKey::Close => s.form = None,
            FormKey::Save => match step_from(*cmd, *id, f) {
                Ok(step) => return Effect::Roi(RoiAction::Amend(Box::new(step))),
                Err(e) => f.error = Some(e),
            },
        }
        return Effect::None;
    }
    let last = s.rows.len().saturating_sub(1);
    let row = s
        .rows
        .get(s.selected)
        .map(|r| (r.id, r.label.clone(), r.documents.clone()));
    match msg {
        Msg::Command(
            cmd @ (C::LogAmendment
            | C::ExtendAmendment
            | C::AcceptAmendment
            | C::DenyAmendment
            | C::FileAmendStatement),
        ) => {
            let (id, label, docs) = match (cmd, row) {
                (C::LogAmendment, _) => (None, String::new(), Vec::new()),
                (_, Some((id, label, docs))) => (Some(id), label, docs),
                (_, None) => return Effect::None,
            };
            s.form = step_form(cmd, &label, &docs, s.today).map(|f| (cmd, id, f));
        }
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::Back) => return Effect::Back,
        _ => {}
    }
    Effect::None
}

impl Widget for &AmendState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let open = self.rows.iter().filter(|r| r.status == "open").count();
        let block = Block::bordered().title(format!(
            " Amendments (164.526) · {open} open of {} · 60-day clock ",
            self.rows.len()
        ));
        if self.rows.is_empty() {
            Paragraph::new("No amendment requests (n logs one).")
                .block(block)
                .render(area, buf);
            if let Some((_, _, f)) = &self.form {
                f.render(area, buf);
            }
            return;
        }
        let [top, bottom] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(7)]).areas(area);
        let rows = self.rows.iter().enumerate().map(|(i, r)| {
            let mut row = Row::new(vec![
                r.label.clone(),
                r.mrn.clone(),
                r.due.clone(),
                r.clock.clone(),
                r.status.clone(),
                r.patient.clone(),
            ]);
            if r.overdue {
                row = row.style(Style::default().add_modifier(Modifier::BOLD));
            }
            if i == self.selected {
                row.style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        });
        Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Length(9),
                Constraint::Length(10),
                Constraint::Length(16),
                Constraint::Length(8),
                Constraint::Fill(1),
            ],
        )
        .header(Row::new(vec!["Request", "MRN", "Due", "Clock", "Status", "Patient"]).bold())
        .block(block)
        .render(top, buf);
        let detail = self
            .rows
            .get(self.selected)
            .map(|r| r.detail.clone())
            .unwrap_or_default();
        Paragraph::new(detail)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Selected "))
            .render(bottom, buf);
        if let Some((_, _, f)) = &self.form {
            f.render(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_counts_days_left_and_overdue() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
        assert_eq!(
            clock("open", "2026-03-20", today),
            ("10 days left".into(), false)
        );
        assert_eq!(
            clock("open", "2026-03-07", today),
            ("3 days OVERDUE".into(), true)
        );
        assert_eq!(
            clock("denied", "2026-03-07", today),
            ("decided".into(), false)
        );
    }

    #[test]
    fn esc_goes_back_to_the_screen_under_the_amendments() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
        let mut s = AmendState::new(Vec::new(), today);
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &Ctx::default()),
            Effect::Back
        );
    }
}
