//! Anchors: the chain head copied to an append-only file outside the database, so that cutting
//! off the tail of the log (which leaves a valid shorter chain) is still detected.
//!
//! Invariants:
//! - The anchor file's location never comes from inside the database it protects: it is the
//!   `--anchors` flag, else the `CHARTDESK_ANCHORS` environment variable, else
//!   `<canonical database path>.anchors` (symlinks resolved, so a link to the database does not
//!   get an anchor file of its own).
//! - The file is appended to and fsynced, never rewritten. A line with `restored_head` is
//!   written by `chartdesk restore`: anchors written before it whose seq is past that head were
//!   rolled back by the restore, and are reported as lost, not as tampering.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub anchored_at: String,
    /// Set on the anchor of a restore event: the head seq of the restored backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_head: Option<i64>,
}

impl Anchor {
    pub fn new(seq: i64, hash: impl Into<String>, anchored_at: impl Into<String>) -> Anchor {
        Anchor {
            seq,
            hash: hash.into(),
            anchored_at: anchored_at.into(),
            restored_head: None,
        }
    }
}

/// The anchor file as read: where it is, whether it exists, and its anchors in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorFile {
    pub path: PathBuf,
    pub exists: bool,
    pub anchors: Vec<Anchor>,
}

impl AnchorFile {
    /// Read the anchor file at `path` (a missing file reads as no anchors, `exists = false`).
    pub fn read(path: &Path) -> Result<AnchorFile, String> {
        let exists = path.exists();
        Ok(AnchorFile {
            path: path.to_path_buf(),
            exists,
            anchors: read_anchors(path)?,
        })
    }
}

/// Where anchors go (see the module invariants). `flag` is the `--anchors` argument.
pub fn anchor_location(db: &Path, flag: Option<&Path>) -> std::io::Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("CHARTDESK_ANCHORS").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let canonical = std::fs::canonicalize(db)?;
    Ok(anchor_path(&canonical, None))
}

/// `<database>.anchors` next to `db` as given; `setting` overrides it when non-empty.
/// (Kept for callers that already resolved the database path; the CLI uses
/// [`anchor_location`], which never reads the location from the database.)
pub fn anchor_path(db: &Path, setting: Option<&str>) -> PathBuf {
    match setting.filter(|s| !s.trim().is_empty()) {
        Some(p) => PathBuf::from(p),
        None => {
            let mut s = db.as_os_str().to_owned();
            s.push(".anchors");
            PathBuf::from(s)
        }
    }
}

/// Append one anchor line and fsync it. The file is opened append-only; it is never rewritten.
/// A new anchor file is created with the PHI mode of its folder (0600, or 0660 for the service
/// group), whatever the umask (AUD-10).
pub fn write_anchor(path: &Path, anchor: &Anchor) -> std::io::Result<()> {
    let created = !path.exists();
    let mut f = crate::host::append_private(path)?;
    let line = serde_json::to_string(anchor).map_err(std::io::Error::other)?;
    writeln!(f, "{line}")?;
    f.sync_all()?;
    if created && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // A new file's directory entry must be durable too.
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Read every anchor; a missing file means no anchors. A malformed line is an error naming it.
pub fn read_anchors(path: &Path) -> Result<Vec<Anchor>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let a: Anchor = serde_json::from_str(&line)
            .map_err(|e| format!("{}: line {}: not an anchor: {e}", path.display(), i + 1))?;
        out.push(a);
    }
    Ok(out)
}

/// What [`anchor_now`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorOutcome {
    /// The head was appended to the anchor file and the anchoring recorded in the chain.
    Anchored(Anchor),
    /// The chain does not verify (since the last anchor): nothing was appended; the refusal
    /// was recorded as a failed anchoring.
    Refused(super::ChainProblem),
}

/// `audit anchor`: verify the whole chain (with the anchor file's cross-checks; an anchor must
/// never vouch for a chain with a bad row anywhere), refuse when it does not verify, else append the head to the file at `path` and record the
/// anchoring in the chain (the event names the anchored seq and hash).
pub fn anchor_now(
    store: &mut crate::store::Store,
    actor: &super::Actor,
    path: &Path,
) -> Result<AnchorOutcome, crate::store::StoreError> {
    use super::{Action, Event, Outcome, Subtype};
    use crate::store::StoreError;
    let file = AnchorFile::read(path).map_err(|e| StoreError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    let report = super::verify_with(
        store.conn(),
        &super::VerifyOptions {
            anchor_file: Some(&file),
            ..Default::default()
        },
    )?;
    if let Some(problem) = report.problem {
        let text = problem.to_string();
        store.transact(actor, |_tx, a| {
            a.record(
                Event::new(Action::Execute, Subtype::AuditView, "audit_log", "anchor")
                    .outcome(Outcome::SeriousFailure)
                    .reason(format!("chain does not verify: {text}")),
            );
            Ok::<_, StoreError>(())
        })?;
        return Ok(AnchorOutcome::Refused(problem));
    }
    let anchor = Anchor::new(
        report.head_seq,
        report.head_hash.clone(),
        super::utc_ms(store.now()),
    );
    write_anchor(path, &anchor).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    store.transact(actor, |_tx, a| {
        a.record(
            Event::new(Action::Execute, Subtype::AuditView, "audit_log", "anchor").detail(
                serde_json::json!({"seq": anchor.seq, "hash": anchor.hash, "file": path.display().to_string()}),
            ),
        );
        Ok::<_, StoreError>(())
    })?;
    Ok(AnchorOutcome::Anchored(anchor))
}
