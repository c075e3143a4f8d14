//! Three ROI desk screens of issue #12 that share one list-and-form shape:
//!
//! - **Restrictions** (`P` on a request; 45 CFR 164.522): the patient's restrictions, in force
//!   first, and the confidential-communication address. `n` records an agreed restriction or
//!   the mandatory self-pay-in-full restriction on disclosures to a health plan
//!   (164.522(a)(1)(vi)), `E` ends the selected one with a reason, `A` sets (or clears) the
//!   confidential address every letter to the individual goes to (164.522(b)). A release that
//!   would break a restriction is held `HOLD_RESTRICTION` by validation.
//! - **Signed forms and deliveries** (`d` on a request): the scans attached (kind, file, type,
//!   size, SHA-256, who, kept until) and every delivery (method, tracking or confirmation
//!   number, sent when and by whom, SHA-256, re-send of which). `n` attaches a scanned
//!   authorization or request letter from a path (PDF, PNG or JPEG), `d` records a delivery
//!   of the released zip (a re-send must hash to the released bytes).
//! - **Multi-patient batches** (`B` on the queue): every batch and its patients. `n` logs one
//!   (requester, purpose, types, and the patients as a list file or pasted `MRN[,auth.json]`
//!   separated by `;`), `Enter` opens one patient's request (selection, authorization and
//!   validation are per patient on the request screen), `i` verifies and `v` validates every
//!   patient, `R` releases the batch as one packet with a folder per patient.
//!
//! Every step is one call of the core (`roi::restriction`, `roi::attachments`,
//! `roi::delivery`, `roi::batch`), audited there; a refusal keeps the form's draft. Text from
//! the database is sanitised when it enters the state.

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget, Wrap};

use crate::roi::attachments::Attachment;
use crate::roi::batch::BatchSummary;
use crate::roi::delivery::DeliveryRecord;
use crate::roi::restriction::Restriction;
use crate::text::sanitize_line;
use crate::tui::roi::forms::{FieldForm, FormKey, Kind, field};
use crate::tui::{CommandId, Ctx, Effect, Msg, RoiAction, ScreenId};

const RESTRICTION_KINDS: &[&str] = &["agreed", "self_pay"];
const FORM_KINDS: &[&str] = crate::roi::attachments::KINDS;
const METHODS: &[&str] = crate::roi::delivery::METHODS;
const BATCH_TYPES: &[&str] = &["PAYER", "RESEARCH", "OVERSIGHT", "AUTH_3P", "WORKERS_COMP"];

/// Which of the three screens, and what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Panel {
    /// The restrictions of the patient of request `request_id`.
    Restrictions { request_id: i64, mrn: String },
    /// The signed forms and deliveries of request `request_id`.
    Files { request_id: i64 },
    /// Every multi-patient batch.
    Batches,
}

impl Panel {
    pub fn screen(&self) -> ScreenId {
        match self {
            Panel::Restrictions { .. } => ScreenId::Restrictions,
            Panel::Files { .. } => ScreenId::RequestFiles,
            Panel::Batches => ScreenId::Batches,
        }
    }
}

/// One step on these screens, run by the runtime as one audited core call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RightsStep {
    AddRestriction {
        request_id: i64,
        mrn: String,
        kind: String,
        recipient_types: Vec<String>,
        documents: Vec<i64>,
        encounter: String,
        description: String,
    },
    EndRestriction {
        request_id: i64,
        id: i64,
        reason: String,
    },
    ConfidentialAddress {
        request_id: i64,
        mrn: String,
        address: String,
    },
    Attach {
        request_id: i64,
        kind: String,
        path: String,
    },
    Deliver {
        request_id: i64,
        method: String,
        tracking: String,
        zip: String,
    },
    LogBatch {
        requester_type: String,
        name: String,
        address: String,
        purpose: String,
        types: Vec<String>,
        irb_waiver: bool,
        received: NaiveDate,
        list: String,
    },
    VerifyBatch {
        batch: i64,
        method: String,
    },
    ValidateBatch {
        batch: i64,
    },
    ReleaseBatch {
        batch: i64,
    },
}

