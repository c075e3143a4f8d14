//! Writing a release's rows: staging them in audited batches of STAGE_ROWS into a set created
//! invisible, removing what a failed or crashed load staged, and the per-set inserts (codes, short
//! titles, POA-exempt list) with their summaries and audit events.

use super::*;

/// Write `rows` of the staged set `id` into `table`, [`STAGE_ROWS`] per audited transaction,
/// pausing between them so a waiting user's action gets the lock.
fn stage<T>(
    store: &mut Store,
    actor: &Actor,
    id: CodeSetId,
    table: &str,
    rows: &[T],
    write: impl Fn(&Tx<'_>, usize, &[T]) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    for (k, chunk) in rows.chunks(STAGE_ROWS).enumerate() {
        let from = k * STAGE_ROWS;
        store.transact(actor, |tx, audit| {
            write(tx, from, chunk)?;
            audit.record(
                Event::new(Action::Create, Subtype::Create, "code_set_load", id.0)
                    .reason("code-set load in progress: rows staged, not visible until complete")
                    .detail(json!({"table": table, "from_row": from, "rows": chunk.len()})),
            );
            Ok::<_, CoreError>(())
        })?;
        std::thread::sleep(crate::store::WRITER_PAUSE);
    }
    Ok(())
}

pub(super) fn stage_rows(
    store: &mut Store,
    actor: &Actor,
    rel: &Release,
    id_of: &dyn Fn(CodeSystem) -> Option<CodeSetId>,
) -> Result<(), CoreError> {
    if let (Some(cm), Some(id)) = (&rel.cm, id_of(CodeSystem::Icd10Cm)) {
        stage(store, actor, id, "codes", &cm.codes, |tx, _, rows| {
            insert_codes(tx, id, rows)
        })?;
        stage(
            store,
            actor,
            id,
            "code_groups",
            &cm.groups,
            |tx, _, rows| {
                let mut g = tx.prepare_cached(
                "INSERT INTO code_groups(code_set_id, level, id, chapter, title) VALUES (?1,?2,?3,?4,?5)",
            )?;
                for [level, gid, chapter, title] in rows {
                    g.execute(params![id.0, level, gid, chapter, title])?;
                }
                Ok(())
            },
        )?;
        stage(
            store,
            actor,
            id,
            "code_notes",
            &cm.notes,
            |tx, from, rows| {
                let mut n = tx.prepare_cached(
                    "INSERT INTO code_notes(code_set_id, scope, code, seq, kind, text, refs)
                 VALUES (?1,?2,?3,?4,?5,?6,?7)",
                )?;
                for (i, [scope, code, kind, text, refs]) in rows.iter().enumerate() {
                    let seq = (from + i) as i64;
                    n.execute(params![id.0, scope, code, seq, kind, text, refs])?;
                }
                Ok(())
            },
        )?;
    }
    if let (Some(pcs), Some(id)) = (&rel.pcs, id_of(CodeSystem::Icd10Pcs)) {
        stage(store, actor, id, "codes", pcs, |tx, _, rows| {
            insert_codes(tx, id, rows)
        })?;
    }
    if let (Some(mce), Some(id)) = (&rel.mce, id_of(CodeSystem::Mce)) {
        stage(store, actor, id, "mce_flags", &mce.flags, |tx, _, rows| {
            let mut f = tx.prepare_cached(
                "INSERT INTO mce_flags(code_set_id, system, code, flag) VALUES (?1,?2,?3,?4)",
            )?;
            for (system, code, flag) in rows {
                f.execute(params![id.0, system, code, flag])?;
            }
            Ok(())
        })?;
        stage(
            store,
            actor,
            id,
            "mce_age_ranges",
            &mce.ages,
            |tx, _, rows| {
                let mut a = tx.prepare_cached(
                "INSERT INTO mce_age_ranges(code_set_id, age_group, min_age, max_age) VALUES (?1,?2,?3,?4)",
            )?;
                for (group, lo, hi) in rows {
                    a.execute(params![id.0, group, lo, hi])?;
                }
                Ok(())
            },
        )?;
    }
    Ok(())
}

/// Remove the staged (never made visible) sets of `systems` for `year`, left by a failed or
/// interrupted load: their rows in short audited transactions, then the set rows.
pub(super) fn remove_staged(
    store: &mut Store,
    actor: &Actor,
    systems: &[CodeSystem],
    year: i32,
) -> Result<(), CoreError> {
    for &system in systems {
        let staged: Option<i64> = store
            .conn()
            .query_row(
                "SELECT id FROM code_sets WHERE system = ?1 AND fiscal_year = ?2 AND ready = 0",
                params![system.as_str(), year],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = staged else { continue };
        for (table, key) in SET_TABLES {
            loop {
                let any: bool = store.conn().query_row(
                    &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE code_set_id = ?1)"),
                    [id],
                    |r| r.get(0),
                )?;
                if !any {
                    break;
                }
                store.transact(actor, |tx, audit| {
                    let n = tx.execute(
                        &format!(
                            "DELETE FROM {table} WHERE code_set_id = ?1 AND ({key}) IN
                               (SELECT {key} FROM {table} WHERE code_set_id = ?1 LIMIT {STAGE_ROWS})"
                        ),
                        [id],
                    )?;
                    audit.record(
                        Event::new(Action::Delete, Subtype::Delete, "code_set_load", id)
                            .reason("removing the rows of an unfinished code-set load (never visible)")
                            .detail(json!({"table": table, "rows": n})),
                    );
                    Ok::<_, CoreError>(())
                })?;
                std::thread::sleep(crate::store::WRITER_PAUSE);
            }
        }
        store.transact(actor, |tx, audit| {
            tx.execute("DELETE FROM code_sets WHERE id = ?1 AND ready = 0", [id])?;
            audit.record(
                Event::new(Action::Delete, Subtype::Delete, "code_set_load", id)
                    .reason("removing an unfinished code-set load (never visible)")
                    .detail(json!({"system": system.as_str(), "fiscal_year": year})),
            );
            Ok::<_, CoreError>(())
        })?;
    }
    Ok(())
}

