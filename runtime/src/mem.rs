//! Word access to guest memory by guest address.
//!
//! Guest addresses are host addresses (see [`crate::arena`]). The `raw_*` functions are for
//! the collector and builders, which only touch memory they own; the `read_*` functions
//! check the address against the arena's registered regions first, so a stray term gives
//! `None` instead of touching unmapped memory.

use crate::arena;

/// Reads the word at `addr`.
///
/// # Safety
/// `addr` must be 4-byte aligned and inside live guest memory.
#[inline]
pub unsafe fn raw_read(addr: u32) -> u32 {
    // SAFETY: the caller guarantees the address is live and aligned.
    unsafe { *(addr as usize as *const u32) }
}

/// Writes the word at `addr`.
///
/// # Safety
/// `addr` must be 4-byte aligned, inside live guest memory that nothing else is reading
/// or writing at the same time.
#[inline]
pub unsafe fn raw_write(addr: u32, value: u32) {
    // SAFETY: as documented above.
    unsafe { *(addr as usize as *mut u32) = value }
}

/// Copies `words` words from `from` to `to` (the ranges may not overlap).
///
/// # Safety
/// Both ranges must be live guest memory, aligned, and disjoint.
#[inline]
pub unsafe fn raw_copy(from: u32, to: u32, words: u32) {
    // Most objects the collector and the copier move are a cons cell or a small tuple:
    // a word loop, not a `memcpy` call (about 20 instructions of call and set-up natively,
    // more than the copy).
    if words <= 8 {
        for i in 0..words {
            // SAFETY: as documented above: both ranges hold `words` words.
            unsafe { raw_write(to + 4 * i, raw_read(from + 4 * i)) };
        }
        return;
    }
    // SAFETY: as documented above.
    unsafe {
        std::ptr::copy_nonoverlapping(
            from as usize as *const u32,
            to as usize as *mut u32,
            words as usize,
        )
    }
}

/// The word at `addr`, if it is aligned and inside a registered guest region.
/// (`#[inline]`: the runtime's hot paths in other crates call it per term they look at.)
#[inline]
pub fn read(addr: u32) -> Option<u32> {
    if !addr.is_multiple_of(4) || !arena::contains_word(addr) {
        return None;
    }
    // SAFETY: checked aligned and inside a registered (mapped) region just above. Regions
    // are unmapped only when their block is freed, which the owner of a live term prevents.
    Some(unsafe { raw_read(addr) })
}

/// The `len` (at most 8) bytes at `addr` as a big-endian unsigned number, if inside a
/// registered guest region: a bit-syntax field without a `Vec` per field.
#[inline]
pub fn read_be(addr: u32, len: u32) -> Option<u64> {
    if len > 8 || !arena::contains(addr, len) {
        return None;
    }
    let mut v = 0u64;
    for i in 0..len {
        // SAFETY: `addr + i` lies in the range checked just above.
        v = v << 8 | u64::from(unsafe { *((addr + i) as usize as *const u8) });
    }
    Some(v)
}

/// `len` bytes at `addr`, if inside a registered guest region.
pub fn read_bytes(addr: u32, len: u32) -> Option<Vec<u8>> {
    if !arena::contains(addr, len) {
        return None;
    }
    // SAFETY: the range is inside a registered region (checked above).
    Some(unsafe { std::slice::from_raw_parts(addr as usize as *const u8, len as usize) }.to_vec())
}
