//! Numbers a director can trust (issue #15): the demo and the generator create every state
//! with what stands behind it, checked on a generated database (generator + analysis, as
//! `chartdesk gen` runs them) and on the demo database (`chartdesk demo`):
//! - `incomplete` ⇔ an open deficiency;
//! - `on_hold_query` ⇔ an open documentation query;
//! - `coded` / `final_billed` ⇒ a principal diagnosis;
//! - `in_progress` ⇔ a coder's live claim.
//!
//! And the reports agree with each other on such a database: what `report dnfb` counts as
//! coded in the last 30 days is what `report coding` credits to coders.

use std::path::Path;

use assert_cmd::Command;
use chartdesk::audit::Actor;
use chartdesk::store::Store;

/// Each invariant as (name, SQL counting the rows that break it).
const BROKEN: &[(&str, &str)] = &[
    (
        "incomplete without an open deficiency",
        "SELECT count(*) FROM encounters e WHERE e.him_status = 'incomplete' AND NOT EXISTS
           (SELECT 1 FROM deficiencies d WHERE d.encounter_id = e.id AND d.status NOT IN ('completed','waived','void'))",
    ),
    (
        "an open deficiency on a chart not incomplete (nor awaiting analysis)",
        "SELECT count(DISTINCT e.id) FROM encounters e JOIN deficiencies d ON d.encounter_id = e.id
          WHERE d.status NOT IN ('completed','waived','void') AND e.him_status NOT IN ('incomplete','awaiting_analysis')",
    ),
    (
        "on hold for query without an open query",
        "SELECT count(*) FROM encounters e WHERE e.coding_status = 'on_hold_query' AND NOT EXISTS
           (SELECT 1 FROM coding_queries q WHERE q.encounter_id = e.id AND q.status = 'open')",
    ),
    (
        "an open query on an encounter not on hold",
        "SELECT count(DISTINCT q.encounter_id) FROM coding_queries q JOIN encounters e ON e.id = q.encounter_id
          WHERE q.status = 'open' AND e.coding_status <> 'on_hold_query'",
    ),
    (
        "coded without a principal diagnosis",
        "SELECT count(*) FROM encounters e WHERE e.coding_status IN ('coded','final_billed') AND NOT EXISTS
           (SELECT 1 FROM encounter_codes c WHERE c.encounter_id = e.id AND c.kind = 'dx' AND c.sequence = 1)",
    ),
    (
        "in progress without a claim",
        "SELECT count(*) FROM encounters e WHERE e.coding_status = 'in_progress' AND NOT EXISTS
           (SELECT 1 FROM work_claims w WHERE w.entity_id = e.id AND w.entity_type = 'encounter')",
    ),
];

fn check(db: &Path) {
    let store = Store::open(db).expect("open");
    let conn = store.conn();
    let states: i64 = conn
        .query_row(
            "SELECT count(DISTINCT him_status) + count(DISTINCT coding_status) FROM encounters",
            [],
            |r| r.get(0),
        )
        .expect("states");
    assert!(
        states >= 7,
        "the data set has the states to check ({states})"
    );
    for (name, sql) in BROKEN {
        let n: i64 = conn.query_row(sql, [], |r| r.get(0)).expect(name);
        assert_eq!(n, 0, "{}: {name}", db.display());
    }
    for (state, sql) in [
        (
            "incomplete",
            "SELECT count(*) FROM encounters WHERE him_status = 'incomplete'",
        ),
        (
            "on hold",
            "SELECT count(*) FROM encounters WHERE coding_status = 'on_hold_query'",
        ),
        (
            "coded",
            "SELECT count(*) FROM encounters WHERE coding_status IN ('coded','final_billed')",
        ),
    ] {
        let n: i64 = conn.query_row(sql, [], |r| r.get(0)).expect(state);
        assert!(n > 0, "{}: some encounters are {state}", db.display());
    }
}

fn cd(db: &Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .env_remove("CHARTDESK_KEY")
        .env_remove("CHARTDESK_KEY_FILE")
        .env("CHARTDESK_SESSION_DIR", db.with_extension("sessions"));
    c
}

#[test]
fn generated_database_states_have_their_records() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("gen.db");
    let mut store = Store::open_or_create(&db).expect("create");
    let actor = Actor::system("gen");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    chartdesk::demo::generate(
        &mut store,
        &actor,
        &chartdesk::demo::GenSpec {
            seed: 7,
            encounters: 1500,
            today,
        },
    )
    .expect("generate");
    chartdesk::deficiency::ops::analyze_batch(
        &mut store,
        &actor,
        chartdesk::deficiency::ops::AnalyzeScope::Analyzed,
    )
    .expect("analysis");
    drop(store);
    check(&db);
    // The reports agree: the encounters coded in the 30 days up to `today` are the coders'.
    let mut store = Store::open(&db).expect("open");
    let dnfb = chartdesk::report::run(
        &mut store,
        &actor,
        chartdesk::report::Request::Dnfb { as_of: Some(today) },
    )
    .expect("dnfb");
    let coding = chartdesk::report::run(
        &mut store,
        &actor,
        chartdesk::report::Request::Coding {
            from: Some(today - chrono::Duration::days(30)),
            to: Some(today),
        },
    )
    .expect("coding");
    let (chartdesk::report::Report::Dnfb(d), chartdesk::report::Report::Coding(c)) =
        (&dnfb.report, &coding.report)
    else {
        panic!("report kinds");
    };
    let credited: i64 = c.throughput.coders.iter().map(|c| c.encounters).sum();
    assert!(d.counts.turnaround.coded > 0, "something was coded");
    assert_eq!(d.counts.turnaround.coded as i64, credited);
}

#[test]
fn demo_database_states_have_their_records() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("demo.db");
    cd(&db)
        .args(["demo", "--no-tui", "--encounters", "800"])
        .assert()
        .success();
    check(&db);
}
