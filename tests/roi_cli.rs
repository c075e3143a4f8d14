//! The ROI desk on the command line: `roi log|auth|verify|validate|submit|qa|release|close|list|show`,
//! `release REQ --out DIR`, `report disclosures`, exit codes and one-line errors.

mod common;

use assert_cmd::Command;
use chartdesk::CoreError;
use chartdesk::audit::{Action, Event, Subtype};
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

fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("roi.db");
    let mut store = common::seeded(&db);
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, sensitivity, body)
                   VALUES (2, 1, '11506-3', 'Addiction medicine progress note', 1, 'signed', '2026-11-02T09:00:00', '2026-11-02T10:00:00', 'SUD_PART2', 'Opioid use disorder.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, CoreError>(())
        })
        .expect("documents");
    db
}

const AUTH_INCOMPLETE: &str = r#"{
  "id": "AUTH-7",
  "description": "all records of the November 2026 admission",
  "discloser": "Test General HIM",
  "recipient": "Law Office of Smith",
  "expiration_date": "2099-01-01",
  "signature": "Ana Rivera",
  "signed_date": "2026-11-08",
  "revocation_statement": true,
  "conditioning_statement": true,
  "redisclosure_statement": true
}"#;

#[test]
fn a_request_goes_from_log_to_closed_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "log",
            "MRN0000001",
            "--type",
            "auth_3p",
            "--name",
            "Law Office of Smith",
        ])
        .args([
            "--address",
            "1 Court St",
            "--purpose",
            "personal injury claim",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("REQ-000001 logged: AUTH_3P"));
    let auth = dir.path().join("auth.json");
    std::fs::write(&auth, AUTH_INCOMPLETE).expect("write");
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "auth", "REQ-000001"])
        .arg(&auth)
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "verify", "1", "--method", "bar card"])
        .assert()
        .success();
    // No purpose and the SUD note not named: on hold, exit 1, each code with its rule.
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "validate", "REQ-000001"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("AUTH_MISSING_PURPOSE")
                .and(predicate::str::contains("45 CFR 164.508(c)(1)(iv)"))
                .and(predicate::str::contains("AUTH_SENSITIVE_NOT_SPECIFIED"))
                .and(predicate::str::contains("REQ-000001: ON_HOLD")),
        );
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "list", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ON_HOLD,AUTH_MISSING_PURPOSE"));
    // Completed: purpose added, SUD note left out.
    let fixed = AUTH_INCOMPLETE.replace(
        "\"expiration_date\"",
        "\"purpose\": \"at the request of the individual\",\n  \"expiration_date\"",
    );
    std::fs::write(&auth, fixed).expect("write");
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "auth", "1"])
        .arg(&auth)
        .assert()
        .success();
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "exclude",
            "1",
            "2",
            "--note",
            "SUD records not authorized",
        ])
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "validate", "1", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"status\": \"IN_PROCESS\""));
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "submit", "1"])
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "qa", "1", "--pass"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("other than the releaser"));
    as_user(&db, "sam")
        .args(["roi", "--as", "sam", "qa", "1", "--pass"])
        .assert()
        .success();
    let out = dir.path().join("packets");
    as_user(&db, "rita")
        .args(["release", "REQ-000001", "--as", "rita", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("RELEASED: 1 document(s), 1 withheld")
                .and(predicate::str::contains("not accountable")),
        );
    assert!(out.join("REQ-000001/manifest.json").exists());
    assert!(out.join("REQ-000001.zip").exists());
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "show", "1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("RELEASED").and(predicate::str::contains(
                "WITHHELD: SUD records not authorized",
            )),
        );
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "close", "1"])
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "close", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("CLOSED; it cannot move to CLOSED"));
    // Not accountable (under an authorization, AOD-02): the accounting is empty but says why.
    as_user(&db, "rita")
        .args([
            "report",
            "disclosures",
            "--patient",
            "MRN0000001",
            "--as",
            "rita",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("no disclosures that must be accounted for")
                .and(predicate::str::contains("AOD_EXCL_AUTHORIZATION")),
        );
}

#[test]
fn subpoena_release_appears_in_the_accounting_csv() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    cd(&db)
        .args(["settings", "set", "roi_qa_required", "0"])
        .assert()
        .success();
    cd(&db)
        .args([
            "roi",
            "log",
            "MRN0000001",
            "--type",
            "SUBPOENA",
            "--name",
            "County Court Clerk",
            "--satisfactory-assurance",
        ])
        .args(["--types", "34117-2", "--purpose", "civil case 26-1234"])
        .assert()
        .success();
    cd(&db)
        .args(["roi", "verify", "1", "--method", "subpoena reviewed"])
        .assert()
        .success();
    cd(&db).args(["roi", "validate", "1"]).assert().success();
    cd(&db)
        .args(["roi", "release", "1", "--out"])
        .arg(dir.path())
        .assert()
        .success();
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
        .stdout(
            predicate::str::contains("County Court Clerk")
                .and(predicate::str::contains("civil case 26-1234")),
        );
    // AOD-04: a second release to the same clerk for the same case, grouped on request.
    cd(&db)
        .args([
            "roi",
            "log",
            "MRN0000001",
            "--type",
            "SUBPOENA",
            "--name",
            "County Court Clerk",
            "--satisfactory-assurance",
        ])
        .args(["--types", "34117-2", "--purpose", "civil case 26-1234"])
        .assert()
        .success();
    cd(&db)
        .args(["roi", "verify", "2", "--method", "subpoena reviewed"])
        .assert()
        .success();
    cd(&db).args(["roi", "validate", "2"]).assert().success();
    cd(&db)
        .args(["roi", "release", "2", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let listed = cd(&db)
        .args([
            "report",
            "disclosures",
            "--patient",
            "MRN0000001",
            "--format",
            "csv",
        ])
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout)
            .matches("County Court Clerk")
            .count(),
        2
    );
    assert_csv_shape(&String::from_utf8_lossy(&listed.stdout));
    cd(&db)
        .args([
            "report",
            "disclosures",
            "--patient",
            "MRN0000001",
            "--group-repeats",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("2 disclosures to this recipient for this purpose")
                .and(predicate::str::contains("(AOD-04)")),
        );
    cd(&db)
        .args(["roi", "aod-log", "MRN0000001"])
        .assert()
        .success()
        .stdout(predicate::str::contains("free (first in 12 months)"));
}

