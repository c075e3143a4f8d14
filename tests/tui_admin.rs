//! The supervisor's administration screen (issue #15), driven by keys through the real
//! runtime: the scenario (reassign a chart, change a setting, see the audit rows on the audit
//! screen) asserted in the database and the audit log, "who looked at this chart" from a
//! chart, the role check, and 80x24 snapshots of every tab.

mod tui_fixture;

use std::sync::{Arc, Mutex};

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

struct Fx {
    _dir: tempfile::TempDir,
    app: App,
}

fn fixture() -> Fx {
    fixture_with(|_, _| {})
}

/// The fixture, with `prep` run on the store (and its clock) before the TUI starts.
fn fixture_with(prep: impl FnOnce(&mut Store, &Arc<Mutex<chrono::DateTime<Utc>>>)) -> Fx {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("chartdesk.db")).expect("store");
    let t0 = Utc
        .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
        .single()
        .expect("time");
    let now = Arc::new(Mutex::new(t0));
    let clock = now.clone();
    store.set_clock(Arc::new(move || *clock.lock().expect("clock")));
    let sys = Actor::system("test");
    for (u, n, r) in [
        ("sam", "Sam Super", Role::Supervisor),
        ("tina", "Tina Tech", Role::Technician),
        ("carl", "Carl Coder", Role::Coder),
    ] {
        accounts::add_user(&mut store, &sys, u, n, r, PW).expect("user");
    }
    settings::set(&mut store, &sys, Key::FacilityTimezone.name(), "UTC").expect("zone");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, family_name, given_name, credentials) VALUES (1, 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex)
                   VALUES (1, 'MRN00042', 'Doe', 'Jane', '1960-02-03', 'F');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at,
                   attending_id, him_status, coding_status)
                   VALUES (10, 'V2026001', 1, 'inpatient', 'Cardiology', '2026-10-01T08:00:00',
                           '2026-10-05T11:30:00', 1, 'awaiting_analysis', 'not_ready');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("rows");
    prep(&mut store, &now);
    let app = App::new(store, TuiOptions::default()).expect("app");
    Fx { _dir: dir, app }
}

fn sign_in(app: &mut App, user: &str) {
    type_text(app, user);
    press(app, KeyCode::Tab);
    type_text(app, PW);
    press(app, KeyCode::Enter);
    assert!(app.is_signed_in(), "{user} signs in: {:?}", app.status());
}

fn ctrl_u(app: &mut App) {
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
}

fn snap(name: &str, app: &mut App) {
    let t = draw(app, 80, 24);
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_suffix("80x24");
    let screen = t.backend().to_string();
    s.bind(|| insta::assert_snapshot!(name, screen));
}

fn text(app: &mut App) -> String {
    screen_text(&draw(app, 80, 24))
}

fn seqs(store: &Store, sql: &str) -> Vec<i64> {
    let mut stmt = store.conn().prepare(sql).expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<Vec<i64>, _>>()
        .expect("rows")
}

