//! Hooks run by import inside the file's transaction.

use rusqlite::OptionalExtension;
use serde_json::json;

use crate::audit::{Action, Event, Subtype};
use crate::error::CoreError;
use crate::store::{AuditBuffer, Tx};

/// Called once when an encounter becomes discharged by import (FHIR `period.end` newly set,
/// HL7 A03 or any message that newly sets PV1-45): the event on which deficiency analysis
/// (issue #5) runs. For now it moves `him_status` `open` → `awaiting_analysis` (recording an
/// audit event) and leaves `coding_status` as it is (`not_ready` stays `not_ready`). Any other
/// `him_status` is left alone and nothing is recorded.
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
