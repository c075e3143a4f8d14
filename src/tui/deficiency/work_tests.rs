use super::*;
use crate::deficiency::ops::DeficiencyRow;
use crossterm::event::{KeyCode, KeyEvent};

fn def(
    id: i64,
    kind: &str,
    status: &str,
    doc: Option<i64>,
    provider: Option<i64>,
) -> DeficiencyRow {
    DeficiencyRow {
        id,
        encounter_id: 10,
        document_id: doc,
        kind: kind.into(),
        status: status.into(),
        provider_id: provider,
        provider: provider.map(|p| format!("Doctor {p}")),
        assigned_at: "2026-11-01T10:00:00".into(),
        due_at: "2026-11-15T10:00:00".into(),
        waive_pending: false,
        rule: "REQ-DS".into(),
        note: "Discharge summary \u{1b}[2Jmissing".into(),
    }
}

fn state() -> WorkState {
    let chart = crate::tui::chart_view::tests::sample_chart();
    WorkState::new(
        chart,
        10,
        Some(1),
        vec![
            def(1, "MISS_DS", "open", None, Some(1)),
            def(2, "UNSIGNED", "open", Some(101), Some(7)),
            def(3, "MISS_PN", "completed", None, Some(1)),
        ],
        vec![(1, "House, Greg".into()), (7, "Wilson, James".into())],
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
    )
}

fn run(s: &mut WorkState, c: CommandId) -> Effect {
    update(s, Msg::Command(c), &Ctx::default())
}

fn keys(s: &mut WorkState, text: &str) -> Effect {
    let mut last = Effect::None;
    for c in text.chars() {
        last = update(
            s,
            Msg::Key(KeyEvent::from(KeyCode::Char(c))),
            &Ctx::default(),
        );
    }
    last
}

fn key(s: &mut WorkState, k: KeyCode) -> Effect {
    update(s, Msg::Key(KeyEvent::from(k)), &Ctx::default())
}

#[test]
fn enter_reads_the_document_and_esc_closes_it_before_leaving() {
    let mut s = state();
    let _ = run(&mut s, CommandId::MoveDown);
    assert_eq!(
        run(&mut s, CommandId::OpenDocument),
        Effect::ReadDocument { doc_id: 101 }
    );
    let _ = run(&mut s, CommandId::SwitchFocus);
    assert_eq!(
        run(&mut s, CommandId::OpenDocument),
        Effect::Status("open_document: this deficiency names no document".into()),
        "MISS_DS has no document"
    );
    let _ = run(&mut s, CommandId::MoveDown);
    assert_eq!(
        run(&mut s, CommandId::OpenDocument),
        Effect::ReadDocument { doc_id: 101 },
        "UNSIGNED names its document"
    );
    let d = crate::domain::Document {
        summary: crate::tui::chart_view::tests::sample_chart().documents[1].clone(),
        body: "line\u{1b}[2J one\nline two".into(),
    };
    let _ = update(&mut s, Msg::Document(d), &Ctx::default());
    assert_eq!(
        s.reading.as_ref().map(|o| o.lines.clone()),
        Some(vec!["line one".to_string(), "line two".to_string()])
    );
    assert_eq!(
        run(&mut s, CommandId::Back),
        Effect::None,
        "Esc closes the text"
    );
    assert!(s.reading.is_none());
    assert_eq!(
        run(&mut s, CommandId::Back),
        Effect::Deficiency(DefAction::LeaveWork { encounter_id: 10 })
    );
}

#[test]
fn rows_are_sanitised_and_aged_from_assignment() {
    let s = state();
    assert_eq!(s.defs[0].note, "Discharge summary missing");
    assert_eq!(s.defs[0].age, Some(24));
    assert!(s.defs[0].open && !s.defs[2].open);
    assert!(s.defs[0].delinquent, "DEL-02: open and past its due date");
    assert!(
        !s.defs[2].delinquent,
        "closed deficiencies are never delinquent"
    );
    let mut c = Ctx::default();
    s.fill_ctx(&mut c);
    assert!(c.work.def_open && !c.work.doc_unsigned && !c.modal);
}

