//! JSONL read in large blocks and handed out as units of whole lines (as many per unit as the
//! [`Pace`] asks), so that no line is copied on its way to the JSON parser.
//!
//! Each block is one `read` target of about a megabyte, shared (`Arc`) by the units cut from
//! it; only a line split by the block's end is copied, into the next block. Blocks return to a
//! small pool when their last unit is dropped, so steady-state reading touches warm memory
//! instead of fresh pages. Line numbers are 1-based and count blank lines, which are not
//! records.

use super::pace::Pace;
use std::io::{ErrorKind, Read};
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// Bytes asked of each `read`: one block.
const BLOCK: usize = 1 << 20;
/// Blocks kept for reuse.
const POOL: usize = 8;

type Pool = Arc<Mutex<Vec<Vec<u8>>>>;

/// Consecutive lines of the input, each without its `\n` or `\r\n`.
pub struct Lines {
    block: Option<Arc<Vec<u8>>>,
    spans: Vec<Range<usize>>,
    first_line: u64,
    /// Lines already taken by [`Lines::take_first`].
    taken: usize,
    pool: Pool,
}

impl Lines {
    /// The lines not yet taken, with their 1-based numbers.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let block = self.block.as_deref().map_or(&[][..], |b| &b[..]);
        self.spans
            .iter()
            .enumerate()
            .skip(self.taken)
            .map(move |(i, r)| (self.first_line + i as u64, &block[r.clone()]))
    }

    /// Take the next line out (its number and bytes), for callers that go record by record.
    pub fn take_first(&mut self) -> Option<(u64, Vec<u8>)> {
        let (n, bytes) = self.iter().next().map(|(n, b)| (n, b.to_vec()))?;
        self.taken += 1;
        Some((n, bytes))
    }
}

/// Whether a line holds no record (blank lines are skipped, but counted).
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

impl Drop for Lines {
    fn drop(&mut self) {
        if let Some(block) = self.block.take().and_then(Arc::into_inner) {
            give_back(&self.pool, block);
        }
    }
}

/// Keep a block for reuse, unless the pool is full or a very long line grew the block.
fn give_back(pool: &Pool, block: Vec<u8>) {
    if block.len() > 4 * BLOCK {
        return;
    }
    if let Ok(mut pool) = pool.lock() {
        if pool.len() < POOL {
            pool.push(block);
        }
    }
}

/// Units of lines from a reader, as many per unit as the [`Pace`] says.
pub struct JsonlUnits {
    reader: Box<dyn Read + Send>,
    pace: Pace,
    block_size: usize,
    /// The block units are being cut from, and where its uncut whole lines start and end.
    current: Option<(Arc<Vec<u8>>, usize, usize)>,
    /// The start of a line that the last block cut in two.
    carry: Vec<u8>,
    next_line: u64,
    eof: bool,
    pool: Pool,
}

impl JsonlUnits {
    pub fn new(reader: Box<dyn Read + Send>, pace: Pace) -> JsonlUnits {
        JsonlUnits::with_block_size(reader, pace, BLOCK)
    }

    fn with_block_size(reader: Box<dyn Read + Send>, pace: Pace, block_size: usize) -> JsonlUnits {
        JsonlUnits {
            reader,
            pace,
            block_size: block_size.max(1),
            current: None,
            carry: Vec::new(),
            next_line: 1,
            eof: false,
            pool: Arc::default(),
        }
    }

    /// Read the next block: the carried partial line, then input until the block is full,
    /// holds a unit's worth of lines, or the input ends. A line longer than the block grows it.
    /// `None` only at the end of the input (before it, a block always ends with a newline).
    fn fill(&mut self) -> std::io::Result<Option<(Arc<Vec<u8>>, usize)>> {
        let mut buf = self
            .pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default();
        let want = self.block_size.max(2 * self.carry.len());
        if buf.len() < want {
            buf.resize(want, 0);
        }
        let mut filled = self.carry.len();
        buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        // After a very long line, the carry gives its memory back.
        self.carry.shrink_to(BLOCK);
        // Newlines seen so far (counted only after short reads: a pipe may have no more for a
        // while, and whole lines should not wait for a full block).
        let (mut scanned, mut newlines) = (0, 0);
        while !self.eof {
            if filled == buf.len() {
                if memchr::memchr(b'\n', &buf[..filled]).is_some() {
                    break;
                }
                let len = buf.len();
                buf.resize(2 * len, 0);
            }
            let n = match self.reader.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.eof = true;
                break;
            }
            filled += n;
            if filled < buf.len() {
                newlines += memchr::memchr_iter(b'\n', &buf[scanned..filled]).count();
                scanned = filled;
                if newlines >= self.pace.records() {
                    break;
                }
            }
        }
        let end = if self.eof {
            filled
        } else {
            memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |i| i + 1)
        };
        self.carry.extend_from_slice(&buf[end..filled]);
        if end == 0 {
            give_back(&self.pool, buf);
            return Ok(None);
        }
        Ok(Some((Arc::new(buf), end)))
    }

    /// Cut the next unit from the current block.
    fn cut(&mut self) -> Option<Lines> {
        let (block, start, end) = self.current.as_mut()?;
        if *start >= *end {
            self.current = None;
            return None;
        }
        let max_lines = self.pace.records();
        let mut spans = Vec::with_capacity(max_lines.min(4096));
        let mut at = *start;
        while at < *end && spans.len() < max_lines {
            let stop = memchr::memchr(b'\n', &block[at..*end]).map_or(*end, |i| at + i);
            let mut line_end = stop;
            if line_end > at && block[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            spans.push(at..line_end);
            at = stop + 1;
        }
        *start = at;
        let unit = Lines {
            block: Some(block.clone()),
            first_line: self.next_line,
            taken: 0,
            pool: self.pool.clone(),
            spans,
        };
        self.next_line += unit.spans.len() as u64;
        Some(unit)
    }
}

