//! The spill store of a streamed FHIR file: once a file has more than `spill_after` entries,
//! its reference index (fullUrl and `Type/id` → entry position, each position's type, its
//! database id once written, whether it waits) and the entries set aside (their references
//! point forward) move from memory into a private temporary SQLite file, so memory stays
//! bounded whatever the file's size. The file lives in a fresh temporary folder (mode 0700),
//! is never the chartdesk database (no lock on it, nothing audited: it holds no record, only
//! the file's own entries while it is imported), and is deleted when the file is done. In the
//! `encryption` build it is keyed with a random key, so PHI never rests on disk in clear.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::FileFail;
use super::fhir::ParsedResource;
use crate::store::StoreError;

/// The start of a spill folder's name, before `<pid>-<random>`.
const PREFIX: &str = "chartdesk-fhir-spill-";

/// A spill folder a crash left behind, removed (or not) by [`remove_stale`].
#[derive(Debug)]
pub struct StaleSpill {
    pub path: PathBuf,
    /// The process that made it (gone).
    pub pid: u32,
    /// Why it could not be removed, if it could not.
    pub error: Option<String>,
}

/// Whether process `pid` is running (Linux `/proc`; elsewhere `kill(pid, 0)`).
fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 sends nothing; it only checks the process exists.
    let r = unsafe { libc::kill(p, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Remove the spill folders in `dir` (the temporary folder) whose owning process is gone: a
/// streamed FHIR import killed (SIGKILL, power loss) cannot delete its spill file, which holds
/// the file's entries (PHI). Called at the start of each FHIR import and by `chartdesk
/// doctor`; a folder of a running import, or of another user (not readable), is kept.
/// Folders named before the process id was part of the name are not touched.
pub fn remove_stale(dir: &Path) -> Vec<StaleSpill> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        // Only a real folder (not a symlink to elsewhere), and never this process's own.
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || pid == std::process::id() || alive(pid) {
            continue;
        }
        let path = e.path();
        let error = std::fs::remove_dir_all(&path).err().map(|e| e.to_string());
        out.push(StaleSpill { path, pid, error });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

pub(super) struct Spill {
    conn: Connection,
    path: PathBuf,
    /// The first error of the store (reported by [`Spill::check`] after each group).
    failed: RefCell<Option<rusqlite::Error>>,
    _dir: tempfile::TempDir,
}

const SCHEMA: &str = "
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA locking_mode = EXCLUSIVE;
PRAGMA temp_store = FILE;
PRAGMA cache_size = -4096;
CREATE TABLE refs (kind INTEGER NOT NULL, key TEXT NOT NULL, pos INTEGER NOT NULL,
    PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE pos (pos INTEGER PRIMARY KEY, ty INTEGER, id INTEGER,
    waiting INTEGER NOT NULL DEFAULT 0);
CREATE TABLE aside (entry INTEGER PRIMARY KEY, rank INTEGER NOT NULL, body BLOB NOT NULL);
CREATE INDEX aside_rank ON aside (rank, entry);
BEGIN;
";

/// `refs.kind`: a `fullUrl`, or a `Type/id`.
pub(super) const FULL_URL: i64 = 0;
pub(super) const TYPED: i64 = 1;

impl Spill {
    pub(super) fn open() -> Result<Spill, FileFail> {
        // The owner's process id is in the name: a folder a crash (SIGKILL) left behind is
        // found and removed by the next import or `chartdesk doctor` ([`remove_stale`]).
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .tempdir()
            .map_err(|e| {
                FileFail::Fatal(StoreError::Open {
                    path: std::env::temp_dir(),
                    source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
                })
            })?;
        // Only this user may read it (the entries are PHI).
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).map_err(
                |e| {
                    FileFail::Fatal(StoreError::Open {
                        path: dir.path().to_path_buf(),
                        source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
                    })
                },
            )?;
        }
        let path = dir.path().join("spill.db");
        let fail = |source| {
            FileFail::Fatal(StoreError::Open {
                path: path.clone(),
                source,
            })
        };
        let conn = Connection::open(&path).map_err(fail)?;
        #[cfg(feature = "encryption")]
        {
            use std::io::Read;
            let mut key = [0u8; 32];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut key))
                .map_err(|e| fail(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            conn.pragma_update(None, "key", format!("x'{hex}'"))
                .map_err(fail)?;
        }
        conn.execute_batch(SCHEMA).map_err(fail)?;
        Ok(Spill {
            conn,
            path,
            failed: RefCell::new(None),
            _dir: dir,
        })
    }

    /// A store error is kept (the first one) and the lookup answers "not found"; the driver
    /// calls [`Spill::check`] after each group and stops the run naming the error.
    fn ok<T: Default>(&self, r: rusqlite::Result<T>) -> T {
        r.unwrap_or_else(|e| {
            self.failed.borrow_mut().get_or_insert(e);
            T::default()
        })
    }

    pub(super) fn check(&self) -> Result<(), FileFail> {
        match self.failed.borrow_mut().take() {
            None => Ok(()),
            Some(source) => Err(FileFail::Fatal(StoreError::Open {
                path: self.path.clone(),
                source,
            })),
        }
    }

    pub(super) fn put_ref(&self, kind: i64, key: &str, pos: usize) {
        let r = self
            .conn
            .prepare_cached("INSERT OR REPLACE INTO refs (kind, key, pos) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![kind, key, pos as i64]).map(|_| ()));
        self.ok(r)
    }

    pub(super) fn get_ref(&self, kind: i64, key: &str) -> Option<usize> {
        let r = self
            .conn
            .prepare_cached("SELECT pos FROM refs WHERE kind = ?1 AND key = ?2")
            .and_then(|mut s| {
                s.query_row(params![kind, key], |r| r.get::<_, i64>(0))
                    .optional()
            });
        self.ok(r).map(|p| p as usize)
    }

    pub(super) fn put_type(&self, pos: usize, ty: u16) {
        let r = self
            .conn
            .prepare_cached(
                "INSERT INTO pos (pos, ty) VALUES (?1, ?2) ON CONFLICT (pos) DO UPDATE SET ty = ?2",
            )
            .and_then(|mut s| s.execute(params![pos as i64, ty]).map(|_| ()));
        self.ok(r)
    }

    pub(super) fn get_type(&self, pos: usize) -> Option<u16> {
        let r = self
            .conn
            .prepare_cached("SELECT ty FROM pos WHERE pos = ?1")
            .and_then(|mut s| {
                s.query_row(params![pos as i64], |r| r.get::<_, Option<u16>>(0))
                    .optional()
            });
        self.ok(r).flatten()
    }

    /// The database id of a position written (`None` to forget it: its group rolled back).
    pub(super) fn set_id(&self, pos: usize, id: Option<i64>) {
        let r = self
            .conn
            .prepare_cached(
                "INSERT INTO pos (pos, id) VALUES (?1, ?2) ON CONFLICT (pos) DO UPDATE SET id = ?2",
            )
            .and_then(|mut s| s.execute(params![pos as i64, id]).map(|_| ()));
        self.ok(r)
    }

    pub(super) fn id(&self, pos: usize) -> Option<i64> {
        let r = self
            .conn
            .prepare_cached("SELECT id FROM pos WHERE pos = ?1")
            .and_then(|mut s| {
                s.query_row(params![pos as i64], |r| r.get::<_, Option<i64>>(0))
                    .optional()
            });
        self.ok(r).flatten()
    }

    pub(super) fn is_waiting(&self, pos: usize) -> bool {
        let r = self
            .conn
            .prepare_cached("SELECT waiting FROM pos WHERE pos = ?1")
            .and_then(|mut s| {
                s.query_row(params![pos as i64], |r| r.get::<_, bool>(0))
                    .optional()
            });
        self.ok(r).unwrap_or(false)
    }

    /// Set an entry aside (its JSON form), to be written at the end in dependency order.
    pub(super) fn push_aside(&self, rank: u8, p: &ParsedResource) {
        let r = serde_json::to_vec(p)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
            .and_then(|body| {
                let mut s = self.conn.prepare_cached(
                    "INSERT OR REPLACE INTO aside (entry, rank, body) VALUES (?1, ?2, ?3)",
                )?;
                s.execute(params![p.entry as i64, rank, body])?;
                let mut w = self.conn.prepare_cached(
                    "INSERT INTO pos (pos, waiting) VALUES (?1, 1) ON CONFLICT (pos) DO UPDATE SET waiting = 1",
                )?;
                w.execute(params![p.entry as i64]).map(|_| ())
            });
        self.ok(r)
    }

    pub(super) fn aside_count(&self) -> usize {
        let r = self
            .conn
            .query_row("SELECT count(*) FROM aside", [], |r| r.get::<_, i64>(0));
        self.ok(r) as usize
    }

    /// The next set-aside entries after `(rank, entry)` in dependency order, at most `limit`,
    /// all of one rank (one kind of resource per group).
    pub(super) fn next_aside(
        &self,
        after: (u8, i64),
        limit: usize,
    ) -> Result<Vec<ParsedResource>, FileFail> {
        let r = (|| {
            let mut s = self.conn.prepare_cached(
                "SELECT rank, body FROM aside WHERE (rank, entry) > (?1, ?2)
                 ORDER BY rank, entry LIMIT ?3",
            )?;
            let mut rows = s.query(params![after.0, after.1, limit as i64])?;
            let mut out = Vec::new();
            let mut first_rank = None;
            while let Some(row) = rows.next()? {
                let rank: u8 = row.get(0)?;
                if *first_rank.get_or_insert(rank) != rank {
                    break;
                }
                let body: Vec<u8> = row.get(1)?;
                let p: ParsedResource = serde_json::from_slice(&body).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Blob,
                        Box::new(e),
                    )
                })?;
                out.push(p);
            }
            Ok(out)
        })();
        r.map_err(|source| {
            FileFail::Fatal(StoreError::Open {
                path: self.path.clone(),
                source,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spill_folder_whose_process_is_gone_is_removed_and_a_live_ones_is_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = std::process::Command::new("true").spawn().expect("spawn");
        let dead = c.id();
        c.wait().expect("wait");
        assert!(!alive(dead));
        let stale = dir.path().join(format!("{PREFIX}{dead}-abc"));
        std::fs::create_dir(&stale).expect("stale");
        std::fs::write(stale.join("spill.db"), b"PHI").expect("file");
        let own = dir
            .path()
            .join(format!("{PREFIX}{}-def", std::process::id()));
        std::fs::create_dir(&own).expect("own");
        // pid 1 (init) always runs.
        let init = dir.path().join(format!("{PREFIX}1-ghi"));
        std::fs::create_dir(&init).expect("init");
        // An older name with no process id is not touched.
        let legacy = dir.path().join(format!("{PREFIX}Qw3rTy"));
        std::fs::create_dir(&legacy).expect("legacy");
        let removed = remove_stale(dir.path());
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert_eq!((removed[0].pid, removed[0].error.as_deref()), (dead, None));
        assert!(!stale.exists());
        assert!(own.exists() && init.exists() && legacy.exists());
        // A spill store of this process is named with its pid, so it is recognised.
        let s = Spill::open().ok().expect("open spill");
        let name = s
            ._dir
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .map(String::from);
        assert!(
            name.is_some_and(|n| n.starts_with(&format!("{PREFIX}{}-", std::process::id()))),
            "{:?}",
            s._dir.path()
        );
    }
}
