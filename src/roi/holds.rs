//! The desk steps that meet a hold's condition or change what a release may hold (DOMAIN §4.5,
//! ROI-04, ROI-05): the fee estimate and payments, the clarified scope, lifting
//! `HOLD_RECORD_INCOMPLETE`, acknowledging incomplete documents, recording a revocation,
//! denying single documents (the rest is released) and their review, and the refusal of a
//! third-party request for its authorization defects.
//!
//! Invariants: every step is one [`Store::transact`] with its audit row, through
//! [`with_request`] (permission checked there); a manual hold is lifted only by the step that
//! meets its condition, never by validation; a payment is recorded only against an estimate or
//! an invoice, with its amount and method; a revocation can be recorded in any state.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::authorization::Authorization;
use super::lifecycle::{Status, deny_allowed, deny_rule, hold_condition};
use super::release::{Estimate, estimate_in};
use super::request::{
    Scope, event, lift_if, move_status, request_label, require_editable, require_open, revalidate,
    reviewable, with_request,
};
use super::selection::{items, selection};
use super::validate::Problem;
use crate::audit::{Action, Actor, Subtype};
use crate::error::CoreError;
use crate::settings;
use crate::store::{Store, Tx};

/// One payment against a request's estimate or invoice.
#[derive(Clone, Debug, Serialize)]
pub struct Payment {
    pub paid_at: String,
    pub cents: i64,
    pub method: String,
    /// `estimate` or `invoice`.
    pub against: String,
    pub username: String,
}

/// Payments of a request, oldest first.
pub fn payments(conn: &crate::store::Reader, id: i64) -> Result<Vec<Payment>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT paid_at, cents, method, against, username FROM release_payments WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Payment {
            paid_at: r.get(0)?,
            cents: r.get(1)?,
            method: r.get(2)?,
            against: r.get(3)?,
            username: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The recorded fee estimate (LTR-02), if any.
#[derive(Clone, Debug, Serialize)]
pub struct EstimateRecord {
    pub cents: i64,
    pub pages: i64,
    pub method: String,
    pub at: String,
}

pub fn estimate_record(
    conn: &crate::store::Reader,
    id: i64,
) -> Result<Option<EstimateRecord>, CoreError> {
    type Row = (Option<i64>, Option<i64>, Option<String>, Option<String>);
    let row: Option<Row> = conn
        .query_row(
            "SELECT estimate_cents, estimate_pages, estimate_method, estimate_at FROM release_requests WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(match row {
        Some((Some(cents), pages, method, at)) => Some(EstimateRecord {
            cents,
            pages: pages.unwrap_or(0),
            method: method.unwrap_or_default(),
            at: at.unwrap_or_default(),
        }),
        _ => None,
    })
}

/// LTR-02: compute and record the fee estimate from the documents selected now (the pages the
/// release would render and the fee rules in force). The request must be open.
pub fn record_estimate(store: &mut Store, actor: &Actor, id: i64) -> Result<Estimate, CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_open(rec)?;
        let e = estimate_in(tx, rec, today)?;
        let cents = i64::try_from(e.fee.cents).unwrap_or(i64::MAX);
        tx.execute(
            "UPDATE release_requests SET estimate_cents = ?2, estimate_pages = ?3, estimate_method = ?4, estimate_at = ?5 WHERE id = ?1",
            params![id, cents, e.pages, e.method, now],
        )?;
        audit.record(event(rec, Action::Update, Subtype::Update).detail(json!({
            "estimate_cents": cents, "pages": e.pages, "method": e.method, "rule": e.fee.rule,
            "letter": "LTR-02",
        })));
        Ok(e)
    })
}

