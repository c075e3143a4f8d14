//! The authorization check (DOMAIN §4.3): which permission a request needs and, when it
//! needs one, every defect of the document, each with its reason code and rule.
//!
//! Invariant: a request is valid only when no problem is found. Any problem makes the
//! authorization defective (164.508(b)(2)) and puts the request ON_HOLD with the code as
//! the hold reason. Problems are listed in the order of [`ReasonCode::ALL`].

use chrono::NaiveDate;
use serde::Serialize;

use super::authorization::{Authorization, CompoundDoc, PSYCHOTHERAPY_NOTES_DOC, Request, blank};
use super::category::{Category, SensitiveRules};
use super::requester::{AuthRequirement, MinimumNecessary, RequesterType};
use super::stored_enum;

stored_enum!(
    /// Why an authorization (or the request) cannot be honoured yet (DOMAIN §4.3).
    ReasonCode {
        /// Local: a permission document is needed and none was supplied.
        NotProvided = "AUTH_NOT_PROVIDED",
        MissingDescription = "AUTH_MISSING_DESCRIPTION",
        MissingDiscloser = "AUTH_MISSING_DISCLOSER",
        MissingRecipient = "AUTH_MISSING_RECIPIENT",
        MissingPurpose = "AUTH_MISSING_PURPOSE",
        MissingExpiration = "AUTH_MISSING_EXPIRATION",
        MissingSignature = "AUTH_MISSING_SIGNATURE",
        MissingDate = "AUTH_MISSING_DATE",
        MissingRepAuthority = "AUTH_MISSING_REP_AUTHORITY",
        /// Local: a date that cannot be true (a post-dated signature, a signature after the
        /// form was received, a receipt in the future, a range that ends before it starts).
        DateInvalid = "AUTH_DATE_INVALID",
        MissingRevocationStatement = "AUTH_MISSING_REVOCATION_STATEMENT",
        MissingConditioningStatement = "AUTH_MISSING_CONDITIONING_STATEMENT",
        MissingRedisclosureStatement = "AUTH_MISSING_REDISCLOSURE_STATEMENT",
        NotPlainLanguage = "AUTH_NOT_PLAIN_LANGUAGE",
        Expired = "AUTH_EXPIRED",
        Revoked = "AUTH_REVOKED",
        KnownFalse = "AUTH_KNOWN_FALSE",
        ImproperCompound = "AUTH_IMPROPER_COMPOUND",
        ImproperConditioning = "AUTH_IMPROPER_CONDITIONING",
        PsychotherapyCombined = "AUTH_PSYCHOTHERAPY_COMBINED",
        SensitiveNotSpecified = "AUTH_SENSITIVE_NOT_SPECIFIED",
        Part2Noncompliant = "AUTH_PART2_NONCOMPLIANT",
        ScopeExceeded = "AUTH_SCOPE_EXCEEDED",
        IdentityUnverified = "AUTH_IDENTITY_UNVERIFIED",
    }
);

impl ReasonCode {
    /// The rule usually cited for this code. A problem may cite a more specific rule
    /// (a sensitive category's own law, a directive's 164.524(c)(3)(ii)).
    pub fn rule(self) -> &'static str {
        use ReasonCode::*;
        match self {
            NotProvided => "45 CFR 164.508(a)(1)",
            MissingDescription => "45 CFR 164.508(c)(1)(i)",
            MissingDiscloser => "45 CFR 164.508(c)(1)(ii)",
            MissingRecipient => "45 CFR 164.508(c)(1)(iii)",
            MissingPurpose => "45 CFR 164.508(c)(1)(iv)",
            MissingExpiration => "45 CFR 164.508(c)(1)(v)",
            MissingSignature | MissingDate | MissingRepAuthority => "45 CFR 164.508(c)(1)(vi)",
            DateInvalid => "45 CFR 164.508(b)(2)(ii)",
            MissingRevocationStatement => "45 CFR 164.508(c)(2)(i)",
            MissingConditioningStatement => "45 CFR 164.508(c)(2)(ii)",
            MissingRedisclosureStatement => "45 CFR 164.508(c)(2)(iii)",
            NotPlainLanguage => "45 CFR 164.508(c)(3)",
            Expired => "45 CFR 164.508(b)(2)(i)",
            Revoked => "45 CFR 164.508(b)(5)",
            KnownFalse => "45 CFR 164.508(b)(2)(v)",
            ImproperCompound => "45 CFR 164.508(b)(3)",
            ImproperConditioning => "45 CFR 164.508(b)(4)",
            PsychotherapyCombined => "45 CFR 164.508(b)(3)(ii)",
            SensitiveNotSpecified => "DOMAIN §4.4",
            Part2Noncompliant => "42 CFR 2.31(a)",
            ScopeExceeded => "45 CFR 164.508(a)(1)",
            IdentityUnverified => "45 CFR 164.514(h)(1)",
        }
    }
}

