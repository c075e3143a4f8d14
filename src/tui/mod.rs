//! The terminal UI. Screens are pure: `update(&mut State, Msg, &Ctx) -> Effect` with no I/O and
//! no clock; the runtime ([`App`]) performs each [`Effect`] through the core (which writes the
//! audit rows) and feeds the result back as a [`Msg`]. Views implement `Widget` for `&State` and
//! only read. Every string from the database is sanitised when it enters a screen's state.

pub mod admin;
mod app;
/// Keystroke-to-frame timings for `chartdesk bench --only tui` (issue #13).
pub mod bench;
mod break_glass;
mod chart_view;
mod chrome;
pub mod codes;
mod coding;
pub mod commands;
mod deficiency;
mod home;
mod lock;
mod login;
mod mpi;
mod overlay;
mod reader;
mod roi;
mod screen;
mod search;
pub mod supervisor;
mod worklist;

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{self, Event as TermEvent, KeyEventKind};

pub use app::App;
pub use codes::lookup::HIT_LIMIT as CODE_HIT_LIMIT;
pub use commands::{CommandId, ScreenId, key_table};

use crate::chart::PatientHit;
use crate::codes::{PickerEffect, PickerInput};
use crate::coding::Edit;
use crate::coding::queue::{CodingKey, CodingList, CodingRow};
use crate::coding::work::{CodeList, EncounterHeader};
use crate::deficiency::lifecycle::{DefStatus, WaiveReason};
use crate::deficiency::ops::DeficiencyRow;
use crate::deficiency::queue::{PageKey, ProviderItem, QueueFilter, QueueRow, QueueSort, QueueTab};
use crate::domain::Document;
use crate::store::Store;

/// Options from the command line.
#[derive(Clone, Debug, Default)]
pub struct TuiOptions {
    /// Shown on the login screen in demo mode: (username, role label, password)
    pub demo_credentials: Vec<(String, String, String)>,
}

/// Facts a screen update and the command guards may read. Built by the runtime for each
/// event: the common facts here, the role's in [`RoleFacts`], and the shown screen's own
/// context ([`WorkFacts`], [`CodingFacts`], [`roi::guards::RoiFacts`]) filled by its
/// [`screen::Screen::fill_ctx`]; the other screens' contexts stay at their defaults.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The time of the event (injected; screens never read a clock).
    pub now: DateTime<Utc>,
    /// A text field has focus: plain printable keys are typed, not run.
    pub typing: bool,
    /// A row is selected (search result, or document in the chart's list).
    pub selected: bool,
    /// The search field is empty.
    pub query_empty: bool,
    /// Encounters in the open chart.
    pub encounters: usize,
    /// Rows of text visible in the main pane (for paging).
    pub page_rows: usize,
    /// The list has a page after this one.
    pub has_next: bool,
    /// The list has a page before this one.
    pub has_prev: bool,
    /// A screen's own form (picker or reason prompt) is open: every key goes to it.
    pub modal: bool,
    /// A document is open in the screen's reader (find and next document apply).
    pub reading: bool,
    /// The signed-in user name (shown where a form records who acts, e.g. the verifier).
    pub user: String,
    /// What the signed-in role allows.
    pub role: RoleFacts,
    /// The technician's work screen (one claimed chart).
    pub work: WorkFacts,
    /// The coding workbench.
    pub coding: CodingFacts,
    /// The open release request and accounting, for the ROI lifecycle guards.
    pub roi: roi::guards::RoiFacts,
    /// The admin screen's tab (issue #15).
    pub admin: admin::AdminFacts,
    /// The MPI queue's selected pair.
    pub mpi: mpi::MpiFacts,
    pub worklist: worklist::WlFacts,
}

/// What the signed-in role allows (the core checks again on every call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoleFacts {
    /// May work deficiencies (technician or supervisor).
    pub may_analyze: bool,
    /// May waive and approve waivers (supervisor).
    pub may_waive: bool,
    /// May work release-of-information requests (ROI or supervisor).
    pub may_release: bool,
    /// May code (coder or supervisor).
    pub may_code: bool,
    /// Is supervisor (COD-20 hold override).
    pub supervisor: bool,
    /// DOMAIN §1: review MPI pairs and propose (technicians and supervisors).
    pub may_review_mpi: bool,
}

