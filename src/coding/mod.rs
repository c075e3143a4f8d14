//! Coding edits (DOMAIN §3): the claim-level checks a coder runs before final coding —
//! code validity on the discharge date (COD-01..03), selection and sequencing (COD-10..15),
//! present on admission (POA-01..02) and the Medicare Code Editor (§3.4).
//!
//! Invariants:
//! - Facts are loaded once per encounter ([`load_facts`]) from the code sets in force on the
//!   discharge date (COD-01); the rules ([`run_edits`]) are pure functions of the input and
//!   those facts — no I/O, no clock — so they are table-tested and benchmarked without a store.
//! - Every [`Edit`] carries a stable id (`MCE-06`, `COD-13-EXCLUDES1`, `POA-01`, …) naming the
//!   DOMAIN rule it enforces; the message says why, in the coder's words.
//! - The sex-conflict edit (MCE 5) is not run: CMS dropped it (`mce_sex_edit = off`).
//! - Unknown is never guessed: with no POA-exempt list loaded, exemption is reported as
//!   unknown in a warning rather than assumed either way.
//!
//! Rooms: [`facts`] (reading the store), [`edits`] (the rules), [`bench`] (latency); the
//! workbench: [`hold`] (COD-20/21 as pure rules), [`queue`] (coding queue and held list),
//! [`work`] (claim, code list, complete, reopen), [`query`] (documentation queries),
//! [`export`] (FHIR and CSV for billing), [`report`] (DNFB, holds, throughput).

pub mod bench;
pub mod edits;
pub mod export;
pub mod facts;
pub mod facts_cache;
pub mod grouper;
pub mod hold;
pub mod mce_v431;
pub mod query;
pub mod query_desk;
pub mod queue;
pub mod report;
pub mod screens_read;
pub mod uncertain;
pub mod work;
pub mod working_drg;

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::domain::EncounterKind;

pub use bench::{EditsBench, bench_edits};
pub use edits::run_edits;
pub use facts::{AgeRange, CodeFacts, CodeRef, DxFacts, NoteRef, PxFacts, Validity, load_facts};

/// One diagnosis as coded: the code (dot optional, any case) and its POA indicator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DxEntry {
    pub code: String,
    /// `Y`, `N`, `U`, `W`, `1` (payer-specific exempt marker) or `None` for blank.
    pub poa: Option<char>,
}

impl DxEntry {
    pub fn new(code: &str, poa: Option<char>) -> DxEntry {
        DxEntry {
            code: code.to_string(),
            poa,
        }
    }
}

/// One ICD-10-PCS procedure.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PxEntry {
    pub code: String,
    pub date: Option<NaiveDate>,
    pub principal: bool,
}

impl PxEntry {
    pub fn new(code: &str) -> PxEntry {
        PxEntry {
            code: code.to_string(),
            date: None,
            principal: false,
        }
    }
}

/// An encounter as the edits see it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EditInput {
    /// Age in whole years at admission; a newborn is 0.
    pub age_years: i64,
    /// `F`, `M` or `U`. Not edited (MCE 5 is off).
    pub sex: char,
    /// Inpatient: discharge date; outpatient: date of service (COD-01).
    pub discharge: NaiveDate,
    pub kind: EncounterKind,
    pub los_days: Option<i64>,
    /// UB-04 patient discharge status (`01`, `20`, …); `None` = not given, not edited.
    #[serde(default)]
    pub discharge_status: Option<String>,
    /// The principal (inpatient) or first-listed (outpatient) diagnosis.
    pub principal: Option<DxEntry>,
    pub secondary: Vec<DxEntry>,
    pub procedures: Vec<PxEntry>,
}

impl EditInput {
    /// Principal first, then the secondary diagnoses in sequence order.
    pub fn diagnoses(&self) -> impl Iterator<Item = &DxEntry> {
        self.principal.iter().chain(self.secondary.iter())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks final coding until fixed or overridden with a reason.
    Error,
    /// Shown to the coder; does not block.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding of the edits.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    /// Stable rule id, e.g. `MCE-06`, `COD-13-EXCLUDES1`, `POA-01`.
    pub id: &'static str,
    pub severity: Severity,
    /// The code the edit is about (dotted display form), if any.
    pub code: Option<String>,
    pub message: String,
}

/// True when any edit is an error (final coding is blocked).
pub fn has_errors(edits: &[Edit]) -> bool {
    edits.iter().any(|e| e.severity == Severity::Error)
}

/// Stored form of a code: no dot, no surrounding blanks, upper case.
pub fn normalize_code(code: &str) -> String {
    code.trim().replace('.', "").to_ascii_uppercase()
}

/// Plain-text table of edits, errors first (the order [`run_edits`] returns).
pub fn format_table(edits: &[Edit]) -> String {
    if edits.is_empty() {
        return "No edits: the encounter passes every coding edit.\n".to_string();
    }
    let idw = edits.iter().map(|e| e.id.len()).max().unwrap_or(2).max(2);
    let cw = edits
        .iter()
        .map(|e| e.code.as_deref().map_or(1, str::len))
        .max()
        .unwrap_or(4)
        .max(4);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<8} {:<idw$} {:<cw$} MESSAGE",
        "SEVERITY", "ID", "CODE"
    );
    for e in edits {
        let _ = writeln!(
            s,
            "{:<8} {:<idw$} {:<cw$} {}",
            e.severity.as_str(),
            e.id,
            e.code.as_deref().unwrap_or("-"),
            e.message
        );
    }
    let errors = edits
        .iter()
        .filter(|e| e.severity == Severity::Error)
        .count();
    let _ = writeln!(s, "{errors} error(s), {} warning(s)", edits.len() - errors);
    s
}
