//! The listener's durability step: the writer commits with `synchronous=NORMAL` (no fsync on
//! its path) and this thread makes the commits durable before anyone hears of them.
//!
//! Why it is sound (an ACK is never sent for work that is not durable):
//! - A commit in WAL mode appends the transaction's frames to `<db>-wal` with `write()`. After
//!   `COMMIT` returned, `fdatasync` of the `-wal` file (any descriptor of the same inode: Linux
//!   flushes the inode's dirty pages whichever descriptor asks) makes every frame committed so
//!   far durable, exactly what `synchronous=FULL` would have done inside `COMMIT`. A group's
//!   ACKs are released only after a sync that began after its `COMMIT` returned; one sync
//!   covers every group committed before it (the groups waiting are taken together).
//! - Checkpoints: with `NORMAL` SQLite still syncs the WAL before a checkpoint copies it and the
//!   database file after (the listener's side checkpointer runs with `FULL`), so a frame that
//!   reached the database file is durable there before the WAL may restart.
//! - WAL restart (the writer reuses the WAL from its start once it is fully checkpointed): the
//!   frames overwritten are already durable in the database file, and SQLite syncs the new WAL
//!   header at restart unless `synchronous=OFF` (ticket ff5be73dee). `journal_size_limit`
//!   truncation keeps the inode. The WAL is deleted only by the last connection to close, and
//!   the writer's stays open while the listener runs; the inode is still compared before each
//!   sync, and a new file is opened (and its folder synced, as SQLite does for a new WAL).
//! - A failed sync (EIO, ENOSPC): Linux may have dropped the dirty pages, so neither the
//!   group nor anything after it can be called durable, and a resend would now look like a
//!   duplicate and be ACKed. So the listener fails stop: no ACK (and no NAK — the message may
//!   be in the database) for that group or any later one, every connection is closed, and
//!   `serve` returns the error. After a restart the senders resend; what did not reach the
//!   disk is not in the control-id ledger either and is applied again.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Called before each WAL sync (tests: a failure, or a wait that proves the ACK waits).
pub type SyncHook = Arc<dyn Fn() -> io::Result<()> + Send + Sync>;

/// The `-wal` file of one database, synced on demand.
pub struct WalSync {
    path: PathBuf,
    file: Option<(File, u64)>,
    hook: Option<SyncHook>,
}

impl WalSync {
    pub fn new(db: &Path, hook: Option<SyncHook>) -> WalSync {
        let mut p = db.as_os_str().to_owned();
        p.push("-wal");
        WalSync {
            path: PathBuf::from(p),
            file: None,
            hook,
        }
    }

    /// Make every commit that returned before this call durable.
    pub fn sync(&mut self) -> io::Result<()> {
        if let Some(hook) = &self.hook {
            hook()?;
        }
        let named = std::fs::metadata(&self.path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
        let stale = self
            .file
            .as_ref()
            .is_none_or(|(_, ino)| *ino != named.ino());
        if stale {
            // A read-only descriptor may fsync on Linux; a WAL we have not synced before may
            // be new, so its folder entry is made durable too.
            let f = File::open(&self.path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))?;
            let ino = f.metadata()?.ino();
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                File::open(dir)?.sync_all()?;
            }
            self.file = Some((f, ino));
        }
        match &self.file {
            Some((f, _)) => f
                .sync_data()
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))),
            None => Ok(()),
        }
    }
}
