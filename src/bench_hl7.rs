//! `chartdesk bench --only hl7`: the live-feed targets of issue 18, each beside its baseline
//! measured in the same run.
//!
//! 1. The 5,000-message HL7 batch through `import hl7`, end to end, against a raw-SQLite
//!    baseline that writes the same rows (every row the import added, audit rows included, in
//!    every table but the trigger-maintained counters, which the triggers fill in both runs)
//!    with the same indexes and triggers, on a connection configured as the Store's, in the
//!    same transaction pattern (as many transactions, each fsynced; a SAVEPOINT per message).
//!    The baseline gets the rows ready-made (hashes computed, values bound): it is the cost of
//!    the writes alone.
//! 2. The MLLP listener with 4 concurrent loopback senders, group commit on: messages/s and
//!    ACK latency (send to ACK received), beside `import hl7` of the same messages from a file.
//!    Closed loop (each sender keeps up to W messages in flight: by Little's law the latency
//!    is the number in flight over the rate), and open loop: the 4 senders paced to 5,000
//!    messages/s together, each latency taken from the message's scheduled send time (no
//!    coordinated omission). The paced run prints where an ACK's time goes (queue wait behind
//!    the previous commit, apply + commit of its group) beside an empty `synchronous=FULL`
//!    commit on the same disk (the fsync floor).

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rusqlite::Connection;
use rusqlite::types::Value;

use crate::audit::Actor;
use crate::bench::{ms, pass, percentile};
use crate::store::Store;

/// One ADT message of the bench feed: patient `k`, A01 (even `i`) or A03 (odd `i`).
pub fn bench_message(i: usize, control: &str) -> String {
    let (event, discharge) = if i.is_multiple_of(2) {
        ("A01", "")
    } else {
        ("A03", "20261102120000")
    };
    let k = i / 2;
    format!(
        "MSH|^~\\&|BENCH|FAC|CD|HIM|20261101080000||ADT^{event}|{control}|P|2.5\rEVN|{event}|20261101080000\r\
         PID|1||B{k:07}^^^FAC^MR||PATIENT{k}^TEST||19700101|F\r\
         PV1|1|I|W1^1^1||||1234^HOUSE^GREG|||MED|||||||||BV{k:07}|||||||||||||||||||||||||20261101080000|{discharge}\r"
    )
}

fn batch_file(n: usize) -> Vec<u8> {
    let mut batch = String::from("FHS|^~\\&|BENCH|FAC\rBHS|^~\\&|BENCH|FAC\r");
    for i in 0..n {
        batch += &bench_message(i, &format!("C{i}"));
    }
    batch += &format!("BTS|{n}\rFTS|1\r");
    batch.into_bytes()
}

fn remove_db(p: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
}

pub fn run(dir: &Path) -> Result<()> {
    println!("\n[hl7] live feed: import hl7 vs raw SQLite; MLLP listener with group commit");
    let n = 5_000;
    // Each side is about a second of work: on a shared machine one run of each can land in
    // different load. Three alternating rounds; the best of each side is compared.
    let (mut import_rate, mut raw_rate, mut transactions) = (0.0f64, 0.0f64, 0);
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let (rate, tx, import_db) = import_batch(dir, n)?;
        let raw = raw_baseline(dir, &import_db, n, tx)?;
        remove_db(&import_db);
        rounds.push(format!("{:.0} %", rate / raw * 100.0));
        if rate > import_rate {
            (import_rate, transactions) = (rate, tx);
        }
        raw_rate = raw_rate.max(raw);
    }
    println!(
        "    import hl7, {n}-message batch, end to end {import_rate:>8.0} msg/s  |  raw SQLite, same rows and indexes, {transactions} transactions {raw_rate:>8.0} msg/s  = {:.0} %, best of 3 each (rounds {}; target ≥ 50 %: {})",
        import_rate / raw_rate * 100.0,
        rounds.join(", "),
        pass(import_rate / raw_rate >= 0.5)
    );
    for window in [1usize, 8, 16, 32] {
        let m = mllp_run(dir, 20_000, 4, window)?;
        let p99 = percentile(&m.latencies, 0.99);
        let p50 = percentile(&m.latencies, 0.50);
        println!(
            "    MLLP, 4 loopback senders, {} in flight each: {:>7.0} msg/s (target ≥ 5,000: {}), ACK p50 {:.1} ms, p99 {:.1} ms (target ≤ 25 ms: {}), {:.1} messages per commit  |  import hl7 of a file {:>7.0} msg/s",
            if window == 1 {
                "1 (strict send-and-wait)".to_string()
            } else {
                format!("up to {window}")
            },
            m.rate,
            pass(m.rate >= 5_000.0),
            ms(p50),
            ms(p99),
            pass(ms(p99) <= 25.0),
            m.per_group,
            import_rate
        );
    }
    paced(dir)
}

