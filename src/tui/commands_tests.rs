//! Tests of the command registry (kept apart so `commands.rs` stays a table).

use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ctx(typing: bool) -> Ctx {
    Ctx {
        typing,
        ..Ctx::default()
    }
}

#[test]
fn every_command_is_registered_once_and_documented() {
    for (i, id) in CommandId::ALL.iter().enumerate() {
        assert_eq!(id.ordinal(), i, "{id:?} out of order in ALL");
        let found: Vec<_> = COMMANDS.iter().filter(|c| c.id == *id).collect();
        assert_eq!(found.len(), 1, "{id:?} registered {} times", found.len());
        let c = found[0];
        assert!(!c.doc.trim().is_empty(), "{id:?} has no doc");
        assert!(!c.screens.is_empty(), "{id:?} is on no screen");
        assert!(!c.keys.is_empty(), "{id:?} has no key");
        assert!(
            c.name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
            "{} is not snake_case",
            c.name
        );
    }
    assert_eq!(COMMANDS.len(), CommandId::ALL.len());
    let mut names: Vec<_> = COMMANDS.iter().map(|c| c.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), COMMANDS.len(), "palette names must be unique");
}

#[test]
fn no_key_is_bound_twice_on_a_screen() {
    let map = Keymap::default();
    for (i, (s1, k1, c1)) in map.rules.iter().enumerate() {
        for (s2, k2, c2) in &map.rules[i + 1..] {
            if s1 == s2 && k1 == k2 {
                let exclusive = matches!(
                    (c1.when, c2.when),
                    (Some(Cond::Typing), Some(Cond::NotTyping))
                        | (Some(Cond::NotTyping), Some(Cond::Typing))
                        | (Some(Cond::Reading), Some(Cond::NotReading))
                        | (Some(Cond::NotReading), Some(Cond::Reading))
                );
                assert!(
                    exclusive,
                    "{k1} bound to {:?} and {:?} on {s1:?}",
                    c1.id, c2.id
                );
            }
        }
    }
}

#[test]
fn every_key_spec_parses_back_from_a_key_event() {
    for c in COMMANDS {
        for k in c.keys {
            assert!(parse_spec(k).is_some(), "{k}");
            assert_eq!(
                parse_spec(k).and_then(|e| key_spec(&e)).as_deref(),
                Some(*k)
            );
        }
    }
}

/// Test-only inverse of [`key_spec`].
fn parse_spec(s: &str) -> Option<KeyEvent> {
    let code = match s {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        s if s.len() > 1 && s.starts_with('f') && s[1..].parse::<u8>().is_ok() => {
            KeyCode::F(s[1..].parse().ok()?)
        }
        s if s.starts_with("ctrl-") => {
            let c = s.chars().last()?;
            return Some(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        }
        s if s.chars().count() == 1 => KeyCode::Char(s.chars().next()?),
        _ => return None,
    };
    Some(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn printable_keys_type_into_fields_but_chords_still_resolve() {
    let map = Keymap::default();
    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(map.resolve(Home, &q, &ctx(false)), Some(C::Quit));
    assert_eq!(map.resolve(Search, &q, &ctx(true)), None);
    let cp = KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(map.resolve(Search, &cp, &ctx(true)), Some(C::Palette));
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(map.resolve(Search, &enter, &ctx(true)), Some(C::RunSearch));
    assert_eq!(map.resolve(Search, &enter, &ctx(false)), Some(C::OpenChart));
}

#[test]
fn guards_give_the_first_reason() {
    let c = Ctx::default();
    assert_eq!(
        disabled_reason(C::OpenChart, &c),
        Some(Disabled("nothing is selected"))
    );
    assert_eq!(disabled_reason(C::Help, &c), None);
}

#[test]
fn key_table_lists_every_binding_per_screen() {
    let t = key_table();
    let n: usize = COMMANDS.iter().map(|c| c.screens.len()).sum();
    assert_eq!(t.len(), n);
    assert!(t.contains(&(
        "login".to_string(),
        "ctrl-c".to_string(),
        "Sign out (audited) and leave chartdesk".to_string()
    )));
    assert!(t.contains(&(
        "chart".to_string(),
        "[".to_string(),
        "Show the previous (newer) encounter (no document open)".to_string()
    )));
}
