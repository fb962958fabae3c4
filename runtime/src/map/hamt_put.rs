//! `put` into a HAMT map: one walk down the key's path, then one allocation for every node
//! the update writes (the copied path, the new leaf, and the nodes that split a leaf).
//!
//! A path copy made node by node took an `Alloc` call (a dynamic call into the BIF's heap)
//! per level and re-read each old node through checked reads: about 900 instructions per
//! put of a 10,000-key map natively. Here each old node is range-checked once where it is
//! first met, and the new nodes are written top-down into the one block.

use super::{
    collision_node, nibble, node_at, node_with_header, not_a_map, popcount16, same_key, MapError,
    NodeAt, COLLISION_LEVEL,
};
use crate::construct;
use crate::heap::Alloc;
use crate::mem;
use crate::ops::compare::compare_exact;
use crate::ops::ihash::internal_hash;
use crate::term::*;
use std::cmp::Ordering;

/// What the walk found at the end of the key's path.
enum Bottom {
    /// No child in the slot: a new leaf goes in at the last node's position.
    Insert,
    /// A leaf with an equal key: a new leaf replaces it.
    Replace,
    /// A leaf with another key (`k`, hash `kh`): a subtree holding both leaves replaces it.
    Split { leaf: Term, k: Term, kh: u32 },
    /// A collision node's replacement (built apart: practically never happens), and
    /// whether it holds one more key.
    Collision(Term, bool),
}

/// `m` (a HAMT head, header `head` read with a checked read) with `key => value`; `m`
/// itself when `key` already maps to `value` (the same word).
pub(super) fn put(
    a: &mut dyn Alloc,
    m: Term,
    head: Term,
    key: Term,
    value: Term,
) -> Result<Term, MapError> {
    let hash = internal_hash(key)?;
    // The nodes on the path (checked by `node_at` on the way down, decoded again from
    // their headers on the way back: an array of `NodeAt`s cost a `memset` call per put)
    // and the child position taken in each.
    let mut path = [0u32; COLLISION_LEVEL as usize];
    let mut idxs = [0u32; COLLISION_LEVEL as usize];
    let mut depth = 0usize;
    // Words of the copied path, counted on the way down.
    let mut words = 0;
    let mut node = m;
    let bottom = loop {
        if depth as u32 >= COLLISION_LEVEL {
            let (t, grew) = put_collision(a, node, key, value)?;
            break Bottom::Collision(t, grew);
        }
        let o = if depth == 0 {
            // The head, whose header the caller has read.
            if head.map_type() == MAP_HEADER_TAG_HAMT_NODE_BITMAP {
                // An inner node is not a map.
                return Err(MapError::NotAMap);
            }
            node_with_header(m.ptr(), head)
        } else {
            node_at(node)
        }
        .ok_or_else(not_a_map)?;
        let bit = 1 << nibble(hash, depth as u32);
        let idx = popcount16(o.bitmap & (bit - 1));
        path[depth] = o.p;
        words += o.first + o.n;
        idxs[depth] = idx;
        depth += 1;
        if o.bitmap & bit == 0 {
            break Bottom::Insert;
        }
        // SAFETY: `idx` < `o.n`: the bit is set, so it counts a child `node_at` checked.
        let c = Term(unsafe { mem::raw_read(o.child(idx)) });
        if c.is_list() {
            let (k, v) = leaf(c).ok_or_else(not_a_map)?;
            if same_key(k, key)? {
                if v == value {
                    return Ok(m);
                }
                break Bottom::Replace;
            }
            break Bottom::Split {
                leaf: c,
                k,
                kh: internal_hash(k)?,
            };
        }
        node = c;
    };
    let grew = match bottom {
        Bottom::Insert | Bottom::Split { .. } => true,
        Bottom::Replace => false,
        Bottom::Collision(_, grew) => grew,
    };
    // Levels below the last path node that the two hashes of a split still share: each
    // is a one-child node; then a two-child node, or a collision node of two leaves.
    let shared = match bottom {
        Bottom::Split { kh, .. } => (depth as u32..COLLISION_LEVEL)
            .take_while(|&l| nibble(kh, l) == nibble(hash, l))
            .count() as u32,
        _ => 0,
    };
    let path = &path[..depth];
    words += match bottom {
        Bottom::Insert => 1 + 2,
        Bottom::Replace => 2,
        Bottom::Split { .. } => 2 + 2 * shared + 3,
        Bottom::Collision(..) => 0,
    };
    let base = a.alloc(words)?;
    let mut at = base;
    // SAFETY: `base` is a fresh allocation of `words` words, which the writes below fill
    // exactly; the old nodes' words (a head's size word, `o.n` children) were range
    // checked by `node_at`.
    unsafe {
        for (d, &p) in path.iter().enumerate() {
            let o = NodeAt::decode(p, Term(mem::raw_read(p)));
            let last = d + 1 == path.len();
            let ins = u32::from(last && matches!(bottom, Bottom::Insert));
            let bitmap = if ins == 1 {
                o.bitmap | 1 << nibble(hash, d as u32)
            } else {
                o.bitmap
            };
            let hdr = if d > 0 {
                Term::map_header(MAP_HEADER_TAG_HAMT_NODE_BITMAP, 0, bitmap)
            } else if bitmap == 0xFFFF {
                Term::map_header(MAP_HEADER_TAG_HAMT_HEAD_ARRAY, 1, 0xFFFF)
            } else {
                Term::map_header(MAP_HEADER_TAG_HAMT_HEAD_BITMAP, 1, bitmap)
            };
            mem::raw_write(at, hdr.0);
            if d == 0 {
                // The size word, within the head that `node_at` checked.
                mem::raw_write(at + 4, mem::raw_read(p + 4) + u32::from(grew));
            }
            let dst = at + 4 * o.first;
            let idx = idxs[d];
            mem::raw_copy(o.child(0), dst, idx);
            let rest = o.n - idx - (1 - ins);
            mem::raw_copy(o.child(o.n - rest), dst + 4 * (idx + 1), rest);
            let next = dst + 4 * (o.n + ins);
            // The child on the path: the next node, written just after this one.
            let c = match (last, &bottom) {
                (false, _) => Term::boxed(next),
                (true, Bottom::Collision(t, _)) => *t,
                (true, Bottom::Insert | Bottom::Replace) => write_leaf(next, key, value),
                (true, Bottom::Split { leaf, k, kh }) => {
                    let new = write_leaf(next, key, value);
                    write_split(
                        next + 8,
                        depth as u32,
                        shared,
                        (*kh, *k, *leaf),
                        (hash, key, new),
                    )?
                }
            };
            mem::raw_write(dst + 4 * idx, c.0);
            at = next;
        }
    }
    Ok(Term::boxed(base))
}

