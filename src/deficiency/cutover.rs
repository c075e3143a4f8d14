//! The go-live line and the data-quality list (issue #13, "analysis a department can live
//! with").
//!
//! Invariants:
//! - Discharges before `analysis_cutover_date` are history: imported and kept, never analysed
//!   unless asked (`analyze --since`), and never counted in delinquency (DEL-03/04), DNFB/DNFC
//!   or the coding backlog. Reports filter with [`day_floor`] (`day >= floor`; the empty floor
//!   lets every day through).
//! - An implausible encounter (see [`super::plausibility`]) has one open data-quality row per
//!   rule and is not analysed while any is open; rows are resolved in place when a later
//!   check finds the data fixed, never deleted.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::params;
use serde::Serialize;
use serde_json::json;

use super::ops::local_ts;
use super::plausibility::Implausible;
use crate::audit::{Action, Event, Subtype};
use crate::error::CoreError;
use crate::settings;
use crate::store::{AuditBuffer, Tx};

/// The cut-over date in force, if set.
pub fn cutover_date(conn: &crate::store::Reader) -> Result<Option<NaiveDate>, CoreError> {
    let raw = settings::get(conn, crate::settings::Key::AnalysisCutoverDate)?;
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            CoreError::invalid(
                "analysis_cutover_date",
                format!("{raw:?} is not a date YYYY-MM-DD"),
            )
        })
}

/// The lowest discharge day counted by reports: the cut-over date as `YYYY-MM-DD`, or `""`.
pub fn day_floor(conn: &crate::store::Reader) -> Result<String, CoreError> {
    Ok(cutover_date(conn)?
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default())
}

/// Record what the plausibility check found for one encounter (inside the analysis
/// transaction): new problems get a row, problems no longer found are resolved. Returns
/// whether the encounter is implausible now (and so must not be analysed).
pub fn record_data_quality(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    encounter_id: i64,
    mrn: &str,
    problems: &[Implausible],
    now: NaiveDateTime,
) -> Result<bool, CoreError> {
    let now_s = local_ts(now);
    let open: Vec<(i64, String)> = {
        let mut st = tx.prepare_cached(
            "SELECT id, rule FROM data_quality WHERE encounter_id = ?1 AND resolved_at IS NULL",
        )?;
        st.query_map([encounter_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    let mut added = Vec::new();
    for p in problems {
        if open.iter().any(|(_, r)| r == p.rule) {
            continue;
        }
        tx.prepare_cached(
            "INSERT INTO data_quality(encounter_id, rule, detail, found_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(encounter_id, rule) DO UPDATE SET detail = excluded.detail,
                 found_at = excluded.found_at, resolved_at = NULL",
        )?
        .execute(params![encounter_id, p.rule, p.detail, now_s])?;
        added.push(json!({"rule": p.rule, "detail": p.detail}));
    }
    let mut resolved = Vec::new();
    for (id, rule) in &open {
        if !problems.iter().any(|p| p.rule == rule) {
            tx.prepare_cached("UPDATE data_quality SET resolved_at = ?1 WHERE id = ?2")?
                .execute(params![now_s, id])?;
            resolved.push(rule.clone());
        }
    }
    if !added.is_empty() || !resolved.is_empty() {
        audit.record(
            Event::new(
                Action::Update,
                Subtype::Update,
                "data_quality",
                encounter_id,
            )
            .patient(mrn)
            .encounter(encounter_id)
            .reason(if added.is_empty() {
                "data-quality problems resolved"
            } else {
                "implausible encounter kept out of analysis"
            })
            .detail(json!({"found": added, "resolved": resolved})),
        );
    }
    Ok(!problems.is_empty())
}

/// One open row of the data-quality list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DataQualityRow {
    pub rule: String,
    pub encounter_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub kind: String,
    pub admit_at: String,
    pub discharge_at: Option<String>,
    pub detail: String,
    pub found_at: String,
}

/// The open data-quality list, by rule then encounter (a bare read; callers audit it).
pub fn data_quality_list(
    conn: &crate::store::Reader,
    rule: Option<&str>,
) -> Result<Vec<DataQualityRow>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT q.rule, q.encounter_id, e.visit_number, p.mrn, e.kind, e.admit_at, e.discharge_at, q.detail, q.found_at
         FROM data_quality q JOIN encounters e ON e.id = q.encounter_id JOIN patients p ON p.id = e.patient_id
         WHERE q.resolved_at IS NULL AND (?1 IS NULL OR q.rule = ?1)
         ORDER BY q.rule, q.encounter_id",
    )?;
    let rows = st
        .query_map([rule], |r| {
            Ok(DataQualityRow {
                rule: r.get(0)?,
                encounter_id: r.get(1)?,
                visit_number: r.get(2)?,
                mrn: r.get(3)?,
                kind: r.get(4)?,
                admit_at: r.get(5)?,
                discharge_at: r.get(6)?,
                detail: r.get(7)?,
                found_at: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Encounters kept as history (discharged before the cut-over), for the report's header.
pub fn history_count(conn: &crate::store::Reader) -> Result<i64, CoreError> {
    let floor = day_floor(conn)?;
    if floor.is_empty() {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT COALESCE(sum(n), 0) FROM encounter_daily WHERE day <> '' AND day < ?1",
        [floor],
        |r| r.get(0),
    )?)
}
