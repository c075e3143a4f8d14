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
    /// Last physical line of the file when this is the file's last message, else 0 (to name
    /// where a truncated file ends).
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

/// Parse an HL7 v2 file held in memory (parse-only; used by the bench and tests): every
/// message, or the first error. The importer streams with [`Hl7Reader`] instead.
pub fn parse_hl7(bytes: &[u8], file: &str) -> Result<Vec<Hl7Message>, ImportError> {
    Hl7Reader::new(bytes, file).collect()
}

/// Streaming HL7 v2 parser: yields one message at a time from any reader, so memory stays at
/// one message (plus one line) whatever the file size.
///
/// Invariants:
/// - A bad line (segment id, MSH-2, field separator, UTF-8) makes its **message** an `Err`
///   naming the line; the reader then skips to the next MSH and goes on. Lines before the first
///   MSH are reported once as `message 1, line N`.
/// - A read error, or a file with no MSH at all, ends the stream with an `Err` about the file
///   (empty location); nothing follows it.
/// - Message numbers and line numbers are those of the whole file.
pub struct Hl7Reader<R> {
    input: R,
    file: String,
    line_no: usize,
    /// A CR ended the previous line: a LF right after it belongs to the same terminator.
    after_cr: bool,
    eof: bool,
    bom_checked: bool,
    /// Messages started (MSH lines seen).
    started: usize,
    current: Option<Building>,
    /// The bad lines before the first MSH were reported.
    orphan_reported: bool,
    /// Skipping to the next MSH after a bad header line outside a message.
    skipping: bool,
    done: bool,
    emitted_any: bool,
    line: Vec<u8>,
    /// An error to hand out after the message that was finished on the same line.
    pending: Option<Result<Hl7Message, ImportError>>,
}

struct Building {
    message: Hl7Message,
    hasher: Sha256,
    error: Option<ImportError>,
}

impl<'a> Hl7Reader<&'a [u8]> {
    /// A reader over bytes in memory.
    pub fn new(bytes: &'a [u8], file: &str) -> Self {
        Hl7Reader::from_reader(bytes, file)
    }
}

impl<R: std::io::BufRead> Hl7Reader<R> {
    pub fn from_reader(input: R, file: &str) -> Self {
        Hl7Reader {
            input,
            file: file.to_string(),
            line_no: 0,
            after_cr: false,
            eof: false,
            bom_checked: false,
            started: 0,
            current: None,
            orphan_reported: false,
            skipping: false,
            done: false,
            emitted_any: false,
            line: Vec::new(),
            pending: None,
        }
    }

