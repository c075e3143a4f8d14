//! What makes a stay surgical (REQ-OP, REQ-CONSENT) and which consultations were ordered
//! (REQ-CONSULT), read from the store for the pure rules.
//!
//! A procedure is an operating-room procedure when
//! - its FHIR `Procedure.category` is SNOMED 387713003 "Surgical procedure", or
//! - its code is on the facility O.R. list (setting `or_procedure_codes`, SNOMED or ICD-10-PCS), or
//! - it is an ICD-10-PCS code the MS-DRG v43 tables flag O.R. (the grouper's `d468`/`d477`
//!   non-extensive / extensive O.R. lists, or any surgical-DRG attribute).
//!
//! Nursing care, an exam, an ECG or oxygen are none of these, so they never make a stay surgical.

use super::rules::ConsultOrder;
use crate::error::CoreError;

/// SNOMED CT "Surgical procedure" (the FHIR Procedure.category value set's surgical code).
pub const SNOMED_SURGICAL_CATEGORY: &str = "387713003";

/// Whether an ICD-10-PCS code is an O.R. procedure in the MS-DRG v43 tables.
pub fn pcs_is_or(code: &str) -> bool {
    let code = code.trim().replace('.', "").to_ascii_uppercase();
    crate::coding::grouper::tables::tables(431)
        .ok()
        .and_then(|t| t.pr.get(&code))
        .is_some_and(|attrs| {
            attrs
                .iter()
                .any(|a| a == "d468" || a == "d477" || a.starts_with("ORPROC"))
        })
}

/// Whether one imported or coded procedure is an O.R. procedure (see the module doc).
pub fn is_or_procedure(system: &str, code: &str, category: &str, or_codes: &[String]) -> bool {
    let code_u = code.trim().to_ascii_uppercase();
    category == SNOMED_SURGICAL_CATEGORY
        || or_codes.contains(&code_u)
        || (system.eq_ignore_ascii_case("ICD-10-PCS") || system == "pcs") && pcs_is_or(&code_u)
}

/// O.R. procedures of an encounter: imported procedures (clinical facts) and coded ICD-10-PCS.
pub fn or_procedures(
    conn: &crate::store::Reader,
    encounter_id: i64,
    or_codes: &[String],
) -> Result<usize, CoreError> {
    let mut n = 0;
    let mut st = conn.prepare_cached(
        "SELECT system, code, category FROM clinical_facts WHERE encounter_id = ?1 AND kind = 'procedure'",
    )?;
    let mut rows = st.query([encounter_id])?;
    while let Some(r) = rows.next()? {
        let (system, code, category): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        n += usize::from(is_or_procedure(&system, &code, &category, or_codes));
    }
    let mut st = conn.prepare_cached(
        "SELECT code FROM encounter_codes WHERE encounter_id = ?1 AND kind = 'pcs'",
    )?;
    let mut rows = st.query([encounter_id])?;
    while let Some(r) = rows.next()? {
        let code: String = r.get(0)?;
        n += usize::from(is_or_procedure("pcs", &code, "", or_codes));
    }
    Ok(n)
}

/// Consultation orders of an encounter that were not cancelled (REQ-CONSULT).
pub fn consult_orders(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<Vec<ConsultOrder>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT id, ordered_at, performer_id FROM orders
         WHERE encounter_id = ?1 AND kind = 'consult' AND status <> 'cancelled' ORDER BY id",
    )?;
    let mut out = Vec::new();
    let mut rows = st.query([encounter_id])?;
    while let Some(r) = rows.next()? {
        let at: String = r.get(1)?;
        let ordered_at =
            chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S").map_err(|_| {
                CoreError::invalid(
                    format!("order {} ordered_at", r.get::<_, i64>(0).unwrap_or(0)),
                    format!("unreadable time {at:?}"),
                )
            })?;
        out.push(ConsultOrder {
            order_id: r.get(0)?,
            ordered_at,
            performer_id: r.get(2)?,
        });
    }
    Ok(out)
}
