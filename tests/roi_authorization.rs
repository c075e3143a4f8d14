//! The §4.3 authorization check: one test per reason code (named by code), starting from
//! the valid example in `AUTH_JSON_DOC` and breaking exactly one thing.

use chartdesk::roi::authorization::PSYCHOTHERAPY_NOTES_DOC;
use chartdesk::roi::{
    AUTH_JSON_DOC, Authorization, Category, CompoundDoc, Part2Consent, ReasonCode, Request,
    RequesterType, SensitiveRules, Validation, check_file, validate, validate_with,
};
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-04-10";

/// The JSON example in the documentation.
fn example_json() -> &'static str {
    let start = AUTH_JSON_DOC.find("```json\n").unwrap() + "```json\n".len();
    let len = AUTH_JSON_DOC[start..].find("```").unwrap();
    &AUTH_JSON_DOC[start..start + len]
}

fn baseline() -> (Authorization, Request) {
    #[derive(serde::Deserialize)]
    struct F {
        authorization: Authorization,
        request: Request,
    }
    let f: F = serde_json::from_str(example_json()).unwrap();
    (f.authorization, f.request)
}

fn verify(r: &mut Request) {
    r.identity_verified = true;
    r.verification_method = Some("photo ID".into());
    r.verified_by = Some("jpatel".into());
}

fn codes(v: &Validation) -> Vec<&'static str> {
    v.problems.iter().map(|p| p.code).collect()
}

#[test]
fn documented_example_is_valid() {
    let v = check_file(example_json(), d(TODAY)).unwrap();
    assert!(v.valid, "{:?}", v.problems);
    assert!(v.needs_authorization);
    assert_eq!(v.basis, "45 CFR 164.508");
    assert!(v.excluded_categories.is_empty());
}

type Breaker = fn(&mut Authorization, &mut Request) -> bool;

macro_rules! reason_cases {
    ($($name:ident: $code:literal, $rule:literal, $break:expr;)+) => {
        $(
            #[test]
            fn $name() {
                let (mut a, mut r) = baseline();
                let f: Breaker = $break;
                let keep_auth = f(&mut a, &mut r);
                let v = validate(keep_auth.then_some(&a), &r, d(TODAY));
                assert_eq!(codes(&v), vec![$code], "{:#?}", v.problems);
                assert_eq!(v.problems[0].rule, $rule);
                assert!(!v.problems[0].message.is_empty());
                assert!(!v.valid);
            }
        )+
        const CASES: &[&str] = &[$($code),+];
    };
}

