//! A coder's day at 80x24 beyond the queue: send a query from the workbench, see it in the
//! queries list (encounters on hold, COD-21), write that list to CSV with ctrl-e (audited like
//! the CLI's exports), record the provider's answer and see the hold lifted; the workbench's
//! long content read in full in the reader. Snapshots at 80x24 (`INSTA_UPDATE=always cargo
//! test --test tui_queries_export` regenerates them; review the `.snap` text).

mod tui_coding_fixture;

use chartdesk::tui::{App, ScreenId};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_coding_fixture::*;

fn snap(name: &str, app: &mut App) {
    let screen = screen(app, 80, 24);
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_suffix("80x24");
    s.bind(|| insta::assert_snapshot!(name, screen));
}

fn ctrl(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

/// The coder on encounter 40's workbench.
fn workbench(app: &mut App) {
    sign_in_as(app, "ccoder");
    press(app, KeyCode::Char('w'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Coding, "{:?}", app.status());
}

#[test]
fn a_query_is_listed_exported_answered_and_the_hold_lifts() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    workbench(app);
    press(app, KeyCode::Char('Q'));
    type_text(
        app,
        "Is the anemia due to the neoplasm, to blood loss, other, or clinically undetermined?",
    );
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|m| m.starts_with("query 1 sent")),
        "{:?}",
        app.status()
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT coding_status FROM encounters WHERE id = 40"
        ),
        "Text(\"on_hold_query\")"
    );
    // Back to the queue (the claim is released), then the queries list: 3 keys.
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('a'));
    assert_eq!(app.screen(), ScreenId::Queries, "{:?}", app.status());
    let shown = screen(app, 80, 24);
    assert!(
        shown.contains("V0000040") && shown.contains("Rivera, Ana"),
        "{shown}"
    );
    assert!(
        shown.contains("Is the anemia due to the neoplasm"),
        "{shown}"
    );
    snap("queries_list", app);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'queue' AND entity_id = 'coding_queries' AND username = 'ccoder'"
        ),
        "Integer(1)",
        "reading the list is an audited query"
    );

    // ctrl-e: the list to a CSV file, one audit row naming the list, file and MRNs.
    ctrl(app, 'e');
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.starts_with("exported 1 row(s) to "), "{status}");
    let path = status
        .trim_start_matches("exported 1 row(s) to ")
        .trim_end_matches(" (audited)")
        .to_string();
    let csv = std::fs::read_to_string(&path).expect("export file");
    assert!(csv.starts_with("Query,Visit,MRN,Patient,"), "{csv}");
    assert!(csv.contains("V0000040,MRN0000040,\"Rivera, Ana\""), "{csv}");
    let detail = scalar(
        app.store(),
        "SELECT detail FROM audit_log WHERE action = 'R' AND subtype = 'export' AND entity_type = 'list' AND entity_id = 'coding_queries' AND username = 'ccoder'",
    );
    assert!(
        detail.contains("MRN0000040") && detail.contains("\\\"rows\\\":1"),
        "{detail}"
    );

    // Record the answer: r, type, Enter.
    press(app, KeyCode::Char('r'));
    type_text(app, "Anemia due to the neoplasm.");
    snap("queries_answer_prompt", app);
    press(app, KeyCode::Enter);
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.starts_with("query 1 answered"), "{status}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT status || ':' || answer || ':' || answered_by FROM coding_queries WHERE id = 1"
        ),
        "Text(\"answered:Anemia due to the neoplasm.:ccoder\")"
    );
    assert_ne!(
        scalar(
            app.store(),
            "SELECT coding_status FROM encounters WHERE id = 40"
        ),
        "Text(\"on_hold_query\")",
        "the last open query answered lifts the hold"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'coding_query' AND action = 'U' AND username = 'ccoder'"
        ),
        "Integer(1)"
    );
    // The answered query stays listed until closed; Enter opens its chart at the encounter.
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "{:?}", app.status());
    assert!(screen(app, 80, 24).contains("Visit V0000040"));
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Queries, "Back returns to the list");
    let r = chartdesk::audit::verify(app.store().conn(), &[]).expect("verify");
    assert!(r.ok(), "{:?}", r.problem);
}

#[test]
fn the_whole_discharge_summary_and_every_edit_are_reachable_at_80x24() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    workbench(app);
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Enter);
    // The last line of the note is reachable, and the position says so.
    press(app, KeyCode::End);
    let shown = screen(app, 80, 24);
    assert!(shown.contains("DISPOSITION: home."), "{shown}");
    assert!(shown.contains("line 4/4 end"), "{shown}");
    snap("coding_reader_at_end", app);
    // e: codes, edits, holds, queries and facts in full in the reader; End reaches the last.
    press(app, KeyCode::Char('a'));
    type_text(app, "D63.0");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('e'));
    let shown = screen(app, 80, 24);
    assert!(
        shown.contains("Edits, holds and queries in full"),
        "{shown}"
    );
    snap("coding_details", app);
    // The help overlay scrolls: its last command is reachable at 80x24.
    press(app, KeyCode::Char('?'));
    snap("coding_help", app);
    for _ in 0..80 {
        press(app, KeyCode::Down);
    }
    let shown = screen(app, 80, 24);
    let n = chartdesk::tui::commands::screen_commands(ScreenId::Coding).count();
    assert!(
        shown.contains(&format!("of {n}")) && shown.contains("Sign out (audited)"),
        "the last entry is reachable:\n{shown}"
    );
    snap("coding_help_end", app);
    press(app, KeyCode::Esc);
    press(app, KeyCode::End);
    let shown = screen(app, 80, 24);
    assert!(shown.contains("Anemia") && shown.contains("end"), "{shown}");
}
