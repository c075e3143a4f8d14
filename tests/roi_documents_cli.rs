//! Issue #12 on the command line: `roi letter`, `roi amend`, `roi restrict`, `roi batch`,
//! `roi attach`, each acting as a user proven by the password (AUD-10).

mod common;

use predicates::prelude::*;

/// The command line as a seeded user, by its password (common::run_as).
fn as_user(db: &std::path::Path, name: &str, args: &[&str]) -> assert_cmd::Command {
    common::run_as(db, name, &common::password(name), args)
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
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "log",
            "MRN0000001",
            "--type",
            "SELF",
            "--name",
            "Ana Rivera",
            "--address",
            "2 Elm St",
        ],
    )
    .assert()
    .success();
    as_user(
        &db,
        "rita",
        &["roi", "letter", "preview", "REQ-1", "acknowledgement"],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("REQ-000001").and(predicate::str::contains("2 Elm St")));
    let out = dir.path().join("ack.pdf");
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "letter",
            "send",
            "REQ-1",
            "acknowledgement",
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("PDF/A-2b"));
    assert!(std::fs::read(&out).expect("pdf").starts_with(b"%PDF-1.7"));
    as_user(&db, "rita", &["roi", "letter", "list", "REQ-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("acknowledgement").and(predicate::str::contains("rita")));
    as_user(&db, "rita", &["roi", "show", "REQ-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "letter     1 acknowledgement to Ana Rivera",
        ));
    let t = dir.path().join("t.txt");
    std::fs::write(&t, "Dear {{addressee}}, {{bogus}}\n").expect("write");
    as_user(
        &db,
        "sam",
        &[
            "roi",
            "letter",
            "template",
            "no_records",
            "--set",
            t.to_str().expect("utf-8 path"),
        ],
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("bogus"));
    let scan = dir.path().join("scan.txt");
    std::fs::write(&scan, "not a scan").expect("write");
    as_user(
        &db,
        "rita",
        &["roi", "attach", "REQ-1", scan.to_str().expect("utf-8 path")],
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("scan.txt"));
}

#[test]
fn amendment_restriction_and_batch_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "amend",
            "log",
            "MRN0000001",
            "--by",
            "Ana Rivera",
            "--change",
            "Fix the allergy list",
            "--documents",
            "1",
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("AMD-000001 logged"));
    as_user(
        &db,
        "rita",
        &["roi", "amend", "deny", "AMD-1", "AMEND_DENY_ACCURATE"],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("DENIED AMEND_DENY_ACCURATE"));
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "amend",
            "statement",
            "AMD-1",
            "--text",
            "The list is wrong.",
        ],
    )
    .assert()
    .success();
    as_user(&db, "rita", &["roi", "amend", "show", "AMD-1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("disagreement")
                .and(predicate::str::contains("The list is wrong.")),
        );
    // A second request, logged without documents: they are chosen at acceptance.
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "amend",
            "log",
            "MRN0000001",
            "--by",
            "Ana Rivera",
            "--change",
            "Add the penicillin allergy",
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("AMD-000002 logged"));
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "amend",
            "accept",
            "AMD-2",
            "--text",
            "Allergy: penicillin.",
            "--documents",
            "1",
            "--notify",
            "Dr Who",
        ],
    )
    .assert()
    .success()
    .stdout(
        predicate::str::contains("ACCEPTED; linked to documents [1]")
            .and(predicate::str::contains("Dr Who")),
    );
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "restrict",
            "add",
            "MRN0000001",
            "--kind",
            "self_pay",
            "--encounter",
            "V0000001",
            "--description",
            "paid cash",
        ],
    )
    .assert()
    .success();
    as_user(&db, "rita", &["roi", "restrict", "list", "MRN0000001"])
        .assert()
        .success()
        .stdout(predicate::str::contains("self_pay"));
    let list = dir.path().join("audit.txt");
    std::fs::write(&list, "MRN0000001\nMRN0000002\n").expect("write");
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "batch",
            "log",
            "--type",
            "PAYER",
            "--name",
            "Acme audit",
            "--list",
            list.to_str().expect("utf-8 path"),
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "BATCH-000001 logged: 2 patient(s)",
    ));
    std::fs::write(&list, "MRN0000001\nNOT A MRN\n").expect("write");
    as_user(
        &db,
        "rita",
        &[
            "roi",
            "batch",
            "log",
            "--type",
            "PAYER",
            "--name",
            "Acme audit",
            "--list",
            list.to_str().expect("utf-8 path"),
        ],
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("line 2"));
}

/// `roi batch log` reads a list's authorization files as the desk does
/// (`roi::batch::read_entries`): relative to the list's folder, parsed (164.508(c)), and a file
/// that cannot be read or parsed is refused naming the list, the line and the file, with
/// nothing logged.
#[test]
fn batch_log_reads_each_patients_authorization_file_beside_the_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture(dir.path());
    let lists = dir.path().join("lists");
    std::fs::create_dir_all(&lists).expect("mkdir");
    let list = lists.join("audit.txt");
    let log = |list: &std::path::Path| {
        as_user(
            &db,
            "rita",
            &[
                "roi",
                "batch",
                "log",
                "--type",
                "AUTH_3P",
                "--name",
                "Law Office of Smith",
                "--list",
                list.to_str().expect("utf-8 path"),
            ],
        )
    };
    // Line 2's file is missing: refused, naming the list, the line and the file.
    std::fs::write(&list, "MRN0000001\nMRN0000002,auth-ben.json\n").expect("write");
    let missing = lists.join("auth-ben.json");
    log(&list)
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "{} line 2: {}",
            list.display(),
            missing.display()
        )));
    // Not an authorization: refused the same way.
    std::fs::write(&missing, "{ not json").expect("write");
    log(&list)
        .assert()
        .failure()
        .stderr(predicate::str::contains("line 2"))
        .stderr(predicate::str::contains("auth-ben.json"));
    let store = chartdesk::store::Store::open(&db).expect("open");
    let batches: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM request_batches", [], |r| r.get(0))
        .expect("count");
    assert_eq!(batches, 0, "a bad line logs nothing");
    drop(store);
    // Read relative to the list's folder (not the working directory) and kept on the request.
    std::fs::write(
        &missing,
        r#"{"id": "AUTH-BEN", "description": "H&P", "discloser": "Test General HIM",
            "recipient": "Law Office of Smith", "expiration_date": "2099-01-01",
            "signature": "Ben Riviera", "signed_date": "2026-11-08", "revocation_statement": true,
            "conditioning_statement": true, "redisclosure_statement": true}"#,
    )
    .expect("write");
    log(&list)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "BATCH-000001 logged: 2 patient(s)",
        ));
    let store = chartdesk::store::Store::open(&db).expect("open");
    let with_auth: Vec<(String, Option<String>)> = store
        .conn()
        .prepare(
            "SELECT p.mrn, json_extract(r.authorization, '$.id') FROM release_requests r
             JOIN patients p ON p.id = r.patient_id WHERE r.batch_id = 1 ORDER BY r.id",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        with_auth,
        vec![
            ("MRN0000001".to_string(), None),
            ("MRN0000002".to_string(), Some("AUTH-BEN".to_string()))
        ]
    );
}
