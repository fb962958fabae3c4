//! Where compiled code runs, and the process body the scheduler runs.
//!
//! Two executors: the ARM32 simulator (any host: code in one low mapping, runtime
//! functions as redirects, every arena region registered as guest memory) and, on an ARMv7
//! host, the CPU itself ([`crate::native`]: each install in its own W^X code memory,
//! runtime functions as `extern "C"` functions).
//!
//! The executor lives in a thread-local: the scheduler calls process bodies on the VM's
//! thread, and the simulator (with its host-function closures) never leaves it. Code memory
//! is kept apart from the simulator, because a runtime call made from inside the running
//! simulator may install code (a module loaded on its first call); the simulator drops
//! the decoded instructions of every range written before it runs on.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use beam_ir::rtcall::RtFn;
use beam_runtime::arena;
use beam_runtime::process::ProcError;
use beam_runtime::sched_regs::{Field, StepCode};
use beam_runtime::scheduler::{Ctx, ProcessBody, Step};
use beam_runtime::term::Term;
use sim_arm32::host_mem::LowMapping;
use sim_arm32::{Fault, HostCall, HostRet, Perms, Sim};

use crate::rt::{self, RtStop};

/// Bytes of code memory (simulated mode maps it once).
pub const CODE_BYTES: usize = 64 << 20;
/// Bytes of the machine stack compiled code runs on (runtime calls only: Erlang state is
/// on the Erlang stack).
const STACK_BYTES: usize = 1 << 20;
/// Redirect address of runtime function `i`: outside every mapped region.
const REDIRECT_BASE: u32 = 0xFFFE_0000;
/// `HostRet::Stop` code: a runtime function mapped new guest memory; register it, put the
/// stashed result in r0 and resume.
const RESYNC: u32 = 0x5e5c;

/// Why running a process failed (not an Erlang error: those end the process normally).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("guest fault: {0}")]
    Fault(Fault),
    #[error("compiled code returned step code {0}")]
    BadStep(u32),
    #[error("memory: {0}")]
    Memory(String),
}

/// How a run of the VM ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// `erlang:halt(Status)`.
    Halt(u32),
    /// The first process returned `value` (printed as `~w`) and ended with `reason`.
    Exited { reason: String, value: String },
    /// The first process ended with an uncaught error (`{Reason, ...}` as `~w`).
    Error { class: String, reason: String },
}

/// The simulator and the stack it runs on. The code memory is not here but in
/// [`CodeSpace`]: the loader writes code while the simulator runs (a module loaded on its
/// first call, from inside a runtime call), so the two are borrowed separately.
pub(crate) struct SimExec {
    pub sim: Sim,
    _stack: LowMapping,
    stack_top: u32,
    registered: HashSet<u32>,
}

/// Where code is installed.
pub(crate) enum CodeSpace {
    /// One low mapping the simulator fetches from; `dirty` lists the ranges written since
    /// the simulator last dropped their decoded instructions.
    Sim {
        mapping: LowMapping,
        top: u32,
        dirty: Vec<(u32, u32)>,
    },
    #[cfg(target_arch = "arm")]
    Native(crate::native::NativeExec),
}

/// The thread's executor. Field order is drop order: the simulator, which has the code
/// mapping registered as guest memory, goes before the mapping.
struct Host {
    sim: RefCell<Option<Box<SimExec>>>,
    code: RefCell<Option<CodeSpace>>,
    /// The process-entry and normal-exit fragments.
    entries: Cell<(u32, u32)>,
    /// Number of the VM that owns the executor (the last one made on this thread).
    owner: Cell<u64>,
    /// VMs made on this thread so far.
    made: Cell<u64>,
    /// The simulator runs as an ARMv7-M core (`Options::m_profile`).
    m_profile: Cell<bool>,
}

thread_local! {
    static HOST: Host = const {
        Host {
            sim: RefCell::new(None),
            code: RefCell::new(None),
            entries: Cell::new((0, 0)),
            owner: Cell::new(0),
            made: Cell::new(0),
            m_profile: Cell::new(false),
        }
    };
    /// A runtime function's result held across a RESYNC stop.
    static STASH: Cell<Option<u32>> = const { Cell::new(None) };
    /// The exit reason of the first process an exception ended, as `~w`
    /// (`{Reason, Stack}`, `{{nocatch, V}, Stack}`, or an exit's reason).
    static MAIN_EXIT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// How the first process (or a halt) ended the run.
    static OUTCOME: RefCell<Option<RunOutcome>> = const { RefCell::new(None) };
}

