//! Rendering of `chartdesk report …` (table, CSV, JSON). Each report is audited as a query.

use anyhow::Result;
use chrono::NaiveDate;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::cli::{LetterFormat, ReportCmd, ReportFormat};
use crate::deficiency::lifecycle::BUCKETS;
use crate::deficiency::report;
use crate::domain::Perm;
use crate::store::Store;

fn today_or(d: Option<NaiveDate>) -> NaiveDate {
    d.unwrap_or_else(|| chrono::Local::now().date_naive())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn run(store: &mut Store, actor: &Actor, cmd: ReportCmd) -> Result<String> {
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
    };
    authorize(store, actor, perm, "report", name)?;
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
                        "section,name,{},total,delinquent,delinquent_records\n",
                        BUCKETS.join(",")
                    );
                    for r in &aging {
                        s += &format!(
                            "kind,{},{},{},{},{},{},,\n",
                            r.kind, r.buckets[0], r.buckets[1], r.buckets[2], r.buckets[3], r.total
                        );
                    }
                    for p in &providers {
                        s += &format!(
                            "provider,{},,,,,{},{},{}\n",
                            csv_field(&p.provider),
                            p.open,
                            p.delinquent,
                            p.delinquent_records
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
                        "{:<36} {:>6} {:>11} {:>18}\n",
                        "PROVIDER", "OPEN", "DELINQUENT", "DELINQ. RECORDS"
                    );
                    for p in &providers {
                        let name = crate::text::sanitize_line(&p.provider);
                        s += &format!(
                            "{:<36} {:>6} {:>11} {:>18}\n",
                            name.chars().take(36).collect::<String>(),
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
        ReportCmd::Disclosures { .. } => String::new(),
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
            report::provider_letter(
                store.conn(),
                id,
                today_or(None),
                format == LetterFormat::Csv,
            )?
        }
    };
    store.transact_read(actor, |_tx, audit| {
        audit.record(
            Event::new(Action::Read, Subtype::Query, "report", name)
                .detail(json!({"bytes": out.len()})),
        );
        Ok::<_, crate::CoreError>(())
    })?;
    Ok(out)
}
