//! Patient search and chart reads. Every search and every view of a chart or a document is
//! audited (AUD-09) in the same transaction that reads it.

use crate::store::Reader;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::{
    CodingStatus, DocStatus, Document, DocumentSummary, Encounter, EncounterKind, HimStatus,
    Patient, Perm, Role,
};
use crate::error::CoreError;
use crate::store::Store;

pub const SEARCH_LIMIT: usize = 50;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientHit {
    pub patient: Patient,
    pub encounters: i64,
    pub last_admit: Option<String>,
    /// What matched: "mrn", "alias" (a retired MRN), "visit" or "name".
    pub matched: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    pub patient: Patient,
    /// Retired MRNs that now name this patient (merges, HL7-02), oldest first.
    pub aliases: Vec<String>,
    pub encounters: Vec<Encounter>,
    pub documents: Vec<DocumentSummary>,
}

const PATIENT_COLS: &str = "p.id, p.mrn, p.family_name, p.given_name, p.birth_date, p.sex";

fn patient_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Patient> {
    Ok(Patient {
        id: r.get(0)?,
        mrn: r.get(1)?,
        family_name: r.get(2)?,
        given_name: r.get(3)?,
        birth_date: r.get(4)?,
        sex: r.get(5)?,
    })
}

/// Bounds of a prefix range `[s, s + U+10FFFF)`. Compared under the columns' collation
/// (`NOCASE` for names), this is an index range scan. It replaces `LIKE ?`: the store runs
/// with SQLite's query-planner stability guarantee (see `store::configure`), under which a
/// bound `LIKE` pattern can no longer use an index.
fn prefix_range(s: &str) -> (String, String) {
    (s.to_string(), format!("{s}\u{10FFFF}"))
}

/// Search by MRN prefix, visit-number prefix, or name prefix ("family", "family, given",
/// "given family"). At most [`SEARCH_LIMIT`] patients. Audited as a query.
pub fn search_patients(
    store: &mut Store,
    actor: &Actor,
    query: &str,
) -> Result<Vec<PatientHit>, CoreError> {
    let q = query.trim();
    if q.is_empty() {
        return Err(CoreError::invalid(
            "search",
            "type an MRN, a visit number or a name",
        ));
    }
    if q.chars().count() > 100 || q.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "search",
            "the search text is too long or has control characters",
        ));
    }
    authorize(store, actor, Perm::ViewChart, "patient", "*")?;
    store.transact_read(actor, |tx, audit| {
        let hits = find_patients(tx, q)?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "patient", "*")
                .detail(json!({"query": q, "results": hits.len(),
                    "mrns": crate::audit::mrn_list(hits.iter().map(|h| h.patient.mrn.as_str()))})),
        );
        Ok(hits)
    })
}

