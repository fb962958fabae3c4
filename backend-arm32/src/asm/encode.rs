//! The A32 encoder: [`encode`] turns one [`Inst`] into its 32-bit word, checking every field
//! range and returning [`AsmError`] instead of truncating. Section numbers refer to the
//! ARM Architecture Reference Manual ARMv7-A/R, DDI 0406C.

use super::inst::{BlockMode, Inst, LongMulOp, MemOp, VArithOp, VUnaryOp, VcvtOp};
use super::{Addr, AsmError, Cond, DReg, Index, MemOffset, Operand2, Reg, SReg, Shift};

fn c(cond: Cond) -> u32 {
    cond.bits() << 28
}

fn r(reg: Reg, lsb: u32) -> u32 {
    reg.num() << lsb
}

/// Shift-by-immediate field (imm5:type), A8.4.1: LSR/ASR #32 encode as 0; LSL #0..31;
/// ROR #1..31 (ROR #0 is RRX, asked for explicitly).
fn shift_imm(shift: Shift, amount: u8) -> Result<u32, AsmError> {
    let a = u32::from(amount);
    let imm5 = match shift {
        Shift::Lsl if a <= 31 => a,
        Shift::Lsr | Shift::Asr if (1..=32).contains(&a) => a & 31,
        Shift::Ror if (1..=31).contains(&a) => a,
        _ => {
            return Err(AsmError::OutOfRange {
                what: "shift amount",
                value: i64::from(a),
            })
        }
    };
    Ok((imm5 << 7) | ((shift as u32) << 5))
}

/// Shifter operand bits 25 and 11:0 (A5.2.1, A5.1.1).
fn op2_bits(op2: Operand2) -> Result<u32, AsmError> {
    Ok(match op2 {
        Operand2::Imm(i) => (1 << 25) | i.bits(),
        Operand2::Reg(rm) => rm.num(),
        Operand2::RegShiftImm { rm, shift, amount } => shift_imm(shift, amount)? | rm.num(),
        Operand2::Rrx(rm) => ((Shift::Ror as u32) << 5) | rm.num(),
        Operand2::RegShiftReg { rm, shift, rs } => {
            if rm == Reg::PC || rs == Reg::PC {
                return Err(AsmError::Unpredictable("pc in a register-shifted register"));
            }
            (rs.num() << 8) | ((shift as u32) << 5) | (1 << 4) | rm.num()
        }
    })
}

fn no_pc(regs: &[Reg], what: &'static str) -> Result<(), AsmError> {
    if regs.contains(&Reg::PC) {
        Err(AsmError::Unpredictable(what))
    } else {
        Ok(())
    }
}

/// D register fields: Vd in bits 15:12 with D in bit 22, etc. (A7.3).
fn vd(d: DReg) -> u32 {
    ((d.num() & 15) << 12) | ((d.num() >> 4) << 22)
}
fn vn(d: DReg) -> u32 {
    ((d.num() & 15) << 16) | ((d.num() >> 4) << 7)
}
fn vm(d: DReg) -> u32 {
    (d.num() & 15) | ((d.num() >> 4) << 5)
}
/// S register fields: Vd = s>>1 with D = s&1 (A7.3).
fn sd(s: SReg) -> u32 {
    ((s.num() >> 1) << 12) | ((s.num() & 1) << 22)
}
fn sn(s: SReg) -> u32 {
    ((s.num() >> 1) << 16) | ((s.num() & 1) << 7)
}
fn sm(s: SReg) -> u32 {
    (s.num() >> 1) | ((s.num() & 1) << 5)
}

/// P/W bits for an indexing mode (A5.3).
fn pw(index: Index) -> u32 {
    match index {
        Index::Offset => 1 << 24,
        Index::PreWriteback => (1 << 24) | (1 << 21),
        Index::Post => 0,
    }
}

/// Branch offset field: a multiple of 4 within ±32 MiB (A8.8.18).
fn branch_imm24(offset: i32) -> Result<u32, AsmError> {
    if offset & 3 != 0 || !(-(1 << 25)..(1 << 25)).contains(&offset) {
        return Err(AsmError::OutOfRange {
            what: "branch offset",
            value: i64::from(offset),
        });
    }
    Ok(((offset >> 2) as u32) & 0x00ff_ffff)
}

