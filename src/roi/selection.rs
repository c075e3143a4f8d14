//! The documents of a request (ROI-06 minimum necessary, DOMAIN §4.4 sensitive categories):
//! the candidates in the requested scope, the specialist's choices, and what the rules let out.
//!
//! Invariants: a document with a sensitive category the validation excludes, with a label
//! chartdesk does not know, or denied (ROI-05) and not reversed on review, is never
//! releasable. A request for the `PSYCHOTHERAPY_NOTES` document type selects the documents
//! labelled `PSYCHOTHERAPY`. An incomplete or unsigned document is flagged; it goes out only
//! with an acknowledgement (`roi_incomplete_documents`).

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::authorization::{PSYCHOTHERAPY_NOTES_DOC, Request};
use super::category::{Category, SensitiveRules};
use super::lifecycle::deny_rule;
use super::request::{RequestRecord, Scope};
use super::validate::{Validation, validate_with};
use crate::error::CoreError;
use crate::settings;

/// A denial of one document (ROI-05; the rest is released, 164.524(d)(1)) and its review.
#[derive(Clone, Debug, Serialize)]
pub struct ItemDenial {
    pub code: String,
    pub rule: &'static str,
    pub note: String,
    /// The licensed health care professional who made a reviewable determination.
    pub professional: Option<String>,
    pub denied_by: String,
    pub denied_at: String,
    /// `upheld` or `reversed`; `None` until reviewed.
    pub review: Option<String>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
}

impl ItemDenial {
    /// A denial reversed on review no longer withholds the document (164.524(d)(4)).
    pub fn in_force(&self) -> bool {
        self.review.as_deref() != Some("reversed")
    }
}

/// One document considered for a request.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub document_id: i64,
    pub doc_type: String,
    pub title: String,
    pub status: String,
    pub service_at: String,
    pub visit_number: String,
    pub categories: Vec<Category>,
    /// Labels in `documents.sensitivity` that chartdesk does not know: never released.
    pub unknown_labels: Vec<String>,
    /// Selected by the specialist (default: everything in the requested scope).
    pub included: bool,
    pub note: String,
    /// Why the document is not complete (unsigned, awaiting cosignature); `None` = complete.
    pub incomplete: Option<String>,
    /// Who acknowledged releasing it as it stands, when incomplete.
    pub incomplete_ack: Option<String>,
    /// A denial of this document (ROI-05), if any.
    pub denial: Option<ItemDenial>,
}

/// Why a document with this status is not complete, `None` when it is.
pub fn incomplete_reason(status: &str, awaiting_cosign: bool) -> Option<String> {
    match status {
        "incomplete" | "dictated" | "transcribed" => Some(format!(
            "not signed (status {})",
            status.to_ascii_uppercase()
        )),
        "signed" if awaiting_cosign => Some("signed, awaiting cosignature".into()),
        _ => None,
    }
}

/// The candidate documents of a request and what the rules let out.
#[derive(Clone, Debug, Serialize)]
pub struct Selection {
    pub items: Vec<Item>,
    pub validation: Validation,
}

impl Selection {
    /// Why an included item may not be released, `None` when it may.
    pub fn withheld_reason(&self, item: &Item) -> Option<String> {
        if !item.included {
            return Some(if item.note.is_empty() {
                "left out by the specialist".into()
            } else {
                item.note.clone()
            });
        }
        if let Some(l) = item.unknown_labels.first() {
            return Some(format!("unknown sensitivity label {l}: never released"));
        }
        if let Some(d) = item.denial.as_ref().filter(|d| d.in_force()) {
            return Some(format!("denied {} ({})", d.code, d.rule));
        }
        let access = self.validation.requester_type.is_access();
        item.categories
            .iter()
            .find(|c| self.validation.excluded_categories.contains(c))
            .map(|c| match c {
                Category::Psychotherapy if access => format!(
                    "{c}: psychotherapy notes are outside the right of access (45 CFR 164.524(a)(1)(i))"
                ),
                Category::Psychotherapy => format!(
                    "{c}: released only under an authorization for psychotherapy notes (45 CFR 164.508(a)(2))"
                ),
                _ if self.validation.needs_authorization => {
                    format!("{c} not named by the authorization ({})", c.rule())
                }
                _ => format!(
                    "{c}: released only under an authorization that names it ({})",
                    c.rule()
                ),
            })
    }

    /// Documents that would go out although incomplete or unsigned, and nobody acknowledged.
    pub fn unacknowledged_incomplete(&self) -> impl Iterator<Item = &Item> {
        self.releasable()
            .filter(|i| i.incomplete.is_some() && i.incomplete_ack.is_none())
    }

    /// The documents that go out.
    pub fn releasable(&self) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(|i| self.withheld_reason(i).is_none())
    }
}

