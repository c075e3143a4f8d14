//! Issue #15 measurement on the big database: every supervisor-dashboard tile
//! (`report::dashboard::read`, the read the screen performs) against the bare SQL of its
//! heaviest query (the delinquency-as-of recount behind the 12-month trend, run for the same
//! eleven month-ends) on a plain connection, in the same run. Target: the whole dashboard
//! ≤ 100 ms.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{Datelike, Months, NaiveDate};

use crate::bench::{ms, pass, percentile};
use crate::report::dashboard;
use crate::store::Store;

const RUNS: usize = 5;

fn month_ends(today: NaiveDate) -> Vec<NaiveDate> {
    (1..12)
        .rev()
        .filter_map(|back| {
            let d = today.checked_sub_months(Months::new(back))?;
            NaiveDate::from_ymd_opt(d.year(), d.month(), 1)?
                .checked_add_months(Months::new(1))?
                .pred_opt()
        })
        .collect()
}

pub fn run(db: &Path) -> Result<()> {
    let store = Store::open(db)?;
    let conn = store.conn();
    let today = crate::clock::FacilityClock::read(&store)?.today();
    let now = crate::clock::utc_ts(store.now());
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    println!(
        "\n[15] supervisor dashboard on {} encounters, {} deficiencies, {} audit rows",
        count("SELECT count(*) FROM encounters")?,
        count("SELECT count(*) FROM deficiencies")?,
        count("SELECT COALESCE(max(seq), 0) FROM audit_log")?
    );
    let mut ours: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(dashboard::read(conn, today, &now)?);
        ours.push(t.elapsed());
    }
    ours.sort();
    let rec_days = crate::settings::get_i64(conn, crate::settings::Key::RecordDelinquentDays)?;
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let raw = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut bare: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        for d in month_ends(today) {
            let cutoff = (d - chrono::Days::new(rec_days.max(0) as u64))
                .format("%Y-%m-%d")
                .to_string();
            let end = format!("{}~", d.format("%Y-%m-%d"));
            let n: i64 = raw.query_row(
                dashboard::DELINQUENT_AS_OF_SQL,
                rusqlite::params![cutoff, floor, end],
                |r| r.get(0),
            )?;
            std::hint::black_box(n);
        }
        bare.push(t.elapsed());
    }
    bare.sort();
    println!("    {:<58} {:>9} {:>9}", "", "p50 ms", "max ms");
    println!(
        "    {:<58} {:>9.1} {:>9.1}",
        "bare SQL: delinquency recount at 11 month-ends (heaviest)",
        ms(percentile(&bare, 0.5)),
        ms(percentile(&bare, 1.0))
    );
    println!(
        "    {:<58} {:>9.1} {:>9.1}",
        "every dashboard tile (report::dashboard::read)",
        ms(percentile(&ours, 0.5)),
        ms(percentile(&ours, 1.0))
    );
    println!(
        "    target ≤ 100 ms for the whole dashboard: {}",
        pass(ms(percentile(&ours, 0.5)) <= 100.0)
    );
    Ok(())
}
