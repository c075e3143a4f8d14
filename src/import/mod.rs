//! Import of clinical data from files: FHIR R4 JSON ([`fhir`]) and HL7 v2 ([`hl7`]).
//!
//! Invariants:
//! - **Short writes.** No import holds the write lock for long: an HL7 file is streamed
//!   message by message and its messages commit in groups of about `import_write_ms` of work,
//!   each message all-or-nothing (a bad message is rejected and listed with file, message,
//!   line and reason; the others go in). A large FHIR Bundle (batch, collection, searchset) is
//!   streamed entry by entry and committed in groups likewise (`fhir_stream`); a small file is
//!   parsed whole, and a transaction Bundle is written in one transaction, all-or-nothing (over
//!   `fhir_transaction_max_mb` it is rejected). FHIR Bulk Data NDJSON is streamed line by line.
//!   Past `fhir_spill_after_entries` (a setting, default 20,000) entries a streamed file's reference index and its entries
//!   set aside live in a temporary SQLite file (`fhir_spill`), so memory stays bounded.
//! - **Every path is answered.** Folders are walked without following a symlink loop; a FIFO,
//!   socket or device is skipped with its reason and an unreadable folder is listed, and the
//!   run goes on. A database failure (disk full, I/O) stops the run, and the summary of what
//!   was done so far is still printed with the reason it stopped.
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
mod fhir_link;
pub(crate) mod fhir_spill;
mod fhir_stream;
pub mod hl7;
mod hl7_apply;
pub mod hl7_feed;
mod hl7_merge;
mod hl7_orders;
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
pub use write::MAX_END_ITEMS;

/// Why a file was rejected: the file, where in it, and what is wrong.
/// `Display` is one line: `ADT-A03.hl7: message 1, line 4 (PV1-19): visit number is empty`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
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
    /// Messages rejected on their own (HL7): the rest of the file was imported.
    pub rejects: Vec<ImportError>,
    /// Write transactions this file took, and the longest one (lock held, ms).
    pub transactions: usize,
    pub longest_write_ms: f64,
    /// The most end-of-transaction items (encounters to re-analyse, documents to flag for
    /// re-review, duplicates included) one transaction of this file carried: bounded by
    /// `write::MAX_END_ITEMS`, so the deficiency analysis at a group's end stays short.
    pub most_end_items: usize,
}

impl FileStats {
    /// Add one group transaction's counts to the file's.
    fn absorb(&mut self, g: FileStats) {
        self.created += g.created;
        self.updated += g.updated;
        self.unchanged += g.unchanged;
        self.skipped += g.skipped;
        self.discharges += g.discharges;
        self.notes.extend(g.notes);
        self.rejects.extend(g.rejects);
        self.transactions += g.transactions;
        self.longest_write_ms = self.longest_write_ms.max(g.longest_write_ms);
        self.most_end_items = self.most_end_items.max(g.most_end_items);
    }
}

pub struct FileOutcome {
    pub file: PathBuf,
    pub result: Result<FileStats, ImportError>,
}

pub struct ImportSummary {
    pub files: Vec<FileOutcome>,
    /// Why the run stopped early (a database failure such as a full disk); the files listed
    /// were done, the rest were not attempted.
    pub stopped: Option<String>,
}

impl ImportSummary {
    /// Files rejected whole plus messages rejected on their own.
    pub fn rejected(&self) -> usize {
        self.files
            .iter()
            .map(|f| match &f.result {
                Err(_) => 1,
                Ok(s) => s.rejects.len(),
            })
            .sum()
    }

    /// The longest write transaction of the run, in ms.
    pub fn longest_write_ms(&self) -> f64 {
        self.files
            .iter()
            .filter_map(|f| f.result.as_ref().ok())
            .map(|s| s.longest_write_ms)
            .fold(0.0, f64::max)
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
            t.transactions += s.transactions;
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
                    name,
                    s.created,
                    s.updated,
                    s.unchanged,
                    s.skipped,
                    if s.rejects.is_empty() {
                        String::new()
                    } else {
                        s.rejects.len().to_string()
                    }
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
            match &f.result {
                Err(e) => out.push_str(&format!("rejected: {e}\n")),
                Ok(s) => {
                    for e in &s.rejects {
                        out.push_str(&format!("rejected: {e}\n"));
                    }
                }
            }
        }
        if let Some(why) = &self.stopped {
            out.push_str(&format!(
                "stopped: {why}; the files above were done, the rest were not attempted\n"
            ));
        }
        out
    }
}

