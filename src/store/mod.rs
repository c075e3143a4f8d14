//! Connection setup, versioned migrations and the one write path.
//!
//! Invariants:
//! - Pragmas are set on every connection outside any transaction (WAL, `synchronous=FULL`,
//!   foreign keys, busy timeout).
//! - A database from a newer chartdesk, or a file that is not a chartdesk database, is refused
//!   and left untouched: nothing is written to it.
//! - Every data change goes through [`Store::transact`]: `BEGIN IMMEDIATE`, the caller's work,
//!   its audit rows appended to the hash chain, `COMMIT` — or nothing at all.
//! - A new database file is created 0600 (0660 in a set-group-id service folder) whatever the
//!   umask; SQLite gives its WAL and SHM the database file's mode (AUD-10).
//! - Only the OS account owning the database file (or root) migrates it (AUD-10).
//! - With a key ([`set_process_key`]) the file is opened through SQLCipher, and a wrong key is
//!   reported at once as one line (AUD-05).

mod crypt;
mod migrations;
mod reader;
mod readonly;
pub mod version;

pub use crypt::{DbKey, process_key, rekey, set_process_key};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use crate::audit::{self, Actor, Event};

pub use migrations::{SCHEMA_VERSION, version_of};
pub use reader::{READ_ONLY_REFUSAL, ReadStatement, Reader, Tx};
pub use readonly::{ReadOnlyDb, open_read_only, sibling};

/// How long one connection waits on another's write lock inside SQLite before we retry.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5_000);
/// How long `transact` keeps retrying `BEGIN IMMEDIATE` before giving up.
const BEGIN_DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this chartdesk understands ({known}); upgrade chartdesk — the file was left untouched"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path} is not a chartdesk database ({why}); the file was left untouched")]
    NotChartdesk { path: PathBuf, why: String },
    #[error("database {0} does not exist (run `chartdesk init` or `chartdesk demo` first)")]
    Missing(PathBuf),
    #[error("the database stayed busy for {0:?}; another chartdesk is holding a long write")]
    Busy(Duration),
    /// Optimistic versions ([`version`]): the record changed since the user read it.
    #[error("{message}")]
    Stale { record: String, message: String },
    #[error("internal error: a transaction tried to commit without an audit row")]
    Unaudited,
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "database {path} needs migrating to schema version {known} (it is at {found}); only the OS account that owns the file may do that: run `chartdesk init` as that account (AUD-10)"
    )]
    MigrationNeedsOwner {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "database {0}: wrong encryption key (or the file is not an encrypted chartdesk database) (AUD-05)"
    )]
    WrongKey(PathBuf),
    #[error(
        "database {0}: an encryption key was given but this chartdesk was built without encryption (cargo feature `encryption`) (AUD-05)"
    )]
    NoEncryption(PathBuf),
}

/// The per-connection pragmas a caller may tune ([`Store::set_pragma`]): none changes data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnPragma {
    /// Page cache size (negative: KiB).
    CacheSize,
    /// WAL pages after which a commit checkpoints.
    WalAutocheckpoint,
    /// The most pages the file may grow to (the selftest's "disk full").
    MaxPageCount,
    /// `synchronous` (2 = FULL, every connection's setting; 1 = NORMAL: a commit is not
    /// fsynced, and a caller that sets it must sync the WAL itself before it tells anyone the
    /// commit is durable — the MLLP listener, see `listen::durable`).
    Synchronous,
}

/// Source of "now": the real clock, or a fixed one in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub struct Store {
    /// The connection, reachable from outside the store only as a [`Reader`].
    db: Reader,
    path: PathBuf,
    clock: Clock,
    terminal_id: String,
    /// Records whose version the writes now running must still match ([`Store::guarded`]).
    expected: Vec<(version::Versioned, i64)>,
    /// The longest this connection held the write lock (`BEGIN IMMEDIATE` to `COMMIT`) since
    /// [`Store::take_longest_hold`] last reset it: what `chartdesk bench` reports.
    longest_hold: Duration,
    /// The chain head this connection last committed, with the `PRAGMA data_version` seen in
    /// that transaction: while no other connection has committed since (data_version
    /// unchanged, read under the write lock), the head cannot have moved, and the next append
    /// skips reading it (AUD-01; the chain trigger still checks every insert).
    head_cache: Option<HeadCache>,
}

/// See [`Store::head_cache`].
#[derive(Clone, Debug)]
struct HeadCache {
    data_version: i64,
    seq: i64,
    hash: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A freshly migrated database in memory (no file anywhere): what the migrations alone put
/// in, for comparisons such as `audit verify`'s emptied-log check.
pub fn fresh_in_memory() -> Result<Reader, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrations::migrate(&mut conn, Path::new(":memory:"))?;
    Ok(Reader::new(conn))
}

impl Store {
    /// Open a chartdesk database, creating it (and migrating it to the current schema) when the
    /// file does not exist yet.
    pub fn open_or_create(path: &Path) -> Result<Store, StoreError> {
        Self::open_inner(path, true)
    }

