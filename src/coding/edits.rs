//! The edits: one small pure function per rule, each pushing [`Edit`]s with its DOMAIN id.
//!
//! Invariants: no I/O and no clock — everything comes from the [`EditInput`] and the
//! [`CodeFacts`] loaded for it; the result lists errors first, then warnings, each group in
//! rule order then diagnosis sequence order; an edit that needs a code's flags or notes runs
//! only on codes valid on the discharge date (an invalid code gets exactly its validity edit).

use super::facts::{CodeFacts, DxFacts, PxFacts, Validity};
use super::{DxEntry, Edit, EditInput, Severity, normalize_code};
use crate::codes::CodeSystem;
use crate::domain::EncounterKind;

/// Age limits of the MCE groups when the loaded MCE set has no row for a group (DOMAIN §3.4).
const DEFAULT_AGES: &[(&str, i64, i64)] = &[
    ("newborn", 0, 0),
    ("pediatric", 0, 17),
    ("maternity", 9, 64),
    ("adult", 15, 124),
];

/// Ventilation of 96 consecutive hours or more (MCE 19) needs a stay of at least this many days.
const LOS_MIN_DAYS: i64 = 4;

/// One diagnosis with its position (0 = principal/first-listed when present) and facts.
struct Dx<'a> {
    entry: &'a DxEntry,
    principal: bool,
    code: String,
    facts: Option<&'a DxFacts>,
}

impl Dx<'_> {
    fn dotted(&self) -> String {
        self.facts
            .map(|f| f.dotted.clone())
            .unwrap_or_else(|| CodeSystem::Icd10Cm.dotted(&self.code))
    }
    fn valid(&self) -> Option<&DxFacts> {
        self.facts.filter(|f| f.is_valid())
    }
    /// Valid and billable: the codes reminders and POA apply to (a header is already an
    /// error, COD-02/03, and is not reminded about twice).
    fn reportable(&self) -> Option<&DxFacts> {
        self.valid().filter(|f| f.billable)
    }
}

fn edit(id: &'static str, severity: Severity, code: Option<String>, message: String) -> Edit {
    Edit {
        id,
        severity,
        code,
        message,
    }
}

/// Run every edit on an encounter. Pure: `facts` must come from [`super::load_facts`] for
/// the same input (a code without facts is reported as invalid, never skipped).
pub fn run_edits(input: &EditInput, facts: &CodeFacts) -> Vec<Edit> {
    let dxs: Vec<Dx> = input
        .diagnoses()
        .enumerate()
        .map(|(i, e)| {
            let code = normalize_code(&e.code);
            Dx {
                entry: e,
                principal: i == 0 && input.principal.is_some(),
                facts: facts.dx.get(&code),
                code,
            }
        })
        .collect();
    let mut out = Vec::new();
    principal_present(input, &mut out);
    code_sets_in_force(input, facts, &mut out);
    dx_validity(&dxs, facts, &mut out);
    px_validity(input, facts, &mut out);
    invalid_age(input, &mut out);
    invalid_sex_and_status(input, &mut out);
    principal_edits(input, &dxs, &mut out);
    duplicates(&dxs, &mut out);
    age_conflicts(input, &dxs, facts, &mut out);
    unspecified(&dxs, &mut out);
    excludes1(&dxs, &mut out);
    code_first(&dxs, &mut out);
    use_additional(&dxs, &mut out);
    poa(input, &dxs, facts, &mut out);
    procedure_edits(input, &dxs, facts, &mut out);
    // Stable: errors first, each group keeps rule order.
    out.sort_by_key(|e| e.severity);
    out
}

