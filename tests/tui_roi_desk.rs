//! The whole ROI desk at the keyboard: an attorney's request with an authorization goes from
//! intake to packet with no CLI step (patient by search, requester from the address book,
//! document types by name, the authorization prefilled from the request, identity
//! verification, the hold lifted, a document left out from the list, QA by a second user,
//! the fee estimate and a payment with its amount and method, release, close), then the
//! database and the audit rows are checked and the keys counted. Manual holds lifted by
//! their own step, refusal, revocation, partial denial and its review, and suspensions tied
//! to the agency's request are driven by keys too. Every new form is snapshotted at 100x30 and 80x24 (regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_roi_desk`).

use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;

use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::domain::Role;
use chartdesk::roi::RequesterType;
use chartdesk::roi::addressbook::{self, RequesterEntry};
use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
use chartdesk::store::Store;
use chartdesk::tui::{App, ScreenId, TuiOptions};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const PASSWORD: &str = "correct-horse-1";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
        .single()
        .expect("time")
}

fn open(path: &Path) -> Store {
    let mut s = Store::open_or_create(path).expect("store");
    s.set_clock(Arc::new(t0));
    s
}

/// rita (ROI) and sam (supervisor); Jane Doe with an H&P, a discharge summary and a progress
/// note; the address book knows the Law Office of Smith (verified before by bar card).
fn fixture(dir: &Path) -> Store {
    let mut store = open(&dir.join("chartdesk.db"));
    let sys = Actor::system("test");
    for (u, n, r) in [
        ("rita", "Rita Roi", Role::Roi),
        ("sam", "Sam Super", Role::Supervisor),
    ] {
        accounts::add_user(&mut store, &sys, u, n, r, PASSWORD).expect("user");
    }
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, family_name, given_name, credentials) VALUES (1, 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex, address) VALUES
                   (1, 'MRN00042', 'Doe', 'Jane', '1960-02-03', 'F', '9 Elm St');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (10, 'V2026001', 1, 'inpatient', 'Medicine', '2026-11-01T08:00:00', '2026-11-03T11:30:00', 1, 'doc_complete');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, sensitivity, body) VALUES
                   (1, 10, '34117-2', 'History and physical', 1, 'signed', '2026-11-01T09:00:00', '2026-11-01T10:00:00', '', 'Chest pain.'),
                   (2, 10, '18842-5', 'Discharge summary', 1, 'signed', '2026-11-03T10:00:00', '2026-11-03T11:00:00', '', 'Home.'),
                   (3, 10, '11506-3', 'Progress note', 1, 'signed', '2026-11-02T09:00:00', '2026-11-02T10:00:00', '', 'Better.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("rows");
    let rita = Actor::user(1, "rita", Role::Roi);
    addressbook::add(
        &mut store,
        &rita,
        &RequesterEntry {
            name: "Law Office of Smith".into(),
            address: "1 Court St, Springfield".into(),
            requester_type: RequesterType::Auth3p,
            fee_class: "STATE_SCHEDULE".into(),
            delivery: Delivery::Electronic,
            verification: "bar card on file".into(),
        },
    )
    .expect("book");
    store
}

thread_local! {
    static KEYS: Cell<usize> = const { Cell::new(0) };
}

