//! The coding queue and the held-for-documentation list (COD-20). Both list discharged
//! encounters not yet coded (`ready` or `in_progress`), oldest discharge first, keyset-paged
//! on (discharge_at, id) — no OFFSET. An encounter with an open deficiency that the hold
//! policy names is in the held list with its reasons, never in the queue. Reading a page
//! shows patient names, so it is audited as a query.

use crate::store::Reader;
use rusqlite::ToSql;
use serde::Serialize;
use serde_json::json;

use super::hold::{HoldPolicy, OpenDeficiency, policy_in_force};
use super::work::{CLAIM_ENTITY, hold_of};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CodingList {
    /// Ready to code: no blocking deficiency.
    Queue,
    /// Held for documentation: at least one blocking deficiency (COD-20).
    Held,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodingFilter {
    /// `inpatient`, `outpatient`, `emergency`, `observation`.
    pub kind: Option<String>,
    pub service: Option<String>,
}

/// Where the next page starts: the last row's discharge time and encounter id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodingKey {
    pub discharge_at: String,
    pub id: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodingRow {
    pub encounter_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub patient: String,
    pub kind: String,
    pub service: String,
    pub discharge_at: String,
    pub coding_status: String,
    pub claimed_by: Option<String>,
    /// Held list only: the blocking open deficiencies.
    pub hold: Vec<OpenDeficiency>,
    pub key: CodingKey,
}

/// How many encounters the whole list holds (not the page): what "N encounter(s)" says.
/// Unfiltered, from maintained counters (coding-eligible encounters from `encounter_daily`,
/// held ones per policy from `dash_coding_held`, migration 0022); filtered by kind or
/// service, counted. Equal to [`list_total_scan`] (tests/dashboard_figures.rs).
pub fn list_total(
    conn: &Reader,
    policy: HoldPolicy,
    list: CodingList,
    filter: &CodingFilter,
) -> Result<i64, CoreError> {
    if filter.kind.is_some() || filter.service.is_some() {
        return list_total_scan(conn, policy, list, filter);
    }
    let eligible: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(sum(n), 0) FROM encounter_daily
              WHERE coding_status IN ('ready','in_progress') AND day <> ''",
        )?
        .query_row([], |r| r.get(0))?;
    let held: i64 = match policy {
        HoldPolicy::None => 0,
        _ => conn
            .prepare_cached("SELECT COALESCE(sum(n), 0) FROM dash_coding_held WHERE policy = ?1")?
            .query_row([policy.as_str()], |r| r.get(0))?,
    };
    Ok(match list {
        CodingList::Queue => eligible - held,
        CodingList::Held => held,
    })
}

/// [`list_total`] counted over the encounters (the filtered count and the cross-check).
pub fn list_total_scan(
    conn: &Reader,
    policy: HoldPolicy,
    list: CodingList,
    filter: &CodingFilter,
) -> Result<i64, CoreError> {
    let held = format!(
        "EXISTS (SELECT 1 FROM deficiencies d WHERE d.encounter_id = e.id AND d.status NOT IN ('completed','waived','void') AND {})",
        policy.sql_condition()
    );
    let sql = format!(
        "SELECT count(*) FROM encounters e
         WHERE e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL AND {}{held}
           AND (?1 IS NULL OR e.kind = ?1) AND (?2 IS NULL OR e.service = ?2)",
        if list == CodingList::Queue { "NOT " } else { "" }
    );
    Ok(
        conn.query_row(&sql, rusqlite::params![filter.kind, filter.service], |r| {
            r.get(0)
        })?,
    )
}

/// One page (bare read: the caller audits).
pub fn page_rows(
    conn: &Reader,
    now: &str,
    policy: HoldPolicy,
    list: CodingList,
    filter: &CodingFilter,
    after: Option<&CodingKey>,
    limit: usize,
) -> Result<Vec<CodingRow>, CoreError> {
    page_rows_for(conn, now, policy, list, filter, after, limit, None)
}

