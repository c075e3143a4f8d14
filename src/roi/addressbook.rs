//! The requester address book: attorneys, insurers, agencies and providers the desk has
//! seen before, with their address, requester type (DOMAIN §4.2), default fee class
//! (ROI-04) and delivery, and how their identity and authority were verified before
//! (ROI-07). Intake picks one by typing a few letters instead of retyping it.
//!
//! Invariants: every write is one audited transaction, permission-checked (ROI or
//! supervisor); entries are never deleted (`active = 0` retires one); an update carries the
//! version it was read at and is refused when another user changed the entry since
//! ([`crate::store::version`]).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::request::Delivery;
use super::requester::RequesterType;
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;
use crate::store::version::Versioned;

/// ROI-04 fee classes: the individual's own copy (164.524(c)(4) limits), no fee (treatment,
/// public health), or the state fee schedule (other third parties).
pub const FEE_CLASSES: &[&str] = &["ACCESS_LIMITED", "NO_FEE", "STATE_SCHEDULE"];

/// The default fee class of a requester type (ROI-04).
pub fn default_fee_class(t: RequesterType) -> &'static str {
    use RequesterType::*;
    match t {
        SelfAccess | PersRep | Directive => "ACCESS_LIMITED",
        ProviderTx | PublicHealth | Hhs | Oversight => "NO_FEE",
        _ => "STATE_SCHEDULE",
    }
}

/// One address-book entry as written by a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequesterEntry {
    pub name: String,
    pub address: String,
    pub requester_type: RequesterType,
    pub fee_class: String,
    pub delivery: Delivery,
    /// How identity and authority were verified before (ROI-07), e.g. "bar card on file".
    pub verification: String,
}

/// One entry as stored, with the version it was read at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Requester {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub requester_type: RequesterType,
    pub fee_class: String,
    pub delivery: Delivery,
    pub verification: String,
    pub active: bool,
    pub version: i64,
}

fn check(e: &RequesterEntry) -> Result<(), CoreError> {
    if e.name.trim().is_empty() {
        return Err(CoreError::invalid(
            "name",
            "the requester must be named (DOMAIN 4.5)",
        ));
    }
    if !FEE_CLASSES.contains(&e.fee_class.as_str()) {
        return Err(CoreError::invalid(
            "fee_class",
            format!(
                "{:?} is not a fee class (ROI-04: {})",
                e.fee_class,
                FEE_CLASSES.join(", ")
            ),
        ));
    }
    Ok(())
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Requester> {
    let t: String = r.get(3)?;
    let d: String = r.get(5)?;
    let bad = |f: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("requester_book.{f}: {v:?}").into(),
        )
    };
    Ok(Requester {
        id: r.get(0)?,
        name: r.get(1)?,
        address: r.get(2)?,
        requester_type: RequesterType::parse(&t).ok_or_else(|| bad("requester_type", &t))?,
        fee_class: r.get(4)?,
        delivery: Delivery::parse(&d).ok_or_else(|| bad("delivery", &d))?,
        verification: r.get(6)?,
        active: r.get::<_, i64>(7)? != 0,
        version: r.get(8)?,
    })
}

const COLUMNS: &str =
    "id, name, address, requester_type, fee_class, delivery, verification, active, version";

/// Add an entry; returns its id.
pub fn add(store: &mut Store, actor: &Actor, e: &RequesterEntry) -> Result<i64, CoreError> {
    authorize(store, actor, Perm::ReleaseRecords, "requester", "new")?;
    check(e)?;
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        tx.execute(
            "INSERT INTO requester_book(name, address, requester_type, fee_class, delivery, verification, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                e.name.trim(),
                e.address.trim(),
                e.requester_type.as_str(),
                e.fee_class,
                e.delivery.as_str(),
                e.verification.trim(),
                actor.username,
                now
            ],
        )?;
        let id = tx.last_insert_rowid();
        audit.record(Event::new(Action::Create, Subtype::Create, "requester", id).detail(json!({
            "name": e.name.trim(), "address": e.address.trim(), "requester_type": e.requester_type.as_str(),
            "fee_class": e.fee_class, "delivery": e.delivery.as_str(), "verification": e.verification.trim(),
        })));
        Ok(id)
    })
}

