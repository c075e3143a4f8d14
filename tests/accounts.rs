//! Users, login, lockout and permissions enforced in the core (every denial audited).

mod common;

use chartdesk::audit::Actor;
use chartdesk::domain::Role;
use chartdesk::{CoreError, accounts, chart, settings};

#[test]
fn login_success_failure_and_lockout_are_audited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = common::seeded(&dir.path().join("a.db"));
    settings::set(&mut store, &common::system(), "max_failed_logins", "3").expect("setting");
    let s = accounts::login(&mut store, "carl", "password-carl").expect("login");
    assert_eq!(s.role, Role::Coder);
    assert!(matches!(
        accounts::login(&mut store, "nobody", "x"),
        Err(CoreError::BadCredentials)
    ));
    for _ in 0..2 {
        assert!(matches!(
            accounts::login(&mut store, "carl", "wrong-pass"),
            Err(CoreError::BadCredentials)
        ));
    }
    assert!(matches!(
        accounts::login(&mut store, "carl", "wrong-pass"),
        Err(CoreError::AccountLocked(_))
    ));
    // Even the right password is refused while locked.
    assert!(matches!(
        accounts::login(&mut store, "carl", "password-carl"),
        Err(CoreError::AccountLocked(_))
    ));
    let tail: Vec<String> = common::audit_subtypes(&store)
        .into_iter()
        .rev()
        .take(7)
        .collect();
    assert_eq!(
        tail,
        [
            "login_failed",
            "lock",
            "login_failed",
            "login_failed",
            "login_failed",
            "login_failed",
            "login"
        ]
    );
    accounts::unlock_user(&mut store, &common::system(), "carl").expect("unlock");
    accounts::login(&mut store, "carl", "password-carl").expect("login after unlock");
}

#[test]
fn disabled_user_cannot_log_in_and_is_never_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = common::seeded(&dir.path().join("a.db"));
    accounts::disable_user(&mut store, &common::system(), "rita").expect("disable");
    assert!(matches!(
        accounts::login(&mut store, "rita", "password-rita"),
        Err(CoreError::AccountDisabled(_))
    ));
    let users = accounts::list_users(&mut store, &common::system()).expect("list");
    assert!(users.iter().any(|u| u.username == "rita" && u.disabled));
}

#[test]
fn passwords_are_argon2id_and_policy_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = common::seeded(&dir.path().join("a.db"));
    let stored: String = store
        .conn()
        .query_row(
            "SELECT password_hash FROM users WHERE username = 'sam'",
            [],
            |r| r.get(0),
        )
        .expect("hash");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    let err = accounts::add_user(
        &mut store,
        &common::system(),
        "shorty",
        "",
        Role::Coder,
        "short",
    )
    .unwrap_err();
    assert!(err.to_string().contains("at least 8"), "{err}");
    let err = accounts::add_user(
        &mut store,
        &common::system(),
        "Bad Name",
        "",
        Role::Coder,
        "long-enough",
    )
    .unwrap_err();
    assert!(err.to_string().contains("username"), "{err}");
    let err = accounts::add_user(
        &mut store,
        &common::system(),
        "sam",
        "",
        Role::Coder,
        "long-enough",
    )
    .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[test]
fn a_user_may_change_only_their_own_password_unless_supervisor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = common::seeded(&dir.path().join("a.db"));
    let tina = accounts::login(&mut store, "tina", "password-tina")
        .expect("login")
        .actor();
    accounts::set_password(&mut store, &tina, "tina", "new-password-1").expect("own password");
    let err = accounts::set_password(&mut store, &tina, "carl", "new-password-1").unwrap_err();
    assert!(matches!(err, CoreError::Denied { .. }));
    accounts::login(&mut store, "tina", "new-password-1").expect("new password works");
}