reason_cases! {
    auth_not_provided: "AUTH_NOT_PROVIDED", "45 CFR 164.508(a)(1)", |_, _| false;
    auth_missing_description: "AUTH_MISSING_DESCRIPTION", "45 CFR 164.508(c)(1)(i)",
        |a, _| { a.description = Some("  ".into()); true };
    auth_missing_discloser: "AUTH_MISSING_DISCLOSER", "45 CFR 164.508(c)(1)(ii)",
        |a, _| { a.discloser = None; true };
    auth_missing_recipient: "AUTH_MISSING_RECIPIENT", "45 CFR 164.508(c)(1)(iii)",
        |a, _| { a.recipient = None; true };
    auth_missing_purpose: "AUTH_MISSING_PURPOSE", "45 CFR 164.508(c)(1)(iv)",
        |a, _| { a.purpose = None; true };
    auth_missing_expiration: "AUTH_MISSING_EXPIRATION", "45 CFR 164.508(c)(1)(v)",
        |a, _| { a.expiration_date = None; a.expiration_event = None; true };
    auth_missing_signature: "AUTH_MISSING_SIGNATURE", "45 CFR 164.508(c)(1)(vi)",
        |a, _| { a.signature = None; true };
    auth_missing_date: "AUTH_MISSING_DATE", "45 CFR 164.508(c)(1)(vi)",
        |a, _| { a.signed_date = None; true };
    auth_missing_rep_authority: "AUTH_MISSING_REP_AUTHORITY", "45 CFR 164.508(c)(1)(vi)",
        |a, _| { a.representative = Some("Pat Whitfield".into()); true };
    auth_date_invalid: "AUTH_DATE_INVALID", "45 CFR 164.508(c)(1)(vi)",
        |a, _| { a.signed_date = Some(d("2026-04-20")); true };
    auth_missing_revocation_statement: "AUTH_MISSING_REVOCATION_STATEMENT", "45 CFR 164.508(c)(2)(i)",
        |a, _| { a.revocation_statement = false; true };
    auth_missing_conditioning_statement: "AUTH_MISSING_CONDITIONING_STATEMENT", "45 CFR 164.508(c)(2)(ii)",
        |a, _| { a.conditioning_statement = false; true };
    auth_missing_redisclosure_statement: "AUTH_MISSING_REDISCLOSURE_STATEMENT", "45 CFR 164.508(c)(2)(iii)",
        |a, _| { a.redisclosure_statement = false; true };
    auth_not_plain_language: "AUTH_NOT_PLAIN_LANGUAGE", "45 CFR 164.508(c)(3)",
        |a, _| { a.plain_language = Some(false); true };
    auth_expired: "AUTH_EXPIRED", "45 CFR 164.508(b)(2)(i)",
        |a, _| { a.expiration_date = Some(d("2026-04-09")); true };
    auth_revoked: "AUTH_REVOKED", "45 CFR 164.508(b)(5)",
        |a, _| { a.revoked_at = Some(d("2026-04-08")); true };
    auth_known_false: "AUTH_KNOWN_FALSE", "45 CFR 164.508(b)(2)(v)",
        |a, _| { a.known_false = true; true };
    auth_improper_compound: "AUTH_IMPROPER_COMPOUND", "45 CFR 164.508(b)(3)",
        |a, _| { a.compound_with = vec![CompoundDoc::ConsentToTreat]; true };
    auth_improper_conditioning: "AUTH_IMPROPER_CONDITIONING", "45 CFR 164.508(b)(4)",
        |a, _| { a.conditioned_treatment = true; true };
    auth_psychotherapy_combined: "AUTH_PSYCHOTHERAPY_COMBINED", "45 CFR 164.508(b)(3)(ii)",
        |a, _| { a.psychotherapy_notes = true; true };
    auth_sensitive_not_specified: "AUTH_SENSITIVE_NOT_SPECIFIED", "45 CFR 164.508(a)(2)",
        |_, r| { r.categories_present.push(Category::Psychotherapy); true };
    auth_part2_noncompliant: "AUTH_PART2_NONCOMPLIANT", "42 CFR 2.31(a)",
        |a, r| {
            r.categories_present.push(Category::SudPart2);
            a.sensitive_categories_named.push(Category::SudPart2);
            true
        };
    auth_scope_exceeded: "AUTH_SCOPE_EXCEEDED", "45 CFR 164.508(a)(1)",
        |_, r| { r.records_from = Some(d("2026-02-01")); true };
    auth_identity_unverified: "AUTH_IDENTITY_UNVERIFIED", "45 CFR 164.514(h)(1)",
        |_, r| { r.identity_verified = false; true };
}

#[test]
fn every_reason_code_has_a_case() {
    let all: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(all, CASES, "one case per code, in declaration order");
    for c in ReasonCode::ALL {
        assert!(
            c.rule().contains("CFR") || c.rule().contains("DOMAIN"),
            "{c}"
        );
    }
}

#[test]
fn identity_verification_must_be_recorded() {
    let (a, mut r) = baseline();
    r.verified_by = None;
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_IDENTITY_UNVERIFIED"]);
    assert!(v.problems[0].message.contains("verified_by"));
}

#[test]
fn repeated_categories_are_reported_once() {
    let (a, mut r) = baseline();
    r.categories_present = vec![Category::Hiv, Category::Hiv, Category::MentalHealth];
    let v = validate_with(Some(&a), &r, d(TODAY), &ny());
    assert_eq!(codes(&v), ["AUTH_SENSITIVE_NOT_SPECIFIED"]);
    assert_eq!(v.excluded_categories, [Category::Hiv]);
}

#[test]
fn expiration_date_is_inclusive_and_event_counts() {
    let (mut a, r) = baseline();
    a.expiration_date = Some(d(TODAY));
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
    a.expiration_date = None;
    a.expiration_event = Some("end of litigation".into());
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
    a.expiration_event_occurred = true;
    assert_eq!(codes(&validate(Some(&a), &r, d(TODAY))), ["AUTH_EXPIRED"]);
}

