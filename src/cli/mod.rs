//! The command line. No subcommand opens the TUI. Exit codes: 0 ok, 1 error, 2 usage;
//! `edits` and `group`: 0 clean, 1 error edits / error DRG, 2 usage, 3 the command failed.
//! Errors print as one line: `chartdesk: error: …`.
//!
//! The clap definitions are in `args` (re-exported here); the handlers are by area: `setup`
//! (init, demo, gen, the TUI), `admin` (users, audit, settings), `codes`, `charts` (import,
//! discharge, analyze), `roi` (and `auth check`), and the others named after their command.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use crate::store::Store;

mod admin;
mod args;
mod batch;
mod charts;
mod codes;
mod coding;
mod desk;
mod edits;
mod group;
mod hours;
mod install;
mod listen;
mod mpi;
mod mpi_proposals;
mod privacy;
pub use args::*;
pub use mpi::report_duplicates as mpi_report_duplicates;
pub(crate) mod roi;
pub(crate) mod session;
mod setup;
mod trust;
use admin::{audit_command, user_command};
use setup::run_tui;

/// Parse arguments, run, print a one-line error on failure.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = run(cli);
    // Output first: a command whose reader left (`| head -1`) exits quietly, and a failed
    // write (`> /dev/full`) is the error to report, whatever the command went on to do.
    if let Some(failure) = crate::output::finish() {
        if let crate::output::Failure::Write(_) = failure {
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {failure}");
        }
        if let Err(e) = &result
            && !crate::output::is_closed_pipe(e)
        {
            let msg = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {msg}");
        }
        return ExitCode::from(failure.exit_code());
    }
    match result {
        Ok(code) => code,
        Err(e) if crate::output::is_closed_pipe(&e) => {
            ExitCode::from(crate::output::Failure::ClosedPipe.exit_code())
        }
        Err(e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// `edits` and `group` tell a claim with errors (exit 1) from a command that failed (exit 3:
/// no database, unreadable input, a date with no code set); usage errors stay 2 (clap).
fn failed_is_3(f: impl FnOnce() -> Result<ExitCode>) -> Result<ExitCode> {
    match f() {
        Err(e) if !crate::output::is_closed_pipe(&e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {msg}");
            Ok(ExitCode::from(3))
        }
        other => other,
    }
}

/// The database path: `--db`, else `CHARTDESK_DB`, else the platform data directory.
pub fn database_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("CHARTDESK_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(data_dir()?.join("chartdesk.db"))
}

fn data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("org", "chartdesk", "chartdesk")
        .map(|d| d.data_dir().to_path_buf())
        .context("no home directory to keep the database in; pass --db PATH or set CHARTDESK_DB")
}

fn run(cli: Cli) -> Result<ExitCode> {
    session::set_password_stdin(cli.password_stdin);
    crate::store::set_process_key(install::key_from_options(
        cli.key_file.as_deref(),
        database_path(cli.db.as_deref()).ok().as_deref(),
    )?);
    let explicit_db = cli.db.clone().or_else(|| {
        std::env::var_os("CHARTDESK_DB")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    });
    match cli.command {
        None => {
            let path = database_path(cli.db.as_deref())?;
            let store = Store::open(&path)?;
            run_tui(store, Vec::new())?;
        }
        Some(Command::Init(args)) => setup::init(database_path(cli.db.as_deref())?, args)?,
        Some(Command::Login { user }) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let expires = session::login(&mut store, &user)?;
            println!("logged in as {user} on this terminal until {expires} (UTC)");
        }
        Some(Command::Logout) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            match session::logout(&mut store)? {
                Some(u) => println!("logged out {u}"),
                None => println!("no session on this terminal"),
            }
        }
        Some(Command::Whoami) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            print!("{}", session::whoami(&mut store)?);
        }
        Some(Command::InstallServer(args)) => {
            return install::install_server(&database_path(cli.db.as_deref())?, &args);
        }
        Some(Command::Doctor) => return install::doctor(&database_path(cli.db.as_deref())?),
        Some(Command::Rekey(args)) => {
            return install::rekey(&database_path(cli.db.as_deref())?, &args);
        }
        Some(Command::Demo(args)) => setup::demo(explicit_db, args)?,
        Some(Command::Gen(args)) => setup::generate(database_path(cli.db.as_deref())?, args)?,
        Some(Command::User(cmd)) => {
            return user_command(&database_path(cli.db.as_deref())?, cmd, cli.password_stdin);
        }
        Some(Command::Audit(cmd)) => return audit_command(&database_path(cli.db.as_deref())?, cmd),
        Some(Command::Settings(cmd)) => {
            admin::settings_command(&database_path(cli.db.as_deref())?, cmd)?
        }
        Some(Command::Codes(cmd)) => codes::run(&database_path(cli.db.as_deref())?, cmd)?,
        Some(Command::Coding(cmd)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            return coding::run(&mut store, cmd);
        }
        Some(Command::Edits(args)) => {
            return failed_is_3(|| {
                let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
                edits::run(&mut store, &args)
            });
        }
        Some(Command::Group(args)) => {
            return failed_is_3(|| {
                if group::needs_store(&args) {
                    let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
                    return group::run(Some(&mut store), &args);
                }
                group::run(None, &args)
            });
        }
        Some(Command::Auth(AuthCmd::Check {
            file,
            format,
            today,
        })) => return roi::auth_check(&file, format, today),
        Some(Command::Roi(args)) => {
            return roi::run(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::Release {
            request,
            out,
            as_user,
        }) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let actor = roi::actor_for(&mut store, as_user.as_deref(), "release")?;
            crate::host::check_user_may_write(&out)
                .with_context(|| format!("--out {}", out.display()))?;
            let id = crate::roi::request::parse_request_id(&request)?;
            let r = crate::roi::release::release(&mut store, &actor, id, &out)?;
            roi::print_release(&r);
        }
        Some(Command::Report(ReportCmd::Disclosures {
            patient,
            from,
            format,
            group_repeats,
            as_user,
        })) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let actor = roi::actor_for(&mut store, as_user.as_deref(), "report")?;
            print!(
                "{}",
                roi::report_disclosures(&mut store, &actor, &patient, from, format, group_repeats)?
            );
        }
        Some(Command::Listen(cmd)) => return listen::run(&database_path(cli.db.as_deref())?, cmd),
        Some(Command::Mpi(cmd)) => return mpi::run(&database_path(cli.db.as_deref())?, cmd),
        Some(Command::Privacy(cmd)) => {
            return privacy::run(&database_path(cli.db.as_deref())?, cmd);
        }
        Some(Command::Import(cmd)) => {
            return charts::import(&database_path(cli.db.as_deref())?, cmd);
        }
        Some(Command::Discharge {
            visit,
            at,
            disposition,
        }) => charts::discharge(&database_path(cli.db.as_deref())?, visit, at, disposition)?,
        Some(Command::Analyze { since }) => {
            charts::analyze(&database_path(cli.db.as_deref())?, since)?
        }
        Some(Command::Desk(args)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            return desk::run(&mut store, args);
        }
        Some(Command::Hours(cmd)) => {
            return hours::run(&database_path(cli.db.as_deref())?, cmd);
        }
        Some(Command::Report(cmd)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let as_user = match &cmd {
                ReportCmd::Productivity { as_user, .. } => as_user.clone(),
                _ => None,
            };
            let actor = session::actor(&mut store, as_user.as_deref(), "report")?;
            print!("{}", crate::report_cli::run(&mut store, &actor, cmd)?);
        }
        Some(Command::Bench(args)) => crate::bench::run(&args)?,
        Some(Command::Backup(args)) => {
            return trust::backup(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::Restore(args)) => {
            return trust::restore(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::Selftest(args)) => return trust::selftest(args),
        Some(Command::SelftestChild(args)) => {
            return trust::selftest_child(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::FirstScreen) => {
            // A supervisor's home screen without a login: for the owner's benchmarks only.
            let path = database_path(cli.db.as_deref())?;
            session::system(&path, "first-screen")?;
            crate::bench::first_screen(&path)?
        }
    }
    Ok(ExitCode::SUCCESS)
}
