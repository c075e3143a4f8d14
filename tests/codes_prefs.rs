//! The picker's facility and coder data (issue #14): the synonyms table loaded into the
//! database from the shipped asset and edited by the facility (audited, removals kept), the
//! coder's favourites (toggled, audited, per user), and the ranking boost from favourites,
//! recent codes and the facility's frequency.

mod common;

use chartdesk::codes::prefs::{self, Boost, ranked_search};
use chartdesk::codes::{CodeIndex, CodeSystem, smart_search, synonyms};

fn store_with_codes(dir: &tempfile::TempDir) -> chartdesk::store::Store {
    let mut store = common::seeded(&dir.path().join("p.db"));
    chartdesk::codes::load_embedded(&mut store, &common::system()).expect("load codes");
    store
}

fn audit_entities(store: &chartdesk::store::Store, entity: &str) -> i64 {
    store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE entity_type = ?1",
            [entity],
            |r| r.get(0),
        )
        .expect("count")
}

#[test]
fn synonyms_are_seeded_edited_audited_and_removals_stick() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = store_with_codes(&dir);
    let shipped = synonyms::embedded().terms.len();
    let rows = prefs::list_synonyms(store.conn()).expect("list");
    assert_eq!(
        rows.len(),
        shipped,
        "the whole shipped table is in the database"
    );
    assert!(rows.iter().all(|r| r.source == "shipped" && r.active));

    let sam = chartdesk::accounts::login(&mut store, "sam", "password-sam").expect("login");
    let carl = chartdesk::accounts::login(&mut store, "carl", "password-carl").expect("login");
    // A coder may not edit the facility's table (the refusal is audited); an unknown code is
    // refused by name.
    assert!(prefs::add_synonym(&mut store, &carl.actor(), "ahf", "heart failure", &[]).is_err());
    let err = prefs::add_synonym(
        &mut store,
        &sam.actor(),
        "ahf",
        "heart failure",
        &["Q99.999".into()],
    )
    .unwrap_err();
    assert!(err.to_string().contains("Q99999"), "{err}");
    let before = audit_entities(&store, "picker_synonyms");
    prefs::add_synonym(
        &mut store,
        &sam.actor(),
        "AHF",
        "acute heart failure",
        &["I50.9".into()],
    )
    .expect("add");
    prefs::remove_synonym(&mut store, &sam.actor(), "chf").expect("remove");
    assert_eq!(audit_entities(&store, "picker_synonyms"), before + 2);

    let table = prefs::synonyms_in_force(store.conn()).expect("table");
    assert_eq!(table.terms["ahf"].codes, vec!["I509".to_string()]);
    assert!(!table.terms.contains_key("chf"), "removed");
    // Loading the shipped table again neither restores the removed term nor adds rows.
    assert_eq!(
        prefs::load_shipped_synonyms(&mut store, &common::system()).expect("seed"),
        0
    );
    let table = prefs::synonyms_in_force(store.conn()).expect("table");
    assert!(!table.terms.contains_key("chf"));
    // The picker reads the database's table: "ahf" now finds I50.9 first.
    let index = CodeIndex::build(store.conn(), None).expect("index");
    let hits = smart_search(&index, &table, "ahf", 5);
    assert_eq!(hits.first().map(|h| h.code.as_str()), Some("I509"));
    assert!(prefs::remove_synonym(&mut store, &sam.actor(), "no such term").is_err());
}

#[test]
fn favourites_are_per_user_audited_and_rank_first() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = store_with_codes(&dir);
    let carl = chartdesk::accounts::login(&mut store, "carl", "password-carl").expect("login");
    let index = CodeIndex::build(store.conn(), None).expect("index");
    let table = synonyms::embedded();
    let plain = smart_search(&index, table, "diabetes", 50);
    // A code the plain ranking puts low (or leaves out of the first 5).
    let low = plain
        .iter()
        .skip(10)
        .find(|h| h.billable)
        .expect("a lower hit")
        .code
        .clone();
    assert!(
        prefs::toggle_favourite(&mut store, &carl.actor(), CodeSystem::Icd10Cm, &low)
            .expect("toggle")
    );
    assert_eq!(audit_entities(&store, "code_favourite"), 1);
    let boost = prefs::load_boost(store.conn(), "carl").expect("boost");
    assert!(boost.is_favourite(CodeSystem::Icd10Cm, &low));
    let ranked = ranked_search(&index, table, &boost, "diabetes", 5);
    assert_eq!(ranked.first().map(|h| h.code.as_str()), Some(low.as_str()));
    // Another coder's picker is not changed.
    let other = prefs::load_boost(store.conn(), "tina").expect("boost");
    assert!(!other.is_favourite(CodeSystem::Icd10Cm, &low));
    // Toggling again removes it (audited too).
    assert!(
        !prefs::toggle_favourite(&mut store, &carl.actor(), CodeSystem::Icd10Cm, &low)
            .expect("toggle")
    );
    assert_eq!(audit_entities(&store, "code_favourite"), 2);
    let boost = prefs::load_boost(store.conn(), "carl").expect("boost");
    assert_eq!(
        ranked_search(&index, table, &boost, "diabetes", 5),
        smart_search(&index, table, "diabetes", 5)
    );
}

#[test]
fn recent_and_facility_frequency_bring_common_codes_up() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_with_codes(&dir);
    let index = CodeIndex::build(store.conn(), None).expect("index");
    let table = synonyms::embedded();
    let plain = smart_search(&index, table, "fracture femur", 5);
    // A femur fracture code nowhere near the first five of the plain search.
    let wide = smart_search(&index, table, "fracture femur", 200);
    let rare = wide
        .iter()
        .rev()
        .find(|h| h.billable && !plain.contains(h))
        .expect("a far hit")
        .code
        .clone();
    let freq = Boost::new(
        Vec::new(),
        Vec::new(),
        vec![(CodeSystem::Icd10Cm, rare.clone(), 12)],
    );
    let ranked = ranked_search(&index, table, &freq, "fracture femur", 5);
    assert_eq!(
        ranked.first().map(|h| h.code.as_str()),
        Some(rare.as_str()),
        "brought in"
    );
    // A recent code outranks a frequent one; an exact code query still comes first.
    let both = Boost::new(
        Vec::new(),
        vec![(CodeSystem::Icd10Cm, "S72001A".into())],
        vec![(CodeSystem::Icd10Cm, rare.clone(), 12)],
    );
    let ranked = ranked_search(&index, table, &both, "fracture femur", 5);
    assert_eq!(ranked.first().map(|h| h.code.as_str()), Some("S72001A"));
    let exact = ranked_search(&index, table, &both, "S72.002A", 5);
    assert_eq!(exact.first().map(|h| h.code.as_str()), Some("S72002A"));
}