fn with_code<R>(f: impl FnOnce(&mut CodeSpace) -> Result<R, RunError>) -> Result<R, RunError> {
    HOST.with(|h| match h.code.borrow_mut().as_mut() {
        Some(c) => f(c),
        None => Err(RunError::Memory("no VM on this thread".into())),
    })
}

/// The address where `len` bytes of code will be installed.
pub(crate) fn code_base(len: usize) -> Result<u32, RunError> {
    with_code(|c| match c {
        CodeSpace::Sim { mapping, top, .. } => {
            let base = top.next_multiple_of(16);
            let end = (base - mapping.addr()) as usize + len;
            if end > mapping.len() {
                return Err(RunError::Memory(format!(
                    "code memory full ({} bytes)",
                    mapping.len()
                )));
            }
            Ok(base)
        }
        #[cfg(target_arch = "arm")]
        CodeSpace::Native(n) => n.code_base(len),
    })
}

/// Installs linked code at `base` (from [`code_base`]). Natively the new code memory is
/// made executable with the instruction cache flushed (`runtime::code_memory`); the
/// simulator drops decoded instructions of the range before it next runs
/// ([`flush_dirty`]).
pub(crate) fn write_code(base: u32, bytes: &[u8]) -> Result<(), RunError> {
    with_code(|c| match c {
        CodeSpace::Sim {
            mapping,
            top,
            dirty,
        } => {
            let off = (base - mapping.addr()) as usize;
            mapping.as_mut_slice()[off..off + bytes.len()].copy_from_slice(bytes);
            dirty.push((base, bytes.len() as u32));
            *top = base + bytes.len() as u32;
            Ok(())
        }
        #[cfg(target_arch = "arm")]
        CodeSpace::Native(n) => n.write_code(base, bytes),
    })
}

/// The address compiled code calls for runtime function `f`.
pub(crate) fn rt_addr(f: RtFn) -> Result<u32, RunError> {
    // An M-profile core reaches every function, a redirect too, at an odd address.
    let thumb_bit = HOST.with(|h| u32::from(h.m_profile.get()));
    with_code(|c| match c {
        CodeSpace::Sim { .. } => Ok((REDIRECT_BASE + 8 * f as u32) | thumb_bit),
        #[cfg(target_arch = "arm")]
        CodeSpace::Native(_) => Ok(crate::native::rt_addr(f)),
    })
}

/// Bytes of code installed so far.
pub(crate) fn code_bytes() -> usize {
    with_code(|c| match c {
        CodeSpace::Sim { mapping, top, .. } => Ok((*top - mapping.addr()) as usize),
        #[cfg(target_arch = "arm")]
        CodeSpace::Native(n) => Ok(n.code_bytes()),
    })
    .unwrap_or(0)
}

/// Records the process-entry and normal-exit fragments.
pub(crate) fn set_entries(process_entry: u32, normal_exit: u32) {
    HOST.with(|h| h.entries.set((process_entry, normal_exit)));
}

pub(crate) fn normal_exit() -> u32 {
    HOST.with(|h| h.entries.get().1)
}

/// True when code was written that the simulator may have decoded stale.
fn code_dirty() -> bool {
    HOST.with(|h| {
        matches!(h.code.borrow().as_ref(), Some(CodeSpace::Sim { dirty, .. }) if !dirty.is_empty())
    })
}

/// Drops the simulator's decoded instructions of every range written since the last
/// flush (the simulator's instruction-cache flush; see `Sim::invalidate`).
fn flush_dirty(e: &mut SimExec) {
    let ranges = HOST.with(|h| match h.code.borrow_mut().as_mut() {
        Some(CodeSpace::Sim { dirty, .. }) => std::mem::take(dirty),
        _ => Vec::new(),
    });
    for (base, len) in ranges {
        e.sim.invalidate(base, len);
    }
}

pub(crate) fn peek_outcome() -> Option<RunOutcome> {
    OUTCOME.with(|o| o.borrow().clone())
}

impl crate::Vm {
    /// The exit reason of the last run's first process if an uncaught exception ended
    /// it, as erl reports it (`~w`): `{Reason, Stack}`, `{{nocatch, Value}, Stack}`, or
    /// an exit's reason. `RunOutcome::Error` holds the exception's own reason.
    pub fn exit_reason(&self) -> Option<String> {
        MAIN_EXIT.with(|m| m.borrow().clone())
    }
}

