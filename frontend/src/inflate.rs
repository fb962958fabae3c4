//! zlib decompression with a declared output size, guarded against absurd sizes.

use std::io::Read;

use crate::error::ErrorKind;

/// Deflate cannot expand data by more than about 1032:1, so a declared size beyond that
/// ratio is a lie; refusing it up front bounds memory use on hostile input.
const MAX_RATIO: u64 = 1100;

/// Decompresses a zlib stream that must produce exactly `declared` bytes.
pub fn inflate(data: &[u8], declared: u64) -> Result<Vec<u8>, ErrorKind> {
    let limit = (data.len() as u64)
        .saturating_mul(MAX_RATIO)
        .saturating_add(64);
    if declared > limit {
        return Err(ErrorKind::Zlib(format!(
            "declared size {declared} is impossible for {} compressed bytes",
            data.len()
        )));
    }
    let mut out = Vec::with_capacity(declared as usize);
    let mut dec = flate2::read::ZlibDecoder::new(data).take(declared.saturating_add(1));
    dec.read_to_end(&mut out)
        .map_err(|e| ErrorKind::Zlib(e.to_string()))?;
    if out.len() as u64 != declared {
        return Err(ErrorKind::UncompressedSize {
            declared,
            actual: out.len() as u64,
        });
    }
    Ok(out)
}