/// One defect found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A [`ReasonCode`] spelling, e.g. `AUTH_MISSING_PURPOSE`.
    pub code: &'static str,
    /// The rule broken, e.g. `45 CFR 164.508(c)(1)(iv)`.
    pub rule: &'static str,
    pub message: String,
}

/// The outcome of [`validate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Validation {
    pub requester_type: RequesterType,
    /// What must back the release: `NONE`, `SIGNED_DIRECTIVE` or `AUTHORIZATION`.
    pub requirement: AuthRequirement,
    /// True unless `requirement` is `NONE`.
    pub needs_authorization: bool,
    /// The rule that permits the release (shown when no authorization is needed), or
    /// `45 CFR 164.508` when one is.
    pub basis: &'static str,
    pub minimum_necessary: MinimumNecessary,
    /// Whether the release goes in the accounting of disclosures (§5).
    pub accountable: bool,
    /// Sensitive categories present in the records that this release must leave out.
    pub excluded_categories: Vec<Category>,
    /// Categories an authorization must name under the rule in force (DOMAIN §4.4).
    pub categories_requiring_naming: Vec<Category>,
    /// The state whose `state_sensitive_rules` entry applied; `None` = the federal floor.
    pub sensitive_rules_state: Option<String>,
    /// The request asks for psychotherapy notes (`PSYCHOTHERAPY_NOTES` document type, or a
    /// document labelled `PSYCHOTHERAPY` in the records).
    pub psychotherapy_notes_requested: bool,
    pub problems: Vec<Problem>,
    /// No problems.
    pub valid: bool,
}

/// Check a request, and the authorization or directive offered with it, as of `today`
/// (the release date), under the federal floor of sensitive categories (DOMAIN §4.4). Pure:
/// the same inputs always give the same result.
pub fn validate(auth: Option<&Authorization>, req: &Request, today: NaiveDate) -> Validation {
    validate_with(auth, req, today, &SensitiveRules::federal_floor())
}

