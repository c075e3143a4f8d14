//! Staff hours and the productivity report (issue #15, MET-05): hours are entered (own, or
//! anyone's by a supervisor), validated naming the field, audited with old and new on a
//! correction; the report divides each user's units by the hours entered, compares with the
//! target settings, lists a user without hours as "hours not entered" and a system actor as
//! excluded. CLI as users with `--password-stdin`.

mod common;

use std::sync::Arc;

use assert_cmd::Command;
use chartdesk::CoreError;
use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::domain::Role;
use chartdesk::report::productivity::{self, Unit};
use chartdesk::report::{self, Report, Request};
use chartdesk::staff;
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};

fn user(store: &Store, name: &str, role: Role) -> Actor {
    let id: i64 = store
        .conn()
        .query_row("SELECT id FROM users WHERE username = ?1", [name], |r| {
            r.get(0)
        })
        .expect("user");
    Actor::user(id, name, role)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn at(store: &mut Store, y: i32, m: u32, d: u32, h: u32) {
    let t = Utc
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t));
}

fn count(store: &Store, sql: &str) -> i64 {
    store
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .expect("count")
}

fn staff_audit(store: &Store) -> Vec<(String, String, serde_json::Value)> {
    let mut st = store
        .conn()
        .prepare("SELECT action, entity_id, detail FROM audit_log WHERE entity_type = 'staff_hours' AND subtype = 'update' ORDER BY seq")
        .expect("prepare");
    st.query_map([], |r| {
        let d: String = r.get(2)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            serde_json::from_str(&d).unwrap_or_default(),
        ))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn hours_are_entered_own_or_by_a_supervisor_validated_and_audited_with_old_and_new() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = common::seeded(&dir.path().join("db"));
    at(&mut store, 2026, 12, 4, 15);
    let (tina, carl, sam) = (
        user(&store, "tina", Role::Technician),
        user(&store, "carl", Role::Coder),
        user(&store, "sam", Role::Supervisor),
    );
    // Own hours: any role.
    let e = staff::enter_hours(&mut store, &carl, "carl", day("2026-12-03"), "7.5", "")
        .expect("own hours");
    assert_eq!((e.old_hours, e.hours), (None, 7.5));
    // Someone else's: denied in the core, and the denial audited.
    let err =
        staff::enter_hours(&mut store, &tina, "carl", day("2026-12-03"), "8", "").unwrap_err();
    assert!(matches!(err, CoreError::Denied { .. }), "{err}");
    let denied = count(
        &store,
        "SELECT count(*) FROM audit_log WHERE subtype = 'access_denied' AND entity_type = 'staff_hours' AND username = 'tina'",
    );
    assert_eq!(denied, 1);
    // A supervisor corrects: one row per user per day, old and new in the audit.
    let e = staff::enter_hours(
        &mut store,
        &sam,
        "carl",
        day("2026-12-03"),
        "6.25",
        "late start",
    )
    .expect("correction");
    assert_eq!((e.old_hours, e.hours), (Some(7.5), 6.25));
    let rows = staff::list_hours(
        store.conn(),
        Some("carl"),
        day("2026-12-01"),
        day("2026-12-04"),
    )
    .expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].hours, rows[0].entered_by.as_str()), (6.25, "sam"));
    let audit = staff_audit(&store);
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].0, "C");
    assert_eq!(audit[1].0, "U");
    assert_eq!(audit[1].1, "carl/2026-12-03");
    assert_eq!(audit[1].2["old"].as_f64(), Some(7.5));
    assert_eq!(audit[1].2["new"].as_f64(), Some(6.25));
    assert_eq!(audit[1].2["rule"].as_str(), Some("MET-05"));
    // Validation names the field; nothing is written.
    for (hours, date, field) in [
        ("0", "2026-12-03", "hours"),
        ("24.25", "2026-12-03", "hours"),
        ("7.1", "2026-12-03", "hours"),
        ("seven", "2026-12-03", "hours"),
        ("-2", "2026-12-03", "hours"),
        ("8", "2026-12-05", "date"),
    ] {
        let err = staff::enter_hours(&mut store, &carl, "carl", day(date), hours, "").unwrap_err();
        match &err {
            CoreError::Invalid { field: f, .. } => assert_eq!(f, field, "{hours} {date}: {err}"),
            other => panic!("{hours} {date}: {other}"),
        }
    }
    assert_eq!(
        staff_audit(&store).len(),
        2,
        "a refused entry writes nothing"
    );
    assert!(staff::enter_hours(&mut store, &carl, "carl", day("2026-12-04"), "24", "").is_ok());
    // The targets are typed settings with their rule and validation; a bad one names the key.
    use chartdesk::settings::{self, Key};
    for key in [
        Key::TargetTechPerHour,
        Key::TargetRoiRequestsPerHour,
        Key::TargetRoiPagesPerHour,
    ] {
        assert_eq!(key.def().rule, "MET-05");
        let err = settings::set(&mut store, &sam, key.name(), "0").unwrap_err();
        assert!(err.to_string().contains(key.name()), "{err}");
    }
    settings::set(&mut store, &sam, Key::TargetTechPerHour.name(), "12.5").expect("set");
    assert_eq!(
        settings::get_f64(store.conn(), Key::TargetTechPerHour).expect("get"),
        12.5
    );
    // A user reads their own hours; another's only as a supervisor.
    assert!(
        staff::read_hours(
            &mut store,
            &carl,
            Some("carl"),
            day("2026-12-01"),
            day("2026-12-04")
        )
        .is_ok()
    );
    assert!(matches!(
        staff::read_hours(
            &mut store,
            &carl,
            None,
            day("2026-12-01"),
            day("2026-12-04")
        ),
        Err(CoreError::Denied { .. })
    ));
    assert_eq!(
        staff::read_hours(&mut store, &sam, None, day("2026-12-01"), day("2026-12-04"))
            .expect("all")
            .len(),
        2
    );
    assert!(matches!(
        staff::enter_hours(&mut store, &sam, "nobody", day("2026-12-04"), "8", "").unwrap_err(),
        CoreError::NotFound { .. }
    ));
}

