//! One table-driven test per rule id (DOMAIN §2.1).

use chrono::NaiveDateTime;

use super::rules::*;
use crate::domain::{DocStatus, EncounterKind};

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time")
}

fn enc(kind: EncounterKind, service: &str, admit: &str, discharge: &str) -> EncounterFacts {
    EncounterFacts {
        id: 1,
        kind,
        service: service.into(),
        admit_at: t(admit),
        discharge_at: Some(t(discharge)),
        attending_id: Some(10),
        or_procedure_count: 0,
        consult_orders: vec![],
        disposition: Some("home".into()),
    }
}

fn doc(id: i64, loinc: &str, at: &str, status: DocStatus) -> DocFacts {
    DocFacts {
        id,
        doc_type: loinc.into(),
        title: crate::domain::doc_type_name(loinc).into(),
        author_id: Some(20 + id),
        cosigner_id: None,
        status,
        service_at: t(at),
        signed_at: status.is_signed().then(|| t(at)),
        cosigned_at: None,
        body_len: 100,
        superseded: false,
        has_final_dx: true,
    }
}

use DocStatus::{Dictated, Incomplete, Signed};
use EncounterKind::{Emergency, Inpatient, Observation, Outpatient};

/// A complete 2-day medical stay: H&P, progress note, discharge summary, all signed.
fn complete_medical() -> (EncounterFacts, Vec<DocFacts>) {
    (
        enc(
            Inpatient,
            "Medicine",
            "2026-11-01 08:00",
            "2026-11-03 12:00",
        ),
        vec![
            doc(1, LOINC_HP, "2026-11-01 10:00", Signed),
            doc(2, LOINC_PN, "2026-11-02 09:00", Signed),
            doc(3, LOINC_DS, "2026-11-03 11:00", Signed),
        ],
    )
}

fn kinds(f: &[Finding]) -> Vec<(&'static str, &'static str, String)> {
    f.iter().map(|f| (f.rule, f.kind, f.slot.clone())).collect()
}

#[test]
fn complete_record_has_no_findings() {
    let (e, d) = complete_medical();
    assert_eq!(kinds(&analyze(&e, &d, &RuleSet::default())), vec![]);
}

#[test]
fn req_hp() {
    let rules = RuleSet::default();
    type Case = (
        &'static str,
        Option<&'static str>,
        Vec<(&'static str, &'static str, String)>,
    );
    let cases: Vec<Case> = vec![
        ("missing", None, vec![("REQ-HP", "MISS_HP", "hp".into())]),
        (
            "29 days before is inside",
            Some("2026-10-03 09:00"),
            vec![("REQ-HPU", "HP_UPDATE", "hp_update".into())],
        ),
        (
            "31 days before is outside",
            Some("2026-09-30 09:00"),
            vec![("REQ-HP", "HP_TIMING", "hp".into())],
        ),
        ("23h after is inside", Some("2026-11-02 07:00"), vec![]),
        (
            "25h after is outside",
            Some("2026-11-02 09:00"),
            vec![("REQ-HP", "HP_TIMING", "hp".into())],
        ),
    ];
    for (name, hp_at, want) in cases {
        let (e, mut d) = complete_medical();
        d.retain(|x| x.doc_type != LOINC_HP);
        if let Some(at) = hp_at {
            d.push(doc(9, LOINC_HP, at, Signed));
        }
        assert_eq!(kinds(&analyze(&e, &d, &rules)), want, "{name}");
    }
}

#[test]
fn req_hp_must_precede_the_procedure() {
    let mut e = enc(Inpatient, "Surgery", "2026-11-01 06:00", "2026-11-03 12:00");
    e.or_procedure_count = 1;
    let d = vec![
        doc(1, LOINC_CONSENT, "2026-11-01 06:30", Signed),
        doc(2, LOINC_OP, "2026-11-01 07:00", Signed),
        doc(3, LOINC_HP, "2026-11-01 09:00", Signed),
        doc(4, LOINC_PN, "2026-11-02 09:00", Signed),
        doc(5, LOINC_DS, "2026-11-03 11:00", Signed),
    ];
    assert_eq!(
        kinds(&analyze(&e, &d, &RuleSet::default())),
        vec![("REQ-HP", "HP_TIMING", "hp".into())]
    );
}

