//! Coding reports (DOMAIN §7): DNFB and DNFC counts and ages, held-for-documentation reasons
//! (COD-20), per-coder throughput against the COD-22 targets and edit rates. Bare reads; the
//! caller authorizes and audits them as a query.
//!
//! Invariants:
//! - DNFB ⇔ discharged ∧ coding_status ≠ final_billed; DNFC ⇔ discharged ∧ coding_status ∉
//!   {coded, final_billed} (DOMAIN §1). Counts and day sums come from the maintained
//!   `encounter_daily` counters, so the report stays fast at a million encounters.
//! - Days are whole calendar days from the discharge day to `today` (the day of discharge is
//!   day 0).
//! - Hours worked are the sum of each completed coding session (claim to completion).

use crate::store::Reader;
use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::hold::{HoldPolicy, policy_in_force};
use crate::error::CoreError;
use crate::settings;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusAge {
    pub coding_status: String,
    pub count: i64,
    pub average_days: f64,
    pub max_days: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dnfb {
    pub as_of: NaiveDate,
    pub dnfb_count: i64,
    pub dnfb_average_days: f64,
    pub dnfc_count: i64,
    pub dnfc_average_days: f64,
    /// DNFC encounters older than `dnfc_target_days`.
    pub dnfc_over_target: i64,
    pub dnfc_target_days: i64,
    pub by_status: Vec<StatusAge>,
    /// Discharge → coded for encounters coded in the 30 days up to `as_of` (DOMAIN §7).
    pub turnaround: Turnaround,
}

/// Days from discharge to coding (calendar days, discharge day 0).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Turnaround {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub coded: usize,
    pub mean_days: Option<f64>,
    pub median_days: Option<f64>,
}

/// Discharge → coded for encounters whose `coded_at` falls on `from..=to`.
pub fn turnaround(conn: &Reader, from: NaiveDate, to: NaiveDate) -> Result<Turnaround, CoreError> {
    let lo = from.format("%Y-%m-%d").to_string();
    let hi = (to + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let mut st = conn.prepare(
        "SELECT julianday(substr(coded_at, 1, 10)) - julianday(substr(discharge_at, 1, 10)) FROM encounters
         WHERE coded_at >= ?1 AND coded_at < ?2 AND discharge_at IS NOT NULL",
    )?;
    let mut days: Vec<f64> = st
        .query_map(params![lo, hi], |r| r.get::<_, f64>(0))?
        .collect::<Result<_, _>>()?;
    days.sort_by(f64::total_cmp);
    let n = days.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(days[n / 2]),
        _ => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    Ok(Turnaround {
        from,
        to,
        coded: n,
        mean_days: (n > 0).then(|| days.iter().sum::<f64>() / n as f64),
        median_days: median,
    })
}

/// (coding status, encounters, Σ days since discharge, max days, encounters over the DNFC
/// target) of one coding status: the rows DNFB/DNFC are folded from.
pub(crate) type StatusRow = (String, i64, i64, Option<i64>, i64);

/// DNFB/DNFC totals folded from per-status rows (final-billed rows excluded by the caller).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DnfbFold {
    pub dnfb_count: i64,
    pub dnfb_average_days: f64,
    pub dnfc_count: i64,
    pub dnfc_average_days: f64,
    pub dnfc_over_target: i64,
    pub by_status: Vec<StatusAge>,
}

pub(crate) fn fold_status_rows(rows: Vec<StatusRow>) -> DnfbFold {
    let avg = |days: i64, n: i64| if n > 0 { days as f64 / n as f64 } else { 0.0 };
    let (mut bn, mut bd, mut cn, mut cd, mut over) = (0, 0, 0, 0, 0);
    let mut by_status = Vec::new();
    for (status, n, days, max, late) in rows {
        bn += n;
        bd += days;
        if status != "coded" {
            cn += n;
            cd += days;
            over += late;
        }
        by_status.push(StatusAge {
            coding_status: status,
            count: n,
            average_days: avg(days, n),
            max_days: max.unwrap_or(0),
        });
    }
    DnfbFold {
        dnfb_count: bn,
        dnfb_average_days: avg(bd, bn),
        dnfc_count: cn,
        dnfc_average_days: avg(cd, cn),
        dnfc_over_target: over,
        by_status,
    }
}

