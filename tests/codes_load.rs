//! Code sets: embedded load, idempotence, audit, fiscal years,
//! `show`, search ranking and the picker. One database with the embedded sets is loaded once
//! and shared (read-only) by the tests that need it.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use chartdesk::audit::Actor;
use chartdesk::codes::{
    self, CodeIndex, CodeSystem, MatchKind, PickerEffect, PickerInput, code_set_for, search,
};
use chartdesk::domain::Role;
use chartdesk::store::Store;
use chrono::NaiveDate;

struct Shared {
    store: Mutex<Store>,
    index: CodeIndex,
    load_ms: u128,
}

fn shared() -> &'static Shared {
    static S: OnceLock<Shared> = OnceLock::new();
    S.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("codes-load-{}.db", std::process::id()));
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().starts_with("codes-load-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let mut store = Store::open_or_create(&path).expect("create db");
        let sum = codes::load_embedded(&mut store, &Actor::system("test")).expect("load");
        assert!(!sum.already_loaded);
        let index = CodeIndex::build(store.conn(), None).expect("index");
        Shared {
            load_ms: sum.elapsed.as_millis(),
            store: Mutex::new(store),
            index,
        }
    })
}

fn store() -> MutexGuard<'static, Store> {
    shared().store.lock().unwrap_or_else(|p| p.into_inner())
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[test]
fn embedded_load_has_the_fy2026_counts() {
    let s = store();
    println!("embedded load took {} ms", shared().load_ms);
    let by = |system: &str, extra: &str| {
        count(
            &s,
            &format!(
                "SELECT count(*) FROM codes JOIN code_sets ON id = code_set_id
                 WHERE system = '{system}' AND fiscal_year = 2026 {extra}"
            ),
        )
    };
    assert_eq!(by("icd10cm", ""), 98_186);
    assert_eq!(by("icd10cm", "AND billable = 1"), 74_719);
    assert_eq!(by("icd10pcs", ""), 79_115);
    assert_eq!(by("icd10pcs", "AND billable = 1"), 79_115);
    assert_eq!(by("icd10pcs", "AND long_title = ''"), 290);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM code_groups WHERE level = 'chapter'"
        ),
        22
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM code_groups WHERE level = 'block'"),
        297
    );
    assert_eq!(count(&s, "SELECT count(*) FROM code_notes"), 26_960);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM code_notes WHERE kind = 'seventh_char_def'"
        ),
        1_790
    );
    let flags = |system: &str, flag: &str| {
        count(
            &s,
            &format!(
                "SELECT count(*) FROM mce_flags WHERE system = '{system}' AND flag = '{flag}'"
            ),
        )
    };
    for (flag, n) in [
        ("newborn", 42),
        ("pediatric", 125),
        ("maternity", 2_543),
        ("adult", 856),
        ("manifestation", 422),
        ("unacceptable", 2_657),
        ("qadm", 30),
        ("ecodepdx", 7_461),
        ("unspecified", 3_465),
        ("diabtypeI", 85),
        ("delout", 19),
        ("ncov6", 11),
        ("wrngproc", 3),
        ("ncov_z302", 1),
        ("clintrial", 1),
        ("reqsdx", 1),
    ] {
        assert_eq!(flags("dx", flag), n, "dx {flag}");
    }
    for (flag, n) in [
        ("noncovered", 95),
        ("ncov_z302", 87),
        ("lcov", 49),
        ("kidneyxp", 6),
        ("ncov6", 6),
        ("vagdel", 5),
        ("csect", 3),
        ("ncov45", 2),
        ("ncov12agele60", 2),
        ("los", 1),
    ] {
        assert_eq!(flags("pcs", flag), n, "pcs {flag}");
    }
    assert_eq!(
        flags("dx", "female") + flags("dx", "male"),
        0,
        "no sex edits in v43"
    );
    let maternity: (i64, i64) = s
        .conn()
        .query_row(
            "SELECT min_age, max_age FROM mce_age_ranges WHERE age_group = 'Maternity'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("maternity");
    assert_eq!(maternity, (9, 64));
    // Every MCE dx code is a billable CM code.
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM mce_flags f WHERE f.system = 'dx' AND NOT EXISTS
             (SELECT 1 FROM codes c JOIN code_sets s ON s.id = c.code_set_id
              WHERE s.system = 'icd10cm' AND c.code = f.code AND c.billable = 1)"
        ),
        0
    );
}

