//! The screen registry: one [`Screen`] trait owns a screen's update, its facts for the
//! command guards (its context), its drawing and its chrome (the body rows that are not the
//! scrolled list or text, for paging). [`App`](super::App) keeps one state per screen and maps a
//! [`ScreenId`] to it in one place (`App::screen_ref` / `App::screen_mut`); everything else —
//! key dispatch, the guards' [`Ctx`], drawing, live refresh, CSV export — goes through the trait.
//!
//! Adding a screen: its state and `update` function, one `impl Screen` below, one arm in each
//! of the two registry functions, and its commands in `commands.rs`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::chart_view::{self, ChartState};
use super::codes::lookup::{self as code_lookup, CodeLookupState};
use super::coding::queue::{self as coding_queue, CodingQueueState};
use super::coding::work::{self as coding_work, CodingWorkState};
use super::deficiency::provider::{self as def_provider, ProviderViewState};
use super::deficiency::queue::{self as def_queue, QueueState};
use super::deficiency::reports::{self as def_reports, ReportsState};
use super::deficiency::work::{self as def_work, WorkState};
use super::home::{self, HomeState};
use super::lock::{self, LockState};
use super::login::{self, LoginState};
use super::roi::accounting::{self as roi_accounting, AccountingState};
use super::roi::book::{self as roi_book, BookState};
use super::roi::desk::{self as roi_desk, RoiQueueState, RoiRequestState};
use super::search::{self, SearchState};
use super::{Ctx, Effect, Msg};

/// A table on screen, as written by `ctrl-e` (header, then rows of cells). What a screen
/// returns is what the user sees in its list, sanitised already.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListExport {
    /// File stem and audit label, e.g. `deficiency_queue`.
    pub name: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One screen: pure update (no I/O, no clock: `ctx.now`), its facts for the guards, its
/// drawing, its chrome.
pub trait Screen {
    /// Handle one message; the returned effect is always performed by `App::dispatch`.
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect;
    /// The facts of this screen the command guards read (selection, form open, paging…).
    fn fill_ctx(&self, _ctx: &mut Ctx) {}
    fn render(&self, area: Rect, buf: &mut Buffer);
    /// Body rows that are not the scrolled pane (search box, headers, borders).
    fn chrome_rows(&self) -> u16 {
        2
    }
    /// The list on screen, for `ctrl-e` (None: nothing tabular here).
    fn export(&self) -> Option<ListExport> {
        None
    }
}

impl Screen for LoginState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        login::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.typing = true;
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for LockState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        lock::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.typing = self.typing();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for HomeState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        home::update(self, msg, ctx)
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for SearchState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        search::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.typing = self.typing();
        c.selected = self.selected_hit().is_some();
        c.query_empty = self.input.trim().is_empty();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        6
    }
}

impl Screen for ChartState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        chart_view::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_doc().is_some();
        c.encounters = self.encounters.len();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        7
    }
}

impl Screen for QueueState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        def_queue::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_row().is_some();
        c.has_next = self.next.is_some();
        c.has_prev = self.has_prev();
        c.modal = self.form.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        5
    }
}

impl Screen for WorkState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        def_work::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        WorkState::fill_ctx(self, c)
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for ReportsState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        def_reports::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.modal = self.form.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for ProviderViewState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        def_provider::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = !self.rows.is_empty();
        c.has_next = self.next.is_some();
        c.has_prev = self.has_prev();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        3
    }
}

impl Screen for CodeLookupState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        code_lookup::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.typing = self.typing();
        c.selected = self.has_selection();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        6
    }
}

impl Screen for RoiQueueState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        roi_desk::update_queue(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_row().is_some();
        c.modal = self.form.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        3
    }
}

impl Screen for RoiRequestState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        roi_desk::update_request(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = true;
        c.modal = self.modal();
        c.roi = self.facts.clone();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for AccountingState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        roi_accounting::update_accounting(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.modal = self.form.is_some();
        c.roi.aod_open = self.aod.map(|(_, _, extended)| extended);
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for BookState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        roi_book::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = !self.rows.is_empty();
        c.modal = self.form.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for CodingQueueState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        coding_queue::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_row().is_some();
        c.has_next = self.next.is_some();
        c.has_prev = self.has_prev();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        3
    }
}

impl Screen for CodingWorkState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        coding_work::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        CodingWorkState::fill_ctx(self, c)
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        14
    }
}
