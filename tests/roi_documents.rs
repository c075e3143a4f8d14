//! Release of information part 3 (issue #12) through the store: PDF/A-2b packets checked
//! against their manifest, letters from facility templates, signed forms and six-year
//! retention, amendment requests (45 CFR 164.526), restrictions and confidential
//! communications (164.522), delivery records.

mod common;

use common::user;

use std::path::Path;
use std::sync::Arc;

use chartdesk::CoreError;
use chartdesk::audit::{Action, Event, Subtype};
use chartdesk::letters;
use chartdesk::roi::lifecycle::Status;
use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
use chartdesk::roi::{
    Authorization, Conditions, RequesterType, amendment, attachments, delivery, release,
    restriction,
};
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

/// A 1×1 PNG (RGBA).
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn b64(s: &str) -> Vec<u8> {
    let t = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = t.iter().position(|x| *x == c).expect("b64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// The seeded database plus doc 4 (a 150-line discharge summary, 3 pages) and doc 2 (Part 2),
/// the clock at 2026-11-20 12:00 UTC.
fn fixture(dir: &Path) -> Store {
    let mut store = common::seeded(&dir.join("roi.db"));
    let long: String = (1..=150)
        .map(|i| format!("Discharge line {i}.\n"))
        .collect();
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute(
                "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                   VALUES (4, 1, '18842-5', 'Discharge summary', 1, 'signed', '2026-11-04T11:00:00', '2026-11-04T12:00:00', ?1)",
                [long],
            )?;
            tx.execute_batch(
                "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, sensitivity, body)
                   VALUES (2, 1, '11506-3', 'Addiction medicine progress note', 1, 'signed', '2026-11-02T09:00:00', '2026-11-02T10:00:00', 'SUD_PART2', 'Opioid use disorder, on buprenorphine.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 4));
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

fn new_request(t: RequesterType, name: &str, types: &[&str]) -> NewRequest {
    NewRequest {
        mrn: "MRN0000001".into(),
        requester_type: t,
        requester_name: name.into(),
        requester_address: "1 Court St, Springfield".into(),
        purpose: "personal copy".into(),
        scope: Scope {
            document_types: types.iter().map(|s| s.to_string()).collect(),
            ..Scope::default()
        },
        delivery: Delivery::Electronic,
        received: date("2026-11-10"),
        conditions: Conditions::default(),
    }
}

/// The individual's own request for the H&P and discharge summary, validated to IN_PROCESS.
fn self_request(store: &mut Store) -> i64 {
    let rita = user(store, "rita");
    let new = new_request(
        RequesterType::SelfAccess,
        "Ana Rivera",
        &["34117-2", "18842-5"],
    );
    let id = request::log_request(store, &rita, &new).expect("log");
    request::verify_identity(store, &rita, id, "driver licence").expect("verify");
    let (_, st) = request::validate_request(store, &rita, id).expect("validate");
    assert_eq!(st, Status::InProcess);
    id
}

fn qa_and_release(store: &mut Store, id: i64, out: &Path) -> release::Released {
    let rita = user(store, "rita");
    let sam = user(store, "sam");
    request::submit_for_qa(store, &rita, id).expect("submit");
    request::qa_review(store, &sam, id, true, "checked").expect("qa");
    release::release(store, &rita, id, out).expect("release")
}

/// A two-page signed form as a scanner-side PDF would arrive (written here with the same PDF
/// writer; its text says whose signature it carries).
fn two_page_scan() -> Vec<u8> {
    let stamp = chartdesk::pdf::Stamp {
        facility: "Scanner".into(),
        patient_name: "Rivera, Ana".into(),
        mrn: "MRN0000001".into(),
        birth_date: "1970-03-04".into(),
        request: "SCAN".into(),
        bates_prefix: "SC".into(),
        confidential: false,
        created: "2026-11-19T10:00:00".into(),
    };
    let text = (1..=70)
        .map(|i| format!("Authorization line {i}: signed Ana Rivera"))
        .collect::<Vec<_>>()
        .join("\n");
    let parts = [chartdesk::pdf::Part::Text {
        title: "Signed authorization".into(),
        text,
    }];
    let r = chartdesk::pdf::render_all(&stamp, &parts, 1, 2).expect("scan pdf");
    assert_eq!(r[0].pages, 2);
    r[0].bytes.clone()
}

fn pdf_text(bytes: &[u8]) -> (usize, String) {
    let d = lopdf::Document::load_mem(bytes).expect("pdf parses");
    let n = d.get_pages().len();
    let pages: Vec<u32> = (1..=n as u32).collect();
    (n, d.extract_text(&pages).expect("text"))
}

/// Issue #12: a PDF packet's manifest gives each file's true page count (parsed back), its
/// SHA-256, and Bates numbers that run on from file to file; every page is stamped.
#[test]
fn pdf_packet_pages_bates_and_checksums_match_the_manifest() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let id = self_request(&mut store);
    let rita = user(&store, "rita");
    attachments::attach(
        &mut store,
        &rita,
        id,
        "request_letter",
        "letter.png",
        &b64(PNG_1X1),
    )
    .expect("attach png");
    let err = attachments::attach(
        &mut store,
        &rita,
        id,
        "authorization",
        "broken.pdf",
        b"%PDF-1.4\n% scan\n",
    )
    .expect_err("an unreadable PDF cannot go on stamped pages");
    assert!(err.to_string().contains("broken.pdf"), "{err}");
    let scan = two_page_scan();
    attachments::attach(&mut store, &rita, id, "authorization", "auth.pdf", &scan)
        .expect("attach pdf");
    let r = qa_and_release(&mut store, id, dir.path());
    let packet = dir.path().join(&r.request);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(packet.join("manifest.json")).expect("m"))
            .expect("json");
    assert_eq!(manifest["document_format"], "application/pdf");
    let mut bates_next = 1u64;
    let mut total = 0usize;
    let items = manifest["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let total_pages = manifest["total_pages"].as_u64().expect("total");
    for item in items {
        let bytes = std::fs::read(packet.join(item["file"].as_str().expect("file"))).expect("doc");
        assert_eq!(
            chartdesk::roi::packet::sha256_hex(&bytes),
            item["sha256"].as_str().expect("sha")
        );
        let (pages, text) = pdf_text(&bytes);
        assert_eq!(
            pages as u64,
            item["pages"].as_u64().expect("pages"),
            "{}",
            item["file"]
        );
        assert_eq!(item["bates_first"], format!("TG{bates_next:07}"));
        for p in 0..pages as u64 {
            let n = bates_next + p;
            assert!(text.contains(&format!("TG{n:07}")), "Bates {n} on its page");
            assert!(
                text.contains(&format!("Page {n} of {total_pages}")),
                "page {n}"
            );
        }
        assert!(
            text.contains("Rivera, Ana")
                && text.contains("MRN0000001")
                && text.contains("1970-03-04")
        );
        assert!(text.contains(&r.request));
        bates_next += pages as u64;
        total += pages;
    }
    assert_eq!(total, 4, "H&P 1 page + 150-line summary 3 pages");
    assert_eq!(manifest["pages"], 4, "the fee counts document pages");
    // The image scan is drawn on a stamped page that continues the Bates numbers, and the PDF
    // scan on one stamped page per page of it; both scans are also kept as received.
    let enc = manifest["enclosures"].as_array().expect("enclosures");
    let stamped: Vec<&Value> = enc
        .iter()
        .filter(|e| {
            e["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("-stamped.pdf"))
        })
        .collect();
    assert_eq!(stamped.len(), 2, "{enc:?}");
    assert_eq!(stamped[0]["bates_first"], format!("TG{bates_next:07}"));
    assert_eq!(
        stamped[1]["bates_first"],
        format!("TG{:07}", bates_next + 1)
    );
    assert_eq!(stamped[1]["bates_last"], format!("TG{:07}", bates_next + 2));
    assert_eq!(
        total_pages,
        4 + 1 + 2,
        "documents, the image page, the 2 PDF pages"
    );
    let pdf_scan = std::fs::read(packet.join(stamped[1]["file"].as_str().expect("f"))).expect("f");
    assert_eq!(
        chartdesk::roi::packet::sha256_hex(&pdf_scan),
        stamped[1]["sha256"].as_str().expect("sha")
    );
    let (pages, text) = pdf_text(&pdf_scan);
    assert_eq!(pages as u64, stamped[1]["pages"].as_u64().expect("pages"));
    assert_eq!(pages, 2);
    for n in [bates_next + 1, bates_next + 2] {
        assert!(text.contains(&format!("TG{n:07}")), "Bates {n}: {text}");
        assert!(
            text.contains(&format!("Page {n} of {total_pages}")),
            "page {n}"
        );
    }
    assert!(text.contains("Rivera, Ana") && text.contains(&r.request));
    // Each stamped page draws its page of the scan (a form XObject) under the stamp.
    let doc = lopdf::Document::load_mem(&pdf_scan).expect("parses");
    for (_, page) in doc.get_pages() {
        let (own, _) = doc.get_page_resources(page).expect("resources");
        let xo = own
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|x| x.as_dict().ok())
            .expect("XObject");
        assert!(xo.has(b"ChartdeskScan"));
    }
    let as_received = enc
        .iter()
        .find(|e| {
            e["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("authorization-0002.pdf"))
        })
        .expect("pdf as received");
    assert_eq!(as_received["pages"], 2, "the scan's own page count");
    assert_eq!(
        std::fs::read(packet.join(as_received["file"].as_str().expect("f"))).expect("pdf"),
        scan
    );
    let as_received = enc
        .iter()
        .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with(".png")))
        .expect("png");
    assert_eq!(
        std::fs::read(packet.join(as_received["file"].as_str().expect("f"))).expect("png"),
        b64(PNG_1X1)
    );
    assert!(enc.iter().any(|e| {
        e["content_type"] == "application/pdf"
            && e["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("attachments/authorization-"))
    }));
    for f in manifest["files"].as_array().expect("files") {
        let b = std::fs::read(packet.join(f["path"].as_str().expect("p"))).expect("file");
        assert_eq!(
            chartdesk::roi::packet::sha256_hex(&b),
            f["sha256"].as_str().expect("sha")
        );
    }
    // The custodian's certificate names the packet's Bates range.
    let rec = request::load(store.conn(), id).expect("load");
    let (_, _, _, cert) = letters::preview(
        store.conn(),
        &rec,
        "custodian_certificate",
        date("2026-11-20"),
        "Rita",
    )
    .expect("cert");
    assert!(
        cert.contains(&format!("TG0000001 to TG{total_pages:07}")),
        "{cert}"
    );
}

/// The text format stays an option (`release_document_format = TEXT`).
#[test]
fn text_packets_remain_an_option() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    chartdesk::settings::set(
        &mut store,
        &common::system(),
        "release_document_format",
        "TEXT",
    )
    .expect("set");
    let id = self_request(&mut store);
    let r = qa_and_release(&mut store, id, dir.path());
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(&r.request).join("manifest.json")).expect("m"),
    )
    .expect("json");
    assert_eq!(manifest["document_format"], "text/plain; charset=utf-8");
    assert!(
        manifest["items"][0]["file"]
            .as_str()
            .expect("f")
            .ends_with(".txt")
    );
}

/// Letters: the rejection lists each defect in plain words with its citation (164.508(b)(2));
/// a letter sent is listed, audited, in the packet, and cannot be changed or deleted.
#[test]
fn rejection_letter_lists_defects_and_letters_are_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let new = new_request(RequesterType::Auth3p, "Law Office of Smith", &["34117-2"]);
    let id = request::log_request(&mut store, &rita, &new).expect("log");
    let auth = Authorization {
        description: Some("H&P".into()),
        recipient: Some("Law Office of Smith".into()),
        expiration_date: Some(date("2027-06-30")),
        signed_date: Some(date("2026-11-08")),
        ..Authorization::default()
    };
    request::set_authorization(&mut store, &rita, id, &auth).expect("auth");
    let (v, _) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert!(!v.valid);
    let rec = request::load(store.conn(), id).expect("load");
    let (_, _, _, text) =
        letters::preview(store.conn(), &rec, "rejection", date("2026-11-20"), "Rita")
            .expect("preview");
    for p in &v.problems {
        assert!(
            text.contains(p.rule) && text.contains(&p.message),
            "{} missing: {text}",
            p.code
        );
    }
    let before = common::audit_count(&store);
    let (l, pdf) = letters::send(&mut store, &rita, id, "rejection", None).expect("send");
    assert!(common::audit_count(&store) > before, "audited");
    assert_eq!(chartdesk::roi::packet::sha256_hex(&pdf), l.pdf_sha256);
    let (_, ptext) = pdf_text(&pdf);
    assert!(ptext.contains("164.508"), "{ptext}");
    assert_eq!(letters::list(store.conn(), id).expect("list").len(), 1);
    let del = rusqlite::Connection::open(store.path())
        .expect("raw open for test set-up")
        .execute("DELETE FROM letters WHERE id = ?1", [l.id]);
    assert!(del.is_err_and(|e| e.to_string().contains("six years")));
    let upd = rusqlite::Connection::open(store.path())
        .expect("raw open for test set-up")
        .execute("UPDATE letters SET body = 'x' WHERE id = ?1", [l.id]);
    assert!(upd.is_err());
    let del = rusqlite::Connection::open(store.path())
        .expect("raw open for test set-up")
        .execute("DELETE FROM release_requests WHERE id = ?1", [id]);
    assert!(
        del.is_err_and(|e| e.to_string().contains("kept six years")),
        "authorization kept"
    );
}

