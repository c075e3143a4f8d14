//! Online backup and safe restore of the database (AUD-15), with the audit chain kept honest
//! across them.
//!
//! Invariants:
//! - A backup is taken through SQLite's backup API in one step, i.e. from one read snapshot:
//!   writers keep working (WAL) and the copy is a consistent database, never a torn file copy.
//!   It is written beside the destination as `DEST.partial`, converted to a single self-contained
//!   file (`journal_mode=DELETE`), fsynced, checked (`integrity_check`, triggers, whole chain),
//!   and only then renamed to `DEST`. A copy that does not verify is deleted and reported.
//! - The backup is recorded in the live database's audit log with the copy's head seq and hash.
//! - A restore first checks the backup the same way, refuses a backup that contradicts an
//!   anchor at or below its head (another database's history), saves the current database as
//!   `<db>.before-restore-<UTC time>`, and then copies the backup in through the backup API, so
//!   other processes with the database open see either the old or the restored database.
//! - The restore is recorded as an event right after the restored head, and that event is
//!   anchored with `restored_head`, so anchors past the restored head read as "lost after
//!   restore at seq N" instead of tampering (a restore the anchor file does not vouch for stays a
//!   tamper).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::audit::{self, Action, Actor, AnchorFile, Event, Subtype, VerifyOptions};
use crate::store::{Store, StoreError, open_read_only, sibling};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; choose a new file name (a backup never overwrites)")]
    Exists(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the copy {path} does not verify ({problem}); it was deleted")]
    CopyDoesNotVerify { path: PathBuf, problem: String },
    #[error("the backup {path} does not verify ({problem}); nothing was restored")]
    SourceDoesNotVerify { path: PathBuf, problem: String },
    #[error(
        "the backup {path} is not from this database's history: the anchor of seq {anchor_seq} in {anchors} differs from the backup's row; nothing was restored"
    )]
    NotThisDatabase {
        path: PathBuf,
        anchor_seq: i64,
        anchors: PathBuf,
    },
    #[error(
        "could not save the current database before restoring ({why}); nothing was restored (pass --discard-current to restore over it anyway)"
    )]
    CannotSaveCurrent { why: String },
    #[error("the database stayed busy for {0:?}; another chartdesk is holding a long write")]
    Busy(Duration),
    #[error("{0}")]
    Anchors(String),
}

fn sql(e: rusqlite::Error) -> BackupError {
    BackupError::Store(StoreError::Sql(e))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What `backup` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupReport {
    pub dest: PathBuf,
    pub head_seq: i64,
    pub head_hash: String,
    pub rows_checked: i64,
    pub bytes: u64,
}

/// What `restore` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    pub restored_head_seq: i64,
    pub restored_head_hash: String,
    /// The head of the database that was replaced (None when there was none, or unreadable).
    pub previous_head_seq: Option<i64>,
    pub saved_as: Option<PathBuf>,
    /// The restore event's seq and hash (anchored with `restored_head`).
    pub event_seq: i64,
    pub event_hash: String,
}

/// Copy everything from `from` into `to` in one backup step (one read snapshot of `from`),
/// retrying while the destination is locked by another connection.
fn copy_all(b: rusqlite::Result<Backup<'_, '_>>) -> Result<(), BackupError> {
    let start = Instant::now();
    let deadline = Duration::from_secs(60);
    let b = b.map_err(sql)?;
    loop {
        match b.step(-1).map_err(sql)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if start.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            StepResult::Busy | StepResult::Locked => {
                return Err(BackupError::Busy(start.elapsed()));
            }
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn fsync_file_and_dir(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(io(dir))?;
    }
    Ok(())
}

/// Check a database file read-only: integrity_check, triggers and the whole chain.
fn check_copy(path: &Path) -> Result<Result<audit::VerifyReport, String>, BackupError> {
    let db = match open_read_only(path) {
        Ok(db) => db,
        Err(e) if e.is_corruption() => return Ok(Err(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let report = audit::verify_with(
        &db.conn,
        &VerifyOptions {
            integrity_check: true,
            ..VerifyOptions::default()
        },
    )
    .map_err(sql)?;
    Ok(match &report.problem {
        None => Ok(report),
        Some(p) => Err(p.to_string()),
    })
}

/// `chartdesk backup DEST`: see the module invariants.
pub fn backup(store: &mut Store, actor: &Actor, dest: &Path) -> Result<BackupReport, BackupError> {
    if dest.exists() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    let partial = sibling(dest, ".partial");
    // A `.partial` is only ever ours, left by a crash: never a backup.
    for p in [
        partial.clone(),
        sibling(&partial, "-journal"),
        sibling(&partial, "-wal"),
    ] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&p)(e)),
        }
    }
    {
        let mut to = Connection::open(&partial).map_err(sql)?;
        copy_all(store.conn().online_backup(&mut to))?;
        // One self-contained file: no -wal or -shm to lose beside it.
        to.pragma_update(None, "journal_mode", "DELETE")
            .map_err(sql)?;
    }
    fsync_file_and_dir(&partial)?;
    let report = match check_copy(&partial)? {
        Ok(r) => r,
        Err(problem) => {
            let _ = std::fs::remove_file(&partial);
            return Err(BackupError::CopyDoesNotVerify {
                path: dest.to_path_buf(),
                problem,
            });
        }
    };
    std::fs::rename(&partial, dest).map_err(io(dest))?;
    fsync_file_and_dir(dest)?;
    let bytes = std::fs::metadata(dest).map_err(io(dest))?.len();
    let out = BackupReport {
        dest: dest.to_path_buf(),
        head_seq: report.head_seq,
        head_hash: report.head_hash.clone(),
        rows_checked: report.rows_checked,
        bytes,
    };
    store.transact(actor, |_tx, a| {
        a.record(
            Event::new(Action::Execute, Subtype::Backup, "database", "backup").detail(
                serde_json::json!({
                    "file": dest.display().to_string(),
                    "head_seq": out.head_seq,
                    "head_hash": out.head_hash,
                    "rows_checked": out.rows_checked,
                    "bytes": out.bytes,
                    "integrity_check": "ok",
                }),
            ),
        );
        Ok::<_, BackupError>(())
    })?;
    Ok(out)
}

