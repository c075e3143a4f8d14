//! Issue #15: every dashboard figure equals the report behind it, whether the delinquency
//! trend's closed months come from the stored `dashboard_month_end` rows (migration 0018) or
//! are recounted; back-dated data removes the stored days it changes (the migration's
//! triggers) while ordinary work today removes none; the duplicate-rate tile shows what
//! `report duplicates` computed.

use std::sync::Arc;

use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::deficiency::ops::{self, AnalyzeScope};
use chartdesk::report::dashboard::{self, Dashboard};
use chartdesk::store::Store;
use chrono::{NaiveDate, TimeZone, Utc};

const NOW: &str = "2026-11-20T15:00:00Z";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("d")
}

fn generated(dir: &std::path::Path) -> Store {
    let mut store = Store::open_or_create(&dir.join("g.db")).expect("open");
    let t = Utc
        .with_ymd_and_hms(2026, 11, 20, 15, 0, 0)
        .single()
        .expect("t");
    store.set_clock(Arc::new(move || t));
    let actor = Actor::system("test");
    chartdesk::demo::generate(
        &mut store,
        &actor,
        &chartdesk::demo::GenSpec {
            seed: 11,
            encounters: 600,
            today: today(),
        },
    )
    .expect("gen");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed).expect("analyse");
    store
}

/// Every trend point against the recount (and the discharges against a raw count of the
/// encounters); the open month against today's delinquency report.
fn assert_equal_to_reports(store: &Store, d: &Dashboard) {
    let conn = store.conn();
    let days = dashboard::trend_days(today());
    assert_eq!(d.delinquency_trend.len(), days.len() + 1);
    for (p, day) in d.delinquency_trend.iter().zip(&days) {
        let r = dashboard::delinquency_as_of(conn, *day).expect("recount");
        assert_eq!(p.rate_percent, r.rate_percent, "month-end {day}");
        let from = day
            .checked_sub_months(chrono::Months::new(r.months as u32))
            .expect("from");
        let raw: i64 = conn
            .query_row(
                "SELECT count(*) FROM encounters WHERE discharge_at >= ?1 AND discharge_at < ?2",
                [from.to_string(), day.to_string()],
                |r| r.get(0),
            )
            .expect("raw");
        assert_eq!(r.discharges_in_period, raw, "discharges before {day}");
    }
    let now = chartdesk::report::delinquency::read(conn, today()).expect("report");
    assert_eq!(d.delinquency, now.delinquency);
    assert_eq!(
        d.delinquency_trend.last().expect("last").rate_percent,
        now.delinquency.rate_percent
    );
}

fn stored(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT count(*) FROM dashboard_month_end", [], |r| r.get(0))
        .expect("count")
}

fn change(store: &mut Store, sql: &str) -> usize {
    store
        .transact(&Actor::system("test"), |tx, audit| {
            let n = tx.execute(sql, [])?;
            audit.record(Event::new(
                Action::Update,
                Subtype::Update,
                "test",
                "change",
            ));
            Ok::<_, chartdesk::CoreError>(n)
        })
        .expect("change")
}

