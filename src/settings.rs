//! Facility settings (DOMAIN: values marked as settings are never hard-coded). Defaults live
//! here; a stored row overrides them. Only a supervisor (or the command-line administrator)
//! changes a setting, and every change is audited with its old and new value.

use crate::store::Reader;
use rusqlite::OptionalExtension;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

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

pub const SETTINGS: &[SettingDef] = &[
    SettingDef {
        key: Key::FacilityName,
        rule: "policy",
        default: "Demo General Hospital",
        kind: Kind::Text,
        doc: "Facility name shown on screens, letters and release packets",
    },
    SettingDef {
        key: Key::MaxFailedLogins,
        rule: "AUD-02",
        default: "5",
        kind: Kind::Int { min: 1, max: 20 },
        doc: "Failed logins before an account locks (AUD-02); a supervisor unlocks it",
    },
    SettingDef {
        key: Key::IdleLogoffMinutes,
        rule: "AUD-03",
        default: "15",
        kind: Kind::Int { min: 1, max: 15 },
        doc: "Idle minutes before the session locks and needs the password (AUD-03)",
    },
    SettingDef {
        key: Key::AuditAnchorPath,
        rule: "AUD-08",
        default: "",
        kind: Kind::Text,
        doc: "Ignored (kept for old databases): the anchor file never comes from the database it protects; use `audit --anchors`, CHARTDESK_ANCHORS, or the default <database>.anchors",
    },
    SettingDef {
        key: Key::RecordDelinquentDays,
        rule: "DEL-01",
        default: "30",
        kind: Kind::Int { min: 1, max: 30 },
        doc: "Days after discharge by which a record must be complete (DEL-01; may only be shortened)",
    },
    SettingDef {
        key: Key::DeficiencyDelinquentDays,
        rule: "DEL-02",
        default: "14",
        kind: Kind::Int { min: 1, max: 90 },
        doc: "Days after assignment after which an open deficiency is delinquent (DEL-02)",
    },
    SettingDef {
        key: Key::AgingBucketEdges,
        rule: "DEL-06",
        default: "7,14,30",
        kind: Kind::Checked {
            what: "rising whole days, comma-separated (7,14,30)",
            check: check_edges,
        },
        doc: "Aging bucket upper edges in days: 0-7, 8-14, 15-30, 31+ (DEL-06)",
    },
    SettingDef {
        key: Key::DelinquencyAvgMonths,
        rule: "DEL-04",
        default: "3",
        kind: Kind::Int { min: 1, max: 24 },
        doc: "Months of discharges averaged for the delinquency rate (DEL-04)",
    },
    SettingDef {
        key: Key::DelinquencyAlertPct,
        rule: "DEL-05",
        default: "50",
        kind: Kind::Int { min: 1, max: 1000 },
        doc: "Delinquency rate (%) that raises an alert (DEL-05; policy since 2016)",
    },
    SettingDef {
        key: Key::ClaimMinutes,
        rule: "policy",
        default: "30",
        kind: Kind::Int { min: 1, max: 480 },
        doc: "Minutes a work claim on a chart lasts without activity (two users never work one chart)",
    },
    SettingDef {
        key: Key::DeficiencyRules,
        rule: "REQ-*",
        default: "",
        kind: Kind::DeficiencyRules,
        doc: "Required-documentation rules as JSON (DOMAIN 2.1 matrix and windows); empty = defaults",
    },
    SettingDef {
        key: Key::AnalysisCutoverDate,
        rule: "policy",
        default: "",
        kind: Kind::Checked {
            what: "date YYYY-MM-DD, or empty",
            check: check_date,
        },
        doc: "Go-live date (YYYY-MM-DD): discharges before it are history, imported and kept but never analysed unless `analyze --since`, and not counted in delinquency, DNFB/DNFC or the coding backlog; empty = no cut-over",
    },
    SettingDef {
        key: Key::MaxStayDays,
        rule: "DQ-LOS",
        default: "365",
        kind: Kind::Int { min: 1, max: 36500 },
        doc: "A stay longer than this is implausible (DQ-LOS): it goes to the data-quality list, not into analysis",
    },
    SettingDef {
        key: Key::DocDaysAfterDischarge,
        rule: "DQ-DOC-DATE",
        default: "30",
        kind: Kind::Int { min: 0, max: 365 },
        doc: "Days after discharge a document may be dated (late dictation); later, or before the H&P window, is DQ-DOC-DATE",
    },
    SettingDef {
        key: Key::ProgressNotePolicy,
        rule: "REQ-PN",
        default: "PER_CHART",
        kind: Kind::Choice(&["PER_CHART", "PER_DAY"]),
        doc: "REQ-PN: PER_CHART = one MISS_PN per chart listing the missing days; PER_DAY = one per day up to progress_note_day_cap",
    },
    SettingDef {
        key: Key::ProgressNoteDayCap,
        rule: "REQ-PN",
        default: "14",
        kind: Kind::Int { min: 1, max: 365 },
        doc: "REQ-PN with PER_DAY: at most this many MISS_PN per chart (the rest are named in the last one)",
    },
    SettingDef {
        key: Key::OrProcedureCodes,
        rule: "REQ-OP",
        default: "80146002,65546002,699253003,447365002,38102005,52734007,609588000,69031006,232717009,11466000",
        kind: Kind::Text,
        doc: "Facility O.R. procedure list (SNOMED or ICD-10-PCS codes, comma-separated; PCS codes the MS-DRG tables flag O.R. count too): a stay is surgical only with one of these performed (REQ-OP, REQ-CONSENT)",
    },
    SettingDef {
        key: Key::QueryEscalateDays,
        rule: "COD-21",
        default: "3",
        kind: Kind::Int { min: 1, max: 60 },
        doc: "Days an unanswered documentation query waits before it escalates (COD-21), one level per period",
    },
    SettingDef {
        key: Key::AccessDueDays,
        rule: "ROI-01",
        default: "30",
        kind: Kind::Int { min: 1, max: 30 },
        doc: "Days to act on an individual's access request (ROI-01; a stricter state may shorten)",
    },
    SettingDef {
        key: Key::MaxExtensionDays,
        rule: "ROI-01",
        default: "30",
        kind: Kind::Int { min: 0, max: 30 },
        doc: "Days the one extension of an access request may add (ROI-01; a stricter state may shorten)",
    },
    SettingDef {
        key: Key::PauseOnHoldNonAccess,
        rule: "ROI-02",
        default: "1",
        kind: Kind::Int { min: 0, max: 1 },
        doc: "1 = holds pause the clock of requests outside the right of access (ROI-02); access clocks never pause",
    },
    SettingDef {
        key: Key::RoiQaRequired,
        rule: "DOMAIN 4.5",
        default: "1",
        kind: Kind::Int { min: 0, max: 1 },
        doc: "1 = every release passes QA review by a user other than the releaser (DOMAIN 4.5)",
    },
    SettingDef {
        key: Key::ReleaseDocumentFormat,
        rule: "policy",
        default: "PDF",
        kind: Kind::Choice(&["PDF", "TEXT"]),
        doc: "Release packet documents and letters: PDF (PDF/A-2b, stamped, Bates-numbered) or TEXT (issue #12)",
    },
    SettingDef {
        key: Key::BatesPrefix,
        rule: "policy",
        default: "",
        kind: Kind::Text,
        doc: "Bates number prefix of release packets; empty = the facility name's initials (issue #12)",
    },
    SettingDef {
        key: Key::PrivacyContact,
        rule: "LTR-05",
        default: "",
        kind: Kind::Text,
        doc: "Where individuals complain to the facility, named in denial letters (45 CFR 164.524(d)(2)(iii)); empty = the Privacy Officer",
    },
    SettingDef {
        key: Key::FeeMethod,
        rule: "ROI-04",
        default: "flat",
        kind: Kind::Checked {
            what: "actual, average_schedule or flat (ROI-04)",
            check: check_fee_method,
        },
        doc: "Fee for the individual's copies: actual, average_schedule or flat (ROI-04)",
    },
    SettingDef {
        key: Key::FlatFeeCents,
        rule: "ROI-04",
        default: "650",
        kind: Kind::Int {
            min: 0,
            max: 100_000,
        },
        doc: "Flat fee in cents; capped at $6.50 for the individual's electronic copies (ROI-04)",
    },
    SettingDef {
        key: Key::FeePerPageCents,
        rule: "ROI-04",
        default: "10",
        kind: Kind::Int {
            min: 0,
            max: 10_000,
        },
        doc: "Cost-based copying labor and supplies per page, cents (ROI-04 actual/average_schedule)",
    },
    SettingDef {
        key: Key::PostageCents,
        rule: "ROI-04",
        default: "150",
        kind: Kind::Int {
            min: 0,
            max: 10_000,
        },
        doc: "Postage for paper copies, cents (ROI-04)",
    },
    SettingDef {
        key: Key::StateFeeSchedule,
        rule: "ROI-04",
        default: "base=1500,per_page=25,cap=0",
        kind: Kind::Checked {
            what: "base=CENTS,per_page=CENTS,cap=CENTS",
            check: check_fee_schedule,
        },
        doc: "Third-party fee schedule: base, per_page and cap in cents, cap=0 = none (ROI-04 state_fee_schedule)",
    },
    SettingDef {
        key: Key::ReleasePacketDir,
        rule: "policy",
        default: "",
        kind: Kind::Text,
        doc: "Folder the TUI writes release packets into; empty = packets/ beside the database",
    },
    SettingDef {
        key: Key::AodFeeCents,
        rule: "AOD-05",
        default: "1000",
        kind: Kind::Int {
            min: 0,
            max: 100_000,
        },
        doc: "Cost-based fee for a second accounting of disclosures within 12 months (AOD-05)",
    },
    SettingDef {
        key: Key::FacilityState,
        rule: "DOMAIN 4.4",
        default: "",
        kind: Kind::Checked {
            what: "two-letter state code, or empty",
            check: check_state,
        },
        doc: "Two-letter state whose state_sensitive_rules entry applies; empty = the federal floor (DOMAIN 4.4)",
    },
    SettingDef {
        key: Key::StateSensitiveRules,
        rule: "DOMAIN 4.4",
        default: "",
        kind: Kind::Checked {
            what: "STATE:CAT,CAT;STATE:... (DOMAIN 4.4)",
            check: check_state_rules,
        },
        doc: "Sensitive categories an authorization must name, per state: STATE:CAT,CAT;STATE:… (e.g. NY:HIV,MENTAL_HEALTH,GENETIC); SUD_PART2 and PSYCHOTHERAPY always (federal floor, DOMAIN 4.4)",
    },
    SettingDef {
        key: Key::RoiIncompleteDocuments,
        rule: "policy",
        default: "ACKNOWLEDGE",
        kind: Kind::Choice(&["ACKNOWLEDGE", "HOLD"]),
        doc: "An incomplete or unsigned document in a release: ACKNOWLEDGE = released only with an explicit acknowledgement; HOLD = validation holds the request (HOLD_RECORD_INCOMPLETE) until none is left",
    },
    SettingDef {
        key: Key::FeeClassByRequester,
        rule: "ROI-04",
        default: "",
        kind: Kind::Checked {
            what: "REQUESTER_TYPE=INDIVIDUAL|NONE|STATE_SCHEDULE,...",
            check: check_fee_classes,
        },
        doc: "Fee class overrides, REQUESTER_TYPE=INDIVIDUAL|NONE|STATE_SCHEDULE,… (ROI-04 defaults: SELF, PERSREP individual; PROVIDER_TX, PUBLIC_HEALTH none; others state schedule)",
    },
    SettingDef {
        key: Key::CodingHoldPolicy,
        rule: "COD-20",
        default: "CRITICAL",
        kind: Kind::Choice(&["NONE", "CRITICAL", "ALL"]),
        doc: "Open deficiencies that hold an encounter out of coding (COD-20): NONE, CRITICAL (MISS_DS/MISS_OP/MISS_HP) or ALL",
    },
    SettingDef {
        key: Key::QueryExpireDays,
        rule: "COD-21",
        default: "7",
        kind: Kind::Int { min: 1, max: 90 },
        doc: "Days after which an unanswered documentation query expires and releases the hold (COD-21)",
    },
    SettingDef {
        key: Key::TargetIpPerHour,
        rule: "COD-22",
        default: "2.5",
        kind: Kind::Decimal {
            min: 0.1,
            max: 100.0,
        },
        doc: "Inpatient records coded per productive hour, the throughput target (COD-22)",
    },
    SettingDef {
        key: Key::TargetOpPerHour,
        rule: "COD-22",
        default: "20",
        kind: Kind::Decimal {
            min: 0.1,
            max: 200.0,
        },
        doc: "Outpatient records coded per productive hour, the throughput target (COD-22)",
    },
    SettingDef {
        key: Key::TargetTechPerHour,
        rule: "MET-05",
        default: "10",
        kind: Kind::Decimal {
            min: 0.1,
            max: 200.0,
        },
        doc: "Records analysed per productive hour by a technician, the productivity target (MET-05; hours entered, not inferred)",
    },
    SettingDef {
        key: Key::TargetRoiRequestsPerHour,
        rule: "MET-05",
        default: "3",
        kind: Kind::Decimal {
            min: 0.1,
            max: 100.0,
        },
        doc: "Release requests completed (released) per productive hour by an ROI specialist, the productivity target (MET-05)",
    },
    SettingDef {
        key: Key::TargetRoiPagesPerHour,
        rule: "MET-05",
        default: "150",
        kind: Kind::Decimal {
            min: 1.0,
            max: 10_000.0,
        },
        doc: "Pages released per productive hour by an ROI specialist, the productivity target (MET-05)",
    },
    SettingDef {
        key: Key::DnfcTargetDays,
        rule: "COD-22",
        default: "3",
        kind: Kind::Int { min: 1, max: 60 },
        doc: "Days from discharge to final coding the DNFC report compares against (COD-22)",
    },
    SettingDef {
        key: Key::CliSessionMinutes,
        rule: "AUD-10",
        default: "15",
        kind: Kind::Int { min: 1, max: 480 },
        doc: "Lifetime of a `chartdesk login` session token, bound to the OS user and terminal (AUD-10)",
    },
    SettingDef {
        key: Key::ReleaseZipEncryption,
        rule: "AUD-05",
        default: "NONE",
        kind: Kind::Choice(&["NONE", "AES256"]),
        doc: "Release packet zip: NONE, or AES256 (WinZip AES-256, passphrase shown once to the releaser; needs the encryption build) (AUD-05)",
    },
    SettingDef {
        key: Key::MaxNameLength,
        rule: "limit",
        default: "100",
        kind: Kind::Int {
            min: 10,
            max: 1_000,
        },
        doc: "Longest person or requester name accepted from imports and forms, characters (input limit)",
    },
    SettingDef {
        key: Key::MaxFieldLength,
        rule: "limit",
        default: "4000",
        kind: Kind::Int {
            min: 100,
            max: 1_000_000,
        },
        doc: "Longest free-text field (address, purpose, note, reason) accepted, characters (input limit)",
    },
    SettingDef {
        key: Key::MaxCodesPerEncounter,
        rule: "limit",
        default: "100",
        kind: Kind::Int {
            min: 25,
            max: 1_000,
        },
        doc: "Most diagnosis plus procedure codes one encounter may carry (input limit)",
    },
    SettingDef {
        key: Key::ImportMaxFileMb,
        rule: "limit",
        default: "512",
        kind: Kind::Int { min: 1, max: 4096 },
        doc: "Largest import file accepted, in MB; a larger file is rejected before it is read (HL7 is streamed; a FHIR batch or collection Bundle is streamed and committed in groups; a transaction Bundle is held whole, up to fhir_transaction_max_mb)",
    },
    SettingDef {
        key: Key::FhirTransactionMaxMb,
        rule: "limit",
        default: "16",
        kind: Kind::Int { min: 1, max: 512 },
        doc: "Largest FHIR transaction Bundle, in MB: it is applied atomically in one write, so its size bounds how long it holds the write lock",
    },
    SettingDef {
        key: Key::ImportWriteMs,
        rule: "limit",
        default: "50",
        kind: Kind::Int { min: 1, max: 250 },
        doc: "Milliseconds of work per import write transaction: batch files commit in groups of whole messages/entries so no import holds the write lock much longer (target <= 250 ms)",
    },
    SettingDef {
        key: Key::FhirSpillAfterEntries,
        rule: "limit",
        default: "20000",
        kind: Kind::Int {
            min: 100,
            max: 10_000_000,
        },
        doc: "Entries a streamed FHIR file keeps in memory before its reference index and the entries set aside (forward references) move to a private temporary file: lower bounds memory more tightly, higher spills less",
    },
    SettingDef {
        key: Key::MllpGroupMax,
        rule: "HL7-01",
        default: "200",
        kind: Kind::Int { min: 1, max: 5000 },
        doc: "MLLP listener group commit: at most this many messages share one transaction and one fsync; each is acknowledged after it commits",
    },
    SettingDef {
        key: Key::MllpGroupMs,
        rule: "HL7-01",
        default: "20",
        kind: Kind::Int { min: 1, max: 250 },
        doc: "MLLP listener group commit: a group stops taking messages after this many milliseconds, so the write lock is never held long and ACK latency stays bounded",
    },
    SettingDef {
        key: Key::MllpMaxFrameKb,
        rule: "HL7-01",
        default: "4096",
        kind: Kind::Int {
            min: 16,
            max: 65536,
        },
        doc: "Largest MLLP frame (one HL7 message) the listener accepts, in KiB; a longer one is refused with AR and skipped",
    },
    SettingDef {
        key: Key::MpiMatchWeight,
        rule: "MPI-02",
        default: "20",
        kind: Kind::Decimal {
            min: -50.0,
            max: 100.0,
        },
        doc: "Duplicate detection (Fellegi-Sunter): a pair whose total weight reaches this is a probable duplicate (report duplicates, MPI queue); 20 is above a namesake (same names, birth date and sex, 24.0) whose address and phone disagree (19.7), which a large MPI holds by chance",
    },
    SettingDef {
        key: Key::MpiReviewWeight,
        rule: "MPI-02",
        default: "8",
        kind: Kind::Decimal {
            min: -50.0,
            max: 100.0,
        },
        doc: "Duplicate detection: pairs between this weight and mpi_match_weight are possible duplicates, listed for review only with --all",
    },
    SettingDef {
        key: Key::FacilityTimezone,
        rule: "DOMAIN dates",
        default: "UTC",
        kind: Kind::Checked {
            what: "IANA time zone name (America/Chicago)",
            check: check_zone,
        },
        doc: "IANA time zone of the facility (America/Chicago): calendar days (today, ROI received/due dates) and clinical wall-clock times are counted in it, whatever the zone of the process; `init` sets it from the installing machine's zone",
    },
    SettingDef {
        key: Key::DrgBaseRate,
        rule: "DRG-06",
        default: "0",
        kind: Kind::Decimal {
            min: 0.0,
            max: 1_000_000.0,
        },
        doc: "Hospital MS-DRG base rate in dollars: expected payment = DRG weight x this rate (DRG-06, no wage index or outliers); 0 = not set, no payment shown",
    },
    SettingDef {
        key: Key::FacilityType,
        rule: "POA-03",
        default: "IPPS",
        kind: Kind::Choice(&[
            "IPPS",
            "CAH",
            "LTCH",
            "CANCER",
            "CHILDRENS",
            "IRF",
            "IPF",
            "MARYLAND",
        ]),
        doc: "Facility type (POA-03): IPPS acute hospitals report POA; CAH, LTCH, cancer, children's, IRF, IPF and Maryland-waiver hospitals are exempt (no POA edits, no HAC step in the grouper)",
    },
    SettingDef {
        key: Key::BusinessHours,
        rule: "AUD-14",
        default: "07:00-19:00",
        kind: Kind::Checked {
            what: "HH:MM-HH:MM, facility-local",
            check: check_hours,
        },
        doc: "Facility business hours (facility-local): a chart viewed outside them is after-hours access in the unusual-access report",
    },
    SettingDef {
        key: Key::BulkAccessLimit,
        rule: "AUD-14",
        default: "50",
        kind: Kind::Int {
            min: 1,
            max: 100_000,
        },
        doc: "More distinct patients than this viewed by one user in one clock hour is bulk access in the unusual-access report",
    },
    SettingDef {
        key: Key::AccessReviewDays,
        rule: "AUD-14",
        default: "7",
        kind: Kind::Int { min: 1, max: 366 },
        doc: "Days the unusual-access report covers when no --from is given (the routine access review period)",
    },
    SettingDef {
        key: Key::DenialAlertCount,
        rule: "AUD-14",
        default: "3",
        kind: Kind::Int { min: 1, max: 1000 },
        doc: "Denied or failed actions by one user in one day at which the unusual-access report lists repeated denials",
    },
];

