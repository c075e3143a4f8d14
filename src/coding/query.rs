//! Documentation queries from coders to providers (COD-21): OPEN → ANSWERED → CLOSED |
//! EXPIRED (`query_expire_days`). A query is also a QUERY deficiency (origin `query`, rule
//! COD-21) assigned to the provider, so technicians see and chase it; while any query of an
//! encounter is open the encounter is `on_hold_query`. Question and answer are stored;
//! queries must be non-leading (AHIMA/ACDIS) — chartdesk stores the coder's wording as is.

use chrono::Duration;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::hold::{QueryStatus, check_query_transition};
use super::work::header;
use crate::accounts::authorize;
use crate::audit::{Action, Actor, ActorRole, Event, Subtype};
use crate::deficiency::ops::{local_now, local_ts};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings;
use crate::store::{AuditBuffer, Store, Tx};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryRow {
    pub id: i64,
    pub encounter_id: i64,
    pub deficiency_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub question: String,
    pub answer: Option<String>,
    pub status: String,
    pub asked_by: String,
    pub asked_at: String,
    pub due_at: String,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
}

const COLS: &str = "id, encounter_id, deficiency_id, provider_id, question, answer, status, asked_by, asked_at, due_at, answered_by, answered_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueryRow> {
    Ok(QueryRow {
        id: r.get(0)?,
        encounter_id: r.get(1)?,
        deficiency_id: r.get(2)?,
        provider_id: r.get(3)?,
        question: r.get(4)?,
        answer: r.get(5)?,
        status: r.get(6)?,
        asked_by: r.get(7)?,
        asked_at: r.get(8)?,
        due_at: r.get(9)?,
        answered_by: r.get(10)?,
        answered_at: r.get(11)?,
    })
}

/// The queries of an encounter, newest first (bare read).
pub fn encounter_queries(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<Vec<QueryRow>, CoreError> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM coding_queries WHERE encounter_id = ?1 ORDER BY id DESC"
    ))?;
    Ok(st
        .query_map([encounter_id], from_row)?
        .collect::<Result<_, _>>()?)
}

fn get(tx: &crate::store::Reader, id: i64) -> Result<QueryRow, CoreError> {
    tx.query_row(
        &format!("SELECT {COLS} FROM coding_queries WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "query",
        id: id.to_string(),
    })
}

/// Send a documentation query to a provider (default: the attending). Creates the QUERY
/// deficiency and holds the encounter (`on_hold_query`), in one audited transaction.
pub fn send(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    question: &str,
    provider_id: Option<i64>,
) -> Result<QueryRow, CoreError> {
    send_with(store, actor, encounter_id, question, provider_id, None)
}

/// [`send`] with the facility template it was built from: `(code, options JSON)` are stored
/// with the query so the answer is one of the offered choices.
pub(crate) fn send_with(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    question: &str,
    provider_id: Option<i64>,
    template: Option<(&str, &str)>,
) -> Result<QueryRow, CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    let question = question.trim();
    if question.is_empty() {
        return Err(CoreError::invalid(
            "question",
            "a query needs a question (COD-21)",
        ));
    }
    let days = settings::get_i64(store.conn(), crate::settings::Key::QueryExpireDays)?;
    let def_days = settings::get_i64(store.conn(), crate::settings::Key::DeficiencyDelinquentDays)?;
    let now = local_now(store);
    let (now_s, due) = (local_ts(now), local_ts(now + Duration::days(days)));
    store.transact(actor, |tx, audit| {
        let h = header(tx, encounter_id)?;
        if !matches!(h.coding_status.as_str(), "ready" | "in_progress" | "on_hold_query") {
            return Err(CoreError::invalid("coding_status", format!(
                "{} is {}; queries are sent while coding (reopen a coded encounter first)", h.visit_number, h.coding_status)));
        }
        let provider = provider_id.or(h.attending_id);
        if let Some(p) = provider {
            let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM providers WHERE id = ?1)", [p], |r| r.get(0))?;
            if !exists {
                return Err(CoreError::NotFound { what: "provider", id: p.to_string() });
            }
            // A query goes to any provider on the encounter (issue #13), never to a stranger.
            if !super::query_desk::encounter_providers(tx, encounter_id)?.iter().any(|x| x.id == p) {
                return Err(CoreError::invalid("provider", format!(
                    "provider {p} is not on encounter {encounter_id} (attending, author, cosigner, performer or consultant)")));
            }
        }
        tx.execute(
            "INSERT INTO coding_queries(encounter_id, provider_id, question, status, asked_by, asked_at, due_at, template_code, options)
             VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8)",
            params![encounter_id, provider, question, actor.username, now_s, due, template.map(|t| t.0), template.map(|t| t.1)],
        )?;
        let qid = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO deficiencies(encounter_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, origin, rule, note)
             VALUES (?1, ?2, 'QUERY', ?3, 'open', ?4, ?4, ?5, 'query', 'COD-21', ?6)",
            params![encounter_id, format!("query:{qid}"), provider, now_s,
                    local_ts(now + Duration::days(def_days)), question],
        )?;
        let did = tx.last_insert_rowid();
        tx.execute("UPDATE coding_queries SET deficiency_id = ?1 WHERE id = ?2", params![did, qid])?;
        let him = if h.him_status == "doc_complete" { "incomplete" } else { h.him_status.as_str() };
        tx.execute(
            "UPDATE encounters SET coding_status = 'on_hold_query', him_status = ?1 WHERE id = ?2",
            params![him, encounter_id],
        )?;
        audit.record(
            Event::new(Action::Create, Subtype::Create, "coding_query", qid)
                .patient(&h.mrn)
                .encounter(encounter_id)
                .detail(json!({"question": question, "provider_id": provider, "due_at": due, "deficiency_id": did,
                               "template": template.map(|t| t.0),
                               "coding_status": {"from": h.coding_status, "to": "on_hold_query"},
                               "him_status": {"from": h.him_status, "to": him}})),
        );
        get(tx, qid)
    })
}