#[test]
fn supervisor_reassigns_a_chart_changes_a_setting_and_sees_the_audit_rows() {
    let mut fx = fixture();
    let app = &mut fx.app;
    sign_in(app, "sam");
    press(app, KeyCode::Char('A'));
    assert_eq!(app.screen(), ScreenId::Admin);
    snap("admin_settings", app);

    // Settings: select claim_minutes and set it to 45.
    let at = Key::ALL
        .iter()
        .position(|k| *k == Key::ClaimMinutes)
        .expect("key");
    for _ in 0..at {
        press(app, KeyCode::Down);
    }
    press(app, KeyCode::Enter);
    snap("admin_setting_prompt", app);
    ctrl_u(app);
    type_text(app, "45");
    press(app, KeyCode::Enter);
    assert_eq!(
        settings::get_i64(app.store().conn(), Key::ClaimMinutes).expect("get"),
        45
    );
    assert!(
        app.status()
            .is_some_and(|s| s.contains("claim_minutes = 45")),
        "{:?}",
        app.status()
    );

    // A bad value is refused by the core and named; nothing changes.
    press(app, KeyCode::Enter);
    ctrl_u(app);
    type_text(app, "9999");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|s| s.contains("claim_minutes")),
        "{:?}",
        app.status()
    );
    assert_eq!(
        settings::get_i64(app.store().conn(), Key::ClaimMinutes).expect("get"),
        45
    );

    // Users, audit, unusual access, staff.
    press(app, KeyCode::Tab);
    snap("admin_users", app);
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    snap("admin_unusual", app);
    press(app, KeyCode::Tab);
    snap("admin_staff", app);

    // Staff: assign the chart to tina, then reassign it to sam.
    press(app, KeyCode::Char('a'));
    ctrl_u(app);
    type_text(app, "chart V2026001 tina");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('a'));
    ctrl_u(app);
    type_text(app, "chart V2026001 sam");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|s| s.contains("assigned to sam")),
        "{:?}",
        app.status()
    );
    let holder: String = app
        .store()
        .conn()
        .query_row(
            "SELECT u.username FROM work_assignments w JOIN users u ON u.id = w.user_id WHERE w.kind = 'chart' AND w.target_id = 10",
            [],
            |r| r.get(0),
        )
        .expect("assignment");
    assert_eq!(holder, "sam");
    let (old, new): (String, String) = app
        .store()
        .conn()
        .query_row(
            "SELECT json_extract(detail, '$.old'), json_extract(detail, '$.new') FROM audit_log
             WHERE entity_type = 'work_assignment' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("audit");
    assert_eq!((old.as_str(), new.as_str()), ("tina", "sam"));

    // The audit tab: newest first, the reassignment and the setting change are on it.
    press(app, KeyCode::BackTab);
    press(app, KeyCode::BackTab);
    let screen = text(app);
    let store = app.store();
    let wanted = seqs(
        store,
        "SELECT seq FROM audit_log WHERE (entity_type = 'work_assignment' OR subtype = 'settings_change')
         AND username = 'sam' ORDER BY seq",
    );
    assert_eq!(wanted.len(), 3, "two assignments and one setting change");
    for s in &wanted {
        assert!(
            screen.contains(&format!("│{s:<6}")) || screen.contains(&format!(" {s} ")),
            "seq {s} shown:\n{screen}"
        );
    }
    assert!(screen.contains("chain intact"), "{screen}");

    // Filter to the setting changes: one row, its old and new value in the detail.
    press(app, KeyCode::Char('f'));
    ctrl_u(app);
    type_text(app, "action=settings_change user=sam");
    press(app, KeyCode::Enter);
    let screen = text(app);
    assert!(screen.contains("Audit: 1 of 1"), "{screen}");
    assert!(
        screen.contains(r#""new":"45""#) && screen.contains(r#""old":"30""#),
        "{screen}"
    );
    snap("admin_audit_filtered", app);
    let views: i64 = app
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE subtype = 'audit_view' AND username = 'sam'",
            [],
            |r| r.get(0),
        )
        .expect("n");
    assert_eq!(views, 3, "each audit read is itself audited");
}

#[test]
fn who_looked_at_this_chart_takes_one_key_from_the_chart() {
    let mut fx = fixture();
    let app = &mut fx.app;
    sign_in(app, "sam");
    press(app, KeyCode::Char('/'));
    type_text(app, "doe");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart);
    press(app, KeyCode::Char('W'));
    assert_eq!(app.screen(), ScreenId::Admin);
    let screen = text(app);
    assert!(screen.contains("mrn=MRN00042"), "{screen}");
    let view = seqs(
        app.store(),
        "SELECT seq FROM audit_log WHERE subtype = 'view' AND patient_mrn = 'MRN00042'",
    );
    assert_eq!(view.len(), 1);
    assert!(screen.contains(&view[0].to_string()), "{screen}");
    // Esc goes back to the chart.
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Chart);
}

#[test]
fn a_technician_cannot_open_the_admin_screen_and_the_core_refuses_anyway() {
    let mut fx = fixture();
    let app = &mut fx.app;
    sign_in(app, "tina");
    press(app, KeyCode::Char('A'));
    assert_ne!(app.screen(), ScreenId::Admin);
    assert!(
        app.status().is_some_and(|s| s.contains("supervisors only")),
        "{:?}",
        app.status()
    );
}

