//! Multi-patient requests (issue #12): a payer audit or a research set names many patients.
//! The batch holds one child request per patient, each with its own authorization or the
//! batch's legal basis, its own selection and validation, and — when released — its own
//! disclosure row (so one accounting row per patient where the disclosure is accountable,
//! AOD-02). The batch is released as one packet: `BATCH-000001/` with a folder per patient
//! (`REQ-…/`, that patient's full packet), a batch `manifest.json` with the SHA-256 of each
//! patient packet's manifest and zip, and `BATCH-000001.zip` holding it all.
//!
//! Invariants: the batch and all its child requests are logged in one transaction (a bad line
//! logs nothing, and the error names the list and line); a batch is released only when every
//! child still open is ready for release; each child release is its own audited transaction,
//! so a failure part-way leaves the released children released (with their packets) and the
//! batch unreleased — running the release again continues with the rest.
//!
//! Lock hold (issue #17's 250 ms): a batch is never released in one transaction. Each patient
//! is released in its own `BEGIN IMMEDIATE` transaction (all-or-nothing for that patient:
//! disclosure row, status, audit event and staged packet commit together), so other users'
//! writes interleave between patients however many patients the batch lists; the batch
//! manifest and zip are written outside any transaction, and the batch row in one short
//! transaction at the end. A patient's packet is rendered and staged *before* that patient's
//! transaction, which re-checks the request's version and the packet's inputs and refuses if
//! they moved ([`super::release::release_with`]); a patient refused that way stops the batch,
//! and releasing the batch again continues with that patient.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::authorization::Authorization;
use super::lifecycle::Status;
use super::packet::sha256_hex;
use super::request::{self, NewRequest, request_label};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings;
use crate::store::Store;

/// `BATCH-000001`.
pub fn batch_label(id: i64) -> String {
    format!("BATCH-{id:06}")
}

/// Parse `1`, `BATCH-1` or `BATCH-000001`.
pub fn parse_batch_id(s: &str) -> Result<i64, CoreError> {
    let t = s.trim();
    t.strip_prefix("BATCH-")
        .unwrap_or(t)
        .parse()
        .map_err(|_| CoreError::invalid("batch", format!("{s:?} is not BATCH-<number>")))
}

/// One line of a patient list: an MRN, and optionally the authorization file for that patient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEntry {
    pub line: usize,
    pub mrn: String,
    pub authorization: Option<PathBuf>,
}

/// Read a pasted or file list: one patient a line, `MRN` or `MRN,authorization.json` (comma,
/// tab or spaces); blank lines and `#` comments skipped; a repeated MRN is refused. Errors name
/// `source` and the line.
pub fn parse_list(text: &str, source: &str) -> Result<Vec<ListEntry>, CoreError> {
    let mut out: Vec<ListEntry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let mut parts = l
            .split([',', '\t', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let mrn = parts.next().unwrap_or("").to_string();
        let auth = parts.next().map(PathBuf::from);
        if parts.next().is_some() {
            return Err(CoreError::invalid(
                format!("{source} line {line}"),
                "expected MRN or MRN,authorization.json",
            ));
        }
        if !mrn.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(CoreError::invalid(
                format!("{source} line {line}, field mrn"),
                format!("{mrn:?} is not an MRN"),
            ));
        }
        if out.iter().any(|e| e.mrn == mrn) {
            return Err(CoreError::invalid(
                format!("{source} line {line}, field mrn"),
                format!("{mrn} is already on the list"),
            ));
        }
        out.push(ListEntry {
            line,
            mrn,
            authorization: auth,
        });
    }
    if out.is_empty() {
        return Err(CoreError::invalid(source, "no patients listed"));
    }
    Ok(out)
}

