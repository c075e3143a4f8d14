//! The CMS Alphabetic Index and Table of Drugs as a site loads them with `codes load` (issue
//! #14): small hand-made files in the CMS XML format (tests/codes_index/), loaded beside the
//! FY2026 code sets, their terms searched by the picker ("Cholecystitis, acute, with
//! calculus" → K80.00; words found only in the index, like "bellyache", find their code).

mod common;

use chartdesk::codes::{self, CodeIndex, search, smart_search, synonyms};
use std::path::Path;

fn first(index: &CodeIndex, q: &str) -> Option<String> {
    smart_search(index, synonyms::embedded(), q, 5)
        .first()
        .map(|h| h.code.clone())
}

#[test]
fn index_and_drug_table_terms_are_loaded_audited_and_searched() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::seeded(&dir.path().join("i.db"));
    codes::load_embedded(&mut store, &common::system()).expect("codes");
    let before = CodeIndex::build(store.conn(), None).expect("index");
    assert!(
        search(&before, "bellyache", 5).is_empty(),
        "not a tabular word"
    );
    assert!(
        search(&before, "acetaminophen", 5).is_empty(),
        "not a tabular word"
    );

    let files = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codes_index");
    let s = codes::load_dir(&mut store, &common::system(), &files, 2026).expect("load");
    assert_eq!(s.index_terms.len(), 2, "{s}");
    assert!(s.to_string().contains("Alphabetic Index FY2026"), "{s}");
    let audited: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE entity_type = 'code_index_terms'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audited, 2);

    let after = CodeIndex::build(store.conn(), None).expect("index");
    assert_eq!(
        first(&after, "Cholecystitis, acute, with calculus").as_deref(),
        Some("K8000")
    );
    assert_eq!(first(&after, "bellyache").as_deref(), Some("R109"));
    assert_eq!(
        first(&after, "bellyache psychogenic").as_deref(),
        Some("F458")
    );
    let drug = first(&after, "acetaminophen poisoning accidental").unwrap_or_default();
    assert!(drug.starts_with("T391X1"), "{drug}");
    let adverse = first(&after, "acetaminophen adverse effect").unwrap_or_default();
    assert!(adverse.starts_with("T391X5"), "{adverse}");

    // Loading the year's files again replaces their rows (no duplicates).
    codes::load_dir(&mut store, &common::system(), &files, 2026).expect("again");
    let rows: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM code_index_terms", [], |r| r.get(0))
        .expect("rows");
    let parsed: usize = ["icd10cm_index_2026.xml", "icd10cm_drug_2026.xml"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(files.join(f)).expect("read");
            codes::alpha_index::parse(&text, f).expect("parse").len()
        })
        .sum();
    assert_eq!(rows as usize, parsed);
}
