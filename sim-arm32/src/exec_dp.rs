//! Data processing, the barrel shifter, multiplies, divides and CLZ
//! (ARM ARM A8.4 shifts, A8.8 instruction pseudocode).

use crate::cpu::{C, N, V, Z};
use crate::decode::{DpOp, LongMul, Op, Operand2, Shift};
use crate::fault::Fault;
use crate::sim::{Flow, Sim};

/// Shift_C with a register amount (only the bottom byte of Rs counts): amount 0 leaves
/// the value and carry alone; LSL/LSR by 32 and above give 0; ASR by 32 and above
/// gives the sign; ROR uses the amount mod 32 (A8.4.3).
#[inline]
pub(crate) fn shift_by_reg(v: u32, shift: Shift, n: u32, c: u32) -> (u32, u32) {
    if n == 0 {
        return (v, c);
    }
    match shift {
        Shift::Lsl => match n {
            1..=31 => (v << n, (v >> (32 - n)) & 1),
            32 => (0, v & 1),
            _ => (0, 0),
        },
        Shift::Lsr => match n {
            1..=31 => (v >> n, (v >> (n - 1)) & 1),
            32 => (0, v >> 31),
            _ => (0, 0),
        },
        Shift::Asr => match n {
            1..=31 => (((v as i32) >> n) as u32, (v >> (n - 1)) & 1),
            _ => (((v as i32) >> 31) as u32, v >> 31),
        },
        Shift::Ror => {
            let m = n & 31;
            if m == 0 {
                (v, v >> 31)
            } else {
                (v.rotate_right(m), (v >> (m - 1)) & 1)
            }
        }
    }
}

/// Shift_C with an immediate as encoded (DecodeImmShift): LSR/ASR #0 mean #32 and
/// ROR #0 is RRX.
#[inline]
pub(crate) fn shift_by_imm(v: u32, shift: Shift, imm: u32, c: u32) -> (u32, u32) {
    match (shift, imm) {
        (Shift::Lsl, _) => shift_by_reg(v, Shift::Lsl, imm, c),
        (Shift::Lsr | Shift::Asr, 0) => shift_by_reg(v, shift, 32, c),
        (Shift::Ror, 0) => ((c << 31) | (v >> 1), v & 1),
        _ => shift_by_reg(v, shift, imm, c),
    }
}

/// AddWithCarry (A2.2.1): result, carry out, overflow.
#[inline]
pub(crate) fn add_with_carry(x: u32, y: u32, c: u32) -> (u32, u32, u32) {
    let wide = x as u64 + y as u64 + c as u64;
    let r = wide as u32;
    let carry = (wide >> 32) as u32;
    let overflow = ((!(x ^ y) & (x ^ r)) >> 31) & 1;
    (r, carry, overflow)
}

impl Sim {
    /// The shifter operand and its carry-out.
    #[inline(always)]
    fn operand2(&self, op2: Operand2) -> (u32, u32) {
        let c = self.cpu.carry();
        match op2 {
            Operand2::Imm { value, rotated } => (value, if rotated { value >> 31 } else { c }),
            Operand2::ShiftImm { rm, shift, amount } => {
                shift_by_imm(self.r(rm), shift, amount as u32, c)
            }
            Operand2::ShiftReg { rm, shift, rs } => {
                shift_by_reg(self.r(rm), shift, self.r(rs) & 0xFF, c)
            }
        }
    }

