//! Patient merges and unmerges (ADT A40/A34/A18/A47, FHIR `Patient.link` replaced-by, MPI
//! decisions).
//!
//! Invariants:
//! - A merge moves every row that belongs to the retired patient (encounters — and with them
//!   their documents, deficiencies and coding — clinical facts, release requests, disclosures,
//!   accounting requests) to the survivor in the caller's one audited transaction, and records
//!   in `patient_merges.moved` exactly which rows moved. An unmerge moves back exactly those
//!   rows (and only while they still belong to the survivor).
//! - The retired MRN stays as an active alias of the survivor (`patient_aliases`), searchable
//!   and shown on the chart; the retired record keeps its row, marked `merged_into`.
//! - MPI-01 (chartdesk rule, like IMP-ID-01): a merge of two records whose birth date or sex
//!   disagree (where both are known) would join two different people: it is held for HIM
//!   review (`status = held`, an MPI queue item), not applied, unless HIM decided it after
//!   review (`reviewed`).
//! - Every merge, hold and unmerge appends audit events naming both patients.

use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

use crate::audit::{Action, Event, Subtype};
use crate::error::CoreError;
use crate::store::{AuditBuffer, Tx};

/// Patient-level tables whose `patient_id` moves in a merge (encounter-level rows follow
/// their encounter).
pub const MOVED_TABLES: &[&str] = &[
    "encounters",
    "clinical_facts",
    "release_requests",
    "disclosures",
    "aod_requests",
];

#[derive(Debug, Clone, PartialEq)]
pub enum MergeOutcome {
    Applied { merge_id: i64, moved: usize },
    Held { merge_id: i64, why: String },
}

#[derive(Debug, Clone)]
pub struct PatientRow {
    pub id: i64,
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    pub merged_into: Option<i64>,
}

pub fn patient(tx: &Tx<'_>, id: i64) -> Result<PatientRow, CoreError> {
    tx.prepare_cached(
        "SELECT id, mrn, family_name, given_name, birth_date, sex, address, merged_into FROM patients WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(PatientRow {
            id: r.get(0)?,
            mrn: r.get(1)?,
            family_name: r.get(2)?,
            given_name: r.get(3)?,
            birth_date: r.get(4)?,
            sex: r.get(5)?,
            address: r.get(6)?,
            merged_into: r.get(7)?,
        })
    })
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "patient",
        id: id.to_string(),
    })
}