/// [`validate`] under the facility's `state_sensitive_rules`.
///
/// Invariants (DOMAIN §4.4):
/// - psychotherapy notes go out only under an authorization for psychotherapy notes
///   (164.508(a)(2)); naming the `PSYCHOTHERAPY` category on any other form is not one;
/// - a request for the `PSYCHOTHERAPY_NOTES` document type is a psychotherapy-notes request
///   whatever `categories_present` says;
/// - they are outside the individual's right of access (164.524(a)(1)(i));
/// - without a permission document nothing that needs naming goes out, except that the
///   individual's own access (SELF, PERSREP) covers everything but psychotherapy notes.
pub fn validate_with(
    auth: Option<&Authorization>,
    req: &Request,
    today: NaiveDate,
    rules: &SensitiveRules,
) -> Validation {
    let t = req.requester_type;
    let c = req.conditions();
    let requirement = t.requirement(c);
    let mut found = Found::default();
    let mut excluded = Vec::new();
    let mut present: Vec<Category> = Vec::new();
    let psych_requested = req
        .document_types
        .iter()
        .any(|d| d.trim().eq_ignore_ascii_case(PSYCHOTHERAPY_NOTES_DOC));
    let declared = req.categories_present.iter().copied();
    let implied = psych_requested.then_some(Category::Psychotherapy);
    for cat in declared.chain(implied) {
        if !present.contains(&cat) {
            present.push(cat);
        }
    }
    let sensitive: Vec<Category> = present
        .iter()
        .copied()
        .filter(|c| rules.needs_naming(*c))
        .collect();

    check_request_dates(req, today, &mut found);
    match (requirement, auth) {
        (AuthRequirement::None, _) => {
            // Without a permission document nothing that needs naming goes out, except that
            // the individual's own access covers everything but psychotherapy notes.
            let own_access = matches!(t, RequesterType::SelfAccess | RequesterType::PersRep);
            for &cat in &present {
                if cat == Category::Psychotherapy || (!own_access && sensitive.contains(&cat)) {
                    excluded.push(cat);
                }
            }
        }
        (AuthRequirement::SignedDirective, None) => found.push(
            ReasonCode::NotProvided,
            t.basis(),
            "a DIRECTIVE request needs the individual's signed written directive".into(),
        ),
        (AuthRequirement::SignedDirective, Some(a)) => {
            check_directive(a, req, today, &mut found);
            // Psychotherapy notes are outside the right of access; a copy sent to a third
            // party carries a category that needs naming only when the directive names it
            // (and, for Part 2 records, carries the 42 CFR 2.31 consent elements).
            for &cat in &present {
                let named = names(a, cat)
                    && (cat != Category::SudPart2 || part2_complete(a))
                    && cat != Category::Psychotherapy;
                if cat == Category::Psychotherapy || (sensitive.contains(&cat) && !named) {
                    excluded.push(cat);
                }
            }
        }
        (AuthRequirement::Authorization, None) => found.push(
            ReasonCode::NotProvided,
            ReasonCode::NotProvided.rule(),
            format!(
                "a {} request under these conditions needs a 164.508 authorization",
                t.as_str()
            ),
        ),
        (AuthRequirement::Authorization, Some(a)) => {
            check_authorization(a, req, &sensitive, today, &mut found);
            excluded.extend(sensitive.iter().copied().filter(|&cat| !names(a, cat)));
        }
    }

    check_identity(req, &mut found);

    let mut problems = found.0;
    problems.sort_by_key(|(code, _)| *code);
    let problems: Vec<Problem> = problems.into_iter().map(|(_, p)| p).collect();
    Validation {
        requester_type: t,
        requirement,
        needs_authorization: requirement != AuthRequirement::None,
        basis: t.basis_under(c),
        minimum_necessary: t.minimum_necessary(c),
        accountable: t.accountable(c),
        excluded_categories: excluded,
        categories_requiring_naming: rules.categories(),
        sensitive_rules_state: rules.state.clone(),
        psychotherapy_notes_requested: present.contains(&Category::Psychotherapy),
        valid: problems.is_empty(),
        problems,
    }
}

#[derive(Default)]
struct Found(Vec<(ReasonCode, Problem)>);

impl Found {
    fn push(&mut self, code: ReasonCode, rule: &'static str, message: String) {
        let p = Problem {
            code: code.as_str(),
            rule,
            message,
        };
        self.0.push((code, p));
    }
    fn code(&mut self, code: ReasonCode, message: impl Into<String>) {
        self.push(code, code.rule(), message.into());
    }
}

/// ROI-07: identity and authority verified, and the verification recorded.
fn check_identity(req: &Request, f: &mut Found) {
    let code = ReasonCode::IdentityUnverified;
    if !req.identity_verified {
        let who = match req.requester_type {
            RequesterType::SelfAccess => "the individual's identity",
            RequesterType::PersRep => "the representative's identity and authority",
            _ => "the requester's identity and authority",
        };
        f.code(code, format!("{who} must be verified before release"));
    } else if blank(&req.verification_method) || blank(&req.verified_by) {
        let msg = "the verification must be recorded: verification_method and verified_by";
        f.code(code, msg);
    }
}

/// Whether the form covers a category. Psychotherapy notes are covered only by an
/// authorization for psychotherapy notes (164.508(a)(2)): naming the `PSYCHOTHERAPY`
/// category on any other form does not make it one.
fn names(a: &Authorization, cat: Category) -> bool {
    match cat {
        Category::Psychotherapy => a.psychotherapy_notes,
        _ => a.sensitive_categories_named.contains(&cat),
    }
}

