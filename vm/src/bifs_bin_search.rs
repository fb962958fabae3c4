//! The searching BIFs of module `binary` (OTP 25's `erl_bif_binary.c`): `match/2,3`,
//! `matches/2,3`, `split/2,3`, `compile_pattern/1`, `longest_common_prefix/1`,
//! `longest_common_suffix/1` and `referenced_byte_size/1`, with erl's `badarg` cases.
//!
//! Semantics (OTP documentation of `binary`, checked against erl): a pattern is a
//! non-empty binary or a non-empty list of non-empty binaries; with several patterns the
//! match that starts first wins, the longest one among those starting at the same byte.
//! `matches` and `split … [global]` continue after each match (no overlaps). `{scope,
//! {Start, Length}}` (Length may be negative) limits where matches are searched; parts
//! that `split` returns still run from the start and to the end of the whole subject.
//!
//! `compile_pattern/1` returns `{bm, Pattern}` or `{ac, Patterns}`: erl puts a magic
//! reference in the second element, so only the printed form of a compiled pattern
//! differs (it is opaque to programs). The search is a plain scan, not Boyer–Moore or
//! Aho–Corasick: same results, O(subject × pattern) in the worst case.

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, BifCx, Raise};
use crate::rt_bits::bits_of;

fn badarg() -> Raise {
    error("badarg")
}

/// The bytes of a binary (not a bitstring of other length).
fn bytes(t: Term) -> Result<Vec<u8>, Raise> {
    match bits_of(t) {
        Some((b, n)) if n % 8 == 0 => Ok(b),
        _ => Err(badarg()),
    }
}

fn binary(c: &mut BifCx<'_>, b: &[u8]) -> Result<Term, Raise> {
    beam_runtime::ops::view::make_bits(&mut c.heap, b, 8 * b.len() as u64).map_err(heap_err)
}

/// The elements of a proper list, else `badarg`.
fn proper_list(t: Term) -> Result<Vec<Term>, Raise> {
    match construct::list_elements(t) {
        Some((v, tail)) if tail == Term::NIL => Ok(v),
        _ => Err(badarg()),
    }
}

/// The patterns of a pattern argument: a non-empty binary, a non-empty list of non-empty
/// binaries, or what `compile_pattern/1` returned.
fn patterns(t: Term) -> Result<Vec<Vec<u8>>, Raise> {
    if let Some([tag, p]) = construct::tuple_elements(t).as_deref() {
        if *tag == atom("bm") || *tag == atom("ac") {
            return patterns(*p);
        }
        return Err(badarg());
    }
    let v = if bits_of(t).is_some() {
        vec![bytes(t)?]
    } else {
        proper_list(t)?
            .into_iter()
            .map(bytes)
            .collect::<Result<Vec<_>, _>>()?
    };
    if v.is_empty() || v.iter().any(|p| p.is_empty()) {
        return Err(badarg());
    }
    Ok(v)
}

/// The patterns for searching `s`: erl does not look at the pattern when the subject is
/// empty (`binary:split(<<>>, <<>>)` is `[<<>>]`).
fn subject_patterns(s: &[u8], t: Term) -> Result<Vec<Vec<u8>>, Raise> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    patterns(t)
}

/// The first match in `s[from..to]`: the earliest start, the longest pattern there.
fn find(s: &[u8], pats: &[Vec<u8>], from: usize, to: usize) -> Option<(usize, usize)> {
    (from..to).find_map(|i| {
        pats.iter()
            .filter(|p| i + p.len() <= to && s[i..i + p.len()] == p[..])
            .map(|p| p.len())
            .max()
            .map(|n| (i, n))
    })
}

/// Every non-overlapping match in `s[from..to]` (only the first unless `global`).
fn find_all(
    s: &[u8],
    pats: &[Vec<u8>],
    (from, to): (usize, usize),
    global: bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = from;
    while let Some((i, n)) = find(s, pats, at, to) {
        out.push((i, n));
        at = i + n;
        if !global {
            break;
        }
    }
    out
}

/// `{Start, Length}` as a byte range inside a subject of `size` bytes.
fn scope(t: Term, size: usize) -> Result<(usize, usize), Raise> {
    let Some(&[s, l]) = construct::tuple_elements(t).as_deref() else {
        return Err(badarg());
    };
    let (s, l) = (
        i64::from(s.small_value().ok_or_else(badarg)?),
        i64::from(l.small_value().ok_or_else(badarg)?),
    );
    let (from, to) = if l < 0 { (s + l, s) } else { (s, s + l) };
    if from < 0 || to > size as i64 {
        return Err(badarg());
    }
    Ok((from as usize, to as usize))
}

/// Options of `match/3`, `matches/3`, `split/3`.
#[derive(Default)]
struct Opts {
    scope: Option<(usize, usize)>,
    global: bool,
    trim: bool,
    trim_all: bool,
}

