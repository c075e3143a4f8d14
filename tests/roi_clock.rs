//! ROI-01/02 access clock, ROI-04 fees, AOD-01/02/05; dates computed by hand.

use chartdesk::roi::accounting::{self, Disclosure, DisclosurePurpose};
use chartdesk::roi::clock::{self, ClockSettings, Extension, Hold};
use chartdesk::roi::fees::{FeeInput, FeeMethod, OCR_FLAT_CENTS, access_fee};
use chartdesk::roi::{Conditions, RequesterType, RoiError};
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn ext(days: u32, notice: &str) -> Extension {
    Extension {
        days,
        reason: "records stored off site".into(),
        notice_sent: d(notice),
    }
}

// ---- ROI-01 -------------------------------------------------------------------------

#[test]
fn roi_01_receipt_is_day_zero() {
    let s = ClockSettings::default();
    assert_eq!(
        clock::initial_due(d("2026-01-01"), &s).unwrap(),
        d("2026-01-31")
    );
    assert_eq!(
        clock::initial_due(d("2026-02-10"), &s).unwrap(),
        d("2026-03-12")
    );
    // Leap year: 2028-02-15 + 30 = 2028-03-16.
    assert_eq!(
        clock::initial_due(d("2028-02-15"), &s).unwrap(),
        d("2028-03-16")
    );
}

#[test]
fn roi_01_stricter_state_setting() {
    let s = ClockSettings {
        access_due_days: 15,
        ..ClockSettings::default()
    };
    assert_eq!(
        clock::initial_due(d("2026-01-01"), &s).unwrap(),
        d("2026-01-16")
    );
    for bad in [0, 31] {
        let s = ClockSettings {
            access_due_days: bad,
            ..ClockSettings::default()
        };
        assert!(matches!(
            clock::initial_due(d("2026-01-01"), &s),
            Err(RoiError::Setting {
                setting: "access_due_days",
                ..
            })
        ));
    }
}

#[test]
fn roi_01_one_extension_of_at_most_30_days() {
    let s = ClockSettings::default();
    let st = |e: &Extension| {
        clock::status(
            RequesterType::SelfAccess,
            d("2026-01-01"),
            &s,
            Some(e),
            &[],
            d("2026-01-20"),
        )
    };
    // 2026-01-31 + 30 = 2026-03-02.
    assert_eq!(st(&ext(30, "2026-01-20")).unwrap().due, d("2026-03-02"));
    // Notice on the initial due date is still within the first 30 days.
    assert_eq!(st(&ext(10, "2026-01-31")).unwrap().due, d("2026-02-10"));
    assert!(matches!(
        st(&ext(10, "2026-02-01")),
        Err(RoiError::ExtensionNoticeLate { .. })
    ));
    assert!(matches!(
        st(&ext(31, "2026-01-20")),
        Err(RoiError::ExtensionTooLong {
            days: 31,
            max: 30,
            ..
        })
    ));
    assert!(matches!(
        st(&ext(10, "2025-12-31")),
        Err(RoiError::ExtensionNoticeBeforeReceipt { .. })
    ));
    let mut no_reason = ext(10, "2026-01-20");
    no_reason.reason = " ".into();
    assert!(matches!(
        st(&no_reason),
        Err(RoiError::ExtensionReasonMissing { .. })
    ));
}

#[test]
fn roi_01_state_may_shorten_the_extension() {
    let s = ClockSettings {
        max_extension_days: 15,
        ..ClockSettings::default()
    };
    let r = clock::status(
        RequesterType::SelfAccess,
        d("2026-01-01"),
        &s,
        Some(&ext(20, "2026-01-05")),
        &[],
        d("2026-01-05"),
    );
    assert!(matches!(
        r,
        Err(RoiError::ExtensionTooLong {
            days: 20,
            max: 15,
            ..
        })
    ));
}

