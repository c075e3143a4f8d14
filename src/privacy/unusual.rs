//! The unusual-access report (AUD-14, 45 CFR 164.308(a)(1)(ii)(D)): the routine access review
//! a privacy officer runs weekly. It reads the audit log over a period and lists:
//! - views of charts of patients flagged VIP or EMPLOYEE;
//! - views of a user's own chart (full name matches the patient's) or of a same-surname chart;
//! - after-hours access (outside `business_hours`, facility-local);
//! - bulk access (more than `bulk_access_limit` distinct patients by one user in one hour);
//! - break-the-glass opens of sensitive documents (AUD-13);
//! - repeated denials (`denial_alert_count` or more failures by one user in one day).
//!
//! Invariant: every finding names the audit rows (`seq`) behind it, so the reviewer can open
//! each one; the report itself is audited as a query listing the MRNs it shows (AUD-11).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, mrn_list};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings::{self, Key};
use crate::store::{Reader, Store};

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum FindingKind {
    /// A chart flagged VIP or EMPLOYEE was viewed.
    FlaggedChart,
    /// A user viewed their own chart (same full name).
    OwnChart,
    /// A user viewed a chart with their surname (family member?).
    SameSurname,
    /// Access outside business hours.
    AfterHours,
    /// More than the limit of distinct patients in one hour.
    Bulk,
    /// A sensitive document opened by breaking the glass.
    BreakGlass,
    /// Repeated denied or failed actions in one day.
    RepeatedDenials,
}

impl FindingKind {
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::FlaggedChart => "flagged chart",
            FindingKind::OwnChart => "own chart",
            FindingKind::SameSurname => "same surname",
            FindingKind::AfterHours => "after hours",
            FindingKind::Bulk => "bulk access",
            FindingKind::BreakGlass => "break the glass",
            FindingKind::RepeatedDenials => "repeated denials",
        }
    }
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub username: String,
    /// The patient, when the finding is about one chart.
    pub mrn: Option<String>,
    /// When it started (UTC, as recorded).
    pub first_at: String,
    /// What happened, in words (flag, count, hours, reason).
    pub what: String,
    /// The audit rows behind it, in order.
    pub seqs: Vec<i64>,
}

/// The report over `[from, to)` (UTC instants).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnusualReport {
    pub from: String,
    pub to: String,
    pub rows_read: usize,
    pub findings: Vec<Finding>,
}

struct Access {
    seq: i64,
    at: DateTime<Utc>,
    recorded_at: String,
    username: String,
    mrns: Vec<String>,
    outcome: i64,
    break_glass: bool,
    reason: Option<String>,
}

fn read_rows(conn: &Reader, from: &str, to: &str) -> Result<Vec<Access>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, recorded_at, username, patient_mrn, json_extract(detail, '$.mrns'), outcome,
                coalesce(json_extract(detail, '$.break_glass'), 0), reason, user_id
         FROM audit_log WHERE recorded_at >= ?1 AND recorded_at < ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map([from, to], |r| {
        let mrn: Option<String> = r.get(3)?;
        // `mrns` is a space-separated string (list pages, AUD-11) or a JSON array (exports).
        let list: Option<rusqlite::types::Value> = r.get(4)?;
        let user_id: Option<i64> = r.get(8)?;
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            mrn,
            list,
            r.get::<_, i64>(5)?,
            r.get::<_, i64>(6)? != 0,
            r.get::<_, Option<String>>(7)?,
            user_id,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, recorded_at, username, mrn, list, outcome, break_glass, reason, user_id) = row?;
        let mut mrns: Vec<String> = mrn.into_iter().collect();
        if let Some(rusqlite::types::Value::Text(t)) = list {
            let t = t.trim();
            if let Some(arr) = t
                .starts_with('[')
                .then(|| serde_json::from_str::<Vec<String>>(t).ok())
                .flatten()
            {
                mrns.extend(arr);
            } else {
                mrns.extend(t.split_whitespace().map(str::to_string));
            }
        }
        mrns.sort();
        mrns.dedup();
        // Only people: system actors (imports, init) are not reviewed here.
        if user_id.is_none() && outcome == 0 {
            continue;
        }
        let Ok(at) = DateTime::parse_from_rfc3339(&recorded_at) else {
            continue;
        };
        out.push(Access {
            seq,
            at: at.with_timezone(&Utc),
            recorded_at,
            username,
            mrns,
            outcome,
            break_glass,
            reason,
        });
    }
    Ok(out)
}

