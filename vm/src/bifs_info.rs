//! `process_info/1,2` and `group_leader/0,2` (erl_bif_info.c's `process_info` items, as
//! the OTP 25 reference manual lists them). A dead pid gives `undefined`; an unknown
//! item `badarg`. Sizes are in words as erl reports them, from this runtime's heaps.

use beam_runtime::atom as atoms;
use beam_runtime::construct;
use beam_runtime::process::{Pid, Process, Status};
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, BifHeap, Raise};

pub(crate) static ERLANG: &[Bif] = &[
    Bif {
        name: "process_info",
        arity: 1,
        f: process_info1,
    },
    Bif {
        name: "process_info",
        arity: 2,
        f: process_info2,
    },
    Bif {
        name: "system_info",
        arity: 1,
        f: system_info,
    },
    Bif {
        name: "processes",
        arity: 0,
        f: |c, _| {
            let cx = c.proc.as_deref().ok_or_else(|| error("badarg"))?;
            let pids: Vec<Term> = cx.pids().into_iter().map(Pid::term).collect();
            construct::list(&mut c.heap, &pids).map_err(heap_err)
        },
    },
    Bif {
        name: "group_leader",
        arity: 0,
        f: |c, _| group_leader(c),
    },
    Bif {
        name: "group_leader",
        arity: 2,
        f: |_, a| {
            Pid::from_term(a[0]).ok_or_else(|| error("badarg"))?;
            Pid::from_term(a[1]).ok_or_else(|| error("badarg"))?;
            crate::group_leader::set(a[1], a[0]);
            Ok(atom("true"))
        },
    },
];

/// Every process's group leader: the run's first process stands for erl's `user`
/// (io goes to standard output here whatever the leader).
fn group_leader(c: &mut BifCx<'_>) -> Result<Term, Raise> {
    Ok(crate::group_leader::of(c.self_pid))
}

/// The items `process_info/1` returns, in erl's order.
const DEFAULT_ITEMS: &[&str] = &[
    "registered_name",
    "current_function",
    "initial_call",
    "status",
    "message_queue_len",
    "links",
    "dictionary",
    "trap_exit",
    "error_handler",
    "priority",
    "group_leader",
    "total_heap_size",
    "heap_size",
    "stack_size",
    "reductions",
    "garbage_collection",
    "suspending",
];

fn process_info1(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let pid = Pid::from_term(a[0]).ok_or_else(|| error("badarg"))?;
    let cx = c.proc.as_deref().ok_or_else(|| error("badarg"))?;
    let Some(p) = cx.process(pid) else {
        return Ok(atom("undefined"));
    };
    // The running process: its block's base, where its BIF call recorded its site.
    let me = (pid == cx.self_pid()).then(|| cx.x_base());
    let mut h = BifHeap::default();
    let mut out = Vec::new();
    for name in DEFAULT_ITEMS {
        // erl leaves registered_name out when there is none.
        if *name == "registered_name" && crate::bifs_proc::name_of(pid).is_none() {
            continue;
        }
        out.push(item(&mut h, p, me, atom(name))?);
    }
    c.heap.frags.extend(h.frags);
    construct::list(&mut c.heap, &out).map_err(heap_err)
}

fn process_info2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let pid = Pid::from_term(a[0]).ok_or_else(|| error("badarg"))?;
    let cx = c.proc.as_deref().ok_or_else(|| error("badarg"))?;
    let me = (pid == cx.self_pid()).then(|| cx.x_base());
    let mut h = BifHeap::default();
    let r = match cx.process(pid) {
        None => {
            // Items are checked even for a dead process.
            check_items(a[1])?;
            atom("undefined")
        }
        Some(p) if a[1].is_atom() => {
            if a[1] == atom("registered_name") && crate::bifs_proc::name_of(pid).is_none() {
                Term::NIL
            } else {
                item(&mut h, p, me, a[1])?
            }
        }
        Some(p) => {
            let items = crate::bifs_more::proper_list(a[1])?;
            let mut out = Vec::new();
            for it in items {
                out.push(item(&mut h, p, me, it)?);
            }
            construct::list(&mut h, &out).map_err(heap_err)?
        }
    };
    c.heap.frags.extend(h.frags);
    Ok(r)
}

fn check_items(t: Term) -> Result<(), Raise> {
    let items = if t.is_atom() {
        vec![t]
    } else {
        crate::bifs_more::proper_list(t)?
    };
    for it in items {
        if !KNOWN.contains(&atoms::name(it).unwrap_or_default().as_str()) {
            return Err(error("badarg"));
        }
    }
    Ok(())
}

