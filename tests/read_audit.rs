//! The audit of reads is complete (AUD-09, AUD-11): every CLI subcommand and every TUI screen's
//! core read that shows one patient's data writes an audit row naming the patient, and every
//! list page or search names every MRN it showed, so "who looked at this patient" finds list
//! exposures too.

use std::path::Path;

use assert_cmd::Command;
use chartdesk::audit::Actor;
use chartdesk::domain::Role;
use chartdesk::store::Store;

fn cd(db: &Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .env_remove("CHARTDESK_KEY")
        .env_remove("CHARTDESK_KEY_FILE")
        .env("CHARTDESK_SESSION_DIR", db.with_extension("sessions"));
    c
}

fn stdout(db: &Path, args: &[&str]) -> String {
    let out = cd(db).args(args).output().expect("run");
    assert!(
        out.status.success() || out.status.code() == Some(1) && !out.stdout.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// (seq, subtype, patient_mrn, detail) of the newest audit row.
fn newest(db: &Path) -> (i64, String, Option<String>, serde_json::Value) {
    let store = Store::open(db).expect("open");
    store
        .conn()
        .query_row(
            "SELECT seq, subtype, patient_mrn, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                let d: String = r.get(3)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    serde_json::from_str(&d).unwrap_or_default(),
                ))
            },
        )
        .expect("row")
}

