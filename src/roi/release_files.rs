//! Release packet files that never outlive or precede their disclosure (issue #17, "orphan
//! release packets"): the packet is staged in a temporary folder and zip next to the final ones
//! (`.REQ-000042.partial-<pid>-<nonce>` and `….zip`, PHI modes, fsynced), the release commits,
//! and only then are they renamed into place and the folder fsynced.
//!
//! A pending-release journal beside the database (`<db>.pending-releases/`, one small JSON file
//! per release in flight, written and fsynced before any packet file) says where the staged
//! files are. Its file is `flock`ed by the releasing process for as long as it runs, so a
//! recovery never touches a release that is still going on. [`recover`] (at the start of every
//! release and in `chartdesk doctor`) settles what a crash left behind:
//! - the request was released with this very packet (its manifest's SHA-256 is the one the
//!   release committed, and every file matches the manifest, the zip the audited SHA-256): the
//!   packet is renamed into place;
//! - otherwise the staged packet was never disclosed: it is removed (it holds PHI).
//!
//! Each action is written to the audit log (`release_packet` events) and reported.
//!
//! For the crash tests the environment variable `CHARTDESK_TEST_CRASH_AT=<step>` makes the
//! process SIGKILL itself at that step (see [`STEPS`]); without it nothing happens.

use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::packet::sha256_hex;
use super::request::request_label;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::error::CoreError;
use crate::store::Store;

/// The crash points of a release, in order (`CHARTDESK_TEST_CRASH_AT`).
pub const STEPS: &[&str] = &[
    // journal entry written, no packet file yet
    "journal",
    // staged folder created and its first file written, the rest not
    "temp-partial",
    // every staged file and the staged zip written and fsynced; COMMIT not run
    "temp-written",
    // COMMIT done; nothing renamed
    "committed",
    // folder renamed into place; zip not
    "dir-renamed",
    // zip renamed into place; folder not fsynced, journal entry not removed
    "zip-renamed",
];

/// SIGKILL this process when `CHARTDESK_TEST_CRASH_AT` names `step` (crash tests only).
pub fn crash_point(step: &str) {
    if std::env::var_os("CHARTDESK_TEST_CRASH_AT").is_some_and(|s| s == step) {
        // SAFETY: kill(2) on our own pid has no memory-safety preconditions.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// What the journal says about one release in flight.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending {
    request_id: i64,
    temp_dir: PathBuf,
    temp_zip: PathBuf,
    dir: PathBuf,
    zip: PathBuf,
}

/// The journal folder of the database at `db` (beside the real file, whatever link or relative
/// path named it, so a release and `doctor` always find the same journal).
pub fn journal_dir(db: &Path) -> PathBuf {
    let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".pending-releases");
    db.with_file_name(name)
}

fn io_err(path: &Path, e: std::io::Error) -> CoreError {
    CoreError::invalid(path.display().to_string(), e.to_string())
}

fn fsync_dir(dir: &Path) -> std::io::Result<()> {
    let d = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(d)?.sync_all()
}

/// `rename(2)` that never replaces an existing file or (empty) folder.
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::other(format!("{}: NUL in path", p.display())))
    };
    let (f, t) = (c(from)?, c(to)?);
    // SAFETY: both are valid NUL-terminated paths for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            f.as_ptr(),
            libc::AT_FDCWD,
            t.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // A file system without RENAME_NOREPLACE: check, then rename.
        Some(libc::EINVAL) | Some(libc::ENOSYS) => {
            if std::fs::symlink_metadata(to).is_ok() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} already exists", to.display()),
                ));
            }
            std::fs::rename(from, to)
        }
        _ => Err(e),
    }
}

fn try_lock(f: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on an open descriptor we own.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

fn nonce() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut bytes = [0u8; 6];
    let random = File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if random {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        format!("{:x}{:08x}", t.as_secs(), t.subsec_nanos())
    }
}

/// A packet staged for one release: the journal entry (locked) and the temporary files.
pub struct Staged {
    pending: Pending,
    journal: PathBuf,
    /// Held open (and locked) for as long as the release runs.
    _lock: File,
}

/// Where a staged packet lives, before and after: made absolute so the journal is usable
/// from any working directory.
fn absolute(p: &Path) -> Result<PathBuf, CoreError> {
    std::path::absolute(p).map_err(|e| io_err(p, e))
}

