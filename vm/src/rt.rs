//! The runtime functions compiled code calls ([`beam_ir::rtcall::RtFn`]), on the host.
//!
//! They run inside a time slice of a process: [`with_slice`] publishes the slice's
//! [`Ctx`] in a thread-local for exactly as long as compiled code runs, and the functions
//! reach the process through it. Every function that takes `S` checks it is the running
//! slice's scheduler-registers block before touching it.

use std::cell::{Cell, RefCell};

use beam_ir::rtcall::{MarkerOp, RaiseKind, RtFn, TypeKind};
use beam_runtime::gc::GcKind;
use beam_runtime::ops::{self, view::Class};
use beam_runtime::sched_regs::{Field, StepCode};
use beam_runtime::scheduler::Ctx;
use beam_runtime::term::Term;
use beam_runtime::{arena, atom, construct, mem};

use crate::bifs::{self, BifCx, BifHeap, Raise};

thread_local! {
    /// The running slice's context (type-erased `*mut Ctx`), null outside a slice.
    static SLICE: Cell<*mut ()> = const { Cell::new(std::ptr::null_mut()) };
    /// Handler address of each catch tag (`Term::catch(i)` → `CATCHES[i]`).
    static CATCHES: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// Export cell of every `{M, F, A}` that has one (atoms as terms), for `apply`.
    static EXPORTS: RefCell<rustc_hash::FxHashMap<(u32, u32, u32), u32>> =
        RefCell::new(rustc_hash::FxHashMap::default());
    /// The `normal_exit` fragment: the CP of a spawned process's first function.
    static NORMAL_EXIT: Cell<u32> = const { Cell::new(0) };
    /// The `undef` fragment: where a call of a function that does not exist goes.
    static UNDEF: Cell<u32> = const { Cell::new(0) };
    /// The `return_x0` fragment: where `apply` of a BIF goes after the runtime called it.
    static RETURN_X0: Cell<u32> = const { Cell::new(0) };
    /// The arena's region generation at the simulator's last sync (`u64::MAX`: never).
    static REGIONS_SEEN: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Why a runtime function cannot return to compiled code normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtStop {
    /// Compiled code broke an invariant (a code generation bug): stop with this message.
    Fatal(String),
}

/// Runs `f` with `cx` published to the runtime functions.
pub fn with_slice<R>(cx: &mut Ctx<'_>, f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            SLICE.with(|s| s.set(std::ptr::null_mut()));
        }
    }
    SLICE.with(|s| s.set(cx as *mut Ctx<'_> as *mut ()));
    let _reset = Reset;
    f()
}

/// The running slice's context.
#[inline]
fn slice<'a>() -> Result<&'a mut Ctx<'a>, RtStop> {
    let p = SLICE.with(Cell::get);
    if p.is_null() {
        return Err(RtStop::Fatal("runtime call outside a time slice".into()));
    }
    // SAFETY: `with_slice` set the pointer from a live `&mut Ctx` whose borrow lasts for the
    // whole call of `f`, and clears it when `f` returns; compiled code (and so this runtime
    // function) only runs inside `f`, while the owner of the borrow does not use `cx`.
    Ok(unsafe { &mut *(p as *mut Ctx<'a>) })
}

/// The block of the running slice, checked against the `S` compiled code passed.
#[inline]
pub(crate) fn block(s: u32) -> Result<(&'static mut Ctx<'static>, u32), RtStop> {
    let cx = slice()?;
    if cx.x_base() != s {
        return Err(wrong_block(s, cx.x_base()));
    }
    Ok((cx, s))
}

/// [`block`]'s error, out of line: `block` is inlined into every runtime call.
#[cold]
#[inline(never)]
fn wrong_block(s: u32, base: u32) -> RtStop {
    RtStop::Fatal(format!(
        "runtime call with S={s:#x}, but the running block is at {base:#x}"
    ))
}

/// Reads a hand-off field of the block at `s` (checked by [`block`]).
pub fn field(s: u32, f: Field) -> u32 {
    // SAFETY: `s` is the x0 address of the scheduler's live block (checked by the
    // callers), and every field lies in its header.
    unsafe { mem::raw_read(s.wrapping_add_signed(f.offset())) }
}

pub fn set_field(s: u32, f: Field, v: u32) {
    // SAFETY: as in `field`.
    unsafe { mem::raw_write(s.wrapping_add_signed(f.offset()), v) }
}

/// Forgets the catch and export tables (a new VM on this thread).
pub fn reset_tables(normal_exit: u32, undef: u32, return_x0: u32) {
    RETURN_X0.with(|n| n.set(return_x0));
    CATCHES.with(|c| c.borrow_mut().clear());
    EXPORTS.with(|e| e.borrow_mut().clear());
    NORMAL_EXIT.with(|n| n.set(normal_exit));
    UNDEF.with(|n| n.set(undef));
}

/// The number the next registered catch gets.
pub fn next_catch() -> u32 {
    CATCHES.with(|c| c.borrow().len() as u32)
}

/// Registers catch handlers, numbered on from [`next_catch`].
pub fn add_catches(handlers: &[u32]) {
    CATCHES.with(|c| c.borrow_mut().extend_from_slice(handlers));
}

/// Points catch number `n` (registered before) at `handler` (tiered mode: the catches of
/// a module's IR code are reserved at its first tier-up and filled per function).
pub fn set_catch(n: u32, handler: u32) {
    CATCHES.with(|c| {
        if let Some(h) = c.borrow_mut().get_mut(n as usize) {
            *h = handler;
        }
    });
}

/// Records the export cell of `{M, F, A}` (for `apply` and `spawn/3`).
pub fn add_export(m: Term, f: Term, arity: u32, cell: u32) {
    EXPORTS.with(|e| e.borrow_mut().insert((m.0, f.0, arity), cell));
}

/// The code of `M:F/A` if it is loaded: its export cell holds neither `undef` nor a
/// lazy stub.
fn loaded_addr(m: Term, f: Term, arity: u32) -> Option<u32> {
    let cell = EXPORTS.with(|e| e.borrow().get(&(m.0, f.0, arity)).copied())?;
    mem::read(cell).filter(|&a| a != undef() && !crate::lazy::is_stub(a))
}

/// The code address of `M:F/A` (for `apply` and `spawn/3`), loading its module first if
/// it is on the code path and not loaded yet; `None` when it does not exist (or is a BIF
/// without an Erlang-callable trampoline).
pub fn export_addr(m: Term, f: Term, arity: u32) -> Option<u32> {
    loaded_addr(m, f, arity).or_else(|| crate::lazy::resolve(m, f, arity))
}

pub fn normal_exit() -> u32 {
    NORMAL_EXIT.with(Cell::get)
}

pub fn undef() -> u32 {
    UNDEF.with(Cell::get)
}

/// True when guest memory was mapped since the simulator last registered it (it must
/// resync before compiled code may touch the new memory).
pub fn regions_changed() -> bool {
    arena::generation() != REGIONS_SEEN.with(Cell::get)
}

/// Records that the simulator has mirrored the regions of arena generation `g`.
pub fn regions_synced(g: u64) {
    REGIONS_SEEN.with(|c| c.set(g));
}

pub(crate) fn atom(name: &str) -> Term {
    atom::intern(name).expect("short atom")
}

/// Makes an `error` exception with `reason` pending in the block.
pub(crate) fn pend_error(s: u32, reason: Term) {
    clear_site(s);
    set_field(s, Field::ExcReason, atom("error").0);
    set_field(s, Field::ExcValue, reason.0);
    set_field(s, Field::Pending, StepCode::Error as u32);
}

/// Forgets what was recorded about an earlier exception and where it was raised: the
/// code that raised writes the place after the runtime call returns (IR) or the call
/// itself wrote it (templates); code that raises without a runtime call leaves none.
fn clear_site(s: u32) {
    crate::exc::clear();
    set_field(s, Field::ExcCode, 0);
    set_field(s, Field::ExcPos, u32::MAX);
}

/// Moves the HTOP/E compiled code saved in the block into the process heap, so the
/// runtime sees the heap as the code left it.
/// Always inlined: on every BIF and runtime call, and LLVM otherwise moves it out of
/// `bif` when that function changes shape (22 instructions per call to call it).
#[inline(always)]
pub(crate) fn sync_heap_in(cx: &mut Ctx<'_>, s: u32) -> Result<(), RtStop> {
    cx.heap()
        .set_top_and_stop(field(s, Field::Htop), field(s, Field::E))
        .map_err(fatal)
}

pub(crate) fn sync_heap_out(cx: &mut Ctx<'_>, s: u32) {
    let (top, stop) = (cx.heap().top(), cx.heap().stop());
    set_field(s, Field::Htop, top);
    set_field(s, Field::E, stop);
}

/// `RtFn::Compare`: -1, 0 or 1 (as u32) for term order. Natively compiled code calls
/// this and the two below directly (`native.rs`), not through [`call`]'s dispatch: a
/// sort compares on every step.
#[inline]
pub(crate) fn compare(a: u32, b: u32) -> Result<u32, RtStop> {
    let o = ops::compare::compare(Term(a), Term(b)).map_err(fatal)?;
    Ok(o as i32 as u32)
}

/// `RtFn::EqExact`: 1 when `a =:= b`.
#[inline]
pub(crate) fn eq_exact(a: u32, b: u32) -> Result<u32, RtStop> {
    Ok(ops::compare::exact_eq(Term(a), Term(b)).map_err(fatal)? as u32)
}

/// `RtFn::Eq`: 1 when `a == b`.
#[inline]
pub(crate) fn eq(a: u32, b: u32) -> Result<u32, RtStop> {
    Ok(ops::compare::arith_eq(Term(a), Term(b)).map_err(fatal)? as u32)
}

/// A runtime error with no way back into the code, out of line (the hot paths only
/// test for it).
#[cold]
#[inline(never)]
fn fatal(e: impl std::fmt::Display) -> RtStop {
    RtStop::Fatal(e.to_string())
}

/// Calls runtime function `f` with `args`; the result goes to r0 (if `f` has one).
pub fn call(f: RtFn, args: &[u32]) -> Result<Option<u32>, RtStop> {
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    Ok(match f {
        RtFn::Bif => Some(bif(a(0), a(1), [a(2), a(3), a(4)])?),
        RtFn::Bif2 => Some(bif(a(0), a(1), [a(2), a(3), 0])?),
        RtFn::Gc => {
            let (cx, s) = block(a(0))?;
            // The pinned value the check saved ahead of the real one (RtFn::Gc).
            let ahead = a(3) as i32;
            if ahead > 0 {
                set_field(
                    s,
                    Field::Htop,
                    field(s, Field::Htop).wrapping_sub(ahead as u32),
                );
            } else if ahead < 0 {
                set_field(
                    s,
                    Field::E,
                    field(s, Field::E).wrapping_add(ahead.unsigned_abs()),
                );
            }
            sync_heap_in(cx, s)?;
            cx.garbage_collect(a(1), a(2), GcKind::Auto)
                .map_err(|e| RtStop::Fatal(format!("garbage collection failed: {e}")))?;
            sync_heap_out(cx, s);
            crate::heap_limit::check(cx, s);
            None
        }
        RtFn::Compare => Some(compare(a(0), a(1))?),
        RtFn::EqExact => Some(eq_exact(a(0), a(1))?),
        RtFn::Eq => Some(eq(a(0), a(1))?),
        RtFn::Raise => {
            raise(a(0), a(1), Term(a(2)))?;
            None
        }
        RtFn::IsType => Some(is_type(Term(a(0)), a(1)) as u32),
        RtFn::Apply => Some(apply(a(0), a(1))?),
        RtFn::CallFun => Some(call_fun(a(0), Term(a(1)), a(2))?),
        RtFn::Handle => Some(handle(a(0))?),
        RtFn::CatchValue => Some(catch_value(a(0), Term(a(1)), Term(a(2)))?),
        RtFn::RecvPeek => {
            let (cx, s) = block(a(0))?;
            let i = field(s, Field::RecvIdx) as usize;
            Some(cx.message(i).map_or(0, |t| t.0))
        }
        RtFn::RecvRemove => {
            let (cx, s) = block(a(0))?;
            sync_heap_in(cx, s)?;
            let i = field(s, Field::RecvIdx) as usize;
            cx.take_message(i)
                .ok_or_else(|| RtStop::Fatal(format!("remove_message: no message {i}")))?;
            set_field(s, Field::RecvIdx, 0);
            sync_heap_out(cx, s);
            None
        }
        RtFn::RecvMarker => Some(recv_marker(a(0), a(1), a(2), a(3))?),
        RtFn::IntArith => Some(crate::rt_arith::int_arith(a(0), a(1), a(2), a(3))?),
        RtFn::ApplyList => Some(apply_list(a(0), a(1))?),
        RtFn::MapGet => Some(map_get(Term(a(0)), Term(a(1))).map_or(0, |t| t.0)),
        RtFn::MapPut => Some(map_put(a(0), Term(a(1)), a(2), a(3))?),
        RtFn::Load => {
            block(a(0))?;
            if let Some((m, f, arity)) = cell_mfa(a(1)) {
                // erlang:call_on_load_function/1, a trap (bifs_loading.rs).
                if let Some(addr) = crate::bifs_loading::on_load_trap(a(0), m, f, arity)? {
                    return Ok(Some(addr));
                }
                if let Some(addr) = crate::unloaded_fun::apply_trap(a(0), m, f, arity)? {
                    return Ok(Some(addr));
                }
                if let Some(addr) = crate::on_load::trap(a(0), a(1), m, f, arity)? {
                    return Ok(Some(addr));
                }
                // Under the real boot: through error_handler, as ERTS (lazy.rs).
                if let Some(addr) = crate::lazy::via_error_handler(a(0), m, f, arity)? {
                    return Ok(Some(addr));
                }
            }
            let stub = mem::read(a(1));
            let addr = crate::lazy::load_cell(a(1))?;
            if addr == undef() {
                if let Some((m, f, arity)) = cell_mfa(a(1)) {
                    trace_undef(a(0), m, f, arity)?;
                }
                // The function does not exist: the cell keeps its lazy stub, so that
                // every call comes here and `undef` names the function (load_cell
                // answers `undef` for a stub left in a loaded module's cell).
                if let Some(stub) = stub.filter(|&w| crate::lazy::is_stub(w)) {
                    // SAFETY: `a(1)` is an export cell (`cell_mfa` found it): a word of an
                    // arena block the loader allocated and never frees.
                    unsafe { mem::raw_write(a(1), stub) };
                }
            }
            Some(addr)
        }
        RtFn::TierUp => {
            block(a(0))?;
            Some(crate::tier::tier_up(a(1)))
        }
        RtFn::BsCreate => Some(crate::rt_bits::bs_create(a(0), a(1), a(2), a(3), a(4))?),
        RtFn::BsStartMatch => Some(crate::rt_bits::bs_start_match(a(0), Term(a(1)), a(2))?),
        RtFn::BsGet => Some(crate::rt_bits::bs_get(
            a(0),
            Term(a(1)),
            Term(a(2)),
            a(3),
            a(4),
        )?),
    })
}

/// Where a call of `fun` with `arity` arguments goes: a local fun's entry, with its
/// environment copied to x(arity)...; an export fun's current address from its export cell
/// (`[address, arity]`). 0 with `badfun`/`badarity` pending otherwise.
pub(crate) fn call_fun(s: u32, fun: Term, arity: u32) -> Result<u32, RtStop> {
    if let Some((entry, fun_arity, nfree)) = construct::fun_head(fun) {
        let (cx, s) = block(s)?;
        if fun_arity != arity {
            let reason = badarity(cx, fun, arity)?;
            pend_error(s, reason);
            return Ok(0);
        }
        // A fun of code that is not loaded goes where ERTS sends it (unloaded_fun.rs).
        let entry = match crate::unloaded_fun::call(cx, s, fun, entry, arity)? {
            Ok(entry) => entry,
            Err(addr) => return Ok(addr),
        };
        for i in 0..nfree {
            let v = construct::fun_env(fun, i)
                .ok_or_else(|| RtStop::Fatal(format!("fun {:#x} cut short", fun.0)))?;
            cx.set_x((arity + i) as usize, v)
                .map_err(|e| RtStop::Fatal(e.to_string()))?;
        }
        return Ok(entry);
    }
    if let Some(cell) = construct::export_entry(fun) {
        let (cx, s) = block(s)?;
        let (addr, cell_arity) = (mem::read(cell), mem::read(cell + 4));
        return match (addr, cell_arity) {
            (Some(addr), Some(a)) if a == arity => {
                if addr == undef() {
                    if let Some((m, f, _)) = cell_mfa(cell) {
                        trace_undef(s, m, f, arity)?;
                    }
                }
                Ok(addr)
            }
            (Some(_), Some(_)) => {
                let reason = badarity(cx, fun, arity)?;
                pend_error(s, reason);
                Ok(0)
            }
            _ => Err(RtStop::Fatal(format!(
                "export fun with a bad cell {cell:#x}"
            ))),
        };
    }
    let (cx, s) = block(s)?;
    let reason = tagged_reason(cx, "badfun", fun)?;
    pend_error(s, reason);
    Ok(0)
}

/// `{badarity, {Fun, Args}}` with the arguments in x0..x(arity-1), as erl reports it.
fn badarity(cx: &mut Ctx<'_>, fun: Term, arity: u32) -> Result<Term, RtStop> {
    let args = x_args(cx, arity)?;
    let mut h = BifHeap::default();
    let fatal = |e: beam_runtime::heap::HeapError| RtStop::Fatal(e.to_string());
    let list = construct::list(&mut h, &args).map_err(fatal)?;
    let pair = construct::tuple(&mut h, &[fun, list]).map_err(fatal)?;
    let t = construct::tuple(&mut h, &[atom("badarity"), pair]).map_err(fatal)?;
    for f in h.frags {
        cx.heap().attach(f);
    }
    Ok(t)
}

/// x0..x(n-1).
pub(crate) fn x_args(cx: &mut Ctx<'_>, n: u32) -> Result<Vec<Term>, RtStop> {
    (0..n as usize)
        .map(|i| cx.x(i).map_err(|e| RtStop::Fatal(e.to_string())))
        .collect()
}

/// Records erl's first frame for `undef`, `{M, F, Args, []}`, for the call of `M:F/arity`
/// about to go to the `undef` fragment.
pub(crate) fn trace_undef(s: u32, m: Term, f: Term, arity: u32) -> Result<(), RtStop> {
    let (cx, _) = block(s)?;
    let args = x_args(cx, arity)?;
    let mut h = BifHeap::default();
    let t = crate::exc::top_frame(&mut h, m, f, &args, false, None)
        .map_err(|e| RtStop::Fatal(e.to_string()))?;
    for fr in h.frags {
        cx.heap().attach(fr);
    }
    crate::exc::record(atom("undef"), crate::exc::Recorded::Undef(t));
    Ok(())
}

/// The export cell of `M:F/A`, if one was made.
pub(crate) fn export_cell(m: Term, f: Term, arity: u32) -> Option<u32> {
    EXPORTS.with(|e| e.borrow().get(&(m.0, f.0, arity)).copied())
}

/// The `{M, F, A}` of an export cell.
pub(crate) fn cell_mfa(cell: u32) -> Option<(Term, Term, u32)> {
    EXPORTS.with(|e| {
        e.borrow()
            .iter()
            .find(|(_, &c)| c == cell)
            .map(|(&(m, f, a), _)| (Term(m), Term(f), a))
    })
}

/// `{Tag, Value}` built in a fragment of the running process's heap.
pub(crate) fn tagged_reason(cx: &mut Ctx<'_>, tag: &str, value: Term) -> Result<Term, RtStop> {
    let mut h = BifHeap::default();
    let t =
        construct::tuple(&mut h, &[atom(tag), value]).map_err(|e| RtStop::Fatal(e.to_string()))?;
    for f in h.frags {
        cx.heap().attach(f);
    }
    Ok(t)
}

/// Always inlined (into `native::rt_bif_impl` and `call`): the result then stays in
/// registers instead of going through a `Result` in memory, on every BIF call.
#[inline(always)]
pub(crate) fn bif(s: u32, id: u32, args: [u32; 3]) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    let Some((b, int_op)) = bifs::get_with_int_op(id) else {
        return Err(unknown_bif(id));
    };
    if let Some(op) = int_op {
        if let Some(t) = crate::rt_arith::try_int_arith(cx, op, args[0], args[1]) {
            return Ok(t);
        }
    }
    // Up to three arguments come in registers and are used where they are (as a slice
    // of the array); past the third they are in the X array: compiled code spills
    // x0..x(arity-1) before a BIF call, a trampoline is entered with x1... there, and
    // `apply` reads them from it.
    let first = args.map(Term);
    let more: Vec<Term>;
    let terms: &[Term] = if b.arity <= 3 {
        &first[..b.arity as usize]
    } else {
        more = (0..b.arity as usize)
            .map(|i| match first.get(i) {
                Some(&t) => Ok(t),
                None => cx.x(i).map_err(fatal),
            })
            .collect::<Result<_, _>>()?;
        &more
    };
    // The BIF may spawn or send, which reads the heap: let it see the code's HTOP/E.
    sync_heap_in(cx, s)?;
    // Dropped by hand below: after `settle` it almost never holds anything to free, and
    // its drop glue was an out-of-line call on every BIF call (16 instructions).
    let mut bcx = std::mem::ManuallyDrop::new(BifCx {
        heap: BifHeap::continuing(cx.heap().lend_fragment_tail(8))
            .with_fragment_size(cx.heap().next_fragment_words()),
        self_pid: cx.self_pid().term(),
        proc: Some(cx),
    });
    let r = (b.f)(&mut bcx, terms);
    // Settled where it is: moving the `BifCx` out first copied it, every call.
    let cx = bcx.proc.take().expect("the context is put back");
    bcx.heap.settle(cx.heap());
    if !bcx.heap.is_spent() {
        // SAFETY: `bcx` is not used after this drop (it goes out of scope here).
        unsafe { std::mem::ManuallyDrop::drop(&mut bcx) };
    }
    // erl's first frame of a BIF's error: the BIF with its arguments and error_info.
    let bif_trace = |cx: &mut Ctx<'_>, reason: Term, cause: Option<&str>| -> Result<(), RtStop> {
        let mut h = BifHeap::default();
        let module = crate::exc::bif_module(id);
        let stand_in = crate::otp_boot::stand_in(module, b.name, b.arity);
        let t = match stand_in {
            true => crate::exc::stand_in_frame(&mut h, module, b.name, terms, reason, cause),
            false => Ok(None),
        }
        .and_then(|t| match t {
            Some(t) => Ok(t),
            None => crate::exc::top_frame(&mut h, atom(module), atom(b.name), terms, true, cause),
        })
        .map_err(|e| RtStop::Fatal(e.to_string()))?;
        for fr in h.frags {
            cx.heap().attach(fr);
        }
        crate::exc::record(reason, crate::exc::Recorded::Bif { frame: t, stand_in });
        Ok(())
    };
    Ok(match r {
        Ok(t) => t.0,
        // hibernate/3 leaves the running code (vm/src/hibernate.rs).
        Err(Raise::Hibernate) => crate::hibernate::enter(cx, s, terms)?,
        Err(Raise::Error(reason)) => {
            pend_error(s, reason);
            bif_trace(cx, reason, None)?;
            0
        }
        Err(Raise::Cause(reason, cause)) => {
            pend_error(s, reason);
            bif_trace(cx, reason, Some(cause))?;
            0
        }
        Err(Raise::Tagged(tag, value)) => {
            let tag = atom::name(tag).unwrap_or_default();
            let reason = tagged_reason(cx, &tag, value)?;
            pend_error(s, reason);
            bif_trace(cx, reason, None)?;
            0
        }
        Err(Raise::Exception { class, reason }) => {
            pend(s, class, reason);
            if crate::exc::bif_module(id) == "erlang" {
                match (b.name, b.arity) {
                    // erlang:raise/3 keeps the stack trace it is given (also raw_raise's
                    // path); a rethrow passes a raw trace (exc::raw).
                    ("raise", 3) => {
                        let trace = crate::exc::raw_parts(terms[0]).map_or(terms[2], |r| r.1);
                        crate::exc::set(reason, trace);
                    }
                    // error/2,3: the raising function's frame shows the arguments (OTP
                    // 25: unless they are `none`), error/3 adds its error_info.
                    ("error", 2 | 3) if terms[1] != atom("none") => {
                        let info = terms.get(2).and_then(|&o| error_info_option(cx, o));
                        let what = crate::exc::Recorded::Args(terms[1], info);
                        crate::exc::record(reason, what);
                    }
                    _ => {}
                }
            }
            0
        }
        Err(Raise::Halt(status)) => {
            set_field(s, Field::StepArg, status);
            set_field(s, Field::Pending, StepCode::Halt as u32);
            0
        }
    })
}

/// [`bif`]'s error for a number no table has, out of line.
#[cold]
#[inline(never)]
fn unknown_bif(id: u32) -> RtStop {
    RtStop::Fatal(format!("unknown BIF number {id}"))
}

fn raise(s: u32, kind: u32, value: Term) -> Result<(), RtStop> {
    let (cx, s) = block(s)?;
    let tagged = |tag: &str, cx: &mut Ctx<'_>| tagged_reason(cx, tag, value);
    let reason = match kind {
        k if k == RaiseKind::Badmatch as u32 => tagged("badmatch", cx)?,
        k if k == RaiseKind::CaseClause as u32 => tagged("case_clause", cx)?,
        k if k == RaiseKind::IfClause as u32 => atom("if_clause"),
        k if k == RaiseKind::TryClause as u32 => tagged("try_clause", cx)?,
        k if k == RaiseKind::FunctionClause as u32 => atom("function_clause"),
        k if k == RaiseKind::Badarg as u32 => atom("badarg"),
        k if k == RaiseKind::Badarith as u32 => atom("badarith"),
        k if k == RaiseKind::Badrecord as u32 => tagged("badrecord", cx)?,
        _ => tagged("not_implemented", cx)?,
    };
    pend_error(s, reason);
    Ok(())
}

pub(crate) fn is_type(t: Term, kind: u32) -> bool {
    // is_function2 with a constant arity: `arity + 1` above the kind byte.
    if kind >> 8 != 0 {
        let arity = (kind >> 8) - 1;
        return kind & 0xff == TypeKind::Function as u32
            && crate::bifs_more::fun_arity(t) == Some(arity);
    }
    let Ok(c) = ops::view::class(t) else {
        return false;
    };
    let k = |x: TypeKind| kind == x as u32;
    match c {
        Class::Small | Class::Big => k(TypeKind::Integer) || k(TypeKind::Number),
        Class::Float => k(TypeKind::Float) || k(TypeKind::Number),
        Class::Binary => {
            let whole = ops::view::bits(t).is_ok_and(|b| b.tail_bits() == 0);
            k(TypeKind::Bitstring) || (k(TypeKind::Binary) && whole)
        }
        Class::Map => k(TypeKind::Map),
        Class::Pid | Class::ExtPid => k(TypeKind::Pid),
        Class::Port | Class::ExtPort => k(TypeKind::Port),
        Class::Ref | Class::ExtRef => k(TypeKind::Reference),
        Class::Fun | Class::Export => k(TypeKind::Function),
        _ => false,
    }
}

/// Makes an exception of `class` with `reason` pending in the block.
pub(crate) fn pend(s: u32, class: Term, reason: Term) {
    clear_site(s);
    set_field(s, Field::ExcReason, class.0);
    set_field(s, Field::ExcValue, reason.0);
    set_field(s, Field::Pending, StepCode::Error as u32);
}

/// The innermost catch for the pending exception (BEAM's `next_catch`): the first catch
/// tag on the Erlang stack from `E` up; `E` becomes the frame holding it (the last
/// continuation pointer below the tag, or `E` itself when the tag is in the current
/// frame), x1..x3 get class, reason and the raw stack trace (`exc::raw`), and the
/// handler's address is returned. 0 when nothing catches.
fn handle(s: u32) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    if field(s, Field::Pending) != StepCode::Error as u32 {
        crate::hibernate::on_handle(s, cx.heap().end());
        return Ok(0);
    }
    let (class, reason) = (field(s, Field::ExcReason), field(s, Field::ExcValue));
    let end = cx.heap().end();
    let e = field(s, Field::E);
    // The stack trace, built now (the stack is about to be cut back to the handler's
    // frame) and recorded as the pending exception's, for the exit when nothing catches.
    let fatal = |e: beam_runtime::heap::HeapError| RtStop::Fatal(e.to_string());
    let mut h = BifHeap::default();
    let trace = {
        let recorded = crate::exc::recorded(Term(reason), true);
        let xs: Vec<Term> = (0..256).map(|i| cx.x(i).unwrap_or(Term::NIL)).collect();
        let x = |i: u32| cx_x(&xs, i);
        let raised = crate::stacktrace::Raised {
            s,
            recorded,
            x: &x,
            e,
            stack_end: end,
        };
        crate::stacktrace::build(&mut h, &raised).map_err(fatal)?
    };
    set_field(s, Field::ExcCode, 0);
    set_field(s, Field::ExcPos, u32::MAX);
    crate::exc::set(Term(reason), trace);
    let mut at = e;
    let mut frame = at;
    while at < end {
        let w = Term(mem::read(at).ok_or_else(|| RtStop::Fatal(format!("stack word {at:#x}")))?);
        if let Some(i) = w.catch_index() {
            let handler = CATCHES.with(|c| c.borrow().get(i as usize).copied());
            let handler = handler.ok_or_else(|| RtStop::Fatal(format!("unknown catch tag {i}")))?;
            set_field(s, Field::E, frame);
            let raw = crate::exc::raw(&mut h, Term(class), trace).map_err(fatal)?;
            for f in std::mem::take(&mut h.frags) {
                cx.heap().attach(f);
            }
            crate::exc::clear();
            let set = |cx: &mut Ctx<'_>, i: usize, v: u32| {
                cx.set_x(i, Term(v))
                    .map_err(|e| RtStop::Fatal(e.to_string()))
            };
            set(cx, 1, class)?;
            set(cx, 2, reason)?;
            set(cx, 3, raw.0)?;
            set_field(s, Field::Pending, 0);
            return Ok(handler);
        }
        if w.is_cp() {
            frame = at;
        }
        at += 4;
    }
    for f in h.frags {
        cx.heap().attach(f);
    }
    Ok(0)
}

