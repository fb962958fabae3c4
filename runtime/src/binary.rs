//! Binaries: heap binaries (≤ 64 bytes, inline), refc binaries (a ProcBin on the heap
//! referring to a reference-counted off-heap block) and sub-binaries.
//!
//! Layouts (OTP 25 erl_binary.h, 32-bit words after the header):
//! - heap binary: `header(1 + ⌈n/4⌉, HEAP_BINARY)`, size, data bytes.
//! - ProcBin: `header(5, REFC_BINARY)`, size, next, val, bytes, flags. `val` is the guest
//!   address of our off-heap block `[refcount, capacity, data…]`; `bytes` points at its
//!   data. `next` is unused: the owner's off-heap list is a Rust vector (see
//!   [`crate::heap`]). `flags` are OTP's `PB_IS_WRITABLE | PB_ACTIVE_WRITER` for a binary
//!   built by appending ([`append`]): its block has spare capacity, and the one ProcBin
//!   that is the active writer may be extended in place (erl_bits.c `erts_bs_append`).
//! - sub binary: `header(4, SUB_BINARY)`, size, offs, bitsize | bitoffs<<8 | writable<<16,
//!   orig (a term: the heap binary or ProcBin it views).

use crate::arena;
use crate::heap::{Alloc, HeapError};
use crate::mem;
use crate::term::*;
use std::sync::atomic::{AtomicU32, Ordering};

/// Binaries up to this many bytes live on the heap (erl_binary.h: ERL_ONHEAP_BIN_LIMIT).
pub const ONHEAP_BIN_LIMIT: usize = 64;
pub const PROC_BIN_WORDS: u32 = 6;
pub const SUB_BIN_WORDS: u32 = 5;

/// Words of a heap binary holding `n` bytes.
pub const fn heap_bin_words(n: u32) -> u32 {
    2 + n.div_ceil(4)
}

/// Words a binary of `n` bytes takes on the heap when built by [`new_binary`].
pub const fn binary_words(n: u32) -> u32 {
    if n as usize <= ONHEAP_BIN_LIMIT {
        heap_bin_words(n)
    } else {
        PROC_BIN_WORDS
    }
}

/// Builds a heap binary (≤ 64 bytes) or a refc binary (larger), as OTP does.
pub fn new_binary(a: &mut dyn Alloc, bytes: &[u8]) -> Result<Term, HeapError> {
    if bytes.len() <= ONHEAP_BIN_LIMIT {
        heap_binary(a, bytes)
    } else {
        refc_binary(a, bytes)
    }
}

/// A heap binary of any size (callers normally use [`new_binary`]).
pub fn heap_binary(a: &mut dyn Alloc, bytes: &[u8]) -> Result<Term, HeapError> {
    let n = bytes.len() as u32;
    let w = heap_bin_words(n);
    let p = a.alloc(w)?;
    // SAFETY: p..p+4w was just allocated for us.
    unsafe {
        mem::raw_write(p, Term::header(w - 1, HEAP_BINARY_SUBTAG).0);
        mem::raw_write(p + 4, n);
        mem::raw_write(p + 4 * (w - 1), 0); // defined padding in the last word
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), (p + 8) as usize as *mut u8, bytes.len());
    }
    Ok(Term::boxed(p))
}

/// A new off-heap binary block with reference count 1; returns its guest address.
pub fn alloc_offheap(bytes: &[u8]) -> Result<u32, HeapError> {
    alloc_offheap_with(bytes, &[], bytes.len())
}

/// A block of `capacity` data bytes (at least both slices) holding `a` then `b`.
fn alloc_offheap_with(a: &[u8], b: &[u8], capacity: usize) -> Result<u32, HeapError> {
    let capacity = capacity.max(a.len() + b.len());
    let (addr, _) = arena::alloc(8 + capacity)?.into_raw();
    // SAFETY: the block is ours and 8 + capacity bytes long.
    unsafe {
        mem::raw_write(addr, 1);
        mem::raw_write(addr + 4, capacity as u32);
        let data = (addr + 8) as usize as *mut u8;
        std::ptr::copy_nonoverlapping(a.as_ptr(), data, a.len());
        std::ptr::copy_nonoverlapping(b.as_ptr(), data.add(a.len()), b.len());
    }
    Ok(addr)
}