fn display_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Import FHIR R4 JSON files (Bundles of any type, or single resources) and FHIR Bulk Data
/// NDJSON files (one resource per line, `*.ndjson`). Folders are walked (sorted) for `*.json`
/// and `*.ndjson`; within a folder, NDJSON files named after a resource type (`Patient.ndjson`,
/// `Patient.000.ndjson`, as a Bulk Data export names them) are taken in dependency order
/// (Organization, Practitioner, Patient, Encounter, then the rest), so a reference to an
/// earlier file resolves to its imported row. Needs the Administer permission (the system
/// actor always has it).
pub fn import_fhir(
    store: &mut Store,
    actor: &Actor,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "import", "fhir")?;
    let limits = Limits::read(store)?;
    let mut files = collect_files(paths, &["json", "ndjson"])?;
    bulk_order(&mut files);
    fhir_stream::run(store, actor, &files, &limits, progress)
}

/// [`import_fhir`] with the number of entries a streamed file keeps in memory before its
/// reference index and set-aside entries spill to a temporary file, instead of the
/// setting `fhir_spill_after_entries` (default 20,000; tests set it small).
pub fn import_fhir_tuned(
    store: &mut Store,
    actor: &Actor,
    paths: &[PathBuf],
    spill_after: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "import", "fhir")?;
    let mut limits = Limits::read(store)?;
    limits.fhir_spill_after = spill_after;
    let mut files = collect_files(paths, &["json", "ndjson"])?;
    bulk_order(&mut files);
    fhir_stream::run(store, actor, &files, &limits, progress)
}

/// Within each run of files of one folder, NDJSON files go in dependency order of the resource
/// type they hold (a stable sort: other files keep their places relative to each other). The
/// type is the file's name (`Patient.000.ndjson`, as a Bulk Data export names them) or, for a
/// file named otherwise (`export-2.ndjson`), the `resourceType` of its first line, so a
/// reference into a file of patients named anyhow still resolves. A file that mixes types is
/// ranked by its first line (references inside it are set aside as in a Bundle).
fn bulk_order(files: &mut [Entry]) {
    let path = |e: &Entry| match e {
        Ok(p) => p.clone(),
        Err((p, _)) => p.clone(),
    };
    let rank = |e: &Entry| {
        let p = path(e);
        let ndjson = p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("ndjson"));
        let ty = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('.').next())
            .unwrap_or_default();
        let of = |ty: &str| match ty {
            "Organization" => Some(1),
            "Practitioner" => Some(2),
            "Patient" => Some(3),
            "Encounter" => Some(4),
            _ => None,
        };
        match (ndjson, of(ty)) {
            (false, _) => 0,
            (true, Some(r)) => r,
            (true, None) => first_type(&p).as_deref().and_then(of).unwrap_or(5),
        }
    };
    for run in files.chunk_by_mut(|a, b| path(a).parent() == path(b).parent()) {
        run.sort_by_cached_key(rank);
    }
}

/// The `resourceType` of the first non-blank line of an NDJSON file (reading at most 1 MB;
/// only a regular file is opened, so a FIFO never blocks), if it has one.
fn first_type(p: &Path) -> Option<String> {
    use std::io::{BufRead, Read};
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "resourceType")]
        resource_type: String,
    }
    if !std::fs::metadata(p).ok()?.is_file() {
        return None;
    }
    let f = std::fs::File::open(p).ok()?;
    let mut r = std::io::BufReader::new(f.take(1 << 20));
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let t = line.trim();
        if !t.is_empty() {
            return serde_json::from_str::<Head>(t.trim_start_matches('\u{feff}'))
                .ok()
                .map(|h| h.resource_type);
        }
    }
}