/// One row, cleaned for the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelRow {
    pub cells: Vec<String>,
    /// The restriction, attachment/delivery, or member request id.
    pub id: i64,
    /// The batch of a member row (0 elsewhere).
    pub group: i64,
    /// Whether the row can be acted on (a restriction in force).
    pub active: bool,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsState {
    pub panel: Panel,
    pub title: String,
    pub header: Vec<&'static str>,
    pub widths: Vec<u16>,
    pub rows: Vec<PanelRow>,
    pub selected: usize,
    /// A line under the list: the confidential address, the released zip.
    pub note: String,
    /// A prefill for the delivery form (the released zip's usual path).
    pub zip_hint: String,
    pub form: Option<(CommandId, FieldForm)>,
    pub today: NaiveDate,
}

fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

fn short(h: &str) -> String {
    clean(h.get(..12).unwrap_or(h))
}

impl RightsState {
    fn new(panel: Panel, title: String, today: NaiveDate) -> RightsState {
        RightsState {
            panel,
            title,
            header: Vec::new(),
            widths: Vec::new(),
            rows: Vec::new(),
            selected: 0,
            note: String::new(),
            zip_hint: String::new(),
            form: None,
            today,
        }
    }

    /// The restrictions of the patient of request `request_id`.
    pub fn restrictions(
        request_id: i64,
        mrn: &str,
        patient: &str,
        list: Vec<Restriction>,
        address: Option<String>,
        today: NaiveDate,
    ) -> RightsState {
        let in_force = list.iter().filter(|r| r.ended_on.is_none()).count();
        let mut s = RightsState::new(
            Panel::Restrictions {
                request_id,
                mrn: mrn.to_string(),
            },
            clean(&format!(
                " Restrictions (164.522) · {patient} · {mrn} · {in_force} in force "
            )),
            today,
        );
        s.header = vec!["Id", "Kind", "Binds", "Encounter/docs", "Agreed", "Ended"];
        s.widths = vec![4, 9, 16, 16, 11, 11];
        s.rows = list
            .into_iter()
            .map(|r| {
                let binds = if r.kind == "self_pay" {
                    "PAYER".to_string()
                } else if r.recipient_types.is_empty() {
                    "PROVIDER_TX,PAYER".to_string()
                } else {
                    r.recipient_types.join(",")
                };
                let docs = r
                    .document_ids
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                let scope = match (r.encounter.is_empty(), docs.is_empty()) {
                    (true, true) => "every document".to_string(),
                    (false, true) => r.encounter.clone(),
                    (true, false) => format!("docs {docs}"),
                    (false, false) => format!("{} docs {docs}", r.encounter),
                };
                let rule = if r.kind == "self_pay" {
                    "self-pay in full, mandatory (164.522(a)(1)(vi))"
                } else {
                    "agreed (164.522(a)(1)(ii))"
                };
                PanelRow {
                    detail: clean(&format!(
                        "restriction {} · {rule} · {} · recorded by {} on {}{}",
                        r.id,
                        r.description,
                        r.recorded_by,
                        r.agreed_on,
                        r.ended_on
                            .as_ref()
                            .map(|e| format!(" · ended {e}"))
                            .unwrap_or_default()
                    )),
                    cells: vec![
                        r.id.to_string(),
                        clean(&r.kind),
                        clean(&binds),
                        clean(&scope),
                        clean(&r.agreed_on),
                        clean(r.ended_on.as_deref().unwrap_or("in force")),
                    ],
                    id: r.id,
                    group: 0,
                    active: r.ended_on.is_none(),
                }
            })
            .collect();
        s.note = clean(&match address {
            Some(a) => format!(
                "Confidential address (164.522(b)), used for every letter to the individual: {a}"
            ),
            None => "No confidential-communication address on file (A sets one).".to_string(),
        });
        s
    }

