//! The string decoder on AVX2: 32 bytes per step, copied straight into the output.
//!
//! Each step loads 32 bytes of the string, stores all of them into the output's spare
//! capacity, and finds the first quote, backslash or control character. With none, the output
//! grows by 32; with one, it grows by the bytes before it, and a one-character escape (`\\`,
//! `\n`, ...) is decoded in place and the steps go on from after it; anything else (the closing
//! quote, a `\u` escape, an error) goes back to the portable code. The bytes stored past the
//! output's length are spare capacity, overwritten by the next step or never read. AVX2 has no
//! byte-masked load, so the last few bytes of a piece (fewer than 32) are copied one at a time
//! rather than read past the slice.
//!
//! AVX-512 (64 bytes per step, a masked load for the last) was measured too: 5-8% slower per
//! line than this on the development machine (AMD Zen 5), the same inside `rlvr grade`, whose
//! strings stop at a backslash every ~60 bytes; one vector decoder is kept, the one nearly every
//! x86-64 CPU since 2013 runs.
//!
//! This is the grader's one `unsafe` module, for three things: the decoder's intrinsics need
//! `avx2` (checked at run time by [`available`] before any call) and its stores write through
//! a raw pointer into capacity that is reserved (and checked) just before; [`into_string`]
//! skips the UTF-8 check of bytes the decoders saw to be ASCII; [`prefetch`] hints the cache
//! about bytes the grader is about to read.
#![allow(unsafe_code)]

/// True when this CPU can run [`decode`].
#[cfg(target_arch = "x86_64")]
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(not(target_arch = "x86_64"))]
pub fn available() -> bool {
    false
}

#[cfg(target_arch = "x86_64")]
/// Bytes one step of [`copy_to_stop`] loads and stores.
const STEP: usize = 32;

/// Decode the string body at `b[*i]` into `out`, as [`super::decode_portable`] does.
///
/// Panics if the CPU lacks AVX2 (callers check [`available`]).
#[cfg(target_arch = "x86_64")]
pub fn decode(b: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<bool> {
    assert!(available(), "simd::decode needs avx2");
    let mut ascii = true;
    loop {
        let rest = b.get(*i..)?;
        // Copy in pieces: up to the rest of the line, but no more than the string already
        // holds (4 KiB at first), so a short string of a long line does not reserve the line's
        // length, and a long one grows by doubling.
        let piece = rest.len().min(out.len().max(4096));
        // The decoded string is never longer than its escaped form, and a step may store
        // `STEP` bytes past the stop.
        out.reserve(piece + STEP);
        let start = out.len();
        assert!(out.capacity() - start >= piece + STEP);
        // SAFETY: the CPU has avx2 (asserted above) and `out` has room for `piece + STEP`
        // bytes past its length (asserted above), which is what `copy_to_stop` writes at most
        // for a `piece`-byte source.
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
    unreachable!("simd::decode called without AVX2 (callers check available())")
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

#[cfg(target_arch = "x86_64")]
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
/// The CPU has avx2; `dst` is valid for writes of `src.len() + STEP` bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn copy_to_stop(src: &[u8], dst: *mut u8) -> Step {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_storeu_si256,
    };
    let quote = _mm256_set1_epi8(b'"' as i8);
    let backslash = _mm256_set1_epi8(b'\\' as i8);
    let below_space = _mm256_set1_epi8(0x1f);
    let (mut read, mut written, mut high) = (0, 0, 0u32);
    while src.len() - read >= STEP {
        // SAFETY: reads src[read..read + STEP], inside `src`.
        let v = unsafe { _mm256_loadu_si256(src.as_ptr().add(read).cast()) };
        // SAFETY: `written <= read` (an escape reads two bytes and writes one), so this store
        // ends by `src.len() + STEP`: inside what the caller guarantees.
        unsafe { _mm256_storeu_si256(dst.add(written).cast(), v) };
        // A byte is below 0x20 where min(byte, 0x1f) is the byte itself.
        let control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, below_space), v);
        let stops = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)),
            control,
        );
        let stops = _mm256_movemask_epi8(stops) as u32;
        let highs = _mm256_movemask_epi8(v) as u32;
        if stops == 0 {
            high |= highs;
            read += STEP;
            written += STEP;
            continue;
        }
        let n = stops.trailing_zeros() as usize;
        high |= highs & ((1u32 << n) - 1);
        read += n;
        written += n;
        match super::simple_escape(src, read) {
            // SAFETY: `written < read < src.len()`: inside `dst`'s guaranteed extent.
            Some(byte) => unsafe { *dst.add(written) = byte },
            None => return step(read, written, high == 0),
        }
        read += 2;
        written += 1;
    }
    // The last bytes of the piece, fewer than a step.
    while let Some(&c) = src.get(read) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            match super::simple_escape(src, read) {
                // SAFETY: as above.
                Some(byte) => unsafe { *dst.add(written) = byte },
                None => return step(read, written, high == 0),
            }
            read += 2;
        } else {
            // SAFETY: as above.
            unsafe { *dst.add(written) = c };
            high |= u32::from(c >= 0x80);
            read += 1;
        }
        written += 1;
    }
    step(read, written, high == 0)
}

#[cfg(target_arch = "x86_64")]
fn step(read: usize, written: usize, ascii: bool) -> Step {
    debug_assert!(written <= read);
    Step {
        read,
        written,
        ascii,
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
