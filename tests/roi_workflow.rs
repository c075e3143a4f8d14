//! Release of information through the store: request lifecycle (DOMAIN §4.5), authorization
//! holds (§4.3), sensitive categories (§4.4), release packets (§8), disclosures and the
//! accounting of disclosures (§5), permissions (§1) and the audit trail (§6).

mod common;

use common::user;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use chartdesk::CoreError;
use chartdesk::audit::{Action, Event, Subtype};
use chartdesk::roi::accounting::Suspension;
use chartdesk::roi::lifecycle::Status;
use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
use chartdesk::roi::{
    Authorization, Category, Conditions, Part2Consent, RequesterType, disclosure, release,
};
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// The seeded database plus: doc 2 a progress note labelled SUD_PART2, doc 3 a note labelled
/// PSYCHOTHERAPY, doc 4 a discharge summary; the clock fixed at 2026-11-20 12:00 UTC.
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
                   VALUES (4, 1, '18842-5', 'Discharge summary', 1, 'signed', '2026-11-04T11:00:00', '2026-11-04T12:00:00', 'Discharged home in good condition.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, CoreError>(())
        })
        .expect("documents");
    let t = Utc
        .with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t));
    store
}

fn new_request(t: RequesterType, name: &str) -> NewRequest {
    NewRequest {
        mrn: "MRN0000001".into(),
        requester_type: t,
        requester_name: name.into(),
        requester_address: "1 Court St, Springfield".into(),
        purpose: "litigation".into(),
        scope: Scope::default(),
        delivery: Delivery::Electronic,
        received: date("2026-11-10"),
        conditions: Conditions::default(),
    }
}

/// A complete 164.508 authorization for an attorney.
fn full_auth() -> Authorization {
    Authorization {
        id: Some("AUTH-1".into()),
        description: Some("H&P and discharge summary, November 2026 admission".into()),
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

fn status(store: &Store, id: i64) -> Status {
    request::load(store.conn(), id).expect("load").status
}

/// Log, verify, and validate to IN_PROCESS, then submit (rita) and QA (sam).
fn to_qa_passed(store: &mut Store, id: i64) {
    let rita = user(store, "rita");
    let sam = user(store, "sam");
    request::submit_for_qa(store, &rita, id).expect("submit");
    request::qa_review(store, &sam, id, true, "checked").expect("qa");
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

#[test]
fn incomplete_authorization_is_put_on_hold_and_completed() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let mut new = new_request(RequesterType::Auth3p, "Law Office of Smith");
    new.scope.document_types = vec!["34117-2".into(), "18842-5".into()];
    let id = request::log_request(&mut store, &rita, &new).expect("log");
    let rec = request::load(store.conn(), id).expect("load");
    assert_eq!(rec.due, date("2026-12-10"), "ROI-01: received + 30 days");
    assert_eq!(rec.status, Status::Logged);

    let mut incomplete = full_auth();
    incomplete.purpose = None;
    incomplete.signature = None;
    request::set_authorization(&mut store, &rita, id, &incomplete).expect("auth");
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(st, Status::OnHold);
    let codes: Vec<&str> = v.problems.iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        [
            "AUTH_MISSING_PURPOSE",
            "AUTH_MISSING_SIGNATURE",
            "AUTH_IDENTITY_UNVERIFIED"
        ]
    );
    assert_eq!(v.problems[0].rule, "45 CFR 164.508(c)(1)(iv)");
    let rec = request::load(store.conn(), id).expect("load");
    assert_eq!(rec.hold_reason.as_deref(), Some("AUTH_MISSING_PURPOSE"));
    let open_holds: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM release_holds WHERE request_id = ?1 AND until_date IS NULL",
            [id],
            |r| r.get(0),
        )
        .expect("holds");
    assert_eq!(open_holds, 1);

    // Completed: the missing elements supplied and identity verified.
    request::set_authorization(&mut store, &rita, id, &full_auth()).expect("auth");
    request::verify_identity(
        &mut store,
        &rita,
        id,
        "bar card and letter of representation",
    )
    .expect("verify");
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert!(v.valid, "{:?}", v.problems);
    assert_eq!(st, Status::InProcess);
    let rec = request::load(store.conn(), id).expect("load");
    assert_eq!(rec.hold_reason, None);
    assert_eq!(rec.verified_by.as_deref(), Some("rita"));
    let open_holds: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM release_holds WHERE request_id = ?1 AND until_date IS NULL",
            [id],
            |r| r.get(0),
        )
        .expect("holds");
    assert_eq!(open_holds, 0);
    let history: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT to_status || COALESCE(':' || reason, '') FROM release_request_history WHERE request_id = ?1 ORDER BY id")
            .expect("prepare");
        stmt.query_map([id], |r| r.get(0))
            .expect("q")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(
        history,
        [
            "logged",
            "validating",
            "on_hold:AUTH_MISSING_PURPOSE",
            "validating",
            "in_process"
        ]
    );
    // Every step audited against the request.
    let audited: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE entity_type = 'release_request' AND entity_id = ?1 AND patient_mrn = 'MRN0000001'",
            [request::request_label(id)],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(audited >= 9, "audited {audited}");
}

