//! A database for the deficiency screens: users per role, providers, a patient with a
//! discharged inpatient stay that lacks its discharge summary and has an unsigned progress
//! note, analysed the way the product does it (`analyze_batch`).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::deficiency::ops::{AnalyzeScope, analyze_batch};
use chartdesk::domain::Role;
use chartdesk::store::Store;
use chartdesk::tui::{App, TuiOptions};
use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const PASSWORD: &str = "correct-horse-1";
/// The worked encounter and its unsigned progress note.
pub const ENC: i64 = 10;
pub const NOTE: i64 = 200;

pub struct DefFixture {
    pub dir: tempfile::TempDir,
    pub app: App,
    clock: Arc<Mutex<DateTime<Utc>>>,
}

/// The fixed test time (the app's clock never moves in these tests).
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
        .single()
        .expect("time")
}

impl DefFixture {
    /// Move the app's clock (other workstations stay at [`t0`]).
    pub fn advance(&self, d: chrono::Duration) {
        *self.clock.lock().expect("clock") += d;
    }

    /// A second connection to the same database on the same clock: another workstation.
    pub fn other_workstation(&self) -> Store {
        let mut s = Store::open(&self.dir.path().join("chartdesk.db")).expect("store");
        s.set_clock(Arc::new(t0));
        s
    }
}

pub fn def_fixture() -> DefFixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("chartdesk.db")).expect("store");
    let clock = Arc::new(Mutex::new(t0()));
    let c = clock.clone();
    store.set_clock(Arc::new(move || *c.lock().expect("clock")));
    let sys = Actor::system("test");
    for (user, name, role) in [
        ("tech1", "Tina Tech", Role::Technician),
        ("tech2", "Tom Tech", Role::Technician),
        ("super", "Sue Supervisor", Role::Supervisor),
        ("coder", "Cody Coder", Role::Coder),
    ] {
        accounts::add_user(&mut store, &sys, user, name, role, PASSWORD).expect("user");
    }
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, family_name, given_name, credentials) VALUES
                   (1, 'House', 'Greg', 'MD'), (2, 'Wilson', 'James', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES
                   (1, 'MRN00042', 'Doe', 'Jane', '1960-02-03', 'F'),
                   (2, 'MRN00077', 'Roe', 'Richard', '1971-07-08', 'M');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at,
                   attending_id, discharge_disposition, reason, him_status, coding_status) VALUES
                   (10, 'V2026001', 1, 'inpatient', 'Cardiology', '2026-11-01T08:00:00',
                    '2026-11-03T11:30:00', 1, 'home', 'Chest pain', 'awaiting_analysis', 'not_ready'),
                   (12, 'V2026002', 2, 'inpatient', 'Medicine', '2026-11-18T08:00:00',
                    '2026-11-20T10:00:00', 2, 'home', 'Pneumonia', 'awaiting_analysis', 'not_ready');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body) VALUES
                   (199, 10, '34117-2', 'History and physical', 1, 'signed', '2026-11-01T09:00:00',
                    '2026-11-01T10:00:00', 'H&P'),
                   (200, 10, '11506-3', 'Progress note day 2', 2, 'incomplete', '2026-11-02T09:00:00', NULL,
                    'Improving.'),
                   (201, 12, '34117-2', 'History and physical', 2, 'signed', '2026-11-18T09:00:00',
                    '2026-11-18T10:00:00', 'H&P');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("fixture rows");
    analyze_batch(&mut store, &Actor::system("t"), AnalyzeScope::Awaiting).expect("analysis");
    let app = App::new(store, TuiOptions::default()).expect("app");
    DefFixture { dir, app, clock }
}

pub fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    // Background reads (the dashboard's) fill in before the next step, as a user waits for them.
    app.settle();
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub fn sign_in_as(app: &mut App, user: &str) {
    type_text(app, user);
    press(app, KeyCode::Tab);
    type_text(app, PASSWORD);
    press(app, KeyCode::Enter);
}

/// `(kind, status, waive_pending)` of the encounter's deficiencies, by id.
pub fn deficiencies(store: &Store, encounter_id: i64) -> Vec<(String, String, bool)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT kind, status, waive_pending FROM deficiencies WHERE encounter_id = ?1 ORDER BY id")
        .expect("prepare");
    stmt.query_map([encounter_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

pub fn scalar(store: &Store, sql: &str) -> String {
    store
        .conn()
        .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .expect("scalar")
}

/// `subtype:entity_type` of rows written by `username`, in order.
pub fn audit_of(store: &Store, username: &str) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare("SELECT subtype, entity_type FROM audit_log WHERE username = ?1 ORDER BY seq")
        .expect("prepare");
    stmt.query_map([username], |r| {
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
