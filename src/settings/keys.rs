//! The typed settings: [`Key`] (one variant per setting, with its stored name), the value
//! [`Kind`]s and [`SettingDef`]; the table itself is in `table.rs`.

use super::SETTINGS;

/// Declares [`Key`]: one variant per setting, with its stored name.
macro_rules! setting_keys {
    ($($variant:ident = $name:literal,)*) => {
        /// A setting, typed: code reads `settings::get(conn, Key::ClaimMinutes)`, never a
        /// string, so a misspelt key is a compile error. Stored by [`Key::name`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Key {
            $($variant,)*
        }

        impl Key {
            /// Every key, in the order of [`SETTINGS`].
            pub const ALL: &'static [Key] = &[$(Key::$variant,)*];

            /// The stored name (`claim_minutes`): what the CLI, the TUI and the audit show.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Key::$variant => $name,)*
                }
            }
        }
    };
}

setting_keys! {
FacilityName = "facility_name",
MaxFailedLogins = "max_failed_logins",
IdleLogoffMinutes = "idle_logoff_minutes",
AuditAnchorPath = "audit_anchor_path",
RecordDelinquentDays = "record_delinquent_days",
DeficiencyDelinquentDays = "deficiency_delinquent_days",
AgingBucketEdges = "aging_bucket_edges",
DelinquencyAvgMonths = "delinquency_avg_months",
DelinquencyAlertPct = "delinquency_alert_pct",
ClaimMinutes = "claim_minutes",
DeficiencyRules = "deficiency_rules",
AnalysisCutoverDate = "analysis_cutover_date",
MaxStayDays = "max_stay_days",
DocDaysAfterDischarge = "doc_days_after_discharge",
ProgressNotePolicy = "progress_note_policy",
ProgressNoteDayCap = "progress_note_day_cap",
OrProcedureCodes = "or_procedure_codes",
QueryEscalateDays = "query_escalate_days",
AccessDueDays = "access_due_days",
MaxExtensionDays = "max_extension_days",
PauseOnHoldNonAccess = "pause_on_hold_non_access",
RoiQaRequired = "roi_qa_required",
ReleaseDocumentFormat = "release_document_format",
BatesPrefix = "bates_prefix",
PrivacyContact = "privacy_contact",
FeeMethod = "fee_method",
FlatFeeCents = "flat_fee_cents",
FeePerPageCents = "fee_per_page_cents",
PostageCents = "postage_cents",
StateFeeSchedule = "state_fee_schedule",
ReleasePacketDir = "release_packet_dir",
AodFeeCents = "aod_fee_cents",
FacilityState = "facility_state",
StateSensitiveRules = "state_sensitive_rules",
RoiIncompleteDocuments = "roi_incomplete_documents",
FeeClassByRequester = "fee_class_by_requester",
CodingHoldPolicy = "coding_hold_policy",
QueryExpireDays = "query_expire_days",
TargetIpPerHour = "target_ip_per_hour",
TargetOpPerHour = "target_op_per_hour",
TargetTechPerHour = "target_tech_per_hour",
TargetRoiRequestsPerHour = "target_roi_requests_per_hour",
TargetRoiPagesPerHour = "target_roi_pages_per_hour",
DnfcTargetDays = "dnfc_target_days",
CliSessionMinutes = "cli_session_minutes",
ReleaseZipEncryption = "release_zip_encryption",
MaxNameLength = "max_name_length",
MaxFieldLength = "max_field_length",
MaxCodesPerEncounter = "max_codes_per_encounter",
ImportMaxFileMb = "import_max_file_mb",
FhirTransactionMaxMb = "fhir_transaction_max_mb",
ImportWriteMs = "import_write_ms",
FhirSpillAfterEntries = "fhir_spill_after_entries",
MllpGroupMax = "mllp_group_max",
MllpGroupMs = "mllp_group_ms",
MllpMaxFrameKb = "mllp_max_frame_kb",
MpiMatchWeight = "mpi_match_weight",
MpiReviewWeight = "mpi_review_weight",
FacilityTimezone = "facility_timezone",
DrgBaseRate = "drg_base_rate",
FacilityType = "facility_type",
BusinessHours = "business_hours",
BulkAccessLimit = "bulk_access_limit",
AccessReviewDays = "access_review_days",
DenialAlertCount = "denial_alert_count",
}

impl Key {
    /// The key of a stored name; `None` for an unknown name.
    pub fn parse(name: &str) -> Option<Key> {
        Key::ALL.iter().copied().find(|k| k.name() == name.trim())
    }

    /// Its definition (default, kind, rule, meaning).
    pub fn def(self) -> &'static SettingDef {
        // SETTINGS is in Key order (checked by a test), so the index is the variant.
        &SETTINGS[self as usize]
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// An integer within inclusive bounds.
    Int { min: i64, max: i64 },
    /// Free text without control characters.
    Text,
    /// Text without control characters, checked by a parser of its own; `what` says what it
    /// must be.
    Checked {
        what: &'static str,
        check: fn(&str) -> Result<(), String>,
    },
    /// A decimal number within inclusive bounds.
    Decimal { min: f64, max: f64 },
    /// One of a fixed list of words (stored upper case).
    Choice(&'static [&'static str]),
    /// The deficiency rule set as JSON (empty = the DOMAIN.md defaults).
    DeficiencyRules,
}

impl Kind {
    /// The validation in words, as the settings screen and `settings list` show it.
    pub fn describe(&self) -> String {
        match self {
            Kind::Int { min, max } => format!("whole number {min}..={max}"),
            Kind::Text => "text (no control characters)".to_string(),
            Kind::Checked { what, .. } => (*what).to_string(),
            Kind::Decimal { min, max } => format!("number {min}..={max}"),
            Kind::Choice(words) => format!("one of {}", words.join(", ")),
            Kind::DeficiencyRules => "deficiency rule set as JSON (empty = defaults)".to_string(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct SettingDef {
    pub key: Key,
    /// The DOMAIN rule id it implements (`DEL-02`), or `policy` / `limit` when no rule names
    /// it.
    pub rule: &'static str,
    pub default: &'static str,
    pub kind: Kind,
    /// What it does, citing the rule it implements.
    pub doc: &'static str,
}

impl SettingDef {
    /// The stored name.
    pub fn name(&self) -> &'static str {
        self.key.name()
    }
}
