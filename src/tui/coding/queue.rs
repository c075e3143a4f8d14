//! The coding queue: discharged encounters ready to code, oldest discharge first, and (on the
//! other tab) the encounters held for documentation with the open deficiencies that hold them
//! (COD-20). Pages are keyset-paged by the core; each page read is an audited query. Enter
//! claims the selected encounter and opens it on the workbench.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table, TableState};

use crate::coding::queue::{CodingKey, CodingList, CodingRow};
use crate::text::sanitize_line;
use crate::tui::chrome::clip;
use crate::tui::deficiency::rereview::RereviewList;
use crate::tui::{CodingAction, CommandId, Ctx, Effect, Msg, ScreenId};

/// One queue row, sanitised on entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueLine {
    pub encounter_id: i64,
    pub visit: String,
    pub patient: String,
    pub kind: String,
    pub service: String,
    pub discharged: String,
    /// Where coding stands (`coding_status`): not a column on screen (the note shows it when
    /// no one holds the claim) but the Status column of the list export (`Screen::export`).
    pub status: String,
    /// Claimed by (queue) or the hold reasons (held list).
    pub note: String,
    pub key: CodingKey,
}

fn line_of(r: CodingRow, list: CodingList) -> QueueLine {
    // The last column: who holds the claim (else where coding stands), or why it is held.
    let note = match list {
        CodingList::Queue => match r.claimed_by {
            Some(u) => format!("claimed: {u}"),
            None if r.coding_status == "in_progress" => "in progress".into(),
            None => r.coding_status.clone(),
        },
        CodingList::Held => r
            .hold
            .iter()
            .map(|h| format!("{} ({}, #{})", h.kind, h.rule, h.id))
            .collect::<Vec<_>>()
            .join(", "),
    };
    QueueLine {
        encounter_id: r.encounter_id,
        visit: sanitize_line(&r.visit_number).into_owned(),
        patient: sanitize_line(&r.patient).into_owned(),
        kind: r.kind,
        service: sanitize_line(&r.service).into_owned(),
        discharged: r.discharge_at.chars().take(10).collect(),
        status: r.coding_status,
        note: sanitize_line(&note).into_owned(),
        key: r.key,
    }
}

#[derive(Clone, Debug)]
pub struct CodingQueueState {
    pub list: CodingList,
    pub rows: Vec<QueueLine>,
    pub selected: usize,
    /// Start keys of the pages before this one (the first page starts at `None`).
    pub pages: Vec<Option<CodingKey>>,
    /// Start key of this page.
    pub start: Option<CodingKey>,
    /// Where the next page starts, when there is one.
    pub next: Option<CodingKey>,
    pub limit: usize,
    /// Encounter type filter (`None`: all types).
    pub kind: Option<&'static str>,
    /// Service filter (`None`: all services), taken from the selected row.
    pub service: Option<String>,
    /// The coding desk's open re-review flags (a document after coding): the third list
    /// (`t`), and the `R` mark on a row.
    pub flags: RereviewList,
}

/// The type filter's cycle: all, then each encounter type.
pub const KINDS: [Option<&str>; 5] = [
    None,
    Some("inpatient"),
    Some("outpatient"),
    Some("emergency"),
    Some("observation"),
];

impl CodingQueueState {
    pub fn new() -> CodingQueueState {
        CodingQueueState {
            list: CodingList::Queue,
            rows: Vec::new(),
            selected: 0,
            pages: Vec::new(),
            start: None,
            next: None,
            limit: 20,
            kind: None,
            service: None,
            flags: RereviewList::default(),
        }
    }

    pub fn has_prev(&self) -> bool {
        !self.pages.is_empty()
    }

    pub fn selected_row(&self) -> Option<&QueueLine> {
        self.rows.get(self.selected)
    }

    /// A row or flag is selected in the list shown (the guards' `selected`).
    pub fn has_selection(&self) -> bool {
        if self.flags.on {
            self.flags.selected_flag().is_some()
        } else {
            self.selected_row().is_some()
        }
    }

    /// Read the current page again.
    pub fn reload(&mut self, ctx: &Ctx) -> Effect {
        self.limit = ctx.page_rows.clamp(1, 200);
        Effect::Coding(CodingAction::LoadQueue {
            list: self.list,
            kind: self.kind.map(str::to_string),
            service: self.service.clone(),
            after: self.start.clone(),
            limit: self.limit,
        })
    }
}

impl Default for CodingQueueState {
    fn default() -> Self {
        Self::new()
    }
}

