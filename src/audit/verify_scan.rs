//! The chain scan of `audit verify`: one seq range, in the table's layout (see
//! [`super::verify`]).

use sha2::{Digest, Sha256};

use crate::store::Reader;

use super::verify::{ChainProblem, Layout, link_problem};
use super::{Canon, hex64};

/// An `audit anchor` or `restore` event seen while scanning the chain.
#[derive(Clone, Debug)]
pub(super) struct MarkEvent {
    pub(super) seq: i64,
    pub(super) restore: bool,
    pub(super) detail: String,
}

/// What one seq range of the chain looked like. The link of its first row to the previous
/// range is checked when the ranges are stitched together.
pub(super) struct RangeResult {
    pub(super) rows: i64,
    pub(super) first: Option<(i64, String)>,
    pub(super) last: Option<(i64, String)>,
    pub(super) problem: Option<ChainProblem>,
    pub(super) marks: Vec<MarkEvent>,
}

/// [`super::ROW_COLUMNS`] with every text column read as a BLOB: the same bytes (the database
/// is UTF-8), but SQLite hands out a blob without first copying it to add a terminating NUL,
/// which it does for every text value read through `sqlite3_column_text` (that copy was most
/// of verify's scan cost).
const VERIFY_COLUMNS: &str = "seq, CAST(event_id AS BLOB), CAST(recorded_at AS BLOB), user_id, \
     CAST(username AS BLOB), CAST(role AS BLOB), CAST(terminal_id AS BLOB), CAST(action AS BLOB), \
     CAST(subtype AS BLOB), outcome, CAST(patient_mrn AS BLOB), encounter_id, \
     CAST(entity_type AS BLOB), CAST(entity_id AS BLOB), CAST(purpose_of_use AS BLOB), \
     CAST(reason AS BLOB), CAST(detail AS BLOB), CAST(prev_hash AS BLOB), CAST(hash AS BLOB)";

/// Verify rows with `lo <= seq < hi` in the table's layout.
pub(super) fn verify_range(
    conn: &Reader,
    layout: Layout,
    lo: i64,
    hi: i64,
) -> rusqlite::Result<RangeResult> {
    match layout {
        Layout::Canon => verify_range_canon(conn, lo, hi),
        Layout::Columns => verify_range_columns(conn, lo, hi),
    }
}

/// [`verify_range_columns`] over the stored canonical bytes: a sequential scan + SHA-256. The
/// columns cannot differ from `canon`: SQLite generates it from them on every write, and the
/// table's SQL (the generating expression) is checked by [`check_table`].
fn verify_range_canon(conn: &Reader, lo: i64, hi: i64) -> rusqlite::Result<RangeResult> {
    let mut out = RangeResult {
        rows: 0,
        first: None,
        last: None,
        problem: None,
        marks: Vec::new(),
    };
    let mut stmt = conn.prepare(
        "SELECT seq, CAST(canon AS BLOB), CAST(prev_hash AS BLOB), CAST(hash AS BLOB), \
         CAST(entity_type AS BLOB) FROM audit_log WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query([lo, hi])?;
    let mut prev_hash: Vec<u8> = Vec::with_capacity(64);
    let mut expected = lo;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let canon = r.get_ref(1)?.as_bytes()?;
        let stored_prev = r.get_ref(2)?.as_bytes()?;
        let stored_hash = r.get_ref(3)?.as_bytes()?;
        if out.first.is_none() {
            out.first = Some((seq, String::from_utf8_lossy(stored_prev).into_owned()));
        } else if out.problem.is_none() {
            if seq != expected {
                out.problem = Some(ChainProblem::RowMissing {
                    seq: expected,
                    found: seq,
                });
            } else if stored_prev != prev_hash.as_slice() {
                out.problem = Some(link_problem(
                    conn,
                    seq,
                    &String::from_utf8_lossy(stored_prev),
                )?);
            }
        }
        if out.problem.is_none() {
            let mut h = Sha256::new();
            h.update(stored_prev);
            h.update(canon);
            if hex64(&h.finalize()).as_slice() != stored_hash {
                out.problem = Some(ChainProblem::RowEdited { seq });
            }
            if r.get_ref(4)?.as_bytes()? == b"audit_log" {
                push_mark(conn, seq, &mut out.marks)?;
            }
        }
        out.rows += 1;
        prev_hash.clear();
        prev_hash.extend_from_slice(stored_hash);
        expected = seq + 1;
        out.last = Some((seq, String::new()));
    }
    if let Some(last) = out.last.as_mut() {
        last.1 = String::from_utf8_lossy(&prev_hash).into_owned();
    }
    Ok(out)
}

