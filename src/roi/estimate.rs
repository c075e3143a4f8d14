//! The fee estimate shown at intake (ROI-04, LTR-02): the fee rules of the release
//! ([`super::release::fee_for`], which follows [`super::fees`]) applied to the pages of the
//! documents selected now. An estimate, not an invoice: the invoice is computed again at
//! release from the packet as written.
//!
//! Invariant: pages are counted as the packet counts them (60 lines a page), from each
//! releasable document's text plus its page header; withheld documents cost nothing.

use chrono::NaiveDate;
use serde::Serialize;

use super::release::fee_for;
use super::request::{RequestRecord, selection};
use crate::error::CoreError;

/// Lines of the per-document header the packet prints before the text.
const HEADER_LINES: usize = 7;

/// What a release of the current selection would cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Estimate {
    pub documents: usize,
    pub pages: u32,
    pub cents: u64,
    /// The fee method and rule, as the invoice would state them.
    pub method: String,
    pub rule: &'static str,
}

/// The estimate for `rec` as selected on `today` (a bare read; the caller audits the view).
pub fn fee_estimate(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    today: NaiveDate,
) -> Result<Estimate, CoreError> {
    let sel = selection(conn, rec, today)?;
    let mut pages = 0u32;
    let mut documents = 0usize;
    for item in sel
        .items
        .iter()
        .filter(|i| sel.withheld_reason(i).is_none())
    {
        let body: String = conn.query_row(
            "SELECT body FROM documents WHERE id = ?1",
            [item.document_id],
            |r| r.get(0),
        )?;
        let lines = body.lines().count().max(1) + HEADER_LINES;
        pages = pages.saturating_add(u32::try_from(lines.div_ceil(60)).unwrap_or(u32::MAX));
        documents += 1;
    }
    let (fee, method) = fee_for(conn, rec, pages)?;
    Ok(Estimate {
        documents,
        pages,
        cents: fee.cents,
        method,
        rule: fee.rule,
    })
}
