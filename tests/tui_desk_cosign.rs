//! Cosignature on the technician's work screen (issue #13, AUTH-COSIGN): a signed note that
//! names a supervising physician has a COSIGN deficiency; `S` (confirmed) records the
//! cosignature, the note becomes `cosigned` and the deficiency resolves, audited. Snapshot
//! of the confirmation at 80x24 (`INSTA_UPDATE=always cargo test --test tui_desk_cosign`).

mod tui_deficiency_fixture;

use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::deficiency::ops::{AnalyzeScope, analyze_batch};
use chartdesk::tui::{App, ScreenId};
use chrono::NaiveDate;
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen80(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

/// The signed H&P (document 199, by Dr House) names Dr Wilson as supervising physician;
/// analysis then finds its COSIGN deficiency.
fn needs_cosign(f: &DefFixture) {
    let mut other = f.other_workstation();
    let sys = Actor::system("test");
    other
        .transact(&sys, |tx, audit| {
            tx.execute("UPDATE documents SET cosigner_id = 2 WHERE id = 199", [])?;
            audit.record(Event::new(Action::Update, Subtype::Update, "document", 199));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("cosigner");
    let since = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    analyze_batch(&mut other, &sys, AnalyzeScope::Since(since)).expect("analysis");
}

#[test]
fn technician_records_the_cosignature_and_the_cosign_deficiency_resolves() {
    let mut f = def_fixture();
    needs_cosign(&f);
    let app = &mut f.app;
    assert_eq!(
        deficiencies(app.store(), ENC),
        [
            ("MISS_DS".into(), "open".into(), false),
            ("UNSIGNED".into(), "open".into(), false),
            ("COSIGN".into(), "open".into(), false)
        ]
    );
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    // The documents pane has focus: the H&P (199) first, then the unsigned note (200). On
    // the note the command is disabled and says why.
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Char('S'));
    assert!(
        !screen80(app).contains("Confirm"),
        "not offered on note 200"
    );
    assert!(
        app.status()
            .is_some_and(|m| m.contains("open COSIGN deficiency")),
        "{:?}",
        app.status()
    );
    press(app, KeyCode::Char('k'));
    press(app, KeyCode::Char('S'));
    let s = screen80(app);
    assert!(s.contains("Confirm"), "{s}");
    {
        let mut st = insta::Settings::clone_current();
        st.set_snapshot_suffix("80x24");
        st.bind(|| insta::assert_snapshot!("cosign_confirm", s));
    }
    press(app, KeyCode::Char('y'));
    assert!(
        app.status()
            .is_some_and(|m| m.contains("cosignature recorded")),
        "{:?}",
        app.status()
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT status || '|' || (cosigned_at IS NOT NULL) FROM documents WHERE id = 199"
        ),
        "Text(\"cosigned|1\")"
    );
    assert_eq!(
        deficiencies(app.store(), ENC)[2],
        ("COSIGN".into(), "completed".into(), false)
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND subtype = 'sign' \
             AND entity_type = 'document' AND entity_id = '199' \
             AND json_extract(detail, '$.rule') = 'AUTH-COSIGN'"
        ),
        "Integer(1)"
    );
    // The work screen shows the resolved item.
    let s = screen80(app);
    assert!(s.contains("COSIGN"), "{s}");
}