/// [`page_rows`], only the encounters a supervisor assigned to `assigned_to` to code when
/// it is given (issue #15).
#[allow(clippy::too_many_arguments)]
fn page_rows_for(
    conn: &Reader,
    now: &str,
    policy: HoldPolicy,
    list: CodingList,
    filter: &CodingFilter,
    after: Option<&CodingKey>,
    limit: usize,
    assigned_to: Option<i64>,
) -> Result<Vec<CodingRow>, CoreError> {
    let held = format!(
        "EXISTS (SELECT 1 FROM deficiencies d WHERE d.encounter_id = e.id AND d.status NOT IN ('completed','waived','void') AND {})",
        policy.sql_condition()
    );
    let mut sql = format!(
        "SELECT e.id, e.visit_number, p.mrn, p.family_name || ', ' || p.given_name, e.kind, e.service, e.discharge_at,
                e.coding_status,
                (SELECT u.username FROM work_claims w JOIN users u ON u.id = w.user_id
                  WHERE w.entity_type = '{CLAIM_ENTITY}' AND w.entity_id = e.id AND w.expires_at > ?1)
         FROM encounters e JOIN patients p ON p.id = e.patient_id
         WHERE e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL AND {}{held}",
        if list == CodingList::Queue { "NOT " } else { "" }
    );
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(now.to_string())];
    let mut arg = |v: Box<dyn ToSql>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(k) = &filter.kind {
        // `+`: a filter on the rows, never an index choice (the page walks discharge order).
        sql += &format!(" AND +e.kind = {}", arg(Box::new(k.clone())));
    }
    if let Some(s) = &filter.service {
        sql += &format!(" AND +e.service = {}", arg(Box::new(s.clone())));
    }
    if let Some(a) = after {
        let d = arg(Box::new(a.discharge_at.clone()));
        let i = arg(Box::new(a.id));
        sql += &format!(" AND (e.discharge_at, e.id) > ({d}, {i})");
    }
    if let Some(u) = assigned_to {
        let u = arg(Box::new(u));
        sql += &format!(
            " AND e.id IN (SELECT target_id FROM work_assignments WHERE kind = 'coding' AND user_id = {u})"
        );
    }
    sql += &format!(" ORDER BY e.discharge_at, e.id LIMIT {limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let refs: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
    let mut rows = stmt
        .query_map(refs.as_slice(), |r| {
            let id: i64 = r.get(0)?;
            let discharge_at: String = r.get(6)?;
            Ok(CodingRow {
                encounter_id: id,
                visit_number: r.get(1)?,
                mrn: r.get(2)?,
                patient: r.get(3)?,
                kind: r.get(4)?,
                service: r.get(5)?,
                key: CodingKey {
                    discharge_at: discharge_at.clone(),
                    id,
                },
                discharge_at,
                coding_status: r.get(7)?,
                claimed_by: r.get(8)?,
                hold: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if list == CodingList::Held {
        for row in &mut rows {
            row.hold = hold_of(conn, policy, row.encounter_id)?;
        }
    }
    Ok(rows)
}

/// A page of the coding queue or held list for a coder or supervisor, audited as a query.
pub fn coding_page(
    store: &mut Store,
    actor: &Actor,
    list: CodingList,
    filter: &CodingFilter,
    after: Option<&CodingKey>,
    limit: usize,
) -> Result<Vec<CodingRow>, CoreError> {
    authorize(store, actor, Perm::Code, "queue", "coding")?;
    let policy = policy_in_force(store.conn())?;
    // Claims are compared in UTC (clock service).
    let now = crate::clock::utc_ts(store.now());
    store.transact_read(actor, |tx, audit| {
        let mut rows = page_rows(tx, &now, policy, list, filter, after, limit)?;
        // Encounters assigned to this coder come first on the first unfiltered page of the
        // queue (issue #15); at most half a page, so the next page starts from a sorted row.
        if let (None, Some(uid), CodingList::Queue, true) = (
            after,
            actor.user_id,
            list,
            *filter == CodingFilter::default(),
        ) {
            let mine = page_rows_for(tx, &now, policy, list, filter, None, limit / 2, Some(uid))?;
            if !mine.is_empty() {
                rows.retain(|r| !mine.iter().any(|m| m.encounter_id == r.encounter_id));
                rows.splice(0..0, mine);
            }
        }
        audit.record(
            Event::new(Action::Read, Subtype::Query, "queue", "coding").detail(json!({
                "list": format!("{list:?}"), "kind": filter.kind, "service": filter.service,
                "hold_policy": policy.as_str(), "results": rows.len(),
                "mrns": crate::audit::mrn_list(rows.iter().map(|r| r.mrn.as_str()))
            })),
        );
        Ok(rows)
    })
}
