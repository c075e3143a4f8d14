//! Re-review flags (issue #13): a document that arrives or is amended after an encounter was
//! coded flags it for coding re-review, naming the document; after analysis, for the
//! technician. Flags are raised by import ([`crate::import::hooks::flag_rereview`]) and by
//! [`flag_document`]; they are cleared in place (who, when), never deleted.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

/// The two desks a flag is for.
pub const DESKS: &[&str] = &["coding", "analysis"];

fn desk_perm(desk: &str) -> Result<Perm, CoreError> {
    match desk {
        "coding" => Ok(Perm::Code),
        "analysis" => Ok(Perm::AnalyzeDeficiencies),
        other => Err(CoreError::invalid(
            "desk",
            format!("{other:?} is not coding or analysis"),
        )),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RereviewRow {
    pub id: i64,
    pub encounter_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub document_id: i64,
    pub document: String,
    pub desk: String,
    pub reason: String,
    pub flagged_at: String,
}

/// Open flags of one desk, oldest first (a bare read; callers audit what they show).
pub fn open_flags(conn: &crate::store::Reader, desk: &str) -> Result<Vec<RereviewRow>, CoreError> {
    desk_perm(desk)?;
    let mut st = conn.prepare_cached(
        "SELECT f.id, f.encounter_id, e.visit_number, p.mrn, f.document_id, d.title, f.desk, f.reason, f.flagged_at
         FROM rereview_flags f JOIN encounters e ON e.id = f.encounter_id JOIN patients p ON p.id = e.patient_id
         JOIN documents d ON d.id = f.document_id
         WHERE f.desk = ?1 AND f.cleared_at IS NULL ORDER BY f.flagged_at, f.id",
    )?;
    let rows = st
        .query_map([desk], |r| {
            Ok(RereviewRow {
                id: r.get(0)?,
                encounter_id: r.get(1)?,
                visit_number: r.get(2)?,
                mrn: r.get(3)?,
                document_id: r.get(4)?,
                document: r.get(5)?,
                desk: r.get(6)?,
                reason: r.get(7)?,
                flagged_at: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Open flags on one encounter (for a header or the workbench).
pub fn encounter_flags(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<Vec<RereviewRow>, CoreError> {
    let mut out = Vec::new();
    for desk in DESKS {
        out.extend(
            open_flags(conn, desk)?
                .into_iter()
                .filter(|r| r.encounter_id == encounter_id),
        );
    }
    Ok(out)
}

/// Flag an encounter for re-review of one document by hand or from a core path that changed
/// a document (amendment): one audited transaction.
pub fn flag_document(
    store: &mut Store,
    actor: &Actor,
    document_id: i64,
    created: bool,
) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "document",
        &document_id.to_string(),
    )?;
    let now = super::ops::local_now(store);
    store.transact(actor, |tx, audit| {
        let enc: i64 = tx
            .query_row(
                "SELECT encounter_id FROM documents WHERE id = ?1",
                [document_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "document",
                id: document_id.to_string(),
            })?;
        crate::import::hooks::flag_rereview(tx, audit, enc, document_id, created, now)
    })
}

/// Clear a flag once the desk has re-reviewed the document: permission by desk (coding:
/// CODER/SUPERVISOR; analysis: TECH/SUPERVISOR), audited.
pub fn clear(store: &mut Store, actor: &Actor, flag_id: i64, note: &str) -> Result<(), CoreError> {
    let desk: String = store
        .conn()
        .query_row(
            "SELECT desk FROM rereview_flags WHERE id = ?1",
            [flag_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            what: "re-review flag",
            id: flag_id.to_string(),
        })?;
    authorize(
        store,
        actor,
        desk_perm(&desk)?,
        "rereview_flag",
        &flag_id.to_string(),
    )?;
    let now = super::ops::local_ts(super::ops::local_now(store));
    store.transact(actor, |tx, audit| {
        let (enc, doc, mrn): (i64, i64, String) = tx.query_row(
            "SELECT f.encounter_id, f.document_id, p.mrn FROM rereview_flags f JOIN encounters e ON e.id = f.encounter_id
             JOIN patients p ON p.id = e.patient_id WHERE f.id = ?1",
            [flag_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let n = tx.execute(
            "UPDATE rereview_flags SET cleared_at = ?1, cleared_by = ?2 WHERE id = ?3 AND cleared_at IS NULL",
            params![now, actor.username, flag_id],
        )?;
        if n == 0 {
            return Err(CoreError::invalid("re-review flag", format!("{flag_id} is already cleared")));
        }
        audit.record(
            Event::new(Action::Update, Subtype::Update, "rereview_flag", flag_id)
                .patient(&mrn)
                .encounter(enc)
                .reason(if note.trim().is_empty() { "re-reviewed".to_string() } else { note.trim().to_string() })
                .detail(json!({"desk": desk, "document_id": doc})),
        );
        Ok(())
    })
}

/// The open flags of one desk as its queue shows them (the re-review list and the `R` mark
/// on queue rows), oldest first, at most `limit`. Permission by desk (as [`clear`]); a read
/// that shows flags is audited as a query naming their MRNs (an empty one shows nothing).
pub fn desk_flags(
    store: &mut Store,
    actor: &Actor,
    desk: &str,
    limit: usize,
) -> Result<Vec<RereviewRow>, CoreError> {
    authorize(store, actor, desk_perm(desk)?, "queue", "rereview")?;
    if open_flags(store.conn(), desk)?.is_empty() {
        // Nothing shown, nothing to account for (the queue page has its own row).
        return Ok(Vec::new());
    }
    store.transact_read(actor, |tx, audit| {
        let mut rows = open_flags(tx, desk)?;
        rows.truncate(limit);
        audit.record(
            Event::new(Action::Read, Subtype::Query, "queue", "rereview").detail(json!({
                "desk": desk,
                "results": rows.len(),
                "mrns": crate::audit::mrn_list(rows.iter().map(|r| r.mrn.as_str()))
            })),
        );
        Ok(rows)
    })
}
