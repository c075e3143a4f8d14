//! Parsing and validating a release's files (the format of `tsv`) into plain rows, before
//! anything is written. Invariant: a returned value has passed every check that does not need
//! the database (code syntax, duplicates, 0/1 flags, known blocks/chapters/codes for notes).

use std::collections::HashSet;

use super::CodeSystem;
use super::tsv::{InputError, Row, Source, flag01, is_cm_code, is_pcs_code};

const CODE_HEADER: &[&str] = &["code", "billable", "short_title", "long_title", "block"];
const GROUP_HEADER: &[&str] = &["level", "id", "chapter", "title"];
const NOTE_HEADER: &[&str] = &["scope", "code", "kind", "text", "refs"];
const MCE_HEADER: &[&str] = &["system", "code", "flags"];
const AGE_HEADER: &[&str] = &["age_group", "min_age", "max_age"];

/// A parsed, validated release waiting to be written.
#[derive(Default)]
pub(super) struct Release {
    pub(super) year: i32,
    pub(super) source: String,
    pub(super) cm: Option<CmSet>,
    pub(super) pcs: Option<Vec<CodeRow>>,
    pub(super) mce: Option<MceSet>,
    pub(super) poa: Option<PoaList>,
    pub(super) short: Vec<ShortTitles>,
}

pub(super) struct CodeRow {
    pub(super) code: String,
    pub(super) billable: bool,
    pub(super) short_title: String,
    pub(super) long_title: String,
    pub(super) block: String,
}

pub(super) struct CmSet {
    pub(super) codes: Vec<CodeRow>,
    pub(super) groups: Vec<[String; 4]>,
    pub(super) notes: Vec<[String; 5]>,
}

pub(super) struct MceSet {
    pub(super) flags: Vec<(&'static str, String, String)>,
    pub(super) codes: usize,
    pub(super) ages: Vec<(String, i64, i64)>,
}

/// Official titles from a CMS order file (ICD-10-CM or ICD-10-PCS) for a set already loaded
/// or loaded in the same call.
pub(super) struct ShortTitles {
    pub(super) file: String,
    pub(super) system: CodeSystem,
    pub(super) rows: Vec<TitleRow>,
}

pub(super) struct TitleRow {
    pub(super) line: usize,
    pub(super) code: String,
    pub(super) billable: bool,
    pub(super) short: String,
    pub(super) long: String,
}

pub(super) struct PoaList {
    pub(super) file: String,
    pub(super) rows: Vec<(usize, String, String)>,
}

pub(super) fn parse_codes(src: &Source, system: CodeSystem) -> Result<Vec<CodeRow>, InputError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in src.rows(CODE_HEADER)? {
        let f = &row.fields;
        let ok = match system {
            CodeSystem::Icd10Pcs => is_pcs_code(f[0]),
            _ => is_cm_code(f[0]),
        };
        if !ok {
            let m = format!(
                "{:?} is not a stored {} code (no dot)",
                f[0],
                system.label()
            );
            return Err(src.error(row.line, "code", m));
        }
        if !seen.insert(f[0]) {
            return Err(src.error(row.line, "code", format!("duplicate code {}", f[0])));
        }
        let billable = flag01(src, &row, 1, "billable")?;
        if system == CodeSystem::Icd10Cm && f[3].is_empty() {
            return Err(src.error(row.line, "long_title", "empty".into()));
        }
        out.push(CodeRow {
            code: f[0].to_string(),
            billable,
            short_title: f[2].to_string(),
            long_title: f[3].to_string(),
            block: f[4].to_string(),
        });
    }
    if out.is_empty() {
        return Err(src.error(1, "(file)", "no codes".into()));
    }
    Ok(out)
}

