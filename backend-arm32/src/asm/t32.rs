//! The T32 (Thumb-2) encoder: the same typed [`Inst`] as the A32 encoder, encoded as one
//! 16-bit (narrow) or 32-bit (wide) Thumb instruction. Section numbers refer to the
//! ARM Architecture Reference Manual ARMv7-A/R, DDI 0406C, chapter A6 (Thumb instruction
//! set encoding).
//!
//! Differences from A32 that callers must know:
//! - Only branches carry a condition in T32. Any other instruction with a condition other
//!   than `Al` must sit in an IT block ([`encode_it`]); [`encode_t32`] takes `in_it` and
//!   refuses a conditional instruction outside one. [`assemble_t32`] inserts the IT
//!   instructions itself.
//! - Narrow data-processing forms set the flags outside an IT block and do not inside one,
//!   so the narrow form is chosen only when that matches the instruction's `s`.
//! - Branch offsets are relative to the instruction's address + 4 (the T32 PC), not + 8.
//!   `BlxImm` (to A32 code) is relative to `Align(address + 4, 4)`.
//! - No RSC, no register-shifted-register operands except for MOV (LSL/LSR/ASR/ROR by
//!   register), no flag-setting long multiplies or wide MULS, LDM/STM only IA and DB.
//! - Immediates are Thumb modified constants ([`thumb_expand_imm`]) with ADDW/SUBW (12 bit)
//!   and MOVW as fallbacks.
//!
//! The choice between the forms follows GNU as (narrow where one fits), and is checked
//! byte for byte against it in `tests/asm_t32.rs`.

use super::inst::Inst;
use super::{encode, AsmError, Cond, DpOp, Operand2, Reg, Shift};

/// One encoded T32 instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum T32 {
    /// A 16-bit instruction.
    Narrow(u16),
    /// A 32-bit instruction: first halfword in bits 31..16 (it comes first in memory).
    Wide(u32),
}

impl T32 {
    /// Size in bytes (2 or 4).
    pub fn len(self) -> usize {
        match self {
            T32::Narrow(_) => 2,
            T32::Wide(_) => 4,
        }
    }

    /// Always false (an instruction has at least two bytes); for clippy's `len` rule.
    pub fn is_empty(self) -> bool {
        false
    }

    /// Appends the little-endian bytes, first halfword first.
    pub fn push_to(self, out: &mut Vec<u8>) {
        match self {
            T32::Narrow(h) => out.extend_from_slice(&h.to_le_bytes()),
            T32::Wide(w) => {
                out.extend_from_slice(&((w >> 16) as u16).to_le_bytes());
                out.extend_from_slice(&(w as u16).to_le_bytes());
            }
        }
    }
}

fn unsup<T>(what: &'static str) -> Result<T, AsmError> {
    Err(AsmError::Unsupported(what))
}

fn unpred<T>(what: &'static str) -> Result<T, AsmError> {
    Err(AsmError::Unpredictable(what))
}

fn range<T>(what: &'static str, value: i64) -> Result<T, AsmError> {
    Err(AsmError::OutOfRange { what, value })
}

/// True for r0–r7.
fn lo(r: Reg) -> bool {
    r.num() < 8
}

/// The 12-bit `i:imm3:imm8` field of a Thumb modified immediate constant for `v`
/// (A6.3.2, ThumbExpandImm), or `None`.
pub fn thumb_expand_imm(v: u32) -> Option<u32> {
    let b = v & 0xff;
    if v < 256 {
        return Some(v);
    }
    if v == b * 0x0001_0001 {
        return Some(0x100 | b);
    }
    let b1 = (v >> 8) & 0xff;
    if v == b1 * 0x0100_0100 {
        return Some(0x200 | b1);
    }
    if v == b * 0x0101_0101 {
        return Some(0x300 | b);
    }
    (8..32u32).find_map(|rot| {
        let x = v.rotate_left(rot);
        (0x80..=0xff)
            .contains(&x)
            .then_some((rot << 7) | (x & 0x7f))
    })
}

