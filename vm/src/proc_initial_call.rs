//! `process_info(P, initial_call)`: the `{Module, Function, Arity}` a process was spawned
//! with, as erl keeps it. `spawn(M, F, Args)` and its variants record `{M, F,
//! length(Args)}` (so a proc_lib process shows `{proc_lib, init_p, 3 | 5}`, which
//! proc_lib spawns); a process spawned with a fun, and the first process of a run (erl's
//! `-eval` runs it under `erlang:apply/2`), show `{erlang, apply, 2}` as in erl.
//!
//! Kept here, by pid, rather than in the runtime's process: an entry is made at the
//! spawn and dropped when the process ends (vm/src/host.rs's exit hook). A pid is only
//! looked up while its process is alive, and every BIF spawn writes its pid's entry, so
//! an entry a finished VM left behind is overwritten before it could be read.

use std::cell::RefCell;
use std::collections::HashMap;

use beam_runtime::term::Term;

use crate::bifs::atom;

thread_local! {
    /// `(Module, Function, Arity)` by pid term (raw word).
    static INITIAL: RefCell<HashMap<u32, (Term, Term, u32)>> = RefCell::new(HashMap::new());
}

/// Process `pid` was spawned to run `m:f/arity`.
pub(crate) fn spawned(pid: Term, m: Term, f: Term, arity: u32) {
    INITIAL.with(|t| t.borrow_mut().insert(pid.0, (m, f, arity)));
}

/// Process `pid` was spawned with a fun: `{erlang, apply, 2}`.
pub(crate) fn spawned_fun(pid: Term) {
    spawned(pid, atom("erlang"), atom("apply"), 2);
}

/// Process `pid` ended.
pub(crate) fn exited(pid: Term) {
    INITIAL.with(|t| t.borrow_mut().remove(&pid.0));
}

/// The initial call of the live process `pid`.
pub(crate) fn of(pid: Term) -> (Term, Term, u32) {
    INITIAL
        .with(|t| t.borrow().get(&pid.0).copied())
        .unwrap_or_else(|| (atom("erlang"), atom("apply"), 2))
}
