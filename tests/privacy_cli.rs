//! `chartdesk privacy …` on the command line: a supervisor flags a patient VIP, a technician
//! views the chart, the unusual-access report lists the view with its audit seq; a
//! technician is refused the report (checked in the core, exit non-zero).

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn as_user(db: &std::path::Path, name: &str) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .arg("--password-stdin")
        .write_stdin(format!("password-{name}\n"));
    c
}

#[test]
fn flag_view_and_report_with_audit_seqs() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("db.sqlite");
    let mut store = common::seeded(&db);
    as_user(&db, "sam")
        .args(["privacy", "flag", "MRN0000001", "VIP", "--as", "sam"])
        .assert()
        .success()
        .stdout(predicate::str::contains("MRN0000001 VIP set"));
    let tina = chartdesk::audit::Actor::user(1, "tina", chartdesk::domain::Role::Technician);
    chartdesk::chart::open_chart(&mut store, &tina, 1).expect("view");
    let seq: i64 = store
        .conn()
        .query_row(
            "SELECT seq FROM audit_log WHERE subtype = 'view' AND patient_mrn = 'MRN0000001'",
            [],
            |r| r.get(0),
        )
        .expect("seq");
    drop(store);
    as_user(&db, "sam")
        .args([
            "privacy",
            "unusual-access",
            "--as",
            "sam",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("flagged chart,tina,MRN0000001"))
        .stdout(predicate::str::contains(format!(",{seq}\n")));
    as_user(&db, "tina")
        .args(["privacy", "unusual-access", "--as", "tina"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("permission denied"));
}
