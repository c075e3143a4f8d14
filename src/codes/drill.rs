//! Drill-down and the ICD-10-PCS builder (issue #14), core calls for the picker:
//! [`billable_children`] lists a category's billable codes (one key from a header to what can
//! be reported), and [`pcs_choices`] offers the valid characters of the next PCS axis
//! (section, body system, root operation, body part, approach, device, qualifier) after a
//! prefix, so a code is built axis by axis from valid choices only.
//!
//! Invariants: read-only; both read the newest loaded set of the system (the picker's index
//! set); a prefix is matched on stored (undotted) codes; results are in code order.

use rusqlite::params;

use super::{CodeSystem, latest_code_set};
use crate::error::CoreError;

/// The PCS axes, in order (character 1..7).
pub const PCS_AXES: [&str; 7] = [
    "section",
    "body system",
    "root operation",
    "body part",
    "approach",
    "device",
    "qualifier",
];

/// One reportable code under a header.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Child {
    pub code: String,
    pub dotted: String,
    pub title: String,
}

/// The billable ICD-10-CM codes under `header` (dotted or not), at most `limit`.
pub fn billable_children(
    conn: &crate::store::Reader,
    header: &str,
    limit: usize,
) -> Result<Vec<Child>, CoreError> {
    let prefix = header.trim().replace('.', "").to_ascii_uppercase();
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CoreError::invalid(
            "code",
            format!("{header:?} is not a code"),
        ));
    }
    let Some((set, _)) = latest_code_set(conn, CodeSystem::Icd10Cm)? else {
        return Ok(Vec::new());
    };
    let mut st = conn.prepare_cached(
        "SELECT code, long_title FROM codes WHERE code_set_id = ?1 AND billable = 1
         AND code >= ?2 AND code < ?2 || '~' ORDER BY code LIMIT ?3",
    )?;
    let rows = st.query_map(params![set.0, prefix, limit as i64], |r| {
        let code: String = r.get(0)?;
        Ok(Child {
            dotted: CodeSystem::Icd10Cm.dotted(&code),
            code,
            title: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One valid character of the next PCS axis.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AxisChoice {
    pub value: char,
    /// Valid codes that continue with it.
    pub codes: usize,
    /// The title of the first such code (the axis value's meaning reads from it).
    pub example: String,
}

/// The axis after `prefix` (0–6 characters) and its valid choices.
pub fn pcs_choices(
    conn: &crate::store::Reader,
    prefix: &str,
) -> Result<(&'static str, Vec<AxisChoice>), CoreError> {
    let p = prefix.trim().to_ascii_uppercase();
    if p.len() >= 7 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CoreError::invalid(
            "prefix",
            format!("{prefix:?}: 0 to 6 ICD-10-PCS characters"),
        ));
    }
    let axis = PCS_AXES[p.len()];
    let Some((set, _)) = latest_code_set(conn, CodeSystem::Icd10Pcs)? else {
        return Ok((axis, Vec::new()));
    };
    let mut st = conn.prepare_cached(
        "SELECT substr(code, ?3, 1) AS v, COUNT(*), MIN(code) FROM codes
         WHERE code_set_id = ?1 AND billable = 1 AND code >= ?2 AND code < ?2 || '~'
         GROUP BY v ORDER BY v",
    )?;
    let rows: Vec<(String, i64, String)> = st
        .query_map(params![set.0, p, p.len() as i64 + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut title =
        conn.prepare_cached("SELECT long_title FROM codes WHERE code_set_id = ?1 AND code = ?2")?;
    let mut out = Vec::new();
    for (v, n, first) in rows {
        let Some(value) = v.chars().next() else {
            continue;
        };
        let example: String = title.query_row(params![set.0, first], |r| r.get(0))?;
        out.push(AxisChoice {
            value,
            codes: n as usize,
            example,
        });
    }
    Ok((axis, out))
}
