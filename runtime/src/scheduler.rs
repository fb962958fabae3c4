//! The scheduler: a run queue of processes, each run for a slice of at most
//! [`CONTEXT_REDS`] reductions, with timers for `receive ... after`.
//!
//! # Process bodies: the interface JIT code will take over
//!
//! A process runs a [`ProcessBody`]. Each call of [`ProcessBody::run`] is one time slice:
//! the body starts with its live X registers restored (`cx.x(i)`), a fresh reduction
//! budget (`cx.reductions_left()`), and returns a [`Step`]:
//!
//! - `Yield { live }` — budget spent (or voluntarily); x0..x(live-1) are saved and the
//!   process goes to the back of the run queue.
//! - `Wait { live, after }` — nothing in the mailbox matches: block until a message
//!   arrives or the `after` timeout (milliseconds) fires (`cx.timed_out()` then
//!   returns true once). A running timer is kept across re-waits and cancelled when a
//!   message is taken, exactly as BEAM's `wait_timeout`/`remove_message` do.
//! - `Exit(reason)` — the process ends; links and monitors are told.
//!
//! This is the shape BEAM code has at its scheduling points, so compiled code takes the
//! place of a Rust body unchanged: a JIT body holds a code address to resume at (the
//! continuation; BEAM keeps it in `p->i`) and on `run` enters machine code with the
//! scheduler registers (x register file at [`Ctx::x_base`], heap top, stack pointer,
//! reduction counter). Generated code returns to the scheduler with one of the three
//! step codes. Runtime calls made by generated code (send, spawn, GC…) are the `Ctx`
//! methods behind `extern "C"` shims.
//!
//! **GC safety.** Between slices only the saved X registers, the Erlang stack, the
//! mailbox and the dictionary are roots, and any call that allocates (`test_heap`, GC)
//! may move heap objects: a body must keep its terms in X registers or Y slots, never in
//! Rust variables across such calls — just as compiled code does.
//!
//! # Threads
//!
//! There is one scheduler thread. The parts that more threads would share are kept
//! apart: processes reach each other only through [`System`] (table lookup, delivery,
//! exit signals), messages are copied into fragments without touching the receiver's
//! heap, and a receiver is never killed synchronously (exit signals are stored and acted
//! on at schedule-in). Several schedulers would put a lock per process around the
//! mailbox/pending-signal part and give each scheduler its own run queue with stealing.

use crate::gc::GcKind;
use crate::heap::{Heap, HeapError};
use crate::process::{Pid, ProcError, Process, Status, CONTEXT_REDS};
use crate::ptable::ProcTable;
use crate::term::Term;
use crate::timer::{Clock, Timers};
use crate::xregs::XRegs;
use std::collections::VecDeque;

pub use crate::ctx::{Ctx, SpawnOpts};

/// What a time slice ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Runnable again; x0..x(live-1) are live.
    Yield { live: u32 },
    /// Block in `receive` until a message arrives or `after` ms pass (`None` = infinity).
    Wait { live: u32, after: Option<u64> },
    /// Terminate with this reason (a term of the process's heap or an immediate).
    Exit(Term),
}

