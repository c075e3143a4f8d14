//! A request's later steps (DOMAIN §4.5): holds and what lifts them, the one extension, document
//! selection, QA, denial and its review, closing and cancelling.

use super::*;

/// The hint for a request's current hold: what lifts it.
pub fn hold_hint(rec: &RequestRecord) -> Option<String> {
    let code = rec.hold_reason.as_deref()?;
    Some(hold_condition(code).replace("REQ", &request_label(rec.id)))
}

/// Put a request on hold with a reason (`AUTH_*` or `HOLD_*`, DOMAIN §4.5).
pub fn hold(store: &mut Store, actor: &Actor, id: i64, reason: &str) -> Result<(), CoreError> {
    let reason = reason.trim().to_uppercase();
    if !valid_hold_reason(&reason) {
        return Err(CoreError::invalid(
            "reason",
            format!(
                "{reason:?} is not a hold reason (AUTH_* or HOLD_FEE_UNPAID, HOLD_IDENTITY, HOLD_RECORD_INCOMPLETE, HOLD_CLARIFY_SCOPE)"
            ),
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        move_status(
            tx,
            audit,
            actor,
            rec,
            Status::OnHold,
            Some(&reason),
            now,
            today,
        )
    })
}

/// ROI-01: the one extension (≤ `max_extension_days`, a written reason, notice sent within
/// the first period). Returns the new due date.
pub fn extend(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    days: u32,
    reason: &str,
    notice_sent: NaiveDate,
) -> Result<NaiveDate, CoreError> {
    with_request(store, actor, id, |tx, audit, rec, _, today| {
        require_open(rec)?;
        if rec.extension.is_some() {
            return Err(CoreError::invalid(
                "extension",
                format!("{} was already extended once (ROI-01)", request_label(id)),
            ));
        }
        let s = clock_settings(tx)?;
        let first = clock::initial_due(rec.received, &s).map_err(|e| roi_err("received", e))?;
        let ext = Extension {
            days,
            reason: reason.trim().to_string(),
            notice_sent,
        };
        if notice_sent > today {
            return Err(CoreError::invalid(
                "notice",
                format!(
                    "the notice date {notice_sent} is in the future (today is {today}): record the extension when the notice is sent (ROI-01)"
                ),
            ));
        }
        let due = clock::extend(
            rec.received,
            first,
            &ext,
            s.max_extension_days,
            clock::ACCESS_RULE,
        )
        .map_err(|e| roi_err("extension", e))?;
        tx.execute(
            "UPDATE release_requests SET ext_days = ?2, ext_reason = ?3, ext_notice_date = ?4, due_at = ?5 WHERE id = ?1",
            params![id, days, ext.reason, notice_sent.to_string(), due.to_string()],
        )?;
        audit.record(event(rec, Action::Update, Subtype::Update).reason(&ext.reason).detail(json!({
            "extension_days": days, "notice_sent": notice_sent, "due": {"old": rec.due, "new": due}, "rule": "ROI-01",
        })));
        Ok(due)
    })
}

/// Select or leave out one document (minimum necessary, ROI-06). Leaving one out needs a note.
/// Once the request has been validated, the selection is validated again at once, so a
/// document put back that the authorization does not cover puts the request on hold.
pub fn set_item(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    document_id: i64,
    include: bool,
    note: &str,
) -> Result<(), CoreError> {
    if !include && note.trim().is_empty() {
        return Err(CoreError::invalid(
            "note",
            "say why the document is left out",
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        require_editable(rec)?;
        if !items(tx, rec)?.iter().any(|i| i.document_id == document_id) {
            return Err(CoreError::invalid(
                "document",
                format!(
                    "document {document_id} is not in the scope of {}",
                    request_label(id)
                ),
            ));
        }
        tx.execute(
            "INSERT INTO release_items(request_id, document_id, included, note) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(request_id, document_id) DO UPDATE SET included = excluded.included, note = excluded.note",
            params![id, document_id, include, note.trim()],
        )?;
        audit.record(event(rec, Action::Update, Subtype::Update).detail(json!({
            "document_id": document_id, "included": include, "note": note.trim(),
        })));
        if rec.status != Status::Logged {
            revalidate(tx, audit, actor, rec, now, today)?;
        }
        Ok(())
    })
}

/// IN_PROCESS → QA_REVIEW; the acting user is the releaser who prepared the packet.
pub fn submit_for_qa(store: &mut Store, actor: &Actor, id: i64) -> Result<(), CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        if rec.status == Status::InProcess {
            let sel = selection(tx, rec, today)?;
            super::super::release::check_releasable(tx, rec, &sel)?;
        }
        move_status(tx, audit, actor, rec, Status::QaReview, None, now, today)?;
        tx.execute(
            "UPDATE release_requests SET prepared_by = ?2, qa_user = NULL, qa_at = NULL WHERE id = ?1",
            params![id, actor.username],
        )?;
        Ok(())
    })
}

