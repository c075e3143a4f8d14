//! The append-only, hash-chained audit log (DOMAIN §6, AUD-01..09).
//!
//! Invariants:
//! - Rows are appended only inside the caller's transaction ([`crate::store::Store::transact`]);
//!   if the audit row can't be written, the action fails with it.
//! - `seq` is gapless from 1; `prev_hash` of row 1 is 64 zeros; SQL triggers reject UPDATE,
//!   DELETE, and any INSERT that does not extend the current head.
//! - `hash = SHA-256(prev_hash ‖ canonical)` in lowercase hex, where `prev_hash` is the 64 ASCII
//!   hex characters and `canonical` is the UTF-8 JSON object
//!   `{"seq":N,"event_id":S,"recorded_at":S,"user_id":N|null,"username":S,"role":S,
//!   "terminal_id":S,"action":S,"subtype":S,"outcome":N,"patient_mrn":S|null,
//!   "encounter_id":N|null,"entity_type":S,"entity_id":S,"purpose_of_use":S,"reason":S|null,
//!   "detail":D}` — keys in exactly this order, no whitespace, integers in decimal, absent
//!   values as `null`, strings escaped as JSON exactly as serde_json and SQLite's
//!   `json_object` write them (`\"` `\\`, `\b \t \n \f \r`, other characters below U+0020
//!   as `\u00xx` in lowercase hex, everything else literal UTF-8), and `D` the stored `detail`
//!   text verbatim (itself compact JSON written by chartdesk).

mod anchor;
mod event;
mod export;
pub mod list_export;
mod verify;
mod verify_scan;

pub use anchor::{
    Anchor, AnchorFile, AnchorOutcome, anchor_location, anchor_now, anchor_path, read_anchors,
    write_anchor,
};
pub use event::{Action, Actor, ActorRole, Event, Outcome, Subtype, mrn_list};
pub use export::{ExportFilter, ExportFormat, export, to_fhir};
pub use verify::{
    ChainProblem, LostAnchor, TRIGGERS, VerifyOptions, VerifyReport, anchors_in_force,
    expected_table_sql, expected_trigger_sql, verify, verify_with,
};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::store::Tx;

/// `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored row, as read back for verification and export.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub event_id: String,
    pub recorded_at: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub role: String,
    pub terminal_id: String,
    pub action: String,
    pub subtype: String,
    pub outcome: i64,
    pub patient_mrn: Option<String>,
    pub encounter_id: Option<i64>,
    pub entity_type: String,
    pub entity_id: String,
    pub purpose_of_use: String,
    pub reason: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

pub const ROW_COLUMNS: &str = "seq, event_id, recorded_at, user_id, username, role, terminal_id, action, \
     subtype, outcome, patient_mrn, encounter_id, entity_type, entity_id, purpose_of_use, reason, detail, \
     prev_hash, hash";

impl AuditRow {
    pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
        Ok(AuditRow {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            recorded_at: r.get(2)?,
            user_id: r.get(3)?,
            username: r.get(4)?,
            role: r.get(5)?,
            terminal_id: r.get(6)?,
            action: r.get(7)?,
            subtype: r.get(8)?,
            outcome: r.get(9)?,
            patient_mrn: r.get(10)?,
            encounter_id: r.get(11)?,
            entity_type: r.get(12)?,
            entity_id: r.get(13)?,
            purpose_of_use: r.get(14)?,
            reason: r.get(15)?,
            detail: r.get(16)?,
            prev_hash: r.get(17)?,
            hash: r.get(18)?,
        })
    }
}

/// The fields that the hash covers, borrowed as UTF-8 bytes (verification reads them without
/// allocating or re-validating).
pub(crate) struct Canon<'a> {
    pub seq: i64,
    pub event_id: &'a [u8],
    pub recorded_at: &'a [u8],
    pub user_id: Option<i64>,
    pub username: &'a [u8],
    pub role: &'a [u8],
    pub terminal_id: &'a [u8],
    pub action: &'a [u8],
    pub subtype: &'a [u8],
    pub outcome: i64,
    pub patient_mrn: Option<&'a [u8]>,
    pub encounter_id: Option<i64>,
    pub entity_type: &'a [u8],
    pub entity_id: &'a [u8],
    pub purpose_of_use: &'a [u8],
    pub reason: Option<&'a [u8]>,
    pub detail: &'a [u8],
}

