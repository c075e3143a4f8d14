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

mod code_runtime;
mod coding_runtime;
mod def_runtime;
mod roi_runtime;

use super::chart_view::{self, ChartState};
use super::chrome::{Footer, StatusLine, TitleBar, frame_areas};
use super::codes::lookup::{self as code_lookup, CodeLookupState};
use super::coding::queue::{self as coding_queue, CodingQueueState};
use super::coding::work::{self as coding_work, CodingWorkState};
use super::commands::{self, Danger, Keymap};
use super::deficiency::provider::{self as def_provider, ProviderViewState};
use super::deficiency::queue::{self as def_queue, QueueState};
use super::deficiency::reports::{self as def_reports, ReportsState};
use super::deficiency::work::{self as def_work, WorkState};
use super::home::{self, HomeState};
use super::lock::{self, LockState};
use super::login::{self, LoginState};
use super::overlay::{self, ConfirmState, Overlay, PaletteState};
use super::roi::accounting::{self as roi_accounting, AccountingState};
use super::roi::book::{self as roi_book, BookState};
use super::roi::desk::{self as roi_desk, RoiQueueState, RoiRequestState};
use super::search::{self, SearchState};
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
    /// When the worked chart's claim was last taken or renewed (activity renews it).
    claim_renewed: Option<DateTime<Utc>>,
    /// The ROI queue, the open request and the accounting shown (ROI desk).
    roiq: Option<RoiQueueState>,
    roi_req: Option<RoiRequestState>,
    accounting: Option<AccountingState>,
    /// The requester address book (ROI desk).
    book: Option<BookState>,
    locked: Option<LockState>,
    overlay: Option<Overlay>,
    status: Option<String>,
    last_input: DateTime<Utc>,
    /// The body area of the last draw (for paging).
    body: Rect,
    quit: bool,
    /// `PRAGMA data_version` as last seen: another user's commit changes it (lists refresh).
    data_version: i64,
    /// What the ROI screen shown was built from (record versions and counts).
    roi_seen: Option<String>,
}

