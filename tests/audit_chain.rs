//! The audit log's tamper evidence: a second, raw connection tampers with the file and
//! `verify` must detect and name each kind of tampering.

mod common;

use chartdesk::audit::{self, Anchor, ChainProblem};
use chartdesk::store::Store;
use chartdesk::{accounts, chart};
use rusqlite::Connection;

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.db");
    let mut store = common::seeded(&path);
    let session = accounts::login(&mut store, "tina", "password-tina").expect("login");
    for q in ["riv", "MRN0000001", "V0000001", "rivera, ana"] {
        chart::search_patients(&mut store, &session.actor(), q).expect("search");
    }
    chart::open_chart(&mut store, &session.actor(), 1).expect("chart");
    chart::read_document(&mut store, &session.actor(), 1).expect("doc");
    accounts::logout(&mut store, &session, false).expect("logout");
    drop(store);
    (dir, path)
}

fn verify(path: &std::path::Path, anchors: &[Anchor]) -> audit::VerifyReport {
    let store = Store::open(path).expect("open");
    audit::verify(store.conn(), anchors).expect("verify")
}

fn raw(path: &std::path::Path) -> Connection {
    Connection::open(path).expect("raw open")
}

fn drop_triggers(c: &Connection) {
    c.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_chain;",
    )
    .expect("drop triggers");
}

#[test]
fn untouched_chain_verifies_and_counts_rows() {
    let (_d, path) = setup();
    let r = verify(&path, &[]);
    assert!(r.ok(), "{:?}", r.problem);
    let store = Store::open(&path).expect("open");
    assert_eq!(r.rows_checked, common::audit_count(&store));
    assert_eq!(r.head_seq, r.rows_checked);
    assert_eq!(r.head_hash.len(), 64);
}

