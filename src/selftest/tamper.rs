//! Tamper: every class of tampering issue 17 lists, each applied to a fresh copy of one scratch
//! database with two anchors, must be flagged by the same checks `audit verify` runs, naming the
//! seq where it is first visible.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{SelftestError, SelftestOptions, Verdict, probe_action, setup_probe};
use crate::audit::{
    self, Actor, AnchorFile, AnchorOutcome, AuditRow, Canon, ROW_COLUMNS, VerifyOptions,
};
use crate::store::{Store, open_read_only, sibling};

/// What the checks said about one copy: `None` = OK.
type Flag = Option<(String, Option<i64>)>;

fn check(db: &Path, flag: Option<&Path>) -> Result<Flag, SelftestError> {
    let ro = match open_read_only(db) {
        Ok(r) => r,
        Err(e) => return Ok(Some((e.to_string(), None))),
    };
    let loc = audit::anchor_location(&ro.path, flag)?;
    let file = AnchorFile::read(&loc).map_err(SelftestError::Other)?;
    let report = audit::verify_with(
        &ro.conn,
        &VerifyOptions {
            anchor_file: Some(&file),
            integrity_check: true,
            ..Default::default()
        },
    )?;
    Ok(report.problem.map(|p| (p.to_string(), p.seq())))
}

fn raw(db: &Path) -> Result<Connection, SelftestError> {
    Ok(Connection::open(db)?)
}

/// Drop the append-only triggers, run `sql`, and put chartdesk's exact triggers back.
fn behind_triggers(db: &Path, sql: &str) -> Result<(), SelftestError> {
    let c = raw(db)?;
    for t in audit::TRIGGERS {
        c.execute_batch(&format!("DROP TRIGGER {t};"))?;
    }
    c.execute_batch(sql)?;
    for t in audit::TRIGGERS {
        let sql = audit::expected_trigger_sql(t)
            .ok_or_else(|| SelftestError::Other(format!("no SQL for trigger {t}")))?;
        c.execute_batch(&format!("{sql};"))?;
    }
    Ok(())
}

