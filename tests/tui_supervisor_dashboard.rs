//! The supervisor's dashboard (issue #15): one key from Home, every tile from one audited read
//! of the report layer, two pages of four tiles that fit 80x24, and each tile opens the list
//! behind it in one key. Snapshots at 80x24
//! (`INSTA_UPDATE=always cargo test --test tui_supervisor_dashboard`).

mod tui_deficiency_fixture;

use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen80(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

fn snapshot(name: &str, s: &str) {
    let mut st = insta::Settings::clone_current();
    st.set_snapshot_suffix("80x24");
    st.bind(|| insta::assert_snapshot!(name, s));
}

fn dashboard_reads(app: &App, user: &str) -> String {
    scalar(
        app.store(),
        &format!(
            "SELECT count(*) FROM audit_log WHERE username = '{user}' AND entity_type = 'report' AND entity_id = 'dashboard'"
        ),
    )
}

#[test]
fn supervisor_sees_the_department_and_opens_a_tiles_list() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    assert_eq!(app.screen(), ScreenId::Supervisor, "{:?}", app.status());
    let s = screen80(app);
    assert!(s.contains("Delinquency (DEL-04)"), "{s}");
    assert!(s.contains("Open deficiencies by age"), "{s}");
    assert!(s.contains("DNFB / DNFC"), "{s}");
    // The fixture's two analysed charts: the progress note is unsigned (one open deficiency).
    let open = scalar(
        app.store(),
        "SELECT count(*) FROM deficiencies WHERE status NOT IN ('completed','waived','void')",
    );
    assert!(
        s.contains(&format!(
            "{} open",
            open.trim_start_matches("Integer(").trim_end_matches(')')
        )),
        "the aging tile says the open total ({open}):\n{s}"
    );
    snapshot("dashboard_page1", &s);
    assert_eq!(
        dashboard_reads(app, "super"),
        "Integer(1)",
        "the read is audited"
    );

    // The second page: ROI, requests, throughput, audit log.
    press(app, KeyCode::PageDown);
    let s = screen80(app);
    assert!(s.contains("ROI requests") && s.contains("Audit log"), "{s}");
    assert!(s.contains("page 2/3"), "{s}");
    snapshot("dashboard_page2", &s);

    // The third page: the duplicate rate (MPI-01), never computed on this database.
    press(app, KeyCode::PageDown);
    let s = screen80(app);
    assert!(
        s.contains("Duplicate records (MPI-01)") && s.contains("not computed yet"),
        "{s}"
    );
    snapshot("dashboard_page3", &s);
    press(app, KeyCode::PageUp);

    // Back to the coding tile (page 1, fourth) and open its list in one key.
    press(app, KeyCode::PageUp);
    for _ in 0..3 {
        press(app, KeyCode::Down);
    }
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::CodingQueue, "{:?}", app.status());

    // Back from the list returns to the dashboard, which reads (and audits) again.
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Supervisor);
    assert_eq!(dashboard_reads(app, "super"), "Integer(2)");
}

#[test]
fn a_technician_has_no_dashboard() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('b'));
    assert_eq!(app.screen(), ScreenId::Home);
    assert_eq!(dashboard_reads(app, "tech1"), "Integer(0)", "nothing read");
}

