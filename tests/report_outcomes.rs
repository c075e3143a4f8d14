//! Patient outcomes (issue #15), on hand-computed fixtures: length of stay (same-day = 1),
//! disposition mix, 30-day all-cause readmissions as README "Patient outcomes" defines them
//! (transfers, deaths and AMA are not index stays; planned readmissions — index status 81–95 —
//! are not counted; a same-day readmission counts; a readmission in the next month counts for
//! the index month; day 31 does not count), mortality and AMA.

use chartdesk::report::outcomes::{GroupBy, Stay, group, stay_outcomes};
use chrono::{NaiveDate, NaiveDateTime};

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("fixture time")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("fixture date")
}

/// (encounter id, patient, service, admit, discharge, UB-04 status)
fn stay(id: i64, patient: i64, service: &str, admit: &str, discharge: &str, status: &str) -> Stay {
    Stay {
        encounter_id: id,
        patient_id: patient,
        visit_number: format!("V{id}"),
        mrn: format!("M{patient}"),
        service: service.into(),
        attending: format!("Dr {}", patient % 2),
        admit_at: t(admit),
        discharge_at: Some(t(discharge)),
        disposition: status.into(),
    }
}

fn fixture() -> Vec<Stay> {
    vec![
        // P1: readmitted 28 days later, in April (cross-month).
        stay(1, 1, "MED", "2026-03-01 08:00", "2026-03-05 10:00", "01"),
        stay(2, 1, "MED", "2026-04-02 09:00", "2026-04-04 09:00", "01"),
        // P2: same-day stay transferred to another acute hospital: not an index stay, so
        // the admission two days later is not a readmission.
        stay(3, 2, "MED", "2026-03-10 09:00", "2026-03-10 15:00", "02"),
        stay(4, 2, "MED", "2026-03-12 09:00", "2026-03-14 09:00", "01"),
        // P3: discharged with a planned readmission (81): the next stay is planned.
        stay(5, 3, "SURG", "2026-03-14 07:00", "2026-03-20 12:00", "81"),
        stay(6, 3, "SURG", "2026-03-25 07:00", "2026-03-28 12:00", "01"),
        // P4: readmitted the same day (day 0), then died.
        stay(7, 4, "SURG", "2026-03-15 10:00", "2026-03-18 09:00", "01"),
        stay(8, 4, "SURG", "2026-03-18 20:00", "2026-03-22 03:00", "20"),
        // P5: left against medical advice: not an index stay.
        stay(9, 5, "MED", "2026-03-01 22:00", "2026-03-03 01:00", "07"),
        stay(10, 5, "MED", "2026-03-20 22:00", "2026-03-21 01:00", "01"),
        // P6: the next admission is on day 31: not a readmission.
        stay(11, 6, "SURG", "2026-03-27 10:00", "2026-03-30 10:00", "01"),
        stay(12, 6, "SURG", "2026-04-30 08:00", "2026-05-02 08:00", "01"),
    ]
}

#[test]
fn march_by_month_hand_computed() {
    let o = stay_outcomes(&fixture(), d("2026-03-01"), d("2026-03-31"), GroupBy::Month);
    let (groups, all) = group(&o);
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].group, "2026-03");
    // March discharges: 1,3,4,5,6,7,8,9,10,11 (2 and 12 leave later).
    assert_eq!(all.stays, 10);
    // LOS: 4,1(same day),2,6,3,3,4,2,1,3 = 29.
    assert_eq!(all.los_mean, Some(2.9));
    // sorted 1,1,2,2,3,3,3,4,4,6: median (3+3)/2.
    assert_eq!(all.los_median, Some(3.0));
    // Index stays: 1,4,5,6,7,10,11 (3 transfer, 8 died, 9 AMA excluded).
    assert_eq!(all.index_stays, 7);
    // Readmitted: 1 (by 2, day 28, in April) and 7 (by 8, same day). Not 5 (planned),
    // not 11 (day 31), not 3 (transfer), not 9 (AMA; and day 17 is the next index stay's).
    assert_eq!(all.readmissions, 2);
    let rate = all.readmission_rate_percent.expect("rate");
    assert!((rate - 200.0 / 7.0).abs() < 1e-9, "{rate}");
    assert_eq!(all.deaths, 1);
    assert_eq!(all.left_ama, 1);
    assert_eq!(all.dispositions.get("01"), Some(&6));
    assert_eq!(all.dispositions.get("02"), Some(&1));
    assert_eq!(all.dispositions.get("07"), Some(&1));
    assert_eq!(all.dispositions.get("20"), Some(&1));
    assert_eq!(all.dispositions.get("81"), Some(&1));
    let by_visit = |v: &str| o.iter().find(|s| s.visit_number == v).expect("stay");
    assert_eq!(by_visit("V1").readmitted_by.as_deref(), Some("V2"));
    assert_eq!(by_visit("V7").readmitted_by.as_deref(), Some("V8"));
    assert_eq!(by_visit("V5").readmitted_by, None);
    assert_eq!(by_visit("V5").planned_readmission.as_deref(), Some("V6"));
    assert_eq!(by_visit("V11").readmitted_by, None);
    assert_eq!(by_visit("V3").readmitted_by, None);
    assert!(!by_visit("V3").index_stay);
    assert_eq!(by_visit("V3").los_days, 1, "a same-day stay counts one day");
}

