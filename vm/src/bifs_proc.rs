//! BIFs of module `erlang` around processes and the system: the process dictionary,
//! registered names, links, monitors and exit signals, spawn variants, tuple and integer
//! conversions the compiler does not inline, time, and node identity.
//!
//! Semantics follow the OTP 25 reference manual (erlang module); where OTP's answer
//! depends on its internals (the order of `get/0`, the values of `unique_integer/0`)
//! the documented contract is kept and the order is insertion order.

use std::cell::{Cell, RefCell};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use beam_runtime::ctx::{Ctx, SpawnOpts};
use beam_runtime::ops;
use beam_runtime::process::Pid;
use beam_runtime::term::Term;
use beam_runtime::{atom as atoms, construct};
use num_bigint::BigInt;

use crate::bifs::{atom, boolean, error, heap_err, int_term, small, Bif, BifCx, Raise};
use crate::bifs_more::{proper_list, spawn_fun, spawn_mfa, string};

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "put",
        arity: 2,
        f: put,
    },
    Bif {
        name: "get",
        arity: 1,
        f: get,
    },
    Bif {
        name: "get",
        arity: 0,
        f: get_all,
    },
    Bif {
        name: "get_keys",
        arity: 0,
        f: get_keys,
    },
    Bif {
        name: "get_keys",
        arity: 1,
        f: get_keys,
    },
    Bif {
        name: "erase",
        arity: 1,
        f: erase,
    },
    Bif {
        name: "erase",
        arity: 0,
        f: erase_all,
    },
    Bif {
        name: "register",
        arity: 2,
        f: register,
    },
    Bif {
        name: "unregister",
        arity: 1,
        f: unregister,
    },
    Bif {
        name: "whereis",
        arity: 1,
        f: whereis,
    },
    Bif {
        name: "registered",
        arity: 0,
        f: registered,
    },
    Bif {
        name: "link",
        arity: 1,
        f: link,
    },
    Bif {
        name: "unlink",
        arity: 1,
        f: unlink,
    },
    Bif {
        name: "spawn_link",
        arity: 1,
        f: |c, a| spawn_fun(c, a[0], LINK).map(|r| r.0),
    },
    Bif {
        name: "spawn_link",
        arity: 3,
        f: |c, a| spawn_mfa(c, a, LINK).map(|r| r.0),
    },
    Bif {
        name: "spawn_monitor",
        arity: 1,
        f: |c, a| {
            let r = spawn_fun(c, a[0], MONITOR);
            with_ref(c, r)
        },
    },
    Bif {
        name: "spawn_monitor",
        arity: 3,
        f: |c, a| {
            let r = spawn_mfa(c, a, MONITOR);
            with_ref(c, r)
        },
    },
    Bif {
        name: "monitor",
        arity: 2,
        f: monitor,
    },
    Bif {
        name: "demonitor",
        arity: 1,
        f: demonitor,
    },
    Bif {
        name: "demonitor",
        arity: 2,
        f: demonitor,
    },
    Bif {
        name: "process_flag",
        arity: 2,
        f: process_flag,
    },
    Bif {
        name: "exit",
        arity: 2,
        f: exit2,
    },
    Bif {
        name: "is_process_alive",
        arity: 1,
        f: is_process_alive,
    },
    Bif {
        name: "pid_to_list",
        arity: 1,
        f: pid_to_list,
    },
    Bif {
        name: "fun_to_list",
        arity: 1,
        f: fun_to_list,
    },
    Bif {
        name: "system_flag",
        arity: 2,
        f: system_flag,
    },
    Bif {
        name: "phash",
        arity: 2,
        f: phash,
    },
    Bif {
        name: "phash2",
        arity: 1,
        f: phash2,
    },
    Bif {
        name: "phash2",
        arity: 2,
        f: phash2,
    },
    Bif {
        name: "integer_to_list",
        arity: 2,
        f: integer_to_list2,
    },
    Bif {
        name: "list_to_integer",
        arity: 2,
        f: list_to_integer2,
    },
    Bif {
        name: "list_to_float",
        arity: 1,
        f: list_to_float,
    },
    Bif {
        name: "append_element",
        arity: 2,
        f: append_element,
    },
    Bif {
        name: "insert_element",
        arity: 3,
        f: insert_element,
    },
    Bif {
        name: "delete_element",
        arity: 2,
        f: delete_element,
    },
    Bif {
        name: "make_tuple",
        arity: 3,
        f: make_tuple3,
    },
    Bif {
        name: "node",
        arity: 0,
        f: |_, _| Ok(atom("nonode@nohost")),
    },
    Bif {
        name: "node",
        arity: 1,
        f: |_, _| Ok(atom("nonode@nohost")),
    },
    Bif {
        name: "nodes",
        arity: 0,
        f: |_, _| Ok(Term::NIL),
    },
    Bif {
        name: "is_alive",
        arity: 0,
        f: |_, _| Ok(atom("false")),
    },
    Bif {
        name: "garbage_collect",
        arity: 0,
        f: |_, _| Ok(atom("true")),
    },
    Bif {
        name: "yield",
        arity: 0,
        f: |_, _| Ok(atom("true")),
    },
    Bif {
        name: "function_exported",
        arity: 3,
        f: function_exported,
    },
    Bif {
        name: "now",
        arity: 0,
        f: now,
    },
    Bif {
        name: "timestamp",
        arity: 0,
        f: timestamp,
    },
    Bif {
        name: "monotonic_time",
        arity: 0,
        f: monotonic_time,
    },
    Bif {
        name: "monotonic_time",
        arity: 1,
        f: monotonic_time,
    },
    Bif {
        name: "system_time",
        arity: 0,
        f: system_time,
    },
    Bif {
        name: "system_time",
        arity: 1,
        f: system_time,
    },
    Bif {
        name: "unique_integer",
        arity: 0,
        f: unique_integer,
    },
    Bif {
        name: "unique_integer",
        arity: 1,
        f: unique_integer,
    },
    Bif {
        name: "statistics",
        arity: 1,
        f: statistics,
    },
    Bif {
        name: "date",
        arity: 0,
        f: |c, _| date_time(c, true, false),
    },
    Bif {
        name: "time",
        arity: 0,
        f: |c, _| date_time(c, false, true),
    },
    Bif {
        name: "localtime",
        arity: 0,
        f: |c, _| date_time(c, true, true),
    },
    Bif {
        name: "universaltime",
        arity: 0,
        f: |c, _| date_time(c, true, true),
    },
];

