//! The desk commands of issue #13 on the command line: `report data-quality | letters |
//! suspension | privacy | rereview` and `desk cosign | signatures | bulk-complete |
//! open-sensitive | query-providers | query-templates | query`, each acting as a user proven by
//! the password, each audited.

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

fn as_user(db: &std::path::Path, name: &str) -> Command {
    let mut c = cd(db);
    c.arg("--password-stdin")
        .write_stdin(format!("password-{name}\n"));
    c
}

fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("desk.db");
    let mut store = common::seeded(&db);
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name, credentials, kind, supervisor_id) VALUES
                   (2, '1245319599', 'Resident', 'Rae', 'MD', 'resident', 1);
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, cosigner_id, status, service_at, signed_at, body, sensitivity) VALUES
                   (2, 1, '11506-3', 'Progress note', 2, 1, 'signed', '2026-11-02T09:00:00', '2026-11-02T10:00:00', 'resident note', ''),
                   (3, 1, '11506-3', 'Progress note', 1, NULL, 'transcribed', '2026-11-03T09:00:00', NULL, 'attending note', ''),
                   (4, 1, '11488-4', 'Psychotherapy note', 1, NULL, 'signed', '2026-11-03T11:00:00', '2026-11-03T12:00:00', 'session notes', 'PSYCHOTHERAPY');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, admit_at, discharge_at, attending_id, him_status)
                   VALUES (2, 'V-BAD', 2, 'inpatient', '2026-11-10T08:00:00', '2026-11-01T08:00:00', 1, 'awaiting_analysis');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    cd(&db).arg("analyze").assert().success();
    db
}

fn audit_count(db: &std::path::Path, sql: &str) -> i64 {
    let store = chartdesk::store::Store::open(db).expect("open");
    store.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn report_data_quality_lists_implausible_encounters_by_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture(dir.path());
    cd(&db)
        .args(["report", "data-quality"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DQ-ORDER").and(predicate::str::contains("V-BAD")));
    cd(&db)
        .args(["report", "data-quality", "--format", "csv"])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("rule,encounter_id")
                .and(predicate::str::contains("DQ-ORDER,2,V-BAD")),
        );
    assert!(
        audit_count(
            &db,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'report' AND entity_id = 'data_quality'"
        ) >= 2
    );
}

#[test]
fn desk_cosign_and_bulk_complete_as_the_technician() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture(dir.path());
    // A coder may not cosign: the core refuses.
    as_user(&db, "carl")
        .args(["desk", "--as", "carl", "cosign", "--document", "2"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("permission denied"));
    as_user(&db, "tina")
        .args([
            "desk",
            "--as",
            "tina",
            "cosign",
            "--document",
            "2",
            "--at",
            "2026-11-20T09:00:00",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 deficiency(ies) resolved"));
    as_user(&db, "tina")
        .args(["desk", "--as", "tina", "signatures", "--provider", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--confirm 1"));
    as_user(&db, "tina")
        .args([
            "desk",
            "--as",
            "tina",
            "bulk-complete",
            "--provider",
            "1",
            "--confirm",
            "3",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not the 3 confirmed"));
    as_user(&db, "tina")
        .args([
            "desk",
            "--as",
            "tina",
            "bulk-complete",
            "--provider",
            "1",
            "--confirm",
            "1",
            "--at",
            "2026-11-20T09:00:00",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 document(s) signed"));
    assert_eq!(
        audit_count(
            &db,
            "SELECT count(*) FROM audit_log WHERE username = 'tina' AND subtype = 'sign' AND entity_type = 'provider'"
        ),
        1
    );
    cd(&db)
        .args(["report", "letters", "--level", "1", "--as-of", "2026-12-01"])
        .assert()
        .success();
    cd(&db)
        .args([
            "report",
            "suspension",
            "--format",
            "csv",
            "--as-of",
            "2026-12-20",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("provider,npi,open"));
}

#[test]
fn desk_open_sensitive_needs_a_purpose_and_shows_in_the_privacy_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture(dir.path());
    as_user(&db, "tina")
        .args([
            "desk",
            "--as",
            "tina",
            "open-sensitive",
            "--document",
            "4",
            "--purpose",
            "TREAT",
            "--reason",
            "x",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("at least 10 characters"));
    as_user(&db, "tina")
        .args([
            "desk",
            "--as",
            "tina",
            "open-sensitive",
            "--document",
            "4",
            "--purpose",
            "HOPERAT",
            "--reason",
            "deficiency review of the chart",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("session notes"));
    cd(&db)
        .args([
            "report",
            "privacy",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "tina,technician,MRN0000001,4,PSYCHOTHERAPY,HOPERAT,deficiency review of the chart",
        ));
}

#[test]
fn desk_query_from_a_template_to_a_provider_on_the_encounter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fixture(dir.path());
    let store = chartdesk::store::Store::open(&db).expect("open");
    rusqlite::Connection::open(store.path())
        .expect("raw open for test set-up")
        .execute(
            "UPDATE encounters SET coding_status = 'in_progress' WHERE id = 1",
            [],
        )
        .expect("coding");
    drop(store);
    cd(&db)
        .args(["desk", "query-providers", "--encounter", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("attending").and(predicate::str::contains("Resident")));
    cd(&db)
        .args(["desk", "query-templates"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Clinically undetermined"));
    as_user(&db, "carl")
        .args([
            "desk",
            "--as",
            "carl",
            "query",
            "--encounter",
            "1",
            "--template",
            "HF_TYPE",
            "--provider",
            "2",
            "--indicators",
            "BNP 1,450; furosemide IV twice daily",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("sent to provider 2"));
}
