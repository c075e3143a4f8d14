//! The coding workbench: one claimed encounter, its documents (scroll, find, jump between
//! them) and clinical facts from import (SNOMED, reference only) beside the code list —
//! principal diagnosis first, secondary diagnoses in sequence, procedures with dates and the
//! principal flag, POA per diagnosis — the live edits panel and the working MS-DRG with its
//! what-if (W). Every change to the code list
//! is saved at once (one audited transaction) and the edits rerun; completion is refused with
//! the firing edit ids while an error edit fires. Pure: no I/O, no clock.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::codes::prefs::Boost;
use crate::codes::{CodeIndex, CodePicker, CodeSystem, PickerEffect, PickerInput, Synonyms};
use crate::coding::work::{CodeList, ack_key};
use crate::coding::working_drg::WorkingDrg;
use crate::coding::{DxEntry, PxEntry, Severity, normalize_code};
use crate::deficiency::lifecycle::MIN_REASON_CHARS;
use crate::text::sanitize_line;
use crate::tui::chart_view::{DocRow, open_doc};
use crate::tui::chrome::{FIELD_MAX, edit_field};
use crate::tui::codes::picker::{key_input, query_has_room};
use crate::tui::coding::work_drg::{self, WHAT_IF_HEADING};
use crate::tui::reader::Reader;
use crate::tui::{CodingAction, CodingRefresh, CommandId, Ctx, Effect, Msg};

/// Hits kept by the workbench's picker.
pub const PICKER_LIMIT: usize = 50;

fn line(s: &str) -> String {
    sanitize_line(s).into_owned()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Codes,
    Documents,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    Query,
    Reopen,
    Find,
    /// The date of the selected procedure (its index among the procedures).
    ProcedureDate(usize),
    /// A supervisor's reason to complete despite a documentation hold (COD-20).
    Override,
}

impl Prompt {
    pub fn title(self) -> &'static str {
        match self {
            Prompt::Query => "Documentation query to the attending (COD-21)",
            Prompt::Reopen => "Reopen coding: reason",
            Prompt::Find => "Find in the document",
            Prompt::ProcedureDate(_) => "Procedure date",
            Prompt::Override => "Complete despite the documentation hold (COD-20)",
        }
    }
    pub fn rule(self) -> &'static str {
        match self {
            Prompt::Query => {
                "Ask a non-leading question (AHIMA/ACDIS). The encounter is held until it is answered or expires."
            }
            Prompt::Reopen => "A reason of at least 10 characters, recorded in the audit log.",
            Prompt::Find => "Enter jumps to the first match; f3 to the next.",
            Prompt::ProcedureDate(_) => "YYYY-MM-DD, within the stay (admission to discharge).",
            Prompt::Override => {
                "Supervisor override: a reason of at least 10 characters, recorded in the audit log."
            }
        }
    }
}

#[derive(Clone, Debug)]
pub enum Modal {
    Picker { procedure: bool, picker: CodePicker },
    Prompt { prompt: Prompt, input: String },
}

/// One edit as shown (sanitised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditLine {
    pub key: String,
    pub id: String,
    pub error: bool,
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct CodingWorkState {
    pub encounter_id: i64,
    /// `V… · Name · MRN · inpatient Medicine · 2026-03-02 → 2026-03-06`.
    pub title: String,
    pub kind: String,
    pub discharge: Option<NaiveDate>,
    pub status: String,
    pub list: CodeList,
    /// Titles of codes (dotted code → title), filled from picks.
    pub titles: Vec<(String, String)>,
    pub sel: usize,
    pub edits: Vec<EditLine>,
    pub acknowledged: Vec<String>,
    pub docs: Vec<DocRow>,
    pub doc: usize,
    /// The open document (the one reader widget; it keeps the find text).
    pub reading: Option<Reader>,
    pub facts: Vec<String>,
    pub hold: Vec<String>,
    pub queries: Vec<String>,
    pub focus: Pane,
    pub modal: Option<Modal>,
    /// The working MS-DRG of the stored list and its what-if (issue #14).
    pub drg: WorkingDrg,
    /// The facility's synonyms and this coder's boost, for the ranked picker.
    pub ranking: (Arc<Synonyms>, Arc<Boost>),
}