/// The technician's work screen's context.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkFacts {
    /// The selected deficiency is open (not completed, waived or void).
    pub def_open: bool,
    /// The selected deficiency has a technician's waiver waiting for approval.
    pub waive_pending: bool,
    /// The selected document is not signed.
    pub doc_unsigned: bool,
    /// The selected document (or the selected deficiency's) has an open COSIGN deficiency.
    pub cosign_due: bool,
}

/// The coding workbench's context.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodingFacts {
    /// The encounter may be changed (not coded).
    pub open: bool,
    /// The encounter is coded (it may be reopened).
    pub coded: bool,
    /// A diagnosis is selected in the code list (and the list has focus).
    pub dx_selected: bool,
    /// A procedure is selected in the code list (and the list has focus).
    pub px_selected: bool,
}

impl Ctx {
    /// Set what the signed-in user's role allows (the role facts the guards read).
    pub fn with_role(mut self, role: crate::domain::Role) -> Ctx {
        use crate::domain::Perm;
        self.role = RoleFacts {
            may_analyze: role.can(Perm::AnalyzeDeficiencies),
            may_waive: role.can(Perm::WaiveDeficiency),
            may_release: role.can(Perm::ReleaseRecords),
            may_code: role.can(Perm::Code),
            supervisor: role == crate::domain::Role::Supervisor,
            may_review_mpi: role.can(Perm::ReviewMpi),
        };
        self
    }
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx {
            now: DateTime::<Utc>::UNIX_EPOCH,
            typing: false,
            selected: false,
            query_empty: true,
            encounters: 0,
            page_rows: 10,
            has_next: false,
            has_prev: false,
            modal: false,
            reading: false,
            user: String::new(),
            role: RoleFacts::default(),
            work: WorkFacts::default(),
            coding: CodingFacts::default(),
            roi: roi::guards::RoiFacts::default(),
            admin: admin::AdminFacts::default(),
            mpi: mpi::MpiFacts::default(),
            worklist: worklist::WlFacts::default(),
        }
    }
}

/// What a screen asks the runtime to do. `#[must_use]`: every screen call's effect goes to
/// [`App`]'s one dispatch, so none is dropped.
#[must_use = "an Effect must be performed (App::perform)"]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    /// A supervisor-dashboard action, performed through the core (`tui::supervisor`).
    Supervisor(supervisor::SupAction),
    /// Show one line in the status bar.
    Status(String),
    Login {
        user: String,
        pw: String,
    },
    Unlock {
        pw: String,
    },
    /// Lock the session (idle or on request).
    Lock,
    /// End the session and return to the login screen.
    Logout,
    /// End the session (if any) and leave.
    Quit,
    Search {
        query: String,
    },
    OpenChart {
        patient_id: i64,
    },
    ReadDocument {
        doc_id: i64,
    },
    /// Open a sensitive document with a purpose of use and a reason (break the glass).
    ReadSensitive {
        doc_id: i64,
        purpose: String,
        reason: String,
    },
    Goto(ScreenId),
    /// Return to the screen this one was entered from (the screen stack).
    Back,
    /// Write the list on screen to an audited CSV file.
    ExportList,
    /// Open the chart of a visit (audited), showing that encounter.
    OpenVisit {
        visit: String,
    },
    /// Open the chart of an encounter (audited), showing that encounter.
    OpenEncounter {
        encounter_id: i64,
    },
    /// Claim an encounter: the technician's work screen or the coder's workbench, by role.
    ClaimEncounter {
        encounter_id: i64,
    },
    /// Read the screen shown again now.
    Refresh,
    OpenHelp,
    OpenPalette,
    CloseOverlay,
    /// Run a command (from the palette or a confirmation).
    Run(CommandId),
    /// Ask yes/no before running a [`commands::Danger::Confirm`] command.
    Confirm {
        prompt: String,
        then: CommandId,
    },
    /// A deficiency-workflow call into the core.
    Deficiency(DefAction),
    /// Give an input to the code lookup's picker; the runtime applies it with the code index
    /// it keeps (an in-memory search, no I/O) and returns the outcome as [`Msg::Picked`].
    Picker(PickerInput),
    /// Read a code's detail (reference data: not PHI, not audited).
    ShowCode {
        code: String,
    },
    /// A release-of-information call into the core.
    Roi(RoiAction),
    /// A coding-workbench call into the core.
    Coding(CodingAction),
    /// A supervisor-console call into the core (settings, users, audit, staff; issue #15).
    Admin(admin::AdminAction),
    /// An MPI queue call into the core.
    Mpi(mpi::MpiAction),
    /// Set (`on`) or clear a patient's privacy flag from the chart, with the reason
    /// (supervisor; AUD-14).
    FlagChart {
        mrn: String,
        flag: crate::privacy::Flag,
        on: bool,
        reason: String,
    },
    /// A worklist call (issue #15): read one user's worklist, reassign, take back, release.
    Worklist(worklist::WlAction),
}