fn press(app: &mut App, code: KeyCode) {
    KEYS.with(|k| k.set(k.get() + 1));
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn keys() -> usize {
    KEYS.with(Cell::get)
}

fn sign_in(app: &mut App, user: &str) {
    type_text(app, user);
    press(app, KeyCode::Tab);
    type_text(app, PASSWORD);
    press(app, KeyCode::Enter);
}

fn snap(name: &str, app: &mut App) {
    for (w, h) in [(100u16, 30u16), (80, 24)] {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("t");
        app.draw(&mut t).expect("draw");
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_suffix(format!("{w}x{h}"));
        let screen = t.backend().to_string();
        s.bind(|| insta::assert_snapshot!(name, screen));
    }
}

fn scalar(store: &Store, sql: &str) -> i64 {
    store
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .expect("scalar")
}

fn status(app: &App) -> String {
    app.status().unwrap_or_default().to_string()
}

#[test]
fn an_attorneys_request_from_intake_to_packet_with_no_cli_step() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));

    // Intake.
    let start = keys();
    press(&mut app, KeyCode::Char('n'));
    // The patient, by search: three letters, Enter searches (audited), Enter takes her.
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "doe");
    press(&mut app, KeyCode::Enter);
    snap("roi_intake_patient_picker", &mut app);
    press(&mut app, KeyCode::Enter);
    // The requester from the address book: three letters; it fills address, type, delivery,
    // fee class and how they were verified before.
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "smi");
    snap("roi_intake_requester_picker", &mut app);
    press(&mut app, KeyCode::Enter);
    // Purpose (two fields down: address and type came from the book).
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "litigation");
    press(&mut app, KeyCode::Enter);
    // Document types by name.
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "hist");
    press(&mut app, KeyCode::Char(' '));
    for _ in 0..4 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "disch");
    press(&mut app, KeyCode::Char(' '));
    snap("roi_intake_document_types", &mut app);
    press(&mut app, KeyCode::Enter);
    snap("roi_intake_filled", &mut app);
    press(&mut app, KeyCode::Char('w'));
    let intake_keys = keys() - start;
    assert_eq!(app.screen(), ScreenId::RoiRequest, "{}", status(&app));
    assert!(
        status(&app).contains("REQ-000001 logged, due 2026-12-25"),
        "{}",
        status(&app)
    );
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM release_requests WHERE id = 1 AND patient_id = 1 AND requester_type = 'AUTH_3P'
               AND requester_name = 'Law Office of Smith' AND requester_address = '1 Court St, Springfield'
               AND purpose = 'litigation' AND delivery = 'electronic'
               AND json_extract(scope, '$.document_types') = '[\"34117-2\",\"18842-5\"]'"
        ),
        1
    );
    // The fee estimate from the fee rules and the pages selected is on the request.
    snap("roi_request_logged_with_estimate", &mut app);

    // The authorization, prefilled from the request: the specialist adds what only the
    // signed form says (expiration, signature, date, statements).
    let start = keys();
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "2027-12-31");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Jane Doe");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "2026-11-20");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    snap("roi_authorization_prefilled", &mut app);
    press(&mut app, KeyCode::Char('w'));
    let auth_keys = keys() - start;
    // Saved and validated: only the requester's identity is missing.
    assert!(
        status(&app).contains("ON_HOLD AUTH_IDENTITY_UNVERIFIED"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE id = 1
               AND json_extract(authorization, '$.recipient') = 'Law Office of Smith, 1 Court St, Springfield'
               AND json_extract(authorization, '$.purpose') = 'litigation'
               AND json_extract(authorization, '$.discloser') = 'Demo General Hospital'
               AND json_extract(authorization, '$.signature') = 'Jane Doe'"
        ),
        1
    );
    println!("keystrokes: intake {intake_keys}, authorization {auth_keys}");
    // Before: ~130 for the request and ~220 for its authorization (issue #11).
    assert!(intake_keys <= 45, "intake took {intake_keys} keys");
    assert!(auth_keys <= 50, "authorization took {auth_keys} keys");

    // Identity (prefilled from how the firm was verified before), then lift the hold.
    press(&mut app, KeyCode::Char('i'));
    snap("roi_verify_identity", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("identity verified (bar card on file) by rita"),
        "{}",
        status(&app)
    );
    // On an AUTH_* hold, u validates again (the verification met its condition).
    press(&mut app, KeyCode::Char('u'));
    assert!(
        status(&app).contains("REQ-000001: valid, IN_PROCESS"),
        "{}",
        status(&app)
    );

    // Leave the discharge summary out, picked from the list (the note is prefilled).
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    snap("roi_documents_picker", &mut app);
    press(&mut app, KeyCode::Char('w'));
    // set_item validates again on its own: no second step.
    assert!(
        status(&app).contains("1 document(s) left out, 0 put back; validated again"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE id = 1 AND status = 'in_process'"
        ),
        1
    );
    press(&mut app, KeyCode::Char('s'));
    assert!(
        status(&app).contains("sent to QA review"),
        "{}",
        status(&app)
    );

    // sam passes QA on another workstation.
    let mut sam = App::new(
        open(&dir.path().join("chartdesk.db")),
        TuiOptions::default(),
    )
    .expect("app");
    sign_in(&mut sam, "sam");
    press(&mut sam, KeyCode::Char('o'));
    press(&mut sam, KeyCode::Enter);
    press(&mut sam, KeyCode::Char('p'));
    press(&mut sam, KeyCode::Char('y'));
    assert!(status(&sam).contains("QA passed"), "{}", status(&sam));

    // rita's screen follows sam's commit; payment, release, close.
    // With nothing to pay against, $ is disabled: E records the fee estimate first (LTR-02).
    app.tick();
    press(&mut app, KeyCode::Char('$'));
    assert!(
        status(&app).contains("no invoice or recorded estimate"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('E'));
    assert!(
        status(&app).contains("fee estimate $") && status(&app).contains("recorded (LTR-02)"),
        "{}",
        status(&app)
    );
    let cents = scalar(
        app.store(),
        "SELECT estimate_cents FROM release_requests WHERE id = 1",
    );
    assert!(cents > 0, "estimate {cents}");
    // The payment by keys: amount in dollars, method picked from the list (check → card).
    press(&mut app, KeyCode::Char('$'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, &format!("{}.{:02}", cents / 100, cents % 100));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    snap("roi_payment_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("by card recorded (ROI-04)"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM release_payments WHERE request_id = 1 AND cents = {cents}
                   AND method = 'card' AND against = 'estimate' AND username = 'rita'"
            )
        ),
        1
    );
    press(&mut app, KeyCode::Char('R'));
    press(&mut app, KeyCode::Char('y'));
    assert!(
        status(&app).contains("REQ-000001 released: 1 document(s), 1 withheld"),
        "{}",
        status(&app)
    );
    assert!(dir.path().join("packets/REQ-000001.zip").exists());
    press(&mut app, KeyCode::Char('c'));
    assert!(status(&app).contains("CLOSED"), "{}", status(&app));

    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM release_requests WHERE id = 1 AND status = 'closed' AND verified_by = 'rita'
               AND verification_method = 'bar card on file' AND prepared_by = 'rita' AND qa_user = 'sam'
               AND released_by = 'rita' AND paid_at IS NOT NULL AND packet_sha256 IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM release_items WHERE request_id = 1 AND document_id = 2 AND included = 0"
        ),
        1
    );
    // Under an authorization: a disclosure row, not accountable (AOD-02).
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM disclosures WHERE request_id = 1 AND accountable = 0 AND document_ids = '1'"
        ),
        1
    );
    // The audit trail of the desk work, in order, by who did it.
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT username, subtype, coalesce(json_extract(detail, '$.status.new'), '') FROM audit_log
             WHERE entity_type = 'release_request' AND entity_id = 'REQ-000001' AND action <> 'R' ORDER BY seq",
        )
        .expect("stmt");
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let steps: Vec<String> = rows
        .iter()
        .map(|(u, s, to)| {
            format!(
                "{u}:{s}{}",
                if to.is_empty() {
                    String::new()
                } else {
                    format!(":{to}")
                }
            )
        })
        .collect();
    assert_eq!(
        steps.first().map(String::as_str),
        Some("rita:create"),
        "{steps:?}"
    );
    for want in [
        "rita:update:VALIDATING",
        "rita:update:ON_HOLD",
        "rita:update:IN_PROCESS",
        "rita:update:QA_REVIEW",
        "sam:update",
        "rita:release",
        "rita:update:RELEASED",
        "rita:update:CLOSED",
    ] {
        assert!(
            steps.iter().any(|s| s == want),
            "{want} missing from {steps:?}"
        );
    }
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'release_request'
               AND json_extract(detail, '$.verification_method') = 'bar card on file'"
        ),
        1
    );
}

