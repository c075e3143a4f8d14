//! A list-of-fields form for the ROI desk (the authorization form, a new request, a document's
//! selection). Pure: keys in, [`FormKey`] out; the owner turns the values into a core call.
//!
//! Keys: up/down pick a field; Enter edits a text or date field (Enter again accepts, Esc
//! cancels the edit), toggles a yes/no field or steps a choice (space too); `w` saves; Esc
//! closes unsaved. Dates are checked when an edit is accepted; a bad one keeps the edit open
//! and names the field.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::chrome::{centered, clip, edit_field};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    /// Comma-separated words.
    List,
    Bool,
    /// Unset / yes / no.
    Tri,
    /// One of these words (Enter or space steps to the next).
    Choice(&'static [&'static str]),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// Text, date (`YYYY-MM-DD`), list or choice value; `"yes"`/`"no"`/`""` for Bool and Tri.
    pub value: String,
}

pub fn field(key: &'static str, label: &'static str, kind: Kind, value: String) -> Field {
    Field {
        key,
        label,
        kind,
        value,
    }
}

pub fn yn(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

/// What a key did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKey {
    Pending,
    Close,
    Save,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldForm {
    pub title: &'static str,
    pub fields: Vec<Field>,
    pub selected: usize,
    /// The text being typed into the selected field.
    pub editing: Option<String>,
    pub error: Option<String>,
}

impl FieldForm {
    pub fn new(title: &'static str, fields: Vec<Field>) -> FieldForm {
        FieldForm {
            title,
            fields,
            selected: 0,
            editing: None,
            error: None,
        }
    }

    pub fn get(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.as_str())
            .unwrap_or("")
    }

    pub fn opt(&self, key: &str) -> Option<String> {
        let v = self.get(key).trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.get(key).trim(), "%Y-%m-%d").ok()
    }

    pub fn yes(&self, key: &str) -> bool {
        self.get(key) == "yes"
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn toggle(&mut self) {
        let Some(f) = self.fields.get_mut(self.selected) else {
            return;
        };
        f.value = match (f.kind, f.value.as_str()) {
            (Kind::Bool, "yes") => "no".into(),
            (Kind::Bool, _) => "yes".into(),
            (Kind::Tri, "") => "yes".into(),
            (Kind::Tri, "yes") => "no".into(),
            (Kind::Tri, _) => String::new(),
            (Kind::Choice(words), v) => {
                let next = words
                    .iter()
                    .position(|w| *w == v)
                    .map_or(0, |i| (i + 1) % words.len());
                words.get(next).map(|w| w.to_string()).unwrap_or_default()
            }
            (_, v) => v.to_string(),
        };
    }

    pub fn key(&mut self, k: &KeyEvent) -> FormKey {
        self.error = None;
        if let Some(buf) = &mut self.editing {
            match k.code {
                KeyCode::Enter => {
                    let value = buf.trim().to_string();
                    let Some(f) = self.fields.get_mut(self.selected) else {
                        return FormKey::Pending;
                    };
                    if f.kind == Kind::Date
                        && !value.is_empty()
                        && NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err()
                    {
                        self.error =
                            Some(format!("{}: {value:?} is not a date (YYYY-MM-DD)", f.key));
                        return FormKey::Pending;
                    }
                    f.value = value;
                    self.editing = None;
                }
                KeyCode::Esc => self.editing = None,
                _ => {
                    edit_field(buf, k);
                }
            }
            return FormKey::Pending;
        }
        let last = self.fields.len().saturating_sub(1);
        match k.code {
            KeyCode::Up | KeyCode::BackTab | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1)
            }
            // Tab moves to the next field, as the footer says for every form.
            KeyCode::Down | KeyCode::Tab | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(last)
            }
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = last,
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(last),
            KeyCode::Char(' ') => self.toggle(),
            KeyCode::Enter => match self.fields.get(self.selected).map(|f| f.kind) {
                Some(Kind::Bool | Kind::Tri | Kind::Choice(_)) => self.toggle(),
                Some(_) => self.editing = self.fields.get(self.selected).map(|f| f.value.clone()),
                None => {}
            },
            KeyCode::Char('w') => return FormKey::Save,
            KeyCode::Esc => return FormKey::Close,
            _ => {}
        }
        FormKey::Pending
    }
}

