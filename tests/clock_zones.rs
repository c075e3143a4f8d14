//! Two processes in different time zones (TZ=America/Los_Angeles, TZ=Pacific/Auckland) agree
//! on claim expiry and on ROI received/due calendar days (issue #17): durations and expiries
//! are UTC, calendar days come from the `facility_timezone` setting through the clock service.
//!
//! The parent test runs this test binary twice more as children (`zone_child`, ignored when
//! run directly), each with its own `TZ`, on one database, at one injected instant:
//! 2026-12-03 20:00 UTC, which is Dec 3 in Los Angeles and Dec 4 in Auckland.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chartdesk::audit::Actor;
use chartdesk::domain::Role;
use chartdesk::roi::Conditions;
use chartdesk::roi::request::{self, Delivery, NewRequest, Scope};
use chartdesk::store::Store;
use chrono::{TimeZone, Utc};

const INSTANT: (i32, u32, u32, u32) = (2026, 12, 3, 20);

fn store_at(db: &Path, minutes_later: i64) -> Store {
    let mut store = Store::open(db).expect("open");
    let (y, m, d, h) = INSTANT;
    let t =
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap() + chrono::Duration::minutes(minutes_later);
    store.set_clock(Arc::new(move || t));
    store
}

fn user(store: &Store, name: &str) -> Actor {
    let id: i64 = store
        .conn()
        .query_row("SELECT id FROM users WHERE username = ?1", [name], |r| {
            r.get(0)
        })
        .expect("user");
    Actor::user(id, name, Role::Coder)
}

/// One child action, selected by `CHARTDESK_ZONE_ACTION`; prints one `RESULT …` line.
#[test]
#[ignore = "run by zones_agree_on_claims_and_calendar_days in a child process"]
fn zone_child() {
    let db = std::env::var("CHARTDESK_ZONE_DB").expect("db");
    let action = std::env::var("CHARTDESK_ZONE_ACTION").expect("action");
    let encounter: i64 = std::env::var("CHARTDESK_ZONE_ENCOUNTER")
        .expect("encounter")
        .parse()
        .expect("number");
    match action.as_str() {
        "claim" => {
            // 10 minutes after the first claim: still live (claim_minutes is longer).
            let mut store = store_at(Path::new(&db), 0);
            let coder = user(&store, "coder");
            chartdesk::coding::work::claim(&mut store, &coder, encounter).expect("claim");
            let until: String = store
                .conn()
                .query_row(
                    "SELECT expires_at FROM work_claims WHERE entity_type = 'coding' AND entity_id = ?1",
                    [encounter],
                    |r| r.get(0),
                )
                .expect("claim row");
            println!("RESULT claimed until {until}");
        }
        "take-over" => {
            let mut store = store_at(Path::new(&db), 10);
            let other = user(&store, "coder2");
            match chartdesk::coding::work::claim(&mut store, &other, encounter) {
                Ok(()) => println!("RESULT took over a live claim"),
                Err(e) => println!("RESULT refused: {e}"),
            }
        }
        "roi" => {
            let mut store = store_at(Path::new(&db), 0);
            let today = request::today(&store);
            let new = NewRequest {
                mrn: "MRN0010021".into(),
                requester_type: chartdesk::roi::RequesterType::SelfAccess,
                requester_name: "Lin Roberts".into(),
                requester_address: String::new(),
                purpose: String::new(),
                scope: Scope::default(),
                delivery: Delivery::Electronic,
                received: today,
                conditions: Conditions::default(),
            };
            let id = request::log_request(&mut store, &Actor::system("t"), &new).expect("log");
            let rec = request::load(store.conn(), id).expect("load");
            println!("RESULT received {} due {}", rec.received, rec.due);
        }
        other => panic!("unknown action {other}"),
    }
}

fn child(db: &Path, tz: &str, action: &str, encounter: i64) -> String {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["--ignored", "--exact", "zone_child", "--nocapture"])
        .env("TZ", tz)
        .env("CHARTDESK_ZONE_DB", db)
        .env("CHARTDESK_ZONE_ACTION", action)
        .env("CHARTDESK_ZONE_ENCOUNTER", encounter.to_string())
        .output()
        .expect("child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{action} in {tz}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{action} in {tz} printed no result: {stdout}"))
}

#[test]
fn zones_agree_on_claims_and_calendar_days() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("zones.db");
    let bin = env!("CARGO_BIN_EXE_chartdesk");
    let run = |args: &[&str], stdin: &str| {
        let mut c = Command::new(bin);
        c.arg("--db").arg(&db).args(args).env_remove("CHARTDESK_DB");
        c.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null());
        let mut p = c.spawn().expect("spawn");
        use std::io::Write;
        p.stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        assert!(p.wait().expect("wait").success(), "{args:?}");
    };
    run(&["demo", "--no-tui", "--encounters", "40"], "");
    run(
        &[
            "user",
            "add",
            "coder2",
            "--role",
            "coder",
            "--password-stdin",
        ],
        "second-coder-pw\n",
    );
    run(
        &["settings", "set", "facility_timezone", "America/Chicago"],
        "",
    );
    let encounter: i64 = rusqlite::Connection::open(&db)
        .and_then(|c| {
            c.query_row(
                "SELECT id FROM encounters WHERE coding_status = 'ready' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
        })
        .expect("a ready encounter");

    // Claims: a coder in Los Angeles claims; ten minutes later a coder in Auckland (whose
    // wall clock reads 21 hours later) must not take the live claim over.
    let claimed = child(&db, "America/Los_Angeles", "claim", encounter);
    assert!(
        claimed.ends_with('Z'),
        "claims expire at a UTC instant: {claimed}"
    );
    let took = child(&db, "Pacific/Auckland", "take-over", encounter);
    assert!(took.starts_with("refused: "), "{took}");
    assert!(took.contains("is coding"), "{took}");

    // ROI: the same instant is the same facility day (Chicago: Dec 3) in both processes.
    let la = child(&db, "America/Los_Angeles", "roi", encounter);
    let akl = child(&db, "Pacific/Auckland", "roi", encounter);
    assert_eq!(la, akl);
    assert!(la.starts_with("received 2026-12-03 due "), "{la}");
}
