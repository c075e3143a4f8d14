//! The delinquency rate (DEL-04) with its parts, as of a measurement date.

use chrono::NaiveDate;
use serde::Serialize;

use crate::deficiency::lifecycle::DelinquencyRate;
use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct Delinquency {
    pub as_of: NaiveDate,
    pub delinquency: DelinquencyRate,
}

pub fn read(conn: &Reader, as_of: NaiveDate) -> Result<Delinquency, CoreError> {
    Ok(Delinquency {
        as_of,
        delinquency: crate::deficiency::report::delinquency(conn, as_of)?,
    })
}
