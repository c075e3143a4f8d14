//! Deficiency analysis through the store: from discharge to a complete chart, transitions and
//! their rules, maintained aging counters, queue paging, work claims, delinquency, letters.

mod common;

use std::sync::Arc;

use chartdesk::CoreError;
use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::deficiency::lifecycle::{Decision, DefStatus, WaiveReason};
use chartdesk::deficiency::ops::{self, AnalyzeScope};
use chartdesk::deficiency::queue::{self, QueueFilter, QueueSort, QueueTab};
use chartdesk::deficiency::report;
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};

fn fixed_clock(store: &mut Store, y: i32, m: u32, d: u32, h: u32) {
    let t = Utc
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t));
}

/// Patient 1 / encounter 1 from `common::seeded` has a signed H&P. Add: encounter 10,
/// inpatient 2026-11-01..03 with H&P signed, progress note unsigned, no discharge summary.
fn with_incomplete_stay(path: &std::path::Path) -> Store {
    let mut store = common::seeded(path);
    fixed_clock(&mut store, 2026, 11, 5, 12);
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name, credentials) VALUES (2, '1245319599', 'Grey', 'Meredith', 'MD');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (10, 'V0000010', 1, 'inpatient', 'Medicine', '2026-11-01T08:00:00', '2026-11-03T12:00:00', 1, 'awaiting_analysis');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                   VALUES (10, 10, '34117-2', 'History and physical', 1, 'signed', '2026-11-01T09:00:00', '2026-11-01T10:00:00', 'H&P text'),
                          (11, 10, '11506-3', 'Progress note', 2, 'transcribed', '2026-11-02T09:00:00', NULL, 'PN text');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 10));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    store
}

fn statuses(store: &Store, encounter: i64) -> Vec<(String, String, String)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT kind, slot, status FROM deficiencies WHERE encounter_id = ?1 ORDER BY kind, slot")
        .expect("prepare");
    stmt.query_map([encounter], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("q")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn him(store: &Store, encounter: i64) -> String {
    store
        .conn()
        .query_row(
            "SELECT him_status FROM encounters WHERE id = ?1",
            [encounter],
            |r| r.get(0),
        )
        .expect("him")
}

#[test]
fn from_discharge_to_complete_chart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = with_incomplete_stay(&dir.path().join("d.db"));
    let tech = accounts::login(&mut store, "tina", "password-tina")
        .expect("login")
        .actor();

    let s = ops::analyze_batch(&mut store, &tech, AnalyzeScope::Awaiting).expect("analyze");
    assert_eq!(
        s.encounters, 2,
        "both discharged encounters awaiting analysis"
    );
    assert_eq!(
        statuses(&store, 10),
        [
            ("MISS_DS".into(), "ds".into(), "open".into()),
            ("UNSIGNED".into(), "11".into(), "open".into())
        ]
    );
    assert_eq!(him(&store, 10), "incomplete");
    // DEF-01: idempotent — a second analysis never duplicates.
    let again = ops::analyze_batch(
        &mut store,
        &tech,
        AnalyzeScope::Since(NaiveDate::from_ymd_opt(2026, 1, 1).expect("d")),
    )
    .expect("again");
    assert_eq!(again.created, 0);

    // The note gets signed: its deficiency resolves automatically, audited as the system.
    ops::record_signature(
        &mut store,
        &tech,
        11,
        NaiveDate::from_ymd_opt(2026, 11, 5)
            .expect("d")
            .and_hms_opt(9, 0, 0)
            .expect("t"),
    )
    .expect("sign");
    assert_eq!(statuses(&store, 10)[1].2, "completed");
    let (reason, user, detail): (String, String, String) = store
        .conn()
        .query_row(
            "SELECT reason, username, detail FROM audit_log WHERE entity_type = 'encounter' AND entity_id = '10' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("row");
    assert_eq!(reason, "resolved automatically: document 11 signed");
    assert_eq!(
        user, "tina",
        "performed in tina's transaction; the detail says by system"
    );
    let detail: serde_json::Value = serde_json::from_str(&detail).expect("json");
    assert_eq!(detail["deficiencies_resolved"][0]["kind"], "UNSIGNED");
    assert_eq!(detail["deficiencies_resolved"][0]["by"], "system");

    // The discharge summary arrives signed; re-analysis resolves MISS_DS; the chart is complete.
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                 VALUES (12, 10, '18842-5', 'Discharge summary', 1, 'signed', '2026-11-03T11:00:00', '2026-11-04T08:00:00', 'FINAL DIAGNOSIS: community-acquired pneumonia');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "document", 12));
            Ok::<_, CoreError>(())
        })
        .expect("ds");
    let o = ops::mark_analyzed(&mut store, &tech, 10).expect("mark analysed");
    assert_eq!((o.resolved, o.open), (1, 0));
    assert_eq!(him(&store, 10), "doc_complete");
    assert!(
        chartdesk::audit::verify(store.conn(), &[])
            .expect("verify")
            .ok()
    );
}