#[test]
fn roi_dates_revocation_dated_in_the_future_is_impossible() {
    let (mut a, r) = baseline();
    a.revoked_at = Some(d("2026-04-11"));
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_DATE_INVALID"]);
    assert_eq!(v.problems[0].rule, "45 CFR 164.508(b)(5)");
    a.revoked_at = Some(d(TODAY));
    assert_eq!(codes(&validate(Some(&a), &r, d(TODAY))), ["AUTH_REVOKED"]);
}

#[test]
fn psychotherapy_notes_authorization_alone_or_with_its_own_kind() {
    let (mut a, mut r) = baseline();
    a.psychotherapy_notes = true;
    a.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into()];
    r.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into()];
    r.categories_present = vec![Category::Psychotherapy];
    a.compound_with = vec![CompoundDoc::PsychotherapyNotesAuthorization];
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
    a.compound_with.push(CompoundDoc::Authorization);
    assert_eq!(
        codes(&validate(Some(&a), &r, d(TODAY))),
        ["AUTH_PSYCHOTHERAPY_COMBINED"]
    );
    // An ordinary authorization combined with a psychotherapy-notes one.
    let (mut a, r) = baseline();
    a.compound_with = vec![CompoundDoc::PsychotherapyNotesAuthorization];
    assert_eq!(
        codes(&validate(Some(&a), &r, d(TODAY))),
        ["AUTH_PSYCHOTHERAPY_COMBINED"]
    );
}

#[test]
fn psychotherapy_notes_in_records_need_their_own_authorization() {
    let (a, mut r) = baseline();
    r.categories_present.push(Category::Psychotherapy);
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_SENSITIVE_NOT_SPECIFIED"]);
    assert_eq!(v.problems[0].rule, "45 CFR 164.508(a)(2)");
    assert_eq!(v.excluded_categories, [Category::Psychotherapy]);
}

#[test]
fn compound_rules() {
    let (mut a, r) = baseline();
    a.compound_with = vec![CompoundDoc::Authorization];
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
    a.compound_with = vec![CompoundDoc::ResearchConsent];
    assert_eq!(
        codes(&validate(Some(&a), &r, d(TODAY))),
        ["AUTH_IMPROPER_COMPOUND"]
    );
    let mut research = r.clone();
    research.requester_type = RequesterType::Research;
    assert!(validate(Some(&a), &research, d(TODAY)).valid);
    // Research may condition research-related treatment on signing (164.508(b)(4)(i)).
    a.conditioned_treatment = true;
    assert!(validate(Some(&a), &research, d(TODAY)).valid);
    // Combined with another authorization while one conditions treatment.
    a.compound_with = vec![CompoundDoc::Authorization];
    assert_eq!(
        codes(&validate(Some(&a), &r, d(TODAY))),
        ["AUTH_IMPROPER_COMPOUND", "AUTH_IMPROPER_CONDITIONING"]
    );
}

#[test]
fn part2_elements_each_cite_their_paragraph() {
    let (mut a, mut r) = baseline();
    r.categories_present.push(Category::SudPart2);
    a.sensitive_categories_named.push(Category::SudPart2);
    a.part2 = Some(Part2Consent {
        patient_name: Some("Dana Whitfield".into()),
        program: None,
        sud_description: None,
    });
    let v = validate(Some(&a), &r, d(TODAY));
    let rules: Vec<&str> = v.problems.iter().map(|p| p.rule).collect();
    assert_eq!(rules, ["42 CFR 2.31(a)(2)", "42 CFR 2.31(a)(3)"]);
    a.part2 = Some(Part2Consent {
        patient_name: Some("Dana Whitfield".into()),
        program: Some("Riverside Recovery Program".into()),
        sud_description: Some("Substance use disorder treatment notes, 2026".into()),
    });
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
    // Unnamed SUD records are also a sensitive-category problem.
    a.sensitive_categories_named
        .retain(|c| *c != Category::SudPart2);
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_SENSITIVE_NOT_SPECIFIED"]);
    assert_eq!(v.problems[0].rule, "42 CFR 2.31(a)(3)");
}

