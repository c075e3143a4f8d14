//! Release of information and accounting of disclosures (DOMAIN §4, §5): the pure rules, and
//! the desk that stores and applies them.
//!
//! The rules have no database, no clock, no UI: every function takes `today` and plain inputs, so the
//! store, the CLI and the TUI all apply the same rules. Dates are facility-local calendar
//! days (`NaiveDate`); receipt is day 0.
//!
//! Rooms: [`requester`] (the §4.2 requester-type table), [`authorization`] (the
//! authorization and request documents), [`validate`] (the §4.3 authorization check and its
//! reason codes), [`check`] (`auth check FILE`: JSON reading with error locations, table
//! output, the JSON schema doc), [`clock`] (ROI-01/02 access clock), [`fees`] (ROI-04),
//! [`accounting`] (AOD-01/02/05/06).
//!
//! The desk over the store (audited, permission-checked): [`request`] (logging, the
//! authorization form, validation and holds, extension, QA, denial, closing), [`lifecycle`]
//! (the pure status chain), [`selection`] (minimum-necessary documents and sensitive
//! categories), [`queue`] (the queue and one request's detail), [`release`] (one-transaction
//! release with its disclosure row), [`packet`] (manifest, documents, FHIR Bundle, invoice,
//! Part 2 notice, zip) and [`disclosure`] (the accounting, AoD requests, suspensions).
//!
//! Intake and the accounting desk: [`addressbook`] (requesters seen before, picked by typing),
//! [`estimate`] (the fee estimate of the current selection) and [`manual_disclosure`] (a
//! disclosure made outside the desk, entered by hand).
//!
//! Part 3 (issue #12): [`packet_pdf`] (documents and enclosures laid out as stamped PDF/A-2b or
//! text), [`enclosures`] (letters, signed forms and amendment material in the packet),
//! [`attachments`] (scanned signed forms), [`amendment`] (164.526), [`restriction`] (164.522),
//! [`batch`] (multi-patient requests) and [`delivery`] (delivery records, byte-identical
//! re-sends). Letters live in [`crate::letters`], the PDF writer in [`crate::pdf`].

pub mod accounting;
pub mod addressbook;
pub mod amendment;
pub mod attachments;
pub mod authorization;
pub mod batch;
pub mod category;
pub mod check;
pub mod clock;
pub mod delivery;
pub mod disclosure;
pub mod enclosures;
pub mod estimate;
pub mod fees;
pub mod holds;
pub mod lifecycle;
pub mod manual_disclosure;
pub mod packet;
pub mod packet_crypt;
pub mod packet_pdf;
pub mod queue;
pub mod release;
pub mod release_files;
pub mod report;
pub mod request;
pub mod requester;
pub mod restriction;
pub mod screens_read;
pub mod selection;
pub mod validate;

pub use authorization::{Authorization, CompoundDoc, Part2Consent, Request};
pub use category::{Category, SensitiveRules};
pub use check::{AUTH_JSON_DOC, check_file, format_table};
pub use requester::{AuthRequirement, Conditions, MinimumNecessary, RequesterType};
pub use validate::{Problem, ReasonCode, Validation, validate, validate_with};

/// Errors of the ROI rules. Messages are one line for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoiError {
    /// The `auth check` file could not be read as the documented JSON.
    #[error("line {line}, column {column}, at {path}: {message}")]
    Json {
        /// Dotted JSON path of the offending value or field (`request.received_date`,
        /// `authorization.compound_with[1]`); `$` for the document itself.
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{setting} must be between {min} and {max} days, not {value}")]
    Setting {
        setting: &'static str,
        value: u32,
        min: u32,
        max: u32,
    },
    #[error("an extension needs a written reason ({rule})")]
    ExtensionReasonMissing { rule: &'static str },
    #[error("an extension may add at most {max} days, not {days} ({rule})")]
    ExtensionTooLong {
        days: u32,
        max: u32,
        rule: &'static str,
    },
    #[error("the extension notice was sent {sent}, after the initial due date {due} ({rule})")]
    ExtensionNoticeLate {
        sent: chrono::NaiveDate,
        due: chrono::NaiveDate,
        rule: &'static str,
    },
    #[error("the extension notice date {sent} is before receipt {received}")]
    ExtensionNoticeBeforeReceipt {
        sent: chrono::NaiveDate,
        received: chrono::NaiveDate,
    },
    #[error("the flat fee option applies only to electronic copies of electronic records (ROI-04)")]
    FlatFeeNotElectronic,
    #[error("{what}: date out of range")]
    DateOutOfRange { what: &'static str },
}

/// Enumerations whose stored spelling is also their JSON spelling (`"SUD_PART2"`), unlike
/// `domain::str_enum!`, whose serde names are snake_case. Unknown spellings fail to parse.
macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $var),+ }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stored (database and JSON) spelling.
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $s),+ } }
            /// Parse the stored spelling; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some($name::$var),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use stored_enum;