#[test]
fn part2_document_refused_without_specific_consent_and_released_with_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let out = dir.path().join("out");
    let mut new = new_request(RequesterType::Auth3p, "Law Office of Smith");
    // Everything but the psychotherapy note's date.
    new.scope.to = Some(date("2026-11-02"));
    let id = request::log_request(&mut store, &rita, &new).expect("log");
    request::verify_identity(&mut store, &rita, id, "bar card").expect("verify");
    request::set_authorization(&mut store, &rita, id, &full_auth()).expect("auth");
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(st, Status::OnHold);
    assert_eq!(v.problems[0].code, "AUTH_SENSITIVE_NOT_SPECIFIED");
    assert_eq!(v.problems[0].rule, Category::SudPart2.rule());
    assert_eq!(v.excluded_categories, [Category::SudPart2]);
    // Refused: it cannot be released from a hold, and QA cannot even start.
    let err = release::release(&mut store, &rita, id, &out).expect_err("refused");
    assert!(err.to_string().contains("ON_HOLD"), "{err}");
    assert!(request::submit_for_qa(&mut store, &rita, id).is_err());
    assert!(
        !out.join(request::request_label(id)).exists(),
        "no packet after a refusal"
    );

    // With a consent that names SUD_PART2 and carries the 42 CFR 2.31 elements.
    let mut consent = full_auth();
    consent.sensitive_categories_named = vec![Category::SudPart2];
    consent.part2 = Some(Part2Consent {
        patient_name: Some("Ana Rivera".into()),
        program: Some("Test General addiction medicine program".into()),
        sud_description: Some("substance use disorder treatment records, November 2026".into()),
    });
    request::set_authorization(&mut store, &rita, id, &consent).expect("auth");
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert!(v.valid, "{:?}", v.problems);
    assert_eq!(st, Status::InProcess);
    to_qa_passed(&mut store, id);
    let r = release::release(&mut store, &rita, id, &out).expect("release");
    assert_eq!(r.documents, 2);
    assert!(r.part2);
    assert!(
        r.accountable,
        "42 CFR 2.25: every SUD disclosure is recorded as accountable"
    );
    let packet = out.join(request::request_label(id));
    let notice = std::fs::read_to_string(packet.join("notice-42cfr2.32.txt")).expect("notice");
    assert!(notice.contains("42 CFR part 2"));
    assert!(
        packet.join("authorization.json").exists(),
        "a copy of the consent goes with Part 2 records"
    );
    let manifest = read_json(&packet.join("manifest.json"));
    let ids: Vec<i64> = manifest["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["document_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(manifest["redisclosure_notice"], "notice-42cfr2.32.txt");
    assert_eq!(status(&store, id), Status::Released);
    let (part2, accountable, docs): (i64, i64, String) = store
        .conn()
        .query_row(
            "SELECT part2, accountable, document_ids FROM disclosures WHERE request_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("disclosure");
    assert_eq!((part2, accountable, docs.as_str()), (1, 1, "1,2"));
}

#[test]
fn sensitive_documents_are_withheld_from_requests_without_authorization() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    chartdesk::settings::set(&mut store, &common::system(), "roi_qa_required", "0")
        .expect("setting");
    let rita = user(&store, "rita");
    let mut new = new_request(RequesterType::Subpoena, "County Court Clerk");
    new.conditions.satisfactory_assurance = true;
    let id = request::log_request(&mut store, &rita, &new).expect("log");
    request::verify_identity(&mut store, &rita, id, "subpoena on court letterhead")
        .expect("verify");
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(st, Status::InProcess, "{:?}", v.problems);
    let r = release::release(&mut store, &rita, id, dir.path())
        .expect("release without QA when not required");
    assert_eq!((r.documents, r.withheld), (2, 2));
    assert!(!r.part2);
    let packet = dir.path().join(request::request_label(id));
    assert!(!packet.join("notice-42cfr2.32.txt").exists());
    let manifest = read_json(&packet.join("manifest.json"));
    let withheld: Vec<i64> = manifest["withheld"]
        .as_array()
        .expect("w")
        .iter()
        .map(|w| w["document_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(withheld, [2, 3]);
    let text = std::fs::read_to_string(packet.join("bundle.json")).expect("bundle");
    assert!(!text.contains("buprenorphine") && !text.contains("Session notes"));
}

/// Read every entry of a zip written by chartdesk (central directory, deflate).
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at = |i: usize| {
        u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize
    };
    let eocd = bytes.len() - 22;
    assert_eq!(u32_at(eocd), 0x0605_4b50, "end of central directory");
    let n = u16_at(eocd + 10);
    let mut at = u32_at(eocd + 16);
    let mut out = Vec::new();
    for _ in 0..n {
        assert_eq!(u32_at(at), 0x0201_4b50);
        let csize = u32_at(at + 20);
        let name_len = u16_at(at + 28);
        let offset = u32_at(at + 42);
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).expect("name");
        let data_at = offset + 30 + u16_at(offset + 26) + u16_at(offset + 28);
        let mut data = Vec::new();
        flate2::read::DeflateDecoder::new(&bytes[data_at..data_at + csize])
            .read_to_end(&mut data)
            .expect("inflate");
        let mut crc = flate2::Crc::new();
        crc.update(&data);
        assert_eq!(crc.sum() as usize, u32_at(at + 16), "crc of {name}");
        out.push((name, data));
        at += 46 + name_len;
    }
    out
}

