//! The master patient index: merges and unmerges ([`merge`]), the HIM queue of identity
//! conflicts, held merges and probable duplicates ([`queue`]), and probabilistic duplicate
//! detection ([`duplicates`]).

pub mod dup_report;
pub mod duplicates;
pub mod merge;
pub mod queue;

pub use dup_report::{DuplicateRate, duplicate_rate};
