//! MLLP framing (HL7 v2 Minimal Lower Layer Protocol: `0x0B` message `0x1C 0x0D`) and the
//! acknowledgments chartdesk sends back.
//!
//! Invariants:
//! - A frame is the bytes between a start block `0x0B` and the end block `0x1C 0x0D`. Bytes
//!   outside a frame (other than CR/LF between frames) are one malformed frame, answered with
//!   an `AR`; the stream goes on at the next start block.
//! - A frame larger than the limit is refused (`AR`) and its bytes are skipped up to its end
//!   block, so the connection stays usable and memory stays bounded.
//! - ACK text is built only from the received MSH fields and chartdesk's own reason text, with
//!   HL7 delimiters escaped, so a reason cannot break the ACK's structure.

use std::io::Read;

use crate::import::hl7_feed::{FeedReject, Nak};

pub const START: u8 = 0x0B;
pub const END: u8 = 0x1C;
pub const CR: u8 = 0x0D;

/// What the reader found next on a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A complete frame's content.
    Message(Vec<u8>),
    /// Bytes that are not a valid frame, with why.
    Malformed(String),
}

/// Incremental frame splitter: feed it bytes, take frames out.
#[derive(Debug)]
pub struct Deframer {
    buf: Vec<u8>,
    max: usize,
    /// Skipping the rest of an oversized frame.
    skipping: bool,
}

impl Deframer {
    pub fn new(max: usize) -> Deframer {
        Deframer {
            buf: Vec::new(),
            max,
            skipping: false,
        }
    }

    /// True when a frame has started and not ended (bytes received, not yet a message).
    pub fn partial(&self) -> bool {
        !self.buf.is_empty() || self.skipping
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame (or malformed stretch), if the buffer holds one.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if self.skipping {
                match find_end(&self.buf) {
                    Some(i) => {
                        self.buf.drain(..i + 2);
                        self.skipping = false;
                        continue;
                    }
                    None => {
                        // Keep a trailing 0x1C: the CR may come in the next read.
                        let keep = usize::from(self.buf.last() == Some(&END));
                        let n = self.buf.len() - keep;
                        self.buf.drain(..n);
                        return None;
                    }
                }
            }
            // Whitespace between frames is tolerated.
            let lead = self
                .buf
                .iter()
                .take_while(|&&b| matches!(b, b'\r' | b'\n'))
                .count();
            self.buf.drain(..lead);
            if self.buf.is_empty() {
                return None;
            }
            if self.buf[0] != START {
                // Junk up to the next start block is one malformed frame.
                let Some(i) = self.buf.iter().position(|&b| b == START) else {
                    if self.buf.len() > self.max {
                        self.buf.clear();
                        return Some(Frame::Malformed(
                            "data outside an MLLP frame (no start block 0x0B)".into(),
                        ));
                    }
                    return None;
                };
                self.buf.drain(..i);
                return Some(Frame::Malformed(
                    "data outside an MLLP frame (no start block 0x0B before it)".into(),
                ));
            }
            match find_end(&self.buf) {
                Some(i) => {
                    let content = self.buf[1..i].to_vec();
                    self.buf.drain(..i + 2);
                    if content.contains(&START) {
                        // A new start block inside a frame: the earlier frame never ended.
                        return Some(Frame::Malformed(
                            "a start block 0x0B inside a frame: the previous frame was not ended with 0x1C 0x0D".into(),
                        ));
                    }
                    return Some(Frame::Message(content));
                }
                None if self.buf.len() > self.max => {
                    self.skipping = true;
                    self.buf.clear();
                    return Some(Frame::Malformed(format!(
                        "frame longer than {} bytes (setting mllp_max_frame_kb); skipped",
                        self.max
                    )));
                }
                None => return None,
            }
        }
    }
}

fn find_end(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == [END, CR])
}

/// Read from `r` into the deframer; `Ok(0)` at end of stream.
pub fn fill(r: &mut impl Read, d: &mut Deframer, scratch: &mut [u8]) -> std::io::Result<usize> {
    let n = r.read(scratch)?;
    d.push(&scratch[..n]);
    Ok(n)
}

/// Wrap a message in an MLLP frame.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(message.len() + 3);
    v.push(START);
    v.extend_from_slice(message);
    v.push(END);
    v.push(CR);
    v
}

/// The MSH fields an ACK echoes, read from raw bytes even when the message did not parse.
#[derive(Debug, Default, Clone)]
pub struct Header {
    pub sending_app: String,
    pub sending_facility: String,
    pub receiving_app: String,
    pub receiving_facility: String,
    pub control_id: String,
    pub trigger: String,
    pub version: String,
}

impl Header {
    /// Best effort: the first line starting with `MSH`, split on its own field separator.
    pub fn sniff(raw: &[u8]) -> Header {
        let text = String::from_utf8_lossy(raw);
        let Some(line) = text
            .split(['\r', '\n'])
            .map(|l| l.trim_start_matches('\u{feff}'))
            .find(|l| l.starts_with("MSH"))
        else {
            return Header::default();
        };
        let Some(sep) = line[3..].chars().next() else {
            return Header::default();
        };
        let f: Vec<&str> = line.split(sep).collect();
        // f[1] is MSH-2; MSH-n is f[n-1].
        let field = |n: usize| {
            f.get(n - 1)
                .map(|s| s.split('^').next().unwrap_or("").to_string())
                .unwrap_or_default()
        };
        let trigger = f
            .get(8)
            .and_then(|s| s.split('^').nth(1))
            .unwrap_or("")
            .to_string();
        Header {
            sending_app: field(3),
            sending_facility: field(4),
            receiving_app: field(5),
            receiving_facility: field(6),
            control_id: field(10),
            trigger,
            version: field(12),
        }
    }
}

