//! Deficiency status changes made by people (DEF-02/03/04): transitions along the status
//! chain, waiver approval, reassignment, manual deficiencies, and signatures recorded by a
//! technician (which re-run analysis so signature deficiencies resolve automatically). Each
//! is one audited transaction; the chart's HIM status follows (DEF-04).

use chrono::{Duration, NaiveDateTime};
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::lifecycle::{By, Decision, DefStatus, WaiveReason, check_transition};
use super::ops::{
    AnalysisContext, AnalysisOutcome, DEF_COLS, DeficiencyRow, analyze_in_tx, def_from_row,
    local_now, local_ts,
};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, ActorRole, Event, Subtype};
use crate::domain::{DocStatus, Perm};
use crate::error::CoreError;
use crate::settings;
use crate::store::{AuditBuffer, Store, Tx};

fn by_of(actor: &Actor) -> By {
    match actor.role {
        ActorRole::User(r) => By::Role(r),
        ActorRole::System => By::System,
    }
}

fn get_def(tx: &crate::store::Reader, id: i64) -> Result<(DeficiencyRow, String), CoreError> {
    tx.query_row(
        &format!("SELECT {DEF_COLS}, p.mrn FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id JOIN patients p ON p.id = e.patient_id WHERE d.id = ?1"),
        [id],
        |r| Ok((def_from_row(r)?, r.get::<_, String>(12)?)),
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound { what: "deficiency", id: id.to_string() })
}

/// Refresh the encounter's HIM status after a deficiency changed (DEF-04).
fn refresh_encounter(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    encounter_id: i64,
    mrn: &str,
) -> Result<(), CoreError> {
    let (open, him): (i64, String) = tx.query_row(
        "SELECT (SELECT count(*) FROM deficiencies WHERE encounter_id = ?1 AND status NOT IN ('completed','waived','void')), him_status
         FROM encounters WHERE id = ?1",
        [encounter_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if him == "open" || him == "awaiting_analysis" {
        return Ok(());
    }
    let want = if open > 0 {
        "incomplete"
    } else {
        "doc_complete"
    };
    if want != him {
        tx.execute(
            "UPDATE encounters SET him_status = ?1 WHERE id = ?2",
            params![want, encounter_id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "encounter", encounter_id)
                .patient(mrn)
                .encounter(encounter_id)
                .detail(json!({"him_status": {"from": him, "to": want}})),
        );
    }
    Ok(())
}

/// Move a deficiency along its status chain (checked by `check_transition`, audited).
pub fn transition(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    to: DefStatus,
    reason: &str,
    waive_code: Option<WaiveReason>,
) -> Result<Decision, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "deficiency",
        &id.to_string(),
    )?;
    let now = local_ts(local_now(store));
    store.transact(actor, |tx, audit| {
        let (d, mrn) = get_def(tx, id)?;
        let from = DefStatus::parse(&d.status).unwrap_or(DefStatus::Open);
        let decision = check_transition(from, to, by_of(actor), reason, waive_code)
            .map_err(|e| CoreError::invalid("deficiency", e.to_string()))?;
        match decision {
            Decision::Move(new) => {
                let closing = new.is_closed();
                tx.execute(
                    "UPDATE deficiencies SET status = ?1, waive_pending = 0,
                       waive_reason = COALESCE(?2, waive_reason),
                       closed_at = CASE WHEN ?3 THEN ?4 ELSE closed_at END,
                       closed_by = CASE WHEN ?3 THEN ?5 ELSE closed_by END,
                       note = CASE WHEN ?6 <> '' THEN ?6 ELSE note END
                     WHERE id = ?7",
                    params![new.as_str(), waive_code.map(|w| w.as_str()), closing, now, actor.username, reason.trim(), id],
                )?;
                if closing && d.kind == "QUERY" {
                    // COD-21: the coding query follows its deficiency and the hold is released.
                    crate::coding::query::on_deficiency_closed(tx, audit, id, new.as_str(), &now, &actor.username)?;
                }
            }
            Decision::WaiverPendingApproval => {
                tx.execute(
                    "UPDATE deficiencies SET waive_pending = 1, waive_reason = ?1, note = ?2 WHERE id = ?3",
                    params![waive_code.map(|w| w.as_str()), reason.trim(), id],
                )?;
            }
        }
        let to_text = match decision {
            Decision::Move(s) => s.as_str(),
            Decision::WaiverPendingApproval => "waiver_pending_approval",
        };
        let mut e = Event::new(Action::Update, Subtype::Update, "deficiency", id)
            .patient(&mrn)
            .encounter(d.encounter_id)
            .detail(json!({"kind": d.kind, "from": d.status, "to": to_text, "waive_reason": waive_code.map(|w| w.as_str())}));
        if !reason.trim().is_empty() {
            e = e.reason(reason.trim());
        }
        audit.record(e);
        refresh_encounter(tx, audit, d.encounter_id, &mrn)?;
        Ok(decision)
    })
}

