//! The technician's deficiency workflow driven by keys through the TUI runtime: what the user
//! does is what the deficiency rows, the work claims and the audit log record.

mod tui_deficiency_fixture;

use chartdesk::accounts;
use chartdesk::deficiency::lifecycle::{DefStatus, WaiveReason};
use chartdesk::deficiency::{ops, queue};
use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

/// Sign in, open the queue, switch to the Incomplete tab and work the first chart.
fn work_first_incomplete_chart(app: &mut App, user: &str) {
    sign_in_as(app, user);
    assert_eq!(app.screen(), ScreenId::Home, "{:?}", app.status());
    press(app, KeyCode::Char('d'));
    assert_eq!(app.screen(), ScreenId::Deficiencies, "{:?}", app.status());
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Enter);
}

#[test]
fn technician_signs_adds_waives_voids_and_leaves_the_chart() {
    let mut f = def_fixture();
    let app = &mut f.app;
    assert_eq!(
        deficiencies(app.store(), ENC),
        [
            ("MISS_DS".into(), "open".into(), false),
            ("UNSIGNED".into(), "open".into(), false)
        ],
        "analysis found the missing summary and the unsigned note"
    );
    work_first_incomplete_chart(app, "tech1");
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM work_claims"),
        "Integer(1)"
    );

    // Record the unsigned progress note's signature (a confirmed command).
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Char('s'));
    press(app, KeyCode::Char('y'));
    assert_eq!(
        app.status(),
        Some("signature recorded; 1 deficiency resolved")
    );

    // Add a deficiency with two keystrokes: document and author preselected.
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|s| s.starts_with("MISS_HP added")),
        "{:?}",
        app.status()
    );

    // Waive the missing summary: code, then a reason; a technician's waiver waits.
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('w'));
    assert!(screen(app).contains("DEF-03"), "the rule is shown");
    press(app, KeyCode::Tab);
    type_text(app, "short");
    press(app, KeyCode::Enter);
    assert!(screen(app).contains("needs at least 10 characters"));
    type_text(app, ": attending on leave");
    press(app, KeyCode::Enter);
    assert!(
        app.status()
            .is_some_and(|s| s.contains("waiting for supervisor approval")),
        "{:?}",
        app.status()
    );

    // Void the added one with a reason.
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Char('v'));
    type_text(app, "added in error during the test");
    press(app, KeyCode::Enter);
    assert!(
        app.status().is_some_and(|s| s.ends_with("is now void")),
        "{:?}",
        app.status()
    );

    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Deficiencies);

    let store = app.store();
    assert_eq!(
        deficiencies(store, ENC),
        [
            ("MISS_DS".into(), "open".into(), true),
            ("UNSIGNED".into(), "completed".into(), false),
            ("MISS_HP".into(), "void".into(), false),
        ]
    );
    assert_eq!(
        scalar(store, "SELECT status FROM documents WHERE id = 200"),
        "Text(\"signed\")"
    );
    assert_eq!(
        scalar(store, "SELECT him_status FROM encounters WHERE id = 10"),
        "Text(\"incomplete\")",
        "the waiver is not approved yet, so the chart is still incomplete (DEF-04)"
    );
    assert_eq!(
        scalar(store, "SELECT count(*) FROM work_claims"),
        "Integer(0)"
    );
    assert_eq!(
        audit_of(store, "tech1"),
        [
            "login:user",
            "query:queue",
            "query:queue",
            "update:work_claim",
            "view:patient",
            "sign:document",
            // the re-analysis: one event on the encounter lists the resolved UNSIGNED
            "update:encounter",
            "create:deficiency",
            "update:deficiency",
            "update:deficiency",
            "update:work_claim",
            "query:queue",
        ]
    );
    let report = chartdesk::audit::verify(store.conn(), &[]).expect("verify");
    assert!(report.ok(), "{:?}", report.problem);
}

