//! Hooks run by import inside the file's transaction.

use rusqlite::OptionalExtension;
use serde_json::json;

use crate::audit::{Action, Event, Subtype};
use crate::error::CoreError;
use crate::store::{AuditBuffer, Tx};

/// Called once when an encounter becomes discharged by import (FHIR `period.end` newly set,
/// HL7 A03 or any message that newly sets PV1-45): moves `him_status` `open` →
/// `awaiting_analysis` (audited). Deficiency analysis then runs for it at the end of the file
/// ([`AnalysisSetup::run_if_discharged`]), once every document in the file is in.
pub fn encounter_discharged(
    tx: &Tx,
    audit: &mut AuditBuffer,
    encounter_id: i64,
) -> Result<(), CoreError> {
    let row: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT e.him_status, p.mrn FROM encounters e JOIN patients p ON p.id = e.patient_id
             WHERE e.id = ?1",
        )?
        .query_row([encounter_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((him, mrn)) = row else {
        return Err(CoreError::NotFound {
            what: "encounter",
            id: encounter_id.to_string(),
        });
    };
    if him != "open" {
        return Ok(());
    }
    tx.prepare_cached("UPDATE encounters SET him_status = 'awaiting_analysis' WHERE id = ?1")?
        .execute([encounter_id])?;
    audit.record(
        Event::new(Action::Update, Subtype::Update, "encounter", encounter_id)
            .patient(&mrn)
            .encounter(encounter_id)
            .reason("discharged: awaiting deficiency analysis")
            .detail(json!({"him_status": ["open", "awaiting_analysis"], "trigger": "discharge"})),
    );
    Ok(())
}

/// Deficiency analysis (DEF-01) for the encounters an import discharged or whose documents it
/// changed — the automatic analysis on discharge, and the automatic resolution when a
/// document arrives signed. The rule set and settings are read once per file; `now` is the
/// store's clock in facility time.
pub struct AnalysisSetup {
    rules: crate::deficiency::rules::RuleSet,
    days: i64,
    now: chrono::NaiveDateTime,
    trigger: String,
}

impl AnalysisSetup {
    pub fn read(
        tx: &Tx,
        now: chrono::NaiveDateTime,
        trigger: String,
    ) -> Result<AnalysisSetup, CoreError> {
        Ok(AnalysisSetup {
            rules: crate::deficiency::ops::rules_in_force(tx)?,
            days: crate::settings::get_i64(tx, crate::settings::Key::DeficiencyDelinquentDays)?,
            now,
            trigger,
        })
    }

    /// Analyse one encounter if it is discharged; encounters still in house are left alone.
    pub fn run_if_discharged(
        &self,
        tx: &Tx,
        audit: &mut AuditBuffer,
        encounter_id: i64,
    ) -> Result<(), CoreError> {
        let discharged: Option<bool> = tx
            .prepare_cached("SELECT discharge_at IS NOT NULL AND him_status <> 'open' FROM encounters WHERE id = ?1")?
            .query_row([encounter_id], |r| r.get(0))
            .optional()?;
        if discharged == Some(true) {
            crate::deficiency::ops::analyze_in_tx(
                tx,
                audit,
                &self.rules,
                encounter_id,
                self.now,
                self.days,
                &self.trigger,
            )?;
        }
        Ok(())
    }
}

/// Re-review (issue #13): a document that arrives (`created`) or changes on an encounter
/// already coded flags it for coding re-review; on one already analysed, for the technician.
/// The flag names the document; one open flag per (encounter, document, desk), audited.
pub fn flag_rereview(
    tx: &Tx,
    audit: &mut AuditBuffer,
    encounter_id: i64,
    document_id: i64,
    created: bool,
    now: chrono::NaiveDateTime,
) -> Result<(), CoreError> {
    let row: Option<(String, String, Option<String>, String)> = tx
        .prepare_cached(
            "SELECT e.coding_status, e.him_status, e.analyzed_at, p.mrn
             FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.id = ?1",
        )?
        .query_row([encounter_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((coding, him, analyzed_at, mrn)) = row else {
        return Ok(());
    };
    let (title, doc_type, superseded): (String, String, bool) = tx
        .prepare_cached("SELECT title, doc_type, superseded FROM documents WHERE id = ?1")?
        .query_row([document_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    if superseded {
        // The version that replaced it is the one to re-review.
        return Ok(());
    }
    let what = if created { "arrived" } else { "amended" };
    let mut desks = Vec::new();
    if matches!(coding.as_str(), "coded" | "final_billed") {
        desks.push((
            "coding",
            format!(
                "{} {document_id} {what} after coding",
                crate::domain::doc_type_name(&doc_type)
            ),
        ));
    }
    if analyzed_at.is_some() && matches!(him.as_str(), "incomplete" | "doc_complete") {
        desks.push((
            "analysis",
            format!(
                "{} {document_id} {what} after analysis",
                crate::domain::doc_type_name(&doc_type)
            ),
        ));
    }
    let now_s = crate::deficiency::ops::local_ts(now);
    for (desk, reason) in desks {
        let n = tx
            .prepare_cached(
                "INSERT INTO rereview_flags(encounter_id, document_id, desk, reason, flagged_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(encounter_id, document_id, desk) DO UPDATE SET
                    reason = excluded.reason, flagged_at = excluded.flagged_at, cleared_at = NULL, cleared_by = NULL
                 WHERE cleared_at IS NOT NULL",
            )?
            .execute(rusqlite::params![encounter_id, document_id, desk, reason, now_s])?;
        if n > 0 {
            audit.record(
                Event::new(
                    Action::Create,
                    Subtype::Create,
                    "rereview_flag",
                    encounter_id,
                )
                .patient(&mrn)
                .encounter(encounter_id)
                .reason(reason.clone())
                .detail(json!({"desk": desk, "document_id": document_id, "title": title})),
            );
        }
    }
    Ok(())
}
