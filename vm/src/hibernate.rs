//! BIFs that need more than a BIF can do alone: `erlang:make_fun/3` (the loader, for an
//! export cell) and `erlang:hibernate/3`.
//!
//! `erlang:hibernate/3`: the process drops its stack, waits for a message and then calls
//! `M:F(Args)`, never returning to its caller (when `M:F` returns, the process ends
//! with reason `normal`, as in erl).
//!
//! A BIF cannot leave the running code itself, so this uses the exception path: the BIF
//! ([`HIBERNATE`]) checks its arguments; [`enter`] (called by `rt::bif` after it
//! succeeded) puts `Args` in x0.., `M:F/N`'s address in `Resume` and makes the *step*
//! pending instead of an exception: `Wait` (no timeout), or `Yield` when a message is
//! already queued (erl wakes at once then). Compiled code goes to the `handle`
//! fragment as after any BIF that did not return a value; [`on_handle`] finds no
//! exception, discards the Erlang stack (`E` at its end) and makes the CP the
//! `normal_exit` fragment; the fragment returns the step to the scheduler. The process
//! resumes, when a message comes, at `M:F` with the arguments as live X registers.
//!
//! Not done: the collection erl makes on hibernating (the heap is collected by the next
//! collection as usual), and `process_info(P, current_function)` showing
//! `{erlang, hibernate, 3}` while it sleeps.

use std::cell::Cell;

use beam_runtime::construct;
use beam_runtime::sched_regs::{Field, StepCode};
use beam_runtime::scheduler::Ctx;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, Bif, BifCx, Raise};
use crate::rt::{self, RtStop};

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "hibernate",
        arity: 3,
        f: check,
    },
    Bif {
        name: "make_fun",
        arity: 3,
        f: make_fun,
    },
];

thread_local! {
    /// Set between [`enter`] and the `handle` fragment's runtime call.
    static HIBERNATING: Cell<bool> = const { Cell::new(false) };
}

/// The argument checks (erl: `badarg` unless `M` and `F` are atoms and `Args` a proper
/// list). What happens next is [`enter`]'s.
fn check(_c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if !a[0].is_atom() || !a[1].is_atom() {
        return Err(error("badarg"));
    }
    match construct::list_elements(a[2]) {
        Some((_, tail)) if tail == Term::NIL => Err(Raise::Hibernate),
        _ => Err(error("badarg")),
    }
}

/// Sets up the hibernation after [`check`] accepted `terms` (`[M, F, Args]`); returns
/// 0, the value that sends compiled code to `handle`.
pub(crate) fn enter(cx: &mut Ctx<'_>, s: u32, terms: &[Term]) -> Result<u32, RtStop> {
    let fatal = |e: beam_runtime::process::ProcError| RtStop::Fatal(e.to_string());
    let (m, f) = (terms[0], terms[1]);
    let args = construct::list_elements(terms[2]).map_or_else(Vec::new, |(v, _)| v);
    let n = args.len() as u32;
    for (i, &a) in args.iter().enumerate() {
        cx.set_x(i, a).map_err(fatal)?;
    }
    // A function that does not exist raises `undef` when the process wakes, as in erl.
    let addr = match rt::export_addr(m, f, n) {
        Some(a) => a,
        None => {
            rt::trace_undef(s, m, f, n)?;
            rt::undef()
        }
    };
    rt::set_field(s, Field::Resume, addr);
    rt::set_field(s, Field::Live, n);
    rt::set_field(s, Field::RecvIdx, 0);
    let step = if cx.message_count() > 0 {
        StepCode::Yield
    } else {
        rt::set_field(s, Field::StepArg, atom("infinity").0);
        StepCode::Wait
    };
    rt::set_field(s, Field::Pending, step as u32);
    HIBERNATING.with(|h| h.set(true));
    Ok(0)
}

/// In `rt`'s `handle`, when no exception is pending: if the process is hibernating, its
/// stack goes (`E` = `stack_end`) and what `M:F` returns ends it (`CP` = `normal_exit`).
pub(crate) fn on_handle(s: u32, stack_end: u32) {
    if HIBERNATING.with(|h| h.replace(false)) {
        rt::set_field(s, Field::E, stack_end);
        rt::set_field(s, Field::Cp, rt::normal_exit());
    }
}

/// `erlang:make_fun(M, F, A)`: the external fun `fun M:F/A` (the function need not
/// exist; calling it then raises `undef`). Here because it, too, needs the loader from
/// inside a BIF.
fn make_fun(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let arity = a[2].small_value().filter(|n| (0..=255).contains(n));
    let (Some(m), Some(f), Some(arity)) = (
        beam_runtime::atom::name(a[0]),
        beam_runtime::atom::name(a[1]),
        arity,
    ) else {
        return Err(error("badarg"));
    };
    let cell = crate::loader::with_loader(|l| l.fun_cell(&m, &f, arity as u32))
        .map_err(|_| error("system_limit"))?;
    construct::export(&mut c.heap, cell).map_err(crate::bifs::heap_err)
}
