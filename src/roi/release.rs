//! Releasing a request (DOMAIN §4.5): in ONE transaction the request is marked RELEASED, a
//! `disclosures` row is written (accountable per AOD-02; Part 2 SUD releases always, 42 CFR
//! 2.25) and the audit event carries the disclosure. The packet is rendered, zipped and staged
//! under temporary names (fsynced) *before* that transaction, which re-checks that nothing the
//! packet was made from moved (issue #17's 250 ms lock hold; see [`release_with`]); the staged
//! files are removed if it does not commit and renamed into place only after COMMIT; a crash in
//! between is settled by [`super::release_files::recover`], run at the start of every release
//! and by `doctor`.
//!
//! Invariants: the authorization is validated again on the release date and must be valid;
//! a document with a sensitive category the authorization does not name never goes out; with
//! `roi_qa_required` a different user than the releaser must have passed QA.

use std::path::{Path, PathBuf};

use chrono::{Datelike, Timelike};
use rusqlite::params;
use serde_json::json;

use super::accounting::{self, Disclosure, DisclosurePurpose};
use super::category::Category;
use super::fees::{self, Fee, FeeClass, FeeInput, FeeMethod};
use super::lifecycle::Status;
use super::packet::{self, PacketDoc, PacketInput, Withheld};
use super::request::{self, Delivery, RequestRecord, request_label};
use super::requester::{AuthRequirement, RequesterType};
use super::selection::Selection;
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::settings;
use crate::store::version::{self, Versioned};
use crate::store::{Store, StoreError};

/// What a release produced.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Released {
    pub request: String,
    pub dir: PathBuf,
    pub zip: PathBuf,
    pub disclosure_id: i64,
    pub accountable: bool,
    pub documents: usize,
    pub withheld: usize,
    pub part2: bool,
    pub invoice_cents: u64,
    pub manifest_sha256: String,
    /// The passphrase of an AES-256 encrypted zip (`release_zip_encryption = AES256`), shown
    /// once to the releaser to give the recipient by another channel; never stored.
    pub zip_passphrase: Option<String>,
    /// What was settled of earlier interrupted releases before this one (issue #17).
    pub recovered: Vec<super::release_files::Recovery>,
}

pub use super::fees::{FeeSchedule, parse_fee_schedule};

/// ROI-04: the fee of a release of `pages` pages, from the settings in force.
pub fn fee_for(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    pages: u32,
) -> Result<(Fee, String), CoreError> {
    let method_s = settings::get(conn, crate::settings::Key::FeeMethod)?;
    let method = FeeMethod::parse(method_s.trim()).ok_or_else(|| {
        CoreError::invalid(
            "fee_method",
            format!("{method_s:?} is not actual, average_schedule or flat"),
        )
    })?;
    let schedule_s = settings::get(conn, crate::settings::Key::StateFeeSchedule)?;
    let schedule =
        parse_fee_schedule(&schedule_s).map_err(|e| CoreError::invalid("state_fee_schedule", e))?;
    let class_s = settings::get(conn, crate::settings::Key::FeeClassByRequester)?;
    let class = fees::fee_class(&class_s, rec.requester_type)
        .map_err(|e| CoreError::invalid("fee_class_by_requester", e))?;
    let cents = |k| -> Result<u64, CoreError> {
        Ok(u64::try_from(settings::get_i64(conn, k)?).unwrap_or(0))
    };
    let electronic = rec.delivery != Delivery::Paper;
    let postage = if electronic {
        0
    } else {
        cents(crate::settings::Key::PostageCents)?
    };
    let individual = class == FeeClass::Individual;
    // Flat fee applies to the individual's electronic copies only; paper copies fall back to
    // cost-based fees (ROI-04).
    let method = if individual && method == FeeMethod::Flat && !electronic {
        FeeMethod::Actual
    } else {
        method
    };
    let input = if individual || class == FeeClass::NoCharge {
        FeeInput {
            requester_type: rec.requester_type,
            class: Some(class),
            method,
            electronic_copy_of_electronic_records: electronic,
            labor_cents: u64::from(pages) * cents(crate::settings::Key::FeePerPageCents)?,
            supplies_cents: 0,
            postage_cents: postage,
            summary_cents: 0,
            search_retrieval_cents: 0,
            flat_cents: cents(crate::settings::Key::FlatFeeCents)?,
            state_cap_cents: schedule.cap_cents,
        }
    } else {
        // Third parties: the state fee schedule (base + per page), capped.
        FeeInput {
            requester_type: rec.requester_type,
            class: Some(class),
            method: FeeMethod::AverageSchedule,
            electronic_copy_of_electronic_records: electronic,
            labor_cents: u64::from(pages) * schedule.per_page_cents,
            supplies_cents: 0,
            postage_cents: postage,
            summary_cents: 0,
            search_retrieval_cents: schedule.base_cents,
            flat_cents: 0,
            state_cap_cents: schedule.cap_cents,
        }
    };
    let label = match class {
        FeeClass::Individual => method.as_str().to_string(),
        FeeClass::NoCharge => "none".to_string(),
        FeeClass::StateSchedule => "state_fee_schedule".to_string(),
    };
    let fee = fees::access_fee(&input).map_err(|e| CoreError::invalid("fee", e.to_string()))?;
    Ok((fee, label))
}

