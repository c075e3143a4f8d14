//! Issue #17, "orphan release packets": the release runs in a child process (`chartdesk release`)
//! that SIGKILLs itself at each step (`CHARTDESK_TEST_CRASH_AT`). Whatever the step:
//! - no packet is ever in its final place without its disclosure row;
//! - after recovery (`chartdesk doctor`, or simply the next release) a RELEASED request has its
//!   full packet in place, matching its manifest and the zip SHA-256 its audit event recorded,
//!   and nothing staged is left behind;
//! - a request that was not released has no packet anywhere, and a retry releases it.

mod common;

use common::listing;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chartdesk::audit::Actor;
use chartdesk::roi::lifecycle::Status;
use chartdesk::roi::release_files::{STEPS, journal_dir};
use chartdesk::roi::request;
use chartdesk::store::Store;
use sha2::{Digest, Sha256};

/// A database with REQ-000001 (the individual's own copy of the H&P) passed QA by sam.
fn ready(dir: &Path) -> PathBuf {
    let db = dir.join("roi.db");
    let mut store = common::seeded(&db);
    let id = common::request_past_qa(&mut store, "34117-2");
    assert_eq!(id, 1);
    db
}

fn cd(db: &Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .env_remove("CHARTDESK_TEST_CRASH_AT");
    c
}

/// `chartdesk release REQ-000001 --as rita --out OUT`, optionally killed at `step`.
fn release(db: &Path, out: &Path, step: Option<&str>) -> std::process::Output {
    let mut c = cd(db);
    c.arg("--password-stdin")
        .write_stdin("password-rita\n")
        .args(["release", "REQ-000001", "--as", "rita", "--out"])
        .arg(out);
    if let Some(s) = step {
        c.env("CHARTDESK_TEST_CRASH_AT", s);
    }
    c.output().expect("run")
}

fn status(db: &Path) -> Status {
    let store = Store::open(db).expect("open");
    request::load(store.conn(), 1).expect("load").status
}

