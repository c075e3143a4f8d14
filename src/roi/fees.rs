//! Copy fees (ROI-04, 164.524(c)(4)).
//!
//! Invariants: for the individual's own request (SELF, PERSREP) the fee is cost-based —
//! copying labor, supplies, postage and an agreed summary — and never includes search and
//! retrieval; the flat option is at most $6.50 and only for electronic copies of electronic
//! records. After *Ciox Health v. Azar* (D.D.C. 2020) the limit does not cover third-party
//! directives, which like every other requester are bounded only by the state schedule.
//! Amounts are whole cents.

use serde::{Deserialize, Serialize};

use super::RoiError;
use super::requester::RequesterType;
use super::stored_enum;

/// OCR's flat-fee ceiling for electronic copies of electronic records.
pub const OCR_FLAT_CENTS: u64 = 650;

stored_enum!(
    /// `fee_method` setting.
    FeeMethod {
        /// Actual allowable costs.
        Actual = "actual",
        /// A schedule of average allowable costs.
        AverageSchedule = "average_schedule",
        /// Flat fee (≤ $6.50 for the individual's electronic copies).
        Flat = "flat",
    }
);

/// The facts a fee is computed from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeInput {
    pub requester_type: RequesterType,
    pub method: FeeMethod,
    /// An electronic copy of records kept electronically.
    #[serde(default)]
    pub electronic_copy_of_electronic_records: bool,
    #[serde(default)]
    pub labor_cents: u64,
    #[serde(default)]
    pub supplies_cents: u64,
    #[serde(default)]
    pub postage_cents: u64,
    /// A summary or explanation the individual agreed to, and its fee, in advance.
    #[serde(default)]
    pub summary_cents: u64,
    #[serde(default)]
    pub search_retrieval_cents: u64,
    /// The facility's flat fee when `method` is `flat`.
    #[serde(default)]
    pub flat_cents: u64,
    /// `state_fee_schedule` ceiling, if any.
    #[serde(default)]
    pub state_cap_cents: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeeLine {
    pub label: &'static str,
    pub cents: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fee {
    pub cents: u64,
    pub lines: Vec<FeeLine>,
    /// The rule the fee follows.
    pub rule: &'static str,
    pub notes: Vec<&'static str>,
}

/// ROI-04: the fee for one release.
pub fn access_fee(i: &FeeInput) -> Result<Fee, RoiError> {
    let individual = matches!(
        i.requester_type,
        RequesterType::SelfAccess | RequesterType::PersRep
    );
    let mut notes = Vec::new();
    let line = |label, cents| FeeLine { label, cents };
    let (lines, rule) = if individual {
        let lines = if i.method == FeeMethod::Flat {
            if !i.electronic_copy_of_electronic_records {
                return Err(RoiError::FlatFeeNotElectronic);
            }
            if i.flat_cents > OCR_FLAT_CENTS {
                notes.push("flat fee limited to $6.50");
            }
            vec![line("flat fee", i.flat_cents.min(OCR_FLAT_CENTS))]
        } else {
            vec![
                line("copying labor", i.labor_cents),
                line("supplies", i.supplies_cents),
                line("postage", i.postage_cents),
                line("agreed summary", i.summary_cents),
            ]
        };
        if i.search_retrieval_cents > 0 {
            notes.push("search and retrieval may not be charged to the individual");
        }
        (lines, "45 CFR 164.524(c)(4)")
    } else {
        let lines = if i.method == FeeMethod::Flat {
            vec![line("flat fee", i.flat_cents)]
        } else {
            vec![
                line("copying labor", i.labor_cents),
                line("supplies", i.supplies_cents),
                line("postage", i.postage_cents),
                line("agreed summary", i.summary_cents),
                line("search and retrieval", i.search_retrieval_cents),
            ]
        };
        let rule = if i.requester_type == RequesterType::Directive {
            "Ciox Health v. Azar (D.D.C. 2020): 164.524(c)(4) limit does not apply"
        } else {
            "state law (state_fee_schedule)"
        };
        (lines, rule)
    };
    let sum: u64 = lines.iter().map(|l| l.cents).sum();
    let cents = match i.state_cap_cents {
        Some(cap) if sum > cap => {
            notes.push("limited by the state fee schedule");
            cap
        }
        _ => sum,
    };
    Ok(Fee {
        cents,
        lines,
        rule,
        notes,
    })
}
