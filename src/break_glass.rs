//! Break the glass (issue #13): a document labelled sensitive (42 CFR Part 2 substance-use
//! records, psychotherapy notes, HIV, reproductive health, …: `documents.sensitivity`) is not
//! shown without a purpose. [`crate::chart::read_document`] refuses it; [`read_sensitive`]
//! shows it once a purpose of use and a reason are given, audits both in the same
//! transaction, and records the open for the privacy report (reviewed later by a supervisor).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::{Document, Perm};
use crate::error::CoreError;
use crate::store::Store;

/// Purposes of use a user may give (HL7 v3 PurposeOfUse codes), with their descriptions.
pub const PURPOSES: &[(&str, &str)] = &[
    ("TREAT", "Treatment of the patient"),
    ("ETREAT", "Emergency treatment"),
    ("HPAYMT", "Payment: coding and billing of this encounter"),
    (
        "HOPERAT",
        "Health care operations: record completion and quality review",
    ),
    ("PATRQT", "The patient's own request"),
    ("HLEGAL", "Legal: subpoena, court order or litigation hold"),
];

/// Minimum length of the free-text reason.
pub const MIN_REASON: usize = 10;

/// The sensitivity labels of a document, if any (empty = not sensitive). No PHI; not audited.
pub fn labels(conn: &crate::store::Reader, document_id: i64) -> Result<Vec<String>, CoreError> {
    let raw: String = conn
        .query_row(
            "SELECT sensitivity FROM documents WHERE id = ?1",
            [document_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            what: "document",
            id: document_id.to_string(),
        })?;
    Ok(raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// The refusal [`crate::chart::read_document`] gives for a sensitive document.
pub fn purpose_required(document_id: i64, labels: &[String]) -> CoreError {
    CoreError::invalid(
        "purpose",
        format!(
            "document {document_id} is labelled {}: give a purpose of use and a reason to open it (break the glass)",
            labels.join(", ")
        ),
    )
}

/// Open a sensitive document with a purpose (one of [`PURPOSES`]) and a reason of at least
/// [`MIN_REASON`] characters. Audited as a view with the purpose and the reason, and recorded
/// for the privacy report, in the transaction that reads it. A document that is not
/// sensitive opens the same way (the purpose is then simply recorded in the audit row).
pub fn read_sensitive(
    store: &mut Store,
    actor: &Actor,
    document_id: i64,
    purpose: &str,
    reason: &str,
) -> Result<Document, CoreError> {
    authorize(
        store,
        actor,
        Perm::ViewChart,
        "document",
        &document_id.to_string(),
    )?;
    let purpose: &'static str = PURPOSES
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(purpose.trim()))
        .map(|(p, _)| *p)
        .ok_or_else(|| {
            CoreError::invalid(
                "purpose",
                format!(
                    "{purpose:?} is not a purpose of use ({})",
                    PURPOSES
                        .iter()
                        .map(|(p, _)| *p)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
    let reason = reason.trim();
    if reason.chars().count() < MIN_REASON {
        return Err(CoreError::invalid(
            "reason",
            format!("a reason of at least {MIN_REASON} characters is required to break the glass"),
        ));
    }
    let labels = labels(store.conn(), document_id)?;
    let now = crate::deficiency::ops::local_ts(crate::deficiency::ops::local_now(store));
    store.transact(actor, |tx, audit| {
        let (summary, body, mrn) = crate::chart::document_row(tx, document_id)?;
        if !labels.is_empty() {
            tx.execute(
                "INSERT INTO sensitive_opens(document_id, encounter_id, username, role, labels, purpose, reason, opened_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![document_id, summary.encounter_id, actor.username, actor.role.as_str(), labels.join(","), purpose, reason, now],
            )?;
        }
        audit.record(
            Event::new(Action::Read, Subtype::View, "document", summary.id)
                .patient(&mrn)
                .encounter(summary.encounter_id)
                .purpose(purpose)
                .reason(reason.to_string())
                .detail(json!({"doc_type": summary.doc_type, "bytes": body.len(), "break_glass": !labels.is_empty(),
                               "labels": labels, "privacy_report": !labels.is_empty()})),
        );
        Ok(Document { summary, body })
    })
}

/// One break-the-glass open, for the privacy report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SensitiveOpen {
    pub id: i64,
    pub opened_at: String,
    pub username: String,
    pub role: String,
    pub mrn: String,
    pub document_id: i64,
    pub labels: String,
    pub purpose: String,
    pub reason: String,
}

/// Break-the-glass opens between two days (inclusive), oldest first (a bare read; the report
/// command audits it).
pub fn opens(
    conn: &crate::store::Reader,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<SensitiveOpen>, CoreError> {
    let hi = (to + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let mut st = conn.prepare_cached(
        "SELECT s.id, s.opened_at, s.username, s.role, p.mrn, s.document_id, s.labels, s.purpose, s.reason
         FROM sensitive_opens s JOIN encounters e ON e.id = s.encounter_id JOIN patients p ON p.id = e.patient_id
         WHERE s.opened_at >= ?1 AND s.opened_at < ?2 ORDER BY s.opened_at, s.id",
    )?;
    let rows = st
        .query_map(params![from.format("%Y-%m-%d").to_string(), hi], |r| {
            Ok(SensitiveOpen {
                id: r.get(0)?,
                opened_at: r.get(1)?,
                username: r.get(2)?,
                role: r.get(3)?,
                mrn: r.get(4)?,
                document_id: r.get(5)?,
                labels: r.get(6)?,
                purpose: r.get(7)?,
                reason: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
