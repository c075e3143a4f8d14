//! The provider view driven by keys: from the reports' provider picker (`v`), one provider's
//! open deficiencies oldest first, paged with `n`/`p`; every page is an audited
//! `provider_view` query (the rows show patient names).

mod tui_deficiency_fixture;

use chartdesk::deficiency::queue;
use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen(app: &mut App, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, h)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

/// `(entity_id, detail)` of the `provider_view` audit rows written by `user`, in order.
fn provider_view_audit(app: &App, user: &str) -> Vec<(String, String)> {
    let conn = app.store().conn();
    let mut st = conn
        .prepare(
            "SELECT entity_id, json_remove(detail, '$.mrns') FROM audit_log
             WHERE username = ?1 AND subtype = 'query' AND entity_type = 'provider_view' ORDER BY seq",
        )
        .expect("prepare");
    st.query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn technician_pages_through_a_providers_open_deficiencies_and_each_page_is_audited() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('r'));
    assert_eq!(app.screen(), ScreenId::Reports, "{:?}", app.status());
    // A short terminal: two rows per page (body 5 rows: borders and header take 3).
    screen(app, 8);
    press(app, KeyCode::Char('v'));
    type_text(app, "wilson");
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Provider, "{:?}", app.status());

    let expected = queue::provider_rows(app.store().conn(), 2, None, 100).expect("rows");
    assert_eq!(expected.len(), 3, "Wilson owes three items");
    let first = screen(app, 8);
    assert!(first.contains("Wilson, James"), "{first}");
    assert!(first.contains("page 1"), "{first}");
    for (d, mrn, patient, visit, _) in &expected[..2] {
        assert!(first.contains(mrn.as_str()), "{mrn} in\n{first}");
        assert!(first.contains(patient.as_str()), "{patient} in\n{first}");
        assert!(first.contains(visit.as_str()) && first.contains(d.kind.as_str()));
    }
    // DEL-02: aging counts from assignment, which analysis sets at discharge; a row is
    // flagged exactly when it is older than `deficiency_delinquent_days` (the default, 14).
    let today = app.store().now().date_naive();
    let late = expected[..2]
        .iter()
        .filter(|(d, ..)| {
            chrono::NaiveDate::parse_from_str(&d.assigned_at[..10], "%Y-%m-%d")
                .map(|a| (today - a).num_days() > 14)
                .unwrap_or(false)
        })
        .count();
    assert_eq!(
        first.matches("DELINQUENT").count(),
        late,
        "the DELINQUENT flags follow the discharge clock\n{first}"
    );

    press(app, KeyCode::Char('n'));
    let second = screen(app, 8);
    assert!(second.contains("page 2"), "{second}");
    let (d, mrn, ..) = &expected[2];
    assert!(
        second.contains(mrn.as_str()) && second.contains(d.kind.as_str()),
        "{second}"
    );
    press(app, KeyCode::Char('n'));
    assert_eq!(
        app.status(),
        Some("next_page: this is the last page"),
        "the last page has no next"
    );
    press(app, KeyCode::Char('p'));
    assert!(screen(app, 8).contains("page 1"));

    assert_eq!(
        provider_view_audit(app, "tech1"),
        [
            ("2".to_string(), r#"{"results":3}"#.to_string()),
            ("2".to_string(), r#"{"results":1}"#.to_string()),
            ("2".to_string(), r#"{"results":3}"#.to_string()),
        ],
        "one audited query per page read (limit + 1 rows asked)"
    );
    // AUD-11: each page's row names the MRNs it read.
    let named: Vec<i64> = {
        let conn = app.store().conn();
        let mut st = conn
            .prepare(
                "SELECT json_array_length('[\"' || replace(json_extract(detail, '$.mrns'), ' ', '\",\"') || '\"]')
                   FROM audit_log WHERE username = 'tech1' AND entity_type = 'provider_view' ORDER BY seq",
            )
            .expect("prepare");
        st.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert!(named.iter().all(|n| *n >= 1), "{named:?}");

    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Reports);
}

#[test]
fn old_items_are_flagged_delinquent() {
    let mut f = def_fixture();
    f.advance(chrono::Duration::days(60));
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('r'));
    press(app, KeyCode::Char('v'));
    type_text(app, "2");
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Provider, "{:?}", app.status());
    let text = screen(app, 30);
    assert!(text.contains("DELINQUENT"), "{text}");
}
