//! Input limits (settings `max_name_length`, `max_field_length`, `max_codes_per_encounter`;
//! dates within 1900-2100) on imports and forms, and a UTF-8 BOM accepted in FHIR files.

mod common;

use chartdesk::audit::Actor;
use chartdesk::import::{self, FileStats, ImportError};
use chartdesk::store::Store;
use serde_json::json;

fn patient(family: &str, birth: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "p1",
         "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "MRN-LIM-1"}],
         "name": [{"family": family, "given": ["Jane"]}], "gender": "female", "birthDate": birth}}]}))
    .expect("json")
}

fn import(
    store: &mut Store,
    dir: &std::path::Path,
    n: usize,
    bytes: &[u8],
) -> Result<FileStats, ImportError> {
    let p = dir.join(format!("f{n}.json"));
    std::fs::write(&p, bytes).expect("write");
    let mut s =
        import::import_fhir(store, &Actor::system("t"), &[p], &mut |_, _| {}).expect("batch");
    s.files.remove(0).result
}

#[test]
fn input_limits_birth_date_9999_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("l.db")).expect("open");
    let e = import(&mut store, dir.path(), 1, &patient("Doe", "9999-12-31"))
        .expect_err("refused")
        .to_string();
    assert!(e.contains("birthDate") && e.contains("1900-2100"), "{e}");
    let e = import(&mut store, dir.path(), 2, &patient("Doe", "1850-01-01"))
        .expect_err("refused")
        .to_string();
    assert!(e.contains("birthDate"), "{e}");
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM patients", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0, "nothing half-written");
}

#[test]
fn input_limits_a_name_longer_than_max_name_length_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("l.db")).expect("open");
    let long = "X".repeat(101);
    let e = import(&mut store, dir.path(), 1, &patient(&long, "1970-01-01"))
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("family_name") && e.contains("max_name_length"),
        "{e}"
    );
    // The limit is a setting.
    chartdesk::settings::set(&mut store, &Actor::system("t"), "max_name_length", "200")
        .expect("set");
    import(&mut store, dir.path(), 2, &patient(&long, "1970-01-01")).expect("accepted under 200");
}

#[test]
fn input_limits_fhir_accepts_a_utf8_bom() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("l.db")).expect("open");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(patient("Doe", "1970-01-01"));
    import(&mut store, dir.path(), 1, &bytes).expect("a BOM is accepted");
    let family: String = store
        .conn()
        .query_row(
            "SELECT family_name FROM patients WHERE mrn = 'MRN-LIM-1'",
            [],
            |r| r.get(0),
        )
        .expect("patient");
    assert_eq!(family, "Doe");
}

#[test]
fn input_limits_roi_request_fields_and_dates() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    drop(common::seeded(&db));
    let run = |args: &[&str]| {
        let mut c = assert_cmd::Command::cargo_bin("chartdesk").expect("bin");
        c.arg("--db")
            .arg(&db)
            .env("CHARTDESK_SESSION_DIR", dir.path().join("sessions"))
            .args(args)
            .output()
            .expect("run")
    };
    let long = "R".repeat(101);
    let out = run(&[
        "roi",
        "log",
        "MRN0000001",
        "--type",
        "self",
        "--name",
        &long,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("requester_name") && err.contains("max_name_length"),
        "{err}"
    );
    let out = run(&[
        "roi",
        "log",
        "MRN0000001",
        "--type",
        "self",
        "--name",
        "Ana",
        "--received",
        "2999-01-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("received"));
}

#[test]
fn input_limits_codes_per_encounter() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    let mut store = common::seeded(&db);
    chartdesk::settings::set(
        &mut store,
        &common::system(),
        "max_codes_per_encounter",
        "25",
    )
    .expect("set");
    drop(store);
    let secondary: Vec<String> = (50..75).map(|n| format!("Z{n}:Y")).collect();
    let out = assert_cmd::Command::cargo_bin("chartdesk")
        .expect("bin")
        .arg("--db")
        .arg(&db)
        .env("CHARTDESK_SESSION_DIR", dir.path().join("sessions"))
        .args([
            "coding",
            "set-codes",
            "--encounter",
            "1",
            "--principal",
            "I10:Y",
            "--secondary",
        ])
        .arg(secondary.join(","))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("26 codes") && err.contains("max_codes_per_encounter"),
        "{err}"
    );
    let store = Store::open(&db).expect("open");
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM encounter_codes", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0, "nothing saved");
}