impl Canon<'_> {
    /// Write the canonical encoding (see the module doc) into `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(b"{\"seq\":");
        json_int(out, self.seq);
        out.extend_from_slice(b",\"event_id\":");
        json_str(out, self.event_id);
        out.extend_from_slice(b",\"recorded_at\":");
        json_str(out, self.recorded_at);
        out.extend_from_slice(b",\"user_id\":");
        json_opt_int(out, self.user_id);
        out.extend_from_slice(b",\"username\":");
        json_str(out, self.username);
        out.extend_from_slice(b",\"role\":");
        json_str(out, self.role);
        out.extend_from_slice(b",\"terminal_id\":");
        json_str(out, self.terminal_id);
        out.extend_from_slice(b",\"action\":");
        json_str(out, self.action);
        out.extend_from_slice(b",\"subtype\":");
        json_str(out, self.subtype);
        out.extend_from_slice(b",\"outcome\":");
        json_int(out, self.outcome);
        out.extend_from_slice(b",\"patient_mrn\":");
        json_opt_str(out, self.patient_mrn);
        out.extend_from_slice(b",\"encounter_id\":");
        json_opt_int(out, self.encounter_id);
        out.extend_from_slice(b",\"entity_type\":");
        json_str(out, self.entity_type);
        out.extend_from_slice(b",\"entity_id\":");
        json_str(out, self.entity_id);
        out.extend_from_slice(b",\"purpose_of_use\":");
        json_str(out, self.purpose_of_use);
        out.extend_from_slice(b",\"reason\":");
        json_opt_str(out, self.reason);
        out.extend_from_slice(b",\"detail\":");
        out.extend_from_slice(self.detail);
        out.push(b'}');
    }

    /// `SHA-256(prev_hash ‖ canonical)` as lowercase hex.
    pub(crate) fn hash(&self, prev_hash: &[u8], scratch: &mut Vec<u8>) -> [u8; 64] {
        self.encode(scratch);
        let mut h = Sha256::new();
        h.update(prev_hash);
        h.update(&scratch[..]);
        hex64(&h.finalize())
    }
}

fn json_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

