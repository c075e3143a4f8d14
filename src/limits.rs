//! Input limits: what a file or a form may put in the database. Lengths and code counts are
//! settings (`max_name_length`, `max_field_length`, `max_codes_per_encounter`); dates are
//! plausible calendar dates, years 1900 to 2100 (a birth date of 9999-12-31 is refused).
//! Each refusal names the field, the limit and the setting that sets it.

use crate::store::Reader;
use chrono::{Datelike, NaiveDate};

use crate::error::CoreError;
use crate::settings;

/// The first and last year a date may have.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Is this date's year within [`YEARS`]?
pub fn plausible_date(d: NaiveDate) -> bool {
    YEARS.contains(&d.year())
}

/// The message for a date outside [`YEARS`].
pub fn date_message(d: impl std::fmt::Display) -> String {
    format!(
        "{d} is outside the years {}-{} (input limit)",
        YEARS.start(),
        YEARS.end()
    )
}

/// A date within [`YEARS`], else an error naming `field`.
pub fn check_date(field: &str, d: NaiveDate) -> Result<(), CoreError> {
    if plausible_date(d) {
        Ok(())
    } else {
        Err(CoreError::invalid(field, date_message(d)))
    }
}

/// What a column holds, for its length limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// A person's, provider's or requester's name (`max_name_length`).
    Name,
    /// Any other short free text (`max_field_length`).
    Field,
}

/// The limits in force (read once per action or file).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub name: usize,
    pub field: usize,
    pub codes: usize,
}

impl Limits {
    pub fn read(conn: &Reader) -> Result<Limits, CoreError> {
        let get = |k: settings::Key| -> Result<usize, CoreError> {
            Ok(usize::try_from(settings::get_i64(conn, k)?).unwrap_or(usize::MAX))
        };
        Ok(Limits {
            name: get(crate::settings::Key::MaxNameLength)?,
            field: get(crate::settings::Key::MaxFieldLength)?,
            codes: get(crate::settings::Key::MaxCodesPerEncounter)?,
        })
    }

    /// A text value within its limit, else an error naming `field`.
    pub fn check_text(&self, field: &str, value: &str, kind: TextKind) -> Result<(), CoreError> {
        let (max, setting) = match kind {
            TextKind::Name => (self.name, "max_name_length"),
            TextKind::Field => (self.field, "max_field_length"),
        };
        let n = value.chars().count();
        if n > max {
            return Err(CoreError::invalid(
                field,
                format!("{n} characters, more than {max} ({setting})"),
            ));
        }
        Ok(())
    }

    /// A code count within `max_codes_per_encounter`.
    pub fn check_codes(&self, count: usize) -> Result<(), CoreError> {
        if count > self.codes {
            return Err(CoreError::invalid(
                "codes",
                format!(
                    "{count} codes on one encounter, more than {} (max_codes_per_encounter)",
                    self.codes
                ),
            ));
        }
        Ok(())
    }

    /// Import columns by name: `*name*` columns are names, `body` (document text) is exempt,
    /// every other text column is a field.
    pub fn check_columns<'a>(
        &self,
        cols: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Result<(), CoreError> {
        for (col, value) in cols {
            let Some(v) = value else { continue };
            if col == "body" {
                continue;
            }
            let kind = if col.contains("name") {
                TextKind::Name
            } else {
                TextKind::Field
            };
            self.check_text(col, v, kind)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            name: 100,
            field: 4000,
            codes: 100,
        }
    }

    #[test]
    fn input_limits_dates_within_1900_to_2100() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert!(check_date("birth_date", d(9999, 12, 31)).is_err());
        assert!(check_date("birth_date", d(1899, 12, 31)).is_err());
        assert!(check_date("birth_date", d(1900, 1, 1)).is_ok());
        assert!(check_date("birth_date", d(2100, 12, 31)).is_ok());
        let e = check_date("birth_date", d(9999, 12, 31))
            .unwrap_err()
            .to_string();
        assert!(e.contains("birth_date") && e.contains("1900-2100"), "{e}");
    }

    #[test]
    fn input_limits_names_fields_and_codes() {
        let l = limits();
        assert!(
            l.check_text("family_name", &"x".repeat(100), TextKind::Name)
                .is_ok()
        );
        let e = l
            .check_text("family_name", &"x".repeat(101), TextKind::Name)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("family_name") && e.contains("max_name_length"),
            "{e}"
        );
        assert!(
            l.check_text("purpose", &"x".repeat(4001), TextKind::Field)
                .is_err()
        );
        assert!(l.check_codes(100).is_ok());
        assert!(
            l.check_codes(101)
                .unwrap_err()
                .to_string()
                .contains("max_codes_per_encounter")
        );
        let long = "y".repeat(5000);
        assert!(l.check_columns([("body", Some(long.as_str()))]).is_ok());
        assert!(
            l.check_columns([("given_name", Some(long.as_str()))])
                .is_err()
        );
    }
}
