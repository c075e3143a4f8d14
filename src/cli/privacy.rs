//! `chartdesk privacy …`: the unusual-access report (AUD-14), patient privacy flags, the
//! audit search, and work assignment (issue #15). Every command acts as a chartdesk user
//! (`--as USER` or the terminal's session); the core checks the supervisor role and audits.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;

use super::ReportFormat;
use crate::privacy::{self, AuditFilter, Flag, unusual, work::WorkKind};
use crate::store::Store;
use crate::text::sanitize_line;

#[derive(Subcommand, Debug)]
pub enum PrivacyCmd {
    /// The unusual-access report (AUD-14): flagged (VIP/EMPLOYEE) charts, own or same-surname
    /// charts, after hours, bulk access, break-the-glass opens, repeated denials; each row
    /// names its audit rows (seq)
    UnusualAccess {
        /// First day (UTC, YYYY-MM-DD) [default: access_review_days ago]
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Day after the last (UTC, YYYY-MM-DD) [default: now]
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Set (or with --off clear) a patient's VIP or EMPLOYEE flag
    Flag {
        mrn: String,
        /// VIP or EMPLOYEE
        flag: String,
        #[arg(long)]
        off: bool,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Who looked at this chart: the patient's audit rows, newest first
    WhoLooked {
        mrn: String,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Assign a chart (visit number), an encounter to code (visit number) or a request (id)
    /// to a user
    Assign {
        /// chart, coding or request
        kind: String,
        target: String,
        user: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Take an assignment back
    Unassign {
        kind: String,
        target: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

fn kind(k: &str) -> Result<WorkKind> {
    WorkKind::parse(k).ok_or_else(|| anyhow!("{k:?}: the kind is chart, coding or request"))
}

pub(super) fn run(db: &Path, cmd: PrivacyCmd) -> Result<ExitCode> {
    let mut store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    match cmd {
        PrivacyCmd::UnusualAccess {
            from,
            to,
            format,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "privacy")?;
            let r = unusual::report(&mut store, &actor, from.map(day_start), to.map(day_start))?;
            match format {
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                ReportFormat::Csv => {
                    let mut t = crate::csv_out::Table::new(&[
                        "finding",
                        "user",
                        "MRN",
                        "first_at",
                        "what",
                        "audit_seqs",
                    ]);
                    for f in &r.findings {
                        let seqs = f
                            .seqs
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(" ");
                        t.row(
                            [
                                f.kind.label().to_string(),
                                f.username.clone(),
                                f.mrn.clone().unwrap_or_default(),
                                f.first_at.clone(),
                                f.what.clone(),
                                seqs,
                            ]
                            .iter(),
                        );
                    }
                    print!("{}", t.finish());
                }
                ReportFormat::Table => {
                    println!(
                        "Unusual access (AUD-14) {} to {}: {} finding(s) from {} audit row(s)",
                        r.from,
                        r.to,
                        r.findings.len(),
                        r.rows_read
                    );
                    for f in &r.findings {
                        let seqs = f
                            .seqs
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(",");
                        println!(
                            "{:<16} {:<12} {:<10} {}  {}  [audit seq {}]",
                            f.kind.label(),
                            sanitize_line(&f.username),
                            sanitize_line(f.mrn.as_deref().unwrap_or("-")),
                            f.first_at,
                            sanitize_line(&f.what),
                            seqs
                        );
                    }
                }
            }
        }
        PrivacyCmd::Flag {
            mrn,
            flag,
            off,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "privacy")?;
            let f = Flag::parse(&flag)
                .ok_or_else(|| anyhow!("{flag:?}: the flag is VIP or EMPLOYEE"))?;
            privacy::set_flag(&mut store, &actor, &mrn, f, !off)?;
            println!(
                "{mrn} {} {}",
                f.as_str(),
                if off { "cleared" } else { "set" }
            );
        }
        PrivacyCmd::WhoLooked {
            mrn,
            limit,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "privacy")?;
            let filter = AuditFilter {
                mrn: Some(mrn),
                ..AuditFilter::default()
            };
            let page = privacy::search(&mut store, &actor, &filter, limit)?;
            println!(
                "{} of {} audit row(s), newest first",
                page.rows.len(),
                page.total
            );
            for r in page.rows {
                println!(
                    "{:>8} {} {:<12} {:<11} {} {} {}:{} {}",
                    r.seq,
                    r.recorded_at,
                    sanitize_line(&r.username),
                    r.role,
                    r.action,
                    r.subtype,
                    r.entity_type,
                    sanitize_line(&r.entity_id),
                    r.purpose_of_use
                );
            }
        }
        PrivacyCmd::Assign {
            kind: k,
            target,
            user,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "privacy")?;
            privacy::work::assign(&mut store, &actor, kind(&k)?, &target, &user)?;
            println!("{k} {target} assigned to {user}");
        }
        PrivacyCmd::Unassign {
            kind: k,
            target,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "privacy")?;
            privacy::work::unassign(&mut store, &actor, kind(&k)?, &target)?;
            println!("{k} {target} taken back");
        }
    }
    Ok(ExitCode::SUCCESS)
}
