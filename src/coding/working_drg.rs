//! The workbench's working MS-DRG (issue #14, DRG-01/DRG-06): the encounter's code list as it
//! stands, grouped by the v43 grouper with its what-if (each CC/MCC secondary diagnosis and
//! the DRG without it), read after every change to the list.
//!
//! Invariants:
//! - Only inpatient stays are grouped (DRG-01); any other encounter gets
//!   [`WorkingDrg::NotInpatient`], and a list with no principal diagnosis
//!   [`WorkingDrg::Incomplete`] — never a guessed DRG.
//! - The grouper version follows the discharge date (v43.0 / v43.1); a stay still in house is
//!   grouped by its admission date (as the edits pick code sets, COD-01).
//! - The discharge status is the encounter's coded UB-04 disposition; when there is none (or
//!   free text) `01` is used and [`Working::status_assumed`] says so.
//! - POA-exempt facility types (POA-03) skip the HAC step, as `group --encounter` does.

use serde::Serialize;

use super::grouper::whatif::{WhatIf, expected_payment, what_if};
use super::grouper::{Claim, DISCHARGE_STATUSES, SecondaryDx, Sex};
use super::work::{CodeList, EncounterHeader, edit_input};
use crate::domain::EncounterKind;
use crate::error::CoreError;
use crate::settings;
use crate::store::Reader;

/// A grouped code list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Working {
    pub what_if: WhatIf,
    /// True when the encounter has no coded UB-04 discharge status and `01` was used.
    pub status_assumed: bool,
    /// The discharge status grouped with.
    pub discharge_status: String,
    /// Expected payment (weight x `drg_base_rate`, DRG-06); None when the rate is 0 or the
    /// DRG has no weight.
    pub expected_payment: Option<f64>,
    /// The `drg_base_rate` setting used (0 = not set).
    pub base_rate: f64,
}

/// What the workbench's DRG panel shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum WorkingDrg {
    /// Outpatient and other non-inpatient encounters are not grouped (DRG-01).
    NotInpatient,
    /// Nothing to group yet, or the grouper refused (the reason, in the coder's words).
    Incomplete(String),
    Grouped(Box<Working>),
}

/// The grouper's claim for a code list: a pure function of the header, the list and the
/// facility's POA exemption. `Ok(None)` when there is no principal diagnosis.
pub fn claim_of(
    h: &EncounterHeader,
    codes: &CodeList,
    poa_exempt: bool,
) -> Result<Option<(Claim, bool)>, CoreError> {
    let input = edit_input(h, codes)?;
    let Some(principal) = &input.principal else {
        return Ok(None);
    };
    let coded = h
        .discharge_disposition
        .as_deref()
        .map(str::trim)
        .filter(|d| DISCHARGE_STATUSES.contains(d));
    let sex = match input.sex.to_ascii_uppercase() {
        'M' => Sex::Male,
        'F' => Sex::Female,
        _ => Sex::Unknown,
    };
    Ok(Some((
        Claim {
            principal: principal.code.clone(),
            secondary: input
                .secondary
                .iter()
                .map(|d| SecondaryDx {
                    code: d.code.clone(),
                    poa: d.poa,
                })
                .collect(),
            procedures: input.procedures.iter().map(|p| p.code.clone()).collect(),
            sex,
            discharge_status: coded.unwrap_or("01").to_string(),
            discharge_date: input.discharge,
            poa_exempt,
        },
        coded.is_none(),
    )))
}

/// Groups a code list with its what-if, given the facility settings (pure).
pub fn group_list(
    h: &EncounterHeader,
    codes: &CodeList,
    poa_exempt: bool,
    base_rate: f64,
) -> Result<WorkingDrg, CoreError> {
    if EncounterKind::parse(&h.kind) != Some(EncounterKind::Inpatient) {
        return Ok(WorkingDrg::NotInpatient);
    }
    let Some((claim, status_assumed)) = claim_of(h, codes, poa_exempt)? else {
        return Ok(WorkingDrg::Incomplete(
            "no principal diagnosis yet: add one (a) to see the MS-DRG".into(),
        ));
    };
    let w = match what_if(&claim) {
        Ok(w) => w,
        Err(e) => return Ok(WorkingDrg::Incomplete(e)),
    };
    let pay = if base_rate > 0.0 {
        expected_payment(&w.result, base_rate)
    } else {
        None
    };
    Ok(WorkingDrg::Grouped(Box::new(Working {
        what_if: w,
        status_assumed,
        discharge_status: claim.discharge_status,
        expected_payment: pay,
        base_rate,
    })))
}

