//! The MPI queue in the TUI (issue #18), driven by scripted keys through the real runtime:
//! a supervisor opens the queue (`m` on Home), sees both records side by side with their
//! aliases, merges a held pair keeping the record chosen (`s` swaps, `m` asks first), keeps
//! a probable duplicate apart with a reason (`a`), lists decided pairs (`t`) and unmerges
//! (`U`, with a reason). The database and the audit log are checked after each step.
//! Snapshots at 80x24 (regenerate with `INSTA_UPDATE=always cargo test --test tui_mpi`).

#[path = "common/roi_tui.rs"]
mod roi_tui;
use roi_tui::*;

/// sam (supervisor), tina (technician); Jane Doe twice (birth day and month transposed, so a
/// merge of the two is held by MPI-01), with an old alias on the first; Ann and Anne Roe
/// queued as a probable duplicate.
fn mpi_fixture(dir: &Path) -> Store {
    let mut store = staffed(
        dir,
        &[
            ("sam", "Sam Super", Role::Supervisor),
            ("tina", "Tina Tech", Role::Technician),
            ("cody", "Cody Coder", Role::Coder),
        ],
    );
    let sys = Actor::system("test");
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, family_name, given_name, credentials) VALUES (1, 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex, address) VALUES
                   (1, 'MRN00042', 'Doe', 'Jane', '1960-02-03', 'F', '9 Elm St, Springfield'),
                   (2, 'MRN00043', 'Doe', 'Jane', '1960-03-02', 'F', '9 Elm Street, Springfield'),
                   (3, 'MRN00050', 'Roe', 'Ann', '1971-05-06', 'F', '1 Oak Ave'),
                   (4, 'MRN00051', 'Roe', 'Anne', '1971-05-06', 'F', '1 Oak Avenue');
                 INSERT INTO patient_aliases(patient_id, mrn, active) VALUES (1, 'OLD00007', 1);
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (10, 'V2026001', 2, 'inpatient', 'Medicine', '2026-11-01T08:00:00', '2026-11-03T11:30:00', 1, 'doc_complete');",
            )?;
            chartdesk::mpi::queue::enqueue(
                tx,
                "duplicate",
                3,
                4,
                Some(17.5),
                &serde_json::json!({"agreeing": ["family name", "birth date", "sex"]}),
                "2026-11-25T14:00:00.000Z",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("rows");
    let out = chartdesk::mpi::queue::merge_by_mrn(
        &mut store,
        &Actor::system("feed"),
        "MRN00042",
        "MRN00043",
        "ADT^A40 from the feed",
    )
    .expect("merge");
    assert!(
        matches!(out, chartdesk::mpi::merge::MergeOutcome::Held { .. }),
        "{out:?}"
    );
    store
}

#[test]
fn a_supervisor_merges_keeps_apart_and_unmerges_from_the_queue() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = mpi_fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "sam");
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.screen(), ScreenId::Mpi);
    assert!(
        audits(app.store(), "mpi_queue", "sam") >= 1,
        "reading the queue is audited"
    );
    // Open items: the duplicate (weight 17.5) before the held merge (no weight).
    snap!("mpi_queue_duplicate", &mut app);
    press(&mut app, KeyCode::Char('j'));
    snap!("mpi_queue_held_merge", &mut app);

    // Keep the second record (MRN00043): `s` swaps, `m` asks first, `n` leaves it undecided.
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM mpi_items WHERE status = 'open'"
        ),
        2
    );
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('y'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("merged"), "{status}");
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM patient_merges WHERE status = 'applied' AND survivor_id = 2 AND retired_id = 1"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM mpi_items WHERE patient_a = 1 AND status = 'merged' AND decided_by = 'sam'"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM patient_aliases WHERE patient_id = 2 AND mrn = 'MRN00042' AND active = 1"
        ),
        1,
        "the retired MRN is the survivor's alias"
    );
    assert_eq!(audits(store, "mpi_item", "sam"), 1);

    // The duplicate: keep apart needs a reason.
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM mpi_items WHERE status = 'open'"
        ),
        1,
        "nothing decided without a reason"
    );
    type_text(&mut app, "sisters, different SSN");
    snap!("mpi_keep_apart_prompt", &mut app);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM mpi_items WHERE status = 'kept_apart' AND reason = 'sisters, different SSN' AND decided_by = 'sam'"
        ),
        1
    );
    assert_eq!(audits(app.store(), "mpi_item", "sam"), 2);

    // Decided pairs, then the unmerge of the merged one.
    press(&mut app, KeyCode::Char('t'));
    let merged_row = scalar(
        app.store(),
        "SELECT count(*) FROM mpi_items WHERE status <> 'open'",
    );
    assert_eq!(merged_row, 2);
    // Go to the merged item (listed after the kept-apart one: both decided, by weight).
    press(&mut app, KeyCode::End);
    snap!("mpi_decided_merged", &mut app);
    press(&mut app, KeyCode::Char('U'));
    type_text(&mut app, "registered twice in error? no: two people");
    press(&mut app, KeyCode::Enter);
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("undone"), "{status}");
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM patient_merges WHERE status = 'unmerged' AND decided_by = 'sam'"
        ),
        1
    );
    assert_eq!(
        scalar(store, "SELECT patient_id FROM encounters WHERE id = 10"),
        2,
        "the encounter stayed with MRN00043 throughout"
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM patient_aliases WHERE mrn = 'MRN00042' AND active = 1"
        ),
        0
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM patients WHERE merged_into IS NOT NULL"
        ),
        0
    );
    assert!(audits(store, "patient_merge", "sam") >= 1);
}