/// A leaf's key and value, read with one range check.
#[inline]
pub(super) fn leaf(c: Term) -> Option<(Term, Term)> {
    let p = c.ptr();
    if !crate::arena::contains(p, 8) {
        return None;
    }
    // SAFETY: two aligned words at `p` are registered guest memory (checked above).
    unsafe { Some((Term(mem::raw_read(p)), Term(mem::raw_read(p + 4)))) }
}

/// Writes the leaf `[key|value]` at `p`.
///
/// # Safety
/// `p` must be two free words of a fresh allocation.
#[inline]
unsafe fn write_leaf(p: u32, key: Term, value: Term) -> Term {
    // SAFETY: as documented above.
    unsafe {
        mem::raw_write(p, key.0);
        mem::raw_write(p + 4, value.0);
    }
    Term::list(p)
}

/// Writes, from `p` on, the subtree at `level` holding the leaves `x` and `y` (hash, key,
/// leaf) whose hashes agree on the next `shared` levels: `shared` one-child nodes, then a
/// node of two children (2 × `shared` + 3 words). Returns its root.
///
/// # Safety
/// `p` must be 2 × `shared` + 3 free words of a fresh allocation.
unsafe fn write_split(
    p: u32,
    level: u32,
    shared: u32,
    x: (u32, Term, Term),
    y: (u32, Term, Term),
) -> Result<Term, MapError> {
    let mut at = p;
    for l in level..level + shared {
        let hdr = Term::map_header(MAP_HEADER_TAG_HAMT_NODE_BITMAP, 0, 1 << nibble(y.0, l));
        // SAFETY: inside the words documented above.
        unsafe {
            mem::raw_write(at, hdr.0);
            mem::raw_write(at + 4, Term::boxed(at + 8).0);
        }
        at += 8;
    }
    let l = level + shared;
    let (bitmap, first, second) = if l >= COLLISION_LEVEL {
        // All 32 bits agree: a collision node, leaves in key order.
        let (a, b) = match compare_exact(x.1, y.1)? {
            Ordering::Less => (x.2, y.2),
            _ => (y.2, x.2),
        };
        (0b11, a, b)
    } else {
        let (sx, sy) = (nibble(x.0, l), nibble(y.0, l));
        let (a, b) = if sx < sy { (x.2, y.2) } else { (y.2, x.2) };
        (1 << sx | 1 << sy, a, b)
    };
    // SAFETY: the last three of the words documented above.
    unsafe {
        mem::raw_write(
            at,
            Term::map_header(MAP_HEADER_TAG_HAMT_NODE_BITMAP, 0, bitmap).0,
        );
        mem::raw_write(at + 4, first.0);
        mem::raw_write(at + 8, second.0);
    }
    Ok(Term::boxed(p))
}

/// `put` in a collision node (all 32 hash bits used up): leaves kept in key order.
fn put_collision(
    a: &mut dyn Alloc,
    node: Term,
    key: Term,
    value: Term,
) -> Result<(Term, bool), MapError> {
    let n = super::read_node(node).ok_or_else(not_a_map)?;
    let mut leaves = n.children;
    for l in leaves.iter_mut() {
        if super::leaf_value(*l, key)?.is_some() {
            *l = construct::cons(a, key, value)?;
            return Ok((collision_node(a, &leaves)?, false));
        }
    }
    let mut pos = leaves.len();
    for (i, l) in leaves.iter().enumerate() {
        let k = construct::head(*l).ok_or_else(not_a_map)?;
        if compare_exact(key, k)? == Ordering::Less {
            pos = i;
            break;
        }
    }
    leaves.insert(pos, construct::cons(a, key, value)?);
    Ok((collision_node(a, &leaves)?, true))
}
