//! The read-only handle every reader gets, and the write transaction every writer gets.
//!
//! Invariants (the write path is sealed in the types):
//! - [`Reader`] offers reads only: it has no `execute`, `execute_batch` or `pragma_update`,
//!   and every statement it prepares is checked with `sqlite3_stmt_readonly` before it runs,
//!   so even SQL text that would write (`INSERT … RETURNING` through `query_row`) is refused
//!   at run time with [`READ_ONLY_REFUSAL`].
//! - [`Tx`] is the only type with write methods, and only [`super::Store::transact`] makes one:
//!   a function that writes must take `&Tx`, so it can only run inside an audited transaction.
//! - `Tx` refuses SQL that would end its transaction (`BEGIN`, `COMMIT`, `END`, `ROLLBACK`
//!   without `TO`): only `transact` commits, after the audit rows are appended.
//!
//! What compiles: reads through the reader, writes through the transaction.
//!
//! ```no_run
//! fn read(store: &chartdesk::store::Store) -> rusqlite::Result<i64> {
//!     store.conn().query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
//! }
//! fn write(tx: &chartdesk::store::Tx<'_>) -> rusqlite::Result<usize> {
//!     let n: i64 = tx.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
//!     tx.execute("UPDATE encounters SET him_status = 'coded' WHERE id = ?1", [n])
//! }
//! ```
//!
//! What does not:
//!
//! ```compile_fail
//! // A reader cannot write: `Reader` has no `execute`.
//! fn sneak(store: &chartdesk::store::Store) {
//!     store.conn().execute("DELETE FROM audit_log", []).unwrap();
//! }
//! ```
//!
//! ```compile_fail
//! // Nor can a function handed a reader.
//! fn sneak(r: &chartdesk::store::Reader) {
//!     r.execute_batch("UPDATE encounters SET him_status = 'coded'").unwrap();
//! }
//! ```
//!
//! ```compile_fail
//! // The raw connection is not reachable from a reader.
//! fn sneak(store: &chartdesk::store::Store) -> &rusqlite::Connection {
//!     &store.conn().conn
//! }
//! ```
//!
//! ```compile_fail
//! // A transaction no longer dereferences to a `rusqlite::Connection`.
//! fn sneak<'a>(tx: &'a chartdesk::store::Tx<'a>) -> &'a rusqlite::Connection {
//!     tx
//! }
//! ```
//!
//! ```compile_fail
//! // Nor can anyone outside the store open a transaction of their own.
//! fn sneak(store: &chartdesk::store::Store) {
//!     let _tx = chartdesk::store::Tx { db: store.conn(), open: true };
//! }
//! ```

use rusqlite::{CachedStatement, Connection, Params, Row, Rows, Statement};

/// The message of the error a [`Reader`] returns for a statement that would write.
pub const READ_ONLY_REFUSAL: &str =
    "refused: a read-only handle cannot run a statement that writes (use Store::transact)";

/// Read access to a chartdesk database: queries only (see the module invariants).
pub struct Reader {
    pub(super) conn: Connection,
}

impl Reader {
    /// Wrap a connection that was opened for reading (read-only opens, comparison databases).
    pub(crate) fn new(conn: Connection) -> Reader {
        Reader { conn }
    }

    fn check(stmt: &Statement<'_>) -> rusqlite::Result<()> {
        if stmt.readonly() {
            Ok(())
        } else {
            Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some(READ_ONLY_REFUSAL.to_string()),
            ))
        }
    }

    /// Prepare a read statement (refused when it would write).
    pub fn prepare(&self, sql: &str) -> rusqlite::Result<ReadStatement<'_>> {
        let stmt = self.conn.prepare(sql)?;
        Self::check(&stmt)?;
        Ok(ReadStatement {
            stmt: Kind::Plain(stmt),
        })
    }

    /// Prepare a read statement through the connection's statement cache.
    pub fn prepare_cached(&self, sql: &str) -> rusqlite::Result<ReadStatement<'_>> {
        let stmt = self.conn.prepare_cached(sql)?;
        Self::check(&stmt)?;
        Ok(ReadStatement {
            stmt: Kind::Cached(stmt),
        })
    }

    /// One row of a read query (refused when the statement would write).
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// The value of a pragma read (`PRAGMA name`, no assignment), refused like any statement
    /// when SQLite does not call it read-only (`wal_checkpoint`, `optimize`), except the
    /// plain reads of `journal_mode` and `synchronous`.
    pub fn pragma_query_value<T, F>(
        &self,
        schema: Option<&str>,
        name: &str,
        f: F,
    ) -> rusqlite::Result<T>
    where
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        // Reading these changes nothing, though SQLite does not flag the statement read-only.
        if ["journal_mode", "synchronous"].contains(&name) {
            return self.conn.pragma_query_value(schema, name, f);
        }
        let sql = match schema {
            Some(s) => format!("PRAGMA {s}.{name}"),
            None => format!("PRAGMA {name}"),
        };
        self.query_row(&sql, [], f)
    }

    /// The database file's path (`None` for an in-memory database).
    pub fn path(&self) -> Option<&str> {
        self.conn.path()
    }

    /// No transaction is open on this connection.
    pub fn is_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// An online backup (SQLite's backup API) from this database into `dest`: the source is
    /// only read.
    pub fn online_backup<'b>(
        &'b self,
        dest: &'b mut Connection,
    ) -> rusqlite::Result<rusqlite::backup::Backup<'b, 'b>> {
        rusqlite::backup::Backup::new(&self.conn, dest)
    }
}

