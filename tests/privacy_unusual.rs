//! The unusual-access report (AUD-14) and the audit search behind the audit screen: each
//! finding kind from a hand-built day of audit rows, each naming the seqs behind it.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chartdesk::CoreError;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::chart;
use chartdesk::domain::Role;
use chartdesk::privacy::unusual::{FindingKind, report};
use chartdesk::privacy::{self, AuditFilter, Flag};
use chartdesk::settings::{self, Key};
use chartdesk::store::Store;
use chrono::{DateTime, TimeZone, Utc};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0)
        .single()
        .expect("time")
}

/// The store's clock, set by the test.
fn clocked(store: &mut Store) -> Arc<AtomicI64> {
    let t = Arc::new(AtomicI64::new(at(10, 0).timestamp()));
    let c = t.clone();
    store.set_clock(Arc::new(move || {
        Utc.timestamp_opt(c.load(Ordering::SeqCst), 0)
            .single()
            .unwrap_or_default()
    }));
    t
}

fn set(t: &AtomicI64, when: DateTime<Utc>) {
    t.store(when.timestamp(), Ordering::SeqCst);
}

/// Patients: 1 Rivera Ana, 2 Riviera Ben (seeded); 3 Fullname Tina (the technician's own
/// chart: user tina's full name is "tina full"), 4 Full Other (same surname), 5..=8 extras.
fn fixture(dir: &std::path::Path) -> (Store, Arc<AtomicI64>) {
    let mut store = common::seeded(&dir.join("db.sqlite"));
    let sys = common::system();
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES
                   (3, 'MRN0000003', 'Full', 'Tina', '1990-01-01', 'F'),
                   (4, 'MRN0000004', 'Full', 'Other', '1991-01-01', 'M'),
                   (5, 'MRN0000005', 'Five', 'A', '1991-01-01', 'M'),
                   (6, 'MRN0000006', 'Six', 'B', '1991-01-01', 'M'),
                   (7, 'MRN0000007', 'Seven', 'C', '1991-01-01', 'M');
                 UPDATE documents SET sensitivity = 'SUD_PART2' WHERE id = 1;",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, CoreError>(())
        })
        .expect("rows");
    settings::set(&mut store, &sys, Key::BulkAccessLimit.name(), "3").expect("limit");
    settings::set(&mut store, &sys, Key::DenialAlertCount.name(), "2").expect("denials");
    settings::set(&mut store, &sys, Key::FacilityTimezone.name(), "UTC").expect("zone");
    let t = clocked(&mut store);
    (store, t)
}

fn user(store: &Store, name: &str, role: Role) -> Actor {
    let id: i64 = store
        .conn()
        .query_row("SELECT id FROM users WHERE username = ?1", [name], |r| {
            r.get(0)
        })
        .expect("user");
    Actor::user(id, name, role)
}

fn seqs_of(store: &Store, sql: &str) -> Vec<i64> {
    let mut stmt = store.conn().prepare(sql).expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<Vec<i64>, _>>()
        .expect("rows")
}

#[test]
fn each_finding_kind_names_the_audit_rows_behind_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut store, clock) = fixture(dir.path());
    let sam = user(&store, "sam", Role::Supervisor);
    let tina = user(&store, "tina", Role::Technician);
    let carl = user(&store, "carl", Role::Coder);

    set(&clock, at(9, 0));
    privacy::set_flag(&mut store, &sam, "MRN0000002", Flag::Vip, true).expect("flag");
    // A technician may not set flags (checked in the core, audited as a denial).
    assert!(privacy::set_flag(&mut store, &tina, "MRN0000001", Flag::Employee, true).is_err());

    // 10:00 tina views the VIP chart, her own chart and a same-surname chart.
    set(&clock, at(10, 0));
    for p in [2, 3, 4] {
        chart::open_chart(&mut store, &tina, p).expect("view");
    }
    // 22:30 carl views one chart (after hours), then 4 distinct patients in that hour (bulk).
    set(&clock, at(22, 30));
    for p in [1, 5, 6, 7] {
        chart::open_chart(&mut store, &carl, p).expect("view");
    }
    // carl breaks the glass on the SUD note.
    chartdesk::break_glass::read_sensitive(
        &mut store,
        &carl,
        1,
        "TREAT",
        "patient in ED, needs history",
    )
    .expect("btg");
    // carl is refused twice (a coder may not change settings).
    for _ in 0..2 {
        assert!(settings::set(&mut store, &carl, "claim_minutes", "10").is_err());
    }

    set(&clock, at(23, 0));
    let r = report(&mut store, &sam, Some(at(0, 0)), Some(at(23, 59))).expect("report");
    let find = |k: FindingKind, u: &str| {
        r.findings
            .iter()
            .filter(|f| f.kind == k && f.username == u)
            .collect::<Vec<_>>()
    };

    let views = |mrn: &str, u: &str| {
        seqs_of(
            &store,
            &format!(
                "SELECT seq FROM audit_log WHERE subtype = 'view' AND entity_type = 'patient' AND patient_mrn = '{mrn}' AND username = '{u}' ORDER BY seq"
            ),
        )
    };
    let vip = find(FindingKind::FlaggedChart, "tina");
    assert_eq!(vip.len(), 1, "{:?}", r.findings);
    assert_eq!(vip[0].mrn.as_deref(), Some("MRN0000002"));
    assert_eq!(vip[0].seqs, views("MRN0000002", "tina"));

    let own = find(FindingKind::OwnChart, "tina");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].seqs, views("MRN0000003", "tina"));
    let fam = find(FindingKind::SameSurname, "tina");
    assert_eq!(fam.len(), 1);
    assert_eq!(fam[0].seqs, views("MRN0000004", "tina"));
    // tina's 10:00 views are within business hours (07:00-19:00 by default).
    assert!(find(FindingKind::AfterHours, "tina").is_empty());

    let late = find(FindingKind::AfterHours, "carl");
    assert_eq!(late.len(), 1);
    let carl_access = seqs_of(
        &store,
        "SELECT seq FROM audit_log WHERE username = 'carl' AND outcome = 0 AND patient_mrn IS NOT NULL ORDER BY seq",
    );
    assert_eq!(late[0].seqs, carl_access);

    let bulk = find(FindingKind::Bulk, "carl");
    assert_eq!(bulk.len(), 1, "4 patients > limit 3: {:?}", r.findings);
    assert!(bulk[0].what.starts_with("4 patients"), "{}", bulk[0].what);

    let btg = find(FindingKind::BreakGlass, "carl");
    assert_eq!(btg.len(), 1);
    let btg_seq = seqs_of(
        &store,
        "SELECT seq FROM audit_log WHERE json_extract(detail, '$.break_glass') = 1",
    );
    assert_eq!(btg[0].seqs, btg_seq);
    assert!(btg[0].what.contains("needs history"));

    let denied = find(FindingKind::RepeatedDenials, "carl");
    assert_eq!(denied.len(), 1);
    assert_eq!(
        denied[0].seqs,
        seqs_of(
            &store,
            "SELECT seq FROM audit_log WHERE username = 'carl' AND outcome <> 0 ORDER BY seq"
        )
    );
    // tina was refused once only (limit 2): not listed.
    assert!(find(FindingKind::RepeatedDenials, "tina").is_empty());

    // The report itself is audited, listing the MRNs it shows (AUD-11).
    let (detail,): (String,) = store
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE entity_id = 'unusual_access' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?,)),
        )
        .expect("audit row");
    assert!(
        detail.contains("MRN0000002") && detail.contains("AUD-14"),
        "{detail}"
    );

    // Only a supervisor runs it.
    assert!(report(&mut store, &carl, None, None).is_err());
}

