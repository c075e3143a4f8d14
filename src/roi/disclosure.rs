//! Accounting of disclosures in the store (DOMAIN §5): the accounting itself (AOD-01 six-year
//! window, AOD-02 exclusions, AOD-06 suspensions), requests for an accounting with their
//! 60-day clock and the first-free-in-12-months fee (AOD-05), and suspensions.
//!
//! Invariants: disclosure rows are never changed or deleted; an accounting is a read audited
//! as a query; the exclusion rules are the pure ones in [`super::accounting`].

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::accounting::{self, Disclosure, DisclosurePurpose, Suspension};
use super::requester::{Conditions, RequesterType};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings;
use crate::store::Store;

use super::request::today;

/// One disclosure row as stored.
#[derive(Clone, Debug, Serialize)]
pub struct DisclosureRow {
    pub id: i64,
    pub request: Option<String>,
    pub date: NaiveDate,
    pub recipient: String,
    pub recipient_address: String,
    pub description: String,
    pub purpose: String,
    pub purpose_code: String,
    pub requester_type: Option<String>,
    pub part2: bool,
    pub audit_event_id: String,
    /// AOD-02 / AOD-06 reason it is left out (`None` = in the accounting).
    pub excluded: Option<String>,
    pub excluded_rule: Option<String>,
    /// AOD-04: disclosures this entry stands for (1 unless repeats were grouped).
    pub frequency: usize,
    /// AOD-04: date of the last of the grouped repeats.
    pub last_date: NaiveDate,
}

/// AOD-04 (164.528(b)(3)): repeated disclosures to one recipient for one purpose listed once,
/// with the first disclosure's details, how many there were and the date of the last.
pub fn group_repeats(entries: Vec<DisclosureRow>) -> Vec<DisclosureRow> {
    let mut out: Vec<DisclosureRow> = Vec::new();
    for e in entries {
        let key = |r: &DisclosureRow| {
            (
                r.recipient.trim().to_lowercase(),
                r.purpose.trim().to_lowercase(),
            )
        };
        match out.iter_mut().find(|g| key(g) == key(&e)) {
            Some(g) => {
                g.frequency += e.frequency;
                g.last_date = g.last_date.max(e.last_date);
            }
            None => out.push(e),
        }
    }
    out
}

/// The accounting for one patient.
#[derive(Clone, Debug, Serialize)]
pub struct Accounting {
    pub mrn: String,
    pub patient: String,
    pub as_of: NaiveDate,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    /// Disclosures that must be accounted for (AOD-03 fields).
    pub entries: Vec<DisclosureRow>,
    /// Disclosures in the window left out, with the rule.
    pub excluded: Vec<DisclosureRow>,
    /// The open (or latest) request for an accounting, with its clock and fee.
    pub request: Option<AodRequest>,
}

/// A request for an accounting (AOD-05).
#[derive(Clone, Debug, Serialize)]
pub struct AodRequest {
    pub id: i64,
    pub received: NaiveDate,
    pub requested_from: Option<NaiveDate>,
    pub due: NaiveDate,
    pub days_left: i64,
    pub status: String,
    pub fee_cents: i64,
    pub free: bool,
}

fn d(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn patient(conn: &crate::store::Reader, mrn: &str) -> Result<(i64, String), CoreError> {
    conn.query_row(
        "SELECT id, family_name || ', ' || given_name FROM patients WHERE mrn = ?1",
        [mrn],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "patient",
        id: mrn.to_string(),
    })
}