#[test]
fn a_second_technician_is_refused_a_claimed_chart() {
    let mut f = def_fixture();
    let mut other = f.other_workstation();
    let s1 = accounts::login(&mut other, "tech1", PASSWORD).expect("tech1");
    queue::claim(&mut other, &s1.actor(), ENC).expect("claim");
    let app = &mut f.app;
    work_first_incomplete_chart(app, "tech2");
    assert_eq!(app.screen(), ScreenId::Deficiencies, "stays in the queue");
    assert_eq!(
        app.status(),
        Some("claim: tech1 is working this chart; try again later")
    );
    assert!(
        screen(app).contains("tech1"),
        "the claim shows in the queue"
    );
    // Another technician's claim is never taken over by leaving or quitting.
    press(app, KeyCode::Char('q'));
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM work_claims"),
        "Integer(1)"
    );
    let audit = audit_of(app.store(), "tech2");
    assert!(!audit.contains(&"view:patient".to_string()), "{audit:?}");
}

#[test]
fn supervisor_approves_a_pending_waiver_and_the_chart_completes() {
    let mut f = def_fixture();
    let mut other = f.other_workstation();
    let t = accounts::login(&mut other, "tech2", PASSWORD).expect("tech2");
    let rows = queue::encounter_deficiencies(other.conn(), ENC).expect("rows");
    for d in &rows {
        let code = Some(WaiveReason::DocElsewhere);
        let why = "documented in the scanned paper record";
        ops::transition(&mut other, &t.actor(), d.id, DefStatus::Waived, why, code).expect("waive");
    }
    let app = &mut f.app;
    work_first_incomplete_chart(app, "super");
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    press(app, KeyCode::Tab);
    for _ in &rows {
        press(app, KeyCode::Char('A'));
        assert!(
            app.status().is_some_and(|s| s.contains("waiver approved")),
            "{:?}",
            app.status()
        );
        // The approved row moves below the open ones; the next pending one is selected.
    }
    // The last approval completes the chart: the status says so and the next chart opens
    // (or the queue says there is none).
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("V2026001 complete: no open deficiencies"),
        "{status}"
    );
    assert!(
        status.contains("next chart opened") || status.contains("no other chart"),
        "{status}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM work_claims WHERE entity_id = 10"
        ),
        "Integer(0)",
        "the completed chart's claim is released"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT him_status FROM encounters WHERE id = 10"
        ),
        "Text(\"doc_complete\")"
    );
}

#[test]
fn core_refusals_and_role_guards_show_in_the_status_line() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "coder");
    press(app, KeyCode::Char('d'));
    assert_eq!(app.screen(), ScreenId::Home);
    assert_eq!(
        app.status(),
        Some("deficiency_queue: only technicians and supervisors work deficiencies")
    );
    press(app, KeyCode::Char('q'));

    let mut f = def_fixture();
    let app = &mut f.app;
    work_first_incomplete_chart(app, "tech1");
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Enter);
    assert_eq!(
        app.status(),
        Some("deficiency: MISS_HP already exists for that document")
    );
    // Approving is a supervisor's command; a technician is told why.
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('A'));
    assert_eq!(
        app.status(),
        Some("approve_waiver: only a supervisor approves waivers (DEF-03)")
    );
    // Marking the chart analysed re-runs the rules now (audited as an analysis by tech1).
    let before = scalar(
        app.store(),
        "SELECT count(*) FROM audit_log WHERE entity_type = 'analysis'",
    );
    press(app, KeyCode::Char('m'));
    press(app, KeyCode::Char('y'));
    assert!(
        app.status()
            .is_some_and(|s| s.starts_with("chart analysed:")),
        "{:?}",
        app.status()
    );
    assert_ne!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'analysis'"
        ),
        before
    );
    // Quitting from the chart releases the claim, even with a form open (ctrl-c); with the
    // form open it asks first (unsaved input), and any key but y keeps the form.
    press(app, KeyCode::Char('v'));
    let ctrl_c = crossterm::event::KeyEvent::new(
        KeyCode::Char('c'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    app.handle_key(ctrl_c);
    assert!(!app.should_quit(), "asks before losing the form");
    press(app, KeyCode::Char('n'));
    assert!(!app.should_quit());
    app.handle_key(ctrl_c);
    press(app, KeyCode::Char('y'));
    assert!(app.should_quit());
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM work_claims"),
        "Integer(0)"
    );
}

