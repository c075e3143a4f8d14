//! Import of clinical data from files: FHIR R4 JSON ([`fhir`]) and HL7 v2 ([`hl7`]).
//!
//! Invariants:
//! - **One transaction per file.** A file is parsed and checked completely before its
//!   transaction starts; any error rejects the whole file (nothing of it is written, no audit
//!   row) and the batch goes on with the next file.
//! - **Idempotent.** Rows are matched on `source_key` (and natural keys: MRN, NPI, visit
//!   number); a field-by-field comparison decides created / updated / unchanged. Unchanged rows
//!   write nothing. HL7 messages are also recorded in `import_messages` by content hash, so a
//!   re-delivered message (same content) is a no-op even when later messages changed the rows.
//! - **Audit.** Every created or changed row gets one audit event (Create/Update, entity type,
//!   `.patient(mrn)`, detail with `source_file`, the entry or message/line, `source_key` and
//!   the changed field names — not their values). A file that changes nothing has its
//!   transaction rolled back: nothing is written and no audit row is added. A file whose only
//!   write is the HL7 message ledger gets one `import_file` Execute event.
//! - Text is stored exactly as received; sanitising happens at display (`crate::text`).
//! - Clinical times are stored as the wall-clock time written in the source
//!   (`YYYY-MM-DDTHH:MM:SS`): a timestamp with an offset keeps its local reading in that offset
//!   (the offset and fractional seconds are dropped). Birth dates are `YYYY-MM-DD`.

pub mod fhir;
mod fhir_apply;
mod fhir_doc;
pub mod hl7;
mod hl7_apply;
pub mod hooks;
mod mdm;
mod throughput;
mod time;
mod write;

use std::path::{Path, PathBuf};

use crate::audit::Actor;
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{Store, StoreError};

pub use fhir::{ParsedResource, parse_fhir};
pub use hl7::{Hl7Message, parse_hl7};
pub use throughput::{Throughput, throughput};
pub use time::decode_base64;

/// Largest file accepted (bytes). Documented limit, well above the 50 MB-note requirement.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Why a file was rejected: the file, where in it, and what is wrong.
/// `Display` is one line: `ADT-A03.hl7: message 1, line 4 (PV1-19): visit number is empty`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{message}", location_prefix(.location))]
pub struct ImportError {
    /// File name as given (the path's final component).
    pub file: String,
    /// FHIR: `entry 3 (Encounter/abc), subject`; HL7: `message 1, line 4 (PV1-19)`; empty when
    /// the whole file is concerned.
    pub location: String,
    pub message: String,
}

fn location_prefix(location: &str) -> String {
    if location.is_empty() {
        String::new()
    } else {
        format!("{location}: ")
    }
}

impl ImportError {
    pub fn new(file: &str, location: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_string(),
            location: location.into(),
            message: message.into(),
        }
    }
}

/// Counts for one imported file. `notes` explains skipped items (unsupported HL7 message
/// types, unknown FHIR resource types, non-text OBX values).
#[derive(Default, Debug, Clone, serde::Serialize)]
pub struct FileStats {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Unknown resource types, unsupported message types etc.
    pub skipped: usize,
    /// Encounters that became discharged by this file (discharge hook calls).
    pub discharges: usize,
    pub notes: Vec<String>,
}

pub struct FileOutcome {
    pub file: PathBuf,
    pub result: Result<FileStats, ImportError>,
}

pub struct ImportSummary {
    pub files: Vec<FileOutcome>,
}

impl ImportSummary {
    pub fn rejected(&self) -> usize {
        self.files.iter().filter(|f| f.result.is_err()).count()
    }

    /// Sum of the statistics of the files that were imported.
    pub fn totals(&self) -> FileStats {
        let mut t = FileStats::default();
        for s in self.files.iter().filter_map(|f| f.result.as_ref().ok()) {
            t.created += s.created;
            t.updated += s.updated;
            t.unchanged += s.unchanged;
            t.skipped += s.skipped;
            t.discharges += s.discharges;
        }
        t
    }

    /// A plain-text table: one row per file, then totals and each rejection's message.
    pub fn render_table(&self) -> String {
        let mut out = format!(
            "{:<50} {:>8} {:>8} {:>9} {:>8} {:>8}\n",
            "file", "created", "updated", "unchanged", "skipped", "rejected"
        );
        for f in &self.files {
            let name = display_name(&f.file);
            match &f.result {
                Ok(s) => out.push_str(&format!(
                    "{:<50} {:>8} {:>8} {:>9} {:>8} {:>8}\n",
                    name, s.created, s.updated, s.unchanged, s.skipped, ""
                )),
                Err(_) => out.push_str(&format!(
                    "{:<50} {:>8} {:>8} {:>9} {:>8} {:>8}\n",
                    name, "", "", "", "", "yes"
                )),
            }
        }
        let t = self.totals();
        out.push_str(&format!(
            "{:<50} {:>8} {:>8} {:>9} {:>8} {:>8}\n",
            format!("total ({} files)", self.files.len()),
            t.created,
            t.updated,
            t.unchanged,
            t.skipped,
            self.rejected()
        ));
        for f in &self.files {
            if let Err(e) = &f.result {
                out.push_str(&format!("rejected: {e}\n"));
            }
        }
        out
    }
}

