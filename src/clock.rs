//! The one clock service: instants in UTC, calendar days in the facility's time zone.
//!
//! Invariants:
//! - "Now" comes from the store's injectable clock ([`Store::now`], UTC). Durations and
//!   expiries (work claims, lockouts) are computed and stored in UTC ([`utc_ts`]), so two
//!   processes in different time zones agree on whether a claim is live.
//! - Calendar days (today, ROI received and due dates, report "as of" dates) and wall-clock
//!   times written next to clinical data are facility-local: the IANA zone of the
//!   `facility_timezone` setting, never the zone of the process (`TZ`). A process in Auckland
//!   and one in Los Angeles see the same "today" at the same instant.
//! - Pure code (TUI screens) that only has an instant uses [`facility_date`], which reads the
//!   zone this process last read from its database (every [`FacilityClock::read`] refreshes
//!   it; before any read it is the setting's default).

use std::sync::RwLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::error::CoreError;
use crate::store::Store;

/// The facility zone this process last read (for pure code that has only an instant).
static ZONE: RwLock<Option<Tz>> = RwLock::new(None);

/// The default of `facility_timezone`.
fn default_zone() -> Tz {
    parse_zone(crate::settings::Key::FacilityTimezone.def().default).unwrap_or(Tz::UTC)
}

/// An IANA zone name (`America/Chicago`); anything else is an error naming the value.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        format!("{name:?} is not an IANA time zone name (e.g. America/Chicago, Pacific/Auckland)")
    })
}

/// The facility zone from the `facility_timezone` setting.
pub fn facility_zone(conn: &crate::store::Reader) -> Result<Tz, CoreError> {
    let name = crate::settings::get(conn, crate::settings::Key::FacilityTimezone)?;
    let tz = parse_zone(&name).map_err(|e| CoreError::invalid("facility_timezone", e))?;
    if let Ok(mut z) = ZONE.write() {
        *z = Some(tz);
    }
    Ok(tz)
}

/// The zone this process last read from its database (else the setting's default).
pub fn cached_zone() -> Tz {
    ZONE.read()
        .ok()
        .and_then(|z| *z)
        .unwrap_or_else(default_zone)
}

/// The facility calendar day of an instant (pure code: uses [`cached_zone`]).
pub fn facility_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&cached_zone()).date_naive()
}

/// The facility wall-clock time of an instant (pure code: uses [`cached_zone`]).
pub fn facility_local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&cached_zone()).naive_local()
}

/// A UTC instant as stored for expiries: `YYYY-MM-DDTHH:MM:SSZ` (sorts as time).
pub fn utc_ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One reading of the clock: the instant and the facility zone.
#[derive(Clone, Copy, Debug)]
pub struct FacilityClock {
    now: DateTime<Utc>,
    zone: Tz,
}

impl FacilityClock {
    /// The store's "now" with the facility zone from its settings.
    pub fn read(store: &Store) -> Result<FacilityClock, CoreError> {
        Ok(FacilityClock {
            now: store.now(),
            zone: facility_zone(store.conn())?,
        })
    }

    /// A given instant with the facility zone of `conn`.
    pub fn at(conn: &crate::store::Reader, now: DateTime<Utc>) -> Result<FacilityClock, CoreError> {
        Ok(FacilityClock {
            now,
            zone: facility_zone(conn)?,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The facility's calendar day.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.zone).date_naive()
    }

    /// The facility's wall-clock time.
    pub fn local_now(&self) -> NaiveDateTime {
        self.local(self.now)
    }

    /// An instant in facility wall-clock time.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.zone).naive_local()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn facility_days_do_not_depend_on_the_process_zone() {
        // 2026-12-03 20:00 UTC: 12:00 in Los Angeles (Dec 3), 09:00 on Dec 4 in Auckland.
        let t = Utc.with_ymd_and_hms(2026, 12, 3, 20, 0, 0).unwrap();
        let la = FacilityClock {
            now: t,
            zone: parse_zone("America/Los_Angeles").unwrap(),
        };
        let akl = FacilityClock {
            now: t,
            zone: parse_zone("Pacific/Auckland").unwrap(),
        };
        assert_eq!(la.today().to_string(), "2026-12-03");
        assert_eq!(akl.today().to_string(), "2026-12-04");
        assert_eq!(utc_ts(t), "2026-12-03T20:00:00Z");
        assert!(parse_zone("Mars/Olympus").is_err());
    }
}
