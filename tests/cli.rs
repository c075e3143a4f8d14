//! The command line as a user runs it: exit codes 0/1/2, one-line errors, audit commands.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn cd(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db").arg(db).env_remove("CHARTDESK_DB");
    c
}

#[test]
fn init_user_add_list_and_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("site.db");
    cd(&db)
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("created"));
    cd(&db)
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("is a chartdesk database"));
    cd(&db)
        .args([
            "user",
            "add",
            "alice",
            "--role",
            "supervisor",
            "--full-name",
            "Alice A",
            "--password-stdin",
        ])
        .write_stdin("correct-horse\n")
        .assert()
        .success();
    cd(&db)
        .args(["user", "add", "bob", "--role", "coder", "--password-stdin"])
        .write_stdin("battery-staple\n")
        .assert()
        .success();
    cd(&db)
        .args(["user", "add", "bob", "--role", "coder", "--password-stdin"])
        .write_stdin("battery-staple\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    cd(&db)
        .args(["user", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("alice").and(predicate::str::contains("coder")));
    cd(&db).args(["user", "disable", "bob"]).assert().success();
    let out = cd(&db)
        .args(["user", "list", "--format", "json"])
        .output()
        .expect("run");
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(users[1]["username"], "bob");
    assert_eq!(users[1]["disabled"], true);
    cd(&db).args(["audit", "verify"]).assert().success().stdout(
        predicate::str::contains("audit chain OK").and(predicate::str::contains("rows checked")),
    );
}

#[test]
fn usage_errors_exit_2_and_runtime_errors_exit_1_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("none.db");
    cd(&db).args(["user", "add"]).assert().code(2);
    cd(&db).args(["frobnicate"]).assert().code(2);
    let out = cd(&db).args(["user", "list"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("does not exist"), "{err}");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database").expect("write");
    cd(&text)
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a chartdesk database"));
    assert_eq!(
        std::fs::read_to_string(&text).expect("read"),
        "not a database"
    );
}

#[test]
fn verify_names_the_tampered_seq_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("t.db");
    drop(common::seeded(&db));
    cd(&db)
        .args(["audit", "anchor"])
        .assert()
        .success()
        .stdout(predicate::str::contains("anchored seq"));
    assert!(dir.path().join("t.db.anchors").exists());
    cd(&db)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 anchor(s) matched"));
    {
        let c = rusqlite::Connection::open(&db).expect("raw");
        c.execute_batch("DROP TRIGGER audit_log_no_update;")
            .expect("drop");
        c.execute(
            "UPDATE audit_log SET detail = '{\"forged\":true}' WHERE seq = 3",
            [],
        )
        .expect("edit");
    }
    cd(&db)
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("seq 3: row edited"));
}

#[test]
fn export_jsonl_and_fhir_with_filters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("e.db");
    {
        let mut store = common::seeded(&db);
        let s = chartdesk::accounts::login(&mut store, "tina", "password-tina").expect("login");
        chartdesk::chart::open_chart(&mut store, &s.actor(), 1).expect("chart");
        chartdesk::chart::read_document(&mut store, &s.actor(), 1).expect("doc");
    }
    let out = cd(&db)
        .args(["audit", "export", "--format", "jsonl"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(lines.len() >= 8);
    assert_eq!(lines[0]["seq"], 1);
    assert!(
        lines
            .iter()
            .all(|l| l["hash"].as_str().map(str::len) == Some(64))
    );

    let out = cd(&db)
        .args([
            "audit",
            "export",
            "--format",
            "fhir",
            "--patient",
            "MRN0000001",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(events.len(), 2, "chart view + document view");
    for e in &events {
        assert_eq!(e["resourceType"], "AuditEvent");
        assert_eq!(e["type"]["code"], "110110");
        assert_eq!(e["subtype"][0]["code"], "read");
        assert_eq!(e["action"], "R");
        assert_eq!(e["outcome"], "0");
        assert_eq!(e["agent"][0]["who"]["identifier"]["value"], "tina");
        assert_eq!(e["agent"][0]["requestor"], true);
        assert_eq!(e["source"]["type"][0]["code"], "4");
        assert_eq!(e["entity"][0]["role"]["code"], "1");
        assert_eq!(e["entity"][0]["what"]["identifier"]["value"], "MRN0000001");
    }
    let out = cd(&db)
        .args(["audit", "export", "--since", "2999-01-01"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    // The export itself is audited.
    let store = chartdesk::store::Store::open(&db).expect("open");
    assert!(
        common::audit_subtypes(&store)
            .iter()
            .filter(|s| *s == "audit_export")
            .count()
            >= 3
    );
}

#[test]
fn settings_list_and_validated_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("s.db");
    cd(&db).arg("init").assert().success();
    cd(&db)
        .args(["settings", "set", "idle_logoff_minutes", "10"])
        .assert()
        .success();
    cd(&db)
        .args(["settings", "set", "idle_logoff_minutes", "90"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "idle_logoff_minutes: 90 is outside",
        ));
    cd(&db)
        .args(["settings", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("idle_logoff_minutes").and(predicate::str::contains("AUD-03")),
        );
}
