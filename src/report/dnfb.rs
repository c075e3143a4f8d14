//! DNFB and DNFC (discharged, not final billed / not final coded; DOMAIN §1, §7), in counts,
//! days since discharge, dollars of charges and revenue days beside the COD-22 target.
//!
//! - As of today the counts come from the maintained `encounter_daily` counters (0004) and
//!   the dollars from `encounter_charges_daily` (0024): the dashboard's tile ([`tile`]) reads
//!   no encounter; ages are derived at read time from the stored discharge days.
//! - As of a past date they are recounted from the dates: an encounter is DNFB on day D when
//!   it was discharged by D's end and not final billed by D's end (`final_billed_at`), and
//!   DNFC when also not coded by then (`coded_at`). What happened after D does not count.
//! - Dollars are `total_charges_cents` of those encounters (charges loaded by the feeds; an
//!   encounter without charges adds 0 and is counted in `without_charges`).
//! - Revenue days (HFMA MAP) = DNFB dollars ÷ average daily gross revenue, where the average
//!   is the charges of encounters discharged in the 90 days up to D, ÷ 90. COD-22 target: < 5.
//! - Expected payment (DRG-06, the `dnfb` report only): the DNFB's coded inpatient stays,
//!   each stored code list grouped on read; Σ relative weight × `drg_base_rate`.

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use crate::coding::report::Dnfb;
use crate::error::CoreError;
use crate::store::Reader;

/// COD-22 (HFMA MAP): DNFB below 5 days of average daily gross revenue.
pub const DNFB_TARGET_REVENUE_DAYS: f64 = 5.0;
/// Days of discharges averaged for the average daily gross revenue.
pub const REVENUE_WINDOW_DAYS: i64 = 90;

#[derive(Clone, Debug, Serialize)]
pub struct DnfbReport {
    #[serde(flatten)]
    pub counts: Dnfb,
    /// Charges of the DNFB encounters, in dollars.
    pub dnfb_dollars: f64,
    /// DNFB encounters with no charges loaded (counted, 0 dollars).
    pub without_charges: i64,
    /// Average daily gross revenue over the last 90 days of discharges, in dollars.
    pub average_daily_revenue: f64,
    /// DNFB dollars ÷ average daily revenue; None when there was no revenue.
    pub revenue_days: Option<f64>,
    pub target_revenue_days: f64,
    /// Whether the counts are recounted from dates (a past `as_of`) or from the counters.
    pub recounted: bool,
    /// Expected payment of the coded inpatient DNFB stays (DRG-06); filled by the `dnfb`
    /// report ([`expected_payment`]), not by the dashboard's tile.
    pub expected: Option<ExpectedPayment>,
}

/// Expected payment of coded inpatient stays: each stored code list grouped on read, relative
/// weight × the `drg_base_rate` setting (DRG-06), summed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExpectedPayment {
    /// The `drg_base_rate` used (0: not set, and `dollars` is None).
    pub base_rate: f64,
    /// Stays grouped to a DRG with a weight.
    pub grouped: i64,
    /// Coded stays with no weighted DRG (no principal diagnosis, DRG 998/999, outside v43).
    pub ungrouped: i64,
    /// Σ weight; Σ weight × base rate (None when the rate is not set).
    pub weight_sum: f64,
    pub dollars: Option<f64>,
}

/// Expected payment of the encounters `ids` (inpatient ones are grouped; others skipped).
pub fn expected_payment_of(conn: &Reader, ids: &[i64]) -> Result<ExpectedPayment, CoreError> {
    let base_rate = crate::settings::get_f64(conn, crate::settings::Key::DrgBaseRate)?;
    let exempt = super::outcomes::poa_exempt(conn)?;
    let mut e = ExpectedPayment {
        base_rate,
        ..ExpectedPayment::default()
    };
    for &id in ids {
        match super::outcomes::group_stored(conn, id, exempt)?.and_then(|r| r.weight) {
            Some(w) => {
                e.grouped += 1;
                e.weight_sum += w;
            }
            None => e.ungrouped += 1,
        }
    }
    e.dollars = (base_rate > 0.0).then(|| (e.weight_sum * base_rate * 100.0).round() / 100.0);
    Ok(e)
}

