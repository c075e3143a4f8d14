//! The provider view: one provider's open deficiencies, oldest first (MRN, patient, visit,
//! discharged, deficiency, age in days since assignment, DELINQUENT past
//! `deficiency_delinquent_days`), keyset-paged with `n`/`p`. Each page is one audited
//! `provider_view` query in the core; rows are sanitised on entry.

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::widgets::{Block, Row, StatefulWidget, Table, TableState, Widget};

use crate::deficiency::queue::ProviderItem;
use crate::text::sanitize_line;
use crate::tui::chrome::clip;
use crate::tui::{CommandId, Ctx, DefAction, Effect, Msg};

/// One row as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderLine {
    pub encounter_id: i64,
    pub mrn: String,
    pub patient: String,
    pub visit: String,
    pub discharged: String,
    pub kind: String,
    pub age_days: i64,
    pub delinquent: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderViewState {
    pub provider_id: i64,
    pub name: String,
    pub today: NaiveDate,
    /// `deficiency_delinquent_days`: older items are flagged DELINQUENT.
    pub delinquent_days: i64,
    pub rows: Vec<ProviderLine>,
    pub selected: usize,
    /// Rows per page (asked for `limit + 1`).
    pub limit: usize,
    /// The page start (`after` key) of this page and of each earlier page.
    pub starts: Vec<Option<(String, i64)>>,
    pub current: Option<(String, i64)>,
    /// The key after this page's last row, when a next page exists.
    pub next: Option<(String, i64)>,
    /// The signature deficiencies counted in the bulk-complete confirmation shown.
    pub bulk_count: Option<usize>,
}

impl ProviderViewState {
    pub fn new(provider_id: i64, name: &str, today: NaiveDate, delinquent_days: i64) -> Self {
        ProviderViewState {
            provider_id,
            name: sanitize_line(name).into_owned(),
            today,
            delinquent_days,
            rows: Vec::new(),
            selected: 0,
            limit: 10,
            starts: Vec::new(),
            current: None,
            next: None,
            bulk_count: None,
        }
    }

    /// Ask for the page starting after `after`.
    pub fn load(&mut self, after: Option<(String, i64)>, ctx: &Ctx) -> Effect {
        self.limit = ctx.page_rows.max(1);
        self.current = after.clone();
        Effect::Deficiency(DefAction::LoadProviderPage {
            provider_id: self.provider_id,
            after,
            limit: self.limit,
        })
    }

    pub fn has_prev(&self) -> bool {
        !self.starts.is_empty()
    }

    fn line(&self, (d, mrn, patient, visit, discharged): ProviderItem) -> ProviderLine {
        let age_days = NaiveDate::parse_from_str(d.assigned_at.get(..10).unwrap_or(""), "%Y-%m-%d")
            .map(|a| (self.today - a).num_days())
            .unwrap_or(0);
        ProviderLine {
            encounter_id: d.encounter_id,
            mrn: sanitize_line(&mrn).into_owned(),
            patient: sanitize_line(&patient).into_owned(),
            visit: sanitize_line(&visit).into_owned(),
            discharged: sanitize_line(discharged.get(..10).unwrap_or("")).into_owned(),
            kind: sanitize_line(&d.kind).into_owned(),
            age_days,
            delinquent: age_days > self.delinquent_days,
        }
    }
}

pub fn update(s: &mut ProviderViewState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    let last = s.rows.len().saturating_sub(1);
    match msg {
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::NextPage) => {
            if let Some(k) = s.next.clone() {
                s.starts.push(s.current.clone());
                return s.load(Some(k), ctx);
            }
        }
        Msg::Command(C::PrevPage) => {
            if let Some(start) = s.starts.pop() {
                return s.load(start, ctx);
            }
        }
        Msg::Command(C::Back) => return Effect::Back,
        Msg::Command(C::BulkCompleteSignatures) => {
            if let Some(confirmed) = s.bulk_count.take() {
                return Effect::Deficiency(DefAction::BulkComplete {
                    provider_id: s.provider_id,
                    confirmed,
                });
            }
        }
        Msg::Command(C::ViewChart) => {
            if let Some(r) = s.rows.get(s.selected) {
                return Effect::OpenEncounter {
                    encounter_id: r.encounter_id,
                };
            }
        }
        Msg::ProviderPage(mut items) => {
            s.next = None;
            if items.len() > s.limit {
                items.truncate(s.limit);
                s.next = items.last().map(|(d, ..)| (d.assigned_at.clone(), d.id));
            }
            s.rows = items.into_iter().map(|i| s.line(i)).collect();
            s.selected = 0;
        }
        _ => {}
    }
    Effect::None
}

