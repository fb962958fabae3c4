//! Erlang term order and the two equalities, as OTP 25 defines them
//! (`erts_cmp_compound` in erts/emulator/beam/utils.c; the reference manual's "Term
//! Comparisons"):
//!
//! - between types: number < atom < reference < fun < port < pid < tuple < map < nil <
//!   list < bitstring;
//! - numbers by value, exactly (an integer and a float compare as the real numbers they
//!   are, bignums included; `1 == 1.0`); `-0.0` equals `0.0` (OTP 25 behaviour);
//! - atoms by their text (UTF-8 bytes, i.e. code points), not by table index;
//! - tuples by size, then element by element; lists element by element, a shorter list
//!   first;
//! - maps by size, then their keys in *map key order* (the exact order, where every
//!   integer sorts before every float), then the values in that key order;
//! - bitstrings bit by bit, then by length.
//!
//! *Exact* comparison (`=:=`, and map keys) differs only for numbers: an integer and a
//! float are never equal, and every integer sorts before every float.
//!
//! The walk keeps pending pairs on an explicit stack (lists advance one cell at a time),
//! so million-element lists and deeply nested terms do not recurse on the Rust stack.

use super::view::{self, bad, class, number, Class, Num, TermError};
use crate::term::Term;
use crate::{construct, map};
use num_bigint::BigInt;
use num_traits::FromPrimitive;
use smallvec::SmallVec;
use std::cmp::Ordering;

/// `a` compared with `b` in Erlang term order (`<`, `==`, `>` of Erlang: `1 == 1.0`).
pub fn compare(a: Term, b: Term) -> Result<Ordering, TermError> {
    compare_with(a, b, false)
}

/// `a` compared with `b` in the exact order (map key order: integers before floats).
pub fn compare_exact(a: Term, b: Term) -> Result<Ordering, TermError> {
    compare_with(a, b, true)
}

/// `a =:= b`.
pub fn exact_eq(a: Term, b: Term) -> Result<bool, TermError> {
    Ok(a == b || compare_with(a, b, true)? == Ordering::Equal)
}

/// `a == b` (arithmetic equality: `1 == 1.0`).
pub fn arith_eq(a: Term, b: Term) -> Result<bool, TermError> {
    Ok(a == b || compare_with(a, b, false)? == Ordering::Equal)
}

/// What is left to compare: a pair of terms, or elements `i..n` of two tuples of arity
/// `n` (a tuple's elements are not copied out, and a pending tuple is one entry).
#[derive(Clone, Copy)]
enum Todo {
    Pair(Term, Term, bool),
    Elems {
        a: Term,
        b: Term,
        i: u32,
        n: u32,
        exact: bool,
    },
}

/// The pending work: the first entries inline, so comparing terms of modest depth (every
/// comparison a sort makes, say) allocates nothing. A `SmallVec`, whose inline room is
/// not initialised: a fixed array of 16 entries cost about 80 stores per comparison, more
/// than comparing two small integers (ETS lookups, sorts).
struct Stack(SmallVec<[Todo; 16]>);

impl Stack {
    fn push(&mut self, t: Todo) {
        self.0.push(t);
    }
    fn pair(&mut self, a: Term, b: Term, exact: bool) {
        self.push(Todo::Pair(a, b, exact));
    }
    fn pop(&mut self) -> Option<Todo> {
        self.0.pop()
    }
}