/// The ROI calls a screen may ask for; each is one audited core call. Every write to a
/// request carries the version the screen read it at (`version`): a stale write is refused
/// with who changed what and when, and the screen keeps the user's draft
/// ([`crate::store::version`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoiAction {
    /// Read the queue (open requests, soonest due first) and show it.
    LoadQueue,
    /// Log a new request (and add its requester to the address book), then show it.
    Log {
        new: Box<crate::roi::request::NewRequest>,
        save_requester: Option<Box<crate::roi::addressbook::RequesterEntry>>,
    },
    /// Find entries for the open form's picker (patients: audited search; address book).
    Lookup {
        source: roi::forms::Source,
        query: String,
    },
    /// Select or leave out documents (picked from the request's list).
    SetItems {
        id: i64,
        version: i64,
        changes: Vec<(i64, bool)>,
        note: String,
    },
    /// Read one request (audited view) and show it.
    Open { id: i64 },
    /// Validate: ON_HOLD with a reason code, or IN_PROCESS.
    Validate { id: i64, version: i64 },
    /// Store the authorization form, then validate.
    SaveAuthorization {
        id: i64,
        version: i64,
        auth: Box<crate::roi::Authorization>,
    },
    /// A lifecycle step on the open request (see [`RoiStep`]).
    Step {
        id: i64,
        version: i64,
        step: RoiStep,
    },
    /// Release and write the packet under `release_packet_dir`.
    Release { id: i64, version: i64 },
    /// The patient's accounting of disclosures (audited query).
    Accounting { mrn: String },
    /// Log a request for an accounting (AOD-05).
    AodLog {
        mrn: String,
        received: chrono::NaiveDate,
        from: Option<chrono::NaiveDate>,
    },
    /// The one extension of an accounting request (AOD-05).
    AodExtend {
        mrn: String,
        id: i64,
        version: i64,
        days: u32,
        reason: String,
        notice: chrono::NaiveDate,
    },
    /// The accounting was provided (AOD-07 keeps it).
    AodProvide { mrn: String, id: i64, version: i64 },
    /// An agency's suspension statement (AOD-06).
    Suspend {
        mrn: Option<String>,
        suspension: crate::roi::accounting::Suspension,
    },
    /// A disclosure made outside the desk, entered by hand.
    Disclose {
        disclosure: Box<crate::roi::manual_disclosure::ManualDisclosure>,
    },
    /// Read the address book and show it.
    LoadBook,
    /// Read the amendment queue (164.526) and show it.
    LoadAmendments,
    /// One amendment step (log, extend, accept, deny, statement), then the queue again.
    Amend(Box<roi::amendments::AmendStep>),
    /// The letters of request `id` (sent, and templates filled), shown.
    Letters { id: i64 },
    /// The restrictions and confidential address of the patient of request `id`, shown.
    Restrictions { id: i64 },
    /// The signed forms and deliveries of request `id`, shown.
    RequestFiles { id: i64 },
    /// The multi-patient requests, shown.
    Batches,
    /// One step on those screens (one audited core call), then the screen again.
    Rights(Box<roi::rights::RightsStep>),
    /// Send letter `kind` on request `id`, then show the letters again.
    SendLetter { id: i64, kind: String },
    /// Add an address-book entry (`target: None`) or change one read at `(id, version)`.
    SaveRequester {
        target: Option<(i64, i64)>,
        entry: Box<crate::roi::addressbook::RequesterEntry>,
    },
}