pub(crate) fn take_outcome() -> Option<RunOutcome> {
    OUTCOME.with(|o| o.borrow_mut().take())
}

fn set_outcome(o: RunOutcome) {
    OUTCOME.with(|c| {
        let mut c = c.borrow_mut();
        // A halt always wins; otherwise the first process's end is kept.
        if c.is_none() || matches!(o, RunOutcome::Halt(_)) {
            *c = Some(o);
        }
    });
}

/// Owner of the thread's executor; the number tells VMs on one thread apart, so that
/// dropping an old VM does not take the executor of a newer one.
pub(crate) struct SimHost(u64);

impl SimHost {
    /// The simulator, or the CPU when `native` (ARMv7 hosts only); with `m_profile` the
    /// simulator runs as an ARMv7-M core (`Sim::set_m_profile`; not natively).
    pub fn new(native: bool, m_profile: bool) -> Result<SimHost, RunError> {
        if native && m_profile {
            return Err(RunError::Memory(
                "an ARMv7-M (t32m) run needs the simulator: there is no M-profile host".into(),
            ));
        }
        let (sim, code) = if native {
            (None, native_code()?)
        } else {
            let code = LowMapping::new(CODE_BYTES).map_err(|e| RunError::Memory(e.to_string()))?;
            let mut sim = new_sim(&code)?;
            sim.sim.set_m_profile(m_profile);
            sync_regions(&mut sim)?;
            let top = code.addr();
            (
                Some(Box::new(sim)),
                CodeSpace::Sim {
                    mapping: code,
                    top,
                    dirty: Vec::new(),
                },
            )
        };
        let id = HOST.with(|h| {
            // A previous VM's simulator goes before its code (see `Host`).
            *h.sim.borrow_mut() = sim;
            *h.code.borrow_mut() = Some(code);
            h.entries.set((0, 0));
            h.m_profile.set(m_profile);
            h.made.set(h.made.get() + 1);
            h.owner.set(h.made.get());
            h.made.get()
        });
        Ok(SimHost(id))
    }

    /// Which VM of this thread this is.
    pub fn id(&self) -> u64 {
        self.0
    }
}

#[cfg(target_arch = "arm")]
fn native_code() -> Result<CodeSpace, RunError> {
    Ok(CodeSpace::Native(crate::native::NativeExec::new()))
}

#[cfg(not(target_arch = "arm"))]
fn native_code() -> Result<CodeSpace, RunError> {
    Err(RunError::Memory(
        "native execution needs an ARMv7 host; use the simulator".into(),
    ))
}