/// A supervisor approves a technician's pending waiver (DEF-03).
pub fn approve_waiver(store: &mut Store, actor: &Actor, id: i64) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::WaiveDeficiency,
        "deficiency",
        &id.to_string(),
    )?;
    let now = local_ts(local_now(store));
    store.transact(actor, |tx, audit| {
        let (d, mrn) = get_def(tx, id)?;
        if !d.waive_pending {
            return Err(CoreError::invalid("deficiency", format!("{id} has no waiver waiting for approval")));
        }
        tx.execute(
            "UPDATE deficiencies SET status = 'waived', waive_pending = 0, closed_at = ?1, closed_by = ?2 WHERE id = ?3",
            params![now, actor.username, id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "deficiency", id)
                .patient(&mrn)
                .encounter(d.encounter_id)
                .detail(json!({"kind": d.kind, "from": d.status, "to": "waived", "approved_waiver": true})),
        );
        if d.kind == "QUERY" {
            crate::coding::query::on_deficiency_closed(tx, audit, id, "waived", &now, &actor.username)?;
        }
        refresh_encounter(tx, audit, d.encounter_id, &mrn)?;
        Ok(())
    })
}

/// A supervisor rejects a technician's pending waiver (DEF-03): the deficiency stays open with
/// its provider, the waiver code is cleared, and the rejection is audited with its reason.
pub fn reject_waiver(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::WaiveDeficiency,
        "deficiency",
        &id.to_string(),
    )?;
    store.transact(actor, |tx, audit| {
        let (d, mrn) = get_def(tx, id)?;
        if !d.waive_pending {
            return Err(CoreError::invalid(
                "deficiency",
                format!("{id} has no waiver waiting for approval"),
            ));
        }
        tx.execute(
            "UPDATE deficiencies SET waive_pending = 0, waive_reason = NULL WHERE id = ?1",
            params![id],
        )?;
        let mut e = Event::new(Action::Update, Subtype::Update, "deficiency", id)
            .patient(&mrn)
            .encounter(d.encounter_id)
            .detail(json!({"kind": d.kind, "status": d.status, "waiver_rejected": true}));
        if !reason.trim().is_empty() {
            e = e.reason(reason.trim());
        }
        audit.record(e);
        Ok(())
    })
}

/// Reassign a deficiency to another provider (audited with old and new).
pub fn reassign(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    provider_id: i64,
    reason: &str,
) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "deficiency",
        &id.to_string(),
    )?;
    let now = local_ts(local_now(store));
    store.transact(actor, |tx, audit| {
        let (d, mrn) = get_def(tx, id)?;
        if DefStatus::parse(&d.status).is_none_or(DefStatus::is_closed) {
            return Err(CoreError::invalid("deficiency", format!("{id} is {} and cannot be reassigned", d.status)));
        }
        let exists: bool = tx.query_row("SELECT count(*) FROM providers WHERE id = ?1", [provider_id], |r| r.get::<_, i64>(0))? > 0;
        if !exists {
            return Err(CoreError::NotFound { what: "provider", id: provider_id.to_string() });
        }
        tx.execute("UPDATE deficiencies SET provider_id = ?1, assigned_at = ?2 WHERE id = ?3", params![provider_id, now, id])?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "deficiency", id)
                .patient(&mrn)
                .encounter(d.encounter_id)
                .reason(reason.trim())
                .detail(json!({"kind": d.kind, "provider_from": d.provider_id, "provider_to": provider_id})),
        );
        Ok(())
    })
}