#[test]
fn packet_files_match_manifest_checksums_in_folder_and_zip() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let mut new = new_request(RequesterType::SelfAccess, "Ana Rivera");
    new.scope.document_types = vec!["34117-2".into(), "18842-5".into()];
    let id = request::log_request(&mut store, &rita, &new).expect("log");
    request::verify_identity(&mut store, &rita, id, "driver licence at the window")
        .expect("verify");
    let (_, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(st, Status::InProcess);
    to_qa_passed(&mut store, id);
    // Someone else's file of the same name: refused, left alone, nothing released.
    let foreign = dir
        .path()
        .join(format!("{}.zip", request::request_label(id)));
    std::fs::write(&foreign, b"not ours").expect("write");
    let err = release::release(&mut store, &rita, id, dir.path()).expect_err("exists");
    assert!(err.to_string().contains("never overwritten"), "{err}");
    assert_eq!(std::fs::read(&foreign).expect("kept"), b"not ours");
    assert_eq!(status(&store, id), Status::QaReview);
    std::fs::remove_file(&foreign).expect("rm");
    let r = release::release(&mut store, &rita, id, dir.path()).expect("release");
    assert_eq!(
        r.invoice_cents, 650,
        "ROI-04: flat $6.50 for the individual's electronic copy"
    );
    let packet = dir.path().join(request::request_label(id));
    let manifest_bytes = std::fs::read(packet.join("manifest.json")).expect("manifest");
    assert_eq!(
        chartdesk::roi::packet::sha256_hex(&manifest_bytes),
        r.manifest_sha256
    );
    let manifest: Value = serde_json::from_slice(&manifest_bytes).expect("json");
    assert_eq!(manifest["request"], request::request_label(id));
    assert_eq!(manifest["requester"]["type"], "SELF");
    assert_eq!(manifest["legal_basis"], "45 CFR 164.524");
    assert_eq!(manifest["releaser"], "rita");
    assert_eq!(manifest["qa_user"], "sam");
    assert_eq!(manifest["document_format"], "application/pdf");
    assert_eq!(
        manifest["total_pages"], manifest["pages"],
        "no letters: every page is a document page"
    );
    let files = manifest["files"].as_array().expect("files");
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    assert!(
        names.contains(&"bundle.json")
            && names.contains(&"invoice.txt")
            && names.contains(&"README.txt")
    );
    assert_eq!(
        names.iter().filter(|n| n.starts_with("documents/")).count(),
        2
    );
    let zipped = unzip(
        &std::fs::read(
            dir.path()
                .join(format!("{}.zip", request::request_label(id))),
        )
        .expect("zip"),
    );
    assert_eq!(
        zipped.len(),
        files.len() + 1,
        "every file plus the manifest"
    );
    let folder = format!("{}/", request::request_label(id));
    assert!(
        zipped.iter().all(|(n, _)| n.starts_with(&folder)),
        "the zip has one top-level folder"
    );
    for f in files {
        let path = f["path"].as_str().expect("path");
        let on_disk = std::fs::read(packet.join(path)).expect("file");
        let sum = chartdesk::roi::packet::sha256_hex(&on_disk);
        assert_eq!(sum, f["sha256"].as_str().expect("sha"), "{path} on disk");
        let in_zip = format!("{}/{path}", request::request_label(id));
        let (_, z) = zipped.iter().find(|(n, _)| *n == in_zip).expect("in zip");
        assert_eq!(chartdesk::roi::packet::sha256_hex(z), sum, "{path} in zip");
    }
    for item in manifest["items"].as_array().expect("items") {
        let on_disk =
            std::fs::read(packet.join(item["file"].as_str().expect("file"))).expect("doc");
        assert_eq!(
            chartdesk::roi::packet::sha256_hex(&on_disk),
            item["sha256"].as_str().expect("sha")
        );
    }
    let bundle = read_json(&packet.join("bundle.json"));
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let kinds: Vec<&str> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().expect("rt"))
        .collect();
    assert_eq!(
        kinds,
        [
            "Patient",
            "DocumentReference",
            "Binary",
            "DocumentReference",
            "Binary"
        ]
    );
    let invoice = std::fs::read_to_string(packet.join("invoice.txt")).expect("invoice");
    assert!(invoice.contains("$6.50"), "{invoice}");
    // The packet is never overwritten.
    assert!(release::release(&mut store, &rita, id, dir.path()).is_err());
}

