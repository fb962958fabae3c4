//! Decoder for the forms the encoder produces: the exact inverse of [`encode`](super::encode)
//! on its canonical outputs (e.g. compares carry rd = r0, moves rn = r0, `lsl #0` decodes as a
//! plain register). Words outside that set decode to `None`. Encodings per DDI 0406C A5/A7.

use super::inst::{BlockMode, DpOp, Inst, LongMulOp, MemOp, VArithOp, VUnaryOp, VcvtOp};
use super::{Addr, Cond, DReg, ImmRot, Index, MemOffset, Operand2, Reg, RegList, SReg, Shift};

fn reg(w: u32, lsb: u32) -> Reg {
    Reg::masked(w >> lsb)
}
fn dreg(n: u32) -> DReg {
    DReg::masked(n)
}
fn sreg(n: u32) -> SReg {
    SReg::masked(n)
}
fn dd(w: u32) -> DReg {
    dreg(((w >> 12) & 15) | (((w >> 22) & 1) << 4))
}
fn dn(w: u32) -> DReg {
    dreg(((w >> 16) & 15) | (((w >> 7) & 1) << 4))
}
fn dm(w: u32) -> DReg {
    dreg((w & 15) | (((w >> 5) & 1) << 4))
}
fn sd(w: u32) -> SReg {
    sreg((((w >> 12) & 15) << 1) | ((w >> 22) & 1))
}
fn sn(w: u32) -> SReg {
    sreg((((w >> 16) & 15) << 1) | ((w >> 7) & 1))
}
fn sm(w: u32) -> SReg {
    sreg(((w & 15) << 1) | ((w >> 5) & 1))
}

fn shift_of(bits: u32) -> Shift {
    Shift::ALL[(bits & 3) as usize]
}

/// Register operand with an immediate shift (bits 11:0), `None` for register shifts.
fn shifted_reg(w: u32) -> Operand2 {
    let rm = reg(w, 0);
    let shift = shift_of(w >> 5);
    let imm5 = ((w >> 7) & 31) as u8;
    match (shift, imm5) {
        (Shift::Lsl, 0) => Operand2::Reg(rm),
        (Shift::Ror, 0) => Operand2::Rrx(rm),
        (Shift::Lsr | Shift::Asr, 0) => Operand2::RegShiftImm {
            rm,
            shift,
            amount: 32,
        },
        _ => Operand2::RegShiftImm {
            rm,
            shift,
            amount: imm5,
        },
    }
}

/// Decodes one word, or `None` if it is not something [`encode`](super::encode) produces.
pub fn decode(w: u32) -> Option<Inst> {
    let cond_bits = w >> 28;
    if cond_bits == 15 {
        if w & 0xfe00_0000 == 0xfa00_0000 {
            // BLX (immediate), A8.8.25 A2.
            let imm = (((w << 8) as i32) >> 6) | (((w >> 24) & 1) << 1) as i32;
            return Some(Inst::BlxImm { offset: imm });
        }
        return None;
    }
    let cond = Cond::ALL[cond_bits as usize];
    let inst = match (w >> 25) & 7 {
        0b000 | 0b001 => decode_dp_misc(w, cond)?,
        0b010 | 0b011 => {
            if (w >> 25) & 1 == 1 && (w >> 4) & 1 == 1 {
                // Media instructions: SDIV/UDIV and UDF.
                return decode_media(w, cond);
            }
            decode_word_byte(w, cond)?
        }
        0b100 => {
            if (w >> 22) & 1 != 0 {
                return None; // user-mode register list / PSR forms
            }
            let mode = match (w >> 23) & 3 {
                0b01 => BlockMode::Ia,
                0b11 => BlockMode::Ib,
                0b00 => BlockMode::Da,
                _ => BlockMode::Db,
            };
            if w & 0xffff == 0 {
                return None;
            }
            Inst::Block {
                cond,
                load: (w >> 20) & 1 == 1,
                mode,
                rn: reg(w, 16),
                writeback: (w >> 21) & 1 == 1,
                regs: RegList(w as u16),
            }
        }
        0b101 => Inst::B {
            cond,
            link: (w >> 24) & 1 == 1,
            offset: ((w << 8) as i32) >> 6,
        },
        _ => decode_vfp(w, cond)?,
    };
    Some(inst)
}

