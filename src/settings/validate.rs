//! Checking a setting's value against its [`Kind`], and the parsers of the checked kinds.

use super::{Kind, SettingDef};
use crate::error::CoreError;

pub(super) fn check_fee_method(v: &str) -> Result<(), String> {
    crate::roi::fees::FeeMethod::parse(v.trim())
        .map(|_| ())
        .ok_or_else(|| format!("{v:?} is not actual, average_schedule or flat (ROI-04)"))
}

pub(super) fn check_state(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v.is_empty() || (v.len() == 2 && v.chars().all(|c| c.is_ascii_alphabetic())) {
        Ok(())
    } else {
        Err(format!("{v:?} is not a two-letter state code (or empty)"))
    }
}

pub(super) fn check_state_rules(v: &str) -> Result<(), String> {
    crate::roi::category::parse_state_rules(v).map(|_| ())
}

pub(super) fn check_fee_classes(v: &str) -> Result<(), String> {
    crate::roi::fees::parse_fee_classes(v).map(|_| ())
}

pub(super) fn check_fee_schedule(v: &str) -> Result<(), String> {
    crate::roi::fees::parse_fee_schedule(v).map(|_| ())
}

pub(super) fn check_date(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v.is_empty() || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() {
        Ok(())
    } else {
        Err(format!("{v:?} is not a date YYYY-MM-DD (or empty)"))
    }
}

pub(super) fn check_zone(v: &str) -> Result<(), String> {
    crate::clock::parse_zone(v).map(|_| ())
}

pub(super) fn check_edges(v: &str) -> Result<(), String> {
    let n: Result<Vec<i64>, _> = v.split(',').map(|s| s.trim().parse::<i64>()).collect();
    match n.as_deref() {
        Ok([a, b, c]) if 0 < *a && a < b && b < c => Ok(()),
        _ => Err(format!(
            "{v:?} is not three rising whole days (7,14,30) (DEL-06)"
        )),
    }
}

/// `business_hours` (AUD-14): `HH:MM-HH:MM`, start before end, facility-local.
pub fn parse_hours(v: &str) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
    let bad = || format!("{v:?} is not business hours HH:MM-HH:MM (AUD-14)");
    let (a, b) = v.trim().split_once('-').ok_or_else(bad)?;
    let t = |s: &str| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
    let (a, b) = (t(a)?, t(b)?);
    if a >= b {
        return Err(format!("{v:?}: the start must be before the end (AUD-14)"));
    }
    Ok((a, b))
}

pub(super) fn check_hours(v: &str) -> Result<(), String> {
    parse_hours(v).map(|_| ())
}

/// Check a value against its definition.
pub fn validate(d: &SettingDef, value: &str) -> Result<(), CoreError> {
    let name = d.name();
    match d.kind {
        Kind::Int { min, max } => {
            let n: i64 = value.trim().parse().map_err(|_| {
                CoreError::invalid(name, format!("{value:?} is not a whole number"))
            })?;
            if n < min || n > max {
                return Err(CoreError::invalid(
                    name,
                    format!("{n} is outside {min}..={max}"),
                ));
            }
        }
        Kind::Decimal { min, max } => {
            let n: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| CoreError::invalid(name, format!("{value:?} is not a number")))?;
            if n < min || n > max {
                return Err(CoreError::invalid(
                    name,
                    format!("{n} is outside {min}..={max}"),
                ));
            }
        }
        Kind::Choice(words) => {
            if !words.iter().any(|w| w.eq_ignore_ascii_case(value.trim())) {
                return Err(CoreError::invalid(
                    name,
                    format!("{value:?} is not one of {}", words.join(", ")),
                ));
            }
        }
        Kind::DeficiencyRules => {
            if !value.trim().is_empty() {
                serde_json::from_str::<crate::deficiency::rules::RuleSet>(value)
                    .map_err(|e| CoreError::invalid(name, format!("not a valid rule set: {e}")))?;
            }
        }
        Kind::Text | Kind::Checked { .. } => {
            if value.chars().any(|c| c.is_control()) {
                return Err(CoreError::invalid(
                    name,
                    "control characters are not allowed",
                ));
            }
            if let Kind::Checked { check, .. } = d.kind {
                check(value).map_err(|e| CoreError::invalid(name, e))?;
            }
        }
    }
    Ok(())
}