fn release_quick(
    store: &mut Store,
    t: RequesterType,
    name: &str,
    conditions: Conditions,
    out: &Path,
) -> i64 {
    let rita = user(store, "rita");
    let mut new = new_request(t, name);
    new.conditions = conditions;
    new.scope.document_types = vec!["34117-2".into()];
    let id = request::log_request(store, &rita, &new).expect("log");
    request::verify_identity(store, &rita, id, "verified").expect("verify");
    let (v, st) = request::validate_request(store, &rita, id).expect("validate");
    assert_eq!(st, Status::InProcess, "{:?}", v.problems);
    to_qa_passed(store, id);
    release::release(store, &rita, id, out).expect("release");
    id
}

#[test]
fn accounting_excludes_tpo_and_includes_a_subpoena_release() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let tx_id = release_quick(
        &mut store,
        RequesterType::ProviderTx,
        "Dr. Follow-up Clinic",
        Conditions::default(),
        dir.path(),
    );
    let sub_id = release_quick(
        &mut store,
        RequesterType::Subpoena,
        "County Court Clerk",
        Conditions {
            satisfactory_assurance: true,
            ..Conditions::default()
        },
        dir.path(),
    );
    let a = disclosure::accounting(&mut store, &rita, "MRN0000001", None).expect("accounting");
    assert_eq!(a.window_from, date("2020-11-20"), "AOD-01: six years back");
    let included: Vec<&str> = a.entries.iter().map(|e| e.recipient.as_str()).collect();
    assert_eq!(included, ["County Court Clerk"]);
    assert_eq!(
        a.entries[0].request.as_deref(),
        Some(request::request_label(sub_id).as_str())
    );
    assert_eq!(a.entries[0].recipient_address, "1 Court St, Springfield");
    assert!(a.entries[0].description.contains("34117-2"));
    assert_eq!(a.excluded.len(), 1);
    assert_eq!(
        a.excluded[0].request.as_deref(),
        Some(request::request_label(tx_id).as_str())
    );
    assert_eq!(a.excluded[0].excluded.as_deref(), Some("AOD_EXCL_TPO"));
    let q: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE entity_type = 'accounting' AND subtype = 'query'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(q, 1, "the accounting is audited as a query");

    // AOD-06: a written suspension tied to the agency's request hides its disclosures while
    // in force.
    let oversight = release_quick(
        &mut store,
        RequesterType::Oversight,
        "State Health Oversight Board",
        Conditions::default(),
        dir.path(),
    );
    let a = disclosure::accounting(&mut store, &rita, "MRN0000001", None).expect("accounting");
    assert_eq!(a.entries.len(), 2);
    disclosure::add_suspension(
        &mut store,
        &rita,
        &Suspension {
            agency: String::new(),
            request_id: Some(oversight),
            start: date("2026-11-15"),
            end: date("2027-05-15"),
            written: true,
        },
    )
    .expect("suspend");
    let a = disclosure::accounting(&mut store, &rita, "MRN0000001", None).expect("accounting");
    assert_eq!(a.entries.len(), 1);
    assert!(
        a.excluded
            .iter()
            .any(|e| e.excluded.as_deref() == Some("AOD_SUSPENDED"))
    );

    // AOD-05: the first accounting in 12 months is free, the next is not; 60-day clock.
    let first =
        disclosure::log_aod_request(&mut store, &rita, "MRN0000001", date("2026-11-20"), None)
            .expect("aod");
    assert!(first.free);
    assert_eq!(first.due, date("2027-01-19"));
    // Two months later (a request is never logged before it arrives).
    let later = Utc
        .with_ymd_and_hms(2027, 2, 1, 12, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || later));
    let second =
        disclosure::log_aod_request(&mut store, &rita, "MRN0000001", date("2027-02-01"), None)
            .expect("aod");
    assert!(!second.free);
    assert_eq!(second.fee_cents, 1000);
    assert!(
        disclosure::extend_aod(
            &mut store,
            &rita,
            first.id,
            31,
            "archive",
            date("2026-12-01")
        )
        .is_err()
    );
    let due = disclosure::extend_aod(
        &mut store,
        &rita,
        first.id,
        30,
        "records in off-site archive",
        date("2026-12-01"),
    )
    .expect("extend");
    assert_eq!(due, date("2027-02-18"));
    assert!(
        disclosure::extend_aod(&mut store, &rita, first.id, 5, "again", date("2026-12-01"))
            .is_err(),
        "one extension"
    );
    disclosure::provide_aod(&mut store, &rita, first.id).expect("provide");
    let kept: String = store
        .conn()
        .query_row(
            "SELECT provided_content FROM aod_requests WHERE id = ?1 AND provided_by = 'rita'",
            [first.id],
            |r| r.get(0),
        )
        .expect("kept");
    let kept: Value = serde_json::from_str(&kept).expect("json");
    assert_eq!(
        kept["entries"].as_array().map(Vec::len),
        Some(1),
        "AOD-07: the accounting as provided is kept"
    );
    assert!(
        disclosure::provide_aod(&mut store, &rita, first.id).is_err(),
        "provided once"
    );
}

