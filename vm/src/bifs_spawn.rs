//! `erlang:spawn_opt/2,3,4,5` (OTP's erlang.erl and erl_bif_info/erts `spawn_opt`
//! documentation): `link`, `monitor`, `{monitor, Opts}` and `{max_heap_size, M}`
//! (vm/src/heap_limit.rs) act; `{priority, P}`, `{min_heap_size, N}`,
//! `{min_bin_vheap_size, N}`, `{fullsweep_after, N}` and `{message_queue_data, D}` are
//! checked as erl checks them and accepted (this runtime has one priority and sizes its
//! heaps itself). A node
//! argument must be this node (`nonode@nohost`). With `monitor` the result is
//! `{Pid, Ref}`, else the pid.

use beam_runtime::atom as atoms;
use beam_runtime::construct;
use beam_runtime::ctx::SpawnOpts;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, Bif, BifCx, Raise};
use crate::bifs_more::{proper_list, spawn_fun, spawn_mfa};

pub(crate) static ERLANG: &[Bif] = &[
    Bif {
        name: "spawn_opt",
        arity: 2,
        f: |c, a| spawn_opt_fun(c, a[0], a[1]),
    },
    Bif {
        name: "spawn_opt",
        arity: 3,
        f: |c, a| {
            local_node(a[0])?;
            spawn_opt_fun(c, a[1], a[2])
        },
    },
    Bif {
        name: "spawn_opt",
        arity: 4,
        f: |c, a| spawn_opt_mfa(c, &a[..3], a[3]),
    },
    Bif {
        name: "spawn_opt",
        arity: 5,
        f: |c, a| {
            local_node(a[0])?;
            spawn_opt_mfa(c, &a[1..4], a[4])
        },
    },
];

fn local_node(n: Term) -> Result<(), Raise> {
    if n == atom("nonode@nohost") {
        Ok(())
    } else if n.is_atom() {
        // Distribution is not supported: erl without a network raises notsup here.
        Err(error("notsup"))
    } else {
        Err(error("badarg"))
    }
}

/// The options that act (`link`, `monitor`), after checking every option as erl does.
fn options(opts: Term) -> Result<SpawnOpts, Raise> {
    let list = proper_list(opts)?;
    let mut o = SpawnOpts::default();
    let mut max_heap = None;
    let mut min_heap = 233;
    for opt in list {
        if opt == atom("link") {
            o.link = true;
            continue;
        }
        if opt == atom("monitor") {
            o.monitor = true;
            continue;
        }
        let Some(kv) = construct::tuple_elements(opt).filter(|t| t.len() == 2) else {
            return Err(error("badarg"));
        };
        let (k, v) = (kv[0], kv[1]);
        let nonneg = |t: Term| t.small_value().is_some_and(|n| n >= 0);
        let ok = match atoms::name(k).as_deref() {
            Some("monitor") => {
                // `{monitor, Opts}`: Opts a list (alias/tag options are accepted).
                proper_list(v)?;
                o.monitor = true;
                true
            }
            Some("priority") => matches!(
                atoms::name(v).as_deref(),
                Some("low" | "normal" | "high" | "max")
            ),
            Some("min_heap_size") if nonneg(v) => {
                min_heap = v.small_value().map_or(233, i64::from);
                true
            }
            Some("min_bin_vheap_size" | "fullsweep_after") => nonneg(v),
            // Checked against `min_heap_size` once every option is read.
            Some("max_heap_size") => {
                max_heap = Some(v);
                true
            }
            Some("message_queue_data") => {
                matches!(atoms::name(v).as_deref(), Some("off_heap" | "on_heap"))
            }
            _ => false,
        };
        if !ok {
            return Err(error("badarg"));
        }
    }
    if let Some(v) = max_heap {
        // erl refuses a limit below the minimum heap size (rounded up to a heap size).
        let min = crate::bifs_proc_extra::next_heap_size(min_heap);
        o.max_heap = Some(crate::heap_limit::parse(v, min).ok_or_else(|| error("badarg"))?);
    }
    Ok(o)
}

