//! Compressed JSONL: rollout dumps and evaluation sets often come as `.jsonl.gz` or
//! `.jsonl.zst`. The compression is recognized by its magic bytes, not the file's name, so a
//! compressed stream on stdin is read too; the grader sees the decompressed lines.

use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The reader of `input`'s records: decompressed when it starts like a gzip or zstd stream,
/// else `input` itself; `consumed` counts the bytes taken from `input` (the progress bar
/// measures the file). The first bytes are looked at on the first read, on the thread that
/// reads, so that opening an idle stdin does not block.
pub fn reader(input: Box<dyn Read + Send>, consumed: Arc<AtomicU64>) -> Box<dyn Read + Send> {
    Box::new(Sniffed::Start(Some((input, consumed))))
}

enum Sniffed {
    Start(Option<(Box<dyn Read + Send>, Arc<AtomicU64>)>),
    Open(Box<dyn Read + Send>),
}

impl Read for Sniffed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Sniffed::Start(start) = self {
            let (input, consumed) = start
                .take()
                .ok_or_else(|| std::io::Error::other("the input failed to open"))?;
            *self = Sniffed::Open(open(input, consumed)?);
        }
        match self {
            Sniffed::Open(r) => r.read(buf),
            Sniffed::Start(_) => Err(std::io::Error::other("the input failed to open")),
        }
    }
}

fn open(
    mut input: Box<dyn Read + Send>,
    consumed: Arc<AtomicU64>,
) -> std::io::Result<Box<dyn Read + Send>> {
    // The first bytes, however a pipe delivers them, then the rest behind them.
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match input.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let magic = &head[..n];
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let zstd = magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
    let counted = Counted {
        inner: std::io::Cursor::new(magic.to_vec()).chain(input),
        consumed,
    };
    Ok(if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            64 * 1024,
            counted,
        )))
    } else if zstd {
        Box::new(zstd::stream::read::Decoder::with_buffer(
            BufReader::with_capacity(64 * 1024, counted),
        )?)
    } else {
        Box::new(counted)
    })
}

/// A reader that adds the bytes read through it to `consumed`.
struct Counted<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The bytes read through [`reader`], and how many of the input's it counted.
    fn read_all(bytes: Vec<u8>) -> (Vec<u8>, u64) {
        let consumed = Arc::new(AtomicU64::new(0));
        let mut r = reader(Box::new(std::io::Cursor::new(bytes)), consumed.clone());
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        (out, consumed.load(Ordering::Relaxed))
    }

    #[test]
    fn gzip_zstd_and_plain_read_the_same() {
        let text: Vec<u8> = (0..5000)
            .flat_map(|i| {
                format!("{{\"id\": {i}, \"response\": \"\\\\boxed{{{i}}}\"}}\n").into_bytes()
            })
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::stream::encode_all(&text[..], 1).unwrap();
        // Concatenated gzip members (what `cat a.gz b.gz` makes) are one stream.
        let two: Vec<u8> = [gz.clone(), gz.clone()].concat();

        let n = text.len() as u64;
        assert_eq!(read_all(text.clone()), (text.clone(), n));
        assert_eq!(read_all(gz.clone()), (text.clone(), gz.len() as u64));
        assert_eq!(read_all(zst.clone()), (text.clone(), zst.len() as u64));
        assert_eq!(read_all(two.clone()).0, [text.clone(), text].concat());
    }

    #[test]
    fn a_broken_stream_is_a_read_error_not_a_panic() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b'x'; 100_000]).unwrap();
        let mut gz = gz.finish().unwrap();
        gz.truncate(gz.len() / 2);
        let mut r = reader(Box::new(std::io::Cursor::new(gz)), Arc::default());
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        // Too short to say: read as it is.
        assert_eq!(read_all(vec![0x1f]), (vec![0x1f], 1));
        assert_eq!(read_all(Vec::new()), (Vec::new(), 0));
    }
}
