//! The precise generational copying collector (Cheney's algorithm, as in erl_gc.c).
//!
//! - **Minor**: live young data below the high-water mark (it survived one collection)
//!   is promoted to the old heap; live young data above it and everything live in heap
//!   fragments is copied into a fresh young heap. The old heap is not scanned: terms are
//!   immutable, so old data never points at younger data.
//! - **Major** (full sweep): every live word of the young heap, old heap and fragments is
//!   copied into one fresh heap and the old heap is freed. It runs after
//!   `fullsweep_after` minors, when the old heap cannot take the promoted data, or when
//!   asked for.
//!
//! Roots: the Erlang stack (Y slots and catch tags are scanned; continuation pointers,
//! whose primary tag is 0, are skipped), plus whatever the caller's root visitor yields
//! (for a process, `Process::collect` passes the live X registers, the saved X
//! registers, the dictionary and a pending exit reason). The message queue is not a
//! root: queued messages sit in their own fragments until received, outside the
//! from-space, and never point into the heap; once received, their fragments are part of the heap and
//! are copied in like any other fragment. Pointers outside the
//! from-space — literals, the old heap in a minor — are left alone.
//!
//! Moved objects are forwarded in place: a boxed object's header is overwritten with a
//! boxed pointer to its copy; a cons cell gets `NON_VALUE` in its car and the new list
//! pointer in its cdr. Afterwards the off-heap list is swept: a ProcBin that was not
//! copied is dead, and its reference to the off-heap binary is released.

use crate::arena;
use crate::binary;
use crate::heap::{next_heap_size, Heap, HeapError, OldHeap};
use crate::layout;
use crate::mem;
use crate::term::{BoxedKind, Term};

/// Visits every root outside the heap block: called with a function to apply to each.
pub type RootVisitor<'a> = &'a mut dyn FnMut(&mut dyn FnMut(&mut Term));

/// What kind of collection to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcKind {
    /// Minor unless a full sweep is due.
    Auto,
    Minor,
    Major,
}

/// Collects `heap` so that afterwards at least `need` words are free.
pub fn collect(
    heap: &mut Heap,
    roots: RootVisitor<'_>,
    need: u32,
    kind: GcKind,
) -> Result<(), HeapError> {
    let young_used = heap.heap_used_words();
    let frag_words = heap.fragment_words();
    let stack = heap.stack_words();
    let promote_words = (heap.hw - heap.start()) / 4;
    let mut major = kind == GcKind::Major
        || (kind == GcKind::Auto && heap.minors_since_full >= heap.fullsweep_after);
    if !major && promote_words > 0 {
        if heap.old.is_none() {
            let words = next_heap_size(promote_words.max(heap.size_words()));
            let block = arena::alloc(words as usize * 4)?;
            let top = block.addr();
            heap.old = Some(OldHeap { block, top });
        }
        if heap
            .old
            .as_ref()
            .is_some_and(|o| o.free_words() < promote_words)
        {
            major = true;
        }
    }

    let mut ranges = vec![(heap.start(), heap.top)];
    ranges.extend(heap.frags.iter().map(|f| (f.start(), f.top())));
    let (upper, promote) = if major {
        let old_used = heap.old.as_ref().map_or(0, OldHeap::used_words);
        if let Some(o) = &heap.old {
            ranges.push((o.block.addr(), o.top));
        }
        (young_used + old_used + frag_words, (0, 0))
    } else {
        (
            (heap.top - heap.hw) / 4 + frag_words,
            (heap.start(), heap.hw),
        )
    };
    let mut words = next_heap_size((upper + stack + need).max(heap.min_heap_words));
    if !major {
        words = words.max(heap.size_words());
    }
    let copied = pass(heap, roots, ranges, promote, words)?;
    heap.stats.words_copied += copied;
    if major {
        heap.old = None;
        heap.minors_since_full = 0;
        heap.stats.major += 1;
    } else {
        heap.minors_since_full += 1;
        heap.stats.minor += 1;
    }

    // Shrink a heap that is mostly empty after collecting, by a second young-only pass
    // into a smaller block, when erl_gc.c would shrink it.
    if let Some(target) = shrink_to(heap, need, major) {
        let ranges = vec![(heap.start(), heap.top)];
        pass(heap, roots, ranges, (0, 0), target)?;
    }
    heap.hw = heap.top;
    Ok(())
}

