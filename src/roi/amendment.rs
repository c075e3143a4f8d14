//! Amendment requests (45 CFR 164.526), a queue of their own: a 60-day clock with one 30-day
//! extension whose notice goes out within the 60 days; acceptance (the amendment linked to the
//! affected documents, and the list of who must be told); denial (a written denial with its
//! basis, the right to disagree and the complaint route); statements of disagreement and
//! rebuttals appended to the record and carried with every later disclosure of the information
//! they concern (164.526(d)(4)–(5)).
//!
//! Invariants: every step is one audited transaction; a decided request is never decided
//! again; statements are never changed or deleted (triggers in 0012); dates are facility-local
//! calendar days, receipt is day 0.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::packet::{Enclosure, EnclosureBody};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{AuditBuffer, Store, Tx};

/// Days to act (164.526(b)(2)).
pub const DAYS_TO_ACT: i64 = 60;
/// The one extension's most days (164.526(b)(2)(i)).
pub const MAX_EXTENSION_DAYS: i64 = 30;

/// Denial grounds (164.526(a)(2)): code, citation, plain words.
pub const DENY_REASONS: &[(&str, &str, &str)] = &[
    (
        "AMEND_DENY_NOT_CREATED_HERE",
        "45 CFR 164.526(a)(2)(i)",
        "the information was not created by us, and its originator is still available to act on the request",
    ),
    (
        "AMEND_DENY_NOT_IN_RECORD_SET",
        "45 CFR 164.526(a)(2)(ii)",
        "the information is not part of the designated record set",
    ),
    (
        "AMEND_DENY_NOT_INSPECTABLE",
        "45 CFR 164.526(a)(2)(iii)",
        "the information is not available for inspection under 45 CFR 164.524",
    ),
    (
        "AMEND_DENY_ACCURATE",
        "45 CFR 164.526(a)(2)(iv)",
        "the information is accurate and complete",
    ),
];

/// `AMD-000007`.
pub fn amendment_label(id: i64) -> String {
    format!("AMD-{id:06}")
}

/// Parse `7`, `AMD-7` or `AMD-000007`.
pub fn parse_amendment_id(s: &str) -> Result<i64, CoreError> {
    let t = s.trim();
    let d = t
        .strip_prefix("AMD-")
        .or_else(|| t.strip_prefix("amd-"))
        .unwrap_or(t);
    d.parse()
        .map_err(|_| CoreError::invalid("amendment", format!("{s:?} is not AMD-<number>")))
}

/// The due date of a request received `received` (164.526(b)(2)).
pub fn initial_due(received: NaiveDate) -> NaiveDate {
    received + chrono::Duration::days(DAYS_TO_ACT)
}

/// The one extension (164.526(b)(2)(i)): at most 30 days, a written reason, the notice sent
/// within the first 60 days; never twice. Returns the new due date.
pub fn extended_due(
    received: NaiveDate,
    already_extended: bool,
    days: i64,
    reason: &str,
    notice_on: NaiveDate,
) -> Result<NaiveDate, CoreError> {
    let first = initial_due(received);
    if already_extended {
        return Err(CoreError::invalid(
            "extension",
            "only one extension is allowed (45 CFR 164.526(b)(2)(i))",
        ));
    }
    if reason.trim().is_empty() {
        return Err(CoreError::invalid(
            "reason",
            "the extension notice must give the reason for the delay (45 CFR 164.526(b)(2)(i)(A))",
        ));
    }
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(CoreError::invalid(
            "days",
            format!("an extension adds 1 to 30 days, not {days} (45 CFR 164.526(b)(2)(i))"),
        ));
    }
    if notice_on > first || notice_on < received {
        return Err(CoreError::invalid(
            "notice",
            format!(
                "the notice must go out between receipt {received} and the first due date {first}, not {notice_on} (45 CFR 164.526(b)(2)(i))"
            ),
        ));
    }
    Ok(first + chrono::Duration::days(days))
}

