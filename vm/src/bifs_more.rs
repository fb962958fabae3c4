//! More BIFs: exceptions, processes and messages, conversions, float arithmetic, and the
//! tables of the modules OTP implements in C (`maps`, `math`, `erts_internal:map_next/3`;
//! the map BIFs themselves are in `bifs_maps`).

use beam_runtime::ctx::SpawnOpts;
use beam_runtime::ops::{self, view::Num};
use beam_runtime::term::Term;
use beam_runtime::{atom as atoms, construct, map};
use num_bigint::BigInt;

use crate::bifs::{
    atom, big, boolean, error, float_of, heap_err, int_term, number, small, Bif, BifCx, Raise,
};
use crate::bifs_maps::{
    check_map, find, from_keys, from_list, is_key, listed, map_next, maps_get, maps_put, maps_take,
    maps_update, merge, to_list, update,
};
use crate::host::JitBody;
use crate::rt;

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "throw",
        arity: 1,
        f: |_, a| raise("throw", a[0]),
    },
    Bif {
        name: "error",
        arity: 1,
        f: |_, a| raise("error", a[0]),
    },
    Bif {
        name: "error",
        arity: 2,
        f: |_, a| raise("error", a[0]),
    },
    Bif {
        name: "error",
        arity: 3,
        f: |_, a| raise("error", a[0]),
    },
    Bif {
        name: "exit",
        arity: 1,
        f: |_, a| raise("exit", a[0]),
    },
    Bif {
        name: "raise",
        arity: 3,
        f: raise3,
    },
    Bif {
        name: "/",
        arity: 2,
        f: fdiv,
    },
    Bif {
        name: "float",
        arity: 1,
        f: |c, a| to_float(c, a[0]),
    },
    Bif {
        name: "trunc",
        arity: 1,
        f: |c, a| float_to_int(c, a[0], f64::trunc),
    },
    Bif {
        name: "round",
        arity: 1,
        f: |c, a| float_to_int(c, a[0], f64::round),
    },
    Bif {
        name: "floor",
        arity: 1,
        f: |c, a| float_to_int(c, a[0], f64::floor),
    },
    Bif {
        name: "ceil",
        arity: 1,
        f: |c, a| float_to_int(c, a[0], f64::ceil),
    },
    Bif {
        name: "float_to_list",
        arity: 1,
        f: float_to_list,
    },
    Bif {
        name: "integer_to_list",
        arity: 1,
        f: integer_to_list,
    },
    Bif {
        name: "list_to_integer",
        arity: 1,
        f: list_to_integer,
    },
    Bif {
        name: "atom_to_list",
        arity: 1,
        f: atom_to_list,
    },
    Bif {
        name: "list_to_atom",
        arity: 1,
        f: list_to_atom,
    },
    Bif {
        name: "tuple_to_list",
        arity: 1,
        f: tuple_to_list,
    },
    Bif {
        name: "list_to_tuple",
        arity: 1,
        f: list_to_tuple,
    },
    Bif {
        name: "make_tuple",
        arity: 2,
        f: make_tuple,
    },
    Bif {
        name: "--",
        arity: 2,
        f: subtract,
    },
    Bif {
        name: "binary_to_list",
        arity: 1,
        f: binary_to_list,
    },
    Bif {
        name: "list_to_binary",
        arity: 1,
        f: list_to_binary,
    },
    Bif {
        name: "iolist_to_binary",
        arity: 1,
        f: iolist_to_binary,
    },
    Bif {
        name: "byte_size",
        arity: 1,
        f: |_, a| bits_of(a[0]).map(|b| small(b.bits.div_ceil(8) as i64)),
    },
    Bif {
        name: "bit_size",
        arity: 1,
        f: |_, a| bits_of(a[0]).map(|b| small(b.bits as i64)),
    },
    Bif {
        name: "map_size",
        arity: 1,
        f: |_, a| {
            map::size(a[0])
                .map(|n| small(n as i64))
                .ok_or_else(|| badmap(a[0]))
        },
    },
    Bif {
        name: "map_get",
        arity: 2,
        f: |_, a| maps_get(a[1], a[0]),
    },
    Bif {
        name: "is_map_key",
        arity: 2,
        f: |_, a| is_key(a[0], a[1]),
    },
    Bif {
        name: "is_map",
        arity: 1,
        f: |_, a| Ok(boolean(map::size(a[0]).is_some())),
    },
    Bif {
        name: "is_pid",
        arity: 1,
        f: |_, a| Ok(boolean(a[0].is_pid())),
    },
    Bif {
        name: "is_binary",
        arity: 1,
        f: |_, a| Ok(boolean(bits_of(a[0]).is_ok_and(|b| b.bits % 8 == 0))),
    },
    Bif {
        name: "is_bitstring",
        arity: 1,
        f: |_, a| Ok(boolean(bits_of(a[0]).is_ok())),
    },
    Bif {
        name: "is_reference",
        arity: 1,
        f: |_, a| Ok(boolean(construct::ref_numbers(a[0]).is_some())),
    },
    Bif {
        name: "is_function",
        arity: 1,
        f: |_, a| Ok(boolean(fun_arity(a[0]).is_some())),
    },
    Bif {
        name: "is_function",
        arity: 2,
        f: |_, a| {
            // The arity must be a non-negative integer (a bignum is just too big).
            let n = beam_runtime::ops::view::number(a[1]).map_err(|_| error("badarg"))?;
            let arity = match n {
                beam_runtime::ops::view::Num::Int(n) if n >= 0 => Some(n),
                beam_runtime::ops::view::Num::Big(b) if b.sign() == num_bigint::Sign::Plus => None,
                _ => return Err(error("badarg")),
            };
            Ok(boolean(arity.is_some_and(|n| {
                fun_arity(a[0]).is_some_and(|f| i64::from(f) == n)
            })))
        },
    },
    Bif {
        name: "!",
        arity: 2,
        f: send,
    },
    Bif {
        name: "send",
        arity: 2,
        f: send,
    },
    Bif {
        name: "spawn",
        arity: 1,
        f: spawn1,
    },
    Bif {
        name: "spawn",
        arity: 3,
        f: spawn3,
    },
    Bif {
        name: "make_ref",
        arity: 0,
        f: make_ref,
    },
    Bif {
        name: "nif_error",
        arity: 1,
        f: |_, a| raise("error", a[0]),
    },
];