/// The patients of a list with their authorizations read: each `MRN,authorization.json` file
/// is read relative to `base` and parsed (164.508(c)); an error names `source`, the line and
/// the file.
pub fn read_entries(
    text: &str,
    source: &str,
    base: &Path,
) -> Result<Vec<(ListEntry, Option<Authorization>)>, CoreError> {
    let mut out = Vec::new();
    for e in parse_list(text, source)? {
        let auth = match &e.authorization {
            Some(p) => {
                let path = base.join(p);
                let at = format!("{source} line {}: {}", e.line, path.display());
                let json = std::fs::read_to_string(&path)
                    .map_err(|err| CoreError::invalid(&at, err.to_string()))?;
                Some(
                    super::check::parse_authorization(&json)
                        .map_err(|err| CoreError::invalid(&at, err.to_string()))?,
                )
            }
            None => None,
        };
        out.push((e, auth));
    }
    Ok(out)
}

/// A list as typed on one line of a form: a path to a list file, or patients separated by `;`
/// (each `MRN` or `MRN,authorization.json`). Returns (text, source, base for authorizations).
pub fn list_from_field(field: &str) -> Result<(String, String, PathBuf), CoreError> {
    let t = field.trim();
    let p = Path::new(t);
    if !t.is_empty() && !t.contains(';') && p.is_file() {
        let text = std::fs::read_to_string(p)
            .map_err(|e| CoreError::invalid(p.display().to_string(), e.to_string()))?;
        let base = p.parent().map(PathBuf::from).unwrap_or_default();
        return Ok((text, p.display().to_string(), base));
    }
    Ok((
        t.split(';').collect::<Vec<_>>().join("\n"),
        "pasted list".to_string(),
        std::env::current_dir().unwrap_or_default(),
    ))
}

/// Log a batch: `template` gives the requester, purpose, scope, delivery and receipt (its MRN is
/// ignored); each entry a patient with its authorization, if any. One transaction.
pub fn log_batch(
    store: &mut Store,
    actor: &Actor,
    template: &NewRequest,
    entries: &[(ListEntry, Option<Authorization>)],
    source: &str,
) -> Result<(i64, Vec<i64>), CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "request_batch", "new")?;
    let today = request::today(store);
    for (e, _) in entries {
        let new = NewRequest {
            mrn: e.mrn.clone(),
            ..template.clone()
        };
        request::check_new(store.conn(), &new, today).map_err(|err| {
            CoreError::invalid(format!("{source} line {}", e.line), err.to_string())
        })?;
    }
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        tx.execute(
            "INSERT INTO request_batches(requester_type, requester_name, requester_address, purpose, received, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![template.requester_type.as_str(), template.requester_name.trim(), template.requester_address.trim(),
                template.purpose.trim(), template.received.to_string(), now, actor.username],
        )?;
        let bid = tx.last_insert_rowid();
        let mut ids = Vec::new();
        for (e, auth) in entries {
            let new = NewRequest {
                mrn: e.mrn.clone(),
                ..template.clone()
            };
            let id = request::log_in(tx, audit, actor, &new, &now)
                .map_err(|err| CoreError::invalid(format!("{source} line {}", e.line), err.to_string()))?;
            tx.execute("UPDATE release_requests SET batch_id = ?2 WHERE id = ?1", params![id, bid])?;
            if let Some(a) = auth {
                let text = serde_json::to_string(a)
                    .map_err(|err| CoreError::invalid("authorization", err.to_string()))?;
                tx.execute("UPDATE release_requests SET authorization = ?2 WHERE id = ?1", params![id, text])?;
            }
            ids.push(id);
        }
        audit.record(Event::new(Action::Create, Subtype::Create, "request_batch", batch_label(bid)).detail(json!({
            "requester_type": template.requester_type.as_str(), "requester_name": template.requester_name,
            "patients": entries.iter().map(|(e, a)| json!({"mrn": e.mrn, "authorization": a.is_some()})).collect::<Vec<_>>(),
            "requests": ids.iter().map(|i| request_label(*i)).collect::<Vec<_>>(),
        })));
        Ok((bid, ids))
    })
}