/// The paced MLLP run alone (`bench --only hl7-paced`): the issue's target line, with where
/// an ACK's time goes.
pub fn paced(dir: &Path) -> Result<()> {
    let floor = fsync_floor(dir, 200)?;
    let target = 5_000.0;
    let m = mllp_paced(dir, 20_000, 4, target)?;
    let p99 = percentile(&m.run.latencies, 0.99);
    println!(
        "    MLLP, 4 loopback senders paced to {target:.0} msg/s together (open loop): {:>7.0} msg/s (target ≥ 5,000: {}), ACK p50 {:.1} ms, p99 {:.1} ms (target ≤ 25 ms: {}), {:.1} messages per commit",
        m.run.rate,
        pass(m.run.rate >= 0.98 * target),
        ms(percentile(&m.run.latencies, 0.50)),
        ms(p99),
        pass(ms(p99) <= 25.0),
        m.run.per_group,
    );
    println!(
        "      where the time goes (per group): queue wait p50 {:.1} / p99 {:.1} ms, apply + commit p50 {:.1} / p99 {:.1} ms  |  empty commit (fsync floor, this disk) p50 {:.1} / p99 {:.1} ms",
        ms(percentile(&m.queued, 0.50)),
        ms(percentile(&m.queued, 0.99)),
        ms(percentile(&m.commit, 0.50)),
        ms(percentile(&m.commit, 0.99)),
        ms(percentile(&floor, 0.50)),
        ms(percentile(&floor, 0.99)),
    );
    println!(
        "      the writer: apply + commit {:.0} µs per message ({:.0} µs of CPU), busy {:.0} % of the run  |  WAL sync (its own thread; ACKs wait for it) p50 {:.1} / p99 {:.1} ms, {:.1} groups per sync",
        m.per_message.as_secs_f64() * 1e6,
        m.cpu_per_message.as_secs_f64() * 1e6,
        m.busy * 100.0,
        ms(percentile(&m.syncs, 0.50)),
        ms(percentile(&m.syncs, 0.99)),
        m.groups_per_sync,
    );
    Ok(())
}

/// `n` empty `synchronous=FULL` WAL commits on the bench's disk: the fsync every group pays.
fn fsync_floor(dir: &Path, n: usize) -> Result<Vec<Duration>> {
    let p = dir.join("hl7-bench-fsync.db");
    remove_db(&p);
    let c = Connection::open(&p)?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t(x INTEGER);",
    )?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        c.execute("INSERT INTO t(x) VALUES (?1)", [i as i64])?;
        out.push(t.elapsed());
    }
    drop(c);
    remove_db(&p);
    out.sort_unstable();
    Ok(out)
}

pub struct PacedRun {
    pub run: MllpRun,
    /// Per group: the oldest message's wait before the writer took it.
    pub queued: Vec<Duration>,
    /// Per group: apply and commit (the WAL sync is on another thread).
    pub commit: Vec<Duration>,
    /// Per WAL sync: how long it took.
    pub syncs: Vec<Duration>,
    /// Groups made durable by one sync, on average.
    pub groups_per_sync: f64,
    /// The writer's apply + commit time over all groups, divided by the messages.
    pub per_message: Duration,
    /// The writer thread's CPU time in apply + commit, divided by the messages.
    pub cpu_per_message: Duration,
    /// The writer's apply + commit time over the run's wall time (its utilisation ρ).
    pub busy: f64,
}

