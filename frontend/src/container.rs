//! The IFF container: `FOR1`, the form size, `BEAM`, then chunks of
//! `id:4 size:u32 data:size` each padded to a multiple of 4 bytes.

use crate::error::{ChunkId, ErrorKind, LoadError, Result};
use crate::reader::Reader;

/// One chunk as found in the file.
#[derive(Clone, Debug)]
pub struct RawChunk<'a> {
    pub id: ChunkId,
    /// Offset of the first data byte in the file.
    pub offset: usize,
    pub data: &'a [u8],
}

impl<'a> RawChunk<'a> {
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.data, self.offset, Some(self.id))
    }
}

/// Splits a `.beam` file into its chunks, checking the magic numbers and every size.
pub fn read_chunks(file: &[u8]) -> Result<Vec<RawChunk<'_>>> {
    let mut r = Reader::new(file, 0, None);
    let magic = r.array::<4>()?;
    if &magic != b"FOR1" {
        return Err(LoadError::new(
            None,
            0,
            ErrorKind::BadMagic {
                found: magic,
                expected: "FOR1",
            },
        ));
    }
    let size_at = r.offset();
    let form_size = u64::from(r.u32()?);
    let actual = r.remaining() as u64;
    // erlc writes the exact size of what follows; anything else is a damaged file.
    if form_size != actual {
        return Err(LoadError::new(
            None,
            size_at,
            ErrorKind::FormSize {
                declared: form_size,
                actual,
            },
        ));
    }
    let form = r.array::<4>()?;
    if &form != b"BEAM" {
        return Err(LoadError::new(
            None,
            8,
            ErrorKind::BadMagic {
                found: form,
                expected: "BEAM",
            },
        ));
    }
    let mut chunks: Vec<RawChunk<'_>> = Vec::new();
    while !r.is_empty() {
        let header_at = r.offset();
        let id = ChunkId(r.array::<4>()?);
        let size = r.u32()? as usize;
        let available = r.remaining();
        if size > available {
            return Err(LoadError::new(
                Some(id),
                header_at + 4,
                ErrorKind::ChunkPastEnd {
                    size: size as u64,
                    available,
                },
            ));
        }
        let offset = r.offset();
        let data = r.bytes(size)?;
        // Padding to the next multiple of 4; tolerated as missing only at end of file.
        let pad = (4 - size % 4) % 4;
        if pad > 0 && !r.is_empty() {
            r.bytes(pad).map_err(|e| LoadError {
                chunk: Some(id),
                ..e
            })?;
        }
        if chunks.iter().any(|c| c.id == id) {
            return Err(LoadError::new(
                Some(id),
                header_at,
                ErrorKind::DuplicateChunk,
            ));
        }
        chunks.push(RawChunk { id, offset, data });
    }
    Ok(chunks)
}
