//! Encryption at rest (AUD-05): SQLCipher, built in with the `encryption` cargo feature.
//!
//! Invariants:
//! - The key is applied first on a fresh connection, with SQLCipher's own logging off (it
//!   would print HMAC failures to stderr over the TUI), and checked at once with a query on
//!   `sqlite_master`: a wrong key is [`StoreError::WrongKey`], one line, never SQLite's "file
//!   is not a database" later on.
//! - The key never appears in `Debug` output or errors.
//! - Without the feature, a key is refused ([`StoreError::NoEncryption`]); nothing is opened in
//!   the clear by mistake.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;

use super::StoreError;

/// A database key: a passphrase (SQLCipher derives the key with PBKDF2-HMAC-SHA512, 256,000
/// iterations: ~0.4 s per open, by design), or a raw 256-bit key written as 64 hex digits
/// (`openssl rand -hex 32` into a 0600 key file), used as is: no derivation cost per open.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey(String);

impl DbKey {
    /// A key from text; surrounding whitespace (a file's trailing newline) is not part of it.
    pub fn new(text: &str) -> Option<DbKey> {
        let t = text.trim();
        (!t.is_empty()).then(|| DbKey(t.to_string()))
    }

    /// True for a raw 256-bit key (64 hex digits).
    pub fn is_raw(&self) -> bool {
        self.0.len() == 64 && self.0.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// The string SQLCipher's `PRAGMA key` / `ATTACH … KEY` takes: `x'…'` for a raw key.
    #[cfg_attr(not(feature = "encryption"), allow(dead_code))]
    fn expose(&self) -> String {
        if self.is_raw() {
            format!("x'{}'", self.0)
        } else {
            self.0.clone()
        }
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

static PROCESS_KEY: Mutex<Option<DbKey>> = Mutex::new(None);

/// The key every database in this process is opened with (set once by the command line from
/// `--key-file`, `CHARTDESK_KEY_FILE`, `CHARTDESK_KEY` or a prompt).
pub fn set_process_key(key: Option<DbKey>) {
    if let Ok(mut k) = PROCESS_KEY.lock() {
        *k = key;
    }
}

pub fn process_key() -> Option<DbKey> {
    PROCESS_KEY.lock().ok().and_then(|k| k.clone())
}

/// Key a fresh connection and prove the key with a read of `sqlite_master`.
#[cfg(feature = "encryption")]
pub(super) fn apply_key(conn: &Connection, key: &DbKey, path: &Path) -> Result<(), StoreError> {
    let open = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    conn.pragma_update(None, "cipher_log_level", "NONE")
        .map_err(open)?;
    conn.pragma_update(None, "key", key.expose())
        .map_err(open)?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(StoreError::WrongKey(path.to_path_buf()))
        }
        Err(e) => Err(open(e)),
    }
}

#[cfg(not(feature = "encryption"))]
pub(super) fn apply_key(_conn: &Connection, _key: &DbKey, path: &Path) -> Result<(), StoreError> {
    Err(StoreError::NoEncryption(path.to_path_buf()))
}

/// Re-encrypt the database at `path` under `new` (or encrypt a plain one): the whole database
/// is exported by SQLCipher into a new file beside it (same mode), which then replaces the
/// original by rename, so a failure leaves the original as it was. Every other chartdesk
/// process must be closed first (the caller checks with an exclusive lock).
#[cfg(feature = "encryption")]
pub fn rekey(store: super::Store, new: &DbKey) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    let path = store.path().to_path_buf();
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| StoreError::Io { path: p, source }
    };
    let tmp = {
        let mut s = path.as_os_str().to_owned();
        s.push(".rekey");
        std::path::PathBuf::from(s)
    };
    let _ = std::fs::remove_file(&tmp);
    let meta = std::fs::metadata(&path).map_err(io(&path))?;
    {
        let conn = &store.db.conn;
        // Nobody else may be inside: take the write lock and fold the WAL into the file.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS rekeyed KEY ?2",
            rusqlite::params![tmp.to_string_lossy(), new.expose()],
        )?;
        let exported = conn
            .query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))
            .and_then(|()| conn.pragma_update(Some("rekeyed"), "user_version", version));
        conn.execute_batch("DETACH DATABASE rekeyed")?;
        if let Err(e) = exported {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
    }
    drop(store);
    std::fs::set_permissions(
        &tmp,
        std::os::unix::fs::PermissionsExt::from_mode(meta.mode() & 0o7777),
    )
    .map_err(io(&tmp))?;
    // Keep the owner and group (possible for root; anyone else keeps their own, which is the
    // owner already, since only the owner may rekey).
    let _ = std::os::unix::fs::chown(&tmp, Some(meta.uid()), Some(meta.gid()));
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    for suffix in ["-wal", "-shm"] {
        let mut s = path.as_os_str().to_owned();
        s.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(s));
    }
    Ok(())
}

#[cfg(not(feature = "encryption"))]
pub fn rekey(store: super::Store, _new: &DbKey) -> Result<(), StoreError> {
    Err(StoreError::NoEncryption(store.path().to_path_buf()))
}