struct Patient {
    family: String,
    given: String,
    flags: Vec<String>,
}

fn patients(conn: &Reader, mrns: &BTreeSet<&str>) -> Result<HashMap<String, Patient>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.family_name, p.given_name,
                (SELECT group_concat(flag, ',') FROM patient_flags f WHERE f.patient_id = p.id)
         FROM patients p WHERE p.mrn = ?1",
    )?;
    let mut out = HashMap::new();
    for m in mrns {
        use rusqlite::OptionalExtension;
        if let Some((family, given, flags)) = stmt
            .query_row([m], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .optional()?
        {
            let flags = flags
                .map(|f| f.split(',').map(str::to_string).collect())
                .unwrap_or_default();
            out.insert(
                m.to_string(),
                Patient {
                    family,
                    given,
                    flags,
                },
            );
        }
    }
    Ok(out)
}

fn user_names(conn: &Reader) -> Result<HashMap<String, String>, CoreError> {
    let mut stmt = conn.prepare("SELECT username, full_name FROM users")?;
    let v = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v.into_iter().map(|(u, n)| (u.to_lowercase(), n)).collect())
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Build the report from the rows read (pure: no store, no clock).
fn build(
    rows: &[Access],
    pats: &HashMap<String, Patient>,
    users: &HashMap<String, String>,
    zone: chrono_tz::Tz,
    hours: (chrono::NaiveTime, chrono::NaiveTime),
    bulk_limit: usize,
    denial_count: usize,
) -> Vec<Finding> {
    type K = (FindingKind, String, Option<String>, String);
    let mut grouped: BTreeMap<K, (String, Vec<i64>)> = BTreeMap::new();
    let mut add = |kind, user: &str, mrn: Option<&str>, what: String, a: &Access| {
        let e = grouped
            .entry((kind, user.to_string(), mrn.map(str::to_string), what))
            .or_insert_with(|| (a.recorded_at.clone(), Vec::new()));
        e.1.push(a.seq);
    };
    // (user, hour) -> (distinct patients, the rows).
    type Hour<'a> = (BTreeSet<String>, Vec<&'a Access>);
    let mut per_hour: BTreeMap<(String, DateTime<Utc>), Hour<'_>> = BTreeMap::new();
    let mut denials: BTreeMap<(String, NaiveDate), Vec<&Access>> = BTreeMap::new();
    for a in rows {
        let local = a.at.with_timezone(&zone);
        if a.outcome != 0 {
            denials
                .entry((a.username.clone(), local.date_naive()))
                .or_default()
                .push(a);
            continue;
        }
        if a.mrns.is_empty() {
            continue;
        }
        let name = users
            .get(&a.username.to_lowercase())
            .map(|n| words(n))
            .unwrap_or_default();
        for m in &a.mrns {
            let Some(p) = pats.get(m) else { continue };
            for f in &p.flags {
                add(
                    FindingKind::FlaggedChart,
                    &a.username,
                    Some(m),
                    format!("{f} chart viewed"),
                    a,
                );
            }
            let family = words(&p.family);
            let given = words(&p.given);
            let surname_match =
                !family.is_empty() && name.last().is_some_and(|l| family.contains(l));
            if surname_match && name.first().is_some_and(|f| given.contains(f)) {
                add(
                    FindingKind::OwnChart,
                    &a.username,
                    Some(m),
                    "patient's name is the user's".into(),
                    a,
                );
            } else if surname_match {
                add(
                    FindingKind::SameSurname,
                    &a.username,
                    Some(m),
                    format!("surname {}", p.family),
                    a,
                );
            }
        }
        let t = local.time();
        if t < hours.0 || t >= hours.1 {
            add(
                FindingKind::AfterHours,
                &a.username,
                None,
                format!(
                    "{} outside {}-{}",
                    local.date_naive(),
                    hours.0.format("%H:%M"),
                    hours.1.format("%H:%M")
                ),
                a,
            );
        }
        if a.break_glass {
            add(
                FindingKind::BreakGlass,
                &a.username,
                a.mrns.first().map(String::as_str),
                format!("reason: {}", a.reason.as_deref().unwrap_or("")),
                a,
            );
        }
        let hour =
            a.at.with_minute(0)
                .and_then(|t| t.with_second(0))
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(a.at);
        let e = per_hour.entry((a.username.clone(), hour)).or_default();
        e.0.extend(a.mrns.iter().cloned());
        e.1.push(a);
    }
    let mut out: Vec<Finding> = grouped
        .into_iter()
        .map(|((kind, username, mrn, what), (first_at, seqs))| Finding {
            kind,
            username,
            mrn,
            first_at,
            what,
            seqs,
        })
        .collect();
    for ((user, hour), (patients, rows)) in per_hour {
        if patients.len() > bulk_limit {
            out.push(Finding {
                kind: FindingKind::Bulk,
                username: user,
                mrn: None,
                first_at: rows
                    .first()
                    .map(|a| a.recorded_at.clone())
                    .unwrap_or_default(),
                what: format!(
                    "{} patients in the hour from {} (limit {bulk_limit})",
                    patients.len(),
                    hour.with_timezone(&zone).format("%Y-%m-%d %H:00")
                ),
                seqs: rows.iter().map(|a| a.seq).collect(),
            });
        }
    }
    for ((user, day), rows) in denials {
        if rows.len() >= denial_count {
            out.push(Finding {
                kind: FindingKind::RepeatedDenials,
                username: user,
                mrn: None,
                first_at: rows
                    .first()
                    .map(|a| a.recorded_at.clone())
                    .unwrap_or_default(),
                what: format!("{} denied or failed actions on {day}", rows.len()),
                seqs: rows.iter().map(|a| a.seq).collect(),
            });
        }
    }
    out.sort_by(|a, b| (a.kind, &a.first_at, &a.username).cmp(&(b.kind, &b.first_at, &b.username)));
    out
}

