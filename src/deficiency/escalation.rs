//! Escalation by aging level (DEL-07): facility templates (table `escalation_levels`, default
//! 7, 14, 21 days, then a suspension notice at 30), the level each physician is at, the letter
//! batch for every physician at one level, and the suspension list.
//!
//! Invariants:
//! - A physician's level is the highest level whose `days` the oldest open deficiency has
//!   reached; age counts from `assigned_at`, which analysis sets at discharge (the same clock
//!   as DEL-02, DEL-03 and DEL-06).
//! - Suspension is a bylaws matter: chartdesk lists, it never suspends.
//! - Pure reads; callers audit them (the batch names every MRN it shows).

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::queue::provider_rows;
use crate::error::CoreError;
use crate::settings;

/// One facility template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    pub level: i64,
    pub days: i64,
    pub title: String,
    pub body: String,
    pub suspend: bool,
}

/// The templates in force, by level.
pub fn levels(conn: &crate::store::Reader) -> Result<Vec<Level>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT level, days, title, body, suspend FROM escalation_levels ORDER BY days, level",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Level {
                level: r.get(0)?,
                days: r.get(1)?,
                title: r.get(2)?,
                body: r.get(3)?,
                suspend: r.get::<_, i64>(4)? != 0,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A physician with open deficiencies and the level reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProviderLevel {
    pub provider_id: i64,
    pub name: String,
    pub npi: Option<String>,
    pub open: i64,
    /// Open deficiencies at least the level's days old.
    pub at_level: i64,
    pub oldest_days: i64,
    /// 0 = below the first level.
    pub level: i64,
    pub suspend: bool,
}

/// Every physician with open deficiencies and the level reached as of `today` (history
/// before the cut-over is not counted).
pub fn provider_levels(
    conn: &crate::store::Reader,
    today: NaiveDate,
) -> Result<Vec<ProviderLevel>, CoreError> {
    let lv = levels(conn)?;
    let floor = super::cutover::day_floor(conn)?;
    let mut st = conn.prepare_cached(
        "SELECT d.provider_id, trim(pr.given_name || ' ' || pr.family_name || ' ' || pr.credentials), pr.npi,
                count(*), min(substr(d.assigned_at, 1, 10))
         FROM deficiencies d JOIN providers pr ON pr.id = d.provider_id JOIN encounters e ON e.id = d.encounter_id
         WHERE d.status NOT IN ('completed','waived','void') AND e.discharge_at >= ?1
         GROUP BY d.provider_id ORDER BY pr.family_name, pr.given_name, d.provider_id",
    )?;
    let rows: Vec<(i64, String, Option<String>, i64, String)> = st
        .query_map([&floor], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, name, npi, open, oldest) in rows {
        let oldest_days = NaiveDate::parse_from_str(&oldest, "%Y-%m-%d")
            .map(|d| (today - d).num_days())
            .unwrap_or(0);
        let reached = lv
            .iter()
            .filter(|l| oldest_days >= l.days)
            .max_by_key(|l| l.days);
        let (level, suspend, days) =
            reached.map_or((0, false, i64::MAX), |l| (l.level, l.suspend, l.days));
        let cut = (today - chrono::Days::new(days.clamp(0, 100_000) as u64))
            .format("%Y-%m-%d")
            .to_string();
        let at_level: i64 = if level == 0 {
            0
        } else {
            conn.prepare_cached(
                "SELECT count(*) FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
                 WHERE d.provider_id = ?1 AND d.status NOT IN ('completed','waived','void')
                   AND substr(d.assigned_at, 1, 10) <= ?2 AND e.discharge_at >= ?3",
            )?
            .query_row(params![id, cut, floor], |r| r.get(0))?
        };
        out.push(ProviderLevel {
            provider_id: id,
            name,
            npi,
            open,
            at_level,
            oldest_days,
            level,
            suspend,
        });
    }
    Ok(out)
}

/// The physicians at a suspension level (the suspension list).
pub fn suspension_list(
    conn: &crate::store::Reader,
    today: NaiveDate,
) -> Result<Vec<ProviderLevel>, CoreError> {
    Ok(provider_levels(conn, today)?
        .into_iter()
        .filter(|p| p.suspend)
        .collect())
}

