//! Release requests in the store: logging, the authorization form, validation (an `AUTH_*`
//! code puts the request ON_HOLD), holds, the one extension, document selection, QA, denial
//! and closing (DOMAIN §4.5).
//!
//! Invariants: every change is one [`Store::transact`] with its audit row; permission
//! (ROI or supervisor, DOMAIN §1) is checked here, not only in the UI; an illegal status step
//! is refused ([`can_move`]); a document labelled with a sensitive category is released only
//! when the authorization names the category ([`Selection`]).

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::authorization::Authorization;
use super::clock::{self, ClockSettings, ClockStatus, Extension, Hold};
use super::lifecycle::{
    Status, can_move, deny_allowed, deny_rule, hold_condition, is_manual_hold, valid_hold_reason,
};
use super::requester::{Conditions, RequesterType};
use super::stored_enum;
use super::validate::Validation;
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings;
use crate::store::{AuditBuffer, Store, Tx};

pub use super::queue::{Detail, HistoryRow, QueueRow, detail, queue};
pub use super::selection::{Item, Selection, as_request, items, selection};

stored_enum!(
    /// How the copies go out (ROI-03: the requested form and format if readily producible).
    Delivery {
        Paper = "paper",
        Electronic = "electronic",
        Portal = "portal",
    }
);

/// What was asked for: dates of service (inclusive), document types (LOINC codes or
/// `PSYCHOTHERAPY_NOTES`; empty = all) and encounters (visit numbers; empty = all).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub document_types: Vec<String>,
    pub encounters: Vec<String>,
}

/// A request as logged at the desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    pub mrn: String,
    pub requester_type: RequesterType,
    pub requester_name: String,
    pub requester_address: String,
    pub purpose: String,
    pub scope: Scope,
    pub delivery: Delivery,
    /// Day 0 of the clock.
    pub received: NaiveDate,
    pub conditions: Conditions,
}

/// One request as stored.
#[derive(Clone, Debug, Serialize)]
pub struct RequestRecord {
    pub id: i64,
    pub patient_id: i64,
    pub mrn: String,
    pub patient_name: String,
    pub requester_type: RequesterType,
    pub requester_name: String,
    pub requester_address: String,
    pub purpose: String,
    pub scope: Scope,
    pub delivery: Delivery,
    pub received: NaiveDate,
    /// Due date before paused days (initial, or after the extension).
    pub due: NaiveDate,
    pub status: Status,
    pub hold_reason: Option<String>,
    pub authorization: Option<Authorization>,
    pub conditions: Conditions,
    pub verification_method: Option<String>,
    pub verified_by: Option<String>,
    pub extension: Option<Extension>,
    pub deny_reason: Option<String>,
    pub prepared_by: Option<String>,
    pub qa_user: Option<String>,
    pub released_by: Option<String>,
    pub released_at: Option<String>,
    pub pages: Option<i64>,
    pub invoice_cents: Option<i64>,
    pub invoice_method: Option<String>,
    pub created_by: String,
}

/// Request id as shown to users: `REQ-000042`.
pub fn request_label(id: i64) -> String {
    format!("REQ-{id:06}")
}

/// Parse `42`, `REQ-42` or `REQ-000042`.
pub fn parse_request_id(s: &str) -> Result<i64, CoreError> {
    let t = s.trim();
    let digits = t
        .strip_prefix("REQ-")
        .or_else(|| t.strip_prefix("req-"))
        .unwrap_or(t);
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            CoreError::invalid("request", format!("{s:?} is not a request id (REQ-000042)"))
        })
}

pub(super) const COLUMNS: &str =
    "r.id, r.patient_id, p.mrn, p.family_name || ', ' || p.given_name, r.requester_type,
    r.requester_name, r.requester_address, r.purpose, r.scope, r.delivery, r.received_at, r.due_at,
    r.status, r.hold_reason, r.authorization, r.conditions, r.verification_method, r.verified_by,
    r.ext_days, r.ext_reason, r.ext_notice_date, r.deny_reason, r.prepared_by, r.qa_user,
    r.released_by, r.released_at, r.pages, r.invoice_cents, r.invoice_method, r.created_by";

