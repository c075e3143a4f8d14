//! Deficiency analysis (DOMAIN §2): rules as pure functions, and the operations that apply
//! them through the store.

pub mod cutover;
pub mod escalation;
pub mod lifecycle;
pub mod ops;
pub mod plausibility;
pub mod queue;
pub mod report;
pub mod rereview;
pub mod rules;
#[cfg(test)]
mod rules_tests;
pub mod screens_read;
pub mod signing;
pub mod surgical;
pub mod transitions;

/// Standard deficiency types (DOMAIN §2.2) with their assignee.
pub const KINDS: &[(&str, &str)] = &[
    ("MISS_HP", "Missing history and physical (attending)"),
    ("MISS_DS", "Missing discharge summary (attending)"),
    ("MISS_OP", "Missing operative report (surgeon)"),
    ("MISS_CONSENT", "Missing informed consent (proceduralist)"),
    ("MISS_CONSULT", "Missing consultation report (consultant)"),
    ("MISS_PN", "Missing progress note (treating provider)"),
    ("MISS_NOTE", "Missing provider note (treating provider)"),
    ("UNSIGNED", "Unsigned document (author)"),
    ("COSIGN", "Needs cosignature (supervising physician)"),
    ("ORD_UNSIGNED", "Unsigned order (ordering provider)"),
    ("UNDATED", "Undated entry (author)"),
    ("NEEDS_DICT", "Needs dictation (author)"),
    ("NEEDS_TRANS", "Needs transcription (transcription)"),
    ("INCOMPLETE_CONTENT", "Required content missing (author)"),
    ("HP_TIMING", "H&P outside the required window (attending)"),
    ("HP_UPDATE", "H&P update note missing (attending)"),
    ("LATE_OP", "Operative report late (surgeon)"),
    ("MISFILED", "Misfiled: wrong patient or encounter (HIM)"),
    ("CORRECTION", "Needs correction or amendment (author)"),
    ("QUERY", "Documentation query from coding (attending)"),
];