/// Templates are facility data: an edit is used by the next letter; an unknown field is refused.
#[test]
fn templates_are_editable_facility_data() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let sam = user(&store, "sam");
    let rita = user(&store, "rita");
    let err = letters::set_template(&mut store, &sam, "acknowledgement", None, "Hi {{nobody}}")
        .expect_err("unknown");
    assert!(err.to_string().contains("nobody"), "{err}");
    let err = letters::set_template(&mut store, &rita, "acknowledgement", None, "x")
        .expect_err("not a supervisor");
    assert!(matches!(err, CoreError::Denied { .. }), "{err}");
    letters::set_template(
        &mut store,
        &sam,
        "acknowledgement",
        None,
        "We got {{request}} for {{patient_name}}.\n",
    )
    .expect("edit");
    let id = self_request(&mut store);
    let rec = request::load(store.conn(), id).expect("load");
    let (_, _, _, text) = letters::preview(
        store.conn(),
        &rec,
        "acknowledgement",
        date("2026-11-20"),
        "Rita",
    )
    .expect("preview");
    assert_eq!(
        text,
        format!("We got {} for Rivera, Ana.\n", request::request_label(id))
    );
    // The letter sent goes in the packet.
    letters::send(&mut store, &rita, id, "acknowledgement", None).expect("send");
    let r = qa_and_release(&mut store, id, dir.path());
    let packet = dir.path().join(&r.request);
    let found = std::fs::read_dir(packet.join("letters"))
        .expect("letters dir")
        .count();
    assert_eq!(found, 1);
}

