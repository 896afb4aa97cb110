//! The fast path against serde_json: wherever [`parse`] answers, serde_json gives the same
//! value; where serde_json fails, [`parse`] declines; and on the lines records are made of,
//! it answers.

use super::*;
use rlvr_verifiers::logic::rng::Rng;

/// serde_json's answer, the reference.
fn serde(line: &[u8]) -> Option<Value> {
    serde_json::from_slice(line).ok()
}

/// `parse` agrees with serde_json on `line`; returns whether it answered.
fn agrees(line: &[u8]) -> bool {
    let fast = parse(line);
    for decoder in Decoder::all() {
        assert_eq!(
            parse_with(line, decoder),
            fast,
            "the {decoder:?} decoder differs on {:?}",
            String::from_utf8_lossy(line)
        );
    }
    if let Some(v) = &fast {
        assert_eq!(
            serde(line).as_ref(),
            Some(v),
            "fast path answered differently on {:?}",
            String::from_utf8_lossy(line)
        );
    }
    fast.is_some()
}

#[test]
fn fixture_lines_agree_with_serde_json() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/grade/json_lines.txt"
    ))
    .unwrap();
    let mut valid = 0;
    for line in text.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
        let answered = agrees(line);
        if serde(line).is_some() {
            valid += 1;
            assert!(
                answered,
                "fast path declined valid {:?}",
                String::from_utf8_lossy(line)
            );
        } else {
            assert!(!answered);
        }
    }
    assert!(valid >= 20, "only {valid} valid lines in the fixture");
}

#[test]
fn invalid_utf8_is_declined() {
    for line in [
        &b"{\"a\": \"\xff\"}"[..],
        b"{\"a\": \"\xc3\"}",
        b"{\"a\": \"\xed\xa0\x80\"}",
        b"{\"\xfe\": 1}",
        b"{\"a\": \"\xc3\\u00e9\"}",
    ] {
        assert!(serde(line).is_none());
        assert!(parse(line).is_none());
    }
}

#[test]
fn nesting_past_the_limit_is_left_to_serde_json() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    assert!(agrees(deep(MAX_DEPTH).as_bytes()));
    assert!(!agrees(deep(MAX_DEPTH + 1).as_bytes()));
    assert!(serde(deep(MAX_DEPTH + 1).as_bytes()).is_some());
}

/// `0..n` from the project's seeded generator (the same stream on every run).
fn below(rng: &mut Rng, n: usize) -> usize {
    rng.below(n as u64) as usize
}

/// A string mixing what JSON strings hold: plain ASCII, LaTeX backslashes, quotes, control
/// characters, multi-byte UTF-8, astral characters.
fn random_text(rng: &mut Rng, len: usize) -> String {
    const PIECES: &[&str] = &[
        "a",
        "xyz ",
        "\\",
        "\\frac{1}{2}",
        "\"",
        "\n",
        "\t",
        "\u{1}",
        "\u{1f}",
        "\u{7f}",
        "é",
        "中",
        "😀",
        "/",
        " ",
        "$",
        "{",
        "}",
        "0123456789abcdef",
    ];
    let mut s = String::new();
    while s.len() < len {
        s.push_str(PIECES[below(rng, PIECES.len())]);
    }
    s
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match below(rng, if depth > 3 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(below(rng, 2) == 0),
        2 => Value::from(rng.next_u64() as i64 >> below(rng, 64)),
        3 => {
            Value::from((rng.next_u64() as f64 / 3.0) * if below(rng, 2) == 0 { 1e-9 } else { 1e9 })
        }
        4 => {
            let len = [0, 1, 5, 63, 64, 65, 127, 128, 200, 2500][below(rng, 10)];
            Value::String(random_text(rng, len))
        }
        5 => Value::Array(
            (0..below(rng, 4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..below(rng, 5))
                .map(|_| {
                    let len = below(rng, 12);
                    (random_text(rng, len), random_value(rng, depth + 1))
                })
                .collect(),
        ),
    }
}

/// serde_json writes non-ASCII as is and escapes only what it must; readers meet `\u` escapes
/// too (Python's `json.dumps` default), and other whitespace.
fn reencode(rng: &mut Rng, json: &str) -> Vec<u8> {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string && !c.is_ascii() && below(rng, 4) == 0 {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                if below(rng, 2) == 0 {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
            continue;
        }
        out.push(c);
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => escaped = false,
            }
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ',' | ':' | '[' | '{') {
            out.push_str([" ", "\t", "\r\n ", ""][below(rng, 4)]);
        }
    }
    out.into_bytes()
}

#[test]
fn random_documents_agree_with_serde_json() {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut answered = 0;
    for _ in 0..3000 {
        let value = random_value(&mut rng, 0);
        let json = serde_json::to_string(&value).unwrap();
        let line = reencode(&mut rng, &json);
        // (Not compared with `value`: serde_json's float reading is not an exact round trip.)
        assert!(agrees(&line), "declined {json}");
        answered += 1;
        // Mutations: a byte changed, the line cut short, a byte dropped.
        let mut bad = line.clone();
        if !bad.is_empty() {
            let at = below(&mut rng, bad.len());
            bad[at] = [b'"', b'\\', b'u', 0x01, 0xff, b'}', b',', b'x'][below(&mut rng, 8)];
            agrees(&bad);
            agrees(&line[..below(&mut rng, line.len())]);
            let mut dropped = line.clone();
            dropped.remove(below(&mut rng, line.len()));
            agrees(&dropped);
        }
    }
    assert_eq!(answered, 3000);
}

