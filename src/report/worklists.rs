//! The dashboard's worklists (issue #15): where work is stuck, one list per kind, each the
//! rows behind a dashboard count (the same predicate as the tile, so the list's total equals
//! the figure on the tile):
//! - pending waivers (DEF-03) — `deficiencies.waive_pending`;
//! - requests awaiting QA (ROI-QA) — `release_requests.status = 'qa_review'`;
//! - expired claims — `work_claims.expires_at <= now` (a claim nobody renewed);
//! - unanswered queries past due (COD-21) — open `coding_queries` due today or earlier;
//! - discharged, not final billed (DNFB, COD-22) — the encounters behind the DNFB tile: discharged
//!   on or before today (and on or after the cut-over day), not `final_billed`, oldest first,
//!   with why each is not billed (not ready: open deficiencies; ready; in progress; on hold for
//!   a query; coded, awaiting the bill) and its charges.
//!
//! Bare reads (no permission check, no audit): [`super::run_worklist`] authorizes and audits
//! naming every MRN shown.

use rusqlite::params;
use serde::Serialize;

use crate::error::CoreError;
use crate::store::Reader;

/// Which worklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WorklistKind {
    Waivers,
    AwaitingQa,
    ExpiredClaims,
    QueriesPastDue,
    Dnfb,
}

impl WorklistKind {
    /// The audit entity id of the list's read.
    pub fn name(self) -> &'static str {
        match self {
            WorklistKind::Waivers => "pending_waivers",
            WorklistKind::AwaitingQa => "requests_awaiting_qa",
            WorklistKind::ExpiredClaims => "expired_claims",
            WorklistKind::QueriesPastDue => "queries_past_due",
            WorklistKind::Dnfb => "dnfb",
        }
    }

    /// Column headings of [`WorkRow::cells`].
    pub fn headings(self) -> &'static [&'static str] {
        match self {
            WorklistKind::Waivers => &["ID", "VISIT", "MRN", "KIND", "PROVIDER", "WAIVER", "NOTE"],
            WorklistKind::AwaitingQa => &["REQ", "MRN", "REQUESTER", "RECEIVED", "DUE"],
            WorklistKind::ExpiredClaims => &["VISIT", "MRN", "WORK", "HOLDER", "EXPIRED AT"],
            WorklistKind::QueriesPastDue => &["QUERY", "VISIT", "MRN", "PROVIDER", "DUE", "LEVEL"],
            WorklistKind::Dnfb => &[
                "VISIT",
                "MRN",
                "DISCHARGED",
                "DAYS",
                "WHY NOT BILLED",
                "CHARGES",
            ],
        }
    }
}

/// One row of a worklist: what an action in place needs, and the cells shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkRow {
    /// Deficiency id (waivers), request id (QA), encounter id (claims, DNFB), query id (queries).
    pub id: i64,
    /// The claim's `entity_type` (claims only; empty otherwise).
    pub entity_type: String,
    /// The encounter behind the row (not for requests).
    pub encounter_id: Option<i64>,
    pub mrn: String,
    pub cells: Vec<String>,
}

/// One worklist as read: the first `limit` rows and how many there are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Worklist {
    pub kind: WorklistKind,
    pub rows: Vec<WorkRow>,
    pub total: i64,
}

fn count(conn: &Reader, sql: &str, p: impl rusqlite::Params) -> Result<i64, CoreError> {
    Ok(conn.query_row(sql, p, |r| r.get::<_, i64>(0))?)
}