/// Every new form of the desk, at 100x30 and 80x24.
#[test]
fn every_new_roi_form_fits() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = Actor::user(1, "rita", Role::Roi);
    let id = request::log_request(
        &mut store,
        &rita,
        &NewRequest {
            mrn: "MRN00042".into(),
            requester_type: RequesterType::SelfAccess,
            requester_name: "Jane Doe".into(),
            requester_address: "9 Elm St".into(),
            purpose: String::new(),
            scope: Scope::default(),
            delivery: Delivery::Electronic,
            received: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
            conditions: Default::default(),
        },
    )
    .expect("log");
    request::verify_identity(&mut store, &rita, id, "photo id").expect("verify");
    request::validate_request(&mut store, &rita, id).expect("validate");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    // Help lists every command of the screen (scrolled at 80x24), with why it is disabled.
    press(&mut app, KeyCode::Char('?'));
    for _ in 0..12 {
        press(&mut app, KeyCode::Down);
    }
    snap("roi_request_help", &mut app);
    press(&mut app, KeyCode::Esc);
    for (key, name) in [
        ('h', "roi_hold_form"),
        ('t', "roi_extend_form"),
        ('C', "roi_cancel_form"),
        ('D', "roi_deny_form"),
    ] {
        press(&mut app, KeyCode::Char(key));
        if matches!(key, 'C' | 'D') {
            press(&mut app, KeyCode::Char('y')); // dangerous: confirmed first
        }
        snap(name, &mut app);
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.screen(), ScreenId::RoiRequest);
    }
    // Esc on a form with unsaved changes asks before discarding.
    press(&mut app, KeyCode::Char('t'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "records at the off-site archive");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    snap("roi_discard_question", &mut app);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("extended 30 days"),
        "{}",
        status(&app)
    );
    // QA fail and the review of a denial.
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('f'));
    snap("roi_qa_fail_form", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('D'));
    press(&mut app, KeyCode::Char('y'));
    for _ in 0..6 {
        press(&mut app, KeyCode::Char(' ')); // DENY_ENDANGER (reviewable)
    }
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Dr. Grey");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("DENIED DENY_ENDANGER"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('r'));
    snap("roi_review_denial_form", &mut app);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Dr. Blue");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("denial upheld by Dr. Blue"),
        "{}",
        status(&app)
    );
    snap("roi_request_denied_and_reviewed", &mut app);

    // The accounting desk: request, suspension, manual disclosure.
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.screen(), ScreenId::Accounting);
    press(&mut app, KeyCode::Char('l'));
    snap("roi_aod_log_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("accounting request 1 logged"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('t'));
    snap("roi_aod_extend_form", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('S'));
    snap("roi_suspension_form", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('m'));
    snap("roi_manual_disclosure_form", &mut app);
}