#[test]
fn trend_months_stored_or_recounted_equal_the_report_and_back_dated_data_drops_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = generated(dir.path());
    let actor = Actor::system("test");
    let recounted = dashboard::read(store.conn(), today(), NOW).expect("read");
    assert_equal_to_reports(&store, &recounted);
    assert!(
        recounted
            .delinquency_trend
            .iter()
            .any(|p| p.rate_percent.is_some_and(|v| v > 0.0)),
        "the generated history has delinquency to show: {:?}",
        recounted.delinquency_trend
    );

    let written =
        dashboard::store_missing_month_ends(&mut store, &actor, today(), NOW).expect("store");
    assert_eq!(written.len(), 11);
    assert!(dashboard::month_ends_stored(store.conn(), today()).expect("stored"));
    let warm = dashboard::read(store.conn(), today(), NOW).expect("read");
    assert_eq!(warm.delinquency_trend, recounted.delinquency_trend);
    assert!(
        dashboard::store_missing_month_ends(&mut store, &actor, today(), NOW)
            .expect("again")
            .is_empty(),
        "nothing to store twice"
    );

    // Ordinary work today moves no closed month: completing an open deficiency now keeps
    // every stored day.
    let n = change(
        &mut store,
        "UPDATE deficiencies SET status = 'completed', closed_at = '2026-11-20T15:00:00Z'
          WHERE id = (SELECT min(id) FROM deficiencies WHERE status = 'open')",
    );
    assert_eq!(n, 1);
    assert_eq!(stored(&store), 11);
    assert_equal_to_reports(
        &store,
        &dashboard::read(store.conn(), today(), NOW).expect("read"),
    );

    // Back-dated: voiding a deficiency that was open at past month-ends removes those days.
    let n = change(
        &mut store,
        "UPDATE deficiencies SET status = 'void'
          WHERE id = (SELECT min(id) FROM deficiencies WHERE status = 'open' AND assigned_at < '2026-08-31')",
    );
    assert_eq!(
        n, 1,
        "the history has a deficiency open since before August"
    );
    assert!(stored(&store) < 11, "voided history drops the stored days");
    assert_equal_to_reports(
        &store,
        &dashboard::read(store.conn(), today(), NOW).expect("read"),
    );

    // Back-dated: an encounter's discharge moved into the past.
    dashboard::store_missing_month_ends(&mut store, &actor, today(), NOW).expect("store");
    assert_eq!(stored(&store), 11);
    let n = change(
        &mut store,
        "UPDATE encounters SET discharge_at = '2026-02-10T10:00:00Z'
          WHERE id = (SELECT max(id) FROM encounters WHERE discharge_at > '2026-11-01')",
    );
    assert_eq!(n, 1);
    assert!(
        stored(&store) < 11,
        "a back-dated discharge drops the later days"
    );
    assert_equal_to_reports(
        &store,
        &dashboard::read(store.conn(), today(), NOW).expect("read"),
    );

    // A settings change: the stored rows no longer hold and the figures are recounted.
    dashboard::store_missing_month_ends(&mut store, &actor, today(), NOW).expect("store");
    change(
        &mut store,
        "INSERT OR REPLACE INTO settings(key, value, updated_at, updated_by)
         VALUES ('record_delinquent_days', '45', '2026-11-20T15:00:00Z', 'test')",
    );
    assert!(!dashboard::month_ends_stored(store.conn(), today()).expect("stored"));
    assert_equal_to_reports(
        &store,
        &dashboard::read(store.conn(), today(), NOW).expect("read"),
    );
}

#[test]
fn the_duplicate_tile_shows_what_report_duplicates_computed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = generated(dir.path());
    let actor = Actor::system("test");
    assert_eq!(
        dashboard::read(store.conn(), today(), NOW)
            .expect("read")
            .duplicate_rate,
        None
    );
    let r = chartdesk::mpi::dup_report::report(&mut store, &actor, &Default::default())
        .expect("report duplicates");
    let d = dashboard::read(store.conn(), today(), NOW).expect("read");
    let cached = d.duplicate_rate.expect("cached");
    assert_eq!(cached.rate, r.duplicate_rate);
    assert!(
        cached.computed_by.ends_with("(report duplicates)"),
        "{}",
        cached.computed_by
    );
    assert_eq!(d.duplicate_rate_age_minutes, Some(0));
}

// ---- Migration 0022: the aging/provider and coding tiles' maintained counters ----

use chartdesk::coding::hold::HoldPolicy;
use chartdesk::coding::queue::{self, CodingFilter, CodingList};

