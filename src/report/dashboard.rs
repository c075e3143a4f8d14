//! The supervisor's dashboard (issue #15): every tile's figures in one audited read, for the
//! TUI screen (`tui::supervisor`) and the bench. Each tile names the list behind it
//! ([`Tile`]), which the screen opens in one key.
//!
//! Invariants: every count is of what is true on `as_of` (today); the delinquency trend is the
//! recount as of each month's last day (see `delinquency_as_of`), read from the stored
//! `dashboard_month_end` rows (migration 0018) where they hold for the current settings and
//! recounted otherwise — the figure is the same either way (tests compare them); the tiles
//! read only — the stored months are written by [`store_month_ends`] and the audit row by
//! [`super::run_dashboard`]. The duplicate-rate tile shows the cached MPI-01 figure
//! (`mpi::dup_report::cached_rate`) with its age: the matcher takes seconds.
//! The aging tile's top providers and the coding tile's holds and queue total are sums over
//! the counters of migration 0022 (triggers keep them in every change's transaction), equal
//! to the reports' recounts (`by_provider_scan`, `held_reasons_scan`, `list_total_scan`;
//! tests/dashboard_figures.rs). Today's delinquency (DEL-03/DEL-04) sums `encounter_daily`
//! (0004) and the DNFB tile sums `encounter_daily` and `encounter_charges_daily` (0024):
//! equal to `delinquency_scan` and `dnfb::charges_scan`, tested after every kind of write.

use std::time::{Duration, Instant};

use chrono::{Datelike, Months, NaiveDate};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::coding::report::HeldReason;
use crate::deficiency::lifecycle::{BUCKETS, DelinquencyRate, delinquency_rate};
use crate::deficiency::report::{AgingRow, ProviderRow};
use crate::error::CoreError;
use crate::mpi::dup_report::CachedRate;
use crate::settings;
use crate::store::{Reader, Tx};

/// The dashboard's tiles, in screen order; each opens the list behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Tile {
    Delinquency,
    Aging,
    Dnfb,
    Coding,
    Roi,
    Requests,
    Throughput,
    AuditLog,
    Duplicates,
}

impl Tile {
    pub const ALL: [Tile; 9] = [
        Tile::Delinquency,
        Tile::Aging,
        Tile::Dnfb,
        Tile::Coding,
        Tile::Roi,
        Tile::Requests,
        Tile::Throughput,
        Tile::AuditLog,
        Tile::Duplicates,
    ];
}

