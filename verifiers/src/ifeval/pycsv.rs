//! Python's `csv.reader` (default dialect, `strict=False`) over `io.StringIO(text)`.
//!
//! IFBench's CSV checkers parse the response with it, so its state machine is reproduced:
//! lines end at `\n` only (StringIO's default), a quoted field may span lines, `""` inside
//! quotes is one quote, a quote after text in a field is kept as text, a bare `\r` ends a
//! record and any text after it on the same line is the reader's "new-line character seen in
//! unquoted field" error, and a field longer than the default 131,072-character limit is an
//! error. An error is `None` (the reference raises; the checker then fails).

const FIELD_LIMIT: usize = 131_072;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
    EatCrnl,
}

/// The records a reader returned: every field's text in one buffer, so a table of any size is
/// three allocations (a `Vec<Vec<String>>` was one per field, most of a CSV row's cost).
#[derive(Debug, Default)]
pub struct Records {
    buf: String,
    /// Each field's byte range in `buf`.
    fields: Vec<(u32, u32)>,
    /// Each record's range in `fields`.
    rows: Vec<(u32, u32)>,
}

impl Records {
    /// How many records.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The fields of record `i`.
    pub fn row(&self, i: usize) -> impl ExactSizeIterator<Item = &str> + Clone + '_ {
        let (a, b) = self.rows.get(i).copied().unwrap_or((0, 0));
        self.fields[a as usize..b as usize]
            .iter()
            .map(|&(x, y)| &self.buf[x as usize..y as usize])
    }

    /// Every record, in order.
    pub fn rows(&self) -> impl Iterator<Item = impl ExactSizeIterator<Item = &str> + '_> + '_ {
        (0..self.len()).map(|i| self.row(i))
    }

    /// Whether record `i` is exactly `want`.
    pub fn row_is(&self, i: usize, want: &[&str]) -> bool {
        i < self.len() && self.row(i).eq(want.iter().copied())
    }
}

/// The reader's state: the records so far and the field being read.
struct Reader {
    out: Records,
    /// Where the current field starts in `out.buf`.
    field_start: usize,
    /// Its length in characters (the field size limit counts characters).
    field_len: usize,
    /// Where the current record starts in `out.fields`.
    row_start: usize,
    state: State,
    delimiter: char,
}

impl Reader {
    fn save(&mut self) {
        let end = self.out.buf.len();
        self.out.fields.push((self.field_start as u32, end as u32));
        self.field_start = end;
        self.field_len = 0;
    }

    fn end_row(&mut self) {
        let end = self.out.fields.len();
        self.out.rows.push((self.row_start as u32, end as u32));
        self.row_start = end;
    }

    fn add(&mut self, ch: char) -> Option<()> {
        self.field_len += 1;
        if self.field_len > FIELD_LIMIT {
            return None;
        }
        self.out.buf.push(ch);
        Some(())
    }

    /// One step of the state machine; `None` as the character is the end of a line.
    fn step(&mut self, c: Option<char>) -> Option<()> {
        let is_nl = |c: char| matches!(c, '\n' | '\r');
        let mut st = self.state;
        if st == State::StartRecord {
            match c {
                None => return Some(()),
                Some('\n') | Some('\r') => {
                    self.state = State::EatCrnl;
                    return Some(());
                }
                _ => st = State::StartField,
            }
        }
        self.state = match (st, c) {
            (State::StartField | State::InField | State::QuoteInQuoted, None) => {
                self.save();
                State::StartRecord
            }
            (State::StartField | State::InField | State::QuoteInQuoted, Some(x)) if is_nl(x) => {
                self.save();
                State::EatCrnl
            }
            (State::StartField, Some('"')) => State::InQuoted,
            (State::QuoteInQuoted, Some('"')) => {
                self.add('"')?;
                State::InQuoted
            }
            (State::StartField | State::InField | State::QuoteInQuoted, Some(x))
                if x == self.delimiter =>
            {
                self.save();
                State::StartField
            }
            (State::StartField | State::InField | State::QuoteInQuoted, Some(x)) => {
                self.add(x)?;
                State::InField
            }
            (State::InQuoted, None) => State::InQuoted,
            (State::InQuoted, Some('"')) => State::QuoteInQuoted,
            (State::InQuoted, Some(x)) => {
                self.add(x)?;
                State::InQuoted
            }
            (State::EatCrnl, Some('\n') | Some('\r')) => State::EatCrnl,
            (State::EatCrnl, None) => State::StartRecord,
            (State::EatCrnl, Some(_)) => return None,
            (State::StartRecord, _) => State::StartRecord,
        };
        Some(())
    }
}

/// The records of `text`, or `None` where Python's reader raises.
pub fn read(text: &str, delimiter: char) -> Option<Records> {
    read_n(text, delimiter, usize::MAX)
}

/// The first `max_rows` records of `text` as [`read`] gives them, reading no further (so an
/// error after them is not seen), or `None` where the reader raises before they are complete.
pub fn read_n(text: &str, delimiter: char, max_rows: usize) -> Option<Records> {
    let mut r = Reader {
        out: Records {
            buf: String::with_capacity(text.len()),
            fields: Vec::new(),
            rows: Vec::new(),
        },
        field_start: 0,
        field_len: 0,
        row_start: 0,
        state: State::StartRecord,
        delimiter,
    };
    for line in text.split_inclusive('\n') {
        for c in line.chars() {
            r.step(Some(c))?;
        }
        r.step(None)?;
        if r.state == State::StartRecord {
            // An empty line is an empty record, as Python's reader yields `[]`.
            r.end_row();
            if r.out.len() >= max_rows {
                return Some(r.out);
            }
        }
    }
    // End of input inside a record: the reader saves the field and returns the record.
    if r.field_len != 0 || r.state == State::InQuoted {
        r.save();
        r.end_row();
    }
    Some(r.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Vec<Vec<String>> {
        read(s, ',')
            .unwrap_or_default()
            .rows()
            .map(|r| r.map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn python_cases() {
        assert_eq!(r("a,b\nc,d\n"), vec![vec!["a", "b"], vec!["c", "d"]]);
        assert_eq!(
            r("a,\"b,c\"\n\nd"),
            vec![vec!["a", "b,c"], vec![], vec!["d"]]
        );
        assert_eq!(r("\"x\"\"y\",z"), vec![vec!["x\"y", "z"]]);
        assert_eq!(r("ab\"c,d"), vec![vec!["ab\"c", "d"]]);
        assert_eq!(r("\"a\nb\",c"), vec![vec!["a\nb", "c"]]);
        assert_eq!(r("a,b\r\nc"), vec![vec!["a", "b"], vec!["c"]]);
        assert!(read("a\rb", ',').is_none());
        assert_eq!(r("\"open"), vec![vec!["open"]]);
        assert_eq!(r(",\n"), vec![vec!["", ""]]);
    }
}