fn find_patients(conn: &Reader, q: &str) -> Result<Vec<PatientHit>, CoreError> {
    let mut hits: Vec<PatientHit> = Vec::new();
    let mut push = |p: Patient, matched: &'static str| {
        if hits.len() < SEARCH_LIMIT && !hits.iter().any(|h| h.patient.id == p.id) {
            hits.push(PatientHit {
                patient: p,
                encounters: 0,
                last_admit: None,
                matched,
            });
        }
    };
    let upper = q.to_uppercase();
    // MRN and visit numbers: case-insensitive prefix on the unique indexes (range scan).
    let hi = format!("{upper}\u{10FFFF}");
    // A merged-away record's own MRN finds the survivor (HL7-02: old MRNs stay searchable).
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PATIENT_COLS}, r.merged_into IS NOT NULL FROM patients r
           JOIN patients p ON p.id = COALESCE(r.merged_into, r.id)
          WHERE r.mrn >= ?1 AND r.mrn < ?2 ORDER BY r.mrn LIMIT {SEARCH_LIMIT}"
    ))?;
    for row in stmt.query_map(params![upper, hi], |r| {
        Ok((patient_from_row(r)?, r.get::<_, bool>(6)?))
    })? {
        let (p, retired) = row?;
        push(p, if retired { "alias" } else { "mrn" });
    }
    // Retired MRNs kept as aliases (merges, A47 changes), on the survivor.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PATIENT_COLS} FROM patient_aliases a
           JOIN patients r ON r.id = a.patient_id
           JOIN patients p ON p.id = COALESCE(r.merged_into, r.id)
          WHERE a.active = 1 AND a.mrn >= ?1 AND a.mrn < ?2 ORDER BY a.mrn LIMIT {SEARCH_LIMIT}"
    ))?;
    for p in stmt.query_map(params![upper, hi], patient_from_row)? {
        push(p?, "alias");
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PATIENT_COLS} FROM encounters e JOIN patients p ON p.id = e.patient_id
         WHERE e.visit_number >= ?1 AND e.visit_number < ?2 ORDER BY e.visit_number LIMIT {SEARCH_LIMIT}"
    ))?;
    for p in stmt.query_map(params![upper, hi], patient_from_row)? {
        push(p?, "visit");
    }
    // Names: "family, given" / "given family" / one word matching either name.
    let (a, b) = match q.split_once(',') {
        Some((fam, giv)) => (fam.trim().to_string(), Some((giv.trim().to_string(), true))),
        None => {
            let mut words = q.split_whitespace();
            let first = words.next().unwrap_or_default().to_string();
            match words.next() {
                Some(second) => (first, Some((second.to_string(), false))),
                None => (first, None),
            }
        }
    };
    let name_sql = |cond: &str| {
        format!(
            "SELECT {PATIENT_COLS} FROM patients p WHERE {cond} ORDER BY p.family_name, p.given_name LIMIT {SEARCH_LIMIT}"
        )
    };
    match b {
        None => {
            let mut stmt = conn.prepare_cached(&name_sql(
                "(p.family_name >= ?1 AND p.family_name < ?2) OR (p.given_name >= ?1 AND p.given_name < ?2)",
            ))?;
            let (lo, hi) = prefix_range(&a);
            for p in stmt.query_map([lo, hi], patient_from_row)? {
                push(p?, "name");
            }
        }
        Some((second, comma)) => {
            let mut stmt = conn.prepare_cached(&name_sql(
                "p.family_name >= ?1 AND p.family_name < ?2 AND p.given_name >= ?3 AND p.given_name < ?4",
            ))?;
            let orders: &[(&str, &str)] = if comma {
                &[(&a, &second)]
            } else {
                &[(&second, &a), (&a, &second)]
            };
            for (fam, giv) in orders {
                let ((f_lo, f_hi), (g_lo, g_hi)) = (prefix_range(fam), prefix_range(giv));
                for p in stmt.query_map([f_lo, f_hi, g_lo, g_hi], patient_from_row)? {
                    push(p?, "name");
                }
            }
        }
    }
    let mut stmt = conn
        .prepare_cached("SELECT count(*), max(admit_at) FROM encounters WHERE patient_id = ?1")?;
    for h in &mut hits {
        let (n, last) = stmt.query_row([h.patient.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        h.encounters = n;
        h.last_admit = last;
    }
    Ok(hits)
}

const ENCOUNTER_COLS: &str = "e.id, e.visit_number, e.patient_id, e.kind, e.service, e.admit_at, e.discharge_at, \
     (SELECT pr.family_name || ', ' || pr.given_name || CASE WHEN pr.credentials <> '' THEN ' ' || pr.credentials ELSE '' END \
        FROM providers pr WHERE pr.id = e.attending_id), \
     e.discharge_disposition, e.reason, e.him_status, e.coding_status";

pub(crate) fn encounter_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Encounter> {
    let kind: String = r.get(3)?;
    let him: String = r.get(10)?;
    let coding: String = r.get(11)?;
    Ok(Encounter {
        id: r.get(0)?,
        visit_number: r.get(1)?,
        patient_id: r.get(2)?,
        kind: EncounterKind::parse(&kind).unwrap_or(EncounterKind::Outpatient),
        service: r.get(4)?,
        admit_at: r.get(5)?,
        discharge_at: r.get(6)?,
        attending: r.get(7)?,
        discharge_disposition: r.get(8)?,
        reason: r.get(9)?,
        him_status: HimStatus::parse(&him).unwrap_or(HimStatus::Open),
        coding_status: CodingStatus::parse(&coding).unwrap_or(CodingStatus::NotReady),
    })
}

const DOC_COLS: &str = "d.id, d.encounter_id, d.doc_type, d.title, \
     (SELECT pr.family_name || ', ' || pr.given_name || CASE WHEN pr.credentials <> '' THEN ' ' || pr.credentials ELSE '' END \
        FROM providers pr WHERE pr.id = d.author_id), \
     d.status, d.service_at, d.signed_at, d.sensitivity";

fn doc_summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentSummary> {
    let status: String = r.get(5)?;
    Ok(DocumentSummary {
        id: r.get(0)?,
        encounter_id: r.get(1)?,
        doc_type: r.get(2)?,
        title: r.get(3)?,
        author: r.get(4)?,
        status: DocStatus::parse(&status).unwrap_or(DocStatus::Incomplete),
        service_at: r.get(6)?,
        signed_at: r.get(7)?,
        sensitivity: r.get(8)?,
    })
}

/// Open a patient's chart: demographics, encounters (newest first), document list. Audited as
/// a view of the patient record.
pub fn open_chart(store: &mut Store, actor: &Actor, patient_id: i64) -> Result<Chart, CoreError> {
    authorize(
        store,
        actor,
        Perm::ViewChart,
        "patient",
        &patient_id.to_string(),
    )?;
    store.transact_read(actor, |tx, audit| {
        let patient = tx
            .query_row(&format!("SELECT {PATIENT_COLS} FROM patients p WHERE p.id = ?1"), [patient_id], patient_from_row)
            .optional()?
            .ok_or_else(|| CoreError::NotFound { what: "patient", id: patient_id.to_string() })?;
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {ENCOUNTER_COLS} FROM encounters e WHERE e.patient_id = ?1 ORDER BY e.admit_at DESC, e.id DESC"
        ))?;
        let encounters = stmt.query_map([patient_id], encounter_from_row)?.collect::<Result<Vec<_>, _>>()?;
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {DOC_COLS} FROM documents d JOIN encounters e ON e.id = d.encounter_id
             WHERE e.patient_id = ?1 ORDER BY e.admit_at DESC, d.service_at, d.id"
        ))?;
        let documents = stmt.query_map([patient_id], doc_summary_from_row)?.collect::<Result<Vec<_>, _>>()?;
        audit.record(
            Event::new(Action::Read, Subtype::View, "patient", patient.id)
                .patient(&patient.mrn)
                .purpose("TREAT")
                .detail(json!({"encounters": encounters.len(), "documents": documents.len()})),
        );
        let aliases = crate::mpi::queue::aliases(tx, patient.id)?;
        Ok(Chart { patient, aliases, encounters, documents })
    })
}