/// x`i` of the registers read before building a trace (the arguments of a
/// `function_clause`; a function has at most 255).
fn cx_x(xs: &[Term], i: u32) -> Term {
    xs.get(i as usize).copied().unwrap_or(Term::NIL)
}

/// `{error_info, Map}` from error/3's options `[{error_info, Map}]`, built on the heap.
fn error_info_option(cx: &mut Ctx<'_>, opts: Term) -> Option<Term> {
    let (items, _) = construct::list_elements(opts)?;
    let map = items.iter().find_map(|&i| {
        let e = construct::tuple_elements(i)?;
        (e.len() == 2 && e[0] == atom("error_info")).then_some(e[1])
    })?;
    tagged_reason(cx, "error_info", map).ok()
}

/// The value of `catch Expr` when `Expr` raised `class:reason`.
fn catch_value(s: u32, class: Term, reason: Term) -> Result<u32, RtStop> {
    let (cx, _) = block(s)?;
    if class == atom("throw") {
        return Ok(reason.0);
    }
    let mut h = BifHeap::default();
    let fatal = |e: beam_runtime::heap::HeapError| RtStop::Fatal(e.to_string());
    let inner = if class == atom("error") {
        // x3 holds the trace `handle` put there.
        let trace = cx
            .x(3)
            .ok()
            .and_then(crate::exc::raw_parts)
            .map_or(Term::NIL, |r| r.1);
        construct::tuple(&mut h, &[reason, trace]).map_err(fatal)?
    } else {
        reason
    };
    let t = construct::tuple(&mut h, &[atom("EXIT"), inner]).map_err(fatal)?;
    for f in h.frags {
        cx.heap().attach(f);
    }
    Ok(t.0)
}

