//! The ROI desk's restrictions, signed forms and deliveries, and multi-patient batches: reading
//! them for their screens and running their steps (each one audited call of the core; a batch
//! step is one call per patient, each its own transaction, as on the command line).

use std::path::PathBuf;

use super::App;
use crate::CoreError;
use crate::audit::Actor;
use crate::roi::request::{self, Delivery, NewRequest, Scope};
use crate::roi::{Conditions, RequesterType, attachments, batch, delivery, restriction};
use crate::tui::roi::rights::{RightsState, RightsStep};

impl App {
    fn rights_today(&self) -> chrono::NaiveDate {
        let conn = self.store.conn();
        let now = self.store.now();
        crate::clock::FacilityClock::at(conn, now)
            .map(|c| c.today())
            .unwrap_or_else(|_| crate::clock::facility_date(now))
    }

    fn show_rights(&mut self, mut s: RightsState, status: Option<String>) {
        let keep = self
            .rights
            .as_ref()
            .filter(|r| r.panel == s.panel)
            .map(|r| r.selected);
        s.selected = keep.unwrap_or(0).min(s.rows.len().saturating_sub(1));
        let screen = s.panel.screen();
        self.rights = Some(s);
        self.enter(screen);
        if let Some(m) = status {
            self.status = Some(m);
        }
    }

    /// The restrictions and confidential address of the patient of request `id`.
    pub(super) fn load_restrictions(&mut self, id: i64, status: Option<String>) {
        let today = self.rights_today();
        let conn = self.store.conn();
        let loaded = (|| {
            let rec = request::load(conn, id)?;
            let list = restriction::for_patient(conn, rec.patient_id)?;
            let addr = crate::letters::confidential_address(conn, rec.patient_id)?;
            Ok::<_, CoreError>(RightsState::restrictions(
                id,
                &rec.mrn,
                &rec.patient_name,
                list,
                addr,
                today,
            ))
        })();
        match loaded {
            Ok(s) => self.show_rights(s, status),
            Err(e) => self.fail(e),
        }
    }

    /// The signed forms and deliveries of request `id`.
    pub(super) fn load_request_files(&mut self, id: i64, status: Option<String>) {
        let today = self.rights_today();
        let dir = self.packet_dir();
        let conn = self.store.conn();
        let label = request::request_label(id);
        let loaded = (|| {
            let forms = attachments::list(conn, id)?;
            let sent = delivery::list(conn, id)?;
            let released = delivery::released_zip_sha256(conn, id)?;
            let mut hint = dir.join(format!("{label}.zip"));
            if let Some(b) = batch::batch_of(conn, id)? {
                let in_batch = dir.join(batch::batch_label(b)).join(format!("{label}.zip"));
                if in_batch.exists() || !hint.exists() {
                    hint = in_batch;
                }
            }
            Ok::<_, CoreError>(RightsState::files(
                id,
                &label,
                forms,
                sent,
                released,
                hint.display().to_string(),
                today,
            ))
        })();
        match loaded {
            Ok(s) => self.show_rights(s, status),
            Err(e) => self.fail(e),
        }
    }

