//! The one table of user commands. Key dispatch ([`Keymap`]), the help overlay, the command
//! palette and the footer hints are all generated from [`COMMANDS`], so none of them can drift.
//!
//! Key rules (in this order):
//! - A plain printable key (`q`, `/`, `j`, …) never runs a command while a text field has focus
//!   ([`Ctx::typing`]); it is typed into the field instead. Named keys (`enter`, `esc`, `up`) and
//!   chords (`ctrl-p`) always resolve.
//! - A command with a [`Cond`] is only considered when the condition holds, so one key may run
//!   two commands on a screen only when their conditions exclude each other.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Ctx;

/// The screens a command can be bound on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScreenId {
    Login,
    Home,
    Search,
    Chart,
    /// The deficiency queue (technicians and supervisors).
    Deficiencies,
    /// One claimed chart: its documents beside its deficiencies.
    Work,
    /// Deficiency reports and provider letters.
    Reports,
    /// ICD-10-CM/PCS code lookup (reference data, not PHI).
    Codes,
    /// One provider's open deficiencies, page by page.
    Provider,
    /// The release-of-information queue (ROI role and supervisors).
    RoiQueue,
    /// One release request: authorization, validation, documents, actions.
    RoiRequest,
    /// A patient's accounting of disclosures.
    Accounting,
    /// The requester address book (ROI desk).
    AddressBook,
    /// The amendment queue (164.526) with its 60-day clock (ROI desk).
    Amendments,
    /// The letters of one release request: sent, and templates previewed (ROI desk).
    Letters,
    /// A patient's restrictions and confidential address (164.522; ROI desk).
    Restrictions,
    /// A request's signed forms and deliveries (ROI desk).
    RequestFiles,
    /// Multi-patient requests (payer audits, research sets; ROI desk).
    Batches,
    /// The coding queue and the held-for-documentation list (coders and supervisors).
    CodingQueue,
    /// Documentation queries awaiting an answer (COD-21): record the provider's answer.
    Queries,
    /// One claimed encounter: documents and clinical facts beside the code list and edits.
    Coding,
    /// The MPI queue: identity conflicts, held merges and probable duplicates, side by side.
    Mpi,
    Lock,
    /// The supervisor console's administration: settings, users, audit, unusual access, staff.
    Admin,
    /// The supervisor's department dashboard (issue #15).
    Supervisor,
    /// One user's worklist: assigned work, claims, open queries (issue #15).
    Worklist,
}

impl ScreenId {
    pub const ALL: &'static [ScreenId] = &[
        ScreenId::Login,
        ScreenId::Home,
        ScreenId::Search,
        ScreenId::Chart,
        ScreenId::Deficiencies,
        ScreenId::Work,
        ScreenId::Reports,
        ScreenId::Codes,
        ScreenId::Provider,
        ScreenId::RoiQueue,
        ScreenId::RoiRequest,
        ScreenId::Accounting,
        ScreenId::AddressBook,
        ScreenId::Amendments,
        ScreenId::Letters,
        ScreenId::Restrictions,
        ScreenId::RequestFiles,
        ScreenId::Batches,
        ScreenId::CodingQueue,
        ScreenId::Coding,
        ScreenId::Queries,
        ScreenId::Mpi,
        ScreenId::Lock,
        ScreenId::Admin,
        ScreenId::Supervisor,
        ScreenId::Worklist,
    ];

    /// A text field always has focus on this screen.
    pub fn always_typing(self) -> bool {
        self == ScreenId::Login
    }

    /// The name used in help titles and the README key table.
    pub fn name(self) -> &'static str {
        match self {
            ScreenId::Login => "login",
            ScreenId::Home => "home",
            ScreenId::Search => "search",
            ScreenId::Chart => "chart",
            ScreenId::Deficiencies => "deficiencies",
            ScreenId::Work => "work",
            ScreenId::Reports => "reports",
            ScreenId::Codes => "codes",
            ScreenId::Provider => "provider",
            ScreenId::RoiQueue => "roi",
            ScreenId::RoiRequest => "roi_request",
            ScreenId::Accounting => "accounting",
            ScreenId::AddressBook => "address_book",
            ScreenId::Amendments => "amendments",
            ScreenId::Letters => "letters",
            ScreenId::Restrictions => "restrictions",
            ScreenId::RequestFiles => "forms",
            ScreenId::Batches => "batches",
            ScreenId::CodingQueue => "coding queue",
            ScreenId::Coding => "coding",
            ScreenId::Queries => "queries",
            ScreenId::Mpi => "mpi",
            ScreenId::Lock => "lock",
            ScreenId::Admin => "admin",
            ScreenId::Supervisor => "dashboard",
            ScreenId::Worklist => "worklist",
        }
    }
}