fn decode_dp_misc(w: u32, cond: Cond) -> Option<Inst> {
    let imm = (w >> 25) & 1 == 1;
    let op = DpOp::ALL[((w >> 21) & 15) as usize];
    let s = (w >> 20) & 1 == 1;
    if imm {
        if w & 0x0fb0_0000 == 0x0300_0000 {
            // MOVW/MOVT A8.8.102/A8.8.106.
            let v = (((w >> 16) & 15) << 12 | (w & 0xfff)) as u16;
            let rd = reg(w, 12);
            return Some(if (w >> 22) & 1 == 1 {
                Inst::Movt { cond, rd, imm: v }
            } else {
                Inst::Movw { cond, rd, imm: v }
            });
        }
        if op.is_compare() && !s {
            return None;
        }
        let op2 = Operand2::Imm(ImmRot {
            imm8: w as u8,
            rot: ((w >> 8) & 15) as u8,
        });
        return dp(w, cond, op, s, op2);
    }
    let bit4 = (w >> 4) & 1;
    let bit7 = (w >> 7) & 1;
    if bit4 == 1 && bit7 == 1 {
        return decode_mul_extra(w, cond);
    }
    if op.is_compare() && !s {
        return decode_misc(w, cond);
    }
    let op2 = if bit4 == 0 {
        shifted_reg(w)
    } else {
        Operand2::RegShiftReg {
            rm: reg(w, 0),
            shift: shift_of(w >> 5),
            rs: reg(w, 8),
        }
    };
    dp(w, cond, op, s, op2)
}

fn dp(w: u32, cond: Cond, op: DpOp, s: bool, op2: Operand2) -> Option<Inst> {
    // Canonical form: ignored fields are zero.
    if (op.is_compare() && (w >> 12) & 15 != 0) || (op.is_move() && (w >> 16) & 15 != 0) {
        return None;
    }
    Some(Inst::Dp {
        cond,
        op,
        s,
        rd: reg(w, 12),
        rn: reg(w, 16),
        op2,
    })
}

/// Miscellaneous (A5.2.12): BX, BLX (register), CLZ, BKPT.
fn decode_misc(w: u32, cond: Cond) -> Option<Inst> {
    if w & 0x0fff_fff0 == 0x012f_ff10 {
        return Some(Inst::Bx {
            cond,
            rm: reg(w, 0),
        });
    }
    if w & 0x0fff_fff0 == 0x012f_ff30 {
        return Some(Inst::BlxReg {
            cond,
            rm: reg(w, 0),
        });
    }
    if w & 0x0fff_0ff0 == 0x016f_0f10 {
        return Some(Inst::Clz {
            cond,
            rd: reg(w, 12),
            rm: reg(w, 0),
        });
    }
    if w & 0xfff0_00f0 == 0xe120_0070 {
        return Some(Inst::Bkpt {
            imm: (((w >> 8) & 0xfff) << 4 | (w & 15)) as u16,
        });
    }
    None
}

