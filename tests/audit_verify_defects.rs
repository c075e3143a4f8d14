//! Issue 17: every way `audit verify` used to report OK when it should not, and the anchor and
//! read-only rules around it (AUD-04, AUD-08). Each test tampers through a raw connection or the
//! file system, then runs the real binary.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use rusqlite::Connection;

fn cd(db: &Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .env_remove("CHARTDESK_ANCHORS");
    c
}

/// A seeded database with a few more audit rows, closed (so its WAL is checkpointed away).
fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("site.db");
    let mut store = common::seeded(&db);
    let s = chartdesk::accounts::login(&mut store, "tina", "password-tina").expect("login");
    chartdesk::chart::open_chart(&mut store, &s.actor(), 1).expect("chart");
    chartdesk::accounts::logout(&mut store, &s, false).expect("logout");
    drop(store);
    db
}

fn anchors_of(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".anchors");
    PathBuf::from(s)
}

fn head(db: &Path) -> i64 {
    Connection::open(db)
        .expect("raw")
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .expect("head")
}

/// Drop the triggers, run `sql`, and put chartdesk's exact triggers back: only the tampering
/// itself remains to be found.
fn tamper_with_triggers_restored(db: &Path, sql: &str) {
    let c = Connection::open(db).expect("raw");
    c.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_chain;",
    )
    .expect("drop");
    c.execute_batch(sql).expect("tamper");
    for name in chartdesk::audit::TRIGGERS {
        let sql = chartdesk::audit::expected_trigger_sql(name).expect("expected sql");
        c.execute_batch(&format!("{sql};")).expect("recreate");
    }
}

fn verify_ok(db: &Path) {
    cd(db)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("audit chain OK"));
}

#[test]
fn aud_08_every_audit_row_deleted_is_not_ok() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    verify_ok(&db);
    tamper_with_triggers_restored(&db, "DELETE FROM audit_log;");
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("seq 1: audit log emptied")
                .and(predicate::str::contains("users")),
        );
}

#[test]
fn aud_08_triggers_replaced_by_same_name_no_ops_are_altered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    {
        let c = Connection::open(&db).expect("raw");
        c.execute_batch(
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_chain;
             CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END;
             CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END;
             CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log BEGIN SELECT 1; END;",
        )
        .expect("replace");
    }
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("triggers altered")
                .and(predicate::str::contains("audit_log_no_update"))
                .and(predicate::str::contains("audit_log_chain")),
        );
    // An extra trigger on the log is not chartdesk's either.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    Connection::open(&db)
        .expect("raw")
        .execute_batch("CREATE TRIGGER sneaky AFTER INSERT ON audit_log BEGIN SELECT 1; END;")
        .expect("add");
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("sneaky (not chartdesk's)"));
}

#[test]
fn aud_04_deleted_or_emptied_anchor_file_is_not_ok() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    cd(&db).args(["audit", "anchor"]).assert().success();
    verify_ok(&db);
    let anchors = anchors_of(&db);
    std::fs::write(&anchors, b"").expect("empty");
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("is missing or empty"));
    std::fs::remove_file(&anchors).expect("delete");
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("is missing or empty"));
}

#[test]
fn aud_04_anchor_path_setting_inside_the_database_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    cd(&db).args(["audit", "anchor"]).assert().success();
    let cut = head(&db) - 3;
    let decoy = dir.path().join("decoy.anchors");
    std::fs::write(&decoy, b"").expect("decoy");
    tamper_with_triggers_restored(
        &db,
        &format!(
            "DELETE FROM audit_log WHERE seq > {cut};
             INSERT OR REPLACE INTO settings(key, value, updated_at, updated_by)
               VALUES ('audit_anchor_path', '{}', '2026-01-01', 'mallory');",
            decoy.display()
        ),
    );
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("tail truncated"))
        .stderr(
            predicate::str::contains("audit_anchor_path setting")
                .and(predicate::str::contains("ignored")),
        );
    // The flag is the way to choose another file, and the truncation shows there too.
    cd(&db)
        .args(["audit", "verify", "--no-record", "--anchors"])
        .arg(anchors_of(&db))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("tail truncated"));
}

#[test]
fn aud_04_database_opened_through_a_symlink_finds_its_anchors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    cd(&db).args(["audit", "anchor"]).assert().success();
    let cut = head(&db) - 2;
    tamper_with_triggers_restored(&db, &format!("DELETE FROM audit_log WHERE seq > {cut};"));
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let link = elsewhere.path().join("link.db");
    std::os::unix::fs::symlink(&db, &link).expect("symlink");
    cd(&link)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("tail truncated"));
    assert!(!anchors_of(&link).exists());
}

