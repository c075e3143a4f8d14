//! `chartdesk user …` and `chartdesk audit …`: supervisor work from the command line, run by a
//! logged-in supervisor, or by the OS account owning the database file (audited as the system
//! actor; the first supervisor is created that way) (AUD-10).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{AuditCmd, ExportFormatArg, Format, UserCmd};
use crate::accounts;
use crate::audit::{self, Action, Event, ExportFilter, ExportFormat, Outcome, Subtype};
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
    }
    Ok(ExitCode::SUCCESS)
}

fn anchor_file(store: &Store) -> Result<PathBuf> {
    let setting = settings::get(store.conn(), "audit_anchor_path")?;
    Ok(audit::anchor_path(store.path(), Some(&setting)))
}

pub(super) fn audit_command(path: &Path, cmd: AuditCmd) -> Result<ExitCode> {
    let mut store = Store::open(path)?;
    let actor = super::session::actor(&mut store, None, "audit")?;
    if actor.has_role().is_some_and(|r| r != Role::Supervisor) {
        bail!(
            "{}: the audit log is supervisor work (role {}) (AUD-10)",
            actor.username,
            actor.role.as_str()
        );
    }
    match cmd {
        AuditCmd::Verify => {
            let anchors_path = anchor_file(&store)?;
            let anchors = audit::read_anchors(&anchors_path).map_err(anyhow::Error::msg)?;
            let report = audit::verify(store.conn(), &anchors)?;
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
                            "head_seq": report.head_seq,
                            "anchors_checked": report.anchors_checked,
                            "problem": report.problem.as_ref().map(|p| p.to_string()),
                        })),
                );
                Ok::<_, crate::CoreError>(())
            })?;
            match &report.problem {
                None => {
                    println!(
                        "audit chain OK: {} rows checked, head seq {} hash {}, {} anchor(s) matched",
                        report.rows_checked,
                        report.head_seq,
                        report.head_hash,
                        report.anchors_checked
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(problem) => {
                    println!(
                        "audit chain BROKEN: {problem} ({} rows read)",
                        report.rows_checked
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditCmd::Anchor => {
            let anchors_path = anchor_file(&store)?;
            let (seq, hash) = audit::head(store.conn())?;
            let anchor = audit::Anchor {
                seq,
                hash: hash.clone(),
                anchored_at: audit::utc_ms(store.now()),
            };
            audit::write_anchor(&anchors_path, &anchor)
                .with_context(|| format!("writing the anchor file {}", anchors_path.display()))?;
            store.transact(&actor, |_tx, a| {
                a.record(
                    Event::new(Action::Execute, Subtype::AuditView, "audit_log", "anchor")
                        .detail(serde_json::json!({"seq": seq, "hash": hash, "file": anchors_path.display().to_string()})),
                );
                Ok::<_, crate::CoreError>(())
            })?;
            println!(
                "anchored seq {seq} hash {hash} in {}",
                anchors_path.display()
            );
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