#[test]
fn req_hpu() {
    let (e, mut d) = complete_medical();
    d[0].service_at = t("2026-10-25 10:00");
    assert_eq!(
        kinds(&analyze(&e, &d, &RuleSet::default())),
        vec![("REQ-HPU", "HP_UPDATE", "hp_update".into())]
    );
    let mut update = doc(7, LOINC_PN, "2026-11-01 12:00", Signed);
    update.title = "H&P update note".into();
    d.push(update);
    assert_eq!(kinds(&analyze(&e, &d, &RuleSet::default())), vec![]);
}

#[test]
fn req_ds() {
    let rules = RuleSet::default();
    let (e, mut d) = complete_medical();
    d.retain(|x| x.doc_type != LOINC_DS);
    assert_eq!(
        kinds(&analyze(&e, &d, &rules)),
        vec![("REQ-DS", "MISS_DS", "ds".into())]
    );
    // A stay under ds_short_stay_hours may close with a final progress note on discharge day.
    let short = enc(
        Inpatient,
        "Medicine",
        "2026-11-01 08:00",
        "2026-11-02 18:00",
    );
    let d = vec![
        doc(1, LOINC_HP, "2026-11-01 09:00", Signed),
        doc(2, LOINC_PN, "2026-11-02 17:00", Signed),
    ];
    assert_eq!(kinds(&analyze(&short, &d, &rules)), vec![]);
    let d = vec![doc(1, LOINC_HP, "2026-11-01 09:00", Signed)];
    assert_eq!(
        kinds(&analyze(&short, &d, &rules)),
        vec![("REQ-DS", "MISS_DS", "ds".into())]
    );
}

#[test]
fn req_op_and_late_op() {
    let rules = RuleSet::default();
    let e = enc(Inpatient, "Surgery", "2026-11-01 06:00", "2026-11-02 12:00");
    let base = vec![
        doc(1, LOINC_HP, "2026-11-01 06:10", Signed),
        doc(2, LOINC_CONSENT, "2026-11-01 06:20", Signed),
        doc(4, LOINC_DS, "2026-11-02 11:00", Signed),
    ];
    assert_eq!(
        kinds(&analyze(&e, &base, &rules)),
        vec![("REQ-OP", "MISS_OP", "op".into())]
    );
    let mut late = doc(3, LOINC_OP, "2026-11-01 08:00", Signed);
    late.signed_at = Some(t("2026-11-02 09:00"));
    let mut d = base.clone();
    d.push(late);
    assert_eq!(
        kinds(&analyze(&e, &d, &rules)),
        vec![("REQ-OP", "LATE_OP", "3".into())]
    );
    assert_eq!(
        analyze(&e, &d, &rules)[0].provider_id,
        Some(23),
        "LATE_OP goes to the surgeon (author)"
    );
}

#[test]
fn req_consent() {
    let e = enc(
        Inpatient,
        "Orthopedics",
        "2026-11-01 06:00",
        "2026-11-02 12:00",
    );
    let d = vec![
        doc(1, LOINC_HP, "2026-11-01 06:10", Signed),
        doc(3, LOINC_OP, "2026-11-01 08:00", Signed),
        doc(2, LOINC_CONSENT, "2026-11-01 09:00", Signed),
        doc(4, LOINC_DS, "2026-11-02 11:00", Signed),
    ];
    assert_eq!(
        kinds(&analyze(&e, &d, &RuleSet::default())),
        vec![("REQ-CONSENT", "MISS_CONSENT", "consent".into())],
        "consent after the procedure does not count"
    );
}

