//! Every `chartdesk report …` rendering (table, CSV, JSON) of one deterministic data set (demo
//! seed 11, analysed, clock fixed), byte for byte: a change to the renderer that moves one
//! character of any report's output shows as a snapshot diff.

use std::sync::Arc;

use chartdesk::audit::Actor;
use chartdesk::break_glass::SensitiveOpen;
use chartdesk::deficiency::cutover::DataQualityRow;
use chartdesk::deficiency::ops::{self, AnalyzeScope};
use chartdesk::deficiency::rereview::RereviewRow;
use chartdesk::report::data_quality::DataQuality;
use chartdesk::report::outcomes::GroupBy;
use chartdesk::report::privacy::Privacy;
use chartdesk::report::productivity::{
    Excluded, Productivity, Target, Unit, UnitLine, UserProductivity,
};
use chartdesk::report::rereview::Rereview;
use chartdesk::report::{Format, Report, Request, run};
use chartdesk::report_cli::render;
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn every_report_renders_as_before_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("golden.db")).expect("open");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 15, 0, 0)
        .single()
        .expect("instant");
    store.set_clock(Arc::new(move || now));
    let actor = Actor::system("test");
    chartdesk::demo::generate(
        &mut store,
        &actor,
        &chartdesk::demo::GenSpec {
            seed: 11,
            encounters: 160,
            today: now.date_naive(),
        },
    )
    .expect("demo data");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed).expect("analyse");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Awaiting).expect("analyse");

    let requests: Vec<(&str, Request)> = vec![
        ("deficiencies", Request::Deficiencies { as_of: None }),
        (
            "deficiencies_past",
            Request::Deficiencies {
                as_of: day(2026, 10, 15),
            },
        ),
        ("delinquency", Request::Delinquency { as_of: None }),
        ("dnfb", Request::Dnfb { as_of: None }),
        (
            "dnfb_past",
            Request::Dnfb {
                as_of: day(2026, 10, 1),
            },
        ),
        (
            "coding",
            Request::Coding {
                from: day(2026, 7, 1),
                to: day(2026, 11, 20),
            },
        ),
        (
            "roi",
            Request::Roi {
                from: day(2026, 7, 1),
                to: day(2026, 11, 20),
            },
        ),
        ("data_quality", Request::DataQuality { rule: None }),
        (
            "letters",
            Request::Letters {
                level: 1,
                as_of: None,
            },
        ),
        ("suspension", Request::Suspension { as_of: None }),
        (
            "privacy",
            Request::Privacy {
                from: day(2026, 7, 1),
                to: day(2026, 11, 20),
            },
        ),
        (
            "rereview",
            Request::Rereview {
                desk: "coding".into(),
            },
        ),
        (
            "provider_letter",
            Request::ProviderLetter {
                provider: "1".into(),
                csv: false,
            },
        ),
        (
            "outcomes",
            Request::Outcomes {
                from: day(2026, 7, 1),
                to: day(2026, 11, 20),
                by: GroupBy::Service,
                key: None,
            },
        ),
        (
            "outcomes_month",
            Request::Outcomes {
                from: day(2026, 7, 1),
                to: day(2026, 11, 20),
                by: GroupBy::Month,
                key: None,
            },
        ),
        (
            "outcomes_drill",
            Request::Outcomes {
                from: day(2026, 7, 1),
                to: day(2026, 11, 20),
                by: GroupBy::Service,
                key: Some("Medicine".into()),
            },
        ),
    ];
    let mut rows_seen = 0;
    for (name, req) in requests {
        let out = run(&mut store, &actor, req).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (format, suffix) in [
            (Format::Table, "table"),
            (Format::Csv, "csv"),
            (Format::Json, "json"),
        ] {
            let text = render(&out.report, format).unwrap_or_else(|e| panic!("{name}: {e}"));
            if format == Format::Csv {
                rows_seen += text.lines().count().saturating_sub(1);
            }
            insta::assert_snapshot!(format!("{name}_{suffix}"), text);
        }
    }
    assert!(
        rows_seen > 50,
        "the data set exercises the rows: {rows_seen}"
    );
}