/// Multiplies (A5.2.5) and extra loads/stores (A5.2.8).
fn decode_mul_extra(w: u32, cond: Cond) -> Option<Inst> {
    let op2 = (w >> 5) & 3;
    let s = (w >> 20) & 1 == 1;
    if op2 == 0 {
        let (rd, ra, rm, rn) = (reg(w, 16), reg(w, 12), reg(w, 8), reg(w, 0));
        return match (w >> 21) & 0x7f {
            0b000_0000 if ra == Reg::R0 => Some(Inst::Mul {
                cond,
                s,
                rd,
                rn,
                rm,
            }),
            0b000_0001 => Some(Inst::Mla {
                cond,
                s,
                rd,
                rn,
                rm,
                ra,
            }),
            0b000_0011 if !s => Some(Inst::Mls {
                cond,
                rd,
                rn,
                rm,
                ra,
            }),
            x @ 0b000_0100..=0b000_0111 => Some(Inst::LongMul {
                cond,
                op: match x {
                    4 => LongMulOp::Umull,
                    5 => LongMulOp::Umlal,
                    6 => LongMulOp::Smull,
                    _ => LongMulOp::Smlal,
                },
                s,
                rdlo: ra,
                rdhi: rd,
                rn,
                rm,
            }),
            _ => None,
        };
    }
    if (w >> 25) & 7 != 0 {
        return None;
    }
    let load = (w >> 20) & 1 == 1;
    let op = match (load, op2) {
        (false, 1) => MemOp::Strh,
        (true, 1) => MemOp::Ldrh,
        (true, 2) => MemOp::Ldrsb,
        (true, _) => MemOp::Ldrsh,
        (false, 2) => MemOp::Ldrd,
        (false, _) => MemOp::Strd,
    };
    let neg = (w >> 23) & 1 == 0;
    let offset = if (w >> 22) & 1 == 1 {
        MemOffset::Imm {
            neg,
            imm: ((((w >> 8) & 15) << 4) | (w & 15)) as u16,
        }
    } else {
        if (w >> 8) & 15 != 0 {
            return None;
        }
        MemOffset::Reg { neg, rm: reg(w, 0) }
    };
    Some(Inst::Mem {
        cond,
        op,
        rt: reg(w, 12),
        addr: Addr {
            base: reg(w, 16),
            offset,
            index: index_of(w)?,
        },
    })
}

fn index_of(w: u32) -> Option<Index> {
    match ((w >> 24) & 1, (w >> 21) & 1) {
        (1, 0) => Some(Index::Offset),
        (1, _) => Some(Index::PreWriteback),
        (0, 0) => Some(Index::Post),
        _ => None, // unprivileged (T) forms
    }
}

fn decode_word_byte(w: u32, cond: Cond) -> Option<Inst> {
    let load = (w >> 20) & 1 == 1;
    let byte = (w >> 22) & 1 == 1;
    let op = match (load, byte) {
        (true, false) => MemOp::Ldr,
        (false, false) => MemOp::Str,
        (true, true) => MemOp::Ldrb,
        (false, true) => MemOp::Strb,
    };
    let neg = (w >> 23) & 1 == 0;
    let offset = if (w >> 25) & 1 == 0 {
        MemOffset::Imm {
            neg,
            imm: (w & 0xfff) as u16,
        }
    } else {
        match shifted_reg(w) {
            Operand2::Reg(rm) => MemOffset::Reg { neg, rm },
            Operand2::RegShiftImm { rm, shift, amount } => MemOffset::ScaledReg {
                neg,
                rm,
                shift,
                amount,
            },
            _ => return None, // RRX offsets are not emitted
        }
    };
    Some(Inst::Mem {
        cond,
        op,
        rt: reg(w, 12),
        addr: Addr {
            base: reg(w, 16),
            offset,
            index: index_of(w)?,
        },
    })
}

fn decode_media(w: u32, cond: Cond) -> Option<Inst> {
    if w & 0xfff0_00f0 == 0xe7f0_00f0 {
        return Some(Inst::Udf {
            imm: ((((w >> 8) & 0xfff) << 4) | (w & 15)) as u16,
        });
    }
    if w & 0x0fd0_f0f0 == 0x0710_f010 {
        return Some(Inst::Div {
            cond,
            signed: (w >> 21) & 1 == 0,
            rd: reg(w, 16),
            rn: reg(w, 0),
            rm: reg(w, 8),
        });
    }
    None
}

