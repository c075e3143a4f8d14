//! The properties that need real processes: kill-anywhere (SIGKILL at random moments), many
//! writers (8 processes and a reader), and commit really syncs (fsync/fdatasync counted with
//! strace, with a `synchronous=OFF` negative control).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Rng, SelftestError, SelftestOptions, Verdict, consistency, setup_probe};

/// Start `chartdesk --db DB selftest-child --start S --count N [extra]`.
fn spawn_child(
    opts: &SelftestOptions,
    db: &Path,
    start: i64,
    count: i64,
    extra: &[&str],
) -> Result<Child, SelftestError> {
    Ok(Command::new(&opts.exe)
        .arg("--db")
        .arg(db)
        .arg("selftest-child")
        .arg("--start")
        .arg(start.to_string())
        .arg("--count")
        .arg(count.to_string())
        .args(extra)
        .env_remove("CHARTDESK_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?)
}

/// What a child said: the ids it acknowledged (complete `ACK id\n` lines only) and its errors.
#[derive(Default)]
struct ChildOutput {
    acked: Vec<i64>,
    errors: Vec<String>,
}

fn collect(child: &mut Child) -> std::thread::JoinHandle<ChildOutput> {
    let stdout = child.stdout.take();
    std::thread::spawn(move || {
        let mut out = ChildOutput::default();
        let Some(stdout) = stdout else {
            return out;
        };
        let mut r = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            // A line cut by the kill has no newline: it was never acknowledged.
            if line.last() != Some(&b'\n') {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end();
            if let Some(id) = text.strip_prefix("ACK ") {
                if let Ok(id) = id.parse() {
                    out.acked.push(id);
                }
            } else if let Some(e) = text.strip_prefix("ERR ") {
                out.errors.push(e.to_string());
            }
        }
        out
    })
}

pub(super) fn kill_anywhere(
    opts: &SelftestOptions,
    dir: &Path,
) -> Result<(Verdict, String), SelftestError> {
    let db = dir.join("kill.db");
    drop(setup_probe(&db)?);
    let rounds = if opts.long { 500 } else { 25 };
    let mut rng = Rng::new(opts.seed ^ 0x6b69_6c6c);
    let mut acked = BTreeSet::new();
    let mut kills = 0;
    let mut errors = Vec::new();
    for round in 0..rounds {
        let start = (round as i64 + 1) * 1_000_000;
        let mut child = spawn_child(opts, &db, start, 999_999, &[])?;
        let reader = collect(&mut child);
        // Anywhere: during start-up, recovery of the last kill's WAL, or mid-commit.
        std::thread::sleep(Duration::from_millis(2 + rng.below(60)));
        if child.try_wait()?.is_none() {
            child.kill()?;
            kills += 1;
        }
        child.wait()?;
        let out = reader.join().unwrap_or_default();
        acked.extend(out.acked);
        errors.extend(out.errors);
    }
    let (rows, mut problems) = consistency(&db)?;
    let lost = acked.difference(&rows).count();
    if lost > 0 {
        problems.push(format!("{lost} acknowledged actions lost"));
    }
    if !errors.is_empty() {
        problems.push(format!(
            "{} child errors, first: {}",
            errors.len(),
            errors[0]
        ));
    }
    let figure = format!(
        "{rounds} rounds, {kills} SIGKILLs, {} ACKs: {lost} lost, {} rows (incl. unacknowledged commits) all with their audit row, integrity ok, chain verifies{}",
        acked.len(),
        rows.len(),
        if problems.is_empty() {
            String::new()
        } else {
            format!(" — {}", problems.join("; "))
        }
    );
    let pass = problems.is_empty() && kills > 0 && !acked.is_empty();
    Ok((if pass { Verdict::Pass } else { Verdict::Fail }, figure))
}

pub(super) fn many_writers(
    opts: &SelftestOptions,
    dir: &Path,
) -> Result<(Verdict, String), SelftestError> {
    let db = dir.join("writers.db");
    drop(setup_probe(&db)?);
    let writers = 8;
    let per = if opts.long { 1000 } else { 40 };
    let t = Instant::now();
    let mut children = Vec::new();
    for w in 0..writers {
        let mut child = spawn_child(opts, &db, (w + 1) * 10_000_000, per, &[])?;
        let reader = collect(&mut child);
        children.push((child, reader));
    }
    // A reader loop alongside, as a supervisor's screen would be.
    let mut reads = 0u64;
    let mut read_errors = Vec::new();
    let reader_db = crate::store::open_read_only(&db)?;
    loop {
        let mut running = 0;
        for (c, _) in children.iter_mut() {
            if c.try_wait()?.is_none() {
                running += 1;
            }
        }
        if running == 0 {
            break;
        }
        match reader_db.conn.query_row(
            "SELECT (SELECT count(*) FROM selftest_probe), (SELECT max(seq) FROM audit_log)",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)),
        ) {
            Ok(_) => reads += 1,
            Err(e) => read_errors.push(e.to_string()),
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    drop(reader_db);
    let mut acked = BTreeSet::new();
    let mut errors = Vec::new();
    let mut failed_exits = 0;
    for (mut c, reader) in children {
        if !c.wait()?.success() {
            failed_exits += 1;
        }
        let out = reader.join().unwrap_or_default();
        acked.extend(out.acked);
        errors.extend(out.errors);
    }
    let secs = t.elapsed().as_secs_f64();
    let busy = errors
        .iter()
        .chain(&read_errors)
        .filter(|e| {
            let e = e.to_lowercase();
            e.contains("busy") || e.contains("locked")
        })
        .count();
    let (rows, mut problems) = consistency(&db)?;
    let lost = acked.difference(&rows).count();
    let expected = (writers * per) as usize;
    if acked.len() != expected {
        problems.push(format!(
            "{} of {expected} actions acknowledged",
            acked.len()
        ));
    }
    if lost > 0 {
        problems.push(format!("{lost} acknowledged actions lost"));
    }
    if failed_exits > 0 || !errors.is_empty() || !read_errors.is_empty() {
        problems.push(format!(
            "{failed_exits} writers failed, {} writer errors, {} reader errors{}",
            errors.len(),
            read_errors.len(),
            errors
                .first()
                .or(read_errors.first())
                .map(|e| format!(", first: {e}"))
                .unwrap_or_default()
        ));
    }
    let head: i64 = crate::store::open_read_only(&db)?.conn.query_row(
        "SELECT max(seq) FROM audit_log",
        [],
        |r| r.get(0),
    )?;
    let figure = format!(
        "{writers} processes × {per} actions + a reader ({reads} reads) in {secs:.1} s: seq 1..{head} contiguous, 0 forks, {busy} user-visible BUSY, {}/{expected} ACKs present{}",
        acked.len() - lost,
        if problems.is_empty() {
            String::new()
        } else {
            format!(" — {}", problems.join("; "))
        }
    );
    let pass = problems.is_empty() && busy == 0;
    Ok((if pass { Verdict::Pass } else { Verdict::Fail }, figure))
}

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.is_file())
    })
}

