//! More `erlang` BIFs around processes and identifiers: `garbage_collect/1,2`,
//! `memory/0,1`, `fun_info/1,2`, the `*_to_list`/`list_to_*` of pids, ports, refs and
//! funs, and the `process_flag/2` items beyond `trap_exit` (validated as OTP 25 does and
//! remembered per process, though one scheduler and this GC make most of them
//! advisory).

use std::cell::RefCell;
use std::collections::HashMap;

use beam_runtime::construct;
use beam_runtime::ops;
use beam_runtime::process::Pid;
use beam_runtime::term::Term;

use crate::bifs::{atom, boolean, error, heap_err, small, Bif, BifCx, Raise};
use crate::bifs_more::{chars, proper_list, string};

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "garbage_collect",
        arity: 1,
        f: |c, a| garbage_collect(c, a[0], Term::NIL),
    },
    Bif {
        name: "garbage_collect",
        arity: 2,
        f: |c, a| garbage_collect(c, a[0], a[1]),
    },
    Bif {
        name: "memory",
        arity: 0,
        f: |c, _| memory_all(c),
    },
    Bif {
        name: "memory",
        arity: 1,
        f: memory,
    },
    Bif {
        name: "fun_info",
        arity: 1,
        f: fun_info_all,
    },
    Bif {
        name: "fun_info",
        arity: 2,
        f: |c, a| fun_info(c, a[0], a[1]),
    },
    Bif {
        name: "fun_info_mfa",
        arity: 1,
        f: fun_info_mfa,
    },
    Bif {
        name: "ref_to_list",
        arity: 1,
        f: |c, a| to_list(c, a[0], construct::ref_numbers(a[0]).is_some()),
    },
    Bif {
        name: "port_to_list",
        arity: 1,
        f: |c, a| to_list(c, a[0], a[0].is_port()),
    },
    Bif {
        name: "list_to_pid",
        arity: 1,
        f: list_to_pid,
    },
    Bif {
        name: "list_to_ref",
        arity: 1,
        f: list_to_ref,
    },
    Bif {
        name: "list_to_port",
        arity: 1,
        f: list_to_port,
    },
    // DTrace/SystemTap tags (file.erl calls these): an emulator built without dynamic
    // tracing answers so.
    Bif {
        name: "dt_spread_tag",
        arity: 1,
        f: |_, a| truth(a[0]).map(|_| atom("true")),
    },
    Bif {
        name: "dt_restore_tag",
        arity: 1,
        f: |_, a| match a[0] == atom("true") {
            true => Ok(atom("true")),
            false => Err(bad()),
        },
    },
    Bif {
        name: "dt_get_tag",
        arity: 0,
        f: |_, _| Ok(atom("undefined")),
    },
    Bif {
        name: "dt_get_tag_data",
        arity: 0,
        f: |_, _| Ok(atom("undefined")),
    },
    Bif {
        name: "dt_put_tag",
        arity: 1,
        f: |_, _| Ok(atom("undefined")),
    },
    Bif {
        name: "dt_prepend_vm_tag_data",
        arity: 1,
        f: |_, a| Ok(a[0]),
    },
    Bif {
        name: "dt_append_vm_tag_data",
        arity: 1,
        f: |_, a| Ok(a[0]),
    },
];

fn bad() -> Raise {
    error("badarg")
}

fn to_list(c: &mut BifCx<'_>, t: Term, ok: bool) -> Result<Term, Raise> {
    if !ok {
        return Err(bad());
    }
    // ERTS's printer (runtime/src/ops/print.rs), as erl's `*_to_list` use its own.
    let text = ops::print::write(t).map_err(|_| bad())?;
    string(c, &text)
}

/// The numbers between `prefix` and `>` of `text`, split at dots.
fn numbers(text: &str, prefix: &str, count: usize) -> Option<Vec<u32>> {
    let body = text.strip_prefix(prefix)?.strip_suffix('>')?;
    let v: Vec<u32> = body
        .split('.')
        .map(|s| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        })
        .collect::<Option<_>>()?;
    (v.len() == count).then_some(v)
}

