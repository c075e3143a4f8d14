//! `chartdesk roi …`, `chartdesk release REQ --out DIR` and `chartdesk report disclosures`:
//! the release-of-information desk on the command line, for scripts and tests. Every command
//! runs one core operation (audited, permission-checked); `--as USER` acts as that chartdesk
//! user given a `chartdesk login` session or the password, else the session's user, else (for
//! the OS account owning the database) the system administrator (AUD-10).

mod args;
mod batch;
mod docs;
mod output;

pub use args::*;
pub use output::*;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::ReportFormat;
use crate::audit::Actor;
use crate::roi::accounting::Suspension;
use crate::roi::disclosure;
use crate::roi::holds;
use crate::roi::lifecycle::Status;
use crate::roi::release;
use crate::roi::request::{self, Delivery, NewRequest, Scope, parse_request_id, request_label};
use crate::roi::{Conditions, RequesterType};
use crate::store::Store;
use crate::text::sanitize_line;

/// The actor for `--as USER` (with a session or the password), else the session's user, else
/// the database owner as the system administrator (AUD-10; see `cli::session`).
pub fn actor_for(store: &mut Store, user: Option<&str>, context: &str) -> Result<Actor> {
    super::session::actor(store, user, context)
}

fn req(s: &str) -> Result<i64> {
    Ok(parse_request_id(s)?)
}

/// `12.50`, `12`, `$12.5` as cents.
fn parse_cents(s: &str) -> Result<i64> {
    let t = s.trim().trim_start_matches('$');
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let ok = !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 2
        && frac.chars().all(|c| c.is_ascii_digit());
    if !ok {
        bail!("--amount {s}: write dollars and cents, e.g. 12.50");
    }
    let w: i64 = whole
        .parse()
        .with_context(|| format!("--amount {s}: too large"))?;
    let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    w.checked_mul(100)
        .and_then(|c| c.checked_add(f))
        .with_context(|| format!("--amount {s}: too large"))
}

fn dollars(c: impl Into<i64>) -> String {
    let c = c.into();
    format!("${}.{:02}", c / 100, c % 100)
}

