//! `chartdesk codes synonym list|add|remove` (issue #14): the facility's abbreviations table
//! as a supervisor edits it from the command line — loaded by `init` from the shipped table,
//! changes audited, a coder refused, removed terms listed with `--all`.

use assert_cmd::Command;
use predicates::prelude::*;

fn cd(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db").arg(db).env_remove("CHARTDESK_DB");
    c
}

#[test]
fn supervisor_adds_and_removes_a_synonym_coder_may_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("site.db");
    cd(&db).arg("init").assert().success();
    for (user, role) in [("alice", "supervisor"), ("bob", "coder")] {
        cd(&db)
            .args(["user", "add", user, "--role", role, "--password-stdin"])
            .write_stdin("correct-horse-battery\n")
            .assert()
            .success();
    }
    cd(&db)
        .args(["codes", "synonym", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("chf").and(predicate::str::contains("heart failure")));
    cd(&db)
        .args([
            "--password-stdin",
            "codes",
            "synonym",
            "add",
            "ahf",
            "acute heart failure",
            "--code",
            "I50.9",
            "--as",
            "alice",
        ])
        .write_stdin("correct-horse-battery\n")
        .assert()
        .success();
    cd(&db)
        .args([
            "--password-stdin",
            "codes",
            "synonym",
            "remove",
            "chf",
            "--as",
            "bob",
        ])
        .write_stdin("correct-horse-battery\n")
        .assert()
        .failure();
    cd(&db)
        .args([
            "--password-stdin",
            "codes",
            "synonym",
            "remove",
            "chf",
            "--as",
            "alice",
        ])
        .write_stdin("correct-horse-battery\n")
        .assert()
        .success();
    let list = cd(&db)
        .args(["codes", "synonym", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8_lossy(&list);
    assert!(
        list.lines()
            .any(|l| l.starts_with("ahf ") && l.contains("I509") && l.contains("facility")),
        "{list}"
    );
    assert!(!list.lines().any(|l| l.starts_with("chf ")), "{list}");
    cd(&db)
        .args(["codes", "synonym", "list", "--all"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(removed)"));
}
