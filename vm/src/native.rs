//! Native execution on an ARMv7 host: compiled code runs on the CPU.
//!
//! Each install gets its own code memory, written once and then made read+execute with the
//! instruction cache made coherent (`runtime::code_memory`). Runtime functions are real
//! `extern "C"` functions: on ARMv7 Linux `extern "C"` is AAPCS-VFP, the convention the
//! code generator uses for runtime calls.

use beam_ir::rtcall::RtFn;
use beam_runtime::code_memory::CodeMemory;
use beam_runtime::sched_regs::Field;
use beam_runtime::term::Term;

use crate::host::RunError;
use crate::rt::{self, RtStop};

pub(crate) struct NativeExec {
    code: Vec<CodeMemory>,
    bytes: usize,
}

impl NativeExec {
    pub fn new() -> NativeExec {
        NativeExec {
            code: Vec::new(),
            bytes: 0,
        }
    }

    pub fn code_base(&mut self, len: usize) -> Result<u32, RunError> {
        let mem = CodeMemory::new(len).map_err(|e| RunError::Memory(e.to_string()))?;
        let base = mem.as_ptr() as usize as u32;
        self.code.push(mem);
        Ok(base)
    }

    pub fn write_code(&mut self, base: u32, bytes: &[u8]) -> Result<(), RunError> {
        let mem = self
            .code
            .iter_mut()
            .rev()
            .find(|m| m.as_ptr() as usize as u32 == base)
            .ok_or_else(|| RunError::Memory(format!("no code memory at {base:#x}")))?;
        mem.write(0, bytes)
            .and_then(|()| mem.make_executable())
            .map_err(|e| RunError::Memory(e.to_string()))?;
        self.bytes += bytes.len();
        Ok(())
    }

    pub fn code_bytes(&self) -> usize {
        self.bytes
    }
}

/// A runtime call from compiled code. A fatal error is a code generation bug with no way
/// back into the generated code: report it and abort, as BEAM does on an internal error.
fn call(f: RtFn, args: &[u32]) -> u32 {
    or_abort(f, rt::call(f, args).map(|r| r.unwrap_or(0)))
}

/// The result, or the report and abort of [`call`].
fn or_abort(f: RtFn, r: Result<u32, RtStop>) -> u32 {
    match r {
        Ok(r) => r,
        Err(RtStop::Fatal(msg)) => {
            eprintln!("beam: internal error in {}: {msg}", f.name());
            std::process::abort()
        }
    }
}

/// What compiled code calls for a BIF: `rt_bif`, which stores the call's return address
/// (its LR on entry) in the block's `BifSite` field, so that `process_info(self(),
/// current_function)` knows the calling function natively as the simulator does from
/// its LR (`stacktrace::bif_site`), and then tail-calls `rt_bif_impl` with the
/// arguments untouched (r0-r3 and the fifth on the caller's stack, AAPCS). One store:
/// a thread-local set and restore around the call cost about 230 instructions per BIF
/// call. `rt_bif_impl` returns with `bx lr`, which interworks back into T32 code.
#[unsafe(naked)]
extern "C" fn rt_bif(_s: u32, _id: u32, _a0: u32, _a1: u32, _a2: u32) -> u32 {
    // SAFETY: r0 is the running block's x0 (compiled code passes its pinned S), and
    // the BifSite field lies in the block's header; nothing else is touched, so the
    // tail call sees the registers and stack of the original call.
    core::arch::naked_asm!(
        "str lr, [r0, #-{off}]",
        "b {f}",
        off = const BIF_SITE_BELOW_X0,
        f = sym rt_bif_impl,
    )
}

/// [`rt_bif`] for BIFs of at most two arguments: four register arguments, so the call
/// from compiled code has no stack argument and can keep r0–r3 for its caller
/// (backend-arm32's preserving calls).
#[unsafe(naked)]
extern "C" fn rt_bif2(_s: u32, _id: u32, _a0: u32, _a1: u32) -> u32 {
    // SAFETY: as rt_bif: one store into the running block's header, then a tail call
    // with the registers untouched.
    core::arch::naked_asm!(
        "str lr, [r0, #-{off}]",
        "b {f}",
        off = const BIF_SITE_BELOW_X0,
        f = sym rt_bif2_impl,
    )
}

extern "C" fn rt_bif2_impl(s: u32, id: u32, a0: u32, a1: u32) -> u32 {
    or_abort(RtFn::Bif, rt::bif(s, id, [a0, a1, 0]))
}

/// `Field::BifSite`'s distance below x0, as the shim's immediate.
const BIF_SITE_BELOW_X0: i32 = -Field::BifSite.offset();

extern "C" fn rt_bif_impl(s: u32, id: u32, a0: u32, a1: u32, a2: u32) -> u32 {
    // Straight to `rt::bif`, not through `rt::call`'s dispatch (every BIF call).
    or_abort(RtFn::Bif, rt::bif(s, id, [a0, a1, a2]))
}
extern "C" fn rt_gc(s: u32, need: u32, live: u32, ahead: u32) {
    call(RtFn::Gc, &[s, need, live, ahead]);
}
// Term comparisons straight to their functions (a sort makes one per step; through
// `rt::call`'s dispatch they cost about 60 instructions more each).
extern "C" fn rt_compare(a: u32, b: u32) -> u32 {
    or_abort(RtFn::Compare, rt::compare(a, b))
}
extern "C" fn rt_eq_exact(a: u32, b: u32) -> u32 {
    or_abort(RtFn::EqExact, rt::eq_exact(a, b))
}
extern "C" fn rt_eq(a: u32, b: u32) -> u32 {
    or_abort(RtFn::Eq, rt::eq(a, b))
}
extern "C" fn rt_raise(s: u32, kind: u32, value: u32) {
    call(RtFn::Raise, &[s, kind, value]);
}
// Type tests and fun calls go straight to their functions, not through `rt::call`'s
// dispatch on a slice of arguments (about 40 instructions a call natively; a fold calls
// its fun and tests it with is_function/2 on every element).
extern "C" fn rt_is_type(t: u32, kind: u32) -> u32 {
    rt::is_type(Term(t), kind) as u32
}
extern "C" fn rt_apply(s: u32, arity: u32) -> u32 {
    call(RtFn::Apply, &[s, arity])
}

