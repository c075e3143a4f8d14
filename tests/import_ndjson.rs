//! FHIR Bulk Data NDJSON import (issue #17): one resource per line, streamed; a bad line is
//! listed by file and line number and the others go in; files of a folder are taken in
//! dependency order; references forward inside a file are set aside (and spilled past the
//! threshold) as in a Bundle; a re-import writes nothing.

use chartdesk::audit::Actor;
use chartdesk::import;
use chartdesk::store::Store;

fn actor() -> Actor {
    Actor::system("import-test")
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn patient(i: usize) -> String {
    serde_json::json!({"resourceType": "Patient", "id": format!("p{i}"),
        "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": format!("ND{i:07}")}],
        "name": [{"family": "Doe", "given": ["Jane"]}], "gender": "female", "birthDate": "1970-01-01"})
    .to_string()
}

fn encounter(i: usize) -> String {
    serde_json::json!({"resourceType": "Encounter", "id": format!("e{i}"), "class": {"code": "IMP"},
        "subject": {"reference": format!("Patient/p{i}")}, "period": {"start": "2024-01-01T08:00:00Z"}})
    .to_string()
}

const LINKED: &str = "SELECT count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.source_key = 'fhir:Encounter/e' || CAST(CAST(substr(p.mrn, 3) AS INTEGER) AS TEXT)";

#[test]
fn a_bulk_data_folder_is_imported_in_dependency_order_with_bad_lines_named_by_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("t.db");
    let mut store = Store::open_or_create(&db).expect("open");
    let bulk = dir.path().join("export");
    std::fs::create_dir(&bulk).expect("mkdir");
    // Encounter.ndjson sorts before Patient.ndjson; the folder is still read patients first.
    let encounters: Vec<String> = (0..300).map(encounter).collect();
    std::fs::write(bulk.join("Encounter.ndjson"), encounters.join("\n") + "\n").expect("write");
    let mut patients: Vec<String> = (0..300).map(patient).collect();
    // Line 3: a bad birth date; line 6: not JSON; a blank line is nothing.
    patients[2] = patients[2].replace("1970-01-01", "someday");
    patients[5] = "{\"resourceType\": \"Patient\",".to_string();
    patients.insert(10, String::new());
    std::fs::write(bulk.join("Patient.ndjson"), patients.join("\r\n")).expect("write");
    let s = import::import_fhir(
        &mut store,
        &actor(),
        std::slice::from_ref(&bulk),
        &mut |_, _| {},
    )
    .expect("run");
    let names: Vec<String> = s
        .files
        .iter()
        .map(|f| f.file.display().to_string())
        .collect();
    assert!(names[0].ends_with("Patient.ndjson"), "{names:?}");
    let p = s.files[0].result.as_ref().expect("patients");
    let r: Vec<String> = p.rejects.iter().map(|e| e.to_string()).collect();
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(
        r[0].contains("Patient.ndjson") && r[0].contains("line 3 (Patient/p2), birthDate"),
        "{r:?}"
    );
    assert!(
        r[1].contains("line 6, column") && r[1].contains("JSON"),
        "{r:?}"
    );
    assert_eq!(p.created, 298);
    // The encounters of the two rejected patients cannot resolve: each is listed on its own
    // (each line is all-or-nothing), every other encounter is linked to its own patient.
    let e = s.files[1].result.as_ref().expect("encounters");
    let r: Vec<String> = e.rejects.iter().map(|x| x.to_string()).collect();
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(
        r.iter().all(|x| x.contains("Encounter.ndjson")
            && x.contains("subject")
            && x.contains("does not resolve")),
        "{r:?}"
    );
    assert!(
        r[0].contains("line 3 (Encounter/e2)") && r[1].contains("line 6 (Encounter/e5)"),
        "{r:?}"
    );
    let linked = count(&store, LINKED);
    assert_eq!(linked, 298);
    assert_eq!(count(&store, "SELECT count(*) FROM encounters"), linked);

    let audit = count(&store, "SELECT count(*) FROM audit_log");
    let again = import::import_fhir(&mut store, &actor(), &[bulk], &mut |_, _| {}).expect("run");
    assert_eq!((again.totals().created, again.totals().updated), (0, 0));
    assert_eq!(
        count(&store, "SELECT count(*) FROM audit_log"),
        audit,
        "re-import writes nothing"
    );
}

#[test]
fn an_ndjson_file_that_refers_forward_is_set_aside_and_spilled_like_a_bundle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("t.db");
    let mut store = Store::open_or_create(&db).expect("open");
    // Encounters first, their patients after them, in one file.
    let mut lines: Vec<String> = (0..500).map(encounter).collect();
    lines.extend((0..500).map(patient));
    let f = dir.path().join("mixed.NDJSON");
    std::fs::write(&f, lines.join("\n")).expect("write");
    let s = import::import_fhir_tuned(
        &mut store,
        &actor(),
        std::slice::from_ref(&f),
        50,
        &mut |_, _| {},
    )
    .expect("run");
    let st = s.files[0].result.as_ref().expect("imported");
    assert!(st.rejects.is_empty(), "{:?}", st.rejects);
    assert!(
        st.notes
            .iter()
            .any(|m| m.contains("kept in a temporary file")),
        "{:?}",
        st.notes
    );
    assert_eq!(st.created, 1000);
    assert_eq!(count(&store, LINKED), 500);
    let audit = count(&store, "SELECT count(*) FROM audit_log");
    let again =
        import::import_fhir_tuned(&mut store, &actor(), &[f], 50, &mut |_, _| {}).expect("run");
    assert_eq!((again.totals().created, again.totals().updated), (0, 0));
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log"), audit);
}

#[test]
fn ndjson_files_not_named_after_a_type_are_ordered_by_their_first_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("t.db");
    let mut store = Store::open_or_create(&db).expect("open");
    let bulk = dir.path().join("export");
    std::fs::create_dir(&bulk).expect("mkdir");
    // export-1 (encounters) sorts before export-2 (their patients).
    let encounters: Vec<String> = (0..250).map(encounter).collect();
    std::fs::write(bulk.join("export-1.ndjson"), encounters.join("\n") + "\n").expect("write");
    let patients: Vec<String> = (0..250).map(patient).collect();
    std::fs::write(
        bulk.join("export-2.ndjson"),
        "\n".to_string() + &patients.join("\n"),
    )
    .expect("write");
    let s = import::import_fhir(&mut store, &actor(), &[bulk], &mut |_, _| {}).expect("run");
    let names: Vec<String> = s
        .files
        .iter()
        .map(|f| f.file.display().to_string())
        .collect();
    assert!(names[0].ends_with("export-2.ndjson"), "{names:?}");
    assert_eq!(s.rejected(), 0);
    assert_eq!(count(&store, LINKED), 250);
}