/// ROI-04: record a payment (amount in cents and method) against the invoice, or before the
/// release against the recorded estimate. Refused when there is neither. When the payments
/// cover what is billed, a `HOLD_FEE_UNPAID` hold is lifted and the request validated.
pub fn mark_paid(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    cents: i64,
    method: &str,
) -> Result<(), CoreError> {
    if cents <= 0 {
        return Err(CoreError::invalid(
            "amount",
            format!("a payment is a positive amount, not {cents} cents"),
        ));
    }
    let method = method.trim();
    if method.is_empty() {
        return Err(CoreError::invalid(
            "method",
            "say how it was paid (cash, check, card, …)",
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        if rec.status == Status::Cancelled {
            return Err(CoreError::invalid(
                "status",
                format!("{} was cancelled", request_label(id)),
            ));
        }
        let estimate = estimate_record(tx, id)?;
        let (against, billed) = match (rec.invoice_cents, estimate) {
            (Some(inv), _) => ("invoice", inv),
            (None, Some(e)) => ("estimate", e.cents),
            (None, None) => {
                return Err(CoreError::invalid(
                    "invoice",
                    format!(
                        "{} has no invoice or fee estimate to pay against: record the estimate first (`chartdesk roi estimate {}`)",
                        request_label(id),
                        request_label(id)
                    ),
                ));
            }
        };
        if billed <= 0 {
            return Err(CoreError::invalid(
                "invoice",
                format!(
                    "the {against} of {} is $0.00: nothing is owed",
                    request_label(id)
                ),
            ));
        }
        tx.execute(
            "INSERT INTO release_payments(request_id, paid_at, cents, method, against, username) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, now, cents, method, against, actor.username],
        )?;
        let paid: i64 = payments(tx, id)?
            .iter()
            .filter(|p| p.against == against)
            .map(|p| p.cents)
            .sum();
        let settled = paid >= billed;
        if settled {
            tx.execute(
                "UPDATE release_requests SET paid_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
        }
        audit.record(event(rec, Action::Update, Subtype::Update).detail(json!({
            "payment_cents": cents, "method": method, "against": against, "billed_cents": billed,
            "paid_cents": paid, "settled": settled, "rule": "ROI-04",
        })));
        if settled {
            lift_if(tx, audit, actor, rec, "HOLD_FEE_UNPAID", now, today)?;
        }
        Ok(())
    })
}

/// Record the clarified scope of a request (dates, document types, encounters) with a note;
/// this meets the condition of `HOLD_CLARIFY_SCOPE`, which is lifted and the request
/// validated. Not in QA review (QA sends it back first).
pub fn set_scope(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    scope: &Scope,
    note: &str,
) -> Result<(), CoreError> {
    if let (Some(f), Some(t)) = (scope.from, scope.to)
        && f > t
    {
        return Err(CoreError::invalid(
            "scope",
            format!("from {f} is after to {t}"),
        ));
    }
    if note.trim().is_empty() {
        return Err(CoreError::invalid(
            "note",
            "say how the scope was clarified (with whom, how)",
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_editable(rec)?;
        for visit in &scope.encounters {
            let ok: Option<i64> = tx
                .query_row(
                    "SELECT id FROM encounters WHERE visit_number = ?1 AND patient_id = ?2",
                    params![visit, rec.patient_id],
                    |r| r.get(0),
                )
                .optional()?;
            if ok.is_none() {
                return Err(CoreError::invalid(
                    "encounters",
                    format!("{visit} is not an encounter of {}", rec.mrn),
                ));
            }
        }
        let text =
            serde_json::to_string(scope).map_err(|e| CoreError::invalid("scope", e.to_string()))?;
        tx.execute(
            "UPDATE release_requests SET scope = ?2 WHERE id = ?1",
            params![id, text],
        )?;
        audit.record(
            event(rec, Action::Update, Subtype::Update)
                .reason(note.trim())
                .detail(json!({"scope": {"old": rec.scope, "new": scope}})),
        );
        rec.scope = scope.clone();
        if lift_if(tx, audit, actor, rec, "HOLD_CLARIFY_SCOPE", now, today)?.is_none()
            && rec.status != Status::Logged
        {
            revalidate(tx, audit, actor, rec, now, today)?;
        }
        Ok(())
    })
}

/// Lift `HOLD_RECORD_INCOMPLETE` when its condition is met: no incomplete or unsigned document
/// left in the selection (with `roi_incomplete_documents = ACKNOWLEDGE`, every one left is
/// acknowledged). Other manual holds are lifted by the step that meets them, and an `AUTH_*`
/// hold by validation; this refuses and names that step. Returns the status reached.
pub fn lift_hold(store: &mut Store, actor: &Actor, id: i64) -> Result<Status, CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        let label = request_label(id);
        let Some(code) = rec
            .hold_reason
            .clone()
            .filter(|_| rec.status == Status::OnHold)
        else {
            return Err(CoreError::invalid(
                "status",
                format!("{label} is {}, not on hold", rec.status.label()),
            ));
        };
        if code == super::restriction::HOLD_RESTRICTION {
            let left = super::restriction::request_conflicts(tx, id, today)?;
            if !left.is_empty() {
                let why: Vec<String> = left
                    .iter()
                    .map(|c| c.message().replace("REQ", &label))
                    .collect();
                return Err(CoreError::invalid(
                    "restriction",
                    format!("{label} stays on hold {}", why.join("; ")),
                ));
            }
            let st = lift_if(tx, audit, actor, rec, &code, now, today)?;
            return Ok(st.unwrap_or(rec.status));
        }
        if code != "HOLD_RECORD_INCOMPLETE" {
            return Err(CoreError::invalid(
                "hold",
                format!(
                    "{label} is on hold {code}: {}",
                    hold_condition(&code).replace("REQ", &label)
                ),
            ));
        }
        let hold_policy = settings::get(tx, crate::settings::Key::RoiIncompleteDocuments)?
            .trim()
            .eq_ignore_ascii_case("HOLD");
        let sel = selection(tx, rec, today)?;
        let left: Vec<String> = sel
            .releasable()
            .filter(|i| i.incomplete.is_some() && (hold_policy || i.incomplete_ack.is_none()))
            .map(|i| {
                format!(
                    "document {} ({})",
                    i.document_id,
                    i.incomplete.as_deref().unwrap_or("")
                )
            })
            .collect();
        if !left.is_empty() {
            return Err(CoreError::invalid(
                "documents",
                format!(
                    "{label} stays on hold HOLD_RECORD_INCOMPLETE: {} — {}",
                    left.join(", "),
                    hold_condition(&code).replace("REQ", &label)
                ),
            ));
        }
        let st = lift_if(tx, audit, actor, rec, &code, now, today)?;
        Ok(st.unwrap_or(rec.status))
    })
}

