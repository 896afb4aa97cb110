//! Reading grids out of answers, shared by the grid families (sudoku, mini_sudoku, futoshiki,
//! kakurasu, survo, n_queens), and reading integer matrices out of metadata.
//!
//! A grid answer may come as rows on lines (spaces, commas, `|` or nothing between cells),
//! with row labels (`Row 1:`, `1.`), separator lines (`------+------`), constraint symbols
//! between cells (futoshiki's `<`, `>`, `∧`, `∨`), inside a code fence, or as a JSON/Python
//! nested list, or as one flat run of exactly `rows * cols` cells. Parsing never guesses
//! between two readings: it either finds exactly the expected shape or says what it found.
//! Time is linear in the answer's length.

use serde_json::Value;

/// How a run of digits maps to cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// Every digit is a cell (`534678912` is nine cells), for values 0-9.
    Digits,
    /// A run of digits is one number (`12 7 19`), for sums and larger values.
    Numbers,
    /// Queens: `Q`/`q` is 1, `_`/`.`/`-`/`*`/`0`/`·` is 0.
    Queens,
}

/// Answers longer than this are not read as grids (a 9x9 grid is under 200 bytes).
pub const MAX_GRID_ANSWER: usize = 64 * 1024;

/// Remove Markdown code-fence lines (```lang) anywhere and trim.
fn unfenced_lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines().filter(|l| !l.trim_start().starts_with("```"))
}

/// A cell read from text: a value, or a blank marker (`_`, `?`) the answer left unfilled.
type Cell = Option<i64>;

/// Cells of one row-candidate text.
fn cells_of(text: &str, kind: Cells) -> Vec<Cell> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match kind {
            Cells::Queens => match c {
                b'Q' | b'q' => out.push(Some(1)),
                b'_' | b'.' | b'-' | b'*' | b'0' => out.push(Some(0)),
                _ if b[i..].starts_with("·".as_bytes()) => out.push(Some(0)),
                _ => {}
            },
            _ if c.is_ascii_digit() => {
                let start = i;
                while i + 1 < b.len() && b[i + 1].is_ascii_digit() {
                    i += 1;
                }
                let run = &text[start..=i];
                if kind == Cells::Digits {
                    out.extend(run.bytes().map(|d| Some(i64::from(d - b'0'))));
                } else {
                    // Runs too long for an i64 become a value no puzzle accepts.
                    out.push(Some(run.parse().unwrap_or(i64::MAX)));
                }
            }
            _ if c == b'_' || c == b'?' => out.push(None),
            _ => {}
        }
        i += 1;
    }
    out
}

/// `Row 3:`, `R3:`, `3.`, `3)`, `3:` at the start of a line, if any: the rest of the line.
fn strip_label(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches(['-', '*', '#', ' ']);
    let lower = t.get(..3).map(str::to_ascii_lowercase);
    let t = if lower.as_deref() == Some("row") {
        &t[3..]
    } else if t.starts_with(['R', 'r']) && t[1..].starts_with(|c: char| c.is_ascii_digit()) {
        &t[1..]
    } else {
        t
    };
    let t = t.trim_start();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let rest = t[digits..].trim_start();
    rest.strip_prefix([':', '.', ')', '='])
}

