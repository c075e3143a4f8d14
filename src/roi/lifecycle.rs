//! The request lifecycle (DOMAIN §4.5) as pure rules: statuses, legal transitions, hold and
//! denial reasons.
//!
//! `LOGGED → VALIDATING → ON_HOLD(reason) ⇄ IN_PROCESS → QA_REVIEW → RELEASED → CLOSED`;
//! also `DENIED(reason) → CLOSED` and `CANCELLED`. Invariant: a transition not listed in
//! [`can_move`] is refused; CLOSED and CANCELLED are final.

use super::requester::RequesterType;
use super::stored_enum;
use super::validate::ReasonCode;

stored_enum!(
    /// Where a release request stands. Stored lower case.
    Status {
        Logged = "logged",
        Validating = "validating",
        OnHold = "on_hold",
        InProcess = "in_process",
        QaReview = "qa_review",
        Released = "released",
        Denied = "denied",
        Closed = "closed",
        Cancelled = "cancelled",
    }
);

impl Status {
    /// Upper-case label as DOMAIN §4.5 writes it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Logged => "LOGGED",
            Status::Validating => "VALIDATING",
            Status::OnHold => "ON_HOLD",
            Status::InProcess => "IN_PROCESS",
            Status::QaReview => "QA_REVIEW",
            Status::Released => "RELEASED",
            Status::Denied => "DENIED",
            Status::Closed => "CLOSED",
            Status::Cancelled => "CANCELLED",
        }
    }

    /// Still work for the desk (in the queue, clock running).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Logged
                | Status::Validating
                | Status::OnHold
                | Status::InProcess
                | Status::QaReview
        )
    }
}

/// Whether `from → to` is a legal step (DOMAIN §4.5). `qa_required` is the
/// `roi_qa_required` setting: without it IN_PROCESS may go straight to RELEASED.
pub fn can_move(from: Status, to: Status, qa_required: bool) -> bool {
    use Status::*;
    match (from, to) {
        (Logged, Validating) => true,
        // Validation ends on hold (a reason code) or in process (valid).
        (Validating, OnHold | InProcess) => true,
        // A completed authorization is validated again.
        (OnHold, Validating | InProcess) => true,
        (InProcess, OnHold | QaReview | Validating) => true,
        (InProcess, Released) => !qa_required,
        // QA sends it back or it is released.
        (QaReview, InProcess | Released | OnHold) => true,
        (Released | Denied, Closed) => true,
        // A denial reversed on review is carried out: back to processing (164.524(d)(4)).
        (Denied, Validating) => true,
        (f, Denied | Cancelled) => f.is_open(),
        _ => false,
    }
}

/// Hold reasons that are not authorization codes (DOMAIN §4.5).
pub const HOLD_REASONS: &[&str] = &[
    "HOLD_FEE_UNPAID",
    "HOLD_IDENTITY",
    "HOLD_RECORD_INCOMPLETE",
    "HOLD_CLARIFY_SCOPE",
    "HOLD_RESTRICTION",
];

/// A hold reason: any `AUTH_*` reason code or a `HOLD_*` code.
pub fn valid_hold_reason(code: &str) -> bool {
    ReasonCode::parse(code).is_some() || HOLD_REASONS.contains(&code)
}

/// Denial reasons (ROI-05) and the rule of each; reviewable ones need a licensed
/// professional's determination reviewed by a different one (164.524(a)(3), (a)(4)).
pub const DENY_REASONS: &[(&str, &str, bool)] = &[
    ("DENY_PSYCHOTHERAPY_NOTES", "45 CFR 164.524(a)(1)(i)", false),
    ("DENY_LITIGATION", "45 CFR 164.524(a)(1)(ii)", false),
    ("DENY_INMATE", "45 CFR 164.524(a)(2)(ii)", false),
    ("DENY_RESEARCH", "45 CFR 164.524(a)(2)(iii)", false),
    ("DENY_PRIVACY_ACT", "45 CFR 164.524(a)(2)(iv)", false),
    ("DENY_CONFIDENTIAL_SOURCE", "45 CFR 164.524(a)(2)(v)", false),
    ("DENY_ENDANGER", "45 CFR 164.524(a)(3)(i)", true),
    ("DENY_OTHER_PERSON", "45 CFR 164.524(a)(3)(ii)", true),
    ("DENY_REP_HARM", "45 CFR 164.524(a)(3)(iii)", true),
];

/// Manual hold reasons are lifted only when their condition is met (never by validation):
/// HOLD_FEE_UNPAID by a payment, HOLD_IDENTITY by a verification, HOLD_CLARIFY_SCOPE by the
/// scope recorded, HOLD_RECORD_INCOMPLETE when no incomplete document is left unacknowledged.
pub fn is_manual_hold(code: &str) -> bool {
    HOLD_REASONS.contains(&code)
}

