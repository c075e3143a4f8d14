//! FHIR DocumentReference and Claim parsing (see [`document`] for the status mapping).

use serde_json::Value;

use super::ImportError;
use super::fhir::{
    ClaimData, Cx, DocumentData, OrderData, arr, concept_text, datetime, reference, s,
};
use super::time::decode_base64;

const LOINC: &str = "http://loinc.org";

/// DocumentReference status mapping (documented for the README):
///
/// | FHIR | chartdesk document status |
/// |---|---|
/// | `status = entered-in-error` or `docStatus = entered-in-error` | `entered_in_error` |
/// | `docStatus = amended` | `amended` |
/// | `docStatus = final` | `signed`, `signed_at` = `date` |
/// | `docStatus = preliminary` | `transcribed` (text present) or `dictated` (no text) |
/// | no `docStatus`, `authenticator` present | `signed`, `signed_at` = `date` |
/// | no `docStatus`, no `authenticator` | `transcribed` (text present) or `incomplete` (no text): authentication is never assumed, so analysis will ask for a signature |
///
/// `type` LOINC coding → `doc_type` (else the first coding's code), `date` (else
/// `context.period.start`) → `service_at`, `content[0].attachment.data` (base64, must be
/// UTF-8) → body, `context.encounter[0]` is required.
pub(super) fn document(r: &Value, cx: &Cx) -> Result<DocumentData, ImportError> {
    let encounter = r
        .get("context")
        .and_then(|c| c.get("encounter"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|e| e.get("reference"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| cx.err("context.encounter", "document has no encounter"))?;
    let ty = r.get("type").cloned().unwrap_or(Value::Null);
    let codings = arr(&ty, "coding");
    let loinc = codings
        .iter()
        .find(|c| s(c, "system") == Some(LOINC))
        .or_else(|| codings.first());
    let doc_type = loinc
        .and_then(|c| s(c, "code"))
        .map(str::to_string)
        .or_else(|| concept_text(&ty))
        .ok_or_else(|| cx.err("type", "document type is missing"))?;
    let title = loinc
        .and_then(|c| s(c, "display"))
        .map(str::to_string)
        .or_else(|| concept_text(&ty))
        .unwrap_or_else(|| crate::domain::doc_type_name(&doc_type).to_string());
    let date = datetime(cx, "date", s(r, "date"))?;
    let start = r
        .get("context")
        .and_then(|c| c.get("period"))
        .and_then(|p| s(p, "start"));
    let service_at = match date.clone() {
        Some(d) => d,
        None => datetime(cx, "context.period.start", start)?
            .ok_or_else(|| cx.err("date", "document date is missing"))?,
    };
    let mut body = String::new();
    if let Some(att) = arr(r, "content").first().and_then(|c| c.get("attachment")) {
        let ct = s(att, "contentType").unwrap_or("text/plain");
        if let Some(data) = s(att, "data")
            && ct.starts_with("text/")
        {
            let bytes = decode_base64(data.as_bytes())
                .map_err(|m| cx.err("content[0].attachment.data", m))?;
            body = String::from_utf8(bytes).map_err(|e| {
                cx.err(
                    "content[0].attachment.data",
                    format!(
                        "note text is not valid UTF-8 (byte {})",
                        e.utf8_error().valid_up_to()
                    ),
                )
            })?;
        }
    }
    let author = arr(r, "author")
        .iter()
        .find_map(|a| a.get("reference"))
        .and_then(Value::as_str);
    let authenticator = reference(r, "authenticator");
    let has_text = !body.is_empty();
    let status = match (s(r, "status"), s(r, "docStatus")) {
        (Some("entered-in-error"), _) | (_, Some("entered-in-error")) => "entered_in_error",
        (_, Some("amended")) => "amended",
        (_, Some("final")) => "signed",
        (_, Some("preliminary")) if has_text => "transcribed",
        (_, Some("preliminary")) => "dictated",
        (_, Some(other)) => return Err(cx.err("docStatus", format!("unknown docStatus '{other}'"))),
        _ if authenticator.is_some() => "signed",
        _ if has_text => "transcribed",
        _ => "incomplete",
    };
    let signed_at = matches!(status, "signed" | "amended").then(|| service_at.clone());
    // A superseded note, or one replaced through relatesTo, is never chased (issue #13).
    let superseded = s(r, "status") == Some("superseded");
    let replaces = arr(r, "relatesTo")
        .iter()
        .filter(|x| s(x, "code") == Some("replaces"))
        .filter_map(|x| reference(x, "target"))
        .collect();
    Ok(DocumentData {
        superseded,
        replaces,
        encounter,
        doc_type,
        title,
        author: author.map(str::to_string),
        authenticator,
        status,
        service_at,
        signed_at,
        body,
    })
}

pub(super) fn claim(r: &Value, cx: &Cx) -> Result<ClaimData, ImportError> {
    let mut encounters = Vec::new();
    for it in arr(r, "item") {
        for e in arr(it, "encounter") {
            if let Some(x) = s(e, "reference")
                && !encounters.iter().any(|y| y == x)
            {
                encounters.push(x.to_string());
            }
        }
    }
    let total_cents = match r.get("total").and_then(|t| t.get("value")) {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e13)
                .map(|f| (f * 100.0).round() as i64)
                .ok_or_else(|| cx.err("total.value", "claim total is not an amount"))?,
        ),
    };
    Ok(ClaimData {
        encounters,
        total_cents,
    })
}

