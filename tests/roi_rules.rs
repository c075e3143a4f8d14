//! Issue #11, part 1: the ROI rules through the store, one test per defect, named by rule —
//! psychotherapy notes (164.508(a)(2), 164.524(a)(1)(i)), the selection after validation,
//! revocation in any state, manual holds and payments, incomplete documents, denial grounds,
//! reversal and partial denial (164.524(a), (d)), the own copy and Part 2 in the accounting
//! (164.528(a)(1)(ii), 42 CFR 2.25), the 2.32 notice, suspensions (164.528(a)(2)), fee classes
//! (ROI-04), the packet (FHIR times, DS4P labels, zip folder) and `report roi` (MET-01).

mod common;

use common::user;

use std::path::Path;
use std::sync::Arc;

use chartdesk::CoreError;
use chartdesk::audit::{Action, Event, Subtype};
use chartdesk::roi::accounting::Suspension;
use chartdesk::roi::authorization::PSYCHOTHERAPY_NOTES_DOC;
use chartdesk::roi::lifecycle::Status;
use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
use chartdesk::roi::{
    Authorization, Category, Conditions, Part2Consent, RequesterType, disclosure, holds, packet,
    release,
};
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Seeded database plus doc 2 (SUD_PART2 note), doc 3 (PSYCHOTHERAPY-labelled note), doc 4
/// (discharge summary), doc 5 (an operative report still TRANSCRIBED, unsigned); the clock at
/// 2026-11-20 12:00 UTC.
fn fixture(dir: &Path) -> Store {
    let mut store = common::seeded(&dir.join("roi.db"));
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, sensitivity, body)
                   VALUES (2, 1, '11506-3', 'Addiction medicine progress note', 1, 'signed', '2026-11-02T09:00:00', '2026-11-02T10:00:00', 'SUD_PART2', 'Opioid use disorder, on buprenorphine.');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, sensitivity, body)
                   VALUES (3, 1, '11506-3', 'Psychotherapy session note', 1, 'signed', '2026-11-03T09:00:00', '2026-11-03T10:00:00', 'PSYCHOTHERAPY', 'Session notes.');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                   VALUES (4, 1, '18842-5', 'Discharge summary', 1, 'signed', '2026-11-04T11:00:00', '2026-11-04T12:00:00', 'Discharged home in good condition.');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, body)
                   VALUES (5, 1, '11504-8', 'Operative report', 1, 'transcribed', '2026-11-02T15:00:00', 'Laparoscopic appendectomy.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, CoreError>(())
        })
        .expect("documents");
    set_clock(&mut store, 2026, 11, 20);
    store
}

fn set_clock(store: &mut Store, y: i32, m: u32, d: u32) {
    let t = Utc
        .with_ymd_and_hms(y, m, d, 12, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t));
}

fn new_request(t: RequesterType, name: &str, types: &[&str]) -> NewRequest {
    NewRequest {
        mrn: "MRN0000001".into(),
        requester_type: t,
        requester_name: name.into(),
        requester_address: "1 Court St, Springfield".into(),
        purpose: "as stated".into(),
        scope: Scope {
            document_types: types.iter().map(|t| t.to_string()).collect(),
            ..Scope::default()
        },
        delivery: Delivery::Electronic,
        received: date("2026-11-10"),
        conditions: Conditions::default(),
    }
}

fn full_auth() -> Authorization {
    Authorization {
        id: Some("AUTH-1".into()),
        description: Some("records of the November 2026 admission".into()),
        discloser: Some("Test General HIM".into()),
        recipient: Some("Law Office of Smith".into()),
        purpose: Some("at the request of the individual".into()),
        expiration_date: Some(date("2027-06-30")),
        signature: Some("Ana Rivera".into()),
        signed_date: Some(date("2026-11-08")),
        revocation_statement: true,
        conditioning_statement: true,
        redisclosure_statement: true,
        ..Authorization::default()
    }
}

fn part2_consent() -> Part2Consent {
    Part2Consent {
        patient_name: Some("Ana Rivera".into()),
        program: Some("Test General addiction medicine program".into()),
        sud_description: Some("substance use disorder treatment records, November 2026".into()),
    }
}

fn status(store: &Store, id: i64) -> Status {
    request::load(store.conn(), id).expect("load").status
}

fn hold_reason(store: &Store, id: i64) -> Option<String> {
    request::load(store.conn(), id).expect("load").hold_reason
}

