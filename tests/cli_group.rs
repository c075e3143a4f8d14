//! `chartdesk group` as a script runs it (issue #14): codes as arguments in table and JSON,
//! exit 1 for an error DRG, usage errors, JSON Lines batches with a bad line, and
//! `--encounter` (coding permission, audited as a view of the patient, AUD-09).

mod common;

use assert_cmd::Command;
use chartdesk::CoreError;
use chartdesk::audit::{Action, Event, Subtype};
use chartdesk::store::Store;
use predicates::prelude::*;

fn cd(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db").arg(db).env_remove("CHARTDESK_DB");
    c
}

#[test]
fn group_codes_as_arguments_table_and_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("none.db"); // not created: codes as arguments need no database
    let args = [
        "group",
        "--principal",
        "J18.9",
        "--secondary",
        "J96.01:Y",
        "--sex",
        "M",
        "--discharge",
        "2026-01-15",
    ];
    cd(&db).args(args).assert().success().stdout(
        predicate::str::contains("MS-DRG v43.0")
            .and(predicate::str::contains(
                "DRG 193 Simple Pneumonia and Pleurisy with MCC",
            ))
            .and(predicate::str::contains("severity MCC (from J9601)")),
    );
    assert!(!db.exists(), "grouping codes must not create a database");
    let out = cd(&db)
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["initial"]["drg"], 193);
    assert_eq!(v["initial"]["mdc"], 4);
    assert_eq!(v["final_drg"]["drg"], 193);
    // Table 5 FY2026 (DRG-06): DRG 193's weight and mean lengths of stay are reported.
    let w = chartdesk::coding::grouper::weights::weight_of(193).expect("DRG 193 in Table 5");
    assert_eq!(v["weight"].as_f64(), w.weight);
    assert_eq!(v["gmlos"].as_f64(), w.gmlos);
    assert_eq!(v["amlos"].as_f64(), w.amlos);
}

#[test]
fn group_error_drg_exits_1_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("none.db");
    cd(&db)
        .args([
            "group",
            "--principal",
            "V00.01XA",
            "--discharge",
            "2026-01-15",
        ])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("DRG 999").and(predicate::str::contains(
                "diagnosis not allowed as principal",
            )),
        );
    cd(&db)
        .args([
            "group",
            "--principal",
            "J18.9",
            "--discharge",
            "2026-01-15",
            "--format",
            "xml",
        ])
        .assert()
        .code(2);
    cd(&db)
        .args([
            "group",
            "--principal",
            "J18.9",
            "--discharge",
            "2026-01-15",
            "--discharge-status",
            "77",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--discharge-status \"77\""));
    cd(&db)
        .args(["group", "--principal", "J18.9", "--discharge", "2024-01-15"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("only MS-DRG v43"));
}

#[test]
fn group_input_jsonl_streams_results_in_order_and_names_a_bad_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("none.db");
    let file = dir.path().join("claims.jsonl");
    std::fs::write(
        &file,
        "{\"principal\":\"I21.4\",\"secondary\":[[\"N17.9\",\"Y\"]],\"procedures\":[\"02703DZ\"],\"sex\":\"M\",\"discharge\":\"2026-01-15\"}\n\
         {\"principal\":\"I21.4\",\"discharge\":\"not a date\"}\n\
         \n\
         {\"principal\":\"B20\",\"discharge\":\"2026-05-15\",\"discharge_status\":\"20\"}\n",
    )
    .expect("write");
    let out = cd(&db)
        .arg("group")
        .arg("--input")
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad line makes the batch exit 1"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["line"], 1);
    assert_eq!(lines[0]["result"]["initial"]["drg"], 322);
    assert_eq!(lines[1]["line"], 2);
    assert!(
        lines[1]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("line 2:"))
    );
    assert_eq!(lines[2]["line"], 4);
    assert_eq!(lines[2]["result"]["initial"]["drg"], 977);
    assert_eq!(lines[2]["result"]["version"], "43.1");
}