/// Release `on_hold_query` when no query of the encounter is open any more, and keep the
/// HIM status in step with the open deficiencies (DEF-04).
fn release_hold(tx: &Tx<'_>, audit: &mut AuditBuffer, encounter_id: i64) -> Result<(), CoreError> {
    let h = header(tx, encounter_id)?;
    let (open_q, open_d): (i64, i64) = tx.query_row(
        "SELECT (SELECT count(*) FROM coding_queries WHERE encounter_id = ?1 AND status = 'open'),
                (SELECT count(*) FROM deficiencies WHERE encounter_id = ?1 AND status NOT IN ('completed','waived','void'))",
        [encounter_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let coding = if h.coding_status == "on_hold_query" && open_q == 0 {
        "in_progress"
    } else {
        h.coding_status.as_str()
    };
    let him = match h.him_status.as_str() {
        "incomplete" if open_d == 0 => "doc_complete",
        other => other,
    };
    if coding != h.coding_status || him != h.him_status {
        tx.execute(
            "UPDATE encounters SET coding_status = ?1, him_status = ?2 WHERE id = ?3",
            params![coding, him, encounter_id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "encounter", encounter_id)
                .patient(&h.mrn)
                .encounter(encounter_id)
                .detail(
                    json!({"coding_status": {"from": h.coding_status, "to": coding},
                               "him_status": {"from": h.him_status, "to": him}}),
                ),
        );
    }
    Ok(())
}

fn close_deficiency(
    tx: &Tx<'_>,
    id: Option<i64>,
    to: &str,
    now: &str,
    by: &str,
) -> Result<(), CoreError> {
    if let Some(d) = id {
        tx.execute(
            "UPDATE deficiencies SET status = ?1, closed_at = ?2, closed_by = ?3
             WHERE id = ?4 AND status NOT IN ('completed','waived','void')",
            params![to, now, by, d],
        )?;
    }
    Ok(())
}

/// Record the provider's answer (a coder, technician or supervisor enters it): the query is
/// ANSWERED, its QUERY deficiency completed, and the hold released when no other query is open.
pub fn answer(
    store: &mut Store,
    actor: &Actor,
    query_id: i64,
    text: &str,
) -> Result<(), CoreError> {
    let perm = match actor.role {
        ActorRole::User(r) if !r.can(Perm::Code) => Perm::AnalyzeDeficiencies,
        _ => Perm::Code,
    };
    authorize(store, actor, perm, "coding_query", &query_id.to_string())?;
    let text = text.trim();
    if text.is_empty() {
        return Err(CoreError::invalid(
            "answer",
            "record the provider's answer (COD-21 stores it)",
        ));
    }
    let now = local_ts(local_now(store));
    store.transact(actor, |tx, audit| {
        let q = get(tx, query_id)?;
        let from = QueryStatus::parse(&q.status).unwrap_or(QueryStatus::Closed);
        check_query_transition(from, QueryStatus::Answered).map_err(|m| CoreError::invalid(format!("query {query_id}"), m))?;
        // A multiple-choice (template) query is answered with one of its options; "Other"
        // carries the provider's own words after it (ACDIS/AHIMA).
        let options: Option<String> =
            tx.query_row("SELECT options FROM coding_queries WHERE id = ?1", [query_id], |r| r.get(0))?;
        if let Some(list) = options.and_then(|o| serde_json::from_str::<Vec<String>>(&o).ok()) {
            super::query_desk::check_answer(&list, text)
                .map_err(|m| CoreError::invalid(format!("query {query_id} answer"), m))?;
        }
        tx.execute(
            "UPDATE coding_queries SET status = 'answered', answer = ?1, answered_by = ?2, answered_at = ?3 WHERE id = ?4",
            params![text, actor.username, now, query_id],
        )?;
        close_deficiency(tx, q.deficiency_id, "completed", &now, &actor.username)?;
        let mrn = header(tx, q.encounter_id)?.mrn;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "coding_query", query_id)
                .patient(&mrn)
                .encounter(q.encounter_id)
                .detail(json!({"from": q.status, "to": "answered", "answer": text, "deficiency_id": q.deficiency_id})),
        );
        release_hold(tx, audit, q.encounter_id)
    })
}

