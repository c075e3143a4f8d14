//! The workbench's working MS-DRG as text (issue #14): one header line (DRG, weight, GMLOS,
//! the severity and the code that gave it, the DRG without that code, then the title), and
//! the what-if in full for the reader. Pure; every string from the grouper tables goes
//! through the sanitiser.

use crate::coding::working_drg::{Working, WorkingDrg};
use crate::text::sanitize_line;

/// Heading of the what-if reader; the workbench recognises it to keep it current.
pub const WHAT_IF_HEADING: &str = "Working MS-DRG and what-if (W)";

fn line(s: &str) -> String {
    sanitize_line(s).into_owned()
}

fn num(v: Option<f64>, p: usize) -> String {
    v.map(|v| format!("{v:.p$}"))
        .unwrap_or_else(|| "none".into())
}

fn dotted(code: &str) -> String {
    line(&crate::codes::CodeSystem::Icd10Cm.dotted(code))
}

/// Dollars with thousands separators (`$12,345.67`).
pub fn dollars(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, (cents % 100).abs());
    let digits = whole.abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    let sign = if whole < 0 { "-" } else { "" };
    format!("{sign}${out}.{frac:02}")
}

/// The one-line summary under the workbench header: numbers first so a narrow terminal clips
/// only the title.
pub fn summary(drg: &WorkingDrg) -> String {
    match drg {
        WorkingDrg::NotInpatient => {
            "MS-DRG: not grouped — only inpatient stays get a DRG (DRG-01)".into()
        }
        WorkingDrg::Incomplete(why) => format!("MS-DRG: {}", line(why)),
        WorkingDrg::Grouped(w) => {
            let r = &w.what_if.result;
            let f = &r.final_drg;
            let mut s = format!(
                "MS-DRG {:03} · wt {} · GMLOS {}",
                f.drg,
                num(r.weight, 4),
                num(r.gmlos, 1)
            );
            match (&f.severity_code, f.severity.label()) {
                (Some(code), sev) => {
                    s += &format!(" · {sev} {}", dotted(code));
                    if let Some(x) = w.what_if.without.iter().find(|x| x.decides) {
                        s += &format!(" (w/o: {:03})", x.drg);
                    }
                }
                (None, _) => s += " · no CC/MCC",
            }
            s + &format!(" · {}", line(&f.title))
        }
    }
}

/// The what-if in full (W): the final DRG with its numbers, HAC, and each CC/MCC secondary
/// with the DRG, weight and payment without it.
pub fn full(drg: &WorkingDrg) -> String {
    let w: &Working = match drg {
        WorkingDrg::Grouped(w) => w,
        other => return format!("{}\n", summary(other)),
    };
    let r = &w.what_if.result;
    let f = &r.final_drg;
    let mut t = format!("DRG {:03} {}\n", f.drg, line(&f.title));
    t += &format!(
        "Weight {} · GMLOS {} · AMLOS {}\n",
        num(r.weight, 4),
        num(r.gmlos, 1),
        num(r.amlos, 1)
    );
    match &f.severity_code {
        Some(c) => t += &format!("{} from {}\n", f.severity.label(), dotted(c)),
        None => t += "No CC/MCC from a secondary diagnosis\n",
    }
    t += "\nWHAT-IF: each CC/MCC secondary and the DRG without it\n";
    if w.what_if.without.is_empty() {
        t += "No secondary diagnosis is a CC or MCC (a query may find one the documentation \
               supports).\n";
    }
    for x in &w.what_if.without {
        let gain = x
            .weight_gain
            .map(|g| format!("; it adds {g:+.4} to the weight"))
            .unwrap_or_default();
        let pay = match (w.base_rate > 0.0, x.weight_gain) {
            (true, Some(g)) => format!(" ({} a claim)", dollars(g * w.base_rate)),
            _ => String::new(),
        };
        t += &format!(
            "{} ({}{}): without it DRG {:03} {}{gain}{pay}\n",
            dotted(&x.code),
            x.level.label(),
            if x.decides {
                ", gives the DRG its severity"
            } else {
                ""
            },
            x.drg,
            line(&x.title),
        );
    }
    t += "\nDETAILS\n";
    if r.initial.drg != f.drg {
        t += &format!(
            "Initial DRG {:03} {}, changed by the HAC step\n",
            r.initial.drg,
            line(&r.initial.title)
        );
    }
    if !r.hac_codes.is_empty() {
        let codes: Vec<String> = r.hac_codes.iter().map(|(c, _)| dotted(c)).collect();
        t += &format!(
            "HAC: not counted as CC/MCC (POA N/U): {}\n",
            codes.join(", ")
        );
    }
    match w.expected_payment {
        Some(p) => {
            t += &format!(
                "Expected payment {} (weight x base rate {}, DRG-06)\n",
                dollars(p),
                dollars(w.base_rate)
            )
        }
        None if w.base_rate <= 0.0 => {
            t += "Expected payment: set drg_base_rate to see it (DRG-06)\n"
        }
        None => t += "Expected payment: this DRG has no weight\n",
    }
    if let (Some(m), Some(title)) = (r.initial.mdc, &r.mdc_title) {
        t += &format!("MDC {m:02} {}\n", line(title));
    }
    t += &format!(
        "MS-DRG v{} (by the discharge date), return code {}; weights IPPS FY2026 Table 5\n",
        line(&r.version),
        f.return_code.label()
    );
    if w.status_assumed {
        t += "Discharge status: none coded, 01 (home) assumed\n";
    } else {
        t += &format!("Discharge status: {}\n", line(&w.discharge_status));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::dollars;

    #[test]
    fn dollars_group_thousands() {
        assert_eq!(dollars(6141.6), "$6,141.60");
        assert_eq!(dollars(0.5), "$0.50");
        assert_eq!(dollars(1_234_567.891), "$1,234,567.89");
        assert_eq!(dollars(-2047.2), "-$2,047.20");
    }
}
