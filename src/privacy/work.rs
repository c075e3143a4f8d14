//! Staff and work (issue #15): a supervisor assigns a chart (deficiency work), an encounter to
//! code or a release request to a user, or takes it back; sees who is signed in, idle or
//! locked, the last action of each and what each holds claimed; and releases a claim.
//!
//! Invariants: all of it is supervisor-only (DOMAIN §1: assign work; release another user's
//! claim), checked here; every change is one audited transaction naming the old and new
//! holder; the staff list is audited as a query. An item has at most one assignee.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings::{self, Key};
use crate::store::{Reader, Store};

/// What can be assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum WorkKind {
    /// A chart's deficiency work, by encounter.
    Chart,
    /// An encounter to code.
    Coding,
    /// A release-of-information request.
    Request,
}

impl WorkKind {
    pub const ALL: &'static [WorkKind] = &[WorkKind::Chart, WorkKind::Coding, WorkKind::Request];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkKind::Chart => "chart",
            WorkKind::Coding => "coding",
            WorkKind::Request => "request",
        }
    }

    pub fn parse(s: &str) -> Option<WorkKind> {
        WorkKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The permission the assignee's role needs to do this work.
    fn perm(self) -> Perm {
        match self {
            WorkKind::Chart => Perm::AnalyzeDeficiencies,
            WorkKind::Coding => Perm::Code,
            WorkKind::Request => Perm::ReleaseRecords,
        }
    }
}

/// The id of the item named by `target`: a visit number (or encounter id) for a chart or an
/// encounter to code, a request id for a request; with its patient's MRN.
fn resolve(conn: &Reader, kind: WorkKind, target: &str) -> Result<(i64, String), CoreError> {
    let t = target.trim();
    let found = match kind {
        WorkKind::Chart | WorkKind::Coding => conn
            .query_row(
                "SELECT e.id, p.mrn FROM encounters e JOIN patients p ON p.id = e.patient_id
                 WHERE e.visit_number = ?1 OR CAST(e.id AS TEXT) = ?1 ORDER BY e.visit_number = ?1 DESC LIMIT 1",
                [t],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
        WorkKind::Request => conn
            .query_row(
                "SELECT r.id, p.mrn FROM release_requests r JOIN patients p ON p.id = r.patient_id
                 WHERE CAST(r.id AS TEXT) = ?1",
                [t],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
    };
    found.ok_or_else(|| CoreError::NotFound {
        what: match kind {
            WorkKind::Request => "request",
            _ => "encounter",
        },
        id: t.to_string(),
    })
}

fn user_by_name(conn: &Reader, username: &str) -> Result<(i64, String, String, bool), CoreError> {
    conn.query_row(
        "SELECT id, username, role, disabled FROM users WHERE username = ?1",
        [username.trim()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0)),
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "user",
        id: username.to_string(),
    })
}

fn assignee(conn: &Reader, kind: WorkKind, id: i64) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT u.username FROM work_assignments w JOIN users u ON u.id = w.user_id
             WHERE w.kind = ?1 AND w.target_id = ?2",
            params![kind.as_str(), id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Assign an item to a user (supervisor only), replacing any earlier assignee; audited with
/// the old and new assignee. The user must be enabled and their role able to do the work.
pub fn assign(
    store: &mut Store,
    actor: &Actor,
    kind: WorkKind,
    target: &str,
    username: &str,
) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "work_assignment", target)?;
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        let (id, mrn) = resolve(tx, kind, target)?;
        let (uid, uname, role, disabled) = user_by_name(tx, username)?;
        if disabled {
            return Err(CoreError::invalid("user", format!("{uname} is disabled")));
        }
        let role = crate::domain::Role::parse(&role)
            .ok_or_else(|| CoreError::invalid("role", format!("{role:?} is not a role")))?;
        if !role.can(kind.perm()) {
            return Err(CoreError::invalid(
                "user",
                format!("{uname} ({}) may not {} (DOMAIN §1)", role.as_str(), kind.perm().describe()),
            ));
        }
        let old = assignee(tx, kind, id)?;
        tx.execute(
            "INSERT INTO work_assignments(kind, target_id, user_id, assigned_at, assigned_by) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(kind, target_id) DO UPDATE SET user_id = excluded.user_id,
             assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by",
            params![kind.as_str(), id, uid, now, actor.username],
        )?;
        let mut e = Event::new(Action::Update, Subtype::Update, "work_assignment", id)
            .patient(&mrn)
            .detail(json!({"kind": kind.as_str(), "target": target.trim(), "old": old, "new": uname}));
        if kind != WorkKind::Request {
            e = e.encounter(id);
        }
        audit.record(e);
        Ok(())
    })
}