#[test]
fn load_is_audited_once_per_code_set_and_second_load_changes_nothing() {
    let mut s = store();
    let events = count(
        &s,
        "SELECT count(*) FROM audit_log WHERE entity_type = 'code_set'",
    );
    assert_eq!(events, 3, "one event per code set");
    let detail: String = s
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE entity_type = 'code_set' AND detail LIKE '%icd10cm%'",
            [],
            |r| r.get(0),
        )
        .expect("detail");
    assert!(
        detail.contains("\"codes\":98186") && detail.contains("\"billable\":74719"),
        "{detail}"
    );
    let audit_before = count(&s, "SELECT count(*) FROM audit_log");
    let sets_before = count(&s, "SELECT count(*) FROM code_sets");
    let again = codes::load_embedded(&mut s, &Actor::system("test")).expect("second load");
    assert!(again.already_loaded);
    assert!(again.to_string().contains("already loaded"), "{again}");
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audit_before);
    assert_eq!(count(&s, "SELECT count(*) FROM code_sets"), sets_before);
}

#[test]
fn loading_needs_the_administer_permission() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = Store::open_or_create(&dir.path().join("a.db")).expect("db");
    let coder = Actor::user(7, "coder1", Role::Coder);
    let err = codes::load_embedded(&mut s, &coder).expect_err("denied");
    assert!(err.to_string().contains("permission denied"), "{err}");
    assert_eq!(count(&s, "SELECT count(*) FROM code_sets"), 0);
}

#[test]
fn cod_01_fiscal_year_runs_october_to_september() {
    let s = store();
    let c = s.conn();
    assert!(code_set_for(c, CodeSystem::Icd10Cm, day(2025, 10, 1)).is_some());
    assert!(code_set_for(c, CodeSystem::Icd10Cm, day(2026, 9, 30)).is_some());
    assert!(code_set_for(c, CodeSystem::Icd10Pcs, day(2026, 3, 1)).is_some());
    assert!(code_set_for(c, CodeSystem::Mce, day(2026, 3, 1)).is_some());
    assert_eq!(code_set_for(c, CodeSystem::Icd10Cm, day(2025, 9, 30)), None);
    assert_eq!(code_set_for(c, CodeSystem::Icd10Cm, day(2026, 10, 1)), None);
}

