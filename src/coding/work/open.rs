//! Opening an encounter on the workbench (header, codes, live edits, open deficiencies and queries;
//! audited as a view), its hold, and the titles of its codes.

use super::*;

/// Open an encounter on the workbench: header, codes, live edits, open deficiencies and
/// queries; audited as a view.
pub fn open(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
) -> Result<(EncounterHeader, CodeList, Vec<Edit>), CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    store.transact_read(actor, |tx, audit| {
        let h = header(tx, encounter_id)?;
        let codes = read_codes(tx, encounter_id)?;
        let edits = edits_for(tx, &h, &codes)?;
        audit.record(
            Event::new(Action::Read, Subtype::View, "coding", encounter_id)
                .patient(&h.mrn)
                .encounter(encounter_id)
                .purpose("HPAYMT"),
        );
        Ok((h, codes, edits))
    })
}

/// Used by the hold list and the workbench banner.
pub fn hold_of(
    conn: &Reader,
    policy: HoldPolicy,
    encounter_id: i64,
) -> Result<Vec<OpenDeficiency>, CoreError> {
    Ok(hold_reasons(
        policy,
        &open_deficiencies(conn, encounter_id)?,
    ))
}

/// Long titles of the list's codes from the code sets in force at discharge (COD-01), as
/// `(dotted or PCS code, title)`; codes not in those sets have none. Reference data, bare read.
pub fn code_titles(
    conn: &Reader,
    h: &EncounterHeader,
    list: &CodeList,
) -> Result<Vec<(String, String)>, CoreError> {
    use crate::codes::{CodeSystem, code_set_for};
    let day = h
        .discharge_at
        .as_deref()
        .and_then(parse_date)
        .or_else(|| parse_date(&h.admit_at));
    let Some(day) = day else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut lookup = |system: CodeSystem, code: &str| -> Result<(), CoreError> {
        if let Some(set) = code_set_for(conn, system, day) {
            let t: Option<String> = conn
                .query_row(
                    "SELECT long_title FROM codes WHERE code_set_id = ?1 AND code = ?2",
                    params![set.0, code],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(t) = t {
                out.push((system.dotted(code), t));
            }
        }
        Ok(())
    };
    for d in list.diagnoses() {
        lookup(CodeSystem::Icd10Cm, &normalize_code(&d.code))?;
    }
    for p in &list.procedures {
        lookup(CodeSystem::Icd10Pcs, &normalize_code(&p.code))?;
    }
    Ok(out)
}
