//! Module `ets` (`erl_db.c`): table management and the key-addressed operations.
//! The match/select family is in `bifs_ets_select.rs`, match specifications in
//! `bifs_ets_ms.rs`, the storage in `beam_runtime::ets`.
//!
//! Errors are `badarg` as erl raises them: an unknown table, an access the table's
//! protection forbids, a bad argument.

use beam_runtime::ets::{self, Access, Kind, Objects, Stored, Table};
use beam_runtime::process::Pid;
use beam_runtime::term::Term;
use beam_runtime::{bignum, construct, copy};
use num_bigint::BigInt;

use crate::bifs::{atom, big, boolean, error, heap_err, number, small, Bif, BifCx, BifHeap, Raise};
use crate::bifs_more::proper_list;

pub static ETS: &[Bif] = &[
    Bif {
        name: "new",
        arity: 2,
        f: new,
    },
    Bif {
        name: "insert",
        arity: 2,
        f: |c, a| insert(c, a, false),
    },
    Bif {
        name: "insert_new",
        arity: 2,
        f: |c, a| insert(c, a, true),
    },
    Bif {
        name: "lookup",
        arity: 2,
        f: lookup,
    },
    Bif {
        name: "lookup_element",
        arity: 3,
        f: lookup_element,
    },
    Bif {
        name: "member",
        arity: 2,
        f: member,
    },
    Bif {
        name: "delete",
        arity: 1,
        f: delete_table,
    },
    Bif {
        name: "delete",
        arity: 2,
        f: delete_key,
    },
    Bif {
        name: "delete_object",
        arity: 2,
        f: delete_object,
    },
    Bif {
        name: "delete_all_objects",
        arity: 1,
        f: delete_all,
    },
    Bif {
        name: "internal_delete_all",
        arity: 2,
        f: delete_all,
    },
    Bif {
        name: "take",
        arity: 2,
        f: take,
    },
    Bif {
        name: "update_counter",
        arity: 3,
        f: |c, a| update_counter(c, a, None),
    },
    Bif {
        name: "update_counter",
        arity: 4,
        f: |c, a| update_counter(c, a, Some(a[3])),
    },
    Bif {
        name: "update_element",
        arity: 3,
        f: update_element,
    },
    Bif {
        name: "first",
        arity: 1,
        f: |c, a| step(c, a[0], None, false),
    },
    Bif {
        name: "last",
        arity: 1,
        f: |c, a| step(c, a[0], None, true),
    },
    Bif {
        name: "next",
        arity: 2,
        f: |c, a| step(c, a[0], Some(a[1]), false),
    },
    Bif {
        name: "prev",
        arity: 2,
        f: |c, a| step(c, a[0], Some(a[1]), true),
    },
    Bif {
        name: "slot",
        arity: 2,
        f: slot,
    },
    Bif {
        name: "info",
        arity: 1,
        f: info1,
    },
    Bif {
        name: "info",
        arity: 2,
        f: info2,
    },
    Bif {
        name: "whereis",
        arity: 1,
        f: whereis,
    },
    Bif {
        name: "rename",
        arity: 2,
        f: rename,
    },
    Bif {
        name: "give_away",
        arity: 3,
        f: give_away,
    },
    Bif {
        name: "setopts",
        arity: 2,
        f: setopts,
    },
    Bif {
        name: "all",
        arity: 0,
        f: all,
    },
    Bif {
        name: "safe_fixtable",
        arity: 2,
        f: safe_fixtable,
    },
];

pub(crate) fn bad() -> Raise {
    error("badarg")
}

pub(crate) fn me(c: &BifCx<'_>) -> Result<Pid, Raise> {
    Pid::from_term(c.self_pid).ok_or_else(bad)
}

