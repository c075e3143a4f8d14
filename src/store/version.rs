//! Optimistic versions: two users, one record, no lost update.
//!
//! Every record a form edits (release requests, authorizations on them, address-book
//! entries, users, settings, accounting requests) has a `version` column that triggers bump
//! on every write (migration 0008), so no write path can forget it. A screen remembers the
//! version it read; the write it later asks for runs under [`Store::guarded`], and every
//! transaction inside checks — under the write lock, so nothing can slip in between — that
//! the record is still at that version. A stale write is refused with [`StoreError::Stale`]:
//! who changed what and when, from the audit log. The caller keeps the user's draft.
//!
//! The claim mechanism for charts and encounters (`work_claims`) is separate and unchanged.
//!
//! [`data_version`] is SQLite's cheap "another connection committed" counter; lists poll it
//! to refresh when another user changes them.

use rusqlite::OptionalExtension;

use super::Reader;

use super::{Store, StoreError};

/// A versioned record: its table and key, and how the audit log names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Versioned {
    /// A release request (its authorization, document selection and holds included).
    Request(i64),
    /// A requester address-book entry.
    Requester(i64),
    /// A user account.
    User(i64),
    /// A setting, by key (a setting never written is at version 0).
    Setting(String),
    /// A request for an accounting of disclosures.
    AodRequest(i64),
}

impl Versioned {
    fn table(&self) -> (&'static str, &'static str) {
        match self {
            Versioned::Request(_) => ("release_requests", "id"),
            Versioned::Requester(_) => ("requester_book", "id"),
            Versioned::User(_) => ("users", "id"),
            Versioned::Setting(_) => ("settings", "key"),
            Versioned::AodRequest(_) => ("aod_requests", "id"),
        }
    }

    fn key(&self) -> rusqlite::types::Value {
        match self {
            Versioned::Request(i)
            | Versioned::Requester(i)
            | Versioned::User(i)
            | Versioned::AodRequest(i) => rusqlite::types::Value::Integer(*i),
            Versioned::Setting(k) => rusqlite::types::Value::Text(k.clone()),
        }
    }

    /// `(entity_type, entity_id)` as the core's audit events name this record.
    pub fn audit_entity(&self) -> (&'static str, String) {
        match self {
            // Same spelling as `roi::request::request_label` (the store does not depend on roi).
            Versioned::Request(i) => ("release_request", format!("REQ-{i:06}")),
            Versioned::Requester(i) => ("requester", i.to_string()),
            Versioned::User(i) => ("user", i.to_string()),
            Versioned::Setting(k) => ("setting", k.clone()),
            Versioned::AodRequest(i) => ("aod_request", i.to_string()),
        }
    }

    /// How users know the record: `REQ-000042`, `requester 3`, `setting fee_method`.
    pub fn label(&self) -> String {
        match self {
            Versioned::Request(i) => format!("REQ-{i:06}"),
            Versioned::Requester(i) => format!("address-book entry {i}"),
            Versioned::User(i) => format!("user {i}"),
            Versioned::Setting(k) => format!("setting {k}"),
            Versioned::AodRequest(i) => format!("accounting request {i}"),
        }
    }
}

