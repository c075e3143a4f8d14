//! Break-the-glass opens of sensitive documents between two days, with the purpose given.

use chrono::NaiveDate;
use serde::Serialize;

use crate::break_glass::SensitiveOpen;
use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct Privacy {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opens: Vec<SensitiveOpen>,
    pub total: usize,
}

pub fn read(conn: &Reader, from: NaiveDate, to: NaiveDate) -> Result<Privacy, CoreError> {
    let opens = crate::break_glass::opens(conn, from, to)?;
    Ok(Privacy {
        from,
        to,
        total: opens.len(),
        opens,
    })
}
