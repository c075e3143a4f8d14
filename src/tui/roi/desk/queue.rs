//! The ROI queue as the desk shows it: its rows (soonest due first, overdue flagged), its state,
//! keys and drawing.

use super::*;

/// One queue row as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoiRow {
    pub id: i64,
    pub label: String,
    pub mrn: String,
    pub patient: String,
    pub requester_type: String,
    pub status: String,
    pub due: String,
    pub days_left: i64,
    pub overdue: bool,
}

/// Which form a queue or accounting screen has open: intake, or an accounting-desk step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskForm {
    Intake,
    Step(StepForm),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoiQueueState {
    pub rows: Vec<RoiRow>,
    pub selected: usize,
    /// The open form (modal): intake, a suspension or a manual disclosure. It stays open
    /// until the core call succeeds, so a refused save keeps the draft.
    pub form: Option<(DeskForm, FieldForm)>,
}

impl RoiQueueState {
    pub fn new(rows: Vec<QueueRow>) -> RoiQueueState {
        RoiQueueState {
            rows: rows
                .into_iter()
                .map(|r| RoiRow {
                    id: r.id,
                    label: request_label(r.id),
                    mrn: clean(&r.mrn),
                    patient: clean(&r.patient_name),
                    requester_type: r.requester_type.as_str().to_string(),
                    status: match &r.hold_reason {
                        Some(h) => format!("{} {}", r.status.label(), clean(h)),
                        None => r.status.label().to_string(),
                    },
                    due: r.due.to_string(),
                    days_left: r.days_left,
                    overdue: r.overdue,
                })
                .collect(),
            selected: 0,
            form: None,
        }
    }

    pub fn selected_row(&self) -> Option<&RoiRow> {
        self.rows.get(self.selected)
    }
}

pub fn update_queue(s: &mut RoiQueueState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some((kind, f)), Msg::Key(k)) = (&mut s.form, &msg) {
        let (close, e) = desk_form_key(*kind, f, k, "", None);
        if close {
            s.form = None;
        }
        return e;
    }
    let last = s.rows.len().saturating_sub(1);
    match msg {
        Msg::Command(C::NewRequest) => {
            s.form = Some((DeskForm::Intake, new_request_form(today(ctx))));
        }
        Msg::Command(C::SuspendAccounting) => {
            // The selected request, when it is an agency's (AOD-06).
            let hint = s
                .selected_row()
                .filter(|r| r.requester_type == "OVERSIGHT" || r.requester_type == "LAW_ENF")
                .map(|r| r.label.clone())
                .unwrap_or_default();
            let f = step_form(StepForm::Suspend, "", today(ctx), "", &hint);
            s.form = Some((DeskForm::Step(StepForm::Suspend), f));
        }
        Msg::Command(C::ManualDisclosure) => {
            let f = step_form(StepForm::Disclose, "", today(ctx), "", "");
            s.form = Some((DeskForm::Step(StepForm::Disclose), f));
        }
        Msg::Command(C::OpenAddressBook) => return Effect::Roi(RoiAction::LoadBook),
        Msg::Command(C::OpenAmendments) => return Effect::Roi(RoiAction::LoadAmendments),
        Msg::Command(C::OpenBatches) => return Effect::Roi(RoiAction::Batches),
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::OpenRoiRequest) => {
            if let Some(r) = s.selected_row() {
                return Effect::Roi(RoiAction::Open { id: r.id });
            }
        }
        Msg::Command(C::OpenAccounting) => {
            if let Some(r) = s.selected_row() {
                return Effect::Roi(RoiAction::Accounting { mrn: r.mrn.clone() });
            }
        }
        Msg::Command(C::Back) => return Effect::Back,
        _ => {}
    }
    Effect::None
}

impl Widget for &RoiQueueState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let overdue = self.rows.iter().filter(|r| r.overdue).count();
        let block = Block::bordered().title(format!(
            " ROI queue · {} open · {} overdue · soonest due first ",
            self.rows.len(),
            overdue
        ));
        if self.rows.is_empty() {
            Paragraph::new("No open release-of-information requests (n logs one).")
                .block(block)
                .render(area, buf);
            if let Some((_, f)) = &self.form {
                f.render(area, buf);
            }
            return;
        }
        let rows = self.rows.iter().enumerate().map(|(i, r)| {
            let left = if r.overdue {
                format!("{:>4} OVERDUE", r.days_left)
            } else {
                format!("{:>4}", r.days_left)
            };
            let mut style = Style::default();
            if r.overdue {
                style = style.add_modifier(Modifier::BOLD);
            }
            if i == self.selected {
                style = style.add_modifier(Modifier::REVERSED);
            }
            Row::new(vec![
                r.label.clone(),
                r.mrn.clone(),
                r.patient.clone(),
                r.requester_type.clone(),
                r.status.clone(),
                r.due.clone(),
                left,
            ])
            .style(style)
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Length(11),
                Constraint::Min(8),
                Constraint::Length(11),
                Constraint::Length(22),
                Constraint::Length(10),
                Constraint::Length(12),
            ],
        )
        .header(
            Row::new(vec![
                "Request",
                "MRN",
                "Patient",
                "Type",
                "Status",
                "Due",
                "Days left",
            ])
            .bold(),
        );
        // The selected request in full below the table: narrow terminals cut the patient name
        // and the hold reason in their columns, and nothing may be unreachable at 80x24.
        let inner = block.inner(area);
        block.render(area, buf);
        let detail_h = 3.min(inner.height.saturating_sub(3));
        let table_area = Rect {
            height: inner.height - detail_h,
            ..inner
        };
        table.render(table_area, buf);
        if let Some(r) = self.rows.get(self.selected)
            && detail_h > 0
            && self.form.is_none()
        {
            let detail = Rect {
                y: inner.y + inner.height - detail_h,
                height: detail_h,
                ..inner
            };
            let text = format!(
                "{} · {} ({}) · {} · {} · due {} ({} days left{})",
                r.label,
                r.patient,
                r.mrn,
                r.requester_type,
                r.status,
                r.due,
                r.days_left,
                if r.overdue { ", OVERDUE" } else { "" }
            );
            Paragraph::new(text)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(Block::default().borders(ratatui::widgets::Borders::TOP))
                .render(detail, buf);
        }
        if let Some((_, f)) = &self.form {
            f.render(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_goes_back_to_the_screen_under_the_queue() {
        let mut s = RoiQueueState::new(Vec::new());
        assert_eq!(
            update_queue(&mut s, Msg::Command(CommandId::Back), &Ctx::default()),
            Effect::Back
        );
    }
}
