//! The coder's day driven by keys through the TUI runtime: open an encounter from the coding
//! queue, pick codes by typing in the picker, set POA, hit a hard edit (a manifestation code
//! as principal, MCE-06), fix the sequence, acknowledge the warnings and complete — then the
//! stored codes, the coding status, the audit rows and the audit chain are checked. A second
//! scenario sends a documentation query from the held list (COD-21).

mod tui_coding_fixture;

use chartdesk::tui::ScreenId;
use crossterm::event::KeyCode;
use tui_coding_fixture::*;

#[test]
fn coder_picks_codes_hits_a_hard_edit_fixes_it_and_completes() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    sign_in_as(app, "ccoder");
    assert_eq!(app.screen(), ScreenId::Home, "{:?}", app.status());
    press(app, KeyCode::Char('w'));
    assert_eq!(app.screen(), ScreenId::CodingQueue, "{:?}", app.status());
    let s = screen(app, 100, 30);
    assert!(
        s.contains("V0000040") && !s.contains("V0000041"),
        "41 is held:\n{s}"
    );
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Coding, "{:?}", app.status());
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM work_claims WHERE entity_type = 'coding'"
        ),
        "Integer(1)"
    );

    // Read the discharge summary and find a word in it.
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Enter);
    assert!(screen(app, 100, 30).contains("DISCHARGE DIAGNOSES"));
    press(app, KeyCode::Char('/'));
    type_text(app, "anemia");
    press(app, KeyCode::Enter);
    assert_eq!(app.status(), Some("match 1 of 1 (line 3)"));
    press(app, KeyCode::Char('['));
    assert!(
        screen(app, 100, 30).contains("CHIEF COMPLAINT"),
        "jumped to the H&P"
    );
    press(app, KeyCode::Tab);

    // Pick the manifestation first, then the neoplasm, each with POA Y.
    press(app, KeyCode::Char('a'));
    type_text(app, "D63.0");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('y'));
    press(app, KeyCode::Char('a'));
    type_text(app, "C50.911");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('y'));
    let s = screen(app, 100, 30);
    assert!(
        s.contains("MCE-06"),
        "the live edits show the hard edit:\n{s}"
    );
    press(app, KeyCode::Char('C'));
    press(app, KeyCode::Char('y'));
    assert!(
        app.status()
            .is_some_and(|m| m.contains("blocked by error edits MCE-06@D63.0")),
        "{:?}",
        app.status()
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT coding_status FROM encounters WHERE id = 40"
        ),
        "Text(\"in_progress\")"
    );

    // Fix: move the neoplasm up to principal; acknowledge the warnings; complete.
    press(app, KeyCode::Char('K'));
    assert!(!screen(app, 100, 30).contains("MCE-06"));
    press(app, KeyCode::Char('C'));
    press(app, KeyCode::Char('y'));
    assert!(
        app.status()
            .is_some_and(|m| m.contains("acknowledge the warnings")),
        "{:?}",
        app.status()
    );
    press(app, KeyCode::Char('!'));
    press(app, KeyCode::Char('C'));
    press(app, KeyCode::Char('y'));
    assert!(
        app.status().is_some_and(|m| m.starts_with("coded")),
        "{:?}",
        app.status()
    );

    let store = app.store();
    assert_eq!(
        scalar(store, "SELECT coding_status FROM encounters WHERE id = 40"),
        "Text(\"coded\")"
    );
    assert_eq!(
        scalar(
            store,
            "SELECT group_concat(code || ':' || COALESCE(poa, '-') || ':' || principal, ' ') FROM (SELECT * FROM encounter_codes WHERE encounter_id = 40 ORDER BY kind, sequence)"
        ),
        "Text(\"C50911:Y:1 D630:Y:0\")"
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM work_claims WHERE entity_type = 'coding'"
        ),
        "Integer(0)"
    );
    // One audited save per change (4 adds/POA + 1 reorder), the completion with the full list.
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'encounter_codes' AND username = 'ccoder'"
        ),
        "Integer(5)"
    );
    let detail = scalar(
        store,
        "SELECT detail FROM audit_log WHERE entity_type = 'coding' AND action = 'U' AND username = 'ccoder'",
    );
    assert!(
        detail.contains("\\\"diagnoses\\\":[\\\"C50911:Y\\\",\\\"D630:Y\\\"]"),
        "{detail}"
    );
    assert!(detail.contains("\\\"acknowledged\\\""), "{detail}");
    assert!(
        scalar(
            store,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'coding' AND subtype = 'view' AND username = 'ccoder'"
        ) == "Integer(1)",
        "opening the workbench is an audited view"
    );
    let r = chartdesk::audit::verify(store.conn(), &[]).expect("verify");
    assert!(r.ok(), "{:?}", r.problem);

    // Coded: changes are refused until reopened with a reason.
    press(app, KeyCode::Char('a'));
    assert!(
        app.status().is_some_and(|m| m.contains("reopen")),
        "{:?}",
        app.status()
    );
    press(app, KeyCode::Char('R'));
    type_text(app, "payer asked for a review");
    press(app, KeyCode::Enter);
    assert_eq!(app.status(), Some("reopened: in progress"));
    assert_eq!(
        scalar(
            app.store(),
            "SELECT coding_status FROM encounters WHERE id = 40"
        ),
        "Text(\"in_progress\")"
    );
    press(app, KeyCode::Esc);
    assert_eq!(
        app.screen(),
        ScreenId::Coding,
        "esc first closes the open document"
    );
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::CodingQueue);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM work_claims WHERE entity_type = 'coding'"
        ),
        "Integer(0)"
    );
}

