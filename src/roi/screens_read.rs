//! Bare reads the ROI desk screens need beside the audited calls (ids, versions and counts;
//! no PHI). The TUI holds no SQL; these are its statements.

use rusqlite::OptionalExtension;

use crate::error::CoreError;

/// The patient's open accounting request as `(id, version)`, read before the audited
/// accounting so a later save is checked against it.
pub fn open_aod_request(
    conn: &crate::store::Reader,
    mrn: &str,
) -> Result<Option<(i64, i64)>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT a.id, a.version FROM aod_requests a JOIN patients p ON p.id = a.patient_id
             WHERE p.mrn = ?1 AND a.status <> 'provided' ORDER BY a.id DESC LIMIT 1",
            [mrn],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The newest oversight or law-enforcement request about the patient (the agency a
/// suspension of the accounting comes from, AOD-06).
pub fn agency_request(conn: &crate::store::Reader, mrn: &str) -> Result<Option<i64>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT r.id FROM release_requests r JOIN patients p ON p.id = r.patient_id
             WHERE p.mrn = ?1 AND r.requester_type IN ('OVERSIGHT', 'LAW_ENF')
             ORDER BY r.id DESC LIMIT 1",
            [mrn],
            |r| r.get::<_, i64>(0),
        )
        .optional()?)
}

/// What an ROI screen shows, for [`fingerprint`].
#[derive(Clone, Copy, Debug)]
pub enum RoiView<'a> {
    Queue,
    Request(i64),
    Accounting { mrn: &'a str },
    AddressBook,
}

/// What an ROI screen is built from, as a few cheap aggregates (record versions and counts;
/// no PHI, not audited): a change here, not any commit, makes the screen re-read.
pub fn fingerprint(conn: &crate::store::Reader, view: RoiView<'_>) -> Result<String, CoreError> {
    let q = |sql: &str, p: &dyn rusqlite::ToSql| -> Result<String, CoreError> {
        Ok(conn.query_row(sql, [p], |r| {
            Ok(format!("{}:{}", r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?)
    };
    match view {
        RoiView::Queue => q(
            "SELECT count(*), coalesce(sum(version), 0) FROM release_requests WHERE ?1 = ?1",
            &0,
        ),
        RoiView::Request(id) => q(
            "SELECT count(*), coalesce(sum(version), 0) FROM release_requests WHERE id = ?1",
            &id,
        ),
        RoiView::Accounting { mrn } => q(
            "SELECT (SELECT count(*) FROM disclosures d JOIN patients p ON p.id = d.patient_id WHERE p.mrn = ?1)
                    + (SELECT count(*) FROM aod_suspensions),
                    (SELECT coalesce(sum(a.version), 0) + count(*) FROM aod_requests a
                       JOIN patients p ON p.id = a.patient_id WHERE p.mrn = ?1)",
            &mrn,
        ),
        RoiView::AddressBook => q(
            "SELECT count(*), coalesce(sum(version), 0) FROM requester_book WHERE ?1 = ?1",
            &0,
        ),
    }
}
