//! The query desk around COD-21 (issue #13): who a query may go to (any provider on the
//! encounter), query templates as facility data that follow the ACDIS/AHIMA compliant-query
//! practice brief, and the age and escalation of unanswered queries.
//!
//! Invariants:
//! - A template is non-leading: an open question, at least two clinical options, and always
//!   "Other" and "Clinically undetermined"; no yes/no-only choice, no mention of payment, DRG
//!   or reimbursement, no "please document"/"confirm" directives. Checked when templates load.
//! - Escalation never changes the query's COD-21 status: it raises `escalation_level` one step
//!   per `query_escalate_days` unanswered, audited; expiry stays `query_expire_days`.

use chrono::NaiveDateTime;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::query::{QueryRow, send_with};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::deficiency::ops::{local_now, local_ts};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings;
use crate::store::Store;

/// A provider on an encounter and why they are on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EncounterProvider {
    pub id: i64,
    pub name: String,
    pub npi: Option<String>,
    /// attending, author, cosigner, performer, consultant or orderer (comma-joined).
    pub roles: String,
}

/// Every provider on the encounter: the attending, document authors and cosigners, procedure
/// performers, and order requesters and consultants. Attending first, then by name.
pub fn encounter_providers(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<Vec<EncounterProvider>, CoreError> {
    let mut st = conn.prepare_cached(
        "WITH on_enc(pid, role) AS (
            SELECT attending_id, 'attending' FROM encounters WHERE id = ?1
            UNION SELECT author_id, 'author' FROM documents WHERE encounter_id = ?1
            UNION SELECT cosigner_id, 'cosigner' FROM documents WHERE encounter_id = ?1
            UNION SELECT performer_id, 'performer' FROM clinical_facts WHERE encounter_id = ?1
            UNION SELECT performer_id, 'consultant' FROM orders WHERE encounter_id = ?1
            UNION SELECT orderer_id, 'orderer' FROM orders WHERE encounter_id = ?1)
         SELECT p.id, trim(p.family_name || ', ' || p.given_name || ' ' || p.credentials), p.npi,
                group_concat(o.role, ','), max(o.role = 'attending')
         FROM on_enc o JOIN providers p ON p.id = o.pid
         GROUP BY p.id ORDER BY 5 DESC, p.family_name, p.given_name, p.id",
    )?;
    let rows = st
        .query_map([encounter_id], |r| {
            Ok(EncounterProvider {
                id: r.get(0)?,
                name: r.get(1)?,
                npi: r.get(2)?,
                roles: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One query template (facility data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryTemplate {
    pub code: String,
    pub title: String,
    pub question: String,
    pub options: Vec<String>,
}

const OTHER: &str = "other";
const UNDETERMINED: &str = "clinically undetermined";
const LEADING: &[&str] = &[
    "please document",
    "confirm",
    "do you agree",
    "reimbursement",
    "payment",
    "drg",
    "financial",
    "case mix",
    "audit",
];

/// Check one template against the compliant-query rules (module doc). Names the template and
/// what is wrong.
pub fn check_template(t: &QueryTemplate) -> Result<(), CoreError> {
    let field = format!("template {}", t.code);
    if t.code.trim().is_empty() || t.title.trim().is_empty() || t.question.trim().is_empty() {
        return Err(CoreError::invalid(
            field,
            "code, title and question are required",
        ));
    }
    let lower: Vec<String> = t
        .options
        .iter()
        .map(|o| o.trim().to_ascii_lowercase())
        .collect();
    if !lower.iter().any(|o| o.starts_with(OTHER)) {
        return Err(CoreError::invalid(
            field,
            "options must include \"Other\" (ACDIS/AHIMA)",
        ));
    }
    if !lower.iter().any(|o| o == UNDETERMINED) {
        return Err(CoreError::invalid(
            field,
            "options must include \"Clinically undetermined\" (ACDIS/AHIMA)",
        ));
    }
    let clinical = lower
        .iter()
        .filter(|o| !o.starts_with(OTHER) && *o != UNDETERMINED)
        .count();
    if clinical < 2 {
        return Err(CoreError::invalid(
            field,
            "a multiple-choice query offers at least two clinically reasonable options (non-leading)",
        ));
    }
    if lower.iter().any(|o| o == "yes") && lower.iter().any(|o| o == "no") && clinical <= 2 {
        return Err(CoreError::invalid(
            field,
            "yes/no is not a multiple-choice query for a new diagnosis (ACDIS/AHIMA)",
        ));
    }
    let text = format!("{} {}", t.question, t.options.join(" ")).to_ascii_lowercase();
    if let Some(w) = LEADING.iter().find(|w| {
        text.split(|c: char| !c.is_ascii_alphanumeric() && c != ' ')
            .any(|part| part.contains(*w) && (w.contains(' ') || part.split(' ').any(|x| x == **w)))
    }) {
        return Err(CoreError::invalid(
            field,
            format!("leading or financial wording {w:?} is not allowed in a compliant query"),
        ));
    }
    Ok(())
}

/// Check an answer to a multiple-choice query: one of the options (case-insensitive, an
/// option's number `2`, or its text), or "Other: <the provider's words>".
pub fn check_answer(options: &[String], answer: &str) -> Result<(), String> {
    let a = answer.trim();
    let is_other = |o: &str| o.to_ascii_lowercase().starts_with(OTHER);
    let by_number = a
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| options.get(i));
    if by_number.is_some_and(|o| !is_other(o)) {
        return Ok(());
    }
    if options
        .iter()
        .any(|o| !is_other(o) && o.eq_ignore_ascii_case(a))
    {
        return Ok(());
    }
    let lower = a.to_ascii_lowercase();
    let words = lower
        .strip_prefix(OTHER)
        .map(|r| r.trim_start_matches([' ', ':', '-', '(']).trim());
    if options.iter().any(|o| is_other(o)) && words.is_some_and(|w| w.len() >= 3) {
        return Ok(());
    }
    Err(format!(
        "answer with one of the options (1..{}) or \"Other: <the provider's words>\"",
        options.len()
    ))
}

/// The active templates, by code (facility data; not audited, no PHI).
pub fn templates(conn: &crate::store::Reader) -> Result<Vec<QueryTemplate>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT code, title, question, options FROM query_templates WHERE active = 1 ORDER BY code",
    )?;
    let rows: Vec<(String, String, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(code, title, question, options)| {
            let options: Vec<String> = serde_json::from_str(&options).map_err(|e| {
                CoreError::invalid(format!("template {code} options"), e.to_string())
            })?;
            Ok(QueryTemplate {
                code,
                title,
                question,
                options,
            })
        })
        .collect()
}

/// Replace the facility's templates with a JSON array of templates (supervisor; audited).
/// Every template is checked first; one bad template loads nothing.
pub fn load_templates(
    store: &mut Store,
    actor: &Actor,
    json_text: &str,
) -> Result<usize, CoreError> {
    authorize(store, actor, Perm::Administer, "query_templates", "*")?;
    let list: Vec<QueryTemplate> = serde_json::from_str(json_text)
        .map_err(|e| CoreError::invalid("query templates", format!("line {}: {e}", e.line())))?;
    for t in &list {
        check_template(t)?;
    }
    store.transact(actor, |tx, audit| {
        tx.execute("UPDATE query_templates SET active = 0", [])?;
        for t in &list {
            tx.execute(
                "INSERT INTO query_templates(code, title, question, options, active) VALUES (?1, ?2, ?3, ?4, 1)
                 ON CONFLICT(code) DO UPDATE SET title = excluded.title, question = excluded.question,
                    options = excluded.options, active = 1",
                params![t.code, t.title, t.question, serde_json::to_string(&t.options).unwrap_or_default()],
            )?;
        }
        audit.record(
            Event::new(Action::Update, Subtype::SettingsChange, "query_templates", "*")
                .detail(json!({"codes": list.iter().map(|t| t.code.as_str()).collect::<Vec<_>>()})),
        );
        Ok(list.len())
    })
}

/// Send a query built from a template to any provider on the encounter: the template's
/// question, the coder's clinical indicators (facts from the record, at least 10 characters),
/// and the numbered options. One audited transaction (through [`super::query::send`]).
pub fn send_from_template(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    template_code: &str,
    provider_id: i64,
    clinical_indicators: &str,
) -> Result<QueryRow, CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    let t = templates(store.conn())?
        .into_iter()
        .find(|t| t.code.eq_ignore_ascii_case(template_code.trim()))
        .ok_or_else(|| CoreError::NotFound {
            what: "query template",
            id: template_code.to_string(),
        })?;
    let indicators = clinical_indicators.trim();
    if indicators.chars().count() < 10 {
        return Err(CoreError::invalid(
            "clinical indicators",
            "a compliant query presents the clinical indicators from the record (at least 10 characters)",
        ));
    }
    let mut question = format!("{}\n\nClinical indicators: {indicators}\n\n", t.question);
    for (i, o) in t.options.iter().enumerate() {
        question += &format!("  {}. {o}\n", i + 1);
    }
    let options = serde_json::to_string(&t.options).unwrap_or_default();
    send_with(
        store,
        actor,
        encounter_id,
        &question,
        Some(provider_id),
        Some((&t.code, &options)),
    )
}

/// An open query's age and escalation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryAge {
    pub id: i64,
    pub encounter_id: i64,
    pub provider_id: Option<i64>,
    pub asked_at: String,
    pub age_days: i64,
    pub escalation_level: i64,
    /// The level the age calls for (`age_days / query_escalate_days`).
    pub due_level: i64,
    pub due_at: String,
}

/// Open queries with their age in days (facility calendar days from `asked_at`, day 0 =
/// the day asked) and escalation, oldest first.
pub fn open_query_ages(
    conn: &crate::store::Reader,
    now: NaiveDateTime,
) -> Result<Vec<QueryAge>, CoreError> {
    let every = settings::get_i64(conn, crate::settings::Key::QueryEscalateDays)?.max(1);
    let mut st = conn.prepare_cached(
        "SELECT id, encounter_id, provider_id, asked_at, escalation_level, due_at FROM coding_queries
         WHERE status = 'open' ORDER BY asked_at, id",
    )?;
    let rows: Vec<(i64, i64, Option<i64>, String, i64, String)> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .map(
            |(id, encounter_id, provider_id, asked_at, escalation_level, due_at)| {
                let age_days =
                    chrono::NaiveDate::parse_from_str(asked_at.get(..10).unwrap_or(""), "%Y-%m-%d")
                        .map(|d| (now.date() - d).num_days())
                        .unwrap_or(0);
                QueryAge {
                    id,
                    encounter_id,
                    provider_id,
                    asked_at,
                    age_days,
                    escalation_level,
                    due_level: age_days / every,
                    due_at,
                }
            },
        )
        .collect())
}

