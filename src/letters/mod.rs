//! Letters (issue #12): templates are facility data (the `letter_templates` table, seeded by
//! migration 0012 and edited by a supervisor), filled from a request with `{{field}}`
//! placeholders, previewed as text, and sent as stamped PDF/A-2b. Every letter sent is stored
//! with its text and the PDF's SHA-256, audited, listed on the request and put in its packet.
//!
//! Invariants: an unknown `{{field}}` in a template is refused when the template is saved and
//! when it is filled (never sent with a hole); a letter to the individual goes to their
//! confidential-communication address when one is on file (45 CFR 164.522(b)); a sent letter
//! is never changed or deleted for six years (triggers in 0012).

mod fields;

use rusqlite::{OptionalExtension, params};
use serde_json::json;

pub use fields::{FIELDS, Fields, fill, unknown_fields};

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::roi::request::{self, RequestRecord, request_label};
use crate::store::Store;

/// The letter kinds a facility has templates for (seeded by migration 0012).
pub const KINDS: &[(&str, &str)] = &[
    ("acknowledgement", "acknowledgement with the request id"),
    (
        "fee_estimate",
        "fee estimate and prepayment request (ROI-04)",
    ),
    (
        "rejection",
        "invalid authorization, each defect with its citation (164.508(b)(2))",
    ),
    (
        "extension",
        "extension notice with reason and new date (164.524(b)(2))",
    ),
    (
        "denial",
        "denial of access with basis, review right, complaint route (164.524(d)(2))",
    ),
    ("no_records", "no records found"),
    (
        "custodian_certificate",
        "certificate of the custodian of records (subpoena)",
    ),
    ("cover", "cover letter (goes first in the packet)"),
];

/// A stored template.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Template {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub to_individual: bool,
    pub updated_at: String,
    pub updated_by: String,
}

/// A letter sent.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Letter {
    pub id: i64,
    pub request: String,
    pub kind: String,
    pub title: String,
    pub recipient: String,
    pub address: String,
    pub pdf_sha256: String,
    pub sent_at: String,
    pub sent_by: String,
    pub retain_until: String,
}

