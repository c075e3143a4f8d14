//! A disclosure made outside the desk, entered by hand (e.g. a public-health report made by
//! clinical staff, a report to an oversight agency): date, recipient, purpose, what was
//! disclosed and the legal basis. It is a `disclosures` row like any release (`source =
//! 'manual'`), so it feeds the accounting of disclosures; whether it is accountable is decided
//! by the same AOD-02 rules ([`super::accounting::exclusion`]), never by the person entering it.
//!
//! Invariants: one audited transaction, permission-checked (ROI or supervisor); the date is
//! neither in the future nor before the patient could have had a record here (the Privacy
//! Rule compliance date is the floor of any accounting, AOD-01); rows are never changed.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::accounting::{self, Disclosure};
use super::release::disclosure_purpose;
use super::request::{purpose_of_use, today};
use super::requester::{Conditions, RequesterType};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

/// A disclosure made outside the desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualDisclosure {
    pub mrn: String,
    /// The day it was disclosed (facility-local).
    pub date: NaiveDate,
    pub recipient: String,
    pub recipient_address: String,
    /// Brief statement of the purpose (AOD-03).
    pub purpose: String,
    /// Brief description of the PHI disclosed (AOD-03).
    pub description: String,
    /// The legal basis, as the DOMAIN §4.2 requester type it was made under
    /// (`PUBLIC_HEALTH` = 164.512(b), `OVERSIGHT` = 164.512(d), `LAW_ENF` = 164.512(f), …).
    pub basis: RequesterType,
    pub conditions: Conditions,
    /// It included 42 CFR Part 2 SUD records (then always accountable, 42 CFR 2.25).
    pub part2: bool,
}

/// What was recorded.
#[derive(Clone, Debug, Serialize)]
pub struct Recorded {
    pub disclosure_id: i64,
    pub accountable: bool,
    /// The AOD-02 exclusion when it is not accountable: `(code, rule)`.
    pub excluded: Option<(String, String)>,
    pub legal_basis: String,
}

fn required(field: &str, v: &str) -> Result<(), CoreError> {
    if v.trim().is_empty() {
        Err(CoreError::invalid(
            field,
            "required for the accounting of disclosures (AOD-03)",
        ))
    } else {
        Ok(())
    }
}

/// Record a disclosure made outside the desk; returns whether it is accountable (AOD-02).
pub fn record(
    store: &mut Store,
    actor: &Actor,
    m: &ManualDisclosure,
) -> Result<Recorded, CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "disclosure", &m.mrn)?;
    required("recipient", &m.recipient)?;
    required("purpose", &m.purpose)?;
    required("description", &m.description)?;
    let today = today(store);
    if m.date > today {
        return Err(CoreError::invalid(
            "date",
            format!("{} is in the future (today is {today})", m.date),
        ));
    }
    if m.date < accounting::PRIVACY_RULE_COMPLIANCE {
        return Err(CoreError::invalid(
            "date",
            format!(
                "{} is before {}, the Privacy Rule compliance date (AOD-02)",
                m.date,
                accounting::PRIVACY_RULE_COMPLIANCE
            ),
        ));
    }
    let row = Disclosure {
        disclosed_on: m.date,
        purpose: disclosure_purpose(m.basis),
        requester_type: Some(m.basis),
        conditions: m.conditions,
        part2: m.part2,
    };
    let exclusion = accounting::exclusion(&row);
    let accountable = exclusion.is_none();
    let legal_basis = m.basis.basis_under(m.conditions).to_string();
    store.transact(actor, |tx, audit| {
        let pid: i64 = tx
            .query_row("SELECT id FROM patients WHERE mrn = ?1", [&m.mrn], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "patient",
                id: m.mrn.clone(),
            })?;
        let mut event = Event::new(Action::Create, Subtype::Create, "disclosure", "new")
            .patient(&m.mrn)
            .purpose(purpose_of_use(m.basis));
        let event_id = event.event_id.clone();
        let cond = serde_json::to_string(&m.conditions)
            .map_err(|e| CoreError::invalid("conditions", e.to_string()))?;
        tx.execute(
            "INSERT INTO disclosures(request_id, patient_id, disclosed_at, recipient, recipient_address, description,
                purpose, accountable, audit_event_id, purpose_code, requester_type, conditions, part2, document_ids,
                source, legal_basis, entered_by)
             VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, '', 'manual', ?13, ?14)",
            params![
                pid,
                m.date.to_string(),
                m.recipient.trim(),
                m.recipient_address.trim(),
                m.description.trim(),
                m.purpose.trim(),
                accountable,
                event_id,
                row.purpose.as_str(),
                m.basis.as_str(),
                cond,
                m.part2,
                legal_basis,
                actor.username
            ],
        )?;
        let id = tx.last_insert_rowid();
        event.entity_id = id.to_string();
        audit.record(event.reason("disclosure made outside the desk").detail(json!({
            "disclosure_id": id, "date": m.date, "recipient": m.recipient.trim(),
            "recipient_address": m.recipient_address.trim(), "purpose": m.purpose.trim(),
            "description": m.description.trim(), "legal_basis": legal_basis,
            "requester_type": m.basis.as_str(), "part2": m.part2, "accountable": accountable,
            "excluded_by": exclusion.map(|e| json!({"code": e.code, "rule": e.rule})),
            "source": "manual",
        })));
        Ok(Recorded {
            disclosure_id: id,
            accountable,
            excluded: exclusion.map(|e| (e.code.to_string(), e.rule.to_string())),
            legal_basis: legal_basis.clone(),
        })
    })
}
