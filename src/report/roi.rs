//! Release of information (DOMAIN §7 MET-01): read by `crate::roi::report::roi_metrics`;
//! this file names the report in the one layer. Turnaround mean and median, % on time,
//! % extended, holds by reason, accounting requests answered within 60 days, requests per
//! specialist.

pub use crate::roi::report::RoiMetrics;