/// Acknowledge releasing every incomplete or unsigned document now selected as it stands
/// (`roi_incomplete_documents = ACKNOWLEDGE`), with a note. Returns the documents
/// acknowledged. Not in QA review; refused when the policy is HOLD.
pub fn acknowledge_incomplete(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    note: &str,
) -> Result<Vec<i64>, CoreError> {
    if note.trim().is_empty() {
        return Err(CoreError::invalid(
            "note",
            "say why the documents go out incomplete (e.g. the requester asked for what exists now)",
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_editable(rec)?;
        let policy = settings::get(tx, crate::settings::Key::RoiIncompleteDocuments)?;
        if policy.trim().eq_ignore_ascii_case("HOLD") {
            return Err(CoreError::invalid(
                "roi_incomplete_documents",
                "the setting is HOLD: incomplete documents are held, not acknowledged (leave them out or wait for the signature)",
            ));
        }
        let sel = selection(tx, rec, today)?;
        let docs: Vec<i64> = sel
            .unacknowledged_incomplete()
            .map(|i| i.document_id)
            .collect();
        if docs.is_empty() {
            return Err(CoreError::invalid(
                "documents",
                format!(
                    "{} selects no incomplete document to acknowledge",
                    request_label(id)
                ),
            ));
        }
        for d in &docs {
            tx.execute(
                "INSERT INTO release_items(request_id, document_id, included, note, incomplete_ack_by, incomplete_ack_at, incomplete_ack_note)
                 VALUES (?1, ?2, 1, '', ?3, ?4, ?5)
                 ON CONFLICT(request_id, document_id) DO UPDATE SET incomplete_ack_by = excluded.incomplete_ack_by,
                    incomplete_ack_at = excluded.incomplete_ack_at, incomplete_ack_note = excluded.incomplete_ack_note",
                params![id, d, actor.username, now, note.trim()],
            )?;
        }
        audit.record(
            event(rec, Action::Update, Subtype::Update)
                .reason(note.trim())
                .detail(json!({"incomplete_acknowledged": docs, "by": actor.username})),
        );
        Ok(docs)
    })
}

/// 164.508(b)(5): record that the authorization (or directive) was revoked in writing on
/// `revoked_on`. Allowed in every state, QA review included; an open request is validated at
/// once and goes on hold `AUTH_REVOKED` (from QA review straight to ON_HOLD). The date may be
/// neither in the future nor before the signature. Returns the status reached.
pub fn record_revocation(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    revoked_on: NaiveDate,
) -> Result<Status, CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        let label = request_label(id);
        let Some(mut auth) = rec.authorization.clone() else {
            return Err(CoreError::invalid(
                "authorization",
                format!("{label} has no authorization or directive to revoke"),
            ));
        };
        if revoked_on > today {
            return Err(CoreError::invalid(
                "revoked",
                format!(
                    "{revoked_on} is in the future (today is {today}): record a revocation when it is received"
                ),
            ));
        }
        if let Some(s) = auth.signed_date.filter(|s| revoked_on < *s) {
            return Err(CoreError::invalid(
                "revoked",
                format!("{revoked_on} is before the form was signed ({s})"),
            ));
        }
        auth.revoked_at = Some(revoked_on);
        store_authorization(tx, id, &auth)?;
        audit.record(event(rec, Action::Update, Subtype::Update).detail(json!({
            "revoked_at": revoked_on, "rule": "45 CFR 164.508(b)(5)",
        })));
        rec.authorization = Some(auth);
        if !rec.status.is_open() {
            return Ok(rec.status);
        }
        if rec.status == Status::QaReview {
            let sel = selection(tx, rec, today)?;
            if let Some(p) = sel.validation.problems.first() {
                move_status(
                    tx,
                    audit,
                    actor,
                    rec,
                    Status::OnHold,
                    Some(p.code),
                    now,
                    today,
                )?;
            }
            return Ok(rec.status);
        }
        let (_, st) = revalidate(tx, audit, actor, rec, now, today)?;
        Ok(st)
    })
}