/// 164.524(d)(2): the denial letter holds the basis, the review right and both complaint
/// routes; letters to the individual go to the confidential-communication address (164.522(b)).
#[test]
fn denial_letter_content_and_confidential_address() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = self_request(&mut store);
    restriction::set_confidential_address(&mut store, &rita, "MRN0000001", "PO Box 9, Shelbyville")
        .expect("addr");
    request::deny(
        &mut store,
        &rita,
        id,
        "DENY_ENDANGER",
        "risk of harm",
        Some("Dr House"),
    )
    .expect("deny");
    let (l, _) = letters::send(&mut store, &rita, id, "denial", None).expect("send");
    assert_eq!(l.address, "PO Box 9, Shelbyville");
    let body: String = store
        .conn()
        .query_row("SELECT body FROM letters WHERE id = ?1", [l.id], |r| {
            r.get(0)
        })
        .expect("body");
    for want in [
        "45 CFR 164.524(a)(3)(i)",
        "reviewed by a licensed health care professional",
        "Office for Civil Rights",
        "Privacy Officer",
        "PO Box 9, Shelbyville",
    ] {
        assert!(body.contains(want), "{want}: {body}");
    }
    // Every letter on the individual's own request goes there too (164.522(b)), not only the
    // templates addressed to the individual.
    let (ack, _) = letters::send(&mut store, &rita, id, "acknowledgement", None).expect("ack");
    assert_eq!(ack.address, "PO Box 9, Shelbyville");
    // A letter to a third-party requester keeps the requester's address.
    let new = new_request(RequesterType::Auth3p, "Law Office", &["34117-2"]);
    let third = request::log_request(&mut store, &rita, &new).expect("log");
    let (ack, _) = letters::send(&mut store, &rita, third, "acknowledgement", None).expect("ack");
    assert_eq!(ack.address, "1 Court St, Springfield");
}

