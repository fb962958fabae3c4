//! Sizes of boxed objects and which of their words are terms: the one place the collector,
//! the message copier and the size counter learn an object's shape from its header.

use crate::mem;
use crate::term::*;

/// Words of the object at `addr` (header included) and the half-open range of word
/// offsets (relative to the header) that hold terms.
///
/// # Safety
/// `addr` must point at the live header word `header` of a well-formed object.
#[inline]
pub unsafe fn shape(header: Term, addr: u32) -> (u32, std::ops::Range<u32>) {
    let arity = header.header_arity();
    match header.boxed_kind() {
        BoxedKind::Tuple => (1 + arity, 1..1 + arity),
        // Only `orig` is a term; `base` is fixed up by the collector.
        BoxedKind::MatchState => (1 + arity, 1..2),
        BoxedKind::Fun => (1 + arity, 5..1 + arity),
        BoxedKind::SubBinary => (1 + arity, 4..5),
        BoxedKind::Map => match header.map_type() {
            MAP_HEADER_TAG_FLATMAP_HEAD => {
                // SAFETY: a flat map's size word follows its header (caller's guarantee).
                let n = unsafe { mem::raw_read(addr + 4) };
                (3 + n, 2..3 + n)
            }
            MAP_HEADER_TAG_HAMT_HEAD_ARRAY => (18, 2..18),
            MAP_HEADER_TAG_HAMT_HEAD_BITMAP => {
                let n = crate::map::popcount16(header.map_val());
                (2 + n, 2..2 + n)
            }
            _ => {
                let n = crate::map::popcount16(header.map_val());
                (1 + n, 1..1 + n)
            }
        },
        _ => (1 + arity, 0..0),
    }
}

/// Words of a flat map with `n` keys (excluding its keys tuple).
pub const fn flatmap_words(n: u32) -> u32 {
    3 + n
}