#[test]
fn transitions_follow_def_02_and_def_03() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = with_incomplete_stay(&dir.path().join("d.db"));
    let tech = accounts::login(&mut store, "tina", "password-tina")
        .expect("login")
        .actor();
    let sup = accounts::login(&mut store, "sam", "password-sam")
        .expect("login")
        .actor();
    let coder = accounts::login(&mut store, "carl", "password-carl")
        .expect("login")
        .actor();
    ops::analyze_batch(&mut store, &tech, AnalyzeScope::Awaiting).expect("analyze");
    let id_of = |store: &Store, kind: &str| -> i64 {
        store
            .conn()
            .query_row(
                "SELECT id FROM deficiencies WHERE encounter_id = 10 AND kind = ?1",
                [kind],
                |r| r.get(0),
            )
            .expect("id")
    };
    let ds = id_of(&store, "MISS_DS");
    let un = id_of(&store, "UNSIGNED");
    let reason = "attending left the medical staff in October";

    let err = ops::transition(&mut store, &coder, ds, DefStatus::Completed, "", None).unwrap_err();
    assert!(matches!(err, CoreError::Denied { .. }), "{err}");
    let err = ops::transition(
        &mut store,
        &tech,
        ds,
        DefStatus::Waived,
        "short",
        Some(WaiveReason::ProviderUnavailable),
    )
    .unwrap_err();
    assert!(err.to_string().contains("DEF-03"), "{err}");
    let d = ops::transition(
        &mut store,
        &tech,
        ds,
        DefStatus::Waived,
        reason,
        Some(WaiveReason::ProviderUnavailable),
    )
    .expect("waive");
    assert_eq!(d, Decision::WaiverPendingApproval);
    assert_eq!(
        statuses(&store, 10)[0].2,
        "open",
        "a technician's waiver waits"
    );
    let err = ops::approve_waiver(&mut store, &tech, ds).unwrap_err();
    assert!(matches!(err, CoreError::Denied { .. }));
    ops::approve_waiver(&mut store, &sup, ds).expect("approve");
    assert_eq!(statuses(&store, 10)[0].2, "waived");
    let err = ops::transition(&mut store, &sup, ds, DefStatus::Open, "", None).unwrap_err();
    assert!(err.to_string().contains("DEF-04"), "{err}");

    ops::transition(&mut store, &tech, un, DefStatus::Signed, "", None).expect("signed");
    let err = ops::transition(&mut store, &tech, un, DefStatus::Dictated, "", None).unwrap_err();
    assert!(err.to_string().contains("never moves backward"), "{err}");
    let err = ops::transition(&mut store, &tech, un, DefStatus::Void, "oops", None).unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    ops::transition(
        &mut store,
        &tech,
        un,
        DefStatus::Void,
        "created in error: wrong encounter",
        None,
    )
    .expect("void");
    assert_eq!(
        him(&store, 10),
        "doc_complete",
        "DEF-04: waived and void close the chart"
    );

    let m = ops::add_manual(
        &mut store,
        &tech,
        10,
        "CORRECTION",
        Some(10),
        Some(1),
        "illegible dosage",
    )
    .expect("manual");
    assert_eq!(him(&store, 10), "incomplete");
    let err = ops::add_manual(&mut store, &tech, 10, "NOT_A_TYPE", None, None, "").unwrap_err();
    assert!(err.to_string().contains("DOMAIN"), "{err}");
    ops::reassign(&mut store, &tech, m, 2, "author on leave").expect("reassign");
    let p: i64 = store
        .conn()
        .query_row(
            "SELECT provider_id FROM deficiencies WHERE id = ?1",
            [m],
            |r| r.get(0),
        )
        .expect("p");
    assert_eq!(p, 2);
    // Manual deficiencies are never resolved by re-analysis.
    ops::mark_analyzed(&mut store, &tech, 10).expect("reanalyse");
    assert_eq!(him(&store, 10), "incomplete");
    assert!(
        chartdesk::audit::verify(store.conn(), &[])
            .expect("verify")
            .ok()
    );
}