fn part2_complete(a: &Authorization) -> bool {
    a.part2.as_ref().is_some_and(|p| {
        !blank(&p.patient_name) && !blank(&p.program) && !blank(&p.sud_description)
    })
}

/// Expiration events that are no expiration at all: accepted only for research, including a
/// research database or repository (164.508(c)(1)(v)).
pub fn is_no_expiration(event: &str) -> bool {
    let norm: String = event
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    matches!(
        norm.as_str(),
        "none"
            | "no"
            | "n a"
            | "na"
            | "not applicable"
            | "never"
            | "never expires"
            | "does not expire"
            | "no expiration"
            | "no expiration date"
            | "no expiry"
            | "indefinite"
            | "indefinitely"
            | "until revoked"
            | "end of the research study"
            | "end of research study"
            | "end of the study"
            | "end of study"
    ) || norm.contains("research")
}

/// Dates of the request that cannot be true as of `today`.
fn check_request_dates(req: &Request, today: NaiveDate, f: &mut Found) {
    let code = ReasonCode::DateInvalid;
    if req.received_date > today {
        let d = req.received_date;
        f.push(
            code,
            "ROI-01 (received_at)",
            format!("the request's received date {d} is in the future (today is {today})"),
        );
    }
    if let (Some(from), Some(to)) = (req.records_from, req.records_to)
        && from > to
    {
        f.push(
            code,
            "DOMAIN 4.5 (scope)",
            format!(
                "the request asks for records from {from} to {to}: the range ends before it starts"
            ),
        );
    }
}

/// Dates of the form that cannot be true: every date field is checked against today, the
/// date the form was received and the other dates of the form.
fn check_form_dates(a: &Authorization, req: &Request, today: NaiveDate, f: &mut Found) {
    let code = ReasonCode::DateInvalid;
    let sig = "45 CFR 164.508(c)(1)(vi)";
    let form_received = a.received_date.unwrap_or(req.received_date);
    if let Some(r) = a.received_date.filter(|r| *r > today) {
        f.push(
            code,
            "45 CFR 164.508(b)(2)(ii)",
            format!("the form's received date {r} is in the future (today is {today})"),
        );
    }
    if let Some(s) = a.signed_date {
        if s > today {
            f.push(
                code,
                sig,
                format!("signed {s}, after today ({today}): a post-dated signature"),
            );
        } else if s > form_received {
            f.push(
                code,
                sig,
                format!("signed {s}, after the form was received on {form_received}"),
            );
        }
        if let Some(e) = a.expiration_date.filter(|e| *e < s) {
            f.push(
                code,
                "45 CFR 164.508(c)(1)(v)",
                format!("expires {e}, before it was signed on {s}"),
            );
        }
        if let Some(r) = a.revoked_at.filter(|r| *r < s) {
            f.push(
                code,
                "45 CFR 164.508(b)(5)",
                format!("revoked {r}, before it was signed on {s}"),
            );
        }
    }
    if let Some(r) = a.revoked_at.filter(|r| *r > today) {
        f.push(
            code,
            "45 CFR 164.508(b)(5)",
            format!("the revocation is dated {r}, in the future (today is {today})"),
        );
    }
    if let (Some(from), Some(to)) = (a.records_from, a.records_to)
        && from > to
    {
        f.push(
            code,
            "45 CFR 164.508(c)(1)(i)",
            format!("the form covers records from {from} to {to}: the range ends before it starts"),
        );
    }
}

/// A directive (164.524(c)(3)(ii)) must be in writing, signed, and name the recipient.
fn check_directive(a: &Authorization, req: &Request, today: NaiveDate, f: &mut Found) {
    let rule = RequesterType::Directive.basis();
    if blank(&a.recipient) {
        let msg = "the directive must clearly name the designated recipient";
        f.push(ReasonCode::MissingRecipient, rule, msg.into());
    }
    if blank(&a.signature) {
        let msg = "the directive must be signed by the individual";
        f.push(ReasonCode::MissingSignature, rule, msg.into());
    }
    check_form_dates(a, req, today, f);
    check_revoked(a, today, f);
}

