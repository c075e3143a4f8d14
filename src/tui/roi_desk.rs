//! The release-of-information desk: the ROI queue (soonest due first, overdue flagged), one
//! request (authorization elements, validation problems with reason code and rule, documents
//! released or withheld, history) with its actions, and the accounting of disclosures.
//! Text from the database is sanitised when it enters these states; views only read.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

use super::chrome::clip;
use super::roi_auth_form::{AuthForm, FormResult};
use super::roi_forms::{
    FieldForm, FormKey, item_form, item_from, new_request_form, new_request_from,
};
use super::{CommandId, Ctx, Effect, Msg, RoiAction, ScreenId};
use crate::roi::Authorization;
use crate::roi::disclosure::Accounting;
use crate::roi::lifecycle::Status;
use crate::roi::request::{Detail, QueueRow, request_label};
use crate::text::sanitize_line;

fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoiQueueState {
    pub rows: Vec<RoiRow>,
    pub selected: usize,
    /// The open new-request form (modal).
    pub form: Option<FieldForm>,
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
    if let (Some(f), Msg::Key(k)) = (&mut s.form, &msg) {
        match f.key(k) {
            FormKey::Pending => {}
            FormKey::Close => s.form = None,
            FormKey::Save => match new_request_from(f) {
                Ok(new) => {
                    s.form = None;
                    return Effect::Roi(RoiAction::Log { new: Box::new(new) });
                }
                Err(e) => f.error = Some(e),
            },
        }
        return Effect::None;
    }
    let last = s.rows.len().saturating_sub(1);
    match msg {
        Msg::Command(C::NewRequest) => {
            let today = crate::clock::facility_date(ctx.now);
            s.form = Some(new_request_form(today));
        }
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
        Msg::Command(C::Back) => return Effect::Goto(ScreenId::Home),
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
            if let Some(f) = &self.form {
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
        )
        .block(block);
        table.render(area, buf);
        if let Some(f) = &self.form {
            f.render(area, buf);
        }
    }
}

/// One request, as text lines (built once from the audited detail read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoiRequestState {
    pub id: i64,
    pub mrn: String,
    pub status: Status,
    pub title: String,
    /// (text, emphasised)
    pub lines: Vec<(String, bool)>,
    pub scroll: usize,
    /// The authorization on file (loaded into the form).
    pub auth: Option<Authorization>,
    /// The open authorization form (modal).
    pub form: Option<AuthForm>,
    /// The open document-selection form (modal).
    pub item_form: Option<FieldForm>,
}

fn mark(present: bool) -> &'static str {
    if present { "[x]" } else { "[ ]" }
}

