//! The CMS ICD-10-CM Alphabetic Index and Table of Drugs and Chemicals, as a site loads them
//! with `codes load` (issue #14): `icd10cm_index_YYYY.xml` (`letter/mainTerm/term` with
//! `level`, `title` with `nemod`, `code`, `see`, `seeAlso`) and `icd10cm_drug_YYYY.xml`
//! (`mainTerm` rows of `cell col="N"` codes under the table's `head/col` headings).
//!
//! Invariants:
//! - Each term with a code becomes one [`IndexTerm`]: its path of titles from the main term
//!   down (`Cholecystitis, acute, with, calculus`), nonessential modifiers (`nemod`) kept in the
//!   path as words (they are searched too), and the code undotted. `see`/`seeAlso` rows are
//!   kept with their target and no code (cross-references, not codes).
//! - The parser reads only this format's elements; anything else is skipped. A malformed file
//!   (unclosed tag, a `term` without a parent) is an error naming the file and line.
//! - No file is shipped: the index is a site file like the CMS order files.

/// One index entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct IndexTerm {
    /// `index` (Alphabetic Index) or `drugs` (Table of Drugs and Chemicals).
    pub source: &'static str,
    /// Main term, then each subterm, comma-separated.
    pub path: String,
    /// Undotted code, or None for a cross-reference.
    pub code: Option<String>,
    /// `see` / `see also` target, if any.
    pub see: Option<String>,
}

