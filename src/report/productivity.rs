//! Productivity per user and role (issue #15, MET-05): units ÷ productive hours, against the
//! targets that are settings. A bare read; [`super::run`] authorizes and audits it.
//!
//! Units, from the work already recorded (nothing new is logged for this report):
//! - records analysed (technician): distinct encounters a signed-in user analysed by hand
//!   (`deficiency::ops::mark_analyzed`, audit rows `E analysis <encounter>`), by the facility
//!   day of the audit row; the batch analysis run by the system is not a person's work;
//! - inpatient / outpatient records coded (coder, COD-22): the completed coding sessions of
//!   `coding::report::throughput` (reused as `report coding` reads them, by UTC day);
//! - requests released and pages released (ROI): `release_requests.released_by`, by the
//!   facility day of `released_at`.
//!
//! Invariants:
//! - Hours are the hours ENTERED (`staff::`, migration 0017), never inferred from logins or
//!   session times (MET-05 policy). A user with units but no hours is listed as "hours not
//!   entered": no rate, no % of target.
//! - Work credited to a system actor (`system:…`) is never a person's row; it is listed in
//!   `excluded` with its units.
//! - A unit's rate is units ÷ the user's hours; its % of target is rate ÷ target × 100. A
//!   user's overall % of target is the target hours earned (Σ units ÷ target over records
//!   analysed, inpatient, outpatient and requests — pages measure the same requests and are
//!   left out) ÷ hours entered × 100.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::params;
use serde::Serialize;

use crate::error::CoreError;
use crate::settings::{self, Key};
use crate::store::Reader;

/// A kind of unit counted, with its target setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    RecordsAnalyzed,
    InpatientCoded,
    OutpatientCoded,
    RequestsReleased,
    PagesReleased,
}

impl Unit {
    pub const ALL: [Unit; 5] = [
        Unit::RecordsAnalyzed,
        Unit::InpatientCoded,
        Unit::OutpatientCoded,
        Unit::RequestsReleased,
        Unit::PagesReleased,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Unit::RecordsAnalyzed => "records analysed",
            Unit::InpatientCoded => "inpatient coded",
            Unit::OutpatientCoded => "outpatient coded",
            Unit::RequestsReleased => "requests released",
            Unit::PagesReleased => "pages released",
        }
    }

    /// The setting that holds its target per productive hour.
    pub fn key(self) -> Key {
        match self {
            Unit::RecordsAnalyzed => Key::TargetTechPerHour,
            Unit::InpatientCoded => Key::TargetIpPerHour,
            Unit::OutpatientCoded => Key::TargetOpPerHour,
            Unit::RequestsReleased => Key::TargetRoiRequestsPerHour,
            Unit::PagesReleased => Key::TargetRoiPagesPerHour,
        }
    }

    /// Counted in a user's overall % of target (pages measure the same requests: no).
    fn earns(self) -> bool {
        self != Unit::PagesReleased
    }

    /// The units a role's work is measured in (shown for a user with hours and no units).
    fn of_role(role: &str) -> &'static [Unit] {
        match role {
            "technician" => &[Unit::RecordsAnalyzed],
            "coder" => &[Unit::InpatientCoded, Unit::OutpatientCoded],
            "roi" => &[Unit::RequestsReleased, Unit::PagesReleased],
            _ => &[],
        }
    }
}

/// A target in force (per productive hour), with its setting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    pub unit: Unit,
    pub setting: &'static str,
    pub per_hour: f64,
}

/// One unit kind of one user.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitLine {
    pub unit: Unit,
    pub units: i64,
    /// Units ÷ hours entered (None: hours not entered).
    pub per_hour: Option<f64>,
    pub target: f64,
    pub percent_of_target: Option<f64>,
}

/// One user's productivity in the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UserProductivity {
    pub user: String,
    pub role: String,
    /// Hours entered (None: "hours not entered"; never inferred).
    pub hours: Option<f64>,
    pub units: Vec<UnitLine>,
    /// Σ units ÷ target over the units that earn (see the module doc).
    pub target_hours_earned: f64,
    pub percent_of_target: Option<f64>,
}

/// Work credited to a system actor: not a person's, excluded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Excluded {
    pub actor: String,
    pub unit: Unit,
    pub units: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Productivity {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub targets: Vec<Target>,
    pub users: Vec<UserProductivity>,
    /// Users with units but no hours entered in the period.
    pub hours_not_entered: Vec<String>,
    pub excluded: Vec<Excluded>,
}

type Counts = BTreeMap<String, BTreeMap<Unit, i64>>;

fn add(c: &mut Counts, who: &str, unit: Unit, n: i64) {
    if n != 0 {
        *c.entry(who.to_string())
            .or_default()
            .entry(unit)
            .or_default() += n;
    }
}