pub static MAPS: &[Bif] = &[
    Bif {
        name: "get",
        arity: 2,
        f: |_, a| maps_get(a[1], a[0]),
    },
    Bif {
        name: "get",
        arity: 3,
        f: |_, a| check_map(a[1]).map(|_| rt::map_get(a[1], a[0]).unwrap_or(a[2])),
    },
    Bif {
        name: "find",
        arity: 2,
        f: find,
    },
    Bif {
        name: "update",
        arity: 3,
        f: maps_update,
    },
    Bif {
        name: "take",
        arity: 2,
        f: maps_take,
    },
    Bif {
        name: "from_keys",
        arity: 2,
        f: from_keys,
    },
    Bif {
        name: "is_key",
        arity: 2,
        f: |_, a| is_key(a[0], a[1]),
    },
    Bif {
        name: "put",
        arity: 3,
        f: maps_put,
    },
    Bif {
        name: "remove",
        arity: 2,
        f: |c, a| update(c, a[1], &[], Some(a[0])),
    },
    Bif {
        name: "merge",
        arity: 2,
        f: merge,
    },
    Bif {
        name: "keys",
        arity: 1,
        f: |c, a| listed(c, a[0], |k, _| k),
    },
    Bif {
        name: "values",
        arity: 1,
        f: |c, a| listed(c, a[0], |_, v| v),
    },
    Bif {
        name: "to_list",
        arity: 1,
        f: to_list,
    },
    Bif {
        name: "from_list",
        arity: 1,
        f: from_list,
    },
    Bif {
        name: "size",
        arity: 1,
        f: |_, a| {
            map::size(a[0])
                .map(|n| small(n as i64))
                .ok_or_else(|| badmap(a[0]))
        },
    },
];