/// What lifts a manual hold, in words, for hints.
pub fn hold_condition(code: &str) -> &'static str {
    match code {
        "HOLD_FEE_UNPAID" => {
            "record the payment (amount and method) against the estimate or invoice: `chartdesk roi paid REQ --amount … --method …`"
        }
        "HOLD_IDENTITY" => "record the verification: `chartdesk roi verify REQ --method …`",
        "HOLD_CLARIFY_SCOPE" => "record the clarified scope: `chartdesk roi scope REQ …`",
        "HOLD_RESTRICTION" => {
            "end the restriction (164.522(a)(2)) or leave out the restricted documents, then `chartdesk roi lift REQ`"
        }
        "HOLD_RECORD_INCOMPLETE" => {
            "leave out or wait for the signature of every incomplete document (or acknowledge each, when roi_incomplete_documents = ACKNOWLEDGE), then `chartdesk roi lift REQ`"
        }
        _ => "validate again once the authorization is corrected: `chartdesk roi validate REQ`",
    }
}

/// ROI-05: whether a denial ground may be used for a requester type. Grounds of 164.524(a)
/// apply only to the individual's own access (SELF, PERSREP, DIRECTIVE); `DENY_REP_HARM`
/// only to a personal representative's request; `DENY_INMATE` only to an inmate's own
/// request for a copy. The error says what to do instead.
pub fn deny_allowed(code: &str, t: RequesterType) -> Result<(), String> {
    if !t.is_access() {
        return Err(format!(
            "{code}: denial grounds (45 CFR 164.524(a)) apply only to the individual's own access (SELF, PERSREP, DIRECTIVE); a {t} request is refused for its authorization defects instead (`chartdesk roi refuse REQ`)"
        ));
    }
    match code {
        "DENY_REP_HARM" if t != RequesterType::PersRep => Err(format!(
            "DENY_REP_HARM (45 CFR 164.524(a)(3)(iii)) applies only to a personal representative's request, not {t}"
        )),
        "DENY_INMATE" if t != RequesterType::SelfAccess => Err(format!(
            "DENY_INMATE (45 CFR 164.524(a)(2)(ii)) applies only to an inmate's own request for a copy, not {t}"
        )),
        _ => Ok(()),
    }
}

/// The rule of a denial reason, `None` for an unknown code.
pub fn deny_rule(code: &str) -> Option<&'static str> {
    DENY_REASONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, r, _)| *r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn roi_lifecycle_happy_path_is_legal() {
        let path = [
            Logged, Validating, OnHold, Validating, InProcess, QaReview, Released, Closed,
        ];
        for w in path.windows(2) {
            assert!(can_move(w[0], w[1], true), "{} -> {}", w[0], w[1]);
        }
    }

    #[test]
    fn roi_lifecycle_refuses_skips_and_final_states() {
        assert!(!can_move(Logged, Released, true));
        assert!(!can_move(InProcess, Released, true));
        assert!(can_move(InProcess, Released, false));
        assert!(!can_move(Released, InProcess, true));
        assert!(!can_move(Closed, Cancelled, true));
        assert!(!can_move(Released, Denied, true));
        assert!(!can_move(Cancelled, Logged, true));
        assert!(can_move(OnHold, Denied, true));
        assert!(can_move(Logged, Cancelled, true));
    }

    #[test]
    fn roi_05_denial_grounds_only_for_access() {
        use RequesterType::*;
        // (ground, requester type, allowed)
        let cases = [
            ("DENY_LITIGATION", SelfAccess, true),
            ("DENY_LITIGATION", PersRep, true),
            ("DENY_LITIGATION", Directive, true),
            ("DENY_LITIGATION", Auth3p, false),
            ("DENY_PSYCHOTHERAPY_NOTES", CourtOrder, false),
            ("DENY_ENDANGER", ProviderTx, false),
            ("DENY_REP_HARM", PersRep, true),
            ("DENY_REP_HARM", SelfAccess, false),
            ("DENY_REP_HARM", Directive, false),
            ("DENY_INMATE", SelfAccess, true),
            ("DENY_INMATE", PersRep, false),
            ("DENY_INMATE", Directive, false),
        ];
        for (code, t, want) in cases {
            assert_eq!(deny_allowed(code, t).is_ok(), want, "{code} for {t}");
        }
        let err = deny_allowed("DENY_LITIGATION", Auth3p).unwrap_err();
        assert!(err.contains("roi refuse"), "{err}");
    }

    #[test]
    fn roi_4_5_reversed_denial_returns_to_processing_and_manual_holds() {
        assert!(can_move(Denied, Validating, true));
        assert!(!can_move(Closed, Validating, true));
        for code in HOLD_REASONS {
            assert!(is_manual_hold(code), "{code}");
            assert!(!hold_condition(code).contains("validate again"), "{code}");
        }
        assert!(!is_manual_hold("AUTH_EXPIRED"));
    }

    #[test]
    fn hold_and_deny_reasons() {
        assert!(valid_hold_reason("AUTH_EXPIRED"));
        assert!(valid_hold_reason("HOLD_FEE_UNPAID"));
        assert!(!valid_hold_reason("WHATEVER"));
        assert_eq!(
            deny_rule("DENY_LITIGATION"),
            Some("45 CFR 164.524(a)(1)(ii)")
        );
        assert_eq!(deny_rule("DENY_X"), None);
    }
}
