//! Deficiency analysis (DOMAIN §2): rules as pure functions, and the operations that apply
//! them through the store.

pub mod lifecycle;
pub mod rules;
#[cfg(test)]
mod rules_tests;
