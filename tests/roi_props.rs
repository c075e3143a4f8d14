//! Properties of the ROI rules: no panics on any input, results consistent with their parts.

use chartdesk::roi::clock::{self, ClockSettings, Hold};
use chartdesk::roi::{AUTH_JSON_DOC, ReasonCode, RequesterType, RoiError, check_file};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 10).unwrap()
}

fn example_json() -> &'static str {
    let start = AUTH_JSON_DOC.find("```json\n").unwrap() + "```json\n".len();
    let len = AUTH_JSON_DOC[start..].find("```").unwrap();
    &AUTH_JSON_DOC[start..start + len]
}

#[test]
fn every_truncation_of_the_example_is_a_located_error() {
    let text = example_json().trim_end();
    for (cut, _) in text.char_indices().skip(1) {
        match check_file(&text[..cut], today()) {
            Err(RoiError::Json { line, message, .. }) => {
                assert!(line >= 1, "cut {cut}");
                assert!(!message.is_empty());
            }
            other => panic!("cut {cut}: {other:?}"),
        }
    }
}

proptest! {
    #[test]
    fn check_file_never_panics(text in "\\PC{0,200}") {
        let _ = check_file(&text, today());
    }

    #[test]
    fn problems_are_known_codes_in_order(
        drop in proptest::collection::vec(any::<bool>(), 8),
        t in proptest::sample::select(RequesterType::ALL.to_vec()),
    ) {
        let mut j: serde_json::Value = serde_json::from_str(example_json()).unwrap();
        let fields = ["description", "discloser", "recipient", "purpose", "signature",
                      "signed_date", "revocation_statement", "expiration_date"];
        for (f, d) in fields.iter().zip(&drop) {
            if *d {
                j["authorization"].as_object_mut().unwrap().remove(*f);
            }
        }
        j["request"]["requester_type"] = serde_json::Value::String(t.as_str().into());
        let v = check_file(&j.to_string(), today()).unwrap();
        prop_assert_eq!(v.valid, v.problems.is_empty());
        let idx: Vec<usize> = v.problems.iter()
            .map(|p| ReasonCode::ALL.iter().position(|c| c.as_str() == p.code).unwrap())
            .collect();
        prop_assert!(idx.windows(2).all(|w| w[0] <= w[1]));
        if t == RequesterType::Auth3p && !drop.iter().any(|d| *d) {
            prop_assert!(v.valid);
        }
    }

    #[test]
    fn holds_only_ever_push_the_due_date_out(
        spans in proptest::collection::vec((0u64..60, 0u64..20, any::<bool>()), 0..5),
        t in proptest::sample::select(RequesterType::ALL.to_vec()),
        now in 0u64..90,
    ) {
        let received = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let today = received + Days::new(now);
        let holds: Vec<Hold> = spans.iter().map(|&(s, len, open)| Hold {
            from: received + Days::new(s),
            until: (!open).then(|| received + Days::new(s + len)),
        }).collect();
        let s = ClockSettings::default();
        let st = clock::status(t, received, &s, None, &holds, today).unwrap();
        let first = clock::initial_due(received, &s).unwrap();
        prop_assert!(st.due >= first);
        prop_assert!(i64::from(st.paused_days) <= (today - received).num_days().max(0));
        if t.is_access() {
            prop_assert_eq!(st.due, first);
        }
        prop_assert_eq!(st.overdue, today > st.due);
    }
}
