//! Versioned migrations keyed on `PRAGMA user_version`, one IMMEDIATE transaction.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    include_str!("sql/0001_core.sql"),
    include_str!("sql/0002_import.sql"),
    include_str!("sql/0003_codes.sql"),
    include_str!("sql/0004_encounter_counters.sql"),
    include_str!("sql/0005_coding.sql"),
    include_str!("sql/0006_roi.sql"),
    include_str!("sql/0007_roi_rules.sql"),
    include_str!("sql/0008_versions_addressbook.sql"),
    include_str!("sql/0009_cli_sessions.sql"),
    include_str!("sql/0010_staged_code_sets.sql"),
    include_str!("sql/0011_analysis_desk.sql"),
    include_str!("sql/0012_roi_letters_forms.sql"),
    include_str!("sql/0013_feed_mpi.sql"),
    include_str!("sql/0014_audit_canon.sql"),
    include_str!("sql/0019_admin_privacy.sql"),
    include_str!("sql/0020_picker_prefs.sql"),
    include_str!("sql/0021_patient_phone_ssn4.sql"),
    include_str!("sql/0017_staff_hours.sql"),
    include_str!("sql/0018_dashboard_figures.sql"),
    include_str!("sql/0015_mpi_proposals.sql"),
    include_str!("sql/0022_dashboard_counters.sql"),
    include_str!("sql/0023_productivity_indexes.sql"),
    include_str!("sql/0024_dnfb_charges.sql"),
    include_str!("sql/0025_counter_triggers_no_temp_btree.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema version a migration's SQL brings the database to (its 1-based place in the
/// run order), or None when it is not one of this build's migrations. Tests that rewind a
/// database to just before a migration look its place up instead of assuming it.
pub fn version_of(sql: &str) -> Option<i64> {
    MIGRATIONS
        .iter()
        .position(|m| *m == sql)
        .map(|i| i as i64 + 1)
}

/// The marker row that identifies a chartdesk database.
const APP_MARKER: &str = "chartdesk";

/// Refuse a file that is not an SQLite database before SQLite touches it.
pub(super) fn check_header(path: &Path) -> Result<(), StoreError> {
    let mut file = std::fs::File::open(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut header = [0u8; 16];
    let n = file.read(&mut header).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if n == 0 {
        // An empty file: SQLite treats it as a new database; we accept it as such.
        return Ok(());
    }
    if n < 16 || &header != b"SQLite format 3\0" {
        return Err(StoreError::NotChartdesk {
            path: path.to_path_buf(),
            why: "not an SQLite database file".into(),
        });
    }
    Ok(())
}

/// An SQLite file that has tables but no chartdesk marker belongs to someone else.
pub(super) fn check_identity(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let not_ours = |why: String| StoreError::NotChartdesk {
        path: path.to_path_buf(),
        why,
    };
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|e| not_ours(e.to_string()))?;
    if tables == 0 {
        return Ok(());
    }
    let has_meta: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='chartdesk_meta'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(|e| not_ours(e.to_string()))?;
    if !has_meta {
        return Err(not_ours("it has tables but no chartdesk_meta table".into()));
    }
    let app: Option<String> = conn
        .query_row(
            "SELECT value FROM chartdesk_meta WHERE key='application'",
            [],
            |r| r.get(0),
        )
        .ok();
    if app.as_deref() != Some(APP_MARKER) {
        return Err(not_ours(
            "its chartdesk_meta has no application marker".into(),
        ));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read under the write lock: another process may have migrated meanwhile.
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    for (n, sql) in (version + 1..).zip(&MIGRATIONS[version as usize..]) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n)?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO chartdesk_meta(key, value) VALUES ('application', ?1)",
        [APP_MARKER],
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn fresh_database_is_at_current_version_and_passes_integrity_checks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(&dir.path().join("a.db")).unwrap();
        let v: i64 = store
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let ok: String = store
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let fk: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0);
        let mode: String = store
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = store
            .conn()
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
    }

    #[test]
    fn newer_schema_is_refused_and_file_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(Store::open_or_create(&path).unwrap());
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
                .unwrap();
            c.pragma_update(None, "journal_mode", "DELETE").unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
        assert!(err.to_string().contains("newer than this chartdesk"));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "file must be byte-identical"
        );
    }

    #[test]
    fn foreign_sqlite_and_non_sqlite_files_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello, this is not a database at all").unwrap();
        let err = Store::open(&text).unwrap_err();
        assert!(
            err.to_string().contains("not a chartdesk database"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&text).unwrap(),
            "hello, this is not a database at all"
        );

        let other = dir.path().join("other.db");
        {
            let c = Connection::open(&other).unwrap();
            c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
                .unwrap();
        }
        let before = std::fs::read(&other).unwrap();
        let err = Store::open(&other).unwrap_err();
        assert!(matches!(err, StoreError::NotChartdesk { .. }), "{err}");
        assert_eq!(std::fs::read(&other).unwrap(), before);
        assert!(!dir.path().join("other.db-wal").exists());
    }
}
