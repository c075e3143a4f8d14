//! Bench: an interactive action's latency while a large HL7 import runs, beside the same action
//! idle, in the same run (issue #17: no writer holds the lock longer than 250 ms).
//!
//! The import runs as a separate `chartdesk import hl7` process (under `/usr/bin/time -v` when
//! present, for its peak memory); the interactive action is a coder claiming an encounter
//! (`coding::work::claim`: one durable, audited transaction), repeated every 20 ms on its own
//! connection, as another user's terminal would.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::audit::Actor;
use crate::bench::{ms, percentile};
use crate::domain::Role;
use crate::store::Store;

/// Write an HL7 batch file of about `mb` MB: per patient an ADT A01 and an MDM T02 with a
/// ~1.5 KB note, as a feed of new admissions would carry.
fn write_batch(path: &Path, mb: usize) -> Result<usize> {
    let f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    let note: String =
        "Patient seen and examined. Vital signs stable. Plan discussed with family. ".repeat(20);
    let (mut bytes, mut n) = (0usize, 0usize);
    while bytes < mb * 1024 * 1024 {
        let m = format!(
            "MSH|^~\\&|APP|BENCH|||20260101120000||ADT^A01|A{n}|P|2.5\rEVN|A01|20260101120000\r\
             PID|1||B{n}^^^BENCH^MR||BENCH{n}^PAT||19700101|F\r\
             PV1|1|I|||||77^JONES^AMY||||||||||||BV{n}|||||||||||||||||||||||||20260101100000\r\
             MSH|^~\\&|APP|BENCH|||20260101130000||MDM^T02|D{n}|P|2.5\rEVN|T02|20260101130000\r\
             PID|1||B{n}^^^BENCH^MR||BENCH{n}^PAT||19700101|F\r\
             PV1|1|I|||||77^JONES^AMY||||||||||||BV{n}|||||||||||||||||||||||||20260101100000\r\
             TXA|1|PN|TX|20260101130000||||||||BD{n}|||||AU|||||77^JONES^AMY^^^^^^^^^^^^20260101140000\r\
             OBX|1|TX|||{note}\r"
        );
        w.write_all(m.as_bytes())?;
        bytes += m.len();
        n += 2;
    }
    w.flush()?;
    Ok(n)
}

/// Claim latencies (one claim every `gap`) until `stop` says so.
fn claims(
    db: &Path,
    gap: Duration,
    mut stop: impl FnMut(usize) -> bool,
) -> Result<(Vec<Duration>, usize)> {
    let mut store = Store::open(db)?;
    let (coder_id, encounter): (i64, i64) = store.conn().query_row(
        "SELECT (SELECT id FROM users WHERE username = 'coder'),
                (SELECT min(id) FROM encounters WHERE coding_status = 'ready')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let coder = Actor::user(coder_id, "coder", Role::Coder);
    let (mut times, mut failures) = (Vec::new(), 0);
    while !stop(times.len() + failures) {
        let t = Instant::now();
        match crate::coding::work::claim(&mut store, &coder, encounter) {
            Ok(()) => times.push(t.elapsed()),
            Err(_) => failures += 1,
        }
        std::thread::sleep(gap);
    }
    times.sort();
    Ok((times, failures))
}

fn row(label: &str, t: &[Duration], failures: usize) {
    println!(
        "    {label:<26} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>8}",
        t.len(),
        ms(percentile(t, 0.50)),
        ms(percentile(t, 0.99)),
        ms(t.last().copied().unwrap_or_default()),
        failures
    );
}

pub fn run(dir: &Path, mb: usize) -> Result<()> {
    println!("\n[lock] an interactive action while a {mb} MB HL7 import runs (ms)");
    let db = dir.join("lock.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let exe = std::env::current_exe()?;
    let status = Command::new(&exe)
        .arg("--db")
        .arg(&db)
        .args(["demo", "--no-tui", "--encounters", "2000"])
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("building the bench database failed");
    }
    let file = dir.join("lock-batch.hl7");
    let messages = write_batch(&file, mb)?;
    println!("    {messages} messages in {}", file.display());
    println!(
        "    {:<26} {:>6} {:>9} {:>9} {:>9} {:>8}",
        "claim (durable, audited)", "n", "p50", "p99", "max", "failed"
    );
    let (idle, idle_failed) = claims(&db, Duration::from_millis(20), |n| n >= 200)?;
    row("idle", &idle, idle_failed);

    let time_v = Path::new("/usr/bin/time").exists();
    let mut cmd = if time_v {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    cmd.arg("--db")
        .arg(&db)
        .args(["import", "hl7"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id();
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = running.clone();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output();
        flag.store(false, std::sync::atomic::Ordering::SeqCst);
        out
    });
    // Let the import start writing before measuring.
    std::thread::sleep(Duration::from_millis(500));
    let (busy, busy_failed) = claims(&db, Duration::from_millis(20), |_| {
        !running.load(std::sync::atomic::Ordering::SeqCst)
    })?;
    let out = waiter
        .join()
        .map_err(|_| anyhow::anyhow!("the import waiter panicked"))??;
    let elapsed = started.elapsed();
    row("during the import", &busy, busy_failed);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stdout
        .lines()
        .find(|l| l.contains("write transactions"))
        .unwrap_or("(no summary line)");
    println!(
        "    import (pid {pid}): {:.1} s, {:.0} messages/s; {summary}",
        elapsed.as_secs_f64(),
        messages as f64 / elapsed.as_secs_f64()
    );
    if let Some(peak) = stderr.lines().find_map(|l| {
        l.trim()
            .strip_prefix("Maximum resident set size (kbytes): ")
    }) {
        let kb: f64 = peak.trim().parse().unwrap_or(0.0);
        println!("    import peak memory (max RSS): {:.0} MB", kb / 1024.0);
    }
    let ratio = ms(percentile(&busy, 0.99)) / ms(percentile(&idle, 0.99)).max(0.001);
    println!("    p99 during / idle: {ratio:.1}x");
    let _ = std::fs::remove_file(&file);
    Ok(())
}
