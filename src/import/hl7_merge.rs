//! HL7 v2 patient merges: ADT A40 (merge patient, identifier list), A34 (merge patient id
//! only), A18 (merge patient information) and A47 (change patient identifier list).
//!
//! PID-3 names the surviving MRN, MRG-1 the prior (retired) MRN. When both records exist the
//! retired one is merged into the survivor by `crate::mpi::merge` (moved rows recorded, the
//! retired MRN kept as an alias; MPI-01: a pair whose birth date or sex disagree is held for
//! review, and the message is still accepted). When only the prior MRN exists (A47, or a
//! merge into a new number) the record's MRN changes and the old one stays as an alias.

use serde_json::json;

use super::hl7_apply::Msg;
use super::write::Writer;
use super::{FileFail, ImportError};
use crate::audit::{Action, Event, Subtype};
use crate::mpi::merge::{self, MergeOutcome};

#[derive(Debug, Clone)]
pub(super) struct MergePlan {
    pub(super) number: usize,
    pub(super) msg_type: String,
    pub(super) control_id: String,
    pub(super) sha: String,
    pub(super) survivor_mrn: String,
    pub(super) retired_mrn: String,
    pub(super) pid_at: String,
    pub(super) mrg_at: String,
}

pub(super) const MERGE_EVENTS: &[&str] = &["A40", "A34", "A18", "A47"];

/// Read PID-3 and MRG-1 (the repetition typed `MR`, else the first).
pub(super) fn interpret(x: &Msg<'_>, msg_type: &str) -> Result<MergePlan, ImportError> {
    let m = x.m;
    let pid = x.seg("PID")?;
    let mrg = x.seg("MRG")?;
    let mrn_of = |raw: &str| {
        let reps = m.repetitions(raw);
        let rep = (0..reps.len())
            .find(|&r| m.component(raw, r, 5) == "MR")
            .unwrap_or(0);
        m.component(raw, rep, 1)
    };
    let survivor_mrn = mrn_of(pid.raw(3));
    if survivor_mrn.trim().is_empty() {
        return Err(x.err(pid, 3, "surviving patient identifier (MRN) is empty"));
    }
    let retired_mrn = mrn_of(mrg.raw(1));
    if retired_mrn.trim().is_empty() {
        return Err(x.err(mrg, 1, "prior patient identifier (MRN) is empty"));
    }
    let msh = &m.segments[0];
    Ok(MergePlan {
        number: m.number,
        msg_type: msg_type.to_string(),
        control_id: x.comp(msh, 10, 1),
        sha: m.sha256.clone(),
        survivor_mrn,
        retired_mrn,
        pid_at: format!("message {}, line {} (PID-3)", m.number, pid.line),
        mrg_at: format!("message {}, line {} (MRG-1)", m.number, mrg.line),
    })
}

pub(super) fn execute(w: &mut Writer<'_, '_>, p: &MergePlan) -> Result<(), FileFail> {
    let msh_at = format!("message {}, line 1 (MSH)", p.number);
    if w.ledger_seen(&p.sha, &msh_at)? {
        w.stats.unchanged += 1;
        return Ok(());
    }
    let fail = |w: &Writer<'_, '_>, at: &str, e: crate::CoreError| match e {
        crate::CoreError::Store(s) => FileFail::Fatal(s),
        other => w.reject(at, other.to_string()),
    };
    let retired = merge::find_by_mrn(w.tx, &p.retired_mrn).map_err(|e| fail(w, &p.mrg_at, e))?;
    let Some(retired) = retired else {
        return Err(w.reject(
            &p.mrg_at,
            format!("prior patient MRN {} is not known", p.retired_mrn),
        ));
    };
    let survivor = merge::find_by_mrn(w.tx, &p.survivor_mrn).map_err(|e| fail(w, &p.pid_at, e))?;
    match survivor {
        Some(s) if s == retired => {
            w.stats.unchanged += 1;
        }
        Some(s) => {
            let reason = format!("{} control id {}", p.msg_type, p.control_id);
            let origin = format!("hl7:{}", p.msg_type);
            let before = w.audit.len();
            let req = merge::MergeRequest {
                survivor: s,
                retired,
                origin: &origin,
                reason: &reason,
                reviewed: false,
            };
            match merge::merge(w.tx, w.audit, &req, &w.now.clone())
                .map_err(|e| fail(w, &p.mrg_at, e))?
            {
                MergeOutcome::Applied { .. } => w.stats.updated += 1,
                MergeOutcome::Held { why, .. } => {
                    w.stats.skipped += 1;
                    w.stats.notes.push(format!("message {}: {why}", p.number));
                }
            }
            w.events += w.audit.len() - before;
        }
        None => {
            // A new number for the same person: the record takes it, the old one is an alias.
            w.tx.execute(
                "UPDATE patients SET mrn = ?1 WHERE id = ?2",
                rusqlite::params![p.survivor_mrn, retired],
            )
            .map_err(|e| w.db(&p.pid_at, e))?;
            w.tx.execute(
                "INSERT INTO patient_aliases(patient_id, mrn, active) VALUES (?1, ?2, 1)",
                rusqlite::params![retired, p.retired_mrn],
            )
            .map_err(|e| w.db(&p.pid_at, e))?;
            w.audit.record(
                Event::new(Action::Update, Subtype::Update, "patient", retired)
                    .patient(&p.survivor_mrn)
                    .reason(format!(
                        "MRN {} changed to {} ({})",
                        p.retired_mrn, p.survivor_mrn, p.msg_type
                    ))
                    .detail(json!({"source_file": w.file, "at": p.pid_at, "changed": ["mrn"], "alias": p.retired_mrn})),
            );
            w.events += 1;
            w.stats.updated += 1;
        }
    }
    w.ledger_record(&p.sha, &p.control_id, &p.msg_type, &msh_at)
}
