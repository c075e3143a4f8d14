//! Accounting of disclosures (45 CFR 164.528): the window (AOD-01), what is excluded
//! (AOD-02), the 60-day clock and the fee (AOD-05), and agency suspensions (AOD-06).
//!
//! Invariants: the window is the six years before the request (or a shorter period the
//! individual asks for) and never starts before the Privacy Rule compliance date. The
//! individual's own copy (SELF, PERSREP) is never in their accounting, Part 2 records
//! included: 42 CFR 2.25 concerns disclosures made with consent, not patient access. Every
//! other disclosure of Part 2 records is accountable (42 CFR 2.25). A suspension (AOD-06)
//! applies only to disclosures to a health oversight agency or a law-enforcement official
//! (164.528(a)(2)), tied to the agency's request, never to a public-health registry.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::RoiError;
use super::clock::{Extension, add_days, extend};
use super::requester::{Conditions, RequesterType};
use super::stored_enum;

/// Privacy Rule compliance date; earlier disclosures are never accountable (164.528(a)(1)(ix)).
pub const PRIVACY_RULE_COMPLIANCE: NaiveDate = match NaiveDate::from_ymd_opt(2003, 4, 14) {
    Some(d) => d,
    None => panic!("valid constant date"),
};

pub const AOD_LOOKBACK_MONTHS: u32 = 72;
pub const AOD_DUE_DAYS: u32 = 60;
pub const AOD_EXTENSION_DAYS: u32 = 30;
pub const AOD_CLOCK_RULE: &str = "45 CFR 164.528(c)(1)";

/// AOD-01: the first and last dates covered, inclusive. `requested_from` shortens the
/// window; it never lengthens it past six years.
pub fn window(
    requested_on: NaiveDate,
    requested_from: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), RoiError> {
    let six_years = requested_on
        .checked_sub_months(Months::new(AOD_LOOKBACK_MONTHS))
        .ok_or(RoiError::DateOutOfRange {
            what: "accounting window",
        })?;
    let start = six_years
        .max(requested_from.unwrap_or(six_years))
        .max(PRIVACY_RULE_COMPLIANCE);
    Ok((start, requested_on))
}

stored_enum!(
    /// Why a disclosure was made, as far as 164.528(a)(1) cares.
    DisclosurePurpose {
        Treatment = "TREATMENT",
        Payment = "PAYMENT",
        Operations = "OPERATIONS",
        ToIndividual = "TO_INDIVIDUAL",
        /// Incident to an otherwise permitted use or disclosure.
        Incidental = "INCIDENTAL",
        Authorization = "AUTHORIZATION",
        /// Facility directory, persons involved in care, notification (164.510).
        DirectoryOrCare = "DIRECTORY_OR_CARE",
        NationalSecurity = "NATIONAL_SECURITY",
        /// Correctional institution or law-enforcement custody (164.512(k)(5)).
        Custody = "CUSTODY",
        LimitedDataSet = "LIMITED_DATA_SET",
        /// Any other purpose (public health, oversight, court order, …).
        Other = "OTHER",
    }
);

/// One disclosure, as the exclusion rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    pub disclosed_on: NaiveDate,
    pub purpose: DisclosurePurpose,
    /// The ROI requester type, when the disclosure answered a request.
    pub requester_type: Option<RequesterType>,
    pub conditions: Conditions,
    /// The disclosure included 42 CFR Part 2 records.
    pub part2: bool,
}

/// AOD-02: why a disclosure is left out of an accounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    pub code: &'static str,
    pub rule: &'static str,
}

const fn ex(code: &'static str, rule: &'static str) -> Exclusion {
    Exclusion { code, rule }
}

/// AOD-02: `None` when the disclosure belongs in an accounting.
pub fn exclusion(d: &Disclosure) -> Option<Exclusion> {
    use DisclosurePurpose::*;
    if d.disclosed_on < PRIVACY_RULE_COMPLIANCE {
        return Some(ex("AOD_EXCL_BEFORE_COMPLIANCE", "45 CFR 164.528(a)(1)(ix)"));
    }
    // The individual's own copy: never accountable, Part 2 records included (42 CFR 2.25
    // covers disclosures made with consent, not patient access). A copy sent to a third
    // party at the individual's direction is not "to the individual" under Part 2.
    let own_copy = match d.requester_type {
        Some(RequesterType::SelfAccess | RequesterType::PersRep) => true,
        Some(RequesterType::Directive) => !d.part2,
        Some(_) => false,
        None => d.purpose == ToIndividual,
    };
    if own_copy {
        return Some(ex("AOD_EXCL_TO_INDIVIDUAL", "45 CFR 164.528(a)(1)(ii)"));
    }
    if d.part2 {
        return None;
    }
    let by_purpose = match d.purpose {
        Treatment | Payment | Operations => Some(ex("AOD_EXCL_TPO", "45 CFR 164.528(a)(1)(i)")),
        ToIndividual => Some(ex("AOD_EXCL_TO_INDIVIDUAL", "45 CFR 164.528(a)(1)(ii)")),
        Incidental => Some(ex("AOD_EXCL_INCIDENTAL", "45 CFR 164.528(a)(1)(iii)")),
        Authorization => Some(ex("AOD_EXCL_AUTHORIZATION", "45 CFR 164.528(a)(1)(iv)")),
        DirectoryOrCare => Some(ex("AOD_EXCL_DIRECTORY_OR_CARE", "45 CFR 164.528(a)(1)(v)")),
        NationalSecurity => Some(ex("AOD_EXCL_NATIONAL_SECURITY", "45 CFR 164.528(a)(1)(vi)")),
        Custody => Some(ex("AOD_EXCL_CUSTODY", "45 CFR 164.528(a)(1)(vii)")),
        LimitedDataSet => Some(ex(
            "AOD_EXCL_LIMITED_DATA_SET",
            "45 CFR 164.528(a)(1)(viii)",
        )),
        Other => None,
    };
    by_purpose.or_else(|| {
        let t = d.requester_type?;
        if t.accountable(d.conditions) {
            return None;
        }
        Some(match t {
            RequesterType::SelfAccess | RequesterType::PersRep | RequesterType::Directive => {
                ex("AOD_EXCL_TO_INDIVIDUAL", "45 CFR 164.528(a)(1)(ii)")
            }
            RequesterType::ProviderTx | RequesterType::Payer => {
                ex("AOD_EXCL_TPO", "45 CFR 164.528(a)(1)(i)")
            }
            _ => ex("AOD_EXCL_AUTHORIZATION", "45 CFR 164.528(a)(1)(iv)"),
        })
    })
}