/// AOD-02 purpose of a release to this requester.
pub fn disclosure_purpose(t: RequesterType) -> DisclosurePurpose {
    use RequesterType::*;
    match t {
        SelfAccess | PersRep | Directive => DisclosurePurpose::ToIndividual,
        ProviderTx => DisclosurePurpose::Treatment,
        Payer => DisclosurePurpose::Payment,
        Auth3p => DisclosurePurpose::Authorization,
        _ => DisclosurePurpose::Other,
    }
}

fn dos_stamp(t: chrono::NaiveDateTime) -> (u16, u16) {
    let y = u16::try_from(t.year().clamp(1980, 2107) - 1980).unwrap_or(0);
    let date = (y << 9) | ((t.month() as u16) << 5) | t.day() as u16;
    let time = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2);
    (date, time)
}

fn io_err(path: &Path, e: std::io::Error) -> CoreError {
    CoreError::invalid(path.display().to_string(), e.to_string())
}

/// Release `id` and write its packet under `out_dir` (`REQ-000042/` and `REQ-000042.zip`).
pub fn release(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    out_dir: &Path,
) -> Result<Released, CoreError> {
    release_with(store, actor, id, out_dir, |_| {})
}

/// How many times a release renders again when only the next disclosure number was taken by
/// another release while its packet was being rendered (nothing about the request changed).
const RENDER_ATTEMPTS: usize = 3;