/// The code a process runs: one call per time slice (see the module documentation).
pub trait ProcessBody: Send {
    fn run(&mut self, cx: &mut Ctx<'_>) -> Result<Step, ProcError>;
    /// The process ended with `reason` (however it ended: its own exit, or an exit
    /// signal that killed it between slices), just before its links are told.
    fn exited(&mut self, _reason: Term) {}
    /// Where the process resumes and the continuation pointer it resumes with, while it
    /// is not running (`process_info(P, current_function)`); `None` if not known.
    fn code_position(&self) -> Option<(u32, u32)> {
        None
    }
}

impl<F> ProcessBody for F
where
    F: FnMut(&mut Ctx<'_>) -> Result<Step, ProcError> + Send,
{
    fn run(&mut self, cx: &mut Ctx<'_>) -> Result<Step, ProcError> {
        self(cx)
    }
}

/// Scheduler counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct SchedStats {
    pub slices: u64,
    pub messages: u64,
    pub spawns: u64,
    pub exits: u64,
    pub timeouts: u64,
    pub reductions: u64,
}

/// Everything but the running process and the X registers: what a running process
/// reaches through its [`Ctx`].
#[derive(Debug)]
pub struct System {
    pub(crate) table: ProcTable,
    pub(crate) runq: VecDeque<Pid>,
    pub(crate) timers: Timers,
    /// Message timers (`erlang:send_after`, `start_timer`) by timer id: they share
    /// `timers` with the receive timeouts.
    pub(crate) msg_timers: std::collections::HashMap<u64, MsgTimer>,
    pub(crate) clock: Clock,
    pub(crate) next_ref: u64,
    pub(crate) stats: SchedStats,
    /// Bodies that failed with a runtime error (the process exited with its reason).
    pub(crate) errors: Vec<(Pid, ProcError)>,
}

impl System {
    /// Creates a process running `body` with `args` (valid terms anywhere) copied into
    /// its heap and placed in x0.., and queues it.
    pub(crate) fn spawn(
        &mut self,
        body: Box<dyn ProcessBody>,
        args: &[Term],
    ) -> Result<Pid, ProcError> {
        if args.len() > crate::process::MAX_X_REGS {
            return Err(ProcError::XReg(args.len()));
        }
        let words: u32 = args
            .iter()
            .map(|&a| {
                if a.is_pointer() {
                    crate::copy::size_of(a)
                } else {
                    0
                }
            })
            .sum();
        let mut heap = Heap::with_size(words.max(crate::heap::MIN_HEAP_WORDS))?;
        let mut saved = Vec::with_capacity(args.len());
        for &a in args {
            saved.push(if a.is_pointer() {
                crate::copy::copy_term(a, &mut heap)?
            } else {
                a
            });
        }
        let pid = self.table.reserve()?;
        let mut p = Process::new(pid, heap, body);
        p.saved_x = saved;
        self.table.put(Box::new(p));
        self.runq.push_back(pid);
        self.stats.spawns += 1;
        Ok(pid)
    }

    /// A fresh reference number triple (unique for this scheduler's life).
    pub(crate) fn make_ref(&mut self) -> [u32; 3] {
        self.next_ref += 1;
        let n = self.next_ref;
        [(n & 0x3FFFF) as u32, (n >> 18) as u32, (n >> 50) as u32]
    }
}

/// A message that a timer sends when it fires.
#[derive(Debug)]
pub(crate) struct MsgTimer {
    pub(crate) at: u64,
    pub(crate) reference: [u32; 3],
    pub(crate) msg: crate::mailbox::Message,
}

/// Why [`Scheduler::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// No process is left.
    Empty,
    /// Every process waits for a message that no one will send.
    Blocked,
    /// Every process waits; the next timer is due at this time (manual clock only: a
    /// monotonic clock sleeps until then instead).
    Timer(u64),
}

/// Runs processes.
#[derive(Debug)]
pub struct Scheduler {
    sys: System,
    x: XRegs,
}

impl Scheduler {
    /// A scheduler on the host's monotonic clock.
    pub fn new() -> Result<Scheduler, HeapError> {
        Scheduler::with_clock(Clock::monotonic())
    }

    /// A scheduler on a clock that only [`Scheduler::advance`] moves.
    pub fn with_manual_clock() -> Result<Scheduler, HeapError> {
        Scheduler::with_clock(Clock::manual())
    }

    fn with_clock(clock: Clock) -> Result<Scheduler, HeapError> {
        // ETS tables belong to the previous scheduler's processes.
        crate::ets::reset();
        Ok(Scheduler {
            sys: System {
                table: ProcTable::default(),
                runq: VecDeque::new(),
                timers: Timers::default(),
                msg_timers: Default::default(),
                clock,
                next_ref: 0,
                stats: SchedStats::default(),
                errors: Vec::new(),
            },
            x: XRegs::new()?,
        })
    }

