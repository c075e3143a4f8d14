//! `chartdesk user …` and `chartdesk audit …`: supervisor work from the command line, run by a
//! logged-in supervisor, or by the OS account owning the database file (audited as the system
//! actor; the first supervisor is created that way) (AUD-10).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{AuditCmd, ExportFormatArg, Format, SettingsCmd, UserCmd};
use crate::accounts;
use crate::audit::{self, Action, Actor, Event, ExportFilter, ExportFormat, Outcome, Subtype};
use crate::domain::Role;
use crate::settings;
use crate::store::Store;

fn read_password(name: &str, from_stdin: bool) -> Result<String> {
    if from_stdin {
        return super::session::stdin_password(&format!("the new password for {name}"));
    }
    let first = rpassword::prompt_password(format!("Password for {name}: "))
        .context("reading the password")?;
    let second = rpassword::prompt_password("Again: ").context("reading the password")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

pub(super) fn user_command(path: &Path, cmd: UserCmd, password_stdin: bool) -> Result<ExitCode> {
    let mut store = Store::open(path)?;
    let actor = super::session::actor(&mut store, None, "user")?;
    match cmd {
        UserCmd::Add {
            name,
            role,
            full_name,
        } => {
            let pw = read_password(&name, password_stdin)?;
            accounts::add_user(&mut store, &actor, &name, &full_name, role.into(), &pw)?;
            println!("added {name} ({})", Role::from(role));
        }
        UserCmd::List { format } => {
            let users = accounts::list_users(&mut store, &actor)?;
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!(
                    "{:<16} {:<11} {:<8} {:<24} NAME",
                    "USER", "ROLE", "STATE", "LAST LOGIN"
                );
                for u in users {
                    let state = if u.disabled {
                        "disabled"
                    } else if u.locked {
                        "locked"
                    } else {
                        "active"
                    };
                    println!(
                        "{:<16} {:<11} {:<8} {:<24} {}",
                        u.username,
                        u.role.as_str(),
                        state,
                        u.last_login_at.as_deref().unwrap_or("-"),
                        crate::text::sanitize_line(&u.full_name)
                    );
                }
            }
        }
        UserCmd::Disable { name } => {
            accounts::disable_user(&mut store, &actor, &name)?;
            println!("disabled {name}");
        }
        UserCmd::Enable { name } => {
            accounts::enable_user(&mut store, &actor, &name)?;
            println!("enabled {name}");
        }
        UserCmd::Unlock { name } => {
            accounts::unlock_user(&mut store, &actor, &name)?;
            println!("unlocked {name}");
        }
        UserCmd::Passwd { name } => {
            let pw = read_password(&name, password_stdin)?;
            accounts::set_password(&mut store, &actor, &name, &pw)?;
            println!("password changed for {name}");
        }
        UserCmd::Role { name, role } => {
            accounts::change_role(&mut store, &actor, &name, role.into())?;
            println!("{name} is now {}", Role::from(role));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The anchor file for `db`: `--anchors`, else `CHARTDESK_ANCHORS`, else beside the real file.
/// Never read from the database (a setting inside it could repoint it).
pub(super) fn anchor_file_for(db: &Path, flag: Option<&Path>) -> Result<PathBuf> {
    audit::anchor_location(db, flag)
        .with_context(|| format!("locating the anchor file for {}", db.display()))
}

/// The old in-database setting is ignored; say so when it would have pointed elsewhere.
fn warn_ignored_anchor_setting(conn: &crate::store::Reader, in_use: &Path) {
    if let Ok(v) = settings::get(conn, crate::settings::Key::AuditAnchorPath)
        && !v.trim().is_empty()
        && Path::new(v.trim()) != in_use
    {
        eprintln!(
            "chartdesk: note: the database's audit_anchor_path setting ({}) is ignored; anchors are read from {} (pass --anchors to choose)",
            crate::text::sanitize_line(v.trim()),
            in_use.display()
        );
    }
}

/// Print a verification report; true when it is OK.
pub(super) fn print_verify(report: &audit::VerifyReport, anchors: &audit::AnchorFile) -> bool {
    for lost in &report.lost_after_restore {
        println!("note: {lost}");
    }
    let integrity = match report.integrity_ok {
        Some(true) => "integrity_check ok",
        Some(false) => "integrity_check FAILED",
        None => "integrity_check not run",
    };
    match &report.problem {
        None => {
            let matched = report.anchors_checked - report.lost_after_restore.len();
            println!(
                "audit chain OK: {} rows checked (seq {}..{}), head seq {} hash {}, {} anchor(s) matched in {}{}, {integrity}",
                report.rows_checked,
                report.from_seq,
                report.head_seq,
                report.head_seq,
                report.head_hash,
                matched,
                anchors.path.display(),
                if anchors.exists {
                    ""
                } else {
                    " (no anchor file yet)"
                },
            );
            true
        }
        Some(problem) => {
            println!(
                "audit chain BROKEN: {problem} ({} rows read, {integrity})",
                report.rows_checked
            );
            false
        }
    }
}

/// The audit log is supervisor work: the CLI acts as a signed-in supervisor, or as the database
/// owner's system account (AUD-10).
fn audit_actor(store: &mut Store) -> Result<Actor> {
    let actor = super::session::actor(store, None, "audit")?;
    if actor.has_role().is_some_and(|r| r != Role::Supervisor) {
        bail!(
            "{}: the audit log is supervisor work (role {}) (AUD-10)",
            actor.username,
            actor.role.as_str()
        );
    }
    Ok(actor)
}

fn record_verify(path: &Path, report: &audit::VerifyReport, since_anchor: bool) -> Result<()> {
    let mut store = Store::open(path)?;
    let actor = audit_actor(&mut store)?;
    let outcome = if report.ok() {
        Outcome::Success
    } else {
        Outcome::SeriousFailure
    };
    store.transact(&actor, |_tx, a| {
        a.record(
            Event::new(Action::Execute, Subtype::AuditView, "audit_log", "verify")
                .outcome(outcome)
                .detail(serde_json::json!({
                    "rows_checked": report.rows_checked,
                    "from_seq": report.from_seq,
                    "head_seq": report.head_seq,
                    "anchors_checked": report.anchors_checked,
                    "since_anchor": since_anchor,
                    "integrity_ok": report.integrity_ok,
                    "problem": report.problem.as_ref().map(|p| p.to_string()),
                })),
        );
        Ok::<_, crate::CoreError>(())
    })?;
    Ok(())
}

pub(super) fn audit_command(path: &Path, cmd: AuditCmd) -> Result<ExitCode> {
    match cmd {
        AuditCmd::Verify {
            since_anchor,
            anchors,
            no_record,
        } => {
            // Read-only: works on a forensic copy, never turns an empty file into a schema.
            let db = match crate::store::open_read_only(path) {
                Ok(db) => db,
                Err(e) if e.is_corruption() => {
                    println!("audit chain BROKEN: database file corrupt: {e}");
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            };
            let anchors_path = anchor_file_for(&db.path, anchors.as_deref())?;
            warn_ignored_anchor_setting(&db.conn, &anchors_path);
            let file = audit::AnchorFile::read(&anchors_path).map_err(anyhow::Error::msg)?;
            let report = audit::verify_with(
                &db.conn,
                &audit::VerifyOptions {
                    anchor_file: Some(&file),
                    integrity_check: !since_anchor,
                    since_anchor,
                    ..Default::default()
                },
            )?;
            let canonical = db.path.clone();
            // A file without write permission (even for root), or one SQLite could only read
            // immutable, is evidence: the verification is not written into it.
            let writable = !db.immutable
                && std::fs::metadata(&canonical).is_ok_and(|m| !m.permissions().readonly())
                && std::fs::OpenOptions::new()
                    .write(true)
                    .open(&canonical)
                    .is_ok();
            drop(db);
            let ok = print_verify(&report, &file);
            if no_record || !writable {
                println!("(not recorded in the audit log: the database was opened read-only)");
            } else if let Err(e) = record_verify(&canonical, &report, since_anchor) {
                println!("(the verification could not be recorded in the audit log: {e:#})");
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCmd::Anchor { anchors } => {
            let mut store = Store::open(path)?;
            let actor = audit_actor(&mut store)?;
            let canonical = std::fs::canonicalize(path)
                .with_context(|| format!("resolving {}", path.display()))?;
            let anchors_path = anchor_file_for(&canonical, anchors.as_deref())?;
            warn_ignored_anchor_setting(store.conn(), &anchors_path);
            match audit::anchor_now(&mut store, &actor, &anchors_path)? {
                audit::AnchorOutcome::Refused(problem) => bail!(
                    "refusing to anchor: the audit chain does not verify ({problem}); run `chartdesk audit verify` and investigate first"
                ),
                audit::AnchorOutcome::Anchored(a) => {
                    println!(
                        "anchored seq {} hash {} in {}",
                        a.seq,
                        a.hash,
                        anchors_path.display()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Export {
            since,
            patient,
            format,
            out,
        } => {
            let filter = ExportFilter {
                since,
                patient_mrn: patient,
            };
            let format = match format {
                ExportFormatArg::Jsonl => ExportFormat::Jsonl,
                ExportFormatArg::Fhir => ExportFormat::Fhir,
            };
            let mut store = Store::open(path)?;
            let actor = audit_actor(&mut store)?;
            let n = match &out {
                Some(file) => {
                    crate::host::check_user_may_write(file)?;
                    let f = crate::host::create_private_file(file)
                        .with_context(|| format!("creating {}", file.display()))?;
                    let mut w = std::io::BufWriter::new(f);
                    audit::export(store.conn(), &filter, format, &mut w)?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut w = std::io::BufWriter::new(stdout.lock());
                    audit::export(store.conn(), &filter, format, &mut w)?
                }
            };
            store.transact(&actor, |_tx, a| {
                let mut e = Event::new(Action::Execute, Subtype::AuditExport, "audit_log", "export").detail(
                    serde_json::json!({"rows": n, "format": format!("{format:?}").to_lowercase(), "since": filter.since,
                        "file": out.as_ref().map(|p| p.display().to_string())}),
                );
                if let Some(mrn) = &filter.patient_mrn {
                    e = e.patient(mrn);
                }
                a.record(e);
                Ok::<_, crate::CoreError>(())
            })?;
            if let Some(file) = out {
                println!("exported {n} audit rows to {}", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `chartdesk settings list|set`: the settings in force; a change as the signed-in user.
pub(super) fn settings_command(path: &Path, cmd: SettingsCmd) -> Result<()> {
    let mut store = Store::open(path)?;
    match cmd {
        SettingsCmd::List => {
            for (d, v) in settings::list(store.conn())? {
                println!(
                    "{:<28} {:<24} {}",
                    d.name(),
                    if v.is_empty() { "(empty)" } else { &v },
                    d.doc
                );
            }
        }
        SettingsCmd::Set { key, value } => {
            let actor = super::session::actor(&mut store, None, "settings")?;
            settings::set(&mut store, &actor, &key, &value)?;
            println!("{key} = {}", value.trim());
        }
    }
    Ok(())
}
