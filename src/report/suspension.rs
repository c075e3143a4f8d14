//! Physicians at the suspension level of the escalation letters (DEL-07: a list; suspension
//! itself is a bylaws matter).

use chrono::NaiveDate;
use serde::Serialize;

use crate::deficiency::escalation::ProviderLevel;
use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct Suspension {
    pub as_of: NaiveDate,
    pub suspension_list: Vec<ProviderLevel>,
    pub total: usize,
}

pub fn read(conn: &Reader, as_of: NaiveDate) -> Result<Suspension, CoreError> {
    let suspension_list = crate::deficiency::escalation::suspension_list(conn, as_of)?;
    Ok(Suspension {
        as_of,
        total: suspension_list.len(),
        suspension_list,
    })
}