fn store_authorization(tx: &Tx<'_>, id: i64, auth: &Authorization) -> Result<(), CoreError> {
    let text = serde_json::to_string(auth)
        .map_err(|e| CoreError::invalid("authorization", e.to_string()))?;
    tx.execute(
        "UPDATE release_requests SET authorization = ?2 WHERE id = ?1",
        params![id, text],
    )?;
    Ok(())
}

fn check_ground(code: &str, professional: Option<&str>) -> Result<&'static str, CoreError> {
    let rule = deny_rule(code).ok_or_else(|| {
        CoreError::invalid(
            "reason",
            format!("{code:?} is not a denial reason (ROI-05: DENY_PSYCHOTHERAPY_NOTES, DENY_LITIGATION, …)"),
        )
    })?;
    if reviewable(code) && professional.is_none() {
        return Err(CoreError::invalid(
            "professional",
            format!(
                "{code} is reviewable: name the licensed health care professional who made the determination (ROI-05, 45 CFR 164.524(a)(3))"
            ),
        ));
    }
    Ok(rule)
}

/// ROI-05 partial denial: deny the listed documents on a ground, and give access to the rest
/// (164.524(d)(1)). The ground must fit the requester ([`deny_allowed`]); a reviewable ground
/// needs the determining professional. The selection is validated again at once. Returns the
/// rule of the ground.
pub fn deny_documents(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    documents: &[i64],
    code: &str,
    note: &str,
    professional: Option<&str>,
) -> Result<&'static str, CoreError> {
    let code = code.trim().to_uppercase();
    let professional = professional.map(str::trim).filter(|p| !p.is_empty());
    let rule = check_ground(&code, professional)?;
    if documents.is_empty() {
        return Err(CoreError::invalid("documents", "name the documents denied"));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_editable(rec)?;
        deny_allowed(&code, rec.requester_type).map_err(|e| CoreError::invalid("reason", e))?;
        let in_scope = items(tx, rec)?;
        for d in documents {
            if !in_scope.iter().any(|i| i.document_id == *d) {
                return Err(CoreError::invalid(
                    "document",
                    format!("document {d} is not in the scope of {}", request_label(id)),
                ));
            }
            tx.execute(
                "INSERT INTO release_items(request_id, document_id, included, note, denied_code, denied_note,
                    denied_professional, denied_by, denied_at)
                 VALUES (?1, ?2, 1, '', ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(request_id, document_id) DO UPDATE SET denied_code = excluded.denied_code,
                    denied_note = excluded.denied_note, denied_professional = excluded.denied_professional,
                    denied_by = excluded.denied_by, denied_at = excluded.denied_at,
                    denied_review = NULL, denied_reviewer = NULL, denied_reviewed_at = NULL",
                params![id, d, code, note.trim(), professional, actor.username, now],
            )?;
        }
        audit.record(
            event(rec, Action::Update, Subtype::Update)
                .reason(&code)
                .detail(json!({
                    "denied_documents": documents, "rule": rule, "note": note.trim(),
                    "professional": professional, "reviewable": reviewable(&code),
                    "rest": "released (45 CFR 164.524(d)(1))",
                })),
        );
        if rec.status != Status::Logged {
            revalidate(tx, audit, actor, rec, now, today)?;
        }
        Ok(rule)
    })
}