/// Commands a user may run by key or by palette. The snake_case [`Command::name`] is the
/// palette word; renaming one changes what users type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandId {
    /// Show the keys and commands of the current screen.
    Help,
    /// Open the command palette to find and run a command by name.
    Palette,
    /// Sign out (audited) and leave chartdesk.
    Quit,
    /// Lock the screen now; the password is needed to continue.
    LockScreen,
    /// Write the list on screen to a CSV file (audited like the CLI's exports).
    ExportList,
    /// Open the queries awaiting an answer (encounters on hold for a query, COD-21).
    OpenQueries,
    /// Record the provider's answer to the selected query (releases the hold when it was
    /// the encounter's last open query).
    RecordAnswer,
    /// Open the chart of the selected row (provider view) or of the visit on screen
    /// (letter), at that encounter (audited view).
    ViewChart,
    /// Claim the encounter shown in the chart viewer: technicians work its deficiencies,
    /// coders code it.
    ClaimChart,
    /// Show the full text of what a pane can only summarise (the workbench's edits, holds and
    /// queries; the selected deficiency's rule and note) in the reader.
    ShowDetails,
    /// Read the screen's list again now (lists also refresh within a second of another
    /// user's change).
    Refresh,
    /// Go to patient search, or put the cursor in the search field.
    Search,
    /// Go back one screen.
    Back,
    /// Move focus to the next field or pane.
    SwitchFocus,
    /// Sign in with the user name and password typed.
    SubmitLogin,
    /// Run the patient search for the text typed (one audited query).
    RunSearch,
    /// Open the selected patient's chart (audited view).
    OpenChart,
    /// Show the selected document's text (audited view).
    OpenDocument,
    /// Show the previous (newer) encounter of the chart.
    PrevEncounter,
    /// Show the next (older) encounter of the chart.
    NextEncounter,
    /// Select the previous row, or scroll the text up one line.
    MoveUp,
    /// Select the next row, or scroll the text down one line.
    MoveDown,
    /// Scroll one page up.
    PageUp,
    /// Scroll one page down.
    PageDown,
    /// Go to the first row or the top of the text.
    GoTop,
    /// Go to the last row or the end of the text.
    GoBottom,
    /// Unlock the locked session with the password typed.
    Unlock,
    /// Sign out of the locked session and return to the login screen.
    Logout,
    /// Open the deficiency queue (technicians and supervisors).
    OpenDeficiencies,
    /// Switch the queue between charts awaiting analysis and incomplete charts.
    ToggleQueueTab,
    /// Sort the queue by the next order: oldest, newest, service, attending.
    CycleSort,
    /// Filter the queue by service, deficiency type or provider.
    FilterQueue,
    /// Remove the queue's filters.
    ClearFilter,
    /// Show the next page of the queue.
    NextPage,
    /// Show the previous page of the queue.
    PrevPage,
    /// Claim the selected chart and work its deficiencies.
    OpenWork,
    /// Add a deficiency: pick its type; document and provider come from the selection.
    AddDeficiency,
    /// Mark the selected deficiency resolved (completed).
    CompleteDeficiency,
    /// Record the selected document's signature (time: now).
    RecordSignature,
    /// Record the supervising physician's cosignature on the selected note (AUTH-COSIGN).
    RecordCosignature,
    /// Show the escalation letter batch, every level (DEL-07).
    EscalationLetters,
    /// Show the physicians at a suspension level.
    SuspensionList,
    /// Show the analysis desk's open re-review flags.
    RereviewFlags,
    /// Show the encounters kept out of analysis, by rule.
    DataQualityList,
    /// Complete all of the provider's signature deficiencies (signed at the signing station).
    BulkCompleteSignatures,
    /// Waive the selected deficiency with a reason code and text (DEF-03).
    WaiveDeficiency,
    /// Approve the selected deficiency's pending waiver (supervisors).
    ApproveWaiver,
    /// Void the selected deficiency (created in error) with a reason.
    VoidDeficiency,
    /// Reassign the selected deficiency to another provider.
    ReassignDeficiency,
    /// Mark the chart analysed.
    MarkAnalyzed,
    /// Open the deficiency reports (summary for supervisors, provider letters).
    OpenReports,
    /// Show one provider's letter: every chart and what is owed.
    ProviderLetter,
    /// Open the ICD-10-CM/PCS code lookup (reference data; not audited).
    OpenCodeLookup,
    /// Show the selected code's detail; on a header code, narrow the search to it.
    ShowCode,
    /// Show one provider's open deficiencies, oldest first, page by page (audited).
    ProviderView,
    /// Open the release-of-information queue (ROI role and supervisors).
    OpenRoiQueue,
    /// Open the selected release request (audited view).
    OpenRoiRequest,
    /// Validate the request's authorization (45 CFR 164.508); any reason code puts it on hold.
    ValidateRequest,
    /// Send the request to QA review; you are its releaser.
    SubmitForQa,
    /// Pass QA review of the request (a user other than the releaser).
    QaPass,
    /// Release the request and write its packet.
    ReleaseRequest,
    /// Show the patient's accounting of disclosures (audited query).
    OpenAccounting,
    /// Fill in or correct the authorization form, then validate.
    EditAuthorization,
    /// Log a new release request.
    NewRequest,
    /// Select or leave out one document of the request.
    SelectDocument,
    /// Open the coding queue (coders and supervisors).
    OpenCodingQueue,
    /// Claim the selected encounter and open it on the coding workbench.
    CodeEncounter,
    /// Add a diagnosis with the code picker.
    AddDiagnosis,
    /// Add a procedure with the code picker.
    AddProcedure,
    /// Remove the selected code.
    RemoveCode,
    /// Move the selected code up one place (the top diagnosis is the principal).
    MoveCodeUp,
    /// Move the selected code down one place.
    MoveCodeDown,
    /// POA Y: present on admission.
    PoaYes,
    /// POA N: not present on admission.
    PoaNo,
    /// POA U: documentation insufficient.
    PoaUnknown,
    /// POA W: clinically undetermined.
    PoaUndetermined,
    /// POA 1: exempt (payer-specific marker).
    PoaExempt,
    /// Make the selected procedure the principal procedure.
    PrincipalProcedure,
    /// Acknowledge every warning edit shown.
    AcknowledgeWarnings,
    /// Complete coding (error edits block; warnings must be acknowledged).
    CompleteCoding,
    /// Send a documentation query to the attending.
    SendQuery,
    /// A query to any provider on the encounter, from a facility template.
    QueryProvider,
    /// Make the highlighted picker hit (or the selected code) one of the coder's favourites,
    /// or no longer one; favourites rank first in the coder's picker.
    ToggleFavourite,
    /// In the procedure picker: switch between the word search and the ICD-10-PCS builder.
    PcsBuilder,
    /// In the picker: list the billable codes under the highlighted header (esc: back).
    DrillDown,
    /// The working MS-DRG in full and its what-if (which secondary is the CC/MCC and the DRG
    /// without it), in the reader; kept current as codes change.
    DrgWhatIf,
    /// Reopen a coded encounter with a reason.
    ReopenCoding,
    /// Find text in the open document.
    FindInText,
    /// Jump to the next match of the find.
    FindNext,
    /// Show the previous document.
    PrevDocument,
    /// Show the next document.
    NextDocument,
    /// Filter the coding queue by encounter type (cycles).
    CycleCodingType,
    /// Set the selected procedure's date.
    ProcedureDate,
    /// Complete despite a documentation hold, with a reason (supervisor, COD-20).
    OverrideHold,
    /// Filter the coding queue to the selected encounter's service (again: all services).
    FilterCodingService,
    /// Record how the requester's identity and authority were verified (ROI-07).
    VerifyIdentity,
    /// Put the request on hold with a reason.
    PlaceHold,
    /// Lift the hold by the step that meets its condition (validation for an `AUTH_*` hold).
    ReleaseHold,
    /// The one extension of the request (ROI-01): days, reason, notice date.
    ExtendRequest,
    /// Fail QA review with a note: back to IN_PROCESS.
    QaFail,
    /// Deny the request (ROI-05) with the determining professional.
    DenyRequest,
    /// Record the review of a reviewable denial by another professional.
    ReviewDenial,
    /// Close a released or denied request.
    CloseRequest,
    /// Cancel an open request with a note.
    CancelRequest,
    /// Record the request's invoice paid.
    RecordPayment,
    /// Log a request for an accounting of disclosures (AOD-05).
    LogAodRequest,
    /// Extend the open accounting request once (AOD-05).
    ExtendAodRequest,
    /// Mark the accounting provided (AOD-07 keeps it as provided).
    ProvideAccounting,
    /// Record an agency's suspension of the accounting (AOD-06).
    SuspendAccounting,
    /// Enter a disclosure made outside the desk (it feeds the accounting).
    ManualDisclosure,
    /// Open the requester address book.
    OpenAddressBook,
    /// Add a requester to the address book.
    AddRequester,
    /// Edit the selected address-book entry.
    EditRequester,
    /// Open the amendment queue (164.526) with its 60-day clock.
    OpenAmendments,
    /// Log an amendment request (164.526(b)).
    LogAmendment,
    /// Take the one extension of the selected amendment request (notice letter).
    ExtendAmendment,
    /// Accept the selected amendment request (164.526(c)).
    AcceptAmendment,
    /// Deny the selected amendment request on a 164.526(a)(2) ground.
    DenyAmendment,
    /// File a statement of disagreement or a rebuttal (164.526(d)).
    FileAmendStatement,
    /// Open the letters of the request: those sent, and each template filled for it.
    OpenLetters,
    /// Send the letter previewed (stored with its PDF hash, audited).
    SendLetter,
    /// Open the patient's restrictions and confidential address (164.522).
    OpenRestrictions,
    /// Record an agreed or self-pay restriction (164.522(a)).
    AddRestriction,
    /// End the selected restriction with a reason (164.522(a)(2)).
    EndRestriction,
    /// Set or clear the confidential-communication address (164.522(b)).
    SetConfidentialAddress,
    /// Open the request's signed forms and deliveries.
    OpenRequestFiles,
    /// Attach a scanned signed form from a path.
    AttachForm,
    /// Record a delivery (or re-send) of the released packet.
    RecordDelivery,
    /// Open the multi-patient requests.
    OpenBatches,
    /// Log a multi-patient request.
    LogBatch,
    /// Open the selected patient's request of a batch.
    OpenBatchMember,
    /// Verify identity for every patient of the selected batch.
    VerifyBatch,
    /// Validate every patient of the selected batch.
    ValidateBatch,
    /// Release the selected batch as one packet.
    ReleaseBatch,
    /// Compute and record the fee estimate (LTR-02).
    RecordEstimate,
    /// Record the clarified scope (lifts HOLD_CLARIFY_SCOPE).
    SetScope,
    /// Acknowledge releasing the incomplete documents selected as they stand.
    AcknowledgeIncomplete,
    /// Record a written revocation of the authorization (any state).
    RecordRevocation,
    /// Refuse a third party's request for the defects of its authorization (LTR-03).
    RefuseRequest,
    /// Deny chosen documents (ROI-05); the rest is released.
    DenyDocuments,
    /// Open the administration screen (supervisor): settings, users, audit, unusual access,
    /// staff.
    OpenAdmin,
    /// Show the next tab of the administration screen.
    AdminNextTab,
    /// Show the previous tab of the administration screen.
    AdminPrevTab,
    /// Edit the selected setting's value (validated and audited in the core).
    EditSetting,
    /// Add a user: name, role, full name, then the password.
    AddUser,
    /// Disable the selected user (never deleted).
    DisableUser,
    /// Enable the selected user again.
    EnableUser,
    /// Clear the selected user's lockout after failed logins.
    UnlockUser,
    /// Set a new password for the selected user.
    ResetPassword,
    /// Change the selected user's role.
    ChangeRole,
    /// Filter the audit log by user, patient, action, outcome and time.
    FilterAudit,
    /// Export the filtered audit rows to CSV.
    ExportAuditCsv,
    /// Export the filtered audit rows as FHIR AuditEvent NDJSON.
    ExportAuditFhir,
    /// Set or clear a patient's VIP or EMPLOYEE flag (AUD-14).
    FlagPatient,
    /// Assign a chart, an encounter to code or a request to a user.
    AssignWork,
    /// Take an assignment back.
    TakeBackWork,
    /// Release the selected user's claim.
    ReleaseClaim,
    /// Enter or correct a user's productive hours for a day (supervisor, Staff tab; MET-05).
    EnterHours,
    /// Enter your own productive hours for a day (every role; MET-05).
    MyHours,
    /// Who looked at this chart: the audit rows of the patient shown (supervisor).
    WhoLooked,
    /// Set or clear the VIP or EMPLOYEE flag of the patient shown, with a reason
    /// (supervisor; AUD-14).
    FlagChart,
    /// Open your own worklist: what is assigned to you, what you hold claimed, your open
    /// queries.
    MyWork,
    /// Open the selected user's worklist (supervisor, Staff tab).
    UserWorklist,
    /// Reassign the selected worklist item to another user (supervisor).
    ReassignItem,
    /// Take the selected assignment back (supervisor).
    TakeBackItem,
    /// Release the selected claim (supervisor).
    ReleaseItemClaim,
    /// Open the supervisor's department dashboard.
    OpenDashboard,
    /// Select the next dashboard tile.
    NextTile,
    /// Select the previous dashboard tile.
    PrevTile,
    /// The next page of dashboard tiles.
    NextTilePage,
    /// The previous page of dashboard tiles.
    PrevTilePage,
    /// Open the list behind the selected dashboard tile.
    OpenTile,
    /// Recompute the MPI duplicate rate for its dashboard tile (in the background).
    RefreshDuplicateRate,
    /// Open the pending-waiver worklist on the dashboard.
    WaiverWorklist,
    /// Approve the selected pending waiver in the worklist.
    ApproveListedWaiver,
    /// Reject the selected pending waiver in the worklist.
    RejectListedWaiver,
    /// Open the requests-awaiting-QA worklist on the dashboard.
    QaWorklist,
    /// Open the expired-claims worklist on the dashboard.
    ExpiredClaimsWorklist,
    /// Open the unanswered-queries-past-due worklist on the dashboard.
    QueriesWorklist,
    /// Release the selected expired claim in the worklist.
    ReleaseListedClaim,
    /// Escalate the open queries due for a higher level (COD-21) from the worklist.
    EscalateListedQueries,
    /// Open the MPI queue (supervisors).
    OpenMpiQueue,
    /// Merge the selected pair: the record marked as surviving stays (MPI-02, audited).
    MpiMerge,
    /// Swap which record of the selected pair survives a merge.
    MpiSwapSurvivor,
    /// Keep the selected pair apart (two different people), with a reason.
    MpiKeepApart,
    /// Undo the selected pair's merge, with a reason (supervisor).
    MpiUnmerge,
    /// List decided items too (or open items only again).
    MpiShowAll,
    /// Propose merging the selected pair keeping the record marked surviving (technicians
    /// and supervisors; a supervisor applies it).
    MpiProposeMerge,
    /// Propose keeping the selected pair apart, with a reason.
    MpiProposeKeepApart,
    /// Apply the selected pair's proposal (supervisor).
    MpiApplyProposal,
    /// Reject the selected pair's proposal, with a reason (supervisor).
    MpiRejectProposal,
    /// Write the escalation letter batch of every level to text and PDF files (DEL-07).
    WriteLetters,
    /// Clear the selected chart's re-review flag: the named document was re-reviewed.
    ClearRereview,
    /// Escalate the queries unanswered past `query_escalate_days` (COD-21).
    EscalateQueries,
}

