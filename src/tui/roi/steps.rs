//! The forms of the ROI lifecycle steps that need words or dates (identity verification,
//! denial, review of a denial, hold, extension, QA fail, cancel) and of the accounting desk
//! (accounting request, its extension, suspension, manual disclosure). Pure: a form in, the
//! [`RoiStep`] or [`RoiAction`] out, or the field that is wrong. The rules stay in the core:
//! these only collect what the core call needs.

use chrono::NaiveDate;

use crate::roi::accounting::Suspension;
use crate::roi::lifecycle::{DENY_REASONS, HOLD_REASONS};
use crate::roi::manual_disclosure::ManualDisclosure;
use crate::roi::request::{Scope, parse_request_id};
use crate::roi::{Conditions, RequesterType};
use crate::tui::roi::forms::{FieldForm, Kind, Source, field, yn};
use crate::tui::roi::intake::REQUESTER_WORDS;
use crate::tui::{RoiAction, RoiStep};

/// Which form is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepForm {
    Verify,
    Deny,
    Review,
    Hold,
    Extend,
    QaFail,
    Cancel,
    AodLog,
    AodExtend,
    Suspend,
    Disclose,
    Pay,
    Scope,
    Acknowledge,
    Revoke,
    Refuse,
    DenyDocuments,
}

const DENY_WORDS: &[&str] = &[
    "DENY_PSYCHOTHERAPY_NOTES",
    "DENY_LITIGATION",
    "DENY_INMATE",
    "DENY_RESEARCH",
    "DENY_PRIVACY_ACT",
    "DENY_CONFIDENTIAL_SOURCE",
    "DENY_ENDANGER",
    "DENY_OTHER_PERSON",
    "DENY_REP_HARM",
];
const REVIEW_WORDS: &[&str] = &["upheld", "reversed"];
/// How a payment was made (ROI-04).
pub const PAY_METHODS: &[&str] = &["check", "card", "cash", "money order", "electronic"];
const STATEMENT_WORDS: &[&str] = &["written", "oral"];

