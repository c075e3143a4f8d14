//! End to end through the TUI runtime with scripted keys (no real terminal): what a user does
//! is what the audit log records, and the chain stays intact.

mod tui_fixture;

use chartdesk::tui::ScreenId;
use chrono::Duration;
use crossterm::event::KeyCode;
use tui_fixture::*;

#[test]
fn sign_in_search_open_chart_read_document_quit_is_audited_in_order() {
    let mut f = fixture(false);
    let app = &mut f.app;
    type_text(app, USER);
    press(app, KeyCode::Tab);
    type_text(app, PASSWORD);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Home, "status: {:?}", app.status());
    press(app, KeyCode::Char('/'));
    assert_eq!(app.screen(), ScreenId::Search);
    type_text(app, "doe"); // typing is not a query
    assert_eq!(user_audit(app.store()), ["login:user"]);
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "status: {:?}", app.status());
    press(app, KeyCode::Enter);
    let text = screen_text(&draw(app, 100, 30));
    assert!(text.contains("SUBJECTIVE: chest pain"), "{text}");
    press(app, KeyCode::Char('q'));
    assert!(app.should_quit());
    assert!(!app.is_signed_in());
    assert_eq!(
        user_audit(app.store()),
        [
            "login:user",
            "query:patient",
            "view:patient",
            "view:document",
            "logout:user"
        ]
    );
    let report = chartdesk::audit::verify(app.store().conn(), &[]).expect("verify");
    assert!(report.ok(), "{:?}", report.problem);
}

#[test]
fn wrong_password_shows_the_core_error_and_stays_on_login() {
    let mut f = fixture(false);
    let app = &mut f.app;
    type_text(app, USER);
    press(app, KeyCode::Tab);
    type_text(app, "not-the-password");
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Login);
    let text = screen_text(&draw(app, 80, 24));
    assert!(text.contains("wrong user name or password"), "{text}");
    assert!(
        !text.contains("not-the-password"),
        "password must be masked"
    );
}

#[test]
fn idle_lock_fires_on_the_injected_clock_hides_the_chart_and_unlocks() {
    let mut f = fixture(false);
    open_first_document(&mut f.app);
    assert_eq!(f.app.screen(), ScreenId::Chart);
    f.clock.advance(Duration::minutes(14));
    f.app.tick();
    assert_eq!(f.app.screen(), ScreenId::Chart, "not idle long enough");
    f.clock.advance(Duration::minutes(1));
    f.app.tick();
    assert_eq!(f.app.screen(), ScreenId::Lock);
    let text = screen_text(&draw(&mut f.app, 100, 30));
    assert!(
        !text.contains("Doe"),
        "patient hidden while locked:\n{text}"
    );
    assert!(!text.contains("SUBJECTIVE"), "{text}");
    // Keys other than the password do nothing to the chart underneath.
    type_text(&mut f.app, "wrong-password");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen(), ScreenId::Lock);
    assert!(screen_text(&draw(&mut f.app, 100, 30)).contains("wrong user name or password"));
    type_text(&mut f.app, PASSWORD);
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen(), ScreenId::Chart, "back where the user was");
    let audit = user_audit(f.app.store());
    let tail: Vec<_> = audit.iter().rev().take(3).rev().cloned().collect();
    assert_eq!(tail, ["lock:session", "login_failed:user", "unlock:user"]);
    // Input resets the idle timer.
    f.clock.advance(Duration::minutes(10));
    press(&mut f.app, KeyCode::Char('j'));
    f.clock.advance(Duration::minutes(10));
    f.app.tick();
    assert_eq!(f.app.screen(), ScreenId::Chart);
}

