//! Loading later releases from a folder (`chartdesk codes load DIR --year 2027`): a good
//! release with a CDC POA-exempt list, refusal to reload, and bad files whose errors name
//! file, line and field while nothing at all is written.

use std::path::Path;

use chartdesk::audit::Actor;
use chartdesk::codes::{self, CodeSystem, code_set_for};
use chartdesk::store::Store;
use chrono::NaiveDate;

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

const CM_HEAD: &str = "code\tbillable\tshort_title\tlong_title\tblock\n";
const GROUPS: &str = "level\tid\tchapter\ttitle\n\
    chapter\t4\t4\tEndocrine, nutritional and metabolic diseases (E00-E89)\n\
    block\tE08-E13\t4\tDiabetes mellitus (E08-E13)\n";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

fn fy2027_release(dir: &Path) {
    write(
        dir,
        "icd10cm-2027.tsv",
        &format!(
            "{CM_HEAD}E11\t0\tType 2 diabetes mellitus\tType 2 diabetes mellitus\tE08-E13\n\
             E119\t1\tType 2 diabetes mellitus without complications\tType 2 diabetes mellitus without complications\tE08-E13\n\
             E11A\t1\t\tType 2 diabetes mellitus without complications in remission\tE08-E13\n"
        ),
    );
    write(dir, "icd10cm-2027-groups.tsv", GROUPS);
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let s = Store::open_or_create(&dir.path().join("a.db")).expect("db");
    (dir, s)
}

#[test]
fn a_later_release_loads_from_a_folder_with_a_cdc_poa_list() {
    let (dir, mut s) = fresh();
    let rel = dir.path().join("fy2027");
    std::fs::create_dir(&rel).expect("mkdir");
    fy2027_release(&rel);
    write(
        &rel,
        "POAexemptCodesFY27.txt",
        "Order27\tPOAexemptCode\tDescription\r\n00001\tE11.9\tType 2 diabetes mellitus without complications\r\n",
    );
    let sum = codes::load_dir(&mut s, &Actor::system("test"), &rel, 2027).expect("load");
    assert_eq!(sum.sets.len(), 1);
    assert_eq!((sum.sets[0].codes, sum.sets[0].billable), (3, 2));
    assert_eq!(sum.poa_exempt, Some(1));
    assert!(code_set_for(s.conn(), CodeSystem::Icd10Cm, day(2026, 10, 1)).is_some());
    assert_eq!(
        code_set_for(s.conn(), CodeSystem::Icd10Cm, day(2026, 9, 30)),
        None
    );
    let d = codes::show_on(s.conn(), "E11.9", day(2027, 1, 5))
        .expect("show")
        .expect("found");
    assert_eq!(d.poa_exempt, Some(true));
    let d = codes::show(s.conn(), "E11A").expect("show").expect("found");
    assert_eq!(d.poa_exempt, Some(false));
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_log WHERE entity_type IN ('code_set','poa_exempt_list')"
        ),
        2
    );

    // Loading the same year again is refused, and changes nothing.
    let audit = count(&s, "SELECT count(*) FROM audit_log");
    let err = codes::load_dir(&mut s, &Actor::system("test"), &rel, 2027).expect_err("again");
    assert!(err.to_string().contains("already loaded"), "{err}");
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audit);
}

