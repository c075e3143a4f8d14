//! Bare reads the terminal screens need beside the audited calls: no PHI beyond ids, so not
//! audited themselves (the chart they lead to is opened through the audited `open_chart`).
//! The TUI holds no SQL; these are its statements.

use rusqlite::OptionalExtension;

use crate::error::CoreError;

/// The patient an encounter belongs to (to open its chart through the audited call).
pub fn patient_of_encounter(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<i64, CoreError> {
    conn.query_row(
        "SELECT patient_id FROM encounters WHERE id = ?1",
        [encounter_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(CoreError::NotFound {
        what: "encounter",
        id: encounter_id.to_string(),
    })
}

/// The encounter with this visit number (exact, case-insensitive), if any.
pub fn encounter_by_visit(
    conn: &crate::store::Reader,
    visit: &str,
) -> Result<Option<i64>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM encounters WHERE visit_number = ?1 COLLATE NOCASE ORDER BY id LIMIT 1",
            [visit.trim()],
            |r| r.get(0),
        )
        .optional()?)
}

/// An encounter's `(him_status, coding_status)` as stored now (for screen headers).
pub fn encounter_status(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<(String, String), CoreError> {
    Ok(conn.query_row(
        "SELECT him_status, coding_status FROM encounters WHERE id = ?1",
        [encounter_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The services encounters carry, sorted (for the queue filter's name matching).
pub fn services(conn: &crate::store::Reader) -> Result<Vec<String>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT service FROM encounters WHERE service <> '' ORDER BY service",
    )?;
    let rows = st
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(rows)
}

/// The sequence number of the last audit row that records a change (not a view, query or
/// read export): every data change appends one in its own transaction, so an open list
/// whose marker moved is stale. Reads append rows too, which is why they are skipped — a
/// re-read never makes another desk re-read. Walks back from the log's head, so it costs
/// the reads since the last change.
pub fn change_marker(conn: &crate::store::Reader) -> Result<i64, CoreError> {
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM audit_log WHERE action <> 'R' AND subtype NOT IN ('query', 'view')
             ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(seq.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_marker_skips_reads_and_patient_lookup_names_a_missing_encounter() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        let raw = rusqlite::Connection::open(&path).expect("db");
        raw.execute_batch(
            "CREATE TABLE encounters(id INTEGER PRIMARY KEY, patient_id INTEGER);
             INSERT INTO encounters VALUES (7, 3);
             CREATE TABLE audit_log(seq INTEGER PRIMARY KEY, action TEXT, subtype TEXT);
             INSERT INTO audit_log VALUES (1, 'U', 'update'), (2, 'R', 'view'), (3, 'R', 'query');",
        )
        .expect("schema");
        let conn = crate::store::Reader::new(rusqlite::Connection::open(&path).expect("reader"));
        assert_eq!(patient_of_encounter(&conn, 7).expect("found"), 3);
        let e = patient_of_encounter(&conn, 8).expect_err("missing");
        assert!(e.to_string().contains('8'), "{e}");
        assert_eq!(change_marker(&conn).expect("marker"), 1);
        raw.execute("INSERT INTO audit_log VALUES (4, 'C', 'create')", [])
            .expect("insert");
        assert_eq!(change_marker(&conn).expect("marker"), 4);
    }
}
