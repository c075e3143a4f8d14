//! The two shapes a report's text takes, so that each report states only its columns and rows:
//! [`csv`] for `--format csv` (one header, every row as wide, every cell through the one CSV
//! writer, [`crate::csv_out::Table`]) and a [`Grid`] for the aligned `--format table` text.
//! JSON is the report's own `Serialize`.
//!
//! A new report in [`crate::report_cli`]: a `Report` variant, an arm in `render`, and a
//! `fn …_text(r, csv_out: bool) -> String` that returns
//! `csv("col_a,col_b", rows.iter().map(|r| [a, b]))` for CSV and builds its table with
//! `Grid([("COL A", Fit::Left(12)), ("COL B", Fit::Right(6))]).table(rows…)`.

use crate::csv_out::Table;

/// A CSV document: `header` (comma-separated column names, no commas inside a name), then one
/// record per row. A row has as many cells as the header names columns.
pub fn csv<const N: usize>(header: &str, rows: impl IntoIterator<Item = [String; N]>) -> String {
    let names: Vec<&str> = header.split(',').collect();
    debug_assert_eq!(
        names.len(),
        N,
        "CSV header {header:?} is not {N} columns wide"
    );
    let mut t = Table::new(&names);
    for row in rows {
        t.row(row);
    }
    t.finish()
}

/// How a cell of a [`Grid`] column sits in its width (counted in characters).
#[derive(Clone, Copy, Debug)]
pub enum Fit {
    /// Left-aligned, padded to the width (longer text runs over).
    Left(usize),
    /// Right-aligned, padded to the width (longer text runs over).
    Right(usize),
    /// Left-aligned, padded to the width and cut to it.
    Cut(usize),
}

/// An aligned text table: each column's heading and [`Fit`]; cells are joined by one space
/// and every line ends in `\n`. Cells are shown as given: sanitise text from files or the
/// database first (`crate::text::sanitize_line`).
pub struct Grid<const N: usize>(pub [(&'static str, Fit); N]);

impl<const N: usize> Grid<N> {
    /// One line of cells in the columns' widths.
    pub fn line<S: AsRef<str>>(&self, cells: [S; N]) -> String {
        let mut s = String::new();
        for (i, ((_, fit), cell)) in self.0.iter().zip(cells.iter()).enumerate() {
            if i > 0 {
                s.push(' ');
            }
            let cell = cell.as_ref();
            s += &match *fit {
                Fit::Left(w) => format!("{cell:<w$}"),
                Fit::Right(w) => format!("{cell:>w$}"),
                Fit::Cut(w) => format!("{:<w$}", cell.chars().take(w).collect::<String>()),
            };
        }
        s.push('\n');
        s
    }

    /// The heading line.
    pub fn head(&self) -> String {
        self.line(self.0.map(|(h, _)| h))
    }

    /// The heading line, then one line per row.
    pub fn table(&self, rows: impl IntoIterator<Item = [String; N]>) -> String {
        let mut s = self.head();
        for row in rows {
            s += &self.line(row);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_pads_aligns_and_cuts_like_format_widths() {
        let g = Grid([
            ("NAME", Fit::Cut(5)),
            ("NPI", Fit::Left(4)),
            ("N", Fit::Right(3)),
        ]);
        assert_eq!(g.head(), format!("{:<5} {:<4} {:>3}\n", "NAME", "NPI", "N"));
        assert_eq!(
            g.line(["Abcdefgh", "123456", "7"]),
            format!("{:<5} {:<4} {:>3}\n", "Abcde", "123456", 7)
        );
    }

    #[test]
    fn csv_writes_the_header_and_treats_cells() {
        let text = csv("a,b", [["1".to_string(), "=x".to_string()]]);
        assert_eq!(text, "a,b\n1,'=x\n");
    }
}