/// COD-10 / COD-11: an encounter needs a principal (inpatient) or first-listed diagnosis.
fn principal_present(input: &EditInput, out: &mut Vec<Edit>) {
    if input.principal.is_some() {
        return;
    }
    let (id, what) = if input.kind == EncounterKind::Inpatient {
        (
            "COD-10",
            "an inpatient encounter needs exactly one principal diagnosis",
        )
    } else {
        (
            "COD-11",
            "an outpatient, ED or observation encounter needs a first-listed diagnosis",
        )
    };
    out.push(edit(
        id,
        Severity::Error,
        None,
        format!("No principal diagnosis: {what} ({id})."),
    ));
}

/// COD-01: a code set of each system used must be in force on the discharge date; and the
/// MCE must be loaded for its edits to run at all.
fn code_sets_in_force(input: &EditInput, facts: &CodeFacts, out: &mut Vec<Edit>) {
    let day = input.discharge;
    let fy = facts.fiscal_year;
    if input.diagnoses().next().is_some() && !facts.cm_in_force {
        out.push(edit("COD-01-NO-CODE-SET", Severity::Error, None, format!(
            "No ICD-10-CM code set is loaded for {day} (FY{fy}); diagnoses cannot be validated (COD-01: use the set in force on the discharge date).")));
    }
    if !input.procedures.is_empty() && !facts.pcs_in_force {
        out.push(edit("COD-01-NO-CODE-SET", Severity::Error, None, format!(
            "No ICD-10-PCS code set is loaded for {day} (FY{fy}); procedures cannot be validated (COD-01).")));
    }
    if !facts.mce_loaded {
        out.push(edit("MCE-NOT-LOADED", Severity::Warning, None, format!(
            "No Medicare Code Editor tables are loaded for FY{fy}: the MCE flag edits (2, 4, 6, 8, 9, 11, 17-20) were not run.")));
    }
}

/// Message for a code that is not usable on the discharge date, or `None` when valid.
fn validity_edit(validity: Option<&Validity>, label: &str, shown: String, fy: i32) -> Option<Edit> {
    let (id, msg) = match validity {
        Some(Validity::Valid) => return None,
        Some(Validity::NoCodeSet) => return None, // reported once by code_sets_in_force
        Some(Validity::BadSyntax) => (
            "MCE-01",
            format!(
                "{shown} is not a valid {label} code: it fails the {label} code format (MCE 1, DOMAIN §3.1)."
            ),
        ),
        Some(Validity::OtherYears(years)) => (
            "COD-01",
            format!(
                "{shown} is not in the FY{fy} {label} code set in force on the discharge date; it is valid only in FY{} (COD-01).",
                years
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", FY")
            ),
        ),
        Some(Validity::Unknown) | None => (
            "MCE-01",
            format!(
                "{shown} is not a valid {label} code: it is in no loaded {label} code set (MCE 1)."
            ),
        ),
    };
    Some(edit(id, Severity::Error, Some(shown), msg))
}

/// MCE 1, COD-01, COD-02 (billable leaf only) and COD-03 (7th character) for diagnoses.
fn dx_validity(dxs: &[Dx], facts: &CodeFacts, out: &mut Vec<Edit>) {
    for d in dxs {
        let shown = d.dotted();
        let v = d.facts.and_then(|f| f.validity.as_ref());
        if let Some(e) = validity_edit(v, "ICD-10-CM", shown.clone(), facts.fiscal_year) {
            out.push(e);
            continue;
        }
        let Some(f) = d.valid() else { continue };
        if f.billable {
            continue;
        }
        match &f.seventh_char_rule {
            Some(rule) if d.code.len() < 7 => {
                let padded = format!("{:X<6}", d.code);
                let guess = format!("{padded}{}", f.seventh_chars.first().map_or("A", String::as_str));
                // Point to the padded code only where it exists; a header with subcategories
                // (S72.0 -> S72.00…) gets its real billable codes instead (COD-03).
                let exists = f.billable_children.is_empty() || f.billable_children.contains(&guess);
                let example = if exists {
                    format!("padded with the placeholder X to 6 characters, e.g. {}", CodeSystem::Icd10Cm.dotted(&guess))
                } else {
                    let kids: Vec<String> = f.billable_children.iter().map(|c| CodeSystem::Icd10Cm.dotted(c)).collect();
                    format!("on a code below it, e.g. {}", kids.join(", "))
                };
                out.push(edit("COD-03", Severity::Error, Some(shown.clone()), format!(
                    "{shown} needs a 7th character ({}; rule at {rule}), {example} (COD-03).",
                    f.seventh_chars.join("/"))));
            }
            _ => out.push(edit("COD-02", Severity::Error, Some(shown.clone()), format!(
                "{shown} is a header code, not billable: pick a more specific code below it (COD-02)."))),
        }
    }
}