pub static MATH: &[Bif] = &[
    Bif {
        name: "sqrt",
        arity: 1,
        f: |c, a| math(c, a[0], f64::sqrt),
    },
    Bif {
        name: "sin",
        arity: 1,
        f: |c, a| math(c, a[0], f64::sin),
    },
    Bif {
        name: "cos",
        arity: 1,
        f: |c, a| math(c, a[0], f64::cos),
    },
    Bif {
        name: "exp",
        arity: 1,
        f: |c, a| math(c, a[0], f64::exp),
    },
    Bif {
        name: "log",
        arity: 1,
        f: |c, a| math(c, a[0], f64::ln),
    },
    Bif {
        name: "pi",
        arity: 0,
        f: |c, _| new_float(c, std::f64::consts::PI),
    },
    Bif {
        name: "pow",
        arity: 2,
        f: |c, a| {
            let (x, y) = (float_arg(a[0])?, float_arg(a[1])?);
            checked_float(c, x.powf(y))
        },
    },
];

/// `erts_internal:map_next/3`, which `maps:iterator/next/fold` are written in terms of.
pub static ERTS_INTERNAL: &[Bif] = &[Bif {
    name: "map_next",
    arity: 3,
    f: map_next,
}];

fn raise(class: &str, reason: Term) -> Result<Term, Raise> {
    Err(Raise::Exception {
        class: atom(class),
        reason,
    })
}

fn raise3(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    // The `raise` instruction (a rethrow) passes a raw stack trace (crate::exc::raw).
    let class = match crate::exc::raw_parts(a[0]) {
        Some((class, _)) if a[2] == Term::NIL => class,
        _ => a[0],
    };
    // A rethrow (the `raise` instruction) or a catch's trace passed on unbuilt (the
    // compiler hands `erlang:raise(C, R, St)` the raw trace when St is used only there).
    let raw = class != a[0] || crate::exc::raw_parts(a[2]).is_some();
    // A bad class or stack trace is not an exception: erl *returns* `badarg`.
    match atoms::name(class).as_deref() {
        Some("throw" | "error" | "exit") if raw || valid_stacktrace(a[2]) => {
            Err(Raise::Exception {
                class,
                reason: a[1],
            })
        }
        _ => Ok(atom("badarg")),
    }
}

/// What erts' `raise/3` accepts as a stack trace: a proper list of `{Fun, Args}`,
/// `{Fun, Args, Location}`, `{M, F, A}` or `{M, F, A, Location}` (M and F atoms, a
/// location a list; arities and arguments are not looked at).
fn valid_stacktrace(t: Term) -> bool {
    let is_fun = |t: Term| fun_arity(t).is_some();
    let is_loc = |t: Term| t == Term::NIL || t.is_list();
    match construct::list_elements(t) {
        Some((frames, Term::NIL)) => {
            frames
                .iter()
                .all(|&f| match construct::tuple_elements(f).as_deref() {
                    Some(&[fun, _]) => is_fun(fun),
                    Some(&[m, f, loc]) => {
                        if is_fun(m) {
                            is_loc(loc)
                        } else {
                            m.is_atom() && f.is_atom()
                        }
                    }
                    Some(&[m, f, _, loc]) => m.is_atom() && f.is_atom() && is_loc(loc),
                    _ => false,
                })
        }
        _ => false,
    }
}

pub(crate) fn badmap(t: Term) -> Raise {
    Raise::Tagged(atom("badmap"), t)
}

fn new_float(c: &mut BifCx<'_>, f: f64) -> Result<Term, Raise> {
    construct::float(&mut c.heap, f).map_err(heap_err)
}

fn checked_float(c: &mut BifCx<'_>, f: f64) -> Result<Term, Raise> {
    if !f.is_finite() {
        return Err(error("badarith"));
    }
    new_float(c, f)
}

fn float_arg(t: Term) -> Result<f64, Raise> {
    Ok(float_of(
        &ops::view::number(t).map_err(|_| error("badarg"))?,
    ))
}