impl CodingWorkState {
    pub fn new(r: CodingRefresh, docs: Vec<DocRow>, facts: Vec<String>) -> CodingWorkState {
        let mut s = CodingWorkState {
            encounter_id: r.header.id,
            title: String::new(),
            kind: String::new(),
            discharge: None,
            status: String::new(),
            list: CodeList::default(),
            titles: Vec::new(),
            sel: 0,
            edits: Vec::new(),
            acknowledged: Vec::new(),
            docs,
            doc: 0,
            reading: None,
            facts: facts.iter().map(|f| line(f)).collect(),
            hold: Vec::new(),
            queries: Vec::new(),
            focus: Pane::Codes,
            modal: None,
            drg: WorkingDrg::Incomplete(String::new()),
            ranking: (
                Arc::new(crate::codes::synonyms::embedded().clone()),
                Arc::new(Boost::default()),
            ),
        };
        s.refresh(r);
        s
    }

    fn refresh(&mut self, r: CodingRefresh) {
        let h = r.header;
        self.title = line(&format!(
            "{} · {} · {} · {} {} · {} → {}",
            h.visit_number,
            h.patient,
            h.mrn,
            h.kind,
            h.service,
            h.admit_at.get(..10).unwrap_or(&h.admit_at),
            h.discharge_at
                .as_deref()
                .and_then(|d| d.get(..10))
                .unwrap_or("in house"),
        ));
        self.kind = h.kind;
        self.discharge = h
            .discharge_at
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok());
        self.status = h.coding_status;
        self.list = r.list;
        self.edits = r
            .edits
            .iter()
            .map(|e| EditLine {
                key: ack_key(e),
                id: e.id.to_string(),
                error: e.severity == Severity::Error,
                code: line(e.code.as_deref().unwrap_or("")),
                message: line(&e.message),
            })
            .collect();
        // Acknowledgements hold only for warnings still shown.
        let keys: Vec<String> = self
            .edits
            .iter()
            .filter(|e| !e.error)
            .map(|e| e.key.clone())
            .collect();
        self.acknowledged.retain(|k| keys.contains(k));
        self.hold = r.hold.iter().map(|h| line(h)).collect();
        self.queries = r.queries.iter().map(|q| line(q)).collect();
        for (code, title) in r.titles {
            if !self.titles.iter().any(|(c, _)| *c == code) {
                self.titles.push((line(&code), line(&title)));
            }
        }
        self.sel = self.sel.min(self.rows().saturating_sub(1));
        self.drg = r.drg;
        if let Some(ranking) = r.ranking {
            self.ranking = ranking;
        }
        // An open what-if follows the list (the DRG is live as codes change).
        if let Some(rd) = &mut self.reading
            && rd.heading == WHAT_IF_HEADING
        {
            let top = rd.top;
            *rd = Reader::from_text(0, WHAT_IF_HEADING.into(), &work_drg::full(&self.drg));
            rd.top = top.min(rd.lines.len().saturating_sub(1));
        }
    }

    pub fn dx_count(&self) -> usize {
        self.list.diagnoses().count()
    }

    /// Rows of the code list: diagnoses then procedures.
    pub fn rows(&self) -> usize {
        self.dx_count() + self.list.procedures.len()
    }

    pub fn open(&self) -> bool {
        matches!(
            self.status.as_str(),
            "ready" | "in_progress" | "on_hold_query"
        )
    }

    pub fn fill_ctx(&self, c: &mut Ctx) {
        c.selected = !self.docs.is_empty();
        c.coding.open = self.open();
        c.coding.coded = self.status == "coded";
        let codes = self.focus == Pane::Codes && self.rows() > 0;
        c.coding.dx_selected = codes && self.sel < self.dx_count();
        c.coding.px_selected = codes && self.sel >= self.dx_count();
        c.reading = self.reading.is_some();
        c.modal = self.modal.is_some();
    }

    pub fn title_of(&self, code: &str) -> &str {
        self.titles
            .iter()
            .find(|(c, _)| normalize_code(c) == normalize_code(code))
            .map(|(_, t)| t.as_str())
            .unwrap_or("")
    }

    fn diagnoses(&self) -> Vec<DxEntry> {
        self.list.diagnoses().cloned().collect()
    }

    fn set_diagnoses(&mut self, mut dx: Vec<DxEntry>) {
        self.list.principal = if dx.is_empty() {
            None
        } else {
            Some(dx.remove(0))
        };
        self.list.secondary = dx;
    }

    fn save(&self) -> Effect {
        Effect::Coding(CodingAction::Save {
            encounter_id: self.encounter_id,
            list: self.list.clone(),
        })
    }

    fn warnings_unacknowledged(&self) -> Vec<String> {
        self.edits
            .iter()
            .filter(|e| !e.error && !self.acknowledged.contains(&e.key))
            .map(|e| e.key.clone())
            .collect()
    }

    /// Everything the header and the edits pane summarise, one item a paragraph.
    pub fn details(&self) -> String {
        let mut t = format!("{}\nCoding status: {}\n\nCODES\n", self.title, self.status);
        if self.rows() == 0 {
            t.push_str("No codes yet.\n");
        }
        for (i, d) in self.list.diagnoses().enumerate() {
            let poa = d.poa.map(|c| c.to_string()).unwrap_or_else(|| "_".into());
            let role = if i == 0 { "PDX" } else { "SDX" };
            t.push_str(&format!(
                "{role} {} {} POA {poa}: {}\n",
                i + 1,
                d.code,
                self.title_of(&d.code)
            ));
        }
        for (i, p) in self.list.procedures.iter().enumerate() {
            let date = p.date.map(|d| d.to_string()).unwrap_or_default();
            t.push_str(&format!(
                "PX {} {} {date}: {}\n",
                i + 1,
                p.code,
                self.title_of(&p.code)
            ));
        }
        t.push_str("\nMS-DRG (W: what-if)\n");
        t.push_str(&work_drg::summary(&self.drg));
        t.push('\n');
        t.push_str("\nEDITS\n");
        if self.edits.is_empty() {
            t.push_str("No edits.\n");
        }
        for e in &self.edits {
            let ack = if !e.error && self.acknowledged.contains(&e.key) {
                " (acknowledged)"
            } else {
                ""
            };
            let sev = if e.error { "ERROR" } else { "warning" };
            t.push_str(&format!("{sev} {} {}{ack}: {}\n", e.id, e.code, e.message));
        }
        t.push_str("\nDOCUMENTATION HOLDS (COD-20)\n");
        if self.hold.is_empty() {
            t.push_str("None.\n");
        }
        for h in &self.hold {
            t.push_str(&format!("{h}\n"));
        }
        t.push_str("\nQUERIES (COD-21)\n");
        if self.queries.is_empty() {
            t.push_str("None.\n");
        }
        for q in &self.queries {
            t.push_str(&format!("{q}\n\n"));
        }
        t.push_str("\nCLINICAL FACTS (reference only)\n");
        for f in &self.facts {
            t.push_str(&format!("{f}\n"));
        }
        t
    }

    /// A new picker ranked by the facility's synonyms and this coder's boost.
    fn picker(&self) -> CodePicker {
        CodePicker::ranked(PICKER_LIMIT, self.ranking.0.clone(), self.ranking.1.clone())
    }

    /// A favourite was toggled in the store: rank with it now (the open picker too).
    pub fn favourite_set(&mut self, index: &CodeIndex, system: CodeSystem, code: &str, on: bool) {
        let mut b = (*self.ranking.1).clone();
        b.set_favourite(system, code, on);
        let b = Arc::new(b);
        self.ranking.1 = b.clone();
        if let Some(Modal::Picker { picker, .. }) = &mut self.modal {
            picker.set_boost(index, b);
        }
    }

    fn read_doc(&self) -> Effect {
        match self.docs.get(self.doc) {
            Some(d) => Effect::ReadDocument { doc_id: d.id },
            None => Effect::Status("the encounter has no documents".into()),
        }
    }
}

