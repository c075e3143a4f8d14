//! Sanitising text that came from files (notes, names, HL7) before it reaches a terminal:
//! no control characters, no escape sequences, no bidirectional overrides.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{200E}'
        || c == '\u{200F}'
}

/// Multi-line text: keeps newlines, turns tabs into four spaces, drops every other control
/// character and whole ANSI/VT escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`,
/// and two-character `ESC x`). Carriage returns are dropped (CRLF → LF).
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) || c == '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push_str("    "),
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    // CSI: parameters and intermediates, then one final byte in @..~
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
                    // OSC/DCS/SOS/PM/APC: up to BEL or ST (ESC \)
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            },
            // C1 CSI (U+009B) introduces a sequence too.
            '\u{9b}' => {
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One-line text (names, titles): like [`sanitize`], and newlines become spaces.
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    let clean = sanitize(s);
    if clean.contains('\n') {
        Cow::Owned(clean.replace('\n', " "))
    } else {
        clean
    }
}

/// Every string in a JSON value (keys and values, recursively) through [`sanitize`]: JSON and
/// FHIR files written for other programs carry no control, escape, C1 or bidi characters
/// (serde_json escapes only C0; C1 and bidi would pass raw).
pub fn sanitize_json(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(clean) = sanitize(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sanitize_json),
        Value::Object(map) => {
            let dirty: Vec<String> = map
                .keys()
                .filter(|k| matches!(sanitize(k), Cow::Owned(_)))
                .cloned()
                .collect();
            for k in dirty {
                if let Some(val) = map.remove(&k) {
                    map.insert(sanitize(&k).into_owned(), val);
                }
            }
            map.values_mut().for_each(sanitize_json);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_never_pass() {
        let cases = [
            ("plain text", "plain text"),
            ("red \u{1b}[31mALERT\u{1b}[0m done", "red ALERT done"),
            ("title \u{1b}]0;pwned\u{7} x", "title  x"),
            ("osc st \u{1b}]8;;http://x\u{1b}\\link", "osc st link"),
            ("bell\u{7} bs\u{8} nul\u{0}", "bell bs nul"),
            ("crlf\r\nline", "crlf\nline"),
            ("tab\there", "tab    here"),
            ("c1 \u{9b}2J csi", "c1  csi"),
            ("bidi \u{202E}evil\u{202C}", "bidi evil"),
            ("dangling \u{1b}", "dangling "),
        ];
        for (input, want) in cases {
            let got = sanitize(input);
            assert_eq!(got, want, "{input:?}");
            assert!(!got.chars().any(|c| c.is_control() && c != '\n'), "{got:?}");
        }
    }

    #[test]
    fn json_outputs_keep_no_bidi_or_c1() {
        let mut v = serde_json::json!({"name": "Ana\u{202E}gpj.exe\u{85}", "list": ["a\u{9b}2J", 1], "k\u{2066}": "x"});
        sanitize_json(&mut v);
        let text = serde_json::to_string(&v).expect("json");
        assert!(!text.chars().any(is_unsafe), "{text}");
        assert_eq!(v["name"], "Anagpj.exe");
        assert_eq!(v["k"], "x");
    }

    #[test]
    fn one_line_text_has_no_newlines() {
        assert_eq!(sanitize_line("DOE\nJOHN\u{1b}[2J"), "DOE JOHN");
    }

    proptest::proptest! {
        #[test]
        fn sanitized_output_has_no_escape_or_control(s in proptest::prelude::any::<String>()) {
            let out = sanitize(&s);
            proptest::prop_assert!(!out.chars().any(|c| c != '\n' && (c.is_control() || is_unsafe(c))));
        }
    }
}
