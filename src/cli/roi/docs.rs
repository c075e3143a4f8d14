//! `chartdesk roi letter|attach|deliver|amend|restrict …` (issue #12): letters from facility
//! templates, signed forms, delivery records, amendment requests (164.526) and restrictions
//! and confidential communications (164.522). Each command runs one core operation.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;

use crate::audit::Actor;
use crate::letters;
use crate::roi::amendment::{self, Amendment, amendment_label, parse_amendment_id};
use crate::roi::request::{self, parse_request_id, request_label};
use crate::roi::{attachments, delivery, restriction};
use crate::store::Store;
use crate::text::sanitize_line;

#[derive(Subcommand, Debug)]
pub enum LetterCmd {
    /// List the letter templates (facility data)
    Templates,
    /// The fields a template may name as {{field}}
    Fields,
    /// Print a template; with --set FILE replace its text (supervisor; unknown fields refused)
    Template {
        kind: String,
        #[arg(long)]
        set: Option<PathBuf>,
        #[arg(long)]
        title: Option<String>,
    },
    /// Print the letter as it would be sent today (nothing recorded)
    Preview { request: String, kind: String },
    /// Send: record the letter (audited, listed on the request, kept six years) and write its
    /// PDF/A-2b to --out; it also goes in the request's packet
    Send {
        request: String,
        kind: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The letters sent on a request
    List { request: String },
}

#[derive(Subcommand, Debug)]
pub enum AmendCmd {
    /// Log an amendment request (164.526(b): due in 60 days)
    Log {
        /// Patient MRN
        mrn: String,
        /// Who asks (the individual or their representative)
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        address: String,
        /// What they ask to change
        #[arg(long)]
        change: String,
        #[arg(long, default_value = "")]
        reason: String,
        /// Affected document ids
        #[arg(long, value_delimiter = ',')]
        documents: Vec<i64>,
        /// Day received [default: today]
        #[arg(long)]
        received: Option<NaiveDate>,
    },
    /// The amendment queue (open first, by due date)
    List,
    /// One amendment request with its statements
    Show { amendment: String },
    /// The one 30-day extension, with its notice letter (164.526(b)(2))
    Extend {
        amendment: String,
        #[arg(long)]
        days: i64,
        #[arg(long)]
        reason: String,
    },
    /// Accept: append the amendment to the affected documents; list who must be told
    Accept {
        amendment: String,
        /// The amendment as appended
        #[arg(long)]
        text: String,
        /// A person the individual names to be told (repeatable)
        #[arg(long)]
        notify: Vec<String>,
        /// The affected documents, chosen now (replace the ones logged; 164.526(c)(1))
        #[arg(long, value_delimiter = ',')]
        documents: Vec<i64>,
    },
    /// Deny on an AMEND_DENY_* ground (164.526(a)(2)); the written denial goes out
    Deny {
        amendment: String,
        reason: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// File the individual's statement of disagreement or the facility's rebuttal
    Statement {
        amendment: String,
        /// disagreement or rebuttal
        #[arg(long, default_value = "disagreement")]
        kind: String,
        #[arg(long)]
        text: String,
    },
    /// With no statement filed, carry the request and denial with later disclosures
    /// (164.526(d)(5)(ii))
    Carry { amendment: String },
}

#[derive(Subcommand, Debug)]
pub enum RestrictCmd {
    /// Record a restriction: agreed (164.522(a)(1)(ii)) or self_pay (mandatory, (a)(1)(vi))
    Add {
        /// Patient MRN
        mrn: String,
        #[arg(long)]
        kind: String,
        /// Requester types it binds: PROVIDER_TX, PAYER [default: both]
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        #[arg(long, value_delimiter = ',')]
        documents: Vec<i64>,
        /// Visit number of the encounter paid out of pocket
        #[arg(long, default_value = "")]
        encounter: String,
        #[arg(long)]
        description: String,
    },
    /// A patient's restrictions and confidential address
    List { mrn: String },
    /// End a restriction (164.522(a)(2))
    End {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Set the confidential-communication address every letter to the individual uses
    /// (164.522(b)); an empty address clears it
    Address { mrn: String, address: String },
}

fn req(s: &str) -> Result<i64> {
    Ok(parse_request_id(s)?)
}

pub fn letter(store: &mut Store, actor: &Actor, cmd: LetterCmd) -> Result<()> {
    match cmd {
        LetterCmd::Templates => {
            for t in letters::templates(store.conn())? {
                println!(
                    "{:<22} {}{}  (edited {} by {})",
                    t.kind,
                    sanitize_line(&t.title),
                    if t.to_individual {
                        " [to the individual]"
                    } else {
                        ""
                    },
                    if t.updated_at.is_empty() {
                        "never"
                    } else {
                        &t.updated_at
                    },
                    t.updated_by
                );
            }
        }
        LetterCmd::Fields => {
            for (f, what) in letters::FIELDS {
                println!("{{{{{f}}}}}  {what}");
            }
        }
        LetterCmd::Template { kind, set, title } => {
            if let Some(path) = set {
                let body = std::fs::read_to_string(&path).with_context(|| {
                    format!("{}: cannot read the template text", path.display())
                })?;
                letters::set_template(store, actor, &kind, title.as_deref(), &body)?;
                println!("template {kind} saved");
            } else {
                let t = letters::template(store.conn(), &kind)?;
                println!("# {}\n", sanitize_line(&t.title));
                print!("{}", crate::text::sanitize(&t.body));
            }
        }
        LetterCmd::Preview { request: r, kind } => {
            let id = req(&r)?;
            let rec = request::load(store.conn(), id)?;
            let today = request::today(store);
            let staff = letters::staff_name(store.conn(), actor)?;
            let (title, to, addr, text) =
                letters::preview(store.conn(), &rec, &kind, today, &staff)?;
            println!(
                "# {} — to {} ({})\n",
                sanitize_line(&title),
                sanitize_line(&to),
                sanitize_line(&addr)
            );
            print!("{}", crate::text::sanitize(&text));
        }
        LetterCmd::Send {
            request: r,
            kind,
            out,
        } => {
            let id = req(&r)?;
            let (l, pdf) = letters::send(store, actor, id, &kind, out.as_deref())?;
            println!(
                "{}: letter {} ({}) sent to {}; PDF/A-2b {} bytes, SHA-256 {}{}",
                l.request,
                l.id,
                l.kind,
                sanitize_line(&l.recipient),
                pdf.len(),
                l.pdf_sha256,
                out.map(|p| format!(", written to {}", p.display()))
                    .unwrap_or_default()
            );
        }
        LetterCmd::List { request: r } => {
            let id = req(&r)?;
            for l in letters::list(store.conn(), id)? {
                println!(
                    "{:>4}  {:<22} {}  to {}  by {}  kept until {}  sha256 {}",
                    l.id,
                    l.kind,
                    l.sent_at,
                    sanitize_line(&l.recipient),
                    l.sent_by,
                    l.retain_until,
                    l.pdf_sha256
                );
            }
        }
    }
    Ok(())
}

pub fn attach(store: &mut Store, actor: &Actor, r: &str, kind: &str, file: &PathBuf) -> Result<()> {
    let id = req(r)?;
    let bytes =
        std::fs::read(file).with_context(|| format!("{}: cannot read the scan", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let a = attachments::attach(store, actor, id, kind, &name, &bytes)?;
    println!(
        "{}: {} attached as form {} ({}, {} bytes, SHA-256 {}); kept until {}",
        request_label(id),
        sanitize_line(&a.file_name),
        a.id,
        a.kind,
        a.bytes,
        a.sha256,
        a.retain_until
    );
    Ok(())
}

pub fn deliver(
    store: &mut Store,
    actor: &Actor,
    r: &str,
    method: &str,
    tracking: &str,
    zip: &std::path::Path,
) -> Result<()> {
    let id = req(r)?;
    let d = delivery::record(store, actor, id, method, tracking, zip)?;
    println!(
        "{}: delivery {} by {}{} ({}); SHA-256 {}{}",
        d.request,
        d.id,
        d.method,
        if d.tracking.is_empty() {
            String::new()
        } else {
            format!(" #{}", d.tracking)
        },
        d.sent_by,
        d.zip_sha256,
        d.resend_of
            .map(|f| format!("; re-send of delivery {f}, byte-identical"))
            .unwrap_or_default()
    );
    Ok(())
}

fn print_amendment(a: &Amendment) {
    println!(
        "{}  {}  {}  {}  received {}  due {}  by {}",
        a.label,
        a.status.to_uppercase(),
        a.mrn,
        sanitize_line(&a.patient_name),
        a.received,
        a.due,
        sanitize_line(&a.requested_by)
    );
}

pub fn amend(store: &mut Store, actor: &Actor, cmd: AmendCmd) -> Result<()> {
    let today = request::today(store);
    match cmd {
        AmendCmd::Log {
            mrn,
            by,
            address,
            change,
            reason,
            documents,
            received,
        } => {
            let a = amendment::log(
                store,
                actor,
                &mrn,
                received.unwrap_or(today),
                &by,
                &address,
                &change,
                &reason,
                &documents,
            )?;
            println!("{} logged; due {} (45 CFR 164.526(b)(2))", a.label, a.due);
        }
        AmendCmd::List => {
            for a in amendment::queue(store.conn())? {
                print_amendment(&a);
            }
        }
        AmendCmd::Show { amendment: s } => {
            let a = amendment::load(store.conn(), parse_amendment_id(&s)?)?;
            print_amendment(&a);
            println!("  change: {}", sanitize_line(&a.requested_change));
            println!("  documents: {:?}", a.document_ids);
            if let Some(b) = &a.denial_basis {
                println!("  denied: {b}");
            }
            if let Some(t) = &a.amendment_text {
                println!("  amendment: {}", sanitize_line(t));
            }
            if !a.notify.is_null() && a.notify != serde_json::json!([]) {
                println!("  tell: {}", a.notify);
            }
            for s in &a.statements {
                println!(
                    "  {} {} by {}: {}",
                    s.kind,
                    s.filed_on,
                    s.filed_by,
                    sanitize_line(&s.text)
                );
            }
        }
        AmendCmd::Extend {
            amendment: s,
            days,
            reason,
        } => {
            let id = parse_amendment_id(&s)?;
            let due = amendment::extend(store, actor, id, days, &reason)?;
            println!(
                "{}: extended to {due}; the notice letter is recorded",
                amendment_label(id)
            );
        }
        AmendCmd::Accept {
            amendment: s,
            text,
            notify,
            documents,
        } => {
            let a = amendment::accept_documents(
                store,
                actor,
                parse_amendment_id(&s)?,
                &text,
                &documents,
                &notify,
            )?;
            println!(
                "{}: ACCEPTED; linked to documents {:?}; tell {}",
                a.label, a.document_ids, a.notify
            );
        }
        AmendCmd::Deny {
            amendment: s,
            reason,
            note,
        } => {
            let a = amendment::deny(store, actor, parse_amendment_id(&s)?, &reason, &note)?;
            println!(
                "{}: DENIED {}; the written denial is recorded (45 CFR 164.526(d)(1))",
                a.label,
                a.denial_basis.unwrap_or_default()
            );
        }
        AmendCmd::Statement {
            amendment: s,
            kind,
            text,
        } => {
            let a = amendment::file_statement(store, actor, parse_amendment_id(&s)?, &kind, &text)?;
            println!(
                "{}: {kind} filed; it goes with every later disclosure of the documents {:?} (45 CFR 164.526(d)(5))",
                a.label, a.document_ids
            );
        }
        AmendCmd::Carry { amendment: s } => {
            let id = parse_amendment_id(&s)?;
            amendment::carry_request_and_denial(store, actor, id)?;
            println!(
                "{}: the request and denial go with later disclosures",
                amendment_label(id)
            );
        }
    }
    Ok(())
}

pub fn restrict(store: &mut Store, actor: &Actor, cmd: RestrictCmd) -> Result<()> {
    match cmd {
        RestrictCmd::Add {
            mrn,
            kind,
            types,
            documents,
            encounter,
            description,
        } => {
            let types: Vec<String> = types
                .iter()
                .map(|t| t.trim().to_uppercase())
                .filter(|t| !t.is_empty())
                .collect();
            let id = restriction::add(
                store,
                actor,
                &mrn,
                &kind,
                &types,
                &documents,
                &encounter,
                &description,
            )?;
            println!("restriction {id} recorded for {mrn} ({kind})");
        }
        RestrictCmd::List { mrn } => {
            let pid: i64 = store
                .conn()
                .query_row("SELECT id FROM patients WHERE mrn = ?1", [&mrn], |r| {
                    r.get(0)
                })
                .with_context(|| format!("patient {mrn} not found"))?;
            for r in restriction::for_patient(store.conn(), pid)? {
                println!(
                    "{:>4}  {:<8} {}  types {}  documents {:?}  encounter {}  agreed {}{}",
                    r.id,
                    r.kind,
                    sanitize_line(&r.description),
                    if r.recipient_types.is_empty() {
                        "PROVIDER_TX,PAYER".into()
                    } else {
                        r.recipient_types.join(",")
                    },
                    r.document_ids,
                    r.encounter,
                    r.agreed_on,
                    r.ended_on
                        .map(|e| format!("  ENDED {e}"))
                        .unwrap_or_default()
                );
            }
            if let Some(a) = letters::confidential_address(store.conn(), pid)? {
                println!("confidential address: {}", sanitize_line(&a));
            }
        }
        RestrictCmd::End { id, reason } => {
            restriction::end(store, actor, id, &reason)?;
            println!("restriction {id} ended");
        }
        RestrictCmd::Address { mrn, address } => {
            restriction::set_confidential_address(store, actor, &mrn, &address)?;
            println!(
                "{mrn}: confidential-communication address {}",
                if address.trim().is_empty() {
                    "cleared"
                } else {
                    "recorded"
                }
            );
        }
    }
    Ok(())
}
