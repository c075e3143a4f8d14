//! Backup, restore and incremental verify (issue 17, AUD-15): a backup taken while writers run
//! is a sound database that verifies; a restore is recorded and anchored, so anchors past the
//! restored head read "lost after restore", while a copy put in place by hand stays a tamper.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chartdesk::CoreError;
use chartdesk::audit::{self, Action, Actor, AnchorFile, Event, Subtype, VerifyOptions};
use chartdesk::store::Store;
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

fn anchors_of(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".anchors");
    PathBuf::from(s)
}

fn act(store: &mut Store, n: usize) {
    for i in 0..n {
        store
            .transact(&Actor::system("test"), |tx, a| {
                tx.execute(
                    "INSERT OR REPLACE INTO chartdesk_meta(key, value) VALUES ('counter', ?1)",
                    [i.to_string()],
                )?;
                a.record(Event::new(Action::Update, Subtype::Update, "counter", i));
                Ok::<_, CoreError>(())
            })
            .expect("act");
    }
}

fn stdout_of(c: &mut Command) -> String {
    let out = c.output().expect("run");
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{s}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s
}

#[test]
fn aud_15_backup_while_writers_run_is_sound_and_recorded_with_its_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("live.db");
    drop(common::seeded(&db));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let db = db.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut store = Store::open(&db).expect("open");
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                act(&mut store, 1);
                n += 1;
                // A busy clerk, not a tight loop (which would starve the backup's own commit).
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
            n
        })
    };
    let mut heads = Vec::new();
    for i in 0..3 {
        let dest = dir.path().join(format!("copy{i}.db"));
        let out = stdout_of(cd(&db).arg("backup").arg(&dest));
        assert!(out.contains("integrity_check ok"), "{out}");
        heads.push((dest, out));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().expect("writer");
    assert!(writes > 0, "the writer ran during the backups");
    let live = Store::open(&db).expect("open");
    for (dest, _) in &heads {
        assert!(!dest.with_extension("db.partial").exists());
        // The copy stands on its own: one file, sound, chain verifies.
        assert!(!PathBuf::from(format!("{}-wal", dest.display())).exists());
        let out = stdout_of(cd(dest).args(["audit", "verify", "--no-record"]));
        assert!(
            out.contains("audit chain OK") && out.contains("integrity_check ok"),
            "{out}"
        );
        // The live log records the backup with the copy's head hash.
        let copy = Connection::open(dest).expect("copy");
        let (seq, hash): (i64, String) = copy
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("head");
        let detail: String = live
            .conn()
            .query_row(
                "SELECT detail FROM audit_log WHERE subtype = 'backup' AND detail LIKE ?1",
                [format!("%{}%", dest.display())],
                |r| r.get(0),
            )
            .expect("backup event");
        let detail: serde_json::Value = serde_json::from_str(&detail).expect("json");
        assert_eq!(detail["head_seq"], seq);
        assert_eq!(detail["head_hash"], hash.as_str());
    }
    // Never over an existing file.
    cd(&db)
        .arg("backup")
        .arg(&heads[0].0)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn aud_15_restore_is_recorded_and_later_anchors_read_lost_not_tampered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("live.db");
    drop(common::seeded(&db));
    cd(&db).args(["audit", "anchor"]).assert().success();
    let backup = dir.path().join("monday.db");
    cd(&db).arg("backup").arg(&backup).assert().success();
    let restored_head: i64 = Connection::open(&backup)
        .expect("b")
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .expect("head");
    {
        let mut store = Store::open(&db).expect("open");
        act(&mut store, 5);
    }
    cd(&db).args(["audit", "anchor"]).assert().success();
    let before: i64 = Connection::open(&db)
        .expect("db")
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .expect("head");
    let out = stdout_of(cd(&db).arg("restore").arg(&backup));
    assert!(out.contains("saved in"), "{out}");
    assert!(
        out.contains(&format!("restore recorded at seq {}", restored_head + 1)),
        "{out}"
    );
    // Verify is OK and says which anchor the restore rolled back.
    let out = stdout_of(cd(&db).args(["audit", "verify"]));
    assert!(out.contains("audit chain OK"), "{out}");
    assert!(
        out.contains(&format!("lost after restore at seq {restored_head}")),
        "{out}"
    );
    // The data is the backup's, plus the restore's own row.
    let c = Connection::open(&db).expect("db");
    let counter: Option<String> = c
        .query_row(
            "SELECT value FROM chartdesk_meta WHERE key = 'counter'",
            [],
            |r| r.get(0),
        )
        .ok();
    assert_eq!(
        counter, None,
        "the actions after the backup are rolled back"
    );
    let subtype: String = c
        .query_row(
            "SELECT subtype FROM audit_log WHERE seq = ?1",
            [restored_head + 1],
            |r| r.get(0),
        )
        .expect("restore row");
    assert_eq!(subtype, "restore");
    // The replaced database was kept, whole.
    let saved: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("e").path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let saved_head: i64 = Connection::open(&saved[0])
        .expect("saved")
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .expect("head");
    assert_eq!(saved_head, before);
    // Life goes on: anchoring, incremental verify.
    cd(&db).args(["audit", "anchor"]).assert().success();
    let out = stdout_of(cd(&db).args(["audit", "verify", "--since-anchor"]));
    assert!(out.contains("audit chain OK"), "{out}");
}