/// Suspensions on record (AOD-06).
pub fn suspensions(conn: &crate::store::Reader) -> Result<Vec<Suspension>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT agency, start_date, end_date, written, request_id FROM aod_suspensions ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Suspension {
            agency: r.get(0)?,
            request_id: r.get(4)?,
            start: d(&r.get::<_, String>(1)?)?,
            end: d(&r.get::<_, String>(2)?)?,
            written: r.get::<_, i64>(3)? != 0,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn latest_request(
    conn: &crate::store::Reader,
    patient_id: i64,
    today: NaiveDate,
) -> Result<Option<AodRequest>, CoreError> {
    let row = conn
        .query_row(
            "SELECT id, received_date, requested_from, due_date, status, fee_cents FROM aod_requests
             WHERE patient_id = ?1 ORDER BY (status = 'provided'), id DESC LIMIT 1",
            [patient_id],
            |r| {
                let from: Option<String> = r.get(2)?;
                Ok(AodRequest {
                    id: r.get(0)?,
                    received: d(&r.get::<_, String>(1)?)?,
                    requested_from: from.map(|f| d(&f)).transpose()?,
                    due: d(&r.get::<_, String>(3)?)?,
                    days_left: 0,
                    status: r.get(4)?,
                    fee_cents: r.get(5)?,
                    free: false,
                })
            },
        )
        .optional()?;
    Ok(row.map(|mut r| {
        r.days_left = (r.due - today).num_days();
        r.free = r.fee_cents == 0;
        r
    }))
}

/// AOD-01/02/06: the accounting for `mrn` as of the store's today, from `from` (shortens the
/// six-year window, never lengthens it). Audited as a query.
pub fn accounting(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    from: Option<NaiveDate>,
) -> Result<Accounting, CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "accounting", mrn)?;
    let today = today(store);
    store.transact_read(actor, |tx, audit| {
        let a = accounting_in(tx, mrn, from, today)?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "accounting", mrn)
                .patient(mrn)
                .purpose("PATRQT")
                .detail(
                    json!({"from": a.window_from, "to": a.window_to, "entries": a.entries.len(),
                               "excluded": a.excluded.len(), "rule": "AOD-01"}),
                ),
        );
        Ok(a)
    })
}

/// The accounting as of `today`, read on `conn` (the caller audits it).
pub fn accounting_in(
    conn: &crate::store::Reader,
    mrn: &str,
    from: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Accounting, CoreError> {
    let (pid, name) = patient(conn, mrn)?;
    let request = latest_request(conn, pid, today)?;
    let from = from.or(request.as_ref().and_then(|r| r.requested_from));
    let (start, end) =
        accounting::window(today, from).map_err(|e| CoreError::invalid("from", e.to_string()))?;
    let susp = suspensions(conn)?;
    let mut stmt = conn.prepare(
        "SELECT id, request_id, disclosed_at, recipient, recipient_address, description, purpose, purpose_code,
                requester_type, conditions, part2, audit_event_id
         FROM disclosures WHERE patient_id = ?1 AND substr(disclosed_at, 1, 10) BETWEEN ?2 AND ?3
         ORDER BY disclosed_at, id",
    )?;
    let rows = stmt.query_map(params![pid, start.to_string(), end.to_string()], |r| {
        let cond: String = r.get(9)?;
        let request_id: Option<i64> = r.get(1)?;
        Ok((
            DisclosureRow {
                id: r.get(0)?,
                request: r
                    .get::<_, Option<i64>>(1)?
                    .map(super::request::request_label),
                date: d(&r.get::<_, String>(2)?)?,
                recipient: r.get(3)?,
                recipient_address: r.get(4)?,
                description: r.get(5)?,
                purpose: r.get(6)?,
                purpose_code: r.get(7)?,
                requester_type: r.get(8)?,
                part2: r.get::<_, i64>(10)? != 0,
                audit_event_id: r.get(11)?,
                excluded: None,
                excluded_rule: None,
                frequency: 1,
                last_date: d(&r.get::<_, String>(2)?)?,
            },
            cond,
            request_id,
        ))
    })?;
    let mut entries = Vec::new();
    let mut excluded = Vec::new();
    for row in rows {
        let (mut row, cond, request_id) = row?;
        let conditions: Conditions = serde_json::from_str(&cond).unwrap_or_default();
        let disc = Disclosure {
            disclosed_on: row.date,
            purpose: DisclosurePurpose::parse(&row.purpose_code)
                .unwrap_or(DisclosurePurpose::Other),
            requester_type: row.requester_type.as_deref().and_then(RequesterType::parse),
            conditions,
            part2: row.part2,
        };
        if let Some(x) = accounting::exclusion(&disc) {
            row.excluded = Some(x.code.to_string());
            row.excluded_rule = Some(x.rule.to_string());
        } else if let Some(s) = susp.iter().find(|s| {
            s.covers(request_id, disc.requester_type) && s.in_force(today).unwrap_or(true)
        }) {
            row.excluded = Some("AOD_SUSPENDED".into());
            row.excluded_rule = Some(format!(
                "45 CFR 164.528(a)(2) ({} statement, {} to {})",
                if s.written { "written" } else { "oral" },
                s.start,
                s.last_day().unwrap_or(s.end)
            ));
        }
        if row.excluded.is_some() {
            excluded.push(row);
        } else {
            entries.push(row);
        }
    }
    Ok(Accounting {
        mrn: mrn.to_string(),
        patient: name,
        as_of: today,
        window_from: start,
        window_to: end,
        entries,
        excluded,
        request,
    })
}

/// AOD-05: log a request for an accounting received on `received`: due in 60 days; free if it
/// is the first in 12 months, else `aod_fee_cents` after notice. Returns the request.
pub fn log_aod_request(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    received: NaiveDate,
    requested_from: Option<NaiveDate>,
) -> Result<AodRequest, CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "aod_request", mrn)?;
    let today = today(store);
    if received > today {
        return Err(CoreError::invalid(
            "received",
            format!(
                "{received} is in the future (today is {today}): log the request on or after the day it arrived (AOD-05)"
            ),
        ));
    }
    if let Some(f) = requested_from.filter(|f| *f > received) {
        return Err(CoreError::invalid(
            "from",
            format!("the period asked for starts {f}, after the request was received {received}"),
        ));
    }
    store.transact(actor, |tx, audit| {
        let (pid, _) = patient(tx, mrn)?;
        let due = accounting::due(received, None).map_err(|e| CoreError::invalid("received", e.to_string()))?;
        let mut stmt = tx.prepare("SELECT received_date FROM aod_requests WHERE patient_id = ?1")?;
        let earlier = stmt
            .query_map([pid], |r| d(&r.get::<_, String>(0)?))?
            .collect::<Result<Vec<_>, _>>()?;
        let cost = u64::try_from(settings::get_i64(tx, crate::settings::Key::AodFeeCents)?).unwrap_or(0);
        let fee = accounting::fee(received, &earlier, cost).map_err(|e| CoreError::invalid("received", e.to_string()))?;
        tx.execute(
            "INSERT INTO aod_requests(patient_id, received_date, requested_from, due_date, status, fee_cents, created_by)
             VALUES (?1, ?2, ?3, ?4, 'received', ?5, ?6)",
            params![pid, received.to_string(), requested_from.map(|f| f.to_string()), due.to_string(), fee.cents as i64, actor.username],
        )?;
        let id = tx.last_insert_rowid();
        audit.record(
            Event::new(Action::Create, Subtype::Create, "aod_request", id)
                .patient(mrn)
                .purpose("PATRQT")
                .detail(json!({"received": received, "due": due, "fee_cents": fee.cents, "free": fee.free,
                               "notice_required": fee.notice_required, "rule": "AOD-05"})),
        );
        Ok(AodRequest {
            id,
            received,
            requested_from,
            due,
            days_left: (due - today).num_days(),
            status: "received".into(),
            fee_cents: fee.cents as i64,
            free: fee.free,
        })
    })
}