/// Tina analyses 4 charts (real `mark_analyzed`), Carl codes 5 inpatient + 20 outpatient,
/// a system actor codes 3 inpatient, Rita releases 2 requests of 100 + 50 pages; hours:
/// Tina 2, Carl 4, Rita none.
fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("prod.db");
    let mut store = common::seeded(&db);
    at(&mut store, 2026, 12, 3, 15);
    store
        .transact(&common::system(), |tx, audit| {
            tx.execute_batch(
                "INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at, discharge_at, attending_id, him_status) VALUES
                   (2, 'V0000002', 1, 'inpatient', 'Medicine', '2026-11-05T08:00:00', '2026-11-06T12:00:00', 1, 'awaiting_analysis'),
                   (3, 'V0000003', 1, 'inpatient', 'Medicine', '2026-11-07T08:00:00', '2026-11-08T12:00:00', 1, 'awaiting_analysis'),
                   (4, 'V0000004', 2, 'inpatient', 'Medicine', '2026-11-09T08:00:00', '2026-11-10T12:00:00', 1, 'awaiting_analysis');
                 INSERT INTO release_requests(id, patient_id, requester_type, requester_name, received_at, due_at, status, created_by, released_by, released_at, pages) VALUES
                   (1, 1, 'SELF', 'Ana Rivera', '2026-11-20', '2026-12-20', 'released', 'rita', 'rita', '2026-12-03T16:00:00.000Z', 100),
                   (2, 2, 'SELF', 'Ben Riviera', '2026-11-21', '2026-12-21', 'released', 'rita', 'rita', '2026-12-03T17:00:00.000Z', 50),
                   (3, 2, 'SELF', 'Ben Riviera', '2026-11-01', '2026-12-01', 'released', 'rita', 'rita', '2026-11-02T17:00:00.000Z', 999);",
            )?;
            let mut n = 0;
            for (who, kind, count) in [
                ("carl", "inpatient", 5),
                ("carl", "outpatient", 20),
                ("system:coding:unknown", "inpatient", 3),
            ] {
                for _ in 0..count {
                    n += 1;
                    tx.execute(
                        "INSERT INTO coding_work(encounter_id, username, encounter_kind, started_at, completed_at)
                         VALUES (1, ?1, ?2, '2026-12-03T09:00:00.000Z', '2026-12-03T09:01:00.000Z')",
                        rusqlite::params![who, kind],
                    )?;
                }
            }
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", n));
            Ok::<_, CoreError>(())
        })
        .expect("fixture");
    let tina = user(&store, "tina", Role::Technician);
    for enc in 1..=4 {
        chartdesk::deficiency::ops::mark_analyzed(&mut store, &tina, enc).expect("analyse");
    }
    // Re-analysing a chart the same day is not a second record.
    chartdesk::deficiency::ops::mark_analyzed(&mut store, &tina, 1).expect("again");
    let sam = user(&store, "sam", Role::Supervisor);
    staff::enter_hours(&mut store, &tina, "tina", day("2026-12-03"), "2", "").expect("tina");
    staff::enter_hours(&mut store, &sam, "carl", day("2026-12-03"), "4", "").expect("carl");
    db
}

