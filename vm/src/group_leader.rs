//! Group leaders (erl's `group_leader/0,2`): every process has one, a new process takes
//! its parent's, and `group_leader(Leader, Pid)` changes it. io's requests go to the
//! group leader, so under the real boot (docs/boot.md) output reaches `user` through it.
//!
//! Kept beside the runtime's process table, keyed by pid: a process without an entry
//! (the first process, and system processes started from outside) has `<0.0.0>`, the
//! first process, as ERTS gives init itself. A pid reused after its process ended gets
//! its entry rewritten by the spawn that reuses it.

use std::cell::RefCell;
use std::collections::HashMap;

use beam_runtime::term::Term;

thread_local! {
    static LEADERS: RefCell<HashMap<u32, Term>> = RefCell::new(HashMap::new());
}

/// Forgets the previous run's processes.
pub(crate) fn reset() {
    LEADERS.with(|l| l.borrow_mut().clear());
}

/// The group leader of `pid` (a pid term).
pub(crate) fn of(pid: Term) -> Term {
    LEADERS.with(|l| l.borrow().get(&pid.0).copied().unwrap_or(Term::pid(0)))
}

/// Sets `pid`'s group leader (`group_leader/2`; spawn: the parent's).
pub(crate) fn set(pid: Term, leader: Term) {
    LEADERS.with(|l| l.borrow_mut().insert(pid.0, leader));
}