fn check_revoked(a: &Authorization, today: NaiveDate, f: &mut Found) {
    if let Some(d) = a.revoked_at.filter(|d| *d <= today) {
        f.code(
            ReasonCode::Revoked,
            format!("revoked in writing on {d}, before release"),
        );
    }
}

fn check_authorization(
    a: &Authorization,
    req: &Request,
    sensitive: &[Category],
    today: NaiveDate,
    f: &mut Found,
) {
    use ReasonCode::*;
    let missing = [
        (
            blank(&a.description),
            MissingDescription,
            "no specific, meaningful description of the information",
        ),
        (
            blank(&a.discloser),
            MissingDiscloser,
            "no person or class of persons authorized to disclose",
        ),
        (blank(&a.recipient), MissingRecipient, "no recipient named"),
        (
            blank(&a.purpose),
            MissingPurpose,
            "no purpose stated (\"at the request of the individual\" suffices)",
        ),
        (
            a.expiration_date.is_none() && blank(&a.expiration_event),
            MissingExpiration,
            "no expiration date or event",
        ),
        (blank(&a.signature), MissingSignature, "not signed"),
        (a.signed_date.is_none(), MissingDate, "no date of signature"),
        (
            !blank(&a.representative) && blank(&a.representative_authority),
            MissingRepAuthority,
            "signed by a representative without a description of their authority",
        ),
        (
            !a.revocation_statement,
            MissingRevocationStatement,
            "no statement of the right to revoke in writing, its exceptions and how",
        ),
        (
            !a.conditioning_statement,
            MissingConditioningStatement,
            "no statement on conditioning treatment, payment, enrollment or eligibility",
        ),
        (
            !a.redisclosure_statement,
            MissingRedisclosureStatement,
            "no statement that disclosed information may be redisclosed",
        ),
        (
            a.plain_language == Some(false),
            NotPlainLanguage,
            "a reviewer found the form is not in plain language",
        ),
    ];
    for (is_missing, code, msg) in missing {
        if is_missing {
            f.code(code, msg);
        }
    }
    if a.expiration_date.is_none()
        && let Some(event) = a
            .expiration_event
            .as_deref()
            .filter(|e| !e.trim().is_empty())
        && is_no_expiration(event)
        && req.requester_type != RequesterType::Research
    {
        f.code(
            MissingExpiration,
            format!(
                "expiration event {:?} is accepted only for research, including a research database or repository; give a date or an event",
                event.trim()
            ),
        );
    }
    check_form_dates(a, req, today, f);

    if let Some(d) = a.expiration_date.filter(|d| *d < today) {
        f.code(Expired, format!("expired on {d}"));
    } else if a.expiration_event_occurred {
        let event = a
            .expiration_event
            .as_deref()
            .unwrap_or("the expiration event");
        f.code(Expired, format!("{event:?} has occurred"));
    }
    check_revoked(a, today, f);
    if a.known_false {
        f.code(
            KnownFalse,
            "material information in the form is known to be false",
        );
    }
    check_compound(a, req.requester_type, f);
    if a.conditioned_treatment && req.requester_type != RequesterType::Research {
        f.code(
            ImproperConditioning,
            "treatment, payment, enrollment or eligibility was conditioned on signing",
        );
    }
    for &cat in sensitive {
        if names(a, cat) {
            continue;
        }
        let msg = if cat == Category::Psychotherapy {
            format!(
                "psychotherapy notes are requested or in the records, and this form {}is not an authorization for psychotherapy notes; they go out only under their own (leave them out, or log a separate request under a psychotherapy-notes authorization)",
                if a.sensitive_categories_named.contains(&cat) {
                    "names PSYCHOTHERAPY but "
                } else {
                    ""
                }
            )
        } else {
            format!("the records hold {cat} but the form does not name it")
        };
        f.push(SensitiveNotSpecified, cat.rule(), msg);
    }
    if sensitive.contains(&Category::SudPart2) {
        check_part2(a, f);
        // Naming SUD_PART2 on a consent is not a consent to use the records in proceedings
        // against the patient: that needs its own specific consent (or a 2.64 court order).
        let proceedings = matches!(
            req.requester_type,
            RequesterType::Subpoena | RequesterType::CourtOrder | RequesterType::LawEnf
        );
        if proceedings && !a.part2_proceedings {
            f.push(
                Part2Noncompliant,
                "42 CFR 2.31(d), Part 2 Subpart E",
                format!(
                    "a {} request for SUD records needs a consent that specifically permits use in proceedings against the patient (or a 42 CFR 2.64 court order)",
                    req.requester_type
                ),
            );
        }
    }
    check_scope(a, req, f);
}