/// MCE 1 and COD-01 for procedures.
fn px_validity(input: &EditInput, facts: &CodeFacts, out: &mut Vec<Edit>) {
    for p in &input.procedures {
        let code = normalize_code(&p.code);
        let v = facts.px.get(&code).and_then(|f| f.validity.as_ref());
        if let Some(e) = validity_edit(v, "ICD-10-PCS", code, facts.fiscal_year) {
            out.push(e);
        }
    }
}

/// MCE 14: age outside 0–124.
fn invalid_age(input: &EditInput, out: &mut Vec<Edit>) {
    if !(0..=124).contains(&input.age_years) {
        out.push(edit(
            "MCE-14",
            Severity::Error,
            None,
            format!(
                "Age {} is not a valid age: it must be 0-124 years (MCE 14).",
                input.age_years
            ),
        ));
    }
}

/// MCE 15 (invalid sex: not F, M or U) and MCE 16 (discharge status not a UB-04 code the
/// MCE accepts; only when a status is given).
fn invalid_sex_and_status(input: &EditInput, out: &mut Vec<Edit>) {
    if !matches!(input.sex.to_ascii_uppercase(), 'F' | 'M' | 'U') {
        let shown = crate::text::sanitize_line(&input.sex.to_string()).into_owned();
        out.push(edit(
            "MCE-15",
            Severity::Error,
            None,
            format!("Sex {shown:?} is not valid: use F, M or U (MCE 15)."),
        ));
    }
    if let Some(s) = &input.discharge_status
        && !crate::coding::grouper::DISCHARGE_STATUSES.contains(&s.as_str())
    {
        let shown = crate::text::sanitize_line(s).into_owned();
        out.push(edit("MCE-16", Severity::Error, None, format!(
            "Discharge status {shown:?} is not a valid UB-04 patient discharge status (01 home, 02 short-term hospital, 20 expired, …) (MCE 16).")));
    }
}

/// MCE 2 (external cause), 6 (manifestation, COD-14), 8 (questionable admission, warning)
/// and 9 (unacceptable) on the principal diagnosis. 2 and 6 also hold for a first-listed
/// outpatient diagnosis (guidelines I.C.20, COD-14); 8 and 9 are inpatient MCE edits only.
fn principal_edits(input: &EditInput, dxs: &[Dx], out: &mut Vec<Edit>) {
    let Some(d) = dxs.first().filter(|d| d.principal) else {
        return;
    };
    let shown = d.dotted();
    let Some(f) = d.reportable() else { return };
    let role = if input.kind == EncounterKind::Inpatient {
        "principal"
    } else {
        "first-listed"
    };
    if f.has_flag("ecodepdx")
        || matches!(d.code.as_bytes().first(), Some(b'V' | b'W' | b'X' | b'Y'))
    {
        out.push(edit("MCE-02", Severity::Error, Some(shown.clone()), format!(
            "{shown} is an external-cause code (V00-Y99) and may not be the {role} diagnosis; sequence the injury or condition first (MCE 2).")));
    }
    if f.has_flag("manifestation") {
        out.push(edit("MCE-06", Severity::Error, Some(shown.clone()), format!(
            "{shown} is a manifestation code and may never be the {role} diagnosis; code the underlying etiology first (MCE 6, COD-14).")));
    }
    if input.kind != EncounterKind::Inpatient {
        return;
    }
    // MCE 9 with its "requires a secondary diagnosis" list (`reqsdx`, e.g. Z51.89): such a
    // principal is acceptable when at least one secondary diagnosis is reported.
    let has_secondary = dxs.iter().any(|x| !x.principal);
    if f.has_flag("unacceptable") && f.has_flag("reqsdx") {
        if !has_secondary {
            out.push(edit("MCE-09", Severity::Error, Some(shown.clone()), format!(
                "{shown} is acceptable as the principal diagnosis of an inpatient stay only with a secondary diagnosis; report the condition treated (MCE 9, COD-10).")));
        }
    } else if f.has_flag("unacceptable") {
        out.push(edit("MCE-09", Severity::Error, Some(shown.clone()), format!(
            "{shown} is not acceptable as the principal diagnosis of an inpatient stay (MCE 9, COD-10).")));
    }
    if f.has_flag("qadm") {
        out.push(edit("MCE-08", Severity::Warning, Some(shown.clone()), format!(
            "{shown} as principal diagnosis is a questionable reason for inpatient admission; confirm the documentation supports it (MCE 8).")));
    }
}

