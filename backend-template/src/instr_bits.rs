//! The bit syntax through the runtime, as in the IR mode (ir/src/lower/bits.rs):
//! construction (`bs_create_bin`: the segment triples in the X registers above the live
//! ones, then `rt_bs_create`), `bs_start_match` (a match context passes through inline),
//! field reads, string matches and unit tests (`rt_bs_get`), and the tail, position and
//! size tests that read the match context's offset and size words inline. A runtime
//! result of 0 is "no match" (the fail label) or, without one, a pending `badarg`.
//! Also here: `raw_raise` (`erlang:raise/3` on a valid class, else x0 = `badarg`) and
//! `badrecord`, which need no float registers.

use backend_arm32::asm::{Cond, DpOp, Operand2, Reg, Shift};
use beam_frontend::specific::{Dst, Op, Src};
use beam_frontend::Reg as BReg;
use beam_ir::lower::{bs_field_desc, bs_max_x, match_string_pieces};
use beam_ir::rtcall::{bs_desc, BsOp, RaiseKind, RtFn};
use beam_ir::tags;
use beam_runtime::term;

use backend_arm32::asm::Label;

use crate::masm::{R, S};
use crate::{Fx, TemplateError};

/// Byte offsets from a match-context term (boxed) to its offset and size words (runtime
/// `binary::match_state` layout: header, orig, base, offset, size).
const CTX_OFFSET: i32 = 12 - term::PRIMARY_BOXED as i32;
const CTX_SIZE: i32 = 16 - term::PRIMARY_BOXED as i32;

