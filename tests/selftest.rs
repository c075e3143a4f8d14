//! `chartdesk selftest` as CI runs it: every property prints one line with its figure, and a
//! property that fails makes the command exit 1.

use assert_cmd::Command;

#[test]
fn selftest_short_form_prints_one_passing_line_per_property() {
    let out = Command::cargo_bin("chartdesk")
        .expect("binary")
        .env_remove("CHARTDESK_DB")
        .args([
            "selftest", "--seed", "7", "--only", "tamper", "--only", "kill", "--only", "writers",
            "--only", "syncs", "--only", "disk", "--only", "power",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, figure) in [
        ("tamper", "19/19 classes flagged"),
        ("kill-anywhere", "0 lost"),
        ("many writers", "0 user-visible BUSY"),
        ("disk full", "0 partial rows"),
        ("power loss", "the shim really drops unsynced writes"),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}: {text}"));
        assert!(line.contains("PASS") && line.contains(figure), "{line}");
    }
    // The sync count needs strace; without it the line says SKIP, never PASS.
    let syncs = text
        .lines()
        .find(|l| l.starts_with("commit really syncs"))
        .expect("syncs line");
    assert!(
        (syncs.contains("PASS") && syncs.contains("fails the check, as it must"))
            || syncs.contains("SKIP"),
        "{syncs}"
    );
}

#[test]
fn selftest_hostile_input_counts_cases_and_panics() {
    let out = Command::cargo_bin("chartdesk")
        .expect("binary")
        .args(["selftest", "--seed", "11", "--only", "hostile"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("15000 cases") && text.contains("0 panics"),
        "{text}"
    );
}
