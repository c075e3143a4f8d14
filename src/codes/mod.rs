//! Code sets: ICD-10-CM, ICD-10-PCS and the Medicare Code Editor (MCE) lists, versioned by
//! federal fiscal year (DOMAIN §3, COD-01).
//!
//! Invariants:
//! - A code set is one system for one fiscal year, effective Oct 1 (year − 1) to Sep 30 (year).
//!   It is written once, in one audited transaction, and never edited: a later release is a
//!   new code set ([`load_dir`]).
//! - Codes are stored and indexed without the dot; the dot is display only (CM: after the
//!   third character; PCS has none).
//! - The FY2026 sets ship inside the binary ([`load_embedded`]); the product never reads the
//!   code data from anywhere else at run time. See `assets/PROVENANCE.md`.
//!
//! Rooms: [`tsv`] (the asset file format), [`load`] (loading into the store), [`lookup`]
//! (`codes show`), [`search`] (the in-memory index behind the picker), [`picker`] (a
//! toolkit-free picker state), [`bench`] (search latency vs a linear scan).

pub mod alpha_index;
pub mod bench;
pub mod drill;
pub mod load;
pub mod lookup;
mod parse;
pub mod picker;
pub mod prefs;
pub mod search;
pub mod synonyms;
pub mod tsv;

use crate::store::Reader;
use chrono::{Datelike, NaiveDate};
use rusqlite::OptionalExtension;

pub use bench::{SearchBench, bench};
pub use load::{LoadSummary, SetSummary, load_dir, load_embedded};
pub use lookup::{AppliedNote, CodeDetail, NoteSource, format_detail, show, show_on};
pub use picker::{CodePicker, PickerEffect, PickerInput};
pub use search::{CodeHit, CodeIndex, MatchKind, search};
pub use synonyms::{Synonyms, smart_search};

/// Row id of a `code_sets` row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeSetId(pub i64);

/// The systems a `code_sets` row can hold (the CHECK constraint of `code_sets.system`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum CodeSystem {
    Icd10Cm,
    Icd10Pcs,
    Mce,
}

impl CodeSystem {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeSystem::Icd10Cm => "icd10cm",
            CodeSystem::Icd10Pcs => "icd10pcs",
            CodeSystem::Mce => "mce",
        }
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            CodeSystem::Icd10Cm => "ICD-10-CM",
            CodeSystem::Icd10Pcs => "ICD-10-PCS",
            CodeSystem::Mce => "MCE",
        }
    }

    /// Display form of a stored (undotted) code: CM gets a dot after the third character.
    pub fn dotted(self, code: &str) -> String {
        match self {
            CodeSystem::Icd10Cm if code.len() > 3 && code.is_ascii() => {
                format!("{}.{}", &code[..3], &code[3..])
            }
            _ => code.to_string(),
        }
    }
}

impl std::fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The federal fiscal year a date falls in: Oct 1 starts the next year's FY (COD-01).
pub fn fiscal_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 10 {
        date.year() + 1
    } else {
        date.year()
    }
}

/// First and last day of a fiscal year, inclusive.
pub fn fiscal_year_bounds(fiscal_year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(fiscal_year - 1, 10, 1)?,
        NaiveDate::from_ymd_opt(fiscal_year, 9, 30)?,
    ))
}

/// The code set of `system` in effect on `date` (inpatient: discharge date; outpatient: date
/// of service — COD-01). `None` when no loaded set covers the date (or the query fails).
pub fn code_set_for(conn: &Reader, system: CodeSystem, date: NaiveDate) -> Option<CodeSetId> {
    let day = date.format("%Y-%m-%d").to_string();
    conn.query_row(
        "SELECT id FROM code_sets WHERE system = ?1 AND ready = 1 AND effective_from <= ?2 AND effective_to >= ?2
         ORDER BY fiscal_year DESC LIMIT 1",
        rusqlite::params![system.as_str(), day],
        |r| r.get(0),
    )
    .optional()
    .ok()
    .flatten()
    .map(CodeSetId)
}

/// The code set of `system` for a fiscal year, if loaded.
pub fn code_set_of_year(
    conn: &Reader,
    system: CodeSystem,
    fiscal_year: i32,
) -> rusqlite::Result<Option<CodeSetId>> {
    conn.query_row(
        "SELECT id FROM code_sets WHERE system = ?1 AND fiscal_year = ?2 AND ready = 1",
        rusqlite::params![system.as_str(), fiscal_year],
        |r| r.get(0),
    )
    .optional()
    .map(|o| o.map(CodeSetId))
}

/// The newest loaded fiscal year of `system`.
pub fn latest_code_set(
    conn: &Reader,
    system: CodeSystem,
) -> rusqlite::Result<Option<(CodeSetId, i32)>> {
    conn.query_row(
        "SELECT id, fiscal_year FROM code_sets WHERE system = ?1 AND ready = 1 ORDER BY fiscal_year DESC LIMIT 1",
        [system.as_str()],
        |r| Ok((CodeSetId(r.get(0)?), r.get(1)?)),
    )
    .optional()
}

/// Meaning of an MCE flag, for display. Unknown flags (a later MCE) show as themselves.
pub fn mce_flag_meaning(flag: &str) -> &'static str {
    match flag {
        "newborn" => "age conflict: newborn diagnosis (age 0)",
        "pediatric" => "age conflict: pediatric diagnosis (age 0-17)",
        "maternity" => "age conflict: maternity diagnosis (age 9-64)",
        "adult" => "age conflict: adult diagnosis (age 15-124)",
        "manifestation" => "manifestation code: not allowed as principal diagnosis",
        "unacceptable" => "unacceptable principal diagnosis",
        "qadm" => "questionable admission as principal diagnosis",
        "ecodepdx" => "external cause code: not allowed as principal diagnosis",
        "unspecified" => "unspecified code",
        "diabtypeI" => "type I diabetes (pancreas transplant coverage)",
        "delout" => "delivery outcome (maternity edits)",
        "ncov6" => "acute leukemia (stem-cell infusion coverage)",
        "wrngproc" => "wrong procedure performed",
        "ncov_z302" => "sterilization (coverage edit)",
        "clintrial" => "clinical trial encounter",
        "reqsdx" => "principal diagnosis requires a secondary diagnosis",
        "noncovered" => "non-covered procedure",
        "lcov" => "limited-coverage procedure",
        "kidneyxp" => "kidney transplant (coverage edit)",
        "vagdel" => "vaginal delivery procedure",
        "csect" => "cesarean section procedure",
        "ncov45" => "pancreas transplant (non-covered unless paired)",
        "ncov12agele60" => "non-covered by age (coverage edit)",
        "los" => "procedure inconsistent with length of stay",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_year_starts_october_first() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(fiscal_year_of(d(2025, 9, 30)), 2025);
        assert_eq!(fiscal_year_of(d(2025, 10, 1)), 2026);
        assert_eq!(fiscal_year_of(d(2026, 9, 30)), 2026);
        assert_eq!(
            fiscal_year_bounds(2026),
            Some((d(2025, 10, 1), d(2026, 9, 30)))
        );
    }

    #[test]
    fn dotted_display() {
        assert_eq!(CodeSystem::Icd10Cm.dotted("E1165"), "E11.65");
        assert_eq!(CodeSystem::Icd10Cm.dotted("E11"), "E11");
        assert_eq!(CodeSystem::Icd10Pcs.dotted("0DTJ4ZZ"), "0DTJ4ZZ");
    }
}