/// Spreads a 12-bit `i:imm3:imm8` field into its places in a wide instruction.
fn imm12_bits(imm12: u32) -> u32 {
    ((imm12 >> 11) << 26) | (((imm12 >> 8) & 7) << 12) | (imm12 & 0xff)
}

/// An `IT{x{y{z}}} firstcond` instruction: `then[k]` says whether instruction k + 2 of the
/// block runs on `firstcond` (true) or on its inverse. At most three more instructions.
pub fn encode_it(firstcond: Cond, then: &[bool]) -> Result<u16, AsmError> {
    if firstcond == Cond::Al && then.iter().any(|t| !t) {
        return unpred("IT AL with an else slot");
    }
    if then.len() > 3 {
        return range("IT block length", then.len() as i64 + 1);
    }
    let c0 = firstcond.bits() & 1;
    let mut mask = 0u32;
    for (k, &t) in then.iter().enumerate() {
        let bit = if t { c0 } else { c0 ^ 1 };
        mask |= bit << (3 - k);
    }
    mask |= 1 << (3 - then.len());
    Ok((0xbf00 | (firstcond.bits() << 4) | mask) as u16)
}

impl DpOp {
    /// AND/EOR/ADC/ORR: operands may be swapped.
    fn commutes(self) -> bool {
        matches!(self, DpOp::And | DpOp::Eor | DpOp::Adc | DpOp::Orr)
    }
}

/// Opcode field of the wide data-processing forms (A6.3.1, A6.3.11).
fn wide_op(op: DpOp) -> Option<u32> {
    Some(match op {
        DpOp::And | DpOp::Tst => 0,
        DpOp::Bic => 1,
        DpOp::Orr | DpOp::Mov => 2,
        DpOp::Mvn => 3,
        DpOp::Eor | DpOp::Teq => 4,
        DpOp::Add | DpOp::Cmn => 8,
        DpOp::Adc => 10,
        DpOp::Sbc => 11,
        DpOp::Sub | DpOp::Cmp => 13,
        DpOp::Rsb => 14,
        DpOp::Rsc => return None,
    })
}

/// Shift field `imm3:imm2:type` of a wide register operand (A6.3.11, DecodeImmShift).
fn wide_shift(shift: Shift, amount: u8) -> Result<u32, AsmError> {
    let a = u32::from(amount);
    let imm = match shift {
        Shift::Lsl if a <= 31 => a,
        Shift::Lsr | Shift::Asr if (1..=32).contains(&a) => a & 31,
        Shift::Ror if (1..=31).contains(&a) => a,
        _ => return range("shift amount", i64::from(a)),
    };
    Ok(((imm >> 2) << 12) | ((imm & 3) << 6) | ((shift as u32) << 4))
}

/// Registers that the wide data-processing forms forbid (SP and PC), A6.3.
fn no_sp_pc(regs: &[Reg], what: &'static str) -> Result<(), AsmError> {
    if regs.iter().any(|r| r.num() >= 13) {
        unpred(what)
    } else {
        Ok(())
    }
}

