//! The FHIR import driver: a reader thread reads and parses the files in order while this
//! thread writes them. A small file (within [`STREAM_FROM`] and `fhir_transaction_max_mb`) is
//! read whole and applied as before (see `fhir_apply::apply`). A larger file is scanned for
//! its Bundle type first: a transaction Bundle is read whole when it is within
//! `fhir_transaction_max_mb` (it is atomic) and rejected otherwise; any other Bundle is
//! streamed: its entries are parsed one at a time and sent in chunks to the writer, which
//! commits them in groups (`fhir_apply::Streamed`). Memory is bounded by the chunk queue, one
//! group and the reference index, whatever the file's size; past the setting `fhir_spill_after_entries`
//! entries the index and the entries set aside move to a temporary file (`fhir_spill`). An
//! NDJSON file (FHIR Bulk Data) is always streamed, one resource per line.

use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;
use std::sync::mpsc::SyncSender;

use super::fhir::{self, ParsedResource};
use super::fhir_apply::{self, Streamed};
use super::{Entry, FileFail, FileOutcome, ImportError, ImportSummary, Limits, display_name};
use crate::audit::Actor;
use crate::error::CoreError;
use crate::store::Store;

/// Files larger than this (or than `fhir_transaction_max_mb`, if smaller) are streamed.
const STREAM_FROM: u64 = 4 * 1024 * 1024;

/// Entries per chunk sent from the reader to the writer.
const CHUNK: usize = 256;

/// Entries a streamed file must have before its first group is written: a Bundle with no
/// more entries is written whole (one transaction, all-or-nothing) as a small file is.
const WHOLE_UP_TO: usize = fhir_apply::GROUP_START;

enum Ev {
    /// The whole file, parsed (or rejected): (entries, transaction Bundle).
    Whole(Result<(Vec<ParsedResource>, bool), ImportError>),
    /// The next entries of a streamed file.
    Chunk(Vec<ParsedResource>),
    /// An entry of a streamed file that could not be parsed.
    Bad(ImportError),
    /// The end of a streamed file (with the reason it ended early, if it did).
    End(Option<ImportError>),
}

pub(super) fn run(
    store: &mut Store,
    actor: &Actor,
    files: &[Entry],
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, CoreError> {
    let total = files.len();
    // Spill folders a killed import left behind (PHI) go first (issue #17).
    super::fhir_spill::remove_stale(&std::env::temp_dir());
    progress(0, total);
    let budget = limits.write_budget;
    let (max, max_tx) = (limits.max_file_bytes, limits.max_transaction_bytes);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Ev>(4);
        scope.spawn(move || {
            for entry in files {
                let ok = match entry {
                    Ok(file) => read_file(file, &display_name(file), max, max_tx, &tx),
                    Err((_, e)) => tx.send(Ev::Whole(Err(e.clone()))).is_ok(),
                };
                if !ok {
                    break;
                }
            }
        });
        let mut out = Vec::with_capacity(total);
        let mut rx = rx.into_iter();
        for entry in files {
            let file = match entry {
                Ok(f) => f,
                Err((f, _)) => f,
            };
            let name = display_name(file);
            let Some(ev) = rx.next() else { break };
            let result = match ev {
                Ev::Whole(Err(e)) => Err(FileFail::Rejected(e)),
                Ev::Whole(Ok((parsed, atomic))) => {
                    fhir_apply::apply(store, actor, &name, &parsed, atomic, budget)
                }
                Ev::Chunk(first) => stream(
                    store,
                    actor,
                    &name,
                    budget,
                    limits.fhir_spill_after,
                    first,
                    &mut rx,
                ),
                Ev::Bad(e) | Ev::End(Some(e)) => Err(FileFail::Rejected(e)),
                Ev::End(None) => Ok(Default::default()),
            };
            let result = match result {
                Ok(s) => Ok(s),
                Err(FileFail::Rejected(e)) => Err(e),
                Err(FileFail::Fatal(e)) => {
                    return Ok(ImportSummary {
                        files: out,
                        stopped: Some(format!("{name}: {e}")),
                    });
                }
            };
            out.push(FileOutcome {
                file: file.clone(),
                result,
            });
            progress(out.len(), total);
        }
        Ok(ImportSummary {
            files: out,
            stopped: None,
        })
    })
}

