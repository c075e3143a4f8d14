//! Search latency per keystroke, beside a plain linear scan measured in the same run on the
//! same index (called by `chartdesk bench`). Target: p99 ≤ 5 ms per keystroke over CM + PCS.
//!
//! Invariant: both methods must return the same hits for every keystroke; a disagreement is
//! counted and reported (it would be a bug in the index).

use std::io::Write;
use std::time::{Duration, Instant};

use crate::store::Reader;

use super::search::{CodeIndex, search};
use crate::error::CoreError;

/// What a user types, one keystroke at a time.
pub const PHRASES: &[&str] = &["diab", "type 2 diab", "E11.6", "0DTJ", "fracture femur"];
/// Hits kept per search (a picker's visible list).
const LIMIT: usize = 20;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SearchBench {
    pub entries: usize,
    pub vocabulary: usize,
    pub build: Duration,
    pub keystrokes: usize,
    pub index_p50: Duration,
    pub index_p99: Duration,
    pub index_max: Duration,
    pub scan_p50: Duration,
    pub scan_p99: Duration,
    pub mismatches: usize,
    /// The keystroke with the highest median index search time, and that median.
    pub slowest: (String, Duration),
    /// The picker search (synonyms, word forms, relaxation; [`super::smart_search`]) per
    /// keystroke of [`PICKER_PHRASES`].
    pub picker_keystrokes: usize,
    pub picker_p50: Duration,
    pub picker_p99: Duration,
    /// The workbench picker ([`super::prefs::ranked_search`], 50 hits) with a full boost:
    /// [`super::prefs::FREQUENT_CODES`] frequent, [`super::prefs::RECENT_CODES`] recent and
    /// 20 favourite codes, over the same keystrokes.
    pub ranked_p50: Duration,
    pub ranked_p99: Duration,
}

