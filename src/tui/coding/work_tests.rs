//! Tests of the coding workbench's pure `update`: list changes save the whole list, the
//! screen refuses completion with the firing edit ids, prompts check their input.

use super::*;
use crate::coding::work::EncounterHeader;
use crate::coding::{Edit, Severity};

fn header() -> EncounterHeader {
    EncounterHeader {
        id: 7,
        visit_number: "V7".into(),
        mrn: "M7".into(),
        patient: "Doe, Jane".into(),
        birth_date: "1970-01-01".into(),
        sex: "F".into(),
        kind: "inpatient".into(),
        service: "Medicine".into(),
        admit_at: "2026-03-01T08:00:00".into(),
        discharge_at: Some("2026-03-04T10:00:00".into()),
        discharge_disposition: None,
        attending_id: Some(1),
        attending: None,
        him_status: "doc_complete".into(),
        coding_status: "in_progress".into(),
        coded_at: None,
    }
}

fn state(edits: Vec<Edit>) -> CodingWorkState {
    let list = CodeList {
        principal: Some(DxEntry::new("D630", Some('Y'))),
        secondary: vec![DxEntry::new("C50911", None)],
        procedures: vec![PxEntry::new("0HTV0ZZ"), PxEntry::new("30233N1")],
    };
    let r = CodingRefresh {
        header: header(),
        list,
        edits,
        hold: Vec::new(),
        queries: Vec::new(),
        titles: Vec::new(),
        drg: crate::coding::working_drg::WorkingDrg::NotInpatient,
        ranking: None,
    };
    CodingWorkState::new(r, Vec::new(), Vec::new())
}

fn saved(e: Effect) -> CodeList {
    match e {
        Effect::Coding(CodingAction::Save { list, .. }) => list,
        other => panic!("expected a save, got {other:?}"),
    }
}

#[test]
fn reorder_poa_and_principal_procedure_save_the_whole_list() {
    let mut s = state(Vec::new());
    let ctx = Ctx::default();
    s.sel = 1;
    let l = saved(update(&mut s, Msg::Command(CommandId::MoveCodeUp), &ctx));
    assert_eq!(
        l.principal.as_ref().map(|d| d.code.as_str()),
        Some("C50911"),
        "moved up to principal"
    );
    assert_eq!(s.sel, 0);
    let l = saved(update(&mut s, Msg::Command(CommandId::PoaNo), &ctx));
    assert_eq!(l.principal.and_then(|d| d.poa), Some('N'));
    let l = saved(update(&mut s, Msg::Command(CommandId::PoaNo), &ctx));
    assert_eq!(
        l.principal.and_then(|d| d.poa),
        None,
        "the same key again clears it"
    );
    s.sel = 3;
    let l = saved(update(
        &mut s,
        Msg::Command(CommandId::PrincipalProcedure),
        &ctx,
    ));
    assert_eq!(
        l.procedures.iter().map(|p| p.principal).collect::<Vec<_>>(),
        [false, true]
    );
    let l = saved(update(&mut s, Msg::Command(CommandId::RemoveCode), &ctx));
    assert_eq!(l.procedures.len(), 1);
    assert!(
        l.procedures[0].principal,
        "the remaining procedure becomes principal"
    );
}

#[test]
fn completion_is_refused_on_the_screen_with_the_firing_edit_ids() {
    let err = Edit {
        id: "MCE-06",
        severity: Severity::Error,
        code: Some("D63.0".into()),
        message: "m".into(),
    };
    let warn = Edit {
        id: "POA-02-NO-LIST",
        severity: Severity::Warning,
        code: None,
        message: "w".into(),
    };
    let ctx = Ctx::default();
    let mut s = state(vec![err, warn.clone()]);
    let e = update(&mut s, Msg::Command(CommandId::CompleteCoding), &ctx);
    assert_eq!(
        e,
        Effect::Status("complete: blocked by error edits MCE-06@D63.0 — fix the codes".into())
    );
    let mut s = state(vec![warn]);
    let e = update(&mut s, Msg::Command(CommandId::CompleteCoding), &ctx);
    assert!(matches!(e, Effect::Status(m) if m.contains("acknowledge the warnings")));
    let _ = update(&mut s, Msg::Command(CommandId::AcknowledgeWarnings), &ctx);
    let e = update(&mut s, Msg::Command(CommandId::CompleteCoding), &ctx);
    assert_eq!(
        e,
        Effect::Coding(CodingAction::Complete {
            encounter_id: 7,
            acknowledged: vec!["POA-02-NO-LIST".into()],
            override_reason: None
        })
    );
}

