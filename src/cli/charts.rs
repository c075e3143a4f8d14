//! Chart intake and analysis from the command line: `import` (FHIR, HL7 files), `discharge`
//! by hand, and deficiency `analyze`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::{ImportCmd, session};
use crate::deficiency::ops::AnalyzeScope;
use crate::store::Store;

/// `chartdesk import fhir|hl7 PATHS…`: exit 1 when a file was rejected or the import stopped.
pub(super) fn import(path: &Path, cmd: ImportCmd) -> Result<ExitCode> {
    let actor = session::system(path, "import")?;
    let mut store = Store::open(path)?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = |done: usize, total: usize| {
        if tty && total > 1 {
            let width = 30;
            let filled = done * width / total.max(1);
            let _ = write!(
                std::io::stderr(),
                "\r[{}{}] {done}/{total} files",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            if done == total {
                let _ = writeln!(std::io::stderr());
            }
        }
    };
    let t = std::time::Instant::now();
    let summary = match cmd {
        ImportCmd::Fhir { paths } => {
            crate::import::import_fhir(&mut store, &actor, &paths, &mut progress)?
        }
        ImportCmd::Hl7 { paths } => {
            crate::import::import_hl7(&mut store, &actor, &paths, &mut progress)?
        }
    };
    print!("{}", summary.render_table());
    println!(
        "{:.2} s; {} write transactions, the longest held the write lock {:.0} ms",
        t.elapsed().as_secs_f64(),
        summary.totals().transactions,
        summary.longest_write_ms()
    );
    if summary.rejected() > 0 || summary.stopped.is_some() {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `chartdesk discharge VISIT --at TIME`: discharge by hand and analyse the chart.
pub(super) fn discharge(
    path: &Path,
    visit: String,
    at: String,
    disposition: Option<String>,
) -> Result<()> {
    let actor = session::system(path, "discharge")?;
    let mut store = Store::open(path)?;
    let at = chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M"))
        .with_context(|| format!("--at {at}: use YYYY-MM-DDTHH:MM"))?;
    let id = crate::deficiency::screens_read::encounter_by_visit(store.conn(), &visit)?
        .ok_or_else(|| anyhow::anyhow!("no encounter with visit number {visit}"))?;
    let o = crate::deficiency::ops::discharge(&mut store, &actor, id, at, disposition.as_deref())?;
    println!(
        "discharged {visit}: {} deficiencies created, {} open",
        o.created, o.open
    );
    Ok(())
}

/// `chartdesk analyze [--since DATE]`.
pub(super) fn analyze(path: &Path, since: Option<chrono::NaiveDate>) -> Result<()> {
    let actor = session::system(path, "analyze")?;
    let mut store = Store::open(path)?;
    let t = std::time::Instant::now();
    let s = crate::deficiency::ops::analyze_batch(
        &mut store,
        &actor,
        since.map_or(AnalyzeScope::Awaiting, AnalyzeScope::Since),
    )?;
    println!(
        "analysed {} discharged encounters in {:.2} s: {} deficiencies created, {} resolved, {} charts complete",
        s.encounters,
        t.elapsed().as_secs_f64(),
        s.created,
        s.resolved,
        s.complete
    );
    Ok(())
}
