//! The authorization form (45 CFR 164.508(c)): every core element, the required statements,
//! expiration date or event, signature and date, representative and authority, revocation,
//! the sensitive categories the form names and the 42 CFR 2.31 consent elements. Pure: keys in,
//! an [`Authorization`] out when the user saves; the runtime stores and validates it.
//!
//! Keys: up/down pick a field; Enter edits a text or date field (Enter again accepts, Esc
//! cancels the edit) or toggles a yes/no field (space too); `w` saves; Esc closes unsaved.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::chrome::{centered, clip, edit_field};
use crate::roi::{Authorization, Category, Part2Consent};
use crate::text::sanitize_line;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    /// Comma-separated words.
    List,
    Bool,
    /// Unset / yes / no (plain language: not yet reviewed, or the reviewer's finding).
    Tri,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Field {
    key: &'static str,
    label: &'static str,
    kind: Kind,
    /// Text, date (`YYYY-MM-DD`) or list value; `"yes"`/`"no"`/`""` for Bool and Tri.
    value: String,
}

/// What a key did to the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormResult {
    Pending,
    Close,
    Save(Box<Authorization>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthForm {
    fields: Vec<Field>,
    pub selected: usize,
    /// The text being typed into the selected field.
    pub editing: Option<String>,
    pub error: Option<String>,
    /// Kept as loaded (not edited here).
    base: Authorization,
}

fn text(o: &Option<String>) -> String {
    sanitize_line(o.as_deref().unwrap_or("")).into_owned()
}

fn day(o: &Option<NaiveDate>) -> String {
    o.map(|d| d.to_string()).unwrap_or_default()
}

fn yn(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

const CATEGORY_KEYS: [(&str, Category); 6] = [
    ("cat_sud", Category::SudPart2),
    ("cat_psy", Category::Psychotherapy),
    ("cat_mh", Category::MentalHealth),
    ("cat_hiv", Category::Hiv),
    ("cat_gen", Category::Genetic),
    ("cat_rep", Category::Reproductive),
];

impl AuthForm {
    pub fn new(a: Option<&Authorization>) -> AuthForm {
        let a = a.cloned().unwrap_or_default();
        let f = |key, label, kind, value| Field {
            key,
            label,
            kind,
            value,
        };
        let p2 = a.part2.clone().unwrap_or_default();
        let mut fields = vec![
            f("id", "Form id", Kind::Text, text(&a.id)),
            f(
                "description",
                "(c)(1)(i) Description of the information",
                Kind::Text,
                text(&a.description),
            ),
            f(
                "records_from",
                "(c)(1)(i) Records from (YYYY-MM-DD)",
                Kind::Date,
                day(&a.records_from),
            ),
            f(
                "records_to",
                "(c)(1)(i) Records to (YYYY-MM-DD)",
                Kind::Date,
                day(&a.records_to),
            ),
            f(
                "document_types",
                "(c)(1)(i) Document types (LOINC, comma-separated)",
                Kind::List,
                a.document_types.join(", "),
            ),
            f(
                "discloser",
                "(c)(1)(ii) Who may disclose",
                Kind::Text,
                text(&a.discloser),
            ),
            f(
                "recipient",
                "(c)(1)(iii) Recipient",
                Kind::Text,
                text(&a.recipient),
            ),
            f(
                "purpose",
                "(c)(1)(iv) Purpose",
                Kind::Text,
                text(&a.purpose),
            ),
            f(
                "expiration_date",
                "(c)(1)(v) Expiration date",
                Kind::Date,
                day(&a.expiration_date),
            ),
            f(
                "expiration_event",
                "(c)(1)(v) or expiration event",
                Kind::Text,
                text(&a.expiration_event),
            ),
            f(
                "expiration_event_occurred",
                "Expiration event has occurred",
                Kind::Bool,
                yn(a.expiration_event_occurred),
            ),
            f(
                "signature",
                "(c)(1)(vi) Signature (signer's name)",
                Kind::Text,
                text(&a.signature),
            ),
            f(
                "signed_date",
                "(c)(1)(vi) Date signed",
                Kind::Date,
                day(&a.signed_date),
            ),
            f(
                "representative",
                "Signed by representative",
                Kind::Text,
                text(&a.representative),
            ),
            f(
                "representative_authority",
                "(c)(1)(vi) Representative's authority",
                Kind::Text,
                text(&a.representative_authority),
            ),
            f(
                "revocation_statement",
                "(c)(2)(i) Right-to-revoke statement",
                Kind::Bool,
                yn(a.revocation_statement),
            ),
            f(
                "conditioning_statement",
                "(c)(2)(ii) Conditioning statement",
                Kind::Bool,
                yn(a.conditioning_statement),
            ),
            f(
                "redisclosure_statement",
                "(c)(2)(iii) Redisclosure statement",
                Kind::Bool,
                yn(a.redisclosure_statement),
            ),
            f(
                "plain_language",
                "(c)(3) Plain language (reviewer)",
                Kind::Tri,
                a.plain_language.map(yn).unwrap_or_default(),
            ),
            f(
                "revoked_at",
                "Revoked in writing on",
                Kind::Date,
                day(&a.revoked_at),
            ),
            f(
                "known_false",
                "Material information known false",
                Kind::Bool,
                yn(a.known_false),
            ),
            f(
                "conditioned_treatment",
                "Treatment conditioned on signing",
                Kind::Bool,
                yn(a.conditioned_treatment),
            ),
            f(
                "psychotherapy_notes",
                "Psychotherapy-notes authorization",
                Kind::Bool,
                yn(a.psychotherapy_notes),
            ),
        ];
        for (key, cat) in CATEGORY_KEYS {
            let label = match cat {
                Category::SudPart2 => "Names SUD_PART2 (42 CFR Part 2)",
                Category::Psychotherapy => "Names PSYCHOTHERAPY",
                Category::MentalHealth => "Names MENTAL_HEALTH",
                Category::Hiv => "Names HIV",
                Category::Genetic => "Names GENETIC",
                Category::Reproductive => "Names REPRODUCTIVE",
            };
            fields.push(f(
                key,
                label,
                Kind::Bool,
                yn(a.sensitive_categories_named.contains(&cat)),
            ));
        }
        fields.push(f(
            "p2_patient",
            "2.31(a)(1) Part 2: patient name",
            Kind::Text,
            text(&p2.patient_name),
        ));
        fields.push(f(
            "p2_program",
            "2.31(a)(2) Part 2: program permitted to disclose",
            Kind::Text,
            text(&p2.program),
        ));
        fields.push(f(
            "p2_sud",
            "2.31(a)(3) Part 2: SUD information described",
            Kind::Text,
            text(&p2.sud_description),
        ));
        AuthForm {
            fields,
            selected: 0,
            editing: None,
            error: None,
            base: a,
        }
    }

    fn get(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.as_str())
            .unwrap_or("")
    }

    fn opt(&self, key: &str) -> Option<String> {
        let v = self.get(key).trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    fn date(&self, key: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.get(key).trim(), "%Y-%m-%d").ok()
    }

    fn yes(&self, key: &str) -> bool {
        self.get(key) == "yes"
    }

    /// The form's values as an authorization (fields not on the form keep their loaded values).
    pub fn authorization(&self) -> Authorization {
        let mut a = self.base.clone();
        a.id = self.opt("id");
        a.description = self.opt("description");
        a.records_from = self.date("records_from");
        a.records_to = self.date("records_to");
        a.document_types = self
            .get("document_types")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        a.discloser = self.opt("discloser");
        a.recipient = self.opt("recipient");
        a.purpose = self.opt("purpose");
        a.expiration_date = self.date("expiration_date");
        a.expiration_event = self.opt("expiration_event");
        a.expiration_event_occurred = self.yes("expiration_event_occurred");
        a.signature = self.opt("signature");
        a.signed_date = self.date("signed_date");
        a.representative = self.opt("representative");
        a.representative_authority = self.opt("representative_authority");
        a.revocation_statement = self.yes("revocation_statement");
        a.conditioning_statement = self.yes("conditioning_statement");
        a.redisclosure_statement = self.yes("redisclosure_statement");
        a.plain_language = match self.get("plain_language") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        a.revoked_at = self.date("revoked_at");
        a.known_false = self.yes("known_false");
        a.conditioned_treatment = self.yes("conditioned_treatment");
        a.psychotherapy_notes = self.yes("psychotherapy_notes");
        a.sensitive_categories_named = CATEGORY_KEYS
            .iter()
            .filter(|(k, _)| self.yes(k))
            .map(|(_, c)| *c)
            .collect();
        let p2 = Part2Consent {
            patient_name: self.opt("p2_patient"),
            program: self.opt("p2_program"),
            sud_description: self.opt("p2_sud"),
        };
        a.part2 = (p2 != Part2Consent::default()).then_some(p2);
        a
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
            (_, v) => v.to_string(),
        };
    }

    /// One key. Dates are checked when an edit is accepted; a bad one keeps the edit open and
    /// names the field.
    pub fn key(&mut self, k: &KeyEvent) -> FormResult {
        self.error = None;
        if let Some(buf) = &mut self.editing {
            match k.code {
                KeyCode::Enter => {
                    let value = buf.trim().to_string();
                    let Some(f) = self.fields.get_mut(self.selected) else {
                        return FormResult::Pending;
                    };
                    if f.kind == Kind::Date
                        && !value.is_empty()
                        && NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err()
                    {
                        self.error =
                            Some(format!("{}: {value:?} is not a date (YYYY-MM-DD)", f.key));
                        return FormResult::Pending;
                    }
                    f.value = value;
                    self.editing = None;
                }
                KeyCode::Esc => self.editing = None,
                _ => {
                    edit_field(buf, k);
                }
            }
            return FormResult::Pending;
        }
        let last = self.fields.len().saturating_sub(1);
        match k.code {
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(last),
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = last,
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(last),
            KeyCode::Char(' ') => self.toggle(),
            KeyCode::Enter => match self.fields.get(self.selected).map(|f| f.kind) {
                Some(Kind::Bool | Kind::Tri) => self.toggle(),
                Some(_) => self.editing = self.fields.get(self.selected).map(|f| f.value.clone()),
                None => {}
            },
            KeyCode::Char('w') => return FormResult::Save(Box::new(self.authorization())),
            KeyCode::Esc => return FormResult::Close,
            _ => {}
        }
        FormResult::Pending
    }
}