fn bad(field: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{field}: {e}").into(),
    )
}

fn date(s: &str, field: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").map_err(|e| bad(field, e))
}

pub(super) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRecord> {
    let t: String = r.get(4)?;
    let scope: String = r.get(8)?;
    let delivery: String = r.get(9)?;
    let status: String = r.get(12)?;
    let auth: Option<String> = r.get(14)?;
    let cond: String = r.get(15)?;
    let ext_days: Option<i64> = r.get(18)?;
    let ext_reason: Option<String> = r.get(19)?;
    let ext_notice: Option<String> = r.get(20)?;
    let extension = match (ext_days, ext_reason, ext_notice) {
        (Some(d), Some(reason), Some(n)) => Some(Extension {
            days: u32::try_from(d).map_err(|e| bad("ext_days", e))?,
            reason,
            notice_sent: date(&n, "ext_notice_date")?,
        }),
        _ => None,
    };
    Ok(RequestRecord {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        mrn: r.get(2)?,
        patient_name: r.get(3)?,
        requester_type: RequesterType::parse(&t).ok_or_else(|| bad("requester_type", &t))?,
        requester_name: r.get(5)?,
        requester_address: r.get(6)?,
        purpose: r.get(7)?,
        scope: serde_json::from_str(&scope).map_err(|e| bad("scope", e))?,
        delivery: Delivery::parse(&delivery).ok_or_else(|| bad("delivery", &delivery))?,
        received: date(&r.get::<_, String>(10)?, "received_at")?,
        due: date(&r.get::<_, String>(11)?, "due_at")?,
        status: Status::parse(&status).ok_or_else(|| bad("status", &status))?,
        hold_reason: r.get(13)?,
        authorization: auth
            .map(|a| serde_json::from_str(&a).map_err(|e| bad("authorization", e)))
            .transpose()?,
        conditions: serde_json::from_str(&cond).map_err(|e| bad("conditions", e))?,
        verification_method: r.get(16)?,
        verified_by: r.get(17)?,
        extension,
        deny_reason: r.get(21)?,
        prepared_by: r.get(22)?,
        qa_user: r.get(23)?,
        released_by: r.get(24)?,
        released_at: r.get(25)?,
        pages: r.get(26)?,
        invoice_cents: r.get(27)?,
        invoice_method: r.get(28)?,
        created_by: r.get(29)?,
    })
}

/// Read one request (no audit: callers audit the view).
pub fn load(conn: &crate::store::Reader, id: i64) -> Result<RequestRecord, CoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM release_requests r JOIN patients p ON p.id = r.patient_id WHERE r.id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "release request",
        id: request_label(id),
    })
}