    /// Every multi-patient batch with its patients.
    pub(super) fn load_batches(&mut self, status: Option<String>) {
        let today = self.rights_today();
        match batch::list(self.store.conn()) {
            Ok(list) => {
                // Back from a batch patient's request: that patient is selected again.
                let back_from = self
                    .roi_req
                    .as_ref()
                    .filter(|r| r.from_batches && self.screen == crate::tui::ScreenId::RoiRequest)
                    .map(|r| r.id);
                self.show_rights(RightsState::batches(list, today), status);
                if let (Some(id), Some(r)) = (back_from, self.rights.as_mut())
                    && let Some(i) = r.rows.iter().position(|row| row.id == id)
                {
                    r.selected = i;
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Run one step; on success the screen is read again with what was done on the status
    /// line, on refusal the form keeps its draft and shows why.
    pub(super) fn rights_step(&mut self, actor: &Actor, step: RightsStep) {
        match self.run_rights(actor, &step) {
            Ok(msg) => {
                if let Some(r) = &mut self.rights {
                    r.form = None;
                }
                match step {
                    RightsStep::AddRestriction { request_id, .. }
                    | RightsStep::EndRestriction { request_id, .. }
                    | RightsStep::ConfidentialAddress { request_id, .. } => {
                        self.load_restrictions(request_id, Some(msg))
                    }
                    RightsStep::Attach { request_id, .. }
                    | RightsStep::Deliver { request_id, .. } => {
                        self.load_request_files(request_id, Some(msg))
                    }
                    _ => self.load_batches(Some(msg)),
                }
            }
            Err(e) => self.refused(e),
        }
    }

    fn run_rights(&mut self, actor: &Actor, step: &RightsStep) -> Result<String, CoreError> {
        let dir = self.packet_dir();
        let st = &mut self.store;
        Ok(match step {
            RightsStep::AddRestriction {
                mrn,
                kind,
                recipient_types,
                documents,
                encounter,
                description,
                ..
            } => {
                let id = restriction::add(
                    st,
                    actor,
                    mrn,
                    kind,
                    recipient_types,
                    documents,
                    encounter,
                    description,
                )?;
                format!(
                    "restriction {id} recorded ({kind}); breaking releases are held {}",
                    restriction::HOLD_RESTRICTION
                )
            }
            RightsStep::EndRestriction { id, reason, .. } => {
                restriction::end(st, actor, *id, reason)?;
                format!("restriction {id} ended (164.522(a)(2))")
            }
            RightsStep::ConfidentialAddress { mrn, address, .. } => {
                restriction::set_confidential_address(st, actor, mrn, address)?;
                if address.is_empty() {
                    "confidential address cleared (164.522(b))".to_string()
                } else {
                    "confidential address recorded; letters to the individual go there (164.522(b))"
                        .to_string()
                }
            }
            RightsStep::Attach {
                request_id,
                kind,
                path,
            } => {
                let a = attachments::attach_path(
                    st,
                    actor,
                    *request_id,
                    kind,
                    std::path::Path::new(path),
                )?;
                format!(
                    "{} attached as form {} ({}, {} bytes, SHA-256 {}); kept until {}",
                    a.file_name,
                    a.id,
                    a.content_type,
                    a.bytes,
                    a.sha256.get(..12).unwrap_or(&a.sha256),
                    a.retain_until
                )
            }
            RightsStep::Deliver {
                request_id,
                method,
                tracking,
                zip,
            } => {
                let d = delivery::record(
                    st,
                    actor,
                    *request_id,
                    method,
                    tracking,
                    std::path::Path::new(zip),
                )?;
                match d.resend_of {
                    Some(f) => format!(
                        "{}: delivery {} by {}, re-send of delivery {f} (byte-identical by hash)",
                        d.request, d.id, d.method
                    ),
                    None => format!(
                        "{}: delivery {} by {}; zip SHA-256 {}",
                        d.request,
                        d.id,
                        d.method,
                        d.zip_sha256.get(..12).unwrap_or(&d.zip_sha256)
                    ),
                }
            }
            RightsStep::LogBatch {
                requester_type,
                name,
                address,
                purpose,
                types,
                irb_waiver,
                received,
                list,
            } => {
                let t = RequesterType::parse(requester_type).ok_or_else(|| {
                    CoreError::invalid("type", format!("{requester_type:?}: not a requester type"))
                })?;
                let (text, source, base) = batch::list_from_field(list)?;
                let entries = batch::read_entries(&text, &source, &base)?;
                let template = NewRequest {
                    mrn: String::new(),
                    requester_type: t,
                    requester_name: name.clone(),
                    requester_address: address.clone(),
                    purpose: purpose.clone(),
                    scope: Scope {
                        from: None,
                        to: None,
                        document_types: types.clone(),
                        encounters: Vec::new(),
                    },
                    delivery: Delivery::Electronic,
                    received: *received,
                    conditions: Conditions {
                        irb_waiver: *irb_waiver,
                        ..Conditions::default()
                    },
                };
                let (bid, ids) = batch::log_batch(st, actor, &template, &entries, &source)?;
                format!(
                    "{} logged: {} patients, a request each (Enter opens one)",
                    batch::batch_label(bid),
                    ids.len()
                )
            }
            RightsStep::VerifyBatch { batch: b, method } => {
                let members = batch::members(st.conn(), *b)?;
                for m in &members {
                    request::verify_identity(st, actor, m.request_id, method)?;
                }
                format!(
                    "{}: {} patients verified ({method})",
                    batch::batch_label(*b),
                    members.len()
                )
            }
            RightsStep::ValidateBatch { batch: b } => {
                let members = batch::members(st.conn(), *b)?;
                let mut held = Vec::new();
                for m in &members {
                    let (v, _) = request::validate_request(st, actor, m.request_id)?;
                    if let Some(p) = v.problems.first() {
                        held.push(format!("{} {}", m.mrn, p.code));
                    }
                }
                format!(
                    "{}: {} validated; {}",
                    batch::batch_label(*b),
                    members.len(),
                    if held.is_empty() {
                        "none on hold".to_string()
                    } else {
                        format!("on hold: {}", held.join(", "))
                    }
                )
            }
            RightsStep::ReleaseBatch { batch: b } => {
                let out: PathBuf = dir;
                let r = batch::release_batch(st, actor, *b, &out)?;
                format!(
                    "{} released: {} patient folders, {} skipped; {}",
                    r.batch,
                    r.released.len(),
                    r.skipped.len(),
                    r.zip
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )
            }
        })
    }
}