fn list_to_pid(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let text = chars(a[0]).ok_or_else(bad)?;
    match numbers(&text, "<", 3).as_deref() {
        // Local pids only: node 0, a 15-bit number and a 13-bit serial (as erl's
        // 28 bits of pid data); no distribution, so no other node's pids.
        Some(&[0, n, s]) if n < 1 << 15 && s < 1 << 13 => Ok(Term::pid(n | (s << 15))),
        _ => Err(bad()),
    }
}

fn list_to_ref(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let text = chars(a[0]).ok_or_else(bad)?;
    match numbers(&text, "#Ref<", 4).as_deref() {
        Some(&[0, x, y, z]) => construct::make_ref(&mut c.heap, [z, y, x]).map_err(heap_err),
        _ => Err(bad()),
    }
}

fn list_to_port(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let text = chars(a[0]).ok_or_else(bad)?;
    match numbers(&text, "#Port<", 2).as_deref() {
        Some(&[0, n]) if n < 1 << 28 => Ok(Term::port(n)),
        _ => Err(bad()),
    }
}

// --- garbage_collect/1,2 ---

/// Collection is the scheduler's business here (a process collects when its heap is
/// full); the BIF checks its arguments as erl and answers as erl does for a collection
/// that ran: `true`, `false` for a dead process, `async` (and the message) with
/// `{async, Ref}`.
fn garbage_collect(c: &mut BifCx<'_>, pid: Term, opts: Term) -> Result<Term, Raise> {
    let p = Pid::from_term(pid).ok_or_else(bad)?;
    let mut async_ref = None;
    for o in proper_list(opts)? {
        let v = construct::tuple_elements(o).ok_or_else(bad)?;
        match (
            v.first().and_then(|k| beam_runtime::atom::name(*k)),
            v.len(),
        ) {
            (Some(k), 2) if k == "async" => async_ref = Some(v[1]),
            (Some(k), 2) if k == "type" && (v[1] == atom("major") || v[1] == atom("minor")) => {}
            _ => return Err(bad()),
        }
    }
    let cx = c.proc.as_deref_mut().ok_or_else(bad)?;
    let alive = cx.is_alive(p);
    match async_ref {
        None => Ok(boolean(alive)),
        Some(r) => {
            let me = cx.self_pid().term();
            let msg = construct::tuple(&mut c.heap, &[atom("garbage_collect"), r, boolean(alive)])
                .map_err(heap_err)?;
            let cx = c.proc.as_deref_mut().ok_or_else(bad)?;
            cx.send(me, msg).map_err(|_| bad())?;
            Ok(atom("async"))
        }
    }
}

// --- memory/0,1 ---

const MEMORY_KEYS: [&str; 9] = [
    "total",
    "processes",
    "processes_used",
    "system",
    "atom",
    "atom_used",
    "binary",
    "code",
    "ets",
];

/// Byte counts in erl's categories. This VM does not account memory by category, so
/// these are estimates from what it can see (live processes' heaps, atoms); they keep
/// erl's invariants (`total = processes + system`, `*_used =< *`).
fn memory_values(c: &mut BifCx<'_>) -> [i64; 9] {
    let procs = c.proc.as_deref().map_or(1, |cx| cx.pids().len() as i64);
    let processes = procs * 2_700 + 1_000_000;
    let atom_used = beam_runtime::atom::count() as i64 * 24;
    let atom = atom_used + 16_000;
    let (binary, code, ets) = (300_000, 5_000_000, 300_000);
    let system = atom + binary + code + ets + 4_000_000;
    [
        processes + system,
        processes,
        processes - 4_000,
        system,
        atom,
        atom_used,
        binary,
        code,
        ets,
    ]
}

fn memory_all(c: &mut BifCx<'_>) -> Result<Term, Raise> {
    let vals = memory_values(c);
    let mut acc = Term::NIL;
    for (k, v) in MEMORY_KEYS.iter().zip(vals).rev() {
        let t = construct::tuple(&mut c.heap, &[atom(k), small(v)]).map_err(heap_err)?;
        acc = construct::cons(&mut c.heap, t, acc).map_err(heap_err)?;
    }
    Ok(acc)
}

