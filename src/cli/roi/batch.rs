//! `chartdesk roi batch …`: multi-patient requests (issue #12) — log from a pasted or file
//! list, verify and validate every patient, release as one packet with a folder per patient.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;

use crate::audit::Actor;
use crate::roi::batch::{self, batch_label, parse_batch_id};
use crate::roi::request::{self, Delivery, NewRequest, Scope};
use crate::roi::{Conditions, RequesterType};
use crate::store::Store;
use crate::text::sanitize_line;

#[derive(Subcommand, Debug)]
pub enum BatchCmd {
    /// Log one request per patient listed (one transaction): `MRN` or `MRN,authorization.json`
    /// a line, from --list FILE (`-` = standard input, for a pasted list) or --mrns
    Log {
        #[arg(long = "type")]
        requester_type: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        purpose: String,
        /// Document types (LOINC), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long, conflicts_with = "mrns")]
        list: Option<PathBuf>,
        #[arg(long, value_delimiter = ',')]
        mrns: Vec<String>,
        #[arg(long)]
        received: Option<NaiveDate>,
        #[arg(long)]
        irb_waiver: bool,
    },
    /// The patients of a batch and where each stands
    Show { batch: String },
    /// Record the requester's verification on every patient's request (ROI-07)
    Verify {
        batch: String,
        #[arg(long)]
        method: String,
    },
    /// Validate every patient's request (each on its own authorization or the legal basis)
    Validate { batch: String },
    /// Release the batch as one packet (BATCH-…/ with a folder per patient, and a zip)
    Release {
        batch: String,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(store: &mut Store, actor: &Actor, cmd: BatchCmd) -> Result<()> {
    match cmd {
        BatchCmd::Log {
            requester_type,
            name,
            address,
            purpose,
            types,
            from,
            to,
            list,
            mrns,
            received,
            irb_waiver,
        } => {
            let t = RequesterType::parse(&requester_type.trim().to_uppercase())
                .with_context(|| format!("--type {requester_type}: not a requester type"))?;
            let (text, source, base) = match &list {
                Some(p) if p.as_os_str() == "-" => {
                    let mut s = String::new();
                    std::io::stdin()
                        .read_to_string(&mut s)
                        .context("reading the list from standard input")?;
                    (
                        s,
                        "standard input".to_string(),
                        std::env::current_dir().unwrap_or_default(),
                    )
                }
                Some(p) => (
                    std::fs::read_to_string(p)
                        .with_context(|| format!("{}: cannot read the list", p.display()))?,
                    p.display().to_string(),
                    p.parent().map(PathBuf::from).unwrap_or_default(),
                ),
                None if !mrns.is_empty() => (mrns.join("\n"), "--mrns".to_string(), PathBuf::new()),
                None => bail!("batch log: give --list FILE (or - for standard input) or --mrns"),
            };
            // The same reading as the desk's: each `MRN,authorization.json` relative to the
            // list's folder; errors name the list, the line and the file.
            let with_auth = batch::read_entries(&text, &source, &base)?;
            let template = NewRequest {
                mrn: String::new(),
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
                    encounters: Vec::new(),
                },
                delivery: Delivery::Electronic,
                received: received.unwrap_or(request::today(store)),
                conditions: Conditions {
                    irb_waiver,
                    ..Conditions::default()
                },
            };
            let (bid, ids) = batch::log_batch(store, actor, &template, &with_auth, &source)?;
            println!("{} logged: {} patient(s)", batch_label(bid), ids.len());
            for m in batch::members(store.conn(), bid)? {
                println!(
                    "  {}  {}  {}",
                    m.request,
                    m.mrn,
                    sanitize_line(&m.patient_name)
                );
            }
        }
        BatchCmd::Show { batch: b } => {
            let bid = parse_batch_id(&b)?;
            for m in batch::members(store.conn(), bid)? {
                println!(
                    "{}  {}  {:<24} {}{}",
                    m.request,
                    m.mrn,
                    sanitize_line(&m.patient_name),
                    m.status,
                    m.hold_reason.map(|h| format!(" {h}")).unwrap_or_default()
                );
            }
        }
        BatchCmd::Verify { batch: b, method } => {
            let bid = parse_batch_id(&b)?;
            for m in batch::members(store.conn(), bid)? {
                request::verify_identity(store, actor, m.request_id, &method)?;
            }
            println!("{}: verified ({method})", batch_label(bid));
        }
        BatchCmd::Validate { batch: b } => {
            let bid = parse_batch_id(&b)?;
            for m in batch::members(store.conn(), bid)? {
                let (v, st) = request::validate_request(store, actor, m.request_id)?;
                let codes: Vec<&str> = v.problems.iter().map(|p| p.code).collect();
                println!(
                    "{}  {}  {}{}",
                    m.request,
                    m.mrn,
                    st.label(),
                    if codes.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", codes.join(", "))
                    }
                );
            }
        }
        BatchCmd::Release { batch: b, out } => {
            let r = batch::release_batch(store, actor, parse_batch_id(&b)?, &out)?;
            println!(
                "packet: {}\nzip:    {}\nmanifest sha256: {}",
                r.dir.display(),
                r.zip.display(),
                r.manifest_sha256
            );
            for x in &r.released {
                println!(
                    "  {}: disclosure {}{}",
                    x.request,
                    x.disclosure_id,
                    if x.accountable { " (accountable)" } else { "" }
                );
            }
            for s in &r.skipped {
                println!("  skipped {s}");
            }
        }
    }
    Ok(())
}
