//! Merges (ADT A40/A34/A18/A47), unmerge, held merges (MPI-01), the MPI queue and duplicates.

use std::path::{Path, PathBuf};

use chartdesk::audit::Actor;
use chartdesk::import;
use chartdesk::mpi::queue::{self, Decision};
use chartdesk::store::Store;

fn sys() -> Actor {
    Actor::system("mpi-test")
}

fn a01(fac: &str, mrn: &str, family: &str, birth: &str, sex: &str, visit: &str) -> String {
    format!(
        "MSH|^~\\&|FEED|{fac}|CD|HIM|20261101080000||ADT^A01|{visit}|P|2.5\rEVN|A01|20261101080000\r\
         PID|1||{mrn}^^^{fac}^MR||{family}^ANA||{birth}|{sex}\r\
         PV1|1|I|W1^1^1||||1234^HOUSE^GREG|||MED|||||||||{visit}|||||||||||||||||||||||||20261101080000|\r"
    )
}

fn merge_msg(event: &str, survivor: &str, retired: &str, control: &str) -> String {
    format!(
        "MSH|^~\\&|FEED|FAC|CD|HIM|20261102080000||ADT^{event}|{control}|P|2.5\rEVN|{event}|20261102080000\r\
         PID|1||{survivor}^^^FAC^MR||RIVERA^ANA||19700304|F\rMRG|{retired}^^^FAC^MR\r"
    )
}

fn import(store: &mut Store, dir: &Path, name: &str, text: &str) -> import::ImportSummary {
    let p: PathBuf = dir.join(name);
    std::fs::write(&p, text).expect("write");
    import::import_hl7(store, &sys(), &[p], &mut |_, _| {}).expect("import")
}

fn one<T: rusqlite::types::FromSql>(store: &Store, sql: &str) -> T {
    store.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn a40_moves_everything_keeps_the_alias_and_unmerge_restores_exactly() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("m.db")).expect("open");
    let s = import(
        &mut store,
        dir.path(),
        "a.hl7",
        &(a01("FAC", "P1", "RIVERA", "19700304", "F", "V1")
            + &a01("FAC", "P2", "RIVERA", "19700304", "F", "V2")
            + &a01("FAC", "P2", "RIVERA", "19700304", "F", "V3")),
    );
    assert_eq!(s.rejected(), 0, "{}", s.render_table());
    let s = import(
        &mut store,
        dir.path(),
        "m.hl7",
        &merge_msg("A40", "P1", "P2", "MG1"),
    );
    assert_eq!(s.rejected(), 0, "{}", s.render_table());
    let p1: i64 = one(&store, "SELECT id FROM patients WHERE mrn = 'P1'");
    let p2: i64 = one(&store, "SELECT id FROM patients WHERE mrn = 'P2'");
    let on_p1: i64 = one(
        &store,
        &format!("SELECT count(*) FROM encounters WHERE patient_id = {p1}"),
    );
    assert_eq!(on_p1, 3, "all encounters on the survivor");
    let alias: i64 = one(
        &store,
        "SELECT patient_id FROM patient_aliases WHERE mrn = 'P2' AND active = 1",
    );
    assert_eq!(alias, p1);
    assert_eq!(
        queue::aliases(store.conn(), p1).expect("aliases"),
        vec!["P2"]
    );
    let (merge_id, moved): (i64, String) = store
        .conn()
        .query_row(
            "SELECT id, moved FROM patient_merges WHERE status = 'applied'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("merge row");
    let moved: serde_json::Value = serde_json::from_str(&moved).expect("json");
    assert_eq!(moved["encounters"].as_array().map(Vec::len), Some(2));
    let audited: i64 = one(
        &store,
        "SELECT count(*) FROM audit_log WHERE entity_type = 'patient_merge'",
    );
    assert_eq!(audited, 1);
    // Re-delivery of the same merge message changes nothing.
    import(
        &mut store,
        dir.path(),
        "m2.hl7",
        &merge_msg("A40", "P1", "P2", "MG1"),
    );
    assert_eq!(one::<i64>(&store, "SELECT count(*) FROM patient_merges"), 1);
    // Unmerge: exactly the two encounters go back.
    let back =
        queue::unmerge(&mut store, &sys(), merge_id, "wrong patient merged").expect("unmerge");
    assert_eq!(back, 2);
    assert_eq!(
        one::<i64>(
            &store,
            &format!("SELECT count(*) FROM encounters WHERE patient_id = {p2}")
        ),
        2
    );
    assert_eq!(
        one::<i64>(
            &store,
            "SELECT count(*) FROM patient_aliases WHERE active = 1"
        ),
        0
    );
    assert!(queue::unmerge(&mut store, &sys(), merge_id, "again").is_err());
}

