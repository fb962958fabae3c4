//! Copying a term out of one heap into another allocation (messages, BIF results in
//! fragments), as OTP's `size_object`/`copy_struct` do: a full copy that does not keep
//! sharing (a subterm referenced twice is copied twice), with refc binaries shared by
//! reference count instead of copied. Iterative, so deep lists cannot overflow the stack.

use crate::binary;
use crate::heap::{Alloc, HeapError};
use crate::layout;
use crate::mem;
use crate::term::{BoxedKind, Term};
use smallvec::SmallVec;

/// Whether `t` points at something a copy must follow (a list cell or a boxed object);
/// immediates are copied with the word that holds them and never stacked.
#[inline(always)]
fn is_pointer(t: Term) -> bool {
    t.is_list() || t.is_boxed()
}

/// The arity of `t` if it is a tuple of at most 8 immediates (the usual ETS object or
/// message, `{Key, Value}` of small integers or atoms), which copies as one block.
#[inline]
fn flat_tuple(t: Term) -> Option<u32> {
    if !t.is_boxed() {
        return None;
    }
    // SAFETY: t is a valid boxed term (the caller's heap is live while we read it).
    let h = Term(unsafe { mem::raw_read(t.ptr()) });
    if h.boxed_kind() != BoxedKind::Tuple {
        return None;
    }
    let n = h.header_arity();
    if n > 8 {
        return None;
    }
    // `1..n + 1`, not `1..=n`: an inclusive range keeps an "exhausted" flag in the loop.
    for i in 1..n + 1 {
        // SAFETY: words 1..=n of a live n-tuple.
        if is_pointer(Term(unsafe { mem::raw_read(t.ptr() + 4 * i) })) {
            return None;
        }
    }
    Some(n)
}

/// Words a copy of `t` needs.
pub fn size_of(t: Term) -> u32 {
    let mut words = 0;
    if !is_pointer(t) {
        return 0;
    }
    if let Some(n) = flat_tuple(t) {
        return 1 + n;
    }
    // Inline up to 32 pending subterms: no allocation for the usual message or ETS
    // object (a malloc and a free per copy were a sixth of ETS's and messages' cost).
    // Only pointers are stacked: an ETS object `{Key, Value}` of small integers is one
    // step, not three.
    let mut stack: SmallVec<[Term; 32]> = smallvec::smallvec![t];
    while let Some(t) = stack.pop() {
        if t.is_list() {
            words += 2;
            // SAFETY: t is a valid term (the caller's heap is live while we read it).
            let (hd, tl) = unsafe {
                (
                    Term(mem::raw_read(t.ptr())),
                    Term(mem::raw_read(t.ptr() + 4)),
                )
            };
            if is_pointer(hd) {
                stack.push(hd);
            }
            if is_pointer(tl) {
                stack.push(tl);
            }
        } else {
            // SAFETY: as above; shape reads the header and (for flat maps) the size.
            unsafe {
                let h = Term(mem::raw_read(t.ptr()));
                let (n, fields) = layout::shape(h, t.ptr());
                words += n;
                for i in fields {
                    let f = Term(mem::raw_read(t.ptr() + 4 * i));
                    if is_pointer(f) {
                        stack.push(f);
                    }
                }
            }
        }
    }
    words
}

/// Copies `t` into `a`, which must have [`size_of`]`(t)` words free.
pub fn copy_term(t: Term, a: &mut dyn Alloc) -> Result<Term, HeapError> {
    if !is_pointer(t) {
        return Ok(t);
    }
    // One block, no work stack (a third of the instructions natively).
    if let Some(n) = flat_tuple(t) {
        let dst = a.alloc(1 + n)?;
        // SAFETY: dst is a fresh (1 + n)-word allocation; the source tuple has 1 + n words.
        unsafe { mem::raw_copy(t.ptr(), dst, 1 + n) };
        return Ok(Term::boxed(dst));
    }
    let mut root = [t.0];
    let root_slot = root.as_mut_ptr() as usize;
    // Slots (host addresses of words) whose term still points at the source: only
    // pointers are stacked, immediates are right as copied.
    let mut work: SmallVec<[usize; 32]> = smallvec::smallvec![root_slot];
    let push_if_pointer = |work: &mut SmallVec<[usize; 32]>, slot: u32| {
        // SAFETY: `slot` is a word of an object just allocated and filled.
        if is_pointer(Term(unsafe { mem::raw_read(slot) })) {
            work.push(slot as usize);
        }
    };
    while let Some(slot) = work.pop() {
        // SAFETY: every slot is either `root` or a word of an object we just allocated.
        let t = Term(unsafe { *(slot as *const u32) });
        let new = if t.is_list() {
            let dst = a.alloc(2)?;
            // SAFETY: fresh 2-word allocation; the source cell is live.
            unsafe { mem::raw_copy(t.ptr(), dst, 2) };
            push_if_pointer(&mut work, dst);
            push_if_pointer(&mut work, dst + 4);
            Term::list(dst)
        } else {
            // SAFETY: the source object is live.
            let h = Term(unsafe { mem::raw_read(t.ptr()) });
            match h.boxed_kind() {
                BoxedKind::RefcBinary => {
                    // SAFETY: a live ProcBin's `size` and `val` words.
                    let (size, bin) =
                        unsafe { (mem::raw_read(t.ptr() + 4), mem::raw_read(t.ptr() + 12)) };
                    binary::share_offheap(a, bin, size)?
                }
                BoxedKind::MatchState => {
                    return Err(HeapError::Stack("a match state cannot be copied"));
                }
                _ => {
                    // SAFETY: the source object is live; dst is fresh.
                    let (n, fields) = unsafe { layout::shape(h, t.ptr()) };
                    let dst = a.alloc(n)?;
                    // SAFETY: dst is a fresh n-word allocation; the source has n words.
                    unsafe { mem::raw_copy(t.ptr(), dst, n) };
                    if h.boxed_kind() == BoxedKind::SubBinary {
                        // Only the writer's own process may append in place: a copy is a
                        // read-only view (its ProcBin, made by share_offheap, is no writer).
                        // SAFETY: word 3 of the fresh sub binary.
                        unsafe {
                            let w3 = mem::raw_read(dst + 12);
                            mem::raw_write(dst + 12, w3 & !binary::SUB_WRITABLE);
                        }
                    }
                    for i in fields {
                        push_if_pointer(&mut work, dst + 4 * i);
                    }
                    Term::boxed(dst)
                }
            }
        };
        // SAFETY: as at the read above.
        unsafe { *(slot as *mut u32) = new.0 };
    }
    Ok(Term(root[0]))
}