    /// The signed forms and deliveries of request `request_id` (`label`).
    pub fn files(
        request_id: i64,
        label: &str,
        forms: Vec<Attachment>,
        deliveries: Vec<DeliveryRecord>,
        released_zip: Option<String>,
        zip_hint: String,
        today: NaiveDate,
    ) -> RightsState {
        let mut s = RightsState::new(
            Panel::Files { request_id },
            clean(&format!(
                " {label} · signed forms {} · deliveries {} ",
                forms.len(),
                deliveries.len()
            )),
            today,
        );
        s.header = vec![
            "What",
            "Kind/method",
            "File/tracking",
            "SHA-256",
            "When",
            "By",
        ];
        s.widths = vec![9, 14, 18, 13, 11, 8];
        for a in forms {
            s.rows.push(PanelRow {
                detail: clean(&format!(
                    "form {} · {} · {} · {} bytes · SHA-256 {} · kept until {} (164.508(b)(6), 164.530(j)); goes in the packet",
                    a.id, a.file_name, a.content_type, a.bytes, a.sha256, a.retain_until
                )),
                cells: vec![
                    format!("form {}", a.id),
                    clean(&a.kind),
                    clean(&a.file_name),
                    short(&a.sha256),
                    clean(a.attached_at.get(..10).unwrap_or(&a.attached_at)),
                    clean(&a.attached_by),
                ],
                id: a.id,
                group: 0,
                active: true,
            });
        }
        for d in deliveries {
            let what = match d.resend_of {
                Some(f) => format!("re-send of delivery {f}, byte-identical by hash"),
                None => "first delivery".to_string(),
            };
            s.rows.push(PanelRow {
                detail: clean(&format!(
                    "delivery {} · {} · tracking {} · {what} · zip SHA-256 {} · {} by {}",
                    d.id, d.method, d.tracking, d.zip_sha256, d.sent_at, d.sent_by
                )),
                cells: vec![
                    if d.resend_of.is_some() {
                        format!("resend {}", d.id)
                    } else {
                        format!("sent {}", d.id)
                    },
                    clean(&d.method),
                    clean(&d.tracking),
                    short(&d.zip_sha256),
                    clean(d.sent_at.get(..10).unwrap_or(&d.sent_at)),
                    clean(&d.sent_by),
                ],
                id: d.id,
                group: 0,
                active: true,
            });
        }
        s.note = clean(&match released_zip {
            Some(h) => format!("Released zip SHA-256 {h}: only these bytes are delivered (d)."),
            None => "Not released yet: nothing to deliver. n attaches a signed form.".to_string(),
        });
        s.zip_hint = zip_hint;
        s
    }

    /// Every batch with its patients, one row per patient.
    pub fn batches(list: Vec<BatchSummary>, today: NaiveDate) -> RightsState {
        let open = list.iter().filter(|b| b.released_at.is_none()).count();
        let mut s = RightsState::new(
            Panel::Batches,
            format!(
                " Multi-patient requests · {open} open of {} batches ",
                list.len()
            ),
            today,
        );
        s.header = vec!["Batch", "Request", "MRN", "Status", "Hold", "Patient"];
        s.widths = vec![12, 10, 10, 11, 16, 14];
        for b in list {
            for m in &b.members {
                s.rows.push(PanelRow {
                    detail: clean(&format!(
                        "{} · {} {} · {} · received {} · {}{} patients · {} {}: Enter opens this patient's request",
                        b.batch,
                        b.requester_type,
                        b.requester_name,
                        b.purpose,
                        b.received,
                        b.released_at
                            .as_ref()
                            .map(|r| format!("released {r} · "))
                            .unwrap_or_default(),
                        b.members.len(),
                        m.request,
                        m.patient_name
                    )),
                    cells: vec![
                        clean(&b.batch),
                        clean(&m.request),
                        clean(&m.mrn),
                        clean(&m.status),
                        clean(m.hold_reason.as_deref().unwrap_or("")),
                        clean(&m.patient_name),
                    ],
                    id: m.request_id,
                    group: b.id,
                    active: b.released_at.is_none(),
                });
            }
        }
        s
    }
}

