//! `chartdesk edits`: the coding edits engine for scripts and billing checks. Prints every
//! edit with id, severity and message; exit 1 when any error-level edit fires.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use super::ReportFormat;
use crate::audit::{Action, Event, Subtype};
use crate::coding::uncertain::DocText;
use crate::coding::{DxEntry, EditInput, PxEntry, format_table, has_errors, load_facts, run_edits};
use crate::domain::{EncounterKind, Perm};
use crate::store::Store;

#[derive(clap::Args, Debug)]
pub struct EditsArgs {
    /// Check a stored encounter's codes (its discharge date picks the code set, COD-01)
    #[arg(long, conflicts_with_all = ["age", "principal", "input"])]
    pub encounter: Option<i64>,
    /// Check claims from a JSON Lines or CSV file (`-` = standard input), one JSON result per
    /// line in order; a bad line gets an error result naming its line and the rest go on.
    /// Fields/columns: age, sex, discharge, type, los, discharge_status, principal,
    /// secondary, procedures (see README "Batch claims")
    #[arg(long, conflicts_with_all = ["age", "principal"])]
    pub input: Option<std::path::PathBuf>,
    /// Age in years at admission (newborn 0)
    #[arg(long)]
    pub age: Option<i64>,
    /// F, M or U (anything else is MCE 15, invalid sex; the sex-conflict edit is off)
    #[arg(long, default_value = "U")]
    pub sex: char,
    /// UB-04 discharge status (01 home, 20 expired, …); checked against the list (MCE 16)
    #[arg(long)]
    pub discharge_status: Option<String>,
    /// Discharge date (inpatient) or date of service
    #[arg(long)]
    pub discharge: Option<NaiveDate>,
    /// inpatient, outpatient, emergency or observation
    #[arg(long, default_value = "inpatient")]
    pub r#type: String,
    /// Length of stay in days (for the LOS edit)
    #[arg(long)]
    pub los: Option<i64>,
    /// Principal or first-listed diagnosis, CODE[:POA]
    #[arg(long)]
    pub principal: Option<String>,
    /// Secondary diagnoses, CODE[:POA],CODE[:POA],…
    #[arg(long, value_delimiter = ',')]
    pub secondary: Vec<String>,
    /// Procedures (ICD-10-PCS), CODE,CODE,…; the first is principal
    #[arg(long, value_delimiter = ',')]
    pub procedure: Vec<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

pub(super) fn dx(arg: &str) -> Result<DxEntry> {
    let (code, poa) = match arg.split_once(':') {
        Some((c, p)) => {
            let mut chars = p.trim().chars();
            let poa = chars.next();
            if chars.next().is_some() {
                bail!("{arg}: POA must be one character (Y, N, U, W or 1)");
            }
            (c, poa)
        }
        None => (arg, None),
    };
    if code.trim().is_empty() {
        bail!("{arg:?}: empty diagnosis code");
    }
    Ok(DxEntry::new(code.trim(), poa))
}

fn from_arguments(a: &EditsArgs) -> Result<EditInput> {
    let kind = EncounterKind::parse(&a.r#type).with_context(|| {
        format!(
            "--type {}: use inpatient, outpatient, emergency or observation",
            a.r#type
        )
    })?;
    let mut procedures: Vec<PxEntry> = a
        .procedure
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| PxEntry::new(p.trim()))
        .collect();
    if let Some(first) = procedures.first_mut() {
        first.principal = true;
    }
    Ok(EditInput {
        age_years: a.age.context("--age is required without --encounter")?,
        sex: a.sex,
        discharge: a
            .discharge
            .context("--discharge is required without --encounter")?,
        kind,
        los_days: a.los,
        discharge_status: a.discharge_status.as_ref().map(|s| s.trim().to_string()),
        principal: a.principal.as_deref().map(dx).transpose()?,
        secondary: a
            .secondary
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| dx(s))
            .collect::<Result<_>>()?,
        procedures,
    })
}

