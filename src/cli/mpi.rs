//! `chartdesk mpi …` (the MPI queue, merges, unmerges) and `chartdesk report duplicates`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use super::ReportFormat;
use crate::mpi::dup_report::{self, DupOptions, DupReport};
use crate::mpi::merge::MergeOutcome;
use crate::mpi::queue::{self, Decision, Item};
use crate::store::Store;
use crate::text::sanitize_line;

#[derive(Subcommand, Debug)]
pub enum MpiCmd {
    /// The MPI queue: identity conflicts (IMP-ID-01), held merges (MPI-01) and probable
    /// duplicates, both records side by side (supervisor)
    Queue {
        /// Decided items too
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Decide a queue item: --merge (optionally --survivor MRN) or --keep-apart --reason TEXT
    Decide {
        item: i64,
        #[arg(long, conflicts_with = "keep_apart")]
        merge: bool,
        /// The MRN that stays [default: the first record of the pair]
        #[arg(long, requires = "merge")]
        survivor: Option<String>,
        #[arg(long)]
        keep_apart: bool,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Merge RETIRED into SURVIVOR (by MRN); held for review when birth date or sex disagree
    Merge {
        survivor: String,
        retired: String,
        #[arg(long)]
        reason: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Propose a decision on a queue item for a supervisor to apply (technician, supervisor):
    /// --merge (optionally --survivor MRN) or --keep-apart --reason TEXT (DOMAIN §1)
    Propose(super::mpi_proposals::ProposeArgs),
    /// Apply a queue item's proposal as the decision (supervisor)
    ApplyProposal(super::mpi_proposals::ApplyProposalArgs),
    /// Reject a queue item's proposal, with why; the item stays open (supervisor)
    RejectProposal(super::mpi_proposals::RejectProposalArgs),
    /// Undo a merge, moving back exactly what it moved (supervisor)
    Unmerge {
        merge: i64,
        #[arg(long)]
        reason: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
}

#[derive(Args, Debug, Clone)]
pub struct DuplicatesArgs {
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Also list possible duplicates (from mpi_review_weight up)
    #[arg(long)]
    pub all: bool,
    /// Put the probable duplicates on the MPI queue
    #[arg(long)]
    pub queue: bool,
    /// Score against the duplicates `gen --duplicates` injected (precision, recall)
    #[arg(long)]
    pub truth: bool,
    /// Pairs listed (the counts cover all)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

pub fn run(db: &Path, cmd: MpiCmd) -> Result<ExitCode> {
    let mut store = Store::open(db)?;
    match cmd {
        MpiCmd::Queue {
            all,
            format,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "mpi")?;
            let items = queue::list(&mut store, &actor, all)?;
            match format {
                ReportFormat::Json => {
                    println!("{}", serde_json::to_string_pretty(&items_json(&items))?)
                }
                _ => print!("{}", items_table(&items)),
            }
        }
        MpiCmd::Decide {
            item,
            merge,
            survivor,
            keep_apart,
            reason,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "mpi")?;
            let decision = match (merge, keep_apart) {
                (true, false) => {
                    let survivor = match survivor {
                        Some(mrn) => Some(
                            store
                                .conn()
                                .query_row("SELECT id FROM patients WHERE mrn = ?1", [&mrn], |r| {
                                    r.get(0)
                                })
                                .map_err(|_| {
                                    anyhow::anyhow!("--survivor: no patient with MRN {mrn}")
                                })?,
                        ),
                        None => None,
                    };
                    Decision::Merge { survivor }
                }
                (false, true) => Decision::KeepApart {
                    reason: reason.unwrap_or_default(),
                },
                _ => bail!("say --merge or --keep-apart --reason TEXT"),
            };
            println!("{}", queue::decide(&mut store, &actor, item, decision)?);
        }
        MpiCmd::Merge {
            survivor,
            retired,
            reason,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "mpi")?;
            match queue::merge_by_mrn(&mut store, &actor, &survivor, &retired, &reason)? {
                MergeOutcome::Applied { merge_id, moved } => {
                    println!(
                        "merged {retired} into {survivor}: merge {merge_id}, {moved} rows moved"
                    )
                }
                MergeOutcome::Held { merge_id, why } => {
                    println!("merge {merge_id} {why}; see `chartdesk mpi queue`");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        MpiCmd::Propose(a) => super::mpi_proposals::propose(&mut store, a)?,
        MpiCmd::ApplyProposal(a) => super::mpi_proposals::apply(&mut store, a)?,
        MpiCmd::RejectProposal(a) => super::mpi_proposals::reject(&mut store, a)?,
        MpiCmd::Unmerge {
            merge,
            reason,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "mpi")?;
            let n = queue::unmerge(&mut store, &actor, merge, &reason)?;
            println!("unmerged merge {merge}: {n} rows moved back");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn person(p: &crate::mpi::merge::PatientRow) -> String {
    sanitize_line(&format!(
        "{} {}, {} | {} | {} | {}",
        p.mrn, p.family_name, p.given_name, p.birth_date, p.sex, p.address
    ))
    .into_owned()
}

fn items_table(items: &[Item]) -> String {
    if items.is_empty() {
        return "MPI queue: nothing to decide\n".into();
    }
    let mut s = String::new();
    for i in items {
        s += &format!(
            "#{} {} [{}]{}\n  A: {}\n  B: {}\n",
            i.id,
            i.kind,
            i.status,
            i.weight
                .map(|w| format!(" weight {w:.1}"))
                .unwrap_or_default(),
            person(&i.a),
            person(&i.b)
        );
        if let Some(a) = i.detail.get("agreeing") {
            s += &format!("  agreeing: {}\n", sanitize_line(&a.to_string()));
        }
        if let Some(w) = i.detail.get("why") {
            s += &format!("  why: {}\n", sanitize_line(w.as_str().unwrap_or_default()));
        }
        if let Some(r) = &i.reason {
            s += &format!("  decided: {}\n", sanitize_line(r));
        }
    }
    s
}

fn items_json(items: &[Item]) -> serde_json::Value {
    let p = |p: &crate::mpi::merge::PatientRow| {
        serde_json::json!({"id": p.id, "mrn": p.mrn, "family_name": p.family_name, "given_name": p.given_name,
            "birth_date": p.birth_date, "sex": p.sex, "address": p.address})
    };
    serde_json::Value::Array(
        items
            .iter()
            .map(|i| {
                serde_json::json!({"id": i.id, "kind": i.kind, "status": i.status, "weight": i.weight,
                    "a": p(&i.a), "b": p(&i.b), "detail": i.detail, "reason": i.reason})
            })
            .collect(),
    )
}

/// `report duplicates`.
pub fn report_duplicates(
    store: &mut Store,
    actor: &crate::audit::Actor,
    args: &DuplicatesArgs,
) -> Result<String> {
    let r = dup_report::report(
        store,
        actor,
        &DupOptions {
            include_review: args.all,
            enqueue: args.queue,
            truth: args.truth,
        },
    )?;
    Ok(match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
        ReportFormat::Csv => {
            let mut t = crate::csv_out::Table::new(&["weight", "mrn_a", "mrn_b", "agreeing"]);
            for p in r.found.pairs.iter().take(args.limit) {
                t.row([
                    format!("{:.2}", p.weight),
                    p.mrn_a.clone(),
                    p.mrn_b.clone(),
                    p.agreeing().join("; "),
                ]);
            }
            t.finish()
        }
        ReportFormat::Table => dup_table(&r, args.limit),
    })
}

fn dup_table(r: &DupReport, limit: usize) -> String {
    let f = &r.found;
    let mut s = format!(
        "duplicate detection: {} records, {} pairs compared of {} without blocking ({:.4} %), {:.2} s\n\
         probable duplicates (weight ≥ {}): {} pairs; estimated duplicate rate {:.2} % ({} records in probable pairs ÷ records, MPI-01; AHIMA benchmark ≤ 1 %: {}); extra records {:.2} %\n",
        f.records,
        f.compared,
        f.all_pairs,
        f.compared as f64 / f.all_pairs.max(1) as f64 * 100.0,
        r.seconds,
        r.match_weight,
        r.probable,
        r.duplicate_rate.rate * 100.0,
        r.duplicate_rate.records_in_pairs,
        if r.duplicate_rate.within_benchmark() {
            "met"
        } else {
            "over"
        },
        r.estimated_rate * 100.0
    );
    if let Some(t) = &r.truth {
        s += &format!(
            "against the injected duplicates: {} injected, {} found, {} true: precision {:.1} %, recall {:.1} % (targets: precision ≥ 98 %, recall ≥ 95 %)\n",
            t.injected,
            t.found,
            t.true_positives,
            t.precision * 100.0,
            t.recall * 100.0
        );
    }
    if r.queued > 0 {
        s += &format!("{} new pairs put on the MPI queue\n", r.queued);
    }
    s += &format!(
        "{:>7}  {:<12} {:<12} agreeing\n",
        "weight", "MRN A", "MRN B"
    );
    for p in f.pairs.iter().take(limit) {
        s += &format!(
            "{:>7.2}  {:<12} {:<12} {}\n",
            p.weight,
            sanitize_line(&p.mrn_a),
            sanitize_line(&p.mrn_b),
            sanitize_line(&p.agreeing().join(", "))
        );
    }
    if f.pairs.len() > limit {
        s += &format!("… {} more (--limit)\n", f.pairs.len() - limit);
    }
    s
}
