//! The dashboard's other worklists (issue #15): requests awaiting QA (enter opens the request),
//! expired claims (released in place) and unanswered queries past due (escalated in place,
//! COD-21). Each opens from the dashboard in one key; every action is audited in the core, and
//! every list read is audited naming the MRNs it showed. Snapshots at 80x24
//! (`INSTA_UPDATE=always cargo test --test tui_supervisor_worklists`).

mod tui_deficiency_fixture;

use chartdesk::audit::{Action, Actor, Event, Subtype};
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

/// A request in QA, a coder's claim that expired a day before the fixture's now, and a query
/// asked 55 days ago, due 25 days ago, never escalated.
fn stuck_work(f: &DefFixture) {
    let mut other = f.other_workstation();
    other
        .transact(&Actor::system("test"), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO release_requests(id, patient_id, requester_type, requester_name, received_at, due_at, status, created_by)
                   VALUES (7, 1, 'AUTH_3P', 'Smith & Jones LLP', '2026-11-10T09:00:00', '2026-12-10T09:00:00', 'qa_review', 'roi');
                 INSERT INTO work_claims(entity_type, entity_id, user_id, claimed_at, expires_at)
                   VALUES ('coding', 12, (SELECT id FROM users WHERE username = 'coder'),
                           '2026-11-24T09:00:00Z', '2026-11-24T13:00:00Z');
                 INSERT INTO coding_queries(id, encounter_id, provider_id, question, asked_by, asked_at, due_at)
                   VALUES (5, 10, 1, 'Acute or chronic systolic heart failure?', 'coder',
                           '2026-10-01T10:00:00', '2026-10-31T10:00:00');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("stuck work");
}

fn reads(app: &App, list: &str) -> String {
    scalar(
        app.store(),
        &format!(
            "SELECT count(*) FROM audit_log WHERE username = 'super' AND entity_type = 'report'
               AND entity_id = '{list}' AND detail LIKE '%MRN000%'"
        ),
    )
}

#[test]
fn supervisor_opens_a_request_awaiting_qa_from_the_dashboard() {
    let mut f = def_fixture();
    stuck_work(&f);
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    press(app, KeyCode::Char('v'));
    let s = screen80(app);
    assert!(s.contains("Requests awaiting QA: 1 of 1"), "{s}");
    assert!(
        s.contains("Smith & Jones LLP") && s.contains("MRN00042"),
        "{s}"
    );
    snapshot("qa_worklist", &s);
    assert_eq!(reads(app, "requests_awaiting_qa"), "Integer(1)");
    // Enter opens the request (its own audited read) for QA.
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::RoiRequest, "{:?}", app.status());
}

#[test]
fn supervisor_releases_an_expired_claim_in_place() {
    let mut f = def_fixture();
    stuck_work(&f);
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    let s = screen80(app);
    assert!(
        s.contains("expired claims        1"),
        "the tile counts it:\n{s}"
    );
    press(app, KeyCode::Char('x'));
    let s = screen80(app);
    assert!(s.contains("Expired claims: 1 of 1"), "{s}");
    assert!(s.contains("V2026002") && s.contains("coder"), "{s}");
    snapshot("expired_claims_worklist", &s);
    // A key of another list does nothing here.
    press(app, KeyCode::Char('E'));
    assert!(
        app.status()
            .is_some_and(|s| s.contains("not on this worklist")),
        "{:?}",
        app.status()
    );

    press(app, KeyCode::Char('X'));
    assert!(
        app.status().is_some_and(|s| s.contains("released")),
        "{:?}",
        app.status()
    );
    assert!(screen80(app).contains("No claim has expired."));
    assert_eq!(
        scalar(app.store(), "SELECT count(*) FROM work_claims"),
        "Integer(0)",
        "the claim is gone: the encounter is back in the queue"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'super' AND entity_type = 'work_claim'
               AND entity_id = '12' AND action = 'D' AND detail LIKE '%\"holder\":\"coder\"%'"
        ),
        "Integer(1)",
        "the release is audited, naming the holder"
    );
    assert_eq!(
        reads(app, "expired_claims"),
        "Integer(1)",
        "only the read that showed a row names an MRN"
    );
}

#[test]
fn supervisor_escalates_queries_past_due_in_place() {
    let mut f = def_fixture();
    stuck_work(&f);
    let app = &mut f.app;
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    press(app, KeyCode::Char('u'));
    let s = screen80(app);
    assert!(s.contains("Queries past due: 1 of 1"), "{s}");
    assert!(s.contains("2026-10-31") && s.contains("House, Greg"), "{s}");
    snapshot("queries_past_due_worklist", &s);

    press(app, KeyCode::Char('E'));
    assert!(
        app.status()
            .is_some_and(|s| s.contains("1 query(ies) escalated")),
        "{:?}",
        app.status()
    );
    // 55 days old at query_escalate_days per level.
    let every = chartdesk::settings::get_i64(
        app.store().conn(),
        chartdesk::settings::Key::QueryEscalateDays,
    )
    .expect("query_escalate_days");
    let level = 55 / every.max(1);
    assert!(level >= 1);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT escalation_level FROM coding_queries WHERE id = 5"
        ),
        format!("Integer({level})")
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'super' AND entity_type = 'coding_query'
               AND entity_id = '5' AND action = 'U' AND reason LIKE 'COD-21%'"
        ),
        "Integer(1)"
    );
    // The list is read again: the query is still past due, now at its new level.
    let s = screen80(app);
    assert!(s.contains("Queries past due: 1 of 1"), "{s}");
    // Escalating again changes nothing (the level is current).
    press(app, KeyCode::Char('E'));
    assert!(
        app.status().is_some_and(|s| s.contains("no query is due")),
        "{:?}",
        app.status()
    );
    // Enter opens the chart of the query's encounter.
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "{:?}", app.status());
}

