//! Restrictions and confidential communications (45 CFR 164.522).
//!
//! - An agreed restriction binds disclosures for treatment, payment and operations
//!   (164.522(a)(1)(i)); it never stops the individual's own access, a disclosure to HHS or one
//!   under 164.512 (164.522(a)(1)(v)), nor one the individual authorizes.
//! - The self-pay restriction is mandatory (164.522(a)(1)(vi)): items paid in full out of pocket
//!   are not disclosed to a health plan for payment or operations.
//! - A release that would break a restriction in force is put on hold `HOLD_RESTRICTION`
//!   (the reason code), and stays there until the restriction ends or the restricted documents
//!   are left out.
//! - Confidential-communication addresses (164.522(b)) are used for every letter to the
//!   individual ([`crate::letters::confidential_address`]).
//!
//! Restrictions are ended, never deleted (trigger in 0012).

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::requester::RequesterType;
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

/// The hold reason code of a release that would break a restriction.
pub const HOLD_RESTRICTION: &str = "HOLD_RESTRICTION";

/// One restriction.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Restriction {
    pub id: i64,
    pub patient_id: i64,
    /// `agreed` or `self_pay`.
    pub kind: String,
    pub recipient_types: Vec<String>,
    pub document_ids: Vec<i64>,
    pub encounter: String,
    pub description: String,
    pub agreed_on: String,
    pub recorded_by: String,
    pub ended_on: Option<String>,
}

/// Requester types a restriction binds when it names none: the TPO disclosures of
/// 164.522(a)(1)(i) — another provider's treatment, a payer.
pub const DEFAULT_BOUND: &[RequesterType] = &[RequesterType::ProviderTx, RequesterType::Payer];

impl Restriction {
    /// Whether it binds a disclosure to `t` (164.522(a)(1)(v), (vi)).
    pub fn binds(&self, t: RequesterType) -> bool {
        if self.kind == "self_pay" {
            return t == RequesterType::Payer;
        }
        // Never the individual's own access, an authorized disclosure, HHS, or 164.512.
        if !DEFAULT_BOUND.contains(&t) {
            return false;
        }
        self.recipient_types.is_empty() || self.recipient_types.iter().any(|r| r == t.as_str())
    }

    /// Whether it covers the document `id` of encounter `visit`.
    pub fn covers(&self, id: i64, visit: &str) -> bool {
        if !self.encounter.is_empty() {
            return self.encounter == visit
                && (self.document_ids.is_empty() || self.document_ids.contains(&id));
        }
        self.document_ids.is_empty() || self.document_ids.contains(&id)
    }
}