#[test]
fn a_merge_of_two_different_people_is_held_then_decided_on_the_queue() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("h.db")).expect("open");
    import(
        &mut store,
        dir.path(),
        "a.hl7",
        &(a01("FAC", "P1", "RIVERA", "19700304", "F", "V1")
            + &a01("FAC", "P2", "RIVERA", "19810101", "M", "V2")),
    );
    let s = import(
        &mut store,
        dir.path(),
        "m.hl7",
        &merge_msg("A34", "P1", "P2", "MG2"),
    );
    assert_eq!(s.rejected(), 0);
    assert!(
        s.files[0]
            .result
            .as_ref()
            .map(|f| f.notes.iter().any(|n| n.contains("MPI-01")))
            .unwrap_or(false)
    );
    assert_eq!(
        one::<String>(&store, "SELECT status FROM patient_merges"),
        "held"
    );
    let p2: i64 = one(&store, "SELECT id FROM patients WHERE mrn = 'P2'");
    assert_eq!(
        one::<i64>(
            &store,
            &format!("SELECT count(*) FROM encounters WHERE patient_id = {p2}")
        ),
        1,
        "nothing moved"
    );
    let items = queue::list(&mut store, &sys(), false).expect("queue");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, "held_merge");
    assert_eq!(
        (items[0].a.mrn.as_str(), items[0].b.mrn.as_str()),
        ("P1", "P2")
    );
    assert!(
        queue::decide(
            &mut store,
            &sys(),
            items[0].id,
            Decision::KeepApart { reason: " ".into() }
        )
        .is_err(),
        "keeping apart needs a reason"
    );
    let said = queue::decide(
        &mut store,
        &sys(),
        items[0].id,
        Decision::Merge { survivor: None },
    )
    .expect("decide");
    assert!(said.contains("merged"), "{said}");
    assert_eq!(
        one::<String>(&store, "SELECT status FROM patient_merges"),
        "applied"
    );
    assert_eq!(
        one::<i64>(
            &store,
            &format!("SELECT count(*) FROM encounters WHERE patient_id = {p2}")
        ),
        0
    );
    assert_eq!(
        one::<i64>(
            &store,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'mpi_item'"
        ),
        1
    );
    assert!(
        queue::list(&mut store, &sys(), false)
            .expect("queue")
            .is_empty()
    );
}

#[test]
fn identity_conflicts_reach_the_queue_and_are_kept_apart_with_a_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("c.db")).expect("open");
    import(
        &mut store,
        dir.path(),
        "a.hl7",
        &(a01("FACA", "P7", "RIVERA", "19700304", "F", "V1")
            + &a01("FACB", "P7", "LOPEZ", "19900909", "M", "V2")),
    );
    let items = queue::list(&mut store, &sys(), false).expect("queue");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, "identity_conflict");
    assert_eq!(items[0].a.mrn, "P7");
    assert_eq!(items[0].b.mrn, "FACB:P7");
    queue::decide(
        &mut store,
        &sys(),
        items[0].id,
        Decision::KeepApart {
            reason: "different people: checked ID at registration".into(),
        },
    )
    .expect("decide");
    // Listing again does not bring the decided conflict back.
    assert!(
        queue::list(&mut store, &sys(), false)
            .expect("queue")
            .is_empty()
    );
    let all = queue::list(&mut store, &sys(), true).expect("queue");
    assert_eq!(all[0].status, "kept_apart");
    assert_eq!(
        all[0].reason.as_deref(),
        Some("different people: checked ID at registration")
    );
}

#[test]
fn a47_gives_the_record_a_new_number_and_keeps_the_old_as_alias() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("r.db")).expect("open");
    import(
        &mut store,
        dir.path(),
        "a.hl7",
        &a01("FAC", "OLD1", "RIVERA", "19700304", "F", "V1"),
    );
    let s = import(
        &mut store,
        dir.path(),
        "m.hl7",
        &merge_msg("A47", "NEW1", "OLD1", "MG3"),
    );
    assert_eq!(s.rejected(), 0, "{}", s.render_table());
    assert_eq!(one::<String>(&store, "SELECT mrn FROM patients"), "NEW1");
    assert_eq!(
        one::<String>(&store, "SELECT mrn FROM patient_aliases WHERE active = 1"),
        "OLD1"
    );
    // An unknown prior MRN is rejected naming MRG-1.
    let s = import(
        &mut store,
        dir.path(),
        "bad.hl7",
        &merge_msg("A40", "NEW1", "NOPE", "MG4"),
    );
    assert_eq!(s.rejected(), 1);
    assert!(s.render_table().contains("MRG-1"), "{}", s.render_table());
}

