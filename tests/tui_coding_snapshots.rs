//! Snapshots of the coding queue, the held list and the coding workbench (code list with a
//! hard edit firing, and the picker open) at 100x30 and 80x24, drawn by the real runtime over
//! the embedded FY2026 code sets. Regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_coding_snapshots` and review the `.snap` text.

mod tui_coding_fixture;

use chartdesk::tui::App;
use crossterm::event::KeyCode;
use tui_coding_fixture::*;

const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

fn snap(name: &str, app: &mut App) {
    for (w, h) in SIZES {
        let screen = screen(app, w, h);
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_suffix(format!("{w}x{h}"));
        s.bind(|| insta::assert_snapshot!(name, screen));
    }
}

/// ccoder signed in, the coding queue open and its first encounter on the workbench.
fn open_workbench(app: &mut App) {
    sign_in_as(app, "ccoder");
    press(app, KeyCode::Char('w'));
    press(app, KeyCode::Enter);
}

#[test]
fn coding_queue_and_held_list() {
    let mut f = coding_fixture();
    sign_in_as(&mut f.app, "ccoder");
    press(&mut f.app, KeyCode::Char('w'));
    snap("coding_queue", &mut f.app);
    press(&mut f.app, KeyCode::Char('t'));
    snap("coding_held", &mut f.app);
}

#[test]
fn coding_workbench_with_a_hard_edit_and_the_picker() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    open_workbench(app);
    press(app, KeyCode::Char('a'));
    type_text(app, "D63.0");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('y'));
    press(app, KeyCode::Char('a'));
    type_text(app, "C50.911");
    press(app, KeyCode::Enter);
    snap("coding_workbench", app);
    press(app, KeyCode::Char('a'));
    type_text(app, "anemia neopl");
    snap("coding_picker", app);
}

/// Issue #14: the working MS-DRG is on the workbench header and W shows the what-if in the
/// reader; the what-if follows the code list as codes are added (live, no key to refresh).
#[test]
fn coding_workbench_what_if_follows_the_code_list() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    open_workbench(app);
    press(app, KeyCode::Char('a'));
    type_text(app, "I50.9");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('y'));
    let head = screen(app, 100, 30);
    assert!(head.contains("MS-DRG 293"), "{head}");
    press(app, KeyCode::Char('W'));
    let before = screen(app, 100, 30);
    assert!(
        before.contains("No secondary diagnosis is a CC or MCC"),
        "{before}"
    );
    press(app, KeyCode::Char('a'));
    type_text(app, "N17.9");
    press(app, KeyCode::Enter);
    snap("coding_what_if", app);
    let after = screen(app, 100, 30);
    assert!(after.contains("MS-DRG 292"), "{after}");
    assert!(
        after.contains("N17.9 (CC, gives the DRG its severity)"),
        "{after}"
    );
    assert!(after.contains("without it DRG 293"), "{after}");
}

/// Issue #14: ctrl-s in the workbench's picker makes the highlighted code a favourite
/// (audited, for this coder); the open picker reranks at once and the favourite comes first.
#[test]
fn picker_favourite_key_reranks_and_is_audited() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let mut f = coding_fixture();
    let app = &mut f.app;
    open_workbench(app);
    press(app, KeyCode::Char('a'));
    type_text(app, "diabetes");
    let before = screen(app, 100, 30);
    for _ in 0..4 {
        press(app, KeyCode::Down);
    }
    // The fifth row's code, as drawn (`> CM  E11.65   bill ...`).
    let row = screen(app, 100, 30)
        .lines()
        .find(|l| l.contains("> CM"))
        .map(str::to_string)
        .expect("a highlighted row");
    let code = row
        .split("> CM")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("code")
        .to_string();
    app.handle_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(
        app.status().unwrap_or_default().contains("is a favourite"),
        "{:?}",
        app.status()
    );
    let after = screen(app, 100, 30);
    let first = after
        .lines()
        .find(|l| l.contains(" CM  "))
        .expect("first hit row");
    assert!(
        first.contains(&code),
        "{code} first now:\n{after}\nbefore:\n{before}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'code_favourite'"
        ),
        "Integer(1)"
    );
    assert_eq!(
        scalar(app.store(), "SELECT username FROM code_favourites"),
        "Text(\"ccoder\")"
    );
}

/// Issue #14: in the procedure picker ctrl-b builds an ICD-10-PCS code axis by axis; each
/// Enter takes a valid character of the next axis, backspace goes back one, and the seventh
/// adds the (billable) code to the list.
#[test]
fn pcs_builder_in_the_procedure_picker() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let mut f = coding_fixture();
    let app = &mut f.app;
    open_workbench(app);
    press(app, KeyCode::Char('i'));
    app.handle_key(KeyEvent::new(KeyCode::Char('b'), KeyModifiers::CONTROL));
    assert!(screen(app, 100, 30).contains("choose the section"));
    type_text(app, "0FT");
    snap("coding_pcs_builder", app);
    press(app, KeyCode::Backspace);
    assert!(screen(app, 100, 30).contains("choose the root operation"));
    type_text(app, "T4");
    for _ in 0..3 {
        press(app, KeyCode::Enter);
    }
    let codes = scalar(
        app.store(),
        "SELECT group_concat(code) FROM encounter_codes WHERE encounter_id = 40 AND kind = 'pcs'",
    );
    assert!(codes.contains("0FT4"), "{codes}");
    let code = codes
        .trim_start_matches("Text(\"")
        .trim_end_matches("\")")
        .to_string();
    assert_eq!(code.len(), 7, "{codes}");
    assert_eq!(
        scalar(
            app.store(),
            &format!("SELECT billable FROM codes WHERE code = '{code}' LIMIT 1")
        ),
        "Integer(1)"
    );
}

/// Issue #14: in the diagnosis picker → (drill_down) on a header lists its billable codes (in
/// code order);
/// esc returns to the search and enter on a child adds it.
#[test]
fn picker_drills_down_from_a_header() {
    let mut f = coding_fixture();
    let app = &mut f.app;
    open_workbench(app);
    press(app, KeyCode::Char('a'));
    type_text(app, "I50.2");
    // Billable codes rank first: move down to the header.
    for _ in 0..10 {
        if screen(app, 80, 24).contains("> CM  I50.2    header") {
            break;
        }
        press(app, KeyCode::Down);
    }
    assert!(screen(app, 80, 24).contains("> CM  I50.2    header"));
    press(app, KeyCode::Right);
    assert!(screen(app, 80, 24).contains("4 billable codes under I50.2"));
    snap("coding_picker_drill", app);
    press(app, KeyCode::Esc);
    let back = screen(app, 80, 24);
    assert!(!back.contains("billable codes under"), "{back}");
    assert!(back.contains("> CM  I50.2    header"), "{back}");
    press(app, KeyCode::Right);
    press(app, KeyCode::Enter);
    let codes = scalar(
        app.store(),
        "SELECT group_concat(code) FROM encounter_codes WHERE encounter_id = 40 AND kind = 'dx'",
    );
    assert!(
        codes.contains("I5020"),
        "the first billable code under I50.2 added: {codes}"
    );
}