#[test]
fn coder_queries_the_attending_from_the_held_list() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    sign_in_as(app, "ccoder");
    press(app, KeyCode::Char('w'));
    press(app, KeyCode::Char('t'));
    let s = screen(app, 100, 30);
    assert!(
        s.contains("V0000041") && s.contains("MISS_DS"),
        "held with its reason:\n{s}"
    );
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Coding, "{:?}", app.status());
    press(app, KeyCode::Char('Q'));
    press(app, KeyCode::Enter);
    assert!(
        app.status()
            .is_some_and(|m| m.contains("type the question")),
        "{:?}",
        app.status()
    );
    type_text(app, "Please document the final diagnosis.");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|m| m.starts_with("query 1 sent")),
        "{:?}",
        app.status()
    );
    let store = app.store();
    assert_eq!(
        scalar(store, "SELECT coding_status FROM encounters WHERE id = 41"),
        "Text(\"on_hold_query\")"
    );
    assert_eq!(
        scalar(
            store,
            "SELECT kind || ' ' || origin || ' ' || rule FROM deficiencies WHERE encounter_id = 41 AND origin = 'query'"
        ),
        "Text(\"QUERY query COD-21\")"
    );
    let s = screen(app, 100, 30);
    assert!(s.contains("query 1 OPEN"), "{s}");
}

#[test]
fn supervisor_overrides_a_documentation_hold_with_a_reason() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    sign_in_as(app, "ssuper");
    press(app, KeyCode::Char('w'));
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Coding, "{:?}", app.status());
    press(app, KeyCode::Char('a'));
    type_text(app, "K35.80");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('y'));
    press(app, KeyCode::Char('!'));
    press(app, KeyCode::Char('C'));
    press(app, KeyCode::Char('y'));
    assert!(
        app.status()
            .is_some_and(|m| m.contains("COD-20: held for documentation: MISS_DS")),
        "{:?}",
        app.status()
    );
    press(app, KeyCode::Char('O'));
    type_text(app, "short");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|m| m.contains("at least 10")),
        "{:?}",
        app.status()
    );
    type_text(app, ": summary is in the scanned paper chart");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|m| m.starts_with("coded")),
        "{:?}",
        app.status()
    );
    let store = app.store();
    assert_eq!(
        scalar(store, "SELECT coding_status FROM encounters WHERE id = 41"),
        "Text(\"coded\")"
    );
    assert_eq!(
        scalar(
            store,
            "SELECT reason FROM audit_log WHERE entity_type = 'coding' AND action = 'U' AND username = 'ssuper'"
        ),
        "Text(\"COD-20 override: short: summary is in the scanned paper chart\")"
    );
}
