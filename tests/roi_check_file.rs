//! `check_file`: JSON errors name the path, line and column; the table shows the result.

use chartdesk::roi::{RoiError, check_file, format_table};
use chrono::NaiveDate;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 10).unwrap()
}

fn json_err(text: &str) -> (String, usize, usize, String) {
    match check_file(text, today()) {
        Err(RoiError::Json {
            path,
            line,
            column,
            message,
        }) => (path, line, column, message),
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn misspelt_authorization_field_is_named_with_its_path_and_line() {
    let text = r#"{
  "authorization": {
    "description": "Discharge summary",
    "sigature": "Dana Whitfield"
  },
  "request": {"requester_type": "AUTH_3P", "received_date": "2026-04-01"}
}"#;
    let (path, line, _, message) = json_err(text);
    assert_eq!(path, "authorization.sigature");
    assert_eq!(line, 4);
    assert!(message.contains("unknown field `sigature`"), "{message}");
    assert!(
        message.contains("signature"),
        "lists the expected fields: {message}"
    );
}

#[test]
fn misspelt_part2_field_has_a_nested_path() {
    let text = r#"{"authorization": {"part2": {"patient": "D"}},
 "request": {"requester_type": "SELF", "received_date": "2026-04-01"}}"#;
    let (path, line, _, message) = json_err(text);
    assert_eq!(path, "authorization.part2.patient");
    assert_eq!(line, 1);
    assert!(message.contains("unknown field `patient`"), "{message}");
}

#[test]
fn malformed_json_reports_line_and_column() {
    let text = "{\n  \"request\": {\n    \"requester_type\": \"SELF\"\n    \"received_date\": \"2026-04-01\"\n  }\n}";
    let (path, line, column, message) = json_err(text);
    assert_eq!((line, column), (4, 5));
    assert!(message.starts_with("malformed JSON"), "{message}");
    assert_eq!(path, "request.requester_type");
    let shown = check_file(text, today()).unwrap_err().to_string();
    assert!(shown.starts_with("line 4, column 5, at request"), "{shown}");
}

#[test]
fn truncated_file_is_malformed() {
    let (_, line, _, message) = json_err("{\n  \"request\": {");
    assert_eq!(line, 2);
    assert!(message.starts_with("malformed JSON"), "{message}");
}

#[test]
fn bad_date_names_the_field() {
    let text = r#"{"request": {"requester_type": "SELF", "received_date": "2026-02-30"}}"#;
    let (path, _, _, message) = json_err(text);
    assert_eq!(path, "request.received_date");
    assert!(message.contains("input is out of range"), "{message}");
}

#[test]
fn bad_category_names_its_array_index() {
    let text = r#"{"request": {"requester_type": "SELF", "received_date": "2026-04-01",
  "categories_present": ["HIV", "SUD", "GENETIC"]}}"#;
    let (path, line, _, message) = json_err(text);
    assert_eq!(path, "request.categories_present[1]");
    assert_eq!(line, 2);
    assert!(message.contains("unknown variant `SUD`"), "{message}");
}

#[test]
fn bad_requester_type_lists_the_valid_ones() {
    let text = r#"{"request": {"requester_type": "ATTORNEY", "received_date": "2026-04-01"}}"#;
    let (path, _, _, message) = json_err(text);
    assert_eq!(path, "request.requester_type");
    assert!(message.contains("AUTH_3P"), "{message}");
}

#[test]
fn missing_required_field_names_the_object() {
    let text = r#"{"authorization": null, "request": {"requester_type": "SELF"}}"#;
    let (path, _, _, message) = json_err(text);
    assert_eq!(path, "request");
    assert!(
        message.contains("missing field `received_date`"),
        "{message}"
    );
}

#[test]
fn unknown_top_level_key_is_refused() {
    let text =
        r#"{"request": {"requester_type": "SELF", "received_date": "2026-04-01"}, "auth": {}}"#;
    let (path, _, _, message) = json_err(text);
    assert_eq!(path, "auth");
    assert!(message.contains("unknown field `auth`"), "{message}");
}

#[test]
fn null_authorization_for_treatment_is_valid_and_tabled() {
    let text = r#"{"authorization": null, "request": {"requester_type": "PROVIDER_TX",
      "received_date": "2026-04-01", "identity_verified": true,
      "verification_method": "NPI lookup", "verified_by": "jpatel"}}"#;
    let v = check_file(text, today()).unwrap();
    assert!(v.valid);
    let t = format_table(&v);
    assert!(
        t.contains("Basis                45 CFR 164.506(c) (treatment)"),
        "{t}"
    );
    assert!(t.contains("Result               VALID"), "{t}");
    assert!(!t.contains("CODE"), "{t}");
}

#[test]
fn table_lists_each_problem_with_code_and_rule() {
    let text = r#"{"authorization": {"description": "All records"},
      "request": {"requester_type": "AUTH_3P", "received_date": "2026-04-01",
                  "identity_verified": true,
      "verification_method": "NPI lookup", "verified_by": "jpatel"}}"#;
    let v = check_file(text, today()).unwrap();
    let t = format_table(&v);
    assert!(t.contains("NOT VALID (9 problems)"), "{t}");
    let row = t
        .lines()
        .find(|l| l.starts_with("AUTH_MISSING_PURPOSE"))
        .unwrap();
    assert!(row.contains("45 CFR 164.508(c)(1)(iv)"), "{row}");
    assert!(t.lines().any(|l| l.starts_with("CODE")), "{t}");
}

#[test]
fn table_snapshot() {
    let text = r#"{"authorization": {"description": "All records", "discloser": "Riverside General",
        "recipient": "Hale & Moreno LLP", "expiration_date": "2026-03-31",
        "signature": "Dana Whitfield", "signed_date": "2026-01-05",
        "revocation_statement": true, "conditioning_statement": true},
      "request": {"requester_type": "AUTH_3P", "received_date": "2026-04-01",
                  "categories_present": ["SUD_PART2"]}}"#;
    let v = check_file(text, today()).unwrap();
    insta::assert_snapshot!("roi_auth_check_table", format_table(&v));
}

#[test]
fn roi_4_4_sensitive_rules_in_the_check_file() {
    let text = r#"{"request": {"requester_type": "PROVIDER_TX", "received_date": "2026-04-01",
  "identity_verified": true, "verification_method": "NPI lookup", "verified_by": "jpatel",
  "categories_present": ["HIV"]},
  "sensitive_rules": {"state": "NY", "require_naming": ["HIV"]}}"#;
    let v = chartdesk::roi::check_file(text, "2026-04-10".parse().expect("date")).expect("ok");
    assert_eq!(v.excluded_categories, [chartdesk::roi::Category::Hiv]);
    assert_eq!(v.sensitive_rules_state.as_deref(), Some("NY"));
    let floor = text.replace(r#""require_naming": ["HIV"]"#, r#""require_naming": []"#);
    let v = chartdesk::roi::check_file(&floor, "2026-04-10".parse().expect("date")).expect("ok");
    assert!(
        v.excluded_categories.is_empty(),
        "federal floor: HIV needs no naming"
    );
}