/// The lifecycle steps of one request (DOMAIN §4.5), each one core call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoiStep {
    /// ROI-07: how identity and authority were verified; the user is the verifier.
    Verify { method: String },
    /// ROI-05 denial, with the determining professional for a reviewable ground.
    Deny {
        code: String,
        note: String,
        professional: Option<String>,
    },
    /// ROI-05 review of a reviewable denial by another professional: of the whole request,
    /// or of one denied document.
    ReviewDenial {
        reviewer: String,
        upheld: bool,
        document: Option<i64>,
    },
    /// ROI-05 partial denial: these documents on a ground; the rest is released.
    DenyDocuments {
        documents: Vec<i64>,
        code: String,
        note: String,
        professional: Option<String>,
    },
    /// LTR-03: refuse a third party's request, listing the defects of its authorization.
    Refuse { note: String },
    /// 164.508(b)(5): the authorization was revoked in writing on this day (any state).
    Revoke { on: chrono::NaiveDate },
    /// Record the clarified scope (lifts HOLD_CLARIFY_SCOPE).
    Scope {
        scope: crate::roi::request::Scope,
        note: String,
    },
    /// Acknowledge releasing the incomplete documents selected as they stand.
    AcknowledgeIncomplete { note: String },
    /// LTR-02: compute and record the fee estimate.
    Estimate,
    /// Put on hold with a `HOLD_*` (or `AUTH_*`) reason.
    Hold { reason: String },
    /// Lift an `AUTH_*` hold by validating again, or `HOLD_RECORD_INCOMPLETE` once nothing
    /// incomplete is left (the other manual holds are lifted by their own step).
    ReleaseHold,
    /// ROI-01: the one extension.
    Extend {
        days: u32,
        reason: String,
        notice: chrono::NaiveDate,
    },
    /// IN_PROCESS → QA_REVIEW; the user is the releaser.
    Submit,
    /// Pass QA (a user other than the releaser).
    QaPass,
    /// Fail QA with a note: back to IN_PROCESS.
    QaFail { note: String },
    /// RELEASED or DENIED → CLOSED.
    Close,
    /// Any open status → CANCELLED, with a note.
    Cancel { note: String },
    /// ROI-04: a payment (amount in cents and method) against the estimate or invoice.
    Paid { cents: i64, method: String },
}

/// The HIM desk's lists shown on the reports screen (issue #13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskReport {
    /// The escalation letter batch, every level (DEL-07).
    Letters,
    /// Physicians at a suspension level.
    Suspension,
    /// Open re-review flags of the analysis desk.
    Rereview,
    /// Encounters kept out of analysis, by rule.
    DataQuality,
}

/// The coding calls a screen may ask for; each is one audited core call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodingAction {
    /// Add or remove a favourite code of the coder (audited), then rerank the open picker.
    ToggleFavourite {
        system: crate::codes::CodeSystem,
        code: String,
    },
    /// One page of the queue or held list (`limit + 1` rows asked, to know about a next page).
    LoadQueue {
        list: CodingList,
        /// Only this encounter type (`inpatient`, …), or all.
        kind: Option<String>,
        /// Only this service, or all.
        service: Option<String>,
        after: Option<CodingKey>,
        limit: usize,
    },
    /// Claim the encounter and open it on the workbench.
    Open {
        encounter_id: i64,
    },
    /// Release the claim and return to the queue.
    Leave {
        encounter_id: i64,
    },
    /// Store the whole code list (then the edits rerun).
    Save {
        encounter_id: i64,
        list: CodeList,
    },
    Complete {
        encounter_id: i64,
        acknowledged: Vec<String>,
        /// A supervisor's COD-20 override of a documentation hold, with the reason.
        override_reason: Option<String>,
    },
    Reopen {
        encounter_id: i64,
        reason: String,
    },
    Query {
        encounter_id: i64,
        question: String,
    },
    /// Read the encounter's providers and the query templates, and open the query form.
    OpenQueryForm {
        encounter_id: i64,
    },
    /// Send a query to one provider on the encounter: from a template with the clinical
    /// indicators (`text`), or a free-text question.
    QueryTo {
        encounter_id: i64,
        provider_id: i64,
        template: Option<String>,
        text: String,
    },
    /// Read the queries awaiting an answer (audited) and show them.
    LoadQueries,
    /// Record the provider's answer to a query (COD-21), then read the list again.
    Answer {
        query_id: i64,
        text: String,
    },
    /// Escalate the open queries whose age calls for it (COD-21), then read the list again.
    EscalateQueries,
}

