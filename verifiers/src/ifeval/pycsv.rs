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

/// The records of `text`, or `None` where Python's reader raises.
pub fn read(text: &str, delimiter: char) -> Option<Vec<Vec<String>>> {
    read_n(text, delimiter, usize::MAX)
}

/// The first `max_rows` records of `text` as [`read`] gives them, reading no further (so an
/// error after them is not seen), or `None` where the reader raises before they are complete.
pub fn read_n(text: &str, delimiter: char, max_rows: usize) -> Option<Vec<Vec<String>>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut field_len = 0usize;
    let mut state = State::StartRecord;
    // One step of the state machine; `None` as the character is the end of a line.
    let step = |c: Option<char>,
                state: &mut State,
                fields: &mut Vec<String>,
                field: &mut String,
                field_len: &mut usize|
     -> Option<()> {
        let is_nl = |c: Option<char>| matches!(c, Some('\n') | Some('\r'));
        let save = |fields: &mut Vec<String>, field: &mut String, field_len: &mut usize| {
            fields.push(std::mem::take(field));
            *field_len = 0;
        };
        let add = |field: &mut String, field_len: &mut usize, ch: char| -> Option<()> {
            *field_len += 1;
            if *field_len > FIELD_LIMIT {
                return None;
            }
            field.push(ch);
            Some(())
        };
        let mut st = *state;
        if st == State::StartRecord {
            match c {
                None => return Some(()),
                Some('\n') | Some('\r') => {
                    *state = State::EatCrnl;
                    return Some(());
                }
                _ => st = State::StartField,
            }
        }
        match st {
            State::StartField => match c {
                None => {
                    save(fields, field, field_len);
                    *state = State::StartRecord;
                }
                Some(x) if is_nl(Some(x)) => {
                    save(fields, field, field_len);
                    *state = State::EatCrnl;
                }
                Some('"') => *state = State::InQuoted,
                Some(x) if x == delimiter => {
                    save(fields, field, field_len);
                    *state = State::StartField;
                }
                Some(x) => {
                    add(field, field_len, x)?;
                    *state = State::InField;
                }
            },
            State::InField => match c {
                None => {
                    save(fields, field, field_len);
                    *state = State::StartRecord;
                }
                Some(x) if is_nl(Some(x)) => {
                    save(fields, field, field_len);
                    *state = State::EatCrnl;
                }
                Some(x) if x == delimiter => {
                    save(fields, field, field_len);
                    *state = State::StartField;
                }
                Some(x) => {
                    add(field, field_len, x)?;
                    *state = State::InField;
                }
            },
            State::InQuoted => match c {
                None => *state = State::InQuoted,
                Some('"') => *state = State::QuoteInQuoted,
                Some(x) => {
                    add(field, field_len, x)?;
                    *state = State::InQuoted;
                }
            },
            State::QuoteInQuoted => match c {
                Some('"') => {
                    add(field, field_len, '"')?;
                    *state = State::InQuoted;
                }
                Some(x) if x == delimiter => {
                    save(fields, field, field_len);
                    *state = State::StartField;
                }
                None => {
                    save(fields, field, field_len);
                    *state = State::StartRecord;
                }
                Some(x) if is_nl(Some(x)) => {
                    save(fields, field, field_len);
                    *state = State::EatCrnl;
                }
                Some(x) => {
                    add(field, field_len, x)?;
                    *state = State::InField;
                }
            },
            State::EatCrnl => match c {
                Some('\n') | Some('\r') => {}
                None => *state = State::StartRecord,
                Some(_) => return None,
            },
            State::StartRecord => {}
        }
        Some(())
    };
    for line in text.split_inclusive('\n') {
        for c in line.chars() {
            step(Some(c), &mut state, &mut fields, &mut field, &mut field_len)?;
        }
        step(None, &mut state, &mut fields, &mut field, &mut field_len)?;
        if state == State::StartRecord {
            // An empty line is an empty record, as Python's reader yields `[]`.
            rows.push(std::mem::take(&mut fields));
            if rows.len() >= max_rows {
                return Some(rows);
            }
        }
    }
    // End of input inside a record: the reader saves the field and returns the record.
    if field_len != 0 || state == State::InQuoted {
        fields.push(field);
        rows.push(fields);
    }
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Vec<Vec<String>> {
        read(s, ',').unwrap_or_default()
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
