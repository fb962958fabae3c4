//! Old code and processes (erl_bif_load.c's side of purging): `erlang:check_process_code/2,3`,
//! `erlang:purge_module/1`, and `erts_internal:request_system_task/3`, through which
//! `erts_code_purger` asks every process whether it runs a module's old code before a
//! purge (docs/boot.md).
//!
//! A module's old code is the code of its earlier loads (the stack-trace index numbers
//! each load of a module: `stacktrace::in_old_code`); bifs_loading.rs keeps whether a
//! module has old code at all. A process runs old code when the address it resumes at,
//! its continuation pointer or a continuation pointer on its stack lies in it. (ERTS
//! also counts funs of the old code on the process's heap; this VM does not look at
//! them: a process holding such a fun but not running the code is not killed by a purge.)

use beam_runtime::construct;
use beam_runtime::process::Pid;
use beam_runtime::scheduler::Ctx;
use beam_runtime::term::Term;

use crate::bifs::{atom, boolean, error, heap_err, Bif, BifCx, Raise};

fn bad() -> Raise {
    error("badarg")
}

/// Whether process `pid` runs code of `module`'s old version (`false` for a process
/// that does not exist).
fn runs_old_code(cx: &Ctx<'_>, pid: Pid, module: &str) -> bool {
    let Some(p) = cx.process(pid) else {
        return false;
    };
    let me = pid == cx.self_pid();
    // Where it is: the BIF call this is (the caller's code) or where it resumes.
    let (at, cp) = if me {
        (crate::stacktrace::bif_site(cx.x_base()).unwrap_or(0), 0)
    } else {
        p.code_position().unwrap_or((0, 0))
    };
    let old = |a: u32| a != 0 && crate::stacktrace::in_old_code(module, a);
    if old(at) || old(cp) {
        return true;
    }
    let (mut w, end) = (p.heap().stop(), p.heap().end());
    while w < end {
        let t = beam_runtime::mem::read(w).unwrap_or(1);
        if t != 0 && Term(t).is_cp() && old(t) {
            return true;
        }
        w += 4;
    }
    false
}

/// The answer to "does `pid` run old code of `module`": `false` when the module has no
/// old code, as ERTS answers without looking at the process.
fn check(cx: &Ctx<'_>, pid: Pid, module: &str) -> bool {
    crate::bifs_loading::has_old_code(module) && runs_old_code(cx, pid, module)
}

fn args(a: &[Term]) -> Result<(Pid, String), Raise> {
    let pid = Pid::from_term(a[0]).ok_or_else(bad)?;
    let module = beam_runtime::atom::name(a[1]).ok_or_else(bad)?;
    Ok((pid, module))
}

fn check_process_code2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (pid, module) = args(a)?;
    let cx = c.proc.as_deref().ok_or_else(bad)?;
    Ok(boolean(check(cx, pid, &module)))
}

/// `check_process_code(Pid, Module, Options)`: `{allow_gc, Bool}` (no effect here: the
/// VM never needs a collection to answer) and `{async, RequestId}`, with which the
/// answer comes as the message `{check_process_code, RequestId, Bool}` and the call
/// returns `async`.
fn check_process_code3(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (pid, module) = args(a)?;
    let mut request = None;
    for opt in crate::bifs_more::proper_list(a[2])? {
        match construct::tuple_elements(opt).as_deref() {
            Some([k, v]) if *k == atom("allow_gc") && v.is_atom() => {}
            Some([k, id]) if *k == atom("async") => request = Some(*id),
            _ => return Err(bad()),
        }
    }
    let cx = c.proc.as_deref_mut().ok_or_else(bad)?;
    let answer = check(cx, pid, &module);
    let Some(id) = request else {
        return Ok(boolean(answer));
    };
    let msg = construct::tuple(
        &mut c.heap,
        &[atom("check_process_code"), id, boolean(answer)],
    )
    .map_err(heap_err)?;
    reply(c, msg)?;
    Ok(atom("async"))
}

/// Sends `msg` (built on the BIF's heap) to the calling process.
fn reply(c: &mut BifCx<'_>, msg: Term) -> Result<(), Raise> {
    let me = c.self_pid;
    let cx = c.proc.as_deref_mut().ok_or_else(bad)?;
    cx.send(me, msg).map_err(|_| bad())
}

/// `erts_internal:request_system_task(Pid, Priority, Request)`: the request is carried
/// out at once and its answer sent to the caller as ERTS sends it when the target has
/// run the task: `{check_process_code, ReqId, Module}` answers `{check_process_code,
/// ReqId, Bool}`, `{garbage_collect, ReqId}` answers `{garbage_collect, ReqId, true}`
/// (collections are the runtime's business here). A process that does not exist
/// answers `false`, as in ERTS.
fn request_system_task(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let pid = Pid::from_term(a[0]).ok_or_else(bad)?;
    if !["high", "normal", "low", "max"]
        .iter()
        .any(|p| a[1] == atom(p))
    {
        return Err(bad());
    }
    let req = construct::tuple_elements(a[2]).ok_or_else(bad)?;
    let kind = *req.first().ok_or_else(bad)?;
    let answer = if kind == atom("check_process_code") && req.len() == 3 {
        let module = beam_runtime::atom::name(req[2]).ok_or_else(bad)?;
        let cx = c.proc.as_deref().ok_or_else(bad)?;
        boolean(check(cx, pid, &module))
    } else if kind == atom("garbage_collect") && req.len() == 2 {
        let cx = c.proc.as_deref().ok_or_else(bad)?;
        boolean(cx.is_alive(pid))
    } else {
        return Err(bad());
    };
    let msg = construct::tuple(&mut c.heap, &[kind, req[1], answer]).map_err(heap_err)?;
    reply(c, msg)?;
    Ok(atom("ok"))
}

/// `erlang:purge_module(Module)` (erlang.erl's, which asks erts_code_purger): removes the
/// old code of `Module`, first killing every process that runs it; `badarg` when there
/// is none. The kill signals are sent before the call returns (erts_code_purger also
/// waits for the processes to be gone).
fn purge_module(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let module = beam_runtime::atom::name(a[0]).ok_or_else(bad)?;
    if !crate::bifs_loading::has_old_code(&module) {
        return Err(bad());
    }
    let cx = c.proc.as_deref_mut().ok_or_else(bad)?;
    let me = cx.self_pid();
    let doomed: Vec<Pid> = cx
        .pids()
        .into_iter()
        .filter(|&p| p != me && runs_old_code(cx, p, &module))
        .collect();
    for p in doomed {
        cx.exit_signal(p, atom("kill")).map_err(|_| bad())?;
    }
    crate::bifs_loading::drop_old_code(&module);
    Ok(atom("true"))
}

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "check_process_code",
        arity: 2,
        f: check_process_code2,
    },
    Bif {
        name: "check_process_code",
        arity: 3,
        f: check_process_code3,
    },
    Bif {
        name: "purge_module",
        arity: 1,
        f: purge_module,
    },
];

pub static ERTS_INTERNAL: &[Bif] = &[Bif {
    name: "request_system_task",
    arity: 3,
    f: request_system_task,
}];