fn mem(cond: Cond, op: MemOp, rt: Reg, a: Addr) -> Result<u32, AsmError> {
    let writes_back = a.index != Index::Offset;
    if writes_back && (a.base == Reg::PC || (op.is_load() && a.base == rt)) {
        return Err(AsmError::Unpredictable(
            "writeback to pc or to the loaded register",
        ));
    }
    let l = u32::from(op.is_load()) << 20;
    if op.is_word_byte() {
        // A5.3: cond 01 I P U B W L Rn Rt offset12.
        let b = u32::from(matches!(op, MemOp::Ldrb | MemOp::Strb)) << 22;
        let (u, off) = match a.offset {
            MemOffset::Imm { neg, imm } => {
                if imm > 4095 {
                    return Err(AsmError::OutOfRange {
                        what: "load/store offset",
                        value: i64::from(imm),
                    });
                }
                (!neg, u32::from(imm))
            }
            MemOffset::Reg { neg, rm } => {
                no_pc(&[rm], "pc as an offset register")?;
                (!neg, (1 << 25) | rm.num())
            }
            MemOffset::ScaledReg {
                neg,
                rm,
                shift,
                amount,
            } => {
                no_pc(&[rm], "pc as an offset register")?;
                (!neg, (1 << 25) | shift_imm(shift, amount)? | rm.num())
            }
        };
        return Ok(c(cond)
            | (1 << 26)
            | pw(a.index)
            | (u32::from(u) << 23)
            | b
            | l
            | r(a.base, 16)
            | r(rt, 12)
            | off);
    }
    // A5.2.8 extra load/store: cond 000 P U I W L Rn Rt imm4H 1 op2 1 imm4L/Rm.
    let op2 = match op {
        MemOp::Ldrh | MemOp::Strh => 0b01,
        MemOp::Ldrsb | MemOp::Ldrd => 0b10,
        _ => 0b11, // Ldrsh, Strd
    };
    let l = if matches!(op, MemOp::Ldrd | MemOp::Strd) {
        if rt.num() & 1 != 0 || rt == Reg::LR {
            return Err(AsmError::Unpredictable(
                "ldrd/strd needs an even rt below r14",
            ));
        }
        0
    } else {
        l
    };
    let (u, off) = match a.offset {
        MemOffset::Imm { neg, imm } => {
            if imm > 255 {
                return Err(AsmError::OutOfRange {
                    what: "halfword/doubleword offset",
                    value: i64::from(imm),
                });
            }
            let imm = u32::from(imm);
            (!neg, (1 << 22) | ((imm >> 4) << 8) | (imm & 15))
        }
        MemOffset::Reg { neg, rm } => {
            no_pc(&[rm], "pc as an offset register")?;
            (!neg, rm.num())
        }
        MemOffset::ScaledReg { .. } => {
            return Err(AsmError::Unsupported(
                "scaled register offset on a halfword/doubleword access",
            ))
        }
    };
    Ok(c(cond)
        | pw(a.index)
        | (u32::from(u) << 23)
        | l
        | r(a.base, 16)
        | r(rt, 12)
        | (1 << 7)
        | (op2 << 5)
        | (1 << 4)
        | off)
}

fn vldst(cond: Cond, load: bool, dd: DReg, rn: Reg, offset: i32) -> Result<u32, AsmError> {
    // A8.8.333/A8.8.413: cond 1101 U D 0 L Rn Vd 1011 imm8 (offset = imm8*4).
    if offset & 3 != 0 || !(-1020..=1020).contains(&offset) {
        return Err(AsmError::OutOfRange {
            what: "vldr/vstr offset",
            value: i64::from(offset),
        });
    }
    let u = u32::from(offset >= 0) << 23;
    Ok(c(cond)
        | 0x0d00_0b00
        | u
        | (u32::from(load) << 20)
        | r(rn, 16)
        | vd(dd)
        | (offset.unsigned_abs() >> 2))
}