fn compare_with(a: Term, b: Term, exact: bool) -> Result<Ordering, TermError> {
    // The commonest comparisons (ETS keys, sort keys, guards) settled without the stack.
    if a == b {
        return Ok(Ordering::Equal);
    }
    if let (Some(x), Some(y)) = (a.small_value(), b.small_value()) {
        return Ok(x.cmp(&y));
    }
    let mut stack = Stack(SmallVec::new());
    match tuples_prefix(a, b) {
        // Two tuples settled by their sizes or a leading pair of smalls (sort keys such
        // as `{Key, Index}`, records, ETS objects), without the stack.
        Some(Prefix::Settled(o)) => return Ok(o),
        // Equal up to element `i`: the rest as the general walk does it.
        Some(Prefix::From(i, n)) => stack.push(Todo::Elems { a, b, i, n, exact }),
        None => stack.pair(a, b, exact),
    }
    while let Some(todo) = stack.pop() {
        let o = match todo {
            Todo::Pair(a, b, exact) => step(a, b, exact, &mut stack)?,
            Todo::Elems { a, b, i, n, exact } => {
                if i + 1 < n {
                    stack.push(Todo::Elems {
                        a,
                        b,
                        i: i + 1,
                        n,
                        exact,
                    });
                }
                // `i < n`, the arity both headers gave when the entry was pushed.
                match (elem(a, i), elem(b, i)) {
                    (Some(x), Some(y)) => step(x, y, exact, &mut stack)?,
                    _ => return bad(a, "tuple element outside guest memory"),
                }
            }
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// How far [`tuples_prefix`] got.
enum Prefix {
    Settled(Ordering),
    /// Elements `0..i` of the two `n`-tuples are identical words.
    From(u32, u32),
}

/// Element `i` of a tuple known to have more than `i` elements.
#[inline]
fn elem(t: Term, i: u32) -> Option<Term> {
    crate::mem::read(t.ptr() + 4 + 4 * i).map(Term)
}

/// When `a` and `b` are both tuples: their order if their sizes or their first pair of
/// differing elements (both small integers) settle it, else where the walk must go on.
/// Identical words are equal under both equalities; two smalls compare by value under
/// both.
fn tuples_prefix(a: Term, b: Term) -> Option<Prefix> {
    let (na, nb) = (construct::tuple_arity(a)?, construct::tuple_arity(b)?);
    if na != nb {
        return Some(Prefix::Settled(na.cmp(&nb)));
    }
    for i in 0..na {
        let (x, y) = (elem(a, i)?, elem(b, i)?);
        if x == y {
            continue;
        }
        return Some(match (x.small_value(), y.small_value()) {
            (Some(p), Some(q)) => Prefix::Settled(p.cmp(&q)),
            _ => Prefix::From(i, na),
        });
    }
    Some(Prefix::Settled(Ordering::Equal))
}

/// Compares what can be compared at the top of `a` and `b`; pushes the pairs of subterms
/// still to compare (first pair on top).
fn step(a: Term, b: Term, exact: bool, stack: &mut Stack) -> Result<Ordering, TermError> {
    if a == b {
        // The same immediate or the same object.
        return Ok(Ordering::Equal);
    }
    if let (Some(x), Some(y)) = (a.small_value(), b.small_value()) {
        return Ok(x.cmp(&y));
    }
    let (ca, cb) = (class(a)?, class(b)?);
    if ca.rank() != cb.rank() {
        return Ok(ca.rank().cmp(&cb.rank()));
    }
    match ca {
        Class::Atom => match crate::atom::compare_names(a, b) {
            Some(o) => Ok(o),
            None => bad(a, "atom index not in the atom table"),
        },
        Class::Nil => Ok(Ordering::Equal),
        Class::List => {
            let (ha, ta) = cell(a)?;
            let (hb, tb) = cell(b)?;
            stack.pair(ta, tb, exact);
            stack.pair(ha, hb, exact);
            Ok(Ordering::Equal)
        }
        Class::Tuple => {
            let (Some(na), Some(nb)) = (construct::tuple_arity(a), construct::tuple_arity(b))
            else {
                return bad(a, "unreadable tuple");
            };
            if na != nb {
                return Ok(na.cmp(&nb));
            }
            if na > 0 {
                stack.push(Todo::Elems {
                    a,
                    b,
                    i: 0,
                    n: na,
                    exact,
                });
            }
            Ok(Ordering::Equal)
        }
        Class::Map => {
            let (ea, eb) = (sorted_entries(a)?, sorted_entries(b)?);
            if ea.len() != eb.len() {
                return Ok(ea.len().cmp(&eb.len()));
            }
            // Keys first (exactly), then the values in key order (with the caller's
            // exactness): push values, then keys, each in reverse.
            for (&(_, va), &(_, vb)) in ea.iter().zip(&eb).rev() {
                stack.pair(va, vb, exact);
            }
            for (&(ka, _), &(kb, _)) in ea.iter().zip(&eb).rev() {
                stack.pair(ka, kb, true);
            }
            Ok(Ordering::Equal)
        }
        Class::Binary => {
            let (x, y) = (view::bits(a)?, view::bits(b)?);
            // Left-aligned bytes with zeroed padding: bytewise comparison of the common
            // bit prefix is the bitwise comparison; then the shorter one first.
            let common = x.bits.min(y.bits);
            let xs = view::extract_bits(&x.bytes, 0, common);
            let ys = view::extract_bits(&y.bytes, 0, common);
            Ok(xs.cmp(&ys).then(x.bits.cmp(&y.bits)))
        }
        Class::Pid | Class::ExtPid | Class::Port | Class::ExtPort => {
            let (na, da) = ident(a, ca)?;
            let (nb, db) = ident(b, cb)?;
            // OTP: pids by data word first, then node; ports by node, then data.
            let data = da.cmp(&db);
            let node = compare_nodes(na, nb)?;
            Ok(if matches!(ca, Class::Pid | Class::ExtPid) {
                data.then(node)
            } else {
                node.then(data)
            })
        }
        Class::Ref | Class::ExtRef => {
            let (na, mut xa) = ref_parts(a, ca)?;
            let (nb, mut xb) = ref_parts(b, cb)?;
            let node = compare_nodes(na, nb)?;
            if node != Ordering::Equal {
                return Ok(node);
            }
            // Missing high words count as zero; compare from the most significant word.
            let n = xa.len().max(xb.len());
            xa.resize(n, 0);
            xb.resize(n, 0);
            Ok(xa.iter().rev().cmp(xb.iter().rev()))
        }
        Class::Fun => {
            let Some((ea, _, _, enva)) = construct::fun_parts(a) else {
                return bad(a, "unreadable fun");
            };
            let Some((eb, _, _, envb)) = construct::fun_parts(b) else {
                return bad(b, "unreadable fun");
            };
            let key = |e: u32| super::code_info().and_then(|c| c.fun_identity(e));
            let o = match (key(ea), key(eb)) {
                (Some((ma, ia, ua)), Some((mb, ib, ub))) => view::atom_text(ma)?
                    .cmp(&view::atom_text(mb)?)
                    .then(ia.cmp(&ib))
                    .then(ua.cmp(&ub)),
                _ => ea.cmp(&eb),
            };
            if o != Ordering::Equal || enva.len() != envb.len() {
                return Ok(o.then(enva.len().cmp(&envb.len())));
            }
            for (x, y) in enva.into_iter().zip(envb).rev() {
                stack.pair(x, y, exact);
            }
            Ok(Ordering::Equal)
        }
        Class::Export => {
            let (Some(ea), Some(eb)) = (construct::export_entry(a), construct::export_entry(b))
            else {
                return bad(a, "unreadable export");
            };
            let mfa = |e: u32| super::code_info().and_then(|c| c.export_mfa(e));
            match (mfa(ea), mfa(eb)) {
                (Some((ma, fa, aa)), Some((mb, fb, ab))) => Ok(view::atom_text(ma)?
                    .cmp(&view::atom_text(mb)?)
                    .then(view::atom_text(fa)?.cmp(&view::atom_text(fb)?))
                    .then(aa.cmp(&ab))),
                _ => Ok(ea.cmp(&eb)),
            }
        }
        // Same rank: both are numbers.
        Class::Small | Class::Big | Class::Float => {
            Ok(compare_numbers(&number(a)?, &number(b)?, exact))
        }
    }
}

pub(crate) fn cell(t: Term) -> Result<(Term, Term), TermError> {
    match (construct::head(t), construct::tail(t)) {
        (Some(h), Some(tl)) => Ok((h, tl)),
        _ => bad(t, "cons cell outside guest memory"),
    }
}

pub(crate) fn elements(t: Term) -> Result<Vec<Term>, TermError> {
    construct::tuple_elements(t).map_or_else(|| bad(t, "unreadable tuple"), Ok)
}

/// A map's entries in map key order (flat maps already are; HAMT leaves are sorted).
pub fn sorted_entries(m: Term) -> Result<Vec<(Term, Term)>, TermError> {
    let Some(mut e) = map::entries(m) else {
        return bad(m, "unreadable map");
    };
    if map::is_flat(m) != Some(true) {
        let mut err = None;
        e.sort_by(|x, y| {
            compare_exact(x.0, y.0).unwrap_or_else(|er| {
                err.get_or_insert(er);
                Ordering::Equal
            })
        });
        if let Some(er) = err {
            return Err(er);
        }
    }
    Ok(e)
}

/// Node atom and data words of a pid or port (local ones are on `nonode@nohost`).
fn ident(t: Term, c: Class) -> Result<(Term, Vec<u64>), TermError> {
    match c {
        Class::Pid => Ok((crate::atom::NONODE, vec![t.pid_data().unwrap_or(0) as u64])),
        Class::Port => Ok((crate::atom::NONODE, vec![t.port_data().unwrap_or(0) as u64])),
        _ => match construct::external_parts(t) {
            // Data words: creation, then the identifier words (docs/terms.md). A remote
            // pid's number and serial are packed like a local pid's data word, so local
            // and remote pids compare by the same key (OTP compares pid data words).
            Some((_, node, data)) => {
                let ids = data.get(1..).unwrap_or(&[]);
                let key = match (c, ids) {
                    (Class::ExtPid, &[id, serial, ..]) => {
                        vec![(serial as u64) << 15 | id as u64]
                    }
                    _ => ids.iter().map(|&w| w as u64).collect(),
                };
                Ok((node, key))
            }
            None => bad(t, "unreadable external pid or port"),
        },
    }
}

fn ref_parts(t: Term, c: Class) -> Result<(Term, Vec<u32>), TermError> {
    if c == Class::Ref {
        return match construct::ref_numbers(t) {
            Some(n) => Ok((crate::atom::NONODE, n.to_vec())),
            None => bad(t, "unreadable reference"),
        };
    }
    match construct::external_parts(t) {
        Some((_, node, data)) => Ok((node, data.get(1..).unwrap_or(&[]).to_vec())),
        None => bad(t, "unreadable external reference"),
    }
}

fn compare_nodes(a: Term, b: Term) -> Result<Ordering, TermError> {
    if a == b {
        return Ok(Ordering::Equal);
    }
    Ok(view::atom_text(a)?.cmp(&view::atom_text(b)?))
}

/// Two numbers in term order. `exact`: an integer is always below a float.
pub fn compare_numbers(a: &Num, b: &Num, exact: bool) -> Ordering {
    use Num::*;
    match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Int(x), Big(y)) => BigInt::from(*x).cmp(y),
        (Big(x), Int(y)) => x.cmp(&BigInt::from(*y)),
        (Big(x), Big(y)) => x.cmp(y),
        (Float(x), Float(y)) => float_cmp(*x, *y),
        (Int(_) | Big(_), Float(_)) if exact => Ordering::Less,
        (Float(_), Int(_) | Big(_)) if exact => Ordering::Greater,
        (Int(x), Float(f)) => int_float(&BigInt::from(*x), *f),
        (Big(x), Float(f)) => int_float(x, *f),
        (Float(f), Int(x)) => int_float(&BigInt::from(*x), *f).reverse(),
        (Float(f), Big(x)) => int_float(x, *f).reverse(),
    }
}

fn float_cmp(x: f64, y: f64) -> Ordering {
    // Erlang floats are never NaN; total_cmp only decides what cannot happen, and would
    // separate -0.0 from 0.0, which OTP 25 treats as equal.
    x.partial_cmp(&y).unwrap_or_else(|| x.total_cmp(&y))
}

/// An integer against a float, exactly (OTP reaches the same answers by converting
/// whichever side is lossless).
fn int_float(i: &BigInt, f: f64) -> Ordering {
    if !f.is_finite() {
        return if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let fl = f.floor();
    let Some(fb) = BigInt::from_f64(fl) else {
        return Ordering::Equal;
    };
    match i.cmp(&fb) {
        Ordering::Equal if f > fl => Ordering::Less,
        o => o,
    }
}