/// The accounting desk with no CLI step: a disclosure made outside the desk (a public-health
/// report) from the queue, then a request for an accounting logged, provided, and a
/// suspension recorded.
#[test]
fn the_accounting_desk_at_the_keyboard() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    // The sheriff's own request (a 164.512(f) prong): the suspension comes with it (AOD-06).
    let sheriff = request::log_request(
        &mut store,
        &Actor::user(1, "rita", Role::Roi),
        &NewRequest {
            mrn: "MRN00042".into(),
            requester_type: RequesterType::LawEnf,
            requester_name: "County Sheriff".into(),
            requester_address: "2 Jail Rd".into(),
            purpose: "investigation".into(),
            scope: Scope::default(),
            delivery: Delivery::Paper,
            received: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
            conditions: chartdesk::roi::Conditions {
                law_enforcement_prong: true,
                ..Default::default()
            },
        },
    )
    .expect("sheriff");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "MRN00042");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    // Date (today) stays; recipient, address, purpose, what.
    press(&mut app, KeyCode::Down);
    for text in [
        "State Cancer Registry",
        "1 Capitol Way",
        "cancer registry report",
        "pathology report",
    ] {
        press(&mut app, KeyCode::Enter);
        type_text(&mut app, text);
        press(&mut app, KeyCode::Enter);
    }
    snap("roi_manual_disclosure_filled", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(app.screen(), ScreenId::Accounting, "{}", status(&app));
    assert!(
        status(&app).contains("(45 CFR 164.512(b)): in the accounting (accountable)"),
        "{}",
        status(&app)
    );
    snap("roi_accounting_with_manual_disclosure", &mut app);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM disclosures WHERE source = 'manual' AND accountable = 1 AND entered_by = 'rita'
               AND recipient = 'State Cancer Registry' AND purpose = 'cancer registry report'
               AND description = 'pathology report' AND disclosed_at = '2026-11-25'"
        ),
        1
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'disclosure'
               AND action = 'C' AND patient_mrn = 'MRN00042'"
        ),
        1
    );
    // An accounting request, provided (kept as provided, AOD-07).
    press(&mut app, KeyCode::Char('l'));
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("due 2027-01-24 (AOD-05); free"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('P'));
    press(&mut app, KeyCode::Char('y'));
    assert!(status(&app).contains("provided"), "{}", status(&app));
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM aod_requests WHERE status = 'provided' AND provided_by = 'rita'
               AND json_array_length(json_extract(provided_content, '$.entries')) = 1"
        ),
        1
    );
    // A law-enforcement suspension statement (AOD-06), tied to the sheriff's request: a
    // request that is not an agency's is refused, never a typed agency name.
    // The form starts with the patient's agency request; another one is typed first.
    press(&mut app, KeyCode::Char('S'));
    snap("roi_suspension_prefilled_in_accounting", &mut app);
    press(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "REQ-000099");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "2027-02-28");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM aod_suspensions"),
        0,
        "{}",
        status(&app)
    );
    assert!(status(&app).contains("REQ-000099"), "{}", status(&app));
    // Back up from Statement to the request field.
    for _ in 0..3 {
        press(&mut app, KeyCode::Up);
    }
    press(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, &request::request_label(sheriff));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("suspension 1: REQ-000001 (written)"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM aod_suspensions WHERE agency = 'County Sheriff' AND request_id = 1
               AND end_date = '2027-02-28' AND written = 1 AND created_by = 'rita'"
        ),
        1
    );
    // From the sheriff's request itself, S is prefilled with it.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiQueue);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Char('S'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "2027-01-31");
    press(&mut app, KeyCode::Enter);
    snap("roi_suspension_from_request", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("suspension 2: REQ-000001 (written)"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM aod_suspensions WHERE request_id = 1 AND end_date = '2027-01-31'"
        ),
        1
    );
}

