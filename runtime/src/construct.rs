//! Building and inspecting the simple boxed objects: tuples, cons cells and lists,
//! floats, refs, funs, exports and external pids/ports/refs.
//!
//! Builders write into any [`Alloc`] (a process heap after `test_heap`, a fragment, a
//! literal area) and fail with [`HeapError::Full`] rather than collect: as in BEAM, the
//! caller reserves space (and so decides what is live) first. Readers use checked memory
//! access, returning `None` for a term of the wrong kind or a wild pointer.

use crate::heap::{Alloc, HeapError};
use crate::mem;
use crate::term::*;

/// Writes `words` at `p`.
///
/// # Safety
/// `p` must be a fresh allocation of at least `words.len()` words.
unsafe fn write_words(p: u32, words: &[u32]) {
    for (i, &w) in words.iter().enumerate() {
        // SAFETY: inside the fresh allocation (caller's guarantee).
        unsafe { mem::raw_write(p + 4 * i as u32, w) };
    }
}

fn header_of(t: Term) -> Option<Term> {
    if !t.is_boxed() {
        return None;
    }
    mem::read(t.ptr()).map(Term)
}

/// The kind of the boxed object `t` points at.
pub fn boxed_kind(t: Term) -> Option<BoxedKind> {
    header_of(t).map(Term::boxed_kind)
}

// --- tuples ---

pub fn tuple(a: &mut dyn Alloc, elems: &[Term]) -> Result<Term, HeapError> {
    let p = a.alloc(1 + elems.len() as u32)?;
    // SAFETY: fresh allocation of 1 + n words.
    unsafe {
        mem::raw_write(p, Term::tuple_header(elems.len() as u32).0);
        for (i, e) in elems.iter().enumerate() {
            mem::raw_write(p + 4 + 4 * i as u32, e.0);
        }
    }
    Ok(Term::boxed(p))
}

pub fn tuple_arity(t: Term) -> Option<u32> {
    let h = header_of(t)?;
    h.is_arityval().then(|| h.header_arity())
}

/// Element `i` (0-based) of a tuple.
pub fn tuple_get(t: Term, i: u32) -> Option<Term> {
    (i < tuple_arity(t)?).then_some(())?;
    mem::read(t.ptr() + 4 + 4 * i).map(Term)
}

pub fn tuple_elements(t: Term) -> Option<Vec<Term>> {
    (0..tuple_arity(t)?).map(|i| tuple_get(t, i)).collect()
}

// --- lists ---

pub fn cons(a: &mut dyn Alloc, head: Term, tail: Term) -> Result<Term, HeapError> {
    let p = a.alloc(2)?;
    // SAFETY: fresh 2-word allocation.
    unsafe { write_words(p, &[head.0, tail.0]) };
    Ok(Term::list(p))
}

/// A proper list of `elems` (needs 2 words per element).
pub fn list(a: &mut dyn Alloc, elems: &[Term]) -> Result<Term, HeapError> {
    let mut t = Term::NIL;
    for &e in elems.iter().rev() {
        t = cons(a, e, t)?;
    }
    Ok(t)
}

pub fn head(t: Term) -> Option<Term> {
    t.is_list().then_some(())?;
    mem::read(t.ptr()).map(Term)
}

pub fn tail(t: Term) -> Option<Term> {
    t.is_list().then_some(())?;
    mem::read(t.ptr() + 4).map(Term)
}

/// The elements of a list and its final tail (NIL for a proper list).
pub fn list_elements(mut t: Term) -> Option<(Vec<Term>, Term)> {
    let mut v = Vec::new();
    while t.is_list() {
        v.push(head(t)?);
        t = tail(t)?;
    }
    Some((v, t))
}

// --- floats: header(2, FLOAT) + IEEE double in host order ---

pub const FLOAT_WORDS: u32 = 3;

pub fn float(a: &mut dyn Alloc, v: f64) -> Result<Term, HeapError> {
    let p = a.alloc(FLOAT_WORDS)?;
    let b = v.to_bits();
    // SAFETY: fresh 3-word allocation. Words are stored so the double sits in memory in
    // host byte order, as a C `double` at p+4 would (erl_term.h: FloatDef).
    unsafe {
        mem::raw_write(p, Term::header(2, FLOAT_SUBTAG).0);
        std::ptr::write_unaligned((p + 4) as usize as *mut u64, b);
    }
    Ok(Term::boxed(p))
}

pub fn float_value(t: Term) -> Option<f64> {
    (header_of(t)?.boxed_kind() == BoxedKind::Float).then_some(())?;
    let lo = mem::read(t.ptr() + 4)? as u64;
    let hi = mem::read(t.ptr() + 8)? as u64;
    // Reassemble the double exactly as `float` laid it out in memory.
    let bits = if cfg!(target_endian = "little") {
        lo | (hi << 32)
    } else {
        (lo << 32) | hi
    };
    Some(f64::from_bits(bits))
}

// --- internal refs: header(3, REF) + 3 number words (ERTS_REF_NUMBERS on 32-bit) ---

pub const REF_WORDS: u32 = 4;

