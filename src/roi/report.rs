//! `chartdesk report roi`: the release-of-information metrics of DOMAIN §7 (MET-01, the AoD
//! line, MET-05 for ROI), as a bare read; the caller authorizes it and audits it as a query.
//!
//! Invariants:
//! - The period is `from..=to` in facility-local calendar days. Turnaround, % on time and %
//!   extended are over the requests *released* in the period; turnaround is
//!   `released_at − received_at` in whole days (receipt is day 0).
//! - "Within access days" compares with `received + access_due_days`; "within due" with the
//!   request's due date on the release day (after the extension and any paused hold days,
//!   ROI-01/02).
//! - Holds are the hold periods that *started* in the period, by reason; a hold still open
//!   counts its days up to `as_of`.
//! - Accounting requests are those *received* in the period; "within 60 days" is provided no
//!   later than received + 60 (AOD-05), "within due" no later than the due date after the one
//!   extension.
//! - Requests per specialist: releases (and their pages) by releaser, QA passes by QA user,
//!   requests logged by the user who logged them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;
use serde::Serialize;

use super::clock;
use super::request::{clock_settings, from_row, holds};
use crate::error::CoreError;

/// Turnaround of one requester type.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeTurnaround {
    pub requester_type: String,
    pub released: usize,
    pub mean_days: Option<f64>,
    pub median_days: Option<f64>,
}

/// Holds of one reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HoldRow {
    pub reason: String,
    pub count: usize,
    pub mean_days: Option<f64>,
}

/// Work of one user.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SpecialistRow {
    pub user: String,
    pub logged: usize,
    pub released: usize,
    pub pages: i64,
    pub qa_passed: usize,
}

/// Accounting-of-disclosures requests (DOMAIN §7, AOD-05/06).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AodMetrics {
    pub received: usize,
    pub provided: usize,
    pub provided_within_60_days: usize,
    pub within_60_days_pct: Option<f64>,
    pub provided_within_due: usize,
    pub within_due_pct: Option<f64>,
    pub open_past_due: usize,
    pub active_suspensions: usize,
}

/// The ROI metrics of a period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoiMetrics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    pub access_due_days: u32,
    pub released: usize,
    pub turnaround_mean_days: Option<f64>,
    pub turnaround_median_days: Option<f64>,
    pub by_requester_type: Vec<TypeTurnaround>,
    pub within_access_days: usize,
    pub within_access_days_pct: Option<f64>,
    pub within_due: usize,
    pub within_due_pct: Option<f64>,
    pub extended: usize,
    pub extended_pct: Option<f64>,
    pub holds: Vec<HoldRow>,
    /// Open requests past their due date as of `as_of`.
    pub open_past_due: usize,
    pub aod: AodMetrics,
    pub specialists: Vec<SpecialistRow>,
}

/// Mean and median of day counts; `None` when empty.
pub fn mean_median(days: &[i64]) -> (Option<f64>, Option<f64>) {
    if days.is_empty() {
        return (None, None);
    }
    let mut v = days.to_vec();
    v.sort_unstable();
    let n = v.len();
    let mean = v.iter().sum::<i64>() as f64 / n as f64;
    let median = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    };
    (Some(mean), Some(median))
}