#[test]
fn req_pn() {
    let rules = RuleSet::default();
    let e = enc(
        Inpatient,
        "Medicine",
        "2026-11-01 08:00",
        "2026-11-05 12:00",
    );
    let d = vec![
        doc(1, LOINC_HP, "2026-11-01 09:00", Signed),
        doc(2, LOINC_PN, "2026-11-03 09:00", Signed),
        doc(3, LOINC_DS, "2026-11-05 11:00", Signed),
    ];
    // Default policy (PER_CHART): one MISS_PN naming the days compactly.
    let f = analyze(&e, &d, &rules);
    assert_eq!(kinds(&f), vec![("REQ-PN", "MISS_PN", "pn".into())]);
    assert!(
        f[0].message.contains("2 day(s): 2026-11-02, 2026-11-04"),
        "{}",
        f[0].message
    );
    let per_day = RuleSet {
        progress_note_policy: PnPolicy::PerDay,
        ..RuleSet::default()
    };
    assert_eq!(
        kinds(&analyze(&e, &d, &per_day)),
        vec![
            ("REQ-PN", "MISS_PN", "pn:2026-11-02".into()),
            ("REQ-PN", "MISS_PN", "pn:2026-11-04".into())
        ]
    );
    let off = RuleSet {
        progress_note_daily: false,
        ..RuleSet::default()
    };
    assert_eq!(kinds(&analyze(&e, &d, &off)), vec![]);
}

#[test]
fn req_visit() {
    let rules = RuleSet::default();
    for (kind, note, ok) in [
        (Emergency, LOINC_ED, true),
        // Any signed provider note satisfies an ED visit (issue #13), not only 34111-5.
        (Emergency, LOINC_PN, true),
        (Emergency, LOINC_PROC, true),
        (Emergency, LOINC_CONSENT, false),
        (Outpatient, LOINC_PROC, true),
        (Observation, LOINC_HP, true),
    ] {
        let e = enc(kind, "Emergency", "2026-11-01 08:00", "2026-11-01 12:00");
        let d = vec![doc(1, note, "2026-11-01 09:00", Signed)];
        let want = if ok {
            vec![]
        } else {
            vec![("REQ-VISIT", "MISS_NOTE", "visit_note".to_string())]
        };
        assert_eq!(kinds(&analyze(&e, &d, &rules)), want, "{kind} with {note}");
    }
}

#[test]
fn req_visit_an_ed_note_without_a_disposition_is_incomplete_content_on_its_author() {
    let rules = RuleSet::default();
    let mut e = enc(
        Emergency,
        "Emergency",
        "2026-11-01 08:00",
        "2026-11-01 12:00",
    );
    let d = vec![doc(1, LOINC_ED, "2026-11-01 09:00", Signed)];
    assert_eq!(kinds(&analyze(&e, &d, &rules)), vec![]);
    for none in [None, Some("  ".to_string())] {
        e.disposition = none;
        let f = analyze(&e, &d, &rules);
        assert_eq!(
            kinds(&f),
            vec![(
                "REQ-VISIT",
                "INCOMPLETE_CONTENT",
                "ed_disposition".to_string()
            )]
        );
        assert_eq!(
            (f[0].document_id, f[0].provider_id),
            (Some(1), d[0].author_id)
        );
    }
    // Only ED visits; an outpatient visit has no disposition to record.
    let mut o = enc(Outpatient, "Clinic", "2026-11-01 08:00", "2026-11-01 12:00");
    o.disposition = None;
    let d = vec![doc(1, LOINC_PROC, "2026-11-01 09:00", Signed)];
    assert_eq!(kinds(&analyze(&o, &d, &rules)), vec![]);
}

#[test]
fn auth_sign_dictation_and_cosign() {
    let rules = RuleSet::default();
    let (e, mut d) = complete_medical();
    d[1].status = Incomplete;
    d[1].signed_at = None;
    d[2].status = Dictated;
    d[2].signed_at = None;
    d[0].cosigner_id = Some(99);
    let f = analyze(&e, &d, &rules);
    assert_eq!(
        kinds(&f),
        vec![
            ("AUTH-COSIGN", "COSIGN", "1".into()),
            ("AUTH-SIGN", "UNSIGNED", "2".into()),
            ("AUTH-SIGN", "NEEDS_TRANS", "3".into())
        ]
    );
    assert_eq!(
        f[0].provider_id,
        Some(99),
        "cosign goes to the supervising physician"
    );
    assert_eq!(f[1].provider_id, Some(22), "unsigned goes to the author");
    d[1].body_len = 0;
    assert_eq!(analyze(&e, &d, &rules)[1].kind, "NEEDS_DICT");
}