/// Serve a fresh database and send `n` messages from `senders` connections paced to
/// `per_sec` messages/s in all (open loop: a sender does not wait for ACKs; a reader thread
/// takes them). Latency runs from each message's scheduled send time.
pub fn mllp_paced(dir: &Path, n: usize, senders: usize, per_sec: f64) -> Result<PacedRun> {
    let db = dir.join("hl7-bench-mllp-paced.db");
    let each = per_sec / senders as f64;
    // The senders start 50 ms after the listener, staggered within one interval, as
    // independent feeds would.
    let served = serve_and_send(
        &db,
        n,
        senders,
        Duration::from_millis(50),
        |addr, ids, c, start| {
            let at = start + Duration::from_secs_f64(c as f64 / per_sec);
            send_paced(addr, &ids, each, at)
        },
    )?;
    let counters = &served.counters;
    let applied = counters.applied.load(Ordering::Relaxed);
    anyhow::ensure!(
        applied as usize == n,
        "MLLP paced bench: {applied} of {n} messages applied"
    );
    let groups = counters.groups.load(Ordering::Relaxed).max(1);
    let profile = counters
        .profile
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    let mut queued: Vec<Duration> = profile.iter().map(|g| g.queued).collect();
    let mut commit: Vec<Duration> = profile.iter().map(|g| g.commit).collect();
    queued.sort_unstable();
    commit.sort_unstable();
    let writing: Duration = commit.iter().sum();
    let messages: usize = profile.iter().map(|g| g.messages).sum();
    let synced = counters.syncs.lock().map(|p| p.clone()).unwrap_or_default();
    let mut syncs: Vec<Duration> = synced.iter().map(|s| s.1).collect();
    syncs.sort_unstable();
    let groups_per_sync =
        synced.iter().map(|s| s.0).sum::<usize>() as f64 / synced.len().max(1) as f64;
    let cpu: Duration = profile.iter().map(|g| g.cpu).sum();
    Ok(PacedRun {
        per_message: writing / messages.max(1) as u32,
        cpu_per_message: cpu / messages.max(1) as u32,
        busy: writing.as_secs_f64() / served.wall.max(1e-9),
        run: MllpRun {
            rate: n as f64 / served.wall.max(1e-9),
            latencies: served.latencies,
            per_group: applied as f64 / groups as f64,
        },
        queued,
        commit,
        syncs,
        groups_per_sync,
    })
}

/// Set to `1` to measure the listener without the dashboard triggers of migrations 0018 and
/// 0022 on `encounters` and `deficiencies`: what they cost per message is the difference from
/// a run without it. A diagnostic only: they are dropped from the bench's throwaway database,
/// never from a user's, and the run says so.
pub const WITHOUT_DASHBOARD_TRIGGERS: &str = "CHARTDESK_BENCH_WITHOUT_DASHBOARD_TRIGGERS";

fn without_dashboard_triggers(db: &Path) -> Result<()> {
    if std::env::var(WITHOUT_DASHBOARD_TRIGGERS).as_deref() != Ok("1") {
        return Ok(());
    }
    let c = Connection::open(db)?;
    let names: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'
              AND (substr(name, 1, 20) = 'dashboard_month_end_' OR substr(name, 1, 5) = 'dash_')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for n in &names {
        c.execute_batch(&format!("DROP TRIGGER \"{n}\""))?;
    }
    println!(
        "      ({WITHOUT_DASHBOARD_TRIGGERS}=1: {} dashboard triggers of 0018/0022 dropped from the bench database)",
        names.len()
    );
    Ok(())
}

/// What [`serve_and_send`] measured.
struct Served {
    /// Every message's latency, sorted.
    latencies: Vec<Duration>,
    /// Seconds from the senders' start until the last ACK.
    wall: f64,
    counters: crate::listen::Counters,
}

