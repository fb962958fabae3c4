//! Executable memory for generated code: mapped writable, then flipped to read+execute
//! (W^X) with the instruction cache made coherent before anything jumps into it.
//!
//! On ARM the data and instruction caches are not coherent: bytes written through the
//! D-cache are not seen by instruction fetch until the range is cleaned and the I-cache
//! invalidated (`__clear_cache`, which on Linux issues the `cacheflush` system call).

use std::io;
use std::ptr::NonNull;

/// A page-aligned region of memory that holds machine code.
///
/// It starts writable (never executable); [`CodeMemory::make_executable`] makes it
/// read+execute (never writable), so it is never both at once.
pub struct CodeMemory {
    ptr: NonNull<u8>,
    len: usize,
    executable: bool,
}

/// What went wrong while mapping or protecting code memory.
#[derive(Debug, thiserror::Error)]
pub enum CodeMemoryError {
    #[error("mmap of {len} bytes of code memory failed: {source}")]
    Map { len: usize, source: io::Error },
    #[error("mprotect of code memory at {addr:#x} ({len} bytes) failed: {source}")]
    Protect {
        addr: usize,
        len: usize,
        source: io::Error,
    },
    #[error("code memory is executable; it can no longer be written")]
    NotWritable,
    #[error("{len} bytes at offset {offset} do not fit in {capacity} bytes of code memory")]
    OutOfRange {
        offset: usize,
        len: usize,
        capacity: usize,
    },
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

impl CodeMemory {
    /// Maps at least `len` bytes (rounded up to whole pages), readable and writable.
    pub fn new(len: usize) -> Result<Self, CodeMemoryError> {
        let page = page_size();
        let len = len.max(1).div_ceil(page) * page;
        // SAFETY: an anonymous private mapping with no address hint touches no existing memory.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(CodeMemoryError::Map {
                len,
                source: io::Error::last_os_error(),
            });
        }
        Ok(CodeMemory {
            ptr: NonNull::new(p.cast()).expect("mmap returned null without MAP_FAILED"),
            len,
            executable: false,
        })
    }

    /// The mapped size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty (never: at least one page is mapped).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address of the first byte.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// Copies `bytes` to `offset`, while the memory is still writable.
    pub fn write(&mut self, offset: usize, bytes: &[u8]) -> Result<(), CodeMemoryError> {
        if self.executable {
            return Err(CodeMemoryError::NotWritable);
        }
        match offset.checked_add(bytes.len()) {
            Some(end) if end <= self.len => {}
            _ => {
                return Err(CodeMemoryError::OutOfRange {
                    offset,
                    len: bytes.len(),
                    capacity: self.len,
                })
            }
        }
        // SAFETY: the range was checked to lie inside our own writable mapping, and `bytes`
        // cannot alias it (we hold `&mut self`).
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.ptr.as_ptr().add(offset),
                bytes.len(),
            )
        };
        Ok(())
    }

    /// Makes the whole region read+execute and the instruction cache coherent with it.
    pub fn make_executable(&mut self) -> Result<(), CodeMemoryError> {
        // SAFETY: ptr/len describe exactly the mapping made in `new`.
        let rc = unsafe {
            libc::mprotect(
                self.ptr.as_ptr().cast(),
                self.len,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
        if rc != 0 {
            return Err(CodeMemoryError::Protect {
                addr: self.ptr.as_ptr() as usize,
                len: self.len,
                source: io::Error::last_os_error(),
            });
        }
        flush_icache(self.ptr.as_ptr(), self.len);
        self.executable = true;
        Ok(())
    }

    /// Whether [`CodeMemory::make_executable`] has been called.
    pub fn is_executable(&self) -> bool {
        self.executable
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the region mapped in `new`; nothing refers to it after drop.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

#[cfg(target_arch = "arm")]
fn flush_icache(start: *mut u8, len: usize) {
    extern "C" {
        // libgcc's cache maintenance helper; on Linux it issues the ARM `cacheflush` syscall.
        fn __clear_cache(begin: *mut libc::c_char, end: *mut libc::c_char);
    }
    // SAFETY: the range is our own mapping; __clear_cache only performs cache maintenance.
    unsafe { __clear_cache(start.cast(), start.add(len).cast()) }
}

#[cfg(not(target_arch = "arm"))]
fn flush_icache(_start: *mut u8, _len: usize) {
    // x86-64 keeps instruction fetch coherent with stores; nothing to do.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_pages_and_checks_bounds() {
        let mut m = CodeMemory::new(10).unwrap();
        assert_eq!(m.len() % page_size(), 0);
        assert!(m.len() >= 10);
        m.write(0, &[1, 2, 3]).unwrap();
        let cap = m.len();
        assert!(matches!(
            m.write(cap - 1, &[1, 2]),
            Err(CodeMemoryError::OutOfRange { .. })
        ));
        assert!(matches!(
            m.write(usize::MAX, &[1]),
            Err(CodeMemoryError::OutOfRange { .. })
        ));
        m.make_executable().unwrap();
        assert!(m.is_executable());
        assert!(matches!(
            m.write(0, &[0]),
            Err(CodeMemoryError::NotWritable)
        ));
        // SAFETY: the first three bytes were written above and the page is readable.
        let head = unsafe { std::slice::from_raw_parts(m.as_ptr(), 3) };
        assert_eq!(head, &[1, 2, 3]);
    }
}
