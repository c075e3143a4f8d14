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

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// An integer within inclusive bounds.
    Int {
        min: i64,
        max: i64,
    },
    Text,
    /// A decimal number within inclusive bounds.
    Decimal {
        min: f64,
        max: f64,
    },
    /// One of a fixed list of words (stored upper case).
    Choice(&'static [&'static str]),
    /// The deficiency rule set as JSON (empty = the DOMAIN.md defaults).
    DeficiencyRules,
}

#[derive(Clone, Copy, Debug)]
pub struct SettingDef {
    pub key: &'static str,
    pub default: &'static str,
    pub kind: Kind,
    /// What it does, citing the rule it implements.
    pub doc: &'static str,
}

pub const SETTINGS: &[SettingDef] = &[
    SettingDef {
        key: "facility_name",
        default: "Demo General Hospital",
        kind: Kind::Text,
        doc: "Facility name shown on screens, letters and release packets",
    },
    SettingDef {
        key: "max_failed_logins",
        default: "5",
        kind: Kind::Int { min: 1, max: 20 },
        doc: "Failed logins before an account locks (AUD-02); a supervisor unlocks it",
    },
    SettingDef {
        key: "idle_logoff_minutes",
        default: "15",
        kind: Kind::Int { min: 1, max: 15 },
        doc: "Idle minutes before the session locks and needs the password (AUD-03)",
    },
    SettingDef {
        key: "audit_anchor_path",
        default: "",
        kind: Kind::Text,
        doc: "Ignored (kept for old databases): the anchor file never comes from the database it protects; use `audit --anchors`, CHARTDESK_ANCHORS, or the default <database>.anchors",
    },
    SettingDef {
        key: "record_delinquent_days",
        default: "30",
        kind: Kind::Int { min: 1, max: 30 },
        doc: "Days after discharge by which a record must be complete (DEL-01; may only be shortened)",
    },
    SettingDef {
        key: "deficiency_delinquent_days",
        default: "14",
        kind: Kind::Int { min: 1, max: 90 },
        doc: "Days after assignment after which an open deficiency is delinquent (DEL-02)",
    },
    SettingDef {
        key: "aging_bucket_edges",
        default: "7,14,30",
        kind: Kind::Text,
        doc: "Aging bucket upper edges in days: 0-7, 8-14, 15-30, 31+ (DEL-06)",
    },
    SettingDef {
        key: "delinquency_avg_months",
        default: "3",
        kind: Kind::Int { min: 1, max: 24 },
        doc: "Months of discharges averaged for the delinquency rate (DEL-04)",
    },
    SettingDef {
        key: "delinquency_alert_pct",
        default: "50",
        kind: Kind::Int { min: 1, max: 1000 },
        doc: "Delinquency rate (%) that raises an alert (DEL-05; policy since 2016)",
    },
    SettingDef {
        key: "claim_minutes",
        default: "30",
        kind: Kind::Int { min: 1, max: 480 },
        doc: "Minutes a work claim on a chart lasts without activity (two users never work one chart)",
    },
    SettingDef {
        key: "deficiency_rules",
        default: "",
        kind: Kind::DeficiencyRules,
        doc: "Required-documentation rules as JSON (DOMAIN 2.1 matrix and windows); empty = defaults",
    },
    SettingDef {
        key: "analysis_cutover_date",
        default: "",
        kind: Kind::Text,
        doc: "Go-live date (YYYY-MM-DD): discharges before it are history, imported and kept but never analysed unless `analyze --since`, and not counted in delinquency, DNFB/DNFC or the coding backlog; empty = no cut-over",
    },
    SettingDef {
        key: "max_stay_days",
        default: "365",
        kind: Kind::Int { min: 1, max: 36500 },
        doc: "A stay longer than this is implausible (DQ-LOS): it goes to the data-quality list, not into analysis",
    },
    SettingDef {
        key: "doc_days_after_discharge",
        default: "30",
        kind: Kind::Int { min: 0, max: 365 },
        doc: "Days after discharge a document may be dated (late dictation); later, or before the H&P window, is DQ-DOC-DATE",
    },
    SettingDef {
        key: "progress_note_policy",
        default: "PER_CHART",
        kind: Kind::Choice(&["PER_CHART", "PER_DAY"]),
        doc: "REQ-PN: PER_CHART = one MISS_PN per chart listing the missing days; PER_DAY = one per day up to progress_note_day_cap",
    },
    SettingDef {
        key: "progress_note_day_cap",
        default: "14",
        kind: Kind::Int { min: 1, max: 365 },
        doc: "REQ-PN with PER_DAY: at most this many MISS_PN per chart (the rest are named in the last one)",
    },
    SettingDef {
        key: "or_procedure_codes",
        default: "80146002,65546002,699253003,447365002,38102005,52734007,609588000,69031006,232717009,11466000",
        kind: Kind::Text,
        doc: "Facility O.R. procedure list (SNOMED or ICD-10-PCS codes, comma-separated; PCS codes the MS-DRG tables flag O.R. count too): a stay is surgical only with one of these performed (REQ-OP, REQ-CONSENT)",
    },
    SettingDef {
        key: "query_escalate_days",
        default: "3",
        kind: Kind::Int { min: 1, max: 60 },
        doc: "Days an unanswered documentation query waits before it escalates (COD-21), one level per period",
    },
    SettingDef {
        key: "access_due_days",
        default: "30",
        kind: Kind::Int { min: 1, max: 30 },
        doc: "Days to act on an individual's access request (ROI-01; a stricter state may shorten)",
    },
    SettingDef {
        key: "max_extension_days",
        default: "30",
        kind: Kind::Int { min: 0, max: 30 },
        doc: "Days the one extension of an access request may add (ROI-01; a stricter state may shorten)",
    },
    SettingDef {
        key: "pause_on_hold_non_access",
        default: "1",
        kind: Kind::Int { min: 0, max: 1 },
        doc: "1 = holds pause the clock of requests outside the right of access (ROI-02); access clocks never pause",
    },
    SettingDef {
        key: "roi_qa_required",
        default: "1",
        kind: Kind::Int { min: 0, max: 1 },
        doc: "1 = every release passes QA review by a user other than the releaser (DOMAIN 4.5)",
    },
    SettingDef {
        key: "release_document_format",
        default: "PDF",
        kind: Kind::Choice(&["PDF", "TEXT"]),
        doc: "Release packet documents and letters: PDF (PDF/A-2b, stamped, Bates-numbered) or TEXT (issue #12)",
    },
    SettingDef {
        key: "bates_prefix",
        default: "",
        kind: Kind::Text,
        doc: "Bates number prefix of release packets; empty = the facility name's initials (issue #12)",
    },
    SettingDef {
        key: "privacy_contact",
        default: "",
        kind: Kind::Text,
        doc: "Where individuals complain to the facility, named in denial letters (45 CFR 164.524(d)(2)(iii)); empty = the Privacy Officer",
    },
    SettingDef {
        key: "fee_method",
        default: "flat",
        kind: Kind::Text,
        doc: "Fee for the individual's copies: actual, average_schedule or flat (ROI-04)",
    },
    SettingDef {
        key: "flat_fee_cents",
        default: "650",
        kind: Kind::Int {
            min: 0,
            max: 100_000,
        },
        doc: "Flat fee in cents; capped at $6.50 for the individual's electronic copies (ROI-04)",
    },
    SettingDef {
        key: "fee_per_page_cents",
        default: "10",
        kind: Kind::Int {
            min: 0,
            max: 10_000,
        },
        doc: "Cost-based copying labor and supplies per page, cents (ROI-04 actual/average_schedule)",
    },
    SettingDef {
        key: "postage_cents",
        default: "150",
        kind: Kind::Int {
            min: 0,
            max: 10_000,
        },
        doc: "Postage for paper copies, cents (ROI-04)",
    },
    SettingDef {
        key: "state_fee_schedule",
        default: "base=1500,per_page=25,cap=0",
        kind: Kind::Text,
        doc: "Third-party fee schedule: base, per_page and cap in cents, cap=0 = none (ROI-04 state_fee_schedule)",
    },
    SettingDef {
        key: "release_packet_dir",
        default: "",
        kind: Kind::Text,
        doc: "Folder the TUI writes release packets into; empty = packets/ beside the database",
    },
    SettingDef {
        key: "aod_fee_cents",
        default: "1000",
        kind: Kind::Int {
            min: 0,
            max: 100_000,
        },
        doc: "Cost-based fee for a second accounting of disclosures within 12 months (AOD-05)",
    },
    SettingDef {
        key: "facility_state",
        default: "",
        kind: Kind::Text,
        doc: "Two-letter state whose state_sensitive_rules entry applies; empty = the federal floor (DOMAIN 4.4)",
    },
    SettingDef {
        key: "state_sensitive_rules",
        default: "",
        kind: Kind::Text,
        doc: "Sensitive categories an authorization must name, per state: STATE:CAT,CAT;STATE:… (e.g. NY:HIV,MENTAL_HEALTH,GENETIC); SUD_PART2 and PSYCHOTHERAPY always (federal floor, DOMAIN 4.4)",
    },
    SettingDef {
        key: "roi_incomplete_documents",
        default: "ACKNOWLEDGE",
        kind: Kind::Choice(&["ACKNOWLEDGE", "HOLD"]),
        doc: "An incomplete or unsigned document in a release: ACKNOWLEDGE = released only with an explicit acknowledgement; HOLD = validation holds the request (HOLD_RECORD_INCOMPLETE) until none is left",
    },
    SettingDef {
        key: "fee_class_by_requester",
        default: "",
        kind: Kind::Text,
        doc: "Fee class overrides, REQUESTER_TYPE=INDIVIDUAL|NONE|STATE_SCHEDULE,… (ROI-04 defaults: SELF, PERSREP individual; PROVIDER_TX, PUBLIC_HEALTH none; others state schedule)",
    },
    SettingDef {
        key: "coding_hold_policy",
        default: "CRITICAL",
        kind: Kind::Choice(&["NONE", "CRITICAL", "ALL"]),
        doc: "Open deficiencies that hold an encounter out of coding (COD-20): NONE, CRITICAL (MISS_DS/MISS_OP/MISS_HP) or ALL",
    },
    SettingDef {
        key: "query_expire_days",
        default: "7",
        kind: Kind::Int { min: 1, max: 90 },
        doc: "Days after which an unanswered documentation query expires and releases the hold (COD-21)",
    },
    SettingDef {
        key: "target_ip_per_hour",
        default: "2.5",
        kind: Kind::Decimal {
            min: 0.1,
            max: 100.0,
        },
        doc: "Inpatient records coded per productive hour, the throughput target (COD-22)",
    },
    SettingDef {
        key: "target_op_per_hour",
        default: "20",
        kind: Kind::Decimal {
            min: 0.1,
            max: 200.0,
        },
        doc: "Outpatient records coded per productive hour, the throughput target (COD-22)",
    },
    SettingDef {
        key: "dnfc_target_days",
        default: "3",
        kind: Kind::Int { min: 1, max: 60 },
        doc: "Days from discharge to final coding the DNFC report compares against (COD-22)",
    },
    SettingDef {
        key: "cli_session_minutes",
        default: "15",
        kind: Kind::Int { min: 1, max: 480 },
        doc: "Lifetime of a `chartdesk login` session token, bound to the OS user and terminal (AUD-10)",
    },
    SettingDef {
        key: "release_zip_encryption",
        default: "NONE",
        kind: Kind::Choice(&["NONE", "AES256"]),
        doc: "Release packet zip: NONE, or AES256 (WinZip AES-256, passphrase shown once to the releaser; needs the encryption build) (AUD-05)",
    },
    SettingDef {
        key: "max_name_length",
        default: "100",
        kind: Kind::Int {
            min: 10,
            max: 1_000,
        },
        doc: "Longest person or requester name accepted from imports and forms, characters (input limit)",
    },
    SettingDef {
        key: "max_field_length",
        default: "4000",
        kind: Kind::Int {
            min: 100,
            max: 1_000_000,
        },
        doc: "Longest free-text field (address, purpose, note, reason) accepted, characters (input limit)",
    },
    SettingDef {
        key: "max_codes_per_encounter",
        default: "100",
        kind: Kind::Int {
            min: 25,
            max: 1_000,
        },
        doc: "Most diagnosis plus procedure codes one encounter may carry (input limit)",
    },
    SettingDef {
        key: "import_max_file_mb",
        default: "512",
        kind: Kind::Int { min: 1, max: 4096 },
        doc: "Largest import file accepted, in MB; a larger file is rejected before it is read (HL7 is streamed; a FHIR file and its parsed records are held in memory until written)",
    },
    SettingDef {
        key: "fhir_transaction_max_mb",
        default: "16",
        kind: Kind::Int { min: 1, max: 512 },
        doc: "Largest FHIR transaction Bundle, in MB: it is applied atomically in one write, so its size bounds how long it holds the write lock",
    },
    SettingDef {
        key: "import_write_ms",
        default: "50",
        kind: Kind::Int { min: 1, max: 250 },
        doc: "Milliseconds of work per import write transaction: batch files commit in groups of whole messages/entries so no import holds the write lock much longer (target <= 250 ms)",
    },
    SettingDef {
        key: "mllp_group_max",
        default: "200",
        kind: Kind::Int { min: 1, max: 5000 },
        doc: "MLLP listener group commit: at most this many messages share one transaction and one fsync; each is acknowledged after it commits",
    },
    SettingDef {
        key: "mllp_group_ms",
        default: "20",
        kind: Kind::Int { min: 1, max: 250 },
        doc: "MLLP listener group commit: a group stops taking messages after this many milliseconds, so the write lock is never held long and ACK latency stays bounded",
    },
    SettingDef {
        key: "mllp_max_frame_kb",
        default: "4096",
        kind: Kind::Int {
            min: 16,
            max: 65536,
        },
        doc: "Largest MLLP frame (one HL7 message) the listener accepts, in KiB; a longer one is refused with AR and skipped",
    },
    SettingDef {
        key: "mpi_match_weight",
        default: "20",
        kind: Kind::Decimal {
            min: -50.0,
            max: 100.0,
        },
        doc: "Duplicate detection (Fellegi-Sunter): a pair whose total weight reaches this is a probable duplicate (report duplicates, MPI queue); 20 is above a namesake (same names, birth date and sex, 24.0) whose address and phone disagree (19.7), which a large MPI holds by chance",
    },
    SettingDef {
        key: "mpi_review_weight",
        default: "8",
        kind: Kind::Decimal {
            min: -50.0,
            max: 100.0,
        },
        doc: "Duplicate detection: pairs between this weight and mpi_match_weight are possible duplicates, listed for review only with --all",
    },
    SettingDef {
        key: "facility_timezone",
        default: "UTC",
        kind: Kind::Text,
        doc: "IANA time zone of the facility (America/Chicago): calendar days (today, ROI received/due dates) and clinical wall-clock times are counted in it, whatever the zone of the process; `init` sets it from the installing machine's zone",
    },
    SettingDef {
        key: "drg_base_rate",
        default: "0",
        kind: Kind::Decimal {
            min: 0.0,
            max: 1_000_000.0,
        },
        doc: "Hospital MS-DRG base rate in dollars: expected payment = DRG weight x this rate (DRG-06, no wage index or outliers); 0 = not set, no payment shown",
    },
    SettingDef {
        key: "facility_type",
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
];

pub fn def(key: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.key == key)
}

