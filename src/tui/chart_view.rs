//! Chart view: the selected encounter's header, its documents on the left and the open
//! document's text on the right. Opening a document is an effect (the core audits the view).
//! The title shows the patient's privacy flags (VIP, EMPLOYEE; AUD-14); a supervisor sets or
//! clears one from here with a reason (`V`), through [`crate::privacy::set_flag_because`],
//! which checks the role again and audits the change.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

use super::chrome::clip;
use super::reader::Reader;
use super::{CommandId, Ctx, Effect, Msg};
use crate::chart::Chart;
use crate::domain::{Document, doc_type_name};
use crate::text::sanitize_line;

fn line(s: &str) -> String {
    sanitize_line(s).into_owned()
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(line).unwrap_or_else(|| "—".into())
}

/// Date and minute of a stored `YYYY-MM-DDTHH:MM:SS` time.
fn when(s: &str) -> String {
    line(s).replace('T', " ").chars().take(16).collect()
}

/// One encounter, sanitised for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncounterView {
    pub id: i64,
    pub visit: String,
    pub kind: String,
    pub service: String,
    pub admit: String,
    pub discharge: String,
    pub attending: String,
    pub disposition: String,
    pub him: String,
    pub coding: String,
}

/// One document in the list, sanitised. `unsigned` and `sensitivity` are flagged in the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocRow {
    pub id: i64,
    pub encounter_id: i64,
    pub type_name: String,
    pub date: String,
    pub author: String,
    pub status: String,
    pub unsigned: bool,
    pub sensitivity: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    List,
    Text,
}

#[derive(Clone, Debug)]
pub struct ChartState {
    pub patient: String,
    /// The patient's MRN (sanitised), for "who looked at this chart".
    pub mrn: String,
    /// The patient's retired MRNs (aliases from merges, HL7-02), joined; empty if none.
    pub aliases: String,
    pub encounters: Vec<EncounterView>,
    pub docs: Vec<DocRow>,
    /// Index into `encounters`.
    pub enc: usize,
    /// Index into the current encounter's documents.
    pub doc: usize,
    pub focus: Pane,
    /// The open document (the one reader widget).
    pub open: Option<Reader>,
    /// The patient's privacy flags (AUD-14), shown in the title: `VIP`, `EMPLOYEE`.
    pub flags: Vec<&'static str>,
    /// The flag form: which flag, and the reason being typed.
    pub flag_prompt: Option<FlagPrompt>,
}

/// The flag form on the chart (supervisor): the flag is set if the patient lacks it, cleared
/// if the patient has it; the reason is required (audited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagPrompt {
    pub flag: crate::privacy::Flag,
    pub reason: String,
}

impl ChartState {
    pub fn new(chart: Chart) -> ChartState {
        let p = &chart.patient;
        let patient = format!(
            "{}  MRN {}  DOB {}  Sex {}",
            line(&p.display_name()),
            line(&p.mrn),
            line(&p.birth_date),
            line(&p.sex)
        );
        let encounters = chart
            .encounters
            .iter()
            .map(|e| EncounterView {
                id: e.id,
                visit: line(&e.visit_number),
                kind: e.kind.as_str().to_string(),
                service: line(&e.service),
                admit: when(&e.admit_at),
                discharge: e
                    .discharge_at
                    .as_deref()
                    .map(when)
                    .unwrap_or_else(|| "—".into()),
                attending: opt(&e.attending),
                disposition: opt(&e.discharge_disposition),
                him: e.him_status.as_str().to_string(),
                coding: e.coding_status.as_str().to_string(),
            })
            .collect();
        let docs = chart
            .documents
            .iter()
            .map(|d| DocRow {
                id: d.id,
                encounter_id: d.encounter_id,
                type_name: line(doc_type_name(&d.doc_type)),
                date: line(&d.service_at).chars().take(10).collect(),
                author: opt(&d.author),
                status: d.status.as_str().to_string(),
                unsigned: !d.status.is_signed(),
                sensitivity: line(&d.sensitivity),
            })
            .collect();
        let aliases = chart
            .aliases
            .iter()
            .map(|a| line(a))
            .collect::<Vec<_>>()
            .join(", ");
        ChartState {
            mrn: line(&chart.patient.mrn),
            patient,
            aliases,
            encounters,
            docs,
            enc: 0,
            doc: 0,
            focus: Pane::List,
            open: None,
            flags: Vec::new(),
            flag_prompt: None,
        }
    }