/// Encodes one instruction (ARM ARM A5, A7).
pub fn encode(inst: &Inst) -> Result<u32, AsmError> {
    Ok(match *inst {
        Inst::Dp {
            cond,
            op,
            s,
            rd,
            rn,
            op2,
        } => {
            // A5.2.1: cond 00 I opcode S Rn Rd shifter.
            let s = s || op.is_compare();
            let rd = if op.is_compare() { 0 } else { r(rd, 12) };
            let rn = if op.is_move() { 0 } else { r(rn, 16) };
            if let Operand2::RegShiftReg { .. } = op2 {
                if rd == 15 << 12 || rn == 15 << 16 {
                    return Err(AsmError::Unpredictable("pc in a register-shifted register"));
                }
            }
            c(cond) | ((op as u32) << 21) | (u32::from(s) << 20) | rn | rd | op2_bits(op2)?
        }
        Inst::Movw { cond, rd, imm } | Inst::Movt { cond, rd, imm } => {
            // A8.8.102 / A8.8.106: cond 0011 0H00 imm4 Rd imm12.
            no_pc(&[rd], "movw/movt to pc")?;
            let top = u32::from(matches!(inst, Inst::Movt { .. })) << 22;
            let imm = u32::from(imm);
            c(cond) | 0x0300_0000 | top | ((imm >> 12) << 16) | r(rd, 12) | (imm & 0xfff)
        }
        Inst::Mul {
            cond,
            s,
            rd,
            rn,
            rm,
        } => {
            // A8.8.114: cond 0000 000S Rd 0000 Rm 1001 Rn.
            no_pc(&[rd, rn, rm], "pc in a multiply")?;
            c(cond) | (u32::from(s) << 20) | r(rd, 16) | r(rm, 8) | 0x90 | rn.num()
        }
        Inst::Mla {
            cond,
            s,
            rd,
            rn,
            rm,
            ra,
        } => {
            // A8.8.100: cond 0000 001S Rd Ra Rm 1001 Rn.
            no_pc(&[rd, rn, rm, ra], "pc in a multiply")?;
            c(cond)
                | (1 << 21)
                | (u32::from(s) << 20)
                | r(rd, 16)
                | r(ra, 12)
                | r(rm, 8)
                | 0x90
                | rn.num()
        }
        Inst::Mls {
            cond,
            rd,
            rn,
            rm,
            ra,
        } => {
            // A8.8.101: cond 0000 0110 Rd Ra Rm 1001 Rn.
            no_pc(&[rd, rn, rm, ra], "pc in a multiply")?;
            c(cond) | 0x0060_0090 | r(rd, 16) | r(ra, 12) | r(rm, 8) | rn.num()
        }
        Inst::LongMul {
            cond,
            op,
            s,
            rdlo,
            rdhi,
            rn,
            rm,
        } => {
            // A5.2.5: cond 0000 1UAS RdHi RdLo Rm 1001 Rn.
            no_pc(&[rdlo, rdhi, rn, rm], "pc in a multiply")?;
            if rdlo == rdhi {
                return Err(AsmError::Unpredictable("rdlo == rdhi"));
            }
            let _: LongMulOp = op;
            c(cond)
                | ((op as u32) << 21)
                | (u32::from(s) << 20)
                | r(rdhi, 16)
                | r(rdlo, 12)
                | r(rm, 8)
                | 0x90
                | rn.num()
        }
        Inst::Div {
            cond,
            signed,
            rd,
            rn,
            rm,
        } => {
            // A8.8.165 / A8.8.248: cond 0111 0s01 Rd 1111 Rm 0001 Rn (s: 0 signed, 1 unsigned).
            no_pc(&[rd, rn, rm], "pc in a divide")?;
            c(cond) | 0x0710_f010 | (u32::from(!signed) << 21) | r(rd, 16) | r(rm, 8) | rn.num()
        }
        Inst::Clz { cond, rd, rm } => {
            // A8.8.33: cond 0001 0110 1111 Rd 1111 0001 Rm.
            no_pc(&[rd, rm], "pc in clz")?;
            c(cond) | 0x016f_0f10 | r(rd, 12) | rm.num()
        }
        Inst::Mem { cond, op, rt, addr } => mem(cond, op, rt, addr)?,
        Inst::Block {
            cond,
            load,
            mode,
            rn,
            writeback,
            regs,
        } => {
            // A5.5: cond 100 P U 0 W L Rn register_list.
            if regs.0 == 0 || rn == Reg::PC {
                return Err(AsmError::Unpredictable("empty register list or pc base"));
            }
            let (p, u) = match mode {
                BlockMode::Ia => (0, 1),
                BlockMode::Ib => (1, 1),
                BlockMode::Da => (0, 0),
                BlockMode::Db => (1, 0),
            };
            c(cond)
                | (1 << 27)
                | (p << 24)
                | (u << 23)
                | (u32::from(writeback) << 21)
                | (u32::from(load) << 20)
                | r(rn, 16)
                | u32::from(regs.0)
        }
        Inst::B { cond, link, offset } => {
            // A8.8.18 / A8.8.25: cond 101L imm24.
            c(cond) | 0x0a00_0000 | (u32::from(link) << 24) | branch_imm24(offset)?
        }
        Inst::BlxImm { offset } => {
            // A8.8.25 encoding A2: 1111 101H imm24 (H = bit 1 of the offset).
            if offset & 1 != 0 {
                return Err(AsmError::OutOfRange {
                    what: "blx offset",
                    value: i64::from(offset),
                });
            }
            let h = ((offset >> 1) & 1) as u32;
            0xfa00_0000 | (h << 24) | branch_imm24(offset & !3)?
        }
        Inst::Bx { cond, rm } => c(cond) | 0x012f_ff10 | rm.num(), // A8.8.27
        Inst::BlxReg { cond, rm } => {
            // A8.8.26
            no_pc(&[rm], "blx pc")?;
            c(cond) | 0x012f_ff30 | rm.num()
        }
        Inst::Vldr {
            cond,
            dd,
            rn,
            offset,
        } => vldst(cond, true, dd, rn, offset)?,
        Inst::Vstr {
            cond,
            dd,
            rn,
            offset,
        } => vldst(cond, false, dd, rn, offset)?,
        Inst::VmovToS { cond, sn: s, rt } | Inst::VmovFromS { cond, rt, sn: s } => {
            // A8.8.343: cond 1110 000 op Vn Rt 1010 N 001 0000.
            no_pc(&[rt], "pc in vmov")?;
            let op = u32::from(matches!(inst, Inst::VmovFromS { .. })) << 20;
            c(cond) | 0x0e00_0a10 | op | sn(s) | r(rt, 12)
        }
        Inst::VmovToD { cond, dm, rt, rt2 } | Inst::VmovFromD { cond, rt, rt2, dm } => {
            // A8.8.345: cond 1100 010 op Rt2 Rt 1011 00M1 Vm.
            no_pc(&[rt, rt2], "pc in vmov")?;
            let from = matches!(inst, Inst::VmovFromD { .. });
            if from && rt == rt2 {
                return Err(AsmError::Unpredictable("vmov rt, rt, dm"));
            }
            c(cond) | 0x0c40_0b10 | (u32::from(from) << 20) | r(rt2, 16) | r(rt, 12) | vm(dm)
        }
        Inst::VArith {
            cond,
            op,
            dd,
            dn,
            dm,
        } => {
            // A7.5 table A7-16, sz = 1: cond 1110 0D11 Vn Vd 1011 N0M0 Vm (vadd) etc.
            let base = match op {
                VArithOp::Vadd => 0x0e30_0b00,
                VArithOp::Vsub => 0x0e30_0b40,
                VArithOp::Vmul => 0x0e20_0b00,
                VArithOp::Vdiv => 0x0e80_0b00,
            };
            c(cond) | base | vd(dd) | vn(dn) | vm(dm)
        }
        Inst::VUnary { cond, op, dd, dm } => {
            // A7.5 table A7-17: cond 1110 1D11 opc2 Vd 1011 opc3 M 0 Vm.
            let base = match op {
                VUnaryOp::Vmov => 0x0eb0_0b40,
                VUnaryOp::Vabs => 0x0eb0_0bc0,
                VUnaryOp::Vneg => 0x0eb1_0b40,
                VUnaryOp::Vsqrt => 0x0eb1_0bc0,
            };
            c(cond) | base | vd(dd) | vm(dm)
        }
        Inst::Vcmp { cond, e, dd, dm } => {
            // A8.8.322: cond 1110 1D11 0100 Vd 1011 E1M0 Vm; with zero: 0101 ... E100 0000.
            let e = u32::from(e) << 7;
            match dm {
                Some(dm) => c(cond) | 0x0eb4_0b40 | e | vd(dd) | vm(dm),
                None => c(cond) | 0x0eb5_0b40 | e | vd(dd),
            }
        }
        Inst::VmrsNzcv { cond } => c(cond) | 0x0ef1_fa10, // A8.8.348 with Rt = 1111
        Inst::Vcvt { cond, op, d, s } => {
            // A8.8.306: cond 1110 1D11 1 opc2 Vd 101 sz op 1 M 0 Vm.
            match op {
                VcvtOp::F64FromS32 => c(cond) | 0x0eb8_0bc0 | vd(d) | sm(s),
                VcvtOp::F64FromU32 => c(cond) | 0x0eb8_0b40 | vd(d) | sm(s),
                VcvtOp::S32FromF64 => c(cond) | 0x0ebd_0bc0 | sd(s) | vm(d),
                VcvtOp::U32FromF64 => c(cond) | 0x0ebc_0bc0 | sd(s) | vm(d),
            }
        }
        Inst::Bkpt { imm } => {
            // A8.8.24: 1110 0001 0010 imm12 0111 imm4.
            let imm = u32::from(imm);
            0xe120_0070 | ((imm >> 4) << 8) | (imm & 15)
        }
        Inst::Udf { imm } => {
            // A8.8.247: 1110 0111 1111 imm12 1111 imm4.
            let imm = u32::from(imm);
            0xe7f0_00f0 | ((imm >> 4) << 8) | (imm & 15)
        }
    })
}