/// `chartdesk restore SRC`: see the module invariants. `db` need not exist.
pub fn restore(
    db: &Path,
    src: &Path,
    anchors_path: &Path,
    actor: &Actor,
    discard_current: bool,
) -> Result<RestoreReport, BackupError> {
    // 1. The backup must be sound on its own.
    let checked = match check_copy(src)? {
        Ok(r) => r,
        Err(problem) => {
            return Err(BackupError::SourceDoesNotVerify {
                path: src.to_path_buf(),
                problem,
            });
        }
    };
    let source = open_read_only(src)?;
    // 2. ... and from this database's history: anchors at or below its head must match it.
    let anchors = AnchorFile::read(anchors_path).map_err(BackupError::Anchors)?;
    for a in audit::anchors_in_force(&anchors.anchors)
        .into_iter()
        .filter(|a| a.seq <= checked.head_seq)
    {
        let hash: Option<String> = source
            .conn
            .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [a.seq], |r| {
                r.get(0)
            })
            .ok();
        if hash.as_deref() != Some(a.hash.as_str()) && a.restored_head.is_none() {
            return Err(BackupError::NotThisDatabase {
                path: src.to_path_buf(),
                anchor_seq: a.seq,
                anchors: anchors_path.to_path_buf(),
            });
        }
    }
    // 3. Keep the current database.
    let exists = db.exists() && std::fs::metadata(db).map(|m| m.len() > 0).unwrap_or(false);
    let mut saved_as = None;
    let mut previous_head_seq = None;
    if exists {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let save = sibling(db, &format!(".before-restore-{stamp}"));
        let saved = (|| -> Result<(), BackupError> {
            let live = Connection::open_with_flags(
                db,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(sql)?;
            previous_head_seq = live
                .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
                .ok()
                .flatten();
            let mut to = Connection::open(&save).map_err(sql)?;
            copy_all(Backup::new(&live, &mut to))?;
            to.pragma_update(None, "journal_mode", "DELETE")
                .map_err(sql)?;
            drop(to);
            fsync_file_and_dir(&save)
        })();
        match saved {
            Ok(()) => saved_as = Some(save),
            // The current database is damaged beyond copying, and the user said to go on.
            Err(_) if discard_current => {
                let _ = std::fs::remove_file(&save);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&save);
                return Err(BackupError::CannotSaveCurrent { why: e.to_string() });
            }
        }
    }
    // 4. Copy the backup in (atomically for other connections: one write transaction).
    {
        let mut live = Connection::open_with_flags(
            db,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        live.busy_timeout(Duration::from_secs(5)).map_err(sql)?;
        copy_all(source.conn.online_backup(&mut live))?;
    }
    drop(source);
    // 5. Record it, right after the restored head, and anchor that event.
    let mut store = Store::open(db)?;
    let event = Event::new(Action::Execute, Subtype::Restore, "audit_log", "restore").detail(
        serde_json::json!({
            "from": src.display().to_string(),
            "restored_head_seq": checked.head_seq,
            "restored_head_hash": checked.head_hash,
            "previous_head_seq": previous_head_seq,
            "saved_as": saved_as.as_ref().map(|p| p.display().to_string()),
        }),
    );
    let event_id = event.event_id.clone();
    store.transact(actor, |_tx, a| {
        a.record(event);
        Ok::<_, BackupError>(())
    })?;
    let (event_seq, event_hash): (i64, String) = store
        .conn()
        .query_row(
            "SELECT seq, hash FROM audit_log WHERE event_id = ?1",
            [&event_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql)?;
    let mut anchor = audit::Anchor::new(event_seq, event_hash.clone(), audit::utc_ms(store.now()));
    anchor.restored_head = Some(checked.head_seq);
    audit::write_anchor(anchors_path, &anchor).map_err(io(anchors_path))?;
    Ok(RestoreReport {
        restored_head_seq: checked.head_seq,
        restored_head_hash: checked.head_hash,
        previous_head_seq,
        saved_as,
        event_seq,
        event_hash,
    })
}
