//! The deficiency status chain (DOMAIN §2.3) and delinquency arithmetic (§2.4), pure.
//!
//! `OPEN → DICTATED → TRANSCRIBED → SIGNED → COSIGNED? → COMPLETED`, side states `WAIVED` and
//! `VOID`. Forward skips are allowed (EHR-native notes skip dictation); nothing moves backward;
//! terminal states never change.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::domain::{Role, str_enum};

str_enum!(
    /// A deficiency's status.
    DefStatus {
        Open = "open",
        Dictated = "dictated",
        Transcribed = "transcribed",
        Signed = "signed",
        Cosigned = "cosigned",
        Completed = "completed",
        Waived = "waived",
        Void = "void",
    }
);

impl DefStatus {
    /// Completed, waived or void: nothing is owed (DEF-04).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            DefStatus::Completed | DefStatus::Waived | DefStatus::Void
        )
    }
    fn rank(self) -> u8 {
        match self {
            DefStatus::Open => 0,
            DefStatus::Dictated => 1,
            DefStatus::Transcribed => 2,
            DefStatus::Signed => 3,
            DefStatus::Cosigned => 4,
            DefStatus::Completed | DefStatus::Waived | DefStatus::Void => 5,
        }
    }
}

str_enum!(
    /// Waiver reasons (DEF-03).
    WaiveReason {
        ProviderUnavailable = "WV_PROVIDER_UNAVAILABLE",
        NotApplicable = "WV_NOT_APPLICABLE",
        DocElsewhere = "WV_DOC_ELSEWHERE",
        PolicyException = "WV_POLICY_EXCEPTION",
        AdminClosure = "WV_ADMIN_CLOSURE",
    }
);

/// Minimum length of the free text that must accompany a waiver or a void (DEF-03).
pub const MIN_REASON_CHARS: usize = 10;

/// Who asks for a transition: a user's role, or the system (automatic resolution when a
/// document arrives signed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Role(Role),
    System,
}

/// Why a transition is refused, citing the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("DEF-04: the deficiency is already {0} and cannot change")]
    Closed(DefStatus),
    #[error("DEF-02: status never moves backward ({from} → {to})")]
    Backward { from: DefStatus, to: DefStatus },
    #[error("DEF-02: only a technician or supervisor may set {0}")]
    RoleMayNot(DefStatus),
    #[error("DEF-03: a {0} needs a reason of at least 10 characters")]
    ReasonRequired(DefStatus),
    #[error("DEF-03: waiving needs a waiver reason code (WV_…)")]
    WaiveCodeRequired,
    #[error("no change: the deficiency is already {0}")]
    Same(DefStatus),
}

/// Outcome of an allowed request: the new status, or a waiver left pending approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Move(DefStatus),
    /// DEF-03: a technician's waiver waits for a supervisor (`waive_roles = {SUPERVISOR}`).
    WaiverPendingApproval,
}

/// Check one requested transition (pure).
pub fn check_transition(
    from: DefStatus,
    to: DefStatus,
    by: By,
    reason_text: &str,
    waive_code: Option<WaiveReason>,
) -> Result<Decision, TransitionError> {
    if from.is_closed() {
        return Err(TransitionError::Closed(from));
    }
    if from == to {
        return Err(TransitionError::Same(from));
    }
    let tech_or_sup = matches!(by, By::Role(Role::Technician | Role::Supervisor));
    match to {
        DefStatus::Void => {
            if !(tech_or_sup) {
                return Err(TransitionError::RoleMayNot(to));
            }
            if reason_text.trim().chars().count() < MIN_REASON_CHARS {
                return Err(TransitionError::ReasonRequired(to));
            }
            Ok(Decision::Move(to))
        }
        DefStatus::Waived => {
            if !(tech_or_sup) {
                return Err(TransitionError::RoleMayNot(to));
            }
            if waive_code.is_none() {
                return Err(TransitionError::WaiveCodeRequired);
            }
            if reason_text.trim().chars().count() < MIN_REASON_CHARS {
                return Err(TransitionError::ReasonRequired(to));
            }
            Ok(if by == By::Role(Role::Supervisor) {
                Decision::Move(to)
            } else {
                Decision::WaiverPendingApproval
            })
        }
        DefStatus::Completed if !(tech_or_sup || by == By::System) => {
            Err(TransitionError::RoleMayNot(to))
        }
        _ if to.rank() < from.rank() => Err(TransitionError::Backward { from, to }),
        _ if !(tech_or_sup || by == By::System) => Err(TransitionError::RoleMayNot(to)),
        _ => Ok(Decision::Move(to)),
    }
}

