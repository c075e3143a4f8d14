//! A disclosure made outside the desk, entered on the command line (`chartdesk roi disclose`):
//! it is a `disclosures` row with its legal basis and who entered it, audited, and it feeds
//! the accounting of disclosures like any release; AOD-02 decides whether it is accountable.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn cd(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db").arg(db).env_remove("CHARTDESK_DB");
    c
}

/// A command acting as chartdesk user `name`, proven by the password on standard input (the
/// fixture's passwords are `password-<name>`): `--as` alone is refused (AUD-10).
fn as_user(db: &std::path::Path, name: &str) -> Command {
    let mut c = cd(db);
    c.arg("--password-stdin")
        .write_stdin(format!("password-{name}\n"));
    c
}

fn scalar(db: &std::path::Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).expect("db");
    c.query_row(sql, [], |r| r.get(0)).expect("scalar")
}

#[test]
fn aod_02_a_public_health_report_made_by_clinical_staff_is_in_the_accounting() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("roi.db");
    drop(common::seeded(&db));
    as_user(&db, "rita")
        .args([
            "roi", "--as", "rita", "disclose", "MRN0000001", "--date", "2026-11-02",
            "--recipient", "State Cancer Registry", "--address", "1 Capitol Way",
            "--purpose", "cancer registry report", "--description", "pathology report of 2026-11-01",
            "--basis", "PUBLIC_HEALTH",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "disclosure 1 for MRN0000001 recorded (45 CFR 164.512(b)): in the accounting (accountable)",
        ));
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM disclosures WHERE id = 1 AND request_id IS NULL AND source = 'manual'
               AND accountable = 1 AND requester_type = 'PUBLIC_HEALTH' AND legal_basis = '45 CFR 164.512(b)'
               AND entered_by = 'rita' AND disclosed_at = '2026-11-02'"
        ),
        1
    );
    // The audit row carries the disclosure and its event id is the disclosure's.
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM audit_log a JOIN disclosures d ON d.audit_event_id = a.event_id
             WHERE a.username = 'rita' AND a.entity_type = 'disclosure' AND a.entity_id = '1'
               AND a.patient_mrn = 'MRN0000001' AND json_extract(a.detail, '$.source') = 'manual'"
        ),
        1
    );
    cd(&db)
        .args([
            "report",
            "disclosures",
            "--patient",
            "MRN0000001",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("State Cancer Registry"));
}

#[test]
fn aod_02_a_disclosure_to_a_treating_provider_is_recorded_but_not_accountable() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("roi.db");
    drop(common::seeded(&db));
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "disclose",
            "MRN0000001",
            "--date",
            "2026-11-02",
            "--recipient",
            "Dr. Lee",
            "--purpose",
            "follow-up care",
            "--description",
            "discharge summary",
            "--basis",
            "PROVIDER_TX",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "not accountable: AOD_EXCL_TPO (45 CFR 164.528(a)(1)(i))",
        ));
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM disclosures WHERE accountable = 0 AND source = 'manual'"
        ),
        1
    );
}

#[test]
fn a_manual_disclosure_names_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("roi.db");
    drop(common::seeded(&db));
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "disclose",
            "MRN0000001",
            "--date",
            "2999-01-01",
            "--recipient",
            "X",
            "--purpose",
            "p",
            "--description",
            "d",
            "--basis",
            "PUBLIC_HEALTH",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "date: 2999-01-01 is in the future",
        ));
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "disclose",
            "MRN0000001",
            "--recipient",
            "X",
            "--purpose",
            "p",
            "--description",
            " ",
            "--basis",
            "PUBLIC_HEALTH",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "description: required for the accounting of disclosures (AOD-03)",
        ));
    as_user(&db, "carl")
        .args([
            "roi",
            "--as",
            "carl",
            "disclose",
            "MRN0000001",
            "--recipient",
            "X",
            "--purpose",
            "p",
            "--description",
            "d",
            "--basis",
            "PUBLIC_HEALTH",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("permission denied"));
    assert_eq!(scalar(&db, "SELECT count(*) FROM disclosures"), 0);
}