enum Kind<'c> {
    Plain(Statement<'c>),
    Cached(CachedStatement<'c>),
}

/// A prepared statement known not to write: the query half of `rusqlite::Statement`.
pub struct ReadStatement<'c> {
    stmt: Kind<'c>,
}

impl<'c> ReadStatement<'c> {
    fn inner(&mut self) -> &mut Statement<'c> {
        match &mut self.stmt {
            Kind::Plain(s) => s,
            Kind::Cached(s) => s,
        }
    }

    fn inner_ref(&self) -> &Statement<'c> {
        match &self.stmt {
            Kind::Plain(s) => s,
            Kind::Cached(s) => s,
        }
    }

    pub fn query<P: Params>(&mut self, params: P) -> rusqlite::Result<Rows<'_>> {
        self.inner().query(params)
    }

    pub fn query_map<T, P, F>(
        &mut self,
        params: P,
        f: F,
    ) -> rusqlite::Result<rusqlite::MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.inner().query_map(params, f)
    }

    pub fn query_and_then<T, E, P, F>(
        &mut self,
        params: P,
        f: F,
    ) -> rusqlite::Result<rusqlite::AndThenRows<'_, F>>
    where
        P: Params,
        E: From<rusqlite::Error>,
        F: FnMut(&Row<'_>) -> Result<T, E>,
    {
        self.inner().query_and_then(params, f)
    }

    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.inner().query_row(params, f)
    }

    pub fn exists<P: Params>(&mut self, params: P) -> rusqlite::Result<bool> {
        self.inner().exists(params)
    }

    pub fn column_count(&self) -> usize {
        self.inner_ref().column_count()
    }

    pub fn column_names(&self) -> Vec<&str> {
        self.inner_ref().column_names().collect()
    }
}

/// An open write transaction, made only by [`super::Store::transact`]. It reads like a
/// [`Reader`] (it dereferences to one) and writes through its own methods; it rolls back on
/// drop unless `transact` committed it, so an early `?` never commits partial work.
pub struct Tx<'a> {
    pub(super) db: &'a Reader,
    pub(super) open: bool,
}

/// Is `sql` (one or more statements) free of transaction control that would end the
/// transaction behind `transact`'s back? A `;` inside a string literal only makes this
/// stricter (a false refusal), never looser.
fn ends_transaction(sql: &str) -> bool {
    // Allocation-free: writers call this on every `prepare_cached` in their hot loops.
    sql.split(';').any(|stmt| {
        let mut words = stmt
            .split(|c: char| c.is_whitespace())
            .filter(|w| !w.is_empty());
        let is = |w: Option<&str>, k: &str| w.is_some_and(|w| w.eq_ignore_ascii_case(k));
        let first = words.next();
        if is(first, "BEGIN") || is(first, "COMMIT") || is(first, "END") {
            true
        } else if is(first, "ROLLBACK") {
            !is(words.next(), "TO")
        } else {
            false
        }
    })
}

fn refuse_control(sql: &str) -> rusqlite::Result<()> {
    if ends_transaction(sql) {
        Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
            Some(
                "refused: only Store::transact begins, commits or rolls back a transaction"
                    .to_string(),
            ),
        ))
    } else {
        Ok(())
    }
}