/// A SELF request (identity verified, IN_PROCESS) on the desk, with an unsigned progress note
/// (document 4) beside the fixture's signed documents.
fn self_request(store: &mut Store) -> i64 {
    let sys = Actor::system("test");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, sensitivity, body) VALUES
                   (4, 10, '11506-3', 'Progress note day 3', 1, 'dictated', '2026-11-03T08:00:00', NULL, '', 'Walking.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 4));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("unsigned note");
    let rita = Actor::user(1, "rita", Role::Roi);
    let id = request::log_request(
        store,
        &rita,
        &NewRequest {
            mrn: "MRN00042".into(),
            requester_type: RequesterType::SelfAccess,
            requester_name: "Jane Doe".into(),
            requester_address: "9 Elm St".into(),
            purpose: String::new(),
            scope: Scope::default(),
            delivery: Delivery::Electronic,
            received: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
            conditions: Default::default(),
        },
    )
    .expect("log");
    request::verify_identity(store, &rita, id, "photo id").expect("verify");
    request::validate_request(store, &rita, id).expect("validate");
    id
}

fn request_status(store: &Store, id: i64) -> String {
    store
        .conn()
        .query_row(
            "SELECT status || coalesce(' ' || hold_reason, '') FROM release_requests WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .expect("status")
}

/// DOMAIN 4.5: validation never lifts a manual hold; each is lifted at the keyboard by the
/// step that meets its condition: HOLD_CLARIFY_SCOPE by the clarified scope (u opens the
/// scope form), HOLD_RECORD_INCOMPLETE by u once every incomplete document is acknowledged.
#[test]
fn manual_holds_are_lifted_by_their_own_step_at_the_keyboard() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let id = self_request(&mut store);
    assert_eq!(request_status(&store, id), "in_process");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);

    // On hold to clarify the scope (h, the fourth reason).
    press(&mut app, KeyCode::Char('h'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Char(' '));
    }
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("ON_HOLD HOLD_CLARIFY_SCOPE"),
        "{}",
        status(&app)
    );
    snap("roi_request_on_scope_hold", &mut app);
    // Validating again does not lift it.
    press(&mut app, KeyCode::Char('v'));
    assert_eq!(
        request_status(app.store(), id),
        "on_hold HOLD_CLARIFY_SCOPE",
        "{}",
        status(&app)
    );
    // u opens the scope form (prefilled with the scope on file, the note focused).
    press(&mut app, KeyCode::Char('u'));
    for _ in 0..4 {
        press(&mut app, KeyCode::Up);
    }
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "2026-11-01");
    press(&mut app, KeyCode::Enter);
    for _ in 0..3 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "phoned Ms Doe: this admission only");
    press(&mut app, KeyCode::Enter);
    snap("roi_scope_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("scope recorded; IN_PROCESS"),
        "{}",
        status(&app)
    );
    assert_eq!(request_status(app.store(), id), "in_process");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE id = 1 AND json_extract(scope, '$.from') = '2026-11-01'"
        ),
        1
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'release_request'
               AND reason = 'phoned Ms Doe: this admission only'"
        ),
        1
    );

    // On hold for an incomplete record: the unsigned note (document 4) is selected.
    press(&mut app, KeyCode::Char('h'));
    for _ in 0..2 {
        press(&mut app, KeyCode::Char(' '));
    }
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("ON_HOLD HOLD_RECORD_INCOMPLETE"),
        "{}",
        status(&app)
    );
    // u refuses while the note is neither left out nor acknowledged, and names it.
    press(&mut app, KeyCode::Char('u'));
    assert!(
        status(&app).contains("stays on hold HOLD_RECORD_INCOMPLETE: document 4"),
        "{}",
        status(&app)
    );
    assert_eq!(
        request_status(app.store(), id),
        "on_hold HOLD_RECORD_INCOMPLETE"
    );
    // A acknowledges releasing it as it stands (roi_incomplete_documents = ACKNOWLEDGE).
    press(&mut app, KeyCode::Char('A'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Ms Doe wants what exists now");
    press(&mut app, KeyCode::Enter);
    snap("roi_acknowledge_incomplete_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("document(s) 4 released as they stand (acknowledged by rita)"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('u'));
    assert!(
        status(&app).contains("hold lifted; IN_PROCESS"),
        "{}",
        status(&app)
    );
    assert_eq!(request_status(app.store(), id), "in_process");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_items WHERE request_id = 1 AND document_id = 4
               AND incomplete_ack_by = 'rita' AND incomplete_ack_note = 'Ms Doe wants what exists now'"
        ),
        1
    );
    // Both holds are in the history, each ended by its step.
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_request_history WHERE request_id = 1 AND from_status = 'on_hold' AND to_status <> 'on_hold'"
        ),
        2
    );
    snap("roi_request_incomplete_acknowledged", &mut app);
}