/// Expected payment of the DNFB's coded inpatient stays as of `as_of` (coded by that day's
/// end, not final billed by then, discharged on or after the cut-over floor).
pub fn expected_payment(conn: &Reader, as_of: NaiveDate) -> Result<ExpectedPayment, CoreError> {
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let mut st = conn.prepare(
        "SELECT id FROM encounters
          WHERE kind = 'inpatient' AND discharge_at IS NOT NULL AND discharge_at < ?1 AND discharge_at >= ?2
            AND coded_at IS NOT NULL AND coded_at <= ?1
            AND coding_status IN ('coded','final_billed')
            AND (final_billed_at IS NULL OR final_billed_at > ?1)
          ORDER BY id",
    )?;
    let ids = st
        .query_map(params![day_end(as_of), floor], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    expected_payment_of(conn, &ids)
}

fn day_end(d: NaiveDate) -> String {
    format!("{}~", d.format("%Y-%m-%d"))
}

/// The DNFB dollars of today, the encounters without charges and the revenue window's gross
/// charges, in cents: (DNFB cents, DNFB encounters without charges, revenue cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charges {
    pub dnfb_cents: i64,
    pub without_charges: i64,
    pub revenue_cents: i64,
}

fn window_start(as_of: NaiveDate) -> String {
    (as_of - chrono::Duration::days(REVENUE_WINDOW_DAYS - 1))
        .format("%Y-%m-%d")
        .to_string()
}

/// [`Charges`] as of today (the encounters' current coding status) from the maintained
/// `encounter_charges_daily` counters (migration 0024): a few thousand rows at any size.
/// Equal to [`charges_scan`] (tests/dashboard_figures.rs).
pub fn charges(conn: &Reader, as_of: NaiveDate) -> Result<Charges, CoreError> {
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let day = as_of.format("%Y-%m-%d").to_string();
    let (dnfb_cents, without_charges): (i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(sum(cents), 0), COALESCE(sum(uncharged), 0) FROM encounter_charges_daily
              WHERE coding_status IN ('not_ready','ready','in_progress','on_hold_query','coded')
                AND day <= ?1 AND day >= ?2",
        )?
        .query_row(params![day, floor], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let revenue_cents: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(sum(cents), 0) FROM encounter_charges_daily WHERE day >= ?1 AND day <= ?2",
        )?
        .query_row(params![window_start(as_of), day], |r| r.get(0))?;
    Ok(Charges {
        dnfb_cents,
        without_charges,
        revenue_cents,
    })
}

/// [`charges`] recounted from the encounters (the cross-check; the bench times it bare).
pub fn charges_scan(conn: &Reader, as_of: NaiveDate) -> Result<Charges, CoreError> {
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let end = day_end(as_of);
    let (dnfb_cents, without_charges): (i64, i64) = conn.query_row(
        "SELECT COALESCE(sum(total_charges_cents), 0), sum(total_charges_cents IS NULL) FROM encounters
          WHERE coding_status IN ('not_ready','ready','in_progress','on_hold_query','coded')
            AND discharge_at IS NOT NULL AND discharge_at < ?1 AND discharge_at >= ?2",
        params![end, floor],
        |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0))),
    )?;
    let revenue_cents = revenue_scan(conn, as_of)?;
    Ok(Charges {
        dnfb_cents,
        without_charges,
        revenue_cents,
    })
}

fn revenue_scan(conn: &Reader, as_of: NaiveDate) -> Result<i64, CoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(sum(total_charges_cents), 0) FROM encounters
          WHERE discharge_at >= ?1 AND discharge_at < ?2",
        params![window_start(as_of), day_end(as_of)],
        |r| r.get(0),
    )?)
}

/// The dashboard's DNFB tile as of today: counts and days from `encounter_daily` (0004),
/// dollars and revenue days from `encounter_charges_daily` (0024) — no encounter is read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DnfbTile {
    pub dnfb_count: i64,
    pub dnfb_average_days: f64,
    pub dnfc_count: i64,
    pub dnfc_average_days: f64,
    pub dnfc_over_target: i64,
    pub dnfb_dollars: f64,
    pub without_charges: i64,
    pub average_daily_revenue: f64,
    pub revenue_days: Option<f64>,
}

/// Revenue days (HFMA MAP, COD-22) of DNFB dollars over the window's average daily revenue.
fn revenue_days(dnfb_dollars: f64, average_daily_revenue: f64) -> Option<f64> {
    (average_daily_revenue > 0.0).then(|| dnfb_dollars / average_daily_revenue)
}