/// The smaller size a heap should have after a collection, if any, by erl_gc.c's rules
/// (OTP 25). After a full sweep (`adjust_after_fullsweep`): less than a quarter used,
/// to twice what is needed. After a minor collection (`minor_collection`): only heaps
/// over 3,000 words that are less than a quarter used and larger than 8,000 words or
/// than the old heap, to three times what is needed (at least an eighth of the old
/// heap). A small heap is never shrunk after a minor collection: shrinking it each time
/// a collection had grown it for `need` made half of nrev's collections two passes.
fn shrink_to(heap: &Heap, need: u32, major: bool) -> Option<u32> {
    let size = heap.size_words();
    let need_after = heap.heap_used_words() + heap.stack_words() + need;
    let min = heap.min_heap_words;
    let sized = |wanted: u32| {
        if wanted < min {
            min
        } else {
            next_heap_size(wanted)
        }
    };
    let target = if major {
        if 4 * need_after >= size || size <= min {
            return None;
        }
        sized(2 * need_after)
    } else {
        let old = heap.old.as_ref().map_or(0, |o| o.block.len() / 4);
        if size <= 3000 || 4 * need_after >= size || (size <= 8000 && size <= old) {
            return None;
        }
        let mut wanted = 3 * need_after;
        if wanted.saturating_mul(9) < old {
            wanted = wanted.max(old / 8);
        }
        sized(wanted)
    };
    (target < size).then_some(target)
}

/// Sorted from-space ranges with a fast path for the first (the young heap).
struct FromSpace {
    young: (u32, u32),
    rest: Vec<(u32, u32)>,
}

impl FromSpace {
    fn new(mut ranges: Vec<(u32, u32)>) -> FromSpace {
        let young = ranges.remove(0);
        ranges.retain(|r| r.0 < r.1);
        ranges.sort_unstable();
        FromSpace {
            young,
            rest: ranges,
        }
    }
    #[inline]
    fn contains(&self, a: u32) -> bool {
        if (self.young.0..self.young.1).contains(&a) {
            return true;
        }
        let i = self.rest.partition_point(|r| r.0 <= a);
        i > 0 && a < self.rest[i - 1].1
    }
}

struct Copier {
    from: FromSpace,
    promote: (u32, u32),
    young_top: u32,
    young_end: u32,
    old_top: u32,
    old_end: u32,
    copied: u64,
}

impl Copier {
    fn bump(&mut self, to_old: bool, words: u32) -> u32 {
        let (top, end) = if to_old {
            (&mut self.old_top, self.old_end)
        } else {
            (&mut self.young_top, self.young_end)
        };
        let p = *top;
        // The to-spaces were sized from an upper bound of the live data: overflowing one
        // is a collector bug, not a condition to recover from.
        assert!(end - p >= words * 4, "gc: to-space overflow");
        *top += words * 4;
        self.copied += words as u64;
        p
    }

    /// Moves the object `t` points at (if it is in from-space) and returns its new term.
    ///
    /// # Safety
    /// `t` must be a valid term of the heap being collected.
    unsafe fn evacuate(&mut self, t: Term) -> Term {
        if !t.is_pointer() {
            return t;
        }
        let p = t.ptr();
        if !self.from.contains(p) {
            return t;
        }
        let to_old = (self.promote.0..self.promote.1).contains(&p);
        // SAFETY: p is a live object in from-space (caller's guarantee); destinations come
        // from the to-space bump allocators.
        unsafe {
            if t.is_list() {
                let car = mem::raw_read(p);
                if car == Term::NON_VALUE.0 {
                    return Term(mem::raw_read(p + 4));
                }
                let dst = self.bump(to_old, 2);
                mem::raw_copy(p, dst, 2);
                let new = Term::list(dst);
                mem::raw_write(p, Term::NON_VALUE.0);
                mem::raw_write(p + 4, new.0);
                new
            } else {
                let h = Term(mem::raw_read(p));
                if h.is_boxed() {
                    return h;
                }
                let (words, _) = layout::shape(h, p);
                let dst = self.bump(to_old, words);
                mem::raw_copy(p, dst, words);
                let new = Term::boxed(dst);
                mem::raw_write(p, new.0);
                new
            }
        }
    }

