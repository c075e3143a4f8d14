//! Hand-made import cases: bad input is rejected whole, naming file, location and reason;
//! framing variants and huge notes import; references resolve across files.

use std::path::PathBuf;

use chartdesk::audit::{self, Actor};
use chartdesk::import::{self, FileStats, ImportError};
use chartdesk::store::Store;
use serde_json::json;

struct Db {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    store: Store,
    n: usize,
}

fn db() -> Db {
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path().to_path_buf();
    let store = Store::open_or_create(&dir.join("t.db")).expect("open");
    Db {
        _dir: d,
        dir,
        store,
        n: 0,
    }
}

impl Db {
    fn file(&mut self, ext: &str, bytes: &[u8]) -> PathBuf {
        self.n += 1;
        let p = self.dir.join(format!("case{}.{ext}", self.n));
        std::fs::write(&p, bytes).expect("write");
        p
    }
    fn fhir(&mut self, bytes: &[u8]) -> Result<FileStats, ImportError> {
        let p = self.file("json", bytes);
        let mut s = import::import_fhir(&mut self.store, &Actor::system("t"), &[p], &mut |_, _| {})
            .expect("batch");
        s.files.remove(0).result
    }
    fn hl7(&mut self, bytes: &[u8]) -> Result<FileStats, ImportError> {
        let p = self.file("hl7", bytes);
        let mut s = import::import_hl7(&mut self.store, &Actor::system("t"), &[p], &mut |_, _| {})
            .expect("batch");
        s.files.remove(0).result
    }
    fn count(&self, sql: &str) -> i64 {
        self.store
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .expect(sql)
    }
    fn text(&self, sql: &str) -> String {
        self.store
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .expect(sql)
    }
    fn empty(&self) -> bool {
        [
            "patients",
            "encounters",
            "documents",
            "providers",
            "audit_log",
            "import_messages",
        ]
        .iter()
        .all(|t| self.count(&format!("SELECT count(*) FROM {t}")) == 0)
    }
}

fn err(r: Result<FileStats, ImportError>) -> String {
    match r {
        // HL7: messages are rejected one by one; the file itself goes through.
        Ok(s) if !s.rejects.is_empty() => s
            .rejects
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        Ok(s) => panic!("expected a rejection, got {s:?}"),
        Err(e) => e.to_string(),
    }
}

fn patient(id: &str) -> serde_json::Value {
    json!({"resourceType": "Patient", "id": id,
           "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": format!("MRN-{id}")}],
           "name": [{"family": "Doe", "given": ["Jane"]}], "gender": "female", "birthDate": "1970-01-01"})
}

fn encounter(id: &str, subject: &str, end: Option<&str>) -> serde_json::Value {
    let mut e = json!({"resourceType": "Encounter", "id": id, "class": {"code": "IMP"},
           "subject": {"reference": subject}, "period": {"start": "2024-01-01T08:00:00-05:00"}});
    if let Some(end) = end {
        e["period"]["end"] = json!(end);
    }
    e
}

fn note(id: &str, enc: &str, data: &str) -> serde_json::Value {
    json!({"resourceType": "DocumentReference", "id": id, "status": "current", "docStatus": "final",
           "type": {"coding": [{"system": "http://loinc.org", "code": "18842-5"}]},
           "date": "2024-01-03T10:00:00+01:00", "context": {"encounter": [{"reference": enc}]},
           "content": [{"attachment": {"contentType": "text/plain", "data": data}}]})
}

