//! Snapshots of the deficiency queue and the work screen (with its forms) at 100x30 and 80x24,
//! drawn by the real runtime. Regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_deficiency_snapshots` and review the `.snap` text.
//! Ages are days from the fixed test clock, so nothing here moves between runs.

mod tui_deficiency_fixture;

use chartdesk::tui::App;
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

fn snap(name: &str, app: &mut App) {
    for (w, h) in SIZES {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("t");
        app.draw(&mut t).expect("draw");
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_suffix(format!("{w}x{h}"));
        let screen = t.backend().to_string();
        s.bind(|| insta::assert_snapshot!(name, screen));
    }
}

fn queue(app: &mut App) {
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
}

#[test]
fn deficiency_queue() {
    let mut f = def_fixture();
    queue(&mut f.app);
    snap("deficiency_queue", &mut f.app);
}

#[test]
fn deficiency_queue_filter_form() {
    let mut f = def_fixture();
    queue(&mut f.app);
    press(&mut f.app, KeyCode::Char('f'));
    type_text(&mut f.app, "miss_ds");
    snap("deficiency_queue_filter", &mut f.app);
}

#[test]
fn deficiency_work() {
    let mut f = def_fixture();
    queue(&mut f.app);
    press(&mut f.app, KeyCode::Enter);
    press(&mut f.app, KeyCode::Char('j'));
    snap("deficiency_work", &mut f.app);
}

#[test]
fn deficiency_work_waive_form() {
    let mut f = def_fixture();
    queue(&mut f.app);
    press(&mut f.app, KeyCode::Enter);
    press(&mut f.app, KeyCode::Tab);
    press(&mut f.app, KeyCode::Char('w'));
    press(&mut f.app, KeyCode::Tab);
    type_text(&mut f.app, "short");
    press(&mut f.app, KeyCode::Enter);
    snap("deficiency_work_waive", &mut f.app);
}

#[test]
fn deficiency_work_add_picker() {
    let mut f = def_fixture();
    queue(&mut f.app);
    press(&mut f.app, KeyCode::Enter);
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Char('a'));
    snap("deficiency_work_add", &mut f.app);
}

#[test]
fn deficiency_work_delinquent() {
    let mut f = def_fixture();
    // DEL-02: 14 days after assignment the open deficiencies are past due.
    f.advance(chrono::Duration::days(20));
    queue(&mut f.app);
    press(&mut f.app, KeyCode::Enter);
    press(&mut f.app, KeyCode::Tab);
    snap("deficiency_work_delinquent", &mut f.app);
}

#[test]
fn deficiency_reports_summary() {
    let mut f = def_fixture();
    sign_in_as(&mut f.app, "super");
    press(&mut f.app, KeyCode::Char('r'));
    snap("deficiency_reports", &mut f.app);
}

#[test]
fn deficiency_work_reading_a_document() {
    let mut f = def_fixture();
    queue(&mut f.app);
    press(&mut f.app, KeyCode::Enter);
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Enter);
    snap("deficiency_work_reading", &mut f.app);
}
