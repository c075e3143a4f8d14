//! Productive hours in the TUI (issue #15, MET-05), driven by keys through the real runtime:
//! a coder enters their own hours from Home (`H`), a supervisor corrects them on the Admin
//! Staff tab (`h`), each asserted in the database and the audit log (old and new); the
//! Productivity tab shows units ÷ hours against the targets; 80x24 snapshots.

mod tui_fixture;

use std::sync::Arc;

use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::domain::Role;
use chartdesk::settings::{self, Key};
use chartdesk::store::Store;
use chartdesk::tui::{App, ScreenId, TuiOptions};
use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_fixture::{draw, press, screen_text, type_text};

const PW: &str = "correct-horse-1";

fn fixture() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("chartdesk.db")).expect("store");
    let t0 = Utc
        .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t0));
    let sys = Actor::system("test");
    for (u, n, r) in [
        ("sam", "Sam Super", Role::Supervisor),
        ("carl", "Carl Coder", Role::Coder),
        ("rita", "Rita Roi", Role::Roi),
    ] {
        accounts::add_user(&mut store, &sys, u, n, r, PW).expect("user");
    }
    settings::set(&mut store, &sys, Key::FacilityTimezone.name(), "UTC").expect("zone");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex)
                   VALUES (1, 'MRN00042', 'Doe', 'Jane', '1960-02-03', 'F');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, him_status)
                   VALUES (10, 'V2026001', 1, 'inpatient', 'Cardiology', '2026-10-01T08:00:00', '2026-10-05T11:30:00', 'doc_complete');
                 INSERT INTO release_requests(id, patient_id, requester_type, requester_name, received_at, due_at, status, created_by, released_by, released_at, pages)
                   VALUES (1, 1, 'SELF', 'Jane Doe', '2026-11-20', '2026-12-20', 'released', 'rita', 'rita', '2026-11-30T16:00:00.000Z', 40);",
            )?;
            for i in 0..6 {
                let kind = if i < 3 { "inpatient" } else { "outpatient" };
                tx.execute(
                    "INSERT INTO coding_work(encounter_id, username, encounter_kind, started_at, completed_at)
                     VALUES (10, 'carl', ?1, '2026-12-01T08:00:00.000Z', '2026-12-01T08:30:00.000Z')",
                    [kind],
                )?;
            }
            tx.execute(
                "INSERT INTO coding_work(encounter_id, username, encounter_kind, started_at, completed_at)
                 VALUES (10, 'system:coding:unknown', 'inpatient', '2026-12-01T08:00:00.000Z', '2026-12-01T08:10:00.000Z')",
                [],
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("rows");
    let app = App::new(store, TuiOptions::default()).expect("app");
    (dir, app)
}

fn sign_in(app: &mut App, user: &str) {
    type_text(app, user);
    press(app, KeyCode::Tab);
    type_text(app, PW);
    press(app, KeyCode::Enter);
    assert!(app.is_signed_in(), "{user} signs in: {:?}", app.status());
}

fn snap(name: &str, app: &mut App) {
    let t = draw(app, 80, 24);
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_suffix("80x24");
    let screen = t.backend().to_string();
    s.bind(|| insta::assert_snapshot!(name, screen));
}

fn hours_row(store: &Store, user: &str) -> Option<(String, i64, String, String)> {
    store
        .conn()
        .query_row(
            "SELECT h.work_date, h.quarter_hours, h.entered_by, h.note FROM staff_hours h
               JOIN users u ON u.id = h.user_id WHERE u.username = ?1",
            [user],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .ok()
}

fn last_hours_audit(store: &Store) -> (String, String, serde_json::Value) {
    let (a, u, d): (String, String, String) = store
        .conn()
        .query_row(
            "SELECT action, username, detail FROM audit_log WHERE entity_type = 'staff_hours'
               AND subtype = 'update' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("audit row");
    (a, u, serde_json::from_str(&d).expect("json"))
}

#[test]
fn a_coder_enters_own_hours_and_the_supervisor_corrects_them_by_keys() {
    let (_dir, mut app) = fixture();
    let app = &mut app;
    sign_in(app, "carl");
    assert_eq!(app.screen(), ScreenId::Home);
    press(app, KeyCode::Char('H'));
    type_text(app, "7.5 desk day");
    snap("home_my_hours", app);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Home, "own hours stay on Home");
    assert!(
        app.status().is_some_and(|s| s.contains("7.5 h entered")),
        "{:?}",
        app.status()
    );
    assert_eq!(
        hours_row(app.store(), "carl"),
        Some(("2026-12-01".into(), 30, "carl".into(), "desk day".into()))
    );
    let (action, by, d) = last_hours_audit(app.store());
    assert_eq!((action.as_str(), by.as_str()), ("C", "carl"));
    assert_eq!(
        (d["old"].clone(), d["new"].as_f64()),
        (serde_json::Value::Null, Some(7.5))
    );
    // A bad value is refused naming the field; nothing changes.
    press(app, KeyCode::Char('H'));
    type_text(app, "25");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|s| s.contains("hours")),
        "{:?}",
        app.status()
    );
    assert_eq!(hours_row(app.store(), "carl").map(|r| r.1), Some(30));

    // Sign out (lock, then sign out from the lock screen) and in as the supervisor.
    app.handle_key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL));
    press(app, KeyCode::Char('q'));
    press(app, KeyCode::Char('y'));
    assert!(!app.is_signed_in(), "signed out: {:?}", app.status());
    sign_in(app, "sam");
    // Admin, Staff tab (two tabs back from Settings), enter_hours.
    press(app, KeyCode::Char('A'));
    press(app, KeyCode::BackTab);
    press(app, KeyCode::BackTab);
    assert!(screen_text(&draw(app, 80, 24)).contains("Staff"));
    press(app, KeyCode::Char('h'));
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(app, "carl 2026-12-01 6 left early");
    snap("admin_enter_hours", app);
    press(app, KeyCode::Enter);
    assert!(
        app.status()
            .is_some_and(|s| s.contains("7.5 h corrected to 6 h")),
        "{:?}",
        app.status()
    );
    assert_eq!(
        hours_row(app.store(), "carl"),
        Some(("2026-12-01".into(), 24, "sam".into(), "left early".into()))
    );
    let (action, by, d) = last_hours_audit(app.store());
    assert_eq!((action.as_str(), by.as_str()), ("U", "sam"));
    assert_eq!(
        (d["old"].as_f64(), d["new"].as_f64()),
        (Some(7.5), Some(6.0))
    );

    // Productivity: carl 3 IP + 3 OP in 6 h; rita 1 request, hours not entered.
    press(app, KeyCode::Tab);
    let text = screen_text(&draw(app, 80, 24));
    assert!(text.contains("3 IP 3 OP"), "{text}");
    assert!(text.contains("not entered"), "{text}");
    assert!(!text.contains("system:"), "{text}");
    snap("admin_productivity", app);
}