/// Change an entry read at `read_at`; refused with who changed what and when if another user
/// changed it since ([`Versioned::Requester`]). Returns the new version.
pub fn update(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    read_at: i64,
    e: &RequesterEntry,
) -> Result<i64, CoreError> {
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "requester",
        &id.to_string(),
    )?;
    check(e)?;
    store.guarded(Versioned::Requester(id), read_at, |store| {
        store.transact(actor, |tx, audit| {
            let old = load(tx, id)?;
            tx.execute(
                "UPDATE requester_book SET name = ?2, address = ?3, requester_type = ?4, fee_class = ?5,
                    delivery = ?6, verification = ?7 WHERE id = ?1",
                params![
                    id,
                    e.name.trim(),
                    e.address.trim(),
                    e.requester_type.as_str(),
                    e.fee_class,
                    e.delivery.as_str(),
                    e.verification.trim()
                ],
            )?;
            let mut diff = serde_json::Map::new();
            let mut put = |k: &str, a: &str, b: &str| {
                if a != b {
                    diff.insert(k.into(), json!({"old": a, "new": b}));
                }
            };
            put("name", &old.name, e.name.trim());
            put("address", &old.address, e.address.trim());
            put(
                "requester_type",
                old.requester_type.as_str(),
                e.requester_type.as_str(),
            );
            put("fee_class", &old.fee_class, &e.fee_class);
            put("delivery", old.delivery.as_str(), e.delivery.as_str());
            put("verification", &old.verification, e.verification.trim());
            audit.record(
                Event::new(Action::Update, Subtype::Update, "requester", id)
                    .detail(serde_json::Value::Object(diff)),
            );
            Ok(load(tx, id)?.version)
        })
    })
}

/// One entry (reference data about a requester, not PHI: not audited).
pub fn load(conn: &crate::store::Reader, id: i64) -> Result<Requester, CoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM requester_book WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "address-book entry",
        id: id.to_string(),
    })
}

/// Active entries whose name starts with, or contains a word starting with, `typed`
/// (case-insensitive), best first (prefix matches, then by name); at most `limit`.
/// Empty `typed` lists the first `limit` by name.
pub fn find(
    conn: &crate::store::Reader,
    typed: &str,
    limit: usize,
) -> Result<Vec<Requester>, CoreError> {
    let t = typed.trim().to_lowercase();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM requester_book WHERE active = 1 ORDER BY name COLLATE NOCASE, id"
    ))?;
    let all = stmt
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut scored: Vec<(u8, Requester)> = all
        .into_iter()
        .filter_map(|r| {
            let n = r.name.to_lowercase();
            let rank = if t.is_empty() || n.starts_with(&t) {
                0
            } else if n
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w.starts_with(&t))
            {
                1
            } else if n.contains(&t) {
                2
            } else {
                return None;
            };
            Some((rank, r))
        })
        .collect();
    scored.sort_by_key(|(rank, _)| *rank);
    Ok(scored.into_iter().take(limit).map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_04_default_fee_class_by_requester_type() {
        assert_eq!(
            default_fee_class(RequesterType::SelfAccess),
            "ACCESS_LIMITED"
        );
        assert_eq!(default_fee_class(RequesterType::ProviderTx), "NO_FEE");
        assert_eq!(default_fee_class(RequesterType::PublicHealth), "NO_FEE");
        assert_eq!(default_fee_class(RequesterType::Auth3p), "STATE_SCHEDULE");
    }

    #[test]
    fn an_entry_needs_a_name_and_a_known_fee_class() {
        let mut e = RequesterEntry {
            name: " ".into(),
            address: String::new(),
            requester_type: RequesterType::Auth3p,
            fee_class: "STATE_SCHEDULE".into(),
            delivery: Delivery::Electronic,
            verification: String::new(),
        };
        assert!(check(&e).unwrap_err().to_string().starts_with("name:"));
        e.name = "Smith LLP".into();
        e.fee_class = "CHEAP".into();
        assert!(check(&e).unwrap_err().to_string().starts_with("fee_class:"));
    }
}
