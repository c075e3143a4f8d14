//! Official ICD-10-CM short titles from a site-supplied CMS order file, loaded onto the
//! embedded FY2026 set (which has no short titles for the codes no registry package carries;
//! see assets/PROVENANCE.md). The full-file test reads `../shared/data` (skipped with a notice
//! without it, unless `CI=true`); the format and error tests use hand-made files.

use std::io::Read;
use std::path::Path;

use chartdesk::audit::Actor;
use chartdesk::codes;
use chartdesk::store::Store;

const ORDER_TSV: &str = "../shared/data/codes/icd10cm-2026.tsv.gz";
const PCS_ORDER_TSV: &str = "../shared/data/codes/icd10pcs-2026.tsv.gz";

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = Store::open_or_create(&dir.path().join("c.db")).expect("db");
    codes::load_embedded(&mut s, &Actor::system("t")).expect("embedded");
    (dir, s)
}

fn titles_in(s: &Store, system: &str, code: &str) -> (String, String) {
    s.conn()
        .query_row(
            "SELECT c.short_title, c.long_title FROM codes c JOIN code_sets s ON s.id = c.code_set_id
             WHERE s.system = ?1 AND s.fiscal_year = 2026 AND c.code = ?2",
            [system, code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("code")
}

fn short_title(s: &Store, code: &str) -> String {
    titles_in(s, "icd10cm", code).0
}

fn empty_titles(s: &Store, system: &str, column: &str) -> i64 {
    s.conn()
        .query_row(
            &format!(
                "SELECT count(*) FROM codes c JOIN code_sets s ON s.id = c.code_set_id
                 WHERE s.system = ?1 AND s.fiscal_year = 2026 AND c.{column} = ''"
            ),
            [system],
            |r| r.get(0),
        )
        .expect("count")
}

fn empty_short_titles(s: &Store) -> i64 {
    empty_titles(s, "icd10cm", "short_title")
}

/// The CMS fixed-width order file rebuilt from the converted copy in `../shared`, with the
/// (code, short, long) rows it holds.
fn rebuild_order_file(src: &Path) -> (String, Vec<(String, bool, String, String)>) {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(src).expect("open"))
        .read_to_string(&mut text)
        .expect("gunzip");
    let mut official = String::new();
    let mut rows = Vec::new();
    for (i, line) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        official += &order_line(i + 1, f[0], f[1] == "1", f[2], f[3]);
        official += "\r\n";
        rows.push((
            f[0].to_string(),
            f[1] == "1",
            f[2].to_string(),
            f[3].to_string(),
        ));
    }
    (official, rows)
}

/// One line of the CMS fixed-width order file.
fn order_line(order: usize, code: &str, billable: bool, short: &str, long: &str) -> String {
    format!(
        "{order:05} {code:<7} {} {short:<60} {long}",
        if billable { 1 } else { 0 }
    )
}

#[test]
fn the_cms_order_file_fills_every_missing_short_title() {
    let src = Path::new(ORDER_TSV);
    if !src.is_file() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {ORDER_TSV} is missing"
        );
        eprintln!(
            "SKIPPED the_cms_order_file_fills_every_missing_short_title: {ORDER_TSV} not found"
        );
        return;
    }
    let (dir, mut s) = fresh();
    let missing_before = empty_short_titles(&s);
    assert!(
        missing_before > 0,
        "the embedded set lacks some short titles"
    );
    // Rebuild the official fixed-width file from the converted copy (the format sites get
    // from CMS), in a temporary folder.
    let (official, rows) = rebuild_order_file(src);
    let expected: Vec<(String, String)> = rows.into_iter().map(|(c, _, s, _)| (c, s)).collect();
    let rel = dir.path().join("cms");
    std::fs::create_dir(&rel).expect("mkdir");
    std::fs::write(rel.join("icd10cm_order_2026.txt"), official).expect("write");
    let sum = codes::load_dir(&mut s, &Actor::system("t"), &rel, 2026).expect("load");
    let [(system, n, changed)] = sum.titles[..] else {
        panic!("one order file loaded: {sum:?}");
    };
    assert_eq!(system, codes::CodeSystem::Icd10Cm);
    assert_eq!(n, expected.len());
    assert!(changed as i64 >= missing_before, "{sum}");
    assert_eq!(empty_short_titles(&s), 0);
    // Every code now carries the official short title, including the ones that had none.
    for (code, short) in expected.iter().step_by(97) {
        assert_eq!(&short_title(&s, code), short, "{code}");
    }
    assert!(sum.to_string().contains("ICD-10-CM FY2026 titles"), "{sum}");
    // The change is audited and the chain still verifies.
    let audited: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE entity_type = 'code_set' AND detail LIKE '%titles_from_order_file%'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audited, 1);
    assert!(
        chartdesk::audit::verify(s.conn(), &[])
            .expect("verify")
            .ok()
    );
    // Loading the same file again changes nothing.
    let again = codes::load_dir(&mut s, &Actor::system("t"), &rel, 2026).expect("again");
    assert_eq!(again.titles, [(codes::CodeSystem::Icd10Cm, n, 0)]);
}

