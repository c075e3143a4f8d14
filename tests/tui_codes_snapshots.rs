//! Snapshots of the code lookup at 100x30 and 80x24 after typing `E11.6`, drawn by the real
//! runtime over the embedded FY2026 code sets. Regenerate with
//! `INSTA_UPDATE=always cargo test --test tui_codes_snapshots` and review the `.snap` text.

mod tui_codes_fixture;
mod tui_fixture;

use chartdesk::tui::App;
use crossterm::event::KeyCode;
use tui_codes_fixture::codes_fixture;
use tui_fixture::{press, sign_in, type_text};

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

#[test]
fn code_lookup_after_typing() {
    let mut f = codes_fixture(true);
    sign_in(&mut f.app);
    press(&mut f.app, KeyCode::Char('c'));
    type_text(&mut f.app, "E11.6");
    snap("code_lookup", &mut f.app);
}

#[test]
fn code_lookup_detail() {
    let mut f = codes_fixture(true);
    sign_in(&mut f.app);
    press(&mut f.app, KeyCode::Char('c'));
    type_text(&mut f.app, "E11.65");
    press(&mut f.app, KeyCode::Enter);
    snap("code_lookup_detail", &mut f.app);
}