#[test]
fn scope_checks_dates_and_document_types() {
    let (a, r) = baseline();
    let scope = |r: &Request| codes(&validate(Some(&a), r, d(TODAY)));
    let mut r2 = r.clone();
    r2.records_to = Some(d("2026-04-01"));
    assert_eq!(scope(&r2), ["AUTH_SCOPE_EXCEEDED"]);
    let mut r2 = r.clone();
    r2.records_from = None;
    r2.records_to = None;
    assert_eq!(scope(&r2), ["AUTH_SCOPE_EXCEEDED", "AUTH_SCOPE_EXCEEDED"]);
    let mut r2 = r.clone();
    r2.document_types = vec!["18842-5".into(), "11506-3".into()];
    assert_eq!(scope(&r2), ["AUTH_SCOPE_EXCEEDED"]);
    let mut r2 = r.clone();
    r2.document_types.clear();
    assert_eq!(scope(&r2), ["AUTH_SCOPE_EXCEEDED"]);
    let mut r2 = r;
    r2.document_types = vec!["18842-5".into()];
    r2.records_from = Some(d("2026-03-10"));
    assert!(scope(&r2).is_empty());
}

#[test]
fn problems_accumulate_in_code_order() {
    let a = Authorization::default();
    let r = Request::new(RequesterType::Auth3p, d("2026-04-01"));
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(
        codes(&v),
        [
            "AUTH_MISSING_DESCRIPTION",
            "AUTH_MISSING_DISCLOSER",
            "AUTH_MISSING_RECIPIENT",
            "AUTH_MISSING_PURPOSE",
            "AUTH_MISSING_EXPIRATION",
            "AUTH_MISSING_SIGNATURE",
            "AUTH_MISSING_DATE",
            "AUTH_MISSING_REVOCATION_STATEMENT",
            "AUTH_MISSING_CONDITIONING_STATEMENT",
            "AUTH_MISSING_REDISCLOSURE_STATEMENT",
            "AUTH_IDENTITY_UNVERIFIED",
        ]
    );
}

#[test]
fn requests_needing_no_authorization_show_their_rule() {
    let cases = [
        (RequesterType::ProviderTx, "45 CFR 164.506(c) (treatment)"),
        (RequesterType::SelfAccess, "45 CFR 164.524"),
        (RequesterType::ReqByLaw, "45 CFR 164.512(a)"),
        (RequesterType::Hhs, "45 CFR 164.502(a)(2)(ii)"),
        (RequesterType::CourtOrder, "45 CFR 164.512(e)(1)(i)"),
    ];
    for (t, rule) in cases {
        let mut r = Request::new(t, d("2026-04-01"));
        verify(&mut r);
        let v = validate(None, &r, d(TODAY));
        assert!(v.valid && !v.needs_authorization, "{t}");
        assert_eq!(v.basis, rule, "{t}");
    }
}

#[test]
fn individual_access_excludes_only_psychotherapy_notes() {
    let mut r = Request::new(RequesterType::SelfAccess, d("2026-04-01"));
    verify(&mut r);
    r.categories_present = vec![Category::SudPart2, Category::Psychotherapy, Category::Hiv];
    let v = validate(None, &r, d(TODAY));
    assert!(v.valid);
    assert_eq!(v.excluded_categories, [Category::Psychotherapy]);
    r.requester_type = RequesterType::ProviderTx;
    let v = validate(None, &r, d(TODAY));
    assert_eq!(
        v.excluded_categories,
        [Category::SudPart2, Category::Psychotherapy],
        "federal floor: HIV needs naming only under a state rule"
    );
    let v = validate_with(None, &r, d(TODAY), &ny());
    assert_eq!(v.excluded_categories.len(), 3);
}

