//! `chartdesk hours …`: productive hours (MET-05), entered — never inferred from logins. A
//! user enters their own; a supervisor enters or corrects anyone's. Acts as a chartdesk user
//! (`--as USER` with `--password-stdin`, or the terminal's session); the core checks the
//! permission and audits (a correction names the old and new hours).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;

use super::ReportFormat;
use crate::store::Store;
use crate::text::sanitize_line;

#[derive(Subcommand, Debug)]
pub enum HoursCmd {
    /// Enter (or correct) productive hours for one facility day
    Enter {
        /// The day worked, YYYY-MM-DD (facility calendar) [default: today]
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Productive hours, more than 0 and at most 24, in quarter hours (7.5)
        #[arg(long)]
        hours: String,
        /// Whose hours [default: your own]; another user's needs the supervisor role
        #[arg(long)]
        user: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// List hours entered (your own, or with the supervisor role anyone's)
    List {
        /// Only this user [default: your own; `--all` for everyone]
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        all: bool,
        /// First day [default: 30 days before --to]
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day [default: today]
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
}

pub(super) fn run(db: &Path, cmd: HoursCmd) -> Result<ExitCode> {
    let mut store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let today = crate::clock::FacilityClock::read(&store)?.today();
    match cmd {
        HoursCmd::Enter {
            date,
            hours,
            user,
            note,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "hours")?;
            let who = user.unwrap_or_else(|| actor.username.clone());
            let e = crate::staff::enter_hours(
                &mut store,
                &actor,
                &who,
                date.unwrap_or(today),
                &hours,
                &note,
            )?;
            match e.old_hours {
                Some(old) => println!(
                    "{} {}: {old} h corrected to {} h (audited, MET-05)",
                    sanitize_line(&e.username),
                    e.work_date,
                    e.hours
                ),
                None => println!(
                    "{} {}: {} h entered (audited, MET-05)",
                    sanitize_line(&e.username),
                    e.work_date,
                    e.hours
                ),
            }
        }
        HoursCmd::List {
            user,
            all,
            from,
            to,
            format,
            as_user,
        } => {
            let actor = super::session::actor(&mut store, as_user.as_deref(), "hours")?;
            let (from, to) = crate::report::period_of(from, to, today)?;
            let who = if all {
                None
            } else {
                Some(user.unwrap_or_else(|| actor.username.clone()))
            };
            let rows = crate::staff::read_hours(&mut store, &actor, who.as_deref(), from, to)?;
            match format {
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                ReportFormat::Csv => {
                    let mut t = crate::csv_out::Table::new(&[
                        "user",
                        "role",
                        "work_date",
                        "hours",
                        "entered_by",
                        "entered_at",
                        "note",
                    ]);
                    for r in &rows {
                        t.row([
                            r.username.clone(),
                            r.role.clone(),
                            r.work_date.to_string(),
                            r.hours.to_string(),
                            r.entered_by.clone(),
                            r.entered_at.clone(),
                            r.note.clone(),
                        ]);
                    }
                    print!("{}", t.finish());
                }
                ReportFormat::Table => {
                    println!(
                        "{:<16} {:<11} {:<10} {:>6}  {:<16} NOTE",
                        "USER", "ROLE", "DATE", "HOURS", "ENTERED BY"
                    );
                    for r in &rows {
                        println!(
                            "{:<16} {:<11} {:<10} {:>6.2}  {:<16} {}",
                            sanitize_line(&r.username),
                            r.role,
                            r.work_date,
                            r.hours,
                            sanitize_line(&r.entered_by),
                            sanitize_line(&r.note)
                        );
                    }
                    println!("{} day(s)", rows.len());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