/// One amendment request as stored.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Amendment {
    pub id: i64,
    pub label: String,
    pub patient_id: i64,
    pub mrn: String,
    pub patient_name: String,
    pub received: String,
    pub requested_by: String,
    pub address: String,
    pub requested_change: String,
    pub reason: String,
    pub document_ids: Vec<i64>,
    pub status: String,
    pub due: String,
    pub ext_reason: Option<String>,
    pub decided_by: Option<String>,
    pub denial_basis: Option<String>,
    pub amendment_text: Option<String>,
    pub notify: serde_json::Value,
    pub statements: Vec<Statement>,
}

/// A statement of disagreement or a rebuttal.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Statement {
    pub kind: String,
    pub text: String,
    pub filed_on: String,
    pub filed_by: String,
}

fn ids(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|x| x.trim().parse().ok()).collect()
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Load one amendment request with its statements.
pub fn load(conn: &crate::store::Reader, id: i64) -> Result<Amendment, CoreError> {
    let a = conn
        .query_row(
            "SELECT a.id, a.patient_id, p.mrn, p.family_name || ', ' || p.given_name, a.received, a.requested_by,
                    a.address, a.requested_change, a.reason, a.document_ids, a.status, a.due, a.ext_reason,
                    a.decided_by, a.denial_basis, a.amendment_text, a.notify
             FROM amendment_requests a JOIN patients p ON p.id = a.patient_id WHERE a.id = ?1",
            [id],
            |r| {
                Ok(Amendment {
                    id: r.get(0)?,
                    label: amendment_label(r.get(0)?),
                    patient_id: r.get(1)?,
                    mrn: r.get(2)?,
                    patient_name: r.get(3)?,
                    received: r.get(4)?,
                    requested_by: r.get(5)?,
                    address: r.get(6)?,
                    requested_change: r.get(7)?,
                    reason: r.get(8)?,
                    document_ids: ids(&r.get::<_, String>(9)?),
                    status: r.get(10)?,
                    due: r.get(11)?,
                    ext_reason: r.get(12)?,
                    decided_by: r.get(13)?,
                    denial_basis: r.get(14)?,
                    amendment_text: r.get(15)?,
                    notify: serde_json::from_str(&r.get::<_, String>(16)?)
                        .unwrap_or(serde_json::Value::Null),
                    statements: Vec::new(),
                })
            },
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            what: "amendment request",
            id: amendment_label(id),
        })?;
    let mut st = conn.prepare(
        "SELECT kind, text, filed_on, filed_by FROM amendment_statements WHERE amendment_id = ?1 ORDER BY id",
    )?;
    let statements = st
        .query_map([id], |r| {
            Ok(Statement {
                kind: r.get(0)?,
                text: r.get(1)?,
                filed_on: r.get(2)?,
                filed_by: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Amendment { statements, ..a })
}

/// The amendment queue: open requests first, by due date, then the decided ones.
pub fn queue(conn: &crate::store::Reader) -> Result<Vec<Amendment>, CoreError> {
    let mut st =
        conn.prepare("SELECT id FROM amendment_requests ORDER BY status <> 'open', due, id")?;
    let list: Vec<i64> = st
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    list.into_iter().map(|id| load(conn, id)).collect()
}

fn event(a: &Amendment, action: Action, subtype: Subtype) -> Event {
    Event::new(action, subtype, "amendment_request", &a.label).patient(&a.mrn)
}

fn today(store: &Store) -> Result<(NaiveDate, String, String), CoreError> {
    let local = crate::clock::FacilityClock::read(store)?.local(store.now());
    Ok((
        local.date(),
        utc_ms(store.now()),
        local.format("%Y-%m-%dT%H:%M:%S").to_string(),
    ))
}

fn with_amendment<T>(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    work: impl FnOnce(&Tx<'_>, &mut AuditBuffer, &Amendment, Ctx) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "amendment_request",
        &amendment_label(id),
    )?;
    let (day, now, created) = today(store)?;
    let staff = crate::letters::staff_name(store.conn(), actor)?;
    store.transact(actor, |tx, audit| {
        let a = load(tx, id)?;
        work(
            tx,
            audit,
            &a,
            Ctx {
                today: day,
                now,
                created,
                staff,
                user: actor.username.clone(),
            },
        )
    })
}

/// What a step knows about now and who acts.
struct Ctx {
    today: NaiveDate,
    now: String,
    created: String,
    staff: String,
    user: String,
}

fn require_open(a: &Amendment) -> Result<(), CoreError> {
    if a.status == "open" {
        Ok(())
    } else {
        Err(CoreError::invalid(
            &a.label,
            format!(
                "already {} by {}",
                a.status,
                a.decided_by.clone().unwrap_or_default()
            ),
        ))
    }
}

/// Log an amendment request for patient `mrn`. `documents` are the affected documents (the
/// patient's own; may be empty until they are identified).
#[allow(clippy::too_many_arguments)]
pub fn log(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    received: NaiveDate,
    requested_by: &str,
    address: &str,
    change: &str,
    reason: &str,
    documents: &[i64],
) -> Result<Amendment, CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "amendment_request", mrn)?;
    if change.trim().is_empty() {
        return Err(CoreError::invalid(
            "change",
            "say what the individual asks to change (45 CFR 164.526(b)(1))",
        ));
    }
    let (day, now, _) = today(store)?;
    if received > day {
        return Err(CoreError::invalid(
            "received",
            format!("{received} is after today {day}"),
        ));
    }
    let id = store.transact(actor, |tx, audit| {
        let pid: i64 = tx
            .query_row("SELECT id FROM patients WHERE mrn = ?1", [mrn], |r| r.get(0))
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "patient",
                id: mrn.to_string(),
            })?;
        check_documents(tx, pid, documents)?;
        tx.execute(
            "INSERT INTO amendment_requests(patient_id, received, requested_by, address, requested_change, reason,
                document_ids, due, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![pid, received.to_string(), requested_by.trim(), address.trim(), change.trim(), reason.trim(),
                join(documents), initial_due(received).to_string(), now, actor.username],
        )?;
        let id = tx.last_insert_rowid();
        let a = load(tx, id)?;
        audit.record(event(&a, Action::Create, Subtype::Create).detail(json!({
            "received": received, "due": a.due, "requested_by": a.requested_by,
            "documents": documents, "rule": "45 CFR 164.526(b)",
        })));
        Ok::<_, CoreError>(id)
    })?;
    load(store.conn(), id)
}