/// The narrow 16-bit form of a data-processing instruction, when one exists for these
/// operands and flag behaviour (A6.2.1, A6.2.2, A6.2.3).
fn dp_narrow(op: DpOp, s: bool, rd: Reg, rn: Reg, op2: Operand2, in_it: bool) -> Option<u16> {
    // Narrow low-register forms set flags exactly when outside an IT block.
    let flags_ok = s != in_it;
    let (d, n) = (rd.num(), rn.num());
    let h = |x: u32| Some(x as u16);
    match (op, op2) {
        // Compares always set flags.
        (DpOp::Cmp, Operand2::Imm(i)) if lo(rn) && i.value() < 256 => {
            h(0x2800 | n << 8 | i.value())
        }
        (DpOp::Cmp, Operand2::Reg(rm)) if lo(rn) && lo(rm) => h(0x4280 | rm.num() << 3 | n),
        (DpOp::Cmp, Operand2::Reg(rm)) if rn != Reg::PC && rm != Reg::PC => {
            h(0x4500 | (n >> 3) << 7 | rm.num() << 3 | (n & 7))
        }
        (DpOp::Cmn, Operand2::Reg(rm)) if lo(rn) && lo(rm) => h(0x42c0 | rm.num() << 3 | n),
        (DpOp::Tst, Operand2::Reg(rm)) if lo(rn) && lo(rm) => h(0x4200 | rm.num() << 3 | n),
        // MOV/ADD of high registers never set flags.
        (DpOp::Mov, Operand2::Reg(rm)) if !(s || rd == Reg::PC && in_it) => {
            h(0x4600 | (d >> 3) << 7 | rm.num() << 3 | (d & 7))
        }
        (DpOp::Mov, Operand2::Reg(rm)) if s && !in_it && lo(rd) && lo(rm) => h(rm.num() << 3 | d),
        (DpOp::Mov, Operand2::Imm(i)) if flags_ok && lo(rd) && i.value() < 256 => {
            h(0x2000 | d << 8 | i.value())
        }
        (DpOp::Mov, Operand2::RegShiftImm { rm, shift, amount })
            if flags_ok && lo(rd) && lo(rm) && shift != Shift::Ror && amount > 0 =>
        {
            h((shift as u32) << 11 | (u32::from(amount) & 31) << 6 | rm.num() << 3 | d)
        }
        (DpOp::Mov, Operand2::RegShiftReg { rm, shift, rs })
            if flags_ok && rd == rm && lo(rd) && lo(rs) =>
        {
            let opc = [0x2, 0x3, 0x4, 0x7][shift as usize];
            h(0x4000 | opc << 6 | rs.num() << 3 | d)
        }
        (DpOp::Mvn, Operand2::Reg(rm)) if flags_ok && lo(rd) && lo(rm) => {
            h(0x43c0 | rm.num() << 3 | d)
        }
        (DpOp::Add | DpOp::Sub, Operand2::Reg(rm)) if flags_ok && lo(rd) && lo(rn) && lo(rm) => {
            let sub = u32::from(op == DpOp::Sub);
            h(0x1800 | sub << 9 | rm.num() << 6 | n << 3 | d)
        }
        // ADD rdn, rm (any registers, no flags); ADD is commutative.
        (DpOp::Add, Operand2::Reg(rm)) if !s && (rd == rn || rd == rm) && rd != Reg::PC => {
            let other = if rd == rn { rm } else { rn };
            if rd == Reg::SP && other == Reg::PC {
                return None;
            }
            h(0x4400 | (d >> 3) << 7 | other.num() << 3 | (d & 7))
        }
        (DpOp::Add | DpOp::Sub, Operand2::Imm(i)) => {
            let v = i.value();
            let sub = u32::from(op == DpOp::Sub);
            if rd == Reg::SP && rn == Reg::SP && !s && v & 3 == 0 && v < 512 {
                h(0xb000 | sub << 7 | v >> 2)
            } else if op == DpOp::Add && lo(rd) && rn == Reg::SP && !s && v & 3 == 0 && v < 1024 {
                h(0xa800 | d << 8 | v >> 2)
            } else if flags_ok && lo(rd) && lo(rn) && v < 8 {
                // GNU as prefers the 8-bit form for rd == rn.
                if rd == rn {
                    h(0x3000 | sub << 11 | d << 8 | v)
                } else {
                    h(0x1c00 | sub << 9 | v << 6 | n << 3 | d)
                }
            } else if flags_ok && lo(rd) && rd == rn && v < 256 {
                h(0x3000 | sub << 11 | d << 8 | v)
            } else {
                None
            }
        }
        (DpOp::Rsb, Operand2::Imm(i)) if flags_ok && lo(rd) && lo(rn) && i.value() == 0 => {
            h(0x4240 | n << 3 | d)
        }
        (
            DpOp::And | DpOp::Eor | DpOp::Adc | DpOp::Sbc | DpOp::Orr | DpOp::Bic,
            Operand2::Reg(rm),
        ) if flags_ok && lo(rd) && lo(rn) && lo(rm) && (rd == rn || rd == rm && op.commutes()) => {
            let rm = if rd == rn { rm } else { rn };
            let opc = match op {
                DpOp::And => 0,
                DpOp::Eor => 1,
                DpOp::Adc => 5,
                DpOp::Sbc => 6,
                DpOp::Orr => 0xc,
                _ => 0xe,
            };
            h(0x4000 | opc << 6 | rm.num() << 3 | d)
        }
        _ => None,
    }
}

