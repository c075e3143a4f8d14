//! Department reports on deficiencies and delinquency (DOMAIN §2.4, §7): open deficiencies by
//! type, by provider and by aging bucket; the delinquency rate; the per-provider letter.
//! Pure reads; the callers audit them as queries.

use crate::store::Reader;
use chrono::{Months, NaiveDate};
use rusqlite::params;
use serde::Serialize;

use super::lifecycle::{BUCKETS, DelinquencyRate, aging_bucket, delinquency_rate};
use super::queue::provider_rows;
use crate::error::CoreError;
use crate::settings;

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Aging bucket edges from the `aging_bucket_edges` setting (DEL-06), default 7,14,30.
pub fn bucket_edges(conn: &Reader) -> Result<[i64; 3], CoreError> {
    let raw = settings::get(conn, crate::settings::Key::AgingBucketEdges)?;
    let v: Vec<i64> = raw
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    match v.as_slice() {
        [a, b, c] if a < b && b < c => Ok([*a, *b, *c]),
        _ => Ok([7, 14, 30]),
    }
}

/// Open deficiencies by kind × aging bucket, from the maintained daily counters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgingRow {
    pub kind: String,
    pub buckets: [i64; 4],
    pub total: i64,
}

pub fn aging_by_kind(conn: &Reader, today: NaiveDate) -> Result<Vec<AgingRow>, CoreError> {
    let edges = bucket_edges(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT kind, day, n FROM deficiency_open_daily WHERE n > 0 ORDER BY kind, day",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    fold_aging(rows, today, edges, false)
}

/// Folds `(kind, day, count)` rows, ordered by kind, into one [`AgingRow`] per kind: each
/// count goes to the aging bucket (DEL-06, `edges`) of its day's age on `today`. With
/// `clamp_negative` an age below zero (a day after `today`) counts as zero days.
pub(crate) fn fold_aging<I>(
    rows: I,
    today: NaiveDate,
    edges: [i64; 3],
    clamp_negative: bool,
) -> Result<Vec<AgingRow>, CoreError>
where
    I: IntoIterator<Item = rusqlite::Result<(String, String, i64)>>,
{
    let mut out: Vec<AgingRow> = Vec::new();
    for row in rows {
        let (kind, day, n) = row?;
        let days = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map(|d| {
                let age = (today - d).num_days();
                if clamp_negative { age.max(0) } else { age }
            })
            .unwrap_or(0);
        let b = BUCKETS
            .iter()
            .position(|x| *x == aging_bucket(days, edges))
            .unwrap_or(0);
        match out.last_mut().filter(|r| r.kind == kind) {
            Some(r) => {
                r.buckets[b] += n;
                r.total += n;
            }
            None => {
                let mut buckets = [0; 4];
                buckets[b] = n;
                out.push(AgingRow {
                    kind,
                    buckets,
                    total: n,
                });
            }
        }
    }
    Ok(out)
}

/// The same counts computed the slow way (a scan of open deficiencies): the baseline the
/// bench compares against, and a cross-check in tests that the counters stay exact.
pub fn aging_by_kind_scan(conn: &Reader, today: NaiveDate) -> Result<Vec<AgingRow>, CoreError> {
    let edges = bucket_edges(conn)?;
    let t = ymd(today);
    let mut stmt = conn.prepare_cached(
        "SELECT kind,
           sum(d <= ?2), sum(d > ?2 AND d <= ?3), sum(d > ?3 AND d <= ?4), sum(d > ?4), count(*)
         FROM (SELECT kind, CAST(julianday(?1) - julianday(substr(assigned_at, 1, 10)) AS INTEGER) AS d
               FROM deficiencies WHERE status NOT IN ('completed','waived','void'))
         GROUP BY kind ORDER BY kind",
    )?;
    let rows = stmt
        .query_map(params![t, edges[0], edges[1], edges[2]], |r| {
            Ok(AgingRow {
                kind: r.get(0)?,
                buckets: [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                total: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProviderRow {
    pub provider_id: Option<i64>,
    pub provider: String,
    /// The provider's NPI: two providers of one name are told apart by it.
    pub npi: Option<String>,
    pub open: i64,
    pub delinquent: i64,
    pub delinquent_records: i64,
}

/// Open and delinquent deficiencies per provider (DEL-02), and the provider's delinquent
/// records (DEL-03), most delinquent first. Summed from the counters of migration 0022
/// (`dash_provider_day`: open deficiencies per provider, discharge day and assigned day;
/// `dash_provider_enc`: encounters with an open deficiency per provider and discharge day),
/// so the read costs the size of those small tables, not of the open deficiencies. Equal to
/// [`by_provider_scan`] (tests/dashboard_figures.rs).
pub fn by_provider(conn: &Reader, today: NaiveDate) -> Result<Vec<ProviderRow>, CoreError> {
    let (def_cut, rec_cut, floor) = provider_cuts(conn, today)?;
    let mut stmt = conn.prepare_cached(
        "WITH d AS (SELECT provider_key, sum(n) AS open, sum(CASE WHEN aday < ?1 THEN n ELSE 0 END) AS late
                      FROM dash_provider_day WHERE dday <> '' AND dday >= ?3 AND n <> 0
                     GROUP BY provider_key),
              r AS (SELECT provider_key, sum(n) AS recs FROM dash_provider_enc
                     WHERE dday <> '' AND dday >= ?3 AND dday < ?2 AND n <> 0 GROUP BY provider_key)
         SELECT NULLIF(d.provider_key, 0),
                COALESCE((SELECT family_name || ', ' || given_name || ' ' || credentials FROM providers WHERE id = d.provider_key), '(unassigned)'),
                d.open, d.late, COALESCE(r.recs, 0),
                (SELECT npi FROM providers WHERE id = d.provider_key)
           FROM d LEFT JOIN r ON r.provider_key = d.provider_key
          WHERE d.open > 0
          ORDER BY 4 DESC, 3 DESC, 2, 1",
    )?;
    let rows = stmt
        .query_map(params![def_cut, rec_cut, floor], provider_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The DEL-02 cutoff (assigned before it: delinquent), the DEL-03 cutoff (discharged before
/// it) and the cut-over floor.
fn provider_cuts(conn: &Reader, today: NaiveDate) -> Result<(String, String, String), CoreError> {
    let def_days = settings::get_i64(conn, crate::settings::Key::DeficiencyDelinquentDays)?;
    let rec_days = settings::get_i64(conn, crate::settings::Key::RecordDelinquentDays)?;
    let def_cut = ymd(today - chrono::Days::new(def_days as u64));
    let rec_cut = ymd(today - chrono::Days::new(rec_days as u64));
    Ok((def_cut, rec_cut, super::cutover::day_floor(conn)?))
}

fn provider_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProviderRow> {
    Ok(ProviderRow {
        provider_id: r.get(0)?,
        provider: r.get::<_, String>(1)?.trim().to_string(),
        open: r.get(2)?,
        delinquent: r.get(3)?,
        delinquent_records: r.get(4)?,
        npi: r.get(5)?,
    })
}

/// [`by_provider`] recounted from the deficiencies themselves (a scan of the open ones): the
/// cross-check that the counters stay exact.
pub fn by_provider_scan(conn: &Reader, today: NaiveDate) -> Result<Vec<ProviderRow>, CoreError> {
    let (def_cut, rec_cut, floor) = provider_cuts(conn, today)?;
    let mut stmt = conn.prepare_cached(
        "SELECT d.provider_id, COALESCE((SELECT family_name || ', ' || given_name || ' ' || credentials FROM providers WHERE id = d.provider_id), '(unassigned)'),
                count(*), sum(substr(d.assigned_at, 1, 10) < ?1),
                count(DISTINCT CASE WHEN e.discharge_at < ?2 THEN e.id END),
                (SELECT npi FROM providers WHERE id = d.provider_id)
         FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
         WHERE d.status NOT IN ('completed','waived','void') AND e.discharge_at >= ?3
         GROUP BY d.provider_id ORDER BY 4 DESC, 3 DESC, 2, 1",
    )?;
    let rows = stmt
        .query_map(params![def_cut, rec_cut, floor], provider_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// DEL-04 at a measurement date: delinquent records (DEL-03) ÷ average monthly discharges of
/// the previous `delinquency_avg_months` months × 100.
pub fn delinquency(conn: &Reader, as_of: NaiveDate) -> Result<DelinquencyRate, CoreError> {
    let p = DelinquencyParams::read(conn, as_of)?;
    // DEL-03 by discharge day from the maintained `encounter_daily` counters (migration
    // 0004): a discharge day is the date part of discharge_at, so `discharge_at < cutoff`
    // is `day < cutoff` and `discharge_at >= floor` is `day >= floor` ('' while in house is
    // below every cutoff and floor and is left out).
    let mut st = conn.prepare_cached(
        "SELECT COALESCE(sum(n), 0) FROM encounter_daily
          WHERE him_status IN ('awaiting_analysis','incomplete') AND day <> '' AND day < ?1 AND day >= ?2",
    )?;
    let delinquent: i64 = st.query_row(params![p.cutoff, p.floor], |r| r.get(0))?;
    let mut st = conn.prepare_cached(
        "SELECT COALESCE(sum(n), 0) FROM encounter_daily
          WHERE day <> '' AND day >= ?1 AND day < ?2 AND day >= ?3",
    )?;
    let discharges: i64 = st.query_row(params![p.from, ymd(as_of), p.floor], |r| r.get(0))?;
    Ok(delinquency_rate(delinquent, discharges, p.months, p.alert))
}

/// The settings and dates DEL-03/DEL-04 as of a day depend on.
struct DelinquencyParams {
    months: i64,
    alert: f64,
    cutoff: String,
    from: String,
    floor: String,
}

impl DelinquencyParams {
    fn read(conn: &Reader, as_of: NaiveDate) -> Result<Self, CoreError> {
        let rec_days = settings::get_i64(conn, crate::settings::Key::RecordDelinquentDays)?;
        let months = settings::get_i64(conn, crate::settings::Key::DelinquencyAvgMonths)?;
        let alert = settings::get_i64(conn, crate::settings::Key::DelinquencyAlertPct)? as f64;
        let from = as_of
            .checked_sub_months(Months::new(months as u32))
            .unwrap_or(as_of);
        Ok(DelinquencyParams {
            months,
            alert,
            // DEL-03 is "today > discharge + N days": discharged before the cutoff date.
            cutoff: ymd(as_of - chrono::Days::new(rec_days as u64)),
            from: ymd(from),
            // History before the cut-over is not counted (issue #13).
            floor: super::cutover::day_floor(conn)?,
        })
    }
}

/// [`delinquency`] recounted from the encounters (the cross-check the counters are tested
/// against): records not DOC_COMPLETE discharged before the cutoff (DEL-03) over the
/// discharges of the averaging months (DEL-04).
pub fn delinquency_scan(conn: &Reader, as_of: NaiveDate) -> Result<DelinquencyRate, CoreError> {
    let p = DelinquencyParams::read(conn, as_of)?;
    let delinquent: i64 = conn.query_row(
        "SELECT count(*) FROM encounters WHERE him_status IN ('awaiting_analysis','incomplete') AND discharge_at < ?1
           AND discharge_at >= ?2",
        [&p.cutoff, &p.floor],
        |r| r.get(0),
    )?;
    let discharges: i64 = conn.query_row(
        "SELECT count(*) FROM encounters WHERE discharge_at >= ?1 AND discharge_at < ?2 AND discharge_at >= ?3",
        params![p.from, ymd(as_of), p.floor],
        |r| r.get(0),
    )?;
    Ok(delinquency_rate(delinquent, discharges, p.months, p.alert))
}

/// The letter a department sends a physician (DEL-07): every chart with what is owed.
pub fn provider_letter(
    conn: &Reader,
    provider_id: i64,
    today: NaiveDate,
    csv: bool,
) -> Result<String, CoreError> {
    let (name, npi): (String, Option<String>) = conn
        .query_row(
            "SELECT trim(given_name || ' ' || family_name || ' ' || credentials), npi FROM providers WHERE id = ?1",
            [provider_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|_| CoreError::NotFound { what: "provider", id: provider_id.to_string() })?;
    let facility = settings::get(conn, crate::settings::Key::FacilityName)?;
    let def_days = settings::get_i64(conn, crate::settings::Key::DeficiencyDelinquentDays)?;
    let mut rows = Vec::new();
    let mut after: Option<(String, i64)> = None;
    loop {
        let page = provider_rows(
            conn,
            provider_id,
            after.as_ref().map(|(a, i)| (a.as_str(), *i)),
            500,
        )?;
        let Some(last) = page.last() else { break };
        after = Some((last.0.assigned_at.clone(), last.0.id));
        rows.extend(page);
    }
    let clean = |s: &str| crate::text::sanitize_line(s).into_owned();
    let age = |assigned: &str| {
        NaiveDate::parse_from_str(assigned.get(..10).unwrap_or(""), "%Y-%m-%d")
            .map(|d| (today - d).num_days())
            .unwrap_or(0)
    };
    if csv {
        let mut t = crate::csv_out::Table::new(&[
            "provider",
            "npi",
            "mrn",
            "patient",
            "visit",
            "discharged",
            "deficiency",
            "document",
            "assigned",
            "age_days",
            "delinquent",
        ]);
        for (d, mrn, patient, visit, discharged) in &rows {
            let a = age(&d.assigned_at);
            t.row([
                name.clone(),
                npi.clone().unwrap_or_default(),
                mrn.clone(),
                patient.clone(),
                visit.clone(),
                discharged.get(..10).unwrap_or("").to_string(),
                d.kind.clone(),
                d.document_id.map(|x| x.to_string()).unwrap_or_default(),
                d.assigned_at.get(..10).unwrap_or("").to_string(),
                a.to_string(),
                (a > def_days).to_string(),
            ]);
        }
        return Ok(t.finish());
    }
    let delinquent = rows
        .iter()
        .filter(|(d, ..)| age(&d.assigned_at) > def_days)
        .count();
    let charts = {
        let mut v: Vec<&str> = rows
            .iter()
            .map(|(_, _, _, visit, _)| visit.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let mut out = format!(
        "{}\nHealth Information Management\n\n{}\n\nDear {} (NPI {}),\n\nOur records show {} incomplete item(s) on {} chart(s) awaiting your \
attention; {} of them are past the {}-day limit of the medical staff rules (DEL-02). Please complete them at your \
earliest convenience. Records must be complete within 30 days of discharge (42 CFR 482.24(c)(4)(viii)).\n\n",
        clean(&facility),
        ymd(today),
        clean(&name),
        npi.as_deref().unwrap_or("unknown"),
        rows.len(),
        charts,
        delinquent,
        def_days
    );
    out += &format!(
        "{:<11} {:<24} {:<10} {:<11} {:<14} {:>5}  {}\n",
        "MRN", "PATIENT", "VISIT", "DISCHARGED", "DEFICIENCY", "DAYS", ""
    );
    for (d, mrn, patient, visit, discharged) in &rows {
        let a = age(&d.assigned_at);
        out += &format!(
            "{:<11} {:<24} {:<10} {:<11} {:<14} {:>5}  {}\n",
            clean(mrn),
            clean(patient).chars().take(24).collect::<String>(),
            clean(visit),
            discharged.get(..10).unwrap_or(""),
            d.kind,
            a,
            if a > def_days { "DELINQUENT" } else { "" }
        );
        // A chart-level MISS_PN names its missing days compactly (REQ-PN policy).
        if d.kind == "MISS_PN"
            && let Some((_, days)) = d.note.split_once(": ")
        {
            out += &format!("            {}\n", clean(days));
        }
    }
    out += "\nThank you,\nHealth Information Management\n";
    Ok(out)
}