#[test]
fn maintained_aging_counters_equal_a_full_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.db");
    let mut store = Store::open_or_create(&path).expect("open");
    let actor = Actor::system("test");
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).expect("d");
    chartdesk::demo::generate(
        &mut store,
        &actor,
        &chartdesk::demo::GenSpec {
            seed: 3,
            encounters: 400,
            today,
        },
    )
    .expect("gen");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed).expect("analyse");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Awaiting).expect("analyse");
    // Close a few by hand to exercise the update trigger.
    let ids: Vec<i64> = {
        let mut s = store
            .conn()
            .prepare("SELECT id FROM deficiencies WHERE status = 'open' ORDER BY id LIMIT 25")
            .expect("p");
        s.query_map([], |r| r.get(0))
            .expect("q")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let sup = Actor::user(99, "sup", chartdesk::domain::Role::Supervisor);
    for (i, id) in ids.iter().enumerate() {
        let to = if i % 2 == 0 {
            DefStatus::Completed
        } else {
            DefStatus::Void
        };
        ops::transition(
            &mut store,
            &sup,
            *id,
            to,
            "closed for the counter test",
            None,
        )
        .expect("close");
    }
    let fast = report::aging_by_kind(store.conn(), today).expect("fast");
    let slow = report::aging_by_kind_scan(store.conn(), today).expect("slow");
    assert!(!fast.is_empty());
    assert_eq!(fast, slow);
}

#[test]
fn queue_pages_are_keyset_paged_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("q.db")).expect("open");
    let actor = Actor::system("test");
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).expect("d");
    chartdesk::demo::generate(
        &mut store,
        &actor,
        &chartdesk::demo::GenSpec {
            seed: 5,
            encounters: 300,
            today,
        },
    )
    .expect("gen");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed).expect("analyse");
    let total: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM encounters WHERE him_status = 'incomplete'",
            [],
            |r| r.get(0),
        )
        .expect("n");
    assert!(total > 20);
    for sort in [
        QueueSort::Oldest,
        QueueSort::Newest,
        QueueSort::Service,
        QueueSort::Attending,
    ] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = queue::queue_page(
                &mut store,
                &actor,
                QueueTab::Incomplete,
                sort,
                &QueueFilter::default(),
                after.as_ref(),
                7,
            )
            .expect("page");
            if page.is_empty() {
                break;
            }
            after = page.last().map(|r| r.key.clone());
            seen.extend(page.into_iter().map(|r| r.encounter_id));
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: no repeats");
        assert_eq!(seen.len() as i64, total, "{sort:?}: every chart once");
    }
    let filtered = queue::queue_page(
        &mut store,
        &actor,
        QueueTab::Incomplete,
        QueueSort::Oldest,
        &QueueFilter {
            kind: Some("MISS_DS".into()),
            ..QueueFilter::default()
        },
        None,
        500,
    )
    .expect("filter");
    for r in &filtered {
        let n: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM deficiencies WHERE encounter_id = ?1 AND kind = 'MISS_DS' AND status = 'open'", [r.encounter_id], |x| x.get(0))
            .expect("n");
        assert!(n > 0);
    }
}