/// Runs `f` on table `t` if `pid` may read it (or write it, with `write`).
pub(crate) fn with_table<R>(
    pid: Pid,
    t: Term,
    write: bool,
    f: impl FnOnce(&mut Table) -> Result<R, Raise>,
) -> Result<R, Raise> {
    // Only an atom can name ac_tab: a tid skips interning the name (a global lock and a
    // SipHash per ETS operation).
    static AC_TAB: std::sync::OnceLock<Term> = std::sync::OnceLock::new();
    // Under the real boot application_controller makes it (docs/boot.md).
    if t.is_atom()
        && !crate::otp_boot::on()
        && t == *AC_TAB.get_or_init(|| atom("ac_tab"))
        && ets::with(|tabs| tabs.get(t).is_none())
    {
        boot_ac_tab()?;
    }
    ets::with(|tabs| {
        let tb = tabs.get_mut(t).ok_or_else(no_table)?;
        if !tb.allows(pid, write) {
            return Err(crate::bifs::badarg_cause("access"));
        }
        f(tb)
    })
}

/// `badarg` for a table id or name that names no table: erl's error_info says
/// `cause => id` (erl_stdlib_errors: "the table identifier does not refer to an existing
/// ETS table").
pub(crate) fn no_table() -> Raise {
    crate::bifs::badarg_cause("id")
}

/// application_controller's table, which the boot makes: without the boot,
/// `application:get_env/2,3` (which OTP's own modules call, e.g. proc_lib's crash report)
/// reads it directly and would crash. Made when first used, owned by no process (so it
/// stays), with the kernel environment erl starts with (no applications loaded).
fn boot_ac_tab() -> Result<(), Raise> {
    let mut cx = BifCx {
        heap: BifHeap::default(),
        self_pid: Pid::dead().term(),
        proc: None,
    };
    let h = &mut cx.heap;
    let opts = construct::list(h, &[atom("set"), atom("public"), atom("named_table")])
        .map_err(heap_err)?;
    new_owned(&mut cx, &[atom("ac_tab"), opts], Some(Pid::dead()))?;
    let env: [(&str, Term); 7] = [
        ("connect_all", atom("true")),
        ("shell_docs_ansi", atom("auto")),
        ("prevent_overlapping_partitions", atom("true")),
        ("logger_sasl_compatible", atom("false")),
        ("net_tickintensity", Term::small(4).ok_or_else(bad)?),
        ("net_ticktime", Term::small(60).ok_or_else(bad)?),
        ("logger_level", atom("notice")),
    ];
    for (k, v) in env {
        let h = &mut cx.heap;
        let key = construct::tuple(h, &[atom("env"), atom("kernel"), atom(k)]).map_err(heap_err)?;
        let obj = construct::tuple(h, &[key, v]).map_err(heap_err)?;
        insert(&mut cx, &[atom("ac_tab"), obj], false)?;
    }
    Ok(())
}

/// A copy of table term `t` on the caller's heap.
pub(crate) fn out(heap: &mut BifHeap, t: Term) -> Result<Term, Raise> {
    copy::copy_term(t, heap).map_err(heap_err)
}

pub(crate) fn out_list(heap: &mut BifHeap, ts: impl Iterator<Item = Term>) -> Result<Term, Raise> {
    // Pushed one by one: SmallVec's generic `extend` (what `collect` uses) cost about 90
    // instructions per lookup natively.
    let mut v: smallvec::SmallVec<[Term; 4]> = smallvec::SmallVec::new();
    for t in ts {
        v.push(out(heap, t)?);
    }
    construct::list(heap, &v).map_err(heap_err)
}

/// A key's objects as a list: [`out_list`], with the usual answer of a set (one
/// object) built as one cons cell without the vector (lookup is most ETS calls).
pub(crate) fn out_objects(heap: &mut BifHeap, objs: &[Stored]) -> Result<Term, Raise> {
    if let [o] = objs {
        let t = out(heap, o.term())?;
        return construct::cons(heap, t, Term::NIL).map_err(heap_err);
    }
    out_list(heap, objs.iter().map(Stored::term))
}

