//! Copy fees (ROI-04, 164.524(c)(4)).
//!
//! Invariants: for the individual's own request (SELF, PERSREP) the fee is cost-based —
//! copying labor, supplies, postage and an agreed summary — and never includes search and
//! retrieval; the flat option is at most $6.50 and only for electronic copies of electronic
//! records. After *Ciox Health v. Azar* (D.D.C. 2020) the limit does not cover third-party
//! directives, which like every other requester are bounded only by the state schedule.
//! Amounts are whole cents.
//!
//! Fee class (ROI-04, setting `fee_class_by_requester`): SELF and PERSREP pay under the
//! 164.524(c)(4) limits (or nothing); PROVIDER_TX and PUBLIC_HEALTH usually nothing; everyone
//! else the state fee schedule.

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

stored_enum!(
    /// Which fee rule applies to a requester (ROI-04).
    FeeClass {
        /// The individual's own access: cost-based, 164.524(c)(4).
        Individual = "INDIVIDUAL",
        /// No charge (continuity of care, public health).
        NoCharge = "NONE",
        /// The state fee schedule (`state_fee_schedule`).
        StateSchedule = "STATE_SCHEDULE",
    }
);

impl FeeClass {
    /// ROI-04 default class of a requester type.
    pub fn default_for(t: RequesterType) -> FeeClass {
        match t {
            RequesterType::SelfAccess | RequesterType::PersRep => FeeClass::Individual,
            RequesterType::ProviderTx | RequesterType::PublicHealth => FeeClass::NoCharge,
            _ => FeeClass::StateSchedule,
        }
    }
}

/// Parse `fee_class_by_requester` (`PROVIDER_TX=NONE,PUBLIC_HEALTH=NONE,…`): overrides of
/// [`FeeClass::default_for`]. The individual's own requests (SELF, PERSREP) may only be
/// INDIVIDUAL or NONE: 164.524(c)(4) limits what they may be charged. Errors name the part.
pub fn parse_fee_classes(s: &str) -> Result<Vec<(RequesterType, FeeClass)>, String> {
    let mut out: Vec<(RequesterType, FeeClass)> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (t, c) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?}: expected REQUESTER_TYPE=CLASS"))?;
        let t = RequesterType::parse(&t.trim().to_ascii_uppercase())
            .ok_or_else(|| format!("{part:?}: {:?} is not a requester type", t.trim()))?;
        let c = FeeClass::parse(&c.trim().to_ascii_uppercase()).ok_or_else(|| {
            format!(
                "{part:?}: {:?} is not a fee class (INDIVIDUAL, NONE, STATE_SCHEDULE)",
                c.trim()
            )
        })?;
        if matches!(t, RequesterType::SelfAccess | RequesterType::PersRep)
            && c == FeeClass::StateSchedule
        {
            return Err(format!(
                "{part:?}: the individual's own copies are limited by 45 CFR 164.524(c)(4) (INDIVIDUAL or NONE)"
            ));
        }
        if out.iter().any(|(x, _)| *x == t) {
            return Err(format!("{part:?}: {t} is listed twice"));
        }
        out.push((t, c));
    }
    Ok(out)
}

/// The fee class of `t` under the `fee_class_by_requester` setting.
pub fn fee_class(setting: &str, t: RequesterType) -> Result<FeeClass, String> {
    Ok(parse_fee_classes(setting)?
        .into_iter()
        .find(|(x, _)| *x == t)
        .map_or_else(|| FeeClass::default_for(t), |(_, c)| c))
}

/// The facts a fee is computed from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeInput {
    pub requester_type: RequesterType,
    /// The fee class; `None` = [`FeeClass::default_for`] the requester type.
    #[serde(default)]
    pub class: Option<FeeClass>,
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
    pub class: FeeClass,
    /// The sentence the invoice closes with: the rule in plain words, cited for this class
    /// and requester only (164.524(c)(4) covers only the individual's own copies).
    pub basis_note: &'static str,
}

/// The invoice's closing sentence for a fee class and requester (ROI-04).
pub fn basis_note(class: FeeClass, t: RequesterType) -> &'static str {
    let own = matches!(t, RequesterType::SelfAccess | RequesterType::PersRep);
    match class {
        FeeClass::Individual if own => {
            "Search and retrieval are never charged to the individual (45 CFR 164.524(c)(4))."
        }
        FeeClass::Individual => {
            "Charged at the facility's rate for the individual's own copies, by facility choice (ROI-04)."
        }
        FeeClass::NoCharge => "No charge for this requester (ROI-04 fee class NONE).",
        FeeClass::StateSchedule if t == RequesterType::Directive => {
            "Copies sent to a third party at the individual's direction are charged under the state fee schedule: the 45 CFR 164.524(c)(4) limits cover only the individual's own copies (Ciox Health v. Azar, D.D.C. 2020)."
        }
        FeeClass::StateSchedule => "Charged under the state fee schedule (ROI-04).",
    }
}

/// ROI-04: the fee for one release.
pub fn access_fee(i: &FeeInput) -> Result<Fee, RoiError> {
    let class = i
        .class
        .unwrap_or_else(|| FeeClass::default_for(i.requester_type));
    if class == FeeClass::NoCharge {
        return Ok(Fee {
            cents: 0,
            lines: Vec::new(),
            rule: "no charge (ROI-04 fee class NONE)",
            notes: Vec::new(),
            class,
            basis_note: basis_note(class, i.requester_type),
        });
    }
    let individual = class == FeeClass::Individual;
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
        let own = matches!(
            i.requester_type,
            RequesterType::SelfAccess | RequesterType::PersRep
        );
        let rule = if own {
            "45 CFR 164.524(c)(4)"
        } else {
            "facility rate for the individual's own copies (ROI-04 fee class INDIVIDUAL)"
        };
        (lines, rule)
    } else {
        let lines = if i.method == FeeMethod::Flat {
            vec![line("flat fee", i.flat_cents)]
        } else {
            vec![
                line("copying labor", i.labor_cents),
                line("supplies", i.supplies_cents),
                line("postage", i.postage_cents),
                line("agreed summary", i.summary_cents),
                line(
                    if class == FeeClass::StateSchedule {
                        "base fee (state_fee_schedule)"
                    } else {
                        "search and retrieval"
                    },
                    i.search_retrieval_cents,
                ),
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
        class,
        basis_note: basis_note(class, i.requester_type),
    })
}

/// `state_fee_schedule` (ROI-04): `base=CENTS,per_page=CENTS,cap=CENTS` (cap 0 = none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSchedule {
    pub base_cents: u64,
    pub per_page_cents: u64,
    pub cap_cents: Option<u64>,
}

/// Parse the `state_fee_schedule` setting; the error names the offending part.
pub fn parse_fee_schedule(s: &str) -> Result<FeeSchedule, String> {
    let mut f = FeeSchedule {
        base_cents: 0,
        per_page_cents: 0,
        cap_cents: None,
    };
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?}: expected key=cents"))?;
        let n: u64 = v
            .trim()
            .parse()
            .map_err(|_| format!("{part:?}: {v:?} is not a whole number of cents"))?;
        match k.trim() {
            "base" => f.base_cents = n,
            "per_page" => f.per_page_cents = n,
            "cap" => f.cap_cents = (n > 0).then_some(n),
            other => return Err(format!("{other:?}: unknown key (base, per_page, cap)")),
        }
    }
    Ok(f)
}
