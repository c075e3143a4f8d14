//! Plain domain types shared by every workflow. No I/O here.

mod role;
pub use role::{Perm, Role};

use serde::Serialize;

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stored (database) spelling.
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $s),+ } }
            /// Parse the stored spelling; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some($name::$var),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// Encounter type (DOMAIN §1). Observation is an outpatient status.
    EncounterKind {
        Inpatient = "inpatient",
        Outpatient = "outpatient",
        Emergency = "emergency",
        Observation = "observation",
    }
);

str_enum!(
    /// HIM status axis: open → awaiting_analysis → incomplete ↔ doc_complete.
    HimStatus {
        Open = "open",
        AwaitingAnalysis = "awaiting_analysis",
        Incomplete = "incomplete",
        DocComplete = "doc_complete",
    }
);

str_enum!(
    /// Coding status axis (DOMAIN §1).
    CodingStatus {
        NotReady = "not_ready",
        Ready = "ready",
        InProgress = "in_progress",
        OnHoldQuery = "on_hold_query",
        Coded = "coded",
        FinalBilled = "final_billed",
    }
);

str_enum!(
    /// Document status (after VistA IRT). Never moves backward; corrections are amendments.
    DocStatus {
        Incomplete = "incomplete",
        Dictated = "dictated",
        Transcribed = "transcribed",
        Signed = "signed",
        Cosigned = "cosigned",
        Reviewed = "reviewed",
        Amended = "amended",
        EnteredInError = "entered_in_error",
    }
);

impl DocStatus {
    /// Authenticated by its author (signed or later in the chain).
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            DocStatus::Signed | DocStatus::Cosigned | DocStatus::Reviewed | DocStatus::Amended
        )
    }
}

/// Document types by LOINC code (DOMAIN §8).
pub const DOC_TYPES: &[(&str, &str)] = &[
    ("34117-2", "History and physical"),
    ("18842-5", "Discharge summary"),
    ("11504-8", "Operative report"),
    ("11506-3", "Progress note"),
    ("11488-4", "Consultation note"),
    ("34111-5", "Emergency department note"),
    ("28570-0", "Procedure note"),
    ("59284-0", "Consent"),
    ("46209-3", "Provider orders"),
];

/// Display name of a LOINC document type, or the code itself when unknown.
pub fn doc_type_name(loinc: &str) -> &str {
    DOC_TYPES
        .iter()
        .find(|(c, _)| *c == loinc)
        .map(|(_, n)| *n)
        .unwrap_or(loinc)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Patient {
    pub id: i64,
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: String,
    pub sex: String,
}

impl Patient {
    pub fn display_name(&self) -> String {
        format!("{}, {}", self.family_name, self.given_name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Encounter {
    pub id: i64,
    pub visit_number: String,
    pub patient_id: i64,
    pub kind: EncounterKind,
    pub service: String,
    pub admit_at: String,
    pub discharge_at: Option<String>,
    pub attending: Option<String>,
    pub discharge_disposition: Option<String>,
    pub reason: String,
    pub him_status: HimStatus,
    pub coding_status: CodingStatus,
}

/// A document's header, without its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentSummary {
    pub id: i64,
    pub encounter_id: i64,
    pub doc_type: String,
    pub title: String,
    pub author: Option<String>,
    pub status: DocStatus,
    pub service_at: String,
    pub signed_at: Option<String>,
    pub sensitivity: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Document {
    pub summary: DocumentSummary,
    pub body: String,
}