/// What names a table to Erlang code: its name if named, else its tid reference.
pub(crate) fn tid_term(heap: &mut BifHeap, tb: &Table) -> Result<Term, Raise> {
    if tb.named {
        Ok(tb.name)
    } else {
        construct::make_ref(heap, tb.id).map_err(heap_err)
    }
}

fn end_of_table() -> Term {
    atom("$end_of_table")
}

fn bool_arg(t: Term) -> Result<bool, Raise> {
    if t == atom("true") {
        Ok(true)
    } else if t == atom("false") {
        Ok(false)
    } else {
        Err(bad())
    }
}

fn heir_arg(parts: &[Term]) -> Result<Option<(Pid, Stored)>, Raise> {
    match parts {
        [_, n] if *n == atom("none") => Ok(None),
        [_, p, d] => {
            let pid = Pid::from_term(*p).ok_or_else(bad)?;
            Ok(Some((pid, Stored::copy_of(*d).map_err(heap_err)?)))
        }
        _ => Err(bad()),
    }
}

fn new(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    new_owned(c, a, None)
}

/// `ets:new/2` for a table owned by `owner` (default: the caller).
pub(crate) fn new_owned(c: &mut BifCx<'_>, a: &[Term], owner: Option<Pid>) -> Result<Term, Raise> {
    let name = a[0];
    if !name.is_atom() {
        return Err(bad());
    }
    let (mut kind, mut keypos, mut access, mut named) = (Kind::Set, 1, Access::Protected, false);
    let (mut heir, mut rc, mut wc, mut compressed) = (None, false, false, false);
    for o in proper_list(a[1]).map_err(|_| bad())? {
        match beam_runtime::atom::name(o).as_deref() {
            Some("set") => kind = Kind::Set,
            Some("ordered_set") => kind = Kind::OrderedSet,
            Some("bag") => kind = Kind::Bag,
            Some("duplicate_bag") => kind = Kind::DuplicateBag,
            Some("public") => access = Access::Public,
            Some("protected") => access = Access::Protected,
            Some("private") => access = Access::Private,
            Some("named_table") => named = true,
            Some("compressed") => compressed = true,
            Some(_) => return Err(bad()),
            None => {
                let parts = construct::tuple_elements(o).ok_or_else(bad)?;
                let tag = parts.first().and_then(|&t| beam_runtime::atom::name(t));
                match (tag.as_deref(), parts.len()) {
                    (Some("keypos"), 2) => {
                        keypos = parts[1].small_value().filter(|&n| n >= 1).ok_or_else(bad)? as u32
                    }
                    (Some("heir"), _) => heir = heir_arg(&parts)?,
                    (Some("read_concurrency"), 2) => rc = bool_arg(parts[1])?,
                    (Some("write_concurrency"), 2) => {
                        wc = parts[1] == atom("auto") || bool_arg(parts[1])?
                    }
                    (Some("decentralized_counters"), 2) => {
                        bool_arg(parts[1])?;
                    }
                    _ => return Err(bad()),
                }
            }
        }
    }
    let (id, owner) = match (c.proc.as_mut(), owner) {
        (Some(cx), o) => (cx.new_ref(), o.unwrap_or_else(|| cx.self_pid())),
        // A table the boot would make, outside any process (`boot_ac_tab`): a
        // reference number no `make_ref` gives.
        (None, Some(o)) => ([u32::MAX, u32::MAX, u32::MAX], o),
        (None, None) => return Err(bad()),
    };
    ets::with(|tabs| {
        if named && tabs.names.contains_key(&name.0) {
            return Err(bad());
        }
        tabs.add(Table {
            id,
            name,
            named,
            access,
            owner,
            heir,
            read_concurrency: rc,
            write_concurrency: wc,
            compressed,
            objects: Objects::new(kind, keypos, wc),
            fixers: Vec::new(),
            fixed_since: (0, 0),
        });
        Ok(())
    })?;
    if named {
        Ok(name)
    } else {
        construct::make_ref(&mut c.heap, id).map_err(heap_err)
    }
}