const LINK: SpawnOpts = SpawnOpts {
    link: true,
    monitor: false,
    max_heap: None,
};
const MONITOR: SpawnOpts = SpawnOpts {
    link: false,
    monitor: true,
    max_heap: None,
};

fn proc<'c, 'a>(c: &'c mut BifCx<'a>) -> Result<&'c mut Ctx<'static>, Raise> {
    c.proc.as_deref_mut().ok_or_else(|| error("badarg"))
}

fn pid_arg(t: Term) -> Result<Pid, Raise> {
    Pid::from_term(t).ok_or_else(|| error("badarg"))
}

/// The process dictionary compares keys with `=:=`.
fn exact(a: Term, b: Term) -> bool {
    ops::compare::exact_eq(a, b).unwrap_or(false)
}

fn or_undefined(t: Option<Term>) -> Term {
    t.unwrap_or_else(|| atom("undefined"))
}

// --- the process dictionary ---

fn put(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    Ok(or_undefined(proc(c)?.put(a[0], a[1], &exact)))
}

fn get(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    Ok(or_undefined(proc(c)?.get(a[0], &exact)))
}

fn entries(c: &mut BifCx<'_>) -> Result<Vec<(Term, Term)>, Raise> {
    Ok(proc(c)?.dictionary().entries().to_vec())
}

fn pairs(c: &mut BifCx<'_>, kv: &[(Term, Term)]) -> Result<Term, Raise> {
    let mut ts = Vec::with_capacity(kv.len());
    for &(k, v) in kv {
        ts.push(construct::tuple(&mut c.heap, &[k, v]).map_err(heap_err)?);
    }
    construct::list(&mut c.heap, &ts).map_err(heap_err)
}

fn get_all(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let kv = entries(c)?;
    pairs(c, &kv)
}

/// `get_keys/0` and `get_keys(Value)`.
fn get_keys(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let keys: Vec<Term> = entries(c)?
        .into_iter()
        .filter(|&(_, v)| a.first().is_none_or(|&want| exact(v, want)))
        .map(|(k, _)| k)
        .collect();
    construct::list(&mut c.heap, &keys).map_err(heap_err)
}