#[test]
fn release_rows_export_as_balp_privacy_disclosure() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let _ = release_quick(
        &mut store,
        RequesterType::Subpoena,
        "County Court Clerk",
        Conditions {
            satisfactory_assurance: true,
            ..Conditions::default()
        },
        dir.path(),
    );
    let mut out = Vec::new();
    chartdesk::audit::export(
        store.conn(),
        &chartdesk::audit::ExportFilter::default(),
        chartdesk::audit::ExportFormat::Fhir,
        &mut out,
    )
    .expect("export");
    let events: Vec<Value> = String::from_utf8(out)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let disclosures: Vec<&Value> = events
        .iter()
        .filter(|e| e["subtype"][0]["code"] == "disclose")
        .collect();
    assert_eq!(disclosures.len(), 1);
    let e = disclosures[0];
    assert_eq!(e["type"]["code"], "110106");
    assert!(
        e["meta"]["profile"][0]
            .as_str()
            .expect("profile")
            .ends_with("PrivacyDisclosure.Source")
    );
    assert_eq!(e["purposeOfEvent"][0]["coding"][0]["code"], "HLEGAL");
    let recipient = e["agent"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["type"]["coding"][0]["code"] == "110152")
        .expect("recipient");
    assert_eq!(recipient["who"]["display"], "County Court Clerk");
    let patient = e["entity"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|x| x["role"]["code"] == "1")
        .expect("patient");
    assert_eq!(patient["what"]["identifier"]["value"], "MRN0000001");
    let event_id: String = store
        .conn()
        .query_row("SELECT audit_event_id FROM disclosures", [], |r| r.get(0))
        .expect("disclosure");
    assert_eq!(
        e["id"],
        event_id.as_str(),
        "the disclosure row references its audit event"
    );
}