/// The objects `a` stands for (one tuple or a list of tuples), each with a key at
/// `keypos`.
fn objects_arg(a: Term, keypos: u32) -> Result<Vec<Term>, Raise> {
    let objs = if construct::tuple_arity(a).is_some() {
        vec![a]
    } else {
        proper_list(a).map_err(|_| bad())?
    };
    if objs
        .iter()
        .any(|&o| construct::tuple_arity(o).is_none_or(|n| n < keypos))
    {
        return Err(bad());
    }
    Ok(objs)
}

fn insert(c: &mut BifCx<'_>, a: &[Term], only_new: bool) -> Result<Term, Raise> {
    with_table(me(c)?, a[0], true, |tb| {
        // One object: no list of objects to build.
        if construct::tuple_arity(a[1]).is_some_and(|n| n >= tb.objects.keypos) {
            if only_new
                && tb
                    .objects
                    .key_of(a[1])
                    .is_some_and(|k| tb.objects.contains(k))
            {
                return Ok(boolean(false));
            }
            tb.objects.insert(a[1]).map_err(heap_err)?;
            return Ok(boolean(true));
        }
        let objs = objects_arg(a[1], tb.objects.keypos)?;
        if only_new {
            let keys: Vec<Term> = objs.iter().filter_map(|&o| tb.objects.key_of(o)).collect();
            if keys.iter().any(|&k| tb.objects.contains(k)) {
                return Ok(boolean(false));
            }
        }
        // A bag takes a list's objects last to first (erl: `insert(T, [{1,a},{1,b}])`
        // then `lookup(T, 1)` gives `[{1,b},{1,a}]`); other types in list order.
        let bag = tb.objects.kind == Kind::Bag;
        let ordered: Box<dyn Iterator<Item = Term>> = if bag {
            Box::new(objs.into_iter().rev())
        } else {
            Box::new(objs.into_iter())
        };
        for o in ordered {
            tb.objects.insert(o).map_err(heap_err)?;
        }
        Ok(boolean(true))
    })
}

fn lookup(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    with_table(me_of(c.self_pid)?, a[0], false, |tb| {
        out_objects(heap, tb.objects.lookup(a[1]))
    })
}

fn me_of(t: Term) -> Result<Pid, Raise> {
    Pid::from_term(t).ok_or_else(bad)
}

