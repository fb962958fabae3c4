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

use sim_arm32::host_mem::{LowMapping, MapError};
use std::collections::BTreeMap;
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

fn register(addr: u32, len: u32) {
    region_table()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(addr, addr + (len - 1));
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
        region_table()
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&addr);
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

/// Whether `[addr, addr + len)` lies inside one registered range.
pub fn contains(addr: u32, len: u32) -> bool {
    let t = region_table().read().unwrap_or_else(|e| e.into_inner());
    match t.range(..=addr).next_back() {
        Some((_, &last)) => len == 0 || (addr as u64 + len as u64 - 1) <= last as u64,
        None => false,
    }
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
        drop(b);
        assert!(!contains(addr, 4));
    }

    #[test]
    fn class_sizes() {
        assert_eq!(class_of(1), MIN_CLASS);
        assert_eq!(class_of(16), 4);
        assert_eq!(class_of(17), 5);
        assert_eq!(class_of(4096), 12);
    }
}