#[test]
fn worklist_keys_switch_lists_and_a_coder_cannot_open_them() {
    let mut f = def_fixture();
    stuck_work(&f);
    {
        let app = &mut f.app;
        sign_in_as(app, "super");
        press(app, KeyCode::Char('b'));
        press(app, KeyCode::Char('x'));
        press(app, KeyCode::Char('v'));
        assert!(screen80(app).contains("Requests awaiting QA: 1 of 1"));
        press(app, KeyCode::Esc);
        assert!(
            screen80(app).contains("Department as of"),
            "esc returns to the tiles"
        );
    }
    let mut other = f.other_workstation();
    // Each list's total is its tile's figure (the same predicate, read by the report layer).
    let s = chartdesk::accounts::login(&mut other, "super", PASSWORD).expect("super");
    let d = chartdesk::report::run_dashboard(&mut other, &s.actor()).expect("dashboard");
    use chartdesk::report::worklists::WorklistKind as K;
    for (kind, tile) in [
        (K::Waivers, d.pending_waivers),
        (K::AwaitingQa, d.roi_awaiting_qa),
        (K::ExpiredClaims, d.expired_claims),
        (K::QueriesPastDue, d.queries_past_due),
    ] {
        let w = chartdesk::report::run_worklist(&mut other, &s.actor(), kind, 10).expect("list");
        assert_eq!(w.total, tile, "{kind:?}");
        assert_eq!(
            w.rows.len() as i64,
            w.total,
            "{kind:?}: all rows fit the limit"
        );
    }
    assert_eq!(
        (d.roi_awaiting_qa, d.expired_claims, d.queries_past_due),
        (1, 1, 1)
    );
    let c = chartdesk::accounts::login(&mut other, "coder", PASSWORD).expect("coder");
    let e = chartdesk::report::run_worklist(
        &mut other,
        &c.actor(),
        chartdesk::report::worklists::WorklistKind::ExpiredClaims,
        10,
    );
    assert!(e.is_err(), "worklists are for supervisors");
}

/// The DNFB tile's list (COD-22): every discharged encounter not final billed, oldest first,
/// with why it is not billed and its charges; a final-billed one is not on it; its total is the
/// tile's figure; the read is audited naming the MRNs; enter opens the chart.
#[test]
fn dnfb_tile_opens_the_dnfb_encounters_oldest_first() {
    let mut f = def_fixture();
    let mut other = f.other_workstation();
    other
        .transact(&Actor::system("test"), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at,
                   attending_id, discharge_disposition, reason, him_status, coding_status, coded_at,
                   total_charges_cents) VALUES
                   (14, 'V2026003', 2, 'inpatient', 'Medicine', '2026-11-05T08:00:00',
                    '2026-11-07T10:00:00', 2, 'home', 'Cellulitis', 'doc_complete', 'coded',
                    '2026-11-12T10:00:00', 1234567);
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at,
                   attending_id, discharge_disposition, reason, him_status, coding_status, coded_at,
                   final_billed_at, total_charges_cents) VALUES
                   (16, 'V2026004', 1, 'inpatient', 'Medicine', '2026-11-02T08:00:00',
                    '2026-11-04T10:00:00', 1, 'home', 'Syncope', 'doc_complete', 'final_billed',
                    '2026-11-08T10:00:00', '2026-11-09T10:00:00', 500000);",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 3));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("billing states");
    let s = chartdesk::accounts::login(&mut other, "super", PASSWORD).expect("super");
    let d = chartdesk::report::run_dashboard(&mut other, &s.actor()).expect("dashboard");
    assert_eq!(d.dnfb_count, 3, "10, 12 and 14 — not the final-billed 16");
    let w = chartdesk::report::run_worklist(
        &mut other,
        &s.actor(),
        chartdesk::report::worklists::WorklistKind::Dnfb,
        10,
    )
    .expect("list");
    assert_eq!(
        w.total, d.dnfb_count,
        "the list's total is the tile's figure"
    );
    let visits: Vec<&str> = w.rows.iter().map(|r| r.cells[0].as_str()).collect();
    assert_eq!(
        visits,
        ["V2026001", "V2026003", "V2026002"],
        "oldest discharge first"
    );
    assert_eq!(w.rows[1].cells[4], "coded, no bill");
    assert_eq!(w.rows[1].cells[5], "$12,345.67");

    let app = &mut f.app;
    let read_before = reads(app, "dnfb");
    sign_in_as(app, "super");
    press(app, KeyCode::Char('b'));
    // The DNFB tile is the third: two steps down, then enter.
    press(app, KeyCode::Down);
    press(app, KeyCode::Down);
    press(app, KeyCode::Enter);
    let screen = screen80(app);
    assert!(
        screen.contains("Not final billed (DNFB): 3 of 3"),
        "{screen}"
    );
    assert!(
        screen.contains("V2026003") && !screen.contains("V2026004"),
        "{screen}"
    );
    snapshot("dnfb_worklist", &screen);
    assert_eq!(read_before, "Integer(1)", "the core read above");
    assert_eq!(
        reads(app, "dnfb"),
        "Integer(2)",
        "the list's read, audited with its MRNs"
    );
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "{:?}", app.status());
}
