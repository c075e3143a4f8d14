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

use super::admin::{self as admin_screen, AdminState};
use super::chart_view::{self, ChartState};
use super::codes::lookup::{self as code_lookup, CodeLookupState};
use super::coding::queries::{self as coding_queries, QueriesState};
use super::coding::queue::{self as coding_queue, CodingQueueState};
use super::coding::work::{self as coding_work, CodingWorkState};
use super::deficiency::provider::{self as def_provider, ProviderViewState};
use super::deficiency::queue::{self as def_queue, QueueState};
use super::deficiency::reports::{self as def_reports, ReportsState};
use super::deficiency::work::{self as def_work, WorkState};
use super::home::{self, HomeState};
use super::lock::{self, LockState};
use super::login::{self, LoginState};
use super::mpi::{self as mpi_queue, MpiState};
use super::roi::accounting::{self as roi_accounting, AccountingState};
use super::roi::amendments::{self as roi_amend, AmendState};
use super::roi::book::{self as roi_book, BookState};
use super::roi::desk::{self as roi_desk, RoiQueueState, RoiRequestState};
use super::roi::letters::{self as roi_letters, LettersState};
use super::roi::rights::{self as roi_rights, RightsState};
use super::search::{self, SearchState};
use super::supervisor::{self, DashboardState};
use super::worklist::{self as user_worklist, WorklistState};
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

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
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

impl Screen for DashboardState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        supervisor::update(self, msg, ctx)
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
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
    fn fill_ctx(&self, c: &mut Ctx) {
        c.typing = self.typing();
        c.modal = self.typing();
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
    fn export(&self) -> Option<ListExport> {
        Some(ListExport {
            name: "patient_search",
            header: strings(&[
                "MRN",
                "Name",
                "Birth date",
                "Sex",
                "Encounters",
                "Last admit",
            ]),
            rows: self
                .hits
                .iter()
                .map(|h| {
                    vec![
                        h.mrn.clone(),
                        h.name.clone(),
                        h.birth_date.clone(),
                        h.sex.clone(),
                        h.encounters.to_string(),
                        h.last_admit.clone(),
                    ]
                })
                .collect(),
        })
    }
}

impl Screen for ChartState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        chart_view::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_doc().is_some();
        c.encounters = self.encounters.len();
        c.reading = self.open.is_some() && self.focus == chart_view::Pane::Text;
        c.modal =
            self.open.as_ref().is_some_and(|r| r.prompt.is_some()) || self.flag_prompt.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        7
    }
    fn export(&self) -> Option<ListExport> {
        let visit = self
            .encounter()
            .map(|e| e.visit.clone())
            .unwrap_or_default();
        Some(ListExport {
            name: "chart_documents",
            header: strings(&["Visit", "Date", "Type", "Author", "Status", "Sensitivity"]),
            rows: self
                .current_docs()
                .iter()
                .map(|d| {
                    vec![
                        visit.clone(),
                        d.date.clone(),
                        d.type_name.clone(),
                        d.author.clone(),
                        d.status.clone(),
                        d.sensitivity.clone(),
                    ]
                })
                .collect(),
        })
    }
}

impl Screen for QueueState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        def_queue::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.has_selection();
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
    fn export(&self) -> Option<ListExport> {
        if self.flags.on {
            return Some(self.flags.export("deficiency_rereview"));
        }
        Some(ListExport {
            name: "deficiency_queue",
            header: strings(&[
                "Visit",
                "MRN",
                "Patient",
                "Type",
                "Service",
                "Discharged",
                "Days",
                "Attending",
                "Open",
                "Claimed by",
            ]),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.visit.clone(),
                        r.mrn.clone(),
                        r.patient.clone(),
                        r.kind.clone(),
                        r.service.clone(),
                        r.discharged.clone(),
                        r.days.map(|d| d.to_string()).unwrap_or_default(),
                        r.attending.clone(),
                        r.open.to_string(),
                        r.claimed_by.clone(),
                    ]
                })
                .collect(),
        })
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
    fn export(&self) -> Option<ListExport> {
        let visit = self
            .chart
            .encounter()
            .map(|e| e.visit.clone())
            .unwrap_or_default();
        Some(ListExport {
            name: "chart_deficiencies",
            header: strings(&[
                "Visit",
                "Deficiency",
                "Type",
                "Status",
                "Provider",
                "Age",
                "Due",
                "Delinquent",
                "Rule",
            ]),
            rows: self
                .defs
                .iter()
                .map(|d| {
                    vec![
                        visit.clone(),
                        d.id.to_string(),
                        d.kind.clone(),
                        d.status.clone(),
                        d.provider.clone(),
                        d.age.map(|a| a.to_string()).unwrap_or_default(),
                        d.due.clone(),
                        if d.delinquent { "yes" } else { "" }.into(),
                        d.rule.clone(),
                    ]
                })
                .collect(),
        })
    }
}