fn disclosures(db: &Path) -> i64 {
    let store = Store::open(db).expect("open");
    store
        .conn()
        .query_row(
            "SELECT count(*) FROM disclosures WHERE request_id = 1",
            [],
            |r| r.get(0),
        )
        .expect("count")
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn audit_rows(db: &Path, entity_type: &str, subtype: &str) -> Vec<String> {
    let store = Store::open(db).expect("open");
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT detail FROM audit_log WHERE entity_type = ?1 AND subtype = ?2 ORDER BY seq",
        )
        .expect("prepare");
    stmt.query_map([entity_type, subtype], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The released packet is whole: every file matches the manifest, the manifest is the one the
/// release committed, and the zip is the one its audit event recorded.
fn assert_full_packet(db: &Path, out: &Path) {
    let dir = out.join("REQ-000001");
    let manifest = std::fs::read(dir.join("manifest.json")).expect("manifest in place");
    let store = Store::open(db).expect("open");
    let committed: String = store
        .conn()
        .query_row(
            "SELECT packet_sha256 FROM release_requests WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .expect("sha");
    assert_eq!(sha(&manifest), committed, "the committed manifest");
    let m: serde_json::Value = serde_json::from_slice(&manifest).expect("json");
    let files = m["files"].as_array().expect("files");
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let p = dir.join(f["path"].as_str().expect("path"));
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(
            sha(&bytes),
            f["sha256"].as_str().expect("sha"),
            "{}",
            p.display()
        );
        assert_eq!(
            std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777,
            0o600,
            "PHI mode of {}",
            p.display()
        );
    }
    let zip = std::fs::read(out.join("REQ-000001.zip")).expect("zip in place");
    let release = audit_rows(db, "release_request", "release");
    assert_eq!(release.len(), 1, "one release event");
    let detail: serde_json::Value = serde_json::from_str(&release[0]).expect("detail");
    assert_eq!(detail["zip_sha256"].as_str(), Some(sha(&zip).as_str()));
    assert_eq!(detail["manifest_sha256"].as_str(), Some(committed.as_str()));
}

fn assert_nothing_staged(db: &Path, out: &Path) {
    let staged: Vec<String> = listing(out)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(staged.is_empty(), "staged files left: {staged:?}");
    assert!(
        listing(&journal_dir(db)).is_empty(),
        "journal entries left: {:?}",
        listing(&journal_dir(db))
    );
}

fn released_steps(step: &str) -> bool {
    matches!(step, "committed" | "dir-renamed" | "zip-renamed")
}

/// Kill at `step`, check the state on disk, then recover with `doctor` (or not) and retry.
fn kill_and_recover(step: &str, with_doctor: bool) {
    let dir = tempfile::tempdir().expect("tmp");
    let db = ready(dir.path());
    let out = dir.path().join("packets");
    let o = release(&db, &out, Some(step));
    assert_eq!(
        o.status.signal(),
        Some(libc::SIGKILL),
        "{step}: the child should have been killed; stdout {} stderr {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // Right after the kill: nothing in its final place without its disclosure row.
    let final_there = out.join("REQ-000001").exists() || out.join("REQ-000001.zip").exists();
    if final_there {
        assert_eq!(
            disclosures(&db),
            1,
            "{step}: packet in place, no disclosure"
        );
    }
    let released = status(&db) == Status::Released;
    assert_eq!(released, released_steps(step), "{step}: status after kill");
    assert_eq!(disclosures(&db), i64::from(released), "{step}");
    let before_recovery = listing(&out);
    // What the kill left, step by step (staged names start with a dot).
    let shape: Vec<String> = before_recovery
        .iter()
        .map(|n| {
            if n.starts_with(".REQ-000001.partial-") {
                if n.ends_with(".zip") { ".zip" } else { ".dir" }.to_string()
            } else {
                n.clone()
            }
        })
        .collect();
    let want: &[&str] = match step {
        "journal" => &[],
        "temp-partial" => &[".dir"],
        "temp-written" | "committed" => &[".dir", ".zip"],
        "dir-renamed" => &[".zip", "REQ-000001"],
        "zip-renamed" => &["REQ-000001", "REQ-000001.zip"],
        other => panic!("unknown step {other}"),
    };
    let mut shape_sorted = shape.clone();
    shape_sorted.sort();
    assert_eq!(shape_sorted, want, "{step}: {before_recovery:?}");
    assert_eq!(
        listing(&journal_dir(&db)).len(),
        1,
        "{step}: the journal entry survives the kill"
    );
    if with_doctor {
        let o = cd(&db).arg("doctor").output().expect("doctor");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            text.contains("release packet: REQ-000001"),
            "{step}: {text}"
        );
        assert!(!text.contains("FAIL release packet"), "{step}: {text}");
        if released && before_recovery.iter().any(|n| n.starts_with('.')) {
            assert!(text.contains("moved into place"), "{step}: {text}");
        }
        if !released && before_recovery.iter().any(|n| n.starts_with('.')) {
            assert!(text.contains("never disclosed"), "{step}: {text}");
        }
        assert_nothing_staged(&db, &out);
        if released {
            assert_full_packet(&db, &out);
        } else {
            assert!(listing(&out).is_empty(), "{step}: {:?}", listing(&out));
        }
    }
    // The retry: a released request is refused for its status (never "packet exists") and its
    // packet completed; an unreleased one is released.
    let o = release(&db, &out, None);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    if released {
        assert!(!o.status.success(), "{step}: released twice: {stdout}");
        assert!(stderr.contains("RELEASED"), "{step}: {stderr}");
        assert!(!stderr.contains("already exists"), "{step}: {stderr}");
    } else {
        assert!(o.status.success(), "{step}: retry failed: {stderr}");
        assert!(stdout.contains("REQ-000001 RELEASED"), "{step}: {stdout}");
    }
    assert_eq!(status(&db), Status::Released, "{step}");
    assert_eq!(disclosures(&db), 1, "{step}");
    assert_nothing_staged(&db, &out);
    assert_full_packet(&db, &out);
    // Each settled leftover is in the audit log; the chain still verifies.
    let staged_before = before_recovery.iter().any(|n| n.starts_with('.'));
    let moved = audit_rows(&db, "release_packet", "update");
    let removed = audit_rows(&db, "release_packet", "delete");
    assert_eq!(
        moved.len(),
        usize::from(released && staged_before),
        "{step}: {moved:?}"
    );
    assert_eq!(
        removed.len(),
        usize::from(!released && staged_before),
        "{step}: {removed:?}"
    );
    cd(&db).args(["audit", "verify"]).assert().success();
}

#[test]
fn orphan_packet_kill_at_every_step_then_doctor_then_retry() {
    for step in STEPS {
        kill_and_recover(step, true);
    }
}

#[test]
fn orphan_packet_kill_at_every_step_then_retry_recovers_at_start() {
    for step in STEPS {
        kill_and_recover(step, false);
    }
}

#[test]
fn orphan_packet_kill_during_recovery_is_finished_by_the_next_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = ready(dir.path());
    let out = dir.path().join("packets");
    let o = release(&db, &out, Some("committed"));
    assert_eq!(o.status.signal(), Some(libc::SIGKILL));
    // The recovering doctor is killed between the folder and the zip rename.
    let o = cd(&db)
        .arg("doctor")
        .env("CHARTDESK_TEST_CRASH_AT", "recover-dir-renamed")
        .output()
        .expect("doctor");
    assert_eq!(o.status.signal(), Some(libc::SIGKILL));
    assert!(out.join("REQ-000001").exists());
    assert!(!out.join("REQ-000001.zip").exists());
    let o = cd(&db).arg("doctor").output().expect("doctor");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("moved into place"), "{text}");
    assert_nothing_staged(&db, &out);
    assert_full_packet(&db, &out);
}

