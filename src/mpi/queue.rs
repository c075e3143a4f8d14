//! The MPI queue: pairs of patient records for HIM to decide (merge, or keep apart with a
//! reason). Items come from identity conflicts (IMP-ID-01 `identity_conflict` audit events),
//! merges held by MPI-01, and probable duplicates (`super::duplicates`).
//!
//! Invariants:
//! - An item is a pair (`patient_a`, `patient_b`) of one kind, listed once (UNIQUE); for a
//!   held merge `a` is the survivor the sender named.
//! - Reading the queue shows both records side by side and is audited (a Query event); every
//!   decision is one audited transaction.
//! - DOMAIN §1: reviewing the queue and proposing a merge or a keep-apart needs
//!   [`Perm::ReviewMpi`] (technicians and supervisors); deciding (applying or rejecting a
//!   proposal, merging, keeping apart) and unmerging need [`Perm::Administer`] (supervisor).
//!   Both are checked here, not only in the UI.
//! - Decided items stay, with who, when and why.

use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

use super::merge::{self, MergeOutcome, PatientRow};
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{Store, Tx};

/// One queue item with both records.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub kind: String,
    pub a: PatientRow,
    pub b: PatientRow,
    pub weight: Option<f64>,
    pub detail: Value,
    pub status: String,
    pub reason: Option<String>,
    /// The latest merge between the two records, with its status (`applied`, `held`,
    /// `unmerged`, `kept_apart`): what a supervisor may unmerge.
    pub merge: Option<(i64, String)>,
    /// The current proposal on the item (a technician's or a supervisor's), if any.
    pub proposal: Option<Proposal>,
}

/// A reviewer's proposal on a queue item (DOMAIN §1: TECH and SUPERVISOR propose; only a
/// supervisor applies it).
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// `merge` or `keep_apart`.
    pub kind: String,
    /// For a merge: the record proposed to survive.
    pub survivor: Option<i64>,
    /// Why (required for a keep-apart; may be empty for a merge).
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// What HIM decided for an item.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Merge the pair; `survivor` is the record that stays (default: `a`).
    Merge { survivor: Option<i64> },
    /// Two different people (or not to be merged now): kept apart, with why.
    KeepApart { reason: String },
}

/// Add an item unless the same pair of the same kind is listed already. Returns whether it
/// was added.
pub fn enqueue(
    tx: &Tx<'_>,
    kind: &str,
    a: i64,
    b: i64,
    weight: Option<f64>,
    detail: &Value,
    now: &str,
) -> Result<bool, CoreError> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO mpi_items(kind, patient_a, patient_b, weight, detail, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![kind, a, b, weight, detail.to_string(), now])?;
    Ok(n > 0)
}

