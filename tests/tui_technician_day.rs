//! A technician's day at 80x24 beyond the basic queue: another user's change shows on the
//! open queue within a tick (live refresh), the queue filter takes a provider by name and a
//! service by its start in any case, a deficiency is read in full (`e`), a chart opens from
//! the provider view and from the letter and is claimed from the chart viewer, and the
//! confirm dialog shows its whole question. Snapshots at 80x24
//! (`INSTA_UPDATE=always cargo test --test tui_technician_day`).

mod tui_deficiency_fixture;

use chartdesk::accounts;
use chartdesk::deficiency::lifecycle::DefStatus;
use chartdesk::deficiency::{ops, queue};
use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen80(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

fn snap(name: &str, app: &mut App) {
    let screen = screen80(app);
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_suffix("80x24");
    s.bind(|| insta::assert_snapshot!(name, screen));
}

#[test]
fn another_users_change_shows_on_the_open_queue_at_the_next_tick() {
    let mut f = def_fixture();
    let mut other = f.other_workstation();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    let before = screen80(app);
    assert!(before.contains("V2026001"), "{before}");
    // tech2 resolves every deficiency of V2026001 on another workstation.
    let t = accounts::login(&mut other, "tech2", PASSWORD).expect("tech2");
    for d in queue::encounter_deficiencies(other.conn(), ENC).expect("rows") {
        let why = "signed on paper, scanned";
        let _ = ops::transition(
            &mut other,
            &t.actor(),
            d.id,
            DefStatus::Completed,
            why,
            None,
        );
    }
    app.tick();
    let after = screen80(app);
    assert!(
        !after.contains("V2026001"),
        "the completed chart leaves the list:\n{after}"
    );
    // Views by another user change nothing shown, so they do not make this desk re-read.
    let reads = |app: &App| {
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'queue'",
        )
    };
    let n = reads(app);
    let _ = queue::encounter_deficiencies(other.conn(), ENC);
    let _ = chartdesk::chart::search_patients(&mut other, &t.actor(), "doe");
    app.tick();
    assert_eq!(
        reads(app),
        n,
        "a view elsewhere does not re-read (and re-audit) the queue"
    );
    // The refresh key re-reads now.
    app.handle_key(crossterm::event::KeyEvent::new(
        KeyCode::Char('r'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    assert_ne!(reads(app), n);
}

#[test]
fn the_filter_takes_names_in_any_case_and_starts_empty() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Char('f'));
    press(app, KeyCode::Tab);
    type_text(app, "CARD #wil");
    press(app, KeyCode::Enter);
    let shown = screen80(app);
    assert!(
        shown.contains("service Cardiology") && shown.contains("provider #2"),
        "{shown}"
    );
    // Reopened, the form starts empty; an unknown name is refused on the form, naming it.
    press(app, KeyCode::Char('f'));
    snap("queue_filter_reopened", app);
    press(app, KeyCode::Tab);
    type_text(app, "#zzz");
    press(app, KeyCode::Enter);
    assert!(screen80(app).contains("no provider starts with \"zzz\""));
}

#[test]
fn a_deficiency_in_full_the_letter_to_the_chart_and_a_claim_from_the_chart() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('e'));
    let shown = screen80(app);
    assert!(
        shown.contains("in full") && shown.contains("Rule:"),
        "{shown}"
    );
    snap("work_deficiency_in_full", app);
    press(app, KeyCode::Esc);
    // Marking analysed asks first; the whole question shows at 80 columns.
    press(app, KeyCode::Char('m'));
    snap("work_confirm", app);
    press(app, KeyCode::Char('n'));
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Deficiencies);

    // The letter: l, pick Wilson, Enter opens the chart of the first visit on screen.
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('r'));
    press(app, KeyCode::Char('l'));
    type_text(app, "wilson");
    press(app, KeyCode::Enter);
    snap("provider_letter", app);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "{:?}", app.status());
    let chart = screen80(app);
    assert!(
        chart.contains("Visit V2026001") || chart.contains("Visit V2026002"),
        "{chart}"
    );
    // Back returns to the letter; the provider view's Enter opens the chart at the row's visit.
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Reports);
    press(app, KeyCode::Char('v'));
    type_text(app, "wilson");
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Provider, "{:?}", app.status());
    snap("provider_view", app);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "{:?}", app.status());
    // c claims the encounter shown and opens the technician's work screen.
    press(app, KeyCode::Char('c'));
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM work_claims w JOIN users u ON u.id = w.user_id WHERE u.username = 'tech1'"
        ),
        "Integer(1)"
    );
}
