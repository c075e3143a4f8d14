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
