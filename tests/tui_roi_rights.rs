//! Issue #12's remaining desk steps driven by scripted keys through the real runtime:
//! restrictions and the confidential address (164.522) on a request's patient, a scanned signed
//! form attached from a path, a multi-patient payer audit logged from a pasted list, verified,
//! validated and released as one packet (a folder per patient, a disclosure row per patient),
//! and the delivery and byte-identical re-send of one patient's packet. The database and the
//! audit log are checked after each step. Snapshots at 80x24 (regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_roi_rights`).

#[path = "common/roi_tui.rs"]
mod roi_tui;
use roi_tui::*;

fn snap(name: &str, app: &mut App) {
    snap_in(name, app, None);
}

/// The screen at 80x24; the temporary directory `tmp`, when shown, is written `<tmp>` (padded
/// to the same width so the frame stays as drawn).
fn snap_in(name: &str, app: &mut App, tmp: Option<&Path>) {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_suffix("80x24");
    let mut screen = t.backend().to_string();
    if let Some(tmp) = tmp {
        let shown = tmp.display().to_string();
        let mask = format!("{:<width$}", "<tmp>", width = shown.chars().count());
        screen = screen.replace(&shown, &mask);
    }
    s.bind(|| insta::assert_snapshot!(name, screen));
}

/// Put `text` in the form field under the cursor (Enter edits, Enter keeps and moves on).
fn fill(app: &mut App, text: &str) {
    press(app, KeyCode::Enter);
    type_text(app, text);
    press(app, KeyCode::Enter);
}

/// The screen as drawn at 80x24.
fn screen_text(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

fn status(app: &App) -> String {
    app.status().unwrap_or_default().to_string()
}

fn audit_rows(store: &Store, entity: &str, subtype: &str) -> i64 {
    scalar(
        store,
        &format!(
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = '{entity}' AND subtype = '{subtype}'"
        ),
    )
}

/// A 1x1 PNG, as a scanner might save a signed form.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

#[test]
fn restrictions_address_and_a_signed_form_by_keys() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let scan = dir.path().join("signed-authorization.png");
    std::fs::write(&scan, PNG).expect("scan");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);

    // P: the patient's restrictions. n: the mandatory self-pay restriction on the encounter.
    press(&mut app, KeyCode::Char('P'));
    assert_eq!(app.screen(), ScreenId::Restrictions);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Enter); // agreed -> self_pay
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "V2026001");
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "paid in full out of pocket");
    snap("restriction_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("restriction 1 recorded (self_pay)"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM restrictions WHERE kind = 'self_pay' AND encounter = 'V2026001' AND patient_id = 1 AND recorded_by = 'rita' AND ended_on IS NULL"
        ),
        1
    );
    assert_eq!(audit_rows(app.store(), "restriction", "create"), 1);

    // A: the confidential address; every letter to the individual goes there (164.522(b)),
    // including the acknowledgement of her own request (REQ-000002, SELF).
    press(&mut app, KeyCode::Char('A'));
    fill(&mut app, "PO Box 7, Springfield");
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("confidential address recorded"),
        "{}",
        status(&app)
    );
    assert_eq!(audit_rows(app.store(), "confidential_address", "update"), 1);
    let rec = request::load(app.store().conn(), 2).expect("REQ-000002");
    let (_, _, address, text) = chartdesk::letters::preview(
        app.store().conn(),
        &rec,
        "acknowledgement",
        date("2026-11-25"),
        "Rita Roi",
    )
    .expect("preview");
    assert_eq!(address, "PO Box 7, Springfield");
    assert!(text.contains("PO Box 7, Springfield"), "{text}");
    snap("restrictions", &mut app);

    // E: end it, with the individual's reason.
    press(&mut app, KeyCode::Char('E'));
    fill(&mut app, "the individual asked in writing");
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("restriction 1 ended"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM restrictions WHERE id = 1 AND ended_on IS NOT NULL AND end_reason = 'the individual asked in writing'"
        ),
        1
    );

    // Back to the request, d: signed forms and deliveries; n attaches the scan from a path.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(app.screen(), ScreenId::RequestFiles);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, &scan.display().to_string());
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("signed-authorization.png attached as form 1"),
        "{}",
        status(&app)
    );
    let sha = chartdesk::roi::packet::sha256_hex(PNG);
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM request_attachments WHERE request_id = 1 AND kind = 'authorization' AND sha256 = '{sha}' AND file_name = 'signed-authorization.png'"
            )
        ),
        1
    );
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'release_request' AND subtype = 'create' AND detail LIKE '%{sha}%'"
            )
        ),
        1,
        "the attachment's audit row carries its hash"
    );
    // A delivery before release is refused by the core; the form keeps its draft.
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("no released packet"),
        "{}",
        status(&app)
    );
    assert_eq!(scalar(app.store(), "SELECT count(*) FROM deliveries"), 0);
    press(&mut app, KeyCode::Esc);
    snap("forms_and_deliveries", &mut app);
}

