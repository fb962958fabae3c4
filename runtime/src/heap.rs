//! Process heaps, heap fragments and literal areas: where terms are allocated.
//!
//! A process heap is one guest block: the heap grows up from the bottom (`top`, BEAM's
//! `HTOP`) and the Erlang stack grows down from the end (`stop`, BEAM's `E`), as in BEAM;
//! they meet when the block is full, which is when the collector runs. Data below the
//! *high-water mark* has survived one collection and is promoted to the old heap by the
//! next minor collection. Heap fragments (`mbufs`) hold messages and results built outside
//! the heap; the collector folds them in.

use crate::arena::{self, ArenaError, Block};
use crate::binary;
use crate::mem;
use crate::term::Term;

/// Allocation failures.
#[derive(Debug, thiserror::Error)]
pub enum HeapError {
    #[error("heap full: {need} words needed, {free} free (run the collector first)")]
    Full { need: u32, free: u32 },
    #[error("stack: {0}")]
    Stack(&'static str),
    #[error(transparent)]
    Arena(#[from] ArenaError),
}

/// Something terms can be allocated in.
pub trait Alloc {
    /// Reserves `words` words and returns their guest address; the contents are
    /// unspecified until written.
    fn alloc(&mut self, words: u32) -> Result<u32, HeapError>;
    /// Records a refc binary (ProcBin) allocated here, so its off-heap reference is
    /// released when it dies.
    fn add_off_heap(&mut self, procbin: u32);
}

/// BEAM's default minimum heap size in words (`erl +hms` default, 233).
pub const MIN_HEAP_WORDS: u32 = 233;

/// The heap size table of erl_gc.c (`erts_init_gc`): 12, 38, then each size is the sum of
/// the two before plus one (Fibonacci growth) for 23 entries, then 20% growth per step.
fn heap_sizes() -> &'static [u32] {
    static T: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut v: Vec<u32> = vec![12, 38];
        for i in 2..23 {
            v.push(v[i - 1] + v[i - 2] + 1);
        }
        // 32-bit limit: a heap can never exceed the address space (in words).
        while let Some(n) = v.last().copied().and_then(|l| l.checked_add(l / 5)) {
            if n > (1 << 28) {
                break;
            }
            v.push(n);
        }
        v
    })
}

/// The smallest table size that is at least `words`.
pub fn next_heap_size(words: u32) -> u32 {
    let t = heap_sizes();
    match t.iter().find(|&&s| s >= words) {
        Some(&s) => s,
        None => words,
    }
}

/// An old-generation heap: only grows until the next full sweep frees it.
#[derive(Debug)]
pub struct OldHeap {
    pub(crate) block: Block,
    pub(crate) top: u32,
}

impl OldHeap {
    pub fn used_words(&self) -> u32 {
        (self.top - self.block.addr()) / 4
    }
    pub fn free_words(&self) -> u32 {
        (self.block.end() - self.top) / 4
    }
}

/// Collector statistics.
#[derive(Debug, Default, Clone, Copy)]
pub struct GcStats {
    pub minor: u64,
    pub major: u64,
    pub words_copied: u64,
}

/// A process's young heap + stack block, old heap, fragments and off-heap list.
#[derive(Debug)]
pub struct Heap {
    pub(crate) block: Block,
    pub(crate) top: u32,
    pub(crate) stop: u32,
    pub(crate) hw: u32,
    pub(crate) old: Option<OldHeap>,
    pub(crate) frags: Vec<Fragment>,
    /// Words used in `frags`, kept as they change: the scheduler asks at every
    /// deschedule, and summing thousands of received messages' fragments each time made
    /// a process with a long queue quadratic.
    pub(crate) frag_words: u32,
    pub(crate) off_heap: Vec<u32>,
    pub(crate) minors_since_full: u32,
    /// Minor collections between full sweeps (BEAM's `fullsweep_after`, default 65535).
    pub fullsweep_after: u32,
    pub min_heap_words: u32,
    /// Collect at every `test_heap` (GC stress mode for tests).
    pub gc_stress: bool,
    pub stats: GcStats,
}

impl Heap {
    /// A heap of BEAM's default minimum size.
    pub fn new() -> Result<Heap, HeapError> {
        Heap::with_size(MIN_HEAP_WORDS)
    }

    /// A heap whose heap+stack block holds at least `words` words.
    pub fn with_size(words: u32) -> Result<Heap, HeapError> {
        let block = arena::alloc(next_heap_size(words) as usize * 4)?;
        let (start, end) = (block.addr(), block.end());
        Ok(Heap {
            block,
            top: start,
            stop: end,
            hw: start,
            old: None,
            frags: Vec::new(),
            frag_words: 0,
            off_heap: Vec::new(),
            minors_since_full: 0,
            fullsweep_after: 65535,
            min_heap_words: MIN_HEAP_WORDS,
            gc_stress: false,
            stats: GcStats::default(),
        })
    }