/// DNFB/DNFC per coding status as of `today` from the maintained `encounter_daily` counters
/// (days since discharge derived here from the stored discharge days), with the DNFC target.
pub(crate) fn dnfb_fold(conn: &Reader, today: NaiveDate) -> Result<(DnfbFold, i64), CoreError> {
    let day = today.format("%Y-%m-%d").to_string();
    let target = settings::get_i64(conn, crate::settings::Key::DnfcTargetDays)?;
    // History before the cut-over is not counted (issue #13).
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let mut st = conn.prepare_cached(
        "SELECT coding_status, sum(n), sum(n * CAST(julianday(?1) - julianday(day) AS INTEGER)),
                max(CASE WHEN n > 0 THEN CAST(julianday(?1) - julianday(day) AS INTEGER) END),
                sum(CASE WHEN julianday(?1) - julianday(day) > ?2 THEN n ELSE 0 END)
         FROM encounter_daily WHERE day <> '' AND day <= ?1 AND day >= ?3 AND coding_status <> 'final_billed' AND n > 0
         GROUP BY coding_status ORDER BY coding_status",
    )?;
    let rows: Vec<StatusRow> = st
        .query_map(params![day, target, floor], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok((fold_status_rows(rows), target))
}

/// DNFB and DNFC as of `today`.
pub fn dnfb(conn: &Reader, today: NaiveDate) -> Result<Dnfb, CoreError> {
    let (f, target) = dnfb_fold(conn, today)?;
    Ok(Dnfb {
        as_of: today,
        dnfb_count: f.dnfb_count,
        dnfb_average_days: f.dnfb_average_days,
        dnfc_count: f.dnfc_count,
        dnfc_average_days: f.dnfc_average_days,
        dnfc_over_target: f.dnfc_over_target,
        dnfc_target_days: target,
        by_status: f.by_status,
        turnaround: turnaround(conn, today - chrono::Duration::days(30), today)?,
    })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeldReason {
    pub kind: String,
    pub rule: String,
    /// Encounters held by at least one open deficiency of this kind and rule.
    pub encounters: i64,
}

/// Held-for-documentation reasons under the policy in force (COD-20), from the counters of
/// migration 0022 (`dash_hold_reason`: coding-eligible encounters with an open deficiency per
/// kind and rule), the kinds the policy holds on kept. Equal to [`held_reasons_scan`].
pub fn held_reasons(conn: &Reader) -> Result<(HoldPolicy, Vec<HeldReason>), CoreError> {
    let policy = policy_in_force(conn)?;
    let mut st = conn.prepare_cached(
        "SELECT kind, rule, n FROM dash_hold_reason WHERE n > 0 ORDER BY 3 DESC, 1, 2",
    )?;
    let rows = st
        .query_map([], held_row)?
        .filter(|r| r.as_ref().map_or(true, |h| policy.holds(&h.kind)))
        .collect::<Result<_, _>>()?;
    Ok((policy, rows))
}

fn held_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HeldReason> {
    Ok(HeldReason {
        kind: r.get(0)?,
        rule: r.get(1)?,
        encounters: r.get(2)?,
    })
}

/// [`held_reasons`] recounted from the encounters and deficiencies (the cross-check).
pub fn held_reasons_scan(conn: &Reader) -> Result<(HoldPolicy, Vec<HeldReason>), CoreError> {
    let policy = policy_in_force(conn)?;
    let sql = format!(
        "SELECT d.kind, d.rule, count(DISTINCT e.id) FROM encounters e JOIN deficiencies d ON d.encounter_id = e.id
         WHERE e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL
           AND d.status NOT IN ('completed','waived','void') AND {}
         GROUP BY d.kind, d.rule ORDER BY 3 DESC, 1, 2",
        policy.sql_condition()
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map([], held_row)?.collect::<Result<_, _>>()?;
    Ok((policy, rows))
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoderThroughput {
    pub coder: String,
    pub encounters: i64,
    pub inpatient: i64,
    pub outpatient: i64,
    /// Time on task: hours between opening and completing the coding sessions (the
    /// workbench), not productive hours — those are entered (MET-05, `report productivity`).
    pub workbench_hours: f64,
    /// Encounters per workbench hour (None with no time recorded).
    pub per_hour: Option<f64>,
    pub inpatient_per_hour: Option<f64>,
    pub outpatient_per_hour: Option<f64>,
    pub edits_fired: i64,
    pub edits_acknowledged: i64,
    /// Distinct error edits hit while coding (before they were fixed).
    pub error_edits: i64,
    /// Error edits hit per completed encounter.
    pub error_edits_per_encounter: f64,
    /// Warning edits on the completed code lists, per encounter.
    pub edits_per_encounter: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Throughput {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub target_ip_per_hour: f64,
    pub target_op_per_hour: f64,
    pub coders: Vec<CoderThroughput>,
}

/// Completed coding sessions on `from..=to` (UTC days of completion, as [`throughput`]
/// counts them) per coder, split into those completed on `day` and the rest:
/// (coder, completed on `day`, inpatient, other).
pub(crate) fn coded_split(
    conn: &Reader,
    from: NaiveDate,
    to: NaiveDate,
    day: NaiveDate,
) -> Result<Vec<(String, bool, i64, i64)>, CoreError> {
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut st = conn.prepare_cached(
        "SELECT username, completed_at >= ?3 AND completed_at < ?4,
                sum(encounter_kind = 'inpatient'), sum(encounter_kind <> 'inpatient')
         FROM coding_work INDEXED BY coding_work_completed
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let rows = st
        .query_map(
            params![
                ymd(from),
                ymd(to + chrono::Days::new(1)),
                ymd(day),
                ymd(day + chrono::Days::new(1))
            ],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get(2)?, r.get(3)?)),
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Completed coding sessions between `from` and `to` (inclusive), per coder.
pub fn throughput(conn: &Reader, from: NaiveDate, to: NaiveDate) -> Result<Throughput, CoreError> {
    let mut st = conn.prepare(
        "SELECT username, count(*),
                sum(encounter_kind = 'inpatient'), sum(encounter_kind <> 'inpatient'),
                sum((julianday(completed_at) - julianday(started_at)) * 24.0),
                sum(CASE WHEN encounter_kind = 'inpatient' THEN (julianday(completed_at) - julianday(started_at)) * 24.0 ELSE 0 END),
                sum(edits_fired), sum(edits_acknowledged), sum(error_edits)
         FROM coding_work INDEXED BY coding_work_completed
         WHERE completed_at IS NOT NULL AND completed_at >= ?1 AND completed_at < ?2
         GROUP BY username ORDER BY username",
    )?;
    let rate = |n: i64, h: f64| (h > 0.0).then(|| n as f64 / h);
    let coders = st
        .query_map(
            // Completion times are ISO-8601 UTC: from the first day's date up to (not
            // including) the day after the last, the same rows as their date BETWEEN the two.
            params![
                from.format("%Y-%m-%d").to_string(),
                (to + chrono::Days::new(1)).format("%Y-%m-%d").to_string()
            ],
            |r| {
                let n: i64 = r.get(1)?;
                let ip: i64 = r.get(2)?;
                let op: i64 = r.get(3)?;
                let hours: f64 = r.get::<_, Option<f64>>(4)?.unwrap_or(0.0);
                let ip_hours: f64 = r.get::<_, Option<f64>>(5)?.unwrap_or(0.0);
                let fired: i64 = r.get(6)?;
                Ok(CoderThroughput {
                    coder: r.get(0)?,
                    encounters: n,
                    inpatient: ip,
                    outpatient: op,
                    workbench_hours: hours,
                    per_hour: rate(n, hours),
                    inpatient_per_hour: rate(ip, ip_hours),
                    outpatient_per_hour: rate(op, hours - ip_hours),
                    edits_fired: fired,
                    edits_acknowledged: r.get(7)?,
                    error_edits: r.get(8)?,
                    error_edits_per_encounter: if n > 0 {
                        r.get::<_, i64>(8)? as f64 / n as f64
                    } else {
                        0.0
                    },
                    edits_per_encounter: if n > 0 { fired as f64 / n as f64 } else { 0.0 },
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    Ok(Throughput {
        from,
        to,
        target_ip_per_hour: settings::get_f64(conn, crate::settings::Key::TargetIpPerHour)?,
        target_op_per_hour: settings::get_f64(conn, crate::settings::Key::TargetOpPerHour)?,
        coders,
    })
}