pub(super) fn parse_cm(
    codes: &Source,
    groups: &Source,
    notes: Option<&Source>,
) -> Result<CmSet, InputError> {
    let rows = parse_codes(codes, CodeSystem::Icd10Cm)?;
    let mut chapters = HashSet::new();
    let mut blocks = HashSet::new();
    let mut group_rows = Vec::new();
    for row in groups.rows(GROUP_HEADER)? {
        let f = &row.fields;
        let fresh = match f[0] {
            "chapter" => chapters.insert(f[1]),
            "block" if chapters.contains(f[2]) => blocks.insert(f[1]),
            "block" => {
                return Err(groups.error(
                    row.line,
                    "chapter",
                    format!("unknown chapter {:?}", f[2]),
                ));
            }
            other => {
                let m = format!("expected chapter or block, found {other:?}");
                return Err(groups.error(row.line, "level", m));
            }
        };
        if !fresh || f[1].is_empty() {
            return Err(groups.error(row.line, "id", format!("empty or duplicate id {:?}", f[1])));
        }
        group_rows.push(owned4(&row));
    }
    for (i, r) in rows.iter().enumerate() {
        if !blocks.contains(r.block.as_str()) {
            // Line = data row index + 2 (header is line 1): rows are in file order.
            let m = format!("unknown block {:?} (not in {})", r.block, groups.name);
            return Err(codes.error(i + 2, "block", m));
        }
    }
    let mut note_rows = Vec::new();
    if let Some(src) = notes {
        let known: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        for row in src.rows(NOTE_HEADER)? {
            let f = &row.fields;
            let exists = match f[0] {
                "code" => known.contains(f[1]),
                "block" => blocks.contains(f[1]),
                "chapter" => chapters.contains(f[1]),
                other => {
                    let m = format!("expected chapter, block or code, found {other:?}");
                    return Err(src.error(row.line, "scope", m));
                }
            };
            if !exists {
                return Err(src.error(row.line, "code", format!("unknown {} {:?}", f[0], f[1])));
            }
            if f[2].is_empty() || f[3].is_empty() {
                let field = if f[2].is_empty() { "kind" } else { "text" };
                return Err(src.error(row.line, field, "empty".into()));
            }
            note_rows.push([f[0], f[1], f[2], f[3], f[4]].map(str::to_string));
        }
    }
    Ok(CmSet {
        codes: rows,
        groups: group_rows,
        notes: note_rows,
    })
}

fn owned4(row: &Row<'_>) -> [String; 4] {
    [0, 1, 2, 3].map(|i| row.fields[i].to_string())
}

pub(super) fn parse_mce(flags: &Source, ages: &Source) -> Result<MceSet, InputError> {
    let mut out = Vec::new();
    let mut codes = 0;
    let mut seen = HashSet::new();
    for row in flags.rows(MCE_HEADER)? {
        let f = &row.fields;
        let system = match f[0] {
            "dx" if is_cm_code(f[1]) => "dx",
            "pcs" if is_pcs_code(f[1]) => "pcs",
            "dx" | "pcs" => {
                return Err(flags.error(row.line, "code", format!("bad code {:?}", f[1])));
            }
            other => {
                return Err(flags.error(
                    row.line,
                    "system",
                    format!("expected dx or pcs, found {other:?}"),
                ));
            }
        };
        if !seen.insert((f[0], f[1])) {
            return Err(flags.error(row.line, "code", format!("duplicate code {}", f[1])));
        }
        let list: HashSet<&str> = f[2].split(',').collect();
        if list
            .iter()
            .any(|x| x.is_empty() || !x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(flags.error(row.line, "flags", format!("bad flag list {:?}", f[2])));
        }
        codes += 1;
        let mut list: Vec<&str> = list.into_iter().collect();
        list.sort_unstable();
        out.extend(
            list.into_iter()
                .map(|x| (system, f[1].to_string(), x.to_string())),
        );
    }
    let mut age_rows = Vec::new();
    for row in ages.rows(AGE_HEADER)? {
        let num = |i: usize, name: &str| {
            row.fields[i]
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=150).contains(n))
                .ok_or_else(|| {
                    ages.error(
                        row.line,
                        name,
                        format!("expected an age, found {:?}", row.fields[i]),
                    )
                })
        };
        let (lo, hi) = (num(1, "min_age")?, num(2, "max_age")?);
        if lo > hi {
            return Err(ages.error(row.line, "max_age", "below min_age".into()));
        }
        age_rows.push((row.fields[0].to_string(), lo, hi));
    }
    Ok(MceSet {
        flags: out,
        codes,
        ages: age_rows,
    })
}