#[test]
fn aud_04_anchor_events_are_cross_checked_with_the_anchor_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    cd(&db).args(["audit", "anchor"]).assert().success();
    cd(&db).args(["audit", "verify"]).assert().success();
    cd(&db).args(["audit", "anchor"]).assert().success();
    verify_ok(&db);
    // Someone drops the newest anchor line (to hide a later rewrite of the tail).
    let anchors = anchors_of(&db);
    let text = std::fs::read_to_string(&anchors).expect("read");
    let first = text.lines().next().expect("line");
    let second: serde_json::Value =
        serde_json::from_str(text.lines().nth(1).expect("second")).expect("json");
    std::fs::write(&anchors, format!("{first}\n")).expect("rewrite");
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "the chain records an anchor of seq {} that the anchor file does not hold",
            second["seq"]
        )));
}

#[test]
fn aud_08_anchor_refuses_to_append_to_a_broken_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    {
        let c = Connection::open(&db).expect("raw");
        c.execute_batch("DROP TRIGGER audit_log_no_update;")
            .expect("drop");
        c.execute(
            "UPDATE audit_log SET username = 'mallory' WHERE seq = 4",
            [],
        )
        .expect("edit");
    }
    cd(&db).args(["audit", "anchor"]).assert().code(1).stderr(
        predicate::str::contains("refusing to anchor")
            .and(predicate::str::contains("seq 4: row edited")),
    );
    assert!(!anchors_of(&db).exists(), "no anchor may be written");
}

#[test]
fn verify_reads_a_read_only_forensic_copy_without_changing_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    cd(&db).args(["audit", "anchor"]).assert().success();
    let case = tempfile::tempdir().expect("tempdir");
    let copy = case.path().join("evidence.db");
    std::fs::copy(&db, &copy).expect("copy");
    std::fs::copy(anchors_of(&db), anchors_of(&copy)).expect("copy anchors");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(case.path(), std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let before = std::fs::read(&copy).expect("read");
    let out = cd(&copy).args(["audit", "verify"]).output().expect("run");
    std::fs::set_permissions(case.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("audit chain OK"), "{stdout}");
    assert!(stdout.contains("1 anchor(s) matched"), "{stdout}");
    assert!(stdout.contains("integrity_check ok"), "{stdout}");
    assert!(stdout.contains("not recorded"), "{stdout}");
    assert_eq!(
        std::fs::read(&copy).expect("read"),
        before,
        "byte-identical"
    );
    let names: Vec<_> = std::fs::read_dir(case.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "no -wal/-shm beside the evidence: {names:?}"
    );
}

#[test]
fn verify_refuses_a_zero_byte_file_and_leaves_it_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("zero.db");
    std::fs::write(&db, b"").expect("create");
    cd(&db)
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("empty (0 bytes)"));
    assert_eq!(std::fs::metadata(&db).expect("meta").len(), 0);
    assert!(!dir.path().join("zero.db-wal").exists());
}

#[test]
fn verify_runs_integrity_check_and_reports_a_corrupt_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    let page_size: i64 = Connection::open(&db)
        .expect("raw")
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .expect("page size");
    let mut bytes = std::fs::read(&db).expect("read");
    let page_size = page_size as usize;
    let pages = bytes.len() / page_size;
    assert!(pages > 8, "{pages} pages");
    // Scribble over the middle of every page after the schema page.
    for p in 1..pages {
        let at = p * page_size + page_size / 3;
        for b in &mut bytes[at..at + 64] {
            *b = 0xA5;
        }
    }
    std::fs::write(&db, &bytes).expect("write");
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("corrupt"));
}

#[test]
fn verify_integrity_check_finds_damage_the_chain_does_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    // Damage one b-tree page of a table other than the audit log: the chain still reads fine,
    // only integrity_check can see it.
    let (page_size, page): (i64, i64) = {
        let c = Connection::open(&db).expect("raw");
        let ps = c
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .expect("ps");
        let root = c
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'users'",
                [],
                |r| r.get(0),
            )
            .expect("root");
        (ps, root)
    };
    let mut bytes = std::fs::read(&db).expect("read");
    let at = ((page - 1) * page_size) as usize;
    // The cell-count field of the b-tree page header.
    bytes[at + 3] = 0x7f;
    bytes[at + 4] = 0xff;
    std::fs::write(&db, &bytes).expect("write");
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("corrupt").and(predicate::str::contains("integrity_check")),
        );
}

#[test]
fn aud_08_anchor_refuses_when_a_row_before_the_last_anchor_was_edited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = seeded(dir.path());
    cd(&db).args(["audit", "anchor"]).assert().success();
    let before = std::fs::read(anchors_of(&db)).expect("read");
    {
        let c = Connection::open(&db).expect("raw");
        c.execute_batch("DROP TRIGGER audit_log_no_update;")
            .expect("drop");
        c.execute("UPDATE audit_log SET reason = 'x' WHERE seq = 2", [])
            .expect("edit");
    }
    cd(&db)
        .args(["audit", "anchor"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("seq 2: row edited"));
    assert_eq!(std::fs::read(anchors_of(&db)).expect("read"), before);
}