/// What the workbench shows of its encounter, read after each change.
#[derive(Clone, Debug)]
pub struct CodingRefresh {
    pub header: EncounterHeader,
    pub list: CodeList,
    pub edits: Vec<Edit>,
    /// Open deficiencies that hold coding (COD-20), as `KIND (rule, deficiency N)`.
    pub hold: Vec<String>,
    /// The encounter's queries, newest first, as one line each.
    pub queries: Vec<String>,
    /// `(code, long title)` of the listed codes in the code sets in force at discharge.
    pub titles: Vec<(String, String)>,
    /// The working MS-DRG of the list and its what-if (issue #14).
    pub drg: crate::coding::working_drg::WorkingDrg,
    /// The facility's synonyms and the coder's ranking boost, read when the encounter opens
    /// (None on later refreshes: the workbench keeps what it has).
    pub ranking: Option<(
        std::sync::Arc<crate::codes::Synonyms>,
        std::sync::Arc<crate::codes::prefs::Boost>,
    )>,
}

/// The deficiency calls a screen may ask for; each is one audited core call (or a bare read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefAction {
    /// One queue page (`limit + 1` rows are asked for, to know whether a next page exists).
    LoadQueue {
        tab: QueueTab,
        sort: QueueSort,
        filter: QueueFilter,
        after: Option<PageKey>,
        limit: usize,
    },
    /// Claim the chart, then open it beside its deficiencies.
    OpenWork {
        encounter_id: i64,
        mrn: String,
        attending_id: Option<i64>,
    },
    /// Release the claim and return to the queue.
    LeaveWork {
        encounter_id: i64,
    },
    Add {
        encounter_id: i64,
        kind: String,
        document_id: Option<i64>,
        provider_id: Option<i64>,
    },
    Transition {
        id: i64,
        to: DefStatus,
        reason: String,
        waive: Option<WaiveReason>,
    },
    ApproveWaiver {
        id: i64,
    },
    Reassign {
        id: i64,
        provider_id: i64,
        reason: String,
    },
    /// Record the document's signature at the event time (facility-local).
    Sign {
        document_id: i64,
    },
    /// Record the supervising physician's cosignature (AUTH-COSIGN), dated now.
    Cosign {
        document_id: i64,
    },
    /// Complete every signature deficiency of one physician (signed at the signing
    /// station), confirmed by the count the user was shown.
    BulkComplete {
        provider_id: i64,
        confirmed: usize,
    },
    MarkAnalyzed {
        encounter_id: i64,
    },
    /// The department summary (`None`) or one provider's letter, through the audited
    /// report entry point.
    Report {
        provider: Option<i64>,
    },
    /// One of the HIM desk's lists (issue #13) in the reports reader, through the audited
    /// report entry point.
    DeskReport(DeskReport),
    /// Write the escalation letter batch of every level to text and PDF files (DEL-07).
    WriteLetters,
    /// Clear one re-review flag (either desk's; the core checks the desk's permission), then
    /// read the list shown again.
    ClearRereview {
        flag_id: i64,
    },
    /// Show one provider's open deficiencies (the provider view) from its first page.
    OpenProviderView {
        provider_id: i64,
    },
    /// One provider view page, one audited `provider_view` query (`limit + 1` rows asked).
    LoadProviderPage {
        provider_id: i64,
        after: Option<(String, i64)>,
        limit: usize,
    },
}