fn dp_wide(op: DpOp, s: bool, rd: Reg, rn: Reg, op2: Operand2) -> Result<u32, AsmError> {
    let Some(opc) = wide_op(op) else {
        return unsup("rsc has no T32 encoding");
    };
    let s = s || op.is_compare();
    let rd_f = if op.is_compare() { 15 } else { rd.num() };
    let rn_f = if op.is_move() { 15 } else { rn.num() };
    // SP is allowed as rn (and rd) of ADD/SUB/CMP/CMN/MOV only (A8.8.9 and friends).
    let sp_ok = matches!(
        op,
        DpOp::Add | DpOp::Sub | DpOp::Cmp | DpOp::Cmn | DpOp::Mov
    );
    // SP as a destination: ADD/SUB with rn = SP, or a plain MOV.
    let sp_dest_ok = match op {
        DpOp::Add | DpOp::Sub => rn == Reg::SP,
        DpOp::Mov => matches!(op2, Operand2::Reg(_)),
        _ => false,
    };
    let check = |r: Reg, is_rn: bool| -> Result<(), AsmError> {
        match r.num() {
            15 => unpred("pc in a wide data-processing instruction"),
            13 if !(sp_ok && (is_rn || sp_dest_ok)) => {
                unpred("sp in a wide data-processing instruction")
            }
            _ => Ok(()),
        }
    };
    if !op.is_compare() {
        check(rd, false)?;
    }
    if !op.is_move() {
        check(rn, true)?;
    }
    let base = (opc << 21) | (u32::from(s) << 20) | (rn_f << 16) | (rd_f << 8);
    Ok(match op2 {
        Operand2::Imm(i) => {
            let v = i.value();
            match thumb_expand_imm(v) {
                Some(imm12) => 0xf000_0000 | base | imm12_bits(imm12),
                None if matches!(op, DpOp::Add | DpOp::Sub) && !s && v < 4096 => {
                    // ADDW/SUBW (A8.8.4, A8.8.223).
                    let w = if op == DpOp::Add { 0 } else { 0x00a0_0000 };
                    0xf200_0000 | w | (rn_f << 16) | (rd_f << 8) | imm12_bits(v)
                }
                None if op == DpOp::Mov && !s && v < 65536 => movw_movt(false, rd, v as u16)?,
                None => return range("T32 modified immediate", i64::from(v)),
            }
        }
        Operand2::Reg(rm) => {
            if op == DpOp::Mov && (rd == Reg::SP || rm == Reg::SP) && s {
                return unpred("movs with sp");
            }
            if rm.num() == 15 || rm.num() == 13 && op != DpOp::Mov {
                return unpred("sp/pc as rm");
            }
            0xea00_0000 | base | rm.num()
        }
        Operand2::RegShiftImm { rm, shift, amount } => {
            no_sp_pc(&[rm], "sp/pc as a shifted rm")?;
            if op == DpOp::Mov && rd == Reg::SP {
                return unpred("shifted move to sp");
            }
            0xea00_0000 | base | wide_shift(shift, amount)? | rm.num()
        }
        Operand2::Rrx(rm) => {
            no_sp_pc(&[rm], "sp/pc as rm")?;
            0xea00_0000 | base | (3 << 4) | rm.num()
        }
        Operand2::RegShiftReg { rm, shift, rs } => {
            if op != DpOp::Mov {
                return unsup("register-shifted register operand in T32 (shift separately)");
            }
            no_sp_pc(&[rd, rm, rs], "sp/pc in a shift by register")?;
            0xfa00_f000
                | ((shift as u32) << 21)
                | (u32::from(s) << 20)
                | (rm.num() << 16)
                | (rd.num() << 8)
                | rs.num()
        }
    })
}

