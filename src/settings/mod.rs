//! Facility settings (DOMAIN: values marked as settings are never hard-coded). Defaults live
//! here; a stored row overrides them. Only a supervisor (or the command-line administrator)
//! changes a setting, and every change is audited with its old and new value.
//!
//! The key table is in `keys.rs` (typed [`Key`], [`Kind`], [`SettingDef`]) and `table.rs`
//! ([`SETTINGS`]); value checks in `validate.rs`; reading and changing values here.

mod keys;
mod table;
mod validate;

pub use keys::{Key, Kind, SettingDef};
pub use table::SETTINGS;
pub use validate::{parse_hours, validate};

use crate::store::Reader;
use rusqlite::OptionalExtension;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

/// A stored name's definition; `None` for an unknown name.
pub fn def(name: &str) -> Option<&'static SettingDef> {
    Key::parse(name).map(Key::def)
}

fn unknown(name: &str) -> CoreError {
    CoreError::invalid("setting", format!("unknown setting {name:?}"))
}

/// The value in force: stored, else the default.
pub fn get(conn: &Reader, key: Key) -> Result<String, CoreError> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [key.name()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(stored.unwrap_or_else(|| key.def().default.to_string()))
}

/// An integer setting; a stored value that no longer parses falls back to the default.
pub fn get_i64(conn: &Reader, key: Key) -> Result<i64, CoreError> {
    let v = get(conn, key)?;
    Ok(v.trim()
        .parse()
        .unwrap_or_else(|_| key.def().default.parse().unwrap_or(0)))
}

/// A decimal setting; a stored value that no longer parses falls back to the default.
pub fn get_f64(conn: &Reader, key: Key) -> Result<f64, CoreError> {
    let v = get(conn, key)?;
    Ok(v.trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .unwrap_or_else(|| key.def().default.parse().unwrap_or(0.0)))
}

/// Change a setting by its stored name (supervisor only, enforced here), audited with the
/// old and new values in the same transaction. The name comes from a user (CLI, settings
/// screen); code that knows its key passes `key.name()`.
pub fn set(store: &mut Store, actor: &Actor, name: &str, value: &str) -> Result<(), CoreError> {
    let d = def(name).ok_or_else(|| unknown(name))?;
    let key = d.key;
    authorize(store, actor, Perm::Administer, "setting", key.name())?;
    validate(d, value)?;
    let value = match d.kind {
        Kind::Choice(_) => value.trim().to_ascii_uppercase(),
        _ => value.trim().to_string(),
    };
    let value = value.as_str();
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        let old = get(tx, key)?;
        tx.execute(
            "INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
            rusqlite::params![key.name(), value, now, actor.username],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::SettingsChange, "setting", key.name())
                .detail(json!({"old": old, "new": value, "rule": d.rule})),
        );
        Ok(())
    })
}

/// Every setting with its value in force, in [`SETTINGS`] order.
pub fn list(conn: &Reader) -> Result<Vec<(&'static SettingDef, String)>, CoreError> {
    SETTINGS
        .iter()
        .map(|d| Ok((d, get(conn, d.key)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_key_order_and_complete() {
        assert_eq!(SETTINGS.len(), Key::ALL.len());
        for (i, k) in Key::ALL.iter().enumerate() {
            assert_eq!(SETTINGS[i].key, *k, "SETTINGS[{i}] is not {k}");
            assert_eq!(Key::parse(k.name()), Some(*k));
            assert!(!SETTINGS[i].rule.is_empty() && !SETTINGS[i].doc.is_empty());
        }
    }

    #[test]
    fn every_default_passes_its_own_validation() {
        for d in SETTINGS {
            assert!(
                validate(d, d.default).is_ok(),
                "{} default {:?}",
                d.name(),
                d.default
            );
        }
    }

    #[test]
    fn checked_kinds_reject_bad_values() {
        let bad = [
            (Key::FeeMethod, "cheap"),
            (Key::FacilityState, "New York"),
            (Key::StateFeeSchedule, "base=x"),
            (Key::AnalysisCutoverDate, "2026-13-01"),
            (Key::FacilityTimezone, "Mars/Olympus"),
            (Key::AgingBucketEdges, "14,7,30"),
            (Key::BusinessHours, "19:00-07:00"),
            (Key::BusinessHours, "9-5"),
        ];
        for (k, v) in bad {
            assert!(validate(k.def(), v).is_err(), "{k} accepted {v:?}");
        }
        assert_eq!(
            parse_hours("08:30-17:00").map(|(a, b)| (a.to_string(), b.to_string())),
            Ok(("08:30:00".to_string(), "17:00:00".to_string()))
        );
    }
}