impl Widget for &FieldForm {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let want = self.fields.len() as u16 + 3;
        let r = centered(area, 96, want.min(area.height.saturating_sub(2)).max(6));
        Clear.render(r, buf);
        let block = Block::bordered().title(format!(
            " {} · ↑↓ field · Enter edit/toggle · w save · Esc close ",
            self.title
        ));
        let inner = block.inner(r);
        block.render(r, buf);
        let rows = inner.height.saturating_sub(1) as usize;
        let first = self
            .selected
            .saturating_sub(rows.saturating_sub(1) / 2)
            .min(self.fields.len().saturating_sub(rows));
        let w = inner.width as usize;
        let label_w = self
            .fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0)
            .min(w / 2);
        let mut lines: Vec<Line> = self
            .fields
            .iter()
            .enumerate()
            .skip(first)
            .take(rows)
            .map(|(i, f)| {
                let value = match (&self.editing, i == self.selected) {
                    (Some(b), true) => format!("{b}_"),
                    _ => match f.kind {
                        Kind::Bool => {
                            if f.value == "yes" {
                                "[x]".into()
                            } else {
                                "[ ]".into()
                            }
                        }
                        Kind::Tri if f.value.is_empty() => "(not reviewed)".into(),
                        _ => f.value.clone(),
                    },
                };
                let line = Line::from(clip(
                    &format!("{:<label_w$} {value}", clip(f.label, label_w)),
                    w,
                ));
                if i == self.selected {
                    line.style(Style::default().add_modifier(Modifier::REVERSED))
                } else {
                    line
                }
            })
            .collect();
        lines.push(match &self.error {
            Some(e) => Line::from(clip(e, w)).bold(),
            None => Line::from(""),
        });
        Paragraph::new(lines).render(inner, buf);
    }
}

const REQUESTER_WORDS: &[&str] = &[
    "SELF",
    "PERSREP",
    "DIRECTIVE",
    "PROVIDER_TX",
    "PAYER",
    "AUTH_3P",
    "COURT_ORDER",
    "SUBPOENA",
    "LAW_ENF",
    "PUBLIC_HEALTH",
    "OVERSIGHT",
    "RESEARCH",
    "REQ_BY_LAW",
    "HHS",
    "DECEDENT",
    "WORKERS_COMP",
];
const DELIVERY_WORDS: &[&str] = &["electronic", "paper", "portal"];

/// The form that logs a new request (received defaults to `today`).
pub fn new_request_form(today: NaiveDate) -> FieldForm {
    let f = field;
    FieldForm::new(
        "New request",
        vec![
            f("mrn", "Patient MRN", Kind::Text, String::new()),
            f(
                "type",
                "Requester type (DOMAIN 4.2)",
                Kind::Choice(REQUESTER_WORDS),
                "SELF".into(),
            ),
            f("name", "Requester name", Kind::Text, String::new()),
            f("address", "Requester address", Kind::Text, String::new()),
            f("purpose", "Purpose", Kind::Text, String::new()),
            f(
                "from",
                "Records from (YYYY-MM-DD)",
                Kind::Date,
                String::new(),
            ),
            f("to", "Records to (YYYY-MM-DD)", Kind::Date, String::new()),
            f(
                "types",
                "Document types (LOINC, comma-separated; empty = all)",
                Kind::List,
                String::new(),
            ),
            f(
                "encounters",
                "Encounters (visit numbers; empty = all)",
                Kind::List,
                String::new(),
            ),
            f(
                "delivery",
                "Delivery",
                Kind::Choice(DELIVERY_WORDS),
                "electronic".into(),
            ),
            f(
                "received",
                "Received (day 0 of the clock)",
                Kind::Date,
                today.to_string(),
            ),
            f(
                "assurance",
                "SUBPOENA: satisfactory assurance / QPO",
                Kind::Bool,
                yn(false),
            ),
            f("irb", "RESEARCH: IRB waiver", Kind::Bool, yn(false)),
            f(
                "prong",
                "LAW_ENF: a 164.512(f) prong fits",
                Kind::Bool,
                yn(false),
            ),
        ],
    )
}

