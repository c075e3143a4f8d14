//! `chartdesk codes synonym list|add|remove` (issue #14): the facility's abbreviations table
//! as a supervisor edits it from the command line — loaded by `init` from the shipped table,
//! changes audited, a coder refused, removed terms listed with `--all`.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

const PASSWORD: &str = "correct-horse-battery";

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
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
    }
    cd(&db)
        .args(["codes", "synonym", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("chf").and(predicate::str::contains("heart failure")));
    common::run_as(
        &db,
        "alice",
        PASSWORD,
        &[
            "codes",
            "synonym",
            "add",
            "ahf",
            "acute heart failure",
            "--code",
            "I50.9",
        ],
    )
    .assert()
    .success();
    common::run_as(&db, "bob", PASSWORD, &["codes", "synonym", "remove", "chf"])
        .assert()
        .failure();
    common::run_as(
        &db,
        "alice",
        PASSWORD,
        &["codes", "synonym", "remove", "chf"],
    )
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

/// The codes of `chartdesk codes search QUERY --limit N`, in order (second column).
fn searched(db: &std::path::Path, query: &str, limit: usize) -> Vec<String> {
    let out = cd(db)
        .args(["codes", "search", query, "--limit", &limit.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

#[test]
fn codes_search_uses_the_pickers_synonyms_and_ranking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("site.db");
    cd(&db).arg("init").assert().success();
    let chf = searched(&db, "chf", 5);
    assert!(
        chf.iter().any(|c| c == "I50.9"),
        "chf top 5 lacks I50.9: {chf:?}"
    );
    let t2dm = searched(&db, "t2dm", 5);
    assert!(
        t2dm.iter().any(|c| c == "E11.9"),
        "t2dm top 5 lacks E11.9: {t2dm:?}"
    );
    // The shipped synonym is what finds them: once a supervisor removes it, "chf" is no
    // longer read as heart failure.
    cd(&db)
        .args([
            "user",
            "add",
            "alice",
            "--role",
            "supervisor",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    common::run_as(
        &db,
        "alice",
        PASSWORD,
        &["codes", "synonym", "remove", "chf"],
    )
    .assert()
    .success();
    let after = searched(&db, "chf", 5);
    assert!(
        !after.iter().any(|c| c == "I50.9"),
        "chf still finds I50.9 without the synonym: {after:?}"
    );
}