/// Run the report over `[from, to)` (UTC; `from` defaults to `access_review_days` before
/// `now`, `to` to `now`). Supervisor only; audited as a query listing the MRNs shown.
pub fn report(
    store: &mut Store,
    actor: &Actor,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<UnusualReport, CoreError> {
    authorize(store, actor, Perm::Administer, "report", "unusual_access")?;
    let now = store.now();
    let conn = store.conn();
    let days = settings::get_i64(conn, Key::AccessReviewDays)?;
    // The default end includes what was recorded this very second.
    let to = to.unwrap_or(now + chrono::Duration::seconds(1));
    let from = from.unwrap_or(to - chrono::Duration::days(days));
    let hours = settings::parse_hours(&settings::get(conn, Key::BusinessHours)?)
        .map_err(|e| CoreError::invalid(Key::BusinessHours.name(), e))?;
    let bulk = usize::try_from(settings::get_i64(conn, Key::BulkAccessLimit)?).unwrap_or(50);
    let denial = usize::try_from(settings::get_i64(conn, Key::DenialAlertCount)?).unwrap_or(3);
    let zone = crate::clock::facility_zone(conn)?;
    let (f, t) = (crate::audit::utc_ms(from), crate::audit::utc_ms(to));
    store.transact_read(actor, |tx, audit| {
        let rows = read_rows(tx, &f, &t)?;
        let mrns: BTreeSet<&str> = rows
            .iter()
            .flat_map(|a| a.mrns.iter().map(String::as_str))
            .collect();
        let pats = patients(tx, &mrns)?;
        let users = user_names(tx)?;
        let findings = build(&rows, &pats, &users, zone, hours, bulk, denial);
        audit.record(
            Event::new(Action::Read, Subtype::Query, "report", "unusual_access").detail(json!({
                "from": f, "to": t, "findings": findings.len(), "rows_read": rows.len(),
                "mrns": mrn_list(findings.iter().filter_map(|x| x.mrn.as_deref())),
                "rule": "AUD-14"
            })),
        );
        Ok(UnusualReport {
            from: f.clone(),
            to: t.clone(),
            rows_read: rows.len(),
            findings,
        })
    })
}
