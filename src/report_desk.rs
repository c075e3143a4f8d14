//! Rendering of the desk reports added for issue #13 (`chartdesk report data-quality |
//! letters | suspension | privacy | rereview`): table, CSV or JSON. Each returns its text and
//! the MRNs it shows, so the caller's audit row names them (AUD-11).

use crate::store::Reader;
use anyhow::Result;
use chrono::NaiveDate;
use serde_json::json;

use crate::cli::ReportFormat;
use crate::csv_out::field;
use crate::deficiency::{cutover, escalation, rereview};
use crate::text::sanitize_line;

fn mrns<'a>(it: impl IntoIterator<Item = &'a str>) -> String {
    crate::audit::mrn_list(it)
}

/// The data-quality list by rule, with the history count before the cut-over.
pub fn data_quality(
    conn: &Reader,
    rule: Option<&str>,
    format: ReportFormat,
) -> Result<(String, String)> {
    let rows = cutover::data_quality_list(conn, rule)?;
    let history = cutover::history_count(conn)?;
    let floor = cutover::day_floor(conn)?;
    let shown = mrns(rows.iter().map(|r| r.mrn.as_str()));
    let text = match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(
                &json!({"cutover": floor, "history_encounters": history, "implausible": rows}),
            )? + "\n"
        }
        ReportFormat::Csv => {
            let mut s =
                String::from("rule,encounter_id,visit,mrn,type,admit,discharge,detail,found\n");
            for r in &rows {
                s += &format!(
                    "{},{},{},{},{},{},{},{},{}\n",
                    field(&r.rule),
                    r.encounter_id,
                    field(&r.visit_number),
                    field(&r.mrn),
                    field(&r.kind),
                    field(&r.admit_at),
                    field(r.discharge_at.as_deref().unwrap_or("")),
                    field(&r.detail),
                    field(&r.found_at)
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = if floor.is_empty() {
                String::from(
                    "No cut-over date (setting analysis_cutover_date): every discharge is analysed.\n",
                )
            } else {
                format!(
                    "Cut-over {floor}: {history} encounter(s) discharged before it are kept as history, not analysed.\n"
                )
            };
            s += &format!(
                "Implausible encounters kept out of analysis: {}\n",
                rows.len()
            );
            let mut last = "";
            for r in &rows {
                if r.rule != last {
                    s += &format!("\n{}\n", r.rule);
                    last = &r.rule;
                }
                s += &format!(
                    "  {:<12} {:<11} {:<11} {}\n",
                    sanitize_line(&r.visit_number),
                    sanitize_line(&r.mrn),
                    r.kind,
                    sanitize_line(&r.detail)
                );
            }
            s
        }
    };
    Ok((text, shown))
}

/// The escalation letter batch for one level (text; letters separated by form feeds).
pub fn letters(conn: &Reader, level: i64, today: NaiveDate) -> Result<(String, String)> {
    let (text, list) = escalation::letter_batch(conn, level, today)?;
    Ok((text, mrns(list.iter().map(String::as_str))))
}

/// The physician suspension list (DEL-07: a list; suspension itself is a bylaws matter).
pub fn suspension(conn: &Reader, today: NaiveDate, format: ReportFormat) -> Result<String> {
    let rows = escalation::suspension_list(conn, today)?;
    Ok(match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&json!({"as_of": today, "suspension_list": rows}))? + "\n"
        }
        ReportFormat::Csv => {
            let mut s = String::from("provider,npi,open,at_level,oldest_days,level\n");
            for r in &rows {
                s += &format!(
                    "{},{},{},{},{},{}\n",
                    field(&r.name),
                    field(r.npi.as_deref().unwrap_or("")),
                    r.open,
                    r.at_level,
                    r.oldest_days,
                    r.level
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!(
                "Physician suspension list as of {today} ({} physician(s))\n",
                rows.len()
            );
            s += &format!(
                "{:<32} {:<10} {:>6} {:>9} {:>7}\n",
                "PHYSICIAN", "NPI", "OPEN", "AT LEVEL", "OLDEST"
            );
            for r in &rows {
                s += &format!(
                    "{:<32} {:<10} {:>6} {:>9} {:>7}\n",
                    sanitize_line(&r.name).chars().take(32).collect::<String>(),
                    r.npi.as_deref().unwrap_or("-"),
                    r.open,
                    r.at_level,
                    r.oldest_days
                );
            }
            s
        }
    })
}

/// Break-the-glass opens of sensitive documents between two days.
pub fn privacy(
    conn: &Reader,
    from: NaiveDate,
    to: NaiveDate,
    format: ReportFormat,
) -> Result<(String, String)> {
    let rows = crate::break_glass::opens(conn, from, to)?;
    let shown = mrns(rows.iter().map(|r| r.mrn.as_str()));
    let text = match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&json!({"from": from, "to": to, "opens": rows}))? + "\n"
        }
        ReportFormat::Csv => {
            let mut s = String::from("opened_at,user,role,mrn,document,labels,purpose,reason\n");
            for r in &rows {
                s += &format!(
                    "{},{},{},{},{},{},{},{}\n",
                    field(&r.opened_at),
                    field(&r.username),
                    field(&r.role),
                    field(&r.mrn),
                    r.document_id,
                    field(&r.labels),
                    field(&r.purpose),
                    field(&r.reason)
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!(
                "Break-the-glass opens of sensitive documents, {from} to {to}: {}\n",
                rows.len()
            );
            for r in &rows {
                s += &format!(
                    "{} {:<12} {:<10} {:<11} doc {:<6} {:<20} {:<8} {}\n",
                    r.opened_at,
                    sanitize_line(&r.username),
                    r.role,
                    sanitize_line(&r.mrn),
                    r.document_id,
                    sanitize_line(&r.labels),
                    r.purpose,
                    sanitize_line(&r.reason)
                );
            }
            s
        }
    };
    Ok((text, shown))
}

/// Open re-review flags of one desk.
pub fn rereview(conn: &Reader, desk: &str, format: ReportFormat) -> Result<(String, String)> {
    let rows = rereview::open_flags(conn, desk)?;
    let shown = mrns(rows.iter().map(|r| r.mrn.as_str()));
    let text = match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&json!({"desk": desk, "flags": rows}))? + "\n"
        }
        ReportFormat::Csv => {
            let mut s = String::from(
                "flag,encounter_id,visit,mrn,document_id,document,reason,flagged_at\n",
            );
            for r in &rows {
                s += &format!(
                    "{},{},{},{},{},{},{},{}\n",
                    r.id,
                    r.encounter_id,
                    field(&r.visit_number),
                    field(&r.mrn),
                    r.document_id,
                    field(&r.document),
                    field(&r.reason),
                    field(&r.flagged_at)
                );
            }
            s
        }
        ReportFormat::Table => {
            let mut s = format!("Encounters flagged for {desk} re-review: {}\n", rows.len());
            for r in &rows {
                s += &format!(
                    "#{:<5} {:<12} {:<11} {}  ({})\n",
                    r.id,
                    sanitize_line(&r.visit_number),
                    sanitize_line(&r.mrn),
                    sanitize_line(&r.reason),
                    r.flagged_at
                );
            }
            s
        }
    };
    Ok((text, shown))
}
