//! MDM (T02/T04/T06/T08/T11): TXA/OBX interpretation and document writes. See the module
//! doc of `hl7_apply` for the rules (amendments keep the signed original; statuses never
//! move backward).

use rusqlite::OptionalExtension;

use super::FileFail;
use super::ImportError;
use super::hl7_apply::{Common, Msg, Person, Val, provider};
use super::write::{Origin, Writer, int, opt, txt};

/// TXA-2 document type (HL7 table 0270) → LOINC. Unknown codes are kept as given.
/// Note table 0270: PN is a *procedure* note and PR a *progress* note.
pub const TXA_DOC_TYPES: &[(&str, &str)] = &[
    ("HP", "34117-2"),
    ("DS", "18842-5"),
    ("DIS", "18842-5"),
    ("OP", "11504-8"),
    ("PN", "28570-0"),
    ("PR", "11506-3"),
    ("CN", "11488-4"),
    ("ED", "34111-5"),
];

/// TXA-17 completion status → document status: DI → dictated, DO → transcribed,
/// IP/IN → incomplete, PA → transcribed (awaiting authentication), AU/LA → signed
/// (`signed_at` = TXA-22 time, else the activity time); empty → transcribed with text,
/// incomplete without.
pub fn document_status(txa17: &str, has_text: bool) -> Option<&'static str> {
    Some(match txa17 {
        "DI" => "dictated",
        "DO" | "PA" => "transcribed",
        "IP" | "IN" => "incomplete",
        "AU" | "LA" => "signed",
        "" if has_text => "transcribed",
        "" => "incomplete",
        _ => return None,
    })
}

pub(super) struct Doc {
    pub(super) at: String,
    pub(super) event: String,
    pub(super) unique: String,
    pub(super) parent: String,
    pub(super) doc_type: String,
    pub(super) title: String,
    pub(super) author: Option<Person>,
    pub(super) authenticator: Option<Person>,
    pub(super) status: &'static str,
    pub(super) service_at: String,
    pub(super) signed_at: Option<String>,
    pub(super) transcribed_at: Option<String>,
    pub(super) body: String,
}

/// Interpret TXA and the text OBX segments of an MDM message.
pub(super) fn interpret_txa(
    x: &Msg<'_>,
    event: String,
    fallback: &str,
) -> Result<Doc, ImportError> {
    let m = x.m;
    let txa = x.seg("TXA")?;
    let unique = x.comp(txa, 12, 1);
    if unique.trim().is_empty() {
        return Err(x.err(txa, 12, "unique document number is empty"));
    }
    let mut body = String::new();
    for s in m.segments.iter().filter(|s| s.id == "OBX") {
        if matches!(x.comp(s, 2, 1).as_str(), "TX" | "FT" | "ST" | "") {
            for r in m.repetitions(s.raw(5)) {
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&m.unescape(r));
            }
        }
    }
    let code = x.comp(txa, 2, 1);
    let doc_type = TXA_DOC_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.clone(), |(_, l)| l.to_string());
    if doc_type.is_empty() {
        return Err(x.err(txa, 2, "document type is empty"));
    }
    let title = match x.comp(txa, 2, 2) {
        t if !t.is_empty() => t,
        _ => crate::domain::doc_type_name(&doc_type).to_string(),
    };
    let completion = x.comp(txa, 17, 1);
    let status = document_status(&completion, !body.is_empty()).ok_or_else(|| {
        x.err(
            txa,
            17,
            format!("completion status '{completion}' is unknown"),
        )
    })?;
    let service_at = match x.ts(txa, 4, 1)? {
        Val::Set(t) => t,
        _ => x.ts(txa, 6, 1)?.as_opt().unwrap_or(fallback).to_string(),
    };
    let signed_at = (status == "signed").then(|| {
        x.ts(txa, 22, 15)
            .ok()
            .and_then(|v| v.as_opt().map(str::to_string))
            .unwrap_or_else(|| service_at.clone())
    });
    let doc = Doc {
        at: format!("message {}, line {} (TXA)", m.number, txa.line),
        event,
        unique,
        parent: x.comp(txa, 13, 1),
        doc_type,
        title,
        author: x.person(txa, 9).or_else(|| x.person(txa, 22)),
        authenticator: x.person(txa, 22),
        status,
        service_at,
        signed_at,
        transcribed_at: x.ts(txa, 7, 1)?.as_opt().map(str::to_string),
        body,
    };
    Ok(doc)
}