/// Escalate every open query whose age calls for a higher level (COD-21, issue #13): level 1
/// is a reminder to the provider, level 2 and up go to the physician advisor / HIM supervisor
/// list. One audited transaction; returns the queries escalated.
pub fn escalate_due(store: &mut Store, actor: &Actor) -> Result<Vec<QueryAge>, CoreError> {
    authorize(store, actor, Perm::Code, "coding_query", "*")?;
    let now = local_now(store);
    let due: Vec<QueryAge> = open_query_ages(store.conn(), now)?
        .into_iter()
        .filter(|q| q.due_level > q.escalation_level)
        .collect();
    if due.is_empty() {
        return Ok(due);
    }
    let now_s = local_ts(now);
    store.transact(actor, |tx, audit| {
        for q in &due {
            tx.execute(
                "UPDATE coding_queries SET escalation_level = ?1, escalated_at = ?2 WHERE id = ?3 AND status = 'open'",
                params![q.due_level, now_s, q.id],
            )?;
            audit.record(
                Event::new(Action::Update, Subtype::Update, "coding_query", q.id)
                    .encounter(q.encounter_id)
                    .reason(format!("COD-21: unanswered for {} day(s); escalated to level {}", q.age_days, q.due_level))
                    .detail(json!({"escalation_level": {"from": q.escalation_level, "to": q.due_level},
                                   "to": if q.due_level >= 2 { "physician advisor / HIM supervisor" } else { "provider reminder" }})),
            );
        }
        Ok(due.clone())
    })
}

