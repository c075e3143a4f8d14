//! Disk full: the database may not grow (`max_page_count`), an action needing space fails with
//! a clear message, acknowledges nothing and leaves nothing partial, and works again once the
//! space returns. Then the power-loss VFS shim fails the N-th write or sync with an I/O error
//! (N = 1, 2, 3…): the action fails with that message, is not acknowledged, leaves nothing
//! partial, and the next actions commit.

use std::path::Path;

use super::{SelftestError, SelftestOptions, Verdict, consistency, probe_action, setup_probe};
use crate::audit;
use crate::store::ConnPragma;

pub(super) fn run(opts: &SelftestOptions, dir: &Path) -> Result<(Verdict, String), SelftestError> {
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
    store.set_pragma(ConnPragma::MaxPageCount, pages)?;
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
    store.set_pragma(ConnPragma::MaxPageCount, 1_073_741_823i64)?;
    let recovered = probe_action(&mut store, 1000, &big);
    drop(store);
    let (rows, problems) = consistency(&db)?;
    let clear = message.as_deref().is_some_and(|m| m.contains("full"));
    let partial = row + audit_rows + i64::from(head_after != head_before);
    let (io_runs, io_failed, io_message, io_problems) = super::powerloss::io_errors(opts, dir)?;
    let pass = clear
        && partial == 0
        && recovered.is_ok()
        && rows.contains(&1000)
        && problems.is_empty()
        && io_failed > 0
        && io_problems.is_empty();
    Ok((
        if pass { Verdict::Pass } else { Verdict::Fail },
        format!(
            "full at {pages} pages: {}; no ACK, {partial} partial rows, head unchanged; after space returns the action commits, integrity ok, chain verifies{}; I/O error at write/sync N = 1..{io_runs} (VFS shim): {io_failed} actions failed (\"{io_message}\"), none ACKed, 0 partial, later actions committed, chain verifies{}",
            message
                .map(|m| format!("error \"{m}\""))
                .unwrap_or_else(|| "NO ERROR".into()),
            if problems.is_empty() {
                String::new()
            } else {
                format!(" — {}", problems.join("; "))
            },
            if io_problems.is_empty() {
                String::new()
            } else {
                format!(" — {}", io_problems.join("; "))
            }
        ),
    ))
}
