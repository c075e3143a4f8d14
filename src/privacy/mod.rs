//! Privacy review (45 CFR 164.308(a)(1)(ii)(D), 164.312(b); DOMAIN AUD-07, AUD-14): patient
//! privacy flags, the audit search behind the audit screen and "who looked at this chart",
//! and the unusual-access report a privacy officer runs weekly ([`unusual`]). Staff and work
//! assignment live in [`work`].
//!
//! Invariants: every function here is supervisor-only, checked here (not only in the UI);
//! every read of the audit log is itself audited (`audit_view`) in the same read
//! transaction; flags are changed in one audited write.

pub mod unusual;
pub mod work;

use std::path::{Path, PathBuf};

use rusqlite::params;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, AuditRow, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{Reader, Store};

/// A privacy flag on a patient (AUD-14: VIP and workforce charts are reviewed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Flag {
    Vip,
    Employee,
}

impl Flag {
    pub const ALL: &'static [Flag] = &[Flag::Vip, Flag::Employee];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Vip => "VIP",
            Flag::Employee => "EMPLOYEE",
        }
    }

    pub fn parse(s: &str) -> Option<Flag> {
        Flag::ALL
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

fn patient_id(conn: &Reader, mrn: &str) -> Result<i64, CoreError> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT id FROM patients WHERE mrn = ?1",
        [mrn.trim()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "patient",
        id: mrn.to_string(),
    })
}

/// Set (`on`) or clear a patient's flag (supervisor only), audited with old and new state.
pub fn set_flag(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    flag: Flag,
    on: bool,
) -> Result<(), CoreError> {
    flag_with(store, actor, mrn, flag, on, None)
}

/// Set (`on`) or clear a patient's flag from the chart (supervisor only), with the reason
/// the chart screen requires; audited with old and new state and the reason.
pub fn set_flag_because(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    flag: Flag,
    on: bool,
    reason: &str,
) -> Result<(), CoreError> {
    if reason.trim().is_empty() {
        return Err(CoreError::invalid(
            "reason",
            "a flag set or cleared from the chart needs a reason (AUD-14)",
        ));
    }
    flag_with(store, actor, mrn, flag, on, Some(reason.trim()))
}

fn flag_with(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    flag: Flag,
    on: bool,
    reason: Option<&str>,
) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "patient_flag", mrn)?;
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        let pid = patient_id(tx, mrn)?;
        let n = if on {
            tx.execute(
                "INSERT OR IGNORE INTO patient_flags(patient_id, flag, set_at, set_by) VALUES (?1, ?2, ?3, ?4)",
                params![pid, flag.as_str(), now, actor.username],
            )?
        } else {
            tx.execute(
                "DELETE FROM patient_flags WHERE patient_id = ?1 AND flag = ?2",
                params![pid, flag.as_str()],
            )?
        };
        let mut e = Event::new(Action::Update, Subtype::Update, "patient_flag", pid)
            .patient(mrn.trim())
            .detail(json!({"flag": flag.as_str(), "old": if n == 0 { on } else { !on }, "new": on, "rule": "AUD-14"}));
        if let Some(r) = reason {
            e = e.reason(r.to_string());
        }
        audit.record(e);
        Ok(())
    })
}

/// The flags of one patient (no PHI beyond the flag; a bare read for the chart header).
pub fn flags_of(conn: &Reader, mrn: &str) -> Result<Vec<Flag>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.flag FROM patient_flags f JOIN patients p ON p.id = f.patient_id WHERE p.mrn = ?1 ORDER BY f.flag",
    )?;
    let v = stmt
        .query_map([mrn.trim()], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v.iter().filter_map(|s| Flag::parse(s)).collect())
}

/// A filter on the audit log (AUD-07: by user, patient, action, outcome and time). Empty
/// fields match everything. `action` matches the subtype (`view`) or the action letter (`R`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user: Option<String>,
    pub mrn: Option<String>,
    pub action: Option<String>,
    /// 0 success, 4 minor failure, 8 serious, 12 major; `Some(-1)` = any failure.
    pub outcome: Option<i64>,
    /// Recorded at or after (UTC, ISO-8601 prefix: `2026-12-01`).
    pub from: Option<String>,
    /// Recorded before (UTC, ISO-8601 prefix).
    pub to: Option<String>,
}

impl AuditFilter {
    fn detail(&self) -> serde_json::Value {
        json!({"user": self.user, "mrn": self.mrn, "action": self.action,
               "outcome": self.outcome, "from": self.from, "to": self.to})
    }
}

/// One page of the audit log, newest first, and how many rows match in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: i64,
}

const WHERE: &str = "(?1 IS NULL OR username = ?1 COLLATE NOCASE)
    AND (?2 IS NULL OR patient_mrn = ?2
         OR (patient_mrn IS NULL AND instr(' ' || json_extract(detail, '$.mrns') || ' ', ' ' || ?2 || ' ') > 0))
    AND (?3 IS NULL OR subtype = ?3 COLLATE NOCASE OR action = ?3 COLLATE NOCASE)
    AND (?4 IS NULL OR (?4 = -1 AND outcome <> 0) OR outcome = ?4)
    AND (?5 IS NULL OR recorded_at >= ?5)
    AND (?6 IS NULL OR recorded_at < ?6)";

