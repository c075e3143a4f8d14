//! Drawing the coding workbench (reads state only): header with hold, query and working
//! MS-DRG lines;
//! documents and the open text (or the clinical facts) on the left; the code list and the
//! live edits on the right; the picker or a prompt over them when open.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Clear, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::codes::CodeSystem;
use crate::coding::normalize_code;
use crate::text::sanitize_line;
use crate::tui::chrome::{centered, clip};
use crate::tui::codes::picker::CodePickerView;
use crate::tui::coding::work::{CodingWorkState, Modal, Pane};
use crate::tui::coding::work_drg;

fn focus_block(title: String, focused: bool) -> Block<'static> {
    let b = Block::bordered().title(title);
    if focused {
        b.border_style(Style::new().bold())
    } else {
        b
    }
}

impl Widget for &CodingWorkState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [head, main] =
            Layout::vertical([Constraint::Length(6), Constraint::Min(6)]).areas(area);
        let w = head.width.saturating_sub(2) as usize;
        let mut status = format!("coding status: {}", self.status);
        if !self.hold.is_empty() {
            status += &format!(" · {}", self.hold.join(", "));
        }
        let query = self
            .queries
            .first()
            .cloned()
            .unwrap_or_else(|| "no queries".into());
        Paragraph::new(vec![
            Line::from(clip(&self.title, w)).bold(),
            Line::from(clip(&status, w)),
            Line::from(clip(&query, w)).italic(),
            Line::from(clip(&work_drg::summary(&self.drg), w)).fg(Color::Cyan),
        ])
        .block(Block::bordered().title(" Coding · W: MS-DRG what-if "))
        .render(head, buf);

        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(main);
        let docs_h = (self.docs.len() as u16 + 2).clamp(3, 7);
        let [docs, text] =
            Layout::vertical([Constraint::Length(docs_h), Constraint::Min(3)]).areas(left);
        let doc_focus = self.focus == Pane::Documents;
        let rows = self
            .docs
            .iter()
            .map(|d| Row::new(vec![d.date.clone(), d.type_name.clone(), d.status.clone()]));
        let table = Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Min(8),
                Constraint::Length(9),
            ],
        )
        .row_highlight_style(Style::new().reversed())
        .block(focus_block(
            format!(" Documents ({}) [ ] ", self.docs.len()),
            doc_focus && self.reading.is_none(),
        ));
        let mut ts =
            TableState::default().with_selected((!self.docs.is_empty()).then_some(self.doc));
        StatefulWidget::render(table, docs, buf, &mut ts);

        let tw = text.width.saturating_sub(2) as usize;
        match &self.reading {
            Some(r) => r.render_in(text, buf, doc_focus),
            None => {
                let mut lines: Vec<Line> =
                    self.facts.iter().map(|f| Line::from(clip(f, tw))).collect();
                if lines.is_empty() {
                    lines.push(
                        Line::from("No clinical facts were imported for this encounter.").italic(),
                    );
                }
                Paragraph::new(lines)
                    .block(Block::bordered().title(" Clinical facts (SNOMED, reference only) "))
                    .render(text, buf);
            }
        }

        let [codes, edits] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
        let dx_n = self.dx_count();
        let inpatient = self.kind == "inpatient";
        let mut rows: Vec<Row> = self
            .list
            .diagnoses()
            .enumerate()
            .map(|(i, d)| {
                let dotted = sanitize_line(&CodeSystem::Icd10Cm.dotted(&normalize_code(&d.code)))
                    .into_owned();
                let role = if i == 0 {
                    if inpatient { "PDX" } else { "1st" }
                } else {
                    "SDX"
                };
                let poa = d
                    .poa
                    .map(String::from)
                    .unwrap_or_else(|| if inpatient { "_".into() } else { String::new() });
                Row::new(vec![
                    format!("{role} {}", i + 1),
                    dotted.clone(),
                    poa,
                    self.title_of(&dotted).to_string(),
                ])
            })
            .collect();
        rows.extend(self.list.procedures.iter().enumerate().map(|(i, p)| {
            let code = sanitize_line(&normalize_code(&p.code)).into_owned();
            Row::new(vec![
                format!("{} {}", if p.principal { "PPX" } else { "PX " }, i + 1),
                code.clone(),
                p.date
                    .map(|d| d.format("%m-%d").to_string())
                    .unwrap_or_default(),
                self.title_of(&code).to_string(),
            ])
        }));
        let n = rows.len();
        let code_focus = self.focus == Pane::Codes;
        let table = Table::new(
            rows,
            [
                Constraint::Length(6),
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Min(6),
            ],
        )
        .header(Row::new(vec!["Seq", "Code", "POA", "Title"]).bold())
        .row_highlight_style(if code_focus {
            Style::new().reversed()
        } else {
            Style::new().underlined()
        })
        .block(focus_block(
            format!(
                " Codes: {dx_n} dx, {} px · a dx · i px · K/J order · y n u w 1 POA ",
                self.list.procedures.len()
            ),
            code_focus,
        ));
        let mut ts = TableState::default().with_selected((n > 0).then_some(self.sel));
        StatefulWidget::render(table, codes, buf, &mut ts);

        let errors = self.edits.iter().filter(|e| e.error).count();
        let lines: Vec<Line> = if self.edits.is_empty() {
            vec![Line::from("No edits: the code list passes every coding edit.").fg(Color::Green)]
        } else {
            self.edits
                .iter()
                .map(|e| {
                    let mark = if e.error {
                        "ERR "
                    } else if self.acknowledged.contains(&e.key) {
                        "ack "
                    } else {
                        "warn"
                    };
                    let text = format!("{mark} {} {} {}", e.id, e.code, e.message);
                    // Error edits block completion: their whole message wraps; warnings
                    // keep to one line each.
                    if e.error {
                        Line::from(text).fg(Color::Red)
                    } else {
                        Line::from(text)
                    }
                })
                .collect()
        };
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(format!(
                " Edits: {errors} error(s), {} warning(s) · e all · ! acknowledge · C complete ",
                self.edits.len() - errors
            )))
            .render(edits, buf);

        match &self.modal {
            Some(Modal::Picker { procedure, picker }) => {
                let r = centered(main, main.width.saturating_sub(6).min(90), main.height);
                Clear.render(r, buf);
                let building;
                let title = if picker.builder {
                    let axis = crate::codes::drill::PCS_AXES
                        .get(picker.query.chars().count())
                        .copied()
                        .unwrap_or("code");
                    building = format!(" Build an ICD-10-PCS code: choose the {axis} ");
                    building.as_str()
                } else if *procedure {
                    " Add an ICD-10-PCS procedure · ctrl-b builder "
                } else {
                    " Add an ICD-10-CM diagnosis "
                };
                let hint = if picker.builder {
                    "↑↓ · enter: next axis (a full code adds) · backspace: back · ctrl-b: words · esc"
                } else if picker.drilled.is_some() {
                    "billable codes under the header · ↑↓ select · enter add · esc: the search"
                } else {
                    "code or words · ↑↓ · enter add · → under a header · ctrl-s favourite · esc"
                };
                CodePickerView {
                    picker,
                    title,
                    focused: true,
                    hint,
                }
                .render(r, buf);
            }
            Some(Modal::Prompt { prompt, input }) => {
                let r = centered(main, main.width.saturating_sub(10).min(80), 7);
                Clear.render(r, buf);
                let iw = r.width.saturating_sub(3) as usize;
                let tail: String = {
                    let n = input.chars().count();
                    input.chars().skip(n.saturating_sub(iw)).collect()
                };
                Paragraph::new(vec![
                    Line::from(clip(prompt.rule(), r.width.saturating_sub(2) as usize)).italic(),
                    Line::from(""),
                    Line::from(format!("{tail}▏")).bold(),
                    Line::from(""),
                    Line::from("enter: accept · esc: cancel"),
                ])
                .block(Block::bordered().title(format!(" {} ", prompt.title())))
                .render(r, buf);
            }
            None => {}
        }
    }
}
