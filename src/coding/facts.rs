//! What the edits need to know about each code of an encounter, read from the code sets in
//! force on the discharge date (COD-01).
//!
//! Invariants:
//! - Only the sets whose effective range covers the discharge date are consulted for
//!   validity; other loaded years are read only to explain "valid in FY2025, not FY2026".
//! - Notes are collected up the hierarchy (code, parents, block, chapter) as in
//!   [`crate::codes::show_on`]. "Use additional code" notes are kept from the code, its
//!   parents and its block only: chapter-wide ones ("resistance to antimicrobial drugs,
//!   if applicable") are conditional and would fire on every code of the chapter.
//! - `poa_exempt` is `None` when no POA-exempt list is loaded for the year (unknown), never
//!   `Some(false)` by default.

use std::collections::HashMap;

use crate::store::Reader;
use rusqlite::{OptionalExtension, params};

use super::{EditInput, normalize_code};
use crate::codes::{
    CodeDetail, CodeSystem, NoteSource, code_set_for, code_set_of_year, fiscal_year_of, show_on,
};
use crate::error::CoreError;

/// Whether a code may be used on the discharge date.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Validity {
    /// In the code set in force on the discharge date.
    Valid,
    /// Fails the syntax gate of its system (DOMAIN §3.1).
    BadSyntax,
    /// No loaded code set of the system covers the discharge date.
    NoCodeSet,
    /// Not in the set in force, but in these other loaded fiscal years.
    OtherYears(Vec<i32>),
    /// In no loaded code set of its system.
    Unknown,
}

/// A code reference from a note, as a prefix (`E11.-`, `E11.9`) or an inclusive range of
/// prefixes (`E08-E13`, `A04.0-A04.4`). A reference covers the code and its descendants.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum CodeRef {
    Prefix(String),
    Range(String, String),
}

impl CodeRef {
    /// Parse a reference as written in the tabular (`E11.-`, `E08-E13`, `O03.37`, `E11.9.-`).
    pub fn parse(raw: &str) -> Option<CodeRef> {
        let clean =
            |s: &str| -> String { normalize_code(s).trim_end_matches(['-', '.']).to_string() };
        let raw = raw.trim();
        // A range has a '-' between two code endpoints; a trailing '-' only marks "and below".
        let body = raw.trim_end_matches(['-', '.']);
        if let Some((lo, hi)) = body.split_once('-') {
            let (lo, hi) = (clean(lo), clean(hi));
            if lo.len() >= 3 && hi.len() >= 3 {
                return Some(CodeRef::Range(lo, hi));
            }
            return None;
        }
        let p = clean(body);
        (p.len() >= 3).then_some(CodeRef::Prefix(p))
    }

    /// True when `code` (stored form) is the referenced code or one of its descendants.
    pub fn covers(&self, code: &str) -> bool {
        if !code.is_ascii() {
            return false; // no code is non-ASCII; also keeps the slicing below on char bounds
        }
        let head = |n: usize| &code[..n.min(code.len())];
        match self {
            CodeRef::Prefix(p) => code.starts_with(p.as_str()),
            CodeRef::Range(lo, hi) => {
                head(lo.len()) >= lo.as_str() && head(hi.len()) <= hi.as_str()
            }
        }
    }
}

/// One instructional note that applies to a code, with its parsed references.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NoteRef {
    /// Where it is printed: a dotted code, `block E08-E13` or `chapter 4`.
    pub from: String,
    pub text: String,
    pub refs: Vec<CodeRef>,
}

impl NoteRef {
    pub fn covers(&self, code: &str) -> bool {
        self.refs.iter().any(|r| r.covers(code))
    }
}

