//! The coding workbench through the store on the real FY2026 code set: the hold policy
//! (COD-20) splitting queue and held list, claims, code lists, completion blocked by edits,
//! reopen, documentation queries (COD-21), export and the coding reports. Each test asserts
//! the database and the audit rows, and that the audit chain still verifies.

mod common;

use std::sync::Arc;

use chartdesk::CoreError;
use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::coding::export::{ExportFormat, export};
use chartdesk::coding::queue::{CodingFilter, CodingList, coding_page};
use chartdesk::coding::report;
use chartdesk::coding::work::{self, CodeList};
use chartdesk::coding::{DxEntry, PxEntry, query};
use chartdesk::deficiency::lifecycle::DefStatus;
use chartdesk::deficiency::ops::{AnalyzeScope, analyze_batch};
use chartdesk::deficiency::transitions::transition;
use chartdesk::domain::Role;
use chartdesk::settings;
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};

fn clock(store: &mut Store, y: i32, m: u32, d: u32, h: u32) {
    let t = Utc
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t));
}

/// Encounter 20: inpatient 2026-03-02..06 with H&P and discharge summary signed (ready).
/// Encounter 21: inpatient 2026-03-01..04 with no discharge summary (MISS_DS: held).
/// Encounter 22: outpatient 2026-03-05, clinic note signed (ready).
fn fixture(path: &std::path::Path) -> (Store, Actor, Actor, Actor, Actor) {
    let mut store = common::seeded(path);
    let sys = common::system();
    chartdesk::codes::load_embedded(&mut store, &sys).expect("codes");
    accounts::add_user(
        &mut store,
        &sys,
        "cora",
        "Cora Coder",
        Role::Coder,
        "password-cora",
    )
    .expect("user");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (20, 'V0000020', 1, 'inpatient', 'Medicine', '2026-03-02T08:00:00', '2026-03-06T12:00:00', 1, 'awaiting_analysis'),
                          (21, 'V0000021', 2, 'inpatient', 'Surgery', '2026-03-01T08:00:00', '2026-03-04T12:00:00', 1, 'awaiting_analysis'),
                          (22, 'V0000022', 2, 'outpatient', 'Clinic', '2026-03-05T09:00:00', '2026-03-05T10:00:00', 1, 'awaiting_analysis');
                 INSERT INTO documents(encounter_id, doc_type, title, author_id, status, service_at, signed_at, body) VALUES
                   (20, '34117-2', 'History and physical', 1, 'signed', '2026-03-02T09:00:00', '2026-03-02T10:00:00', 'Breast cancer; anemia.'),
                   (20, '18842-5', 'Discharge summary', 1, 'signed', '2026-03-06T11:00:00', '2026-03-06T11:30:00', 'Discharged home.'),
                   (21, '34117-2', 'History and physical', 1, 'signed', '2026-03-01T09:00:00', '2026-03-01T10:00:00', 'Appendicitis.'),
                   (22, '11506-3', 'Clinic note', 1, 'signed', '2026-03-05T09:30:00', '2026-03-05T09:40:00', 'Hypertension follow-up.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 20));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    clock(&mut store, 2026, 3, 10, 14);
    analyze_batch(&mut store, &sys, AnalyzeScope::Awaiting).expect("analysis");
    let login = |store: &mut Store, u: &str| {
        accounts::login(store, u, &format!("password-{u}"))
            .expect("login")
            .actor()
    };
    let carl = login(&mut store, "carl");
    let cora = login(&mut store, "cora");
    let tina = login(&mut store, "tina");
    let sam = login(&mut store, "sam");
    (store, carl, cora, tina, sam)
}

fn status(store: &Store, id: i64) -> String {
    store
        .conn()
        .query_row(
            "SELECT coding_status FROM encounters WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("status")
}

fn chain_ok(store: &Store) {
    let r = chartdesk::audit::verify(store.conn(), &[]).expect("verify");
    assert!(r.ok(), "{:?}", r.problem);
}

fn ids(rows: &[chartdesk::coding::queue::CodingRow]) -> Vec<i64> {
    rows.iter().map(|r| r.encounter_id).collect()
}

#[test]
fn cod_20_hold_policy_splits_queue_and_held_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, carl, _, tina, _) = fixture(&dir.path().join("c.db"));
    let f = CodingFilter::default();
    let queue = coding_page(&mut store, &carl, CodingList::Queue, &f, None, 50).expect("queue");
    let held = coding_page(&mut store, &carl, CodingList::Held, &f, None, 50).expect("held");
    assert_eq!(
        &ids(&queue)[..2],
        &[22, 20],
        "oldest discharge first; 21 held: {queue:?}"
    );
    assert!(!ids(&queue).contains(&21));
    // Encounter 1 (discharged 2026-11-04, after this test's clock of 2026-03-10) is dated in
    // the future: it is on the data-quality list (DQ-FUTURE, issue #13), not analysed, so it
    // is neither in the queue nor held.
    assert_eq!(ids(&held), vec![21]);
    assert!(!ids(&queue).contains(&1));
    assert_eq!(
        chartdesk::deficiency::cutover::data_quality_list(store.conn(), Some("DQ-FUTURE"))
            .expect("dq")
            .iter()
            .map(|r| r.encounter_id)
            .collect::<Vec<_>>(),
        vec![1]
    );
    assert!(
        held[0]
            .hold
            .iter()
            .any(|h| h.kind == "MISS_DS" && h.rule == "REQ-DS"),
        "{:?}",
        held[0].hold
    );
    // Filter by type and service.
    let ip = CodingFilter {
        kind: Some("inpatient".into()),
        service: None,
    };
    assert!(
        !ids(&coding_page(&mut store, &carl, CodingList::Queue, &ip, None, 50).expect("q"))
            .contains(&22)
    );
    let svc = CodingFilter {
        kind: None,
        service: Some("Clinic".into()),
    };
    assert_eq!(
        ids(&coding_page(&mut store, &carl, CodingList::Queue, &svc, None, 50).expect("q")),
        vec![22]
    );
    // Keyset paging: one row per page walks the queue without gaps or repeats.
    let mut after = None;
    let mut walked = Vec::new();
    loop {
        let page =
            coding_page(&mut store, &carl, CodingList::Queue, &f, after.as_ref(), 1).expect("page");
        let Some(last) = page.last() else { break };
        walked.push(last.encounter_id);
        after = Some(last.key.clone());
    }
    assert_eq!(walked, ids(&queue));
    // Policy NONE: nothing held.
    settings::set(&mut store, &common::system(), "coding_hold_policy", "none").expect("set");
    assert_eq!(
        settings::get(store.conn(), settings::Key::CodingHoldPolicy).expect("get"),
        "NONE"
    );
    assert!(
        coding_page(&mut store, &carl, CodingList::Held, &f, None, 50)
            .expect("held")
            .is_empty()
    );
    assert!(settings::set(&mut store, &common::system(), "coding_hold_policy", "SOME").is_err());
    // A technician may not read the coding queue (DOMAIN §1), and the denial is audited.
    let err = coding_page(&mut store, &tina, CodingList::Queue, &f, None, 50).unwrap_err();
    assert!(matches!(err, CoreError::Denied { .. }), "{err}");
    assert!(common::audit_subtypes(&store).contains(&"access_denied".to_string()));
    chain_ok(&store);
}