/// Log and verify a request; validate it.
fn logged(store: &mut Store, new: &NewRequest, auth: Option<&Authorization>) -> i64 {
    let rita = user(store, "rita");
    let id = request::log_request(store, &rita, new).expect("log");
    request::verify_identity(store, &rita, id, "photo id").expect("verify");
    if let Some(a) = auth {
        request::set_authorization(store, &rita, id, a).expect("auth");
    }
    request::validate_request(store, &rita, id).expect("validate");
    id
}

fn to_qa_passed(store: &mut Store, id: i64) {
    let rita = user(store, "rita");
    let sam = user(store, "sam");
    request::submit_for_qa(store, &rita, id).expect("submit");
    request::qa_review(store, &sam, id, true, "checked").expect("qa");
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

fn released_ids(manifest: &Value) -> Vec<i64> {
    manifest["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["document_id"].as_i64().expect("id"))
        .collect()
}

// ---- 164.508(a)(2), 164.524(a)(1)(i): psychotherapy notes ---------------------------------

#[test]
fn roi_psychotherapy_164_508_a2_general_auth_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    // A general authorization that names PSYCHOTHERAPY (and SUD with its consent elements).
    let mut general = full_auth();
    general.sensitive_categories_named = vec![Category::Psychotherapy, Category::SudPart2];
    general.part2 = Some(part2_consent());
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &[]);
    let id = logged(&mut store, &new, Some(&general));
    assert_eq!(status(&store, id), Status::OnHold);
    assert_eq!(
        hold_reason(&store, id).as_deref(),
        Some("AUTH_SENSITIVE_NOT_SPECIFIED")
    );
    let d = request::detail(&mut store, &rita, id).expect("detail");
    let psych = d
        .selection
        .items
        .iter()
        .find(|i| i.document_id == 3)
        .expect("doc 3");
    let why = d.selection.withheld_reason(psych).expect("withheld");
    assert!(why.contains("164.508(a)(2)"), "{why}");
    assert!(
        release::release(&mut store, &rita, id, dir.path()).is_err(),
        "never released from a hold"
    );
    // Leave the note out (and the unsigned report): the rest goes; the note never does.
    request::set_item(
        &mut store,
        &rita,
        id,
        3,
        false,
        "needs its own authorization",
    )
    .expect("exclude");
    request::set_item(&mut store, &rita, id, 5, false, "not signed").expect("exclude");
    assert_eq!(status(&store, id), Status::InProcess);
    to_qa_passed(&mut store, id);
    let r = release::release(&mut store, &rita, id, dir.path()).expect("release");
    let packet = dir.path().join(request::request_label(id));
    let manifest = read_json(&packet.join("manifest.json"));
    assert_eq!(released_ids(&manifest), [1, 2, 4]);
    let bundle = std::fs::read_to_string(packet.join("bundle.json")).expect("bundle");
    assert!(!bundle.contains(&packet::base64(b"Session notes")));
    assert_eq!(r.documents, 3);
}

#[test]
fn roi_psychotherapy_notes_doc_type_selects_labelled_notes_under_their_own_authorization() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(
        RequesterType::Auth3p,
        "Dr. Second Opinion",
        &[PSYCHOTHERAPY_NOTES_DOC],
    );
    // Under a general form, even one naming every category: refused.
    let mut general = full_auth();
    general.document_types.clear();
    general.sensitive_categories_named = Category::ALL.to_vec();
    let id = logged(&mut store, &new, Some(&general));
    assert_eq!(status(&store, id), Status::OnHold);
    let sel = request::detail(&mut store, &rita, id)
        .expect("detail")
        .selection;
    let ids: Vec<i64> = sel.items.iter().map(|i| i.document_id).collect();
    assert_eq!(ids, [3], "PSYCHOTHERAPY_NOTES selects the labelled note");
    assert!(sel.validation.psychotherapy_notes_requested);
    // A psychotherapy-notes authorization for that type alone: released, and only the note.
    let mut psych = full_auth();
    psych.psychotherapy_notes = true;
    psych.document_types = vec![PSYCHOTHERAPY_NOTES_DOC.into()];
    request::set_authorization(&mut store, &rita, id, &psych).expect("auth");
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(st, Status::InProcess, "{:?}", v.problems);
    to_qa_passed(&mut store, id);
    release::release(&mut store, &rita, id, dir.path()).expect("release");
    let manifest = read_json(
        &dir.path()
            .join(request::request_label(id))
            .join("manifest.json"),
    );
    assert_eq!(released_ids(&manifest), [3]);
}