/// Take an assignment back (supervisor only); audited with who had it. An item not assigned
/// is an error (nothing to take back).
pub fn unassign(
    store: &mut Store,
    actor: &Actor,
    kind: WorkKind,
    target: &str,
) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "work_assignment", target)?;
    store.transact(actor, |tx, audit| {
        let (id, mrn) = resolve(tx, kind, target)?;
        let old = assignee(tx, kind, id)?.ok_or_else(|| {
            CoreError::invalid("assignment", format!("{} {} is not assigned", kind.as_str(), target.trim()))
        })?;
        tx.execute(
            "DELETE FROM work_assignments WHERE kind = ?1 AND target_id = ?2",
            params![kind.as_str(), id],
        )?;
        audit.record(
            Event::new(Action::Delete, Subtype::Update, "work_assignment", id)
                .patient(&mrn)
                .detail(json!({"kind": kind.as_str(), "target": target.trim(), "old": old, "new": null})),
        );
        Ok(())
    })
}

/// One item assigned to a user.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub kind: WorkKind,
    pub target_id: i64,
    /// Visit number (chart, coding) or request id.
    pub label: String,
    pub assigned_at: String,
    pub assigned_by: String,
}

/// A user's assigned work, oldest first (the top of that user's worklist). A bare read: the
/// labels are visit numbers and request ids, no names.
pub fn assigned_to(conn: &Reader, user_id: i64) -> Result<Vec<Assignment>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT w.kind, w.target_id,
                CASE w.kind WHEN 'request' THEN 'request ' || w.target_id
                     ELSE coalesce((SELECT visit_number FROM encounters WHERE id = w.target_id), '?') END,
                w.assigned_at, w.assigned_by
         FROM work_assignments w WHERE w.user_id = ?1 ORDER BY w.assigned_at, w.kind, w.target_id",
    )?;
    let v = stmt
        .query_map([user_id], |r| {
            let k: String = r.get(0)?;
            Ok(Assignment {
                kind: WorkKind::parse(&k).unwrap_or(WorkKind::Chart),
                target_id: r.get(1)?,
                label: r.get(2)?,
                assigned_at: r.get(3)?,
                assigned_by: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Where a user's session stands, from their last session event and last action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Presence {
    SignedOut,
    /// Signed in and acted within `idle_logoff_minutes`.
    Active,
    /// Signed in, no action for `idle_logoff_minutes` or more.
    Idle,
    /// The session is locked (AUD-03).
    Locked,
}

impl Presence {
    pub fn label(self) -> &'static str {
        match self {
            Presence::SignedOut => "signed out",
            Presence::Active => "signed in",
            Presence::Idle => "idle",
            Presence::Locked => "locked",
        }
    }
}

/// One user on the staff screen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StaffRow {
    pub user_id: i64,
    pub username: String,
    pub role: String,
    pub disabled: bool,
    pub presence: Presence,
    /// `(recorded_at, "subtype entity")` of the last audited action.
    pub last_action: Option<(String, String)>,
    /// Live claims: `(entity_type, entity_id, label, expires_at)`.
    pub claims: Vec<(String, i64, String, String)>,
    pub assigned: usize,
}

fn presence(
    last_session: Option<&str>,
    last_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    idle: i64,
) -> Presence {
    match last_session {
        Some("login") | Some("unlock") => {
            if last_at.is_some_and(|t| now - t >= chrono::Duration::minutes(idle)) {
                Presence::Idle
            } else {
                Presence::Active
            }
        }
        Some("lock") => Presence::Locked,
        _ => Presence::SignedOut,
    }
}

/// Every user with presence, last action, claims and assignments (supervisor only); audited
/// as a query of the staff list.
pub fn staff(store: &mut Store, actor: &Actor) -> Result<Vec<StaffRow>, CoreError> {
    authorize(store, actor, Perm::Administer, "user", "staff")?;
    let now = store.now();
    let idle = settings::get_i64(store.conn(), Key::IdleLogoffMinutes)?;
    let now_s = crate::clock::utc_ts(now);
    store.transact_read(actor, |tx, audit| {
        let mut users = tx.prepare("SELECT id, username, role, disabled FROM users ORDER BY username")?;
        let users = users
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)? != 0))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut last = tx.prepare_cached(
            "SELECT recorded_at, subtype || ' ' || entity_type || ' ' || entity_id FROM audit_log
             WHERE user_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?;
        let mut session = tx.prepare_cached(
            "SELECT subtype FROM audit_log WHERE user_id = ?1
             AND subtype IN ('login','logout','auto_logoff','lock','unlock') ORDER BY seq DESC LIMIT 1",
        )?;
        let mut claims = tx.prepare_cached(
            "SELECT w.entity_type, w.entity_id, coalesce(e.visit_number, CAST(w.entity_id AS TEXT)), w.expires_at
             FROM work_claims w LEFT JOIN encounters e ON e.id = w.entity_id
             WHERE w.user_id = ?1 AND w.expires_at > ?2 ORDER BY w.claimed_at",
        )?;
        let mut assigned = tx.prepare_cached("SELECT count(*) FROM work_assignments WHERE user_id = ?1")?;
        let mut out = Vec::new();
        for (id, username, role, disabled) in users {
            let last_action: Option<(String, String)> =
                last.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let last_session: Option<String> = session.query_row([id], |r| r.get(0)).optional()?;
            let last_at = last_action
                .as_ref()
                .and_then(|(t, _)| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            let c = claims
                .query_map(params![id, now_s], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let n: i64 = assigned.query_row([id], |r| r.get(0))?;
            out.push(StaffRow {
                user_id: id,
                username,
                role,
                disabled,
                presence: presence(last_session.as_deref(), last_at, now, idle),
                last_action,
                claims: c,
                assigned: usize::try_from(n).unwrap_or(0),
            });
        }
        audit.record(
            Event::new(Action::Read, Subtype::Query, "user", "staff").detail(json!({"results": out.len()})),
        );
        Ok(out)
    })
}

/// Release another user's claim (supervisor only), audited with the holder it is taken
/// from. `entity_type` is as stored (`encounter` for deficiency work, `coding`).
pub fn release_claim(
    store: &mut Store,
    actor: &Actor,
    entity_type: &str,
    entity_id: i64,
) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::Administer,
        "work_claim",
        &entity_id.to_string(),
    )?;
    store.transact(actor, |tx, audit| {
        let holder: String = tx
            .query_row(
                "SELECT u.username FROM work_claims w JOIN users u ON u.id = w.user_id
                 WHERE w.entity_type = ?1 AND w.entity_id = ?2",
                params![entity_type, entity_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "claim",
                id: format!("{entity_type} {entity_id}"),
            })?;
        tx.execute(
            "DELETE FROM work_claims WHERE entity_type = ?1 AND entity_id = ?2",
            params![entity_type, entity_id],
        )?;
        audit.record(
            Event::new(Action::Delete, Subtype::Update, "work_claim", entity_id)
                .encounter(entity_id)
                .detail(json!({"entity_type": entity_type, "holder": holder, "released_by_supervisor": true})),
        );
        Ok(())
    })
}