impl Widget for &ProviderViewState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let page = self.starts.len() + 1;
        let title = format!(
            " {} (#{}) · open deficiencies, oldest first · page {page} ",
            self.name, self.provider_id
        );
        let rows = self.rows.iter().map(|r| {
            let row = Row::new(vec![
                r.mrn.clone(),
                r.patient.clone(),
                r.visit.clone(),
                r.discharged.clone(),
                r.kind.clone(),
                format!("{:>4}", r.age_days),
                if r.delinquent { "DELINQUENT" } else { "" }.to_string(),
            ]);
            if r.delinquent { row.bold() } else { row }
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Min(12),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(4),
                Constraint::Length(10),
            ],
        )
        .header(
            Row::new(vec![
                "MRN",
                "Patient",
                "Visit",
                "Discharged",
                "Deficiency",
                " Age",
                "",
            ])
            .bold(),
        )
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("> ")
        .block(Block::bordered().title(clip(&title, area.width.saturating_sub(2) as usize)));
        let mut ts =
            TableState::default().with_selected((!self.rows.is_empty()).then_some(self.selected));
        StatefulWidget::render(table, area, buf, &mut ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deficiency::ops::DeficiencyRow;

    fn item(id: i64, assigned: &str) -> ProviderItem {
        let d = DeficiencyRow {
            id,
            encounter_id: 1,
            document_id: None,
            kind: "MISS_DS".into(),
            status: "open".into(),
            provider_id: Some(2),
            provider: Some("Wilson, James".into()),
            assigned_at: assigned.into(),
            due_at: String::new(),
            waive_pending: false,
            rule: String::new(),
            note: String::new(),
        };
        (
            d,
            "MRN1".into(),
            "Doe\u{1b}[2J, Jane".into(),
            "V1".into(),
            "2026-10-05T11:30:00".into(),
        )
    }

    #[test]
    fn pages_forward_and_back_and_flags_delinquent_rows() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let mut s = ProviderViewState::new(2, "Wilson, James", today, 30);
        let ctx = Ctx {
            page_rows: 2,
            ..Ctx::default()
        };
        assert_eq!(
            s.load(None, &ctx),
            Effect::Deficiency(DefAction::LoadProviderPage {
                provider_id: 2,
                after: None,
                limit: 2
            })
        );
        let page = vec![
            item(1, "2026-10-01T00:00:00"),
            item(2, "2026-11-20T00:00:00"),
            item(3, "2026-11-21T00:00:00"),
        ];
        let _ = update(&mut s, Msg::ProviderPage(page), &ctx);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].patient, "Doe, Jane", "sanitised on entry");
        assert_eq!((s.rows[0].age_days, s.rows[0].delinquent), (55, true));
        assert_eq!((s.rows[1].age_days, s.rows[1].delinquent), (5, false));
        let next = Some(("2026-11-20T00:00:00".to_string(), 2));
        assert_eq!(s.next, next);
        let e = update(&mut s, Msg::Command(CommandId::NextPage), &ctx);
        assert_eq!(
            e,
            Effect::Deficiency(DefAction::LoadProviderPage {
                provider_id: 2,
                after: next,
                limit: 2
            })
        );
        assert!(s.has_prev());
        let e = update(&mut s, Msg::Command(CommandId::PrevPage), &ctx);
        assert_eq!(
            e,
            Effect::Deficiency(DefAction::LoadProviderPage {
                provider_id: 2,
                after: None,
                limit: 2
            })
        );
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &ctx),
            Effect::Back
        );
    }
}
