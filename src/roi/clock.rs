//! The request clock (ROI-01, ROI-02): due dates, the one extension, holds, days left.
//!
//! Invariants: due dates are facility-local calendar days and receipt is day 0, so a request
//! received on the 1st with 30 days is due on the 31st. The clock of an access request
//! (SELF, PERSREP, DIRECTIVE) never pauses; other requests pause while on hold when
//! `pause_on_hold_non_access` is set. A hold covers `[from, until)`; an open hold runs to
//! `today`. Overlapping holds count each day once.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::RoiError;
use super::requester::RequesterType;

/// The federal limit to act on an access request (164.524(b)(2)).
pub const FEDERAL_ACCESS_DAYS: u32 = 30;
/// The federal limit of the one extension (164.524(b)(2)(ii)).
pub const FEDERAL_EXTENSION_DAYS: u32 = 30;
pub const ACCESS_RULE: &str = "45 CFR 164.524(b)(2)";

/// Clock settings. A stricter state shortens `access_due_days` or `max_extension_days`;
/// neither may exceed the federal 30 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockSettings {
    pub access_due_days: u32,
    pub max_extension_days: u32,
    pub pause_on_hold_non_access: bool,
}

impl Default for ClockSettings {
    fn default() -> Self {
        ClockSettings {
            access_due_days: FEDERAL_ACCESS_DAYS,
            max_extension_days: FEDERAL_EXTENSION_DAYS,
            pause_on_hold_non_access: true,
        }
    }
}

impl ClockSettings {
    /// Refuse settings looser than federal law.
    pub fn check(&self) -> Result<(), RoiError> {
        let range = |setting, value, min, max| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(RoiError::Setting {
                    setting,
                    value,
                    min,
                    max,
                })
            }
        };
        range(
            "access_due_days",
            self.access_due_days,
            1,
            FEDERAL_ACCESS_DAYS,
        )?;
        range(
            "max_extension_days",
            self.max_extension_days,
            0,
            FEDERAL_EXTENSION_DAYS,
        )
    }
}

/// The one extension: how many days, why, and when the written notice went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub days: u32,
    pub reason: String,
    pub notice_sent: NaiveDate,
}

/// A period on hold, `[from, until)`; `until = None` while still on hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Where a request stands against its clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    /// Due date after the extension and any paused days.
    pub due: NaiveDate,
    /// Days added because the clock was paused on hold.
    pub paused_days: u32,
    /// `due − today`; negative when overdue, 0 on the due date.
    pub days_left: i64,
    pub overdue: bool,
}

pub(crate) fn add_days(d: NaiveDate, n: u32, what: &'static str) -> Result<NaiveDate, RoiError> {
    d.checked_add_days(Days::new(u64::from(n)))
        .ok_or(RoiError::DateOutOfRange { what })
}

/// ROI-01: received + `access_due_days` (receipt is day 0).
pub fn initial_due(received: NaiveDate, s: &ClockSettings) -> Result<NaiveDate, RoiError> {
    s.check()?;
    add_days(received, s.access_due_days, "due date")
}

/// Apply one extension to an initial due date: a written reason, at most `max_days`,
/// and the notice sent no later than the initial due date (within the first period).
pub fn extend(
    received: NaiveDate,
    initial_due: NaiveDate,
    ext: &Extension,
    max_days: u32,
    rule: &'static str,
) -> Result<NaiveDate, RoiError> {
    if ext.reason.trim().is_empty() {
        return Err(RoiError::ExtensionReasonMissing { rule });
    }
    if ext.days > max_days {
        return Err(RoiError::ExtensionTooLong {
            days: ext.days,
            max: max_days,
            rule,
        });
    }
    if ext.notice_sent < received {
        return Err(RoiError::ExtensionNoticeBeforeReceipt {
            sent: ext.notice_sent,
            received,
        });
    }
    if ext.notice_sent > initial_due {
        return Err(RoiError::ExtensionNoticeLate {
            sent: ext.notice_sent,
            due: initial_due,
            rule,
        });
    }
    add_days(initial_due, ext.days, "extended due date")
}

/// ROI-02: whether holds pause this requester's clock.
pub fn clock_pauses(t: RequesterType, s: &ClockSettings) -> bool {
    !t.is_access() && s.pause_on_hold_non_access
}

/// Days on hold up to `today`, each day counted once however many holds cover it.
pub fn paused_days(holds: &[Hold], today: NaiveDate) -> u32 {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = holds
        .iter()
        .map(|h| (h.from, h.until.unwrap_or(today).min(today)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort();
    let mut total: i64 = 0;
    let mut covered_to: Option<NaiveDate> = None;
    for (a, b) in spans {
        let start = covered_to.map_or(a, |c| a.max(c));
        if b > start {
            total += (b - start).num_days();
            covered_to = Some(b);
        }
    }
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// The clock of one request as of `today` (ROI-01, ROI-02). Requests outside the right of
/// access have no federal deadline; they run on the same `access_due_days` as a work
/// target, and their holds pause it.
pub fn status(
    t: RequesterType,
    received: NaiveDate,
    s: &ClockSettings,
    extension: Option<&Extension>,
    holds: &[Hold],
    today: NaiveDate,
) -> Result<ClockStatus, RoiError> {
    let first = initial_due(received, s)?;
    let due = match extension {
        Some(e) => extend(received, first, e, s.max_extension_days, ACCESS_RULE)?,
        None => first,
    };
    let paused = if clock_pauses(t, s) {
        paused_days(holds, today)
    } else {
        0
    };
    let due = add_days(due, paused, "due date after holds")?;
    let days_left = (due - today).num_days();
    Ok(ClockStatus {
        due,
        paused_days: paused,
        days_left,
        overdue: days_left < 0,
    })
}
