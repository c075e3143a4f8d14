//! The command line. No subcommand opens the TUI. Exit codes: 0 ok, 1 error, 2 usage;
//! `edits` and `group`: 0 clean, 1 error edits / error DRG, 2 usage, 3 the command failed.
//! Errors print as one line: `chartdesk: error: …`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::{Action, Actor, Event, Outcome, Subtype};
use crate::deficiency::ops::AnalyzeScope;
use crate::demo;
use crate::domain::Role;
use crate::settings;
use crate::store::Store;
use crate::tui;

mod admin;
mod batch;
mod coding;
mod desk;
mod edits;
mod group;
mod hours;
mod install;
mod listen;
mod mpi;
mod mpi_proposals;
mod privacy;
pub use mpi::report_duplicates as mpi_report_duplicates;
pub(crate) mod roi;
pub(crate) mod session;
mod trust;
use admin::{audit_command, user_command};

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

/// Parse arguments, run, print a one-line error on failure.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = run(cli);
    // Output first: a command whose reader left (`| head -1`) exits quietly, and a failed
    // write (`> /dev/full`) is the error to report, whatever the command went on to do.
    if let Some(failure) = crate::output::finish() {
        if let crate::output::Failure::Write(_) = failure {
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {failure}");
        }
        if let Err(e) = &result
            && !crate::output::is_closed_pipe(e)
        {
            let msg = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {msg}");
        }
        return ExitCode::from(failure.exit_code());
    }
    match result {
        Ok(code) => code,
        Err(e) if crate::output::is_closed_pipe(&e) => {
            ExitCode::from(crate::output::Failure::ClosedPipe.exit_code())
        }
        Err(e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// `edits` and `group` tell a claim with errors (exit 1) from a command that failed (exit 3:
/// no database, unreadable input, a date with no code set); usage errors stay 2 (clap).
fn failed_is_3(f: impl FnOnce() -> Result<ExitCode>) -> Result<ExitCode> {
    match f() {
        Err(e) if !crate::output::is_closed_pipe(&e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "chartdesk: error: {msg}");
            Ok(ExitCode::from(3))
        }
        other => other,
    }
}

/// The database path: `--db`, else `CHARTDESK_DB`, else the platform data directory.
pub fn database_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("CHARTDESK_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(data_dir()?.join("chartdesk.db"))
}

fn data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("org", "chartdesk", "chartdesk")
        .map(|d| d.data_dir().to_path_buf())
        .context("no home directory to keep the database in; pass --db PATH or set CHARTDESK_DB")
}

