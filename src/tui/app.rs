//! The runtime: owns the store and the session, resolves keys to commands, performs each
//! screen's [`Effect`] through the core (which audits it) and feeds results back as [`Msg`]s.
//! It has no terminal of its own, so tests drive it with [`App::handle_key`], [`App::tick`]
//! and [`App::draw`] on a `TestBackend`.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;

#[path = "admin/runtime.rs"]
mod admin_runtime;
mod code_runtime;
mod coding_runtime;
mod def_runtime;
mod effects;
mod list_runtime;
mod mpi_runtime;
mod navigation;
mod render;
mod roi_docs_runtime;
mod roi_rights_runtime;
mod roi_runtime;
mod screens;
mod supervisor_runtime;
mod worklist_runtime;

use super::chart_view::ChartState;
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
use super::overlay::{self, Overlay};
use super::roi::accounting::AccountingState;
use super::roi::book::BookState;
use super::roi::desk::{RoiQueueState, RoiRequestState};
use super::search::SearchState;
use super::{CommandId, Ctx, Effect, Msg, ScreenId, TuiOptions};
use crate::accounts::{self, Session};
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
}
