//! The clap definitions of the command line: `Cli`, its subcommands and their arguments
//! (re-exported from `crate::cli`); the handlers live beside this file, by area.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::{coding, desk, edits, group, hours, install, listen, mpi, privacy, roi, trust};
use crate::demo;
use crate::domain::Role;

#[derive(Parser, Debug)]
#[command(
    name = "chartdesk",
    version,
    about = "Terminal workstation for hospital Health Information Management",
    long_about = "chartdesk gives HIM staff keyboard-driven queues over one SQLite database: deficiency \
analysis, coding, release of information and supervision, with every action written to a \
hash-chained audit log.\n\nWith no subcommand it opens the terminal UI on the database."
)]
pub struct Cli {
    /// Database file [default: $CHARTDESK_DB, else the platform data directory]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Read passwords from standard input, one per line: the acting user's for `--as` or
    /// `login` first, then a new one for `user add`/`user passwd` (for scripts)
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// File holding the database encryption key (mode 0600) [default: $CHARTDESK_KEY_FILE,
    /// else $CHARTDESK_KEY, else a prompt when the database is encrypted] (AUD-05)
    #[arg(long, global = true, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new, empty chartdesk database (or check that an existing one is current)
    Init(InitArgs),
    /// Check USER's password and leave a short-lived session for this OS user and terminal
    /// (`cli_session_minutes`); later commands act as USER without `--as` (AUD-10)
    Login { user: String },
    /// End this terminal's session
    Logout,
    /// Show the OS user (from the kernel) and the chartdesk user commands act as
    Whoami,
    /// Set up a shared server (run as root): service group, database folder and file owned by
    /// it and closed to others, the binary set-group-id to it (AUD-10)
    InstallServer(install::InstallArgs),
    /// Check the installation: modes, ownership, set-group-id binary, encryption; exit 1 on a
    /// failure (AUD-10, AUD-05)
    Doctor,
    /// Change the database encryption key (new key from --new-key-file, $CHARTDESK_NEW_KEY or a
    /// prompt); encrypts a plain database (AUD-05; needs the `encryption` build)
    Rekey(install::RekeyArgs),
    /// Build a fresh demo database with synthetic patients and one user per role, then open the TUI
    Demo(DemoArgs),
    /// Generate synthetic patients into the database (for benchmarks: --encounters 1000000)
    Gen(GenArgs),
    /// Manage users (supervisor work; users are never deleted)
    #[command(subcommand)]
    User(UserCmd),
    /// Verify, anchor and export the hash-chained audit log
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Show or change facility settings
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// ICD-10-CM/PCS code sets: show a code with its notes, search, load a later release
    #[command(subcommand)]
    Codes(CodesCmd),
    /// Run the coding edits (MCE, Excludes1, POA, 7th character, …) on an encounter or on codes
    /// given as arguments; exit 1 when any error-level edit fires
    Edits(edits::EditsArgs),
    /// MS-DRG v43 grouper on an encounter or on codes given as arguments: MDC, DRG, the CC/MCC
    /// that decided it, HAC and final DRG; exit 1 when the claim groups to an error DRG
    Group(group::GroupArgs),
    /// The coding workbench for scripts: queue, held list (COD-20), set codes, complete,
    /// reopen, documentation queries (COD-21), export for billing (FHIR R4 or CSV)
    #[command(subcommand)]
    Coding(coding::CodingCmd),
    /// Release-of-information authorization checks (45 CFR 164.508)
    #[command(subcommand)]
    Auth(AuthCmd),
    /// Release of information: log, validate, hold, extend, QA, release, deny, close; the
    /// queue; accounting-of-disclosures requests and suspensions (DOMAIN 4, 5)
    Roi(roi::RoiArgs),
    /// Release a request and write its packet (folder + zip: manifest with checksums,
    /// documents, FHIR Bundle, invoice, 42 CFR 2.32 notice when Part 2 records go out)
    Release {
        /// Request id (REQ-000042 or 42)
        request: String,
        /// Directory the packet folder and zip are written into
        #[arg(long)]
        out: PathBuf,
        /// Act as this chartdesk user [default: the system administrator]
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Import clinical data: FHIR R4 bundles/resources or HL7 v2 messages (files or folders);
    /// one transaction per file, bad files rejected whole and explained
    #[command(subcommand)]
    Import(ImportCmd),
    /// Take live feeds: `listen hl7 --bind 127.0.0.1:2575` (MLLP)
    #[command(subcommand)]
    Listen(listen::ListenCmd),
    /// Master patient index: the HIM queue of identity conflicts, held merges and duplicates;
    /// merge and unmerge
    #[command(subcommand)]
    Mpi(mpi::MpiCmd),
    /// Privacy review and staff work (supervisor): the unusual-access report (AUD-14), VIP and
    /// employee flags, who looked at a chart, work assignment
    #[command(subcommand)]
    Privacy(privacy::PrivacyCmd),
    /// Discharge an encounter by hand (no ADT feed) and run deficiency analysis on it
    Discharge {
        /// Visit number
        visit: String,
        /// Discharge time, YYYY-MM-DDTHH:MM[:SS] (facility time)
        #[arg(long)]
        at: String,
        /// UB-04 discharge status (two digits, e.g. 01 home)
        #[arg(long)]
        disposition: Option<String>,
    },
    /// Run deficiency analysis on discharged charts awaiting it (and, with --since, re-check
    /// every chart discharged on or after DATE)
    Analyze {
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
    },
    /// Department reports
    #[command(subcommand)]
    Report(ReportCmd),
    /// Productive hours (MET-05): enter your own, or (supervisor) anyone's; list them
    #[command(subcommand)]
    Hours(hours::HoursCmd),
    /// HIM desk actions: cosign, bulk complete, break the glass, re-review, query desk (#13)
    Desk(desk::DeskArgs),
    /// Measure performance targets against a raw-SQLite baseline in the same run
    Bench(crate::bench::BenchArgs),
    /// (internal) open a database and draw the first screens; used by `bench`
    #[command(hide = true)]
    FirstScreen,
    /// Online backup through SQLite's backup API; the copy is checked (integrity_check, audit
    /// chain) before it gets its name, and the backup is recorded in the audit log (AUD-15)
    Backup(trust::BackupArgs),
    /// Put a backup in place of the database: the backup is checked, the current database saved
    /// beside it, and the restore recorded and anchored (AUD-15)
    Restore(trust::RestoreArgs),
    /// Prove the trust properties on a scratch database, one line per property with its figure:
    /// tamper, kill-anywhere, many writers, commit syncs, disk full, hostile input
    Selftest(trust::SelftestArgs),
    /// (internal) the child process of `selftest`
    #[command(hide = true)]
    SelftestChild(trust::SelftestChildArgs),
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Generator seed (the same seed gives the same patients)
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Number of encounters to generate
    #[arg(long, default_value_t = 600, value_parser = positive)]
    pub encounters: usize,
    /// Build the database and print where it is, without opening the TUI
    #[arg(long)]
    pub no_tui: bool,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The facility's name, printed on letters, packets and screens [asked when run at a
    /// terminal]
    #[arg(long)]
    pub facility: Option<String>,
}

#[derive(Args, Debug)]
pub struct GenArgs {
    #[arg(long, value_parser = positive)]
    pub encounters: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Then inject known duplicate patients with realistic errors (`1%`), for
    /// `report duplicates --truth`
    #[arg(long, value_parser = demo::duplicates::parse_fraction)]
    pub duplicates: Option<f64>,
    /// The generator's "today" (YYYY-MM-DD) [default: today]
    #[arg(long)]
    pub today: Option<chrono::NaiveDate>,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user (prompts for the password twice)
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Full name shown on screens
        #[arg(long, default_value = "")]
        full_name: String,
    },
    /// List users
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Disable a user (they can no longer log in; the account is kept)
    Disable { name: String },
    /// Re-enable a disabled user
    Enable { name: String },
    /// Unlock an account locked after failed logins
    Unlock { name: String },
    /// Set a user's password
    Passwd { name: String },
    /// Change a user's role (audited with the old and new role)
    Role {
        name: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Technician,
    Coder,
    Roi,
    Supervisor,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Technician => Role::Technician,
            RoleArg::Coder => Role::Coder,
            RoleArg::Roi => Role::Roi,
            RoleArg::Supervisor => Role::Supervisor,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Check the file (integrity_check), the triggers' SQL, the hash chain, every anchor and the
    /// chain's anchor events against the anchor file; read-only; exit 1 naming the first bad seq
    Verify {
        /// Hash only from the last good anchor to the head (hourly checks, O(new rows)); no
        /// integrity_check
        #[arg(long)]
        since_anchor: bool,
        /// Anchor file [default: $CHARTDESK_ANCHORS, else <database>.anchors beside the real file]
        #[arg(long, value_name = "PATH")]
        anchors: Option<PathBuf>,
        /// Do not record the verification in the log (implied for a read-only file)
        #[arg(long)]
        no_record: bool,
    },
    /// Verify the whole chain, then append its head (seq, hash, time) to the append-only anchor
    /// file and record that in the chain; refuses when the chain does not verify
    Anchor {
        /// Anchor file [default: $CHARTDESK_ANCHORS, else <database>.anchors beside the real file]
        #[arg(long, value_name = "PATH")]
        anchors: Option<PathBuf>,
    },
    /// Export audit rows as JSON lines or FHIR R4 AuditEvent resources (NDJSON)
    Export {
        /// Only rows recorded at or after this UTC time or date (2026-11-01,
        /// 2026-11-01T08:00[:00][Z])
        #[arg(long, value_parser = parse_since)]
        since: Option<String>,
        /// Only rows about this patient
        #[arg(long)]
        patient: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormatArg::Jsonl)]
        format: ExportFormatArg,
        /// Write to this file instead of standard output
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportFormatArg {
    Jsonl,
    Fhir,
}

#[derive(Subcommand, Debug)]
pub enum CodesCmd {
    /// Show a code (with or without the dot) with its titles, notes up the hierarchy,
    /// 7th-character rules and MCE flags
    Show {
        code: String,
        /// Use the code set in force on this date (discharge date) [default: newest loaded]
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
    },
    /// Search codes as the picker does: exact code, code prefix, or words (prefix-matched
    /// against titles and inclusion terms, word forms, the facility's synonyms such as `chf`);
    /// billable codes first, the signed-in user's favourites and recent codes ranked up
    Search {
        query: String,
        #[arg(long, default_value_t = 20, value_parser = positive)]
        limit: usize,
    },
    /// Load a later release given as files in the same format (and/or a site-supplied
    /// POA-exempt list, e.g. CDC POAexemptCodesFY27.txt, and/or the CMS order file
    /// files icd10cm_order_2027.txt / icd10pcs_order_2027.txt for the official titles)
    Load {
        dir: PathBuf,
        #[arg(long)]
        year: i32,
    },
    /// The picker's abbreviations and synonyms (CHF, T2DM, …): loaded from the shipped table,
    /// edited by the facility; every change audited
    #[command(subcommand)]
    Synonym(SynonymCmd),
}

#[derive(Subcommand, Debug)]
pub enum SynonymCmd {
    /// List the table (active terms; --all adds removed ones)
    List {
        #[arg(long)]
        all: bool,
    },
    /// Add a term, or replace what it expands to (administrator)
    Add {
        /// What the coder types (`chf`, `lap chole`)
        term: String,
        /// The words searched instead (`heart failure`)
        expansion: String,
        /// Preferred codes ranked first (`I50.9`, comma-separated or repeated)
        #[arg(long = "code")]
        codes: Vec<String>,
        /// Act as this chartdesk user [default: the signed-in user]
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Remove a term (the row is kept, inactive; shipped terms stay removed)
    Remove {
        term: String,
        /// Act as this chartdesk user [default: the signed-in user]
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuthCmd {
    /// Validate an authorization against a request (JSON, schema in README): every reason
    /// code with its rule; exit 1 when the authorization is not valid for the request
    Check {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Check as of this date [default: today]
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
    /// FHIR R4 JSON: Bundles (transaction, batch, collection, searchset) or single resources
    Fhir {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// HL7 v2 ADT (A01-A04, A08, A11, A13) and MDM (T02-T11) messages; MLLP and FHS/BHS batches
    Hl7 {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// Probable duplicate patient records (Fellegi-Sunter weights; thresholds are settings):
    /// each pair with its weight and the fields that agreed
    Duplicates(mpi::DuplicatesArgs),
    /// Open deficiencies by type and aging bucket, and by provider
    Deficiencies {
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Measurement date [default: today]
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Delinquency rate (DEL-04) with its parts
    Delinquency {
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Accounting of disclosures for a patient (45 CFR 164.528): six years back (AOD-01),
    /// without what AOD-02 excludes or AOD-06 suspends, with the 60-day clock and fee (AOD-05)
    Disclosures {
        /// Patient MRN
        #[arg(long)]
        patient: String,
        /// Shorter period: from this date
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// List repeated disclosures to one recipient for one purpose once, with frequency and
        /// last date (AOD-04)
        #[arg(long)]
        group_repeats: bool,
        /// Act as this chartdesk user [default: the system administrator]
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// DNFB and DNFC (discharged, not final billed / not final coded): counts and days
    Dnfb {
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Coding: held-for-documentation reasons (COD-20) and per-coder throughput and edit
    /// rates against the COD-22 targets
    Coding {
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// First day of completed work counted [default: 30 days before --to]
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day of completed work counted [default: today]
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
    /// Release of information (DOMAIN §7 MET-01): turnaround mean and median, % on time, %
    /// extended, holds by reason, accounting requests answered within 60 days, requests per
    /// specialist
    Roi {
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// First day counted [default: 30 days before --to]
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day counted [default: today]
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
    /// The letter for one physician: every chart and what is owed (by provider id or NPI)
    Provider {
        provider: String,
        #[arg(long, value_enum, default_value_t = LetterFormat::Text)]
        format: LetterFormat,
    },
    /// Implausible encounters kept out of analysis, by rule (DQ-LOS, DQ-ORDER, DQ-FUTURE,
    /// DQ-DOC-DATE), and the history kept before the cut-over date
    DataQuality {
        /// Only this rule
        #[arg(long)]
        rule: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Escalation letters (DEL-07) for every physician at an aging level, as one text batch
    Letters {
        /// Escalation level (1..4 by default: 7, 14, 21 days, then suspension notice)
        #[arg(long)]
        level: i64,
        /// Measurement date [default: today]
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Physicians at the suspension level of the escalation letters (a list; suspension is a
    /// bylaws matter, DEL-07)
    Suspension {
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Break-the-glass opens of sensitive documents, with the purpose given (privacy report)
    Privacy {
        /// First day counted [default: 30 days before --to]
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day counted [default: today]
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Encounters flagged for re-review: a document arrived or was amended after coding
    /// (`--desk coding`) or after analysis (`--desk analysis`)
    Rereview {
        #[arg(long, default_value = "coding")]
        desk: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Inpatient outcomes by service, attending or month: length of stay, disposition mix,
    /// 30-day all-cause readmissions (CMS-style, see the README), in-hospital mortality, left
    /// against medical advice; `--key` lists the stays behind one group
    Outcomes {
        /// First discharge day counted [default: 30 days before --to]
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last discharge day counted [default: today]
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value_t = OutcomeGroup::Service)]
        by: OutcomeGroup,
        /// Drill down: the stays behind this group (a service, an attending, or YYYY-MM)
        #[arg(long)]
        key: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Productivity per user and role (MET-05): units by type, hours entered, units per
    /// hour, target and % of target; users without hours shown as "hours not entered";
    /// system actors excluded
    Productivity {
        /// First day counted [default: 30 days before --to]
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day counted [default: today]
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Act as this chartdesk user [default: the session or the database owner]
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
}

/// How `report outcomes` groups stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutcomeGroup {
    Service,
    Attending,
    Month,
}

impl From<OutcomeGroup> for crate::report::outcomes::GroupBy {
    fn from(g: OutcomeGroup) -> Self {
        match g {
            OutcomeGroup::Service => Self::Service,
            OutcomeGroup::Attending => Self::Attending,
            OutcomeGroup::Month => Self::Month,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LetterFormat {
    Text,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum SettingsCmd {
    /// List every setting with its value in force and what it does
    List,
    /// Change a setting
    Set { key: String, value: String },
}

/// `--since` of `audit export`: a UTC date or date-time, normalised to the text form of
/// `recorded_at` (`2026-11-01T08:00:00.000Z`; a date stays `2026-11-01`) so that the string
/// comparison in the export is a time comparison. Anything else is a usage error (exit 2).
fn parse_since(s: &str) -> std::result::Result<String, String> {
    let t = s.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.format("%Y-%m-%d").to_string());
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(crate::audit::utc_ms(dt.with_timezone(&chrono::Utc)));
    }
    let naive = t.strip_suffix('Z').unwrap_or(t);
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(naive, f) {
            return Ok(crate::audit::utc_ms(dt.and_utc()));
        }
    }
    Err(format!(
        "{s:?} is not a date or UTC time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]"
    ))
}

/// A count that must be at least 1.
fn positive(s: &str) -> std::result::Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{s:?} is not a whole number")),
    }
}
