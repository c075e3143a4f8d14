//! The release-of-information desk: the ROI queue (soonest due first, overdue flagged), one
//! request (authorization elements, validation problems with reason code and rule, documents
//! released or withheld, fee estimate, history) with a key for every lifecycle step. The
//! accounting of disclosures is in [`crate::tui::roi::accounting`].
//! Text from the database is sanitised when it enters these states; views only read.
//!
//! Every form stays open until the runtime reports its core call done (the runtime rebuilds
//! the state from a fresh read); a refused save (stale version, invalid input) keeps the
//! user's draft with the reason on the form. Each state remembers the version it was read at.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

use crate::roi::Authorization;
use crate::roi::estimate::Estimate;
use crate::roi::lifecycle::{DENY_REASONS, Status};
use crate::roi::request::{Detail, QueueRow, request_label};
use crate::text::sanitize_line;
use crate::tui::chrome::clip;
use crate::tui::roi::auth_form::{AuthForm, FormResult};
use crate::tui::roi::forms::{FieldForm, FormKey, doc_type_names};
use crate::tui::roi::guards::RoiFacts;
use crate::tui::roi::intake::{
    DocRow, Intake, documents_form, documents_from, new_request_form, new_request_from,
};
use crate::tui::roi::steps::{StepForm, accounting_from, step_form, step_from};
use crate::tui::{CommandId, Ctx, Effect, Msg, RoiAction, RoiStep};

pub(super) fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

pub(super) fn today(ctx: &Ctx) -> chrono::NaiveDate {
    crate::clock::facility_date(ctx.now)
}

/// A key for an open desk form: the save becomes its core call (the form stays open until
/// the runtime reports success), a picker's lookup goes to the runtime.
pub(super) fn desk_form_key(
    kind: DeskForm,
    f: &mut FieldForm,
    k: &crossterm::event::KeyEvent,
    mrn: &str,
    aod: Option<(i64, i64)>,
) -> (bool, Effect) {
    match f.key(k) {
        FormKey::Pending => (false, Effect::None),
        FormKey::Close => (true, Effect::None),
        FormKey::Lookup { source, query } => {
            (false, Effect::Roi(RoiAction::Lookup { source, query }))
        }
        FormKey::Save => {
            let action = match kind {
                DeskForm::Intake => new_request_from(f).map(
                    |Intake {
                         new,
                         save_requester,
                     }| RoiAction::Log {
                        new: Box::new(new),
                        save_requester: save_requester.map(Box::new),
                    },
                ),
                DeskForm::Step(step) => accounting_from(step, f, mrn, aod),
            };
            match action {
                Ok(a) => (false, Effect::Roi(a)),
                Err(e) => {
                    f.error = Some(e);
                    (false, Effect::None)
                }
            }
        }
    }
}

mod queue;
pub use queue::{DeskForm, RoiQueueState, update_queue};

/// What the runtime reads beside the audited detail of a request (bare reads, no PHI).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestExtra {
    /// The version the detail was read at (read first: a write in between makes it older,
    /// never newer, so a stale save is refused rather than let through).
    pub version: i64,
    pub facility: String,
    /// The fee estimate of the current selection (ROI-04), or why there is none.
    pub estimate: Option<Result<Estimate, String>>,
    /// How the requester was verified before, from the address book (ROI-07).
    pub verified_before: Option<String>,
    /// `roi_qa_required` is off.
    pub qa_optional: bool,
}