/// Groups the encounter's code list with the facility's settings (`facility_type` for POA-03,
/// `drg_base_rate` for DRG-06). A bare read of settings; the caller has the encounter open.
pub fn working_drg(
    conn: &Reader,
    h: &EncounterHeader,
    codes: &CodeList,
) -> Result<WorkingDrg, CoreError> {
    if EncounterKind::parse(&h.kind) != Some(EncounterKind::Inpatient) {
        return Ok(WorkingDrg::NotInpatient);
    }
    let poa_exempt =
        !settings::get(conn, settings::Key::FacilityType)?.eq_ignore_ascii_case("IPPS");
    let rate = settings::get_f64(conn, settings::Key::DrgBaseRate)?;
    group_list(h, codes, poa_exempt, rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::DxEntry;

    fn header(kind: &str, disposition: Option<&str>) -> EncounterHeader {
        EncounterHeader {
            id: 1,
            visit_number: "V1".into(),
            mrn: "M1".into(),
            patient: "Doe, Jan".into(),
            birth_date: "1950-01-01".into(),
            sex: "F".into(),
            kind: kind.into(),
            service: "Medicine".into(),
            admit_at: "2026-03-02T08:00:00".into(),
            discharge_at: Some("2026-03-06T12:00:00".into()),
            discharge_disposition: disposition.map(str::to_string),
            attending_id: None,
            attending: None,
            him_status: "open".into(),
            coding_status: "in_progress".into(),
            coded_at: None,
        }
    }

    fn list(pdx: &str, sdx: &[&str]) -> CodeList {
        CodeList {
            principal: Some(DxEntry::new(pdx, Some('Y'))),
            secondary: sdx.iter().map(|c| DxEntry::new(c, Some('Y'))).collect(),
            procedures: Vec::new(),
        }
    }

    #[test]
    fn outpatient_is_not_grouped_drg_01() {
        let g = group_list(&header("outpatient", None), &list("I50.9", &[]), false, 0.0);
        assert_eq!(g.ok(), Some(WorkingDrg::NotInpatient));
    }

    #[test]
    fn no_principal_is_incomplete() {
        let g = group_list(
            &header("inpatient", Some("01")),
            &CodeList::default(),
            false,
            0.0,
        );
        assert!(matches!(g, Ok(WorkingDrg::Incomplete(_))));
    }

    /// Heart failure with acute kidney failure (N17.9, a CC): DRG 292 with the CC, 293
    /// without it; the what-if names N17.9 as the code that decides the severity, and the
    /// payment is weight x base rate.
    #[test]
    fn heart_failure_with_cc_and_what_if() {
        let g = group_list(
            &header("inpatient", None),
            &list("I50.9", &["N17.9"]),
            false,
            6000.0,
        );
        let Ok(WorkingDrg::Grouped(w)) = g else {
            panic!("grouped: {g:?}")
        };
        assert!(w.status_assumed);
        assert_eq!(w.discharge_status, "01");
        let r = &w.what_if.result;
        assert_eq!(r.final_drg.drg, 292);
        assert_eq!(r.final_drg.severity_code.as_deref(), Some("N179"));
        let without = &w.what_if.without;
        assert_eq!(without.len(), 1);
        assert!(without[0].decides);
        assert_eq!(without[0].drg, 293);
        let pay = w.expected_payment.expect("payment");
        let weight = r.weight.expect("weight");
        assert!((pay - weight * 6000.0).abs() < 0.01);
    }

    #[test]
    fn expired_status_is_used_when_coded() {
        let g = group_list(
            &header("inpatient", Some("20")),
            &list("I50.9", &[]),
            false,
            0.0,
        );
        let Ok(WorkingDrg::Grouped(w)) = g else {
            panic!("grouped: {g:?}")
        };
        assert!(!w.status_assumed);
        assert_eq!(w.discharge_status, "20");
        assert_eq!(w.expected_payment, None);
    }
}