    /// The next physical line into `self.line` (CR, LF or CRLF end a line; a terminator at
    /// the very end does not start another line). `Ok(false)` at the end of the input.
    fn next_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        if self.eof {
            return Ok(false);
        }
        let mut any = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                self.eof = true;
                if any {
                    self.line_no += 1;
                }
                return Ok(any);
            }
            let mut start = 0;
            if self.after_cr {
                self.after_cr = false;
                if buf[0] == b'\n' {
                    start = 1;
                }
            }
            match buf[start..].iter().position(|&b| b == b'\r' || b == b'\n') {
                Some(i) => {
                    self.line.extend_from_slice(&buf[start..start + i]);
                    self.after_cr = buf[start + i] == b'\r';
                    self.input.consume(start + i + 1);
                    self.line_no += 1;
                    return Ok(true);
                }
                None => {
                    let n = buf.len();
                    any |= n > start;
                    self.line.extend_from_slice(&buf[start..]);
                    self.input.consume(n);
                }
            }
        }
    }

    fn finish(&mut self) -> Option<Result<Hl7Message, ImportError>> {
        let b = self.current.take()?;
        self.emitted_any = true;
        Some(match b.error {
            Some(e) => Err(e),
            None => {
                let mut m = b.message;
                m.sha256 = b
                    .hasher
                    .finalize()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                Ok(m)
            }
        })
    }

    /// Handle one line; returns a finished message when this line started the next one.
    fn take_line(&mut self, raw: &[u8]) -> Option<Result<Hl7Message, ImportError>> {
        let n = self.line_no;
        let mut bytes: &[u8] = raw;
        if !self.bom_checked {
            self.bom_checked = true;
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        while let [0x0B, rest @ ..] = bytes {
            bytes = rest;
        }
        while let [rest @ .., 0x1C | 0x0B] = bytes {
            bytes = rest;
        }
        let number = self.started.max(1);
        let file = self.file.clone();
        let at = |what: &str, number: usize| format!("message {number}, line {n} ({what})");
        let line = match std::str::from_utf8(bytes) {
            Ok(l) => l,
            Err(_) => {
                let at = match &self.current {
                    Some(b) => format!("message {}, line {n}", b.message.number),
                    None => format!("line {n}"),
                };
                let e = ImportError::new(&file, at, "line is not valid UTF-8");
                return self.fail_line(e);
            }
        };
        if line.trim().is_empty() {
            return None;
        }
        let id = line.get(..3).unwrap_or(line);
        let header = matches!(id, "MSH" | "FHS" | "BHS");
        if !(id.len() == 3
            && id.as_bytes()[0].is_ascii_uppercase()
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        {
            let shown: String = id.chars().take(3).collect();
            let number = if self.current.is_some() {
                number
            } else {
                self.started + 1
            };
            let e = ImportError::new(
                &file,
                at(&shown, number),
                format!(
                    "segment id '{shown}' is not valid (segment ids are 3 upper-case letters or digits)"
                ),
            );
            return self.fail_line(e);
        }
        if header {
            let number = if id == "MSH" {
                self.started + 1
            } else {
                number
            };
            let done = if id == "MSH" || self.current.is_some() {
                self.finish()
            } else {
                None
            };
            self.skipping = false;
            let delimiters = match header_delimiters(line) {
                Ok(d) => d,
                Err(m) => {
                    let e = ImportError::new(&file, at(&format!("{id}-2"), number), m);
                    if id == "MSH" {
                        self.started += 1;
                        self.current = Some(Building {
                            message: Hl7Message {
                                number,
                                delimiters: Delimiters {
                                    field: '|',
                                    component: '^',
                                    repetition: None,
                                    escape: None,
                                    subcomponent: None,
                                },
                                segments: Vec::new(),
                                last_line: 0,
                                sha256: String::new(),
                            },
                            hasher: Sha256::new(),
                            error: Some(e),
                        });
                        return done;
                    }
                    self.skipping = true;
                    self.emitted_any = true;
                    // Hand the finished message out first; the header error follows it.
                    return match done {
                        Some(d) => {
                            self.pending = Some(Err(e));
                            Some(d)
                        }
                        None => Some(Err(e)),
                    };
                }
            };
            if id != "MSH" {
                self.skipping = true;
                return done;
            }
            self.started += 1;
            let mut fields: Vec<String> =
                line.split(delimiters.field).map(str::to_string).collect();
            fields.insert(1, delimiters.field.to_string());
            let mut h = Sha256::new();
            h.update(line.as_bytes());
            self.current = Some(Building {
                message: Hl7Message {
                    number: self.started,
                    delimiters,
                    segments: vec![Segment {
                        id: "MSH".into(),
                        line: n,
                        fields,
                    }],
                    last_line: 0,
                    sha256: String::new(),
                },
                hasher: h,
                error: None,
            });
            return done;
        }
        if matches!(id, "BTS" | "FTS") || self.skipping {
            return None;
        }
        let Some(b) = self.current.as_mut() else {
            if self.orphan_reported {
                return None;
            }
            self.orphan_reported = true;
            self.emitted_any = true;
            return Some(Err(ImportError::new(
                &file,
                format!("message 1, line {n} ({id})"),
                format!("message does not start with an MSH segment (found {id})"),
            )));
        };
        if b.error.is_some() {
            return None;
        }
        let sep = b.message.delimiters.field;
        if line.len() > 3 && !line[3..].starts_with(sep) {
            b.error = Some(ImportError::new(
                &file,
                at(id, b.message.number),
                format!("segment {id} is not followed by the field separator '{sep}'"),
            ));
            return None;
        }
        b.hasher.update(b"\r");
        b.hasher.update(line.as_bytes());
        b.message.segments.push(Segment {
            id: id.to_string(),
            line: n,
            fields: line.split(sep).map(str::to_string).collect(),
        });
        None
    }

    /// A bad line: its message fails (the first error is kept); outside a message it is
    /// reported on its own, once, before the first MSH.
    fn fail_line(&mut self, e: ImportError) -> Option<Result<Hl7Message, ImportError>> {
        match self.current.as_mut() {
            Some(b) => {
                if b.error.is_none() {
                    b.error = Some(e);
                }
                None
            }
            None if self.skipping || self.orphan_reported => None,
            None => {
                self.orphan_reported = true;
                self.emitted_any = true;
                Some(Err(e))
            }
        }
    }
}

impl<R: std::io::BufRead> Iterator for Hl7Reader<R> {
    type Item = Result<Hl7Message, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        if self.done {
            return None;
        }
        loop {
            match self.next_line() {
                Ok(true) => {
                    let line = std::mem::take(&mut self.line);
                    let out = self.take_line(&line);
                    self.line = line;
                    if let Some(out) = out {
                        return Some(out);
                    }
                }
                Ok(false) => {
                    self.done = true;
                    let last = self.line_no;
                    if let Some(b) = self.current.as_mut() {
                        b.message.last_line = last;
                    }
                    if let Some(out) = self.finish() {
                        return Some(out);
                    }
                    if !self.emitted_any {
                        return Some(Err(ImportError::new(
                            &self.file,
                            "",
                            "no HL7 message (no MSH segment) in the file",
                        )));
                    }
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(ImportError::new(
                        &self.file,
                        format!("line {}", self.line_no + 1),
                        format!("cannot read: {e}"),
                    )));
                }
            }
        }
    }
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
        let m = parse_hl7(b"MSH|^~\\&|A\r\nPID|1\rPV1|1\nEVN|2\r", "t").unwrap();
        let lines: Vec<_> = m[0]
            .segments
            .iter()
            .map(|s| (s.line, s.id.as_str()))
            .collect();
        assert_eq!(lines, vec![(1, "MSH"), (2, "PID"), (3, "PV1"), (4, "EVN")]);
        assert_eq!(m[0].last_line, 4);
    }

    #[test]
    fn a_bad_message_fails_alone_and_the_stream_goes_on() {
        let text = b"MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\rxx bad\rMSH|^~\\&|C\rPID|3\r";
        let v: Vec<_> = Hl7Reader::new(text, "t.hl7").collect();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].as_ref().map(|m| m.number).ok(), Some(1));
        let e = v[1]
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("message 2, line 4"), "{e}");
        assert_eq!(v[2].as_ref().map(|m| m.number).ok(), Some(3));
        // Read through a 7-byte buffer: a CR LF split across reads is one terminator.
        let small = std::io::BufReader::with_capacity(7, &b"MSH|^~\\&|A\r\nPID|1\r\nPV1|1"[..]);
        let m: Vec<_> = Hl7Reader::from_reader(small, "t")
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(m[0].segments.len(), 3);
        assert_eq!(m[0].segments[2].line, 3);
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