fn erase(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    Ok(or_undefined(proc(c)?.erase(a[0], &exact)))
}

fn erase_all(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let kv = entries(c)?;
    let cx = proc(c)?;
    for &(k, _) in &kv {
        cx.erase(k, &exact);
    }
    pairs(c, &kv)
}

// --- registered names ---

thread_local! {
    /// Registered name (an atom) → process. One scheduler per thread, one table per
    /// scheduler; [`reset_registry`] clears it when a new VM starts on the thread.
    static REGISTRY: RefCell<rustc_hash::FxHashMap<u32, Pid>> =
        RefCell::new(rustc_hash::FxHashMap::default());
}

/// Forgets every registered name (a new VM's processes reuse pid numbers).
pub(crate) fn reset_registry() {
    REGISTRY.with(|r| r.borrow_mut().clear());
}

/// The live process registered as `name`; a dead one's entry is dropped (OTP
/// unregisters a name when its process exits).
/// The name `pid` is registered under, if any.
pub(crate) fn name_of(pid: Pid) -> Option<Term> {
    REGISTRY.with(|r| {
        r.borrow()
            .iter()
            .find(|(_, &p)| p == pid)
            .map(|(&n, _)| Term(n))
    })
}

pub(crate) fn registered_pid(cx: &Ctx<'_>, name: Term) -> Option<Pid> {
    let pid = REGISTRY.with(|r| r.borrow().get(&name.0).copied())?;
    if cx.is_alive(pid) {
        Some(pid)
    } else {
        REGISTRY.with(|r| r.borrow_mut().remove(&name.0));
        None
    }
}

fn register(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (name, pid) = (a[0], pid_arg(a[1])?);
    let cx = proc(c)?;
    let taken_by_pid = REGISTRY.with(|r| r.borrow().values().any(|&p| p == pid));
    if !name.is_atom()
        || name == atom("undefined")
        || !cx.is_alive(pid)
        || registered_pid(cx, name).is_some()
        || (taken_by_pid && cx.is_alive(pid))
    {
        return Err(error("badarg"));
    }
    REGISTRY.with(|r| r.borrow_mut().insert(name.0, pid));
    Ok(atom("true"))
}

fn unregister(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let cx = proc(c)?;
    if registered_pid(cx, a[0]).is_none() {
        return Err(error("badarg"));
    }
    REGISTRY.with(|r| r.borrow_mut().remove(&a[0].0));
    Ok(atom("true"))
}

fn whereis(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if !a[0].is_atom() {
        return Err(error("badarg"));
    }
    let cx = proc(c)?;
    match registered_pid(cx, a[0]) {
        Some(p) => Ok(p.term()),
        // A kernel service the boot would have started (bifs_file.rs).
        None => Ok(crate::bifs_file::start_service(c, a[0])?.unwrap_or(atom("undefined"))),
    }
}

fn registered(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let names: Vec<u32> = REGISTRY.with(|r| r.borrow().keys().copied().collect());
    let cx = proc(c)?;
    let live: Vec<Term> = names
        .into_iter()
        .map(Term)
        .filter(|&n| registered_pid(cx, n).is_some())
        .collect();
    construct::list(&mut c.heap, &live).map_err(heap_err)
}

/// A pid, or the pid registered under an atom (`badarg` when none is).
pub(crate) fn resolve(cx: &Ctx<'_>, to: Term) -> Result<Pid, Raise> {
    if to.is_atom() {
        return registered_pid(cx, to).ok_or_else(|| error("badarg"));
    }
    if let Some(n) = construct::ref_numbers(to) {
        // A process alias (OTP 24+): its owner while active; a message to an inactive
        // alias (or any other reference) is dropped, as erl drops it.
        let owner = ALIASES.with(|al| al.borrow().get(&n).copied());
        return Ok(owner.unwrap_or_else(Pid::dead));
    }
    pid_arg(to)
}

thread_local! {
    /// Active process aliases (`monitor/3`'s `{alias, _}`, `alias/0,1`): reference
    /// numbers → the process messages sent to the reference go to.
    static ALIASES: RefCell<rustc_hash::FxHashMap<[u32; 3], Pid>> =
        RefCell::new(rustc_hash::FxHashMap::default());
}

