//! What the workbench sends to the runtime when the coder completes or answers a prompt (reason,
//! query, override): refused early when the screen already knows the core would refuse.

use super::*;

/// Complete, unless the screen already knows it would be refused: an error edit fires (the
/// ids are shown) or a warning is not acknowledged. The core checks all of it again.
pub(super) fn completion(s: &CodingWorkState, override_reason: Option<String>) -> Effect {
    let errors: Vec<String> = s
        .edits
        .iter()
        .filter(|e| e.error)
        .map(|e| e.key.clone())
        .collect();
    if !errors.is_empty() {
        return Effect::Status(format!(
            "complete: blocked by error edits {} — fix the codes",
            errors.join(", ")
        ));
    }
    let unacked = s.warnings_unacknowledged();
    if !unacked.is_empty() {
        return Effect::Status(format!(
            "complete: acknowledge the warnings first (!): {}",
            unacked.join(", ")
        ));
    }
    Effect::Coding(CodingAction::Complete {
        encounter_id: s.encounter_id,
        acknowledged: s.acknowledged.clone(),
        override_reason,
    })
}

pub(super) fn submit_prompt(s: &mut CodingWorkState, prompt: Prompt, text: String) -> Effect {
    match prompt {
        Prompt::Override if text.chars().count() < MIN_REASON_CHARS => Effect::Status(format!(
            "override: the reason needs at least {MIN_REASON_CHARS} characters"
        )),
        Prompt::Override => {
            s.modal = None;
            completion(s, Some(text))
        }
        Prompt::ProcedureDate(i) => match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => {
                s.modal = None;
                match s.list.procedures.get_mut(i) {
                    Some(p) => {
                        p.date = Some(d);
                        s.save()
                    }
                    None => Effect::None,
                }
            }
            Err(_) => Effect::Status(format!("procedure date: {text:?} is not YYYY-MM-DD")),
        },
        Prompt::Find => {
            s.modal = None;
            match &mut s.reading {
                Some(r) => {
                    r.find = text;
                    if r.find.is_empty() {
                        return Effect::None;
                    }
                    r.find_next(true)
                }
                None => Effect::None,
            }
        }
        Prompt::Query if text.is_empty() => {
            Effect::Status("send_query: type the question (COD-21 stores it)".into())
        }
        Prompt::Reopen if text.chars().count() < MIN_REASON_CHARS => Effect::Status(format!(
            "reopen: the reason needs at least {MIN_REASON_CHARS} characters"
        )),
        Prompt::Query => {
            s.modal = None;
            Effect::Coding(CodingAction::Query {
                encounter_id: s.encounter_id,
                question: text,
            })
        }
        Prompt::Reopen => {
            s.modal = None;
            Effect::Coding(CodingAction::Reopen {
                encounter_id: s.encounter_id,
                reason: text,
            })
        }
    }
}
