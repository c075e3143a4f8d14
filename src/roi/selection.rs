//! The documents of a request (ROI-06 minimum necessary, DOMAIN §4.4 sensitive categories):
//! the candidates in the requested scope, the specialist's choices, and what the rules let out.
//!
//! Invariant: a document with a sensitive category the validation excludes, or with a label
//! chartdesk does not know, is never releasable.

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::authorization::Request;
use super::category::Category;
use super::request::{RequestRecord, Scope};
use super::validate::{Validation, validate};
use crate::error::CoreError;

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
        item.categories
            .iter()
            .find(|c| self.validation.excluded_categories.contains(c))
            .map(|c| {
                if self.validation.needs_authorization {
                    format!("{c} not named by the authorization ({})", c.rule())
                } else {
                    format!(
                        "{c}: released only under an authorization that names it ({})",
                        c.rule()
                    )
                }
            })
    }

    /// The documents that go out.
    pub fn releasable(&self) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(|i| self.withheld_reason(i).is_none())
    }
}

fn in_scope(scope: &Scope, doc_type: &str, service_at: &str, visit: &str) -> bool {
    let day =
        NaiveDate::parse_from_str(service_at.get(..10).unwrap_or(service_at), "%Y-%m-%d").ok();
    let after = scope.from.is_none_or(|f| day.is_some_and(|d| d >= f));
    let before = scope.to.is_none_or(|t| day.is_some_and(|d| d <= t));
    let typed =
        scope.document_types.is_empty() || scope.document_types.iter().any(|t| t == doc_type);
    let enc = scope.encounters.is_empty() || scope.encounters.iter().any(|v| v == visit);
    after && before && typed && enc
}

/// Minimum necessary default (ROI-06): the patient's documents in the requested range, types
/// and encounters (entered-in-error documents never), with the specialist's choices applied.
pub fn items(conn: &rusqlite::Connection, rec: &RequestRecord) -> Result<Vec<Item>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.doc_type, d.title, d.status, d.service_at, e.visit_number, d.sensitivity,
                i.included, i.note
         FROM documents d JOIN encounters e ON e.id = d.encounter_id
         LEFT JOIN release_items i ON i.document_id = d.id AND i.request_id = ?2
         WHERE e.patient_id = ?1 AND d.status <> 'entered_in_error'
         ORDER BY d.service_at, d.id",
    )?;
    let rows = stmt.query_map(params![rec.patient_id, rec.id], |r| {
        let labels: String = r.get(6)?;
        let (categories, unknown_labels) = Category::parse_list(&labels);
        Ok(Item {
            document_id: r.get(0)?,
            doc_type: r.get(1)?,
            title: r.get(2)?,
            status: r.get(3)?,
            service_at: r.get(4)?,
            visit_number: r.get(5)?,
            categories,
            unknown_labels,
            included: r.get::<_, Option<i64>>(7)?.is_none_or(|v| v != 0),
            note: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        })
    })?;
    let mut out = Vec::new();
    for item in rows {
        let item = item?;
        if in_scope(
            &rec.scope,
            &item.doc_type,
            &item.service_at,
            &item.visit_number,
        ) {
            out.push(item);
        }
    }
    Ok(out)
}

/// The request as the validator sees it: sensitive categories are those of the documents
/// still selected.
pub fn as_request(rec: &RequestRecord, items: &[Item]) -> Request {
    let mut cats: Vec<Category> = Vec::new();
    for i in items.iter().filter(|i| i.included) {
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
    conn: &rusqlite::Connection,
    rec: &RequestRecord,
    today: NaiveDate,
) -> Result<Selection, CoreError> {
    let items = items(conn, rec)?;
    let req = as_request(rec, &items);
    let validation = validate(rec.authorization.as_ref(), &req, today);
    Ok(Selection { items, validation })
}
