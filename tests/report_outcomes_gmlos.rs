//! Outcomes against GMLOS (issue #15, DRG-06): coded inpatient stays are grouped on read and
//! their length of stay set against the MS-DRG's GMLOS (IPPS FY2026 Table 5). Hand-computed:
//! J18.9 alone groups to DRG 195 (simple pneumonia and pleurisy without CC/MCC), GMLOS 2.2.

use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::report::outcomes::{GroupBy, StayOutcome, read, summarize};
use chartdesk::store::Store;
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("fixture date")
}

fn stay(id: i64, los: i64, gmlos: Option<f64>) -> StayOutcome {
    StayOutcome {
        encounter_id: id,
        visit_number: format!("V{id}"),
        mrn: format!("M{id}"),
        group: "MED".into(),
        los_days: los,
        disposition: "01".into(),
        died: false,
        left_ama: false,
        index_stay: true,
        readmitted_by: None,
        planned_readmission: None,
        gmlos,
    }
}

#[test]
fn summary_sets_coded_stays_against_gmlos() {
    let s = [
        stay(1, 4, Some(2.2)),
        stay(2, 3, Some(3.8)),
        stay(3, 9, None),
    ];
    let r = summarize("MED", &s.iter().collect::<Vec<_>>());
    assert_eq!(r.stays, 3);
    assert_eq!(r.gmlos_stays, 2, "the uncoded stay has no GMLOS");
    // (4 + 3) / 2 = 3.5; (2.2 + 3.8) / 2 = 3.0; 7 / 6.0 = 1.1667.
    assert_eq!(r.gmlos_los_mean, Some(3.5));
    assert!((r.gmlos_mean.expect("mean") - 3.0).abs() < 1e-9);
    assert!((r.los_to_gmlos.expect("ratio") - 7.0 / 6.0).abs() < 1e-9);
    // The LOS of all stays is unchanged: (4 + 3 + 9) / 3.
    assert!((r.los_mean.expect("los") - 16.0 / 3.0).abs() < 1e-9);
    let none = summarize("X", &[&stay(4, 2, None)]);
    assert_eq!(
        (none.gmlos_stays, none.gmlos_mean, none.los_to_gmlos),
        (0, None, None)
    );
}

/// Stay 10 coded J18.9 (DRG 195), 11 not coded, 12 coded without codes; rate $6,000.
fn db() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("chartdesk.db")).expect("store");
    store
        .transact(&Actor::system("test"), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES
                   (1, 'MRN1', 'Doe', 'Jane', '1950-02-03', 'F'),
                   (2, 'MRN2', 'Roe', 'Rick', '1961-07-08', 'M');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at,
                   discharge_disposition, reason, him_status, coding_status, coded_at) VALUES
                   (10, 'V10', 1, 'inpatient', 'Medicine', '2026-03-01T08:00:00', '2026-03-05T11:00:00',
                    '01', 'Pneumonia', 'doc_complete', 'coded', '2026-03-06T09:00:00'),
                   (12, 'V12', 2, 'inpatient', 'Medicine', '2026-04-01T08:00:00', '2026-04-02T11:00:00',
                    '01', 'Fall', 'doc_complete', 'coded', '2026-04-03T09:00:00'),
                   (11, 'V11', 2, 'inpatient', 'Medicine', '2026-03-10T08:00:00', '2026-03-12T11:00:00',
                    '01', 'Pneumonia', 'doc_complete', 'ready', NULL);
                 INSERT INTO encounter_codes(encounter_id, kind, sequence, code, poa, assigned_by, assigned_at)
                   VALUES (10, 'dx', 1, 'J18.9', 'Y', 'coder', '2026-03-06T09:00:00'),
                          (11, 'dx', 1, 'J18.9', 'Y', 'coder', '2026-03-13T09:00:00');
                 INSERT INTO settings(key, value, updated_at, updated_by)
                   VALUES ('drg_base_rate', '6000', '2026-01-01T00:00:00Z', 'test')
                   ON CONFLICT(key) DO UPDATE SET value = excluded.value;",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("fixture");
    (dir, store)
}

#[test]
fn a_coded_stay_is_grouped_on_read() {
    let (_dir, store) = db();
    let o = read(
        store.conn(),
        d("2026-03-01"),
        d("2026-03-31"),
        GroupBy::Service,
        Some("Medicine"),
    )
    .expect("outcomes");
    assert_eq!(o.all.stays, 2);
    assert_eq!(o.all.gmlos_stays, 1, "only the coded stay is grouped");
    let by_id = |id: i64| {
        o.encounters
            .iter()
            .find(|e| e.encounter_id == id)
            .expect("stay")
    };
    assert_eq!(by_id(10).los_days, 4);
    assert_eq!(by_id(10).gmlos, Some(2.2), "DRG 195's GMLOS");
    assert_eq!(by_id(11).gmlos, None, "not coded yet: no DRG");
    // 4 days against 2.2: 1.818...
    assert!((o.all.los_to_gmlos.expect("ratio") - 4.0 / 2.2).abs() < 1e-9);
    assert_eq!(o.all.gmlos_los_mean, Some(4.0));
}

#[test]
fn dnfb_report_carries_expected_payment() {
    let (_dir, store) = db();
    // As of March 31: stay 10 only (12 was coded in April). 0.6285 × 6000 = 3771.00.
    let e =
        chartdesk::report::dnfb::expected_payment(store.conn(), d("2026-03-31")).expect("march");
    assert_eq!((e.grouped, e.ungrouped), (1, 0));
    assert_eq!(e.base_rate, 6000.0);
    assert_eq!(e.dollars, Some(3771.0));
    // As of April 30: stay 12 is coded with no principal diagnosis: counted apart.
    let e =
        chartdesk::report::dnfb::expected_payment(store.conn(), d("2026-04-30")).expect("april");
    assert_eq!((e.grouped, e.ungrouped), (1, 1));
    assert_eq!(e.dollars, Some(3771.0));
}

#[test]
fn coding_report_carries_expected_payment_of_the_period() {
    let (_dir, store) = db();
    // Coded in March: stay 10 only (0.6285 × 6000). April: stay 12, no principal diagnosis.
    let m = chartdesk::report::coding::read(store.conn(), d("2026-03-01"), d("2026-03-31"))
        .expect("march");
    assert_eq!((m.expected.grouped, m.expected.ungrouped), (1, 0));
    assert_eq!(m.expected.dollars, Some(3771.0));
    let a = chartdesk::report::coding::read(store.conn(), d("2026-04-01"), d("2026-04-30"))
        .expect("april");
    assert_eq!((a.expected.grouped, a.expected.ungrouped), (0, 1));
    assert_eq!(a.expected.dollars, Some(0.0));
}