/// The letter batch for every physician at `level`: the template's paragraph with its
/// placeholders filled, then each chart and what is owed, one letter per page (form feed
/// between letters). Returns the text and the MRNs it shows.
pub fn letter_batch(
    conn: &crate::store::Reader,
    level: i64,
    today: NaiveDate,
) -> Result<(String, Vec<String>), CoreError> {
    let lv = levels(conn)?;
    let tpl = lv.iter().find(|l| l.level == level).ok_or_else(|| {
        CoreError::invalid(
            "level",
            format!(
                "no escalation level {level} (levels: {})",
                lv.iter()
                    .map(|l| l.level.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let facility = settings::get(conn, crate::settings::Key::FacilityName)?;
    let clean = |s: &str| crate::text::sanitize_line(s).into_owned();
    let mut out = String::new();
    let mut mrns = Vec::new();
    for p in provider_levels(conn, today)?
        .into_iter()
        .filter(|p| p.level == level)
    {
        if !out.is_empty() {
            out.push('\u{c}');
            out.push('\n');
        }
        let body = tpl
            .body
            .replace("\\n", "\n")
            .replace("{provider}", &clean(&p.name))
            .replace("{npi}", p.npi.as_deref().unwrap_or("unknown"))
            .replace("{facility}", &clean(&facility))
            .replace("{days}", &tpl.days.to_string())
            .replace("{count}", &p.at_level.to_string())
            .replace("{date}", &today.to_string());
        out += &format!(
            "{}\nHealth Information Management\n\n{today}\n\n{} (level {level}, {} days)\n\n{body}\n\n",
            clean(&facility),
            clean(&tpl.title),
            tpl.days
        );
        out += &format!(
            "{:<11} {:<24} {:<10} {:<11} {:<14} {:>5}  {}\n",
            "MRN", "PATIENT", "VISIT", "DISCHARGED", "DEFICIENCY", "DAYS", "DETAIL"
        );
        let mut after: Option<(String, i64)> = None;
        loop {
            let page = provider_rows(
                conn,
                p.provider_id,
                after.as_ref().map(|(a, i)| (a.as_str(), *i)),
                500,
            )?;
            let Some(last) = page.last() else { break };
            after = Some((last.0.assigned_at.clone(), last.0.id));
            for (d, mrn, patient, visit, discharged) in &page {
                let age =
                    NaiveDate::parse_from_str(d.assigned_at.get(..10).unwrap_or(""), "%Y-%m-%d")
                        .map(|a| (today - a).num_days())
                        .unwrap_or(0);
                // MISS_PN names its days compactly (the rule's note).
                let detail = if d.kind == "MISS_PN" {
                    d.note.split_once(": ").map_or("", |(_, r)| r).to_string()
                } else {
                    String::new()
                };
                out += &format!(
                    "{:<11} {:<24} {:<10} {:<11} {:<14} {:>5}  {}\n",
                    clean(mrn),
                    clean(patient).chars().take(24).collect::<String>(),
                    clean(visit),
                    discharged.get(..10).unwrap_or(""),
                    d.kind,
                    age,
                    clean(&detail)
                );
                mrns.push(mrn.clone());
            }
        }
        out += "\nThank you,\nHealth Information Management\n";
    }
    if out.is_empty() {
        out = format!(
            "No physician is at escalation level {level} ({}) on {today}.\n",
            tpl.title
        );
    }
    mrns.sort();
    mrns.dedup();
    Ok((out, mrns))
}

/// The letter batch of every level written to files, as the TUI's `W` and a mail merge want
/// them: `dir/escalation-letters-<stamp>.txt` (every level, a form feed between letters) and
/// `.pdf` (one letter per page set, through the packet renderer in [`crate::pdf`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LetterFiles {
    pub text: std::path::PathBuf,
    pub pdf: std::path::PathBuf,
    /// Letters written (physicians, over all levels).
    pub letters: usize,
    pub pages: u32,
}

/// Write the letter batches of all levels as of `today` to text and PDF under `dir`
/// (`stamp` is the caller's time label: no clock here). Needs `AnalyzeDeficiencies`; one
/// audit row (`R`/`export`, entity `escalation_letters`) names the files, the letter count and
/// every MRN printed. The files are written first, owner-only and never overwritten; if the
/// audit row cannot be recorded they are removed, so no letter file exists unaudited.
pub fn write_letter_files(
    store: &mut crate::store::Store,
    actor: &crate::audit::Actor,
    today: NaiveDate,
    dir: &std::path::Path,
    stamp: &str,
) -> Result<LetterFiles, CoreError> {
    use crate::audit::{Action, Event, Subtype};
    crate::accounts::authorize(
        store,
        actor,
        crate::domain::Perm::AnalyzeDeficiencies,
        "report",
        "escalation_letters",
    )?;
    let conn = store.conn();
    let mut text = String::new();
    // The PDF text: each letter starts a page (padded to the page length; the renderer pages
    // by line count), so the batch is one file to print.
    let mut pdf_text = String::new();
    let mut letters = 0usize;
    let mut mrns: Vec<String> = Vec::new();
    for l in levels(conn)? {
        let (batch, shown) = letter_batch(conn, l.level, today)?;
        if shown.is_empty() {
            continue;
        }
        mrns.extend(shown);
        for letter in batch.split('\u{c}') {
            let letter = letter.trim_start_matches('\n');
            if letter.trim().is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push('\u{c}');
                text.push('\n');
            }
            text += letter;
            letters += 1;
            let mut lines = 0usize;
            for page in crate::pdf::page_lines(letter) {
                for line in page {
                    pdf_text += &line;
                    pdf_text.push('\n');
                    lines += 1;
                }
            }
            let pad = (crate::pdf::LINES_PER_PAGE - lines % crate::pdf::LINES_PER_PAGE)
                % crate::pdf::LINES_PER_PAGE;
            pdf_text += &"\n".repeat(pad);
        }
    }
    if letters == 0 {
        return Err(CoreError::invalid(
            "escalation letters",
            format!("no physician is at any escalation level on {today}: nothing to write"),
        ));
    }
    mrns.sort();
    mrns.dedup();
    let facility = settings::get(conn, settings::Key::FacilityName)?;
    let pdf_stamp = crate::pdf::Stamp {
        facility: crate::text::sanitize_line(&facility).into_owned(),
        patient_name: "Physician escalation letters".into(),
        mrn: String::new(),
        birth_date: String::new(),
        request: format!("DEL-07 {today}"),
        bates_prefix: format!("{}-E", crate::pdf::default_bates_prefix(&facility)),
        confidential: false,
        created: format!("{today}T00:00:00"),
    };
    let part = crate::pdf::Part::Text {
        title: format!("Escalation letters as of {today} (DEL-07)"),
        text: pdf_text,
    };
    let pages = part.pages();
    let pdf_bytes = crate::pdf::render_all(&pdf_stamp, &[part], 1, pages)
        .map_err(|e| CoreError::invalid("escalation letters", e.to_string()))?
        .into_iter()
        .next()
        .map(|r| r.bytes)
        .unwrap_or_default();
    std::fs::create_dir_all(dir).map_err(|e| {
        CoreError::invalid(
            "escalation letters",
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let txt_path = dir.join(format!("escalation-letters-{stamp}.txt"));
    let pdf_path = dir.join(format!("escalation-letters-{stamp}.pdf"));
    let write = |p: &std::path::Path, b: &[u8]| {
        write_private(p, b).map_err(|e| {
            CoreError::invalid(
                "escalation letters",
                format!("cannot write {}: {e}", p.display()),
            )
        })
    };
    write(&txt_path, text.as_bytes())?;
    if let Err(e) = write(&pdf_path, &pdf_bytes) {
        let _ = std::fs::remove_file(&txt_path);
        return Err(e);
    }
    let files = LetterFiles {
        text: txt_path,
        pdf: pdf_path,
        letters,
        pages,
    };
    let recorded = store.transact_read(actor, |_tx, audit| {
        audit.record(
            Event::new(
                Action::Read,
                Subtype::Export,
                "report",
                "escalation_letters",
            )
            .detail(serde_json::json!({
                "rule": "DEL-07",
                "as_of": today.to_string(),
                "files": [files.text.display().to_string(), files.pdf.display().to_string()],
                "letters": files.letters,
                "pages": files.pages,
                "mrns": mrns,
            })),
        );
        Ok(())
    });
    match recorded {
        Ok(()) => Ok(files),
        Err(e) => {
            let _ = std::fs::remove_file(&files.text);
            let _ = std::fs::remove_file(&files.pdf);
            Err(e)
        }
    }
}

/// The files hold PHI: created new (never overwritten), owner-only on Unix.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)?.write_all(bytes)
}
