//! Property tests for the hash chain: any events (arbitrary text, control characters, quotes,
//! unicode) chain and verify; any single-column edit of any row is detected at that row.

use chartdesk::CoreError;
use chartdesk::audit::{self, Action, Actor, ChainProblem, Event, Outcome, Subtype};
use chartdesk::store::Store;
use proptest::prelude::*;

/// entity id, patient MRN, username, reason, outcome index
type Ev = (String, Option<String>, String, Option<String>, u8);

fn event_strategy() -> impl Strategy<Value = Ev> {
    (
        any::<String>(),
        proptest::option::of("[A-Z0-9\\\\\"]{0,12}"),
        any::<String>(),
        proptest::option::of(any::<String>()),
        0u8..4,
    )
}

fn build(events: &[Ev]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.db");
    let mut store = Store::open_or_create(&path).expect("open");
    for (i, (entity_id, mrn, user, reason, outcome)) in events.iter().enumerate() {
        let actor = Actor::anonymous(user);
        store
            .transact(&actor, |_tx, a| {
                let mut e = Event::new(Action::Read, Subtype::View, "thing", entity_id)
                    .outcome(
                        [
                            Outcome::Success,
                            Outcome::MinorFailure,
                            Outcome::SeriousFailure,
                            Outcome::MajorFailure,
                        ][*outcome as usize],
                    )
                    .detail(serde_json::json!({"i": i, "text": entity_id}));
                if let Some(m) = mrn {
                    e = e.patient(m);
                }
                if let Some(r) = reason {
                    e = e.reason(r.clone());
                }
                a.record(e);
                Ok::<_, CoreError>(())
            })
            .expect("append");
    }
    (dir, path)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_events_chain_and_verify(events in proptest::collection::vec(event_strategy(), 1..12)) {
        let (_d, path) = build(&events);
        let store = Store::open(&path).expect("open");
        let r = audit::verify(store.conn(), &[]).expect("verify");
        prop_assert!(r.ok(), "{:?}", r.problem);
        prop_assert_eq!(r.rows_checked, events.len() as i64);
    }

    #[test]
    fn any_single_edit_is_detected_at_its_row(
        events in proptest::collection::vec(event_strategy(), 2..10),
        pick in any::<prop::sample::Index>(),
        column in prop::sample::select(vec!["username", "entity_id", "detail", "recorded_at", "role", "subtype", "terminal_id", "event_id", "purpose_of_use"]),
        suffix in "[a-z ]{1,4}",
    ) {
        let (_d, path) = build(&events);
        let seq = pick.index(events.len()) as i64 + 1;
        {
            let c = rusqlite::Connection::open(&path).expect("raw");
            c.execute_batch("DROP TRIGGER audit_log_no_update;").expect("drop");
            let sql = if column == "detail" {
                "UPDATE audit_log SET detail = json_set(detail, '$.x', ?1) WHERE seq = ?2".to_string()
            } else {
                format!("UPDATE audit_log SET {column} = {column} || ?1 WHERE seq = ?2")
            };
            c.execute(&sql, rusqlite::params![suffix, seq]).expect("edit");
            c.execute_batch("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'x'); END;").expect("restore");
        }
        let store = Store::open(&path).expect("open");
        let r = audit::verify(store.conn(), &[]).expect("verify");
        prop_assert_eq!(r.problem, Some(ChainProblem::RowEdited { seq }));
    }
}