fn math(c: &mut BifCx<'_>, t: Term, f: fn(f64) -> f64) -> Result<Term, Raise> {
    let r = f(float_arg(t)?);
    if !r.is_finite() {
        return Err(error("badarith"));
    }
    new_float(c, r)
}

fn fdiv(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (x, y) = (float_of(&number(a[0])?), float_of(&number(a[1])?));
    if y == 0.0 {
        return Err(error("badarith"));
    }
    checked_float(c, x / y)
}

fn to_float(c: &mut BifCx<'_>, t: Term) -> Result<Term, Raise> {
    let n = ops::view::number(t).map_err(|_| error("badarg"))?;
    checked_float(c, float_of(&n)).map_err(|_| error("badarg"))
}

fn float_to_int(c: &mut BifCx<'_>, t: Term, f: fn(f64) -> f64) -> Result<Term, Raise> {
    match ops::view::number(t).map_err(|_| error("badarg"))? {
        Num::Float(x) => {
            let r = f(x);
            let v = BigInt::from(r as i128);
            if r.abs() < 1e36 {
                int_term(c, &v)
            } else {
                // Beyond i128: exact through the decimal expansion.
                let text = format!("{r:.0}");
                int_term(c, &text.parse::<BigInt>().map_err(|_| error("badarg"))?)
            }
        }
        _ => Ok(t),
    }
}

/// `float_to_list/1`: C's `%.20e` (the digits are exact in both).
fn float_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let f = construct::float_value(a[0]).ok_or_else(|| error("badarg"))?;
    let text = format!("{f:.20e}");
    let (mant, exp) = text.split_once('e').expect("{:e} has an exponent");
    let e: i32 = exp.parse().expect("exponent");
    let sign = if e < 0 { '-' } else { '+' };
    string(c, &format!("{mant}e{sign}{:02}", e.abs()))
}

/// A string (list of character codes).
pub(crate) fn string(c: &mut BifCx<'_>, s: &str) -> Result<Term, Raise> {
    let chars: Vec<Term> = s.chars().map(|ch| small(ch as i64)).collect();
    construct::list(&mut c.heap, &chars).map_err(heap_err)
}

/// The characters of a string, if `t` is a proper list of character codes.
pub(crate) fn chars(t: Term) -> Option<String> {
    let (v, tail) = construct::list_elements(t)?;
    if tail != Term::NIL {
        return None;
    }
    v.iter()
        .map(|e| {
            e.small_value()
                .and_then(|n| char::from_u32(u32::try_from(n).ok()?))
        })
        .collect()
}

fn integer_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match ops::view::number(a[0]).map_err(|_| error("badarg"))? {
        Num::Float(_) => Err(error("badarg")),
        n => string(c, &big(&n).expect("integer").to_string()),
    }
}

fn list_to_integer(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let s = chars(a[0]).ok_or_else(|| error("badarg"))?;
    let digits = s.strip_prefix(['+', '-']).unwrap_or(&s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error("badarg"));
    }
    let v: BigInt = s
        .strip_prefix('+')
        .unwrap_or(&s)
        .parse()
        .map_err(|_| error("badarg"))?;
    int_term(c, &v)
}

fn atom_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let name = ops::view::atom_text(a[0]).map_err(|_| error("badarg"))?;
    string(c, &name)
}

fn list_to_atom(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let s = chars(a[0]).ok_or_else(|| error("badarg"))?;
    atoms::intern(&s).map_err(|_| error("system_limit"))
}

fn tuple_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let v = construct::tuple_elements(a[0]).ok_or_else(|| error("badarg"))?;
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

pub(crate) fn proper_list(t: Term) -> Result<Vec<Term>, Raise> {
    match construct::list_elements(t) {
        Some((v, tail)) if tail == Term::NIL => Ok(v),
        _ => Err(error("badarg")),
    }
}

fn list_to_tuple(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let v = proper_list(a[0])?;
    construct::tuple(&mut c.heap, &v).map_err(heap_err)
}