fn check_documents(
    tx: &crate::store::Reader,
    pid: i64,
    documents: &[i64],
) -> Result<(), CoreError> {
    for d in documents {
        let ok: Option<i64> = tx
            .query_row(
                "SELECT d.id FROM documents d JOIN encounters e ON e.id = d.encounter_id WHERE d.id = ?1 AND e.patient_id = ?2",
                params![d, pid],
                |r| r.get(0),
            )
            .optional()?;
        if ok.is_none() {
            return Err(CoreError::invalid(
                "documents",
                format!("document {d} is not one of this patient's documents"),
            ));
        }
    }
    Ok(())
}

/// Send an amendment letter from its template inside `tx` (stored, audited, kept six years).
fn send_letter(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    a: &Amendment,
    kind: &str,
    c: &Ctx,
    extra: &[(&str, String)],
) -> Result<i64, CoreError> {
    let t = crate::letters::template(tx, kind)?;
    let mut f = crate::letters::Fields::default();
    let facility = crate::settings::get(tx, crate::settings::Key::FacilityName)?;
    f.set("facility", crate::text::sanitize_line(&facility));
    f.set("today", c.today.to_string());
    f.set("amendment", a.label.clone());
    f.set("patient_name", a.patient_name.clone());
    f.set("mrn", a.mrn.clone());
    f.set("received", a.received.clone());
    f.set("due", a.due.clone());
    f.set("requested_change", a.requested_change.clone());
    f.set("staff", c.staff.clone());
    let contact = crate::settings::get(tx, crate::settings::Key::PrivacyContact)?;
    f.set(
        "complaint_contact",
        if contact.trim().is_empty() {
            format!(
                "the Privacy Officer, {}",
                crate::text::sanitize_line(&facility)
            )
        } else {
            contact
        },
    );
    let address = crate::letters::confidential_address(tx, a.patient_id)?
        .unwrap_or_else(|| a.address.clone());
    f.set("addressee", a.requested_by.clone());
    f.set("address", address.clone());
    for (k, v) in extra {
        f.set(k, v.clone());
    }
    let text = crate::letters::fill(&t.body, &f).map_err(|bad| {
        CoreError::invalid(
            format!("template {kind}"),
            format!("unknown field(s) {}", bad.join(", ")),
        )
    })?;
    let pdf = crate::letters::render_for_patient(
        tx,
        a.patient_id,
        &a.label,
        &t.title,
        &text,
        &c.created,
    )?;
    let sha = super::packet::sha256_hex(&pdf);
    let retain = super::attachments::six_years_after(c.today).to_string();
    tx.execute(
        "INSERT INTO letters(amendment_id, kind, title, recipient, address, body, pdf_sha256, sent_at, sent_by, retain_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![a.id, kind, t.title, a.requested_by, address, text, sha, c.now, c.user, retain],
    )?;
    let lid = tx.last_insert_rowid();
    audit.record(event(a, Action::Create, Subtype::Print).detail(json!({
        "letter_id": lid, "kind": kind, "pdf_sha256": sha, "address": address, "retain_until": retain,
    })));
    Ok(lid)
}