/// Stage the packet of request `id`: journal entry first (fsynced), then the temporary folder
/// with every file and the temporary zip, each fsynced, then their folder. `slot` receives the
/// [`Staged`] as soon as the journal entry exists, so a failure part way still lets the caller
/// [`Staged::discard`] exactly what was created.
pub fn stage(
    db: &Path,
    id: i64,
    dir: &Path,
    zip: &Path,
    files: &[(String, Vec<u8>)],
    zip_bytes: &[u8],
    slot: &std::cell::RefCell<Option<Staged>>,
) -> Result<(), CoreError> {
    let label = request_label(id);
    let dir = absolute(dir)?;
    let zip = absolute(zip)?;
    let parent = dir.parent().unwrap_or(Path::new("/")).to_path_buf();
    // Packet files are PHI: 0600 and folders 0700 (group-shared in a set-group-id folder),
    // whatever the umask (AUD-10).
    crate::host::create_private_dir_all(&parent).map_err(|e| io_err(&parent, e))?;
    let token = format!("{}-{}", std::process::id(), nonce());
    let temp_dir = parent.join(format!(".{label}.partial-{token}"));
    let temp_zip = parent.join(format!(".{label}.partial-{token}.zip"));
    let pending = Pending {
        request_id: id,
        temp_dir: temp_dir.clone(),
        temp_zip: temp_zip.clone(),
        dir,
        zip,
    };
    let jdir = journal_dir(db);
    crate::host::create_private_dir_all(&jdir).map_err(|e| io_err(&jdir, e))?;
    let journal = jdir.join(format!("{label}.partial-{token}.json"));
    let tmp = jdir.join(format!("{label}.partial-{token}.json.tmp"));
    let mut lock = crate::host::create_private_file(&tmp).map_err(|e| io_err(&tmp, e))?;
    if !try_lock(&lock) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(&tmp, std::io::Error::other("cannot lock")));
    }
    let body = serde_json::to_vec_pretty(&pending)
        .map_err(|e| CoreError::invalid("journal", e.to_string()))?;
    let written = lock
        .write_all(&body)
        .and_then(|()| lock.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &journal))
        .and_then(|()| fsync_dir(&jdir));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&journal);
        return Err(io_err(&journal, e));
    }
    *slot.borrow_mut() = Some(Staged {
        pending,
        journal,
        _lock: lock,
    });
    crash_point("journal");
    crate::host::create_private_dir(&temp_dir).map_err(|e| io_err(&temp_dir, e))?;
    for (i, (name, bytes)) in files.iter().enumerate() {
        let p = temp_dir.join(name);
        if let Some(sub) = p.parent() {
            crate::host::create_private_dir_all(sub).map_err(|e| io_err(sub, e))?;
        }
        crate::host::write_private(&p, bytes).map_err(|e| io_err(&p, e))?;
        if i == 0 {
            crash_point("temp-partial");
        }
    }
    // Sub-folders first (documents/), then the staged folder itself.
    let mut subs: Vec<PathBuf> = files
        .iter()
        .filter_map(|(n, _)| temp_dir.join(n).parent().map(Path::to_path_buf))
        .collect();
    subs.sort();
    subs.dedup();
    for s in subs {
        fsync_dir(&s).map_err(|e| io_err(&s, e))?;
    }
    crate::host::write_private(&temp_zip, zip_bytes).map_err(|e| io_err(&temp_zip, e))?;
    fsync_dir(&parent).map_err(|e| io_err(&parent, e))?;
    Ok(())
}

impl Staged {
    /// The release did not commit: remove the staged files and the journal entry.
    pub fn discard(self) {
        let p = &self.pending;
        let _ = std::fs::remove_dir_all(&p.temp_dir);
        let _ = std::fs::remove_file(&p.temp_zip);
        if let Some(parent) = p.temp_dir.parent() {
            let _ = fsync_dir(parent);
        }
        let _ = std::fs::remove_file(&self.journal);
        if let Some(j) = self.journal.parent() {
            let _ = fsync_dir(j);
        }
    }

    /// The release committed: rename the folder and the zip into place, fsync their folder,
    /// drop the journal entry. On failure the entry stays for [`recover`] (`chartdesk doctor`).
    pub fn publish(self) -> Result<(), String> {
        crash_point("committed");
        let p = &self.pending;
        let parent = p.dir.parent().unwrap_or(Path::new("/"));
        let fail = |what: &Path, e: std::io::Error| {
            format!(
                "{}: {e}; the staged packet is kept at {} and `chartdesk doctor` moves it into place",
                what.display(),
                p.temp_dir.display()
            )
        };
        rename_noreplace(&p.temp_dir, &p.dir).map_err(|e| fail(&p.dir, e))?;
        crash_point("dir-renamed");
        rename_noreplace(&p.temp_zip, &p.zip).map_err(|e| fail(&p.zip, e))?;
        crash_point("zip-renamed");
        fsync_dir(parent).map_err(|e| fail(parent, e))?;
        let _ = std::fs::remove_file(&self.journal);
        if let Some(j) = self.journal.parent() {
            let _ = fsync_dir(j);
        }
        Ok(())
    }
}

/// One thing [`recover`] found, and what it did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Recovery {
    /// True when the leftover could not be settled (left as it was, see `text`).
    pub failed: bool,
    pub text: String,
}

