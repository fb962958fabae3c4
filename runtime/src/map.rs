//! Maps in OTP's two representations (erl_map.h, OTP 25; layouts in docs/terms.md):
//!
//! - flat map (≤ 32 keys): `header`, size, keys tuple, values — keys in term order;
//! - HAMT (hash array mapped trie, larger maps): a head node (bitmap or full array) with
//!   the map size, inner bitmap nodes, and leaves that are cons cells `[Key|Value]`.
//!   Each level uses 4 bits of a 32-bit key hash; after 8 levels the hash is recomputed
//!   with the next salt, as OTP does for collisions.
//!
//! The key hash here is our own structural hash (not OTP's internal hash): the layout is
//! OTP's, the placement of keys inside it is ours. Sorting keys into term order is the
//! caller's job (term order lives in `ops`).

use crate::bignum;
use crate::binary;
use crate::construct::{self, tuple};
use crate::heap::{Alloc, HeapError};
use crate::mem;
use crate::term::*;

/// Builds a flat map. `keys` must be unique and in term order; at most 32.
pub fn flatmap(a: &mut dyn Alloc, keys: &[Term], values: &[Term]) -> Result<Term, HeapError> {
    assert_eq!(
        keys.len(),
        values.len(),
        "flatmap: keys and values differ in length"
    );
    let n = keys.len() as u32;
    let kt = tuple(a, keys)?;
    let p = a.alloc(3 + n)?;
    // SAFETY: fresh allocation of 3 + n words.
    unsafe {
        mem::raw_write(p, Term::map_header(MAP_HEADER_TAG_FLATMAP_HEAD, 1, 0).0);
        mem::raw_write(p + 4, n);
        mem::raw_write(p + 8, kt.0);
        for (i, v) in values.iter().enumerate() {
            mem::raw_write(p + 12 + 4 * i as u32, v.0);
        }
    }
    Ok(Term::boxed(p))
}

/// Words a flat map of `n` keys takes (keys tuple included).
pub const fn flatmap_total_words(n: u32) -> u32 {
    3 + n + 1 + n
}

/// Builds a HAMT map from unique keys.
pub fn hashmap(a: &mut dyn Alloc, pairs: &[(Term, Term)]) -> Result<Term, HeapError> {
    let hashed: Vec<(Term, Term)> = pairs.to_vec();
    build_node(a, &hashed, 0, true, pairs.len() as u32)
}

fn slot(key: Term, level: u32) -> u32 {
    let h = hash(key, level / 8);
    (h >> (4 * (level % 8))) & 0xF
}

fn build_node(
    a: &mut dyn Alloc,
    pairs: &[(Term, Term)],
    level: u32,
    head: bool,
    size: u32,
) -> Result<Term, HeapError> {
    let mut buckets: [Vec<(Term, Term)>; 16] = Default::default();
    for &(k, v) in pairs {
        buckets[slot(k, level) as usize].push((k, v));
    }
    let mut bitmap = 0u32;
    let mut entries = Vec::new();
    for (i, b) in buckets.iter().enumerate() {
        if b.is_empty() {
            continue;
        }
        bitmap |= 1 << i;
        entries.push(if b.len() == 1 {
            construct::cons(a, b[0].0, b[0].1)?
        } else {
            if level >= 64 {
                // 8 salts of 32 bits each still collide: keys are not unique.
                return Err(HeapError::Stack("hashmap: duplicate keys"));
            }
            build_node(a, b, level + 1, false, 0)?
        });
    }
    let n = entries.len() as u32;
    let (hdr, extra) = if head && bitmap == 0xFFFF {
        (
            Term::map_header(MAP_HEADER_TAG_HAMT_HEAD_ARRAY, 1, 0xFFFF),
            1,
        )
    } else if head {
        (
            Term::map_header(MAP_HEADER_TAG_HAMT_HEAD_BITMAP, 1, bitmap),
            1,
        )
    } else {
        (
            Term::map_header(MAP_HEADER_TAG_HAMT_NODE_BITMAP, 0, bitmap),
            0,
        )
    };
    let p = a.alloc(1 + extra + n)?;
    // SAFETY: fresh allocation of 1 + extra + n words.
    unsafe {
        mem::raw_write(p, hdr.0);
        if extra == 1 {
            mem::raw_write(p + 4, size);
        }
        for (i, e) in entries.iter().enumerate() {
            mem::raw_write(p + 4 * (1 + extra + i as u32), e.0);
        }
    }
    Ok(Term::boxed(p))
}