/// Hold periods of a request, oldest first.
pub fn holds(conn: &crate::store::Reader, id: i64) -> Result<Vec<Hold>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT from_date, until_date FROM release_holds WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        let from: String = r.get(0)?;
        let until: Option<String> = r.get(1)?;
        Ok(Hold {
            from: date(&from, "from_date")?,
            until: until.map(|u| date(&u, "until_date")).transpose()?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Clock settings in force (ROI-01/02).
pub fn clock_settings(conn: &crate::store::Reader) -> Result<ClockSettings, CoreError> {
    let days = |k| -> Result<u32, CoreError> {
        let v = settings::get_i64(conn, k)?;
        u32::try_from(v)
            .map_err(|_| CoreError::invalid(k.name(), format!("{v} is not a day count")))
    };
    Ok(ClockSettings {
        access_due_days: days(crate::settings::Key::AccessDueDays)?,
        max_extension_days: days(crate::settings::Key::MaxExtensionDays)?,
        pause_on_hold_non_access: settings::get_i64(
            conn,
            crate::settings::Key::PauseOnHoldNonAccess,
        )? != 0,
    })
}

fn roi_err(field: &str, e: super::RoiError) -> CoreError {
    CoreError::invalid(field, e.to_string())
}

/// Where a request stands against its clock as of `today` (ROI-01/02).
pub fn clock_of(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    today: NaiveDate,
) -> Result<ClockStatus, CoreError> {
    let s = clock_settings(conn)?;
    let holds = holds(conn, rec.id)?;
    clock::status(
        rec.requester_type,
        rec.received,
        &s,
        rec.extension.as_ref(),
        &holds,
        today,
    )
    .map_err(|e| roi_err("clock", e))
}

/// The facility-local date of the store's clock (clock service: `facility_timezone`).
pub fn today(store: &Store) -> NaiveDate {
    crate::clock::FacilityClock::read(store)
        .map(|c| c.today())
        .unwrap_or_else(|_| crate::clock::facility_date(store.now()))
}

/// HL7 v3 PurposeOfUse of a release to this requester (FHIR AuditEvent.purposeOfEvent).
pub fn purpose_of_use(t: RequesterType) -> &'static str {
    use RequesterType::*;
    match t {
        SelfAccess | PersRep | Directive => "PATRQT",
        ProviderTx => "TREAT",
        Payer | WorkersComp => "HPAYMT",
        Auth3p => "PATRQT",
        PublicHealth => "PUBHLTH",
        Research => "HRESCH",
        Oversight | Hhs => "HOPERAT",
        CourtOrder | Subpoena | LawEnf | ReqByLaw | Decedent => "HLEGAL",
    }
}

fn qa_required(conn: &crate::store::Reader) -> Result<bool, CoreError> {
    Ok(settings::get_i64(conn, crate::settings::Key::RoiQaRequired)? != 0)
}

pub(super) fn event(rec: &RequestRecord, action: Action, subtype: Subtype) -> Event {
    Event::new(action, subtype, "release_request", request_label(rec.id)).patient(&rec.mrn)
}

/// Move a request to `to` inside `tx`: refuses an illegal step, keeps the hold periods and the
/// status history, and records the audit event.
#[allow(clippy::too_many_arguments)]
pub(crate) fn move_status(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    actor: &Actor,
    rec: &mut RequestRecord,
    to: Status,
    reason: Option<&str>,
    now_ms: &str,
    today: NaiveDate,
) -> Result<(), CoreError> {
    let from = rec.status;
    if !can_move(from, to, qa_required(tx)?) {
        let hold = match (from, &rec.hold_reason) {
            (Status::OnHold, Some(code)) => format!(
                "; on hold {code}: {}",
                hold_condition(code).replace("REQ", &request_label(rec.id))
            ),
            _ => String::new(),
        };
        return Err(CoreError::invalid(
            "status",
            format!(
                "{} is {}; it cannot move to {} (DOMAIN 4.5){hold}",
                request_label(rec.id),
                from.label(),
                to.label()
            ),
        ));
    }
    if from == Status::OnHold {
        tx.execute(
            "UPDATE release_holds SET until_date = ?2 WHERE request_id = ?1 AND until_date IS NULL",
            params![rec.id, today.to_string()],
        )?;
    }
    if to == Status::OnHold {
        tx.execute(
            "INSERT INTO release_holds(request_id, reason, from_date) VALUES (?1, ?2, ?3)",
            params![rec.id, reason.unwrap_or(""), today.to_string()],
        )?;
    }
    let hold_reason = (to == Status::OnHold).then(|| reason.unwrap_or("").to_string());
    tx.execute(
        "UPDATE release_requests SET status = ?2, hold_reason = ?3,
            closed_at = CASE WHEN ?2 IN ('closed','cancelled') THEN ?4 ELSE closed_at END
         WHERE id = ?1",
        params![rec.id, to.as_str(), hold_reason, now_ms],
    )?;
    tx.execute(
        "INSERT INTO release_request_history(request_id, at, from_status, to_status, reason, username)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![rec.id, now_ms, from.as_str(), to.as_str(), reason, actor.username],
    )?;
    let mut e = event(rec, Action::Update, Subtype::Update)
        .detail(json!({"status": {"old": from.label(), "new": to.label()}}));
    if let Some(r) = reason {
        e = e.reason(r);
    }
    audit.record(e);
    rec.status = to;
    rec.hold_reason = hold_reason;
    Ok(())
}

/// ROI-01: log a request; the due date is received + `access_due_days`. Returns its id.
pub fn log_request(store: &mut Store, actor: &Actor, new: &NewRequest) -> Result<i64, CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "release_request", "new")?;
    check_new(store.conn(), new, today(store))?;
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| log_in(tx, audit, actor, new, &now))
}