#[test]
fn directive_needs_a_signed_directive_naming_the_recipient() {
    let mut r = Request::new(RequesterType::Directive, d("2026-04-01"));
    verify(&mut r);
    let v = validate(None, &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_NOT_PROVIDED"]);
    assert_eq!(v.problems[0].rule, "45 CFR 164.524(c)(3)(ii)");
    let mut dir = Authorization::default();
    let v = validate(Some(&dir), &r, d(TODAY));
    assert_eq!(
        codes(&v),
        ["AUTH_MISSING_RECIPIENT", "AUTH_MISSING_SIGNATURE"]
    );
    assert!(
        v.problems
            .iter()
            .all(|p| p.rule == "45 CFR 164.524(c)(3)(ii)")
    );
    dir.recipient = Some("Dr. Lee, Lakeside Clinic".into());
    dir.signature = Some("Dana Whitfield".into());
    assert!(validate(Some(&dir), &r, d(TODAY)).valid);
}

#[test]
fn conditional_rows_fall_back_to_an_authorization() {
    for (t, set) in [
        (
            RequesterType::Subpoena,
            (|r: &mut Request| r.satisfactory_assurance = true) as fn(&mut Request),
        ),
        (RequesterType::Research, |r: &mut Request| {
            r.irb_waiver = true
        }),
        (RequesterType::LawEnf, |r: &mut Request| {
            r.law_enforcement_prong = true
        }),
    ] {
        let mut r = Request::new(t, d("2026-04-01"));
        verify(&mut r);
        let v = validate(None, &r, d(TODAY));
        assert_eq!(codes(&v), ["AUTH_NOT_PROVIDED"], "{t}");
        assert_eq!(v.basis, "45 CFR 164.508");
        assert!(!v.accountable);
        set(&mut r);
        let v = validate(None, &r, d(TODAY));
        assert!(v.valid && !v.needs_authorization, "{t}");
        assert_eq!(v.basis, t.basis());
        assert!(v.accountable);
    }
}

#[test]
fn validation_serialises_to_json() {
    let (mut a, r) = baseline();
    a.purpose = None;
    let v = validate(Some(&a), &r, d(TODAY));
    let j = serde_json::to_value(&v).unwrap();
    assert_eq!(j["valid"], false);
    assert_eq!(j["requirement"], "AUTHORIZATION");
    assert_eq!(j["requester_type"], "AUTH_3P");
    assert_eq!(j["problems"][0]["code"], "AUTH_MISSING_PURPOSE");
    assert_eq!(j["problems"][0]["rule"], "45 CFR 164.508(c)(1)(iv)");
}

/// A state rule that adds HIV and MENTAL_HEALTH to the federal floor.
fn ny() -> SensitiveRules {
    SensitiveRules::for_state("NY:HIV,MENTAL_HEALTH;CA:GENETIC", "ny").unwrap()
}

/// A general authorization covering all records (no document type limit).
fn general_all_records() -> (Authorization, Request) {
    let (mut a, mut r) = baseline();
    a.document_types.clear();
    r.document_types.clear();
    (a, r)
}

#[test]
fn roi_psychotherapy_164_508_a2_general_auth_refused() {
    // A general form that names the PSYCHOTHERAPY category is not a psychotherapy-notes
    // authorization.
    let (mut a, mut r) = general_all_records();
    a.sensitive_categories_named = vec![Category::Psychotherapy, Category::MentalHealth];
    r.categories_present = vec![Category::Psychotherapy];
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_SENSITIVE_NOT_SPECIFIED"]);
    assert_eq!(v.problems[0].rule, "45 CFR 164.508(a)(2)");
    assert!(v.problems[0].message.contains("names PSYCHOTHERAPY but"));
    assert_eq!(v.excluded_categories, [Category::Psychotherapy]);
    assert!(!v.valid);
}

#[test]
fn roi_psychotherapy_164_508_b3ii_all_records_is_improperly_combined() {
    let (mut a, mut r) = general_all_records();
    a.psychotherapy_notes = true;
    r.categories_present = vec![Category::Psychotherapy];
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_PSYCHOTHERAPY_COMBINED"]);
    assert!(v.problems[0].message.contains("all records"));
    // Also covering another document type is combined too.
    a.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into(), "18842-5".into()];
    r.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into()];
    assert_eq!(
        codes(&validate(Some(&a), &r, d(TODAY))),
        ["AUTH_PSYCHOTHERAPY_COMBINED"]
    );
    // Alone, it is valid.
    a.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into()];
    let v = validate(Some(&a), &r, d(TODAY));
    assert!(v.valid, "{:?}", v.problems);
    assert!(v.excluded_categories.is_empty());
}

#[test]
fn roi_psychotherapy_doc_type_request_is_a_psychotherapy_request_whatever_categories_present() {
    let (a, mut r) = general_all_records();
    r.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into()];
    r.categories_present.clear();
    let v = validate(Some(&a), &r, d(TODAY));
    assert!(v.psychotherapy_notes_requested);
    assert_eq!(codes(&v), ["AUTH_SENSITIVE_NOT_SPECIFIED"]);
    assert_eq!(v.problems[0].rule, "45 CFR 164.508(a)(2)");
    assert_eq!(v.excluded_categories, [Category::Psychotherapy]);
}