#[test]
fn roi_psychotherapy_164_524_a1i_own_access_never_includes_the_notes() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(RequesterType::SelfAccess, "Ana Rivera", &[]);
    let id = logged(&mut store, &new, None);
    let d = request::detail(&mut store, &rita, id).expect("detail");
    let psych = d
        .selection
        .items
        .iter()
        .find(|i| i.document_id == 3)
        .expect("doc 3");
    let why = d.selection.withheld_reason(psych).expect("withheld");
    assert!(why.contains("164.524(a)(1)(i)"), "{why}");
}

// ---- the selection after validation; QA and release refuse an invalid one --------------

#[test]
fn roi_selection_put_back_revalidates_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &[]);
    let id = logged(&mut store, &new, Some(&full_auth()));
    for doc in [2, 3, 5] {
        request::set_item(&mut store, &rita, id, doc, false, "not authorized").expect("out");
    }
    assert_eq!(status(&store, id), Status::InProcess);
    // Putting the Part 2 note back: validated at once, on hold before anything else happens.
    request::set_item(&mut store, &rita, id, 2, true, "").expect("back");
    assert_eq!(status(&store, id), Status::OnHold);
    assert_eq!(
        hold_reason(&store, id).as_deref(),
        Some("AUTH_SENSITIVE_NOT_SPECIFIED")
    );
    let err = request::submit_for_qa(&mut store, &rita, id).expect_err("on hold");
    assert!(err.to_string().contains("ON_HOLD"), "{err}");
}

#[test]
fn roi_qa_and_release_refuse_an_invalid_selection_with_an_allowed_step() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let sam = user(&store, "sam");
    let mut auth = full_auth();
    auth.expiration_date = Some(date("2026-11-25"));
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]);
    let id = logged(&mut store, &new, Some(&auth));
    request::submit_for_qa(&mut store, &rita, id).expect("submit");
    // The form expires while the request waits in QA.
    set_clock(&mut store, 2026, 11, 27);
    let err = request::qa_review(&mut store, &sam, id, true, "").expect_err("expired");
    let msg = err.to_string();
    assert!(msg.contains("AUTH_EXPIRED"), "{msg}");
    assert!(
        msg.contains("--fail"),
        "in QA review the hint is QA's own step: {msg}"
    );
    assert!(!msg.contains("roi validate REQ"), "{msg}");
    // QA sends it back; validate is then allowed and puts it on hold.
    request::qa_review(&mut store, &sam, id, false, "form expired").expect("fail");
    let (_, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(st, Status::OnHold);
    // Without QA required, release from IN_PROCESS names validate.
    chartdesk::settings::set(&mut store, &common::system(), "roi_qa_required", "0")
        .expect("setting");
    let other = logged(
        &mut store,
        &new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]),
        Some(&full_auth()),
    );
    let mut expired = full_auth();
    expired.expiration_date = Some(date("2026-11-26"));
    // Replaced after validation: release re-validates and refuses.
    request::set_authorization(&mut store, &rita, other, &expired).expect("auth");
    let err = release::release(&mut store, &rita, other, dir.path()).expect_err("invalid");
    assert!(err.to_string().contains("roi validate"), "{err}");
}

#[test]
fn roi_revocation_164_508_b5_recorded_at_any_state() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]);
    let id = logged(&mut store, &new, Some(&full_auth()));
    request::submit_for_qa(&mut store, &rita, id).expect("submit");
    // Received during QA review: recorded, and the request goes on hold at once.
    assert!(
        holds::record_revocation(&mut store, &rita, id, date("2026-11-21")).is_err(),
        "not dated in the future"
    );
    assert!(
        holds::record_revocation(&mut store, &rita, id, date("2026-11-01")).is_err(),
        "not before the signature"
    );
    let st = holds::record_revocation(&mut store, &rita, id, date("2026-11-20")).expect("revoke");
    assert_eq!(st, Status::OnHold);
    assert_eq!(hold_reason(&store, id).as_deref(), Some("AUTH_REVOKED"));
    // After release it is still recorded (for the next request), the release stands.
    let other = logged(
        &mut store,
        &new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]),
        Some(&full_auth()),
    );
    to_qa_passed(&mut store, other);
    release::release(&mut store, &rita, other, dir.path()).expect("release");
    let st =
        holds::record_revocation(&mut store, &rita, other, date("2026-11-20")).expect("revoke");
    assert_eq!(st, Status::Released);
    let a = request::load(store.conn(), other)
        .expect("load")
        .authorization
        .expect("auth");
    assert_eq!(a.revoked_at, Some(date("2026-11-20")));
}

// ---- manual holds and payments ----------------------------------------------------------

