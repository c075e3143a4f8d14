//! The coding edits on the real FY2026 code sets (embedded load): one table-driven test per
//! edit id, each case an encounter built from real codes and the edit it must (or must not)
//! produce. One store is loaded once and shared (the load takes about a second).

use std::sync::{Mutex, MutexGuard, OnceLock};

use chartdesk::audit::Actor;
use chartdesk::codes::CodeSystem;
use chartdesk::coding::{
    DxEntry, Edit, EditInput, PxEntry, Severity, format_table, has_errors, load_facts, run_edits,
};
use chartdesk::domain::EncounterKind;
use chartdesk::store::Store;
use chrono::NaiveDate;

struct Db {
    _dir: tempfile::TempDir,
    store: Store,
}

fn db() -> MutexGuard<'static, Db> {
    static DB: OnceLock<Mutex<Db>> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open_or_create(&dir.path().join("c.db")).expect("db");
        chartdesk::codes::load_embedded(&mut store, &Actor::system("t")).expect("load");
        Mutex::new(Db { _dir: dir, store })
    })
    .lock()
    .unwrap_or_else(|e| e.into_inner())
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// An inpatient stay discharged in FY2026, adult, LOS 5, every diagnosis POA `Y`.
fn ip(principal: &str, secondary: &[&str]) -> EditInput {
    EditInput {
        discharge_status: None,
        age_years: 50,
        sex: 'F',
        discharge: day(2026, 3, 15),
        kind: EncounterKind::Inpatient,
        los_days: Some(5),
        principal: Some(DxEntry::new(principal, Some('Y'))),
        secondary: secondary
            .iter()
            .map(|c| DxEntry::new(c, Some('Y')))
            .collect(),
        procedures: Vec::new(),
    }
}

fn with_px(mut e: EditInput, px: &[&str]) -> EditInput {
    e.procedures = px.iter().map(|c| PxEntry::new(c)).collect();
    e
}

fn aged(mut e: EditInput, age: i64) -> EditInput {
    e.age_years = age;
    e
}

fn edits(input: &EditInput) -> Vec<Edit> {
    let g = db();
    let facts = load_facts(g.store.conn(), input).expect("facts");
    run_edits(input, &facts)
}

/// A case: the encounter, then the code the edit must name (`None` = encounter-level), or
/// `Absent` when the edit id must not appear at all.
enum Want {
    On(Option<String>),
    /// Not on this code (other codes of the encounter may have it).
    NotOn(String),
    Absent,
}

fn not_on(code: &str) -> Want {
    Want::NotOn(code.to_string())
}

fn on(code: &str) -> Want {
    Want::On(Some(code.to_string()))
}

fn level() -> Want {
    Want::On(None)
}

fn check(id: &str, severity: Severity, cases: Vec<(&str, EditInput, Want)>) {
    for (name, input, want) in cases {
        let got = edits(&input);
        let hits: Vec<&Edit> = got.iter().filter(|e| e.id == id).collect();
        match want {
            Want::On(code) => {
                let hit = hits.iter().find(|e| e.code == code).unwrap_or_else(|| {
                    panic!(
                        "{id} / {name}: expected on {code:?}, got:\n{}",
                        format_table(&got)
                    )
                });
                assert_eq!(hit.severity, severity, "{id} / {name}");
                assert!(
                    hit.message.contains(&id[..6]) || hit.message.contains("MCE "),
                    "{id} / {name}: message must cite the rule: {}",
                    hit.message
                );
            }
            Want::NotOn(code) => assert!(
                hits.iter()
                    .all(|e| e.code.as_deref() != Some(code.as_str())),
                "{id} / {name}: expected none on {code}, got:\n{}",
                format_table(&got)
            ),
            Want::Absent => assert!(
                hits.is_empty(),
                "{id} / {name}: expected none, got:\n{}",
                format_table(&got)
            ),
        }
    }
}

use Want::Absent;

#[test]
fn mce_01_invalid_code() {
    check(
        "MCE-01",
        Severity::Error,
        vec![
            ("unknown dx", ip("I21.4", &["Z99.999"]), on("Z99.999")),
            ("bad syntax dx", ip("I21.4", &["12X"]), on("12X")),
            (
                "unknown pcs",
                with_px(ip("I21.4", &[]), &["0000000"]),
                on("0000000"),
            ),
            (
                "pcs with letter O",
                with_px(ip("I21.4", &[]), &["5A1955O"]),
                on("5A1955O"),
            ),
            (
                "valid codes",
                with_px(ip("I21.4", &["I10"]), &["5A1955Z"]),
                Absent,
            ),
        ],
    );
}