/// Serve a fresh database `db` in-process on a loopback port and run `senders` senders, each
/// on its own connection with the messages of patients k ≡ c (mod senders), in order (a
/// patient's A01 and A03 go on the same connection). `send(addr, ids, c, start)` sends and
/// returns the latencies; `start` is `lead` after the listener started. The database is
/// removed afterwards.
fn serve_and_send<F>(db: &Path, n: usize, senders: usize, lead: Duration, send: F) -> Result<Served>
where
    F: Fn(SocketAddr, Vec<usize>, usize, Instant) -> Result<Vec<Duration>> + Sync,
{
    remove_db(db);
    let store = Store::open_or_create(db)?;
    without_dashboard_triggers(db)?;
    let opts = crate::listen::ListenOptions::from_settings(&store)?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let stop = AtomicBool::new(false);
    let counters = crate::listen::Counters::default();
    let actor = Actor::system("bench");
    let mut latencies = Vec::with_capacity(n);
    let mut wall = 0.0;
    std::thread::scope(|s| -> Result<()> {
        let server = s.spawn(|| {
            crate::listen::serve(
                store,
                &actor,
                listener,
                &opts,
                &stop,
                &counters,
                &mut |_| {},
            )
        });
        let start = Instant::now() + lead;
        let send = &send;
        let handles: Vec<_> = (0..senders)
            .map(|c| {
                let ids: Vec<usize> = (0..n).filter(|i| (i / 2) % senders == c).collect();
                s.spawn(move || send(addr, ids, c, start))
            })
            .collect();
        for h in handles {
            let l = h
                .join()
                .map_err(|_| anyhow::anyhow!("a bench sender panicked"))??;
            latencies.extend(l);
        }
        wall = start.elapsed().as_secs_f64();
        stop.store(true, Ordering::SeqCst);
        server
            .join()
            .map_err(|_| anyhow::anyhow!("the listener panicked"))??;
        Ok(())
    })?;
    latencies.sort_unstable();
    remove_db(db);
    Ok(Served {
        latencies,
        wall,
        counters,
    })
}

/// Send `ids` at `per_sec` from `start` without waiting for ACKs; a second thread reads the
/// ACKs (in order) and checks each is AA. Returns each message's scheduled-send-to-ACK time.
fn send_paced(
    addr: SocketAddr,
    ids: &[usize],
    per_sec: f64,
    start: Instant,
) -> Result<Vec<Duration>> {
    let s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    let mut w = s.try_clone()?;
    let n = ids.len();
    let (due_tx, due_rx) = std::sync::mpsc::channel::<Instant>();
    let reader = std::thread::spawn(move || -> Result<Vec<Duration>> {
        let mut r = BufReader::with_capacity(1 << 16, s);
        let mut out = Vec::with_capacity(n);
        let mut buf = Vec::new();
        for _ in 0..n {
            buf.clear();
            let mut b = [0u8; 1];
            loop {
                r.read_exact(&mut b)?;
                buf.push(b[0]);
                if buf.ends_with(&[0x1c, 0x0d]) {
                    break;
                }
            }
            let due = due_rx
                .recv()
                .context("an ACK arrived for no message sent")?;
            out.push(due.elapsed());
            anyhow::ensure!(
                buf.windows(7).any(|x| x == b"\rMSA|AA"),
                "MLLP bench: not AA: {}",
                String::from_utf8_lossy(&buf)
            );
        }
        Ok(out)
    });
    for (k, &i) in ids.iter().enumerate() {
        let due = start + Duration::from_secs_f64(k as f64 / per_sec);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let m = crate::listen::mllp::frame(bench_message(i, &format!("M{i}")).as_bytes());
        w.write_all(&m)?;
        due_tx
            .send(due)
            .map_err(|_| anyhow::anyhow!("the ACK reader stopped"))?;
    }
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the ACK reader panicked"))?
}

