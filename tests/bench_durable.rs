//! `chartdesk bench --only durable` decomposes the durable action (issue #17): it prints the
//! ratio against the toy bare update and against the same UPDATE on the chartdesk schema
//! without the audit row, and the WAL frames each kind of commit writes. Timings are not
//! asserted (they belong to the bench); the frame counts are structure, not timing: the
//! toy update rewrites one page, the schema's indexes and counter triggers add pages, and
//! the audit row adds at least its own leaf page.

use assert_cmd::Command;

/// The number after `label` in `line` (e.g. `toy UPDATE 1.00`).
fn frames_after(line: &str, label: &str) -> f64 {
    let at = line
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {line:?}"));
    line[at + label.len()..]
        .split(|c: char| c == ',' || c.is_whitespace())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?} in {line:?}"))
}

#[test]
fn durable_bench_prints_both_ratios_and_the_frames_each_commit_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::cargo_bin("chartdesk")
        .expect("binary")
        .args(["bench", "--only", "durable", "--iterations", "20", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("per-pair ratio vs the toy bare update (issue #17's wording;"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "per-pair ratio vs the same UPDATE on the chartdesk schema without the audit row"
        ) && stdout.contains("(target median ≤ 1.20: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("chain after the run: 231 rows, ok = true"),
        "{stdout}"
    );
    let line = stdout
        .lines()
        .find(|l| l.contains("WAL frames per commit:"))
        .unwrap_or_else(|| panic!("no frames line in {stdout}"));
    let toy = frames_after(line, "toy UPDATE");
    let schema = frames_after(line, "same UPDATE, chartdesk schema");
    let action = frames_after(line, "chartdesk action (UPDATE + audit row)");
    assert!((toy - 1.0).abs() < 1e-9, "{line}");
    assert!(schema > toy, "{line}");
    assert!(action >= schema + 1.0, "{line}");
}