pub fn update(s: &mut CodingQueueState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    let last = s.rows.len().saturating_sub(1);
    // The re-review list (third tab): movement, Enter and R act on its flags.
    if s.flags.on
        && let Msg::Command(c) = &msg
    {
        if s.flags.movement(*c) {
            return Effect::None;
        }
        match c {
            C::CodeEncounter => {
                return match s.flags.selected_flag() {
                    Some(f) => Effect::Coding(CodingAction::Open {
                        encounter_id: f.encounter_id,
                    }),
                    None => Effect::None,
                };
            }
            C::ClearRereview => return RereviewList::clear(s.flags.selected_flag()),
            _ => {}
        }
    }
    match msg {
        Msg::RereviewFlags(rows) => s.flags.set(rows),
        Msg::Command(C::ClearRereview) => {
            let flag = s
                .selected_row()
                .and_then(|r| s.flags.on_encounter(r.encounter_id));
            return RereviewList::clear(flag);
        }
        Msg::CodingPage(mut rows) => {
            s.next = (rows.len() > s.limit).then(|| rows[s.limit - 1].key.clone());
            rows.truncate(s.limit);
            s.rows = rows.into_iter().map(|r| line_of(r, s.list)).collect();
            s.selected = s.selected.min(s.rows.len().saturating_sub(1));
        }
        // Back to the screen this was opened from (Home, or the dashboard tile).
        Msg::Command(C::Back) => return Effect::Back,
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::ToggleQueueTab) => {
            // Ready → held → re-review → ready.
            match (s.flags.on, s.list) {
                (false, CodingList::Queue) => s.list = CodingList::Held,
                (false, CodingList::Held) => {
                    s.flags.on = true;
                    s.flags.selected = 0;
                    return s.reload(ctx);
                }
                (true, _) => {
                    s.flags.on = false;
                    s.list = CodingList::Queue;
                }
            }
            s.pages.clear();
            s.start = None;
            s.selected = 0;
            return s.reload(ctx);
        }
        Msg::Command(C::CycleCodingType) => {
            let i = KINDS.iter().position(|k| *k == s.kind).unwrap_or(0);
            s.kind = KINDS[(i + 1) % KINDS.len()];
            s.pages.clear();
            s.start = None;
            s.selected = 0;
            return s.reload(ctx);
        }
        Msg::Command(C::FilterCodingService) => {
            // The selected encounter's service; again: every service.
            s.service = match (&s.service, s.selected_row()) {
                (Some(_), _) => None,
                (None, Some(r)) => Some(r.service.clone()),
                (None, None) => return Effect::None,
            };
            s.pages.clear();
            s.start = None;
            s.selected = 0;
            return s.reload(ctx);
        }
        Msg::Command(C::NextPage) => {
            if let Some(n) = s.next.take() {
                s.pages.push(s.start.take());
                s.start = Some(n);
                s.selected = 0;
                return s.reload(ctx);
            }
        }
        Msg::Command(C::PrevPage) => {
            if let Some(p) = s.pages.pop() {
                s.start = p;
                s.selected = 0;
                return s.reload(ctx);
            }
        }
        Msg::Command(C::OpenQueries) => return Effect::Goto(ScreenId::Queries),
        Msg::Command(C::CodeEncounter) => {
            if let Some(r) = s.selected_row() {
                return Effect::Coding(CodingAction::Open {
                    encounter_id: r.encounter_id,
                });
            }
        }
        _ => {}
    }
    Effect::None
}

impl ratatui::widgets::Widget for &CodingQueueState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if self.flags.on {
            // The selected flag named in full on the first line, the list below.
            let [head, list] =
                ratatui::layout::Layout::vertical([Constraint::Length(1), Constraint::Min(3)])
                    .areas(area);
            let text = self
                .flags
                .selected_flag()
                .map(RereviewList::describe)
                .unwrap_or_else(|| "No encounter is flagged for coding re-review.".into());
            ratatui::widgets::Widget::render(
                ratatui::text::Line::from(clip(&text, area.width as usize)).yellow(),
                head,
                buf,
            );
            self.flags.render("Re-review after coding", list, buf);
            return;
        }
        let (title, last) = match self.list {
            CodingList::Queue => (" Ready to code (oldest first) ", "Status"),
            CodingList::Held => (" Held for documentation (COD-20) ", "Held for"),
        };
        let page = self.pages.len() + 1;
        let more = if self.next.is_some() {
            " · more: n"
        } else {
            ""
        };
        let kind = self.kind.unwrap_or("all types");
        let service = match &self.service {
            Some(s) => format!(" · {s} only"),
            None => String::new(),
        };
        let flagged = match self.flags.rows.len() {
            0 => String::new(),
            n => format!(" · re-review {n}"),
        };
        let title = format!("{title}· {kind}{service} · page {page}{more}{flagged} ");
        let rows = self.rows.iter().map(|r| {
            // A flagged encounter: R before the visit, the document named in the note.
            let (visit, note) = match self.flags.on_encounter(r.encounter_id) {
                Some(f) => (
                    format!("R {}", r.visit),
                    format!("re-review: {} ({}) {}", f.document, f.why, r.note),
                ),
                None => (r.visit.clone(), r.note.clone()),
            };
            Row::new(vec![
                visit,
                r.patient.clone(),
                short_kind(&r.kind).to_string(),
                r.service.clone(),
                r.discharged.clone(),
                note,
            ])
        });
        let table = Table::new(
            rows,
            // 80 columns: visit (R + 9), patient, type code, service and date in full; the
            // last column (claim holder or hold reasons) is repeated whole below the table.
            [
                Constraint::Length(11),
                Constraint::Length(18),
                Constraint::Length(4),
                Constraint::Length(15),
                Constraint::Length(10),
                Constraint::Min(12),
            ],
        )
        .header(
            Row::new(vec![
                "Visit",
                "Patient",
                "Type",
                "Service",
                "Discharged",
                last,
            ])
            .bold(),
        )
        .row_highlight_style(Style::new().reversed())
        .block(Block::bordered().title(clip(&title, area.width.saturating_sub(2) as usize)));
        let mut ts =
            TableState::default().with_selected((!self.rows.is_empty()).then_some(self.selected));
        // The selected row's last column in full (hold reasons can be long) on the line under
        // the table, so nothing is cut off at 80 columns.
        let detail = self
            .rows
            .get(self.selected)
            .filter(|r| !r.note.is_empty())
            .map(|r| format!("{}: {}", r.visit, r.note));
        let [list, below] = ratatui::layout::Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(u16::from(detail.is_some()) * 2),
        ])
        .areas(area);
        StatefulWidget::render(table, list, buf, &mut ts);
        if let Some(d) = detail {
            ratatui::widgets::Widget::render(
                ratatui::widgets::Paragraph::new(d).wrap(ratatui::widgets::Wrap { trim: true }),
                below,
                buf,
            );
        }
    }
}

