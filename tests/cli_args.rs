//! Bad dates and counts on the command line are usage errors naming the argument, never an
//! empty success (issue #17: `audit export --since garbage` exited 0 with nothing exported).

use assert_cmd::Command;
use predicates::prelude::*;

fn cd(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db").arg(db).env_remove("CHARTDESK_DB");
    c
}

#[test]
fn bad_dates_and_counts_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("site.db");
    cd(&db).arg("init").assert().success();
    for since in ["garbage", "2026-13-01", "2026-11-01T25:00", "yesterday"] {
        cd(&db)
            .args(["audit", "export", "--since", since])
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains("--since").and(predicate::str::contains(
                    "is not a date or UTC time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]",
                )),
            );
    }
    // Good forms are accepted and filter: the creation rows are from today, not the future.
    let all = cd(&db).args(["audit", "export"]).output().expect("run");
    let n = String::from_utf8_lossy(&all.stdout).lines().count();
    assert!(n > 0);
    for (since, expect_all) in [
        ("2000-01-01", true),
        ("2000-01-01T08:00", true),
        ("2000-01-01T08:00:00Z", true),
        ("2000-01-01T08:00:00+05:00", true),
        ("2999-01-01", false),
    ] {
        let out = cd(&db)
            .args(["audit", "export", "--since", since])
            .output()
            .expect("run");
        assert!(out.status.success(), "{since}");
        // Each export records itself, so later exports see a few more rows.
        let got = String::from_utf8_lossy(&out.stdout).lines().count();
        if expect_all {
            assert!(got >= n, "{since}: {got} of {n}");
        } else {
            assert_eq!(got, 0, "{since}");
        }
    }
    cd(&db)
        .args(["gen", "--encounters", "0"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--encounters").and(predicate::str::contains("at least 1")),
        );
    cd(&db)
        .args(["codes", "search", "diabetes", "--limit", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--limit"));
    cd(&db)
        .args(["settings", "set", "facility_timezone", "Mars/Olympus"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not an IANA time zone name"));
    cd(&db)
        .args(["settings", "set", "facility_timezone", "Pacific/Auckland"])
        .assert()
        .success();
}
