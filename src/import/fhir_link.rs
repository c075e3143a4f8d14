//! FHIR `Patient.link` of type `replaced-by`: the record is merged into the one the link
//! names, through `crate::mpi::merge` (moved rows recorded, the retired MRN kept as an alias;
//! MPI-01: a pair whose birth date or sex disagree is held for review, noted, not applied).
//!
//! The other record is found by its source key (`fhir:Patient/<id>`, as imported earlier or
//! earlier in the same file). An unknown target is noted and skipped: the link is applied when
//! the file is imported again after the target. A record already merged into it is unchanged.

use super::FileFail;
use super::write::{Origin, Writer};
use crate::mpi::merge::{self, MergeOutcome};

pub(super) fn replaced_by(
    w: &mut Writer<'_, '_>,
    patient: i64,
    reference: &str,
    origin: &Origin<'_>,
) -> Result<(), FileFail> {
    let at = format!("{}, link", origin.at);
    let key = format!("fhir:Patient/{}", reference.trim_start_matches("Patient/"));
    let Some(survivor) = w.find("patients", "source_key", &key, &at)? else {
        w.stats.notes.push(format!(
            "{at}: replaced-by {reference} is not known yet; not merged"
        ));
        return Ok(());
    };
    let fail = |w: &Writer<'_, '_>, e: crate::CoreError| match e {
        crate::CoreError::Store(s) => FileFail::Fatal(s),
        other => w.reject(&at, other.to_string()),
    };
    let current = merge::patient(w.tx, patient).map_err(|e| fail(w, e))?;
    if survivor == patient || current.merged_into == Some(survivor) {
        return Ok(());
    }
    let reason = format!("FHIR Patient.link replaced-by {reference} ({})", w.file);
    let req = merge::MergeRequest {
        survivor,
        retired: patient,
        origin: "fhir:Patient.link",
        reason: &reason,
        reviewed: false,
    };
    let before = w.audit.len();
    let now = w.now.clone();
    match merge::merge(w.tx, w.audit, &req, &now).map_err(|e| fail(w, e))? {
        MergeOutcome::Applied { .. } => w.stats.updated += 1,
        MergeOutcome::Held { why, .. } => w.stats.notes.push(format!("{at}: {why}")),
    }
    w.events += w.audit.len() - before;
    Ok(())
}
