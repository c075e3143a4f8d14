//! Timings of the code-set load and the search index, printed (not asserted: timings are
//! measured by `chartdesk bench`, never by unit tests). Run on demand in release:
//! `cargo test --release --test codes_bench -- --ignored --nocapture`.

use chartdesk::audit::Actor;
use chartdesk::codes;
use chartdesk::store::Store;

#[test]
#[ignore = "timing report; run with --release -- --ignored --nocapture"]
fn load_and_search_timings() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = Store::open_or_create(&dir.path().join("bench.db")).expect("db");
    let sum = codes::load_embedded(&mut store, &Actor::system("bench")).expect("load");
    println!("{sum}");
    let again = codes::load_embedded(&mut store, &Actor::system("bench")).expect("again");
    println!("second call: {again} ({} us)", again.elapsed.as_micros());
    let t = std::time::Instant::now();
    let d = codes::show(store.conn(), "E11.65")
        .expect("show")
        .expect("found");
    println!("show E11.65: {} us", t.elapsed().as_micros());
    print!("{}", codes::format_detail(&d));
    let r = codes::bench(store.conn(), 50, 3, &mut std::io::stdout()).expect("bench");
    assert_eq!(r.mismatches, 0);
    let size = std::fs::metadata(dir.path().join("bench.db"))
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(dir.path().join("bench.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!("database + WAL after load: {} MB", size / 1_000_000);
}
