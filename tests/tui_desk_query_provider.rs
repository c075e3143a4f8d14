//! A documentation query to any provider on the encounter, from a facility template (issue
//! #13, COD-21): `P` on the coding workbench opens the query form with the encounter's
//! providers and the templates; the coder picks the consultant and the anemia template, types
//! the clinical indicators, and Enter sends it (held, audited). Snapshot of the form at 80x24
//! (`INSTA_UPDATE=always cargo test --test tui_desk_query_provider`).

mod tui_coding_fixture;

use chartdesk::audit::Actor;
use chartdesk::store::Store;
use chartdesk::tui::ScreenId;
use crossterm::event::KeyCode;
use tui_coding_fixture::*;

/// Dr Chase (provider 3) wrote a consultation note on encounter 40.
fn add_consultant(f: &CodingFixture) {
    let mut other = Store::open(&f._dir.path().join("chartdesk.db")).expect("store");
    other
        .transact(&Actor::system("test"), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name, credentials)
                   VALUES (3, '1245319599', 'Chase', 'Robert', 'MD');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                   VALUES (409, 40, '11488-4', 'Consultation note', 3, 'signed', '2026-03-03T09:00:00',
                           '2026-03-03T10:00:00', 'Hematology consult: hemoglobin 8.9.');",
            )?;
            audit.record(chartdesk::audit::Event::new(
                chartdesk::audit::Action::Create,
                chartdesk::audit::Subtype::Create,
                "fixture",
                3,
            ));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("consultant");
}

#[test]
fn coder_queries_the_consultant_from_a_template() {
    let mut f = coding_fixture();
    add_consultant(&f);
    let app = &mut f.app;
    sign_in_as(app, "ccoder");
    press(app, KeyCode::Char('w'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Coding, "{:?}", app.status());
    assert!(
        screen(app, 80, 24).contains("V0000040"),
        "the oldest encounter is claimed"
    );
    press(app, KeyCode::Char('P'));
    let s = screen(app, 80, 24);
    assert!(s.contains("Documentation query"), "{s}");
    assert!(
        s.contains("Chase, Robert"),
        "the consultant is offered:\n{s}"
    );
    assert!(s.contains("House, Greg"), "{s}");
    assert!(s.contains("ANEMIA_TYPE"), "{s}");
    {
        let mut st = insta::Settings::clone_current();
        st.set_snapshot_suffix("80x24");
        st.bind(|| insta::assert_snapshot!("query_provider_form", s));
    }
    // The providers as listed: pick Dr Chase.
    let providers = chartdesk::coding::query_desk::encounter_providers(app.store().conn(), ENC)
        .expect("providers");
    let chase = providers
        .iter()
        .position(|p| p.id == 3)
        .expect("Chase listed");
    for _ in 0..chase {
        press(app, KeyCode::Down);
    }
    // The templates in order: ANEMIA_TYPE.
    let templates = chartdesk::coding::query_desk::templates(app.store().conn()).expect("t");
    let anemia = templates
        .iter()
        .position(|t| t.code == "ANEMIA_TYPE")
        .expect("anemia template");
    press(app, KeyCode::Tab);
    for _ in 0..anemia {
        press(app, KeyCode::Down);
    }
    type_text(app, "Hgb");
    press(app, KeyCode::Enter);
    assert!(
        app.status()
            .is_some_and(|m| m.contains("clinical indicators")),
        "too short: refused by the core, form kept: {:?}",
        app.status()
    );
    assert!(screen(app, 80, 24).contains("Documentation query"));
    type_text(app, " 8.9 g/dL on day 2, transfused 1 unit");
    press(app, KeyCode::Enter);
    assert!(
        app.status()
            .is_some_and(|m| m.contains("sent to provider #3 (ANEMIA_TYPE)")),
        "{:?}",
        app.status()
    );
    assert!(!screen(app, 80, 24).contains("Documentation query"));
    assert_eq!(
        scalar(
            app.store(),
            "SELECT provider_id || '|' || template_code || '|' || status FROM coding_queries WHERE encounter_id = 40"
        ),
        "Text(\"3|ANEMIA_TYPE|open\")"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'ccoder' AND entity_type = 'coding_query'"
        ),
        "Integer(1)"
    );
}
