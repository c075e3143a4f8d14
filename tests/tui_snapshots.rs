//! Snapshots of every screen and overlay at 100x30 and 80x24, drawn by the real runtime on a
//! `TestBackend`. Regenerate with `INSTA_UPDATE=always cargo test --test tui_snapshots` and
//! review the `.snap` text before committing.

mod tui_fixture;

use chartdesk::tui::App;
use crossterm::event::KeyCode;
use tui_fixture::*;

const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

fn snap(name: &str, app: &mut App) {
    for (w, h) in SIZES {
        let t = draw(app, w, h);
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_suffix(format!("{w}x{h}"));
        let screen = scrub(&t.backend().to_string());
        s.bind(|| insta::assert_snapshot!(name, screen));
    }
}

/// The filters (insta's `filters` feature is not enabled in Cargo.toml, so by hand): UTC
/// audit timestamps become `[TS]` and 64-hex hashes `[HASH]`. Nothing time-dependent is drawn
/// today; this keeps the snapshots stable if it ever is.
fn scrub(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let hex = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            .count();
        if hex == 64 && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            out.push_str("[HASH]");
            i += 64;
            continue;
        }
        if let Some(n) = utc_timestamp_len(&chars[i..]) {
            out.push_str("[TS]");
            i += n;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Length of a `YYYY-MM-DDTHH:MM:SS[.fff]Z` at the start of `c`.
fn utc_timestamp_len(c: &[char]) -> Option<usize> {
    let shape = "dddd-dd-ddTdd:dd:dd";
    if c.len() < shape.len() {
        return None;
    }
    for (want, got) in shape.chars().zip(c) {
        let ok = if want == 'd' {
            got.is_ascii_digit()
        } else {
            *got == want
        };
        if !ok {
            return None;
        }
    }
    let mut n = shape.len();
    if c.get(n) == Some(&'.') {
        n += 1;
        while c.get(n).is_some_and(|d| d.is_ascii_digit()) {
            n += 1;
        }
    }
    (c.get(n) == Some(&'Z')).then_some(n + 1)
}

#[test]
fn scrub_hides_timestamps_and_hashes_only() {
    let h = "ab".repeat(32);
    assert_eq!(
        scrub(&format!("at 2026-11-25T14:00:00.123Z h {h} 2026-10-01")),
        "at [TS] h [HASH] 2026-10-01"
    );
}

#[test]
fn login_screen_with_demo_credentials() {
    let mut f = fixture(true);
    type_text(&mut f.app, USER);
    press(&mut f.app, KeyCode::Tab);
    type_text(&mut f.app, "abc");
    snap("login", &mut f.app);
}

#[test]
fn home_screen_with_queues() {
    let mut f = fixture(false);
    sign_in(&mut f.app);
    snap("home", &mut f.app);
}

#[test]
fn search_results() {
    let mut f = fixture(false);
    sign_in(&mut f.app);
    press(&mut f.app, KeyCode::Char('/'));
    type_text(&mut f.app, "doe");
    press(&mut f.app, KeyCode::Enter);
    snap("search_results", &mut f.app);
}

#[test]
fn chart_with_document_open() {
    let mut f = fixture(false);
    open_first_document(&mut f.app);
    snap("chart_document", &mut f.app);
}

#[test]
fn chart_second_encounter() {
    let mut f = fixture(false);
    open_first_document(&mut f.app);
    // With the text focused `]` reads the next document; from the list it changes encounter.
    press(&mut f.app, KeyCode::Tab);
    press(&mut f.app, KeyCode::Char(']'));
    snap("chart_older_encounter", &mut f.app);
}

#[test]
fn help_overlay_on_chart() {
    let mut f = fixture(false);
    open_first_document(&mut f.app);
    press(&mut f.app, KeyCode::Char('?'));
    snap("help_chart", &mut f.app);
}

#[test]
fn palette_filtered() {
    let mut f = fixture(false);
    sign_in(&mut f.app);
    press(&mut f.app, KeyCode::Char('/'));
    ctrl(&mut f.app, 'p');
    type_text(&mut f.app, "open");
    snap("palette_search", &mut f.app);
}

#[test]
fn lock_screen() {
    let mut f = fixture(false);
    open_first_document(&mut f.app);
    ctrl(&mut f.app, 'l');
    type_text(&mut f.app, "abc");
    snap("lock", &mut f.app);
}