/// ROI-05, LTR-03, 164.508(b)(5) at the keyboard: a third party's request is refused listing
/// its defects (D is disabled for it), a revocation is recorded on an authorization on file,
/// and the individual's own request has one document denied and the denial reversed on
/// review by another professional.
#[test]
fn refusal_revocation_and_partial_denial_at_the_keyboard() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let rita = Actor::user(1, "rita", Role::Roi);
    let own = self_request(&mut store);
    let third = |store: &mut Store, name: &str| {
        request::log_request(
            store,
            &rita,
            &NewRequest {
                mrn: "MRN00042".into(),
                requester_type: RequesterType::Auth3p,
                requester_name: name.into(),
                requester_address: "1 Court St".into(),
                purpose: "litigation".into(),
                scope: Scope::default(),
                delivery: Delivery::Paper,
                received: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
                conditions: Default::default(),
            },
        )
        .expect("log")
    };
    let refused = third(&mut store, "Law Office of Smith");
    let revoked = third(&mut store, "Acme Insurance");
    request::set_authorization(
        &mut store,
        &rita,
        revoked,
        &chartdesk::roi::Authorization {
            signature: Some("Jane Doe".into()),
            signed_date: NaiveDate::from_ymd_opt(2026, 11, 1),
            ..Default::default()
        },
    )
    .expect("authorization");
    request::validate_request(&mut store, &rita, refused).expect("validate");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));

    // The queue, soonest due first: the SELF request (received 11-20) is on top.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    // Document 2 denied on a reviewable ground, with the determining professional.
    press(&mut app, KeyCode::Char('X'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "2");
    press(&mut app, KeyCode::Enter);
    for _ in 0..6 {
        press(&mut app, KeyCode::Char(' ')); // DENY_ENDANGER (reviewable)
    }
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Dr. Grey");
    press(&mut app, KeyCode::Enter);
    snap("roi_deny_documents_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("document(s) 2 DENIED DENY_ENDANGER"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM release_items WHERE request_id = {own} AND document_id = 2
                   AND denied_code = 'DENY_ENDANGER' AND denied_professional = 'Dr. Grey' AND denied_by = 'rita'"
            )
        ),
        1
    );
    // r reviews it: the form names document 2; Dr. Blue reverses the denial.
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Dr. Blue");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char(' '));
    snap("roi_review_document_denial_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("denial of document 2 reversed by Dr. Blue; IN_PROCESS"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM release_items WHERE request_id = {own} AND document_id = 2
                   AND denied_review = 'reversed' AND denied_reviewer = 'Dr. Blue'"
            )
        ),
        1
    );
    snap("roi_request_document_denial_reviewed", &mut app);

    // The law office's request (next in the queue): D is disabled, F refuses it.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        request_status(app.store(), refused),
        "on_hold AUTH_NOT_PROVIDED",
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('D'));
    assert!(
        status(&app).contains("refused for its defects (F), not denied"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('F'));
    press(&mut app, KeyCode::Char('y'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "please send a signed HIPAA authorization");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("REFUSED for") && status(&app).contains("(LTR-03)"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM release_requests WHERE id = {refused} AND status = 'denied'
                   AND deny_reason = 'REFUSED_INVALID_AUTHORIZATION' AND json_array_length(deny_defects) > 1"
            )
        ),
        1
    );
    snap("roi_request_refused", &mut app);

    // The insurer's request: the signer revoked the authorization in writing today.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('V'));
    snap("roi_revocation_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("revocation of 2026-11-25 recorded (164.508(b)(5))"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM release_requests WHERE id = {revoked}
                   AND json_extract(authorization, '$.revoked_at') = '2026-11-25'"
            )
        ),
        1
    );
}
