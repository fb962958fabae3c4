//! Guest memory: every block that generated code can touch (heaps, stacks, fragments,
//! off-heap binaries, literals, process structs) comes from here.
//!
//! Memory is taken from the OS in 4 MiB [`LowMapping`] chunks below 4 GiB, so a block's
//! guest address (`u32`) is also its host address (ARCHITECTURE §3). Blocks come in
//! power-of-two size classes with one free list per class: heaps are sized by BEAM's
//! Fibonacci-like table and freed whole, so classes waste little and never fragment the
//! chunks. Requests larger than a chunk get a mapping of their own, unmapped on free.
//!
//! Every chunk is *registered* ([`regions`]), so a simulator embedding can be told which
//! guest ranges exist and the safe term readers can refuse wild addresses ([`contains`]).
//! Registration bumps a [`generation`] counter, so an embedding can tell in one atomic load
//! whether its view is stale (dedicated mappings come and go: a freed one's address range
//! may be handed out again by the OS, so a count of regions is not enough).
//!
//! [`contains`] is on the runtime's hot paths (every checked term read), so it takes no
//! lock: a bitmap with one bit per 4 KiB page of the 32-bit address space (128 KiB) says
//! which pages are registered, read with relaxed atomic loads.

use sim_arm32::host_mem::{LowMapping, MapError};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

const CHUNK: usize = 4 << 20;
const MIN_CLASS: u32 = 4; // 16 bytes
const MAX_CLASS: u32 = 22; // 4 MiB = CHUNK
const NCLASSES: usize = (MAX_CLASS - MIN_CLASS + 1) as usize;

/// Arena failures.
#[derive(Debug, thiserror::Error)]
pub enum ArenaError {
    #[error("guest arena: {0}")]
    Map(#[from] MapError),
    #[error("guest arena: request of {0} bytes is too large for a 32-bit address space")]
    TooLarge(usize),
}

/// A block of guest memory; returned to the arena when dropped.
#[derive(Debug)]
pub struct Block {
    addr: u32,
    len: u32,
}

impl Block {
    /// Guest (= host) address of the first byte; 16-byte aligned.
    pub fn addr(&self) -> u32 {
        self.addr
    }
    /// Usable length in bytes (the size class, at least what was asked for).
    pub fn len(&self) -> u32 {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn end(&self) -> u32 {
        self.addr + self.len
    }
    /// Gives up ownership without freeing: the caller frees later with [`free_raw`].
    pub fn into_raw(self) -> (u32, u32) {
        let r = (self.addr, self.len);
        std::mem::forget(self);
        r
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        free_raw(self.addr, self.len);
    }
}

struct Arena {
    chunks: Vec<LowMapping>,
    /// Dedicated mappings for oversized blocks, by address.
    large: BTreeMap<u32, LowMapping>,
    free: [Vec<u32>; NCLASSES],
    bump: u32,
    bump_end: u32,
    in_use: usize,
}

fn arena() -> &'static Mutex<Arena> {
    static A: OnceLock<Mutex<Arena>> = OnceLock::new();
    A.get_or_init(|| {
        Mutex::new(Arena {
            chunks: Vec::new(),
            large: BTreeMap::new(),
            free: Default::default(),
            bump: 0,
            bump_end: 0,
            in_use: 0,
        })
    })
}

fn region_table() -> &'static RwLock<BTreeMap<u32, u32>> {
    static R: OnceLock<RwLock<BTreeMap<u32, u32>>> = OnceLock::new();
    R.get_or_init(|| RwLock::new(BTreeMap::new()))
}

/// Pages of the address space the bitmap tracks (4 KiB each).
const PAGE_SHIFT: u32 = 12;
const BITMAP_WORDS: usize = 1 << (32 - PAGE_SHIFT - 5);