/// A stored name's definition; `None` for an unknown name.
pub fn def(name: &str) -> Option<&'static SettingDef> {
    Key::parse(name).map(Key::def)
}

fn unknown(name: &str) -> CoreError {
    CoreError::invalid("setting", format!("unknown setting {name:?}"))
}

/// The value in force: stored, else the default.
pub fn get(conn: &Reader, key: Key) -> Result<String, CoreError> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [key.name()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(stored.unwrap_or_else(|| key.def().default.to_string()))
}

/// An integer setting; a stored value that no longer parses falls back to the default.
pub fn get_i64(conn: &Reader, key: Key) -> Result<i64, CoreError> {
    let v = get(conn, key)?;
    Ok(v.trim()
        .parse()
        .unwrap_or_else(|_| key.def().default.parse().unwrap_or(0)))
}

/// A decimal setting; a stored value that no longer parses falls back to the default.
pub fn get_f64(conn: &Reader, key: Key) -> Result<f64, CoreError> {
    let v = get(conn, key)?;
    Ok(v.trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .unwrap_or_else(|| key.def().default.parse().unwrap_or(0.0)))
}

fn check_fee_method(v: &str) -> Result<(), String> {
    crate::roi::fees::FeeMethod::parse(v.trim())
        .map(|_| ())
        .ok_or_else(|| format!("{v:?} is not actual, average_schedule or flat (ROI-04)"))
}

