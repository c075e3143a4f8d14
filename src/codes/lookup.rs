//! `chartdesk codes show E11.65`: one code with everything a coder needs beside it.
//!
//! Invariants: notes are collected up the hierarchy (the code, each parent, the block, the
//! chapter — ICD-10-CM notes apply to all descendants) and listed nearest first; the 7th-
//! character rule is the nearest one in scope; POA exemption is `None` (unknown) when the
//! site has loaded no POA-exempt list for the fiscal year.

use std::fmt::Write as _;

use crate::store::Reader;
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::{
    CodeSetId, CodeSystem, code_set_for, code_set_of_year, latest_code_set, mce_flag_meaning,
};
use crate::error::CoreError;

/// Where a note came from, relative to the code shown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum NoteSource {
    /// The code itself or one of its parents (dotted code).
    Code(String),
    /// The tabular block, e.g. `E08-E13`.
    Block(String),
    /// The chapter number.
    Chapter(String),
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AppliedNote {
    pub source: NoteSource,
    /// inclusion_term, includes, excludes1, excludes2, code_first, use_additional, code_also,
    /// note, seventh_char_note, seventh_char_def_note.
    pub kind: String,
    pub text: String,
    pub refs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CodeDetail {
    pub system: CodeSystem,
    pub fiscal_year: i32,
    pub code: String,
    pub dotted: String,
    pub billable: bool,
    /// Empty when the registry data has none (display the long title).
    pub short_title: String,
    /// Empty for the ICD-10-PCS codes that have no registry title.
    pub long_title: String,
    /// Parents from the category down to the direct parent: (dotted code, long title).
    pub parents: Vec<(String, String)>,
    /// (block id, title) and (chapter number, title) for ICD-10-CM.
    pub block: Option<(String, String)>,
    pub chapter: Option<(String, String)>,
    pub notes: Vec<AppliedNote>,
    /// The 7th-character rule in scope: (dotted code carrying it, [(char, meaning)]).
    pub seventh_char: Option<(String, Vec<(String, String)>)>,
    pub mce_flags: Vec<String>,
    pub poa_exempt: Option<bool>,
}

/// Look a code up (with or without the dot) in the newest loaded fiscal year, ICD-10-CM first
/// then ICD-10-PCS. `Ok(None)` when it is in neither.
pub fn show(conn: &Reader, code: &str) -> Result<Option<CodeDetail>, CoreError> {
    for system in [CodeSystem::Icd10Cm, CodeSystem::Icd10Pcs] {
        if let Some((set, year)) = latest_code_set(conn, system)?
            && let Some(d) = detail(conn, system, set, year, code)?
        {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

/// Like [`show`], in the code sets in effect on `date` (COD-01).
pub fn show_on(
    conn: &Reader,
    code: &str,
    date: NaiveDate,
) -> Result<Option<CodeDetail>, CoreError> {
    let year = super::fiscal_year_of(date);
    for system in [CodeSystem::Icd10Cm, CodeSystem::Icd10Pcs] {
        if let Some(set) = code_set_for(conn, system, date)
            && let Some(d) = detail(conn, system, set, year, code)?
        {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

fn normalize(code: &str) -> String {
    code.trim().replace('.', "").to_ascii_uppercase()
}

fn detail(
    conn: &Reader,
    system: CodeSystem,
    set: CodeSetId,
    year: i32,
    code: &str,
) -> Result<Option<CodeDetail>, CoreError> {
    let code = normalize(code);
    let row = conn
        .query_row(
            "SELECT billable, short_title, long_title, block FROM codes WHERE code_set_id = ?1 AND code = ?2",
            params![set.0, code],
            |r| Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
        )
        .optional()?;
    let Some((billable, short_title, long_title, block_id)) = row else {
        return Ok(None);
    };
    let mut d = CodeDetail {
        system,
        fiscal_year: year,
        dotted: system.dotted(&code),
        code: code.clone(),
        billable,
        short_title,
        long_title,
        parents: Vec::new(),
        block: None,
        chapter: None,
        notes: Vec::new(),
        seventh_char: None,
        mce_flags: Vec::new(),
        poa_exempt: None,
    };
    if system == CodeSystem::Icd10Cm {
        cm_context(conn, set, &mut d, &block_id)?;
        let has_list: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM poa_exempt WHERE code_set_id = ?1)",
            [set.0],
            |r| r.get(0),
        )?;
        if has_list {
            d.poa_exempt = Some(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM poa_exempt WHERE code_set_id = ?1 AND code = ?2)",
                params![set.0, code],
                |r| r.get(0),
            )?);
        }
    }
    if let Some(mce) = code_set_of_year(conn, CodeSystem::Mce, year)? {
        let sys = if system == CodeSystem::Icd10Cm {
            "dx"
        } else {
            "pcs"
        };
        let mut st = conn.prepare_cached(
            "SELECT flag FROM mce_flags WHERE code_set_id = ?1 AND system = ?2 AND code = ?3 ORDER BY flag",
        )?;
        d.mce_flags = st
            .query_map(params![mce.0, sys, code], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(Some(d))
}

/// Parents, block, chapter, notes and the 7th-character rule of an ICD-10-CM code.
fn cm_context(
    conn: &Reader,
    set: CodeSetId,
    d: &mut CodeDetail,
    block_id: &str,
) -> Result<(), CoreError> {
    let mut title =
        conn.prepare_cached("SELECT long_title FROM codes WHERE code_set_id = ?1 AND code = ?2")?;
    // Chain from the code up: every shorter prefix that is itself a code (a prefix ending in
    // the placeholder X is not one, and is simply not found).
    let mut chain = vec![d.code.clone()];
    for len in (3..d.code.len()).rev() {
        let p = &d.code[..len];
        if let Some(t) = title
            .query_row(params![set.0, p], |r| r.get::<_, String>(0))
            .optional()?
        {
            d.parents.insert(0, (CodeSystem::Icd10Cm.dotted(p), t));
            chain.push(p.to_string());
        }
    }
    let group = |level: &str, id: &str| -> rusqlite::Result<Option<(String, String)>> {
        conn.query_row(
            "SELECT chapter, title FROM code_groups WHERE code_set_id = ?1 AND level = ?2 AND id = ?3",
            params![set.0, level, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
    };
    if let Some((chapter, block_title)) = group("block", block_id)? {
        d.block = Some((block_id.to_string(), block_title));
        if let Some((_, ch_title)) = group("chapter", &chapter)? {
            d.chapter = Some((chapter, ch_title));
        }
    }
    let mut notes = conn.prepare_cached(
        "SELECT kind, text, refs FROM code_notes WHERE code_set_id = ?1 AND scope = ?2 AND code = ?3 ORDER BY seq",
    )?;
    let mut scopes: Vec<(&str, String, NoteSource)> = chain
        .iter()
        .map(|c| {
            (
                "code",
                c.clone(),
                NoteSource::Code(CodeSystem::Icd10Cm.dotted(c)),
            )
        })
        .collect();
    if let Some((b, _)) = &d.block {
        scopes.push(("block", b.clone(), NoteSource::Block(b.clone())));
    }
    if let Some((c, _)) = &d.chapter {
        scopes.push(("chapter", c.clone(), NoteSource::Chapter(c.clone())));
    }
    for (scope, key, source) in scopes {
        let rows = notes
            .query_map(params![set.0, scope, key], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut seventh = Vec::new();
        for (kind, text, refs) in rows {
            if kind == "seventh_char_def" {
                let (c, meaning) = text.split_once('=').unwrap_or((text.as_str(), ""));
                seventh.push((c.to_string(), meaning.to_string()));
                continue;
            }
            d.notes.push(AppliedNote {
                source: source.clone(),
                kind,
                text,
                refs: refs
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
        if d.seventh_char.is_none() && !seventh.is_empty() {
            let NoteSource::Code(from) = &source else {
                continue;
            };
            d.seventh_char = Some((from.clone(), seventh));
        }
    }
    Ok(())
}

fn kind_label(kind: &str) -> &str {
    match kind {
        "inclusion_term" => "Inclusion term",
        "includes" => "Includes",
        "excludes1" => "Excludes1",
        "excludes2" => "Excludes2",
        "code_first" => "Code first",
        "use_additional" => "Use additional code",
        "code_also" => "Code also",
        "note" => "Note",
        "seventh_char_note" => "7th character note",
        "seventh_char_def_note" => "7th character note",
        other => other,
    }
}

/// The text printed by `chartdesk codes show`.
pub fn format_detail(d: &CodeDetail) -> String {
    let mut s = String::new();
    let status = if d.billable {
        "billable"
    } else {
        "header (not billable: pick a more specific code)"
    };
    let _ = writeln!(
        s,
        "{} {}  FY{}  {}",
        d.system, d.dotted, d.fiscal_year, status
    );
    if d.long_title.is_empty() {
        let _ = writeln!(s, "  (no title in the registry data)");
    } else {
        let _ = writeln!(s, "  {}", d.long_title);
    }
    if !d.short_title.is_empty() && d.short_title != d.long_title {
        let _ = writeln!(s, "  short: {}", d.short_title);
    }
    if let Some((id, t)) = &d.chapter {
        let _ = writeln!(s, "  chapter {id}: {t}");
    }
    if let Some((id, t)) = &d.block {
        let _ = writeln!(s, "  block {id}: {t}");
    }
    for (c, t) in &d.parents {
        let _ = writeln!(s, "  parent {c}: {t}");
    }
    if let Some((from, chars)) = &d.seventh_char {
        let _ = writeln!(
            s,
            "7th character (rule at {from}; pad with X to 6 characters):"
        );
        for (c, m) in chars {
            let mark = if d.code.len() == 7 && d.code.ends_with(c.as_str()) {
                "*"
            } else {
                " "
            };
            let _ = writeln!(s, " {mark}{c}  {m}");
        }
    }
    let mut last: Option<&NoteSource> = None;
    for n in &d.notes {
        if last != Some(&n.source) {
            let from = match &n.source {
                NoteSource::Code(c) if *c == d.dotted => "this code".to_string(),
                NoteSource::Code(c) => c.clone(),
                NoteSource::Block(b) => format!("block {b}"),
                NoteSource::Chapter(c) => format!("chapter {c}"),
            };
            let _ = writeln!(s, "Notes from {from}:");
            last = Some(&n.source);
        }
        let _ = writeln!(s, "  {}: {}", kind_label(&n.kind), n.text);
    }
    if d.mce_flags.is_empty() {
        let _ = writeln!(s, "MCE: no edits flag this code");
    } else {
        for f in &d.mce_flags {
            let m = mce_flag_meaning(f);
            let _ = writeln!(s, "MCE: {f}{}{m}", if m.is_empty() { "" } else { " - " });
        }
    }
    if d.system == CodeSystem::Icd10Cm {
        let poa = match d.poa_exempt {
            Some(true) => "exempt (report blank)",
            Some(false) => "required",
            None => "unknown (no POA-exempt list loaded for this fiscal year)",
        };
        let _ = writeln!(s, "POA: {poa}");
    }
    s
}
