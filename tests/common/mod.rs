//! Shared fixtures for integration tests.
#![allow(dead_code)]

use std::path::Path;

use chartdesk::CoreError;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::domain::Role;
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
