//! [`Ctx`]: what running process code can do — its X registers, heap and reduction
//! budget, and the process operations of BEAM's BIFs (send, receive, spawn, link,
//! monitor, exit, trap_exit, the dictionary). Compiled code will reach the same
//! operations through `extern "C"` shims (see the scheduler's module documentation).

use crate::dict::{Dictionary, TermEq};
use crate::gc::GcKind;
use crate::heap::Heap;
use crate::mailbox::Message;
use crate::process::{Monitor, Pid, ProcError, Process};
use crate::scheduler::{ProcessBody, System};
use crate::signals::{self, ExitKind};
use crate::term::Term;
use crate::xregs::XRegs;

/// Extra work for `spawn_opt`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SpawnOpts {
    pub link: bool,
    pub monitor: bool,
    /// `{max_heap_size, ...}`.
    pub max_heap: Option<crate::process::MaxHeap>,
}

/// The running process and the runtime around it, for one time slice.
pub struct Ctx<'a> {
    p: &'a mut Process,
    sys: &'a mut System,
    x: &'a mut XRegs,
    budget: i32,
    reds_left: i32,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        p: &'a mut Process,
        sys: &'a mut System,
        x: &'a mut XRegs,
        budget: i32,
    ) -> Ctx<'a> {
        Ctx {
            p,
            sys,
            x,
            budget,
            reds_left: budget,
        }
    }

    pub fn self_pid(&self) -> Pid {
        self.p.pid
    }

    // --- registers, reductions, heap ---

    pub fn x(&self, i: usize) -> Result<Term, ProcError> {
        self.x.get(i)
    }
    pub fn set_x(&mut self, i: usize, t: Term) -> Result<(), ProcError> {
        self.x.set(i, t)
    }
    /// Guest address of x0.
    pub fn x_base(&self) -> u32 {
        self.x.base()
    }

    /// Reductions left in this slice (may go negative if the code overran).
    pub fn reductions_left(&self) -> i32 {
        self.reds_left
    }
    /// Charges `n` reductions; false once the slice's budget is spent (time to yield).
    pub fn consume(&mut self, n: u32) -> bool {
        self.reds_left = self.reds_left.saturating_sub(n.min(i32::MAX as u32) as i32);
        self.reds_left > 0
    }
    pub(crate) fn reductions_used(&self) -> u64 {
        (self.budget as i64 - self.reds_left as i64).max(0) as u64
    }

    /// The process heap, to build terms in (after [`Ctx::test_heap`] reserved space).
    pub fn heap(&mut self) -> &mut Heap {
        &mut self.p.heap
    }

    /// BEAM's `test_heap`: makes `need` words free, collecting with x0..x(live-1) as
    /// the register roots if necessary (always, in GC stress mode).
    pub fn test_heap(&mut self, need: u32, live: u32) -> Result<(), ProcError> {
        if self.p.heap.gc_stress || self.p.heap.free_words() < need {
            self.garbage_collect(need, live, GcKind::Auto)?;
        }
        Ok(())
    }

    /// Collects now (`erlang:garbage_collect/0` is `Major`).
    pub fn garbage_collect(&mut self, need: u32, live: u32, kind: GcKind) -> Result<(), ProcError> {
        let x = self.x.live_mut(live as usize)?;
        self.p.collect(x, need, kind)?;
        // A collection costs reductions in BEAM too, roughly by the work done.
        self.consume(1 + self.p.heap.heap_used_words() / 100);
        Ok(())
    }

    // --- messages ---

    /// `To ! Msg` for a pid term; a message to a dead process is dropped silently.
    pub fn send(&mut self, to: Term, msg: Term) -> Result<(), ProcError> {
        let pid = Pid::from_term(to).ok_or(ProcError::NotAPid(to))?;
        self.send_pid(pid, msg)
    }

    pub fn send_pid(&mut self, to: Pid, msg: Term) -> Result<(), ProcError> {
        let m = Message::copy_of(msg)?;
        if to == self.p.pid {
            self.p.mailbox.push(m);
            self.sys.stats.messages += 1;
        } else {
            self.sys.deliver(to, m);
        }
        Ok(())
    }

    /// Messages in the queue.
    pub fn message_count(&self) -> usize {
        self.p.mailbox.len()
    }
    /// The `i`-th queued message (0 = oldest), left in the queue (`loop_rec`).
    pub fn message(&self, i: usize) -> Option<Term> {
        self.p.mailbox.get(i)
    }
    /// The process's mailbox, for the receive-marker instructions.
    pub fn mailbox_mut(&mut self) -> &mut crate::mailbox::Mailbox {
        &mut self.p.mailbox
    }
    /// Publishes the mailbox's message view to the scheduler block at `x0` for the
    /// coming slice (compiled `loop_rec` reads it); [`Ctx::detach_mailbox`] ends it.
    pub fn attach_mailbox(&mut self, x0: u32) {
        self.p.mailbox.attach(x0);
    }
    /// Ends [`Ctx::attach_mailbox`]: the block may run another process next.
    pub fn detach_mailbox(&mut self) {
        self.p.mailbox.detach();
    }
    /// Removes the `i`-th message (`remove_message`): its term now belongs to the heap
    /// (keep it in an X register before the next allocation), and the receive timer is
    /// cancelled.
    pub fn take_message(&mut self, i: usize) -> Option<Term> {
        let m = self.p.mailbox.remove(i)?;
        self.p.timer = None;
        self.p.timed_out = false;
        Some(m.into_heap(&mut self.p.heap))
    }
    /// Whether a `receive ... after` timer of this process is running (set by a
    /// `wait_timeout`, cleared when it fires or a message is taken).
    pub fn receive_timer_running(&self) -> bool {
        self.p.timer.is_some()
    }
    /// Whether the receive timer fired (reading clears it): run the `after` branch.
    pub fn timed_out(&mut self) -> bool {
        std::mem::take(&mut self.p.timed_out)
    }

    // --- processes ---

    /// `spawn_opt`: starts `body` with `args` (copied) in x0..; returns its pid and the
    /// monitor reference if one was asked for.
    pub fn spawn(
        &mut self,
        body: impl ProcessBody + 'static,
        args: &[Term],
        opts: SpawnOpts,
    ) -> Result<(Pid, Option<[u32; 3]>), ProcError> {
        let child = self.sys.spawn(Box::new(body), args)?;
        if let (Some(m), Some(c)) = (opts.max_heap, self.sys.table.get_mut(child)) {
            c.max_heap = m;
        }
        if opts.link {
            self.p.links.insert(child);
            if let Some(c) = self.sys.table.get_mut(child) {
                c.links.insert(self.p.pid);
            }
        }
        let mref = if opts.monitor {
            Some(self.monitor(child)?)
        } else {
            None
        };
        Ok((child, mref))
    }

    /// `link/1`. Linking to a dead process sends this process an exit signal `noproc`
    /// (a message if it traps exits, otherwise it dies when the slice ends).
    pub fn link(&mut self, other: Pid) -> Result<(), ProcError> {
        if other == self.p.pid {
            return Ok(());
        }
        match self.sys.table.get_mut(other) {
            Some(o) => {
                o.links.insert(self.p.pid);
                self.p.links.insert(other);
                Ok(())
            }
            None => {
                signals::deliver_exit(self.p, other, crate::atom::NOPROC, ExitKind::Link)?;
                Ok(())
            }
        }
    }

    /// `unlink/1`.
    pub fn unlink(&mut self, other: Pid) {
        self.p.links.remove(&other);
        if let Some(o) = self.sys.table.get_mut(other) {
            o.links.remove(&self.p.pid);
        }
    }

    /// `monitor(process, Pid)`: returns the reference numbers. A dead target gets an
    /// immediate `{'DOWN', Ref, process, Pid, noproc}`.
    pub fn monitor(&mut self, target: Pid) -> Result<[u32; 3], ProcError> {
        self.monitor_named(target, Term::NIL)
    }

    /// `monitor(process, Name)` (`name` an atom; `target` the pid registered under it,
    /// or a dead pid when none is): the `'DOWN'` message names `{Name, Node}`.
    pub fn monitor_named(&mut self, target: Pid, name: Term) -> Result<[u32; 3], ProcError> {
        let reference = self.sys.make_ref();
        let me = self.p.pid;
        if target == me {
            // OTP creates no monitor on the calling process itself.
            return Ok(reference);
        }
        match self.sys.table.get_mut(target) {
            Some(t) => {
                t.monitored_by.push(Monitor {
                    reference,
                    other: me,
                    name,
                });
                self.p.monitors.push(Monitor {
                    reference,
                    other: target,
                    name,
                });
            }
            None => {
                let m = Monitor {
                    reference,
                    other: me,
                    name,
                };
                let msg = signals::down_message(m, target, crate::atom::NOPROC)?;
                self.p.mailbox.push(msg);
            }
        }
        Ok(reference)
    }

    /// `demonitor/1`: whether the monitor was active.
    pub fn demonitor(&mut self, reference: [u32; 3]) -> bool {
        let Some(i) = self
            .p
            .monitors
            .iter()
            .position(|m| m.reference == reference)
        else {
            return false;
        };
        let m = self.p.monitors.remove(i);
        if let Some(t) = self.sys.table.get_mut(m.other) {
            t.monitored_by.retain(|x| x.reference != reference);
        }
        true
    }

    /// Reference numbers for `make_ref/0` (build the term with `construct::make_ref`).
    pub fn new_ref(&mut self) -> [u32; 3] {
        self.sys.make_ref()
    }

    /// `process_flag(trap_exit, On)`: returns the old value.
    pub fn set_trap_exit(&mut self, on: bool) -> bool {
        std::mem::replace(&mut self.p.trap_exit, on)
    }

    /// `exit(Pid, Reason)`.
    pub fn exit_signal(&mut self, to: Pid, reason: Term) -> Result<(), ProcError> {
        let me = self.p.pid;
        if to == me {
            signals::deliver_exit(self.p, me, reason, ExitKind::Explicit)?;
            Ok(())
        } else {
            self.sys.exit_signal(me, to, reason, ExitKind::Explicit)
        }
    }

    /// This process's `max_heap_size`.
    pub fn max_heap(&self) -> crate::process::MaxHeap {
        self.p.max_heap
    }

    /// Sets `max_heap_size` (`process_flag/2`); returns the old setting.
    pub fn set_max_heap(&mut self, m: crate::process::MaxHeap) -> crate::process::MaxHeap {
        std::mem::replace(&mut self.p.max_heap, m)
    }

    /// Whether an exit signal has doomed this process (it ends when the slice returns).
    pub fn exiting(&self) -> bool {
        self.p.pending_exit.is_some()
    }

    /// Starts a message timer: in `ms` milliseconds `msg` (copied now) goes to `to`, or
    /// with `timeout_tuple` `{timeout, Ref, Msg}` as `start_timer` sends. Returns the
    /// timer's reference numbers.
    pub fn start_msg_timer(
        &mut self,
        ms: u64,
        to: Pid,
        msg: Term,
        timeout_tuple: bool,
    ) -> Result<[u32; 3], ProcError> {
        let reference = self.sys.make_ref();
        let msg = if timeout_tuple {
            let mut scratch = crate::heap::Fragment::new(crate::construct::REF_WORDS)?;
            let r = crate::construct::make_ref(&mut scratch, reference)?;
            let timeout = crate::atom::intern("timeout").map_err(|_| ProcError::Badarg("atom"))?;
            Message::tuple(&[timeout, r, msg])?
        } else {
            Message::copy_of(msg)?
        };
        let at = self.sys.clock.now_ms().saturating_add(ms);
        let id = self.sys.timers.start(to, at);
        self.sys
            .msg_timers
            .insert(id, crate::scheduler::MsgTimer { at, reference, msg });
        Ok(reference)
    }

    /// Milliseconds left on message timer `reference`, if it is still running; `cancel`
    /// stops it.
    pub fn msg_timer_left(&mut self, reference: [u32; 3], cancel: bool) -> Option<u64> {
        let id = self
            .sys
            .msg_timers
            .iter()
            .find(|(_, t)| t.reference == reference)
            .map(|(&id, _)| id)?;
        let left = self.sys.msg_timers[&id]
            .at
            .saturating_sub(self.sys.clock.now_ms());
        if cancel {
            self.sys.msg_timers.remove(&id);
        }
        Some(left)
    }

    /// Every live process's pid, this one included, in table order (`processes/0`).
    pub fn pids(&self) -> Vec<Pid> {
        let mut v: Vec<Pid> = self.sys.table.iter().map(|p| p.pid()).collect();
        if !v.contains(&self.p.pid) {
            v.push(self.p.pid);
        }
        v.sort_by_key(|p| p.number());
        v
    }

    /// A live process, this one included (for `process_info`).
    pub fn process(&self, pid: Pid) -> Option<&Process> {
        if pid == self.p.pid {
            Some(&*self.p)
        } else {
            self.sys.table.get(pid)
        }
    }

    pub fn is_alive(&self, pid: Pid) -> bool {
        pid == self.p.pid || self.sys.table.is_alive(pid)
    }

    // --- dictionary, time ---

    pub fn dictionary(&self) -> &Dictionary {
        &self.p.dict
    }
    /// `put/2`: key and value must be terms of this process's heap (or immediates).
    pub fn put(&mut self, key: Term, value: Term, eq: TermEq<'_>) -> Option<Term> {
        self.p.dict.put(key, value, eq)
    }
    pub fn get(&self, key: Term, eq: TermEq<'_>) -> Option<Term> {
        self.p.dict.get(key, eq)
    }
    pub fn erase(&mut self, key: Term, eq: TermEq<'_>) -> Option<Term> {
        self.p.dict.erase(key, eq)
    }

    /// The scheduler's monotonic time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.sys.clock.now_ms()
    }
}
