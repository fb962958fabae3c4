//! Guest memory: regions of host memory registered by the embedder.
//!
//! A guest address *is* a host address (ARCHITECTURE §3): the embedder maps everything the
//! guest may touch below 4 GiB (see [`crate::host_mem::LowMapping`]) and registers it here.
//! Every access is checked against the regions (and their permissions) before the host
//! dereferences the address, so a wild guest pointer becomes a [`crate::Fault`], never a
//! host crash. An access must lie entirely inside one region (an access straddling two
//! adjacent regions faults). Guest memory is little-endian, as the supported hosts are.

use std::cell::Cell;

/// Access permissions of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Perms(u8);

impl Perms {
    pub const NONE: Perms = Perms(0);
    pub const READ: Perms = Perms(1);
    pub const WRITE: Perms = Perms(2);
    /// Executable: instructions may be fetched (use [`crate::Sim::add_code_region`]).
    pub const EXEC: Perms = Perms(4);
    pub const RW: Perms = Perms(3);
    pub const RX: Perms = Perms(5);
    pub const RWX: Perms = Perms(7);

    /// True when every permission in `other` is in `self`.
    pub fn contains(self, other: Perms) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of both sets.
    pub fn union(self, other: Perms) -> Perms {
        Perms(self.0 | other.0)
    }
}

/// One registered range of host memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub base: u32,
    pub len: u32,
    pub perms: Perms,
}

impl Region {
    /// True when `[addr, addr + size)` lies inside the region.
    #[inline]
    pub fn holds(&self, addr: u32, size: u32) -> bool {
        addr.wrapping_sub(self.base) as u64 + size as u64 <= self.len as u64 && addr >= self.base
    }
}

/// A region could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("region at {base:#010x} is empty")]
    Empty { base: u32 },
    #[error("region {base:#010x}+{len:#x} runs past the end of the 32-bit address space")]
    Wraps { base: u32, len: u32 },
    #[error("region {base:#010x}+{len:#x} overlaps the region at {other:#010x}")]
    Overlap { base: u32, len: u32, other: u32 },
    #[error("region {base:#010x}+{len:#x} covers the simulator's magic return address")]
    MagicAddress { base: u32, len: u32 },
}

/// The set of regions the guest may access.
#[derive(Debug, Default)]
pub struct Memory {
    regions: Vec<Region>,
    /// Index of the region that satisfied the last lookup (most accesses hit it again).
    last: Cell<usize>,
}

impl Memory {
    /// An empty memory: every access faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `[base, base + len)` with `perms`.
    ///
    /// # Safety
    /// The range must be host memory that stays mapped, readable (and writable if
    /// `perms` has WRITE) for as long as it is registered, at host address `base`.
    /// The simulator reads and writes it through raw pointers while guest code runs.
    pub unsafe fn add_region(
        &mut self,
        base: u32,
        len: u32,
        perms: Perms,
    ) -> Result<(), RegionError> {
        if len == 0 {
            return Err(RegionError::Empty { base });
        }
        let end = base as u64 + len as u64;
        if end > 1 << 32 {
            return Err(RegionError::Wraps { base, len });
        }
        if (base as u64) <= crate::RETURN_MAGIC as u64 && (crate::RETURN_MAGIC as u64) < end {
            return Err(RegionError::MagicAddress { base, len });
        }
        if let Some(r) = self
            .regions
            .iter()
            .find(|r| (r.base as u64) < end && (base as u64) < r.base as u64 + r.len as u64)
        {
            return Err(RegionError::Overlap {
                base,
                len,
                other: r.base,
            });
        }
        self.regions.push(Region { base, len, perms });
        Ok(())
    }

    /// Forgets the region that starts at `base`; returns it if there was one.
    pub fn remove_region(&mut self, base: u32) -> Option<Region> {
        let i = self.regions.iter().position(|r| r.base == base)?;
        self.last.set(0);
        Some(self.regions.remove(i))
    }

    /// All registered regions.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The region that holds `[addr, addr + size)` with at least `need`, if any.
    #[inline]
    pub fn find(&self, addr: u32, size: u32, need: Perms) -> Option<&Region> {
        let last = self.last.get();
        if let Some(r) = self.regions.get(last) {
            if r.holds(addr, size) && r.perms.contains(need) {
                return Some(r);
            }
        }
        let i = self
            .regions
            .iter()
            .position(|r| r.holds(addr, size) && r.perms.contains(need))?;
        self.last.set(i);
        self.regions.get(i)
    }

    /// True when the guest may access `[addr, addr + size)` with `need`.
    #[inline]
    pub fn allowed(&self, addr: u32, size: u32, need: Perms) -> bool {
        self.find(addr, size, need).is_some()
    }

    /// Reads `N` bytes at `addr` (any alignment), or `None` outside readable memory.
    #[inline]
    pub fn read_bytes<const N: usize>(&self, addr: u32) -> Option<[u8; N]> {
        if !self.allowed(addr, N as u32, Perms::READ) {
            return None;
        }
        // SAFETY: the range lies inside a registered readable region, which the embedder
        // promised (add_region) is live host memory at this very address.
        Some(unsafe { std::ptr::read_unaligned(addr as usize as *const [u8; N]) })
    }

    /// Writes `bytes` at `addr` (any alignment); false outside writable memory.
    #[inline]
    pub fn write_bytes<const N: usize>(&self, addr: u32, bytes: [u8; N]) -> bool {
        if !self.allowed(addr, N as u32, Perms::WRITE) {
            return false;
        }
        // SAFETY: the range lies inside a registered writable region, which the embedder
        // promised (add_region) is live writable host memory at this very address.
        unsafe { std::ptr::write_unaligned(addr as usize as *mut [u8; N], bytes) };
        true
    }

    /// Reads a little-endian word.
    #[inline]
    pub fn read_u32(&self, addr: u32) -> Option<u32> {
        self.read_bytes::<4>(addr).map(u32::from_le_bytes)
    }

    /// Reads a little-endian halfword.
    #[inline]
    pub fn read_u16(&self, addr: u32) -> Option<u16> {
        self.read_bytes::<2>(addr).map(u16::from_le_bytes)
    }

    /// Reads a byte.
    #[inline]
    pub fn read_u8(&self, addr: u32) -> Option<u8> {
        self.read_bytes::<1>(addr).map(|b| b[0])
    }

    /// Reads a little-endian doubleword (as VLDR does: low word first).
    #[inline]
    pub fn read_u64(&self, addr: u32) -> Option<u64> {
        self.read_bytes::<8>(addr).map(u64::from_le_bytes)
    }

    /// Writes a little-endian word.
    #[inline]
    pub fn write_u32(&self, addr: u32, v: u32) -> bool {
        self.write_bytes(addr, v.to_le_bytes())
    }

    /// Writes a little-endian halfword.
    #[inline]
    pub fn write_u16(&self, addr: u32, v: u16) -> bool {
        self.write_bytes(addr, v.to_le_bytes())
    }

    /// Writes a byte.
    #[inline]
    pub fn write_u8(&self, addr: u32, v: u8) -> bool {
        self.write_bytes(addr, [v])
    }

    /// Writes a little-endian doubleword.
    #[inline]
    pub fn write_u64(&self, addr: u32, v: u64) -> bool {
        self.write_bytes(addr, v.to_le_bytes())
    }
}