/// The form of `step`. `user` is the signed-in user (shown as the verifier); `hint` prefills
/// the verification method (how the requester was verified before, from the address book)
/// or the patient MRN of the accounting forms.
pub fn step_form(
    step: StepForm,
    label: &str,
    today: NaiveDate,
    user: &str,
    hint: &str,
) -> FieldForm {
    let f = field;
    let t = today.to_string();
    match step {
        StepForm::Verify => FieldForm::new(
            format!("Verify identity, {label} (ROI-07)"),
            vec![
                f("method", "How verified", Kind::Text, hint.to_string()),
                f("by", "Verified by", Kind::Info, user.to_string()),
            ],
        ),
        StepForm::Deny => FieldForm::new(
            format!("Deny {label} (ROI-05)"),
            vec![
                f(
                    "code",
                    "Ground",
                    Kind::Choice(DENY_WORDS),
                    DENY_WORDS[0].into(),
                ),
                f(
                    "professional",
                    "Professional (reviewable)",
                    Kind::Text,
                    String::new(),
                ),
                f("note", "Note", Kind::Text, String::new()),
            ],
        ),
        StepForm::Review => FieldForm::new(
            format!("Review of denial, {label} (ROI-05)"),
            vec![
                f(
                    "reviewer",
                    "Reviewer (another one)",
                    Kind::Text,
                    String::new(),
                ),
                f(
                    "outcome",
                    "Outcome",
                    Kind::Choice(REVIEW_WORDS),
                    "upheld".into(),
                ),
                f(
                    "document",
                    "Document (blank: request)",
                    Kind::Text,
                    hint.to_string(),
                ),
            ],
        ),
        StepForm::DenyDocuments => FieldForm::new(
            format!("Deny documents of {label} (ROI-05)"),
            vec![
                f(
                    "documents",
                    "Documents (ids, a,b)",
                    Kind::List,
                    hint.to_string(),
                ),
                f(
                    "code",
                    "Ground",
                    Kind::Choice(DENY_WORDS),
                    DENY_WORDS[0].into(),
                ),
                f(
                    "professional",
                    "Professional (reviewable)",
                    Kind::Text,
                    String::new(),
                ),
                f("note", "Note", Kind::Text, String::new()),
            ],
        ),
        StepForm::Refuse => FieldForm::new(
            format!("Refuse {label} for its defects (LTR-03)"),
            vec![f(
                "note",
                "Note to the requester",
                Kind::Text,
                String::new(),
            )],
        ),
        StepForm::Revoke => FieldForm::new(
            format!("Revocation of {label} (164.508(b)(5))"),
            vec![f("on", "Revoked on (YYYY-MM-DD)", Kind::Date, t.clone())],
        ),
        StepForm::Acknowledge => {
            let mut form = FieldForm::new(
                format!("Release incomplete documents of {label}"),
                vec![
                    f("docs", "Incomplete", Kind::Info, hint.to_string()),
                    f("note", "Why as they stand", Kind::Text, String::new()),
                ],
            );
            form.focus("note");
            form
        }
        StepForm::Scope => FieldForm::new(
            format!("Clarified scope of {label}"),
            vec![
                f("from", "Dates from (YYYY-MM-DD)", Kind::Date, String::new()),
                f("to", "Dates to (YYYY-MM-DD)", Kind::Date, String::new()),
                f(
                    "types",
                    "Types (search)",
                    Kind::Pick(Source::DocTypes),
                    String::new(),
                ),
                f(
                    "encounters",
                    "Encounters (visit, …)",
                    Kind::List,
                    String::new(),
                ),
                f("note", "How clarified", Kind::Text, String::new()),
            ],
        ),
        StepForm::Pay => {
            let mut form = FieldForm::new(
                format!("Payment for {label} (ROI-04)"),
                vec![
                    f("against", "Against", Kind::Info, hint.to_string()),
                    f("amount", "Amount in dollars", Kind::Text, String::new()),
                    f(
                        "method",
                        "Method",
                        Kind::Choice(PAY_METHODS),
                        PAY_METHODS[0].into(),
                    ),
                ],
            );
            form.focus("amount");
            form
        }
        StepForm::Hold => FieldForm::new(
            format!("Hold {label} (DOMAIN 4.5)"),
            vec![f(
                "reason",
                "Reason",
                Kind::Choice(HOLD_REASONS),
                HOLD_REASONS[0].into(),
            )],
        ),
        StepForm::Extend => FieldForm::new(
            format!("Extend {label} once (ROI-01)"),
            vec![
                f("days", "Days (at most 30)", Kind::Text, "30".into()),
                f("reason", "Written reason", Kind::Text, String::new()),
                f("notice", "Notice sent on (YYYY-MM-DD)", Kind::Date, t),
            ],
        ),
        StepForm::QaFail => FieldForm::new(
            format!("QA fail {label}: back to IN_PROCESS"),
            vec![f("note", "What QA found", Kind::Text, String::new())],
        ),
        StepForm::Cancel => FieldForm::new(
            format!("Cancel {label}"),
            vec![f("note", "Why cancelled", Kind::Text, String::new())],
        ),
        StepForm::AodLog => FieldForm::new(
            format!("Accounting request, {label} (AOD-05)"),
            vec![
                f("received", "Received (day 0)", Kind::Date, t),
                f("from", "Period from (AOD-01)", Kind::Date, String::new()),
            ],
        ),
        StepForm::AodExtend => FieldForm::new(
            "Extend accounting request (AOD-05)",
            vec![
                f("days", "Days (at most 30)", Kind::Text, "30".into()),
                f("reason", "Written reason", Kind::Text, String::new()),
                f("notice", "Notice sent on (YYYY-MM-DD)", Kind::Date, t),
            ],
        ),
        StepForm::Suspend => FieldForm::new(
            "Suspension of the accounting (AOD-06)",
            vec![
                f(
                    "request",
                    "Agency's request (REQ-)",
                    Kind::Text,
                    hint.to_string(),
                ),
                f("start", "From (YYYY-MM-DD)", Kind::Date, t),
                f("end", "Through (YYYY-MM-DD)", Kind::Date, String::new()),
                f(
                    "statement",
                    "Statement",
                    Kind::Choice(STATEMENT_WORDS),
                    "written".into(),
                ),
            ],
        ),
        StepForm::Disclose => FieldForm::new(
            "Disclosure made outside the desk",
            vec![
                f(
                    "mrn",
                    "Patient (search)",
                    Kind::Pick(Source::Patient),
                    hint.to_string(),
                ),
                f("patient_name", "  name", Kind::Info, String::new()),
                f("date", "Disclosed on (YYYY-MM-DD)", Kind::Date, t),
                f("recipient", "Recipient", Kind::Text, String::new()),
                f("address", "Recipient address", Kind::Text, String::new()),
                f("purpose", "Purpose", Kind::Text, String::new()),
                f(
                    "description",
                    "What was disclosed",
                    Kind::Text,
                    String::new(),
                ),
                f(
                    "basis",
                    "Legal basis (4.2)",
                    Kind::Choice(REQUESTER_WORDS),
                    "PUBLIC_HEALTH".into(),
                ),
                f("part2", "Part 2 records included", Kind::Bool, yn(false)),
            ],
        ),
    }
}