#[test]
fn an_order_file_that_disagrees_with_the_set_is_refused_whole_at_its_line() {
    let (dir, mut s) = fresh();
    let before = short_title(&s, "A000");
    let rel = dir.path().join("bad");
    std::fs::create_dir(&rel).expect("mkdir");
    let cases: Vec<(String, &str)> = vec![
        // A code the FY2026 set does not have (line 2): nothing from line 1 is kept either.
        (
            [
                order_line(1, "A000", true, "Cholera (changed)", "x"),
                order_line(2, "A0099", true, "Not a code", "x"),
            ]
            .join("\n"),
            "icd10cm_order_2026.txt line 2, field code: A0099 is not in the ICD-10-CM FY2026 code set",
        ),
        // A header listed as billable.
        (
            order_line(1, "A00", true, "Cholera", "Cholera"),
            "icd10cm_order_2026.txt line 1, field code: A00 is a header in the ICD-10-CM FY2026 code set, billable in this file",
        ),
        // Not the fixed-width format at all.
        (
            "A000,1,Cholera".to_string(),
            "icd10cm_order_2026.txt line 1, field (line): not a line of the CMS order file",
        ),
        // A bad flag.
        (
            order_line(1, "A000", true, "Cholera", "x").replacen(" 1 ", " 7 ", 1),
            "icd10cm_order_2026.txt line 1, field billable: expected 0 or 1, found \"7\"",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(rel.join("icd10cm_order_2026.txt"), text).expect("write");
        let err = codes::load_dir(&mut s, &Actor::system("t"), &rel, 2026)
            .expect_err("refused")
            .to_string();
        assert!(err.contains(want), "{err}\nwanted: {want}");
        assert_eq!(short_title(&s, "A000"), before, "nothing half-written");
    }
    // Without the FY2027 set, its order file is refused with the reason.
    std::fs::write(
        rel.join("icd10cm_order_2027.txt"),
        order_line(1, "A000", true, "Cholera", "x"),
    )
    .expect("write");
    let err = codes::load_dir(&mut s, &Actor::system("t"), &rel, 2027)
        .expect_err("no 2027 set")
        .to_string();
    assert!(
        err.contains("titles need the ICD-10-CM FY2027 code set; load it first"),
        "{err}"
    );
}

#[test]
fn the_pcs_order_file_titles_the_untitled_pcs_codes() {
    let src = Path::new(PCS_ORDER_TSV);
    if !src.is_file() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {PCS_ORDER_TSV} is missing"
        );
        eprintln!(
            "SKIPPED the_pcs_order_file_titles_the_untitled_pcs_codes: {PCS_ORDER_TSV} not found"
        );
        return;
    }
    let (dir, mut s) = fresh();
    let untitled = empty_titles(&s, "icd10pcs", "long_title");
    assert!(
        untitled > 0,
        "some embedded PCS codes have no registry title"
    );
    let (official, rows) = rebuild_order_file(src);
    let rel = dir.path().join("cms");
    std::fs::create_dir(&rel).expect("mkdir");
    std::fs::write(rel.join("icd10pcs_order_2026.txt"), official).expect("write");
    let sum = codes::load_dir(&mut s, &Actor::system("t"), &rel, 2026).expect("load");
    let valid = rows.iter().filter(|r| r.1).count();
    assert!(
        matches!(sum.titles[..], [(codes::CodeSystem::Icd10Pcs, n, _)] if n == valid),
        "table headers are skipped, every valid code is read: {sum:?}"
    );
    assert_eq!(empty_titles(&s, "icd10pcs", "long_title"), 0);
    assert_eq!(empty_titles(&s, "icd10pcs", "short_title"), 0);
    for (code, _, short, long) in rows.iter().filter(|r| r.1).step_by(211) {
        assert_eq!(
            titles_in(&s, "icd10pcs", code),
            (short.clone(), long.clone()),
            "{code}"
        );
    }
}