#[test]
fn req_ord() {
    let rules = RuleSet::default();
    let (e, mut d) = complete_medical();
    let mut order = doc(8, LOINC_ORDERS, "2026-11-01 08:30", Signed);
    order.signed_at = Some(t("2026-11-03 09:00"));
    d.push(order);
    assert_eq!(
        kinds(&analyze(&e, &d, &rules)),
        vec![("REQ-ORD", "ORD_UNSIGNED", "8".into())]
    );
    d[3].status = Incomplete;
    d[3].signed_at = None;
    assert_eq!(
        kinds(&analyze(&e, &d, &rules)),
        vec![("REQ-ORD", "ORD_UNSIGNED", "8".into())]
    );
}

#[test]
fn entered_in_error_documents_do_not_count() {
    let (e, mut d) = complete_medical();
    d[2].status = DocStatus::EnteredInError;
    assert_eq!(
        kinds(&analyze(&e, &d, &RuleSet::default())),
        vec![("REQ-DS", "MISS_DS", "ds".into())]
    );
}

#[test]
fn rule_matrix_is_data() {
    let (e, mut d) = complete_medical();
    d.retain(|x| x.doc_type != LOINC_DS);
    let mut rules = RuleSet::default();
    assert_eq!(analyze(&e, &d, &rules).len(), 1);
    rules
        .enabled
        .insert("inpatient".into(), vec!["REQ-HP".into()]);
    assert!(
        analyze(&e, &d, &rules).is_empty(),
        "REQ-DS switched off for inpatients"
    );
    let json = serde_json::to_string(&RuleSet::default()).expect("json");
    let back: RuleSet = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, RuleSet::default());
}

#[test]
fn req_pn_long_stay_is_one_chart_finding_or_capped_per_day() {
    // A 2008-2025 "stay" must not become thousands of deficiencies.
    let e = enc(
        Inpatient,
        "Medicine",
        "2008-01-01 08:00",
        "2025-01-01 12:00",
    );
    let d = vec![
        doc(1, LOINC_HP, "2008-01-01 09:00", Signed),
        doc(3, LOINC_DS, "2025-01-01 11:00", Signed),
    ];
    let f = analyze(&e, &d, &RuleSet::default());
    assert_eq!(f.iter().filter(|f| f.kind == "MISS_PN").count(), 1);
    assert!(
        f[0].message.contains("2008-01-02..2024-12-31"),
        "{}",
        f[0].message
    );
    let per_day = RuleSet {
        progress_note_policy: PnPolicy::PerDay,
        progress_note_day_cap: 5,
        ..RuleSet::default()
    };
    let f = analyze(&e, &d, &per_day);
    let pn: Vec<&Finding> = f.iter().filter(|f| f.kind == "MISS_PN").collect();
    assert_eq!(pn.len(), 5, "capped");
    assert_eq!(pn[0].slot, "pn:2008-01-02");
    assert!(
        pn[4].message.contains("more day(s) past the cap of 5"),
        "{}",
        pn[4].message
    );
}

#[test]
fn compact_days_joins_runs() {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    assert_eq!(
        compact_days(&[
            d("2026-11-02"),
            d("2026-11-03"),
            d("2026-11-04"),
            d("2026-11-07")
        ]),
        "2026-11-02..2026-11-04, 2026-11-07"
    );
    assert_eq!(compact_days(&[]), "");
}

#[test]
fn req_op_fires_only_on_or_procedures() {
    // A medical stay whose imported procedures were nursing care or an ECG is not surgical.
    let (mut e, d) = complete_medical();
    e.or_procedure_count = 0;
    assert_eq!(kinds(&analyze(&e, &d, &RuleSet::default())), vec![]);
    e.or_procedure_count = 1;
    assert_eq!(
        kinds(&analyze(&e, &d, &RuleSet::default())),
        vec![
            ("REQ-OP", "MISS_OP", "op".into()),
            ("REQ-CONSENT", "MISS_CONSENT", "consent".into())
        ]
    );
    let or = vec!["80146002".to_string()];
    use super::surgical::is_or_procedure;
    assert!(
        is_or_procedure("SNOMED", "80146002", "", &or),
        "appendectomy on the facility list"
    );
    assert!(
        is_or_procedure("SNOMED", "999", "387713003", &or),
        "category surgical"
    );
    assert!(
        !is_or_procedure("SNOMED", "410401003", "", &or),
        "nursing care"
    );
    assert!(!is_or_procedure("SNOMED", "29303009", "", &or), "ECG");
    assert!(!is_or_procedure("SNOMED", "371908008", "", &or), "oxygen");
    assert!(
        is_or_procedure("ICD-10-PCS", "0DTJ4ZZ", "", &[]),
        "laparoscopic appendectomy: O.R. in MS-DRG"
    );
    assert!(
        !is_or_procedure("ICD-10-PCS", "5A1955Z", "", &[]),
        "ventilation: not O.R."
    );
}

