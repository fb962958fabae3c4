//! The `maps` BIFs (OTP implements them in C), `erlang:map_get/2` and friends' helpers,
//! and `erts_internal:map_next/3`; the tables naming them are in `bifs_more`.

use beam_runtime::term::Term;
use beam_runtime::{construct, map};

use crate::bifs::{atom, boolean, error, heap_err, BifCx, Raise};
use crate::bifs_more::{badmap, proper_list};
use crate::rt;

fn entries(m: Term) -> Result<Vec<(Term, Term)>, Raise> {
    map::entries(m).ok_or_else(|| badmap(m))
}

/// `badmap` unless `m` is a map (without reading its entries).
pub(crate) fn check_map(m: Term) -> Result<(), Raise> {
    map::size(m).map(|_| ()).ok_or_else(|| badmap(m))
}

fn map_err(e: map::MapError) -> Raise {
    heap_err(rt::map_heap_err(e))
}

pub(crate) fn maps_get(m: Term, k: Term) -> Result<Term, Raise> {
    // `get` checks that `m` is a map as it reads it: no separate check first.
    match map::get(m, k) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Raise::Tagged(atom("badkey"), k)),
        Err(map::MapError::NotAMap) => Err(badmap(m)),
        Err(e) => Err(map_err(e)),
    }
}

pub(crate) fn is_key(k: Term, m: Term) -> Result<Term, Raise> {
    check_map(m)?;
    Ok(boolean(rt::map_get(m, k).is_some()))
}

pub(crate) fn find(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    check_map(a[1])?;
    match rt::map_get(a[1], a[0]) {
        Some(v) => construct::tuple(&mut c.heap, &[beam_runtime::atom::OK, v]).map_err(heap_err),
        None => Ok(beam_runtime::atom::ERROR),
    }
}

/// `maps:put/3`: `put` checks that the map is one as it reads it.
pub(crate) fn maps_put(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match map::put(&mut c.heap, a[2], a[0], a[1]) {
        Ok(t) => Ok(t),
        Err(map::MapError::NotAMap) => Err(badmap(a[2])),
        Err(e) => Err(map_err(e)),
    }
}

/// `maps:update/3`: `{badkey, K}` when `K` is not there.
pub(crate) fn maps_update(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    maps_get(a[2], a[0])?;
    update(c, a[2], &[(a[0], a[1])], None)
}

/// `maps:take/2`: `{Value, MapWithoutKey}` or `error`.
pub(crate) fn maps_take(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    check_map(a[1])?;
    match rt::map_get(a[1], a[0]) {
        Some(v) => {
            let m = update(c, a[1], &[], Some(a[0]))?;
            construct::tuple(&mut c.heap, &[v, m]).map_err(heap_err)
        }
        None => Ok(atom("error")),
    }
}

/// `maps:from_keys/2`: every key of the list mapped to the value.
pub(crate) fn from_keys(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let keys = proper_list(a[0]).map_err(|_| error("badarg"))?;
    let pairs: Vec<(Term, Term)> = keys.into_iter().map(|k| (k, a[1])).collect();
    map::from_pairs(&mut c.heap, &pairs).map_err(map_err)
}

/// `m` with the pairs of `set` put in order, or without the key `remove` (path copies:
/// O(log n) words per key for a HAMT).
pub(crate) fn update(
    c: &mut BifCx<'_>,
    m: Term,
    set: &[(Term, Term)],
    remove: Option<Term>,
) -> Result<Term, Raise> {
    check_map(m)?;
    let mut t = m;
    if let Some(k) = remove {
        t = map::remove(&mut c.heap, t, k).map_err(map_err)?;
    }
    for &(k, v) in set {
        t = map::put(&mut c.heap, t, k, v).map_err(map_err)?;
    }
    Ok(t)
}

/// `maps:merge/2`: the second map's pairs win, keys included (`0.0` vs `-0.0`).
pub(crate) fn merge(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut all = entries(a[0])?;
    all.extend(entries(a[1])?);
    map::from_pairs(&mut c.heap, &all).map_err(map_err)
}