/// ProcBin flags (erl_binary.h): the block may grow in place / this ProcBin is the one
/// allowed to grow it.
pub const PB_IS_WRITABLE: u32 = 1;
pub const PB_ACTIVE_WRITER: u32 = 2;

/// Word 3 of the one sub binary that may be appended to in place (erl_binary.h's
/// `is_writable`, above `bitsize | bitoffs << 8`).
pub const SUB_WRITABLE: u32 = 1 << 16;

/// Words [`append`] allocates at most: a ProcBin and the sub binary viewing it.
pub const APPEND_WORDS: u32 = PROC_BIN_WORDS + SUB_BIN_WORDS;

/// Whether [`append`] takes `b`: a heap or refc binary, or a sub binary without a bit
/// offset or trailing bits.
pub fn appendable(b: Term) -> bool {
    b.is_boxed()
        && match mem::read(b.ptr()).map(|h| Term(h).boxed_kind()) {
            Some(BoxedKind::HeapBinary | BoxedKind::RefcBinary) => true,
            Some(BoxedKind::SubBinary) => mem::read(b.ptr() + 12).is_some_and(|w| w & 0xFFFF == 0),
            _ => false,
        }
}

/// `<<B/binary, Extra/binary>>` as erl_bits.c's `erts_bs_append` does it. The result of an
/// append is a writable sub binary viewing the whole written part of a ProcBin that is the
/// active writer of a block with spare capacity. Appending to that sub binary again writes
/// `extra` in place after the written part, grows the ProcBin's size, makes the old sub
/// binary read-only and returns a new writable one (5 words: no reference count, no
/// off-heap list entry); otherwise the contents go to a new writable block of twice the
/// needed size (at least 256 bytes) with a new ProcBin and sub binary, so appending a byte
/// at a time costs amortised O(1). IR code does the in-place case inline for small integer
/// segments (ir/src/lower/bits.rs `append_inline`) with the flag and room checks; it
/// relies on what this function keeps true and checks again here: a writable sub binary
/// starts at offset 0 and views exactly its ProcBin's written size. `None` when `b` is
/// not a byte-aligned binary this handles (the caller builds the result the general way).
/// Allocates at most [`APPEND_WORDS`] words.
pub fn append(a: &mut dyn Alloc, b: Term, extra: &[u8]) -> Result<Option<Term>, HeapError> {
    if !b.is_boxed() {
        return Ok(None);
    }
    let p = b.ptr();
    let (Some(h), Some(size)) = (mem::read(p).map(Term), mem::read(p + 4)) else {
        return Ok(None);
    };
    let k = extra.len() as u32;
    if h.boxed_kind() == BoxedKind::SubBinary && mem::read(p + 12) == Some(SUB_WRITABLE) {
        if let Some(orig) = mem::read(p + 16).map(Term) {
            let pb = orig.ptr();
            let writer = mem::read(pb + 20) == Some(PB_IS_WRITABLE | PB_ACTIVE_WRITER)
                && mem::read(p + 8) == Some(0)
                && mem::read(pb + 4) == Some(size);
            let (bin, data) = (
                mem::read(pb + 12).unwrap_or(0),
                mem::read(pb + 16).unwrap_or(0),
            );
            let cap = mem::read(bin + 4).unwrap_or(0);
            if writer && size.checked_add(k).is_some_and(|n| n <= cap) {
                let np = a.alloc(SUB_BIN_WORDS)?;
                // SAFETY: the block has `cap` data bytes and nothing views past `size` (the
                // ProcBin is the active writer and this sub binary its writable view); np is
                // a fresh 5-word allocation.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        extra.as_ptr(),
                        (data + size) as usize as *mut u8,
                        extra.len(),
                    );
                    mem::raw_write(pb + 4, size + k);
                    mem::raw_write(p + 12, 0);
                    write_sub(np, orig, 0, size + k, SUB_WRITABLE);
                }
                return Ok(Some(Term::boxed(np)));
            }
        }
    }
    let old = match h.boxed_kind() {
        BoxedKind::HeapBinary | BoxedKind::RefcBinary => bytes(b),
        // A byte-aligned sub binary (no bit offset or trailing bits).
        BoxedKind::SubBinary if mem::read(p + 12).is_some_and(|w| w & 0xFFFF == 0) => bytes(b),
        _ => None,
    };
    let Some(old) = old else { return Ok(None) };
    let need = old.len() + extra.len();
    let np = a.alloc(APPEND_WORDS)?;
    let bin = alloc_offheap_with(&old, extra, (2 * need).max(256))?;
    let sub = np + 4 * PROC_BIN_WORDS;
    // SAFETY: np is a fresh allocation of a ProcBin and a sub binary; bin a new block
    // holding `need` bytes.
    unsafe {
        write_procbin(np, bin, need as u32, PB_IS_WRITABLE | PB_ACTIVE_WRITER);
        write_sub(sub, Term::boxed(np), 0, need as u32, SUB_WRITABLE);
    }
    a.add_off_heap(np);
    Ok(Some(Term::boxed(sub)))
}