    /// Spawns a process running `body` with `args` in x0.. (copied into its heap).
    pub fn spawn(
        &mut self,
        body: impl ProcessBody + 'static,
        args: &[Term],
    ) -> Result<Pid, ProcError> {
        self.sys.spawn(Box::new(body), args)
    }

    /// Sends `msg` (a valid term anywhere) to `to` from outside any process.
    pub fn send(&mut self, to: Pid, msg: Term) -> Result<(), ProcError> {
        let m = crate::mailbox::Message::copy_of(msg)?;
        self.sys.deliver(to, m);
        Ok(())
    }

    /// Sends an exit signal from outside any process (as if from `from`).
    pub fn exit(&mut self, from: Pid, to: Pid, reason: Term) -> Result<(), ProcError> {
        self.sys
            .exit_signal(from, to, reason, crate::signals::ExitKind::Explicit)
    }

    pub fn process(&self, pid: Pid) -> Option<&Process> {
        self.sys.table.get(pid)
    }
    pub fn is_alive(&self, pid: Pid) -> bool {
        self.sys.table.is_alive(pid)
    }
    pub fn process_count(&self) -> usize {
        self.sys.table.len()
    }
    pub fn stats(&self) -> SchedStats {
        self.sys.stats
    }
    /// Runtime errors that ended process bodies, oldest first.
    pub fn errors(&self) -> &[(Pid, ProcError)] {
        &self.sys.errors
    }
    pub fn now_ms(&self) -> u64 {
        self.sys.clock.now_ms()
    }
    /// Moves a manual clock forward (no effect on the monotonic clock).
    pub fn advance(&mut self, ms: u64) {
        self.sys.clock.advance(ms);
    }
    /// Guest address of the X register file.
    pub fn x_base(&self) -> u32 {
        self.x.base()
    }

    /// Fires every timer that is due: the process is woken with its timeout flag set.
    fn fire_timers(&mut self) {
        let now = self.sys.clock.now_ms();
        while let Some((id, pid)) = self.sys.timers.pop_due(now) {
            if let Some(t) = self.sys.msg_timers.remove(&id) {
                // A timer to a dead process is a no-op (deliver drops the message).
                self.sys.deliver(pid, t.msg);
                continue;
            }
            let Some(p) = self.sys.table.get_mut(pid) else {
                continue;
            };
            if p.timer != Some(id) {
                continue; // cancelled
            }
            p.timer = None;
            p.timed_out = true;
            self.sys.stats.timeouts += 1;
            self.sys.wake(pid);
        }
    }

    /// The deadline of the earliest timer that is still running; cancelled entries in
    /// front of it are dropped, so an idle scheduler never waits for a dead timer.
    fn next_live_deadline(&mut self) -> Option<u64> {
        while let Some((deadline, id, pid)) = self.sys.timers.peek() {
            if self.sys.msg_timers.contains_key(&id)
                || self.sys.table.get(pid).is_some_and(|p| p.timer == Some(id))
            {
                return Some(deadline);
            }
            self.sys.timers.pop();
        }
        None
    }

    /// Runs until no process can run. With a monotonic clock it sleeps for timers and
    /// returns only when every process is gone or blocked forever.
    pub fn run(&mut self) -> Result<Idle, ProcError> {
        loop {
            if let Some(idle) = self.step()? {
                match idle {
                    Idle::Timer(at) if !self.sys.clock.is_manual() => {
                        let now = self.sys.clock.now_ms();
                        std::thread::sleep(std::time::Duration::from_millis(
                            at.saturating_sub(now),
                        ));
                    }
                    other => return Ok(other),
                }
            }
        }
    }