fn movw_movt(top: bool, rd: Reg, imm: u16) -> Result<u32, AsmError> {
    no_sp_pc(&[rd], "movw/movt to sp or pc")?;
    let imm = u32::from(imm);
    Ok(0xf240_0000
        | (u32::from(top) << 23)
        | ((imm >> 12) << 16)
        | imm12_bits(imm & 0xfff)
        | (rd.num() << 8))
}

/// Signed branch offset check: even, within `bits` bits (two's complement).
fn boff(offset: i32, bits: u32, what: &'static str) -> Result<u32, AsmError> {
    let lim = 1i64 << (bits - 1);
    if offset & 1 != 0 || !(-lim..lim).contains(&i64::from(offset)) {
        return range(what, i64::from(offset));
    }
    Ok(offset as u32)
}

/// The 32-bit B/BL/BLX form (A8.8.18 T4, A8.8.25 T1/T2): `hw2_bits` holds bits 15..12.
fn branch24(offset: i32, hw2_bits: u32) -> Result<u32, AsmError> {
    let o = boff(offset, 25, "T32 branch offset")?;
    let s = (o >> 24) & 1;
    let i1 = (o >> 23) & 1;
    let i2 = (o >> 22) & 1;
    let j1 = (!(i1 ^ s)) & 1;
    let j2 = (!(i2 ^ s)) & 1;
    Ok(0xf000_0000
        | (s << 26)
        | (((o >> 12) & 0x3ff) << 16)
        | (hw2_bits << 12)
        | (j1 << 13)
        | (j2 << 11)
        | ((o >> 1) & 0x7ff))
}

/// The 32-bit form of `b{cond}` / `bl` whatever the offset (for branches patched later):
/// B<c>.W (±1 MiB) when conditional, else B.W/BL (±16 MiB). Offsets from address + 4.
pub fn branch_wide(cond: Cond, link: bool, offset: i32) -> Result<u32, AsmError> {
    if link || cond == Cond::Al {
        if link && cond != Cond::Al {
            return unsup("conditional bl outside an IT block");
        }
        return branch24(offset, if link { 0b1101 } else { 0b1001 });
    }
    let o = boff(offset, 21, "T32 conditional branch offset")?;
    Ok(0xf000_8000
        | ((o >> 20) & 1) << 26
        | cond.bits() << 22
        | ((o >> 12) & 0x3f) << 16
        | ((o >> 18) & 1) << 13
        | ((o >> 19) & 1) << 11
        | ((o >> 1) & 0x7ff))
}

