//! A coding database for the workbench's TUI tests: the embedded FY2026 code sets, a coder
//! and a technician, a fixed clock (2026-03-10 14:00 UTC), encounter 40 (inpatient, H&P and
//! discharge summary signed, SNOMED facts from import: ready to code) and encounter 41 (no
//! discharge summary: held for documentation, COD-20).
#![allow(dead_code)]

use std::sync::Arc;

use chartdesk::CoreError;
use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::deficiency::ops::{AnalyzeScope, analyze_batch};
use chartdesk::domain::Role;
use chartdesk::store::Store;
use chartdesk::tui::{App, TuiOptions};
use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const PASSWORD: &str = "correct horse battery";
pub const ENC: i64 = 40;
pub const HELD: i64 = 41;

pub struct CodingFixture {
    pub _dir: tempfile::TempDir,
    pub app: App,
}

pub fn coding_fixture() -> CodingFixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("chartdesk.db")).expect("store");
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 10, 14, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t0));
    let sys = Actor::system("t");
    chartdesk::codes::load_embedded(&mut store, &sys).expect("code sets");
    for (u, name, role) in [
        ("ccoder", "Cora Coder", Role::Coder),
        ("mtech", "Maria Tech", Role::Technician),
        ("ssuper", "Sam Super", Role::Supervisor),
    ] {
        accounts::add_user(&mut store, &sys, u, name, role, PASSWORD).expect("user");
    }
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name, credentials) VALUES (1, '1234567893', 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES (1, 'MRN0000040', 'Rivera', 'Ana', '1970-03-04', 'F');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (40, 'V0000040', 1, 'inpatient', 'Oncology', '2026-03-02T08:00:00', '2026-03-06T12:00:00', 1, 'awaiting_analysis'),
                          (41, 'V0000041', 1, 'inpatient', 'Surgery', '2026-03-07T08:00:00', '2026-03-08T12:00:00', 1, 'awaiting_analysis');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body) VALUES
                   (400, 40, '34117-2', 'History and physical', 1, 'signed', '2026-03-02T09:00:00', '2026-03-02T10:00:00',
                    'CHIEF COMPLAINT: fatigue.\nHISTORY: right breast cancer, upper-outer quadrant.\nLABS: hemoglobin 8.9.\nASSESSMENT: anemia in neoplastic disease.'),
                   (401, 40, '18842-5', 'Discharge summary', 1, 'signed', '2026-03-06T11:00:00', '2026-03-06T11:30:00',
                    'DISCHARGE DIAGNOSES:\n1. Malignant neoplasm of right female breast.\n2. Anemia in neoplastic disease, transfused.\nDISPOSITION: home.'),
                   (410, 41, '34117-2', 'History and physical', 1, 'signed', '2026-03-07T09:00:00', '2026-03-07T10:00:00', 'Appendicitis.');
                 INSERT INTO clinical_facts(encounter_id, patient_id, kind, system, code, display, occurred_at) VALUES
                   (40, 1, 'condition', 'http://snomed.info/sct', '254837009', 'Malignant neoplasm of breast', '2026-03-02T09:00:00'),
                   (40, 1, 'condition', 'http://snomed.info/sct', '271737000', 'Anemia', '2026-03-02T09:00:00');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", ENC));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    analyze_batch(&mut store, &sys, AnalyzeScope::Awaiting).expect("analysis");
    let app = App::new(store, TuiOptions::default()).expect("app");
    CodingFixture { _dir: dir, app }
}

pub fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
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

pub fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

pub fn scalar(store: &Store, sql: &str) -> String {
    store
        .conn()
        .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .expect("scalar")
}
