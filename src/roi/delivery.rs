//! Delivery records (issue #12): how a released packet went out (method, tracking or
//! confirmation number), when and by whom, and the SHA-256 of the zip sent. A re-send must be
//! byte-identical to the released packet (checked by hash) and is recorded as such.
//!
//! Invariants: only a released request is delivered; the zip delivered hashes to the SHA-256
//! the release committed (`release_requests.packet_zip_sha256`); delivery rows are never
//! changed or deleted (triggers in 0012).

use std::path::Path;

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::packet::sha256_hex;
use super::request::{event, request_label, with_request};
use crate::audit::{Action, Actor, Subtype};
use crate::error::CoreError;
use crate::store::Store;

/// Delivery methods.
pub const METHODS: &[&str] = &[
    "mail",
    "certified_mail",
    "courier",
    "email",
    "portal",
    "fax",
    "pickup",
];

/// One delivery.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DeliveryRecord {
    pub id: i64,
    pub request: String,
    pub method: String,
    pub tracking: String,
    pub zip_sha256: String,
    pub sent_at: String,
    pub sent_by: String,
    pub resend_of: Option<i64>,
}

/// Record that the packet zip at `zip` went out to the requester. The first delivery is the
/// send; every later one is a re-send of the first and must carry the same bytes.
pub fn record(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    method: &str,
    tracking: &str,
    zip: &Path,
) -> Result<DeliveryRecord, CoreError> {
    let method = method.trim().to_lowercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(CoreError::invalid(
            "method",
            format!("{method:?} is not one of {}", METHODS.join(", ")),
        ));
    }
    if released_zip_sha256(store.conn(), id)?.is_none() {
        return Err(CoreError::invalid(
            "request",
            format!("{} has no released packet to deliver", request_label(id)),
        ));
    }
    let bytes = std::fs::read(zip)
        .map_err(|e| CoreError::invalid(zip.display().to_string(), e.to_string()))?;
    let sha = sha256_hex(&bytes);
    with_request(store, actor, id, |tx, audit, rec, now, _| {
        let label = request_label(id);
        let released: Option<String> = tx
            .query_row(
                "SELECT packet_zip_sha256 FROM release_requests WHERE id = ?1 AND released_at IS NOT NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(released) = released else {
            return Err(CoreError::invalid(
                "request",
                format!("{label} has no released packet to deliver"),
            ));
        };
        if released != sha {
            return Err(CoreError::invalid(
                zip.display().to_string(),
                format!(
                    "SHA-256 {sha} is not the packet {label} released ({released}): only the released bytes are delivered"
                ),
            ));
        }
        let first: Option<i64> = tx
            .query_row(
                "SELECT min(id) FROM deliveries WHERE request_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        tx.execute(
            "INSERT INTO deliveries(request_id, method, tracking, zip_sha256, sent_at, sent_by, resend_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, method, tracking.trim(), sha, now, actor.username, first],
        )?;
        let did = tx.last_insert_rowid();
        audit.record(event(rec, Action::Execute, Subtype::Export).detail(json!({
            "delivery_id": did, "method": method, "tracking": tracking.trim(), "zip_sha256": sha,
            "resend_of": first, "byte_identical": true,
        })));
        Ok(DeliveryRecord {
            id: did,
            request: label,
            method: method.clone(),
            tracking: tracking.trim().to_string(),
            zip_sha256: sha.clone(),
            sent_at: now.to_string(),
            sent_by: actor.username.clone(),
            resend_of: first,
        })
    })
}

/// The SHA-256 of the zip request `id` released (None: not released).
pub fn released_zip_sha256(
    conn: &crate::store::Reader,
    id: i64,
) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT packet_zip_sha256 FROM release_requests WHERE id = ?1 AND released_at IS NOT NULL",
            [id],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// The deliveries of request `id`, oldest first.
pub fn list(conn: &crate::store::Reader, id: i64) -> Result<Vec<DeliveryRecord>, CoreError> {
    let mut st = conn.prepare(
        "SELECT id, method, tracking, zip_sha256, sent_at, sent_by, resend_of FROM deliveries WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([id], |r| {
        Ok(DeliveryRecord {
            id: r.get(0)?,
            request: request_label(id),
            method: r.get(1)?,
            tracking: r.get(2)?,
            zip_sha256: r.get(3)?,
            sent_at: r.get(4)?,
            sent_by: r.get(5)?,
            resend_of: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