fn check_compound(a: &Authorization, t: RequesterType, f: &mut Found) {
    use ReasonCode::*;
    for &doc in &a.compound_with {
        let psych_doc = doc == CompoundDoc::PsychotherapyNotesAuthorization;
        if a.psychotherapy_notes != psych_doc {
            let msg = format!("a psychotherapy-notes authorization is combined with {doc}");
            f.code(PsychotherapyCombined, msg);
            continue;
        }
        let improper = match doc {
            CompoundDoc::Authorization => a.conditioned_treatment,
            CompoundDoc::PsychotherapyNotesAuthorization => false,
            CompoundDoc::ResearchConsent => t != RequesterType::Research,
            CompoundDoc::ConsentToTreat | CompoundDoc::PrivacyNotice | CompoundDoc::Other => true,
        };
        if improper {
            f.code(ImproperCompound, format!("combined with {doc}"));
        }
    }
    if a.psychotherapy_notes {
        if a.document_types.is_empty() {
            let msg = "a psychotherapy-notes authorization that covers all records (document_types: []) is combined with an authorization for the rest of the record";
            f.code(PsychotherapyCombined, msg);
        } else if a
            .document_types
            .iter()
            .any(|d| !d.trim().eq_ignore_ascii_case(PSYCHOTHERAPY_NOTES_DOC))
        {
            let msg = "a psychotherapy-notes authorization also covers other document types";
            f.code(PsychotherapyCombined, msg);
        }
    }
}

fn check_part2(a: &Authorization, f: &mut Found) {
    let code = ReasonCode::Part2Noncompliant;
    let Some(p) = &a.part2 else {
        let msg = "the records hold SUD_PART2 but the form has no 42 CFR 2.31 consent elements";
        f.code(code, msg);
        return;
    };
    let elements = [
        (&p.patient_name, "42 CFR 2.31(a)(1)", "the patient's name"),
        (
            &p.program,
            "42 CFR 2.31(a)(2)",
            "the Part 2 program or entity permitted to disclose",
        ),
        (
            &p.sud_description,
            "42 CFR 2.31(a)(3)",
            "an explicit description of the SUD information",
        ),
    ];
    for (value, rule, what) in elements {
        if blank(value) {
            f.push(code, rule, format!("the Part 2 consent lacks {what}"));
        }
    }
}

fn check_scope(a: &Authorization, req: &Request, f: &mut Found) {
    let code = ReasonCode::ScopeExceeded;
    if let Some(from) = a.records_from {
        match req.records_from {
            Some(r) if r >= from => {}
            Some(r) => f.code(
                code,
                format!("records from {r} requested; authorized from {from}"),
            ),
            None => f.code(
                code,
                format!("no start date requested; authorized from {from}"),
            ),
        }
    }
    if let Some(to) = a.records_to {
        match req.records_to {
            Some(r) if r <= to => {}
            Some(r) => f.code(
                code,
                format!("records to {r} requested; authorized to {to}"),
            ),
            None => f.code(code, format!("no end date requested; authorized to {to}")),
        }
    }
    if !a.document_types.is_empty() {
        if req.document_types.is_empty() {
            let allowed = a.document_types.join(", ");
            f.code(
                code,
                format!("all document types requested; authorized: {allowed}"),
            );
        }
        for d in req
            .document_types
            .iter()
            .filter(|d| !a.document_types.contains(d))
        {
            f.code(
                code,
                format!("document type {d} is not in the authorization"),
            );
        }
    }
}