/// Each maintained table (rows with a count) beside the same figures recounted from the
/// deficiencies and encounters.
const COUNTERS: &[(&str, &str, &str)] = &[
    (
        "dash_provider_day",
        "SELECT provider_key, dday, aday, n FROM dash_provider_day WHERE n <> 0 ORDER BY 1, 2, 3",
        "SELECT COALESCE(d.provider_id, 0), COALESCE(substr(e.discharge_at, 1, 10), ''), substr(d.assigned_at, 1, 10), count(*)
           FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
          WHERE d.status NOT IN ('completed','waived','void') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    ),
    (
        "dash_provider_enc",
        "SELECT provider_key, dday, n FROM dash_provider_enc WHERE n <> 0 ORDER BY 1, 2",
        "SELECT COALESCE(d.provider_id, 0), COALESCE(substr(e.discharge_at, 1, 10), ''), count(DISTINCT e.id)
           FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
          WHERE d.status NOT IN ('completed','waived','void') GROUP BY 1, 2 ORDER BY 1, 2",
    ),
    (
        "dash_hold_reason",
        "SELECT kind, rule, n FROM dash_hold_reason WHERE n <> 0 ORDER BY 1, 2",
        "SELECT d.kind, d.rule, count(DISTINCT e.id)
           FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
          WHERE d.status NOT IN ('completed','waived','void')
            AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL
          GROUP BY 1, 2 ORDER BY 1, 2",
    ),
    (
        "dash_coding_held",
        "SELECT policy, n FROM dash_coding_held ORDER BY 1",
        "SELECT 'ALL', count(DISTINCT e.id) FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
          WHERE d.status NOT IN ('completed','waived','void') AND d.kind <> 'QUERY'
            AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL
         UNION ALL
         SELECT 'CRITICAL', count(DISTINCT e.id) FROM deficiencies d JOIN encounters e ON e.id = d.encounter_id
          WHERE d.status NOT IN ('completed','waived','void') AND d.kind IN ('MISS_DS','MISS_OP','MISS_HP')
            AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL",
    ),
];

fn rows(store: &Store, sql: &str) -> Vec<Vec<String>> {
    let conn = store.conn();
    let mut st = conn.prepare(sql).expect("prepare");
    let n = st.column_count();
    st.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    v => format!("{v:?}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .expect("query")
    .collect::<Result<Vec<_>, _>>()
    .expect("rows")
}

/// Every counter table equals its recount; no count below zero; the tiles equal the reports'
/// recounts (by provider, held reasons, queue and held totals under every policy).
fn assert_counters_exact(store: &Store, what: &str) {
    for (table, kept, recount) in COUNTERS {
        assert_eq!(
            rows(store, kept),
            rows(store, recount),
            "{table} after {what}"
        );
        let negative: i64 = store
            .conn()
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE n < 0"),
                [],
                |r| r.get(0),
            )
            .expect("negative");
        assert_eq!(negative, 0, "{table} below zero after {what}");
    }
    let conn = store.conn();
    for day in [
        today(),
        today() - chrono::Days::new(45),
        today() + chrono::Days::new(20),
    ] {
        assert_eq!(
            chartdesk::deficiency::report::by_provider(conn, day).expect("by provider"),
            chartdesk::deficiency::report::by_provider_scan(conn, day).expect("scan"),
            "by provider on {day} after {what}"
        );
    }
    assert_eq!(
        chartdesk::coding::report::held_reasons(conn).expect("held"),
        chartdesk::coding::report::held_reasons_scan(conn).expect("held scan"),
        "held reasons after {what}"
    );
    let all = CodingFilter::default();
    for policy in [HoldPolicy::None, HoldPolicy::Critical, HoldPolicy::All] {
        for list in [CodingList::Queue, CodingList::Held] {
            assert_eq!(
                queue::list_total(conn, policy, list, &all).expect("total"),
                queue::list_total_scan(conn, policy, list, &all).expect("scan"),
                "{list:?} total under {policy:?} after {what}"
            );
        }
    }
    let d = dashboard::read(conn, today(), NOW).expect("read");
    let mut top = chartdesk::deficiency::report::by_provider_scan(conn, today()).expect("scan");
    top.truncate(5);
    assert_eq!(d.top_providers, top, "top providers after {what}");
    let (policy, held) = chartdesk::coding::report::held_reasons_scan(conn).expect("held");
    assert_eq!(d.held_for_documentation, held, "held tile after {what}");
    assert_eq!(
        d.coding_backlog,
        queue::list_total_scan(conn, policy, CodingList::Queue, &all).expect("queue"),
        "coding backlog after {what}"
    );
    assert_eq!(
        d.pending_waivers,
        one(
            store,
            "SELECT count(*) FROM deficiencies NOT INDEXED WHERE waive_pending = 1
               AND status NOT IN ('completed','waived','void')"
        ),
        "pending waivers after {what}"
    );
    assert_eq!(
        d.aging_by_kind,
        chartdesk::deficiency::report::aging_by_kind_scan(conn, today()).expect("aging"),
        "aging after {what}"
    );
}