/// One bit per registered page; set before a region is published, cleared after it is
/// withdrawn. 32-bit words: on ARMv7 a 64-bit atomic load is `ldrexd`/`clrex`, and this
/// bitmap is read by every checked runtime read of guest memory.
static PAGES: [AtomicU32; BITMAP_WORDS] = [const { AtomicU32::new(0) }; BITMAP_WORDS];

/// Bumped at every registration and withdrawal.
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn mark_pages(addr: u32, len: u32, on: bool) {
    let first = addr >> PAGE_SHIFT;
    let last = (addr + (len - 1)) >> PAGE_SHIFT;
    for page in first..=last {
        let (w, bit) = ((page >> 5) as usize, 1u32 << (page & 31));
        if on {
            PAGES[w].fetch_or(bit, Ordering::Release);
        } else {
            PAGES[w].fetch_and(!bit, Ordering::Release);
        }
    }
}

#[inline]
fn page_registered(page: u32) -> bool {
    // Relaxed: an address reaches a reader through the term that holds it, and whatever
    // handed that term over (the same thread, a lock, a message) ordered the registration
    // before it; a racing reader can at worst see a page as not yet registered and get
    // `None`, never touch unmapped memory (pages are withdrawn before they are unmapped).
    PAGES[(page >> 5) as usize].load(Ordering::Relaxed) & (1 << (page & 31)) != 0
}

fn register(addr: u32, len: u32) {
    mark_pages(addr, len, true);
    region_table()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(addr, addr + (len - 1));
    GENERATION.fetch_add(1, Ordering::Release);
}

fn unregister(addr: u32) {
    let last = region_table()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&addr);
    if let Some(last) = last {
        mark_pages(addr, last - addr + 1, false);
    }
    GENERATION.fetch_add(1, Ordering::Release);
}

/// Changes whenever a region is registered or withdrawn: an embedding that mirrors
/// [`regions`] compares it with the value it saw at its last sync.
#[inline]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

fn class_of(len: usize) -> u32 {
    let bits = usize::BITS - (len.max(1) - 1).leading_zeros();
    bits.max(MIN_CLASS)
}

/// Allocates at least `len` bytes of zeroed-or-stale guest memory (contents unspecified).
pub fn alloc(len: usize) -> Result<Block, ArenaError> {
    if len as u64 >= 1 << 31 {
        return Err(ArenaError::TooLarge(len));
    }
    let class = class_of(len);
    let mut a = arena().lock().unwrap_or_else(|e| e.into_inner());
    if class > MAX_CLASS {
        let m = LowMapping::new(len)?;
        let (addr, mlen) = (m.addr(), m.len() as u32);
        register(addr, mlen);
        a.large.insert(addr, m);
        a.in_use += mlen as usize;
        return Ok(Block { addr, len: mlen });
    }
    let size = 1u32 << class;
    let idx = (class - MIN_CLASS) as usize;
    let addr = if let Some(addr) = a.free[idx].pop() {
        addr
    } else {
        if a.bump_end - a.bump < size {
            // The rest of the current chunk goes to the free lists, largest pieces first,
            // so nothing is lost when a fresh chunk is started.
            let (mut p, end) = (a.bump, a.bump_end);
            while end - p >= 1 << MIN_CLASS {
                let c = (31 - (end - p).leading_zeros()).min(MAX_CLASS);
                // Keep pieces aligned to their own size.
                let c = (MIN_CLASS..=c)
                    .rev()
                    .find(|&c| p % (1 << c) == 0)
                    .unwrap_or(MIN_CLASS);
                a.free[(c - MIN_CLASS) as usize].push(p);
                p += 1 << c;
            }
            let m = LowMapping::new(CHUNK)?;
            register(m.addr(), m.len() as u32);
            a.bump = m.addr();
            a.bump_end = m.addr() + m.len() as u32;
            a.chunks.push(m);
        }
        let p = a.bump;
        a.bump += size;
        p
    };
    a.in_use += size as usize;
    Ok(Block { addr, len: size })
}