/// fsync + fdatasync calls made by a child doing `count` actions (strace).
fn count_syncs(
    opts: &SelftestOptions,
    strace: &Path,
    dir: &Path,
    name: &str,
    count: i64,
    nosync: bool,
) -> Result<usize, SelftestError> {
    let db = dir.join(format!("{name}.db"));
    drop(setup_probe(&db)?);
    let trace = dir.join(format!("{name}.strace"));
    let mut cmd = Command::new(strace);
    cmd.arg("-f")
        .arg("-qq")
        .arg("-e")
        .arg("trace=fsync,fdatasync")
        .arg("-o")
        .arg(&trace)
        .arg(&opts.exe)
        .arg("--db")
        .arg(&db)
        .arg("selftest-child")
        .arg("--start")
        .arg("1")
        .arg("--count")
        .arg(count.to_string());
    if nosync {
        cmd.arg("--nosync");
    }
    let out = cmd
        .env_remove("CHARTDESK_DB")
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(SelftestError::Other(format!(
            "strace run failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let acks = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("ACK "))
        .count();
    if acks != count as usize {
        return Err(SelftestError::Other(format!(
            "the traced child acknowledged {acks} of {count} actions"
        )));
    }
    let text = std::fs::read_to_string(&trace)?;
    Ok(text
        .lines()
        .filter(|l| (l.contains("fsync(") || l.contains("fdatasync(")) && l.contains("= 0"))
        .count())
}

pub(super) fn commit_syncs(
    opts: &SelftestOptions,
    dir: &Path,
) -> Result<(Verdict, String), SelftestError> {
    let Some(strace) = which("strace") else {
        return Ok((
            Verdict::Skip,
            "strace is not installed: fsyncs not counted".into(),
        ));
    };
    let (few, many) = if opts.long { (20, 220) } else { (10, 40) };
    // The difference between two runs cancels the syncs of start-up and shutdown.
    let per_action = |nosync: bool, tag: &str| -> Result<f64, SelftestError> {
        let a = count_syncs(opts, &strace, dir, &format!("{tag}-few"), few, nosync)?;
        let b = count_syncs(opts, &strace, dir, &format!("{tag}-many"), many, nosync)?;
        Ok((b as f64 - a as f64) / (many - few) as f64)
    };
    let full = match per_action(false, "full") {
        Ok(v) => v,
        Err(e) => {
            return Ok((Verdict::Skip, format!("strace could not trace here: {e}")));
        }
    };
    let off = per_action(true, "off")?;
    let passes = |v: f64| v >= 1.0;
    let pass = passes(full) && !passes(off);
    Ok((
        if pass { Verdict::Pass } else { Verdict::Fail },
        format!(
            "synchronous=FULL: {full:.2} fsync/fdatasync per action (≥ 1 required); negative control synchronous=OFF: {off:.2} per action — {}",
            if passes(off) {
                "passes the check: the check proves nothing"
            } else {
                "fails the check, as it must"
            }
        ),
    ))
}
