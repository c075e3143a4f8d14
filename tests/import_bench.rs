//! Import throughput on the shared fixtures. Ignored by default; run once in release:
//! `cargo test --release --test import_bench -- --ignored --nocapture`.

#[test]
#[ignore]
fn import_throughput_on_fixtures() {
    let data = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data"));
    if !data.is_dir() {
        eprintln!("NOTICE: {} missing; skipped", data.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let t = chartdesk::import::throughput(
        &[data.join("fhir"), data.join("hl7v2")],
        &dir.path().join("bench.db"),
    )
    .expect("throughput");
    println!("{}", serde_json::to_string_pretty(&t).expect("json"));
}