#[test]
fn triggers_reject_update_and_delete() {
    let (_d, path) = setup();
    let c = raw(&path);
    let err = c
        .execute(
            "UPDATE audit_log SET username = 'mallory' WHERE seq = 3",
            [],
        )
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = c
        .execute("DELETE FROM audit_log WHERE seq = 3", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = c
        .execute(
            "INSERT INTO audit_log SELECT seq + 1000, event_id || 'x', recorded_at, user_id, username, role, terminal_id, action, subtype, outcome, patient_mrn, encounter_id, entity_type, entity_id, purpose_of_use, reason, detail, prev_hash, hash || 'x' FROM audit_log WHERE seq = 2",
            [],
        )
        .unwrap_err();
    assert!(err.to_string().contains("chain head"), "{err}");
    assert!(verify(&path, &[]).ok());
}

#[test]
fn dropped_triggers_are_reported() {
    let (_d, path) = setup();
    drop_triggers(&raw(&path));
    let r = verify(&path, &[]);
    assert!(
        matches!(r.problem, Some(ChainProblem::TriggersMissing { ref names }) if names.len() == 3),
        "{:?}",
        r.problem
    );
}

#[test]
fn edited_row_is_named_by_seq() {
    let (_d, path) = setup();
    let c = raw(&path);
    drop_triggers(&c);
    c.execute(
        "UPDATE audit_log SET username = 'mallory' WHERE seq = 7",
        [],
    )
    .expect("edit");
    let r = verify(&path, &[]);
    assert_eq!(r.problem, Some(ChainProblem::RowEdited { seq: 7 }));
    assert!(
        r.problem
            .expect("problem")
            .to_string()
            .contains("seq 7: row edited")
    );
}

#[test]
fn edited_row_with_recomputed_hash_breaks_the_next_link() {
    let (_d, path) = setup();
    let c = raw(&path);
    drop_triggers(&c);
    // A forger who edits row 5 and recomputes its hash (the algorithm is public) still breaks
    // row 6's link; only rewriting the whole tail hides it, and anchors catch that.
    c.execute(
        "UPDATE audit_log SET username = 'mallory' WHERE seq = 5",
        [],
    )
    .expect("edit");
    let forged = independent_hash(&c, 5);
    c.execute("UPDATE audit_log SET hash = ?1 WHERE seq = 5", [forged])
        .expect("rehash");
    let r = verify(&path, &[]);
    assert_eq!(r.problem, Some(ChainProblem::LinkBroken { seq: 6 }));
}

#[test]
fn deleted_row_is_reported_missing() {
    let (_d, path) = setup();
    let c = raw(&path);
    drop_triggers(&c);
    c.execute("DELETE FROM audit_log WHERE seq = 6", [])
        .expect("delete");
    let r = verify(&path, &[]);
    assert_eq!(
        r.problem,
        Some(ChainProblem::RowMissing { seq: 6, found: 7 })
    );
}

#[test]
fn swapped_rows_are_reported_reordered() {
    let (_d, path) = setup();
    let c = raw(&path);
    drop_triggers(&c);
    c.execute_batch(
        "UPDATE audit_log SET seq = -1 WHERE seq = 8;
         UPDATE audit_log SET seq = 8 WHERE seq = 9;
         UPDATE audit_log SET seq = 9 WHERE seq = -1;",
    )
    .expect("swap");
    let r = verify(&path, &[]);
    assert_eq!(
        r.problem,
        Some(ChainProblem::RowsReordered {
            seq: 8,
            linked_to: 9
        })
    );
    assert!(
        r.problem
            .expect("problem")
            .to_string()
            .contains("rows reordered")
    );
}

#[test]
fn broken_link_is_reported() {
    let (_d, path) = setup();
    let c = raw(&path);
    drop_triggers(&c);
    c.execute("UPDATE audit_log SET prev_hash = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' WHERE seq = 4", [])
        .expect("edit");
    let r = verify(&path, &[]);
    assert_eq!(r.problem, Some(ChainProblem::LinkBroken { seq: 4 }));
}

#[test]
fn truncated_tail_is_caught_by_the_anchor() {
    let (_d, path) = setup();
    let (seq, hash) = {
        let store = Store::open(&path).expect("open");
        audit::head(store.conn()).expect("head")
    };
    let anchor = Anchor::new(seq, hash, "2026-11-25T00:00:00.000Z");
    assert!(verify(&path, std::slice::from_ref(&anchor)).ok());
    let c = raw(&path);
    drop_triggers(&c);
    c.execute("DELETE FROM audit_log WHERE seq > ?1", [seq - 3])
        .expect("truncate");
    // Without the anchor the shorter chain is internally consistent (only the triggers are gone)...
    let r = verify(&path, &[]);
    assert!(
        matches!(r.problem, Some(ChainProblem::TriggersMissing { .. })),
        "{:?}",
        r.problem
    );
    // ...with it, the cut is found and named.
    let r = verify(&path, &[anchor]);
    assert_eq!(
        r.problem,
        Some(ChainProblem::TailTruncated {
            anchor_seq: seq,
            head_seq: seq - 3
        })
    );
    assert!(
        r.problem
            .expect("problem")
            .to_string()
            .contains("tail truncated")
    );
}

#[test]
fn truncated_tail_with_triggers_restored_is_named_tail_truncated() {
    let (_d, path) = setup();
    let (seq, hash) = {
        let store = Store::open(&path).expect("open");
        audit::head(store.conn()).expect("head")
    };
    let anchor = Anchor::new(seq, hash, "2026-11-25T00:00:00.000Z");
    let c = raw(&path);
    c.execute_batch("DROP TRIGGER audit_log_no_delete;")
        .expect("drop");
    c.execute("DELETE FROM audit_log WHERE seq > ?1", [seq - 2])
        .expect("truncate");
    c.execute_batch(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'append-only'); END;",
    )
    .expect("restore");
    let r = verify(&path, &[anchor]);
    assert_eq!(
        r.problem,
        Some(ChainProblem::TailTruncated {
            anchor_seq: seq,
            head_seq: seq - 2
        })
    );
}

#[test]
fn rewritten_row_at_anchor_is_anchor_mismatch() {
    let (_d, path) = setup();
    let store = Store::open(&path).expect("open");
    let (seq, _) = audit::head(store.conn()).expect("head");
    drop(store);
    let anchor = Anchor::new(seq, "ab".repeat(32), "2026-11-25T00:00:00.000Z");
    let r = verify(&path, &[anchor]);
    assert_eq!(
        r.problem,
        Some(ChainProblem::AnchorMismatch { anchor_seq: seq })
    );
}