/// One month of the delinquency trend.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendPoint {
    pub month: String,
    pub rate_percent: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dashboard {
    pub as_of: NaiveDate,
    pub delinquency: DelinquencyRate,
    /// The last 12 month-ends, oldest first (the current month as of today).
    pub delinquency_trend: Vec<TrendPoint>,
    pub buckets: [&'static str; 4],
    /// Open deficiencies per aging bucket (all types).
    pub aging_totals: [i64; 4],
    pub aging_by_kind: Vec<AgingRow>,
    /// The five providers with the most delinquent deficiencies.
    pub top_providers: Vec<ProviderRow>,
    pub dnfb_count: i64,
    pub dnfb_average_days: f64,
    pub dnfb_dollars: f64,
    pub revenue_days: Option<f64>,
    pub dnfc_count: i64,
    pub dnfc_average_days: f64,
    pub dnfc_over_target: i64,
    /// Discharged encounters ready to code (the coding queue, whole).
    pub coding_backlog: i64,
    pub held_for_documentation: Vec<HeldReason>,
    pub on_hold_query: i64,
    pub queries_past_due: i64,
    pub expired_claims: i64,
    pub pending_waivers: i64,
    /// Open release requests by status.
    pub roi_by_status: Vec<(String, i64)>,
    pub roi_overdue: i64,
    pub roi_due_7_days: i64,
    pub roi_awaiting_qa: i64,
    pub accounting_open: i64,
    pub accounting_overdue: i64,
    pub amendments_open: i64,
    pub amendments_overdue: i64,
    /// Each user's units today and this week against the MET-05 targets, over the hours
    /// they entered (`report productivity`'s figures; none inferred from logins).
    pub throughput: Vec<crate::report::productivity::UserTile>,
    pub audit_rows: i64,
    pub audit_rows_7_days: i64,
    pub audit_rows_prior_7_days: i64,
    /// MPI-01 as last computed (`report duplicates` or the dashboard's key); None: never.
    pub duplicate_rate: Option<CachedRate>,
    /// Minutes between the cached rate's computation and this read.
    pub duplicate_rate_age_minutes: Option<i64>,
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn count(conn: &Reader, sql: &str, p: impl rusqlite::Params) -> Result<i64, CoreError> {
    Ok(conn
        .query_row(sql, p, |r| r.get::<_, Option<i64>>(0))?
        .unwrap_or(0))
}

/// The dashboard's heaviest query: DEL-03 delinquent records as of a past day (?1 the
/// discharge cutoff, ?2 the cut-over floor, ?3 the end of the day). The bench times it bare.
pub const DELINQUENT_AS_OF_SQL: &str = "SELECT count(*) FROM encounters e
  WHERE e.discharge_at < ?1 AND e.discharge_at >= ?2
    AND ((e.analyzed_at IS NULL AND e.him_status = 'awaiting_analysis') OR e.analyzed_at > ?3
         OR EXISTS (SELECT 1 FROM deficiencies x WHERE x.encounter_id = e.id AND x.status <> 'void'
                      AND x.assigned_at < ?3 AND (x.closed_at IS NULL OR x.closed_at > ?3)))";

/// The settings a delinquency recount depends on; a stored month-end is used only while they
/// are the same.
#[derive(Clone, Debug, PartialEq, Eq)]
struct AsOfSettings {
    rec_days: i64,
    months: i64,
    alert: i64,
    floor: String,
}

fn as_of_settings(conn: &Reader) -> Result<AsOfSettings, CoreError> {
    Ok(AsOfSettings {
        rec_days: settings::get_i64(conn, crate::settings::Key::RecordDelinquentDays)?,
        months: settings::get_i64(conn, crate::settings::Key::DelinquencyAvgMonths)?,
        alert: settings::get_i64(conn, crate::settings::Key::DelinquencyAlertPct)?,
        floor: crate::deficiency::cutover::day_floor(conn)?,
    })
}

/// DEL-04 parts as of `d` (delinquent records, discharges), recounted from dates.
fn recount_as_of(conn: &Reader, d: NaiveDate, s: &AsOfSettings) -> Result<(i64, i64), CoreError> {
    let cutoff = ymd(d - chrono::Days::new(s.rec_days.max(0) as u64));
    let end = format!("{}~", ymd(d));
    let delinquent = count(conn, DELINQUENT_AS_OF_SQL, params![cutoff, s.floor, end])?;
    let from = d
        .checked_sub_months(Months::new(s.months as u32))
        .unwrap_or(d);
    // Discharges per day are the maintained `encounter_daily` counters (migration 0004):
    // the same count as `discharge_at >= from AND < d AND >= floor` over the encounters.
    let discharges = count(
        conn,
        "SELECT sum(n) FROM encounter_daily WHERE day <> '' AND day >= ?1 AND day < ?2 AND day >= ?3",
        params![ymd(from), ymd(d), s.floor],
    )?;
    Ok((delinquent, discharges))
}

/// DEL-04 as of a past day, from dates: a record counts as delinquent on `d` when it was
/// discharged more than `record_delinquent_days` before `d` and on `d` it was still awaiting
/// analysis (`analyzed_at` after `d`) or had a deficiency open (assigned by `d`, not closed by
/// `d`). Discharges are those of the months before `d`. Always a recount (never stored rows).
pub fn delinquency_as_of(conn: &Reader, d: NaiveDate) -> Result<DelinquencyRate, CoreError> {
    let s = as_of_settings(conn)?;
    let (delinquent, discharges) = recount_as_of(conn, d, &s)?;
    Ok(delinquency_rate(
        delinquent,
        discharges,
        s.months,
        s.alert as f64,
    ))
}

/// The last day of `d`'s month.
fn month_end(d: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
    first
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

/// The trend's closed months: the last days of the eleven months before `today`'s, oldest
/// first.
pub fn trend_days(today: NaiveDate) -> Vec<NaiveDate> {
    (1..12)
        .rev()
        .map(|back| month_end(today.checked_sub_months(Months::new(back)).unwrap_or(today)))
        .collect()
}

/// The stored figure for month-end `d`, when it was computed under the settings `s`.
fn stored_month_end(
    conn: &Reader,
    d: NaiveDate,
    s: &AsOfSettings,
) -> Result<Option<(i64, i64)>, CoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT delinquent, discharges FROM dashboard_month_end
              WHERE day = ?1 AND record_delinquent_days = ?2 AND avg_months = ?3 AND floor = ?4",
        )?
        .query_row(params![ymd(d), s.rec_days, s.months, s.floor], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// DEL-04 as of month-end `d`: the stored figure when it holds, else the recount. Equal to
/// [`delinquency_as_of`] (the triggers of migration 0018 delete a stored day that back-dated
/// data changes; a settings change makes it not match).
fn month_end_rate(
    conn: &Reader,
    d: NaiveDate,
    s: &AsOfSettings,
) -> Result<DelinquencyRate, CoreError> {
    let (delinquent, discharges) = match stored_month_end(conn, d, s)? {
        Some(v) => v,
        None => recount_as_of(conn, d, s)?,
    };
    Ok(delinquency_rate(
        delinquent,
        discharges,
        s.months,
        s.alert as f64,
    ))
}

/// Store the trend's closed months that are missing or were computed under other settings
/// (in the caller's audited transaction). Returns the month-ends written. Only months before
/// `today`'s are stored: the open month is always counted live.
pub fn store_month_ends(
    tx: &Tx<'_>,
    today: NaiveDate,
    computed_by: &str,
    now_utc: &str,
) -> Result<Vec<String>, CoreError> {
    let s = as_of_settings(tx)?;
    let mut written = Vec::new();
    for d in trend_days(today) {
        if d >= today || stored_month_end(tx, d, &s)?.is_some() {
            continue;
        }
        let (delinquent, discharges) = recount_as_of(tx, d, &s)?;
        tx.execute(
            "INSERT OR REPLACE INTO dashboard_month_end(day, delinquent, discharges,
                 record_delinquent_days, avg_months, floor, computed_at, computed_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                ymd(d),
                delinquent,
                discharges,
                s.rec_days,
                s.months,
                s.floor,
                now_utc,
                computed_by
            ],
        )?;
        written.push(ymd(d));
    }
    Ok(written)
}

/// Whether every closed month of the trend is stored for the current settings.
pub fn month_ends_stored(conn: &Reader, today: NaiveDate) -> Result<bool, CoreError> {
    let s = as_of_settings(conn)?;
    for d in trend_days(today) {
        if d < today && stored_month_end(conn, d, &s)?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Store the trend's closed months when some are missing (the first dashboard of a month,
/// after a settings change or back-dated data): one audited transaction, skipped (one read
/// of eleven rows) when all are stored.
pub fn store_missing_month_ends(
    store: &mut crate::store::Store,
    actor: &crate::audit::Actor,
    today: NaiveDate,
    now_utc: &str,
) -> Result<Vec<String>, CoreError> {
    if month_ends_stored(store.conn(), today)? {
        return Ok(Vec::new());
    }
    let by = format!("{} (dashboard)", actor.username);
    store.transact(actor, |tx, audit| {
        let written = store_month_ends(tx, today, &by, now_utc)?;
        audit.record(
            crate::audit::Event::new(
                crate::audit::Action::Create,
                crate::audit::Subtype::Create,
                "dashboard_month_end",
                "delinquency",
            )
            .detail(serde_json::json!({"days": written})),
        );
        Ok(written)
    })
}

/// All tiles as of `today`; `now_utc` (stored UTC text) decides which claims have expired.
pub fn read(conn: &Reader, today: NaiveDate, now_utc: &str) -> Result<Dashboard, CoreError> {
    read_timed(conn, today, now_utc, &mut |_, _| {})
}

/// [`read`], telling `timed` how long each tile took (the bench's per-tile figures).
pub fn read_timed(
    conn: &Reader,
    today: NaiveDate,
    now_utc: &str,
    timed: &mut dyn FnMut(Tile, Duration),
) -> Result<Dashboard, CoreError> {
    let t = Instant::now();
    let delinquency = crate::deficiency::report::delinquency(conn, today)?;
    let s = as_of_settings(conn)?;
    let mut delinquency_trend = Vec::with_capacity(12);
    for d in trend_days(today) {
        delinquency_trend.push(TrendPoint {
            month: d.format("%Y-%m").to_string(),
            rate_percent: month_end_rate(conn, d, &s)?.rate_percent,
        });
    }
    delinquency_trend.push(TrendPoint {
        month: today.format("%Y-%m").to_string(),
        rate_percent: delinquency.rate_percent,
    });
    timed(Tile::Delinquency, t.elapsed());

    let t = Instant::now();
    let aging_by_kind = crate::deficiency::report::aging_by_kind(conn, today)?;
    let mut aging_totals = [0i64; 4];
    for r in &aging_by_kind {
        for (t, v) in aging_totals.iter_mut().zip(r.buckets) {
            *t += v;
        }
    }
    let mut top_providers = crate::deficiency::report::by_provider(conn, today)?;
    top_providers.truncate(5);
    timed(Tile::Aging, t.elapsed());

    let t = Instant::now();
    let dnfb = super::dnfb::tile(conn, today)?;
    timed(Tile::Dnfb, t.elapsed());

    let t = Instant::now();
    let (policy, held) = crate::coding::report::held_reasons(conn)?;
    let filter = crate::coding::queue::CodingFilter {
        kind: None,
        service: None,
    };
    let coding_backlog = crate::coding::queue::list_total(
        conn,
        policy,
        crate::coding::queue::CodingList::Queue,
        &filter,
    )?;
    let day_end = format!("{}~", ymd(today));
    let on_hold_query = count(
        conn,
        "SELECT count(*) FROM encounters WHERE coding_status = 'on_hold_query'",
        [],
    )?;
    let queries_past_due = count(
        conn,
        "SELECT count(*) FROM coding_queries WHERE status = 'open' AND due_at < ?1",
        [&day_end],
    )?;
    let expired_claims = count(
        conn,
        "SELECT count(*) FROM work_claims WHERE expires_at <= ?1",
        [now_utc],
    )?;
    let pending_waivers = count(
        conn,
        "SELECT count(*) FROM deficiencies WHERE waive_pending = 1 AND status NOT IN ('completed','waived','void')",
        [],
    )?;
    timed(Tile::Coding, t.elapsed());

    let t = Instant::now();
    let open = "('logged','validating','on_hold','in_process','qa_review')";
    let roi_by_status = {
        let mut st = conn.prepare(&format!(
            "SELECT status, count(*) FROM release_requests WHERE status IN {open} GROUP BY status ORDER BY status"
        ))?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<(String, i64)>, _>>()?
    };
    let roi_overdue = count(
        conn,
        &format!("SELECT count(*) FROM release_requests WHERE status IN {open} AND due_at < ?1"),
        [ymd(today)],
    )?;
    let roi_due_7_days = count(
        conn,
        &format!(
            "SELECT count(*) FROM release_requests WHERE status IN {open} AND due_at >= ?1 AND due_at < ?2"
        ),
        params![ymd(today), ymd(today + chrono::Days::new(8))],
    )?;
    let roi_awaiting_qa = count(
        conn,
        "SELECT count(*) FROM release_requests WHERE status = 'qa_review'",
        [],
    )?;
    timed(Tile::Roi, t.elapsed());

    let t = Instant::now();
    let accounting_open = count(
        conn,
        "SELECT count(*) FROM aod_requests WHERE status <> 'provided'",
        [],
    )?;
    let accounting_overdue = count(
        conn,
        "SELECT count(*) FROM aod_requests WHERE status <> 'provided' AND due_date < ?1",
        [ymd(today)],
    )?;
    let amendments_open = count(
        conn,
        "SELECT count(*) FROM amendment_requests WHERE status = 'open'",
        [],
    )?;
    let amendments_overdue = count(
        conn,
        "SELECT count(*) FROM amendment_requests WHERE status = 'open' AND due < ?1",
        [ymd(today)],
    )?;
    timed(Tile::Requests, t.elapsed());

    let t = Instant::now();
    let throughput = crate::report::productivity::throughput_tile(conn, today)?;
    timed(Tile::Throughput, t.elapsed());

    let t = Instant::now();
    let audit_rows = count(conn, "SELECT max(seq) FROM audit_log", [])?;
    let seq_since = |d: NaiveDate| -> Result<i64, CoreError> {
        // The audit log is append-only with a gapless seq in time order: the first seq on or
        // after a day is found by the recorded_at of a binary search over seq.
        first_seq_since(conn, d, audit_rows)
    };
    let s7 = seq_since(today - chrono::Days::new(6))?;
    let s14 = seq_since(today - chrono::Days::new(13))?;
    timed(Tile::AuditLog, t.elapsed());

    let t = Instant::now();
    let duplicate_rate = crate::mpi::dup_report::cached_rate(conn)?;
    let utc = |v: &str| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%SZ").ok();
    let duplicate_rate_age_minutes = duplicate_rate
        .as_ref()
        .and_then(|c| Some((utc(now_utc)? - utc(&c.computed_at)?).num_minutes().max(0)));
    timed(Tile::Duplicates, t.elapsed());
    Ok(Dashboard {
        as_of: today,
        delinquency,
        delinquency_trend,
        buckets: BUCKETS,
        aging_totals,
        aging_by_kind,
        top_providers,
        dnfb_count: dnfb.dnfb_count,
        dnfb_average_days: dnfb.dnfb_average_days,
        dnfb_dollars: dnfb.dnfb_dollars,
        revenue_days: dnfb.revenue_days,
        dnfc_count: dnfb.dnfc_count,
        dnfc_average_days: dnfb.dnfc_average_days,
        dnfc_over_target: dnfb.dnfc_over_target,
        coding_backlog,
        held_for_documentation: held,
        on_hold_query,
        queries_past_due,
        expired_claims,
        pending_waivers,
        roi_by_status,
        roi_overdue,
        roi_due_7_days,
        roi_awaiting_qa,
        accounting_open,
        accounting_overdue,
        amendments_open,
        amendments_overdue,
        throughput,
        audit_rows,
        audit_rows_7_days: audit_rows - s7 + 1,
        audit_rows_prior_7_days: s7 - s14,
        duplicate_rate,
        duplicate_rate_age_minutes,
    })
}

/// The first audit seq recorded on or after day `d` (facility days compared as UTC text
/// prefixes; one day either way does not change a growth tile), by binary search on the
/// primary key: about 20 point reads at a million rows.
fn first_seq_since(conn: &Reader, d: NaiveDate, max: i64) -> Result<i64, CoreError> {
    let day = ymd(d);
    let (mut lo, mut hi) = (1i64, max + 1);
    let mut st = conn.prepare_cached("SELECT recorded_at FROM audit_log WHERE seq = ?1")?;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at: String = st.query_row([mid], |r| r.get(0))?;
        if at.as_str() < day.as_str() {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// A technician's waiver waiting for a supervisor (DEF-03): the dashboard's worklist row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PendingWaiver {
    pub id: i64,
    pub encounter_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub kind: String,
    pub provider: String,
    pub waive_reason: String,
    pub note: String,
}

/// Pending waivers, oldest assignment first (at most `limit`), and how many there are.
pub fn pending_waivers(
    conn: &Reader,
    limit: usize,
) -> Result<(Vec<PendingWaiver>, i64), CoreError> {
    let total = count(
        conn,
        "SELECT count(*) FROM deficiencies WHERE waive_pending = 1 AND status NOT IN ('completed','waived','void')",
        [],
    )?;
    let mut st = conn.prepare(
        "SELECT d.id, d.encounter_id, e.visit_number, p.mrn, d.kind,
                COALESCE((SELECT family_name || ', ' || given_name FROM providers WHERE id = d.provider_id), ''),
                COALESCE(d.waive_reason, ''), d.note
           FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id JOIN patients p ON p.id = e.patient_id
          WHERE d.waive_pending = 1 AND d.status NOT IN ('completed','waived','void')
          ORDER BY d.assigned_at, d.id LIMIT ?1",
    )?;
    let rows = st
        .query_map([limit as i64], |r| {
            Ok(PendingWaiver {
                id: r.get(0)?,
                encounter_id: r.get(1)?,
                visit_number: r.get(2)?,
                mrn: r.get(3)?,
                kind: r.get(4)?,
                provider: r.get(5)?,
                waive_reason: r.get(6)?,
                note: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}
