//! Break the glass in the TUI (issue #13): a document labelled sensitive (here 42 CFR Part 2)
//! is not shown in the technician's work screen without a purpose of use and a reason. Esc
//! shows nothing (the refusal is not even a read); Enter with a purpose and a reason opens it,
//! audited with both and recorded for the privacy report. Snapshot at 80x24
//! (`INSTA_UPDATE=always cargo test --test tui_desk_break_glass`).

mod tui_deficiency_fixture;

use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen80(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

/// Label the unsigned progress note (document 200) as Part 2, from another workstation.
fn label_part2(f: &DefFixture) {
    let mut other = f.other_workstation();
    other
        .transact(&Actor::system("test"), |tx, audit| {
            tx.execute(
                "UPDATE documents SET sensitivity = 'PART2' WHERE id = ?1",
                [NOTE],
            )?;
            audit.record(Event::new(
                Action::Update,
                Subtype::Update,
                "document",
                NOTE,
            ));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("label");
}

/// Sign in as tech1, work the first incomplete chart and ask for the unsigned note.
fn ask_for_the_note(app: &mut App) {
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    // MISS_DS first, then the UNSIGNED deficiency on the note: Enter reads its document.
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Enter);
}

fn document_views(app: &App) -> String {
    scalar(
        app.store(),
        "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND subtype = 'view' AND entity_type = 'document'",
    )
}

#[test]
fn a_part2_note_asks_for_a_purpose_and_esc_shows_nothing() {
    let mut f = def_fixture();
    label_part2(&f);
    let app = &mut f.app;
    ask_for_the_note(app);
    let s = screen80(app);
    assert!(s.contains("Break the glass"), "the prompt is shown:\n{s}");
    assert!(s.contains("PART2"), "{s}");
    assert!(!s.contains("Improving."), "the note is not shown yet:\n{s}");
    {
        let mut st = insta::Settings::clone_current();
        st.set_snapshot_suffix("80x24");
        st.bind(|| insta::assert_snapshot!("break_glass_prompt", s));
    }
    assert_eq!(document_views(app), "Integer(0)", "nothing read yet");
    press(app, KeyCode::Esc);
    let s = screen80(app);
    assert!(!s.contains("Break the glass"), "{s}");
    assert!(!s.contains("Improving."), "Esc shows nothing:\n{s}");
    assert!(
        app.status().is_some_and(|m| m.contains("Nothing shown")),
        "{:?}",
        app.status()
    );
    assert_eq!(document_views(app), "Integer(0)");
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM sensitive_opens"),
        "Integer(0)"
    );
}

#[test]
fn a_purpose_and_a_reason_open_the_note_audited_and_listed_for_the_privacy_report() {
    let mut f = def_fixture();
    label_part2(&f);
    let app = &mut f.app;
    ask_for_the_note(app);
    // HOPERAT (record completion) is the fourth purpose.
    for _ in 0..3 {
        press(app, KeyCode::Down);
    }
    type_text(app, "short");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|m| m.contains("at least 10")),
        "{:?}",
        app.status()
    );
    assert!(
        screen80(app).contains("Break the glass"),
        "the prompt stays"
    );
    type_text(app, ": signature deficiency review");
    press(app, KeyCode::Enter);
    let s = screen80(app);
    assert!(!s.contains("Break the glass"), "{s}");
    assert!(s.contains("Improving."), "the note is shown:\n{s}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT document_id || '|' || username || '|' || labels || '|' || purpose || '|' || reason FROM sensitive_opens"
        ),
        "Text(\"200|tech1|PART2|HOPERAT|short: signature deficiency review\")"
    );
    assert_eq!(document_views(app), "Integer(1)", "one audited view");
    let detail = scalar(
        app.store(),
        "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND subtype = 'view' \
         AND entity_type = 'document' AND entity_id = '200' AND outcome = 0 \
         AND purpose_of_use = 'HOPERAT' AND reason = 'short: signature deficiency review'",
    );
    assert_eq!(detail, "Integer(1)");
}

#[test]
fn a_note_without_labels_opens_directly() {
    let mut f = def_fixture();
    let app = &mut f.app;
    ask_for_the_note(app);
    let s = screen80(app);
    assert!(!s.contains("Break the glass"), "{s}");
    assert!(s.contains("Improving."), "{s}");
    assert_eq!(document_views(app), "Integer(1)");
}
