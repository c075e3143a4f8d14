//! Bare reads the coding workbench shows beside the audited `work::open` of the same claimed
//! encounter. The TUI holds no SQL; these are its statements.

use rusqlite::Connection;

use crate::error::CoreError;

/// The encounter's clinical facts as one line each: `kind system code display date`, by
/// kind then time (SNOMED URIs shortened to `SNOMED`).
pub fn clinical_fact_lines(conn: &Connection, encounter_id: i64) -> Result<Vec<String>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT kind, system, code, display, COALESCE(substr(occurred_at, 1, 10), '')
         FROM clinical_facts WHERE encounter_id = ?1 ORDER BY kind, occurred_at, id",
    )?;
    let rows = st
        .query_map([encounter_id], |r| {
            let (kind, system, code, display, at): (String, String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let system = if system.contains("snomed") {
                "SNOMED".to_string()
            } else {
                system
            };
            Ok(format!("{kind:<9} {system} {code} {display} {at}"))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
