//! Rendering of `chartdesk report …` (table, CSV, JSON). Each report is audited as a query.

use anyhow::Result;
use chrono::NaiveDate;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::cli::{LetterFormat, ReportCmd, ReportFormat};
use crate::coding::report as coding_report;
use crate::deficiency::lifecycle::BUCKETS;
use crate::deficiency::report;
use crate::domain::Perm;
use crate::store::Store;

/// The given date, else the facility's today (the zone was read by `run`).
fn today_or(d: Option<NaiveDate>) -> NaiveDate {
    d.unwrap_or_else(|| crate::clock::facility_date(chrono::Utc::now()))
}

/// One CSV value through the shared writer (quoting, formula neutralising).
fn csv_field(s: &str) -> String {
    crate::csv_out::field(s)
}

pub fn run(store: &mut Store, actor: &Actor, cmd: ReportCmd) -> Result<String> {
    // Calendar days are facility days (clock service): read the zone once for `today_or`.
    crate::clock::facility_zone(store.conn())?;
    let (name, perm) = match &cmd {
        ReportCmd::Deficiencies { .. } => ("deficiencies", Perm::Administer),
        ReportCmd::Delinquency { .. } => ("delinquency", Perm::Administer),
        ReportCmd::Provider { .. } => ("provider_letter", Perm::AnalyzeDeficiencies),
        ReportCmd::Disclosures {
            patient,
            from,
            format,
            group_repeats,
            ..
        } => {
            return crate::cli::roi::report_disclosures(
                store,
                actor,
                patient,
                *from,
                *format,
                *group_repeats,
            );
        }
        ReportCmd::Duplicates(args) => {
            return crate::cli::mpi_report_duplicates(store, actor, args);
        }
        ReportCmd::Dnfb { .. } => ("dnfb", Perm::Administer),
        ReportCmd::Coding { .. } => ("coding", Perm::Administer),
        ReportCmd::Roi { .. } => ("roi", Perm::Administer),
        ReportCmd::DataQuality { .. } => ("data_quality", Perm::AnalyzeDeficiencies),
        ReportCmd::Letters { .. } => ("escalation_letters", Perm::AnalyzeDeficiencies),
        ReportCmd::Suspension { .. } => ("suspension_list", Perm::AnalyzeDeficiencies),
        ReportCmd::Privacy { .. } => ("privacy", Perm::Administer),
        ReportCmd::Rereview { desk, .. } if desk == "coding" => ("rereview", Perm::Code),
        ReportCmd::Rereview { .. } => ("rereview", Perm::AnalyzeDeficiencies),
    };
    authorize(store, actor, perm, "report", name)?;
    let mut shown: Option<String> = None;
    let out = match cmd {
        ReportCmd::Deficiencies { format, as_of } => {
            let today = today_or(as_of);
            let aging = report::aging_by_kind(store.conn(), today)?;
            let providers = report::by_provider(store.conn(), today)?;
            match format {
                ReportFormat::Json => {
                    serde_json::to_string_pretty(
                        &json!({"as_of": today, "by_kind_and_age": aging, "by_provider": providers}),
                    )? + "\n"
                }
                ReportFormat::Csv => {
                    let mut s = format!(
                        "section,name,{},total,delinquent,delinquent_records,npi\n",
                        BUCKETS.join(",")
                    );
                    for r in &aging {
                        s += &format!(
                            "kind,{},{},{},{},{},{},,,\n",
                            r.kind, r.buckets[0], r.buckets[1], r.buckets[2], r.buckets[3], r.total
                        );
                    }
                    for p in &providers {
                        s += &format!(
                            "provider,{},,,,,{},{},{},{}\n",
                            csv_field(&p.provider),
                            p.open,
                            p.delinquent,
                            p.delinquent_records,
                            csv_field(p.npi.as_deref().unwrap_or(""))
                        );
                    }
                    s
                }
                ReportFormat::Table => {
                    let mut s = format!(
                        "Open deficiencies by type and age (days since assignment), as of {today}\n"
                    );
                    s += &format!(
                        "{:<20} {:>7} {:>7} {:>7} {:>7} {:>7}\n",
                        "TYPE", BUCKETS[0], BUCKETS[1], BUCKETS[2], BUCKETS[3], "TOTAL"
                    );
                    let mut tot = [0i64; 5];
                    for r in &aging {
                        s += &format!(
                            "{:<20} {:>7} {:>7} {:>7} {:>7} {:>7}\n",
                            r.kind, r.buckets[0], r.buckets[1], r.buckets[2], r.buckets[3], r.total
                        );
                        for (t, v) in tot.iter_mut().zip(r.buckets.iter().chain([r.total].iter())) {
                            *t += v;
                        }
                    }
                    s += &format!(
                        "{:<20} {:>7} {:>7} {:>7} {:>7} {:>7}\n\n",
                        "ALL", tot[0], tot[1], tot[2], tot[3], tot[4]
                    );
                    s += &format!(
                        "{:<30} {:<10} {:>5} {:>10} {:>11}\n",
                        "PROVIDER", "NPI", "OPEN", "DELINQUENT", "DEL.RECORDS"
                    );
                    for p in &providers {
                        let name = crate::text::sanitize_line(&p.provider);
                        s += &format!(
                            "{:<30} {:<10} {:>5} {:>10} {:>11}\n",
                            name.chars().take(30).collect::<String>(),
                            p.npi.as_deref().unwrap_or("-"),
                            p.open,
                            p.delinquent,
                            p.delinquent_records
                        );
                    }
                    s
                }
            }
        }
        ReportCmd::Delinquency { format, as_of } => {
            let today = today_or(as_of);
            let r = report::delinquency(store.conn(), today)?;
            match format {
                ReportFormat::Json => {
                    serde_json::to_string_pretty(&json!({"as_of": today, "delinquency": r}))? + "\n"
                }
                ReportFormat::Csv => format!(
                    "as_of,delinquent_records,discharges,months,average_monthly_discharges,rate_percent,alert_percent,alert\n{today},{},{},{},{:.2},{},{},{}\n",
                    r.delinquent_records,
                    r.discharges_in_period,
                    r.months,
                    r.average_monthly_discharges,
                    r.rate_percent
                        .map(|v| format!("{v:.2}"))
                        .unwrap_or_default(),
                    r.alert_percent,
                    r.alert
                ),
                ReportFormat::Table => format!(
                    "Delinquency rate (DEL-04) as of {today}\n  delinquent records (DEL-03)          {}\n  discharges in the previous {} months  {}\n  average monthly discharges           {:.1}\n  delinquency rate                     {}\n  alert threshold (DEL-05)             {:.0} %{}\n",
                    r.delinquent_records,
                    r.months,
                    r.discharges_in_period,
                    r.average_monthly_discharges,
                    r.rate_percent
                        .map(|v| format!("{v:.1} %"))
                        .unwrap_or_else(|| "n/a (no discharges)".into()),
                    r.alert_percent,
                    if r.alert { "  — ALERT" } else { "" }
                ),
            }
        }
        // Answered above, before the permission check of department reports.
        ReportCmd::Disclosures { .. } | ReportCmd::Duplicates(_) => String::new(),
        ReportCmd::Dnfb { format, as_of } => {
            dnfb_text(&coding_report::dnfb(store.conn(), today_or(as_of))?, format)?
        }
        ReportCmd::Coding { format, from, to } => {
            let to = today_or(to);
            let from = from.unwrap_or(to - chrono::Duration::days(30));
            if from > to {
                anyhow::bail!("--from {from} is after --to {to}");
            }
            let (policy, held) = coding_report::held_reasons(store.conn())?;
            let t = coding_report::throughput(store.conn(), from, to)?;
            coding_text(policy.as_str(), &held, &t, format)?
        }
        ReportCmd::Roi { format, from, to } => {
            let today = crate::roi::request::today(store);
            let to = to.unwrap_or(today);
            let from = from.unwrap_or(to - chrono::Duration::days(30));
            let m = crate::roi::report::roi_metrics(store.conn(), from, to, today.min(to))?;
            match format {
                ReportFormat::Json => serde_json::to_string_pretty(&m)? + "\n",
                ReportFormat::Csv => crate::roi::report::format_csv(&m),
                ReportFormat::Table => crate::roi::report::format_table(&m),
            }
        }
        ReportCmd::DataQuality { rule, format } => {
            let (text, mrns) =
                crate::report_desk::data_quality(store.conn(), rule.as_deref(), format)?;
            shown = Some(mrns);
            text
        }
        ReportCmd::Letters { level, as_of } => {
            let (text, mrns) = crate::report_desk::letters(store.conn(), level, today_or(as_of))?;
            shown = Some(mrns);
            text
        }
        ReportCmd::Suspension { format, as_of } => {
            crate::report_desk::suspension(store.conn(), today_or(as_of), format)?
        }
        ReportCmd::Privacy { from, to, format } => {
            let to = today_or(to);
            let from = from.unwrap_or(to - chrono::Duration::days(30));
            let (text, mrns) = crate::report_desk::privacy(store.conn(), from, to, format)?;
            shown = Some(mrns);
            text
        }
        ReportCmd::Rereview { desk, format } => {
            let (text, mrns) = crate::report_desk::rereview(store.conn(), &desk, format)?;
            shown = Some(mrns);
            text
        }
        ReportCmd::Provider { provider, format } => {
            let id: i64 = match provider.parse::<i64>() {
                Ok(id) if provider.len() != 10 => id,
                _ => store
                    .conn()
                    .query_row(
                        "SELECT id FROM providers WHERE npi = ?1",
                        [&provider],
                        |r| r.get(0),
                    )
                    .map_err(|_| anyhow::anyhow!("no provider with id or NPI {provider}"))?,
            };
            let letter = report::provider_letter(
                store.conn(),
                id,
                today_or(None),
                format == LetterFormat::Csv,
            )?;
            // The letter lists patients: its audit row names every MRN shown (AUD-11).
            let mut stmt = store.conn().prepare(
                "SELECT p.mrn FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
                   JOIN patients p ON p.id = e.patient_id
                  WHERE d.provider_id = ?1 AND d.status NOT IN ('completed','waived','void')
                  ORDER BY d.assigned_at, d.id",
            )?;
            let mrns: Vec<String> = stmt
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            shown = Some(crate::audit::mrn_list(mrns.iter().map(String::as_str)));
            letter
        }
    };
    store.transact_read(actor, |_tx, audit| {
        let mut detail = json!({"bytes": out.len()});
        if let Some(m) = &shown {
            detail["mrns"] = json!(m);
        }
        audit.record(Event::new(Action::Read, Subtype::Query, "report", name).detail(detail));
        Ok::<_, crate::CoreError>(())
    })?;
    Ok(out)
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// DNFB/DNFC (DOMAIN §1 definitions, §7 metrics).
fn dnfb_text(r: &coding_report::Dnfb, format: ReportFormat) -> Result<String> {
    Ok(match format {
        ReportFormat::Json => serde_json::to_string_pretty(r)? + "\n",
        ReportFormat::Csv => {
            let mut s =
                String::from("section,coding_status,count,average_days,max_days,median_days\n");
            s += &format!("dnfb,,{},{:.2},,\n", r.dnfb_count, r.dnfb_average_days);
            s += &format!("dnfc,,{},{:.2},,\n", r.dnfc_count, r.dnfc_average_days);
            s += &format!(
                "discharge_to_coded,,{},{},,{}\n",
                r.turnaround.coded,
                opt(r.turnaround.mean_days),
                opt(r.turnaround.median_days)
            );
            for b in &r.by_status {
                s += &format!(
                    "status,{},{},{:.2},{},\n",
                    b.coding_status, b.count, b.average_days, b.max_days
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!("Discharged, not final billed (DNFB) as of {}\n", r.as_of);
            s += &format!(
                "  DNFB encounters                 {:>8}   average {:.1} days since discharge\n",
                r.dnfb_count, r.dnfb_average_days
            );
            s += &format!(
                "  DNFC (not final coded)          {:>8}   average {:.1} days; {} older than {} days (dnfc_target_days, COD-22)\n\n",
                r.dnfc_count, r.dnfc_average_days, r.dnfc_over_target, r.dnfc_target_days
            );
            let t = &r.turnaround;
            s.pop();
            s += &format!(
                "  discharge → coded, {} .. {}: {} encounters, mean {} days, median {} days\n\n",
                t.from,
                t.to,
                t.coded,
                t.mean_days.map_or("-".into(), |v| format!("{v:.1}")),
                t.median_days.map_or("-".into(), |v| format!("{v:.1}"))
            );
            s += &format!(
                "{:<16} {:>8} {:>10} {:>9}\n",
                "CODING STATUS", "COUNT", "AVG DAYS", "MAX DAYS"
            );
            for b in &r.by_status {
                s += &format!(
                    "{:<16} {:>8} {:>10.1} {:>9}\n",
                    b.coding_status, b.count, b.average_days, b.max_days
                );
            }
            s
        }
    })
}

/// Held-for-documentation reasons and coder throughput (DOMAIN §7, COD-20, COD-22).
fn coding_text(
    policy: &str,
    held: &[coding_report::HeldReason],
    t: &coding_report::Throughput,
    format: ReportFormat,
) -> Result<String> {
    Ok(match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(
                &json!({"hold_policy": policy, "held_for_documentation": held, "throughput": t}),
            )? + "\n"
        }
        ReportFormat::Csv => {
            let mut s = String::from(
                "section,name,rule,encounters,inpatient,outpatient,hours_worked,per_hour,inpatient_per_hour,outpatient_per_hour,edits_fired,edits_acknowledged,edits_per_encounter,error_edits,error_edits_per_encounter\n",
            );
            for h in held {
                s += &format!(
                    "held,{},{},{},,,,,,,,,,,\n",
                    h.kind,
                    csv_field(&h.rule),
                    h.encounters
                );
            }
            for c in &t.coders {
                s += &format!(
                    "coder,{},,{},{},{},{:.2},{},{},{},{},{},{:.2},{},{:.2}\n",
                    csv_field(&c.coder),
                    c.encounters,
                    c.inpatient,
                    c.outpatient,
                    c.hours_worked,
                    opt(c.per_hour),
                    opt(c.inpatient_per_hour),
                    opt(c.outpatient_per_hour),
                    c.edits_fired,
                    c.edits_acknowledged,
                    c.edits_per_encounter,
                    c.error_edits,
                    c.error_edits_per_encounter
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!("Held for documentation (COD-20, coding_hold_policy = {policy})\n");
            s += &format!("{:<20} {:<10} {:>10}\n", "DEFICIENCY", "RULE", "ENCOUNTERS");
            for h in held {
                s += &format!(
                    "{:<20} {:<10} {:>10}\n",
                    h.kind,
                    crate::text::sanitize_line(&h.rule),
                    h.encounters
                );
            }
            if held.is_empty() {
                s += "(none)\n";
            }
            s += &format!(
                "\nCoder throughput {} .. {} (targets: inpatient {:.1}/h, outpatient {:.1}/h, COD-22)\n",
                t.from, t.to, t.target_ip_per_hour, t.target_op_per_hour
            );
            s += &format!(
                "{:<24} {:>6} {:>5} {:>5} {:>7} {:>7} {:>7} {:>7} {:>9} {:>9}\n",
                "CODER",
                "CODED",
                "IP",
                "OP",
                "HOURS",
                "PER H",
                "IP/H",
                "OP/H",
                "WARN/ENC",
                "ERROR/ENC"
            );
            for c in &t.coders {
                s += &format!(
                    "{:<24} {:>6} {:>5} {:>5} {:>7.2} {:>7} {:>7} {:>7} {:>9.2} {:>9.2}\n",
                    crate::text::sanitize_line(&c.coder)
                        .chars()
                        .take(24)
                        .collect::<String>(),
                    c.encounters,
                    c.inpatient,
                    c.outpatient,
                    c.hours_worked,
                    opt(c.per_hour),
                    opt(c.inpatient_per_hour),
                    opt(c.outpatient_per_hour),
                    c.edits_per_encounter,
                    c.error_edits_per_encounter
                );
            }
            if t.coders.is_empty() {
                s += "(no completed coding in the period)\n";
            }
            s
        }
    })
}
