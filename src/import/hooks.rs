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
            days: crate::settings::get_i64(tx, "deficiency_delinquent_days")?,
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