/// Build the input from a stored encounter: patient age at admission, sex, discharge date,
/// length of stay, and its assigned codes in sequence (the workbench's reading of it). The read
/// shows one patient's diagnoses: it needs the coding permission and is audited as a view with
/// the patient's MRN (AUD-09), in the same transaction as the read.
fn from_encounter(store: &mut Store, id: i64) -> Result<(EditInput, Vec<DocText>)> {
    let actor = super::session::actor(store, None, "edits")?;
    crate::accounts::authorize(store, &actor, Perm::Code, "encounter", &id.to_string())?;
    let input = store.transact_read(&actor, |tx, audit| -> Result<(EditInput, Vec<DocText>)> {
        let h = crate::coding::work::header(tx, id)?;
        let codes = crate::coding::work::read_codes(tx, id)?;
        // COD-12 reads the encounter's documents (outpatient uncertain diagnoses).
        let mut st = tx.prepare(
            "SELECT id, title, body FROM documents WHERE encounter_id = ?1 AND status <> 'entered_in_error' ORDER BY service_at, id",
        )?;
        let docs = st
            .query_map([id], |r| {
                Ok(DocText {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    body: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        audit.record(
            Event::new(Action::Read, Subtype::View, "coding", id)
                .patient(&h.mrn)
                .encounter(id)
                .detail(serde_json::json!({"view": "edits", "documents": docs.len()})),
        );
        Ok((crate::coding::work::edit_input(&h, &codes)?, docs))
    })?;
    Ok(input)
}

fn line_input(c: super::batch::LineClaim) -> Result<EditInput> {
    let kind_text = c.kind.as_deref().unwrap_or("inpatient");
    let kind = EncounterKind::parse(kind_text).with_context(|| {
        format!("type {kind_text:?}: use inpatient, outpatient, emergency or observation")
    })?;
    let mut procedures: Vec<PxEntry> = c
        .procedures
        .iter()
        .map(|p| PxEntry::new(p.trim()))
        .collect();
    if let Some(first) = procedures.first_mut() {
        first.principal = true;
    }
    Ok(EditInput {
        age_years: c.age.context("age is required")?,
        sex: c.sex.unwrap_or('U'),
        discharge: c.discharge.context("discharge (YYYY-MM-DD) is required")?,
        kind,
        los_days: c.los,
        discharge_status: c.discharge_status.map(|s| s.trim().to_string()),
        principal: c.principal.as_deref().map(dx).transpose()?,
        secondary: c
            .secondary
            .iter()
            .map(|(code, poa)| DxEntry::new(code, *poa))
            .collect(),
        procedures,
    })
}

/// Streams batch claims to JSON Lines results: `{"line", "errors", "edits"}` or
/// `{"line", "error"}`. Exit 1 when any line failed or any claim has an error-level edit.
fn run_batch(store: &Store, path: &std::path::Path) -> Result<ExitCode> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut any_error = false;
    let conn = store.conn();
    let mut cache = crate::coding::facts_cache::FactsCache::new();
    super::batch::for_each_claim(path, |n, claim| {
        let result = claim.and_then(line_input).and_then(|input| {
            let facts = cache.facts(conn, &input)?;
            Ok(run_edits(&input, &facts))
        });
        let v = match result {
            Ok(edits) => {
                let errors = has_errors(&edits);
                any_error |= errors;
                serde_json::json!({"line": n, "errors": errors, "edits": edits})
            }
            Err(e) => {
                any_error = true;
                serde_json::json!({"line": n, "error": format!("line {n}: {e:#}")})
            }
        };
        writeln!(out, "{v}")?;
        Ok(())
    })?;
    out.flush()?;
    Ok(if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) fn run(store: &mut Store, args: &EditsArgs) -> Result<ExitCode> {
    if let Some(path) = &args.input {
        return run_batch(store, path);
    }
    let (mut input, docs) = match args.encounter {
        Some(id) => from_encounter(store, id)?,
        None => (from_arguments(args)?, Vec::new()),
    };
    if let (Some(_), Some(s)) = (args.encounter, &args.discharge_status) {
        input.discharge_status = Some(s.trim().to_string());
    }
    let facts = load_facts(store.conn(), &input)?;
    let mut edits = run_edits(&input, &facts);
    edits.extend(crate::coding::uncertain::uncertain_diagnoses(
        &input, &facts, &docs,
    ));
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"input": input, "edits": edits}))?
        ),
        ReportFormat::Csv => {
            let mut t = crate::csv_out::Table::new(&["id", "severity", "code", "message"]);
            for e in &edits {
                t.row([
                    e.id.to_string().as_str(),
                    serde_json::to_value(e.severity)?.as_str().unwrap_or(""),
                    e.code.as_deref().unwrap_or(""),
                    &e.message,
                ]);
            }
            print!("{}", t.finish());
        }
        ReportFormat::Table => print!("{}", format_table(&edits)),
    }
    Ok(if has_errors(&edits) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
