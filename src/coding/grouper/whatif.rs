//! The coder's what-if (issue #14): which secondary diagnoses are CC/MCC on this claim, and
//! what the DRG, weight and expected payment would be without each of them. The workbench
//! shows it beside the live DRG so a coder sees where a query would change the payment.
//!
//! Invariants: pure (claim in, answer out); every alternative is grouped by the same grouper
//! version as the claim (discharge date), HAC step and exclusions included, so "without" is
//! exactly what the grouper would return had the code not been reported.

use serde::Serialize;

use super::{Claim, GroupResult, Severity, group, norm, tables, version_for, weights};

/// One CC/MCC secondary diagnosis and the claim's grouping without it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WithoutCode {
    /// The secondary diagnosis (undotted, as normalised by the grouper).
    pub code: String,
    /// Its CC/MCC level in the grouper tables (before exclusions).
    pub level: Severity,
    /// True when it is the code that gave the final DRG its severity.
    pub decides: bool,
    pub drg: u16,
    pub title: String,
    pub weight: Option<f64>,
    /// Final DRG weight with the code minus weight without it (None when either has none).
    pub weight_gain: Option<f64>,
}

/// The live DRG and the what-if alternatives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    pub result: GroupResult,
    pub without: Vec<WithoutCode>,
}

/// Groups the claim, then regroups it once without each secondary diagnosis that is a CC or
/// MCC in the tables (each distinct code once, in claim order).
pub fn what_if(claim: &Claim) -> Result<WhatIf, String> {
    let result = group(claim)?;
    let t = tables(version_for(claim.discharge_date)?)?;
    let decided_by = result.final_drg.severity_code.as_deref().map(norm);
    let mut seen = Vec::<String>::new();
    let mut without = Vec::new();
    for s in &claim.secondary {
        let code = norm(&s.code);
        let Some(row) = t.dx.get(&code) else { continue };
        if row.severity == Severity::None || seen.contains(&code) {
            continue;
        }
        seen.push(code.clone());
        let mut alt = claim.clone();
        alt.secondary.retain(|d| norm(&d.code) != code);
        let r = group(&alt)?;
        let weight = r.weight;
        without.push(WithoutCode {
            decides: decided_by.as_deref() == Some(code.as_str()),
            level: row.severity,
            drg: r.final_drg.drg,
            title: r.final_drg.title,
            weight,
            weight_gain: match (result.weight, weight) {
                (Some(a), Some(b)) => Some(((a - b) * 10_000.0).round() / 10_000.0),
                _ => None,
            },
            code,
        });
    }
    Ok(WhatIf { result, without })
}

/// Expected payment of a grouped claim at `base_rate` (DRG-06): see
/// [`weights::expected_payment`].
pub fn expected_payment(result: &GroupResult, base_rate: f64) -> Option<f64> {
    weights::expected_payment(result.final_drg.drg, base_rate)
}
