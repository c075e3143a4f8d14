//! Coding: held-for-documentation reasons (COD-20) and per-coder throughput against the
//! COD-22 targets. Throughput counts real users only; work credited to a system actor
//! (`system:…`, e.g. imports or scripts) is listed apart in `excluded`, never in a coder's row.
//! Expected payment (DRG-06) of the inpatient stays coded in the period, grouped on read.

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
    /// Expected payment of the inpatient stays coded in the period (`coded_at` on
    /// `from..=to`), each grouped on read (DRG-06; see `dnfb::expected_payment_of`).
    pub expected: super::dnfb::ExpectedPayment,
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
    let mut st = conn.prepare(
        "SELECT id FROM encounters WHERE kind = 'inpatient' AND coded_at >= ?1 AND coded_at < ?2
           AND coding_status IN ('coded','final_billed') ORDER BY id",
    )?;
    let ids = st
        .query_map(
            rusqlite::params![
                from.format("%Y-%m-%d").to_string(),
                format!("{}~", to.format("%Y-%m-%d"))
            ],
            |r| r.get::<_, i64>(0),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let expected = super::dnfb::expected_payment_of(conn, &ids)?;
    Ok(CodingReport {
        hold_policy: policy.as_str().to_string(),
        held_for_documentation: held,
        throughput,
        excluded,
        expected,
    })
}