/// What a screen receives.
#[derive(Clone, Debug)]
pub enum Msg {
    /// A resolved command for this screen.
    Command(CommandId),
    /// A key no command claimed (text entry).
    Key(crossterm::event::KeyEvent),
    /// A core call failed; the one-line message.
    Error(String),
    SearchResults(Vec<PatientHit>),
    Document(Document),
    /// A queue page as read (possibly one row more than the page, see [`DefAction::LoadQueue`]).
    QueuePage(Vec<QueueRow>),
    /// The worked chart's deficiencies, read again after a change.
    Deficiencies(Vec<DeficiencyRow>),
    /// A document's signature was recorded.
    Signed {
        document_id: i64,
    },
    /// A provider view page as read (possibly one row more than the page).
    ProviderPage(Vec<ProviderItem>),
    /// What the code picker did with the last [`Effect::Picker`] input.
    Picked(PickerEffect),
    /// A code's detail text (`codes::format_detail`), sanitised by the screen on entry.
    CodeDetail {
        code: String,
        text: String,
    },
    /// A coding queue page as read (possibly one row more than the page).
    CodingPage(Vec<CodingRow>),
    /// The open re-review flags on the encounters of the page just read (issue #13).
    RereviewFlags(Vec<crate::deficiency::rereview::RereviewRow>),
    /// The workbench's encounter as read after a change (boxed: it is large).
    CodingRefresh(Box<CodingRefresh>),
    /// The supervisor's dashboard as read (boxed: it is large).
    Dashboard(Box<crate::report::dashboard::Dashboard>),
    /// The dashboard's read started on a worker thread: tiles show "loading…" until it returns.
    DashboardLoading,
    /// The duplicate-rate refresh (MPI-01) on its worker thread: started, done or failed.
    DuplicateRefresh(supervisor::DupRefresh),
    /// The pending-waiver worklist as read, and its total.
    Worklist(crate::report::worklists::Worklist),
    /// A report's text (the summary when `provider` is `None`).
    Report {
        title: String,
        text: String,
        provider: Option<i64>,
    },
    /// What the admin screen's tab shows, as read (boxed: it is large).
    Admin(Box<admin::AdminData>),
    /// The MPI queue as read (items with both records' aliases); `all`: decided ones too.
    MpiQueue {
        items: Vec<mpi::Loaded>,
        all: bool,
    },
    /// One user's worklist as read (issue #15).
    UserWork(Box<worklist::Loaded>),
}

/// Run the terminal UI until the user quits. The terminal is restored on every exit path (and
/// by the panic hook of `ratatui::try_init`); a signed-in user is logged out on the way out.
pub fn run(store: Store, opts: TuiOptions) -> anyhow::Result<()> {
    let mut app = App::new(store, opts)?;
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, &mut app);
    ratatui::restore();
    let shutdown = app.shutdown();
    result?;
    shutdown
}

/// How often the loop wakes without input, so the idle lock can fire.
const POLL: Duration = Duration::from_millis(500);

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> anyhow::Result<()> {
    while !app.should_quit() {
        app.draw(terminal)?;
        if event::poll(POLL)? {
            match event::read()? {
                TermEvent::Key(k) if k.kind != KeyEventKind::Release => app.handle_key(k),
                // The next draw uses the new size.
                TermEvent::Resize(..) => terminal.autoresize()?,
                _ => {}
            }
        }
        app.tick();
    }
    Ok(())
}

/// Benchmark probe (`chartdesk first-screen`): draw the login screen, then the supervisor's
/// home screen with its queue counts, into an off-screen 100x30 terminal, calling `mark` with
/// `"login"` and `"home"` after each is drawn. Writes nothing to the database.
pub fn draw_first_screens(store: Store, mark: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30))?;
    let mut app = App::new(
        store,
        TuiOptions {
            demo_credentials: Vec::new(),
        },
    )?;
    app.draw(&mut terminal)?;
    mark("login");
    app.preview_home(crate::accounts::Session {
        user_id: 0,
        username: "bench".into(),
        full_name: "First-screen probe".into(),
        role: crate::domain::Role::Supervisor,
    });
    app.draw(&mut terminal)?;
    mark("home");
    Ok(())
}