fn change_batch(store: &mut Store, sql: &str) {
    let r = store.transact(&Actor::system("test"), |tx, audit| {
        tx.execute_batch(sql)?;
        audit.record(Event::new(
            Action::Update,
            Subtype::Update,
            "test",
            "change",
        ));
        Ok::<_, chartdesk::CoreError>(())
    });
    if let Err(e) = r {
        panic!("{sql}: {e}");
    }
}

fn one(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).expect("one")
}

#[test]
fn provider_and_coding_counters_follow_every_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = generated(dir.path());
    assert_counters_exact(&store, "generation and analysis");
    let d = dashboard::read(store.conn(), today(), NOW).expect("read");
    assert!(
        !d.top_providers.is_empty() && d.top_providers[0].delinquent > 0,
        "the generated data has delinquent providers: {:?}",
        d.top_providers
    );
    assert!(d.coding_backlog > 0, "a coding queue to count");

    // An eligible encounter (ready to code, discharged) gets a new critical deficiency.
    let enc = one(
        &store,
        "SELECT min(id) FROM encounters WHERE coding_status = 'ready' AND discharge_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM deficiencies d WHERE d.encounter_id = encounters.id
                            AND d.status NOT IN ('completed','waived','void'))",
    );
    let prov = one(&store, "SELECT min(id) FROM providers");
    let prov2 = one(&store, "SELECT max(id) FROM providers");
    let ins = |slot: &str, kind: &str, p: String, day: &str| {
        format!(
            "INSERT INTO deficiencies(encounter_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, rule)
             VALUES ({enc}, '{slot}', '{kind}', {p}, 'open', '{day}T09:00:00', '{day}T09:00:00', '{day}T09:00:00', 'R-{kind}')"
        )
    };
    let before = queue::list_total(
        store.conn(),
        HoldPolicy::Critical,
        CodingList::Held,
        &CodingFilter::default(),
    )
    .expect("held");
    change(
        &mut store,
        &ins("t1", "MISS_DS", prov.to_string(), "2026-09-01"),
    );
    assert_counters_exact(&store, "an insert");
    assert_eq!(
        queue::list_total(
            store.conn(),
            HoldPolicy::Critical,
            CodingList::Held,
            &CodingFilter::default()
        )
        .expect("held"),
        before + 1,
        "a missing discharge summary holds the encounter (COD-20)"
    );
    change(
        &mut store,
        &ins("t2", "MISS_OP", prov2.to_string(), "2026-11-19"),
    );
    change(
        &mut store,
        &ins("t3", "UNSIGNED", "NULL".into(), "2026-10-02"),
    );
    change(
        &mut store,
        &ins("t4", "QUERY", prov.to_string(), "2026-11-01"),
    );
    assert_counters_exact(&store, "more inserts on one encounter");

    let def = |slot: &str| format!("encounter_id = {enc} AND slot = '{slot}'");
    for (what, sql) in [
        ("an open → signed step", format!("UPDATE deficiencies SET status = 'signed' WHERE {}", def("t1"))),
        ("a completion", format!("UPDATE deficiencies SET status = 'completed', closed_at = '2026-11-20T10:00:00' WHERE {}", def("t1"))),
        ("a void", format!("UPDATE deficiencies SET status = 'void' WHERE {}", def("t2"))),
        ("a re-assignment to another provider", format!("UPDATE deficiencies SET provider_id = {prov2} WHERE {}", def("t3"))),
        ("a re-assignment to nobody", format!("UPDATE deficiencies SET provider_id = NULL WHERE {}", def("t4"))),
        ("a new assigned day", format!("UPDATE deficiencies SET assigned_at = '2026-06-30T08:00:00' WHERE {}", def("t3"))),
        ("a waiver pending approval", format!("UPDATE deficiencies SET waive_pending = 1 WHERE {}", def("t3"))),
        ("a waiver", format!("UPDATE deficiencies SET status = 'waived' WHERE {}", def("t3"))),
        ("a closed one reopened", format!("UPDATE deficiencies SET status = 'open' WHERE {}", def("t2"))),
        ("the encounter coded", format!("UPDATE encounters SET coding_status = 'coded' WHERE id = {enc}")),
        ("the encounter back to ready", format!("UPDATE encounters SET coding_status = 'ready' WHERE id = {enc}")),
        ("the discharge moved", format!("UPDATE encounters SET discharge_at = '2026-05-03T12:00:00' WHERE id = {enc}")),
        ("the discharge undone", format!("UPDATE encounters SET discharge_at = NULL WHERE id = {enc}")),
        ("discharged again", format!("UPDATE encounters SET discharge_at = '2026-11-18T12:00:00', coding_status = 'in_progress' WHERE id = {enc}")),
        ("a deficiency deleted", format!("DELETE FROM deficiencies WHERE {}", def("t4"))),
        ("bulk completion", "UPDATE deficiencies SET status = 'completed' WHERE id IN (SELECT id FROM deficiencies WHERE status = 'open' ORDER BY id LIMIT 25)".to_string()),
        ("bulk re-assignment", format!("UPDATE deficiencies SET provider_id = {prov} WHERE id IN (SELECT id FROM deficiencies WHERE status = 'open' ORDER BY id DESC LIMIT 25)")),
        ("bulk coding", "UPDATE encounters SET coding_status = 'coded' WHERE id IN (SELECT id FROM encounters WHERE coding_status = 'ready' ORDER BY id LIMIT 30)".to_string()),
    ] {
        change(&mut store, &sql);
        assert_counters_exact(&store, what);
    }

    // Encounter deletes: deficiencies first, then the encounter; and the encounter first (its
    // rows deferred to the commit).
    let fresh = |id: i64| {
        format!(
            "INSERT INTO encounters(id, visit_number, patient_id, kind, admit_at, discharge_at, him_status, coding_status)
             VALUES ({id}, 'T{id}', (SELECT min(id) FROM patients), 'inpatient', '2026-10-01T08:00:00', '2026-10-05T08:00:00', 'incomplete', 'ready');
             INSERT INTO deficiencies(encounter_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, rule)
             VALUES ({id}, 'a', 'MISS_HP', {prov}, 'open', '2026-10-06T09:00:00', '2026-10-06T09:00:00', '2026-10-06T09:00:00', 'REQ-HP'),
                    ({id}, 'b', 'UNSIGNED', {prov2}, 'open', '2026-10-06T09:00:00', '2026-10-06T09:00:00', '2026-10-06T09:00:00', 'REQ-SIG');"
        )
    };
    change_batch(&mut store, &fresh(900_001));
    change_batch(&mut store, &fresh(900_002));
    assert_counters_exact(&store, "two new encounters");
    change_batch(
        &mut store,
        "DELETE FROM deficiencies WHERE encounter_id = 900001; DELETE FROM encounters WHERE id = 900001;",
    );
    assert_counters_exact(&store, "an encounter deleted after its deficiencies");
    change_batch(
        &mut store,
        "PRAGMA defer_foreign_keys = ON; DELETE FROM encounters WHERE id = 900002; DELETE FROM deficiencies WHERE encounter_id = 900002;",
    );
    assert_counters_exact(&store, "an encounter deleted before its deficiencies");

    // The policy in force decides the held tile.
    for policy in ["ALL", "NONE", "CRITICAL"] {
        change(
            &mut store,
            &format!(
                "INSERT OR REPLACE INTO settings(key, value, updated_at, updated_by)
                 VALUES ('coding_hold_policy', '{policy}', '2026-11-20T15:00:00Z', 'test')"
            ),
        );
        assert_counters_exact(&store, &format!("policy {policy}"));
    }
}

