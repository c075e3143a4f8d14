//! Bulk complete from the provider view (issue #13): the physician signed everything at the
//! signing station; `B` lists their open signature deficiencies with the count in a
//! confirmation, and `y` completes them all in one audited action (the count confirmed is
//! checked again in the core). Snapshot of the confirmation at 80x24
//! (`INSTA_UPDATE=always cargo test --test tui_desk_bulk_complete`).

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

/// Dr Wilson (provider 2) owes the signature of note 200 and, as supervising physician,
/// the cosignature of the H&P 199.
fn wilson_owes_two_signatures(f: &DefFixture) {
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

fn open_wilson(app: &mut App) {
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('r'));
    assert_eq!(app.screen(), ScreenId::Reports, "{:?}", app.status());
    press(app, KeyCode::Char('v'));
    type_text(app, "wilson");
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Provider, "{:?}", app.status());
}

fn open_signature_items(app: &App) -> String {
    scalar(
        app.store(),
        "SELECT count(*) FROM deficiencies WHERE provider_id = 2 \
         AND kind IN ('UNSIGNED','COSIGN','ORD_UNSIGNED') AND status NOT IN ('completed','waived','void')",
    )
}

#[test]
fn technician_bulk_completes_one_physicians_signatures_after_confirming_the_count() {
    let mut f = def_fixture();
    wilson_owes_two_signatures(&f);
    let app = &mut f.app;
    open_wilson(app);
    assert_eq!(open_signature_items(app), "Integer(2)");
    press(app, KeyCode::Char('B'));
    let s = screen80(app);
    assert!(
        s.contains("Complete all 2 signature deficiencies"),
        "the count is shown:\n{s}"
    );
    assert!(s.contains("UNSIGNED document 200"), "{s}");
    assert!(s.contains("COSIGN document 199"), "{s}");
    {
        let mut st = insta::Settings::clone_current();
        st.set_snapshot_suffix("80x24");
        st.bind(|| insta::assert_snapshot!("bulk_complete_confirm", s));
    }
    // Any key but y: nothing done.
    press(app, KeyCode::Char('n'));
    assert_eq!(open_signature_items(app), "Integer(2)");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'provider' AND subtype = 'sign'"
        ),
        "Integer(0)"
    );
    press(app, KeyCode::Char('B'));
    press(app, KeyCode::Char('y'));
    assert!(
        app.status().is_some_and(|m| m.contains("bulk complete")),
        "{:?}",
        app.status()
    );
    assert_eq!(open_signature_items(app), "Integer(0)");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT group_concat(id || ':' || status, ',') FROM (SELECT id, status FROM documents WHERE id IN (199, 200) ORDER BY id)"
        ),
        "Text(\"199:cosigned,200:signed\")"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT json_extract(detail, '$.confirmed') FROM audit_log \
             WHERE username = 'tech1' AND entity_type = 'provider' AND entity_id = '2' AND subtype = 'sign'"
        ),
        "Integer(2)"
    );
    // Dr House's items are untouched.
    assert_eq!(
        deficiencies(app.store(), ENC)[0],
        ("MISS_DS".into(), "open".into(), false)
    );
    // Nothing left: B says so instead of asking.
    press(app, KeyCode::Char('B'));
    assert!(!screen80(app).contains("Confirm"));
    assert!(
        app.status()
            .is_some_and(|m| m.contains("no open signature deficiency")),
        "{:?}",
        app.status()
    );
}