/// 164.526: the 60-day clock and its one 30-day extension with notice.
#[test]
fn amendment_clock_rules() {
    let rec = date("2026-01-01");
    assert_eq!(amendment::initial_due(rec), date("2026-03-02"));
    assert_eq!(
        amendment::extended_due(rec, false, 30, "chart offsite", date("2026-02-20")).expect("ok"),
        date("2026-04-01")
    );
    assert!(
        amendment::extended_due(rec, true, 10, "again", date("2026-02-20")).is_err(),
        "only one"
    );
    assert!(
        amendment::extended_due(rec, false, 31, "long", date("2026-02-20")).is_err(),
        "≤ 30 days"
    );
    assert!(
        amendment::extended_due(rec, false, 10, " ", date("2026-02-20")).is_err(),
        "a reason"
    );
    assert!(
        amendment::extended_due(rec, false, 10, "late", date("2026-03-03")).is_err(),
        "notice within 60 days"
    );
}

/// 164.526(d): deny, statement of disagreement and rebuttal; a later release of the document
/// carries them. 164.526(c)(3): acceptance lists earlier recipients to tell.
#[test]
fn denied_amendment_statement_goes_with_a_later_release() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let a = amendment::log(
        &mut store,
        &rita,
        "MRN0000001",
        date("2026-11-15"),
        "Ana Rivera",
        "",
        "Remove 'chest pain' from the H&P",
        "I never had chest pain",
        &[1],
    )
    .expect("log");
    assert_eq!(a.due, "2027-01-14");
    let err = amendment::file_statement(&mut store, &rita, a.id, "disagreement", "no")
        .expect_err("not denied yet");
    assert!(err.to_string().contains("follow a denial"));
    let err =
        amendment::deny(&mut store, &rita, a.id, "AMEND_DENY_WHATEVER", "").expect_err("ground");
    assert!(err.to_string().contains("164.526(a)(2)"));
    amendment::deny(
        &mut store,
        &rita,
        a.id,
        "AMEND_DENY_ACCURATE",
        "the triage note records chest pain",
    )
    .expect("deny");
    let err = amendment::file_statement(&mut store, &rita, a.id, "rebuttal", "x")
        .expect_err("rebuttal needs a statement");
    assert!(err.to_string().contains("164.526(d)(3)"));
    amendment::file_statement(
        &mut store,
        &rita,
        a.id,
        "disagreement",
        "I came in for a sprained ankle.",
    )
    .expect("statement");
    amendment::file_statement(
        &mut store,
        &rita,
        a.id,
        "rebuttal",
        "Triage recorded chest pain at 08:10.",
    )
    .expect("rebuttal");
    let denial: String = store
        .conn()
        .query_row(
            "SELECT body FROM letters WHERE amendment_id = ?1 AND kind = 'amendment_denial'",
            [a.id],
            |r| r.get(0),
        )
        .expect("denial letter");
    assert!(
        denial.contains("164.526(a)(2)(iv)")
            && denial.contains("statement")
            && denial.contains("Office for Civil Rights")
    );
    let id = self_request(&mut store);
    let r = qa_and_release(&mut store, id, dir.path());
    let packet = dir.path().join(&r.request);
    let bytes = std::fs::read(packet.join(format!("amendments/amendment-{:06}.pdf", a.id)))
        .expect("carried");
    let (_, text) = pdf_text(&bytes);
    assert!(
        text.contains("sprained ankle") && text.contains("Triage recorded chest pain"),
        "{text}"
    );
    // A second amendment accepted: the earlier release's recipient must be told.
    let b = amendment::log(
        &mut store,
        &rita,
        "MRN0000001",
        date("2026-11-18"),
        "Ana Rivera",
        "",
        "Add allergy to penicillin",
        "",
        &[1],
    )
    .expect("log");
    let b = amendment::accept(
        &mut store,
        &rita,
        b.id,
        "Allergy: penicillin (added on request).",
        &["Dr Who, Clinic".into()],
    )
    .expect("accept");
    assert_eq!(b.notify["named_by_individual"][0], "Dr Who, Clinic");
    assert!(
        b.notify["known_recipients"][0]
            .as_str()
            .expect("r")
            .starts_with("Ana Rivera"),
        "{}",
        b.notify
    );
    // A third, logged without documents: they are chosen at acceptance (164.526(c)(1)); one
    // that is not the patient's is refused; who must be told is known before accepting.
    let c = amendment::log(
        &mut store,
        &rita,
        "MRN0000001",
        date("2026-11-19"),
        "Ana Rivera",
        "",
        "Correct the discharge weight",
        "",
        &[],
    )
    .expect("log");
    let err =
        amendment::accept(&mut store, &rita, c.id, "Weight 61 kg.", &[]).expect_err("no documents");
    assert!(err.to_string().contains("164.526(c)(1)"), "{err}");
    let err = amendment::accept_documents(&mut store, &rita, c.id, "Weight 61 kg.", &[999], &[])
        .expect_err("not hers");
    assert!(err.to_string().contains("document 999"), "{err}");
    let tell = amendment::would_tell(store.conn(), c.id, &[1]).expect("would tell");
    assert!(tell.iter().any(|t| t.starts_with("Ana Rivera")), "{tell:?}");
    let c = amendment::accept_documents(
        &mut store,
        &rita,
        c.id,
        "Weight 61 kg.",
        &[1, 4],
        &["Dr Who, Clinic".into()],
    )
    .expect("accept with documents");
    assert_eq!(c.document_ids, [1, 4]);
    assert_eq!(c.notify["known_recipients"][0], tell[0].as_str());
    let chosen: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE entity_type = 'amendment_request' AND entity_id = ?1 AND detail LIKE '%chosen at acceptance%'",
            [&c.label],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(chosen, 1, "the documents chosen are audited");
}

