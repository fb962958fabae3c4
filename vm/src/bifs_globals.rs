//! Modules `persistent_term`, `atomics` and `counters` (preloaded in erl, so every
//! export is a BIF here). Storage: `beam_runtime::ets::globals`.

use beam_runtime::ets::globals::{self, Atomics};
use beam_runtime::term::Term;
use beam_runtime::{bignum, construct, map};
use num_bigint::BigInt;
use num_traits::ToPrimitive;

use crate::bifs::{atom, big, boolean, heap_err, number, small, Bif, BifCx, BifHeap, Raise};
use crate::bifs_ets::{bad, out};
use crate::bifs_more::proper_list;

pub static PERSISTENT_TERM: &[Bif] = &[
    Bif {
        name: "put",
        arity: 2,
        f: pt_put,
    },
    Bif {
        name: "get",
        arity: 1,
        f: |c, a| pt_get(c, a[0], None),
    },
    Bif {
        name: "get",
        arity: 2,
        f: |c, a| pt_get(c, a[0], Some(a[1])),
    },
    Bif {
        name: "get",
        arity: 0,
        f: pt_all,
    },
    Bif {
        name: "erase",
        arity: 1,
        f: |_, a| Ok(boolean(globals::persistent_erase(a[0]))),
    },
    Bif {
        name: "info",
        arity: 0,
        f: pt_info,
    },
];

pub static ATOMICS: &[Bif] = &[
    Bif {
        name: "new",
        arity: 2,
        f: atomics_new,
    },
    Bif {
        name: "put",
        arity: 3,
        f: |c, a| update(c, a, Op::Put),
    },
    Bif {
        name: "get",
        arity: 2,
        f: |c, a| update(c, a, Op::Get),
    },
    Bif {
        name: "add",
        arity: 3,
        f: |c, a| update(c, a, Op::Add),
    },
    Bif {
        name: "add_get",
        arity: 3,
        f: |c, a| update(c, a, Op::AddGet),
    },
    Bif {
        name: "sub",
        arity: 3,
        f: |c, a| update(c, a, Op::Sub),
    },
    Bif {
        name: "sub_get",
        arity: 3,
        f: |c, a| update(c, a, Op::SubGet),
    },
    Bif {
        name: "exchange",
        arity: 3,
        f: |c, a| update(c, a, Op::Exchange),
    },
    Bif {
        name: "compare_exchange",
        arity: 4,
        f: compare_exchange,
    },
    Bif {
        name: "info",
        arity: 1,
        f: atomics_info,
    },
];

pub static COUNTERS: &[Bif] = &[
    Bif {
        name: "new",
        arity: 2,
        f: counters_new,
    },
    Bif {
        name: "get",
        arity: 2,
        f: |c, a| counter(c, a, Op::Get),
    },
    Bif {
        name: "add",
        arity: 3,
        f: |c, a| counter(c, a, Op::Add),
    },
    Bif {
        name: "sub",
        arity: 3,
        f: |c, a| counter(c, a, Op::Sub),
    },
    Bif {
        name: "put",
        arity: 3,
        f: |c, a| counter(c, a, Op::Put),
    },
    Bif {
        name: "info",
        arity: 1,
        f: counters_info,
    },
];

// --- persistent_term ---

fn pt_put(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    globals::persistent_put(a[0], a[1]).map_err(heap_err)?;
    Ok(atom("ok"))
}

fn pt_get(c: &mut BifCx<'_>, key: Term, default: Option<Term>) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    globals::persistent_get(key, |v| match (v, default) {
        (Some(v), _) => out(heap, v),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(bad()),
    })
}

fn pt_all(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    let items = globals::persistent_all(|it| {
        it.map(|(k, v)| {
            let (k, v) = (out(heap, k)?, out(heap, v)?);
            construct::tuple(heap, &[k, v]).map_err(heap_err)
        })
        .collect::<Result<Vec<_>, _>>()
    })?;
    construct::list(heap, &items).map_err(heap_err)
}

fn pt_info(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let (n, words) = globals::persistent_all(|it| {
        it.fold((0, 0), |(n, w), (k, v)| {
            (
                n + 1,
                w + beam_runtime::copy::size_of(k) + beam_runtime::copy::size_of(v) + 3,
            )
        })
    });
    let pairs = [
        (atom("count"), small(n)),
        (atom("memory"), small(words as i64 * 4)),
    ];
    map::from_pairs(&mut c.heap, &pairs).map_err(|_| bad())
}

// --- atomics ---

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Put,
    Get,
    Add,
    AddGet,
    Sub,
    SubGet,
    Exchange,
}

fn int_of(t: Term) -> Result<i128, Raise> {
    number(t)
        .ok()
        .and_then(|n| big(&n))
        .and_then(|b| b.to_i128())
        .ok_or_else(bad)
}

fn int_out(heap: &mut BifHeap, v: i128) -> Result<Term, Raise> {
    match i64::try_from(v).ok().and_then(Term::small) {
        Some(t) => Ok(t),
        None => bignum::integer(heap, &BigInt::from(v)).map_err(heap_err),
    }
}

fn range(signed: bool) -> (i128, i128) {
    if signed {
        (i64::MIN as i128, i64::MAX as i128)
    } else {
        (0, u64::MAX as i128)
    }
}

/// A cell as the array's type reads it.
fn read(a: &Atomics, bits: u64) -> i128 {
    if a.signed {
        bits as i64 as i128
    } else {
        bits as i128
    }
}

