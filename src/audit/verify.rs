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

/// Verify the whole chain, the triggers, and every anchor. Reads only.
pub fn verify(conn: &Connection, anchors: &[Anchor]) -> rusqlite::Result<VerifyReport> {
    let mut report = VerifyReport {
        rows_checked: 0,
        head_seq: 0,
        head_hash: GENESIS_HASH.to_string(),
        anchors_checked: 0,
        problem: None,
    };
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

    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM audit_log ORDER BY seq",
        super::ROW_COLUMNS
    ))?;
    let mut rows = stmt.query([])?;
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut expected = 1i64;
    let mut scratch = Vec::with_capacity(1024);
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let stored_prev = r.get_ref(17)?.as_str()?;
        let stored_hash = r.get_ref(18)?.as_str()?;
        if report.problem.is_none() {
            if seq != expected {
                report.problem = Some(ChainProblem::RowMissing {
                    seq: expected,
                    found: seq,
                });
            } else if stored_prev != prev_hash {
                let linked_to: Option<i64> = conn
                    .query_row(
                        "SELECT seq FROM audit_log WHERE hash = ?1",
                        [stored_prev],
                        |r| r.get(0),
                    )
                    .optional()?;
                report.problem = Some(match linked_to {
                    Some(other) if other != seq - 1 => ChainProblem::RowsReordered {
                        seq,
                        linked_to: other,
                    },
                    _ => ChainProblem::LinkBroken { seq },
                });
            } else {
                let canon = Canon {
                    seq,
                    event_id: r.get_ref(1)?.as_str()?,
                    recorded_at: r.get_ref(2)?.as_str()?,
                    user_id: r.get(3)?,
                    username: r.get_ref(4)?.as_str()?,
                    role: r.get_ref(5)?.as_str()?,
                    terminal_id: r.get_ref(6)?.as_str()?,
                    action: r.get_ref(7)?.as_str()?,
                    subtype: r.get_ref(8)?.as_str()?,
                    outcome: r.get(9)?,
                    patient_mrn: r.get_ref(10)?.as_str_or_null()?,
                    encounter_id: r.get(11)?,
                    entity_type: r.get_ref(12)?.as_str()?,
                    entity_id: r.get_ref(13)?.as_str()?,
                    purpose_of_use: r.get_ref(14)?.as_str()?,
                    reason: r.get_ref(15)?.as_str_or_null()?,
                    detail: r.get_ref(16)?.as_str()?,
                };
                if canon.hash(stored_prev, &mut scratch).as_slice() != stored_hash.as_bytes() {
                    report.problem = Some(ChainProblem::RowEdited { seq });
                }
            }
        }
        report.rows_checked += 1;
        report.head_seq = seq;
        prev_hash.clear();
        prev_hash.push_str(stored_hash);
        expected = seq + 1;
    }
    report.head_hash = prev_hash;
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