pub(super) fn document(
    w: &mut Writer<'_, '_>,
    c: &Common,
    d: &Doc,
    encounter: i64,
) -> Result<(), FileFail> {
    let key = format!("hl7:{}:doc:{}", c.facility, d.unique);
    let at = d.at.as_str();
    let latest: Option<(i64, String, String)> =
        w.tx.prepare_cached(
            "SELECT id, status, body FROM documents
             WHERE source_key = ?1 OR (source_key >= ?1 || '#v' AND source_key < ?1 || '#w')
             ORDER BY id DESC LIMIT 1",
        )
        .and_then(|mut s| {
            s.query_row([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(|e| w.db(at, e))?;
    let origin = Origin {
        at,
        source_key: &key,
    };
    if d.event == "T11" {
        let Some((id, ..)) = latest else {
            w.stats.skipped += 1;
            w.stats.notes.push(format!(
                "message {}: T11 for unknown document {} skipped",
                c.number, d.unique
            ));
            return Ok(());
        };
        w.upsert(
            "documents",
            "document",
            Some(id),
            &[("status", txt("entered_in_error"))],
            &origin,
            Some(&c.mrn),
            Some(encounter),
        )?;
        return Ok(());
    }
    let author = match &d.author {
        Some(p) => Some(provider(w, &c.facility, p, at)?),
        None => None,
    };
    if let Some(p) = &d.authenticator {
        provider(w, &c.facility, p, at)?;
    }
    let mut amends = None;
    if d.event == "T06" && !d.parent.is_empty() {
        let pkey = format!("hl7:{}:doc:{}", c.facility, d.parent);
        amends = w.find("documents", "source_key", &pkey, at)?;
    }
    let mut found = latest.as_ref().map(|l| l.0);
    let mut status = d.status.to_string();
    let mut new_key = key.clone();
    if let Some((id, old_status, old_body)) = &latest {
        let signed = matches!(old_status.as_str(), "signed" | "cosigned" | "reviewed");
        if d.event == "T08" && signed && *old_body != d.body {
            // Keep the signed original; the edit becomes a new document amending it.
            w.upsert(
                "documents",
                "document",
                Some(*id),
                &[("status", txt("amended"))],
                &origin,
                Some(&c.mrn),
                Some(encounter),
            )?;
            let versions: i64 =
                w.tx.query_row(
                    "SELECT count(*) FROM documents WHERE source_key >= ?1 || '#v' AND source_key < ?1 || '#w'",
                    [&key],
                    |r| r.get(0),
                )
                .map_err(|e| w.db(at, e))?;
            new_key = format!("{key}#v{}", versions + 2);
            amends = Some(*id);
            found = None;
        } else if super::fhir_apply::keep_old_status(old_status, d.status) {
            status = old_status.clone();
        }
    }
    let mut cols = vec![
        ("encounter_id", int(Some(encounter))),
        ("doc_type", txt(&d.doc_type)),
        ("title", txt(&d.title)),
        ("author_id", int(author)),
        ("status", txt(&status)),
        ("service_at", txt(&d.service_at)),
        ("transcribed_at", opt(d.transcribed_at.as_deref())),
        ("body", txt(&d.body)),
    ];
    if status == d.status {
        cols.push(("signed_at", opt(d.signed_at.as_deref())));
    }
    if found.is_none() {
        cols.push(("amends_id", int(amends)));
        cols.push(("source", txt("hl7")));
        cols.push(("source_key", txt(&new_key)));
    }
    let origin = Origin {
        at,
        source_key: &new_key,
    };
    w.upsert(
        "documents",
        "document",
        found,
        &cols,
        &origin,
        Some(&c.mrn),
        Some(encounter),
    )?;
    Ok(())
}