/// The form of step `cmd` on this screen.
pub fn step_form(s: &RightsState, cmd: CommandId) -> Option<FieldForm> {
    use CommandId as C;
    let f = field;
    let e = String::new;
    let row = s.rows.get(s.selected);
    Some(match cmd {
        C::AddRestriction => FieldForm::new(
            "Restriction (164.522(a)); self_pay: paid in full out of pocket (mandatory)",
            vec![
                f(
                    "kind",
                    "Kind",
                    Kind::Choice(RESTRICTION_KINDS),
                    RESTRICTION_KINDS[0].into(),
                ),
                f("types", "Binds (PROVIDER_TX, PAYER)", Kind::List, e()),
                f("encounter", "Encounter (visit no.)", Kind::Text, e()),
                f("documents", "Document ids", Kind::List, e()),
                f("description", "What was agreed", Kind::Text, e()),
            ],
        ),
        C::EndRestriction => FieldForm::new(
            format!(
                "End restriction {} (164.522(a)(2))",
                row.map(|r| r.id).unwrap_or_default()
            ),
            vec![f("reason", "Why it ends", Kind::Text, e())],
        ),
        C::SetConfidentialAddress => FieldForm::new(
            "Confidential-communication address (164.522(b)); empty clears it",
            vec![f("address", "Address", Kind::Text, e())],
        ),
        C::AttachForm => FieldForm::new(
            "Attach a scanned signed form (PDF, PNG or JPEG; kept six years)",
            vec![
                f(
                    "kind",
                    "Kind",
                    Kind::Choice(FORM_KINDS),
                    FORM_KINDS[0].into(),
                ),
                f("path", "File path", Kind::Text, e()),
            ],
        ),
        C::RecordDelivery => FieldForm::new(
            "Record a delivery; a re-send must be the released bytes",
            vec![
                f("method", "Method", Kind::Choice(METHODS), METHODS[0].into()),
                f("tracking", "Tracking/confirmation", Kind::Text, e()),
                f("zip", "Zip sent", Kind::Text, s.zip_hint.clone()),
            ],
        ),
        C::LogBatch => FieldForm::new(
            "Log a multi-patient request: MRNs split by ; (MRN,auth.json), or a list file",
            vec![
                f(
                    "type",
                    "Requester type",
                    Kind::Choice(BATCH_TYPES),
                    BATCH_TYPES[0].into(),
                ),
                f("name", "Requester", Kind::Text, e()),
                f("address", "Address", Kind::Text, e()),
                f("purpose", "Purpose", Kind::Text, e()),
                f("types", "Document types (codes)", Kind::List, e()),
                f("irb", "IRB waiver (RESEARCH)", Kind::Bool, "no".into()),
                f("received", "Received", Kind::Date, s.today.to_string()),
                f("list", "Patient list file or MRNs", Kind::Text, e()),
            ],
        ),
        C::VerifyBatch => FieldForm::new(
            format!(
                "Verify every patient of BATCH-{:06} (ROI-07)",
                row.map(|r| r.group).unwrap_or_default()
            ),
            vec![f("method", "How verified", Kind::Text, e())],
        ),
        _ => return None,
    })
}