fn decode_vfp(w: u32, cond: Cond) -> Option<Inst> {
    if w & 0x0f20_0f00 == 0x0d00_0b00 {
        // VLDR/VSTR A8.8.333/A8.8.413.
        let mag = ((w & 0xff) << 2) as i32;
        let offset = if (w >> 23) & 1 == 1 { mag } else { -mag };
        let (dd, rn) = (dd(w), reg(w, 16));
        return Some(if (w >> 20) & 1 == 1 {
            Inst::Vldr {
                cond,
                dd,
                rn,
                offset,
            }
        } else {
            Inst::Vstr {
                cond,
                dd,
                rn,
                offset,
            }
        });
    }
    if w & 0x0fe0_0fd0 == 0x0c40_0b10 {
        let (rt, rt2, dm) = (reg(w, 12), reg(w, 16), dm(w));
        return Some(if (w >> 20) & 1 == 1 {
            Inst::VmovFromD { cond, rt, rt2, dm }
        } else {
            Inst::VmovToD { cond, dm, rt, rt2 }
        });
    }
    if w & 0x0fe0_0f7f == 0x0e00_0a10 {
        let (rt, sn) = (reg(w, 12), sn(w));
        return Some(if (w >> 20) & 1 == 1 {
            Inst::VmovFromS { cond, rt, sn }
        } else {
            Inst::VmovToS { cond, sn, rt }
        });
    }
    if w & 0x0fff_ffff == 0x0ef1_fa10 {
        return Some(Inst::VmrsNzcv { cond });
    }
    let arith = match w & 0x0fb0_0f50 {
        0x0e30_0b00 => Some(VArithOp::Vadd),
        0x0e30_0b40 => Some(VArithOp::Vsub),
        0x0e20_0b00 => Some(VArithOp::Vmul),
        0x0e80_0b00 => Some(VArithOp::Vdiv),
        _ => None,
    };
    if let Some(op) = arith {
        return Some(Inst::VArith {
            cond,
            op,
            dd: dd(w),
            dn: dn(w),
            dm: dm(w),
        });
    }
    let unary = match w & 0x0fbf_0fd0 {
        0x0eb0_0b40 => Some(VUnaryOp::Vmov),
        0x0eb0_0bc0 => Some(VUnaryOp::Vabs),
        0x0eb1_0b40 => Some(VUnaryOp::Vneg),
        0x0eb1_0bc0 => Some(VUnaryOp::Vsqrt),
        _ => None,
    };
    if let Some(op) = unary {
        return Some(Inst::VUnary {
            cond,
            op,
            dd: dd(w),
            dm: dm(w),
        });
    }
    match w & 0x0fbf_0f50 {
        0x0eb4_0b40 => {
            return Some(Inst::Vcmp {
                cond,
                e: (w >> 7) & 1 == 1,
                dd: dd(w),
                dm: Some(dm(w)),
            })
        }
        0x0eb5_0b40 if w & 0x2f == 0 => {
            return Some(Inst::Vcmp {
                cond,
                e: (w >> 7) & 1 == 1,
                dd: dd(w),
                dm: None,
            })
        }
        _ => {}
    }
    let cvt = match w & 0x0fbf_0fd0 {
        0x0eb8_0bc0 => Some(VcvtOp::F64FromS32),
        0x0eb8_0b40 => Some(VcvtOp::F64FromU32),
        0x0ebd_0bc0 => Some(VcvtOp::S32FromF64),
        0x0ebc_0bc0 => Some(VcvtOp::U32FromF64),
        _ => None,
    };
    let op = cvt?;
    Some(match op {
        VcvtOp::F64FromS32 | VcvtOp::F64FromU32 => Inst::Vcvt {
            cond,
            op,
            d: dd(w),
            s: sm(w),
        },
        _ => Inst::Vcvt {
            cond,
            op,
            d: dm(w),
            s: sd(w),
        },
    })
}