/// Scenario (issue #15): technicians ask for two waivers; the supervisor opens the dashboard's
/// worklist, approves one and rejects the other in place, and the audit log shows both
/// decisions (by the supervisor, on those deficiencies) and the worklist read naming the MRNs.
#[test]
fn supervisor_approves_and_rejects_waivers_from_the_worklist() {
    use chartdesk::deficiency::lifecycle::{DefStatus, WaiveReason};
    let mut f = def_fixture();
    let mut other = f.other_workstation();
    let t = chartdesk::accounts::login(&mut other, "tech2", PASSWORD).expect("tech2");
    let ids: Vec<i64> = {
        let mut st = other
            .conn()
            .prepare("SELECT id FROM deficiencies WHERE status = 'open' ORDER BY assigned_at, id LIMIT 2")
            .expect("prepare");
        st.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    assert_eq!(ids.len(), 2, "the fixture has open deficiencies to waive");
    for id in &ids {
        chartdesk::deficiency::ops::transition(
            &mut other,
            &t.actor(),
            *id,
            DefStatus::Waived,
            "documented in the scanned paper record",
            Some(WaiveReason::DocElsewhere),
        )
        .expect("waive");
    }
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    let s = screen80(app);
    assert!(s.contains("waivers pending       2"), "{s}");
    press(app, KeyCode::Char('w'));
    let s = screen80(app);
    assert!(s.contains("Pending waivers: 2 of 2"), "{s}");
    snapshot("waiver_worklist", &s);

    press(app, KeyCode::Char('A'));
    assert!(
        app.status().is_some_and(|s| s.contains("waiver approved")),
        "{:?}",
        app.status()
    );
    let s = screen80(app);
    assert!(
        s.contains("Pending waivers: 1 of 1"),
        "the list is read again:\n{s}"
    );
    press(app, KeyCode::Char('R'));
    assert!(
        app.status().is_some_and(|s| s.contains("waiver rejected")),
        "{:?}",
        app.status()
    );
    assert!(screen80(app).contains("No waiver is waiting for approval."));

    let status = |id: i64| {
        scalar(
            app.store(),
            &format!("SELECT status || ':' || waive_pending FROM deficiencies WHERE id = {id}"),
        )
    };
    assert_eq!(status(ids[0]), "Text(\"waived:0\")");
    assert_eq!(
        status(ids[1]),
        "Text(\"open:0\")",
        "a rejected waiver leaves it open"
    );
    // The audit rows: each decision by the supervisor on its deficiency, and the worklist
    // reads naming what they showed.
    let decisions = |what: &str| {
        scalar(
            app.store(),
            &format!(
                "SELECT count(*) FROM audit_log WHERE username = 'super' AND entity_type = 'deficiency'
                   AND detail LIKE '%{what}%'"
            ),
        )
    };
    assert_eq!(decisions("approved_waiver"), "Integer(1)");
    assert_eq!(decisions("waiver_rejected"), "Integer(1)");
    let reads = scalar(
        app.store(),
        "SELECT count(*) FROM audit_log WHERE username = 'super' AND entity_id = 'pending_waivers'
           AND detail LIKE '%MRN000%'",
    );
    assert_eq!(
        reads, "Integer(2)",
        "the two reads that showed rows name their MRNs"
    );
}

/// The frame shows at once with "loading…" tiles while the worker reads; keys (tiles, pages,
/// help, Esc) work meanwhile; the worker writes the read's audit row; the tiles fill when its
/// result is polled (the tick).
#[test]
fn the_dashboard_loads_in_the_background_and_keys_work_meanwhile() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let key = |app: &mut App, code| app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "super");
    key(app, KeyCode::Char('b'));
    assert_eq!(app.screen(), ScreenId::Supervisor);
    let s = screen80(app);
    assert!(s.contains("loading…"), "{s}");
    snapshot("dashboard_loading", &s);
    // Keys while loading: the page follows the selection, help opens and closes.
    key(app, KeyCode::PageDown);
    assert!(screen80(app).contains("page 2/3"));
    key(app, KeyCode::Char('?'));
    key(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Supervisor);
    // The result arrives: the tiles fill, and the worker audited the read.
    app.settle();
    let s = screen80(app);
    assert!(s.contains("ROI requests") && !s.contains("loading…"), "{s}");
    assert_eq!(dashboard_reads(app, "super"), "Integer(1)");
    // Esc while a second read runs goes home at once.
    press(app, KeyCode::PageUp);
    key(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Home);
    key(app, KeyCode::Char('b'));
    key(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Home);
    app.settle();
    assert_eq!(dashboard_reads(app, "super"), "Integer(2)");
}

/// `D` recomputes the duplicate rate on a worker thread: the tile shows it with who computed
/// it, and the cache row and its audit row are written.
#[test]
fn the_duplicate_rate_is_recomputed_in_the_background() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    press(app, KeyCode::PageDown);
    press(app, KeyCode::PageDown);
    press(app, KeyCode::Char('D'));
    let s = screen80(app);
    assert!(
        s.contains("AHIMA < 1%") && s.contains("super (dashboard)"),
        "{s}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT computed_by FROM dashboard_cache WHERE name = 'duplicate_rate'"
        ),
        "Text(\"super (dashboard)\")"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE entity_type = 'dashboard_cache' AND username = 'super'"
        ),
        "Integer(1)"
    );
}

/// Esc is Back (the App's screen stack): the amendments list opened from the dashboard's
/// requests tile returns to the dashboard, not to the ROI queue.
#[test]
fn esc_from_a_tiles_amendments_list_returns_to_the_dashboard() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    assert_eq!(app.screen(), ScreenId::Supervisor, "{:?}", app.status());
    // Page 2 starts at the ROI tile; the next is accounting / amendments.
    press(app, KeyCode::PageDown);
    press(app, KeyCode::Down);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Amendments, "{:?}", app.status());
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Supervisor, "{:?}", app.status());
}