fn check_state(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v.is_empty() || (v.len() == 2 && v.chars().all(|c| c.is_ascii_alphabetic())) {
        Ok(())
    } else {
        Err(format!("{v:?} is not a two-letter state code (or empty)"))
    }
}

fn check_state_rules(v: &str) -> Result<(), String> {
    crate::roi::category::parse_state_rules(v).map(|_| ())
}

fn check_fee_classes(v: &str) -> Result<(), String> {
    crate::roi::fees::parse_fee_classes(v).map(|_| ())
}

fn check_fee_schedule(v: &str) -> Result<(), String> {
    crate::roi::fees::parse_fee_schedule(v).map(|_| ())
}

fn check_date(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v.is_empty() || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() {
        Ok(())
    } else {
        Err(format!("{v:?} is not a date YYYY-MM-DD (or empty)"))
    }
}

fn check_zone(v: &str) -> Result<(), String> {
    crate::clock::parse_zone(v).map(|_| ())
}

fn check_edges(v: &str) -> Result<(), String> {
    let n: Result<Vec<i64>, _> = v.split(',').map(|s| s.trim().parse::<i64>()).collect();
    match n.as_deref() {
        Ok([a, b, c]) if 0 < *a && a < b && b < c => Ok(()),
        _ => Err(format!(
            "{v:?} is not three rising whole days (7,14,30) (DEL-06)"
        )),
    }
}