fn lookup_element(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    // The table is checked first (a missing one is `cause => id` whatever the position).
    with_table(me_of(c.self_pid)?, a[0], false, |tb| {
        let pos = a[2].small_value().filter(|&n| n >= 1).ok_or_else(bad)? as u32;
        let objs = tb.objects.lookup(a[1]);
        if objs.is_empty() {
            return Err(crate::bifs::badarg_cause("badkey"));
        }
        let elems = objs
            .iter()
            .map(|s| construct::tuple_get(s.term(), pos - 1).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()?;
        match (tb.objects.kind.is_bag(), elems.as_slice()) {
            (_, []) => Err(bad()),
            (false, [e]) => out(heap, *e),
            _ => out_list(heap, elems.into_iter()),
        }
    })
}

fn member(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    with_table(me(c)?, a[0], false, |tb| {
        Ok(boolean(tb.objects.contains(a[1])))
    })
}

fn delete_table(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let id = with_table(me(c)?, a[0], true, |tb| Ok(tb.id))?;
    ets::with(|tabs| tabs.remove(id));
    Ok(boolean(true))
}

fn delete_key(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    with_table(me(c)?, a[0], true, |tb| {
        tb.objects.delete_key(a[1]);
        Ok(boolean(true))
    })
}

fn delete_object(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    with_table(me(c)?, a[0], true, |tb| {
        objects_arg(a[1], tb.objects.keypos)?;
        if construct::tuple_arity(a[1]).is_none() {
            return Err(bad());
        }
        tb.objects.delete_object(a[1]);
        Ok(boolean(true))
    })
}

fn delete_all(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    with_table(me(c)?, a[0], true, |tb| {
        tb.objects.clear();
        Ok(boolean(true))
    })
}

fn take(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    with_table(me_of(c.self_pid)?, a[0], true, |tb| {
        let r = out_objects(heap, tb.objects.lookup(a[1]))?;
        tb.objects.delete_key(a[1]);
        Ok(r)
    })
}

fn int_of(t: Term) -> Result<BigInt, Raise> {
    number(t).ok().and_then(|n| big(&n)).ok_or_else(bad)
}

fn int_out(heap: &mut BifHeap, v: &BigInt) -> Result<Term, Raise> {
    use num_traits::ToPrimitive;
    match v.to_i64().and_then(Term::small) {
        Some(t) => Ok(t),
        None => bignum::integer(heap, v).map_err(heap_err),
    }
}

/// The elements of the object under `key`, or of `default` with its key set to `key`.
fn current_or_default(tb: &Table, key: Term, default: Option<Term>) -> Result<Vec<Term>, Raise> {
    if let Some(s) = tb.objects.lookup(key).first() {
        return construct::tuple_elements(s.term()).ok_or_else(bad);
    }
    let d = default.ok_or_else(bad)?;
    let mut v = construct::tuple_elements(d).ok_or_else(bad)?;
    let kp = tb.objects.keypos as usize;
    if v.len() < kp {
        return Err(bad());
    }
    v[kp - 1] = key;
    Ok(v)
}

/// `update_counter/3,4`: `Incr`, `{Pos, Incr}`, `{Pos, Incr, Threshold, SetValue}` or a
/// list of those (`erl_db.c`'s `do_update_counter`, restated); `/4` inserts the default
/// object when the key is missing.
fn update_counter(c: &mut BifCx<'_>, a: &[Term], default: Option<Term>) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    with_table(me_of(c.self_pid)?, a[0], true, |tb| {
        if tb.objects.kind.is_bag() {
            return Err(bad());
        }
        let kp = tb.objects.keypos;
        // The usual call, `Incr` or `{Pos, Incr}` of smalls on a small element of an
        // object that is there, in place: no BigInt, no vectors (about 470 instructions
        // a call natively on the general path below).
        if let Some((pos, incr)) = small_counter_op(a[2], kp) {
            if let Some(t) = tb.objects.add_to_small_element(a[1], pos, incr) {
                return Ok(t);
            }
        }
        let (ops, single) = if a[2].is_list() || a[2].is_nil() {
            (proper_list(a[2]).map_err(|_| bad())?, false)
        } else {
            (vec![a[2]], true)
        };
        // Check every op before touching the object.
        let mut parsed = Vec::new();
        for op in ops {
            let (pos, incr, limit) = match construct::tuple_elements(op) {
                None => (kp + 1, int_of(op)?, None),
                Some(p) if p.len() == 2 => (pos_of(p[0])?, int_of(p[1])?, None),
                Some(p) if p.len() == 4 => (
                    pos_of(p[0])?,
                    int_of(p[1])?,
                    Some((int_of(p[2])?, int_of(p[3])?)),
                ),
                _ => return Err(bad()),
            };
            if pos == kp {
                return Err(bad());
            }
            parsed.push((pos, incr, limit));
        }
        let existed = !tb.objects.lookup(a[1]).is_empty();
        let mut elems = current_or_default(tb, a[1], default)?;
        let mut results = Vec::new();
        for (pos, incr, limit) in parsed {
            let slot = elems.get_mut(pos as usize - 1).ok_or_else(bad)?;
            // Small + small without a threshold: no bignum arithmetic.
            let fast = match (slot.small_value(), i64::try_from(&incr), &limit) {
                (Some(x), Ok(d), None) => (x as i64).checked_add(d).and_then(Term::small),
                _ => None,
            };
            *slot = match fast {
                Some(t) => t,
                None => {
                    let mut v = int_of(*slot)? + &incr;
                    if let Some((threshold, set)) = limit {
                        let zero = BigInt::from(0);
                        if (incr >= zero && v > threshold) || (incr < zero && v < threshold) {
                            v = set;
                        }
                    }
                    int_out(heap, &v)?
                }
            };
            results.push(*slot);
        }
        if !(existed && tb.objects.update_in_place(a[1], &elems)) {
            let obj = construct::tuple(heap, &elems).map_err(heap_err)?;
            tb.objects.insert(obj).map_err(heap_err)?;
        }
        if single {
            Ok(results[0])
        } else {
            construct::list(heap, &results).map_err(heap_err)
        }
    })
}

