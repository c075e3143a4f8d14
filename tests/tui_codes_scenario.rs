//! The code lookup driven by keys through the TUI runtime: sign in, open the lookup from Home,
//! search as you type, pick a code and read its detail; a header narrows the search; without
//! code sets the screen says how to load them. Code sets are reference data: no audit rows.

mod tui_codes_fixture;
mod tui_fixture;

use chartdesk::codes::{CodeIndex, lookup, search};
use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_codes_fixture::codes_fixture;
use tui_fixture::{press, sign_in, type_text, user_audit};

fn screen(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

#[test]
fn technician_looks_up_a_code_by_words_and_reads_its_detail() {
    let mut f = codes_fixture(true);
    let app = &mut f.app;
    sign_in(app);
    assert_eq!(app.screen(), ScreenId::Home, "{:?}", app.status());
    let audit_before = user_audit(app.store());
    press(app, KeyCode::Char('c'));
    assert_eq!(app.screen(), ScreenId::Codes, "{:?}", app.status());

    type_text(app, "diab");
    // The hits the screen shows are the index's, best first; pick the first billable one.
    let index = CodeIndex::build(app.store().conn(), None).expect("index");
    let hits = search(&index, "diab", chartdesk::tui::CODE_HIT_LIMIT);
    let pos = hits
        .iter()
        .position(|h| h.billable)
        .expect("a billable hit");
    let chosen = &hits[pos];
    let shown = screen(app);
    assert!(shown.contains(&hits[0].dotted), "{shown}");
    for _ in 0..pos {
        press(app, KeyCode::Down);
    }
    press(app, KeyCode::Enter);

    let detail = lookup::show(app.store().conn(), &chosen.code)
        .expect("show")
        .expect("found");
    assert!(!detail.long_title.is_empty());
    let shown = screen(app);
    assert!(
        shown.contains(&format!("Detail {}", chosen.dotted)),
        "{shown}"
    );
    // The title may wrap in the pane: its first words are on screen.
    let head: String = detail.long_title.chars().take(30).collect();
    assert!(shown.contains(&head), "{head:?} not in\n{shown}");
    assert!(shown.contains("billable"), "{shown}");

    // Tab moves to the detail pane (j scrolls, not typed); typing returns to the query.
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Backspace);
    assert!(screen(app).contains("dia▏"));

    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Home);
    assert_eq!(
        user_audit(app.store()),
        audit_before,
        "a code lookup is reference data: nothing audited"
    );
}

#[test]
fn enter_on_a_header_narrows_the_search_and_says_why() {
    let mut f = codes_fixture(true);
    let app = &mut f.app;
    sign_in(app);
    press(app, KeyCode::Char('c'));
    type_text(app, "E11");
    let index = CodeIndex::build(app.store().conn(), None).expect("index");
    let hits = search(&index, "E11", chartdesk::tui::CODE_HIT_LIMIT);
    let pos = hits
        .iter()
        .position(|h| h.dotted == "E11")
        .expect("E11 listed");
    for _ in 0..pos {
        press(app, KeyCode::Down);
    }
    press(app, KeyCode::Enter);
    assert!(
        app.status()
            .is_some_and(|s| s.starts_with("E11 is a header, not billable (COD-02)")),
        "{:?}",
        app.status()
    );
    let shown = screen(app);
    assert!(shown.contains("E11.9"), "codes under E11 listed:\n{shown}");
    assert!(!shown.contains("Detail E11"), "no detail for a header");
}

#[test]
fn without_code_sets_the_lookup_says_how_to_load_them() {
    let mut f = codes_fixture(false);
    let app = &mut f.app;
    sign_in(app);
    press(app, KeyCode::Char('c'));
    assert_eq!(app.screen(), ScreenId::Codes);
    type_text(app, "diab");
    press(app, KeyCode::Enter);
    assert!(
        screen(app).contains("no code sets loaded — run `chartdesk init`"),
        "{}",
        screen(app)
    );
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Home);
}