/// Read one document with its text. Audited as a view, naming patient and encounter. A
/// document labelled sensitive is refused (the refusal audited): open it with
/// [`crate::break_glass::read_sensitive`] and a purpose (issue #13, break the glass).
pub fn read_document(
    store: &mut Store,
    actor: &Actor,
    document_id: i64,
) -> Result<Document, CoreError> {
    authorize(
        store,
        actor,
        Perm::ViewChart,
        "document",
        &document_id.to_string(),
    )?;
    // Break the glass (issue #13): a sensitive document needs a purpose first.
    let labels = crate::break_glass::labels(store.conn(), document_id)?;
    if !labels.is_empty() {
        store.transact(actor, |_tx, audit| {
            audit.record(
                Event::new(Action::Read, Subtype::View, "document", document_id)
                    .outcome(crate::audit::Outcome::MinorFailure)
                    .reason("no purpose given for a sensitive document")
                    .detail(json!({"labels": labels})),
            );
            Ok::<_, CoreError>(())
        })?;
        return Err(crate::break_glass::purpose_required(document_id, &labels));
    }
    store.transact_read(actor, |tx, audit| {
        let (summary, body, mrn) = document_row(tx, document_id)?;
        audit.record(
            Event::new(Action::Read, Subtype::View, "document", summary.id)
                .patient(&mrn)
                .encounter(summary.encounter_id)
                .detail(json!({"doc_type": summary.doc_type, "bytes": body.len()})),
        );
        Ok(Document { summary, body })
    })
}