/// Makes reference `n` an alias of `pid`.
pub(crate) fn add_alias(n: [u32; 3], pid: Pid) {
    ALIASES.with(|al| al.borrow_mut().insert(n, pid));
}

/// Deactivates alias `n` if `pid` owns it; whether it was active.
pub(crate) fn remove_alias(n: [u32; 3], pid: Pid) -> bool {
    ALIASES.with(|al| {
        let mut al = al.borrow_mut();
        if al.get(&n) == Some(&pid) {
            al.remove(&n);
            true
        } else {
            false
        }
    })
}

// --- links, monitors, exit signals ---

fn link(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0].is_port() {
        return crate::bifs_port::link(c, a[0]);
    }
    let pid = pid_arg(a[0])?;
    proc(c)?.link(pid).map_err(|_| error("badarg"))?;
    Ok(atom("true"))
}

fn unlink(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0].is_port() {
        return crate::bifs_port::unlink(c, a[0]);
    }
    let pid = pid_arg(a[0])?;
    proc(c)?.unlink(pid);
    Ok(atom("true"))
}

fn with_ref(
    c: &mut BifCx<'_>,
    spawned: Result<(Term, Option<[u32; 3]>), Raise>,
) -> Result<Term, Raise> {
    let (pid, mref) = spawned?;
    let r =
        construct::make_ref(&mut c.heap, mref.ok_or_else(|| error("badarg"))?).map_err(heap_err)?;
    construct::tuple(&mut c.heap, &[pid, r]).map_err(heap_err)
}

pub(crate) fn monitor2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    monitor(c, a)
}

/// `monitor(process, Pid | Name)`.
fn monitor(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0] == atom("port") {
        return crate::bifs_port::monitor(c, a[1]);
    }
    if a[0] != atom("process") {
        return Err(error("badarg"));
    }
    let cx = proc(c)?;
    let numbers = if a[1].is_atom() {
        // A name nobody has: a monitor that fires at once with `noproc` (the dead pid
        // stands for no process); the DOWN message names `{Name, Node}` either way.
        let pid = registered_pid(cx, a[1]).unwrap_or_else(Pid::dead);
        cx.monitor_named(pid, a[1])
    } else {
        cx.monitor(pid_arg(a[1])?)
    }
    .map_err(|_| error("badarg"))?;
    construct::make_ref(&mut c.heap, numbers).map_err(heap_err)
}

/// `demonitor(Ref)` and `demonitor(Ref, Options)` (`flush` drops a `'DOWN'` message
/// for `Ref` already in the queue; `info` returns whether the monitor was active).
fn demonitor(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let numbers = construct::ref_numbers(a[0]).ok_or_else(|| error("badarg"))?;
    // `{alias, demonitor}`: demonitoring also deactivates the alias.
    let me = proc(c)?.self_pid();
    remove_alias(numbers, me);
    let opts = match a.get(1) {
        Some(&o) => proper_list(o)?,
        None => Vec::new(),
    };
    let (mut flush, mut info) = (false, false);
    for o in opts {
        match atoms::name(o).as_deref() {
            Some("flush") => flush = true,
            Some("info") => info = true,
            _ => return Err(error("badarg")),
        }
    }
    let cx = proc(c)?;
    let active = cx.demonitor(numbers) || crate::ports::demonitor(numbers);
    if flush {
        let down = atom("DOWN");
        let is_ours = |m: Term| {
            construct::tuple_elements(m).is_some_and(|e| {
                e.len() == 5 && e[0] == down && construct::ref_numbers(e[1]) == Some(numbers)
            })
        };
        let mut i = 0;
        while let Some(m) = cx.message(i) {
            if is_ours(m) {
                cx.take_message(i);
            } else {
                i += 1;
            }
        }
    }
    Ok(boolean(!info || active))
}

fn process_flag(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if crate::bifs_erts_internal_boot::is_monitor_nodes(a[0]) {
        return crate::bifs_erts_internal_boot::monitor_nodes_flag(c, a);
    }
    let cx = proc(c)?;
    match atoms::name(a[0]).as_deref() {
        Some("trap_exit") => {
            let on = match atoms::name(a[1]).as_deref() {
                Some("true") => true,
                Some("false") => false,
                _ => return Err(error("badarg")),
            };
            Ok(boolean(cx.set_trap_exit(on)))
        }
        // The other flags: validated and remembered (bifs_proc_extra.rs).
        _ => crate::bifs_proc_extra::process_flag(c, a),
    }
}

