use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use super::*;
use crate::domain::{CodingStatus, DocStatus, EncounterKind, HimStatus};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
}

fn spec(seed: u64, encounters: usize) -> GenSpec {
    GenSpec {
        seed,
        encounters,
        today: today(),
    }
}

fn fresh(dir: &tempfile::TempDir, name: &str) -> Store {
    Store::open_or_create(&dir.path().join(name)).unwrap()
}

fn generated(seed: u64, encounters: usize) -> (tempfile::TempDir, Store, GenSummary) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = fresh(&dir, "t.db");
    let summary = generate(&mut store, &Actor::system("test"), &spec(seed, encounters)).unwrap();
    (dir, store, summary)
}

fn table_hash(conn: &Reader, table: &str) -> String {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY id"))
        .unwrap();
    let cols = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    let mut h = Sha256::new();
    while let Some(row) = rows.next().unwrap() {
        for i in 0..cols {
            let cell = match row.get_ref(i).unwrap() {
                ValueRef::Null => "N".to_string(),
                ValueRef::Integer(v) => format!("I{v}"),
                ValueRef::Real(v) => format!("R{v}"),
                ValueRef::Text(t) => format!("T{}:{}", t.len(), String::from_utf8_lossy(t)),
                ValueRef::Blob(b) => format!("B{b:?}"),
            };
            h.update(cell.as_bytes());
            h.update([0u8]);
        }
        h.update([1u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

const TABLES: &[&str] = &["providers", "patients", "encounters", "documents"];

fn count(conn: &Reader, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn same_spec_gives_identical_rows_and_another_seed_does_not() {
    let (_d1, a, sa) = generated(42, 600);
    let (_d2, b, sb) = generated(42, 600);
    let (_d3, c, _) = generated(43, 600);
    assert_eq!(sa, sb);
    for t in TABLES {
        assert_eq!(table_hash(a.conn(), t), table_hash(b.conn(), t), "{t}");
    }
    assert_ne!(
        table_hash(a.conn(), "documents"),
        table_hash(c.conn(), "documents")
    );
}

#[test]
fn counts_match_the_summary_and_the_mix_is_realistic() {
    let (_d, store, s) = generated(7, 600);
    let conn = store.conn();
    assert_eq!(s.encounters, 600);
    assert_eq!(
        count(conn, "SELECT COUNT(*) FROM providers") as usize,
        s.providers
    );
    assert_eq!(
        count(conn, "SELECT COUNT(*) FROM patients") as usize,
        s.patients
    );
    assert_eq!(
        count(conn, "SELECT COUNT(*) FROM encounters") as usize,
        s.encounters
    );
    assert_eq!(
        count(conn, "SELECT COUNT(*) FROM documents") as usize,
        s.documents
    );
    assert_eq!(s.providers, 40);
    assert!((150..=300).contains(&s.patients), "{s:?}");
    assert!(s.documents > 2 * s.encounters, "{s:?}");
    let share = |kind: &str| {
        count(
            conn,
            &format!("SELECT COUNT(*) FROM encounters WHERE kind = '{kind}'"),
        ) as f64
            / 600.0
    };
    assert!((0.25..0.45).contains(&share("inpatient")));
    assert!((0.17..0.33).contains(&share("emergency")));
    assert!((0.22..0.40).contains(&share("outpatient")));
    assert!((0.05..0.16).contains(&share("observation")));
}

#[test]
fn integrity_keys_and_identifiers_hold() {
    let (_d, store, s) = generated(3, 600);
    let conn = store.conn();
    let fk: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(fk.is_empty(), "{fk:?}");
    let ic: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ic, "ok");
    assert_eq!(
        count(conn, "SELECT COUNT(DISTINCT mrn) FROM patients") as usize,
        s.patients
    );
    assert_eq!(
        count(conn, "SELECT COUNT(DISTINCT visit_number) FROM encounters") as usize,
        s.encounters
    );
    let bad = count(
        conn,
        "SELECT COUNT(*) FROM patients WHERE mrn NOT GLOB 'MRN[0-9][0-9][0-9][0-9][0-9][0-9][0-9]'",
    );
    assert_eq!(bad, 0);
    let bad = count(
        conn,
        "SELECT COUNT(*) FROM encounters WHERE visit_number NOT GLOB 'V[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'",
    );
    assert_eq!(bad, 0);
    let npis: Vec<String> = conn
        .prepare("SELECT npi FROM providers")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(npis.iter().all(|n| roster::npi_is_valid(n)), "{npis:?}");
    // Residents and PAs have a supervising physician.
    let unsupervised = count(
        conn,
        "SELECT COUNT(*) FROM providers p LEFT JOIN providers s ON s.id = p.supervisor_id
         WHERE p.kind IN ('resident','pa') AND (s.id IS NULL OR s.kind <> 'physician')",
    );
    assert_eq!(unsupervised, 0);
    assert!(
        count(
            conn,
            "SELECT COUNT(*) FROM providers WHERE kind = 'resident'"
        ) > 0
    );
}

#[test]
fn statuses_are_allowed_and_consistent() {
    let (_d, store, _) = generated(11, 600);
    let conn = store.conn();
    let mut stmt = conn
        .prepare(
            "SELECT kind, him_status, coding_status, admit_at, discharge_at, discharge_disposition,
                    coded_at, final_billed_at FROM encounters",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .unwrap();
    let now = "2026-03-15T06:00:00";
    let mut hims = BTreeMap::new();
    for row in rows {
        let (kind, him, coding, admit, discharge, dispo, coded_at, billed_at) = row.unwrap();
        let kind = EncounterKind::parse(&kind).unwrap();
        let him = HimStatus::parse(&him).unwrap();
        let coding = CodingStatus::parse(&coding).unwrap();
        *hims.entry(him).or_insert(0) += 1;
        assert!(admit.as_str() < now);
        match &discharge {
            None => {
                assert_eq!(him, HimStatus::Open);
                assert_eq!(coding, CodingStatus::NotReady);
                assert!(dispo.is_none());
                assert!(matches!(
                    kind,
                    EncounterKind::Inpatient | EncounterKind::Observation
                ));
            }
            Some(d) => {
                assert!(d.as_str() > admit.as_str() && d.as_str() <= now);
                assert_ne!(him, HimStatus::Open);
                let code = dispo.as_deref().unwrap();
                assert!(code.len() == 2 && code.chars().all(|c| c.is_ascii_digit()));
                if matches!(kind, EncounterKind::Emergency | EncounterKind::Outpatient) {
                    assert_eq!(&d[..10], &admit[..10], "same-day visit");
                }
            }
        }
        if matches!(coding, CodingStatus::Coded | CodingStatus::FinalBilled) {
            assert_eq!(him, HimStatus::DocComplete);
            assert!(coded_at.is_some());
        }
        assert_eq!(coding == CodingStatus::FinalBilled, billed_at.is_some());
    }
    for h in HimStatus::ALL {
        assert!(
            hims.get(h).copied().unwrap_or(0) > 0,
            "no {h} encounters: {hims:?}"
        );
    }
    let mut stmt = conn
        .prepare("SELECT status, service_at, signed_at, cosigner_id, cosigned_at FROM documents")
        .unwrap();
    let docs = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .unwrap();
    for d in docs {
        let (status, service_at, signed_at, cosigner, cosigned_at) = d.unwrap();
        let status = DocStatus::parse(&status).unwrap();
        assert!(service_at.as_str() <= now);
        assert_eq!(status.is_signed(), signed_at.is_some());
        if let Some(s) = &signed_at {
            assert!(s > &service_at && s.as_str() <= now);
        }
        if let Some(c) = &cosigned_at {
            assert!(cosigner.is_some() && Some(c) > signed_at.as_ref());
            assert_eq!(status, DocStatus::Cosigned);
        }
    }
}

#[test]
fn there_is_work_to_do() {
    let (_d, store, s) = generated(5, 600);
    let conn = store.conn();
    let unsigned = count(
        conn,
        "SELECT COUNT(*) FROM documents WHERE status IN ('incomplete','dictated','transcribed')",
    );
    let cosign = count(
        conn,
        "SELECT COUNT(*) FROM documents WHERE cosigner_id IS NOT NULL AND status = 'signed'",
    );
    let no_ds = count(
        conn,
        "SELECT COUNT(*) FROM encounters e WHERE kind = 'inpatient' AND discharge_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.encounter_id = e.id AND d.doc_type = '18842-5')",
    );
    let surgical = count(
        conn,
        "SELECT COUNT(DISTINCT encounter_id) FROM documents WHERE doc_type = '59284-0'",
    );
    let sensitive = count(
        conn,
        "SELECT COUNT(*) FROM documents WHERE sensitivity <> ''",
    );
    let share = unsigned as f64 / s.documents as f64;
    assert!(
        (0.05..0.30).contains(&share),
        "unsigned {unsigned}/{}",
        s.documents
    );
    assert!(cosign > 0 && no_ds > 0 && surgical > 0 && sensitive > 0);
    for code in [
        "34117-2", "18842-5", "11504-8", "11506-3", "34111-5", "28570-0", "59284-0",
    ] {
        let n = count(
            conn,
            &format!("SELECT COUNT(*) FROM documents WHERE doc_type = '{code}'"),
        );
        assert!(n > 0, "no {code}");
    }
    let (lo, hi): (i64, i64) = conn
        .query_row(
            "SELECT MIN(length(body)), MAX(length(body)) FROM documents",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(lo >= 300 && hi <= 2600, "body lengths {lo}..{hi}");
}

#[test]
fn audit_chain_verifies_with_one_event_per_batch() {
    let (_d, store, s) = generated(9, 600);
    let report = crate::audit::verify(store.conn(), &[]).unwrap();
    assert!(report.ok(), "{:?}", report.problem);
    let details = dataset_events(&store);
    assert!(!details.is_empty());
    let total: u64 = details
        .iter()
        .map(|d| d["counts"]["encounters"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total as usize, s.encounters,
        "every batch has its one event"
    );
}

fn dataset_events(store: &Store) -> Vec<serde_json::Value> {
    store
        .conn()
        .prepare("SELECT detail FROM audit_log WHERE entity_type = 'dataset' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| serde_json::from_str(&r.unwrap()).unwrap())
        .collect()
}

#[test]
fn large_runs_are_split_into_audited_batches() {
    let (_d, store, s) = generated(13, BATCH_ENCOUNTERS + 50);
    assert_eq!(s.encounters, BATCH_ENCOUNTERS + 50);
    let conn = store.conn();
    assert!(crate::audit::verify(conn, &[]).unwrap().ok());
    let details = dataset_events(&store);
    assert!(details.len() >= 2, "{}", details.len());
    let mut total = 0;
    for (i, d) in details.iter().enumerate() {
        let n = d["counts"]["encounters"].as_u64().unwrap() as usize;
        assert!(n <= BATCH_ENCOUNTERS, "batch {i}: {n}");
        assert_eq!(d["batch"], i);
        if i > 0 {
            assert_eq!(d["counts"]["providers"], 0);
        }
        total += n;
    }
    assert_eq!(total, BATCH_ENCOUNTERS + 50);
}

#[test]
fn generating_twice_appends_a_second_data_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = fresh(&dir, "t.db");
    let actor = Actor::system("test");
    let a = generate(&mut store, &actor, &spec(1, 50)).unwrap();
    let b = generate(&mut store, &actor, &spec(1, 50)).unwrap();
    // Same seed, but the second roster must avoid the first one's NPIs: not the same rows.
    assert_eq!((a.encounters, b.encounters), (50, 50));
    assert_eq!(count(store.conn(), "SELECT COUNT(*) FROM encounters"), 100);
    assert_eq!(
        count(store.conn(), "SELECT COUNT(DISTINCT mrn) FROM patients") as usize,
        a.patients + b.patients
    );
    assert!(crate::audit::verify(store.conn(), &[]).unwrap().ok());
}

/// Writes a demo database (600 encounters, or $CHARTDESK_DEMO_N) to $CHARTDESK_DEMO_DB for inspection.
#[test]
#[ignore]
fn write_demo_db() {
    let Ok(path) = std::env::var("CHARTDESK_DEMO_DB") else {
        return;
    };
    let mut store = Store::open_or_create(std::path::Path::new(&path)).unwrap();
    let n = std::env::var("CHARTDESK_DEMO_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let s = generate(&mut store, &Actor::system("test"), &spec(42, n)).unwrap();
    println!("{s:?}");
}

#[test]
fn demo_users_are_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = fresh(&dir, "t.db");
    let actor = Actor::system("test");
    create_demo_users(&mut store, &actor).unwrap();
    for (name, role, password, _) in DEMO_USERS {
        let session = crate::accounts::login(&mut store, name, password).unwrap();
        assert_eq!(session.role, *role);
    }
    assert!(create_demo_users(&mut store, &actor).is_err());
}

/// `cargo test --release --lib demo -- --ignored --nocapture`
#[test]
#[ignore]
fn timing_200k() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = fresh(&dir, "t.db");
    let start = std::time::Instant::now();
    let s = generate(&mut store, &Actor::system("test"), &spec(2024, 200_000)).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let size = std::fs::metadata(dir.path().join("t.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "200k encounters: {s:?} in {secs:.1} s, db {} MB",
        size / 1_000_000
    );
}
