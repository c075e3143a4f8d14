//! Shared fixtures for integration tests.
#![allow(dead_code)]

use std::path::Path;

use chartdesk::CoreError;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::domain::Role;
use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
use chartdesk::roi::{Conditions, RequesterType};
use chartdesk::store::Store;
use chartdesk::{accounts, settings};

pub fn system() -> Actor {
    Actor::system("test")
}

/// A database with one user per role (password "password-<name>"), one patient with one
/// encounter and one signed document, and a few audit rows.
pub fn seeded(path: &Path) -> Store {
    let mut store = Store::open_or_create(path).expect("open");
    let actor = system();
    for (name, role) in [
        ("tina", Role::Technician),
        ("carl", Role::Coder),
        ("rita", Role::Roi),
        ("sam", Role::Supervisor),
    ] {
        accounts::add_user(
            &mut store,
            &actor,
            name,
            &format!("{name} full"),
            role,
            &format!("password-{name}"),
        )
        .expect("add user");
    }
    store
        .transact(&actor, |tx, audit| {
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name, credentials) VALUES (1, '1234567893', 'House', 'Greg', 'MD');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES (1, 'MRN0000001', 'Rivera', 'Ana', '1970-03-04', 'F');
                 INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex) VALUES (2, 'MRN0000002', 'Riviera', 'Ben', '1980-01-01', 'M');
                 INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status)
                   VALUES (1, 'V0000001', 1, 'inpatient', 'Medicine', '2026-11-01T08:00:00', '2026-11-04T12:00:00', 1, 'awaiting_analysis');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                   VALUES (1, 1, '34117-2', 'History and physical', 1, 'signed', '2026-11-01T09:00:00', '2026-11-01T10:00:00', 'CHIEF COMPLAINT: chest pain');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 1));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    settings::set(&mut store, &actor, "facility_name", "Test General").expect("setting");
    store
}

pub fn audit_subtypes(store: &Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare("SELECT subtype FROM audit_log ORDER BY seq")
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

pub fn audit_count(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("count")
}

/// The password [`seeded`] gives a user.
pub fn password(name: &str) -> String {
    format!("password-{name}")
}

/// A user of the database by name, as an actor with the role it holds there.
pub fn user(store: &Store, name: &str) -> Actor {
    let (id, role): (i64, String) = store
        .conn()
        .query_row(
            "SELECT id, role FROM users WHERE username = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("user");
    Actor::user(id, name, Role::parse(&role).expect("role"))
}

/// On a [`seeded`] store: the patient's own request (MRN0000001, Ana Rivera) for her
/// documents of type `doc_type`, received two days ago, logged, verified, validated and
/// submitted by rita and passed QA by sam; returns its id.
pub fn request_past_qa(store: &mut Store, doc_type: &str) -> i64 {
    let rita = user(store, "rita");
    let sam = user(store, "sam");
    let received = chartdesk::clock::FacilityClock::read(store)
        .expect("clock")
        .today()
        - chrono::Duration::days(2);
    let new = NewRequest {
        mrn: "MRN0000001".into(),
        requester_type: RequesterType::SelfAccess,
        requester_name: "Ana Rivera".into(),
        requester_address: "1 Main St".into(),
        purpose: String::new(),
        scope: Scope {
            document_types: vec![doc_type.into()],
            ..Scope::default()
        },
        delivery: Delivery::Electronic,
        received,
        conditions: Conditions::default(),
    };
    let id = request::log_request(store, &rita, &new).expect("log");
    request::verify_identity(store, &rita, id, "photo id").expect("verify");
    request::validate_request(store, &rita, id).expect("validate");
    request::submit_for_qa(store, &rita, id).expect("submit");
    request::qa_review(store, &sam, id, true, "checked").expect("qa");
    id
}

/// The command line as a user proven by the password (AUD-10):
/// `chartdesk --db DB --password-stdin ARGS… --as USER`, the password on stdin. `--as` goes
/// last, so `args` must end where the command's `--as` is accepted (a leaf command, or a
/// group whose `--as` is global such as `roi`). Add more with `.arg`/`.args` only after
/// checking that position; then `.assert()`.
pub fn run_as(db: &Path, user: &str, password: &str, args: &[&str]) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .arg("--password-stdin")
        .args(args)
        .args(["--as", user])
        .write_stdin(format!("{password}\n"));
    c
}

/// Every name in `dir` (staged packets start with a dot), sorted; empty when it is missing.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