#[test]
fn two_technicians_never_work_one_chart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = with_incomplete_stay(&dir.path().join("c.db"));
    accounts::add_user(
        &mut store,
        &common::system(),
        "tom",
        "",
        chartdesk::domain::Role::Technician,
        "password-tom",
    )
    .expect("user");
    let tina = accounts::login(&mut store, "tina", "password-tina")
        .expect("login")
        .actor();
    let tom = accounts::login(&mut store, "tom", "password-tom")
        .expect("login")
        .actor();
    queue::claim(&mut store, &tina, 10).expect("tina claims");
    queue::claim(&mut store, &tina, 10).expect("tina renews");
    let err = queue::claim(&mut store, &tom, 10).unwrap_err();
    assert!(
        err.to_string().contains("tina is working this chart"),
        "{err}"
    );
    // Claims expire (claim_minutes = 30).
    fixed_clock(&mut store, 2026, 11, 5, 13);
    queue::claim(&mut store, &tom, 10).expect("expired claim can be taken");
    queue::release(&mut store, &tom, 10).expect("release");
    queue::claim(&mut store, &tina, 10).expect("released claim can be taken");
}

#[test]
fn delinquency_rate_hand_computed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("r.db")).expect("open");
    // as of 2026-11-25, previous 3 months = [2026-08-25, 2026-11-25): 12 discharges in it.
    // Delinquent (DEL-03: not complete, discharged before 2026-10-26): 3 of them, plus one
    // discharged in July (outside the averaging window but still delinquent) = 4.
    // Rate = 4 / (12 / 3) × 100 = 100 %.
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute("INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES (1, 'M1', 'A', 'B', '1950-01-01', 'F')", [])?;
            let mut n = 0;
            let mut add = |discharge: &str, him: &str| -> rusqlite::Result<()> {
                n += 1;
                tx.execute(
                    "INSERT INTO encounters(visit_number, patient_id, kind, admit_at, discharge_at, him_status) VALUES (?1, 1, 'inpatient', ?2, ?2, ?3)",
                    rusqlite::params![format!("V{n}"), discharge, him],
                )?;
                Ok(())
            };
            for d in ["2026-09-01", "2026-09-15", "2026-10-20"] {
                add(&format!("{d}T10:00:00"), "incomplete")?;
            }
            for d in ["2026-08-26", "2026-09-02", "2026-09-20", "2026-10-01", "2026-10-10", "2026-10-30", "2026-11-02", "2026-11-20"] {
                add(&format!("{d}T10:00:00"), "doc_complete")?;
            }
            add("2026-11-10T10:00:00", "incomplete")?; // in window, not yet delinquent
            add("2026-07-01T10:00:00", "awaiting_analysis")?; // delinquent, outside window
            add("2026-11-25T09:00:00", "awaiting_analysis")?; // on the measurement day: not counted
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    let r = report::delinquency(
        store.conn(),
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("d"),
    )
    .expect("rate");
    assert_eq!(r.delinquent_records, 4);
    assert_eq!(r.discharges_in_period, 12);
    assert_eq!(r.average_monthly_discharges, 4.0);
    assert_eq!(r.rate_percent, Some(100.0));
    assert!(r.alert);
}

#[test]
fn provider_letter_lists_what_is_owed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = with_incomplete_stay(&dir.path().join("l.db"));
    ops::analyze_batch(&mut store, &common::system(), AnalyzeScope::Awaiting).expect("analyze");
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("d");
    let text = report::provider_letter(store.conn(), 1, today, false).expect("letter");
    assert!(
        text.contains("Dear Greg House MD (NPI 1234567893)"),
        "{text}"
    );
    assert!(
        text.contains("MISS_DS") && text.contains("DELINQUENT"),
        "{text}"
    );
    let csv = report::provider_letter(store.conn(), 2, today, true).expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    // Quoted only where needed (the shared csv-crate writer).
    assert!(lines[1].split(',').any(|c| c == "UNSIGNED"), "{csv}");
}

