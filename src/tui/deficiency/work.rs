//! Working one claimed chart: the encounter header and its documents (the chart view's pieces)
//! beside the encounter's deficiencies, with the technician's actions. Reasons are checked
//! here before any effect is emitted; the core checks them again and names the rule when it
//! refuses.

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::chart::Chart;
use crate::deficiency::KINDS;
use crate::deficiency::lifecycle::{DefStatus, MIN_REASON_CHARS, WaiveReason, days_between};
use crate::deficiency::ops::DeficiencyRow;
use crate::text::sanitize_line;
use crate::tui::chart_view::{ChartState, DocRow, open_doc};
use crate::tui::chrome::clip;
use crate::tui::deficiency::form::{Form, FormOutcome, Picker, form_key};
use crate::tui::reader::Reader;
use crate::tui::{CommandId, Ctx, DefAction, Effect, Msg};

fn line(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// Labels of the DEF-03 waiver reason codes.
pub fn waive_label(w: WaiveReason) -> &'static str {
    match w {
        WaiveReason::ProviderUnavailable => "Provider unavailable (left, deceased, long leave)",
        WaiveReason::NotApplicable => "Not applicable to this encounter",
        WaiveReason::DocElsewhere => "Documented elsewhere in the record",
        WaiveReason::PolicyException => "Policy exception",
        WaiveReason::AdminClosure => "Administrative closure",
    }
}

pub const WAIVE_RULE: &str = "DEF-03: a waiver needs a reason code (WV_…) and at least 10 \
    characters of text. A technician's waiver waits for a supervisor's approval.";
pub const VOID_RULE: &str = "DEF-03: void is for a deficiency created in error and needs a \
    reason of at least 10 characters. The row is kept; it no longer counts as owed.";

/// One deficiency, sanitised for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub open: bool,
    pub waive_pending: bool,
    pub document_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub provider: String,
    /// Days since assignment (DEL-06), facility-local.
    pub age: Option<i64>,
    /// DEL-02: open and today is past the due date (assigned + `deficiency_delinquent_days`).
    pub delinquent: bool,
    pub due: String,
    pub rule: String,
    pub note: String,
}

fn def_view(d: DeficiencyRow, today: NaiveDate) -> DefView {
    let assigned = NaiveDateTime::parse_from_str(&d.assigned_at, "%Y-%m-%dT%H:%M:%S").ok();
    let status = DefStatus::parse(&d.status);
    let open = status.is_some_and(|s| !s.is_closed());
    let due = NaiveDate::parse_from_str(d.due_at.get(..10).unwrap_or(""), "%Y-%m-%d").ok();
    DefView {
        delinquent: open && due.is_some_and(|due| today > due),
        id: d.id,
        kind: line(&d.kind),
        status: line(&d.status),
        open,
        waive_pending: d.waive_pending,
        document_id: d.document_id,
        provider_id: d.provider_id,
        provider: match (d.provider.as_deref(), d.provider_id) {
            (Some(n), _) => line(n),
            (None, Some(id)) => format!("#{id}"),
            (None, None) => "—".into(),
        },
        age: assigned.map(|a| days_between(a, today)),
        due: line(&d.due_at).chars().take(10).collect(),
        rule: line(&d.rule),
        note: line(&d.note),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkPane {
    Documents,
    Deficiencies,
}

/// What the open form will do when it is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    Add {
        document_id: Option<i64>,
        provider_id: Option<i64>,
    },
    Waive {
        id: i64,
    },
    Void {
        id: i64,
    },
    Reassign {
        id: i64,
    },
}

#[derive(Clone, Debug)]
pub struct WorkState {
    /// The chart as opened, showing the worked encounter.
    pub chart: ChartState,
    pub encounter_id: i64,
    pub attending_id: Option<i64>,
    pub defs: Vec<DefView>,
    pub def: usize,
    pub focus: WorkPane,
    pub form: Option<(Pending, Form)>,
    /// Providers offered by the reassign picker: `(id, name)`.
    pub providers: Vec<(i64, String)>,
    pub today: NaiveDate,
    /// A document's text shown in place of the deficiency list (Esc closes it).
    pub reading: Option<Reader>,
}

