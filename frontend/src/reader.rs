//! A checked big-endian byte reader. Every read is bounds-checked and failures carry the
//! chunk and the absolute offset, so decoding malformed input never panics.

use crate::error::{ChunkId, ErrorKind, LoadError, Result, Space};

#[derive(Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the error space.
    base: usize,
    chunk: Option<ChunkId>,
    space: Space,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], base: usize, chunk: Option<ChunkId>) -> Self {
        Reader {
            data,
            pos: 0,
            base,
            chunk,
            space: Space::File,
        }
    }

    /// A reader over decompressed bytes (offsets reported in `Space::Decompressed`).
    pub fn decompressed(data: &'a [u8], chunk: Option<ChunkId>) -> Self {
        Reader {
            data,
            pos: 0,
            base: 0,
            chunk,
            space: Space::Decompressed,
        }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn chunk(&self) -> Option<ChunkId> {
        self.chunk
    }

    /// An error at the current position.
    pub fn err(&self, kind: ErrorKind) -> LoadError {
        self.err_at(self.offset(), kind)
    }

    pub fn err_at(&self, offset: usize, kind: ErrorKind) -> LoadError {
        LoadError {
            chunk: self.chunk,
            offset,
            space: self.space,
            kind,
        }
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let avail = self.remaining();
        if n > avail {
            return Err(self.err(ErrorKind::Truncated {
                needed: n,
                available: avail,
            }));
        }
        let start = self.pos;
        self.pos += n;
        // In bounds: start + n <= data.len() was checked above.
        self.data.get(start..start + n).ok_or_else(|| {
            self.err(ErrorKind::Truncated {
                needed: n,
                available: avail,
            })
        })
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        self.pos = self.data.len();
        self.data.get(start..).unwrap_or(&[])
    }

    /// A count read from the file, checked to be non-negative and plausible: each of the
    /// `count` items needs at least `min_item_size` bytes of what is left. This keeps
    /// allocation proportional to the input.
    pub fn count(&mut self, what: &'static str, min_item_size: usize) -> Result<usize> {
        let at = self.offset();
        let c = self.i32()?;
        self.check_count(what, i64::from(c), min_item_size, at)
    }

    pub fn check_count(
        &self,
        what: &'static str,
        count: i64,
        min_item_size: usize,
        at: usize,
    ) -> Result<usize> {
        let avail = self.remaining();
        let ok = count >= 0 && (count as u64).saturating_mul(min_item_size as u64) <= avail as u64;
        if !ok {
            return Err(self.err_at(
                at,
                ErrorKind::BadCount {
                    what,
                    count,
                    available: avail,
                },
            ));
        }
        Ok(count as usize)
    }

    /// Repoints the reader at `data`, whose first byte is at `base` in the same space.
    pub fn reset(&mut self, data: &'a [u8], base: usize) {
        self.data = data;
        self.pos = 0;
        self.base = base;
    }

    /// Fails if bytes are left over.
    pub fn finish(&self) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.err(ErrorKind::TrailingBytes(n))),
        }
    }
}