/// Returns a block given up with [`Block::into_raw`] (or dropped) to the arena; `len` is
/// the block's length or the length originally requested.
pub fn free_raw(addr: u32, len: u32) {
    let mut a = arena().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(m) = a.large.remove(&addr) {
        a.in_use -= m.len();
        unregister(addr);
        drop(m);
        return;
    }
    // `len` may be the requested length rather than the class size: both give the class.
    let class = class_of(len as usize);
    a.in_use -= 1usize << class;
    a.free[(class - MIN_CLASS) as usize].push(addr);
}

/// Bytes currently handed out (by size class), for leak checks and statistics.
pub fn in_use_bytes() -> usize {
    arena().lock().unwrap_or_else(|e| e.into_inner()).in_use
}

/// Bytes mapped from the OS (chunks and dedicated mappings). Chunks are kept for reuse
/// once mapped, so this only grows; a steady workload must stop growing it.
pub fn mapped_bytes() -> usize {
    let a = arena().lock().unwrap_or_else(|e| e.into_inner());
    a.chunks.iter().map(LowMapping::len).sum::<usize>()
        + a.large.values().map(LowMapping::len).sum::<usize>()
}

/// Every registered guest range as `(start, length)`, sorted by address.
pub fn regions() -> Vec<(u32, u32)> {
    region_table()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(&s, &last)| (s, last - s + 1))
        .collect()
}

/// Whether every page of `[addr, addr + len)` is registered guest memory (lock-free: one
/// bitmap load per page; a range may span adjacent regions, which are all mapped).
#[inline]
pub fn contains(addr: u32, len: u32) -> bool {
    let Some(last) = addr.checked_add(len.saturating_sub(1)) else {
        return false;
    };
    let (first, last) = (addr >> PAGE_SHIFT, last >> PAGE_SHIFT);
    if first == last {
        return page_registered(first);
    }
    (first..=last).all(page_registered)
}

/// Whether the aligned word at `addr` is registered guest memory: one bitmap load (a
/// word never straddles a page).
#[inline]
pub fn contains_word(addr: u32) -> bool {
    page_registered(addr >> PAGE_SHIFT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_low_aligned_registered_and_reused() {
        let b = alloc(100).unwrap();
        assert_eq!(b.len(), 128);
        assert_eq!(b.addr() % 16, 0);
        assert!(contains(b.addr(), 128));
        assert!(!contains(0, 4));
        let addr = b.addr();
        drop(b);
        // Same class, most recently freed block comes back first (LIFO free list)...
        // ...unless another test thread took it; so only check the class.
        let c = alloc(120).unwrap();
        assert_eq!(c.len(), 128);
        let _ = addr;
    }

    #[test]
    fn large_blocks_get_their_own_mapping_and_go_away() {
        let b = alloc(CHUNK + 1).unwrap();
        let (addr, len) = (b.addr(), b.len());
        assert!(len as usize > CHUNK);
        assert!(contains(addr, len));
        // SAFETY: the block is ours and `len` bytes long.
        unsafe { std::ptr::write_bytes(addr as usize as *mut u8, 0xAB, len as usize) };
        let g = generation();
        drop(b);
        assert!(!contains(addr, 4));
        assert_ne!(generation(), g, "withdrawing a region bumps the generation");
    }

    #[test]
    fn contains_checks_every_page_of_a_range() {
        let b = alloc(CHUNK + 1).unwrap();
        let (addr, len) = (b.addr(), b.len());
        assert!(contains(addr + len - 4, 4));
        assert!(contains(addr, len));
        assert!(!contains(u32::MAX - 3, 8), "wrapping ranges are refused");
    }

    #[test]
    fn class_sizes() {
        assert_eq!(class_of(1), MIN_CLASS);
        assert_eq!(class_of(16), 4);
        assert_eq!(class_of(17), 5);
        assert_eq!(class_of(4096), 12);
    }
}