/// MCE 3: a secondary equal to the principal; COD-15: a secondary listed twice.
fn duplicates(dxs: &[Dx], out: &mut Vec<Edit>) {
    let principal = dxs.first().filter(|d| d.principal).map(|d| d.code.as_str());
    for (i, d) in dxs.iter().enumerate().filter(|(_, d)| !d.principal) {
        if Some(d.code.as_str()) == principal {
            let s = d.dotted();
            out.push(edit(
                "MCE-03",
                Severity::Error,
                Some(s.clone()),
                format!("{s} duplicates the principal diagnosis; report it once (MCE 3, COD-15)."),
            ));
        } else if dxs[..i].iter().any(|o| !o.principal && o.code == d.code) {
            let s = d.dotted();
            out.push(edit("COD-15-DUPLICATE", Severity::Warning, Some(s.clone()), format!(
                "{s} is listed more than once among the secondary diagnoses; report it once (COD-15).")));
        }
    }
}

/// MCE 4: a newborn, pediatric, maternity or adult diagnosis outside its MCE age range.
fn age_conflicts(input: &EditInput, dxs: &[Dx], facts: &CodeFacts, out: &mut Vec<Edit>) {
    let age = input.age_years;
    if !(0..=124).contains(&age) {
        return; // MCE 14 already says the age is unusable
    }
    for d in dxs {
        let Some(f) = d.reportable() else { continue };
        for &(flag, dmin, dmax) in DEFAULT_AGES {
            if !f.has_flag(flag) {
                continue;
            }
            let (min, max) = facts
                .age_range(flag)
                .map_or((dmin, dmax), |r| (r.min, r.max));
            if !(min..=max).contains(&age) {
                let s = d.dotted();
                out.push(edit("MCE-04", Severity::Error, Some(s.clone()), format!(
                    "{s} is a {flag} diagnosis (ages {min}-{max}) but the patient is {age}: age conflict (MCE 4).")));
            }
        }
    }
}

/// MCE 20: unspecified code (warning: a more specific code may be documented).
fn unspecified(dxs: &[Dx], out: &mut Vec<Edit>) {
    for d in dxs {
        if d.reportable().is_some_and(|f| f.has_flag("unspecified")) {
            let s = d.dotted();
            out.push(edit("MCE-20", Severity::Warning, Some(s.clone()), format!(
                "{s} is an unspecified code; query or review the record for a more specific one (MCE 20).")));
        }
    }
}

