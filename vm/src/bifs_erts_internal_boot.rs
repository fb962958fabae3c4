//! BIFs OTP's preloaded modules and kernel call while booting (erl_init, init,
//! prim_file, erl_prim_loader, erts_code_purger, kernel's servers; docs/boot.md): ERTS
//! BIFs whose Erlang body (in erts_internal.erl, io.erl, ...) only raises, and the
//! process flags of the boot's servers.

use std::cell::RefCell;
use std::collections::HashMap;

use beam_runtime::ctx::SpawnOpts;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, Bif, BifCx, Raise};

thread_local! {
    /// Node monitors per `(pid, options)`: how many times they were set.
    static NODE_MONITORS: RefCell<HashMap<(u32, u32), i64>> = RefCell::new(HashMap::new());
}

/// `process_flag({monitor_nodes, Options}, Bool)` (net_kernel:monitor_nodes/2, which
/// global and rpc call at boot): `true` adds one nodeup/nodedown subscription with
/// those options, `false` removes them all; the answer is how many there were (as
/// ERTS). On a node that is not distributed no such message ever comes.
pub(crate) fn monitor_nodes_flag(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let bad = || error("badarg");
    // `monitor_nodes` alone: the subscription without options.
    let opts = if a[0] == atom("monitor_nodes") {
        Term::NIL
    } else {
        beam_runtime::construct::tuple_elements(a[0])
            .filter(|e| e.len() == 2)
            .map(|e| e[1])
            .ok_or_else(bad)?
    };
    let on = match beam_runtime::atom::name(a[1]).as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => return Err(bad()),
    };
    let key = (
        c.self_pid.0,
        beam_runtime::ops::hash::phash2(opts).map_err(|_| bad())?,
    );
    let old = NODE_MONITORS.with(|m| {
        let mut m = m.borrow_mut();
        if on {
            let n = m.entry(key).or_insert(0);
            *n += 1;
            *n - 1
        } else {
            m.remove(&key).unwrap_or(0)
        }
    });
    Ok(crate::bifs::small(old))
}

thread_local! {
    /// `erlang:system_flag(system_logger, _)`: where ERTS sends its log events.
    static SYSTEM_LOGGER: std::cell::Cell<Option<Term>> = const { std::cell::Cell::new(None) };
}

/// `erlang:system_flag(system_logger, Logger)` (logger_proxy's init): `logger`,
/// `undefined` or a local pid; the answer is the previous one (`logger` at first).
pub(crate) fn system_logger_flag(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let ok = a[1] == atom("logger") || a[1] == atom("undefined") || a[1].is_pid();
    if !ok {
        return Err(error("badarg"));
    }
    let old = SYSTEM_LOGGER.with(|s| s.replace(Some(a[1])));
    Ok(old.unwrap_or_else(|| atom("logger")))
}

/// Forgets the previous run's system logger.
pub(crate) fn reset() {
    SYSTEM_LOGGER.with(|s| s.set(None));
    SYSTEM.with(|s| s.borrow_mut().clear());
    NODE_MONITORS.with(|m| m.borrow_mut().clear());
}

/// Whether `t` is `monitor_nodes` or `{monitor_nodes, _}` (a process flag of [`monitor_nodes_flag`]).
pub(crate) fn is_monitor_nodes(t: Term) -> bool {
    t == atom("monitor_nodes")
        || beam_runtime::construct::tuple_elements(t)
            .is_some_and(|e| e.len() == 2 && e[0] == atom("monitor_nodes"))
}

/// `spawn_system_process(M, F, Args)`: a process ERTS starts for itself (prim_file's
/// helper...): not linked, group leader and all as a plain `spawn/3` from the caller.
fn spawn_system_process(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (pid, _) = crate::bifs_more::spawn_mfa(c, a, SpawnOpts::default())?;
    mark_system(pid);
    Ok(pid)
}

thread_local! {
    /// The system processes: those ERTS starts itself (erts_code_purger...) and those
    /// made by `spawn_system_process/3`. init's shutdown leaves them alone.
    static SYSTEM: RefCell<std::collections::HashSet<u32>> = RefCell::new(Default::default());
}

/// Records `pid` (a pid term) as a system process.
pub(crate) fn mark_system(pid: Term) {
    SYSTEM.with(|s| s.borrow_mut().insert(pid.0));
}

/// `is_system_process(Pid)`.
fn is_system_process(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if !a[0].is_pid() {
        return Err(error("badarg"));
    }
    Ok(crate::bifs::boolean(
        SYSTEM.with(|s| s.borrow().contains(&a[0].0)),
    ))
}