fn exit2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0].is_port() {
        return crate::bifs_port::exit(c, a[0], a[1]);
    }
    let cx = proc(c)?;
    let to = resolve(cx, a[0])?;
    cx.exit_signal(to, a[1]).map_err(|_| error("badarg"))?;
    Ok(atom("true"))
}

fn is_process_alive(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let pid = pid_arg(a[0])?;
    Ok(boolean(proc(c)?.is_alive(pid)))
}

fn pid_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    pid_arg(a[0])?;
    let text = ops::print::write(a[0]).map_err(|_| error("badarg"))?;
    string(c, &text)
}

/// `erlang:system_flag(backtrace_depth, N)` (the old depth back; OTP caps it at 10,000);
/// other flags are not supported (`badarg`).
fn system_flag(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0] == atom("system_logger") {
        return crate::bifs_erts_internal_boot::system_logger_flag(c, a);
    }
    match (ops::print::write(a[0]).as_deref(), a[1].small_value()) {
        (Ok("backtrace_depth"), Some(n)) if n >= 0 => {
            let old = crate::stacktrace::set_depth((n as u32).min(10_000));
            Ok(Term::small(i64::from(old)).unwrap_or(Term::NIL))
        }
        _ => Err(error("badarg")),
    }
}

/// `#Fun<M.I.U>` or `fun M:F/A`, as the printer writes funs.
fn fun_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let is_fun = matches!(
        ops::view::class(a[0]),
        Ok(ops::view::Class::Fun | ops::view::Class::Export)
    );
    if !is_fun {
        return Err(error("badarg"));
    }
    let text = ops::print::write(a[0]).map_err(|_| error("badarg"))?;
    string(c, &text)
}

// --- hashing, numbers and tuples ---

fn phash2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let h = match a.get(1) {
        None => ops::hash::phash2(a[0]).map_err(|_| error("badarg"))?,
        Some(r) => {
            // 1..2^32: a bignum from 2^27 on this 32-bit VM.
            let range = match ops::view::number(*r).map_err(|_| error("badarg"))? {
                ops::view::Num::Int(n) if n >= 1 => n as u64,
                ops::view::Num::Big(b) => u64::try_from(b)
                    .ok()
                    .filter(|&n| n <= 1 << 32)
                    .ok_or_else(|| error("badarg"))?,
                _ => return Err(error("badarg")),
            };
            ops::hash::phash2_range(a[0], range)
                .map_err(|_| error("badarg"))?
                .ok_or_else(|| error("badarg"))?
        }
    };
    // Up to 2^32 - 1 with a range: a bignum on this VM.
    int_term(c, &BigInt::from(h))
}

/// `phash(Term, Range)`: the old hash `sets` and `dict` place elements with.
fn phash(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let range = match ops::view::number(a[1]).map_err(|_| error("badarg"))? {
        ops::view::Num::Int(n) if n >= 1 => n as u64,
        ops::view::Num::Big(b) => u64::try_from(b).map_err(|_| error("badarg"))?,
        _ => return Err(error("badarg")),
    };
    let h = ops::phash::phash(a[0], range)
        .map_err(|_| error("badarg"))?
        .ok_or_else(|| error("badarg"))?;
    int_term(c, &BigInt::from(h))
}

fn base_arg(t: Term) -> Result<u32, Raise> {
    t.small_value()
        .filter(|b| (2..=36).contains(b))
        .map(|b| b as u32)
        .ok_or_else(|| error("badarg"))
}

fn integer_to_list2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let base = base_arg(a[1])?;
    let n = match ops::view::number(a[0]).map_err(|_| error("badarg"))? {
        ops::view::Num::Int(n) => BigInt::from(n),
        ops::view::Num::Big(b) => b,
        ops::view::Num::Float(_) => return Err(error("badarg")),
    };
    // OTP prints digits above 9 in upper case.
    string(c, &n.to_str_radix(base).to_uppercase())
}