extern "C" fn rt_call_fun(s: u32, fun: u32, arity: u32) -> u32 {
    or_abort(RtFn::CallFun, rt::call_fun(s, Term(fun), arity))
}

extern "C" fn rt_handle(s: u32) -> u32 {
    call(RtFn::Handle, &[s])
}
extern "C" fn rt_catch_value(s: u32, class: u32, reason: u32) -> u32 {
    call(RtFn::CatchValue, &[s, class, reason])
}
extern "C" fn rt_recv_peek(s: u32) -> u32 {
    call(RtFn::RecvPeek, &[s])
}
extern "C" fn rt_recv_remove(s: u32) {
    call(RtFn::RecvRemove, &[s]);
}
extern "C" fn rt_apply_list(s: u32, kind: u32) -> u32 {
    call(RtFn::ApplyList, &[s, kind])
}
extern "C" fn rt_map_get(map: u32, key: u32) -> u32 {
    call(RtFn::MapGet, &[map, key])
}
extern "C" fn rt_map_put(s: u32, map: u32, first: u32, n: u32) -> u32 {
    call(RtFn::MapPut, &[s, map, first, n])
}
extern "C" fn rt_load(s: u32, cell: u32) -> u32 {
    call(RtFn::Load, &[s, cell])
}
extern "C" fn rt_bs_create(s: u32, first: u32, n: u32, live: u32, alloc: u32) -> u32 {
    call(RtFn::BsCreate, &[s, first, n, live, alloc])
}
extern "C" fn rt_bs_start_match(s: u32, src: u32, live: u32) -> u32 {
    call(RtFn::BsStartMatch, &[s, src, live])
}
extern "C" fn rt_bs_get(s: u32, ctx: u32, size: u32, desc: u32, live: u32) -> u32 {
    call(RtFn::BsGet, &[s, ctx, size, desc, live])
}
extern "C" fn rt_tier_up(s: u32, cell: u32) -> u32 {
    call(RtFn::TierUp, &[s, cell])
}
extern "C" fn rt_recv_marker(s: u32, kind: u32, a: u32, b: u32) -> u32 {
    call(RtFn::RecvMarker, &[s, kind, a, b])
}
/// Straight to the function, not through `rt::call`'s dispatch: it runs once per
/// overflowing integer operation (bignum loops).
extern "C" fn rt_int_arith(s: u32, op: u32, a: u32, b: u32) -> u32 {
    or_abort(RtFn::IntArith, crate::rt_arith::int_arith(s, op, a, b))
}

/// The address of runtime function `f`.
pub(crate) fn rt_addr(f: RtFn) -> u32 {
    let p: usize = match f {
        RtFn::Bif => rt_bif as *const () as usize,
        RtFn::Bif2 => rt_bif2 as *const () as usize,
        RtFn::Gc => rt_gc as *const () as usize,
        RtFn::Compare => rt_compare as *const () as usize,
        RtFn::EqExact => rt_eq_exact as *const () as usize,
        RtFn::Eq => rt_eq as *const () as usize,
        RtFn::Raise => rt_raise as *const () as usize,
        RtFn::IsType => rt_is_type as *const () as usize,
        RtFn::Apply => rt_apply as *const () as usize,
        RtFn::CallFun => rt_call_fun as *const () as usize,
        RtFn::Handle => rt_handle as *const () as usize,
        RtFn::CatchValue => rt_catch_value as *const () as usize,
        RtFn::RecvPeek => rt_recv_peek as *const () as usize,
        RtFn::RecvRemove => rt_recv_remove as *const () as usize,
        RtFn::ApplyList => rt_apply_list as *const () as usize,
        RtFn::MapGet => rt_map_get as *const () as usize,
        RtFn::MapPut => rt_map_put as *const () as usize,
        RtFn::Load => rt_load as *const () as usize,
        RtFn::BsCreate => rt_bs_create as *const () as usize,
        RtFn::BsStartMatch => rt_bs_start_match as *const () as usize,
        RtFn::BsGet => rt_bs_get as *const () as usize,
        RtFn::TierUp => rt_tier_up as *const () as usize,
        RtFn::RecvMarker => rt_recv_marker as *const () as usize,
        RtFn::IntArith => rt_int_arith as *const () as usize,
    };
    p as u32
}

/// Calls the process-entry fragment at `entry` on block `s`.
pub(crate) fn enter(entry: u32, s: u32) -> u32 {
    // SAFETY: `entry` is the address of the process-entry fragment, compiled for this CPU
    // with the AAPCS signature (i32) -> i32 and installed in executable code memory that
    // lives as long as the VM; `s` is the running slice's scheduler-registers block.
    let f: extern "C" fn(u32) -> u32 = unsafe { std::mem::transmute(entry as usize) };
    f(s)
}