    /// Whether the patient has `flag` now.
    pub fn has_flag(&self, flag: crate::privacy::Flag) -> bool {
        self.flags.contains(&flag.as_str())
    }

    /// Keys of the flag form: Tab switches VIP / EMPLOYEE, Enter asks the core, Esc cancels.
    fn flag_key(&mut self, k: &crossterm::event::KeyEvent) -> Effect {
        use crate::privacy::Flag;
        use crossterm::event::KeyCode;
        let Some(p) = &mut self.flag_prompt else {
            return Effect::None;
        };
        match k.code {
            KeyCode::Esc => self.flag_prompt = None,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                p.flag = if p.flag == Flag::Vip {
                    Flag::Employee
                } else {
                    Flag::Vip
                };
            }
            KeyCode::Enter => {
                let reason = p.reason.trim().to_string();
                if reason.is_empty() {
                    return Effect::Status("type the reason first (it is audited, AUD-14)".into());
                }
                let flag = p.flag;
                self.flag_prompt = None;
                return Effect::FlagChart {
                    mrn: self.mrn.clone(),
                    flag,
                    on: !self.has_flag(flag),
                    reason,
                };
            }
            _ => super::coding::work::edit_field_long(&mut p.reason, k),
        }
        Effect::None
    }

    pub fn encounter(&self) -> Option<&EncounterView> {
        self.encounters.get(self.enc)
    }

    /// The documents of the selected encounter, in list order.
    pub fn current_docs(&self) -> Vec<&DocRow> {
        let id = self.encounter().map(|e| e.id);
        self.docs
            .iter()
            .filter(|d| Some(d.encounter_id) == id)
            .collect()
    }

    pub fn selected_doc(&self) -> Option<&DocRow> {
        self.current_docs().get(self.doc).copied()
    }

    /// Select the document `step` away from the open (or selected) one in this encounter's
    /// list and ask to read it.
    fn step_document(&mut self, forward: bool) -> Effect {
        let n = self.current_docs().len();
        if n == 0 {
            return Effect::Status("this encounter has no documents".into());
        }
        let i = if forward {
            (self.doc + 1).min(n - 1)
        } else {
            self.doc.saturating_sub(1)
        };
        if self.open.is_some() && i == self.doc {
            return Effect::Status(if forward {
                "this is the encounter's last document".into()
            } else {
                "this is the encounter's first document".into()
            });
        }
        self.doc = i;
        match self.selected_doc() {
            Some(d) => Effect::ReadDocument { doc_id: d.id },
            None => Effect::None,
        }
    }

    fn show_encounter(&mut self, index: usize) {
        if index != self.enc {
            self.enc = index;
            self.doc = 0;
            self.open = None;
            self.focus = Pane::List;
        }
    }
}

