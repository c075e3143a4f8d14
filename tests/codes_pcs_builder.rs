//! The ICD-10-PCS builder (issue #14): the picker's in-memory `CodeIndex::pcs_next` offers the
//! same valid characters, with the same counts, as the SQL `codes::drill::pcs_choices` on
//! the loaded FY2026 PCS table, at every axis along a path, and the path ends at a billable
//! code; a prefix no code has offers nothing.

mod common;

use chartdesk::codes::{self, CodeIndex, CodeSystem};

#[test]
fn builder_offers_only_valid_choices_axis_by_axis() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::seeded(&dir.path().join("b.db"));
    codes::load_embedded(&mut store, &common::system()).expect("codes");
    let index = CodeIndex::build(store.conn(), None).expect("index");
    let mut prefix = String::new();
    for step in 0..7 {
        let rows = index.pcs_next(&prefix);
        let (axis, choices) = codes::drill::pcs_choices(store.conn(), &prefix).expect("choices");
        assert_eq!(axis, codes::drill::PCS_AXES[step]);
        let ours: Vec<(char, usize)> = rows
            .iter()
            .map(|h| {
                let c = h.code.chars().nth(step).expect("next char");
                let n = if h.billable {
                    1
                } else {
                    h.title
                        .split(' ')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .expect("count in the title")
                };
                (c, n)
            })
            .collect();
        let sql: Vec<(char, usize)> = choices.iter().map(|c| (c.value, c.codes)).collect();
        assert_eq!(ours, sql, "axis {axis} after {prefix:?}");
        assert!(
            rows.iter()
                .all(|h| h.system == CodeSystem::Icd10Pcs && h.code.starts_with(&prefix))
        );
        // Walk the cholecystectomy path where it exists, else the first valid choice.
        let want = ['0', 'F', 'T', '4', '4', 'Z', 'Z'][step];
        let next = rows
            .iter()
            .find(|h| h.code.ends_with(want))
            .or(rows.first())
            .expect("a choice");
        prefix = next.code.clone();
    }
    assert_eq!(prefix, "0FT44ZZ");
    let last = index.pcs_next("0FT44Z");
    assert!(last.iter().any(|h| h.code == "0FT44ZZ" && h.billable));
    assert!(index.pcs_next("0FT4ZZ").is_empty(), "no such prefix");
    assert!(
        index.pcs_next("0FT44ZZ").is_empty(),
        "a full code has no next axis"
    );
}

/// Drill-down (issue #14, COD-02): from a header the picker lists exactly the billable codes
/// the store has under it (`codes::drill::billable_children`), Enter chooses one, and Escape
/// returns to the search with the header highlighted again.
#[test]
fn picker_drills_from_a_header_to_its_billable_codes_and_back() {
    use codes::{CodePicker, PickerEffect, PickerInput};
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::seeded(&dir.path().join("d.db"));
    codes::load_embedded(&mut store, &common::system()).expect("codes");
    let index = CodeIndex::build(store.conn(), None).expect("index");
    // Billable codes rank before headers: a limit that reaches past I50's codes to I50.
    let mut p = CodePicker::new(60);
    p.update(&index, PickerInput::SetQuery("I50".into()));
    let searched = p.hits.clone();
    let at = searched
        .iter()
        .position(|h| h.code == "I50" && !h.billable)
        .expect("the I50 header is a hit");
    p.selected = at;
    match p.update(&index, PickerInput::Drill) {
        PickerEffect::Drilled(h) => assert_eq!(h.dotted, "I50"),
        other => panic!("expected a drill, got {other:?}"),
    }
    let want: Vec<String> = codes::drill::billable_children(store.conn(), "I50", 1000)
        .expect("children")
        .into_iter()
        .map(|c| c.code)
        .collect();
    let got: Vec<String> = p.hits.iter().map(|h| h.code.clone()).collect();
    assert!(want.contains(&"I509".to_string()), "{want:?}");
    assert_eq!(
        got, want,
        "the store's billable codes under I50, in code order"
    );
    assert!(
        p.hits
            .iter()
            .all(|h| h.billable && h.system == CodeSystem::Icd10Cm)
    );
    assert_eq!(p.query, "I50", "the query is kept");
    assert!(matches!(
        p.update(&index, PickerInput::Drill),
        PickerEffect::Refused(_)
    ));
    // Back: the search again, the header highlighted.
    assert_eq!(p.update(&index, PickerInput::Escape), PickerEffect::None);
    assert!(p.drilled.is_none());
    assert_eq!(p.hits, searched);
    assert_eq!(p.selected, at);
    // A billable code is not drilled; a child is chosen with Enter.
    let billable = p
        .hits
        .iter()
        .position(|h| h.billable)
        .expect("a billable hit");
    p.selected = billable;
    assert!(matches!(
        p.update(&index, PickerInput::Drill),
        PickerEffect::Refused(_)
    ));
    p.selected = at;
    p.update(&index, PickerInput::Drill);
    let i = p.hits.iter().position(|h| h.code == "I509").expect("I50.9");
    p.selected = i;
    match p.update(&index, PickerInput::Enter) {
        PickerEffect::Chosen(h) => assert_eq!(h.dotted, "I50.9"),
        other => panic!("expected I50.9 chosen, got {other:?}"),
    }
    // Typing while drilled edits the search's query.
    p.update(&index, PickerInput::Char('9'));
    assert!(p.drilled.is_none());
    assert_eq!(p.query, "I509");
    assert_eq!(p.hits.first().map(|h| h.code.as_str()), Some("I509"));
}