/// The first audit seq recorded on or after `at` (UTC text), by binary search on the gapless,
/// time-ordered seq: about 20 point reads at a million rows.
fn first_seq_at(conn: &Reader, at: &str, max: i64) -> Result<i64, CoreError> {
    let (mut lo, mut hi) = (1i64, max + 1);
    let mut st = conn.prepare_cached("SELECT recorded_at FROM audit_log WHERE seq = ?1")?;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let r: String = st.query_row([mid], |r| r.get(0))?;
        if r.as_str() < at {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

fn facility_day(utc: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(utc)
        .ok()
        .map(|t| crate::clock::facility_date(t.with_timezone(&Utc)))
}

/// Every unit done on `from..=to` per actor (system actors included; see [`read`]).
fn units(conn: &Reader, from: NaiveDate, to: NaiveDate) -> Result<Counts, CoreError> {
    Ok(units_split(conn, from, to, None)?.0)
}

/// [`units`] on `from..=to`, and in the same pass those of `day` alone (when given, a day of
/// the period): the throughput tile's week and today read once.
fn units_split(
    conn: &Reader,
    from: NaiveDate,
    to: NaiveDate,
    day: Option<NaiveDate>,
) -> Result<(Counts, Counts), CoreError> {
    let mut c = Counts::new();
    let mut on_day = Counts::new();
    // A day either side in UTC covers every facility zone; the facility day decides.
    let lo = (from - chrono::Days::new(1)).format("%Y-%m-%d").to_string();
    let hi = (to + chrono::Days::new(2)).format("%Y-%m-%d").to_string();
    let facility = |at: &str| facility_day(at).filter(|d| (from..=to).contains(d));

    // Records analysed by hand: `E analysis <encounter>` audit rows (not the "batch" run).
    let max: i64 = conn.query_row("SELECT COALESCE(max(seq), 0) FROM audit_log", [], |r| {
        r.get(0)
    })?;
    let (s0, s1) = (first_seq_at(conn, &lo, max)?, first_seq_at(conn, &hi, max)?);
    let mut st = conn.prepare(
        "SELECT username, entity_id, recorded_at FROM audit_log INDEXED BY audit_analysis_exec
          WHERE seq >= ?1 AND seq < ?2 AND entity_type = 'analysis' AND action = 'E'
            AND outcome = 0 AND entity_id <> 'batch'",
    )?;
    type Seen = BTreeMap<String, std::collections::BTreeSet<String>>;
    let (mut seen, mut seen_day): (Seen, Seen) = (BTreeMap::new(), BTreeMap::new());
    for row in st.query_map(params![s0, s1], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (who, enc, at) = row?;
        if let Some(d) = facility(&at) {
            if Some(d) == day {
                seen_day.entry(who.clone()).or_default().insert(enc.clone());
            }
            seen.entry(who).or_default().insert(enc);
        }
    }
    for (who, encs) in seen {
        add(&mut c, &who, Unit::RecordsAnalyzed, encs.len() as i64);
    }
    for (who, encs) in seen_day {
        add(&mut on_day, &who, Unit::RecordsAnalyzed, encs.len() as i64);
    }

    // Records coded: the completed coding sessions, as `report coding` counts them (by the
    // UTC day of completion).
    match day {
        None => {
            for t in crate::coding::report::throughput(conn, from, to)?.coders {
                add(&mut c, &t.coder, Unit::InpatientCoded, t.inpatient);
                add(&mut c, &t.coder, Unit::OutpatientCoded, t.outpatient);
            }
        }
        Some(d) => {
            for (who, is_day, ip, op) in crate::coding::report::coded_split(conn, from, to, d)? {
                add(&mut c, &who, Unit::InpatientCoded, ip);
                add(&mut c, &who, Unit::OutpatientCoded, op);
                if is_day {
                    add(&mut on_day, &who, Unit::InpatientCoded, ip);
                    add(&mut on_day, &who, Unit::OutpatientCoded, op);
                }
            }
        }
    }

    // Requests released and their pages, by releaser.
    let mut st = conn.prepare(
        "SELECT released_by, released_at, COALESCE(pages, 0) FROM release_requests
          WHERE released_by IS NOT NULL AND released_at >= ?1 AND released_at < ?2",
    )?;
    for row in st.query_map(params![lo, hi], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (who, at, pages) = row?;
        if let Some(d) = facility(&at) {
            add(&mut c, &who, Unit::RequestsReleased, 1);
            add(&mut c, &who, Unit::PagesReleased, pages);
            if Some(d) == day {
                add(&mut on_day, &who, Unit::RequestsReleased, 1);
                add(&mut on_day, &who, Unit::PagesReleased, pages);
            }
        }
    }
    Ok((c, on_day))
}

/// The targets in force, one per unit.
pub fn targets(conn: &Reader) -> Result<Vec<Target>, CoreError> {
    Unit::ALL
        .iter()
        .map(|&u| {
            Ok(Target {
                unit: u,
                setting: u.key().name(),
                per_hour: settings::get_f64(conn, u.key())?,
            })
        })
        .collect()
}

/// Productivity on `from..=to` (see the module doc).
pub fn read(conn: &Reader, from: NaiveDate, to: NaiveDate) -> Result<Productivity, CoreError> {
    let counts = units(conn, from, to)?;
    assemble(conn, from, to, counts)
}

/// Productivity on `from..=to` from the units already counted.
fn assemble(
    conn: &Reader,
    from: NaiveDate,
    to: NaiveDate,
    counts: Counts,
) -> Result<Productivity, CoreError> {
    let targets = targets(conn)?;
    let target_of = |u: Unit| {
        targets
            .iter()
            .find(|t| t.unit == u)
            .map_or(1.0, |t| t.per_hour)
    };
    let hours = crate::staff::hours_by_user(conn, from, to)?;
    let mut roles: BTreeMap<String, String> = BTreeMap::new();
    {
        let mut st = conn.prepare_cached("SELECT username, role FROM users")?;
        for r in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (u, role) = r?;
            roles.insert(u, role);
        }
    }
    let mut excluded = Vec::new();
    let mut people: BTreeMap<String, BTreeMap<Unit, i64>> = BTreeMap::new();
    for (who, by_unit) in counts {
        if super::coding::is_system(&who) {
            excluded.extend(by_unit.into_iter().map(|(unit, units)| Excluded {
                actor: who.clone(),
                unit,
                units,
            }));
        } else {
            people.insert(who, by_unit);
        }
    }
    for u in hours.keys() {
        people.entry(u.clone()).or_default();
    }
    let mut users = Vec::new();
    let mut hours_not_entered = Vec::new();
    for (user, by_unit) in people {
        let role = roles
            .get(&user)
            .cloned()
            .unwrap_or_else(|| "unknown".into());
        let h = hours.get(&user).copied().filter(|h| *h > 0.0);
        let mut shown: Vec<Unit> = by_unit.keys().copied().collect();
        if shown.is_empty() {
            shown = Unit::of_role(&role).to_vec();
        }
        let lines: Vec<UnitLine> = shown
            .into_iter()
            .map(|unit| {
                let units = by_unit.get(&unit).copied().unwrap_or(0);
                let target = target_of(unit);
                let per_hour = h.map(|h| units as f64 / h);
                UnitLine {
                    unit,
                    units,
                    per_hour,
                    target,
                    percent_of_target: per_hour.map(|r| r / target * 100.0),
                }
            })
            .collect();
        let earned: f64 = lines
            .iter()
            .filter(|l| l.unit.earns())
            .map(|l| l.units as f64 / l.target)
            .sum();
        if h.is_none() {
            hours_not_entered.push(user.clone());
        }
        users.push(UserProductivity {
            user,
            role,
            hours: h,
            units: lines,
            target_hours_earned: earned,
            percent_of_target: h.map(|h| earned / h * 100.0),
        });
    }
    Ok(Productivity {
        from,
        to,
        targets,
        users,
        hours_not_entered,
        excluded,
    })
}

/// One user's throughput today and this week (Monday to today) against targets: the
/// dashboard tile (issue #15, "each user's throughput today and this week against targets").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UserTile {
    pub user: String,
    pub role: String,
    pub today_units: i64,
    pub today_hours: Option<f64>,
    pub today_percent: Option<f64>,
    pub week_units: i64,
    pub week_hours: Option<f64>,
    pub week_percent: Option<f64>,
}

