//! Letters on a release request in the TUI (issue #12), driven by scripted keys through the
//! real runtime: `L` on the request shows the letters sent and each facility template filled
//! for this request in the reader; `S` (asks first) sends the one shown. The letters table and
//! the audit log are checked. Snapshots at 100x30 and 80x24 (regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_roi_letters`).

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
fn a_letter_is_previewed_for_the_request_and_sent() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fixture(dir.path());
    let first_kind: String = store
        .conn()
        .query_row(
            "SELECT kind FROM letter_templates ORDER BY kind LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a template");
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "rita");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
    press(&mut app, KeyCode::Char('L'));
    assert_eq!(app.screen(), ScreenId::Letters);
    snap("letters_preview", &mut app);
    assert_eq!(scalar(app.store(), "SELECT count(*) FROM letters"), 0);

    // Send asks first; `n` keeps it unsent, `y` sends.
    press(&mut app, KeyCode::Char('S'));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(scalar(app.store(), "SELECT count(*) FROM letters"), 0);
    press(&mut app, KeyCode::Char('S'));
    press(&mut app, KeyCode::Char('y'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains(&format!("REQ-000001: letter {first_kind} sent to")),
        "{status}"
    );
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM letters WHERE request_id = 1 AND kind = '{first_kind}' AND sent_by = 'rita' AND length(pdf_sha256) = 64"
            )
        ),
        1
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'rita' AND entity_type = 'release_request' AND subtype = 'print' AND patient_mrn = 'MRN00042'"
        ),
        1
    );
    snap("letters_sent", &mut app);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::RoiRequest);
}
