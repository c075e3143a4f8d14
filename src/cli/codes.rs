//! `chartdesk codes …`: show, search and load code sets, and the picker's synonym table.

use std::path::Path;

use anyhow::Result;

use super::{CodesCmd, SynonymCmd, session};
use crate::store::Store;

/// `codes show|search|load|synonym`.
pub(super) fn run(path: &Path, cmd: CodesCmd) -> Result<()> {
    let mut store = Store::open(path)?;
    match cmd {
        CodesCmd::Show { code, on } => {
            let detail = match on {
                Some(d) => crate::codes::show_on(store.conn(), &code, d)?,
                None => crate::codes::show(store.conn(), &code)?,
            };
            match detail {
                Some(d) => print!("{}", crate::codes::format_detail(&d)),
                None => anyhow::bail!(
                    "{code}: not in any loaded code set (run `chartdesk init` to load FY2026)"
                ),
            }
        }
        CodesCmd::Search { query, limit } => {
            // The picker's search (issue #14): the facility's synonyms, and the
            // signed-in user's favourites and recent codes ranked first.
            use crate::codes::prefs;
            let index = crate::codes::CodeIndex::build(store.conn(), None)?;
            let table = prefs::synonyms_in_force(store.conn())?;
            let boost = match session::session_actor(&mut store)? {
                Some(a) => prefs::load_boost(store.conn(), &a.username)?,
                None => prefs::Boost::default(),
            };
            for h in prefs::ranked_search(&index, &table, &boost, &query, limit) {
                println!(
                    "{:<9} {:<10} {:<8} {}",
                    h.system.to_string(),
                    h.dotted,
                    if h.billable { "billable" } else { "header" },
                    crate::text::sanitize_line(&h.title)
                );
            }
        }
        CodesCmd::Load { dir, year } => {
            let actor = session::system(store.path(), "codes load")?;
            let s = crate::codes::load_dir(&mut store, &actor, &dir, year)?;
            println!("{s}");
        }
        CodesCmd::Synonym(cmd) => synonym_command(&mut store, cmd)?,
    }
    Ok(())
}

/// `codes synonym list|add|remove` (issue #14): the core checks the permission and audits.
fn synonym_command(store: &mut Store, cmd: SynonymCmd) -> Result<()> {
    use crate::codes::prefs;
    match cmd {
        SynonymCmd::List { all } => {
            let rows = prefs::list_synonyms(store.conn())?;
            if rows.is_empty() {
                println!(
                    "the table is not loaded yet: the shipped table is in force (run `chartdesk init`)"
                );
            }
            for r in rows.iter().filter(|r| all || r.active) {
                println!(
                    "{:<24} {:<48} {:<20} {}{}",
                    crate::text::sanitize_line(&r.term),
                    crate::text::sanitize_line(&r.expansion),
                    crate::text::sanitize_line(&r.codes.join(",")),
                    r.source,
                    if r.active { "" } else { " (removed)" }
                );
            }
        }
        SynonymCmd::Add {
            term,
            expansion,
            codes,
            as_user,
        } => {
            let actor = session::actor(store, as_user.as_deref(), "codes synonym add")?;
            prefs::add_synonym(store, &actor, &term, &expansion, &codes)?;
            println!("synonym {:?} → {:?} saved", term.trim(), expansion.trim());
        }
        SynonymCmd::Remove { term, as_user } => {
            let actor = session::actor(store, as_user.as_deref(), "codes synonym remove")?;
            prefs::remove_synonym(store, &actor, &term)?;
            println!("synonym {:?} removed", term.trim());
        }
    }
    Ok(())
}