/// The checks of [`log_request`] before anything is written: requester named, text within
/// limits, dates sane, received not in the future (ROI-01).
pub(crate) fn check_new(
    conn: &crate::store::Reader,
    new: &NewRequest,
    today_local: NaiveDate,
) -> Result<(), CoreError> {
    if new.requester_name.trim().is_empty() {
        return Err(CoreError::invalid(
            "requester_name",
            "who is asking must be named (DOMAIN 4.5)",
        ));
    }
    let limits = crate::limits::Limits::read(conn)?;
    limits.check_text(
        "requester_name",
        &new.requester_name,
        crate::limits::TextKind::Name,
    )?;
    limits.check_text(
        "requester_address",
        &new.requester_address,
        crate::limits::TextKind::Field,
    )?;
    limits.check_text("purpose", &new.purpose, crate::limits::TextKind::Field)?;
    crate::limits::check_date("received", new.received)?;
    for d in [new.scope.from, new.scope.to].into_iter().flatten() {
        crate::limits::check_date("scope", d)?;
    }
    if let (Some(f), Some(t)) = (new.scope.from, new.scope.to)
        && f > t
    {
        return Err(CoreError::invalid(
            "scope",
            format!("from {f} is after to {t}"),
        ));
    }
    if new.received > today_local {
        return Err(CoreError::invalid(
            "received",
            format!(
                "{} is in the future (today is {today_local}): a request is logged on or after the day it arrived (ROI-01)",
                new.received
            ),
        ));
    }
    Ok(())
}

/// The write of [`log_request`] inside an open transaction (the patient and the encounters are
/// checked here; the caller checked the permission and the fields). Returns its id.
pub(crate) fn log_in(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    actor: &Actor,
    new: &NewRequest,
    now: &str,
) -> Result<i64, CoreError> {
    let patient: (i64, String) = tx
        .query_row(
            "SELECT id, mrn FROM patients WHERE mrn = ?1",
            [&new.mrn],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            what: "patient",
            id: new.mrn.clone(),
        })?;
    for visit in &new.scope.encounters {
        let ok: Option<i64> = tx
            .query_row(
                "SELECT id FROM encounters WHERE visit_number = ?1 AND patient_id = ?2",
                params![visit, patient.0],
                |r| r.get(0),
            )
            .optional()?;
        if ok.is_none() {
            return Err(CoreError::invalid(
                "encounters",
                format!("{visit} is not an encounter of {}", new.mrn),
            ));
        }
    }
    let s = clock_settings(tx)?;
    let due = clock::initial_due(new.received, &s).map_err(|e| roi_err("received", e))?;
    let scope = serde_json::to_string(&new.scope)
        .map_err(|e| CoreError::invalid("scope", e.to_string()))?;
    let cond = serde_json::to_string(&new.conditions)
        .map_err(|e| CoreError::invalid("conditions", e.to_string()))?;
    tx.execute(
        "INSERT INTO release_requests(patient_id, requester_type, requester_name, requester_address,
            purpose, scope, delivery, received_at, due_at, status, created_by, conditions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'logged', ?10, ?11)",
        params![
            patient.0,
            new.requester_type.as_str(),
            new.requester_name.trim(),
            new.requester_address.trim(),
            new.purpose.trim(),
            scope,
            new.delivery.as_str(),
            new.received.to_string(),
            due.to_string(),
            actor.username,
            cond
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO release_request_history(request_id, at, from_status, to_status, reason, username)
         VALUES (?1, ?2, NULL, 'logged', NULL, ?3)",
        params![id, now, actor.username],
    )?;
    audit.record(
        Event::new(
            Action::Create,
            Subtype::Create,
            "release_request",
            request_label(id),
        )
        .patient(&patient.1)
        .purpose(purpose_of_use(new.requester_type))
        .detail(json!({
            "requester_type": new.requester_type.as_str(),
            "requester_name": new.requester_name.trim(),
            "received": new.received, "due": due, "scope": new.scope,
            "delivery": new.delivery.as_str(), "rule": "ROI-01",
        })),
    );
    Ok(id)
}

