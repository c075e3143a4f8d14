//! Issue #15 measurement on the big database: every supervisor-dashboard tile
//! (`report::dashboard::read`, the read the screen's worker performs), each tile timed, beside
//! the bare SQL of the heaviest queries on a plain connection, in the same run. Target: the
//! whole dashboard ≤ 100 ms.
//!
//! The database is topped up to one audit row per encounter (the 1M audit rows at 1M
//! encounters; generated like `verify_throughput`'s). The run is measured twice: "cold", with no
//! stored month-end (the delinquency trend recounted at eleven month-ends, as on the first
//! dashboard of a month), and "warm", once `store_missing_month_ends` has stored them (every
//! later read).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::audit::{Action, Actor, Event, Subtype};
use crate::bench::{ms, pass, percentile};
use crate::report::dashboard::{self, Tile};
use crate::store::Store;

const RUNS: usize = 5;

/// The by-provider aggregation behind the aging tile's top providers, as
/// `deficiency::report::by_provider` runs it (same text).
const BY_PROVIDER_SQL: &str = "SELECT d.provider_id, COALESCE((SELECT family_name || ', ' || given_name || ' ' || credentials FROM providers WHERE id = d.provider_id), '(unassigned)'),
                count(*), sum(substr(d.assigned_at, 1, 10) < ?1),
                count(DISTINCT CASE WHEN e.discharge_at < ?2 THEN e.id END),
                (SELECT npi FROM providers WHERE id = d.provider_id)
         FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
         WHERE d.status NOT IN ('completed','waived','void') AND e.discharge_at >= ?3
         GROUP BY d.provider_id ORDER BY 4 DESC, 3 DESC, 2";