#[test]
fn esc_on_the_lock_screen_never_signs_out_and_q_asks_first() {
    let mut f = fixture(false);
    sign_in(&mut f.app);
    ctrl(&mut f.app, 'l');
    assert_eq!(f.app.screen(), ScreenId::Lock);
    // A reflex Esc (twice, with a half-typed password) keeps the session locked.
    type_text(&mut f.app, "pass");
    press(&mut f.app, KeyCode::Esc);
    press(&mut f.app, KeyCode::Esc);
    assert_eq!(f.app.screen(), ScreenId::Lock);
    assert!(f.app.is_signed_in());
    // q on the empty password asks; n keeps the session, y signs out.
    press(&mut f.app, KeyCode::Char('q'));
    press(&mut f.app, KeyCode::Char('n'));
    assert!(f.app.is_signed_in());
    press(&mut f.app, KeyCode::Char('q'));
    press(&mut f.app, KeyCode::Char('y'));
    assert_eq!(f.app.screen(), ScreenId::Login);
    assert!(!f.app.is_signed_in());
    let audit = user_audit(f.app.store());
    assert_eq!(audit, ["login:user", "lock:session", "logout:user"]);
}

#[test]
fn escape_sequences_in_a_document_never_reach_the_screen() {
    let mut f = fixture(false);
    open_first_document(&mut f.app);
    for (w, h) in [(100, 30), (80, 24)] {
        let t = draw(&mut f.app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("resolved."), "{text}");
        assert!(
            !text.chars().any(|c| c == '\u{1b}' || c == '\u{7}'),
            "control characters in the buffer:\n{text:?}"
        );
    }
}

#[test]
fn disabled_commands_explain_why() {
    let mut f = fixture(false);
    sign_in(&mut f.app);
    press(&mut f.app, KeyCode::Char('/'));
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(
        f.app.status(),
        Some("run_search: type an MRN, a visit number or a name first")
    );
    assert_eq!(
        user_audit(f.app.store()),
        ["login:user"],
        "no query was run"
    );
}

#[test]
fn palette_runs_a_command_by_name_through_the_same_guards() {
    let mut f = fixture(false);
    sign_in(&mut f.app);
    press(&mut f.app, KeyCode::Char(':'));
    type_text(&mut f.app, "lock");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen(), ScreenId::Lock);
    type_text(&mut f.app, PASSWORD);
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen(), ScreenId::Home);
}

#[test]
fn every_screen_draws_at_tiny_and_large_sizes_without_panicking() {
    let mut f = fixture(true);
    let sizes = [(1, 1), (20, 5), (40, 12), (80, 24), (200, 60)];
    let draw_all = |app: &mut chartdesk::tui::App| {
        for (w, h) in sizes {
            draw(app, w, h);
        }
    };
    draw_all(&mut f.app);
    open_first_document(&mut f.app);
    draw_all(&mut f.app);
    press(&mut f.app, KeyCode::Char('?'));
    draw_all(&mut f.app);
    press(&mut f.app, KeyCode::Esc);
    ctrl(&mut f.app, 'p');
    draw_all(&mut f.app);
    press(&mut f.app, KeyCode::Esc);
    ctrl(&mut f.app, 'l');
    draw_all(&mut f.app);
}

#[test]
fn repeated_wrong_passwords_show_the_lockout_message_from_the_core() {
    let mut f = fixture(false);
    type_text(&mut f.app, USER);
    press(&mut f.app, KeyCode::Tab);
    for _ in 0..5 {
        type_text(&mut f.app, "wrong-password");
        press(&mut f.app, KeyCode::Enter);
    }
    let text = screen_text(&draw(&mut f.app, 100, 30));
    assert!(text.contains("account mtech is locked"), "{text}");
    // The right password no longer helps: the account is locked in the core.
    type_text(&mut f.app, PASSWORD);
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen(), ScreenId::Login);
}

/// Esc is Back (the App's screen stack): search opened from the deficiency queue returns to
/// the queue, not Home; Esc on the queue then returns Home.
#[test]
fn esc_from_search_returns_to_the_screen_it_was_opened_from() {
    let mut f = fixture(false);
    let app = &mut f.app;
    sign_in(app);
    press(app, KeyCode::Char('d'));
    assert_eq!(
        app.screen(),
        ScreenId::Deficiencies,
        "status: {:?}",
        app.status()
    );
    press(app, KeyCode::Char('/'));
    assert_eq!(app.screen(), ScreenId::Search);
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Deficiencies);
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Home);
}
