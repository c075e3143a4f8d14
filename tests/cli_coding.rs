//! `chartdesk coding …` and `chartdesk report dnfb|coding` as a script runs them: queue and
//! held list, a hard edit blocking completion (exit 1, one line naming the edit id), the fix,
//! completion with acknowledged warnings, export for billing, reports in each format.

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

/// Encounter 30 (inpatient, discharge summary signed) is ready; 31 has none (held, MISS_DS).
fn database(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("c.db");
    cd(&db).arg("init").assert().success();
    let mut store = Store::open(&db).expect("open");
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name) VALUES (1, '1234567893', 'House', 'Greg');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES (1, 'MRN1', 'Rivera', 'Ana', '1970-03-04', 'F');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (30, 'V30', 1, 'inpatient', 'Medicine', '2026-03-02T08:00:00', '2026-03-06T12:00:00', 1, 'awaiting_analysis'),
                          (31, 'V31', 1, 'inpatient', 'Surgery', '2026-03-07T08:00:00', '2026-03-08T12:00:00', 1, 'awaiting_analysis');
                 INSERT INTO documents(encounter_id, doc_type, title, author_id, status, service_at, signed_at) VALUES
                   (30, '34117-2', 'H&P', 1, 'signed', '2026-03-02T09:00:00', '2026-03-02T10:00:00'),
                   (30, '18842-5', 'Discharge summary', 1, 'signed', '2026-03-06T11:00:00', '2026-03-06T11:30:00'),
                   (31, '34117-2', 'H&P', 1, 'signed', '2026-03-07T09:00:00', '2026-03-07T10:00:00');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 30));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    drop(store);
    cd(&db).arg("analyze").assert().success();
    db
}

#[test]
fn coding_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database(dir.path());
    cd(&db)
        .args(["coding", "queue"])
        .assert()
        .success()
        .stdout(predicate::str::contains("V30").and(predicate::str::contains("V31").not()));
    cd(&db)
        .args(["coding", "held", "--format", "csv"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("31,V31,MRN1,inpatient,Surgery")
                .and(predicate::str::contains("MISS_DS:REQ-DS:")),
        );
    cd(&db)
        .args(["coding", "queue", "--type", "ward"])
        .assert()
        .code(1);
    // Every list says its total, not its page size (issue #15).
    cd(&db)
        .args(["coding", "held", "--limit", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 of 1 encounter(s)"));
    let out = cd(&db)
        .args(["coding", "queue", "--format", "json"])
        .output()
        .expect("run");
    let q: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(q["total"], 1);
    assert_eq!(q["rows"][0]["visit_number"], "V30");
    // A manifestation code as principal: saved, but completion is blocked by MCE-06.
    cd(&db)
        .args([
            "coding",
            "set-codes",
            "--encounter",
            "30",
            "--principal",
            "D63.0:Y",
            "--secondary",
            "C50.911:Y",
            "--procedure",
            "0HTV0ZZ@2026-03-03",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("MCE-06"));
    let out = cd(&db)
        .args(["coding", "complete", "--encounter", "30"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("MCE-06@D63.0"), "{err}");
    cd(&db)
        .args([
            "coding",
            "set-codes",
            "--encounter",
            "30",
            "--principal",
            "C50.911:Y",
            "--secondary",
            "D63.0:Y",
            "--procedure",
            "0HTV0ZZ@2026-03-03",
        ])
        .assert()
        .success();
    cd(&db)
        .args(["coding", "complete", "--encounter", "30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("acknowledge the warnings"));
    cd(&db)
        .args([
            "coding",
            "complete",
            "--encounter",
            "30",
            "--ack",
            "COD-14-USE-ADDITIONAL,COD-14-CODE-FIRST,POA-02-NO-LIST",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("coded"));
    cd(&db)
        .args(["coding", "export", "--encounter", "30", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("V30,MRN1,inpatient,2026-03-02,2026-03-06,,C50.911,Y,D63.0:Y,0HTV0ZZ,0HTV0ZZ@2026-03-03,coded"));
    let out = cd(&db)
        .args(["coding", "export", "--encounter", "30"])
        .output()
        .expect("run");
    let bundle: serde_json::Value = serde_json::from_slice(&out.stdout).expect("fhir json");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert!(bundle["entry"].as_array().expect("entries").iter().any(
        |e| e["resource"]["resourceType"] == "Procedure"
            && e["resource"]["code"]["coding"][0]["system"]
                == "http://www.cms.gov/Medicare/Coding/ICD10"
    ));
    cd(&db)
        .args(["coding", "reopen", "--encounter", "30", "--reason", "short"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("reason"));
    // Queries: hold and release.
    cd(&db)
        .args([
            "coding",
            "query",
            "--encounter",
            "31",
            "--question",
            "Please document the discharge diagnosis.",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("query 1 sent"));
    cd(&db)
        .args([
            "coding",
            "answer",
            "--query",
            "1",
            "--answer",
            "Acute appendicitis.",
        ])
        .assert()
        .success();
    // Reports.
    let out = cd(&db)
        .args([
            "report",
            "dnfb",
            "--as-of",
            "2026-03-10",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["dnfb_count"], 2);
    // As of a past day the report counts what was true then (issue #15): V30 was coded
    // today, after 2026-03-10, so on that day it was still not final coded.
    assert_eq!(r["dnfc_count"], 2, "V30 was not yet coded on 2026-03-10");
    assert_eq!(r["recounted"], true);
    let out = cd(&db)
        .args(["report", "dnfb", "--format", "json"])
        .output()
        .expect("run");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["dnfb_count"], 2);
    assert_eq!(r["dnfc_count"], 1, "V30 is coded: DNFB but not DNFC");
    cd(&db)
        .args(["report", "dnfb", "--as-of", "2026-03-10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DNFB encounters"));
    let out = cd(&db)
        .args(["report", "coding", "--format", "json"])
        .output()
        .expect("run");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["hold_policy"], "CRITICAL");
    assert_eq!(r["held_for_documentation"][0]["kind"], "MISS_DS");
    cd(&db)
        .args(["report", "coding", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("section,name,rule"));
    cd(&db).args(["audit", "verify"]).assert().success();
}