/// `business_hours` (AUD-14): `HH:MM-HH:MM`, start before end, facility-local.
pub fn parse_hours(v: &str) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
    let bad = || format!("{v:?} is not business hours HH:MM-HH:MM (AUD-14)");
    let (a, b) = v.trim().split_once('-').ok_or_else(bad)?;
    let t = |s: &str| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
    let (a, b) = (t(a)?, t(b)?);
    if a >= b {
        return Err(format!("{v:?}: the start must be before the end (AUD-14)"));
    }
    Ok((a, b))
}

fn check_hours(v: &str) -> Result<(), String> {
    parse_hours(v).map(|_| ())
}

/// Check a value against its definition.
pub fn validate(d: &SettingDef, value: &str) -> Result<(), CoreError> {
    let name = d.name();
    match d.kind {
        Kind::Int { min, max } => {
            let n: i64 = value.trim().parse().map_err(|_| {
                CoreError::invalid(name, format!("{value:?} is not a whole number"))
            })?;
            if n < min || n > max {
                return Err(CoreError::invalid(
                    name,
                    format!("{n} is outside {min}..={max}"),
                ));
            }
        }
        Kind::Decimal { min, max } => {
            let n: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| CoreError::invalid(name, format!("{value:?} is not a number")))?;
            if n < min || n > max {
                return Err(CoreError::invalid(
                    name,
                    format!("{n} is outside {min}..={max}"),
                ));
            }
        }
        Kind::Choice(words) => {
            if !words.iter().any(|w| w.eq_ignore_ascii_case(value.trim())) {
                return Err(CoreError::invalid(
                    name,
                    format!("{value:?} is not one of {}", words.join(", ")),
                ));
            }
        }
        Kind::DeficiencyRules => {
            if !value.trim().is_empty() {
                serde_json::from_str::<crate::deficiency::rules::RuleSet>(value)
                    .map_err(|e| CoreError::invalid(name, format!("not a valid rule set: {e}")))?;
            }
        }
        Kind::Text | Kind::Checked { .. } => {
            if value.chars().any(|c| c.is_control()) {
                return Err(CoreError::invalid(
                    name,
                    "control characters are not allowed",
                ));
            }
            if let Kind::Checked { check, .. } = d.kind {
                check(value).map_err(|e| CoreError::invalid(name, e))?;
            }
        }
    }
    Ok(())
}