#[test]
fn injected_duplicates_are_found_with_their_evidence_and_queued() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("g.db")).expect("open");
    let spec = chartdesk::demo::GenSpec {
        seed: 3,
        encounters: 6_000,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
    };
    chartdesk::demo::generate(&mut store, &sys(), &spec).expect("gen");
    let n = chartdesk::demo::duplicates::inject(&mut store, &sys(), 0.02, 3).expect("inject");
    assert!(n > 20, "{n}");
    let opts = chartdesk::mpi::dup_report::DupOptions {
        include_review: false,
        enqueue: true,
        truth: true,
    };
    let r = chartdesk::mpi::dup_report::report(&mut store, &sys(), &opts).expect("report");
    let t = r.truth.expect("truth");
    assert_eq!(t.injected, n);
    assert!(t.recall >= 0.9, "recall {}", t.recall);
    assert!(t.precision >= 0.95, "precision {}", t.precision);
    assert!(r.found.compared < r.found.all_pairs / 100);
    // Every pair explains itself: its weight is the sum of its field weights.
    for p in &r.found.pairs {
        let sum: f64 = p.fields.iter().map(|f| f.weight).sum();
        assert!((sum - p.weight).abs() < 0.01, "{p:?}");
        assert!(!p.agreeing().is_empty());
    }
    assert_eq!(r.queued, r.probable);
    let items = queue::list(&mut store, &sys(), false).expect("queue");
    assert_eq!(
        items.iter().filter(|i| i.kind == "duplicate").count(),
        r.probable
    );
    // Run again: same pairs, nothing queued twice.
    let again = chartdesk::mpi::dup_report::report(&mut store, &sys(), &opts).expect("report");
    assert_eq!(again.queued, 0);
    assert_eq!(
        serde_json::to_string(&again.found.pairs).ok(),
        serde_json::to_string(&r.found.pairs).ok()
    );
}

fn fhir_patient(id: &str, mrn: &str, birth: &str, link: Option<&str>) -> serde_json::Value {
    let mut p = serde_json::json!({
        "resourceType": "Patient", "id": id,
        "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": mrn}],
        "name": [{"family": "Rivera", "given": ["Ana"]}],
        "birthDate": birth, "gender": "female"
    });
    if let Some(other) = link {
        p["link"] = serde_json::json!([{"type": "replaced-by", "other": {"reference": other}}]);
    }
    p
}

#[test]
fn fhir_patient_link_replaced_by_merges_and_a_disagreeing_pair_is_held() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("f.db")).expect("open");
    let bundle = |entries: Vec<serde_json::Value>| {
        serde_json::json!({"resourceType": "Bundle", "type": "collection",
            "entry": entries.into_iter().map(|r| serde_json::json!({"resource": r})).collect::<Vec<_>>()})
        .to_string()
    };
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let first = write(
        "a.json",
        bundle(vec![
            fhir_patient("a", "FA1", "1970-03-04", None),
            fhir_patient("b", "FB1", "1970-03-04", None),
            fhir_patient("c", "FC1", "1999-01-01", None),
        ]),
    );
    import::import_fhir(&mut store, &sys(), &[first], &mut |_, _| {}).expect("import");
    let second = write(
        "b.json",
        bundle(vec![
            fhir_patient("b", "FB1", "1970-03-04", Some("Patient/a")),
            fhir_patient("c", "FC1", "1999-01-01", Some("Patient/a")),
        ]),
    );
    let s = import::import_fhir(
        &mut store,
        &sys(),
        std::slice::from_ref(&second),
        &mut |_, _| {},
    )
    .expect("import");
    assert_eq!(s.rejected(), 0, "{}", s.render_table());
    let a: i64 = one(&store, "SELECT id FROM patients WHERE mrn = 'FA1'");
    assert_eq!(
        one::<i64>(&store, "SELECT merged_into FROM patients WHERE mrn = 'FB1'"),
        a
    );
    assert_eq!(
        one::<String>(
            &store,
            "SELECT status FROM patient_merges WHERE retired_mrn = 'FC1'"
        ),
        "held"
    );
    // Importing the same file again changes nothing more.
    import::import_fhir(&mut store, &sys(), &[second], &mut |_, _| {}).expect("import");
    assert_eq!(one::<i64>(&store, "SELECT count(*) FROM patient_merges"), 2);
}