#[test]
fn roi_psychotherapy_164_524_a1i_outside_the_right_of_access() {
    for t in [
        RequesterType::SelfAccess,
        RequesterType::PersRep,
        RequesterType::Directive,
    ] {
        let mut r = Request::new(t, d("2026-04-01"));
        verify(&mut r);
        r.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into()];
        // Even a psychotherapy-notes form does not bring them into the right of access.
        let directive = Authorization {
            recipient: Some("Dr. Who".into()),
            signature: Some("Dana Whitfield".into()),
            signed_date: Some(d("2026-03-30")),
            psychotherapy_notes: true,
            ..Authorization::default()
        };
        let v = validate(Some(&directive), &r, d(TODAY));
        assert_eq!(v.excluded_categories, [Category::Psychotherapy], "{t}");
    }
}

#[test]
fn roi_directive_part2_records_go_to_a_third_party_only_under_2_31_consent() {
    let mut r = Request::new(RequesterType::Directive, d("2026-04-01"));
    verify(&mut r);
    r.categories_present = vec![Category::SudPart2];
    let mut directive = Authorization {
        recipient: Some("Dr. Who".into()),
        signature: Some("Dana Whitfield".into()),
        signed_date: Some(d("2026-03-30")),
        ..Authorization::default()
    };
    let v = validate(Some(&directive), &r, d(TODAY));
    assert_eq!(v.excluded_categories, [Category::SudPart2]);
    directive.sensitive_categories_named = vec![Category::SudPart2];
    assert_eq!(
        validate(Some(&directive), &r, d(TODAY)).excluded_categories,
        [Category::SudPart2],
        "naming the category without the 2.31 elements is not a consent"
    );
    directive.part2 = Some(Part2Consent {
        patient_name: Some("Dana Whitfield".into()),
        program: Some("Riverside Recovery Program".into()),
        sud_description: Some("SUD treatment notes, 2026".into()),
    });
    assert!(
        validate(Some(&directive), &r, d(TODAY))
            .excluded_categories
            .is_empty()
    );
}

#[test]
fn roi_expiration_164_508_c1v_none_only_for_research() {
    for event in [
        "none",
        "None.",
        "no expiration",
        "until revoked",
        "end of the research study",
    ] {
        let (mut a, r) = baseline();
        a.expiration_date = None;
        a.expiration_event = Some(event.into());
        let v = validate(Some(&a), &r, d(TODAY));
        assert_eq!(codes(&v), ["AUTH_MISSING_EXPIRATION"], "{event}");
        assert!(v.problems[0].message.contains("research"), "{event}");
        // Research under an authorization, including a database or repository.
        let mut research = r.clone();
        research.requester_type = RequesterType::Research;
        assert!(validate(Some(&a), &research, d(TODAY)).valid, "{event}");
    }
    let (mut a, r) = baseline();
    a.expiration_date = None;
    a.expiration_event = Some("end of the litigation Whitfield v. Acme".into());
    assert!(validate(Some(&a), &r, d(TODAY)).valid, "a real event");
}

#[test]
fn roi_dates_signature_after_receipt_refused() {
    let (mut a, r) = baseline();
    // Received 2026-04-06 with the request; signed two days later.
    a.signed_date = Some(d("2026-04-08"));
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_DATE_INVALID"]);
    assert_eq!(v.problems[0].rule, "45 CFR 164.508(c)(1)(vi)");
    assert!(
        v.problems[0]
            .message
            .contains("after the form was received")
    );
    // A corrected form that arrived later, after it was signed.
    a.received_date = Some(d("2026-04-09"));
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
}

#[test]
fn roi_dates_signature_after_release_refused() {
    let (mut a, r) = baseline();
    a.signed_date = Some(d("2026-04-11"));
    a.received_date = Some(d("2026-04-11"));
    let v = validate(Some(&a), &r, d(TODAY));
    let msgs: Vec<&str> = v.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(codes(&v).iter().all(|c| *c == "AUTH_DATE_INVALID"));
    assert!(msgs.iter().any(|m| m.contains("post-dated")), "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("received date 2026-04-11 is in the future"))
    );
}

#[test]
fn roi_dates_received_in_the_future_refused() {
    let (a, mut r) = baseline();
    r.received_date = d("2026-04-12");
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_DATE_INVALID"]);
    assert_eq!(v.problems[0].rule, "ROI-01 (received_at)");
    // The same rule without any authorization.
    let mut own = Request::new(RequesterType::SelfAccess, d("2026-05-01"));
    verify(&mut own);
    assert_eq!(
        codes(&validate(None, &own, d(TODAY))),
        ["AUTH_DATE_INVALID"]
    );
}