#[test]
fn orphan_packet_stale_release_names_the_status_not_the_packet() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = ready(dir.path());
    let out = dir.path().join("packets");
    let o = release(&db, &out, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_full_packet(&db, &out);
    assert_nothing_staged(&db, &out);
    // Same folder and another one: both name the status.
    for o in [
        release(&db, &out, None),
        release(&db, &dir.path().join("elsewhere"), None),
    ] {
        let e = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!o.status.success());
        assert!(e.contains("is RELEASED"), "{e}");
        assert!(!e.contains("already exists"), "{e}");
    }
    assert!(!dir.path().join("elsewhere").join("REQ-000001").exists());
}

#[test]
fn orphan_packet_an_existing_packet_is_never_overwritten_and_nothing_is_left() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = ready(dir.path());
    let out = dir.path().join("packets");
    std::fs::create_dir_all(out.join("REQ-000001")).expect("mkdir");
    std::fs::write(out.join("REQ-000001/mine.txt"), b"not chartdesk's").expect("write");
    let o = release(&db, &out, None);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(e.contains("already exists"), "{e}");
    assert_eq!(status(&db), Status::QaReview);
    assert_eq!(disclosures(&db), 0);
    assert_eq!(listing(&out), vec!["REQ-000001".to_string()]);
    assert_eq!(
        std::fs::read(out.join("REQ-000001/mine.txt")).expect("kept"),
        b"not chartdesk's"
    );
    assert_nothing_staged(&db, &out);
}

#[test]
fn orphan_packet_a_staged_packet_that_fails_its_manifest_is_left_and_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = ready(dir.path());
    let out = dir.path().join("packets");
    let o = release(&db, &out, Some("committed"));
    assert_eq!(o.status.signal(), Some(libc::SIGKILL));
    let staged = listing(&out)
        .into_iter()
        .find(|n| n.starts_with('.') && !n.ends_with(".zip"))
        .expect("staged folder");
    std::fs::write(out.join(&staged).join("invoice.txt"), b"changed").expect("tamper");
    let o = cd(&db).arg("doctor").output().expect("doctor");
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL release packet: REQ-000001 was released but its packet does not match the manifest"),
        "{text}"
    );
    assert!(text.contains("invoice.txt"), "{text}");
    // Left exactly as it was, for a person to look at; the journal entry stays.
    assert!(out.join(&staged).join("invoice.txt").exists());
    assert!(!out.join("REQ-000001").exists());
    assert_eq!(listing(&journal_dir(&db)).len(), 1);
    assert!(audit_rows(&db, "release_packet", "update").is_empty());
}

#[test]
fn orphan_packet_a_release_in_progress_is_left_alone_and_a_dead_one_removed() {
    use chartdesk::roi::release_files::{recover, stage};
    let dir = tempfile::tempdir().expect("tmp");
    let db = ready(dir.path());
    let out = dir.path().join("packets");
    let mut store = Store::open(&db).expect("open");
    let slot = std::cell::RefCell::new(None);
    stage(
        &db,
        1,
        &out.join("REQ-000001"),
        &out.join("REQ-000001.zip"),
        &[("manifest.json".into(), b"{}".to_vec())],
        b"zip",
        &slot,
    )
    .expect("stage");
    assert_eq!(listing(&out).len(), 2, "{:?}", listing(&out));
    // Its journal entry is locked: a recovery meanwhile does not touch it.
    let notes = recover(&mut store, &Actor::system("test")).expect("recover");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].text.contains("in progress"), "{notes:?}");
    assert_eq!(listing(&out).len(), 2);
    // The process "dies" (its lock goes with it): the next recovery removes the PHI.
    drop(slot);
    let notes = recover(&mut store, &Actor::system("test")).expect("recover");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(!notes[0].failed, "{notes:?}");
    assert!(notes[0].text.contains("never disclosed"), "{notes:?}");
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    assert_nothing_staged(&db, &out);
    assert_eq!(audit_rows(&db, "release_packet", "delete").len(), 1);
}
