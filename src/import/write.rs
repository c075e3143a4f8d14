//! The write side of an import: one [`Writer`] per file transaction. It matches rows, compares
//! field values, inserts or updates only what differs, counts created/updated/unchanged, and
//! records one audit event per created or changed row.
//!
//! Invariants: rows are never deleted; an unchanged row writes nothing and records no event;
//! SQL is built only from static column names, every value is bound.

use rusqlite::types::Value as Sql;
use rusqlite::{OptionalExtension, params_from_iter};
use serde_json::{Value, json};

use super::{FileFail, FileStats, ImportError};
use crate::audit::{Action, Actor, Event, Subtype};
use crate::store::{AuditBuffer, Store, StoreError, Tx};

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    Created,
    Updated(Vec<&'static str>),
    Unchanged,
}

/// Where a row came from, for audit detail and error messages.
pub(crate) struct Origin<'a> {
    /// `entry 3 (Encounter/abc)` or `message 1, line 4 (PV1)`.
    pub at: &'a str,
    pub source_key: &'a str,
}

pub(crate) struct Writer<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub audit: &'t mut AuditBuffer,
    pub file: &'t str,
    /// `now` of the transaction (UTC ms text), for ledger rows.
    pub now: String,
    pub stats: FileStats,
    pub events: usize,
    pub ledger_writes: usize,
    /// Encounters whose documents changed or that were discharged in this transaction:
    /// deficiency analysis runs once for each (if discharged) before it commits, so documents
    /// later in the same transaction count. May hold duplicates (deduplicated at the end).
    pub touched: Vec<i64>,
    /// Documents created or changed: (encounter, document, created), for re-review flags.
    pub docs_changed: Vec<(i64, i64, bool)>,
    /// Input limits in force, read once per transaction (settings cannot change under the
    /// write lock), not once per row.
    limits: Option<crate::limits::Limits>,
    /// Providers resolved in this transaction: (what the message said, row id). A message
    /// naming a provider exactly as an earlier one in the same transaction did needs no
    /// lookup and no compare (the row holds those values: it was written or compared then).
    /// An upsert that changes a row drops the row's other entries; a rolled-back message
    /// clears the list.
    pub providers: Vec<(String, i64)>,
}

/// Where one message or entry started inside a group transaction: a SAVEPOINT and the
/// writer's counters, so a rejected message leaves no row, no count and no audit event.
pub(crate) struct Mark {
    created: usize,
    updated: usize,
    unchanged: usize,
    skipped: usize,
    discharges: usize,
    notes: usize,
    events: usize,
    ledger_writes: usize,
    touched: usize,
    docs_changed: usize,
    audit: usize,
}

/// At most this many end-of-transaction items (an encounter to re-analyse, a document to flag
/// for re-review; duplicates counted) in one grouped import transaction: the group is closed
/// when it reaches it, whatever the clock says (issue #17: the deficiency analysis at the end
/// of a group runs after the last entry, so it must be bounded before it starts).
pub const MAX_END_ITEMS: usize = 128;

/// The measured cost of one end-of-transaction item, in ns (moving average over the groups of
/// this process; starts at 1 ms, on the high side). Groups add it to their clock.
static END_NS_EACH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_000_000);
/// The measured fixed cost of a transaction's end (reading the rule set once), in ns: kept
/// apart, so that a small group does not inflate the cost per item (and shrink the next).
static END_NS_FIXED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_000_000);

fn learn(cell: &std::sync::atomic::AtomicU64, took: std::time::Duration, items: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    if items == 0 {
        return;
    }
    let each = u64::try_from(took.as_nanos() / items as u128).unwrap_or(u64::MAX);
    let old = cell.load(Relaxed);
    cell.store(old / 2 + each / 2, Relaxed);
}

/// Ends a file transaction early: unchanged (roll back, nothing to write) or failed.
pub(crate) enum TxEnd {
    Unchanged(FileStats),
    Fail(FileFail),
}

impl From<StoreError> for TxEnd {
    fn from(e: StoreError) -> Self {
        TxEnd::Fail(FileFail::Fatal(e))
    }
}

impl From<FileFail> for TxEnd {
    fn from(e: FileFail) -> Self {
        TxEnd::Fail(e)
    }
}

