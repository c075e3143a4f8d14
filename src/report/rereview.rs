//! Open re-review flags of one desk (analysis or coding), oldest first.

use serde::Serialize;

use crate::deficiency::rereview::RereviewRow;
use crate::error::CoreError;
use crate::store::Reader;

#[derive(Clone, Debug, Serialize)]
pub struct Rereview {
    pub desk: String,
    pub flags: Vec<RereviewRow>,
    pub total: usize,
}

pub fn read(conn: &Reader, desk: &str) -> Result<Rereview, CoreError> {
    let flags = crate::deficiency::rereview::open_flags(conn, desk)?;
    Ok(Rereview {
        desk: desk.to_string(),
        total: flags.len(),
        flags,
    })
}