impl Screen for ReportsState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        def_reports::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.reading = true;
        c.modal = self.form.is_some() || self.reader.prompt.is_some();
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
    fn export(&self) -> Option<ListExport> {
        Some(ListExport {
            name: "provider_deficiencies",
            header: strings(&[
                "Provider",
                "MRN",
                "Patient",
                "Visit",
                "Discharged",
                "Deficiency",
                "Age",
                "Delinquent",
            ]),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        self.name.clone(),
                        r.mrn.clone(),
                        r.patient.clone(),
                        r.visit.clone(),
                        r.discharged.clone(),
                        r.kind.clone(),
                        r.age_days.to_string(),
                        if r.delinquent { "yes" } else { "" }.into(),
                    ]
                })
                .collect(),
        })
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
    fn export(&self) -> Option<ListExport> {
        Some(ListExport {
            name: "roi_queue",
            header: strings(&[
                "Request",
                "MRN",
                "Patient",
                "Requester type",
                "Status",
                "Due",
                "Days left",
            ]),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.label.clone(),
                        r.mrn.clone(),
                        r.patient.clone(),
                        r.requester_type.clone(),
                        r.status.clone(),
                        r.due.clone(),
                        r.days_left.to_string(),
                    ]
                })
                .collect(),
        })
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
        c.selected = self.has_selection();
        c.has_next = self.next.is_some();
        c.has_prev = self.has_prev();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        3
    }
    fn export(&self) -> Option<ListExport> {
        if self.flags.on {
            return Some(self.flags.export("coding_rereview"));
        }
        Some(ListExport {
            name: "coding_queue",
            header: strings(&[
                "Visit",
                "Patient",
                "Type",
                "Service",
                "Discharged",
                "Status",
                "Note",
            ]),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.visit.clone(),
                        r.patient.clone(),
                        r.kind.clone(),
                        r.service.clone(),
                        r.discharged.clone(),
                        r.status.clone(),
                        r.note.clone(),
                    ]
                })
                .collect(),
        })
    }
}

impl Screen for QueriesState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        coding_queries::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_row().is_some();
        c.modal = self.answer.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        9
    }
    fn export(&self) -> Option<ListExport> {
        Some(ListExport {
            name: "coding_queries",
            header: strings(&[
                "Query", "Visit", "MRN", "Patient", "Asked of", "Question", "Status", "Asked by",
                "Asked", "Due", "Age",
            ]),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.visit.clone(),
                        r.mrn.clone(),
                        r.patient.clone(),
                        r.provider.clone(),
                        r.question.clone(),
                        r.status.clone(),
                        r.asked_by.clone(),
                        r.asked.clone(),
                        r.due.clone(),
                        r.age.map(|a| a.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        })
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

impl Screen for AmendState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        roi_amend::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = !self.rows.is_empty();
        c.modal = self.form.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for LettersState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        roi_letters::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = !self.previews.is_empty();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for AdminState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        if let Msg::Admin(data) = msg {
            self.fill(*data);
            return Effect::None;
        }
        admin_screen::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.admin.tab = Some(self.tab);
        c.selected = self.rows() > 0;
        c.typing = self.typing();
        c.modal = self.typing();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        9
    }
}

impl Screen for RightsState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        roi_rights::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = !self.rows.is_empty();
        c.modal = self.form.is_some();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
}

impl Screen for MpiState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        mpi_queue::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_row().is_some();
        c.modal = self.prompt.is_some();
        c.mpi = self.facts();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        16
    }
    fn export(&self) -> Option<ListExport> {
        Some(ListExport {
            name: "mpi_queue",
            header: strings(&[
                "Item", "Kind", "MRN A", "MRN B", "Weight", "Status", "Evidence", "Reason",
            ]),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.kind.clone(),
                        r.a.mrn.clone(),
                        r.b.mrn.clone(),
                        r.weight.clone().unwrap_or_default(),
                        r.status.clone(),
                        r.evidence.clone(),
                        r.reason.clone(),
                    ]
                })
                .collect(),
        })
    }
}

impl Screen for WorklistState {
    fn update(&mut self, msg: Msg, ctx: &Ctx) -> Effect {
        user_worklist::update(self, msg, ctx)
    }
    fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_row().is_some();
        c.modal = self.picker.is_some();
        c.worklist = self.facts();
    }
    fn render(&self, area: Rect, buf: &mut Buffer) {
        Widget::render(self, area, buf)
    }
    fn chrome_rows(&self) -> u16 {
        6
    }
}