/// [`release`], with `between` run after the packet is rendered and staged and before the
/// transaction that records the release: the window in which another user may change the
/// request (tests use it to change it there). `between` receives the database path.
///
/// Lock hold (issue #17, no writer holds the lock longer than 250 ms): the packet — PDF pages
/// at about a millisecond each — is rendered, zipped and staged (fsynced) from a read of the
/// request *before* `BEGIN IMMEDIATE`. The transaction then re-checks, optimistically, that the
/// request is still at the version read and that everything the packet was made from (status,
/// QA, authorization, selection and document text, fee settings, enclosures) is the same; if
/// anything moved it refuses, naming what changed, and the staged packet is removed. Inside
/// the lock only the rows, the audit event and the cheap re-check run.
pub fn release_with(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    out_dir: &Path,
    mut between: impl FnMut(&Path),
) -> Result<Released, CoreError> {
    let label = request_label(id);
    authorize(
        store,
        actor,
        Perm::ReleaseRecords,
        "release_request",
        &label,
    )?;
    // Settle what a crash of an earlier release left (issue #17) before this one starts.
    let recovered = super::release_files::recover(store, actor)?;
    // 164.522(a): a release that would break a restriction in force goes on hold instead.
    let broken = super::restriction::hold_if_restricted(store, actor, id)?;
    if !broken.is_empty() {
        let why: Vec<String> = broken
            .iter()
            .map(|c| c.message().replace("REQ", &label))
            .collect();
        return Err(CoreError::invalid(
            "restriction",
            format!("{label} put on hold, not released: {}", why.join("; ")),
        ));
    }
    let at = Where {
        id,
        label: label.clone(),
        dir: out_dir.join(&label),
        zip: out_dir.join(format!("{label}.zip")),
    };
    let db_path = store.path().to_path_buf();
    let now_utc = store.now();
    let now_ms = utc_ms(now_utc);
    let local = crate::clock::FacilityClock::read(store)?.local(now_utc);
    let today = local.date();
    let zip_passphrase = crate::roi::packet_crypt::passphrase_for(store.conn())?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        // Outside the write lock: read, plan and render the packet, and stage it.
        let read_version =
            version::current(store.conn(), &Versioned::Request(id))?.ok_or_else(|| {
                CoreError::NotFound {
                    what: "release request",
                    id: label.clone(),
                }
            })?;
        let disclosure_id = next_disclosure_id(store.conn())?;
        let planned = plan(
            store.conn(),
            actor,
            &at,
            &now_ms,
            today,
            disclosure_id,
            None,
        )?;
        let fingerprint = planned.fingerprint();
        let files = packet::build(&planned.input)
            .map_err(|e| CoreError::invalid("packet", e.to_string()))?;
        let total_pages = files
            .first()
            .and_then(|(_, m)| serde_json::from_slice::<serde_json::Value>(m).ok())
            .and_then(|m| m["total_pages"].as_i64());
        let manifest_sha = files
            .first()
            .map(|(_, b)| packet::sha256_hex(b))
            .unwrap_or_default();
        let zip_bytes = zip_packet(&label, &files, local, zip_passphrase.as_deref())
            .map_err(|e| io_err(&at.zip, e))?;
        let zip_sha = packet::sha256_hex(&zip_bytes);
        let staged = std::cell::RefCell::new(None);
        // Under temporary names, renamed into place only after COMMIT (issue #17).
        let staging = super::release_files::stage(
            &db_path, id, &at.dir, &at.zip, &files, &zip_bytes, &staged,
        );
        drop(files);
        if let Err(e) = staging {
            if let Some(s) = staged.into_inner() {
                s.discard();
            }
            return Err(e);
        }
        super::release_files::crash_point("temp-written");
        between(&db_path);
        let result = store.transact(actor, |tx, audit| {
            // Optimistic re-check under the write lock: the request, then what the packet says.
            if let Err(e) = version::check(tx, &Versioned::Request(id), read_version) {
                return Err(Attempt::Fail(match e {
                    StoreError::Stale { message, .. } => {
                        let who = message.split(". Nothing was saved").next().unwrap_or(&message);
                        CoreError::invalid(
                            &label,
                            format!(
                                "{who} while its packet was being prepared; nothing was released and the prepared packet was removed. Look at the request again and release it again"
                            ),
                        )
                    }
                    other => CoreError::from(other),
                }));
            }
            let mut now = plan(tx, actor, &at, &now_ms, today, disclosure_id, Some(planned.pages))?;
            if now.fingerprint() != fingerprint {
                return Err(Attempt::Fail(CoreError::invalid(
                    &label,
                    "what it releases changed while its packet was being prepared (documents, their text, the authorization's checks, fee settings, letters, forms or amendment material); nothing was released and the prepared packet was removed. Release it again to send what is on file now",
                )));
            }
            if next_disclosure_id(tx)? != disclosure_id {
                // Another release took the disclosure number the packet states: render again.
                return Err(Attempt::Retry);
            }
            let rec = &mut now.rec;
            tx.execute(
                "INSERT INTO disclosures(id, request_id, patient_id, disclosed_at, recipient, recipient_address, description,
                    purpose, accountable, audit_event_id, purpose_code, requester_type, conditions, part2, document_ids)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    disclosure_id,
                    id,
                    rec.patient_id,
                    today.to_string(),
                    rec.requester_name,
                    rec.requester_address,
                    now.description,
                    now.purpose,
                    now.accountable,
                    now.event.event_id,
                    now.purpose_code,
                    rec.requester_type.as_str(),
                    now.conditions,
                    now.part2,
                    now.doc_ids.join(",")
                ],
            )?;
            tx.execute(
                "UPDATE release_requests SET released_by = ?2, released_at = ?3, pages = ?4, invoice_cents = ?5,
                    invoice_method = ?6, packet_sha256 = ?7, packet_zip_sha256 = ?8, packet_pages_total = ?9 WHERE id = ?1",
                params![id, actor.username, now_ms, now.pages, now.input.fee.cents as i64, now.input.fee_method, manifest_sha, zip_sha, total_pages],
            )?;
            request::move_status(tx, audit, actor, rec, Status::Released, None, &now_ms, today)?;
            audit.record(now.event.clone().detail(json!({
                "disclosure_id": disclosure_id,
                "recipient": rec.requester_name,
                "recipient_address": rec.requester_address,
                "requester_type": rec.requester_type.as_str(),
                "description": now.description,
                "purpose": now.purpose,
                "accountable": now.accountable,
                "excluded_by": now.excluded_by,
                "part2": now.part2,
                "part2_notice": now.input.part2_notice,
                "documents": now.doc_ids,
                "withheld": now.input.withheld.len(),
                "manifest_sha256": manifest_sha,
                "zip_sha256": zip_sha,
                "invoice_cents": now.input.fee.cents,
            })));
            Ok(Released {
                request: label.clone(),
                dir: at.dir.clone(),
                zip: at.zip.clone(),
                disclosure_id,
                accountable: now.accountable,
                documents: now.input.docs.len(),
                withheld: now.input.withheld.len(),
                part2: now.part2,
                invoice_cents: now.input.fee.cents,
                manifest_sha256: manifest_sha.clone(),
                zip_passphrase: zip_passphrase.clone(),
                recovered: recovered.clone(),
            })
        });
        let staged = staged.into_inner();
        match result {
            Err(e) => {
                // The transaction did not commit: no packet of ours may remain.
                if let Some(s) = staged {
                    s.discard();
                }
                match e {
                    Attempt::Retry if attempt < RENDER_ATTEMPTS => continue,
                    Attempt::Retry => {
                        return Err(CoreError::invalid(
                            &label,
                            "other releases kept taking the disclosure number while its packet was being prepared; nothing was released — release it again",
                        ));
                    }
                    Attempt::Fail(e) => return Err(e),
                }
            }
            Ok(r) => {
                if let Some(s) = staged {
                    s.publish().map_err(|why| {
                        CoreError::invalid(
                            r.dir.display().to_string(),
                            format!(
                                "{} was RELEASED (disclosure {} recorded) but its packet is not in place: {why}",
                                r.request, r.disclosure_id
                            ),
                        )
                    })?;
                }
                return Ok(r);
            }
        }
    }
}