/// Facts about one diagnosis code.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DxFacts {
    pub code: String,
    pub dotted: String,
    pub validity: Option<Validity>,
    pub billable: bool,
    pub title: String,
    pub mce_flags: Vec<String>,
    pub excludes1: Vec<NoteRef>,
    pub code_first: Vec<NoteRef>,
    pub use_additional: Vec<NoteRef>,
    /// The dotted code carrying the 7th-character rule in scope, if any (COD-03).
    pub seventh_char_rule: Option<String>,
    /// The 7th characters that rule allows (`A`, `D`, `S`, …).
    pub seventh_chars: Vec<String>,
    /// `None` = unknown (no POA-exempt list loaded for the year).
    pub poa_exempt: Option<bool>,
    /// For a header: its first billable codes (up to 3), for messages that point to them.
    pub billable_children: Vec<String>,
    /// Hospital-acquired-condition categories whose lists hold the code (MS-DRG HAC lists of
    /// the grouper version in force, `HAC01`..`HAC14`; POA-03, DRG-05).
    #[serde(default)]
    pub hac: Vec<String>,
}

impl DxFacts {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.mce_flags.iter().any(|f| f == flag)
    }
    pub fn is_valid(&self) -> bool {
        self.validity == Some(Validity::Valid)
    }
}

/// Facts about one procedure code.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PxFacts {
    pub code: String,
    pub validity: Option<Validity>,
    pub title: String,
    pub mce_flags: Vec<String>,
}

impl PxFacts {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.mce_flags.iter().any(|f| f == flag)
    }
}

/// An MCE age-conflict group with inclusive limits (e.g. Maternity 9–64).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AgeRange {
    /// As loaded: `Newborn`, `Pediatric`, `Maternity`, `Adult`.
    pub group: String,
    pub min: i64,
    pub max: i64,
}

/// Everything [`super::run_edits`] reads, keyed by stored (undotted) code.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CodeFacts {
    /// Fiscal year of the discharge date.
    pub fiscal_year: i32,
    pub cm_in_force: bool,
    pub pcs_in_force: bool,
    pub mce_loaded: bool,
    /// A POA-exempt list is loaded for the ICD-10-CM set in force.
    pub poa_list_loaded: bool,
    /// The `facility_type` setting when it is exempt from POA reporting (CAH, LTCH, …;
    /// POA-03); None = an IPPS hospital that reports POA.
    #[serde(default)]
    pub poa_exempt_facility: Option<String>,
    pub age_ranges: Vec<AgeRange>,
    pub dx: HashMap<String, DxFacts>,
    pub px: HashMap<String, PxFacts>,
}

impl CodeFacts {
    /// The MCE age range of a flag (`maternity` → the `Maternity` row), if loaded.
    pub fn age_range(&self, flag: &str) -> Option<&AgeRange> {
        self.age_ranges
            .iter()
            .find(|r| r.group.eq_ignore_ascii_case(flag))
    }
}

/// ICD-10-CM syntax gate: a letter, two alphanumerics, then up to 4 alphanumerics (undotted).
pub fn cm_syntax_ok(code: &str) -> bool {
    let b = code.as_bytes();
    (3..=7).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// ICD-10-PCS syntax gate: 7 characters from 0-9 and A-Z without I and O.
pub fn pcs_syntax_ok(code: &str) -> bool {
    code.len() == 7
        && code
            .bytes()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != b'I' && c != b'O'))
}

