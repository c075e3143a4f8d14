//! The code-set file format (written by `scripts/build-assets.py`, read by the loader).
//!
//! Invariants: UTF-8, one header line that must match exactly, fields separated by one TAB,
//! lines end with LF (a trailing CR is tolerated), no quoting, empty field = empty string.
//! A file whose name ends in `.gz` is gzip-compressed. Every parse error names the file, the
//! 1-based line and the field, and nothing is returned from a file with any bad line.

use std::io::Read;

use crate::error::CoreError;

/// A bad input file: which file, which line (1-based; 0 = the file as a whole), which field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file} line {line}, field {field}: {message}")]
pub struct InputError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl From<InputError> for CoreError {
    fn from(e: InputError) -> CoreError {
        CoreError::Invalid {
            field: format!("{} line {}, field {}", e.file, e.line, e.field),
            message: e.message,
        }
    }
}

/// One file's text with its display name, for error messages.
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    /// Decode `bytes` (gunzip when `name` ends in `.gz`) into UTF-8 text.
    pub fn decode(name: &str, bytes: &[u8]) -> Result<Source, InputError> {
        let whole = |message: String| InputError {
            file: name.to_string(),
            line: 0,
            field: "(file)".into(),
            message,
        };
        let raw = if name.ends_with(".gz") {
            let mut out = Vec::with_capacity(bytes.len() * 5);
            flate2::read::MultiGzDecoder::new(bytes)
                .read_to_end(&mut out)
                .map_err(|e| whole(format!("not a readable gzip file: {e}")))?;
            out
        } else {
            bytes.to_vec()
        };
        match String::from_utf8(raw) {
            Ok(text) => Ok(Source {
                name: name.to_string(),
                text,
            }),
            Err(e) => {
                let upto = e.utf8_error().valid_up_to();
                let line = e.as_bytes()[..upto].iter().filter(|&&b| b == b'\n').count() + 1;
                Err(InputError {
                    file: name.to_string(),
                    line,
                    field: "(line)".into(),
                    message: "not valid UTF-8 text".into(),
                })
            }
        }
    }

    /// Read and decode a file from disk.
    pub fn read(path: &std::path::Path) -> Result<Source, InputError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| InputError {
            file: name.clone(),
            line: 0,
            field: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        Source::decode(&name, &bytes)
    }

    /// Data rows after checking the header is exactly `header`. Each row has exactly
    /// `header.len()` fields. Blank lines at the end are ignored; elsewhere they are errors.
    pub fn rows<'a>(&'a self, header: &[&str]) -> Result<Vec<Row<'a>>, InputError> {
        let first = self.text.split('\n').next().unwrap_or("");
        let first = first.trim_end_matches('\r');
        let want = header.join("\t");
        if first != want {
            let m = format!("expected header {want:?}, found {first:?}");
            return Err(self.error(1, "(header)", m));
        }
        self.data_rows(1, header.len())
    }

    /// Rows of a file without a header line, each with exactly `fields` fields.
    pub fn rows_headerless(&self, fields: usize) -> Result<Vec<Row<'_>>, InputError> {
        self.data_rows(0, fields)
    }

    fn data_rows(&self, skip: usize, fields: usize) -> Result<Vec<Row<'_>>, InputError> {
        let mut out = Vec::new();
        let mut blank_at = None;
        for (i, line) in self.text.split('\n').enumerate().skip(skip) {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                blank_at.get_or_insert(i + 1);
                continue;
            }
            if let Some(b) = blank_at {
                return Err(self.error(b, "(line)", "empty line inside the file".into()));
            }
            let row: Vec<&str> = line.split('\t').collect();
            if row.len() != fields {
                let m = format!(
                    "expected {fields} TAB-separated fields, found {}",
                    row.len()
                );
                return Err(self.error(i + 1, "(columns)", m));
            }
            out.push(Row {
                line: i + 1,
                fields: row,
            });
        }
        Ok(out)
    }

    pub fn error(&self, line: usize, field: &str, message: String) -> InputError {
        InputError {
            file: self.name.clone(),
            line,
            field: field.to_string(),
            message,
        }
    }
}

/// One data row with its 1-based line number.
pub struct Row<'a> {
    pub line: usize,
    pub fields: Vec<&'a str>,
}

/// ICD-10-CM stored code (no dot): a letter, a digit or letter, then 1–5 more (3–7 total).
pub fn is_cm_code(s: &str) -> bool {
    let b = s.as_bytes();
    (3..=7).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

/// ICD-10-PCS code: exactly 7 of 0-9 and A-Z without I and O.
pub fn is_pcs_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b.iter()
            .all(|&c| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != b'I' && c != b'O'))
}

/// Parse a 0/1 flag field.
pub fn flag01(src: &Source, row: &Row<'_>, idx: usize, field: &str) -> Result<bool, InputError> {
    match row.fields[idx] {
        "0" => Ok(false),
        "1" => Ok(true),
        other => Err(src.error(row.line, field, format!("expected 0 or 1, found {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_line_and_field() {
        let src = Source::decode("x.tsv", b"a\tb\n1\t2\n3\n").unwrap_or_else(|e| panic!("{e}"));
        let err = src.rows(&["a", "b"]).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("x.tsv line 3, field (columns): expected 2 TAB-separated fields, found 1")
        );
        let err = src.rows(&["a", "c"]).err().map(|e| (e.line, e.field));
        assert_eq!(err, Some((1, "(header)".to_string())));
    }

    #[test]
    fn crlf_and_trailing_blank_lines_are_accepted() {
        let src = Source::decode("x.tsv", b"a\tb\r\n1\t2\r\n\n").unwrap_or_else(|e| panic!("{e}"));
        let rows = src.rows(&["a", "b"]).unwrap_or_default();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].fields, vec!["1", "2"]);
    }

    #[test]
    fn bad_utf8_names_the_line() {
        let e = Source::decode("x.tsv", b"a\n\xff\n").err();
        assert_eq!(
            e.map(|e| (e.line, e.field)),
            Some((2, "(line)".to_string()))
        );
    }

    #[test]
    fn code_gates() {
        assert!(is_cm_code("E1165") && is_cm_code("S72001A") && !is_cm_code("E11.65"));
        assert!(is_pcs_code("0DTJ4ZZ") && !is_pcs_code("0DTJ4ZI") && !is_pcs_code("0DTJ4Z"));
    }
}