/// SNOMED CT "Consultation" and related codes, and LOINC 11488-4 (consult note): a
/// ServiceRequest carrying one of these (code or category), or whose text says "consult", is
/// a consultation order (REQ-CONSULT).
const CONSULT_CODES: &[&str] = &["11429006", "409063005", "306206005", "11488-4", "3457005"];

/// ServiceRequest → an order: `subject`, `encounter` (required), `code`, `category`,
/// `authoredOn` (else `occurrenceDateTime`) → ordered_at, `requester` → orderer,
/// `performer[0]` → the consultant, `status` (active/draft/on-hold → active, completed →
/// completed, revoked/entered-in-error → cancelled).
pub(super) fn service_request(r: &Value, cx: &Cx) -> Result<OrderData, ImportError> {
    let subject = reference(r, "subject").ok_or_else(|| cx.err("subject", "subject is missing"))?;
    let encounter =
        reference(r, "encounter").ok_or_else(|| cx.err("encounter", "order has no encounter"))?;
    let code = r.get("code").cloned().unwrap_or(Value::Null);
    let first = arr(&code, "coding")
        .iter()
        .find_map(|c| s(c, "code"))
        .unwrap_or_default()
        .to_string();
    let description = concept_text(&code).unwrap_or_default();
    let codes: Vec<&str> = arr(&code, "coding")
        .iter()
        .chain(arr(r, "category").iter().flat_map(|c| arr(c, "coding")))
        .filter_map(|c| s(c, "code"))
        .collect();
    let consult = codes.iter().any(|c| CONSULT_CODES.contains(c))
        || description.to_ascii_lowercase().contains("consult");
    let when = s(r, "authoredOn").or_else(|| s(r, "occurrenceDateTime"));
    let ordered_at = datetime(cx, "authoredOn", when)?
        .ok_or_else(|| cx.err("authoredOn", "order time (authoredOn) is missing"))?;
    let status = match s(r, "status") {
        Some("completed") => "completed",
        Some("revoked") | Some("entered-in-error") => "cancelled",
        Some("active") | Some("draft") | Some("on-hold") | Some("unknown") | None => "active",
        Some(other) => return Err(cx.err("status", format!("unknown order status '{other}'"))),
    };
    Ok(OrderData {
        subject,
        encounter,
        kind: if consult { "consult" } else { "other" },
        code: first,
        description,
        ordered_at,
        requester: reference(r, "requester"),
        performer: arr(r, "performer")
            .first()
            .and_then(|p| p.get("reference"))
            .and_then(Value::as_str)
            .map(str::to_string),
        status,
    })
}