#[test]
fn audit_search_filters_by_user_patient_action_outcome_and_time_and_is_audited() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut store, clock) = fixture(dir.path());
    let sam = user(&store, "sam", Role::Supervisor);
    let tina = user(&store, "tina", Role::Technician);
    set(&clock, at(10, 0));
    chart::open_chart(&mut store, &tina, 1).expect("view");
    set(&clock, at(11, 0));
    chart::open_chart(&mut store, &tina, 2).expect("view");
    assert!(privacy::search(&mut store, &tina, &AuditFilter::default(), 10).is_err());

    let q = |user: Option<&str>,
             mrn: Option<&str>,
             action: Option<&str>,
             outcome,
             from: Option<&str>| AuditFilter {
        user: user.map(str::to_string),
        mrn: mrn.map(str::to_string),
        action: action.map(str::to_string),
        outcome,
        from: from.map(str::to_string),
        to: None,
    };
    let who = privacy::search(
        &mut store,
        &sam,
        &q(None, Some("MRN0000001"), Some("view"), None, None),
        50,
    )
    .expect("who looked");
    assert_eq!(who.total, 1);
    assert_eq!(who.rows[0].username, "tina");
    let late = privacy::search(
        &mut store,
        &sam,
        &q(
            Some("tina"),
            None,
            Some("view"),
            None,
            Some("2026-12-01T10:30"),
        ),
        50,
    )
    .expect("time");
    assert_eq!(
        late.rows
            .iter()
            .map(|r| r.patient_mrn.clone())
            .collect::<Vec<_>>(),
        vec![Some("MRN0000002".to_string())]
    );
    let failed = privacy::search(
        &mut store,
        &sam,
        &q(Some("tina"), None, None, Some(-1), None),
        50,
    )
    .expect("fail");
    assert_eq!(failed.total, 1, "tina's refused search");
    assert_eq!(failed.rows[0].subtype, "access_denied");
    // Every search is an audit_view row naming its filter, about the patient when one is given.
    let (n, mrn): (i64, Option<String>) = store
        .conn()
        .query_row(
            "SELECT count(*), max(patient_mrn) FROM audit_log WHERE subtype = 'audit_view' AND username = 'sam'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("audit");
    assert_eq!((n, mrn.as_deref()), (3, Some("MRN0000001")));

    // Exports: CSV and FHIR NDJSON, each audited.
    let out = dir.path().join("exports");
    let csv = privacy::export(
        &mut store,
        &sam,
        &q(None, Some("MRN0000001"), None, None, None),
        privacy::AuditFormat::Csv,
        &out,
        "a",
    )
    .expect("csv");
    let text = std::fs::read_to_string(&csv).expect("read");
    assert!(text.starts_with("seq,recorded_at,user"), "{text}");
    assert!(text.contains("tina"));
    let fhir = privacy::export(
        &mut store,
        &sam,
        &q(None, Some("MRN0000001"), None, None, None),
        privacy::AuditFormat::Fhir,
        &out,
        "b",
    )
    .expect("fhir");
    let line = std::fs::read_to_string(&fhir).expect("read");
    let first: serde_json::Value =
        serde_json::from_str(line.lines().next().expect("a line")).expect("json");
    assert_eq!(first["resourceType"], "AuditEvent");
    let exports: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE subtype = 'audit_export'",
            [],
            |r| r.get(0),
        )
        .expect("n");
    assert_eq!(exports, 2);
    assert!(privacy::chain_status(store.conn()).starts_with("chain intact"));
}