/// Every template, by kind.
pub fn templates(conn: &crate::store::Reader) -> Result<Vec<Template>, CoreError> {
    let mut st = conn.prepare(
        "SELECT kind, title, body, to_individual, updated_at, updated_by FROM letter_templates ORDER BY kind",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Template {
            kind: r.get(0)?,
            title: r.get(1)?,
            body: r.get(2)?,
            to_individual: r.get::<_, i64>(3)? != 0,
            updated_at: r.get(4)?,
            updated_by: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One template.
pub fn template(conn: &crate::store::Reader, kind: &str) -> Result<Template, CoreError> {
    templates(conn)?
        .into_iter()
        .find(|t| t.kind == kind)
        .ok_or_else(|| CoreError::NotFound {
            what: "letter template",
            id: kind.to_string(),
        })
}

/// Replace a template's text (supervisor). Refuses a body naming a field that does not exist.
pub fn set_template(
    store: &mut Store,
    actor: &Actor,
    kind: &str,
    title: Option<&str>,
    body: &str,
) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "letter_template", kind)?;
    let bad = unknown_fields(body);
    if !bad.is_empty() {
        return Err(CoreError::invalid(
            format!("template {kind}"),
            format!(
                "unknown field(s) {}; known: {}",
                bad.join(", "),
                FIELDS
                    .iter()
                    .map(|(f, _)| *f)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        let old = template(tx, kind)?;
        let title = title.map(str::to_string).unwrap_or(old.title.clone());
        tx.execute(
            "UPDATE letter_templates SET title = ?2, body = ?3, updated_at = ?4, updated_by = ?5 WHERE kind = ?1",
            params![kind, title, body, now, actor.username],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::SettingsChange, "letter_template", kind).detail(
                json!({"title": {"old": old.title, "new": title}, "body": {"old": old.body, "new": body}}),
            ),
        );
        Ok(())
    })
}

/// The confidential-communication address of a patient, when one is on file (164.522(b)).
pub fn confidential_address(
    conn: &crate::store::Reader,
    patient_id: i64,
) -> Result<Option<String>, CoreError> {
    let has_table: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'confidential_addresses'",
            [],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if !has_table {
        return Ok(None);
    }
    Ok(conn
        .query_row(
            "SELECT address FROM confidential_addresses WHERE patient_id = ?1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
            [patient_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The letter `kind` for request `id` as it would be sent today: (title, recipient, address,
/// text). Pure read. Every letter to the individual — a template addressed to the individual,
/// or any letter on the individual's own request (SELF) — goes to the confidential-communication
/// address when one is on file (164.522(b)).
pub fn preview(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    kind: &str,
    today: chrono::NaiveDate,
    staff: &str,
) -> Result<(String, String, String, String), CoreError> {
    let t = template(conn, kind)?;
    let mut f = fields::gather(conn, rec, today, staff)?;
    let to_individual =
        t.to_individual || rec.requester_type == crate::roi::RequesterType::SelfAccess;
    if to_individual && let Some(addr) = confidential_address(conn, rec.patient_id)? {
        f.set("address", addr);
        f.set("addressee", rec.patient_name.clone());
    }
    let text = fill(&t.body, &f).map_err(|bad| {
        CoreError::invalid(
            format!("template {kind}"),
            format!("unknown field(s) {}", bad.join(", ")),
        )
    })?;
    Ok((t.title, f.get("addressee"), f.get("address"), text))
}

/// Send letter `kind` on request `id`: fill it, write it as PDF/A-2b to `out` (when given),
/// store it (text and PDF SHA-256), audit it. Returns the letter and the PDF bytes.
pub fn send(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    kind: &str,
    out: Option<&std::path::Path>,
) -> Result<(Letter, Vec<u8>), CoreError> {
    let label = request_label(id);
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "release_request",
        &label,
    )?;
    let now = utc_ms(store.now());
    let local = crate::clock::FacilityClock::read(store)?.local(store.now());
    let today = local.date();
    let created = local.format("%Y-%m-%dT%H:%M:%S").to_string();
    let staff = staff_name(store.conn(), actor)?;
    let (letter, pdf) = store.transact(actor, |tx, audit| {
        let rec = request::load(tx, id)?;
        let (title, recipient, address, text) = preview(tx, &rec, kind, today, &staff)?;
        let pdf = render(tx, &rec, &title, &text, &created)?;
        let sha = crate::roi::packet::sha256_hex(&pdf);
        let retain = crate::roi::attachments::six_years_after(today).to_string();
        tx.execute(
            "INSERT INTO letters(request_id, kind, title, recipient, address, body, pdf_sha256, sent_at, sent_by, retain_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![id, kind, title, recipient, address, text, sha, now, actor.username, retain],
        )?;
        let lid = tx.last_insert_rowid();
        audit.record(
            Event::new(Action::Create, Subtype::Print, "release_request", &label)
                .patient(&rec.mrn)
                .detail(json!({
                    "letter_id": lid, "kind": kind, "title": title, "recipient": recipient,
                    "address": address, "pdf_sha256": sha, "retain_until": retain,
                })),
        );
        Ok::<_, CoreError>((
            Letter {
                id: lid,
                request: label.clone(),
                kind: kind.to_string(),
                title,
                recipient,
                address,
                pdf_sha256: sha,
                sent_at: now.clone(),
                sent_by: actor.username.clone(),
                retain_until: retain,
            },
            pdf,
        ))
    })?;
    if let Some(path) = out {
        std::fs::write(path, &pdf)
            .map_err(|e| CoreError::invalid(path.display().to_string(), e.to_string()))?;
    }
    Ok((letter, pdf))
}

/// A letter on its own as a stamped PDF/A-2b (`Page n of N` and Bates of its own, prefix
/// `<bates prefix>-L`), for `rec`'s patient.
pub fn render(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    title: &str,
    text: &str,
    created: &str,
) -> Result<Vec<u8>, CoreError> {
    render_for_patient(
        conn,
        rec.patient_id,
        &request_label(rec.id),
        title,
        text,
        created,
    )
}

/// [`render`] for any patient and reference (`REQ-000042`, `AMD-000007`).
pub fn render_for_patient(
    conn: &crate::store::Reader,
    patient_id: i64,
    reference: &str,
    title: &str,
    text: &str,
    created: &str,
) -> Result<Vec<u8>, CoreError> {
    let facility = crate::settings::get(conn, crate::settings::Key::FacilityName)?;
    let prefix = crate::settings::get(conn, crate::settings::Key::BatesPrefix)?;
    let prefix = if prefix.trim().is_empty() {
        crate::pdf::default_bates_prefix(&facility)
    } else {
        prefix.trim().to_string()
    };
    let (mrn, family, given, birth): (String, String, String, String) = conn.query_row(
        "SELECT mrn, family_name, given_name, birth_date FROM patients WHERE id = ?1",
        [patient_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let stamp = crate::pdf::Stamp {
        facility: crate::text::sanitize_line(&facility).into_owned(),
        patient_name: format!("{family}, {given}"),
        mrn,
        birth_date: birth,
        request: reference.to_string(),
        bates_prefix: format!("{prefix}-L"),
        confidential: false,
        created: created.to_string(),
    };
    let part = crate::pdf::Part::Text {
        title: title.to_string(),
        text: text.to_string(),
    };
    let pages = part.pages();
    let r = crate::pdf::render_all(&stamp, &[part], 1, pages)
        .map_err(|e| CoreError::invalid("letter", e.to_string()))?;
    Ok(r.into_iter().next().map(|r| r.bytes).unwrap_or_default())
}

/// The letters sent on request `id`, oldest first.
pub fn list(conn: &crate::store::Reader, id: i64) -> Result<Vec<Letter>, CoreError> {
    let mut st = conn.prepare(
        "SELECT id, kind, title, recipient, address, pdf_sha256, sent_at, sent_by, retain_until
         FROM letters WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([id], |r| {
        Ok(Letter {
            id: r.get(0)?,
            request: request_label(id),
            kind: r.get(1)?,
            title: r.get(2)?,
            recipient: r.get(3)?,
            address: r.get(4)?,
            pdf_sha256: r.get(5)?,
            sent_at: r.get(6)?,
            sent_by: r.get(7)?,
            retain_until: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The signing staff member's name (full name, else user name).
pub fn staff_name(conn: &crate::store::Reader, actor: &Actor) -> Result<String, CoreError> {
    let full: Option<String> = conn
        .query_row(
            "SELECT full_name FROM users WHERE username = ?1",
            [&actor.username],
            |r| r.get(0),
        )
        .optional()?;
    Ok(full
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| actor.username.clone()))
}
