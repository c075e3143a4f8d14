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