    /// Runs one time slice; `Some` when nothing could run.
    pub fn step(&mut self) -> Result<Option<Idle>, ProcError> {
        self.fire_timers();
        let Some(pid) = self.sys.runq.pop_front() else {
            return Ok(Some(if self.sys.table.is_empty() {
                Idle::Empty
            } else {
                match self.next_live_deadline() {
                    Some(d) => Idle::Timer(d),
                    None => Idle::Blocked,
                }
            }));
        };
        self.run_slice(pid)?;
        Ok(None)
    }

    fn run_slice(&mut self, pid: Pid) -> Result<(), ProcError> {
        let Some(mut p) = self.sys.table.take(pid) else {
            return Ok(()); // died while queued
        };
        if let Some(m) = p.pending_exit.take() {
            return self.sys.terminate(p, m.term());
        }
        let Some(mut body) = p.body.take() else {
            return self.sys.terminate(p, crate::atom::NORMAL);
        };
        self.sys.stats.slices += 1;
        // Copied out and cleared, not taken: the vector keeps its capacity for the next
        // deschedule (a fresh `to_vec` per wait was a malloc and a free per message in a
        // ring of processes).
        self.x
            .live_mut(p.saved_x.len())?
            .copy_from_slice(&p.saved_x);
        p.saved_x.clear();
        p.status = Status::Running;
        let received = p.mailbox.received();
        let (result, used) = {
            let mut cx = Ctx::new(&mut p, &mut self.sys, &mut self.x, CONTEXT_REDS);
            let r = body.run(&mut cx);
            (r, cx.reductions_used())
        };
        p.body = Some(body);
        p.reductions += used;
        self.sys.stats.reductions += used;
        if let Some(m) = p.pending_exit.take() {
            // The reason lives in `m`'s fragment, which must outlive the signals.
            let r = m.term();
            let out = self.sys.terminate(p, r);
            drop(m);
            return out;
        }
        let step = match result {
            Ok(s) => s,
            Err(e) => {
                let reason = e.exit_reason();
                self.sys.errors.push((pid, e));
                return self.sys.terminate(p, reason);
            }
        };
        match step {
            Step::Exit(reason) => self.sys.terminate(p, reason),
            Step::Yield { live } => {
                self.deschedule(&mut p, live)?;
                p.status = Status::Runnable;
                self.sys.runq.push_back(pid);
                self.sys.table.put(p);
                Ok(())
            }
            Step::Wait { live, after } => {
                self.deschedule(&mut p, live)?;
                if p.mailbox.received() != received || after == Some(0) {
                    // A message arrived during the slice (sent to itself), or `after 0`:
                    // look again / time out at once, without blocking.
                    p.timed_out |= after == Some(0);
                    // The receive timer starts now all the same: the process comes back
                    // to its `wait_timeout`, which reads no timeout operand while the
                    // timer runs (its X registers are dead by then).
                    if let (Some(ms), None) = (after.filter(|&ms| ms > 0), p.timer) {
                        let at = self.sys.clock.deadline_ms(ms);
                        p.timer = Some(self.sys.timers.start(pid, at));
                    }
                    p.status = Status::Runnable;
                    self.sys.runq.push_back(pid);
                } else {
                    if let (Some(ms), None) = (after, p.timer) {
                        let at = self.sys.clock.deadline_ms(ms);
                        p.timer = Some(self.sys.timers.start(pid, at));
                    }
                    p.status = Status::Waiting;
                }
                self.sys.table.put(p);
                Ok(())
            }
        }
    }

    /// Saves the live X registers and collects if received messages have piled up in
    /// fragments (OTP also counts message fragments towards the next collection).
    fn deschedule(&mut self, p: &mut Process, live: u32) -> Result<(), ProcError> {
        let x = self.x.live_mut(live as usize)?;
        let frag = p.heap.fragment_words();
        if frag > 0 && frag >= p.heap.free_words() {
            p.collect(x, 0, GcKind::Auto)?;
        }
        p.saved_x.clear();
        p.saved_x.extend_from_slice(x);
        Ok(())
    }
}