#[test]
fn roi_hold_fee_unpaid_lifted_only_by_payment_against_estimate() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]);
    let id = logged(&mut store, &new, Some(&full_auth()));
    assert_eq!(status(&store, id), Status::InProcess);
    request::hold(&mut store, &rita, id, "HOLD_FEE_UNPAID").expect("hold");
    // validate never lifts a manual hold.
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert!(v.valid);
    assert_eq!(st, Status::OnHold);
    assert_eq!(hold_reason(&store, id).as_deref(), Some("HOLD_FEE_UNPAID"));
    // No estimate or invoice: a payment has nothing to be recorded against.
    let err = request::mark_paid(&mut store, &rita, id, 1500, "check").expect_err("no bill");
    assert!(err.to_string().contains("estimate"), "{err}");
    assert!(request::mark_paid(&mut store, &rita, id, 0, "check").is_err());
    assert!(request::mark_paid(&mut store, &rita, id, 100, " ").is_err());
    let e = holds::record_estimate(&mut store, &rita, id).expect("estimate");
    assert_eq!(e.documents, 1);
    assert_eq!(e.fee.cents, 1500 + 25, "state schedule: base + one page");
    request::mark_paid(&mut store, &rita, id, 1000, "check").expect("part");
    assert_eq!(status(&store, id), Status::OnHold, "not paid in full");
    request::mark_paid(&mut store, &rita, id, 525, "card").expect("rest");
    assert_eq!(status(&store, id), Status::InProcess);
    let d = request::detail(&mut store, &rita, id).expect("detail");
    assert_eq!(d.payments.len(), 2);
    assert_eq!(d.estimate.expect("estimate").cents, 1525);
}

#[test]
fn roi_hold_identity_lifted_only_by_verification() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(RequesterType::SelfAccess, "Ana Rivera", &["34117-2"]);
    let id = logged(&mut store, &new, None);
    request::hold(&mut store, &rita, id, "HOLD_IDENTITY").expect("hold");
    request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(hold_reason(&store, id).as_deref(), Some("HOLD_IDENTITY"));
    let err = holds::lift_hold(&mut store, &rita, id).expect_err("not by lift");
    assert!(err.to_string().contains("roi verify"), "{err}");
    request::verify_identity(&mut store, &rita, id, "driver licence, second look").expect("v");
    assert_eq!(status(&store, id), Status::InProcess);
}

#[test]
fn roi_hold_clarify_scope_lifted_only_by_recorded_scope() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(RequesterType::SelfAccess, "Ana Rivera", &[]);
    let id = logged(&mut store, &new, None);
    request::hold(&mut store, &rita, id, "HOLD_CLARIFY_SCOPE").expect("hold");
    request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(status(&store, id), Status::OnHold);
    let scope = Scope {
        document_types: vec!["18842-5".into()],
        ..Scope::default()
    };
    assert!(holds::set_scope(&mut store, &rita, id, &scope, " ").is_err());
    holds::set_scope(
        &mut store,
        &rita,
        id,
        &scope,
        "called the patient: discharge summary only",
    )
    .expect("scope");
    assert_eq!(status(&store, id), Status::InProcess);
    let rec = request::load(store.conn(), id).expect("load");
    assert_eq!(rec.scope.document_types, ["18842-5"]);
}

#[test]
fn roi_hold_record_incomplete_by_setting_lifted_when_none_left() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    chartdesk::settings::set(
        &mut store,
        &common::system(),
        "roi_incomplete_documents",
        "hold",
    )
    .expect("setting");
    let rita = user(&store, "rita");
    let new = new_request(
        RequesterType::SelfAccess,
        "Ana Rivera",
        &["34117-2", "11504-8"],
    );
    let id = logged(&mut store, &new, None);
    assert_eq!(
        hold_reason(&store, id).as_deref(),
        Some("HOLD_RECORD_INCOMPLETE")
    );
    assert!(
        holds::lift_hold(&mut store, &rita, id).is_err(),
        "doc 5 unsigned"
    );
    assert!(
        holds::acknowledge_incomplete(&mut store, &rita, id, "as is").is_err(),
        "HOLD policy: no acknowledgement"
    );
    request::set_item(&mut store, &rita, id, 5, false, "await signature").expect("out");
    assert_eq!(
        status(&store, id),
        Status::OnHold,
        "leaving it out does not lift the hold by itself"
    );
    assert_eq!(
        holds::lift_hold(&mut store, &rita, id).expect("lift"),
        Status::InProcess
    );
}

