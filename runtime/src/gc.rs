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

    // Shrink a heap that is mostly empty after collecting, when erl_gc.c would shrink it.
    if let Some(target) = shrink_to(heap, need, major) {
        relocate(heap, roots, target)?;
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

/// Moves the young heap (its data and its stack) into a new block of `words` words: the
/// data is copied as it is and every pointer into it is moved by the same distance.
///
/// This is what erl_gc.c's `shrink_new_heap` does by reallocating the block in place. A
/// second copying pass did the same work through forwarding and cost as much as the
/// collection itself: the first pass's to-space is sized by an upper bound of the live
/// data (all of the fragments), so a process whose BIF results pile up in fragments (a
/// `maps:put` loop) had every collection shrink its heap.
///
/// Pointers into the young heap are only in the young heap itself, the stack and the
/// roots: the old heap never points into it (a minor collection does not scan the old
/// heap for that reason), and the collection emptied the fragments.
fn relocate(heap: &mut Heap, roots: RootVisitor<'_>, words: u32) -> Result<(), HeapError> {
    let block = arena::alloc(words as usize * 4)?;
    let (from, top) = (heap.start(), heap.top);
    let (new_start, new_end) = (block.addr(), block.end());
    let delta = new_start.wrapping_sub(from);
    let moved = |t: Term| -> Term {
        if t.is_pointer() && t.ptr().wrapping_sub(from) < top - from {
            Term(t.0.wrapping_add(delta))
        } else {
            t
        }
    };
    let stack_bytes = heap.end() - heap.stop;
    let new_stop = new_end - stack_bytes;
    let new_top = new_start + (top - from);
    assert!(new_top <= new_stop, "gc: shrunken heap too small");
    // SAFETY: the new block is ours and large enough (checked just above); the young data
    // `[from, top)` and the stack are live words of the old block, well-formed objects
    // after a collection.
    unsafe {
        mem::raw_copy(from, new_start, (top - from) / 4);
        mem::raw_copy(heap.stop, new_stop, stack_bytes / 4);
        let mut a = new_start;
        while a < new_top {
            let w = Term(mem::raw_read(a));
            if !w.is_header() {
                mem::raw_write(a, moved(w).0);
                a += 4;
                continue;
            }
            if w.is_arityval() {
                a += 4;
                continue;
            }
            let (n, fields) = layout::shape(w, a);
            for i in fields {
                let slot = a + 4 * i;
                mem::raw_write(slot, moved(Term(mem::raw_read(slot))).0);
            }
            if w.boxed_kind() == BoxedKind::MatchState {
                // `base` points into the binary's bytes, which may have moved.
                let orig = Term(mem::raw_read(a + 4));
                mem::raw_write(a + 8, binary::data_address(orig.ptr()));
            }
            a += 4 * n;
        }
        let mut s = new_stop;
        while s < new_end {
            let w = Term(mem::raw_read(s));
            if !w.is_cp() {
                mem::raw_write(s, moved(w).0);
            }
            s += 4;
        }
    }
    roots(&mut |t: &mut Term| *t = moved(*t));
    for pb in &mut heap.off_heap {
        if pb.wrapping_sub(from) < top - from {
            *pb = pb.wrapping_add(delta);
        }
    }
    heap.block = block;
    heap.top = new_top;
    heap.stop = new_stop;
    Ok(())
}

/// The from-space: the young heap (checked first), then the other ranges (fragments, the
/// old heap in a major) found through a granule index.
///
/// A process that calls BIFs in a loop gathers hundreds of fragments between collections
/// (a 10,000-key `maps:put` loop: 700-860), and every pointer the collector meets is
/// looked up here: a binary search over the sorted ranges was about a third of such a
/// collection. The index divides the span of those ranges into granules and records, for
/// each, the first range that ends after the granule's start: a lookup reads one entry and
/// searches only the ranges within that granule (usually none or one).
struct FromSpace {
    young: (u32, u32),
    /// The other non-empty ranges, sorted by address (they never overlap).
    rest: Vec<(u32, u32)>,
    /// The start of granule 0.
    base: u32,
    shift: u32,
    /// `index[g]`: the first range of `rest` that ends after granule `g`'s start; one more
    /// entry than there are granules.
    index: Vec<u32>,
}

/// Granules are at least a 4 KiB page; they grow (halving the index) while there would be
/// more than this many per range, so a far-flung range set keeps a small index.
const GRANULE_SHIFT: u32 = 12;
const GRANULES_PER_RANGE: usize = 4;

impl FromSpace {
    fn new(mut ranges: Vec<(u32, u32)>) -> FromSpace {
        let young = ranges.remove(0);
        ranges.retain(|r| r.0 < r.1);
        let n = ranges.len();
        let base = ranges.iter().map(|r| r.0).min().unwrap_or(0) & !((1 << GRANULE_SHIFT) - 1);
        let hi = ranges.iter().map(|r| r.1).max().unwrap_or(0);
        let span = (hi - base) as u64;
        let mut shift = GRANULE_SHIFT;
        while (span >> shift) as usize > GRANULES_PER_RANGE * n + 16 {
            shift += 1;
        }
        let granules = (span >> shift) as usize + 1;
        // A bucket sort by the granule of each start, then insertion sort within a bucket:
        // the fragments come in attachment order, which is not address order.
        let mut starts = vec![0u32; granules + 1];
        for r in &ranges {
            starts[((r.0 - base) >> shift) as usize + 1] += 1;
        }
        for g in 0..granules {
            starts[g + 1] += starts[g];
        }
        let mut rest = vec![(0u32, 0u32); n];
        let mut fill = starts.clone();
        for &r in &ranges {
            let g = ((r.0 - base) >> shift) as usize;
            rest[fill[g] as usize] = r;
            fill[g] += 1;
        }
        for g in 0..granules {
            let bucket = &mut rest[starts[g] as usize..starts[g + 1] as usize];
            if bucket.len() > 1 {
                bucket.sort_unstable();
            }
        }
        // `starts` becomes the index: the first range ending after each granule's start.
        let mut i = 0;
        for (g, e) in starts.iter_mut().enumerate() {
            let at = base as u64 + ((g as u64) << shift);
            while i < n && (rest[i].1 as u64) <= at {
                i += 1;
            }
            *e = i as u32;
        }
        FromSpace {
            young,
            rest,
            base,
            shift,
            index: starts,
        }
    }

    // Always inlined: it runs for every pointer the collector meets, and left to the
    // inliner it became a call in some builds.
    #[inline(always)]
    fn contains(&self, a: u32) -> bool {
        if a.wrapping_sub(self.young.0) < self.young.1 - self.young.0 {
            return true;
        }
        let g = (a.wrapping_sub(self.base) >> self.shift) as usize;
        if g + 1 >= self.index.len() {
            return false;
        }
        // Ranges from `index[g]` end after the granule's start; those from `index[g + 1]`
        // on end after the next granule's start, so after `a`: the first range ending
        // after `a` is in `index[g]..=index[g + 1]`, and `a` is in from-space when that
        // range starts at or below it.
        let (lo, hi) = (self.index[g] as usize, self.index[g + 1] as usize);
        let i = if hi - lo <= 4 {
            let mut i = lo;
            while i < hi && self.rest[i].1 <= a {
                i += 1;
            }
            i
        } else {
            lo + self.rest[lo..hi].partition_point(|r| r.1 <= a)
        };
        i < self.rest.len() && self.rest[i].0 <= a
    }
}

struct Copier {
    from: FromSpace,
    promote: (u32, u32),
    young_top: u32,
    young_end: u32,
    old_top: u32,
    old_end: u32,
}

impl Copier {
    /// Reserves `words` words in the old heap (`to_old`) or the young to-space. Two
    /// plain branches, and the words copied counted from the tops at the end: a shared
    /// path through references to the tops and a running count cost several
    /// instructions per object copied.
    #[inline]
    fn bump(&mut self, to_old: bool, words: u32) -> u32 {
        let bytes = words * 4;
        // The to-spaces were sized from an upper bound of the live data: overflowing one
        // is a collector bug, not a condition to recover from.
        if to_old {
            let p = self.old_top;
            assert!(self.old_end - p >= bytes, "gc: to-space overflow");
            self.old_top = p + bytes;
            p
        } else {
            let p = self.young_top;
            assert!(self.young_end - p >= bytes, "gc: to-space overflow");
            self.young_top = p + bytes;
            p
        }
    }

    /// Moves the object `t` points at (if it is in from-space) and returns its new term.
    ///
    /// # Safety
    /// `t` must be a valid term of the heap being collected.
    #[inline(always)]
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
    #[inline(always)]
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
    Ok(u64::from(
        (c.young_top - new_start) / 4 + (c.old_top - old_top) / 4,
    ))
}

#[cfg(test)]
mod tests {
    use super::FromSpace;

    /// The granule index answers as a plain scan of the ranges does, for ranges dense and
    /// sparse (coarse granules), at every boundary.
    #[test]
    fn from_space_index_agrees_with_a_scan() {
        let mut seed = 12345u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            seed >> 8
        };
        for case in 0..200 {
            let n = (next() % 40) as usize;
            let spread = [1u32 << 12, 1 << 16, 1 << 24][case % 3];
            let mut ranges = vec![(0x100_0000u32, 0x100_0000 + 4096 * (case as u32 % 3))];
            let mut at = 0x2000_0000u32 + (next() % 4096) * 4;
            for _ in 0..n {
                let len = 4 * (next() % 2048);
                ranges.push((at, at + len));
                at += len + 4 * (next() % (spread / 4));
            }
            // Attachment order is not address order.
            for i in (2..ranges.len()).rev() {
                let j = 1 + (next() as usize) % i;
                ranges.swap(i, j);
            }
            let fs = FromSpace::new(ranges.clone());
            let inside = |a: u32| ranges.iter().any(|r| r.0 <= a && a < r.1);
            let mut probes = vec![0u32, 4, 0xffff_fffc, at, at + 4];
            for r in &ranges {
                for d in [-8i64, -4, 0, 4] {
                    probes.push((r.0 as i64 + d) as u32);
                    probes.push((r.1 as i64 + d) as u32);
                }
            }
            for _ in 0..200 {
                probes.push((0x2000_0000 + (next() % (at - 0x2000_0000 + 8))) & !3);
            }
            for a in probes {
                assert_eq!(fs.contains(a), inside(a), "case {case}: address {a:#x}");
            }
        }
    }
}