impl Iterator for JsonlUnits {
    type Item = std::io::Result<Lines>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(unit) = self.cut() {
                return Some(Ok(unit));
            }
            if self.eof && self.carry.is_empty() {
                return None;
            }
            match self.fill() {
                Ok(Some((block, end))) => self.current = Some((block, 0, end)),
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per call, like a pipe.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Every (line number, text) the reader produces, and the unit sizes.
    fn read_all(
        text: &str,
        step: usize,
        max_lines: usize,
        block: usize,
    ) -> (Vec<(u64, String)>, Vec<usize>) {
        let reader = Trickle {
            data: text.as_bytes().to_vec(),
            at: 0,
            step,
        };
        let units = JsonlUnits::with_block_size(Box::new(reader), Pace::fixed(max_lines), block);
        let mut lines = Vec::new();
        let mut sizes = Vec::new();
        for unit in units {
            let unit = unit.unwrap();
            sizes.push(unit.iter().count());
            for (n, b) in unit.iter() {
                lines.push((n, String::from_utf8(b.to_vec()).unwrap()));
            }
        }
        (lines, sizes)
    }

    fn expected(text: &str) -> Vec<(u64, String)> {
        text.split_terminator('\n')
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l).to_string()))
            .collect()
    }

    #[test]
    fn every_line_once_in_order_whatever_the_read_and_block_sizes() {
        let text: String = (0..300)
            .map(|i| match i % 7 {
                0 => "\n".to_string(),
                1 => format!("{{\"id\": {i}}}\r\n"),
                2 => format!("{}\n", "x".repeat(i * 3)),
                _ => format!("line {i}\n"),
            })
            .collect();
        let unterminated = format!("{text}last without newline");
        for t in [&text, &unterminated] {
            for step in [1, 3, 64, 1000, 1 << 20] {
                for block in [1, 16, 100, 4096] {
                    for max_lines in [1, 5, 512] {
                        let (got, sizes) = read_all(t, step, max_lines, block);
                        assert_eq!(
                            got,
                            expected(t),
                            "step {step} block {block} max {max_lines}"
                        );
                        assert!(sizes.iter().all(|&n| n >= 1 && n <= max_lines));
                    }
                }
            }
        }
    }

    #[test]
    fn a_pipe_gets_whole_lines_without_waiting_for_a_full_block() {
        // Ten lines in one short read: units of four, four and two, not one wait for more.
        let text: String = (0..10).map(|i| format!("{i}\n")).collect();
        let (got, sizes) = read_all(&text, 1 << 20, 4, BLOCK);
        assert_eq!(got.len(), 10);
        assert_eq!(sizes, [4, 4, 2]);
    }

    #[test]
    fn empty_input_has_no_units() {
        assert_eq!(read_all("", 10, 4, 16).0, vec![]);
        assert_eq!(read_all("\n\n", 10, 4, 16).0.len(), 2);
    }

    #[test]
    fn take_first_walks_a_unit() {
        let reader = std::io::Cursor::new(b"a\nb\nc\n".to_vec());
        let mut units = JsonlUnits::new(Box::new(reader), Pace::fixed(10));
        let mut unit = units.next().unwrap().unwrap();
        assert_eq!(unit.take_first(), Some((1, b"a".to_vec())));
        let rest: Vec<_> = unit.iter().map(|(n, b)| (n, b.to_vec())).collect();
        assert_eq!(rest, [(2, b"b".to_vec()), (3, b"c".to_vec())]);
    }
}