#[test]
fn roi_01_days_left_and_overdue() {
    let s = ClockSettings::default();
    let at = |today| {
        clock::status(
            RequesterType::SelfAccess,
            d("2026-01-01"),
            &s,
            None,
            &[],
            d(today),
        )
        .unwrap()
    };
    assert_eq!(
        (at("2026-01-11").days_left, at("2026-01-11").overdue),
        (20, false)
    );
    assert_eq!(
        (at("2026-01-31").days_left, at("2026-01-31").overdue),
        (0, false)
    );
    assert_eq!(
        (at("2026-02-01").days_left, at("2026-02-01").overdue),
        (-1, true)
    );
}

// ---- ROI-02 -------------------------------------------------------------------------

#[test]
fn roi_02_access_clock_never_pauses() {
    let s = ClockSettings::default();
    let holds = [Hold {
        from: d("2026-01-05"),
        until: Some(d("2026-01-12")),
    }];
    for t in [
        RequesterType::SelfAccess,
        RequesterType::PersRep,
        RequesterType::Directive,
    ] {
        let st = clock::status(t, d("2026-01-01"), &s, None, &holds, d("2026-01-20")).unwrap();
        assert_eq!((st.due, st.paused_days), (d("2026-01-31"), 0), "{t}");
    }
}

#[test]
fn roi_02_other_requests_pause_on_hold() {
    let s = ClockSettings::default();
    // [01-05, 01-12) = 7 days: 2026-01-31 + 7 = 2026-02-07.
    let holds = [Hold {
        from: d("2026-01-05"),
        until: Some(d("2026-01-12")),
    }];
    let st = clock::status(
        RequesterType::Payer,
        d("2026-01-01"),
        &s,
        None,
        &holds,
        d("2026-01-20"),
    )
    .unwrap();
    assert_eq!(
        (st.due, st.paused_days, st.days_left),
        (d("2026-02-07"), 7, 18)
    );
    let off = ClockSettings {
        pause_on_hold_non_access: false,
        ..s
    };
    let st = clock::status(
        RequesterType::Payer,
        d("2026-01-01"),
        &off,
        None,
        &holds,
        d("2026-01-20"),
    )
    .unwrap();
    assert_eq!(st.due, d("2026-01-31"));
}

#[test]
fn roi_02_open_and_overlapping_holds() {
    // Open hold from 01-20, today 01-25: 5 days.
    let open = [Hold {
        from: d("2026-01-20"),
        until: None,
    }];
    assert_eq!(clock::paused_days(&open, d("2026-01-25")), 5);
    // [01-05, 01-10) and [01-08, 01-12) cover 01-05..01-11: 7 days.
    let overlap = [
        Hold {
            from: d("2026-01-08"),
            until: Some(d("2026-01-12")),
        },
        Hold {
            from: d("2026-01-05"),
            until: Some(d("2026-01-10")),
        },
    ];
    assert_eq!(clock::paused_days(&overlap, d("2026-02-01")), 7);
    // A hold ending in the future counts only to today.
    let future = [Hold {
        from: d("2026-01-05"),
        until: Some(d("2026-03-01")),
    }];
    assert_eq!(clock::paused_days(&future, d("2026-01-08")), 3);
    assert!(clock::clock_pauses(
        RequesterType::CourtOrder,
        &ClockSettings::default()
    ));
}

// ---- ROI-04 -------------------------------------------------------------------------

fn fee_input(t: RequesterType, method: FeeMethod) -> FeeInput {
    FeeInput {
        requester_type: t,
        class: None,
        method,
        electronic_copy_of_electronic_records: true,
        labor_cents: 1200,
        supplies_cents: 300,
        postage_cents: 0,
        summary_cents: 0,
        search_retrieval_cents: 2500,
        flat_cents: 1000,
        state_cap_cents: None,
    }
}

#[test]
fn roi_04_flat_fee_for_individual_is_at_most_650() {
    let f = access_fee(&fee_input(RequesterType::SelfAccess, FeeMethod::Flat)).unwrap();
    assert_eq!(f.cents, OCR_FLAT_CENTS);
    assert_eq!(f.rule, "45 CFR 164.524(c)(4)");
    let mut paper = fee_input(RequesterType::PersRep, FeeMethod::Flat);
    paper.electronic_copy_of_electronic_records = false;
    assert_eq!(access_fee(&paper), Err(RoiError::FlatFeeNotElectronic));
}