impl App {
    /// Read the facility name and idle timeout; nothing is written.
    pub fn new(store: Store, opts: TuiOptions) -> anyhow::Result<App> {
        let facility = settings::get(store.conn(), "facility_name")?;
        let idle_minutes = settings::get_i64(store.conn(), "idle_logoff_minutes")?;
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
            login,
            home: None,
            search: SearchState::default(),
            chart: None,
            defq: None,
            work: None,
            claim_renewed: None,
            codingq: None,
            coding: None,
            reports: None,
            provider_view: None,
            codes: None,
            code_lookup: None,
            roiq: None,
            roi_req: None,
            accounting: None,
            book: None,
            locked: None,
            overlay: None,
            status: None,
            last_input: now,
            body: Rect::new(0, 0, 80, 20),
            quit: false,
            data_version: 0,
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

    fn ctx(&self, now: DateTime<Utc>) -> Ctx {
        // Rows of the scrolled pane: body minus the search box or encounter header, borders
        // and the table header (see the views' layouts).
        let chrome = match self.screen() {
            ScreenId::Search => 6,
            ScreenId::Chart => 7,
            ScreenId::Deficiencies => 5,
            ScreenId::Codes => 6,
            ScreenId::Provider => 3,
            ScreenId::RoiQueue => 3,
            ScreenId::CodingQueue => 3,
            ScreenId::Coding => 14,
            _ => 2,
        };
        let mut c = Ctx {
            now,
            page_rows: self.body.height.saturating_sub(chrome).max(1) as usize,
            ..Ctx::default()
        };
        if let Some(s) = &self.session {
            c = c.with_role(s.role);
            c.user = sanitize_line(&s.username).into_owned();
        }
        match self.screen() {
            ScreenId::Login => c.typing = true,
            ScreenId::Lock => c.typing = self.locked.as_ref().is_some_and(LockState::typing),
            ScreenId::Home => {}
            ScreenId::Search => {
                c.typing = self.search.typing();
                c.selected = self.search.selected_hit().is_some();
                c.query_empty = self.search.input.trim().is_empty();
            }
            ScreenId::Chart => {
                if let Some(ch) = &self.chart {
                    c.selected = ch.selected_doc().is_some();
                    c.encounters = ch.encounters.len();
                }
            }
            ScreenId::Deficiencies => {
                if let Some(q) = &self.defq {
                    c.selected = q.selected_row().is_some();
                    c.has_next = q.next.is_some();
                    c.has_prev = q.has_prev();
                    c.modal = q.form.is_some();
                }
            }
            ScreenId::Work => {
                if let Some(w) = &self.work {
                    w.fill_ctx(&mut c);
                }
            }
            ScreenId::Reports => c.modal = self.reports.as_ref().is_some_and(|r| r.form.is_some()),
            ScreenId::Provider => {
                if let Some(p) = &self.provider_view {
                    c.selected = !p.rows.is_empty();
                    c.has_next = p.next.is_some();
                    c.has_prev = p.has_prev();
                }
            }
            ScreenId::Codes => {
                if let Some(l) = &self.code_lookup {
                    c.typing = l.typing();
                    c.selected = l.has_selection();
                }
            }
            ScreenId::RoiQueue => {
                c.selected = self
                    .roiq
                    .as_ref()
                    .is_some_and(|q| q.selected_row().is_some());
                c.modal = self.roiq.as_ref().is_some_and(|q| q.form.is_some());
            }
            ScreenId::RoiRequest => {
                c.selected = self.roi_req.is_some();
                if let Some(r) = &self.roi_req {
                    c.modal = r.modal();
                    c.roi = r.facts.clone();
                }
            }
            ScreenId::Accounting => {
                if let Some(a) = &self.accounting {
                    c.modal = a.form.is_some();
                    c.roi.aod_open = a.aod.map(|(_, _, extended)| extended);
                }
            }
            ScreenId::AddressBook => {
                if let Some(b) = &self.book {
                    c.selected = !b.rows.is_empty();
                    c.modal = b.form.is_some();
                }
            }
            ScreenId::CodingQueue => {
                if let Some(q) = &self.codingq {
                    c.selected = q.selected_row().is_some();
                    c.has_next = q.next.is_some();
                    c.has_prev = q.has_prev();
                }
            }
            ScreenId::Coding => {
                if let Some(w) = &self.coding {
                    w.fill_ctx(&mut c);
                }
            }
        }
        c.typing |= c.modal;
        c
    }

    /// Check the idle lock against the store's clock (injected in tests).
    pub fn tick(&mut self) {
        self.poll_roi_changes();
        let now = self.store.now();
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
            match overlay::update(o, key, &ctx) {
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
        let chord = self.keymap.resolve(self.screen(), &key, &ctx);
        if ctx.modal && !matches!(chord, Some(CommandId::Quit | CommandId::LockScreen)) {
            let e = self.screen_update(Msg::Key(key), &ctx);
            self.perform(e, now);
            return;
        }
        let effect = match self.keymap.resolve(self.screen(), &key, &ctx) {
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
        if cmd.danger == Danger::Confirm && !confirmed {
            return Effect::Confirm {
                prompt: format!("{}?", cmd.doc),
                then: id,
            };
        }
        match id {
            CommandId::Help => Effect::OpenHelp,
            CommandId::Palette => Effect::OpenPalette,
            CommandId::Quit => Effect::Quit,
            CommandId::LockScreen => Effect::Lock,
            CommandId::Search if self.screen != ScreenId::Search => {
                self.screen = ScreenId::Search;
                self.screen_update(Msg::Command(id), ctx)
            }
            _ => self.screen_update(Msg::Command(id), ctx),
        }
    }

    fn screen_update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        if let Some(l) = &mut self.locked {
            return lock::update(l, msg, ctx);
        }
        match self.screen {
            ScreenId::Login | ScreenId::Lock => login::update(&mut self.login, msg, ctx),
            ScreenId::Home => match &mut self.home {
                Some(h) => home::update(h, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Search => search::update(&mut self.search, msg, ctx),
            ScreenId::Chart => match &mut self.chart {
                Some(c) => chart_view::update(c, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Deficiencies => match &mut self.defq {
                Some(q) => def_queue::update(q, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Work => match &mut self.work {
                Some(w) => def_work::update(w, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Reports => match &mut self.reports {
                Some(r) => def_reports::update(r, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Provider => match &mut self.provider_view {
                Some(p) => def_provider::update(p, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Codes => match &mut self.code_lookup {
                Some(l) => code_lookup::update(l, msg, ctx),
                None => Effect::None,
            },
            ScreenId::RoiQueue => match &mut self.roiq {
                Some(q) => roi_desk::update_queue(q, msg, ctx),
                None => Effect::None,
            },
            ScreenId::RoiRequest => match &mut self.roi_req {
                Some(r) => roi_desk::update_request(r, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Accounting => match &mut self.accounting {
                Some(a) => roi_accounting::update_accounting(a, msg, ctx),
                None => Effect::None,
            },
            ScreenId::AddressBook => match &mut self.book {
                Some(b) => roi_book::update(b, msg, ctx),
                None => Effect::None,
            },
            ScreenId::CodingQueue => match &mut self.codingq {
                Some(q) => coding_queue::update(q, msg, ctx),
                None => Effect::None,
            },
            ScreenId::Coding => match &mut self.coding {
                Some(w) => coding_work::update(w, msg, ctx),
                None => Effect::None,
            },
        }
    }

    fn fail(&mut self, e: impl std::fmt::Display) {
        let line = sanitize_line(&e.to_string()).into_owned();
        self.status = Some(line);
    }

    fn perform(&mut self, effect: Effect, now: DateTime<Utc>) {
        let ctx = self.ctx(now);
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
                    login::update(&mut self.login, Msg::Error(m), &ctx);
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
                            if let Some(l) = &mut self.locked {
                                lock::update(l, Msg::Error(m), &ctx);
                            }
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
                    Ok(hits) => {
                        let e = search::update(&mut self.search, Msg::SearchResults(hits), &ctx);
                        self.perform(e, now);
                    }
                    Err(e) => self.fail(e),
                }
            }
            Effect::OpenChart { patient_id } => {
                let Some(s) = &self.session else { return };
                match chart::open_chart(&mut self.store, &s.actor(), patient_id) {
                    Ok(c) => {
                        self.chart = Some(ChartState::new(c));
                        self.screen = ScreenId::Chart;
                    }
                    Err(e) => self.fail(e),
                }
            }
            Effect::ReadDocument { doc_id } => {
                let Some(s) = &self.session else { return };
                match chart::read_document(&mut self.store, &s.actor(), doc_id) {
                    Ok(d) => match self.screen {
                        ScreenId::Coding => {
                            if let Some(w) = &mut self.coding {
                                coding_work::update(w, Msg::Document(d), &ctx);
                            }
                        }
                        ScreenId::Work => {
                            if let Some(w) = &mut self.work {
                                def_work::update(w, Msg::Document(d), &ctx);
                            }
                        }
                        _ => {
                            if let Some(c) = &mut self.chart {
                                chart_view::update(c, Msg::Document(d), &ctx);
                            }
                        }
                    },
                    Err(e) => self.fail(e),
                }
            }
            Effect::Goto(ScreenId::Home) => self.go_home(now),
            Effect::Goto(ScreenId::Deficiencies) => self.open_queue(now),
            Effect::Goto(ScreenId::Reports) => self.open_reports(now),
            Effect::Goto(ScreenId::Codes) => self.open_code_lookup(),
            Effect::Goto(ScreenId::RoiQueue) => self.perform_roi(super::RoiAction::LoadQueue, now),
            Effect::Goto(ScreenId::CodingQueue) => self.open_coding_queue(now),
            Effect::Goto(s) => self.screen = s,
            Effect::OpenHelp => self.overlay = Some(Overlay::help(self.screen(), &ctx)),
            Effect::OpenPalette => {
                self.overlay = Some(Overlay::Palette(PaletteState::new(self.screen(), &ctx)))
            }
            Effect::CloseOverlay => self.overlay = None,
            Effect::Run(id) => {
                let e = self.command(id, &ctx, false);
                self.perform(e, now);
            }
            Effect::Confirm { prompt, then } => {
                self.overlay = Some(Overlay::Confirm(ConfirmState { prompt, then }))
            }
            Effect::Deficiency(a) => self.perform_def(a, now),
            Effect::Picker(input) if self.screen == ScreenId::Coding => {
                self.coding_picker(input, now)
            }
            Effect::Picker(input) => self.perform_picker(input, now),
            Effect::Coding(a) => self.perform_coding(a, now),
            Effect::ShowCode { code } => self.show_code(&code, now),
            Effect::Roi(a) => self.perform_roi(a, now),
        }
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
        self.screen = ScreenId::Home;
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
        self.screen = ScreenId::Login;
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
        // While locked nothing of the session is drawn.
        match (&self.locked, screen) {
            (Some(l), _) => l.render(body, buf),
            (None, ScreenId::Login | ScreenId::Lock) => self.login.render(body, buf),
            (None, ScreenId::Home) => {
                if let Some(h) = &self.home {
                    h.render(body, buf)
                }
            }
            (None, ScreenId::Search) => self.search.render(body, buf),
            (None, ScreenId::Chart) => {
                if let Some(c) = &self.chart {
                    c.render(body, buf)
                }
            }
            (None, ScreenId::Deficiencies) => {
                if let Some(q) = &self.defq {
                    q.render(body, buf)
                }
            }
            (None, ScreenId::Work) => {
                if let Some(w) = &self.work {
                    w.render(body, buf)
                }
            }
            (None, ScreenId::Reports) => {
                if let Some(r) = &self.reports {
                    r.render(body, buf)
                }
            }
            (None, ScreenId::Provider) => {
                if let Some(p) = &self.provider_view {
                    p.render(body, buf)
                }
            }
            (None, ScreenId::Codes) => {
                if let Some(l) = &self.code_lookup {
                    l.render(body, buf)
                }
            }
            (None, ScreenId::RoiQueue) => {
                if let Some(q) = &self.roiq {
                    q.render(body, buf)
                }
            }
            (None, ScreenId::RoiRequest) => {
                if let Some(r) = &self.roi_req {
                    r.render(body, buf)
                }
            }
            (None, ScreenId::Accounting) => {
                if let Some(a) = &self.accounting {
                    a.render(body, buf)
                }
            }
            (None, ScreenId::AddressBook) => {
                if let Some(b) = &self.book {
                    b.render(body, buf)
                }
            }
            (None, ScreenId::CodingQueue) => {
                if let Some(q) = &self.codingq {
                    q.render(body, buf)
                }
            }
            (None, ScreenId::Coding) => {
                if let Some(w) = &self.coding {
                    w.render(body, buf)
                }
            }
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
        Footer(hints).render(foot, buf);
        StatusLine(self.status.as_deref()).render(status, buf);
    }
}