#[test]
fn illegal_transitions_and_qa_rules_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let sam = user(&store, "sam");
    let mut new = new_request(RequesterType::SelfAccess, "Ana Rivera");
    new.scope.document_types = vec!["34117-2".into()];
    let id = request::log_request(&mut store, &rita, &new).expect("log");
    assert!(
        request::close(&mut store, &rita, id).is_err(),
        "LOGGED cannot close"
    );
    assert!(
        request::submit_for_qa(&mut store, &rita, id).is_err(),
        "LOGGED cannot go to QA"
    );
    assert!(release::release(&mut store, &rita, id, dir.path()).is_err());
    // ROI-01 extension: once, ≤ 30 days, with reason and a timely notice.
    assert!(
        request::extend(
            &mut store,
            &rita,
            id,
            31,
            "records off site",
            date("2026-11-20")
        )
        .is_err()
    );
    assert!(request::extend(&mut store, &rita, id, 30, " ", date("2026-11-20")).is_err());
    let due = request::extend(
        &mut store,
        &rita,
        id,
        30,
        "records off site",
        date("2026-11-20"),
    )
    .expect("extend");
    assert_eq!(due, date("2027-01-09"));
    assert!(
        request::extend(&mut store, &rita, id, 5, "again", date("2026-11-20")).is_err(),
        "one extension only"
    );
    request::verify_identity(&mut store, &rita, id, "photo id").expect("verify");
    request::validate_request(&mut store, &rita, id).expect("validate");
    request::submit_for_qa(&mut store, &rita, id).expect("submit");
    let frozen =
        request::set_authorization(&mut store, &rita, id, &full_auth()).expect_err("frozen in QA");
    assert!(frozen.to_string().contains("QA review"), "{frozen}");
    let err = request::qa_review(&mut store, &rita, id, true, "").expect_err("same user");
    assert!(err.to_string().contains("other than the releaser"), "{err}");
    assert!(
        release::release(&mut store, &rita, id, dir.path()).is_err(),
        "no release before QA passes"
    );
    request::qa_review(&mut store, &rita.clone(), id, true, "").expect_err("still refused");
    request::qa_review(&mut store, &sam, id, true, "").expect("qa");
    let err =
        release::release(&mut store, &sam, id, dir.path()).expect_err("QA user may not release");
    assert!(err.to_string().contains("QA"), "{err}");
    // Hold reasons are checked; ROI-05 denials carry their rule.
    assert!(request::hold(&mut store, &rita, id, "BECAUSE").is_err());
    request::hold(&mut store, &rita, id, "HOLD_FEE_UNPAID").expect("hold");
    assert_eq!(status(&store, id), Status::OnHold);
    assert!(request::deny(&mut store, &rita, id, "DENY_WHIM", "", None).is_err());
    let err = request::deny(&mut store, &rita, id, "DENY_ENDANGER", "", None)
        .expect_err("needs a professional");
    assert!(err.to_string().contains("164.524(a)(3)"), "{err}");
    let rule =
        request::deny(&mut store, &rita, id, "DENY_PSYCHOTHERAPY_NOTES", "", None).expect("deny");
    assert_eq!(rule, "45 CFR 164.524(a)(1)(i)");
    request::close(&mut store, &rita, id).expect("close");
    assert_eq!(status(&store, id), Status::Closed);
    assert!(
        request::cancel(&mut store, &rita, id, "late").is_err(),
        "CLOSED is final"
    );
}

