//! Host memory mapped inside the 32-bit address space, so that a guest address (`u32`) is
//! also a valid host address. Both the simulator's tests and the runtime's guest arena
//! allocate through here.
//!
//! On 64-bit hosts the mapping must land below 4 GiB: x86-64 Linux has `MAP_32BIT` (which
//! places it in the low 2 GiB); elsewhere we probe with address hints and check the result.
//! On 32-bit hosts every mapping qualifies.

use std::io;
use std::ptr::NonNull;

/// A private, zero-filled, read+write mapping whose every byte has a 32-bit address.
pub struct LowMapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; moving it to another thread
// moves the ownership with it.
unsafe impl Send for LowMapping {}

/// The mapping could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("cannot map {len} bytes below 4 GiB: {source}")]
    Os { len: usize, source: io::Error },
    #[error("cannot map {len} bytes below 4 GiB: no free range found")]
    NoLowRange { len: usize },
    #[error("a 32-bit address space cannot hold a mapping of {len} bytes")]
    TooLarge { len: usize },
}

/// The host page size.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

impl LowMapping {
    /// Maps at least `len` bytes (rounded up to whole pages) below 4 GiB.
    pub fn new(len: usize) -> Result<Self, MapError> {
        let page = page_size();
        let len = len.max(1).div_ceil(page) * page;
        if len as u64 >= 1 << 32 {
            return Err(MapError::TooLarge { len });
        }
        let ptr = map_low(len)?;
        Ok(LowMapping { ptr, len })
    }

    /// The guest (= host) address of the first byte.
    pub fn addr(&self) -> u32 {
        self.ptr.as_ptr() as usize as u32
    }

    /// The mapped length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true: at least one page is mapped.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Host pointer to the first byte.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The whole mapping as a byte slice.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr/len describe a live read+write mapping owned by self.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The whole mapping as a mutable byte slice.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and &mut self guarantees exclusive access from the host side.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for LowMapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the range mapped in `new`.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

fn mmap(hint: usize, len: usize, extra_flags: libc::c_int) -> Option<NonNull<u8>> {
    // SAFETY: an anonymous private mapping; without MAP_FIXED the hint never replaces an
    // existing mapping.
    let p = unsafe {
        libc::mmap(
            hint as *mut libc::c_void,
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | extra_flags,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        None
    } else {
        NonNull::new(p.cast())
    }
}

#[cfg(target_pointer_width = "64")]
fn fits_low(p: NonNull<u8>, len: usize) -> bool {
    (p.as_ptr() as usize as u64) + (len as u64) <= 1 << 32
}

#[cfg(target_pointer_width = "64")]
fn unmap(p: NonNull<u8>, len: usize) {
    // SAFETY: p/len is a mapping we just made and hand to nobody.
    unsafe {
        libc::munmap(p.as_ptr().cast(), len);
    }
}

#[cfg(target_pointer_width = "32")]
fn map_low(len: usize) -> Result<NonNull<u8>, MapError> {
    mmap(0, len, 0).ok_or_else(|| MapError::Os {
        len,
        source: io::Error::last_os_error(),
    })
}

#[cfg(target_pointer_width = "64")]
fn map_low(len: usize) -> Result<NonNull<u8>, MapError> {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if let Some(p) = mmap(0, len, libc::MAP_32BIT) {
        if fits_low(p, len) {
            return Ok(p);
        }
        unmap(p, len);
    }
    // Probe hints from 256 MiB upwards; the kernel honours a free hint.
    let mut hint: u64 = 0x1000_0000;
    while hint + len as u64 <= 1 << 32 {
        if let Some(p) = mmap(hint as usize, len, 0) {
            if fits_low(p, len) {
                return Ok(p);
            }
            unmap(p, len);
        }
        hint += 0x1000_0000;
    }
    Err(MapError::NoLowRange { len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_is_below_4g_zeroed_and_writable() {
        let mut m = LowMapping::new(3 * page_size() + 1).unwrap();
        assert_eq!(m.len(), 4 * page_size());
        assert!(m.addr() as u64 + m.len() as u64 <= 1 << 32);
        assert_eq!(m.addr() as usize, m.as_ptr() as usize);
        assert!(m.as_slice().iter().all(|&b| b == 0));
        m.as_mut_slice()[5] = 7;
        // SAFETY: the address is inside the mapping we own.
        let via_guest_addr = unsafe { *((m.addr() as usize + 5) as *const u8) };
        assert_eq!(via_guest_addr, 7);
    }

    #[test]
    fn many_mappings_all_low() {
        let maps: Vec<_> = (0..32).map(|_| LowMapping::new(1 << 20).unwrap()).collect();
        for m in &maps {
            assert!(m.addr() as u64 + m.len() as u64 <= 1 << 32);
        }
    }
}
