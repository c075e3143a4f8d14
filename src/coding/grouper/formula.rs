//! The DRG formula language of the MS-DRG tables (GROUPER.md "Formula language"): `&`, `|`,
//! `~` (binds to the next factor), parentheses, `&` tighter than `|`; every other token is an
//! atom `NAME` or `PREFIX:NAME`. `MCC` and `CC` are the formula's own severity level.

/// One atom of a formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Mcc,
    Cc,
    Key(String),
}

/// A parsed formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Atom(Atom),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

impl Expr {
    /// Evaluates with `atom` deciding each atom.
    pub fn eval(&self, atom: &mut impl FnMut(&Atom) -> bool) -> bool {
        match self {
            Expr::Atom(a) => atom(a),
            Expr::Not(e) => !e.eval(atom),
            Expr::And(v) => v.iter().all(|e| e.eval(atom)),
            Expr::Or(v) => v.iter().any(|e| e.eval(atom)),
        }
    }

    /// Whether the formula mentions the atom `key` anywhere.
    pub fn mentions(&self, key: &str) -> bool {
        match self {
            Expr::Atom(Atom::Key(k)) => k == key,
            Expr::Atom(_) => false,
            Expr::Not(e) => e.mentions(key),
            Expr::And(v) | Expr::Or(v) => v.iter().any(|e| e.mentions(key)),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Tok {
    And,
    Or,
    Not,
    Open,
    Close,
    Word(String),
}

fn lex(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            out.push(Tok::Word(std::mem::take(word)));
        }
    };
    for ch in text.chars() {
        let t = match ch {
            '&' => Some(Tok::And),
            '|' => Some(Tok::Or),
            '~' => Some(Tok::Not),
            '(' => Some(Tok::Open),
            ')' => Some(Tok::Close),
            c if c.is_whitespace() => None,
            c => {
                word.push(c);
                continue;
            }
        };
        flush(&mut word, &mut out);
        if let Some(t) = t {
            out.push(t);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Parses a formula; `Err` names the position of the problem.
pub fn parse(text: &str) -> Result<Expr, String> {
    let toks = lex(text);
    let mut pos = 0;
    let e = or_expr(&toks, &mut pos)?;
    if pos != toks.len() {
        return Err(format!("unexpected token {} in formula {text:?}", pos + 1));
    }
    Ok(e)
}

fn or_expr(t: &[Tok], pos: &mut usize) -> Result<Expr, String> {
    let mut v = vec![and_expr(t, pos)?];
    while t.get(*pos) == Some(&Tok::Or) {
        *pos += 1;
        v.push(and_expr(t, pos)?);
    }
    Ok(if v.len() == 1 {
        v.remove(0)
    } else {
        Expr::Or(v)
    })
}

fn and_expr(t: &[Tok], pos: &mut usize) -> Result<Expr, String> {
    let mut v = vec![factor(t, pos)?];
    while t.get(*pos) == Some(&Tok::And) {
        *pos += 1;
        v.push(factor(t, pos)?);
    }
    Ok(if v.len() == 1 {
        v.remove(0)
    } else {
        Expr::And(v)
    })
}

fn factor(t: &[Tok], pos: &mut usize) -> Result<Expr, String> {
    let tok = t.get(*pos).ok_or("formula ends early")?;
    *pos += 1;
    match tok {
        Tok::Not => Ok(Expr::Not(Box::new(factor(t, pos)?))),
        Tok::Open => {
            let e = or_expr(t, pos)?;
            if t.get(*pos) != Some(&Tok::Close) {
                return Err(format!("missing ')' at token {}", *pos + 1));
            }
            *pos += 1;
            Ok(e)
        }
        Tok::Word(w) => Ok(Expr::Atom(match w.as_str() {
            "MCC" => Atom::Mcc,
            "CC" => Atom::Cc,
            _ => Atom::Key(w.clone()),
        })),
        other => Err(format!("unexpected {other:?} at token {}", *pos)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(text: &str, on: &[&str]) -> bool {
        parse(text).unwrap().eval(&mut |a| match a {
            Atom::Key(k) => on.contains(&k.as_str()),
            Atom::Mcc => on.contains(&"MCC"),
            Atom::Cc => on.contains(&"CC"),
        })
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_binds_to_next_factor() {
        assert!(truth("a | b & c", &["a"]));
        assert!(!truth("(a | b) & c", &["a"]));
        assert!(truth("~a & b", &["b"]));
        assert!(!truth("~(a | b)", &["b"]));
        assert!(truth(
            "(othtrach | NORtemptrach) & (NORmvge96h | ~PDX:mouthlip)",
            &["othtrach"]
        ));
        assert!(truth("MCC & d468", &["MCC", "d468"]));
        assert!(!truth("5", &[]));
        assert!(parse("(a & b").is_err());
    }
}