#[test]
fn a_coder_cannot_open_the_mpi_queue() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = mpi_fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "cody");
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.screen(), ScreenId::Home);
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("technicians and supervisors"), "{status}");
    assert_eq!(audits(app.store(), "mpi_queue", "cody"), 0);
}

/// DOMAIN §1, checked in the core: a technician reviews and proposes, never applies, rejects
/// or unmerges; a coder does not even see the queue (the refusal is audited).
#[test]
fn core_permissions_tech_proposes_but_cannot_apply_and_a_coder_cannot_see() {
    use chartdesk::mpi::queue::{self, Decision};
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = mpi_fixture(dir.path());
    let tina = Actor::user(2, "tina", Role::Technician);
    let cody = Actor::user(3, "cody", Role::Coder);
    let sam = Actor::user(1, "sam", Role::Supervisor);
    assert!(queue::list(&mut store, &cody, false).is_err());
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM audit_log WHERE username = 'cody' AND subtype = 'access_denied' AND entity_type = 'mpi_queue'"
        ),
        1,
        "the refusal is audited"
    );
    let items = queue::list(&mut store, &tina, false).expect("tech lists");
    assert_eq!(items.len(), 2);
    let held = items
        .iter()
        .find(|i| i.kind == "held_merge")
        .expect("held")
        .id;
    assert!(queue::propose(&mut store, &cody, held, Decision::Merge { survivor: None }).is_err());
    assert!(
        queue::propose(
            &mut store,
            &tina,
            held,
            Decision::KeepApart {
                reason: "  ".into()
            }
        )
        .is_err(),
        "a keep-apart proposal needs a reason"
    );
    assert!(
        queue::propose(
            &mut store,
            &tina,
            held,
            Decision::Merge { survivor: Some(99) }
        )
        .is_err(),
        "the survivor must be one of the pair"
    );
    queue::propose(
        &mut store,
        &tina,
        held,
        Decision::Merge { survivor: Some(2) },
    )
    .expect("tech proposes");
    assert_eq!(
        scalar(
            &store,
            &format!(
                "SELECT survivor_id FROM mpi_proposals WHERE item_id = {held} AND proposal = 'merge' AND proposed_by = 'tina'"
            )
        ),
        2
    );
    // Nothing was merged by the proposal; tina may not apply, reject, decide or unmerge.
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM patient_merges WHERE status = 'applied'"
        ),
        0
    );
    assert!(queue::apply_proposal(&mut store, &tina, held).is_err());
    assert!(queue::reject_proposal(&mut store, &tina, held, "no").is_err());
    assert!(queue::decide(&mut store, &tina, held, Decision::Merge { survivor: None }).is_err());
    assert!(queue::unmerge(&mut store, &tina, 1, "no").is_err());
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM mpi_items WHERE status = 'open'"
        ),
        2
    );
    // The supervisor applies the proposal as proposed (record 2 survives).
    let said = queue::apply_proposal(&mut store, &sam, held).expect("apply");
    assert!(said.contains("proposed by tina"), "{said}");
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM patient_merges WHERE status = 'applied' AND survivor_id = 2 AND retired_id = 1"
        ),
        1
    );
    assert!(
        queue::propose(&mut store, &tina, held, Decision::Merge { survivor: None }).is_err(),
        "a decided item takes no more proposals"
    );
}