/// ROI-05: review of a reviewable per-document denial by another licensed professional. A
/// reversed denial puts the document back; an open request is validated again at once, and
/// one already released gives access on a new request. Returns the request's status.
pub fn review_document_denial(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    document: i64,
    reviewer: &str,
    upheld: bool,
) -> Result<Status, CoreError> {
    let reviewer = reviewer.trim().to_string();
    if reviewer.is_empty() {
        return Err(CoreError::invalid(
            "reviewer",
            "name the reviewing licensed health care professional",
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        // What QA reviewed must not change under it.
        if rec.status == Status::QaReview {
            require_editable(rec)?;
        }
        let row: Option<(Option<String>, Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT denied_code, denied_professional, denied_review FROM release_items WHERE request_id = ?1 AND document_id = ?2",
                params![id, document],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (code, professional, done) = row.unwrap_or((None, None, None));
        let code = code.filter(|c| reviewable(c)).ok_or_else(|| {
            CoreError::invalid(
                "document",
                format!(
                    "document {document} of {} has no reviewable denial (ROI-05)",
                    request_label(id)
                ),
            )
        })?;
        if done.is_some() {
            return Err(CoreError::invalid(
                "review",
                format!("the denial of document {document} was already reviewed"),
            ));
        }
        if professional
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(&reviewer))
        {
            return Err(CoreError::invalid(
                "reviewer",
                "the reviewer must not be the professional who made the denial (45 CFR 164.524(a)(4))",
            ));
        }
        let outcome = if upheld { "upheld" } else { "reversed" };
        tx.execute(
            "UPDATE release_items SET denied_review = ?3, denied_reviewer = ?4, denied_reviewed_at = ?5
             WHERE request_id = ?1 AND document_id = ?2",
            params![id, document, outcome, reviewer, now],
        )?;
        audit.record(
            event(rec, Action::Update, Subtype::Update)
                .reason(&code)
                .detail(json!({
                    "document_id": document, "denial_review": outcome, "reviewer": reviewer,
                    "rule": "45 CFR 164.524(a)(4), (d)(4)",
                })),
        );
        if !upheld
            && rec.status.is_open()
            && rec.status != Status::QaReview
            && rec.status != Status::Logged
        {
            revalidate(tx, audit, actor, rec, now, today)?;
        }
        Ok(rec.status)
    })
}

/// The reason code of a refused third-party request.
pub const REFUSED: &str = "REFUSED_INVALID_AUTHORIZATION";

/// Refuse a request outside the right of access for the defects of its authorization (or of
/// the request: identity, dates), listing each (LTR-03, 164.508(b)(2)). Access-denial grounds
/// never apply to these requests. Refused when nothing is wrong. Returns the defects.
pub fn refuse(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    note: &str,
) -> Result<Vec<Problem>, CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_open(rec)?;
        let label = request_label(id);
        if rec.requester_type.is_access() {
            return Err(CoreError::invalid(
                "requester_type",
                format!(
                    "{label} is the individual's own access ({}): deny it on a 164.524(a) ground (`chartdesk roi deny`), not refuse it",
                    rec.requester_type
                ),
            ));
        }
        let v = selection(tx, rec, today)?.validation;
        if v.valid {
            return Err(CoreError::invalid(
                "authorization",
                format!("{label} has no authorization defect to refuse it for"),
            ));
        }
        let defects = serde_json::to_string(&v.problems)
            .map_err(|e| CoreError::invalid("defects", e.to_string()))?;
        move_status(
            tx,
            audit,
            actor,
            rec,
            Status::Denied,
            Some(REFUSED),
            now,
            today,
        )?;
        tx.execute(
            "UPDATE release_requests SET deny_reason = ?2, deny_note = ?3, deny_defects = ?4,
                deny_professional = NULL, deny_review = NULL, deny_reviewer = NULL, deny_reviewed_at = NULL WHERE id = ?1",
            params![id, REFUSED, note.trim(), defects],
        )?;
        audit.record(event(rec, Action::Update, Subtype::Update).reason(REFUSED).detail(json!({
            "defects": v.problems, "note": note.trim(), "rule": "45 CFR 164.508(b)(2)", "letter": "LTR-03",
        })));
        Ok(v.problems)
    })
}