/// The reports the demo data leaves empty (break-the-glass opens, re-review flags, implausible
/// encounters, productivity with hours entered), rendered from hand-made rows, one with text that the sanitiser and the CSV
/// writer must treat.
#[test]
fn hand_made_rows_render_as_before_in_every_format() {
    let opens = vec![
        SensitiveOpen {
            id: 1,
            opened_at: "2026-11-02T09:15:00".into(),
            username: "sam".into(),
            role: "supervisor".into(),
            mrn: "MRN0000001".into(),
            document_id: 7,
            labels: "psychotherapy,sud".into(),
            purpose: "TREAT".into(),
            reason: "on call, \"urgent\"".into(),
        },
        SensitiveOpen {
            id: 2,
            opened_at: "2026-11-03T22:00:00".into(),
            username: "=evil\u{1b}[31m".into(),
            role: "coder".into(),
            mrn: "MRN0000002".into(),
            document_id: 12,
            labels: "hiv".into(),
            purpose: "HPAYMT".into(),
            reason: "audit\nsecond line".into(),
        },
    ];
    let flags = vec![RereviewRow {
        id: 3,
        encounter_id: 44,
        visit_number: "V0000044".into(),
        mrn: "MRN0000009".into(),
        document_id: 90,
        document: "Discharge summary, amended".into(),
        desk: "coding".into(),
        reason: "+late addendum".into(),
        flagged_at: "2026-11-05T08:00:00".into(),
    }];
    let implausible = vec![
        DataQualityRow {
            rule: "DQ-01".into(),
            encounter_id: 5,
            visit_number: "V0000005".into(),
            mrn: "MRN0000003".into(),
            kind: "inpatient".into(),
            admit_at: "2026-11-10T08:00:00".into(),
            discharge_at: Some("2026-11-09T08:00:00".into()),
            detail: "discharge before admission".into(),
            found_at: "2026-11-20T06:00:00".into(),
        },
        DataQualityRow {
            rule: "DQ-02".into(),
            encounter_id: 6,
            visit_number: "V0000006".into(),
            mrn: "MRN0000004".into(),
            kind: "outpatient".into(),
            admit_at: "2026-11-11T08:00:00".into(),
            discharge_at: None,
            detail: "no discharge, 400 days".into(),
            found_at: "2026-11-20T06:00:00".into(),
        },
    ];
    let line = |unit: Unit, units: i64, hours: Option<f64>, target: f64| {
        let per_hour = hours.map(|h| units as f64 / h);
        UnitLine {
            unit,
            units,
            per_hour,
            target,
            percent_of_target: per_hour.map(|r| r / target * 100.0),
        }
    };
    let productivity = Productivity {
        from: NaiveDate::from_ymd_opt(2026, 11, 16).expect("d"),
        to: NaiveDate::from_ymd_opt(2026, 11, 20).expect("d"),
        targets: Unit::ALL
            .iter()
            .zip([12.0, 2.5, 10.0, 4.0, 120.0])
            .map(|(&unit, per_hour)| Target {
                unit,
                setting: unit.key().name(),
                per_hour,
            })
            .collect(),
        users: vec![
            UserProductivity {
                user: "coder".into(),
                role: "coder".into(),
                hours: Some(30.5),
                units: vec![
                    line(Unit::InpatientCoded, 61, Some(30.5), 2.5),
                    line(Unit::OutpatientCoded, 140, Some(30.5), 10.0),
                ],
                target_hours_earned: 61.0 / 2.5 + 140.0 / 10.0,
                percent_of_target: Some((61.0 / 2.5 + 140.0 / 10.0) / 30.5 * 100.0),
            },
            UserProductivity {
                user: "=a.very.long.username\u{1b}[31m".into(),
                role: "technician".into(),
                hours: None,
                units: vec![line(Unit::RecordsAnalyzed, 37, None, 12.0)],
                target_hours_earned: 37.0 / 12.0,
                percent_of_target: None,
            },
            UserProductivity {
                user: "roi".into(),
                role: "roi".into(),
                hours: Some(8.0),
                units: vec![
                    line(Unit::RequestsReleased, 0, Some(8.0), 4.0),
                    line(Unit::PagesReleased, 0, Some(8.0), 120.0),
                ],
                target_hours_earned: 0.0,
                percent_of_target: Some(0.0),
            },
        ],
        hours_not_entered: vec!["=a.very.long.username\u{1b}[31m".into()],
        excluded: vec![Excluded {
            actor: "system:analysis".into(),
            unit: Unit::RecordsAnalyzed,
            units: 120,
        }],
    };
    let no_work = Productivity {
        users: vec![],
        hours_not_entered: vec![],
        excluded: vec![],
        ..productivity.clone()
    };
    let reports = [
        ("hand_productivity", Report::Productivity(productivity)),
        ("hand_productivity_empty", Report::Productivity(no_work)),
        (
            "hand_privacy",
            Report::Privacy(Privacy {
                from: NaiveDate::from_ymd_opt(2026, 11, 1).expect("d"),
                to: NaiveDate::from_ymd_opt(2026, 11, 30).expect("d"),
                total: opens.len(),
                opens,
            }),
        ),
        (
            "hand_rereview",
            Report::Rereview(Rereview {
                desk: "coding".into(),
                total: flags.len(),
                flags,
            }),
        ),
        (
            "hand_data_quality",
            Report::DataQuality(DataQuality {
                cutover: "2026-01-01".into(),
                history_encounters: 17,
                total: implausible.len(),
                implausible,
            }),
        ),
    ];
    for (name, report) in &reports {
        for (format, suffix) in [
            (Format::Table, "table"),
            (Format::Csv, "csv"),
            (Format::Json, "json"),
        ] {
            let text = render(report, format).unwrap_or_else(|e| panic!("{name}: {e}"));
            insta::assert_snapshot!(format!("{name}_{suffix}"), text);
        }
    }
}