#[test]
fn roi_04_individual_never_pays_search_and_retrieval() {
    let f = access_fee(&fee_input(RequesterType::SelfAccess, FeeMethod::Actual)).unwrap();
    assert_eq!(f.cents, 1500);
    assert!(f.lines.iter().all(|l| l.label != "search and retrieval"));
    assert!(f.notes.iter().any(|n| n.contains("search and retrieval")));
}

#[test]
fn roi_04_third_party_directive_not_capped_ciox() {
    let f = access_fee(&fee_input(RequesterType::Directive, FeeMethod::Flat)).unwrap();
    assert_eq!(f.cents, 1000);
    assert!(f.rule.contains("Ciox"));
    let f = access_fee(&fee_input(
        RequesterType::Directive,
        FeeMethod::AverageSchedule,
    ))
    .unwrap();
    assert_eq!(f.cents, 4000);
}

#[test]
fn roi_04_state_schedule_caps_every_requester() {
    for t in [RequesterType::SelfAccess, RequesterType::Auth3p] {
        let mut i = fee_input(t, FeeMethod::Actual);
        i.state_cap_cents = Some(1000);
        let f = access_fee(&i).unwrap();
        assert_eq!(f.cents, 1000, "{t}");
    }
}

// ---- AOD-01 -------------------------------------------------------------------------

#[test]
fn aod_01_six_year_window() {
    let w = |on, from: Option<&str>| accounting::window(d(on), from.map(d)).unwrap();
    assert_eq!(w("2026-04-10", None), (d("2020-04-10"), d("2026-04-10")));
    assert_eq!(w("2026-04-10", Some("2024-01-01")).0, d("2024-01-01"));
    assert_eq!(w("2026-04-10", Some("2019-01-01")).0, d("2020-04-10"));
    // Feb 29 minus six years falls on Feb 28.
    assert_eq!(w("2024-02-29", None).0, d("2018-02-28"));
    // Never before the compliance date.
    assert_eq!(w("2008-06-01", None).0, d("2003-04-14"));
}

// ---- AOD-02 -------------------------------------------------------------------------

fn disclosure(purpose: DisclosurePurpose, t: Option<RequesterType>) -> Disclosure {
    Disclosure {
        disclosed_on: d("2025-05-01"),
        purpose,
        requester_type: t,
        conditions: Conditions::default(),
        part2: false,
    }
}

#[test]
fn aod_02_exclusions_by_purpose() {
    use DisclosurePurpose::*;
    let cases = [
        (Treatment, Some("AOD_EXCL_TPO")),
        (Payment, Some("AOD_EXCL_TPO")),
        (Operations, Some("AOD_EXCL_TPO")),
        (ToIndividual, Some("AOD_EXCL_TO_INDIVIDUAL")),
        (Incidental, Some("AOD_EXCL_INCIDENTAL")),
        (Authorization, Some("AOD_EXCL_AUTHORIZATION")),
        (DirectoryOrCare, Some("AOD_EXCL_DIRECTORY_OR_CARE")),
        (NationalSecurity, Some("AOD_EXCL_NATIONAL_SECURITY")),
        (Custody, Some("AOD_EXCL_CUSTODY")),
        (LimitedDataSet, Some("AOD_EXCL_LIMITED_DATA_SET")),
        (Other, None),
    ];
    for (p, want) in cases {
        let got = accounting::exclusion(&disclosure(p, None)).map(|e| e.code);
        assert_eq!(got, want, "{p}");
    }
}

