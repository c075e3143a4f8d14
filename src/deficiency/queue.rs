//! The technician's queue, the provider view, and work claims. Pages are keyset-paged (no
//! OFFSET): the next page starts after the last row's sort key and id. Reading a page shows
//! patient names, so it is audited as a query.

use rusqlite::{OptionalExtension, ToSql, params};
use serde::Serialize;
use serde_json::json;

use super::ops::{DEF_COLS, DeficiencyRow, def_from_row};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings;
use crate::store::Store;

/// Which charts: discharged and not yet analysed, or analysed with open deficiencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QueueTab {
    AwaitingAnalysis,
    Incomplete,
}

impl QueueTab {
    fn him(self) -> &'static str {
        match self {
            QueueTab::AwaitingAnalysis => "awaiting_analysis",
            QueueTab::Incomplete => "incomplete",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QueueSort {
    /// Oldest discharge first (the default: the oldest chart is closest to delinquency).
    Oldest,
    Newest,
    Service,
    Attending,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub service: Option<String>,
    /// Only charts with an open deficiency of this kind.
    pub kind: Option<String>,
    /// Only charts with an open deficiency assigned to this provider.
    pub provider_id: Option<i64>,
}

/// Where the next page starts: the last row's sort key and encounter id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageKey {
    /// The service (sort by service) of the last row.
    pub service: String,
    /// The attending id (sort by attending) of the last row; `None` sorts first.
    pub attending_id: Option<i64>,
    pub discharge_at: String,
    pub id: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueueRow {
    pub encounter_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub patient: String,
    pub kind: String,
    pub service: String,
    pub discharge_at: String,
    pub attending_id: Option<i64>,
    pub attending: Option<String>,
    pub open_deficiencies: i64,
    pub claimed_by: Option<String>,
    /// The sort key of this row (for the next page).
    pub key: PageKey,
}

/// The columns of a queue row; `?2` is now (UTC) for the live claim.
const QUEUE_SELECT: &str = "SELECT e.id, e.visit_number, p.mrn, p.family_name || ', ' || p.given_name, e.kind, e.service, e.discharge_at,
                e.attending_id,
                (SELECT pr.family_name || ', ' || pr.given_name FROM providers pr WHERE pr.id = e.attending_id),
                (SELECT count(*) FROM deficiencies d WHERE d.encounter_id = e.id AND d.status NOT IN ('completed','waived','void')),
                (SELECT u.username FROM work_claims w JOIN users u ON u.id = w.user_id
                  WHERE w.entity_type = 'encounter' AND w.entity_id = e.id AND w.expires_at > ?2)
         FROM encounters e JOIN patients p ON p.id = e.patient_id";

fn queue_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
    let discharge_at: String = r.get::<_, Option<String>>(6)?.unwrap_or_default();
    let id: i64 = r.get(0)?;
    let service: String = r.get(5)?;
    let attending_id: Option<i64> = r.get(7)?;
    Ok(QueueRow {
        encounter_id: id,
        visit_number: r.get(1)?,
        mrn: r.get(2)?,
        patient: r.get(3)?,
        kind: r.get(4)?,
        key: PageKey {
            service: service.clone(),
            attending_id,
            discharge_at: discharge_at.clone(),
            id,
        },
        service,
        attending_id,
        attending: r.get(8)?,
        open_deficiencies: r.get(9)?,
        claimed_by: r.get(10)?,
        discharge_at,
    })
}

/// The charts of this tab a supervisor assigned to `user_id` (issue #15), oldest assignment
/// first, at most `limit`: listed first on the user's queue. Bare read: the caller audits.
pub fn assigned_rows(
    conn: &crate::store::Reader,
    now: &str,
    tab: QueueTab,
    user_id: i64,
    limit: usize,
) -> Result<Vec<QueueRow>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{QUEUE_SELECT} JOIN work_assignments a ON a.kind = 'chart' AND a.target_id = e.id
         WHERE e.him_status = ?1 AND a.user_id = ?3 ORDER BY a.assigned_at, e.id LIMIT ?4"
    ))?;
    let rows = stmt
        .query_map(params![tab.him(), now, user_id, limit as i64], queue_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One page of the queue (bare reads: the caller audits).
pub fn page_rows(
    conn: &crate::store::Reader,
    now: &str,
    tab: QueueTab,
    sort: QueueSort,
    filter: &QueueFilter,
    after: Option<&PageKey>,
    limit: usize,
) -> Result<Vec<QueueRow>, CoreError> {
    let mut sql = format!("{QUEUE_SELECT} WHERE e.him_status = ?1");
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(tab.him()), Box::new(now.to_string())];
    let mut arg = |v: Box<dyn ToSql>| {
        args.push(v);
        format!("?{}", args.len())
    };
    // Issue #13: history (discharged before the cut-over) and implausible encounters (an
    // open data-quality row) are kept but never listed for analysis.
    let floor = super::cutover::day_floor(conn)?;
    if !floor.is_empty() {
        sql += &format!(" AND e.discharge_at >= {}", arg(Box::new(floor)));
    }
    sql += " AND NOT EXISTS (SELECT 1 FROM data_quality q WHERE q.encounter_id = e.id AND q.resolved_at IS NULL)";
    if let Some(s) = &filter.service {
        sql += &format!(" AND e.service = {}", arg(Box::new(s.clone())));
    }
    if let Some(k) = &filter.kind {
        sql += &format!(
            " AND EXISTS (SELECT 1 FROM deficiencies d WHERE d.encounter_id = e.id AND d.kind = {} AND d.status NOT IN ('completed','waived','void'))",
            arg(Box::new(k.clone()))
        );
    }
    if let Some(p) = filter.provider_id {
        sql += &format!(
            " AND EXISTS (SELECT 1 FROM deficiencies d WHERE d.encounter_id = e.id AND d.provider_id = {} AND d.status NOT IN ('completed','waived','void'))",
            arg(Box::new(p))
        );
    }
    // Keyset conditions written so that each sort walks its own index
    // (him_status, [service | attending_id,] discharge_at, rowid) without sorting.
    if let Some(a) = after {
        let d = arg(Box::new(a.discharge_at.clone()));
        let i = arg(Box::new(a.id));
        sql += &match sort {
            QueueSort::Oldest => format!(" AND (e.discharge_at, e.id) > ({d}, {i})"),
            QueueSort::Newest => format!(" AND (e.discharge_at, e.id) < ({d}, {i})"),
            QueueSort::Service => {
                let s = arg(Box::new(a.service.clone()));
                format!(" AND (e.service, e.discharge_at, e.id) > ({s}, {d}, {i})")
            }
            QueueSort::Attending => match a.attending_id {
                Some(at) => {
                    let at = arg(Box::new(at));
                    format!(" AND (e.attending_id, e.discharge_at, e.id) > ({at}, {d}, {i})")
                }
                None => format!(
                    " AND (e.attending_id IS NOT NULL OR (e.attending_id IS NULL AND (e.discharge_at, e.id) > ({d}, {i})))"
                ),
            },
        };
    }
    sql += match sort {
        QueueSort::Oldest => " ORDER BY e.discharge_at, e.id",
        QueueSort::Newest => " ORDER BY e.discharge_at DESC, e.id DESC",
        QueueSort::Service => " ORDER BY e.service, e.discharge_at, e.id",
        QueueSort::Attending => " ORDER BY e.attending_id, e.discharge_at, e.id",
    };
    sql += &format!(" LIMIT {limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let refs: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
    let rows = stmt
        .query_map(refs.as_slice(), queue_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A queue page for a user, audited as a query.
pub fn queue_page(
    store: &mut Store,
    actor: &Actor,
    tab: QueueTab,
    sort: QueueSort,
    filter: &QueueFilter,
    after: Option<&PageKey>,
    limit: usize,
) -> Result<Vec<QueueRow>, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "queue",
        "deficiency",
    )?;
    // Claims are compared in UTC (clock service).
    let now = crate::clock::utc_ts(store.now());
    store.transact_read(actor, |tx, audit| {
        let mut rows = page_rows(tx, &now, tab, sort, filter, after, limit)?;
        // Work assigned to this user comes first on the first unfiltered page (issue #15);
        // at most half a page, so the next page still starts from a row of the sorted list.
        if let (None, Some(uid), true) = (after, actor.user_id, *filter == QueueFilter::default()) {
            let mine = assigned_rows(tx, &now, tab, uid, limit / 2)?;
            if !mine.is_empty() {
                rows.retain(|r| !mine.iter().any(|m| m.encounter_id == r.encounter_id));
                rows.splice(0..0, mine);
            }
        }
        audit.record(Event::new(Action::Read, Subtype::Query, "queue", "deficiency").detail(json!({
            "tab": format!("{tab:?}"), "sort": format!("{sort:?}"), "service": filter.service, "kind": filter.kind,
            "provider_id": filter.provider_id, "results": rows.len(),
            "mrns": crate::audit::mrn_list(rows.iter().map(|r| r.mrn.as_str()))
        })));
        Ok(rows)
    })
}

/// The deficiencies of one encounter (for the chart beside the list). Bare read.
pub fn encounter_deficiencies(
    conn: &crate::store::Reader,
    encounter_id: i64,
) -> Result<Vec<DeficiencyRow>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DEF_COLS} FROM deficiencies d WHERE d.encounter_id = ?1
         ORDER BY d.status IN ('completed','waived','void'), d.assigned_at, d.id"
    ))?;
    Ok(stmt
        .query_map([encounter_id], def_from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// One item owed by a provider: the deficiency, the patient MRN and name, the visit number
/// and the discharge time.
pub type ProviderItem = (DeficiencyRow, String, String, String, String);

/// Open deficiencies owed by one provider, oldest first, keyset-paged on (assigned_at, id).
pub fn provider_rows(
    conn: &crate::store::Reader,
    provider_id: i64,
    after: Option<(&str, i64)>,
    limit: usize,
) -> Result<Vec<ProviderItem>, CoreError> {
    let (a, i) = after.unwrap_or(("", 0));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DEF_COLS}, p.mrn, p.family_name || ', ' || p.given_name, e.visit_number, COALESCE(e.discharge_at, '')
         FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id JOIN patients p ON p.id = e.patient_id
         WHERE d.provider_id = ?1 AND d.status NOT IN ('completed','waived','void') AND (d.assigned_at, d.id) > (?2, ?3)
         ORDER BY d.assigned_at, d.id LIMIT ?4"
    ))?;
    let rows = stmt
        .query_map(params![provider_id, a, i, limit as i64], |r| {
            Ok((
                def_from_row(r)?,
                r.get(12)?,
                r.get(13)?,
                r.get(14)?,
                r.get(15)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Claim an encounter for `minutes` (setting `claim_minutes`), so two technicians never work
/// the same chart at once. Renews the caller's own claim; refuses another user's live claim.
pub fn claim(store: &mut Store, actor: &Actor, encounter_id: i64) -> Result<(), CoreError> {
    let user_id = actor
        .user_id
        .ok_or_else(|| CoreError::invalid("claim", "only a signed-in user can claim a chart"))?;
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "encounter",
        &encounter_id.to_string(),
    )?;
    let minutes = settings::get_i64(store.conn(), crate::settings::Key::ClaimMinutes)?;
    // The claim's start and expiry are UTC instants (clock service).
    let now = store.now();
    let (now_s, until) = (
        crate::clock::utc_ts(now),
        crate::clock::utc_ts(now + chrono::Duration::minutes(minutes)),
    );
    store.transact(actor, |tx, audit| {
        let holder: Option<(i64, String)> = tx
            .query_row(
                "SELECT w.user_id, u.username FROM work_claims w JOIN users u ON u.id = w.user_id
                 WHERE w.entity_type = 'encounter' AND w.entity_id = ?1 AND w.expires_at > ?2",
                params![encounter_id, now_s],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((_, name)) = holder.filter(|(u, _)| *u != user_id) {
            return Err(CoreError::invalid("claim", format!("{name} is working this chart; try again later")));
        }
        tx.execute(
            "INSERT INTO work_claims(entity_type, entity_id, user_id, claimed_at, expires_at) VALUES ('encounter', ?1, ?2, ?3, ?4)
             ON CONFLICT(entity_type, entity_id) DO UPDATE SET user_id = excluded.user_id, claimed_at = excluded.claimed_at,
             expires_at = excluded.expires_at",
            params![encounter_id, user_id, now_s, until],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "work_claim", encounter_id)
                .encounter(encounter_id)
                .detail(json!({"claimed_until": until})),
        );
        Ok(())
    })
}

/// Release the caller's claim (on leaving the chart).
pub fn release(store: &mut Store, actor: &Actor, encounter_id: i64) -> Result<(), CoreError> {
    let Some(user_id) = actor.user_id else {
        return Ok(());
    };
    store.transact(actor, |tx, audit| {
        let n = tx.execute(
            "DELETE FROM work_claims WHERE entity_type = 'encounter' AND entity_id = ?1 AND user_id = ?2",
            params![encounter_id, user_id],
        )?;
        audit.record(
            Event::new(Action::Delete, Subtype::Update, "work_claim", encounter_id)
                .encounter(encounter_id)
                .detail(json!({"released": n})),
        );
        Ok(())
    })
}

/// One provider's open deficiencies for the provider view, oldest first, keyset-paged on
/// (assigned_at, id); ask for `limit + 1` to learn whether a next page exists. The rows show
/// patient names, so the read is authorized (`AnalyzeDeficiencies`) and audited as a
/// `provider_view` query in the same read transaction.
pub fn provider_page(
    store: &mut Store,
    actor: &Actor,
    provider_id: i64,
    after: Option<(&str, i64)>,
    limit: usize,
) -> Result<Vec<ProviderItem>, CoreError> {
    authorize(
        store,
        actor,
        Perm::AnalyzeDeficiencies,
        "provider_view",
        &provider_id.to_string(),
    )?;
    store.transact_read(actor, |tx, audit| {
        let rows = provider_rows(tx, provider_id, after, limit)?;
        let n = rows.len();
        audit.record(
            Event::new(Action::Read, Subtype::Query, "provider_view", provider_id)
                .detail(json!({"results": n,
                    "mrns": crate::audit::mrn_list(rows.iter().map(|r| r.1.as_str()))})),
        );
        Ok(rows)
    })
}