/// The request's state as the database has it.
struct Committed {
    packet_sha256: Option<String>,
    mrn: String,
    label: String,
}

fn committed_state(store: &Store, id: i64) -> Result<Option<Committed>, CoreError> {
    use rusqlite::OptionalExtension;
    Ok(store
        .conn()
        .query_row(
            "SELECT r.packet_sha256, p.mrn FROM release_requests r JOIN patients p ON p.id = r.patient_id
             WHERE r.id = ?1",
            [id],
            |r| {
                Ok(Committed {
                    packet_sha256: r.get(0)?,
                    mrn: r.get(1)?,
                    label: request_label(id),
                })
            },
        )
        .optional()?)
}

/// The zip SHA-256 the release's audit event recorded.
fn audited_zip_sha(store: &Store, c: &Committed) -> Result<Option<String>, CoreError> {
    let mut stmt = store.conn().prepare(
        "SELECT detail FROM audit_log WHERE patient_mrn = ?1 AND entity_type = 'release_request'
           AND entity_id = ?2 AND subtype = 'release' ORDER BY seq DESC",
    )?;
    let details = stmt.query_map(rusqlite::params![c.mrn, c.label], |r| r.get::<_, String>(0))?;
    for d in details {
        let v: serde_json::Value = serde_json::from_str(&d?).unwrap_or_default();
        if v.get("manifest_sha256").and_then(|s| s.as_str()) == c.packet_sha256.as_deref() {
            return Ok(v
                .get("zip_sha256")
                .and_then(|s| s.as_str())
                .map(str::to_string));
        }
    }
    Ok(None)
}

fn file_sha(p: &Path) -> Option<String> {
    std::fs::read(p).ok().map(|b| sha256_hex(&b))
}

/// Every file the manifest in `folder` lists has its size and SHA-256; the first mismatch.
fn verify_folder(folder: &Path) -> Result<(), String> {
    let m = std::fs::read(folder.join("manifest.json"))
        .map_err(|e| format!("{}/manifest.json: {e}", folder.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&m)
        .map_err(|e| format!("{}/manifest.json: {e}", folder.display()))?;
    let files = v
        .get("files")
        .and_then(|f| f.as_array())
        .ok_or_else(|| format!("{}/manifest.json: no file list", folder.display()))?;
    for f in files {
        let (Some(path), Some(sha)) = (
            f.get("path").and_then(|s| s.as_str()),
            f.get("sha256").and_then(|s| s.as_str()),
        ) else {
            return Err(format!(
                "{}/manifest.json: bad file entry",
                folder.display()
            ));
        };
        if path.split('/').any(|c| c == ".." || c.is_empty()) {
            return Err(format!(
                "{}/manifest.json: bad path {path:?}",
                folder.display()
            ));
        }
        let p = folder.join(path);
        match file_sha(&p) {
            Some(s) if s == sha => {}
            Some(_) => {
                return Err(format!(
                    "{}: SHA-256 differs from the manifest",
                    p.display()
                ));
            }
            None => return Err(format!("{}: missing", p.display())),
        }
    }
    Ok(())
}

/// Settle every interrupted release of the database `store` (see the module doc), as `actor`.
/// Releases still running (their journal entry locked) are left alone.
pub fn recover(store: &mut Store, actor: &Actor) -> Result<Vec<Recovery>, CoreError> {
    let jdir = journal_dir(store.path());
    let entries = match std::fs::read_dir(&jdir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(&jdir, e)),
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.ends_with(".json") || n.ends_with(".json.tmp")
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let Ok(f) = File::open(&path) else { continue };
        if !try_lock(&f) {
            out.push(Recovery {
                failed: false,
                text: format!("{}: a release in progress; left alone", path.display()),
            });
            continue;
        }
        // Settled by another recovery while we waited: the name is gone or is a new file.
        let same = match (std::fs::metadata(&path), f.metadata()) {
            (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
            _ => false,
        };
        if !same {
            continue;
        }
        if path.to_string_lossy().ends_with(".tmp") {
            // Killed while writing the entry: no packet file was created yet. A fresh one may
            // be a release between creating and locking it: leave those a minute.
            let fresh = f
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age < std::time::Duration::from_secs(60));
            if fresh {
                continue;
            }
            let _ = std::fs::remove_file(&path);
            let _ = fsync_dir(&jdir);
            continue;
        }
        let pending: Pending = match std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
        {
            Some(p) => p,
            None => {
                out.push(Recovery {
                    failed: true,
                    text: format!("{}: unreadable journal entry; left alone", path.display()),
                });
                continue;
            }
        };
        let r = settle(store, actor, &pending)?;
        if !r.failed {
            let _ = std::fs::remove_file(&path);
            let _ = fsync_dir(&jdir);
        }
        out.push(r);
        drop(f);
    }
    Ok(out)
}