fn make_tuple(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = a[0]
        .small_value()
        .filter(|&n| (0..=(1 << 24)).contains(&n))
        .ok_or_else(|| error("badarg"))?;
    construct::tuple(&mut c.heap, &vec![a[1]; n as usize]).map_err(heap_err)
}

/// `A -- B`: removes the first occurrence in `A` of each element of `B` (`=:=`).
fn subtract(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut left = proper_list(a[0])?;
    for r in proper_list(a[1])? {
        if let Some(i) = left
            .iter()
            .position(|&e| ops::compare::exact_eq(e, r).unwrap_or(false))
        {
            left.remove(i);
        }
    }
    construct::list(&mut c.heap, &left).map_err(heap_err)
}

fn bits_of(t: Term) -> Result<ops::view::Bits, Raise> {
    ops::view::bits(t).map_err(|_| error("badarg"))
}

fn binary_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bits_of(a[0])?;
    if b.bits % 8 != 0 {
        return Err(error("badarg"));
    }
    let v: Vec<Term> = b.bytes.iter().map(|&x| small(i64::from(x))).collect();
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

/// The bytes of an iolist (bytes, binaries and nested iolists; a tail may be a binary).
/// An explicit stack, not recursion: an improper tail or an atom element must give badarg
/// (it recursed forever and overflowed the host stack, issue 12 item 3), and deep or long
/// iolists must not use the Rust stack.
pub(crate) fn iolist(t: Term, out: &mut Vec<u8>) -> Result<(), Raise> {
    let mut todo = vec![t];
    while let Some(t) = todo.pop() {
        if t == Term::NIL {
            continue;
        }
        if let Ok(b) = ops::view::bits(t) {
            if b.bits % 8 != 0 {
                return Err(error("badarg"));
            }
            out.extend_from_slice(&b.bytes);
            continue;
        }
        let (h, tl) = match (construct::head(t), construct::tail(t)) {
            (Some(h), Some(tl)) if t.is_list() => (h, tl),
            _ => return Err(error("badarg")),
        };
        todo.push(tl);
        match h.small_value() {
            Some(n) if (0..=255).contains(&n) => out.push(n as u8),
            Some(_) => return Err(error("badarg")),
            None => todo.push(h),
        }
    }
    Ok(())
}

/// `list_to_binary/1` and `iolist_to_binary/1`: the first takes only a list, the second
/// also a binary (erl_bif_binary / binary.c).
fn list_to_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0] != Term::NIL && !a[0].is_list() {
        return Err(error("badarg"));
    }
    iolist_to_binary(c, a)
}

fn iolist_to_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut bytes = Vec::new();
    iolist(a[0], &mut bytes)?;
    ops::view::make_bits(&mut c.heap, &bytes, 8 * bytes.len() as u64).map_err(heap_err)
}

pub(crate) fn fun_arity(t: Term) -> Option<u32> {
    if let Some((_, arity, _)) = construct::fun_head(t) {
        return Some(arity);
    }
    let cell = construct::export_entry(t)?;
    beam_runtime::mem::read(cell + 4)
}

// --- processes ---

fn send(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0].is_port() {
        crate::bifs_port::send(c, a[0], a[1])?;
        return Ok(a[1]);
    }
    let cx = c.proc.as_mut().ok_or_else(|| error("badarg"))?;
    let to = crate::bifs_proc::resolve(cx, a[0])?;
    cx.send_pid(to, a[1]).map_err(|_| error("badarg"))?;
    Ok(a[1])
}

/// Starts a process at `resume` with `args`: its pid and, with `opts.monitor`, the
/// monitor's reference numbers.
fn start(
    c: &mut BifCx<'_>,
    resume: u32,
    args: &[Term],
    opts: SpawnOpts,
) -> Result<(Term, Option<[u32; 3]>), Raise> {
    let cx = c.proc.as_mut().ok_or_else(|| error("badarg"))?;
    let body = JitBody::new(resume, rt::normal_exit(), false);
    let (pid, mref) = cx
        .spawn(body, args, opts)
        .map_err(|_| error("system_limit"))?;
    crate::group_leader::set(pid.term(), crate::group_leader::of(c.self_pid));
    Ok((pid.term(), mref))
}