/// Row candidates of a bracketed (JSON or Python) list: the innermost bracket groups, or the
/// quoted strings of a flat list of strings, or the flat list itself.
fn bracket_rows(s: &str) -> Vec<&str> {
    let mut rows = Vec::new();
    let mut depth = 0usize;
    let mut max_depth = 0usize;
    let mut open = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '[' | '(' => {
                depth += 1;
                max_depth = max_depth.max(depth);
                open = i + 1;
            }
            ']' | ')' => {
                if depth == max_depth && open <= i {
                    rows.push(&s[open..i]);
                    open = i + 1;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    if rows.len() == 1 && (rows[0].contains('"') || rows[0].contains('\'')) {
        // A flat list of row strings: ["5 3 4", "6 7 2", ...].
        let inner = rows[0];
        let mut strs = Vec::new();
        let mut quote: Option<(char, usize)> = None;
        for (i, c) in inner.char_indices() {
            match quote {
                None if c == '"' || c == '\'' => quote = Some((c, i + 1)),
                Some((q, start)) if c == q => {
                    strs.push(&inner[start..i]);
                    quote = None;
                }
                _ => {}
            }
        }
        // Only a list of multi-cell strings is a list of rows; ['5','3',...] stays flat.
        if strs.len() > 1 && strs.iter().any(|s| s.trim().chars().count() > 1) {
            return strs;
        }
    }
    rows
}

/// Read a `rows x cols` grid. `Err` says what shape was found instead, or which cell is blank.
pub fn parse_grid(
    answer: &str,
    rows: usize,
    cols: usize,
    kind: Cells,
) -> Result<Vec<Vec<i64>>, String> {
    if answer.len() > MAX_GRID_ANSWER {
        return Err("answer_too_long".into());
    }
    let body: String = unfenced_lines(answer).collect::<Vec<_>>().join("\n");
    let body = body.trim();
    let candidates: Vec<&str> = if body.starts_with(['[', '(']) {
        bracket_rows(body)
    } else {
        body.lines().collect()
    };
    let mut grid_rows: Vec<Vec<Cell>> = Vec::new();
    for cand in candidates {
        let mut cells = cells_of(cand, kind);
        if cells.len() != cols {
            if let Some(rest) = strip_label(cand) {
                let stripped = cells_of(rest, kind);
                if stripped.len() == cols {
                    cells = stripped;
                }
            }
        }
        if !cells.is_empty() {
            grid_rows.push(cells);
        }
    }
    // Prose lines with a stray number ("the solved 9x9 grid:") among the rows: when exactly
    // `rows` candidates have the right length, they are the grid (the rules still decide).
    if grid_rows.len() > rows {
        let full: Vec<Vec<Cell>> = grid_rows
            .iter()
            .filter(|r| r.len() == cols)
            .cloned()
            .collect();
        if full.len() == rows {
            grid_rows = full;
        }
    }
    // One flat run of exactly rows*cols cells (a single line or a flat list).
    if grid_rows.len() == 1 && rows > 1 && grid_rows[0].len() == rows * cols {
        let flat = grid_rows.pop().unwrap_or_default();
        grid_rows = flat.chunks(cols).map(<[Cell]>::to_vec).collect();
    }
    if grid_rows.len() != rows {
        return Err(format!(
            "wrong_shape: {} rows found, {rows} expected",
            grid_rows.len()
        ));
    }
    let mut out = Vec::with_capacity(rows);
    for (r, row) in grid_rows.into_iter().enumerate() {
        if row.len() != cols {
            return Err(format!(
                "wrong_shape: row {} has {} cells, {cols} expected",
                r + 1,
                row.len()
            ));
        }
        let mut vals = Vec::with_capacity(cols);
        for (c, cell) in row.into_iter().enumerate() {
            vals.push(cell.ok_or_else(|| format!("blank_cell at row {} col {}", r + 1, c + 1))?);
        }
        out.push(vals);
    }
    Ok(out)
}

/// An integer matrix from metadata (`[[5, 3, 0], ...]`); `None` unless every entry is an integer.
pub fn int_matrix(v: &Value) -> Option<Vec<Vec<i64>>> {
    v.as_array()?
        .iter()
        .map(|row| row.as_array()?.iter().map(Value::as_i64).collect())
        .collect()
}

/// A list of integers from metadata.
pub fn int_list(v: &Value) -> Option<Vec<i64>> {
    v.as_array()?.iter().map(Value::as_i64).collect()
}

/// Render rows of numbers the way Reasoning Gym writes grids: one row per line, spaces between.
pub fn render(grid: &[Vec<i64>], blank: Option<&str>) -> String {
    let mut s = String::new();
    for (r, row) in grid.iter().enumerate() {
        if r > 0 {
            s.push('\n');
        }
        for (c, &v) in row.iter().enumerate() {
            if c > 0 {
                s.push(' ');
            }
            match blank {
                Some(b) if v == 0 => s.push_str(b),
                _ => s.push_str(&v.to_string()),
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surface_forms_read_the_same() {
        let want = vec![vec![1, 2], vec![2, 1]];
        for s in [
            "1 2\n2 1",
            "12\n21",
            "[[1, 2], [2, 1]]",
            "[['1','2'],['2','1']]",
            "```\n1 | 2\n---+---\n2 | 1\n```",
            "Row 1: 1 2\nRow 2: 2 1",
            "1. 1 2\n2. 2 1",
            "1 2 2 1",
            "[\"1 2\", \"2 1\"]",
            "1 < 2\n∧   ∨\n2 > 1",
            "Here is the solved grid (step 3):\n1 2\n2 1",
            "\\begin{array}{cc}\n1 & 2 \\\\\n2 & 1\n\\end{array}",
            "\\begin{bmatrix} 1 & 2 \\\\ 2 & 1 \\end{bmatrix}",
            "| c | d |\n|---|---|\n| 1 | 2 |\n| 2 | 1 |",
            "{\"grid\": [[1, 2], [2, 1]]}",
        ] {
            assert_eq!(
                parse_grid(s, 2, 2, Cells::Digits),
                Ok(want.clone()),
                "{s:?}"
            );
        }
        assert_eq!(
            parse_grid("10 20\n3 4", 2, 2, Cells::Numbers),
            Ok(vec![vec![10, 20], vec![3, 4]])
        );
        assert!(parse_grid("1 2\n2", 2, 2, Cells::Digits).is_err());
        assert!(parse_grid("1 _\n2 1", 2, 2, Cells::Digits)
            .unwrap_err()
            .starts_with("blank_cell"));
        assert_eq!(
            parse_grid("_ Q\nQ _", 2, 2, Cells::Queens),
            Ok(vec![vec![0, 1], vec![1, 0]])
        );
        assert_eq!(
            parse_grid("1. . Q\n2. Q .", 2, 2, Cells::Queens),
            Ok(vec![vec![0, 1], vec![1, 0]])
        );
        // Two complete grids are two answers, not one.
        assert!(parse_grid("1 2\n2 1\n\n2 1\n1 2", 2, 2, Cells::Digits).is_err());
    }
}