/// The batch request `id` belongs to, if any.
pub fn batch_of(conn: &crate::store::Reader, id: i64) -> Result<Option<i64>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT batch_id FROM release_requests WHERE id = ?1",
            [id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// One batch as listed on the desk.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BatchSummary {
    pub id: i64,
    pub batch: String,
    pub requester_type: String,
    pub requester_name: String,
    pub purpose: String,
    pub received: String,
    pub released_at: Option<String>,
    pub members: Vec<Member>,
}

/// Every batch, unreleased ones first, newest first, with its patients.
pub fn list(conn: &crate::store::Reader) -> Result<Vec<BatchSummary>, CoreError> {
    let mut st = conn.prepare(
        "SELECT id, requester_type, requester_name, purpose, received, released_at
         FROM request_batches ORDER BY released_at IS NOT NULL, id DESC",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, t, name, purpose, received, released_at)| {
            Ok(BatchSummary {
                id,
                batch: batch_label(id),
                requester_type: t,
                requester_name: name,
                purpose,
                received,
                released_at,
                members: members(conn, id)?,
            })
        })
        .collect()
}

/// One patient of a batch.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Member {
    pub request_id: i64,
    pub request: String,
    pub mrn: String,
    pub patient_name: String,
    pub status: String,
    pub hold_reason: Option<String>,
}

/// The patients of batch `id`, in the order listed.
pub fn members(conn: &crate::store::Reader, id: i64) -> Result<Vec<Member>, CoreError> {
    let mut st =
        conn.prepare("SELECT r.id FROM release_requests r WHERE r.batch_id = ?1 ORDER BY r.id")?;
    let ids: Vec<i64> = st
        .query_map([id], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err(CoreError::NotFound {
            what: "batch",
            id: batch_label(id),
        });
    }
    ids.into_iter()
        .map(|rid| {
            let rec = request::load(conn, rid)?;
            Ok(Member {
                request_id: rid,
                request: request_label(rid),
                mrn: rec.mrn,
                patient_name: rec.patient_name,
                status: rec.status.label().to_string(),
                hold_reason: rec.hold_reason,
            })
        })
        .collect()
}

/// What a batch release produced.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BatchReleased {
    pub batch: String,
    pub dir: PathBuf,
    pub zip: PathBuf,
    pub released: Vec<super::release::Released>,
    pub skipped: Vec<String>,
    pub manifest_sha256: String,
}