fn list_to_integer2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let base = base_arg(a[1])?;
    let text = crate::bifs_more::chars(a[0]).ok_or_else(|| error("badarg"))?;
    let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
    if digits.is_empty() || !digits.chars().all(|ch| ch.is_digit(base)) {
        return Err(error("badarg"));
    }
    let n = BigInt::parse_bytes(text.as_bytes(), base).ok_or_else(|| error("badarg"))?;
    int_term(c, &n)
}

/// Erlang's float syntax: digits, `.`, digits, optional exponent (`"1"` and `"1."` are
/// not floats).
fn list_to_float(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let text = crate::bifs_more::chars(a[0]).ok_or_else(|| error("badarg"))?;
    let body = text.strip_prefix(['+', '-']).unwrap_or(&text);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok_mantissa = mantissa
        .split_once('.')
        .is_some_and(|(i, f)| digits(i) && digits(f));
    let ok_exp = exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !ok_mantissa || !ok_exp {
        return Err(error("badarg"));
    }
    let v: f64 = text.parse().map_err(|_| error("badarg"))?;
    if !v.is_finite() {
        return Err(error("badarg"));
    }
    construct::float(&mut c.heap, v).map_err(heap_err)
}

fn elements(t: Term) -> Result<Vec<Term>, Raise> {
    construct::tuple_elements(t).ok_or_else(|| error("badarg"))
}

/// A 1-based position `1..=max`.
fn position(t: Term, max: usize) -> Result<usize, Raise> {
    t.small_value()
        .filter(|&i| i >= 1 && i as usize <= max)
        .map(|i| i as usize)
        .ok_or_else(|| error("badarg"))
}

fn append_element(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut e = elements(a[0])?;
    e.push(a[1]);
    construct::tuple(&mut c.heap, &e).map_err(heap_err)
}

fn insert_element(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut e = elements(a[1])?;
    let i = position(a[0], e.len() + 1)?;
    e.insert(i - 1, a[2]);
    construct::tuple(&mut c.heap, &e).map_err(heap_err)
}

fn delete_element(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut e = elements(a[1])?;
    let i = position(a[0], e.len())?;
    e.remove(i - 1);
    construct::tuple(&mut c.heap, &e).map_err(heap_err)
}

/// `make_tuple(Arity, Default, [{Position, Term}])`.
fn make_tuple3(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = a[0]
        .small_value()
        .filter(|&n| (0..=16_777_215).contains(&n))
        .ok_or_else(|| error("badarg"))? as usize;
    let mut e = vec![a[1]; n];
    for init in proper_list(a[2])? {
        match construct::tuple_elements(init).as_deref() {
            Some(&[p, v]) => e[position(p, n)? - 1] = v,
            _ => return Err(error("badarg")),
        }
    }
    construct::tuple(&mut c.heap, &e).map_err(heap_err)
}

fn function_exported(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let arity = a[2]
        .small_value()
        .filter(|&n| n >= 0)
        .ok_or_else(|| error("badarg"))? as u32;
    if !a[0].is_atom() || !a[1].is_atom() {
        return Err(error("badarg"));
    }
    Ok(boolean(crate::rt::export_addr(a[0], a[1], arity).is_some()))
}

// --- time ---

thread_local! {
    static START: Instant = Instant::now();
    static LAST_WALL: Cell<u64> = const { Cell::new(0) };
    static LAST_NOW: Cell<u128> = const { Cell::new(0) };
    static UNIQUE: Cell<i64> = const { Cell::new(0) };
}

/// Now as (monotonic nanoseconds, system microseconds since 1970).
pub(crate) fn now_pair() -> (u128, u128) {
    (
        START.with(|s| s.elapsed().as_nanos()),
        since_epoch().as_micros(),
    )
}

fn since_epoch() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn triple(c: &mut BifCx<'_>, micros: u128) -> Result<Term, Raise> {
    let (mega, sec, micro) = (
        micros / 1_000_000_000_000,
        (micros / 1_000_000) % 1_000_000,
        micros % 1_000_000,
    );
    construct::tuple(
        &mut c.heap,
        &[small(mega as i64), small(sec as i64), small(micro as i64)],
    )
    .map_err(heap_err)
}

