//! Measurement 6: the cost of encryption at rest (AUD-05). The same generated data set is built
//! twice, plain and SQLCipher-encrypted, and the durable audited action and an audited queue
//! page are timed on both in the same run, interleaved (alternating which goes first) so disk
//! noise hits both alike. Target: encrypted p50 within 20 % of plain. Also shown: a fresh connection's open +
//! first page (cold page cache, where every page read is decrypted), with a raw 256-bit key and
//! with a passphrase (which pays SQLCipher's PBKDF2 derivation on every open).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::audit::{Action, Actor, Event, Subtype};
use crate::bench::{ms, pass, percentile};
use crate::deficiency::queue::{self, QueueFilter, QueueSort, QueueTab};
use crate::domain::Role;
use crate::store::{DbKey, Store, process_key, set_process_key};

fn remove_db(p: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(s));
    }
}

fn build(db: &Path, encounters: usize) -> Result<Store> {
    remove_db(db);
    let mut store = Store::open_or_create(db)?;
    let actor = Actor::system("bench");
    let spec = crate::demo::GenSpec {
        seed: 11,
        encounters,
        today: crate::clock::facility_date(chrono::Utc::now()),
    };
    crate::demo::generate(&mut store, &actor, &spec)?;
    crate::deficiency::ops::analyze_batch(
        &mut store,
        &actor,
        crate::deficiency::ops::AnalyzeScope::Analyzed,
    )?;
    store.analyze()?;
    Ok(store)
}

fn durable_once(store: &mut Store, actor: &Actor, i: usize) -> Result<Duration> {
    let status = ["incomplete", "doc_complete"][i % 2];
    let t = Instant::now();
    store.transact(actor, |tx, audit| {
        tx.prepare_cached("UPDATE encounters SET him_status = ?1 WHERE id = 1")?
            .execute([status])?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "encounter", 1)
                .encounter(1)
                .detail(serde_json::json!({"him_status": status})),
        );
        Ok::<_, crate::CoreError>(())
    })?;
    Ok(t.elapsed())
}

fn page_once(store: &mut Store, tech: &Actor) -> Result<Duration> {
    let t = Instant::now();
    std::hint::black_box(queue::queue_page(
        store,
        tech,
        QueueTab::Incomplete,
        QueueSort::Oldest,
        &QueueFilter::default(),
        None,
        50,
    )?);
    Ok(t.elapsed())
}

fn cold_once(db: &Path, key: Option<DbKey>, tech: &Actor) -> Result<Duration> {
    set_process_key(key);
    let t = Instant::now();
    let mut store = Store::open(db)?;
    page_once(&mut store, tech)?;
    Ok(t.elapsed())
}

/// Run the measurement in `dir` on `encounters` generated encounters.
pub fn run(dir: &Path, encounters: usize, iterations: usize) -> Result<()> {
    if !cfg!(feature = "encryption") {
        println!(
            "\n[6] encryption at rest: this build has no encryption (cargo feature `encryption`); skipped"
        );
        return Ok(());
    }
    let previous = process_key();
    // A raw 256-bit key, as a server key file holds (no per-open key derivation).
    let key = DbKey::new(&"5a".repeat(32));
    let passphrase = DbKey::new("bench passphrase: correct horse battery staple");
    let plain_db = dir.join("crypt-plain.db");
    let enc_db = dir.join("crypt-encrypted.db");
    println!("\n[6] encryption at rest (SQLCipher) vs plain, {encounters} encounters each");
    let t = Instant::now();
    set_process_key(None);
    let built = build(&plain_db, encounters);
    let plain_build = t.elapsed();
    let t = Instant::now();
    set_process_key(key.clone());
    let built_enc = build(&enc_db, encounters);
    let enc_build = t.elapsed();
    set_process_key(previous.clone());
    let (mut plain, mut enc) = (built?, built_enc?);
    println!(
        "    generate + analyse: plain {:.1} s, encrypted {:.1} s",
        plain_build.as_secs_f64(),
        enc_build.as_secs_f64()
    );
    let actor = Actor::system("bench");
    let tech = Actor::user(0, "bench-tech", Role::Technician);
    let (mut d_plain, mut d_enc, mut p_plain, mut p_enc) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..iterations + 10 {
        // Alternate which one goes first, so neither always follows the other's fsync.
        let (a, b, c, d) = if i % 2 == 0 {
            let a = durable_once(&mut plain, &actor, i)?;
            let b = durable_once(&mut enc, &actor, i)?;
            let c = page_once(&mut plain, &tech)?;
            let d = page_once(&mut enc, &tech)?;
            (a, b, c, d)
        } else {
            let b = durable_once(&mut enc, &actor, i)?;
            let a = durable_once(&mut plain, &actor, i)?;
            let d = page_once(&mut enc, &tech)?;
            let c = page_once(&mut plain, &tech)?;
            (a, b, c, d)
        };
        if i >= 10 {
            d_plain.push(a);
            d_enc.push(b);
            p_plain.push(c);
            p_enc.push(d);
        }
    }
    drop((plain, enc));
    let (mut c_plain, mut c_enc) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        c_plain.push(cold_once(&plain_db, None, &tech)?);
        c_enc.push(cold_once(&enc_db, key.clone(), &tech)?);
    }
    // The same database re-encrypted under a passphrase: each open pays the PBKDF2 derivation.
    set_process_key(key.clone());
    if let Some(p) = &passphrase {
        crate::store::rekey(Store::open(&enc_db)?, p)?;
    }
    let mut c_pass = Vec::new();
    for _ in 0..5 {
        c_pass.push(cold_once(&enc_db, passphrase.clone(), &tech)?);
    }
    set_process_key(previous);
    for v in [
        &mut d_plain,
        &mut d_enc,
        &mut p_plain,
        &mut p_enc,
        &mut c_plain,
        &mut c_enc,
        &mut c_pass,
    ] {
        v.sort();
    }
    println!(
        "    {:<44} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "(ms)", "plain50", "plain99", "enc50", "enc99", "overhead"
    );
    let mut ok = true;
    for (name, a, b, target) in [
        (
            "durable audited action (FULL fsync)",
            &d_plain,
            &d_enc,
            true,
        ),
        ("audited queue page, 50 rows (warm)", &p_plain, &p_enc, true),
        ("fresh open + first page, raw key", &c_plain, &c_enc, false),
        (
            "fresh open + first page, passphrase key",
            &c_plain,
            &c_pass,
            false,
        ),
    ] {
        let over = ms(percentile(b, 0.5)) / ms(percentile(a, 0.5)).max(1e-9) - 1.0;
        if target {
            ok &= over <= 0.20;
        }
        println!(
            "    {:<44} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.1}%{}",
            name,
            ms(percentile(a, 0.5)),
            ms(percentile(a, 0.99)),
            ms(percentile(b, 0.5)),
            ms(percentile(b, 0.99)),
            over * 100.0,
            if target { "" } else { " (no target)" }
        );
    }
    println!("    target: p50 overhead ≤ 20 %: {}", pass(ok));
    remove_db(&plain_db);
    remove_db(&enc_db);
    Ok(())
}