#[test]
fn the_report_divides_units_by_hours_entered_against_the_targets() {
    let dir = tempfile::tempdir().expect("dir");
    let db = fixture(dir.path());
    let mut store = Store::open(&db).expect("open");
    at(&mut store, 2026, 12, 4, 15);
    let sam = user(&store, "sam", Role::Supervisor);
    let out = report::run(
        &mut store,
        &sam,
        Request::Productivity {
            from: Some(day("2026-12-01")),
            to: Some(day("2026-12-04")),
        },
    )
    .expect("report");
    let Report::Productivity(p) = out.report else {
        panic!("not productivity")
    };
    let target = |u: Unit| p.targets.iter().find(|t| t.unit == u).expect("t").per_hour;
    // The defaults of the settings, read through the report.
    assert_eq!(target(Unit::RecordsAnalyzed), 10.0);
    assert_eq!(target(Unit::InpatientCoded), 2.5);
    assert_eq!(target(Unit::OutpatientCoded), 20.0);
    let who = |n: &str| p.users.iter().find(|u| u.user == n).expect(n);
    let line = |n: &str, unit: Unit| {
        who(n)
            .units
            .iter()
            .find(|l| l.unit == unit)
            .cloned()
            .expect("line")
    };
    // Tina: 4 distinct charts / 2 h = 2 per hour; 2 / 10 = 20 %.
    let t = line("tina", Unit::RecordsAnalyzed);
    assert_eq!((t.units, t.per_hour), (4, Some(2.0)));
    assert!((t.percent_of_target.expect("pct") - 20.0).abs() < 1e-9);
    assert_eq!(who("tina").role, "technician");
    // Carl: 5 IP / 4 h = 1.25 (50 % of 2.5); 20 OP / 4 h = 5 (25 % of 20); earned 5/2.5 +
    // 20/20 = 3 target hours of 4 = 75 %.
    let ip = line("carl", Unit::InpatientCoded);
    let op = line("carl", Unit::OutpatientCoded);
    assert_eq!((ip.units, ip.per_hour), (5, Some(1.25)));
    assert_eq!((op.units, op.per_hour), (20, Some(5.0)));
    assert!((ip.percent_of_target.expect("ip") - 50.0).abs() < 1e-9);
    assert!((op.percent_of_target.expect("op") - 25.0).abs() < 1e-9);
    assert!((who("carl").target_hours_earned - 3.0).abs() < 1e-9);
    assert!((who("carl").percent_of_target.expect("overall") - 75.0).abs() < 1e-9);
    // Rita: 2 requests, 150 pages in the period (the November release is outside it), no
    // hours: no rate, never inferred.
    assert_eq!(line("rita", Unit::RequestsReleased).units, 2);
    assert_eq!(line("rita", Unit::PagesReleased).units, 150);
    assert_eq!(who("rita").hours, None);
    assert_eq!(line("rita", Unit::RequestsReleased).per_hour, None);
    assert_eq!(p.hours_not_entered, vec!["rita".to_string()]);
    // The system actor's work is excluded, listed with its units, never a person's row.
    assert!(p.users.iter().all(|u| !u.user.starts_with("system")));
    assert_eq!(p.excluded.len(), 1);
    assert_eq!(p.excluded[0].actor, "system:coding:unknown");
    assert_eq!(
        (p.excluded[0].unit, p.excluded[0].units),
        (Unit::InpatientCoded, 3)
    );
    // The report read is audited; a technician may not read it.
    let audited = count(
        &store,
        "SELECT count(*) FROM audit_log WHERE entity_type = 'report' AND entity_id = 'productivity' AND subtype = 'query'",
    );
    assert_eq!(audited, 1);
    let tina = user(&store, "tina", Role::Technician);
    assert!(matches!(
        report::run(
            &mut store,
            &tina,
            Request::Productivity {
                from: None,
                to: None
            }
        ),
        Err(CoreError::Denied { .. })
    ));
    // The dashboard tile: Thursday 2026-12-03 is in the week of Monday 2026-11-30.
    let tile = productivity::throughput_tile(store.conn(), day("2026-12-03")).expect("tile");
    let carl = tile.iter().find(|t| t.user == "carl").expect("carl");
    assert_eq!((carl.today_units, carl.week_units), (25, 25));
    assert_eq!(carl.today_hours, Some(4.0));
    assert!((carl.week_percent.expect("pct") - 75.0).abs() < 1e-9);
    let rita = tile.iter().find(|t| t.user == "rita").expect("rita");
    assert_eq!((rita.week_units, rita.week_hours), (2, None));
    let next_day = productivity::throughput_tile(store.conn(), day("2026-12-04")).expect("tile");
    let carl = next_day.iter().find(|t| t.user == "carl").expect("carl");
    assert_eq!((carl.today_units, carl.week_units), (0, 25));
}