/// Bring identity conflicts recorded in the audit log (IMP-ID-01) onto the queue. Returns
/// how many were added (one audited transaction when any were).
pub fn sync_conflicts(store: &mut Store, actor: &Actor) -> Result<usize, CoreError> {
    let now = crate::audit::utc_ms(store.now());
    let found: Vec<(i64, String)> = {
        let mut st = store.conn().prepare(
            "SELECT CAST(entity_id AS INTEGER), detail FROM audit_log
              WHERE entity_type = 'identity_conflict' ORDER BY seq",
        )?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let listed = |a: i64, b: i64| -> Result<bool, CoreError> {
        Ok(store
            .conn()
            .query_row(
                "SELECT 1 FROM mpi_items WHERE kind = 'identity_conflict' AND patient_a = ?1 AND patient_b = ?2",
                [a, b],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    };
    let mut new = Vec::new();
    for (patient, detail) in found {
        let d: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
        let conflict = d.get("conflict").cloned().unwrap_or(Value::Null);
        let Some(existing) = conflict.get("existing_patient").and_then(Value::as_i64) else {
            continue;
        };
        if existing != patient && !listed(existing, patient)? {
            new.push((existing, patient, conflict));
        }
    }
    if new.is_empty() {
        return Ok(0);
    }
    store.transact(actor, |tx, audit| {
        let mut added = 0;
        for (a, b, conflict) in &new {
            if enqueue(tx, "identity_conflict", *a, *b, None, conflict, &now)? {
                added += 1;
            }
        }
        audit.record(
            Event::new(
                Action::Create,
                Subtype::Create,
                "mpi_queue",
                "identity_conflicts",
            )
            .detail(json!({"added": added, "rule": "IMP-ID-01"})),
        );
        Ok::<_, CoreError>(added)
    })
}

/// The item, if it is still open; a decided one is refused naming `field` and its status.
fn open_item(tx: &Tx<'_>, id: i64, field: &str) -> Result<Item, CoreError> {
    let item = item_from(tx, id)?;
    if item.status != "open" {
        return Err(CoreError::invalid(
            field,
            format!("MPI item {id} was already decided ({})", item.status),
        ));
    }
    Ok(item)
}

fn item_from(tx: &Tx<'_>, id: i64) -> Result<Item, CoreError> {
    type Row = (
        String,
        i64,
        i64,
        Option<f64>,
        String,
        String,
        Option<String>,
    );
    let row: Option<Row> = tx
        .query_row(
            "SELECT kind, patient_a, patient_b, weight, detail, status, reason FROM mpi_items WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let Some((kind, a, b, weight, detail, status, reason)) = row else {
        return Err(CoreError::NotFound {
            what: "MPI item",
            id: id.to_string(),
        });
    };
    let last_merge: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, status FROM patient_merges
              WHERE (survivor_id = ?1 AND retired_id = ?2) OR (survivor_id = ?2 AND retired_id = ?1)
              ORDER BY id DESC LIMIT 1",
        )?
        .query_row([a, b], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let proposal = tx
        .prepare_cached(
            "SELECT proposal, survivor_id, reason, proposed_by, proposed_at FROM mpi_proposals WHERE item_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Proposal {
                kind: r.get(0)?,
                survivor: r.get(1)?,
                reason: r.get(2)?,
                by: r.get(3)?,
                at: r.get(4)?,
            })
        })
        .optional()?;
    Ok(Item {
        id,
        kind,
        a: merge::patient(tx, a)?,
        b: merge::patient(tx, b)?,
        weight,
        detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
        status,
        reason,
        merge: last_merge,
        proposal,
    })
}

/// The queue (open items, or all with `all`), both records of each pair. An audited read
/// (the records are PHI). Conflicts from the audit log are brought in first.
pub fn list(store: &mut Store, actor: &Actor, all: bool) -> Result<Vec<Item>, CoreError> {
    crate::accounts::authorize(store, actor, Perm::ReviewMpi, "mpi_queue", "list")?;
    sync_conflicts(store, actor)?;
    store.transact_read(actor, |tx, audit| {
        let ids: Vec<i64> = tx
            .prepare(
                "SELECT id FROM mpi_items WHERE ?1 OR status = 'open'
                  ORDER BY status = 'open' DESC, weight DESC NULLS LAST, id",
            )?
            .query_map([all], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let items = ids
            .iter()
            .map(|&id| item_from(tx, id))
            .collect::<Result<Vec<_>, _>>()?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "mpi_queue", "list")
                .detail(json!({"items": items.len(), "all": all})),
        );
        Ok::<_, CoreError>(items)
    })
}

/// Decide an open item: merge (for a held merge: the held merge, reviewed) or keep apart.
pub fn decide(
    store: &mut Store,
    actor: &Actor,
    item_id: i64,
    decision: Decision,
) -> Result<String, CoreError> {
    crate::accounts::authorize(
        store,
        actor,
        Perm::Administer,
        "mpi_item",
        &item_id.to_string(),
    )?;
    let now = crate::audit::utc_ms(store.now());
    let by = actor.username.clone();
    store.transact(actor, |tx, audit| {
        let item = open_item(tx, item_id, "decision")?;
        let (status, reason, said) = match &decision {
            Decision::KeepApart { reason } => {
                if reason.trim().is_empty() {
                    return Err(CoreError::invalid(
                        "reason",
                        "keeping two records apart needs a reason",
                    ));
                }
                if item.kind == "held_merge"
                    && let Some(m) = item.detail.get("merge_id").and_then(Value::as_i64)
                {
                    tx.execute(
                        "UPDATE patient_merges SET status = 'kept_apart', decided_at = ?2, decided_by = ?3,
                                reason = reason || ' | kept apart: ' || ?4 WHERE id = ?1 AND status = 'held'",
                        params![m, now, by, reason],
                    )?;
                }
                (
                    "kept_apart",
                    reason.clone(),
                    format!(
                        "kept apart: MRN {} and MRN {}: {reason}",
                        item.a.mrn, item.b.mrn
                    ),
                )
            }
            Decision::Merge { survivor } => {
                let s = survivor.unwrap_or(item.a.id);
                let r = if s == item.a.id {
                    item.b.id
                } else if s == item.b.id {
                    item.a.id
                } else {
                    return Err(CoreError::invalid(
                        "survivor",
                        format!("patient {s} is not one of the pair"),
                    ));
                };
                let why = format!("MPI queue item {item_id} ({}) decided by {by}", item.kind);
                match merge::merge(
                    tx,
                    audit,
                    &merge::MergeRequest {
                        survivor: s,
                        retired: r,
                        origin: "mpi",
                        reason: &why,
                        reviewed: true,
                    },
                    &now,
                )? {
                    MergeOutcome::Applied { merge_id, moved } => (
                        "merged",
                        why,
                        format!("merged (merge {merge_id}, {moved} rows moved)"),
                    ),
                    MergeOutcome::Held { .. } => {
                        return Err(CoreError::invalid(
                            "decision",
                            "internal error: a reviewed merge was held",
                        ));
                    }
                }
            }
        };
        tx.execute(
            "UPDATE mpi_items SET status = ?2, decided_at = ?3, decided_by = ?4, reason = ?5 WHERE id = ?1",
            params![item_id, status, now, by, reason],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "mpi_item", item_id)
                .patient(&item.a.mrn)
                .reason(said.clone())
                .detail(json!({"kind": item.kind, "patient_a": item.a.mrn, "patient_b": item.b.mrn, "decision": status})),
        );
        Ok(said)
    })
}