fn settle(store: &mut Store, actor: &Actor, p: &Pending) -> Result<Recovery, CoreError> {
    let label = request_label(p.request_id);
    let state = committed_state(store, p.request_id)?;
    let temp_dir_there = p.temp_dir.is_dir();
    let temp_zip_there = std::fs::symlink_metadata(&p.temp_zip).is_ok();
    // Which folder holds this attempt's manifest: the staged one, or (renamed before the
    // crash) the final one.
    let manifest_sha = if temp_dir_there {
        file_sha(&p.temp_dir.join("manifest.json"))
    } else {
        file_sha(&p.dir.join("manifest.json"))
    };
    let committed = match (&state, &manifest_sha) {
        (Some(c), Some(m)) => c.packet_sha256.as_deref() == Some(m.as_str()),
        _ => false,
    };
    let ok = |text: String| Recovery {
        failed: false,
        text,
    };
    let fail = |text: String| Recovery { failed: true, text };
    if committed {
        let c = state
            .as_ref()
            .ok_or_else(|| CoreError::invalid("request", "gone"))?;
        if !temp_dir_there && !temp_zip_there {
            return Ok(ok(format!(
                "{label}: released packet already in place at {}",
                p.dir.display()
            )));
        }
        let folder = if temp_dir_there { &p.temp_dir } else { &p.dir };
        if let Err(why) = verify_folder(folder) {
            return Ok(fail(format!(
                "{label} was released but its packet does not match the manifest ({why}); left at {}",
                folder.display()
            )));
        }
        if temp_zip_there {
            let want = audited_zip_sha(store, c)?;
            let have = file_sha(&p.temp_zip);
            if want.is_none() || want != have {
                return Ok(fail(format!(
                    "{label} was released but its staged zip {} does not match the SHA-256 in the release's audit event; left there",
                    p.temp_zip.display()
                )));
            }
        }
        if temp_dir_there && let Err(e) = rename_noreplace(&p.temp_dir, &p.dir) {
            return Ok(fail(format!(
                "{label} was released but its packet cannot be moved into place ({}: {e}); left at {}",
                p.dir.display(),
                p.temp_dir.display()
            )));
        }
        crash_point("recover-dir-renamed");
        if temp_zip_there && let Err(e) = rename_noreplace(&p.temp_zip, &p.zip) {
            return Ok(fail(format!(
                "{label} was released but its zip cannot be moved into place ({}: {e}); left at {}",
                p.zip.display(),
                p.temp_zip.display()
            )));
        }
        if let Some(parent) = p.dir.parent() {
            fsync_dir(parent).map_err(|e| io_err(parent, e))?;
        }
        let text = format!(
            "{label}: released before an interruption; packet verified against its manifest and moved into place at {} and {}",
            p.dir.display(),
            p.zip.display()
        );
        record(store, actor, c, Subtype::Update, &text, p)?;
        return Ok(ok(text));
    }
    // Never released with this packet: it holds PHI that was never disclosed. Only the staged
    // names are removed (a final folder of this name belongs to another, committed release).
    if temp_dir_there {
        std::fs::remove_dir_all(&p.temp_dir).map_err(|e| io_err(&p.temp_dir, e))?;
    }
    if temp_zip_there {
        std::fs::remove_file(&p.temp_zip).map_err(|e| io_err(&p.temp_zip, e))?;
    }
    if let Some(parent) = p.temp_dir.parent() {
        let _ = fsync_dir(parent);
    }
    if !temp_dir_there && !temp_zip_there {
        return Ok(ok(format!(
            "{label}: an interrupted release left no packet file"
        )));
    }
    let text = format!(
        "{label}: removed the packet of a release that did not commit (never disclosed): {}",
        p.temp_dir.display()
    );
    if let Some(c) = &state {
        record(store, actor, c, Subtype::Delete, &text, p)?;
    }
    Ok(ok(text))
}

fn record(
    store: &mut Store,
    actor: &Actor,
    c: &Committed,
    subtype: Subtype,
    text: &str,
    p: &Pending,
) -> Result<(), CoreError> {
    let event = Event::new(Action::Execute, subtype, "release_packet", &c.label)
        .patient(&c.mrn)
        .reason(text.to_string())
        .detail(json!({
            "recovery": if subtype == Subtype::Update { "moved_into_place" } else { "removed_unreleased" },
            "staged_dir": p.temp_dir.display().to_string(),
            "staged_zip": p.temp_zip.display().to_string(),
            "dir": p.dir.display().to_string(),
            "zip": p.zip.display().to_string(),
            "manifest_sha256": c.packet_sha256,
        }));
    store.transact(actor, |_tx, audit| {
        audit.record(event);
        Ok::<_, CoreError>(())
    })
}
