//! HL7 v2 parsing (no database).
//!
//! Accepted: segments ended by CR, LF or CRLF (blank and whitespace-only lines ignored), a
//! UTF-8 BOM, MLLP framing (0x0B … 0x1C 0x0D), several messages per file and FHS/BHS/BTS/FTS
//! batch envelopes (skipped). Separators come from MSH-1 and MSH-2 (component, repetition,
//! escape, subcomponent; a shorter MSH-2 disables the missing ones). Rejected, naming the line:
//! a file that is not UTF-8, content before the first MSH, an empty or invalid MSH-2, and a
//! segment id that is not three upper-case letters/digits followed by the field separator.
//! Required segments and fields are checked when a message is interpreted (`hl7_apply`).

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use super::ImportError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub field: char,
    pub component: char,
    pub repetition: Option<char>,
    pub escape: Option<char>,
    pub subcomponent: Option<char>,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub id: String,
    /// 1-based physical line in the file.
    pub line: usize,
    /// `fields[n]` is field n (`fields[0]` is the id; for MSH, `fields[1]` is the field
    /// separator and `fields[2]` the encoding characters), raw (still escaped).
    pub fields: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Hl7Message {
    /// 1-based number of the message in the file.
    pub number: usize,
    pub delimiters: Delimiters,
    pub segments: Vec<Segment>,
    /// Last physical line of the file (to name where a truncated file ends).
    pub last_line: usize,
    /// SHA-256 (hex) of the segments joined with CR: the same message with other line endings
    /// or framing hashes alike.
    pub sha256: String,
}

impl Segment {
    /// Raw field `n` (empty when absent).
    pub fn raw(&self, n: usize) -> &str {
        self.fields.get(n).map_or("", String::as_str)
    }
}

impl Hl7Message {
    pub fn segment(&self, id: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.id == id)
    }

    /// Component `c` (1-based) of subcomponent 1 of repetition `rep` (0-based) of a raw field,
    /// unescaped.
    pub fn component(&self, raw: &str, rep: usize, c: usize) -> String {
        let r = match self.delimiters.repetition {
            Some(d) => raw.split(d).nth(rep).unwrap_or(""),
            None if rep == 0 => raw,
            None => "",
        };
        let comp = r.split(self.delimiters.component).nth(c - 1).unwrap_or("");
        let sub = match self.delimiters.subcomponent {
            Some(d) => comp.split(d).next().unwrap_or(""),
            None => comp,
        };
        self.unescape(sub).into_owned()
    }

    /// Number of repetitions of a raw field.
    pub fn repetitions<'a>(&self, raw: &'a str) -> Vec<&'a str> {
        match self.delimiters.repetition {
            Some(d) => raw.split(d).collect(),
            None => vec![raw],
        }
    }

    /// Decode escape sequences: `\F\ \S\ \T\ \R\ \E\`, `\Xhh…\` (bytes, UTF-8 or Latin-1),
    /// `\.br\` (newline); highlighting `\H\ \N\` and character-set escapes are dropped; an
    /// unknown or unterminated sequence is kept literally.
    pub fn unescape<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let Some(esc) = self.delimiters.escape else {
            return Cow::Borrowed(s);
        };
        if !s.contains(esc) {
            return Cow::Borrowed(s);
        }
        let d = &self.delimiters;
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find(esc) {
            out.push_str(&rest[..i]);
            let after = &rest[i + esc.len_utf8()..];
            let Some(j) = after.find(esc) else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let seq = &after[..j];
            match seq {
                "F" => out.push(d.field),
                "S" => out.push(d.component),
                "T" => out.extend(d.subcomponent),
                "R" => out.extend(d.repetition),
                "E" => out.push(esc),
                ".br" => out.push('\n'),
                "H" | "N" => {}
                x if x.starts_with('X') && x.len() % 2 == 1 => match hex(&x[1..]) {
                    Some(bytes) => match String::from_utf8(bytes) {
                        Ok(t) => out.push_str(&t),
                        Err(e) => out.extend(e.into_bytes().into_iter().map(char::from)),
                    },
                    None => {
                        out.push(esc);
                        out.push_str(seq);
                        out.push(esc);
                    }
                },
                x if x.starts_with('C') || x.starts_with('M') => {}
                _ => {
                    out.push(esc);
                    out.push_str(seq);
                    out.push(esc);
                }
            }
            rest = &after[j + esc.len_utf8()..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// Split `text` into physical lines (CR, LF or CRLF end a line), with 1-based numbers.
/// A terminator at the very end does not start another line.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = Some(text);
    let mut n = 0;
    std::iter::from_fn(move || {
        let r = rest?;
        n += 1;
        match r.find(['\r', '\n']) {
            None => {
                rest = None;
                Some((n, r))
            }
            Some(i) => {
                let skip = if r[i..].starts_with("\r\n") { 2 } else { 1 };
                let next = &r[i + skip..];
                rest = (!next.is_empty()).then_some(next);
                Some((n, &r[..i]))
            }
        }
    })
}

/// Parse an HL7 v2 file (parse-only; used by the importer and the bench).
pub fn parse_hl7(bytes: &[u8], file: &str) -> Result<Vec<Hl7Message>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let before = &bytes[..at];
        let line = 1 + before
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')))
            .count();
        ImportError::new(file, format!("line {line}"), "file is not valid UTF-8")
    })?;
    let mut out: Vec<Hl7Message> = Vec::new();
    let mut hasher: Option<Sha256> = None;
    let mut last_line = 0;
    let finish = |out: &mut Vec<Hl7Message>, hasher: &mut Option<Sha256>| {
        if let (Some(m), Some(h)) = (out.last_mut(), hasher.take()) {
            m.sha256 = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        }
    };
    for (n, raw) in lines(text) {
        last_line = n;
        let line = raw
            .trim_start_matches('\u{0B}')
            .trim_end_matches(['\u{1C}', '\u{0B}']);
        if line.trim().is_empty() {
            continue;
        }
        let id = line.get(..3).unwrap_or(line);
        let number = if id == "MSH" {
            out.len() + 1
        } else {
            out.len().max(1)
        };
        let at = |what: &str| format!("message {number}, line {n} ({what})");
        if !(id.len() == 3
            && id.as_bytes()[0].is_ascii_uppercase()
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        {
            let shown: String = id.chars().take(3).collect();
            return Err(ImportError::new(
                file,
                at(&shown),
                format!(
                    "segment id '{shown}' is not valid (segment ids are 3 upper-case letters or digits)"
                ),
            ));
        }
        if matches!(id, "MSH" | "FHS" | "BHS") {
            let delimiters = header_delimiters(line)
                .map_err(|m| ImportError::new(file, at(&format!("{id}-2")), m))?;
            if id != "MSH" {
                continue;
            }
            finish(&mut out, &mut hasher);
            let mut fields: Vec<String> =
                line.split(delimiters.field).map(str::to_string).collect();
            fields.insert(1, delimiters.field.to_string());
            let mut h = Sha256::new();
            h.update(line.as_bytes());
            hasher = Some(h);
            out.push(Hl7Message {
                number: out.len() + 1,
                delimiters,
                segments: vec![Segment {
                    id: "MSH".into(),
                    line: n,
                    fields,
                }],
                last_line: 0,
                sha256: String::new(),
            });
            continue;
        }
        if matches!(id, "BTS" | "FTS") {
            continue;
        }
        let Some(msg) = out.last_mut() else {
            return Err(ImportError::new(
                file,
                format!("message 1, line {n} ({id})"),
                format!("message does not start with an MSH segment (found {id})"),
            ));
        };
        let sep = msg.delimiters.field;
        if line.len() > 3 && !line[3..].starts_with(sep) {
            return Err(ImportError::new(
                file,
                at(id),
                format!("segment {id} is not followed by the field separator '{sep}'"),
            ));
        }
        if let Some(h) = hasher.as_mut() {
            h.update(b"\r");
            h.update(line.as_bytes());
        }
        msg.segments.push(Segment {
            id: id.to_string(),
            line: n,
            fields: line.split(sep).map(str::to_string).collect(),
        });
    }
    finish(&mut out, &mut hasher);
    if out.is_empty() {
        return Err(ImportError::new(
            file,
            "",
            "no HL7 message (no MSH segment) in the file",
        ));
    }
    for m in &mut out {
        m.last_line = last_line;
    }
    Ok(out)
}