/// Physician phrases typed into the picker, one keystroke at a time.
pub const PICKER_PHRASES: &[&str] = &[
    "acute calculous cholecystitis",
    "chf exacerbation",
    "t2dm hyperglycemia",
    "lap chole",
    "afib with rvr",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn keystrokes() -> Vec<String> {
    PHRASES
        .iter()
        .flat_map(|p| {
            (1..=p.len())
                .filter(|&n| p.is_char_boundary(n))
                .map(|n| p[..n].to_string())
        })
        .collect()
}

/// Build the index from the newest loaded code sets, then time every keystroke prefix of
/// [`PHRASES`] `rounds` times with the index and `scan_rounds` times with the linear scan.
pub fn bench(
    conn: &Reader,
    rounds: usize,
    scan_rounds: usize,
    out: &mut dyn Write,
) -> Result<SearchBench, CoreError> {
    let t = Instant::now();
    let index = CodeIndex::build(conn, None)?;
    let build = t.elapsed();
    if index.is_empty() {
        return Err(CoreError::invalid(
            "code sets",
            "none loaded (run `chartdesk init` first)",
        ));
    }
    let keys = keystrokes();
    let mut idx = Vec::new();
    let mut scan = Vec::new();
    let mut mismatches = 0;
    let mut per_key: Vec<Vec<Duration>> = vec![Vec::new(); keys.len()];
    for round in 0..rounds.max(scan_rounds).max(1) {
        for (ki, k) in keys.iter().enumerate() {
            let mut fast = None;
            if round < rounds.max(1) {
                let t = Instant::now();
                fast = Some(search(&index, k, LIMIT));
                let took = t.elapsed();
                per_key[ki].push(took);
                idx.push(took);
            }
            if round < scan_rounds {
                let t = Instant::now();
                let slow = index.linear_scan(k, LIMIT);
                scan.push(t.elapsed());
                if fast.is_some_and(|f| f != slow) {
                    mismatches += 1;
                }
            }
        }
    }
    idx.sort_unstable();
    let mut slowest = (String::new(), Duration::ZERO);
    for (k, mut times) in keys.iter().zip(per_key) {
        times.sort_unstable();
        let median = percentile(&times, 0.5);
        if median > slowest.1 {
            slowest = (k.clone(), median);
        }
    }
    scan.sort_unstable();
    let table = super::synonyms::embedded();
    let picker_keys: Vec<String> = PICKER_PHRASES
        .iter()
        .flat_map(|p| (1..=p.len()).map(|n| p[..n].to_string()))
        .collect();
    let mut picker = Vec::new();
    for _ in 0..rounds.max(1) {
        for k in &picker_keys {
            let t = Instant::now();
            std::hint::black_box(super::smart_search(&index, table, k, LIMIT));
            picker.push(t.elapsed());
        }
    }
    picker.sort_unstable();
    let boost = bench_boost(&index);
    let mut ranked = Vec::new();
    for _ in 0..rounds.max(1) {
        for k in &picker_keys {
            let t = Instant::now();
            std::hint::black_box(super::prefs::ranked_search(&index, table, &boost, k, 50));
            ranked.push(t.elapsed());
        }
    }
    ranked.sort_unstable();
    let r = SearchBench {
        ranked_p50: percentile(&ranked, 0.50),
        ranked_p99: percentile(&ranked, 0.99),
        picker_keystrokes: picker_keys.len(),
        picker_p50: percentile(&picker, 0.50),
        picker_p99: percentile(&picker, 0.99),
        entries: index.len(),
        vocabulary: index.vocabulary_len(),
        build,
        keystrokes: keys.len(),
        index_p50: percentile(&idx, 0.50),
        index_p99: percentile(&idx, 0.99),
        index_max: idx.last().copied().unwrap_or_default(),
        scan_p50: percentile(&scan, 0.50),
        scan_p99: percentile(&scan, 0.99),
        mismatches,
        slowest,
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let w = |e: std::io::Error| CoreError::invalid("bench output", e.to_string());
    writeln!(
        out,
        "code search: {} codes (FY{}), {} words, index built in {:.0} ms",
        r.entries,
        index.fiscal_year(),
        r.vocabulary,
        ms(r.build)
    )
    .map_err(w)?;
    writeln!(
        out,
        "  per keystroke ({} keystrokes of {:?}, top {LIMIT}):",
        r.keystrokes, PHRASES
    )
    .map_err(w)?;
    writeln!(
        out,
        "    index        p50 {:7.3} ms  p99 {:7.3} ms  max {:7.3} ms  (target p99 <= 5 ms)",
        ms(r.index_p50),
        ms(r.index_p99),
        ms(r.index_max)
    )
    .map_err(w)?;
    writeln!(
        out,
        "    linear scan  p50 {:7.3} ms  p99 {:7.3} ms  (baseline, same run)",
        ms(r.scan_p50),
        ms(r.scan_p99)
    )
    .map_err(w)?;
    writeln!(
        out,
        "    slowest keystroke {:?}: median {:.3} ms; result mismatches index vs scan: {}",
        r.slowest.0,
        ms(r.slowest.1),
        r.mismatches
    )
    .map_err(w)?;
    writeln!(
        out,
        "    picker       p50 {:7.3} ms  p99 {:7.3} ms  ({} keystrokes of {:?}; synonyms, stems; target p99 <= 5 ms)",
        ms(r.picker_p50),
        ms(r.picker_p99),
        r.picker_keystrokes,
        PICKER_PHRASES
    )
    .map_err(w)?;
    writeln!(
        out,
        "    ranked       p50 {:7.3} ms  p99 {:7.3} ms  (workbench picker, 50 hits, boost of {} codes; target p99 <= 5 ms)",
        ms(r.ranked_p50),
        ms(r.ranked_p99),
        super::prefs::FREQUENT_CODES + super::prefs::RECENT_CODES + 20
    )
    .map_err(w)?;
    Ok(r)
}

/// A full-size boost over codes the picker phrases meet (the worst case: every boosted code
/// is a candidate to check): frequent, recent and favourite codes from common searches.
fn bench_boost(index: &CodeIndex) -> super::prefs::Boost {
    use super::prefs::{Boost, FREQUENT_CODES, RECENT_CODES};
    let mut codes: Vec<(super::CodeSystem, String)> = Vec::new();
    for w in [
        "heart",
        "diabetes",
        "fracture",
        "pneumonia",
        "kidney",
        "chole",
        "atrial",
    ] {
        for h in search(index, w, 200) {
            if h.billable && !codes.iter().any(|(s, c)| *s == h.system && *c == h.code) {
                codes.push((h.system, h.code));
            }
        }
    }
    let n = codes.len();
    let frequent = codes
        .iter()
        .take(FREQUENT_CODES)
        .enumerate()
        .map(|(i, (s, c))| (*s, c.clone(), (FREQUENT_CODES - i) as u64))
        .collect();
    let recent = codes.iter().rev().take(RECENT_CODES).cloned().collect();
    let favourites = codes.iter().skip(n / 2).take(20).cloned().collect();
    Boost::new(favourites, recent, frequent)
}
