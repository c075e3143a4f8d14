//! A live HL7 v2 feed (the MLLP listener, `crate::listen`): messages that arrived together are
//! interpreted and written by the same code as `import hl7` ([`super::hl7_apply`]) in one group
//! transaction, each message inside its own SAVEPOINT (all-or-nothing).
//!
//! Invariants:
//! - An outcome `Applied` or `Duplicate` is returned only after the group's COMMIT returned
//!   (`synchronous=FULL`: the WAL is fsynced), so an ACK sent for it is never for work that is
//!   not durable. A database failure returns `Err` and no outcome at all: nothing is ACKed.
//! - A message whose sender (MSH-3, MSH-4) and control id (MSH-10) are in `feed_messages` is a
//!   re-delivery: `Duplicate`, nothing applied. The row is written in the same transaction as
//!   the message's changes, so a crash leaves both or neither.
//! - A rejected message leaves no row and no audit event; the others in its group commit.

use std::collections::HashSet;

use rusqlite::OptionalExtension;

use super::hl7::Hl7Message;
use super::hl7_apply::{Plan, apply_one, interpret};
use super::write::in_file_tx;
use super::{FileFail, ImportError};
use crate::audit::Actor;
use crate::store::{Store, StoreError};

/// One received message, interpreted (or why it could not be) and the peer it came from.
pub struct FeedMessage {
    prepared: Result<Ready, FeedReject>,
    peer: String,
}

impl FeedMessage {
    /// Interpret a parsed message on the caller's thread (pure work, no database): the
    /// listener's connection threads do this, so the single writer only writes. `source`
    /// names the feed in error locations, as in [`apply_feed`].
    pub fn prepare(
        parsed: Result<Hl7Message, ImportError>,
        peer: String,
        source: &str,
    ) -> FeedMessage {
        let prepared = match parsed {
            Err(e) => Err(FeedReject::from_import(Nak::Ar, &e)),
            Ok(m) => match interpret(&m, source) {
                Err(e) => Err(FeedReject::from_import(Nak::Ae, &e)),
                Ok(plan) => {
                    let msh = &m.segments[0];
                    Ok(Ready {
                        plan,
                        key: control_key(&m),
                        msg_type: format!(
                            "{}^{}",
                            m.component(msh.raw(9), 0, 1),
                            m.component(msh.raw(9), 0, 2)
                        ),
                        sha: m.sha256,
                    })
                }
            },
        };
        FeedMessage { prepared, peer }
    }
}

/// HL7 acknowledgment codes for a rejected message (HL7 v2 table 0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nak {
    /// Application error: the message was understood but a segment or field is wrong.
    Ae,
    /// Application reject: the message could not be read at all (framing, MSH).
    Ar,
}

/// Why a message was not applied: the segment and field (when known) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedReject {
    pub code: Nak,
    pub segment: String,
    pub field: Option<usize>,
    pub reason: String,
}

impl FeedReject {
    /// From an import error whose location ends in `(SEG)` or `(SEG-n)`.
    pub fn from_import(code: Nak, e: &ImportError) -> FeedReject {
        let (segment, field) = segment_field(&e.location);
        FeedReject {
            code,
            segment,
            field,
            reason: e.message.clone(),
        }
    }
}