/// Write a streamed file: its chunks until its end.
fn stream(
    store: &mut Store,
    actor: &Actor,
    name: &str,
    budget: std::time::Duration,
    spill_after: usize,
    first: Vec<ParsedResource>,
    rx: &mut impl Iterator<Item = Ev>,
) -> Result<super::FileStats, FileFail> {
    let mut s = Streamed::new(name, budget, spill_after);
    s.feed(store, actor, first)?;
    loop {
        match rx.next() {
            Some(Ev::Chunk(v)) => s.feed(store, actor, v)?,
            Some(Ev::Bad(e)) => s.reject(e),
            Some(Ev::End(stop)) => {
                if let Some(e) = stop {
                    s.reject(e);
                }
                return s.finish(store, actor);
            }
            // The reader sends nothing else inside a file; it only stops early on a closed
            // channel.
            Some(Ev::Whole(_)) | None => {
                return Err(FileFail::Rejected(ImportError::new(
                    name,
                    "",
                    "the file's reader stopped before its end",
                )));
            }
        }
    }
}

/// A file reader that skips a UTF-8 byte-order mark.
fn reader(f: &std::fs::File) -> std::io::Result<BufReader<&std::fs::File>> {
    let mut r = BufReader::with_capacity(256 * 1024, f);
    if r.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        r.consume(3);
    }
    Ok(r)
}

/// Read one file and send its events; `false` when the writer has gone.
fn read_file(path: &Path, name: &str, max: u64, max_tx: u64, tx: &SyncSender<Ev>) -> bool {
    let whole = |r: Result<(Vec<ParsedResource>, bool), ImportError>| tx.send(Ev::Whole(r)).is_ok();
    let cannot = |e: std::io::Error| ImportError::new(name, "", format!("cannot read: {e}"));
    let f = match super::open_file(path, name, max) {
        Ok(f) => f,
        Err(e) => return whole(Err(e)),
    };
    let ndjson = path
        .extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| x.eq_ignore_ascii_case("ndjson"));
    if ndjson {
        return read_ndjson(&f, name, tx);
    }
    let len = match f.metadata() {
        Ok(m) => m.len(),
        Err(e) => return whole(Err(cannot(e))),
    };
    let read_whole = |mut f: &std::fs::File| -> Result<Vec<u8>, ImportError> {
        let mut bytes = Vec::new();
        f.rewind().map_err(cannot)?;
        f.read_to_end(&mut bytes).map_err(cannot)?;
        Ok(bytes)
    };
    if len <= STREAM_FROM.min(max_tx) {
        return whole(read_whole(&f).and_then(|bytes| {
            let atomic = fhir::is_transaction_bundle(&bytes);
            fhir::parse_fhir(&bytes, name).map(|p| (p, atomic))
        }));
    }
    // Larger: is it a transaction Bundle? (a scan that keeps nothing)
    let atomic = match reader(&f) {
        Ok(r) => fhir::is_transaction_reader(r),
        Err(e) => return whole(Err(cannot(e))),
    };
    if atomic {
        if len > max_tx {
            return whole(Err(ImportError::new(
                name,
                "",
                format!(
                    "transaction Bundle is {len} bytes; a transaction is applied atomically and the limit is {max_tx} bytes (setting fhir_transaction_max_mb): split it, or send it as a batch"
                ),
            )));
        }
        return whole(
            read_whole(&f).and_then(|bytes| fhir::parse_fhir(&bytes, name).map(|p| (p, true))),
        );
    }
    let r = match (&f).rewind().and_then(|()| reader(&f)) {
        Ok(r) => r,
        Err(e) => return whole(Err(cannot(e))),
    };
    // Entries are held until there are more than WHOLE_UP_TO: a small Bundle (or a parse
    // error before then) is answered whole, as a small file is.
    let mut held: Vec<ParsedResource> = Vec::new();
    let mut streaming = false;
    let mut gone = false;
    let mut first_error: Option<ImportError> = None;
    let mut de = serde_json::Deserializer::from_reader(r);
    let res = fhir::stream_entries(&mut de, name, &mut |e| {
        match e {
            Ok(p) => {
                held.push(p);
                if (streaming && held.len() >= CHUNK) || (!streaming && held.len() > WHOLE_UP_TO) {
                    streaming = true;
                    if tx.send(Ev::Chunk(std::mem::take(&mut held))).is_err() {
                        gone = true;
                        return false;
                    }
                }
            }
            Err(e) if streaming => {
                if tx.send(Ev::Bad(e)).is_err() {
                    gone = true;
                    return false;
                }
            }
            Err(e) => {
                first_error = Some(e);
                return false;
            }
        }
        true
    })
    .and_then(|rt| de.end().map(|()| rt));
    if gone {
        return false;
    }
    if !streaming {
        return match (first_error, res) {
            (Some(e), _) => whole(Err(e)),
            (None, Ok(Some(rt))) if rt == "Bundle" => whole(Ok((held, false))),
            // Not a Bundle, or not JSON: parsed whole, which names what is wrong.
            (None, _) => {
                drop(held);
                whole(
                    read_whole(&f)
                        .and_then(|bytes| fhir::parse_fhir(&bytes, name).map(|p| (p, false))),
                )
            }
        };
    }
    if !held.is_empty() && tx.send(Ev::Chunk(held)).is_err() {
        return false;
    }
    let stop = match res {
        Ok(Some(rt)) if rt == "Bundle" => None,
        Ok(rt) => Some(ImportError::new(
            name,
            "resourceType",
            format!(
                "resourceType is {} after the entries, not Bundle: the entries before were imported",
                rt.as_deref().unwrap_or("missing")
            ),
        )),
        Err(e) => {
            let mut e = fhir::json_error(&e, name);
            e.message.push_str(
                " (the entries before this point were imported; the rest of the file was not read)",
            );
            Some(e)
        }
    };
    tx.send(Ev::End(stop)).is_ok()
}