#[test]
fn procedure_date_is_typed_and_checked() {
    let mut s = state(Vec::new());
    let ctx = Ctx::default();
    s.sel = 2;
    let _ = update(&mut s, Msg::Command(CommandId::ProcedureDate), &ctx);
    let key = |c| Msg::Key(crossterm::event::KeyEvent::from(c));
    for c in "2026-13-01".chars() {
        let _ = update(&mut s, key(crossterm::event::KeyCode::Char(c)), &ctx);
    }
    let e = update(&mut s, key(crossterm::event::KeyCode::Enter), &ctx);
    assert!(matches!(e, Effect::Status(m) if m.contains("not YYYY-MM-DD")));
    for _ in 0..10 {
        let _ = update(&mut s, key(crossterm::event::KeyCode::Backspace), &ctx);
    }
    for c in "2026-03-02".chars() {
        let _ = update(&mut s, key(crossterm::event::KeyCode::Char(c)), &ctx);
    }
    let l = saved(update(&mut s, key(crossterm::event::KeyCode::Enter), &ctx));
    assert_eq!(l.procedures[0].date, NaiveDate::from_ymd_opt(2026, 3, 2));
}

#[test]
fn reopen_needs_a_reason_and_query_a_question() {
    let mut s = state(Vec::new());
    let ctx = Ctx::default();
    let _ = update(&mut s, Msg::Command(CommandId::ReopenCoding), &ctx);
    let key = |c| Msg::Key(crossterm::event::KeyEvent::from(c));
    for c in "too short".chars() {
        let _ = update(&mut s, key(crossterm::event::KeyCode::Char(c)), &ctx);
    }
    let e = update(&mut s, key(crossterm::event::KeyCode::Enter), &ctx);
    assert!(matches!(e, Effect::Status(m) if m.contains("at least 10")));
    for c in " — payer review".chars() {
        let _ = update(&mut s, key(crossterm::event::KeyCode::Char(c)), &ctx);
    }
    let e = update(&mut s, key(crossterm::event::KeyCode::Enter), &ctx);
    assert_eq!(
        e,
        Effect::Coding(CodingAction::Reopen {
            encounter_id: 7,
            reason: "too short — payer review".into()
        })
    );
    assert!(s.modal.is_none());
}

#[test]
fn drill_down_keys_in_the_picker_ask_for_the_billable_codes() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = state(Vec::new());
    let ctx = Ctx::default();
    let _ = update(&mut s, Msg::Command(CommandId::AddDiagnosis), &ctx);
    assert!(matches!(s.modal, Some(Modal::Picker { .. })));
    for k in [
        KeyEvent::from(KeyCode::Right),
        KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL),
    ] {
        let e = update(&mut s, Msg::Key(k), &ctx);
        assert!(
            matches!(e, Effect::Picker(PickerInput::Drill)),
            "{k:?} gave {e:?}"
        );
    }
    // Typed letters still go to the query, and esc reaches the picker (back from a drill).
    let e = update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char('d'))), &ctx);
    assert!(matches!(e, Effect::Picker(PickerInput::Char('d'))), "{e:?}");
    let e = update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Esc)), &ctx);
    assert!(matches!(e, Effect::Picker(PickerInput::Escape)), "{e:?}");
}