/// AOD-05: the one extension of an accounting request (≤ 30 days, written reason, notice
/// within the first 60 days). Returns the new due date.
pub fn extend_aod(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    days: u32,
    reason: &str,
    notice_sent: NaiveDate,
) -> Result<NaiveDate, CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "aod_request",
        &id.to_string(),
    )?;
    let today = today(store);
    if notice_sent > today {
        return Err(CoreError::invalid(
            "notice",
            format!(
                "the notice date {notice_sent} is in the future (today is {today}): record the extension when the notice is sent (AOD-05)"
            ),
        ));
    }
    store.transact(actor, |tx, audit| {
        let row: Option<(String, String, Option<i64>, String)> = tx
            .query_row(
                "SELECT p.mrn, a.received_date, a.ext_days, a.status FROM aod_requests a
                 JOIN patients p ON p.id = a.patient_id WHERE a.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let (mrn, received, ext, status) =
            row.ok_or_else(|| CoreError::NotFound { what: "accounting request", id: id.to_string() })?;
        if status == "provided" {
            return Err(CoreError::invalid("status", format!("accounting request {id} was already provided")));
        }
        if ext.is_some() {
            return Err(CoreError::invalid("extension", format!("accounting request {id} was already extended once (AOD-05)")));
        }
        let received = d(&received)?;
        let e = super::clock::Extension { days, reason: reason.trim().to_string(), notice_sent };
        let due = accounting::due(received, Some(&e)).map_err(|x| CoreError::invalid("extension", x.to_string()))?;
        tx.execute(
            "UPDATE aod_requests SET ext_days = ?2, ext_reason = ?3, ext_notice_date = ?4, due_date = ?5, status = 'extended' WHERE id = ?1",
            params![id, days, e.reason, notice_sent.to_string(), due.to_string()],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "aod_request", id)
                .patient(&mrn)
                .reason(&e.reason)
                .detail(json!({"extension_days": days, "notice_sent": notice_sent, "due": due, "rule": "AOD-05"})),
        );
        Ok(due)
    })
}