/// Why one render-and-commit round did not commit.
enum Attempt {
    /// Only the disclosure number moved: render again.
    Retry,
    Fail(CoreError),
}

impl From<CoreError> for Attempt {
    fn from(e: CoreError) -> Self {
        Attempt::Fail(e)
    }
}

impl From<StoreError> for Attempt {
    fn from(e: StoreError) -> Self {
        Attempt::Fail(e.into())
    }
}

impl From<rusqlite::Error> for Attempt {
    fn from(e: rusqlite::Error) -> Self {
        Attempt::Fail(e.into())
    }
}

/// The disclosure row a release inserted now would get (the packet states it).
fn next_disclosure_id(conn: &crate::store::Reader) -> Result<i64, CoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM disclosures",
        [],
        |r| r.get(0),
    )?)
}

/// The request being released and where its packet goes.
struct Where {
    id: i64,
    label: String,
    dir: PathBuf,
    zip: PathBuf,
}

/// Everything a release records and the packet it renders, computed from what is on file:
/// once before the transaction (to render) and once inside it (to check nothing moved).
#[derive(Debug)]
struct Plan {
    rec: RequestRecord,
    event: Event,
    description: String,
    purpose: String,
    purpose_code: &'static str,
    conditions: String,
    accountable: bool,
    excluded_by: Option<serde_json::Value>,
    part2: bool,
    doc_ids: Vec<String>,
    pages: u32,
    input: PacketInput,
}

impl Plan {
    /// SHA-256 of every input of the packet and of the rows (the audit event's id excepted),
    /// streamed through `Debug` so no copy of the document text is made.
    fn fingerprint(&self) -> String {
        struct Hasher(sha2::Sha256);
        impl std::fmt::Write for Hasher {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                sha2::Digest::update(&mut self.0, s.as_bytes());
                Ok(())
            }
        }
        let mut h = Hasher(<sha2::Sha256 as sha2::Digest>::new());
        let _ = std::fmt::Write::write_fmt(
            &mut h,
            format_args!(
                "{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
                self.rec,
                self.description,
                self.purpose,
                self.purpose_code,
                self.conditions,
                self.accountable,
                self.excluded_by,
                self.doc_ids,
                self.pages,
                self.input
            ),
        );
        sha2::Digest::finalize(h.0)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

mod plan;
pub(crate) use plan::check_releasable;
use plan::*;
pub use plan::{Estimate, estimate_in, pdf_prefix};

/// The packet zip: one top-level folder named like the packet folder; AES-256 encrypted when
/// a passphrase is given (AUD-05).
fn zip_packet(
    folder: &str,
    files: &[(String, Vec<u8>)],
    at: chrono::NaiveDateTime,
    zip_passphrase: Option<&str>,
) -> std::io::Result<Vec<u8>> {
    let (d, t) = dos_stamp(at);
    let zipped: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (format!("{folder}/{n}"), b.clone()))
        .collect();
    match zip_passphrase {
        Some(pass) => crate::roi::packet_crypt::encrypted_zip(&zipped, pass, d, t),
        None => packet::zip(&zipped, d, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_schedule_parses_and_names_bad_parts() {
        assert_eq!(
            parse_fee_schedule("base=1500,per_page=25,cap=0"),
            Ok(FeeSchedule {
                base_cents: 1500,
                per_page_cents: 25,
                cap_cents: None
            })
        );
        assert_eq!(
            parse_fee_schedule("cap=5000").map(|f| f.cap_cents),
            Ok(Some(5000))
        );
        assert!(parse_fee_schedule("base=x").unwrap_err().contains("base=x"));
        assert!(parse_fee_schedule("foo=1").unwrap_err().contains("foo"));
    }

    #[test]
    fn aod_02_purpose_by_requester() {
        assert_eq!(
            disclosure_purpose(RequesterType::ProviderTx),
            DisclosurePurpose::Treatment
        );
        assert_eq!(
            disclosure_purpose(RequesterType::Subpoena),
            DisclosurePurpose::Other
        );
        assert_eq!(
            disclosure_purpose(RequesterType::SelfAccess),
            DisclosurePurpose::ToIndividual
        );
    }
}
