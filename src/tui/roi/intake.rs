//! Fast intake at the ROI desk: the new-request form with the patient picked by search, the
//! requester picked from the address book by typing (it fills address, requester type,
//! delivery and fee class), document types picked by name, and the document selection of a
//! request picked from its list. Pure: forms in, core inputs out.

use chrono::NaiveDate;

use crate::chart::PatientHit;
use crate::roi::addressbook::{Requester, RequesterEntry, default_fee_class};
use crate::roi::request::{Delivery, Item, NewRequest, Scope};
use crate::roi::{Conditions, RequesterType};
use crate::text::sanitize_line;
use crate::tui::chrome::clip;
use crate::tui::roi::forms::{Choice, FieldForm, Kind, Source, field, yn};

fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

pub const REQUESTER_WORDS: &[&str] = &[
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

/// A patient search hit as a picker entry: the MRN goes in the field.
pub fn patient_choice(h: &PatientHit) -> Choice {
    let p = &h.patient;
    Choice {
        value: clean(&p.mrn),
        label: format!(
            "{} · {}, {} · born {} · {} · {} encounter(s)",
            clean(&p.mrn),
            clean(&p.family_name),
            clean(&p.given_name),
            clean(&p.birth_date),
            clean(&p.sex),
            h.encounters
        ),
        fill: vec![(
            "patient_name",
            format!("{}, {}", clean(&p.family_name), clean(&p.given_name)),
        )],
    }
}

/// An address-book entry as a picker entry: it fills the requester's other fields.
pub fn requester_choice(r: &Requester) -> Choice {
    Choice {
        value: clean(&r.name),
        label: format!(
            "{} · {} · {}",
            clean(&r.name),
            r.requester_type.as_str(),
            clean(&r.address)
        ),
        fill: vec![
            ("address", clean(&r.address)),
            ("type", r.requester_type.as_str().to_string()),
            ("delivery", r.delivery.as_str().to_string()),
            ("book_id", r.id.to_string()),
            ("verified_before", clean(&r.verification)),
        ],
    }
}

/// The form that logs a new request (received defaults to `today`).
pub fn new_request_form(today: NaiveDate) -> FieldForm {
    let f = field;
    FieldForm::new(
        "New request",
        vec![
            f(
                "mrn",
                "Patient (search)",
                Kind::Pick(Source::Patient),
                String::new(),
            ),
            f("patient_name", "  name", Kind::Info, String::new()),
            f(
                "name",
                "Requester (address book)",
                Kind::Pick(Source::Requester),
                String::new(),
            ),
            f("address", "Requester address", Kind::Text, String::new()),
            f(
                "type",
                "Requester type (4.2)",
                Kind::Choice(REQUESTER_WORDS),
                "AUTH_3P".into(),
            ),
            f("purpose", "Purpose", Kind::Text, String::new()),
            f(
                "types",
                "Document types (by name)",
                Kind::Pick(Source::DocTypes),
                String::new(),
            ),
            f(
                "from",
                "Records from (YYYY-MM-DD)",
                Kind::Date,
                String::new(),
            ),
            f("to", "Records to (YYYY-MM-DD)", Kind::Date, String::new()),
            f(
                "encounters",
                "Encounters (visit numbers)",
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
                "Received (day 0)",
                Kind::Date,
                today.to_string(),
            ),
            f(
                "save_book",
                "Add to the address book",
                Kind::Bool,
                yn(false),
            ),
            f(
                "assurance",
                "SUBPOENA: assurance or QPO",
                Kind::Bool,
                yn(false),
            ),
            f("irb", "RESEARCH: IRB waiver", Kind::Bool, yn(false)),
            f("prong", "LAW_ENF: 164.512(f) prong", Kind::Bool, yn(false)),
            f("book_id", "  address-book entry", Kind::Info, String::new()),
            f(
                "verified_before",
                "  verified before",
                Kind::Info,
                String::new(),
            ),
        ],
    )
}

/// What the new-request form asks for: the request, and the address-book entry to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intake {
    pub new: NewRequest,
    pub save_requester: Option<RequesterEntry>,
}