/// COD-13: two diagnoses where one's Excludes1 note (on it, a parent, its block or chapter)
/// covers the other. Reported once per pair, on the later code.
fn excludes1(dxs: &[Dx], out: &mut Vec<Edit>) {
    for (j, b) in dxs.iter().enumerate() {
        for a in &dxs[..j] {
            if a.code == b.code {
                continue;
            }
            let hit = |x: &Dx, y: &Dx| {
                x.reportable()
                    .and_then(|f| f.excludes1.iter().find(|n| n.covers(&y.code)))
                    .map(|n| (x.dotted(), n.from.clone(), n.text.clone()))
            };
            if let Some((owner, from, text)) = hit(a, b).or_else(|| hit(b, a)) {
                let (sa, sb) = (a.dotted(), b.dotted());
                out.push(edit("COD-13-EXCLUDES1", Severity::Error, Some(sb.clone()), format!(
                    "{sa} and {sb} may not be reported together: Excludes1 at {from} ({owner}): \"{text}\". Remove one, or override with a reason if documented as unrelated (COD-13).")));
            }
        }
    }
}

/// COD-14 "code first": the etiology must come before this code. With references, one of
/// them must be sequenced earlier; without, the reminder shows when the code is first.
fn code_first(dxs: &[Dx], out: &mut Vec<Edit>) {
    for (i, d) in dxs.iter().enumerate() {
        let Some(f) = d.reportable() else { continue };
        for n in &f.code_first {
            let satisfied = if n.refs.is_empty() {
                i > 0
            } else {
                dxs[..i].iter().any(|e| n.covers(&e.code))
            };
            if !satisfied {
                let s = d.dotted();
                out.push(edit("COD-14-CODE-FIRST", Severity::Warning, Some(s.clone()), format!(
                    "{s}: \"code first {}\" (note at {}): sequence the underlying condition before it (COD-14).", n.text, n.from)));
                break;
            }
        }
    }
}

/// COD-14 "use additional code": the notes printed at one place (a code, a parent, the
/// block) are usually alternatives ("insulin (Z79.4)", "oral drugs (Z79.84)"), so one
/// reminder per place, satisfied when another diagnosis matches any of its references.
/// Notes without references cannot be checked and are not reported.
fn use_additional(dxs: &[Dx], out: &mut Vec<Edit>) {
    for (i, d) in dxs.iter().enumerate() {
        let Some(f) = d.reportable() else { continue };
        let mut places: Vec<&str> = f.use_additional.iter().map(|n| n.from.as_str()).collect();
        places.dedup();
        for place in places {
            let notes: Vec<_> = f
                .use_additional
                .iter()
                .filter(|n| n.from == place && !n.refs.is_empty())
                .collect();
            let present = dxs
                .iter()
                .enumerate()
                .any(|(k, e)| k != i && notes.iter().any(|n| n.covers(&e.code)));
            if notes.is_empty() || present {
                continue;
            }
            let s = d.dotted();
            let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
            out.push(edit("COD-14-USE-ADDITIONAL", Severity::Warning, Some(s.clone()), format!(
                "{s}: \"use additional code\" at {place}: {} — none is reported; add it if documented (COD-14).",
                texts.join("; "))));
        }
    }
}