/// Each denial is refused in the core and leaves an `access_denied` audit row.
#[test]
fn permission_denials_are_refused_and_audited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = common::seeded(&dir.path().join("a.db"));
    let login = |store: &mut chartdesk::store::Store, u: &str| -> Actor {
        accounts::login(store, u, &format!("password-{u}"))
            .expect("login")
            .actor()
    };
    let coder = login(&mut store, "carl");
    let tech = login(&mut store, "tina");
    let roi = login(&mut store, "rita");
    let sup = login(&mut store, "sam");

    type Attempt = Box<dyn Fn(&mut chartdesk::store::Store, &Actor) -> Result<(), CoreError>>;
    let attempts: Vec<(&str, Attempt)> = vec![
        (
            "add user",
            Box::new(|s, a| {
                accounts::add_user(s, a, "newbie", "", Role::Coder, "password-x").map(|_| ())
            }),
        ),
        (
            "change setting",
            Box::new(|s, a| settings::set(s, a, "idle_logoff_minutes", "10")),
        ),
        (
            "list users",
            Box::new(|s, a| accounts::list_users(s, a).map(|_| ())),
        ),
        (
            "disable user",
            Box::new(|s, a| accounts::disable_user(s, a, "rita")),
        ),
    ];
    for (what, attempt) in &attempts {
        for actor in [&coder, &tech, &roi] {
            let before = common::audit_count(&store);
            let err = attempt(&mut store, actor).unwrap_err();
            assert!(
                matches!(err, CoreError::Denied { .. }),
                "{what} by {}: {err}",
                actor.username
            );
            assert_eq!(
                common::audit_count(&store),
                before + 1,
                "{what}: one audit row for the denial"
            );
            let (subtype, outcome, user): (String, i64, String) = store
                .conn()
                .query_row(
                    "SELECT subtype, outcome, username FROM audit_log ORDER BY seq DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .expect("last row");
            assert_eq!(
                (subtype.as_str(), outcome, user.as_str()),
                ("access_denied", 4, actor.username.as_str())
            );
        }
    }
    // The supervisor may do all of them.
    for (what, attempt) in &attempts {
        attempt(&mut store, &sup).unwrap_or_else(|e| panic!("{what} by supervisor: {e}"));
    }
    // Every role may view charts (each view audited).
    for actor in [&coder, &tech, &roi, &sup] {
        chart::open_chart(&mut store, actor, 1).expect("view");
    }
    assert!(
        chartdesk::audit::verify(store.conn(), &[])
            .expect("verify")
            .ok()
    );
}

#[test]
fn search_finds_by_mrn_visit_and_name_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = common::seeded(&dir.path().join("a.db"));
    let a = accounts::login(&mut store, "tina", "password-tina")
        .expect("login")
        .actor();
    let ids = |hits: Vec<chart::PatientHit>| hits.iter().map(|h| h.patient.id).collect::<Vec<_>>();
    assert_eq!(
        ids(chart::search_patients(&mut store, &a, "mrn0000001").expect("s")),
        [1]
    );
    assert_eq!(
        ids(chart::search_patients(&mut store, &a, "v00000").expect("s")),
        [1]
    );
    assert_eq!(
        ids(chart::search_patients(&mut store, &a, "riv").expect("s")),
        [1, 2]
    );
    assert_eq!(
        ids(chart::search_patients(&mut store, &a, "Rivera, A").expect("s")),
        [1]
    );
    assert_eq!(
        ids(chart::search_patients(&mut store, &a, "ben riv").expect("s")),
        [2]
    );
    assert!(
        chart::search_patients(&mut store, &a, "%")
            .expect("s")
            .is_empty(),
        "LIKE wildcards are literal"
    );
    assert!(chart::search_patients(&mut store, &a, "  ").is_err());
    let doc = chart::read_document(&mut store, &a, 1).expect("doc");
    assert!(doc.body.contains("chest pain"));
    let last: (String, String, Option<String>, Option<i64>) = store
        .conn()
        .query_row(
            "SELECT subtype, entity_type, patient_mrn, encounter_id FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("row");
    assert_eq!(
        last,
        (
            "view".into(),
            "document".into(),
            Some("MRN0000001".into()),
            Some(1)
        )
    );
}