#[test]
fn roi_dates_every_date_field_is_checked_the_same_way() {
    type Break = fn(&mut Authorization, &mut Request);
    let cases: [(&str, &str, Break); 5] = [
        ("form records range", "45 CFR 164.508(c)(1)(i)", |a, _| {
            a.records_from = Some(d("2026-03-31"));
            a.records_to = Some(d("2026-03-01"));
        }),
        (
            "expires before signed",
            "45 CFR 164.508(c)(1)(v)",
            |a, _| {
                a.expiration_date = Some(d("2026-04-01"));
            },
        ),
        ("revoked before signed", "45 CFR 164.508(b)(5)", |a, _| {
            a.revoked_at = Some(d("2026-04-01"));
        }),
        (
            "form received in the future",
            "45 CFR 164.508(b)(2)(ii)",
            |a, _| {
                a.received_date = Some(d("2026-04-30"));
            },
        ),
        ("request records range", "DOMAIN 4.5 (scope)", |_, r| {
            r.records_from = Some(d("2026-03-31"));
            r.records_to = Some(d("2026-03-02"));
        }),
    ];
    for (what, rule, f) in cases {
        let (mut a, mut r) = baseline();
        f(&mut a, &mut r);
        let v = validate(Some(&a), &r, d(TODAY));
        let dates: Vec<&str> = v
            .problems
            .iter()
            .filter(|p| p.code == "AUTH_DATE_INVALID")
            .map(|p| p.rule)
            .collect();
        assert_eq!(dates, [rule], "{what}: {:?}", v.problems);
        assert!(!v.valid, "{what}");
    }
}

#[test]
fn roi_4_4_state_sensitive_rules_federal_floor_by_default() {
    let (a, mut r) = general_all_records();
    r.categories_present = vec![Category::Hiv, Category::Genetic];
    // Federal floor: HIV and GENETIC need no naming.
    let v = validate(Some(&a), &r, d(TODAY));
    assert!(v.valid, "{:?}", v.problems);
    assert_eq!(
        v.categories_requiring_naming,
        [Category::SudPart2, Category::Psychotherapy]
    );
    assert_eq!(v.sensitive_rules_state, None);
    // New York adds HIV: the form names MENTAL_HEALTH only.
    let v = validate_with(Some(&a), &r, d(TODAY), &ny());
    assert_eq!(codes(&v), ["AUTH_SENSITIVE_NOT_SPECIFIED"]);
    assert_eq!(v.excluded_categories, [Category::Hiv]);
    assert_eq!(v.sensitive_rules_state.as_deref(), Some("NY"));
    // A state with no entry keeps the federal floor; no rule removes it.
    let tx = SensitiveRules::for_state("NY:HIV", "TX").unwrap();
    assert_eq!(
        tx.categories(),
        [Category::SudPart2, Category::Psychotherapy]
    );
    let empty = SensitiveRules::for_state("NY:", "NY").unwrap();
    assert!(empty.needs_naming(Category::SudPart2) && empty.needs_naming(Category::Psychotherapy));
    // Bad settings name the part.
    for bad in ["NY HIV", "NEW:HIV", "NY:HIV;NY:GENETIC", "NY:AIDS"] {
        let err = chartdesk::roi::category::parse_state_rules(bad).unwrap_err();
        assert!(
            err.contains(bad.split(';').next_back().unwrap_or(bad)) || err.contains("NY"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn roi_part2_subpart_e_naming_sud_is_not_consent_to_proceedings() {
    let (mut a, mut r) = baseline();
    r.requester_type = RequesterType::Subpoena; // no satisfactory assurance: rests on the form
    r.categories_present = vec![Category::SudPart2];
    a.sensitive_categories_named.push(Category::SudPart2);
    a.part2 = Some(Part2Consent {
        patient_name: Some("Dana Whitfield".into()),
        program: Some("Riverside Recovery Program".into()),
        sud_description: Some("SUD treatment notes, 2026".into()),
    });
    let v = validate(Some(&a), &r, d(TODAY));
    assert_eq!(codes(&v), ["AUTH_PART2_NONCOMPLIANT"]);
    assert_eq!(v.problems[0].rule, "42 CFR 2.31(d), Part 2 Subpart E");
    a.part2_proceedings = true;
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
    // The attorney's ordinary request does not need it.
    r.requester_type = RequesterType::Auth3p;
    a.part2_proceedings = false;
    assert!(validate(Some(&a), &r, d(TODAY)).valid);
}
