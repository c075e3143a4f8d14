//! The one table of user commands. Key dispatch ([`Keymap`]), the help overlay, the command
//! palette and the footer hints are all generated from [`COMMANDS`], so none of them can drift.
//!
//! Key rules (in this order):
//! - A plain printable key (`q`, `/`, `j`, …) never runs a command while a text field has focus
//!   ([`Ctx::typing`]); it is typed into the field instead. Named keys (`enter`, `esc`, `up`) and
//!   chords (`ctrl-p`) always resolve.
//! - A command with a [`Cond`] is only considered when the condition holds, so one key may run
//!   two commands on a screen only when their conditions exclude each other.
//!
//! This file is the registry (the [`Command`] row type, its guards and the [`COMMANDS`]
//! table); `commands/ids.rs` holds [`ScreenId`] and [`CommandId`], `commands/keys.rs` the key
//! parsing and what is generated from the table (key map, help lines, footer, key table).

mod ids;
mod keys;

use super::Ctx;
pub use ids::{CommandId, ScreenId};
pub use keys::{
    Keymap, describe, disabled_reason, footer_hints, key_spec, key_table, keys_label,
    screen_commands,
};

/// Why a command cannot run now; shown in help, in the palette and when it is invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disabled(pub &'static str);

/// A precondition on the facts in [`Ctx`]. The first failing guard gives the reason.
pub type Guard = fn(&Ctx) -> Result<(), Disabled>;

/// Destructive commands go through a yes/no confirmation before they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Danger {
    None,
    Confirm,
}

/// When a binding is considered at all (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// A text field has focus.
    Typing,
    /// No text field has focus.
    NotTyping,
    /// A document is open in the screen's reader (and, on the chart, the text has focus):
    /// `[` `]` move between documents.
    Reading,
    /// No document is being read: `[` `]` move between the chart's encounters.
    NotReading,
}

impl Cond {
    pub fn holds(self, ctx: &Ctx) -> bool {
        match self {
            Cond::Typing => ctx.typing,
            Cond::NotTyping => !ctx.typing,
            Cond::Reading => ctx.reading,
            Cond::NotReading => !ctx.reading,
        }
    }
}

pub struct Command {
    pub id: CommandId,
    /// The palette word (snake_case).
    pub name: &'static str,
    pub doc: &'static str,
    pub screens: &'static [ScreenId],
    /// Key specs: a character (`q`), a named key (`enter`, `pageup`, `f1`) or `ctrl-x`.
    pub keys: &'static [&'static str],
    pub when: Option<Cond>,
    pub guards: &'static [Guard],
    pub danger: Danger,
    /// Short footer label; `None` keeps the command out of the footer.
    pub hint: Option<&'static str>,
}

pub fn row_selected(c: &Ctx) -> Result<(), Disabled> {
    if c.selected {
        Ok(())
    } else {
        Err(Disabled("nothing is selected"))
    }
}

pub fn query_typed(c: &Ctx) -> Result<(), Disabled> {
    if c.query_empty {
        Err(Disabled("type an MRN, a visit number or a name first"))
    } else {
        Ok(())
    }
}

pub fn several_encounters(c: &Ctx) -> Result<(), Disabled> {
    if c.encounters > 1 {
        Ok(())
    } else {
        Err(Disabled("the chart has only one encounter"))
    }
}

pub use super::admin::{is_supervisor, on_audit, on_privacy, on_settings, on_staff, on_users};
pub use super::deficiency::guards::*;
pub use super::roi::guards::*;

use super::mpi::{mpi_merged, mpi_open, mpi_proposed, mpi_review, mpi_supervisor};
use super::worklist::{wl_assigned, wl_claim};
use ScreenId::Admin;
use ScreenId::{
    Accounting, AddressBook, Amendments, Batches, Chart, Codes, Coding, CodingQueue, Deficiencies,
    Home, Letters, Lock, Login, Mpi, Provider, Queries, Reports, RequestFiles, Restrictions,
    RoiQueue, RoiRequest, Search, Supervisor, Work, Worklist,
};
const SIGNED_IN: &[ScreenId] = &[
    Home,
    Search,
    Chart,
    Deficiencies,
    Work,
    Reports,
    Codes,
    Provider,
    RoiQueue,
    RoiRequest,
    Accounting,
    AddressBook,
    Amendments,
    Letters,
    Restrictions,
    RequestFiles,
    Batches,
    CodingQueue,
    Coding,
    Queries,
    Admin,
    Supervisor,
    Mpi,
    Worklist,
];
// Not on Work: leaving a claimed chart goes through Back, which releases the claim.
const LISTS: &[ScreenId] = &[
    Search, Chart, Reports, Codes, RoiRequest, Accounting, Coding, Letters,
];
const ROWS: &[ScreenId] = &[
    Search,
    Chart,
    Deficiencies,
    Work,
    Reports,
    Codes,
    Provider,
    RoiQueue,
    RoiRequest,
    Accounting,
    AddressBook,
    Amendments,
    Letters,
    Restrictions,
    RequestFiles,
    Batches,
    CodingQueue,
    Coding,
    Queries,
    Admin,
    Mpi,
    Worklist,
];
const BACK: &[ScreenId] = &[
    Search,
    Chart,
    Deficiencies,
    Work,
    Reports,
    Codes,
    Provider,
    RoiQueue,
    RoiRequest,
    Accounting,
    AddressBook,
    Amendments,
    Letters,
    Restrictions,
    RequestFiles,
    Batches,
    CodingQueue,
    Coding,
    Queries,
    Admin,
    Supervisor,
    Mpi,
    Worklist,
];
const HELP_QUIT: &[ScreenId] = &[
    Login,
    Home,
    Search,
    Chart,
    Deficiencies,
    Work,
    Reports,
    Codes,
    Provider,
    RoiQueue,
    RoiRequest,
    Accounting,
    AddressBook,
    Amendments,
    Letters,
    Restrictions,
    RequestFiles,
    Batches,
    CodingQueue,
    Coding,
    Queries,
    Admin,
    Supervisor,
    Mpi,
    Worklist,
];

