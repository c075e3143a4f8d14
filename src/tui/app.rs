//! The runtime: owns the store and the session, resolves keys to commands, performs each
//! screen's [`Effect`] through the core (which audits it) and feeds results back as [`Msg`]s.
//! It has no terminal of its own, so tests drive it with [`App::handle_key`], [`App::tick`]
//! and [`App::draw`] on a `TestBackend`.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

#[path = "admin/runtime.rs"]
mod admin_runtime;
mod code_runtime;
mod coding_runtime;
mod def_runtime;
mod list_runtime;
mod mpi_runtime;
mod roi_docs_runtime;
mod roi_rights_runtime;
mod roi_runtime;
mod supervisor_runtime;
mod worklist_runtime;

use super::break_glass::BreakGlassState;
use super::chart_view::ChartState;
use super::chrome::{Footer, StatusLine, TitleBar, frame_areas};
use super::codes::lookup::CodeLookupState;
use super::coding::queries::QueriesState;
use super::coding::queue::CodingQueueState;
use super::coding::work::CodingWorkState;
use super::commands::{self, Danger, Keymap};
use super::deficiency::provider::ProviderViewState;
use super::deficiency::queue::QueueState;
use super::deficiency::reports::ReportsState;
use super::deficiency::work::WorkState;
use super::home::HomeState;
use super::lock::{self, LockState};
use super::login::LoginState;
use super::overlay::{self, ConfirmState, Overlay, PaletteState};
use super::roi::accounting::AccountingState;
use super::roi::book::BookState;
use super::roi::desk::{RoiQueueState, RoiRequestState};
use super::screen::Screen;
use super::search::SearchState;
use super::{CommandId, Ctx, Effect, Msg, ScreenId, TuiOptions};
use crate::accounts::{self, Session};
use crate::chart;
use crate::codes::CodeIndex;
use crate::deficiency::queue as def_queue_core;
use crate::settings;
use crate::store::Store;
use crate::text::sanitize_line;

pub struct App {
    store: Store,
    opts: TuiOptions,
    keymap: Keymap,
    facility: String,
    idle_minutes: i64,
    session: Option<Session>,
    screen: ScreenId,
    /// The screens under the one shown, for Back (Home and Login clear it).
    stack: Vec<ScreenId>,
    login: LoginState,
    home: Option<HomeState>,
    search: SearchState,
    chart: Option<ChartState>,
    /// The deficiency queue, kept while signed in so its tab, sort, filter and page survive.
    defq: Option<QueueState>,
    /// The claimed chart being worked; its claim is released on leaving, quitting or logout.
    work: Option<WorkState>,
    /// The reports screen (summary or a provider letter).
    reports: Option<ReportsState>,
    dashboard: Option<super::supervisor::DashboardState>,
    /// The dashboard's reads running on worker threads (see `supervisor_runtime`).
    bg: supervisor_runtime::Background,
    /// One provider's open deficiencies (reached from the reports' provider picker).
    provider_view: Option<ProviderViewState>,
    /// The code search index, built on the first visit to the code lookup and kept (≈0.5 s
    /// to build); `None` until then, or while no code sets are loaded.
    codes: Option<CodeIndex>,
    /// The code lookup screen, kept while signed in so its query and detail survive.
    code_lookup: Option<CodeLookupState>,
    /// The coding queue, kept while signed in so its list and page survive.
    codingq: Option<CodingQueueState>,
    /// The encounter on the coding workbench; its coding claim is released on leaving,
    /// quitting or logout.
    coding: Option<CodingWorkState>,
    /// The queries awaiting an answer (COD-21).
    queries: Option<QueriesState>,
    /// When the worked chart's claim was last taken or renewed (activity renews it).
    claim_renewed: Option<DateTime<Utc>>,
    /// The ROI queue, the open request and the accounting shown (ROI desk).
    roiq: Option<RoiQueueState>,
    roi_req: Option<RoiRequestState>,
    accounting: Option<AccountingState>,
    /// The requester address book (ROI desk).
    book: Option<BookState>,
    amendments: Option<super::roi::amendments::AmendState>,
    letters: Option<super::roi::letters::LettersState>,
    /// The supervisor's administration screen (issue #15).
    admin: Option<super::admin::AdminState>,
    /// Restrictions, signed forms and deliveries, or batches (one of them at a time).
    rights: Option<super::roi::rights::RightsState>,
    /// The MPI queue (technicians propose, supervisors decide).
    mpi: Option<super::mpi::MpiState>,
    /// One user's worklist (issue #15).
    worklist: Option<super::worklist::WorklistState>,
    locked: Option<LockState>,
    overlay: Option<Overlay>,
    status: Option<String>,
    last_input: DateTime<Utc>,
    /// The body area of the last draw (for paging).
    body: Rect,
    quit: bool,
    /// `PRAGMA data_version` as last seen: another user's commit changes it (lists refresh).
    data_version: i64,
    /// The last change audit row seen (see `list_runtime`): only a change re-reads a screen.
    change_seen: i64,
    /// When the screen was last re-read by the live refresh or the refresh key.
    refreshed_at: Option<DateTime<Utc>>,
    /// What the ROI screen shown was built from (record versions and counts).
    roi_seen: Option<String>,
}