#[test]
fn by_service_splits_the_same_stays() {
    let o = stay_outcomes(
        &fixture(),
        d("2026-03-01"),
        d("2026-03-31"),
        GroupBy::Service,
    );
    let (groups, all) = group(&o);
    let g = |k: &str| groups.iter().find(|r| r.group == k).expect("group");
    // MED: 1,3,4,9,10; index 1,4,10; readmitted 1.
    assert_eq!(
        (g("MED").stays, g("MED").index_stays, g("MED").readmissions),
        (5, 3, 1)
    );
    // SURG: 5,6,7,8,11; index 5,6,7,11; readmitted 7; died 8.
    assert_eq!(
        (
            g("SURG").stays,
            g("SURG").index_stays,
            g("SURG").readmissions
        ),
        (5, 4, 1)
    );
    assert_eq!(g("SURG").deaths, 1);
    assert_eq!(g("MED").stays + g("SURG").stays, all.stays);
    // Drill-down: the stays behind SURG are exactly its five encounters.
    let mut surg: Vec<i64> = o
        .iter()
        .filter(|s| s.group == "SURG")
        .map(|s| s.encounter_id)
        .collect();
    surg.sort_unstable();
    assert_eq!(surg, vec![5, 6, 7, 8, 11]);
}

#[test]
fn april_counts_its_own_discharges_only() {
    let o = stay_outcomes(&fixture(), d("2026-04-01"), d("2026-04-30"), GroupBy::Month);
    let (_, all) = group(&o);
    // Only stay 2 is discharged in April (12 leaves in May); it has no later admission.
    assert_eq!(all.stays, 1);
    assert_eq!(all.readmissions, 0);
    assert_eq!(all.los_mean, Some(2.0));
}

/// The same rules read from a database through the report layer: outpatient visits are not
/// stays, a readmission after the period is seen, the drill-down lists the group's stays and
/// the audit row names the MRNs it showed.
#[test]
fn outcomes_report_reads_the_database_and_audits_the_drill_down() {
    use chartdesk::audit::{Action, Actor, Event, Subtype};
    use chartdesk::report::{Report, Request, run};
    let dir = tempfile::tempdir().expect("tmp");
    let mut store =
        chartdesk::store::Store::open_or_create(&dir.path().join("o.db")).expect("store");
    let sys = Actor::system("test");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, family_name, given_name, credentials) VALUES (1, 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES
                   (1, 'MRN1', 'Doe', 'Jane', '1960-02-03', 'F'), (2, 'MRN2', 'Roe', 'Rick', '1970-01-01', 'M');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at,
                   attending_id, discharge_disposition, him_status, coding_status) VALUES
                   (1, 'V1', 1, 'inpatient', 'MED', '2026-03-01T08:00:00', '2026-03-05T10:00:00', 1, '01', 'doc_complete', 'ready'),
                   (2, 'V2', 1, 'outpatient', 'MED', '2026-03-10T08:00:00', '2026-03-10T09:00:00', 1, '01', 'doc_complete', 'ready'),
                   (3, 'V3', 1, 'inpatient', 'MED', '2026-04-02T08:00:00', '2026-04-04T10:00:00', 1, '01', 'doc_complete', 'ready'),
                   (4, 'V4', 2, 'inpatient', 'SURG', '2026-03-20T08:00:00', '2026-03-20T18:00:00', 1, '20', 'doc_complete', 'ready');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("fixture");
    let out = run(
        &mut store,
        &sys,
        Request::Outcomes {
            from: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
            to: chrono::NaiveDate::from_ymd_opt(2026, 3, 31),
            by: GroupBy::Service,
            key: Some("MED".into()),
        },
    )
    .expect("report");
    let Report::Outcomes(o) = &out.report else {
        panic!("outcomes")
    };
    assert_eq!(
        o.total, 2,
        "V1 and V4; V2 is outpatient, V3 leaves in April"
    );
    assert_eq!(o.all.deaths, 1);
    assert_eq!(o.all.index_stays, 1);
    assert_eq!(
        o.all.readmissions, 1,
        "V1 readmitted by V3 after the period"
    );
    assert_eq!(o.encounters.len(), 1);
    assert_eq!(o.encounters[0].readmitted_by.as_deref(), Some("V3"));
    assert_eq!(out.mrns.as_deref(), Some("MRN1"));
    let detail: String = store
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE entity_type = 'report' AND entity_id = 'outcomes'",
            [],
            |r| r.get(0),
        )
        .expect("audit row");
    assert!(detail.contains("MRN1"), "{detail}");
    let text =
        chartdesk::report_cli::render(&out.report, chartdesk::report::Format::Csv).expect("csv");
    assert!(
        text.starts_with("encounter_id,visit,mrn,group,los_days"),
        "{text}"
    );
    assert!(
        text.contains("1,V1,MRN1,MED,4,01,false,false,true,V3,"),
        "{text}"
    );
}