#[test]
fn roi_incomplete_document_flagged_and_released_only_when_acknowledged() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(
        RequesterType::SelfAccess,
        "Ana Rivera",
        &["34117-2", "11504-8"],
    );
    let id = logged(&mut store, &new, None);
    assert_eq!(status(&store, id), Status::InProcess);
    let d = request::detail(&mut store, &rita, id).expect("detail");
    let op = d
        .selection
        .items
        .iter()
        .find(|i| i.document_id == 5)
        .expect("doc 5");
    assert_eq!(
        op.incomplete.as_deref(),
        Some("not signed (status TRANSCRIBED)")
    );
    let err = request::submit_for_qa(&mut store, &rita, id).expect_err("unacknowledged");
    assert!(err.to_string().contains("acknowledge-incomplete"), "{err}");
    assert!(holds::acknowledge_incomplete(&mut store, &rita, id, "").is_err());
    let acked =
        holds::acknowledge_incomplete(&mut store, &rita, id, "patient wants what exists today")
            .expect("ack");
    assert_eq!(acked, [5]);
    to_qa_passed(&mut store, id);
    release::release(&mut store, &rita, id, dir.path()).expect("release");
    let packet = dir.path().join(request::request_label(id));
    let manifest = read_json(&packet.join("manifest.json"));
    let item = manifest["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["document_id"] == 5)
        .expect("doc 5")
        .clone();
    assert_eq!(item["complete"], false);
    assert_eq!(item["incomplete_acknowledged_by"], "rita");
    // The document is a stamped PDF/A-2b page (issue #12): read its text back.
    let bytes = std::fs::read(packet.join(item["file"].as_str().expect("file"))).expect("doc");
    let pdf = lopdf::Document::load_mem(&bytes).expect("pdf");
    let text = pdf.extract_text(&[1]).expect("text");
    assert!(text.contains("INCOMPLETE: not signed"), "{text}");
}

// ---- ROI-05 denials ---------------------------------------------------------------------

#[test]
fn roi_05_denial_grounds_only_for_access_third_party_refused_with_defects() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let mut unsigned = full_auth();
    unsigned.signature = None;
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]);
    let id = logged(&mut store, &new, Some(&unsigned));
    let err = request::deny(&mut store, &rita, id, "DENY_LITIGATION", "", None)
        .expect_err("not for a third party");
    assert!(err.to_string().contains("refuse"), "{err}");
    let defects = holds::refuse(&mut store, &rita, id, "form returned").expect("refuse");
    assert_eq!(defects[0].code, "AUTH_MISSING_SIGNATURE");
    assert_eq!(status(&store, id), Status::Denied);
    let d = request::detail(&mut store, &rita, id).expect("detail");
    let denial = d.denial.expect("denial");
    assert_eq!(denial.code, holds::REFUSED);
    assert_eq!(denial.defects[0].code, "AUTH_MISSING_SIGNATURE");
    // An individual's access is denied, never refused.
    let own = logged(
        &mut store,
        &new_request(RequesterType::SelfAccess, "Ana Rivera", &["34117-2"]),
        None,
    );
    assert!(holds::refuse(&mut store, &rita, own, "").is_err());
}

#[test]
fn roi_05_rep_harm_only_persrep_inmate_only_own_request() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let own = logged(
        &mut store,
        &new_request(RequesterType::SelfAccess, "Ana Rivera", &["34117-2"]),
        None,
    );
    let err = request::deny(
        &mut store,
        &rita,
        own,
        "DENY_REP_HARM",
        "",
        Some("Dr. House"),
    )
    .expect_err("not the individual");
    assert!(err.to_string().contains("personal representative"), "{err}");
    let rep = logged(
        &mut store,
        &new_request(RequesterType::PersRep, "Ben Rivera", &["34117-2"]),
        None,
    );
    let err = request::deny(&mut store, &rita, rep, "DENY_INMATE", "", None)
        .expect_err("not the inmate's own");
    assert!(err.to_string().contains("inmate's own"), "{err}");
    request::deny(
        &mut store,
        &rita,
        rep,
        "DENY_REP_HARM",
        "",
        Some("Dr. House"),
    )
    .expect("rep harm");
    request::deny(&mut store, &rita, own, "DENY_INMATE", "", None).expect("inmate");
}