/// Encodes one instruction as T32. `in_it` says whether it sits inside an IT block (which
/// then supplies its condition); outside one, only branches may be conditional.
pub fn encode_t32(inst: &Inst, in_it: bool) -> Result<T32, AsmError> {
    let cond = inst_cond(inst);
    let is_branch = matches!(inst, Inst::B { link: false, .. });
    if cond != Cond::Al && !in_it && !is_branch {
        return unsup("conditional T32 instruction outside an IT block");
    }
    let n = |h: u32| Ok(T32::Narrow(h as u16));
    let w = |x: u32| Ok(T32::Wide(x));
    match *inst {
        Inst::Dp {
            op, s, rd, rn, op2, ..
        } => {
            if let Some(h) = dp_narrow(op, s || op.is_compare(), rd, rn, op2, in_it) {
                return n(u32::from(h));
            }
            w(dp_wide(op, s, rd, rn, op2)?)
        }
        Inst::Movw { rd, imm, .. } => w(movw_movt(false, rd, imm)?),
        Inst::Movt { rd, imm, .. } => w(movw_movt(true, rd, imm)?),
        Inst::Mul { s, rd, rn, rm, .. } => {
            no_sp_pc(&[rd, rn, rm], "sp/pc in a multiply")?;
            if s != in_it && lo(rd) && lo(rn) && rd == rm {
                return n(0x4340 | rn.num() << 3 | rd.num());
            }
            if s != in_it && lo(rd) && lo(rm) && rd == rn {
                return n(0x4340 | rm.num() << 3 | rd.num());
            }
            if s {
                return unsup("muls has no wide T32 encoding");
            }
            w(0xfb00_f000 | rn.num() << 16 | rd.num() << 8 | rm.num())
        }
        Inst::Mla {
            s, rd, rn, rm, ra, ..
        } => {
            no_sp_pc(&[rd, rn, rm, ra], "sp/pc in a multiply")?;
            if s {
                return unsup("mlas has no T32 encoding");
            }
            w(0xfb00_0000 | rn.num() << 16 | ra.num() << 12 | rd.num() << 8 | rm.num())
        }
        Inst::Mls { rd, rn, rm, ra, .. } => {
            no_sp_pc(&[rd, rn, rm, ra], "sp/pc in a multiply")?;
            w(0xfb00_0010 | rn.num() << 16 | ra.num() << 12 | rd.num() << 8 | rm.num())
        }
        Inst::LongMul {
            op,
            s,
            rdlo,
            rdhi,
            rn,
            rm,
            ..
        } => {
            no_sp_pc(&[rdlo, rdhi, rn, rm], "sp/pc in a multiply")?;
            if rdlo == rdhi {
                return unpred("rdlo == rdhi");
            }
            if s {
                return unsup("flag-setting long multiply in T32");
            }
            use super::LongMulOp::*;
            let opc = match op {
                Smull => 0x8,
                Umull => 0xa,
                Smlal => 0xc,
                Umlal => 0xe,
            };
            w(0xfb80_0000
                | opc << 20
                | rn.num() << 16
                | rdlo.num() << 12
                | rdhi.num() << 8
                | rm.num())
        }
        Inst::Div {
            signed, rd, rn, rm, ..
        } => {
            no_sp_pc(&[rd, rn, rm], "sp/pc in a divide")?;
            w(0xfb90_f0f0 | u32::from(!signed) << 21 | rn.num() << 16 | rd.num() << 8 | rm.num())
        }
        Inst::Clz { rd, rm, .. } => {
            no_sp_pc(&[rd, rm], "sp/pc in clz")?;
            w(0xfab0_f080 | rm.num() << 16 | rd.num() << 8 | rm.num())
        }
        Inst::Mem { op, rt, addr, .. } => super::t32_mem::mem(op, rt, addr),
        Inst::Block {
            load,
            mode,
            rn,
            writeback,
            regs,
            ..
        } => super::t32_mem::block(load, mode, rn, writeback, regs.0),
        Inst::B {
            cond,
            link: false,
            offset,
        } => {
            if cond == Cond::Al || in_it {
                if (-2048..2048).contains(&offset) && offset & 1 == 0 {
                    return n(0xe000 | ((offset as u32 >> 1) & 0x7ff));
                }
                return w(branch24(offset, 0b1001)?);
            }
            if (-256..256).contains(&offset) && offset & 1 == 0 {
                return n(0xd000 | cond.bits() << 8 | ((offset as u32 >> 1) & 0xff));
            }
            w(branch_wide(cond, false, offset)?)
        }
        Inst::B { offset, .. } => w(branch24(offset, 0b1101)?),
        Inst::BlxImm { offset } => {
            if offset & 3 != 0 {
                return range("T32 blx offset", i64::from(offset));
            }
            w(branch24(offset, 0b1100)?)
        }
        Inst::Bx { rm, .. } => n(0x4700 | rm.num() << 3),
        Inst::BlxReg { rm, .. } => {
            if rm == Reg::PC {
                return unpred("blx pc");
            }
            n(0x4780 | rm.num() << 3)
        }
        Inst::Bkpt { imm } => {
            if imm > 255 {
                return range("T32 bkpt immediate", i64::from(imm));
            }
            n(0xbe00 | u32::from(imm))
        }
        Inst::Udf { imm } => {
            if imm < 256 {
                return n(0xde00 | u32::from(imm));
            }
            let imm = u32::from(imm);
            w(0xf7f0_a000 | (imm >> 12) << 16 | (imm & 0xfff))
        }
        // VFP: the A32 encoding with the condition field set to 1110 (A6.3.18).
        Inst::Vldr { .. }
        | Inst::Vstr { .. }
        | Inst::VmovToS { .. }
        | Inst::VmovFromS { .. }
        | Inst::VmovToD { .. }
        | Inst::VmovFromD { .. }
        | Inst::VArith { .. }
        | Inst::VUnary { .. }
        | Inst::Vcmp { .. }
        | Inst::VmrsNzcv { .. }
        | Inst::Vcvt { .. } => {
            let a = encode(&with_cond(inst, Cond::Al))?;
            if let Inst::Vldr { rn: Reg::PC, .. } | Inst::Vstr { rn: Reg::PC, .. } = inst {
                return unsup("pc-relative vldr/vstr");
            }
            w(0xe000_0000 | (a & 0x0fff_ffff))
        }
    }
}