fn new_sim(code: &LowMapping) -> Result<SimExec, RunError> {
    let stack = LowMapping::new(STACK_BYTES).map_err(|e| RunError::Memory(e.to_string()))?;
    let mut sim = Sim::new();
    // SAFETY: the code mapping is kept in `Host::code` and dropped after the simulator
    // (`SimHost::new` replaces the simulator first, `Host`'s field order and
    // `SimHost::drop` drop it first); the stack mapping is owned by the SimExec that owns
    // the simulator and dropped after it (field order). So the regions outlive every
    // access.
    unsafe {
        sim.add_code_region(code.addr(), code.len() as u32)
            .map_err(|e| RunError::Memory(e.to_string()))?;
        sim.add_region(stack.addr(), stack.len() as u32, Perms::RW)
            .map_err(|e| RunError::Memory(e.to_string()))?;
    }
    for f in RtFn::ALL {
        let (nparams, _) = f.arity();
        sim.add_redirect(
            REDIRECT_BASE + 8 * f as u32,
            Box::new(move |hc: &mut HostCall<'_>| redirect(hc, f, nparams)),
        );
    }
    Ok(SimExec {
        stack_top: stack.addr() + stack.len() as u32,
        sim,
        _stack: stack,
        registered: HashSet::new(),
    })
}

impl Drop for SimHost {
    fn drop(&mut self) {
        HOST.with(|h| {
            if h.owner.get() == self.0 {
                h.sim.borrow_mut().take();
                h.code.borrow_mut().take();
            }
        });
    }
}

fn redirect(hc: &mut HostCall<'_>, f: RtFn, nparams: usize) -> Result<HostRet, Fault> {
    let mut args = [0u32; 5];
    for a in args.iter_mut().take(nparams) {
        *a = hc.arg_u32()?;
    }
    // A BIF's call site, for `process_info(self(), current_function)` (as the native
    // shim records it; `args[0]` is the block's x0).
    if matches!(f, RtFn::Bif | RtFn::Bif2) && rt::block(args[0]).is_ok() {
        rt::set_field(args[0], Field::BifSite, hc.cpu.regs[14]);
    }
    let result = rt::call(f, &args[..nparams]);
    match result {
        Ok(r) => {
            // New guest memory or new code (a module loaded by this call): the
            // simulator must learn of it before the code goes on.
            if rt::regions_changed() || code_dirty() {
                STASH.with(|s| s.set(r));
                return Ok(HostRet::Stop(RESYNC));
            }
            Ok(r.map_or(HostRet::Void, HostRet::I32))
        }
        Err(RtStop::Fatal(msg)) => Err(hc.error(format!("{}: {msg}", f.name()))),
    }
}

/// Mirrors the arena's regions in the simulator: withdraws those the arena has unmapped
/// (a dedicated mapping of a large heap or binary, freed; the OS may hand its range out
/// again) and registers the new ones.
fn sync_regions(h: &mut SimExec) -> Result<(), RunError> {
    let g = arena::generation();
    if !rt::regions_changed() && !h.registered.is_empty() {
        return Ok(());
    }
    let regions = arena::regions();
    let live: HashSet<u32> = regions.iter().map(|&(base, _)| base).collect();
    h.registered.retain(|base| {
        let keep = live.contains(base);
        if !keep {
            h.sim.remove_region(*base);
        }
        keep
    });
    for &(base, len) in &regions {
        if h.registered.insert(base) {
            // SAFETY: an arena region stays mapped until the arena withdraws it (which
            // bumps the generation, so the next sync removes it here before compiled code
            // runs again); chunks are never unmapped.
            unsafe { h.sim.add_region(base, len, Perms::RW) }
                .map_err(|e| RunError::Memory(e.to_string()))?;
        }
    }
    rt::regions_synced(g);
    Ok(())
}

/// Runs the process-entry fragment on block `s` until compiled code returns a step.
fn enter(s: u32) -> Result<StepCode, RunError> {
    let entry = HOST.with(|h| h.entries.get().0);
    let code = HOST.with(|h| match h.sim.borrow_mut().as_mut() {
        Some(e) => enter_sim(e, entry, s),
        #[cfg(target_arch = "arm")]
        None => Ok(crate::native::enter(entry, s)),
        #[cfg(not(target_arch = "arm"))]
        None => Err(RunError::Memory("no simulator on this thread".into())),
    })?;
    StepCode::from_u32(code).ok_or(RunError::BadStep(code))
}

fn enter_sim(h: &mut SimExec, entry: u32, s: u32) -> Result<u32, RunError> {
    sync_regions(h)?;
    flush_dirty(h);
    let sp = h.stack_top;
    h.sim.cpu.regs[13] = sp;
    let mut out = h.sim.call(entry, &[s]);
    loop {
        match out {
            Ok(o) if o.stopped == Some(RESYNC) => {
                sync_regions(h)?;
                flush_dirty(h);
                if let Some(r) = STASH.with(Cell::take) {
                    h.sim.cpu.regs[0] = r;
                }
                out = h.sim.run();
            }
            Ok(o) => {
                h.sim.cpu.regs[13] = sp;
                return Ok(o.r0);
            }
            Err(f) => return Err(RunError::Fault(f)),
        }
    }
}

/// Instructions the simulator has retired so far (`None` when running natively).
pub(crate) fn instructions() -> Option<u64> {
    HOST.with(|h| h.sim.borrow().as_ref().map(|e| e.sim.counters.instructions))
}

/// A process running compiled code: where to resume and the CP to resume with.
pub(crate) struct JitBody {
    pub resume: u32,
    pub cp: u32,
    /// The run's first process: its end is the run's outcome.
    pub main: bool,
    /// The receive position (`loop_rec`'s message index) across slices.
    recv_idx: u32,
    /// Where to go instead of `resume` when the receive timer fires (0: no timer).
    timeout_resume: u32,
    /// A `wait_timeout` with a bad timeout: the address after it. The next slice raises
    /// `error:timeout_value` there (see [`JitBody::bad_timeout`]).
    raise_timeout_at: Option<u32>,
    /// The process's pid term (known from its first slice on), for [`ProcessBody::exited`].
    pid: Option<Term>,
}

impl JitBody {
    pub fn new(resume: u32, cp: u32, main: bool) -> JitBody {
        if main {
            MAIN_EXIT.with(|m| m.borrow_mut().take());
        }
        JitBody {
            resume,
            cp,
            main,
            recv_idx: 0,
            timeout_resume: 0,
            raise_timeout_at: None,
            pid: None,
        }
    }

    /// The outcome of the run, if this is its first process.
    fn outcome(&self, o: RunOutcome) {
        if self.main || matches!(o, RunOutcome::Halt(_)) {
            set_outcome(o);
        }
    }
}

impl JitBody {
    /// A `wait_timeout` whose timeout is neither `infinity` nor a non-negative integer:
    /// erl raises `error:timeout_value` there, which a `catch` or `try` around the
    /// receive catches. The process yields and resumes in the `handle` fragment with the
    /// exception pending, its site the instruction after the wait (so the stack trace
    /// names the receiving function as erl's does). No X register is live at a wait.
    fn bad_timeout(&mut self, s: u32) -> Step {
        let handle = crate::loader::with_loader(|l| {
            Ok(l.fragments.get(crate::fragments::HANDLE as usize).copied())
        });
        match handle {
            Ok(Some(h)) => {
                self.resume = h;
                self.raise_timeout_at = Some(rt::field(s, Field::TimeoutResume));
                // The next receive scans from the oldest message again, as after
                // `timeout` (erl's next receive sees the messages this one skipped).
                self.recv_idx = 0;
                Step::Yield { live: 0 }
            }
            // No `handle` fragment to go to (the loader is busy): end the process with
            // the error instead of raising it.
            _ => {
                self.outcome(RunOutcome::Error {
                    class: "error".into(),
                    reason: "timeout_value".into(),
                });
                Step::Exit(atom("timeout_value"))
            }
        }
    }
}

impl ProcessBody for JitBody {
    fn code_position(&self) -> Option<(u32, u32)> {
        Some((self.resume, self.cp))
    }

    fn exited(&mut self, reason: Term) {
        // The files the process opened are closed with it (prim_file's owner rule).
        if let Some(pid) = self.pid {
            crate::bifs_file_owners::owner_exited(pid);
            // Its ports close or are unlinked (vm/src/ports.rs).
            crate::ports::process_exited(pid, reason);
            // Its crypto states go (vm/src/bifs_crypto_cipher.rs: no GC hook for them).
            crate::bifs_crypto_cipher::owner_exited(pid);
            crate::proc_initial_call::exited(pid);
            // An on_load function's process (vm/src/on_load.rs).
            crate::on_load::runner_exited(pid, reason);
        }
        // The first process killed by an exit signal (a linked process's crash): the run
        // ends with that reason, as erl's would.
        if self.main && peek_outcome().is_none() {
            set_outcome(RunOutcome::Error {
                class: "exit".into(),
                reason: show(reason),
            });
        }
    }

    fn run(&mut self, cx: &mut Ctx<'_>) -> Result<Step, ProcError> {
        let s = cx.x_base();
        let budget = cx.reductions_left();
        self.pid.get_or_insert_with(|| cx.self_pid().term());
        if self.timeout_resume != 0 {
            // Woken from a `receive ... after`: by the timer, or by a message.
            if cx.timed_out() {
                self.resume = self.timeout_resume;
            }
            self.timeout_resume = 0;
        }
        rt::set_field(s, Field::Htop, cx.heap().top());
        rt::set_field(s, Field::E, cx.heap().stop());
        rt::set_field(s, Field::Fcalls, budget as u32);
        rt::set_field(s, Field::Cp, self.cp);
        rt::set_field(s, Field::Resume, self.resume);
        rt::set_field(s, Field::Pending, 0);
        rt::set_field(s, Field::Result, Term::NIL.0);
        rt::set_field(s, Field::SelfPid, cx.self_pid().term().0);
        rt::set_field(s, Field::RecvIdx, self.recv_idx);
        if let Some(at) = self.raise_timeout_at.take() {
            // `resume` is the `handle` fragment: it finds the innermost catch for this.
            rt::pend_error(s, atom("timeout_value"));
            if let Some(pos) = crate::stacktrace::position_of(at) {
                rt::set_field(s, Field::ExcCode, at);
                rt::set_field(s, Field::ExcPos, pos);
            }
        }
        cx.attach_mailbox(s);
        let step = rt::with_slice(cx, || enter(s));
        cx.detach_mailbox();
        self.recv_idx = rt::field(s, Field::RecvIdx);
        let fatal = |e: &dyn std::fmt::Display| {
            set_outcome(RunOutcome::Error {
                class: "internal".into(),
                reason: e.to_string(),
            });
            Ok(Step::Exit(atom("internal_error")))
        };
        if let Err(e) = cx
            .heap()
            .set_top_and_stop(rt::field(s, Field::Htop), rt::field(s, Field::E))
        {
            return fatal(&e);
        }
        let left = rt::field(s, Field::Fcalls) as i32;
        cx.consume(budget.saturating_sub(left).max(0) as u32);
        let step = match step {
            Ok(step) => step,
            Err(e) => return fatal(&e),
        };
        Ok(match step {
            StepCode::Yield => {
                self.resume = rt::field(s, Field::Resume);
                self.cp = rt::field(s, Field::Cp);
                Step::Yield {
                    live: rt::field(s, Field::Live),
                }
            }
            StepCode::Wait => {
                self.resume = rt::field(s, Field::Resume);
                self.cp = rt::field(s, Field::Cp);
                let timeout = Term(rt::field(s, Field::StepArg));
                let after = match timeout.small_value() {
                    // Woken by a message that did not match, the process is back at its
                    // `wait_timeout` while the receive timer runs: as in ERTS, the timeout
                    // operand is not looked at again (no X register is live at a wait,
                    // so an `x0` operand now holds whatever ran last; timer:sleep/1 is
                    // `wait_timeout` on x0). The running timer stays.
                    _ if cx.receive_timer_running() => Some(u64::MAX),
                    Some(ms) if ms >= 0 => Some(ms as u64),
                    _ if timeout == beam_runtime::atom::INFINITY => None,
                    // A bad timeout: erl raises `error:timeout_value` at the wait.
                    _ => return Ok(self.bad_timeout(s)),
                };
                if after.is_some() {
                    self.timeout_resume = rt::field(s, Field::TimeoutResume);
                }
                Step::Wait {
                    live: rt::field(s, Field::Live),
                    after,
                }
            }
            StepCode::Exit => {
                let reason = Term(rt::field(s, Field::StepArg));
                self.outcome(RunOutcome::Exited {
                    reason: show(reason),
                    value: show(Term(rt::field(s, Field::Result))),
                });
                Step::Exit(reason)
            }
            StepCode::Halt => {
                self.outcome(RunOutcome::Halt(rt::field(s, Field::StepArg)));
                Step::Exit(atom("normal"))
            }
            StepCode::Error => {
                let class = Term(rt::field(s, Field::ExcReason));
                let reason = Term(rt::field(s, Field::ExcValue));
                // erl's exit reason: `{{nocatch, V}, Stack}` for a throw, `{V, Stack}`
                // for an error, `V` for an exit; built in a fragment of the heap, which
                // lives until the process's signals are sent.
                let trace = crate::exc::trace(reason, true);
                let mut h = crate::bifs::BifHeap::default();
                let exit = match crate::exc::exit_reason(&mut h, class, reason, trace) {
                    Ok(t) => t,
                    Err(e) => return fatal(&e),
                };
                for f in h.frags {
                    cx.heap().attach(f);
                }
                if !self.main && class != atom("exit") {
                    if crate::otp_boot::on() {
                        // The real boot has a logger: ERTS's event goes to it.
                        let _ = crate::bifs_erts_internal_boot::log_process_error(cx, exit);
                    } else {
                        // What erl's logger prints for a process an error or throw ended.
                        crate::exc::error_report(cx.self_pid().term(), exit);
                    }
                }
                if self.main {
                    MAIN_EXIT.with(|m| *m.borrow_mut() = Some(show(exit)));
                }
                self.outcome(RunOutcome::Error {
                    class: show(class),
                    reason: show(reason),
                });
                Step::Exit(exit)
            }
        })
    }
}

fn atom(name: &str) -> Term {
    beam_runtime::atom::intern(name).expect("short atom")
}

/// `~w` of a term, or a placeholder if it cannot be printed.
pub(crate) fn show(t: Term) -> String {
    beam_runtime::ops::print::write(t).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}
