//! `chartdesk selftest [--long]`: one command that proves the store's trust properties on a
//! scratch database and prints one line per property with its figure (issue 17).
//!
//! Invariants:
//! - Everything runs in a fresh temporary directory; the user's database is never touched.
//! - Every write goes through [`Store::transact`] with its audit row: the probe action inserts
//!   one row into the scratch `selftest_probe` table (created by an audited setup action).
//! - A property passes only on a measured figure; a property that cannot be measured here
//!   (no `strace`, say) is reported `SKIP` with the reason, never `PASS`.
//! - Child processes (kill-anywhere, many writers, syncs) are this same binary run as
//!   `chartdesk selftest-child`, which prints `ACK <id>` after each commit returns.

mod diskfull;
mod hostile;
pub mod powerloss;
mod procs;
mod tamper;

use std::path::{Path, PathBuf};

use crate::CoreError;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::store::{Store, StoreError};

/// How much to run: the short form for CI (well under a minute), the long form for the figures.
#[derive(Clone, Debug)]
pub struct SelftestOptions {
    pub long: bool,
    /// The chartdesk binary to run as children.
    pub exe: PathBuf,
    /// Seed of the random kill times and hostile inputs (printed, so a failure can be re-run).
    pub seed: u64,
    /// Run only properties whose name contains one of these (empty = all).
    pub only: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        }
    }
}

/// One property's line.
#[derive(Clone, Debug)]
pub struct PropertyResult {
    pub name: &'static str,
    pub verdict: Verdict,
    pub figure: String,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum SelftestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

impl From<rusqlite::Error> for SelftestError {
    fn from(e: rusqlite::Error) -> SelftestError {
        SelftestError::Store(StoreError::Sql(e))
    }
}

type Property = (
    &'static str,
    fn(&SelftestOptions, &Path) -> Result<(Verdict, String), SelftestError>,
);

/// The properties, most valuable first.
const PROPERTIES: &[Property] = &[
    ("tamper", tamper::run),
    ("kill-anywhere", procs::kill_anywhere),
    ("many writers", procs::many_writers),
    ("commit really syncs", procs::commit_syncs),
    ("disk full", diskfull::run),
    ("hostile input", hostile::run),
    ("power loss", powerloss::run),
];

/// Run every property (or those in `opts.only`), calling `each` as each finishes.
pub fn run(
    opts: &SelftestOptions,
    each: &mut dyn FnMut(&PropertyResult),
) -> Result<Vec<PropertyResult>, SelftestError> {
    let mut out = Vec::new();
    for (name, f) in PROPERTIES {
        if !opts.only.is_empty() && !opts.only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        let dir = tempfile::Builder::new()
            .prefix("chartdesk-selftest-")
            .tempdir()?;
        let t = std::time::Instant::now();
        let (verdict, figure) = match f(opts, dir.path()) {
            Ok(r) => r,
            Err(e) => (Verdict::Fail, format!("could not run: {e}")),
        };
        let r = PropertyResult {
            name,
            verdict,
            figure,
            seconds: t.elapsed().as_secs_f64(),
        };
        each(&r);
        out.push(r);
    }
    Ok(out)
}

/// The scratch table the probe action writes.
pub const PROBE_TABLE: &str = "selftest_probe";

/// A fresh scratch database with the probe table, created by an audited action.
pub fn setup_probe(db: &Path) -> Result<Store, SelftestError> {
    let mut store = Store::open_or_create(db)?;
    store.transact(&Actor::system("selftest"), |tx, a| {
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS selftest_probe (
                 id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, payload TEXT NOT NULL
             ) STRICT;",
        )?;
        a.record(Event::new(
            Action::Execute,
            Subtype::Create,
            "database",
            "selftest setup",
        ));
        Ok::<_, CoreError>(())
    })?;
    Ok(store)
}

/// The probe action: insert row `id` with its audit row, in one transaction.
pub fn probe_action(store: &mut Store, id: i64, payload: &str) -> Result<(), CoreError> {
    store.transact(&Actor::system("selftest"), |tx, a| {
        tx.prepare_cached("INSERT INTO selftest_probe(id, pid, payload) VALUES (?1, ?2, ?3)")?
            .execute(rusqlite::params![id, std::process::id(), payload])?;
        a.record(Event::new(Action::Create, Subtype::Create, PROBE_TABLE, id));
        Ok::<_, CoreError>(())
    })
}

/// A small deterministic generator (xorshift64*), so a run is repeatable from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The file-system checks after a crash or a storm: integrity, the whole chain, and that the
/// probe rows and their audit rows are the same set. Returns (probe ids, problems).
fn consistency(db: &Path) -> Result<(std::collections::BTreeSet<i64>, Vec<String>), SelftestError> {
    let ro = crate::store::open_read_only(db)?;
    let mut problems = Vec::new();
    let report = crate::audit::verify_with(
        &ro.conn,
        &crate::audit::VerifyOptions {
            integrity_check: true,
            ..Default::default()
        },
    )?;
    if let Some(p) = &report.problem {
        problems.push(format!("verify: {p}"));
    }
    let forks: i64 = ro.conn.query_row(
        "SELECT count(*) - count(DISTINCT prev_hash) FROM audit_log",
        [],
        |r| r.get(0),
    )?;
    if forks != 0 {
        problems.push(format!("{forks} forks"));
    }
    let rows: std::collections::BTreeSet<i64> = ro
        .conn
        .prepare("SELECT id FROM selftest_probe")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let audited: std::collections::BTreeSet<i64> = ro
        .conn
        .prepare(
            "SELECT CAST(entity_id AS INTEGER) FROM audit_log WHERE entity_type = 'selftest_probe'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let unaudited = rows.difference(&audited).count();
    let phantom = audited.difference(&rows).count();
    if unaudited > 0 {
        problems.push(format!("{unaudited} changes without their audit row"));
    }
    if phantom > 0 {
        problems.push(format!("{phantom} audit rows without their change"));
    }
    Ok((rows, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consistency_flags_a_change_without_its_audit_row_and_an_orphan_audit_row() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        let mut store = setup_probe(&db).unwrap();
        probe_action(&mut store, 1, "ok").unwrap();
        drop(store);
        assert!(consistency(&db).unwrap().1.is_empty());
        // A write that bypassed the audited path.
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute(
                "INSERT INTO selftest_probe(id, pid, payload) VALUES (2, 0, 'sneaky')",
                [],
            )
            .unwrap();
        let (rows, problems) = consistency(&db).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            problems,
            vec!["1 changes without their audit row".to_string()]
        );
    }

    #[test]
    fn rng_is_repeatable_from_its_seed() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(9), |r, _| Some(r.below(100)))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(9), |r, _| Some(r.below(100)))
            .collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|v| *v < 100));
    }
}