#[test]
fn group_encounter_is_audited_as_a_view_of_the_patient() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    cd(&db).arg("init").assert().success();
    let mut store = Store::open(&db).expect("open");
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name) VALUES (1, '1234567893', 'House', 'Greg');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES (1, 'MRN1', 'Rivera', 'Ana', '1970-03-04', 'F');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, discharge_disposition, attending_id, him_status)
                   VALUES (30, 'V30', 1, 'inpatient', 'Medicine', '2026-03-02T08:00:00', '2026-03-06T12:00:00', '01', 1, 'awaiting_analysis'),
                          (31, 'V31', 1, 'inpatient', 'Medicine', '2026-03-02T08:00:00', '2026-03-06T12:00:00', 'home', 1, 'awaiting_analysis');
                 INSERT INTO documents(encounter_id, doc_type, title, author_id, status, service_at, signed_at) VALUES
                   (30, '34117-2', 'H&P', 1, 'signed', '2026-03-02T09:00:00', '2026-03-02T10:00:00'),
                   (30, '18842-5', 'Discharge summary', 1, 'signed', '2026-03-06T11:00:00', '2026-03-06T11:30:00'),
                   (31, '34117-2', 'H&P', 1, 'signed', '2026-03-02T09:00:00', '2026-03-02T10:00:00'),
                   (31, '18842-5', 'Discharge summary', 1, 'signed', '2026-03-06T11:00:00', '2026-03-06T11:30:00');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 30));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    drop(store);
    cd(&db).arg("analyze").assert().success();
    for enc in ["30", "31"] {
        cd(&db)
            .args([
                "coding",
                "set-codes",
                "--encounter",
                enc,
                "--principal",
                "J18.9:Y",
                "--secondary",
                "J96.01:Y",
            ])
            .assert()
            .success();
    }
    let before: i64 = Store::open(&db)
        .expect("open")
        .conn()
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .expect("seq");
    cd(&db)
        .args(["group", "--encounter", "30", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"drg\": 193"));
    let (seq, subtype, mrn, detail): (i64, String, Option<String>, String) = Store::open(&db)
        .expect("open")
        .conn()
        .query_row(
            "SELECT seq, subtype, patient_mrn, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("audit row");
    assert!(seq > before, "group --encounter wrote no audit row");
    assert_eq!((subtype.as_str(), mrn.as_deref()), ("view", Some("MRN1")));
    assert!(detail.contains("\"group\""), "{detail}");
    // a free-text disposition is not guessed: the command asks for --discharge-status
    cd(&db)
        .args(["group", "--encounter", "31"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--discharge-status"));
    cd(&db)
        .args(["group", "--encounter", "31", "--discharge-status", "20"])
        .assert()
        .success();
}

#[test]
fn edits_exit_codes_and_mce_15_16_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("e.db");
    cd(&db).arg("init").assert().success();
    let base = [
        "edits",
        "--age",
        "70",
        "--discharge",
        "2026-01-15",
        "--principal",
        "J18.9:Y",
    ];
    cd(&db)
        .args(base)
        .args(["--sex", "M", "--discharge-status", "01"])
        .assert()
        .code(0);
    cd(&db)
        .args(base)
        .args(["--sex", "X", "--discharge-status", "99"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MCE-15").and(predicate::str::contains("MCE-16")));
    // the command itself failed (a required input is missing): 3, not 1
    cd(&db)
        .args(["edits", "--discharge", "2026-01-15", "--principal", "J18.9"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--age is required"));
    cd(&db).args(["edits", "--bogus"]).assert().code(2);
    // Z51.89 with a secondary is a valid claim (MCE 9 reqsdx list)
    cd(&db)
        .args([
            "edits",
            "--age",
            "70",
            "--sex",
            "F",
            "--discharge",
            "2026-01-15",
        ])
        .args(["--principal", "Z51.89:Y", "--secondary", "C50.911:Y"])
        .assert()
        .stdout(predicate::str::contains("MCE-09").not());
    // COD-03 on a header with subcategories points to real codes, not "S72.0XXA"
    cd(&db)
        .args([
            "edits",
            "--age",
            "70",
            "--sex",
            "F",
            "--discharge",
            "2026-01-15",
        ])
        .args(["--principal", "S72.0:Y"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("COD-03")
                .and(predicate::str::contains("S72.001A"))
                .and(predicate::str::contains("S72.0XXA").not()),
        );
    // where the padded code exists it is still the example
    cd(&db)
        .args([
            "edits",
            "--age",
            "70",
            "--sex",
            "F",
            "--discharge",
            "2026-01-15",
        ])
        .args(["--principal", "S72.001:Y"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("e.g. S72.001A"));
}
