//! A hint to the processor to start loading memory that will be read soon. Scoring reads units' tallies
//! and bulk entries in an order unrelated to where they lie, each a cache miss it would wait on; asked
//! for a few steps ahead, they arrive while other work goes on.

/// Starts loading the cache line of `value` without waiting for it.
#[cfg(target_arch = "x86_64")]
pub(super) fn prefetch<T>(value: &T) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch is a hint: it reads nothing into the program and cannot fault, and the address
    // is a live reference's besides. SSE, which has it, is part of every x86-64.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast()) }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn prefetch<T>(_: &T) {}
