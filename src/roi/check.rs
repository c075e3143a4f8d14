//! `chartdesk auth check FILE`: read a request and its authorization from JSON, validate,
//! and show the result as a table or JSON. Errors name the JSON path, line and column.

use chrono::NaiveDate;
use serde::Deserialize;

use super::RoiError;
use super::authorization::{Authorization, Request};
use super::category::SensitiveRules;
use super::validate::{Validation, validate_with};

/// The schema of an `auth check` file, with a complete valid example (Markdown).
pub const AUTH_JSON_DOC: &str = include_str!("auth_json.md");

/// The whole `auth check` file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    #[serde(default)]
    authorization: Option<Authorization>,
    request: Request,
    /// The state rule on sensitive categories; absent = the federal floor (DOMAIN §4.4).
    #[serde(default)]
    sensitive_rules: SensitiveRules,
}

/// Parse an `auth check` file and validate it as of `today`.
pub fn check_file(json: &str, today: NaiveDate) -> Result<Validation, RoiError> {
    let file: CheckFile = serde_json::from_str(json).map_err(|e| json_error(json, &e))?;
    Ok(validate_with(
        file.authorization.as_ref(),
        &file.request,
        today,
        &file.sensitive_rules,
    ))
}

/// Read one authorization form (the `authorization` object of the schema above), e.g. for
/// `chartdesk roi auth REQ FILE`; errors name the JSON path, line and column.
pub fn parse_authorization(json: &str) -> Result<Authorization, RoiError> {
    serde_json::from_str(json).map_err(|e| json_error(json, &e))
}

fn json_error(text: &str, e: &serde_json::Error) -> RoiError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    let message = if e.is_syntax() || e.is_eof() {
        format!("malformed JSON: {message}")
    } else {
        message.to_string()
    };
    RoiError::Json {
        path: path_at(text, line, column),
        line,
        column,
        message,
    }
}

enum Frame {
    Object {
        key: Option<String>,
        expect_key: bool,
    },
    Array {
        index: usize,
    },
}

/// The JSON path (`request.document_types[1]`) of the innermost value open at `line` and
/// `column` (1-based, as serde_json reports them); `$` at the top level.
fn path_at(text: &str, line: usize, column: usize) -> String {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(start..).unwrap_or("");
    let end = start
        + rest
            .char_indices()
            .nth(column)
            .map_or(rest.len(), |(i, _)| i);
    let prefix = text.get(..end).unwrap_or(text);

    let mut stack: Vec<Frame> = Vec::new();
    let mut chars = prefix.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '{' => stack.push(Frame::Object {
                key: None,
                expect_key: true,
            }),
            '[' => stack.push(Frame::Array { index: 0 }),
            '}' | ']' => {
                stack.pop();
            }
            ',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                None => {}
            },
            '"' => {
                let mut s = String::new();
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {
                            escaped = false;
                            s.push(c);
                        }
                    }
                }
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut()
                    && *expect_key
                {
                    *key = Some(s);
                    *expect_key = false;
                }
            }
            _ => {}
        }
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    if path.is_empty() { "$".into() } else { path }
}

/// The result as a plain-text table: a header of facts, then one row per problem.
pub fn format_table(v: &Validation) -> String {
    let mut out = String::new();
    let excluded: Vec<&str> = v.excluded_categories.iter().map(|c| c.as_str()).collect();
    let needs = match v.requirement {
        super::AuthRequirement::None => "not needed",
        super::AuthRequirement::SignedDirective => "signed written directive",
        super::AuthRequirement::Authorization => "164.508 authorization",
    };
    let facts = [
        ("Requester type", v.requester_type.as_str().to_string()),
        ("Authorization", needs.to_string()),
        ("Basis", v.basis.to_string()),
        (
            "Minimum necessary",
            v.minimum_necessary.as_str().to_string(),
        ),
        (
            "Accountable (AoD)",
            if v.accountable { "yes" } else { "no" }.to_string(),
        ),
        (
            "Excluded categories",
            if excluded.is_empty() {
                "none".into()
            } else {
                excluded.join(", ")
            },
        ),
        (
            "Must be named",
            format!(
                "{} ({})",
                v.categories_requiring_naming
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                match &v.sensitive_rules_state {
                    Some(st) => format!("federal floor and {st} state rule"),
                    None => "federal floor".into(),
                }
            ),
        ),
        (
            "Result",
            if v.valid {
                "VALID".to_string()
            } else {
                format!(
                    "NOT VALID ({} problem{})",
                    v.problems.len(),
                    plural(v.problems.len())
                )
            },
        ),
    ];
    for (k, val) in facts {
        out.push_str(&format!("{k:<20} {val}\n"));
    }
    if v.problems.is_empty() {
        return out;
    }
    let cw = v
        .problems
        .iter()
        .map(|p| p.code.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let rw = v
        .problems
        .iter()
        .map(|p| p.rule.len())
        .max()
        .unwrap_or(4)
        .max(4);
    out.push('\n');
    out.push_str(&format!("{:<cw$}  {:<rw$}  MESSAGE\n", "CODE", "RULE"));
    for p in &v.problems {
        out.push_str(&format!(
            "{:<cw$}  {:<rw$}  {}\n",
            p.code, p.rule, p.message
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
