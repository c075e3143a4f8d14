//! `chartdesk roi …`, `chartdesk release REQ --out DIR` and `chartdesk report disclosures`:
//! the release-of-information desk on the command line, for scripts and tests. Every command
//! runs one core operation (audited, permission-checked); `--as USER` acts as that chartdesk
//! user given a `chartdesk login` session or the password, else the session's user, else (for
//! the OS account owning the database) the system administrator (AUD-10).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

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

#[derive(Args, Debug)]
pub struct RoiArgs {
    /// Act as this chartdesk user (its role's permissions apply) [default: the system administrator]
    #[arg(long = "as", value_name = "USER", global = true)]
    pub as_user: Option<String>,
    #[command(subcommand)]
    pub command: RoiCmd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeliveryArg {
    Paper,
    Electronic,
    Portal,
}

#[derive(Subcommand, Debug)]
pub enum RoiCmd {
    /// Log a request (ROI-01: due = received + access_due_days); prints its id
    Log {
        /// Patient MRN
        mrn: String,
        /// Requester type: SELF, PERSREP, DIRECTIVE, PROVIDER_TX, PAYER, AUTH_3P, COURT_ORDER,
        /// SUBPOENA, LAW_ENF, PUBLIC_HEALTH, OVERSIGHT, RESEARCH, REQ_BY_LAW, HHS, DECEDENT, WORKERS_COMP
        #[arg(long = "type")]
        requester_type: String,
        /// Who is asking
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        purpose: String,
        /// First service date requested
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last service date requested
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Document types (LOINC), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Encounters (visit numbers), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        encounters: Vec<String>,
        #[arg(long, value_enum, default_value_t = DeliveryArg::Electronic)]
        delivery: DeliveryArg,
        /// Date received (day 0) [default: today]
        #[arg(long)]
        received: Option<NaiveDate>,
        /// SUBPOENA: satisfactory assurance of notice or a qualified protective order
        #[arg(long)]
        satisfactory_assurance: bool,
        /// RESEARCH: IRB or privacy board waiver
        #[arg(long)]
        irb_waiver: bool,
        /// LAW_ENF: a 164.512(f) prong fits
        #[arg(long)]
        law_enforcement_prong: bool,
    },
    /// Capture or replace the authorization form from a JSON file (the `authorization` object
    /// of the `auth check` schema)
    Auth { request: String, file: PathBuf },
    /// Record how identity and authority were verified (ROI-07); the acting user is the verifier
    Verify {
        request: String,
        #[arg(long)]
        method: String,
    },
    /// Validate (45 CFR 164.508): ON_HOLD with the first reason code, else IN_PROCESS; exit 1 when on hold
    Validate {
        request: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Put a request on hold: an AUTH_* code or HOLD_FEE_UNPAID, HOLD_IDENTITY, HOLD_RECORD_INCOMPLETE, HOLD_CLARIFY_SCOPE
    Hold { request: String, reason: String },
    /// The one extension (ROI-01): days, written reason, date the notice was sent
    Extend {
        request: String,
        #[arg(long)]
        days: u32,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        notice: NaiveDate,
    },
    /// Leave a document out of the release (minimum necessary), with a note
    Exclude {
        request: String,
        document: i64,
        #[arg(long)]
        note: String,
    },
    /// Put a left-out document back in
    Include { request: String, document: i64 },
    /// IN_PROCESS → QA_REVIEW; the acting user is the releaser
    Submit { request: String },
    /// QA review by a user other than the releaser: --pass, or --fail with a note
    Qa {
        request: String,
        #[arg(long, conflicts_with = "fail")]
        pass: bool,
        #[arg(long)]
        fail: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Release and write the packet folder and zip under DIR (same as `chartdesk release`)
    Release {
        request: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Deny the individual's own access (SELF, PERSREP, DIRECTIVE) on a ROI-05 ground
    /// (DENY_PSYCHOTHERAPY_NOTES, DENY_LITIGATION, …); reviewable grounds (DENY_ENDANGER,
    /// DENY_OTHER_PERSON, DENY_REP_HARM) need --professional. With --documents only those are
    /// denied and the rest is released (164.524(d)(1))
    Deny {
        request: String,
        reason: String,
        #[arg(long, default_value = "")]
        note: String,
        /// The licensed health care professional who made the determination (reviewable reasons)
        #[arg(long)]
        professional: Option<String>,
        /// Deny only these documents (ids, comma-separated); the rest is released
        #[arg(long, value_delimiter = ',')]
        documents: Vec<i64>,
    },
    /// Record the review of a reviewable denial by another licensed professional (ROI-05); a
    /// reversed denial returns the request to processing
    ReviewDenial {
        request: String,
        #[arg(long)]
        reviewer: String,
        #[arg(long, conflicts_with = "reverse")]
        uphold: bool,
        #[arg(long)]
        reverse: bool,
        /// The review of one document's denial (partial denial)
        #[arg(long)]
        document: Option<i64>,
    },
    /// Refuse a third-party request for its authorization defects (LTR-03; denial grounds
    /// apply only to the individual's own access)
    Refuse {
        request: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record a written revocation of the authorization (164.508(b)(5)); allowed in any state
    Revoke {
        request: String,
        /// Date the written revocation was received [default: today]
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Compute and record the fee estimate (LTR-02) from the documents selected now
    Estimate { request: String },
    /// Record the clarified scope (lifts HOLD_CLARIFY_SCOPE); replaces dates, types and encounters
    Scope {
        request: String,
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Document types (LOINC or PSYCHOTHERAPY_NOTES), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Encounters (visit numbers), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        encounters: Vec<String>,
        /// How the scope was clarified
        #[arg(long)]
        note: String,
    },
    /// Acknowledge releasing the incomplete or unsigned documents selected as they stand
    AcknowledgeIncomplete {
        request: String,
        #[arg(long)]
        note: String,
    },
    /// Lift HOLD_RECORD_INCOMPLETE once no incomplete document is left (other holds are lifted
    /// by the step that meets them)
    Lift { request: String },
    /// RELEASED or DENIED → CLOSED
    Close { request: String },
    /// Cancel an open request (withdrawn)
    Cancel {
        request: String,
        #[arg(long)]
        note: String,
    },
    /// Record a payment against the invoice or the fee estimate (lifts HOLD_FEE_UNPAID when paid in full)
    Paid {
        request: String,
        /// Amount in dollars, e.g. 12.50
        #[arg(long)]
        amount: String,
        /// How it was paid (cash, check, card, …)
        #[arg(long)]
        method: String,
    },
    /// The queue: open requests, soonest due first; overdue flagged
    List {
        /// Include released, denied, closed and cancelled requests
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// One request: status, clock, authorization check, documents, history
    Show {
        request: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Log a request for an accounting of disclosures (AOD-05: 60 days; first in 12 months free)
    AodLog {
        mrn: String,
        #[arg(long)]
        received: Option<NaiveDate>,
        /// Shorter period requested: from this date
        #[arg(long)]
        from: Option<NaiveDate>,
    },
    /// The one extension of an accounting request (AOD-05: ≤ 30 days, reason, notice within 60 days)
    AodExtend {
        id: i64,
        #[arg(long)]
        days: u32,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        notice: NaiveDate,
    },
    /// Mark an accounting request provided (AOD-07)
    AodProvide { id: i64 },
    /// Record an agency's suspension of accounting (AOD-06), tied to its OVERSIGHT or LAW_ENF
    /// request; oral statements last ≤ 30 days
    Suspend {
        /// The agency's request (REQ-…)
        #[arg(long)]
        request: String,
        #[arg(long)]
        start: NaiveDate,
        #[arg(long)]
        end: NaiveDate,
        #[arg(long)]
        oral: bool,
    },
    /// Enter a disclosure made outside the desk (e.g. a public-health report by clinical
    /// staff); it feeds the accounting, accountable or not by the AOD-02 rules
    Disclose {
        /// Patient MRN
        mrn: String,
        /// Day disclosed [default: today]
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        recipient: String,
        #[arg(long, default_value = "")]
        address: String,
        /// Brief statement of the purpose (AOD-03)
        #[arg(long)]
        purpose: String,
        /// What was disclosed (AOD-03)
        #[arg(long)]
        description: String,
        /// Legal basis as a requester type: PUBLIC_HEALTH (164.512(b)), OVERSIGHT, LAW_ENF, REQ_BY_LAW, …
        #[arg(long)]
        basis: String,
        /// It included 42 CFR Part 2 SUD records
        #[arg(long)]
        part2: bool,
    },
}

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

fn clean_list(v: Vec<String>) -> Vec<String> {
    v.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `IN_PROCESS`, or `ON_HOLD HOLD_FEE_UNPAID (what lifts it)`.
fn status_text(rec: &request::RequestRecord) -> String {
    match (&rec.hold_reason, request::hold_hint(rec)) {
        (Some(h), Some(hint)) if rec.status == Status::OnHold => {
            format!("{} {h} — {hint}", rec.status.label())
        }
        _ => rec.status.label().to_string(),
    }
}

/// One CSV value through the shared writer (quoting, control characters, formula neutralising).
fn csv(s: &str) -> String {
    crate::csv_out::field(s)
}

fn cut(s: &str, n: usize) -> String {
    let s = sanitize_line(s);
    if s.chars().count() <= n {
        s.into_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn print_release(r: &release::Released) {
    for n in &r.recovered {
        println!(
            "{}recovered: {}",
            if n.failed { "WARN " } else { "" },
            sanitize_line(&n.text)
        );
    }
    println!(
        "{} RELEASED: {} document(s), {} withheld{}; disclosure {} ({}); invoice {}",
        r.request,
        r.documents,
        r.withheld,
        if r.part2 {
            ", 42 CFR 2.32 notice included"
        } else {
            ""
        },
        r.disclosure_id,
        if r.accountable {
            "accountable"
        } else {
            "not accountable (AOD-02)"
        },
        dollars(i64::try_from(r.invoice_cents).unwrap_or(i64::MAX))
    );
    println!("packet: {}", r.dir.display());
    println!("zip:    {}", r.zip.display());
    println!("manifest sha256: {}", r.manifest_sha256);
    if let Some(p) = &r.zip_passphrase {
        println!("zip passphrase (AES-256; give it to the recipient by another channel): {p}");
    }
}

/// The request detail as text.
pub fn format_detail(d: &request::Detail) -> String {
    let r = &d.request;
    let mut s = format!(
        "{}  {}  patient {} ({})\n",
        request_label(r.id),
        match &r.hold_reason {
            Some(h) => format!("{} {h}", r.status.label()),
            None => r.status.label().to_string(),
        },
        sanitize_line(&r.patient_name),
        sanitize_line(&r.mrn)
    );
    s += &format!(
        "requester  {} {} {}\npurpose    {}\nreceived   {}  due {}  days left {}{}\n",
        r.requester_type,
        sanitize_line(&r.requester_name),
        sanitize_line(&r.requester_address),
        sanitize_line(&r.purpose),
        r.received,
        d.clock.due,
        d.clock.days_left,
        if d.clock.overdue { "  OVERDUE" } else { "" }
    );
    if let Some(e) = &r.extension {
        s += &format!(
            "extension  {} days, notice {}: {}\n",
            e.days,
            e.notice_sent,
            sanitize_line(&e.reason)
        );
    }
    s += &format!(
        "verified   {}\n",
        match (&r.verification_method, &r.verified_by) {
            (Some(m), Some(b)) => format!("{} by {}", sanitize_line(m), sanitize_line(b)),
            _ => "no (ROI-07)".into(),
        }
    );
    if let Some(h) = &d.hold_hint {
        s += &format!("on hold    {}\n", sanitize_line(h));
    }
    if let Some(dn) = &d.denial {
        s += &format!(
            "denial     {} ({}){}{}\n",
            dn.code,
            dn.rule,
            dn.professional
                .as_deref()
                .map(|p| format!("; determined by {}", sanitize_line(p)))
                .unwrap_or_default(),
            dn.note
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!("; note: {}", sanitize_line(n)))
                .unwrap_or_default()
        );
        match (&dn.review, &dn.reviewer) {
            (Some(r), Some(by)) => {
                s += &format!(
                    "review     {} by {} on {} (45 CFR 164.524(a)(4), (d)(4))\n",
                    r.to_uppercase(),
                    sanitize_line(by),
                    dn.reviewed_at.as_deref().unwrap_or("")
                )
            }
            _ if dn.reviewable => s += "review     not yet reviewed (reviewable, 164.524(a)(3))\n",
            _ => {}
        }
        for p in &dn.defects {
            s += &format!(
                "  defect   {} ({}): {}\n",
                sanitize_line(&p.code),
                sanitize_line(&p.rule),
                sanitize_line(&p.message)
            );
        }
    }
    if let Some(e) = &d.estimate {
        s += &format!(
            "estimate   {} for {} page(s), {} (LTR-02)\n",
            dollars(e.cents),
            e.pages,
            sanitize_line(&e.method)
        );
    }
    if let Some(inv) = r.invoice_cents {
        s += &format!("invoice    {}\n", dollars(inv));
    }
    for p in &d.payments {
        s += &format!(
            "payment    {} by {} against the {} ({}, {})\n",
            dollars(p.cents),
            sanitize_line(&p.method),
            p.against,
            p.paid_at,
            sanitize_line(&p.username)
        );
    }
    s += &crate::roi::format_table(&d.selection.validation);
    s += "documents:\n";
    for i in &d.selection.items {
        let why = d.selection.withheld_reason(i);
        s += &format!(
            "  {:>6} {:<9} {:<10} {:<30} {}\n",
            i.document_id,
            sanitize_line(&i.doc_type),
            i.service_at.get(..10).unwrap_or(&i.service_at),
            cut(&i.title, 30),
            match why {
                Some(w) => format!("WITHHELD: {}", sanitize_line(&w)),
                None => "release".into(),
            }
        );
        if let Some(inc) = &i.incomplete {
            s += &format!(
                "  {:>6} INCOMPLETE: {inc}{}\n",
                "",
                match &i.incomplete_ack {
                    Some(u) => format!("; release acknowledged by {}", sanitize_line(u)),
                    None => "; releasing it needs an acknowledgement (roi acknowledge-incomplete)"
                        .into(),
                }
            );
        }
        if let Some(dn) = &i.denial {
            s += &format!(
                "  {:>6} DENIED {} ({}){}{}\n",
                "",
                dn.code,
                dn.rule,
                dn.professional
                    .as_deref()
                    .map(|p| format!("; determined by {}", sanitize_line(p)))
                    .unwrap_or_default(),
                match (&dn.review, &dn.reviewer) {
                    (Some(rv), Some(by)) =>
                        format!("; review {} by {}", rv.to_uppercase(), sanitize_line(by)),
                    _ => String::new(),
                }
            );
        }
    }
    s += "history:\n";
    for h in &d.history {
        s += &format!(
            "  {} {} → {}{} by {}\n",
            h.at,
            h.from.as_deref().unwrap_or("-"),
            h.to,
            h.reason
                .as_deref()
                .map(|r| format!(" ({})", sanitize_line(r)))
                .unwrap_or_default(),
            sanitize_line(&h.user)
        );
    }
    s
}

/// `chartdesk report disclosures`.
pub fn report_disclosures(
    store: &mut Store,
    actor: &Actor,
    mrn: &str,
    from: Option<NaiveDate>,
    format: ReportFormat,
    group_repeats: bool,
) -> Result<String> {
    let mut a = disclosure::accounting(store, actor, mrn, from)?;
    if group_repeats {
        a.entries = disclosure::group_repeats(std::mem::take(&mut a.entries));
    }
    Ok(match format {
        ReportFormat::Json => serde_json::to_string_pretty(&a)? + "\n",
        ReportFormat::Csv => {
            let mut s = String::from(
                "date,recipient,recipient_address,description,purpose,request,frequency,last_date\n",
            );
            for e in &a.entries {
                s += &format!(
                    "{},{},{},{},{},{},{},{}\n",
                    e.date,
                    csv(&e.recipient),
                    csv(&e.recipient_address),
                    csv(&e.description),
                    csv(&e.purpose),
                    e.request.as_deref().unwrap_or(""),
                    e.frequency,
                    e.last_date
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!(
                "Accounting of disclosures (45 CFR 164.528) for {} ({}), {} to {}\n",
                sanitize_line(&a.patient),
                sanitize_line(&a.mrn),
                a.window_from,
                a.window_to
            );
            match &a.request {
                Some(r) => {
                    s += &format!(
                        "request {} received {} due {} ({} days left, {}); {}\n",
                        r.id,
                        r.received,
                        r.due,
                        r.days_left,
                        r.status,
                        if r.free {
                            "free: first in 12 months (AOD-05)".to_string()
                        } else {
                            format!("fee {} (AOD-05)", dollars(r.fee_cents))
                        }
                    );
                }
                None => {
                    s += "no accounting request logged (`chartdesk roi aod-log MRN`); 60-day clock starts at receipt (AOD-05)\n"
                }
            }
            s += &format!(
                "{:<10} {:<28} {:<28} {:<44} {}\n",
                "DATE", "RECIPIENT", "ADDRESS", "DESCRIPTION", "PURPOSE"
            );
            for e in &a.entries {
                s += &format!(
                    "{:<10} {:<28} {:<28} {:<44} {}\n",
                    e.date,
                    cut(&e.recipient, 28),
                    cut(&e.recipient_address, 28),
                    cut(&e.description, 44),
                    sanitize_line(&e.purpose)
                );
                if e.frequency > 1 {
                    s += &format!(
                        "{:<10} {} disclosures to this recipient for this purpose, the last on {} (AOD-04)\n",
                        "", e.frequency, e.last_date
                    );
                }
            }
            if a.entries.is_empty() {
                s += "(no disclosures that must be accounted for)\n";
            }
            s += &format!(
                "{} disclosure(s) in the period left out (AOD-02/AOD-06):\n",
                a.excluded.len()
            );
            for e in &a.excluded {
                s += &format!(
                    "  {} {:<28} {} ({})\n",
                    e.date,
                    cut(&e.recipient, 28),
                    e.excluded.as_deref().unwrap_or(""),
                    e.excluded_rule.as_deref().unwrap_or("")
                );
            }
            s
        }
    })
}