/// Where an item on a user's worklist comes from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Held {
    /// Assigned by a supervisor ([`assign`]); it may be reassigned or taken back.
    Assigned(WorkKind),
    /// A live claim on work (`entity_type` as stored: `encounter` for deficiency work,
    /// `coding`); a supervisor may release it ([`release_claim`]).
    Claim(String),
    /// An open documentation query this user asked (COD-21): theirs until answered.
    Query,
}

impl Held {
    /// A short label for lists: `chart`, `coding`, `request`, `claim: deficiency`, `query`.
    pub fn label(&self) -> String {
        match self {
            Held::Assigned(k) => k.as_str().to_string(),
            Held::Claim(t) if t == "encounter" => "claim: deficiency".to_string(),
            Held::Claim(t) => format!("claim: {t}"),
            Held::Query => "query".to_string(),
        }
    }
}

/// One item a user holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HeldItem {
    pub held: Held,
    /// Encounter id, request id or query id, as the core calls take it.
    pub target_id: i64,
    /// Visit number, `request N` or `query N`.
    pub label: String,
    /// Assigned at, claimed at or asked at (UTC).
    pub since: String,
    /// Who assigned it; until when a claim runs; the query's encounter visit.
    pub note: String,
}

/// Everything one user holds, assigned work first, with totals (issue #15: each user has a
/// worklist).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Worklist {
    pub user_id: i64,
    pub username: String,
    pub role: String,
    pub disabled: bool,
    pub items: Vec<HeldItem>,
}

