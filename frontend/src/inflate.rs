//! zlib decompression with a declared output size, guarded against absurd sizes.

use std::io::Read;

use crate::error::ErrorKind;

/// Deflate cannot expand data by more than about 1032:1, so a declared size beyond that
/// ratio is a lie; refusing it up front bounds memory use on hostile input.
const MAX_RATIO: u64 = 1100;

/// No module's literal table comes near this; larger claims are refused outright so a
/// small hostile file cannot make a 32-bit host allocate half its address space.
const MAX_SIZE: u64 = 256 << 20;

/// Decompresses a zlib stream that must produce exactly `declared` bytes.
pub fn inflate(data: &[u8], declared: u64) -> Result<Vec<u8>, ErrorKind> {
    let limit = (data.len() as u64)
        .saturating_mul(MAX_RATIO)
        .saturating_add(64);
    if declared > limit || declared > MAX_SIZE {
        return Err(ErrorKind::Zlib(format!(
            "declared size {declared} is impossible for {} compressed bytes",
            data.len()
        )));
    }
    // Grow with the data actually produced rather than trusting the declared size.
    let mut out = Vec::with_capacity((declared as usize).min(data.len().saturating_mul(4) + 4096));
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
