//! `chartdesk group`: the MS-DRG v43 grouper (DOMAIN §3.6) on codes given as arguments, or
//! on a stored encounter (`--encounter`, authenticated and audited like `edits`). Prints the
//! MDC, initial DRG with the CC/MCC that decided it, the HAC step and the final DRG.
//! Exit 0 when the claim groups, 1 when it groups to an error DRG (999), 2 usage, 3 when the
//! command itself failed (bad input, no database, a date outside v43).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;

use crate::audit::{Action, Event, Subtype};
use crate::coding::grouper::{self, Claim, GroupResult, ReturnCode, SecondaryDx, Sex};
use crate::domain::Perm;
use crate::store::Store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupFormat {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct GroupArgs {
    /// Group a stored encounter's codes (its discharge date picks v43.0 or v43.1)
    #[arg(long, conflicts_with_all = ["principal", "discharge", "input"])]
    pub encounter: Option<i64>,
    /// Group claims from a JSON Lines or CSV file (`-` = standard input), one JSON result per
    /// line in order; a bad line gets an error result naming its line and the rest go on.
    /// Fields/columns: principal, secondary ([code, poa] pairs or CODE:POA; in CSV separated
    /// by `;`), procedures, sex, discharge (YYYY-MM-DD), discharge_status, poa_exempt
    #[arg(long, conflicts_with_all = ["principal", "discharge"])]
    pub input: Option<std::path::PathBuf>,
    /// F, M or U
    #[arg(long, default_value = "U")]
    pub sex: char,
    /// Discharge date (v43.0 before 2026-04-01, v43.1 from then)
    #[arg(long)]
    pub discharge: Option<NaiveDate>,
    /// UB-04 discharge status (01 home, 20 expired, …); with --encounter, overrides the
    /// encounter's disposition
    #[arg(long)]
    pub discharge_status: Option<String>,
    /// Principal diagnosis
    #[arg(long)]
    pub principal: Option<String>,
    /// Secondary diagnoses, CODE[:POA],CODE[:POA],…
    #[arg(long, value_delimiter = ',')]
    pub secondary: Vec<String>,
    /// Procedures (ICD-10-PCS), CODE,CODE,…
    #[arg(long, value_delimiter = ',')]
    pub procedure: Vec<String>,
    /// The hospital is exempt from POA reporting (POA-03): skip the HAC step
    #[arg(long)]
    pub poa_exempt: bool,
    /// Also show which secondary diagnoses are CC/MCC and the DRG without each (what-if)
    #[arg(long)]
    pub what_if: bool,
    /// Base rate in dollars for the expected payment (weight x rate, DRG-06); with
    /// --encounter the `drg_base_rate` setting is used when this is not given
    #[arg(long)]
    pub base_rate: Option<f64>,
    #[arg(long, value_enum, default_value_t = GroupFormat::Table)]
    pub format: GroupFormat,
}

/// Whether this command needs the database.
pub(super) fn needs_store(a: &GroupArgs) -> bool {
    a.encounter.is_some()
}

fn sex(c: char) -> Result<Sex> {
    match c.to_ascii_uppercase() {
        'M' => Ok(Sex::Male),
        'F' => Ok(Sex::Female),
        'U' => Ok(Sex::Unknown),
        other => bail!("--sex {other}: use F, M or U"),
    }
}

fn status(s: &str, at: &str) -> Result<String> {
    let s = s.trim();
    if grouper::DISCHARGE_STATUSES.contains(&s) {
        Ok(s.to_string())
    } else {
        bail!(
            "{at} {:?}: not a UB-04 discharge status (01 home, 02 short-term hospital, 20 expired, …)",
            crate::text::sanitize_line(s)
        )
    }
}

fn from_arguments(a: &GroupArgs) -> Result<Claim> {
    let principal = a
        .principal
        .as_deref()
        .context("--principal is required without --encounter")?;
    let secondary = a
        .secondary
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            super::edits::dx(s).map(|d| SecondaryDx {
                code: d.code,
                poa: d.poa,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Claim {
        principal: principal.trim().to_string(),
        secondary,
        procedures: a
            .procedure
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.trim().to_string())
            .collect(),
        sex: sex(a.sex)?,
        discharge_status: status(
            a.discharge_status.as_deref().unwrap_or("01"),
            "--discharge-status",
        )?,
        discharge_date: a
            .discharge
            .context("--discharge is required without --encounter")?,
        poa_exempt: a.poa_exempt,
    })
}

/// A stored encounter's claim. Needs the coding permission; audited as a view (AUD-09).
fn from_encounter(store: &mut Store, id: i64, a: &GroupArgs) -> Result<Claim> {
    let actor = super::session::actor(store, None, "group")?;
    crate::accounts::authorize(store, &actor, Perm::Code, "encounter", &id.to_string())?;
    let (input, disposition) = store.transact_read(&actor, |tx, audit| -> Result<_> {
        let h = crate::coding::work::header(tx, id)?;
        let codes = crate::coding::work::read_codes(tx, id)?;
        audit.record(
            Event::new(Action::Read, Subtype::View, "coding", id)
                .patient(&h.mrn)
                .encounter(id)
                .detail(serde_json::json!({"view": "group"})),
        );
        Ok((
            crate::coding::work::edit_input(&h, &codes)?,
            h.discharge_disposition,
        ))
    })?;
    if input.kind != crate::domain::EncounterKind::Inpatient {
        bail!(
            "encounter {id} is not an inpatient stay: MS-DRGs group inpatient stays only (DRG-01)"
        );
    }
    let principal = input
        .principal
        .as_ref()
        .ok_or_else(|| anyhow!("encounter {id} has no principal diagnosis coded"))?;
    let discharge_status = match (&a.discharge_status, disposition.as_deref()) {
        (Some(s), _) => status(s, "--discharge-status")?,
        (None, Some(d)) => status(d, &format!("encounter {id} discharge disposition"))
            .context("give --discharge-status")?,
        (None, None) => {
            bail!("encounter {id} has no discharge disposition: give --discharge-status")
        }
    };
    Ok(Claim {
        principal: principal.code.clone(),
        secondary: input
            .secondary
            .iter()
            .map(|d| SecondaryDx {
                code: d.code.clone(),
                poa: d.poa,
            })
            .collect(),
        procedures: input.procedures.iter().map(|p| p.code.clone()).collect(),
        sex: sex(input.sex)?,
        discharge_status,
        discharge_date: input.discharge,
        // POA-03: a facility type exempt from POA reporting skips the HAC step.
        poa_exempt: a.poa_exempt
            || !crate::settings::get(store.conn(), crate::settings::Key::FacilityType)?
                .eq_ignore_ascii_case("IPPS"),
    })
}

/// The table view of one result.
pub fn format_table(r: &GroupResult) -> String {
    let mut s = String::new();
    let mdc = |m: Option<u8>| m.map(|m| format!("{m:02}")).unwrap_or_else(|| "--".into());
    let _ = writeln!(s, "MS-DRG v{}", r.version);
    let _ = writeln!(
        s,
        "MDC        {} {}",
        mdc(r.initial.mdc),
        r.mdc_title.as_deref().unwrap_or("")
    );
    for (label, a) in [("Initial", &r.initial), ("Final", &r.final_drg)] {
        let _ = writeln!(s, "{label:<10} DRG {:03} {}", a.drg, a.title);
        let by = a.severity_code.as_deref().unwrap_or("-");
        let _ = writeln!(
            s,
            "{:<10} severity {} (from {by}), return code: {}",
            "",
            a.severity.label(),
            a.return_code.label()
        );
    }
    let hac = match r.hac {
        grouper::HacStatus::Exempt => "POA-exempt hospital: not applied".to_string(),
        grouper::HacStatus::None => "no hospital-acquired condition".to_string(),
        grouper::HacStatus::PoaInvalid => "HAC code without a valid POA indicator".to_string(),
        st => {
            let codes: Vec<String> = r
                .hac_codes
                .iter()
                .map(|(c, n)| {
                    format!(
                        "{c} (HAC {})",
                        n.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
                    )
                })
                .collect();
            let what = if st == grouper::HacStatus::Changed {
                "DRG changed"
            } else {
                "DRG unchanged"
            };
            format!("{what}; not counted as CC/MCC: {}", codes.join(", "))
        }
    };
    let _ = writeln!(s, "HAC        {hac}");
    let num = |v: Option<f64>, p: usize| {
        v.map(|v| format!("{v:.p$}"))
            .unwrap_or_else(|| "none".into())
    };
    let _ = writeln!(
        s,
        "Weight     {} (Table 5 FY2026)  GMLOS {}  AMLOS {}",
        num(r.weight, 4),
        num(r.gmlos, 1),
        num(r.amlos, 1)
    );
    s
}

/// The what-if lines: each CC/MCC secondary and the DRG without it.
pub fn format_what_if(w: &grouper::whatif::WhatIf) -> String {
    let mut s = String::new();
    if w.without.is_empty() {
        let _ = writeln!(s, "What-if    no secondary diagnosis is a CC or MCC");
    }
    for x in &w.without {
        let gain = x
            .weight_gain
            .map(|g| format!(" (weight {g:+.4})"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "What-if    without {} ({}{}): DRG {:03} {}{gain}",
            x.code,
            x.level.label(),
            if x.decides { ", decides the DRG" } else { "" },
            x.drg,
            x.title
        );
    }
    s
}

fn line_claim(c: super::batch::LineClaim) -> Result<Claim> {
    Ok(Claim {
        // A POA on the principal (`J18.9:Y`, as edits takes it) does not change the DRG.
        principal: c
            .principal
            .as_deref()
            .map(|p| p.split(':').next().unwrap_or(p).trim().to_string())
            .context("principal is required")?,
        secondary: c
            .secondary
            .into_iter()
            .map(|(code, poa)| SecondaryDx { code, poa })
            .collect(),
        procedures: c.procedures,
        sex: sex(c.sex.unwrap_or('U'))?,
        discharge_status: status(
            c.discharge_status.as_deref().unwrap_or("01"),
            "discharge_status",
        )?,
        discharge_date: c.discharge.context("discharge (YYYY-MM-DD) is required")?,
        poa_exempt: c.poa_exempt,
    })
}

/// Streams batch claims (JSON Lines or CSV) to JSON Lines results (exit 1 if any line failed
/// or grouped to an error DRG).
fn run_batch(path: &std::path::Path, base_rate: f64) -> Result<ExitCode> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut any_error = false;
    super::batch::for_each_claim(path, |n, claim| {
        let v = match claim
            .and_then(line_claim)
            .and_then(|c| grouper::group(&c).map_err(|e| anyhow!(e)))
        {
            Ok(r) => {
                any_error |= r.final_drg.drg == 999 || r.final_drg.return_code != ReturnCode::Ok;
                let pay = grouper::whatif::expected_payment(&r, base_rate);
                serde_json::json!({"line": n, "result": r, "expected_payment": pay})
            }
            Err(e) => {
                any_error = true;
                serde_json::json!({"line": n, "error": format!("line {n}: {e:#}")})
            }
        };
        writeln!(out, "{v}")?;
        Ok(())
    })?;
    out.flush()?;
    Ok(if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) fn run(store: Option<&mut Store>, args: &GroupArgs) -> Result<ExitCode> {
    if let Some(path) = &args.input {
        return run_batch(path, args.base_rate.unwrap_or(0.0));
    }
    let mut store_rate = None;
    let claim = match (args.encounter, store) {
        (Some(id), Some(store)) => {
            let c = from_encounter(store, id, args)?;
            store_rate = Some(crate::settings::get_f64(
                store.conn(),
                crate::settings::Key::DrgBaseRate,
            )?);
            c
        }
        (Some(_), None) => bail!("--encounter needs the database"),
        (None, _) => from_arguments(args)?,
    };
    let rate = match (args.base_rate, &store_rate) {
        (Some(r), _) if !(r.is_finite() && r >= 0.0) => bail!("--base-rate {r}: not a rate"),
        (Some(r), _) => r,
        (None, Some(r)) => *r,
        (None, None) => 0.0,
    };
    let w = grouper::whatif::what_if(&claim).map_err(|e| anyhow!(e))?;
    let payment = grouper::whatif::expected_payment(&w.result, rate);
    let r = &w.result;
    match args.format {
        GroupFormat::Json => {
            let mut v = serde_json::to_value(r)?;
            v["expected_payment"] = serde_json::json!(payment);
            if args.what_if {
                v["what_if"] = serde_json::to_value(&w.without)?;
            }
            println!("{}", serde_json::to_string_pretty(&v)?)
        }
        GroupFormat::Table => {
            let mut s = format_table(r);
            if let Some(p) = payment {
                let _ = writeln!(s, "Payment    ${p:.2} expected (weight x base rate {rate})");
            }
            if args.what_if {
                s.push_str(&format_what_if(&w));
            }
            print!("{}", crate::text::sanitize(&s))
        }
    }
    Ok(
        if r.final_drg.return_code == ReturnCode::Ok && r.final_drg.drg != 999 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}