/// Number of keys of a map of either representation.
pub fn size(m: Term) -> Option<u32> {
    let h = Term(mem::read(m.ptr())?);
    (m.is_boxed() && h.boxed_kind() == BoxedKind::Map).then_some(())?;
    match h.map_type() {
        MAP_HEADER_TAG_HAMT_NODE_BITMAP => None,
        _ => mem::read(m.ptr() + 4),
    }
}

/// Whether `m` is a flat map (`Some(false)` for a HAMT, `None` for a non-map).
pub fn is_flat(m: Term) -> Option<bool> {
    let h = Term(mem::read(m.ptr())?);
    (m.is_boxed() && h.boxed_kind() == BoxedKind::Map).then_some(())?;
    Some(h.map_type() == MAP_HEADER_TAG_FLATMAP_HEAD)
}

/// All `(key, value)` pairs (flat: in key order; HAMT: in trie order).
pub fn entries(m: Term) -> Option<Vec<(Term, Term)>> {
    let mut out = Vec::new();
    collect(m, &mut out)?;
    Some(out)
}

fn collect(m: Term, out: &mut Vec<(Term, Term)>) -> Option<()> {
    if m.is_list() {
        out.push((construct::head(m)?, construct::tail(m)?));
        return Some(());
    }
    let p = m.ptr();
    let h = Term(mem::read(p)?);
    (m.is_boxed() && h.boxed_kind() == BoxedKind::Map).then_some(())?;
    match h.map_type() {
        MAP_HEADER_TAG_FLATMAP_HEAD => {
            let n = mem::read(p + 4)?;
            let keys = Term(mem::read(p + 8)?);
            for i in 0..n {
                out.push((
                    construct::tuple_get(keys, i)?,
                    Term(mem::read(p + 12 + 4 * i)?),
                ));
            }
        }
        t => {
            let first = if t == MAP_HEADER_TAG_HAMT_NODE_BITMAP {
                1
            } else {
                2
            };
            let n = h.map_val().count_ones();
            for i in 0..n {
                collect(Term(mem::read(p + 4 * (first + i))?), out)?;
            }
        }
    }
    Some(())
}

/// A structural hash of a term: equal for structurally equal terms wherever they live.
/// (Exact equality: `1` and `1.0` hash differently, as map keys must.)
pub fn hash(t: Term, salt: u32) -> u32 {
    let mut h: u32 = 0x811C_9DC5 ^ salt.wrapping_mul(0x9E37_79B9);
    let mut mix = |x: u32| {
        h = (h ^ x).wrapping_mul(0x0100_0193);
        h ^= h >> 15;
    };
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        if t.is_immed() {
            mix(t.0);
        } else if t.is_list() {
            mix(1);
            if let (Some(hd), Some(tl)) = (construct::head(t), construct::tail(t)) {
                stack.push(tl);
                stack.push(hd);
            }
        } else if let Some(kind) = construct::boxed_kind(t) {
            mix(2 + kind as u32);
            match kind {
                BoxedKind::Tuple | BoxedKind::Map | BoxedKind::Fun => {
                    let sub = match kind {
                        BoxedKind::Tuple => construct::tuple_elements(t).unwrap_or_default(),
                        BoxedKind::Fun => construct::fun_parts(t).map(|f| f.3).unwrap_or_default(),
                        _ => entries(t)
                            .unwrap_or_default()
                            .into_iter()
                            .flat_map(|(k, v)| [k, v])
                            .collect(),
                    };
                    mix(sub.len() as u32);
                    stack.extend(sub.into_iter().rev());
                }
                BoxedKind::Float => {
                    let b = construct::float_value(t).unwrap_or(0.0).to_bits();
                    mix(b as u32);
                    mix((b >> 32) as u32);
                }
                BoxedKind::PosBig | BoxedKind::NegBig => {
                    for d in bignum::value(t).unwrap_or_default().to_u32_digits().1 {
                        mix(d);
                    }
                }
                BoxedKind::HeapBinary | BoxedKind::RefcBinary | BoxedKind::SubBinary => {
                    for b in binary::bytes(t).unwrap_or_default() {
                        mix(b as u32);
                    }
                }
                _ => {
                    let hdr = mem::read(t.ptr()).map(Term).unwrap_or_default();
                    for i in 1..=hdr.header_arity() {
                        mix(mem::read(t.ptr() + 4 * i).unwrap_or(0));
                    }
                }
            }
        }
    }
    h
}
