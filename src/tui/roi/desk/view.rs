//! Drawing one request on the desk: its text (long lines folded under their label) and whichever
//! form or step is open over it.

use super::*;

impl Widget for &RoiRequestState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        text_box(&self.lines, self.scroll, &self.title, area, buf);
        if let Some(f) = &self.form {
            f.render(area, buf);
        }
        if let Some((_, f)) = &self.step {
            f.render(area, buf);
        }
        if let Some(f) = &self.docs {
            f.render(area, buf);
        }
    }
}

/// `s` in rows of at most `w` characters: the first row keeps its spacing (aligned columns
/// stay aligned), a longer line breaks at the last space that fits and continues indented
/// by `indent`.
pub(super) fn fold(s: &str, w: usize, indent: usize) -> Vec<String> {
    if w <= indent {
        return vec![clip(s, w)];
    }
    let mut out = Vec::new();
    let mut rest: String = s.to_string();
    let mut prefix = String::new();
    loop {
        let width = w - prefix.len();
        if rest.chars().count() <= width {
            out.push(format!("{prefix}{rest}"));
            return out;
        }
        let head: String = rest.chars().take(width + 1).collect();
        let cut = match head.rfind(' ') {
            Some(i) if i > 0 => i,
            _ => head
                .char_indices()
                .nth(width)
                .map_or(head.len(), |(i, _)| i),
        };
        out.push(format!("{prefix}{}", rest[..cut].trim_end()));
        rest = rest[cut..].trim_start().to_string();
        prefix = " ".repeat(indent);
        if rest.is_empty() {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fold;

    #[test]
    fn a_long_line_continues_indented_and_a_short_one_keeps_its_spacing() {
        assert_eq!(fold("a  b", 10, 4), vec!["a  b"]);
        assert_eq!(
            fold("Basis      45 CFR 164.508 · accountable: no", 24, 4),
            vec!["Basis      45 CFR", "    164.508 ·", "    accountable: no"]
        );
        assert_eq!(fold("abcdefghij", 4, 1), vec!["abcd", " efg", " hij"]);
    }
}