#[test]
fn cod_01_no_code_set_in_force() {
    let mut late = ip("I21.4", &[]);
    late.discharge = day(2026, 10, 1); // FY2027: nothing loaded
    let mut early = with_px(ip("I21.4", &[]), &["5A1955Z"]);
    early.discharge = day(2025, 9, 30); // FY2025
    check(
        "COD-01-NO-CODE-SET",
        Severity::Error,
        vec![
            ("FY2027 discharge", late.clone(), level()),
            ("FY2025 discharge", early, level()),
            (
                "FY2026 last day",
                {
                    let mut e = late;
                    e.discharge = day(2026, 9, 30);
                    e
                },
                Absent,
            ),
        ],
    );
}

#[test]
fn cod_02_header_not_billable() {
    check(
        "COD-02",
        Severity::Error,
        vec![
            ("E11 header", ip("I21.4", &["E11"]), on("E11")),
            ("I21 header principal", ip("I21", &[]), on("I21")),
            ("billable leaf", ip("I21.4", &["E11.9"]), Absent),
        ],
    );
}

#[test]
fn cod_03_seventh_character_missing() {
    check(
        "COD-03",
        Severity::Error,
        vec![
            ("S72.001 without 7th", ip("S72.001", &[]), on("S72.001")),
            ("S72.001A complete", ip("S72.001A", &[]), Absent),
            ("T15.01XA padded", ip("I21.4", &["T15.01XA"]), Absent),
        ],
    );
}

#[test]
fn cod_03_message_shows_the_padded_code() {
    let got = edits(&ip("I21.4", &["T15.01"]));
    let e = got.iter().find(|e| e.id == "COD-03").expect("COD-03");
    assert!(e.message.contains("T15.01XA"), "{}", e.message);
    assert!(
        !got.iter()
            .any(|e| e.id.starts_with("COD-14") && e.code.as_deref() == Some("T15.01")),
        "no reminders on a code that is already an error:\n{}",
        format_table(&got)
    );
}