impl Tx<'_> {
    fn conn(&self) -> &Connection {
        &self.db.conn
    }

    pub(super) fn commit(mut self) -> rusqlite::Result<()> {
        self.conn().execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }

    /// Run one statement that changes data; the number of rows changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        refuse_control(sql)?;
        self.conn().execute(sql, params)
    }

    /// Run several statements (schema set-up, `SAVEPOINT`/`RELEASE`/`ROLLBACK TO`).
    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        refuse_control(sql)?;
        self.conn().execute_batch(sql)
    }

    /// Prepare a statement that may write.
    pub fn prepare(&self, sql: &str) -> rusqlite::Result<Statement<'_>> {
        refuse_control(sql)?;
        self.conn().prepare(sql)
    }

    /// Prepare a statement that may write, through the statement cache.
    pub fn prepare_cached(&self, sql: &str) -> rusqlite::Result<CachedStatement<'_>> {
        refuse_control(sql)?;
        self.conn().prepare_cached(sql)
    }

    /// One row of a statement that may write (`INSERT … RETURNING`) or read.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// The rowid of the last row this connection inserted.
    pub fn last_insert_rowid(&self) -> i64 {
        self.conn().last_insert_rowid()
    }

    /// Rows changed by the last statement.
    pub fn changes(&self) -> u64 {
        self.conn().changes()
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Reader;
    fn deref(&self) -> &Reader {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing useful can be done with a failed rollback here: SQLite rolls back
            // automatically when the statement or connection fails.
            let _ = self.conn().execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn refused(r: rusqlite::Result<impl std::fmt::Debug>) -> bool {
        matches!(r, Err(e) if e.to_string().contains(READ_ONLY_REFUSAL))
    }

    #[test]
    fn a_reader_refuses_statements_that_write_at_run_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(&dir.path().join("r.db")).unwrap();
        let r = store.conn();
        let before: i64 = r
            .query_row("SELECT count(*) FROM chartdesk_meta", [], |r| r.get(0))
            .unwrap();
        let insert = "INSERT INTO chartdesk_meta(key, value) VALUES ('x', 'y') RETURNING key";
        assert!(refused(r.query_row(insert, [], |r| r.get::<_, String>(0))));
        assert!(refused(r.prepare(insert).map(|_| ())));
        assert!(refused(
            r.prepare_cached("DELETE FROM chartdesk_meta").map(|_| ())
        ));
        assert!(refused(r.prepare("CREATE TABLE sneaky(a)").map(|_| ())));
        assert!(refused(r.prepare("PRAGMA user_version = 99").map(|_| ())));
        let after: i64 = r
            .query_row("SELECT count(*) FROM chartdesk_meta", [], |r| r.get(0))
            .unwrap();
        assert_eq!(before, after);
        // Reads, including the pragmas readers use, still work.
        for sql in [
            "PRAGMA data_version",
            "PRAGMA page_count",
            "PRAGMA user_version",
            "PRAGMA integrity_check",
            "PRAGMA foreign_key_check",
        ] {
            let _ = r.query_row(sql, [], |_| Ok(())).map_err(|e| {
                assert!(!e.to_string().contains(READ_ONLY_REFUSAL), "{sql}: {e}");
            });
        }
        assert_eq!(
            r.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
                .unwrap(),
            crate::store::SCHEMA_VERSION
        );
        assert!(refused(r.pragma_query_value(None, "optimize", |_| Ok(()))));
        // A checkpoint moves pages, changes no data: it is the store's own method.
        assert!(refused(r.query_row(
            "PRAGMA wal_checkpoint(PASSIVE)",
            [],
            |_| Ok(())
        )));
        store.checkpoint().unwrap();
        let mut stmt = r
            .prepare_cached("SELECT key FROM chartdesk_meta ORDER BY key")
            .unwrap();
        let keys: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(keys.contains(&"application".to_string()), "{keys:?}");
    }

    #[test]
    fn a_transaction_refuses_to_end_itself() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(&dir.path().join("t.db")).unwrap();
        let actor = crate::audit::Actor::system("test");
        let out = store.transact(&actor, |tx, _audit| {
            tx.execute_batch("INSERT INTO chartdesk_meta(key, value) VALUES ('a', 'b'); COMMIT")
                .map_err(crate::store::StoreError::from)
        });
        let err = out.unwrap_err().to_string();
        assert!(err.contains("only Store::transact"), "{err}");
        // Nothing was committed, and the connection is not left inside a transaction.
        assert!(store.conn().is_autocommit());
        let n: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM chartdesk_meta WHERE key = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn transaction_control_is_recognised() {
        for sql in [
            "COMMIT",
            " commit;",
            "END TRANSACTION",
            "BEGIN IMMEDIATE",
            "ROLLBACK",
            "SAVEPOINT a; ROLLBACK; ",
            "INSERT INTO t VALUES (1);\ncommit",
        ] {
            assert!(ends_transaction(sql), "{sql}");
        }
        for sql in [
            "SAVEPOINT one_message",
            "RELEASE one_message",
            "ROLLBACK TO one_message",
            "rollback   to x",
            "INSERT INTO t(a) VALUES ('begin')",
            "UPDATE t SET c = 1",
        ] {
            assert!(!ends_transaction(sql), "{sql}");
        }
    }
}