impl CommandId {
    /// Every command. `ordinal` below is an exhaustive match, so a new variant does not compile
    /// until it is numbered, and the tests check it is listed here and in [`COMMANDS`].
    pub const ALL: &'static [CommandId] = &[
        CommandId::Help,
        CommandId::Palette,
        CommandId::Quit,
        CommandId::LockScreen,
        CommandId::ExportList,
        CommandId::OpenQueries,
        CommandId::RecordAnswer,
        CommandId::ViewChart,
        CommandId::ClaimChart,
        CommandId::ShowDetails,
        CommandId::Refresh,
        CommandId::Search,
        CommandId::Back,
        CommandId::SwitchFocus,
        CommandId::SubmitLogin,
        CommandId::RunSearch,
        CommandId::OpenChart,
        CommandId::OpenDocument,
        CommandId::PrevEncounter,
        CommandId::NextEncounter,
        CommandId::MoveUp,
        CommandId::MoveDown,
        CommandId::PageUp,
        CommandId::PageDown,
        CommandId::GoTop,
        CommandId::GoBottom,
        CommandId::Unlock,
        CommandId::Logout,
        CommandId::OpenDeficiencies,
        CommandId::ToggleQueueTab,
        CommandId::CycleSort,
        CommandId::FilterQueue,
        CommandId::ClearFilter,
        CommandId::NextPage,
        CommandId::PrevPage,
        CommandId::OpenWork,
        CommandId::AddDeficiency,
        CommandId::CompleteDeficiency,
        CommandId::RecordSignature,
        CommandId::RecordCosignature,
        CommandId::EscalationLetters,
        CommandId::SuspensionList,
        CommandId::RereviewFlags,
        CommandId::DataQualityList,
        CommandId::BulkCompleteSignatures,
        CommandId::WaiveDeficiency,
        CommandId::ApproveWaiver,
        CommandId::VoidDeficiency,
        CommandId::ReassignDeficiency,
        CommandId::MarkAnalyzed,
        CommandId::OpenReports,
        CommandId::ProviderLetter,
        CommandId::OpenCodeLookup,
        CommandId::ShowCode,
        CommandId::ProviderView,
        CommandId::OpenRoiQueue,
        CommandId::OpenRoiRequest,
        CommandId::ValidateRequest,
        CommandId::SubmitForQa,
        CommandId::QaPass,
        CommandId::ReleaseRequest,
        CommandId::OpenAccounting,
        CommandId::EditAuthorization,
        CommandId::NewRequest,
        CommandId::SelectDocument,
        CommandId::OpenCodingQueue,
        CommandId::CodeEncounter,
        CommandId::AddDiagnosis,
        CommandId::AddProcedure,
        CommandId::RemoveCode,
        CommandId::MoveCodeUp,
        CommandId::MoveCodeDown,
        CommandId::PoaYes,
        CommandId::PoaNo,
        CommandId::PoaUnknown,
        CommandId::PoaUndetermined,
        CommandId::PoaExempt,
        CommandId::PrincipalProcedure,
        CommandId::AcknowledgeWarnings,
        CommandId::CompleteCoding,
        CommandId::SendQuery,
        CommandId::QueryProvider,
        CommandId::ToggleFavourite,
        CommandId::PcsBuilder,
        CommandId::DrillDown,
        CommandId::DrgWhatIf,
        CommandId::ReopenCoding,
        CommandId::FindInText,
        CommandId::FindNext,
        CommandId::PrevDocument,
        CommandId::NextDocument,
        CommandId::CycleCodingType,
        CommandId::ProcedureDate,
        CommandId::OverrideHold,
        CommandId::FilterCodingService,
        CommandId::VerifyIdentity,
        CommandId::PlaceHold,
        CommandId::ReleaseHold,
        CommandId::ExtendRequest,
        CommandId::QaFail,
        CommandId::DenyRequest,
        CommandId::ReviewDenial,
        CommandId::CloseRequest,
        CommandId::CancelRequest,
        CommandId::RecordPayment,
        CommandId::LogAodRequest,
        CommandId::ExtendAodRequest,
        CommandId::ProvideAccounting,
        CommandId::SuspendAccounting,
        CommandId::ManualDisclosure,
        CommandId::OpenAddressBook,
        CommandId::AddRequester,
        CommandId::EditRequester,
        CommandId::OpenAmendments,
        CommandId::LogAmendment,
        CommandId::ExtendAmendment,
        CommandId::AcceptAmendment,
        CommandId::DenyAmendment,
        CommandId::FileAmendStatement,
        CommandId::OpenLetters,
        CommandId::SendLetter,
        CommandId::OpenRestrictions,
        CommandId::AddRestriction,
        CommandId::EndRestriction,
        CommandId::SetConfidentialAddress,
        CommandId::OpenRequestFiles,
        CommandId::AttachForm,
        CommandId::RecordDelivery,
        CommandId::OpenBatches,
        CommandId::LogBatch,
        CommandId::OpenBatchMember,
        CommandId::VerifyBatch,
        CommandId::ValidateBatch,
        CommandId::ReleaseBatch,
        CommandId::RecordEstimate,
        CommandId::SetScope,
        CommandId::AcknowledgeIncomplete,
        CommandId::RecordRevocation,
        CommandId::RefuseRequest,
        CommandId::DenyDocuments,
        CommandId::OpenAdmin,
        CommandId::AdminNextTab,
        CommandId::AdminPrevTab,
        CommandId::EditSetting,
        CommandId::AddUser,
        CommandId::DisableUser,
        CommandId::EnableUser,
        CommandId::UnlockUser,
        CommandId::ResetPassword,
        CommandId::ChangeRole,
        CommandId::FilterAudit,
        CommandId::ExportAuditCsv,
        CommandId::ExportAuditFhir,
        CommandId::FlagPatient,
        CommandId::AssignWork,
        CommandId::TakeBackWork,
        CommandId::ReleaseClaim,
        CommandId::EnterHours,
        CommandId::MyHours,
        CommandId::WhoLooked,
        CommandId::FlagChart,
        CommandId::MyWork,
        CommandId::UserWorklist,
        CommandId::ReassignItem,
        CommandId::TakeBackItem,
        CommandId::ReleaseItemClaim,
        CommandId::OpenDashboard,
        CommandId::NextTile,
        CommandId::PrevTile,
        CommandId::NextTilePage,
        CommandId::PrevTilePage,
        CommandId::OpenTile,
        CommandId::RefreshDuplicateRate,
        CommandId::WaiverWorklist,
        CommandId::ApproveListedWaiver,
        CommandId::RejectListedWaiver,
        CommandId::QaWorklist,
        CommandId::ExpiredClaimsWorklist,
        CommandId::QueriesWorklist,
        CommandId::ReleaseListedClaim,
        CommandId::EscalateListedQueries,
        CommandId::OpenMpiQueue,
        CommandId::MpiMerge,
        CommandId::MpiSwapSurvivor,
        CommandId::MpiKeepApart,
        CommandId::MpiUnmerge,
        CommandId::MpiShowAll,
        CommandId::MpiProposeMerge,
        CommandId::MpiProposeKeepApart,
        CommandId::MpiApplyProposal,
        CommandId::MpiRejectProposal,
        CommandId::WriteLetters,
        CommandId::ClearRereview,
        CommandId::EscalateQueries,
    ];

    /// Position in [`CommandId::ALL`], which lists the variants in declaration order
    /// (checked by a test), so the discriminant is the position.
    pub fn ordinal(self) -> usize {
        self as usize
    }

    pub fn command(self) -> &'static Command {
        // Every id is registered (tested); the fallback keeps this total without a panic.
        COMMANDS
            .iter()
            .find(|c| c.id == self)
            .unwrap_or(&COMMANDS[0])
    }
}

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