/// POA-01 (indicator on every inpatient diagnosis, valid value) and POA-02 (exempt codes
/// reported blank). With no exempt list loaded, exemption is unknown and said so once.
fn poa(input: &EditInput, dxs: &[Dx], facts: &CodeFacts, out: &mut Vec<Edit>) {
    if input.kind != EncounterKind::Inpatient || dxs.is_empty() {
        return;
    }
    if let Some(kind) = &facts.poa_exempt_facility {
        out.push(edit("POA-03", Severity::Warning, None, format!(
            "The facility type is {kind}, exempt from POA reporting: POA indicators are not edited and the grouper skips the HAC step (POA-03).")));
        return;
    }
    poa_hac(dxs, out);
    if !facts.poa_list_loaded {
        out.push(edit("POA-02-NO-LIST", Severity::Warning, None, format!(
            "POA exemption unknown: no POA-exempt list is loaded for FY{}; blank indicators on exempt codes cannot be told apart from missing ones (POA-02). Load the CDC list with `codes load`.", facts.fiscal_year)));
    }
    for d in dxs {
        let Some(f) = d.reportable() else { continue };
        let s = d.dotted();
        let value = d
            .entry
            .poa
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase());
        let exempt = f.poa_exempt;
        match (value, exempt) {
            (None, Some(true)) => {}
            (None, Some(false)) => out.push(edit("POA-01", Severity::Error, Some(s.clone()), format!(
                "{s} has no POA indicator; every inpatient diagnosis needs Y, N, U or W (POA-01).")) ),
            (None, None) => out.push(edit("POA-01", Severity::Error, Some(s.clone()), format!(
                "{s} has no POA indicator; inpatient diagnoses need Y, N, U or W unless POA-exempt, and no exempt list is loaded to show it is exempt (POA-01).")) ),
            (Some('Y' | 'N' | 'U' | 'W'), Some(true)) => out.push(edit("POA-02", Severity::Error, Some(s.clone()), format!(
                "{s} is on the CMS POA-exempt list: report the indicator blank, not {} (POA-02).", value.unwrap_or(' '))) ),
            (Some('Y' | 'N' | 'U' | 'W'), _) => {}
            (Some('1'), Some(true)) => out.push(edit("POA-02-RENDER", Severity::Warning, Some(s.clone()), format!(
                "{s}: exempt indicator 1 is the retired 4010 value; Medicare wants blank — keep 1 only for payers that ask for it (POA-02, poa_exempt_render).")) ),
            (Some(c), _) => out.push(edit("POA-01-INVALID", Severity::Error, Some(s.clone()), format!(
                "{s} has POA indicator '{c}'; valid values are Y, N, U, W, or blank for an exempt code (POA-01, POA-02).")) ),
        }
    }
}

/// POA-03: `U` or `W` on a secondary diagnosis that is on a hospital-acquired-condition list.
fn poa_hac(dxs: &[Dx], out: &mut Vec<Edit>) {
    for d in dxs.iter().filter(|d| !d.principal) {
        let Some(f) = d.reportable() else { continue };
        let value = d.entry.poa.map(|c| c.to_ascii_uppercase());
        if f.hac.is_empty() || !matches!(value, Some('U' | 'W')) {
            continue;
        }
        let s = d.dotted();
        let what = if value == Some('U') {
            "U (documentation insufficient) makes it hospital-acquired: it stops counting as a CC/MCC for the final DRG"
        } else {
            "W (clinically undetermined) is paid as present on admission; confirm with the provider"
        };
        out.push(edit("POA-03", Severity::Warning, Some(s.clone()), format!(
            "{s} is a hospital-acquired condition ({}) reported with POA {}: {what}. Query the provider for Y or N (POA-03, DRG-05).",
            f.hac.join(", "), value.unwrap_or(' '))));
    }
}