fn refcount(bin: u32) -> &'static AtomicU32 {
    // SAFETY: `bin` is a live off-heap block; its first word is only accessed atomically.
    unsafe { AtomicU32::from_ptr(bin as usize as *mut u32) }
}

/// A refc binary holding a copy of `bytes` in a new off-heap block.
pub fn refc_binary(a: &mut dyn Alloc, bytes: &[u8]) -> Result<Term, HeapError> {
    let p = a.alloc(PROC_BIN_WORDS)?;
    let bin = alloc_offheap(bytes)?;
    // SAFETY: p is freshly allocated (6 words); the refcount is already 1 for this ProcBin.
    unsafe { write_procbin(p, bin, bytes.len() as u32, 0) };
    a.add_off_heap(p);
    Ok(Term::boxed(p))
}

/// A new ProcBin viewing the first `size` bytes of the existing off-heap block `bin`
/// (reference count + 1; not a writer). Used when a refc binary is copied into another
/// heap: `size` is the source ProcBin's, as a writable block may hold more.
pub fn share_offheap(a: &mut dyn Alloc, bin: u32, size: u32) -> Result<Term, HeapError> {
    let p = a.alloc(PROC_BIN_WORDS)?;
    refcount(bin).fetch_add(1, Ordering::Relaxed);
    // SAFETY: p is freshly allocated (6 words).
    unsafe { write_procbin(p, bin, size, 0) };
    a.add_off_heap(p);
    Ok(Term::boxed(p))
}

unsafe fn write_procbin(p: u32, bin: u32, size: u32, flags: u32) {
    // SAFETY: caller passes a fresh 6-word allocation and a live off-heap block.
    unsafe {
        mem::raw_write(p, Term::header(PROC_BIN_WORDS - 1, REFC_BINARY_SUBTAG).0);
        mem::raw_write(p + 4, size);
        mem::raw_write(p + 8, 0);
        mem::raw_write(p + 12, bin);
        mem::raw_write(p + 16, bin + 8);
        mem::raw_write(p + 20, flags);
    }
}

/// Drops the reference a dead ProcBin held; frees the off-heap block at zero.
///
/// # Safety
/// `procbin` must be the address of a ProcBin whose reference has not been released yet.
pub unsafe fn release_procbin(procbin: u32) {
    // SAFETY: caller guarantees a live ProcBin; its `val` word is the off-heap block.
    let bin = unsafe { mem::raw_read(procbin + 12) };
    if refcount(bin).fetch_sub(1, Ordering::AcqRel) == 1 {
        // SAFETY: the count reached zero: nobody else refers to the block.
        let capacity = unsafe { mem::raw_read(bin + 4) };
        arena::free_raw(bin, 8 + capacity);
    }
}

/// The current reference count of the off-heap block behind a refc binary term.
pub fn offheap_refcount(t: Term) -> Option<u32> {
    let h = Term(mem::read(t.ptr())?);
    if !t.is_boxed() || h.boxed_kind() != BoxedKind::RefcBinary {
        return None;
    }
    let bin = mem::read(t.ptr() + 12)?;
    mem::read(bin)
}

/// A sub-binary viewing `size` bytes of `orig` (a heap or refc binary) from byte `offs`.
pub fn sub_binary(a: &mut dyn Alloc, orig: Term, offs: u32, size: u32) -> Result<Term, HeapError> {
    let p = a.alloc(SUB_BIN_WORDS)?;
    // SAFETY: p is freshly allocated (5 words).
    unsafe { write_sub(p, orig, offs, size, 0) };
    Ok(Term::boxed(p))
}