#[test]
fn users_tab_adds_a_user_and_changes_a_role_audited() {
    let mut fx = fixture();
    let app = &mut fx.app;
    sign_in(app, "sam");
    press(app, KeyCode::Char('A'));
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('n'));
    type_text(app, "rosa roi Rosa Release");
    press(app, KeyCode::Enter);
    type_text(app, "long-enough-pw");
    let screen = text(app);
    assert!(
        !screen.contains("long-enough-pw"),
        "the password is masked:\n{screen}"
    );
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|s| s.contains("rosa added")),
        "{:?}",
        app.status()
    );
    // Users are listed by name: carl, rosa, sam, tina. Select tina and make her a coder.
    press(app, KeyCode::End);
    press(app, KeyCode::Char('r'));
    type_text(app, "coder");
    press(app, KeyCode::Enter);
    let role: String = app
        .store()
        .conn()
        .query_row("SELECT role FROM users WHERE username = 'tina'", [], |r| {
            r.get(0)
        })
        .expect("role");
    assert_eq!(role, "coder");
    let n: i64 = app
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE subtype = 'user_admin' AND username = 'sam'",
            [],
            |r| r.get(0),
        )
        .expect("n");
    assert_eq!(n, 2, "add and role change");
}

#[test]
fn unusual_access_lists_a_night_view_of_a_vip_chart_and_staff_releases_a_claim() {
    let mut fx = fixture_with(|store, now| {
        let sys = Actor::system("test");
        chartdesk::privacy::set_flag(store, &sys, "MRN00042", chartdesk::privacy::Flag::Vip, true)
            .expect("flag");
        let tina = Actor::user(2, "tina", Role::Technician);
        *now.lock().expect("clock") = Utc
            .with_ymd_and_hms(2026, 11, 30, 23, 0, 0)
            .single()
            .expect("t");
        chartdesk::chart::open_chart(store, &tina, 1).expect("view");
        *now.lock().expect("clock") = Utc
            .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
            .single()
            .expect("t");
        chartdesk::deficiency::queue::claim(store, &tina, 10).expect("claim");
    });
    let app = &mut fx.app;
    sign_in(app, "sam");
    press(app, KeyCode::Char('A'));
    for _ in 0..3 {
        press(app, KeyCode::Tab);
    }
    let view = seqs(
        app.store(),
        "SELECT seq FROM audit_log WHERE subtype = 'view' AND username = 'tina'",
    );
    assert_eq!(view.len(), 1);
    let screen = text(app);
    assert!(
        screen.contains("flagged chart") && screen.contains("after hours"),
        "{screen}"
    );
    assert!(screen.contains(&view[0].to_string()), "{screen}");
    snap("admin_unusual_findings", app);

    // Clear the flag from the tab (audited).
    press(app, KeyCode::Char('v'));
    ctrl_u(app);
    type_text(app, "MRN00042 VIP off");
    press(app, KeyCode::Enter);
    let flags: i64 = app
        .store()
        .conn()
        .query_row("SELECT count(*) FROM patient_flags", [], |r| r.get(0))
        .expect("n");
    assert_eq!(flags, 0);

    // Staff: tina holds the claim; release it (confirmed, audited).
    press(app, KeyCode::Tab);
    press(app, KeyCode::End);
    assert!(
        text(app).contains("tina holds: encounter V2026001"),
        "{}",
        text(app)
    );
    press(app, KeyCode::Char('R'));
    press(app, KeyCode::Char('y'));
    let claims: i64 = app
        .store()
        .conn()
        .query_row("SELECT count(*) FROM work_claims", [], |r| r.get(0))
        .expect("n");
    assert_eq!(claims, 0, "{:?}", app.status());
    let holder: String = app
        .store()
        .conn()
        .query_row(
            "SELECT json_extract(detail, '$.holder') FROM audit_log WHERE entity_type = 'work_claim' AND username = 'sam'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(holder, "tina");
}

#[test]
fn a_setting_changed_by_someone_else_since_it_was_read_is_not_overwritten() {
    let mut fx = fixture();
    let path = fx._dir.path().join("chartdesk.db");
    let app = &mut fx.app;
    sign_in(app, "sam");
    press(app, KeyCode::Char('A'));
    let at = Key::ALL
        .iter()
        .position(|k| *k == Key::ClaimMinutes)
        .expect("key");
    for _ in 0..at {
        press(app, KeyCode::Down);
    }
    // Another supervisor's terminal changes it after this screen read it.
    let mut other = Store::open(&path).expect("second store");
    settings::set(&mut other, &Actor::system("other"), "claim_minutes", "20").expect("set");
    press(app, KeyCode::Enter);
    ctrl_u(app);
    type_text(app, "45");
    press(app, KeyCode::Enter);
    assert!(
        app.status()
            .is_some_and(|s| s.contains("changed after you read it")),
        "{:?}",
        app.status()
    );
    assert_eq!(
        settings::get_i64(other.conn(), Key::ClaimMinutes).expect("get"),
        20
    );
}