impl WorkState {
    pub fn new(
        chart: Chart,
        encounter_id: i64,
        attending_id: Option<i64>,
        defs: Vec<DeficiencyRow>,
        providers: Vec<(i64, String)>,
        today: NaiveDate,
    ) -> WorkState {
        let mut c = ChartState::new(chart);
        c.enc = c
            .encounters
            .iter()
            .position(|e| e.id == encounter_id)
            .unwrap_or(0);
        WorkState {
            chart: c,
            encounter_id,
            attending_id,
            defs: defs.into_iter().map(|d| def_view(d, today)).collect(),
            def: 0,
            focus: WorkPane::Documents,
            form: None,
            providers: providers
                .into_iter()
                .map(|(id, n)| (id, line(&n)))
                .collect(),
            today,
            reading: None,
        }
    }

    pub fn selected_def(&self) -> Option<&DefView> {
        self.defs.get(self.def)
    }

    pub fn selected_doc(&self) -> Option<&DocRow> {
        self.chart.selected_doc()
    }

    /// The document to cosign: the selected one (documents pane) or the selected
    /// deficiency's, when it has an open COSIGN deficiency (AUTH-COSIGN).
    pub fn cosign_document(&self) -> Option<i64> {
        let doc = match self.focus {
            WorkPane::Documents => self.selected_doc().map(|d| d.id),
            WorkPane::Deficiencies => self.selected_def().and_then(|d| d.document_id),
        }?;
        self.defs
            .iter()
            .any(|d| d.open && d.kind == "COSIGN" && d.document_id == Some(doc))
            .then_some(doc)
    }

    /// The facts the command guards read.
    pub fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = self.selected_doc().is_some() || self.selected_def().is_some();
        c.work.def_open = self.selected_def().is_some_and(|d| d.open);
        c.work.waive_pending = self
            .selected_def()
            .is_some_and(|d| d.open && d.waive_pending);
        c.work.doc_unsigned = self.selected_doc().is_some_and(|d| d.unsigned);
        c.work.cosign_due = self.cosign_document().is_some();
        c.reading = self.reading.is_some();
        c.modal = self.form.is_some() || self.reading.as_ref().is_some_and(|r| r.prompt.is_some());
    }

    /// The provider a new deficiency goes to: whoever owes the document's other deficiencies
    /// (its author, for signature items), else the attending.
    fn provider_for(&self, document_id: Option<i64>) -> Option<i64> {
        document_id
            .and_then(|doc| {
                self.defs
                    .iter()
                    .find(|d| d.document_id == Some(doc) && d.provider_id.is_some())
                    .and_then(|d| d.provider_id)
            })
            .or(self.attending_id)
    }

    fn provider_name(&self, id: Option<i64>) -> String {
        match id {
            None => "no provider".into(),
            Some(id) => self
                .providers
                .iter()
                .find(|(p, _)| *p == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| format!("provider #{id}")),
        }
    }

    fn add_form(&self) -> (Pending, Form) {
        let doc = match self.focus {
            WorkPane::Documents => self.selected_doc(),
            WorkPane::Deficiencies => None,
        };
        let document_id = doc.map(|d| d.id);
        let provider_id = self.provider_for(document_id);
        let target = match doc {
            Some(d) => format!("{} of {}", d.type_name, d.date),
            None => "the chart (no document)".into(),
        };
        let rule = format!(
            "For {target}, assigned to {}. Type to find a type; Enter adds it.",
            self.provider_name(provider_id)
        );
        let items = KINDS
            .iter()
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect();
        (
            Pending::Add {
                document_id,
                provider_id,
            },
            Form::picker("Add a deficiency", rule, Picker::new(items)),
        )
    }
}

