//! Plausibility of an encounter before analysis (issue #13, "analysis a department can live
//! with"). An implausible encounter goes to the data-quality list, named by rule, and is not
//! analysed into the queues until its data are fixed:
//!
//! | rule | finding |
//! |---|---|
//! | DQ-ORDER | discharge before admission |
//! | DQ-FUTURE | admission, discharge or a document dated after now |
//! | DQ-LOS | a stay longer than `max_stay_days` |
//! | DQ-DOC-DATE | a document dated before the H&P window (`hp_days_before`) or more than `doc_days_after_discharge` after discharge |
//!
//! Pure: the same facts and limits give the same findings in the same order.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::rules::{DocFacts, EncounterFacts};
use crate::domain::DocStatus;

/// The limits in force (settings `max_stay_days`, `doc_days_after_discharge`, and the rule
/// set's `hp_days_before`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_stay_days: i64,
    pub doc_days_before: i64,
    pub doc_days_after: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stay_days: 365,
            doc_days_before: 30,
            doc_days_after: 30,
        }
    }
}

/// One implausibility, named by its rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Implausible {
    pub rule: &'static str,
    pub detail: String,
}

/// Check one discharged encounter and its documents against `now` (facility-local).
pub fn check(
    enc: &EncounterFacts,
    docs: &[DocFacts],
    now: NaiveDateTime,
    limits: Limits,
) -> Vec<Implausible> {
    let mut out = Vec::new();
    let Some(dis) = enc.discharge_at else {
        return out;
    };
    if dis < enc.admit_at {
        out.push(Implausible {
            rule: "DQ-ORDER",
            detail: format!("discharge {dis} is before admission {}", enc.admit_at),
        });
    }
    let future_doc = docs.iter().find(|d| d.service_at > now);
    if enc.admit_at > now || dis > now || future_doc.is_some() {
        let what = if enc.admit_at > now {
            format!("admission {} is in the future", enc.admit_at)
        } else if dis > now {
            format!("discharge {dis} is in the future")
        } else {
            future_doc
                .map(|d| format!("document {} is dated {} in the future", d.id, d.service_at))
                .unwrap_or_default()
        };
        out.push(Implausible {
            rule: "DQ-FUTURE",
            detail: what,
        });
    }
    let stay = (dis - enc.admit_at).num_days();
    if stay > limits.max_stay_days {
        out.push(Implausible {
            rule: "DQ-LOS",
            detail: format!(
                "stay of {stay} days ({} .. {dis}) is longer than max_stay_days = {}",
                enc.admit_at, limits.max_stay_days
            ),
        });
    }
    let lo = enc.admit_at - Duration::days(limits.doc_days_before);
    let hi = dis + Duration::days(limits.doc_days_after);
    if let Some(d) = docs.iter().find(|d| {
        d.status != DocStatus::EnteredInError
            && !d.superseded
            && (d.service_at < lo || d.service_at > hi)
    }) {
        out.push(Implausible {
            rule: "DQ-DOC-DATE",
            detail: format!(
                "document {} ({}) is dated {}, outside its stay's window {lo} .. {hi}",
                d.id, d.doc_type, d.service_at
            ),
        });
    }
    out
}