    #[inline(always)]
    pub(crate) fn exec_dp(
        &mut self,
        op: DpOp,
        s: bool,
        rd: u8,
        rn: u8,
        op2: Operand2,
    ) -> Result<Flow, Fault> {
        let test_only = matches!(op, DpOp::Tst | DpOp::Teq | DpOp::Cmp | DpOp::Cmn);
        if !s && !test_only {
            return self.exec_dp_no_flags(op, rd, rn, op2);
        }
        let (b, sc) = self.operand2(op2);
        let a = self.r(rn);
        let c = self.cpu.carry();
        // Arithmetic ops give (result, Some((carry, overflow))); logical ones None.
        let (res, arith) = match op {
            DpOp::And | DpOp::Tst => (a & b, None),
            DpOp::Eor | DpOp::Teq => (a ^ b, None),
            DpOp::Orr => (a | b, None),
            DpOp::Bic => (a & !b, None),
            DpOp::Mov => (b, None),
            DpOp::Mvn => (!b, None),
            DpOp::Sub | DpOp::Cmp => {
                let (r, co, v) = add_with_carry(a, !b, 1);
                (r, Some((co, v)))
            }
            DpOp::Rsb => {
                let (r, co, v) = add_with_carry(!a, b, 1);
                (r, Some((co, v)))
            }
            DpOp::Add | DpOp::Cmn => {
                let (r, co, v) = add_with_carry(a, b, 0);
                (r, Some((co, v)))
            }
            DpOp::Adc => {
                let (r, co, v) = add_with_carry(a, b, c);
                (r, Some((co, v)))
            }
            DpOp::Sbc => {
                let (r, co, v) = add_with_carry(a, !b, c);
                (r, Some((co, v)))
            }
            DpOp::Rsc => {
                let (r, co, v) = add_with_carry(!a, b, c);
                (r, Some((co, v)))
            }
        };
        if s || test_only {
            let mut f = (res & N) | if res == 0 { Z } else { 0 };
            match arith {
                Some((co, v)) => f |= (co << 29) | (v << 28),
                None => f |= (sc << 29) | (self.cpu.nzcv & V),
            }
            self.cpu.nzcv = f;
        }
        if test_only {
            return Ok(Flow::Next);
        }
        if rd == 15 {
            // ALUWritePC is BXWritePC in ARM state on ARMv7 (A2.3.2).
            return self.bx_write_pc(res);
        }
        self.cpu.regs[rd as usize & 15] = res;
        Ok(Flow::Next)
    }

    /// The common case without S: no carry-out, overflow or flags to compute (the same
    /// results as AddWithCarry above, written as plain wrapping arithmetic).
    #[inline(always)]
    fn exec_dp_no_flags(&mut self, op: DpOp, rd: u8, rn: u8, op2: Operand2) -> Result<Flow, Fault> {
        let b = self.operand2(op2).0;
        let a = self.r(rn);
        let c = self.cpu.carry();
        let res = match op {
            DpOp::And | DpOp::Tst => a & b,
            DpOp::Eor | DpOp::Teq => a ^ b,
            DpOp::Orr => a | b,
            DpOp::Bic => a & !b,
            DpOp::Mov => b,
            DpOp::Mvn => !b,
            DpOp::Sub | DpOp::Cmp => a.wrapping_sub(b),
            DpOp::Rsb => b.wrapping_sub(a),
            DpOp::Add | DpOp::Cmn => a.wrapping_add(b),
            DpOp::Adc => a.wrapping_add(b).wrapping_add(c),
            DpOp::Sbc => a.wrapping_add(!b).wrapping_add(c),
            DpOp::Rsc => (!a).wrapping_add(b).wrapping_add(c),
        };
        if rd == 15 {
            return self.bx_write_pc(res);
        }
        self.cpu.regs[rd as usize & 15] = res;
        Ok(Flow::Next)
    }

    fn set_nz(&mut self, res: u32) {
        self.cpu.nzcv = (self.cpu.nzcv & (C | V)) | (res & N) | if res == 0 { Z } else { 0 };
    }

