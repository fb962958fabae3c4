//! Maps as OTP 25 has them (erl_map.c, erl_map.h; layouts in docs/terms.md):
//!
//! - flat map (≤ 32 keys): `header`, size, keys tuple, values — keys in term order;
//! - HAMT (hash array mapped trie, larger maps): a head node (bitmap, or a full array of
//!   16) with the map size, inner bitmap nodes, and leaves that are cons cells `[Key|Value]`.
//!   Level `l` (0..8) indexes a node's children by bits `4l..4l+4` of the key's internal
//!   hash ([`crate::ops::ihash`], OTP's `make_internal_hash`), children in slot order.
//!   Keys whose 32 hash bits all agree meet in a collision node at level 8: a bitmap node
//!   whose children are leaves in key order (OTP 25 would rehash with a salt there; such
//!   keys are practically never seen, and only their relative order could differ).
//!
//! Because keys are placed by OTP's hash in OTP's layout, a depth-first walk in slot order
//! is erl's iteration order (`maps:iterator/1`, `maps:fold/3`, `~p`), and its reverse is
//! erl's `maps:to_list/1` order. Updates copy the path from the head to the changed leaf
//! (O(log n) words); lookups walk one path.
//!
//! Flat maps of up to 32 keys stay flat; a put that makes the 33rd key converts to a HAMT,
//! a removal that leaves 32 converts back (as OTP does).

use crate::construct::{self, tuple};
use crate::heap::{Alloc, HeapError};
use crate::mem;
use crate::ops::compare::{compare_exact, exact_eq};
use crate::ops::ihash::internal_hash;
use crate::ops::TermError;
use crate::term::*;
use std::cmp::Ordering;

mod hamt_put;

/// Why a map operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error(transparent)]
    Heap(#[from] HeapError),
    #[error(transparent)]
    Term(#[from] TermError),
    #[error("map: not a map or unreadable map node")]
    NotAMap,
    #[error("map: more than 16 keys share all 32 hash bits")]
    Collisions,
}

/// The error for a term that is not a map, made only when needed: `ok_or(MapError::NotAMap)`
/// builds the error before the test and then drops it (a call into its drop glue, since
/// a `MapError` may hold an I/O error) on every successful read: about 60 instructions
/// per `maps:put` natively.
#[inline]
fn not_a_map() -> MapError {
    MapError::NotAMap
}

/// The level of collision nodes (all 32 hash bits used).
const COLLISION_LEVEL: u32 = 8;

/// Bits set in a HAMT bitmap (16 bits): two table lookups. ARMv7 without NEON has no
/// population-count instruction, and `count_ones` is a 14-instruction bit twiddle there,
/// two or three times per level of every put, get and collected node.
#[inline]
pub fn popcount16(x: u32) -> u32 {
    debug_assert!(x <= 0xffff, "a HAMT bitmap has 16 bits: {x:#x}");
    POP8[(x & 0xff) as usize] as u32 + POP8[((x >> 8) & 0xff) as usize] as u32
}

/// Bits set in each byte value.
static POP8: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u32).count_ones() as u8;
        i += 1;
    }
    t
};

/// Builds a flat map. `keys` must be unique and in term order; at most 32.
pub fn flatmap(a: &mut dyn Alloc, keys: &[Term], values: &[Term]) -> Result<Term, HeapError> {
    assert_eq!(
        keys.len(),
        values.len(),
        "flatmap: keys and values differ in length"
    );
    let kt = tuple(a, keys)?;
    flatmap_with_keys(a, kt, values)
}

