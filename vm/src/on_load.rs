//! `-on_load` functions of modules the VM loads itself: without the real boot (`beam
//! run`, `--stand-in-boot`), where no code_server runs them (docs/boot.md).
//!
//! As in ERTS, a module with an on_load function is installed but its exports are not
//! callable until the function has returned `ok`: its export cells keep their lazy
//! stubs ([`installed`]). The first call through one of them ([`gate`], from `rt_load`)
//! starts the function in a process of its own, as code_server does, and the caller
//! waits: it yields and comes back to the same stub until the function is done. The
//! runner starts at the on_load function with a CP that is the lazy stub of the cell
//! `erlang:'$beam_on_load_done'/1`, so the function's value comes back to `rt_load`
//! ([`done`]), which keeps the module (its cells now point at its code) when it is
//! `ok`, and otherwise deletes it, so that the waiting callers raise `undef` and a
//! later call loads it and runs the function again, as erl's error_handler does. Like
//! code_server, a value that is not an atom is reported with logger's warning
//! `The on_load function for module M returned:~n~P` (depth 10), and so is the exit
//! reason of a runner that crashed ([`runner_exited`]; the crash itself has its error
//! report, as in erl).
//!
//! Not done: calls that do not go through an export cell while the function runs
//! (`apply/3`, `spawn/3` go through one, see `lazy::resolve`), and code loaded without
//! lazy stubs (the `eager` option) runs no on_load function.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use beam_runtime::ctx::SpawnOpts;
use beam_runtime::sched_regs::{Field, StepCode};
use beam_runtime::term::Term;
use beam_runtime::{atom, construct, mem};

use crate::bifs::BifHeap;
use crate::loader::{with_loader, write_word, Loader};
use crate::rt::{self, RtStop};
use crate::LoadError;

/// The function a runner returns to (its lazy stub's cell): [`done`].
const DONE: &str = "$beam_on_load_done";

#[derive(Clone, Copy, PartialEq)]
enum Run {
    /// Installed; nobody has called it yet.
    Waiting,
    /// Its on_load function runs in this process.
    Running(Term),
}

