//! Emission: walks the allocated VCode in block order, inserting regalloc2's moves
//! (register/register and spill/reload) around instructions, and writes A32 through the
//! assembler. Frame layout (see docs/abi.md), from high to low addresses:
//!
//! ```text
//!   [caller's frame: incoming stack arguments at entry sp + 4*i]
//!   lr, saved callee-saved registers (push)
//!   padding to keep sp 8-byte aligned (AAPCS)
//!   explicit stack slots
//!   spill slots (slot i at [sp, #outgoing + 4*i])
//!   outgoing stack arguments (at [sp, #4*i] for the call being made)   <- sp
//! ```

use regalloc2::{Allocation, Block, Edit, InstPosition, Output, RegClass};

use super::abi::CALLEE_SAVED;
use super::vcode::{
    AluOp, CallDest, DivOp, IntCC, MInst, MemKind, Operand2, OverflowOp, ShiftAmt, ShiftOp, UnOp,
    VCode,
};
use super::CodegenError;
use crate::asm::{
    self, Addr, BlockMode, Cond, DpOp, Inst, Label, MemOp, Operand2 as AOp2, Reg, RegList, Shift,
};

#[path = "emit_t32.rs"]
mod emit_t32;
#[path = "float_emit.rs"]
mod float_emit;

struct Emitter<'a> {
    buf: super::isa::Buf,
    func: &'a str,
    labels: Vec<Label>,
    /// Callee-saved registers pushed in the prologue, plus lr.
    saved: RegList,
    /// Bytes subtracted from sp after the push (spill area + alignment padding).
    frame: u32,
    /// Where the explicit stack slots start (above the spill slots), and each slot's offset.
    slots_base: u32,
    slot_offsets: Vec<u32>,
    /// No prologue/epilogue: return with `bx lr`.
    leaf: bool,
    /// A tail-convention function without a frame (no spills, no stack slots) that makes
    /// calls: no prologue either; each call saves lr around itself (`str lr, [sp, #-8]!`
    /// before its stack arguments, `ldr lr, [sp], #8` after it), so the paths without a
    /// call (in BEAM segments: everything but the cold paths) pay nothing.
    wrap_calls: bool,
    /// Inside a wrapped call's sequence: lr saved and the outgoing area reserved.
    call_open: bool,
    /// Bytes of outgoing stack arguments at the bottom of the frame (spills sit above).
    outgoing: u32,
    /// Per instruction, what a preserving call must save ([`super::preserve`]).
    preserve: Vec<u16>,
    /// The instruction being emitted.
    at: usize,
    /// Per block, where a branch to it really goes: blocks that are only a jump (edge
    /// blocks whose moves regalloc2 found unnecessary) are skipped over.
    forward: Vec<Block>,
}

/// The core register of an `Int`-class allocation.
fn reg_of(a: Allocation) -> Option<Reg> {
    a.as_reg()
        .filter(|p| p.class() == RegClass::Int)
        .and_then(|p| Reg::new(p.hw_enc() as u32).ok())
}

