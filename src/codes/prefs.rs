//! The picker's facility and coder data (issue #14): the synonyms table as the facility keeps
//! it (loaded from the shipped asset, edited with `codes synonym`), each coder's favourite
//! codes, and the ranking boost from the coder's recent codes, favourites and the facility's
//! code frequency.
//!
//! Invariants:
//! - Synonym rows are never deleted: a removal sets `active = 0` and is audited; seeding from
//!   the shipped asset (`INSERT OR IGNORE`) never overwrites a facility edit or brings back a
//!   removed term. A database never seeded reads the shipped table.
//! - Every change (synonym add/remove, favourite toggle) is one transaction with its audit row.
//! - Ranking: an exact code match stays first; then favourites, then the coder's recent codes
//!   (newest first), then the facility's frequency; hits with no boost keep the search order
//!   (a stable sort). Boosted codes that match the query but fell outside the search's
//!   `limit` are brought in, so a common code is never hidden below rare ones.
//! - The boost is read once when the picker opens ([`load_boost`]); a keystroke only sorts
//!   at most `limit` hits plus the few hundred boosted codes, so it stays in memory.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::CodeSystem;
use super::search::{CodeHit, CodeIndex, MatchKind, words};
use super::synonyms::{self, Synonym, Synonyms, smart_search};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{Reader, Store, Tx};

/// Codes of the facility's frequency list read into a boost (the most coded).
pub const FREQUENT_CODES: usize = 300;
/// A coder's recent codes read into a boost.
pub const RECENT_CODES: usize = 50;

/// One coder's ranking boost: a score per (system, code), larger ranks higher.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Boost {
    scores: HashMap<(CodeSystem, String), u64>,
    /// Boosted codes, best first (the candidates brought into a search).
    order: Vec<(CodeSystem, String)>,
    favourites: Vec<(CodeSystem, String)>,
}

const FAVOURITE: u64 = 1 << 40;
const RECENT: u64 = 1 << 20;

impl Boost {
    /// A boost from favourites, recent codes (newest first) and facility counts
    /// (`(system, code, times coded)`).
    pub fn new(
        favourites: Vec<(CodeSystem, String)>,
        recent: Vec<(CodeSystem, String)>,
        frequency: Vec<(CodeSystem, String, u64)>,
    ) -> Boost {
        let mut scores: HashMap<(CodeSystem, String), u64> = HashMap::new();
        for f in &favourites {
            *scores.entry(f.clone()).or_default() += FAVOURITE;
        }
        let n = recent.len() as u64;
        // Distinct codes, newest first: the newest gets the largest recency.
        for (i, r) in recent.into_iter().enumerate() {
            *scores.entry(r).or_default() += RECENT * (n - i as u64).min(1023);
        }
        for (sys, code, count) in frequency {
            *scores.entry((sys, code)).or_default() += count.min(RECENT - 1);
        }
        let mut order: Vec<_> = scores.iter().map(|(k, v)| (*v, k.clone())).collect();
        order.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.1.cmp(&b.1.1)));
        Boost {
            scores,
            order: order.into_iter().map(|(_, k)| k).collect(),
            favourites,
        }
    }

    pub fn score(&self, system: CodeSystem, code: &str) -> u64 {
        self.scores
            .get(&(system, code.to_string()))
            .copied()
            .unwrap_or(0)
    }

    pub fn is_favourite(&self, system: CodeSystem, code: &str) -> bool {
        self.favourites
            .iter()
            .any(|(s, c)| *s == system && c == code)
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Flip a favourite in memory (after the store did), keeping the ranking current.
    pub fn set_favourite(&mut self, system: CodeSystem, code: &str, on: bool) {
        let key = (system, code.to_string());
        let had = self.is_favourite(system, code);
        let s = self.scores.entry(key.clone()).or_default();
        if on && !had {
            *s += FAVOURITE;
            self.favourites.push(key.clone());
        } else if !on && had {
            *s -= FAVOURITE;
            self.favourites.retain(|k| *k != key);
        }
        let scores = &self.scores;
        if !self.order.contains(&key) {
            self.order.push(key);
        }
        self.order.sort_by(|a, b| {
            let (sa, sb) = (scores.get(a), scores.get(b));
            sb.cmp(&sa).then_with(|| a.1.cmp(&b.1))
        });
    }
}

