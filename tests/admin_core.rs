//! Supervisor console core (issue #15): typed settings changed with old and new value in the
//! audit, user administration, work assignment listed first on the assignee's queue, the
//! staff list and releasing a claim. Every one is supervisor-only, checked in the core.

mod common;

use chartdesk::CoreError;
use chartdesk::accounts;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::deficiency::queue::{self, QueueFilter, QueueSort, QueueTab};
use chartdesk::domain::Role;
use chartdesk::privacy::work::{self, Presence, WorkKind};
use chartdesk::settings::{self, Key};
use chartdesk::store::Store;

fn user(store: &Store, name: &str, role: Role) -> Actor {
    let id: i64 = store
        .conn()
        .query_row("SELECT id FROM users WHERE username = ?1", [name], |r| {
            r.get(0)
        })
        .expect("user");
    Actor::user(id, name, role)
}

fn last_detail(store: &Store, subtype: &str) -> serde_json::Value {
    let d: String = store
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE subtype = ?1 ORDER BY seq DESC LIMIT 1",
            [subtype],
            |r| r.get(0),
        )
        .expect("audit row");
    serde_json::from_str(&d).expect("json")
}

#[test]
fn a_setting_change_is_typed_validated_and_audited_with_old_and_new_value() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = common::seeded(&dir.path().join("db"));
    let sam = user(&store, "sam", Role::Supervisor);
    let tina = user(&store, "tina", Role::Technician);
    assert_eq!(
        settings::get_i64(store.conn(), Key::ClaimMinutes).expect("get"),
        30
    );
    settings::set(&mut store, &sam, "claim_minutes", "45").expect("set");
    assert_eq!(
        settings::get_i64(store.conn(), Key::ClaimMinutes).expect("get"),
        45
    );
    let d = last_detail(&store, "settings_change");
    assert_eq!(
        (d["old"].as_str(), d["new"].as_str(), d["rule"].as_str()),
        (Some("30"), Some("45"), Some("policy"))
    );
    // Validation comes from the definition; the error names the setting.
    let e = settings::set(&mut store, &sam, "business_hours", "19:00-07:00").unwrap_err();
    assert!(e.to_string().contains("business_hours"), "{e}");
    assert!(settings::set(&mut store, &sam, "no_such_setting", "1").is_err());
    // A technician is refused in the core, and the refusal is audited.
    assert!(matches!(
        settings::set(&mut store, &tina, "claim_minutes", "5"),
        Err(CoreError::Denied { .. })
    ));
    assert_eq!(
        settings::get_i64(store.conn(), Key::ClaimMinutes).expect("get"),
        45
    );
    let denied: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE subtype = 'access_denied' AND username = 'tina' AND entity_id = 'claim_minutes'",
            [],
            |r| r.get(0),
        )
        .expect("n");
    assert_eq!(denied, 1);
}

#[test]
fn users_change_role_audited_and_never_deleted() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = common::seeded(&dir.path().join("db"));
    let sam = user(&store, "sam", Role::Supervisor);
    let carl = user(&store, "carl", Role::Coder);
    accounts::change_role(&mut store, &sam, "tina", Role::Coder).expect("role");
    let d = last_detail(&store, "user_admin");
    assert_eq!(
        (d["old"].as_str(), d["new"].as_str()),
        (Some("technician"), Some("coder"))
    );
    assert!(
        accounts::change_role(&mut store, &sam, "sam", Role::Coder).is_err(),
        "own role"
    );
    assert!(
        accounts::change_role(&mut store, &carl, "tina", Role::Roi).is_err(),
        "not a supervisor"
    );
    accounts::disable_user(&mut store, &sam, "tina").expect("disable");
    let users = accounts::list_users(&mut store, &sam).expect("list");
    assert!(
        users
            .iter()
            .any(|u| u.username == "tina" && u.disabled && u.role == Role::Coder)
    );
    assert_eq!(users.len(), 4);
}