/// The map's entries in `maps:to_list/keys/values` order: key order for a flat map, the
/// reverse of the iteration (trie) order for a HAMT, as erl gives them.
fn sorted(m: Term) -> Result<Vec<(Term, Term)>, Raise> {
    let mut e = entries(m)?;
    if map::is_flat(m) == Some(false) {
        e.reverse();
    }
    Ok(e)
}

pub(crate) fn listed(
    c: &mut BifCx<'_>,
    m: Term,
    pick: fn(Term, Term) -> Term,
) -> Result<Term, Raise> {
    let v: Vec<Term> = sorted(m)?.into_iter().map(|(k, v)| pick(k, v)).collect();
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

pub(crate) fn to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut v = Vec::new();
    for (k, x) in sorted(a[0])? {
        v.push(construct::tuple(&mut c.heap, &[k, x]).map_err(heap_err)?);
    }
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

pub(crate) fn from_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut pairs = Vec::new();
    for e in proper_list(a[0])? {
        match construct::tuple_elements(e).as_deref() {
            Some(&[k, v]) => pairs.push((k, v)),
            _ => return Err(error("badarg")),
        }
    }
    rt::build_map(&mut c.heap, pairs).map_err(heap_err)
}

/// Entries `maps:next/1` hands out per call of `map_next` (OTP also returns a batch).
const ITER_BATCH: usize = 64;

/// `erts_internal:map_next(Path, Map, iterator)`: up to a batch of entries from `Path` on,
/// nested as `{K1, V1, {K2, V2, ... [Next | Map]}}` (`none` after the last); with a list
/// `Acc`: every entry from `Path` on as `{K, V}`, each pushed onto `Acc`. `Path` is the
/// position of [`map::iterate`] (0 = the first entry), an integer as in OTP.
pub(crate) fn map_next(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let path = match a[0].small_value() {
        Some(i) if i >= 0 => i as u64,
        Some(_) => return Err(error("badarg")),
        None => beam_runtime::bignum::value(a[0])
            .and_then(|v| u64::try_from(&v).ok())
            .ok_or_else(|| error("badarg"))?,
    };
    check_map(a[1])?;
    if a[2].is_atom() {
        let (batch, next) = map::iterate(a[1], path, ITER_BATCH).map_err(|_| error("badarg"))?;
        let mut tail = match next {
            Some(p) => {
                let p = beam_runtime::bignum::from_i64(&mut c.heap, p as i64).map_err(heap_err)?;
                construct::cons(&mut c.heap, p, a[1]).map_err(heap_err)?
            }
            None => atom("none"),
        };
        // The batch's `{K, V, Rest}` tuples in one allocation, written innermost first
        // (a `tuple` call each cost about 37 instructions an entry natively).
        let n = batch.len() as u32;
        if n == 0 {
            return Ok(tail);
        }
        let base = beam_runtime::heap::Alloc::alloc(&mut c.heap, 4 * n).map_err(heap_err)?;
        let header = Term::tuple_header(3);
        for (i, &(k, v)) in batch.iter().rev().enumerate() {
            let p = base + 16 * i as u32;
            // SAFETY: `p` is the `i`-th of the `n` four-word tuples just allocated.
            unsafe {
                beam_runtime::mem::raw_write(p, header.0);
                beam_runtime::mem::raw_write(p + 4, k.0);
                beam_runtime::mem::raw_write(p + 8, v.0);
                beam_runtime::mem::raw_write(p + 12, tail.0);
            }
            tail = Term::boxed(p);
        }
        return Ok(tail);
    }
    let (all, _) = map::iterate(a[1], path, usize::MAX).map_err(|_| error("badarg"))?;
    let mut acc = a[2];
    for &(k, v) in &all {
        let t = construct::tuple(&mut c.heap, &[k, v]).map_err(heap_err)?;
        acc = construct::cons(&mut c.heap, t, acc).map_err(heap_err)?;
    }
    Ok(acc)
}