pub fn run(db: &Path, args: RoiArgs) -> Result<ExitCode> {
    let mut store = Store::open(db)?;
    let actor = actor_for(&mut store, args.as_user.as_deref(), "roi")?;
    let today = request::today(&store);
    match args.command {
        RoiCmd::Log {
            mrn,
            requester_type,
            name,
            address,
            purpose,
            from,
            to,
            types,
            encounters,
            delivery,
            received,
            satisfactory_assurance,
            irb_waiver,
            law_enforcement_prong,
        } => {
            let t = RequesterType::parse(&requester_type.trim().to_uppercase())
                .with_context(|| format!("--type {requester_type}: not a requester type (SELF, PERSREP, DIRECTIVE, PROVIDER_TX, PAYER, AUTH_3P, COURT_ORDER, SUBPOENA, LAW_ENF, PUBLIC_HEALTH, OVERSIGHT, RESEARCH, REQ_BY_LAW, HHS, DECEDENT, WORKERS_COMP)"))?;
            let new = NewRequest {
                mrn,
                requester_type: t,
                requester_name: name,
                requester_address: address,
                purpose,
                scope: Scope {
                    from,
                    to,
                    document_types: types
                        .into_iter()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    encounters: encounters
                        .into_iter()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                },
                delivery: match delivery {
                    DeliveryArg::Paper => Delivery::Paper,
                    DeliveryArg::Electronic => Delivery::Electronic,
                    DeliveryArg::Portal => Delivery::Portal,
                },
                received: received.unwrap_or(today),
                conditions: Conditions {
                    satisfactory_assurance,
                    irb_waiver,
                    law_enforcement_prong,
                },
            };
            let id = request::log_request(&mut store, &actor, &new)?;
            let rec = request::load(store.conn(), id)?;
            println!(
                "{} logged: {} for {}, due {}",
                request_label(id),
                t,
                rec.mrn,
                rec.due
            );
        }
        RoiCmd::Auth { request: r, file } => {
            let id = req(&r)?;
            crate::host::check_user_may_read(&file)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let auth = crate::roi::check::parse_authorization(&text)
                .with_context(|| file.display().to_string())?;
            request::set_authorization(&mut store, &actor, id, &auth)?;
            println!(
                "{}: authorization recorded; run `chartdesk roi validate {}`",
                request_label(id),
                request_label(id)
            );
        }
        RoiCmd::Verify { request: r, method } => {
            let id = req(&r)?;
            request::verify_identity(&mut store, &actor, id, &method)?;
            println!(
                "{}: identity verified by {} ({})",
                request_label(id),
                actor.username,
                method.trim()
            );
        }
        RoiCmd::Validate { request: r, format } => {
            let id = req(&r)?;
            let (v, status) = request::validate_request(&mut store, &actor, id)?;
            match format {
                ReportFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"request": request_label(id), "status": status.label(), "validation": v})
                    )?
                ),
                _ => {
                    print!("{}", crate::roi::format_table(&v));
                    println!("{}: {}", request_label(id), status.label());
                }
            }
            if status == Status::OnHold {
                if let Some(h) = request::hold_hint(&request::load(store.conn(), id)?) {
                    eprintln!("{}: {h}", request_label(id));
                }
                return Ok(ExitCode::from(1));
            }
        }
        RoiCmd::Hold { request: r, reason } => {
            let id = req(&r)?;
            request::hold(&mut store, &actor, id, &reason)?;
            println!(
                "{}: ON_HOLD {}",
                request_label(id),
                reason.trim().to_uppercase()
            );
        }
        RoiCmd::Extend {
            request: r,
            days,
            reason,
            notice,
        } => {
            let id = req(&r)?;
            let due = request::extend(&mut store, &actor, id, days, &reason, notice)?;
            println!(
                "{}: extended {days} days, due {due} (ROI-01)",
                request_label(id)
            );
        }
        RoiCmd::Exclude {
            request: r,
            document,
            note,
        } => {
            let id = req(&r)?;
            request::set_item(&mut store, &actor, id, document, false, &note)?;
            let rec = request::load(store.conn(), id)?;
            println!(
                "{}: document {document} left out; {}",
                request_label(id),
                status_text(&rec)
            );
        }
        RoiCmd::Include {
            request: r,
            document,
        } => {
            let id = req(&r)?;
            request::set_item(&mut store, &actor, id, document, true, "")?;
            let rec = request::load(store.conn(), id)?;
            println!(
                "{}: document {document} included; {}",
                request_label(id),
                status_text(&rec)
            );
        }
        RoiCmd::Submit { request: r } => {
            let id = req(&r)?;
            request::submit_for_qa(&mut store, &actor, id)?;
            println!(
                "{}: QA_REVIEW (prepared by {})",
                request_label(id),
                actor.username
            );
        }
        RoiCmd::Qa {
            request: r,
            pass,
            fail,
            note,
        } => {
            let id = req(&r)?;
            if pass == fail {
                bail!("qa: give --pass or --fail");
            }
            request::qa_review(&mut store, &actor, id, pass, &note)?;
            println!(
                "{}: QA {} by {}",
                request_label(id),
                if pass { "passed" } else { "failed" },
                actor.username
            );
        }
        RoiCmd::Letter(cmd) => docs::letter(&mut store, &actor, cmd)?,
        RoiCmd::Batch(cmd) => batch::run(&mut store, &actor, cmd)?,
        RoiCmd::Attach {
            request: r,
            file,
            kind,
        } => docs::attach(&mut store, &actor, &r, &kind, &file)?,
        RoiCmd::Deliver {
            request: r,
            method,
            tracking,
            zip,
        } => docs::deliver(&mut store, &actor, &r, &method, &tracking, &zip)?,
        RoiCmd::Amend(cmd) => docs::amend(&mut store, &actor, cmd)?,
        RoiCmd::Restrict(cmd) => docs::restrict(&mut store, &actor, cmd)?,
        RoiCmd::Release { request: r, out } => {
            print_release(&release::release(&mut store, &actor, req(&r)?, &out)?);
        }
        RoiCmd::Deny {
            request: r,
            reason,
            note,
            professional,
            documents,
        } if !documents.is_empty() => {
            let id = req(&r)?;
            let rule = holds::deny_documents(
                &mut store,
                &actor,
                id,
                &documents,
                &reason,
                &note,
                professional.as_deref(),
            )?;
            let rec = request::load(store.conn(), id)?;
            let docs: Vec<String> = documents.iter().map(i64::to_string).collect();
            println!(
                "{}: document(s) {} DENIED {} ({rule}); the rest is released (45 CFR 164.524(d)(1)); {}",
                request_label(id),
                docs.join(", "),
                reason.trim().to_uppercase(),
                status_text(&rec)
            );
        }
        RoiCmd::Deny {
            request: r,
            reason,
            note,
            professional,
            ..
        } => {
            let id = req(&r)?;
            let rule = request::deny(
                &mut store,
                &actor,
                id,
                &reason,
                &note,
                professional.as_deref(),
            )?;
            println!(
                "{}: DENIED {} ({rule})",
                request_label(id),
                reason.trim().to_uppercase()
            );
        }
        RoiCmd::ReviewDenial {
            request: r,
            reviewer,
            uphold,
            reverse,
            document,
        } => {
            if uphold == reverse {
                bail!("review-denial: give --uphold or --reverse");
            }
            let id = req(&r)?;
            match document {
                Some(doc) => {
                    holds::review_document_denial(&mut store, &actor, id, doc, &reviewer, uphold)?;
                }
                None => request::review_denial(&mut store, &actor, id, &reviewer, uphold)?,
            }
            let rec = request::load(store.conn(), id)?;
            println!(
                "{}: denial{} {} by {}; {}{}",
                request_label(id),
                document
                    .map(|d| format!(" of document {d}"))
                    .unwrap_or_default(),
                if uphold { "upheld" } else { "reversed" },
                sanitize_line(reviewer.trim()),
                status_text(&rec),
                if !uphold && !rec.status.is_open() && rec.status != Status::Denied {
                    " — the request is no longer open: give access on a new request"
                } else {
                    ""
                }
            );
        }
        RoiCmd::Refuse { request: r, note } => {
            let id = req(&r)?;
            let defects = holds::refuse(&mut store, &actor, id, &note)?;
            println!(
                "{}: REFUSED for the defects of its authorization (LTR-03, 45 CFR 164.508(b)(2)):",
                request_label(id)
            );
            for p in &defects {
                println!("  {} ({}): {}", p.code, p.rule, sanitize_line(&p.message));
            }
        }
        RoiCmd::Revoke { request: r, date } => {
            let id = req(&r)?;
            let st = holds::record_revocation(&mut store, &actor, id, date.unwrap_or(today))?;
            println!(
                "{}: revocation recorded (45 CFR 164.508(b)(5)); {}",
                request_label(id),
                st.label()
            );
        }
        RoiCmd::Estimate { request: r } => {
            let id = req(&r)?;
            let e = holds::record_estimate(&mut store, &actor, id)?;
            println!(
                "{}: fee estimate {} for {} document(s), {} page(s), {} ({}) (LTR-02)",
                request_label(id),
                dollars(i64::try_from(e.fee.cents).unwrap_or(i64::MAX)),
                e.documents,
                e.pages,
                e.method,
                e.fee.rule
            );
        }
        RoiCmd::Scope {
            request: r,
            from,
            to,
            types,
            encounters,
            note,
        } => {
            let id = req(&r)?;
            let scope = Scope {
                from,
                to,
                document_types: clean_list(types),
                encounters: clean_list(encounters),
            };
            holds::set_scope(&mut store, &actor, id, &scope, &note)?;
            let rec = request::load(store.conn(), id)?;
            println!(
                "{}: scope recorded; {}",
                request_label(id),
                status_text(&rec)
            );
        }
        RoiCmd::AcknowledgeIncomplete { request: r, note } => {
            let id = req(&r)?;
            let docs = holds::acknowledge_incomplete(&mut store, &actor, id, &note)?;
            let docs: Vec<String> = docs.iter().map(i64::to_string).collect();
            println!(
                "{}: released as they stand when released: document(s) {} (acknowledged by {})",
                request_label(id),
                docs.join(", "),
                actor.username
            );
        }
        RoiCmd::Lift { request: r } => {
            let id = req(&r)?;
            holds::lift_hold(&mut store, &actor, id)?;
            let rec = request::load(store.conn(), id)?;
            println!("{}: hold lifted; {}", request_label(id), status_text(&rec));
        }
        RoiCmd::Close { request: r } => {
            let id = req(&r)?;
            request::close(&mut store, &actor, id)?;
            println!("{}: CLOSED", request_label(id));
        }
        RoiCmd::Cancel { request: r, note } => {
            let id = req(&r)?;
            request::cancel(&mut store, &actor, id, &note)?;
            println!("{}: CANCELLED", request_label(id));
        }
        RoiCmd::Paid {
            request: r,
            amount,
            method,
        } => {
            let id = req(&r)?;
            let cents = parse_cents(&amount)?;
            request::mark_paid(&mut store, &actor, id, cents, &method)?;
            let rec = request::load(store.conn(), id)?;
            println!(
                "{}: payment of {} by {} recorded; {}",
                request_label(id),
                dollars(cents),
                sanitize_line(method.trim()),
                status_text(&rec)
            );
        }
        RoiCmd::List { all, format } => {
            let rows = request::queue(&mut store, &actor, all)?;
            match format {
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                ReportFormat::Csv => {
                    println!(
                        "request,mrn,patient,requester_type,requester,received,status,hold_reason,due,days_left,overdue"
                    );
                    for r in &rows {
                        println!(
                            "{},{},{},{},{},{},{},{},{},{},{}",
                            request_label(r.id),
                            csv(&r.mrn),
                            csv(&r.patient_name),
                            r.requester_type,
                            csv(&r.requester_name),
                            r.received,
                            r.status.label(),
                            r.hold_reason.as_deref().unwrap_or(""),
                            r.due,
                            r.days_left,
                            r.overdue
                        );
                    }
                }
                ReportFormat::Table => {
                    println!(
                        "{:<11} {:<12} {:<22} {:<12} {:<22} {:<34} {:<10} {:>5}",
                        "REQUEST", "MRN", "PATIENT", "TYPE", "REQUESTER", "STATUS", "DUE", "LEFT"
                    );
                    for r in &rows {
                        let status = match &r.hold_reason {
                            Some(h) => format!("{} {h}", r.status.label()),
                            None => r.status.label().to_string(),
                        };
                        println!(
                            "{:<11} {:<12} {:<22} {:<12} {:<22} {:<34} {:<10} {:>5}{}",
                            request_label(r.id),
                            sanitize_line(&r.mrn),
                            cut(&r.patient_name, 22),
                            r.requester_type.as_str(),
                            cut(&r.requester_name, 22),
                            status,
                            r.due,
                            r.days_left,
                            if r.overdue { " OVERDUE" } else { "" }
                        );
                    }
                }
            }
        }
        RoiCmd::Show { request: r, format } => {
            let d = request::detail(&mut store, &actor, req(&r)?)?;
            match format {
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&d)?),
                _ => print!("{}", format_detail(&d)),
            }
        }
        RoiCmd::AodLog {
            mrn,
            received,
            from,
        } => {
            let a = disclosure::log_aod_request(
                &mut store,
                &actor,
                &mrn,
                received.unwrap_or(today),
                from,
            )?;
            println!(
                "accounting request {} for {mrn}: due {} (AOD-05, 60 days); {}",
                a.id,
                a.due,
                if a.free {
                    "free (first in 12 months)".to_string()
                } else {
                    format!(
                        "fee {} after notice; the requester may withdraw or modify",
                        dollars(a.fee_cents)
                    )
                }
            );
        }
        RoiCmd::AodExtend {
            id,
            days,
            reason,
            notice,
        } => {
            let due = disclosure::extend_aod(&mut store, &actor, id, days, &reason, notice)?;
            println!("accounting request {id}: extended {days} days, due {due} (AOD-05)");
        }
        RoiCmd::AodProvide { id } => {
            disclosure::provide_aod(&mut store, &actor, id)?;
            println!("accounting request {id}: provided");
        }
        RoiCmd::Disclose {
            mrn,
            date,
            recipient,
            address,
            purpose,
            description,
            basis,
            part2,
        } => {
            let basis_type = RequesterType::parse(basis.trim()).with_context(|| {
                format!(
                    "--basis {basis}: not a requester type (PUBLIC_HEALTH, OVERSIGHT, LAW_ENF, …)"
                )
            })?;
            let m = crate::roi::manual_disclosure::ManualDisclosure {
                mrn: mrn.clone(),
                date: date.unwrap_or(today),
                recipient,
                recipient_address: address,
                purpose,
                description,
                basis: basis_type,
                conditions: Conditions::default(),
                part2,
            };
            let r = crate::roi::manual_disclosure::record(&mut store, &actor, &m)?;
            println!(
                "disclosure {} for {mrn} recorded ({}): {}",
                r.disclosure_id,
                r.legal_basis,
                match &r.excluded {
                    None => "in the accounting (accountable)".to_string(),
                    Some((code, rule)) => format!("not accountable: {code} ({rule})"),
                }
            );
        }
        RoiCmd::Suspend {
            request: r,
            start,
            end,
            oral,
        } => {
            let request_id = req(&r)?;
            let s = Suspension {
                agency: String::new(),
                request_id: Some(request_id),
                start,
                end,
                written: !oral,
            };
            let id = disclosure::add_suspension(&mut store, &actor, &s)?;
            let agency = request::load(store.conn(), request_id)?.requester_name;
            println!(
                "suspension {id}: disclosures for {} to {} from {start} through {} (AOD-06{})",
                request_label(request_id),
                sanitize_line(agency.trim()),
                s.last_day()?,
                if oral {
                    ", oral: at most 30 days unless put in writing"
                } else {
                    ""
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `chartdesk auth check FILE`: exit 1 when the authorization is not valid for the request.
pub(super) fn auth_check(
    file: &Path,
    format: ReportFormat,
    today: Option<chrono::NaiveDate>,
) -> Result<ExitCode> {
    crate::host::check_user_may_read(file)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    // No database here: the facility zone is the setting's default.
    let today = today.unwrap_or_else(|| crate::clock::facility_date(chrono::Utc::now()));
    let v = crate::roi::check_file(&text, today).with_context(|| file.display().to_string())?;
    match format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        _ => print!("{}", crate::roi::format_table(&v)),
    }
    Ok(if v.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
