//! The `{{field}}` placeholders of letter templates and their values for one request.

use std::collections::BTreeMap;

use crate::error::CoreError;
use crate::roi::lifecycle::DENY_REASONS;
use crate::roi::request::{RequestRecord, request_label};

/// Every field a template may name, with what it holds.
pub const FIELDS: &[(&str, &str)] = &[
    ("facility", "facility name (setting facility_name)"),
    ("today", "today's date, facility local"),
    ("request", "request id, REQ-000042"),
    ("patient_name", "FAMILY, Given"),
    ("mrn", "medical record number"),
    ("dob", "date of birth"),
    (
        "addressee",
        "who the letter goes to: the requester, or the individual",
    ),
    (
        "address",
        "their address (the confidential-communication address for the individual, 164.522(b))",
    ),
    ("received", "date the request was received"),
    ("due", "date the request is due"),
    ("pages", "pages of the documents selected"),
    ("fee_total", "the fee estimate, $0.00"),
    ("fee_lines", "the fee estimate line by line"),
    ("fee_rule", "the rule the fee follows (ROI-04)"),
    (
        "defects",
        "each defect of the authorization in plain words with its citation",
    ),
    ("ext_reason", "the reason for the extension"),
    ("new_due", "the due date after the extension"),
    ("deny_basis", "the basis for a denial, with its citation"),
    (
        "review_right",
        "whether and how the denial can be reviewed (164.524(d)(4))",
    ),
    (
        "complaint_contact",
        "the facility's privacy office (setting privacy_contact)",
    ),
    ("documents", "the documents selected, one a line"),
    ("bates_range", "the packet's Bates numbers"),
    ("staff", "the name of the staff member sending the letter"),
    (
        "amendment",
        "amendment request id, AMD-000007 (164.526 letters)",
    ),
    ("requested_change", "the change the individual asked for"),
    (
        "amendment_documents",
        "the documents an amendment affects, one a line",
    ),
];

/// Field values.
#[derive(Clone, Debug, Default)]
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    pub fn set(&mut self, k: &str, v: impl Into<String>) {
        self.0.insert(k.to_string(), v.into());
    }
    pub fn get(&self, k: &str) -> String {
        self.0.get(k).cloned().unwrap_or_default()
    }
}

fn placeholders(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else { break };
        out.push(after[..j].trim());
        rest = &after[j + 2..];
    }
    out
}

/// The placeholders of `body` that are not in [`FIELDS`].
pub fn unknown_fields(body: &str) -> Vec<String> {
    let mut bad: Vec<String> = placeholders(body)
        .into_iter()
        .filter(|p| !FIELDS.iter().any(|(f, _)| f == p))
        .map(str::to_string)
        .collect();
    bad.sort();
    bad.dedup();
    bad
}