#[test]
fn bad_input_and_missing_permission_fail_with_one_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    as_user(&db, "carl")
        .args([
            "roi",
            "--as",
            "carl",
            "log",
            "MRN0000001",
            "--type",
            "SELF",
            "--name",
            "Ana",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "permission denied: the coder role may not release records",
        ));
    cd(&db)
        .args([
            "roi",
            "log",
            "MRN0000001",
            "--type",
            "FRIEND",
            "--name",
            "Ana",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--type FRIEND: not a requester type",
        ));
    cd(&db)
        .args(["roi", "log", "NOPE", "--type", "SELF", "--name", "Ana"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("patient NOPE not found"));
    cd(&db)
        .args([
            "roi",
            "log",
            "MRN0000001",
            "--type",
            "SELF",
            "--name",
            "Ana",
        ])
        .assert()
        .success();
    let auth = dir.path().join("bad.json");
    std::fs::write(
        &auth,
        "{\n  \"recipient\": \"x\",\n  \"purpse\": \"typo\"\n}",
    )
    .expect("write");
    cd(&db)
        .args(["roi", "auth", "1"])
        .arg(&auth)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("line 3").and(predicate::str::contains("purpse")));
    cd(&db)
        .args(["roi", "hold", "1", "WHATEVER"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a hold reason"));
    cd(&db)
        .args(["settings", "set", "fee_method", "free"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("fee_method"));
}

#[test]
fn roi_05_show_names_the_determining_professional_and_reviewer_and_report_roi_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "log", "MRN0000001", "--type", "SELF"])
        .args(["--name", "Ana Rivera", "--types", "34117-2"])
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "verify", "1", "--method", "photo id"])
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "validate", "1"])
        .assert()
        .success();
    // A payment needs an estimate or invoice, an amount and a method.
    as_user(&db, "rita")
        .args([
            "roi", "--as", "rita", "paid", "1", "--amount", "6.50", "--method", "card",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("estimate"));
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "estimate", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("fee estimate $6.50"));
    as_user(&db, "rita")
        .args([
            "roi", "--as", "rita", "paid", "1", "--amount", "6.5x", "--method", "card",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--amount"));
    as_user(&db, "rita")
        .args([
            "roi", "--as", "rita", "paid", "1", "--amount", "6.50", "--method", "card",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("payment of $6.50 by card"));
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "deny", "1", "DENY_ENDANGER"])
        .args(["--professional", "Dr. House", "--note", "risk to life"])
        .assert()
        .success();
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "review-denial",
            "1",
            "--reviewer",
            "Dr. Wilson",
            "--reverse",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "reversed by Dr. Wilson; IN_PROCESS",
        ));
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "show", "1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("DENY_ENDANGER")
                .and(predicate::str::contains("determined by Dr. House"))
                .and(predicate::str::contains("REVERSED by Dr. Wilson"))
                .and(predicate::str::contains("payment    $6.50 by card")),
        );
    for format in ["table", "csv", "json"] {
        cd(&db)
            .args(["report", "roi", "--format", format])
            .assert()
            .success()
            .stdout(predicate::str::contains("rita"));
    }
    cd(&db)
        .args([
            "report",
            "roi",
            "--from",
            "2026-12-31",
            "--to",
            "2026-01-01",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("after"));
}

/// AOD-03 fields in `report disclosures --format csv`: the header has as many columns as every
/// row (it had 6 for rows of 8).
fn assert_csv_shape(text: &str) {
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert_eq!(
        header,
        "date,recipient,recipient_address,description,purpose,request,frequency,last_date"
    );
    let mut rows = 0;
    for row in lines {
        rows += 1;
        assert_eq!(row.split(',').count(), header.split(',').count(), "{row}");
    }
    assert!(rows > 0, "rows to compare");
}

#[test]
fn aod_03_disclosures_csv_header_matches_rows() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    cd(&db)
        .args(["settings", "set", "roi_qa_required", "0"])
        .assert()
        .success();
    cd(&db)
        .args(["roi", "log", "MRN0000001", "--type", "PUBLIC_HEALTH"])
        .args([
            "--name",
            "State Cancer Registry, Unit 4",
            "--types",
            "34117-2",
        ])
        .args(["--purpose", "registry report, \"case 9\""])
        .assert()
        .success();
    cd(&db)
        .args(["roi", "verify", "1", "--method", "registry letter"])
        .assert()
        .success();
    cd(&db).args(["roi", "validate", "1"]).assert().success();
    cd(&db)
        .args(["roi", "release", "1", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("invoice $0.00"));
    let out = cd(&db)
        .args([
            "report",
            "disclosures",
            "--patient",
            "MRN0000001",
            "--format",
            "csv",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // Quoted fields hold commas; count fields outside quotes.
    let fields = |line: &str| {
        let mut n = 1;
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => n += 1,
                _ => {}
            }
        }
        n
    };
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(fields(rows[0]), fields(header), "{text}");
    assert_eq!(fields(header), 8);
}
