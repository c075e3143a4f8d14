//! Code-set loads in short transactions (#17): rows are staged invisibly in audited chunks and
//! one quick transaction makes the sets visible; what a crashed load staged is invisible to
//! readers and removed by the next load.

use std::path::Path;

use chartdesk::audit::Actor;
use chartdesk::codes::{self, CodeSystem, code_set_of_year};
use chartdesk::store::Store;

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

#[test]
fn a_crashed_load_is_invisible_and_the_next_load_replaces_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("a.db");
    drop(Store::open_or_create(&db).expect("db"));
    // What a load killed half-way leaves: a set with ready = 0 and some of its rows. (Written
    // with a raw connection: the store's own handles cannot write outside a transaction.)
    {
        let raw = rusqlite::Connection::open(&db).expect("raw");
        raw.execute_batch(
            "INSERT INTO code_sets(id, system, fiscal_year, effective_from, effective_to, source, loaded_at, ready)
               VALUES (77, 'icd10cm', 2027, '2026-10-01', '2027-09-30', 'crashed', '2026-10-01T00:00:00.000Z', 0);
             INSERT INTO codes(code_set_id, code, billable, long_title) VALUES (77, 'Z999', 1, 'half-loaded');",
        )
        .expect("leftover");
    }
    let mut s = Store::open(&db).expect("open");
    assert_eq!(
        code_set_of_year(s.conn(), CodeSystem::Icd10Cm, 2027).expect("query"),
        None,
        "a staged set is not visible"
    );
    assert!(codes::show(s.conn(), "Z99.9").expect("show").is_none());

    let rel = dir.path().join("rel");
    std::fs::create_dir(&rel).expect("mkdir");
    write(
        &rel,
        "icd10cm-2027.tsv",
        "code\tbillable\tshort_title\tlong_title\tblock\nE11\t0\tT2DM\tType 2 diabetes mellitus\tE08-E13\nE119\t1\tT2DM w/o\tType 2 diabetes mellitus without complications\tE08-E13\n",
    );
    write(
        &rel,
        "icd10cm-2027-groups.tsv",
        "level\tid\tchapter\ttitle\nchapter\t4\t4\tEndocrine (E00-E89)\nblock\tE08-E13\t4\tDiabetes mellitus (E08-E13)\n",
    );
    let sum = codes::load_dir(&mut s, &Actor::system("test"), &rel, 2027).expect("load");
    assert_eq!(sum.sets[0].codes, 2);
    let id = code_set_of_year(s.conn(), CodeSystem::Icd10Cm, 2027)
        .expect("query")
        .expect("visible after the load");
    assert_ne!(id.0, 77, "a new set, not the leftover");
    assert_eq!(count(&s, "SELECT count(*) FROM code_sets WHERE id = 77"), 0);
    assert_eq!(
        count(&s, "SELECT count(*) FROM codes WHERE code_set_id = 77"),
        0
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM code_sets WHERE ready = 0"),
        0
    );
    // The removal and the staging are in the audit log.
    assert!(
        count(
            &s,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'code_set_load' AND action = 'D' AND entity_id = '77'"
        ) >= 2
    );
    let report = chartdesk::audit::verify(s.conn(), &[]).expect("verify");
    assert!(report.ok(), "{:?}", report.problem);
}

#[test]
fn the_embedded_load_is_staged_in_chunks_and_switched_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = Store::open_or_create(&dir.path().join("a.db")).expect("db");
    codes::load_embedded(&mut s, &Actor::system("test")).expect("load");
    let chunks: Vec<(String, i64)> = {
        let mut st = s
            .conn()
            .prepare(
                "SELECT json_extract(detail, '$.table'), json_extract(detail, '$.rows') FROM audit_log
                 WHERE entity_type = 'code_set_load' AND action = 'C' AND json_extract(detail, '$.rows') IS NOT NULL",
            )
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let total_codes: i64 = chunks
        .iter()
        .filter(|(t, _)| t == "codes")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(total_codes, count(&s, "SELECT count(*) FROM codes"));
    assert!(
        chunks.len() > 10,
        "many short transactions: {}",
        chunks.len()
    );
    assert!(chunks.iter().all(|(_, n)| *n <= 10_000), "{chunks:?}");
    // Every set became visible in the same transaction: their audit events share a timestamp.
    assert_eq!(
        count(&s, "SELECT count(*) FROM code_sets WHERE ready = 1"),
        3
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(DISTINCT recorded_at) FROM audit_log WHERE entity_type = 'code_set'"
        ),
        1
    );
}