fn document_id(s: &str, key: &str) -> Result<i64, String> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|d| *d > 0)
        .ok_or_else(|| format!("{key}: {:?} is not a document id", s.trim()))
}

/// `12.50`, `$12.5` or `12` dollars in cents; refused when not a positive amount.
pub fn dollars_to_cents(s: &str) -> Result<i64, String> {
    let t = s.trim().trim_start_matches('$').trim();
    let bad = || {
        format!(
            "amount: {:?} is not an amount in dollars (e.g. 12.50)",
            s.trim()
        )
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let c: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let cents = w
        .checked_mul(100)
        .and_then(|x| x.checked_add(c))
        .ok_or_else(bad)?;
    if cents <= 0 {
        return Err(format!(
            "amount: a payment is a positive amount, not {:?}",
            s.trim()
        ));
    }
    Ok(cents)
}

fn need(f: &FieldForm, key: &str, what: &str) -> Result<String, String> {
    f.opt(key).ok_or_else(|| format!("{key}: {what}"))
}

fn days(f: &FieldForm) -> Result<u32, String> {
    f.get("days")
        .trim()
        .parse::<u32>()
        .map_err(|_| format!("days: {:?} is not a number of days", f.get("days")))
}

fn day(f: &FieldForm, key: &str) -> Result<NaiveDate, String> {
    f.date(key)
        .ok_or_else(|| format!("{key}: a date is needed (YYYY-MM-DD)"))
}

/// The request step on a filled-in form.
pub fn step_from(step: StepForm, f: &FieldForm) -> Result<RoiStep, String> {
    Ok(match step {
        StepForm::Verify => RoiStep::Verify {
            method: need(
                f,
                "method",
                "say how identity and authority were verified (ROI-07)",
            )?,
        },
        StepForm::Deny => {
            let code = f.get("code").to_string();
            let reviewable = DENY_REASONS.iter().any(|(c, _, r)| *c == code && *r);
            let professional = f.opt("professional");
            if reviewable && professional.is_none() {
                return Err(format!(
                    "professional: {code} is reviewable; name the licensed professional who made the determination (164.524(a)(3))"
                ));
            }
            RoiStep::Deny {
                code,
                note: f.get("note").trim().to_string(),
                professional,
            }
        }
        StepForm::Review => RoiStep::ReviewDenial {
            reviewer: need(f, "reviewer", "name the reviewing licensed professional")?,
            upheld: f.get("outcome") == "upheld",
            document: match f.opt("document") {
                None => None,
                Some(d) => Some(document_id(&d, "document")?),
            },
        },
        StepForm::DenyDocuments => {
            let code = f.get("code").to_string();
            let documents = f
                .list("documents")
                .iter()
                .map(|d| document_id(d, "documents"))
                .collect::<Result<Vec<_>, _>>()?;
            if documents.is_empty() {
                return Err("documents: name the documents denied (their ids)".into());
            }
            let reviewable = DENY_REASONS.iter().any(|(c, _, r)| *c == code && *r);
            let professional = f.opt("professional");
            if reviewable && professional.is_none() {
                return Err(format!(
                    "professional: {code} is reviewable; name the licensed professional who made the determination (164.524(a)(3))"
                ));
            }
            RoiStep::DenyDocuments {
                documents,
                code,
                note: f.get("note").trim().to_string(),
                professional,
            }
        }
        StepForm::Refuse => RoiStep::Refuse {
            note: f.get("note").trim().to_string(),
        },
        StepForm::Revoke => RoiStep::Revoke { on: day(f, "on")? },
        StepForm::Acknowledge => RoiStep::AcknowledgeIncomplete {
            note: need(f, "note", "say why the documents go out as they stand")?,
        },
        StepForm::Scope => {
            let (from, to) = (f.date("from"), f.date("to"));
            for key in ["from", "to"] {
                if !f.get(key).trim().is_empty() && f.date(key).is_none() {
                    return Err(format!(
                        "{key}: {:?} is not a date (YYYY-MM-DD)",
                        f.get(key)
                    ));
                }
            }
            if let (Some(a), Some(b)) = (from, to)
                && a > b
            {
                return Err(format!("to: {b} is before from {a}"));
            }
            RoiStep::Scope {
                scope: Scope {
                    from,
                    to,
                    document_types: f.list("types"),
                    encounters: f.list("encounters"),
                },
                note: need(
                    f,
                    "note",
                    "say how the scope was clarified (with whom, how)",
                )?,
            }
        }
        StepForm::Pay => RoiStep::Paid {
            cents: dollars_to_cents(f.get("amount"))?,
            method: f.get("method").to_string(),
        },
        StepForm::Hold => RoiStep::Hold {
            reason: f.get("reason").to_string(),
        },
        StepForm::Extend => RoiStep::Extend {
            days: days(f)?,
            reason: need(f, "reason", "an extension needs a written reason (ROI-01)")?,
            notice: day(f, "notice")?,
        },
        StepForm::QaFail => RoiStep::QaFail {
            note: need(f, "note", "say what QA found")?,
        },
        StepForm::Cancel => RoiStep::Cancel {
            note: need(f, "note", "say why the request is cancelled")?,
        },
        _ => return Err("not a request step".into()),
    })
}

/// The accounting-desk action on a filled-in form. `mrn` is the patient shown (the manual
/// disclosure form picks its own); `aod` the accounting request `(id, version)` when one is open.
pub fn accounting_from(
    step: StepForm,
    f: &FieldForm,
    mrn: &str,
    aod: Option<(i64, i64)>,
) -> Result<RoiAction, String> {
    Ok(match step {
        StepForm::AodLog => RoiAction::AodLog {
            mrn: mrn.to_string(),
            received: day(f, "received")?,
            from: f.date("from"),
        },
        StepForm::AodExtend => {
            let (id, version) = aod.ok_or("no open accounting request to extend")?;
            RoiAction::AodExtend {
                mrn: mrn.to_string(),
                id,
                version,
                days: days(f)?,
                reason: need(f, "reason", "an extension needs a written reason (AOD-05)")?,
                notice: day(f, "notice")?,
            }
        }
        StepForm::Suspend => RoiAction::Suspend {
            mrn: (!mrn.is_empty()).then(|| mrn.to_string()),
            suspension: Suspension {
                request_id: Some(
                    parse_request_id(&need(
                        f,
                        "request",
                        "the agency's own request (OVERSIGHT or LAW_ENF), e.g. REQ-000012 (AOD-06)",
                    )?)
                    .map_err(|e| format!("request: {e}"))?,
                ),
                agency: String::new(),
                start: day(f, "start")?,
                end: day(f, "end")?,
                written: f.get("statement") == "written",
            },
        },
        StepForm::Disclose => RoiAction::Disclose {
            disclosure: Box::new(ManualDisclosure {
                mrn: need(f, "mrn", "find the patient (Enter on the field)")?,
                date: day(f, "date")?,
                recipient: need(f, "recipient", "name the recipient (AOD-03)")?,
                recipient_address: f.get("address").trim().to_string(),
                purpose: need(f, "purpose", "state the purpose (AOD-03)")?,
                description: need(f, "description", "describe what was disclosed (AOD-03)")?,
                basis: RequesterType::parse(f.get("basis")).ok_or("basis: pick a legal basis")?,
                conditions: Conditions::default(),
                part2: f.yes("part2"),
            }),
        },
        _ => return Err("not an accounting step".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
    }

    #[test]
    fn roi_05_a_reviewable_denial_needs_the_determining_professional() {
        let mut f = step_form(StepForm::Deny, "REQ-000001", today(), "rita", "");
        f.set("code", "DENY_ENDANGER");
        assert!(
            step_from(StepForm::Deny, &f)
                .unwrap_err()
                .starts_with("professional:")
        );
        f.set("professional", "Dr. Grey");
        assert_eq!(
            step_from(StepForm::Deny, &f),
            Ok(RoiStep::Deny {
                code: "DENY_ENDANGER".into(),
                note: String::new(),
                professional: Some("Dr. Grey".into())
            })
        );
    }

    #[test]
    fn roi_07_verification_is_prefilled_from_the_address_book() {
        let f = step_form(
            StepForm::Verify,
            "REQ-000001",
            today(),
            "rita",
            "bar card on file",
        );
        assert_eq!(
            step_from(StepForm::Verify, &f),
            Ok(RoiStep::Verify {
                method: "bar card on file".into()
            })
        );
    }

    #[test]
    fn roi_01_an_extension_needs_days_reason_and_notice() {
        let mut f = step_form(StepForm::Extend, "REQ-000001", today(), "rita", "");
        assert!(
            step_from(StepForm::Extend, &f)
                .unwrap_err()
                .starts_with("reason:")
        );
        f.set("reason", "records off site");
        f.set("days", "x");
        assert!(
            step_from(StepForm::Extend, &f)
                .unwrap_err()
                .starts_with("days:")
        );
        f.set("days", "20");
        assert_eq!(
            step_from(StepForm::Extend, &f),
            Ok(RoiStep::Extend {
                days: 20,
                reason: "records off site".into(),
                notice: today()
            })
        );
    }

    #[test]
    fn aod_03_a_manual_disclosure_needs_recipient_purpose_and_description() {
        let mut f = step_form(StepForm::Disclose, "", today(), "rita", "MRN1");
        assert!(
            accounting_from(StepForm::Disclose, &f, "", None)
                .unwrap_err()
                .starts_with("recipient:")
        );
        f.set("recipient", "State registry");
        f.set("purpose", "cancer registry report");
        f.set("description", "pathology report");
        let Ok(RoiAction::Disclose { disclosure }) =
            accounting_from(StepForm::Disclose, &f, "", None)
        else {
            panic!("disclose")
        };
        assert_eq!(disclosure.basis, RequesterType::PublicHealth);
        assert_eq!(disclosure.mrn, "MRN1");
    }

    #[test]
    fn roi_04_a_payment_is_a_positive_amount_in_dollars_with_a_method() {
        assert_eq!(dollars_to_cents("12.5"), Ok(1250));
        assert_eq!(dollars_to_cents(" $7 "), Ok(700));
        assert_eq!(dollars_to_cents("0.05"), Ok(5));
        for bad in ["", "0", "0.00", "-3", "1.234", "12,50", "ten"] {
            assert!(
                dollars_to_cents(bad).unwrap_err().starts_with("amount:"),
                "{bad:?}"
            );
        }
        let mut f = step_form(
            StepForm::Pay,
            "REQ-000001",
            today(),
            "rita",
            "estimate $15.25",
        );
        f.set("amount", "15.25");
        f.set("method", "cash");
        assert_eq!(
            step_from(StepForm::Pay, &f),
            Ok(RoiStep::Paid {
                cents: 1525,
                method: "cash".into()
            })
        );
    }

    #[test]
    fn aod_06_a_suspension_names_the_agencys_request_not_a_typed_agency() {
        let mut f = step_form(StepForm::Suspend, "", today(), "rita", "");
        f.set("end", "2027-01-31");
        assert!(
            accounting_from(StepForm::Suspend, &f, "", None)
                .unwrap_err()
                .starts_with("request:")
        );
        f.set("request", "County Sheriff");
        assert!(
            accounting_from(StepForm::Suspend, &f, "", None)
                .unwrap_err()
                .starts_with("request:")
        );
        f.set("request", "REQ-000012");
        let Ok(RoiAction::Suspend { suspension, .. }) =
            accounting_from(StepForm::Suspend, &f, "", None)
        else {
            panic!("suspend")
        };
        assert_eq!(suspension.request_id, Some(12));
    }

    #[test]
    fn roi_05_a_partial_denial_names_document_ids_and_a_review_may_name_one() {
        let mut f = step_form(StepForm::DenyDocuments, "REQ-000001", today(), "rita", "");
        assert!(
            step_from(StepForm::DenyDocuments, &f)
                .unwrap_err()
                .starts_with("documents:")
        );
        f.set("documents", "2, x");
        assert!(
            step_from(StepForm::DenyDocuments, &f)
                .unwrap_err()
                .starts_with("documents:")
        );
        f.set("documents", "2, 3");
        assert_eq!(
            step_from(StepForm::DenyDocuments, &f),
            Ok(RoiStep::DenyDocuments {
                documents: vec![2, 3],
                code: "DENY_PSYCHOTHERAPY_NOTES".into(),
                note: String::new(),
                professional: None
            })
        );
        let mut r = step_form(StepForm::Review, "REQ-000001", today(), "rita", "3");
        r.set("reviewer", "Dr. Blue");
        assert_eq!(
            step_from(StepForm::Review, &r),
            Ok(RoiStep::ReviewDenial {
                reviewer: "Dr. Blue".into(),
                upheld: true,
                document: Some(3)
            })
        );
    }

    #[test]
    fn a_clarified_scope_needs_a_note_and_dates_in_order() {
        let mut f = step_form(StepForm::Scope, "REQ-000001", today(), "rita", "");
        f.set("from", "2026-11-05");
        f.set("to", "2026-11-01");
        f.set("note", "phoned");
        assert!(
            step_from(StepForm::Scope, &f)
                .unwrap_err()
                .starts_with("to:")
        );
        f.set("to", "2026-11-30");
        f.set("encounters", "V1, V2");
        f.set("note", "");
        assert!(
            step_from(StepForm::Scope, &f)
                .unwrap_err()
                .starts_with("note:")
        );
        f.set("note", "phoned");
        let Ok(RoiStep::Scope { scope, .. }) = step_from(StepForm::Scope, &f) else {
            panic!("scope")
        };
        assert_eq!(scope.encounters, vec!["V1".to_string(), "V2".to_string()]);
    }
}