/// Every decoder this CPU runs (AVX2, the portable one) decodes every string the same way, with
/// the closing quote at every offset around the 8- and 32-byte steps.
#[test]
fn decoders_agree_around_block_edges() {
    let mut rng = Rng::new(42);
    for len in 0..300 {
        for _ in 0..8 {
            let text = random_text(&mut rng, len);
            let quoted = serde_json::to_string(&text).unwrap();
            for tail in ["", ", \"next\": 1}", "\\", "\""] {
                let b = format!("{}{tail}", &quoted[1..]).into_bytes();
                let (mut i1, mut o1) = (0, Vec::new());
                let portable = decode_portable(&b, &mut i1, &mut o1);
                assert_eq!(portable, Some(text.is_ascii()));
                assert_eq!(o1, text.as_bytes());
                assert_eq!(i1, quoted.len() - 1);
                for decoder in Decoder::all() {
                    let (mut i2, mut o2) = (0, Vec::new());
                    assert_eq!(
                        decoder.decode(&b, &mut i2, &mut o2),
                        portable,
                        "{decoder:?}"
                    );
                    assert_eq!((i2, &o2), (i1, &o1), "{decoder:?}");
                }
            }
            // No closing quote: every decoder declines.
            let open = &quoted.as_bytes()[1..quoted.len() - 1];
            for decoder in Decoder::all() {
                let (mut i, mut o) = (0, Vec::new());
                assert_eq!(decoder.decode(open, &mut i, &mut o), None, "{decoder:?}");
            }
        }
    }
}

/// Decode `text`'s JSON form with every decoder this CPU has, and check each gives `text`.
fn decodes_back(text: &str) {
    let quoted = serde_json::to_string(text).unwrap();
    let b = format!("{}, \"k\": 1}}", &quoted[1..]).into_bytes();
    for decoder in Decoder::all() {
        let (mut i, mut out) = (0, Vec::new());
        let ascii = decoder.decode(&b, &mut i, &mut out);
        assert_eq!(ascii, Some(text.is_ascii()), "{decoder:?}");
        assert_eq!(
            (i, out.as_slice()),
            (quoted.len() - 1, text.as_bytes()),
            "{decoder:?} on {quoted}"
        );
    }
}

/// Only the escapes the block decoder handles in registers, so whole strings go through it:
/// runs of backslashes and escapes across every 32-byte edge.
#[test]
fn one_character_escapes_across_block_edges() {
    // Around the 4 KiB piece the AVX2 decoder copies at first, too.
    for at in (4080..4100).chain(8180..8200) {
        for tail in ["\\", "\\\\x", "\n", "\"", "é"] {
            decodes_back(&format!("{}{tail}{}", "x".repeat(at), "y".repeat(100)));
        }
    }
    for run in 1..=6 {
        for at in 50..80 {
            for tail in ["", "n", "\"", "abc\\n", "é"] {
                decodes_back(&format!(
                    "{}{}{tail}{}",
                    "x".repeat(at),
                    "\\".repeat(run),
                    "y".repeat(70)
                ));
            }
        }
    }
    let mut rng = Rng::new(7);
    const PIECES: &[&str] = &[
        "a", "\\", "\\\\", "\"", "\n", "\t", "\r", "\u{8}", "\u{c}", "/", "é", "xyz ",
    ];
    for len in 0..400 {
        for _ in 0..4 {
            let mut s = String::new();
            while s.len() < len {
                s.push_str(PIECES[below(&mut rng, PIECES.len())]);
            }
            decodes_back(&s);
        }
    }
}

/// Strings of a long line take about their own length of memory, not the rest of the line's.
#[test]
fn strings_of_a_long_line_do_not_reserve_the_line() {
    let strings: Vec<String> = (0..60)
        .map(|k| format!("{}\\\\{}", "ab".repeat(k * 97 % 5000), "c".repeat(k % 7)))
        .collect();
    let line = format!("[\"{}\"]", strings.join("\", \""));
    let Some(Value::Array(items)) = parse(line.as_bytes()) else {
        panic!("not read");
    };
    assert_eq!(items.len(), 60);
    for (item, raw) in items.iter().zip(&strings) {
        let Value::String(s) = item else { panic!() };
        assert_eq!(s.len(), raw.len() - 1);
        assert!(
            s.capacity() <= 2 * s.len() + 4096 + 64,
            "{} for {}",
            s.capacity(),
            s.len()
        );
    }
}

/// The portable decoder's word-at-a-time search finds the first quote, backslash or control
/// character wherever it is, whatever byte sits next to it (a borrow between bytes can mark a
/// byte above a stop, never the first one): every pair of byte values, side by side inside a
/// word and across a word's edge.
#[test]
fn the_word_search_finds_the_first_stop() {
    let is_stop = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
    for at in [3, 7, 14] {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let mut s = [b'x'; 20];
                s[at] = a;
                s[at + 1] = b;
                let want = s.iter().position(|&c| is_stop(c));
                assert_eq!(next_stop(&s), want, "{a:#x} {b:#x} at {at}");
            }
        }
    }
    // A stop in the last bytes, after the whole words.
    for len in 0..20 {
        let mut s = vec![0xe9u8; len];
        assert_eq!(next_stop(&s), None);
        if len > 0 {
            s[len - 1] = b'"';
            assert_eq!(next_stop(&s), Some(len - 1));
        }
    }
}
