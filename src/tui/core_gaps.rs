//! Core functions the deficiency screens need but the core does not have yet. Each stub has
//! the exact signature asked for, and refuses with a clear message until the core provides it;
//! the screens are wired to these names so the swap is one `use` line.

use crate::audit::Actor;
use crate::deficiency::ops::AnalysisOutcome;
use crate::error::CoreError;
use crate::store::Store;

/// Wanted in `deficiency::ops`: analyse one discharged encounter on a user's request —
/// authorize `Perm::AnalyzeDeficiencies`, then in one `store.transact` run
/// `analyze_in_tx(tx, audit, &rules_in_force, encounter_id, local_now, deficiency_delinquent_days,
/// "analysed by <username>")`, which creates the missing rule deficiencies, resolves stale
/// ones and moves `him_status` from `awaiting_analysis` to `incomplete` or `doc_complete`
/// (audited on `encounter` and `deficiency`). Refuses an encounter that is not discharged.
pub fn mark_analyzed(
    _store: &mut Store,
    _actor: &Actor,
    encounter_id: i64,
) -> Result<AnalysisOutcome, CoreError> {
    Err(CoreError::invalid(
        "mark_analyzed",
        format!(
            "marking chart {encounter_id} analysed needs deficiency::ops::mark_analyzed, which the core does not have yet"
        ),
    ))
}