/// `now/0`: like `timestamp/0` but strictly increasing between calls.
fn now(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let t = since_epoch().as_micros();
    let t = LAST_NOW.with(|l| {
        let v = t.max(l.get() + 1);
        l.set(v);
        v
    });
    triple(c, t)
}

fn timestamp(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    triple(c, since_epoch().as_micros())
}

/// Nanoseconds (the native unit of OTP on Linux) converted to `unit`.
fn in_unit(c: &mut BifCx<'_>, nanos: u128, unit: Option<Term>) -> Result<Term, Raise> {
    let per_sec: u128 = match unit.map(atoms::name) {
        None => 1_000_000_000,
        Some(n) => match n.as_deref() {
            Some("native" | "nanosecond" | "perf_counter") => 1_000_000_000,
            Some("second" | "seconds") => 1,
            Some("millisecond" | "milli_seconds") => 1_000,
            Some("microsecond" | "micro_seconds") => 1_000_000,
            _ => match unit.and_then(|u| u.small_value()).filter(|&n| n > 0) {
                Some(n) => n as u128,
                None => return Err(error("badarg")),
            },
        },
    };
    let v = nanos * per_sec / 1_000_000_000;
    int_term(c, &BigInt::from(v))
}

/// `erlang:monotonic_time(millisecond)` (for absolute timers).
pub(crate) fn monotonic_ms(_: &Ctx<'_>) -> i64 {
    START.with(|s| s.elapsed().as_millis()) as i64
}

fn monotonic_time(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let nanos = START.with(|s| s.elapsed().as_nanos());
    in_unit(c, nanos, a.first().copied())
}

fn system_time(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    in_unit(c, since_epoch().as_nanos(), a.first().copied())
}

/// `unique_integer/0,1`: a counter, so unique and (with `monotonic`) increasing; with
/// `positive` it starts at 1.
fn unique_integer(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if let Some(&opts) = a.first() {
        for o in proper_list(opts)? {
            if !matches!(atoms::name(o).as_deref(), Some("positive" | "monotonic")) {
                return Err(error("badarg"));
            }
        }
    }
    Ok(small(UNIQUE.with(|u| {
        u.set(u.get() + 1);
        u.get()
    })))
}

/// `statistics(wall_clock | runtime | reductions | ...)`: `{Total, SinceLastCall}`.
fn statistics(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let ms = START.with(|s| s.elapsed().as_millis()) as u64;
    match atoms::name(a[0]).as_deref() {
        Some("wall_clock" | "runtime") => {
            let last = LAST_WALL.with(|l| l.replace(ms));
            construct::tuple(
                &mut c.heap,
                &[small(ms as i64), small(ms.saturating_sub(last) as i64)],
            )
            .map_err(heap_err)
        }
        Some("reductions" | "exact_reductions") => {
            construct::tuple(&mut c.heap, &[small(0), small(0)]).map_err(heap_err)
        }
        Some("run_queue") => Ok(small(0)),
        _ => Err(error("badarg")),
    }
}

/// Civil date and time in UTC from Unix seconds (Howard Hinnant's days-to-civil
/// algorithm). Local time is taken to be UTC: the runtime has no time-zone database.
fn civil(secs: u64) -> [i64; 6] {
    let days = (secs / 86_400) as i64;
    let rem = (secs % 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    [y, m, d, rem / 3600, rem % 3600 / 60, rem % 60]
}

fn date_time(c: &mut BifCx<'_>, date: bool, time: bool) -> Result<Term, Raise> {
    let [y, mo, d, h, mi, s] = civil(since_epoch().as_secs());
    let mut part = |v: [i64; 3]| construct::tuple(&mut c.heap, &v.map(small)).map_err(heap_err);
    match (date, time) {
        (true, false) => part([y, mo, d]),
        (false, true) => part([h, mi, s]),
        _ => {
            let (dt, tm) = (part([y, mo, d])?, part([h, mi, s])?);
            construct::tuple(&mut c.heap, &[dt, tm]).map_err(heap_err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::civil;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), [1970, 1, 1, 0, 0, 0]);
        // 2000-02-29T12:34:56Z, a leap day in a century leap year.
        assert_eq!(civil(951_827_696), [2000, 2, 29, 12, 34, 56]);
        // 2026-11-30T00:00:00Z.
        assert_eq!(civil(1_795_996_800), [2026, 11, 30, 0, 0, 0]);
    }
}