fn memory_key(t: Term) -> Result<usize, Raise> {
    let name = beam_runtime::atom::name(t).ok_or_else(bad)?;
    // `maximum` exists only with instrumentation on (`+Mim true`): badarg, as erl.
    MEMORY_KEYS.iter().position(|k| *k == name).ok_or_else(bad)
}

fn memory(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let vals = memory_values(c);
    if a[0].is_atom() {
        return Ok(small(vals[memory_key(a[0])?]));
    }
    let keys = proper_list(a[0])?;
    let idx = keys
        .iter()
        .map(|&k| memory_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let mut acc = Term::NIL;
    for (&k, i) in keys.iter().zip(idx).rev() {
        let t = construct::tuple(&mut c.heap, &[k, small(vals[i])]).map_err(heap_err)?;
        acc = construct::cons(&mut c.heap, t, acc).map_err(heap_err)?;
    }
    Ok(acc)
}

// --- fun_info/1,2 ---

/// What the printer knows about a fun: `#Fun<M.I.U>` or `fun M:F/A`.
enum Ident {
    Local { module: Term, index: u32, uniq: u32 },
    External { module: Term, name: Term },
    Unknown,
}

fn ident(f: Term) -> Ident {
    let Ok(text) = ops::print::write(f) else {
        return Ident::Unknown;
    };
    let atom_of = |s: &str| -> Option<Term> {
        let s = s
            .strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
            .unwrap_or(s);
        beam_runtime::atom::intern(s).ok()
    };
    if let Some(body) = text.strip_prefix("#Fun<").and_then(|s| s.strip_suffix('>')) {
        let mut parts = body.rsplitn(3, '.');
        let (u, i, m) = (parts.next(), parts.next(), parts.next());
        if let (Some(u), Some(i), Some(m)) = (u, i, m) {
            if let (Ok(uniq), Ok(index), Some(module)) = (u.parse(), i.parse(), atom_of(m)) {
                return Ident::Local {
                    module,
                    index,
                    uniq,
                };
            }
        }
    } else if let Some(body) = text.strip_prefix("fun ") {
        if let Some((mf, _)) = body.rsplit_once('/') {
            if let Some((m, f)) = mf.split_once(':') {
                if let (Some(module), Some(name)) = (atom_of(m), atom_of(f)) {
                    return Ident::External { module, name };
                }
            }
        }
    }
    Ident::Unknown
}

const LOCAL_ITEMS: [&str; 8] = [
    "pid",
    "module",
    "new_index",
    "new_uniq",
    "index",
    "uniq",
    "name",
    "arity",
];

fn fun_info_all(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let f = a[0];
    let items: Vec<&str> = if construct::export_entry(f).is_some() {
        vec!["module", "name", "arity", "env", "type"]
    } else if construct::fun_parts(f).is_some() {
        LOCAL_ITEMS.iter().copied().chain(["env", "type"]).collect()
    } else {
        return Err(bad());
    };
    let mut vals = Vec::new();
    for it in items {
        vals.push(fun_info(c, f, atom(it))?);
    }
    let mut acc = Term::NIL;
    for v in vals.into_iter().rev() {
        acc = construct::cons(&mut c.heap, v, acc).map_err(heap_err)?;
    }
    Ok(acc)
}

fn fun_info(c: &mut BifCx<'_>, f: Term, item: Term) -> Result<Term, Raise> {
    let item_name = beam_runtime::atom::name(item).ok_or_else(bad)?;
    let value = if let Some(entry) = construct::export_entry(f) {
        let _ = entry;
        let (module, name) = match ident(f) {
            Ident::External { module, name } => (module, name),
            _ => (atom("undefined"), atom("undefined")),
        };
        let arity = ops::print::write(f)
            .ok()
            .and_then(|t| t.rsplit_once('/').and_then(|(_, a)| a.parse::<i64>().ok()))
            .unwrap_or(0);
        match item_name.as_str() {
            "module" => module,
            "name" => name,
            "arity" => small(arity),
            "env" => Term::NIL,
            "type" => atom("external"),
            "pid" | "index" | "new_index" | "new_uniq" | "uniq" => atom("undefined"),
            "refc" => atom("undefined"),
            _ => return Err(bad()),
        }
    } else if let Some((entry, arity, creator, env)) = construct::fun_parts(f) {
        // A fun of code that is not loaded: its own checksum, and no name until its
        // module is loaded with that code (erl's `[]`).
        let unloaded = crate::unloaded_fun::lambda(entry)
            .map(|l| (l.md5, crate::unloaded_fun::code_of(&l).is_some()));
        let (module, index, uniq) = match ident(f) {
            Ident::Local {
                module,
                index,
                uniq,
            } => (module, index, uniq),
            _ => (atom("undefined"), 0, 0),
        };
        match item_name.as_str() {
            "pid" => creator,
            "module" => module,
            "index" | "new_index" => small(i64::from(index)),
            "uniq" => small(i64::from(uniq)),
            // The module's checksum (module_info(md5)); 16 zero bytes for a module
            // loaded without its file.
            "new_uniq" => {
                let md5 = match unloaded {
                    Some((md5, _)) => md5,
                    None => beam_runtime::atom::name(module)
                        .and_then(|m| crate::module_meta::get(&m))
                        .map_or([0u8; 16], |meta| meta.md5),
                };
                ops::view::make_bits(&mut c.heap, &md5, 128).map_err(heap_err)?
            }
            "name" if unloaded.is_some_and(|(_, loaded)| !loaded) => Term::NIL,
            "name" => lambda_name(module, index).unwrap_or_else(|| atom("undefined")),
            "arity" => small(i64::from(arity)),
            "env" => {
                let mut acc = Term::NIL;
                for &e in env.iter().rev() {
                    acc = construct::cons(&mut c.heap, e, acc).map_err(heap_err)?;
                }
                acc
            }
            "type" => atom("local"),
            "refc" => small(1),
            _ => return Err(bad()),
        }
    } else {
        return Err(bad());
    };
    construct::tuple(&mut c.heap, &[item, value]).map_err(heap_err)
}

/// The function name of fun `index` of `module` (stacktrace.rs keeps the FunT table).
fn lambda_name(module: Term, index: u32) -> Option<Term> {
    crate::stacktrace::lambda_name(&beam_runtime::atom::name(module)?, index)
}

/// `erlang:fun_info_mfa/1` (proc_lib's initial call of a fun): `{M, F, A}`, the local
/// fun's function name from the FunT table (`'-fun-Index-'` if its module is gone).
fn fun_info_mfa(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let f = a[0];
    let (m, name, arity) = if construct::export_entry(f).is_some() {
        let arity = ops::print::write(f)
            .ok()
            .and_then(|t| t.rsplit_once('/').and_then(|(_, a)| a.parse::<i64>().ok()))
            .unwrap_or(0);
        match ident(f) {
            Ident::External { module, name } => (module, name, arity),
            _ => (atom("undefined"), atom("undefined"), arity),
        }
    } else if let Some((entry, arity, _, _)) = construct::fun_parts(f) {
        // The fun's own arity (its free variables are not counted), as erl gives it.
        let total = i64::from(arity);
        let unloaded = crate::unloaded_fun::lambda(entry)
            .is_some_and(|l| crate::unloaded_fun::code_of(&l).is_none());
        match ident(f) {
            Ident::Local { module, .. } if unloaded => (module, Term::NIL, total),
            Ident::Local { module, index, .. } => match lambda_name(module, index) {
                Some(n) => (module, n, total),
                None => {
                    let n =
                        beam_runtime::atom::intern(&format!("-fun-{index}-")).map_err(|_| bad())?;
                    (module, n, total)
                }
            },
            _ => (atom("undefined"), atom("undefined"), total),
        }
    } else {
        return Err(bad());
    };
    construct::tuple(&mut c.heap, &[m, name, small(arity)]).map_err(heap_err)
}

// --- process_flag/2 beyond trap_exit ---

/// The flags a process has set (absent: OTP 25's defaults).
#[derive(Clone, Copy)]
struct Flags {
    priority: &'static str,
    min_heap_size: i64,
    min_bin_vheap_size: i64,
    fullsweep_after: i64,
    sensitive: bool,
    off_heap: bool,
    save_calls: i64,
    error_handler: Term,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            priority: "normal",
            min_heap_size: 233,
            min_bin_vheap_size: 46_422,
            fullsweep_after: 65_535,
            sensitive: false,
            off_heap: false,
            save_calls: 0,
            error_handler: atom("error_handler"),
        }
    }
}