/// Does `inst` write the PC (a branch)? In an IT block it must be the last instruction.
pub fn writes_pc(inst: &Inst) -> bool {
    match *inst {
        Inst::Dp { op, rd, .. } => rd == Reg::PC && !op.is_compare(),
        Inst::Mem { op, rt, .. } => op.is_load() && rt == Reg::PC,
        Inst::Block { load, regs, .. } => load && regs.0 & 0x8000 != 0,
        Inst::B { .. } | Inst::BlxImm { .. } | Inst::Bx { .. } | Inst::BlxReg { .. } => true,
        _ => false,
    }
}

/// The condition an instruction carries (`Al` for the unconditional forms).
pub fn inst_cond(inst: &Inst) -> Cond {
    match *inst {
        Inst::Dp { cond, .. }
        | Inst::Movw { cond, .. }
        | Inst::Movt { cond, .. }
        | Inst::Mul { cond, .. }
        | Inst::Mla { cond, .. }
        | Inst::Mls { cond, .. }
        | Inst::LongMul { cond, .. }
        | Inst::Div { cond, .. }
        | Inst::Clz { cond, .. }
        | Inst::Mem { cond, .. }
        | Inst::Block { cond, .. }
        | Inst::B { cond, .. }
        | Inst::Bx { cond, .. }
        | Inst::BlxReg { cond, .. }
        | Inst::Vldr { cond, .. }
        | Inst::Vstr { cond, .. }
        | Inst::VmovToS { cond, .. }
        | Inst::VmovFromS { cond, .. }
        | Inst::VmovToD { cond, .. }
        | Inst::VmovFromD { cond, .. }
        | Inst::VArith { cond, .. }
        | Inst::VUnary { cond, .. }
        | Inst::Vcmp { cond, .. }
        | Inst::VmrsNzcv { cond }
        | Inst::Vcvt { cond, .. } => cond,
        Inst::BlxImm { .. } | Inst::Bkpt { .. } | Inst::Udf { .. } => Cond::Al,
    }
}

