//! `report duplicates`: run the matcher ([`super::duplicates`]) over the patient table with the
//! thresholds from settings, optionally queue the probable duplicates for HIM, and score the
//! result against the generator's injected truth (`gen --duplicates`).
//!
//! Invariants: reading the patient table for matching is an audited read (one Query event
//! with the counts); queueing is one audited transaction.

use std::collections::HashSet;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::duplicates::{self, Found};
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{Reader, Store};

#[derive(Debug, Clone, Default)]
pub struct DupOptions {
    /// List pairs from the review weight up (default: only probable duplicates).
    pub include_review: bool,
    /// Put probable duplicates on the MPI queue.
    pub enqueue: bool,
    /// Score against the generator's injected duplicates.
    pub truth: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    pub injected: usize,
    pub found: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DupReport {
    pub match_weight: f64,
    pub review_weight: f64,
    pub seconds: f64,
    /// Pairs at or above the match weight.
    pub probable: usize,
    /// Extra records (records in probable pairs, less one per group of records that are one
    /// person) / records.
    pub estimated_rate: f64,
    /// MPI-01: records in probable-duplicate pairs ÷ records (AHIMA benchmark: under 1 %).
    pub duplicate_rate: DuplicateRate,
    pub found: Found,
    pub truth: Option<Truth>,
    pub queued: usize,
}

pub fn report(store: &mut Store, actor: &Actor, opts: &DupOptions) -> Result<DupReport, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "report", "duplicates")?;
    let match_weight =
        crate::settings::get_f64(store.conn(), crate::settings::Key::MpiMatchWeight)?;
    let review_weight =
        crate::settings::get_f64(store.conn(), crate::settings::Key::MpiReviewWeight)?
            .min(match_weight);
    let t = Instant::now();
    let people = store.transact_read(actor, |tx, audit| {
        let people = duplicates::load(tx)?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "report", "duplicates")
                .detail(json!({"records": people.len(), "match_weight": match_weight})),
        );
        Ok::<_, CoreError>(people)
    })?;
    let floor = if opts.include_review {
        review_weight
    } else {
        match_weight
    };
    let found = duplicates::find(&people, floor);
    let seconds = t.elapsed().as_secs_f64();
    let probable: Vec<&duplicates::Pair> = found
        .pairs
        .iter()
        .filter(|p| p.weight >= match_weight)
        .collect();
    let estimated_rate = extra_records(&probable) as f64 / found.records.max(1) as f64;
    let duplicate_rate = DuplicateRate::of(found.records, &probable, match_weight);
    // The dashboard's tile shows this figure until the next run (issue #15).
    let computed_at = crate::clock::utc_ts(store.now());
    store.transact(actor, |tx, audit| {
        store_rate(
            tx,
            audit,
            &duplicate_rate,
            &computed_at,
            &format!("{} (report duplicates)", actor.username),
            seconds,
        )
    })?;
    let truth = if opts.truth {
        let mut st = store.conn().prepare(
            "SELECT id, CAST(substr(source_key, 9) AS INTEGER) FROM patients WHERE source = 'gen-dup'",
        )?;
        let injected: HashSet<(i64, i64)> = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|(d, o)| (d.min(o), d.max(o)))
            .collect();
        let tp = probable
            .iter()
            .filter(|p| injected.contains(&(p.a, p.b)))
            .count();
        Some(Truth {
            injected: injected.len(),
            found: probable.len(),
            true_positives: tp,
            precision: tp as f64 / probable.len().max(1) as f64,
            recall: tp as f64 / injected.len().max(1) as f64,
        })
    } else {
        None
    };
    let mut queued = 0;
    if opts.enqueue && !probable.is_empty() {
        let now = crate::audit::utc_ms(store.now());
        queued = store.transact(actor, |tx, audit| {
            let mut n = 0;
            for p in &probable {
                let detail = json!({"agreeing": p.agreeing(), "fields": p.fields});
                if super::queue::enqueue(tx, "duplicate", p.a, p.b, Some(p.weight), &detail, &now)?
                {
                    n += 1;
                }
            }
            audit.record(
                Event::new(Action::Create, Subtype::Create, "mpi_queue", "duplicates")
                    .detail(json!({"added": n, "match_weight": match_weight})),
            );
            Ok::<_, CoreError>(n)
        })?;
    }
    Ok(DupReport {
        match_weight,
        review_weight,
        seconds,
        probable: probable.len(),
        estimated_rate,
        duplicate_rate,
        found,
        truth,
        queued,
    })
}

/// The database's estimated duplicate rate (MPI-01), for the supervisor dashboard and
/// `report duplicates`. Carries no PHI: counts only.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct DuplicateRate {
    /// Patient records not merged away.
    pub records: usize,
    /// Pairs at or above `mpi_match_weight`.
    pub probable_pairs: usize,
    /// Distinct records in those pairs.
    pub records_in_pairs: usize,
    /// Records beyond the first of each group of records the pairs join.
    pub extra_records: usize,
    /// MPI-01: `records_in_pairs / records` (AHIMA benchmark: ≤ 1 %).
    pub rate: f64,
    pub match_weight: f64,
}

impl DuplicateRate {
    fn of(records: usize, probable: &[&duplicates::Pair], match_weight: f64) -> DuplicateRate {
        let distinct: HashSet<i64> = probable.iter().flat_map(|p| [p.a, p.b]).collect();
        DuplicateRate {
            records,
            probable_pairs: probable.len(),
            records_in_pairs: distinct.len(),
            extra_records: extra_records(probable),
            rate: distinct.len() as f64 / records.max(1) as f64,
            match_weight,
        }
    }

