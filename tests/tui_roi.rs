//! The ROI desk in the TUI, driven by scripted keys through the real runtime: queue (soonest
//! due first, overdue flagged), request detail with validation problems, QA by a second user on
//! another workstation, release, and the accounting of disclosures. Then the database and the
//! audit log are checked. Snapshots at 100x30 and 80x24 (regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_roi`).

#[path = "common/roi_tui.rs"]
mod roi_tui;
use roi_tui::*;

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

#[test]
fn roi_desk_from_queue_to_release_and_accounting() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(app.screen(), ScreenId::RoiQueue);
    snap("roi_queue", &mut app);

    // The overdue attorney request is first; validating it puts it on hold with its code.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Char('v'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("ON_HOLD AUTH_MISSING_PURPOSE (45 CFR 164.508(c)(1)(iv))"),
        "{status}"
    );
    snap("roi_request_on_hold", &mut app);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE id = 1 AND status = 'on_hold'"
        ),
        1
    );

    // The form opens at the first missing element (the purpose): fill it in, save; it
    // validates again and leaves the hold.
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "at the request of the individual");
    press(&mut app, KeyCode::Enter);
    snap("roi_authorization_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("REQ-000001: valid, IN_PROCESS"), "{status}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE id = 1 AND status = 'in_process' AND json_extract(authorization, '$.purpose') = 'at the request of the individual'"
        ),
        1
    );

    // The patient's own request: send to QA.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('s'));
    assert!(
        app.status()
            .unwrap_or_default()
            .contains("sent to QA review")
    );
    // rita may not pass her own QA.
    press(&mut app, KeyCode::Char('p'));
    press(&mut app, KeyCode::Char('y'));
    assert!(
        app.status()
            .unwrap_or_default()
            .contains("other than the releaser"),
        "{:?}",
        app.status()
    );

    // sam passes QA on another workstation.
    let mut other = App::new(
        open(&dir.path().join("chartdesk.db")),
        TuiOptions::default(),
    )
    .expect("app");
    sign_in(&mut other, "sam");
    press(&mut other, KeyCode::Char('o'));
    press(&mut other, KeyCode::Char('j'));
    press(&mut other, KeyCode::Enter);
    press(&mut other, KeyCode::Char('p'));
    press(&mut other, KeyCode::Char('y'));
    assert!(
        other.status().unwrap_or_default().contains("QA passed"),
        "{:?}",
        other.status()
    );

    // rita's screen refreshes when sam's commit lands (data_version poll on the tick), then
    // she releases (with confirmation) and reads the accounting.
    app.tick();
    press(&mut app, KeyCode::Char('R'));
    press(&mut app, KeyCode::Char('y'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("REQ-000002 released: 1 document(s)"),
        "{status}"
    );
    assert!(dir.path().join("packets/REQ-000002.zip").exists());
    assert!(dir.path().join("packets/REQ-000002/manifest.json").exists());
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM release_requests WHERE id = 2 AND status = 'released' AND released_by = 'rita' AND qa_user = 'sam'"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM disclosures WHERE request_id = 2 AND accountable = 0"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND subtype = 'release' AND patient_mrn = 'MRN00042'"
        ),
        1
    );
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.screen(), ScreenId::Accounting);
    snap("roi_accounting", &mut app);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'accounting' AND subtype = 'query'"
        ),
        1
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
}

#[test]
fn a_coder_cannot_open_the_roi_queue() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "cody");
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(app.screen(), ScreenId::Home);
    assert!(
        app.status()
            .unwrap_or_default()
            .contains("only the ROI role and supervisors"),
        "{:?}",
        app.status()
    );
}

#[test]
fn logging_a_request_and_leaving_a_document_out_from_the_desk() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('n'));
    // A save without a patient is refused on the form, naming the field.
    press(&mut app, KeyCode::Char('w'));
    snap("roi_new_request_form", &mut app);
    // The patient is found by search, not typed blind.
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "doe");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    // The requester: not in the address book yet, so the typed name is kept.
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "John Doe (guardian)");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    for _ in 0..12 {
        press(&mut app, KeyCode::Char(' ')); // AUTH_3P, COURT_ORDER, … round to PERSREP
    }
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("REQ-000003 logged, due 2026-12-25"),
        "{status}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE id = 3 AND requester_type = 'PERSREP' AND requester_name = 'John Doe (guardian)' AND received_at = '2026-11-25' AND created_by = 'rita'"
        ),
        1
    );
    // Leave the Part 2 note out by picking it from the list (the note is prefilled).
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('w'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("1 document(s) left out"), "{status}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_items WHERE request_id = 3 AND document_id = 2 AND included = 0 AND note = 'not needed for the purpose (ROI-06)'"
        ),
        1
    );
}
