//! The string decoder on AVX-512: 64 bytes per step, copied straight into the output.
//!
//! Each step loads 64 bytes of the string (a masked load for the last, shorter piece, which
//! never touches memory past the slice), stores all 64 into the output's spare capacity, and
//! finds the first quote, backslash or control character. With none, the output grows by 64;
//! with one, it grows by the bytes before it, and a one-character escape (`\\`, `\n`, ...) is
//! decoded in place and the steps go on from after it; anything else (the closing quote, a
//! `\u` escape, an error) goes back to the portable code. The bytes stored past the output's
//! length are spare capacity, overwritten by the next step or never read.
//!
//! This is the grader's one `unsafe` module, for three things: the decoder's intrinsics need
//! `avx512f` and `avx512bw` (checked at run time by [`available`] before any call) and its
//! stores write through a raw pointer into capacity that is reserved (and checked) just before;
//! [`into_string`] skips the UTF-8 check of bytes the decoders saw to be ASCII; [`prefetch`]
//! hints the cache about bytes the grader is about to read.
#![allow(unsafe_code)]

/// True when this CPU can run [`decode`].
#[cfg(target_arch = "x86_64")]
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
}

#[cfg(not(target_arch = "x86_64"))]
pub fn available() -> bool {
    false
}

/// Decode the string body at `b[*i]` into `out`, as [`super::decode_portable`] does.
///
/// Panics if the CPU lacks AVX-512 (callers check [`available`]).
#[cfg(target_arch = "x86_64")]
pub fn decode(b: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<bool> {
    assert!(available(), "simd::decode needs avx512f and avx512bw");
    let mut ascii = true;
    loop {
        let rest = b.get(*i..)?;
        // Copy in pieces: up to the rest of the line, but no more than the string already
        // holds (4 KiB at first), so a short string of a long line does not reserve the line's
        // length, and a long one grows by doubling.
        let piece = rest.len().min(out.len().max(4096));
        // The decoded string is never longer than its escaped form, and a step may store 64
        // bytes past the stop.
        out.reserve(piece + 64);
        let start = out.len();
        assert!(out.capacity() - start >= piece + 64);
        // SAFETY: the CPU has avx512f/avx512bw (asserted above) and `out` has room for
        // `piece + 64` bytes past its length (asserted above), which is what `copy_to_stop`
        // writes at most for a `piece`-byte source.
        let step = unsafe { copy_to_stop(&rest[..piece], out.as_mut_ptr().add(start)) };
        // SAFETY: `copy_to_stop` initialised `written` bytes at `start`.
        unsafe { out.set_len(start + step.written) };
        *i += step.read;
        ascii &= step.ascii;
        if step.read == piece && piece < rest.len() {
            // The piece ran out, not the string.
            continue;
        }
        // What `copy_to_stop` leaves: the closing quote, a `\u` escape, or an error.
        let before = out.len();
        if !super::after_stop(b, i, out)? {
            return Some(ascii);
        }
        ascii &= out[before..].is_ascii();
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub fn decode(_: &[u8], _: &mut usize, _: &mut Vec<u8>) -> Option<bool> {
    unreachable!("simd::decode called without AVX-512 (callers check available())")
}

/// `bytes` as a `String`; `ascii` says the decoder saw only ASCII in them, which needs no
/// further check.
pub fn into_string(bytes: Vec<u8>, ascii: bool) -> Option<String> {
    if ascii {
        debug_assert!(bytes.is_ascii());
        // SAFETY: ASCII is valid UTF-8. `ascii` is true only when every byte the decoders
        // copied had its high bit clear (`copy_to_stop`'s mask, `is_ascii` elsewhere) and
        // every escape decoded to ASCII.
        Some(unsafe { String::from_utf8_unchecked(bytes) })
    } else {
        String::from_utf8(bytes).ok()
    }
}

/// What [`copy_to_stop`] did.
struct Step {
    /// Bytes of `src` consumed.
    read: usize,
    /// Bytes written to `dst`.
    written: usize,
    /// No byte written had its high bit set.
    ascii: bool,
}

/// Copy `src` to `dst`, decoding one-character escapes (`\\`, `\"`, `\n`, ...) on the way,
/// up to the first quote, control character or other escape, or the end of `src`.
///
/// # Safety
/// The CPU has avx512f and avx512bw; `dst` is valid for writes of `src.len() + 64` bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn copy_to_stop(src: &[u8], dst: *mut u8) -> Step {
    use std::arch::x86_64::{
        _mm512_cmpeq_epi8_mask, _mm512_cmplt_epu8_mask, _mm512_loadu_si512,
        _mm512_maskz_loadu_epi8, _mm512_movepi8_mask, _mm512_set1_epi8, _mm512_storeu_si512,
    };
    let quote = _mm512_set1_epi8(b'"' as i8);
    let backslash = _mm512_set1_epi8(b'\\' as i8);
    let space = _mm512_set1_epi8(0x20);
    let (mut read, mut written, mut high) = (0, 0, 0u64);
    loop {
        let left = src.len() - read;
        // SAFETY: a full load reads src[read..read + 64], inside `src`; the masked load reads
        // only the `left` bytes that remain (masked-off lanes are not accessed) and zeroes
        // the others, which then count as control characters: a stop at `src.len()`.
        let v = unsafe {
            if left >= 64 {
                _mm512_loadu_si512(src.as_ptr().add(read).cast())
            } else {
                _mm512_maskz_loadu_epi8((1u64 << left) - 1, src.as_ptr().add(read).cast())
            }
        };
        // SAFETY: `written <= read <= src.len()` (an escape reads two bytes and writes one),
        // so this store ends by `src.len() + 64`: inside what the caller guarantees.
        unsafe { _mm512_storeu_si512(dst.add(written).cast(), v) };
        let stops = _mm512_cmpeq_epi8_mask(v, quote)
            | _mm512_cmpeq_epi8_mask(v, backslash)
            | _mm512_cmplt_epu8_mask(v, space);
        if stops == 0 {
            high |= _mm512_movepi8_mask(v);
            read += 64;
            written += 64;
            continue;
        }
        let n = stops.trailing_zeros() as usize;
        high |= _mm512_movepi8_mask(v) & ((1u64 << n) - 1);
        read += n;
        written += n;
        if let (Some(b'\\'), Some(&c)) = (src.get(read), src.get(read + 1)) {
            let byte = super::SIMPLE_ESCAPES[c as usize];
            if byte != 0 {
                // SAFETY: `written < read < src.len()`: inside `dst`'s guaranteed extent.
                unsafe { *dst.add(written) = byte };
                read += 2;
                written += 1;
                continue;
            }
        }
        debug_assert!(written <= read && read <= src.len());
        return Step {
            read,
            written,
            ascii: high == 0,
        };
    }
}

/// Ask the CPU to bring `bytes` into its caches, ahead of reading them: the grader's workers
/// do it for the next line while they verify the current one, so that its bytes, which the
/// reader thread copied on another core, are near when the parse gets to them.
pub fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of x86_64, and a prefetch only hints: it reads nothing into
        // the program and cannot fault, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}