/// The hash of row `seq` recomputed from the encoding documented in `src/audit/mod.rs`,
/// independently of the library's encoder.
fn independent_hash(c: &Connection, seq: i64) -> String {
    use sha2::{Digest, Sha256};
    type Row = (
        i64,
        String,
        String,
        Option<i64>,
        String,
        String,
        String,
        String,
        String,
        i64,
    );
    type Row2 = (
        Option<String>,
        Option<i64>,
        String,
        String,
        String,
        Option<String>,
        String,
        String,
    );
    let (a, b): (Row, Row2) = c
        .query_row(
            "SELECT seq, event_id, recorded_at, user_id, username, role, terminal_id, action, subtype, outcome,
                    patient_mrn, encounter_id, entity_type, entity_id, purpose_of_use, reason, detail, prev_hash
             FROM audit_log WHERE seq = ?1",
            [seq],
            |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?),
                    (r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?, r.get(17)?),
                ))
            },
        )
        .expect("row");
    let q = |s: &str| serde_json::to_string(s).expect("json");
    let oq = |s: &Option<String>| s.as_deref().map(q).unwrap_or_else(|| "null".into());
    let on = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_else(|| "null".into());
    let canonical = format!(
        "{{\"seq\":{},\"event_id\":{},\"recorded_at\":{},\"user_id\":{},\"username\":{},\"role\":{},\"terminal_id\":{},\"action\":{},\"subtype\":{},\"outcome\":{},\"patient_mrn\":{},\"encounter_id\":{},\"entity_type\":{},\"entity_id\":{},\"purpose_of_use\":{},\"reason\":{},\"detail\":{}}}",
        a.0,
        q(&a.1),
        q(&a.2),
        on(a.3),
        q(&a.4),
        q(&a.5),
        q(&a.6),
        q(&a.7),
        q(&a.8),
        a.9,
        oq(&b.0),
        on(b.1),
        q(&b.2),
        q(&b.3),
        q(&b.4),
        oq(&b.5),
        b.6
    );
    let mut h = Sha256::new();
    h.update(b.7.as_bytes());
    h.update(canonical.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn hash_covers_documented_canonical_encoding() {
    let (_d, path) = setup();
    let c = raw(&path);
    let mut stmt = c
        .prepare("SELECT seq, hash FROM audit_log ORDER BY seq")
        .expect("prepare");
    let rows: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("q")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(rows.len() > 10);
    for (seq, hash) in rows {
        assert_eq!(independent_hash(&c, seq), hash, "seq {seq}");
    }
}

/// The store caches the chain head it last committed; another connection's commit must make
/// it read the head again (else the append would not extend the chain and the chain trigger
/// would refuse it). Two stores on one file alternate, and each also writes twice in a row
/// (the cached path).
#[test]
fn cached_head_follows_other_connections_commits() {
    use chartdesk::audit::{Action, Actor, Event, Subtype};
    let (_d, path) = setup();
    let mut a = Store::open(&path).expect("open a");
    let mut b = Store::open(&path).expect("open b");
    let actor = Actor::system("test");
    let before = common::audit_count(&a);
    let write = |s: &mut Store, i: usize| {
        s.transact(&actor, |_tx, audit| {
            audit.record(Event::new(Action::Read, Subtype::View, "test", i));
            Ok::<_, chartdesk::CoreError>(())
        })
        .unwrap_or_else(|e| panic!("write {i}: {e}"));
    };
    for i in 0..20 {
        // a, a, b, a, b, b, …: runs of one writer (cache hits) and switches (cache misses).
        if i % 3 == 2 {
            write(&mut b, i);
        } else {
            write(&mut a, i);
        }
        if i % 5 == 0 {
            write(&mut b, 100 + i);
        }
    }
    assert_eq!(common::audit_count(&a), before + 24);
    let r = audit::verify(b.conn(), &[]).expect("verify");
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.head_seq, before + 24);
}