impl RoiRequestState {
    pub fn new(d: &Detail) -> RoiRequestState {
        let r = &d.request;
        let mut lines: Vec<(String, bool)> = Vec::new();
        let mut push = |s: String, em: bool| lines.push((s, em));
        push(
            format!(
                "Requester  {} · {} · {}",
                r.requester_type,
                clean(&r.requester_name),
                clean(&r.requester_address)
            ),
            false,
        );
        push(format!("Purpose    {}", clean(&r.purpose)), false);
        push(
            format!(
                "Clock      received {} · due {} · {} days left{}{}",
                r.received,
                d.clock.due,
                d.clock.days_left,
                if d.clock.paused_days > 0 {
                    format!(" · paused {} days", d.clock.paused_days)
                } else {
                    String::new()
                },
                if d.clock.overdue && r.status.is_open() {
                    " · OVERDUE"
                } else {
                    ""
                }
            ),
            d.clock.overdue && r.status.is_open(),
        );
        if let Some(e) = &r.extension {
            push(
                format!(
                    "Extension  {} days · notice {} · {}",
                    e.days,
                    e.notice_sent,
                    clean(&e.reason)
                ),
                false,
            );
        }
        push(
            format!(
                "Verified   {}",
                match (&r.verification_method, &r.verified_by) {
                    (Some(m), Some(b)) => format!("{} by {}", clean(m), clean(b)),
                    _ => "not yet (ROI-07, 45 CFR 164.514(h))".into(),
                }
            ),
            false,
        );
        let v = &d.selection.validation;
        push(
            format!(
                "Basis      {} · minimum necessary: {} · accountable: {}",
                v.basis,
                v.minimum_necessary.as_str(),
                if v.accountable { "yes" } else { "no" }
            ),
            false,
        );
        push(String::new(), false);
        match &r.authorization {
            None if v.needs_authorization => {
                push("Authorization: none on file (needed)".into(), true)
            }
            None => push("Authorization: not needed for this requester".into(), false),
            Some(a) => {
                let has = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
                push(
                    format!(
                        "Authorization {} (45 CFR 164.508(c))",
                        clean(a.id.as_deref().unwrap_or("(no id)"))
                    ),
                    true,
                );
                push(
                    format!(
                        " {} description  {} discloser  {} recipient  {} purpose  {} expiration",
                        mark(has(&a.description)),
                        mark(has(&a.discloser)),
                        mark(has(&a.recipient)),
                        mark(has(&a.purpose)),
                        mark(a.expiration_date.is_some() || has(&a.expiration_event))
                    ),
                    false,
                );
                push(
                    format!(
                        " {} signature  {} date  {} revocation  {} conditioning  {} redisclosure",
                        mark(has(&a.signature)),
                        mark(a.signed_date.is_some()),
                        mark(a.revocation_statement),
                        mark(a.conditioning_statement),
                        mark(a.redisclosure_statement)
                    ),
                    false,
                );
                let named: Vec<&str> = a
                    .sensitive_categories_named
                    .iter()
                    .map(|c| c.as_str())
                    .collect();
                push(
                    format!(
                        " names: {}{}{}",
                        if named.is_empty() {
                            "no sensitive category".to_string()
                        } else {
                            named.join(", ")
                        },
                        if a.revoked_at.is_some() {
                            " · REVOKED"
                        } else {
                            ""
                        },
                        if a.part2.is_some() {
                            " · 42 CFR 2.31 consent"
                        } else {
                            ""
                        }
                    ),
                    false,
                );
            }
        }
        if v.problems.is_empty() {
            push("Validation: valid".into(), false);
        } else {
            push(format!("Validation: {} problem(s)", v.problems.len()), true);
            for p in &v.problems {
                push(
                    format!(" {:<34} {:<26} {}", p.code, p.rule, clean(&p.message)),
                    false,
                );
            }
        }
        push(String::new(), false);
        push(
            "Documents (minimum necessary: requested range and types)".into(),
            true,
        );
        for i in &d.selection.items {
            let why = d.selection.withheld_reason(i);
            push(
                format!(
                    " {:>6} {:<9} {} {:<28} {}",
                    i.document_id,
                    clean(&i.doc_type),
                    i.service_at.get(..10).unwrap_or(&i.service_at),
                    clip(&clean(&i.title), 28),
                    match why {
                        Some(w) => format!("WITHHELD: {}", clean(&w)),
                        None => "release".into(),
                    }
                ),
                false,
            );
        }
        push(String::new(), false);
        push("History".into(), true);
        for h in &d.history {
            push(
                format!(
                    " {} {} -> {}{} · {}",
                    h.at.get(..16).unwrap_or(&h.at),
                    h.from.as_deref().unwrap_or("-"),
                    h.to,
                    h.reason
                        .as_deref()
                        .map(|x| format!(" ({})", clean(x)))
                        .unwrap_or_default(),
                    clean(&h.user)
                ),
                false,
            );
        }
        RoiRequestState {
            id: r.id,
            mrn: clean(&r.mrn),
            status: r.status,
            title: format!(
                " {} · {} · {} ({}) ",
                request_label(r.id),
                match &r.hold_reason {
                    Some(h) => format!("{} {}", r.status.label(), clean(h)),
                    None => r.status.label().to_string(),
                },
                clean(&r.patient_name),
                clean(&r.mrn)
            ),
            lines,
            scroll: 0,
            auth: r.authorization.clone(),
            form: None,
            item_form: None,
        }
    }
}

fn scroll(pos: &mut usize, len: usize, msg: &Msg, page: usize) {
    use CommandId as C;
    let max = len.saturating_sub(1);
    match msg {
        Msg::Command(C::MoveUp) => *pos = pos.saturating_sub(1),
        Msg::Command(C::MoveDown) => *pos = (*pos + 1).min(max),
        Msg::Command(C::PageUp) => *pos = pos.saturating_sub(page),
        Msg::Command(C::PageDown) => *pos = (*pos + page).min(max),
        Msg::Command(C::GoTop) => *pos = 0,
        Msg::Command(C::GoBottom) => *pos = max,
        _ => {}
    }
}

pub fn update_request(s: &mut RoiRequestState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    let id = s.id;
    if let (Some(f), Msg::Key(k)) = (&mut s.form, &msg) {
        match f.key(k) {
            FormResult::Pending => {}
            FormResult::Close => s.form = None,
            FormResult::Save(auth) => {
                s.form = None;
                return Effect::Roi(RoiAction::SaveAuthorization { id, auth });
            }
        }
        return Effect::None;
    }
    if let (Some(f), Msg::Key(k)) = (&mut s.item_form, &msg) {
        match f.key(k) {
            FormKey::Pending => {}
            FormKey::Close => s.item_form = None,
            FormKey::Save => match item_from(f) {
                Ok((document, include, note)) => {
                    s.item_form = None;
                    return Effect::Roi(RoiAction::SetItem {
                        id,
                        document,
                        include,
                        note,
                    });
                }
                Err(e) => f.error = Some(e),
            },
        }
        return Effect::None;
    }
    match msg {
        Msg::Command(C::SelectDocument) => {
            s.item_form = Some(item_form());
            Effect::None
        }
        Msg::Command(C::EditAuthorization) => {
            s.form = Some(AuthForm::new(s.auth.as_ref()));
            Effect::None
        }
        Msg::Command(C::ValidateRequest) => Effect::Roi(RoiAction::Validate { id }),
        Msg::Command(C::SubmitForQa) => Effect::Roi(RoiAction::Submit { id }),
        Msg::Command(C::QaPass) => Effect::Roi(RoiAction::QaPass { id }),
        Msg::Command(C::ReleaseRequest) => Effect::Roi(RoiAction::Release { id }),
        Msg::Command(C::OpenAccounting) => {
            Effect::Roi(RoiAction::Accounting { mrn: s.mrn.clone() })
        }
        Msg::Command(C::Back) => Effect::Goto(ScreenId::RoiQueue),
        m => {
            scroll(&mut s.scroll, s.lines.len(), &m, ctx.page_rows);
            Effect::None
        }
    }
}