fn pct(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The facility-local date of a stored UTC timestamp (`2026-11-20T12:00:00.000Z`).
fn local_date(utc: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(utc)
        .ok()
        .map(|t| crate::clock::facility_date(t.with_timezone(&Utc)))
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// Compute the metrics of `from..=to`, with open holds and past-due counted as of `as_of`.
pub fn roi_metrics(
    conn: &crate::store::Reader,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Result<RoiMetrics, CoreError> {
    if from > to {
        return Err(CoreError::invalid(
            "from",
            format!("--from {from} is after --to {to}"),
        ));
    }
    let settings = clock_settings(conn)?;
    let mut specialists: BTreeMap<String, SpecialistRow> = BTreeMap::new();
    fn bump<'a>(m: &'a mut BTreeMap<String, SpecialistRow>, u: &str) -> &'a mut SpecialistRow {
        m.entry(u.to_string()).or_insert_with(|| SpecialistRow {
            user: u.to_string(),
            ..SpecialistRow::default()
        })
    }

    // Every request (a department's request volume is small; filtered in Rust by local date).
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM release_requests r JOIN patients p ON p.id = r.patient_id ORDER BY r.id",
        super::request::COLUMNS
    ))?;
    let recs = stmt
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut all_days = Vec::new();
    let mut by_type: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let (mut within_access, mut within_due, mut extended, mut open_past_due) = (0, 0, 0, 0);
    for rec in &recs {
        if (from..=to).contains(&rec.received) {
            bump(&mut specialists, &rec.created_by).logged += 1;
        }
        if rec.status.is_open() {
            let c = super::request::clock_of(conn, rec, as_of)?;
            if c.overdue {
                open_past_due += 1;
            }
        }
        let Some(released) = rec.released_at.as_deref().and_then(local_date) else {
            continue;
        };
        if !(from..=to).contains(&released) {
            continue;
        }
        let days = (released - rec.received).num_days();
        all_days.push(days);
        by_type
            .entry(rec.requester_type.as_str().to_string())
            .or_default()
            .push(days);
        let first = clock::initial_due(rec.received, &settings)
            .map_err(|e| CoreError::invalid("clock", e.to_string()))?;
        if released <= first {
            within_access += 1;
        }
        let hold_periods = holds(conn, rec.id)?;
        let c = clock::status(
            rec.requester_type,
            rec.received,
            &settings,
            rec.extension.as_ref(),
            &hold_periods,
            released,
        )
        .map_err(|e| CoreError::invalid("clock", e.to_string()))?;
        if released <= c.due {
            within_due += 1;
        }
        if rec.extension.is_some() {
            extended += 1;
        }
        if let Some(u) = &rec.released_by {
            let row = bump(&mut specialists, u);
            row.released += 1;
            row.pages += rec.pages.unwrap_or(0);
        }
        if let Some(u) = &rec.qa_user {
            bump(&mut specialists, u).qa_passed += 1;
        }
    }
    let released = all_days.len();
    let (turnaround_mean_days, turnaround_median_days) = mean_median(&all_days);
    let by_requester_type = by_type
        .into_iter()
        .map(|(t, d)| {
            let (mean_days, median_days) = mean_median(&d);
            TypeTurnaround {
                requester_type: t,
                released: d.len(),
                mean_days,
                median_days,
            }
        })
        .collect();

    // Holds that started in the period, by reason.
    let mut stmt = conn.prepare(
        "SELECT reason, from_date, until_date FROM release_holds WHERE from_date BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut hold_days: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for row in rows {
        let (reason, start, until) = row?;
        let Some(start) = day(&start) else { continue };
        let end = until.as_deref().and_then(day).unwrap_or(as_of);
        let reason = if reason.is_empty() {
            "(none)".to_string()
        } else {
            reason
        };
        hold_days
            .entry(reason)
            .or_default()
            .push((end - start).num_days().max(0));
    }
    let holds_rows = hold_days
        .into_iter()
        .map(|(reason, d)| HoldRow {
            reason,
            count: d.len(),
            mean_days: mean_median(&d).0,
        })
        .collect();

    // Accounting requests received in the period.
    let mut stmt = conn.prepare(
        "SELECT received_date, due_date, status, provided_at FROM aod_requests WHERE received_date BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut aod = AodMetrics {
        received: 0,
        provided: 0,
        provided_within_60_days: 0,
        within_60_days_pct: None,
        provided_within_due: 0,
        within_due_pct: None,
        open_past_due: 0,
        active_suspensions: 0,
    };
    for row in rows {
        let (received, due, status, provided_at) = row?;
        let (Some(received), Some(due)) = (day(&received), day(&due)) else {
            continue;
        };
        aod.received += 1;
        match provided_at.as_deref().and_then(local_date) {
            Some(p) if status == "provided" => {
                aod.provided += 1;
                if (p - received).num_days() <= i64::from(super::accounting::AOD_DUE_DAYS) {
                    aod.provided_within_60_days += 1;
                }
                if p <= due {
                    aod.provided_within_due += 1;
                }
            }
            _ => {
                if as_of > due {
                    aod.open_past_due += 1;
                }
            }
        }
    }
    aod.within_60_days_pct = pct(aod.provided_within_60_days, aod.provided);
    aod.within_due_pct = pct(aod.provided_within_due, aod.provided);
    aod.active_suspensions = super::disclosure::suspensions(conn)?
        .iter()
        .filter(|s| s.request_id.is_some() && s.in_force(as_of).unwrap_or(false))
        .count();

    Ok(RoiMetrics {
        from,
        to,
        as_of,
        access_due_days: settings.access_due_days,
        released,
        turnaround_mean_days,
        turnaround_median_days,
        by_requester_type,
        within_access_days: within_access,
        within_access_days_pct: pct(within_access, released),
        within_due,
        within_due_pct: pct(within_due, released),
        extended,
        extended_pct: pct(extended, released),
        holds: holds_rows,
        open_past_due,
        aod,
        specialists: specialists.into_values().collect(),
    })
}

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

