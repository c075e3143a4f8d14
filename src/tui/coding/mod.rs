//! The coder's screens: the coding queue (and held list), the coding workbench, and the
//! queries awaiting an answer.

pub(crate) mod queries;
pub(crate) mod query_form;
pub(crate) mod queue;
pub(crate) mod work;
pub(crate) mod work_drg;
pub(crate) mod work_view;