#[test]
fn roi_05_reversed_denial_returns_to_processing_and_shows_reviewer() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = logged(
        &mut store,
        &new_request(RequesterType::SelfAccess, "Ana Rivera", &["34117-2"]),
        None,
    );
    request::deny(
        &mut store,
        &rita,
        id,
        "DENY_ENDANGER",
        "risk",
        Some("Dr. House"),
    )
    .expect("deny");
    request::review_denial(&mut store, &rita, id, "Dr. Wilson", false).expect("review");
    assert_eq!(status(&store, id), Status::InProcess, "access is given");
    let d = request::detail(&mut store, &rita, id).expect("detail");
    let denial = d.denial.expect("denial");
    assert_eq!(denial.professional.as_deref(), Some("Dr. House"));
    assert_eq!(denial.reviewer.as_deref(), Some("Dr. Wilson"));
    assert_eq!(denial.review.as_deref(), Some("reversed"));
    // Denied again on another ground: a fresh denial, reviewable again.
    request::deny(
        &mut store,
        &rita,
        id,
        "DENY_OTHER_PERSON",
        "",
        Some("Dr. Cuddy"),
    )
    .expect("deny again");
    request::review_denial(&mut store, &rita, id, "Dr. Wilson", false).expect("review again");
    assert_eq!(status(&store, id), Status::InProcess);
    to_qa_passed(&mut store, id);
    release::release(&mut store, &rita, id, dir.path()).expect("release");
}

#[test]
fn roi_05_partial_denial_releases_the_rest_164_524_d1() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = logged(
        &mut store,
        &new_request(
            RequesterType::SelfAccess,
            "Ana Rivera",
            &["34117-2", "18842-5"],
        ),
        None,
    );
    assert!(
        holds::deny_documents(&mut store, &rita, id, &[4], "DENY_ENDANGER", "", None).is_err(),
        "reviewable: the professional is named"
    );
    holds::deny_documents(
        &mut store,
        &rita,
        id,
        &[4],
        "DENY_ENDANGER",
        "risk to life",
        Some("Dr. House"),
    )
    .expect("deny one");
    assert_eq!(status(&store, id), Status::InProcess);
    to_qa_passed(&mut store, id);
    let r = release::release(&mut store, &rita, id, dir.path()).expect("release");
    assert_eq!((r.documents, r.withheld), (1, 1));
    let manifest = read_json(
        &dir.path()
            .join(request::request_label(id))
            .join("manifest.json"),
    );
    assert_eq!(released_ids(&manifest), [1]);
    assert!(
        manifest["withheld"][0]["reason"]
            .as_str()
            .expect("reason")
            .contains("DENY_ENDANGER")
    );
    // The review is recorded on the document.
    holds::review_document_denial(&mut store, &rita, id, 4, "Dr. Wilson", true).expect("review");
    let d = request::detail(&mut store, &rita, id).expect("detail");
    let item = d
        .selection
        .items
        .iter()
        .find(|i| i.document_id == 4)
        .expect("doc 4");
    let denial = item.denial.as_ref().expect("denial");
    assert_eq!(denial.reviewer.as_deref(), Some("Dr. Wilson"));
}

// ---- accounting, Part 2 notice, suspensions ----------------------------------------------

#[test]
fn aod_02_164_528_a1ii_own_copy_with_part2_not_accounted_and_no_2_32_notice() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = logged(
        &mut store,
        &new_request(RequesterType::SelfAccess, "Ana Rivera", &["11506-3"]),
        None,
    );
    request::set_item(&mut store, &rita, id, 3, false, "psychotherapy").expect("out");
    to_qa_passed(&mut store, id);
    let r = release::release(&mut store, &rita, id, dir.path()).expect("release");
    assert!(r.part2, "the SUD note went to the patient");
    assert!(!r.accountable);
    let packet = dir.path().join(request::request_label(id));
    assert!(
        !packet.join(packet::PART2_NOTICE_FILE).exists(),
        "no 2.32 notice with the patient's own copy"
    );
    let a = disclosure::accounting(&mut store, &rita, "MRN0000001", None).expect("accounting");
    assert!(a.entries.is_empty());
    assert_eq!(
        a.excluded[0].excluded.as_deref(),
        Some("AOD_EXCL_TO_INDIVIDUAL")
    );
}

#[test]
fn roi_part2_2_32_notice_with_consent_claims_only_what_is_enclosed() {
    assert!(!packet::part2_notice_text(false).contains("enclosed"));
    assert!(packet::part2_notice_text(true).contains("enclosed (authorization.json)"));
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let mut consent = full_auth();
    consent.sensitive_categories_named = vec![Category::SudPart2];
    consent.part2 = Some(part2_consent());
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &["11506-3"]);
    let id = logged(&mut store, &new, Some(&consent));
    request::set_item(&mut store, &rita, id, 3, false, "psychotherapy").expect("out");
    to_qa_passed(&mut store, id);
    release::release(&mut store, &rita, id, dir.path()).expect("release");
    let packet = dir.path().join(request::request_label(id));
    let notice = std::fs::read_to_string(packet.join(packet::PART2_NOTICE_FILE)).expect("notice");
    assert!(notice.contains("enclosed (authorization.json)"));
    assert!(packet.join("authorization.json").exists());
}