/// The new request on the form, or the first missing field.
pub fn new_request_from(f: &FieldForm) -> Result<crate::roi::request::NewRequest, String> {
    use crate::roi::request::{Delivery, NewRequest, Scope};
    let mrn = f.opt("mrn").ok_or("mrn: type the patient's MRN")?;
    let requester_name = f.opt("name").ok_or("name: who is asking must be named")?;
    let requester_type =
        crate::roi::RequesterType::parse(f.get("type")).ok_or("type: pick a requester type")?;
    let received = f
        .date("received")
        .ok_or("received: the date received is needed")?;
    Ok(NewRequest {
        mrn,
        requester_type,
        requester_name,
        requester_address: f.get("address").trim().to_string(),
        purpose: f.get("purpose").trim().to_string(),
        scope: Scope {
            from: f.date("from"),
            to: f.date("to"),
            document_types: f.list("types"),
            encounters: f.list("encounters"),
        },
        delivery: Delivery::parse(f.get("delivery")).unwrap_or(Delivery::Electronic),
        received,
        conditions: crate::roi::Conditions {
            satisfactory_assurance: f.yes("assurance"),
            irb_waiver: f.yes("irb"),
            law_enforcement_prong: f.yes("prong"),
        },
    })
}

/// The form that selects or leaves out one document of a request (ROI-06).
pub fn item_form() -> FieldForm {
    FieldForm::new(
        "Document selection",
        vec![
            field(
                "document",
                "Document id (see the list)",
                Kind::Text,
                String::new(),
            ),
            field("include", "Include in the release", Kind::Bool, yn(false)),
            field("note", "Why it is left out", Kind::Text, String::new()),
        ],
    )
}

/// `(document id, include, note)` from the form, or what is wrong.
pub fn item_from(f: &FieldForm) -> Result<(i64, bool, String), String> {
    let doc = f
        .get("document")
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("document: {:?} is not a document id", f.get("document")))?;
    let include = f.yes("include");
    let note = f.get("note").trim().to_string();
    if !include && note.is_empty() {
        return Err("note: say why the document is left out".into());
    }
    Ok((doc, include, note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn choices_step_and_the_new_request_names_what_is_missing() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let mut f = new_request_form(today);
        assert_eq!(
            new_request_from(&f).unwrap_err(),
            "mrn: type the patient's MRN"
        );
        f.key(&key(KeyCode::Enter));
        for c in "MRN1".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        f.key(&key(KeyCode::Enter));
        f.key(&key(KeyCode::Down));
        for _ in 0..5 {
            f.key(&key(KeyCode::Char(' ')));
        }
        assert_eq!(f.get("type"), "AUTH_3P");
        f.key(&key(KeyCode::Down));
        f.key(&key(KeyCode::Enter));
        for c in "Smith LLP".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        f.key(&key(KeyCode::Enter));
        assert_eq!(f.key(&key(KeyCode::Char('w'))), FormKey::Save);
        let r = new_request_from(&f).expect("request");
        assert_eq!(r.mrn, "MRN1");
        assert_eq!(r.requester_type, crate::roi::RequesterType::Auth3p);
        assert_eq!(r.received, today);
    }

    #[test]
    fn leaving_a_document_out_needs_a_note() {
        let mut f = item_form();
        f.fields[0].value = "12".into();
        assert_eq!(
            item_from(&f).unwrap_err(),
            "note: say why the document is left out"
        );
        f.fields[2].value = "not requested".into();
        assert_eq!(item_from(&f), Ok((12, false, "not requested".into())));
        f.fields[0].value = "x".into();
        assert!(item_from(&f).unwrap_err().starts_with("document:"));
    }

    #[test]
    fn tab_and_backtab_move_between_fields_as_the_footer_says() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let mut f = new_request_form(today);
        assert_eq!(f.selected, 0);
        f.key(&key(KeyCode::Tab));
        f.key(&key(KeyCode::Tab));
        assert_eq!(f.selected, 2);
        f.key(&key(KeyCode::BackTab));
        assert_eq!(f.selected, 1);
    }
}