#[test]
fn aud_15_a_copy_put_in_place_by_hand_or_a_forged_restore_event_is_tamper() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("live.db");
    drop(common::seeded(&db));
    let backup = dir.path().join("old.db");
    cd(&db).arg("backup").arg(&backup).assert().success();
    {
        let mut store = Store::open(&db).expect("open");
        act(&mut store, 4);
    }
    cd(&db).args(["audit", "anchor"]).assert().success();
    // An older copy over the live file, not through `restore`.
    let by_hand = dir.path().join("byhand.db");
    std::fs::copy(&backup, &by_hand).expect("copy");
    std::fs::copy(anchors_of(&db), anchors_of(&by_hand)).expect("copy");
    cd(&by_hand)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("tail truncated"));
    // ...even with a restore event forged into its chain with the library, the cut shows.
    forge_restore(&by_hand);
    cd(&by_hand)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("tail truncated"));
    // A forged restore event on its own is named as such.
    forge_restore(&db);
    cd(&db)
        .args(["audit", "verify", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("restore event without its line"));
}

fn forge_restore(db: &Path) {
    let mut store = Store::open(db).expect("open");
    let head = audit::head(store.conn()).expect("head").0;
    store
        .transact(&Actor::system("mallory"), |_tx, a| {
            a.record(
                Event::new(Action::Execute, Subtype::Restore, "audit_log", "restore")
                    .detail(serde_json::json!({"restored_head_seq": head})),
            );
            Ok::<_, CoreError>(())
        })
        .expect("forge");
}

#[test]
fn aud_15_restore_refuses_another_databases_backup_and_a_corrupt_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("live.db");
    drop(common::seeded(&db));
    cd(&db).args(["audit", "anchor"]).assert().success();
    let other = dir.path().join("other.db");
    {
        let mut s = common::seeded(&other);
        act(&mut s, 10);
    }
    let foreign = dir.path().join("foreign-backup.db");
    cd(&other).arg("backup").arg(&foreign).assert().success();
    let before = std::fs::read(&db).expect("read");
    cd(&db)
        .arg("restore")
        .arg(&foreign)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not from this database's history"));
    assert_eq!(std::fs::read(&db).expect("read"), before);
    // A damaged backup is refused before anything is touched.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&foreign).expect("read");
    let n = bytes.len();
    for b in &mut bytes[4096..n.min(4096 * 6)] {
        *b ^= 0x5a;
    }
    std::fs::write(&damaged, bytes).expect("write");
    cd(&db)
        .arg("restore")
        .arg(&damaged)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("does not verify")
                .or(predicate::str::contains("malformed"))
                .or(predicate::str::contains("not a chartdesk database")),
        );
    assert_eq!(std::fs::read(&db).expect("read"), before);
}

#[test]
fn since_anchor_hashes_only_the_rows_after_the_last_anchor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("inc.db");
    {
        let mut s = common::seeded(&db);
        act(&mut s, 200);
    }
    cd(&db).args(["audit", "anchor"]).assert().success();
    {
        let mut s = Store::open(&db).expect("open");
        act(&mut s, 3);
    }
    let run = |since: bool| {
        let store = Store::open(&db).expect("open");
        let file = AnchorFile::read(&anchors_of(&std::fs::canonicalize(&db).expect("c")))
            .expect("anchors");
        audit::verify_with(
            store.conn(),
            &VerifyOptions {
                anchor_file: Some(&file),
                since_anchor: since,
                ..VerifyOptions::default()
            },
        )
        .expect("verify")
    };
    let full = run(false);
    let inc = run(true);
    assert!(
        full.ok() && inc.ok(),
        "{:?} {:?}",
        full.problem,
        inc.problem
    );
    let anchor_seq = AnchorFile::read(&anchors_of(&std::fs::canonicalize(&db).expect("c")))
        .expect("a")
        .anchors[0]
        .seq;
    assert_eq!(inc.from_seq, anchor_seq);
    // The anchored row, the anchor event, and the 3 actions.
    assert_eq!(inc.rows_checked, 5);
    assert_eq!(inc.head_seq, full.head_seq);
    assert_eq!(inc.head_hash, full.head_hash);
    // A forged row after the anchor is found incrementally; a rewrite of the whole chain
    // (re-hashed from seq 2 onwards) breaks the anchored row itself.
    {
        let c = Connection::open(&db).expect("raw");
        c.execute_batch("DROP TRIGGER audit_log_no_update;")
            .expect("drop");
        c.execute(
            "UPDATE audit_log SET entity_id = 'forged' WHERE seq = ?1",
            [anchor_seq + 2],
        )
        .expect("edit");
    }
    let inc = run(true);
    assert_eq!(
        inc.problem,
        Some(audit::ChainProblem::RowEdited {
            seq: anchor_seq + 2
        })
    );
    cd(&db)
        .args(["audit", "verify", "--since-anchor", "--no-record"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "seq {}: row edited",
            anchor_seq + 2
        )));
}

#[test]
fn aud_15_restore_onto_a_new_machine_with_the_anchor_file_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("live.db");
    drop(common::seeded(&db));
    cd(&db).args(["audit", "anchor"]).assert().success();
    let backup = dir.path().join("nightly.db");
    cd(&db).arg("backup").arg(&backup).assert().success();
    // The machine is gone; the backup and the anchor file (kept elsewhere) are not.
    let new_machine = tempfile::tempdir().expect("tempdir");
    let anchors = new_machine.path().join("site.anchors");
    std::fs::copy(anchors_of(&db), &anchors).expect("copy anchors");
    let fresh = new_machine.path().join("site.db");
    let out = stdout_of(
        cd(&fresh)
            .arg("restore")
            .arg(&backup)
            .arg("--anchors")
            .arg(&anchors),
    );
    assert!(!out.contains("saved in"), "nothing to save: {out}");
    let out = stdout_of(
        cd(&fresh)
            .args(["audit", "verify", "--anchors"])
            .arg(&anchors),
    );
    assert!(
        out.contains("audit chain OK") && out.contains("2 anchor(s) matched"),
        "{out}"
    );
}