/// The step on the form, or the field that is wrong.
pub fn step_from(s: &RightsState, cmd: CommandId, f: &FieldForm) -> Result<RightsStep, String> {
    use CommandId as C;
    let need = |key: &str, what: &str| f.opt(key).ok_or(format!("{key}: {what}"));
    let row = s.rows.get(s.selected);
    let ids = |key: &str| -> Result<Vec<i64>, String> {
        f.list(key)
            .iter()
            .map(|d| {
                d.parse::<i64>()
                    .map_err(|_| format!("{key}: {d:?} is not a document id"))
            })
            .collect()
    };
    let (request_id, mrn) = match &s.panel {
        Panel::Restrictions { request_id, mrn } => (*request_id, mrn.clone()),
        Panel::Files { request_id } => (*request_id, String::new()),
        Panel::Batches => (0, String::new()),
    };
    Ok(match cmd {
        C::AddRestriction => RightsStep::AddRestriction {
            request_id,
            mrn,
            kind: f.get("kind").to_string(),
            recipient_types: f.list("types").iter().map(|t| t.to_uppercase()).collect(),
            documents: ids("documents")?,
            encounter: f.get("encounter").trim().to_string(),
            description: need("description", "say what was agreed")?,
        },
        C::EndRestriction => RightsStep::EndRestriction {
            request_id,
            id: row.map(|r| r.id).ok_or("select a restriction")?,
            reason: need("reason", "why the restriction ends (164.522(a)(2))")?,
        },
        C::SetConfidentialAddress => RightsStep::ConfidentialAddress {
            request_id,
            mrn,
            address: f.get("address").trim().to_string(),
        },
        C::AttachForm => RightsStep::Attach {
            request_id,
            kind: f.get("kind").to_string(),
            path: need("path", "the scanned file's path")?,
        },
        C::RecordDelivery => RightsStep::Deliver {
            request_id,
            method: f.get("method").to_string(),
            tracking: f.get("tracking").trim().to_string(),
            zip: need("zip", "the path of the zip sent")?,
        },
        C::LogBatch => RightsStep::LogBatch {
            requester_type: f.get("type").to_string(),
            name: need("name", "who asks")?,
            address: f.get("address").trim().to_string(),
            purpose: f.get("purpose").trim().to_string(),
            types: f.list("types"),
            irb_waiver: f.yes("irb"),
            received: f.date("received").ok_or("received: a date (YYYY-MM-DD)")?,
            list: need("list", "a list file, or MRNs separated by ;")?,
        },
        C::VerifyBatch => RightsStep::VerifyBatch {
            batch: row.map(|r| r.group).ok_or("select a batch")?,
            method: need("method", "how identity and authority were verified")?,
        },
        _ => return Err("not a step of this screen".into()),
    })
}

pub fn update(s: &mut RightsState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let Some((cmd, f)) = &mut s.form
        && let Msg::Key(k) = &msg
    {
        let cmd = *cmd;
        match f.key(k) {
            FormKey::Pending | FormKey::Lookup { .. } => {}
            FormKey::Close => s.form = None,
            FormKey::Save => {
                let snapshot = f.clone();
                match step_from(s, cmd, &snapshot) {
                    Ok(step) => return Effect::Roi(RoiAction::Rights(Box::new(step))),
                    Err(e) => {
                        if let Some((_, f)) = &mut s.form {
                            f.error = Some(e);
                        }
                    }
                }
            }
        }
        return Effect::None;
    }
    let last = s.rows.len().saturating_sub(1);
    let row = s.rows.get(s.selected).cloned();
    match msg {
        Msg::Command(
            cmd @ (C::AddRestriction
            | C::SetConfidentialAddress
            | C::AttachForm
            | C::RecordDelivery
            | C::LogBatch),
        ) => s.form = step_form(s, cmd).map(|f| (cmd, f)),
        Msg::Command(cmd @ (C::EndRestriction | C::VerifyBatch))
            if row.as_ref().is_some_and(|r| r.active) =>
        {
            s.form = step_form(s, cmd).map(|f| (cmd, f));
        }
        Msg::Command(C::ValidateBatch) => {
            if let Some(r) = row {
                return Effect::Roi(RoiAction::Rights(Box::new(RightsStep::ValidateBatch {
                    batch: r.group,
                })));
            }
        }
        Msg::Command(C::ReleaseBatch) => {
            if let Some(r) = row {
                return Effect::Roi(RoiAction::Rights(Box::new(RightsStep::ReleaseBatch {
                    batch: r.group,
                })));
            }
        }
        Msg::Command(C::OpenBatchMember) => {
            if let Some(r) = row {
                return Effect::Roi(RoiAction::Open { id: r.id });
            }
        }
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::Back) => {
            return match &s.panel {
                Panel::Restrictions { request_id, .. } | Panel::Files { request_id } => {
                    Effect::Roi(RoiAction::Open { id: *request_id })
                }
                Panel::Batches => Effect::Back,
            };
        }
        _ => {}
    }
    Effect::None
}