/// COD-04 and the MCE procedure edits 11, 17, 18 and 19.
fn procedure_edits(input: &EditInput, dxs: &[Dx], facts: &CodeFacts, out: &mut Vec<Edit>) {
    if input.kind != EncounterKind::Inpatient && !input.procedures.is_empty() {
        out.push(edit("COD-04", Severity::Warning, None, format!(
            "ICD-10-PCS procedures on a {} encounter: outpatient, ED and observation report CPT/HCPCS (COD-04).", input.kind)));
    }
    let valid: Vec<&PxFacts> = input
        .procedures
        .iter()
        .filter_map(|p| facts.px.get(&normalize_code(&p.code)))
        .filter(|f| f.validity == Some(Validity::Valid))
        .collect();
    for f in &valid {
        let c = &f.code;
        if f.has_flag("noncovered") {
            out.push(edit(
                "MCE-11",
                Severity::Warning,
                Some(c.clone()),
                format!("{c} is a non-covered procedure for Medicare (MCE 11)."),
            ));
        }
        if f.has_flag("lcov") {
            out.push(edit("MCE-17", Severity::Warning, Some(c.clone()), format!(
                "{c} is a limited-coverage procedure: Medicare covers it only under specific conditions (MCE 17).")));
        }
        if f.has_flag("los") {
            match input.los_days {
                Some(los) if los < LOS_MIN_DAYS => out.push(edit("MCE-19", Severity::Warning, Some(c.clone()), format!(
                    "{c} (ventilation 96+ consecutive hours) is inconsistent with a length of stay of {los} day(s); it needs at least {LOS_MIN_DAYS} (MCE 19).")) ),
                _ => {}
            }
        }
    }
    if let Some(d) = dxs
        .iter()
        .find(|d| d.reportable().is_some_and(|f| f.has_flag("wrngproc")))
    {
        let s = d.dotted();
        out.push(edit("MCE-18", Severity::Warning, Some(s.clone()), format!(
            "{s} reports a wrong procedure (wrong site, patient or procedure); the claim is reviewed for coverage (MCE 18).")));
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::coding::facts::AgeRange;
    use crate::coding::{PxEntry, has_errors};

    fn valid_dx(code: &str, flags: &[&str]) -> DxFacts {
        DxFacts {
            code: code.to_string(),
            dotted: CodeSystem::Icd10Cm.dotted(code),
            validity: Some(Validity::Valid),
            billable: true,
            mce_flags: flags.iter().map(|f| f.to_string()).collect(),
            poa_exempt: Some(false),
            ..DxFacts::default()
        }
    }

    fn input(principal: &str) -> EditInput {
        EditInput {
            discharge_status: None,
            age_years: 10,
            sex: 'F',
            discharge: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
            kind: EncounterKind::Inpatient,
            los_days: None,
            principal: Some(DxEntry::new(principal, Some('Y'))),
            secondary: Vec::new(),
            procedures: vec![PxEntry::new("5A1955Z")],
        }
    }

    fn facts(dx: &[DxFacts]) -> CodeFacts {
        let mut f = CodeFacts {
            fiscal_year: 2026,
            cm_in_force: true,
            pcs_in_force: true,
            mce_loaded: true,
            poa_list_loaded: true,
            ..CodeFacts::default()
        };
        for d in dx {
            f.dx.insert(d.code.clone(), d.clone());
        }
        f.px.insert(
            "5A1955Z".into(),
            PxFacts {
                code: "5A1955Z".into(),
                validity: Some(Validity::Valid),
                title: String::new(),
                mce_flags: vec!["los".into()],
            },
        );
        f
    }

    fn ids(edits: &[Edit]) -> Vec<&'static str> {
        edits.iter().map(|e| e.id).collect()
    }

    #[test]
    fn a_code_without_facts_is_invalid_not_skipped() {
        let got = run_edits(&input("O80"), &facts(&[]));
        assert_eq!(ids(&got), vec!["MCE-01"]);
        assert!(has_errors(&got));
    }

    #[test]
    fn loaded_age_ranges_win_over_the_defaults() {
        let i = input("O80");
        let mut f = facts(&[valid_dx("O80", &["maternity"])]);
        assert_eq!(ids(&run_edits(&i, &f)), Vec::<&str>::new(), "10 is in 9-64");
        f.age_ranges.push(AgeRange {
            group: "Maternity".into(),
            min: 12,
            max: 55,
        });
        assert_eq!(ids(&run_edits(&i, &f)), vec!["MCE-04"]);
    }

    #[test]
    fn unknown_los_does_not_raise_mce_19() {
        let mut i = input("O80");
        let f = facts(&[valid_dx("O80", &[])]);
        assert!(!ids(&run_edits(&i, &f)).contains(&"MCE-19"));
        i.los_days = Some(3);
        assert!(ids(&run_edits(&i, &f)).contains(&"MCE-19"));
    }

    #[test]
    fn no_mce_tables_is_said_once() {
        let mut f = facts(&[valid_dx("O80", &[])]);
        f.mce_loaded = false;
        assert_eq!(ids(&run_edits(&input("O80"), &f)), vec!["MCE-NOT-LOADED"]);
    }

    #[test]
    fn mce_09_reqsdx_principal_is_acceptable_with_a_secondary() {
        let z = valid_dx("Z5189", &["reqsdx", "unacceptable"]);
        let f = facts(&[z, valid_dx("C509", &[])]);
        let mut i = input("Z51.89");
        assert_eq!(
            ids(&run_edits(&i, &f)),
            vec!["MCE-09"],
            "alone it is unacceptable"
        );
        i.secondary.push(DxEntry::new("C50.9", Some('Y')));
        assert!(
            !ids(&run_edits(&i, &f)).contains(&"MCE-09"),
            "with a secondary it is fine"
        );
        // a plain unacceptable principal stays unacceptable with secondaries
        let f = facts(&[valid_dx("Z5189", &["unacceptable"]), valid_dx("C509", &[])]);
        assert!(ids(&run_edits(&i, &f)).contains(&"MCE-09"));
    }

    #[test]
    fn mce_02_a_header_principal_gets_only_its_validity_edit() {
        // V00.0 is a header (not billable): COD-02/03 only, no MCE-02 or other flag edits
        let header = DxFacts {
            billable: false,
            ..valid_dx("V000", &["ecodepdx", "unspecified", "adult"])
        };
        let got = run_edits(&input("V00.0"), &facts(&[header]));
        assert!(!ids(&got).contains(&"MCE-02"), "{:?}", ids(&got));
        assert!(
            !ids(&got).iter().any(|i| i.starts_with("MCE-")),
            "{:?}",
            ids(&got)
        );
        assert!(
            ids(&got).iter().all(|i| i.starts_with("COD-0")),
            "{:?}",
            ids(&got)
        );
        assert!(has_errors(&got));
    }

    #[test]
    fn poa_03_u_or_w_on_a_hac_code_warns_and_exempt_facility_skips_poa() {
        let mut hac = valid_dx("T8141XA", &[]);
        hac.hac = vec!["HAC05".into()];
        hac.poa_exempt = Some(false);
        let mut pdx = valid_dx("J189", &[]);
        pdx.poa_exempt = Some(false);
        let mut f = facts(&[pdx, hac]);
        f.poa_list_loaded = true;
        let mut i = input("J18.9");
        i.principal = Some(DxEntry::new("J18.9", Some('Y')));
        for (poa, warns) in [('U', true), ('W', true), ('Y', false), ('N', false)] {
            i.secondary = vec![DxEntry::new("T81.41XA", Some(poa))];
            let e = run_edits(&i, &f);
            assert_eq!(
                e.iter().any(|x| x.id == "POA-03"),
                warns,
                "POA {poa}: {:?}",
                ids(&e)
            );
        }
        i.secondary = vec![DxEntry::new("T81.41XA", None)];
        f.poa_exempt_facility = Some("CAH".into());
        let e = run_edits(&i, &f);
        assert!(ids(&e).contains(&"POA-03"));
        assert!(!ids(&e).contains(&"POA-01"), "exempt facility: no POA-01");
    }

    #[test]
    fn mce_15_16_invalid_sex_and_discharge_status() {
        let f = facts(&[valid_dx("O80", &[])]);
        let mut i = input("O80");
        assert!(ids(&run_edits(&i, &f)).is_empty());
        i.sex = 'X';
        assert_eq!(ids(&run_edits(&i, &f)), vec!["MCE-15"]);
        i.sex = 'f';
        i.discharge_status = Some("20".into());
        assert!(ids(&run_edits(&i, &f)).is_empty());
        i.discharge_status = Some("99".into());
        assert_eq!(ids(&run_edits(&i, &f)), vec!["MCE-16"]);
    }
}
