//! Disk full: the database may not grow (`max_page_count`), an action needing space fails with
//! a clear message, acknowledges nothing and leaves nothing partial, and works again once the
//! space returns. (Failing the N-th write or sync needs the VFS shim, not built yet.)

use std::path::Path;

use super::{SelftestError, SelftestOptions, Verdict, consistency, probe_action, setup_probe};
use crate::audit;

pub(super) fn run(_: &SelftestOptions, dir: &Path) -> Result<(Verdict, String), SelftestError> {
    let db = dir.join("full.db");
    let mut store = setup_probe(&db)?;
    for id in 1..=20 {
        probe_action(&mut store, id, "fits")?;
    }
    let head_before = audit::head(store.conn())?;
    let pages: i64 = store
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))?;
    // The file system is full: not one more page.
    store.conn().pragma_update(None, "max_page_count", pages)?;
    let big = "x".repeat(256 * 1024);
    let failed = probe_action(&mut store, 1000, &big);
    let message = match &failed {
        Ok(()) => None,
        Err(e) => Some(e.to_string()),
    };
    let head_after = audit::head(store.conn())?;
    let row: i64 = store.conn().query_row(
        "SELECT count(*) FROM selftest_probe WHERE id = 1000",
        [],
        |r| r.get(0),
    )?;
    let audit_rows: i64 = store.conn().query_row(
        "SELECT count(*) FROM audit_log WHERE entity_type = 'selftest_probe' AND entity_id = '1000'",
        [],
        |r| r.get(0),
    )?;
    // Space returns.
    store
        .conn()
        .pragma_update(None, "max_page_count", 1_073_741_823i64)?;
    let recovered = probe_action(&mut store, 1000, &big);
    drop(store);
    let (rows, problems) = consistency(&db)?;
    let clear = message.as_deref().is_some_and(|m| m.contains("full"));
    let partial = row + audit_rows + i64::from(head_after != head_before);
    let pass =
        clear && partial == 0 && recovered.is_ok() && rows.contains(&1000) && problems.is_empty();
    Ok((
        if pass { Verdict::Pass } else { Verdict::Fail },
        format!(
            "full at {pages} pages: {}; no ACK, {partial} partial rows, head unchanged; after space returns the action commits, integrity ok, chain verifies{}; N-th write/sync failure: not tested (needs the VFS shim)",
            message
                .map(|m| format!("error \"{m}\""))
                .unwrap_or_else(|| "NO ERROR".into()),
            if problems.is_empty() {
                String::new()
            } else {
                format!(" — {}", problems.join("; "))
            }
        ),
    ))
}