fn json_opt_int(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(n) => json_int(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

fn json_opt_str(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        Some(s) => json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn json_str(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    // Fast path (almost every field): nothing to escape. `fold` without early exit vectorises.
    if s.iter()
        .fold(true, |ok, &b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'))
    {
        out.extend_from_slice(s);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&s[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

pub(crate) fn hex64(digest: &[u8]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().take(32).enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 0xf) as usize];
    }
    out
}

/// UTC timestamp with milliseconds, as stored in `recorded_at`.
pub fn utc_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One audit row ready to insert: every column, and its hash over the canonical bytes. Built
/// by [`AuditInsert::build`] entirely in Rust (no SQL), so `chartdesk bench` can time the
/// Rust side of an append apart from the INSERT.
pub(crate) struct AuditInsert {
    seq: i64,
    event: Event,
    recorded_at: String,
    detail: String,
    prev_hash: String,
    hash: [u8; 64],
}

impl AuditInsert {
    /// The Rust side of [`append`]: timestamp, detail text, canonical JSON and SHA-256.
    pub(crate) fn build(
        actor: &Actor,
        terminal: &str,
        now: DateTime<Utc>,
        event: Event,
        prev_seq: i64,
        prev_hash: String,
    ) -> AuditInsert {
        let seq = prev_seq + 1;
        let recorded_at = utc_ms(now);
        let detail = event.detail.to_string();
        let canon = Canon {
            seq,
            event_id: event.event_id.as_bytes(),
            recorded_at: recorded_at.as_bytes(),
            user_id: actor.user_id,
            username: actor.username.as_bytes(),
            role: actor.role.as_str().as_bytes(),
            terminal_id: terminal.as_bytes(),
            action: event.action.code().as_bytes(),
            subtype: event.subtype.as_str().as_bytes(),
            outcome: event.outcome.code(),
            patient_mrn: event.patient_mrn.as_deref().map(str::as_bytes),
            encounter_id: event.encounter_id,
            entity_type: event.entity_type.as_bytes(),
            entity_id: event.entity_id.as_bytes(),
            purpose_of_use: event.purpose_of_use.as_bytes(),
            reason: event.reason.as_deref().map(str::as_bytes),
            detail: detail.as_bytes(),
        };
        let mut scratch = Vec::with_capacity(512);
        let hash = canon.hash(prev_hash.as_bytes(), &mut scratch);
        AuditInsert {
            seq,
            event,
            recorded_at,
            detail,
            prev_hash,
            hash,
        }
    }

    /// The row's hash, lowercase hex.
    pub(crate) fn hash(&self) -> &str {
        std::str::from_utf8(&self.hash).unwrap_or_default()
    }

    /// INSERT the row (the chain trigger checks it extends the head). Returns the new head.
    fn insert(self, tx: &Tx<'_>, actor: &Actor, terminal: &str) -> rusqlite::Result<(i64, String)> {
        let hash = self.hash().to_string();
        let event = self.event;
        tx.prepare_cached(
            "INSERT INTO audit_log (seq, event_id, recorded_at, user_id, username, role, terminal_id, action, \
             subtype, outcome, patient_mrn, encounter_id, entity_type, entity_id, purpose_of_use, reason, detail, \
             prev_hash, hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
        )?
        .execute(params![
            self.seq,
            event.event_id,
            self.recorded_at,
            actor.user_id,
            actor.username,
            actor.role.as_str(),
            terminal,
            event.action.code(),
            event.subtype.as_str(),
            event.outcome.code(),
            event.patient_mrn,
            event.encounter_id,
            event.entity_type,
            event.entity_id,
            event.purpose_of_use,
            event.reason,
            self.detail,
            self.prev_hash,
            hash,
        ])?;
        Ok((self.seq, hash))
    }
}

/// Append one event to the chain inside `tx`. Called only by `Store::transact`, which passes
/// the head it got from the previous append of the same transaction (`None` on the first:
/// then it is read; the write lock is held, so it cannot move). Returns the new head.
pub(crate) fn append(
    tx: &Tx<'_>,
    actor: &Actor,
    terminal: &str,
    now: DateTime<Utc>,
    event: Event,
    head: Option<(i64, String)>,
) -> rusqlite::Result<(i64, String)> {
    let head: Option<(i64, String)> = match head {
        Some(h) => Some(h),
        None => tx
            .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
    };
    let (prev_seq, prev_hash) = head.unwrap_or((0, GENESIS_HASH.to_string()));
    AuditInsert::build(actor, terminal, now, event, prev_seq, prev_hash).insert(tx, actor, terminal)
}

/// The current head of the chain: `(seq, hash)`, or `(0, GENESIS_HASH)` when empty.
pub fn head(conn: &crate::store::Reader) -> rusqlite::Result<(i64, String)> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS_HASH.to_string())))
}

/// `prev_hash ‖ canonical` of every row, in seq order: the exact bytes `verify` hashes
/// (used by `chartdesk bench` for its raw SHA-256 baseline).
pub fn canonical_buffers(conn: &crate::store::Reader) -> rusqlite::Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare(&format!("SELECT {ROW_COLUMNS} FROM audit_log ORDER BY seq"))?;
    let rows = stmt.query_map([], AuditRow::from_row)?;
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    for row in rows {
        let row = row?;
        let canon = Canon {
            seq: row.seq,
            event_id: row.event_id.as_bytes(),
            recorded_at: row.recorded_at.as_bytes(),
            user_id: row.user_id,
            username: row.username.as_bytes(),
            role: row.role.as_bytes(),
            terminal_id: row.terminal_id.as_bytes(),
            action: row.action.as_bytes(),
            subtype: row.subtype.as_bytes(),
            outcome: row.outcome,
            patient_mrn: row.patient_mrn.as_deref().map(str::as_bytes),
            encounter_id: row.encounter_id,
            entity_type: row.entity_type.as_bytes(),
            entity_id: row.entity_id.as_bytes(),
            purpose_of_use: row.purpose_of_use.as_bytes(),
            reason: row.reason.as_deref().map(str::as_bytes),
            detail: row.detail.as_bytes(),
        };
        canon.encode(&mut scratch);
        let mut buf = Vec::with_capacity(64 + scratch.len());
        buf.extend_from_slice(row.prev_hash.as_bytes());
        buf.extend_from_slice(&scratch);
        out.push(buf);
    }
    Ok(out)
}
