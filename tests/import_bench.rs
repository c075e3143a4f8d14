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

/// Parse-only time of a 50 MB note, HL7 OBX and FHIR base64 (linear-time check).
#[test]
#[ignore]
fn fifty_megabyte_note_parse_time() {
    let big = "x".repeat(50 * 1024 * 1024);
    let hl7 = format!(
        "MSH|^~\\&|A|F|||20240101||MDM^T02|1|P|2.5\rPID|1||M1^^^F^MR||DOE^J||19700101\rPV1|1|I\rTXA|1|DS||||||||||U1\rOBX|1|TX|||{big}\r"
    );
    let t = std::time::Instant::now();
    let m = chartdesk::import::parse_hl7(hl7.as_bytes(), "big.hl7").expect("parse");
    println!(
        "HL7 50 MB parse: {:?} ({} segments)",
        t.elapsed(),
        m[0].segments.len()
    );
    let b64: String = {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let whole = &big.as_bytes()[..big.len() / 3 * 3];
        whole
            .chunks(3)
            .flat_map(|c| {
                let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
                (0..4).map(move |i| A[(n >> (18 - 6 * i) & 63) as usize] as char)
            })
            .collect()
    };
    let json = format!(
        r#"{{"resourceType":"DocumentReference","id":"d","docStatus":"final","type":{{"coding":[{{"system":"http://loinc.org","code":"18842-5"}}]}},"date":"2024-01-01","context":{{"encounter":[{{"reference":"Encounter/e"}}]}},"content":[{{"attachment":{{"contentType":"text/plain","data":"{b64}"}}}}]}}"#
    );
    let t = std::time::Instant::now();
    chartdesk::import::parse_fhir(json.as_bytes(), "big.json").expect("parse");
    println!(
        "FHIR 50 MB parse (JSON + base64 + UTF-8): {:?}",
        t.elapsed()
    );
}