#[test]
fn aod_06_164_528_a2_suspension_tied_to_the_agency_request_never_public_health() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    chartdesk::settings::set(&mut store, &common::system(), "roi_qa_required", "0")
        .expect("setting");
    let rita = user(&store, "rita");
    let mut quick = |t: RequesterType, name: &str| {
        let id = logged(&mut store, &new_request(t, name, &["34117-2"]), None);
        release::release(&mut store, &rita, id, dir.path()).expect("release");
        id
    };
    let registry = quick(RequesterType::PublicHealth, "State Health Oversight Board");
    let board_a = quick(RequesterType::Oversight, "State Health Oversight Board");
    let board_b = quick(RequesterType::Oversight, "State Health Oversight Board");
    let suspension = |request_id| Suspension {
        agency: "State Health Oversight Board".into(),
        request_id,
        start: date("2026-11-15"),
        end: date("2027-05-15"),
        written: true,
    };
    let err = disclosure::add_suspension(&mut store, &rita, &suspension(Some(registry)))
        .expect_err("public health");
    assert!(err.to_string().contains("public-health"), "{err}");
    assert!(
        disclosure::add_suspension(&mut store, &rita, &suspension(None)).is_err(),
        "never by typed name"
    );
    disclosure::add_suspension(&mut store, &rita, &suspension(Some(board_a))).expect("suspend");
    let a = disclosure::accounting(&mut store, &rita, "MRN0000001", None).expect("accounting");
    let listed: Vec<Option<String>> = a.entries.iter().map(|e| e.request.clone()).collect();
    assert_eq!(
        listed,
        [
            Some(request::request_label(registry)),
            Some(request::request_label(board_b))
        ],
        "the registry, with the same name, and the board's other request stay listed"
    );
    assert!(
        a.excluded
            .iter()
            .any(|e| e.excluded.as_deref() == Some("AOD_SUSPENDED")
                && e.request == Some(request::request_label(board_a)))
    );
}

// ---- ROI-04 fee classes and the packet ---------------------------------------------------

#[test]
fn roi_04_provider_not_charged_the_attorney_base_fee() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    chartdesk::settings::set(&mut store, &common::system(), "roi_qa_required", "0")
        .expect("setting");
    let rita = user(&store, "rita");
    let p = logged(
        &mut store,
        &new_request(
            RequesterType::ProviderTx,
            "Springfield Cardiology",
            &["34117-2"],
        ),
        None,
    );
    let r = release::release(&mut store, &rita, p, dir.path()).expect("release");
    assert_eq!(r.invoice_cents, 0);
    let inv = std::fs::read_to_string(
        dir.path()
            .join(request::request_label(p))
            .join("invoice.txt"),
    )
    .expect("invoice");
    assert!(inv.contains("No charge"), "{inv}");
    assert!(!inv.contains("164.524(c)(4)"), "{inv}");
    let a = logged(
        &mut store,
        &new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]),
        Some(&full_auth()),
    );
    let r = release::release(&mut store, &rita, a, dir.path()).expect("release");
    assert_eq!(r.invoice_cents, 1525);
    let inv = std::fs::read_to_string(
        dir.path()
            .join(request::request_label(a))
            .join("invoice.txt"),
    )
    .expect("invoice");
    assert!(!inv.contains("164.524(c)(4)"), "{inv}");
}