    pub(crate) fn exec_mul(&mut self, op: &Op) -> Result<Flow, Fault> {
        match *op {
            Op::Mul {
                s,
                rd,
                rn,
                rm,
                acc,
                sub,
            } => {
                let p = self.r(rn).wrapping_mul(self.r(rm));
                let res = match acc {
                    None => p,
                    Some(a) if sub => self.r(a).wrapping_sub(p),
                    Some(a) => self.r(a).wrapping_add(p),
                };
                self.cpu.regs[rd as usize & 15] = res;
                if s {
                    self.set_nz(res);
                }
            }
            Op::MulLong {
                kind,
                s,
                lo,
                hi,
                rn,
                rm,
            } => {
                let (a, b) = (self.r(rn), self.r(rm));
                let acc = (self.r(hi) as u64) << 32 | self.r(lo) as u64;
                let res: u64 = match kind {
                    LongMul::Umull => a as u64 * b as u64,
                    LongMul::Umlal => (a as u64 * b as u64).wrapping_add(acc),
                    LongMul::Smull => (a as i32 as i64 * b as i32 as i64) as u64,
                    LongMul::Smlal => {
                        ((a as i32 as i64 * b as i32 as i64) as u64).wrapping_add(acc)
                    }
                    // UMAAL: a*b + RdLo + RdHi never overflows 64 bits.
                    LongMul::Umaal => a as u64 * b as u64 + self.r(lo) as u64 + self.r(hi) as u64,
                };
                self.cpu.regs[lo as usize & 15] = res as u32;
                self.cpu.regs[hi as usize & 15] = (res >> 32) as u32;
                if s {
                    self.cpu.nzcv = (self.cpu.nzcv & (C | V))
                        | ((res >> 32) as u32 & N)
                        | if res == 0 { Z } else { 0 };
                }
            }
            Op::Div { signed, rd, rn, rm } => {
                let (n, m) = (self.r(rn), self.r(rm));
                // Division by zero gives 0 (ARMv7-R/A with the DIV0 trap disabled);
                // INT_MIN / -1 wraps to INT_MIN (A8.8.165).
                let res = if m == 0 {
                    0
                } else if signed {
                    (n as i32).wrapping_div(m as i32) as u32
                } else {
                    n / m
                };
                self.cpu.regs[rd as usize & 15] = res;
            }
            Op::Clz { rd, rm } => {
                self.cpu.regs[rd as usize & 15] = self.r(rm).leading_zeros();
            }
            _ => {}
        }
        Ok(Flow::Next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifter_carry_out() {
        // LSL #1 of 0x8000_0001: carry is the bit shifted out.
        assert_eq!(shift_by_imm(0x8000_0001, Shift::Lsl, 1, 0), (2, 1));
        // LSR #0 means #32: result 0, carry = bit 31.
        assert_eq!(shift_by_imm(0x8000_0000, Shift::Lsr, 0, 0), (0, 1));
        // ASR #0 means #32.
        assert_eq!(
            shift_by_imm(0x8000_0000, Shift::Asr, 0, 0),
            (0xFFFF_FFFF, 1)
        );
        // RRX.
        assert_eq!(
            shift_by_imm(0x0000_0003, Shift::Ror, 0, 1),
            (0x8000_0001, 1)
        );
        // Register shifts by >= 32.
        assert_eq!(shift_by_reg(0x0000_0001, Shift::Lsl, 32, 0), (0, 1));
        assert_eq!(shift_by_reg(0xFFFF_FFFF, Shift::Lsl, 33, 1), (0, 0));
        assert_eq!(shift_by_reg(0x8000_0000, Shift::Lsr, 32, 0), (0, 1));
        assert_eq!(shift_by_reg(0x8000_0000, Shift::Lsr, 200, 1), (0, 0));
        assert_eq!(
            shift_by_reg(0x8000_0000, Shift::Asr, 255, 0),
            (0xFFFF_FFFF, 1)
        );
        assert_eq!(
            shift_by_reg(0x8000_0001, Shift::Ror, 32, 0),
            (0x8000_0001, 1)
        );
        assert_eq!(
            shift_by_reg(0x8000_0001, Shift::Ror, 33, 0),
            (0xC000_0000, 1)
        );
        // Amount 0 keeps value and carry.
        assert_eq!(shift_by_reg(5, Shift::Ror, 0, 1), (5, 1));
    }

    #[test]
    fn add_with_carry_flags() {
        assert_eq!(add_with_carry(0x7FFF_FFFF, 1, 0), (0x8000_0000, 0, 1));
        assert_eq!(add_with_carry(0xFFFF_FFFF, 1, 0), (0, 1, 0));
        // 0 - 1 = SUB via AddWithCarry(x, !y, 1): borrow means C clear.
        assert_eq!(add_with_carry(0, !1, 1), (0xFFFF_FFFF, 0, 0));
        assert_eq!(add_with_carry(5, !5, 1), (0, 1, 0));
    }
}