/// Change a setting by its stored name (supervisor only, enforced here), audited with the
/// old and new values in the same transaction. The name comes from a user (CLI, settings
/// screen); code that knows its key passes `key.name()`.
pub fn set(store: &mut Store, actor: &Actor, name: &str, value: &str) -> Result<(), CoreError> {
    let d = def(name).ok_or_else(|| unknown(name))?;
    let key = d.key;
    authorize(store, actor, Perm::Administer, "setting", key.name())?;
    validate(d, value)?;
    let value = match d.kind {
        Kind::Choice(_) => value.trim().to_ascii_uppercase(),
        _ => value.trim().to_string(),
    };
    let value = value.as_str();
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        let old = get(tx, key)?;
        tx.execute(
            "INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
            rusqlite::params![key.name(), value, now, actor.username],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::SettingsChange, "setting", key.name())
                .detail(json!({"old": old, "new": value, "rule": d.rule})),
        );
        Ok(())
    })
}

/// Every setting with its value in force, in [`SETTINGS`] order.
pub fn list(conn: &Reader) -> Result<Vec<(&'static SettingDef, String)>, CoreError> {
    SETTINGS
        .iter()
        .map(|d| Ok((d, get(conn, d.key)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_key_order_and_complete() {
        assert_eq!(SETTINGS.len(), Key::ALL.len());
        for (i, k) in Key::ALL.iter().enumerate() {
            assert_eq!(SETTINGS[i].key, *k, "SETTINGS[{i}] is not {k}");
            assert_eq!(Key::parse(k.name()), Some(*k));
            assert!(!SETTINGS[i].rule.is_empty() && !SETTINGS[i].doc.is_empty());
        }
    }

    #[test]
    fn every_default_passes_its_own_validation() {
        for d in SETTINGS {
            assert!(
                validate(d, d.default).is_ok(),
                "{} default {:?}",
                d.name(),
                d.default
            );
        }
    }

    #[test]
    fn checked_kinds_reject_bad_values() {
        let bad = [
            (Key::FeeMethod, "cheap"),
            (Key::FacilityState, "New York"),
            (Key::StateFeeSchedule, "base=x"),
            (Key::AnalysisCutoverDate, "2026-13-01"),
            (Key::FacilityTimezone, "Mars/Olympus"),
            (Key::AgingBucketEdges, "14,7,30"),
            (Key::BusinessHours, "19:00-07:00"),
            (Key::BusinessHours, "9-5"),
        ];
        for (k, v) in bad {
            assert!(validate(k.def(), v).is_err(), "{k} accepted {v:?}");
        }
        assert_eq!(
            parse_hours("08:30-17:00").map(|(a, b)| (a.to_string(), b.to_string())),
            Ok(("08:30:00".to_string(), "17:00:00".to_string()))
        );
    }
}