#[test]
fn roi_packet_fhir_times_carry_the_facility_offset_and_sud_gets_ds4p_labels() {
    use chrono::{Local, TimeZone};
    let local = "2026-07-02T09:00:00";
    let got = packet::fhir_instant(local);
    assert!(!got.ends_with('Z') || Local::now().offset().to_string() == "+00:00");
    let parsed = chrono::DateTime::parse_from_rfc3339(&got).expect("rfc3339");
    let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S").expect("naive");
    let want = Local
        .from_local_datetime(&naive)
        .earliest()
        .expect("local time");
    assert_eq!(parsed.timestamp(), want.timestamp(), "the same instant");
    assert_eq!(
        packet::fhir_instant("2026-07-02T09:00:00-04:00"),
        "2026-07-02T09:00:00-04:00"
    );
    let labels = packet::security_labels(&[Category::SudPart2]);
    let codes: Vec<&str> = labels
        .iter()
        .map(|l| l["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["ETH", "42CFRPart2", "NORDSCLCD", "R"]);
    assert!(
        labels
            .iter()
            .any(|l| l["system"] == "http://terminology.hl7.org/CodeSystem/v3-Confidentiality")
    );
    assert!(packet::security_labels(&[]).is_empty());
}

// ---- intake dates ------------------------------------------------------------------------

#[test]
fn roi_dates_received_in_the_future_refused_at_intake_and_extension_notice() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let mut new = new_request(RequesterType::SelfAccess, "Ana Rivera", &[]);
    new.received = date("2026-11-21");
    let err = request::log_request(&mut store, &rita, &new).expect_err("future");
    assert!(err.to_string().contains("in the future"), "{err}");
    new.received = date("2026-11-20");
    let id = request::log_request(&mut store, &rita, &new).expect("today is fine");
    let err = request::extend(&mut store, &rita, id, 10, "archive", date("2026-11-22"))
        .expect_err("notice in the future");
    assert!(err.to_string().contains("in the future"), "{err}");
}

#[test]
fn aod_05_dates_in_the_future_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let err =
        disclosure::log_aod_request(&mut store, &rita, "MRN0000001", date("2026-11-21"), None)
            .expect_err("future");
    assert!(err.to_string().contains("in the future"), "{err}");
    assert!(
        disclosure::log_aod_request(
            &mut store,
            &rita,
            "MRN0000001",
            date("2026-11-20"),
            Some(date("2026-11-25"))
        )
        .is_err(),
        "a period starting after receipt"
    );
    let a = disclosure::log_aod_request(&mut store, &rita, "MRN0000001", date("2026-11-20"), None)
        .expect("aod");
    let err = disclosure::extend_aod(&mut store, &rita, a.id, 10, "archive", date("2026-11-22"))
        .expect_err("notice in the future");
    assert!(err.to_string().contains("in the future"), "{err}");
}

// ---- MET-01 ------------------------------------------------------------------------------

#[test]
fn met_01_report_roi_turnaround_holds_aod_and_specialists() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    // Released on the 20th, received the 10th: 10 days; one extension.
    let a = logged(
        &mut store,
        &new_request(RequesterType::SelfAccess, "Ana Rivera", &["34117-2"]),
        None,
    );
    request::extend(&mut store, &rita, a, 10, "archive", date("2026-11-15")).expect("extend");
    to_qa_passed(&mut store, a);
    release::release(&mut store, &rita, a, dir.path()).expect("release");
    // A second, received the 18th, on hold for the fee since the 20th.
    let mut new = new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]);
    new.received = date("2026-11-18");
    let b = logged(&mut store, &new, Some(&full_auth()));
    request::hold(&mut store, &rita, b, "HOLD_FEE_UNPAID").expect("hold");
    disclosure::log_aod_request(&mut store, &rita, "MRN0000001", date("2026-11-12"), None)
        .expect("aod");
    set_clock(&mut store, 2026, 11, 24);
    let m = chartdesk::roi::report::roi_metrics(
        store.conn(),
        date("2026-11-01"),
        date("2026-11-30"),
        date("2026-11-24"),
    )
    .expect("metrics");
    assert_eq!(m.released, 1);
    assert_eq!(m.turnaround_mean_days, Some(10.0));
    assert_eq!(m.turnaround_median_days, Some(10.0));
    assert_eq!((m.within_access_days, m.within_due), (1, 1));
    assert_eq!(m.extended_pct, Some(100.0));
    let fee_hold = m
        .holds
        .iter()
        .find(|h| h.reason == "HOLD_FEE_UNPAID")
        .expect("fee hold");
    assert_eq!((fee_hold.count, fee_hold.mean_days), (1, Some(4.0)));
    assert_eq!((m.aod.received, m.aod.provided), (1, 0));
    let rita_row = m
        .specialists
        .iter()
        .find(|s| s.user == "rita")
        .expect("rita");
    assert_eq!((rita_row.logged, rita_row.released), (2, 1));
    let sam_row = m.specialists.iter().find(|s| s.user == "sam").expect("sam");
    assert_eq!(sam_row.qa_passed, 1);
    let csv = chartdesk::roi::report::format_csv(&m);
    let widths: Vec<usize> = csv.lines().map(|l| l.split(',').count()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{csv}");
    assert!(chartdesk::roi::report::format_table(&m).contains("turnaround"));
    assert!(
        chartdesk::roi::report::roi_metrics(
            store.conn(),
            date("2026-11-30"),
            date("2026-11-01"),
            date("2026-11-24")
        )
        .is_err()
    );
}