/// `Incr` or `{Pos, Incr}` with small `Incr` and a position other than the key's:
/// `(Pos, Incr)`; `None` for anything else (a threshold, a list, an error to raise).
fn small_counter_op(op: Term, kp: u32) -> Option<(u32, i64)> {
    let (pos, incr) = match op.small_value() {
        Some(n) => (kp + 1, n),
        None if construct::tuple_arity(op)? == 2 => {
            let pos = construct::tuple_get(op, 0)?.small_value()?;
            let incr = construct::tuple_get(op, 1)?.small_value()?;
            (u32::try_from(pos).ok().filter(|&p| p >= 1)?, incr)
        }
        None => return None,
    };
    (pos != kp).then_some((pos, i64::from(incr)))
}

fn pos_of(t: Term) -> Result<u32, Raise> {
    t.small_value()
        .filter(|&n| n >= 1)
        .map(|n| n as u32)
        .ok_or_else(bad)
}

fn update_element(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    with_table(me_of(c.self_pid)?, a[0], true, |tb| {
        if tb.objects.kind.is_bag() {
            return Err(bad());
        }
        let ops = if construct::tuple_arity(a[2]).is_some() {
            vec![a[2]]
        } else {
            proper_list(a[2]).map_err(|_| bad())?
        };
        let mut parsed = Vec::new();
        for op in ops {
            let p = construct::tuple_elements(op).ok_or_else(bad)?;
            let [pos, v] = p[..] else { return Err(bad()) };
            let pos = pos_of(pos)?;
            if pos == tb.objects.keypos {
                return Err(bad());
            }
            parsed.push((pos, v));
        }
        let Some(cur) = tb.objects.lookup(a[1]).first() else {
            return Ok(boolean(false));
        };
        let mut elems = construct::tuple_elements(cur.term()).ok_or_else(bad)?;
        for (pos, v) in parsed {
            *elems.get_mut(pos as usize - 1).ok_or_else(bad)? = v;
        }
        let obj = construct::tuple(heap, &elems).map_err(heap_err)?;
        tb.objects.insert(obj).map_err(heap_err)?;
        Ok(boolean(true))
    })
}

/// first/last (`from` None) and next/prev.
fn step(c: &mut BifCx<'_>, t: Term, from: Option<Term>, back: bool) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    with_table(me_of(c.self_pid)?, t, false, |tb| {
        let o = &tb.objects;
        let k = match (from, back) {
            (None, false) => o.first(),
            (None, true) => o.last(),
            // A hash table's next/prev needs a key that is there (erl: badarg).
            (Some(k), false) => o.next(k).map_err(|_| bad())?,
            (Some(k), true) => o.prev(k).map_err(|_| bad())?,
        };
        // Not `map_or`: its default is made first, an atom interned per step.
        match k {
            Some(k) => out(heap, k),
            None => Ok(end_of_table()),
        }
    })
}

/// `slot/2`: an ordered_set's I-th object; a hash table's I-th key's objects.
fn slot(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let i = a[1].small_value().filter(|&n| n >= 0).ok_or_else(bad)? as usize;
    let heap = &mut c.heap;
    with_table(me_of(c.self_pid)?, a[0], false, |tb| {
        let o = &tb.objects;
        match o.slot(i) {
            Some(objs) => out_list(heap, objs.into_iter()),
            None if i == o.slot_end() => Ok(end_of_table()),
            None => Err(bad()),
        }
    })
}