/// Load `files` for FY2027 into a fresh database; return the error text and check that
/// nothing at all was written.
fn load_err(files: &[(&str, &str)]) -> String {
    let (dir, mut s) = fresh();
    let rel = dir.path().join("rel");
    std::fs::create_dir(&rel).expect("mkdir");
    for (name, text) in files {
        write(&rel, name, text);
    }
    let audit = count(&s, "SELECT count(*) FROM audit_log");
    let err = codes::load_dir(&mut s, &Actor::system("test"), &rel, 2027).expect_err("must fail");
    assert_eq!(
        count(&s, "SELECT count(*) FROM code_sets"),
        0,
        "nothing half-written"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM codes"), 0);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audit);
    err.to_string()
}

#[test]
fn bad_files_name_file_line_and_field_and_write_nothing() {
    let bad_billable =
        format!("{CM_HEAD}E11\t0\tx\tType 2\tE08-E13\nE119\tyes\tx\tType 2 w/o\tE08-E13\n");
    let e = load_err(&[
        ("icd10cm-2027.tsv", &bad_billable),
        ("icd10cm-2027-groups.tsv", GROUPS),
    ]);
    assert!(e.contains("icd10cm-2027.tsv line 3, field billable"), "{e}");

    let dotted = format!("{CM_HEAD}E11.9\t1\tx\tType 2\tE08-E13\n");
    let e = load_err(&[
        ("icd10cm-2027.tsv", &dotted),
        ("icd10cm-2027-groups.tsv", GROUPS),
    ]);
    assert!(e.contains("line 2, field code"), "{e}");

    let short_row = format!("{CM_HEAD}E11\t0\tType 2\n");
    let e = load_err(&[
        ("icd10cm-2027.tsv", &short_row),
        ("icd10cm-2027-groups.tsv", GROUPS),
    ]);
    assert!(e.contains("line 2, field (columns)"), "{e}");

    let unknown_block = format!("{CM_HEAD}E11\t0\tx\tType 2\tE99-E99\n");
    let e = load_err(&[
        ("icd10cm-2027.tsv", &unknown_block),
        ("icd10cm-2027-groups.tsv", GROUPS),
    ]);
    assert!(e.contains("line 2, field block"), "{e}");

    let e = load_err(&[("icd10pcs-2027.tsv", "code\tbillable\n0DTJ4ZZ\t1\n")]);
    assert!(
        e.contains("icd10pcs-2027.tsv line 1, field (header)"),
        "{e}"
    );

    let notes = "scope\tcode\tkind\ttext\trefs\ncode\tE11\texcludes1\tgestational diabetes (O24.4-)\tO24.4-\ncode\tE12\tnote\tx\t\n";
    let cm = format!("{CM_HEAD}E11\t0\tx\tType 2\tE08-E13\n");
    let e = load_err(&[
        ("icd10cm-2027.tsv", &cm),
        ("icd10cm-2027-groups.tsv", GROUPS),
        ("icd10cm-2027-notes.tsv", notes),
    ]);
    assert!(
        e.contains("icd10cm-2027-notes.tsv line 3, field code"),
        "{e}"
    );

    let mce = "system\tcode\tflags\ndx\tE119\tunspecified\nrx\tE119\tadult\n";
    let e = load_err(&[
        ("mce-2027.tsv", mce),
        ("mce-2027-age-ranges.tsv", "age_group\tmin_age\tmax_age\n"),
    ]);
    assert!(e.contains("mce-2027.tsv line 3, field system"), "{e}");

    // A POA list whose code is not a billable code of the year fails inside the transaction;
    // the CM set loaded in the same call is rolled back with it.
    let cm = format!("{CM_HEAD}E11\t0\tx\tType 2\tE08-E13\nE119\t1\tx\tType 2 w/o\tE08-E13\n");
    let poa = "code\tdotted\tdescription\nE119\tE11.9\tok\nE11\tE11\theader\n";
    let e = load_err(&[
        ("icd10cm-2027.tsv", &cm),
        ("icd10cm-2027-groups.tsv", GROUPS),
        ("poa-exempt-2027.tsv", poa),
    ]);
    assert!(e.contains("poa-exempt-2027.tsv line 3, field code"), "{e}");

    let headerless_cdc = "00001\tE11.9\tok\r\n00002\tE11\theader\r\n";
    let e = load_err(&[
        ("icd10cm-2027.tsv", &cm),
        ("icd10cm-2027-groups.tsv", GROUPS),
        ("POAexemptCodesFY27.txt", headerless_cdc),
    ]);
    assert!(
        e.contains("POAexemptCodesFY27.txt line 2, field code"),
        "{e}"
    );

    let e = load_err(&[("icd10cm-2027.tsv", &cm)]);
    assert!(e.contains("needs icd10cm-2027-groups.tsv"), "{e}");
    let e = load_err(&[]);
    assert!(e.contains("no FY2027 code-set files"), "{e}");
    let e = load_err(&[("icd10pcs-2027.tsv.gz", "not gzip")]);
    assert!(
        e.contains("icd10pcs-2027.tsv.gz line 0, field (file)"),
        "{e}"
    );
}
