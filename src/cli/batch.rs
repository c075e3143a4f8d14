//! Batch claims for billing scripts (`edits --input`, `group --input`): one claim per line in
//! JSON Lines or CSV, one JSON result per line out, streaming and in order.
//!
//! Invariants: a line that cannot be read as a claim becomes an error result naming its line
//! (and field), and the next line goes on; only an unreadable file or a bad CSV header fails
//! the whole command (exit 3). The format is sniffed from the first non-blank line: `{`
//! starts JSON Lines, anything else is a CSV header.
//!
//! JSON fields: principal, secondary ([code, poa] pairs or "CODE[:POA]" strings), procedures,
//! sex, discharge (YYYY-MM-DD), discharge_status, poa_exempt, age, type, los.
//! CSV columns (header line, any order, any subset): the same names; `secondary` and
//! `procedures` hold codes separated by spaces or `;` (`J96.01:Y;E11.9:Y`).

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

/// One claim as read from a batch line (fields a command does not need stay unused).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LineClaim {
    pub principal: Option<String>,
    pub secondary: Vec<(String, Option<char>)>,
    pub procedures: Vec<String>,
    pub sex: Option<char>,
    pub discharge: Option<NaiveDate>,
    pub discharge_status: Option<String>,
    pub poa_exempt: bool,
    pub age: Option<i64>,
    pub kind: Option<String>,
    pub los: Option<i64>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonClaim {
    principal: Option<String>,
    #[serde(default)]
    secondary: Vec<JsonDx>,
    #[serde(default)]
    procedures: Vec<String>,
    sex: Option<char>,
    discharge: Option<NaiveDate>,
    discharge_status: Option<String>,
    #[serde(default)]
    poa_exempt: bool,
    age: Option<i64>,
    r#type: Option<String>,
    los: Option<i64>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum JsonDx {
    Code(String),
    WithPoa(String, Option<String>),
}

fn code_poa(s: &str) -> Result<(String, Option<char>)> {
    let (code, poa) = match s.split_once(':') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    poa_pair(code, poa)
}

fn poa_pair(code: &str, poa: Option<&str>) -> Result<(String, Option<char>)> {
    let code = code.trim();
    if code.is_empty() {
        bail!("secondary: empty diagnosis code");
    }
    let poa = poa.unwrap_or("").trim();
    if poa.chars().count() > 1 {
        bail!("secondary {code}: POA must be one character (Y, N, U, W or 1)");
    }
    Ok((code.to_string(), poa.chars().next()))
}

fn from_json(text: &str) -> Result<LineClaim> {
    let c: JsonClaim = serde_json::from_str(text)?;
    Ok(LineClaim {
        principal: c.principal,
        secondary: c
            .secondary
            .into_iter()
            .map(|d| match d {
                JsonDx::Code(s) => code_poa(&s),
                JsonDx::WithPoa(code, poa) => poa_pair(&code, poa.as_deref()),
            })
            .collect::<Result<_>>()?,
        procedures: c.procedures,
        sex: c.sex,
        discharge: c.discharge,
        discharge_status: c.discharge_status,
        poa_exempt: c.poa_exempt,
        age: c.age,
        kind: c.r#type,
        los: c.los,
    })
}

const CSV_COLUMNS: &[&str] = &[
    "principal",
    "secondary",
    "procedures",
    "sex",
    "discharge",
    "discharge_status",
    "poa_exempt",
    "age",
    "type",
    "los",
];

fn from_csv(header: &[String], rec: &csv::StringRecord) -> Result<LineClaim> {
    let mut c = LineClaim::default();
    for (name, value) in header.iter().zip(rec.iter()) {
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        let list = || v.split([' ', ';']).filter(|x| !x.is_empty());
        match name.as_str() {
            "principal" => c.principal = Some(v.to_string()),
            "secondary" => c.secondary = list().map(code_poa).collect::<Result<_>>()?,
            "procedures" => c.procedures = list().map(str::to_string).collect(),
            "sex" => {
                let mut ch = v.chars();
                c.sex = ch.next();
                if ch.next().is_some() {
                    bail!("sex {v:?}: one letter, F, M or U");
                }
            }
            "discharge" => {
                c.discharge = Some(
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .with_context(|| format!("discharge {v:?}: expected YYYY-MM-DD"))?,
                )
            }
            "discharge_status" => c.discharge_status = Some(v.to_string()),
            "poa_exempt" => {
                c.poa_exempt = match v.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => bail!("poa_exempt {v:?}: true or false"),
                }
            }
            "age" => c.age = Some(v.parse().with_context(|| format!("age {v:?}"))?),
            "type" => c.kind = Some(v.to_string()),
            "los" => c.los = Some(v.parse().with_context(|| format!("los {v:?}"))?),
            _ => {}
        }
    }
    Ok(c)
}