/// Reads an option list. Like erl, an improper tail after the last option is ignored.
fn opts(t: Term, size: usize, split: bool) -> Result<Opts, Raise> {
    let mut o = Opts::default();
    let mut l = t;
    while let (Some(h), Some(tl)) = (construct::head(l), construct::tail(l)) {
        if let Some([k, v]) = construct::tuple_elements(h).as_deref() {
            if *k != atom("scope") {
                return Err(badarg());
            }
            o.scope = Some(scope(*v, size)?);
        } else if split && h == atom("global") {
            o.global = true;
        } else if split && h == atom("trim") {
            o.trim = true;
        } else if split && h == atom("trim_all") {
            o.trim_all = true;
        } else {
            return Err(badarg());
        }
        l = tl;
    }
    if l != Term::NIL && construct::head(t).is_none() {
        return Err(badarg());
    }
    Ok(o)
}

fn pos_len(c: &mut BifCx<'_>, (i, n): (usize, usize)) -> Result<Term, Raise> {
    construct::tuple(&mut c.heap, &[small(i as i64), small(n as i64)]).map_err(heap_err)
}

/// `match/2,3` (`all` false) and `matches/2,3` (`all` true).
fn search(c: &mut BifCx<'_>, a: &[Term], all: bool) -> Result<Term, Raise> {
    let s = bytes(a[0])?;
    let o = match a.get(2) {
        Some(&t) => opts(t, s.len(), false)?,
        None => Opts::default(),
    };
    let pats = subject_patterns(&s, a[1])?;
    let found = find_all(&s, &pats, o.scope.unwrap_or((0, s.len())), all);
    if !all {
        return match found.first() {
            Some(&m) => pos_len(c, m),
            None => Ok(atom("nomatch")),
        };
    }
    let v = found
        .into_iter()
        .map(|m| pos_len(c, m))
        .collect::<Result<Vec<_>, _>>()?;
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

pub(crate) fn split(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let s = bytes(a[0])?;
    let o = match a.get(2) {
        Some(&t) => opts(t, s.len(), true)?,
        None => Opts::default(),
    };
    let pats = subject_patterns(&s, a[1])?;
    let found = find_all(&s, &pats, o.scope.unwrap_or((0, s.len())), o.global);
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    for (i, n) in found {
        parts.push(&s[start..i]);
        start = i + n;
    }
    parts.push(&s[start..]);
    if o.trim_all {
        parts.retain(|p| !p.is_empty());
    } else if o.trim {
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
    }
    let v = parts
        .into_iter()
        .map(|p| binary(c, p))
        .collect::<Result<Vec<_>, _>>()?;
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

pub(crate) fn compile_pattern(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let pats = patterns(a[0])?;
    // erl: `bm` (Boyer–Moore) for one pattern, `ac` (Aho–Corasick) for several.
    let (tag, p) = if pats.len() == 1 {
        ("bm", binary(c, &pats[0])?)
    } else {
        let v = pats
            .iter()
            .map(|p| binary(c, p))
            .collect::<Result<Vec<_>, _>>()?;
        ("ac", construct::list(&mut c.heap, &v).map_err(heap_err)?)
    };
    construct::tuple(&mut c.heap, &[atom(tag), p]).map_err(heap_err)
}

/// `longest_common_prefix/1` (`rev` false) and `longest_common_suffix/1`.
fn longest_common(a: &[Term], rev: bool) -> Result<Term, Raise> {
    let bins = proper_list(a[0])?
        .into_iter()
        .map(bytes)
        .collect::<Result<Vec<_>, _>>()?;
    let first = bins.first().ok_or_else(badarg)?;
    let at = |b: &Vec<u8>, i: usize| {
        if rev {
            b.len().checked_sub(i + 1).map(|j| b[j])
        } else {
            b.get(i).copied()
        }
    };
    let n = (0..first.len())
        .take_while(|&i| {
            bins.iter()
                .all(|b| at(b, i).is_some() && at(b, i) == at(first, i))
        })
        .count();
    Ok(small(n as i64))
}

/// The size of the binary a (sub) binary refers to: the whole original for a sub binary.
pub(crate) fn referenced_byte_size(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    bytes(a[0])?;
    let t = a[0];
    let size = if construct::boxed_kind(t) == Some(beam_runtime::term::BoxedKind::SubBinary) {
        // Sub binary layout (runtime/src/binary.rs): header, size, offs, bits, orig.
        beam_runtime::mem::read(t.ptr() + 16)
            .and_then(|orig| beam_runtime::binary::bytes(Term(orig)))
            .map(|b| b.len())
            .ok_or_else(badarg)?
    } else {
        bytes(t)?.len()
    };
    Ok(small(size as i64))
}

pub(crate) fn match_(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    search(c, a, false)
}

pub(crate) fn matches(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    search(c, a, true)
}

pub(crate) fn longest_common_prefix(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    longest_common(a, false)
}

pub(crate) fn longest_common_suffix(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    longest_common(a, true)
}