/// Run one file's work in one transaction. A file that changes nothing is rolled back and
/// writes no audit row; a file whose only writes are ledger rows gets one Execute event.
pub(crate) fn in_file_tx(
    store: &mut Store,
    actor: &Actor,
    file: &str,
    work: impl FnOnce(&mut Writer<'_, '_>) -> Result<(), FileFail>,
) -> Result<FileStats, FileFail> {
    let now = crate::audit::utc_ms(store.now());
    let local_now = crate::deficiency::ops::local_now(store);
    let began = std::cell::Cell::new(None);
    let r = store.transact(actor, |tx, audit| {
        began.set(Some(std::time::Instant::now()));
        let mut w = Writer {
            tx,
            audit,
            file,
            now,
            stats: FileStats::default(),
            events: 0,
            ledger_writes: 0,
            touched: Default::default(),
            docs_changed: Default::default(),
            limits: None,
            providers: Vec::new(),
        };
        work(&mut w)?;
        w.stats.most_end_items = w.end_items();
        if w.events == 0 && w.ledger_writes == 0 {
            return Err(TxEnd::Unchanged(w.stats));
        }
        let end_items = w.end_items();
        if !w.touched.is_empty() {
            let setup_started = std::time::Instant::now();
            // Rules and settings are read once per file, not once per encounter.
            let fail = |w: &Writer<'_, '_>, e: crate::CoreError| match e {
                crate::CoreError::Store(s) => TxEnd::Fail(FileFail::Fatal(s)),
                other => TxEnd::Fail(w.reject("deficiency analysis", other.to_string())),
            };
            let analysis =
                super::hooks::AnalysisSetup::read(w.tx, local_now, format!("import of {file}"))
                    .map_err(|e| fail(&w, e))?;
            learn(&END_NS_FIXED, setup_started.elapsed(), 1);
            let end_started = std::time::Instant::now();
            // Re-review (issue #13): a document arriving or amended after coding or analysis
            // flags the encounter, before this file's analysis runs.
            for (enc, doc, created) in std::mem::take(&mut w.docs_changed) {
                super::hooks::flag_rereview(w.tx, w.audit, enc, doc, created, local_now)
                    .map_err(|e| fail(&w, e))?;
            }
            let mut touched = std::mem::take(&mut w.touched);
            touched.sort_unstable();
            touched.dedup();
            for id in touched {
                analysis
                    .run_if_discharged(w.tx, w.audit, id)
                    .map_err(|e| fail(&w, e))?;
            }
            learn(&END_NS_EACH, end_started.elapsed(), end_items);
        }
        if w.events == 0 {
            w.audit.record(
                Event::new(Action::Execute, Subtype::Update, "import_file", file).detail(json!({
                    "source_file": file,
                    "messages_recorded": w.ledger_writes,
                    "note": "messages recorded; no record changed",
                })),
            );
        }
        Ok(w.stats)
    });
    let held_ms = began.get().map_or(0.0, |t| t.elapsed().as_secs_f64() * 1e3);
    match r {
        Ok(mut s) | Err(TxEnd::Unchanged(mut s)) => {
            s.transactions = 1;
            s.longest_write_ms = held_ms;
            Ok(s)
        }
        Err(TxEnd::Fail(f)) => Err(f),
    }
}

impl Writer<'_, '_> {
    /// Find the stored patient a record is about (IMP-ID-01): by its own source key, else by
    /// MRN when birth date and sex agree. Returns the patient (if any), the MRN to store (the
    /// stored one for a known patient: an import never changes an MRN; `<qualifier>:<MRN>`
    /// when the MRN belongs to another person), and the conflict to flag, if there is one.
    pub fn match_patient(
        &self,
        source_key: &str,
        mrn: &str,
        birth_date: Option<&str>,
        sex: Option<&str>,
        qualifier: &str,
        at: &str,
    ) -> Result<(Option<i64>, String, Option<serde_json::Value>), FileFail> {
        if let Some(f) = self.find("patients", "source_key", source_key, at)? {
            let stored = self.text("patients", "mrn", f, at)?;
            return Ok((Some(f), stored.unwrap_or_else(|| mrn.to_string()), None));
        }
        match self.find("patients", "mrn", mrn, at)? {
            None => Ok((None, mrn.to_string(), None)),
            Some(f) => match self.identity_conflict(f, birth_date, sex, at)? {
                None => Ok((Some(f), mrn.to_string(), None)),
                Some(why) => Ok((None, format!("{qualifier}:{mrn}"), Some(why))),
            },
        }
    }