/// 164.522(a)(1)(vi): a payer request for a self-paid encounter goes on hold HOLD_RESTRICTION;
/// the individual's own request is not bound; ending the restriction lets the release go.
#[test]
fn self_pay_restriction_holds_a_payer_release() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let sam = user(&store, "sam");
    let rid = restriction::add(
        &mut store,
        &rita,
        "MRN0000001",
        "self_pay",
        &[],
        &[],
        "V0000001",
        "paid in full at discharge",
    )
    .expect("add");
    let new = new_request(RequesterType::Payer, "Acme Health Plan", &["34117-2"]);
    let id = request::log_request(&mut store, &rita, &new).expect("log");
    request::verify_identity(&mut store, &rita, id, "plan letterhead and call-back")
        .expect("verify");
    let (v, st) = request::validate_request(&mut store, &rita, id).expect("validate");
    assert_eq!(st, Status::InProcess, "{:?}", v.problems);
    request::submit_for_qa(&mut store, &rita, id).expect("submit");
    request::qa_review(&mut store, &sam, id, true, "ok").expect("qa");
    let err = release::release(&mut store, &rita, id, dir.path()).expect_err("restricted");
    assert!(err.to_string().contains("HOLD_RESTRICTION"), "{err}");
    let rec = request::load(store.conn(), id).expect("load");
    assert_eq!(
        (rec.status, rec.hold_reason.as_deref()),
        (Status::OnHold, Some("HOLD_RESTRICTION"))
    );
    let err =
        chartdesk::roi::holds::lift_hold(&mut store, &rita, id).expect_err("still restricted");
    assert!(err.to_string().contains("164.522(a)(1)(vi)"), "{err}");
    // The individual's own access is never bound.
    let own = self_request(&mut store);
    assert!(
        restriction::request_conflicts(store.conn(), own, date("2026-11-20"))
            .expect("c")
            .is_empty()
    );
    restriction::end(
        &mut store,
        &rita,
        rid,
        "the individual asked to end it in writing",
    )
    .expect("end");
    chartdesk::roi::holds::lift_hold(&mut store, &rita, id).expect("lift");
    assert_ne!(
        request::load(store.conn(), id).expect("load").status,
        Status::OnHold
    );
    let del = rusqlite::Connection::open(store.path())
        .expect("raw open for test set-up")
        .execute("DELETE FROM restrictions WHERE id = ?1", [rid]);
    assert!(del.is_err(), "restrictions are ended, never deleted");
}