fn norm(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn matching(tx: &Reader, f: &AuditFilter, limit: usize) -> Result<AuditPage, CoreError> {
    let args = params![
        norm(&f.user),
        norm(&f.mrn),
        norm(&f.action),
        f.outcome,
        norm(&f.from),
        norm(&f.to)
    ];
    let total: i64 = tx.query_row(
        &format!("SELECT count(*) FROM audit_log WHERE {WHERE}"),
        args,
        |r| r.get(0),
    )?;
    let mut stmt = tx.prepare(&format!(
        "SELECT {} FROM audit_log WHERE {WHERE} ORDER BY seq DESC LIMIT {}",
        crate::audit::ROW_COLUMNS,
        limit.min(100_000)
    ))?;
    let rows = stmt
        .query_map(args, AuditRow::from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AuditPage { rows, total })
}

/// Search the audit log (supervisor only), newest first, at most `limit` rows; audited as an
/// `audit_view` naming the filter. "Who looked at this chart" is this with `mrn` set.
pub fn search(
    store: &mut Store,
    actor: &Actor,
    filter: &AuditFilter,
    limit: usize,
) -> Result<AuditPage, CoreError> {
    authorize(store, actor, Perm::Administer, "audit_log", "search")?;
    store.transact_read(actor, |tx, audit| {
        let page = matching(tx, filter, limit)?;
        let mut e = Event::new(Action::Read, Subtype::AuditView, "audit_log", "search").detail(
            json!({"filter": filter.detail(), "rows": page.rows.len(), "total": page.total}),
        );
        if let Some(m) = norm(&filter.mrn) {
            e = e.patient(&m);
        }
        audit.record(e);
        Ok(page)
    })
}

/// The verification status of the hash chain (AUD-08), in one line: intact through the
/// last seq, or where it breaks. Reads the whole chain (no anchors: the chain only).
pub fn chain_status(conn: &Reader) -> String {
    match crate::audit::verify(conn, &[]) {
        Ok(r) if r.ok() => format!("chain intact: {} rows verified (AUD-08)", r.rows_checked),
        Ok(r) => format!(
            "CHAIN BROKEN: {} (AUD-08)",
            r.problem
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "see `chartdesk audit verify`".into())
        ),
        Err(e) => format!("chain not verified: {e}"),
    }
}

/// The export formats of the audit screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditFormat {
    Csv,
    /// FHIR R4 AuditEvent, one per line (NDJSON).
    Fhir,
}

/// Write every row matching `filter` to `dir/audit-<stamp>.csv|.ndjson` (owner-only) and
/// audit the export (`audit_export`) naming the filter, file and count. Supervisor only.
pub fn export(
    store: &mut Store,
    actor: &Actor,
    filter: &AuditFilter,
    format: AuditFormat,
    dir: &Path,
    stamp: &str,
) -> Result<PathBuf, CoreError> {
    authorize(store, actor, Perm::Administer, "audit_log", "export")?;
    let page = matching(store.conn(), filter, 100_000)?;
    let mut text = String::new();
    let ext = match format {
        AuditFormat::Csv => {
            let mut t = crate::csv_out::Table::new(&[
                "seq",
                "recorded_at",
                "user",
                "role",
                "action",
                "subtype",
                "outcome",
                "MRN",
                "encounter",
                "entity",
                "purpose",
                "reason",
            ]);
            for r in &page.rows {
                t.row(
                    [
                        r.seq.to_string(),
                        r.recorded_at.clone(),
                        r.username.clone(),
                        r.role.clone(),
                        r.action.clone(),
                        r.subtype.clone(),
                        r.outcome.to_string(),
                        r.patient_mrn.clone().unwrap_or_default(),
                        r.encounter_id.map(|e| e.to_string()).unwrap_or_default(),
                        format!("{}:{}", r.entity_type, r.entity_id),
                        r.purpose_of_use.clone(),
                        r.reason.clone().unwrap_or_default(),
                    ]
                    .iter(),
                );
            }
            text.push_str(&t.finish());
            "csv"
        }
        AuditFormat::Fhir => {
            for r in &page.rows {
                text.push_str(&crate::audit::to_fhir(r).to_string());
                text.push('\n');
            }
            "ndjson"
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| {
        CoreError::invalid("export", format!("cannot create {}: {e}", dir.display()))
    })?;
    let path = dir.join(format!("audit-{stamp}.{ext}"));
    write_private(&path, &text).map_err(|e| {
        CoreError::invalid("export", format!("cannot write {}: {e}", path.display()))
    })?;
    let file = path.display().to_string();
    let recorded = store.transact_read(actor, |_tx, audit| {
        audit.record(
            Event::new(Action::Read, Subtype::AuditExport, "audit_log", "export").detail(json!({
                "format": ext, "file": file, "rows": page.rows.len(), "filter": filter.detail()
            })),
        );
        Ok::<_, CoreError>(())
    });
    match recorded {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// The file holds PHI: created new, owner-only on Unix.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
