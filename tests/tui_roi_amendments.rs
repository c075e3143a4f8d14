//! The amendment queue (45 CFR 164.526) on the ROI desk, driven by scripted keys through the
//! real runtime (issue #12): log a request from the queue screen (60-day clock), deny it on a
//! ground of 164.526(a)(2), file the individual's statement of disagreement, then a later
//! release carries the amendment material in its packet and manifest. The database and the
//! audit log are checked after each step. Snapshots at 100x30 and 80x24 (regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_roi_amendments`).

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

/// Put `text` in the form field under the cursor (Enter edits, Enter keeps and moves on).
fn fill(app: &mut App, text: &str) {
    press(app, KeyCode::Enter);
    type_text(app, text);
    press(app, KeyCode::Enter);
}

fn audit_count(store: &Store, subtype: &str) -> i64 {
    scalar(
        store,
        &format!(
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'amendment_request' AND subtype = '{subtype}' AND patient_mrn = 'MRN00042'"
        ),
    )
}

#[test]
fn amendment_denied_statement_filed_and_carried_by_a_later_release() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('M'));
    assert_eq!(app.screen(), ScreenId::Amendments);

    // Log: MRN, received (today, kept), who asks, address (left empty), change, reason, doc 1.
    press(&mut app, KeyCode::Char('n'));
    fill(&mut app, "MRN00042");
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "Jane Doe");
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "Remove chest pain from the H&P");
    fill(&mut app, "I never had chest pain");
    fill(&mut app, "1");
    press(&mut app, KeyCode::Char('w'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("AMD-000001 logged, due 2027-01-24"),
        "{status}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM amendment_requests WHERE id = 1 AND status = 'open' AND received = '2026-11-25' AND due = '2027-01-24' AND document_ids = '1'"
        ),
        1
    );
    assert_eq!(audit_count(app.store(), "create"), 1);
    snap("amendment_queue", &mut app);

    // A statement before a denial is refused by the core; the draft stays on screen.
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "too early");
    press(&mut app, KeyCode::Char('w'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("follow a denial"), "{status}");
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM amendment_statements"),
        0
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));

    // Deny: the ground is chosen by name (the accurate-and-complete ground is first offered).
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "the triage note records chest pain");
    snap("amendment_deny_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("AMD-000001 denied (AMEND_DENY_ACCURATE)"),
        "{status}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM amendment_requests WHERE id = 1 AND status = 'denied' AND decided_by = 'rita'"
        ),
        1
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM letters WHERE amendment_id = 1 AND kind = 'amendment_denial'"
        ),
        1
    );

    // The individual's statement of disagreement.
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "I came in for a sprained ankle.");
    press(&mut app, KeyCode::Char('w'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("disagreement filed"), "{status}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM amendment_statements WHERE amendment_id = 1 AND kind = 'disagreement' AND filed_by = 'rita' AND text = 'I came in for a sprained ankle.'"
        ),
        1
    );
    // One row for the denial (an update), one for the statement (a create), with the log's.
    assert_eq!(audit_count(app.store(), "update"), 1);
    assert_eq!(audit_count(app.store(), "create"), 2);
    snap("amendment_denied_with_statement", &mut app);

    // A later release of the patient's own request (REQ-000002, covering the H&P) carries
    // the amendment material: the file in the packet, listed in the manifest.
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    drop(app);
    let mut store = open(&dir.path().join("chartdesk.db"));
    let store = &mut store;
    let rita = Actor::user(1, "rita", Role::Roi);
    let sam = Actor::user(2, "sam", Role::Supervisor);
    request::submit_for_qa(store, &rita, 2).expect("submit");
    request::qa_review(store, &sam, 2, true, "checked").expect("qa");
    let r = chartdesk::roi::release::release(store, &rita, 2, &out).expect("release");
    let carried = r.dir.join("amendments");
    let files: Vec<String> = std::fs::read_dir(&carried)
        .expect("amendments folder in the packet")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().any(|f| f.starts_with("amendment-000001")),
        "{files:?}"
    );
    let manifest = std::fs::read_to_string(r.dir.join("manifest.json")).expect("manifest");
    assert!(
        manifest.contains("amendments/amendment-000001"),
        "{manifest}"
    );
}

/// Accept by keys (164.526(c)): the affected documents are chosen on the accept form (the
/// request was logged without any), and the people to tell — named by the individual, and
/// every earlier recipient of those documents — are recorded and shown.
#[test]
fn amendment_accepted_with_documents_chosen_at_acceptance() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    // An earlier release of the H&P to the patient: its recipient must be told.
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    let rita = Actor::user(1, "rita", Role::Roi);
    let sam = Actor::user(2, "sam", Role::Supervisor);
    request::submit_for_qa(&mut store, &rita, 2).expect("submit");
    request::qa_review(&mut store, &sam, 2, true, "checked").expect("qa");
    chartdesk::roi::release::release(&mut store, &rita, 2, &out).expect("release");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('M'));
    press(&mut app, KeyCode::Char('n'));
    fill(&mut app, "MRN00042");
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "Jane Doe");
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "Add penicillin allergy");
    fill(&mut app, "it is missing");
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM amendment_requests WHERE id = 1 AND document_ids = ''"
        ),
        1
    );
    press(&mut app, KeyCode::Char('y'));
    fill(&mut app, "Allergy: penicillin.");
    fill(&mut app, "1");
    fill(&mut app, "Dr Who of the Clinic");
    snap("amendment_accept_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("AMD-000001 accepted for documents [1]")
            && status.contains("Dr Who of the Clinic")
            && status.contains("Jane Doe"),
        "{status}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM amendment_requests WHERE id = 1 AND status = 'accepted' AND document_ids = '1' AND notify LIKE '%Dr Who of the Clinic%' AND notify LIKE '%Jane Doe%'"
        ),
        1
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM letters WHERE amendment_id = 1 AND kind = 'amendment_accepted'"
        ),
        1
    );
    // The log, the documents chosen, the acceptance: one audit row each.
    assert_eq!(audit_count(app.store(), "create"), 1);
    assert_eq!(audit_count(app.store(), "update"), 2);
}