const KNOWN: &[&str] = &[
    "registered_name",
    "current_function",
    "current_location",
    "current_stacktrace",
    "initial_call",
    "status",
    "message_queue_len",
    "messages",
    "links",
    "monitors",
    "monitored_by",
    "dictionary",
    "trap_exit",
    "error_handler",
    "priority",
    "group_leader",
    "total_heap_size",
    "heap_size",
    "stack_size",
    "reductions",
    "memory",
    "garbage_collection",
    "suspending",
    "min_heap_size",
    "min_bin_vheap_size",
    "fullsweep_after",
    "message_queue_data",
    "binary",
    "catchlevel",
    "last_calls",
    "sequential_trace_token",
    "parent",
];

/// `{Item, Value}` for one item of `p`.
/// `me`: the x0 address of the running process's block when `p` is the running process.
fn item(h: &mut BifHeap, p: &Process, me: Option<u32>, it: Term) -> Result<Term, Raise> {
    let name = atoms::name(it).ok_or_else(|| error("badarg"))?;
    let pids = |h: &mut BifHeap, v: Vec<Term>| construct::list(h, &v).map_err(heap_err);
    let words = |n: u32| small(i64::from(n));
    let v = match name.as_str() {
        "registered_name" => crate::bifs_proc::name_of(p.pid()).unwrap_or(Term::NIL),
        "status" => atom(match p.status() {
            Status::Runnable => "runnable",
            Status::Running => "running",
            Status::Waiting => "waiting",
        }),
        "message_queue_len" => small(p.mailbox().len() as i64),
        "messages" => {
            // Only the caller's own messages are terms of its heap here.
            let msgs: Vec<Term> = if me.is_some() {
                (0..p.mailbox().len())
                    .filter_map(|i| p.mailbox().get(i))
                    .collect()
            } else {
                Vec::new()
            };
            pids(h, msgs)?
        }
        "links" => {
            let v = p
                .links()
                .iter()
                .map(|l| l.term())
                .chain(crate::ports::links_of(p.pid()).into_iter().map(Term::port))
                .collect();
            pids(h, v)?
        }
        "monitors" | "monitored_by" => Term::NIL,
        "dictionary" => {
            // Another process's terms are copied from its heap (it is not running).
            let cp = |t: Term, h: &mut BifHeap| -> Result<Term, Raise> {
                if me.is_some() {
                    Ok(t)
                } else {
                    beam_runtime::copy::copy_term(t, h).map_err(heap_err)
                }
            };
            let mut v = Vec::new();
            for &(k, val) in p.dictionary().entries() {
                let (k, val) = (cp(k, h)?, cp(val, h)?);
                v.push(construct::tuple(h, &[k, val]).map_err(heap_err)?);
            }
            pids(h, v)?
        }
        "trap_exit" => atom(if p.trap_exit() { "true" } else { "false" }),
        "error_handler" => atom("error_handler"),
        "priority" => atom("normal"),
        "group_leader" => crate::group_leader::of(p.pid().term()),
        "heap_size" | "total_heap_size" => words(p.heap().size_words()),
        "stack_size" => words(p.heap().stack_words()),
        "memory" => small(i64::from(p.heap().size_words()) * 4 + 1000),
        "reductions" => small(p.reductions().min(i64::MAX as u64 >> 4) as i64),
        "current_function" | "current_location" | "current_stacktrace" => current(h, p, me, &name)?,
        "initial_call" => {
            let (m, f, n) = crate::proc_initial_call::of(p.pid().term());
            construct::tuple(h, &[m, f, small(i64::from(n))]).map_err(heap_err)?
        }
        "garbage_collection" => {
            let mut v = Vec::new();
            for (k, n) in [
                ("max_heap_size", 0),
                ("min_bin_vheap_size", 46422),
                ("min_heap_size", 233),
                ("fullsweep_after", 65535),
                ("minor_gcs", 0),
            ] {
                v.push(construct::tuple(h, &[atom(k), small(n)]).map_err(heap_err)?);
            }
            pids(h, v)?
        }
        "suspending" => Term::NIL,
        "min_heap_size" => small(233),
        "min_bin_vheap_size" => small(46422),
        "fullsweep_after" => small(65535),
        "message_queue_data" => atom("on_heap"),
        "catchlevel" => small(0),
        "binary" | "last_calls" => {
            if name == "last_calls" {
                atom("false")
            } else {
                Term::NIL
            }
        }
        "sequential_trace_token" => Term::NIL,
        "parent" => atom("undefined"),
        _ => return Err(error("badarg")),
    };
    construct::tuple(h, &[it, v]).map_err(heap_err)
}