/// The value in force: stored, else the default. Unknown keys are an error.
pub fn get(conn: &Reader, key: &str) -> Result<String, CoreError> {
    let d = def(key)
        .ok_or_else(|| CoreError::invalid("setting", format!("unknown setting {key:?}")))?;
    let stored: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(stored.unwrap_or_else(|| d.default.to_string()))
}

/// An integer setting; a stored value that no longer parses falls back to the default.
pub fn get_i64(conn: &Reader, key: &str) -> Result<i64, CoreError> {
    let v = get(conn, key)?;
    let d = def(key).map(|d| d.default).unwrap_or("0");
    Ok(v.parse().unwrap_or_else(|_| d.parse().unwrap_or(0)))
}

/// A decimal setting; a stored value that no longer parses falls back to the default.
pub fn get_f64(conn: &Reader, key: &str) -> Result<f64, CoreError> {
    let v = get(conn, key)?;
    let d = def(key).map(|d| d.default).unwrap_or("0");
    Ok(v.trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .unwrap_or_else(|| d.parse().unwrap_or(0.0)))
}

/// Check a value against its definition.
pub fn validate(d: &SettingDef, value: &str) -> Result<(), CoreError> {
    match d.kind {
        Kind::Int { min, max } => {
            let n: i64 = value.trim().parse().map_err(|_| {
                CoreError::invalid(d.key, format!("{value:?} is not a whole number"))
            })?;
            if n < min || n > max {
                return Err(CoreError::invalid(
                    d.key,
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
                .ok_or_else(|| CoreError::invalid(d.key, format!("{value:?} is not a number")))?;
            if n < min || n > max {
                return Err(CoreError::invalid(
                    d.key,
                    format!("{n} is outside {min}..={max}"),
                ));
            }
        }
        Kind::Choice(words) => {
            if !words.iter().any(|w| w.eq_ignore_ascii_case(value.trim())) {
                return Err(CoreError::invalid(
                    d.key,
                    format!("{value:?} is not one of {}", words.join(", ")),
                ));
            }
        }
        Kind::DeficiencyRules => {
            if !value.trim().is_empty() {
                serde_json::from_str::<crate::deficiency::rules::RuleSet>(value)
                    .map_err(|e| CoreError::invalid(d.key, format!("not a valid rule set: {e}")))?;
            }
        }
        Kind::Text => {
            if value.chars().any(|c| c.is_control()) {
                return Err(CoreError::invalid(
                    d.key,
                    "control characters are not allowed",
                ));
            }
            if d.key == "fee_method" && crate::roi::fees::FeeMethod::parse(value.trim()).is_none() {
                return Err(CoreError::invalid(
                    d.key,
                    format!("{value:?} is not actual, average_schedule or flat (ROI-04)"),
                ));
            }
            if d.key == "facility_state"
                && !value.trim().is_empty()
                && (value.trim().len() != 2
                    || !value.trim().chars().all(|c| c.is_ascii_alphabetic()))
            {
                return Err(CoreError::invalid(
                    d.key,
                    format!("{value:?} is not a two-letter state code (or empty)"),
                ));
            }
            if d.key == "state_sensitive_rules" {
                crate::roi::category::parse_state_rules(value)
                    .map_err(|e| CoreError::invalid(d.key, e))?;
            }
            if d.key == "fee_class_by_requester" {
                crate::roi::fees::parse_fee_classes(value)
                    .map_err(|e| CoreError::invalid(d.key, e))?;
            }
            if d.key == "analysis_cutover_date"
                && !value.trim().is_empty()
                && chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").is_err()
            {
                return Err(CoreError::invalid(
                    d.key,
                    format!("{value:?} is not a date YYYY-MM-DD (or empty)"),
                ));
            }
            if d.key == "facility_timezone" {
                crate::clock::parse_zone(value).map_err(|e| CoreError::invalid(d.key, e))?;
            }
            if d.key == "state_fee_schedule" {
                crate::roi::release::parse_fee_schedule(value)
                    .map_err(|e| CoreError::invalid(d.key, e))?;
            }
        }
    }
    Ok(())
}

/// Change a setting (supervisor only), audited with old and new values.
pub fn set(store: &mut Store, actor: &Actor, key: &str, value: &str) -> Result<(), CoreError> {
    let d = def(key)
        .ok_or_else(|| CoreError::invalid("setting", format!("unknown setting {key:?}")))?;
    authorize(store, actor, Perm::Administer, "setting", key)?;
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
            rusqlite::params![key, value, now, actor.username],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::SettingsChange, "setting", key)
                .detail(json!({"old": old, "new": value})),
        );
        Ok(())
    })
}

/// Every setting with its value in force.
pub fn list(conn: &Reader) -> Result<Vec<(&'static SettingDef, String)>, CoreError> {
    SETTINGS
        .iter()
        .map(|d| Ok((d, get(conn, d.key)?)))
        .collect()
}