/// Aging bucket of DEL-06 for `days` since assignment or discharge (`aging_buckets = [7,14,30]`).
pub fn aging_bucket(days: i64, edges: [i64; 3]) -> &'static str {
    if days <= edges[0] {
        "0-7"
    } else if days <= edges[1] {
        "8-14"
    } else if days <= edges[2] {
        "15-30"
    } else {
        "31+"
    }
}

/// Labels of the buckets, in order.
pub const BUCKETS: [&str; 4] = ["0-7", "8-14", "15-30", "31+"];

/// Calendar days from `from` to `today` (facility-local; the start day is day 0).
pub fn days_between(from: NaiveDateTime, today: NaiveDate) -> i64 {
    (today - from.date()).num_days()
}

/// DEL-02: an open deficiency is delinquent once today is past assigned + N days.
pub fn deficiency_delinquent(
    status: DefStatus,
    assigned: NaiveDateTime,
    today: NaiveDate,
    days: i64,
) -> bool {
    !status.is_closed() && days_between(assigned, today) > days
}

/// DEL-03: a record is delinquent when not doc-complete and today is past discharge + N days.
pub fn record_delinquent(
    doc_complete: bool,
    discharge: NaiveDateTime,
    today: NaiveDate,
    days: i64,
) -> bool {
    !doc_complete && days_between(discharge, today) > days
}

/// DEL-04: delinquent records ÷ average monthly discharges over the previous months × 100.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelinquencyRate {
    pub delinquent_records: i64,
    pub discharges_in_period: i64,
    pub months: i64,
    pub average_monthly_discharges: f64,
    pub rate_percent: Option<f64>,
    pub alert_percent: f64,
    pub alert: bool,
}

