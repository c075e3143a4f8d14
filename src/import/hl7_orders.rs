//! HL7 v2 orders (ORM^O01, OMG^O19): the order behind REQ-CONSULT. The message's PID/PV1 are
//! applied as for ADT (patient and encounter); then ORC/OBR become one `orders` row keyed on
//! the placer order number (ORC-2, else OBR-2), so a re-sent or updated order changes the same
//! row.
//!
//! | field | order |
//! |---|---|
//! | ORC-1 | `NW`/`XO`/`SC` → active, `CA`/`OC`/`DC`/`CR` → cancelled, `CM` → completed |
//! | ORC-2 (else OBR-2) | placer order number (required) |
//! | OBR-4 | code^text: a consultation when the code is SNOMED 11429006 / LOINC 11488-4 or the text says "consult" |
//! | ORC-9 (else OBR-6, else the message time) | ordered at |
//! | ORC-12 (else OBR-16) | ordering provider |
//! | OBR-32 (else OBR-28) | the consultant who owes the report |

use super::FileFail;
use super::ImportError;
use super::hl7_apply::{Common, Msg, Person, provider};
use super::write::{Change, Origin, Writer, int, txt};

/// Whether the importer handles this message type as an order.
pub(super) fn supported(kind: &str, event: &str) -> bool {
    matches!((kind, event), ("ORM", "O01") | ("OMG", "O19"))
}

const CONSULT_CODES: &[&str] = &["11429006", "11488-4", "CONSULT"];

/// One interpreted order.
#[derive(Debug, Clone)]
pub(super) struct OrderMsg {
    placer: String,
    code: String,
    text: String,
    ordered_at: String,
    orderer: Option<Person>,
    consultant: Option<Person>,
    status: &'static str,
    kind: &'static str,
    at: String,
}

pub(super) fn interpret(x: &Msg<'_>, fallback: &str) -> Result<OrderMsg, ImportError> {
    let orc = x.seg("ORC")?;
    let obr = x.m.segment("OBR");
    let placer = [
        x.comp(orc, 2, 1),
        obr.map(|o| x.comp(o, 2, 1)).unwrap_or_default(),
    ]
    .into_iter()
    .find(|s| !s.trim().is_empty())
    .ok_or_else(|| x.err(orc, 2, "placer order number (ORC-2 or OBR-2) is empty"))?;
    let status = match x.comp(orc, 1, 1).as_str() {
        "CA" | "OC" | "DC" | "CR" => "cancelled",
        "CM" => "completed",
        _ => "active",
    };
    let (code, text) = match obr {
        Some(o) => (x.comp(o, 4, 1), x.comp(o, 4, 2)),
        None => (String::new(), String::new()),
    };
    let consult = CONSULT_CODES.iter().any(|c| code.eq_ignore_ascii_case(c))
        || text.to_ascii_lowercase().contains("consult");
    let mut ordered_at = x.ts(orc, 9, 1)?.as_opt().map(str::to_string);
    if ordered_at.is_none()
        && let Some(o) = obr
    {
        ordered_at = x.ts(o, 6, 1)?.as_opt().map(str::to_string);
    }
    let orderer = x
        .person(orc, 12)
        .or_else(|| obr.and_then(|o| x.person(o, 16)));
    let consultant = obr.and_then(|o| x.person(o, 32).or_else(|| x.person(o, 28)));
    Ok(OrderMsg {
        placer,
        code,
        text,
        ordered_at: ordered_at.unwrap_or_else(|| fallback.to_string()),
        orderer,
        consultant,
        status,
        kind: if consult { "consult" } else { "other" },
        at: format!("message {}, line {} (ORC)", x.m.number, orc.line),
    })
}

/// Write the order on the encounter the message's PV1 named (already applied).
pub(super) fn apply(w: &mut Writer<'_, '_>, c: &Common, o: &OrderMsg) -> Result<(), FileFail> {
    let ekey = format!("hl7:{}:{}", c.facility, c.visit);
    let encounter = match w.find("encounters", "source_key", &ekey, &o.at)? {
        Some(e) => e,
        None => w
            .find("encounters", "visit_number", &c.visit, &o.at)?
            .ok_or_else(|| w.reject(&o.at, format!("order for unknown visit {}", c.visit)))?,
    };
    let orderer = match &o.orderer {
        Some(p) => Some(provider(w, &c.facility, p, &o.at)?),
        None => None,
    };
    let consultant = match &o.consultant {
        Some(p) => Some(provider(w, &c.facility, p, &o.at)?),
        None => None,
    };
    let key = format!("hl7:{}:order:{}", c.facility, o.placer);
    let found = w.find("orders", "source_key", &key, &o.at)?;
    let mut cols = vec![
        ("encounter_id", int(Some(encounter))),
        ("kind", txt(o.kind)),
        ("code", txt(&o.code)),
        ("description", txt(&o.text)),
        ("ordered_at", txt(&o.ordered_at)),
        ("orderer_id", int(orderer)),
        ("performer_id", int(consultant)),
        ("status", txt(o.status)),
    ];
    if found.is_none() {
        cols.push(("source", txt("hl7")));
        cols.push(("source_key", txt(&key)));
    }
    let origin = Origin {
        at: &o.at,
        source_key: &key,
    };
    let (_, change) = w.upsert(
        "orders",
        "order",
        found,
        &cols,
        &origin,
        Some(&c.mrn),
        Some(encounter),
    )?;
    if change != Change::Unchanged {
        // A new or changed order re-runs analysis of a discharged stay (REQ-CONSULT).
        w.touched.push(encounter);
    }
    Ok(())
}
