//! Signatures recorded at the HIM desk beyond one document at a time (issue #13):
//! the cosignature on a resident's (NP's, PA's) note, which resolves its COSIGN deficiency
//! (AUTH-COSIGN, DEF-02), and the bulk completion of every signature deficiency of one
//! physician who signed at the signing station.
//!
//! Invariants:
//! - Permission (record signatures: TECH, SUPERVISOR) is checked here, not only in the UI.
//! - One audited transaction per action; the bulk action is confirmed by the count the user
//!   was shown, so a list that changed underneath is refused, never half-applied.
//! - Deficiencies resolve through analysis (closed by "system", naming the action), so the
//!   chart's HIM status and the queues stay consistent with the rules.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::ops::{
    AnalysisContext, AnalysisOutcome, DEF_COLS, DeficiencyRow, analyze_in_tx, def_from_row,
    local_ts,
};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::{DocStatus, Perm};
use crate::error::CoreError;
use crate::store::Store;

/// Signature deficiency kinds a physician clears by signing (DOMAIN §2.2 "Authentication").
pub const SIGNATURE_KINDS: &[&str] = &["UNSIGNED", "COSIGN", "ORD_UNSIGNED"];

/// Record the supervising physician's cosignature on a signed note (AUTH-COSIGN): the
/// document becomes `cosigned` and its COSIGN deficiency resolves.
pub fn record_cosignature(
    store: &mut Store,
    actor: &Actor,
    document_id: i64,
    cosigned_at: NaiveDateTime,
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
        let (encounter_id, status, cosigner, mrn, discharged): (i64, String, Option<i64>, String, bool) = tx
            .query_row(
                "SELECT d.encounter_id, d.status, d.cosigner_id, p.mrn, e.discharge_at IS NOT NULL
                 FROM documents d JOIN encounters e ON e.id = d.encounter_id JOIN patients p ON p.id = e.patient_id
                 WHERE d.id = ?1",
                [document_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound { what: "document", id: document_id.to_string() })?;
        cosign_in_tx(tx, document_id, &status, cosigner, cosigned_at)?;
        audit.record(
            Event::new(Action::Update, Subtype::Sign, "document", document_id)
                .patient(&mrn)
                .encounter(encounter_id)
                .detail(json!({"from": status, "to": "cosigned", "cosigner_id": cosigner,
                               "cosigned_at": local_ts(cosigned_at), "rule": "AUTH-COSIGN"})),
        );
        if discharged {
            analyze_in_tx(tx, audit, &rules, encounter_id, now, days, &format!("document {document_id} cosigned"))
        } else {
            Ok(AnalysisOutcome::default())
        }
    })
}

fn cosign_in_tx(
    tx: &crate::store::Tx<'_>,
    document_id: i64,
    status: &str,
    cosigner: Option<i64>,
    at: NaiveDateTime,
) -> Result<(), CoreError> {
    if cosigner.is_none() {
        return Err(CoreError::invalid(
            "document",
            format!(
                "{document_id} names no supervising physician; nothing to cosign (AUTH-COSIGN)"
            ),
        ));
    }
    match DocStatus::parse(status) {
        Some(DocStatus::Signed) => {}
        Some(DocStatus::Cosigned) | Some(DocStatus::Reviewed) => {
            return Err(CoreError::invalid(
                "document",
                format!("{document_id} is already {status}"),
            ));
        }
        _ => {
            return Err(CoreError::invalid(
                "document",
                format!(
                    "{document_id} is {status}: its author signs first, then the supervisor cosigns"
                ),
            ));
        }
    }
    tx.execute(
        "UPDATE documents SET status = 'cosigned', cosigned_at = ?1 WHERE id = ?2",
        params![local_ts(at), document_id],
    )?;
    Ok(())
}

/// The open signature deficiencies of one physician (UNSIGNED, COSIGN, ORD_UNSIGNED on a
/// document), oldest first: what a bulk completion would clear, listed for confirmation.
pub fn signature_deficiencies(
    conn: &crate::store::Reader,
    provider_id: i64,
) -> Result<Vec<DeficiencyRow>, CoreError> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {DEF_COLS} FROM deficiencies d
         WHERE d.provider_id = ?1 AND d.kind IN ('UNSIGNED','COSIGN','ORD_UNSIGNED') AND d.document_id IS NOT NULL
           AND d.status NOT IN ('completed','waived','void')
         ORDER BY d.assigned_at, d.id"
    ))?;
    Ok(st
        .query_map([provider_id], def_from_row)?
        .collect::<Result<_, _>>()?)
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    pub documents_signed: usize,
    pub documents_cosigned: usize,
    pub deficiencies_completed: usize,
    pub encounters: usize,
}

/// Bulk complete (issue #13): the physician signed everything at the signing station. Every
/// open signature deficiency of `provider_id` is cleared in one audited transaction: each
/// document is signed (or cosigned) at `signed_at`, then each chart is re-analysed so the
/// deficiencies close. `confirmed` is the number of deficiencies the user was shown; if the
/// list changed since, nothing is done.
pub fn bulk_complete_signatures(
    store: &mut Store,
    actor: &Actor,
    provider_id: i64,
    signed_at: NaiveDateTime,
    confirmed: usize,
) -> Result<BulkOutcome, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "provider",
        &provider_id.to_string(),
    )?;
    let AnalysisContext { rules, days, now } = AnalysisContext::read(store)?;
    store.transact(actor, |tx, audit| {
        let list = signature_deficiencies(tx, provider_id)?;
        if list.len() != confirmed {
            return Err(CoreError::invalid(
                "confirm",
                format!("the physician now has {} signature deficiencies, not the {confirmed} confirmed; list them again", list.len()),
            ));
        }
        if list.is_empty() {
            return Err(CoreError::invalid("provider", format!("provider {provider_id} has no open signature deficiency")));
        }
        let mut out = BulkOutcome::default();
        let mut encounters: Vec<i64> = Vec::new();
        let mut done = Vec::new();
        for d in &list {
            let Some(doc) = d.document_id else { continue };
            let (status, cosigner): (String, Option<i64>) = tx.query_row(
                "SELECT status, cosigner_id FROM documents WHERE id = ?1",
                [doc],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if d.kind == "COSIGN" {
                if DocStatus::parse(&status) == Some(DocStatus::Signed) {
                    cosign_in_tx(tx, doc, &status, cosigner, signed_at)?;
                    out.documents_cosigned += 1;
                }
            } else if DocStatus::parse(&status).is_some_and(|s| !s.is_signed()) {
                tx.execute(
                    "UPDATE documents SET status = 'signed', signed_at = ?1 WHERE id = ?2",
                    params![local_ts(signed_at), doc],
                )?;
                out.documents_signed += 1;
            }
            done.push(json!({"deficiency": d.id, "kind": d.kind, "document_id": doc, "encounter_id": d.encounter_id}));
            if !encounters.contains(&d.encounter_id) {
                encounters.push(d.encounter_id);
            }
        }
        audit.record(
            Event::new(Action::Update, Subtype::Sign, "provider", provider_id)
                .reason("bulk complete: the physician signed at the signing station")
                .detail(json!({"signed_at": local_ts(signed_at), "confirmed": confirmed, "items": done})),
        );
        let trigger = format!("bulk complete of provider {provider_id} by {}", actor.username);
        for e in &encounters {
            let r = analyze_in_tx(tx, audit, &rules, *e, now, days, &trigger)?;
            out.deficiencies_completed += r.resolved;
        }
        out.encounters = encounters.len();
        Ok(out)
    })
}