fn flatmap_with_keys(a: &mut dyn Alloc, kt: Term, values: &[Term]) -> Result<Term, HeapError> {
    let n = values.len() as u32;
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

/// Builds a HAMT map from unique keys (any order).
pub fn hashmap(a: &mut dyn Alloc, pairs: &[(Term, Term)]) -> Result<Term, HeapError> {
    let mut hashed = Vec::with_capacity(pairs.len());
    for &(k, v) in pairs {
        let h = internal_hash(k).map_err(|_| HeapError::Stack("hashmap: unreadable key"))?;
        hashed.push((h, k, v));
    }
    build_node(a, &mut hashed, 0, Some(pairs.len() as u32)).map_err(|e| match e {
        MapError::Heap(h) => h,
        _ => HeapError::Stack("hashmap: keys are not unique or collide too much"),
    })
}

/// Builds the node for `pairs` (all in one subtree) at `level`; `size` for a head node.
fn build_node(
    a: &mut dyn Alloc,
    pairs: &mut [(u32, Term, Term)],
    level: u32,
    size: Option<u32>,
) -> Result<Term, MapError> {
    if level >= COLLISION_LEVEL {
        let mut err = None;
        pairs.sort_by(|x, y| {
            compare_exact(x.1, y.1).unwrap_or_else(|e| {
                err.get_or_insert(e);
                Ordering::Equal
            })
        });
        if let Some(e) = err {
            return Err(e.into());
        }
        let mut leaves = Vec::with_capacity(pairs.len());
        for &(_, k, v) in pairs.iter() {
            leaves.push(construct::cons(a, k, v)?);
        }
        return collision_node(a, &leaves);
    }
    pairs.sort_by_key(|p| nibble(p.0, level));
    let mut children = Vec::new();
    let mut bitmap = 0u32;
    let mut i = 0;
    while i < pairs.len() {
        let s = nibble(pairs[i].0, level);
        let j = i + pairs[i..]
            .iter()
            .take_while(|p| nibble(p.0, level) == s)
            .count();
        bitmap |= 1 << s;
        children.push(if j - i == 1 {
            construct::cons(a, pairs[i].1, pairs[i].2)?
        } else {
            build_node(a, &mut pairs[i..j], level + 1, None)?
        });
        i = j;
    }
    Ok(node(a, bitmap, &children, size)?)
}

fn collision_node(a: &mut dyn Alloc, leaves: &[Term]) -> Result<Term, MapError> {
    if leaves.len() > 16 {
        return Err(MapError::Collisions);
    }
    Ok(node(a, (1u32 << leaves.len()) - 1, leaves, None)?)
}

#[inline]
fn nibble(h: u32, level: u32) -> u32 {
    (h >> (4 * level)) & 0xF
}

/// Writes a HAMT node: a head (with `size`) or an inner bitmap node.
fn node(
    a: &mut dyn Alloc,
    bitmap: u32,
    children: &[Term],
    size: Option<u32>,
) -> Result<Term, HeapError> {
    let (hdr, extra) = match size {
        Some(_) if bitmap == 0xFFFF => (
            Term::map_header(MAP_HEADER_TAG_HAMT_HEAD_ARRAY, 1, 0xFFFF),
            1,
        ),
        Some(_) => (
            Term::map_header(MAP_HEADER_TAG_HAMT_HEAD_BITMAP, 1, bitmap),
            1,
        ),
        None => (
            Term::map_header(MAP_HEADER_TAG_HAMT_NODE_BITMAP, 0, bitmap),
            0,
        ),
    };
    let n = children.len() as u32;
    let p = a.alloc(1 + extra + n)?;
    // SAFETY: fresh allocation of 1 + extra + n words.
    unsafe {
        mem::raw_write(p, hdr.0);
        if let Some(s) = size {
            mem::raw_write(p + 4, s);
        }
        for (i, e) in children.iter().enumerate() {
            mem::raw_write(p + 4 * (1 + extra + i as u32), e.0);
        }
    }
    Ok(Term::boxed(p))
}

/// A HAMT node as read from memory.
/// A node's children: a bitmap node has at most 16, kept inline so walking or
/// path-copying a node allocates nothing (collision nodes may spill).
type Children = smallvec::SmallVec<[Term; 16]>;

struct Node {
    bitmap: u32,
    children: Children,
}

fn read_node(t: Term) -> Option<Node> {
    let o = node_at(t)?;
    // One range check (in `node_at`) and one copy: collecting `n` checked reads through
    // an iterator of options cost about 30 instructions a child natively (a fifth of a
    // 10,000-key maps:put workload).
    // SAFETY: `node_at` checked that the node's `n` aligned children from `child(0)` lie
    // in registered guest memory; `Term` is a transparent `u32`.
    let words =
        unsafe { std::slice::from_raw_parts(o.child(0) as usize as *const Term, o.n as usize) };
    Some(Node {
        bitmap: o.bitmap,
        children: Children::from_slice(words),
    })
}

#[inline]
fn header(m: Term) -> Option<Term> {
    if !m.is_boxed() {
        return None;
    }
    let h = Term(mem::read(m.ptr())?);
    (h.boxed_kind() == BoxedKind::Map).then_some(h)
}

/// Number of keys of a map of either representation.
pub fn size(m: Term) -> Option<u32> {
    match header(m)?.map_type() {
        MAP_HEADER_TAG_HAMT_NODE_BITMAP => None,
        _ => mem::read(m.ptr() + 4),
    }
}

/// Whether `m` is a flat map (`Some(false)` for a HAMT, `None` for a non-map).
pub fn is_flat(m: Term) -> Option<bool> {
    Some(header(m)?.map_type() == MAP_HEADER_TAG_FLATMAP_HEAD)
}

/// The keys tuple and the address of the first value of a flat map.
fn flat_parts(m: Term) -> Option<(u32, Term, u32)> {
    let p = m.ptr();
    Some((mem::read(p + 4)?, Term(mem::read(p + 8)?), p + 12))
}

/// All `(key, value)` pairs in erl's iteration order (flat: key order; HAMT: trie order).
pub fn entries(m: Term) -> Option<Vec<(Term, Term)>> {
    let mut out = Vec::with_capacity(size(m)? as usize);
    collect(m, &mut out)?;
    Some(out)
}

fn collect(m: Term, out: &mut Vec<(Term, Term)>) -> Option<()> {
    if m.is_list() {
        out.push((construct::head(m)?, construct::tail(m)?));
        return Some(());
    }
    if header(m)?.map_type() == MAP_HEADER_TAG_FLATMAP_HEAD {
        let (n, keys, vals) = flat_parts(m)?;
        for i in 0..n {
            out.push((
                construct::tuple_get(keys, i)?,
                Term(mem::read(vals + 4 * i)?),
            ));
        }
        return Some(());
    }
    for c in read_node(m)?.children {
        collect(c, out)?;
    }
    Some(())
}

/// The value of `key` (`=:=` on keys), if any; `Err` for a non-map.
pub fn get(m: Term, key: Term) -> Result<Option<Term>, MapError> {
    let h = header(m).ok_or_else(not_a_map)?;
    if h.map_type() == MAP_HEADER_TAG_FLATMAP_HEAD {
        let (n, keys, vals) = flat_parts(m).ok_or_else(not_a_map)?;
        for i in 0..n {
            let k = construct::tuple_get(keys, i).ok_or_else(not_a_map)?;
            if same_key(k, key)? {
                return Ok(mem::read(vals + 4 * i).map(Term));
            }
        }
        return Ok(None);
    }
    if h.map_type() == MAP_HEADER_TAG_HAMT_NODE_BITMAP {
        // An inner node is not a map.
        return Err(MapError::NotAMap);
    }
    let hash = internal_hash(key)?;
    // The head's header was read above: check the rest of the head and start there.
    let mut o = node_with_header(m.ptr(), h).ok_or_else(not_a_map)?;
    for level in 0..COLLISION_LEVEL {
        // One range check per node, then raw reads of its words.
        let bit = 1 << nibble(hash, level);
        if o.bitmap & bit == 0 {
            return Ok(None);
        }
        // SAFETY: the bit is set, so the position counts a child `node_at` checked.
        let c = Term(unsafe { mem::raw_read(o.child(popcount16(o.bitmap & (bit - 1)))) });
        if c.is_list() {
            let (k, v) = hamt_put::leaf(c).ok_or_else(not_a_map)?;
            return Ok(same_key(k, key)?.then_some(v));
        }
        o = node_at(c).ok_or_else(not_a_map)?;
    }
    // A collision node: scan its leaves.
    for i in 0..o.n {
        // SAFETY: `i` < `o.n`, a child `node_at` checked.
        let leaf = Term(unsafe { mem::raw_read(o.child(i)) });
        if let Some(v) = leaf_value(leaf, key)? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// Whether a key found in a map is `key` (`=:=`): without a call to the comparison when
/// either is an immediate, which is `=:=` only to the very same word (an integer is a
/// small exactly when it fits one).
#[inline]
fn same_key(k: Term, key: Term) -> Result<bool, TermError> {
    if k == key {
        return Ok(true);
    }
    if k.is_immed() || key.is_immed() {
        return Ok(false);
    }
    exact_eq(k, key)
}

fn leaf_value(leaf: Term, key: Term) -> Result<Option<Term>, MapError> {
    let (k, v) = (
        construct::head(leaf).ok_or_else(not_a_map)?,
        construct::tail(leaf).ok_or_else(not_a_map)?,
    );
    Ok((k == key || exact_eq(k, key)?).then_some(v))
}

/// Builds a map from `pairs` (a later pair wins over an earlier one with an equal key),
/// flat or HAMT by size as OTP does.
pub fn from_pairs(a: &mut dyn Alloc, pairs: &[(Term, Term)]) -> Result<Term, MapError> {
    let mut err = None;
    let mut v: Vec<(usize, Term, Term)> = pairs
        .iter()
        .enumerate()
        .map(|(i, &(k, v))| (i, k, v))
        .collect();
    // Sort by key (stable on position), keep the last of each run of equal keys.
    v.sort_by(|x, y| {
        compare_exact(x.1, y.1)
            .unwrap_or_else(|e| {
                err.get_or_insert(e);
                Ordering::Equal
            })
            .then(x.0.cmp(&y.0))
    });
    if let Some(e) = err {
        return Err(e.into());
    }
    let mut uniq: Vec<(Term, Term)> = Vec::with_capacity(v.len());
    for (_, k, val) in v {
        match uniq.last_mut() {
            // The later pair's key too (`0.0` vs `-0.0`), as erl's from_list keeps it.
            Some(last) if exact_eq(last.0, k)? => *last = (k, val),
            _ => uniq.push((k, val)),
        }
    }
    if uniq.len() <= MAP_SMALL_MAP_LIMIT {
        let (ks, vs): (Vec<Term>, Vec<Term>) = uniq.into_iter().unzip();
        Ok(flatmap(a, &ks, &vs)?)
    } else {
        Ok(hashmap(a, &uniq)?)
    }
}

/// `m` with `key` set to `value` (`maps:put/3`, `#{K => V}`).
pub fn put(a: &mut dyn Alloc, m: Term, key: Term, value: Term) -> Result<Term, MapError> {
    let h = header(m).ok_or_else(not_a_map)?;
    if h.map_type() != MAP_HEADER_TAG_FLATMAP_HEAD {
        return hamt_put::put(a, m, h, key, value);
    }
    let (n, keys, vals) = flat_parts(m).ok_or_else(not_a_map)?;
    let mut ks = Vec::with_capacity(n as usize + 1);
    let mut vs = Vec::with_capacity(n as usize + 1);
    let mut at = None;
    for i in 0..n {
        let k = construct::tuple_get(keys, i).ok_or_else(not_a_map)?;
        let v = Term(mem::read(vals + 4 * i).ok_or_else(not_a_map)?);
        if at.is_none() {
            match compare_exact(k, key)? {
                Ordering::Less => {}
                Ordering::Equal => {
                    // Same key set: share the keys tuple.
                    let mut vs: Vec<Term> = (0..n)
                        .map(|j| mem::read(vals + 4 * j).map(Term))
                        .collect::<Option<_>>()
                        .ok_or_else(not_a_map)?;
                    if vs[i as usize] == value {
                        return Ok(m);
                    }
                    vs[i as usize] = value;
                    return Ok(flatmap_with_keys(a, keys, &vs)?);
                }
                Ordering::Greater => {
                    at = Some(i);
                    ks.push(key);
                    vs.push(value);
                }
            }
        }
        ks.push(k);
        vs.push(v);
    }
    if at.is_none() {
        ks.push(key);
        vs.push(value);
    }
    if ks.len() <= MAP_SMALL_MAP_LIMIT {
        Ok(flatmap(a, &ks, &vs)?)
    } else {
        let pairs: Vec<(Term, Term)> = ks.into_iter().zip(vs).collect();
        Ok(hashmap(a, &pairs)?)
    }
}

/// A bitmap or head node where it lies: its children are `n` words from `child(0)`,
/// checked once to be in guest memory, so path copying reads them in place.
#[derive(Clone, Copy)]
struct NodeAt {
    p: u32,
    first: u32,
    bitmap: u32,
    n: u32,
}

impl NodeAt {
    /// The node at `p` with header `h` (a head or bitmap node), not range checked.
    #[inline]
    fn decode(p: u32, h: Term) -> NodeAt {
        let first = if h.map_type() == MAP_HEADER_TAG_HAMT_NODE_BITMAP {
            1
        } else {
            2
        };
        let bitmap = h.map_val();
        NodeAt {
            p,
            first,
            bitmap,
            n: popcount16(bitmap),
        }
    }

    #[inline]
    fn child(&self, i: u32) -> u32 {
        self.p + 4 * (self.first + i)
    }
}

#[inline]
fn node_at(t: Term) -> Option<NodeAt> {
    if !t.is_boxed() {
        return None;
    }
    let p = t.ptr();
    let h = Term(mem::read(p)?);
    if h.boxed_kind() != BoxedKind::Map || h.map_type() == MAP_HEADER_TAG_FLATMAP_HEAD {
        return None;
    }
    node_with_header(p, h)
}

/// The node at `p` whose header `h` was read with a checked read, once its last word is
/// checked too: a node (at most 18 words) spans at most two pages, the header's and its
/// last word's.
#[inline]
fn node_with_header(p: u32, h: Term) -> Option<NodeAt> {
    let o = NodeAt::decode(p, h);
    crate::arena::contains_word(p + 4 * (o.first + o.n - 1)).then_some(o)
}

fn node_like(
    a: &mut dyn Alloc,
    bitmap: u32,
    children: &[Term],
    size: Option<u32>,
) -> Result<Term, HeapError> {
    node(a, bitmap, children, size)
}

/// `m` without `key` (`maps:remove/2`); `m` itself when the key is absent.
pub fn remove(a: &mut dyn Alloc, m: Term, key: Term) -> Result<Term, MapError> {
    if get(m, key)?.is_none() {
        return Ok(m);
    }
    let size = size(m).ok_or_else(not_a_map)?;
    if is_flat(m) == Some(true) || size - 1 <= MAP_SMALL_MAP_LIMIT as u32 {
        let mut pairs = entries(m).ok_or_else(not_a_map)?;
        let mut err = None;
        pairs.retain(|(k, _)| {
            !(*k == key
                || exact_eq(*k, key).unwrap_or_else(|e| {
                    err.get_or_insert(e);
                    false
                }))
        });
        if let Some(e) = err {
            return Err(e.into());
        }
        return from_pairs(a, &pairs);
    }
    let hash = internal_hash(key)?;
    match remove_node(a, m, 0, hash, key, true)? {
        Removed::Node(t) => {
            // SAFETY: `t` is a head node this call just allocated.
            unsafe { mem::raw_write(t.ptr() + 4, size - 1) };
            Ok(t)
        }
        // A head keeps at least 33 keys here, so it never collapses.
        _ => Err(MapError::NotAMap),
    }
}

enum Removed {
    /// The subtree became empty.
    Empty,
    /// The subtree is now this single leaf (a node is collapsed into its parent's slot).
    Leaf(Term),
    Node(Term),
}

fn remove_node(
    a: &mut dyn Alloc,
    node: Term,
    level: u32,
    hash: u32,
    key: Term,
    head: bool,
) -> Result<Removed, MapError> {
    let n = read_node(node).ok_or_else(not_a_map)?;
    let size = if head {
        Some(size(node).ok_or_else(not_a_map)?)
    } else {
        None
    };
    let mut children = n.children;
    let mut bitmap = n.bitmap;
    if level >= COLLISION_LEVEL {
        let mut keep = Vec::with_capacity(children.len());
        for &l in &children {
            if leaf_value(l, key)?.is_none() {
                keep.push(l);
            }
        }
        return Ok(match keep.len() {
            0 => Removed::Empty,
            1 => Removed::Leaf(keep[0]),
            _ => Removed::Node(collision_node(a, &keep)?),
        });
    }
    let bit = 1 << nibble(hash, level);
    let idx = popcount16(bitmap & (bit - 1)) as usize;
    let c = children[idx];
    let sub = if c.is_list() {
        Removed::Empty
    } else {
        remove_node(a, c, level + 1, hash, key, false)?
    };
    match sub {
        Removed::Empty => {
            children.remove(idx);
            bitmap &= !bit;
        }
        Removed::Leaf(l) => children[idx] = l,
        Removed::Node(t) => children[idx] = t,
    }
    if !head {
        match children.len() {
            0 => return Ok(Removed::Empty),
            1 if children[0].is_list() => return Ok(Removed::Leaf(children[0])),
            _ => {}
        }
    }
    Ok(Removed::Node(node_like(a, bitmap, &children, size)?))
}

mod iter;
pub use iter::{iterate, Batch};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::Fragment;

    /// Keys of several kinds: small integers (the immediate fast paths), bignums, floats
    /// and tuples (compared through `exact_eq`), with `1` and `1.0` both present.
    fn key(a: &mut dyn Alloc, i: u32) -> Term {
        match i % 7 {
            0 => crate::bignum::from_i64(a, (1 << 40) + i as i64).unwrap(),
            1 => construct::float(a, i as f64).unwrap(),
            2 => tuple(a, &[Term::small(i as i64).unwrap(), Term::NIL]).unwrap(),
            _ => Term::small(i as i64).unwrap(),
        }
    }

    /// Puts (and some removals) in random order, with repeated keys and values, agree with
    /// a model: every key's value, the size, and the whole layout (the entries in
    /// iteration order are those of the same pairs built at once, which places each key
    /// by OTP's rules).
    #[test]
    fn puts_agree_with_a_model_and_a_fresh_build() {
        let mut frag = Fragment::new(1 << 22).unwrap();
        let a: &mut dyn Alloc = &mut frag;
        let mut seed = 7u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            seed >> 8
        };
        let keys: Vec<Term> = (0..3000).map(|i| key(a, i)).collect();
        let mut model: Vec<Option<Term>> = vec![None; keys.len()];
        let mut m = flatmap(a, &[], &[]).unwrap();
        for step in 0..6000 {
            let i = (next() as usize) % keys.len().min(40 + step);
            if next() % 8 == 0 {
                // Removals too, across the flat/HAMT boundary.
                m = remove(a, m, keys[i]).unwrap();
                model[i] = None;
                assert_eq!(get(m, keys[i]).unwrap(), None);
                continue;
            }
            let v = Term::small((next() % 5) as i64).unwrap();
            let before = m;
            m = put(a, m, keys[i], v).unwrap();
            if model[i] == Some(v) {
                assert_eq!(m, before, "putting the same value keeps the map");
            }
            model[i] = Some(v);
            let n = model.iter().flatten().count() as u32;
            assert_eq!(size(m), Some(n));
            assert_eq!(get(m, keys[i]).unwrap(), Some(v));
            if step % 500 == 0 || step == 5999 {
                for (k, v) in keys.iter().zip(&model) {
                    assert_eq!(get(m, *k).unwrap(), *v);
                }
                let pairs: Vec<(Term, Term)> = keys
                    .iter()
                    .zip(&model)
                    .filter_map(|(k, v)| v.map(|v| (*k, v)))
                    .collect();
                let fresh = from_pairs(a, &pairs).unwrap();
                let (got, want) = (entries(m).unwrap(), entries(fresh).unwrap());
                assert_eq!(got.len(), want.len());
                for (x, y) in got.iter().zip(&want) {
                    assert!(exact_eq(x.0, y.0).unwrap() && x.1 == y.1, "step {step}");
                }
            }
        }
        assert_eq!(get(m, Term::small(-1).unwrap()).unwrap(), None);
        // Batches of any size, resumed from their paths, give the entries in order.
        let all = entries(m).unwrap();
        for batch in [1, 7, 64, usize::MAX] {
            let (mut got, mut path) = (Vec::new(), Some(0));
            while let Some(p) = path {
                let (b, next) = iterate(m, p, batch).unwrap();
                assert!(b.len() <= batch && !b.is_empty());
                got.extend(b);
                path = next;
            }
            assert_eq!(got, all, "batches of {batch}");
        }
    }
}