/// Recompute `prev_hash` and `hash` of every row from `from` on, as a forger who knows the
/// (public) algorithm would.
fn rehash_from(c: &Connection, from: i64) -> Result<(), SelftestError> {
    let rows: Vec<AuditRow> = c
        .prepare(&format!(
            "SELECT {ROW_COLUMNS} FROM audit_log WHERE seq >= ?1 ORDER BY seq"
        ))?
        .query_map([from], AuditRow::from_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut prev: String = c.query_row(
        "SELECT hash FROM audit_log WHERE seq = ?1",
        [from - 1],
        |r| r.get(0),
    )?;
    let mut scratch = Vec::new();
    for row in rows {
        let hash = row_hash(&row, &prev, &mut scratch);
        c.execute(
            "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, row.seq],
        )?;
        prev = hash;
    }
    Ok(())
}

fn row_hash(row: &AuditRow, prev: &str, scratch: &mut Vec<u8>) -> String {
    let canon = Canon {
        seq: row.seq,
        event_id: row.event_id.as_bytes(),
        recorded_at: row.recorded_at.as_bytes(),
        user_id: row.user_id,
        username: row.username.as_bytes(),
        role: row.role.as_bytes(),
        terminal_id: row.terminal_id.as_bytes(),
        action: row.action.as_bytes(),
        subtype: row.subtype.as_bytes(),
        outcome: row.outcome,
        patient_mrn: row.patient_mrn.as_deref().map(str::as_bytes),
        encounter_id: row.encounter_id,
        entity_type: row.entity_type.as_bytes(),
        entity_id: row.entity_id.as_bytes(),
        purpose_of_use: row.purpose_of_use.as_bytes(),
        reason: row.reason.as_deref().map(str::as_bytes),
        detail: row.detail.as_bytes(),
    };
    String::from_utf8_lossy(&canon.hash(prev.as_bytes(), scratch)).into_owned()
}

struct Base {
    db: PathBuf,
    older: PathBuf,
    a1: i64,
    a2: i64,
    head: i64,
}

fn build_base(dir: &Path) -> Result<Base, SelftestError> {
    let db = dir.join("base.db");
    let anchors = sibling(&std::fs::canonicalize(dir)?.join("base.db"), ".anchors");
    let actor = Actor::system("selftest");
    let mut store = setup_probe(&db)?;
    let anchor = |store: &mut Store| -> Result<i64, SelftestError> {
        match audit::anchor_now(store, &actor, &anchors)? {
            AnchorOutcome::Anchored(a) => Ok(a.seq),
            AnchorOutcome::Refused(p) => Err(SelftestError::Other(format!(
                "the fresh chain did not verify: {p}"
            ))),
        }
    };
    for id in 1..=30 {
        probe_action(&mut store, id, "base")?;
    }
    let a1 = anchor(&mut store)?;
    drop(store);
    let older = dir.join("older.db");
    std::fs::copy(&db, &older)?;
    let mut store = Store::open(&db)?;
    for id in 31..=40 {
        probe_action(&mut store, id, "base")?;
    }
    let a2 = anchor(&mut store)?;
    for id in 41..=46 {
        probe_action(&mut store, id, "base")?;
    }
    let head = audit::head(store.conn())?.0;
    drop(store);
    Ok(Base {
        db,
        older,
        a1,
        a2,
        head,
    })
}

/// Tamper with the copy at the path; `Some(link)` when the check must open another path.
type Tamper = dyn Fn(&Path) -> Result<Option<PathBuf>, SelftestError>;

/// One tamper class: its name, what it does to `db` (given the base's seqs), the seq that must
/// be named (None where no seq applies), and an `--anchors` flag if it needs one.
struct Case {
    name: &'static str,
    expect_seq: Option<i64>,
    apply: Box<Tamper>,
}

pub(super) fn run(_: &SelftestOptions, dir: &Path) -> Result<(Verdict, String), SelftestError> {
    let base = build_base(dir)?;
    let (a1, a2, head) = (base.a1, base.a2, base.head);
    let older = base.older.clone();
    let cut = a2 - 2;
    let mut cases: Vec<Case> = vec![
        Case {
            name: "edit",
            expect_seq: Some(5),
            apply: Box::new(|db| {
                behind_triggers(
                    db,
                    "UPDATE audit_log SET username = 'mallory' WHERE seq = 5;",
                )?;
                Ok(None)
            }),
        },
        Case {
            name: "edit + re-hash of the suffix",
            // Only the anchor can see it: named at the first anchor past the edit.
            expect_seq: Some(a1),
            apply: Box::new(|db| {
                behind_triggers(
                    db,
                    "UPDATE audit_log SET username = 'mallory' WHERE seq = 5;",
                )?;
                let c = raw(db)?;
                c.execute_batch("DROP TRIGGER audit_log_no_update;")?;
                rehash_from(&c, 5)?;
                if let Some(sql) = audit::expected_trigger_sql("audit_log_no_update") {
                    c.execute_batch(&format!("{sql};"))?;
                }
                Ok(None)
            }),
        },
        Case {
            name: "delete",
            expect_seq: Some(7),
            apply: Box::new(|db| {
                behind_triggers(db, "DELETE FROM audit_log WHERE seq = 7;")?;
                Ok(None)
            }),
        },
        Case {
            name: "reorder",
            expect_seq: Some(8),
            apply: Box::new(|db| {
                behind_triggers(
                    db,
                    "UPDATE audit_log SET seq = -1 WHERE seq = 8; UPDATE audit_log SET seq = 8 WHERE seq = 9;
                     UPDATE audit_log SET seq = 9 WHERE seq = -1;",
                )?;
                Ok(None)
            }),
        },
        Case {
            name: "truncate",
            expect_seq: Some(a2),
            apply: Box::new(move |db| {
                behind_triggers(db, &format!("DELETE FROM audit_log WHERE seq > {cut};"))?;
                Ok(None)
            }),
        },
        Case {
            name: "older copy",
            expect_seq: Some(a2),
            apply: Box::new(move |db| {
                std::fs::copy(&older, db)?;
                Ok(None)
            }),
        },
        Case {
            name: "forged row after an anchor",
            expect_seq: Some(a1 + 3),
            apply: Box::new(move |db| {
                // Slide the rows after a1+1 up by one and forge a well-hashed row into the gap.
                behind_triggers(
                    db,
                    &format!(
                        "UPDATE audit_log SET seq = -seq WHERE seq > {n};
                         UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;",
                        n = a1 + 1
                    ),
                )?;
                let c = raw(db)?;
                let mut row: AuditRow = c.query_row(
                    &format!("SELECT {ROW_COLUMNS} FROM audit_log WHERE seq = ?1"),
                    [a1 + 1],
                    AuditRow::from_row,
                )?;
                row.seq = a1 + 2;
                row.event_id = "forged".into();
                row.username = "mallory".into();
                row.prev_hash =
                    c.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [a1 + 1], |r| {
                        r.get(0)
                    })?;
                row.hash = row_hash(&row, &row.prev_hash, &mut Vec::new());
                c.execute_batch("DROP TRIGGER audit_log_chain;")?;
                c.execute(
                    &format!("INSERT INTO audit_log ({ROW_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)"),
                    rusqlite::params![row.seq, row.event_id, row.recorded_at, row.user_id, row.username, row.role,
                        row.terminal_id, row.action, row.subtype, row.outcome, row.patient_mrn, row.encounter_id,
                        row.entity_type, row.entity_id, row.purpose_of_use, row.reason, row.detail, row.prev_hash, row.hash],
                )?;
                if let Some(sql) = audit::expected_trigger_sql("audit_log_chain") {
                    c.execute_batch(&format!("{sql};"))?;
                }
                Ok(None)
            }),
        },
        Case {
            name: "every audit row deleted",
            expect_seq: Some(1),
            apply: Box::new(|db| {
                behind_triggers(db, "DELETE FROM audit_log;")?;
                Ok(None)
            }),
        },
        Case {
            name: "same-name no-op triggers",
            expect_seq: None,
            apply: Box::new(|db| {
                let c = raw(db)?;
                for t in audit::TRIGGERS {
                    let when = match *t {
                        "audit_log_no_update" => "UPDATE",
                        "audit_log_no_delete" => "DELETE",
                        _ => "INSERT",
                    };
                    c.execute_batch(&format!(
                        "DROP TRIGGER {t}; CREATE TRIGGER {t} BEFORE {when} ON audit_log BEGIN SELECT 1; END;"
                    ))?;
                }
                Ok(None)
            }),
        },
        Case {
            name: "triggers dropped",
            expect_seq: None,
            apply: Box::new(|db| {
                raw(db)?.execute_batch("DROP TRIGGER audit_log_no_delete;")?;
                Ok(None)
            }),
        },
        Case {
            // migration 0014: `canon` redefined so that it no longer follows a column (a later
            // edit of that column would leave the stored bytes, and so the hash, unchanged).
            name: "canon column redefined",
            expect_seq: None,
            apply: Box::new(|db| {
                raw(db)?.execute_batch(
                    "PRAGMA writable_schema = ON;
                     UPDATE sqlite_master SET sql = replace(sql, 'json_quote(username)', 'json_quote(role)')
                      WHERE type = 'table' AND name = 'audit_log';
                     PRAGMA writable_schema = OFF;",
                )?;
                Ok(None)
            }),
        },
        Case {
            name: "anchor file deleted",
            expect_seq: Some(a2 + 1),
            apply: Box::new(|db| {
                std::fs::remove_file(sibling(db, ".anchors"))?;
                Ok(None)
            }),
        },
        Case {
            name: "anchor file emptied",
            expect_seq: Some(a2 + 1),
            apply: Box::new(|db| {
                std::fs::write(sibling(db, ".anchors"), b"")?;
                Ok(None)
            }),
        },
        Case {
            name: "anchor line removed",
            expect_seq: Some(a2 + 1),
            apply: Box::new(|db| {
                let p = sibling(db, ".anchors");
                let text = std::fs::read_to_string(&p)?;
                let first = text.lines().next().unwrap_or_default().to_string();
                std::fs::write(&p, format!("{first}\n"))?;
                Ok(None)
            }),
        },
        Case {
            name: "anchor path repointed by a setting in the database",
            expect_seq: Some(a2),
            apply: Box::new(move |db| {
                let decoy = sibling(db, ".decoy");
                std::fs::write(&decoy, b"")?;
                behind_triggers(
                    db,
                    &format!(
                        "DELETE FROM audit_log WHERE seq > {cut};
                         INSERT OR REPLACE INTO settings(key, value, updated_at, updated_by)
                           VALUES ('audit_anchor_path', '{}', '2026-01-01', 'mallory');",
                        decoy.display().to_string().replace('\'', "''")
                    ),
                )?;
                Ok(None)
            }),
        },
        Case {
            name: "opened through a symlink",
            expect_seq: Some(a2),
            apply: Box::new(move |db| {
                behind_triggers(db, &format!("DELETE FROM audit_log WHERE seq > {cut};"))?;
                let link_dir = db.with_extension("linkdir");
                std::fs::create_dir_all(&link_dir)?;
                let link = link_dir.join("link.db");
                std::os::unix::fs::symlink(db, &link)?;
                Ok(Some(link))
            }),
        },
        Case {
            name: "forged restore event",
            expect_seq: Some(head + 1),
            apply: Box::new(move |db| {
                let mut store = Store::open(db)?;
                store.transact(&Actor::system("mallory"), |_tx, a| {
                    a.record(
                        audit::Event::new(
                            audit::Action::Execute,
                            audit::Subtype::Restore,
                            "audit_log",
                            "restore",
                        )
                        .detail(serde_json::json!({"restored_head_seq": head})),
                    );
                    Ok::<_, crate::store::StoreError>(())
                })?;
                Ok(None)
            }),
        },
        Case {
            name: "0-byte file",
            expect_seq: None,
            apply: Box::new(|db| {
                std::fs::write(db, b"")?;
                Ok(None)
            }),
        },
        Case {
            name: "corrupt page",
            expect_seq: None,
            apply: Box::new(|db| {
                let c = raw(db)?;
                let page: i64 = c.query_row(
                    "SELECT rootpage FROM sqlite_master WHERE name = 'users'",
                    [],
                    |r| r.get(0),
                )?;
                let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
                drop(c);
                let mut bytes = std::fs::read(db)?;
                let at = ((page - 1) * size) as usize;
                if at + 5 < bytes.len() {
                    bytes[at + 3] = 0x7f;
                    bytes[at + 4] = 0xff;
                }
                std::fs::write(db, bytes)?;
                Ok(None)
            }),
        },
    ];
    let mut flagged = 0;
    let mut seq_ok = 0;
    let mut seq_cases = 0;
    let mut misses = Vec::new();
    // The untouched copy must verify: a check that flags everything proves nothing.
    let control = dir.join("control");
    std::fs::create_dir_all(&control)?;
    let control_db = control.join("site.db");
    std::fs::copy(&base.db, &control_db)?;
    std::fs::copy(
        sibling(&base.db, ".anchors"),
        sibling(&control_db, ".anchors"),
    )?;
    if let Some((p, _)) = check(&control_db, None)? {
        return Ok((
            Verdict::Fail,
            format!("the untouched control copy did not verify: {p}"),
        ));
    }
    for (i, case) in cases.drain(..).enumerate() {
        let cdir = dir.join(format!("case{i}"));
        std::fs::create_dir_all(&cdir)?;
        let db = cdir.join("site.db");
        std::fs::copy(&base.db, &db)?;
        std::fs::copy(sibling(&base.db, ".anchors"), sibling(&db, ".anchors"))?;
        let open_as = (case.apply)(&db)?.unwrap_or(db);
        match check(&open_as, None)? {
            None => misses.push(format!("{}: reported OK", case.name)),
            Some((_, seq)) => {
                flagged += 1;
                if let Some(want) = case.expect_seq {
                    seq_cases += 1;
                    if seq == Some(want) {
                        seq_ok += 1;
                    } else {
                        misses.push(format!(
                            "{}: named seq {seq:?}, first bad is {want}",
                            case.name
                        ));
                    }
                }
            }
        }
    }
    let total = flagged + misses.iter().filter(|m| m.ends_with("reported OK")).count();
    let figure = format!(
        "{flagged}/{total} classes flagged, first bad seq named in {seq_ok}/{seq_cases}, untouched control OK{}",
        if misses.is_empty() {
            String::new()
        } else {
            format!(" — {}", misses.join("; "))
        }
    );
    Ok((
        if misses.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        figure,
    ))
}