/// Reads `path` (`-` = standard input) and calls `each(line, claim)` per claim in order.
/// The line number is the file's (1-based, header included for CSV).
pub fn for_each_claim(
    path: &Path,
    mut each: impl FnMut(usize, Result<LineClaim>) -> Result<()>,
) -> Result<()> {
    let mut reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        crate::host::check_user_may_read(path)?;
        Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?,
        ))
    };
    let shown = crate::text::sanitize_line(&path.display().to_string()).to_string();
    let is_csv = {
        let buf = reader
            .fill_buf()
            .with_context(|| format!("reading {shown}"))?;
        let first = buf.iter().find(|b| !b.is_ascii_whitespace());
        first.is_some_and(|b| *b != b'{')
    };
    if !is_csv {
        for (n, line) in reader.lines().enumerate() {
            let line = line.with_context(|| format!("{shown} line {}", n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            each(n + 1, from_json(&line))?;
        }
        return Ok(());
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut header: Option<Vec<String>> = None;
    let mut rec = csv::StringRecord::new();
    loop {
        let more = r.read_record(&mut rec);
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        match more {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(line);
                if header.is_none() {
                    bail!("{shown} line {line}: {e}");
                }
                each(line, Err(anyhow::anyhow!("{e}")))?;
                continue;
            }
        }
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let Some(h) = &header else {
            let names: Vec<String> = rec.iter().map(|f| f.trim().to_ascii_lowercase()).collect();
            if let Some(bad) = names.iter().find(|n| !CSV_COLUMNS.contains(&n.as_str())) {
                bail!(
                    "{shown} line {line}: unknown CSV column {:?} (columns: {})",
                    crate::text::sanitize_line(bad),
                    CSV_COLUMNS.join(", ")
                );
            }
            header = Some(names);
            continue;
        };
        let claim = if rec.len() > h.len() {
            Err(anyhow::anyhow!(
                "{} fields, the header has {}",
                rec.len(),
                h.len()
            ))
        } else {
            from_csv(h, &rec)
        };
        each(line, claim)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_csv_give_the_same_claim() {
        let j = from_json(
            r#"{"principal":"J18.9","secondary":[["J96.01","Y"],"E11.9:N"],"procedures":["0BH17EZ"],"sex":"M","discharge":"2026-01-15","age":70}"#,
        )
        .expect("json");
        let header: Vec<String> = [
            "principal",
            "secondary",
            "procedures",
            "sex",
            "discharge",
            "age",
        ]
        .map(String::from)
        .to_vec();
        let rec = csv::StringRecord::from(vec![
            "J18.9",
            "J96.01:Y;E11.9:N",
            "0BH17EZ",
            "M",
            "2026-01-15",
            "70",
        ]);
        assert_eq!(from_csv(&header, &rec).expect("csv"), j);
        assert_eq!(j.secondary[1], ("E11.9".to_string(), Some('N')));
    }

    #[test]
    fn bad_fields_are_named() {
        let header = vec!["age".to_string()];
        let e = from_csv(&header, &csv::StringRecord::from(vec!["old"])).unwrap_err();
        assert!(format!("{e:#}").contains("age \"old\""));
        assert!(from_json(r#"{"principal":"A00","colour":"red"}"#).is_err());
        assert!(code_poa("E11.9:YY").is_err());
    }
}