    /// Meets the AHIMA benchmark (MPI-01: ≤ 1 %).
    pub fn within_benchmark(&self) -> bool {
        self.rate <= 0.01
    }
}

/// MPI-01: the estimated duplicate rate of the database (records in probable-duplicate pairs
/// ÷ records), running the matcher with the `mpi_match_weight` setting. A bare read of counts
/// (no PHI leaves the function; the caller's view is audited as a report where it shows it).
/// Takes seconds on a large MPI (about 4 s at 330k records): the dashboard should cache it.
pub fn duplicate_rate(conn: &Reader) -> Result<DuplicateRate, CoreError> {
    let match_weight = crate::settings::get_f64(conn, crate::settings::Key::MpiMatchWeight)?;
    let people = duplicates::load(conn)?;
    let found = duplicates::find(&people, match_weight);
    let probable: Vec<&duplicates::Pair> = found.pairs.iter().collect();
    Ok(DuplicateRate::of(found.records, &probable, match_weight))
}

/// Records beyond the first of each group the pairs join (union-find over the pairs).
fn extra_records(pairs: &[&duplicates::Pair]) -> usize {
    let mut parent: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    fn root(parent: &mut std::collections::HashMap<i64, i64>, x: i64) -> i64 {
        let mut r = x;
        while let Some(&p) = parent.get(&r) {
            if p == r {
                break;
            }
            r = p;
        }
        parent.insert(x, r);
        r
    }
    for p in pairs {
        parent.entry(p.a).or_insert(p.a);
        parent.entry(p.b).or_insert(p.b);
        let (ra, rb) = (root(&mut parent, p.a), root(&mut parent, p.b));
        if ra != rb {
            parent.insert(ra.max(rb), ra.min(rb));
        }
    }
    let nodes: Vec<i64> = parent.keys().copied().collect();
    let groups: HashSet<i64> = nodes.into_iter().map(|x| root(&mut parent, x)).collect();
    parent.len() - groups.len()
}

/// The last computed MPI-01 rate, kept for the supervisor dashboard (issue #15): the matcher
/// takes seconds on a large MPI, so the tile shows this row and its age. Written by
/// `report duplicates` and by the dashboard's refresh key ([`refresh_rate`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CachedRate {
    pub rate: DuplicateRate,
    /// Stored UTC text.
    pub computed_at: String,
    /// Who and what computed it ("super (report duplicates)", "super (dashboard)").
    pub computed_by: String,
    pub seconds: f64,
}

const CACHE_NAME: &str = "duplicate_rate";

/// The cached MPI-01 rate, if it was ever computed.
pub fn cached_rate(conn: &Reader) -> Result<Option<CachedRate>, CoreError> {
    use rusqlite::OptionalExtension;
    let row = conn
        .prepare_cached(
            "SELECT value, computed_at, computed_by, seconds FROM dashboard_cache WHERE name = ?1",
        )?
        .query_row([CACHE_NAME], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, f64>(3)?,
            ))
        })
        .optional()?;
    let Some((value, computed_at, computed_by, seconds)) = row else {
        return Ok(None);
    };
    // A row this build cannot read is treated as never computed (the next refresh rewrites it).
    Ok(serde_json::from_str::<DuplicateRate>(&value)
        .ok()
        .map(|rate| CachedRate {
            rate,
            computed_at,
            computed_by,
            seconds,
        }))
}

/// Write the cached rate (counts only, no PHI) with its audit row, in the caller's transaction.
pub fn store_rate(
    tx: &crate::store::Tx<'_>,
    audit: &mut crate::store::AuditBuffer,
    rate: &DuplicateRate,
    computed_at: &str,
    computed_by: &str,
    seconds: f64,
) -> Result<(), CoreError> {
    let value = serde_json::to_string(rate)
        .map_err(|e| CoreError::invalid("duplicate_rate", e.to_string()))?;
    tx.execute(
        "INSERT INTO dashboard_cache(name, value, computed_at, computed_by, seconds)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value, computed_at = excluded.computed_at,
             computed_by = excluded.computed_by, seconds = excluded.seconds",
        rusqlite::params![CACHE_NAME, value, computed_at, computed_by, seconds],
    )?;
    audit.record(
        Event::new(
            Action::Update,
            Subtype::Update,
            "dashboard_cache",
            CACHE_NAME,
        )
        .detail(json!({
            "rate": rate.rate, "records": rate.records, "records_in_pairs": rate.records_in_pairs,
            "computed_by": computed_by, "seconds": seconds
        })),
    );
    Ok(())
}

/// Recompute MPI-01 and cache it (`Perm::Administer`): the matcher's read is audited as the
/// `duplicates` report, the cache write in its own transaction. `what` names the caller
/// ("dashboard"). Takes seconds on a large MPI: the TUI runs it on a worker thread.
pub fn refresh_rate(store: &mut Store, actor: &Actor, what: &str) -> Result<CachedRate, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "report", "duplicates")?;
    let t = Instant::now();
    let rate = store.transact_read(actor, |tx, audit| {
        let rate = duplicate_rate(tx)?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "report", "duplicates").detail(
                json!({"records": rate.records, "match_weight": rate.match_weight, "via": what}),
            ),
        );
        Ok::<_, CoreError>(rate)
    })?;
    let seconds = t.elapsed().as_secs_f64();
    let computed_at = crate::clock::utc_ts(store.now());
    let computed_by = format!("{} ({what})", actor.username);
    store.transact(actor, |tx, audit| {
        store_rate(tx, audit, &rate, &computed_at, &computed_by, seconds)
    })?;
    Ok(CachedRate {
        rate,
        computed_at,
        computed_by,
        seconds,
    })
}