/// Delivery: recorded with method and tracking; a re-send is byte-identical and says so; any
/// other bytes are refused.
#[test]
fn delivery_and_byte_identical_resend() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = self_request(&mut store);
    let r = qa_and_release(&mut store, id, dir.path());
    let first = delivery::record(
        &mut store,
        &rita,
        id,
        "certified_mail",
        "9400 1000 0000 0000 0000 00",
        &r.zip,
    )
    .expect("send");
    assert_eq!(first.resend_of, None);
    let again = delivery::record(&mut store, &rita, id, "email", "", &r.zip).expect("resend");
    assert_eq!(again.resend_of, Some(first.id));
    assert_eq!(again.zip_sha256, first.zip_sha256);
    let other = dir.path().join("other.zip");
    std::fs::write(&other, b"PK not the packet").expect("write");
    let err =
        delivery::record(&mut store, &rita, id, "email", "", &other).expect_err("different bytes");
    assert!(err.to_string().contains("only the released bytes"), "{err}");
    assert_eq!(delivery::list(store.conn(), id).expect("list").len(), 2);
    let err = delivery::record(&mut store, &rita, id, "pigeon", "", &r.zip).expect_err("method");
    assert!(err.to_string().contains("certified_mail"));
}

/// Signed forms: only PDF/PNG/JPEG, kept with their SHA-256, never deleted or changed.
#[test]
fn signed_forms_are_checked_hashed_and_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = user(&store, "rita");
    let id = self_request(&mut store);
    let err = attachments::attach(&mut store, &rita, id, "authorization", "x.txt", b"hello")
        .expect_err("not a scan");
    assert!(err.to_string().contains("x.txt"), "{err}");
    let a = attachments::attach(
        &mut store,
        &rita,
        id,
        "authorization",
        "a.png",
        &b64(PNG_1X1),
    )
    .expect("png");
    assert_eq!(a.sha256, chartdesk::roi::packet::sha256_hex(&b64(PNG_1X1)));
    assert_eq!(a.retain_until, "2032-11-20");
    assert!(
        rusqlite::Connection::open(store.path())
            .expect("raw open for test set-up")
            .execute("DELETE FROM request_attachments WHERE id = ?1", [a.id])
            .is_err()
    );
    assert!(
        rusqlite::Connection::open(store.path())
            .expect("raw open for test set-up")
            .execute(
                "UPDATE request_attachments SET bytes = x'00' WHERE id = ?1",
                [a.id]
            )
            .is_err()
    );
    assert_eq!(attachments::list(store.conn(), id).expect("list").len(), 1);
}