pub fn tile(conn: &Reader, today: NaiveDate) -> Result<DnfbTile, CoreError> {
    let (f, _) = crate::coding::report::dnfb_fold(conn, today)?;
    let c = charges(conn, today)?;
    let dnfb_dollars = c.dnfb_cents as f64 / 100.0;
    let average_daily_revenue = c.revenue_cents as f64 / 100.0 / REVENUE_WINDOW_DAYS as f64;
    Ok(DnfbTile {
        dnfb_count: f.dnfb_count,
        dnfb_average_days: f.dnfb_average_days,
        dnfc_count: f.dnfc_count,
        dnfc_average_days: f.dnfc_average_days,
        dnfc_over_target: f.dnfc_over_target,
        dnfb_dollars,
        without_charges: c.without_charges,
        average_daily_revenue,
        revenue_days: revenue_days(dnfb_dollars, average_daily_revenue),
    })
}

pub fn read(conn: &Reader, as_of: NaiveDate, today: NaiveDate) -> Result<DnfbReport, CoreError> {
    let recounted = as_of < today;
    let (counts, c) = if recounted {
        let floor = crate::deficiency::cutover::day_floor(conn)?;
        let (cents, without): (i64, i64) = conn.query_row(
            "SELECT COALESCE(sum(total_charges_cents), 0), sum(total_charges_cents IS NULL) FROM encounters
              WHERE discharge_at IS NOT NULL AND discharge_at < ?1 AND discharge_at >= ?2
                AND (final_billed_at IS NULL OR final_billed_at > ?1)",
            params![day_end(as_of), floor],
            |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0))),
        )?;
        let c = Charges {
            dnfb_cents: cents,
            without_charges: without,
            revenue_cents: charges(conn, as_of)?.revenue_cents,
        };
        (past_counts(conn, as_of)?, c)
    } else {
        (
            crate::coding::report::dnfb(conn, as_of)?,
            charges(conn, as_of)?,
        )
    };
    let dnfb_dollars = c.dnfb_cents as f64 / 100.0;
    let average_daily_revenue = c.revenue_cents as f64 / 100.0 / REVENUE_WINDOW_DAYS as f64;
    Ok(DnfbReport {
        counts,
        dnfb_dollars,
        without_charges: c.without_charges,
        average_daily_revenue,
        revenue_days: revenue_days(dnfb_dollars, average_daily_revenue),
        target_revenue_days: DNFB_TARGET_REVENUE_DAYS,
        recounted,
        expected: None,
    })
}

/// DNFB/DNFC on a past day, from the discharge, coded and final-billed dates.
fn past_counts(conn: &Reader, as_of: NaiveDate) -> Result<Dnfb, CoreError> {
    let target = crate::settings::get_i64(conn, crate::settings::Key::DnfcTargetDays)?;
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let day = as_of.format("%Y-%m-%d").to_string();
    let mut st = conn.prepare(
        "SELECT CASE WHEN coded_at IS NOT NULL AND coded_at <= ?1 THEN 'coded' ELSE 'not_coded' END,
                count(*),
                COALESCE(sum(CAST(julianday(?2) - julianday(substr(discharge_at, 1, 10)) AS INTEGER)), 0),
                max(CAST(julianday(?2) - julianday(substr(discharge_at, 1, 10)) AS INTEGER)),
                sum(julianday(?2) - julianday(substr(discharge_at, 1, 10)) > ?4)
           FROM encounters
          WHERE discharge_at IS NOT NULL AND discharge_at < ?1 AND discharge_at >= ?3
            AND (final_billed_at IS NULL OR final_billed_at > ?1)
          GROUP BY 1 ORDER BY 1",
    )?;
    let rows: Vec<crate::coding::report::StatusRow> = st
        .query_map(params![day_end(as_of), day, floor, target], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, Option<i64>>(4)?.unwrap_or(0),
            ))
        })?
        .collect::<Result<_, _>>()?;
    let f = crate::coding::report::fold_status_rows(rows);
    Ok(Dnfb {
        as_of,
        dnfb_count: f.dnfb_count,
        dnfb_average_days: f.dnfb_average_days,
        dnfc_count: f.dnfc_count,
        dnfc_average_days: f.dnfc_average_days,
        dnfc_over_target: f.dnfc_over_target,
        dnfc_target_days: target,
        by_status: f.by_status,
        turnaround: crate::coding::report::turnaround(
            conn,
            as_of - chrono::Duration::days(30),
            as_of,
        )?,
    })
}