/// Import the batch file; returns messages/s, the transactions it took, and the database.
fn import_batch(dir: &Path, n: usize) -> Result<(f64, usize, std::path::PathBuf)> {
    let file = dir.join("hl7-bench-batch.hl7");
    std::fs::write(&file, batch_file(n)).with_context(|| format!("writing {}", file.display()))?;
    let db = dir.join("hl7-bench-import.db");
    remove_db(&db);
    let mut store = Store::open_or_create(&db)?;
    let t = Instant::now();
    let summary = crate::import::import_hl7(
        &mut store,
        &Actor::system("bench"),
        std::slice::from_ref(&file),
        &mut |_, _| {},
    )?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        summary.rejected() == 0,
        "bench batch rejected: {}",
        summary.render_table()
    );
    let _ = std::fs::remove_file(&file);
    Ok((
        n as f64 / secs.max(1e-9),
        summary.totals().transactions.max(1),
        db,
    ))
}

/// Tables filled by triggers (the triggers fill them in the baseline too).
fn trigger_targets(c: &Connection) -> Result<Vec<String>> {
    let mut st = c.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger'")?;
    let sqls: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for s in sqls {
        let up = s.to_ascii_uppercase();
        for key in ["INSERT INTO ", "UPDATE "] {
            let mut rest = up.as_str();
            while let Some(i) = rest.find(key) {
                let after = &rest[i + key.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && !name.starts_with("OF") {
                    out.push(name.to_ascii_lowercase());
                }
                rest = after;
            }
        }
    }
    Ok(out)
}

/// Write the rows the import added, ready-made, into a fresh database with the same schema,
/// in `transactions` equal chunks, each committed with fsync. Returns messages/s.
fn raw_baseline(dir: &Path, import_db: &Path, n: usize, transactions: usize) -> Result<f64> {
    let fresh_path = dir.join("hl7-bench-raw.db");
    remove_db(&fresh_path);
    drop(Store::open_or_create(&fresh_path)?);
    let fresh = Connection::open(&fresh_path)?;
    let src = Connection::open(import_db)?;
    src.execute(
        "ATTACH DATABASE ?1 AS fresh",
        [fresh_path.to_string_lossy()],
    )?;
    let skip = trigger_targets(&fresh)?;
    let mut st = fresh.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
    )?;
    let tables: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    drop(st);
    // Per table: the insert statement and the added rows.
    let mut work: Vec<(String, Vec<Vec<Value>>)> = Vec::new();
    for t in tables.iter().filter(|t| !skip.contains(t)) {
        let max: i64 = fresh
            .query_row(
                &format!("SELECT COALESCE(MAX(rowid), 0) FROM \"{t}\""),
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        // Stored columns only: generated ones (the audit log's `canon`) are computed again.
        let stored: Vec<String> = src
            .prepare(&format!(
                "SELECT name FROM pragma_table_xinfo('{t}') WHERE hidden = 0"
            ))?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        let list = stored.join(", ");
        // Tables WITHOUT ROWID: the rows the fresh database lacks.
        let sql = if src
            .prepare(&format!("SELECT rowid FROM \"{t}\" LIMIT 1"))
            .is_ok()
        {
            format!("SELECT {list} FROM \"{t}\" WHERE rowid > ?1 ORDER BY rowid")
        } else {
            format!(
                "SELECT {list} FROM main.\"{t}\" WHERE ?1 IS NOT NULL EXCEPT SELECT {list} FROM fresh.\"{t}\""
            )
        };
        let mut q = src.prepare(&sql)?;
        let cols = q.column_count();
        let names: Vec<String> = q.column_names().map(|s| format!("\"{s}\"")).collect();
        let rows: Vec<Vec<Value>> = q
            .query_map([max], |r| (0..cols).map(|i| r.get::<_, Value>(i)).collect())?
            .collect::<rusqlite::Result<_>>()?;
        if rows.is_empty() {
            continue;
        }
        let marks: Vec<String> = (1..=cols).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO \"{t}\" ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        );
        work.push((sql, rows));
    }
    drop(fresh);
    drop(src);
    let mut c = Connection::open(&fresh_path)?;
    // The connection the import's Store uses (store::configure): WAL, fsync on every commit,
    // the same page cache, statement journals in memory, the same checkpoint interval and
    // statement cache. (Until issue #18's review the baseline ran on SQLite's defaults, whose
    // statement journals spill to temp files: it was slower than the import it measures.)
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "cache_size", -32_000)?;
    c.pragma_update(None, "temp_store", "MEMORY")?;
    c.pragma_update(None, "wal_autocheckpoint", crate::store::WAL_AUTOCHECKPOINT)?;
    c.set_prepared_statement_cache_capacity(128);
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    // The rows are known consistent; a parent may fall in a later slice than a child.
    c.pragma_update(None, "foreign_keys", "OFF")?;
    let t = Instant::now();
    // The import's transaction pattern: `transactions` group transactions, each message in
    // its own SAVEPOINT. Message j of n writes its share j/n of every table's added rows.
    for chunk in 0..transactions {
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for j in n * chunk / transactions..n * (chunk + 1) / transactions {
            tx.execute_batch("SAVEPOINT one_message")?;
            for (sql, rows) in &work {
                let lo = rows.len() * j / n;
                let hi = rows.len() * (j + 1) / n;
                if lo == hi {
                    continue;
                }
                let mut ins = tx.prepare_cached(sql)?;
                for row in &rows[lo..hi] {
                    ins.execute(rusqlite::params_from_iter(row.iter()))?;
                }
            }
            tx.execute_batch("RELEASE one_message")?;
        }
        tx.commit()?;
    }
    let secs = t.elapsed().as_secs_f64();
    drop(c);
    remove_db(&fresh_path);
    Ok(n as f64 / secs.max(1e-9))
}