#[test]
fn req_consult() {
    let (mut e, mut d) = complete_medical();
    e.consult_orders = vec![ConsultOrder {
        order_id: 7,
        ordered_at: t("2026-11-01 12:00"),
        performer_id: Some(55),
    }];
    let f = analyze(&e, &d, &RuleSet::default());
    assert_eq!(
        kinds(&f),
        vec![("REQ-CONSULT", "MISS_CONSULT", "consult:7".into())]
    );
    assert_eq!(
        f[0].provider_id,
        Some(55),
        "MISS_CONSULT goes to the consultant"
    );
    assert_eq!(f[0].assignee, Assignee::Consultant);
    // A consult report by someone else does not answer the order; the consultant's does.
    let mut other = doc(4, LOINC_CONSULT, "2026-11-02 10:00", Signed);
    other.author_id = Some(56);
    d.push(other.clone());
    assert_eq!(analyze(&e, &d, &RuleSet::default()).len(), 1);
    if let Some(x) = d.last_mut() {
        x.author_id = Some(55);
    }
    assert_eq!(kinds(&analyze(&e, &d, &RuleSet::default())), vec![]);
}

#[test]
fn req_fdx() {
    let (e, mut d) = complete_medical();
    d[2].has_final_dx = false;
    let f = analyze(&e, &d, &RuleSet::default());
    assert_eq!(
        kinds(&f),
        vec![("REQ-FDX", "INCOMPLETE_CONTENT", "fdx:3".into())]
    );
    assert_eq!(f[0].provider_id, Some(23), "goes to the author");
    assert!(has_final_diagnosis(
        "HOSPITAL COURSE: ok\nFINAL DIAGNOSIS: Acute appendicitis\n"
    ));
    assert!(has_final_diagnosis("DISCHARGE DIAGNOSES:\n1. Pneumonia\n"));
    assert!(!has_final_diagnosis(
        "DISCHARGE DIAGNOSIS:\n\nDISPOSITION: home\n"
    ));
    assert!(!has_final_diagnosis("FINAL DIAGNOSIS: pending\n"));
    assert!(!has_final_diagnosis("Patient did well. Home."));
}

#[test]
fn superseded_notes_are_not_chased() {
    let (e, mut d) = complete_medical();
    let mut old = doc(8, LOINC_PN, "2026-11-02 08:00", Incomplete);
    old.superseded = true;
    d.push(old);
    assert_eq!(kinds(&analyze(&e, &d, &RuleSet::default())), vec![]);
}

#[test]
fn dq_plausibility_rules() {
    use super::plausibility::{Limits, check};
    let now = t("2026-12-01 00:00");
    let lim = Limits::default();
    let names = |e: &EncounterFacts, d: &[DocFacts]| -> Vec<&'static str> {
        check(e, d, now, lim).iter().map(|p| p.rule).collect()
    };
    let (e, d) = complete_medical();
    assert!(names(&e, &d).is_empty());
    let backwards = enc(
        Inpatient,
        "Medicine",
        "2026-11-05 08:00",
        "2026-11-01 12:00",
    );
    assert_eq!(names(&backwards, &[]), vec!["DQ-ORDER"]);
    let future = enc(
        Inpatient,
        "Medicine",
        "2026-11-05 08:00",
        "2027-01-01 12:00",
    );
    assert_eq!(names(&future, &[]), vec!["DQ-FUTURE"]);
    let long = enc(
        Inpatient,
        "Medicine",
        "2008-01-01 08:00",
        "2025-01-01 12:00",
    );
    assert_eq!(names(&long, &[]), vec!["DQ-LOS"]);
    let mut stray = d.clone();
    stray.push(doc(9, LOINC_PN, "2026-03-01 09:00", Signed));
    assert_eq!(names(&e, &stray), vec!["DQ-DOC-DATE"]);
}