    pub fn start(&self) -> u32 {
        self.block.addr()
    }
    pub fn end(&self) -> u32 {
        self.block.end()
    }
    /// The heap top (`HTOP`).
    pub fn top(&self) -> u32 {
        self.top
    }
    /// The stack pointer (`E`): the lowest used stack word.
    pub fn stop(&self) -> u32 {
        self.stop
    }
    /// Takes the heap top and stack pointer from compiled code, which keeps them in
    /// registers while it runs (docs/beam-machine.md §1). Both must lie in the block with
    /// `top <= stop`, word aligned: anything else is a code generation bug, reported rather
    /// than trusted.
    pub fn set_top_and_stop(&mut self, top: u32, stop: u32) -> Result<(), HeapError> {
        let ok = top.is_multiple_of(4)
            && stop.is_multiple_of(4)
            && self.start() <= top
            && top <= stop
            && stop <= self.end();
        if !ok {
            return Err(HeapError::Stack(
                "compiled code left HTOP/E outside the heap block",
            ));
        }
        self.top = top;
        self.stop = stop;
        Ok(())
    }

    /// Total words of the heap+stack block.
    pub fn size_words(&self) -> u32 {
        self.block.len() / 4
    }
    /// Free words between heap top and stack.
    pub fn free_words(&self) -> u32 {
        (self.stop - self.top) / 4
    }
    pub fn heap_used_words(&self) -> u32 {
        (self.top - self.start()) / 4
    }
    pub fn stack_words(&self) -> u32 {
        (self.end() - self.stop) / 4
    }
    pub fn old_heap(&self) -> Option<&OldHeap> {
        self.old.as_ref()
    }
    /// The size for a new heap fragment (in words, before the request itself): a quarter
    /// of what the fragments already hold, from 256 up to 16,384. Growing with them, a
    /// loop of BIF calls (maps:put building a map) makes tens of fragments between two
    /// collections instead of hundreds, each of which the collector indexes and frees.
    #[inline]
    pub fn next_fragment_words(&self) -> u32 {
        (self.frag_words / 4).clamp(256, 1 << 14)
    }

    /// Words held in heap fragments not yet folded in by a collection.
    pub fn fragment_words(&self) -> u32 {
        debug_assert_eq!(
            self.frag_words,
            self.frags.iter().map(Fragment::used_words).sum::<u32>()
        );
        self.frag_words
    }
    /// Refc binaries this heap (and its fragments) refers to.
    pub fn off_heap_count(&self) -> usize {
        self.off_heap.len() + self.frags.iter().map(|f| f.off_heap.len()).sum::<usize>()
    }

    /// Attaches a fragment (a received message, a BIF result) to this heap; the next
    /// collection copies its live data in and frees it.
    pub fn attach(&mut self, frag: Fragment) {
        if frag.used_words() > 0 || !frag.off_heap.is_empty() {
            self.frag_words += frag.used_words();
            self.frags.push(frag);
        }
    }

    /// Lends the free end of the last attached fragment, if it has at least `min_free`
    /// free words, for a BIF to go on filling: a run of BIF results then shares a few
    /// fragments instead of taking one each (thousands of fragments made every
    /// collection sort and walk thousands of ranges). The fragment stays in place but
    /// counts as full until [`Self::settle_lent`] says how much was used, so nothing else
    /// can allocate there meanwhile; the caller settles before anything can collect this
    /// heap. Returns the fragment's index and the free range `[top, end)`.
    #[inline]
    pub fn lend_fragment_tail(&mut self, min_free: u32) -> Option<Lent> {
        let index = self.frags.len().checked_sub(1)?;
        let last = &mut self.frags[index];
        let end = last.block.end();
        if (end - last.top) / 4 < min_free {
            return None;
        }
        let top = std::mem::replace(&mut last.top, end);
        self.frag_words += (end - top) / 4;
        Some(Lent { index, top, end })
    }

    /// Takes back a lent fragment tail: its top becomes `top` (the lent range's start up
    /// to `top` was used) and the refc binaries made there join its off-heap list.
    #[inline]
    pub fn settle_lent(&mut self, lent: Lent, top: u32, off_heap: &mut Vec<u32>) {
        // Nothing collects this heap while a BIF runs, so the fragment is where it was.
        match self.frags.get_mut(lent.index) {
            Some(f) if f.top == lent.end && (lent.top..=lent.end).contains(&top) => {
                f.top = top;
                if !off_heap.is_empty() {
                    f.off_heap.append(off_heap);
                }
                self.frag_words -= (lent.end - top) / 4;
            }
            _ => debug_assert!(false, "lent fragment tail settled after its heap changed"),
        }
    }

