//! Latency of [`run_edits`] on a large encounter (25 diagnoses, 10 procedures), facts
//! preloaded, beside a baseline of looking the same 35 codes up in a `HashMap` in the same
//! run. Target: p99 ≤ 1 ms. The encounter is built from real codes of the set in force.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::store::Reader;
use chrono::NaiveDate;
use rusqlite::params;

use super::{DxEntry, EditInput, PxEntry, load_facts, run_edits};
use crate::codes::{CodeSystem, code_set_for};
use crate::domain::EncounterKind;
use crate::error::CoreError;

/// Timings of one [`bench_edits`] run.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EditsBench {
    pub iterations: usize,
    pub diagnoses: usize,
    pub procedures: usize,
    /// Edits produced on the bench encounter (sanity: the rules did run).
    pub edits: usize,
    pub p50: Duration,
    pub p99: Duration,
    /// The same percentiles for 35 `HashMap` look-ups of the codes.
    pub baseline_p50: Duration,
    pub baseline_p99: Duration,
}

const ITERATIONS: usize = 2000;

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// `count` billable codes of `system` spread evenly over the set in force on `day`.
fn spread(
    conn: &Reader,
    system: CodeSystem,
    day: NaiveDate,
    count: usize,
) -> Result<Vec<String>, CoreError> {
    let set = code_set_for(conn, system, day).ok_or_else(|| CoreError::NotFound {
        what: "code set in force for",
        id: format!("{} {day}", system.label()),
    })?;
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM codes WHERE code_set_id = ?1 AND billable = 1",
        [set.0],
        |r| r.get(0),
    )?;
    let step = (total / count.max(1) as i64).max(1);
    let mut st = conn.prepare(
        "SELECT code FROM codes WHERE code_set_id = ?1 AND billable = 1 ORDER BY code LIMIT 1 OFFSET ?2",
    )?;
    let mut out = Vec::with_capacity(count);
    for k in 0..count as i64 {
        out.push(st.query_row(params![set.0, k * step], |r| r.get(0))?);
    }
    Ok(out)
}

/// Time [`run_edits`] against a `HashMap` baseline (see the module doc).
pub fn bench_edits(conn: &Reader) -> Result<EditsBench, CoreError> {
    let day =
        NaiveDate::from_ymd_opt(2026, 3, 15).ok_or_else(|| CoreError::invalid("date", "bad"))?;
    let dx = spread(conn, CodeSystem::Icd10Cm, day, 25)?;
    let px = spread(conn, CodeSystem::Icd10Pcs, day, 10)?;
    let mut dx_entries = dx.iter().map(|c| DxEntry::new(c, Some('Y')));
    let input = EditInput {
        discharge_status: None,
        age_years: 40,
        sex: 'F',
        discharge: day,
        kind: EncounterKind::Inpatient,
        los_days: Some(5),
        principal: dx_entries.next(),
        secondary: dx_entries.collect(),
        procedures: px.iter().map(|c| PxEntry::new(c)).collect(),
    };
    let facts = load_facts(conn, &input)?;
    let edits = run_edits(&input, &facts).len();
    let map: HashMap<&str, usize> = dx
        .iter()
        .chain(&px)
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let keys: Vec<&str> = dx.iter().chain(&px).map(String::as_str).collect();
    let mut runs = Vec::with_capacity(ITERATIONS);
    let mut base = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let t = Instant::now();
        black_box(run_edits(black_box(&input), black_box(&facts)));
        runs.push(t.elapsed());
        let t = Instant::now();
        let mut sum = 0usize;
        for k in black_box(&keys) {
            sum += map.get(k).copied().unwrap_or(0);
        }
        black_box(sum);
        base.push(t.elapsed());
    }
    runs.sort();
    base.sort();
    Ok(EditsBench {
        iterations: ITERATIONS,
        diagnoses: dx.len(),
        procedures: px.len(),
        edits,
        p50: percentile(&runs, 50),
        p99: percentile(&runs, 99),
        baseline_p50: percentile(&base, 50),
        baseline_p99: percentile(&base, 99),
    })
}