pub fn delinquency_rate(
    delinquent: i64,
    discharges: i64,
    months: i64,
    alert_percent: f64,
) -> DelinquencyRate {
    let avg = if months > 0 {
        discharges as f64 / months as f64
    } else {
        0.0
    };
    let rate = (avg > 0.0).then(|| delinquent as f64 / avg * 100.0);
    DelinquencyRate {
        delinquent_records: delinquent,
        discharges_in_period: discharges,
        months,
        average_monthly_discharges: avg,
        rate_percent: rate,
        alert_percent,
        alert: rate.is_some_and(|r| r >= alert_percent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DefStatus::*;

    const TECH: By = By::Role(Role::Technician);
    const SUP: By = By::Role(Role::Supervisor);
    const CODER: By = By::Role(Role::Coder);

    #[test]
    fn def_02_forward_only_and_role_checked() {
        let cases = [
            (Open, Dictated, TECH, Ok(Decision::Move(Dictated))),
            (Open, Signed, TECH, Ok(Decision::Move(Signed))),
            (Signed, Completed, SUP, Ok(Decision::Move(Completed))),
            (Signed, Completed, By::System, Ok(Decision::Move(Completed))),
            (
                Signed,
                Dictated,
                TECH,
                Err(TransitionError::Backward {
                    from: Signed,
                    to: Dictated,
                }),
            ),
            (
                Open,
                Completed,
                CODER,
                Err(TransitionError::RoleMayNot(Completed)),
            ),
            (
                Open,
                Signed,
                CODER,
                Err(TransitionError::RoleMayNot(Signed)),
            ),
            (
                Completed,
                Void,
                SUP,
                Err(TransitionError::Closed(Completed)),
            ),
            (Open, Open, TECH, Err(TransitionError::Same(Open))),
        ];
        for (from, to, by, want) in cases {
            assert_eq!(
                check_transition(from, to, by, "", None),
                want,
                "{from} → {to} by {by:?}"
            );
        }
    }

    #[test]
    fn def_03_void_and_waive_need_reasons_and_waive_needs_a_supervisor() {
        let reason = "provider left the medical staff";
        assert_eq!(
            check_transition(Open, Void, TECH, "short", None),
            Err(TransitionError::ReasonRequired(Void))
        );
        assert_eq!(
            check_transition(Open, Void, TECH, reason, None),
            Ok(Decision::Move(Void))
        );
        assert_eq!(
            check_transition(Open, Void, CODER, reason, None),
            Err(TransitionError::RoleMayNot(Void))
        );
        assert_eq!(
            check_transition(Open, Waived, SUP, reason, None),
            Err(TransitionError::WaiveCodeRequired)
        );
        let code = Some(WaiveReason::ProviderUnavailable);
        assert_eq!(
            check_transition(Open, Waived, SUP, "too short", code),
            Err(TransitionError::ReasonRequired(Waived))
        );
        assert_eq!(
            check_transition(Open, Waived, SUP, reason, code),
            Ok(Decision::Move(Waived))
        );
        assert_eq!(
            check_transition(Open, Waived, TECH, reason, code),
            Ok(Decision::WaiverPendingApproval)
        );
        assert_eq!(
            check_transition(Open, Waived, CODER, reason, code),
            Err(TransitionError::RoleMayNot(Waived))
        );
    }

    #[test]
    fn def_04_closed_states() {
        assert!(Completed.is_closed() && Waived.is_closed() && Void.is_closed());
        assert!(!Open.is_closed() && !Signed.is_closed() && !Cosigned.is_closed());
    }

    #[test]
    fn del_02_03_06_delinquency_and_aging() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("t");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("d");
        assert!(!deficiency_delinquent(
            Open,
            t("2026-11-01 23:00"),
            d("2026-11-15"),
            14
        ));
        assert!(deficiency_delinquent(
            Open,
            t("2026-11-01 23:00"),
            d("2026-11-16"),
            14
        ));
        assert!(!deficiency_delinquent(
            Completed,
            t("2026-10-01 10:00"),
            d("2026-11-16"),
            14
        ));
        assert!(!record_delinquent(
            false,
            t("2026-10-01 10:00"),
            d("2026-10-31"),
            30
        ));
        assert!(record_delinquent(
            false,
            t("2026-10-01 10:00"),
            d("2026-11-01"),
            30
        ));
        assert!(!record_delinquent(
            true,
            t("2026-10-01 10:00"),
            d("2026-12-01"),
            30
        ));
        let e = [7, 14, 30];
        let got: Vec<_> = [0, 7, 8, 14, 15, 30, 31, 400]
            .iter()
            .map(|n| aging_bucket(*n, e))
            .collect();
        assert_eq!(
            got,
            ["0-7", "0-7", "8-14", "8-14", "15-30", "15-30", "31+", "31+"]
        );
    }

    #[test]
    fn del_04_rate_hand_computed() {
        // 12 delinquent records; 90 discharges over 3 months → 30/month → 40 %.
        let r = delinquency_rate(12, 90, 3, 50.0);
        assert_eq!(r.average_monthly_discharges, 30.0);
        assert_eq!(r.rate_percent, Some(40.0));
        assert!(!r.alert);
        let r = delinquency_rate(18, 90, 3, 50.0);
        assert_eq!(r.rate_percent, Some(60.0));
        assert!(r.alert, "DEL-05 alert at ≥ 50 %");
        assert_eq!(delinquency_rate(3, 0, 3, 50.0).rate_percent, None);
    }
}