/// The items of `info/1`, in erl's order.
const INFO_ITEMS: &[&str] = &[
    "id",
    "decentralized_counters",
    "read_concurrency",
    "write_concurrency",
    "compressed",
    "memory",
    "owner",
    "heir",
    "name",
    "size",
    "node",
    "named_table",
    "type",
    "keypos",
    "protection",
];

fn info_item(heap: &mut BifHeap, tb: &Table, item: &str) -> Result<Term, Raise> {
    Ok(match item {
        "id" => construct::make_ref(heap, tb.id).map_err(heap_err)?,
        "decentralized_counters" => boolean(false),
        "read_concurrency" => boolean(tb.read_concurrency),
        "write_concurrency" => boolean(tb.write_concurrency),
        "compressed" => boolean(tb.compressed),
        "memory" => small(tb.objects.words() as i64 + 100),
        "owner" => tb.owner.term(),
        "heir" => match &tb.heir {
            Some((p, _)) => p.term(),
            None => atom("none"),
        },
        "name" => tb.name,
        "size" => small(tb.objects.len() as i64),
        "node" => atom("nonode@nohost"),
        "named_table" => boolean(tb.named),
        "type" => atom(tb.objects.kind.name()),
        "keypos" => small(tb.objects.keypos as i64),
        "protection" => atom(tb.access.name()),
        "fixed" => boolean(!tb.fixers.is_empty()),
        "safe_fixed" => safe_fixed(heap, tb, false)?,
        "safe_fixed_monotonic_time" => safe_fixed(heap, tb, true)?,
        "stats" => atom("false"),
        _ => return Err(bad()),
    })
}

fn info1(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    let r = ets::with(|tabs| {
        let Some(tb) = tabs.get(a[0]) else {
            return Ok(None);
        };
        let mut items = Vec::new();
        for &i in INFO_ITEMS {
            let v = info_item(heap, tb, i)?;
            items.push(construct::tuple(heap, &[atom(i), v]).map_err(heap_err)?);
        }
        construct::list(heap, &items).map(Some).map_err(heap_err)
    });
    if !a[0].is_atom() && construct::ref_numbers(a[0]).is_none() {
        return Err(bad());
    }
    Ok(r?.unwrap_or_else(|| atom("undefined")))
}

fn info2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if !a[0].is_atom() && construct::ref_numbers(a[0]).is_none() {
        return Err(bad());
    }
    let item = beam_runtime::atom::name(a[1]).ok_or_else(bad)?;
    let heap = &mut c.heap;
    ets::with(|tabs| match tabs.get(a[0]) {
        None => Ok(atom("undefined")),
        Some(tb) => info_item(heap, tb, &item),
    })
}

fn whereis(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if !a[0].is_atom() {
        return Err(bad());
    }
    let heap = &mut c.heap;
    ets::with(|tabs| match tabs.names.get(&a[0].0) {
        Some(&id) => construct::make_ref(heap, id).map_err(heap_err),
        None => Ok(atom("undefined")),
    })
}

fn rename(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let name = a[1];
    if !name.is_atom() {
        return Err(bad());
    }
    let pid = me(c)?;
    let id = with_table(pid, a[0], true, |tb| Ok(tb.id))?;
    ets::with(|tabs| {
        let named = tabs.by_id.get(&id).is_some_and(|t| t.named);
        if named {
            if tabs.names.contains_key(&name.0) {
                return Err(bad());
            }
            let old = tabs.by_id.get(&id).map(|t| t.name).ok_or_else(bad)?;
            tabs.names.remove(&old.0);
            tabs.names.insert(name.0, id);
        }
        if let Some(t) = tabs.by_id.get_mut(&id) {
            t.name = name;
        }
        Ok(name)
    })
}