/// Run one picker input on the index (pure: an in-memory search), then act on the outcome:
/// a chosen code of the right system is added and the list saved.
pub fn apply_picker(s: &mut CodingWorkState, index: &CodeIndex, input: PickerInput) -> Effect {
    let Some(Modal::Picker { procedure, picker }) = &mut s.modal else {
        return Effect::None;
    };
    let procedure = *procedure;
    match picker.update(index, input) {
        PickerEffect::None => Effect::None,
        PickerEffect::Cancelled => {
            s.modal = None;
            Effect::None
        }
        PickerEffect::NotBillable(hit) => Effect::Status(format!(
            "{} is a header, not billable (COD-02): showing the codes under it",
            line(&hit.dotted)
        )),
        PickerEffect::Drilled(hit) => Effect::Status(format!(
            "{}: {} billable code(s) under it (COD-02) · esc back to the search",
            line(&hit.dotted),
            picker.hits.len()
        )),
        PickerEffect::Refused(why) => Effect::Status(format!("drill_down: {}", line(&why))),
        PickerEffect::Chosen(hit) => {
            let want = if procedure {
                CodeSystem::Icd10Pcs
            } else {
                CodeSystem::Icd10Cm
            };
            if hit.system != want {
                return Effect::Status(format!(
                    "{} is {}; pick an {} code",
                    line(&hit.dotted),
                    hit.system,
                    if procedure {
                        "ICD-10-PCS procedure"
                    } else {
                        "ICD-10-CM diagnosis"
                    }
                ));
            }
            s.titles.push((hit.dotted.clone(), line(&hit.title)));
            s.modal = None;
            s.focus = Pane::Codes;
            if procedure {
                let first = s.list.procedures.is_empty();
                s.list.procedures.push(PxEntry {
                    code: hit.code,
                    date: s.discharge,
                    principal: first,
                });
                s.sel = s.rows() - 1;
            } else {
                let mut dx = s.diagnoses();
                dx.push(DxEntry::new(&hit.code, None));
                s.sel = dx.len() - 1;
                s.set_diagnoses(dx);
            }
            s.save()
        }
    }
}

