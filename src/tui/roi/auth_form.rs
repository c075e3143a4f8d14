//! The authorization form (45 CFR 164.508(c)): every core element, the required statements,
//! expiration date or event, signature and date, representative and authority, revocation,
//! the sensitive categories the form names and the 42 CFR 2.31 consent elements. Pure: keys in,
//! an [`Authorization`] out when the user saves; the runtime stores and validates it.
//!
//! Keys as in [`crate::tui::roi::forms`]: Enter edits or toggles, `w` saves, Esc closes unsaved.

use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::roi::{Authorization, Category, Part2Consent};
use crate::text::sanitize_line;
use crate::tui::roi::forms::{FieldForm, FormKey, Kind, Source, field, yn};

/// What a key did to the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormResult {
    Pending,
    Close,
    Save(Box<Authorization>),
    /// A picker wants entries (the document-type picker answers itself; kept for symmetry).
    Lookup {
        source: Source,
        query: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthForm {
    pub form: FieldForm,
    /// Kept as loaded (elements not on the form, e.g. `compound_with`).
    base: Authorization,
}

fn text(o: &Option<String>) -> String {
    sanitize_line(o.as_deref().unwrap_or("")).into_owned()
}

fn day(o: &Option<NaiveDate>) -> String {
    o.map(|d| d.to_string()).unwrap_or_default()
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
        let f = field;
        let p2 = a.part2.clone().unwrap_or_default();
        let mut fields = vec![
            f("id", "Form id", Kind::Text, text(&a.id)),
            f(
                "description",
                "(c)(1)(i) Description of information",
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
                "(c)(1)(i) Document types (by name)",
                Kind::Pick(Source::DocTypes),
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
            "2.31(a)(2) Part 2: disclosing program",
            Kind::Text,
            text(&p2.program),
        ));
        fields.push(f(
            "p2_sud",
            "2.31(a)(3) Part 2: SUD info described",
            Kind::Text,
            text(&p2.sud_description),
        ));
        let mut form = FieldForm::new("Authorization form", fields);
        // Start where the form needs the user: the first empty core element (a form
        // prefilled from the request usually starts at the expiration).
        if let Some(first) = [
            "description",
            "discloser",
            "recipient",
            "purpose",
            "expiration_date",
            "signature",
            "signed_date",
        ]
        .iter()
        .find(|k| {
            let event_given = !form.get("expiration_event").trim().is_empty();
            form.get(k).trim().is_empty() && (**k != "expiration_date" || !event_given)
        }) {
            form.focus(first);
        }
        AuthForm { form, base: a }
    }

    fn get(&self, key: &str) -> &str {
        self.form.get(key)
    }

    fn opt(&self, key: &str) -> Option<String> {
        self.form.opt(key)
    }

    fn date(&self, key: &str) -> Option<NaiveDate> {
        self.form.date(key)
    }

    fn yes(&self, key: &str) -> bool {
        self.form.yes(key)
    }

    /// The form's values as an authorization (fields not on the form keep their loaded values).
    pub fn authorization(&self) -> Authorization {
        let mut a = self.base.clone();
        a.id = self.opt("id");
        a.description = self.opt("description");
        a.records_from = self.date("records_from");
        a.records_to = self.date("records_to");
        a.document_types = self.form.list("document_types");
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

    /// One key; `w` gives the form's authorization.
    pub fn key(&mut self, k: &KeyEvent) -> FormResult {
        match self.form.key(k) {
            FormKey::Pending => FormResult::Pending,
            FormKey::Close => FormResult::Close,
            FormKey::Save => FormResult::Save(Box::new(self.authorization())),
            FormKey::Lookup { source, query } => FormResult::Lookup { source, query },
        }
    }
}

impl Widget for &AuthForm {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.form.render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

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
        // An empty form starts at the description; recipient is 5 fields on.
        assert_eq!(f.form.selected, 1);
        for _ in 0..5 {
            f.key(&key(KeyCode::Down));
        }
        f.key(&key(KeyCode::Enter));
        for c in "Dr. Who".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        // Accepting moves to the next field (purpose).
        f.key(&key(KeyCode::Enter));
        // signed_date: a bad date keeps the edit open and names the field
        for _ in 0..5 {
            f.key(&key(KeyCode::Down));
        }
        f.key(&key(KeyCode::Enter));
        for c in "2026-13-01".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        f.key(&key(KeyCode::Enter));
        assert!(
            f.form
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("signed_date"))
        );
        assert!(f.form.editing.is_some());
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
        // The runtime closes a saved form; Esc on the changed form asks first.
        assert_eq!(f.key(&key(KeyCode::Esc)), FormResult::Pending);
        assert_eq!(f.key(&key(KeyCode::Char('y'))), FormResult::Close);
    }
}