#[test]
fn aod_02_exclusions_by_requester_type() {
    use RequesterType::*;
    let cases = [
        (SelfAccess, Some("AOD_EXCL_TO_INDIVIDUAL")),
        (Directive, Some("AOD_EXCL_TO_INDIVIDUAL")),
        (ProviderTx, Some("AOD_EXCL_TPO")),
        (Payer, Some("AOD_EXCL_TPO")),
        (Auth3p, Some("AOD_EXCL_AUTHORIZATION")),
        (Research, Some("AOD_EXCL_AUTHORIZATION")),
        (PublicHealth, None),
        (CourtOrder, None),
        (WorkersComp, None),
    ];
    for (t, want) in cases {
        let got =
            accounting::exclusion(&disclosure(DisclosurePurpose::Other, Some(t))).map(|e| e.code);
        assert_eq!(got, want, "{t}");
    }
    let mut waiver = disclosure(DisclosurePurpose::Other, Some(Research));
    waiver.conditions.irb_waiver = true;
    assert_eq!(accounting::exclusion(&waiver), None);
}

#[test]
fn aod_02_part2_always_accountable_but_not_before_2003() {
    let mut x = disclosure(
        DisclosurePurpose::Treatment,
        Some(RequesterType::ProviderTx),
    );
    x.part2 = true;
    assert_eq!(accounting::exclusion(&x), None);
    x.disclosed_on = d("2003-04-13");
    assert_eq!(
        accounting::exclusion(&x).map(|e| e.rule),
        Some("45 CFR 164.528(a)(1)(ix)")
    );
}

// ---- AOD-05 -------------------------------------------------------------------------

#[test]
fn aod_05_sixty_days_and_one_extension() {
    // 2026-01-01 + 60 = 2026-03-02; + 30 = 2026-04-01.
    assert_eq!(
        accounting::due(d("2026-01-01"), None).unwrap(),
        d("2026-03-02")
    );
    let e = ext(30, "2026-02-20");
    assert_eq!(
        accounting::due(d("2026-01-01"), Some(&e)).unwrap(),
        d("2026-04-01")
    );
    let late = ext(30, "2026-03-03");
    assert!(matches!(
        accounting::due(d("2026-01-01"), Some(&late)),
        Err(RoiError::ExtensionNoticeLate {
            rule: "45 CFR 164.528(c)(1)",
            ..
        })
    ));
    let long = ext(31, "2026-02-20");
    assert!(matches!(
        accounting::due(d("2026-01-01"), Some(&long)),
        Err(RoiError::ExtensionTooLong { max: 30, .. })
    ));
}

#[test]
fn aod_05_first_accounting_in_twelve_months_is_free() {
    let f = accounting::fee(d("2026-04-10"), &[], 2500).unwrap();
    assert!(f.free && f.cents == 0 && !f.notice_required);
    let f = accounting::fee(d("2026-04-10"), &[d("2025-06-01")], 2500).unwrap();
    assert!(!f.free && f.cents == 2500 && f.notice_required);
    // Exactly twelve months earlier no longer counts.
    let f = accounting::fee(d("2026-04-10"), &[d("2025-04-10")], 2500).unwrap();
    assert!(f.free);
    let f = accounting::fee(d("2026-04-10"), &[d("2025-04-11")], 2500).unwrap();
    assert!(!f.free);
}

// ---- AOD-06 -------------------------------------------------------------------------

#[test]
fn aod_06_oral_suspension_lasts_at_most_30_days() {
    use accounting::Suspension;
    let mut s = Suspension {
        agency: "State Medicaid Fraud Control Unit".into(),
        request_id: Some(7),
        start: d("2026-01-01"),
        end: d("2026-06-30"),
        written: false,
    };
    // 2026-01-01 + 30 = 2026-01-31.
    assert_eq!(s.last_day().unwrap(), d("2026-01-31"));
    assert!(s.in_force(d("2026-01-31")).unwrap());
    assert!(!s.in_force(d("2026-02-01")).unwrap());
    assert!(!s.in_force(d("2025-12-31")).unwrap());
    s.written = true;
    assert_eq!(s.last_day().unwrap(), d("2026-06-30"));
    assert!(s.in_force(d("2026-02-01")).unwrap());
}

