//! `chartdesk backup`, `chartdesk restore` and `chartdesk selftest`: the commands that keep and
//! prove the database's trust properties (issue 17, AUD-15).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use crate::store::Store;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup file to write (must not exist)
    pub dest: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file to put in place of the database
    pub src: PathBuf,
    /// Anchor file [default: $CHARTDESK_ANCHORS, else <database>.anchors beside the real file]
    #[arg(long, value_name = "PATH")]
    pub anchors: Option<PathBuf>,
    /// Restore even when the current database cannot be saved first (it is damaged)
    #[arg(long)]
    pub discard_current: bool,
}

pub(super) fn backup(db: &Path, args: BackupArgs) -> Result<ExitCode> {
    let actor = super::session::system(db, "backup")?;
    let mut store = Store::open(db)?;
    let r = crate::backup::backup(&mut store, &actor, &args.dest)?;
    println!(
        "backup written to {} ({} bytes): integrity_check ok, audit chain OK ({} rows), head seq {} hash {}",
        r.dest.display(),
        r.bytes,
        r.rows_checked,
        r.head_seq,
        r.head_hash
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn restore(db: &Path, args: RestoreArgs) -> Result<ExitCode> {
    // Anchors live beside the real database file (or where --anchors says), even before it exists.
    let anchors = match args.anchors {
        Some(p) => p,
        None => {
            let real = if db.exists() {
                std::fs::canonicalize(db).with_context(|| format!("resolving {}", db.display()))?
            } else {
                db.to_path_buf()
            };
            crate::audit::anchor_location(&real, None)
                .or_else(|_| Ok::<_, std::io::Error>(crate::audit::anchor_path(&real, None)))?
        }
    };
    // Restoring replaces the database: the owner's administrative action (AUD-10). A missing
    // database is checked by its folder's owner.
    let owned_by = if db.exists() {
        db.to_path_buf()
    } else {
        db.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let actor = super::session::system(&owned_by, "restore")?;
    let r = crate::backup::restore(db, &args.src, &anchors, &actor, args.discard_current)?;
    if let Some(saved) = &r.saved_as {
        println!("the database as it was is saved in {}", saved.display());
    }
    println!(
        "restored {} into {}: head seq {} hash {}",
        args.src.display(),
        db.display(),
        r.restored_head_seq,
        r.restored_head_hash
    );
    if let Some(prev) = r.previous_head_seq.filter(|p| *p > r.restored_head_seq) {
        println!(
            "audit rows {}..{} of the replaced database are not in the restored one (they stay in the saved copy)",
            r.restored_head_seq + 1,
            prev
        );
    }
    println!(
        "restore recorded at seq {} and anchored in {}; next: chartdesk audit verify",
        r.event_seq,
        anchors.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct SelftestArgs {
    /// The long form (≥ 500 kills, 8 × 1,000 writers, 1M hostile cases): minutes, not seconds
    #[arg(long)]
    pub long: bool,
    /// Seed for the random kill times and hostile inputs [default: from the clock]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only the properties whose name contains this (repeatable)
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
}

#[derive(Args, Debug)]
pub struct SelftestChildArgs {
    #[arg(long)]
    pub start: i64,
    #[arg(long)]
    pub count: i64,
    /// Negative control for the sync count: the same inserts on a raw connection with
    /// synchronous=OFF
    #[arg(long)]
    pub nosync: bool,
    /// Power-loss run: cut the power at write/sync number N (see selftest::powerloss)
    #[arg(long, value_name = "N")]
    pub crash_at: Option<u64>,
    /// Negative control for power loss: raw connection with synchronous=NORMAL
    #[arg(long)]
    pub normal: bool,
    /// I/O-error run: write/sync number N fails with an I/O error (the process goes on)
    #[arg(long, value_name = "N")]
    pub fail_at: Option<u64>,
    /// Report a failed action as `ERR id message` and go on with the next one
    #[arg(long)]
    pub keep_going: bool,
}

pub(super) fn selftest(args: SelftestArgs) -> Result<ExitCode> {
    let exe = std::env::current_exe().context("locating the chartdesk binary")?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let opts = crate::selftest::SelftestOptions {
        long: args.long,
        exe,
        seed,
        only: args.only,
    };
    println!(
        "chartdesk selftest ({} form, seed {seed})",
        if opts.long { "long" } else { "short" }
    );
    let results = crate::selftest::run(&opts, &mut |r| {
        println!(
            "{:<20} {}  {} ({:.1} s)",
            r.name,
            r.verdict.as_str(),
            crate::text::sanitize_line(&r.figure),
            r.seconds
        );
    })?;
    let failed = results
        .iter()
        .filter(|r| r.verdict == crate::selftest::Verdict::Fail)
        .count();
    if failed > 0 {
        println!("{failed} propert(y/ies) FAILED");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The child of kill-anywhere, many writers and the sync count: one probe action per id,
/// `ACK id` printed (and flushed) only after its commit returned.
pub(super) fn selftest_child(db: &Path, args: SelftestChildArgs) -> Result<ExitCode> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(n) = args.crash_at {
        crate::selftest::powerloss::install(n, n % 2 == 1, false)?;
    } else if let Some(n) = args.fail_at {
        crate::selftest::powerloss::install(n, false, true)?;
    }
    if args.nosync || args.normal {
        // The selftest's negative controls (sync off / NORMAL) must bypass the store on
        // purpose: a raw connection on the probe table, never used for chartdesk data.
        let c = rusqlite::Connection::open(db)?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        c.pragma_update(
            None,
            "synchronous",
            if args.nosync { "OFF" } else { "NORMAL" },
        )?;
        c.busy_timeout(std::time::Duration::from_secs(60))?;
        for id in args.start..args.start + args.count {
            c.execute_batch("BEGIN IMMEDIATE")?;
            c.execute(
                "INSERT INTO selftest_probe(id, pid, payload) VALUES (?1, ?2, 'control')",
                rusqlite::params![id, std::process::id()],
            )?;
            c.execute_batch("COMMIT")?;
            writeln!(out, "ACK {id}")?;
            out.flush()?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = Store::open(db)?;
    for id in args.start..args.start + args.count {
        match crate::selftest::probe_action(&mut store, id, "probe") {
            Ok(()) => {
                writeln!(out, "ACK {id}")?;
                out.flush()?;
            }
            Err(e) => {
                writeln!(out, "ERR {id} {e}")?;
                out.flush()?;
                if !args.keep_going {
                    return Ok(ExitCode::from(1));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