/// The new request on the form, or the first missing field.
pub fn new_request_from(f: &FieldForm) -> Result<Intake, String> {
    let mrn = f
        .opt("mrn")
        .ok_or("patient: find the patient (Enter on the field)")?;
    let requester_name = f
        .opt("name")
        .ok_or("requester: who is asking must be named")?;
    let requester_type =
        RequesterType::parse(f.get("type")).ok_or("type: pick a requester type")?;
    let received = f
        .date("received")
        .ok_or("received: the date received is needed")?;
    let delivery = Delivery::parse(f.get("delivery")).unwrap_or(Delivery::Electronic);
    let new = NewRequest {
        mrn,
        requester_type,
        requester_name: requester_name.clone(),
        requester_address: f.get("address").trim().to_string(),
        purpose: f.get("purpose").trim().to_string(),
        scope: Scope {
            from: f.date("from"),
            to: f.date("to"),
            document_types: f.list("types"),
            encounters: f.list("encounters"),
        },
        delivery,
        received,
        conditions: Conditions {
            satisfactory_assurance: f.yes("assurance"),
            irb_waiver: f.yes("irb"),
            law_enforcement_prong: f.yes("prong"),
        },
    };
    let save_requester =
        (f.yes("save_book") && f.opt("book_id").is_none()).then(|| RequesterEntry {
            name: requester_name,
            address: f.get("address").trim().to_string(),
            requester_type,
            // ROI-04 default for the type; the address book screen changes it.
            fee_class: default_fee_class(requester_type).to_string(),
            delivery,
            verification: String::new(),
        });
    Ok(Intake {
        new,
        save_requester,
    })
}

/// One document of a request's scope as the picker lists it (sanitised on entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocRow {
    pub document_id: i64,
    pub doc_type: String,
    pub title: String,
    pub service_at: String,
    pub included: bool,
}

impl From<&Item> for DocRow {
    fn from(i: &Item) -> DocRow {
        DocRow {
            document_id: i.document_id,
            doc_type: clean(&i.doc_type),
            title: clean(&i.title),
            service_at: clean(&i.service_at),
            included: i.included,
        }
    }
}

/// The document selection of a request, picked from its list (ROI-06 minimum necessary):
/// one box per document in scope; the note says why the unticked ones are left out.
pub fn documents_form(label: &str, items: &[DocRow]) -> FieldForm {
    let mut fields: Vec<_> = items
        .iter()
        .map(|i| {
            field(
                "doc",
                &format!(
                    "{:>5} {} {}",
                    i.document_id,
                    i.service_at.get(..10).unwrap_or(&i.service_at),
                    clip(&i.title, 22)
                ),
                Kind::Bool,
                yn(i.included),
            )
        })
        .collect();
    fields.push(field(
        "note",
        "Why left out (unticked)",
        Kind::Text,
        "not needed for the purpose (ROI-06)".into(),
    ));
    FieldForm::new(format!("Documents of {label}"), fields)
}

/// `(document id, include)` for each box changed, and the note.
pub fn documents_from(
    f: &FieldForm,
    items: &[DocRow],
) -> Result<(Vec<(i64, bool)>, String), String> {
    let changes: Vec<(i64, bool)> = items
        .iter()
        .zip(f.fields.iter().filter(|x| x.key == "doc"))
        .filter(|(i, x)| (x.value == "yes") != i.included)
        .map(|(i, x)| (i.document_id, x.value == "yes"))
        .collect();
    let note = f.get("note").trim().to_string();
    if changes.iter().any(|(_, inc)| !inc) && note.is_empty() {
        return Err("note: say why the document is left out".into());
    }
    if changes.is_empty() {
        return Err("nothing changed: space ticks or unticks a document".into());
    }
    Ok((changes, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_request_names_what_is_missing_and_adds_the_requester_to_the_book() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let mut f = new_request_form(today);
        assert!(new_request_from(&f).unwrap_err().starts_with("patient:"));
        f.set("mrn", "MRN1");
        assert!(new_request_from(&f).unwrap_err().starts_with("requester:"));
        f.set("name", "Smith LLP");
        f.set("save_book", "yes");
        f.set("types", "34117-2, 18842-5");
        let i = new_request_from(&f).expect("intake");
        assert_eq!(i.new.requester_type, RequesterType::Auth3p);
        assert_eq!(i.new.scope.document_types, vec!["34117-2", "18842-5"]);
        assert_eq!(i.new.received, today);
        let e = i.save_requester.expect("book entry");
        assert_eq!(e.fee_class, "STATE_SCHEDULE");
        // Picked from the book: not added again.
        f.set("book_id", "3");
        assert_eq!(new_request_from(&f).expect("intake").save_requester, None);
    }
}
