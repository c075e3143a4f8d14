//! `chartdesk coding …`: the coding workbench for scripts — queue and held list (COD-20),
//! setting codes, completion, reopen, documentation queries (COD-21) and billing export.
//! Runs as the logged-in chartdesk user, or for the database owner as the command-line
//! administrator (audited as `system:coding:<os user>`) (AUD-10).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use super::ReportFormat;
use super::edits::dx;
use crate::audit::Actor;
use crate::coding::export::{ExportFormat, export};
use crate::coding::queue::{CodingFilter, CodingList, CodingRow, coding_page};
use crate::coding::work::{CodeList, complete, reopen, save_codes};
use crate::coding::{PxEntry, query};
use crate::store::Store;
use crate::text::sanitize_line;

#[derive(clap::Subcommand, Debug)]
pub enum CodingCmd {
    /// Discharged encounters ready to code (no blocking deficiency), oldest discharge first
    Queue(ListArgs),
    /// Encounters held for documentation (COD-20) with the blocking deficiencies
    Held(ListArgs),
    /// Set an encounter's whole code list (diagnoses in sequence; the first procedure is
    /// principal unless one is marked with a trailing `*`)
    SetCodes {
        #[arg(long)]
        encounter: i64,
        /// Principal diagnosis, CODE[:POA]
        #[arg(long)]
        principal: Option<String>,
        /// Secondary diagnoses, CODE[:POA],CODE[:POA],…
        #[arg(long, value_delimiter = ',')]
        secondary: Vec<String>,
        /// Procedures, CODE[@YYYY-MM-DD][*],… (`*` marks the principal procedure)
        #[arg(long, value_delimiter = ',')]
        procedure: Vec<String>,
    },
    /// Complete coding: every edit runs; error edits block, warnings must be acknowledged
    Complete {
        #[arg(long)]
        encounter: i64,
        /// Acknowledge warnings: ID (all of that edit) or ID@CODE, comma-separated
        #[arg(long, value_delimiter = ',')]
        ack: Vec<String>,
        /// Complete despite a documentation hold (COD-20 supervisor override), with a reason
        #[arg(long)]
        override_reason: Option<String>,
    },
    /// Reopen a coded encounter with a reason (at least 10 characters)
    Reopen {
        #[arg(long)]
        encounter: i64,
        #[arg(long)]
        reason: String,
    },
    /// Send a documentation query to a provider (default: the attending); holds the encounter
    Query {
        #[arg(long)]
        encounter: i64,
        #[arg(long)]
        question: String,
        /// Provider id [default: the attending]
        #[arg(long)]
        provider: Option<i64>,
    },
    /// Record the provider's answer to a query; releases the hold
    Answer {
        #[arg(long)]
        query: i64,
        #[arg(long)]
        answer: String,
    },
    /// Expire unanswered queries older than query_expire_days (COD-21)
    ExpireQueries,
    /// Export a coded encounter for billing as FHIR R4 (Bundle) or one CSV row
    Export {
        #[arg(long)]
        encounter: i64,
        #[arg(long, value_enum, default_value_t = ExportFormatArg::Fhir)]
        format: ExportFormatArg,
    },
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// inpatient, outpatient, emergency or observation
    #[arg(long)]
    pub r#type: Option<String>,
    #[arg(long)]
    pub service: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    Fhir,
    Csv,
}

fn px(arg: &str) -> Result<PxEntry> {
    let (body, star) = match arg.trim().strip_suffix('*') {
        Some(b) => (b, true),
        None => (arg.trim(), false),
    };
    let (code, date) = match body.split_once('@') {
        Some((c, d)) => (
            c,
            Some(
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .with_context(|| format!("{arg}: procedure date must be YYYY-MM-DD"))?,
            ),
        ),
        None => (body, None),
    };
    if code.trim().is_empty() {
        bail!("{arg:?}: empty procedure code");
    }
    Ok(PxEntry {
        code: code.trim().to_string(),
        date,
        principal: star,
    })
}