/// `current_function`, `current_location` or `current_stacktrace` of `p`: where it
/// waits or will resume (another process), or the function calling this BIF (the
/// caller, from the BIF call's return address: `Field::BifSite`, recorded by the
/// simulator's redirect and by vm/src/native.rs's shim). Where neither is known: `{erlang, apply,
/// 2}` and `[]`.
fn current(h: &mut BifHeap, p: &Process, me: Option<u32>, name: &str) -> Result<Term, Raise> {
    use crate::stacktrace::Current;
    let what = match name {
        "current_function" => Current::Function,
        "current_location" => Current::Location,
        _ => Current::Stacktrace,
    };
    let at = if let Some(s) = me {
        crate::stacktrace::bif_site(s).map(|a| (a, true, 0))
    } else {
        p.code_position().map(|(resume, cp)| (resume, false, cp))
    };
    let stack = |cp| (cp, p.heap().stop(), p.heap().end());
    let found = match at {
        Some((a, call, cp)) => {
            crate::stacktrace::current(h, what, a, call, stack(cp)).map_err(heap_err)?
        }
        None => None,
    };
    Ok(match (found, what) {
        (Some(t), _) => t,
        (None, Current::Function) => {
            let t = [atom("erlang"), atom("apply"), small(2)];
            construct::tuple(h, &t).map_err(heap_err)?
        }
        (None, _) => Term::NIL,
    })
}

/// `lists:keysearch/3` (a BIF in OTP whose lists.beam stub raises `undef`): the first
/// tuple whose `N`th element `==` `Key`, as `{value, Tuple}`, or `false`.
pub(crate) static LISTS: &[Bif] = &[Bif {
    name: "keysearch",
    arity: 3,
    f: keysearch,
}];

fn keysearch(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = a[1]
        .small_value()
        .filter(|&n| n >= 1)
        .ok_or_else(|| error("badarg"))? as u32;
    let (elems, tail) = construct::list_elements(a[2]).ok_or_else(|| error("badarg"))?;
    for e in elems {
        if let Some(k) = construct::tuple_get(e, n - 1)
            .filter(|_| construct::tuple_arity(e).is_some_and(|ar| ar >= n))
        {
            let eq = beam_runtime::ops::compare::arith_eq(k, a[0]).map_err(|_| error("badarg"))?;
            if eq {
                return construct::tuple(&mut c.heap, &[atom("value"), e]).map_err(heap_err);
            }
        }
    }
    if tail != Term::NIL {
        return Err(error("badarg"));
    }
    Ok(atom("false"))
}

/// `erlang:system_info/1`, the items programs ask for. The release and version are
/// OTP 25's (erts 13.1.5, the erl this project checks against); the word size is the
/// target's (4: 32-bit ARM); one scheduler runs the processes.
fn system_info(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let cx = c.proc.as_deref().ok_or_else(|| error("badarg"))?;
    let n = |v: i64| Ok(small(v));
    let s = |c: &mut BifCx<'_>, text: &str| {
        let chars: Vec<Term> = text.chars().map(|ch| small(i64::from(ch as u32))).collect();
        construct::list(&mut c.heap, &chars).map_err(heap_err)
    };
    match atoms::name(a[0]).as_deref() {
        Some("process_count") => n(cx.pids().len() as i64),
        Some("process_limit") => n(beam_runtime::process::process_limit() as i64),
        Some(
            "schedulers"
            | "schedulers_online"
            | "logical_processors"
            | "logical_processors_available"
            | "logical_processors_online"
            | "dirty_cpu_schedulers"
            | "dirty_cpu_schedulers_online"
            | "thread_pool_size",
        ) => n(1),
        Some("dirty_io_schedulers") => n(10),
        Some("wordsize") => n(4),
        Some("atom_count") => n(atoms::count() as i64),
        Some("atom_limit") => n(1_048_576),
        Some("port_limit") => n(65_536),
        Some("ets_limit") => n(8192),
        Some("port_count") => n(crate::ports::all().len() as i64),
        // Twice the schedulers, as ERTS (erts_code_purger asks it).
        Some("outstanding_system_requests_limit") => n(2),
        Some("otp_release") => s(c, "25"),
        // erl_prim_loader and filename ask it (the real boot's code server).
        Some("os_type") => {
            construct::tuple(&mut c.heap, &[atom("unix"), atom("linux")]).map_err(heap_err)
        }
        Some("version") => s(c, "13.1.5"),
        Some("machine") => s(c, "BEAM"),
        Some("system_version") => s(
            c,
            "Erlang/OTP 25 [erts-13.1.5] [source] [32-bit] [smp:1:1] [ds:1:1:10] \
             [async-threads:1] [jit]\n",
        ),
        Some("emu_flavor") => Ok(atom("jit")),
        Some("emu_type") => Ok(atom("opt")),
        Some("smp_support" | "threads") => Ok(atom("true")),
        Some("debug_compiled" | "kernel_poll") => Ok(atom("false")),
        Some("hipe_architecture") => Ok(atom("undefined")),
        Some("start_time") => n(0),
        _ => Err(error("badarg")),
    }
}