/// The coder closes an answered query after reading the answer.
pub fn close(store: &mut Store, actor: &Actor, query_id: i64) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "coding_query",
        &query_id.to_string(),
    )?;
    let now = local_ts(local_now(store));
    store.transact(actor, |tx, audit| {
        let q = get(tx, query_id)?;
        let from = QueryStatus::parse(&q.status).unwrap_or(QueryStatus::Closed);
        check_query_transition(from, QueryStatus::Closed)
            .map_err(|m| CoreError::invalid(format!("query {query_id}"), m))?;
        tx.execute(
            "UPDATE coding_queries SET status = 'closed', closed_at = ?1 WHERE id = ?2",
            params![now, query_id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "coding_query", query_id)
                .encounter(q.encounter_id)
                .detail(json!({"from": q.status, "to": "closed"})),
        );
        Ok(())
    })
}

/// Expire every open query past `due_at` (COD-21 `query_expire_days`): the query is EXPIRED,
/// its QUERY deficiency voided by the system, and the hold released. Returns how many expired.
/// One transaction; when none expired nothing is written.
pub fn expire_due(store: &mut Store, actor: &Actor) -> Result<usize, CoreError> {
    let now = local_ts(local_now(store));
    let due: Vec<QueryRow> = {
        let mut st = store.conn().prepare_cached(&format!(
            "SELECT {COLS} FROM coding_queries WHERE status = 'open' AND due_at < ?1 ORDER BY due_at, id"
        ))?;
        st.query_map([&now], from_row)?.collect::<Result<_, _>>()?
    };
    if due.is_empty() {
        return Ok(0);
    }
    store.transact(actor, |tx, audit| {
        for q in &due {
            tx.execute("UPDATE coding_queries SET status = 'expired', closed_at = ?1 WHERE id = ?2 AND status = 'open'", params![now, q.id])?;
            close_deficiency(tx, q.deficiency_id, "void", &now, "system")?;
            audit.record(
                Event::new(Action::Update, Subtype::Update, "coding_query", q.id)
                    .encounter(q.encounter_id)
                    .reason(format!("COD-21: unanswered after query_expire_days (due {})", q.due_at))
                    .detail(json!({"from": "open", "to": "expired", "deficiency_id": q.deficiency_id})),
            );
            release_hold(tx, audit, q.encounter_id)?;
        }
        Ok(due.len())
    })
}

/// Called inside a deficiency transition: when a technician closes a QUERY deficiency
/// (signed/completed, or voided/waived) the query follows — answered (the answer is in the
/// chart) or expired — and the coding hold is released.
pub fn on_deficiency_closed(
    tx: &Tx<'_>,
    audit: &mut AuditBuffer,
    deficiency_id: i64,
    new_status: &str,
    now: &str,
    by: &str,
) -> Result<(), CoreError> {
    let q: Option<QueryRow> = tx
        .query_row(
            &format!(
                "SELECT {COLS} FROM coding_queries WHERE deficiency_id = ?1 AND status = 'open'"
            ),
            [deficiency_id],
            from_row,
        )
        .optional()?;
    let Some(q) = q else { return Ok(()) };
    let to = if matches!(new_status, "void" | "waived") {
        "expired"
    } else {
        "answered"
    };
    tx.execute(
        "UPDATE coding_queries SET status = ?1, answer = COALESCE(answer, ?2), answered_by = ?3, answered_at = ?4,
           closed_at = CASE WHEN ?1 = 'expired' THEN ?4 ELSE closed_at END WHERE id = ?5",
        params![to, if to == "answered" { Some("(answered in the chart; see the provider's documentation)") } else { None }, by, now, q.id],
    )?;
    audit.record(
        Event::new(Action::Update, Subtype::Update, "coding_query", q.id)
            .encounter(q.encounter_id)
            .detail(json!({"from": "open", "to": to, "deficiency_id": deficiency_id, "deficiency_status": new_status})),
    );
    release_hold(tx, audit, q.encounter_id)
}
