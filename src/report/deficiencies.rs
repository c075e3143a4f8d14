//! Open deficiencies by type × aging bucket and by provider (DOMAIN §2.4, DEL-02, DEL-06).
//!
//! As of today the counts come from the maintained daily counters. As of a past date they
//! are recounted from the deficiencies themselves: a deficiency counts when it was assigned on
//! or before that date and not closed by its end, aged from its assignment day (so no age is
//! ever negative, and later assignments are not counted).

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use crate::deficiency::lifecycle::BUCKETS;
use crate::deficiency::report::{AgingRow, ProviderRow, bucket_edges, fold_aging};
use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct DeficiencyAging {
    pub as_of: NaiveDate,
    pub buckets: [&'static str; 4],
    pub by_kind_and_age: Vec<AgingRow>,
    pub by_provider: Vec<ProviderRow>,
    /// Open deficiencies in all (the sum of `by_kind_and_age`).
    pub total: i64,
}

pub fn read(
    conn: &Reader,
    as_of: NaiveDate,
    today: NaiveDate,
) -> Result<DeficiencyAging, CoreError> {
    let (by_kind_and_age, by_provider) = if as_of >= today {
        (
            crate::deficiency::report::aging_by_kind(conn, as_of)?,
            crate::deficiency::report::by_provider(conn, as_of)?,
        )
    } else {
        (aging_as_of(conn, as_of)?, providers_as_of(conn, as_of)?)
    };
    let total = by_kind_and_age.iter().map(|r| r.total).sum();
    Ok(DeficiencyAging {
        as_of,
        buckets: BUCKETS,
        by_kind_and_age,
        by_provider,
        total,
    })
}

/// The end of a facility day as stored text (`YYYY-MM-DD` + anything sorts below `~`).
fn day_end(d: NaiveDate) -> String {
    format!("{}~", d.format("%Y-%m-%d"))
}

/// Open on `as_of`: assigned by its end, not closed by its end (void never counted).
const OPEN_AS_OF: &str = "substr(d.assigned_at, 1, 10) <= substr(?1, 1, 10)
    AND d.status <> 'void'
    AND (d.closed_at IS NULL OR d.closed_at > ?1)";

fn aging_as_of(conn: &Reader, as_of: NaiveDate) -> Result<Vec<AgingRow>, CoreError> {
    let edges = bucket_edges(conn)?;
    let mut st = conn.prepare(&format!(
        "SELECT d.kind, substr(d.assigned_at, 1, 10), count(*) FROM deficiencies d
          WHERE {OPEN_AS_OF} GROUP BY 1, 2 ORDER BY 1, 2"
    ))?;
    let rows = st.query_map([day_end(as_of)], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    fold_aging(rows, as_of, edges, true)
}

fn providers_as_of(conn: &Reader, as_of: NaiveDate) -> Result<Vec<ProviderRow>, CoreError> {
    let def_days = crate::settings::get_i64(conn, crate::settings::Key::DeficiencyDelinquentDays)?;
    let rec_days = crate::settings::get_i64(conn, crate::settings::Key::RecordDelinquentDays)?;
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let def_cut = ymd(as_of - chrono::Days::new(def_days.max(0) as u64));
    let rec_cut = ymd(as_of - chrono::Days::new(rec_days.max(0) as u64));
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let mut st = conn.prepare(&format!(
        "SELECT d.provider_id, COALESCE((SELECT family_name || ', ' || given_name || ' ' || credentials FROM providers WHERE id = d.provider_id), '(unassigned)'),
                count(*), sum(substr(d.assigned_at, 1, 10) < ?2),
                count(DISTINCT CASE WHEN e.discharge_at < ?3 THEN e.id END),
                (SELECT npi FROM providers WHERE id = d.provider_id)
         FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
         WHERE {OPEN_AS_OF} AND e.discharge_at >= ?4
         GROUP BY d.provider_id ORDER BY 4 DESC, 3 DESC, 2"
    ))?;
    let rows = st
        .query_map(params![day_end(as_of), def_cut, rec_cut, floor], |r| {
            Ok(ProviderRow {
                provider_id: r.get(0)?,
                provider: r.get::<_, String>(1)?.trim().to_string(),
                open: r.get(2)?,
                delinquent: r.get(3)?,
                delinquent_records: r.get(4)?,
                npi: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
