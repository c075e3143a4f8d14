//! The documents an ROI request is checked against: the 164.508 authorization (with the
//! 42 CFR 2.31 consent elements) and the request itself. Plain serde types; every field has
//! a default so a file states only what it knows, and unknown fields are refused so a typo
//! never silently drops an element.
//!
//! Invariant: an absent or blank element counts as missing; `false` statements count as
//! absent. Dates are facility-local calendar dates (`YYYY-MM-DD`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::category::Category;
use super::requester::{Conditions, RequesterType};
use super::stored_enum;

stored_enum!(
    /// A document an authorization is combined with (compound authorization, 164.508(b)(3)).
    CompoundDoc {
        /// Another 164.508 authorization (allowed unless one of them conditions treatment).
        Authorization = "AUTHORIZATION",
        /// An authorization for psychotherapy notes (combinable only with its own kind).
        PsychotherapyNotesAuthorization = "PSYCHOTHERAPY_NOTES_AUTHORIZATION",
        /// Consent to take part in a research study (allowed for research only).
        ResearchConsent = "RESEARCH_CONSENT",
        /// Consent to treatment (never allowed).
        ConsentToTreat = "CONSENT_TO_TREAT",
        /// Notice of privacy practices (never allowed).
        PrivacyNotice = "PRIVACY_NOTICE",
        /// Any other form (never allowed).
        Other = "OTHER",
    }
);

/// The document type word for psychotherapy notes in a request's `document_types`. A request
/// for it is a request for psychotherapy notes whatever `categories_present` says, and it
/// selects every document labelled `PSYCHOTHERAPY` (DOMAIN §4.4).
pub const PSYCHOTHERAPY_NOTES_DOC: &str = "PSYCHOTHERAPY_NOTES";

/// A 164.508 authorization (or, for a DIRECTIVE request, the individual's signed written
/// directive: only `recipient`, `signature` and `signed_date` are then checked).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Authorization {
    /// The facility's identifier for the form (shown in the release manifest).
    pub id: Option<String>,
    /// (c)(1)(i) A specific and meaningful description of the information.
    pub description: Option<String>,
    /// (c)(1)(i) Earliest service date the description covers; `None` = no lower bound.
    pub records_from: Option<NaiveDate>,
    /// (c)(1)(i) Latest service date the description covers; `None` = no upper bound.
    pub records_to: Option<NaiveDate>,
    /// (c)(1)(i) Document types covered (LOINC codes or `PSYCHOTHERAPY_NOTES`); empty = any.
    pub document_types: Vec<String>,
    /// (c)(1)(ii) Who may disclose.
    pub discloser: Option<String>,
    /// (c)(1)(iii) To whom.
    pub recipient: Option<String>,
    /// (c)(1)(iv) Purpose ("at the request of the individual" suffices).
    pub purpose: Option<String>,
    /// (c)(1)(v) Expiration date (valid through this date) ...
    pub expiration_date: Option<NaiveDate>,
    /// (c)(1)(v) ... or expiration event ("end of the research study", "none").
    pub expiration_event: Option<String>,
    /// The expiration event is known to have occurred (164.508(b)(2)(i)).
    pub expiration_event_occurred: bool,
    /// (c)(1)(vi) Signature of the individual or representative (the signer's name).
    pub signature: Option<String>,
    /// (c)(1)(vi) Date signed.
    pub signed_date: Option<NaiveDate>,
    /// Date this form reached the facility; `None` = the request's received date. A
    /// signature dated after it is impossible (`AUTH_DATE_INVALID`).
    pub received_date: Option<NaiveDate>,
    /// Name of the personal representative who signed, if not the individual.
    pub representative: Option<String>,
    /// (c)(1)(vi) The representative's authority to act ("parent", "health care POA").
    pub representative_authority: Option<String>,
    /// (c)(2)(i) Right to revoke in writing, its exceptions and how.
    pub revocation_statement: bool,
    /// (c)(2)(ii) Ability or inability to condition treatment on signing.
    pub conditioning_statement: bool,
    /// (c)(2)(iii) Potential for redisclosure.
    pub redisclosure_statement: bool,
    /// (c)(3) Plain language, as judged by a reviewer; `None` = not yet reviewed.
    pub plain_language: Option<bool>,
    /// Date written revocation was received (164.508(b)(5)).
    pub revoked_at: Option<NaiveDate>,
    /// Material information in the form is known to be false (164.508(b)(2)(v)).
    pub known_false: bool,
    /// Other documents this one is combined with (164.508(b)(3)).
    pub compound_with: Vec<CompoundDoc>,
    /// Treatment, payment, enrollment or eligibility was conditioned on signing
    /// (164.508(b)(4)); allowed only for research-related treatment.
    pub conditioned_treatment: bool,
    /// This is an authorization for psychotherapy notes (164.508(a)(2)).
    pub psychotherapy_notes: bool,
    /// Sensitive categories the form names explicitly (DOMAIN §4.4).
    pub sensitive_categories_named: Vec<Category>,
    /// 42 CFR 2.31 consent elements; required when the records hold `SUD_PART2`.
    pub part2: Option<Part2Consent>,
    /// The Part 2 consent specifically permits use or disclosure in civil, criminal,
    /// administrative or legislative proceedings against the patient (42 CFR 2.31(d), Subpart
    /// E). Needed when a subpoena or law-enforcement request for SUD records rests on it.
    pub part2_proceedings: bool,
}