/// The record's version now; `None` when it does not exist (a setting never written is 0).
pub fn current(conn: &Reader, rec: &Versioned) -> Result<Option<i64>, StoreError> {
    let (table, key) = rec.table();
    let v: Option<i64> = conn
        .query_row(
            &format!("SELECT version FROM {table} WHERE {key} = ?1"),
            [rec.key()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match (v, rec) {
        (None, Versioned::Setting(_)) => Some(0),
        (v, _) => v,
    })
}

/// Refuse when `rec` is no longer at `read_at`: the error names who changed what and when
/// (the latest write in the audit log for the record) and both versions.
pub fn check(conn: &Reader, rec: &Versioned, read_at: i64) -> Result<(), StoreError> {
    let now = current(conn, rec)?;
    if now == Some(read_at) {
        return Ok(());
    }
    let Some(now) = now else {
        return Err(StoreError::Stale {
            record: rec.label(),
            message: format!("{} no longer exists", rec.label()),
        });
    };
    let (etype, eid) = rec.audit_entity();
    // The newest writes to the record by the same user (what they changed since the last
    // other user's write): scanned backwards from the head of the chain, so the usual case (a change a
    // moment ago) reads a handful of rows.
    let mut stmt = conn.prepare_cached(
        "SELECT username, recorded_at, detail, reason, subtype FROM audit_log
         WHERE entity_type = ?1 AND entity_id = ?2 AND action IN ('C','U','E','D')
           AND subtype NOT IN ('view','query','access_denied')
         ORDER BY seq DESC LIMIT 20",
    )?;
    let rows: Vec<(String, String, String, Option<String>, String)> = stmt
        .query_map([etype, eid.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let who = match rows.first() {
        Some((user, at, _, _, _)) => {
            let same: Vec<_> = rows
                .iter()
                .take_while(|(u, _, _, _, _)| u == user)
                .collect();
            let mut fields: Vec<String> = Vec::new();
            let mut status: Option<String> = None;
            for (_, _, detail, reason, subtype) in &same {
                if subtype == "release" {
                    // A release's detail is the disclosure, not fields of the record.
                    if !fields.iter().any(|f| f == "released it") {
                        fields.push("released it".into());
                    }
                    continue;
                }
                match what_changed(detail, reason.as_deref()) {
                    Changed::Status(s) => {
                        // Newest first: the first status row is where it stands now.
                        status.get_or_insert(s);
                    }
                    Changed::Fields(f) => {
                        for x in f {
                            if !fields.contains(&x) {
                                fields.push(x);
                            }
                        }
                    }
                }
            }
            let what = match (fields.is_empty(), status) {
                (true, None) => "it".to_string(),
                (true, Some(s)) => format!("the status to {s}"),
                (false, None) => fields.join(", "),
                (false, Some(s)) => format!("{} (status now {s})", fields.join(", ")),
            };
            let verb = if what.starts_with("released it") {
                ""
            } else {
                "changed "
            };
            format!(
                "{user} {verb}{what} at {} UTC",
                at.get(..16).unwrap_or(at).replace('T', " ")
            )
        }
        None => "another user changed it".to_string(),
    };
    Err(StoreError::Stale {
        record: rec.label(),
        message: format!(
            "{} changed after you read it: {who}. Nothing was saved; your draft is kept (Esc, reopen, apply it again; version {read_at}, now {now})",
            rec.label()
        ),
    })
}

/// What one audit row says was changed.
#[derive(Debug, PartialEq, Eq)]
enum Changed {
    /// A status step: the new status (with its reason code).
    Status(String),
    /// The fields its detail names.
    Fields(Vec<String>),
}

/// A short "what" from an audit detail: the status step, else the fields it names.
fn what_changed(detail: &str, reason: Option<&str>) -> Changed {
    let v: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    if let Some(new) = v.get("status").and_then(|s| s.get("new")) {
        let r = reason.map(|r| format!(" {r}")).unwrap_or_default();
        return Changed::Status(format!("{}{r}", new.as_str().unwrap_or("?")));
    }
    Changed::Fields(
        v.as_object()
            .map(|o| {
                o.keys()
                    .filter(|k| !matches!(k.as_str(), "rule" | "replaced" | "note"))
                    .take(4)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// SQLite's `PRAGMA data_version`: changes when another connection commits to the file
/// (never for this connection's own commits). One cheap call; lists poll it to refresh.
pub fn data_version(conn: &Reader) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

impl Store {
    /// Run `work` with its writes guarded: every transaction inside first checks, under the
    /// write lock, that `rec` is still at `read_at` ([`check`]), and then follows the
    /// record's version as its own writes bump it (a core call that writes twice is not
    /// refused by its own first write). Nested guards stack.
    pub fn guarded<T>(
        &mut self,
        rec: Versioned,
        read_at: i64,
        work: impl FnOnce(&mut Store) -> T,
    ) -> T {
        self.expected.push((rec, read_at));
        let out = work(self);
        self.expected.pop();
        out
    }

    /// Inside an open transaction: refuse if any guarded record moved (see [`Store::guarded`]).
    pub(super) fn check_expected(&self, conn: &Reader) -> Result<(), StoreError> {
        for (rec, v) in &self.expected {
            check(conn, rec, *v)?;
        }
        Ok(())
    }

    /// Inside the transaction, after the work: the guarded records' versions now.
    pub(super) fn expected_now(&self, conn: &Reader) -> Result<Vec<Option<i64>>, StoreError> {
        self.expected
            .iter()
            .map(|(rec, _)| current(conn, rec))
            .collect()
    }

    /// After the commit: the guards follow this session's own writes.
    pub(super) fn follow_expected(&mut self, now: Vec<Option<i64>>) {
        for ((_, v), n) in self.expected.iter_mut().zip(now) {
            if let Some(n) = n {
                *v = n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_changed_names_the_status_step_or_the_fields() {
        assert_eq!(
            what_changed(
                r#"{"status":{"old":"IN_PROCESS","new":"ON_HOLD"}}"#,
                Some("HOLD_FEE_UNPAID")
            ),
            Changed::Status("ON_HOLD HOLD_FEE_UNPAID".into())
        );
        assert_eq!(
            what_changed(r#"{"authorization":{},"replaced":true}"#, None),
            Changed::Fields(vec!["authorization".into()])
        );
        assert_eq!(what_changed("not json", None), Changed::Fields(vec![]));
    }
}
