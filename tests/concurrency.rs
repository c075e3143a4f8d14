//! Several chartdesk processes writing to one database file at once (users over SSH on one
//! server): every action commits, nobody sees "database is locked", and the chain never forks.
//! The test binary re-executes itself as the child writer processes.

mod common;

use std::process::Command;

use chartdesk::store::Store;
use chartdesk::{accounts, audit, chart, settings};

const CHILDREN: usize = 4;
const ACTIONS: usize = 100;

/// Runs only inside a child process (when CHARTDESK_CHILD_DB is set).
#[test]
fn child_writer() {
    let Ok(db) = std::env::var("CHARTDESK_CHILD_DB") else {
        return;
    };
    let id: usize = std::env::var("CHARTDESK_CHILD_ID")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut store = Store::open(std::path::Path::new(&db)).expect("child open");
    let session = accounts::login(&mut store, "tina", "password-tina").expect("child login");
    let system = common::system();
    for i in 0..ACTIONS {
        if i % 2 == 0 {
            settings::set(
                &mut store,
                &system,
                "facility_name",
                &format!("child {id} action {i}"),
            )
            .expect("write");
        } else {
            chart::search_patients(&mut store, &session.actor(), "riv").expect("audited search");
        }
    }
}

#[test]
fn parallel_writer_processes_keep_one_gapless_chain() {
    if std::env::var("CHARTDESK_CHILD_DB").is_ok() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.db");
    let before = {
        let store = common::seeded(&path);
        common::audit_count(&store)
    };
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (0..CHILDREN)
        .map(|id| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--test-threads=1", "--nocapture"])
                .env("CHARTDESK_CHILD_DB", &path)
                .env("CHARTDESK_CHILD_ID", id.to_string())
                .output_async()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("child ran");
        assert!(
            out.status.success(),
            "child failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "child ran its test"
        );
    }
    let store = Store::open(&path).expect("open");
    let after = common::audit_count(&store);
    // each child: one login + ACTIONS audited actions
    assert_eq!(after - before, (CHILDREN * (ACTIONS + 1)) as i64);
    let report = audit::verify(store.conn(), &[]).expect("verify");
    assert!(report.ok(), "{:?}", report.problem);
    assert_eq!(report.rows_checked, after);
    assert_eq!(report.head_seq, after, "gapless");
    let distinct_prev: i64 = store
        .conn()
        .query_row("SELECT count(DISTINCT prev_hash) FROM audit_log", [], |r| {
            r.get(0)
        })
        .expect("count");
    assert_eq!(
        distinct_prev, after,
        "no two rows share a predecessor: the chain never forked"
    );
}

trait SpawnPiped {
    fn output_async(&mut self) -> std::process::Child;
}

impl SpawnPiped for Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn child")
    }
}