#[test]
fn roi_04_fee_class_per_requester_type() {
    use RequesterType::*;
    use chartdesk::roi::fees::{FeeClass, fee_class, parse_fee_classes};
    for (t, want) in [
        (SelfAccess, FeeClass::Individual),
        (PersRep, FeeClass::Individual),
        (ProviderTx, FeeClass::NoCharge),
        (PublicHealth, FeeClass::NoCharge),
        (Auth3p, FeeClass::StateSchedule),
        (Directive, FeeClass::StateSchedule),
        (CourtOrder, FeeClass::StateSchedule),
    ] {
        assert_eq!(fee_class("", t), Ok(want), "{t}");
    }
    assert_eq!(
        fee_class("AUTH_3P=NONE", Auth3p),
        Ok(FeeClass::NoCharge),
        "a facility may waive"
    );
    let err = parse_fee_classes("SELF=STATE_SCHEDULE").unwrap_err();
    assert!(err.contains("164.524(c)(4)"), "{err}");
    assert!(parse_fee_classes("NOBODY=NONE").is_err());
    assert!(parse_fee_classes("PAYER=CHEAP").is_err());
    // A provider and public health are not charged the attorney's base fee.
    for t in [ProviderTx, PublicHealth] {
        let f = access_fee(&fee_input(t, FeeMethod::AverageSchedule)).unwrap();
        assert_eq!(f.cents, 0, "{t}");
        assert!(f.lines.is_empty());
    }
}

#[test]
fn roi_04_invoice_cites_164_524_c_4_only_for_the_individual() {
    let own = access_fee(&fee_input(RequesterType::SelfAccess, FeeMethod::Actual)).unwrap();
    assert!(own.basis_note.contains("164.524(c)(4)"));
    assert!(own.basis_note.contains("individual"));
    let directive = access_fee(&fee_input(RequesterType::Directive, FeeMethod::Actual)).unwrap();
    assert!(
        directive.basis_note.contains("Ciox"),
        "{}",
        directive.basis_note
    );
    assert!(
        !directive
            .basis_note
            .contains("never charged to the individual")
    );
    let attorney = access_fee(&fee_input(RequesterType::Auth3p, FeeMethod::Actual)).unwrap();
    assert!(
        !attorney.basis_note.contains("164.524"),
        "{}",
        attorney.basis_note
    );
    assert!(!attorney.rule.contains("164.524"), "{}", attorney.rule);
}

#[test]
fn aod_02_164_528_a_1_ii_own_copy_never_accountable_even_with_part2() {
    for t in [RequesterType::SelfAccess, RequesterType::PersRep] {
        let mut x = disclosure(DisclosurePurpose::ToIndividual, Some(t));
        x.part2 = true;
        assert_eq!(
            accounting::exclusion(&x).map(|e| e.code),
            Some("AOD_EXCL_TO_INDIVIDUAL"),
            "{t}: 42 CFR 2.25 concerns disclosures made with consent, not patient access"
        );
    }
    // A copy sent to a third party at the individual's direction carries Part 2 records
    // under consent: 42 CFR 2.25 counts it.
    let mut x = disclosure(
        DisclosurePurpose::ToIndividual,
        Some(RequesterType::Directive),
    );
    x.part2 = true;
    assert_eq!(accounting::exclusion(&x), None);
}

#[test]
fn aod_06_164_528_a_2_suspension_only_oversight_or_law_enforcement_request() {
    use accounting::Suspension;
    let s = Suspension {
        agency: "Anyone".into(),
        request_id: Some(7),
        start: d("2026-01-01"),
        end: d("2026-06-30"),
        written: true,
    };
    assert!(s.covers(Some(7), Some(RequesterType::Oversight)));
    assert!(s.covers(Some(7), Some(RequesterType::LawEnf)));
    assert!(
        !s.covers(Some(7), Some(RequesterType::PublicHealth)),
        "a public-health registry is never suspended"
    );
    assert!(
        !s.covers(Some(8), Some(RequesterType::Oversight)),
        "tied to the agency's own request, not its name"
    );
    let untied = Suspension {
        request_id: None,
        ..s
    };
    assert!(!untied.covers(None, Some(RequesterType::Oversight)));
}
