//! The picker's words as physicians write them (issue #14): a table of clinical abbreviations
//! and synonyms (`assets/picker-synonyms.tsv`, written by chartdesk, a few hundred entries:
//! CHF, T2DM, AFib, UTI, COPD, CKD, …) and simple word forms (calculous → calculus), layered
//! over the word index of [`super::search`].
//!
//! Invariants: pure over an index and a table; a query that is exactly a loaded Alphabetic
//! Index term (`Cholecystitis, acute, with calculus`) puts the term's code first; a code query (`E11.65`, `E11`) is answered by
//! the plain search unchanged unless it is a term of the table (`t2dm`) or finds nothing; preferred codes of a matched term come first (only codes the
//! index holds; when the term is only part of the query, only those that also match the other
//! words — the rest follow the word hits), then word hits of the expanded query, then of its word stems, then, when nothing matched,
//! of the query with one word dropped; no code appears twice.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::search::{CodeHit, CodeIndex, search, words};

const EMBEDDED: &str = include_str!("../../assets/picker-synonyms.tsv");
const HEADER: &str = "term\texpansion\tcodes";

/// One abbreviation or synonym.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synonym {
    pub expansion: String,
    /// Preferred codes, undotted.
    pub codes: Vec<String>,
}

/// The table, keyed by the lower-case term.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synonyms {
    pub terms: HashMap<String, Synonym>,
}

/// Parses the table format (`#` comment lines, then the header, then TAB-separated rows).
pub fn parse(text: &str, name: &str) -> Result<Synonyms, String> {
    let mut out = Synonyms::default();
    let mut header = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header {
            if line != HEADER {
                return Err(format!("{name} line {}: expected header {HEADER:?}", i + 1));
            }
            header = true;
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 3 || f[0].trim().is_empty() || f[1].trim().is_empty() {
            return Err(format!(
                "{name} line {}: expected term, expansion and codes",
                i + 1
            ));
        }
        let codes: Vec<String> = f[2]
            .split(',')
            .map(|c| c.trim().replace('.', "").to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect();
        if let Some(bad) = codes
            .iter()
            .find(|c| c.len() > 7 || !c.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(format!(
                "{name} line {} field codes: bad code {bad:?}",
                i + 1
            ));
        }
        let term = words(f[0]).collect::<Vec<_>>().join(" ");
        out.terms.insert(
            term,
            Synonym {
                expansion: f[1].trim().to_string(),
                codes,
            },
        );
    }
    if !header {
        return Err(format!("{name}: no header {HEADER:?}"));
    }
    Ok(out)
}

static TABLE: OnceLock<Synonyms> = OnceLock::new();

/// The table shipped in the binary (empty if it does not parse, which a test rules out).
pub fn embedded() -> &'static Synonyms {
    TABLE.get_or_init(|| parse(EMBEDDED, "assets/picker-synonyms.tsv").unwrap_or_default())
}

/// A word's stem for prefix matching: common English and clinical suffixes removed, never
/// shorter than 4 letters (calculous → calcul, infections → infect, stones → ston).
pub fn stem(w: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "ations", "ation", "ities", "ous", "ies", "ing", "es", "ed", "al", "ic", "s", "y",
    ];
    for s in SUFFIXES {
        if let Some(base) = w.strip_suffix(s)
            && base.len() >= 4
        {
            return base.to_string();
        }
    }
    w.to_string()
}

fn is_code_query(q: &str) -> bool {
    let t = q.trim();
    let first = t.chars().next();
    !t.contains(' ')
        && first.is_some_and(|c| c.is_ascii_alphabetic())
        && t.chars().any(|c| c.is_ascii_digit())
        && t.len() <= 8
}

/// Rewrites the query with the table: the whole query, or else each longest run of words
/// that is a term, replaced by its expansion. Returns the new text and preferred codes.
pub fn expand(table: &Synonyms, query: &str) -> (String, Vec<String>) {
    let ws: Vec<String> = words(query).collect();
    let mut out = Vec::new();
    let mut codes = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let mut matched = false;
        for j in (i + 1..=ws.len()).rev() {
            if let Some(s) = table.terms.get(&ws[i..j].join(" ")) {
                out.push(s.expansion.to_lowercase());
                codes.extend(s.codes.iter().cloned());
                i = j;
                matched = true;
                break;
            }
        }
        if !matched {
            out.push(ws[i].clone());
            i += 1;
        }
    }
    (out.join(" "), codes)
}

