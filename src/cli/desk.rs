//! `chartdesk desk …`: the HIM desk actions of issue #13 for scripts and the signing station —
//! cosignature, bulk completion of one physician's signature deficiencies, break-the-glass
//! opens, re-review flags, and the query desk (providers on an encounter, compliant templates,
//! template queries, query age and escalation). Every action goes through the core, which
//! checks the permission and writes the audit row. `--as USER` acts as that user (with
//! `--password-stdin` or a session); without it, the logged-in user or the database owner.

use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDateTime;

use super::ReportFormat;
use crate::break_glass;
use crate::coding::query_desk;
use crate::deficiency::{rereview, signing};
use crate::store::Store;
use crate::text::sanitize_line;

#[derive(clap::Args, Debug)]
pub struct DeskArgs {
    /// Act as this chartdesk user [default: the session's user, else the database owner]
    #[arg(long = "as", value_name = "USER", global = true)]
    pub as_user: Option<String>,
    #[command(subcommand)]
    pub cmd: DeskCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum DeskCmd {
    /// Record the supervising physician's cosignature on a signed note (AUTH-COSIGN); its
    /// COSIGN deficiency resolves
    Cosign {
        #[arg(long)]
        document: i64,
        /// When the physician cosigned (YYYY-MM-DDTHH:MM:SS) [default: now]
        #[arg(long)]
        at: Option<NaiveDateTime>,
    },
    /// List one physician's open signature deficiencies (what bulk-complete would clear)
    Signatures {
        #[arg(long)]
        provider: i64,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Complete every signature deficiency of one physician who signed at the signing
    /// station: one confirmed, audited action (`--confirm` = the count listed)
    BulkComplete {
        #[arg(long)]
        provider: i64,
        /// The number of deficiencies listed by `desk signatures` (refused if it changed)
        #[arg(long)]
        confirm: usize,
        #[arg(long)]
        at: Option<NaiveDateTime>,
    },
    /// Open a sensitive document (Part 2, psychotherapy, HIV…) with a purpose and a reason
    /// (break the glass); audited and listed in `report privacy`
    OpenSensitive {
        #[arg(long)]
        document: i64,
        /// TREAT, ETREAT, HPAYMT, HOPERAT, PATRQT or HLEGAL
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        reason: String,
    },
    /// Clear a re-review flag once the document was re-reviewed
    RereviewClear {
        #[arg(long)]
        flag: i64,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Providers on an encounter (who a query may go to)
    QueryProviders {
        #[arg(long)]
        encounter: i64,
    },
    /// The facility's compliant query templates
    QueryTemplates,
    /// Replace the query templates from a JSON file (supervisor): [{code,title,question,options}]
    QueryTemplatesLoad { file: std::path::PathBuf },
    /// Send a query from a template to any provider on the encounter
    Query {
        #[arg(long)]
        encounter: i64,
        #[arg(long)]
        template: String,
        #[arg(long)]
        provider: i64,
        /// Clinical indicators from the record
        #[arg(long)]
        indicators: String,
    },
    /// Open queries with their age and escalation level
    QueryAges,
    /// Escalate unanswered queries one level per query_escalate_days
    EscalateQueries,
}

fn now_or(store: &Store, at: Option<NaiveDateTime>) -> NaiveDateTime {
    at.unwrap_or_else(|| crate::deficiency::ops::local_now(store))
}

pub(super) fn run(store: &mut Store, args: DeskArgs) -> Result<ExitCode> {
    let actor = super::session::actor(store, args.as_user.as_deref(), "desk")?;
    match args.cmd {
        DeskCmd::Cosign { document, at } => {
            let at = now_or(store, at);
            let o = signing::record_cosignature(store, &actor, document, at)?;
            println!(
                "document {document} cosigned: {} deficiency(ies) resolved, {} open on the chart",
                o.resolved, o.open
            );
        }
        DeskCmd::Signatures { provider, format } => {
            let rows = signing::signature_deficiencies(store.conn(), provider)?;
            // The list names encounters, not patients; its read is audited as a query.
            store.transact_read(&actor, |_tx, audit| {
                audit.record(
                    crate::audit::Event::new(
                        crate::audit::Action::Read,
                        crate::audit::Subtype::Query,
                        "provider",
                        provider,
                    )
                    .detail(serde_json::json!({"signature_deficiencies": rows.len()})),
                );
                Ok::<_, crate::CoreError>(())
            })?;
            match format {
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                _ => {
                    for d in &rows {
                        println!(
                            "{:<7} {:<13} encounter {:<7} document {:<7} assigned {}",
                            d.id,
                            d.kind,
                            d.encounter_id,
                            d.document_id.unwrap_or(0),
                            d.assigned_at.get(..10).unwrap_or("")
                        );
                    }
                    println!(
                        "{} signature deficiency(ies); complete them with --confirm {}",
                        rows.len(),
                        rows.len()
                    );
                }
            }
        }
        DeskCmd::BulkComplete {
            provider,
            confirm,
            at,
        } => {
            let at = now_or(store, at);
            let o = signing::bulk_complete_signatures(store, &actor, provider, at, confirm)?;
            println!(
                "provider {provider}: {} document(s) signed, {} cosigned, {} deficiency(ies) completed on {} chart(s)",
                o.documents_signed, o.documents_cosigned, o.deficiencies_completed, o.encounters
            );
        }
        DeskCmd::OpenSensitive {
            document,
            purpose,
            reason,
        } => {
            let d = break_glass::read_sensitive(store, &actor, document, &purpose, &reason)?;
            println!(
                "{} — {}",
                sanitize_line(&d.summary.title),
                d.summary.service_at
            );
            print!("{}", crate::text::sanitize(&d.body));
            if !d.body.ends_with('\n') {
                println!();
            }
        }
        DeskCmd::RereviewClear { flag, note } => {
            rereview::clear(store, &actor, flag, &note)?;
            println!("re-review flag {flag} cleared");
        }
        DeskCmd::QueryProviders { encounter } => {
            for p in query_desk::encounter_providers(store.conn(), encounter)? {
                println!(
                    "{:<7} {:<32} {:<10} {}",
                    p.id,
                    sanitize_line(&p.name),
                    p.npi.as_deref().unwrap_or("-"),
                    p.roles
                );
            }
        }
        DeskCmd::QueryTemplates => {
            for t in query_desk::templates(store.conn())? {
                println!(
                    "{} — {}\n  {}",
                    t.code,
                    sanitize_line(&t.title),
                    sanitize_line(&t.question)
                );
                for (i, o) in t.options.iter().enumerate() {
                    println!("    {}. {}", i + 1, sanitize_line(o));
                }
            }
        }
        DeskCmd::QueryTemplatesLoad { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let n = query_desk::load_templates(store, &actor, &text)
                .with_context(|| file.display().to_string())?;
            println!("{n} query template(s) loaded");
        }
        DeskCmd::Query {
            encounter,
            template,
            provider,
            indicators,
        } => {
            let q = query_desk::send_from_template(
                store,
                &actor,
                encounter,
                &template,
                provider,
                &indicators,
            )?;
            println!(
                "query {} sent to provider {} (due {}); encounter {encounter} on hold",
                q.id, provider, q.due_at
            );
        }
        DeskCmd::QueryAges => {
            let now = crate::deficiency::ops::local_now(store);
            for q in query_desk::open_query_ages(store.conn(), now)? {
                println!(
                    "query {:<6} encounter {:<7} provider {:<6} age {:>3} d  level {} (due level {})",
                    q.id,
                    q.encounter_id,
                    q.provider_id.map(|p| p.to_string()).unwrap_or_default(),
                    q.age_days,
                    q.escalation_level,
                    q.due_level
                );
            }
        }
        DeskCmd::EscalateQueries => {
            let e = query_desk::escalate_due(store, &actor)?;
            println!("{} query(ies) escalated", e.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