/// AOD-05: received + 60 days, plus the one extension (≤ 30 days, written reason, notice
/// within the first 60).
pub fn due(received: NaiveDate, extension: Option<&Extension>) -> Result<NaiveDate, RoiError> {
    let first = add_days(received, AOD_DUE_DAYS, "accounting due date")?;
    match extension {
        Some(e) => extend(received, first, e, AOD_EXTENSION_DAYS, AOD_CLOCK_RULE),
        None => Ok(first),
    }
}

/// The fee for an accounting request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AodFee {
    pub cents: u64,
    /// The first accounting in the 12 months before this request: free.
    pub free: bool,
    /// A fee may be charged only after notice that lets the individual withdraw or modify
    /// the request (164.528(c)(2)).
    pub notice_required: bool,
}

/// AOD-05: free if no accounting was requested in the 12 months before `received`
/// (a request exactly 12 months earlier no longer counts); else the cost-based fee.
pub fn fee(
    received: NaiveDate,
    earlier_requests: &[NaiveDate],
    cost_cents: u64,
) -> Result<AodFee, RoiError> {
    let year_ago =
        received
            .checked_sub_months(Months::new(12))
            .ok_or(RoiError::DateOutOfRange {
                what: "accounting fee period",
            })?;
    let free = !earlier_requests
        .iter()
        .any(|d| *d > year_ago && *d <= received);
    Ok(AodFee {
        cents: if free { 0 } else { cost_cents },
        free,
        notice_required: !free && cost_cents > 0,
    })
}

/// AOD-06: an oversight or law-enforcement agency's statement suspending the individual's
/// right to an accounting of disclosures to it (164.528(a)(2)). It is tied to the agency's
/// request (`request_id`, a request of type OVERSIGHT or LAW_ENF) and suspends the
/// disclosures made for that request, never anything matched on a name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suspension {
    /// The agency as recorded on its request (shown; never used to match).
    pub agency: String,
    /// The agency's request the statement came with.
    #[serde(default)]
    pub request_id: Option<i64>,
    pub start: NaiveDate,
    /// Last day of the period stated by the agency.
    pub end: NaiveDate,
    /// A written statement; an oral one lasts at most 30 days unless put in writing.
    pub written: bool,
}

/// Longest an oral suspension lasts (164.528(a)(2)(ii)).
pub const ORAL_SUSPENSION_DAYS: u32 = 30;

impl Suspension {
    /// The last day the suspension is in force: its stated end, or for an oral statement
    /// no more than 30 days from the start (start + 30 is the last day; start is day 0).
    pub fn last_day(&self) -> Result<NaiveDate, RoiError> {
        if self.written {
            return Ok(self.end);
        }
        let oral_limit = add_days(self.start, ORAL_SUSPENSION_DAYS, "oral suspension")?;
        Ok(self.end.min(oral_limit))
    }

    /// Whether disclosures to this agency are left out of an accounting provided `today`.
    pub fn in_force(&self, today: NaiveDate) -> Result<bool, RoiError> {
        Ok(self.start <= today && today <= self.last_day()?)
    }

    /// Whether this suspension covers a disclosure made for `request_id` to a requester of
    /// type `t`: only the agency's own request, and only a health oversight agency or a
    /// law-enforcement official (164.528(a)(2)); a public-health registry never.
    pub fn covers(&self, request_id: Option<i64>, t: Option<RequesterType>) -> bool {
        may_suspend(t) && self.request_id.is_some() && self.request_id == request_id
    }
}

/// 164.528(a)(2): only a health oversight agency (164.512(d)) or a law-enforcement official
/// (164.512(f)) may suspend the accounting of disclosures to it.
pub fn may_suspend(t: Option<RequesterType>) -> bool {
    matches!(t, Some(RequesterType::Oversight | RequesterType::LawEnf))
}