/// One open query as the "on hold for query" list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OnHoldQuery {
    pub query_id: i64,
    pub encounter_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub patient: String,
    pub provider: Option<String>,
    /// The question's first line.
    pub question: String,
    pub asked_at: String,
    pub age_days: i64,
    pub escalation_level: i64,
    pub due_at: String,
}

/// Open queries with their encounter, patient and provider, oldest first: the coders' "on
/// hold for query" list (a bare read; the caller audits what it shows, naming the MRNs).
pub fn on_hold_queries(
    conn: &crate::store::Reader,
    now: NaiveDateTime,
) -> Result<Vec<OnHoldQuery>, CoreError> {
    let ages = open_query_ages(conn, now)?;
    let mut st = conn.prepare_cached(
        "SELECT e.visit_number, p.mrn, p.family_name || ', ' || p.given_name,
                (SELECT trim(pr.family_name || ', ' || pr.given_name || ' ' || pr.credentials) FROM providers pr WHERE pr.id = q.provider_id),
                q.question
         FROM coding_queries q JOIN encounters e ON e.id = q.encounter_id JOIN patients p ON p.id = e.patient_id
         WHERE q.id = ?1",
    )?;
    let mut out = Vec::with_capacity(ages.len());
    for a in ages {
        let (visit_number, mrn, patient, provider, question): (
            String,
            String,
            String,
            Option<String>,
            String,
        ) = st.query_row([a.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        out.push(OnHoldQuery {
            query_id: a.id,
            encounter_id: a.encounter_id,
            visit_number,
            mrn,
            patient,
            provider,
            question: question.lines().next().unwrap_or("").to_string(),
            asked_at: a.asked_at,
            age_days: a.age_days,
            escalation_level: a.escalation_level,
            due_at: a.due_at,
        });
    }
    Ok(out)
}