#[derive(Debug)]
enum Tok {
    Open(String, Vec<(String, String)>),
    Close(String),
    Text(String),
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Tokens with the line each starts on. Comments, declarations and processing instructions
/// are skipped; a self-closing tag gives an open and a close.
fn tokens(text: &str, name: &str) -> Result<Vec<(usize, Tok)>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut line = 1;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {}
            Some(i) => {
                let t = &rest[..i];
                if !t.trim().is_empty() {
                    out.push((line, Tok::Text(unescape(t))));
                }
                line += t.matches('\n').count();
                rest = &rest[i..];
                continue;
            }
            None => break,
        }
        let end = if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else {
            rest.find('>').map(|e| e + 1)
        };
        let Some(end) = end else {
            return Err(format!("{name} line {line}: unclosed tag"));
        };
        let tag = &rest[1..end - 1];
        let here = line;
        line += tag.matches('\n').count();
        rest = &rest[end..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(n) = tag.strip_prefix('/') {
            out.push((here, Tok::Close(n.trim().to_string())));
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let mut parts = tag.splitn(2, char::is_whitespace);
        let tname = parts.next().unwrap_or("").to_string();
        let mut attrs = Vec::new();
        let mut a = parts.next().unwrap_or("").trim();
        while let Some(eq) = a.find('=') {
            let key = a[..eq].trim().to_string();
            let v = a[eq + 1..].trim_start();
            let q = v.chars().next().unwrap_or('"');
            let v = &v[q.len_utf8().min(v.len())..];
            let close = v.find(q).unwrap_or(v.len());
            attrs.push((key, unescape(&v[..close])));
            a = v[(close + 1).min(v.len())..].trim_start();
        }
        out.push((here, Tok::Open(tname.clone(), attrs)));
        if self_closing {
            out.push((here, Tok::Close(tname)));
        }
    }
    Ok(out)
}

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn norm_code(s: &str) -> Option<String> {
    let c: String = s
        .trim()
        .trim_end_matches('-')
        .chars()
        .filter(|&c| c != '.')
        .collect::<String>()
        .to_ascii_uppercase();
    (!c.is_empty() && c.len() <= 7 && c.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(c)
}

/// One open `mainTerm`/`term` while parsing.
#[derive(Default)]
struct Node {
    title: String,
    code: Option<String>,
    see: Option<String>,
    cells: Vec<(usize, String)>,
}

/// Parses an Alphabetic Index or Table of Drugs file (told apart by its content: a drug
/// table has `cell` elements). Returns the terms in file order.
pub fn parse(text: &str, name: &str) -> Result<Vec<IndexTerm>, String> {
    let toks = tokens(text, name)?;
    let drugs = toks
        .iter()
        .any(|(_, t)| matches!(t, Tok::Open(n, _) if n == "cell"));
    let source = if drugs { "drugs" } else { "index" };
    let mut heads: Vec<String> = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    // The element whose text is being read (title, nemod, code, see, seeAlso, cell, col).
    let mut field: Vec<(String, usize)> = Vec::new();
    let mut out = Vec::new();
    let mut in_head = false;
    for (line, t) in toks {
        match t {
            Tok::Open(n, attrs) => match n.as_str() {
                "mainTerm" => stack.push(Node::default()),
                "term" => {
                    if stack.is_empty() {
                        return Err(format!("{name} line {line}: a term outside any mainTerm"));
                    }
                    stack.push(Node::default());
                }
                "head" => in_head = true,
                "cell" | "col" => {
                    let col = attrs
                        .iter()
                        .find(|(k, _)| k == "col")
                        .and_then(|(_, v)| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    field.push((n, col));
                }
                "title" | "nemod" | "code" | "see" | "seeAlso" => field.push((n, 0)),
                _ => {}
            },
            Tok::Text(s) => {
                let Some((f, col)) = field.last() else {
                    continue;
                };
                if in_head && f == "col" {
                    heads.push(clean(&s));
                    continue;
                }
                let Some(node) = stack.last_mut() else {
                    continue;
                };
                match f.as_str() {
                    "title" | "nemod" => {
                        if !node.title.is_empty() {
                            node.title.push(' ');
                        }
                        node.title.push_str(&clean(&s));
                    }
                    "code" => node.code = norm_code(&s),
                    "see" | "seeAlso" => node.see = Some(clean(&s)),
                    "cell" => {
                        if let Some(c) = norm_code(&s) {
                            node.cells.push((*col, c));
                        }
                    }
                    _ => {}
                }
            }
            Tok::Close(n) => match n.as_str() {
                "mainTerm" | "term" => {
                    let path: Vec<&str> = stack.iter().map(|n| n.title.as_str()).collect();
                    let path = path.join(", ");
                    let Some(node) = stack.pop() else {
                        return Err(format!("{name} line {line}: </{n}> without its start"));
                    };
                    if node.code.is_some() || node.see.is_some() {
                        out.push(IndexTerm {
                            source,
                            path: path.clone(),
                            code: node.code,
                            see: node.see,
                        });
                    }
                    for (col, code) in node.cells {
                        // Heads: col 1 is the substance; the others name the intent.
                        let head = heads
                            .get(col.saturating_sub(1))
                            .cloned()
                            .unwrap_or_default();
                        out.push(IndexTerm {
                            source,
                            path: if head.is_empty() {
                                path.clone()
                            } else {
                                format!("{path}, {head}")
                            },
                            code: Some(code),
                            see: None,
                        });
                    }
                }
                "head" => in_head = false,
                "title" | "nemod" | "code" | "see" | "seeAlso" | "cell" | "col" => {
                    field.pop();
                }
                _ => {}
            },
        }
    }
    if !stack.is_empty() {
        return Err(format!("{name}: a mainTerm is not closed"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index>
 <version>2026</version>
 <letter><title>C</title>
  <mainTerm><title>Cholecystitis</title><code>K81.9</code>
   <term level="1"><title>acute</title><code>K81.0</code>
    <term level="2"><title>with</title>
     <term level="3"><title>calculus</title><nemod>(gallbladder)</nemod><code>K80.00</code></term>
    </term>
   </term>
   <term level="1"><title>gangrenous</title><see>Cholecystitis, acute</see></term>
  </mainTerm>
 </letter>
</ICD10CM.index>"#;

    #[test]
    fn paths_codes_and_cross_references() {
        let t = parse(INDEX, "i.xml").expect("parses");
        let find = |p: &str| t.iter().find(|x| x.path == p);
        assert_eq!(
            find("Cholecystitis").and_then(|x| x.code.as_deref()),
            Some("K819")
        );
        let calc = t
            .iter()
            .find(|x| x.code.as_deref() == Some("K8000"))
            .expect("K80.00");
        assert_eq!(
            calc.path,
            "Cholecystitis, acute, with, calculus (gallbladder)"
        );
        let see = find("Cholecystitis, gangrenous").expect("see");
        assert_eq!(see.code, None);
        assert_eq!(see.see.as_deref(), Some("Cholecystitis, acute"));
    }

    #[test]
    fn malformed_names_the_file_and_line() {
        let e = parse("<ICD10CM.index>\n<term><title>x</title></term>", "bad.xml").unwrap_err();
        assert!(e.contains("bad.xml line 2"), "{e}");
        let e = parse("<mainTerm><title>x</title>", "open.xml").unwrap_err();
        assert!(e.contains("open.xml"), "{e}");
    }
}
