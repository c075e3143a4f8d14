//! The amendment queue (45 CFR 164.526) on the ROI desk, driven by scripted keys through the
//! real runtime (issue #12): log a request from the queue screen (60-day clock), deny it on a
//! ground of 164.526(a)(2), file the individual's statement of disagreement, then a later
//! release — by keys on the desk: sent to QA, QA passed by a second user on another
//! workstation, released — carries the amendment material in its packet and manifest. The database and the
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

    // A later release of the patient's own request (REQ-000002, covering the H&P), by keys on
    // the desk: rita sends it to QA, sam passes QA on another workstation, rita releases it.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiQueue);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Char('s'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("REQ-000002") && status.contains("sent to QA review"),
        "{status}"
    );
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
    let status = other.status().unwrap_or_default().to_string();
    assert!(status.contains("QA passed"), "{status}");
    drop(other);
    app.tick();
    press(&mut app, KeyCode::Char('R'));
    press(&mut app, KeyCode::Char('y'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("REQ-000002 released"), "{status}");

    // The packet carries the amendment material: the file is in the packet, listed in the
    // manifest with its SHA-256, and holds the request, the denial and the statement.
    let packet = dir.path().join("packets/REQ-000002");
    let carried = packet.join("amendments");
    let files: Vec<String> = std::fs::read_dir(&carried)
        .expect("amendments folder in the packet")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let file = files
        .iter()
        .find(|f| f.starts_with("amendment-000001"))
        .unwrap_or_else(|| panic!("{files:?}"));
    let bytes = std::fs::read(carried.join(file)).expect("amendment file");
    let text = if file.ends_with(".pdf") {
        let d = lopdf::Document::load_mem(&bytes).expect("pdf parses");
        let pages: Vec<u32> = (1..=d.get_pages().len() as u32).collect();
        d.extract_text(&pages).expect("text")
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("I came in for a sprained ankle."), "{flat}");
    assert!(
        flat.contains("Requested change: Remove chest pain from the H&P"),
        "{flat}"
    );
    assert!(
        flat.contains(
            "DENIED: the information is accurate and complete (45 CFR 164.526(a)(2)(iv))"
        ),
        "{flat}"
    );
    assert!(flat.contains("STATEMENT OF DISAGREEMENT"), "{flat}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(packet.join("manifest.json")).expect("manifest"))
            .expect("json");
    let listed = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == format!("amendments/{file}"))
        .unwrap_or_else(|| panic!("{manifest}"));
    assert_eq!(
        listed["sha256"].as_str().expect("sha"),
        sha256_hex(&bytes),
        "the manifest's SHA-256 is the file's"
    );

    // The rows and the audit trail of the release: rita released after sam's QA, one
    // disclosure row, and the release event records the packet's manifest SHA-256.
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
            "SELECT count(*) FROM disclosures WHERE request_id = 2"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM audit_log WHERE username = 'sam' AND entity_type = 'release_request' AND entity_id = 'REQ-000002' AND json_extract(detail, '$.qa') = 'pass'"
        ),
        1
    );
    let manifest_sha = sha256_hex(&std::fs::read(packet.join("manifest.json")).expect("manifest"));
    assert_eq!(
        scalar(
            store,
            &format!(
                "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'release_request' AND entity_id = 'REQ-000002' AND subtype = 'release' AND patient_mrn = 'MRN00042' AND json_extract(detail, '$.manifest_sha256') = '{manifest_sha}'"
            )
        ),
        1
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    chartdesk::roi::packet::sha256_hex(bytes)
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