fn result(c: &mut BifCx<'_>, r: (Term, Option<[u32; 3]>), monitor: bool) -> Result<Term, Raise> {
    match (monitor, r.1) {
        (true, Some(n)) => {
            let rf = construct::make_ref(&mut c.heap, n).map_err(heap_err)?;
            construct::tuple(&mut c.heap, &[r.0, rf]).map_err(heap_err)
        }
        _ => Ok(r.0),
    }
}

fn spawn_opt_fun(c: &mut BifCx<'_>, fun: Term, opts: Term) -> Result<Term, Raise> {
    let o = options(opts)?;
    let r = spawn_fun(c, fun, o)?;
    result(c, r, o.monitor)
}

fn spawn_opt_mfa(c: &mut BifCx<'_>, mfa: &[Term], opts: Term) -> Result<Term, Raise> {
    let o = options(opts)?;
    let r = spawn_mfa(c, mfa, o)?;
    result(c, r, o.monitor)
}

/// `monitor/3`, `send/3`, `alias/0,1`, `unalias/1` (process aliases, OTP 24+): gen's
/// calls monitor with `[{alias, demonitor}]` and get their reply through the alias.
pub(crate) static ALIAS: &[Bif] = &[
    Bif {
        name: "monitor",
        arity: 3,
        f: monitor3,
    },
    Bif {
        name: "send",
        arity: 3,
        f: |c, a| {
            proper_list(a[2])?;
            if a[0].is_port() {
                crate::bifs_port::send(c, a[0], a[1])?;
                return Ok(atom("ok"));
            }
            let cx = c.proc.as_deref_mut().ok_or_else(|| error("badarg"))?;
            let to = crate::bifs_proc::resolve(cx, a[0])?;
            cx.send_pid(to, a[1]).map_err(|_| error("badarg"))?;
            Ok(atom("ok"))
        },
    },
    Bif {
        name: "alias",
        arity: 0,
        f: |c, _| alias(c),
    },
    Bif {
        name: "alias",
        arity: 1,
        f: |c, a| {
            proper_list(a[0])?;
            alias(c)
        },
    },
    Bif {
        name: "unalias",
        arity: 1,
        f: |c, a| {
            let n = construct::ref_numbers(a[0]).ok_or_else(|| error("badarg"))?;
            let me = c.proc.as_deref().ok_or_else(|| error("badarg"))?.self_pid();
            Ok(crate::bifs::boolean(crate::bifs_proc::remove_alias(n, me)))
        },
    },
];

fn alias(c: &mut BifCx<'_>) -> Result<Term, Raise> {
    let cx = c.proc.as_deref_mut().ok_or_else(|| error("badarg"))?;
    let n = cx.new_ref();
    crate::bifs_proc::add_alias(n, cx.self_pid());
    construct::make_ref(&mut c.heap, n).map_err(heap_err)
}

/// `monitor(process, Target, Opts)`: as `monitor/2`, with `{alias, _}` making the
/// monitor's reference an alias of the caller (`{tag, _}` is not supported: badarg).
fn monitor3(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut alias = false;
    for o in proper_list(a[2])? {
        let kv = construct::tuple_elements(o).filter(|t| t.len() == 2);
        match kv {
            Some(kv) if kv[0] == atom("alias") => {
                let how = atoms::name(kv[1]).unwrap_or_default();
                if !matches!(
                    how.as_str(),
                    "explicit_unalias" | "demonitor" | "reply_demonitor"
                ) {
                    return Err(error("badarg"));
                }
                alias = true;
            }
            _ => return Err(error("badarg")),
        }
    }
    let r = crate::bifs_proc::monitor2(c, &a[..2])?;
    if alias {
        let n = construct::ref_numbers(r).ok_or_else(|| error("badarg"))?;
        let me = c.proc.as_deref().ok_or_else(|| error("badarg"))?.self_pid();
        crate::bifs_proc::add_alias(n, me);
    }
    Ok(r)
}
