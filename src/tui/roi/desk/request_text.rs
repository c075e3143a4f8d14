//! One request as the desk shows it: the text built from its detail (authorization elements,
//! validation problems, documents released or withheld, fee, history) and the state's notices,
//! modal test and open form.

use super::*;

fn dollars(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, (cents % 100).abs())
}

fn mark(present: bool) -> &'static str {
    if present { "[x]" } else { "[ ]" }
}

impl RoiRequestState {
    pub fn new(d: &Detail, x: &RequestExtra) -> RoiRequestState {
        let r = &d.request;
        let mut lines: Vec<(String, bool)> = Vec::new();
        let mut push = |s: String, em: bool| lines.push((s, em));
        push(
            format!(
                "Requester  {} · {} · {}",
                r.requester_type,
                clean(&r.requester_name),
                clean(&r.requester_address)
            ),
            false,
        );
        push(format!("Purpose    {}", clean(&r.purpose)), false);
        push(
            format!(
                "Clock      received {} · due {} · {} days left{}{}",
                r.received,
                d.clock.due,
                d.clock.days_left,
                if d.clock.paused_days > 0 {
                    format!(" · paused {} days", d.clock.paused_days)
                } else {
                    String::new()
                },
                if d.clock.overdue && r.status.is_open() {
                    " · OVERDUE"
                } else {
                    ""
                }
            ),
            d.clock.overdue && r.status.is_open(),
        );
        if let Some(e) = &r.extension {
            push(
                format!(
                    "Extension  {} days · notice {} · {}",
                    e.days,
                    e.notice_sent,
                    clean(&e.reason)
                ),
                false,
            );
        }
        push(
            format!(
                "Verified   {}",
                match (&r.verification_method, &r.verified_by) {
                    (Some(m), Some(b)) => format!("{} by {}", clean(m), clean(b)),
                    _ => match &x.verified_before {
                        Some(v) if !v.trim().is_empty() =>
                            format!("not yet (ROI-07); before: {} · i records it", clean(v)),
                        _ => "not yet (ROI-07, 45 CFR 164.514(h)) · i records it".into(),
                    },
                }
            ),
            false,
        );
        match &x.estimate {
            Some(Ok(e)) => push(
                format!(
                    "Fee        now ${}.{:02} for {} page(s) · {} (ROI-04)",
                    e.cents / 100,
                    e.cents % 100,
                    e.pages,
                    clean(&e.method)
                ),
                false,
            ),
            Some(Err(why)) => push(format!("Fee        no estimate: {}", clean(why)), false),
            None => {}
        }
        let billed = match (r.invoice_cents, &d.estimate) {
            (Some(inv), _) => Some(("invoice", inv)),
            (None, Some(e)) => Some(("estimate", e.cents)),
            (None, None) => None,
        };
        if let Some(e) = &d.estimate {
            push(
                format!(
                    "Estimate   {} for {} page(s) · {} · recorded {} (LTR-02)",
                    dollars(e.cents),
                    e.pages,
                    clean(&e.method),
                    e.at.get(..10).unwrap_or(&e.at)
                ),
                false,
            );
        }
        if let Some(inv) = r.invoice_cents {
            push(format!("Invoice    {}", dollars(inv)), false);
        }
        let paid: i64 = d
            .payments
            .iter()
            .filter(|p| billed.is_some_and(|(a, _)| a == p.against))
            .map(|p| p.cents)
            .sum();
        for p in &d.payments {
            push(
                format!(
                    "Payment    {} by {} against the {} · {} · {}",
                    dollars(p.cents),
                    clean(&p.method),
                    clean(&p.against),
                    p.paid_at.get(..10).unwrap_or(&p.paid_at),
                    clean(&p.username)
                ),
                false,
            );
        }
        let pay_against = match billed {
            Some((a, c)) => format!("{a} {}, paid {}", dollars(c), dollars(paid)),
            None => String::new(),
        };
        if let Some(dn) = &d.denial {
            push(
                format!(
                    "Denial     {} ({}){}{}",
                    clean(&dn.code),
                    dn.rule,
                    dn.professional
                        .as_deref()
                        .map(|p| format!(" · determined by {}", clean(p)))
                        .unwrap_or_default(),
                    match (&dn.review, &dn.reviewer) {
                        (Some(o), Some(w)) => format!(" · review: {} by {}", clean(o), clean(w)),
                        _ if dn.reviewable => " · reviewable, not reviewed (r)".to_string(),
                        _ => String::new(),
                    }
                ),
                true,
            );
            if let Some(n) = dn.note.as_deref().filter(|n| !n.trim().is_empty()) {
                push(format!("           note: {}", clean(n)), false);
            }
            for df in &dn.defects {
                push(
                    format!(
                        " defect {} ({}): {}",
                        clean(&df.code),
                        clean(&df.rule),
                        clean(&df.message)
                    ),
                    false,
                );
            }
        }
        if let (Some(code), Some(h)) = (&r.hold_reason, &d.hold_hint) {
            push(format!("Lifted by  {}", hold_lift_text(code, h)), true);
        }
        let v = &d.selection.validation;
        push(
            format!(
                "Basis      {} · minimum necessary: {} · accountable: {}",
                v.basis,
                v.minimum_necessary.as_str(),
                if v.accountable { "yes" } else { "no" }
            ),
            false,
        );
        push(String::new(), false);
        match &r.authorization {
            None if v.needs_authorization => {
                push("Authorization: none on file (needed)".into(), true)
            }
            None => push("Authorization: not needed for this requester".into(), false),
            Some(a) => {
                let has = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
                push(
                    format!(
                        "Authorization {} (45 CFR 164.508(c))",
                        clean(a.id.as_deref().unwrap_or("(no id)"))
                    ),
                    true,
                );
                push(
                    format!(
                        " {} description  {} discloser  {} recipient  {} purpose  {} expiration",
                        mark(has(&a.description)),
                        mark(has(&a.discloser)),
                        mark(has(&a.recipient)),
                        mark(has(&a.purpose)),
                        mark(a.expiration_date.is_some() || has(&a.expiration_event))
                    ),
                    false,
                );
                push(
                    format!(
                        " {} signature  {} date  {} revocation  {} conditioning  {} redisclosure",
                        mark(has(&a.signature)),
                        mark(a.signed_date.is_some()),
                        mark(a.revocation_statement),
                        mark(a.conditioning_statement),
                        mark(a.redisclosure_statement)
                    ),
                    false,
                );
                let named: Vec<&str> = a
                    .sensitive_categories_named
                    .iter()
                    .map(|c| c.as_str())
                    .collect();
                push(
                    format!(
                        " names: {}{}{}",
                        if named.is_empty() {
                            "no sensitive category".to_string()
                        } else {
                            named.join(", ")
                        },
                        if a.revoked_at.is_some() {
                            " · REVOKED"
                        } else {
                            ""
                        },
                        if a.part2.is_some() {
                            " · 42 CFR 2.31 consent"
                        } else {
                            ""
                        }
                    ),
                    false,
                );
            }
        }
        if v.problems.is_empty() {
            push("Validation: valid".into(), false);
        } else {
            push(format!("Validation: {} problem(s)", v.problems.len()), true);
            for p in &v.problems {
                push(
                    format!(" {:<34} {:<26} {}", p.code, p.rule, clean(&p.message)),
                    false,
                );
            }
        }
        push(String::new(), false);
        push(
            "Documents (minimum necessary: requested range and types)".into(),
            true,
        );
        for i in &d.selection.items {
            let why = d.selection.withheld_reason(i);
            push(
                format!(
                    " {:>6} {:<9} {} {:<28} {}",
                    i.document_id,
                    clean(&i.doc_type),
                    i.service_at.get(..10).unwrap_or(&i.service_at),
                    clip(&clean(&i.title), 28),
                    match why {
                        Some(w) => format!("WITHHELD: {}", clean(&w)),
                        None => "release".into(),
                    }
                ),
                false,
            );
            if let Some(inc) = &i.incomplete {
                push(
                    format!(
                        "        INCOMPLETE: {}{}",
                        clean(inc),
                        match &i.incomplete_ack {
                            Some(by) => format!(" · acknowledged by {}", clean(by)),
                            None => " · not acknowledged".into(),
                        }
                    ),
                    false,
                );
            }
            if let Some(dn) = &i.denial {
                push(
                    format!(
                        "        DENIED {} ({}) by {}{}{}",
                        clean(&dn.code),
                        dn.rule,
                        clean(&dn.denied_by),
                        dn.professional
                            .as_deref()
                            .map(|p| format!(" · determined by {}", clean(p)))
                            .unwrap_or_default(),
                        match (&dn.review, &dn.reviewer) {
                            (Some(o), Some(w)) =>
                                format!(" · review: {} by {}", clean(o), clean(w)),
                            _ => String::new(),
                        }
                    ),
                    false,
                );
            }
        }
        push(String::new(), false);
        push("History".into(), true);
        for h in &d.history {
            push(
                format!(
                    " {} {} -> {}{} · {}",
                    h.at.get(..16).unwrap_or(&h.at),
                    h.from.as_deref().unwrap_or("-"),
                    h.to,
                    h.reason
                        .as_deref()
                        .map(|x| format!(" ({})", clean(x)))
                        .unwrap_or_default(),
                    clean(&h.user)
                ),
                false,
            );
        }
        let reviewable = r.status == Status::Denied
            && d.denial
                .as_ref()
                .is_some_and(|dn| dn.reviewable && dn.review.is_none());
        let doc_to_review = d
            .selection
            .items
            .iter()
            .find(|i| {
                i.denial.as_ref().is_some_and(|dn| {
                    dn.review.is_none()
                        && DENY_REASONS.iter().any(|(k, _, rv)| *k == dn.code && *rv)
                })
            })
            .map(|i| i.document_id);
        let incomplete: Vec<String> = d
            .selection
            .unacknowledged_incomplete()
            .map(|i| i.document_id.to_string())
            .collect();
        let facts = RoiFacts {
            status: Some(r.status),
            reviewable_denial: reviewable,
            extended: r.extension.is_some(),
            payable: billed.is_some() && r.status != Status::Cancelled,
            aod_open: None,
            qa_optional: x.qa_optional,
            access: r.requester_type.is_access(),
            defective: !v.problems.is_empty(),
            has_authorization: r.authorization.is_some(),
            incomplete_left: !incomplete.is_empty(),
            document_review: doc_to_review.is_some()
                && r.status != Status::QaReview
                && r.status != Status::Cancelled,
            agency: matches!(
                r.requester_type,
                crate::roi::RequesterType::Oversight | crate::roi::RequesterType::LawEnf
            ),
            on_request: true,
        };
        RoiRequestState {
            id: r.id,
            version: x.version,
            mrn: clean(&r.mrn),
            status: r.status,
            title: format!(
                " {} · {} · {} ({}) ",
                request_label(r.id),
                match &r.hold_reason {
                    Some(h) => format!("{} {}", r.status.label(), clean(h)),
                    None => r.status.label().to_string(),
                },
                clean(&r.patient_name),
                clean(&r.mrn)
            ),
            lines,
            scroll: 0,
            auth: r
                .authorization
                .clone()
                .unwrap_or_else(|| prefilled_authorization(d, &x.facility)),
            form: None,
            step: None,
            docs: None,
            items: d.selection.items.iter().map(DocRow::from).collect(),
            facts,
            verified_before: x.verified_before.clone().unwrap_or_default(),
            notice_lines: 0,
            hold: r.hold_reason.clone().filter(|_| r.status == Status::OnHold),
            scope: r.scope.clone(),
            pay_against,
            incomplete_docs: incomplete.join(", "),
            doc_to_review: doc_to_review.filter(|_| !reviewable),
            agency: r.requester_type == crate::roi::RequesterType::Oversight
                || r.requester_type == crate::roi::RequesterType::LawEnf,
            from_batches: false,
        }
    }

    /// Show a refusal above the request, whole (the status line holds one row): replaces
    /// the previous one; the next read of the request clears it.
    pub fn notice(&mut self, msg: &str) {
        self.lines.drain(..self.notice_lines.min(self.lines.len()));
        let mut add: Vec<(String, bool)> = crate::tui::roi::forms::wrap(msg, 76)
            .into_iter()
            .map(|l| (l, true))
            .collect();
        add.push((String::new(), false));
        self.notice_lines = add.len();
        self.lines.splice(0..0, add);
        self.scroll = 0;
    }

    /// A form of this screen is open.
    pub fn modal(&self) -> bool {
        self.form.is_some() || self.step.is_some() || self.docs.is_some()
    }

    /// The open field form, for a picker's answer or a refused save's message.
    pub fn open_form(&mut self) -> Option<&mut FieldForm> {
        if let Some(a) = &mut self.form {
            return Some(&mut a.form);
        }
        if let Some((_, f)) = &mut self.step {
            return Some(f);
        }
        self.docs.as_mut()
    }
}