/// Add audit rows (document views, 10,000 per transaction) until there are `rows`.
fn top_up_audit(db: &Path, rows: i64) -> Result<()> {
    let mut store = Store::open(db)?;
    let have: i64 =
        store
            .conn()
            .query_row("SELECT COALESCE(max(seq), 0) FROM audit_log", [], |r| {
                r.get(0)
            })?;
    if have >= rows {
        return Ok(());
    }
    let t = Instant::now();
    let actor = Actor::system("bench");
    let mut done = have;
    while done < rows {
        let n = 10_000.min(rows - done);
        store.transact(&actor, |_tx, audit| {
            for i in done..done + n {
                audit.record(
                    Event::new(Action::Read, Subtype::View, "document", i)
                        .patient(&format!("MRN{:07}", i % 50_000))
                        .encounter(i / 3)
                        .detail(
                            serde_json::json!({"doc_type": "11506-3", "bytes": 1200 + i % 700}),
                        ),
                );
            }
            Ok::<_, crate::CoreError>(())
        })?;
        done += n;
    }
    println!(
        "\n[gen] audit log topped up from {have} to {rows} rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// What `runs` reads took: per tile wall and CPU time (sorted per tile), and the whole read's
/// wall and CPU time. CPU time (this process's) says how much of the wall time is the work
/// itself on a loaded machine.
struct Measured {
    tiles: Vec<Vec<Duration>>,
    tiles_cpu: Vec<Vec<Duration>>,
    whole: Vec<Duration>,
    whole_cpu: Vec<Duration>,
}

fn measure(store: &Store, today: chrono::NaiveDate, now: &str, runs: usize) -> Result<Measured> {
    let cpu_time = crate::bench_pdf::cpu_time;
    let mut m = Measured {
        tiles: vec![Vec::new(); Tile::ALL.len()],
        tiles_cpu: vec![Vec::new(); Tile::ALL.len()],
        whole: Vec::new(),
        whole_cpu: Vec::new(),
    };
    for _ in 0..runs {
        let t = Instant::now();
        let c0 = cpu_time();
        let mut last = c0;
        std::hint::black_box(dashboard::read_timed(
            store.conn(),
            today,
            now,
            &mut |tile, d| {
                let c = cpu_time();
                if let Some(i) = Tile::ALL.iter().position(|x| *x == tile) {
                    m.tiles[i].push(d);
                    m.tiles_cpu[i].push(c.saturating_sub(last));
                }
                last = c;
            },
        )?);
        m.whole.push(t.elapsed());
        m.whole_cpu.push(cpu_time().saturating_sub(c0));
    }
    for v in m.tiles.iter_mut().chain(m.tiles_cpu.iter_mut()) {
        v.sort();
    }
    m.whole.sort();
    m.whole_cpu.sort();
    Ok(m)
}

pub fn run(db: &Path) -> Result<()> {
    let encounters: i64 = {
        let store = Store::open(db)?;
        store
            .conn()
            .query_row("SELECT count(*) FROM encounters", [], |r| r.get(0))?
    };
    top_up_audit(db, encounters)?;
    let mut store = Store::open(db)?;
    let today = crate::clock::FacilityClock::read(&store)?.today();
    let now = crate::clock::utc_ts(store.now());
    let count = |store: &Store, sql: &str| -> Result<i64> {
        Ok(store.conn().query_row(sql, [], |r| r.get(0))?)
    };
    println!(
        "\n[15] supervisor dashboard on {} encounters, {} deficiencies, {} audit rows (load average {})",
        count(&store, "SELECT count(*) FROM encounters")?,
        count(&store, "SELECT count(*) FROM deficiencies")?,
        count(&store, "SELECT COALESCE(max(seq), 0) FROM audit_log")?,
        loadavg()
    );
    let actor = Actor::system("bench");
    // Cold: no stored month-end.
    store.transact(&actor, |tx, audit| {
        tx.execute("DELETE FROM dashboard_month_end", [])?;
        audit.record(Event::new(
            Action::Delete,
            Subtype::Delete,
            "dashboard_month_end",
            "bench",
        ));
        Ok::<_, crate::CoreError>(())
    })?;
    let cold = measure(&store, today, &now, 1)?;
    let t = Instant::now();
    let stored = dashboard::store_missing_month_ends(&mut store, &actor, today, &now)?;
    let store_time = t.elapsed();
    let warm = measure(&store, today, &now, RUNS)?;

    let rec_days =
        crate::settings::get_i64(store.conn(), crate::settings::Key::RecordDelinquentDays)?;
    let def_days =
        crate::settings::get_i64(store.conn(), crate::settings::Key::DeficiencyDelinquentDays)?;
    let floor = crate::deficiency::cutover::day_floor(store.conn())?;
    let raw = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let ymd = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut bare_trend: Vec<Duration> = Vec::new();
    let mut bare_provider: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        for d in dashboard::trend_days(today) {
            let cutoff = ymd(d - chrono::Days::new(rec_days.max(0) as u64));
            let end = format!("{}~", ymd(d));
            let n: i64 = raw.query_row(
                dashboard::DELINQUENT_AS_OF_SQL,
                rusqlite::params![cutoff, floor, end],
                |r| r.get(0),
            )?;
            std::hint::black_box(n);
        }
        bare_trend.push(t.elapsed());
        let t = Instant::now();
        let mut st = raw.prepare_cached(BY_PROVIDER_SQL)?;
        let n = st
            .query_map(
                rusqlite::params![
                    ymd(today - chrono::Days::new(def_days.max(0) as u64)),
                    ymd(today - chrono::Days::new(rec_days.max(0) as u64)),
                    floor
                ],
                |r| r.get::<_, i64>(2),
            )?
            .count();
        std::hint::black_box(n);
        bare_provider.push(t.elapsed());
    }
    bare_trend.sort();
    bare_provider.sort();
    println!(
        "    {:<46} {:>9} {:>9} {:>9} {:>9}",
        "tile (warm: month-ends stored)", "cold ms", "p50 ms", "max ms", "CPU p50"
    );
    for (i, tile) in Tile::ALL.iter().enumerate() {
        println!(
            "    {:<46} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            format!("{tile:?}"),
            ms(percentile(&cold.tiles[i], 0.5)),
            ms(percentile(&warm.tiles[i], 0.5)),
            ms(percentile(&warm.tiles[i], 1.0)),
            ms(percentile(&warm.tiles_cpu[i], 0.5))
        );
    }
    println!(
        "    {:<46} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
        "every dashboard tile (report::dashboard::read)",
        ms(percentile(&cold.whole, 0.5)),
        ms(percentile(&warm.whole, 0.5)),
        ms(percentile(&warm.whole, 1.0)),
        ms(percentile(&warm.whole_cpu, 0.5))
    );
    let ours = warm.whole;
    println!(
        "    storing the trend's {} closed month-ends (once a month, or after back-dated data): {:.1} ms",
        stored.len(),
        ms(store_time)
    );
    println!(
        "    bare SQL: delinquency recount at 11 month-ends (cold path)   p50 {:>8.1} ms",
        ms(percentile(&bare_trend, 0.5))
    );
    println!(
        "    bare SQL: open deficiencies by provider (aging tile)          p50 {:>8.1} ms",
        ms(percentile(&bare_provider, 0.5))
    );
    println!(
        "    target ≤ 100 ms for the whole dashboard (warm): {} · load average {}",
        pass(ms(percentile(&ours, 0.5)) <= 100.0),
        loadavg()
    );
    Ok(())
}