/// `io:printable_range/0`: what io_lib takes for printable, `latin1` unless erl was
/// started with `+pc unicode` (which beam does not take).
fn printable_range(_: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    Ok(atom("latin1"))
}

pub static IO: &[Bif] = &[Bif {
    name: "printable_range",
    arity: 0,
    f: printable_range,
}];

/// `scheduler_wall_time(Enable)` (kernel_refc, which counts the users of
/// `erlang:system_flag(scheduler_wall_time, _)`): whether it was on before. This VM
/// keeps no per-scheduler wall time, so it was never on.
fn scheduler_wall_time(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match beam_runtime::atom::name(a[0]).as_deref() {
        Some("true" | "false") => Ok(atom("false")),
        _ => Err(error("badarg")),
    }
}

pub static ERTS_INTERNAL: &[Bif] = &[
    Bif {
        name: "spawn_system_process",
        arity: 3,
        f: spawn_system_process,
    },
    Bif {
        name: "is_system_process",
        arity: 1,
        f: is_system_process,
    },
    Bif {
        name: "scheduler_wall_time",
        arity: 1,
        f: scheduler_wall_time,
    },
];

/// Under the real boot, the report of a process an error or throw ended goes where
/// ERTS sends it: a `{log, error, Format, Args, Meta}` event to the system logger
/// (logger_server, registered as `logger`, formats it with the default handler), with
/// `error_logger => #{tag => error, emulator => true}` in the metadata. Nothing is sent
/// when there is no logger (early in the boot, or after it stopped).
pub(crate) fn log_process_error(
    cx: &mut beam_runtime::scheduler::Ctx<'_>,
    exit: Term,
) -> Result<(), Raise> {
    let me = cx.self_pid().term();
    log_error(cx, "Error in process ~p with exit value:~n~p~n", |_| {
        Ok(vec![me, exit])
    })
}

/// An error report from ERTS itself (erts_send_error_to_logger: `text` with the format
/// `~s~n`, as erl_bif_load.c's "Module M must be purged before deleting"): to the
/// system logger under the real boot, else printed as erl's default handler prints it.
pub(crate) fn log_error_text(
    cx: &mut beam_runtime::scheduler::Ctx<'_>,
    text: &str,
) -> Result<(), Raise> {
    if !crate::otp_boot::on() {
        let out = format!(
            "=ERROR REPORT==== {} ===\n{text}\n\n",
            crate::exc::timestamp()
        );
        crate::bifs_io::emit_stdout(out.as_bytes());
        return Ok(());
    }
    log_error(cx, "~s~n", |c| Ok(vec![crate::bifs_more::string(c, text)?]))
}

/// Sends `{log, error, Format, Args, Meta}` from the calling process to the system
/// logger, `args` building the arguments on the event's heap.
fn log_error(
    cx: &mut beam_runtime::scheduler::Ctx<'_>,
    format: &str,
    args: impl FnOnce(&mut BifCx<'_>) -> Result<Vec<Term>, Raise>,
) -> Result<(), Raise> {
    use beam_runtime::construct;
    let logger = SYSTEM_LOGGER
        .with(|s| s.get())
        .unwrap_or_else(|| atom("logger"));
    let to = if logger.is_pid() {
        beam_runtime::process::Pid::from_term(logger)
    } else {
        crate::bifs_proc::resolve(cx, logger).ok()
    };
    let Some(to) = to else { return Ok(()) };
    let me = cx.self_pid().term();
    let mut c = BifCx {
        heap: crate::bifs::BifHeap::default(),
        self_pid: me,
        proc: None,
    };
    let format = crate::bifs_more::string(&mut c, format)?;
    let args = args(&mut c)?;
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros() as i64;
    let time = crate::bifs::int_term(&mut c, &micros.into())?;
    let h = &mut c.heap;
    let args = construct::list(h, &args).map_err(heap_err)?;
    let el = beam_runtime::map::flatmap(
        h,
        &[atom("emulator"), atom("tag")],
        &[atom("true"), atom("error")],
    )
    .map_err(heap_err)?;
    let meta = beam_runtime::map::flatmap(
        h,
        &[atom("error_logger"), atom("gl"), atom("pid"), atom("time")],
        &[el, crate::group_leader::of(me), me, time],
    )
    .map_err(heap_err)?;
    let msg =
        construct::tuple(h, &[atom("log"), atom("error"), format, args, meta]).map_err(heap_err)?;
    // The message is copied into the logger's queue; the fragments go with this call.
    let _ = cx.send_pid(to, msg);
    Ok(())
}