#[test]
fn deficiency_screens_draw_at_tiny_and_large_sizes_without_panicking() {
    let mut f = def_fixture();
    let app = &mut f.app;
    let draw_all = |app: &mut App| {
        for (w, h) in [(1, 1), (20, 5), (40, 12), (80, 24), (200, 60)] {
            let mut t =
                ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("t");
            app.draw(&mut t).expect("draw");
        }
    };
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    draw_all(app);
    press(app, KeyCode::Char('f'));
    draw_all(app);
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Enter);
    draw_all(app);
    for k in ['a', 'w', 'v', 'r'] {
        press(app, KeyCode::Tab);
        press(app, KeyCode::Char(k));
        draw_all(app);
        press(app, KeyCode::Esc);
    }
    press(app, KeyCode::Char('?'));
    draw_all(app);
}

#[test]
fn activity_renews_the_claim_after_half_its_time() {
    let mut f = def_fixture();
    work_first_incomplete_chart(&mut f.app, "tech1");
    assert_eq!(f.app.screen(), ScreenId::Work);
    let claims = |f: &DefFixture| {
        audit_of(f.app.store(), "tech1")
            .iter()
            .filter(|a| *a == "update:work_claim")
            .count()
    };
    f.advance(chrono::Duration::minutes(10));
    press(&mut f.app, KeyCode::Char('a'));
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(
        claims(&f),
        1,
        "within half of claim_minutes (30): no renewal"
    );
    f.advance(chrono::Duration::minutes(10));
    press(&mut f.app, KeyCode::Char('a'));
    type_text(&mut f.app, "correction");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(
        claims(&f),
        2,
        "renewed before the change: {:?}",
        f.app.status()
    );
    let until = scalar(f.app.store(), "SELECT expires_at FROM work_claims");
    assert!(until.contains("T") && until != "Null", "{until}");
}

#[test]
fn reports_summary_for_supervisors_and_provider_letters_are_audited() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('r'));
    assert_eq!(app.screen(), ScreenId::Reports, "{:?}", app.status());
    let text = screen(app);
    assert!(text.contains("Delinquency rate"), "{text}");
    assert!(text.contains("MISS_DS"), "{text}");
    press(app, KeyCode::Char('l'));
    type_text(app, "wilson");
    press(app, KeyCode::Enter);
    let text = screen(app);
    assert!(text.contains("Provider #2 letter"), "{text}");
    assert!(
        text.contains("V2026001"),
        "the letter lists the visit: {text}"
    );
    press(app, KeyCode::Esc);
    assert!(screen(app).contains("Deficiency reports as of"));
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Home);
    let reports = audit_of(app.store(), "super")
        .into_iter()
        .filter(|a| a == "query:report")
        .count();
    assert_eq!(reports, 5, "summary (2 reports), letter, summary again (2)");

    // A technician gets provider letters but is not sent into a refused department report.
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('r'));
    assert!(screen(app).contains("are for supervisors"));
    press(app, KeyCode::Char('l'));
    type_text(app, "1");
    press(app, KeyCode::Enter);
    assert!(
        screen(app).contains("Provider #1 letter"),
        "{:?}",
        app.status()
    );
    let audit = audit_of(app.store(), "tech1");
    assert!(
        !audit.contains(&"access_denied:report".to_string()),
        "{audit:?}"
    );
}

#[test]
fn enter_reads_a_document_beside_the_list_and_esc_closes_it_first() {
    let mut f = def_fixture();
    let app = &mut f.app;
    work_first_incomplete_chart(app, "tech1");
    press(app, KeyCode::Char('j'));
    press(app, KeyCode::Enter);
    assert!(screen(app).contains("Improving."), "{}", screen(app));
    assert_eq!(
        audit_of(app.store(), "tech1").last().map(String::as_str),
        Some("view:document")
    );
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Work, "Esc closed the text only");
    assert!(screen(app).contains("Deficiencies (2)"));
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Deficiencies);
}
