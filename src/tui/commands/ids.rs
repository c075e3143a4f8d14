//! The ids of the registry: the screens a command can be bound on and the commands
//! themselves (their rows are [`super::COMMANDS`]).

use super::{COMMANDS, Command};

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