/// Escape HL7 delimiters in text placed in an ACK field.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '&' => out.push_str("\\T\\"),
            '~' => out.push_str("\\R\\"),
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The ACK for one message: `MSA|AA` (applied or re-delivered), or `AE`/`AR` with an ERR
/// segment naming the segment, field and reason (HL7 v2.5 ERR-2 location, ERR-3 error code,
/// ERR-4 severity, ERR-8 user message). `ack_id` is this ACK's own MSH-10.
pub fn ack(h: &Header, reject: Option<&FeedReject>, now: &str, ack_id: &str) -> Vec<u8> {
    let code = match reject.map(|r| r.code) {
        None => "AA",
        Some(Nak::Ae) => "AE",
        Some(Nak::Ar) => "AR",
    };
    let version = if h.version.is_empty() {
        "2.5.1".to_string()
    } else {
        esc(&h.version)
    };
    let mut s = format!(
        "MSH|^~\\&|{}|{}|{}|{}|{now}||ACK^{}^ACK|{ack_id}|P|{version}\rMSA|{code}|{}",
        if h.receiving_app.is_empty() {
            "CHARTDESK".to_string()
        } else {
            esc(&h.receiving_app)
        },
        esc(&h.receiving_facility),
        esc(&h.sending_app),
        esc(&h.sending_facility),
        esc(&h.trigger),
        esc(&h.control_id),
    );
    if let Some(r) = reject {
        s.push_str(&format!("|{}", esc(&r.reason)));
        // HL7 table 0357: 101 required field missing, 102 data type error, 100 segment
        // sequence error, 207 application internal error.
        let err_code = if r.reason.contains("missing") || r.reason.contains("empty") {
            "101^Required field missing^HL70357"
        } else if r.segment.is_empty() {
            "100^Segment sequence error^HL70357"
        } else if r.field.is_some() {
            "102^Data type error^HL70357"
        } else {
            "207^Application internal error^HL70357"
        };
        let location = match r.field {
            Some(f) => format!("{}^1^{f}", esc(&r.segment)),
            None => esc(&r.segment),
        };
        s.push_str(&format!(
            "\rERR||{location}|{err_code}|E||||{}",
            esc(&r.reason)
        ));
    }
    s.push('\r');
    frame(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(d: &mut Deframer) -> Vec<Frame> {
        std::iter::from_fn(|| d.next_frame()).collect()
    }

    #[test]
    fn frames_split_across_reads_and_junk_is_one_malformed_frame() {
        let mut d = Deframer::new(1024);
        d.push(b"\x0bMSH|a\r\x1c");
        assert!(frames(&mut d).is_empty());
        d.push(b"\r\r\njunk\x0bMSH|b\x1c\r");
        let got = frames(&mut d);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Frame::Message(b"MSH|a\r".to_vec()));
        assert!(matches!(&got[1], Frame::Malformed(w) if w.contains("outside")));
        assert_eq!(got[2], Frame::Message(b"MSH|b".to_vec()));
    }

    #[test]
    fn an_oversized_frame_is_skipped_and_the_next_one_read() {
        let mut d = Deframer::new(16);
        d.push(b"\x0b");
        d.push(&[b'x'; 40]);
        assert!(matches!(d.next_frame(), Some(Frame::Malformed(w)) if w.contains("longer")));
        d.push(b"yyy\x1c\r\x0bMSH|ok\x1c\r");
        assert_eq!(d.next_frame(), Some(Frame::Message(b"MSH|ok".to_vec())));
        assert!(!d.partial());
    }

    #[test]
    fn ack_names_segment_field_and_reason_escaped() {
        let h = Header::sniff(b"MSH|^~\\&|ADT|HOSP|CD|HIM|20260101||ADT^A01|C42|P|2.5\rPID|1");
        assert_eq!(h.control_id, "C42");
        assert_eq!(h.trigger, "A01");
        let r = FeedReject {
            code: Nak::Ae,
            segment: "PV1".into(),
            field: Some(19),
            reason: "visit | bad".into(),
        };
        let a = String::from_utf8(ack(&h, Some(&r), "20260101120000", "A1")).unwrap();
        assert!(a.contains("MSA|AE|C42|visit \\F\\ bad"), "{a}");
        assert!(a.contains("\rERR||PV1^1^19|"), "{a}");
        assert!(a.starts_with("\x0bMSH|^~\\&|CD|HIM|ADT|HOSP|"), "{a}");
        let ok = String::from_utf8(ack(&h, None, "20260101120000", "A2")).unwrap();
        assert!(ok.contains("\rMSA|AA|C42\r"), "{ok}");
        assert!(!ok.contains("ERR"));
    }
}