    /// IMP-ID-01 (chartdesk rule, patient identity): a record from another source (another
    /// facility's HL7 feed, another FHIR origin) that matches a stored patient only by MRN
    /// must agree with it on date of birth and sex, where both sides know them. Otherwise it
    /// is a different person sharing the number (or a registration error) and merging it
    /// would file one patient's care in another's chart. Returns what disagrees, or `None`.
    /// [`Writer::match_patient`] then registers the record as a separate patient under a
    /// source-qualified MRN, flagged with [`Writer::flag_identity_conflict`]; never merged. (A
    /// record from the patient's own source, matched by its source key, may correct the
    /// demographics; the change is audited from → to.)
    fn identity_conflict(
        &self,
        patient: i64,
        birth_date: Option<&str>,
        sex: Option<&str>,
        at: &str,
    ) -> Result<Option<serde_json::Value>, FileFail> {
        let stored: Option<(String, String, String, Option<String>)> = self
            .tx
            .prepare_cached(
                "SELECT mrn, birth_date, sex, COALESCE(source_key, source) FROM patients WHERE id = ?1",
            )
            .and_then(|mut st| {
                st.query_row([patient], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .optional()
            })
            .map_err(|e| self.db(at, e))?;
        let Some((mrn, s_birth, s_sex, s_source)) = stored else {
            return Ok(None);
        };
        let known_sex = |x: &str| matches!(x, "F" | "M");
        let birth_differs =
            birth_date.is_some_and(|b| !b.is_empty() && !s_birth.is_empty() && b != s_birth);
        let sex_differs = sex.is_some_and(|x| known_sex(x) && known_sex(&s_sex) && x != s_sex);
        if !(birth_differs || sex_differs) {
            return Ok(None);
        }
        Ok(Some(json!({
            "rule": "IMP-ID-01",
            "mrn": mrn,
            "existing_patient": patient,
            "existing": {"birth_date": s_birth, "sex": s_sex, "source": s_source},
            "incoming": {"birth_date": birth_date, "sex": sex},
        })))
    }

    /// Record that `patient` was registered separately because its MRN belongs to another
    /// patient whose demographics disagree (IMP-ID-01): an audited event naming both records,
    /// for HIM to review as a possible duplicate or registration error.
    pub fn flag_identity_conflict(
        &mut self,
        patient: i64,
        mrn: &str,
        conflict: serde_json::Value,
        at: &str,
    ) {
        let other = conflict["existing_patient"].as_i64().unwrap_or_default();
        let shared = conflict["mrn"].as_str().unwrap_or_default().to_string();
        self.audit.record(
            Event::new(
                Action::Create,
                Subtype::Create,
                "identity_conflict",
                patient,
            )
            .patient(mrn)
            .reason(format!(
                "IMP-ID-01: MRN {shared} is patient {other}, whose birth date or sex disagrees; \
                     registered separately as {mrn}, not merged; review before linking"
            ))
            .detail(json!({"source_file": self.file, "entry": at, "conflict": conflict})),
        );
        self.events += 1;
    }

    pub fn reject(&self, at: &str, message: impl Into<String>) -> FileFail {
        FileFail::Rejected(ImportError::new(self.file, at, message))
    }

    /// A database error while writing this file: busy/I/O stops the batch, anything else
    /// (a constraint) rejects the file naming `at`.
    pub fn db(&self, at: &str, e: rusqlite::Error) -> FileFail {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked | SystemIoFailure | DiskFull | ReadOnly) => {
                FileFail::Fatal(StoreError::Sql(e))
            }
            _ => self.reject(at, format!("database refused the record: {e}")),
        }
    }

    /// `SELECT id FROM table WHERE col = ?` (first match by id).
    pub fn find(
        &self,
        table: &str,
        col: &str,
        value: &str,
        at: &str,
    ) -> Result<Option<i64>, FileFail> {
        let sql = format!("SELECT id FROM {table} WHERE {col} = ?1 ORDER BY id LIMIT 1");
        self.tx
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([value], |r| r.get(0)).optional())
            .map_err(|e| self.db(at, e))
    }

    /// One text column of a row.
    pub fn text(
        &self,
        table: &str,
        col: &str,
        id: i64,
        at: &str,
    ) -> Result<Option<String>, FileFail> {
        let sql = format!("SELECT {col} FROM {table} WHERE id = ?1");
        self.tx
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row([id], |r| r.get::<_, Option<String>>(0))
                    .optional()
            })
            .map(Option::flatten)
            .map_err(|e| self.db(at, e))
    }

    /// Insert (when `found` is None) or compare-and-update the columns `cols` of a row, count
    /// it and record its audit event. `entity` is the audit entity type.
    #[allow(clippy::too_many_arguments)]
    pub fn upsert(
        &mut self,
        table: &'static str,
        entity: &'static str,
        found: Option<i64>,
        cols: &[(&'static str, Sql)],
        origin: &Origin<'_>,
        mrn: Option<&str>,
        encounter: Option<i64>,
    ) -> Result<(i64, Change), FileFail> {
        let at = origin.at;
        // Input limits (names, fields) from the settings in force.
        let limits = match self.limits {
            Some(l) => l,
            None => {
                let l = crate::limits::Limits::read(self.tx)
                    .map_err(|e| self.reject(at, e.to_string()))?;
                self.limits = Some(l);
                l
            }
        };
        limits
            .check_columns(cols.iter().map(|(c, v)| {
                (
                    *c,
                    match v {
                        Sql::Text(s) => Some(s.as_str()),
                        _ => None,
                    },
                )
            }))
            .map_err(|e| self.reject(at, e.to_string()))?;
        let (id, change) = match found {
            None => {
                let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
                let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names.join(", "),
                    marks.join(", ")
                );
                self.tx
                    .prepare_cached(&sql)
                    .and_then(|mut s| s.execute(params_from_iter(cols.iter().map(|c| &c.1))))
                    .map_err(|e| self.db(at, e))?;
                (self.tx.last_insert_rowid(), Change::Created)
            }
            Some(id) => {
                let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
                let sql = format!("SELECT {} FROM {table} WHERE id = ?1", names.join(", "));
                let current: Vec<Sql> = self
                    .tx
                    .prepare_cached(&sql)
                    .and_then(|mut s| {
                        s.query_row([id], |r| {
                            (0..cols.len()).map(|i| r.get::<_, Sql>(i)).collect()
                        })
                    })
                    .map_err(|e| self.db(at, e))?;
                let changed: Vec<usize> = (0..cols.len())
                    .filter(|&i| current[i] != cols[i].1)
                    .collect();
                if changed.is_empty() {
                    (id, Change::Unchanged)
                } else {
                    let sets: Vec<String> = changed
                        .iter()
                        .enumerate()
                        .map(|(n, &i)| format!("{} = ?{}", cols[i].0, n + 2))
                        .collect();
                    let sql = format!("UPDATE {table} SET {} WHERE id = ?1", sets.join(", "));
                    let mut vals: Vec<&Sql> = Vec::with_capacity(changed.len() + 1);
                    let idv = Sql::Integer(id);
                    vals.push(&idv);
                    vals.extend(changed.iter().map(|&i| &cols[i].1));
                    self.tx
                        .prepare_cached(&sql)
                        .and_then(|mut s| s.execute(params_from_iter(vals)))
                        .map_err(|e| self.db(at, e))?;
                    (
                        id,
                        Change::Updated(changed.iter().map(|&i| cols[i].0).collect()),
                    )
                }
            }
        };
        let encounter = encounter.or((entity == "encounter").then_some(id));
        self.note(entity, id, &change, origin, mrn, encounter, None);
        Ok((id, change))
    }

    /// Count a change and record its audit event (nothing for Unchanged).
    #[allow(clippy::too_many_arguments)]
    pub fn note(
        &mut self,
        entity: &'static str,
        id: i64,
        change: &Change,
        origin: &Origin<'_>,
        mrn: Option<&str>,
        encounter: Option<i64>,
        reason: Option<&str>,
    ) {
        if entity == "document"
            && let Some(e) = encounter
            && *change != Change::Unchanged
        {
            self.touched.push(e);
            // Re-review when a document arrives or its content changes; a signature or status
            // change alone (same text) does not call for coding re-review.
            let content = match change {
                Change::Created => true,
                Change::Updated(f) => f
                    .iter()
                    .any(|c| matches!(*c, "body" | "doc_type" | "title")),
                Change::Unchanged => false,
            };
            if content {
                self.docs_changed.push((e, id, *change == Change::Created));
            }
        }
        let (action, subtype, changed) = match change {
            Change::Unchanged => {
                self.stats.unchanged += 1;
                return;
            }
            Change::Created => {
                self.stats.created += 1;
                (Action::Create, Subtype::Create, Value::Null)
            }
            Change::Updated(fields) => {
                self.stats.updated += 1;
                (Action::Update, Subtype::Update, json!(fields))
            }
        };
        let mut detail = json!({
            "source_file": self.file,
            "at": origin.at,
            "source_key": origin.source_key,
        });
        if !changed.is_null() {
            detail["changed"] = changed;
        }
        let mut ev = Event::new(action, subtype, entity, id).detail(detail);
        if let Some(m) = mrn {
            ev = ev.patient(m);
        }
        if let Some(e) = encounter {
            ev = ev.encounter(e);
        }
        if let Some(r) = reason {
            ev = ev.reason(r);
        }
        self.audit.record(ev);
        self.events += 1;
    }

    /// Items queued for the end of this transaction (re-analysis, re-review flags).
    pub fn end_items(&self) -> usize {
        self.touched.len() + self.docs_changed.len()
    }

    /// Should a grouped transaction close now? When it has held the lock `held` and the work
    /// queued for its end (deficiency analysis, re-review flags: measured cost per item) would
    /// take it past `cut`, or when that queue is full ([`MAX_END_ITEMS`]).
    pub fn group_full(&self, held: std::time::Duration, cut: std::time::Duration) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let items = self.end_items();
        let end = match items {
            0 => 0,
            n => END_NS_FIXED
                .load(Relaxed)
                .saturating_add(END_NS_EACH.load(Relaxed).saturating_mul(n as u64)),
        };
        let end = std::time::Duration::from_nanos(end);
        items >= MAX_END_ITEMS || held + end >= cut
    }

    /// Run the discharge hook for an encounter that just became discharged.
    pub fn discharged(&mut self, encounter_id: i64, at: &str) -> Result<(), FileFail> {
        // The encounter's own update event was recorded already, so the file has events.
        super::hooks::encounter_discharged(self.tx, self.audit, encounter_id).map_err(
            |e| match e {
                crate::CoreError::Store(s) => FileFail::Fatal(s),
                other => self.reject(at, other.to_string()),
            },
        )?;
        self.stats.discharges += 1;
        self.touched.push(encounter_id);
        Ok(())
    }

    /// Start one message (or entry): everything until [`Writer::keep`] or [`Writer::undo`]
    /// stands or falls together.
    pub fn mark(&mut self) -> Result<Mark, FileFail> {
        // Cached statements: parsed once per connection, not twice per message.
        self.tx
            .prepare_cached("SAVEPOINT one_message")
            .and_then(|mut s| s.execute([]))
            .map_err(|e| FileFail::Fatal(e.into()))?;
        Ok(Mark {
            created: self.stats.created,
            updated: self.stats.updated,
            unchanged: self.stats.unchanged,
            skipped: self.stats.skipped,
            discharges: self.stats.discharges,
            notes: self.stats.notes.len(),
            events: self.events,
            ledger_writes: self.ledger_writes,
            touched: self.touched.len(),
            docs_changed: self.docs_changed.len(),
            audit: self.audit.len(),
        })
    }

    /// The message since [`Writer::mark`] is applied.
    pub fn keep(&mut self) -> Result<(), FileFail> {
        self.tx
            .prepare_cached("RELEASE one_message")
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(|e| FileFail::Fatal(e.into()))
    }

    /// The message since `m` was rejected: roll its rows, counts and audit events back.
    pub fn undo(&mut self, m: Mark) -> Result<(), FileFail> {
        self.tx
            .execute_batch("ROLLBACK TO one_message; RELEASE one_message")
            .map_err(|e| FileFail::Fatal(e.into()))?;
        self.stats.created = m.created;
        self.stats.updated = m.updated;
        self.stats.unchanged = m.unchanged;
        self.stats.skipped = m.skipped;
        self.stats.discharges = m.discharges;
        self.stats.notes.truncate(m.notes);
        self.events = m.events;
        self.ledger_writes = m.ledger_writes;
        self.touched.truncate(m.touched);
        self.docs_changed.truncate(m.docs_changed);
        self.providers.clear();
        self.audit.truncate(m.audit);
        Ok(())
    }

    /// Has this exact HL7 message content been applied before?
    pub fn ledger_seen(&self, sha: &str, at: &str) -> Result<bool, FileFail> {
        self.tx
            .prepare_cached("SELECT 1 FROM import_messages WHERE content_sha256 = ?1")
            .and_then(|mut s| s.exists([sha]))
            .map_err(|e| self.db(at, e))
    }

    pub fn ledger_record(
        &mut self,
        sha: &str,
        control_id: &str,
        message_type: &str,
        at: &str,
    ) -> Result<(), FileFail> {
        self.tx
            .prepare_cached(
                "INSERT INTO import_messages(format, content_sha256, control_id, message_type, file, imported_at)
                 VALUES ('hl7', ?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| s.execute([sha, control_id, message_type, self.file, &self.now]))
            .map_err(|e| self.db(at, e))?;
        self.ledger_writes += 1;
        Ok(())
    }
}

/// Text or NULL.
pub(crate) fn opt(v: Option<&str>) -> Sql {
    v.map_or(Sql::Null, |s| Sql::Text(s.to_string()))
}

pub(crate) fn txt(v: &str) -> Sql {
    Sql::Text(v.to_string())
}

pub(crate) fn int(v: Option<i64>) -> Sql {
    v.map_or(Sql::Null, Sql::Integer)
}