#[test]
fn roles_without_roi_permission_are_refused_and_audited() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let carl = user(&store, "carl");
    let tina = user(&store, "tina");
    let err = request::log_request(
        &mut store,
        &carl,
        &new_request(RequesterType::SelfAccess, "Ana"),
    )
    .expect_err("coder");
    assert!(matches!(err, CoreError::Denied { .. }), "{err}");
    let id = request::log_request(
        &mut store,
        &rita,
        &new_request(RequesterType::SelfAccess, "Ana"),
    )
    .expect("log");
    assert!(matches!(
        request::validate_request(&mut store, &tina, id),
        Err(CoreError::Denied { .. })
    ));
    assert!(matches!(
        release::release(&mut store, &tina, id, dir.path()),
        Err(CoreError::Denied { .. })
    ));
    assert!(matches!(
        disclosure::accounting(&mut store, &carl, "MRN0000001", None),
        Err(CoreError::Denied { .. })
    ));
    let denied: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE subtype = 'access_denied'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(denied, 4);
    assert_eq!(status(&store, id), Status::Logged, "nothing changed");
}

#[test]
fn leaving_a_sensitive_document_out_lifts_the_hold() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = request::log_request(
        &mut store,
        &rita,
        &new_request(RequesterType::Auth3p, "Law Office of Smith"),
    )
    .expect("log");
    request::verify_identity(&mut store, &rita, id, "bar card").expect("verify");
    request::set_authorization(&mut store, &rita, id, &full_auth()).expect("auth");
    let (v, _) = request::validate_request(&mut store, &rita, id).expect("validate");
    let sens: Vec<&str> = v.problems.iter().map(|p| p.code).collect();
    assert_eq!(
        sens,
        [
            "AUTH_SENSITIVE_NOT_SPECIFIED",
            "AUTH_SENSITIVE_NOT_SPECIFIED",
            "AUTH_PART2_NONCOMPLIANT"
        ]
    );
    assert!(
        request::set_item(&mut store, &rita, id, 2, false, "").is_err(),
        "a note is required"
    );
    request::set_item(
        &mut store,
        &rita,
        id,
        2,
        false,
        "SUD records not authorized",
    )
    .expect("exclude");
    request::set_item(
        &mut store,
        &rita,
        id,
        3,
        false,
        "psychotherapy notes need their own authorization",
    )
    .expect("exclude");
    assert!(request::set_item(&mut store, &rita, id, 99, false, "x").is_err());
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert!(v.valid, "{:?}", v.problems);
    assert_eq!(st, Status::InProcess);
}