/// One request, as text lines (built once from the audited detail read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoiRequestState {
    pub id: i64,
    /// The version the request was read at; every write carries it.
    pub version: i64,
    pub mrn: String,
    pub status: Status,
    pub title: String,
    /// (text, emphasised)
    pub lines: Vec<(String, bool)>,
    pub scroll: usize,
    /// The authorization on file, else one prefilled from the request (loaded into the form).
    pub auth: Authorization,
    /// The open authorization form (modal).
    pub form: Option<AuthForm>,
    /// The open step form (modal): verification, denial, hold, extension, …
    pub step: Option<(StepForm, FieldForm)>,
    /// The open document picker (modal) and the documents it lists.
    pub docs: Option<FieldForm>,
    pub items: Vec<DocRow>,
    pub facts: RoiFacts,
    pub verified_before: String,
    /// Lines of a refusal shown above the request ([`RoiRequestState::notice`]).
    pub notice_lines: usize,
    /// The hold the request is on (`u` takes the step that lifts it).
    pub hold: Option<String>,
    /// The scope on file (prefills the scope form).
    pub scope: crate::roi::request::Scope,
    /// What a payment is recorded against, e.g. `estimate $12.50, paid $0.00`.
    pub pay_against: String,
    /// The incomplete documents selected and not acknowledged (ids).
    pub incomplete_docs: String,
    /// The first document with a reviewable denial not reviewed yet.
    pub doc_to_review: Option<i64>,
    /// The request is from an oversight agency or law enforcement (AOD-06).
    pub agency: bool,
    /// Opened from the batch screen (a patient of a multi-patient request): Back returns there
    /// instead of to the queue. Set by the runtime, kept while the same request is reopened.
    pub from_batches: bool,
}

/// The authorization form prefilled from the request: what is asked for, by whom, for what
/// (164.508(c)(1)(i)-(iv)); the signer's parts stay empty.
pub fn prefilled_authorization(d: &Detail, facility: &str) -> Authorization {
    let r = &d.request;
    let types = r.scope.document_types.join(", ");
    let what = if types.is_empty() {
        "the complete medical record".to_string()
    } else {
        doc_type_names(&types)
    };
    let dates = match (r.scope.from, r.scope.to) {
        (Some(f), Some(t)) => format!(" from {f} to {t}"),
        (Some(f), None) => format!(" from {f}"),
        (None, Some(t)) => format!(" through {t}"),
        (None, None) => String::new(),
    };
    let recipient = if r.requester_address.trim().is_empty() {
        clean(&r.requester_name)
    } else {
        format!(
            "{}, {}",
            clean(&r.requester_name),
            clean(&r.requester_address)
        )
    };
    Authorization {
        description: Some(format!("{what}{dates}")),
        records_from: r.scope.from,
        records_to: r.scope.to,
        document_types: r.scope.document_types.clone(),
        discloser: (!facility.trim().is_empty()).then(|| clean(facility)),
        recipient: Some(recipient),
        purpose: (!r.purpose.trim().is_empty()).then(|| clean(&r.purpose)),
        ..Authorization::default()
    }
}

/// What lifts a hold, as the core states it ([`crate::roi::request::hold_hint`]), with the
/// desk's key in place of the CLI command.
pub fn hold_lift_text(code: &str, hint: &str) -> String {
    let prose = hint
        .split('`')
        .next()
        .unwrap_or(hint)
        .trim_end()
        .trim_end_matches(", then")
        .trim_end_matches(':')
        .trim_end();
    let key = match code {
        "HOLD_FEE_UNPAID" => "u or $ records the payment (E records the estimate)",
        "HOLD_IDENTITY" => "u or i records the verification",
        "HOLD_CLARIFY_SCOPE" => "u or o records the scope",
        "HOLD_RECORD_INCOMPLETE" => "x leaves out, A acknowledges, then u lifts",
        _ => "e corrects it, u or v validates again",
    };
    format!("{} · {key}", clean(prose))
}