fn list_of(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Restrictions of a patient, in force ones first.
pub fn for_patient(
    conn: &crate::store::Reader,
    patient_id: i64,
) -> Result<Vec<Restriction>, CoreError> {
    let mut st = conn.prepare(
        "SELECT id, patient_id, kind, recipient_types, document_ids, encounter, description, agreed_on, recorded_by, ended_on
         FROM restrictions WHERE patient_id = ?1 ORDER BY ended_on IS NOT NULL, id",
    )?;
    let rows = st.query_map([patient_id], |r| {
        Ok(Restriction {
            id: r.get(0)?,
            patient_id: r.get(1)?,
            kind: r.get(2)?,
            recipient_types: list_of(&r.get::<_, String>(3)?),
            document_ids: list_of(&r.get::<_, String>(4)?)
                .iter()
                .filter_map(|x| x.parse().ok())
                .collect(),
            encounter: r.get(5)?,
            description: r.get(6)?,
            agreed_on: r.get(7)?,
            recorded_by: r.get(8)?,
            ended_on: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A restriction a release would break: which, and the documents it covers.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Conflict {
    pub restriction_id: i64,
    pub kind: String,
    pub rule: &'static str,
    pub documents: Vec<i64>,
}

impl Conflict {
    pub fn message(&self) -> String {
        let docs: Vec<String> = self.documents.iter().map(i64::to_string).collect();
        format!(
            "{HOLD_RESTRICTION}: document(s) {} fall under {} restriction {} ({}); end the restriction or leave them out, then `chartdesk roi lift REQ`",
            docs.join(", "),
            if self.kind == "self_pay" {
                "the self-pay"
            } else {
                "agreed"
            },
            self.restriction_id,
            self.rule
        )
    }
}

/// The restrictions in force that a disclosure to `t` of `docs` ((id, visit number)) would
/// break; empty when none.
pub fn conflicts(
    conn: &crate::store::Reader,
    patient_id: i64,
    t: RequesterType,
    docs: &[(i64, String)],
) -> Result<Vec<Conflict>, CoreError> {
    let mut out = Vec::new();
    for r in for_patient(conn, patient_id)? {
        if r.ended_on.is_some() || !r.binds(t) {
            continue;
        }
        let hit: Vec<i64> = docs
            .iter()
            .filter(|(id, visit)| r.covers(*id, visit))
            .map(|(id, _)| *id)
            .collect();
        if !hit.is_empty() {
            out.push(Conflict {
                restriction_id: r.id,
                rule: if r.kind == "self_pay" {
                    "45 CFR 164.522(a)(1)(vi)"
                } else {
                    "45 CFR 164.522(a)(1)(ii)"
                },
                kind: r.kind,
                documents: hit,
            });
        }
    }
    Ok(out)
}

/// The conflicts of request `id` as its documents are selected now.
pub fn request_conflicts(
    conn: &crate::store::Reader,
    id: i64,
    today: NaiveDate,
) -> Result<Vec<Conflict>, CoreError> {
    let rec = super::request::load(conn, id)?;
    let sel = super::request::selection(conn, &rec, today)?;
    let docs: Vec<(i64, String)> = sel
        .items
        .iter()
        .filter(|i| sel.withheld_reason(i).is_none())
        .map(|i| (i.document_id, i.visit_number.clone()))
        .collect();
    conflicts(conn, rec.patient_id, rec.requester_type, &docs)
}

fn patient_id(conn: &crate::store::Reader, mrn: &str) -> Result<i64, CoreError> {
    conn.query_row("SELECT id FROM patients WHERE mrn = ?1", [mrn], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "patient",
        id: mrn.to_string(),
    })
}

/// Record a restriction for patient `mrn`: `agreed` (the facility agreed, 164.522(a)(1)(ii)) or
/// `self_pay` (mandatory, 164.522(a)(1)(vi): needs the encounter paid out of pocket).
#[allow(clippy::too_many_arguments)]
pub fn add(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    kind: &str,
    recipient_types: &[String],
    documents: &[i64],
    encounter: &str,
    description: &str,
) -> Result<i64, CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "restriction", mrn)?;
    if !matches!(kind, "agreed" | "self_pay") {
        return Err(CoreError::invalid(
            "kind",
            format!("{kind:?}: agreed or self_pay"),
        ));
    }
    if kind == "self_pay" && encounter.trim().is_empty() && documents.is_empty() {
        return Err(CoreError::invalid(
            "encounter",
            "a self-pay restriction names the encounter (or documents) paid in full out of pocket (45 CFR 164.522(a)(1)(vi))",
        ));
    }
    for t in recipient_types {
        if !RequesterType::parse(t).is_some_and(|t| DEFAULT_BOUND.contains(&t)) {
            return Err(CoreError::invalid(
                "recipient_types",
                format!(
                    "{t:?}: a restriction binds PROVIDER_TX or PAYER disclosures only (45 CFR 164.522(a)(1)(i), (v))"
                ),
            ));
        }
    }
    if description.trim().is_empty() {
        return Err(CoreError::invalid("description", "say what was agreed"));
    }
    let local = crate::clock::FacilityClock::read(store)?.local(store.now());
    let today = local.date().to_string();
    store.transact(actor, |tx, audit| {
        let pid = patient_id(tx, mrn)?;
        tx.execute(
            "INSERT INTO restrictions(patient_id, kind, recipient_types, document_ids, encounter, description, agreed_on, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![pid, kind, recipient_types.join(","),
                documents.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
                encounter.trim(), description.trim(), today, actor.username],
        )?;
        let rid = tx.last_insert_rowid();
        audit.record(Event::new(Action::Create, Subtype::Create, "restriction", rid.to_string()).patient(mrn).detail(json!({
            "kind": kind, "recipient_types": recipient_types, "documents": documents, "encounter": encounter,
            "rule": if kind == "self_pay" { "45 CFR 164.522(a)(1)(vi)" } else { "45 CFR 164.522(a)(1)(ii)" },
        })));
        Ok(rid)
    })
}

/// End a restriction (164.522(a)(2)); a self-pay restriction ends only at the individual's
/// request, which `reason` must say.
pub fn end(store: &mut Store, actor: &Actor, id: i64, reason: &str) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "restriction",
        &id.to_string(),
    )?;
    if reason.trim().is_empty() {
        return Err(CoreError::invalid(
            "reason",
            "say why the restriction ends (45 CFR 164.522(a)(2))",
        ));
    }
    let local = crate::clock::FacilityClock::read(store)?.local(store.now());
    let today = local.date().to_string();
    store.transact(actor, |tx, audit| {
        let n = tx.execute(
            "UPDATE restrictions SET ended_on = ?2, ended_by = ?3, end_reason = ?4 WHERE id = ?1 AND ended_on IS NULL",
            params![id, today, actor.username, reason.trim()],
        )?;
        if n == 0 {
            return Err(CoreError::invalid("restriction", format!("{id} is not a restriction in force")));
        }
        audit.record(Event::new(Action::Update, Subtype::Update, "restriction", id.to_string()).reason(reason.trim()).detail(json!({"ended_on": today, "rule": "45 CFR 164.522(a)(2)"})));
        Ok(())
    })
}