const fn cmd(
    id: CommandId,
    name: &'static str,
    doc: &'static str,
    screens: &'static [ScreenId],
    keys: &'static [&'static str],
) -> Command {
    Command {
        id,
        name,
        doc,
        screens,
        keys,
        when: None,
        guards: &[],
        danger: Danger::None,
        hint: None,
    }
}

impl Command {
    const fn when(mut self, c: Cond) -> Command {
        self.when = Some(c);
        self
    }
    const fn guards(mut self, g: &'static [Guard]) -> Command {
        self.guards = g;
        self
    }
    const fn hint(mut self, h: &'static str) -> Command {
        self.hint = Some(h);
        self
    }
    const fn confirm(mut self) -> Command {
        self.danger = Danger::Confirm;
        self
    }
}

use CommandId as C;
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd(C::Help, "help", "Show the keys and commands of this screen", HELP_QUIT, &["?", "f1"]).hint("help"),
    cmd(C::Palette, "palette", "Find and run a command by name", SIGNED_IN, &[":", "ctrl-p"]).hint("palette"),
    cmd(C::SubmitLogin, "sign_in", "Sign in with the user name and password", &[Login], &["enter"]).hint("sign in"),
    cmd(C::SwitchFocus, "switch_focus", "Move focus to the next field or pane", &[Login, Search, Chart, Work, Codes, Coding], &["tab", "backtab"]).hint("focus"),
    cmd(C::Search, "search", "Patient search (or focus the search field)", &[Home, Search, Deficiencies], &["/"]).hint("search"),
    cmd(C::RunSearch, "run_search", "Search by MRN, visit number or name (audited)", &[Search], &["enter"])
        .when(Cond::Typing).guards(&[query_typed]).hint("search"),
    cmd(C::OpenChart, "open_chart", "Open the selected patient's chart (audited)", &[Search], &["enter"])
        .when(Cond::NotTyping).guards(&[row_selected]).hint("open"),
    cmd(C::OpenDocument, "open_document", "Show the selected document's text (audited)", &[Chart, Work, Coding], &["enter"])
        .guards(&[row_selected]).hint("read"),
    cmd(C::PrevEncounter, "previous_encounter", "Show the previous (newer) encounter", &[Chart], &["["]).when(Cond::NotReading)
        .guards(&[several_encounters]),
    cmd(C::NextEncounter, "next_encounter", "Show the next (older) encounter", &[Chart], &["]"]).when(Cond::NotReading)
        .guards(&[several_encounters]),
    cmd(C::MoveUp, "move_up", "Previous row, or scroll the text up", ROWS, &["up", "k"]),
    cmd(C::MoveDown, "move_down", "Next row, or scroll the text down", ROWS, &["down", "j"]),
    cmd(C::PageUp, "page_up", "Scroll one page up", LISTS, &["pageup"]),
    cmd(C::PageDown, "page_down", "Scroll one page down", LISTS, &["pagedown"]),
    cmd(C::GoTop, "go_top", "First row, or top of the text", ROWS, &["home"]),
    cmd(C::GoBottom, "go_bottom", "Last row, or end of the text", ROWS, &["end"]),
    cmd(C::OpenDeficiencies, "deficiency_queue", "Open the deficiency queue", &[Home], &["d"])
        .guards(&[may_analyze]).hint("deficiencies"),
    cmd(C::OpenReports, "deficiency_reports", "Deficiency reports and provider letters", &[Home], &["r"])
        .guards(&[may_analyze]).hint("reports"),
    cmd(C::OpenDashboard, "dashboard", "Department dashboard: delinquency, DNFB, coding, ROI, staff, audit", &[Home], &["b"])
        .guards(&[crate::tui::supervisor::may_supervise]).hint("dashboard"),
    cmd(C::NextTile, "next_tile", "Select the next tile (the page follows)", &[Supervisor], &["down", "j", "tab"]),
    cmd(C::PrevTile, "previous_tile", "Select the previous tile", &[Supervisor], &["up", "k", "backtab"]),
    cmd(C::NextTilePage, "next_tile_page", "Next page of tiles", &[Supervisor], &["pagedown"]),
    cmd(C::PrevTilePage, "previous_tile_page", "Previous page of tiles", &[Supervisor], &["pageup"]),
    cmd(C::OpenTile, "open_tile", "Open the list behind the selected tile", &[Supervisor], &["enter"]).hint("open"),
    cmd(C::RefreshDuplicateRate, "refresh_duplicate_rate", "Recompute the MPI duplicate rate (MPI-01) in the background for its tile", &[Supervisor], &["D"]),
    cmd(C::WaiverWorklist, "pending_waivers", "Worklist: technicians' waivers waiting for approval (DEF-03)", &[Supervisor], &["w"]).hint("waivers"),
    cmd(C::ApproveListedWaiver, "approve_listed_waiver", "Approve the selected waiver in the worklist (audited)", &[Supervisor], &["A"]),
    cmd(C::RejectListedWaiver, "reject_listed_waiver", "Reject the selected waiver: the deficiency stays open (audited)", &[Supervisor], &["R"]),
    cmd(C::QaWorklist, "requests_awaiting_qa", "Worklist: release requests awaiting QA (enter opens the request)", &[Supervisor], &["v"]),
    cmd(C::ExpiredClaimsWorklist, "expired_claims", "Worklist: claims nobody renewed (release them in place)", &[Supervisor], &["x"]),
    cmd(C::QueriesWorklist, "queries_past_due", "Worklist: unanswered coding queries past due (escalate in place, COD-21)", &[Supervisor], &["u"]),
    cmd(C::ReleaseListedClaim, "release_listed_claim", "Release the selected expired claim: the work returns to its queue (audited)", &[Supervisor], &["X"]),
    cmd(C::EscalateListedQueries, "escalate_listed_queries", "Escalate every open query due for a higher level (COD-21, audited)", &[Supervisor], &["E"]),
    cmd(C::OpenCodeLookup, "code_lookup", "Look up ICD-10-CM/PCS codes by code or words (not audited)", &[Home], &["c"])
        .hint("codes"),
    cmd(C::OpenCodingQueue, "coding_queue", "Open the coding work queue and the held-for-documentation list", &[Home], &["w"])
        .guards(&[may_code]),
    cmd(C::ShowCode, "show_code", "Show the selected code's detail; a header narrows the search to it", &[Codes], &["enter"])
        .guards(&[row_selected]).hint("detail"),
    cmd(C::OpenRoiQueue, "roi_queue", "Release-of-information queue: soonest due first, overdue flagged", &[Home], &["o"])
        .guards(&[may_release]).hint("roi"),
    cmd(C::OpenRoiRequest, "open_request", "Open the selected request (audited)", &[RoiQueue], &["enter"])
        .guards(&[row_selected]).hint("open"),
    cmd(C::ValidateRequest, "validate_request", "Validate the authorization (45 CFR 164.508); a reason code puts it on hold", &[RoiRequest], &["v"])
        .guards(&[roi_validatable]).hint("validate"),
    cmd(C::EditAuthorization, "edit_authorization", "Fill in the authorization form, prefilled from the request (164.508(c)); w saves and validates", &[RoiRequest], &["e"])
        .guards(&[roi_editable]).hint("authorization"),
    cmd(C::VerifyIdentity, "verify_identity", "Record how identity and authority were verified; you are the verifier (ROI-07)", &[RoiRequest], &["i"])
        .guards(&[roi_editable]).hint("verify"),
    cmd(C::SelectDocument, "select_documents", "Pick the documents to leave out or put back, with a note (minimum necessary, ROI-06)", &[RoiRequest], &["x"])
        .guards(&[roi_editable]).hint("documents"),
    cmd(C::PlaceHold, "place_hold", "Put the request on hold: fee unpaid, identity, record incomplete, scope", &[RoiRequest], &["h"])
        .guards(&[roi_holdable]),
    cmd(C::ReleaseHold, "release_hold", "Lift the hold by its step: AUTH_* validates again, RECORD_INCOMPLETE lifts, the others open their form", &[RoiRequest], &["u"])
        .guards(&[roi_on_hold]),
    cmd(C::SetScope, "set_scope", "Record the clarified scope (dates, types, encounters) with a note; lifts HOLD_CLARIFY_SCOPE", &[RoiRequest], &["o"])
        .guards(&[roi_editable]),
    cmd(C::AcknowledgeIncomplete, "ack_incomplete", "Release the incomplete documents selected as they stand, with a note (roi_incomplete_documents)", &[RoiRequest], &["A"])
        .guards(&[roi_editable, roi_incomplete_left]),
    cmd(C::RecordEstimate, "record_estimate", "Compute and record the fee estimate of the documents selected (LTR-02)", &[RoiRequest], &["E"])
        .guards(&[roi_open]),
    cmd(C::ExtendRequest, "extend_request", "The one extension (ROI-01): days, written reason, notice date", &[RoiRequest], &["t"])
        .guards(&[roi_extendable]),
    cmd(C::NewRequest, "new_request", "Log a new request: patient by search, requester from the address book, types by name", &[RoiQueue], &["n"])
        .guards(&[may_release]).hint("new"),
    cmd(C::SubmitForQa, "submit_for_qa", "Send to QA review; you are the releaser", &[RoiRequest], &["s"])
        .guards(&[roi_in_process]).hint("to QA"),
    cmd(C::QaPass, "qa_pass", "Pass QA review (a user other than the releaser)", &[RoiRequest], &["p"])
        .guards(&[roi_in_qa]).confirm().hint("QA pass"),
    cmd(C::QaFail, "qa_fail", "Fail QA review with a note: back to IN_PROCESS", &[RoiRequest], &["f"])
        .guards(&[roi_in_qa]),
    cmd(C::ReleaseRequest, "release_request", "Release: disclosure row, audit event and packet", &[RoiRequest], &["R"])
        .guards(&[roi_releasable]).confirm().hint("release"),
    cmd(C::RecordPayment, "record_payment", "Record a payment against the estimate or invoice: amount and method (ROI-04)", &[RoiRequest], &["$"])
        .guards(&[roi_payable]),
    cmd(C::DenyRequest, "deny_request", "Deny the individual's access (ROI-05): ground, determining professional, note", &[RoiRequest], &["D"])
        .guards(&[roi_open, roi_access]).confirm(),
    cmd(C::DenyDocuments, "deny_documents", "Deny chosen documents (ROI-05); the rest is released (164.524(d)(1))", &[RoiRequest], &["X"])
        .guards(&[roi_editable, roi_access]),
    cmd(C::ReviewDenial, "review_denial", "Record the review of a reviewable denial (request or document) by another professional (ROI-05)", &[RoiRequest], &["r"])
        .guards(&[roi_reviewable]),
    cmd(C::RefuseRequest, "refuse_request", "Refuse a third party's request listing its authorization defects (LTR-03)", &[RoiRequest], &["F"])
        .guards(&[roi_open, roi_third_party, roi_defective]).confirm(),
    cmd(C::RecordRevocation, "record_revocation", "Record a written revocation of the authorization, in any state (164.508(b)(5))", &[RoiRequest], &["V"])
        .guards(&[roi_revocable]),
    cmd(C::CloseRequest, "close_request", "Close a released or denied request", &[RoiRequest], &["c"])
        .guards(&[roi_closable]),
    cmd(C::CancelRequest, "cancel_request", "Cancel an open request, with a note", &[RoiRequest], &["C"])
        .guards(&[roi_open]).confirm(),
    cmd(C::OpenAccounting, "accounting", "The patient's accounting of disclosures (45 CFR 164.528)", &[RoiQueue, RoiRequest], &["a"])
        .guards(&[row_selected]).hint("accounting"),
    cmd(C::LogAodRequest, "log_accounting_request", "Log a request for an accounting of disclosures (AOD-05: due in 60 days)", &[Accounting], &["l"])
        .hint("log request"),
    cmd(C::ExtendAodRequest, "extend_accounting_request", "Extend the accounting request once (AOD-05): days, reason, notice", &[Accounting], &["t"])
        .guards(&[aod_extendable]),
    cmd(C::ProvideAccounting, "provide_accounting", "Mark the accounting provided (kept as provided, AOD-07)", &[Accounting], &["P"])
        .guards(&[aod_open]).confirm(),
    cmd(C::SuspendAccounting, "suspend_accounting", "Record an agency's suspension statement with its request (OVERSIGHT or LAW_ENF, AOD-06)", &[RoiQueue, RoiRequest, Accounting], &["S"])
        .guards(&[roi_may_suspend]),
    cmd(C::OpenAddressBook, "address_book", "The requester address book: who asked before, their type, fee class, verification", &[RoiQueue], &["b"])
        .guards(&[may_release]),
    cmd(C::OpenAmendments, "amendments", "The amendment queue (164.526): open first by due date, 60-day clock, decisions and statements", &[RoiQueue], &["M"])
        .guards(&[may_release]),
    cmd(C::LogAmendment, "log_amendment", "Log an amendment request: patient, received, who asks, the change, documents (due in 60 days)", &[Amendments], &["n"])
        .hint("log"),
    cmd(C::ExtendAmendment, "extend_amendment", "The one extension (164.526(b)(2)(i)): days, reason; the notice letter goes out today", &[Amendments], &["t"])
        .guards(&[row_selected]),
    cmd(C::AcceptAmendment, "accept_amendment", "Accept: the amendment text, linked to the documents logged; records who must be told (164.526(c))", &[Amendments], &["y"])
        .guards(&[row_selected]).hint("accept"),
    cmd(C::DenyAmendment, "deny_amendment", "Deny on a ground of 164.526(a)(2) with the basis; the denial letter goes out", &[Amendments], &["d"])
        .guards(&[row_selected]).hint("deny"),
    cmd(C::FileAmendStatement, "file_amendment_statement", "File the statement of disagreement or the rebuttal (164.526(d)); later releases carry them", &[Amendments], &["s"])
        .guards(&[row_selected]).hint("statement"),
    cmd(C::OpenLetters, "letters", "The request's letters: those sent, and each template filled for this request in the reader", &[RoiRequest], &["L"]),
    cmd(C::SendLetter, "send_letter", "Send the letter shown (stored with its PDF SHA-256, audited)", &[Letters], &["S"])
        .confirm().hint("send"),
    cmd(C::OpenRestrictions, "restrictions", "The patient's restrictions and confidential address (164.522)", &[RoiRequest], &["P"]),
    cmd(C::AddRestriction, "add_restriction", "Record an agreed restriction, or the mandatory self-pay one (164.522(a)(1)(vi))", &[Restrictions], &["n"])
        .hint("new"),
    cmd(C::EndRestriction, "end_restriction", "End the selected restriction with a reason (164.522(a)(2))", &[Restrictions], &["E"])
        .guards(&[row_selected]).hint("end"),
    cmd(C::SetConfidentialAddress, "confidential_address", "Set or clear the address letters to the individual go to (164.522(b))", &[Restrictions], &["A"])
        .hint("address"),
    cmd(C::OpenRequestFiles, "forms_deliveries", "The request's signed forms (scans, SHA-256) and deliveries", &[RoiRequest], &["d"]),
    cmd(C::AttachForm, "attach_form", "Attach a scanned signed authorization or request letter (PDF, PNG, JPEG) from a path", &[RequestFiles], &["n"])
        .hint("attach"),
    cmd(C::RecordDelivery, "record_delivery", "Record a delivery: method, tracking no., the zip (a re-send is checked by hash)", &[RequestFiles], &["d"])
        .hint("deliver"),
    cmd(C::OpenBatches, "batches", "Multi-patient requests (payer audits, research sets): a request per patient", &[RoiQueue], &["B"]),
    cmd(C::LogBatch, "log_batch", "Log a multi-patient request: requester, purpose, a list file or MRNs (;), per-patient authorizations", &[Batches], &["n"])
        .hint("new"),
    cmd(C::OpenBatchMember, "open_batch_patient", "Open the selected patient's request: selection and validation per patient", &[Batches], &["enter"])
        .guards(&[row_selected]).hint("open"),
    cmd(C::VerifyBatch, "verify_batch", "Record identity verification for every patient of the selected batch (ROI-07)", &[Batches], &["i"])
        .guards(&[row_selected]).hint("verify"),
    cmd(C::ValidateBatch, "validate_batch", "Validate every patient of the selected batch (each on its own authorization or basis)", &[Batches], &["v"])
        .guards(&[row_selected]).hint("validate"),
    cmd(C::ReleaseBatch, "release_batch", "Release the selected batch as one packet: a folder per patient, a disclosure each", &[Batches], &["R"])
        .guards(&[row_selected]).confirm().hint("release"),
    cmd(C::AddRequester, "add_requester", "Add a requester to the address book", &[AddressBook], &["n"])
        .hint("new"),
    cmd(C::EditRequester, "edit_requester", "Edit the selected entry (a stale save is refused, the draft kept)", &[AddressBook], &["enter"])
        .guards(&[row_selected]).hint("edit"),
    cmd(C::ManualDisclosure, "manual_disclosure", "Enter a disclosure made outside the desk (date, recipient, purpose, what, legal basis)", &[RoiQueue, Accounting], &["m"]),
    cmd(C::ProviderLetter, "provider_letter", "One provider's charts and what is owed", &[Reports], &["l"])
        .hint("provider"),
    cmd(C::ProviderView, "provider_view", "One provider's open deficiencies, oldest first, page by page (audited)", &[Reports], &["v"])
        .hint("provider view"),
    cmd(C::ToggleQueueTab, "toggle_queue_tab", "Switch between the queue's two lists (awaiting/incomplete; ready/held)", &[Deficiencies, CodingQueue], &["t"]).hint("tab"),
    cmd(C::CycleSort, "cycle_sort", "Sort by oldest, newest, service or attending", &[Deficiencies], &["s"]).hint("sort"),
    cmd(C::FilterQueue, "filter_queue", "Filter by service, deficiency type or provider", &[Deficiencies], &["f"]).hint("filter"),
    cmd(C::ClearFilter, "clear_filter", "Remove the queue filters", &[Deficiencies], &["x"]),
    cmd(C::NextPage, "next_page", "Next page of the list", &[Deficiencies, Provider, CodingQueue], &["n", "pagedown"])
        .guards(&[has_next_page]).hint("next"),
    cmd(C::PrevPage, "previous_page", "Previous page of the list", &[Deficiencies, Provider, CodingQueue], &["p", "pageup"])
        .guards(&[has_prev_page]).hint("prev"),
    cmd(C::CycleCodingType, "filter_coding_type", "Filter by encounter type: all, inpatient, outpatient, emergency, observation", &[CodingQueue], &["f"])
        .hint("type"),
    cmd(C::FilterCodingService, "filter_coding_service", "Only the selected encounter's service; again: every service", &[CodingQueue], &["s"]),
    cmd(C::CodeEncounter, "code_encounter", "Claim the selected encounter and code it", &[CodingQueue], &["enter"])
        .guards(&[row_selected]).hint("code"),
    cmd(C::AddDiagnosis, "add_diagnosis", "Add an ICD-10-CM diagnosis with the code picker", &[Coding], &["a"])
        .guards(&[coding_open]).hint("add dx"),
    cmd(C::AddProcedure, "add_procedure", "Add an ICD-10-PCS procedure with the code picker", &[Coding], &["i"])
        .guards(&[coding_open]).hint("add px"),
    cmd(C::RemoveCode, "remove_code", "Remove the selected code", &[Coding], &["x"])
        .guards(&[coding_open, code_selected]),
    cmd(C::MoveCodeUp, "move_code_up", "Move the selected code up (the top diagnosis is principal)", &[Coding], &["K"])
        .guards(&[coding_open, code_selected]),
    cmd(C::MoveCodeDown, "move_code_down", "Move the selected code down", &[Coding], &["J"])
        .guards(&[coding_open, code_selected]),
    cmd(C::PoaYes, "poa_yes", "POA Y: present on admission (POA-01)", &[Coding], &["y"])
        .guards(&[coding_open, diagnosis_selected]),
    cmd(C::PoaNo, "poa_no", "POA N: not present on admission (POA-01)", &[Coding], &["n"])
        .guards(&[coding_open, diagnosis_selected]),
    cmd(C::PoaUnknown, "poa_unknown", "POA U: documentation insufficient (POA-01)", &[Coding], &["u"])
        .guards(&[coding_open, diagnosis_selected]),
    cmd(C::PoaUndetermined, "poa_undetermined", "POA W: clinically undetermined (POA-01)", &[Coding], &["w"])
        .guards(&[coding_open, diagnosis_selected]),
    cmd(C::PoaExempt, "poa_exempt", "POA 1: exempt, for payers that want it (POA-02)", &[Coding], &["1"])
        .guards(&[coding_open, diagnosis_selected]),
    cmd(C::PrincipalProcedure, "principal_procedure", "Make the selected procedure the principal procedure", &[Coding], &["*"])
        .guards(&[coding_open, procedure_selected]),
    cmd(C::ProcedureDate, "procedure_date", "Set the selected procedure's date", &[Coding], &["D"])
        .guards(&[coding_open, procedure_selected]),
    cmd(C::AcknowledgeWarnings, "acknowledge_warnings", "Acknowledge every warning edit shown (recorded at completion)", &[Coding], &["!"])
        .guards(&[coding_open]),
    cmd(C::CompleteCoding, "complete_coding", "Complete coding: edits rerun; error edits block, warnings need acknowledging", &[Coding], &["C"])
        .guards(&[coding_open]).confirm().hint("complete"),
    cmd(C::OverrideHold, "override_hold", "Complete despite a documentation hold, with a reason (supervisor, COD-20)", &[Coding], &["O"])
        .guards(&[coding_open, supervisor]),
    cmd(C::SendQuery, "send_query", "Send a documentation query to the attending (holds the encounter, COD-21)", &[Coding], &["Q"])
        .guards(&[coding_open]).hint("query"),
    cmd(C::QueryProvider, "query_provider", "Query any provider on the encounter from a facility template (non-leading, multiple choice; holds the encounter, COD-21)", &[Coding], &["P"])
        .guards(&[coding_open]),
    cmd(C::ToggleFavourite, "favourite_code", "Make the highlighted picker code (or the selected code) a favourite, or no longer one: favourites rank first in your picker (audited)", &[Coding], &["ctrl-s"]),
    cmd(C::PcsBuilder, "pcs_builder", "In the procedure picker (i): build the ICD-10-PCS code axis by axis — section, body system, root operation, body part, approach, device, qualifier — from valid choices only; again for the word search", &[Coding], &["ctrl-b"]),
    cmd(C::DrillDown, "drill_down", "In the code picker: list the billable codes under the highlighted header (category) to pick one; esc returns to the search (COD-02)", &[Coding], &["right", "ctrl-d"]),
    cmd(C::DrgWhatIf, "drg_what_if", "The working MS-DRG in full and its what-if: each CC/MCC secondary diagnosis and the DRG without it (shows a missing query)", &[Coding], &["W"]),
    cmd(C::ReopenCoding, "reopen_coding", "Reopen the coded encounter with a reason", &[Coding], &["R"])
        .guards(&[coding_coded]),
    cmd(C::FindInText, "find_in_text", "Find text in the open document (case-insensitive)", &[Coding, Work, Chart, Reports], &["/", "ctrl-f"])
        .guards(&[reading_document]).hint("find"),
    cmd(C::FindNext, "find_next", "Next match of the find", &[Coding, Work, Chart, Reports], &["f3"])
        .guards(&[reading_document]),
    cmd(C::PrevDocument, "previous_document", "Show the previous document", &[Coding, Work, Chart], &["["]).when(Cond::Reading),
    cmd(C::NextDocument, "next_document", "Show the next document", &[Coding, Work, Chart], &["]"]).when(Cond::Reading),
    cmd(C::OpenWork, "work_chart", "Claim the selected chart and work its deficiencies", &[Deficiencies], &["enter"])
        .guards(&[row_selected]).hint("work"),
    cmd(C::AddDeficiency, "add_deficiency", "Add a deficiency (pick its type; document and provider from the selection)", &[Work], &["a"])
        .hint("add"),
    cmd(C::CompleteDeficiency, "complete_deficiency", "Mark the selected deficiency resolved", &[Work], &["c"])
        .guards(&[open_deficiency]).confirm().hint("resolve"),
    cmd(C::RecordSignature, "record_signature", "Record the selected document's signature, dated now", &[Work], &["s"])
        .guards(&[unsigned_document]).confirm().hint("sign"),
    cmd(C::RecordCosignature, "record_cosignature", "Record the supervising physician's cosignature on the selected note, dated now (AUTH-COSIGN; resolves COSIGN)", &[Work], &["S"])
        .guards(&[cosign_due]).confirm().hint("cosign"),
    cmd(C::EscalationLetters, "escalation_letters", "The escalation letter batch: one letter per physician at each aging level (DEL-07; audited)", &[Reports], &["E"]),
    cmd(C::SuspensionList, "suspension_list", "Physicians at a suspension level, with what they owe (audited)", &[Reports], &["U"]),
    cmd(C::RereviewFlags, "rereview_flags", "Charts flagged for re-review: a document arrived or changed after analysis, named (audited)", &[Reports], &["F"]),
    cmd(C::WriteLetters, "write_letters", "Write the escalation letter batch, every level, to exports/ as text and PDF (DEL-07; audited)", &[Reports], &["W"])
        .guards(&[may_analyze]),
    cmd(C::ClearRereview, "clear_rereview", "Clear the selected chart's re-review flag: the document named below was re-reviewed (audited)", &[Deficiencies, CodingQueue], &["R"])
        .guards(&[row_selected]).confirm(),
    cmd(C::EscalateQueries, "escalate_queries", "Escalate the queries unanswered past the query_escalate_days setting: reminder, then physician advisor (COD-21; audited)", &[Queries], &["E"])
        .guards(&[may_code]),
    cmd(C::DataQualityList, "data_quality_list", "Encounters kept out of analysis as implausible, named by rule (audited)", &[Reports], &["Q"]),
    cmd(C::BulkCompleteSignatures, "bulk_complete_signatures", "Complete all this physician's signature deficiencies (UNSIGNED, COSIGN, ORD_UNSIGNED): signed at the signing station, dated now; the list and count are shown first", &[Provider], &["B"])
        .guards(&[may_analyze]).confirm().hint("bulk sign"),
    cmd(C::WaiveDeficiency, "waive_deficiency", "Waive the selected deficiency (reason code and text, DEF-03)", &[Work], &["w"])
        .guards(&[open_deficiency]).hint("waive"),
    cmd(C::ApproveWaiver, "approve_waiver", "Approve the selected deficiency's pending waiver", &[Work], &["A"])
        .guards(&[may_waive, waiver_pending]),
    cmd(C::VoidDeficiency, "void_deficiency", "Void the selected deficiency (created in error; reason)", &[Work], &["v"])
        .guards(&[open_deficiency]),
    cmd(C::ReassignDeficiency, "reassign_deficiency", "Reassign the selected deficiency to another provider", &[Work], &["r"])
        .guards(&[open_deficiency]),
    cmd(C::MarkAnalyzed, "mark_analyzed", "Mark the chart analysed", &[Work], &["m"])
        .confirm(),
    cmd(C::OpenMpiQueue, "mpi_queue", "MPI queue: conflicts, held merges, duplicates side by side", &[Home], &["m"])
        .guards(&[mpi_review]),
    cmd(C::MpiMerge, "mpi_merge", "Merge the selected pair: the record marked surviving stays, the other's MRN becomes its alias (audited)", &[Mpi], &["m"])
        .guards(&[row_selected, mpi_supervisor, mpi_open]).confirm().hint("merge"),
    cmd(C::MpiSwapSurvivor, "mpi_swap_survivor", "Swap which record of the pair survives a merge", &[Mpi], &["s"])
        .guards(&[row_selected, mpi_open]).hint("swap"),
    cmd(C::MpiKeepApart, "mpi_keep_apart", "Keep the pair apart (two different people), with a reason (audited)", &[Mpi], &["a"])
        .guards(&[row_selected, mpi_supervisor, mpi_open]).hint("keep apart"),
    cmd(C::MpiUnmerge, "mpi_unmerge", "Undo the pair's merge, restoring exactly what moved, with a reason (supervisor, audited)", &[Mpi], &["U"])
        .guards(&[row_selected, mpi_supervisor, mpi_merged]).hint("unmerge"),
    cmd(C::MpiShowAll, "mpi_show_all", "List decided pairs too (again: open pairs only)", &[Mpi], &["t"]).hint("all"),
    cmd(C::MpiProposeMerge, "mpi_propose_merge", "Propose merging the pair, keeping the record marked surviving; a supervisor applies it (audited)", &[Mpi], &["p"])
        .guards(&[row_selected, mpi_review, mpi_open]).hint("propose"),
    cmd(C::MpiProposeKeepApart, "mpi_propose_keep_apart", "Propose keeping the pair apart, with a reason; a supervisor applies it (audited)", &[Mpi], &["K"])
        .guards(&[row_selected, mpi_review, mpi_open]),
    cmd(C::MpiApplyProposal, "mpi_apply_proposal", "Apply the pair's proposal: merge or keep apart as proposed (supervisor, audited)", &[Mpi], &["A"])
        .guards(&[row_selected, mpi_supervisor, mpi_proposed]).confirm().hint("apply"),
    cmd(C::MpiRejectProposal, "mpi_reject_proposal", "Reject the pair's proposal with a reason; the pair stays open (supervisor, audited)", &[Mpi], &["X"])
        .guards(&[row_selected, mpi_supervisor, mpi_proposed]).hint("reject"),
    cmd(C::Back, "back", "Go back one screen", BACK, &["esc"]).hint("back"),
    cmd(C::LockScreen, "lock_screen", "Lock the screen now (password to continue)", SIGNED_IN, &["ctrl-l"]),
    cmd(C::ShowDetails, "details", "Show in full, in the reader: codes with titles, edits, holds, queries and facts (workbench), or the selected deficiency (work)", &[Work, Coding], &["e"]).hint("details"),
    cmd(C::ViewChart, "view_chart", "Open the chart at the selected row's encounter, or at the first visit on screen in a letter (audited)", &[Reports, Provider, Queries], &["enter"]).hint("chart"),
    cmd(C::ClaimChart, "claim_chart", "Claim the visit shown: work its deficiencies (technician) or code it (coder)", &[Chart], &["c"])
        .guards(&[may_work_charts]).hint("claim"),
    cmd(C::OpenQueries, "queries", "Queries: encounters on hold for a documentation query (COD-21)", &[Home, CodingQueue], &["a"])
        .guards(&[may_work_charts]).hint("queries"),
    cmd(C::RecordAnswer, "record_answer", "Record the provider's answer to the selected query (releases the hold, COD-21)", &[Queries], &["r"])
        .guards(&[row_selected]).hint("answer"),
    cmd(C::ExportList, "export_csv", "Write the list on screen to a CSV file under exports/ (audited)", &[Search, Chart, Deficiencies, Work, Provider, RoiQueue, CodingQueue, Queries, Mpi], &["ctrl-e"]),
    cmd(C::Refresh, "refresh", "Read the screen again (lists also refresh on others' changes)", &[Home, Chart, Deficiencies, Work, Provider, RoiQueue, RoiRequest, Accounting, AddressBook, CodingQueue, Coding, Queries, Supervisor, Mpi, Worklist], &["ctrl-r", "f5"]),
    cmd(C::Quit, "quit", "Sign out (audited) and leave chartdesk", HELP_QUIT, &["q", "ctrl-c"]).hint("quit"),
    cmd(C::Unlock, "unlock", "Unlock the session with your password", &[Lock], &["enter"]).hint("unlock"),
    cmd(C::OpenAdmin, "admin", "Administration: settings, users, audit log, unusual access, staff and work (supervisor)", &[Home], &["A"])
        .guards(&[is_supervisor]).hint("admin"),
    cmd(C::AdminNextTab, "next_tab", "Next tab: settings, users, audit, unusual access, staff, productivity", &[Admin], &["tab"]).hint("next tab"),
    cmd(C::AdminPrevTab, "previous_tab", "Previous tab", &[Admin], &["backtab"]),
    cmd(C::EditSetting, "edit_setting", "Edit the selected setting (validated; audited with old and new value)", &[Admin], &["enter"])
        .guards(&[on_settings, row_selected]).hint("edit"),
    cmd(C::AddUser, "add_user", "Add a user: name, role, full name, then the password", &[Admin], &["n"])
        .guards(&[on_users]).hint("add"),
    cmd(C::DisableUser, "disable_user", "Disable the selected user (users are never deleted)", &[Admin], &["d"])
        .guards(&[on_users, row_selected]).confirm().hint("disable"),
    cmd(C::EnableUser, "enable_user", "Enable the selected user again", &[Admin], &["e"])
        .guards(&[on_users, row_selected]).hint("enable"),
    cmd(C::UnlockUser, "unlock_user", "Clear the selected user's lockout after failed logins", &[Admin], &["u"])
        .guards(&[on_users, row_selected]).hint("unlock"),
    cmd(C::ResetPassword, "reset_password", "Set a new password for the selected user", &[Admin], &["p"])
        .guards(&[on_users, row_selected]).hint("password"),
    cmd(C::ChangeRole, "change_role", "Change the selected user's role", &[Admin], &["r"])
        .guards(&[on_users, row_selected]).hint("role"),
    cmd(C::FilterAudit, "filter_audit", "Filter the audit log: user, patient, action, outcome, time", &[Admin], &["f"])
        .guards(&[on_audit]).hint("filter"),
    cmd(C::ExportAuditCsv, "export_audit_csv", "Export the filtered audit rows to CSV under exports/ (audited)", &[Admin], &["c"])
        .guards(&[on_audit]).hint("csv"),
    cmd(C::ExportAuditFhir, "export_audit_fhir", "Export the filtered audit rows as FHIR AuditEvent NDJSON (audited)", &[Admin], &["F"])
        .guards(&[on_audit]).hint("fhir"),
    cmd(C::FlagPatient, "flag_patient", "Set or clear a patient's VIP or EMPLOYEE flag (AUD-14; audited)", &[Admin], &["v"])
        .guards(&[on_privacy]).hint("flag"),
    cmd(C::AssignWork, "assign_work", "Assign a chart, an encounter to code or a request to a user (audited)", &[Admin], &["a"])
        .guards(&[on_staff]).hint("assign"),
    cmd(C::TakeBackWork, "take_back_work", "Take an assignment back (audited)", &[Admin], &["t"])
        .guards(&[on_staff]).hint("take back"),
    cmd(C::ReleaseClaim, "release_claim", "Release the selected user's claim (audited)", &[Admin], &["R"])
        .guards(&[on_staff, row_selected]).confirm().hint("release"),
    cmd(C::EnterHours, "enter_hours", "Enter or correct a user's productive hours for a day (MET-05; audited with old and new)", &[Admin], &["h"])
        .guards(&[on_staff]),
    cmd(C::MyHours, "my_hours", "Enter your productive hours for a day (MET-05)", &[Home], &["H"]),
    cmd(C::WhoLooked, "who_looked", "Who looked at this chart: the patient's audit rows (supervisor)", &[Chart], &["W"])
        .guards(&[is_supervisor]),
    cmd(C::FlagChart, "flag_chart", "Set or clear the patient's VIP or EMPLOYEE flag, with a reason (supervisor; AUD-14, audited)", &[Chart], &["V"])
        .guards(&[is_supervisor]),
    cmd(C::MyWork, "my_work", "My work: my assignments, claims and open queries (audited)", &[Home], &["M"])
        .hint("my work"),
    cmd(C::UserWorklist, "user_worklist", "The selected user's worklist: assigned work, claims, queries; reassign or release there (audited)", &[Admin], &["w"])
        .guards(&[on_staff, row_selected]).hint("worklist"),
    cmd(C::ReassignItem, "reassign_item", "Reassign the selected assigned item to another user of a suitable role (supervisor, audited)", &[Worklist], &["r"])
        .guards(&[row_selected, is_supervisor, wl_assigned]).hint("reassign"),
    cmd(C::TakeBackItem, "take_back_item", "Take the selected assignment back: it returns to the shared queue (supervisor, audited)", &[Worklist], &["t"])
        .guards(&[row_selected, is_supervisor, wl_assigned]).confirm().hint("take back"),
    cmd(C::ReleaseItemClaim, "release_item_claim", "Release the selected claim: the work returns to its queue (supervisor, audited)", &[Worklist], &["R"])
        .guards(&[row_selected, is_supervisor, wl_claim]).confirm().hint("release"),
    cmd(C::Logout, "logout", "Sign out and return to the login screen (asks first; Esc never signs out)", &[Lock], &["q"]).confirm().hint("sign out"),
];

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