impl App {
    /// Read the facility name and idle timeout; nothing is written.
    pub fn new(store: Store, opts: TuiOptions) -> anyhow::Result<App> {
        let facility = settings::get(store.conn(), crate::settings::Key::FacilityName)?;
        let idle_minutes =
            settings::get_i64(store.conn(), crate::settings::Key::IdleLogoffMinutes)?;
        let login = LoginState::new(&facility, &opts.demo_credentials);
        let now = store.now();
        Ok(App {
            store,
            opts,
            keymap: Keymap::default(),
            facility: sanitize_line(&facility).into_owned(),
            idle_minutes,
            session: None,
            screen: ScreenId::Login,
            stack: Vec::new(),
            login,
            home: None,
            search: SearchState::default(),
            chart: None,
            defq: None,
            work: None,
            claim_renewed: None,
            codingq: None,
            coding: None,
            queries: None,
            reports: None,
            dashboard: None,
            bg: Default::default(),
            provider_view: None,
            codes: None,
            code_lookup: None,
            roiq: None,
            roi_req: None,
            accounting: None,
            book: None,
            amendments: None,
            letters: None,
            admin: None,
            rights: None,
            mpi: None,
            worklist: None,
            locked: None,
            overlay: None,
            status: None,
            last_input: now,
            body: Rect::new(0, 0, 80, 20),
            quit: false,
            data_version: 0,
            change_seen: 0,
            refreshed_at: None,
            roi_seen: None,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The screen keys go to now (`Lock` while locked).
    pub fn screen(&self) -> ScreenId {
        if self.locked.is_some() {
            ScreenId::Lock
        } else {
            self.screen
        }
    }

    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn is_signed_in(&self) -> bool {
        self.session.is_some()
    }

    /// Log out a remaining session (audited). Called by `run` after the terminal is restored.
    pub fn shutdown(&mut self) -> anyhow::Result<()> {
        if let (Some(s), Some(w)) = (&self.session, self.work.take()) {
            def_queue_core::release(&mut self.store, &s.actor(), w.encounter_id)?;
        }
        if let (Some(s), Some(w)) = (&self.session, self.coding.take()) {
            crate::coding::work::release(&mut self.store, &s.actor(), w.encounter_id)?;
        }
        if let Some(s) = self.session.take() {
            accounts::logout(&mut self.store, &s, false)?;
        }
        Ok(())
    }

    /// The registry: the state of a screen, if it is open.
    pub(super) fn screen_ref(&self, id: ScreenId) -> Option<&dyn Screen> {
        fn dyn_of<S: Screen>(s: &Option<S>) -> Option<&dyn Screen> {
            s.as_ref().map(|s| s as &dyn Screen)
        }
        match id {
            ScreenId::Login => Some(&self.login),
            ScreenId::Lock => match &self.locked {
                Some(l) => Some(l),
                None => Some(&self.login),
            },
            ScreenId::Home => dyn_of(&self.home),
            ScreenId::Search => Some(&self.search),
            ScreenId::Chart => dyn_of(&self.chart),
            ScreenId::Deficiencies => dyn_of(&self.defq),
            ScreenId::Work => dyn_of(&self.work),
            ScreenId::Reports => dyn_of(&self.reports),
            ScreenId::Supervisor => dyn_of(&self.dashboard),
            ScreenId::Provider => dyn_of(&self.provider_view),
            ScreenId::Codes => dyn_of(&self.code_lookup),
            ScreenId::RoiQueue => dyn_of(&self.roiq),
            ScreenId::RoiRequest => dyn_of(&self.roi_req),
            ScreenId::Accounting => dyn_of(&self.accounting),
            ScreenId::AddressBook => dyn_of(&self.book),
            ScreenId::Amendments => dyn_of(&self.amendments),
            ScreenId::Letters => dyn_of(&self.letters),
            ScreenId::Restrictions | ScreenId::RequestFiles | ScreenId::Batches => {
                dyn_of(&self.rights)
            }
            ScreenId::CodingQueue => dyn_of(&self.codingq),
            ScreenId::Coding => dyn_of(&self.coding),
            ScreenId::Queries => dyn_of(&self.queries),
            ScreenId::Admin => dyn_of(&self.admin),
            ScreenId::Mpi => dyn_of(&self.mpi),
            ScreenId::Worklist => dyn_of(&self.worklist),
        }
    }

    /// The registry, for an update (see [`App::screen_ref`]).
    pub(super) fn screen_mut(&mut self, id: ScreenId) -> Option<&mut dyn Screen> {
        fn dyn_of<S: Screen>(s: &mut Option<S>) -> Option<&mut dyn Screen> {
            s.as_mut().map(|s| s as &mut dyn Screen)
        }
        match id {
            ScreenId::Login => Some(&mut self.login),
            ScreenId::Lock => match &mut self.locked {
                Some(l) => Some(l),
                None => Some(&mut self.login),
            },
            ScreenId::Home => dyn_of(&mut self.home),
            ScreenId::Search => Some(&mut self.search),
            ScreenId::Chart => dyn_of(&mut self.chart),
            ScreenId::Deficiencies => dyn_of(&mut self.defq),
            ScreenId::Work => dyn_of(&mut self.work),
            ScreenId::Reports => dyn_of(&mut self.reports),
            ScreenId::Supervisor => dyn_of(&mut self.dashboard),
            ScreenId::Provider => dyn_of(&mut self.provider_view),
            ScreenId::Codes => dyn_of(&mut self.code_lookup),
            ScreenId::RoiQueue => dyn_of(&mut self.roiq),
            ScreenId::RoiRequest => dyn_of(&mut self.roi_req),
            ScreenId::Accounting => dyn_of(&mut self.accounting),
            ScreenId::AddressBook => dyn_of(&mut self.book),
            ScreenId::Amendments => dyn_of(&mut self.amendments),
            ScreenId::Letters => dyn_of(&mut self.letters),
            ScreenId::Restrictions | ScreenId::RequestFiles | ScreenId::Batches => {
                dyn_of(&mut self.rights)
            }
            ScreenId::CodingQueue => dyn_of(&mut self.codingq),
            ScreenId::Coding => dyn_of(&mut self.coding),
            ScreenId::Queries => dyn_of(&mut self.queries),
            ScreenId::Admin => dyn_of(&mut self.admin),
            ScreenId::Mpi => dyn_of(&mut self.mpi),
            ScreenId::Worklist => dyn_of(&mut self.worklist),
        }
    }

    /// The guards' facts: the role's, then the screen shown's own ([`Screen::fill_ctx`]).
    fn ctx(&self, now: DateTime<Utc>) -> Ctx {
        let screen = self.screen_ref(self.screen());
        // Rows of the scrolled pane: body minus the screen's chrome.
        let chrome = screen.map_or(2, |s| s.chrome_rows());
        let mut c = Ctx {
            now,
            page_rows: self.body.height.saturating_sub(chrome).max(1) as usize,
            ..Ctx::default()
        };
        if let Some(s) = &self.session {
            c = c.with_role(s.role);
            c.user = sanitize_line(&s.username).into_owned();
        }
        if let Some(s) = screen {
            s.fill_ctx(&mut c);
        }
        c.typing |= c.modal;
        c
    }

    /// Check the idle lock against the store's clock (injected in tests).
    pub fn tick(&mut self) {
        let now = self.store.now();
        self.poll_background(now);
        self.poll_changes(now);
        if self.session.is_some()
            && self.locked.is_none()
            && lock::idle_expired(self.last_input, now, self.idle_minutes)
        {
            self.perform(Effect::Lock, now);
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        let now = self.store.now();
        self.last_input = now;
        self.status = None;
        let ctx = self.ctx(now);
        if let Some(o) = &mut self.overlay {
            let confirming = matches!(o, Overlay::Confirm(_));
            let glass = matches!(o, Overlay::BreakGlass(_));
            match overlay::update(o, key, &ctx) {
                Effect::CloseOverlay if glass => {
                    self.overlay = None;
                    self.status = Some(
                        "Nothing shown: a sensitive document needs a purpose and a reason".into(),
                    );
                }
                Effect::Run(id) => {
                    self.overlay = None;
                    let e = self.command(id, &ctx, confirming);
                    self.perform(e, now);
                }
                e => self.perform(e, now),
            }
            return;
        }
        // A screen's own form takes every key (Enter accepts, Esc cancels) but the quit and
        // lock chords, which always work.
        // The key is resolved once, against the context built once for this key.
        let chord = self.keymap.resolve(self.screen(), &key, &ctx);
        let effect = match chord {
            Some(id @ (CommandId::Quit | CommandId::LockScreen)) => self.command(id, &ctx, false),
            _ if ctx.modal => self.screen_update(Msg::Key(key), &ctx),
            Some(id) => self.command(id, &ctx, false),
            None => self.screen_update(Msg::Key(key), &ctx),
        };
        self.perform(effect, now);
    }

    /// Check the guards and danger of a command, then run it globally or on the screen.
    fn command(&mut self, id: CommandId, ctx: &Ctx, confirmed: bool) -> Effect {
        let cmd = id.command();
        if !cmd.screens.contains(&self.screen()) {
            return Effect::None;
        }
        if let Some(why) = commands::disabled_reason(id, ctx) {
            return Effect::Status(format!("{}: {}", cmd.name, why.0));
        }
        if id == CommandId::BulkCompleteSignatures && !confirmed {
            // The confirmation lists the physician's signature deficiencies and their count.
            return self.bulk_prompt();
        }
        if cmd.danger == Danger::Confirm && !confirmed {
            return Effect::Confirm {
                prompt: format!("{}?", cmd.doc),
                then: id,
            };
        }
        match id {
            CommandId::Help => Effect::OpenHelp,
            CommandId::Palette => Effect::OpenPalette,
            // A form with what the user typed is open: quitting would lose it, so ask.
            CommandId::Quit if ctx.modal && !confirmed && self.screen() != ScreenId::Login => {
                Effect::Confirm {
                    prompt: "A form is open with what you typed: quit anyway and lose it?".into(),
                    then: CommandId::Quit,
                }
            }
            CommandId::Quit => Effect::Quit,
            CommandId::LockScreen => Effect::Lock,
            CommandId::ExportList | CommandId::Refresh => {
                list_runtime::list_effect(id).unwrap_or(Effect::None)
            }
            CommandId::OpenAdmin => Effect::Admin(super::admin::AdminAction::Load(
                super::admin::AdminTab::Settings,
                Default::default(),
            )),
            CommandId::MyWork => match &self.session {
                Some(s) => Effect::Worklist(super::worklist::WlAction::Open {
                    user: s.username.clone(),
                }),
                None => Effect::None,
            },
            CommandId::WhoLooked => match &self.chart {
                Some(c) => Effect::Admin(super::admin::AdminAction::Load(
                    super::admin::AdminTab::Audit,
                    crate::privacy::AuditFilter {
                        mrn: Some(c.mrn.clone()),
                        ..Default::default()
                    },
                )),
                None => Effect::None,
            },
            CommandId::Search if self.screen != ScreenId::Search => {
                self.enter(ScreenId::Search);
                self.screen_update(Msg::Command(id), ctx)
            }
            _ => self.screen_update(Msg::Command(id), ctx),
        }
    }

    /// Give a message to the screen shown (the lock screen while locked).
    fn screen_update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        let id = self.screen();
        self.screen_mut(id)
            .map_or(Effect::None, |s| s.update(msg, ctx))
    }

    /// The one dispatch: give `msg` to screen `id` (if open) and perform what it returns.
    pub(super) fn dispatch(&mut self, id: ScreenId, msg: Msg, now: DateTime<Utc>) {
        let ctx = self.ctx(now);
        let effect = self
            .screen_mut(id)
            .map_or(Effect::None, |s| s.update(msg, &ctx));
        self.perform(effect, now);
    }

    /// Show a document read through the core in the reader of the screen shown (the chart
    /// viewer otherwise).
    fn show_document(&mut self, d: crate::domain::Document, now: DateTime<Utc>) {
        let target = match self.screen {
            ScreenId::Coding | ScreenId::Work => self.screen,
            _ => ScreenId::Chart,
        };
        self.dispatch(target, Msg::Document(d), now);
    }

    fn fail(&mut self, e: impl std::fmt::Display) {
        let line = sanitize_line(&e.to_string()).into_owned();
        self.status = Some(line);
    }

    /// Perform one effect through the core; results go back to the screen through
    /// [`App::dispatch`], whose effect is performed in turn.
    pub(super) fn perform(&mut self, effect: Effect, now: DateTime<Utc>) {
        match effect {
            Effect::None => {}
            Effect::Status(s) => self.status = Some(s),
            Effect::Login { user, pw } => match accounts::login(&mut self.store, &user, &pw) {
                Ok(session) => {
                    self.session = Some(session);
                    self.login = LoginState::new(&self.facility, &self.opts.demo_credentials);
                    self.last_input = now;
                    self.go_home(now);
                }
                Err(e) => {
                    let m = sanitize_line(&e.to_string()).into_owned();
                    self.dispatch(ScreenId::Login, Msg::Error(m), now);
                }
            },
            Effect::Lock => {
                if let Some(s) = &self.session {
                    let res = accounts::lock_session(&mut self.store, s, self.idle_minutes);
                    self.locked = Some(LockState::new(&s.username));
                    self.overlay = None;
                    if let Err(e) = res {
                        self.fail(e);
                    }
                }
            }
            Effect::Unlock { pw } => {
                if let Some(s) = &self.session {
                    match accounts::unlock_session(&mut self.store, s, &pw) {
                        Ok(()) => {
                            self.locked = None;
                            self.last_input = now;
                        }
                        Err(e) => {
                            let m = sanitize_line(&e.to_string()).into_owned();
                            self.dispatch(ScreenId::Lock, Msg::Error(m), now);
                        }
                    }
                }
            }
            Effect::Logout => {
                let res = self.shutdown();
                self.reset();
                if let Err(e) = res {
                    self.fail(e);
                }
            }
            Effect::Quit => {
                if let Err(e) = self.shutdown() {
                    self.fail(e);
                }
                self.quit = true;
            }
            Effect::Search { query } => {
                let Some(s) = &self.session else { return };
                match chart::search_patients(&mut self.store, &s.actor(), &query) {
                    Ok(hits) => self.dispatch(ScreenId::Search, Msg::SearchResults(hits), now),
                    Err(e) => self.fail(e),
                }
            }
            Effect::OpenChart { patient_id } => {
                // A search by visit number opens that encounter, not the latest.
                let visit = (self.screen == ScreenId::Search)
                    .then(|| self.search.searched.clone())
                    .flatten();
                self.open_chart_at(patient_id, None, visit.as_deref());
            }
            Effect::OpenVisit { visit } => {
                match crate::deficiency::screens_read::encounter_by_visit(self.store.conn(), &visit)
                {
                    Ok(Some(id)) => self.open_encounter(id),
                    Ok(None) => self.fail(format!("no encounter with visit number {visit}")),
                    Err(e) => self.fail(e),
                }
            }
            Effect::OpenEncounter { encounter_id } => self.open_encounter(encounter_id),
            Effect::ClaimEncounter { encounter_id } => self.claim_encounter(encounter_id, now),
            Effect::ReadDocument { doc_id } => {
                let Some(s) = &self.session else { return };
                // Break the glass (issue #13): a sensitive document asks for a purpose first.
                match crate::break_glass::labels(self.store.conn(), doc_id) {
                    Ok(labels) if !labels.is_empty() => {
                        self.overlay =
                            Some(Overlay::BreakGlass(BreakGlassState::new(doc_id, labels)));
                        return;
                    }
                    Ok(_) => {}
                    Err(e) => return self.fail(e),
                }
                match chart::read_document(&mut self.store, &s.actor(), doc_id) {
                    Ok(d) => self.show_document(d, now),
                    Err(e) => self.fail(e),
                }
            }
            Effect::ReadSensitive {
                doc_id,
                purpose,
                reason,
            } => {
                let Some(s) = &self.session else { return };
                let actor = s.actor();
                match crate::break_glass::read_sensitive(
                    &mut self.store,
                    &actor,
                    doc_id,
                    &purpose,
                    &reason,
                ) {
                    Ok(d) => {
                        self.overlay = None;
                        self.status = Some(format!(
                            "Opened for {purpose}: the reason is audited and listed on the privacy report"
                        ));
                        self.show_document(d, now);
                    }
                    // The prompt stays open: the user may correct the reason.
                    Err(e) => self.fail(e),
                }
            }
            Effect::Goto(ScreenId::Home) => self.go_home(now),
            Effect::Goto(ScreenId::Deficiencies) => self.open_queue(now),
            Effect::Goto(ScreenId::Reports) => self.open_reports(now),
            Effect::Goto(ScreenId::Supervisor) => self.open_dashboard(now),
            Effect::Goto(ScreenId::Codes) => self.open_code_lookup(),
            Effect::Goto(ScreenId::RoiQueue) => self.perform_roi(super::RoiAction::LoadQueue, now),
            Effect::Goto(ScreenId::CodingQueue) => self.open_coding_queue(now),
            Effect::Goto(ScreenId::Queries) => {
                self.perform_coding(super::CodingAction::LoadQueries, now)
            }
            Effect::Goto(ScreenId::Mpi) => self.load_mpi(false, now),
            Effect::Goto(s) => self.enter(s),
            Effect::Back => self.back(now),
            Effect::ExportList => self.export_list(now),
            Effect::Refresh => self.refresh_now(now),
            Effect::OpenHelp => {
                let ctx = self.ctx(now);
                self.overlay = Some(Overlay::help(self.screen(), &ctx))
            }
            Effect::OpenPalette => {
                let ctx = self.ctx(now);
                self.overlay = Some(Overlay::Palette(PaletteState::new(self.screen(), &ctx)))
            }
            Effect::CloseOverlay => self.overlay = None,
            Effect::Run(id) => {
                let ctx = self.ctx(now);
                let e = self.command(id, &ctx, false);
                self.perform(e, now);
            }
            Effect::Confirm { prompt, then } => {
                self.overlay = Some(Overlay::Confirm(ConfirmState { prompt, then }))
            }
            Effect::Deficiency(a) => self.perform_def(a, now),
            Effect::Supervisor(a) => self.perform_supervisor(a, now),
            Effect::Picker(input) if self.screen == ScreenId::Coding => {
                self.coding_picker(input, now)
            }
            Effect::Picker(input) => self.perform_picker(input, now),
            Effect::Coding(a) => self.perform_coding(a, now),
            Effect::ShowCode { code } => self.show_code(&code, now),
            Effect::Roi(a) => self.perform_roi(a, now),
            Effect::Admin(a) => self.perform_admin(a, now),
            Effect::Mpi(a) => self.perform_mpi(a, now),
            Effect::FlagChart {
                mrn,
                flag,
                on,
                reason,
            } => self.flag_chart(&mrn, flag, on, &reason),
            Effect::Worklist(a) => self.perform_worklist(a, now),
        }
    }

    /// Show screen `id`, remembering the one shown for Back. Going to a screen already on
    /// the stack returns to it (no cycles); Home and Login start a new stack.
    pub(super) fn enter(&mut self, id: ScreenId) {
        if id == self.screen {
            return;
        }
        if matches!(id, ScreenId::Home | ScreenId::Login) {
            self.stack.clear();
        } else if let Some(at) = self.stack.iter().position(|s| *s == id) {
            self.stack.truncate(at);
        } else {
            self.stack.push(self.screen);
        }
        self.screen = id;
    }

    /// Back: the screen under this one as it was left (a queue, and the dashboard, re-read
    /// what they show); Home when
    /// nothing is under it or its state is gone.
    fn back(&mut self, now: DateTime<Utc>) {
        while let Some(prev) = self.stack.pop() {
            if prev == ScreenId::Home || self.screen_ref(prev).is_some() {
                // Enter without pushing the screen left; a queue re-reads its page.
                self.screen = prev;
                if matches!(
                    prev,
                    ScreenId::Home
                        | ScreenId::Deficiencies
                        | ScreenId::CodingQueue
                        | ScreenId::RoiQueue
                        | ScreenId::Supervisor
                ) {
                    self.perform(Effect::Goto(prev), now);
                }
                return;
            }
        }
        self.go_home(now);
    }

    /// Open a patient's chart (audited) at the encounter with id `encounter`, or with visit
    /// number `visit` (what was searched), else at the latest.
    fn open_chart_at(&mut self, patient_id: i64, encounter: Option<i64>, visit: Option<&str>) {
        let Some(s) = &self.session else { return };
        match chart::open_chart(&mut self.store, &s.actor(), patient_id) {
            Ok(c) => {
                let flags = self.chart_flags(&c.patient.mrn);
                let mut st = ChartState::new(c);
                st.flags = flags;
                let at = st.encounters.iter().position(|e| {
                    Some(e.id) == encounter
                        || visit.is_some_and(|v| e.visit.eq_ignore_ascii_case(v.trim()))
                });
                if let Some(i) = at {
                    st.enc = i;
                }
                self.chart = Some(st);
                self.enter(ScreenId::Chart);
            }
            Err(e) => self.fail(e),
        }
    }

    /// The chart of an encounter, at that encounter.
    fn open_encounter(&mut self, encounter_id: i64) {
        match crate::deficiency::screens_read::patient_of_encounter(self.store.conn(), encounter_id)
        {
            Ok(p) => self.open_chart_at(p, Some(encounter_id), None),
            Err(e) => self.fail(e),
        }
    }

    /// Claim from the chart viewer: a technician works the chart's deficiencies, a coder
    /// codes it (the core checks the role and the claim again).
    fn claim_encounter(&mut self, encounter_id: i64, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let role = s.role;
        let effect = if role.can(crate::domain::Perm::AnalyzeDeficiencies) {
            let mrn = self
                .chart
                .as_ref()
                .map(|c| c.patient.clone())
                .unwrap_or_default();
            Effect::Deficiency(super::DefAction::OpenWork {
                encounter_id,
                mrn,
                attending_id: None,
            })
        } else {
            Effect::Coding(super::CodingAction::Open { encounter_id })
        };
        self.perform(effect, now);
    }

    /// Home, with the role's queue counts read fresh (counts carry no PHI; not audited).
    fn go_home(&mut self, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let today = crate::clock::FacilityClock::at(self.store.conn(), now)
            .map(|c| c.today())
            .unwrap_or_else(|_| crate::clock::facility_date(now))
            .format("%Y-%m-%d")
            .to_string();
        let counts =
            chart::queue_counts(self.store.conn(), s.role, &today).map_err(|e| e.to_string());
        self.home = Some(HomeState::new(s, counts));
        self.enter(ScreenId::Home);
    }

    /// Benchmark probe only (`chartdesk first-screen`): show a role's home screen as it would
    /// look after login, without a password check and without writing anything. The session
    /// is dropped with the `App`; no audit row claims a login that did not happen.
    pub(crate) fn preview_home(&mut self, session: Session) {
        self.session = Some(session);
        let now = self.store.now();
        self.go_home(now);
    }

    /// Back to an empty login screen; nothing of the last session is kept.
    fn reset(&mut self) {
        self.session = None;
        self.enter(ScreenId::Login);
        self.login = LoginState::new(&self.facility, &self.opts.demo_credentials);
        self.home = None;
        self.search = SearchState::default();
        self.chart = None;
        self.defq = None;
        self.work = None;
        self.reports = None;
        self.code_lookup = None;
        self.provider_view = None;
        self.roiq = None;
        self.roi_req = None;
        self.accounting = None;
        self.book = None;
        self.codingq = None;
        self.coding = None;
        self.queries = None;
        self.admin = None;
        self.mpi = None;
        self.dashboard = None;
        self.bg = Default::default();
        self.worklist = None;
        self.locked = None;
        self.overlay = None;
    }

    /// Draw one frame. Records the body size so paging matches what is on screen.
    pub fn draw<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> Result<(), B::Error> {
        terminal.draw(|f| {
            let area = f.area();
            self.body = frame_areas(area)[1];
            f.render_widget(&*self, area);
        })?;
        Ok(())
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [top, body, foot, status] = frame_areas(area);
        let screen = self.screen();
        let user = match (&self.session, screen) {
            (Some(s), s2) if s2 != ScreenId::Lock => Some(format!(
                "{} · {}",
                sanitize_line(&s.username),
                s.role.label()
            )),
            _ => None,
        };
        TitleBar {
            facility: &self.facility,
            screen: screen.name(),
            user,
        }
        .render(top, buf);
        // While locked nothing of the session is drawn (the registry gives the lock screen).
        if let Some(sc) = self.screen_ref(screen) {
            sc.render(body, buf);
        }
        if let Some(o) = &self.overlay {
            o.render(body, buf);
        }
        let ctx = self.ctx(self.last_input);
        let hints = if ctx.modal && self.overlay.is_none() {
            // Every key goes to the screen's form; its own keys are the only ones that work.
            vec![
                ("enter".to_string(), "accept"),
                ("esc".to_string(), "cancel"),
                ("tab".to_string(), "next field"),
                ("up/down".to_string(), "pick"),
            ]
        } else {
            commands::footer_hints(screen, &ctx)
        };
        // A notice longer than the status line takes the hints' line, and if need be the
        // body's last lines (at most 4 lines in all), so it is read whole at 80 columns; the
        // hints come back with the next key.
        let lines = self.status.as_deref().map_or(1, |s| {
            super::chrome::wrap(&format!(" {s}"), status.width.max(1) as usize).len() as u16
        });
        if lines > 1 {
            let n = lines.min(4).min(status.y + status.height - body.y);
            let area = Rect {
                y: status.y + status.height - n,
                height: n,
                ..status
            };
            ratatui::widgets::Clear.render(area, buf);
            StatusLine(self.status.as_deref()).render(area, buf);
        } else {
            Footer(hints).render(foot, buf);
            StatusLine(self.status.as_deref()).render(status, buf);
        }
    }
}