pub struct MllpRun {
    pub rate: f64,
    pub latencies: Vec<Duration>,
    pub per_group: f64,
}

/// Serve a fresh database in-process and send `n` messages from `senders` loopback
/// connections, each keeping up to `window` messages in flight. A patient's A01 and A03 go
/// on the same connection, in order.
pub fn mllp_run(dir: &Path, n: usize, senders: usize, window: usize) -> Result<MllpRun> {
    let db = dir.join(format!("hl7-bench-mllp-{window}.db"));
    let served = serve_and_send(&db, n, senders, Duration::ZERO, |addr, ids, _, _| {
        send_windowed(addr, &ids, window)
    })?;
    let counters = &served.counters;
    let groups = counters.groups.load(Ordering::Relaxed).max(1);
    let applied = counters.applied.load(Ordering::Relaxed);
    anyhow::ensure!(
        applied as usize == n,
        "MLLP bench: {applied} of {n} messages applied (last error: {})",
        counters
            .last_error
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default()
    );
    Ok(MllpRun {
        rate: n as f64 / served.wall.max(1e-9),
        latencies: served.latencies,
        per_group: applied as f64 / groups as f64,
    })
}

/// Send messages `ids` with at most `window` unacknowledged; every ACK must be AA. Returns
/// each message's send-to-ACK time.
fn send_windowed(addr: SocketAddr, ids: &[usize], window: usize) -> Result<Vec<Duration>> {
    let s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::with_capacity(1 << 16, s);
    let mut sent: std::collections::VecDeque<Instant> = Default::default();
    let mut out = Vec::with_capacity(ids.len());
    let mut next = 0;
    let mut buf = Vec::new();
    while out.len() < ids.len() {
        while next < ids.len() && sent.len() < window {
            let i = ids[next];
            let m = crate::listen::mllp::frame(bench_message(i, &format!("M{i}")).as_bytes());
            w.write_all(&m)?;
            sent.push_back(Instant::now());
            next += 1;
        }
        buf.clear();
        let mut b = [0u8; 1];
        loop {
            r.read_exact(&mut b)?;
            buf.push(b[0]);
            if buf.ends_with(&[0x1c, 0x0d]) {
                break;
            }
        }
        let t0 = sent
            .pop_front()
            .context("an ACK arrived for no message in flight")?;
        out.push(t0.elapsed());
        anyhow::ensure!(
            buf.windows(7).any(|x| x == b"\rMSA|AA"),
            "MLLP bench: not AA: {}",
            String::from_utf8_lossy(&buf)
        );
    }
    Ok(out)
}
