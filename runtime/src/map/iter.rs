//! Iteration in batches (`maps:iterator/1`, `maps:next/1`, `maps:fold/3` through
//! `erts_internal:map_next/3`): a path names where a batch starts.

use super::hamt_put::leaf;
use super::{flat_parts, header, node_at, not_a_map, MapError, NodeAt};
use crate::construct;
use crate::mem;
use crate::term::*;

/// A batch of entries and the path of the next one (`None` at the end).
pub type Batch = (Vec<(Term, Term)>, Option<u64>);

/// A node on the walk's stack: where its children start and how many there are.
#[derive(Clone, Copy)]
struct Level {
    children: u32,
    n: u32,
}

impl Level {
    fn of(o: &NodeAt) -> Level {
        Level {
            children: o.child(0),
            n: o.n,
        }
    }
}

/// Levels of a HAMT: 0 to 7 by hash bits, 8 for collision nodes.
const LEVELS: usize = 9;

/// Up to `max` entries in iteration order starting at `path`, and the path of the entry
/// after them (`None` at the end). A path is OTP-like: the child position (not the slot)
/// taken at each level, 4 bits per level from the least significant end, with the
/// positions below the leaf zero; 0 is the first entry. For a flat map the path is the
/// entry index.
///
/// The walk keeps the nodes from the head to the current leaf on a fixed stack, each
/// range-checked once when first met, so a step to the next leaf is a few raw reads
/// (a growable stack and a checked read of the header and the child at every step cost
/// about 150 instructions an entry natively).
pub fn iterate(m: Term, path: u64, max: usize) -> Result<Batch, MapError> {
    let h = header(m).ok_or_else(not_a_map)?;
    if h.map_type() == MAP_HEADER_TAG_FLATMAP_HEAD {
        let (n, keys, vals) = flat_parts(m).ok_or_else(not_a_map)?;
        let mut out = Vec::new();
        let end = (path.min(n as u64) as u32 + max as u32).min(n);
        for i in path.min(n as u64) as u32..end {
            out.push((
                construct::tuple_get(keys, i).ok_or_else(not_a_map)?,
                Term(mem::read(vals + 4 * i).ok_or_else(not_a_map)?),
            ));
        }
        return Ok((out, (end < n).then_some(end as u64)));
    }
    let size = super::size(m).ok_or_else(not_a_map)? as usize;
    let mut out = Vec::with_capacity(max.min(size));
    // The nodes from the head down to the current leaf, with the position taken in each.
    let mut stack = [(Level { children: 0, n: 0 }, 0u32); LEVELS];
    let mut depth = 0;
    let mut t = m;
    loop {
        if depth == LEVELS {
            return Err(MapError::NotAMap);
        }
        let o = node_at(t).ok_or_else(not_a_map)?;
        let pos = ((path >> (4 * depth)) & 0xF) as u32;
        if pos >= o.n {
            return Err(MapError::NotAMap);
        }
        stack[depth] = (Level::of(&o), pos);
        depth += 1;
        // SAFETY: `pos` < `o.n`, a child `node_at` checked.
        let c = Term(unsafe { mem::raw_read(o.child(pos)) });
        if c.is_list() {
            break;
        }
        t = c;
    }
    loop {
        // The top of the stack points at a leaf: take it.
        let (o, pos) = stack[depth - 1];
        // SAFETY: positions on the stack are below their node's child count.
        let c = Term(unsafe { mem::raw_read(o.children + 4 * pos) });
        out.push(leaf(c).ok_or_else(not_a_map)?);
        // Advance to the next leaf: step right, climbing while a node is exhausted.
        loop {
            let top = &mut stack[depth - 1];
            top.1 += 1;
            if top.1 < top.0.n {
                break;
            }
            depth -= 1;
            if depth == 0 {
                return Ok((out, None));
            }
        }
        // Descend to the leftmost leaf under the new position.
        loop {
            let (o, pos) = stack[depth - 1];
            // SAFETY: as above.
            let c = Term(unsafe { mem::raw_read(o.children + 4 * pos) });
            if c.is_list() {
                break;
            }
            if depth == LEVELS {
                return Err(MapError::NotAMap);
            }
            let o = node_at(c).ok_or_else(not_a_map)?;
            if o.n == 0 {
                return Err(MapError::NotAMap);
            }
            stack[depth] = (Level::of(&o), 0);
            depth += 1;
        }
        if out.len() >= max {
            let path = stack[..depth]
                .iter()
                .enumerate()
                .fold(0u64, |p, (l, &(_, pos))| p | (pos as u64) << (4 * l));
            return Ok((out, Some(path)));
        }
    }
}