/// `spawn(Fun)` and its link/monitor variants.
pub(crate) fn spawn_fun(
    c: &mut BifCx<'_>,
    fun: Term,
    opts: SpawnOpts,
) -> Result<(Term, Option<[u32; 3]>), Raise> {
    if let Some((entry, arity, _, env)) = construct::fun_parts(fun) {
        if arity != 0 {
            return Err(error("badarg"));
        }
        if let Some(l) = crate::unloaded_fun::lambda(entry) {
            match crate::unloaded_fun::code_of(&l) {
                Some(code) => return start_fun(c, code, &env, opts),
                // The new process calls it through `erlang:apply(Fun, [])` and fails
                // there, as erl's (badfun, or undef after error_handler).
                None => {
                    let apply =
                        crate::unloaded_fun::apply2_entry().ok_or_else(|| error("badarg"))?;
                    return start_fun(c, apply, &[fun, Term::NIL], opts);
                }
            }
        }
        start_fun(c, entry, &env, opts)
    } else {
        spawn_export_fun(c, fun, opts)
    }
}

fn start_fun(
    c: &mut BifCx<'_>,
    entry: u32,
    args: &[Term],
    opts: SpawnOpts,
) -> Result<(Term, Option<[u32; 3]>), Raise> {
    let r = start(c, entry, args, opts)?;
    crate::proc_initial_call::spawned_fun(r.0);
    Ok(r)
}

fn spawn_export_fun(
    c: &mut BifCx<'_>,
    fun: Term,
    opts: SpawnOpts,
) -> Result<(Term, Option<[u32; 3]>), Raise> {
    match construct::export_entry(fun) {
        Some(cell) if beam_runtime::mem::read(cell + 4) == Some(0) => {
            let addr = beam_runtime::mem::read(cell).ok_or_else(|| error("badarg"))?;
            let r = start(c, addr, &[], opts)?;
            crate::proc_initial_call::spawned_fun(r.0);
            Ok(r)
        }
        _ => Err(error("badarg")),
    }
}

/// `spawn(Module, Function, Args)` and its link/monitor variants.
pub(crate) fn spawn_mfa(
    c: &mut BifCx<'_>,
    a: &[Term],
    opts: SpawnOpts,
) -> Result<(Term, Option<[u32; 3]>), Raise> {
    let args = proper_list(a[2])?;
    if !a[0].is_atom() || !a[1].is_atom() {
        return Err(error("badarg"));
    }
    // Loaded now if need be, as `apply` does (a function nothing imports has no cell).
    let n = args.len() as u32;
    let addr = crate::lazy::spawn_entry(a[0], a[1], n)
        .or_else(|| rt::export_addr(a[0], a[1], n))
        .or_else(|| crate::lazy::resolve(a[0], a[1], n))
        .unwrap_or(rt::undef());
    let r = start(c, addr, &args, opts)?;
    crate::proc_initial_call::spawned(r.0, a[0], a[1], n);
    Ok(r)
}

fn spawn1(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    spawn_fun(c, a[0], SpawnOpts::default()).map(|r| r.0)
}

fn spawn3(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    spawn_mfa(c, a, SpawnOpts::default()).map(|r| r.0)
}

fn make_ref(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let cx = c.proc.as_mut().ok_or_else(|| error("badarg"))?;
    let n = cx.new_ref();
    construct::make_ref(&mut c.heap, n).map_err(heap_err)
}

#[cfg(test)]
mod tests {

    #[test]
    fn tables_have_distinct_entries() {
        // Across every table of a module: a duplicate would silently shadow the other.
        let all = crate::bifs::tables();
        let mut seen = std::collections::HashSet::new();
        for (m, table) in all {
            for b in table {
                assert!(
                    seen.insert((m, b.name, b.arity)),
                    "{m}:{}/{} twice",
                    b.name,
                    b.arity
                );
            }
        }
        assert!(seen.len() > 150, "only {} BIFs", seen.len());
    }
}