fn display_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Import FHIR R4 JSON files (Bundles of any type, or single resources). Folders are walked
/// (sorted) for `*.json`. Needs the Administer permission (the system actor always has it).
pub fn import_fhir(
    store: &mut Store,
    actor: &Actor,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "import", "fhir")?;
    let files = collect_files(paths, &["json"])?;
    run(
        store,
        actor,
        &files,
        progress,
        parse_fhir,
        |store, actor, name, parsed| fhir_apply::apply(store, actor, name, parsed),
    )
}

/// Import HL7 v2 files (`*.hl7`, `*.txt` when walking folders): one or many messages, MLLP
/// framing and FHS/BHS batches accepted. Needs the Administer permission.
pub fn import_hl7(
    store: &mut Store,
    actor: &Actor,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "import", "hl7")?;
    let files = collect_files(paths, &["hl7", "txt"])?;
    run(
        store,
        actor,
        &files,
        progress,
        parse_hl7,
        |store, actor, name, messages| hl7_apply::apply(store, actor, name, messages),
    )
}

/// Result of one file's work inside the driver: rejected, or done (maybe with no writes).
pub(crate) enum FileFail {
    Rejected(ImportError),
    /// The database failed in a way that is not about this file (busy, I/O): stop the batch.
    Fatal(StoreError),
}

impl From<ImportError> for FileFail {
    fn from(e: ImportError) -> Self {
        FileFail::Rejected(e)
    }
}

/// The import driver, in two stages on two threads: a reader thread reads and parses file
/// N+1 (pure work, no database) while this thread writes file N in its own transaction.
/// Files are written strictly in order and at most two parsed files wait in memory. A fatal
/// store error stops the batch: the reader sees the closed channel and stops too.
fn run<P: Send>(
    store: &mut Store,
    actor: &Actor,
    files: &[PathBuf],
    progress: &mut dyn FnMut(usize, usize),
    parse: impl Fn(&[u8], &str) -> Result<P, ImportError> + Sync,
    mut apply: impl FnMut(&mut Store, &Actor, &str, &P) -> Result<FileStats, FileFail>,
) -> Result<ImportSummary, CoreError> {
    let total = files.len();
    progress(0, total);
    std::thread::scope(|scope| {
        let (parsed_tx, parsed_rx) = std::sync::mpsc::sync_channel(2);
        let parse = &parse;
        scope.spawn(move || {
            for file in files {
                let name = display_name(file);
                let parsed = read_file(file, &name).and_then(|bytes| parse(&bytes, &name));
                if parsed_tx.send((file, name, parsed)).is_err() {
                    break;
                }
            }
        });
        let mut out = Vec::with_capacity(total);
        for (i, (file, name, parsed)) in parsed_rx.into_iter().enumerate() {
            let result = match parsed {
                Err(e) => Err(e),
                Ok(p) => match apply(store, actor, &name, &p) {
                    Ok(s) => Ok(s),
                    Err(FileFail::Rejected(e)) => Err(e),
                    Err(FileFail::Fatal(e)) => return Err(CoreError::Store(e)),
                },
            };
            out.push(FileOutcome {
                file: file.clone(),
                result,
            });
            progress(i + 1, total);
        }
        Ok(ImportSummary { files: out })
    })
}

fn read_file(path: &Path, name: &str) -> Result<Vec<u8>, ImportError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ImportError::new(name, "", format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ImportError::new(
            name,
            "",
            format!(
                "file is {} bytes; the import limit is {MAX_FILE_BYTES} bytes",
                meta.len()
            ),
        ));
    }
    std::fs::read(path).map_err(|e| ImportError::new(name, "", format!("cannot read: {e}")))
}

/// Expand folders (recursively, sorted by path) into files with one of `exts`; plain file
/// arguments are taken as given whatever their extension. A missing path is an error.
fn collect_files(paths: &[PathBuf], exts: &[&str]) -> Result<Vec<PathBuf>, CoreError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, exts, &mut out)?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(CoreError::NotFound {
                what: "import path",
                id: p.display().to_string(),
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> Result<(), CoreError> {
    let io = |e: std::io::Error| {
        CoreError::Store(StoreError::Io {
            path: dir.to_path_buf(),
            source: e,
        })
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, exts, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)))
        {
            out.push(p);
        }
    }
    Ok(())
}
