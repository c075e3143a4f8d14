//! Bench: an interactive action's latency while a large HL7 import runs, beside the same action
//! idle, in the same run (issue #17: no writer holds the lock longer than 250 ms); and the same
//! while a FHIR batch Bundle whose every reference points forward is imported (the worst case
//! of the FHIR stream: past `fhir_spill_after_entries` its entries are set aside in the spill
//! file and written back at the end in dependency order). The import's own summary line gives
//! its longest write-lock hold.
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

/// Write a FHIR batch Bundle of about `mb` MB whose every reference points forward: all the
/// notes, then their encounters, then their patients. Answers the number of entries.
fn write_forward_fhir(path: &Path, mb: usize) -> Result<usize> {
    let f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    // About 880 bytes per (note, encounter, patient).
    let n = (mb * 1024 * 1024 / 880).max(1);
    w.write_all(br#"{"resourceType":"Bundle","type":"batch","entry":["#)?;
    let mut first = true;
    let mut put = |w: &mut std::io::BufWriter<std::fs::File>, e: String| -> Result<()> {
        if !std::mem::take(&mut first) {
            w.write_all(b",")?;
        }
        w.write_all(e.as_bytes())?;
        Ok(())
    };
    for i in 0..n {
        put(
            &mut w,
            format!(
                r#"{{"fullUrl":"urn:uuid:d-{i}","resource":{{"resourceType":"DocumentReference","id":"d{i}","docStatus":"preliminary","type":{{"coding":[{{"system":"http://loinc.org","code":"11506-3"}}]}},"date":"2026-01-02T09:00:00-05:00","context":{{"encounter":[{{"reference":"urn:uuid:e-{i}"}}]}},"content":[{{"attachment":{{"contentType":"text/plain","data":"UHJvZ3Jlc3Mgbm90ZSBmb3IgdGhlIHBhdGllbnQ="}}}}]}}}}"#
            ),
        )?;
    }
    for i in 0..n {
        put(
            &mut w,
            format!(
                r#"{{"fullUrl":"urn:uuid:e-{i}","resource":{{"resourceType":"Encounter","id":"fe{i}","class":{{"code":"IMP"}},"subject":{{"reference":"Patient/fp{i}"}},"period":{{"start":"2026-01-01T08:00:00-05:00"}}}}}}"#
            ),
        )?;
    }
    for i in 0..n {
        put(
            &mut w,
            format!(
                r#"{{"fullUrl":"urn:uuid:p-{i}","resource":{{"resourceType":"Patient","id":"fp{i}","identifier":[{{"type":{{"coding":[{{"code":"MR"}}]}},"value":"FW{i:07}"}}],"name":[{{"family":"Forward","given":["Pat"]}}],"gender":"female","birthDate":"1970-01-01"}}}}"#
            ),
        )?;
    }
    w.write_all(b"]}")?;
    w.flush()?;
    Ok(3 * n)
}

/// The interactive action while a `mb` MB HL7 batch is imported.
pub fn run(dir: &Path, mb: usize) -> Result<()> {
    measure(dir, mb, Feed::Hl7)
}

/// The interactive action while a `mb` MB forward-everywhere FHIR batch is imported.
pub fn run_fhir(dir: &Path, mb: usize) -> Result<()> {
    measure(dir, mb, Feed::FhirForward)
}

#[derive(Clone, Copy)]
enum Feed {
    Hl7,
    FhirForward,
}

fn measure(dir: &Path, mb: usize, feed: Feed) -> Result<()> {
    let what = match feed {
        Feed::Hl7 => "HL7 import",
        Feed::FhirForward => "FHIR import (every reference forward)",
    };
    println!("\n[lock] an interactive action while a {mb} MB {what} runs (ms)");
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
    let (file, messages) = match feed {
        Feed::Hl7 => {
            let file = dir.join("lock-batch.hl7");
            let n = write_batch(&file, mb)?;
            (file, n)
        }
        Feed::FhirForward => {
            let file = dir.join("lock-forward.json");
            let n = write_forward_fhir(&file, mb)?;
            (file, n)
        }
    };
    let unit = match feed {
        Feed::Hl7 => "messages",
        Feed::FhirForward => "entries",
    };
    println!("    {messages} {unit} in {}", file.display());
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
        .arg("import")
        .arg(match feed {
            Feed::Hl7 => "hl7",
            Feed::FhirForward => "fhir",
        })
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
        "    import (pid {pid}): {:.1} s, {:.0} {unit}/s; {summary}",
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
