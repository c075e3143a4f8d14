//! Coding: held-for-documentation reasons (COD-20) and per-coder throughput against the
//! COD-22 targets. Throughput counts real users only; work credited to a system actor
//! (`system:…`, e.g. imports or scripts) is listed apart in `excluded`, never in a coder's row.

use chrono::NaiveDate;
use serde::Serialize;

use crate::coding::report::{CoderThroughput, HeldReason, Throughput};
use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct CodingReport {
    pub hold_policy: String,
    pub held_for_documentation: Vec<HeldReason>,
    pub throughput: Throughput,
    /// Completed work not credited to a real user (system actors), excluded from throughput.
    pub excluded: Vec<CoderThroughput>,
}

/// Is this name a system actor rather than a signed-in user?
pub fn is_system(coder: &str) -> bool {
    coder.starts_with("system:") || coder == "system"
}

pub fn read(conn: &Reader, from: NaiveDate, to: NaiveDate) -> Result<CodingReport, CoreError> {
    let (policy, held) = crate::coding::report::held_reasons(conn)?;
    let mut throughput = crate::coding::report::throughput(conn, from, to)?;
    let (excluded, real): (Vec<_>, Vec<_>) = throughput
        .coders
        .drain(..)
        .partition(|c| is_system(&c.coder));
    throughput.coders = real;
    Ok(CodingReport {
        hold_policy: policy.as_str().to_string(),
        held_for_documentation: held,
        throughput,
        excluded,
    })
}
