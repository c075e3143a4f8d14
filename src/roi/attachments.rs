//! Scanned signed forms attached to a request (issue #12): an authorization or a request letter
//! as received (PDF, PNG or JPEG), kept in the database with its SHA-256 and put in the packet.
//! Kept six years and never changed (45 CFR 164.508(b)(6), 164.530(j)(2); triggers in 0012).

use rusqlite::params;
use serde_json::json;

use super::packet::sha256_hex;
use super::request::{event, with_request};
use crate::audit::{Action, Actor, Subtype};
use crate::error::CoreError;
use crate::store::Store;

/// Largest scan accepted (25 MiB).
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

/// The kinds of attached forms.
pub const KINDS: &[&str] = &["authorization", "request_letter", "other"];

/// `pdf`, `png` or `jpg` from the file's first bytes; `None` for anything else.
pub fn extension_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("jpg")
    } else {
        None
    }
}

/// One attached form (without its bytes).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Attachment {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub sha256: String,
    pub attached_at: String,
    pub attached_by: String,
    pub retain_until: String,
}

/// Six years after `day` (164.530(j)(2)); 29 February becomes 28 February.
pub fn six_years_after(day: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    day.with_year(day.year() + 6)
        .or_else(|| day.pred_opt().and_then(|d| d.with_year(d.year() + 6)))
        .unwrap_or(day)
}

/// Attach a scan to request `id`. `file_name` is the name it came with (shown, never used as a
/// path). Refuses an unknown kind, an empty or oversized file, or one that is not PDF/PNG/JPEG.
pub fn attach(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<Attachment, CoreError> {
    if !KINDS.contains(&kind) {
        return Err(CoreError::invalid(
            "kind",
            format!("{kind:?} is not one of {}", KINDS.join(", ")),
        ));
    }
    if bytes.is_empty() || bytes.len() > MAX_BYTES {
        return Err(CoreError::invalid(
            file_name,
            format!(
                "{} bytes: a scan must hold 1 byte to {MAX_BYTES} bytes",
                bytes.len()
            ),
        ));
    }
    let ext = extension_of(bytes).ok_or_else(|| {
        CoreError::invalid(
            file_name,
            "not a PDF, PNG or JPEG file (read from its first bytes)",
        )
    })?;
    if ext == "pdf" {
        // It goes on stamped, Bates-numbered packet pages, page by page: it must be readable.
        crate::pdf::scan::page_count(bytes, file_name)
            .map_err(|e| CoreError::invalid(file_name, e.to_string()))?;
    }
    let content_type = match ext {
        "pdf" => "application/pdf",
        "png" => "image/png",
        _ => "image/jpeg",
    };
    let sha = sha256_hex(bytes);
    let name = crate::text::sanitize_line(file_name).into_owned();
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        let retain = six_years_after(today).to_string();
        tx.execute(
            "INSERT INTO request_attachments(request_id, kind, file_name, content_type, bytes, sha256, attached_at, attached_by, retain_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![id, kind, name, content_type, bytes, sha, now, actor.username, retain],
        )?;
        let aid = tx.last_insert_rowid();
        audit.record(event(rec, Action::Create, Subtype::Create).detail(json!({
            "attachment_id": aid, "kind": kind, "file_name": name, "content_type": content_type,
            "bytes": bytes.len(), "sha256": sha, "retain_until": retain,
            "rule": "45 CFR 164.508(b)(6), 164.530(j)(2)",
        })));
        Ok(Attachment {
            id: aid,
            kind: kind.to_string(),
            file_name: name.clone(),
            content_type: content_type.to_string(),
            bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: sha.clone(),
            attached_at: now.to_string(),
            attached_by: actor.username.clone(),
            retain_until: retain,
        })
    })
}

/// Attach the scan at `path` (read here; the error names the file). The name kept is the
/// file's own name, never the path.
pub fn attach_path(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    kind: &str,
    path: &std::path::Path,
) -> Result<Attachment, CoreError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| CoreError::invalid(&shown, e.to_string()))?;
    if !meta.is_file() {
        return Err(CoreError::invalid(&shown, "not a file"));
    }
    if meta.len() > MAX_BYTES as u64 {
        return Err(CoreError::invalid(
            &shown,
            format!(
                "{} bytes: a scan must hold at most {MAX_BYTES} bytes",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| CoreError::invalid(&shown, e.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    attach(store, actor, id, kind, &name, &bytes)
}

/// The forms attached to request `id`, oldest first.
pub fn list(conn: &crate::store::Reader, id: i64) -> Result<Vec<Attachment>, CoreError> {
    let mut st = conn.prepare(
        "SELECT id, kind, file_name, content_type, length(bytes), sha256, attached_at, attached_by, retain_until
         FROM request_attachments WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([id], |r| {
        Ok(Attachment {
            id: r.get(0)?,
            kind: r.get(1)?,
            file_name: r.get(2)?,
            content_type: r.get(3)?,
            bytes: r.get(4)?,
            sha256: r.get(5)?,
            attached_at: r.get(6)?,
            attached_by: r.get(7)?,
            retain_until: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