/// The key spec of a key event: `q`, `?`, `ctrl-p`, `enter`, `backtab`, `f1`, …
pub fn key_spec(key: &KeyEvent) -> Option<String> {
    let named = match key.code {
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return Some(format!("ctrl-{}", c.to_ascii_lowercase()));
        }
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::ALT) => {
            return Some(format!("alt-{c}"));
        }
        KeyCode::Char(c) => return Some(c.to_string()),
        KeyCode::F(n) => return Some(format!("f{n}")),
        KeyCode::Enter => "enter",
        KeyCode::Esc => "esc",
        KeyCode::Tab => "tab",
        KeyCode::BackTab => "backtab",
        KeyCode::Up => "up",
        KeyCode::Down => "down",
        KeyCode::Left => "left",
        KeyCode::Right => "right",
        KeyCode::PageUp => "pageup",
        KeyCode::PageDown => "pagedown",
        KeyCode::Home => "home",
        KeyCode::End => "end",
        KeyCode::Backspace => "backspace",
        KeyCode::Delete => "delete",
        _ => return None,
    };
    Some(named.to_string())
}

/// A plain printable key: typed into a focused text field rather than run.
fn is_printable(spec: &str) -> bool {
    spec.chars().count() == 1
}

/// Resolves (screen, key) to a command; built from [`COMMANDS`].
pub struct Keymap {
    rules: Vec<(ScreenId, &'static str, &'static Command)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut rules = Vec::new();
        for c in COMMANDS {
            for &s in c.screens {
                for &k in c.keys {
                    rules.push((s, k, c));
                }
            }
        }
        Keymap { rules }
    }
}