/// The 42 CFR 2.31(a) elements that a HIPAA authorization does not already carry
/// (recipient, purpose, revocation, expiration, signature and date are shared).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Part2Consent {
    /// 2.31(a)(1) Name of the patient.
    pub patient_name: Option<String>,
    /// 2.31(a)(2) Part 2 program, entity or individual permitted to disclose.
    pub program: Option<String>,
    /// 2.31(a)(3) Description of the SUD information, stated explicitly as such.
    pub sud_description: Option<String>,
}

/// The request being checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub requester_type: RequesterType,
    #[serde(default)]
    pub requester_name: Option<String>,
    /// Day 0 of the clock.
    pub received_date: NaiveDate,
    /// Earliest service date requested; `None` = from the first record.
    #[serde(default)]
    pub records_from: Option<NaiveDate>,
    /// Latest service date requested; `None` = to the last record.
    #[serde(default)]
    pub records_to: Option<NaiveDate>,
    /// Document types requested (LOINC codes or `PSYCHOTHERAPY_NOTES`); empty = all.
    #[serde(default)]
    pub document_types: Vec<String>,
    /// Sensitive categories present in the records that would be released.
    #[serde(default)]
    pub categories_present: Vec<Category>,
    /// Identity and authority of the requester verified and recorded (164.514(h), ROI-07).
    #[serde(default)]
    pub identity_verified: bool,
    #[serde(default)]
    pub verification_method: Option<String>,
    #[serde(default)]
    pub verified_by: Option<String>,
    /// SUBPOENA: satisfactory assurance of notice or a qualified protective order.
    #[serde(default)]
    pub satisfactory_assurance: bool,
    /// RESEARCH: IRB or privacy board waiver of authorization.
    #[serde(default)]
    pub irb_waiver: bool,
    /// LAW_ENF: a 164.512(f) prong fits.
    #[serde(default)]
    pub law_enforcement_prong: bool,
}

impl Request {
    /// A request with only the required fields set; the rest take their defaults.
    pub fn new(requester_type: RequesterType, received_date: NaiveDate) -> Request {
        Request {
            requester_type,
            requester_name: None,
            received_date,
            records_from: None,
            records_to: None,
            document_types: Vec::new(),
            categories_present: Vec::new(),
            identity_verified: false,
            verification_method: None,
            verified_by: None,
            satisfactory_assurance: false,
            irb_waiver: false,
            law_enforcement_prong: false,
        }
    }

    /// The conditional facts of the §4.2 table.
    pub fn conditions(&self) -> Conditions {
        Conditions {
            satisfactory_assurance: self.satisfactory_assurance,
            irb_waiver: self.irb_waiver,
            law_enforcement_prong: self.law_enforcement_prong,
        }
    }
}

/// True when the text is absent or only whitespace.
pub(crate) fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|v| v.trim().is_empty())
}