/// The throughput tile reads the week once and buckets today's rows on the way: on every day
/// of the fixture's week it equals the week's and the day's reports read apart.
#[test]
fn the_throughput_tile_equals_the_week_and_the_day_read_apart() {
    use chrono::Datelike;
    let dir = tempfile::tempdir().expect("dir");
    let db = fixture(dir.path());
    let store = Store::open(&db).expect("open");
    let earned = |u: &productivity::UserProductivity| -> i64 {
        u.units
            .iter()
            .filter(|l| l.unit != Unit::PagesReleased)
            .map(|l| l.units)
            .sum()
    };
    for d in [
        "2026-11-30",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-06",
    ] {
        let today = day(d);
        let monday = today - chrono::Days::new(today.weekday().num_days_from_monday() as u64);
        let week = productivity::read(store.conn(), monday, today).expect("week");
        let on_day = productivity::read(store.conn(), today, today).expect("day");
        let tile = productivity::throughput_tile(store.conn(), today).expect("tile");
        assert_eq!(tile.len(), week.users.len(), "users on {d}");
        for w in &week.users {
            let t = tile.iter().find(|t| t.user == w.user).expect("user");
            let dy = on_day.users.iter().find(|u| u.user == w.user);
            assert_eq!(
                (t.week_units, t.week_hours, t.week_percent),
                (earned(w), w.hours, w.percent_of_target),
                "{} week of {d}",
                w.user
            );
            assert_eq!(
                (t.today_units, t.today_hours, t.today_percent),
                (
                    dy.map_or(0, earned),
                    dy.and_then(|u| u.hours),
                    dy.and_then(|u| u.percent_of_target)
                ),
                "{} on {d}",
                w.user
            );
        }
    }
}

/// The CLI on one database, acting as a demo user (`--password-stdin`, `--as` the user).
struct Cli<'a>(&'a std::path::Path);

impl Cli<'_> {
    fn run(&self, name: &str, args: &[&str]) -> assert_cmd::assert::Assert {
        let mut c = Command::cargo_bin("chartdesk").expect("binary");
        c.arg("--db")
            .arg(self.0)
            .env_remove("CHARTDESK_DB")
            .arg("--password-stdin")
            .write_stdin(format!("password-{name}\n"))
            .args(args)
            .args(["--as", name]);
        c.assert()
    }

    /// Succeeds; its stdout.
    fn ok(&self, name: &str, args: &[&str]) -> String {
        let out = self.run(name, args).success();
        String::from_utf8_lossy(&out.get_output().stdout).to_string()
    }

    /// Fails; its stderr.
    fn fails(&self, name: &str, args: &[&str]) -> String {
        let out = self.run(name, args).failure();
        String::from_utf8_lossy(&out.get_output().stderr).to_string()
    }
}

#[test]
fn cli_enters_hours_as_users_and_prints_the_report() {
    let dir = tempfile::tempdir().expect("dir");
    let db = fixture(dir.path());
    let cli = Cli(&db);
    let text = cli.ok(
        "carl",
        &["hours", "enter", "--date", "2026-12-02", "--hours", "7.5"],
    );
    assert!(text.contains("carl 2026-12-02: 7.5 h entered"), "{text}");
    // Someone else's hours: refused for a coder.
    let err = cli.fails(
        "carl",
        &[
            "hours",
            "enter",
            "--date",
            "2026-12-02",
            "--hours",
            "8",
            "--user",
            "tina",
        ],
    );
    assert!(err.contains("permission denied"), "{err}");
    // A bad value names the field.
    let err = cli.fails("carl", &["hours", "enter", "--hours", "30"]);
    assert!(err.contains("hours: 30"), "{err}");
    // The supervisor corrects it.
    let text = cli.ok(
        "sam",
        &[
            "hours",
            "enter",
            "--date",
            "2026-12-02",
            "--hours",
            "8",
            "--user",
            "carl",
        ],
    );
    assert!(text.contains("7.5 h corrected to 8 h"), "{text}");
    let period = ["--from", "2026-12-01", "--to", "2026-12-03"];
    let csv = cli.ok(
        "sam",
        &[
            &["report", "productivity"][..],
            &period,
            &["--format", "csv"],
        ]
        .concat(),
    );
    // Carl: 4 + 8 = 12 h; 5 IP / 12 h.
    assert!(
        csv.contains("user,carl,coder,inpatient coded,5,12.00,0.42,2.50,16.7"),
        "{csv}"
    );
    assert!(
        csv.contains("user,rita,roi,requests released,2,hours not entered"),
        "{csv}"
    );
    assert!(
        csv.contains("excluded,system:coding:unknown,system,inpatient coded,3"),
        "{csv}"
    );
    let table = cli.ok("sam", &[&["report", "productivity"][..], &period].concat());
    assert!(table.contains("hours not entered"), "{table}");
    assert!(table.contains("Excluded, system actors"), "{table}");
    cli.fails("tina", &["report", "productivity"]);
    let out = cli.ok(
        "carl",
        &[
            "hours",
            "list",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-04",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
}