impl Widget for &RoiRequestState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        text_box(&self.lines, self.scroll, &self.title, area, buf);
        if let Some(f) = &self.form {
            f.render(area, buf);
        }
        if let Some(f) = &self.item_form {
            f.render(area, buf);
        }
    }
}

/// The accounting of disclosures for one patient, as text lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountingState {
    pub title: String,
    pub lines: Vec<(String, bool)>,
    pub scroll: usize,
    /// Where Back goes.
    pub from: ScreenId,
}

impl AccountingState {
    pub fn new(a: &Accounting, from: ScreenId) -> AccountingState {
        let mut lines: Vec<(String, bool)> = Vec::new();
        lines.push((
            format!(
                "Period {} to {} (six years back, AOD-01) · as of {}",
                a.window_from, a.window_to, a.as_of
            ),
            false,
        ));
        lines.push((
            match &a.request {
                Some(r) => format!(
                    "Request {} received {} · due {} ({} days left, AOD-05) · {} · {}",
                    r.id,
                    r.received,
                    r.due,
                    r.days_left,
                    r.status,
                    if r.free {
                        "free: first in 12 months".to_string()
                    } else {
                        format!("fee ${}.{:02}", r.fee_cents / 100, r.fee_cents % 100)
                    }
                ),
                None => "No accounting request logged: the 60-day clock starts at receipt (AOD-05)"
                    .into(),
            },
            false,
        ));
        lines.push((String::new(), false));
        lines.push((
            format!(
                "{:<10} {:<24} {:<34} {}",
                "Date", "Recipient", "Description", "Purpose"
            ),
            true,
        ));
        for e in &a.entries {
            lines.push((
                format!(
                    "{:<10} {:<24} {:<34} {}",
                    e.date,
                    clip(&clean(&e.recipient), 24),
                    clip(&clean(&e.description), 34),
                    clean(&e.purpose)
                ),
                false,
            ));
            if !e.recipient_address.is_empty() {
                lines.push((format!("{:<10} {}", "", clean(&e.recipient_address)), false));
            }
        }
        if a.entries.is_empty() {
            lines.push(("(no disclosures that must be accounted for)".into(), false));
        }
        lines.push((String::new(), false));
        lines.push((
            format!(
                "Left out ({}): AOD-02 exclusions and AOD-06 suspensions",
                a.excluded.len()
            ),
            true,
        ));
        for e in &a.excluded {
            lines.push((
                format!(
                    "{:<10} {:<24} {} · {}",
                    e.date,
                    clip(&clean(&e.recipient), 24),
                    e.excluded.as_deref().unwrap_or(""),
                    e.excluded_rule.as_deref().unwrap_or("")
                ),
                false,
            ));
        }
        AccountingState {
            title: format!(
                " Accounting of disclosures · {} ({}) · 45 CFR 164.528 ",
                clean(&a.patient),
                clean(&a.mrn)
            ),
            lines,
            scroll: 0,
            from,
        }
    }
}

pub fn update_accounting(s: &mut AccountingState, msg: Msg, ctx: &Ctx) -> Effect {
    match msg {
        Msg::Command(CommandId::Back) => Effect::Goto(s.from),
        m => {
            scroll(&mut s.scroll, s.lines.len(), &m, ctx.page_rows);
            Effect::None
        }
    }
}

impl Widget for &AccountingState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        text_box(&self.lines, self.scroll, &self.title, area, buf);
    }
}

/// Scrolled lines (bold where marked) in a bordered box: the request and accounting views.
fn text_box(lines: &[(String, bool)], scroll: usize, title: &str, area: Rect, buf: &mut Buffer) {
    let w = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .map(|(t, em)| {
            let l = Line::from(clip(t, w));
            if *em { l.bold() } else { l }
        })
        .collect();
    Paragraph::new(lines)
        .block(Block::bordered().title(title.to_string()))
        .render(area, buf);
}
