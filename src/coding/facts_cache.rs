//! Facts for many claims in one process (batch claims, the claims bench): each code's
//! [`super::facts::DxFacts`]/[`super::facts::PxFacts`] is read from the store once per fiscal
//! year and MCE version, then reused, so a billing batch costs SQLite look-ups per distinct
//! code instead of per claim.
//!
//! Invariants: the facts a claim gets are exactly what [`super::load_facts`] returns for it
//! (codes' facts depend only on the code, the fiscal year of the discharge and whether MCE
//! v43.1 applies); the cache lives for one batch and must not outlive a code-set load.

use std::collections::HashMap;

use super::facts::{CodeFacts, load_facts};
use super::{EditInput, normalize_code};
use crate::codes::fiscal_year_of;
use crate::error::CoreError;

#[derive(Default)]
struct Bucket {
    base: CodeFacts,
    dx: HashMap<String, super::facts::DxFacts>,
    px: HashMap<String, super::facts::PxFacts>,
}

/// Per-batch cache of code facts.
#[derive(Default)]
pub struct FactsCache {
    buckets: HashMap<(i32, bool), Bucket>,
}

impl FactsCache {
    pub fn new() -> FactsCache {
        FactsCache::default()
    }

    /// The facts of `input`, equal to `load_facts(conn, input)`.
    pub fn facts(
        &mut self,
        conn: &crate::store::Reader,
        input: &EditInput,
    ) -> Result<CodeFacts, CoreError> {
        let key = (
            fiscal_year_of(input.discharge),
            input.discharge >= super::mce_v431::v431_start(),
        );
        let b = match self.buckets.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let empty = EditInput {
                    principal: None,
                    secondary: Vec::new(),
                    procedures: Vec::new(),
                    ..input.clone()
                };
                e.insert(Bucket {
                    base: load_facts(conn, &empty)?,
                    ..Bucket::default()
                })
            }
        };
        let missing_dx: Vec<_> = input
            .diagnoses()
            .filter(|d| !b.dx.contains_key(&normalize_code(&d.code)))
            .cloned()
            .collect();
        let missing_px: Vec<_> = input
            .procedures
            .iter()
            .filter(|p| !b.px.contains_key(&normalize_code(&p.code)))
            .cloned()
            .collect();
        if !missing_dx.is_empty() || !missing_px.is_empty() {
            let probe = EditInput {
                principal: None,
                secondary: missing_dx,
                procedures: missing_px,
                ..input.clone()
            };
            let got = load_facts(conn, &probe)?;
            b.dx.extend(got.dx);
            b.px.extend(got.px);
        }
        let mut out = CodeFacts {
            dx: HashMap::new(),
            px: HashMap::new(),
            ..b.base.clone()
        };
        for d in input.diagnoses() {
            let c = normalize_code(&d.code);
            if let Some(f) = b.dx.get(&c) {
                out.dx.insert(c, f.clone());
            }
        }
        for p in &input.procedures {
            let c = normalize_code(&p.code);
            if let Some(f) = b.px.get(&c) {
                out.px.insert(c, f.clone());
            }
        }
        Ok(out)
    }
}
