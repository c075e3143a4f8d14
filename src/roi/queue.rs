//! The ROI queue and one request's detail: audited reads for the desk (CLI and TUI).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::clock::ClockStatus;
use super::holds::{
    EstimateRecord, Payment, RequestDenial, estimate_record, payments, request_denial,
};
use super::lifecycle::Status;
use super::request::{
    COLUMNS, RequestRecord, clock_of, event, from_row, load, request_label, today,
};
use super::requester::RequesterType;
use super::selection::{Selection, selection};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

/// One row of the ROI queue.
#[derive(Clone, Debug, Serialize)]
pub struct QueueRow {
    pub id: i64,
    pub mrn: String,
    pub patient_name: String,
    pub requester_type: RequesterType,
    pub requester_name: String,
    pub received: NaiveDate,
    pub status: Status,
    pub hold_reason: Option<String>,
    pub due: NaiveDate,
    pub days_left: i64,
    pub overdue: bool,
}

/// The ROI queue: open requests (or all with `all`), soonest due first (days left, overdue
/// flagged). Audited as a query.
pub fn queue(store: &mut Store, actor: &Actor, all: bool) -> Result<Vec<QueueRow>, CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "release_request",
        "queue",
    )?;
    let today = today(store);
    store.transact_read(actor, |tx, audit| {
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLUMNS} FROM release_requests r JOIN patients p ON p.id = r.patient_id
             WHERE ?1 OR r.status IN ('logged','validating','on_hold','in_process','qa_review') ORDER BY r.id"
        ))?;
        let recs = stmt.query_map([all], from_row)?.collect::<Result<Vec<_>, _>>()?;
        let mut rows = Vec::with_capacity(recs.len());
        for rec in recs {
            let c = clock_of(tx, &rec, today)?;
            rows.push(QueueRow {
                id: rec.id,
                mrn: rec.mrn,
                patient_name: rec.patient_name,
                requester_type: rec.requester_type,
                requester_name: rec.requester_name,
                received: rec.received,
                status: rec.status,
                hold_reason: rec.hold_reason,
                due: c.due,
                days_left: c.days_left,
                overdue: c.overdue && rec.status.is_open(),
            });
        }
        // Requests a supervisor assigned to this user come first (issue #15).
        let mine: Vec<i64> = match actor.user_id {
            Some(uid) => tx
                .prepare_cached(
                    "SELECT target_id FROM work_assignments WHERE kind = 'request' AND user_id = ?1",
                )?
                .query_map([uid], |r| r.get(0))?
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        rows.sort_by_key(|r| (!mine.contains(&r.id), !r.status.is_open(), r.days_left, r.id));
        audit.record(
            Event::new(Action::Read, Subtype::Query, "release_request", "queue")
                .detail(json!({"rows": rows.len(), "all": all,
                    "mrns": crate::audit::mrn_list(rows.iter().map(|r| r.mrn.as_str()))})),
        );
        Ok(rows)
    })
}

/// One request with its clock, selection and history, audited as a view.
#[derive(Clone, Debug, Serialize)]
pub struct Detail {
    pub request: RequestRecord,
    pub clock: ClockStatus,
    pub selection: Selection,
    pub history: Vec<HistoryRow>,
    /// A whole-request denial or refusal: code, rule, determining professional, review
    /// (reviewer, upheld or reversed) and a refusal's defects (ROI-05). Per-document denials
    /// are on the selection's items.
    pub denial: Option<RequestDenial>,
    /// What lifts the current hold, when on hold.
    pub hold_hint: Option<String>,
    /// The recorded fee estimate (LTR-02) and the payments against it or the invoice.
    pub estimate: Option<EstimateRecord>,
    pub payments: Vec<Payment>,
    /// Letters sent, signed forms attached, deliveries made (issue #12).
    pub letters: Vec<crate::letters::Letter>,
    pub attachments: Vec<super::attachments::Attachment>,
    pub deliveries: Vec<super::delivery::DeliveryRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryRow {
    pub at: String,
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub user: String,
}

pub fn detail(store: &mut Store, actor: &Actor, id: i64) -> Result<Detail, CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "release_request",
        &request_label(id),
    )?;
    let today = today(store);
    store.transact_read(actor, |tx, audit| {
        let rec = load(tx, id)?;
        let clock = clock_of(tx, &rec, today)?;
        let selection = selection(tx, &rec, today)?;
        let mut stmt = tx.prepare(
            "SELECT at, from_status, to_status, reason, username FROM release_request_history WHERE request_id = ?1 ORDER BY id",
        )?;
        let history = stmt
            .query_map([id], |r| {
                Ok(HistoryRow { at: r.get(0)?, from: r.get(1)?, to: r.get(2)?, reason: r.get(3)?, user: r.get(4)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        audit.record(event(&rec, Action::Read, Subtype::View));
        let denial = request_denial(tx, id)?;
        let hold_hint = super::request::hold_hint(&rec).filter(|_| rec.status == Status::OnHold);
        let estimate = estimate_record(tx, id)?;
        let payments = payments(tx, id)?;
        let letters = crate::letters::list(tx, id)?;
        let attachments = super::attachments::list(tx, id)?;
        let deliveries = super::delivery::list(tx, id)?;
        Ok(Detail {
            request: rec,
            clock,
            selection,
            history,
            denial,
            hold_hint,
            estimate,
            payments,
            letters,
            attachments,
            deliveries,
        })
    })
}
