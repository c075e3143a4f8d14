//! Implausible encounters kept out of analysis, by rule (DQ-LOS, DQ-ORDER, DQ-FUTURE,
//! DQ-DOC-DATE), and the history kept before the cut-over date.

use serde::Serialize;

use crate::deficiency::cutover::{self, DataQualityRow};
use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct DataQuality {
    /// The cut-over date (`analysis_cutover_date`), empty when none.
    pub cutover: String,
    pub history_encounters: i64,
    pub implausible: Vec<DataQualityRow>,
    pub total: usize,
}

pub fn read(conn: &Reader, rule: Option<&str>) -> Result<DataQuality, CoreError> {
    let implausible = cutover::data_quality_list(conn, rule)?;
    Ok(DataQuality {
        cutover: cutover::day_floor(conn)?,
        history_encounters: cutover::history_count(conn)?,
        total: implausible.len(),
        implausible,
    })
}