/// Release batch `id` into `out/BATCH-…/` (see the module doc).
pub fn release_batch(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    out: &Path,
) -> Result<BatchReleased, CoreError> {
    let label = batch_label(id);
    authorize(store, actor, Perm::ReleaseRecords, "request_batch", &label)?;
    let already: Option<String> = store
        .conn()
        .query_row(
            "SELECT released_at FROM request_batches WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if already.is_some() {
        return Err(CoreError::invalid(
            &label,
            "already released; a packet is never written twice",
        ));
    }
    let qa_required = settings::get_i64(store.conn(), crate::settings::Key::RoiQaRequired)? != 0;
    let all = members(store.conn(), id)?;
    let mut not_ready = Vec::new();
    for m in &all {
        let st = request::load(store.conn(), m.request_id)?.status;
        let ready = st == Status::QaReview
            || (st == Status::InProcess && !qa_required)
            || matches!(
                st,
                Status::Released | Status::Denied | Status::Cancelled | Status::Closed
            );
        if !ready {
            not_ready.push(format!("{} ({}) is {}", m.request, m.mrn, st.label()));
        }
    }
    if !not_ready.is_empty() {
        return Err(CoreError::invalid(
            &label,
            format!(
                "not every patient is ready for release: {}",
                not_ready.join("; ")
            ),
        ));
    }
    let dir = out.join(&label);
    let zip_path = out.join(format!("{label}.zip"));
    if zip_path.exists() {
        return Err(CoreError::invalid(
            zip_path.display().to_string(),
            "already exists; a packet is never overwritten",
        ));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| CoreError::invalid(dir.display().to_string(), e.to_string()))?;
    let mut released = Vec::new();
    let mut skipped = Vec::new();
    for m in &all {
        let st = request::load(store.conn(), m.request_id)?.status;
        if matches!(st, Status::Denied | Status::Cancelled) {
            skipped.push(format!("{} ({}): {}", m.request, m.mrn, st.label()));
            continue;
        }
        if st != Status::Released && st != Status::Closed {
            released.push(super::release::release(store, actor, m.request_id, &dir)?);
        } else if !dir.join(&m.request).exists() {
            skipped.push(format!(
                "{} ({}): released before, outside this batch packet",
                m.request, m.mrn
            ));
        }
    }
    // The batch manifest and zip: every file under the batch folder.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut patients = Vec::new();
    for m in &all {
        let folder = dir.join(&m.request);
        if !folder.exists() {
            continue;
        }
        let manifest = std::fs::read(folder.join("manifest.json"))
            .map_err(|e| CoreError::invalid(folder.display().to_string(), e.to_string()))?;
        let zip = std::fs::read(dir.join(format!("{}.zip", m.request))).unwrap_or_default();
        let disclosure: Option<(i64, bool)> = store
            .conn()
            .query_row(
                "SELECT id, accountable FROM disclosures WHERE request_id = ?1 ORDER BY id DESC LIMIT 1",
                [m.request_id],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)),
            )
            .optional()?;
        patients.push(json!({
            "mrn": m.mrn, "patient": m.patient_name, "request": m.request, "folder": format!("{}/", m.request),
            "manifest_sha256": sha256_hex(&manifest), "zip_sha256": sha256_hex(&zip),
            "disclosure_id": disclosure.map(|d| d.0), "accountable": disclosure.map(|d| d.1),
        }));
        collect(&folder, &m.request, &mut files)?;
    }
    let manifest = json!({
        "format": "chartdesk-batch-packet/1",
        "batch": label,
        "patients": patients,
        "skipped": skipped,
        "files": files.iter().map(|(p, b)| json!({"path": p, "sha256": sha256_hex(b)})).collect::<Vec<_>>(),
    });
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    std::fs::write(dir.join("manifest.json"), &manifest_bytes)
        .map_err(|e| CoreError::invalid(dir.display().to_string(), e.to_string()))?;
    let mut zipped: Vec<(String, Vec<u8>)> =
        vec![(format!("{label}/manifest.json"), manifest_bytes.clone())];
    zipped.extend(files.into_iter().map(|(p, b)| (format!("{label}/{p}"), b)));
    let zip_bytes = super::packet::zip(&zipped, 0x5b79, 0)
        .map_err(|e| CoreError::invalid(zip_path.display().to_string(), e.to_string()))?;
    std::fs::write(&zip_path, &zip_bytes)
        .map_err(|e| CoreError::invalid(zip_path.display().to_string(), e.to_string()))?;
    let sha = sha256_hex(&manifest_bytes);
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        tx.execute(
            "UPDATE request_batches SET released_at = ?2, released_by = ?3, packet_sha256 = ?4 WHERE id = ?1",
            params![id, now, actor.username, sha],
        )?;
        audit.record(Event::new(Action::Execute, Subtype::Release, "request_batch", &label).detail(json!({
            "patients": manifest["patients"], "skipped": skipped, "manifest_sha256": sha,
            "zip_sha256": sha256_hex(&zip_bytes),
        })));
        Ok::<_, CoreError>(())
    })?;
    Ok(BatchReleased {
        batch: label,
        dir,
        zip: zip_path,
        released,
        skipped,
        manifest_sha256: sha,
    })
}

/// Every file under `folder`, as (`prefix/relative path`, bytes), sorted by path.
fn collect(folder: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), CoreError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| CoreError::invalid(folder.display().to_string(), e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel = format!("{prefix}/{name}");
        if p.is_dir() {
            collect(&p, &rel, out)?;
        } else {
            let b = std::fs::read(&p)
                .map_err(|e| CoreError::invalid(p.display().to_string(), e.to_string()))?;
            out.push((rel, b));
        }
    }
    Ok(())
}