/// Add a deficiency by hand (technician: two keystrokes in the queue). Kinds from DOMAIN §2.2.
pub fn add_manual(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    kind: &str,
    document_id: Option<i64>,
    provider_id: Option<i64>,
    note: &str,
) -> Result<i64, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "encounter",
        &encounter_id.to_string(),
    )?;
    if !super::KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(CoreError::invalid(
            "kind",
            format!("{kind:?} is not a deficiency type of DOMAIN §2.2"),
        ));
    }
    let now = local_now(store);
    let days = settings::get_i64(store.conn(), crate::settings::Key::DeficiencyDelinquentDays)?;
    store.transact(actor, |tx, audit| {
        let mrn: String = tx
            .query_row("SELECT p.mrn FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.id = ?1", [encounter_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| CoreError::NotFound { what: "encounter", id: encounter_id.to_string() })?;
        let slot = match document_id {
            Some(d) => format!("manual:{d}"),
            None => format!("manual:{}", local_ts(now)),
        };
        tx.execute(
            "INSERT INTO deficiencies(encounter_id, document_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, origin, rule, note)
             VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?6, ?7, 'manual', 'MANUAL', ?8)",
            params![encounter_id, document_id, slot, kind, provider_id, local_ts(now), local_ts(now + Duration::days(days)), note],
        )
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => CoreError::invalid("deficiency", format!("{kind} already exists for that document")),
            _ => e.into(),
        })?;
        let id = tx.last_insert_rowid();
        audit.record(
            Event::new(Action::Create, Subtype::Create, "deficiency", id)
                .patient(&mrn)
                .encounter(encounter_id)
                .detail(json!({"kind": kind, "document_id": document_id, "provider_id": provider_id, "origin": "manual"})),
        );
        let him: String = tx.query_row("SELECT him_status FROM encounters WHERE id = ?1", [encounter_id], |r| r.get(0))?;
        if him == "doc_complete" {
            tx.execute("UPDATE encounters SET him_status = 'incomplete' WHERE id = ?1", [encounter_id])?;
            audit.record(
                Event::new(Action::Update, Subtype::Update, "encounter", encounter_id)
                    .patient(&mrn)
                    .encounter(encounter_id)
                    .detail(json!({"him_status": {"from": him, "to": "incomplete"}})),
            );
        }
        Ok(id)
    })
}

/// Record a signature entered by a technician (DEF-02) and re-run analysis, which resolves
/// the document's signature deficiencies automatically (audited as system, naming the event).
pub fn record_signature(
    store: &mut Store,
    actor: &Actor,
    document_id: i64,
    signed_at: NaiveDateTime,
) -> Result<AnalysisOutcome, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "document",
        &document_id.to_string(),
    )?;
    let AnalysisContext { rules, days, now } = AnalysisContext::read(store)?;
    store.transact(actor, |tx, audit| {
        let (encounter_id, status, mrn, discharged): (i64, String, String, bool) = tx
            .query_row(
                "SELECT d.encounter_id, d.status, p.mrn, e.discharge_at IS NOT NULL FROM documents d JOIN encounters e ON e.id = d.encounter_id
                 JOIN patients p ON p.id = e.patient_id WHERE d.id = ?1",
                [document_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound { what: "document", id: document_id.to_string() })?;
        if DocStatus::parse(&status).is_some_and(DocStatus::is_signed) {
            return Err(CoreError::invalid("document", format!("{document_id} is already {status}")));
        }
        tx.execute("UPDATE documents SET status = 'signed', signed_at = ?1 WHERE id = ?2", params![local_ts(signed_at), document_id])?;
        audit.record(
            Event::new(Action::Update, Subtype::Sign, "document", document_id)
                .patient(&mrn)
                .encounter(encounter_id)
                .detail(json!({"from": status, "to": "signed", "signed_at": local_ts(signed_at)})),
        );
        if discharged {
            analyze_in_tx(tx, audit, &rules, encounter_id, now, days, &format!("document {document_id} signed"))
        } else {
            Ok(AnalysisOutcome::default())
        }
    })
}
