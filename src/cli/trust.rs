//! `chartdesk backup`, `chartdesk restore` and `chartdesk selftest`: the commands that keep and
//! prove the database's trust properties (issue 17, AUD-15).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use crate::audit::Actor;
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
    let mut store = Store::open(db)?;
    let r = crate::backup::backup(&mut store, &Actor::system("backup"), &args.dest)?;
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
    let r = crate::backup::restore(
        db,
        &args.src,
        &anchors,
        &Actor::system("restore"),
        args.discard_current,
    )?;
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
