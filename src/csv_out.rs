//! The one CSV writer every export uses (roi list, accounting of disclosures, department
//! reports, provider letters, coding queue/held lists, billing rows, edits).
//!
//! Invariants:
//! - Quoting is RFC 4180, done by the `csv` crate: a comma, quote or newline in a value never
//!   shifts a column.
//! - Every cell is one line of clean text: control, escape and bidi characters are removed as
//!   on screen ([`crate::text::sanitize_line`]).
//! - No cell can be a spreadsheet formula (OWASP "CSV injection"): a cell starting with `=`,
//!   `+`, `-`, `@`, tab or carriage return is prefixed with `'`, unless the whole cell is a
//!   plain number (`-12.50` stays a number).

use std::borrow::Cow;

/// A cell made safe for a spreadsheet (not yet quoted).
pub fn cell(s: &str) -> Cow<'_, str> {
    let starts_risky = |t: &str| t.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_risky(s) && !is_plain_number(s) {
        return Cow::Owned(format!("'{}", crate::text::sanitize_line(s)));
    }
    let clean = crate::text::sanitize_line(s);
    if starts_risky(&clean) && !is_plain_number(&clean) {
        return Cow::Owned(format!("'{clean}"));
    }
    clean
}

fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|c| *c == '.').count() <= 1
        && body.chars().any(|c| c.is_ascii_digit())
}

/// A CSV document: a header, then rows; [`Table::finish`] gives the text (LF line ends).
pub struct Table {
    w: csv::Writer<Vec<u8>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        let mut t = Table {
            w: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new()),
        };
        t.row(header.iter().copied());
        t
    }

    /// One record; every value goes through [`cell`].
    pub fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = fields
            .into_iter()
            .map(|f| cell(f.as_ref()).into_owned())
            .collect();
        // Writing to a Vec cannot fail.
        let _ = self.w.write_record(&cells);
    }

    pub fn finish(self) -> String {
        let bytes = self.w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// One record as a line without its line end (for row-at-a-time exports).
pub fn line<I, S>(fields: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let cells: Vec<String> = fields
        .into_iter()
        .map(|f| cell(f.as_ref()).into_owned())
        .collect();
    let _ = w.write_record(&cells);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes)
        .unwrap_or_default()
        .trim_end_matches('\n')
        .to_string()
}

/// One value, safe and quoted as needed (for code that assembles a record itself).
pub fn field(s: &str) -> String {
    line([s])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_formula_cells_are_neutralised_and_numbers_kept() {
        for (input, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'    =1"),
            ("\r=1", "'=1"),
            ("-12.50", "-12.50"),
            ("+5", "+5"),
            ("Rivera, Ana", "Rivera, Ana"),
            ("a\u{202E}b\u{1b}[31m", "ab"),
        ] {
            assert_eq!(cell(input), want, "{input:?}");
        }
    }

    #[test]
    fn csv_quoting_keeps_columns() {
        let mut t = Table::new(&["a", "b"]);
        t.row(["x,y", "say \"hi\"\nbye"]);
        let text = t.finish();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rec = r.records().next().expect("row").expect("parse");
        assert_eq!(rec.len(), 2);
        assert_eq!(&rec[0], "x,y");
        assert_eq!(&rec[1], "say \"hi\" bye");
    }
}
