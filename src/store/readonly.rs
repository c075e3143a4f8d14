//! Opening a database for inspection only: `audit verify` on a forensic copy, the checks a
//! backup runs on its copy, and the checks `restore` runs on its source.
//!
//! Invariants:
//! - Nothing is written to the file: the connection is `SQLITE_OPEN_READ_ONLY` (`mode=ro`), no
//!   pragma that writes is issued, no migration runs. When the directory is not writable and
//!   there is no WAL to read, the file is opened `immutable=1`.
//! - A 0-byte file, a missing file, a non-SQLite file or a foreign SQLite file is refused with
//!   the reason: it is never taken for a new, empty chartdesk database.
//! - The path is canonicalised first (symlinks resolved), so everything derived from it
//!   (anchor file, WAL) is found next to the real file, not next to a link.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{Reader, StoreError, migrations};

/// A read-only connection to an existing chartdesk database, and the canonical path it was
/// opened at.
pub struct ReadOnlyDb {
    pub conn: Reader,
    pub path: PathBuf,
    /// Opened `immutable=1` (read-only directory, no WAL): other processes' writes are not seen.
    pub immutable: bool,
}

/// Open `path` read-only (see the module invariants).
pub fn open_read_only(path: &Path) -> Result<ReadOnlyDb, StoreError> {
    let canonical = match std::fs::canonicalize(path) {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let meta = std::fs::metadata(&canonical).map_err(|source| StoreError::Io {
        path: canonical.clone(),
        source,
    })?;
    if !meta.is_file() {
        return Err(StoreError::NotChartdesk {
            path: canonical,
            why: "not a regular file".into(),
        });
    }
    if meta.len() == 0 {
        return Err(StoreError::NotChartdesk {
            path: canonical,
            why: "the file is empty (0 bytes)".into(),
        });
    }
    // An encrypted database (SQLCipher, with the process's key) has no plain header to check;
    // the key is checked at once on open instead (AUD-05).
    let key = super::process_key();
    if key.is_none() {
        migrations::check_header(&canonical)?;
    }
    let key = key.as_ref();
    // A forensic copy (file or directory without write permission) with no WAL to read is
    // opened immutable: SQLite then creates no -shm/-wal beside it. Otherwise `mode=ro`, which
    // sees other processes' commits (the live database, a WAL still to be read).
    let wal = sibling(&canonical, "-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let dir_read_only = canonical
        .parent()
        .and_then(|d| std::fs::metadata(d).ok())
        .is_some_and(|m| m.permissions().readonly());
    let forensic = meta.permissions().readonly() || dir_read_only;
    let conn = if forensic && wal_len == 0 {
        let c = open_with(&canonical, true, key)?;
        (c, true)
    } else {
        match open_with(&canonical, false, key) {
            Ok(c) => (c, false),
            Err(e @ StoreError::WrongKey(..)) => return Err(e),
            Err(first) if wal_len > 0 => {
                return Err(StoreError::Io {
                    path: wal.clone(),
                    source: std::io::Error::other(format!(
                        "the database's WAL ({wal_len} bytes) cannot be read without write access beside it ({first}); copy the database with its -wal file to a writable directory"
                    )),
                });
            }
            Err(_) => {
                let c = open_with(&canonical, true, key)?;
                (c, true)
            }
        }
    };
    migrations::check_identity(&conn.0, &canonical)?;
    let version: i64 = conn
        .0
        .pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == 0 {
        return Err(StoreError::NotChartdesk {
            path: canonical,
            why: "it has no chartdesk schema".into(),
        });
    }
    Ok(ReadOnlyDb {
        conn: Reader::new(conn.0),
        path: canonical,
        immutable: conn.1,
    })
}

impl StoreError {
    /// SQLite found the file corrupt (or not a database) while opening or reading it.
    pub fn is_corruption(&self) -> bool {
        let sql = match self {
            StoreError::Open { source, .. } | StoreError::Sql(source) => source,
            _ => return false,
        };
        matches!(
            sql.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        )
    }
}

fn open_with(
    path: &Path,
    immutable: bool,
    key: Option<&super::DbKey>,
) -> Result<Connection, StoreError> {
    let open = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let uri = format!(
        "file:{}?mode=ro{}",
        uri_path(path),
        if immutable { "&immutable=1" } else { "" }
    );
    let c = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open)?;
    if let Some(key) = key {
        super::crypt::apply_key(&c, key, path)?;
    }
    c.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open)?;
    // Opening is lazy: force the header, schema and WAL index to be read now.
    c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(open)?;
    Ok(c)
}

/// `path` with `suffix` appended to its file name (`a.db` → `a.db-wal`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Percent-encode a path for an SQLite `file:` URI (RFC 3986 path characters kept).
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn empty_file_is_refused_and_stays_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.db");
        std::fs::write(&p, b"").unwrap();
        let err = open_read_only(&p).err().unwrap();
        assert!(err.to_string().contains("empty (0 bytes)"), "{err}");
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 0);
    }

    #[test]
    fn odd_characters_in_the_path_are_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a b?c#d%e.db");
        drop(Store::open_or_create(&p).unwrap());
        let db = open_read_only(&p).unwrap();
        assert_eq!(db.path, std::fs::canonicalize(&p).unwrap());
    }
}
