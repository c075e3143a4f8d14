//! Recompute the chain and name the first thing that is wrong.

use rusqlite::{Connection, OptionalExtension};

use super::{Anchor, Canon, GENESIS_HASH};

/// What verification found wrong first. Each names the seq where it was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// The row's content no longer hashes to its stored hash.
    RowEdited { seq: i64 },
    /// One or more rows are gone: `seq` was expected next but `found` came.
    RowMissing { seq: i64, found: i64 },
    /// The row at `seq` links to the row now stored at `linked_to`: rows were swapped or moved.
    RowsReordered { seq: i64, linked_to: i64 },
    /// The row at `seq` does not link to its predecessor's hash, and to no other row either.
    LinkBroken { seq: i64 },
    /// The append-only triggers were dropped or changed.
    TriggersMissing { names: Vec<String> },
    /// An anchor recorded a head that the log no longer reaches: the tail was cut off.
    TailTruncated { anchor_seq: i64, head_seq: i64 },
    /// An anchor's row exists but has a different hash: the log was rewritten from there.
    AnchorMismatch { anchor_seq: i64 },
}

impl ChainProblem {
    /// The seq where the problem was found (None for triggers).
    pub fn seq(&self) -> Option<i64> {
        match self {
            ChainProblem::RowEdited { seq }
            | ChainProblem::RowMissing { seq, .. }
            | ChainProblem::RowsReordered { seq, .. }
            | ChainProblem::LinkBroken { seq } => Some(*seq),
            ChainProblem::TailTruncated { anchor_seq, .. }
            | ChainProblem::AnchorMismatch { anchor_seq } => Some(*anchor_seq),
            ChainProblem::TriggersMissing { .. } => None,
        }
    }
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::RowEdited { seq } => {
                write!(
                    f,
                    "seq {seq}: row edited (its content does not match its hash)"
                )
            }
            ChainProblem::RowMissing { seq, found } => {
                write!(
                    f,
                    "seq {seq}: row missing (next row present is seq {found})"
                )
            }
            ChainProblem::RowsReordered { seq, linked_to } => write!(
                f,
                "seq {seq}: rows reordered (this row follows the row now stored at seq {linked_to})"
            ),
            ChainProblem::LinkBroken { seq } => {
                write!(
                    f,
                    "seq {seq}: link broken (prev_hash does not match the hash of seq {})",
                    seq - 1
                )
            }
            ChainProblem::TriggersMissing { names } => {
                write!(
                    f,
                    "append-only triggers missing or altered: {}",
                    names.join(", ")
                )
            }
            ChainProblem::TailTruncated {
                anchor_seq,
                head_seq,
            } => write!(
                f,
                "seq {anchor_seq}: tail truncated (an anchor recorded seq {anchor_seq}; the log now ends at seq {head_seq})"
            ),
            ChainProblem::AnchorMismatch { anchor_seq } => write!(
                f,
                "seq {anchor_seq}: anchor mismatch (the row differs from the anchored hash: log rewritten)"
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows_checked: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub anchors_checked: usize,
    pub problem: Option<ChainProblem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

const TRIGGERS: &[&str] = &[
    "audit_log_no_update",
    "audit_log_no_delete",
    "audit_log_chain",
];

/// What one seq range of the chain looked like. The link of its first row to the previous
/// range is checked when the ranges are stitched together.
struct RangeResult {
    rows: i64,
    first: Option<(i64, String)>,
    last: Option<(i64, String)>,
    problem: Option<ChainProblem>,
}

/// Verify rows with `lo <= seq < hi`: contiguity, links inside the range, and each row's hash.
fn verify_range(conn: &Connection, lo: i64, hi: i64) -> rusqlite::Result<RangeResult> {
    let mut out = RangeResult {
        rows: 0,
        first: None,
        last: None,
        problem: None,
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM audit_log WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
        super::ROW_COLUMNS
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

/// Why row `seq` does not link to its predecessor: reordered if it links to another stored row.
/// (A full scan: it runs only once a problem was found, and keeps the hot insert path free of
/// an index on `hash`.)
fn link_problem(conn: &Connection, seq: i64, stored_prev: &str) -> rusqlite::Result<ChainProblem> {
    let linked_to: Option<i64> = conn
        .query_row(
            "SELECT seq FROM audit_log WHERE hash = ?1",
            [stored_prev],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match linked_to {
        Some(other) if other != seq - 1 => ChainProblem::RowsReordered {
            seq,
            linked_to: other,
        },
        _ => ChainProblem::LinkBroken { seq },
    })
}

/// Verify the whole chain, the triggers, and every anchor. Reads only.
///
/// Each row's hash depends only on its own stored columns and stored `prev_hash`, so the seq
/// range is split across threads (one read-only connection each, for a file database) and the
/// ranges are stitched: the first problem in seq order is the one reported.
pub fn verify(conn: &Connection, anchors: &[Anchor]) -> rusqlite::Result<VerifyReport> {
    let missing: Vec<String> = TRIGGERS
        .iter()
        .filter(|name| {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name=?1 AND tbl_name='audit_log'",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n == 0)
            .unwrap_or(true)
        })
        .map(|s| s.to_string())
        .collect();
    let max_seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| {
        r.get(0)
    })?;
    let min_seq: i64 = conn.query_row("SELECT COALESCE(MIN(seq), 1) FROM audit_log", [], |r| {
        r.get(0)
    })?;
    let lo = min_seq.min(1);
    let hi = max_seq + 1;
    let path = conn.path().filter(|p| !p.is_empty()).map(str::to_string);
    let threads = match &path {
        Some(_) if max_seq >= 50_000 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4),
        _ => 1,
    };
    let bounds: Vec<(i64, i64)> = (0..threads as i64)
        .map(|i| {
            (
                lo + (hi - lo) * i / threads as i64,
                lo + (hi - lo) * (i + 1) / threads as i64,
            )
        })
        .collect();
    let ranges: Vec<RangeResult> = if threads == 1 {
        vec![verify_range(conn, lo, hi)?]
    } else {
        let path = path.unwrap_or_default();
        std::thread::scope(|scope| {
            let handles: Vec<_> = bounds
                .iter()
                .map(|&(a, b)| {
                    let path = path.clone();
                    scope.spawn(move || -> rusqlite::Result<RangeResult> {
                        let c = Connection::open_with_flags(
                            &path,
                            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                        )?;
                        c.busy_timeout(std::time::Duration::from_secs(5))?;
                        c.pragma_update(None, "mmap_size", 1i64 << 30)?;
                        verify_range(&c, a, b)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(rusqlite::Error::InvalidQuery))
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })?
    };

    let mut report = VerifyReport {
        rows_checked: 0,
        head_seq: 0,
        head_hash: GENESIS_HASH.to_string(),
        anchors_checked: 0,
        problem: None,
    };
    // Stitch: walk the ranges in order, checking each range's first row against the row
    // before it (the genesis for the first row of all).
    let mut prev: (i64, String) = (0, GENESIS_HASH.to_string());
    for range in ranges {
        report.rows_checked += range.rows;
        if report.problem.is_none()
            && let Some((first_seq, first_prev)) = &range.first
        {
            if *first_seq != prev.0 + 1 {
                report.problem = Some(ChainProblem::RowMissing {
                    seq: prev.0 + 1,
                    found: *first_seq,
                });
            } else if *first_prev != prev.1 {
                report.problem = Some(link_problem(conn, *first_seq, first_prev)?);
            }
        }
        if report.problem.is_none() {
            report.problem = range.problem;
        }
        if let Some(last) = range.last {
            prev = last;
        }
    }
    report.head_seq = prev.0;
    report.head_hash = prev.1;
    for a in anchors {
        report.anchors_checked += 1;
        if report.problem.is_some() {
            continue;
        }
        let stored: Option<String> = conn
            .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [a.seq], |r| {
                r.get(0)
            })
            .optional()?;
        report.problem = match stored {
            None => Some(ChainProblem::TailTruncated {
                anchor_seq: a.seq,
                head_seq: report.head_seq,
            }),
            Some(h) if h != a.hash => Some(ChainProblem::AnchorMismatch { anchor_seq: a.seq }),
            Some(_) => None,
        };
    }
    // Missing triggers are reported last: a concrete row or anchor problem says more.
    if report.problem.is_none() && !missing.is_empty() {
        report.problem = Some(ChainProblem::TriggersMissing { names: missing });
    }
    Ok(report)
}