pub fn make_ref(a: &mut dyn Alloc, numbers: [u32; 3]) -> Result<Term, HeapError> {
    let p = a.alloc(REF_WORDS)?;
    // SAFETY: fresh 4-word allocation.
    unsafe {
        write_words(
            p,
            &[
                Term::header(3, REF_SUBTAG).0,
                numbers[0],
                numbers[1],
                numbers[2],
            ],
        )
    };
    Ok(Term::boxed(p))
}

pub fn ref_numbers(t: Term) -> Option<[u32; 3]> {
    if !t.is_boxed() || !crate::arena::contains(t.ptr(), 16) {
        return None;
    }
    let p = t.ptr();
    // SAFETY: the four words at `p` are registered guest memory (checked just above):
    // one range check instead of four (every ETS call on a tid reads its numbers).
    unsafe {
        if Term(mem::raw_read(p)).boxed_kind() != BoxedKind::Ref {
            return None;
        }
        Some([
            mem::raw_read(p + 4),
            mem::raw_read(p + 8),
            mem::raw_read(p + 12),
        ])
    }
}

// --- funs (OTP 25 ErlFunThing) ---

/// Words of a fun with `num_free` captured variables.
pub const fn fun_words(num_free: u32) -> u32 {
    6 + num_free
}

/// A fun: `entry` is the guest address of the fun entry (code), `creator` a pid.
pub fn fun(
    a: &mut dyn Alloc,
    entry: u32,
    arity: u32,
    creator: Term,
    env: &[Term],
) -> Result<Term, HeapError> {
    let nf = env.len() as u32;
    let p = a.alloc(fun_words(nf))?;
    // SAFETY: fresh allocation of 6 + nf words.
    unsafe {
        write_words(
            p,
            &[
                Term::header(5 + nf, FUN_SUBTAG).0,
                entry,
                0,
                arity,
                nf,
                creator.0,
            ],
        );
        for (i, e) in env.iter().enumerate() {
            mem::raw_write(p + 24 + 4 * i as u32, e.0);
        }
    }
    Ok(Term::boxed(p))
}

/// `(entry, arity, creator, env)` of a fun.
pub fn fun_parts(t: Term) -> Option<(u32, u32, Term, Vec<Term>)> {
    let (entry, arity, nfree) = fun_head(t)?;
    let env = (0..nfree)
        .map(|i| fun_env(t, i))
        .collect::<Option<Vec<_>>>()?;
    Some((entry, arity, Term(mem::read(t.ptr() + 20)?), env))
}

/// `(entry, arity, number of free variables)` of a fun, without copying its environment
/// (a call of a fun, `is_function/2`: every `lists:foldl` step).
pub fn fun_head(t: Term) -> Option<(u32, u32, u32)> {
    (header_of(t)?.boxed_kind() == BoxedKind::Fun).then_some(())?;
    let p = t.ptr();
    Some((mem::read(p + 4)?, mem::read(p + 12)?, mem::read(p + 16)?))
}

/// Free variable `i` of a fun (`i` below [`fun_head`]'s count).
pub fn fun_env(t: Term, i: u32) -> Option<Term> {
    mem::read(t.ptr() + 24 + 4 * i).map(Term)
}

// --- exports: header(1, EXPORT) + pointer to the export entry ---

pub const EXPORT_WORDS: u32 = 2;

pub fn export(a: &mut dyn Alloc, entry: u32) -> Result<Term, HeapError> {
    let p = a.alloc(EXPORT_WORDS)?;
    // SAFETY: fresh 2-word allocation.
    unsafe { write_words(p, &[Term::header(1, EXPORT_SUBTAG).0, entry]) };
    Ok(Term::boxed(p))
}

pub fn export_entry(t: Term) -> Option<u32> {
    (header_of(t)?.boxed_kind() == BoxedKind::Export).then_some(())?;
    mem::read(t.ptr() + 4)
}

// --- external pids/ports/refs: header(n, EXTERNAL_*), node atom, next, data words ---

/// An external pid, port or ref: `subtag` is one of the EXTERNAL_*_SUBTAG values and
/// `node` the node-name atom (our deviation from OTP's ErlNode pointer, docs/terms.md).
pub fn external(
    a: &mut dyn Alloc,
    subtag: u32,
    node: Term,
    data: &[u32],
) -> Result<Term, HeapError> {
    let n = 2 + data.len() as u32;
    let p = a.alloc(1 + n)?;
    // SAFETY: fresh allocation of 1 + n words.
    unsafe {
        write_words(p, &[Term::header(n, subtag).0, node.0, 0]);
        write_words(p + 12, data);
    }
    Ok(Term::boxed(p))
}

/// `(kind, node, data)` of an external pid/port/ref.
pub fn external_parts(t: Term) -> Option<(BoxedKind, Term, Vec<u32>)> {
    let h = header_of(t)?;
    let kind = h.boxed_kind();
    matches!(
        kind,
        BoxedKind::ExternalPid | BoxedKind::ExternalPort | BoxedKind::ExternalRef
    )
    .then_some(())?;
    let p = t.ptr();
    let data = (2..h.header_arity())
        .map(|i| mem::read(p + 4 + 4 * i))
        .collect::<Option<Vec<_>>>()?;
    Some((kind, Term(mem::read(p + 4)?), data))
}