fn mrns_of(detail: &serde_json::Value) -> Vec<String> {
    detail["mrns"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// MRNs in a CSV column.
fn csv_column(text: &str, column: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let idx = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == column)
        .expect("column");
    let mut v: Vec<String> = r
        .records()
        .map(|x| x.expect("row")[idx].to_string())
        .collect();
    let mut seen = std::collections::HashSet::new();
    v.retain(|m| seen.insert(m.clone()));
    v
}

fn demo(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("r.db");
    cd(&db)
        .args(["demo", "--no-tui", "--encounters", "150", "--seed", "9"])
        .assert()
        .success();
    db
}

#[test]
fn aud_11_every_cli_list_names_the_mrns_it_showed() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = demo(dir.path());
    let provider: i64 = Store::open(&db)
        .expect("open")
        .conn()
        .query_row(
            "SELECT provider_id FROM deficiencies WHERE provider_id IS NOT NULL
               AND status NOT IN ('completed','waived','void') LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("provider");
    let provider = provider.to_string();
    let lists: Vec<(Vec<&str>, &str)> = vec![
        (vec!["roi", "list", "--all", "--format", "csv"], "mrn"),
        (vec!["coding", "queue", "--format", "csv"], "mrn"),
        (vec!["coding", "held", "--format", "csv"], "mrn"),
        (
            vec!["report", "provider", &provider, "--format", "csv"],
            "mrn",
        ),
    ];
    for (args, column) in &lists {
        let (before, ..) = newest(&db);
        let text = stdout(&db, args);
        let shown = csv_column(&text, column);
        assert!(!shown.is_empty(), "{args:?} showed nobody");
        let (seq, subtype, _, detail) = newest(&db);
        assert!(seq > before, "{args:?} wrote no audit row");
        assert_eq!(subtype, "query", "{args:?}");
        assert_eq!(
            mrns_of(&detail),
            shown,
            "{args:?}: the row must name every MRN shown"
        );
    }
    // "Who looked at this patient" finds the list exposure.
    let roi = stdout(&db, &["roi", "list", "--all", "--format", "csv"]);
    let mrn = csv_column(&roi, "mrn").remove(0);
    let export = stdout(&db, &["audit", "export", "--patient", &mrn]);
    assert!(
        export.lines().any(|l| l.contains("\"entity_id\":\"queue\"")
            && l.contains("\"patient_mrn\":null")
            && l.contains(&mrn)),
        "the ROI list exposure of {mrn} is not found by audit export --patient"
    );
}

#[test]
fn aud_09_every_cli_read_of_one_patient_is_audited_with_the_patient() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = demo(dir.path());
    let (mrn, request, encounter): (String, i64, i64) = Store::open(&db)
        .expect("open")
        .conn()
        .query_row(
            "SELECT p.mrn, r.id, (SELECT e.id FROM encounters e WHERE e.patient_id = p.id LIMIT 1)
               FROM release_requests r JOIN patients p ON p.id = r.patient_id ORDER BY r.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("fixture");
    let (request, encounter) = (request.to_string(), encounter.to_string());
    let reads: Vec<Vec<&str>> = vec![
        vec!["roi", "show", &request],
        vec!["report", "disclosures", "--patient", &mrn],
        vec!["edits", "--encounter", &encounter],
        vec!["audit", "export", "--patient", &mrn],
    ];
    for args in &reads {
        let (before, ..) = newest(&db);
        let _ = stdout(&db, args);
        let (seq, subtype, patient, _) = newest(&db);
        assert!(seq > before, "{args:?} wrote no audit row");
        assert_eq!(
            patient.as_deref(),
            Some(mrn.as_str()),
            "{args:?} ({subtype})"
        );
    }
}

/// The core reads behind the TUI screens: search, chart, document, deficiency queue, provider
/// view, coding queue, coding workbench, ROI queue and request detail.
#[test]
fn aud_09_aud_11_every_tui_screen_read_is_audited() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = demo(dir.path());
    let mut store = Store::open(&db).expect("open");
    let sup = |store: &Store, name: &str, role: Role| -> Actor {
        let id: i64 = store
            .conn()
            .query_row(
                "SELECT id FROM users WHERE role = ?1 LIMIT 1",
                [role.as_str()],
                |r| r.get(0),
            )
            .expect("user");
        Actor::user(id, name, role)
    };
    let tech = sup(&store, "tech", Role::Technician);
    let coder = sup(&store, "coder", Role::Coder);
    let roi = sup(&store, "roi", Role::Roi);
    let newest_in = |store: &Store| -> (String, Option<String>, Vec<String>) {
        store
            .conn()
            .query_row(
                "SELECT subtype, patient_mrn, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| {
                    let d: String = r.get(2)?;
                    let v: serde_json::Value = serde_json::from_str(&d).unwrap_or_default();
                    Ok((r.get(0)?, r.get(1)?, mrns_of(&v)))
                },
            )
            .expect("row")
    };
    // Search.
    let hits = chartdesk::chart::search_patients(&mut store, &tech, "MRN").expect("search");
    assert!(!hits.is_empty());
    let shown: Vec<String> = hits.iter().map(|h| h.patient.mrn.clone()).collect();
    assert_eq!(newest_in(&store).2, shown, "search");
    // Chart and document.
    let first = &hits[0].patient;
    let chart = chartdesk::chart::open_chart(&mut store, &tech, first.id).expect("chart");
    assert_eq!(
        newest_in(&store).1.as_deref(),
        Some(first.mrn.as_str()),
        "chart"
    );
    drop(chart);
    let doc: Option<i64> = store
        .conn()
        .query_row(
            "SELECT d.id FROM documents d JOIN encounters e ON e.id = d.encounter_id WHERE e.patient_id = ?1 LIMIT 1",
            [first.id],
            |r| r.get(0),
        )
        .ok();
    if let Some(doc) = doc {
        chartdesk::chart::read_document(&mut store, &tech, doc).expect("document");
        assert_eq!(
            newest_in(&store).1.as_deref(),
            Some(first.mrn.as_str()),
            "document"
        );
    }
    // Deficiency queue and provider view.
    use chartdesk::deficiency::queue::{self, QueueFilter, QueueSort, QueueTab};
    let page = queue::queue_page(
        &mut store,
        &tech,
        QueueTab::Incomplete,
        QueueSort::Oldest,
        &QueueFilter::default(),
        None,
        50,
    )
    .expect("queue");
    let mut shown: Vec<String> = Vec::new();
    for r in &page {
        if !shown.contains(&r.mrn) {
            shown.push(r.mrn.clone());
        }
    }
    assert!(!shown.is_empty());
    assert_eq!(newest_in(&store).2, shown, "deficiency queue");
    let provider: i64 = store
        .conn()
        .query_row(
            "SELECT provider_id FROM deficiencies WHERE provider_id IS NOT NULL
               AND status NOT IN ('completed','waived','void') LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("provider");
    let items = queue::provider_page(&mut store, &tech, provider, None, 50).expect("provider");
    let mut shown: Vec<String> = Vec::new();
    for r in &items {
        if !shown.contains(&r.1) {
            shown.push(r.1.clone());
        }
    }
    assert_eq!(newest_in(&store).2, shown, "provider view");
    // Coding queue and workbench.
    use chartdesk::coding::queue::{CodingFilter, CodingList, coding_page};
    let rows = coding_page(
        &mut store,
        &coder,
        CodingList::Queue,
        &CodingFilter::default(),
        None,
        50,
    )
    .expect("coding queue");
    let mut shown: Vec<String> = Vec::new();
    for r in &rows {
        if !shown.contains(&r.mrn) {
            shown.push(r.mrn.clone());
        }
    }
    assert_eq!(newest_in(&store).2, shown, "coding queue");
    let (h, ..) =
        chartdesk::coding::work::open(&mut store, &coder, rows[0].encounter_id).expect("workbench");
    assert_eq!(
        newest_in(&store).1.as_deref(),
        Some(h.mrn.as_str()),
        "workbench"
    );
    // ROI queue and request detail.
    let q = chartdesk::roi::queue::queue(&mut store, &roi, true).expect("roi queue");
    let mut shown: Vec<String> = Vec::new();
    for r in &q {
        if !shown.contains(&r.mrn) {
            shown.push(r.mrn.clone());
        }
    }
    assert_eq!(newest_in(&store).2, shown, "roi queue");
    let d = chartdesk::roi::queue::detail(&mut store, &roi, q[0].id).expect("detail");
    assert_eq!(
        newest_in(&store).1.as_deref(),
        Some(q[0].mrn.as_str()),
        "roi detail"
    );
    drop(d);
}