fn give_away(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let to = Pid::from_term(a[1]).ok_or_else(bad)?;
    let pid = me(c)?;
    // The table first, as erl: a missing one is `cause => id` whoever it goes to.
    if ets::with(|tabs| tabs.get(a[0]).is_none()) {
        return Err(no_table());
    }
    let cx = c.proc.as_mut().ok_or_else(bad)?;
    if to == pid || !cx.is_alive(to) {
        return Err(bad());
    }
    let tab = ets::with(|tabs| {
        let tb = tabs.get_mut(a[0]).ok_or_else(no_table)?;
        if tb.owner != pid {
            return Err(bad());
        }
        tb.owner = to;
        tid_term(&mut c.heap, tb)
    })?;
    let msg = construct::tuple(&mut c.heap, &[atom("ETS-TRANSFER"), tab, pid.term(), a[2]])
        .map_err(heap_err)?;
    let cx = c.proc.as_mut().ok_or_else(bad)?;
    cx.send_pid(to, msg).map_err(|_| bad())?;
    Ok(boolean(true))
}

fn setopts(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let pid = me(c)?;
    let opts = if construct::tuple_arity(a[1]).is_some() {
        vec![a[1]]
    } else {
        proper_list(a[1]).map_err(|_| bad())?
    };
    ets::with(|tabs| {
        let tb = tabs.get_mut(a[0]).ok_or_else(no_table)?;
        if tb.owner != pid {
            return Err(bad());
        }
        for o in opts {
            let p = construct::tuple_elements(o).ok_or_else(bad)?;
            match beam_runtime::atom::name(p[0]).as_deref() {
                Some("heir") => tb.heir = heir_arg(&p)?,
                Some("protection") if p.len() == 2 => {
                    tb.access = match beam_runtime::atom::name(p[1]).as_deref() {
                        Some("public") => Access::Public,
                        Some("protected") => Access::Protected,
                        Some("private") => Access::Private,
                        _ => return Err(bad()),
                    }
                }
                _ => return Err(bad()),
            }
        }
        Ok(boolean(true))
    })
}

fn all(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let heap = &mut c.heap;
    ets::with(|tabs| {
        let mut v = Vec::new();
        for id in tabs.order.iter().rev() {
            if let Some(tb) = tabs.by_id.get(id) {
                v.push(tid_term(heap, tb)?);
            }
        }
        construct::list(heap, &v).map_err(heap_err)
    })
}

/// A fixed hash table neither grows nor shrinks and keeps keys deleted meanwhile for
/// next/2 (so a traversal that deletes, as ets:foldl's fun may, goes on as in erl);
/// fixations are counted per process and released when it ends.
fn safe_fixtable(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let on = bool_arg(a[1])?;
    let pid = me(c)?;
    with_table(pid, a[0], false, |tb| {
        let was_fixed = !tb.fixers.is_empty();
        tb.fix(pid, on);
        if !was_fixed && !tb.fixers.is_empty() {
            tb.fixed_since = crate::bifs_proc::now_pair();
        }
        Ok(boolean(true))
    })
}

/// `info(T, safe_fixed)`: `false`, or `{{Mega, Sec, Micro}, [{Pid, Count}]}` (with
/// `monotonic`: `{MonotonicNative, [...]}`), the fixers in the order they came.
fn safe_fixed(heap: &mut BifHeap, tb: &ets::Table, monotonic: bool) -> Result<Term, Raise> {
    if tb.fixers.is_empty() {
        return Ok(boolean(false));
    }
    let (mono, micros) = tb.fixed_since;
    let when = if monotonic {
        crate::bifs::int_term_heap(heap, &num_bigint::BigInt::from(mono))?
    } else {
        let parts = [
            micros / 1_000_000_000_000,
            (micros / 1_000_000) % 1_000_000,
            micros % 1_000_000,
        ]
        .map(|p| small(p as i64));
        construct::tuple(heap, &parts).map_err(heap_err)?
    };
    let mut pairs = Vec::new();
    for &(pid, n) in tb.fixers.iter() {
        pairs.push(construct::tuple(heap, &[pid.term(), small(i64::from(n))]).map_err(heap_err)?);
    }
    let list = construct::list(heap, &pairs).map_err(heap_err)?;
    construct::tuple(heap, &[when, list]).map_err(heap_err)
}
