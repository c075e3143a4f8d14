//! Per-user worklists and chart privacy flags in the TUI (issue #15), driven by scripted keys
//! through the real runtime: a supervisor opens a technician's worklist from the Admin Staff
//! tab (`w`), reassigns the assigned chart to another technician picked from a list (`r`),
//! and releases the technician's claim (`R`); a technician opens their own (`M` on Home) and
//! may not move work; a supervisor sets and clears a VIP flag from the chart (`V`, reason
//! required) and a technician may not. The database and the audit log are checked after each
//! step. Snapshots at 80x24 (regenerate with `INSTA_UPDATE=always cargo test --test
//! tui_worklist`).

#[path = "common/roi_tui.rs"]
mod roi_tui;
use roi_tui::*;

use chartdesk::privacy::{self, Flag, work};

/// sam (supervisor, id 1), tina and ted (technicians), cody (coder); one patient with two
/// discharged encounters; V2026001 assigned to tina by sam, V2026002 claimed by tina.
fn fixture(dir: &Path) -> Store {
    let mut store = staffed(
        dir,
        &[
            ("sam", "Sam Super", Role::Supervisor),
            ("tina", "Tina Tech", Role::Technician),
            ("ted", "Ted Tech", Role::Technician),
            ("cody", "Cody Coder", Role::Coder),
        ],
    );
    let sys = Actor::system("test");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, family_name, given_name, credentials) VALUES (1, 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex, address) VALUES
                   (1, 'MRN00042', 'Doe', 'Jane', '1960-02-03', 'F', '9 Elm St');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status) VALUES
                   (10, 'V2026001', 1, 'inpatient', 'Medicine', '2026-11-01T08:00:00', '2026-11-03T11:30:00', 1, 'incomplete'),
                   (11, 'V2026002', 1, 'inpatient', 'Surgery', '2026-11-10T08:00:00', '2026-11-12T11:30:00', 1, 'awaiting_analysis');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("rows");
    let sam = Actor::user(1, "sam", Role::Supervisor);
    work::assign(&mut store, &sam, work::WorkKind::Chart, "V2026001", "tina").expect("assign");
    let tina = Actor::user(2, "tina", Role::Technician);
    chartdesk::deficiency::queue::claim(&mut store, &tina, 11).expect("claim");
    store
}

#[test]
fn a_supervisor_reassigns_and_releases_from_a_users_worklist() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "sam");
    press(&mut app, KeyCode::Char('A'));
    // Settings → Users → Audit → Unusual access → Staff.
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    // Staff rows by user name: cody, sam, ted, tina.
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(app.screen(), ScreenId::Worklist);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'worklist' AND entity_id = 'tina' AND username = 'sam' AND subtype = 'query'"
        ),
        1,
        "opening a worklist is an audited read"
    );
    let text = screen_text(&mut app);
    assert!(text.contains("1 assigned · 1 claimed"), "{text}");
    snap!("worklist_of_tina", &mut app);

    // Reassign the chart: tina is not offered; ted is picked (sam is first in the list).
    press(&mut app, KeyCode::Char('r'));
    snap!("worklist_reassign_picker", &mut app);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("reassigned from tina to ted"), "{status}");
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM work_assignments w JOIN users u ON u.id = w.user_id
             WHERE w.kind = 'chart' AND w.target_id = 10 AND u.username = 'ted'"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'work_assignment' AND username = 'sam'
             AND json_extract(detail, '$.old') = 'tina' AND json_extract(detail, '$.new') = 'ted'"
        ),
        1
    );
    // The list was read again: only the claim is left; release it (asked first).
    let text = screen_text(&mut app);
    assert!(text.contains("0 assigned · 1 claimed"), "{text}");
    press(&mut app, KeyCode::Char('R'));
    press(&mut app, KeyCode::Char('y'));
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM work_claims WHERE entity_id = 11"
        ),
        0
    );
    assert_eq!(audits(store, "work_claim", "sam"), 1);
    let text = screen_text(&mut app);
    assert!(text.contains("0 assigned · 0 claimed"), "{text}");
}

#[test]
fn a_technician_sees_their_own_worklist_but_moves_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let tina = Actor::user(2, "tina", Role::Technician);
    assert!(
        work::worklist(&mut store, &tina, "ted").is_err(),
        "another user's worklist is the supervisor's"
    );
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "tina");
    press(&mut app, KeyCode::Char('M'));
    assert_eq!(app.screen(), ScreenId::Worklist);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'worklist' AND entity_id = 'tina'
             AND username = 'tina' AND json_extract(detail, '$.own') = 1"
        ),
        1
    );
    snap!("worklist_own", &mut app);
    press(&mut app, KeyCode::Char('r'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("supervisors only"), "{status}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM work_assignments w JOIN users u ON u.id = w.user_id WHERE u.username = 'tina'"
        ),
        1,
        "nothing moved"
    );
}

fn open_jane(app: &mut App) {
    press(app, KeyCode::Char('/'));
    type_text(app, "MRN00042");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart);
}

#[test]
fn a_supervisor_sets_and_clears_a_vip_flag_from_the_chart_with_a_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "sam");
    open_jane(&mut app);
    press(&mut app, KeyCode::Char('V'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM patient_flags"),
        0,
        "no flag without a reason"
    );
    type_text(&mut app, "hospital board member");
    snap!("chart_flag_prompt", &mut app);
    press(&mut app, KeyCode::Enter);
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM patient_flags WHERE patient_id = 1 AND flag = 'VIP' AND set_by = 'sam'"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'patient_flag' AND username = 'sam'
             AND reason = 'hospital board member' AND json_extract(detail, '$.new') = 1"
        ),
        1
    );
    let text = screen_text(&mut app);
    assert!(text.contains("[VIP] Doe"), "{text}");
    snap!("chart_with_vip_flag", &mut app);

    // Again: the form clears the flag the patient has.
    press(&mut app, KeyCode::Char('V'));
    assert!(screen_text(&mut app).contains("Clear the VIP flag"));
    type_text(&mut app, "left the board");
    press(&mut app, KeyCode::Enter);
    assert_eq!(scalar(app.store(), "SELECT count(*) FROM patient_flags"), 0);
    assert!(!screen_text(&mut app).contains("[VIP]"));
    // Tab picks the other flag.
    press(&mut app, KeyCode::Char('V'));
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "works in radiology");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM patient_flags WHERE flag = 'EMPLOYEE'"
        ),
        1
    );
    assert_eq!(audits(app.store(), "patient_flag", "sam"), 3);
}

#[test]
fn a_technician_may_not_flag_a_chart() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let tina = Actor::user(2, "tina", Role::Technician);
    assert!(
        privacy::set_flag_because(&mut store, &tina, "MRN00042", Flag::Vip, true, "curious")
            .is_err()
    );
    let sam = Actor::user(1, "sam", Role::Supervisor);
    assert!(
        privacy::set_flag_because(&mut store, &sam, "MRN00042", Flag::Vip, true, " ").is_err(),
        "the reason is required in the core too"
    );
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "tina");
    open_jane(&mut app);
    press(&mut app, KeyCode::Char('V'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("supervisors only"), "{status}");
    assert_eq!(scalar(app.store(), "SELECT count(*) FROM patient_flags"), 0);
}
