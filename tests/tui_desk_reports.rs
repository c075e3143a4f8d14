//! The HIM desk's lists on the reports screen (issue #13): the escalation letter batch of
//! every level (`E`), the suspension list (`U`), the analysis desk's re-review flags (`F`) and
//! the data-quality list (`Q`), each read through the audited report entry point. Snapshot of
//! the re-review list at 80x24 (`INSTA_UPDATE=always cargo test --test tui_desk_reports`).

mod tui_deficiency_fixture;

use chartdesk::audit::Actor;
use chartdesk::deficiency::{escalation, rereview};
use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen80(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

fn report_reads(app: &App, name: &str) -> String {
    scalar(
        app.store(),
        &format!(
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'report' AND entity_id = '{name}'"
        ),
    )
}

#[test]
fn technician_reads_letters_suspensions_rereview_flags_and_data_quality() {
    let mut f = def_fixture();
    // A late H&P amendment on the analysed chart flags it for the technicians.
    let mut other = f.other_workstation();
    rereview::flag_document(&mut other, &Actor::system("test"), 199, false).expect("flag");
    let app = &mut f.app;
    assert_eq!(
        rereview::open_flags(app.store().conn(), "analysis")
            .expect("flags")
            .len(),
        1
    );
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('r'));
    assert_eq!(app.screen(), ScreenId::Reports, "{:?}", app.status());

    press(app, KeyCode::Char('F'));
    let s = screen80(app);
    assert!(s.contains("Re-review flags"), "{s}");
    assert!(s.contains("V2026001"), "the flagged visit is listed:\n{s}");
    {
        let mut st = insta::Settings::clone_current();
        st.set_snapshot_suffix("80x24");
        st.bind(|| insta::assert_snapshot!("rereview_flags", s));
    }
    assert_eq!(report_reads(app, "rereview"), "Integer(1)");

    press(app, KeyCode::Char('E'));
    let s = screen80(app);
    assert!(s.contains("Escalation letters"), "{s}");
    assert!(s.contains("== Level"), "{s}");
    let levels = escalation::levels(app.store().conn())
        .expect("levels")
        .len();
    assert!(levels > 0);
    assert_eq!(
        report_reads(app, "escalation_letters"),
        format!("Integer({levels})"),
        "one audited batch per level"
    );

    press(app, KeyCode::Char('U'));
    assert!(screen80(app).contains("Suspension list"));
    assert_eq!(report_reads(app, "suspension_list"), "Integer(1)");

    press(app, KeyCode::Char('Q'));
    assert!(screen80(app).contains("Data-quality list"));
    assert_eq!(report_reads(app, "data_quality"), "Integer(1)");
}
