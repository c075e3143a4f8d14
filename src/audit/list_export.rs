//! A list on screen written to a CSV file (the TUI's `ctrl-e`), audited like the CLI's exports:
//! one `R`/`export` row naming the list, the file, the row count and the MRNs it holds, in
//! the transaction that records it. The file is written first; if the audit row cannot be
//! recorded the file is removed, so no export exists without its audit row.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Action, Actor, Event, Subtype};
use crate::error::CoreError;
use crate::store::Store;

/// Write `rows` under `header` to `dir/<name>-<stamp>.csv` (RFC 4180, formula-safe cells,
/// see [`crate::csv_out`]) and audit it. `stamp` is the caller's time label (no clock here).
/// Returns the file written.
pub fn export_list(
    store: &mut Store,
    actor: &Actor,
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
    dir: &Path,
    stamp: &str,
) -> Result<PathBuf, CoreError> {
    let head: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = crate::csv_out::Table::new(&head);
    for r in rows {
        t.row(r.iter());
    }
    let text = t.finish();
    std::fs::create_dir_all(dir).map_err(|e| {
        CoreError::invalid("export", format!("cannot create {}: {e}", dir.display()))
    })?;
    let path = dir.join(format!("{name}-{stamp}.csv"));
    write_private(&path, &text).map_err(|e| {
        CoreError::invalid("export", format!("cannot write {}: {e}", path.display()))
    })?;
    // The MRNs of the rows, for the privacy report (a column headed "MRN").
    let mrn_col = header.iter().position(|h| h.eq_ignore_ascii_case("mrn"));
    let mut mrns: Vec<&str> = mrn_col
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c).map(String::as_str))
                .collect()
        })
        .unwrap_or_default();
    mrns.sort_unstable();
    mrns.dedup();
    let file = path.display().to_string();
    let recorded = store.transact_read(actor, |_tx, audit| {
        audit.record(
            Event::new(Action::Read, Subtype::Export, "list", name).detail(json!({
                "format": "csv",
                "file": file,
                "rows": rows.len(),
                "columns": header,
                "mrns": mrns,
                "bytes": text.len(),
            })),
        );
        Ok(())
    });
    match recorded {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// The file holds PHI: owner-only on Unix.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)?.write_all(text.as_bytes())
}