/// The encounter type as the short code HIM staff use (IP, OBS, ED, OP), so the queue's
/// columns fit at 80 columns; anything else is shown as it is.
fn short_kind(kind: &str) -> &str {
    match kind {
        "inpatient" => "IP",
        "observation" => "OBS",
        "emergency" => "ED",
        "outpatient" => "OP",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64) -> CodingRow {
        CodingRow {
            encounter_id: id,
            visit_number: format!("V{id}"),
            mrn: "M".into(),
            patient: "Doe, \u{1b}[31mJane".into(),
            kind: "inpatient".into(),
            service: "Medicine".into(),
            discharge_at: format!("2026-03-0{id}T10:00:00"),
            coding_status: "ready".into(),
            claimed_by: None,
            hold: Vec::new(),
            key: CodingKey {
                discharge_at: format!("2026-03-0{id}T10:00:00"),
                id,
            },
        }
    }

    #[test]
    fn pages_forward_and_back_by_keys() {
        let mut s = CodingQueueState::new();
        let ctx = Ctx {
            page_rows: 2,
            ..Ctx::default()
        };
        assert!(matches!(
            s.reload(&ctx),
            Effect::Coding(CodingAction::LoadQueue { limit: 2, .. })
        ));
        let _ = update(&mut s, Msg::CodingPage(vec![row(1), row(2), row(3)]), &ctx);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].patient, "Doe, Jane", "sanitised on entry");
        let e = update(&mut s, Msg::Command(CommandId::NextPage), &ctx);
        assert_eq!(
            e,
            Effect::Coding(CodingAction::LoadQueue {
                list: CodingList::Queue,
                kind: None,
                service: None,
                after: Some(row(2).key),
                limit: 2
            })
        );
        let e = update(&mut s, Msg::Command(CommandId::PrevPage), &ctx);
        assert_eq!(
            e,
            Effect::Coding(CodingAction::LoadQueue {
                list: CodingList::Queue,
                kind: None,
                service: None,
                after: None,
                limit: 2
            })
        );
        let e = update(&mut s, Msg::Command(CommandId::CycleCodingType), &ctx);
        assert!(
            matches!(&e, Effect::Coding(CodingAction::LoadQueue { kind: Some(k), .. }) if k == "inpatient"),
            "{e:?}"
        );
        let e = update(&mut s, Msg::Command(CommandId::ToggleQueueTab), &ctx);
        assert!(matches!(
            e,
            Effect::Coding(CodingAction::LoadQueue {
                list: CodingList::Held,
                ..
            })
        ));
    }

    #[test]
    fn s_filters_to_the_selected_service_and_again_clears_it() {
        let mut s = CodingQueueState::new();
        let ctx = Ctx {
            page_rows: 5,
            ..Ctx::default()
        };
        let mut surgery = row(2);
        surgery.service = "Surgery".into();
        let _ = update(&mut s, Msg::CodingPage(vec![row(1), surgery]), &ctx);
        let _ = update(&mut s, Msg::Command(CommandId::MoveDown), &ctx);
        let e = update(&mut s, Msg::Command(CommandId::FilterCodingService), &ctx);
        assert_eq!(
            e,
            Effect::Coding(CodingAction::LoadQueue {
                list: CodingList::Queue,
                kind: None,
                service: Some("Surgery".into()),
                after: None,
                limit: 5
            }),
            "the filter starts from the first page"
        );
        assert_eq!(s.service.as_deref(), Some("Surgery"));
        let e = update(&mut s, Msg::Command(CommandId::FilterCodingService), &ctx);
        assert!(
            matches!(
                &e,
                Effect::Coding(CodingAction::LoadQueue { service: None, .. })
            ),
            "{e:?}"
        );
        // With no row there is nothing to filter by.
        let mut empty = CodingQueueState::new();
        assert_eq!(
            update(
                &mut empty,
                Msg::Command(CommandId::FilterCodingService),
                &ctx
            ),
            Effect::None
        );
    }
}
