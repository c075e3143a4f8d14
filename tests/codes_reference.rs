//! Cross-check of the embedded FY2026 assets against the independent reference files in
//! `../shared/data/codes` (CMS order files, CDC tabular, CMS MCE jar, CDC POA list).
//! These files are read here only, never by the product. When the folder is absent the tests
//! print a notice and pass — except under `CI=true`, where they fail.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use chartdesk::audit::Actor;
use chartdesk::codes;
use chartdesk::store::Store;

fn reference_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/codes");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("reference data {} is missing and CI=true", dir.display());
    }
    println!(
        "NOTICE: {} not found; reference cross-check skipped",
        dir.display()
    );
    None
}

/// Rows of a reference TSV (header dropped), gunzipped when needed.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("gunzip");
    } else {
        text = String::from_utf8(bytes).expect("utf-8");
    }
    text.lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn store() -> MutexGuard<'static, Store> {
    static S: OnceLock<Mutex<Store>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("codes-ref-{}.db", std::process::id()));
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().starts_with("codes-ref-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let mut s = Store::open_or_create(&path).expect("db");
        codes::load_embedded(&mut s, &Actor::system("test")).expect("load");
        Mutex::new(s)
    })
    .lock()
    .unwrap_or_else(|p| p.into_inner())
}

/// code -> (billable, short, long) of one system in the loaded FY2026 set.
fn loaded(s: &Store, system: &str) -> HashMap<String, (bool, String, String)> {
    let mut st = s
        .conn()
        .prepare(
            "SELECT code, billable, short_title, long_title FROM codes JOIN code_sets ON id = code_set_id
             WHERE system = ?1 AND fiscal_year = 2026",
        )
        .expect("prepare");
    st.query_map([system], |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn cm_codes_billable_flags_and_titles_match_the_cms_order_file() {
    let Some(dir) = reference_dir() else { return };
    let reference = rows(&dir.join("icd10cm-2026.tsv.gz"));
    let ours = loaded(&store(), "icd10cm");
    assert_eq!(ours.len(), reference.len());
    let (mut short_same, mut short_empty) = (0, 0);
    for r in &reference {
        let (billable, short, long) = ours
            .get(&r[0])
            .unwrap_or_else(|| panic!("missing {}", r[0]));
        assert_eq!(*billable, r[1] == "1", "billable {}", r[0]);
        assert_eq!(long, &r[3], "long title {}", r[0]);
        if short.is_empty() {
            short_empty += 1;
        } else {
            assert_eq!(
                short, &r[2],
                "short title {} (FY2025-derived must equal FY2026)",
                r[0]
            );
            short_same += 1;
        }
    }
    assert_eq!((short_same, short_empty), (97_528, 658));
}

#[test]
fn pcs_codes_match_and_titles_agree_where_present() {
    let Some(dir) = reference_dir() else { return };
    let reference: Vec<_> = rows(&dir.join("icd10pcs-2026.tsv.gz"))
        .into_iter()
        .filter(|r| r[1] == "1")
        .collect();
    let ours = loaded(&store(), "icd10pcs");
    let want: BTreeSet<&str> = reference.iter().map(|r| r[0].as_str()).collect();
    let got: BTreeSet<&str> = ours.keys().map(String::as_str).collect();
    assert_eq!(got, want);
    let differing = reference
        .iter()
        .filter(|r| {
            let long = &ours[&r[0]].2;
            !long.is_empty() && *long != r[3]
        })
        .count();
    assert!(
        differing <= 2,
        "{differing} PCS long titles differ from FY2026"
    );
}

#[test]
fn cm_note_counts_match_the_reference_notes() {
    let Some(dir) = reference_dir() else { return };
    let count_by = |rows: Vec<Vec<String>>| {
        let mut m: BTreeMap<(String, String), usize> = BTreeMap::new();
        for r in rows {
            *m.entry((r[0].clone(), r[2].clone())).or_default() += 1;
        }
        m
    };
    let want = count_by(rows(&dir.join("icd10cm-2026-notes.tsv.gz")));
    let s = store();
    let mut st = s
        .conn()
        .prepare("SELECT scope, code, kind FROM code_notes WHERE kind <> 'seventh_char_def'")
        .expect("prepare");
    let ours: Vec<Vec<String>> = st
        .query_map([], |r| Ok(vec![r.get(0)?, r.get(1)?, r.get(2)?]))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(count_by(ours), want);
    let seventh = rows(&dir.join("icd10cm-2026-seventh-char.tsv"));
    let n: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM code_notes WHERE kind = 'seventh_char_def'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(n as usize, seventh.len());
}

#[test]
fn mce_flag_lists_match_the_cms_mce_tables() {
    let Some(dir) = reference_dir() else { return };
    let s = store();
    for entry in std::fs::read_dir(dir.join("mce-v43"))
        .expect("mce dir")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".tsv") else {
            continue;
        };
        let Some((system, flag)) = stem.split_once('_') else {
            continue;
        };
        if !matches!(system, "dx" | "pcs") {
            continue;
        }
        // Entries valid on 2025-10-01 (MCE v43.0), as embedded.
        let want: BTreeSet<String> = rows(&entry.path())
            .into_iter()
            .filter(|r| {
                r[1].as_str() <= "20251001" && (r[2].is_empty() || r[2].as_str() >= "20251001")
            })
            .map(|r| r[0].clone())
            .collect();
        let mut st = s
            .conn()
            .prepare("SELECT code FROM mce_flags WHERE system = ?1 AND flag = ?2")
            .expect("prepare");
        let got: BTreeSet<String> = st
            .query_map([system, flag], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn the_cdc_poa_exempt_list_loads_onto_the_embedded_set() {
    let Some(dir) = reference_dir() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::copy(
        dir.join("poa-exempt-fy2026.tsv.gz"),
        tmp.path().join("poa-exempt-2026.tsv.gz"),
    )
    .expect("copy to temp");
    let mut s = store();
    let already: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM poa_exempt", [], |r| r.get(0))
        .expect("count");
    if already == 0 {
        let sum =
            codes::load_dir(&mut s, &Actor::system("test"), tmp.path(), 2026).expect("load POA");
        assert_eq!(sum.poa_exempt, Some(38_349));
        assert!(sum.sets.is_empty());
    }
    let d = codes::show(s.conn(), "B90.0")
        .expect("show")
        .expect("found");
    assert_eq!(d.poa_exempt, Some(true));
    let d = codes::show(s.conn(), "E11.65")
        .expect("show")
        .expect("found");
    assert_eq!(d.poa_exempt, Some(false));
}