fn run(cli: Cli) -> Result<ExitCode> {
    session::set_password_stdin(cli.password_stdin);
    crate::store::set_process_key(install::key_from_options(
        cli.key_file.as_deref(),
        database_path(cli.db.as_deref()).ok().as_deref(),
    )?);
    let explicit_db = cli.db.clone().or_else(|| {
        std::env::var_os("CHARTDESK_DB")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    });
    match cli.command {
        None => {
            let path = database_path(cli.db.as_deref())?;
            let store = Store::open(&path)?;
            run_tui(store, Vec::new())?;
        }
        Some(Command::Init(args)) => {
            let path = database_path(cli.db.as_deref())?;
            let init = session::system(&path, "init")?;
            let facility = facility_name(args.facility.as_deref(), path.exists())?;
            if path.exists() {
                let mut store = Store::open_or_create(&path)?;
                let codes = crate::codes::load_embedded(&mut store, &init)?;
                println!(
                    "{} is a chartdesk database at schema version {}",
                    path.display(),
                    crate::store::SCHEMA_VERSION
                );
                println!("{codes}");
                if let Some(name) = &facility {
                    settings::set(&mut store, &init, "facility_name", name)?;
                    println!("facility_name = {name}");
                }
            } else {
                let codes = init_new(&path)?;
                match &facility {
                    Some(name) => {
                        let mut store = Store::open(&path)?;
                        settings::set(&mut store, &init, "facility_name", name)?;
                        println!("facility_name = {name}");
                    }
                    None => println!(
                        "facility name not set (letters print the default): chartdesk --db {} settings set facility_name \"NAME\", or init --facility NAME",
                        path.display()
                    ),
                }
                println!(
                    "created {} (schema version {})",
                    path.display(),
                    crate::store::SCHEMA_VERSION
                );
                println!(
                    "next: chartdesk --db {} user add NAME --role supervisor",
                    path.display()
                );
                println!("{codes}");
            }
        }
        Some(Command::Login { user }) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let expires = session::login(&mut store, &user)?;
            println!("logged in as {user} on this terminal until {expires} (UTC)");
        }
        Some(Command::Logout) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            match session::logout(&mut store)? {
                Some(u) => println!("logged out {u}"),
                None => println!("no session on this terminal"),
            }
        }
        Some(Command::Whoami) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            print!("{}", session::whoami(&mut store)?);
        }
        Some(Command::InstallServer(args)) => {
            return install::install_server(&database_path(cli.db.as_deref())?, &args);
        }
        Some(Command::Doctor) => return install::doctor(&database_path(cli.db.as_deref())?),
        Some(Command::Rekey(args)) => {
            return install::rekey(&database_path(cli.db.as_deref())?, &args);
        }
        Some(Command::Demo(args)) => {
            let path = match explicit_db {
                Some(p) => p,
                None => data_dir()?.join("demo.db"),
            };
            let store = build_demo(&path, &args)?;
            if args.no_tui {
                println!("demo database ready: {}", path.display());
                for (u, _, p, _) in demo::DEMO_USERS {
                    println!("  user {u:<12} password {p}");
                }
            } else {
                let creds = demo::DEMO_USERS
                    .iter()
                    .map(|(u, r, p, _)| (u.to_string(), r.label().to_string(), p.to_string()))
                    .collect();
                run_tui(store, creds)?;
            }
        }
        Some(Command::Gen(args)) => {
            let path = database_path(cli.db.as_deref())?;
            let generator = session::system(&path, "gen")?;
            let mut store = Store::open_or_create(&path)?;
            // A killed run with the same seed and count is finished, with its own "today".
            let unfinished = demo::unfinished(store.conn())?.filter(|(u, _)| {
                u.seed == args.seed
                    && u.encounters == args.encounters
                    && args.today.is_none_or(|t| t == u.today)
            });
            let today = match (&unfinished, args.today) {
                (Some((u, _)), _) => u.today,
                (None, Some(t)) => t,
                (None, None) => crate::clock::FacilityClock::read(&store)?.today(),
            };
            let spec = demo::GenSpec {
                seed: args.seed,
                encounters: args.encounters,
                today,
            };
            if let Some((_, done)) = &unfinished {
                println!(
                    "resuming the interrupted run (seed {}, {} encounters, today {today}): {done} already generated",
                    spec.seed, spec.encounters
                );
            }
            let started = std::time::Instant::now();
            let summary = demo::generate(&mut store, &generator, &spec)?;
            // Incomplete charts get their deficiency rows as of their analysis time (issue
            // #15: incomplete ⇔ an open deficiency), as `demo` does.
            crate::deficiency::ops::analyze_batch(
                &mut store,
                &generator,
                crate::deficiency::ops::AnalyzeScope::Analyzed,
            )?;
            // The HIM desk states of issue #13 (orders, consults, cosign, re-review).
            demo::desk::seed(&mut store, &generator)?;
            println!(
                "generated {} encounters, {} patients, {} providers, {} documents into {} in {:.1} s",
                summary.encounters,
                summary.patients,
                summary.providers,
                summary.documents,
                path.display(),
                started.elapsed().as_secs_f64()
            );
            if let Some(f) = args.duplicates {
                let n = demo::duplicates::inject(&mut store, &generator, f, args.seed)?;
                println!("injected {n} duplicate patients (source gen-dup)");
            }
        }
        Some(Command::User(cmd)) => {
            return user_command(&database_path(cli.db.as_deref())?, cmd, cli.password_stdin);
        }
        Some(Command::Audit(cmd)) => return audit_command(&database_path(cli.db.as_deref())?, cmd),
        Some(Command::Settings(cmd)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            match cmd {
                SettingsCmd::List => {
                    for (d, v) in settings::list(store.conn())? {
                        println!(
                            "{:<28} {:<24} {}",
                            d.name(),
                            if v.is_empty() { "(empty)" } else { &v },
                            d.doc
                        );
                    }
                }
                SettingsCmd::Set { key, value } => {
                    let actor = session::actor(&mut store, None, "settings")?;
                    settings::set(&mut store, &actor, &key, &value)?;
                    println!("{key} = {}", value.trim());
                }
            }
        }
        Some(Command::Codes(cmd)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            match cmd {
                CodesCmd::Show { code, on } => {
                    let detail = match on {
                        Some(d) => crate::codes::show_on(store.conn(), &code, d)?,
                        None => crate::codes::show(store.conn(), &code)?,
                    };
                    match detail {
                        Some(d) => print!("{}", crate::codes::format_detail(&d)),
                        None => anyhow::bail!(
                            "{code}: not in any loaded code set (run `chartdesk init` to load FY2026)"
                        ),
                    }
                }
                CodesCmd::Search { query, limit } => {
                    // The picker's search (issue #14): the facility's synonyms, and the
                    // signed-in user's favourites and recent codes ranked first.
                    use crate::codes::prefs;
                    let index = crate::codes::CodeIndex::build(store.conn(), None)?;
                    let table = prefs::synonyms_in_force(store.conn())?;
                    let boost = match session::session_actor(&mut store)? {
                        Some(a) => prefs::load_boost(store.conn(), &a.username)?,
                        None => prefs::Boost::default(),
                    };
                    for h in prefs::ranked_search(&index, &table, &boost, &query, limit) {
                        println!(
                            "{:<9} {:<10} {:<8} {}",
                            h.system.to_string(),
                            h.dotted,
                            if h.billable { "billable" } else { "header" },
                            crate::text::sanitize_line(&h.title)
                        );
                    }
                }
                CodesCmd::Load { dir, year } => {
                    let actor = session::system(store.path(), "codes load")?;
                    let s = crate::codes::load_dir(&mut store, &actor, &dir, year)?;
                    println!("{s}");
                }
                CodesCmd::Synonym(cmd) => synonym_command(&mut store, cmd)?,
            }
        }
        Some(Command::Coding(cmd)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            return coding::run(&mut store, cmd);
        }
        Some(Command::Edits(args)) => {
            return failed_is_3(|| {
                let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
                edits::run(&mut store, &args)
            });
        }
        Some(Command::Group(args)) => {
            return failed_is_3(|| {
                if group::needs_store(&args) {
                    let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
                    return group::run(Some(&mut store), &args);
                }
                group::run(None, &args)
            });
        }
        Some(Command::Auth(AuthCmd::Check {
            file,
            format,
            today,
        })) => {
            crate::host::check_user_may_read(&file)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            // No database here: the facility zone is the setting's default.
            let today = today.unwrap_or_else(|| crate::clock::facility_date(chrono::Utc::now()));
            let v =
                crate::roi::check_file(&text, today).with_context(|| file.display().to_string())?;
            match format {
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&v)?),
                _ => print!("{}", crate::roi::format_table(&v)),
            }
            return Ok(if v.valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Some(Command::Roi(args)) => {
            return roi::run(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::Release {
            request,
            out,
            as_user,
        }) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let actor = roi::actor_for(&mut store, as_user.as_deref(), "release")?;
            crate::host::check_user_may_write(&out)
                .with_context(|| format!("--out {}", out.display()))?;
            let id = crate::roi::request::parse_request_id(&request)?;
            let r = crate::roi::release::release(&mut store, &actor, id, &out)?;
            roi::print_release(&r);
        }
        Some(Command::Report(ReportCmd::Disclosures {
            patient,
            from,
            format,
            group_repeats,
            as_user,
        })) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let actor = roi::actor_for(&mut store, as_user.as_deref(), "report")?;
            print!(
                "{}",
                roi::report_disclosures(&mut store, &actor, &patient, from, format, group_repeats)?
            );
        }
        Some(Command::Listen(cmd)) => return listen::run(&database_path(cli.db.as_deref())?, cmd),
        Some(Command::Mpi(cmd)) => return mpi::run(&database_path(cli.db.as_deref())?, cmd),
        Some(Command::Privacy(cmd)) => {
            return privacy::run(&database_path(cli.db.as_deref())?, cmd);
        }
        Some(Command::Import(cmd)) => {
            let path = database_path(cli.db.as_deref())?;
            let actor = session::system(&path, "import")?;
            let mut store = Store::open(&path)?;
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let mut progress = |done: usize, total: usize| {
                if tty && total > 1 {
                    let width = 30;
                    let filled = done * width / total.max(1);
                    let _ = write!(
                        std::io::stderr(),
                        "\r[{}{}] {done}/{total} files",
                        "#".repeat(filled),
                        " ".repeat(width - filled)
                    );
                    if done == total {
                        let _ = writeln!(std::io::stderr());
                    }
                }
            };
            let t = std::time::Instant::now();
            let summary = match cmd {
                ImportCmd::Fhir { paths } => {
                    crate::import::import_fhir(&mut store, &actor, &paths, &mut progress)?
                }
                ImportCmd::Hl7 { paths } => {
                    crate::import::import_hl7(&mut store, &actor, &paths, &mut progress)?
                }
            };
            print!("{}", summary.render_table());
            println!(
                "{:.2} s; {} write transactions, the longest held the write lock {:.0} ms",
                t.elapsed().as_secs_f64(),
                summary.totals().transactions,
                summary.longest_write_ms()
            );
            if summary.rejected() > 0 || summary.stopped.is_some() {
                return Ok(ExitCode::from(1));
            }
        }
        Some(Command::Discharge {
            visit,
            at,
            disposition,
        }) => {
            let path = database_path(cli.db.as_deref())?;
            let actor = session::system(&path, "discharge")?;
            let mut store = Store::open(&path)?;
            let at = chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M"))
                .with_context(|| format!("--at {at}: use YYYY-MM-DDTHH:MM"))?;
            let id: i64 = store
                .conn()
                .query_row(
                    "SELECT id FROM encounters WHERE visit_number = ?1",
                    [&visit],
                    |r| r.get(0),
                )
                .map_err(|_| anyhow::anyhow!("no encounter with visit number {visit}"))?;
            let o = crate::deficiency::ops::discharge(
                &mut store,
                &actor,
                id,
                at,
                disposition.as_deref(),
            )?;
            println!(
                "discharged {visit}: {} deficiencies created, {} open",
                o.created, o.open
            );
        }
        Some(Command::Analyze { since }) => {
            let path = database_path(cli.db.as_deref())?;
            let actor = session::system(&path, "analyze")?;
            let mut store = Store::open(&path)?;
            let t = std::time::Instant::now();
            let s = crate::deficiency::ops::analyze_batch(
                &mut store,
                &actor,
                since.map_or(AnalyzeScope::Awaiting, AnalyzeScope::Since),
            )?;
            println!(
                "analysed {} discharged encounters in {:.2} s: {} deficiencies created, {} resolved, {} charts complete",
                s.encounters,
                t.elapsed().as_secs_f64(),
                s.created,
                s.resolved,
                s.complete
            );
        }
        Some(Command::Desk(args)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            return desk::run(&mut store, args);
        }
        Some(Command::Hours(cmd)) => {
            return hours::run(&database_path(cli.db.as_deref())?, cmd);
        }
        Some(Command::Report(cmd)) => {
            let mut store = Store::open(&database_path(cli.db.as_deref())?)?;
            let as_user = match &cmd {
                ReportCmd::Productivity { as_user, .. } => as_user.clone(),
                _ => None,
            };
            let actor = session::actor(&mut store, as_user.as_deref(), "report")?;
            print!("{}", crate::report_cli::run(&mut store, &actor, cmd)?);
        }
        Some(Command::Bench(args)) => crate::bench::run(&args)?,
        Some(Command::Backup(args)) => {
            return trust::backup(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::Restore(args)) => {
            return trust::restore(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::Selftest(args)) => return trust::selftest(args),
        Some(Command::SelftestChild(args)) => {
            return trust::selftest_child(&database_path(cli.db.as_deref())?, args);
        }
        Some(Command::FirstScreen) => {
            // A supervisor's home screen without a login: for the owner's benchmarks only.
            let path = database_path(cli.db.as_deref())?;
            session::system(&path, "first-screen")?;
            crate::bench::first_screen(&path)?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Open the TUI; application start and stop are audited (AUD-06), a crash as a failed stop.
fn run_tui(mut store: Store, demo_credentials: Vec<(String, String, String)>) -> Result<()> {
    let path = store.path().to_path_buf();
    record_system(&mut store, "tui", Subtype::AppStart, "application", "tui")?;
    let result = tui::run(store, tui::TuiOptions { demo_credentials });
    let mut store = Store::open(&path)?;
    let outcome = if result.is_ok() {
        Outcome::Success
    } else {
        Outcome::SeriousFailure
    };
    store.transact(&Actor::system("tui"), |_tx, audit| {
        let mut e =
            Event::new(Action::Execute, Subtype::AppStop, "application", "tui").outcome(outcome);
        if let Err(err) = &result {
            e = e.reason(format!("{err:#}"));
        }
        audit.record(e);
        Ok::<_, crate::CoreError>(())
    })?;
    result
}

/// Create a new database atomically: it is built (schema, code sets, the creation event) in a
/// temporary file in the same folder and linked into place only when complete, so a failed or
/// killed `init` never leaves a half-built file at `path` (a later `init` just starts again).
/// On failure the temporary files are removed; ones left by a killed `init` (its process gone)
/// are removed by the next one.
/// The facility name for `init`: `--facility`, else asked when stdin is a terminal and the
/// database is new (an empty answer keeps the default). None: leave the setting as it is.
fn facility_name(flag: Option<&str>, exists: bool) -> Result<Option<String>> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Some(f) = flag {
        let f = f.trim();
        if f.is_empty() || f.chars().any(char::is_control) || f.chars().count() > 120 {
            bail!(
                "--facility: give the facility's name (1 to 120 characters, no control characters)"
            );
        }
        return Ok(Some(f.to_string()));
    }
    if exists || !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    print!("Facility name (printed on letters and packets): ");
    std::io::stdout().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the facility name")?;
    let name = line.trim();
    Ok((!name.is_empty() && !name.chars().any(char::is_control)).then(|| name.to_string()))
}

fn init_new(path: &Path) -> Result<String> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            d.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let prefix = format!(".{name}.init-");
    remove_stale_init_files(&dir, &prefix);
    let temp = dir.join(format!("{prefix}{}", std::process::id()));
    let built = (|| -> Result<String> {
        let mut store = Store::open_or_create(&temp)?;
        let codes = crate::codes::load_embedded(&mut store, &Actor::system("init"))?;
        record_system(&mut store, "init", Subtype::Create, "database", "created")?;
        // Calendar days follow the facility's zone, not each user's: start from this
        // machine's zone, visible (and changeable) in `settings list`.
        if let Ok(zone) = iana_time_zone::get_timezone()
            && crate::clock::parse_zone(&zone).is_ok()
        {
            settings::set(
                &mut store,
                &Actor::system("init"),
                settings::Key::FacilityTimezone.name(),
                &zone,
            )?;
        }
        // Fold the WAL into the file so the one file is the whole database.
        store
            .checkpoint()
            .context("checkpointing the new database")?;
        drop(store);
        // A hard link never replaces a file that appeared at `path` meanwhile.
        std::fs::hard_link(&temp, path).with_context(|| {
            format!(
                "putting the new database in place at {} (does it exist now?)",
                path.display()
            )
        })?;
        Ok(codes.to_string())
    })();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = temp.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    built.with_context(|| format!("creating {} (nothing was left behind)", path.display()))
}

/// Remove `<prefix><pid>[-wal|-shm|-journal]` files whose process no longer runs.
fn remove_stale_init_files(dir: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        // No way to tell a live process here: leave them.
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(prefix) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|p| p == std::process::id() || Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Record one system event in its own transaction (CLI actions that change nothing else).
fn record_system(
    store: &mut Store,
    context: &str,
    subtype: Subtype,
    entity: &str,
    id: &str,
) -> Result<()> {
    store.transact(&Actor::system(context), |_tx, audit| {
        audit.record(Event::new(Action::Execute, subtype, entity, id));
        Ok::<_, crate::CoreError>(())
    })?;
    Ok(())
}

/// A fresh demo database: an existing demo database at the path is replaced; any other
/// existing file is refused.
fn build_demo(path: &Path, args: &DemoArgs) -> Result<Store> {
    if path.exists() {
        let is_demo = Store::open(path)
            .ok()
            .and_then(|s| {
                s.conn()
                    .query_row(
                        "SELECT value FROM chartdesk_meta WHERE key = 'demo'",
                        [],
                        |r| r.get::<_, String>(0),
                    )
                    .ok()
            })
            .is_some_and(|v| v == "1");
        if !is_demo {
            bail!(
                "{} exists and is not a demo database; refusing to overwrite it (choose another --db)",
                path.display()
            );
        }
        for suffix in ["", "-wal", "-shm", ".anchors"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(PathBuf::from(&p)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!(
                            "removing the old demo database {}",
                            PathBuf::from(&p).display()
                        )
                    });
                }
            }
        }
    }
    let mut store = Store::open_or_create(path)?;
    let actor = Actor::system("demo");
    // The demo marker (what lets a later `demo` replace this file) is a change like any other:
    // written through the one audited write path.
    store.transact(&actor, |tx, audit| {
        tx.execute(
            "INSERT OR REPLACE INTO chartdesk_meta(key, value) VALUES ('demo', '1')",
            [],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "chartdesk_meta", "demo")
                .reason("marked as a demo database (chartdesk demo)"),
        );
        Ok::<_, crate::CoreError>(())
    })?;
    let spec = demo::GenSpec {
        seed: args.seed,
        encounters: args.encounters,
        today: crate::clock::FacilityClock::read(&store)?.today(),
    };
    crate::codes::load_embedded(&mut store, &actor)?;
    demo::generate(&mut store, &actor, &spec)?;
    // The generator marks older charts as analysed; give them their deficiency rows as of
    // their analysis time. Charts awaiting analysis stay in the technicians' queue.
    crate::deficiency::ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed)?;
    demo::create_demo_users(&mut store, &actor)?;
    demo::roi::seed(&mut store, &actor)?;
    demo::desk::seed(&mut store, &actor)?;
    // The MPI queue has work to show (issue #18): registration duplicates of 1 % of the
    // patients (nicknames, typos, swapped fields), found and queued by the matcher exactly as
    // `report duplicates --queue` does (MPI-01, MPI-02).
    demo::duplicates::inject(&mut store, &actor, 0.01, args.seed)?;
    crate::mpi::dup_report::report(
        &mut store,
        &actor,
        &crate::mpi::dup_report::DupOptions {
            include_review: false,
            enqueue: true,
            truth: false,
        },
    )?;
    Ok(store)
}