/// `message 1, line 4 (PV1-19)` → (`PV1`, Some(19)); `(PID)` → (`PID`, None).
fn segment_field(location: &str) -> (String, Option<usize>) {
    let inner = location
        .rsplit_once('(')
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap_or("");
    match inner.split_once('-') {
        Some((s, f)) => (s.to_string(), f.parse().ok()),
        None if inner.len() == 3 => (inner.to_string(), None),
        None => (String::new(), None),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    /// Applied (or already applied by content: nothing changed) and durable.
    Applied,
    /// Sender and control id seen before: acknowledged again, not re-applied.
    Duplicate,
    Rejected(FeedReject),
}

/// `MSH-3|MSH-4|MSH-10` of a parsed message: the re-delivery key.
pub fn control_key(m: &Hl7Message) -> String {
    let msh = &m.segments[0];
    format!(
        "{}|{}|{}",
        m.component(msh.raw(3), 0, 1),
        m.component(msh.raw(4), 0, 1),
        m.component(msh.raw(10), 0, 1)
    )
}

struct Ready {
    plan: Plan,
    key: String,
    sha: String,
    msg_type: String,
}

/// Apply a group of messages in one transaction (see the module invariants). `source` names
/// the feed in audit details (`source_file`). Returns one outcome per message, in order.
pub fn apply_feed(
    store: &mut Store,
    actor: &Actor,
    source: &str,
    batch: &[FeedMessage],
) -> Result<Vec<FeedOutcome>, StoreError> {
    let mut out: Vec<Option<FeedOutcome>> = vec![None; batch.len()];
    let mut ready = Vec::with_capacity(batch.len());
    for (index, fm) in batch.iter().enumerate() {
        match &fm.prepared {
            Err(r) => out[index] = Some(FeedOutcome::Rejected(r.clone())),
            Ok(r) => ready.push((index, r)),
        }
    }
    if !ready.is_empty() {
        let now = crate::audit::utc_ms(store.now());
        let mut applied = Vec::new();
        let r = in_file_tx(store, actor, source, |w| {
            let mut here = HashSet::new();
            for &(index, r) in &ready {
                let seen =
                    w.tx.prepare_cached("SELECT 1 FROM feed_messages WHERE control_key = ?1")
                        .and_then(|mut s| s.query_row([&r.key], |_| Ok(())).optional())
                        .map_err(|e| FileFail::Fatal(e.into()))?
                        .is_some();
                if seen || here.contains(&r.key) {
                    out[index] = Some(FeedOutcome::Duplicate);
                    continue;
                }
                let mark = w.mark()?;
                match apply_one(w, &r.plan) {
                    Ok(()) => {
                        w.tx
                            .prepare_cached(
                                "INSERT INTO feed_messages(control_key, content_sha256, message_type, peer, received_at)
                                 VALUES (?1, ?2, ?3, ?4, ?5)",
                            )
                            .and_then(|mut s| {
                                s.execute([&r.key, &r.sha, &r.msg_type, &batch[index].peer, &now])
                            })
                            .map_err(|e| FileFail::Fatal(e.into()))?;
                        w.ledger_writes += 1;
                        w.keep()?;
                        here.insert(r.key.clone());
                        applied.push(index);
                    }
                    Err(FileFail::Rejected(e)) => {
                        w.undo(mark)?;
                        out[index] =
                            Some(FeedOutcome::Rejected(FeedReject::from_import(Nak::Ae, &e)));
                    }
                    Err(fatal) => return Err(fatal),
                }
            }
            Ok(())
        });
        match r {
            Ok(_) => {
                for i in applied {
                    out[i] = Some(FeedOutcome::Applied);
                }
            }
            // The group's end (deficiency analysis) failed: all of its messages rolled back.
            Err(FileFail::Rejected(e)) => {
                for i in applied {
                    out[i] = Some(FeedOutcome::Rejected(FeedReject {
                        code: Nak::Ae,
                        segment: String::new(),
                        field: None,
                        reason: format!("not applied: {e}"),
                    }));
                }
            }
            Err(FileFail::Fatal(e)) => return Err(e),
        }
    }
    Ok(out
        .into_iter()
        .map(|o| {
            o.unwrap_or(FeedOutcome::Rejected(FeedReject {
                code: Nak::Ae,
                segment: String::new(),
                field: None,
                reason: "internal error: no outcome".into(),
            }))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_name_segment_and_field() {
        assert_eq!(
            segment_field("message 1, line 4 (PV1-19)"),
            ("PV1".to_string(), Some(19))
        );
        assert_eq!(
            segment_field("message 1, line 2 (PID)"),
            ("PID".to_string(), None)
        );
        assert_eq!(segment_field("line 3"), (String::new(), None));
    }
}