/// Propose a decision on an open item (DOMAIN §1: technicians and supervisors): a merge
/// keeping `survivor` (default: record A), or a keep-apart with a reason. Nothing is merged;
/// the proposal is recorded on the item (replacing an earlier one) in one audited
/// transaction, for a supervisor to apply ([`apply_proposal`]) or reject
/// ([`reject_proposal`]).
pub fn propose(
    store: &mut Store,
    actor: &Actor,
    item_id: i64,
    decision: Decision,
) -> Result<String, CoreError> {
    crate::accounts::authorize(
        store,
        actor,
        Perm::ReviewMpi,
        "mpi_item",
        &item_id.to_string(),
    )?;
    let now = crate::audit::utc_ms(store.now());
    let by = actor.username.clone();
    store.transact(actor, |tx, audit| {
        let item = open_item(tx, item_id, "proposal")?;
        let (kind, survivor, reason, said) = match &decision {
            Decision::KeepApart { reason } => {
                if reason.trim().is_empty() {
                    return Err(CoreError::invalid(
                        "reason",
                        "proposing to keep two records apart needs a reason",
                    ));
                }
                (
                    "keep_apart",
                    None,
                    reason.trim().to_string(),
                    format!(
                        "proposed keeping MRN {} and MRN {} apart: {}",
                        item.a.mrn,
                        item.b.mrn,
                        reason.trim()
                    ),
                )
            }
            Decision::Merge { survivor } => {
                let s = survivor.unwrap_or(item.a.id);
                let (keep, go) = if s == item.a.id {
                    (&item.a, &item.b)
                } else if s == item.b.id {
                    (&item.b, &item.a)
                } else {
                    return Err(CoreError::invalid(
                        "survivor",
                        format!("patient {s} is not one of the pair"),
                    ));
                };
                (
                    "merge",
                    Some(s),
                    String::new(),
                    format!(
                        "proposed a merge keeping MRN {} (MRN {} retired); a supervisor applies it",
                        keep.mrn, go.mrn
                    ),
                )
            }
        };
        let old = item.proposal.as_ref().map(|p| p.kind.clone());
        tx.execute(
            "INSERT INTO mpi_proposals(item_id, proposal, survivor_id, reason, proposed_by, proposed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(item_id) DO UPDATE SET proposal = excluded.proposal,
               survivor_id = excluded.survivor_id, reason = excluded.reason,
               proposed_by = excluded.proposed_by, proposed_at = excluded.proposed_at",
            params![item_id, kind, survivor, reason, by, now],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "mpi_item", item_id)
                .patient(&item.a.mrn)
                .reason(said.clone())
                .detail(json!({"kind": item.kind, "patient_a": item.a.mrn, "patient_b": item.b.mrn,
                               "proposal": kind, "survivor": survivor, "old_proposal": old,
                               "rule": "DOMAIN §1 MPI review"})),
        );
        Ok(said)
    })
}

