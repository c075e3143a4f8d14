//! What the ROI commands print: request detail, release summary, disclosure reports.

use anyhow::Result;
use chrono::NaiveDate;

use super::*;
use crate::audit::Actor;
use crate::cli::ReportFormat;
use crate::roi::disclosure;
use crate::roi::lifecycle::Status;
use crate::roi::release;
use crate::roi::request::{self, request_label};
use crate::store::Store;
use crate::text::sanitize_line;

pub(super) fn clean_list(v: Vec<String>) -> Vec<String> {
    v.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `IN_PROCESS`, or `ON_HOLD HOLD_FEE_UNPAID (what lifts it)`.
pub(super) fn status_text(rec: &request::RequestRecord) -> String {
    match (&rec.hold_reason, request::hold_hint(rec)) {
        (Some(h), Some(hint)) if rec.status == Status::OnHold => {
            format!("{} {h} — {hint}", rec.status.label())
        }
        _ => rec.status.label().to_string(),
    }
}

/// One CSV value through the shared writer (quoting, control characters, formula neutralising).
pub(super) fn csv(s: &str) -> String {
    crate::csv_out::field(s)
}

pub(super) fn cut(s: &str, n: usize) -> String {
    let s = sanitize_line(s);
    if s.chars().count() <= n {
        s.into_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn print_release(r: &release::Released) {
    for n in &r.recovered {
        println!(
            "{}recovered: {}",
            if n.failed { "WARN " } else { "" },
            sanitize_line(&n.text)
        );
    }
    println!(
        "{} RELEASED: {} document(s), {} withheld{}; disclosure {} ({}); invoice {}",
        r.request,
        r.documents,
        r.withheld,
        if r.part2 {
            ", 42 CFR 2.32 notice included"
        } else {
            ""
        },
        r.disclosure_id,
        if r.accountable {
            "accountable"
        } else {
            "not accountable (AOD-02)"
        },
        dollars(i64::try_from(r.invoice_cents).unwrap_or(i64::MAX))
    );
    println!("packet: {}", r.dir.display());
    println!("zip:    {}", r.zip.display());
    println!("manifest sha256: {}", r.manifest_sha256);
    if let Some(p) = &r.zip_passphrase {
        println!("zip passphrase (AES-256; give it to the recipient by another channel): {p}");
    }
}

/// The request detail as text.
pub fn format_detail(d: &request::Detail) -> String {
    let r = &d.request;
    let mut s = format!(
        "{}  {}  patient {} ({})\n",
        request_label(r.id),
        match &r.hold_reason {
            Some(h) => format!("{} {h}", r.status.label()),
            None => r.status.label().to_string(),
        },
        sanitize_line(&r.patient_name),
        sanitize_line(&r.mrn)
    );
    s += &format!(
        "requester  {} {} {}\npurpose    {}\nreceived   {}  due {}  days left {}{}\n",
        r.requester_type,
        sanitize_line(&r.requester_name),
        sanitize_line(&r.requester_address),
        sanitize_line(&r.purpose),
        r.received,
        d.clock.due,
        d.clock.days_left,
        if d.clock.overdue { "  OVERDUE" } else { "" }
    );
    if let Some(e) = &r.extension {
        s += &format!(
            "extension  {} days, notice {}: {}\n",
            e.days,
            e.notice_sent,
            sanitize_line(&e.reason)
        );
    }
    s += &format!(
        "verified   {}\n",
        match (&r.verification_method, &r.verified_by) {
            (Some(m), Some(b)) => format!("{} by {}", sanitize_line(m), sanitize_line(b)),
            _ => "no (ROI-07)".into(),
        }
    );
    if let Some(h) = &d.hold_hint {
        s += &format!("on hold    {}\n", sanitize_line(h));
    }
    if let Some(dn) = &d.denial {
        s += &format!(
            "denial     {} ({}){}{}\n",
            dn.code,
            dn.rule,
            dn.professional
                .as_deref()
                .map(|p| format!("; determined by {}", sanitize_line(p)))
                .unwrap_or_default(),
            dn.note
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!("; note: {}", sanitize_line(n)))
                .unwrap_or_default()
        );
        match (&dn.review, &dn.reviewer) {
            (Some(r), Some(by)) => {
                s += &format!(
                    "review     {} by {} on {} (45 CFR 164.524(a)(4), (d)(4))\n",
                    r.to_uppercase(),
                    sanitize_line(by),
                    dn.reviewed_at.as_deref().unwrap_or("")
                )
            }
            _ if dn.reviewable => s += "review     not yet reviewed (reviewable, 164.524(a)(3))\n",
            _ => {}
        }
        for p in &dn.defects {
            s += &format!(
                "  defect   {} ({}): {}\n",
                sanitize_line(&p.code),
                sanitize_line(&p.rule),
                sanitize_line(&p.message)
            );
        }
    }
    if let Some(e) = &d.estimate {
        s += &format!(
            "estimate   {} for {} page(s), {} (LTR-02)\n",
            dollars(e.cents),
            e.pages,
            sanitize_line(&e.method)
        );
    }
    if let Some(inv) = r.invoice_cents {
        s += &format!("invoice    {}\n", dollars(inv));
    }
    for p in &d.payments {
        s += &format!(
            "payment    {} by {} against the {} ({}, {})\n",
            dollars(p.cents),
            sanitize_line(&p.method),
            p.against,
            p.paid_at,
            sanitize_line(&p.username)
        );
    }
    for l in &d.letters {
        s += &format!(
            "letter     {} {} to {} ({}, {})\n",
            l.id,
            l.kind,
            sanitize_line(&l.recipient),
            l.sent_at,
            sanitize_line(&l.sent_by)
        );
    }
    for a in &d.attachments {
        s += &format!(
            "form       {} {} {} sha256 {}\n",
            a.id,
            a.kind,
            sanitize_line(&a.file_name),
            a.sha256
        );
    }
    for x in &d.deliveries {
        s += &format!(
            "delivery   {} {} {} ({}, {}){}\n",
            x.id,
            x.method,
            sanitize_line(&x.tracking),
            x.sent_at,
            sanitize_line(&x.sent_by),
            if x.resend_of.is_some() {
                " re-send, byte-identical"
            } else {
                ""
            }
        );
    }
    s += &crate::roi::format_table(&d.selection.validation);
    s += "documents:\n";
    for i in &d.selection.items {
        let why = d.selection.withheld_reason(i);
        s += &format!(
            "  {:>6} {:<9} {:<10} {:<30} {}\n",
            i.document_id,
            sanitize_line(&i.doc_type),
            i.service_at.get(..10).unwrap_or(&i.service_at),
            cut(&i.title, 30),
            match why {
                Some(w) => format!("WITHHELD: {}", sanitize_line(&w)),
                None => "release".into(),
            }
        );
        if let Some(inc) = &i.incomplete {
            s += &format!(
                "  {:>6} INCOMPLETE: {inc}{}\n",
                "",
                match &i.incomplete_ack {
                    Some(u) => format!("; release acknowledged by {}", sanitize_line(u)),
                    None => "; releasing it needs an acknowledgement (roi acknowledge-incomplete)"
                        .into(),
                }
            );
        }
        if let Some(dn) = &i.denial {
            s += &format!(
                "  {:>6} DENIED {} ({}){}{}\n",
                "",
                dn.code,
                dn.rule,
                dn.professional
                    .as_deref()
                    .map(|p| format!("; determined by {}", sanitize_line(p)))
                    .unwrap_or_default(),
                match (&dn.review, &dn.reviewer) {
                    (Some(rv), Some(by)) =>
                        format!("; review {} by {}", rv.to_uppercase(), sanitize_line(by)),
                    _ => String::new(),
                }
            );
        }
    }
    s += "history:\n";
    for h in &d.history {
        s += &format!(
            "  {} {} → {}{} by {}\n",
            h.at,
            h.from.as_deref().unwrap_or("-"),
            h.to,
            h.reason
                .as_deref()
                .map(|r| format!(" ({})", sanitize_line(r)))
                .unwrap_or_default(),
            sanitize_line(&h.user)
        );
    }
    s
}

/// `chartdesk report disclosures`.
pub fn report_disclosures(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    from: Option<NaiveDate>,
    format: ReportFormat,
    group_repeats: bool,
) -> Result<String> {
    let mut a = disclosure::accounting(store, actor, mrn, from)?;
    if group_repeats {
        a.entries = disclosure::group_repeats(std::mem::take(&mut a.entries));
    }
    Ok(match format {
        ReportFormat::Json => serde_json::to_string_pretty(&a)? + "\n",
        ReportFormat::Csv => {
            let mut s = String::from(
                "date,recipient,recipient_address,description,purpose,request,frequency,last_date\n",
            );
            for e in &a.entries {
                s += &format!(
                    "{},{},{},{},{},{},{},{}\n",
                    e.date,
                    csv(&e.recipient),
                    csv(&e.recipient_address),
                    csv(&e.description),
                    csv(&e.purpose),
                    e.request.as_deref().unwrap_or(""),
                    e.frequency,
                    e.last_date
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!(
                "Accounting of disclosures (45 CFR 164.528) for {} ({}), {} to {}\n",
                sanitize_line(&a.patient),
                sanitize_line(&a.mrn),
                a.window_from,
                a.window_to
            );
            match &a.request {
                Some(r) => {
                    s += &format!(
                        "request {} received {} due {} ({} days left, {}); {}\n",
                        r.id,
                        r.received,
                        r.due,
                        r.days_left,
                        r.status,
                        if r.free {
                            "free: first in 12 months (AOD-05)".to_string()
                        } else {
                            format!("fee {} (AOD-05)", dollars(r.fee_cents))
                        }
                    );
                }
                None => {
                    s += "no accounting request logged (`chartdesk roi aod-log MRN`); 60-day clock starts at receipt (AOD-05)\n"
                }
            }
            s += &format!(
                "{:<10} {:<28} {:<28} {:<44} {}\n",
                "DATE", "RECIPIENT", "ADDRESS", "DESCRIPTION", "PURPOSE"
            );
            for e in &a.entries {
                s += &format!(
                    "{:<10} {:<28} {:<28} {:<44} {}\n",
                    e.date,
                    cut(&e.recipient, 28),
                    cut(&e.recipient_address, 28),
                    cut(&e.description, 44),
                    sanitize_line(&e.purpose)
                );
                if e.frequency > 1 {
                    s += &format!(
                        "{:<10} {} disclosures to this recipient for this purpose, the last on {} (AOD-04)\n",
                        "", e.frequency, e.last_date
                    );
                }
            }
            if a.entries.is_empty() {
                s += "(no disclosures that must be accounted for)\n";
            }
            s += &format!(
                "{} disclosure(s) in the period left out (AOD-02/AOD-06):\n",
                a.excluded.len()
            );
            for e in &a.excluded {
                s += &format!(
                    "  {} {:<28} {} ({})\n",
                    e.date,
                    cut(&e.recipient, 28),
                    e.excluded.as_deref().unwrap_or(""),
                    e.excluded_rule.as_deref().unwrap_or("")
                );
            }
            s
        }
    })
}
