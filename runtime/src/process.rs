//! The process control block: heap and stack, the X registers saved while descheduled,
//! mailbox, dictionary, links, monitors, `trap_exit`, status and reduction count.
//!
//! A process is created and driven by the [`crate::scheduler`]; code running in it sees
//! it through [`crate::scheduler::Ctx`]. Exit signals, links and monitors follow OTP's
//! rules (erlang:exit/2, link/1, monitor/2 documentation); see `crate::signals`.

use crate::dict::Dictionary;
use crate::gc::{self, GcKind};
use crate::heap::{Heap, HeapError};
use crate::mailbox::{Mailbox, Message};
use crate::scheduler::ProcessBody;
use crate::term::{Term, PID_DATA_SIZE};
use std::collections::BTreeSet;

/// BEAM's `MAX_REG`: X registers a function may use.
pub const MAX_X_REGS: usize = 1024;

/// BEAM's `CONTEXT_REDS`: reductions per time slice.
pub const CONTEXT_REDS: i32 = 4000;

/// Bits of a pid's data that index the process table: 18, so 262,144 processes can
/// exist at once, erl's default process limit (`+P`). As in OTP's erl_ptab.c the table
/// index is the low bits of the pid data; how a pid prints (`<0.N.S>`, N the low 15
/// bits, `PID_NUM_SIZE`) is independent of it.
const INDEX_BITS: u32 = 18;

/// Processes that can exist at once.
pub const MAX_PROCESSES: usize = 1 << INDEX_BITS;

thread_local! {
    /// This thread's process limit (`+P`, [`set_process_limit`]).
    static LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(MAX_PROCESSES) };
}

/// Sets the limit on processes existing at once for VMs on this thread (erl's `+P N`):
/// as erl, at least 1,024 and rounded up to a power of two; at most [`MAX_PROCESSES`]
/// (the pid layout here holds no more). Returns the limit set.
pub fn set_process_limit(n: usize) -> usize {
    let n = n.max(1024).next_power_of_two().min(MAX_PROCESSES);
    LIMIT.with(|l| l.set(n));
    n
}

/// The limit on processes existing at once (`erlang:system_info(process_limit)`).
pub fn process_limit() -> usize {
    LIMIT.with(std::cell::Cell::get)
}

const SERIAL_MASK: u32 = (1 << (PID_DATA_SIZE - INDEX_BITS)) - 1;

/// A local process identifier: the 28 pid data bits of the term (number = table index in
/// the low 15 bits, serial above, as `<0.Number.Serial>`). The serial changes each time
/// a table slot is reused, so a stale pid never names a newer process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid(u32);

impl Pid {
    pub(crate) fn new(index: u32, serial: u32) -> Pid {
        Pid((index & (MAX_PROCESSES as u32 - 1)) | ((serial & SERIAL_MASK) << INDEX_BITS))
    }
    /// A pid no process has (the last slot with the last serial, which the table
    /// never hands out together): what a monitor of an unregistered name watches.
    pub fn dead() -> Pid {
        Pid::new(MAX_PROCESSES as u32 - 1, SERIAL_MASK)
    }
    /// The pid a term denotes, if it is a local pid.
    pub fn from_term(t: Term) -> Option<Pid> {
        t.pid_data().map(Pid)
    }
    pub fn term(self) -> Term {
        Term::pid(self.0)
    }
    /// The process table index (the low bits of the pid data).
    pub fn number(self) -> u32 {
        self.0 & (MAX_PROCESSES as u32 - 1)
    }
    /// The slot's reuse count.
    pub fn serial(self) -> u32 {
        self.0 >> INDEX_BITS
    }
    pub(crate) fn next_serial(serial: u32) -> u32 {
        (serial + 1) & SERIAL_MASK
    }
}

/// Scheduling state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// In the run queue.
    Runnable,
    /// Executing on a scheduler.
    Running,
    /// Blocked in `receive`, possibly with a timer.
    Waiting,
}

/// A monitor as seen from one end: its reference numbers and the process at the other
/// end (the target for the watcher's list, the watcher for the target's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Monitor {
    pub reference: [u32; 3],
    pub other: Pid,
    /// The registered name the monitor was made with (an atom), or `Term::NIL`: the
    /// `'DOWN'` message then names `{Name, Node}` instead of the pid, as OTP's does.
    pub name: Term,
}

