//! Batch claims for billing scripts (issue #14): `edits --input` and `group --input` read JSON
//! Lines or CSV, write one JSON result per line in order, and give a bad line an error result
//! naming its line while the rest go on. Also MCE v43.1 by discharge date: F07.81 is an
//! unacceptable principal diagnosis in v43.0 and acceptable from 2026-04-01.

use assert_cmd::Command;

fn cd(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db").arg(db).env_remove("CHARTDESK_DB");
    c
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

fn has(v: &serde_json::Value, id: &str) -> bool {
    v["edits"]
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["id"] == id))
}

#[test]
fn edits_input_jsonl_streams_in_order_with_mce_v431_by_date() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("b.db");
    cd(&db).arg("init").assert().success();
    let input = [
        r#"{"age":70,"sex":"M","discharge":"2026-01-15","principal":"J18.9:Y","secondary":[["J96.01","Y"]],"discharge_status":"01"}"#,
        r#"{"age":70,"sex":"M","discharge":"2026-03-31","principal":"F07.81"}"#,
        r#"{"age":70,"sex":"M","discharge":"2026-04-01","principal":"F07.81"}"#,
        r#"{"age":"seventy"}"#,
        "",
        r#"{"age":30,"sex":"F","discharge":"2026-01-15","principal":"Z51.89"}"#,
    ]
    .join("\n");
    let path = dir.path().join("claims.jsonl");
    std::fs::write(&path, input).expect("write");
    let out = cd(&db)
        .args(["edits", "--input"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad line and an error edit: exit 1"
    );
    let v = lines(&out.stdout);
    let nums: Vec<i64> = v
        .iter()
        .map(|x| x["line"].as_i64().expect("line"))
        .collect();
    assert_eq!(
        nums,
        [1, 2, 3, 4, 6],
        "one result per claim, in order, blank line skipped"
    );
    assert_eq!(v[0]["errors"], false);
    assert!(has(&v[1], "MCE-09"), "v43.0: F07.81 unacceptable principal");
    assert!(!has(&v[2], "MCE-09"), "v43.1: F07.81 acceptable");
    let e = v[3]["error"].as_str().expect("error result");
    assert!(e.starts_with("line 4:"), "{e}");
    assert!(has(&v[4], "MCE-09"), "Z51.89 alone needs a secondary");
}

#[test]
fn edits_and_group_take_csv_and_name_bad_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    cd(&db).arg("init").assert().success();
    let csv = "age,sex,discharge,principal,secondary,procedures\n\
               70,M,2026-01-15,J18.9:Y,J96.01:Y;E11.9:Y,\n\
               70,M,2026-01-15,J18.9:Y,,\n\
               70,M,15/01/2026,J18.9,,\n";
    let path = dir.path().join("claims.csv");
    std::fs::write(&path, csv).expect("write");
    let out = cd(&db)
        .args(["edits", "--input"])
        .arg(&path)
        .output()
        .expect("run");
    let v = lines(&out.stdout);
    assert_eq!(v.len(), 3);
    assert_eq!(
        (v[0]["line"].as_i64(), v[1]["line"].as_i64()),
        (Some(2), Some(3))
    );
    let e = v[2]["error"].as_str().expect("bad date is an error result");
    assert!(e.contains("line 4") && e.contains("discharge"), "{e}");

    let out = cd(&db)
        .args(["group", "--input"])
        .arg(&path)
        .output()
        .expect("run");
    let g = lines(&out.stdout);
    assert_eq!(g.len(), 3);
    assert_eq!(g[0]["result"]["final_drg"]["drg"], 193, "J96.01 is the MCC");
    assert_eq!(g[1]["result"]["final_drg"]["drg"], 195);
    assert!(g[2]["error"].as_str().is_some_and(|e| e.contains("line 4")));
    // a bad header fails the command itself
    std::fs::write(&path, "age,colour\n70,red\n").expect("write");
    cd(&db)
        .args(["group", "--input"])
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("unknown CSV column \"colour\""));
}

/// The batch facts cache gives every claim exactly the facts `load_facts` reads for it, across
/// v43.0 and v43.1 dates, and the claims bench's generator spreads claims over many MDCs.
#[test]
fn facts_cache_equals_load_facts_per_claim() {
    use chartdesk::coding::facts_cache::FactsCache;
    use chartdesk::coding::{DxEntry, EditInput, PxEntry, load_facts};
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = chartdesk::store::Store::open_or_create(&dir.path().join("f.db")).expect("db");
    chartdesk::codes::load_embedded(&mut store, &chartdesk::audit::Actor::system("test"))
        .expect("load codes");
    let claims = chartdesk::bench_claims::claims(300).expect("claims");
    let mdcs: std::collections::HashSet<_> = claims
        .iter()
        .filter_map(|c| chartdesk::coding::grouper::group(c).ok()?.initial.mdc)
        .collect();
    assert!(mdcs.len() >= 15, "claims spread over MDCs: {}", mdcs.len());
    let mut cache = FactsCache::new();
    for c in claims.iter().chain(claims.iter()) {
        let input = EditInput {
            age_years: 50,
            sex: 'F',
            discharge: c.discharge_date,
            kind: chartdesk::domain::EncounterKind::Inpatient,
            los_days: Some(3),
            discharge_status: None,
            principal: Some(DxEntry::new(&c.principal, Some('Y'))),
            secondary: c
                .secondary
                .iter()
                .map(|s| DxEntry::new(&s.code, s.poa))
                .collect(),
            procedures: c.procedures.iter().map(|p| PxEntry::new(p)).collect(),
        };
        let want = load_facts(store.conn(), &input).expect("facts");
        assert_eq!(cache.facts(store.conn(), &input).expect("cached"), want);
    }
}