/// Writes a sub binary (word 3 = `w3`: bit size, bit offset, writable) at `p`.
///
/// # Safety
/// `p` must be a fresh allocation of [`SUB_BIN_WORDS`] words.
unsafe fn write_sub(p: u32, orig: Term, offs: u32, size: u32, w3: u32) {
    // SAFETY: caller's guarantee.
    unsafe {
        mem::raw_write(p, Term::header(SUB_BIN_WORDS - 1, SUB_BINARY_SUBTAG).0);
        mem::raw_write(p + 4, size);
        mem::raw_write(p + 8, offs);
        mem::raw_write(p + 12, w3);
        mem::raw_write(p + 16, orig.0);
    }
}

/// Address of the first data byte of a heap binary or ProcBin object at `addr`.
///
/// # Safety
/// `addr` must point at a live heap binary or ProcBin.
pub unsafe fn data_address(addr: u32) -> u32 {
    // SAFETY: caller's guarantee.
    let h = Term(unsafe { mem::raw_read(addr) });
    match h.boxed_kind() {
        // SAFETY: a ProcBin's `bytes` word.
        BoxedKind::RefcBinary => unsafe { mem::raw_read(addr + 16) },
        _ => addr + 8,
    }
}

/// The bytes of a binary term of any kind (checked reads).
pub fn bytes(t: Term) -> Option<Vec<u8>> {
    if !t.is_boxed() {
        return None;
    }
    let p = t.ptr();
    let h = Term(mem::read(p)?);
    match h.boxed_kind() {
        BoxedKind::HeapBinary => mem::read_bytes(p + 8, mem::read(p + 4)?),
        BoxedKind::RefcBinary => mem::read_bytes(mem::read(p + 16)?, mem::read(p + 4)?),
        BoxedKind::SubBinary => {
            let (size, offs, orig) = (
                mem::read(p + 4)?,
                mem::read(p + 8)?,
                Term(mem::read(p + 16)?),
            );
            // Only the viewed bytes: the original may be a large block being appended to.
            let kind = Term(mem::read(orig.ptr())?).boxed_kind();
            if !orig.is_boxed() || !matches!(kind, BoxedKind::HeapBinary | BoxedKind::RefcBinary) {
                return None;
            }
            if offs.checked_add(size)? > mem::read(orig.ptr() + 4)? {
                return None;
            }
            // SAFETY: a live heap binary or ProcBin (kind checked above).
            let base = unsafe { data_address(orig.ptr()) };
            mem::read_bytes(base + offs, size)
        }
        _ => None,
    }
}

/// A binary match state (OTP 25 ErlBinMatchState, 32-bit):
/// `header(4 + slots, BIN_MATCHSTATE)`, orig, base, offset (bits), size (bits), then
/// `slots` saved offsets. `orig` must be a heap binary or ProcBin; `base` is the address
/// of its bytes, which the collector updates when a heap binary moves.
pub fn match_state(a: &mut dyn Alloc, orig: Term, slots: u32) -> Result<Term, HeapError> {
    let kind = mem::read(orig.ptr()).map(|h| Term(h).boxed_kind());
    if !orig.is_boxed() || !matches!(kind, Some(BoxedKind::HeapBinary | BoxedKind::RefcBinary)) {
        return Err(HeapError::Stack(
            "match_state: orig is not a heap or refc binary",
        ));
    }
    let p = a.alloc(5 + slots)?;
    // SAFETY: fresh allocation of 5 + slots words; orig is a live binary (checked kind).
    unsafe {
        let size = mem::raw_read(orig.ptr() + 4);
        mem::raw_write(p, Term::header(4 + slots, BIN_MATCHSTATE_SUBTAG).0);
        mem::raw_write(p + 4, orig.0);
        mem::raw_write(p + 8, data_address(orig.ptr()));
        mem::raw_write(p + 12, 0);
        mem::raw_write(p + 16, size * 8);
        for i in 0..slots {
            mem::raw_write(p + 20 + 4 * i, 0);
        }
    }
    Ok(Term::boxed(p))
}

/// `(orig, base)` of a match state.
pub fn match_state_parts(t: Term) -> Option<(Term, u32)> {
    let h = Term(mem::read(t.ptr())?);
    (t.is_boxed() && h.boxed_kind() == BoxedKind::MatchState).then_some(())?;
    Some((Term(mem::read(t.ptr() + 4)?), mem::read(t.ptr() + 8)?))
}