fn list_text(rows: &[CodingRow], list: CodingList, format: ReportFormat) -> Result<String> {
    Ok(match format {
        ReportFormat::Json => serde_json::to_string_pretty(rows)? + "\n",
        ReportFormat::Csv => {
            let mut s = String::from(
                "encounter_id,visit_number,mrn,kind,service,discharge_at,coding_status,claimed_by,hold\n",
            );
            for r in rows {
                let hold: Vec<String> = r
                    .hold
                    .iter()
                    .map(|h| format!("{}:{}:{}", h.kind, h.rule, h.id))
                    .collect();
                s += &crate::csv_out::line([
                    r.encounter_id.to_string().as_str(),
                    &r.visit_number,
                    &r.mrn,
                    &r.kind,
                    &r.service,
                    &r.discharge_at,
                    &r.coding_status,
                    r.claimed_by.as_deref().unwrap_or(""),
                    &hold.join(";"),
                ]);
                s.push('\n');
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!(
                "{:>6} {:<10} {:<11} {:<22} {:<11} {:<14} {:<19} {:<12}{}\n",
                "ID",
                "VISIT",
                "MRN",
                "PATIENT",
                "TYPE",
                "SERVICE",
                "DISCHARGED",
                "STATUS",
                if list == CodingList::Held {
                    " HELD FOR"
                } else {
                    " CLAIMED BY"
                }
            );
            for r in rows {
                let extra = match list {
                    CodingList::Held => r
                        .hold
                        .iter()
                        .map(|h| format!("{} ({}, deficiency {})", h.kind, h.rule, h.id))
                        .collect::<Vec<_>>()
                        .join(", "),
                    CodingList::Queue => r.claimed_by.clone().unwrap_or_default(),
                };
                s += &format!(
                    "{:>6} {:<10} {:<11} {:<22} {:<11} {:<14} {:<19} {:<12} {}\n",
                    r.encounter_id,
                    sanitize_line(&r.visit_number),
                    sanitize_line(&r.mrn),
                    sanitize_line(&r.patient)
                        .chars()
                        .take(22)
                        .collect::<String>(),
                    r.kind,
                    sanitize_line(&r.service)
                        .chars()
                        .take(14)
                        .collect::<String>(),
                    r.discharge_at,
                    r.coding_status,
                    sanitize_line(&extra)
                );
            }
            s += &format!("{} encounter(s)\n", rows.len());
            s
        }
    })
}

pub(super) fn run(store: &mut Store, cmd: CodingCmd) -> Result<ExitCode> {
    let actor = super::session::actor(store, None, "coding")?;
    match cmd {
        CodingCmd::Queue(a) => print_list(store, &actor, CodingList::Queue, a)?,
        CodingCmd::Held(a) => print_list(store, &actor, CodingList::Held, a)?,
        CodingCmd::SetCodes {
            encounter,
            principal,
            secondary,
            procedure,
        } => {
            let mut procedures: Vec<PxEntry> = procedure
                .iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| px(p))
                .collect::<Result<_>>()?;
            if !procedures.iter().any(|p| p.principal)
                && let Some(first) = procedures.first_mut()
            {
                first.principal = true;
            }
            let list = CodeList {
                principal: principal.as_deref().map(dx).transpose()?,
                secondary: secondary
                    .iter()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| dx(s))
                    .collect::<Result<_>>()?,
                procedures,
            };
            // The edits run once, in the save's transaction (issue #14).
            let edits = save_codes(store, &actor, encounter, &list)?;
            println!(
                "encounter {encounter}: {} diagnoses, {} procedures saved",
                list.diagnoses().count(),
                list.procedures.len()
            );
            print!("{}", crate::coding::format_table(&edits));
        }
        CodingCmd::Complete {
            encounter,
            ack,
            override_reason,
        } => {
            let ack: Vec<String> = ack
                .into_iter()
                .filter(|a| !a.trim().is_empty())
                .map(|a| a.trim().to_string())
                .collect();
            let o = complete(store, &actor, encounter, &ack, override_reason.as_deref())?;
            println!(
                "encounter {encounter} coded ({} edit(s) acknowledged)",
                o.acknowledged.len()
            );
        }
        CodingCmd::Reopen { encounter, reason } => {
            reopen(store, &actor, encounter, &reason)?;
            println!("encounter {encounter} reopened (in progress)");
        }
        CodingCmd::Query {
            encounter,
            question,
            provider,
        } => {
            let q = query::send(store, &actor, encounter, &question, provider)?;
            println!(
                "query {} sent (deficiency {}), due {}; encounter {encounter} is on hold",
                q.id,
                q.deficiency_id.unwrap_or_default(),
                q.due_at
            );
        }
        CodingCmd::Answer { query: id, answer } => {
            query::answer(store, &actor, id, &answer)?;
            println!("query {id} answered");
        }
        CodingCmd::ExpireQueries => {
            let n = query::expire_due(store, &actor)?;
            println!("{n} query(ies) expired");
        }
        CodingCmd::Export { encounter, format } => {
            let f = match format {
                ExportFormatArg::Fhir => ExportFormat::Fhir,
                ExportFormatArg::Csv => ExportFormat::Csv,
            };
            print!("{}", export(store, &actor, encounter, f)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_list(store: &mut Store, actor: &Actor, list: CodingList, a: ListArgs) -> Result<()> {
    if let Some(k) = &a.r#type
        && crate::domain::EncounterKind::parse(k).is_none()
    {
        bail!("--type {k}: use inpatient, outpatient, emergency or observation");
    }
    let filter = CodingFilter {
        kind: a.r#type.clone(),
        service: a.service.clone(),
    };
    let rows = coding_page(store, actor, list, &filter, None, a.limit)?;
    // The whole list's size (a count, no patient data), so a page never reads as the total.
    let policy = crate::coding::hold::policy_in_force(store.conn())?;
    let total = crate::coding::queue::list_total(store.conn(), policy, list, &filter)?;
    let text = match a.format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(
                &serde_json::json!({"total": total, "shown": rows.len(), "rows": rows}),
            )? + "\n"
        }
        ReportFormat::Csv => list_text(&rows, list, a.format)?,
        ReportFormat::Table => {
            let t = list_text(&rows, list, a.format)?;
            let last = format!("{} encounter(s)\n", rows.len());
            match t.strip_suffix(&last) {
                Some(head) => format!("{head}{} of {total} encounter(s)\n", rows.len()),
                None => t,
            }
        }
    };
    print!("{text}");
    Ok(())
}