/// Runtime failures of process operations.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    #[error("no such process {0:?}")]
    NoProc(Pid),
    #[error("process table full ({0} processes)")]
    TooManyProcesses(usize),
    #[error("X register {0} is beyond the {MAX_X_REGS} registers")]
    XReg(usize),
    #[error("not a local pid: {0:?}")]
    NotAPid(Term),
    #[error("bad argument: {0}")]
    Badarg(&'static str),
    #[error(transparent)]
    Heap(#[from] HeapError),
}

impl ProcError {
    /// The exit reason a process dies with when its body fails this way.
    pub fn exit_reason(&self) -> Term {
        use crate::atom;
        match self {
            ProcError::NoProc(_) => atom::NOPROC,
            ProcError::TooManyProcesses(_) | ProcError::XReg(_) | ProcError::Heap(_) => {
                atom::SYSTEM_LIMIT
            }
            ProcError::NotAPid(_) | ProcError::Badarg(_) => atom::BADARG,
        }
    }
}

/// A process control block.
pub struct Process {
    pub(crate) pid: Pid,
    pub(crate) heap: Heap,
    /// The live X registers (x0..x(live-1)) while the process is not running.
    pub(crate) saved_x: Vec<Term>,
    pub(crate) mailbox: Mailbox,
    pub(crate) dict: Dictionary,
    pub(crate) links: BTreeSet<Pid>,
    /// Monitors this process set up (`other` = target).
    pub(crate) monitors: Vec<Monitor>,
    /// Monitors on this process (`other` = watcher).
    pub(crate) monitored_by: Vec<Monitor>,
    pub(crate) trap_exit: bool,
    pub(crate) status: Status,
    /// Reductions consumed over the process's life.
    pub(crate) reductions: u64,
    /// An exit signal that will end the process when it is next scheduled; the reason
    /// lives in the message's own fragment.
    pub(crate) pending_exit: Option<Message>,
    /// The `receive ... after` timer running for this process.
    pub(crate) timer: Option<u64>,
    /// Set when that timer fired; cleared when the code reads it.
    pub(crate) timed_out: bool,
    /// The code; taken out while it runs so it can borrow the process.
    pub(crate) body: Option<Box<dyn ProcessBody>>,
    /// `max_heap_size` (spawn_opt, process_flag).
    pub(crate) max_heap: MaxHeap,
}

/// A process's `max_heap_size` as OTP keeps it: `size` in words (0: none set, the VM's
/// default limit applies), whether reaching it kills the process and whether it is
/// reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxHeap {
    pub size: u32,
    pub kill: bool,
    pub error_logger: bool,
}

impl Default for MaxHeap {
    fn default() -> MaxHeap {
        MaxHeap {
            size: 0,
            kill: true,
            error_logger: true,
        }
    }
}

impl std::fmt::Debug for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Process")
            .field("pid", &self.pid)
            .field("status", &self.status)
            .field("messages", &self.mailbox.len())
            .field("links", &self.links)
            .field("trap_exit", &self.trap_exit)
            .field("reductions", &self.reductions)
            .finish_non_exhaustive()
    }
}

impl Process {
    pub(crate) fn new(pid: Pid, heap: Heap, body: Box<dyn ProcessBody>) -> Process {
        Process {
            pid,
            heap,
            saved_x: Vec::new(),
            mailbox: Mailbox::default(),
            dict: Dictionary::default(),
            links: BTreeSet::new(),
            monitors: Vec::new(),
            monitored_by: Vec::new(),
            trap_exit: false,
            status: Status::Runnable,
            reductions: 0,
            pending_exit: None,
            timer: None,
            timed_out: false,
            body: Some(body),
            max_heap: MaxHeap::default(),
        }
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }
    pub fn heap(&self) -> &Heap {
        &self.heap
    }
    pub fn mailbox(&self) -> &Mailbox {
        &self.mailbox
    }
    pub fn dictionary(&self) -> &Dictionary {
        &self.dict
    }
    pub fn links(&self) -> &BTreeSet<Pid> {
        &self.links
    }
    pub fn trap_exit(&self) -> bool {
        self.trap_exit
    }
    pub fn status(&self) -> Status {
        self.status
    }
    pub fn reductions(&self) -> u64 {
        self.reductions
    }
    /// Where the process resumes and its continuation pointer, while it is not running
    /// (see [`ProcessBody::code_position`](crate::scheduler::ProcessBody::code_position)).
    pub fn code_position(&self) -> Option<(u32, u32)> {
        self.body.as_ref()?.code_position()
    }

    /// The X registers saved at the last deschedule.
    pub fn saved_x(&self) -> &[Term] {
        &self.saved_x
    }

    /// Collects this process's heap. The roots are `x` (the live X registers), the saved
    /// X registers, the dictionary and the pending exit reason (the Erlang stack is
    /// scanned by the collector itself).
    ///
    /// The message queue is not a root: every queued message is an immediate or a copy
    /// in a fragment of its own (`Message::copy_of`/`Message::tuple`), so it never points
    /// into this heap and a collection has nothing to move in it. Visiting it cost a
    /// from-space test per queued message per collection: 10,000 queued messages made
    /// each minor collection of a small heap about 400,000 instructions.
    pub(crate) fn collect(
        &mut self,
        x: &mut [Term],
        need: u32,
        kind: GcKind,
    ) -> Result<(), HeapError> {
        let Process {
            heap,
            saved_x,
            dict,
            pending_exit,
            mailbox,
            ..
        } = self;
        debug_assert!(
            !mailbox.points_into(heap),
            "a queued message points into the heap"
        );
        gc::collect(
            heap,
            &mut |f: &mut dyn FnMut(&mut Term)| {
                x.iter_mut().for_each(&mut *f);
                saved_x.iter_mut().for_each(&mut *f);
                dict.roots_mut().for_each(&mut *f);
                if let Some(m) = pending_exit {
                    f(&mut m.term);
                }
            },
            need,
            kind,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_fields_round_trip() {
        let p = Pid::new(12345, 77);
        assert_eq!((p.number(), p.serial()), (12345, 77));
        assert_eq!(Pid::from_term(p.term()), Some(p));
        assert_eq!(Pid::from_term(Term::NIL), None);
        assert_eq!(Pid::next_serial(SERIAL_MASK), 0);
        assert_ne!(Pid::new(1, 0), Pid::new(1, 1));
    }
}