/// A document's summary, text and patient MRN (a bare read inside the caller's audited
/// transaction).
pub(crate) fn document_row(
    tx: &crate::store::Reader,
    document_id: i64,
) -> Result<(DocumentSummary, String, String), CoreError> {
    tx.query_row(
        &format!(
            "SELECT {DOC_COLS}, d.body, p.mrn FROM documents d JOIN encounters e ON e.id = d.encounter_id
             JOIN patients p ON p.id = e.patient_id WHERE d.id = ?1"
        ),
        [document_id],
        |r| Ok((doc_summary_from_row(r)?, r.get::<_, String>(9)?, r.get::<_, String>(10)?)),
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound { what: "document", id: document_id.to_string() })
}

/// One work queue on the home screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueCount {
    pub label: &'static str,
    pub count: i64,
    pub doc: &'static str,
}

/// The signed-in role's queues with counts. Counts carry no PHI and are not audited.
pub fn queue_counts(conn: &Reader, role: Role, today: &str) -> Result<Vec<QueueCount>, CoreError> {
    let delinquent_days =
        crate::settings::get_i64(conn, crate::settings::Key::RecordDelinquentDays)?;
    // History before the cut-over is never counted (issue #13): `day >= floor`.
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<i64, CoreError> {
        Ok(conn.prepare_cached(sql)?.query_row(p, |r| r.get(0))?)
    };
    let cutoff = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map(|d| {
            (d - chrono::Days::new(delinquent_days as u64))
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default();
    // Encounter counts come from the maintained counters (schema v4), not from scans.
    let by_him = |status: &str| {
        count(
            "SELECT COALESCE(sum(n), 0) FROM encounter_daily WHERE him_status = ?1 AND day >= ?2",
            &[&status, &floor],
        )
    };
    let awaiting = || by_him("awaiting_analysis");
    let incomplete = || by_him("incomplete");
    let delinquent = || {
        count(
            "SELECT COALESCE(sum(n), 0) FROM encounter_daily
             WHERE him_status IN ('awaiting_analysis','incomplete') AND day <> '' AND day < ?1 AND day >= ?2",
            &[&cutoff, &floor],
        )
    };
    let by_coding = |status: &str| {
        count(
            "SELECT COALESCE(sum(n), 0) FROM encounter_daily WHERE coding_status = ?1 AND day >= ?2",
            &[&status, &floor],
        )
    };
    let ready = || by_coding("ready");
    let on_hold = || by_coding("on_hold_query");
    let open_requests = || {
        count(
            "SELECT count(*) FROM release_requests WHERE status NOT IN ('released','closed','denied','cancelled')",
            &[],
        )
    };
    let overdue = || {
        count(
            "SELECT count(*) FROM release_requests WHERE status NOT IN ('released','closed','denied','cancelled') AND due_at < ?1",
            &[&today],
        )
    };
    let q = |label, count, doc| QueueCount { label, count, doc };
    Ok(match role {
        Role::Technician => vec![
            q(
                "Awaiting analysis",
                awaiting()?,
                "Discharged charts not yet analysed",
            ),
            q(
                "Incomplete charts",
                incomplete()?,
                "Charts with open deficiencies",
            ),
            q(
                "Delinquent records",
                delinquent()?,
                "Incomplete past record_delinquent_days (DEL-03)",
            ),
        ],
        Role::Coder => vec![
            q(
                "Ready to code",
                ready()?,
                "Not yet claimed; includes charts held (COD-20)",
            ),
            q(
                "On hold for query",
                on_hold()?,
                "Waiting for a physician's answer (COD-21)",
            ),
        ],
        Role::Roi => vec![
            q(
                "Open requests",
                open_requests()?,
                "Release requests not yet closed",
            ),
            q(
                "Past due",
                overdue()?,
                "Requests past their due date (ROI-01)",
            ),
        ],
        Role::Supervisor => vec![
            q(
                "Awaiting analysis",
                awaiting()?,
                "Discharged charts not yet analysed",
            ),
            q(
                "Incomplete charts",
                incomplete()?,
                "Charts with open deficiencies",
            ),
            q(
                "Delinquent records",
                delinquent()?,
                "Incomplete past record_delinquent_days (DEL-03)",
            ),
            q(
                "Ready to code",
                ready()?,
                "Not yet claimed; includes charts held (COD-20)",
            ),
            q(
                "Open ROI requests",
                open_requests()?,
                "Release requests not yet closed",
            ),
        ],
    })
}