impl Keymap {
    pub fn resolve(&self, screen: ScreenId, key: &KeyEvent, ctx: &Ctx) -> Option<CommandId> {
        let spec = key_spec(key)?;
        if ctx.typing && is_printable(&spec) {
            return None;
        }
        self.rules
            .iter()
            .find(|(s, k, c)| *s == screen && *k == spec && c.when.is_none_or(|w| w.holds(ctx)))
            .map(|(_, _, c)| c.id)
    }
}

/// The first failing guard's reason, if any.
pub fn disabled_reason(id: CommandId, ctx: &Ctx) -> Option<Disabled> {
    id.command().guards.iter().find_map(|g| g(ctx).err())
}

/// The commands bound on a screen, in table order.
pub fn screen_commands(screen: ScreenId) -> impl Iterator<Item = &'static Command> {
    COMMANDS.iter().filter(move |c| c.screens.contains(&screen))
}

/// The keys of a command on a screen as shown to users: `up, k`. On a screen that is always
/// typing (login) plain printable keys never run commands, so they are not shown there.
pub fn keys_label(c: &Command, screen: ScreenId) -> String {
    c.keys
        .iter()
        .filter(|k| !(screen.always_typing() && is_printable(k)))
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The description with the binding's condition, as listed in help and the key table.
pub fn describe(c: &Command) -> String {
    match c.when {
        None => c.doc.to_string(),
        Some(Cond::Typing) => format!("{} (in the text field)", c.doc),
        Some(Cond::NotTyping) => format!("{} (in the list)", c.doc),
        Some(Cond::Reading) => format!("{} (reading a document)", c.doc),
        Some(Cond::NotReading) => format!("{} (no document open)", c.doc),
    }
}

/// Footer hints for a screen: `(first key, label)`, skipping bindings that do not apply now.
pub fn footer_hints(screen: ScreenId, ctx: &Ctx) -> Vec<(String, &'static str)> {
    // Only keys that work now: the role may use them and their guards hold (help and the
    // palette still list everything, with the reason a command is disabled).
    screen_commands(screen)
        .filter(|c| c.when.is_none_or(|w| w.holds(ctx)))
        .filter(|c| disabled_reason(c.id, ctx).is_none())
        .filter_map(|c| {
            let hint = c.hint?;
            let key = c.keys.iter().find(|k| !(ctx.typing && is_printable(k)))?;
            Some((key.to_string(), hint))
        })
        .collect()
}

/// `(screen, keys, description)` for every binding; the README key table is checked against it.
pub fn key_table() -> Vec<(String, String, String)> {
    ScreenId::ALL
        .iter()
        .flat_map(|&s| {
            screen_commands(s).map(move |c| (s.name().to_string(), keys_label(c, s), describe(c)))
        })
        .collect()
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
