//! The ICD-10-CM/PCS code lookup screen and the code picker it shares with the workbench.

pub(crate) mod lookup;
pub mod picker;