/// Run `work` on a loaded request inside one audited transaction, after the permission check.
pub(super) fn with_request<T>(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    work: impl FnOnce(
        &Tx<'_>,
        &mut AuditBuffer,
        &mut RequestRecord,
        &str,
        NaiveDate,
    ) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "release_request",
        &request_label(id),
    )?;
    let now = utc_ms(store.now());
    let today = today(store);
    store.transact(actor, |tx, audit| {
        let mut rec = load(tx, id)?;
        work(tx, audit, &mut rec, &now, today)
    })
}

pub(super) fn require_open(rec: &RequestRecord) -> Result<(), CoreError> {
    if rec.status.is_open() {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "status",
            format!(
                "{} is {}; it can no longer change",
                request_label(rec.id),
                rec.status.label()
            ),
        ))
    }
}

/// What QA reviewed must not change under it: while in QA review the authorization,
/// verification and document selection are frozen (QA sends it back to change them).
pub(super) fn require_editable(rec: &RequestRecord) -> Result<(), CoreError> {
    require_open(rec)?;
    if rec.status == Status::QaReview {
        return Err(CoreError::invalid(
            "status",
            format!(
                "{} is in QA review; QA sends it back to IN_PROCESS before it changes",
                request_label(rec.id)
            ),
        ));
    }
    Ok(())
}

/// Capture or replace the authorization form (164.508(c)); the request must be open and not
/// in QA review.
pub fn set_authorization(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    auth: &Authorization,
) -> Result<(), CoreError> {
    with_request(store, actor, id, |tx, audit, rec, _, _| {
        require_editable(rec)?;
        let text = serde_json::to_string(auth)
            .map_err(|e| CoreError::invalid("authorization", e.to_string()))?;
        tx.execute(
            "UPDATE release_requests SET authorization = ?2 WHERE id = ?1",
            params![id, text],
        )?;
        audit.record(
            event(rec, Action::Update, Subtype::Update)
                .detail(json!({"authorization": auth, "replaced": rec.authorization.is_some()})),
        );
        Ok(())
    })
}