fn in_scope(scope: &Scope, item: &Item) -> bool {
    let (doc_type, service_at, visit) = (&item.doc_type, &item.service_at, &item.visit_number);
    let day =
        NaiveDate::parse_from_str(service_at.get(..10).unwrap_or(service_at), "%Y-%m-%d").ok();
    let after = scope.from.is_none_or(|f| day.is_some_and(|d| d >= f));
    let before = scope.to.is_none_or(|t| day.is_some_and(|d| d <= t));
    // `PSYCHOTHERAPY_NOTES` selects what is labelled psychotherapy, whatever its LOINC type.
    let psych = item.categories.contains(&Category::Psychotherapy);
    let typed = scope.document_types.is_empty()
        || scope.document_types.iter().any(|t| {
            t == doc_type || (psych && t.trim().eq_ignore_ascii_case(PSYCHOTHERAPY_NOTES_DOC))
        });
    let enc = scope.encounters.is_empty() || scope.encounters.iter().any(|v| v == visit);
    after && before && typed && enc
}

/// Minimum necessary default (ROI-06): the patient's documents in the requested range, types
/// and encounters (entered-in-error documents never), with the specialist's choices applied.
pub fn items(conn: &crate::store::Reader, rec: &RequestRecord) -> Result<Vec<Item>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.doc_type, d.title, d.status, d.service_at, e.visit_number, d.sensitivity,
                i.included, i.note, d.cosigner_id IS NOT NULL AND d.cosigned_at IS NULL,
                i.incomplete_ack_by, i.denied_code, i.denied_note, i.denied_professional,
                i.denied_by, i.denied_at, i.denied_review, i.denied_reviewer, i.denied_reviewed_at
         FROM documents d JOIN encounters e ON e.id = d.encounter_id
         LEFT JOIN release_items i ON i.document_id = d.id AND i.request_id = ?2
         WHERE e.patient_id = ?1 AND d.status <> 'entered_in_error'
         ORDER BY d.service_at, d.id",
    )?;
    let rows = stmt.query_map(params![rec.patient_id, rec.id], |r| {
        let labels: String = r.get(6)?;
        let (categories, unknown_labels) = Category::parse_list(&labels);
        let status: String = r.get(3)?;
        let awaiting_cosign: bool = r.get(9)?;
        let denial = match r.get::<_, Option<String>>(11)? {
            Some(code) => Some(ItemDenial {
                rule: deny_rule(&code).unwrap_or("45 CFR 164.524(a)"),
                code,
                note: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
                professional: r.get(13)?,
                denied_by: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                denied_at: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
                review: r.get(16)?,
                reviewer: r.get(17)?,
                reviewed_at: r.get(18)?,
            }),
            None => None,
        };
        Ok(Item {
            document_id: r.get(0)?,
            doc_type: r.get(1)?,
            title: r.get(2)?,
            incomplete: incomplete_reason(&status, awaiting_cosign),
            status,
            service_at: r.get(4)?,
            visit_number: r.get(5)?,
            categories,
            unknown_labels,
            included: r.get::<_, Option<i64>>(7)?.is_none_or(|v| v != 0),
            note: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            incomplete_ack: r.get(10)?,
            denial,
        })
    })?;
    let mut out = Vec::new();
    for item in rows {
        let item = item?;
        if in_scope(&rec.scope, &item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// The sensitive-category rule in force: `state_sensitive_rules` for `facility_state`, the
/// federal floor when the state has no entry (DOMAIN §4.4).
pub fn sensitive_rules(conn: &crate::store::Reader) -> Result<SensitiveRules, CoreError> {
    let rules = settings::get(conn, crate::settings::Key::StateSensitiveRules)?;
    let state = settings::get(conn, crate::settings::Key::FacilityState)?;
    SensitiveRules::for_state(&rules, &state)
        .map_err(|e| CoreError::invalid("state_sensitive_rules", e))
}

/// The request as the validator sees it: sensitive categories are those of the documents
/// still selected (a document denied under ROI-05 is not going out, so it does not count).
pub fn as_request(rec: &RequestRecord, items: &[Item]) -> Request {
    let mut cats: Vec<Category> = Vec::new();
    let going = |i: &&Item| i.included && !i.denial.as_ref().is_some_and(|d| d.in_force());
    for i in items.iter().filter(going) {
        for c in &i.categories {
            if !cats.contains(c) {
                cats.push(*c);
            }
        }
    }
    Request {
        requester_type: rec.requester_type,
        requester_name: Some(rec.requester_name.clone()),
        received_date: rec.received,
        records_from: rec.scope.from,
        records_to: rec.scope.to,
        document_types: rec.scope.document_types.clone(),
        categories_present: cats,
        identity_verified: rec.verification_method.is_some(),
        verification_method: rec.verification_method.clone(),
        verified_by: rec.verified_by.clone(),
        satisfactory_assurance: rec.conditions.satisfactory_assurance,
        irb_waiver: rec.conditions.irb_waiver,
        law_enforcement_prong: rec.conditions.law_enforcement_prong,
    }
}

/// Items and validation as of `today` (pure read).
pub fn selection(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    today: NaiveDate,
) -> Result<Selection, CoreError> {
    let items = items(conn, rec)?;
    let req = as_request(rec, &items);
    let rules = sensitive_rules(conn)?;
    let validation = validate_with(rec.authorization.as_ref(), &req, today, &rules);
    Ok(Selection { items, validation })
}
