//! Key parsing and everything generated from [`COMMANDS`] for the user: the key map, help and
//! palette lines, the footer hints and the README key table.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{COMMANDS, Command, CommandId, Cond, Disabled, ScreenId};
use crate::tui::Ctx;

/// The key spec of a key event: `q`, `?`, `ctrl-p`, `enter`, `backtab`, `f1`, …
pub fn key_spec(key: &KeyEvent) -> Option<String> {
    let named = match key.code {
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return Some(format!("ctrl-{}", c.to_ascii_lowercase()));
        }
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::ALT) => {
            return Some(format!("alt-{c}"));
        }
        KeyCode::Char(c) => return Some(c.to_string()),
        KeyCode::F(n) => return Some(format!("f{n}")),
        KeyCode::Enter => "enter",
        KeyCode::Esc => "esc",
        KeyCode::Tab => "tab",
        KeyCode::BackTab => "backtab",
        KeyCode::Up => "up",
        KeyCode::Down => "down",
        KeyCode::Left => "left",
        KeyCode::Right => "right",
        KeyCode::PageUp => "pageup",
        KeyCode::PageDown => "pagedown",
        KeyCode::Home => "home",
        KeyCode::End => "end",
        KeyCode::Backspace => "backspace",
        KeyCode::Delete => "delete",
        _ => return None,
    };
    Some(named.to_string())
}

/// A plain printable key: typed into a focused text field rather than run.
fn is_printable(spec: &str) -> bool {
    spec.chars().count() == 1
}

/// Resolves (screen, key) to a command; built from [`COMMANDS`].
pub struct Keymap {
    pub(super) rules: Vec<(ScreenId, &'static str, &'static Command)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut rules = Vec::new();
        for c in COMMANDS {
            for &s in c.screens {
                for &k in c.keys {
                    rules.push((s, k, c));
                }
            }
        }
        Keymap { rules }
    }
}

impl Keymap {
    pub fn resolve(&self, screen: ScreenId, key: &KeyEvent, ctx: &Ctx) -> Option<CommandId> {
        let spec = key_spec(key)?;
        if ctx.typing && is_printable(&spec) {
            return None;
        }
        self.rules
            .iter()
            .find(|(s, k, c)| *s == screen && *k == spec && c.when.is_none_or(|w| w.holds(ctx)))
            .map(|(_, _, c)| c.id)
    }
}

/// The first failing guard's reason, if any.
pub fn disabled_reason(id: CommandId, ctx: &Ctx) -> Option<Disabled> {
    id.command().guards.iter().find_map(|g| g(ctx).err())
}

/// The commands bound on a screen, in table order.
pub fn screen_commands(screen: ScreenId) -> impl Iterator<Item = &'static Command> {
    COMMANDS.iter().filter(move |c| c.screens.contains(&screen))
}

/// The keys of a command on a screen as shown to users: `up, k`. On a screen that is always
/// typing (login) plain printable keys never run commands, so they are not shown there.
pub fn keys_label(c: &Command, screen: ScreenId) -> String {
    c.keys
        .iter()
        .filter(|k| !(screen.always_typing() && is_printable(k)))
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The description with the binding's condition, as listed in help and the key table.
pub fn describe(c: &Command) -> String {
    match c.when {
        None => c.doc.to_string(),
        Some(Cond::Typing) => format!("{} (in the text field)", c.doc),
        Some(Cond::NotTyping) => format!("{} (in the list)", c.doc),
        Some(Cond::Reading) => format!("{} (reading a document)", c.doc),
        Some(Cond::NotReading) => format!("{} (no document open)", c.doc),
    }
}

/// Footer hints for a screen: `(first key, label)`, skipping bindings that do not apply now.
pub fn footer_hints(screen: ScreenId, ctx: &Ctx) -> Vec<(String, &'static str)> {
    // Only keys that work now: the role may use them and their guards hold (help and the
    // palette still list everything, with the reason a command is disabled).
    screen_commands(screen)
        .filter(|c| c.when.is_none_or(|w| w.holds(ctx)))
        .filter(|c| disabled_reason(c.id, ctx).is_none())
        .filter_map(|c| {
            let hint = c.hint?;
            let key = c.keys.iter().find(|k| !(ctx.typing && is_printable(k)))?;
            Some((key.to_string(), hint))
        })
        .collect()
}

/// `(screen, keys, description)` for every binding; the README key table is checked against it.
pub fn key_table() -> Vec<(String, String, String)> {
    ScreenId::ALL
        .iter()
        .flat_map(|&s| {
            screen_commands(s).map(move |c| (s.name().to_string(), keys_label(c, s), describe(c)))
        })
        .collect()
}