    /// Scans the word at `addr` in to-space, evacuating what it refers to; returns the
    /// address of the next word to scan.
    ///
    /// # Safety
    /// `addr` must be a scanned-up-to position in a to-space.
    unsafe fn scan_one(&mut self, addr: u32) -> u32 {
        // SAFETY: addr is inside the to-space written so far.
        unsafe {
            let w = Term(mem::raw_read(addr));
            if !w.is_header() {
                let n = self.evacuate(w);
                mem::raw_write(addr, n.0);
                return addr + 4;
            }
            if w.is_arityval() {
                return addr + 4;
            }
            let (words, fields) = layout::shape(w, addr);
            for i in fields {
                let slot = addr + 4 * i;
                let n = self.evacuate(Term(mem::raw_read(slot)));
                mem::raw_write(slot, n.0);
            }
            if w.boxed_kind() == BoxedKind::MatchState {
                // `base` points into the binary's bytes; a heap binary may have moved.
                let orig = Term(mem::raw_read(addr + 4));
                mem::raw_write(addr + 8, binary::data_address(orig.ptr()));
            }
            addr + 4 * words
        }
    }
}

/// One copying pass from `ranges` (young heap first, then fragments, maybe the old heap)
/// into a new block of `words` words; objects in `promote` go to the old heap.
fn pass(
    heap: &mut Heap,
    roots: RootVisitor<'_>,
    ranges: Vec<(u32, u32)>,
    promote: (u32, u32),
    words: u32,
) -> Result<u64, HeapError> {
    let block = arena::alloc(words as usize * 4)?;
    let (new_start, new_end) = (block.addr(), block.end());
    let stack_bytes = heap.end() - heap.stop;
    let new_stop = new_end - stack_bytes;
    let (old_top, old_end) = match &heap.old {
        Some(o) if promote.0 < promote.1 => (o.top, o.block.end()),
        _ => (0, 0),
    };
    let mut c = Copier {
        from: FromSpace::new(ranges),
        promote,
        young_top: new_start,
        young_end: new_stop,
        old_top,
        old_end,
        copied: 0,
    };
    // SAFETY: the new block is ours; the stack words are live words of the old block.
    unsafe {
        mem::raw_copy(heap.stop, new_stop, stack_bytes / 4);
        let mut s = new_stop;
        while s < new_end {
            let w = Term(mem::raw_read(s));
            if !w.is_cp() {
                mem::raw_write(s, c.evacuate(w).0);
            }
            s += 4;
        }
    }
    roots(&mut |t: &mut Term| {
        // SAFETY: roots are valid terms of this heap (the caller's contract).
        *t = unsafe { c.evacuate(*t) };
    });
    let (mut scan_young, mut scan_old) = (new_start, old_top);
    while scan_young < c.young_top || scan_old < c.old_top {
        while scan_young < c.young_top {
            // SAFETY: scanning the young to-space up to its top.
            scan_young = unsafe { c.scan_one(scan_young) };
        }
        while scan_old < c.old_top {
            // SAFETY: scanning the promoted part of the old heap up to its top.
            scan_old = unsafe { c.scan_one(scan_old) };
        }
    }

    // Sweep the off-heap lists: forwarded ProcBins live on at their new address.
    let mut lists = std::mem::take(&mut heap.off_heap);
    for f in &mut heap.frags {
        lists.append(&mut f.off_heap);
    }
    for pb in lists {
        if !c.from.contains(pb) {
            heap.off_heap.push(pb);
            continue;
        }
        // SAFETY: pb is a ProcBin in from-space, not yet freed.
        let h = Term(unsafe { mem::raw_read(pb) });
        if h.is_boxed() {
            heap.off_heap.push(h.ptr());
        } else {
            // SAFETY: dead ProcBin whose reference is released exactly once, here.
            unsafe { binary::release_procbin(pb) };
        }
    }

    if let Some(o) = &mut heap.old {
        if promote.0 < promote.1 {
            o.top = c.old_top;
        }
    }
    heap.frags.clear();
    heap.frag_words = 0;
    heap.block = block;
    heap.top = c.young_top;
    heap.stop = new_stop;
    Ok(c.copied)
}