impl Worklist {
    /// `(assigned, claims, queries)`.
    pub fn totals(&self) -> (usize, usize, usize) {
        let n = |f: fn(&Held) -> bool| self.items.iter().filter(|i| f(&i.held)).count();
        (
            n(|h| matches!(h, Held::Assigned(_))),
            n(|h| matches!(h, Held::Claim(_))),
            n(|h| matches!(h, Held::Query)),
        )
    }
}

/// One user's worklist: assignments (oldest first), live claims and open queries they asked.
/// A user reads their own; anyone else's needs Administer (DOMAIN §1: a supervisor moves
/// work between people). Audited as a query of that user's worklist in the read transaction.
pub fn worklist(store: &mut Store, actor: &Actor, username: &str) -> Result<Worklist, CoreError> {
    let own = actor.username.eq_ignore_ascii_case(username.trim());
    if !own {
        authorize(store, actor, Perm::Administer, "worklist", username)?;
    }
    let now_s = crate::clock::utc_ts(store.now());
    store.transact_read(actor, |tx, audit| {
        let (user_id, uname, role, disabled) = user_by_name(tx, username)?;
        let mut items: Vec<HeldItem> = assigned_to(tx, user_id)?
            .into_iter()
            .map(|a| HeldItem {
                held: Held::Assigned(a.kind),
                target_id: a.target_id,
                label: a.label,
                since: a.assigned_at,
                note: format!("by {}", a.assigned_by),
            })
            .collect();
        let mut claims = tx.prepare_cached(
            "SELECT w.entity_type, w.entity_id, coalesce(e.visit_number, CAST(w.entity_id AS TEXT)),
                    w.claimed_at, w.expires_at
             FROM work_claims w LEFT JOIN encounters e ON e.id = w.entity_id
             WHERE w.user_id = ?1 AND w.expires_at > ?2 ORDER BY w.claimed_at, w.entity_type, w.entity_id",
        )?;
        let c = claims
            .query_map(params![user_id, now_s], |r| {
                Ok(HeldItem {
                    held: Held::Claim(r.get(0)?),
                    target_id: r.get(1)?,
                    label: r.get(2)?,
                    since: r.get(3)?,
                    note: format!("until {}", r.get::<_, String>(4)?),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        items.extend(c);
        let mut queries = tx.prepare_cached(
            "SELECT q.id, coalesce(e.visit_number, '?'), q.asked_at, q.due_at
             FROM coding_queries q LEFT JOIN encounters e ON e.id = q.encounter_id
             WHERE q.asked_by = ?1 AND q.status = 'open' ORDER BY q.asked_at, q.id",
        )?;
        let q = queries
            .query_map([&uname], |r| {
                Ok(HeldItem {
                    held: Held::Query,
                    target_id: r.get(0)?,
                    label: format!("query {}", r.get::<_, i64>(0)?),
                    since: r.get(2)?,
                    note: format!("{} due {}", r.get::<_, String>(1)?, r.get::<_, String>(3)?),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        items.extend(q);
        let w = Worklist {
            user_id,
            username: uname,
            role,
            disabled,
            items,
        };
        let (a, c, q) = w.totals();
        audit.record(
            Event::new(Action::Read, Subtype::Query, "worklist", &w.username)
                .detail(json!({"assigned": a, "claims": c, "queries": q, "own": own})),
        );
        Ok(w)
    })
}

/// Enabled users whose role may do `kind` of work (DOMAIN §1), by user name: the choices a
/// supervisor reassigns to. No PHI; a bare read.
pub fn eligible_users(conn: &Reader, kind: WorkKind) -> Result<Vec<(String, String)>, CoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT username, role FROM users WHERE disabled = 0 ORDER BY username")?;
    let all = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(all
        .into_iter()
        .filter(|(_, role)| crate::domain::Role::parse(role).is_some_and(|r| r.can(kind.perm())))
        .collect())
}
