//! Staff hours (issue #15, MET-05): productive hours per user per facility calendar day, the
//! denominator of productivity. Hours are ENTERED — by the user for themself, or by a
//! supervisor for anyone — never inferred from logins (MET-05 policy).
//!
//! Invariants:
//! - One row per user per day (`staff_hours`, migration 0017); entering a day again replaces
//!   it, and the audit row names the old and new hours (a correction).
//! - Hours are `0 < h ≤ 24` in quarter hours (7.25 is accepted, 7.1 is not); the day is a
//!   facility calendar day (clock service) and never after the facility's today.
//! - Permission is checked here: any signed-in user may enter their own hours; entering
//!   another user's needs `Perm::Administer` (a denial is audited by `authorize`).
//! - Every change is one transaction with its audit row (entity `staff_hours`).

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{Reader, Store};

/// Quarter hours in `h` hours, checked: `0 < h ≤ 24`, a multiple of 0.25 (field `hours`).
pub fn parse_hours(text: &str) -> Result<i64, CoreError> {
    let t = text.trim();
    let h: f64 = t.parse().map_err(|_| {
        CoreError::invalid(
            "hours",
            format!("{t:?} is not a number of hours (e.g. 7.5) (MET-05)"),
        )
    })?;
    if !h.is_finite() || h <= 0.0 || h > 24.0 {
        return Err(CoreError::invalid(
            "hours",
            format!("{t} must be more than 0 and at most 24 (MET-05)"),
        ));
    }
    let q = h * 4.0;
    if (q - q.round()).abs() > 1e-9 {
        return Err(CoreError::invalid(
            "hours",
            format!("{t} is not in quarter hours (e.g. 7.25, 7.5, 7.75) (MET-05)"),
        ));
    }
    Ok(q.round() as i64)
}

/// A `YYYY-MM-DD` work date (field `date`).
pub fn parse_date(text: &str) -> Result<NaiveDate, CoreError> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| CoreError::invalid("date", format!("{t:?} is not a date YYYY-MM-DD")))
}

/// One day's hours of one user.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HoursRow {
    pub username: String,
    pub role: String,
    pub work_date: NaiveDate,
    pub hours: f64,
    pub entered_by: String,
    pub entered_at: String,
    pub note: String,
}

/// What [`enter_hours`] did: the hours before (None for a new day) and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entered {
    pub username: String,
    pub work_date: NaiveDate,
    pub old_hours: Option<f64>,
    pub hours: f64,
}

fn quarters(q: i64) -> f64 {
    q as f64 / 4.0
}

/// Enter (or correct) `username`'s productive hours on `date` (see the module invariants).
pub fn enter_hours(
    store: &mut Store,
    actor: &Actor,
    username: &str,
    date: NaiveDate,
    hours: &str,
    note: &str,
) -> Result<Entered, CoreError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(CoreError::invalid("user", "no user named"));
    }
    if username != actor.username {
        authorize(store, actor, Perm::Administer, "staff_hours", username)?;
    }
    let q = parse_hours(hours)?;
    let today = crate::clock::FacilityClock::read(store)?.today();
    if date > today {
        return Err(CoreError::invalid(
            "date",
            format!("{date} is after today ({today}): hours are entered for days worked (MET-05)"),
        ));
    }
    let note = note.trim();
    let max = crate::settings::get_i64(store.conn(), crate::settings::Key::MaxFieldLength)?;
    if note.chars().count() as i64 > max {
        return Err(CoreError::invalid(
            "note",
            format!("longer than max_field_length ({max} characters)"),
        ));
    }
    if note.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "note",
            "control characters are not allowed",
        ));
    }
    let now = utc_ms(store.now());
    let day = date.format("%Y-%m-%d").to_string();
    store.transact(actor, |tx, audit| {
        let (uid, disabled): (i64, bool) = tx
            .query_row(
                "SELECT id, disabled FROM users WHERE username = ?1",
                [username],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "user",
                id: username.to_string(),
            })?;
        if disabled {
            return Err(CoreError::invalid("user", format!("{username} is disabled")));
        }
        let old: Option<(i64, String)> = tx
            .query_row(
                "SELECT quarter_hours, note FROM staff_hours WHERE user_id = ?1 AND work_date = ?2",
                params![uid, day],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO staff_hours(user_id, work_date, quarter_hours, entered_by, entered_at, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(user_id, work_date) DO UPDATE SET quarter_hours = excluded.quarter_hours,
               entered_by = excluded.entered_by, entered_at = excluded.entered_at, note = excluded.note",
            params![uid, day, q, actor.username, now, note],
        )?;
        let (action, old_h, old_note) = match &old {
            Some((oq, on)) => (Action::Update, Some(quarters(*oq)), Some(on.clone())),
            None => (Action::Create, None, None),
        };
        audit.record(
            Event::new(action, Subtype::Update, "staff_hours", format!("{username}/{day}"))
                .detail(json!({
                    "rule": "MET-05", "user": username, "work_date": day,
                    "old": old_h, "new": quarters(q),
                    "old_note": old_note, "note": note,
                })),
        );
        Ok(Entered {
            username: username.to_string(),
            work_date: date,
            old_hours: old_h,
            hours: quarters(q),
        })
    })
}

/// Hours entered on `from..=to` by user (username → hours), for the reports. A bare read.
pub fn hours_by_user(
    conn: &Reader,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::BTreeMap<String, f64>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT u.username, sum(h.quarter_hours) FROM staff_hours h JOIN users u ON u.id = h.user_id
         WHERE h.work_date BETWEEN ?1 AND ?2 GROUP BY u.username",
    )?;
    let rows = st.query_map(params![from.to_string(), to.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, quarters(r.get(1)?)))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Hours entered on `from..=to` (one user, or everyone), newest day first. A bare read.
pub fn list_hours(
    conn: &Reader,
    user: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<HoursRow>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT u.username, u.role, h.work_date, h.quarter_hours, h.entered_by, h.entered_at, h.note
           FROM staff_hours h JOIN users u ON u.id = h.user_id
          WHERE h.work_date BETWEEN ?1 AND ?2 AND (?3 IS NULL OR u.username = ?3)
          ORDER BY h.work_date DESC, u.username",
    )?;
    let rows = st.query_map(params![from.to_string(), to.to_string(), user], |r| {
        let d: String = r.get(2)?;
        Ok(HoursRow {
            username: r.get(0)?,
            role: r.get(1)?,
            work_date: NaiveDate::parse_from_str(&d, "%Y-%m-%d").unwrap_or_default(),
            hours: quarters(r.get(3)?),
            entered_by: r.get(4)?,
            entered_at: r.get(5)?,
            note: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A user's own hours (any user), or anyone's (supervisor), on `from..=to`; audited as a query.
pub fn read_hours(
    store: &mut Store,
    actor: &Actor,
    user: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<HoursRow>, CoreError> {
    let own = user.is_some_and(|u| u.trim() == actor.username);
    if !own {
        authorize(
            store,
            actor,
            Perm::Administer,
            "staff_hours",
            user.unwrap_or("*"),
        )?;
    }
    store.transact_read(actor, |tx, audit| {
        let rows = list_hours(tx, user.map(str::trim), from, to)?;
        audit.record(
            Event::new(
                Action::Read,
                Subtype::Query,
                "staff_hours",
                user.unwrap_or("*"),
            )
            .detail(json!({"from": from, "to": to, "results": rows.len()})),
        );
        Ok(rows)
    })
}