pub fn update(s: &mut ChartState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    let page = ctx.page_rows.max(1);
    let last_doc = s.current_docs().len().saturating_sub(1);
    let text = s.focus == Pane::Text;
    if let (Some(_), Msg::Key(k)) = (&s.flag_prompt, &msg) {
        return s.flag_key(k);
    }
    if let (Some(r), Msg::Key(k)) = (&mut s.open, &msg)
        && r.prompt.is_some()
    {
        return r.prompt_key(k);
    }
    if let (Some(r), Msg::Command(c)) = (&mut s.open, &msg)
        && text
        && r.scroll(*c)
    {
        return Effect::None;
    }
    match msg {
        Msg::Command(C::SwitchFocus) => {
            s.focus = match s.focus {
                Pane::List => Pane::Text,
                Pane::Text => Pane::List,
            }
        }
        Msg::Command(C::OpenDocument) => {
            if let Some(d) = s.selected_doc() {
                return Effect::ReadDocument { doc_id: d.id };
            }
        }
        Msg::Command(C::PrevEncounter) => s.show_encounter(s.enc.saturating_sub(1)),
        Msg::Command(C::NextEncounter) => {
            s.show_encounter((s.enc + 1).min(s.encounters.len().saturating_sub(1)))
        }
        Msg::Command(C::ClaimChart) => {
            if let Some(e) = s.encounter() {
                return Effect::ClaimEncounter { encounter_id: e.id };
            }
        }
        Msg::Command(C::NextDocument) => return s.step_document(true),
        Msg::Command(C::PrevDocument) => return s.step_document(false),
        Msg::Command(C::FindInText) => match &mut s.open {
            Some(r) => r.start_find(),
            None => return Effect::Status("find: open a document first".into()),
        },
        Msg::Command(C::FindNext) => {
            if let Some(r) = &mut s.open {
                return r.find_next(false);
            }
        }
        Msg::Command(C::MoveUp) => s.doc = s.doc.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.doc = (s.doc + 1).min(last_doc),
        Msg::Command(C::PageUp) => s.doc = s.doc.saturating_sub(page),
        Msg::Command(C::PageDown) => s.doc = (s.doc + page).min(last_doc),
        Msg::Command(C::GoTop) => s.doc = 0,
        Msg::Command(C::GoBottom) => s.doc = last_doc,
        Msg::Command(C::Back) => return Effect::Back,
        Msg::Command(C::FlagChart) => {
            s.flag_prompt = Some(FlagPrompt {
                flag: crate::privacy::Flag::Vip,
                reason: String::new(),
            })
        }
        Msg::Document(d) => {
            let find = s.open.take().map(|r| r.find).unwrap_or_default();
            let mut r = open_doc(d);
            r.find = find;
            s.open = Some(r);
            s.focus = Pane::Text;
        }
        _ => {}
    }
    Effect::None
}

/// The reader of a document as read (audited) from the core.
pub(super) fn open_doc(d: Document) -> Reader {
    let sm = &d.summary;
    let mut heading = format!(
        "{} · {} · {} · {}",
        line(&sm.title),
        opt(&sm.author),
        when(&sm.service_at),
        sm.status.as_str()
    );
    if !sm.sensitivity.is_empty() {
        heading.push_str(&format!(" · SENSITIVE {}", line(&sm.sensitivity)));
    }
    Reader::from_text(sm.id, heading, &d.body)
}

