//! Anchors: the chain head copied to an append-only file outside the database, so that cutting
//! off the tail of the log (which leaves a valid shorter chain) is still detected.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub anchored_at: String,
}

/// Where anchors go: the `audit_anchor_path` setting when set, else `<database>.anchors`.
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
    let mut f = crate::host::append_private(path)?;
    let line = serde_json::to_string(anchor).map_err(std::io::Error::other)?;
    writeln!(f, "{line}")?;
    f.sync_all()
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