#[test]
fn a_payer_audit_logged_released_and_delivered_by_keys() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = fixture(dir.path());
    let sam = Actor::user(2, "sam", Role::Supervisor);
    chartdesk::settings::set(&mut store, &sam, "roi_qa_required", "0").expect("qa off");
    store
        .transact(&sam, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex, address) VALUES
                   (2, 'MRN00077', 'Roe', 'Rick', '1971-05-06', 'M', '3 Oak St');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (20, 'V2026020', 2, 'outpatient', 'Clinic', '2026-10-01T08:00:00', '2026-10-01T09:00:00', 1, 'doc_complete');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, sensitivity, body) VALUES
                   (20, 20, '34117-2', 'History and physical', 1, 'signed', '2026-10-01T08:30:00', '2026-10-01T09:00:00', '', 'Knee pain.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("second patient");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('B'));
    assert_eq!(app.screen(), ScreenId::Batches);

    // n: PAYER (kept), requester, address, purpose, types, IRB (kept), received (kept), list.
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "Acme Health Plan");
    fill(&mut app, "PO Box 1, Hartford");
    fill(&mut app, "payer audit 2026-Q4");
    fill(&mut app, "34117-2");
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "MRN00042; MRN00077");
    snap("batch_form", &mut app);
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("BATCH-000001 logged: 2 patients"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE batch_id = 1 AND requester_type = 'PAYER'"
        ),
        2
    );
    assert_eq!(audit_rows(app.store(), "request_batch", "create"), 1);

    // i verifies and v validates every patient, each on its own request.
    press(&mut app, KeyCode::Char('i'));
    fill(&mut app, "plan letterhead and call-back");
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("2 patients verified"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('v'));
    assert!(status(&app).contains("none on hold"), "{}", status(&app));
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM release_requests WHERE batch_id = 1 AND status = 'in_process'"
        ),
        2
    );
    snap("batches", &mut app);

    // Enter opens a patient's request; a step on it keeps it a batch patient's, and Back (Esc)
    // returns to the batch screen, read again, on the same patient — not to the queue.
    press(&mut app, KeyCode::Char('j'));
    assert!(screen_text(&mut app).contains("REQ-000004 Roe, Rick: Enter opens"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    let opened = screen_text(&mut app);
    assert!(opened.contains("REQ-000004"), "{opened}");
    press(&mut app, KeyCode::Char('P'));
    assert_eq!(app.screen(), ScreenId::Restrictions);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Batches);
    assert!(screen_text(&mut app).contains("REQ-000004 Roe, Rick: Enter opens"));
    press(&mut app, KeyCode::Enter);
    assert!(screen_text(&mut app).contains("REQ-000004"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Batches);
    // A request opened from the queue still goes back to the queue.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiQueue);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiQueue);
    press(&mut app, KeyCode::Char('B'));
    assert_eq!(app.screen(), ScreenId::Batches);

    // R (asks first): one packet, a folder per patient, one disclosure row per patient.
    press(&mut app, KeyCode::Char('R'));
    press(&mut app, KeyCode::Char('y'));
    assert!(
        status(&app).contains("BATCH-000001 released: 2 patient folders"),
        "{}",
        status(&app)
    );
    let root = dir.path().join("packets").join("BATCH-000001");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("manifest.json")).expect("manifest"))
            .expect("json");
    let patients = manifest["patients"].as_array().expect("patients");
    let mrns: Vec<&str> = patients.iter().filter_map(|p| p["mrn"].as_str()).collect();
    assert_eq!(mrns, ["MRN00042", "MRN00077"]);
    for p in patients {
        let folder = root.join(p["request"].as_str().expect("request"));
        let pm: serde_json::Value =
            serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).expect("pm"))
                .expect("json");
        assert_eq!(
            pm["patient"]["mrn"], p["mrn"],
            "a folder holds its patient only"
        );
    }
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(DISTINCT d.patient_id) FROM disclosures d JOIN release_requests r ON r.id = d.request_id WHERE r.batch_id = 1"
        ),
        2
    );
    // A disclosure to a health plan for payment is not accountable (AOD-02); each row says so.
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM disclosures d JOIN release_requests r ON r.id = d.request_id WHERE r.batch_id = 1 AND d.accountable = 0"
        ),
        2
    );
    assert!(dir.path().join("packets").join("BATCH-000001.zip").exists());

    // Enter opens the first patient's request; d, d: the delivery of its zip (prefilled path),
    // then a re-send, recorded as byte-identical to the first.
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(app.screen(), ScreenId::RequestFiles);
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Char('j'));
    fill(&mut app, "7001 2345 6789");
    snap_in("delivery_form", &mut app, Some(dir.path()));
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("delivery 1 by mail"),
        "{}",
        status(&app)
    );
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Char('w'));
    assert!(
        status(&app).contains("re-send of delivery 1 (byte-identical by hash)"),
        "{}",
        status(&app)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM deliveries d JOIN release_requests r ON r.id = d.request_id WHERE r.batch_id = 1 AND d.zip_sha256 = r.packet_zip_sha256 AND d.sent_by = 'rita'"
        ),
        2
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM deliveries WHERE resend_of = 1 AND tracking = ''"
        ),
        1
    );
    snap("delivered", &mut app);
}