/// Apply an open item's proposal (supervisor): the proposed merge or keep-apart is decided as
/// by [`decide`], audited as the supervisor's decision (the proposal stays on the item).
pub fn apply_proposal(store: &mut Store, actor: &Actor, item_id: i64) -> Result<String, CoreError> {
    crate::accounts::authorize(
        store,
        actor,
        Perm::Administer,
        "mpi_item",
        &item_id.to_string(),
    )?;
    let p = {
        let conn = store.conn();
        conn.query_row(
            "SELECT proposal, survivor_id, reason, proposed_by FROM mpi_proposals WHERE item_id = ?1",
            [item_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?
    };
    let Some((kind, survivor, reason, by)) = p else {
        return Err(CoreError::invalid(
            "proposal",
            format!("MPI item {item_id} has no proposal to apply"),
        ));
    };
    let decision = if kind == "merge" {
        Decision::Merge { survivor }
    } else {
        Decision::KeepApart {
            reason: format!("{reason} (proposed by {by})"),
        }
    };
    decide(store, actor, item_id, decision).map(|said| format!("{said} (proposed by {by})"))
}

/// Reject an open item's proposal (supervisor), with why: the proposal is removed, the item
/// stays open; audited with what was proposed and by whom.
pub fn reject_proposal(
    store: &mut Store,
    actor: &Actor,
    item_id: i64,
    reason: &str,
) -> Result<String, CoreError> {
    crate::accounts::authorize(
        store,
        actor,
        Perm::Administer,
        "mpi_item",
        &item_id.to_string(),
    )?;
    if reason.trim().is_empty() {
        return Err(CoreError::invalid(
            "reason",
            "rejecting a proposal needs a reason",
        ));
    }
    store.transact(actor, |tx, audit| {
        let item = open_item(tx, item_id, "proposal")?;
        let Some(p) = item.proposal else {
            return Err(CoreError::invalid(
                "proposal",
                format!("MPI item {item_id} has no proposal to reject"),
            ));
        };
        tx.execute("DELETE FROM mpi_proposals WHERE item_id = ?1", [item_id])?;
        let said = format!(
            "rejected {}'s {} proposal: {}",
            p.by,
            p.kind.replace('_', "-"),
            reason.trim()
        );
        audit.record(
            Event::new(Action::Update, Subtype::Update, "mpi_item", item_id)
                .patient(&item.a.mrn)
                .reason(said.clone())
                .detail(
                    json!({"kind": item.kind, "rejected_proposal": p.kind, "proposed_by": p.by,
                               "survivor": p.survivor}),
                ),
        );
        Ok(said)
    })
}

/// Unmerge (supervisor): see [`merge::unmerge`].
pub fn unmerge(
    store: &mut Store,
    actor: &Actor,
    merge_id: i64,
    reason: &str,
) -> Result<usize, CoreError> {
    crate::accounts::authorize(
        store,
        actor,
        Perm::Administer,
        "patient_merge",
        &merge_id.to_string(),
    )?;
    let now = crate::audit::utc_ms(store.now());
    let by = actor.username.clone();
    store.transact(actor, |tx, audit| {
        merge::unmerge(tx, audit, merge_id, reason, &by, &now)
    })
}

/// Merge two patients by MRN as an administrative action (CLI): MPI-01 applies (a
/// disagreeing pair is held and queued).
pub fn merge_by_mrn(
    store: &mut Store,
    actor: &Actor,
    survivor_mrn: &str,
    retired_mrn: &str,
    reason: &str,
) -> Result<MergeOutcome, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "patient_merge", retired_mrn)?;
    let now = crate::audit::utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        let find = |mrn: &str| -> Result<i64, CoreError> {
            merge::find_by_mrn(tx, mrn)?.ok_or_else(|| CoreError::NotFound {
                what: "patient with MRN",
                id: mrn.to_string(),
            })
        };
        let (s, r) = (find(survivor_mrn)?, find(retired_mrn)?);
        merge::merge(
            tx,
            audit,
            &merge::MergeRequest {
                survivor: s,
                retired: r,
                origin: "cli",
                reason,
                reviewed: false,
            },
            &now,
        )
    })
}

/// Aliases (retired MRNs) of a patient, for the chart and the MPI queue: its own active
/// aliases and those of the records merged into it (applied merges), oldest first.
pub fn aliases(conn: &crate::store::Reader, patient: i64) -> Result<Vec<String>, CoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT mrn FROM patient_aliases
              WHERE active = 1 AND (patient_id = ?1 OR patient_id IN
                    (SELECT retired_id FROM patient_merges WHERE survivor_id = ?1 AND status = 'applied'))
              ORDER BY id",
        )?
        .query_map([patient], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}