/// `body` with every `{{field}}` replaced; `Err(unknown fields)` when one is not a field.
pub fn fill(body: &str, f: &Fields) -> Result<String, Vec<String>> {
    let bad = unknown_fields(body);
    if !bad.is_empty() {
        return Err(bad);
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        out.push_str(&f.get(after[..j].trim()));
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn dollars(c: u64) -> String {
    format!("${}.{:02}", c / 100, c % 100)
}

/// The values of every field for `rec` as of `today`. Reads only.
pub fn gather(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    today: chrono::NaiveDate,
    staff: &str,
) -> Result<Fields, CoreError> {
    let mut f = Fields::default();
    let facility = crate::settings::get(conn, crate::settings::Key::FacilityName)?;
    f.set("facility", crate::text::sanitize_line(&facility));
    f.set("today", today.to_string());
    f.set("request", request_label(rec.id));
    f.set("patient_name", rec.patient_name.clone());
    f.set("mrn", rec.mrn.clone());
    let dob: String = conn.query_row(
        "SELECT coalesce(birth_date, '') FROM patients WHERE id = ?1",
        [rec.patient_id],
        |r| r.get(0),
    )?;
    f.set("dob", dob);
    f.set("addressee", rec.requester_name.clone());
    f.set("address", rec.requester_address.clone());
    f.set("received", rec.received.to_string());
    f.set("due", rec.due.to_string());
    f.set("staff", staff);
    let contact = crate::settings::get(conn, crate::settings::Key::PrivacyContact)?;
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
    if let Some(e) = &rec.extension {
        f.set("ext_reason", e.reason.clone());
        f.set("new_due", rec.due.to_string());
    }
    match crate::roi::release::estimate_in(conn, rec, today) {
        Ok(est) => {
            f.set("pages", est.pages.to_string());
            f.set("fee_total", dollars(est.fee.cents));
            f.set("fee_rule", est.fee.rule);
            let lines: Vec<String> = est
                .fee
                .lines
                .iter()
                .filter(|l| l.cents > 0)
                .map(|l| format!("  {:<30} {:>10}", l.label, dollars(l.cents)))
                .chain(std::iter::once(format!(
                    "  {:<30} {:>10}",
                    "TOTAL",
                    dollars(est.fee.cents)
                )))
                .collect();
            f.set("fee_lines", lines.join("\n"));
        }
        Err(e) => {
            f.set("pages", "(not yet known)");
            f.set("fee_lines", format!("  (no estimate: {e})"));
        }
    }
    if let Ok(sel) = crate::roi::selection::selection(conn, rec, today) {
        let defects: Vec<String> = sel
            .validation
            .problems
            .iter()
            .map(|p| format!("  - {} ({}; {})", p.message, p.rule, p.code))
            .collect();
        f.set(
            "defects",
            if defects.is_empty() {
                "  (none found)".to_string()
            } else {
                defects.join("\n")
            },
        );
        let docs: Vec<String> = sel
            .items
            .iter()
            .filter(|i| sel.withheld_reason(i).is_none())
            .map(|i| {
                format!(
                    "  - {} ({}, {})",
                    i.title,
                    i.doc_type,
                    i.service_at.get(..10).unwrap_or(&i.service_at)
                )
            })
            .collect();
        f.set("documents", docs.join("\n"));
    }
    if let Some(code) = &rec.deny_reason {
        let (rule, reviewable) = DENY_REASONS
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, r, rev)| (*r, *rev))
            .unwrap_or(("45 CFR 164.524(a)", false));
        let note: String = conn.query_row(
            "SELECT coalesce(deny_note, '') FROM release_requests WHERE id = ?1",
            [rec.id],
            |r| r.get(0),
        )?;
        f.set(
            "deny_basis",
            format!(
                "{} ({rule}){}",
                code.trim_start_matches("DENY_")
                    .replace('_', " ")
                    .to_lowercase(),
                if note.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {note}")
                }
            ),
        );
        f.set(
            "review_right",
            if reviewable {
                "you may ask that the denial be reviewed by a licensed health care professional who \
                 did not take part in the original decision (45 CFR 164.524(a)(4), (d)(4)); write to \
                 us quoting the request id"
            } else {
                "this ground of denial is not reviewable (45 CFR 164.524(a)(1)-(2))"
            },
        );
    }
    let prefix = crate::roi::release::pdf_prefix(conn, &facility)?;
    let total: Option<i64> = conn.query_row(
        "SELECT packet_pages_total FROM release_requests WHERE id = ?1",
        [rec.id],
        |r| r.get(0),
    )?;
    match (prefix, total) {
        (Some(p), Some(total)) => f.set(
            "bates_range",
            format!(
                "{} to {}",
                crate::pdf::bates(&p, 1),
                crate::pdf::bates(&p, u64::try_from(total.max(1)).unwrap_or(1))
            ),
        ),
        _ => f.set("bates_range", "as stamped on each page"),
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_fields_and_refuses_unknown_ones() {
        let mut f = Fields::default();
        f.set("request", "REQ-000001");
        assert_eq!(
            fill("Re: {{request}}.", &f).as_deref(),
            Ok("Re: REQ-000001.")
        );
        assert_eq!(fill("{{ request }}", &f).as_deref(), Ok("REQ-000001"));
        assert_eq!(
            fill("{{nope}} {{request}}", &f),
            Err(vec!["nope".to_string()])
        );
        assert_eq!(fill("no fields", &f).as_deref(), Ok("no fields"));
    }
}
