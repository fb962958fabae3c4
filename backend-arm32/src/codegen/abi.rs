//! Register conventions (see docs/abi.md).
//!
//! Two calling conventions:
//!
//! - **AAPCS** (every CLIF calling convention except `tail`): integer arguments in r0–r3,
//!   the rest on the stack (4 bytes each, the first at the caller's sp); results in r0–r3;
//!   r4–r11 and sp preserved. Calls into Rust runtime functions use it.
//! - **Tail** (`CallConv::Tail`, JIT-to-JIT transfers): parameter/result *i* < 4 is pinned
//!   machine state in [`PINNED`] (r10, r11, r9, r8), parameters/results 4–7 go in
//!   [`TAIL_ARG_REGS`] (r7, r1, r2, r3);
//!   no stack arguments and no callee-saved registers, so a `return_call` is the epilogue
//!   plus a plain branch. The pinned registers are AAPCS callee-saved, so the state also
//!   survives calls into the runtime without any save/restore.
//!
//! r12 (ip) is the scratch register outside the allocator (moves regalloc2 cannot do in
//! one instruction, masked shift amounts, call targets loaded from the literal pool).
//!
//! f64 values (AAPCS-VFP, hard float) travel in d0–d7, in order of the f64 parameters
//! (results from d0), then on the stack 8-byte aligned; the tail convention has none.
//! The allocator uses d0–d7 only (caller-saved), so no D register is ever saved.

use cranelift_codegen::ir::{types, Type};
use cranelift_codegen::isa::CallConv;
use regalloc2::{MachineEnv, PReg, PRegSet, RegClass};

/// Integer argument/result registers (AAPCS: r0–r3).
pub const INT_ARG_REGS: [u8; 4] = [0, 1, 2, 3];

/// The scratch register kept outside the allocator.
pub const SCRATCH: u8 = 12;

/// Callee-saved registers the allocator may hand out (AAPCS: r4–r11).
pub const CALLEE_SAVED: [u8; 8] = [4, 5, 6, 7, 8, 9, 10, 11];

/// The tail convention's registers for parameters/results 4–7. Parameter 4 is the BEAM
/// continuation pointer (CP) in every segment; r7 is AAPCS callee-saved and no argument
/// register, so CP survives calls into the runtime and stays out of the way of their
/// arguments (in r0 it had to be copied to r4–r7 at nearly every entry, and back before
/// each return: 2 instructions of about 30 per `fib` call). 5–7 (x0 and on) stay r1–r3.
pub const TAIL_ARG_REGS: [u8; 4] = [7, 1, 2, 3];

/// The tail convention's pinned state registers, by parameter position: process /
/// scheduler-registers pointer, heap top, Erlang stack pointer E, reductions.
pub const PINNED: [u8; 4] = [10, 11, 9, 8];

/// Most stack-argument bytes an AAPCS call may pass (keeps sp offsets in immediates).
pub const MAX_STACK_ARG_BYTES: u32 = 1024;

/// The core register `n` as a regalloc2 physical register.
pub fn preg(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Int)
}

/// The VFP register d`n` as a regalloc2 physical register (class `Float`).
pub fn fpreg(n: u8) -> PReg {
    PReg::new(n as usize, RegClass::Float)
}

/// D registers the allocator hands out and AAPCS-VFP uses for arguments (caller-saved).
pub const FLOAT_REGS: u8 = 8;

/// Where one argument or result lives at a call boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// A core register r`n`.
    Reg(u8),
    /// A VFP register d`n` (an f64).
    FReg(u8),
    /// Byte offset from sp at the call (stack arguments of AAPCS calls).
    Stack(u32),
}

/// Whether the convention is our tail convention (otherwise AAPCS).
pub fn is_tail(cc: CallConv) -> bool {
    cc == CallConv::Tail
}