#[test]
fn complete_is_blocked_by_a_hard_edit_then_coded_audited_reopened_and_exported() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, carl, cora, tina, _) = fixture(&dir.path().join("c.db"));
    work::claim(&mut store, &carl, 20).expect("claim");
    let err = work::claim(&mut store, &cora, 20).unwrap_err();
    assert!(err.to_string().contains("carl is coding"), "{err}");
    let wrong = CodeList {
        principal: Some(DxEntry::new("D63.0", Some('Y'))),
        secondary: vec![DxEntry::new("C50.911", Some('Y'))],
        procedures: vec![PxEntry {
            code: "0HTV0ZZ".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 3),
            principal: true,
        }],
    };
    // Another coder cannot save; a technician may not code at all.
    assert!(work::save_codes(&mut store, &cora, 20, &wrong).is_err());
    assert!(matches!(
        work::save_codes(&mut store, &tina, 20, &wrong),
        Err(CoreError::Denied { .. })
    ));
    // Bad input is refused whole, naming the entry.
    let mut bad = wrong.clone();
    bad.secondary.push(DxEntry::new("I10", Some('X')));
    let err = work::save_codes(&mut store, &carl, 20, &bad).unwrap_err();
    assert!(
        err.to_string().starts_with("diagnosis 3 (I10): POA"),
        "{err}"
    );
    let mut early = wrong.clone();
    early.procedures[0].date = NaiveDate::from_ymd_opt(2026, 2, 27);
    let err = work::save_codes(&mut store, &carl, 20, &early).unwrap_err();
    assert_eq!(
        err.to_string(),
        "procedure 1 (0HTV0ZZ): date 2026-02-27 is outside the stay 2026-03-02 .. 2026-03-06"
    );
    assert!(
        work::read_codes(store.conn(), 20)
            .expect("codes")
            .principal
            .is_none(),
        "nothing half written"
    );
    // The save runs the edits once, on the list as stored, and hands them back (issue #14):
    // they are what a fresh run on the stored list gives, MCE-06 included.
    let saved = work::save_codes(&mut store, &carl, 20, &wrong).expect("save");
    let stored = work::read_codes(store.conn(), 20).expect("codes");
    let h20 = work::header(store.conn(), 20).expect("header");
    assert_eq!(
        saved,
        work::edits_for(store.conn(), &h20, &stored).expect("edits")
    );
    assert!(saved.iter().any(|e| e.id == "MCE-06"), "{saved:?}");
    assert_eq!(status(&store, 20), "in_progress");
    let err = work::complete(&mut store, &carl, 20, &[], None).unwrap_err();
    assert!(err.to_string().contains("MCE-06@D63.0"), "{err}");
    assert_eq!(status(&store, 20), "in_progress");
    // Fix: the neoplasm first, the manifestation second.
    let fixed = CodeList {
        principal: Some(DxEntry::new("C50.911", Some('Y'))),
        secondary: vec![DxEntry::new("D63.0", Some('Y'))],
        procedures: wrong.procedures.clone(),
    };
    work::save_codes(&mut store, &carl, 20, &fixed).expect("save");
    let err = work::complete(&mut store, &carl, 20, &[], None).unwrap_err();
    assert!(
        err.to_string().contains("acknowledge the warnings"),
        "{err}"
    );
    let (h, codes, edits) = work::open(&mut store, &carl, 20).expect("open");
    assert_eq!(codes.to_json(), fixed.to_json());
    let ack: Vec<String> = edits.iter().map(work::ack_key).collect();
    let out = work::complete(&mut store, &carl, 20, &ack, None).expect("complete");
    assert_eq!(out.acknowledged, ack);
    assert_eq!(status(&store, 20), "coded");
    assert_eq!(h.visit_number, "V0000020");
    let rows: Vec<(String, i64, String, Option<String>, bool)> = store
        .conn()
        .prepare("SELECT kind, sequence, code, poa, principal FROM encounter_codes WHERE encounter_id = 20 ORDER BY kind, sequence")
        .expect("prep")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("q")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        rows,
        vec![
            ("dx".into(), 1, "C50911".into(), Some("Y".into()), true),
            ("dx".into(), 2, "D630".into(), Some("Y".into()), false),
            ("pcs".into(), 1, "0HTV0ZZ".into(), None, true),
        ]
    );
    let detail: String = store
        .conn()
        .query_row("SELECT detail FROM audit_log WHERE entity_type = 'coding' AND action = 'U' ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
        .expect("audit");
    let detail: serde_json::Value = serde_json::from_str(&detail).expect("json");
    assert_eq!(
        detail["codes"]["diagnoses"],
        serde_json::json!(["C50911:Y", "D630:Y"])
    );
    assert_eq!(detail["coding_status"]["to"], "coded");
    assert_eq!(
        detail["acknowledged"].as_array().map(Vec::len),
        Some(ack.len())
    );
    // The work log kept the hard edit hit on the way (edit rates) and the session's end.
    let (errors, seen, done): (i64, String, bool) = store
        .conn()
        .query_row("SELECT error_edits, errors_seen, completed_at IS NOT NULL FROM coding_work WHERE encounter_id = 20 AND username = 'carl'", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("work log");
    assert!(done);
    assert!(seen.contains("MCE-06@D63.0"), "{seen}");
    assert_eq!(
        errors,
        serde_json::from_str::<Vec<String>>(&seen)
            .expect("json")
            .len() as i64
    );
    // The claim is gone; saving a coded encounter is refused until it is reopened.
    assert!(
        work::claim_holder(store.conn(), 20, "2026-03-10T00:00:00")
            .expect("holder")
            .is_none()
    );
    work::claim(&mut store, &cora, 20).expect("claim after completion");
    assert!(
        work::save_codes(&mut store, &cora, 20, &fixed)
            .unwrap_err()
            .to_string()
            .contains("reopen")
    );
    // Export (FHIR and CSV), audited as export.
    let fhir: serde_json::Value =
        serde_json::from_str(&export(&mut store, &carl, 20, ExportFormat::Fhir).expect("fhir"))
            .expect("json");
    let entries = fhir["entry"].as_array().expect("entries");
    let cond: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Condition")
        .collect();
    assert_eq!(cond.len(), 2);
    assert_eq!(
        cond[0]["resource"]["code"]["coding"][0]["system"],
        "http://hl7.org/fhir/sid/icd-10-cm"
    );
    assert_eq!(cond[0]["resource"]["code"]["coding"][0]["code"], "C50.911");
    let claim = entries
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Claim")
        .expect("claim");
    assert_eq!(
        claim["resource"]["diagnosis"][1]["onAdmission"]["coding"][0]["code"],
        "Y"
    );
    assert_eq!(claim["resource"]["procedure"][0]["date"], "2026-03-03");
    let csv = export(&mut store, &carl, 20, ExportFormat::Csv).expect("csv");
    let row = csv.lines().nth(1).expect("row");
    assert!(row.starts_with("V0000020,MRN0000001,inpatient,2026-03-02,2026-03-06,,C50.911,Y,D63.0:Y,0HTV0ZZ,0HTV0ZZ@2026-03-03,coded,"), "{row}");
    assert!(common::audit_subtypes(&store).contains(&"export".to_string()));
    // Reopen needs a reason; then in progress, audited with it.
    assert!(work::reopen(&mut store, &carl, 20, "typo").is_err());
    work::reopen(&mut store, &carl, 20, "payer returned: wrong laterality").expect("reopen");
    assert_eq!(status(&store, 20), "in_progress");
    let reason: String = store
        .conn()
        .query_row(
            "SELECT reason FROM audit_log WHERE entity_type = 'coding' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("reason");
    assert_eq!(reason, "payer returned: wrong laterality");
    assert!(
        export(&mut store, &carl, 20, ExportFormat::Csv).is_err(),
        "in progress: no export"
    );
    chain_ok(&store);
}

#[test]
fn cod_20_supervisor_override_and_coder_refusal_on_a_held_encounter() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, carl, _, _, sam) = fixture(&dir.path().join("c.db"));
    let list = CodeList {
        principal: Some(DxEntry::new("K35.80", Some('Y'))),
        ..CodeList::default()
    };
    work::claim(&mut store, &carl, 21).expect("claim");
    work::save_codes(&mut store, &carl, 21, &list).expect("save");
    let (_, _, edits) = work::open(&mut store, &carl, 21).expect("open");
    let ack: Vec<String> = edits.iter().map(work::ack_key).collect();
    let err =
        work::complete(&mut store, &carl, 21, &ack, Some("documentation elsewhere")).unwrap_err();
    assert!(
        err.to_string()
            .contains("COD-20: held for documentation: MISS_DS"),
        "{err}"
    );
    work::release(&mut store, &carl, 21).expect("release");
    work::claim(&mut store, &sam, 21).expect("claim");
    assert!(work::complete(&mut store, &sam, 21, &ack, Some("short")).is_err());
    work::complete(
        &mut store,
        &sam,
        21,
        &ack,
        Some("summary is in the scanned paper chart"),
    )
    .expect("override");
    assert_eq!(status(&store, 21), "coded");
    let reason: String = store
        .conn()
        .query_row(
            "SELECT reason FROM audit_log WHERE entity_type = 'coding' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("reason");
    assert!(reason.starts_with("COD-20 override"), "{reason}");
    chain_ok(&store);
}

#[test]
fn cod_21_query_holds_until_answered_expires_or_closes_on_the_technician_side() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, carl, _, tina, _) = fixture(&dir.path().join("c.db"));
    assert!(query::send(&mut store, &carl, 20, "   ", None).is_err());
    let q = query::send(
        &mut store,
        &carl,
        20,
        "Please document the type of anemia, if known.",
        None,
    )
    .expect("send");
    assert_eq!(q.status, "open");
    let ts = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").expect("ts");
    assert_eq!(
        ts(&q.due_at) - ts(&q.asked_at),
        chrono::Duration::days(7),
        "query_expire_days = 7"
    );
    assert_eq!(status(&store, 20), "on_hold_query");
    let (kind, origin, rule, prov): (String, String, String, Option<i64>) = store
        .conn()
        .query_row(
            "SELECT kind, origin, rule, provider_id FROM deficiencies WHERE id = ?1",
            [q.deficiency_id.expect("def")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("deficiency");
    assert_eq!(
        (kind.as_str(), origin.as_str(), rule.as_str(), prov),
        ("QUERY", "query", "COD-21", Some(1))
    );
    work::claim(&mut store, &carl, 20).expect("claim");
    work::save_codes(
        &mut store,
        &carl,
        20,
        &CodeList {
            principal: Some(DxEntry::new("I21.4", Some('Y'))),
            ..CodeList::default()
        },
    )
    .expect("save while on hold");
    assert!(
        work::complete(
            &mut store,
            &carl,
            20,
            &["COD-14-USE-ADDITIONAL".into(), "POA-02-NO-LIST".into()],
            None
        )
        .unwrap_err()
        .to_string()
        .contains("COD-21")
    );
    query::answer(&mut store, &tina, q.id, "Anemia in neoplastic disease.").expect("answer");
    assert_eq!(status(&store, 20), "in_progress");
    let (qs, ds): (String, String) = store
        .conn()
        .query_row("SELECT q.status, d.status FROM coding_queries q JOIN deficiencies d ON d.id = q.deficiency_id WHERE q.id = ?1", [q.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("row");
    assert_eq!((qs.as_str(), ds.as_str()), ("answered", "completed"));
    assert!(
        query::answer(&mut store, &carl, q.id, "again").is_err(),
        "COD-21 answered only once"
    );
    query::close(&mut store, &carl, q.id).expect("close");
    // A second query expires after query_expire_days (7).
    let q2 = query::send(
        &mut store,
        &carl,
        20,
        "Was the MI present on admission?",
        None,
    )
    .expect("send");
    assert_eq!(
        query::expire_due(&mut store, &common::system()).expect("expire"),
        0
    );
    clock(&mut store, 2026, 3, 18, 14);
    assert_eq!(
        query::expire_due(&mut store, &common::system()).expect("expire"),
        1
    );
    let (qs, ds): (String, String) = store
        .conn()
        .query_row("SELECT q.status, d.status FROM coding_queries q JOIN deficiencies d ON d.id = q.deficiency_id WHERE q.id = ?1", [q2.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("row");
    assert_eq!((qs.as_str(), ds.as_str()), ("expired", "void"));
    assert_eq!(status(&store, 20), "in_progress");
    // A third query is answered on the technician side: completing the QUERY deficiency.
    let q3 = query::send(
        &mut store,
        &carl,
        20,
        "Please clarify the acuity of the MI.",
        None,
    )
    .expect("send");
    transition(
        &mut store,
        &tina,
        q3.deficiency_id.expect("def"),
        DefStatus::Completed,
        "",
        None,
    )
    .expect("complete def");
    let qs: String = store
        .conn()
        .query_row(
            "SELECT status FROM coding_queries WHERE id = ?1",
            [q3.id],
            |r| r.get(0),
        )
        .expect("q");
    assert_eq!(qs, "answered");
    assert_eq!(status(&store, 20), "in_progress");
    chain_ok(&store);
}

#[test]
fn dnfb_and_coder_reports_hand_computed() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, carl, _, _, _) = fixture(&dir.path().join("c.db"));
    // As of 2026-03-10: encounters 20 (day 4), 21 (day 6), 22 (day 5) are DNFB and DNFC;
    // encounter 1 (discharged 2026-11-04) is after the date and not counted.
    let r = report::dnfb(
        store.conn(),
        NaiveDate::from_ymd_opt(2026, 3, 10).expect("d"),
    )
    .expect("dnfb");
    assert_eq!(r.dnfb_count, 3);
    assert!((r.dnfb_average_days - 5.0).abs() < 1e-9, "{r:?}");
    assert_eq!(r.dnfc_count, 3);
    assert_eq!(r.dnfc_over_target, 3, "all older than dnfc_target_days = 3");
    // Code 22 (outpatient): 24 minutes of work (claim at 14:00, complete at 14:24).
    work::claim(&mut store, &carl, 22).expect("claim");
    work::save_codes(
        &mut store,
        &carl,
        22,
        &CodeList {
            principal: Some(DxEntry::new("I10", None)),
            ..CodeList::default()
        },
    )
    .expect("save");
    let (_, _, edits) = work::open(&mut store, &carl, 22).expect("open");
    let ack: Vec<String> = edits.iter().map(work::ack_key).collect();
    let t = Utc
        .with_ymd_and_hms(2026, 3, 10, 14, 24, 0)
        .single()
        .expect("t");
    store.set_clock(Arc::new(move || t));
    work::complete(&mut store, &carl, 22, &ack, None).expect("complete");
    let r = report::dnfb(
        store.conn(),
        NaiveDate::from_ymd_opt(2026, 3, 10).expect("d"),
    )
    .expect("dnfb");
    assert_eq!(
        (r.dnfb_count, r.dnfc_count),
        (3, 2),
        "coded is DNFB but not DNFC"
    );
    // Discharged 2026-03-05, coded 2026-03-10: 5 days (DOMAIN §7 discharge → coded).
    assert_eq!(r.turnaround.coded, 1);
    assert_eq!(
        (r.turnaround.mean_days, r.turnaround.median_days),
        (Some(5.0), Some(5.0))
    );
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("d");
    let t = report::throughput(store.conn(), day, day).expect("throughput");
    assert_eq!(t.coders.len(), 1);
    let c = &t.coders[0];
    assert_eq!(
        (c.coder.as_str(), c.encounters, c.outpatient),
        ("carl", 1, 1)
    );
    assert!((c.workbench_hours - 0.4).abs() < 1e-6, "{c:?}");
    assert!((c.per_hour.expect("rate") - 2.5).abs() < 1e-6);
    assert_eq!(c.edits_fired, edits.len() as i64);
    assert_eq!(t.target_ip_per_hour, 2.5);
    let (policy, held) = report::held_reasons(store.conn()).expect("held");
    assert_eq!(policy.as_str(), "CRITICAL");
    assert!(
        held.iter()
            .any(|h| h.kind == "MISS_DS" && h.encounters == 1),
        "21 (encounter 1 is on the data-quality list, DQ-FUTURE): {held:?}"
    );
}

#[test]
fn claims_expire_and_then_another_coder_may_take_the_encounter() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, carl, cora, _, _) = fixture(&dir.path().join("c.db"));
    work::claim(&mut store, &carl, 20).expect("claim");
    assert!(work::claim(&mut store, &cora, 20).is_err());
    // claim_minutes = 30: at 14:31 the claim has lapsed.
    let t = Utc
        .with_ymd_and_hms(2026, 3, 10, 14, 31, 0)
        .single()
        .expect("t");
    store.set_clock(Arc::new(move || t));
    let list = CodeList {
        principal: Some(DxEntry::new("I21.4", Some('Y'))),
        ..CodeList::default()
    };
    let err = work::save_codes(&mut store, &carl, 20, &list).unwrap_err();
    assert!(
        err.to_string().contains("claim the encounter first"),
        "{err}"
    );
    work::claim(&mut store, &cora, 20).expect("cora claims after expiry");
    let err = work::save_codes(&mut store, &carl, 20, &list).unwrap_err();
    assert!(err.to_string().contains("cora is coding"), "{err}");
    work::save_codes(&mut store, &cora, 20, &list).expect("save");
    // The command-line administrator never codes over a coder's live claim either.
    let err = work::save_codes(&mut store, &common::system(), 20, &list).unwrap_err();
    assert!(err.to_string().contains("cora is coding"), "{err}");
    let holder = work::claim_holder(store.conn(), 20, "2026-03-10T14:31:00").expect("holder");
    assert_eq!(holder.map(|h| h.1), Some("cora".to_string()));
    chain_ok(&store);
}

#[test]
fn cod_21_a_hold_status_without_an_open_query_does_not_block_completion() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut store, carl, _, _, _) = fixture(&dir.path().join("c.db"));
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute(
                "UPDATE encounters SET coding_status = 'on_hold_query' WHERE id = 22",
                [],
            )?;
            audit.record(Event::new(Action::Update, Subtype::Update, "fixture", 22));
            Ok::<_, CoreError>(())
        })
        .expect("legacy hold");
    work::claim(&mut store, &carl, 22).expect("claim");
    let list = CodeList {
        principal: Some(DxEntry::new("I10", None)),
        ..CodeList::default()
    };
    work::save_codes(&mut store, &carl, 22, &list).expect("save");
    let (_, _, edits) = work::open(&mut store, &carl, 22).expect("open");
    let ack: Vec<String> = edits.iter().map(work::ack_key).collect();
    work::complete(&mut store, &carl, 22, &ack, None).expect("no open query: completes");
    assert_eq!(status(&store, 22), "coded");
}
