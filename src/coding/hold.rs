//! Pure rules of the coding workflow (DOMAIN §3.5): which open deficiencies hold an encounter
//! out of coding (COD-20), and the documentation query lifecycle (COD-21).
//!
//! Invariants:
//! - The hold policy is a setting (`coding_hold_policy`, default CRITICAL). CRITICAL holds on
//!   MISS_DS, MISS_OP and MISS_HP as DOMAIN COD-20 says (the issue text named only MISS_DS and
//!   MISS_OP; DOMAIN is the specification, so MISS_HP holds too).
//! - QUERY deficiencies never count as a documentation hold: an open query already holds the
//!   encounter through `coding_status = on_hold_query`.
//! - Query statuses only move forward: OPEN → ANSWERED → CLOSED, or OPEN → EXPIRED.

use serde::Serialize;

use crate::error::CoreError;

/// COD-20 `coding_hold_policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum HoldPolicy {
    /// Nothing holds coding.
    None,
    /// Missing discharge summary, operative report or H&P holds coding.
    Critical,
    /// Any open deficiency (other than a coding query) holds coding.
    All,
}

/// The deficiency types CRITICAL holds on (COD-20).
pub const CRITICAL_KINDS: &[&str] = &["MISS_DS", "MISS_OP", "MISS_HP"];

impl HoldPolicy {
    pub fn parse(s: &str) -> Option<HoldPolicy> {
        match s.trim().to_ascii_uppercase().as_str() {
            "NONE" => Some(HoldPolicy::None),
            "CRITICAL" => Some(HoldPolicy::Critical),
            "ALL" => Some(HoldPolicy::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HoldPolicy::None => "NONE",
            HoldPolicy::Critical => "CRITICAL",
            HoldPolicy::All => "ALL",
        }
    }

    /// Does an open deficiency of `kind` hold the encounter out of coding?
    pub fn holds(self, kind: &str) -> bool {
        match self {
            HoldPolicy::None => false,
            HoldPolicy::Critical => CRITICAL_KINDS.contains(&kind),
            HoldPolicy::All => kind != "QUERY",
        }
    }

    /// SQL condition on a deficiency alias `d` that is true when the row holds coding (the
    /// caller also requires the deficiency to be open). Built from constants only.
    pub fn sql_condition(self) -> String {
        match self {
            HoldPolicy::None => "0".to_string(),
            HoldPolicy::Critical => format!(
                "d.kind IN ({})",
                CRITICAL_KINDS
                    .iter()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            HoldPolicy::All => "d.kind <> 'QUERY'".to_string(),
        }
    }
}

/// The policy in force (an unreadable stored value falls back to the default CRITICAL).
pub fn policy_in_force(conn: &crate::store::Reader) -> Result<HoldPolicy, CoreError> {
    let raw = crate::settings::get(conn, crate::settings::Key::CodingHoldPolicy)?;
    Ok(HoldPolicy::parse(&raw).unwrap_or(HoldPolicy::Critical))
}

/// One open deficiency as the hold policy sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenDeficiency {
    pub id: i64,
    pub kind: String,
    /// The rule that found it (REQ-DS, …) or MANUAL.
    pub rule: String,
}

/// Why an encounter is held for documentation: the open deficiencies that block coding.
pub fn hold_reasons(policy: HoldPolicy, open: &[OpenDeficiency]) -> Vec<OpenDeficiency> {
    open.iter()
        .filter(|d| policy.holds(&d.kind))
        .cloned()
        .collect()
}

/// One line naming the hold, for messages: `COD-20: held for documentation: MISS_DS
/// (deficiency 12, REQ-DS)`.
pub fn describe_hold(reasons: &[OpenDeficiency]) -> String {
    let parts: Vec<String> = reasons
        .iter()
        .map(|r| format!("{} (deficiency {}, {})", r.kind, r.id, r.rule))
        .collect();
    format!("COD-20: held for documentation: {}", parts.join(", "))
}

/// COD-21 query status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QueryStatus {
    Open,
    Answered,
    Closed,
    Expired,
}