/// A small xorshift: the property test's operations are random but repeatable per seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.next(v.len() as u64) as usize]
    }
}

/// Property: after any sequence of inserts, status changes, re-assignments, deletes and
/// encounter changes (made in raw SQL, so not only the paths the application takes), every
/// counter equals its recount.
#[test]
fn counters_equal_recounts_after_random_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("p.db")).expect("open");
    let actor = Actor::system("test");
    chartdesk::demo::generate(
        &mut store,
        &actor,
        &chartdesk::demo::GenSpec {
            seed: 5,
            encounters: 150,
            today: today(),
        },
    )
    .expect("gen");
    ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed).expect("analyse");
    let max_enc = one(&store, "SELECT max(id) FROM encounters");
    let max_prov = one(&store, "SELECT max(id) FROM providers");
    let kinds = [
        "MISS_DS", "MISS_OP", "MISS_HP", "UNSIGNED", "QUERY", "MISS_PN",
    ];
    let statuses = [
        "open",
        "open",
        "signed",
        "dictated",
        "completed",
        "waived",
        "void",
    ];
    let coding = [
        "not_ready",
        "ready",
        "in_progress",
        "on_hold_query",
        "coded",
        "final_billed",
    ];
    let days = [
        "2026-03-31",
        "2026-08-15",
        "2026-10-30",
        "2026-11-19",
        "2026-11-20",
    ];
    for seed in [0x9E37_79B9_7F4A_7C15u64, 0xD1B5_4A32_D192_ED03, 42] {
        let mut rng = Rng(seed);
        let mut fresh = Vec::new();
        for step in 0..120 {
            let enc = 1 + rng.next(max_enc as u64) as i64;
            let prov = match rng.next(5) {
                0 => "NULL".to_string(),
                _ => (1 + rng.next(max_prov as u64)).to_string(),
            };
            let any_def = "(SELECT id FROM deficiencies ORDER BY id LIMIT 1 OFFSET (abs(random()) % (SELECT count(*) FROM deficiencies)))";
            let sql = match rng.next(10) {
                0 | 1 => format!(
                    "INSERT INTO deficiencies(encounter_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, rule)
                     VALUES ({enc}, 'p{seed}-{step}', '{k}', {prov}, '{s}', '{d}T01:00:00', '{d}T01:00:00', '{d}T01:00:00', '{r}')",
                    k = rng.pick(&kinds),
                    s = rng.pick(&statuses),
                    d = rng.pick(&days),
                    r = rng.pick(&["REQ-A", "REQ-B"]),
                ),
                2 => format!("UPDATE deficiencies SET status = '{}' WHERE id = {any_def}", rng.pick(&statuses)),
                3 => format!("UPDATE deficiencies SET provider_id = {prov} WHERE id = {any_def}"),
                4 => format!(
                    "UPDATE OR IGNORE deficiencies SET assigned_at = '{}T05:00:00', kind = '{}' WHERE id = {any_def}",
                    rng.pick(&days),
                    rng.pick(&kinds)
                ),
                5 => "DELETE FROM deficiencies WHERE id = (SELECT max(id) FROM deficiencies WHERE slot LIKE 'p%')".to_string(),
                6 => format!(
                    "UPDATE encounters SET coding_status = '{}' WHERE id = {enc}",
                    rng.pick(&coding)
                ),
                7 => match rng.next(3) {
                    0 => format!("UPDATE encounters SET discharge_at = NULL WHERE id = {enc}"),
                    _ => format!(
                        "UPDATE encounters SET discharge_at = '{}T10:00:00' WHERE id = {enc}",
                        rng.pick(&days)
                    ),
                },
                8 => {
                    let id = 800_000 + step as i64 + 1000 * (seed % 7) as i64;
                    fresh.push(id);
                    format!(
                        "INSERT INTO encounters(id, visit_number, patient_id, kind, admit_at, discharge_at, him_status, coding_status)
                         VALUES ({id}, 'P{id}', (SELECT min(id) FROM patients), 'outpatient', '2026-10-01T08:00:00', '{d}T08:00:00', 'incomplete', '{c}');
                         INSERT INTO deficiencies(encounter_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, rule)
                         VALUES ({id}, 'a', '{k}', {prov}, 'open', '{d}T09:00:00', '{d}T09:00:00', '{d}T09:00:00', 'REQ-A');",
                        d = rng.pick(&days),
                        c = rng.pick(&coding),
                        k = rng.pick(&kinds),
                    )
                }
                _ => match fresh.pop() {
                    Some(id) if rng.next(2) == 0 => format!(
                        "DELETE FROM deficiencies WHERE encounter_id = {id}; DELETE FROM encounters WHERE id = {id};"
                    ),
                    Some(id) => format!(
                        "PRAGMA defer_foreign_keys = ON; DELETE FROM encounters WHERE id = {id}; DELETE FROM deficiencies WHERE encounter_id = {id};"
                    ),
                    None => "UPDATE deficiencies SET status = 'completed' WHERE id IN (SELECT id FROM deficiencies WHERE status = 'open' LIMIT 3)".to_string(),
                },
            };
            change_batch(&mut store, &sql);
            assert_counters_exact(&store, &format!("seed {seed:#x} step {step}: {sql}"));
        }
    }
}

