//! Two users, one request: no lost update. Two sessions (two `Store` handles on one file)
//! read the same request; the later, stale save is refused with who changed what and when,
//! and the form keeps the user's draft. The same optimistic-version check guards every
//! editable record in the store (users, settings, address-book entries, accounting
//! requests), and a stale release never reports a misleading "packet exists".

use std::path::Path;
use std::sync::Arc;

use chartdesk::CoreError;
use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::domain::Role;
use chartdesk::roi::addressbook::{self, RequesterEntry};
use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
use chartdesk::roi::{Authorization, Conditions, RequesterType};
use chartdesk::settings;
use chartdesk::store::version::{self, Versioned};
use chartdesk::store::{Store, StoreError};
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

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn rita() -> Actor {
    Actor::user(1, "rita", Role::Roi)
}

fn sam() -> Actor {
    Actor::user(2, "sam", Role::Supervisor)
}

/// rita (ROI), sam (supervisor); REQ-000001: an attorney's request with a complete
/// authorization, verified, validated (IN_PROCESS).
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
                   (1, 10, '34117-2', 'History and physical', 1, 'signed', '2026-11-01T09:00:00', '2026-11-01T10:00:00', '', 'Chest pain.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, CoreError>(())
        })
        .expect("rows");
    let id = request::log_request(
        &mut store,
        &rita(),
        &NewRequest {
            mrn: "MRN00042".into(),
            requester_type: RequesterType::Auth3p,
            requester_name: "Law Office of Smith".into(),
            requester_address: "1 Court St".into(),
            purpose: "claim".into(),
            scope: Scope {
                document_types: vec!["34117-2".into()],
                ..Scope::default()
            },
            delivery: Delivery::Electronic,
            received: date("2026-11-20"),
            conditions: Conditions::default(),
        },
    )
    .expect("log");
    let auth = Authorization {
        id: Some("AUTH-9".into()),
        description: Some("H&P".into()),
        discloser: Some("HIM".into()),
        recipient: Some("Law Office of Smith".into()),
        purpose: Some("claim".into()),
        expiration_date: Some(date("2027-12-31")),
        signature: Some("Jane Doe".into()),
        signed_date: Some(date("2026-11-18")),
        revocation_statement: true,
        conditioning_statement: true,
        redisclosure_statement: true,
        ..Authorization::default()
    };
    request::set_authorization(&mut store, &rita(), id, &auth).expect("auth");
    request::verify_identity(&mut store, &rita(), id, "bar card").expect("verify");
    request::validate_request(&mut store, &rita(), id).expect("validate");
    store
}

fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn sign_in(app: &mut App, user: &str) {
    type_text(app, user);
    press(app, KeyCode::Tab);
    type_text(app, PASSWORD);
    press(app, KeyCode::Enter);
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

fn open_request(app: &mut App, user: &str) {
    sign_in(app, user);
    press(app, KeyCode::Char('o'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
}

fn snap(name: &str, app: &mut App) {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_suffix("80x24");
    let screen = t.backend().to_string();
    s.bind(|| insta::assert_snapshot!(name, screen));
}

#[test]
fn two_sessions_one_request_the_stale_save_is_refused_with_the_draft_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(fixture(dir.path()));
    let db = dir.path().join("chartdesk.db");
    // Two workstations, two Store handles on one file; both read REQ-000001.
    let mut ritas = App::new(open(&db), TuiOptions::default()).expect("app");
    let mut sams = App::new(open(&db), TuiOptions::default()).expect("app");
    open_request(&mut ritas, "rita");
    open_request(&mut sams, "sam");

    // rita starts correcting the purpose on the authorization form…
    press(&mut ritas, KeyCode::Char('e'));
    for _ in 0..7 {
        press(&mut ritas, KeyCode::Down);
    }
    press(&mut ritas, KeyCode::Enter);
    ritas.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut ritas, "rita's purpose");
    press(&mut ritas, KeyCode::Enter);

    // …while sam, the supervisor, changes the recipient and saves first.
    press(&mut sams, KeyCode::Char('e'));
    for _ in 0..6 {
        press(&mut sams, KeyCode::Down);
    }
    press(&mut sams, KeyCode::Enter);
    sams.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut sams, "Smith & Jones LLP");
    press(&mut sams, KeyCode::Enter);
    press(&mut sams, KeyCode::Char('w'));
    assert!(
        status(&sams).contains("valid, IN_PROCESS"),
        "{}",
        status(&sams)
    );

    // rita's later save was read before sam's: refused, naming sam, what and when.
    let audit_before = scalar(ritas.store(), "SELECT count(*) FROM audit_log");
    press(&mut ritas, KeyCode::Char('w'));
    let msg = status(&ritas);
    assert!(
        msg.contains("REQ-000001 changed after you read it: sam changed authorization")
            && msg.contains("at 2026-11-25 14:00 UTC")
            && msg.contains("your draft is kept"),
        "{msg}"
    );
    snap("roi_stale_save_refused", &mut ritas);
    // Nothing of rita's was written: sam's recipient stands, rita's purpose is not stored,
    // and no audit row was appended for the refused save.
    let store = ritas.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM release_requests WHERE id = 1
               AND json_extract(authorization, '$.recipient') = 'Smith & Jones LLP'
               AND json_extract(authorization, '$.purpose') = 'claim'"
        ),
        1
    );
    assert_eq!(
        scalar(store, "SELECT count(*) FROM audit_log"),
        audit_before
    );
    // The draft is kept: the form is still open with rita's purpose.
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("t");
    ritas.draw(&mut t).expect("draw");
    assert!(
        t.backend().to_string().contains("rita's purpose"),
        "the draft is gone:\n{}",
        t.backend()
    );
    // Esc asks before discarding it; y discards. The next tick rereads the request (sam's
    // commit changed the file's data_version).
    press(&mut ritas, KeyCode::Esc);
    assert_eq!(ritas.screen(), ScreenId::RoiRequest);
    press(&mut ritas, KeyCode::Char('y'));
    ritas.tick();
    // The reread request carries sam's version: rita's next save goes through.
    press(&mut ritas, KeyCode::Char('e'));
    for _ in 0..7 {
        press(&mut ritas, KeyCode::Down);
    }
    press(&mut ritas, KeyCode::Enter);
    ritas.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut ritas, "litigation");
    press(&mut ritas, KeyCode::Enter);
    press(&mut ritas, KeyCode::Char('w'));
    assert!(
        status(&ritas).contains("valid, IN_PROCESS"),
        "{}",
        status(&ritas)
    );
    assert_eq!(
        scalar(
            ritas.store(),
            "SELECT count(*) FROM release_requests WHERE id = 1
               AND json_extract(authorization, '$.recipient') = 'Smith & Jones LLP'
               AND json_extract(authorization, '$.purpose') = 'litigation'"
        ),
        1
    );
}

#[test]
fn a_stale_release_is_refused_for_what_it_is_not_as_packet_exists() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    request::submit_for_qa(&mut store, &rita(), 1).expect("submit");
    request::qa_review(&mut store, &sam(), 1, true, "").expect("qa");
    drop(store);
    let db = dir.path().join("chartdesk.db");
    let mut a = App::new(open(&db), TuiOptions::default()).expect("app");
    let mut b = App::new(open(&db), TuiOptions::default()).expect("app");
    open_request(&mut a, "rita");
    open_request(&mut b, "rita");
    press(&mut b, KeyCode::Char('R'));
    press(&mut b, KeyCode::Char('y'));
    assert!(status(&b).contains("REQ-000001 released"), "{}", status(&b));
    // The first screen was read before that release.
    press(&mut a, KeyCode::Char('R'));
    press(&mut a, KeyCode::Char('y'));
    let msg = status(&a);
    assert!(
        msg.contains("changed after you read it: rita released it (status now RELEASED)"),
        "{msg}"
    );
    assert!(!msg.contains("already exists"), "{msg}");
    snap("roi_stale_release_refused", &mut a);
    assert_eq!(
        scalar(
            a.store(),
            "SELECT count(*) FROM disclosures WHERE request_id = 1"
        ),
        1
    );
}

#[test]
fn the_queue_refreshes_when_another_user_logs_a_request() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(fixture(dir.path()));
    let db = dir.path().join("chartdesk.db");
    let mut a = App::new(open(&db), TuiOptions::default()).expect("app");
    sign_in(&mut a, "rita");
    press(&mut a, KeyCode::Char('o'));
    let mut other = open(&db);
    request::log_request(
        &mut other,
        &sam(),
        &NewRequest {
            mrn: "MRN00042".into(),
            requester_type: RequesterType::SelfAccess,
            requester_name: "Jane Doe".into(),
            requester_address: String::new(),
            purpose: String::new(),
            scope: Scope::default(),
            delivery: Delivery::Portal,
            received: date("2026-11-24"),
            conditions: Conditions::default(),
        },
    )
    .expect("log");
    let draw = |app: &mut App| {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("t");
        app.draw(&mut t).expect("draw");
        t.backend().to_string()
    };
    assert!(draw(&mut a).contains("1 open"));
    a.tick();
    assert!(draw(&mut a).contains("2 open"), "{}", draw(&mut a));
}

