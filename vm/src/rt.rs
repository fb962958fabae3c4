//! The runtime functions compiled code calls ([`beam_ir::rtcall::RtFn`]), on the host.
//!
//! They run inside a time slice of a process: [`with_slice`] publishes the slice's
//! [`Ctx`] in a thread-local for exactly as long as compiled code runs, and the functions
//! reach the process through it. Every function that takes `S` checks it is the running
//! slice's scheduler-registers block before touching it.

use std::cell::Cell;

use beam_ir::rtcall::{RaiseKind, RtFn, TypeKind};
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
    /// Guest regions the simulator knows (count of `arena::regions()` at the last sync).
    static REGIONS_SEEN: Cell<usize> = const { Cell::new(0) };
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
fn block(s: u32) -> Result<(&'static mut Ctx<'static>, u32), RtStop> {
    let cx = slice()?;
    if cx.x_base() != s {
        return Err(RtStop::Fatal(format!(
            "runtime call with S={s:#x}, but the running block is at {:#x}",
            cx.x_base()
        )));
    }
    Ok((cx, s))
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

/// True when guest memory was mapped since the simulator last registered it (it must
/// resync before compiled code may touch the new memory).
pub fn regions_changed() -> bool {
    arena::regions().len() != REGIONS_SEEN.with(Cell::get)
}

pub fn regions_synced(n: usize) {
    REGIONS_SEEN.with(|c| c.set(n));
}

fn atom(name: &str) -> Term {
    atom::intern(name).expect("short atom")
}

/// Makes an `error` exception with `reason` pending in the block.
fn pend_error(s: u32, reason: Term) {
    set_field(s, Field::ExcReason, atom("error").0);
    set_field(s, Field::ExcValue, reason.0);
    set_field(s, Field::Pending, StepCode::Error as u32);
}

/// Moves the HTOP/E compiled code saved in the block into the process heap, so the
/// runtime sees the heap as the code left it.
fn sync_heap_in(cx: &mut Ctx<'_>, s: u32) -> Result<(), RtStop> {
    cx.heap()
        .set_top_and_stop(field(s, Field::Htop), field(s, Field::E))
        .map_err(|e| RtStop::Fatal(e.to_string()))
}

fn sync_heap_out(cx: &mut Ctx<'_>, s: u32) {
    let (top, stop) = (cx.heap().top(), cx.heap().stop());
    set_field(s, Field::Htop, top);
    set_field(s, Field::E, stop);
}

/// Calls runtime function `f` with `args`; the result goes to r0 (if `f` has one).
pub fn call(f: RtFn, args: &[u32]) -> Result<Option<u32>, RtStop> {
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    Ok(match f {
        RtFn::Bif => Some(bif(a(0), a(1), [a(2), a(3), a(4)])?),
        RtFn::Gc => {
            let (cx, s) = block(a(0))?;
            sync_heap_in(cx, s)?;
            cx.garbage_collect(a(1), a(2), GcKind::Auto)
                .map_err(|e| RtStop::Fatal(format!("garbage collection failed: {e}")))?;
            sync_heap_out(cx, s);
            None
        }
        RtFn::Compare => {
            let o = ops::compare::compare(Term(a(0)), Term(a(1)))
                .map_err(|e| RtStop::Fatal(e.to_string()))?;
            Some(o as i32 as u32)
        }
        RtFn::EqExact => Some(
            ops::compare::exact_eq(Term(a(0)), Term(a(1)))
                .map_err(|e| RtStop::Fatal(e.to_string()))? as u32,
        ),
        RtFn::Eq => Some(
            ops::compare::arith_eq(Term(a(0)), Term(a(1)))
                .map_err(|e| RtStop::Fatal(e.to_string()))? as u32,
        ),
        RtFn::Raise => {
            raise(a(0), a(1), Term(a(2)))?;
            None
        }
        RtFn::IsType => Some(is_type(Term(a(0)), a(1)) as u32),
        RtFn::Apply => {
            let (_, s) = block(a(0))?;
            pend_error(s, atom("undef"));
            Some(0)
        }
        RtFn::CallFun => Some(call_fun(a(0), Term(a(1)), a(2))?),
    })
}

/// Where a call of `fun` with `arity` arguments goes: a local fun's entry, with its
/// environment copied to x(arity)...; an export fun's current address from its export cell
/// (`[address, arity]`). 0 with `badfun`/`badarity` pending otherwise.
fn call_fun(s: u32, fun: Term, arity: u32) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    if let Some((entry, fun_arity, _, env)) = construct::fun_parts(fun) {
        if fun_arity != arity {
            let reason = tagged_reason(cx, "badarity", fun)?;
            pend_error(s, reason);
            return Ok(0);
        }
        for (i, &v) in env.iter().enumerate() {
            cx.set_x(arity as usize + i, v)
                .map_err(|e| RtStop::Fatal(e.to_string()))?;
        }
        return Ok(entry);
    }
    if let Some(cell) = construct::export_entry(fun) {
        let (addr, cell_arity) = (mem::read(cell), mem::read(cell + 4));
        return match (addr, cell_arity) {
            (Some(addr), Some(a)) if a == arity => Ok(addr),
            (Some(_), Some(_)) => {
                let reason = tagged_reason(cx, "badarity", fun)?;
                pend_error(s, reason);
                Ok(0)
            }
            _ => Err(RtStop::Fatal(format!(
                "export fun with a bad cell {cell:#x}"
            ))),
        };
    }
    let reason = tagged_reason(cx, "badfun", fun)?;
    pend_error(s, reason);
    Ok(0)
}

/// `{Tag, Value}` built in a fragment of the running process's heap.
fn tagged_reason(cx: &mut Ctx<'_>, tag: &str, value: Term) -> Result<Term, RtStop> {
    let mut h = BifHeap::default();
    let t =
        construct::tuple(&mut h, &[atom(tag), value]).map_err(|e| RtStop::Fatal(e.to_string()))?;
    for f in h.frags {
        cx.heap().attach(f);
    }
    Ok(t)
}

fn bif(s: u32, id: u32, args: [u32; 3]) -> Result<u32, RtStop> {
    let (cx, s) = block(s)?;
    let b = bifs::get(id).ok_or_else(|| RtStop::Fatal(format!("unknown BIF number {id}")))?;
    let terms: Vec<Term> = args[..b.arity as usize].iter().map(|&w| Term(w)).collect();
    let mut bcx = BifCx {
        heap: BifHeap::default(),
        self_pid: cx.self_pid().term(),
    };
    let r = (b.f)(&mut bcx, &terms);
    for frag in bcx.heap.frags {
        cx.heap().attach(frag);
    }
    Ok(match r {
        Ok(t) => t.0,
        Err(Raise::Error(reason)) => {
            pend_error(s, reason);
            0
        }
        Err(Raise::Halt(status)) => {
            set_field(s, Field::StepArg, status);
            set_field(s, Field::Pending, StepCode::Halt as u32);
            0
        }
    })
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
        _ => tagged("not_implemented", cx)?,
    };
    pend_error(s, reason);
    Ok(())
}

fn is_type(t: Term, kind: u32) -> bool {
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