impl QueryStatus {
    pub fn parse(s: &str) -> Option<QueryStatus> {
        match s {
            "open" => Some(QueryStatus::Open),
            "answered" => Some(QueryStatus::Answered),
            "closed" => Some(QueryStatus::Closed),
            "expired" => Some(QueryStatus::Expired),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QueryStatus::Open => "open",
            QueryStatus::Answered => "answered",
            QueryStatus::Closed => "closed",
            QueryStatus::Expired => "expired",
        }
    }

    /// An open query holds the encounter (`on_hold_query`).
    pub fn holds(self) -> bool {
        self == QueryStatus::Open
    }
}

/// Check a query status change (COD-21): OPEN → ANSWERED → CLOSED, OPEN → EXPIRED.
pub fn check_query_transition(from: QueryStatus, to: QueryStatus) -> Result<(), String> {
    use QueryStatus::*;
    match (from, to) {
        (Open, Answered) | (Answered, Closed) | (Open, Expired) => Ok(()),
        _ => Err(format!(
            "COD-21: a query cannot go from {} to {}",
            from.as_str(),
            to.as_str()
        )),
    }
}

/// Is an open query past its expiry (`due_at`, facility-local text) at `now`?
pub fn query_expired(status: QueryStatus, due_at: &str, now: &str) -> bool {
    status == QueryStatus::Open && now > due_at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(id: i64, kind: &str) -> OpenDeficiency {
        OpenDeficiency {
            id,
            kind: kind.into(),
            rule: "R".into(),
        }
    }

    #[test]
    fn cod_20_hold_policy_table() {
        let open = [
            def(1, "MISS_DS"),
            def(2, "UNSIGNED"),
            def(3, "QUERY"),
            def(4, "MISS_HP"),
        ];
        let ids =
            |p: HoldPolicy| -> Vec<i64> { hold_reasons(p, &open).iter().map(|d| d.id).collect() };
        assert_eq!(ids(HoldPolicy::None), Vec::<i64>::new(), "COD-20 NONE");
        assert_eq!(ids(HoldPolicy::Critical), vec![1, 4], "COD-20 CRITICAL");
        assert_eq!(
            ids(HoldPolicy::All),
            vec![1, 2, 4],
            "COD-20 ALL (query excluded)"
        );
        assert!(HoldPolicy::Critical.holds("MISS_OP"));
        assert!(!HoldPolicy::Critical.holds("LATE_OP"));
        assert_eq!(HoldPolicy::parse("critical"), Some(HoldPolicy::Critical));
        assert_eq!(HoldPolicy::parse("some"), None);
        assert!(
            describe_hold(&hold_reasons(HoldPolicy::Critical, &open))
                .contains("MISS_DS (deficiency 1")
        );
    }

    #[test]
    fn cod_21_query_lifecycle() {
        use QueryStatus::*;
        for (from, to, ok) in [
            (Open, Answered, true),
            (Answered, Closed, true),
            (Open, Expired, true),
            (Open, Closed, false),
            (Answered, Open, false),
            (Closed, Answered, false),
            (Expired, Answered, false),
            (Answered, Expired, false),
        ] {
            assert_eq!(
                check_query_transition(from, to).is_ok(),
                ok,
                "COD-21 {from:?} -> {to:?}"
            );
        }
        assert!(Open.holds());
        assert!(!Answered.holds());
        assert!(query_expired(
            Open,
            "2026-01-08T10:00:00",
            "2026-01-08T10:00:01"
        ));
        assert!(!query_expired(
            Open,
            "2026-01-08T10:00:00",
            "2026-01-08T10:00:00"
        ));
        assert!(!query_expired(
            Answered,
            "2026-01-08T10:00:00",
            "2026-02-01T00:00:00"
        ));
    }
}