#[derive(Default)]
struct State {
    pending: HashMap<String, Run>,
    /// The processes waiting for each module's on_load function.
    waiters: HashMap<String, HashSet<u32>>,
    /// Callers whose module's on_load function failed while they waited: their call
    /// raises `undef` (module, pid).
    failed: HashSet<(String, u32)>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Forgets the previous VM's modules (`Vm::new`).
pub(crate) fn reset() {
    STATE.with(|s| *s.borrow_mut() = State::default());
}

/// Whether `m`'s on_load function has not returned yet.
pub(crate) fn pending(m: &str) -> bool {
    STATE.with(|s| s.borrow().pending.contains_key(m))
}

/// After the loader installed `m` itself: with an on_load function (and not under the
/// real boot, where code_server runs it), its export cells go back to their lazy stubs
/// until the function has returned `ok`.
pub(crate) fn installed(l: &mut Loader, m: &str) -> Result<(), LoadError> {
    if crate::otp_boot::on() || !l.cells.lazy {
        return Ok(());
    }
    if crate::module_meta::get(m)
        .and_then(|meta| meta.on_load)
        .is_none()
    {
        return Ok(());
    }
    STATE.with(|s| s.borrow_mut().pending.insert(m.to_string(), Run::Waiting));
    let cells = l.own_cells(m);
    let undef = l.cells.undef;
    for &cell in &cells {
        write_word(cell, undef);
    }
    l.cells.unstubbed.extend(cells);
    l.install_stubs()
}

/// `rt_load` of `cell`, `M:F/arity`, on block `s`: [`done`], then [`gate`].
pub(crate) fn trap(s: u32, cell: u32, m: Term, f: Term, arity: u32) -> Result<Option<u32>, RtStop> {
    match done(s, m, f, arity)? {
        Some(addr) => Ok(Some(addr)),
        None => gate(s, cell, m, f, arity),
    }
}

/// `rt_load` of `cell`, `M:F/arity`, on block `s`: `None` when `M` has no on_load
/// function pending (the cell's code is called as usual). Otherwise the function is
/// started if it was not, and the caller yields to come back to the cell's stub, or
/// raises `undef` if the function failed while it waited; the runner itself calls the
/// module's code directly.
fn gate(s: u32, cell: u32, m: Term, f: Term, arity: u32) -> Result<Option<u32>, RtStop> {
    // Under the real boot code_server runs on_load functions (bifs_loading.rs).
    let Some(name) = atom::name(m).filter(|_| !crate::otp_boot::on()) else {
        return Ok(None);
    };
    let (cx, _) = rt::block(s)?;
    let me = cx.self_pid().term();
    // (Before loading: the module stays unloaded for this caller, as in erl.)
    let failed = STATE.with(|st| st.borrow_mut().failed.remove(&(name.clone(), me.0)));
    if failed {
        rt::trace_undef(s, m, f, arity)?;
        return Ok(Some(rt::undef()));
    }
    let _ = with_loader(|l| {
        l.ensure(&name);
        Ok(())
    });
    let Some(run) = STATE.with(|st| st.borrow().pending.get(&name).copied()) else {
        return Ok(None);
    };
    if run == Run::Running(me) {
        // The on_load function calls its own module.
        let fname = atom::name(f).unwrap_or_default();
        let addr = with_loader(|l| {
            Ok(l.modules
                .get(&name)
                .and_then(|lm| lm.exports.get(&(fname, arity)))
                .copied())
        });
        return Ok(Some(addr.ok().flatten().unwrap_or_else(rt::undef)));
    }
    if run == Run::Waiting {
        let runner = start(cx, &name)?;
        STATE.with(|st| {
            st.borrow_mut()
                .pending
                .insert(name.clone(), Run::Running(runner))
        });
    }
    STATE.with(|st| {
        st.borrow_mut()
            .waiters
            .entry(name)
            .or_default()
            .insert(me.0)
    });
    // Yield; resume at this cell's stub with the arguments (x0 is in the X array: the
    // stub stored it).
    let stub = mem::read(cell).unwrap_or_else(rt::undef);
    rt::set_field(s, Field::Resume, stub);
    rt::set_field(s, Field::Live, arity);
    rt::set_field(s, Field::Pending, StepCode::Yield as u32);
    Ok(Some(crate::unloaded_fun::or_handle(0)))
}

/// Starts `m`'s on_load function in a new process that returns to [`DONE`]'s stub.
fn start(cx: &mut beam_runtime::scheduler::Ctx<'_>, m: &str) -> Result<Term, RtStop> {
    let fatal = |e: String| RtStop::Fatal(format!("running the on_load function of {m}: {e}"));
    let entry = crate::module_meta::get(m)
        .and_then(|meta| meta.on_load)
        .and_then(|func| crate::stacktrace::function_entry(m, func))
        .ok_or_else(|| fatal("no code for it".into()))?;
    let done = with_loader(|l| {
        let cell = l.fun_cell("erlang", DONE, 1)?;
        Ok(mem::read(cell).filter(|&a| l.is_stub(a)))
    })
    .map_err(|e| fatal(e.to_string()))?
    .ok_or_else(|| fatal("no stub to return to".into()))?;
    let body = crate::host::JitBody::new(entry, done, false);
    let parent = cx.self_pid().term();
    let (pid, _) = cx
        .spawn(body, &[], SpawnOpts::default())
        .map_err(|e| fatal(e.to_string()))?;
    crate::group_leader::set(pid.term(), crate::group_leader::of(parent));
    Ok(pid.term())
}

/// `rt_load` of `erlang:'$beam_on_load_done'/1`'s cell: the runner on block `s` has
/// returned x0 from the on_load function; the runner ends (`normal_exit`). `None` for
/// other cells.
fn done(s: u32, m: Term, f: Term, arity: u32) -> Result<Option<u32>, RtStop> {
    if arity != 1 || atom::name(m).as_deref() != Some("erlang") {
        return Ok(None);
    }
    if atom::name(f).as_deref() != Some(DONE) {
        return Ok(None);
    }
    let (cx, _) = rt::block(s)?;
    let me = cx.self_pid().term();
    let value = cx.x(0).map_err(|e| RtStop::Fatal(e.to_string()))?;
    if let Some(name) = runner_of(me) {
        finish(
            &name,
            value,
            value == atom::intern("ok").unwrap_or(Term::NIL),
        );
    }
    Ok(Some(rt::normal_exit()))
}

/// The module whose on_load function process `pid` runs.
fn runner_of(pid: Term) -> Option<String> {
    STATE.with(|st| {
        st.borrow()
            .pending
            .iter()
            .find(|(_, &r)| r == Run::Running(pid))
            .map(|(m, _)| m.clone())
    })
}

/// A process ended (`JitBody::exited`): if it ran an on_load function that did not
/// return, the module goes, reported with the exit reason as code_server does.
pub(crate) fn runner_exited(pid: Term, reason: Term) {
    if let Some(name) = runner_of(pid) {
        finish(&name, reason, false);
    }
}

/// The on_load function of `m` is done with `value`: the module stays when `keep`
/// (its cells point at its code), otherwise it is deleted and its waiting callers fail.
fn finish(m: &str, value: Term, keep: bool) {
    let waiters = STATE.with(|st| {
        let mut st = st.borrow_mut();
        st.pending.remove(m);
        st.waiters.remove(m).unwrap_or_default()
    });
    if keep {
        let _ = with_loader(|l| {
            let exports = l.modules.get(m).map(|lm| lm.exports.clone());
            for cell in l.own_cells(m) {
                let Some((_, f, a)) = l.cells.mfa.get(&cell).cloned() else {
                    continue;
                };
                if let Some(&addr) = exports.as_ref().and_then(|e| e.get(&(f, a))) {
                    write_word(cell, addr);
                }
            }
            Ok(())
        });
        return;
    }
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        st.failed
            .extend(waiters.into_iter().map(|p| (m.to_string(), p)));
    });
    if with_loader(|l| l.unload(m)).is_ok() {
        crate::stacktrace::retire_current(m);
    }
    if !value.is_atom() {
        report(m, value);
    }
}

/// code_server's warning for an on_load function that did not return `ok` (not for an
/// atom): `The on_load function for module M returned:~n~P~n` with depth 10.
fn report(m: &str, value: Term) {
    if !crate::bifs_logger::passes("warning") {
        return;
    }
    let mut h = BifHeap::default();
    let text = (|| {
        let fmt: Vec<Term> = "~P"
            .chars()
            .map(|c| Term::small(i64::from(u32::from(c))).unwrap_or(Term::NIL))
            .collect();
        let fmt = construct::list(&mut h, &fmt).ok()?;
        let depth = Term::small(10).unwrap_or(Term::NIL);
        let args = construct::list(&mut h, &[value, depth]).ok()?;
        let chars = beam_runtime::ops::format::format(fmt, args).ok()?;
        Some(
            chars
                .into_iter()
                .filter_map(char::from_u32)
                .collect::<String>(),
        )
    })()
    .unwrap_or_else(|| crate::host::show(value));
    let out = format!(
        "=WARNING REPORT==== {} ===\nThe on_load function for module {m} returned:\n{text}\n\n",
        crate::exc::timestamp()
    );
    crate::bifs_io::emit_stdout(out.as_bytes());
}