#[test]
fn show_e11_65_collects_notes_up_the_hierarchy() {
    let s = store();
    for q in ["E11.65", "E1165", "e11.65", " E11.65 "] {
        let d = codes::show(s.conn(), q).expect("show").expect("found");
        assert_eq!(d.code, "E1165");
    }
    let d = codes::show(s.conn(), "E11.65")
        .expect("show")
        .expect("found");
    assert_eq!(d.dotted, "E11.65");
    assert!(d.billable);
    assert_eq!(d.fiscal_year, 2026);
    assert_eq!(d.long_title, "Type 2 diabetes mellitus with hyperglycemia");
    let parents: Vec<&str> = d.parents.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(parents, ["E11", "E11.6"]);
    assert_eq!(d.block.as_ref().map(|b| b.0.as_str()), Some("E08-E13"));
    assert_eq!(d.chapter.as_ref().map(|c| c.0.as_str()), Some("4"));
    let from_e11: Vec<&str> = d
        .notes
        .iter()
        .filter(|n| n.source == codes::NoteSource::Code("E11".into()))
        .map(|n| n.kind.as_str())
        .collect();
    assert!(from_e11.contains(&"use_additional"), "{from_e11:?}");
    assert!(from_e11.contains(&"excludes1"), "{from_e11:?}");
    assert!(
        d.notes
            .iter()
            .any(|n| n.text.contains("insulin") && n.kind == "use_additional")
    );
    assert!(d.seventh_char.is_none());
    assert_eq!(d.poa_exempt, None, "no POA list loaded: unknown");
    let text = codes::format_detail(&d);
    for want in [
        "ICD-10-CM E11.65  FY2026  billable",
        "Type 2 diabetes mellitus with hyperglycemia",
        "block E08-E13",
        "Notes from E11:",
        "Use additional code:",
        "POA: unknown",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    println!("{text}");
}

#[test]
fn show_seventh_character_rule_and_mce_flags() {
    let s = store();
    let d = codes::show(s.conn(), "S72.001A")
        .expect("show")
        .expect("found");
    assert!(d.billable);
    let (from, chars) = d.seventh_char.clone().expect("7th character rule");
    assert_eq!(from, "S72");
    assert!(
        chars
            .iter()
            .any(|(c, m)| c == "A" && m.contains("initial encounter"))
    );
    assert!(codes::format_detail(&d).contains(" *A  initial encounter"));
    assert_eq!(d.parents.last().map(|p| p.0.as_str()), Some("S72.001"));

    let header = codes::show(s.conn(), "E11").expect("show").expect("found");
    assert!(!header.billable);
    assert!(codes::format_detail(&header).contains("not billable"));

    let v = codes::show(s.conn(), "V00.01XA")
        .expect("show")
        .expect("found");
    assert!(
        v.mce_flags.contains(&"ecodepdx".to_string()),
        "{:?}",
        v.mce_flags
    );

    let pcs = codes::show(s.conn(), "0DTJ4ZZ")
        .expect("show")
        .expect("found");
    assert_eq!(pcs.system, CodeSystem::Icd10Pcs);
    assert!(
        pcs.long_title.to_lowercase().contains("appendix"),
        "{}",
        pcs.long_title
    );
    assert_eq!(codes::show(s.conn(), "E11.99").expect("show"), None);
    assert_eq!(codes::show(s.conn(), "").expect("show"), None);
}

#[test]
fn search_ranks_billable_then_exact_prefix_words_then_shorter_titles() {
    let idx = &shared().index;
    let top = |q: &str| search(idx, q, 20);

    let h = top("E11.65");
    assert_eq!(
        (h[0].code.as_str(), h[0].matched),
        ("E1165", MatchKind::ExactCode)
    );
    assert_eq!(top("e1165")[0].code, "E1165");

    let h = search(idx, "E11", 200);
    assert!(h.iter().all(|x| x.code.starts_with("E11")));
    let first_header = h.iter().position(|x| !x.billable).expect("headers listed");
    assert!(
        h[first_header..].iter().all(|x| !x.billable),
        "billable first"
    );
    assert!(
        h[..first_header]
            .windows(2)
            .all(|w| w[0].title.len() <= w[1].title.len())
    );
    assert_eq!(
        h[first_header].code, "E11",
        "exact header leads the headers"
    );

    let h = top("diab");
    assert!(
        !h.is_empty()
            && h.iter()
                .all(|x| x.billable && x.matched == MatchKind::Words)
    );

    let h = top("type 2 diab");
    assert!(
        h[0].title.to_lowercase().contains("type 2 diabetes"),
        "{:?}",
        h[0]
    );

    let h = top("0DTJ");
    assert!(
        h.iter()
            .all(|x| x.code.starts_with("0DTJ") && x.system == CodeSystem::Icd10Pcs)
    );

    let h = top("fracture femur");
    assert!(!h.is_empty());
    for x in &h {
        let t = x.title.to_lowercase();
        assert!(t.contains("fracture") && t.contains("femur"), "{x:?}");
    }
    // Includes notes are searchable: "insulin resistant diabetes" is one of E11's.
    let h = search(idx, "insulin resist", 50);
    assert!(h.iter().any(|x| x.code == "E11"), "{h:?}");

    assert!(top("").is_empty());
    assert!(top("zzzqqq").is_empty());
}

#[test]
fn index_agrees_with_a_linear_scan() {
    let idx = &shared().index;
    for q in [
        "d",
        "di",
        "0",
        "0D",
        "E1",
        "e",
        "diab",
        "type 2 d",
        "E11.6",
        "0DT",
        "fract fem",
        "S72.0",
        "sezary",
    ] {
        assert_eq!(search(idx, q, 30), idx.linear_scan(q, 30), "query {q:?}");
    }
}

#[test]
fn picker_types_moves_and_chooses_only_billable_codes() {
    let idx = &shared().index;
    let mut p = codes::CodePicker::new(10);
    for c in "E11".chars() {
        assert_eq!(p.update(idx, PickerInput::Char(c)), PickerEffect::None);
    }
    assert_eq!(p.query, "E11");
    assert!(!p.hits.is_empty() && p.selected == 0);
    p.update(idx, PickerInput::Down);
    p.update(idx, PickerInput::Down);
    assert_eq!(p.selected, 2);
    p.update(idx, PickerInput::Up);
    assert_eq!(p.selected, 1);
    p.update(idx, PickerInput::PageDown);
    assert_eq!(p.selected, p.hits.len() - 1);
    match p.update(idx, PickerInput::Enter) {
        PickerEffect::Chosen(h) => assert!(h.billable && h.code.starts_with("E11")),
        other => panic!("{other:?}"),
    }
    p.update(idx, PickerInput::SetQuery("zzzz".into()));
    assert!(p.hits.is_empty());
    assert_eq!(p.update(idx, PickerInput::Enter), PickerEffect::None);
    // A header is never chosen: Enter narrows the query to it.
    p.update(idx, PickerInput::Clear);
    p.update(idx, PickerInput::SetQuery("E11.6".into()));
    let header = p.hits.iter().position(|h| !h.billable);
    if let Some(i) = header {
        p.selected = i;
        assert!(matches!(
            p.update(idx, PickerInput::Enter),
            PickerEffect::NotBillable(_)
        ));
    }
    p.update(idx, PickerInput::Backspace);
    assert_eq!(p.update(idx, PickerInput::Escape), PickerEffect::Cancelled);
}