/// Read an NDJSON file (FHIR Bulk Data: one resource per line), always streamed: each line is
/// one entry (`entry` = its line number); a bad line is listed by number and the others go on.
fn read_ndjson(f: &std::fs::File, name: &str, tx: &SyncSender<Ev>) -> bool {
    // The file is always answered as a stream (its first chunk may be empty).
    if tx.send(Ev::Chunk(Vec::new())).is_err() {
        return false;
    }
    let mut r = match reader(f) {
        Ok(r) => r,
        Err(e) => {
            let e = ImportError::new(name, "", format!("cannot read: {e}"));
            return tx.send(Ev::End(Some(e))).is_ok();
        }
    };
    let mut held: Vec<ParsedResource> = Vec::new();
    let mut buf = Vec::new();
    let mut line = 0usize;
    let stop = loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => break None,
            Ok(_) => {}
            Err(e) => {
                break Some(ImportError::new(
                    name,
                    format!("line {}", line + 1),
                    format!(
                        "cannot read: {e} (the lines before were imported; the rest of the file was not read)"
                    ),
                ));
            }
        }
        line += 1;
        let ev = match std::str::from_utf8(&buf) {
            Err(e) => Some(Ev::Bad(ImportError::new(
                name,
                format!("line {line}"),
                format!("not UTF-8 (byte {})", e.valid_up_to()),
            ))),
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => match fhir::parse_ndjson_line(text, line, name) {
                Ok(p) => {
                    held.push(p);
                    (held.len() >= CHUNK).then(|| Ev::Chunk(std::mem::take(&mut held)))
                }
                Err(e) => Some(Ev::Bad(e)),
            },
        };
        if let Some(ev) = ev {
            // Entries before a bad line go first, so the writer sees them in file order.
            if matches!(ev, Ev::Bad(_))
                && !held.is_empty()
                && tx.send(Ev::Chunk(std::mem::take(&mut held))).is_err()
            {
                return false;
            }
            if tx.send(ev).is_err() {
                return false;
            }
        }
    };
    if !held.is_empty() && tx.send(Ev::Chunk(held)).is_err() {
        return false;
    }
    tx.send(Ev::End(stop)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(i: usize) -> serde_json::Value {
        serde_json::json!({"fullUrl": format!("urn:uuid:d-{i}"), "resource": {"resourceType": "DocumentReference", "id": format!("d{i}"),
            "docStatus": "preliminary", "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3"}]},
            "date": "2024-01-02T09:00:00-05:00", "context": {"encounter": [{"reference": format!("urn:uuid:e-{i}")}]},
            "content": [{"attachment": {"contentType": "text/plain", "data": "UHJvZ3Jlc3Mgbm90ZQ=="}}]}})
    }

    fn encounter(i: usize) -> serde_json::Value {
        serde_json::json!({"fullUrl": format!("urn:uuid:e-{i}"), "resource": {"resourceType": "Encounter", "id": format!("e{i}"),
            "class": {"code": "IMP"}, "subject": {"reference": format!("Patient/p{i}")},
            "period": {"start": "2024-01-01T08:00:00-05:00"}}})
    }

    fn patient(i: usize) -> serde_json::Value {
        serde_json::json!({"fullUrl": format!("urn:uuid:p-{i}"), "resource": {"resourceType": "Patient", "id": format!("p{i}"),
            "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": format!("FH{i:07}")}],
            "name": [{"family": "Doe", "given": ["Jane"]}], "gender": "female", "birthDate": "1970-01-01",
            "text": {"div": "x".repeat(40_000)}}})
    }

    /// Issue #17: a group is closed by time, checked after each entry, in the streamed pass
    /// and in the replay of the entries set aside. With no time at all allowed, every group
    /// commits after its first entry, so a forward-everywhere file over the spill threshold
    /// takes at least one commit per entry written (and every link still resolves).
    #[test]
    fn a_group_is_closed_by_time_after_each_entry_in_the_stream_and_the_replay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open_or_create(&dir.path().join("t.db")).expect("open");
        let n = 120;
        // Every reference points forward: notes, then encounters, then patients (> 4 MB, so
        // streamed).
        let mut entries: Vec<serde_json::Value> = (0..n).map(note).collect();
        entries.extend((0..n).map(encounter));
        entries.extend((0..n).map(patient));
        let b = serde_json::json!({"resourceType": "Bundle", "type": "batch", "entry": entries});
        let bytes = serde_json::to_vec(&b).expect("json");
        assert!(bytes.len() as u64 > STREAM_FROM, "{}", bytes.len());
        let path = dir.path().join("forward.json");
        std::fs::write(&path, bytes).expect("write");
        let limits = Limits {
            max_file_bytes: 1 << 30,
            max_transaction_bytes: 1 << 20,
            write_budget: std::time::Duration::ZERO,
            fhir_spill_after: 50,
        };
        let actor = Actor::system("import-test");
        let files = [Ok(path)];
        let s = run(&mut store, &actor, &files, &limits, &mut |_, _| {}).expect("run");
        let st = s.files[0].result.as_ref().expect("imported");
        assert!(st.rejects.is_empty(), "{:?}", st.rejects);
        assert!(
            st.notes.iter().any(|m| m.contains("past 50")),
            "spilled: {:?}",
            st.notes
        );
        assert_eq!(st.created as usize, 3 * n, "{st:?}");
        assert!(
            st.transactions >= st.created as usize,
            "one entry per group: {} commits for {} entries",
            st.transactions,
            st.created
        );
        let linked: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM documents d JOIN encounters e ON e.id = d.encounter_id
                 JOIN patients p ON p.id = e.patient_id
                 WHERE substr(d.source_key, 25) = substr(e.source_key, 17)
                   AND e.source_key = 'fhir:Encounter/e' || CAST(CAST(substr(p.mrn, 3) AS INTEGER) AS TEXT)",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(linked, n as i64, "each note → its encounter → its patient");
    }
}