#[test]
fn a_packet_that_cannot_be_written_rolls_the_release_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = release_ready(&mut store);
    // The output "directory" is a file: writing fails inside the transaction.
    let not_a_dir = dir.path().join("plain-file");
    std::fs::write(&not_a_dir, b"x").expect("write");
    let before = common::audit_count(&store);
    let err = release::release(&mut store, &rita, id, &not_a_dir).expect_err("cannot write");
    assert!(err.to_string().contains("plain-file"), "{err}");
    assert_eq!(status(&store, id), Status::QaReview);
    let disclosures: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM disclosures", [], |r| r.get(0))
        .expect("count");
    assert_eq!(disclosures, 0, "no disclosure row without a release");
    assert_eq!(
        common::audit_count(&store),
        before,
        "no audit row of a release that did not happen"
    );
    let r = release::release(&mut store, &rita, id, &dir.path().join("ok")).expect("release");
    assert_eq!(r.documents, 1);
}

fn release_ready(store: &mut Store) -> i64 {
    let rita = user(store, "rita");
    let mut new = new_request(RequesterType::SelfAccess, "Ana Rivera");
    new.scope.document_types = vec!["34117-2".into()];
    let id = request::log_request(store, &rita, &new).expect("log");
    request::verify_identity(store, &rita, id, "photo id").expect("verify");
    request::validate_request(store, &rita, id).expect("validate");
    to_qa_passed(store, id);
    id
}

#[test]
fn roi_05_a_reviewable_denial_is_reviewed_by_another_professional() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = request::log_request(
        &mut store,
        &rita,
        &new_request(RequesterType::SelfAccess, "Ana Rivera"),
    )
    .expect("log");
    let rule = request::deny(
        &mut store,
        &rita,
        id,
        "DENY_ENDANGER",
        "risk to life",
        Some("Dr. House"),
    )
    .expect("deny");
    assert_eq!(rule, "45 CFR 164.524(a)(3)(i)");
    let err = request::review_denial(&mut store, &rita, id, "dr. house", true)
        .expect_err("same professional");
    assert!(err.to_string().contains("164.524(a)(4)"), "{err}");
    request::review_denial(&mut store, &rita, id, "Dr. Wilson", true).expect("review");
    assert!(
        request::review_denial(&mut store, &rita, id, "Dr. Cuddy", false).is_err(),
        "reviewed once"
    );
    let (review, reviewer): (String, String) = store
        .conn()
        .query_row(
            "SELECT deny_review, deny_reviewer FROM release_requests WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(
        (review.as_str(), reviewer.as_str()),
        ("upheld", "Dr. Wilson")
    );
    // An unreviewable denial has no review.
    let other = request::log_request(
        &mut store,
        &rita,
        &new_request(RequesterType::SelfAccess, "Ana Rivera"),
    )
    .expect("log");
    request::deny(&mut store, &rita, other, "DENY_LITIGATION", "", None).expect("deny");
    assert!(request::review_denial(&mut store, &rita, other, "Dr. Wilson", true).is_err());
}