#[test]
fn cod_13_excludes1_pair() {
    // A pair from the loaded notes themselves: the first Excludes1 on a code whose single
    // reference is a prefix naming a billable code.
    let (owner, other) = {
        let g = db();
        g.store
            .conn()
            .query_row(
                "SELECT o.code, r.code FROM code_notes n
                 JOIN codes o ON o.code_set_id = n.code_set_id AND o.code = n.code AND o.billable = 1
                 JOIN codes r ON r.code_set_id = n.code_set_id AND r.billable = 1
                      AND r.code = replace(n.refs, '.', '')
                 WHERE n.kind = 'excludes1' AND n.scope = 'code' AND n.refs NOT LIKE '%-%'
                   AND n.refs NOT LIKE '%,%' AND substr(r.code, 1, 3) <> substr(o.code, 1, 3)
                 ORDER BY n.code LIMIT 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .expect("an excludes1 pair")
    };
    let (o, r) = (owner.as_str(), other.as_str());
    check(
        "COD-13-EXCLUDES1",
        Severity::Error,
        vec![
            (
                "E10.9 with E11.9 (E11.- on E10)",
                ip("E10.9", &["E11.9"]),
                on("E11.9"),
            ),
            (
                "E11.9 then E10.9 (either order)",
                ip("I21.4", &["E11.9", "E10.9"]),
                on("E10.9"),
            ),
            (
                "I10 with O10.02 (range O10-O11)",
                ip("O10.02", &["I10"]),
                on("I10"),
            ),
            (
                "pair from code_notes",
                ip("I21.4", &[o, r]),
                on(&CodeSystem::Icd10Cm.dotted(r)),
            ),
            (
                "D63.0 with D61.1 (exact ref)",
                ip("C50.911", &["D63.0", "D61.1"]),
                on("D61.1"),
            ),
            (
                "Excludes2 only: D63.0 with D64.81",
                ip("C50.911", &["D63.0", "D64.81"]),
                Absent,
            ),
        ],
    );
}

#[test]
fn cod_14_code_first_and_use_additional() {
    check(
        "COD-14-CODE-FIRST",
        Severity::Warning,
        vec![
            (
                "D63.0 before its neoplasm",
                ip("D63.0", &["C50.911"]),
                on("D63.0"),
            ),
            ("neoplasm first", ip("C50.911", &["D63.0"]), Absent),
        ],
    );
    check(
        "COD-14-USE-ADDITIONAL",
        Severity::Warning,
        vec![
            ("E11.9 without Z79", ip("I21.4", &["E11.9"]), on("E11.9")),
            (
                "E11.9 with insulin Z79.4",
                ip("I21.4", &["E11.9", "Z79.4"]),
                not_on("E11.9"),
            ),
        ],
    );
}

#[test]
fn mce_02_external_cause_principal() {
    check(
        "MCE-02",
        Severity::Error,
        vec![
            (
                "V00.01XA principal",
                ip("V00.01XA", &["S72.001A"]),
                on("V00.01XA"),
            ),
            ("V00.01XA secondary", ip("S72.001A", &["V00.01XA"]), Absent),
        ],
    );
}

#[test]
fn mce_03_duplicate_of_principal() {
    check(
        "MCE-03",
        Severity::Error,
        vec![
            (
                "I21.4 twice, dot or not",
                ip("I21.4", &["I10", "i214"]),
                on("I21.4"),
            ),
            ("distinct", ip("I21.4", &["I10"]), Absent),
        ],
    );
    check(
        "COD-15-DUPLICATE",
        Severity::Warning,
        vec![(
            "I10 twice among secondaries",
            ip("I21.4", &["I10", "I10"]),
            on("I10"),
        )],
    );
}

#[test]
fn mce_04_age_conflict() {
    check(
        "MCE-04",
        Severity::Error,
        vec![
            ("maternity O80 at 70", aged(ip("O80", &[]), 70), on("O80")),
            ("maternity O80 at 8", aged(ip("O80", &[]), 8), on("O80")),
            ("maternity O80 at 64", aged(ip("O80", &[]), 64), Absent),
            (
                "newborn Z38.00 at 40",
                aged(ip("Z38.00", &[]), 40),
                on("Z38.00"),
            ),
            ("newborn Z38.00 at 0", aged(ip("Z38.00", &[]), 0), Absent),
            (
                "pediatric B08.20 at 30",
                aged(ip("I21.4", &["B08.20"]), 30),
                on("B08.20"),
            ),
            (
                "adult A18.14 at 5",
                aged(ip("A18.14", &[]), 5),
                on("A18.14"),
            ),
        ],
    );
}

#[test]
fn mce_14_invalid_age() {
    check(
        "MCE-14",
        Severity::Error,
        vec![
            ("age 130", aged(ip("I21.4", &[]), 130), level()),
            ("age -1", aged(ip("I21.4", &[]), -1), level()),
            ("age 124", aged(ip("I21.4", &[]), 124), Absent),
        ],
    );
}

#[test]
fn mce_06_manifestation_principal() {
    check(
        "MCE-06",
        Severity::Error,
        vec![
            ("D63.0 principal", ip("D63.0", &["C50.911"]), on("D63.0")),
            ("D63.0 secondary", ip("C50.911", &["D63.0"]), Absent),
        ],
    );
}

#[test]
fn mce_08_questionable_admission() {
    check(
        "MCE-08",
        Severity::Warning,
        vec![
            ("E11.9 principal", ip("E11.9", &[]), on("E11.9")),
            ("E11.9 secondary", ip("I21.4", &["E11.9"]), Absent),
        ],
    );
}

#[test]
fn mce_09_unacceptable_principal() {
    let mut op = ip("B95.0", &[]);
    op.kind = EncounterKind::Outpatient;
    check(
        "MCE-09",
        Severity::Error,
        vec![
            ("B95.0 principal", ip("B95.0", &["A41.9"]), on("B95.0")),
            ("B95.0 first-listed outpatient", op, Absent),
        ],
    );
}

#[test]
fn mce_20_unspecified() {
    check(
        "MCE-20",
        Severity::Warning,
        vec![
            ("G81.90", ip("I21.4", &["G81.90"]), on("G81.90")),
            ("I21.4", ip("I21.4", &[]), Absent),
        ],
    );
}

#[test]
fn poa_01_missing_or_invalid() {
    let mut missing = ip("I21.4", &["E11.9"]);
    missing.secondary[0].poa = None;
    let mut bad = ip("I21.4", &[]);
    bad.principal = Some(DxEntry::new("I21.4", Some('X')));
    let mut op = missing.clone();
    op.kind = EncounterKind::Outpatient;
    check(
        "POA-01",
        Severity::Error,
        vec![
            ("E11.9 missing POA", missing, on("E11.9")),
            ("outpatient needs none", op, Absent),
            ("all Y", ip("I21.4", &["E11.9"]), Absent),
        ],
    );
    check(
        "POA-01-INVALID",
        Severity::Error,
        vec![("POA X", bad, on("I21.4"))],
    );
    check(
        "POA-02-NO-LIST",
        Severity::Warning,
        vec![("no exempt list loaded", ip("I21.4", &[]), level())],
    );
}

#[test]
fn procedure_edits_11_17_18_19_and_cod_04() {
    let mut short = with_px(ip("J96.01", &[]), &["5A1955Z"]);
    short.los_days = Some(2);
    let long = with_px(ip("J96.01", &[]), &["5A1955Z"]);
    let mut op = with_px(ip("I21.4", &[]), &["02WA3QZ"]);
    op.kind = EncounterKind::Outpatient;
    check(
        "MCE-19",
        Severity::Warning,
        vec![
            ("5A1955Z with LOS 2", short, on("5A1955Z")),
            ("5A1955Z with LOS 5", long, Absent),
        ],
    );
    check(
        "MCE-11",
        Severity::Warning,
        vec![(
            "non-covered 00F3XZZ",
            with_px(ip("I21.4", &[]), &["00F3XZZ"]),
            on("00F3XZZ"),
        )],
    );
    check(
        "MCE-17",
        Severity::Warning,
        vec![(
            "limited coverage 02WA3QZ",
            with_px(ip("I21.4", &[]), &["02WA3QZ"]),
            on("02WA3QZ"),
        )],
    );
    check(
        "MCE-18",
        Severity::Warning,
        vec![(
            "Y65.51 secondary",
            ip("S72.001A", &["Y65.51"]),
            on("Y65.51"),
        )],
    );
    check(
        "COD-04",
        Severity::Warning,
        vec![
            ("PCS on outpatient", op, level()),
            (
                "PCS on inpatient",
                with_px(ip("I21.4", &[]), &["02WA3QZ"]),
                Absent,
            ),
        ],
    );
}

#[test]
fn cod_10_principal_required() {
    let mut none = ip("I21.4", &["I10"]);
    none.principal = None;
    check(
        "COD-10",
        Severity::Error,
        vec![("no principal", none, level())],
    );
}

#[test]
fn a_clean_encounter_has_no_error_and_the_table_says_so() {
    let input = with_px(ip("I21.4", &["I10", "Z79.4"]), &["02703ZZ"]);
    let got = edits(&input);
    assert!(!has_errors(&got), "{}", format_table(&got));
    let table = format_table(&got);
    assert!(table.contains("0 error(s)"), "{table}");
    assert_eq!(
        format_table(&[]),
        "No edits: the encounter passes every coding edit.\n"
    );
    let json = serde_json::to_string(&got).expect("json");
    assert!(json.contains("\"severity\":\"warning\""), "{json}");
}

#[test]
fn errors_come_before_warnings() {
    let got = edits(&ip("E11.9", &["E11", "G81.90"]));
    let first_warning = got.iter().position(|e| e.severity == Severity::Warning);
    let last_error = got.iter().rposition(|e| e.severity == Severity::Error);
    assert!(has_errors(&got));
    assert!(last_error < first_warning, "{}", format_table(&got));
    eprintln!("{}", format_table(&got));
    eprintln!(
        "{}",
        format_table(&edits(&ip("S72.001", &["T15.01", "D63.0"])))
    );
}

#[test]
fn bench_runs_and_reports() {
    let g = db();
    let b = chartdesk::coding::bench_edits(g.store.conn()).expect("bench");
    assert_eq!((b.diagnoses, b.procedures), (25, 10));
    assert!(b.p50 <= b.p99);
    eprintln!("bench_edits (build profile of this test run): {b:?}");
}