/// Take the one extension (164.526(b)(2)(i)); the notice letter goes out today.
pub fn extend(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    days: i64,
    reason: &str,
) -> Result<NaiveDate, CoreError> {
    with_amendment(store, actor, id, |tx, audit, a, c| {
        require_open(a)?;
        let received = NaiveDate::parse_from_str(&a.received, "%Y-%m-%d")
            .map_err(|_| CoreError::invalid("received", a.received.clone()))?;
        let due = extended_due(received, a.ext_reason.is_some(), days, reason, c.today)?;
        tx.execute(
            "UPDATE amendment_requests SET due = ?2, ext_reason = ?3, ext_notice_on = ?4 WHERE id = ?1",
            params![id, due.to_string(), reason.trim(), c.today.to_string()],
        )?;
        audit.record(event(a, Action::Update, Subtype::Update).reason(reason.trim()).detail(json!({
            "due": {"old": a.due, "new": due}, "days": days, "rule": "45 CFR 164.526(b)(2)(i)",
        })));
        send_letter(
            tx,
            audit,
            a,
            "amendment_extension",
            &c,
            &[
                ("ext_reason", reason.trim().to_string()),
                ("new_due", due.to_string()),
            ],
        )?;
        Ok(due)
    })
}

/// Who must be told of an accepted amendment (164.526(c)(3)): the persons the individual
/// names, and every recipient of a disclosure of an affected document.
pub fn recipients_to_tell(
    conn: &crate::store::Reader,
    patient_id: i64,
    documents: &[i64],
) -> Result<Vec<String>, CoreError> {
    let mut st = conn.prepare(
        "SELECT recipient, coalesce(recipient_address, ''), coalesce(document_ids, '') FROM disclosures WHERE patient_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([patient_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (who, addr, docs) = row?;
        if ids(&docs).iter().any(|d| documents.contains(d)) {
            let s = if addr.is_empty() {
                who
            } else {
                format!("{who}, {addr}")
            };
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    Ok(out)
}

/// Accept (164.526(c)): the amendment text is linked to the affected documents (at least one),
/// the list of who must be told is recorded, and the acceptance letter goes out. The documents
/// are the ones logged with the request.
pub fn accept(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    amendment_text: &str,
    named: &[String],
) -> Result<Amendment, CoreError> {
    accept_documents(store, actor, id, amendment_text, &[], named)
}

/// Who must be told if request `id` were accepted for `documents` (empty: the documents
/// logged): the persons the individual names, then every earlier recipient of those
/// documents from the disclosures (164.526(c)(3)). Shown before accepting.
pub fn would_tell(
    conn: &crate::store::Reader,
    id: i64,
    documents: &[i64],
) -> Result<Vec<String>, CoreError> {
    let a = load(conn, id)?;
    let docs = if documents.is_empty() {
        &a.document_ids[..]
    } else {
        documents
    };
    recipients_to_tell(conn, a.patient_id, docs)
}

/// Accept (164.526(c)(1)) choosing the affected documents at accept time: `documents`, when
/// not empty, replace the ones logged (each must be the patient's, checked in the same
/// transaction); the amendment is linked to them and the people to tell are worked out from
/// them. One audited transaction; the acceptance letter goes out.
pub fn accept_documents(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    amendment_text: &str,
    documents: &[i64],
    named: &[String],
) -> Result<Amendment, CoreError> {
    with_amendment(store, actor, id, |tx, audit, a, c| {
        require_open(a)?;
        let mut a = a.clone();
        if !documents.is_empty() && documents != a.document_ids.as_slice() {
            check_documents(tx, a.patient_id, documents)?;
            tx.execute(
                "UPDATE amendment_requests SET document_ids = ?2 WHERE id = ?1",
                params![
                    id,
                    documents
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                ],
            )?;
            audit.record(event(&a, Action::Update, Subtype::Update).detail(json!({
                "documents": {"old": a.document_ids, "new": documents},
                "rule": "45 CFR 164.526(c)(1): the records affected by the amendment, chosen at acceptance",
            })));
            a.document_ids = documents.to_vec();
        }
        let a = &a;
        if a.document_ids.is_empty() {
            return Err(CoreError::invalid(
                "documents",
                "name the affected documents first: an accepted amendment is linked to them (45 CFR 164.526(c)(1))",
            ));
        }
        if amendment_text.trim().is_empty() {
            return Err(CoreError::invalid(
                "amendment",
                "write the amendment to append (45 CFR 164.526(c)(1))",
            ));
        }
        let known = recipients_to_tell(tx, a.patient_id, &a.document_ids)?;
        let notify = json!({
            "named_by_individual": named,
            "known_recipients": known,
            "rule": "45 CFR 164.526(c)(3)",
        });
        tx.execute(
            "UPDATE amendment_requests SET status = 'accepted', decided_at = ?2, decided_by = ?3, amendment_text = ?4, notify = ?5 WHERE id = ?1",
            params![id, c.now, c.user, amendment_text.trim(), notify.to_string()],
        )?;
        audit.record(event(a, Action::Update, Subtype::Update).detail(json!({
            "status": {"old": a.status, "new": "accepted"}, "documents": a.document_ids,
            "notify": notify, "rule": "45 CFR 164.526(c)",
        })));
        let docs = doc_lines(tx, &a.document_ids)?;
        send_letter(
            tx,
            audit,
            a,
            "amendment_accepted",
            &c,
            &[("amendment_documents", docs)],
        )?;
        load(tx, id)
    })
}

fn doc_lines(conn: &crate::store::Reader, documents: &[i64]) -> Result<String, CoreError> {
    let mut out = Vec::new();
    for d in documents {
        let t: Option<String> = conn
            .query_row("SELECT title FROM documents WHERE id = ?1", [d], |r| {
                r.get(0)
            })
            .optional()?;
        out.push(format!("  - document {d}: {}", t.unwrap_or_default()));
    }
    Ok(out.join("\n"))
}

/// Deny (164.526(d)(1)) on an `AMEND_DENY_*` ground; the written denial goes out with the
/// basis, the right to file a statement of disagreement and the complaint route.
pub fn deny(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    code: &str,
    note: &str,
) -> Result<Amendment, CoreError> {
    let code = code.trim().to_uppercase();
    let Some((_, rule, words)) = DENY_REASONS.iter().find(|(c, _, _)| *c == code) else {
        return Err(CoreError::invalid(
            "reason",
            format!(
                "{code:?} is not a denial ground of 45 CFR 164.526(a)(2): {}",
                DENY_REASONS
                    .iter()
                    .map(|(c, _, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    with_amendment(store, actor, id, |tx, audit, a, c| {
        require_open(a)?;
        tx.execute(
            "UPDATE amendment_requests SET status = 'denied', decided_at = ?2, decided_by = ?3, denial_basis = ?4, denial_note = ?5 WHERE id = ?1",
            params![id, c.now, c.user, code, note.trim()],
        )?;
        audit.record(
            event(a, Action::Update, Subtype::Update)
                .reason(&code)
                .detail(json!({
                    "status": {"old": a.status, "new": "denied"}, "basis": code, "rule": rule,
                })),
        );
        let basis = format!(
            "{words} ({rule}){}",
            if note.trim().is_empty() {
                String::new()
            } else {
                format!(". {}", note.trim())
            }
        );
        send_letter(
            tx,
            audit,
            a,
            "amendment_denial",
            &c,
            &[("deny_basis", basis)],
        )?;
        load(tx, id)
    })
}

mod statement;
pub use statement::{carried_with, carry_request_and_denial, file_statement};