impl Widget for &RightsState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered().title(self.title.clone());
        let [top, bottom] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(8)]).areas(area);
        if self.rows.is_empty() {
            let empty = match self.panel {
                Panel::Restrictions { .. } => "No restrictions recorded (n records one).",
                Panel::Files { .. } => "No signed forms or deliveries (n attaches a form).",
                Panel::Batches => "No multi-patient requests (n logs one).",
            };
            Paragraph::new(empty).block(block).render(top, buf);
        } else {
            let rows = self.rows.iter().enumerate().map(|(i, r)| {
                let row = Row::new(r.cells.clone());
                let row = if r.active {
                    row
                } else {
                    row.style(Style::default().add_modifier(Modifier::DIM))
                };
                if i == self.selected {
                    row.style(Style::default().add_modifier(Modifier::REVERSED))
                } else {
                    row
                }
            });
            let widths: Vec<Constraint> = self
                .widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i + 1 == self.widths.len() {
                        Constraint::Fill(1)
                    } else {
                        Constraint::Length(*w)
                    }
                })
                .collect();
            Table::new(rows, widths)
                .header(Row::new(self.header.clone()).bold())
                .block(block)
                .render(top, buf);
        }
        let mut detail = self
            .rows
            .get(self.selected)
            .map(|r| r.detail.clone())
            .unwrap_or_default();
        if !self.note.is_empty() {
            if !detail.is_empty() {
                detail.push('\n');
            }
            detail.push_str(&self.note);
        }
        Paragraph::new(detail)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Selected "))
            .render(bottom, buf);
        if let Some((_, f)) = &self.form {
            f.render(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).expect("date")
    }

    #[test]
    fn a_self_pay_restriction_binds_payers_and_names_its_rule() {
        let r = Restriction {
            id: 3,
            patient_id: 1,
            kind: "self_pay".into(),
            recipient_types: Vec::new(),
            document_ids: Vec::new(),
            encounter: "V100".into(),
            description: "paid cash".into(),
            agreed_on: "2026-11-01".into(),
            recorded_by: "rita".into(),
            ended_on: None,
        };
        let s = RightsState::restrictions(1, "MRN1", "Doe, Ann", vec![r], None, today());
        assert_eq!(s.rows[0].cells[2], "PAYER");
        assert_eq!(s.rows[0].cells[3], "V100");
        assert!(s.rows[0].detail.contains("164.522(a)(1)(vi)"));
        assert!(s.note.contains("No confidential"));
    }

    #[test]
    fn the_batch_form_needs_a_list_and_a_requester() {
        let mut s = RightsState::batches(Vec::new(), today());
        let mut f = step_form(&s, CommandId::LogBatch).expect("form");
        f.set("name", "Acme Health Plan");
        assert_eq!(
            step_from(&s, CommandId::LogBatch, &f),
            Err("list: a list file, or MRNs separated by ;".into())
        );
        f.set("list", "MRN1; MRN2,auth.json");
        s.form = None;
        match step_from(&s, CommandId::LogBatch, &f) {
            Ok(RightsStep::LogBatch {
                requester_type,
                list,
                ..
            }) => {
                assert_eq!(requester_type, "PAYER");
                assert_eq!(list, "MRN1; MRN2,auth.json");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn esc_on_the_batches_goes_back_to_the_screen_under_them() {
        let mut s = RightsState::batches(Vec::new(), today());
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &Ctx::default()),
            Effect::Back
        );
    }
}
