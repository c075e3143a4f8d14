//! Reads the coding screens need: bare reads the workbench shows beside the audited
//! `work::open` of the same claimed encounter, and the audited list of queries awaiting an
//! answer. The TUI holds no SQL; these are its statements.

use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, ActorRole, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

/// The encounter's clinical facts as one line each: `kind system code display date`, by
/// kind then time (SNOMED URIs shortened to `SNOMED`).
pub fn clinical_fact_lines(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<Vec<String>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT kind, system, code, display, COALESCE(substr(occurred_at, 1, 10), '')
         FROM clinical_facts WHERE encounter_id = ?1 ORDER BY kind, occurred_at, id",
    )?;
    let rows = st
        .query_map([encounter_id], |r| {
            let (kind, system, code, display, at): (String, String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let system = if system.contains("snomed") {
                "SNOMED".to_string()
            } else {
                system
            };
            Ok(format!("{kind:<9} {system} {code} {display} {at}"))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One query waiting for (or holding) an answer, as the queries list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenQueryRow {
    pub id: i64,
    pub encounter_id: i64,
    pub visit: String,
    pub mrn: String,
    pub patient: String,
    /// The provider asked (`None`: the attending at the time).
    pub provider: Option<String>,
    pub question: String,
    /// `open` (no answer yet, the encounter is on hold) or `answered` (to be closed).
    pub status: String,
    pub asked_by: String,
    pub asked_at: String,
    pub due_at: String,
}

/// Queries not yet closed (COD-21), open ones first, soonest due first. Shows patient names,
/// so it is audited as a query. Coders, technicians and supervisors (who record answers).
pub fn open_queries(
    store: &mut Store,
    actor: &Actor,
    limit: usize,
) -> Result<Vec<OpenQueryRow>, CoreError> {
    let perm = match actor.role {
        ActorRole::User(r) if !r.can(Perm::Code) => Perm::AnalyzeDeficiencies,
        _ => Perm::Code,
    };
    authorize(store, actor, perm, "queue", "coding_queries")?;
    store.transact_read(actor, |tx, audit| {
        let mut st = tx.prepare_cached(
            "SELECT q.id, q.encounter_id, e.visit_number, p.mrn,
                    p.family_name || ', ' || p.given_name,
                    CASE WHEN q.provider_id IS NULL THEN NULL
                         ELSE (SELECT pr.family_name || ', ' || pr.given_name FROM providers pr
                               WHERE pr.id = q.provider_id) END,
                    q.question, q.status, q.asked_by, q.asked_at, q.due_at
             FROM coding_queries q
             JOIN encounters e ON e.id = q.encounter_id
             JOIN patients p ON p.id = e.patient_id
             WHERE q.status IN ('open', 'answered')
             ORDER BY q.status = 'answered', q.due_at, q.id
             LIMIT ?1",
        )?;
        let rows = st
            .query_map([limit as i64], |r| {
                Ok(OpenQueryRow {
                    id: r.get(0)?,
                    encounter_id: r.get(1)?,
                    visit: r.get(2)?,
                    mrn: r.get(3)?,
                    patient: r.get(4)?,
                    provider: r.get(5)?,
                    question: r.get(6)?,
                    status: r.get(7)?,
                    asked_by: r.get(8)?,
                    asked_at: r.get(9)?,
                    due_at: r.get(10)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "queue", "coding_queries").detail(json!({
                "results": rows.len(),
                "mrns": crate::audit::mrn_list(rows.iter().map(|r| r.mrn.as_str())),
            })),
        );
        Ok(rows)
    })
}
