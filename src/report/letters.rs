//! Escalation letters (DEL-07) for every physician at one aging level, as one text batch.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct LetterBatch {
    pub level: i64,
    pub as_of: NaiveDate,
    /// The letters, separated by form feeds; empty when no physician is at the level.
    pub text: String,
    /// Charts listed in all the letters.
    pub total: usize,
}

/// The batch and the MRNs it shows (for the audit row).
pub fn read(
    conn: &Reader,
    level: i64,
    as_of: NaiveDate,
) -> Result<(LetterBatch, String), CoreError> {
    let (text, mrns) = crate::deficiency::escalation::letter_batch(conn, level, as_of)?;
    let shown = crate::audit::mrn_list(mrns.iter().map(String::as_str));
    Ok((
        LetterBatch {
            level,
            as_of,
            text,
            total: mrns.len(),
        },
        shown,
    ))
}