#[test]
fn add_takes_two_keys_with_document_and_its_provider_preselected() {
    let mut s = state();
    let _ = run(&mut s, CommandId::MoveDown); // the unsigned discharge summary (doc 101)
    assert_eq!(run(&mut s, CommandId::AddDeficiency), Effect::None);
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        Effect::Deficiency(DefAction::Add {
            encounter_id: 10,
            kind: "MISS_HP".into(),
            document_id: Some(101),
            provider_id: Some(7),
        })
    );
    assert!(s.form.is_none());
    // From the deficiency pane: no document, the attending.
    let _ = run(&mut s, CommandId::SwitchFocus);
    let _ = run(&mut s, CommandId::AddDeficiency);
    let _ = keys(&mut s, "correction");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        Effect::Deficiency(DefAction::Add {
            encounter_id: 10,
            kind: "CORRECTION".into(),
            document_id: None,
            provider_id: Some(1),
        })
    );
}

#[test]
fn waive_needs_a_code_and_ten_characters_before_any_effect() {
    let mut s = state();
    let _ = run(&mut s, CommandId::SwitchFocus);
    let _ = run(&mut s, CommandId::WaiveDeficiency);
    let mut c = Ctx::default();
    s.fill_ctx(&mut c);
    assert!(c.modal);
    let _ = key(&mut s, KeyCode::Down); // WV_NOT_APPLICABLE
    let _ = key(&mut s, KeyCode::Tab);
    let _ = keys(&mut s, "short");
    assert_eq!(key(&mut s, KeyCode::Enter), Effect::None);
    assert!(s.form.as_ref().is_some_and(|(_, f)| f.error.is_some()));
    let _ = keys(&mut s, " but now long");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        Effect::Deficiency(DefAction::Transition {
            id: 1,
            to: DefStatus::Waived,
            reason: "short but now long".into(),
            waive: Some(WaiveReason::NotApplicable),
        })
    );
}

#[test]
fn void_and_reassign_forms() {
    let mut s = state();
    let _ = run(&mut s, CommandId::SwitchFocus);
    let _ = run(&mut s, CommandId::MoveDown);
    let _ = run(&mut s, CommandId::VoidDeficiency);
    let _ = keys(&mut s, "created in error");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        Effect::Deficiency(DefAction::Transition {
            id: 2,
            to: DefStatus::Void,
            reason: "created in error".into(),
            waive: None,
        })
    );
    let _ = run(&mut s, CommandId::ReassignDeficiency);
    let _ = keys(&mut s, "wilson");
    let _ = key(&mut s, KeyCode::Tab);
    let _ = keys(&mut s, "covering");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        Effect::Deficiency(DefAction::Reassign {
            id: 2,
            provider_id: 7,
            reason: "covering".into(),
        })
    );
    let _ = run(&mut s, CommandId::ReassignDeficiency);
    assert_eq!(key(&mut s, KeyCode::Esc), Effect::None);
    assert!(s.form.is_none(), "Esc cancels without an effect");
}

#[test]
fn sign_complete_back_and_signed_document() {
    let mut s = state();
    let _ = run(&mut s, CommandId::MoveDown);
    let mut c = Ctx::default();
    s.fill_ctx(&mut c);
    assert!(c.work.doc_unsigned);
    assert_eq!(
        run(&mut s, CommandId::RecordSignature),
        Effect::Deficiency(DefAction::Sign { document_id: 101 })
    );
    let _ = update(&mut s, Msg::Signed { document_id: 101 }, &Ctx::default());
    assert!(!s.selected_doc().is_some_and(|d| d.unsigned));
    assert_eq!(
        run(&mut s, CommandId::CompleteDeficiency),
        Effect::Deficiency(DefAction::Transition {
            id: 1,
            to: DefStatus::Completed,
            reason: String::new(),
            waive: None
        })
    );
    assert_eq!(
        run(&mut s, CommandId::Back),
        Effect::Deficiency(DefAction::LeaveWork { encounter_id: 10 })
    );
}