pub fn update(s: &mut WorkState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some((pending, f)), Msg::Key(k)) = (&mut s.form, &msg) {
        return match form_key(f, k) {
            FormOutcome::Pending => Effect::None,
            FormOutcome::Cancel => {
                s.form = None;
                Effect::None
            }
            FormOutcome::Submit { code, text } => {
                let effect = submit(s.encounter_id, pending, code, text);
                s.form = None;
                effect
            }
        };
    }
    let id = s.selected_def().map(|d| d.id);
    let last_doc = s.chart.current_docs().len().saturating_sub(1);
    let last_def = s.defs.len().saturating_sub(1);
    let docs = s.focus == WorkPane::Documents;
    let reading = s.reading.is_some();
    if let (Some(r), Msg::Key(k)) = (&mut s.reading, &msg)
        && r.prompt.is_some()
    {
        return r.prompt_key(k);
    }
    if let (Some(r), Msg::Command(c)) = (&mut s.reading, &msg)
        && r.scroll(*c)
    {
        return Effect::None;
    }
    match msg {
        Msg::Command(C::OpenDocument) => {
            let doc = match s.focus {
                WorkPane::Documents => s.selected_doc().map(|d| d.id),
                WorkPane::Deficiencies => s.selected_def().and_then(|d| d.document_id),
            };
            return match doc {
                Some(doc_id) => Effect::ReadDocument { doc_id },
                None => Effect::Status("open_document: this deficiency names no document".into()),
            };
        }
        Msg::Document(d) => {
            let find = s.reading.take().map(|r| r.find).unwrap_or_default();
            let mut r = open_doc(d);
            r.find = find;
            // The list follows the document read.
            if let Some(i) = s.chart.current_docs().iter().position(|x| x.id == r.doc_id) {
                s.chart.doc = i;
            }
            s.reading = Some(r);
        }
        Msg::Command(C::Back) if reading => s.reading = None,
        Msg::Command(C::ShowDetails) => match s.selected_def() {
            Some(d) => {
                let text = format!(
                    "{} (deficiency {})\nStatus: {}{}\nProvider: {}\nDue: {}{}\nAge: {} day(s)\n\nRule: {}\n\n{}\n",
                    d.kind,
                    d.id,
                    d.status,
                    if d.waive_pending {
                        " · waiver waiting for supervisor approval"
                    } else {
                        ""
                    },
                    d.provider,
                    d.due,
                    if d.delinquent {
                        " · DELINQUENT (DEL-02)"
                    } else {
                        ""
                    },
                    d.age.map(|a| a.to_string()).unwrap_or_else(|| "—".into()),
                    d.rule,
                    d.note
                );
                s.reading = Some(Reader::from_text(
                    0,
                    format!("Deficiency {} in full", d.id),
                    &text,
                ));
            }
            None => return Effect::Status("details: select a deficiency".into()),
        },
        Msg::Command(C::FindInText) => match &mut s.reading {
            Some(r) => r.start_find(),
            None => return Effect::Status("find: open a document first".into()),
        },
        Msg::Command(C::FindNext) => {
            if let Some(r) = &mut s.reading {
                return r.find_next(false);
            }
        }
        Msg::Command(c @ (C::NextDocument | C::PrevDocument)) => {
            let n = s.chart.current_docs().len();
            let i = if c == C::NextDocument {
                (s.chart.doc + 1).min(n.saturating_sub(1))
            } else {
                s.chart.doc.saturating_sub(1)
            };
            if reading && i == s.chart.doc {
                return Effect::Status("no more documents this way on this encounter".into());
            }
            s.chart.doc = i;
            if let Some(d) = s.selected_doc() {
                return Effect::ReadDocument { doc_id: d.id };
            }
        }
        Msg::Command(C::SwitchFocus) => {
            s.focus = if docs {
                WorkPane::Deficiencies
            } else {
                WorkPane::Documents
            }
        }
        Msg::Command(C::MoveUp) if docs => s.chart.doc = s.chart.doc.saturating_sub(1),
        Msg::Command(C::MoveDown) if docs => s.chart.doc = (s.chart.doc + 1).min(last_doc),
        Msg::Command(C::GoTop) if docs => s.chart.doc = 0,
        Msg::Command(C::GoBottom) if docs => s.chart.doc = last_doc,
        Msg::Command(C::MoveUp) => s.def = s.def.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.def = (s.def + 1).min(last_def),
        Msg::Command(C::GoTop) => s.def = 0,
        Msg::Command(C::GoBottom) => s.def = last_def,
        Msg::Command(C::AddDeficiency) => s.form = Some(s.add_form()),
        Msg::Command(C::WaiveDeficiency) => {
            if let Some(id) = id {
                let items = WaiveReason::ALL
                    .iter()
                    .map(|w| (w.as_str().to_string(), waive_label(*w).to_string()))
                    .collect();
                let f = Form::picker("Waive the deficiency", WAIVE_RULE, Picker::new(items))
                    .with_text("Reason", MIN_REASON_CHARS);
                s.form = Some((Pending::Waive { id }, f));
            }
        }
        Msg::Command(C::VoidDeficiency) => {
            if let Some(id) = id {
                let f = Form::text_only("Void the deficiency", VOID_RULE)
                    .with_text("Reason", MIN_REASON_CHARS);
                s.form = Some((Pending::Void { id }, f));
            }
        }
        Msg::Command(C::ReassignDeficiency) => {
            if let Some(id) = id {
                let items = s
                    .providers
                    .iter()
                    .map(|(p, n)| (p.to_string(), n.clone()))
                    .collect();
                let mut f = Form::picker(
                    "Reassign to a provider",
                    "Pick a provider, or type a provider id. Tab: the reason (recorded in the audit log).",
                    Picker::new(items),
                )
                .with_text("Reason", 1);
                f.typed_number_ok = true;
                s.form = Some((Pending::Reassign { id }, f));
            }
        }
        Msg::Command(C::CompleteDeficiency) => {
            if let Some(id) = id {
                return Effect::Deficiency(DefAction::Transition {
                    id,
                    to: DefStatus::Completed,
                    reason: String::new(),
                    waive: None,
                });
            }
        }
        Msg::Command(C::ApproveWaiver) => {
            if let Some(id) = id {
                return Effect::Deficiency(DefAction::ApproveWaiver { id });
            }
        }
        Msg::Command(C::RecordSignature) => {
            if let Some(d) = s.selected_doc() {
                return Effect::Deficiency(DefAction::Sign { document_id: d.id });
            }
        }
        Msg::Command(C::RecordCosignature) => {
            if let Some(document_id) = s.cosign_document() {
                return Effect::Deficiency(DefAction::Cosign { document_id });
            }
        }
        Msg::Command(C::MarkAnalyzed) => {
            return Effect::Deficiency(DefAction::MarkAnalyzed {
                encounter_id: s.encounter_id,
            });
        }
        Msg::Command(C::Back) => {
            return Effect::Deficiency(DefAction::LeaveWork {
                encounter_id: s.encounter_id,
            });
        }
        Msg::Deficiencies(rows) => {
            let today = s.today;
            s.defs = rows.into_iter().map(|d| def_view(d, today)).collect();
            s.def = s.def.min(s.defs.len().saturating_sub(1));
        }
        Msg::Signed { document_id } => {
            for d in s.chart.docs.iter_mut().filter(|d| d.id == document_id) {
                d.unsigned = false;
                d.status = "signed".into();
            }
        }
        _ => {}
    }
    Effect::None
}