/// `codes synonym list|add|remove` (issue #14): the core checks the permission and audits.
fn synonym_command(store: &mut Store, cmd: SynonymCmd) -> Result<()> {
    use crate::codes::prefs;
    match cmd {
        SynonymCmd::List { all } => {
            let rows = prefs::list_synonyms(store.conn())?;
            if rows.is_empty() {
                println!(
                    "the table is not loaded yet: the shipped table is in force (run `chartdesk init`)"
                );
            }
            for r in rows.iter().filter(|r| all || r.active) {
                println!(
                    "{:<24} {:<48} {:<20} {}{}",
                    crate::text::sanitize_line(&r.term),
                    crate::text::sanitize_line(&r.expansion),
                    crate::text::sanitize_line(&r.codes.join(",")),
                    r.source,
                    if r.active { "" } else { " (removed)" }
                );
            }
        }
        SynonymCmd::Add {
            term,
            expansion,
            codes,
            as_user,
        } => {
            let actor = session::actor(store, as_user.as_deref(), "codes synonym add")?;
            prefs::add_synonym(store, &actor, &term, &expansion, &codes)?;
            println!("synonym {:?} → {:?} saved", term.trim(), expansion.trim());
        }
        SynonymCmd::Remove { term, as_user } => {
            let actor = session::actor(store, as_user.as_deref(), "codes synonym remove")?;
            prefs::remove_synonym(store, &actor, &term)?;
            println!("synonym {:?} removed", term.trim());
        }
    }
    Ok(())
}