/// Key-driven: tina (technician) opens the queue, is refused a merge, proposes keeping the
/// duplicate apart (`K`, with a reason) and a merge of the held pair keeping record B (`s`,
/// `p`); sam (supervisor) rejects the first proposal (`X`, with a reason) and applies the
/// second (`A`, confirmed). The database and the audit log are checked after each step.
#[test]
fn a_technician_proposes_and_a_supervisor_applies_or_rejects() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = mpi_fixture(dir.path());
    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "tina");
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.screen(), ScreenId::Mpi);
    assert!(audits(app.store(), "mpi_queue", "tina") >= 1);
    // A direct merge is the supervisor's: refused with the reason, nothing changes.
    press(&mut app, KeyCode::Char('m'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("propose instead"), "{status}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM mpi_items WHERE status = 'open'"
        ),
        2
    );
    // The duplicate: propose keeping apart, with a reason.
    press(&mut app, KeyCode::Char('K'));
    type_text(&mut app, "different SSN on the scanned cards");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM mpi_proposals WHERE proposal = 'keep_apart' AND proposed_by = 'tina' AND reason = 'different SSN on the scanned cards'"
        ),
        1
    );
    // The held merge: keep record B, propose the merge.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('p'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(
        status.contains("proposed a merge keeping MRN MRN00043"),
        "{status}"
    );
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM mpi_proposals WHERE proposal = 'merge' AND survivor_id = 2 AND proposed_by = 'tina'"
        ),
        1
    );
    assert_eq!(audits(app.store(), "mpi_item", "tina"), 2);
    snap!("mpi_tech_proposed", &mut app);
    press(&mut app, KeyCode::Char('A'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("supervisor"), "{status}");
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM patient_merges WHERE status = 'applied'"
        ),
        0,
        "a proposal merges nothing"
    );
    drop(app);

    let mut app = App::new(
        open(&dir.path().join("chartdesk.db")),
        TuiOptions::default(),
    )
    .expect("app");
    sign_in(&mut app, "sam");
    press(&mut app, KeyCode::Char('m'));
    snap!("mpi_supervisor_sees_proposal", &mut app);
    // Reject the keep-apart proposal on the duplicate: the pair stays open.
    press(&mut app, KeyCode::Char('X'));
    type_text(&mut app, "the SSNs match on file");
    press(&mut app, KeyCode::Enter);
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM mpi_proposals WHERE proposal = 'keep_apart'"
        ),
        0
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM mpi_items WHERE status = 'open'"
        ),
        2
    );
    // Apply the merge proposal: asked first, then merged as proposed.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('A'));
    press(&mut app, KeyCode::Char('y'));
    let status = app.status().unwrap_or_default().to_string();
    assert!(status.contains("proposed by tina"), "{status}");
    let store = app.store();
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM patient_merges WHERE status = 'applied' AND survivor_id = 2 AND retired_id = 1"
        ),
        1
    );
    assert_eq!(
        scalar(
            store,
            "SELECT count(*) FROM mpi_items WHERE kind = 'held_merge' AND status = 'merged' AND decided_by = 'sam'"
        ),
        1
    );
    assert_eq!(audits(store, "mpi_item", "sam"), 2, "reject and apply");
}

#[test]
fn retired_mrns_find_the_survivor_in_chart_search_and_show_on_its_chart() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = mpi_fixture(dir.path());
    let sam = Actor::user(1, "sam", Role::Supervisor);
    let held: i64 = scalar(&store, "SELECT id FROM mpi_items WHERE kind = 'held_merge'");
    chartdesk::mpi::queue::decide(
        &mut store,
        &sam,
        held,
        chartdesk::mpi::queue::Decision::Merge { survivor: Some(2) },
    )
    .expect("merge");
    // Core search: the retired MRN and the retired record's own older alias both find the
    // survivor, marked as an alias hit.
    for q in ["MRN00042", "old00007"] {
        let hits = chartdesk::chart::search_patients(&mut store, &sam, q).expect("search");
        assert_eq!(hits.len(), 1, "{q}");
        assert_eq!((hits[0].patient.id, hits[0].matched), (2, "alias"), "{q}");
    }
    let chart = chartdesk::chart::open_chart(&mut store, &sam, 2).expect("chart");
    assert_eq!(
        chart.aliases,
        vec!["OLD00007".to_string(), "MRN00042".to_string()]
    );

    let mut app = App::new(store, TuiOptions::default()).expect("app");
    sign_in(&mut app, "sam");
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "MRN00042");
    press(&mut app, KeyCode::Enter);
    let results = screen_text(&mut app);
    assert!(
        results.contains("MRN00043") && results.contains("alias"),
        "{results}"
    );
    snap!("search_by_retired_mrn", &mut app);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart);
    let chart = screen_text(&mut app);
    assert!(chart.contains("aka MRN OLD00007, MRN00042"), "{chart}");
    snap!("chart_with_aliases", &mut app);
}