pub fn update(s: &mut CodingWorkState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    // The open form takes every key.
    if let (Some(m), Msg::Key(k)) = (&mut s.modal, &msg) {
        match m {
            Modal::Picker { picker, procedure } => {
                let bound = |id: CommandId| {
                    crate::tui::commands::key_spec(k)
                        .is_some_and(|spec| id.command().keys.contains(&spec.as_str()))
                };
                if bound(C::PcsBuilder) {
                    return if *procedure {
                        Effect::Picker(PickerInput::Builder)
                    } else {
                        Effect::Status(
                            "pcs_builder: the builder is for procedures (i adds one)".into(),
                        )
                    };
                }
                if bound(C::DrillDown) {
                    return Effect::Picker(PickerInput::Drill);
                }
                let fav = bound(C::ToggleFavourite);
                if fav {
                    return match picker.current() {
                        Some(h) => Effect::Coding(CodingAction::ToggleFavourite {
                            system: h.system,
                            code: h.code.clone(),
                        }),
                        None => Effect::Status("favourite_code: no code highlighted".into()),
                    };
                }
                return match key_input(k) {
                    Some(PickerInput::Char(_)) if !query_has_room(picker) => Effect::None,
                    Some(input) => Effect::Picker(input),
                    None => Effect::None,
                };
            }
            Modal::Prompt { prompt, input } => {
                let prompt = *prompt;
                return match k.code {
                    crossterm::event::KeyCode::Esc => {
                        s.modal = None;
                        Effect::None
                    }
                    crossterm::event::KeyCode::Enter => {
                        let text = input.trim().to_string();
                        submit_prompt(s, prompt, text)
                    }
                    _ => {
                        if input.chars().count() < FIELD_MAX * 4
                            || k.code == crossterm::event::KeyCode::Backspace
                        {
                            edit_field_long(input, k);
                        }
                        Effect::None
                    }
                };
            }
        }
    }
    let reading = s.reading.is_some() && s.focus == Pane::Documents;
    let codes = s.focus == Pane::Codes;
    let last_row = s.rows().saturating_sub(1);
    let dx_n = s.dx_count();
    match msg {
        Msg::CodingRefresh(r) => s.refresh(*r),
        Msg::Document(d) => {
            let find = s.reading.take().map(|r| r.find).unwrap_or_default();
            let mut r = open_doc(d);
            r.find = find;
            s.reading = Some(r);
            s.focus = Pane::Documents;
            if let Some(i) = s
                .reading
                .as_ref()
                .and_then(|o| s.docs.iter().position(|d| d.id == o.doc_id))
            {
                s.doc = i;
            }
        }
        Msg::Command(C::Back) if s.reading.is_some() => s.reading = None,
        Msg::Command(C::Back) => {
            return Effect::Coding(CodingAction::Leave {
                encounter_id: s.encounter_id,
            });
        }
        Msg::Command(C::ShowDetails) => {
            let r = Reader::from_text(0, "Edits, holds and queries in full".into(), &s.details());
            s.reading = Some(r);
            s.focus = Pane::Documents;
        }
        Msg::Command(C::DrgWhatIf) => {
            let r = Reader::from_text(0, WHAT_IF_HEADING.into(), &work_drg::full(&s.drg));
            s.reading = Some(r);
            s.focus = Pane::Documents;
        }
        Msg::Command(C::SwitchFocus) => s.focus = if codes { Pane::Documents } else { Pane::Codes },
        Msg::Command(C::OpenDocument) => return s.read_doc(),
        Msg::Command(C::PrevDocument) => {
            s.doc = s.doc.saturating_sub(1);
            return s.read_doc();
        }
        Msg::Command(C::NextDocument) => {
            s.doc = (s.doc + 1).min(s.docs.len().saturating_sub(1));
            return s.read_doc();
        }
        Msg::Command(
            c @ (C::MoveUp | C::MoveDown | C::PageUp | C::PageDown | C::GoTop | C::GoBottom),
        ) if reading => {
            if let Some(r) = &mut s.reading {
                r.scroll(c);
            }
        }
        Msg::Command(C::MoveUp) if !codes => s.doc = s.doc.saturating_sub(1),
        Msg::Command(C::MoveDown) if !codes => {
            s.doc = (s.doc + 1).min(s.docs.len().saturating_sub(1))
        }
        Msg::Command(C::MoveUp) => s.sel = s.sel.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.sel = (s.sel + 1).min(last_row),
        Msg::Command(C::GoTop) => s.sel = 0,
        Msg::Command(C::GoBottom) => s.sel = last_row,
        Msg::Command(C::FindInText) => {
            s.modal = Some(Modal::Prompt {
                prompt: Prompt::Find,
                input: s
                    .reading
                    .as_ref()
                    .map(|r| r.find.clone())
                    .unwrap_or_default(),
            })
        }
        Msg::Command(C::FindNext) => {
            if let Some(r) = &mut s.reading {
                return r.find_next(false);
            }
        }
        Msg::Command(C::AddDiagnosis) => {
            s.modal = Some(Modal::Picker {
                procedure: false,
                picker: s.picker(),
            })
        }
        Msg::Command(C::AddProcedure) => {
            s.modal = Some(Modal::Picker {
                procedure: true,
                picker: s.picker(),
            })
        }
        Msg::Command(C::DrillDown) => {
            return Effect::Status(
                "drill_down: open the code picker (a or i), then → on a header".into(),
            );
        }
        Msg::Command(C::ToggleFavourite) if codes => {
            let (system, code) = if s.sel < dx_n {
                let d = s.list.diagnoses().nth(s.sel).map(|d| d.code.clone());
                (CodeSystem::Icd10Cm, d)
            } else {
                let p = s.list.procedures.get(s.sel - dx_n).map(|p| p.code.clone());
                (CodeSystem::Icd10Pcs, p)
            };
            return match code {
                Some(c) => Effect::Coding(CodingAction::ToggleFavourite {
                    system,
                    code: normalize_code(&c),
                }),
                None => Effect::Status("favourite_code: select a code first".into()),
            };
        }
        Msg::Command(C::RemoveCode) if s.sel < dx_n => {
            let mut dx = s.diagnoses();
            dx.remove(s.sel);
            s.set_diagnoses(dx);
            s.sel = s.sel.min(s.rows().saturating_sub(1));
            return s.save();
        }
        Msg::Command(C::RemoveCode) => {
            let i = s.sel - dx_n;
            if i < s.list.procedures.len() {
                let was_principal = s.list.procedures.remove(i).principal;
                if was_principal && let Some(p) = s.list.procedures.first_mut() {
                    p.principal = true;
                }
                s.sel = s.sel.min(s.rows().saturating_sub(1));
                return s.save();
            }
        }
        Msg::Command(id @ (C::MoveCodeUp | C::MoveCodeDown)) => {
            let up = id == C::MoveCodeUp;
            if s.sel < dx_n {
                let mut dx = s.diagnoses();
                let to = if up {
                    s.sel.checked_sub(1)
                } else {
                    (s.sel + 1 < dx.len()).then_some(s.sel + 1)
                };
                if let Some(to) = to {
                    dx.swap(s.sel, to);
                    s.sel = to;
                    s.set_diagnoses(dx);
                    return s.save();
                }
            } else {
                let i = s.sel - dx_n;
                let n = s.list.procedures.len();
                let to = if up {
                    i.checked_sub(1)
                } else {
                    (i + 1 < n).then_some(i + 1)
                };
                if let Some(to) = to {
                    s.list.procedures.swap(i, to);
                    s.sel = dx_n + to;
                    return s.save();
                }
            }
        }
        Msg::Command(
            id @ (C::PoaYes | C::PoaNo | C::PoaUnknown | C::PoaUndetermined | C::PoaExempt),
        ) => {
            let poa = match id {
                C::PoaYes => 'Y',
                C::PoaNo => 'N',
                C::PoaUnknown => 'U',
                C::PoaUndetermined => 'W',
                _ => '1',
            };
            let mut dx = s.diagnoses();
            if let Some(d) = dx.get_mut(s.sel) {
                d.poa = if d.poa == Some(poa) { None } else { Some(poa) };
                s.set_diagnoses(dx);
                return s.save();
            }
        }
        Msg::Command(C::PrincipalProcedure) => {
            let i = s.sel.saturating_sub(dx_n);
            for (j, p) in s.list.procedures.iter_mut().enumerate() {
                p.principal = j == i;
            }
            return s.save();
        }
        Msg::Command(C::AcknowledgeWarnings) => {
            let keys = s.warnings_unacknowledged();
            let n = keys.len();
            s.acknowledged.extend(keys);
            return Effect::Status(format!(
                "{n} warning(s) acknowledged; they are recorded when coding completes"
            ));
        }
        Msg::Command(C::CompleteCoding) => return completion(s, None),
        Msg::Command(C::OverrideHold) => {
            s.modal = Some(Modal::Prompt {
                prompt: Prompt::Override,
                input: String::new(),
            })
        }
        Msg::Command(C::ProcedureDate) => {
            let i = s.sel.saturating_sub(dx_n);
            if let Some(p) = s.list.procedures.get(i) {
                s.modal = Some(Modal::Prompt {
                    prompt: Prompt::ProcedureDate(i),
                    input: p
                        .date
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                });
            }
        }
        Msg::Command(C::SendQuery) => {
            s.modal = Some(Modal::Prompt {
                prompt: Prompt::Query,
                input: String::new(),
            })
        }
        Msg::Command(C::QueryProvider) => {
            return Effect::Coding(CodingAction::OpenQueryForm {
                encounter_id: s.encounter_id,
            });
        }
        Msg::Command(C::ReopenCoding) => {
            s.modal = Some(Modal::Prompt {
                prompt: Prompt::Reopen,
                input: String::new(),
            })
        }
        _ => {}
    }
    Effect::None
}

/// Prompts take longer text than one-line fields (a query is a sentence or two).
pub(crate) fn edit_field_long(field: &mut String, key: &crossterm::event::KeyEvent) {
    let mut part = String::new();
    if edit_field(&mut part, key) {
        field.push_str(&part);
    } else if key.code == crossterm::event::KeyCode::Backspace {
        field.pop();
    } else if key.code == crossterm::event::KeyCode::Char('u')
        && key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL)
    {
        field.clear();
    }
}

mod submit;
use submit::*;

#[cfg(test)]
#[path = "work_tests.rs"]
mod tests;