impl Widget for &ChartState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [head, body] =
            Layout::vertical([Constraint::Length(5), Constraint::Min(3)]).areas(area);
        let w = head.width.saturating_sub(2) as usize;
        let n = self.encounters.len();
        let flags: String = self.flags.iter().map(|f| format!("[{f}] ")).collect();
        let title = if self.aliases.is_empty() {
            format!(
                " {} ",
                clip(&format!("{flags}{}", self.patient), w.saturating_sub(2))
            )
        } else {
            let full = format!("{flags}{}  aka MRN {}", self.patient, self.aliases);
            format!(" {} ", clip(&full, w.saturating_sub(2)))
        };
        let header: Vec<Line> = match self.encounter() {
            None => vec![Line::from("No encounters on this chart.")],
            Some(e) => vec![
                Line::from(clip(
                    &format!(
                        "Visit {} ({}/{n})  {}  {}  Attending {}",
                        e.visit,
                        self.enc + 1,
                        e.kind,
                        e.service,
                        e.attending
                    ),
                    w,
                ))
                .bold(),
                Line::from(clip(
                    &format!(
                        "Admit {}  Discharge {}  Disposition {}",
                        e.admit, e.discharge, e.disposition
                    ),
                    w,
                )),
                Line::from(clip(
                    &format!("HIM status {}  Coding status {}", e.him, e.coding),
                    w,
                )),
            ],
        };
        Paragraph::new(header)
            .block(Block::bordered().title(title))
            .render(head, buf);

        let list_w = (body.width * 11 / 20).clamp(34, 64).min(body.width);
        let [list, text] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(body);
        let focus_style = |p: Pane| {
            if self.focus == p {
                Style::new().bold()
            } else {
                Style::new().dim()
            }
        };
        // The author column only when there is room; the open document's title names it too.
        let with_author = list_w >= 54;
        let docs = self.current_docs();
        let rows = docs.iter().map(|d| {
            let mut flags = String::new();
            if d.unsigned {
                flags.push('U');
            }
            if !d.sensitivity.is_empty() {
                flags.push('S');
            }
            let mut cells = vec![format!("{flags:<2}"), d.type_name.clone(), d.date.clone()];
            if with_author {
                cells.push(d.author.clone());
            }
            cells.push(d.status.clone());
            Row::new(cells)
        });
        let mut widths = vec![
            Constraint::Length(2),
            Constraint::Min(12),
            Constraint::Length(10),
        ];
        if with_author {
            widths.push(Constraint::Length(12));
        }
        widths.push(Constraint::Length(11));
        let table = Table::new(rows, widths)
            .row_highlight_style(Style::new().reversed())
            .block(
                Block::bordered()
                    .title(format!(
                        " Documents ({}) · U unsigned · S sensitive ",
                        docs.len()
                    ))
                    .border_style(focus_style(Pane::List)),
            );
        let mut ts = TableState::default().with_selected((!docs.is_empty()).then_some(self.doc));
        StatefulWidget::render(table, list, buf, &mut ts);

        let block = Block::bordered().border_style(focus_style(Pane::Text));
        match &self.open {
            None => Paragraph::new("Select a document and press Enter to read it.")
                .wrap(Wrap { trim: true })
                .block(block.title(" Text "))
                .render(text, buf),
            Some(r) => r.render_in(text, buf, self.focus == Pane::Text),
        }
        if let Some(p) = &self.flag_prompt {
            let verb = if self.has_flag(p.flag) {
                "Clear"
            } else {
                "Set"
            };
            let w = area.width.saturating_sub(4).min(70);
            let inner = w.saturating_sub(2).max(10) as usize;
            let h = 5 + (p.reason.chars().count() / inner) as u16;
            let rect = super::chrome::centered(area, w, h);
            ratatui::widgets::Clear.render(rect, buf);
            Paragraph::new(vec![
                Line::from(format!(
                    "{verb} the {} flag on MRN {} (tab: other flag)",
                    p.flag.as_str(),
                    self.mrn
                ))
                .bold(),
                Line::from("Reason (required, audited, AUD-14):").dim(),
                Line::from(format!("{}▏", p.reason)),
            ])
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Privacy flag (Enter records, Esc cancels) "))
            .render(rect, buf);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::{
        CodingStatus, DocStatus, DocumentSummary, Encounter, EncounterKind, HimStatus, Patient,
    };

    pub(crate) fn sample_chart() -> Chart {
        let enc = |id: i64, admit: &str| Encounter {
            id,
            visit_number: format!("V{id:06}"),
            patient_id: 1,
            kind: EncounterKind::Inpatient,
            service: "Medicine".into(),
            admit_at: admit.into(),
            discharge_at: Some("2026-10-05T11:00:00".into()),
            attending: Some("House, Greg MD".into()),
            discharge_disposition: Some("home".into()),
            reason: "Chest pain".into(),
            him_status: HimStatus::Incomplete,
            coding_status: CodingStatus::NotReady,
        };
        let doc = |id: i64, encounter_id: i64, status: DocStatus, sens: &str| DocumentSummary {
            id,
            encounter_id,
            doc_type: "11506-3".into(),
            title: "Progress note".into(),
            author: Some("House, Greg MD".into()),
            status,
            service_at: "2026-10-02T09:00:00".into(),
            signed_at: None,
            sensitivity: sens.into(),
        };
        Chart {
            patient: Patient {
                id: 1,
                mrn: "MRN00001".into(),
                family_name: "Doe".into(),
                given_name: "Jane".into(),
                birth_date: "1960-02-03".into(),
                sex: "F".into(),
            },
            aliases: vec!["OLD00007".into()],
            encounters: vec![
                enc(10, "2026-10-01T08:00:00"),
                enc(11, "2025-01-01T08:00:00"),
            ],
            documents: vec![
                doc(100, 10, DocStatus::Signed, ""),
                doc(101, 10, DocStatus::Dictated, "PSYCHOTHERAPY"),
                doc(102, 11, DocStatus::Signed, ""),
            ],
        }
    }

    fn body(n: usize) -> Document {
        Document {
            summary: sample_chart().documents[0].clone(),
            body: (0..n).map(|i| format!("line {i}\n")).collect(),
        }
    }

    fn ctx() -> Ctx {
        Ctx {
            page_rows: 5,
            ..Ctx::default()
        }
    }

    fn run(s: &mut ChartState, c: CommandId) -> Effect {
        update(s, Msg::Command(c), &ctx())
    }

    #[test]
    fn documents_follow_the_selected_encounter() {
        let mut s = ChartState::new(sample_chart());
        assert_eq!(s.current_docs().len(), 2);
        let _ = run(&mut s, CommandId::MoveDown);
        assert_eq!(
            run(&mut s, CommandId::OpenDocument),
            Effect::ReadDocument { doc_id: 101 }
        );
        let _ = run(&mut s, CommandId::NextEncounter);
        assert_eq!(s.enc, 1);
        assert_eq!(s.doc, 0);
        assert_eq!(
            run(&mut s, CommandId::OpenDocument),
            Effect::ReadDocument { doc_id: 102 }
        );
        let _ = run(&mut s, CommandId::NextEncounter);
        assert_eq!(s.enc, 1, "stops at the oldest encounter");
        let _ = run(&mut s, CommandId::PrevEncounter);
        assert_eq!(s.enc, 0);
    }

    #[test]
    fn text_scrolls_within_bounds_when_focused() {
        let mut s = ChartState::new(sample_chart());
        let _ = update(&mut s, Msg::Document(body(12)), &ctx());
        assert_eq!(s.focus, Pane::Text);
        let top = |s: &ChartState| s.open.as_ref().map_or(0, |r| r.top);
        // The reader's pane before any draw: 76x18, so 12 lines end at top 0.
        let _ = run(&mut s, CommandId::PageDown);
        assert_eq!(top(&s), 0);
        let _ = update(&mut s, Msg::Document(body(40)), &ctx());
        let _ = run(&mut s, CommandId::PageDown);
        assert_eq!(top(&s), 17);
        let _ = run(&mut s, CommandId::GoBottom);
        assert_eq!(top(&s), 22);
        let _ = run(&mut s, CommandId::MoveDown);
        assert_eq!(top(&s), 22, "stops with the last line at the bottom");
        let _ = run(&mut s, CommandId::GoTop);
        assert_eq!(top(&s), 0);
        let _ = run(&mut s, CommandId::SwitchFocus);
        let _ = run(&mut s, CommandId::MoveDown);
        assert_eq!((s.doc, top(&s)), (1, 0), "list focus moves the selection");
        assert_eq!(
            run(&mut s, CommandId::NextDocument),
            Effect::Status("this is the encounter's last document".into())
        );
        assert_eq!(
            run(&mut s, CommandId::PrevDocument),
            Effect::ReadDocument { doc_id: 100 }
        );
    }

    #[test]
    fn escape_sequences_never_reach_state() {
        let mut s = ChartState::new(sample_chart());
        let mut d = body(1);
        d.body = "a\u{1b}[2Jb\u{1b}]0;x\u{7}c".into();
        let _ = update(&mut s, Msg::Document(d), &ctx());
        assert_eq!(s.open.map(|o| o.lines), Some(vec!["abc".to_string()]));
    }

    #[test]
    fn flags_and_back() {
        let mut s = ChartState::new(sample_chart());
        let docs = s.current_docs();
        assert!(!docs[0].unsigned && docs[1].unsigned);
        assert_eq!(docs[1].sensitivity, "PSYCHOTHERAPY");
        assert_eq!(run(&mut s, CommandId::Back), Effect::Back);
    }
}