/// A whole-request denial or refusal and its review, as `roi show` and the TUI display it.
#[derive(Clone, Debug, Serialize)]
pub struct RequestDenial {
    pub code: String,
    pub rule: &'static str,
    pub note: Option<String>,
    /// The licensed professional who made a reviewable determination.
    pub professional: Option<String>,
    pub reviewable: bool,
    /// `upheld` or `reversed`; `None` until reviewed.
    pub review: Option<String>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
    /// A refused third-party request: each defect (LTR-03).
    pub defects: Vec<Defect>,
}

/// The denial of a request, if it was ever denied or refused.
pub fn request_denial(
    conn: &crate::store::Reader,
    id: i64,
) -> Result<Option<RequestDenial>, CoreError> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT deny_reason, deny_note, deny_professional, deny_review, deny_reviewer, deny_reviewed_at, deny_defects
             FROM release_requests WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?;
    let Some((Some(code), note, professional, review, reviewer, reviewed_at, defects)) = row else {
        return Ok(None);
    };
    let defects: Vec<Defect> = defects
        .map(|d| serde_json::from_str(&d))
        .transpose()
        .map_err(|e| CoreError::invalid("deny_defects", e.to_string()))?
        .unwrap_or_default();
    Ok(Some(RequestDenial {
        rule: deny_rule(&code).unwrap_or("45 CFR 164.508(b)(2)"),
        reviewable: reviewable(&code),
        code,
        note,
        professional,
        review,
        reviewer,
        reviewed_at,
        defects,
    }))
}

/// One defect of a refused request as stored with it (LTR-03).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Defect {
    pub code: String,
    pub rule: String,
    pub message: String,
}