impl Widget for &AuthForm {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let r = centered(area, 96, area.height.saturating_sub(2).max(8));
        Clear.render(r, buf);
        let block = Block::bordered()
            .title(" Authorization form · ↑↓ field · Enter edit/toggle · w save · Esc close ");
        let inner = block.inner(r);
        block.render(r, buf);
        let rows = inner.height.saturating_sub(1) as usize;
        let first = self
            .selected
            .saturating_sub(rows.saturating_sub(1) / 2)
            .min(self.fields.len().saturating_sub(rows));
        let w = inner.width as usize;
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
                let line = Line::from(clip(&format!("{:<50} {value}", f.label), w));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn a_loaded_form_saves_the_same_authorization() {
        let a = Authorization {
            id: Some("A-1".into()),
            purpose: Some("at the request of the individual".into()),
            signed_date: NaiveDate::from_ymd_opt(2026, 11, 2),
            revocation_statement: true,
            plain_language: Some(false),
            sensitive_categories_named: vec![Category::SudPart2],
            part2: Some(Part2Consent {
                program: Some("OTP".into()),
                ..Part2Consent::default()
            }),
            ..Authorization::default()
        };
        assert_eq!(AuthForm::new(Some(&a)).authorization(), a);
    }

    #[test]
    fn typing_toggling_and_a_bad_date() {
        let mut f = AuthForm::new(None);
        // recipient is the 7th field
        for _ in 0..6 {
            f.key(&key(KeyCode::Down));
        }
        f.key(&key(KeyCode::Enter));
        for c in "Dr. Who".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        f.key(&key(KeyCode::Enter));
        // signed_date: a bad date keeps the edit open and names the field
        for _ in 0..6 {
            f.key(&key(KeyCode::Down));
        }
        f.key(&key(KeyCode::Enter));
        for c in "2026-13-01".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        f.key(&key(KeyCode::Enter));
        assert!(
            f.error
                .as_deref()
                .is_some_and(|e| e.starts_with("signed_date"))
        );
        assert!(f.editing.is_some());
        f.key(&key(KeyCode::Esc));
        f.key(&key(KeyCode::Down));
        f.key(&key(KeyCode::Down));
        f.key(&key(KeyCode::Down));
        f.key(&key(KeyCode::Char(' ')));
        let FormResult::Save(a) = f.key(&key(KeyCode::Char('w'))) else {
            panic!("save")
        };
        assert_eq!(a.recipient.as_deref(), Some("Dr. Who"));
        assert_eq!(a.signed_date, None);
        assert!(a.revocation_statement);
        assert_eq!(f.key(&key(KeyCode::Esc)), FormResult::Close);
    }
}