/// The same instruction with its condition replaced.
pub fn with_cond(inst: &Inst, c: Cond) -> Inst {
    let mut i = *inst;
    match &mut i {
        Inst::Dp { cond, .. }
        | Inst::Movw { cond, .. }
        | Inst::Movt { cond, .. }
        | Inst::Mul { cond, .. }
        | Inst::Mla { cond, .. }
        | Inst::Mls { cond, .. }
        | Inst::LongMul { cond, .. }
        | Inst::Div { cond, .. }
        | Inst::Clz { cond, .. }
        | Inst::Mem { cond, .. }
        | Inst::Block { cond, .. }
        | Inst::B { cond, .. }
        | Inst::Bx { cond, .. }
        | Inst::BlxReg { cond, .. }
        | Inst::Vldr { cond, .. }
        | Inst::Vstr { cond, .. }
        | Inst::VmovToS { cond, .. }
        | Inst::VmovFromS { cond, .. }
        | Inst::VmovToD { cond, .. }
        | Inst::VmovFromD { cond, .. }
        | Inst::VArith { cond, .. }
        | Inst::VUnary { cond, .. }
        | Inst::Vcmp { cond, .. }
        | Inst::VmrsNzcv { cond }
        | Inst::Vcvt { cond, .. } => *cond = c,
        Inst::BlxImm { .. } | Inst::Bkpt { .. } | Inst::Udf { .. } => {}
    }
    i
}

/// Assembles a straight-line sequence as T32, inserting IT instructions for conditional
/// non-branch instructions: a run of up to four instructions whose conditions are one
/// condition or its inverse shares one IT. Conditional branches use their own encodings.
/// Branch offsets in `insts` are taken as they are (relative to each instruction's own
/// address + 4 in the output).
pub fn assemble_t32(insts: &[Inst]) -> Result<Vec<u8>, AsmError> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < insts.len() {
        let c = inst_cond(&insts[k]);
        let branch = matches!(insts[k], Inst::B { link: false, .. });
        if c == Cond::Al || branch {
            encode_t32(&insts[k], false)?.push_to(&mut out);
            k += 1;
            continue;
        }
        let mut end = k + 1;
        while end < insts.len() && end - k < 4 && !writes_pc(&insts[end - 1]) {
            let ci = inst_cond(&insts[end]);
            let b = matches!(insts[end], Inst::B { .. });
            if b || ci == Cond::Al || (ci != c && ci != c.invert()) {
                break;
            }
            end += 1;
        }
        let then: Vec<bool> = insts[k + 1..end]
            .iter()
            .map(|i| inst_cond(i) == c)
            .collect();
        T32::Narrow(encode_it(c, &then)?).push_to(&mut out);
        for i in &insts[k..end] {
            encode_t32(i, true)?.push_to(&mut out);
        }
        k = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_immediates() {
        assert_eq!(thumb_expand_imm(0xab), Some(0xab));
        assert_eq!(thumb_expand_imm(0x00ab_00ab), Some(0x1ab));
        assert_eq!(thumb_expand_imm(0xab00_ab00), Some(0x2ab));
        assert_eq!(thumb_expand_imm(0xabab_abab), Some(0x3ab));
        assert_eq!(thumb_expand_imm(0x8000_0000), Some(8 << 7));
        assert_eq!(thumb_expand_imm(0x0000_0101), None);
        // Every encoding found expands back to its value.
        for v in [0x3fc0u32, 0x1fe, 0xff00_0000, 0x0001_fe00, 0x7f80_0000] {
            let imm = thumb_expand_imm(v).expect("encodable");
            let rot = imm >> 7;
            assert_eq!((0x80 | (imm & 0x7f)).rotate_right(rot), v);
        }
    }

    #[test]
    fn it_masks() {
        assert_eq!(encode_it(Cond::Eq, &[]), Ok(0xbf08));
        assert_eq!(encode_it(Cond::Eq, &[false]), Ok(0xbf0c));
        assert_eq!(encode_it(Cond::Ne, &[true, false, true]), Ok(0xbf1b));
        assert!(encode_it(Cond::Al, &[false]).is_err());
    }
}