/// AOD-05/07: the accounting was provided: it is kept on record (as provided, JSON) with who
/// provided it.
pub fn provide_aod(store: &mut Store, actor: &Actor, id: i64) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "aod_request",
        &id.to_string(),
    )?;
    let now = utc_ms(store.now());
    let today = today(store);
    store.transact(actor, |tx, audit| {
        let row: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT p.mrn, a.requested_from FROM aod_requests a JOIN patients p ON p.id = a.patient_id
                 WHERE a.id = ?1 AND a.status <> 'provided'",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (mrn, from) = row.ok_or_else(|| CoreError::NotFound { what: "open accounting request", id: id.to_string() })?;
        let from = from.map(|f| d(&f)).transpose()?;
        // AOD-07: the accounting as provided is kept with the request.
        let provided = accounting_in(tx, &mrn, from, today)?;
        let content = serde_json::to_string(&provided).map_err(|e| CoreError::invalid("accounting", e.to_string()))?;
        tx.execute(
            "UPDATE aod_requests SET status = 'provided', provided_at = ?2, provided_by = ?3, provided_content = ?4 WHERE id = ?1",
            params![id, now, actor.username, content],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "aod_request", id)
                .patient(&mrn)
                .detail(json!({"status": "provided", "entries": provided.entries.len(), "rule": "AOD-07"})),
        );
        Ok(())
    })
}

/// AOD-06: record an agency's suspension statement, tied to the agency's request (`request_id`,
/// an OVERSIGHT or LAW_ENF request; 164.528(a)(2)); the agency is the requester of that
/// request. An oral statement lasts at most 30 days. Returns the suspension id.
pub fn add_suspension(store: &mut Store, actor: &Actor, s: &Suspension) -> Result<i64, CoreError> {
    let Some(request_id) = s.request_id else {
        return Err(CoreError::invalid(
            "request",
            "a suspension is tied to the agency's request (OVERSIGHT or LAW_ENF), never to a typed name (AOD-06)",
        ));
    };
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "aod_suspension",
        &super::request::request_label(request_id),
    )?;
    let rec = super::request::load(store.conn(), request_id)?;
    if !accounting::may_suspend(Some(rec.requester_type)) {
        return Err(CoreError::invalid(
            "request",
            format!(
                "{} is a {} request: only a health oversight agency or a law-enforcement official may suspend the accounting (45 CFR 164.528(a)(2)){}",
                super::request::request_label(request_id),
                rec.requester_type,
                if rec.requester_type == RequesterType::PublicHealth {
                    "; a public-health registry never"
                } else {
                    ""
                }
            ),
        ));
    }
    if rec.requester_type == RequesterType::LawEnf && !rec.conditions.law_enforcement_prong {
        return Err(CoreError::invalid(
            "request",
            "a LAW_ENF request without a 164.512(f) prong rests on an authorization and is not accountable: nothing to suspend",
        ));
    }
    let s = &Suspension {
        agency: rec.requester_name.clone(),
        ..s.clone()
    };
    if s.end < s.start {
        return Err(CoreError::invalid(
            "end",
            format!("{} is before the start {}", s.end, s.start),
        ));
    }
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        tx.execute(
            "INSERT INTO aod_suspensions(agency, start_date, end_date, written, created_by, created_at, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![s.agency.trim(), s.start.to_string(), s.end.to_string(), s.written, actor.username, now, request_id],
        )?;
        let id = tx.last_insert_rowid();
        audit.record(Event::new(Action::Create, Subtype::Create, "aod_suspension", id).patient(&rec.mrn).detail(json!({
            "agency": s.agency.trim(), "request": super::request::request_label(request_id),
            "start": s.start, "end": s.end, "written": s.written,
            "last_day": s.last_day().ok(), "rule": "AOD-06",
        })));
        Ok(id)
    })
}