/// Locations of parameters (or results, `results = true`) of types `tys` under `cc`: one
/// location per 32-bit half of an integer, low half first (an i64 takes an even/odd
/// register pair or an 8-byte-aligned stack slot, AAPCS §6.5), one per f64 (a D register
/// or an 8-byte-aligned stack slot, AAPCS-VFP §6.1.2). `Err` says why the signature does
/// not fit.
pub fn locations(cc: CallConv, tys: &[Type], results: bool) -> Result<Vec<Vec<Loc>>, String> {
    let what = if results { "results" } else { "parameters" };
    if let Some(t) = tys
        .iter()
        .find(|t| !(t.is_int() && t.bits() <= 64) && **t != types::F64)
    {
        return Err(format!("{what} of type {t}"));
    }
    let n = tys.len();
    if is_tail(cc) {
        if let Some(t) = tys.iter().find(|t| t.bits() > 32) {
            return Err(format!("{t} {what} in the tail convention"));
        }
        if n > 8 {
            return Err(format!(
                "{n} {what} in the tail convention (at most 8: r10, r11, r9, r8, r7, r1-r3)"
            ));
        }
        return Ok((0..n)
            .map(|i| {
                vec![Loc::Reg(if i < 4 {
                    PINNED[i]
                } else {
                    TAIL_ARG_REGS[i - 4]
                })]
            })
            .collect());
    }
    let mut ncrn = 0u8;
    let mut nsaa = 0u32;
    let mut next_d = 0u8;
    let mut out = Vec::with_capacity(n);
    for t in tys {
        if *t == types::F64 {
            if next_d < FLOAT_REGS {
                out.push(vec![Loc::FReg(next_d)]);
                next_d += 1;
            } else {
                nsaa = nsaa.next_multiple_of(8);
                out.push(vec![Loc::Stack(nsaa)]);
                nsaa += 8;
            }
        } else if t.bits() > 32 {
            ncrn = (ncrn + 1) & !1;
            if ncrn <= 2 {
                out.push(vec![Loc::Reg(ncrn), Loc::Reg(ncrn + 1)]);
                ncrn += 2;
            } else {
                ncrn = 4;
                nsaa = nsaa.next_multiple_of(8);
                out.push(vec![Loc::Stack(nsaa), Loc::Stack(nsaa + 4)]);
                nsaa += 8;
            }
        } else if ncrn < 4 {
            out.push(vec![Loc::Reg(ncrn)]);
            ncrn += 1;
        } else {
            out.push(vec![Loc::Stack(nsaa)]);
            nsaa += 4;
        }
    }
    if results && nsaa > 0 {
        return Err(format!("{n} results (they must fit r0-r3)"));
    }
    if nsaa > MAX_STACK_ARG_BYTES {
        return Err(format!("{n} parameters ({nsaa} bytes of stack arguments)"));
    }
    Ok(out)
}

/// Conventions that pass arguments and results as AAPCS does but keep r0–r3 (other
/// than the results) for a caller in the tail convention: `fast` (which the `ir` crate
/// gives the runtime functions compiled code calls only on rarely taken paths) and
/// `preserve_all` (Cranelift's, which may have no results). The call sequence saves and restores the live ones
/// (`lower_call`, `preserve.rs`); from any other caller they are plain AAPCS calls.
pub fn keeps_r0_r3(cc: CallConv) -> bool {
    matches!(cc, CallConv::PreserveAll | CallConv::Fast)
}

/// Registers a call to a function of convention `cc` may overwrite (lr and ip are never
/// allocated, so they need not be listed): r0–r3 (AAPCS) or r0–r11 (tail), and d0–d7.
pub fn call_clobbers(cc: CallConv) -> PRegSet {
    let mut s = PRegSet::empty();
    let last = if is_tail(cc) { 11 } else { 3 };
    for r in 0..=last {
        s.add(preg(r));
    }
    for d in 0..FLOAT_REGS {
        s.add(fpreg(d));
    }
    s
}

/// The allocator's view of the machine: caller-saved r0–r3 preferred (no save needed),
/// then r4–r11 (saved in the prologue when an AAPCS function uses them). sp, lr, pc and
/// r12 are never allocated. Floats: d0–d7, with no dedicated scratch (regalloc2 frees a
/// register or uses a spill slot to break a cycle of f64 moves).
pub fn machine_env() -> MachineEnv {
    MachineEnv {
        preferred_regs_by_class: [
            (0..4).map(preg).collect(),
            (0..FLOAT_REGS).map(fpreg).collect(),
            PRegSet::empty(),
        ],
        non_preferred_regs_by_class: [
            CALLEE_SAVED.iter().map(|&r| preg(r)).collect(),
            PRegSet::empty(),
            PRegSet::empty(),
        ],
        scratch_by_class: [Some(preg(SCRATCH)), None, None],
        fixed_stack_slots: vec![],
    }
}
