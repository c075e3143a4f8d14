//! Issue #12 on the command line: `roi letter`, `roi amend`, `roi restrict`, `roi batch`,
//! `roi attach`, each acting as a user proven by the password (AUD-10).

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

fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("roi.db");
    drop(common::seeded(&db));
    db
}

#[test]
fn letters_templates_and_attachments_on_the_command_line() {
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
            "SELF",
            "--name",
            "Ana Rivera",
            "--address",
            "2 Elm St",
        ])
        .assert()
        .success();
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "letter",
            "preview",
            "REQ-1",
            "acknowledgement",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("REQ-000001").and(predicate::str::contains("2 Elm St")));
    let out = dir.path().join("ack.pdf");
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "letter",
            "send",
            "REQ-1",
            "acknowledgement",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("PDF/A-2b"));
    assert!(std::fs::read(&out).expect("pdf").starts_with(b"%PDF-1.7"));
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "letter", "list", "REQ-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("acknowledgement").and(predicate::str::contains("rita")));
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "show", "REQ-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "letter     1 acknowledgement to Ana Rivera",
        ));
    let t = dir.path().join("t.txt");
    std::fs::write(&t, "Dear {{addressee}}, {{bogus}}\n").expect("write");
    as_user(&db, "sam")
        .args([
            "roi",
            "--as",
            "sam",
            "letter",
            "template",
            "no_records",
            "--set",
        ])
        .arg(&t)
        .assert()
        .failure()
        .stderr(predicate::str::contains("bogus"));
    let scan = dir.path().join("scan.txt");
    std::fs::write(&scan, "not a scan").expect("write");
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "attach", "REQ-1"])
        .arg(&scan)
        .assert()
        .failure()
        .stderr(predicate::str::contains("scan.txt"));
}

#[test]
fn amendment_restriction_and_batch_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "amend",
            "log",
            "MRN0000001",
            "--by",
            "Ana Rivera",
            "--change",
            "Fix the allergy list",
            "--documents",
            "1",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("AMD-000001 logged"));
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "amend",
            "deny",
            "AMD-1",
            "AMEND_DENY_ACCURATE",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("DENIED AMEND_DENY_ACCURATE"));
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "amend",
            "statement",
            "AMD-1",
            "--text",
            "The list is wrong.",
        ])
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "amend", "show", "AMD-1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("disagreement")
                .and(predicate::str::contains("The list is wrong.")),
        );
    // A second request, logged without documents: they are chosen at acceptance.
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "amend",
            "log",
            "MRN0000001",
            "--by",
            "Ana Rivera",
            "--change",
            "Add the penicillin allergy",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("AMD-000002 logged"));
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "amend",
            "accept",
            "AMD-2",
            "--text",
            "Allergy: penicillin.",
            "--documents",
            "1",
            "--notify",
            "Dr Who",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("ACCEPTED; linked to documents [1]")
                .and(predicate::str::contains("Dr Who")),
        );
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "restrict",
            "add",
            "MRN0000001",
            "--kind",
            "self_pay",
            "--encounter",
            "V0000001",
            "--description",
            "paid cash",
        ])
        .assert()
        .success();
    as_user(&db, "rita")
        .args(["roi", "--as", "rita", "restrict", "list", "MRN0000001"])
        .assert()
        .success()
        .stdout(predicate::str::contains("self_pay"));
    let list = dir.path().join("audit.txt");
    std::fs::write(&list, "MRN0000001\nMRN0000002\n").expect("write");
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "batch",
            "log",
            "--type",
            "PAYER",
            "--name",
            "Acme audit",
            "--list",
        ])
        .arg(&list)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "BATCH-000001 logged: 2 patient(s)",
        ));
    std::fs::write(&list, "MRN0000001\nNOT A MRN\n").expect("write");
    as_user(&db, "rita")
        .args([
            "roi",
            "--as",
            "rita",
            "batch",
            "log",
            "--type",
            "PAYER",
            "--name",
            "Acme audit",
            "--list",
        ])
        .arg(&list)
        .assert()
        .failure()
        .stderr(predicate::str::contains("line 2"));
}