/// Import HL7 v2 files (`*.hl7`, `*.txt` when walking folders): one or many messages, MLLP
/// framing and FHS/BHS batches accepted. Needs the Administer permission. Each file is
/// streamed; its messages commit in groups of about `import_write_ms` of work, each message
/// all-or-nothing.
pub fn import_hl7(
    store: &mut Store,
    actor: &Actor,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, CoreError> {
    crate::accounts::authorize(store, actor, Perm::Administer, "import", "hl7")?;
    let limits = Limits::read(store)?;
    let files = collect_files(paths, &["hl7", "txt"])?;
    hl7_apply::run_stream(store, actor, &files, &limits, progress)
}

/// Import limits from settings.
pub(crate) struct Limits {
    pub max_file_bytes: u64,
    pub max_transaction_bytes: u64,
    pub write_budget: std::time::Duration,
    /// Entries a streamed FHIR file keeps in memory before it spills (`fhir_spill`).
    pub fhir_spill_after: usize,
}

impl Limits {
    fn read(store: &Store) -> Result<Limits, CoreError> {
        let mb = |k| -> Result<u64, CoreError> {
            Ok(crate::settings::get_i64(store.conn(), k)?.max(1) as u64 * 1024 * 1024)
        };
        Ok(Limits {
            max_file_bytes: mb(crate::settings::Key::ImportMaxFileMb)?,
            max_transaction_bytes: mb(crate::settings::Key::FhirTransactionMaxMb)?,
            write_budget: std::time::Duration::from_millis(
                crate::settings::get_i64(store.conn(), crate::settings::Key::ImportWriteMs)?
                    .clamp(1, 250) as u64,
            ),
            fhir_spill_after: crate::settings::get_i64(
                store.conn(),
                crate::settings::Key::FhirSpillAfterEntries,
            )?
            .max(1) as usize,
        })
    }
}

/// A path to import, or why it cannot be (not a regular file, unreadable folder, loop).
pub(crate) type Entry = Result<PathBuf, (PathBuf, ImportError)>;

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

/// Open a file to import: only a regular file (a FIFO would block for ever, a device never
/// ends), within the size limit. The checks are made on the opened handle, so a path swapped
/// after the walk is still checked.
pub(crate) fn open_file(path: &Path, name: &str, max: u64) -> Result<std::fs::File, ImportError> {
    let cannot = |e: std::io::Error| ImportError::new(name, "", format!("cannot read: {e}"));
    // Before opening: opening a FIFO blocks until a writer appears.
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(name, &meta.file_type()));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(name, &meta.file_type()));
    }
    if meta.len() > max {
        return Err(ImportError::new(
            name,
            "",
            format!(
                "file is {} bytes; the import limit is {max} bytes (setting import_max_file_mb)",
                meta.len()
            ),
        ));
    }
    Ok(file)
}

fn not_regular(name: &str, t: &std::fs::FileType) -> ImportError {
    use std::os::unix::fs::FileTypeExt;
    let what = if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else if t.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    };
    ImportError::new(
        name,
        "",
        format!("skipped: {what}, not a regular file; only regular files are imported"),
    )
}

/// Expand folders (recursively, sorted by path) into files with one of `exts`; plain file
/// arguments are taken as given whatever their extension. A missing path is an error. A
/// symlinked folder is followed once: a folder already being walked (a loop) or already
/// walked is skipped with its reason; an unreadable folder is listed and the walk goes on.
pub(crate) fn collect_files(paths: &[PathBuf], exts: &[&str]) -> Result<Vec<Entry>, CoreError> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, exts, &mut seen, &mut out),
            Ok(m) if m.is_file() => out.push(Ok(p.clone())),
            Ok(m) => out.push(Err((
                p.clone(),
                not_regular(&display_name(p), &m.file_type()),
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CoreError::NotFound {
                    what: "import path",
                    id: p.display().to_string(),
                });
            }
            Err(e) => out.push(Err((
                p.clone(),
                ImportError::new(&display_name(p), "", format!("cannot read: {e}")),
            ))),
        }
    }
    Ok(out)
}

fn walk(
    dir: &Path,
    exts: &[&str],
    seen: &mut std::collections::HashSet<(u64, u64)>,
    out: &mut Vec<Entry>,
) {
    use std::os::unix::fs::MetadataExt;
    let folder_err = |why: String| {
        Err((
            dir.to_path_buf(),
            ImportError::new(&dir.display().to_string(), "", why),
        ))
    };
    match std::fs::metadata(dir) {
        Ok(m) => {
            if !seen.insert((m.dev(), m.ino())) {
                out.push(folder_err(
                    "skipped: this folder was already walked (a symlink loop or a second link to it)"
                        .into(),
                ));
                return;
            }
        }
        Err(e) => {
            out.push(folder_err(format!("cannot read folder: {e}")));
            return;
        }
    }
    let mut entries: Vec<PathBuf> = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(rd) => {
            for e in rd {
                match e {
                    Ok(e) => entries.push(e.path()),
                    Err(e) => out.push(folder_err(format!("cannot list folder: {e}"))),
                }
            }
        }
        Err(e) => {
            out.push(folder_err(format!("cannot read folder: {e}")));
            return;
        }
    }
    entries.sort();
    for p in entries {
        let wanted = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)));
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => walk(&p, exts, seen, out),
            Ok(m) if m.is_file() => {
                if wanted {
                    out.push(Ok(p));
                }
            }
            Ok(m) => {
                if wanted {
                    let name = display_name(&p);
                    out.push(Err((p, not_regular(&name, &m.file_type()))));
                }
            }
            // A dangling symlink or an entry that vanished: only report files we would import.
            Err(e) => {
                if wanted {
                    let name = display_name(&p);
                    out.push(Err((
                        p,
                        ImportError::new(&name, "", format!("cannot read: {e}")),
                    )));
                }
            }
        }
    }
}