/// Multi-patient requests: a list with a bad line logs nothing and names the line; a payer
/// audit of two patients is validated per patient and released as one packet with a folder per
/// patient, one disclosure row per patient, and a batch manifest whose checksums match.
#[test]
fn payer_audit_released_as_one_packet_with_a_folder_per_patient() {
    use chartdesk::roi::batch;
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (2, 'V0000002', 2, 'outpatient', 'Clinic', '2026-10-01T08:00:00', '2026-10-01T09:00:00', 1, 'awaiting_analysis');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                   VALUES (9, 2, '34117-2', 'History and physical', 1, 'signed', '2026-10-01T08:30:00', '2026-10-01T09:00:00', 'Knee pain.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 9));
            Ok::<_, CoreError>(())
        })
        .expect("patient 2 chart");
    let err = batch::parse_list("MRN0000001\nMRN0000001\n", "audit.txt").expect_err("dup");
    assert!(err.to_string().contains("audit.txt line 2"), "{err}");
    let rita = user(&store, "rita");
    let sam = user(&store, "sam");
    let template = new_request(RequesterType::Payer, "Acme Health Plan audit", &["34117-2"]);
    let before: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM release_requests", [], |r| r.get(0))
        .expect("n");
    let bad = batch::parse_list("MRN0000001\n# comment\nMRN9999999\n", "audit.txt").expect("parse");
    let err = batch::log_batch(
        &mut store,
        &rita,
        &template,
        &bad.into_iter().map(|e| (e, None)).collect::<Vec<_>>(),
        "audit.txt",
    )
    .expect_err("unknown patient");
    assert!(err.to_string().contains("audit.txt line 3"), "{err}");
    let after: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM release_requests", [], |r| r.get(0))
        .expect("n");
    assert_eq!(before, after, "a bad line logs nothing");
    let list = batch::parse_list("MRN0000001\nMRN0000002\n", "audit.txt").expect("parse");
    let (bid, ids) = batch::log_batch(
        &mut store,
        &rita,
        &template,
        &list.into_iter().map(|e| (e, None)).collect::<Vec<_>>(),
        "audit.txt",
    )
    .expect("log");
    assert_eq!(ids.len(), 2);
    let err = batch::release_batch(&mut store, &rita, bid, dir.path()).expect_err("not ready");
    assert!(
        err.to_string().contains("not every patient is ready"),
        "{err}"
    );
    for id in &ids {
        request::verify_identity(&mut store, &rita, *id, "plan letterhead").expect("verify");
        let (_, st) = request::validate_request(&mut store, &rita, *id).expect("validate");
        assert_eq!(st, Status::InProcess);
        request::submit_for_qa(&mut store, &rita, *id).expect("submit");
        request::qa_review(&mut store, &sam, *id, true, "ok").expect("qa");
    }
    let r = batch::release_batch(&mut store, &rita, bid, dir.path()).expect("release");
    assert_eq!(r.released.len(), 2);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(r.dir.join("manifest.json")).expect("m"))
            .expect("json");
    let patients = manifest["patients"].as_array().expect("patients");
    assert_eq!(patients.len(), 2);
    for p in patients {
        let folder = r.dir.join(p["request"].as_str().expect("req"));
        let m = std::fs::read(folder.join("manifest.json")).expect("patient manifest");
        assert_eq!(
            chartdesk::roi::packet::sha256_hex(&m),
            p["manifest_sha256"].as_str().expect("sha")
        );
        let pm: Value = serde_json::from_slice(&m).expect("json");
        assert_eq!(
            pm["patient"]["mrn"], p["mrn"],
            "each folder holds only its patient"
        );
        assert!(p["disclosure_id"].is_i64());
    }
    for f in manifest["files"].as_array().expect("files") {
        let b = std::fs::read(r.dir.join(f["path"].as_str().expect("p"))).expect("file");
        assert_eq!(
            chartdesk::roi::packet::sha256_hex(&b),
            f["sha256"].as_str().expect("sha")
        );
    }
    let rows: i64 = store
        .conn()
        .query_row(
            "SELECT count(DISTINCT patient_id) FROM disclosures WHERE request_id IN (?1, ?2)",
            [ids[0], ids[1]],
            |r| r.get(0),
        )
        .expect("n");
    assert_eq!(rows, 2, "one disclosure row per patient");
    assert!(r.zip.exists());
    assert!(
        batch::release_batch(&mut store, &rita, bid, dir.path()).is_err(),
        "never twice"
    );
}
