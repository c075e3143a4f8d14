//! The accounting of disclosures for one patient (45 CFR 164.528) on the ROI desk: the
//! entries and what AOD-02/AOD-06 leave out, the open accounting request with its clock, and
//! the forms of the accounting desk (accounting request, its one extension, suspension,
//! manual disclosure). Text from the database is sanitised when it enters the state.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::roi::disclosure::Accounting;
use crate::tui::chrome::clip;
use crate::tui::roi::desk::{DeskForm, clean, desk_form_key, scroll, text_box, today};
use crate::tui::roi::forms::FieldForm;
use crate::tui::roi::steps::{StepForm, step_form};
use crate::tui::{CommandId, Ctx, Effect, Msg, RoiAction, ScreenId};

/// The accounting of disclosures for one patient, as text lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountingState {
    pub title: String,
    pub lines: Vec<(String, bool)>,
    pub scroll: usize,
    /// Where Back goes.
    pub from: ScreenId,
    pub mrn: String,
    /// The open accounting request: `(id, version read at, extended)`.
    pub aod: Option<(i64, i64, bool)>,
    /// The open form (modal): accounting request, extension, suspension, manual disclosure.
    pub form: Option<(StepForm, FieldForm)>,
    /// The patient's latest OVERSIGHT or LAW_ENF request (`REQ-…`): the suspension form
    /// starts with it (AOD-06).
    pub agency_request: String,
}

impl AccountingState {
    /// `aod_version` is the open accounting request's version, read before `a`.
    pub fn new(a: &Accounting, from: ScreenId, aod_version: Option<i64>) -> AccountingState {
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
                    "Request {} · received {} · due {} · {} days left\n        {} · {} (AOD-05)",
                    r.id,
                    r.received,
                    r.due,
                    r.days_left,
                    r.status,
                    if r.free {
                        "free: first in 12 months".to_string()
                    } else {
                        format!(
                            "fee ${}.{:02} after notice",
                            r.fee_cents / 100,
                            r.fee_cents % 100
                        )
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
                "{:<10} {:<24} {}",
                "Date", "Recipient", "Description / purpose / address"
            ),
            true,
        ));
        for e in &a.entries {
            lines.push((
                format!(
                    "{:<10} {:<24} {}",
                    e.date,
                    clip(&clean(&e.recipient), 24),
                    clip(&clean(&e.description), 42),
                ),
                false,
            ));
            lines.push((
                format!("{:<35} for: {}", "", clip(&clean(&e.purpose), 38)),
                false,
            ));
            if !e.recipient_address.is_empty() {
                lines.push((
                    format!("{:<35} {}", "", clip(&clean(&e.recipient_address), 43)),
                    false,
                ));
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
        // The request line is two lines (`\n`): each one row of the view.
        let lines: Vec<(String, bool)> = lines
            .into_iter()
            .flat_map(|(t, em)| {
                t.split('\n')
                    .map(|x| (x.to_string(), em))
                    .collect::<Vec<_>>()
            })
            .collect();
        AccountingState {
            title: format!(
                " Accounting of disclosures · {} ({}) · 45 CFR 164.528 ",
                clean(&a.patient),
                clean(&a.mrn)
            ),
            lines,
            scroll: 0,
            from,
            mrn: clean(&a.mrn),
            aod: a
                .request
                .as_ref()
                .filter(|r| r.status != "provided")
                .zip(aod_version)
                .map(|(r, v)| (r.id, v, r.status == "extended")),
            form: None,
            agency_request: String::new(),
        }
    }
}

pub fn update_accounting(s: &mut AccountingState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    let aod = s.aod.map(|(id, v, _)| (id, v));
    if let (Some((kind, f)), Msg::Key(k)) = (&mut s.form, &msg) {
        let (close, e) = desk_form_key(DeskForm::Step(*kind), f, k, &s.mrn, aod);
        if close {
            s.form = None;
        }
        return e;
    }
    let mut open = |kind: StepForm| {
        let hint = match kind {
            StepForm::Disclose => s.mrn.clone(),
            StepForm::Suspend => s.agency_request.clone(),
            _ => String::new(),
        };
        s.form = Some((kind, step_form(kind, &s.mrn, today(ctx), &ctx.user, &hint)));
        Effect::None
    };
    match msg {
        Msg::Command(C::LogAodRequest) => open(StepForm::AodLog),
        Msg::Command(C::ExtendAodRequest) => open(StepForm::AodExtend),
        Msg::Command(C::SuspendAccounting) => open(StepForm::Suspend),
        Msg::Command(C::ManualDisclosure) => open(StepForm::Disclose),
        Msg::Command(C::ProvideAccounting) => match aod {
            Some((id, version)) => Effect::Roi(RoiAction::AodProvide {
                mrn: s.mrn.clone(),
                id,
                version,
            }),
            None => Effect::None,
        },
        Msg::Command(C::Back) => Effect::Goto(s.from),
        m => {
            scroll(&mut s.scroll, s.lines.len(), &m, ctx.page_rows);
            Effect::None
        }
    }
}

impl Widget for &AccountingState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        text_box(&self.lines, self.scroll, &self.title, area, buf);
        if let Some((_, f)) = &self.form {
            f.render(area, buf);
        }
    }
}