    /// `words` words in the last attached fragment, or in a new one
    /// ([`Self::next_fragment_words`] at least) when it is full: what
    /// [`Self::lend_fragment_tail`] gives a BIF, without lending and settling, for a
    /// runtime function's one small result (a bignum of an overflowing operation) at the
    /// price of a pointer bump. The bump is inlined at the caller; a new fragment is not.
    #[inline]
    pub fn alloc_in_fragment(&mut self, words: u32) -> Result<u32, HeapError> {
        match self.bump_in_last_fragment(words) {
            Some(p) => Ok(p),
            None => self.alloc_in_new_fragment(words),
        }
    }

    /// `words` from the last fragment's free end; `None` when there is no room (or no
    /// fragment) there.
    #[inline]
    fn bump_in_last_fragment(&mut self, words: u32) -> Option<u32> {
        let last = self.frags.last_mut()?;
        if words > (last.block.end() - last.top) / 4 {
            return None;
        }
        let p = last.top;
        last.top += words * 4;
        self.frag_words += words;
        Some(p)
    }

    #[inline(never)]
    fn alloc_in_new_fragment(&mut self, words: u32) -> Result<u32, HeapError> {
        let mut f = Fragment::new(words.max(self.next_fragment_words()))?;
        let p = f.alloc(words)?;
        self.frags.push(f);
        self.frag_words += words;
        Ok(p)
    }

    // --- the Erlang stack ---

    /// Pushes one word (a term, CP or catch tag).
    pub fn push(&mut self, t: Term) -> Result<(), HeapError> {
        if self.stop - self.top < 4 {
            return Err(HeapError::Full { need: 1, free: 0 });
        }
        self.stop -= 4;
        // SAFETY: stop is inside our block, above top (checked).
        unsafe { mem::raw_write(self.stop, t.0) };
        Ok(())
    }

    /// Pops one word.
    pub fn pop(&mut self) -> Result<Term, HeapError> {
        if self.stop >= self.end() {
            return Err(HeapError::Stack("pop from an empty stack"));
        }
        // SAFETY: stop is a used stack word inside our block.
        let t = Term(unsafe { mem::raw_read(self.stop) });
        self.stop += 4;
        Ok(t)
    }

    /// Allocates a frame of `n` Y slots (BEAM `allocate`), initialised to NIL so the
    /// collector never sees stale words.
    pub fn alloc_frame(&mut self, n: u32) -> Result<(), HeapError> {
        if (self.stop - self.top) / 4 < n {
            return Err(HeapError::Full {
                need: n,
                free: self.free_words(),
            });
        }
        for _ in 0..n {
            self.push(Term::NIL)?;
        }
        Ok(())
    }

    /// Drops `n` stack words (BEAM `deallocate`).
    pub fn drop_frame(&mut self, n: u32) -> Result<(), HeapError> {
        if self.stack_words() < n {
            return Err(HeapError::Stack("deallocating more than the stack holds"));
        }
        self.stop += 4 * n;
        Ok(())
    }

    /// Y register `i` (stack word `i` counted from the stack pointer).
    pub fn y(&self, i: u32) -> Result<Term, HeapError> {
        if i >= self.stack_words() {
            return Err(HeapError::Stack("Y register beyond the stack"));
        }
        // SAFETY: inside the used stack (checked).
        Ok(Term(unsafe { mem::raw_read(self.stop + 4 * i) }))
    }

    pub fn set_y(&mut self, i: u32, t: Term) -> Result<(), HeapError> {
        if i >= self.stack_words() {
            return Err(HeapError::Stack("Y register beyond the stack"));
        }
        // SAFETY: inside the used stack (checked).
        unsafe { mem::raw_write(self.stop + 4 * i, t.0) };
        Ok(())
    }

    /// Whether `addr` lies in this heap's young or old generation or a fragment.
    pub fn owns(&self, addr: u32) -> bool {
        (self.start()..self.top).contains(&addr)
            || self
                .old
                .as_ref()
                .is_some_and(|o| (o.block.addr()..o.top).contains(&addr))
            || self
                .frags
                .iter()
                .any(|f| (f.block.addr()..f.top).contains(&addr))
    }
}

impl Alloc for Heap {
    fn alloc(&mut self, words: u32) -> Result<u32, HeapError> {
        let free = self.free_words();
        if words > free {
            return Err(HeapError::Full { need: words, free });
        }
        let p = self.top;
        self.top += words * 4;
        Ok(p)
    }
    fn add_off_heap(&mut self, procbin: u32) {
        self.off_heap.push(procbin);
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        for &pb in &self.off_heap {
            // SAFETY: every entry is a live ProcBin of this heap, released exactly once.
            unsafe { binary::release_procbin(pb) };
        }
    }
}