impl Emitter<'_> {
    fn asm_err(&self, err: asm::AsmError) -> CodegenError {
        CodegenError::Asm {
            func: self.func.to_string(),
            err,
        }
    }

    fn inst(&mut self, i: Inst) -> Result<(), CodegenError> {
        if let Some(seq) = self.t32_wide_imm(&i) {
            for i in &seq {
                self.buf.emit(i).map_err(|e| self.asm_err(e))?;
            }
            return Ok(());
        }
        self.buf.emit(&i).map_err(|e| self.asm_err(e))
    }

    /// T32 has no encoding for some A32 modified immediates (an 8-bit value rotated so
    /// that it wraps round bit 0, e.g. `0x1000000F`), which the instruction selection,
    /// shared with A32, picks: for T32 the constant goes to ip (outside the allocator,
    /// docs/abi.md) with MOVW/MOVT and the register form is used. `None` when `i` is
    /// encodable as it is (or uses ip itself, left to the encoder's typed error).
    fn t32_wide_imm(&self, i: &Inst) -> Option<[Inst; 3]> {
        if self.buf.isa() != super::isa::Isa::T32 {
            return None;
        }
        let Inst::Dp {
            cond,
            op,
            s,
            rd,
            rn,
            op2: AOp2::Imm(imm),
        } = *i
        else {
            return None;
        };
        let v = imm.value();
        let plain = asm::t32::thumb_expand_imm(v).is_some()
            || (matches!(op, DpOp::Add | DpOp::Sub) && !s && v < 4096)
            || (op == DpOp::Mov && !s && v < 65536);
        if plain || (rn == Reg::R12 && !op.is_move()) {
            return None;
        }
        let (ip, al) = (Reg::R12, Cond::Al);
        Some([
            Inst::Movw {
                cond: al,
                rd: ip,
                imm: v as u16,
            },
            Inst::Movt {
                cond: al,
                rd: ip,
                imm: (v >> 16) as u16,
            },
            Inst::Dp {
                cond,
                op,
                s,
                rd,
                rn,
                op2: AOp2::Reg(ip),
            },
        ])
    }

    fn dp(&mut self, op: DpOp, s: bool, rd: Reg, rn: Reg, op2: AOp2) -> Result<(), CodegenError> {
        self.inst(Inst::Dp {
            cond: Cond::Al,
            op,
            s,
            rd,
            rn,
            op2,
        })
    }

    fn imm(&self, v: u32) -> Result<AOp2, CodegenError> {
        AOp2::imm(v).ok_or_else(|| {
            self.asm_err(asm::AsmError::OutOfRange {
                what: "operand2 immediate",
                value: i64::from(v),
            })
        })
    }

    /// The cheapest materialisation of a 32-bit constant: MOV or MVN of a rotated imm8,
    /// else MOVW (and MOVT when the top half is non-zero).
    fn constant(&mut self, rd: Reg, value: u32) -> Result<(), CodegenError> {
        if let Some(op2) = AOp2::imm(value) {
            return self.dp(DpOp::Mov, false, rd, rd, op2);
        }
        if let Some(op2) = AOp2::imm(!value) {
            return self.dp(DpOp::Mvn, false, rd, rd, op2);
        }
        self.inst(Inst::Movw {
            cond: Cond::Al,
            rd,
            imm: value as u16,
        })?;
        if value >> 16 != 0 {
            self.inst(Inst::Movt {
                cond: Cond::Al,
                rd,
                imm: (value >> 16) as u16,
            })?;
        }
        Ok(())
    }

    fn slot_offset(&self, a: Allocation) -> Result<i32, CodegenError> {
        let slot = a.as_stack().map(|s| s.index()).unwrap_or(0) as u32;
        let off = self.outgoing + slot * 4;
        if off > 4095 {
            return Err(CodegenError::FrameTooLarge {
                func: self.func.to_string(),
                bytes: off,
            });
        }
        Ok(off as i32)
    }

    fn edit(&mut self, edit: &Edit) -> Result<(), CodegenError> {
        let Edit::Move { from, to } = *edit;
        if let Some(r) = self.float_edit(from, to) {
            return r;
        }
        match (reg_of(from), reg_of(to)) {
            (Some(f), Some(t)) => {
                if f != t {
                    self.dp(DpOp::Mov, false, t, t, AOp2::Reg(f))?;
                }
                Ok(())
            }
            (Some(f), None) => {
                let off = self.slot_offset(to)?;
                self.mem(MemOp::Str, f, off)
            }
            (None, Some(t)) => {
                let off = self.slot_offset(from)?;
                self.mem(MemOp::Ldr, t, off)
            }
            // regalloc2 never asks for stack-to-stack moves.
            (None, None) => Err(CodegenError::Regalloc {
                func: self.func.to_string(),
                why: "stack-to-stack move".into(),
            }),
        }
    }

    fn mem(&mut self, op: MemOp, rt: Reg, off: i32) -> Result<(), CodegenError> {
        self.inst(Inst::Mem {
            cond: Cond::Al,
            op,
            rt,
            addr: Addr::imm(Reg::SP, off),
        })
    }

    fn ip(&self) -> Result<Reg, CodegenError> {
        Reg::new(u32::from(super::abi::SCRATCH)).map_err(|e| self.asm_err(e))
    }

    fn dp_cond(&mut self, cond: Cond, op: DpOp, rd: Reg, op2: AOp2) -> Result<(), CodegenError> {
        self.inst(Inst::Dp {
            cond,
            op,
            s: false,
            rd,
            rn: rd,
            op2,
        })
    }

    /// `udf #code` unless `cond` holds. The branch over the UDF targets a label, so a
    /// literal pool the buffer places in between cannot break it.
    fn trap_unless(&mut self, cond: Cond, code: u16) -> Result<(), CodegenError> {
        let over = self.buf.new_label();
        self.buf
            .branch(cond, false, over)
            .map_err(|e| self.asm_err(e))?;
        self.inst(Inst::Udf { imm: code })?;
        self.buf.bind(over).map_err(|e| self.asm_err(e))
    }

    /// Sets Z from the low `bits` bits of `rn` (the bits above a narrow type's width are
    /// undefined, so they are shifted out into ip).
    fn test_nonzero(&mut self, rn: Reg, bits: u8) -> Result<(), CodegenError> {
        if bits >= 32 {
            return self.dp(DpOp::Cmp, true, rn, rn, self.imm(0)?);
        }
        let ip = self.ip()?;
        self.dp(
            DpOp::Mov,
            true,
            ip,
            ip,
            AOp2::RegShiftImm {
                rm: rn,
                shift: Shift::Lsl,
                amount: 32 - bits,
            },
        )
    }

    /// Zero or sign extension from `from` bits by a shift pair (AND for bytes).
    fn extend(&mut self, rd: Reg, rn: Reg, from: u8, signed: bool) -> Result<(), CodegenError> {
        if from >= 32 {
            if rd != rn {
                self.dp(DpOp::Mov, false, rd, rd, AOp2::Reg(rn))?;
            }
            return Ok(());
        }
        if from == 8 && !signed {
            return self.dp(DpOp::And, false, rd, rn, self.imm(0xff)?);
        }
        let sh = 32 - from;
        self.dp(
            DpOp::Mov,
            false,
            rd,
            rd,
            AOp2::RegShiftImm {
                rm: rn,
                shift: Shift::Lsl,
                amount: sh,
            },
        )?;
        self.dp(
            DpOp::Mov,
            false,
            rd,
            rd,
            AOp2::RegShiftImm {
                rm: rd,
                shift: if signed { Shift::Asr } else { Shift::Lsr },
                amount: sh,
            },
        )
    }

    fn shift(
        &mut self,
        op: ShiftOp,
        bits: u8,
        rd: Reg,
        rn: Reg,
        amt: ShiftAmt,
        allocs: &[Allocation],
    ) -> Result<(), CodegenError> {
        let kind = match op {
            ShiftOp::Ishl => Shift::Lsl,
            ShiftOp::Ushr => Shift::Lsr,
            ShiftOp::Sshr => Shift::Asr,
            ShiftOp::Rotl | ShiftOp::Rotr => Shift::Ror,
        };
        match amt {
            ShiftAmt::Imm(n) => {
                // Rotating left by n is rotating right by width - n.
                let n = if op == ShiftOp::Rotl && n != 0 {
                    bits - n
                } else {
                    n
                };
                if n == 0 {
                    return self.extend(rd, rn, 32, false);
                }
                self.dp(
                    DpOp::Mov,
                    false,
                    rd,
                    rd,
                    AOp2::RegShiftImm {
                        rm: rn,
                        shift: kind,
                        amount: n,
                    },
                )
            }
            ShiftAmt::Reg(_) => {
                let a = self.r(allocs, 1)?;
                let ip = self.ip()?;
                // CLIF takes the amount modulo the width; A32 register shifts use the whole
                // bottom byte (LSL by 32 gives 0), so mask first. ROR by register is already
                // modulo 32; rotl by n is ror by -n.
                if op == ShiftOp::Rotl {
                    self.dp(DpOp::Rsb, false, ip, a, self.imm(0)?)?;
                } else {
                    self.dp(DpOp::And, false, ip, a, self.imm(u32::from(bits) - 1)?)?;
                }
                self.dp(
                    DpOp::Mov,
                    false,
                    rd,
                    rd,
                    AOp2::RegShiftReg {
                        rm: rn,
                        shift: kind,
                        rs: ip,
                    },
                )
            }
        }
    }

    fn div(&mut self, op: DivOp, bits: u8, rd: Reg, rn: Reg, rm: Reg) -> Result<(), CodegenError> {
        let signed = matches!(op, DivOp::Sdiv | DivOp::Srem);
        self.div_check(op, bits, rn, rm)?;
        let ip = self.ip()?;
        let q = if matches!(op, DivOp::Sdiv | DivOp::Udiv) {
            rd
        } else {
            ip
        };
        self.inst(Inst::Div {
            cond: Cond::Al,
            signed,
            rd: q,
            rn,
            rm,
        })?;
        if q == ip {
            // remainder = rn - q * rm
            self.inst(Inst::Mls {
                cond: Cond::Al,
                rd,
                rn: ip,
                rm,
                ra: rn,
            })?;
        }
        Ok(())
    }

    /// Traps on a zero divisor and, for `sdiv`, on MIN / -1.
    fn div_check(&mut self, op: DivOp, bits: u8, rn: Reg, rm: Reg) -> Result<(), CodegenError> {
        use cranelift_codegen::ir::TrapCode;
        self.dp(DpOp::Cmp, true, rm, rm, self.imm(0)?)?;
        self.trap_unless(
            Cond::Ne,
            super::isle::trap_imm(TrapCode::INTEGER_DIVISION_BY_ZERO),
        )?;
        if op == DivOp::Sdiv {
            // MIN / -1 overflows: trap when rm == -1 and rn == the type's minimum
            // (sign-extended, so -2^(bits-1)).
            self.dp(DpOp::Cmn, true, rm, rm, self.imm(1)?)?;
            let min = 1u32 << (bits - 1);
            if bits == 32 {
                self.dp_cmp_cond(Cond::Eq, DpOp::Cmp, rn, self.imm(min)?)?;
            } else {
                self.dp_cmp_cond(Cond::Eq, DpOp::Cmn, rn, self.imm(min)?)?;
            }
            self.trap_unless(Cond::Ne, super::isle::trap_imm(TrapCode::INTEGER_OVERFLOW))?;
        }
        Ok(())
    }

    /// The outgoing-argument area of a wrapped call, rounded so sp stays 8-byte aligned.
    fn wrapped_area(&self) -> u32 {
        self.outgoing.next_multiple_of(8)
    }

    /// Before a wrapped call (or its first stack argument): save lr, reserve the area.
    fn open_call(&mut self) -> Result<(), CodegenError> {
        if !self.wrap_calls || self.call_open {
            return Ok(());
        }
        self.call_open = true;
        self.inst(Inst::Mem {
            cond: Cond::Al,
            op: MemOp::Str,
            rt: Reg::LR,
            addr: Addr {
                base: Reg::SP,
                offset: asm::MemOffset::Imm { neg: true, imm: 8 },
                index: asm::Index::PreWriteback,
            },
        })?;
        let area = self.wrapped_area();
        if area > 0 {
            let op2 = AOp2::imm(area).ok_or_else(|| CodegenError::FrameTooLarge {
                func: self.func.to_string(),
                bytes: area,
            })?;
            self.dp(DpOp::Sub, false, Reg::SP, Reg::SP, op2)?;
        }
        Ok(())
    }

    /// After a wrapped call: drop the area, restore lr.
    fn close_call(&mut self) -> Result<(), CodegenError> {
        if !self.wrap_calls {
            return Ok(());
        }
        self.call_open = false;
        let area = self.wrapped_area();
        if area > 0 {
            let op2 = AOp2::imm(area).ok_or_else(|| CodegenError::FrameTooLarge {
                func: self.func.to_string(),
                bytes: area,
            })?;
            self.dp(DpOp::Add, false, Reg::SP, Reg::SP, op2)?;
        }
        self.inst(Inst::Mem {
            cond: Cond::Al,
            op: MemOp::Ldr,
            rt: Reg::LR,
            addr: Addr {
                base: Reg::SP,
                offset: asm::MemOffset::Imm { neg: false, imm: 8 },
                index: asm::Index::Post,
            },
        })
    }

    /// A call that keeps r0–r3 for its caller: `push {regs}`, the call, `pop {regs}`,
    /// where `preserve` is what is live after it, with lr among them in a frameless
    /// function (where it is not saved in a prologue) and ip as padding to an even count,
    /// so sp stays 8-byte aligned; just the call when there is nothing to save. Such a
    /// call has no stack arguments, so nothing sp-relative lies between the push and pop.
    fn preserving_call(
        &mut self,
        dest: CallDest,
        preserve: u16,
        allocs: &[Allocation],
    ) -> Result<(), CodegenError> {
        let mut regs = preserve;
        if self.wrap_calls {
            regs |= 1 << 14;
        }
        if regs == 0 {
            return self.transfer(dest, true, allocs);
        }
        if regs.count_ones() % 2 == 1 {
            regs |= 1 << 12;
        }
        let block = |load, mode| Inst::Block {
            cond: Cond::Al,
            load,
            mode,
            rn: Reg::SP,
            writeback: true,
            regs: RegList(regs),
        };
        self.inst(block(false, BlockMode::Db))?;
        self.transfer(dest, true, allocs)?;
        self.inst(block(true, BlockMode::Ia))
    }

    /// Removes the frame and restores the saved registers and lr (before a tail call).
    fn teardown(&mut self) -> Result<(), CodegenError> {
        if self.leaf {
            return Ok(());
        }
        self.adjust_sp(DpOp::Add)?;
        self.inst(Inst::Block {
            cond: Cond::Al,
            load: true,
            mode: BlockMode::Ia,
            rn: Reg::SP,
            writeback: true,
            regs: self.saved,
        })
    }

    /// `bl`/`blx` (`link`) or `b`/`bx` to a call destination.
    fn transfer(
        &mut self,
        dest: CallDest,
        link: bool,
        allocs: &[Allocation],
    ) -> Result<(), CodegenError> {
        let rm = match dest {
            CallDest::Symbol {
                sym,
                colocated: true,
            } => {
                let r = if link {
                    self.buf.call(Cond::Al, sym)
                } else {
                    self.buf.jump(Cond::Al, sym)
                };
                return r.map_err(|e| self.asm_err(e));
            }
            CallDest::Symbol { sym, .. } => {
                let ip = self.ip()?;
                self.buf
                    .ldr_address(Cond::Al, ip, sym)
                    .map_err(|e| self.asm_err(e))?;
                ip
            }
            CallDest::Reg(_) => self.r(allocs, 0)?,
            CallDest::InArg(p) => Reg::new(p.hw_enc() as u32).map_err(|e| self.asm_err(e))?,
        };
        self.inst(if link {
            Inst::BlxReg { cond: Cond::Al, rm }
        } else {
            Inst::Bx { cond: Cond::Al, rm }
        })
    }

    /// Jump table: `cmp idx, #n; addlo pc, pc, idx, lsl #2; b default; b t0; ...`
    /// (pc reads as the ADD's address + 8, the first table entry).
    fn br_table(
        &mut self,
        idx: Reg,
        default: Block,
        targets: &[Block],
    ) -> Result<(), CodegenError> {
        // No literal pool may land inside the table.
        self.buf.flush_pool(true);
        if self.buf.isa() == super::isa::Isa::T32 {
            return self.br_table_t32(idx, default, targets);
        }
        let n = targets.len() as u32;
        if n > 0 {
            match AOp2::imm(n) {
                Some(op2) => self.dp(DpOp::Cmp, true, idx, idx, op2)?,
                None => {
                    let ip = self.ip()?;
                    self.constant(ip, n)?;
                    self.dp(DpOp::Cmp, true, idx, idx, AOp2::Reg(ip))?;
                }
            }
            self.inst(Inst::Dp {
                cond: Cond::Lo,
                op: DpOp::Add,
                s: false,
                rd: Reg::PC,
                rn: Reg::PC,
                op2: AOp2::RegShiftImm {
                    rm: idx,
                    shift: Shift::Lsl,
                    amount: 2,
                },
            })?;
        }
        for b in std::iter::once(default).chain(targets.iter().copied()) {
            let l = self.labels[b.index()];
            self.buf
                .branch(Cond::Al, false, l)
                .map_err(|e| self.asm_err(e))?;
        }
        Ok(())
    }

    /// i64 add/sub/mul on (lo, hi) pairs; `d.0` and `d.1` never share a register with
    /// an input (early defs).
    fn arith64(
        &mut self,
        op: super::vcode::Op64,
        d: (Reg, Reg),
        a: (Reg, Reg),
        b: (Reg, Reg),
    ) -> Result<(), CodegenError> {
        use super::vcode::Op64;
        match op {
            Op64::Add => {
                self.dp(DpOp::Add, true, d.0, a.0, AOp2::Reg(b.0))?;
                self.dp(DpOp::Adc, false, d.1, a.1, AOp2::Reg(b.1))
            }
            Op64::Sub => {
                self.dp(DpOp::Sub, true, d.0, a.0, AOp2::Reg(b.0))?;
                self.dp(DpOp::Sbc, false, d.1, a.1, AOp2::Reg(b.1))
            }
            Op64::Mul => {
                // (ah*2^32 + al)(bh*2^32 + bl) mod 2^64 = al*bl + 2^32 (al*bh + ah*bl)
                self.inst(Inst::LongMul {
                    cond: Cond::Al,
                    op: asm::LongMulOp::Umull,
                    s: false,
                    rdlo: d.0,
                    rdhi: d.1,
                    rn: a.0,
                    rm: b.0,
                })?;
                for (x, y) in [(a.0, b.1), (a.1, b.0)] {
                    self.inst(Inst::Mla {
                        cond: Cond::Al,
                        s: false,
                        rd: d.1,
                        rn: x,
                        rm: y,
                        ra: d.1,
                    })?;
                }
                Ok(())
            }
        }
    }

    /// Sets the flags for an i64 compare; returns the condition that holds when `a cc b`.
    fn cmp64(&mut self, cc: IntCC, a: (Reg, Reg), b: (Reg, Reg)) -> Result<Cond, CodegenError> {
        use cranelift_codegen::ir::condcodes::IntCC::*;
        if matches!(cc, Equal | NotEqual) {
            self.dp(DpOp::Cmp, true, a.1, a.1, AOp2::Reg(b.1))?;
            self.dp_cmp_cond(Cond::Eq, DpOp::Cmp, a.0, AOp2::Reg(b.0))?;
            return Ok(cond_of(cc));
        }
        // x < y as a 64-bit subtraction x - y (CMP low, SBCS high): LT/GE signed, LO/HS
        // unsigned. Greater-than forms swap the operands.
        let swap = matches!(
            cc,
            SignedGreaterThan
                | SignedLessThanOrEqual
                | UnsignedGreaterThan
                | UnsignedLessThanOrEqual
        );
        let (x, y) = if swap { (b, a) } else { (a, b) };
        self.dp(DpOp::Cmp, true, x.0, x.0, AOp2::Reg(y.0))?;
        let ip = self.ip()?;
        self.dp(DpOp::Sbc, true, ip, x.1, AOp2::Reg(y.1))?;
        Ok(match cc {
            SignedLessThan | SignedGreaterThan => Cond::Lt,
            SignedGreaterThanOrEqual | SignedLessThanOrEqual => Cond::Ge,
            UnsignedLessThan | UnsignedGreaterThan => Cond::Lo,
            _ => Cond::Hs,
        })
    }

    /// i64 shift by a constant `n` < 64 on (lo, hi); the destinations never share a
    /// register with the inputs (early defs).
    fn shift64(
        &mut self,
        op: ShiftOp,
        n: u8,
        d: (Reg, Reg),
        a: (Reg, Reg),
    ) -> Result<(), CodegenError> {
        let sh = |rm: Reg, shift: Shift, amount: u8| {
            if amount == 0 {
                AOp2::Reg(rm)
            } else {
                AOp2::RegShiftImm { rm, shift, amount }
            }
        };
        let mov = |e: &mut Self, rd: Reg, op2: AOp2| e.dp(DpOp::Mov, false, rd, rd, op2);
        let orr = |e: &mut Self, rd: Reg, op2: AOp2| e.dp(DpOp::Orr, false, rd, rd, op2);
        match (op, n) {
            (_, 0) => {
                mov(self, d.0, AOp2::Reg(a.0))?;
                mov(self, d.1, AOp2::Reg(a.1))
            }
            (ShiftOp::Ishl, 1..=31) => {
                mov(self, d.1, sh(a.1, Shift::Lsl, n))?;
                orr(self, d.1, sh(a.0, Shift::Lsr, 32 - n))?;
                mov(self, d.0, sh(a.0, Shift::Lsl, n))
            }
            (ShiftOp::Ishl, _) => {
                mov(self, d.1, sh(a.0, Shift::Lsl, n - 32))?;
                mov(self, d.0, self.imm(0)?)
            }
            (ShiftOp::Ushr | ShiftOp::Sshr, 1..=31) => {
                let k = if op == ShiftOp::Sshr {
                    Shift::Asr
                } else {
                    Shift::Lsr
                };
                mov(self, d.0, sh(a.0, Shift::Lsr, n))?;
                orr(self, d.0, sh(a.1, Shift::Lsl, 32 - n))?;
                mov(self, d.1, sh(a.1, k, n))
            }
            (ShiftOp::Ushr, _) => {
                mov(self, d.0, sh(a.1, Shift::Lsr, n - 32))?;
                mov(self, d.1, self.imm(0)?)
            }
            (ShiftOp::Sshr, _) => {
                mov(self, d.0, sh(a.1, Shift::Asr, n - 32))?;
                mov(self, d.1, sh(a.1, Shift::Asr, 31))
            }
            (ShiftOp::Rotl | ShiftOp::Rotr, _) => Err(CodegenError::Unsupported {
                func: self.func.to_string(),
                inst: format!("{op:?}"),
                ty: "i64".into(),
            }),
        }
    }

    /// The overflow-checking operations: the flags end up with `op.cond()` = overflow.
    fn overflow(
        &mut self,
        op: OverflowOp,
        rd: Reg,
        rn: Reg,
        op2: AOp2,
    ) -> Result<(), CodegenError> {
        match op {
            OverflowOp::Sadd | OverflowOp::Uadd => self.dp(DpOp::Add, true, rd, rn, op2),
            OverflowOp::Ssub | OverflowOp::Usub => self.dp(DpOp::Sub, true, rd, rn, op2),
            OverflowOp::Smul | OverflowOp::Umul => {
                // The multiplies take registers only (the lowering never gives them an
                // immediate).
                let AOp2::Reg(rm) = op2 else {
                    return Err(CodegenError::Regalloc {
                        func: self.func.to_string(),
                        why: "immediate operand of a multiply".into(),
                    });
                };
                let ip = self.ip()?;
                let signed = op == OverflowOp::Smul;
                self.inst(Inst::LongMul {
                    cond: Cond::Al,
                    op: if signed {
                        asm::LongMulOp::Smull
                    } else {
                        asm::LongMulOp::Umull
                    },
                    s: false,
                    rdlo: rd,
                    rdhi: ip,
                    rn,
                    rm,
                })?;
                // The product fits iff the high word is the sign (zero) extension of
                // the low one.
                let ext = if signed {
                    AOp2::RegShiftImm {
                        rm: rd,
                        shift: Shift::Asr,
                        amount: 31,
                    }
                } else {
                    self.imm(0)?
                };
                self.dp(DpOp::Cmp, true, ip, ip, ext)
            }
        }
    }

    fn dp_cmp_cond(
        &mut self,
        cond: Cond,
        op: DpOp,
        rn: Reg,
        op2: AOp2,
    ) -> Result<(), CodegenError> {
        self.inst(Inst::Dp {
            cond,
            op,
            s: true,
            rd: rn,
            rn,
            op2,
        })
    }

    fn prologue(&mut self) -> Result<(), CodegenError> {
        if self.leaf {
            return Ok(());
        }
        self.inst(Inst::Block {
            cond: Cond::Al,
            load: false,
            mode: BlockMode::Db,
            rn: Reg::SP,
            writeback: true,
            regs: self.saved,
        })?;
        self.adjust_sp(DpOp::Sub)
    }

    /// `sp = sp -/+ frame` (`op` is Sub or Add); a frame size that is no rotated
    /// immediate goes through ip (free at the prologue and epilogue).
    fn adjust_sp(&mut self, op: DpOp) -> Result<(), CodegenError> {
        if self.frame == 0 {
            return Ok(());
        }
        let op2 = match AOp2::imm(self.frame) {
            Some(op2) => op2,
            None => {
                let ip = self.ip()?;
                self.constant(ip, self.frame)?;
                AOp2::Reg(ip)
            }
        };
        self.dp(op, false, Reg::SP, Reg::SP, op2)
    }

    fn epilogue(&mut self) -> Result<(), CodegenError> {
        if self.leaf {
            return self.inst(Inst::Bx {
                cond: Cond::Al,
                rm: Reg::LR,
            });
        }
        self.adjust_sp(DpOp::Add)?;
        // Popping the saved lr straight into pc returns.
        let regs = RegList((self.saved.0 & !(1 << 14)) | (1 << 15));
        self.inst(Inst::Block {
            cond: Cond::Al,
            load: true,
            mode: BlockMode::Ia,
            rn: Reg::SP,
            writeback: true,
            regs,
        })
    }

    fn op2(&self, op2: Operand2, allocs: &[Allocation], idx: usize) -> Result<AOp2, CodegenError> {
        match op2 {
            Operand2::Reg { .. } => Ok(AOp2::Reg(self.r(allocs, idx)?)),
            Operand2::Shifted { op, amount, .. } => Ok(AOp2::RegShiftImm {
                rm: self.r(allocs, idx)?,
                shift: shift_kind(op),
                amount,
            }),
            Operand2::Imm { value } => self.imm(value),
        }
    }

    fn r(&self, allocs: &[Allocation], idx: usize) -> Result<Reg, CodegenError> {
        allocs
            .get(idx)
            .copied()
            .and_then(reg_of)
            .ok_or_else(|| CodegenError::Regalloc {
                func: self.func.to_string(),
                why: format!("operand {idx} not in a register"),
            })
    }

    fn minst(
        &mut self,
        inst: &MInst,
        allocs: &[Allocation],
        next: Option<Block>,
    ) -> Result<(), CodegenError> {
        match inst {
            MInst::Alu { op, op2, .. } => {
                let rn = self.r(allocs, 0)?;
                let o2 = self.op2(*op2, allocs, 1)?;
                let rd_idx = if op2.reg().is_some() { 2 } else { 1 };
                let rd = self.r(allocs, rd_idx)?;
                let dp = match op {
                    AluOp::Add => DpOp::Add,
                    AluOp::Sub => DpOp::Sub,
                    AluOp::Rsb => DpOp::Rsb,
                    AluOp::And => DpOp::And,
                    AluOp::Orr => DpOp::Orr,
                    AluOp::Eor => DpOp::Eor,
                    AluOp::Bic => DpOp::Bic,
                };
                self.dp(dp, false, rd, rn, o2)
            }
            MInst::Mul { .. } => {
                let (rn, rm, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?, self.r(allocs, 2)?);
                self.inst(Inst::Mul {
                    cond: Cond::Al,
                    s: false,
                    rd,
                    rn,
                    rm,
                })
            }
            MInst::MulAdd { sub, .. } => {
                let (rn, rm) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                let (ra, rd) = (self.r(allocs, 2)?, self.r(allocs, 3)?);
                let cond = Cond::Al;
                self.inst(if *sub {
                    Inst::Mls {
                        cond,
                        rd,
                        rn,
                        rm,
                        ra,
                    }
                } else {
                    Inst::Mla {
                        cond,
                        s: false,
                        rd,
                        rn,
                        rm,
                        ra,
                    }
                })
            }
            MInst::LoadIdx { kind, shift, .. } => {
                let (base, idx, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?, self.r(allocs, 2)?);
                let op = if *kind == MemKind::U8 {
                    MemOp::Ldrb
                } else {
                    MemOp::Ldr
                };
                self.inst(Inst::Mem {
                    cond: Cond::Al,
                    op,
                    rt: rd,
                    addr: scaled_addr(base, idx, *shift),
                })
            }
            MInst::StoreIdx { kind, shift, .. } => {
                let (rt, base, idx) = (self.r(allocs, 0)?, self.r(allocs, 1)?, self.r(allocs, 2)?);
                let op = if *kind == MemKind::U8 {
                    MemOp::Strb
                } else {
                    MemOp::Str
                };
                self.inst(Inst::Mem {
                    cond: Cond::Al,
                    op,
                    rt,
                    addr: scaled_addr(base, idx, *shift),
                })
            }
            MInst::Const { value, .. } => {
                let rd = self.r(allocs, 0)?;
                self.constant(rd, *value)
            }
            MInst::Shift { op, bits, amt, .. } => {
                let rn = self.r(allocs, 0)?;
                let rd_idx = if matches!(amt, ShiftAmt::Reg(_)) {
                    2
                } else {
                    1
                };
                let rd = self.r(allocs, rd_idx)?;
                self.shift(*op, *bits, rd, rn, *amt, allocs)
            }
            MInst::Extend { from, signed, .. } => {
                let (rn, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                self.extend(rd, rn, *from, *signed)
            }
            MInst::Icmp { cc, .. } => {
                let (rn, rm, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?, self.r(allocs, 2)?);
                self.dp(DpOp::Cmp, true, rn, rn, AOp2::Reg(rm))?;
                // MOV leaves the flags alone, so both moves see the compare.
                self.dp(DpOp::Mov, false, rd, rd, self.imm(0)?)?;
                self.dp_cond(cond_of(*cc), DpOp::Mov, rd, self.imm(1)?)
            }
            MInst::Select { bits, .. } => {
                let c = self.r(allocs, 0)?;
                let (rt, rf, rd) = (self.r(allocs, 1)?, self.r(allocs, 2)?, self.r(allocs, 3)?);
                self.test_nonzero(c, *bits)?;
                // Exactly one of the two moves executes, so rd may share a register with
                // either source.
                self.dp_cond(Cond::Ne, DpOp::Mov, rd, AOp2::Reg(rt))?;
                self.dp_cond(Cond::Eq, DpOp::Mov, rd, AOp2::Reg(rf))
            }
            MInst::SelectIcmp { cc, .. } => {
                let (rn, rm) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                let (rt, rf, rd) = (self.r(allocs, 2)?, self.r(allocs, 3)?, self.r(allocs, 4)?);
                self.dp(DpOp::Cmp, true, rn, rn, AOp2::Reg(rm))?;
                let c = cond_of(*cc);
                self.dp_cond(c, DpOp::Mov, rd, AOp2::Reg(rt))?;
                self.dp_cond(c.invert(), DpOp::Mov, rd, AOp2::Reg(rf))
            }
            MInst::Unop { op, .. } => {
                let (rn, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                match op {
                    UnOp::Mvn => self.dp(DpOp::Mvn, false, rd, rd, AOp2::Reg(rn)),
                    UnOp::Neg => self.dp(DpOp::Rsb, false, rd, rn, self.imm(0)?),
                    UnOp::Clz => self.inst(Inst::Clz {
                        cond: Cond::Al,
                        rd,
                        rm: rn,
                    }),
                }
            }
            MInst::MulHi { signed, .. } => {
                let (rn, rm, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?, self.r(allocs, 2)?);
                self.inst(Inst::LongMul {
                    cond: Cond::Al,
                    op: if *signed {
                        asm::LongMulOp::Smull
                    } else {
                        asm::LongMulOp::Umull
                    },
                    s: false,
                    rdlo: self.ip()?,
                    rdhi: rd,
                    rn,
                    rm,
                })
            }
            MInst::Div { op, bits, .. } => {
                let (rn, rm, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?, self.r(allocs, 2)?);
                self.div(*op, *bits, rd, rn, rm)
            }
            MInst::BrIcmp {
                cc,
                rm,
                tst,
                taken,
                not_taken,
                ..
            } => {
                let rn = self.r(allocs, 0)?;
                let o2 = self.op2(*rm, allocs, 1)?;
                let op = if *tst { DpOp::Tst } else { DpOp::Cmp };
                self.dp(op, true, rn, rn, o2)?;
                let c = cond_of(*cc);
                // Fall through to whichever edge block comes next.
                if next == Some(self.forward[taken.index()]) {
                    let lf = self.labels[not_taken.index()];
                    return self
                        .buf
                        .branch(c.invert(), false, lf)
                        .map_err(|e| self.asm_err(e));
                }
                let lt = self.labels[taken.index()];
                self.buf.branch(c, false, lt).map_err(|e| self.asm_err(e))?;
                if next != Some(self.forward[not_taken.index()]) {
                    let lf = self.labels[not_taken.index()];
                    self.buf
                        .branch(Cond::Al, false, lf)
                        .map_err(|e| self.asm_err(e))?;
                }
                Ok(())
            }
            MInst::Load { kind, off, .. } => {
                let (base, rd) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                self.inst(Inst::Mem {
                    cond: Cond::Al,
                    op: match kind {
                        MemKind::W32 => MemOp::Ldr,
                        MemKind::U8 => MemOp::Ldrb,
                        MemKind::S8 => MemOp::Ldrsb,
                        MemKind::U16 => MemOp::Ldrh,
                        MemKind::S16 => MemOp::Ldrsh,
                    },
                    rt: rd,
                    addr: Addr::imm(base, *off),
                })
            }
            MInst::Store { kind, off, .. } => {
                let (rt, base) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                self.inst(Inst::Mem {
                    cond: Cond::Al,
                    op: match kind {
                        MemKind::W32 => MemOp::Str,
                        MemKind::U8 | MemKind::S8 => MemOp::Strb,
                        MemKind::U16 | MemKind::S16 => MemOp::Strh,
                    },
                    rt,
                    addr: Addr::imm(base, *off),
                })
            }
            MInst::StackAddr { slot, off, .. } => {
                let rd = self.r(allocs, 0)?;
                let base =
                    self.slots_base + self.slot_offsets.get(*slot as usize).copied().unwrap_or(0);
                let total = base as i32 + off;
                if let Some(op2) = AOp2::imm(total as u32) {
                    self.dp(DpOp::Add, false, rd, Reg::SP, op2)
                } else {
                    let ip = self.ip()?;
                    self.constant(ip, total as u32)?;
                    self.dp(DpOp::Add, false, rd, Reg::SP, AOp2::Reg(ip))
                }
            }
            MInst::Call { dest, preserve, .. } if *preserve != 0 => {
                self.preserving_call(*dest, self.preserve[self.at], allocs)
            }
            MInst::Call { dest, .. } => {
                self.open_call()?;
                self.transfer(*dest, true, allocs)?;
                self.close_call()
            }
            MInst::TailCall { dest, .. } => {
                self.teardown()?;
                self.transfer(*dest, false, allocs)
            }
            MInst::StoreArg { off, .. } => {
                self.open_call()?;
                if let Some(d) = float_emit::dreg_of(allocs[0]) {
                    return self.float_stack_arg(d, *off, true);
                }
                let rt = self.r(allocs, 0)?;
                self.mem(MemOp::Str, rt, *off as i32)
            }
            MInst::LoadArg { off, .. } => {
                let pushed = if self.leaf {
                    0
                } else {
                    self.saved.0.count_ones() * 4
                };
                let total = self.frame + pushed + off;
                if let Some(d) = float_emit::dreg_of(allocs[0]) {
                    return self.float_stack_arg(d, total, false);
                }
                let rd = self.r(allocs, 0)?;
                if total > 4095 {
                    return Err(CodegenError::FrameTooLarge {
                        func: self.func.to_string(),
                        bytes: total,
                    });
                }
                self.mem(MemOp::Ldr, rd, total as i32)
            }
            MInst::SymAddr { sym, .. } => {
                let rd = self.r(allocs, 0)?;
                self.buf
                    .ldr_address(Cond::Al, rd, *sym)
                    .map_err(|e| self.asm_err(e))
            }
            MInst::BrTable {
                default, targets, ..
            } => {
                let idx = self.r(allocs, 0)?;
                self.br_table(idx, *default, targets)
            }
            MInst::Overflow { op, of, rm, .. } => {
                let rn = self.r(allocs, 0)?;
                let o2 = self.op2(*rm, allocs, 1)?;
                let rd_idx = if rm.reg().is_some() { 2 } else { 1 };
                let rd = self.r(allocs, rd_idx)?;
                self.overflow(*op, rd, rn, o2)?;
                if of.is_some() {
                    let o = self.r(allocs, rd_idx + 1)?;
                    // MOV keeps the flags, so a fused branch can still test them.
                    self.dp(DpOp::Mov, false, o, o, self.imm(0)?)?;
                    self.dp_cond(op.cond(), DpOp::Mov, o, self.imm(1)?)?;
                }
                Ok(())
            }
            MInst::BrFlags {
                cond,
                taken,
                not_taken,
            } => {
                let c = *cond;
                if next == Some(self.forward[taken.index()]) {
                    let lf = self.labels[not_taken.index()];
                    return self
                        .buf
                        .branch(c.invert(), false, lf)
                        .map_err(|e| self.asm_err(e));
                }
                let lt = self.labels[taken.index()];
                self.buf.branch(c, false, lt).map_err(|e| self.asm_err(e))?;
                if next != Some(self.forward[not_taken.index()]) {
                    let lf = self.labels[not_taken.index()];
                    self.buf
                        .branch(Cond::Al, false, lf)
                        .map_err(|e| self.asm_err(e))?;
                }
                Ok(())
            }
            MInst::Arith64 { op, .. } => {
                let (al, ah, bl, bh) = (
                    self.r(allocs, 0)?,
                    self.r(allocs, 1)?,
                    self.r(allocs, 2)?,
                    self.r(allocs, 3)?,
                );
                let (dl, dh) = (self.r(allocs, 4)?, self.r(allocs, 5)?);
                self.arith64(*op, (dl, dh), (al, ah), (bl, bh))
            }
            MInst::Neg64 { .. } => {
                let (al, ah) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                let (dl, dh) = (self.r(allocs, 2)?, self.r(allocs, 3)?);
                self.dp(DpOp::Rsb, true, dl, al, self.imm(0)?)?;
                self.dp(DpOp::Rsc, false, dh, ah, self.imm(0)?)
            }
            MInst::Icmp64 { cc, .. } => {
                let (al, ah, bl, bh) = (
                    self.r(allocs, 0)?,
                    self.r(allocs, 1)?,
                    self.r(allocs, 2)?,
                    self.r(allocs, 3)?,
                );
                let rd = self.r(allocs, 4)?;
                let c = self.cmp64(*cc, (al, ah), (bl, bh))?;
                self.dp(DpOp::Mov, false, rd, rd, self.imm(0)?)?;
                self.dp_cond(c, DpOp::Mov, rd, self.imm(1)?)
            }
            MInst::Shift64 { op, n, .. } => {
                let (al, ah) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                let (dl, dh) = (self.r(allocs, 2)?, self.r(allocs, 3)?);
                self.shift64(*op, *n, (dl, dh), (al, ah))
            }
            MInst::DivCheck { op, bits, .. } => {
                let (rn, rm) = (self.r(allocs, 0)?, self.r(allocs, 1)?);
                self.div_check(*op, *bits, rn, rm)
            }
            MInst::Trap { code } => self.inst(Inst::Udf { imm: *code }),
            MInst::TrapIf {
                nonzero,
                bits,
                code,
                ..
            } => {
                let rn = self.r(allocs, 0)?;
                self.test_nonzero(rn, *bits)?;
                // Branch over the UDF when the trap condition does not hold.
                self.trap_unless(if *nonzero { Cond::Eq } else { Cond::Ne }, *code)
            }
            MInst::Args { .. } => Ok(()),
            MInst::Ret { .. } => self.epilogue(),
            MInst::Jump { target } => {
                if next == Some(self.forward[target.index()]) {
                    return Ok(());
                }
                let l = self.labels[target.index()];
                self.buf
                    .branch(Cond::Al, false, l)
                    .map_err(|e| self.asm_err(e))
            }
            MInst::Float(f) => self.float(f, allocs),
            MInst::BrFcmp {
                cc,
                taken,
                not_taken,
                ..
            } => {
                let (dn, dm) = (
                    float_emit::dreg_of(allocs[0]),
                    float_emit::dreg_of(allocs[1]),
                );
                let (Some(dn), Some(dm)) = (dn, dm) else {
                    return Err(CodegenError::Regalloc {
                        func: self.func.to_string(),
                        why: "fcmp operand not in a D register".into(),
                    });
                };
                self.vcmp(dn, dm)?;
                let (c1, c2) = super::float::fcc_conds(*cc);
                let lt = self.labels[taken.index()];
                for c in std::iter::once(c1).chain(c2) {
                    self.buf.branch(c, false, lt).map_err(|e| self.asm_err(e))?;
                }
                if next != Some(self.forward[not_taken.index()]) {
                    let lf = self.labels[not_taken.index()];
                    self.buf
                        .branch(Cond::Al, false, lf)
                        .map_err(|e| self.asm_err(e))?;
                }
                Ok(())
            }
            MInst::BrNonZero {
                bits,
                taken,
                not_taken,
                ..
            } => {
                let rn = self.r(allocs, 0)?;
                self.test_nonzero(rn, *bits)?;
                if next == Some(self.forward[taken.index()]) {
                    let lf = self.labels[not_taken.index()];
                    return self
                        .buf
                        .branch(Cond::Eq, false, lf)
                        .map_err(|e| self.asm_err(e));
                }
                let lt = self.labels[taken.index()];
                self.buf
                    .branch(Cond::Ne, false, lt)
                    .map_err(|e| self.asm_err(e))?;
                if next != Some(self.forward[not_taken.index()]) {
                    let lf = self.labels[not_taken.index()];
                    self.buf
                        .branch(Cond::Al, false, lf)
                        .map_err(|e| self.asm_err(e))?;
                }
                Ok(())
            }
        }
    }
}

/// Emits `vcode` with the allocation `ra`.
pub fn emit(vcode: &VCode, ra: &Output, func: &str) -> Result<asm::Code, CodegenError> {
    emit_isa(vcode, ra, func, super::isa::Isa::A32)
}

/// [`emit`] for instruction set `isa`.
pub fn emit_isa(
    vcode: &VCode,
    ra: &Output,
    func: &str,
    isa: super::isa::Isa,
) -> Result<asm::Code, CodegenError> {
    // Which callee-saved registers does the allocation touch?
    let mut used: u16 = 0;
    let mut note = |a: Allocation| {
        if let Some(r) = reg_of(a) {
            used |= 1 << r.num();
        }
    };
    ra.allocs.iter().copied().for_each(&mut note);
    for (_, Edit::Move { from, to }) in &ra.edits {
        note(*from);
        note(*to);
    }
    // Registers the callees may overwrite count as used too: an AAPCS function must still
    // preserve them for its own caller (calls into tail-convention code clobber r4–r11).
    for inst in &vcode.insts {
        if let MInst::Call { clobbers, .. } = inst {
            for p in clobbers.into_iter().filter(|p| p.class() == RegClass::Int) {
                used |= 1 << p.hw_enc();
            }
        }
    }
    // The tail convention has no callee-saved registers; AAPCS preserves r4–r11.
    let saved_mask = if vcode.tail_conv {
        1 << 14
    } else {
        CALLEE_SAVED
            .iter()
            .fold(0u16, |m, &r| m | (used & (1 << r)))
            | (1 << 14)
    };
    let pushed = saved_mask.count_ones() * 4;
    let outgoing = vcode.outgoing_args;
    let spill = ra.num_spillslots as u32 * 4;
    let slots_base = (outgoing + spill).next_multiple_of(8);
    // A function that saves nothing, has no frame and makes no calls keeps its return
    // address in lr and needs neither prologue nor epilogue.
    let frameless = saved_mask == 1 << 14 && spill == 0 && vcode.stack_slots_size == 0;
    let leaf = frameless && !vcode.has_calls && outgoing == 0;
    // Tail functions save lr around each call instead (`wrap_calls`).
    let wrap_calls = frameless && vcode.tail_conv && vcode.has_calls;
    let leaf = leaf || wrap_calls;
    let frame = (pushed + slots_base + vcode.stack_slots_size).next_multiple_of(8) - pushed;

    let mut e = Emitter {
        buf: super::isa::Buf::new(isa),
        func,
        labels: Vec::new(),
        saved: RegList(saved_mask),
        frame,
        slots_base,
        slot_offsets: vcode.stack_slot_offsets.clone(),
        leaf,
        wrap_calls,
        call_open: false,
        outgoing,
        forward: forwarding(vcode, ra),
        preserve: super::preserve::preserve_masks(vcode, ra),
        at: 0,
    };
    let own: Vec<Label> = (0..vcode.blocks.len()).map(|_| e.buf.new_label()).collect();
    e.labels = e.forward.iter().map(|b| own[b.index()]).collect();
    let emitted: Vec<usize> = (0..vcode.blocks.len())
        .filter(|&b| e.forward[b].index() == b)
        .collect();
    e.prologue()?;
    let mut edits = ra.edits.iter().peekable();
    for (k, &bi) in emitted.iter().enumerate() {
        let range = vcode.ranges[bi];
        e.buf.bind(own[bi]).map_err(|err| e.asm_err(err))?;
        let next = emitted.get(k + 1).map(|&b| Block::new(b));
        for ii in range.iter() {
            while let Some((pt, edit)) =
                edits.next_if(|(pt, _)| pt.inst() == ii && pt.pos() == InstPosition::Before)
            {
                let _ = pt;
                e.edit(edit)?;
            }
            e.at = ii.index();
            e.minst(&vcode.insts[ii.index()], ra.inst_allocs(ii), next)?;
            while let Some((_, edit)) =
                edits.next_if(|(pt, _)| pt.inst() == ii && pt.pos() == InstPosition::After)
            {
                e.edit(edit)?;
            }
        }
    }
    e.buf.finish().map_err(|err| CodegenError::Asm {
        func: func.to_string(),
        err,
    })
}

/// Per block, the block a branch to it should target: a non-entry block consisting of one
/// `Jump` and no regalloc edits is replaced by its target (chains followed, cycles left).
fn forwarding(vcode: &VCode, ra: &Output) -> Vec<Block> {
    let n = vcode.blocks.len();
    // The block of each instruction, so each edit finds its block at once (a search over
    // the blocks per edit made this quadratic).
    let mut block_of = vec![0u32; vcode.insts.len()];
    for (b, r) in vcode.ranges.iter().enumerate() {
        for i in r.iter() {
            block_of[i.index()] = b as u32;
        }
    }
    let mut has_edits = vec![false; n];
    for (pt, _) in &ra.edits {
        if let Some(&b) = block_of.get(pt.inst().index()) {
            has_edits[b as usize] = true;
        }
    }
    let direct = |b: usize| -> Option<usize> {
        let r = vcode.ranges[b];
        if b == 0 || has_edits[b] || r.len() != 1 {
            return None;
        }
        match vcode.insts[r.first().index()] {
            MInst::Jump { target } => Some(target.index()),
            _ => None,
        }
    };
    (0..n)
        .map(|b| {
            let mut cur = b;
            for _ in 0..n {
                match direct(cur) {
                    Some(t) if t != cur => cur = t,
                    _ => break,
                }
            }
            // A cycle of empty jumps (an infinite loop) keeps its own block.
            if direct(cur).is_some() {
                return Block::new(b);
            }
            Block::new(cur)
        })
        .collect()
}

/// The A32 shift of a (constant) shift operation; rotates are right rotations.
fn shift_kind(op: ShiftOp) -> Shift {
    match op {
        ShiftOp::Ishl => Shift::Lsl,
        ShiftOp::Ushr => Shift::Lsr,
        ShiftOp::Sshr => Shift::Asr,
        ShiftOp::Rotl | ShiftOp::Rotr => Shift::Ror,
    }
}

/// `[base, idx, lsl #shift]` (or `[base, idx]`).
fn scaled_addr(base: Reg, idx: Reg, shift: u8) -> Addr {
    let offset = if shift == 0 {
        asm::MemOffset::Reg {
            neg: false,
            rm: idx,
        }
    } else {
        asm::MemOffset::ScaledReg {
            neg: false,
            rm: idx,
            shift: Shift::Lsl,
            amount: shift,
        }
    };
    Addr {
        base,
        offset,
        index: asm::Index::Offset,
    }
}

/// The A32 condition after `cmp rn, rm` for a CLIF integer condition.
pub(crate) fn cond_of(cc: IntCC) -> Cond {
    match cc {
        IntCC::Equal => Cond::Eq,
        IntCC::NotEqual => Cond::Ne,
        IntCC::SignedLessThan => Cond::Lt,
        IntCC::SignedGreaterThanOrEqual => Cond::Ge,
        IntCC::SignedGreaterThan => Cond::Gt,
        IntCC::SignedLessThanOrEqual => Cond::Le,
        IntCC::UnsignedLessThan => Cond::Lo,
        IntCC::UnsignedGreaterThanOrEqual => Cond::Hs,
        IntCC::UnsignedGreaterThan => Cond::Hi,
        IntCC::UnsignedLessThanOrEqual => Cond::Ls,
    }
}
