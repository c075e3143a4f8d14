//! Code search for the picker: exact code, code prefix (with or without the dot) and words.
//!
//! Invariants:
//! - The index is built once from the loaded ICD-10-CM and ICD-10-PCS sets of one fiscal year
//!   and is read-only afterwards; searching allocates only the result and a scratch mark array.
//! - Entries are sorted by (code, system), so a code prefix is a contiguous range (binary
//!   search). Words are the lowercase alphanumeric runs of the long title, the short title and
//!   the code's own inclusion terms and "includes" notes (and, where the site loaded them, the
//!   Alphabetic Index / Table of Drugs term paths that lead to the code); the vocabulary is sorted, so a word
//!   prefix is a contiguous vocabulary range whose posting lists are intersected across query
//!   words (rarest first).
//! - Ranking (total order): billable before headers; then exact code, code prefix, word match;
//!   then shorter title; then code order. It is one packed u64 per candidate.
//! - 1- and 2-character prefixes (words and codes) have precomputed lists already in rank
//!   order, so the expensive keystrokes (the first ones) read their best hits directly and
//!   stop after `limit`. [`CodeIndex::linear_scan`] must return exactly what [`search`] does.

use crate::store::Reader;
use chrono::NaiveDate;
use rusqlite::params;
use std::collections::HashMap;

use super::{CodeSetId, CodeSystem, code_set_for, latest_code_set};
use crate::error::CoreError;

/// How a hit matched the query, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum MatchKind {
    ExactCode = 0,
    CodePrefix = 1,
    Words = 2,
}