/// The CDC `POAexemptCodesFYyy.txt` (header `Order..`, then order, code, description; also
/// accepted without its header line) or the TSV `code\tdotted\tdescription`. Codes may carry
/// a dot; they are stored without it. CRLF line ends are accepted.
pub(super) fn parse_poa(src: &Source) -> Result<PoaList, InputError> {
    let first = src.text.lines().next().unwrap_or("").trim_end_matches('\r');
    let cols: Vec<&str> = first.split('\t').collect();
    let (code_col, field, data) = match cols.as_slice() {
        [order, _, _] if order.to_ascii_lowercase().starts_with("order") => {
            (1, cols[1], src.rows(&cols)?)
        }
        ["code", "dotted", "description"] => (0, "code", src.rows(&cols)?),
        // A CDC file whose header line was dropped: order number, code, description.
        [order, _, _] if !order.is_empty() && order.bytes().all(|b| b.is_ascii_digit()) => {
            (1, "code", src.rows_headerless(3)?)
        }
        _ => {
            let m = format!(
                "expected a CDC POA-exempt header (Order.., code, description) or \
                 \"code\\tdotted\\tdescription\", found {first:?}"
            );
            return Err(src.error(1, "(header)", m));
        }
    };
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for row in data {
        let code = row.fields[code_col].trim().replace('.', "");
        if !is_cm_code(&code) {
            let m = format!("{:?} is not an ICD-10-CM code", row.fields[code_col]);
            return Err(src.error(row.line, field, m));
        }
        if !seen.insert(code.clone()) {
            return Err(src.error(row.line, field, format!("duplicate code {code}")));
        }
        rows.push((row.line, code, row.fields[2].trim().to_string()));
    }
    Ok(PoaList {
        file: src.name.clone(),
        rows,
    })
}

/// A CMS order file: ICD-10-CM "Code Descriptions in Tabular Order" (`icd10cm_order_YYYY.txt`)
/// or the ICD-10-PCS order file (`icd10pcs_order_YYYY.txt`). Fixed width: columns 1-5 order
/// number, 7-13 code, 15 flag (1 = billable / valid), 17-76 short title, 78- long title. Also
/// accepted as the TSV `code\tbillable\tshort_description\tlong_description` (the same file
/// converted). The PCS file's table headers (flag 0) are skipped: the PCS set holds only valid
/// codes.
pub(super) fn parse_short_titles(
    src: &Source,
    system: CodeSystem,
) -> Result<ShortTitles, InputError> {
    const TSV: &[&str] = &["code", "billable", "short_description", "long_description"];
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |line: usize, code: &str, flag: &str, short: &str, long: &str| {
        let billable = match flag {
            "0" => false,
            "1" => true,
            _ => {
                return Err(src.error(
                    line,
                    "billable",
                    format!("expected 0 or 1, found {flag:?}"),
                ));
            }
        };
        let pcs = system == CodeSystem::Icd10Pcs;
        if pcs && !billable {
            return Ok(());
        }
        if !(if pcs {
            is_pcs_code(code)
        } else {
            is_cm_code(code)
        }) {
            let m = format!("{code:?} is not an {} code", system.label());
            return Err(src.error(line, "code", m));
        }
        if short.is_empty() {
            return Err(src.error(line, "short title", "is empty".to_string()));
        }
        if short.chars().count() > 60 {
            return Err(src.error(
                line,
                "short title",
                "is longer than 60 characters".to_string(),
            ));
        }
        if !seen.insert(code.to_string()) {
            return Err(src.error(line, "code", format!("duplicate code {code}")));
        }
        rows.push(TitleRow {
            line,
            code: code.to_string(),
            billable,
            short: short.to_string(),
            long: long.to_string(),
        });
        Ok(())
    };
    let first = src.text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.split('\t').eq(TSV.iter().copied()) {
        for row in src.rows(TSV)? {
            let f = &row.fields;
            push(row.line, f[0].trim(), f[1].trim(), f[2].trim(), f[3].trim())?;
        }
    } else {
        for (i, raw) in src.text.split('\n').enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let n = i + 1;
            let col = |from: usize, to: usize| line.get(from..to.min(line.len())).map(str::trim);
            let long = line.get(77..).unwrap_or("").trim();
            let order_ok =
                col(0, 5).is_some_and(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()));
            let (Some(code), Some(flag), Some(short), true) = (
                col(6, 13),
                col(14, 15),
                col(16, 76),
                order_ok && line.len() >= 17,
            ) else {
                let m = "not a line of the CMS order file (order number in columns 1-5, code in \
                         7-13, flag in 15, short title in 17-76)"
                    .to_string();
                return Err(src.error(n, "(line)", m));
            };
            push(n, code, flag, short, long)?;
        }
    }
    if rows.is_empty() {
        return Err(src.error(0, "(file)", "holds no codes".to_string()));
    }
    Ok(ShortTitles {
        file: src.name.clone(),
        system,
        rows,
    })
}