/// A heap fragment: a bump-allocated block outside any process heap, for a message in
/// flight or a result built where the process heap could not grow.
/// The free end of a heap's fragment, lent to a BIF ([`Heap::lend_fragment_tail`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lent {
    index: usize,
    pub top: u32,
    pub end: u32,
}

#[derive(Debug)]

pub struct Fragment {
    pub(crate) block: Block,
    pub(crate) top: u32,
    pub(crate) off_heap: Vec<u32>,
}

impl Fragment {
    pub fn new(words: u32) -> Result<Fragment, HeapError> {
        let block = arena::alloc(words.max(1) as usize * 4)?;
        let top = block.addr();
        Ok(Fragment {
            block,
            top,
            off_heap: Vec::new(),
        })
    }
    pub fn used_words(&self) -> u32 {
        (self.top - self.block.addr()) / 4
    }
    pub fn start(&self) -> u32 {
        self.block.addr()
    }
    pub fn top(&self) -> u32 {
        self.top
    }
}

impl Alloc for Fragment {
    fn alloc(&mut self, words: u32) -> Result<u32, HeapError> {
        let free = (self.block.end() - self.top) / 4;
        if words > free {
            return Err(HeapError::Full { need: words, free });
        }
        let p = self.top;
        self.top += words * 4;
        Ok(p)
    }
    fn add_off_heap(&mut self, procbin: u32) {
        self.off_heap.push(procbin);
    }
}

impl Drop for Fragment {
    fn drop(&mut self) {
        for &pb in &self.off_heap {
            // SAFETY: every entry is a live ProcBin in this fragment, released once.
            unsafe { binary::release_procbin(pb) };
        }
    }
}

/// Memory for literals (module constants): never collected, never copied by a collector
/// (pointers into it are outside every from-space).
#[derive(Debug, Default)]
pub struct LiteralArea {
    blocks: Vec<Block>,
    top: u32,
    end: u32,
    off_heap: Vec<u32>,
    /// Words handed out so far.
    allocated: u64,
}

impl LiteralArea {
    pub fn new() -> LiteralArea {
        LiteralArea::default()
    }
    /// Words handed out so far (a scratch area measures what a module's literals need).
    pub fn allocated_words(&self) -> u64 {
        self.allocated
    }
    /// Makes the next `words` words one contiguous piece: a module's literals laid out
    /// together move by one offset between VMs, which the native-code cache relies on
    /// (vm/src/cache_reloc.rs) — otherwise they may straddle two blocks in one VM only.
    pub fn reserve(&mut self, words: u32) -> Result<(), HeapError> {
        if self.end - self.top < words.saturating_mul(4) {
            self.new_block(words)?;
        }
        Ok(())
    }
    fn new_block(&mut self, words: u32) -> Result<(), HeapError> {
        let b = arena::alloc((words as usize * 4).max(16 << 10))?;
        self.top = b.addr();
        self.end = b.end();
        self.blocks.push(b);
        Ok(())
    }
    /// Whether `addr` points into this area.
    pub fn contains(&self, addr: u32) -> bool {
        self.blocks
            .iter()
            .any(|b| (b.addr()..b.end()).contains(&addr))
    }
}

impl Alloc for LiteralArea {
    fn alloc(&mut self, words: u32) -> Result<u32, HeapError> {
        if self.end - self.top < words * 4 {
            self.new_block(words)?;
        }
        let p = self.top;
        self.top += words * 4;
        self.allocated += u64::from(words);
        Ok(p)
    }
    fn add_off_heap(&mut self, procbin: u32) {
        self.off_heap.push(procbin);
    }
}

impl Drop for LiteralArea {
    fn drop(&mut self) {
        for &pb in &self.off_heap {
            // SAFETY: every entry is a live ProcBin in this area, released once.
            unsafe { binary::release_procbin(pb) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_size_table_matches_erl_gc() {
        let t = heap_sizes();
        assert_eq!(&t[..8], &[12, 38, 51, 90, 142, 233, 376, 610]);
        assert_eq!(next_heap_size(233), 233);
        assert_eq!(next_heap_size(234), 376);
        // Stage 2: 20% growth after 23 Fibonacci-like entries.
        assert_eq!(t[23], t[22] + t[22] / 5);
    }

    #[test]
    fn stack_grows_down_heap_grows_up() {
        let mut h = Heap::new().unwrap();
        let total = h.free_words();
        let a = h.alloc(10).unwrap();
        assert_eq!(a, h.start());
        h.alloc_frame(3).unwrap();
        h.set_y(1, Term::small(7).unwrap()).unwrap();
        assert_eq!(h.y(1).unwrap(), Term::small(7).unwrap());
        assert_eq!(h.free_words(), total - 13);
        assert!(h.y(3).is_err());
        h.drop_frame(3).unwrap();
        assert!(h.pop().is_err());
        assert!(matches!(h.alloc(total), Err(HeapError::Full { .. })));
    }
}