fn bundle(resources: Vec<serde_json::Value>) -> Vec<u8> {
    let entry: Vec<_> = resources
        .into_iter()
        .map(|r| json!({"fullUrl": format!("urn:uuid:{}", r["id"].as_str().unwrap_or("x")), "resource": r}))
        .collect();
    serde_json::to_vec(&json!({"resourceType": "Bundle", "type": "collection", "entry": entry}))
        .expect("json")
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() / 3 * 4 + 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn fhir_bad_inputs_are_rejected_naming_entry_and_field() {
    let mut d = db();
    let m = err(d.fhir(br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Pat"#));
    assert!(
        m.contains("case1.json: line 1, column") && m.contains("truncated JSON"),
        "{m}"
    );
    let m = err(d.fhir(br#"{"resourceType":"Banana","id":"b"}"#));
    assert!(
        m.contains("resourceType: resourceType 'Banana' is not importable"),
        "{m}"
    );
    let m = err(d.fhir(br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":42}}]}"#));
    assert!(m.contains("entry 0: resourceType is missing"), "{m}");
    let mut p = patient("p1");
    p.as_object_mut().expect("obj").remove("identifier");
    p.as_object_mut().expect("obj").remove("id");
    let m = err(d.fhir(&bundle(vec![p])));
    assert!(
        m.contains("entry 0 (Patient/urn:uuid:x), identifier: Patient has no identifier and no id"),
        "{m}"
    );
    let mut e = encounter("e1", "urn:uuid:p1", None);
    e.as_object_mut().expect("obj").remove("subject");
    let m = err(d.fhir(&bundle(vec![patient("p1"), e])));
    assert!(
        m.contains("entry 1 (Encounter/e1), subject: subject is missing"),
        "{m}"
    );
    let mut p = patient("p1");
    p["birthDate"] = json!("1970-02-30");
    let m = err(d.fhir(&bundle(vec![p])));
    assert!(
        m.contains("entry 0 (Patient/p1), birthDate: '1970-02-30' is not a FHIR date"),
        "{m}"
    );
    let e = encounter("e1", "urn:uuid:p1", Some("2024-01-02T25:00:00Z"));
    let m = err(d.fhir(&bundle(vec![patient("p1"), e])));
    assert!(m.contains("entry 1 (Encounter/e1), period.end"), "{m}");
    let m = err(d.fhir(&bundle(vec![
        patient("p1"),
        encounter("e1", "urn:uuid:nobody", None),
    ])));
    assert!(
        m.contains("entry 1 (Encounter/e1), subject: reference urn:uuid:nobody does not resolve"),
        "{m}"
    );
    let m = err(d.fhir(b"{\"resourceType\":\"Patient\",\"id\":\"\xff\"}"));
    assert!(m.contains("invalid JSON"), "{m}");
    let bad = note("n1", "urn:uuid:e1", &b64(&[0x66, 0xff, 0xfe]));
    let m = err(d.fhir(&bundle(vec![
        patient("p1"),
        encounter("e1", "urn:uuid:p1", None),
        bad,
    ])));
    assert!(m.contains("entry 2 (DocumentReference/n1), content[0].attachment.data: note text is not valid UTF-8 (byte 1)"), "{m}");
    let bad = note("n1", "urn:uuid:e1", "@@@@");
    let m = err(d.fhir(&bundle(vec![
        patient("p1"),
        encounter("e1", "urn:uuid:p1", None),
        bad,
    ])));
    assert!(m.contains("base64: invalid character"), "{m}");
    assert!(d.empty(), "rejected files leave no rows and no audit rows");
}

#[test]
fn fhir_references_resolve_across_files_and_discharge_runs_the_hook_once() {
    let mut d = db();
    let s = d
        .fhir(&serde_json::to_vec(&patient("p1")).expect("json"))
        .expect("single resource");
    assert_eq!(s.created, 1);
    let s = d
        .fhir(&bundle(vec![encounter("e1", "Patient/p1", None)]))
        .expect("enc");
    assert_eq!((s.created, s.discharges), (1, 0));
    assert_eq!(
        d.text("SELECT admit_at FROM encounters"),
        "2024-01-01T08:00:00"
    );
    assert_eq!(d.text("SELECT visit_number FROM encounters"), "FHIR-e1");
    let s = d
        .fhir(&bundle(vec![encounter(
            "e1",
            "Patient/p1",
            Some("2024-01-04T09:30:00.123+02:00"),
        )]))
        .expect("discharge");
    assert_eq!((s.updated, s.discharges), (1, 1), "{s:?}");
    assert_eq!(
        d.text("SELECT discharge_at FROM encounters"),
        "2024-01-04T09:30:00"
    );
    // Discharge runs deficiency analysis at the end of the file (no documents: deficiencies).
    assert_eq!(d.text("SELECT him_status FROM encounters"), "incomplete");
    assert!(d.count("SELECT count(*) FROM deficiencies WHERE status = 'open'") > 0);
    assert_eq!(d.text("SELECT coding_status FROM encounters"), "ready");
    let s = d
        .fhir(&bundle(vec![note(
            "n1",
            "Encounter/e1",
            &b64(b"Discharge summary text"),
        )]))
        .expect("note");
    assert_eq!(s.created, 1);
    assert_eq!(
        d.text("SELECT status || ' ' || signed_at FROM documents"),
        "signed 2024-01-03T10:00:00"
    );
    let rows = d.count("SELECT count(*) FROM audit_log");
    let s = d
        .fhir(&bundle(vec![encounter(
            "e1",
            "Patient/p1",
            Some("2024-01-04T09:30:00+02:00"),
        )]))
        .expect("again");
    assert_eq!((s.unchanged, s.discharges), (1, 0));
    assert_eq!(d.count("SELECT count(*) FROM audit_log"), rows);
    assert!(audit::verify(d.store.conn(), &[]).expect("verify").ok());
}

#[test]
fn fhir_fifty_megabyte_note_imports() {
    let mut d = db();
    let text: Vec<u8> = b"Lorem ipsum dolor sit amet.\n"
        .iter()
        .copied()
        .cycle()
        .take(50 * 1024 * 1024)
        .collect();
    let bytes = bundle(vec![
        patient("p1"),
        encounter("e1", "urn:uuid:p1", None),
        note("n1", "urn:uuid:e1", &b64(&text)),
    ]);
    let t = std::time::Instant::now();
    d.fhir(&bytes).expect("50 MB note");
    eprintln!("FHIR 50 MB note imported in {:?}", t.elapsed());
    assert_eq!(
        d.count("SELECT length(body) FROM documents"),
        50 * 1024 * 1024
    );
}

fn pv1(class: &str, visit: &str, admit: &str, discharge: &str) -> String {
    let mut f = vec![""; 46];
    f[0] = "PV1";
    f[1] = "1";
    f[2] = class;
    f[7] = "123^SMITH^ANN";
    f[19] = visit;
    f[44] = admit;
    f[45] = discharge;
    f.join("|")
}

fn adt(enc: &str, event: &str, mrn: &str, name: &str, visit: &str, discharge: &str) -> String {
    let c = enc.chars().next().unwrap_or('^');
    format!(
        "MSH|{enc}|APP|FAC|R|RF|20240101120000||ADT{c}{event}|C1|P|2.5\rEVN|{event}|20240101120000\rPID|1||{mrn}{c}{c}{c}FAC{c}MR||{name}||19700101|M\r{}\r",
        pv1("I", visit, "20240101100000", discharge).replace('^', &c.to_string())
    )
}

#[test]
fn hl7_bad_inputs_are_rejected_naming_message_line_and_field() {
    let mut d = db();
    let m = err(d.hl7(b"EVN|A01|20240101\rPID|1||M1^^^F^MR||DOE^J||19700101|M\r"));
    assert!(
        m.contains("case1.hl7: message 1, line 1 (EVN): message does not start with an MSH"),
        "{m}"
    );
    let msg = adt("^~\\&", "A01", "M1", "DOE^JOHN", "V1", "").replace("19700101", "19701340");
    let m = err(d.hl7(msg.as_bytes()));
    assert!(
        m.contains("message 1, line 3 (PID-7): '19701340' is not an HL7 date/time"),
        "{m}"
    );
    let m = err(d.hl7(
        b"MSH|^~\\&|A|F|||20240101||ADT^A01|1|P|2.5\rPID|1||M1^^^F^MR||DOE^J|\xff|19700101\r",
    ));
    assert!(
        m.contains("case3.hl7: message 1, line 2: line is not valid UTF-8"),
        "{m}"
    );
    let msg =
        adt("^~\\&", "A01", "M1", "DOE^JOHN", "V1", "").replace("PID|1||M1^^^FAC^MR|", "PID|1|||");
    let m = err(d.hl7(msg.as_bytes()));
    assert!(
        m.contains("line 3 (PID-3): patient identifier (MRN) is empty"),
        "{m}"
    );
    let msg = "MSH|^~\\&|A|F|||20240101||MDM^T02|1|P|2.5\rPID|1||M1^^^F^MR||DOE^J||19700101\rPV1|1|I\rTXA|1|DS\r";
    let m = err(d.hl7(msg.as_bytes()));
    assert!(
        m.contains("message 1, line 4 (TXA-12): unique document number is empty"),
        "{m}"
    );
    assert!(
        d.empty(),
        "rejected messages leave no rows and no audit rows"
    );
    // A bad message is rejected alone (listed with file, message, line and field); the good
    // message before it goes in.
    let two = format!(
        "{}{}",
        adt("^~\\&", "A01", "M1", "DOE^J", "V1", ""),
        "MSH|^~\\&|A|F\rPID|1\r"
    );
    let r = d.hl7(two.as_bytes());
    let m = err(r.clone());
    assert!(
        m.contains("case6.hl7: message 2, line 5 (MSH-9): message type is empty"),
        "{m}"
    );
    let st = r.expect("the file is not rejected whole");
    // Patient, encounter and its attending provider.
    assert_eq!((st.created, st.rejects.len()), (3, 1), "{st:?}");
    assert_eq!(d.count("SELECT count(*) FROM patients WHERE mrn = 'M1'"), 1);
    // A visit number that belongs to another patient of the same facility is refused.
    d.hl7(adt("^~\\&", "A01", "M1", "DOE^J", "V1", "").as_bytes())
        .expect("first");
    let m = err(d.hl7(adt("^~\\&", "A08", "M2", "ROE^R", "V1", "").as_bytes()));
    assert!(
        m.contains("(PV1-19): visit V1 belongs to another patient, not MRN M2"),
        "{m}"
    );
}

#[test]
fn hl7_framing_encoding_and_batches() {
    let mut d = db();
    // Odd component separator from MSH-2.
    d.hl7(adt("*~\\&", "A01", "M1", "DOE*JOHN", "V1", "").as_bytes())
        .expect("odd encoding");
    assert_eq!(
        d.text("SELECT family_name || ',' || given_name FROM patients"),
        "DOE,JOHN"
    );
    assert_eq!(d.text("SELECT family_name FROM providers"), "SMITH");
    // MLLP framing, CRLF endings, BOM.
    let framed = format!(
        "\u{feff}\x0b{}\x1c\r",
        adt("^~\\&", "A01", "M2", "ROE^ANN", "V2", "").replace('\r', "\r\n")
    );
    d.hl7(framed.as_bytes()).expect("mllp");
    // FHS/BHS batch of two messages, A03 discharges.
    let batch = format!(
        "FHS|^~\\&|APP\rBHS|^~\\&|APP\r{}{}BTS|2\rFTS|1\r",
        adt("^~\\&", "A01", "M3", "POE^AL", "V3", ""),
        adt("^~\\&", "A03", "M3", "POE^AL", "V3", "20240105080000")
    );
    let s = d.hl7(batch.as_bytes()).expect("batch");
    assert_eq!(s.discharges, 1, "{s:?}");
    assert_eq!(d.count("SELECT count(*) FROM patients"), 3);
    assert_eq!(
        d.text("SELECT him_status FROM encounters WHERE visit_number = 'V3'"),
        "incomplete",
        "discharged by A03, analysed at the end of the file"
    );
    // A13 cancels the discharge; A11 records a cancelled admission; nothing is deleted.
    d.hl7(adt("^~\\&", "A13", "M3", "POE^AL", "V3", "").as_bytes())
        .expect("a13");
    assert_eq!(d.count("SELECT count(*) FROM encounters WHERE visit_number = 'V3' AND discharge_at IS NULL AND him_status = 'open'"), 1);
    let s = d
        .hl7(adt("^~\\&", "A11", "M3", "POE^AL", "V3", "").as_bytes())
        .expect("a11");
    assert_eq!(s.updated, 1, "{s:?}");
    assert_eq!(
        d.count("SELECT count(*) FROM audit_log WHERE reason = 'admit cancelled (A11)'"),
        1
    );
    assert_eq!(d.count("SELECT count(*) FROM encounters"), 3);
    assert!(audit::verify(d.store.conn(), &[]).expect("verify").ok());
}

fn mdm(event: &str, unique: &str, status: &str, obx5: &str) -> String {
    format!(
        "MSH|^~\\&|A|FAC|||20240101120000||MDM^{event}|9|P|2.5\rEVN|{event}|20240101120000\rPID|1||M9^^^FAC^MR||DOE^JANE||19800101|F\r{}\rTXA|1|DS|TX|20240102090000||||||||{unique}|||||{status}|||||77^JONES^AMY^^^^^^^^^^^^20240102100000\rOBX|1|TX|||{obx5}\r",
        pv1("I", "V9", "20240101100000", "")
    )
}

#[test]
fn hl7_mdm_escapes_statuses_and_a_fifty_megabyte_obx() {
    let mut d = db();
    d.hl7(
        mdm(
            "T02",
            "D1",
            "AU",
            r"line one\.br\a\F\b\S\c~second repetition",
        )
        .as_bytes(),
    )
    .expect("t02");
    assert_eq!(
        d.text("SELECT body FROM documents"),
        "line one\na|b^c\nsecond repetition"
    );
    assert_eq!(
        d.text("SELECT doc_type || ' ' || status || ' ' || signed_at FROM documents"),
        "18842-5 signed 2024-01-02T10:00:00"
    );
    // A later T02 for the same document with a preliminary status does not move it backward.
    let s = d
        .hl7(
            mdm(
                "T02",
                "D1",
                "DI",
                r"line one\.br\a\F\b\S\c~second repetition",
            )
            .as_bytes(),
        )
        .expect("again");
    assert_eq!((s.updated, s.created), (0, 0), "{s:?}");
    assert_eq!(d.text("SELECT status FROM documents"), "signed");
    let s = d.hl7(mdm("T11", "D1", "", "").as_bytes()).expect("t11");
    assert_eq!(s.updated, 1);
    assert_eq!(d.text("SELECT status FROM documents"), "entered_in_error");
    let big = "x".repeat(50 * 1024 * 1024);
    let t = std::time::Instant::now();
    d.hl7(mdm("T02", "BIG", "DO", &big).as_bytes())
        .expect("50 MB OBX");
    eprintln!("HL7 50 MB OBX imported in {:?}", t.elapsed());
    assert_eq!(
        d.count("SELECT length(body) FROM documents WHERE source_key LIKE '%:doc:BIG'"),
        50 * 1024 * 1024
    );
}

/// Issue #5 hook: an A03 discharge runs deficiency analysis; a discharge summary that arrives
/// later, signed (MDM T02, TXA-17 AU), resolves MISS_DS automatically as the system.
#[test]
fn discharge_analysis_and_a_late_signed_summary_resolve_automatically() {
    let mut d = db();
    d.hl7(adt("^~\\&", "A01", "M9", "DOE^JANE", "V9", "").as_bytes())
        .expect("a01");
    d.hl7(adt("^~\\&", "A03", "M9", "DOE^JANE", "V9", "20240103100000").as_bytes())
        .expect("a03");
    let open_ds = "SELECT count(*) FROM deficiencies WHERE kind = 'MISS_DS' AND status = 'open'";
    assert_eq!(d.count(open_ds), 1, "analysis ran on discharge");
    d.hl7(mdm("T02", "DS9", "AU", "DISCHARGE SUMMARY text").as_bytes())
        .expect("t02");
    assert_eq!(d.count(open_ds), 0, "the signed summary resolved MISS_DS");
    assert_eq!(
        d.count("SELECT count(*) FROM deficiencies WHERE kind = 'MISS_DS' AND status = 'completed' AND closed_by = 'system'"),
        1
    );
}

/// An ADT from facility `fac` for MRN `mrn`, born `dob`, sex `sex`.
fn adt_from(fac: &str, control: &str, mrn: &str, dob: &str, sex: &str, family: &str) -> String {
    format!(
        "MSH|^~\\&|APP|{fac}|R|RF|20240101120000||ADT^A08|{control}|P|2.5\rEVN|A08|20240101120000\r\
         PID|1||{mrn}^^^{fac}^MR||{family}^ANN||{dob}|{sex}\r{}\r",
        pv1("I", &format!("V-{fac}-{control}"), "20240101100000", "")
    )
}

#[test]
fn imp_id_01_a_record_from_another_source_that_disagrees_on_birth_or_sex_is_never_merged() {
    let mut d = db();
    // Facility A registers MRN 777 (born 1970-01-01, F).
    d.hl7(adt_from("FACA", "A1", "777", "19700101", "F", "ROE").as_bytes())
        .expect("facility A registers the patient");

    // Facility B sends the same MRN for someone born in 1985: a different person. Not merged:
    // registered as FACB:777 and flagged for review.
    d.hl7(adt_from("FACB", "B1", "777", "19850505", "F", "ROE").as_bytes())
        .expect("imported, separately");
    assert_eq!(d.count("SELECT count(*) FROM patients"), 2);
    assert_eq!(
        d.text("SELECT birth_date FROM patients WHERE mrn = '777'"),
        "1970-01-01"
    );
    assert_eq!(
        d.text("SELECT birth_date FROM patients WHERE mrn = 'FACB:777'"),
        "1985-05-05"
    );
    assert_eq!(
        d.count("SELECT count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = '777'"),
        1,
        "facility B's visit is not in facility A's patient's chart"
    );
    let reason = d.text(
        "SELECT reason FROM audit_log WHERE entity_type = 'identity_conflict' AND patient_mrn = 'FACB:777'",
    );
    assert!(
        reason.starts_with("IMP-ID-01: MRN 777 is patient 1"),
        "{reason}"
    );
    assert!(
        reason.contains("registered separately as FACB:777, not merged"),
        "{reason}"
    );
    // The next message from facility B finds its own patient (by source key), silently.
    d.hl7(adt_from("FACB", "B2", "777", "19850505", "F", "ROE").as_bytes())
        .expect("B again");
    assert_eq!(d.count("SELECT count(*) FROM patients"), 2);
    assert_eq!(
        d.count("SELECT count(*) FROM audit_log WHERE entity_type = 'identity_conflict'"),
        1
    );

    // Another facility agreeing on birth date and sex is the same patient (the name may differ).
    d.hl7(adt_from("FACC", "C1", "777", "19700101", "F", "ROE-SMITH").as_bytes())
        .expect("agreeing record merges");
    assert_eq!(d.count("SELECT count(*) FROM patients"), 2);
    // … but one of another sex is not.
    d.hl7(adt_from("FACD", "D1", "777", "19700101", "M", "ROE").as_bytes())
        .expect("sex conflict, separately");
    assert_eq!(
        d.text("SELECT sex FROM patients WHERE mrn = 'FACD:777'"),
        "M"
    );

    // The patient's own source may correct the birth date (an A08 correction), audited.
    d.hl7(adt_from("FACA", "A2", "777", "19700102", "F", "ROE").as_bytes())
        .expect("own source corrects");
    assert_eq!(
        d.text("SELECT birth_date FROM patients WHERE mrn = '777'"),
        "1970-01-02"
    );

    // FHIR: a Patient from another origin with the same MRN and another birth date.
    let mut p = patient("x1");
    p["identifier"][0]["value"] = json!("777");
    p["birthDate"] = json!("1999-09-09");
    d.fhir(&bundle(vec![p])).expect("fhir, separately");
    assert_eq!(
        d.text("SELECT birth_date FROM patients WHERE mrn = 'x1:777'"),
        "1999-09-09"
    );
    assert_eq!(
        d.text("SELECT birth_date FROM patients WHERE mrn = '777'"),
        "1970-01-02"
    );
    assert_eq!(
        d.count("SELECT count(*) FROM audit_log WHERE entity_type = 'identity_conflict'"),
        3
    );
    assert!(audit::verify(d.store.conn(), &[]).expect("verify").ok());
}

/// An ADT event with PID-13 (home phone) and PID-19 (SSN) as given.
fn adt_contact(event: &str, control: &str, phone: &str, ssn: &str) -> String {
    format!(
        "MSH|^~\\&|APP|FAC|R|RF|20240101120000||ADT^{event}|{control}|P|2.5\rEVN|{event}|20240101120000\r\
         PID|1||M9^^^FAC^MR||DOE^JANE||19700101|F|||||{phone}||||||{ssn}\r{}\r",
        pv1("I", "V9", "20240101100000", "")
    )
}

/// Every byte of the database file and its WAL, as text (lossy): what a disk image would show.
fn on_disk(d: &Db) -> String {
    let mut all = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(b) = std::fs::read(d.dir.join(format!("t.db{suffix}"))) {
            all.extend(b);
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn hl7_pid13_phone_and_pid19_ssn_last_four_fill_the_patient_and_a08_updates_them() {
    let mut d = db();
    // PID-13: an e-mail repetition first (not a phone), then a work number, then the home
    // number (PRN) with a country code; PID-19: a full SSN, of which only 1120 may be kept.
    let phone = "^NET^Internet^jane@example.org~(330)555-0111^WPN^PH~+1 (937) 555-0100^PRN^PH";
    d.hl7(adt_contact("A01", "P1", phone, "078-05-1120").as_bytes())
        .expect("A01");
    assert_eq!(
        d.text("SELECT phone FROM patients WHERE mrn = 'M9'"),
        "9375550100",
        "digits only, as the MPI compares them; the home (PRN) repetition"
    );
    assert_eq!(
        d.text("SELECT ssn_last4 FROM patients WHERE mrn = 'M9'"),
        "1120"
    );

    // A08 with a new phone in components (area code + local number) and no PID-19: the phone
    // changes (audited by field name), the SSN digits stay.
    d.hl7(adt_contact("A08", "P2", "^PRN^PH^^^937^5550199", "").as_bytes())
        .expect("A08 phone");
    assert_eq!(
        d.text("SELECT phone FROM patients WHERE mrn = 'M9'"),
        "9375550199"
    );
    assert_eq!(
        d.text("SELECT ssn_last4 FROM patients WHERE mrn = 'M9'"),
        "1120"
    );
    let changed = d.text(
        "SELECT detail FROM audit_log WHERE entity_type = 'patient' AND action = 'U' ORDER BY seq DESC LIMIT 1",
    );
    assert!(changed.contains("\"phone\""), "{changed}");

    // A08 with a corrected SSN: the last four change; `""` clears the phone.
    d.hl7(adt_contact("A08", "P3", "\"\"", "078051121").as_bytes())
        .expect("A08 ssn");
    assert_eq!(d.text("SELECT phone FROM patients WHERE mrn = 'M9'"), "");
    assert_eq!(
        d.text("SELECT ssn_last4 FROM patients WHERE mrn = 'M9'"),
        "1121"
    );

    // An SSN with fewer than four digits is rejected naming PID-19, without echoing it.
    let m = err(d.hl7(adt_contact("A08", "P4", "", "12-3").as_bytes()));
    assert!(m.contains("(PID-19)"), "{m}");
    assert!(!m.contains("12-3"), "{m}");

    // The full numbers are nowhere: not in any row, audit detail, or page of the file.
    for full in ["078-05-1120", "078051120", "078051121", "07805"] {
        assert_eq!(
            d.count(&format!(
                "SELECT count(*) FROM audit_log WHERE detail LIKE '%{full}%' OR reason LIKE '%{full}%'"
            )),
            0
        );
        assert!(!on_disk(&d).contains(full), "{full} is on disk");
    }
    assert!(audit::verify(d.store.conn(), &[]).expect("verify").ok());
}