/// Separators of an MSH/FHS/BHS line: MSH-1 and MSH-2.
fn header_delimiters(line: &str) -> Result<Delimiters, String> {
    let mut chars = line[3..].chars();
    let field = chars
        .next()
        .ok_or("header segment has no field separator (MSH-1)")?;
    if field.is_alphanumeric() || field.is_whitespace() {
        return Err(format!("field separator '{field}' (MSH-1) is not valid"));
    }
    let enc: Vec<char> = chars.take_while(|&c| c != field).collect();
    if enc.is_empty() {
        return Err("encoding characters (MSH-2) are empty".into());
    }
    if enc.len() > 5 {
        return Err("encoding characters (MSH-2) are longer than 5 characters".into());
    }
    for (i, c) in enc.iter().enumerate() {
        if c.is_alphanumeric() || c.is_whitespace() || enc[..i].contains(c) {
            return Err(format!(
                "encoding characters (MSH-2) '{}' are not valid",
                enc.iter().collect::<String>()
            ));
        }
    }
    Ok(Delimiters {
        field,
        component: enc[0],
        repetition: enc.get(1).copied(),
        escape: enc.get(2).copied(),
        subcomponent: enc.get(3).copied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_cover_all_endings() {
        let v: Vec<_> = lines("a\r\nb\rc\nd").collect();
        assert_eq!(v, vec![(1, "a"), (2, "b"), (3, "c"), (4, "d")]);
        let v: Vec<_> = lines("a\n").collect();
        assert_eq!(v, vec![(1, "a")]);
    }

    #[test]
    fn escapes_decode() {
        let m = &parse_hl7(b"MSH|^~\\&|A|B\rPID|1", "t").unwrap()[0];
        assert_eq!(
            m.unescape(r"a\F\b\S\c\T\d\R\e\E\f\.br\g"),
            "a|b^c&d~e\\f\ng"
        );
        assert_eq!(m.unescape(r"\X41C3A9\"), "Aé");
        assert_eq!(m.unescape(r"x\Q\y\z"), r"x\Q\y\z");
    }
}