    /// Open an existing chartdesk database; a missing file is an error.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_inner(path, false)
    }

    fn open_inner(path: &Path, create: bool) -> Result<Store, StoreError> {
        let exists = path.exists();
        if !exists && !create {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let key = process_key();
        if exists {
            if key.is_none() {
                migrations::check_header(path).map_err(|e| match e {
                    StoreError::NotChartdesk { path, why } => StoreError::NotChartdesk {
                        path,
                        why: format!(
                            "{why}; if it is an encrypted chartdesk database, give its key with --key-file, CHARTDESK_KEY_FILE or CHARTDESK_KEY"
                        ),
                    },
                    other => other,
                })?;
            }
        } else {
            create_database_file(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        if let Some(key) = &key {
            crypt::apply_key(&conn, key, path)?;
        }
        // Is it ours? Checked before any pragma that could write (journal_mode=WAL writes).
        migrations::check_identity(&conn, path)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(StoreError::from)?;
        if exists
            && version > 0
            && version < SCHEMA_VERSION
            && !crate::host::is_database_owner(path)
        {
            return Err(StoreError::MigrationNeedsOwner {
                path: path.to_path_buf(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        configure(&mut conn).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        migrations::migrate(&mut conn, path)?;
        Ok(Store {
            db: Reader::new(conn),
            path: path.to_path_buf(),
            clock: Arc::new(Utc::now),
            terminal_id: terminal_id(),
            expected: Vec::new(),
            longest_hold: Duration::ZERO,
            head_cache: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read access, and only that: a [`Reader`] cannot write (it has no write methods, and
    /// refuses a statement that would write at run time). Reads of patient data must still be
    /// audited by the caller (through `transact_read`); this is for queries that touch no PHI
    /// or are audited separately.
    pub fn conn(&self) -> &Reader {
        &self.db
    }

    /// Fold the WAL into the database file and truncate it (`PRAGMA wal_checkpoint(TRUNCATE)`):
    /// moves committed pages, changes no data.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.db
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Copy what committed pages it can from the WAL into the file without waiting for
    /// readers (`PRAGMA wal_checkpoint(PASSIVE)`); changes no data.
    pub fn checkpoint_passive(&self) -> Result<(), StoreError> {
        self.db
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Refresh the query planner's statistics (`ANALYZE`: SQLite's own `sqlite_stat*` tables,
    /// no chartdesk data) and fold the WAL into the file. Maintenance, not a data change.
    pub fn analyze(&self) -> Result<(), StoreError> {
        self.db.conn.execute_batch("ANALYZE")?;
        self.checkpoint()
    }

    /// Set one per-connection tuning pragma (see [`ConnPragma`]): it changes how this
    /// connection works, never what the database holds.
    pub fn set_pragma(&self, pragma: ConnPragma, value: i64) -> rusqlite::Result<()> {
        let name = match pragma {
            ConnPragma::CacheSize => "cache_size",
            ConnPragma::WalAutocheckpoint => "wal_autocheckpoint",
            ConnPragma::MaxPageCount => "max_page_count",
            ConnPragma::Synchronous => "synchronous",
        };
        self.db.conn.pragma_update(None, name, value)
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The clock, for a second connection of the same process (the TUI's background reads).
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    /// Replace the clock (tests, deterministic demo generation).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The longest write-lock hold of a committed transaction since the last call, and reset.
    pub fn take_longest_hold(&mut self) -> Duration {
        std::mem::take(&mut self.longest_hold)
    }

    pub fn terminal_id(&self) -> &str {
        &self.terminal_id
    }

    /// The one write path: run `work` inside `BEGIN IMMEDIATE`, append every audit event it
    /// recorded to the hash chain in the same transaction, and commit only when both succeed.
    /// A transaction that recorded no audit event is rolled back with [`StoreError::Unaudited`].
    pub fn transact<T, E>(
        &mut self,
        actor: &Actor,
        work: impl FnOnce(&Tx<'_>, &mut AuditBuffer) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = begin_immediate(&self.db)?;
        let held = Instant::now();
        // Optimistic versions: refused here, under the write lock, when a guarded record moved.
        self.check_expected(&tx)?;
        // Taken under the write lock, so recorded_at never goes backwards along the chain
        // (given one clock per machine).
        let now = (self.clock)();
        let terminal = self.terminal_id.as_str();
        let mut buffer = AuditBuffer { events: Vec::new() };
        let out = work(&tx, &mut buffer)?;
        if buffer.events.is_empty() {
            return Err(StoreError::Unaudited.into());
        }
        // Any failure below leaves the cache empty: the next append reads the head again.
        let cached = self.head_cache.take();
        let data_version: i64 = tx
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(StoreError::from)?;
        let mut head = cached
            .filter(|c| c.data_version == data_version)
            .map(|c| (c.seq, c.hash));
        for event in buffer.events {
            head = Some(
                audit::append(&tx, actor, terminal, now, event, head).map_err(StoreError::from)?,
            );
        }
        let versions = self.expected_now(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        self.longest_hold = self.longest_hold.max(held.elapsed());
        self.follow_expected(versions);
        // Our own commit does not change our data_version; another connection's will.
        self.head_cache = head.map(|(seq, hash)| HeadCache {
            data_version,
            seq,
            hash,
        });
        Ok(out)
    }
}

impl Store {
    /// The audited-read path: like [`Store::transact`] (the audit row is appended in the same
    /// transaction as the read, or the read fails), but the commit is not fsynced on its own
    /// (`synchronous=NORMAL` for this one commit). Reads touch no data, so nothing a user did
    /// can be lost; the read's audit row becomes durable with the next change's commit (FULL
    /// fsyncs the whole WAL) or the next checkpoint. This keeps a page-down or a search off
    /// the ~4 ms fsync path. A power cut can lose the last few read-audit rows, never a change,
    /// and never the chain's integrity.
    pub fn transact_read<T, E>(
        &mut self,
        actor: &Actor,
        work: impl FnOnce(&Tx<'_>, &mut AuditBuffer) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.db
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(StoreError::from)?;
        let out = self.transact(actor, work);
        let restored = self
            .db
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(StoreError::from);
        let out = out?;
        restored?;
        Ok(out)
    }
}

/// Audit events recorded during a transaction; appended to the chain before commit.
pub struct AuditBuffer {
    events: Vec<Event>,
}

impl AuditBuffer {
    pub fn record(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Events recorded so far (a mark for [`AuditBuffer::truncate`]).
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Forget the events recorded after `len`: the caller rolled back to a SAVEPOINT taken
    /// at that mark, so those events describe changes that no longer exist.
    pub fn truncate(&mut self, len: usize) {
        self.events.truncate(len);
    }
}

/// `BEGIN IMMEDIATE` with retry: SQLite's busy handler waits up to `BUSY_TIMEOUT`; if the lock
/// is still held we try again until `BEGIN_DEADLINE`, so a user never sees "database is locked".
fn begin_immediate(db: &Reader) -> Result<Tx<'_>, StoreError> {
    let start = Instant::now();
    loop {
        match db.conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => return Ok(Tx { db, open: true }),
            Err(e) if is_busy(&e) && start.elapsed() < BEGIN_DEADLINE => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) if is_busy(&e) => return Err(StoreError::Busy(start.elapsed())),
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// SQLite busy handler: sleep 1 ms and retry, for about [`BUSY_TIMEOUT`].
fn busy_wait(attempt: i32) -> bool {
    std::thread::sleep(Duration::from_millis(1));
    (attempt as u128) < BUSY_TIMEOUT.as_millis()
}

/// How long a long writer pauses between its short transactions, so a waiting user's action
/// (polling every millisecond, see `busy_wait`) takes the lock in between.
pub const WRITER_PAUSE: Duration = Duration::from_millis(3);

/// Pages of WAL after which a commit checkpoints (batch analysis suspends it for its run).
pub const WAL_AUTOCHECKPOINT: i64 = 4000;

/// Per-connection pragmas, outside any transaction (they are no-ops inside one).
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    // Readers never block the writer and vice versa: many users over SSH share one file.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // An acknowledged action survives power loss: fsync the WAL on every commit.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Referential integrity is enforced, not hoped for.
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Wait for another process's write instead of failing at once, retrying every
    // millisecond: long writers (imports, generation, analysis) commit in short groups and
    // pause between them, and a waiter polling this often gets in at the next pause instead
    // of sleeping past it (SQLite's own handler backs off to 100 ms sleeps).
    conn.busy_handler(Some(busy_wait))?;
    // Hot loops (analysis, imports) cycle through more than rusqlite's default 16 statements.
    conn.set_prepared_statement_cache_capacity(128);
    // Checkpoints happen on commit past this many pages; keep them infrequent but bounded.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    // Statement journals (per-statement undo inside a transaction, needed by every statement
    // that fires triggers: the audit chain's and the queue counters') stay in memory instead
    // of spilling to a temp file past 64 KiB (22 % of import time in the profile).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Query-planner stability: a plan never depends on a bound value. Without it SQLite marks
    // statements whose plan looked at a parameter (even the small-integer heuristic for a
    // `col = ?` filter) and rusqlite's statement cache clears bindings whenever a statement
    // goes back to the cache, which expires such statements: cached queries were recompiled
    // on every use (12 % of import time in the profile). So no query relies on `LIKE ?` for
    // index use; prefix searches are written as ranges.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// Where: the terminal as the kernel names it (not `$SSH_TTY`, which the caller sets), else
/// `console`, plus the process id (AUD-10).
fn terminal_id() -> String {
    let tty = crate::host::tty()
        .map(|t| t.trim_start_matches("/dev/").to_string())
        .unwrap_or_else(|| "console".to_string());
    format!("{tty}#{}", std::process::id())
}

/// Create the (empty) database file and any missing folders with PHI modes, before SQLite
/// opens it: SQLite then gives the WAL and SHM the same mode, whatever the umask (AUD-10).
fn create_database_file(path: &Path) -> Result<(), StoreError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| StoreError::Io { path: p, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::host::create_private_dir_all(dir).map_err(io(dir))?;
    }
    match crate::host::create_private_file(path) {
        Ok(_) => Ok(()),
        // Another process created it between our check and now: open what is there.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io(path)(e)),
    }
}