/// `M:F(x0..x(arity-1))` with `M` and `F` in x(arity) and x(arity+1).
fn apply(s: u32, arity: u32) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    let x = |i: u32| cx.x(i as usize).map_err(|e| RtStop::Fatal(e.to_string()));
    let (m, f) = (x(arity)?, x(arity + 1)?);
    if !m.is_atom() || !f.is_atom() {
        pend_error(s, atom("badarg"));
        return Ok(0);
    }
    if let Some(addr) = loaded_addr(m, f, arity) {
        return Ok(addr);
    }
    let (mn, fname) = (
        atom::name(m).unwrap_or_default(),
        atom::name(f).unwrap_or_default(),
    );
    match bifs::lookup(&mn, &fname, arity) {
        // A BIF: called here; `return_x0` hands its value to CP.
        Some(id) => {
            let mut args = [0u32; 3];
            for (i, a) in args.iter_mut().enumerate().take(arity as usize) {
                *a = x(i as u32)?.0;
            }
            // Not a BIF call site of the code's: `process_info(self(), current_function)`
            // must not see the last one's (stacktrace::bif_site).
            set_field(s, Field::BifSite, 0);
            let r = bif(s, id, args)?;
            if r == 0 {
                return Ok(0);
            }
            let (cx, _) = block(s)?;
            cx.set_x(0, Term(r))
                .map_err(|e| RtStop::Fatal(e.to_string()))?;
            Ok(RETURN_X0.with(Cell::get))
        }
        // `erlang:apply/2,3` applied (`apply(erlang, apply, [F, Args])`, `fun
        // erlang:apply/3`): erlang.beam is not loaded, so as erl's apply does.
        _ if mn == "erlang" && fname == "apply" && (arity == 2 || arity == 3) => {
            apply_list(s, arity)
        }
        // An Erlang function, its module loaded now if need be; one that does not exist
        // goes to `undef`, which raises as BEAM does.
        // Under the real boot, a module not loaded yet is error_handler's (lazy.rs).
        _ => match crate::lazy::via_error_handler(s, m, f, arity)?
            .or_else(|| crate::lazy::resolve(m, f, arity))
        {
            Some(addr) => Ok(addr),
            None => {
                trace_undef(s, m, f, arity)?;
                Ok(undef())
            }
        },
    }
}