/// ROI-07: record how the requester's identity and authority were verified, and by whom
/// (the acting user).
pub fn verify_identity(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    method: &str,
) -> Result<(), CoreError> {
    if method.trim().is_empty() {
        return Err(CoreError::invalid(
            "verification_method",
            "say how identity was verified (ROI-07)",
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_editable(rec)?;
        tx.execute(
            "UPDATE release_requests SET verification_method = ?2, verified_by = ?3 WHERE id = ?1",
            params![id, method.trim(), actor.username],
        )?;
        audit.record(event(rec, Action::Update, Subtype::Update).detail(
            json!({"verification_method": method.trim(), "verified_by": actor.username, "rule": "ROI-07"}),
        ));
        rec.verification_method = Some(method.trim().to_string());
        rec.verified_by = Some(actor.username.clone());
        // The condition of HOLD_IDENTITY is met: the hold is lifted and validation runs.
        lift_if(tx, audit, actor, rec, "HOLD_IDENTITY", now, today)?;
        Ok(())
    })
}

/// Lift the manual hold `code` if the request is on it (its condition was just met), then
/// validate at once. Returns the status reached, `None` when the request was not on it.
pub(super) fn lift_if(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    actor: &Actor,
    rec: &mut RequestRecord,
    code: &str,
    now: &str,
    today: NaiveDate,
) -> Result<Option<Status>, CoreError> {
    if rec.status != Status::OnHold || rec.hold_reason.as_deref() != Some(code) {
        return Ok(None);
    }
    move_status(
        tx,
        audit,
        actor,
        rec,
        Status::Validating,
        Some(code),
        now,
        today,
    )?;
    let (_, st) = revalidate(tx, audit, actor, rec, now, today)?;
    Ok(Some(st))
}

/// Validate inside `tx` and move the request by the result (DOMAIN §4.3, §4.5). A request on
/// a manual hold (`HOLD_*`) stays on it: validation is recorded but never lifts one. With
/// `roi_incomplete_documents = HOLD`, an incomplete or unsigned document still selected holds
/// the request with `HOLD_RECORD_INCOMPLETE`.
pub(crate) fn revalidate(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    actor: &Actor,
    rec: &mut RequestRecord,
    now: &str,
    today: NaiveDate,
) -> Result<(Validation, Status), CoreError> {
    let sel = selection(tx, rec, today)?;
    let v = sel.validation.clone();
    audit.record(event(rec, Action::Execute, Subtype::Query).detail(json!({
        "validation": &v, "rule": "45 CFR 164.508",
    })));
    if rec.status == Status::OnHold && rec.hold_reason.as_deref().is_some_and(is_manual_hold) {
        return Ok((v, Status::OnHold));
    }
    if rec.status != Status::Validating {
        move_status(tx, audit, actor, rec, Status::Validating, None, now, today)?;
    }
    let hold_incomplete = settings::get(tx, crate::settings::Key::RoiIncompleteDocuments)?
        .trim()
        .eq_ignore_ascii_case("HOLD")
        && sel.releasable().any(|i| i.incomplete.is_some());
    let (to, reason) = match v.problems.first() {
        Some(p) => (Status::OnHold, Some(p.code)),
        None if hold_incomplete => (Status::OnHold, Some("HOLD_RECORD_INCOMPLETE")),
        None => (Status::InProcess, None),
    };
    move_status(tx, audit, actor, rec, to, reason, now, today)?;
    Ok((v, to))
}

/// Validate the request (DOMAIN §4.3): LOGGED/ON_HOLD/IN_PROCESS → VALIDATING → ON_HOLD with
/// the first reason code when anything is wrong, else IN_PROCESS. Every problem is in the
/// audit detail and in the returned validation. A manual hold (`HOLD_*`) is never lifted
/// here: the request stays ON_HOLD until the hold's condition is met ([`hold_condition`]).
pub fn validate_request(
    store: &mut Store,
    actor: &Actor,
    id: i64,
) -> Result<(Validation, Status), CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_open(rec)?;
        if rec.status == Status::QaReview {
            return Err(CoreError::invalid(
                "status",
                "in QA review: QA returns it to IN_PROCESS first",
            ));
        }
        revalidate(tx, audit, actor, rec, now, today)
    })
}

pub(super) fn reviewable(code: &str) -> bool {
    super::lifecycle::DENY_REASONS
        .iter()
        .any(|(c, _, r)| *c == code && *r)
}

mod steps;
pub use steps::{
    cancel, close, deny, extend, hold, hold_hint, qa_review, review_denial, set_item, submit_for_qa,
};

pub use super::holds::mark_paid;
