//! Every printing command survives a closed pipe (`| head -1`) and a full disk (`> /dev/full`):
//! a closed reader is a quiet exit 141 (128 + SIGPIPE, what a shell reports for `yes | head`),
//! a failed write is exit 1 with one clear line; never a panic (exit 101).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_chartdesk"))
}

fn chartdesk(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.arg("--db").arg(db).args(args).env_remove("CHARTDESK_DB");
    c.stdin(Stdio::null()).stderr(Stdio::piped());
    c
}

/// A demo database, one ROI request passed QA (so `roi release` can run), and input files.
struct Fixture {
    dir: tempfile::TempDir,
    base: PathBuf,
    coded: i64,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = dir.path().join("base.db");
        let ok = |c: &mut Command| {
            let out = c.stdout(Stdio::null()).output().expect("run");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        ok(&mut chartdesk(
            &base,
            &["demo", "--no-tui", "--encounters", "40"],
        ));
        // QA as a second user, who proves who they are with the password (AUD-10).
        let mut qa = chartdesk(
            &base,
            &[
                "--password-stdin",
                "roi",
                "--as",
                "super",
                "qa",
                "4",
                "--pass",
            ],
        );
        qa.stdin(Stdio::piped()).stdout(Stdio::null());
        let mut child = qa.spawn().expect("run");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), b"super-demo\n")
            .expect("password");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(
            dir.path().join("adt.hl7"),
            "MSH|^~\\&|APP|FAC|R|RF|20240101120000||ADT^A01|C1|P|2.5\rEVN|A01|20240101120000\r\
             PID|1||MX1^^^FAC^MR||DOE^JANE||19700101|F\rPV1|1|I|||||||||||||||||VX1|||||||||||||||||||||||||20240101100000\r",
        )
        .expect("hl7");
        std::fs::write(
            dir.path().join("auth.json"),
            r#"{"request":{"requester_type":"SELF","received_date":"2026-11-01"},"authorization":{}}"#,
        )
        .expect("auth");
        let coded: i64 = rusqlite::Connection::open(&base)
            .and_then(|c| {
                c.query_row(
                    "SELECT id FROM encounters WHERE coding_status = 'coded' ORDER BY id LIMIT 1",
                    [],
                    |r| r.get(0),
                )
            })
            .expect("a coded encounter in the demo");
        Fixture { dir, base, coded }
    }

    /// A fresh copy of the database for one run (write commands change it).
    fn copy(&self, n: usize) -> PathBuf {
        let db = self.dir.path().join(format!("run{n}.db"));
        std::fs::copy(&self.base, &db).expect("copy");
        db
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// Every subcommand that prints to standard output, with arguments that make it print.
fn printing_commands(f: &Fixture, n: usize) -> Vec<Vec<String>> {
    let out = f.path(&format!("packets{n}"));
    let coded = f.coded.to_string();
    let cmds: Vec<Vec<&str>> = vec![
        vec!["init"],
        vec!["user", "list"],
        vec!["user", "list", "--format", "json"],
        vec!["audit", "verify"],
        vec!["audit", "export"],
        vec!["audit", "export", "--format", "fhir"],
        vec!["settings", "list"],
        vec!["settings", "set", "facility_name", "Test General"],
        vec!["codes", "show", "I10"],
        vec!["codes", "search", "diabetes"],
        vec![
            "edits",
            "--principal",
            "I10",
            "--discharge",
            "2026-10-01",
            "--age",
            "60",
        ],
        vec!["coding", "queue"],
        vec!["coding", "held"],
        vec!["coding", "export", "--encounter", &coded],
        vec!["roi", "list"],
        vec!["roi", "show", "REQ-000004"],
        vec![
            "roi",
            "log",
            "MRN0010021",
            "--type",
            "SELF",
            "--name",
            "Lin Roberts",
        ],
        vec!["roi", "release", "REQ-000004", "--out", &out],
        vec!["report", "deficiencies"],
        vec!["report", "delinquency"],
        vec!["report", "dnfb"],
        vec!["report", "coding"],
        vec!["report", "provider", "1"],
        vec!["report", "disclosures", "--patient", "MRN0010021"],
        vec!["analyze"],
        vec!["gen", "--encounters", "3", "--seed", "99"],
        vec!["import", "hl7"],
        vec!["auth", "check"],
    ];
    cmds.into_iter()
        .map(|c| {
            let mut v: Vec<String> = c.iter().map(|s| s.to_string()).collect();
            match c.as_slice() {
                ["import", "hl7"] => v.push(f.path("adt.hl7")),
                ["auth", "check"] => v.push(f.path("auth.json")),
                _ => {}
            }
            v
        })
        .collect()
}

fn strings(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn every_printing_command_exits_quietly_on_a_closed_pipe() {
    let f = Fixture::new();
    for (n, args) in printing_commands(&f, 0).iter().enumerate() {
        // Sanity: into a real reader, the command prints something (or the test proves nothing).
        let db = f.copy(n);
        let out = chartdesk(&db, &strings(args))
            .stdout(Stdio::piped())
            .output()
            .expect("run");
        assert!(
            !out.stdout.is_empty(),
            "{args:?} printed nothing; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_ne!(out.status.code(), Some(101), "{args:?}");

        // A pipe whose reader is already gone: every write fails with EPIPE.
        let args = printing_commands(&f, 1000 + n)[n].clone();
        let db = f.copy(1000 + n);
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = chartdesk(&db, &strings(&args))
            .stdout(writer)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert_eq!(
            out.status.code(),
            Some(141),
            "{args:?} into a closed pipe; stderr: {stderr}"
        );
        assert!(
            !stderr.contains("standard output"),
            "{args:?}: a closed pipe is a quiet exit, got: {stderr}"
        );
    }
}

#[test]
fn every_printing_command_reports_a_full_disk_on_stdout() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full on this system");
        return;
    }
    let f = Fixture::new();
    for (n, args) in printing_commands(&f, 0).iter().enumerate() {
        let db = f.copy(n);
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = chartdesk(&db, &strings(args))
            .stdout(full)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{args:?}; stderr: {stderr}");
        assert!(
            stderr.contains("No space left on device"),
            "{args:?}: the error names the cause, got: {stderr}"
        );
        assert_eq!(
            stderr.lines().filter(|l| l.contains("panicked")).count(),
            0,
            "{args:?}"
        );
    }
}
