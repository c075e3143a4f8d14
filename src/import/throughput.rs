//! Import throughput for `chartdesk bench`: parse-only vs end-to-end on the same files, in the
//! same run. End-to-end includes matching, writes, audit rows and one durable commit per file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::audit::Actor;
use crate::error::CoreError;
use crate::store::{Store, StoreError};

/// Measured rates. `*_per_s` are items per second of wall time.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Throughput {
    pub fhir_files: usize,
    pub fhir_bytes: u64,
    pub fhir_resources: usize,
    pub fhir_parse_s: f64,
    pub fhir_import_s: f64,
    pub fhir_parse_resources_per_s: f64,
    pub fhir_import_resources_per_s: f64,
    pub hl7_files: usize,
    pub hl7_messages: usize,
    pub hl7_parse_s: f64,
    pub hl7_import_s: f64,
    pub hl7_parse_messages_per_s: f64,
    pub hl7_import_messages_per_s: f64,
}

/// Time parse-only, then a full import into a new database `db` (must not exist), of every
/// `*.json` (FHIR) and `*.hl7`/`*.txt` (HL7) file under `paths`. Rejected files still count
/// their parse time; rates count only what parsed.
pub fn throughput(paths: &[PathBuf], db: &Path) -> Result<Throughput, CoreError> {
    let regular = |v: Vec<super::Entry>| -> Vec<PathBuf> { v.into_iter().flatten().collect() };
    let fhir = regular(super::collect_files(paths, &["json"])?);
    let hl7 = regular(super::collect_files(paths, &["hl7", "txt"])?);
    let load = |files: &[PathBuf]| -> Result<Vec<Vec<u8>>, CoreError> {
        files
            .iter()
            .map(|f| {
                std::fs::read(f).map_err(|source| {
                    CoreError::Store(StoreError::Io {
                        path: f.clone(),
                        source,
                    })
                })
            })
            .collect()
    };
    let (fb, hb) = (load(&fhir)?, load(&hl7)?);
    let mut t = Throughput {
        fhir_files: fhir.len(),
        hl7_files: hl7.len(),
        fhir_bytes: fb.iter().map(|b| b.len() as u64).sum(),
        ..Throughput::default()
    };
    let start = Instant::now();
    for b in &fb {
        t.fhir_resources += super::parse_fhir(b, "bench").map_or(0, |v| v.len());
    }
    t.fhir_parse_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for b in &hb {
        t.hl7_messages += super::parse_hl7(b, "bench").map_or(0, |v| v.len());
    }
    t.hl7_parse_s = start.elapsed().as_secs_f64();

    let mut store = Store::open_or_create(db)?;
    let actor = Actor::system("bench");
    let start = Instant::now();
    super::import_fhir(&mut store, &actor, &fhir, &mut |_, _| {})?;
    t.fhir_import_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    super::import_hl7(&mut store, &actor, &hl7, &mut |_, _| {})?;
    t.hl7_import_s = start.elapsed().as_secs_f64();
    let rate = |n: usize, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
    t.fhir_parse_resources_per_s = rate(t.fhir_resources, t.fhir_parse_s);
    t.fhir_import_resources_per_s = rate(t.fhir_resources, t.fhir_import_s);
    t.hl7_parse_messages_per_s = rate(t.hl7_messages, t.hl7_parse_s);
    t.hl7_import_messages_per_s = rate(t.hl7_messages, t.hl7_import_s);
    Ok(t)
}