pub(super) fn new_set(
    tx: &Tx<'_>,
    system: CodeSystem,
    year: i32,
    source: &str,
    now: &str,
) -> Result<CodeSetId, CoreError> {
    if code_set_of_year(tx, system, year)?.is_some() {
        return Err(already_loaded(system, year));
    }
    let (from, to) = fiscal_year_bounds(year)
        .ok_or_else(|| CoreError::invalid("fiscal year", format!("{year} is out of range")))?;
    tx.execute(
        "INSERT INTO code_sets(system, fiscal_year, effective_from, effective_to, source, loaded_at, ready)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
        params![system.as_str(), year, from.to_string(), to.to_string(), source, now],
    )?;
    Ok(CodeSetId(tx.last_insert_rowid()))
}

pub(super) fn insert_codes(tx: &Tx<'_>, id: CodeSetId, rows: &[CodeRow]) -> Result<(), CoreError> {
    let mut st = tx.prepare_cached(
        "INSERT INTO codes(code_set_id, code, billable, short_title, long_title, block)
         VALUES (?1,?2,?3,?4,?5,?6)",
    )?;
    for r in rows {
        st.execute(params![
            id.0,
            r.code,
            r.billable,
            r.short_title,
            r.long_title,
            r.block
        ])?;
    }
    Ok(())
}

/// Set the official short titles of a loaded set, and the long title where the set has none
/// (290 ICD-10-PCS FY2026 codes have no registry title). Every code in the file must be in the
/// set with the same billable flag (a file of another release is refused whole, at the first
/// line that disagrees). Returns how many codes' titles were set or changed.
pub(super) fn update_short_titles(
    tx: &Tx<'_>,
    id: CodeSetId,
    year: i32,
    short: &ShortTitles,
) -> Result<usize, CoreError> {
    let mut get = tx.prepare_cached(
        "SELECT billable, short_title, long_title FROM codes WHERE code_set_id = ?1 AND code = ?2",
    )?;
    let mut set = tx.prepare_cached(
        "UPDATE codes SET short_title = ?3, long_title = ?4 WHERE code_set_id = ?1 AND code = ?2",
    )?;
    let label = short.system.label();
    let mut changed = 0;
    for row in &short.rows {
        let code = &row.code;
        let bad = |message: String| -> CoreError {
            InputError {
                file: short.file.clone(),
                line: row.line,
                field: "code".into(),
                message,
            }
            .into()
        };
        let have: Option<(bool, String, String)> = get
            .query_row(params![id.0, code], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((billable, old_short, old_long)) = have else {
            return Err(bad(format!(
                "{code} is not in the {label} FY{year} code set"
            )));
        };
        if billable != row.billable {
            let kind = |b: bool| if b { "billable" } else { "a header" };
            return Err(bad(format!(
                "{code} is {} in the {label} FY{year} code set, {} in this file",
                kind(billable),
                kind(row.billable),
            )));
        }
        let long = if old_long.is_empty() {
            &row.long
        } else {
            &old_long
        };
        if old_short != row.short || *long != old_long {
            set.execute(params![id.0, code, row.short, long])?;
            changed += 1;
        }
    }
    Ok(changed)
}

pub(super) fn insert_poa(
    tx: &Tx<'_>,
    id: CodeSetId,
    year: i32,
    poa: &PoaList,
) -> Result<(), CoreError> {
    let already: i64 = tx.query_row(
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
    let mut billable =
        tx.prepare_cached("SELECT billable FROM codes WHERE code_set_id = ?1 AND code = ?2")?;
    let mut ins = tx.prepare_cached(
        "INSERT INTO poa_exempt(code_set_id, code, description, source) VALUES (?1,?2,?3,?4)",
    )?;
    for (line, code, desc) in &poa.rows {
        let b: Option<bool> = billable
            .query_row(params![id.0, code], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        if b != Some(true) {
            return Err(InputError {
                file: poa.file.clone(),
                line: *line,
                field: "code".into(),
                message: format!("{code} is not a billable ICD-10-CM FY{year} code"),
            }
            .into());
        }
        ins.execute(params![id.0, code, desc, poa.file])?;
    }
    Ok(())
}

pub(super) fn set_summary(
    system: CodeSystem,
    id: CodeSetId,
    rows: &[CodeRow],
    notes: usize,
) -> SetSummary {
    SetSummary {
        system,
        code_set_id: id.0,
        codes: rows.len(),
        billable: rows.iter().filter(|r| r.billable).count(),
        notes,
        flags: 0,
    }
}

pub(super) fn audit_set(
    audit: &mut AuditBuffer,
    s: &SetSummary,
    year: i32,
    source: &str,
    groups: usize,
) {
    audit.record(
        Event::new(Action::Create, Subtype::Create, "code_set", s.code_set_id).detail(json!({
            "system": s.system.as_str(), "fiscal_year": year, "codes": s.codes,
            "billable": s.billable, "notes": s.notes, "groups": groups, "flags": s.flags,
            "source": source,
        })),
    );
}