/// `apply(M, F, Args)` (`kind` 3) or `apply(Fun, Args)` (`kind` 2) with the operands in
/// x0...: the arguments are spread into x0... and the callee's address returned.
pub(crate) fn apply_list(s: u32, kind: u32) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    let fatal = |e: beam_runtime::process::ProcError| RtStop::Fatal(e.to_string());
    let args_at = kind as usize - 1;
    let list = cx.x(args_at).map_err(fatal)?;
    let args = match construct::list_elements(list) {
        Some((v, tail)) if tail == Term::NIL => v,
        _ => {
            pend_error(s, atom("badarg"));
            return Ok(0);
        }
    };
    if kind == 2 {
        let fun = cx.x(0).map_err(fatal)?;
        for (i, &a) in args.iter().enumerate() {
            cx.set_x(i, a).map_err(fatal)?;
        }
        return call_fun(s, fun, args.len() as u32);
    }
    let (m, f) = (cx.x(0).map_err(fatal)?, cx.x(1).map_err(fatal)?);
    for (i, &a) in args.iter().enumerate() {
        cx.set_x(i, a).map_err(fatal)?;
    }
    let n = args.len() as u32;
    cx.set_x(n as usize, m).map_err(fatal)?;
    cx.set_x(n as usize + 1, f).map_err(fatal)?;
    apply(s, n)
}