mod request_text;
/// The scope form prefilled with the scope on file.
fn scope_form(
    label: &str,
    scope: &crate::roi::request::Scope,
    ctx: &Ctx,
) -> Option<(StepForm, FieldForm)> {
    let mut f = step_form(StepForm::Scope, label, today(ctx), &ctx.user, "");
    f.set(
        "from",
        scope.from.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.set("to", scope.to.map(|d| d.to_string()).unwrap_or_default());
    f.set("types", scope.document_types.join(","));
    f.set("encounters", scope.encounters.join(", "));
    f.focus("note");
    Some((StepForm::Scope, f))
}

pub(super) fn scroll(pos: &mut usize, len: usize, msg: &Msg, page: usize) {
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
    let (id, version) = (s.id, s.version);
    let label = request_label(id);
    // Forms stay open until the runtime reports the core call done (it rebuilds the state);
    // a refused save (stale, invalid) keeps the user's draft.
    if let (Some(f), Msg::Key(k)) = (&mut s.form, &msg) {
        match f.key(k) {
            FormResult::Pending => {}
            FormResult::Close => s.form = None,
            FormResult::Lookup { source, query } => {
                return Effect::Roi(RoiAction::Lookup { source, query });
            }
            FormResult::Save(auth) => {
                return Effect::Roi(RoiAction::SaveAuthorization { id, version, auth });
            }
        }
        return Effect::None;
    }
    if let (Some((step, f)), Msg::Key(k)) = (&mut s.step, &msg) {
        match f.key(k) {
            FormKey::Pending => {}
            FormKey::Close => s.step = None,
            FormKey::Lookup { source, query } => {
                return Effect::Roi(RoiAction::Lookup { source, query });
            }
            // The suspension is the agency's (AOD-06), not a step of this request's lifecycle.
            FormKey::Save if *step == StepForm::Suspend => {
                match accounting_from(StepForm::Suspend, f, &s.mrn, None) {
                    Ok(a) => return Effect::Roi(a),
                    Err(e) => f.error = Some(e),
                }
            }
            FormKey::Save => match step_from(*step, f) {
                Ok(step) => return Effect::Roi(RoiAction::Step { id, version, step }),
                Err(e) => f.error = Some(e),
            },
        }
        return Effect::None;
    }
    if let (Some(f), Msg::Key(k)) = (&mut s.docs, &msg) {
        match f.key(k) {
            FormKey::Pending | FormKey::Lookup { .. } => {}
            FormKey::Close => s.docs = None,
            FormKey::Save => match documents_from(f, &s.items) {
                Ok((changes, note)) => {
                    return Effect::Roi(RoiAction::SetItems {
                        id,
                        version,
                        changes,
                        note,
                    });
                }
                Err(e) => f.error = Some(e),
            },
        }
        return Effect::None;
    }
    let user = ctx.user.as_str();
    let open =
        |kind: StepForm, hint: &str| Some((kind, step_form(kind, &label, today(ctx), user, hint)));
    let step = |step: RoiStep| Effect::Roi(RoiAction::Step { id, version, step });
    match msg {
        Msg::Command(C::SelectDocument) => {
            s.docs = Some(documents_form(&label, &s.items));
            Effect::None
        }
        Msg::Command(C::EditAuthorization) => {
            s.form = Some(AuthForm::new(Some(&s.auth)));
            Effect::None
        }
        Msg::Command(C::VerifyIdentity) => {
            s.step = open(StepForm::Verify, &s.verified_before);
            Effect::None
        }
        Msg::Command(C::DenyRequest) => {
            s.step = open(StepForm::Deny, "");
            Effect::None
        }
        Msg::Command(C::ReviewDenial) => {
            let doc = s.doc_to_review.map(|d| d.to_string()).unwrap_or_default();
            s.step = open(StepForm::Review, &doc);
            Effect::None
        }
        Msg::Command(C::PlaceHold) => {
            s.step = open(StepForm::Hold, "");
            Effect::None
        }
        Msg::Command(C::ExtendRequest) => {
            s.step = open(StepForm::Extend, "");
            Effect::None
        }
        Msg::Command(C::QaFail) => {
            s.step = open(StepForm::QaFail, "");
            Effect::None
        }
        Msg::Command(C::CancelRequest) => {
            s.step = open(StepForm::Cancel, "");
            Effect::None
        }
        Msg::Command(C::DenyDocuments) => {
            s.step = open(StepForm::DenyDocuments, "");
            Effect::None
        }
        Msg::Command(C::RefuseRequest) => {
            s.step = open(StepForm::Refuse, "");
            Effect::None
        }
        Msg::Command(C::RecordRevocation) => {
            s.step = open(StepForm::Revoke, "");
            Effect::None
        }
        Msg::Command(C::AcknowledgeIncomplete) => {
            s.step = open(StepForm::Acknowledge, &s.incomplete_docs);
            Effect::None
        }
        Msg::Command(C::SetScope) => {
            s.step = scope_form(&label, &s.scope, ctx);
            Effect::None
        }
        Msg::Command(C::RecordPayment) => {
            s.step = open(StepForm::Pay, &s.pay_against);
            Effect::None
        }
        Msg::Command(C::RecordEstimate) => step(RoiStep::Estimate),
        Msg::Command(C::SuspendAccounting) => {
            let mut f = step_form(StepForm::Suspend, &label, today(ctx), user, &label);
            f.focus("start");
            s.step = Some((StepForm::Suspend, f));
            Effect::None
        }
        Msg::Command(C::ValidateRequest) => Effect::Roi(RoiAction::Validate { id, version }),
        // Each manual hold is lifted by the step that meets its condition (DOMAIN 4.5).
        Msg::Command(C::ReleaseHold) => match s.hold.as_deref() {
            Some("HOLD_FEE_UNPAID") => {
                if s.facts.payable {
                    s.step = open(StepForm::Pay, &s.pay_against);
                    Effect::None
                } else {
                    s.notice(&format!(
                        "{label} is on hold HOLD_FEE_UNPAID: record the fee estimate first (E), then the payment ($)"
                    ));
                    Effect::None
                }
            }
            Some("HOLD_IDENTITY") => {
                s.step = open(StepForm::Verify, &s.verified_before);
                Effect::None
            }
            Some("HOLD_CLARIFY_SCOPE") => {
                s.step = scope_form(&label, &s.scope, ctx);
                Effect::None
            }
            Some("HOLD_RECORD_INCOMPLETE") => step(RoiStep::ReleaseHold),
            _ => Effect::Roi(RoiAction::Validate { id, version }),
        },
        Msg::Command(C::SubmitForQa) => step(RoiStep::Submit),
        Msg::Command(C::QaPass) => step(RoiStep::QaPass),
        Msg::Command(C::CloseRequest) => step(RoiStep::Close),
        Msg::Command(C::ReleaseRequest) => Effect::Roi(RoiAction::Release { id, version }),
        Msg::Command(C::OpenAccounting) => {
            Effect::Roi(RoiAction::Accounting { mrn: s.mrn.clone() })
        }
        Msg::Command(C::OpenLetters) => Effect::Roi(RoiAction::Letters { id }),
        Msg::Command(C::OpenRestrictions) => Effect::Roi(RoiAction::Restrictions { id }),
        Msg::Command(C::OpenRequestFiles) => Effect::Roi(RoiAction::RequestFiles { id }),
        // A batch patient's request goes back to its batch (read again: its status may have
        // moved); any other to the screen under it (the queue, the dashboard, …).
        Msg::Command(C::Back) if s.from_batches => Effect::Roi(RoiAction::Batches),
        Msg::Command(C::Back) => Effect::Back,
        m => {
            scroll(&mut s.scroll, s.lines.len(), &m, ctx.page_rows);
            Effect::None
        }
    }
}

/// Scrolled lines (bold where marked) in a bordered box: the request and accounting views.
pub(super) fn text_box(
    lines: &[(String, bool)],
    scroll: usize,
    title: &str,
    area: Rect,
    buf: &mut Buffer,
) {
    let w = area.width.saturating_sub(2) as usize;
    // A line wider than the box continues on the next rows (indented), so nothing is cut
    // off at 80 columns; scrolling still moves by whole lines.
    let lines: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .flat_map(|(t, em)| {
            fold(t, w, 4).into_iter().map(move |part| {
                let l = Line::from(part);
                if *em { l.bold() } else { l }
            })
        })
        .collect();
    Paragraph::new(lines)
        .block(Block::bordered().title(title.to_string()))
        .render(area, buf);
}

mod view;
use view::fold;