/// Migration 0022 on a database that already holds deficiencies (made before it): the
/// counters are back-filled from the rows, equal to the recounts, and kept from then on.
#[test]
fn migration_0022_backfills_the_counters_from_existing_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.db");
    let store = generated(dir.path());
    drop(store);
    {
        let c = rusqlite::Connection::open(&path).expect("raw");
        c.execute_batch(&format!(
            "BEGIN;
             DROP TRIGGER dash_def_ins; DROP TRIGGER dash_def_upd; DROP TRIGGER dash_def_del;
             DROP TRIGGER dash_open_ins; DROP TRIGGER dash_open_upd; DROP TRIGGER dash_open_del;
             DROP TRIGGER dash_enc_dday; DROP TRIGGER dash_enc_eligible; DROP TRIGGER dash_enc_del;
             DROP TRIGGER deficiency_open_del;
             DROP TABLE dash_open; DROP TABLE dash_provider_day; DROP TABLE dash_provider_enc;
             DROP TABLE dash_hold_reason; DROP TABLE dash_coding_held;
             UPDATE deficiencies SET status = 'completed' WHERE id IN (SELECT id FROM deficiencies WHERE status = 'open' LIMIT 10);
             PRAGMA user_version = {};
             COMMIT;",
            // Just before 0022, wherever it sits in the run order (what follows it re-runs).
            chartdesk::store::migrations_before("CREATE TABLE IF NOT EXISTS dash_open")
                .expect("migration 0022")
        ))
        .expect("back to before 0022");
    }
    let mut store = Store::open(&path).expect("migrate");
    let n = one(&store, "SELECT count(*) FROM dash_open");
    assert!(n > 0, "back-filled");
    assert_counters_exact(&store, "the back-fill");
    change(
        &mut store,
        "UPDATE deficiencies SET status = 'void' WHERE id = (SELECT min(id) FROM deficiencies WHERE status = 'open')",
    );
    assert_counters_exact(&store, "a void after the back-fill");
}