/// The effect of an accepted form (already validated by the form).
fn submit(encounter_id: i64, pending: &Pending, code: Option<String>, text: String) -> Effect {
    let action = match pending {
        Pending::Add {
            document_id,
            provider_id,
        } => match code {
            Some(kind) => DefAction::Add {
                encounter_id,
                kind,
                document_id: *document_id,
                provider_id: *provider_id,
            },
            None => return Effect::None,
        },
        Pending::Waive { id } => match code.as_deref().and_then(WaiveReason::parse) {
            Some(w) => DefAction::Transition {
                id: *id,
                to: DefStatus::Waived,
                reason: text,
                waive: Some(w),
            },
            None => return Effect::Status("waive: pick a waiver reason code (DEF-03)".into()),
        },
        Pending::Void { id } => DefAction::Transition {
            id: *id,
            to: DefStatus::Void,
            reason: text,
            waive: None,
        },
        Pending::Reassign { id } => match code.and_then(|c| c.parse::<i64>().ok()) {
            Some(provider_id) => DefAction::Reassign {
                id: *id,
                provider_id,
                reason: text,
            },
            None => return Effect::Status("reassign: pick a provider or type its id".into()),
        },
    };
    Effect::Deficiency(action)
}

impl Widget for &WorkState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [head, body] =
            Layout::vertical([Constraint::Length(5), Constraint::Min(3)]).areas(area);
        let w = head.width.saturating_sub(2) as usize;
        let title = format!(" {} ", clip(&self.chart.patient, w.saturating_sub(2)));
        let header: Vec<Line> = match self.chart.encounter() {
            None => vec![Line::from("The encounter is not on this chart.")],
            Some(e) => vec![
                Line::from(clip(
                    &format!(
                        "Visit {}  {}  {}  Attending {}",
                        e.visit, e.kind, e.service, e.attending
                    ),
                    w,
                ))
                .bold(),
                Line::from(clip(
                    &format!("Admit {}  Discharge {}", e.admit, e.discharge),
                    w,
                )),
                Line::from(clip(
                    &format!(
                        "HIM status {}  Open deficiencies {}",
                        e.him,
                        self.defs.iter().filter(|d| d.open).count()
                    ),
                    w,
                )),
            ],
        };
        Paragraph::new(header)
            .block(Block::bordered().title(title))
            .render(head, buf);

        let list_w = (body.width * 11 / 25).clamp(30, 44).min(body.width);
        let [docs_area, defs_area] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(body);
        let border = |p: WorkPane| {
            if self.focus == p {
                Style::new().bold()
            } else {
                Style::new().dim()
            }
        };
        let docs = self.chart.current_docs();
        let rows = docs.iter().map(|d| {
            Row::new(vec![
                if d.unsigned { "U" } else { " " }.to_string(),
                d.type_name.clone(),
                d.date.clone(),
                d.status.clone(),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Min(10),
                Constraint::Length(10),
                Constraint::Length(10),
            ],
        )
        .row_highlight_style(Style::new().reversed())
        .block(
            Block::bordered()
                .title(format!(" Documents ({}) · U unsigned ", docs.len()))
                .border_style(border(WorkPane::Documents)),
        );
        let mut ts =
            TableState::default().with_selected((!docs.is_empty()).then_some(self.chart.doc));
        StatefulWidget::render(table, docs_area, buf, &mut ts);

        if let Some(r) = &self.reading {
            r.render_in(defs_area, buf, true);
            if let Some((_, f)) = &self.form {
                f.render(area, buf);
            }
            return;
        }
        let [defs_list, detail] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(defs_area);
        let wide = defs_area.width >= 54;
        let rows = self.defs.iter().map(|d| {
            let status = if d.waive_pending {
                "waiver?".to_string()
            } else {
                d.status.clone()
            };
            let mut age = d.age.map(|a| a.to_string()).unwrap_or_else(|| "—".into());
            if d.delinquent {
                age.push('!');
            }
            let mut cells = vec![
                Cell::from(d.kind.clone()),
                Cell::from(status),
                Cell::from(d.provider.clone()),
                Cell::from(format!("{age:>4}")).style(if d.delinquent {
                    Style::new().fg(Color::Red).bold()
                } else {
                    Style::new()
                }),
            ];
            if wide {
                cells.push(Cell::from(d.due.clone()));
            }
            let row = Row::new(cells);
            if d.open { row } else { row.dim() }
        });
        let mut widths = vec![
            Constraint::Length(13),
            Constraint::Length(9),
            Constraint::Min(8),
            Constraint::Length(4),
        ];
        let mut header = vec!["Type", "Status", "Provider", " Age"];
        if wide {
            widths.push(Constraint::Length(10));
            header.push("Due");
        }
        let table = Table::new(rows, widths)
            .header(Row::new(header).bold())
            .row_highlight_style(Style::new().reversed())
            .block(
                Block::bordered()
                    .title(format!(" Deficiencies ({}) ", self.defs.len()))
                    .border_style(border(WorkPane::Deficiencies)),
            );
        let mut ts =
            TableState::default().with_selected((!self.defs.is_empty()).then_some(self.def));
        StatefulWidget::render(table, defs_list, buf, &mut ts);

        let text = match self.selected_def() {
            None => "No deficiencies. Press a to add one.".to_string(),
            Some(d) => {
                let mut flags = String::new();
                if d.waive_pending {
                    flags.push_str(" · waiting for supervisor approval");
                }
                if d.delinquent {
                    flags.push_str(" · DELINQUENT (DEL-02)");
                }
                format!("{} · {}{flags} · due {}: {}", d.kind, d.rule, d.due, d.note)
            }
        };
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Rule / note "))
            .render(detail, buf);

        if let Some((_, f)) = &self.form {
            f.render(area, buf);
        }
    }
}

#[cfg(test)]
#[path = "work_tests.rs"]
mod tests;
