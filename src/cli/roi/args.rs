//! The `chartdesk roi` command line: subcommands and their arguments.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use crate::cli::ReportFormat;

#[derive(Args, Debug)]
pub struct RoiArgs {
    /// Act as this chartdesk user (its role's permissions apply) [default: the system administrator]
    #[arg(long = "as", value_name = "USER", global = true)]
    pub as_user: Option<String>,
    #[command(subcommand)]
    pub command: RoiCmd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeliveryArg {
    Paper,
    Electronic,
    Portal,
}

#[derive(Subcommand, Debug)]
pub enum RoiCmd {
    /// Log a request (ROI-01: due = received + access_due_days); prints its id
    Log {
        /// Patient MRN
        mrn: String,
        /// Requester type: SELF, PERSREP, DIRECTIVE, PROVIDER_TX, PAYER, AUTH_3P, COURT_ORDER,
        /// SUBPOENA, LAW_ENF, PUBLIC_HEALTH, OVERSIGHT, RESEARCH, REQ_BY_LAW, HHS, DECEDENT, WORKERS_COMP
        #[arg(long = "type")]
        requester_type: String,
        /// Who is asking
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        purpose: String,
        /// First service date requested
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last service date requested
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Document types (LOINC), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Encounters (visit numbers), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        encounters: Vec<String>,
        #[arg(long, value_enum, default_value_t = DeliveryArg::Electronic)]
        delivery: DeliveryArg,
        /// Date received (day 0) [default: today]
        #[arg(long)]
        received: Option<NaiveDate>,
        /// SUBPOENA: satisfactory assurance of notice or a qualified protective order
        #[arg(long)]
        satisfactory_assurance: bool,
        /// RESEARCH: IRB or privacy board waiver
        #[arg(long)]
        irb_waiver: bool,
        /// LAW_ENF: a 164.512(f) prong fits
        #[arg(long)]
        law_enforcement_prong: bool,
    },
    /// Capture or replace the authorization form from a JSON file (the `authorization` object
    /// of the `auth check` schema)
    Auth { request: String, file: PathBuf },
    /// Record how identity and authority were verified (ROI-07); the acting user is the verifier
    Verify {
        request: String,
        #[arg(long)]
        method: String,
    },
    /// Validate (45 CFR 164.508): ON_HOLD with the first reason code, else IN_PROCESS; exit 1 when on hold
    Validate {
        request: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Put a request on hold: an AUTH_* code or HOLD_FEE_UNPAID, HOLD_IDENTITY, HOLD_RECORD_INCOMPLETE, HOLD_CLARIFY_SCOPE
    Hold { request: String, reason: String },
    /// The one extension (ROI-01): days, written reason, date the notice was sent
    Extend {
        request: String,
        #[arg(long)]
        days: u32,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        notice: NaiveDate,
    },
    /// Leave a document out of the release (minimum necessary), with a note
    Exclude {
        request: String,
        document: i64,
        #[arg(long)]
        note: String,
    },
    /// Put a left-out document back in
    Include { request: String, document: i64 },
    /// IN_PROCESS → QA_REVIEW; the acting user is the releaser
    Submit { request: String },
    /// QA review by a user other than the releaser: --pass, or --fail with a note
    Qa {
        request: String,
        #[arg(long, conflicts_with = "fail")]
        pass: bool,
        #[arg(long)]
        fail: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Release and write the packet folder and zip under DIR (same as `chartdesk release`)
    Release {
        request: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Deny the individual's own access (SELF, PERSREP, DIRECTIVE) on a ROI-05 ground
    /// (DENY_PSYCHOTHERAPY_NOTES, DENY_LITIGATION, …); reviewable grounds (DENY_ENDANGER,
    /// DENY_OTHER_PERSON, DENY_REP_HARM) need --professional. With --documents only those are
    /// denied and the rest is released (164.524(d)(1))
    Deny {
        request: String,
        reason: String,
        #[arg(long, default_value = "")]
        note: String,
        /// The licensed health care professional who made the determination (reviewable reasons)
        #[arg(long)]
        professional: Option<String>,
        /// Deny only these documents (ids, comma-separated); the rest is released
        #[arg(long, value_delimiter = ',')]
        documents: Vec<i64>,
    },
    /// Record the review of a reviewable denial by another licensed professional (ROI-05); a
    /// reversed denial returns the request to processing
    ReviewDenial {
        request: String,
        #[arg(long)]
        reviewer: String,
        #[arg(long, conflicts_with = "reverse")]
        uphold: bool,
        #[arg(long)]
        reverse: bool,
        /// The review of one document's denial (partial denial)
        #[arg(long)]
        document: Option<i64>,
    },
    /// Refuse a third-party request for its authorization defects (LTR-03; denial grounds
    /// apply only to the individual's own access)
    Refuse {
        request: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record a written revocation of the authorization (164.508(b)(5)); allowed in any state
    Revoke {
        request: String,
        /// Date the written revocation was received [default: today]
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Compute and record the fee estimate (LTR-02) from the documents selected now
    Estimate { request: String },
    /// Record the clarified scope (lifts HOLD_CLARIFY_SCOPE); replaces dates, types and encounters
    Scope {
        request: String,
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Document types (LOINC or PSYCHOTHERAPY_NOTES), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Encounters (visit numbers), comma-separated; none = all
        #[arg(long, value_delimiter = ',')]
        encounters: Vec<String>,
        /// How the scope was clarified
        #[arg(long)]
        note: String,
    },
    /// Acknowledge releasing the incomplete or unsigned documents selected as they stand
    AcknowledgeIncomplete {
        request: String,
        #[arg(long)]
        note: String,
    },
    /// Lift HOLD_RECORD_INCOMPLETE once no incomplete document is left (other holds are lifted
    /// by the step that meets them)
    Lift { request: String },
    /// RELEASED or DENIED → CLOSED
    Close { request: String },
    /// Cancel an open request (withdrawn)
    Cancel {
        request: String,
        #[arg(long)]
        note: String,
    },
    /// Record a payment against the invoice or the fee estimate (lifts HOLD_FEE_UNPAID when paid in full)
    Paid {
        request: String,
        /// Amount in dollars, e.g. 12.50
        #[arg(long)]
        amount: String,
        /// How it was paid (cash, check, card, …)
        #[arg(long)]
        method: String,
    },
    /// The queue: open requests, soonest due first; overdue flagged
    List {
        /// Include released, denied, closed and cancelled requests
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// One request: status, clock, authorization check, documents, history
    Show {
        request: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Log a request for an accounting of disclosures (AOD-05: 60 days; first in 12 months free)
    AodLog {
        mrn: String,
        #[arg(long)]
        received: Option<NaiveDate>,
        /// Shorter period requested: from this date
        #[arg(long)]
        from: Option<NaiveDate>,
    },
    /// The one extension of an accounting request (AOD-05: ≤ 30 days, reason, notice within 60 days)
    AodExtend {
        id: i64,
        #[arg(long)]
        days: u32,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        notice: NaiveDate,
    },
    /// Mark an accounting request provided (AOD-07)
    AodProvide { id: i64 },
    /// Record an agency's suspension of accounting (AOD-06), tied to its OVERSIGHT or LAW_ENF
    /// request; oral statements last ≤ 30 days
    Suspend {
        /// The agency's request (REQ-…)
        #[arg(long)]
        request: String,
        #[arg(long)]
        start: NaiveDate,
        #[arg(long)]
        end: NaiveDate,
        #[arg(long)]
        oral: bool,
    },
    /// Enter a disclosure made outside the desk (e.g. a public-health report by clinical
    /// staff); it feeds the accounting, accountable or not by the AOD-02 rules
    Disclose {
        /// Patient MRN
        mrn: String,
        /// Day disclosed [default: today]
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        recipient: String,
        #[arg(long, default_value = "")]
        address: String,
        /// Brief statement of the purpose (AOD-03)
        #[arg(long)]
        purpose: String,
        /// What was disclosed (AOD-03)
        #[arg(long)]
        description: String,
        /// Legal basis as a requester type: PUBLIC_HEALTH (164.512(b)), OVERSIGHT, LAW_ENF, REQ_BY_LAW, …
        #[arg(long)]
        basis: String,
        /// It included 42 CFR Part 2 SUD records
        #[arg(long)]
        part2: bool,
    },
    /// Letters from facility templates: templates, fields, preview, send, list (issue #12)
    #[command(subcommand)]
    Letter(super::docs::LetterCmd),
    /// Attach a scanned signed authorization or request letter (PDF, PNG, JPEG); kept six
    /// years with its SHA-256 and put in the packet (164.508(b)(6), 164.530(j))
    Attach {
        request: String,
        file: PathBuf,
        /// authorization, request_letter or other
        #[arg(long, default_value = "authorization")]
        kind: String,
    },
    /// Record a delivery of the released packet zip (a re-send must be byte-identical)
    Deliver {
        request: String,
        /// mail, certified_mail, courier, email, portal, fax, pickup
        #[arg(long)]
        method: String,
        /// Tracking or confirmation number
        #[arg(long, default_value = "")]
        tracking: String,
        /// The packet zip sent
        #[arg(long)]
        zip: PathBuf,
    },
    /// Amendment requests (45 CFR 164.526)
    #[command(subcommand)]
    Amend(super::docs::AmendCmd),
    /// Restrictions and confidential communications (45 CFR 164.522)
    #[command(subcommand)]
    Restrict(super::docs::RestrictCmd),
    /// Multi-patient requests (payer audits, research sets): one packet, a folder per patient
    #[command(subcommand)]
    Batch(super::batch::BatchCmd),
}