/// The picker's search: synonyms, word forms and relaxation over [`search`] (module doc).
pub fn smart_search(
    index: &CodeIndex,
    table: &Synonyms,
    query: &str,
    limit: usize,
) -> Vec<CodeHit> {
    if query.trim().is_empty() {
        return search(index, query, limit);
    }
    let term = words(query).collect::<Vec<_>>().join(" ");
    if is_code_query(query) && !table.terms.contains_key(&term) {
        let hits = search(index, query, limit);
        if !hits.is_empty() {
            return hits;
        }
    }
    let mut out: Vec<CodeHit> = Vec::new();
    let push = |hits: Vec<CodeHit>, out: &mut Vec<CodeHit>| {
        for h in hits {
            if out.len() >= limit {
                return;
            }
            if !out.iter().any(|o| o.code == h.code && o.system == h.system) {
                out.push(h);
            }
        }
    };
    // An Alphabetic Index term the query names exactly leads straight to its code.
    push(index.index_term_hits(query), &mut out);
    let (expanded, codes) = expand(table, query);
    // A term's preferred codes come first when the term is the whole query, or when the code
    // also matches the other words (`anemia neopl` must not put D64.9 above D63.0); otherwise
    // they follow the word hits.
    let whole = table.terms.contains_key(&term);
    let mut later = Vec::new();
    for c in &codes {
        let hit: Vec<CodeHit> = search(index, c, 1)
            .into_iter()
            .filter(|h| h.code == *c)
            .collect();
        let Some(h) = hit.first() else { continue };
        if whole || index.hit_if_matches(h.system, &h.code, &expanded).is_some() {
            push(hit, &mut out);
        } else {
            later.extend(hit);
        }
    }
    push(search(index, &expanded, limit), &mut out);
    if out.len() < limit {
        let stems: Vec<String> = words(&expanded).map(|w| stem(&w)).collect();
        let stemmed = stems.join(" ");
        if stemmed != expanded {
            push(search(index, &stemmed, limit), &mut out);
        }
        // Relax only when nothing matched at all: each retry is a full search.
        if out.is_empty() && stems.len() > 1 {
            for skip in 0..stems.len() {
                let rest: Vec<&str> = stems
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != skip)
                    .map(|(_, w)| w.as_str())
                    .collect();
                push(search(index, &rest.join(" "), limit), &mut out);
            }
        }
    }
    if out.len() < limit {
        push(later, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_with_hundreds_of_terms() {
        let t = parse(EMBEDDED, "assets/picker-synonyms.tsv").expect("parses");
        assert!(t.terms.len() >= 300, "{}", t.terms.len());
        assert_eq!(t.terms["chf"].expansion, "heart failure");
        assert!(t.terms["t2dm"].codes.contains(&"E119".to_string()));
    }

    #[test]
    fn expand_replaces_the_longest_term_and_keeps_other_words() {
        let t = embedded();
        let (q, codes) = expand(t, "CHF exacerbation");
        assert_eq!(q, "heart failure exacerbation");
        assert_eq!(codes.first().map(String::as_str), Some("I509"));
        let (q, _) = expand(t, "acute calculous cholecystitis");
        assert!(q.contains("calculus of gallbladder"), "{q}");
    }

    #[test]
    fn stems_keep_four_letters() {
        assert_eq!(stem("calculous"), "calcul");
        assert!(
            "stone".starts_with(&stem("stones")),
            "a stem prefixes the singular"
        );
        assert_eq!(stem("uti"), "uti");
    }

    #[test]
    fn bad_rows_name_their_line() {
        let e = parse(&format!("{HEADER}\nchf\t\tI509\n"), "s").unwrap_err();
        assert!(e.contains("s line 2"), "{e}");
        let e = parse(&format!("{HEADER}\nchf\theart failure\tI50.9;x\n"), "s").unwrap_err();
        assert!(e.contains("field codes"), "{e}");
    }
}
