//! Deficiency operations through the store: analysis (on discharge and on demand), manual
//! deficiencies, status transitions, waivers, reassignment, signatures that resolve
//! deficiencies automatically. Every change is audited in its own transaction.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::lifecycle::DefStatus;
use super::rules::{DocFacts, EncounterFacts, RuleSet, analyze};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::{DocStatus, EncounterKind, Perm};
use crate::error::CoreError;
use crate::settings;
use crate::store::{AuditBuffer, ConnPragma, Store, Tx};

/// Facility-local timestamp text, as stored for clinical and deficiency times.
pub fn local_ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn parse_ts(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .or_else(|_| {
            NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .ok()
}

/// The store's clock in facility-local time (the `facility_timezone` setting, through the
/// clock service; never the process's zone).
pub fn local_now(store: &Store) -> NaiveDateTime {
    crate::clock::FacilityClock::read(store)
        .map(|c| c.local_now())
        .unwrap_or_else(|_| crate::clock::facility_local(store.now()))
}

/// The rule set in force: the `deficiency_rules` setting, else the DOMAIN.md defaults.
pub fn rules_in_force(conn: &crate::store::Reader) -> Result<RuleSet, CoreError> {
    let raw = settings::get(conn, crate::settings::Key::DeficiencyRules)?;
    let mut rules: RuleSet = if raw.trim().is_empty() {
        RuleSet::default()
    } else {
        serde_json::from_str(&raw)
            .map_err(|e| CoreError::invalid("deficiency_rules", e.to_string()))?
    };
    // Facility policy settings (issue #13) override the rule set's JSON.
    rules.progress_note_policy =
        match settings::get(conn, crate::settings::Key::ProgressNotePolicy)?.as_str() {
            "PER_DAY" => super::rules::PnPolicy::PerDay,
            _ => super::rules::PnPolicy::PerChart,
        };
    rules.progress_note_day_cap =
        settings::get_i64(conn, crate::settings::Key::ProgressNoteDayCap)?.max(1) as usize;
    rules.cutover = super::cutover::cutover_date(conn)?;
    rules.or_procedure_codes = settings::get(conn, crate::settings::Key::OrProcedureCodes)?
        .split(',')
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    rules.limits = limits_in_force(conn, &rules)?;
    Ok(rules)
}

/// Plausibility limits in force (settings `max_stay_days`, `doc_days_after_discharge`).
pub fn limits_in_force(
    conn: &crate::store::Reader,
    rules: &RuleSet,
) -> Result<super::plausibility::Limits, CoreError> {
    Ok(super::plausibility::Limits {
        max_stay_days: settings::get_i64(conn, crate::settings::Key::MaxStayDays)?,
        doc_days_before: rules.hp_days_before,
        doc_days_after: settings::get_i64(conn, crate::settings::Key::DocDaysAfterDischarge)?,
    })
}

/// What every analysis run needs, read once: the rule set, `deficiency_delinquent_days`, and
/// the facility-local "now".
pub(crate) struct AnalysisContext {
    pub rules: RuleSet,
    pub days: i64,
    pub now: NaiveDateTime,
}

impl AnalysisContext {
    pub(crate) fn read(store: &Store) -> Result<AnalysisContext, CoreError> {
        Ok(AnalysisContext {
            rules: rules_in_force(store.conn())?,
            days: settings::get_i64(store.conn(), crate::settings::Key::DeficiencyDelinquentDays)?,
            now: local_now(store),
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AnalysisOutcome {
    pub created: usize,
    pub resolved: usize,
    pub open: usize,
}

struct Loaded {
    enc: EncounterFacts,
    mrn: String,
    him_status: String,
    coding_status: String,
    docs: Vec<DocFacts>,
}

/// Documents and existing deficiencies of a chunk of encounters, read in two range scans
/// (batch analysis); rows are raw and converted per encounter.
#[derive(Default)]
pub(crate) struct Prefetch {
    docs: HashMap<i64, Vec<DocFacts>>,
    existing: HashMap<i64, Vec<ExistingRow>>,
}

type ExistingRow = ((String, String), (i64, String, String));

impl Prefetch {
    /// Read everything for encounters with `lo <= id <= hi`.
    pub(crate) fn range(
        tx: &crate::store::Reader,
        lo: i64,
        hi: i64,
    ) -> Result<Prefetch, CoreError> {
        let mut p = Prefetch::default();
        let mut stmt = tx.prepare_cached(
            "SELECT d.encounter_id, d.id, d.doc_type, d.title, d.author_id, d.cosigner_id, d.status, d.service_at,
                    d.signed_at, d.cosigned_at, octet_length(d.body), d.superseded,
                    CASE WHEN d.doc_type = '18842-5' THEN d.body END, e.admit_at
             FROM documents d JOIN encounters e ON e.id = d.encounter_id
             WHERE d.encounter_id BETWEEN ?1 AND ?2 ORDER BY d.encounter_id, d.service_at, d.id",
        )?;
        let mut rows = stmt.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            let admit: String = r.get(13)?;
            let admit_at = parse_ts(&admit).unwrap_or_default();
            let doc = doc_from_row(r, 1, admit_at)?;
            p.docs.entry(r.get(0)?).or_default().push(doc);
        }
        let mut stmt = tx.prepare_cached(
            "SELECT encounter_id, id, kind, slot, status, origin FROM deficiencies WHERE encounter_id BETWEEN ?1 AND ?2",
        )?;
        let mut rows = stmt.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            p.existing
                .entry(r.get(0)?)
                .or_default()
                .push(((r.get(2)?, r.get(3)?), (r.get(1)?, r.get(4)?, r.get(5)?)));
        }
        Ok(p)
    }
}

/// A document's facts from columns `at..at+12` (id, type, title, author, cosigner, status,
/// service, signed, cosigned, body bytes, superseded, discharge-summary body).
fn doc_from_row(
    r: &rusqlite::Row<'_>,
    at: usize,
    admit_at: NaiveDateTime,
) -> rusqlite::Result<DocFacts> {
    let status: String = r.get(at + 5)?;
    let service_at: String = r.get(at + 6)?;
    let signed_at: Option<String> = r.get(at + 7)?;
    let cosigned_at: Option<String> = r.get(at + 8)?;
    Ok(DocFacts {
        id: r.get(at)?,
        doc_type: r.get(at + 1)?,
        title: r.get(at + 2)?,
        author_id: r.get(at + 3)?,
        cosigner_id: r.get(at + 4)?,
        status: DocStatus::parse(&status).unwrap_or(DocStatus::Incomplete),
        service_at: parse_ts(&service_at).unwrap_or(admit_at),
        signed_at: signed_at.as_deref().and_then(parse_ts),
        cosigned_at: cosigned_at.as_deref().and_then(parse_ts),
        body_len: r.get::<_, i64>(at + 9)? as usize,
        superseded: r.get::<_, i64>(at + 10)? != 0,
        has_final_dx: r
            .get::<_, Option<String>>(at + 11)?
            .is_some_and(|b| super::rules::has_final_diagnosis(&b)),
    })
}

fn load(
    tx: &crate::store::Reader,
    encounter_id: i64,
    prefetch: Option<&mut Prefetch>,
    or_codes: &[String],
) -> Result<Loaded, CoreError> {
    let row = tx
        .prepare_cached(
            "SELECT e.kind, e.service, e.admit_at, e.discharge_at, e.attending_id, p.mrn, e.him_status, e.coding_status,
                    0, e.discharge_disposition
             FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.id = ?1",
        )?
        .query_row([encounter_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what: "encounter", id: encounter_id.to_string() })?;
    let bad_time = |field: &str, v: &str| {
        CoreError::invalid(
            format!("encounter {encounter_id} {field}"),
            format!("unreadable time {v:?}"),
        )
    };
    let admit_at = parse_ts(&row.2).ok_or_else(|| bad_time("admit_at", &row.2))?;
    let discharge_at = match &row.3 {
        Some(s) => Some(parse_ts(s).ok_or_else(|| bad_time("discharge_at", s))?),
        None => None,
    };
    let enc = EncounterFacts {
        id: encounter_id,
        kind: EncounterKind::parse(&row.0).unwrap_or(EncounterKind::Outpatient),
        service: row.1,
        admit_at,
        discharge_at,
        attending_id: row.4,
        or_procedure_count: super::surgical::or_procedures(tx, encounter_id, or_codes)?,
        consult_orders: super::surgical::consult_orders(tx, encounter_id)?,
        disposition: row.9.clone(),
    };
    let docs = match prefetch {
        Some(p) => p.docs.remove(&encounter_id).unwrap_or_default(),
        None => {
            let mut stmt = tx.prepare_cached(
                "SELECT id, doc_type, title, author_id, cosigner_id, status, service_at, signed_at, cosigned_at,
                        octet_length(body), superseded, CASE WHEN doc_type = '18842-5' THEN body END
                 FROM documents WHERE encounter_id = ?1 ORDER BY service_at, id",
            )?;
            stmt.query_map([encounter_id], |r| doc_from_row(r, 0, admit_at))?
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    Ok(Loaded {
        enc,
        mrn: row.5,
        him_status: row.6,
        coding_status: row.7,
        docs,
    })
}

/// Analyse one discharged encounter inside the caller's transaction (DEF-01): create the
/// standard deficiencies that do not exist yet (keyed on encounter, kind, slot — never a
/// duplicate), resolve rule-found deficiencies whose cause is gone (audited as done by the
/// system, naming `trigger`), and set the HIM status.
pub fn analyze_in_tx(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    rules: &RuleSet,
    encounter_id: i64,
    now: NaiveDateTime,
    delinquent_days: i64,
    trigger: &str,
) -> Result<AnalysisOutcome, CoreError> {
    analyze_with(
        tx,
        audit,
        rules,
        encounter_id,
        now,
        delinquent_days,
        trigger,
        None,
    )
}

/// [`analyze_in_tx`] with the chunk's documents and deficiencies already read (batch path).
#[allow(clippy::too_many_arguments)]
fn analyze_with(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    rules: &RuleSet,
    encounter_id: i64,
    now: NaiveDateTime,
    delinquent_days: i64,
    trigger: &str,
    mut prefetch: Option<&mut Prefetch>,
) -> Result<AnalysisOutcome, CoreError> {
    let l = load(
        tx,
        encounter_id,
        prefetch.as_deref_mut(),
        &rules.or_procedure_codes,
    )?;
    let Some(discharge_at) = l.enc.discharge_at else {
        return Err(CoreError::invalid(
            "encounter",
            format!("{encounter_id} is not discharged; analysis runs after discharge"),
        ));
    };
    // History before the cut-over is kept but never analysed unless asked (`analyze --since`).
    if rules.cutover.is_some_and(|c| discharge_at.date() < c) {
        if let Some(p) = prefetch {
            p.existing.remove(&encounter_id);
        }
        return Ok(AnalysisOutcome::default());
    }
    // Implausible encounters go to the data-quality list, not into analysis.
    let problems = super::plausibility::check(&l.enc, &l.docs, now, rules.limits);
    if super::cutover::record_data_quality(tx, audit, encounter_id, &l.mrn, &problems, now)? {
        if let Some(p) = prefetch {
            p.existing.remove(&encounter_id);
        }
        return Ok(AnalysisOutcome::default());
    }
    let findings = analyze(&l.enc, &l.docs, rules);
    let mut existing: HashMap<(String, String), (i64, String, String)> = HashMap::new();
    match prefetch {
        Some(p) => existing.extend(p.existing.remove(&encounter_id).unwrap_or_default()),
        None => {
            let mut stmt = tx.prepare_cached(
                "SELECT id, kind, slot, status, origin FROM deficiencies WHERE encounter_id = ?1",
            )?;
            let rows = stmt.query_map([encounter_id], |r| {
                Ok((
                    (r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                    (
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ),
                ))
            })?;
            for row in rows {
                let (k, v) = row?;
                existing.insert(k, v);
            }
        }
    }
    // One audit event per analysed chart lists every deficiency it created or resolved
    // (ids, kinds, rules, and for resolutions "by system" with the triggering event): the
    // batch path writes one chain row per chart, not one per deficiency.
    let mut out = AnalysisOutcome::default();
    let now_s = local_ts(now);
    // Aging counts from discharge (DEL-02 agrees with DEL-03 and DEL-06): a deficiency found
    // on analysis is assigned at discharge, or when its document was written if later, and
    // never after now.
    let assigned_for = |f: &super::rules::Finding| {
        let doc_at = f
            .document_id
            .and_then(|id| l.docs.iter().find(|d| d.id == id))
            .map(|d| d.service_at);
        let at = doc_at
            .map_or(discharge_at, |d| d.max(discharge_at))
            .min(now);
        (local_ts(at), local_ts(at + Duration::days(delinquent_days)))
    };
    let mut created = Vec::new();
    let mut resolved = Vec::new();
    let mut open = existing
        .values()
        .filter(|(_, status, _)| DefStatus::parse(status).is_some_and(|s| !s.is_closed()))
        .count();
    for f in &findings {
        if let Some((id, status, origin)) = existing.get(&(f.kind.to_string(), f.slot.clone())) {
            // A chart-level MISS_PN names its missing days: keep the list current.
            if f.kind == "MISS_PN"
                && origin == "rule"
                && DefStatus::parse(status).is_some_and(|s| !s.is_closed())
            {
                tx.prepare_cached(
                    "UPDATE deficiencies SET note = ?1 WHERE id = ?2 AND note <> ?1",
                )?
                .execute(params![f.message, id])?;
            }
            continue;
        }
        let (assigned, due) = assigned_for(f);
        tx.prepare_cached(
            "INSERT INTO deficiencies(encounter_id, document_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, origin, rule, note)
             VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7, ?8, 'rule', ?9, ?10)",
        )?
        .execute(params![encounter_id, f.document_id, f.slot, f.kind, f.provider_id, now_s, assigned, due, f.rule, f.message])?;
        created.push(json!({"id": tx.last_insert_rowid(), "kind": f.kind, "rule": f.rule, "slot": f.slot,
                            "document_id": f.document_id, "provider_id": f.provider_id, "assigned_at": assigned, "due_at": due}));
        open += 1;
    }
    for ((kind, slot), (id, status, origin)) in &existing {
        let still = findings.iter().any(|f| f.kind == kind && &f.slot == slot);
        let closed = DefStatus::parse(status).is_none_or(DefStatus::is_closed);
        if still || closed || origin != "rule" {
            continue;
        }
        tx.prepare_cached("UPDATE deficiencies SET status = 'completed', closed_at = ?1, closed_by = 'system' WHERE id = ?2")?
            .execute(params![now_s, id])?;
        resolved.push(json!({"id": id, "kind": kind, "slot": slot, "from": status, "to": "completed", "by": "system"}));
        open -= 1;
    }
    out.created = created.len();
    out.resolved = resolved.len();
    out.open = open;
    let him = if open > 0 {
        "incomplete"
    } else {
        "doc_complete"
    };
    let coding = if l.coding_status == "not_ready" {
        "ready"
    } else {
        l.coding_status.as_str()
    };
    if him != l.him_status || coding != l.coding_status || out.created > 0 || out.resolved > 0 {
        if him != l.him_status || coding != l.coding_status {
            tx.prepare_cached("UPDATE encounters SET him_status = ?1, coding_status = ?2, analyzed_at = ?3 WHERE id = ?4")?
                .execute(params![him, coding, now_s, encounter_id])?;
        } else {
            // Statuses unchanged: leave the status indexes and the queue counters (their
            // trigger fires on UPDATE OF him_status/coding_status) untouched.
            tx.prepare_cached("UPDATE encounters SET analyzed_at = ?1 WHERE id = ?2")?
                .execute(params![now_s, encounter_id])?;
        }
        let mut e = Event::new(Action::Update, Subtype::Update, "encounter", encounter_id)
            .patient(&l.mrn)
            .encounter(encounter_id)
            .detail(
                json!({"analysis": trigger, "him_status": {"from": l.him_status, "to": him},
                           "coding_status": {"from": l.coding_status, "to": coding},
                           "deficiencies_created": created, "deficiencies_resolved": resolved}),
            );
        if out.resolved > 0 {
            e = e.reason(format!("resolved automatically: {trigger}"));
        }
        audit.record(e);
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    pub encounters: usize,
    pub created: usize,
    pub resolved: usize,
    pub complete: usize,
}

/// Which discharged encounters a batch analysis covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnalyzeScope {
    /// Charts awaiting analysis (the nightly run).
    Awaiting,
    /// Awaiting charts, plus every chart discharged on or after the date (`--since`).
    Since(NaiveDate),
    /// Charts analysed before (e.g. loaded from elsewhere without their deficiency rows):
    /// re-checked as of their own analysis time, so assignment dates and aging stay true.
    Analyzed,
}

/// `chartdesk analyze [--since DATE]`: batch analysis, one transaction per 2,000 encounters.
pub fn analyze_batch(
    store: &mut Store,
    actor: &Actor,
    scope: AnalyzeScope,
) -> Result<BatchSummary, CoreError> {
    authorize(store, actor, Perm::AnalyzeDeficiencies, "encounter", "*")?;
    let mut rules = rules_in_force(store.conn())?;
    // `--since DATE` asks for history: the cut-over moves back to that date for this run.
    if let AnalyzeScope::Since(d) = scope {
        rules.cutover = rules.cutover.map(|c| c.min(d));
    }
    let floor = rules
        .cutover
        .map(|c| c.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let days = settings::get_i64(store.conn(), crate::settings::Key::DeficiencyDelinquentDays)?;
    let ids: Vec<(i64, Option<String>)> = {
        let (sql, arg) = match scope {
            AnalyzeScope::Awaiting => (
                "SELECT id, NULL FROM encounters WHERE discharge_at IS NOT NULL AND him_status = 'awaiting_analysis' AND discharge_at >= ?1 ORDER BY id",
                Some(floor.clone()),
            ),
            AnalyzeScope::Since(d) => (
                "SELECT id, NULL FROM encounters WHERE discharge_at IS NOT NULL
                   AND ((him_status = 'awaiting_analysis' AND discharge_at >= ?2) OR discharge_at >= ?1) ORDER BY id",
                Some(d.format("%Y-%m-%d").to_string()),
            ),
            AnalyzeScope::Analyzed => (
                "SELECT id, analyzed_at FROM encounters WHERE discharge_at IS NOT NULL AND him_status IN ('incomplete','doc_complete') ORDER BY id",
                None,
            ),
        };
        let mut stmt = store.conn().prepare(sql)?;
        match arg {
            Some(a) if matches!(scope, AnalyzeScope::Since(_)) => stmt
                .query_map([a, floor.clone()], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?,
            Some(a) => stmt
                .query_map([a], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?,
            None => stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?,
        }
    };
    let now = local_now(store);
    // A batch touches most of the encounter and document indexes: give this run a larger
    // page cache than an interactive session needs (restored below, whatever the outcome).
    store.set_pragma(ConnPragma::CacheSize, -262_144)?;
    // Checkpoint every 256 MiB of WAL instead of every 16 MiB: a chunk's index writes are
    // scattered, and each checkpoint copies every page the WAL holds into the database file,
    // so fewer checkpoints copy a page that several chunks touched once. The WAL stays
    // bounded, and the last checkpoint (below) is counted in the run's time.
    store.set_pragma(ConnPragma::WalAutocheckpoint, 65_536)?;
    let result = analyze_chunks(store, actor, &rules, days, now, &ids);
    store.set_pragma(ConnPragma::CacheSize, -32_000)?;
    store.set_pragma(
        ConnPragma::WalAutocheckpoint,
        crate::store::WAL_AUTOCHECKPOINT,
    )?;
    // PASSIVE: never waits for readers; whatever it cannot copy now the next commits will.
    store.checkpoint_passive()?;
    result
}

/// Work per batch-analysis transaction: the write lock is never held much longer, so a
/// user's action during the nightly run waits at most about this (issue #17: ≤ 250 ms).
pub const ANALYSIS_BUDGET: std::time::Duration = std::time::Duration::from_millis(150);

/// The batch's transactions: up to 5,000 charts each (one prefetch of their documents and
/// deficiencies), ended early once [`ANALYSIS_BUDGET`] is spent; the next transaction's chunk
/// is sized from what fitted, and the writer pauses between them so waiting users get in.
fn analyze_chunks(
    store: &mut Store,
    actor: &Actor,
    rules: &RuleSet,
    days: i64,
    now: NaiveDateTime,
    ids: &[(i64, Option<String>)],
) -> Result<BatchSummary, CoreError> {
    let mut summary = BatchSummary::default();
    let mut rest = ids;
    let mut size = 5_000usize;
    while !rest.is_empty() {
        if summary.encounters > 0 {
            std::thread::sleep(crate::store::WRITER_PAUSE);
        }
        let chunk = &rest[..size.min(rest.len())];
        let part = store.transact(actor, |tx, audit| {
            let started = std::time::Instant::now();
            let mut s = BatchSummary::default();
            let (lo, hi) = (chunk.first().map_or(0, |c| c.0), chunk.last().map_or(0, |c| c.0));
            let mut prefetch = Prefetch::range(tx, lo, hi)?;
            for (id, analyzed_at) in chunk {
                let at = analyzed_at.as_deref().and_then(parse_ts).unwrap_or(now);
                let o = analyze_with(tx, audit, rules, *id, at, days, "batch analysis", Some(&mut prefetch))?;
                s.encounters += 1;
                s.created += o.created;
                s.resolved += o.resolved;
                s.complete += usize::from(o.open == 0);
                if started.elapsed() >= ANALYSIS_BUDGET {
                    break;
                }
            }
            audit.record(
                Event::new(Action::Execute, Subtype::Update, "analysis", "batch")
                    .detail(json!({"encounters": s.encounters, "created": s.created, "resolved": s.resolved})),
            );
            Ok::<_, CoreError>(s)
        })?;
        rest = &rest[part.encounters..];
        // Next time prefetch about what fits in the budget (a little more, to grow back).
        size = (part.encounters + part.encounters / 4).clamp(100, 5_000);
        summary.encounters += part.encounters;
        summary.created += part.created;
        summary.resolved += part.resolved;
        summary.complete += part.complete;
    }
    Ok(summary)
}

/// One deficiency row, as the queue and the provider view show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeficiencyRow {
    pub id: i64,
    pub encounter_id: i64,
    pub document_id: Option<i64>,
    pub kind: String,
    pub status: String,
    pub provider_id: Option<i64>,
    pub provider: Option<String>,
    pub assigned_at: String,
    pub due_at: String,
    pub waive_pending: bool,
    pub rule: String,
    pub note: String,
}

pub(crate) const DEF_COLS: &str =
    "d.id, d.encounter_id, d.document_id, d.kind, d.status, d.provider_id,
     (SELECT pr.family_name || ', ' || pr.given_name FROM providers pr WHERE pr.id = d.provider_id),
     d.assigned_at, d.due_at, d.waive_pending, d.rule, d.note";

pub(crate) fn def_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeficiencyRow> {
    Ok(DeficiencyRow {
        id: r.get(0)?,
        encounter_id: r.get(1)?,
        document_id: r.get(2)?,
        kind: r.get(3)?,
        status: r.get(4)?,
        provider_id: r.get(5)?,
        provider: r.get(6)?,
        assigned_at: r.get(7)?,
        due_at: r.get(8)?,
        waive_pending: r.get::<_, i64>(9)? != 0,
        rule: r.get(10)?,
        note: r.get(11)?,
    })
}

/// "Mark the chart analysed" (technician): run the rules for one discharged encounter now,
/// in one audited transaction, naming the user as the trigger.
pub fn mark_analyzed(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
) -> Result<AnalysisOutcome, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "encounter",
        &encounter_id.to_string(),
    )?;
    let AnalysisContext {
        mut rules,
        days,
        now,
    } = AnalysisContext::read(store)?;
    // A technician asking for one chart asks for it even when it predates the cut-over.
    rules.cutover = None;
    let trigger = format!("analysed by {}", actor.username);
    store.transact(actor, |tx, audit| {
        let out = analyze_in_tx(tx, audit, &rules, encounter_id, now, days, &trigger)?;
        tx.execute(
            "UPDATE encounters SET analyzed_at = ?1 WHERE id = ?2",
            params![local_ts(now), encounter_id],
        )?;
        audit.record(
            Event::new(Action::Execute, Subtype::Update, "analysis", encounter_id)
                .encounter(encounter_id)
                .detail(
                    json!({"created": out.created, "resolved": out.resolved, "open": out.open}),
                ),
        );
        Ok(out)
    })
}

/// A provider as pickers show it (no PHI; not audited).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProviderSummary {
    pub id: i64,
    pub name: String,
    pub npi: Option<String>,
    pub kind: String,
    pub specialty: String,
}

/// Active providers by name, for reassignment and the provider view.
pub fn list_providers(conn: &crate::store::Reader) -> Result<Vec<ProviderSummary>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, trim(family_name || ', ' || given_name || ' ' || credentials), npi, kind, specialty
         FROM providers WHERE active = 1 ORDER BY family_name, given_name, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(ProviderSummary {
                id: r.get(0)?,
                name: r.get(1)?,
                npi: r.get(2)?,
                kind: r.get(3)?,
                specialty: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub use super::transitions::{add_manual, approve_waiver, reassign, record_signature, transition};

/// Discharge an encounter by hand (a site without an ADT feed, or a correction) and run
/// deficiency analysis on it in the same audited transaction — the same event an A03 or a
/// FHIR `period.end` triggers on import.
pub fn discharge(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    at: NaiveDateTime,
    disposition: Option<&str>,
) -> Result<AnalysisOutcome, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "encounter",
        &encounter_id.to_string(),
    )?;
    if let Some(d) = disposition
        && !(d.len() == 2 && d.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(CoreError::invalid(
            "disposition",
            format!("{d:?}: a two-digit UB-04 discharge status"),
        ));
    }
    let AnalysisContext { rules, days, now } = AnalysisContext::read(store)?;
    store.transact(actor, |tx, audit| {
        let (admit, current, mrn): (String, Option<String>, String) = tx
            .query_row(
                "SELECT e.admit_at, e.discharge_at, p.mrn FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.id = ?1",
                [encounter_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound { what: "encounter", id: encounter_id.to_string() })?;
        if let Some(c) = current {
            return Err(CoreError::invalid("encounter", format!("{encounter_id} was already discharged at {c}")));
        }
        if parse_ts(&admit).is_some_and(|a| at < a) {
            return Err(CoreError::invalid("discharge", format!("{} is before the admission at {admit}", local_ts(at))));
        }
        tx.execute(
            "UPDATE encounters SET discharge_at = ?1, discharge_disposition = COALESCE(?2, discharge_disposition),
                    him_status = 'awaiting_analysis' WHERE id = ?3",
            params![local_ts(at), disposition, encounter_id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "encounter", encounter_id)
                .patient(&mrn)
                .encounter(encounter_id)
                .reason("discharged by hand")
                .detail(json!({"discharge_at": local_ts(at), "disposition": disposition, "him_status": ["open", "awaiting_analysis"]})),
        );
        analyze_in_tx(tx, audit, &rules, encounter_id, now, days, "discharge by hand")
    })
}