fn stale(e: CoreError) -> String {
    match e {
        CoreError::Store(StoreError::Stale { message, .. }) => message,
        other => panic!("expected a stale refusal, got {other}"),
    }
}

#[test]
fn every_editable_record_carries_its_version_in_the_store() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(fixture(dir.path()));
    let db = dir.path().join("chartdesk.db");
    let mut one = open(&db);
    let mut two = open(&db);
    let sys = Actor::system("admin");

    // A request: a write bumps the version, whoever writes; a stale guarded write is refused
    // and writes nothing.
    let v = version::current(one.conn(), &Versioned::Request(1))
        .expect("v")
        .expect("row");
    request::hold(&mut two, &sam(), 1, "HOLD_FEE_UNPAID").expect("hold");
    let now = version::current(one.conn(), &Versioned::Request(1))
        .expect("v")
        .expect("row");
    assert!(now > v);
    let e = one
        .guarded(Versioned::Request(1), v, |s| {
            request::cancel(s, &rita(), 1, "withdrawn")
        })
        .unwrap_err();
    let m = stale(e);
    assert!(
        m.contains("sam changed the status to ON_HOLD HOLD_FEE_UNPAID"),
        "{m}"
    );
    assert_eq!(
        scalar(
            &one,
            "SELECT count(*) FROM release_requests WHERE id = 1 AND status = 'on_hold'"
        ),
        1
    );
    // A guard follows its own writes: two calls under one read version both go through.
    one.guarded(Versioned::Request(1), now, |s| {
        request::verify_identity(s, &rita(), 1, "bar card, again")?;
        request::validate_request(s, &rita(), 1)
    })
    .expect("own writes");

    // Users.
    let u = version::current(one.conn(), &Versioned::User(2))
        .expect("v")
        .expect("row");
    accounts::disable_user(&mut two, &sys, "sam").expect("disable");
    let e = one
        .guarded(Versioned::User(2), u, |s| {
            accounts::enable_user(s, &sys, "sam")
        })
        .unwrap_err();
    assert!(stale(e).contains("user 2 changed after you read it"));
    assert_eq!(scalar(&one, "SELECT disabled FROM users WHERE id = 2"), 1);
    // Logging in is not an edit of the user record.
    let before = version::current(one.conn(), &Versioned::User(1)).expect("v");
    accounts::login(&mut two, "rita", PASSWORD).expect("login");
    assert_eq!(
        version::current(one.conn(), &Versioned::User(1)).expect("v"),
        before
    );

    // Settings (a setting never written is at version 0).
    let key = "access_due_days".to_string();
    let s0 = version::current(one.conn(), &Versioned::Setting(key.clone())).expect("v");
    assert_eq!(s0, Some(0));
    settings::set(&mut two, &sys, &key, "25").expect("set");
    let e = one
        .guarded(Versioned::Setting(key.clone()), 0, |s| {
            settings::set(s, &sys, &key, "20")
        })
        .unwrap_err();
    assert!(stale(e).contains("setting access_due_days changed after you read it"));
    assert_eq!(
        settings::get(one.conn(), settings::Key::AccessDueDays).expect("get"),
        "25"
    );

    // Address-book entries: update carries the version it was read at.
    let entry = RequesterEntry {
        name: "County Health Dept".into(),
        address: "2 Main St".into(),
        requester_type: RequesterType::PublicHealth,
        fee_class: "NO_FEE".into(),
        delivery: Delivery::Portal,
        verification: "agency letterhead".into(),
    };
    let id = addressbook::add(&mut one, &rita(), &entry).expect("add");
    let read = addressbook::load(one.conn(), id).expect("load");
    let v2 = addressbook::update(
        &mut two,
        &sam(),
        id,
        read.version,
        &RequesterEntry {
            address: "3 Main St".into(),
            ..entry.clone()
        },
    )
    .expect("update");
    assert_eq!(v2, read.version + 1);
    let e = addressbook::update(
        &mut one,
        &rita(),
        id,
        read.version,
        &RequesterEntry {
            verification: "phone call".into(),
            ..entry
        },
    )
    .unwrap_err();
    assert!(
        stale(e).contains("sam changed address at"),
        "who and what are named"
    );
    let now = addressbook::load(one.conn(), id).expect("load");
    assert_eq!(
        (now.address.as_str(), now.verification.as_str()),
        ("3 Main St", "agency letterhead")
    );
    assert_eq!(
        addressbook::find(one.conn(), "coun", 5)
            .expect("find")
            .len(),
        1
    );
    assert_eq!(
        addressbook::find(one.conn(), "health", 5)
            .expect("find")
            .len(),
        1
    );
}