thread_local! {
    static FLAGS: RefCell<HashMap<u32, Flags>> = RefCell::new(HashMap::new());
}

/// OTP's heap sizes (a Fibonacci-like series from 233): `min_heap_size` rounds up to one.
pub(crate) fn next_heap_size(n: i64) -> i64 {
    let (mut a, mut b) = (233i64, 376i64);
    while a < n {
        (a, b) = (b, a + b + 1);
        if a > 1 << 40 {
            break;
        }
    }
    a
}

/// `process_flag(Flag, Value)` for the flags other than `trap_exit`: the old value, or
/// `badarg` for an unknown flag or a bad value (as OTP 25's `erl_bif_info.c`).
pub(crate) fn process_flag(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let me = c.self_pid.pid_data().ok_or_else(bad)?;
    let mut f = FLAGS.with(|m| m.borrow().get(&me).copied().unwrap_or_default());
    let name = beam_runtime::atom::name(a[0]).ok_or_else(|| crate::bifs::badarg_cause("badopt"))?;
    let v = a[1];
    let int = |min: i64| {
        v.small_value()
            .map(i64::from)
            .filter(|&n| n >= min)
            .ok_or_else(bad)
    };
    let old = match name.as_str() {
        "priority" => {
            let p = match beam_runtime::atom::name(v).as_deref() {
                Some("low") => "low",
                Some("normal") => "normal",
                Some("high") => "high",
                Some("max") => "max",
                _ => return Err(bad()),
            };
            atom(std::mem::replace(&mut f.priority, p))
        }
        "min_heap_size" => small(std::mem::replace(
            &mut f.min_heap_size,
            next_heap_size(int(0)?),
        )),
        "min_bin_vheap_size" => {
            let n = int(0)?;
            small(std::mem::replace(&mut f.min_bin_vheap_size, n.max(46_422)))
        }
        "fullsweep_after" => small(std::mem::replace(&mut f.fullsweep_after, int(0)?)),
        "sensitive" => {
            let on = truth(v)?;
            boolean(std::mem::replace(&mut f.sensitive, on))
        }
        "message_queue_data" => {
            let off = match beam_runtime::atom::name(v).as_deref() {
                Some("off_heap") => true,
                Some("on_heap") => false,
                _ => return Err(bad()),
            };
            atom(if std::mem::replace(&mut f.off_heap, off) {
                "off_heap"
            } else {
                "on_heap"
            })
        }
        "save_calls" => {
            let n = int(0)?;
            if n > 10_000 {
                return Err(bad());
            }
            small(std::mem::replace(&mut f.save_calls, n))
        }
        "error_handler" if v.is_atom() => std::mem::replace(&mut f.error_handler, v),
        "max_heap_size" => {
            // Enforced by the collector (vm/src/heap_limit.rs); the old setting comes back
            // in the map form OTP 25 returns.
            let m = crate::heap_limit::parse(v, f.min_heap_size).ok_or_else(bad)?;
            let old = c.proc.as_mut().ok_or_else(bad)?.set_max_heap(m);
            // (A size past 2^27 words is not a small integer here.)
            let size = beam_runtime::bignum::from_i64(&mut c.heap, i64::from(old.size))
                .map_err(heap_err)?;
            let pairs = [
                (atom("error_logger"), boolean(old.error_logger)),
                (atom("kill"), boolean(old.kill)),
                (atom("size"), size),
            ];
            beam_runtime::map::from_pairs(&mut c.heap, &pairs).map_err(|_| bad())?
        }
        // Not a flag: erl's error_info says `cause => badopt`.
        _ => return Err(crate::bifs::badarg_cause("badopt")),
    };
    FLAGS.with(|m| m.borrow_mut().insert(me, f));
    Ok(old)
}

fn truth(t: Term) -> Result<bool, Raise> {
    if t == atom("true") {
        Ok(true)
    } else if t == atom("false") {
        Ok(false)
    } else {
        Err(bad())
    }
}
