//! The coder's screens: the coding queue (and held list) and the coding workbench.

pub(crate) mod queue;
pub(crate) mod work;
pub(crate) mod work_view;
