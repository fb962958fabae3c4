//! Signals between processes: messages, exit signals, and what a dying process sends
//! through its links and monitors. The rules are OTP's (erlang:exit/2, link/1,
//! monitor/2 and the "Processes" chapter of the reference manual):
//!
//! - An exit signal with reason `kill` sent by `exit/2` cannot be trapped: the receiver
//!   dies with reason `killed`.
//! - Otherwise a receiver that traps exits gets `{'EXIT', From, Reason}` as a message.
//! - Otherwise reason `normal` is ignored (unless the receiver sent it to itself), and any
//!   other reason ends the receiver with the same reason.
//! - A dying process sends its exit reason to every linked process, and
//!   `{'DOWN', Ref, process, Pid, Reason}` to every process monitoring it.
//!
//! A receiver is never killed synchronously: the reason is stored as its pending exit
//! and it dies when next scheduled, as BEAM handles signals on schedule-in. A dying
//! process's signals are thereby propagated one process at a time, without recursion.

use crate::atom;
use crate::mailbox::Message;
use crate::process::{Monitor, Pid, ProcError, Process, Status};
use crate::scheduler::System;
use crate::term::Term;

/// Who sends an exit signal and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitKind {
    /// `exit(Pid, Reason)`: `kill` is untrappable.
    Explicit,
    /// Propagated through a link by a dying process: `kill` is an ordinary reason.
    Link,
}

/// What a process does with an exit signal.
enum Outcome {
    Ignore,
    Message,
    Die(Term),
}

fn outcome(p: &Process, from: Pid, reason: Term, kind: ExitKind) -> Outcome {
    if kind == ExitKind::Explicit && reason == atom::KILL {
        Outcome::Die(atom::KILLED)
    } else if p.trap_exit {
        Outcome::Message
    } else if reason == atom::NORMAL && from != p.pid {
        Outcome::Ignore
    } else {
        Outcome::Die(reason)
    }
}

/// Applies an exit signal to `p`; returns whether it must be woken.
pub(crate) fn deliver_exit(
    p: &mut Process,
    from: Pid,
    reason: Term,
    kind: ExitKind,
) -> Result<bool, ProcError> {
    match outcome(p, from, reason, kind) {
        Outcome::Ignore => Ok(false),
        Outcome::Message => {
            let m = Message::tuple(&[atom::EXIT, from.term(), reason])?;
            p.mailbox.push(m);
            Ok(true)
        }
        Outcome::Die(r) => {
            // The first exit signal wins, as the process dies handling it.
            if p.pending_exit.is_none() {
                p.pending_exit = Some(Message::copy_of(r)?);
            }
            Ok(true)
        }
    }
}

impl System {
    /// Makes a waiting process runnable (its timer keeps running).
    pub(crate) fn wake(&mut self, pid: Pid) {
        if let Some(p) = self.table.get_mut(pid) {
            if p.status == Status::Waiting {
                p.status = Status::Runnable;
                self.runq.push_back(pid);
            }
        }
    }

    /// Delivers a message to a process that is not running. Sending to a dead process
    /// is not an error in Erlang: the message is dropped.
    pub(crate) fn deliver(&mut self, to: Pid, m: Message) {
        if let Some(p) = self.table.get_mut(to) {
            p.mailbox.push(m);
            self.stats.messages += 1;
            self.wake(to);
        }
    }

    /// Sends an exit signal to a process that is not running.
    pub(crate) fn exit_signal(
        &mut self,
        from: Pid,
        to: Pid,
        reason: Term,
        kind: ExitKind,
    ) -> Result<(), ProcError> {
        let Some(p) = self.table.get_mut(to) else {
            return Ok(());
        };
        if deliver_exit(p, from, reason, kind)? {
            self.wake(to);
        }
        Ok(())
    }

    /// Ends process `p` (already taken out of the table) with `reason`, a term of its
    /// heap or of its pending-exit fragment: tells its links and monitors, cancels its
    /// timer and frees its slot. Signals that cannot be built (out of memory) are
    /// reported after every other peer has been told.
    pub(crate) fn terminate(&mut self, mut p: Box<Process>, reason: Term) -> Result<(), ProcError> {
        let pid = p.pid;
        if let Some(body) = p.body.as_mut() {
            body.exited(reason);
        }
        let mut first_err = None;
        for other in std::mem::take(&mut p.links) {
            if let Some(o) = self.table.get_mut(other) {
                o.links.remove(&pid);
            }
            if let Err(e) = self.exit_signal(pid, other, reason, ExitKind::Link) {
                first_err.get_or_insert(e);
            }
        }
        for m in std::mem::take(&mut p.monitored_by) {
            if let Some(w) = self.table.get_mut(m.other) {
                w.monitors.retain(|x| x.reference != m.reference);
            }
            match down_message(m, pid, reason) {
                Ok(msg) => self.deliver(m.other, msg),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        for m in std::mem::take(&mut p.monitors) {
            if let Some(t) = self.table.get_mut(m.other) {
                t.monitored_by.retain(|x| x.reference != m.reference);
            }
        }
        for (heir, m) in crate::ets::owner_exited(pid, |h| self.table.is_alive(h)) {
            self.deliver(heir, m);
        }
        self.stats.exits += 1;
        self.table.free(pid);
        drop(p);
        first_err.map_or(Ok(()), Err)
    }
}

/// `{'DOWN', Ref, process, Pid, Reason}` for monitor `m` of the dying `pid`.
pub(crate) fn down_message(m: Monitor, pid: Pid, reason: Term) -> Result<Message, ProcError> {
    // The ref is built in a scratch fragment and copied with the rest.
    let mut scratch = crate::heap::Fragment::new(crate::construct::REF_WORDS + 3)?;
    let r = crate::construct::make_ref(&mut scratch, m.reference)?;
    // `{Name, Node}` for a monitor made by name, built in the scratch fragment too.
    let who = if m.name.is_atom() {
        let node = atom::intern("nonode@nohost").map_err(|_| ProcError::Badarg("atom"))?;
        crate::construct::tuple(&mut scratch, &[m.name, node])?
    } else {
        pid.term()
    };
    Ok(Message::tuple(&[
        atom::DOWN,
        r,
        atom::PROCESS,
        who,
        reason,
    ])?)
}