fn csv_num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// The metrics as a plain-text table.
pub fn format_table(m: &RoiMetrics) -> String {
    let clean = |s: &str| crate::text::sanitize_line(s).into_owned();
    let mut s = format!(
        "Release of information, {} .. {} (MET-01; open work as of {})\n",
        m.from, m.to, m.as_of
    );
    s += &format!(
        "  released                               {:>6}\n  turnaround (received → released)       mean {} days, median {} days\n",
        m.released,
        num(m.turnaround_mean_days),
        num(m.turnaround_median_days)
    );
    s += &format!(
        "  within {} days of receipt (ROI-01)     {:>6}  {} %\n  within the due date (extension, holds) {:>6}  {} %\n  extended (ROI-01)                      {:>6}  {} %\n  open requests past due                 {:>6}\n\n",
        m.access_due_days,
        m.within_access_days,
        num(m.within_access_days_pct),
        m.within_due,
        num(m.within_due_pct),
        m.extended,
        num(m.extended_pct),
        m.open_past_due
    );
    s += &format!(
        "{:<16} {:>8} {:>10} {:>10}\n",
        "REQUESTER TYPE", "RELEASED", "MEAN DAYS", "MEDIAN"
    );
    for t in &m.by_requester_type {
        s += &format!(
            "{:<16} {:>8} {:>10} {:>10}\n",
            t.requester_type,
            t.released,
            num(t.mean_days),
            num(t.median_days)
        );
    }
    if m.by_requester_type.is_empty() {
        s += "(no releases in the period)\n";
    }
    s += &format!(
        "\n{:<36} {:>6} {:>10}\n",
        "HOLD REASON", "HOLDS", "MEAN DAYS"
    );
    for h in &m.holds {
        s += &format!(
            "{:<36} {:>6} {:>10}\n",
            clean(&h.reason),
            h.count,
            num(h.mean_days)
        );
    }
    if m.holds.is_empty() {
        s += "(no holds started in the period)\n";
    }
    let a = &m.aod;
    s += &format!(
        "\nAccounting of disclosures (AOD-05/06)\n  requests received {}, provided {}\n  provided within 60 days {} ({} %), within the due date {} ({} %)\n  open past due {}; suspensions in force {}\n",
        a.received,
        a.provided,
        a.provided_within_60_days,
        num(a.within_60_days_pct),
        a.provided_within_due,
        num(a.within_due_pct),
        a.open_past_due,
        a.active_suspensions
    );
    s += &format!(
        "\n{:<24} {:>7} {:>9} {:>7} {:>10}\n",
        "SPECIALIST", "LOGGED", "RELEASED", "PAGES", "QA PASSED"
    );
    for r in &m.specialists {
        s += &format!(
            "{:<24} {:>7} {:>9} {:>7} {:>10}\n",
            clean(&r.user).chars().take(24).collect::<String>(),
            r.logged,
            r.released,
            r.pages,
            r.qa_passed
        );
    }
    if m.specialists.is_empty() {
        s += "(no ROI work in the period)\n";
    }
    s
}