impl Fx<'_> {
    /// Emits a bit-syntax instruction (or `raw_raise`/`badrecord`); true when it ended
    /// the block.
    pub(crate) fn bits_op(&mut self, op: &Op) -> Result<bool, TemplateError> {
        match op {
            Op::BsCreate {
                fail,
                alloc,
                live,
                dst,
                segs,
            } => {
                let first = live.unwrap_or_else(|| bs_max_x(op) + 1);
                for (i, s) in segs.iter().enumerate() {
                    let at = first + 3 * i as u32;
                    self.a.mov_imm(Cond::Al, Reg::R0, bs_field_desc(&s.field))?;
                    self.store_x(Reg::R0, at)?;
                    self.load(Reg::R0, &s.value)?;
                    self.store_x(Reg::R0, at + 1)?;
                    match &s.field.size {
                        Some(sz) => self.load(Reg::R0, sz)?,
                        None => self.a.mov_imm(Cond::Al, Reg::R0, 0)?,
                    }
                    self.store_x(Reg::R0, at + 2)?;
                }
                self.a.mov_imm(Cond::Al, Reg::R1, first)?;
                self.a.mov_imm(Cond::Al, Reg::R2, segs.len() as u32)?;
                self.a
                    .mov_imm(Cond::Al, Reg::R3, live.map_or(1u32 << 31, |l| l))?;
                self.a.mov_imm(Cond::Al, Reg::R4, *alloc)?;
                self.runtime(RtFn::BsCreate, Some(Reg::R4))?;
                let to = if *fail != 0 {
                    self.beam_label(*fail)
                } else {
                    self.pending
                };
                self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                self.a.b(Cond::Eq, to)?;
                self.store(Reg::R0, *dst)?;
            }
            Op::BsStartMatch {
                fail,
                live,
                src,
                dst,
            } => {
                let (slow, done) = (self.a.label(), self.a.label());
                self.load(Reg::R1, src)?;
                self.a.mov(Reg::R0, Reg::R1)?;
                // A match context already: it is the result.
                self.a.and_imm(Reg::R12, Reg::R1, term::PRIMARY_MASK)?;
                self.a.cmp_imm(Cond::Al, Reg::R12, term::PRIMARY_BOXED)?;
                self.a.b(Cond::Ne, slow)?;
                self.a
                    .ldr(Reg::R12, Reg::R1, -(term::PRIMARY_BOXED as i32))?;
                self.a.and_imm(Reg::R12, Reg::R12, term::HEADER_TAG_MASK)?;
                self.a.cmp_imm(
                    Cond::Al,
                    Reg::R12,
                    term::BIN_MATCHSTATE_SUBTAG | term::PRIMARY_HEADER,
                )?;
                self.a.b(Cond::Eq, done)?;
                self.a.bind(slow)?;
                self.a.mov_imm(Cond::Al, Reg::R2, *live)?;
                self.runtime(RtFn::BsStartMatch, None)?;
                self.a.bind(done)?;
                self.zero_fails(*fail)?;
                self.store(Reg::R0, *dst)?;
            }
            Op::BsGet {
                fail,
                live,
                ctx,
                field,
                dst,
            } => {
                self.bs_get(ctx, field.size.as_ref(), bs_field_desc(field), *live)?;
                self.zero_fails(*fail)?;
                if let Some(d) = dst {
                    self.store(Reg::R0, *d)?;
                }
            }
            Op::BsMatchString {
                fail,
                ctx,
                bits,
                bytes,
            } => {
                // 24 bits at a time, each piece a small integer (as the IR mode).
                let to = self.beam_label(*fail);
                for (n, v) in match_string_pieces(*bits, bytes) {
                    let d = bs_desc(BsOp::Integer, 1, false, false);
                    self.bs_get(ctx, Some(&Src::Int(i64::from(n))), d, 0)?;
                    let want = tags::small_const(v as i64)
                        .ok_or(TemplateError::Encoding("bs_match_string piece"))?
                        as u32;
                    self.a.mov_imm(Cond::Al, Reg::R1, want)?;
                    self.a.cmp(Reg::R0, Reg::R1)?;
                    self.a.b(Cond::Ne, to)?;
                }
            }
            Op::BsTestTail { fail, ctx, bits } => {
                self.bits_left(ctx)?;
                self.a.mov_imm(Cond::Al, Reg::R3, *bits)?;
                self.a.cmp(Reg::R2, Reg::R3)?;
                let to = self.beam_label(*fail);
                self.a.b(Cond::Ne, to)?;
            }
            Op::BsTestUnit { fail, ctx, unit } if unit.is_power_of_two() => {
                self.bits_left(ctx)?;
                self.a.and_imm(Reg::R2, Reg::R2, *unit - 1)?;
                self.a.cmp_imm(Cond::Al, Reg::R2, 0)?;
                let to = self.beam_label(*fail);
                self.a.b(Cond::Ne, to)?;
            }
            Op::BsTestUnit { fail, ctx, unit } => {
                let d = bs_desc(BsOp::TestUnit, *unit, false, false);
                self.bs_get(ctx, None, d, 0)?;
                self.zero_fails(*fail)?;
            }
            Op::BsGetTail { ctx, dst, live } => {
                // The position stays where it is (see the IR mode): kept in r5, which the
                // runtime call preserves, and written back to the (maybe moved) context.
                self.load(Reg::R1, ctx)?;
                self.a.ldr(Reg::R5, Reg::R1, CTX_OFFSET)?;
                let d = bs_desc(BsOp::Binary, 1, false, false);
                self.bs_get(ctx, None, d, *live)?;
                self.zero_fails(0)?;
                self.load(Reg::R1, ctx)?;
                self.a.str(Reg::R5, Reg::R1, CTX_OFFSET)?;
                self.store(Reg::R0, *dst)?;
            }
            Op::BsGetPosition { ctx, dst } => {
                self.load(Reg::R1, ctx)?;
                self.a.ldr(Reg::R0, Reg::R1, CTX_OFFSET)?;
                self.make_small(Reg::R0)?;
                self.store(Reg::R0, *dst)?;
            }
            Op::BsSetPosition { ctx, pos } => {
                self.load(Reg::R1, ctx)?;
                self.load(Reg::R2, pos)?;
                self.a.dp(
                    Cond::Al,
                    DpOp::Mov,
                    false,
                    Reg::R2,
                    Reg::R0,
                    Operand2::RegShiftImm {
                        rm: Reg::R2,
                        shift: Shift::Asr,
                        amount: term::IMMED1_SIZE as u8,
                    },
                )?;
                self.a.str(Reg::R2, Reg::R1, CTX_OFFSET)?;
            }
            Op::BsInit { .. } | Op::BsPut(_) => {
                // An OTP 24 put sequence the transformation could not merge: the IR mode
                // raises for it too.
                return Err(TemplateError::NotImplemented("bs_init/bs_put"));
            }
            Op::RawRaise => {
                let (raise, cont) = (self.a.label(), self.a.label());
                self.load_x(Reg::R0, 0)?;
                for name in ["error", "exit", "throw"] {
                    self.a
                        .mov_imm(Cond::Al, Reg::R1, self.env.atom_named(name))?;
                    self.a.cmp(Reg::R0, Reg::R1)?;
                    self.a.b(Cond::Eq, raise)?;
                }
                // Not a class: x0 becomes `badarg` and execution goes on.
                self.a
                    .mov_imm(Cond::Al, Reg::R0, self.env.atom_named("badarg"))?;
                self.store_x(Reg::R0, 0)?;
                self.a.b(Cond::Al, cont)?;
                self.a.bind(raise)?;
                let bif = self.env.bif("erlang", "raise", 3).unwrap_or(u32::MAX);
                let x = |i| Src::Reg(BReg::X(i), Default::default());
                self.call_bif(bif, 0, None, &[x(0), x(1), x(2)], Dst::X(0))?;
                // Not reached: raise/3 with a valid class always raises.
                let pending = self.pending;
                self.a.b(Cond::Al, pending)?;
                self.a.bind(cont)?;
            }
            Op::Badrecord(s) => {
                self.load(Reg::R2, s)?;
                self.raise(RaiseKind::Badrecord)?;
                return Ok(true);
            }
            _ => return Err(TemplateError::NotImplemented("bit syntax dispatch")),
        }
        Ok(false)
    }

    /// `f(S, r1, r2, r3[, stack])` with the pinned values saved and reloaded (X registers
    /// are in memory already); the result in r0.
    fn runtime(&mut self, f: RtFn, stack_arg: Option<Reg>) -> R {
        self.a.save_pinned()?;
        self.a.mov(Reg::R0, S)?;
        self.a.call_rt(f, stack_arg)?;
        self.a.reload_pinned()
    }

    /// One `rt_bs_get(S, ctx, size, desc, live)`; the term (0: no match) in r0.
    fn bs_get(&mut self, ctx: &Src, size: Option<&Src>, desc: u32, live: u32) -> R {
        self.load(Reg::R1, ctx)?;
        match size {
            Some(s) => self.load(Reg::R2, s)?,
            None => self.a.mov_imm(Cond::Al, Reg::R2, 0)?,
        }
        self.a.mov_imm(Cond::Al, Reg::R3, desc)?;
        self.a.mov_imm(Cond::Al, Reg::R4, live)?;
        self.runtime(RtFn::BsGet, Some(Reg::R4))
    }

    /// r0 = 0 goes to `fail`, or (no fail label: the compiler ruled it out) raises
    /// `badarg`.
    fn zero_fails(&mut self, fail: u32) -> R {
        self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
        if fail != 0 {
            let to = self.beam_label(fail);
            return self.a.b(Cond::Eq, to);
        }
        let ok: Label = self.a.label();
        self.a.b(Cond::Ne, ok)?;
        self.a.mov_imm(Cond::Al, Reg::R2, 0)?;
        self.raise(RaiseKind::Badarg)?;
        self.a.bind(ok)
    }

    /// r2 = the bits left in match context `ctx` (size - offset); r1 = the context.
    fn bits_left(&mut self, ctx: &Src) -> R {
        self.load(Reg::R1, ctx)?;
        self.a.ldr(Reg::R2, Reg::R1, CTX_OFFSET)?;
        self.a.ldr(Reg::R3, Reg::R1, CTX_SIZE)?;
        self.a.dp(
            Cond::Al,
            DpOp::Sub,
            false,
            Reg::R2,
            Reg::R3,
            Operand2::Reg(Reg::R2),
        )
    }

    /// `r` as a small integer: `r << 4 | 0xF`.
    fn make_small(&mut self, r: Reg) -> R {
        self.a.dp(
            Cond::Al,
            DpOp::Mov,
            false,
            r,
            Reg::R0,
            Operand2::RegShiftImm {
                rm: r,
                shift: Shift::Lsl,
                amount: term::IMMED1_SIZE as u8,
            },
        )?;
        self.a.dp(
            Cond::Al,
            DpOp::Orr,
            false,
            r,
            r,
            Operand2::Imm(
                backend_arm32::asm::encode_imm(term::IMMED1_SMALL)
                    .ok_or(TemplateError::Encoding("small tag"))?,
            ),
        )
    }
}