/// The value of `key` in map `m` (`=:=` on keys), if any (`None` for a non-map too).
pub(crate) fn map_get(m: Term, key: Term) -> Option<Term> {
    beam_runtime::map::get(m, key).ok().flatten()
}

/// Builds a map from `pairs` (later pairs win), flat or hashed by size as OTP does.
pub(crate) fn build_map(
    h: &mut dyn beam_runtime::heap::Alloc,
    pairs: Vec<(Term, Term)>,
) -> Result<Term, beam_runtime::heap::HeapError> {
    beam_runtime::map::from_pairs(h, &pairs).map_err(map_heap_err)
}

/// A map failure as a heap error (the callers' error type): allocation failures pass
/// through, anything else is an unreadable term.
pub(crate) fn map_heap_err(e: beam_runtime::map::MapError) -> beam_runtime::heap::HeapError {
    match e {
        beam_runtime::map::MapError::Heap(h) => h,
        _ => beam_runtime::heap::HeapError::Stack("map: unreadable map or key"),
    }
}

/// `put_map_assoc`/`put_map_exact`: `m` with the `n` pairs in x(first & 0x7fff_ffff)...
fn map_put(s: u32, m: Term, first: u32, n: u32) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    let exact = first & (1 << 31) != 0;
    let first = (first & 0x7fff_ffff) as usize;
    if beam_runtime::map::size(m).is_none() {
        let reason = tagged_reason(cx, "badmap", m)?;
        pend_error(s, reason);
        return Ok(0);
    }
    let fatal = |e: &dyn std::fmt::Display| RtStop::Fatal(e.to_string());
    let mut h = BifHeap::default();
    let mut t = m;
    for i in 0..n as usize {
        let (k, v) = (
            cx.x(first + 2 * i).map_err(|e| fatal(&e))?,
            cx.x(first + 2 * i + 1).map_err(|e| fatal(&e))?,
        );
        if exact && map_get(m, k).is_none() {
            let reason = tagged_reason(cx, "badkey", k)?;
            pend_error(s, reason);
            return Ok(0);
        }
        t = beam_runtime::map::put(&mut h, t, k, v).map_err(|e| fatal(&e))?;
    }
    for f in h.frags {
        cx.heap().attach(f);
    }
    Ok(t.0)
}