/// The encounter counters (schema v4) stay equal to direct counts through generation,
/// analysis, imports' status changes and manual edits.
#[test]
fn encounter_counters_equal_direct_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("n.db")).expect("open");
    let actor = Actor::system("test");
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).expect("d");
    chartdesk::demo::generate(
        &mut store,
        &actor,
        &chartdesk::demo::GenSpec {
            seed: 9,
            encounters: 300,
            today,
        },
    )
    .expect("gen");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed).expect("analyse");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Awaiting).expect("analyse");
    store
        .transact(&actor, |tx, audit| {
            tx.execute("UPDATE encounters SET discharge_at = NULL, him_status = 'open' WHERE id IN (SELECT id FROM encounters LIMIT 3)", [])?;
            audit.record(Event::new(Action::Update, Subtype::Update, "fixture", 1));
            Ok::<_, CoreError>(())
        })
        .expect("edit");
    let direct = |sql: &str| -> i64 {
        store
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .expect("count")
    };
    let counted = |sql: &str| -> i64 {
        store
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .expect("count")
    };
    for (him, coding) in [
        ("awaiting_analysis", "not_ready"),
        ("incomplete", "ready"),
        ("doc_complete", "coded"),
        ("open", "not_ready"),
    ] {
        assert_eq!(
            counted(&format!(
                "SELECT COALESCE(sum(n),0) FROM encounter_daily WHERE him_status = '{him}'"
            )),
            direct(&format!(
                "SELECT count(*) FROM encounters WHERE him_status = '{him}'"
            )),
            "{him}"
        );
        assert_eq!(
            counted(&format!(
                "SELECT COALESCE(sum(n),0) FROM encounter_daily WHERE coding_status = '{coding}'"
            )),
            direct(&format!(
                "SELECT count(*) FROM encounters WHERE coding_status = '{coding}'"
            )),
            "{coding}"
        );
    }
    assert_eq!(
        counted(
            "SELECT COALESCE(sum(n),0) FROM encounter_daily WHERE him_status = 'incomplete' AND day <> '' AND day < '2026-10-21'"
        ),
        direct(
            "SELECT count(*) FROM encounters WHERE him_status = 'incomplete' AND discharge_at < '2026-10-21'"
        )
    );
}

/// Discharge by hand runs analysis in the same transaction; a second discharge, a time before
/// admission, or a bad disposition is refused.
#[test]
fn discharge_by_hand_runs_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = common::seeded(&dir.path().join("h.db"));
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, attending_id)
                 VALUES (20, 'V0000020', 1, 'inpatient', 'Medicine', '2026-11-10T08:00:00', 1);",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 20));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    let tech = accounts::login(&mut store, "tina", "password-tina")
        .expect("login")
        .actor();
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("t");
    let err = ops::discharge(&mut store, &tech, 20, at("2026-11-09T08:00"), None).unwrap_err();
    assert!(err.to_string().contains("before the admission"), "{err}");
    let err =
        ops::discharge(&mut store, &tech, 20, at("2026-11-12T08:00"), Some("home")).unwrap_err();
    assert!(err.to_string().contains("UB-04"), "{err}");
    let o = ops::discharge(&mut store, &tech, 20, at("2026-11-12T10:00"), Some("01"))
        .expect("discharge");
    assert!(o.created >= 2, "no H&P, no discharge summary: {o:?}");
    assert_eq!(him(&store, 20), "incomplete");
    let err = ops::discharge(&mut store, &tech, 20, at("2026-11-13T10:00"), None).unwrap_err();
    assert!(err.to_string().contains("already discharged"), "{err}");
    let coder = accounts::login(&mut store, "carl", "password-carl")
        .expect("login")
        .actor();
    assert!(matches!(
        ops::discharge(&mut store, &coder, 20, at("2026-11-13T10:00"), None),
        Err(CoreError::Denied { .. })
    ));
    assert!(
        chartdesk::audit::verify(store.conn(), &[])
            .expect("verify")
            .ok()
    );
}