/// The patient whose own MRN this is (not an alias), for a reader (the CLI's `--survivor`).
pub fn patient_with_mrn(conn: &crate::store::Reader, mrn: &str) -> Result<Option<i64>, CoreError> {
    Ok(conn
        .query_row("SELECT id FROM patients WHERE mrn = ?1", [mrn], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The patient an MRN names: its own MRN, else an active alias (a merged-away MRN).
pub fn find_by_mrn(tx: &Tx<'_>, mrn: &str) -> Result<Option<i64>, CoreError> {
    if let Some(id) = tx
        .prepare_cached("SELECT id FROM patients WHERE mrn = ?1")?
        .query_row([mrn], |r| r.get(0))
        .optional()?
    {
        return Ok(Some(id));
    }
    Ok(tx
        .prepare_cached(
            "SELECT patient_id FROM patient_aliases WHERE mrn = ?1 AND active = 1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([mrn], |r| r.get(0))
        .optional()?)
}

/// MPI-01: what disagrees between two records (birth date, sex), or `None`.
pub fn disagreement(a: &PatientRow, b: &PatientRow) -> Option<String> {
    let known = |s: &str| matches!(s, "F" | "M");
    let mut why = Vec::new();
    if !a.birth_date.is_empty() && !b.birth_date.is_empty() && a.birth_date != b.birth_date {
        why.push(format!("birth date {} vs {}", a.birth_date, b.birth_date));
    }
    if known(&a.sex) && known(&b.sex) && a.sex != b.sex {
        why.push(format!("sex {} vs {}", a.sex, b.sex));
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// What to merge, and on whose say.
#[derive(Debug, Clone, Copy)]
pub struct MergeRequest<'a> {
    pub survivor: i64,
    pub retired: i64,
    pub origin: &'a str,
    pub reason: &'a str,
    pub reviewed: bool,
}

/// Merge `retired` into `survivor` inside the caller's transaction. `origin` says what asked
/// (`hl7:ADT^A40`, `fhir:Patient.link`, `mpi`); `reviewed` is true only for a decision HIM
/// made on the MPI queue after seeing both records (it overrides MPI-01).
pub fn merge(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    req: &MergeRequest<'_>,
    now: &str,
) -> Result<MergeOutcome, CoreError> {
    let MergeRequest {
        survivor,
        retired,
        origin,
        reason,
        reviewed,
    } = *req;
    if survivor == retired {
        return Err(CoreError::invalid(
            "merge",
            "a patient cannot be merged into itself",
        ));
    }
    let s = patient(tx, survivor)?;
    let r = patient(tx, retired)?;
    if let Some(into) = r.merged_into {
        return Err(CoreError::invalid(
            "merge",
            format!(
                "MRN {} was already merged into patient {into}; unmerge it first",
                r.mrn
            ),
        ));
    }
    if s.merged_into.is_some() {
        return Err(CoreError::invalid(
            "merge",
            format!(
                "the surviving MRN {} was itself merged away; merge into the record that survived",
                s.mrn
            ),
        ));
    }
    if !reviewed && let Some(why) = disagreement(&s, &r) {
        // Already held for this pair: a re-delivery holds nothing new.
        if let Some((merge_id, why)) = tx
            .prepare_cached(
                "SELECT id, reason FROM patient_merges WHERE survivor_id = ?1 AND retired_id = ?2 AND status = 'held'",
            )?
            .query_row([survivor, retired], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?
        {
            return Ok(MergeOutcome::Held { merge_id, why });
        }
        let why = format!(
            "MPI-01: held for review, not merged: {why} (MRN {} into {})",
            r.mrn, s.mrn
        );
        tx.prepare_cached(
            "INSERT INTO patient_merges(survivor_id, retired_id, retired_mrn, origin, status, reason, created_at)
             VALUES (?1, ?2, ?3, ?4, 'held', ?5, ?6)",
        )?
        .execute(params![survivor, retired, r.mrn, origin, why, now])?;
        let merge_id = tx.last_insert_rowid();
        super::queue::enqueue(
            tx,
            "held_merge",
            survivor,
            retired,
            None,
            &json!({"merge_id": merge_id, "origin": origin, "why": why}),
            now,
        )?;
        audit.record(
            Event::new(Action::Create, Subtype::Create, "patient_merge", merge_id)
                .patient(&s.mrn)
                .reason(&why)
                .detail(json!({"status": "held", "origin": origin, "survivor_mrn": s.mrn, "retired_mrn": r.mrn})),
        );
        return Ok(MergeOutcome::Held { merge_id, why });
    }
    let mut moved = serde_json::Map::new();
    let mut total = 0;
    for t in MOVED_TABLES {
        let ids: Vec<i64> = tx
            .prepare_cached(&format!(
                "SELECT id FROM {t} WHERE patient_id = ?1 ORDER BY id"
            ))?
            .query_map([retired], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.prepare_cached(&format!(
            "UPDATE {t} SET patient_id = ?1 WHERE patient_id = ?2"
        ))?
        .execute([survivor, retired])?;
        total += ids.len();
        moved.insert((*t).to_string(), json!(ids));
    }
    let encounters = moved.get("encounters").cloned().unwrap_or(json!([]));
    let follow = |sql: &str| -> Result<i64, CoreError> {
        Ok(tx.query_row(
            &format!(
                "SELECT count(*) FROM {sql} WHERE encounter_id IN (SELECT value FROM json_each(?1))"
            ),
            [encounters.to_string()],
            |r| r.get(0),
        )?)
    };
    let followed = json!({
        "documents": follow("documents")?,
        "deficiencies": follow("deficiencies")?,
        "encounter_codes": follow("encounter_codes")?,
    });
    tx.prepare_cached("UPDATE patients SET merged_into = ?1 WHERE id = ?2")?
        .execute([survivor, retired])?;
    let moved = Value::Object(moved);
    // A merge held earlier for this pair becomes this one (decided on the MPI queue).
    let held: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM patient_merges WHERE survivor_id = ?1 AND retired_id = ?2 AND status = 'held' ORDER BY id LIMIT 1",
        )?
        .query_row([survivor, retired], |r| r.get(0))
        .optional()?;
    let merge_id = match held {
        Some(id) => {
            tx.prepare_cached(
                "UPDATE patient_merges SET status = 'applied', moved = ?2, decided_at = ?3,
                        reason = reason || ' | ' || ?4 WHERE id = ?1",
            )?
            .execute(params![id, moved.to_string(), now, reason])?;
            id
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO patient_merges(survivor_id, retired_id, retired_mrn, origin, status, moved, reason, created_at, decided_at)
                 VALUES (?1, ?2, ?3, ?4, 'applied', ?5, ?6, ?7, ?7)",
            )?
            .execute(params![survivor, retired, r.mrn, origin, moved.to_string(), reason, now])?;
            tx.last_insert_rowid()
        }
    };
    tx.prepare_cached(
        "INSERT INTO patient_aliases(patient_id, mrn, merge_id, active) VALUES (?1, ?2, ?3, 1)",
    )?
    .execute(params![survivor, r.mrn, merge_id])?;
    let detail = json!({
        "origin": origin,
        "survivor_mrn": s.mrn,
        "retired_mrn": r.mrn,
        "moved": moved,
        "with_encounters": followed,
    });
    audit.record(
        Event::new(Action::Update, Subtype::Update, "patient_merge", merge_id)
            .patient(&s.mrn)
            .reason(format!("MRN {} merged into {}: {reason}", r.mrn, s.mrn))
            .detail(detail.clone()),
    );
    audit.record(
        Event::new(Action::Update, Subtype::Update, "patient", retired)
            .patient(&r.mrn)
            .reason(format!("merged into MRN {} (merge {merge_id})", s.mrn))
            .detail(json!({"merge_id": merge_id, "merged_into": survivor})),
    );
    Ok(MergeOutcome::Applied {
        merge_id,
        moved: total,
    })
}

/// Undo an applied merge: move back exactly the rows it moved that still belong to the
/// survivor, retire the alias, clear `merged_into`. Returns the rows moved back.
pub fn unmerge(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    merge_id: i64,
    reason: &str,
    by: &str,
    now: &str,
) -> Result<usize, CoreError> {
    let row: Option<(i64, i64, String, String, String)> = tx
        .query_row(
            "SELECT survivor_id, retired_id, retired_mrn, status, moved FROM patient_merges WHERE id = ?1",
            [merge_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((survivor, retired, retired_mrn, status, moved)) = row else {
        return Err(CoreError::NotFound {
            what: "merge",
            id: merge_id.to_string(),
        });
    };
    if status != "applied" {
        return Err(CoreError::invalid(
            "unmerge",
            format!("merge {merge_id} is {status}, not applied"),
        ));
    }
    if reason.trim().is_empty() {
        return Err(CoreError::invalid("reason", "an unmerge needs a reason"));
    }
    let moved: Value = serde_json::from_str(&moved)
        .map_err(|e| CoreError::invalid("patient_merges.moved", e.to_string()))?;
    let mut back = 0;
    let mut kept = Vec::new();
    for t in MOVED_TABLES {
        let ids = moved.get(*t).cloned().unwrap_or(json!([]));
        let n = tx.execute(
            &format!(
                "UPDATE {t} SET patient_id = ?1 WHERE patient_id = ?2 AND id IN (SELECT value FROM json_each(?3))"
            ),
            params![retired, survivor, ids.to_string()],
        )?;
        let listed = ids.as_array().map_or(0, Vec::len);
        if n < listed {
            kept.push(format!("{t}: {} no longer on the survivor", listed - n));
        }
        back += n;
    }
    tx.execute(
        "UPDATE patients SET merged_into = NULL WHERE id = ?1",
        [retired],
    )?;
    tx.execute(
        "UPDATE patient_aliases SET active = 0 WHERE merge_id = ?1",
        [merge_id],
    )?;
    tx.execute(
        "UPDATE patient_merges SET status = 'unmerged', decided_at = ?2, decided_by = ?3,
                reason = reason || ' | unmerged: ' || ?4 WHERE id = ?1",
        params![merge_id, now, by, reason],
    )?;
    let survivor_mrn: String =
        tx.query_row("SELECT mrn FROM patients WHERE id = ?1", [survivor], |r| {
            r.get(0)
        })?;
    audit.record(
        Event::new(Action::Update, Subtype::Update, "patient_merge", merge_id)
            .patient(&survivor_mrn)
            .reason(format!(
                "unmerged MRN {retired_mrn} from {survivor_mrn}: {reason}"
            ))
            .detail(json!({"status": "unmerged", "moved_back": back, "not_moved_back": kept})),
    );
    audit.record(
        Event::new(Action::Update, Subtype::Update, "patient", retired)
            .patient(&retired_mrn)
            .reason(format!(
                "unmerged from MRN {survivor_mrn} (merge {merge_id})"
            ))
            .detail(json!({"merge_id": merge_id})),
    );
    Ok(back)
}