#[test]
fn an_address_book_edit_read_before_another_users_change_is_refused_with_the_draft_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let id = addressbook::add(
        &mut store,
        &rita(),
        &RequesterEntry {
            name: "Law Office of Smith".into(),
            address: "1 Court St".into(),
            requester_type: RequesterType::Auth3p,
            fee_class: "STATE_SCHEDULE".into(),
            delivery: Delivery::Electronic,
            verification: "bar card".into(),
        },
    )
    .expect("add");
    drop(store);
    let db = dir.path().join("chartdesk.db");
    let mut app = App::new(open(&db), TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('b'));
    assert_eq!(app.screen(), ScreenId::AddressBook);
    snap("roi_address_book", &mut app);
    // rita opens the entry and changes the address…
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut app, "9 Bay Rd");
    press(&mut app, KeyCode::Enter);
    // …while sam changes how the firm was verified, on another workstation.
    let mut other = open(&db);
    let read = addressbook::load(other.conn(), id).expect("load");
    addressbook::update(
        &mut other,
        &sam(),
        id,
        read.version,
        &RequesterEntry {
            name: read.name.clone(),
            address: read.address.clone(),
            requester_type: read.requester_type,
            fee_class: read.fee_class.clone(),
            delivery: read.delivery,
            verification: "bar card checked with the state bar".into(),
        },
    )
    .expect("update");
    press(&mut app, KeyCode::Char('w'));
    let msg = status(&app);
    assert!(
        msg.contains("address-book entry 1 changed after you read it: sam changed verification"),
        "{msg}"
    );
    snap("roi_address_book_stale", &mut app);
    let now = addressbook::load(app.store().conn(), id).expect("load");
    assert_eq!(
        (now.address.as_str(), now.verification.as_str()),
        ("1 Court St", "bar card checked with the state bar")
    );
    // The draft is still on the form: Esc asks, y discards; the list then shows sam's change.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    app.tick();
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("t");
    app.draw(&mut t).expect("draw");
    let screen = t.backend().to_string();
    assert!(
        screen.contains("bar card checked with the state bar"),
        "{screen}"
    );
    // Reopened at sam's version, rita's change goes through.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut app, "9 Bay Rd");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("address-book entry 1 saved"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'requester'
               AND json_extract(detail, '$.address.new') = '9 Bay Rd'"
        ),
        1
    );
}

/// Every view writes an audit row, which changes the file for the other users; two idle
/// desks must not make each other reread (and re-audit) their lists forever.
#[test]
fn two_idle_desks_do_not_make_each_other_reread_forever() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(fixture(dir.path()));
    let db = dir.path().join("chartdesk.db");
    let mut a = App::new(open(&db), TuiOptions::default()).expect("app");
    let mut b = App::new(open(&db), TuiOptions::default()).expect("app");
    sign_in(&mut a, "rita");
    sign_in(&mut b, "sam");
    press(&mut a, KeyCode::Char('o'));
    press(&mut b, KeyCode::Char('o'));
    press(&mut b, KeyCode::Enter);
    a.tick();
    b.tick();
    let settled = scalar(a.store(), "SELECT count(*) FROM audit_log");
    for _ in 0..5 {
        a.tick();
        b.tick();
    }
    assert_eq!(scalar(a.store(), "SELECT count(*) FROM audit_log"), settled);
    // A real change is still seen: sam puts the request on hold; rita's queue shows it.
    press(&mut b, KeyCode::Char('h'));
    press(&mut b, KeyCode::Char('w'));
    assert!(
        status(&b).contains("ON_HOLD HOLD_FEE_UNPAID"),
        "{}",
        status(&b)
    );
    a.tick();
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("t");
    a.draw(&mut t).expect("draw");
    let screen = t.backend().to_string();
    assert!(
        screen.contains("│REQ-000001 MRN00042    Doe, Jane        AUTH_3P     ON_HOLD"),
        "{screen}"
    );
}