/// Record the address the individual asked us to use (164.522(b)); it replaces any earlier.
pub fn set_confidential_address(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    address: &str,
) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "confidential_address",
        mrn,
    )?;
    let now = utc_ms(store.now());
    let local = crate::clock::FacilityClock::read(store)?.local(store.now());
    store.transact(actor, |tx, audit| {
        let pid = patient_id(tx, mrn)?;
        tx.execute(
            "UPDATE confidential_addresses SET ended_at = ?2 WHERE patient_id = ?1 AND ended_at IS NULL",
            params![pid, now],
        )?;
        if !address.trim().is_empty() {
            tx.execute(
                "INSERT INTO confidential_addresses(patient_id, address, recorded_on, recorded_by) VALUES (?1, ?2, ?3, ?4)",
                params![pid, address.trim(), local.date().to_string(), actor.username],
            )?;
        }
        audit.record(Event::new(Action::Update, Subtype::Update, "confidential_address", mrn).patient(mrn).detail(json!({
            "address_set": !address.trim().is_empty(), "rule": "45 CFR 164.522(b)",
        })));
        Ok(())
    })
}

/// Put request `id` on hold `HOLD_RESTRICTION` when its release would break a restriction;
/// returns the conflicts (empty: nothing done).
pub fn hold_if_restricted(
    store: &mut Store,
    actor: &Actor,
    id: i64,
) -> Result<Vec<Conflict>, CoreError> {
    let today = super::request::today(store);
    let found = request_conflicts(store.conn(), id, today)?;
    if found.is_empty() {
        return Ok(found);
    }
    let reason = found
        .iter()
        .map(Conflict::message)
        .collect::<Vec<_>>()
        .join("; ");
    super::request::with_request(store, actor, id, |tx, audit, rec, now, today| {
        super::request::move_status(
            tx,
            audit,
            actor,
            rec,
            super::lifecycle::Status::OnHold,
            Some(HOLD_RESTRICTION),
            now,
            today,
        )?;
        audit.record(
            super::request::event(rec, Action::Update, Subtype::Update)
                .reason(&reason)
                .detail(json!({"conflicts": found})),
        );
        Ok(())
    })?;
    Ok(found)
}