impl MatchKind {
    fn from_bits(b: u64) -> MatchKind {
        match b {
            0 => MatchKind::ExactCode,
            1 => MatchKind::CodePrefix,
            _ => MatchKind::Words,
        }
    }
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CodeHit {
    pub system: CodeSystem,
    /// Stored form, no dot.
    pub code: String,
    pub dotted: String,
    pub billable: bool,
    /// Long title; empty when the registry data has none.
    pub title: String,
    pub matched: MatchKind,
}

struct Entry {
    code: Box<str>,
    system: CodeSystem,
    billable: bool,
    title: Box<str>,
}

/// The in-memory search index over one fiscal year's CM and PCS codes.
pub struct CodeIndex {
    entries: Vec<Entry>,
    vocab: Vec<Box<str>>,
    postings: Vec<Vec<u32>>,
    /// Lowercased searchable text per entry, kept for the linear-scan baseline of the bench.
    haystacks: Vec<Box<str>>,
    /// `base[id]` = not-billable bit << 62 | the entry's place in (title length, code) order;
    /// a candidate's rank key is `base | match kind << 60`. `by_pos` maps a place to its id.
    base: Vec<u64>,
    by_pos: Vec<u32>,
    /// For every 1- and 2-character word prefix: the entries having a word with that prefix,
    /// deduplicated and sorted by `base` (so a one-word query reads its best hits first).
    short: HashMap<Box<str>, Vec<u32>>,
    /// For every 1- and 2-character code prefix: its entries sorted by `base`.
    code_short: HashMap<Box<str>, Vec<u32>>,
    /// Alphabetic Index / Table of Drugs term paths (words, nonessential modifiers left out)
    /// → the entries they lead to, in file order.
    index_paths: HashMap<Box<str>, Vec<u32>>,
    fiscal_year: i32,
}

/// The key of an index path or a query: its words, parenthesised text left out.
pub fn index_path_key(text: &str) -> String {
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    words(&plain).collect::<Vec<_>>().join(" ")
}

/// Split text into lowercase alphanumeric words.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

impl CodeIndex {
    /// Build from the sets in effect on `date`, or from the newest loaded sets when `None`.
    pub fn build(conn: &Reader, date: Option<NaiveDate>) -> Result<CodeIndex, CoreError> {
        let mut sets: Vec<(CodeSystem, CodeSetId)> = Vec::new();
        let mut fiscal_year = 0;
        for system in [CodeSystem::Icd10Cm, CodeSystem::Icd10Pcs] {
            let found = match date {
                Some(d) => code_set_for(conn, system, d).map(|s| (s, super::fiscal_year_of(d))),
                None => latest_code_set(conn, system)?,
            };
            if let Some((set, year)) = found {
                sets.push((system, set));
                fiscal_year = fiscal_year.max(year);
            }
        }
        let mut rows: Vec<(Entry, String)> = Vec::new();
        // Alphabetic Index and Table of Drugs terms a site loaded for this year (issue #14):
        // each term's path is searchable text of its code.
        let mut index_terms: HashMap<String, String> = HashMap::new();
        let mut path_codes: Vec<(String, String)> = Vec::new();
        {
            let mut st = conn.prepare(
                "SELECT code, path FROM code_index_terms WHERE fiscal_year = ?1 AND code IS NOT NULL ORDER BY id",
            )?;
            let mut q = st.query([fiscal_year])?;
            while let Some(r) = q.next()? {
                let code: String = r.get(0)?;
                let path = r.get_ref(1)?.as_str().unwrap_or("");
                path_codes.push((index_path_key(path), code.clone()));
                let text = index_terms.entry(code).or_default();
                text.push(' ');
                text.push_str(path);
            }
        }
        for (system, set) in &sets {
            let mut inclusion: HashMap<String, String> = HashMap::new();
            let mut st = conn.prepare(
                "SELECT code, text FROM code_notes WHERE code_set_id = ?1 AND scope = 'code' AND kind IN ('inclusion_term', 'includes')",
            )?;
            let mut q = st.query([set.0])?;
            while let Some(r) = q.next()? {
                let text = inclusion.entry(r.get(0)?).or_default();
                text.push(' ');
                text.push_str(r.get_ref(1)?.as_str().unwrap_or(""));
            }
            let mut st = conn.prepare(
                "SELECT code, billable, short_title, long_title FROM codes WHERE code_set_id = ?1",
            )?;
            let mut q = st.query(params![set.0])?;
            while let Some(r) = q.next()? {
                let code: String = r.get(0)?;
                let short: String = r.get(2)?;
                let long: String = r.get(3)?;
                let mut hay = format!("{long} {short}");
                if let Some(inc) = inclusion.get(&code) {
                    hay.push_str(inc);
                }
                if *system == CodeSystem::Icd10Cm
                    && let Some(t) = index_terms.get(&code)
                {
                    hay.push_str(t);
                }
                let entry = Entry {
                    code: code.into(),
                    system: *system,
                    billable: r.get(1)?,
                    title: long.into(),
                };
                rows.push((entry, hay.to_lowercase()));
            }
        }
        rows.sort_by(|a, b| (&a.0.code, a.0.system).cmp(&(&b.0.code, b.0.system)));
        let (entries, haystacks): (Vec<Entry>, Vec<Box<str>>) = rows
            .into_iter()
            .map(|(e, h)| (e, h.into_boxed_str()))
            .unzip();
        let mut index_paths: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for (key, code) in path_codes {
            let lo = entries.partition_point(|e| *e.code < *code);
            let id = (lo..entries.len())
                .take_while(|&i| *entries[i].code == *code)
                .find(|&i| entries[i].system == CodeSystem::Icd10Cm);
            if let Some(id) = id {
                let list = index_paths.entry(key.into()).or_default();
                if !list.contains(&(id as u32)) {
                    list.push(id as u32);
                }
            }
        }
        let mut by_pos: Vec<u32> = (0..entries.len() as u32).collect();
        by_pos.sort_by_key(|&id| (entries[id as usize].title.len(), id));
        let mut base = vec![0u64; entries.len()];
        for (p, &id) in by_pos.iter().enumerate() {
            base[id as usize] = (u64::from(!entries[id as usize].billable) << 62) | p as u64;
        }
        // Words: haystacks are lowercase already, so words are borrowed slices.
        let mut map: HashMap<&str, Vec<u32>> = HashMap::new();
        for (id, hay) in haystacks.iter().enumerate() {
            for w in hay
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                let list = map.entry(w).or_default();
                if list.last() != Some(&(id as u32)) {
                    list.push(id as u32);
                }
            }
        }
        let mut vocab: Vec<(&str, Vec<u32>)> = map.into_iter().collect();
        vocab.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let (vocab, postings): (Vec<Box<str>>, Vec<Vec<u32>>) =
            vocab.into_iter().map(|(w, p)| (w.into(), p)).unzip();
        // Short prefix lists in rank order: mark each member's rank in a bitset, read it back.
        let mut in_rank: Vec<u32> = (0..entries.len() as u32).collect();
        in_rank.sort_unstable_by_key(|&id| base[id as usize]);
        let mut rank_of = vec![0u32; entries.len()];
        for (r, &id) in in_rank.iter().enumerate() {
            rank_of[id as usize] = r as u32;
        }
        let mut bits = vec![0u64; entries.len().div_ceil(64)];
        let mut collect = |ids: &mut dyn Iterator<Item = u32>| -> Vec<u32> {
            for id in ids {
                let r = rank_of[id as usize] as usize;
                bits[r / 64] |= 1 << (r % 64);
            }
            let mut out = Vec::new();
            for (i, word) in bits.iter_mut().enumerate() {
                while *word != 0 {
                    out.push(in_rank[i * 64 + word.trailing_zeros() as usize]);
                    *word &= *word - 1;
                }
            }
            out
        };
        let mut short: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut seen: Vec<&str> = vocab
            .iter()
            .flat_map(|w| {
                w.char_indices()
                    .take(2)
                    .map(|(i, c)| &w[..i + c.len_utf8()])
            })
            .collect();
        seen.sort_unstable();
        seen.dedup();
        for p in seen {
            let lo = vocab.partition_point(|w| **w < *p);
            let hi = lo + vocab[lo..].partition_point(|w| w.starts_with(p));
            let list = collect(&mut postings[lo..hi].iter().flatten().copied());
            short.insert(p.into(), list);
        }
        let mut code_short: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for start in 0..entries.len() {
            for n in 1..=2usize {
                let code = &entries[start].code;
                // Entries are sorted by code: act only where a prefix's run begins.
                let p = match code.get(..n) {
                    Some(p) if start == 0 || !entries[start - 1].code.starts_with(p) => p,
                    _ => continue,
                };
                let len = entries[start..].partition_point(|e| e.code.starts_with(p));
                let list = collect(&mut (start as u32..(start + len) as u32));
                code_short.insert(p.into(), list);
            }
        }
        Ok(CodeIndex {
            entries,
            vocab,
            postings,
            haystacks,
            base,
            by_pos,
            short,
            code_short,
            index_paths,
            fiscal_year,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn fiscal_year(&self) -> i32 {
        self.fiscal_year
    }

    pub fn vocabulary_len(&self) -> usize {
        self.vocab.len()
    }

    /// The rank key of a candidate: smaller is better (see the module doc).
    fn key(&self, id: u32, kind: MatchKind) -> u64 {
        self.base[id as usize] | ((kind as u64) << 60)
    }

    /// The contiguous range of entries whose code starts with the normalized query.
    fn code_range(&self, query: &str) -> std::ops::Range<usize> {
        let Some(norm) = code_query(query) else {
            return 0..0;
        };
        let lo = self.entries.partition_point(|e| *e.code < *norm);
        let hi = lo + self.entries[lo..].partition_point(|e| e.code.starts_with(&norm));
        lo..hi
    }

    fn code_candidates(
        &self,
        query: &str,
        range: std::ops::Range<usize>,
        limit: usize,
        out: &mut Vec<u64>,
    ) {
        let norm = code_query(query).unwrap_or_default();
        if let Some(list) = self.code_short.get(norm.as_str()) {
            // No code is shorter than 3 characters: all prefix matches, already in rank order.
            let best = list.iter().take(limit);
            out.extend(best.map(|&id| self.key(id, MatchKind::CodePrefix)));
            return;
        }
        for id in range {
            let kind = if *self.entries[id].code == *norm {
                MatchKind::ExactCode
            } else {
                MatchKind::CodePrefix
            };
            out.push(self.key(id as u32, kind));
        }
    }

    /// Vocabulary range of words starting with `prefix`.
    fn vocab_range(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.vocab.partition_point(|w| **w < *prefix);
        let hi = lo + self.vocab[lo..].partition_point(|w| w.starts_with(prefix));
        lo..hi
    }

    /// Entries where every query word prefixes some word of the entry's text, except those
    /// in `skip` (already found by code). Rarest word first; a mark per entry counts how many
    /// query words it has matched so far.
    fn word_candidates(
        &self,
        query: &str,
        skip: std::ops::Range<usize>,
        limit: usize,
        out: &mut Vec<u64>,
    ) {
        let mut qwords: Vec<String> = words(query).take(8).collect();
        qwords.sort();
        qwords.dedup();
        if qwords.is_empty() {
            return;
        }
        // Each word's entries: one precomputed list (short prefixes) or a vocabulary range.
        let mut sources: Vec<(usize, Source<'_>)> = Vec::new();
        for w in &qwords {
            let src = match self.short.get(w.as_str()) {
                Some(list) => Source::List(list),
                None if w.chars().count() <= 2 => return,
                None => Source::Range(&self.postings[self.vocab_range(w)]),
            };
            let size = match src {
                Source::List(l) => l.len(),
                Source::Range(r) => r.iter().map(Vec::len).sum(),
            };
            if size == 0 {
                return;
            }
            sources.push((size, src));
        }
        if let [(_, Source::List(list))] = sources.as_slice() {
            // Already in rank order: the first `limit` outside `skip` are the best.
            let best = list.iter().filter(|&&id| !skip.contains(&(id as usize)));
            out.extend(best.take(limit).map(|&id| self.key(id, MatchKind::Words)));
            return;
        }
        // Smallest first; but a rank-ordered list goes last, so the final pass meets the
        // matches in rank order and can stop after `limit` of them.
        sources.sort_by_key(|(size, src)| (matches!(src, Source::List(_)), *size));
        let n = sources.len() as u8;
        let mut mark = vec![0u8; self.entries.len()];
        for (step, (_, src)) in sources.into_iter().enumerate() {
            let (before, now) = (step as u8, step as u8 + 1);
            match src {
                Source::List(l) if now == n => {
                    let hits = l.iter().filter(|&&id| {
                        mark[id as usize] == before && !skip.contains(&(id as usize))
                    });
                    out.extend(hits.take(limit).map(|&id| self.key(id, MatchKind::Words)));
                }
                _ => {
                    let mut visit = |id: u32| {
                        let m = &mut mark[id as usize];
                        if *m == before {
                            *m = now;
                            if now == n && !skip.contains(&(id as usize)) {
                                out.push(self.key(id, MatchKind::Words));
                            }
                        }
                    };
                    match src {
                        Source::List(l) => l.iter().for_each(|&id| visit(id)),
                        Source::Range(r) => r.iter().flatten().for_each(|&id| visit(id)),
                    }
                }
            }
        }
    }

    fn hits(&self, mut keys: Vec<u64>, limit: usize) -> Vec<CodeHit> {
        if limit == 0 {
            return Vec::new();
        }
        if keys.len() > limit {
            keys.select_nth_unstable(limit - 1);
            keys.truncate(limit);
        }
        keys.sort_unstable();
        keys.into_iter()
            .map(|k| {
                let id = self.by_pos[(k & 0xFFFF_FFFF) as usize];
                let e = &self.entries[id as usize];
                CodeHit {
                    system: e.system,
                    code: e.code.to_string(),
                    dotted: e.system.dotted(&e.code),
                    billable: e.billable,
                    title: e.title.to_string(),
                    matched: MatchKind::from_bits((k >> 60) & 3),
                }
            })
            .collect()
    }

    /// The hit for one code when it matches `query` as [`search`] would match it (exact code,
    /// code prefix, or every query word prefixing a word of its text); None otherwise. A
    /// binary search and one entry's text: the picker's boosted codes use it per keystroke.
    pub fn hit_if_matches(&self, system: CodeSystem, code: &str, query: &str) -> Option<CodeHit> {
        let lo = self.entries.partition_point(|e| *e.code < *code);
        let id = (lo..self.entries.len())
            .take_while(|&i| *self.entries[i].code == *code)
            .find(|&i| self.entries[i].system == system)?;
        let e = &self.entries[id];
        let kind = match code_query(query) {
            Some(n) if *e.code == *n => Some(MatchKind::ExactCode),
            Some(n) if e.code.starts_with(n.as_str()) => Some(MatchKind::CodePrefix),
            _ => None,
        };
        let kind = kind.or_else(|| {
            let qwords: Vec<String> = words(query).take(8).collect();
            let hay = &self.haystacks[id];
            (!qwords.is_empty()
                && qwords.iter().all(|q| {
                    hay.split(|c: char| !c.is_alphanumeric())
                        .any(|w| w.starts_with(q.as_str()))
                }))
            .then_some(MatchKind::Words)
        })?;
        let k = self.key(id as u32, kind);
        self.hits(vec![k], 1).pop()
    }

    /// The billable codes of `system` under `header` (its stored, undotted code), in code
    /// order, at most `limit`: the picker's drill-down from a category to what can be reported
    /// (issue #14, COD-02). In memory, like [`super::drill::billable_children`] on the store.
    pub fn billable_under(&self, system: CodeSystem, header: &str, limit: usize) -> Vec<CodeHit> {
        let lo = self.entries.partition_point(|e| *e.code < *header);
        let hi = lo + self.entries[lo..].partition_point(|e| e.code.starts_with(header));
        (lo..hi)
            .filter(|&id| self.entries[id].system == system && self.entries[id].billable)
            .take(limit)
            .filter_map(|id| {
                self.hits(vec![self.key(id as u32, MatchKind::CodePrefix)], 1)
                    .pop()
            })
            .collect()
    }

    /// The ICD-10-PCS builder's choices after `prefix` (0–6 characters): one row per valid
    /// character of the next axis (section, body system, root operation, body part, approach,
    /// device, qualifier), in code order, as a hit whose code is the longer prefix and whose
    /// title says how many valid codes continue with it and the first one (`3 codes · …`); at the
    /// seventh character the row is the billable code itself. Only codes in the index are
    /// offered, so every path ends at a valid code. Empty for a prefix no code has.
    pub fn pcs_next(&self, prefix: &str) -> Vec<CodeHit> {
        let p: String = prefix.trim().to_ascii_uppercase();
        if p.len() >= 7 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Vec::new();
        }
        let lo = self.entries.partition_point(|e| *e.code < *p);
        let hi = lo + self.entries[lo..].partition_point(|e| e.code.starts_with(p.as_str()));
        let mut out: Vec<CodeHit> = Vec::new();
        let mut count = 0usize;
        for id in lo..hi {
            let e = &self.entries[id];
            if e.system != CodeSystem::Icd10Pcs || !e.billable || e.code.len() != 7 {
                continue;
            }
            let next: String = e.code[..p.len() + 1].to_string();
            if out.last().is_some_and(|h| h.code == next) {
                count += 1;
                continue;
            }
            if let Some(last) = out.last_mut()
                && !last.billable
            {
                last.title = format!("{count} codes · {}", last.title);
            }
            count = 1;
            out.push(CodeHit {
                system: CodeSystem::Icd10Pcs,
                dotted: next.clone(),
                billable: next.len() == 7,
                code: next,
                title: e.title.to_string(),
                matched: MatchKind::CodePrefix,
            });
        }
        if let Some(last) = out.last_mut()
            && !last.billable
        {
            last.title = format!("{count} codes · {}", last.title);
        }
        out
    }

    /// The codes an Alphabetic Index / Table of Drugs term equal to `query` leads to
    /// (`Cholecystitis, acute, with calculus` → K80.00), in file order; empty without a match.
    pub fn index_term_hits(&self, query: &str) -> Vec<CodeHit> {
        let Some(ids) = self.index_paths.get(index_path_key(query).as_str()) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|&id| self.hits(vec![self.key(id, MatchKind::Words)], 1).pop())
            .collect()
    }

    /// The baseline the index is measured against: test every entry in turn.
    pub fn linear_scan(&self, query: &str, limit: usize) -> Vec<CodeHit> {
        let norm = code_query(query);
        let qwords: Vec<String> = words(query).take(8).collect();
        let mut cands = Vec::new();
        for (id, (e, hay)) in self.entries.iter().zip(&self.haystacks).enumerate() {
            if let Some(n) = &norm {
                if *e.code == **n {
                    cands.push(self.key(id as u32, MatchKind::ExactCode));
                    continue;
                }
                if e.code.starts_with(n.as_str()) {
                    cands.push(self.key(id as u32, MatchKind::CodePrefix));
                    continue;
                }
            }
            if !qwords.is_empty()
                && qwords.iter().all(|q| {
                    hay.split(|c: char| !c.is_alphanumeric())
                        .any(|w| w.starts_with(q.as_str()))
                })
            {
                cands.push(self.key(id as u32, MatchKind::Words));
            }
        }
        self.hits(cands, limit)
    }
}

/// Where one query word's matching entries come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    List(&'a [u32]),
    Range(&'a [Vec<u32>]),
}

/// The query as a stored code prefix: one token, dots removed, uppercased, 1–7 alphanumerics.
fn code_query(query: &str) -> Option<String> {
    let q = query.trim();
    let norm: String = q
        .chars()
        .filter(|&c| c != '.')
        .collect::<String>()
        .to_ascii_uppercase();
    (!norm.is_empty() && norm.len() <= 7 && norm.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(norm)
}

/// Search `index` for `query`; at most `limit` hits, best first (see the module doc).
pub fn search(index: &CodeIndex, query: &str, limit: usize) -> Vec<CodeHit> {
    let mut keys = Vec::new();
    let range = index.code_range(query);
    index.code_candidates(query, range.clone(), limit, &mut keys);
    index.word_candidates(query, range, limit, &mut keys);
    index.hits(keys, limit)
}