/// `Ref`: the reference numbers of an atomics array.
fn array_id(t: Term) -> Result<[u32; 3], Raise> {
    construct::ref_numbers(t).ok_or_else(bad)
}

fn update(c: &mut BifCx<'_>, a: &[Term], op: Op) -> Result<Term, Raise> {
    let id = array_id(a[0])?;
    let ix = a[1].small_value().filter(|&i| i >= 1).ok_or_else(bad)? as usize;
    let arg = if op == Op::Get { 0 } else { int_of(a[2])? };
    let r = globals::with_atomics(id, |arr| -> Result<Option<i128>, Raise> {
        let (lo, hi) = range(arr.signed);
        let cell = *arr.cells.get(ix - 1).ok_or_else(bad)?;
        // Increments may be any 64-bit integer, signed or not; values must fit the type.
        let incr_ok = (i64::MIN as i128..=u64::MAX as i128).contains(&arg);
        let new = match op {
            Op::Get => return Ok(Some(read(arr, cell))),
            Op::Put | Op::Exchange if !(lo..=hi).contains(&arg) => return Err(bad()),
            Op::Put | Op::Exchange => arg as u64,
            _ if !incr_ok => return Err(bad()),
            Op::Add | Op::AddGet => cell.wrapping_add(arg as u64),
            Op::Sub | Op::SubGet => cell.wrapping_sub(arg as u64),
        };
        arr.cells[ix - 1] = new;
        Ok(match op {
            Op::AddGet | Op::SubGet => Some(read(arr, new)),
            Op::Exchange => Some(read(arr, cell)),
            _ => None,
        })
    })
    .ok_or_else(bad)??;
    match r {
        Some(v) => int_out(&mut c.heap, v),
        None => Ok(atom("ok")),
    }
}

/// `compare_exchange(Ref, Ix, Expected, Desired)`: `ok` if the cell held `Expected` (now
/// `Desired`), else the value it holds.
fn compare_exchange(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let id = array_id(a[0])?;
    let ix = a[1].small_value().filter(|&i| i >= 1).ok_or_else(bad)? as usize;
    let (expected, desired) = (int_of(a[2])?, int_of(a[3])?);
    let r = globals::with_atomics(id, |arr| -> Result<Option<i128>, Raise> {
        let (lo, hi) = range(arr.signed);
        let cell = *arr.cells.get(ix - 1).ok_or_else(bad)?;
        if !(lo..=hi).contains(&expected) || !(lo..=hi).contains(&desired) {
            return Err(bad());
        }
        let now = read(arr, cell);
        if now == expected {
            arr.cells[ix - 1] = desired as u64;
            Ok(None)
        } else {
            Ok(Some(now))
        }
    })
    .ok_or_else(bad)??;
    match r {
        Some(v) => int_out(&mut c.heap, v),
        None => Ok(atom("ok")),
    }
}

fn new_array(c: &mut BifCx<'_>, size: Term, signed: bool) -> Result<Term, Raise> {
    let n = size.small_value().filter(|&n| n >= 1).ok_or_else(bad)? as usize;
    let cx = c.proc.as_mut().ok_or_else(bad)?;
    let id = cx.new_ref();
    globals::atomics_new(id, n, signed);
    construct::make_ref(&mut c.heap, id).map_err(heap_err)
}

fn atomics_new(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut signed = true;
    for o in proper_list(a[1]).map_err(|_| bad())? {
        match construct::tuple_elements(o).as_deref() {
            Some([t, v]) if *t == atom("signed") && (*v == atom("true") || *v == atom("false")) => {
                signed = *v == atom("true")
            }
            _ => return Err(bad()),
        }
    }
    new_array(c, a[0], signed)
}

fn info_map(c: &mut BifCx<'_>, id: [u32; 3], with_range: bool) -> Result<Term, Raise> {
    let (size, signed) =
        globals::with_atomics(id, |a| (a.cells.len(), a.signed)).ok_or_else(bad)?;
    let (lo, hi) = range(signed);
    let mut pairs = vec![
        (atom("size"), small(size as i64)),
        (atom("memory"), small(size as i64 * 8 + 24)),
    ];
    if with_range {
        let (lo, hi) = (int_out(&mut c.heap, lo)?, int_out(&mut c.heap, hi)?);
        pairs.push((atom("min"), lo));
        pairs.push((atom("max"), hi));
    }
    map::from_pairs(&mut c.heap, &pairs).map_err(|_| bad())
}

fn atomics_info(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    info_map(c, array_id(a[0])?, true)
}

// --- counters: `{atomics, Ref}` over a signed atomics array (counters.erl's layout) ---

fn counters_new(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    for o in proper_list(a[1]).map_err(|_| bad())? {
        if o != atom("atomics") && o != atom("write_concurrency") {
            return Err(bad());
        }
    }
    let r = new_array(c, a[0], true)?;
    construct::tuple(&mut c.heap, &[atom("atomics"), r]).map_err(heap_err)
}

fn counter_ref(t: Term) -> Result<Term, Raise> {
    match construct::tuple_elements(t).as_deref() {
        Some([tag, r]) if *tag == atom("atomics") => Ok(*r),
        _ => Err(bad()),
    }
}

fn counter(c: &mut BifCx<'_>, a: &[Term], op: Op) -> Result<Term, Raise> {
    let mut args = a.to_vec();
    args[0] = counter_ref(a[0])?;
    update(c, &args, op)
}

fn counters_info(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    info_map(c, array_id(counter_ref(a[0])?)?, false)
}