/// Record row `seq` (whose entity type is `audit_log`) when it is an anchor or restore event.
fn push_mark(conn: &Reader, seq: i64, marks: &mut Vec<MarkEvent>) -> rusqlite::Result<()> {
    let (outcome, entity_id, detail): (i64, String, String) = conn.query_row(
        "SELECT outcome, entity_id, detail FROM audit_log WHERE seq = ?1",
        [seq],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if outcome == 0 && (entity_id == "anchor" || entity_id == "restore") {
        marks.push(MarkEvent {
            seq,
            restore: entity_id == "restore",
            detail,
        });
    }
    Ok(())
}

/// Verify rows with `lo <= seq < hi`: contiguity, links inside the range, and each row's hash
/// rebuilt from the columns.
fn verify_range_columns(conn: &Reader, lo: i64, hi: i64) -> rusqlite::Result<RangeResult> {
    let mut out = RangeResult {
        rows: 0,
        first: None,
        last: None,
        problem: None,
        marks: Vec::new(),
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {VERIFY_COLUMNS} FROM audit_log WHERE seq >= ?1 AND seq < ?2 ORDER BY seq"
    ))?;
    let mut rows = stmt.query([lo, hi])?;
    let mut prev_hash: Vec<u8> = Vec::with_capacity(64);
    let mut expected = lo;
    let mut scratch = Vec::with_capacity(1024);
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let stored_prev = r.get_ref(17)?.as_bytes()?;
        let stored_hash = r.get_ref(18)?.as_bytes()?;
        if out.first.is_none() {
            out.first = Some((seq, String::from_utf8_lossy(stored_prev).into_owned()));
        } else if out.problem.is_none() {
            if seq != expected {
                out.problem = Some(ChainProblem::RowMissing {
                    seq: expected,
                    found: seq,
                });
            } else if stored_prev != prev_hash.as_slice() {
                out.problem = Some(link_problem(
                    conn,
                    seq,
                    &String::from_utf8_lossy(stored_prev),
                )?);
            }
        }
        if out.problem.is_none() {
            let canon = Canon {
                seq,
                event_id: r.get_ref(1)?.as_bytes()?,
                recorded_at: r.get_ref(2)?.as_bytes()?,
                user_id: r.get(3)?,
                username: r.get_ref(4)?.as_bytes()?,
                role: r.get_ref(5)?.as_bytes()?,
                terminal_id: r.get_ref(6)?.as_bytes()?,
                action: r.get_ref(7)?.as_bytes()?,
                subtype: r.get_ref(8)?.as_bytes()?,
                outcome: r.get(9)?,
                patient_mrn: r.get_ref(10)?.as_bytes_or_null()?,
                encounter_id: r.get(11)?,
                entity_type: r.get_ref(12)?.as_bytes()?,
                entity_id: r.get_ref(13)?.as_bytes()?,
                purpose_of_use: r.get_ref(14)?.as_bytes()?,
                reason: r.get_ref(15)?.as_bytes_or_null()?,
                detail: r.get_ref(16)?.as_bytes()?,
            };
            if canon.hash(stored_prev, &mut scratch).as_slice() != stored_hash {
                out.problem = Some(ChainProblem::RowEdited { seq });
            }
            // Anchor and restore events, for the cross-check with the anchor file.
            if canon.entity_type == b"audit_log"
                && canon.outcome == 0
                && (canon.entity_id == b"anchor" || canon.entity_id == b"restore")
            {
                out.marks.push(MarkEvent {
                    seq,
                    restore: canon.entity_id == b"restore",
                    detail: String::from_utf8_lossy(canon.detail).into_owned(),
                });
            }
        }
        out.rows += 1;
        prev_hash.clear();
        prev_hash.extend_from_slice(stored_hash);
        expected = seq + 1;
        out.last = Some((seq, String::new()));
    }
    if let Some(last) = out.last.as_mut() {
        last.1 = String::from_utf8_lossy(&prev_hash).into_owned();
    }
    Ok(out)
}