/// The throughput tile as of `today`: a bare read for `dashboard::read` (which audits the
/// dashboard as one query). Units counted are those that earn (pages left out); people only.
pub fn throughput_tile(conn: &Reader, today: NaiveDate) -> Result<Vec<UserTile>, CoreError> {
    let week_start = today - chrono::Days::new(today.weekday().num_days_from_monday() as u64);
    // One pass over the week's work, today's bucketed on the way (equal to reading the week
    // and the day apart: tests/report_productivity.rs).
    let (week_units, day_units) = units_split(conn, week_start, today, Some(today))?;
    let week = assemble(conn, week_start, today, week_units)?;
    let day = assemble(conn, today, today, day_units)?;
    let earned_units = |u: &UserProductivity| -> i64 {
        u.units
            .iter()
            .filter(|l| l.unit.earns())
            .map(|l| l.units)
            .sum()
    };
    let mut out: Vec<UserTile> = week
        .users
        .iter()
        .map(|w| {
            let d = day.users.iter().find(|d| d.user == w.user);
            UserTile {
                user: w.user.clone(),
                role: w.role.clone(),
                today_units: d.map_or(0, earned_units),
                today_hours: d.and_then(|d| d.hours),
                today_percent: d.and_then(|d| d.percent_of_target),
                week_units: earned_units(w),
                week_hours: w.hours,
                week_percent: w.percent_of_target,
            }
        })
        .collect();
    out.sort_by(|a, b| b.week_units.cmp(&a.week_units).then(a.user.cmp(&b.user)));
    Ok(out)
}
