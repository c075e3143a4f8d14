//! The letter a department sends one physician (DEL-07): every chart and what is owed.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct ProviderLetter {
    pub provider_id: i64,
    /// The letter as text, or as CSV rows when asked for CSV.
    pub text: String,
    /// Open deficiencies listed.
    pub total: usize,
}

/// A provider by id, or by NPI (10 digits).
pub fn provider_id(conn: &Reader, provider: &str) -> Result<i64, CoreError> {
    let not_found = || CoreError::NotFound {
        what: "provider",
        id: provider.to_string(),
    };
    match provider.parse::<i64>() {
        Ok(id) if provider.len() != 10 => Ok(id),
        _ => conn
            .query_row("SELECT id FROM providers WHERE npi = ?1", [provider], |r| {
                r.get(0)
            })
            .map_err(|_| not_found()),
    }
}

/// The letter and the MRNs it lists (AUD-11).
pub fn read(
    conn: &Reader,
    provider: &str,
    today: NaiveDate,
    csv: bool,
) -> Result<(ProviderLetter, String), CoreError> {
    let id = provider_id(conn, provider)?;
    let text = crate::deficiency::report::provider_letter(conn, id, today, csv)?;
    let mut stmt = conn.prepare(
        "SELECT p.mrn FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
           JOIN patients p ON p.id = e.patient_id
          WHERE d.provider_id = ?1 AND d.status NOT IN ('completed','waived','void')
          ORDER BY d.assigned_at, d.id",
    )?;
    let mrns: Vec<String> = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok((
        ProviderLetter {
            provider_id: id,
            text,
            total: mrns.len(),
        },
        crate::audit::mrn_list(mrns.iter().map(String::as_str)),
    ))
}