/// The picker search with the coder's boost: [`smart_search`], then boosted codes that match
/// the query brought in, then a stable sort by boost behind exact code matches (module doc).
pub fn ranked_search(
    index: &CodeIndex,
    table: &Synonyms,
    boost: &Boost,
    query: &str,
    limit: usize,
) -> Vec<CodeHit> {
    let mut hits = smart_search(index, table, query, limit);
    if boost.is_empty() || query.trim().is_empty() {
        return hits;
    }
    let (expanded, _) = synonyms::expand(table, query);
    for (system, code) in &boost.order {
        if hits.iter().any(|h| h.system == *system && h.code == *code) {
            continue;
        }
        if let Some(h) = index
            .hit_if_matches(*system, code, query)
            .or_else(|| index.hit_if_matches(*system, code, &expanded))
        {
            hits.push(h);
        }
    }
    hits.sort_by_key(|h| {
        (
            h.matched != MatchKind::ExactCode,
            std::cmp::Reverse(boost.score(h.system, &h.code)),
        )
    });
    hits.truncate(limit);
    hits
}

/// The boost of one coder: favourites, recent codes assigned by them, and the facility's most
/// coded codes on completed encounters (bare reads).
pub fn load_boost(conn: &Reader, username: &str) -> Result<Boost, CoreError> {
    let sys = |s: &str| match s {
        "pcs" | "icd10pcs" => CodeSystem::Icd10Pcs,
        _ => CodeSystem::Icd10Cm,
    };
    let mut st = conn.prepare_cached(
        "SELECT system, code FROM code_favourites WHERE username = ?1 ORDER BY added_at, code",
    )?;
    let favourites = st
        .query_map([username], |r| {
            Ok((sys(&r.get::<_, String>(0)?), r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut st = conn.prepare_cached(
        "SELECT kind, code, MAX(assigned_at) AS last FROM encounter_codes
         WHERE assigned_by = ?1 AND kind IN ('dx', 'pcs')
         GROUP BY kind, code ORDER BY last DESC, code LIMIT ?2",
    )?;
    let recent = st
        .query_map(params![username, RECENT_CODES as i64], |r| {
            Ok((sys(&r.get::<_, String>(0)?), r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut st = conn.prepare_cached(
        "SELECT c.kind, c.code, COUNT(*) AS n FROM encounter_codes c
         JOIN encounters e ON e.id = c.encounter_id
         WHERE e.coding_status = 'coded' AND c.kind IN ('dx', 'pcs')
         GROUP BY c.kind, c.code ORDER BY n DESC, c.code LIMIT ?1",
    )?;
    let frequency = st
        .query_map([FREQUENT_CODES as i64], |r| {
            Ok((
                sys(&r.get::<_, String>(0)?),
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?.max(0) as u64,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Boost::new(favourites, recent, frequency))
}

/// Add or remove a favourite code of the acting coder; returns whether it is now a favourite.
/// Audited (the code and the new state).
pub fn toggle_favourite(
    store: &mut Store,
    actor: &Actor,
    system: CodeSystem,
    code: &str,
) -> Result<bool, CoreError> {
    authorize(store, actor, Perm::Code, "code_favourite", code)?;
    let code = code.trim().replace('.', "").to_ascii_uppercase();
    if code.is_empty() || code.len() > 7 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CoreError::invalid(
            "code",
            format!("{code:?} is not a code"),
        ));
    }
    let now = crate::clock::utc_ts(store.now());
    store.transact(actor, |tx, audit| {
        let had: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM code_favourites WHERE username = ?1 AND system = ?2 AND code = ?3",
                params![actor.username, system.as_str(), code],
                |r| r.get(0),
            )
            .optional()?;
        if had.is_some() {
            tx.execute(
                "DELETE FROM code_favourites WHERE username = ?1 AND system = ?2 AND code = ?3",
                params![actor.username, system.as_str(), code],
            )?;
        } else {
            tx.execute(
                "INSERT INTO code_favourites(username, system, code, added_at) VALUES (?1, ?2, ?3, ?4)",
                params![actor.username, system.as_str(), code, now],
            )?;
        }
        let on = had.is_none();
        audit.record(
            Event::new(
                Action::Update,
                if on { Subtype::Create } else { Subtype::Delete },
                "code_favourite",
                &code,
            )
            .detail(json!({"system": system.as_str(), "code": code, "favourite": on})),
        );
        Ok(on)
    })
}

/// One row of the facility's synonyms table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SynonymRow {
    pub term: String,
    pub expansion: String,
    pub codes: Vec<String>,
    /// `shipped` or `facility`.
    pub source: String,
    pub active: bool,
    pub updated_by: String,
    pub updated_at: String,
}

fn term_key(term: &str) -> String {
    words(term).collect::<Vec<_>>().join(" ")
}

/// Insert the shipped table's terms the database does not have (never overwriting a facility
/// edit or a removal). Returns how many were added. Runs inside the caller's transaction.
pub fn seed_synonyms(tx: &Tx<'_>, username: &str, now: &str) -> Result<usize, CoreError> {
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO picker_synonyms(term, expansion, codes, source, active, updated_by, updated_at)
         VALUES (?1, ?2, ?3, 'shipped', 1, ?4, ?5)",
    )?;
    let mut terms: Vec<(&String, &Synonym)> = synonyms::embedded().terms.iter().collect();
    terms.sort_by(|a, b| a.0.cmp(b.0));
    let mut n = 0;
    for (term, s) in terms {
        n += ins.execute(params![term, s.expansion, s.codes.join(","), username, now])?;
    }
    Ok(n)
}

/// Load the shipped synonyms into the database (audited when any row is added).
pub fn load_shipped_synonyms(store: &mut Store, actor: &Actor) -> Result<usize, CoreError> {
    authorize(store, actor, Perm::Administer, "picker_synonyms", "shipped")?;
    // Nothing to add (the usual case after the first load): no write, no audit row.
    let have: std::collections::HashSet<String> = list_synonyms(store.conn())?
        .into_iter()
        .map(|r| r.term)
        .collect();
    if synonyms::embedded().terms.keys().all(|t| have.contains(t)) {
        return Ok(0);
    }
    let now = crate::clock::utc_ts(store.now());
    store.transact(actor, |tx, audit| {
        let n = seed_synonyms(tx, &actor.username, &now)?;
        if n > 0 {
            audit.record(
                Event::new(
                    Action::Create,
                    Subtype::Create,
                    "picker_synonyms",
                    "shipped",
                )
                .detail(json!({"added": n, "source": "assets/picker-synonyms.tsv"})),
            );
        }
        Ok(n)
    })
}

/// Every row of the table, active first then by term (bare read).
pub fn list_synonyms(conn: &Reader) -> Result<Vec<SynonymRow>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT term, expansion, codes, source, active, updated_by, updated_at
         FROM picker_synonyms ORDER BY active DESC, term",
    )?;
    let rows = st
        .query_map([], |r| {
            let codes: String = r.get(2)?;
            Ok(SynonymRow {
                term: r.get(0)?,
                expansion: r.get(1)?,
                codes: codes
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                source: r.get(3)?,
                active: r.get::<_, i64>(4)? != 0,
                updated_by: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The table the picker searches: the database's active rows, or the shipped table when the
/// database was never seeded.
pub fn synonyms_in_force(conn: &Reader) -> Result<Synonyms, CoreError> {
    let rows = list_synonyms(conn)?;
    if rows.is_empty() {
        return Ok(synonyms::embedded().clone());
    }
    let mut out = Synonyms::default();
    for r in rows.into_iter().filter(|r| r.active) {
        out.terms.insert(
            r.term,
            Synonym {
                expansion: r.expansion,
                codes: r.codes,
            },
        );
    }
    Ok(out)
}

/// Add or replace a facility synonym (seeding the shipped table first, so the database is the
/// whole table). Codes are validated against the loaded code sets. Audited with old and new.
pub fn add_synonym(
    store: &mut Store,
    actor: &Actor,
    term: &str,
    expansion: &str,
    codes: &[String],
) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "picker_synonyms", term)?;
    let key = term_key(term);
    if key.is_empty() {
        return Err(CoreError::invalid(
            "term",
            "type the abbreviation or phrase",
        ));
    }
    let expansion = expansion.trim();
    if words(expansion).next().is_none() {
        return Err(CoreError::invalid(
            "expansion",
            format!("{key}: the words to search instead are empty"),
        ));
    }
    let mut norm = Vec::new();
    for c in codes.iter().flat_map(|c| c.split(',')) {
        let c = c.trim().replace('.', "").to_ascii_uppercase();
        if c.is_empty() {
            continue;
        }
        if c.len() > 7 || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(CoreError::invalid("codes", format!("{c:?} is not a code")));
        }
        let known: Option<i64> = store
            .conn()
            .query_row("SELECT 1 FROM codes WHERE code = ?1 LIMIT 1", [&c], |r| {
                r.get(0)
            })
            .optional()?;
        if known.is_none() {
            return Err(CoreError::invalid(
                "codes",
                format!("{c} is in no loaded code set"),
            ));
        }
        norm.push(c);
    }
    let now = crate::clock::utc_ts(store.now());
    store.transact(actor, |tx, audit| {
        seed_synonyms(tx, &actor.username, &now)?;
        let old = list_synonyms(tx)?.into_iter().find(|r| r.term == key);
        tx.execute(
            "INSERT INTO picker_synonyms(term, expansion, codes, source, active, updated_by, updated_at)
             VALUES (?1, ?2, ?3, 'facility', 1, ?4, ?5)
             ON CONFLICT(term) DO UPDATE SET expansion = excluded.expansion, codes = excluded.codes,
               source = 'facility', active = 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            params![key, expansion, norm.join(","), actor.username, now],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "picker_synonyms", &key).detail(json!({
                "from": old.map(|o| json!({"expansion": o.expansion, "codes": o.codes, "active": o.active})),
                "to": {"expansion": expansion, "codes": norm},
            })),
        );
        Ok(())
    })
}

/// Remove a term (its row stays, inactive). Audited.
pub fn remove_synonym(store: &mut Store, actor: &Actor, term: &str) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "picker_synonyms", term)?;
    let key = term_key(term);
    let now = crate::clock::utc_ts(store.now());
    store.transact(actor, |tx, audit| {
        seed_synonyms(tx, &actor.username, &now)?;
        let n = tx.execute(
            "UPDATE picker_synonyms SET active = 0, updated_by = ?2, updated_at = ?3 WHERE term = ?1 AND active = 1",
            params![key, actor.username, now],
        )?;
        if n == 0 {
            return Err(CoreError::invalid(
                "term",
                format!("{key:?} is not in the synonyms table"),
            ));
        }
        audit.record(
            Event::new(Action::Update, Subtype::Delete, "picker_synonyms", &key)
                .detail(json!({"term": key, "active": false})),
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(c: &str) -> (CodeSystem, String) {
        (CodeSystem::Icd10Cm, c.to_string())
    }

    #[test]
    fn favourites_outrank_recent_and_recent_outrank_frequency() {
        let b = Boost::new(
            vec![cm("E1165")],
            vec![cm("I509"), cm("E119")],
            vec![(CodeSystem::Icd10Cm, "E119".into(), 40), cm3("E1122", 900)],
        );
        let s = |c| b.score(CodeSystem::Icd10Cm, c);
        assert!(s("E1165") > s("I509"), "favourite over recent");
        assert!(s("I509") > s("E119"), "newer recent first");
        assert!(s("E119") > s("E1122"), "recent over frequency");
        assert!(s("E1122") > s("E1110"), "frequency over nothing");
        assert_eq!(b.order.first(), Some(&cm("E1165")));
    }

    fn cm3(c: &str, n: u64) -> (CodeSystem, String, u64) {
        (CodeSystem::Icd10Cm, c.to_string(), n)
    }

    #[test]
    fn set_favourite_is_reversible() {
        let mut b = Boost::new(Vec::new(), vec![cm("I10")], Vec::new());
        let before = b.score(CodeSystem::Icd10Cm, "I10");
        b.set_favourite(CodeSystem::Icd10Cm, "I10", true);
        assert!(b.is_favourite(CodeSystem::Icd10Cm, "I10"));
        b.set_favourite(CodeSystem::Icd10Cm, "I10", false);
        assert_eq!(b.score(CodeSystem::Icd10Cm, "I10"), before);
        assert!(!b.is_favourite(CodeSystem::Icd10Cm, "I10"));
    }
}