/// Read one worklist. `today` is the facility day (`YYYY-MM-DD`), `now_utc` the instant
/// claims are compared with (as stored).
pub fn read(
    conn: &Reader,
    kind: WorklistKind,
    today: &str,
    now_utc: &str,
    limit: usize,
) -> Result<Worklist, CoreError> {
    let lim = i64::try_from(limit).unwrap_or(i64::MAX);
    let (rows, total) = match kind {
        WorklistKind::Waivers => {
            let (rows, total) = super::dashboard::pending_waivers(conn, limit)?;
            let rows = rows
                .into_iter()
                .map(|w| WorkRow {
                    id: w.id,
                    entity_type: String::new(),
                    encounter_id: Some(w.encounter_id),
                    mrn: w.mrn.clone(),
                    cells: vec![
                        w.id.to_string(),
                        w.visit_number,
                        w.mrn,
                        w.kind,
                        w.provider,
                        w.waive_reason,
                        w.note,
                    ],
                })
                .collect();
            (rows, total)
        }
        WorklistKind::AwaitingQa => {
            let total = count(
                conn,
                "SELECT count(*) FROM release_requests WHERE status = 'qa_review'",
                [],
            )?;
            let mut st = conn.prepare(
                "SELECT r.id, p.mrn, r.requester_name, substr(r.received_at, 1, 10), substr(r.due_at, 1, 10)
                   FROM release_requests r JOIN patients p ON p.id = r.patient_id
                  WHERE r.status = 'qa_review' ORDER BY r.due_at, r.id LIMIT ?1",
            )?;
            let rows = st
                .query_map([lim], |r| {
                    let id: i64 = r.get(0)?;
                    let mrn: String = r.get(1)?;
                    Ok(WorkRow {
                        id,
                        entity_type: String::new(),
                        encounter_id: None,
                        mrn: mrn.clone(),
                        cells: vec![id.to_string(), mrn, r.get(2)?, r.get(3)?, r.get(4)?],
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            (rows, total)
        }
        WorklistKind::ExpiredClaims => {
            let total = count(
                conn,
                "SELECT count(*) FROM work_claims WHERE expires_at <= ?1",
                [now_utc],
            )?;
            let mut st = conn.prepare(
                "SELECT w.entity_type, w.entity_id, coalesce(e.visit_number, CAST(w.entity_id AS TEXT)),
                        coalesce(p.mrn, ''), coalesce(u.username, '?'), w.expires_at
                   FROM work_claims w LEFT JOIN encounters e ON e.id = w.entity_id
                   LEFT JOIN patients p ON p.id = e.patient_id LEFT JOIN users u ON u.id = w.user_id
                  WHERE w.expires_at <= ?1 ORDER BY w.expires_at, w.entity_type, w.entity_id LIMIT ?2",
            )?;
            let rows = st
                .query_map(params![now_utc, lim], |r| {
                    let entity_type: String = r.get(0)?;
                    let id: i64 = r.get(1)?;
                    let mrn: String = r.get(3)?;
                    let work = match entity_type.as_str() {
                        "coding" => "coding".to_string(),
                        "encounter" => "deficiency".to_string(),
                        other => other.to_string(),
                    };
                    Ok(WorkRow {
                        id,
                        entity_type,
                        encounter_id: Some(id),
                        mrn: mrn.clone(),
                        cells: vec![r.get(2)?, mrn, work, r.get(4)?, r.get(5)?],
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            (rows, total)
        }
        WorklistKind::QueriesPastDue => {
            let day_end = format!("{today}~");
            let total = count(
                conn,
                "SELECT count(*) FROM coding_queries WHERE status = 'open' AND due_at < ?1",
                [&day_end],
            )?;
            let mut st = conn.prepare(
                "SELECT q.id, q.encounter_id, e.visit_number, p.mrn,
                        coalesce((SELECT pr.family_name || ', ' || pr.given_name FROM providers pr WHERE pr.id = q.provider_id), ''),
                        substr(q.due_at, 1, 10), q.escalation_level
                   FROM coding_queries q JOIN encounters e ON e.id = q.encounter_id
                   JOIN patients p ON p.id = e.patient_id
                  WHERE q.status = 'open' AND q.due_at < ?1 ORDER BY q.due_at, q.id LIMIT ?2",
            )?;
            let rows = st
                .query_map(params![day_end, lim], |r| {
                    let id: i64 = r.get(0)?;
                    let mrn: String = r.get(3)?;
                    let level: i64 = r.get(6)?;
                    Ok(WorkRow {
                        id,
                        entity_type: String::new(),
                        encounter_id: Some(r.get(1)?),
                        mrn: mrn.clone(),
                        cells: vec![
                            id.to_string(),
                            r.get(2)?,
                            mrn,
                            r.get(4)?,
                            r.get(5)?,
                            level.to_string(),
                        ],
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            (rows, total)
        }
        WorklistKind::Dnfb => dnfb(conn, today, lim)?,
    };
    Ok(Worklist { kind, rows, total })
}

/// Why a DNFB encounter is not billed, from its coding status (COD-20..COD-22).
pub fn dnfb_reason(coding_status: &str) -> &'static str {
    match coding_status {
        "not_ready" => "not ready: chart",
        "ready" => "ready to code",
        "in_progress" => "being coded",
        "on_hold_query" => "on hold: query",
        "coded" => "coded, no bill",
        _ => "other",
    }
}

/// Dollars from cents, grouped by thousands (`$12,345.67`); "none" when no charges are loaded.
fn dollars(cents: Option<i64>) -> String {
    let Some(c) = cents else {
        return "none".into();
    };
    let neg = c < 0;
    let c = c.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}${grouped}.{:02}", if neg { "-" } else { "" }, c % 100)
}

/// The DNFB encounters (COD-22), oldest discharge first: the same predicate as the tile's
/// count (`coding::report::dnfb` sums `encounter_daily` over the same days and statuses), so
/// the list's total equals the tile's figure.
fn dnfb(conn: &Reader, today: &str, lim: i64) -> Result<(Vec<WorkRow>, i64), CoreError> {
    let floor = crate::deficiency::cutover::day_floor(conn)?;
    let day_end = format!("{today}~");
    const WHERE: &str =
        "e.coding_status IN ('not_ready','ready','in_progress','on_hold_query','coded')
                AND e.discharge_at IS NOT NULL AND e.discharge_at < ?1 AND e.discharge_at >= ?2";
    let total = count(
        conn,
        &format!("SELECT count(*) FROM encounters e WHERE {WHERE}"),
        params![day_end, floor],
    )?;
    let mut st = conn.prepare(&format!(
        "SELECT e.id, e.visit_number, p.mrn, substr(e.discharge_at, 1, 10),
                CAST(julianday(?3) - julianday(substr(e.discharge_at, 1, 10)) AS INTEGER),
                e.coding_status, e.total_charges_cents
           FROM encounters e JOIN patients p ON p.id = e.patient_id
          WHERE {WHERE}
          ORDER BY e.discharge_at, e.id LIMIT ?4"
    ))?;
    let rows = st
        .query_map(params![day_end, floor, today, lim], |r| {
            let id: i64 = r.get(0)?;
            let mrn: String = r.get(2)?;
            let days: i64 = r.get(4)?;
            let status: String = r.get(5)?;
            Ok(WorkRow {
                id,
                entity_type: String::new(),
                encounter_id: Some(id),
                mrn: mrn.clone(),
                cells: vec![
                    r.get(1)?,
                    mrn,
                    r.get(3)?,
                    days.to_string(),
                    dnfb_reason(&status).to_string(),
                    dollars(r.get(6)?),
                ],
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}