/// Read the facts for every code of `input` from the sets in force on `input.discharge`.
pub fn load_facts(conn: &Reader, input: &EditInput) -> Result<CodeFacts, CoreError> {
    let date = input.discharge;
    let year = fiscal_year_of(date);
    let cm_set = code_set_for(conn, CodeSystem::Icd10Cm, date);
    let pcs_set = code_set_for(conn, CodeSystem::Icd10Pcs, date);
    let mce_set = code_set_of_year(conn, CodeSystem::Mce, year)?;
    let mut facts = CodeFacts {
        fiscal_year: year,
        cm_in_force: cm_set.is_some(),
        pcs_in_force: pcs_set.is_some(),
        mce_loaded: mce_set.is_some(),
        ..CodeFacts::default()
    };
    let facility = crate::settings::get(conn, crate::settings::Key::FacilityType)?;
    if !facility.eq_ignore_ascii_case("IPPS") {
        facts.poa_exempt_facility = Some(facility);
    }
    if let Some(set) = cm_set {
        facts.poa_list_loaded = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM poa_exempt WHERE code_set_id = ?1)",
            [set.0],
            |r| r.get(0),
        )?;
    }
    if let Some(set) = mce_set {
        let mut st = conn.prepare(
            "SELECT age_group, min_age, max_age FROM mce_age_ranges WHERE code_set_id = ?1 ORDER BY age_group",
        )?;
        facts.age_ranges = st
            .query_map([set.0], |r| {
                Ok(AgeRange {
                    group: r.get(0)?,
                    min: r.get(1)?,
                    max: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    for dx in input.diagnoses() {
        let code = normalize_code(&dx.code);
        if !facts.dx.contains_key(&code) {
            let mut f = dx_facts(conn, &code, date, facts.cm_in_force)?;
            f.hac = hac_lists(&code, date);
            facts.dx.insert(code, f);
        }
    }
    for px in &input.procedures {
        let code = normalize_code(&px.code);
        if !facts.px.contains_key(&code) {
            let f = px_facts(conn, &code, date, facts.pcs_in_force)?;
            facts.px.insert(code, f);
        }
    }
    super::mce_v431::apply(&mut facts, date);
    Ok(facts)
}

/// The HAC categories (`HAC01`..) whose lists hold `code` in the grouper version of `date`.
fn hac_lists(code: &str, date: chrono::NaiveDate) -> Vec<String> {
    let Some(t) = super::grouper::version_for(date)
        .ok()
        .and_then(|v| super::grouper::tables(v).ok())
    else {
        return Vec::new();
    };
    t.dx.get(code)
        .map(|r| {
            r.hac
                .iter()
                .filter(|h| h.len() == 5 && h.starts_with("HAC"))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Fiscal years of the loaded sets of `system` that hold `code`.
fn years_holding(conn: &Reader, system: CodeSystem, code: &str) -> Result<Vec<i32>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT s.fiscal_year FROM codes c JOIN code_sets s ON s.id = c.code_set_id
         WHERE s.system = ?1 AND s.ready = 1 AND c.code = ?2 ORDER BY s.fiscal_year",
    )?;
    Ok(st
        .query_map(params![system.as_str(), code], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// Validity of a code that is not in the set in force (or when none is in force).
fn absent(
    conn: &Reader,
    system: CodeSystem,
    code: &str,
    in_force: bool,
) -> Result<Validity, CoreError> {
    if !in_force {
        return Ok(Validity::NoCodeSet);
    }
    let years = years_holding(conn, system, code)?;
    Ok(if years.is_empty() {
        Validity::Unknown
    } else {
        Validity::OtherYears(years)
    })
}

fn note_refs(d: &CodeDetail, kind: &str, skip_chapter: bool) -> Vec<NoteRef> {
    d.notes
        .iter()
        .filter(|n| n.kind == kind)
        .filter(|n| !(skip_chapter && matches!(n.source, NoteSource::Chapter(_))))
        .map(|n| NoteRef {
            from: match &n.source {
                NoteSource::Code(c) => c.clone(),
                NoteSource::Block(b) => format!("block {b}"),
                NoteSource::Chapter(c) => format!("chapter {c}"),
            },
            text: n.text.clone(),
            refs: n.refs.iter().filter_map(|r| CodeRef::parse(r)).collect(),
        })
        .collect()
}

fn dx_facts(
    conn: &Reader,
    code: &str,
    date: chrono::NaiveDate,
    in_force: bool,
) -> Result<DxFacts, CoreError> {
    let mut f = DxFacts {
        code: code.to_string(),
        dotted: CodeSystem::Icd10Cm.dotted(code),
        ..DxFacts::default()
    };
    if !cm_syntax_ok(code) {
        f.validity = Some(Validity::BadSyntax);
        return Ok(f);
    }
    let detail = if in_force {
        show_on(conn, code, date)?.filter(|d| d.system == CodeSystem::Icd10Cm)
    } else {
        None
    };
    let Some(d) = detail else {
        f.validity = Some(absent(conn, CodeSystem::Icd10Cm, code, in_force)?);
        return Ok(f);
    };
    f.validity = Some(Validity::Valid);
    f.billable = d.billable;
    f.title = d.long_title.clone();
    f.mce_flags = d.mce_flags.clone();
    f.excludes1 = note_refs(&d, "excludes1", false);
    f.code_first = note_refs(&d, "code_first", false);
    f.use_additional = note_refs(&d, "use_additional", true);
    if let Some((from, chars)) = &d.seventh_char {
        f.seventh_char_rule = Some(from.clone());
        f.seventh_chars = chars.iter().map(|(c, _)| c.clone()).collect();
    }
    f.poa_exempt = d.poa_exempt;
    if !f.billable
        && let Some(set) = code_set_for(conn, CodeSystem::Icd10Cm, date)
    {
        let mut st = conn.prepare_cached(
            "SELECT code FROM codes WHERE code_set_id = ?1 AND code > ?2 AND code < ?2 || '~'
               AND billable = 1 ORDER BY code LIMIT 3",
        )?;
        f.billable_children = st
            .query_map(params![set.0, code], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(f)
}

fn px_facts(
    conn: &Reader,
    code: &str,
    date: chrono::NaiveDate,
    in_force: bool,
) -> Result<PxFacts, CoreError> {
    let mut f = PxFacts {
        code: code.to_string(),
        ..PxFacts::default()
    };
    if !pcs_syntax_ok(code) {
        f.validity = Some(Validity::BadSyntax);
        return Ok(f);
    }
    let Some(set) = code_set_for(conn, CodeSystem::Icd10Pcs, date).filter(|_| in_force) else {
        f.validity = Some(Validity::NoCodeSet);
        return Ok(f);
    };
    let title: Option<String> = conn
        .query_row(
            "SELECT long_title FROM codes WHERE code_set_id = ?1 AND code = ?2",
            params![set.0, code],
            |r| r.get(0),
        )
        .optional()?;
    let Some(title) = title else {
        f.validity = Some(absent(conn, CodeSystem::Icd10Pcs, code, in_force)?);
        return Ok(f);
    };
    f.validity = Some(Validity::Valid);
    f.title = title;
    if let Some(mce) = code_set_of_year(conn, CodeSystem::Mce, fiscal_year_of(date))? {
        let mut st = conn.prepare_cached(
            "SELECT flag FROM mce_flags WHERE code_set_id = ?1 AND system = 'pcs' AND code = ?2 ORDER BY flag",
        )?;
        f.mce_flags = st
            .query_map(params![mce.0, code], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_parse_and_cover() {
        let p = |s| CodeRef::parse(s).expect(s);
        assert!(p("E11.-").covers("E119"));
        assert!(!p("E11.-").covers("E109"));
        assert!(p("E08-E13").covers("E1165"));
        assert!(p("E08-E13").covers("E08"));
        assert!(!p("E08-E13").covers("E14"));
        assert!(!p("E08-E13").covers("E079"));
        assert!(p("A04.0-A04.4").covers("A0441"));
        assert!(!p("A04.0-A04.4").covers("A045"));
        assert!(p("E11.9.-").covers("E119"));
        assert!(p("O03.37").covers("O0337"));
        assert!(p("A04.7-").covers("A0472"));
        assert_eq!(CodeRef::parse("-"), None);
    }

    #[test]
    fn syntax_gates() {
        assert!(cm_syntax_ok("E119"));
        assert!(cm_syntax_ok("T1501XA"));
        assert!(!cm_syntax_ok("119"));
        assert!(!cm_syntax_ok("E11900000"));
        assert!(pcs_syntax_ok("5A1955Z"));
        assert!(!pcs_syntax_ok("5A1955O"));
        assert!(!pcs_syntax_ok("5A1955"));
    }
}