#[test]
fn assigned_charts_come_first_on_the_assignees_queue_and_can_be_taken_back() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = common::seeded(&dir.path().join("db"));
    let sys = common::system();
    store
        .transact(&sys, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (2, 'V0000002', 2, 'inpatient', 'Medicine', '2026-10-01T08:00:00', '2026-10-04T12:00:00', 1, 'awaiting_analysis'),
                          (3, 'V0000003', 2, 'inpatient', 'Medicine', '2026-10-05T08:00:00', '2026-10-06T12:00:00', 1, 'awaiting_analysis');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 2));
            Ok::<_, CoreError>(())
        })
        .expect("rows");
    let sam = user(&store, "sam", Role::Supervisor);
    let tina = user(&store, "tina", Role::Technician);
    let page = |store: &mut Store, a: &Actor| {
        queue::queue_page(
            store,
            a,
            QueueTab::AwaitingAnalysis,
            QueueSort::Oldest,
            &QueueFilter::default(),
            None,
            11,
        )
        .expect("page")
        .iter()
        .map(|r| r.visit_number.clone())
        .collect::<Vec<_>>()
    };
    assert_eq!(
        page(&mut store, &tina),
        ["V0000002", "V0000003", "V0000001"]
    );
    // Only a supervisor assigns, and only to a role that may do the work.
    assert!(work::assign(&mut store, &tina, WorkKind::Chart, "V0000001", "tina").is_err());
    assert!(work::assign(&mut store, &sam, WorkKind::Chart, "V0000001", "rita").is_err());
    work::assign(&mut store, &sam, WorkKind::Chart, "V0000001", "tina").expect("assign");
    let d = last_detail(&store, "update");
    assert_eq!(
        (d["old"].clone(), d["new"].as_str()),
        (serde_json::Value::Null, Some("tina"))
    );
    assert_eq!(
        page(&mut store, &tina),
        ["V0000001", "V0000002", "V0000003"]
    );
    // Another user's queue is unchanged.
    assert_eq!(page(&mut store, &sam), ["V0000002", "V0000003", "V0000001"]);
    let mine = work::assigned_to(store.conn(), tina.user_id.expect("id")).expect("mine");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].label, "V0000001");

    work::unassign(&mut store, &sam, WorkKind::Chart, "V0000001").expect("take back");
    let d = last_detail(&store, "update");
    assert_eq!(
        (d["old"].as_str(), d["new"].clone()),
        (Some("tina"), serde_json::Value::Null)
    );
    assert_eq!(
        page(&mut store, &tina),
        ["V0000002", "V0000003", "V0000001"]
    );
    assert!(work::unassign(&mut store, &sam, WorkKind::Chart, "V0000001").is_err());
}

#[test]
fn the_staff_list_shows_presence_last_action_and_claims_and_a_supervisor_releases_one() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = common::seeded(&dir.path().join("db"));
    let sam = user(&store, "sam", Role::Supervisor);
    let tina_s = accounts::login(&mut store, "tina", "password-tina").expect("login");
    let tina = tina_s.actor();
    queue::claim(&mut store, &tina, 1).expect("claim");
    let carl_s = accounts::login(&mut store, "carl", "password-carl").expect("login");
    accounts::lock_session(&mut store, &carl_s, 15).expect("lock");
    let staff = work::staff(&mut store, &sam).expect("staff");
    let row = |n: &str| staff.iter().find(|s| s.username == n).expect("row").clone();
    assert_eq!(row("tina").presence, Presence::Active);
    assert_eq!(row("carl").presence, Presence::Locked);
    assert_eq!(row("rita").presence, Presence::SignedOut);
    assert_eq!(row("tina").claims.len(), 1);
    assert!(
        row("tina")
            .last_action
            .expect("last")
            .1
            .contains("work_claim")
    );
    assert!(work::staff(&mut store, &tina).is_err());

    assert!(work::release_claim(&mut store, &tina, "encounter", 1).is_err());
    work::release_claim(&mut store, &sam, "encounter", 1).expect("release");
    let d = last_detail(&store, "update");
    assert_eq!(d["holder"].as_str(), Some("tina"));
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM work_claims", [], |r| r.get(0))
        .expect("n");
    assert_eq!(n, 0);
}
