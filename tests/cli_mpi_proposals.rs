//! `chartdesk mpi propose | apply-proposal | reject-proposal` (DOMAIN §1): a technician
//! proposes, a supervisor rejects or applies; each step changes the queue item or its proposal
//! and writes its audit row as the acting user; a coder may not propose.

mod common;

use chartdesk::CoreError;
use chartdesk::audit::{Action, Event, Subtype};
use chartdesk::store::Store;
use predicates::prelude::*;

/// The seeded database (patients 1 and 2) with one open duplicate item on the pair.
fn fixture(dir: &std::path::Path) -> (std::path::PathBuf, i64) {
    let db = dir.join("mpi.db");
    let mut store = common::seeded(&db);
    store
        .transact(&common::system(), |tx, audit| {
            chartdesk::mpi::queue::enqueue(
                tx,
                "duplicate",
                1,
                2,
                Some(12.5),
                &serde_json::json!({}),
                "2026-11-05T08:00:00.000Z",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 3));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    let item = store
        .conn()
        .query_row("SELECT id FROM mpi_items", [], |r| r.get(0))
        .expect("item");
    (db, item)
}

fn one<T: rusqlite::types::FromSql>(db: &std::path::Path, sql: &str) -> T {
    let s = Store::open(db).expect("open");
    s.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// The newest audit row on the item: (username, reason, detail).
fn last_audit(db: &std::path::Path, item: i64) -> (String, String, String) {
    let s = Store::open(db).expect("open");
    s.conn()
        .query_row(
            "SELECT username, coalesce(reason, ''), detail FROM audit_log
              WHERE entity_type = 'mpi_item' AND entity_id = ?1 ORDER BY seq DESC LIMIT 1",
            [item.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("audit row")
}

#[test]
fn a_technician_proposes_and_a_supervisor_rejects_then_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, item) = fixture(dir.path());
    let id = item.to_string();

    // A merge keeping the second record, proposed by the technician.
    common::run_as(
        &db,
        "tina",
        "password-tina",
        &["mpi", "propose", &id, "--merge", "--survivor", "MRN0000002"],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "proposed a merge keeping MRN MRN0000002",
    ));
    assert_eq!(
        one::<String>(
            &db,
            "SELECT proposal || '/' || survivor_id || '/' || proposed_by FROM mpi_proposals"
        ),
        "merge/2/tina"
    );
    let (user, _, detail) = last_audit(&db, item);
    assert_eq!(user, "tina");
    assert!(detail.contains("\"proposal\":\"merge\""), "{detail}");

    // Rejected by the supervisor, with why: the proposal is gone, the item still open.
    common::run_as(
        &db,
        "sam",
        "password-sam",
        &[
            "mpi",
            "reject-proposal",
            &id,
            "--reason",
            "birth years differ",
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("rejected tina's merge proposal"));
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM mpi_proposals"), 0);
    assert_eq!(one::<String>(&db, "SELECT status FROM mpi_items"), "open");
    let (user, reason, detail) = last_audit(&db, item);
    assert_eq!(user, "sam");
    assert!(reason.contains("birth years differ"), "{reason}");
    assert!(
        detail.contains("\"rejected_proposal\":\"merge\""),
        "{detail}"
    );

    // A keep-apart needs a reason; with one it is proposed, then applied by the supervisor.
    common::run_as(
        &db,
        "tina",
        "password-tina",
        &["mpi", "propose", &id, "--keep-apart"],
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("needs a reason"));
    common::run_as(
        &db,
        "tina",
        "password-tina",
        &[
            "mpi",
            "propose",
            &id,
            "--keep-apart",
            "--reason",
            "different people",
        ],
    )
    .assert()
    .success();
    common::run_as(&db, "sam", "password-sam", &["mpi", "apply-proposal", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("(proposed by tina)"));
    assert_eq!(
        one::<String>(&db, "SELECT status || '/' || decided_by FROM mpi_items"),
        "kept_apart/sam"
    );
    let (user, _, _) = last_audit(&db, item);
    assert_eq!(user, "sam");
    // Both records are still there, unmerged.
    assert_eq!(
        one::<i64>(
            &db,
            "SELECT count(*) FROM patients WHERE merged_into IS NULL"
        ),
        2
    );
}

#[test]
fn a_coder_may_not_propose_and_a_technician_may_not_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, item) = fixture(dir.path());
    let id = item.to_string();
    let succeeded = "SELECT count(*) FROM audit_log WHERE entity_type = 'mpi_item' AND outcome = 0";
    let before = one::<i64>(&db, succeeded);
    common::run_as(
        &db,
        "carl",
        "password-carl",
        &["mpi", "propose", &id, "--merge"],
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("permission denied"));
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM mpi_proposals"), 0);
    common::run_as(
        &db,
        "tina",
        "password-tina",
        &["mpi", "propose", &id, "--merge"],
    )
    .assert()
    .success();
    common::run_as(
        &db,
        "tina",
        "password-tina",
        &["mpi", "apply-proposal", &id],
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("permission denied"));
    assert_eq!(one::<String>(&db, "SELECT status FROM mpi_items"), "open");
    // Of the three attempts only the technician's proposal changed the item.
    assert_eq!(one::<i64>(&db, succeeded), before + 1);
}
