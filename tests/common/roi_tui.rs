//! The ROI desk's TUI test fixture, shared by the tui_roi* tests: a store on a fixed
//! clock with one user per role and one request ready to work, and key helpers; and what
//! the other TUI tests that include it share (tui_worklist, tui_mpi): a store with the
//! named users, signing in, the 80x24 screen and its snapshot, audit counts.
#![allow(dead_code)]

pub use std::path::Path;
pub use std::sync::Arc;

pub use chartdesk::accounts;
pub use chartdesk::audit::{Action, Actor, Event, Subtype};
pub use chartdesk::domain::Role;
pub use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
pub use chartdesk::roi::{Authorization, Conditions, RequesterType};
pub use chartdesk::store::Store;
pub use chartdesk::tui::{App, ScreenId, TuiOptions};
pub use chrono::{DateTime, NaiveDate, TimeZone, Utc};
pub use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const PASSWORD: &str = "correct-horse-1";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
        .single()
        .expect("time")
}

pub fn open(path: &Path) -> Store {
    let mut s = Store::open_or_create(path).expect("store");
    s.set_clock(Arc::new(t0));
    s
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// A store on the fixed clock with these users (user name, full name, role), each with
/// [`PASSWORD`]; ids are given in order from 1.
pub fn staffed(dir: &Path, users: &[(&str, &str, Role)]) -> Store {
    let mut store = open(&dir.join("chartdesk.db"));
    let sys = Actor::system("test");
    for &(u, n, r) in users {
        accounts::add_user(&mut store, &sys, u, n, r, PASSWORD).expect("user");
    }
    store
}

/// rita (ROI), sam (supervisor), cody (coder); one patient with an H&P and a Part 2 note;
/// REQ-000001 an attorney's request received 2026-10-20 (overdue) with an authorization that
/// lacks its purpose; REQ-000002 the patient's own request, verified.
pub fn fixture(dir: &Path) -> Store {
    let mut store = open(&dir.join("chartdesk.db"));
    let sys = Actor::system("test");
    for (u, n, r) in [
        ("rita", "Rita Roi", Role::Roi),
        ("sam", "Sam Super", Role::Supervisor),
        ("cody", "Cody Coder", Role::Coder),
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
                   (2, 10, '11506-3', 'Addiction medicine note', 1, 'signed', '2026-11-02T09:00:00', '2026-11-02T10:00:00', 'SUD_PART2', 'OUD.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("rows");
    let base = |t, name: &str, received: &str| NewRequest {
        mrn: "MRN00042".into(),
        requester_type: t,
        requester_name: name.into(),
        requester_address: "1 Court St".into(),
        purpose: "claim".into(),
        scope: Scope {
            document_types: vec!["34117-2".into()],
            ..Scope::default()
        },
        delivery: Delivery::Electronic,
        received: date(received),
        conditions: Conditions::default(),
    };
    // Request work is done as rita (no OS user name in what the screens show).
    let rita = Actor::user(1, "rita", Role::Roi);
    let sys = rita;
    let a = request::log_request(
        &mut store,
        &sys,
        &base(RequesterType::Auth3p, "Law Office of Smith", "2026-10-20"),
    )
    .expect("log");
    let auth = Authorization {
        id: Some("AUTH-9".into()),
        description: Some("H&P".into()),
        discloser: Some("HIM".into()),
        recipient: Some("Law Office of Smith".into()),
        expiration_date: Some(date("2027-12-31")),
        signature: Some("Jane Doe".into()),
        signed_date: Some(date("2026-10-18")),
        revocation_statement: true,
        conditioning_statement: true,
        redisclosure_statement: true,
        ..Authorization::default()
    };
    request::set_authorization(&mut store, &sys, a, &auth).expect("auth");
    request::verify_identity(&mut store, &sys, a, "bar card").expect("verify");
    let b = request::log_request(
        &mut store,
        &sys,
        &base(RequesterType::SelfAccess, "Jane Doe", "2026-11-20"),
    )
    .expect("log");
    request::verify_identity(&mut store, &sys, b, "photo id").expect("verify");
    request::validate_request(&mut store, &sys, b).expect("validate");
    store
}

pub fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub fn sign_in(app: &mut App, user: &str) {
    type_text(app, user);
    press(app, KeyCode::Tab);
    type_text(app, PASSWORD);
    press(app, KeyCode::Enter);
}

pub fn scalar(store: &Store, sql: &str) -> i64 {
    store
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .expect("scalar")
}

/// The audit rows `user` wrote about entities of type `entity`.
pub fn audits(store: &Store, entity: &str, user: &str) -> i64 {
    scalar(
        store,
        &format!(
            "SELECT count(*) FROM audit_log WHERE entity_type = '{entity}' AND username = '{user}'"
        ),
    )
}

/// The screen as an 80x24 terminal shows it.
pub fn screen_text(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

/// `snap!("name", &mut app)`: the 80x24 screen as the insta snapshot `name` (suffix `80x24`)
/// of the test file that calls it (a macro, so that insta files it under that test).
#[allow(unused_macros)]
macro_rules! snap {
    ($name:expr, $app:expr) => {{
        let screen = screen_text($app);
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_suffix("80x24");
        s.bind(|| insta::assert_snapshot!($name, screen));
    }};
}
#[allow(unused_imports)]
pub(crate) use snap;
