//! The allocator's setting for training: keep freed memory mapped.
//!
//! A training step allocates and frees buffers of many megabytes (activations, gradients,
//! logit chunks). mimalloc, the `rlvr` binary's allocator, returns freed memory to the OS after
//! a short delay, so the next step's buffers are fresh pages the kernel must fault in and zero:
//! a third of a SmolLM2-135M update's time went to the kernel clearing pages
//! (`bench/train/smollm2.sh`: 9.2 s -> 7.5 s per update with purging off). `rlvr train` and
//! `rlvr generate-text` turn purging off; `rlvr serve` keeps mimalloc's default, so a spike's
//! memory goes back to the OS.
#![allow(unsafe_code)]

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`, the same position in its v2 and v3
/// headers; the Rust binding names only the options before it): milliseconds before freed
/// memory is returned to the OS, -1 for never.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Never return freed memory to the OS for the rest of the process.
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set stores an integer in mimalloc's option table (an atomic store); it
    // has no other effect and is valid at any time, whether or not mimalloc is the allocator.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
