//! A small chartdesk database and key helpers shared by the TUI integration tests.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::domain::Role;
use chartdesk::store::Store;
use chartdesk::tui::{App, TuiOptions};
use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub const USER: &str = "mtech";
pub const PASSWORD: &str = "correct-horse-1";

/// A body with screen-clearing and title-setting escape sequences and a bell.
pub const HOSTILE_BODY: &str = "SUBJECTIVE: chest pain\u{1b}[2J resolved.\n\u{1b}]0;x\u{7}OBJECTIVE: stable\u{7}.\nPLAN: home.";

/// The test clock: fixed until advanced.
#[derive(Clone)]
pub struct Clock(Arc<Mutex<DateTime<Utc>>>);

impl Clock {
    pub fn advance(&self, d: Duration) {
        let mut t = self.0.lock().expect("clock");
        *t += d;
    }
}

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub clock: Clock,
    pub app: App,
}

pub fn fixture(demo: bool) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("chartdesk.db")).expect("store");
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
        .single()
        .expect("time");
    let clock = Clock(Arc::new(Mutex::new(t0)));
    let c = clock.clone();
    store.set_clock(Arc::new(move || *c.0.lock().expect("clock")));
    let sys = Actor::system("test");
    accounts::add_user(
        &mut store,
        &sys,
        USER,
        "Maria Tech",
        Role::Technician,
        PASSWORD,
    )
    .expect("user");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(&format!(
                "INSERT INTO providers(id, family_name, given_name, credentials) VALUES (1, 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex)
                   VALUES (1, 'MRN00042', 'Doe', 'Jane', '1960-02-03', 'F');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at,
                   attending_id, discharge_disposition, reason, him_status, coding_status)
                   VALUES (10, 'V2026001', 1, 'inpatient', 'Cardiology', '2026-10-01T08:00:00',
                           '2026-10-05T11:30:00', 1, 'home', 'Chest pain', 'incomplete', 'not_ready'),
                          (11, 'V2025007', 1, 'emergency', 'Emergency', '2025-03-02T22:10:00',
                           '2025-03-03T02:00:00', 1, 'home', 'Fall', 'doc_complete', 'coded');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, sensitivity, body)
                   VALUES (100, 10, '11506-3', 'Progress note day 2', 1, 'signed', '2026-10-02T09:00:00', '', '{}'),
                          (101, 10, '18842-5', 'Discharge summary', 1, 'dictated', '2026-10-05T10:00:00', 'PSYCHOTHERAPY',
                           'Discharged home in stable condition.'),
                          (102, 11, '34111-5', 'ED note', 1, 'signed', '2025-03-02T23:00:00', '', 'Mechanical fall.');",
                HOSTILE_BODY.replace('\'', "''")
            ))?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("fixture rows");
    let opts = TuiOptions {
        demo_credentials: if demo {
            vec![(USER.into(), "Records technician".into(), PASSWORD.into())]
        } else {
            Vec::new()
        },
    };
    let app = App::new(store, opts).expect("app");
    Fixture {
        _dir: dir,
        clock,
        app,
    }
}

pub fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

pub fn ctrl(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub fn sign_in(app: &mut App) {
    type_text(app, USER);
    press(app, KeyCode::Tab);
    type_text(app, PASSWORD);
    press(app, KeyCode::Enter);
}

/// Sign in, search "doe", open the chart and the first document.
pub fn open_first_document(app: &mut App) {
    sign_in(app);
    press(app, KeyCode::Char('/'));
    type_text(app, "doe");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
}

pub fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    app.draw(&mut t).expect("draw");
    t
}

/// The whole screen as text, one line per row.
pub fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Audit subtypes of the signed-in user's rows, in order, as `subtype:entity_type`.
pub fn user_audit(store: &Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT subtype, entity_type FROM audit_log WHERE user_id IS NOT NULL ORDER BY seq",
        )
        .expect("prepare");
    stmt.query_map([], |r| {
        Ok(format!(
            "{}:{}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?
        ))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}