/// The receive-marker instructions (OTP 24+): `make_ref()` followed by a receive that
/// matches that reference skips every message queued before the reference existed, so
/// a `gen_server:call` made with a long queue costs no scan of it.
fn recv_marker(s: u32, kind: u32, a: u32, b: u32) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    let op = MarkerOp::from_u32(kind)
        .ok_or_else(|| RtStop::Fatal(format!("recv_marker: unknown operation {kind}")))?;
    let mb = cx.mailbox_mut();
    match op {
        MarkerOp::Reserve => {
            let i = mb.reserve_marker();
            return Ok(Term::small(i64::from(i))
                .expect("a marker number is small")
                .0);
        }
        MarkerOp::Bind => {
            if let (Some(i), Some(r)) = (Term(a).small_value(), construct::ref_numbers(Term(b))) {
                mb.bind_marker(i as u32, r);
            }
        }
        MarkerOp::Clear => {
            if let Some(r) = construct::ref_numbers(Term(a)) {
                mb.clear_marker(r);
            }
        }
        MarkerOp::Use => {
            if let Some(pos) = construct::ref_numbers(Term(a)).and_then(|r| mb.marker_position(r)) {
                set_field(s, Field::RecvIdx, pos as u32);
            }
        }
    }
    Ok(0)
}