/// QA review by a user other than the releaser (`roi_qa_required`, DOMAIN §4.5): a pass
/// records the QA user; a fail sends the request back to IN_PROCESS with the note.
pub fn qa_review(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    pass: bool,
    note: &str,
) -> Result<(), CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        if rec.status != Status::QaReview {
            return Err(CoreError::invalid(
                "status",
                format!(
                    "{} is {}, not QA_REVIEW",
                    request_label(id),
                    rec.status.label()
                ),
            ));
        }
        if rec.prepared_by.as_deref() == Some(actor.username.as_str()) {
            return Err(CoreError::invalid(
                "qa_user",
                "QA must be done by a user other than the releaser (DOMAIN 4.5)",
            ));
        }
        if pass {
            // QA passes only what may be released now.
            let sel = selection(tx, rec, today)?;
            super::super::release::check_releasable(tx, rec, &sel)?;
            tx.execute(
                "UPDATE release_requests SET qa_user = ?2, qa_at = ?3 WHERE id = ?1",
                params![id, actor.username, now],
            )?;
            audit.record(
                event(rec, Action::Update, Subtype::Update)
                    .detail(json!({"qa": "pass", "qa_user": actor.username, "note": note})),
            );
        } else {
            if note.trim().is_empty() {
                return Err(CoreError::invalid("note", "say what QA found"));
            }
            move_status(
                tx,
                audit,
                actor,
                rec,
                Status::InProcess,
                Some(note.trim()),
                now,
                today,
            )?;
        }
        Ok(())
    })
}

/// ROI-05: deny with a DENY_* reason (the rest of the record may still be released on another
/// request); the request is then closed by [`close`]. A reviewable reason (164.524(a)(3)) needs
/// the determining licensed health care professional, named in `professional`.
pub fn deny(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    code: &str,
    note: &str,
    professional: Option<&str>,
) -> Result<&'static str, CoreError> {
    let code = code.trim().to_uppercase();
    let rule = deny_rule(&code).ok_or_else(|| {
        CoreError::invalid("reason", format!("{code:?} is not a denial reason (ROI-05: DENY_PSYCHOTHERAPY_NOTES, DENY_LITIGATION, …)"))
    })?;
    let professional = professional.map(str::trim).filter(|p| !p.is_empty());
    if reviewable(&code) && professional.is_none() {
        return Err(CoreError::invalid(
            "professional",
            format!(
                "{code} is reviewable: name the licensed health care professional who made the determination (ROI-05, 45 CFR 164.524(a)(3))"
            ),
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        deny_allowed(&code, rec.requester_type).map_err(|e| CoreError::invalid("reason", e))?;
        move_status(
            tx,
            audit,
            actor,
            rec,
            Status::Denied,
            Some(&code),
            now,
            today,
        )?;
        tx.execute(
            "UPDATE release_requests SET deny_reason = ?2, deny_professional = ?3, deny_note = ?4,
                deny_defects = NULL, deny_review = NULL, deny_reviewer = NULL, deny_reviewed_at = NULL WHERE id = ?1",
            params![id, code, professional, note.trim()],
        )?;
        audit.record(
            event(rec, Action::Update, Subtype::Update)
                .reason(&code)
                .detail(
                    json!({"rule": rule, "note": note, "professional": professional,
                               "reviewable": reviewable(&code)}),
                ),
        );
        Ok(rule)
    })
}

/// ROI-05: the review of a reviewable denial by a licensed health care professional who did
/// not take part in the original decision (164.524(a)(4), (d)(4)). The outcome is recorded;
/// a denial reversed on review is carried out: a DENIED request returns to processing
/// (VALIDATING, then IN_PROCESS or ON_HOLD). A request already CLOSED stays closed: access is
/// then given on a new request.
pub fn review_denial(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    reviewer: &str,
    upheld: bool,
) -> Result<(), CoreError> {
    let reviewer = reviewer.trim().to_string();
    if reviewer.is_empty() {
        return Err(CoreError::invalid(
            "reviewer",
            "name the reviewing licensed health care professional",
        ));
    }
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        let (code, professional, done): (Option<String>, Option<String>, Option<String>) = tx.query_row(
            "SELECT deny_reason, deny_professional, deny_review FROM release_requests WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let code = code.filter(|c| reviewable(c)).ok_or_else(|| {
            CoreError::invalid(
                "status",
                format!("{} has no reviewable denial (ROI-05)", request_label(id)),
            )
        })?;
        if done.is_some() {
            return Err(CoreError::invalid(
                "review",
                format!("{} was already reviewed", request_label(id)),
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
            "UPDATE release_requests SET deny_review = ?2, deny_reviewer = ?3, deny_reviewed_at = ?4 WHERE id = ?1",
            params![id, outcome, reviewer, now],
        )?;
        audit.record(event(rec, Action::Update, Subtype::Update).reason(&code).detail(json!({
            "denial_review": outcome, "reviewer": reviewer, "rule": "45 CFR 164.524(a)(4), (d)(4)",
        })));
        if !upheld && rec.status == Status::Denied {
            move_status(
                tx,
                audit,
                actor,
                rec,
                Status::Validating,
                Some("denial reversed on review (45 CFR 164.524(d)(4))"),
                now,
                today,
            )?;
            revalidate(tx, audit, actor, rec, now, today)?;
        }
        Ok(())
    })
}

/// RELEASED or DENIED → CLOSED.
pub fn close(store: &mut Store, actor: &Actor, id: i64) -> Result<(), CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        move_status(tx, audit, actor, rec, Status::Closed, None, now, today)
    })
}

/// Any open status → CANCELLED (the requester withdrew), with a note.
pub fn cancel(store: &mut Store, actor: &Actor, id: i64, note: &str) -> Result<(), CoreError> {
    with_request(store, actor, id, |tx, audit, rec, now, today| {
        move_status(
            tx,
            audit,
            actor,
            rec,
            Status::Cancelled,
            Some(note.trim()),
            now,
            today,
        )
    })
}