/// The metrics as CSV: one `section,name,…` row per figure, the same columns on every row.
pub fn format_csv(m: &RoiMetrics) -> String {
    let mut t = crate::csv_out::Table::new(&[
        "section",
        "name",
        "count",
        "percent",
        "mean_days",
        "median_days",
        "pages",
        "qa_passed",
    ]);
    let mut row = |section: &str,
                   name: &str,
                   count: String,
                   percent: String,
                   mean: String,
                   median: String,
                   pages: String,
                   qa: String| {
        t.row([
            section.to_string(),
            name.to_string(),
            count,
            percent,
            mean,
            median,
            pages,
            qa,
        ]);
    };
    let e = String::new;
    row(
        "turnaround",
        "all",
        m.released.to_string(),
        e(),
        csv_num(m.turnaround_mean_days),
        csv_num(m.turnaround_median_days),
        e(),
        e(),
    );
    for t in &m.by_requester_type {
        row(
            "turnaround",
            &t.requester_type,
            t.released.to_string(),
            e(),
            csv_num(t.mean_days),
            csv_num(t.median_days),
            e(),
            e(),
        );
    }
    row(
        "on_time",
        "within_access_days",
        m.within_access_days.to_string(),
        csv_num(m.within_access_days_pct),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "on_time",
        "within_due",
        m.within_due.to_string(),
        csv_num(m.within_due_pct),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "extended",
        "extended",
        m.extended.to_string(),
        csv_num(m.extended_pct),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "past_due",
        "open",
        m.open_past_due.to_string(),
        e(),
        e(),
        e(),
        e(),
        e(),
    );
    for h in &m.holds {
        row(
            "hold",
            &h.reason,
            h.count.to_string(),
            e(),
            csv_num(h.mean_days),
            e(),
            e(),
            e(),
        );
    }
    let a = &m.aod;
    row(
        "aod",
        "received",
        a.received.to_string(),
        e(),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "aod",
        "provided",
        a.provided.to_string(),
        e(),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "aod",
        "provided_within_60_days",
        a.provided_within_60_days.to_string(),
        csv_num(a.within_60_days_pct),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "aod",
        "provided_within_due",
        a.provided_within_due.to_string(),
        csv_num(a.within_due_pct),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "aod",
        "open_past_due",
        a.open_past_due.to_string(),
        e(),
        e(),
        e(),
        e(),
        e(),
    );
    row(
        "aod",
        "active_suspensions",
        a.active_suspensions.to_string(),
        e(),
        e(),
        e(),
        e(),
        e(),
    );
    for r in &m.specialists {
        row(
            "specialist_released",
            &r.user,
            r.released.to_string(),
            e(),
            e(),
            e(),
            r.pages.to_string(),
            r.qa_passed.to_string(),
        );
        row(
            "specialist_logged",
            &r.user,
            r.logged.to_string(),
            e(),
            e(),
            e(),
            e(),
            e(),
        );
    }
    t.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn met_01_mean_and_median_of_days() {
        assert_eq!(mean_median(&[]), (None, None));
        assert_eq!(mean_median(&[4]), (Some(4.0), Some(4.0)));
        assert_eq!(mean_median(&[10, 2, 3]), (Some(5.0), Some(3.0)));
        assert_eq!(mean_median(&[1, 2, 3, 10]), (Some(4.0), Some(2.5)));
    }
}
