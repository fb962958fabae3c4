//! T32 (Thumb-2) decoder: one 16- or 32-bit instruction to the same [`Op`]s the A32
//! decoder produces, plus the few Thumb-only operations (IT, CBZ, Thumb branches). Encodings
//! follow ARM ARM DDI 0406C chapter A6. Forms outside the implemented set decode to
//! `Op::Fault`, as in A32.
//!
//! Decoding depends on the instruction's address (PC-relative forms use `Align(PC, 4)`,
//! folded into the offset here), which is fine since the cache is per address. Narrow
//! data-processing forms set the flags only outside an IT block: they decode with `s` set
//! and [`TDecoded::it_s`], and the run loop clears `s` inside a block.

use crate::decode::{
    self, bit, bits, reg, Addressing, DpOp, LongMul, Offset, Op, Operand2, Shift, Size, UNDEF,
    UNPRED, UNSUP,
};

/// A decoded T32 instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TDecoded {
    /// Condition of a conditional branch (B<c> outside IT); 14 otherwise.
    pub cond: u8,
    pub op: Op,
    /// The instruction: `hw1 << 16 | hw2`, or the halfword for a narrow one.
    pub word: u32,
    /// 2 or 4.
    pub len: u8,
    /// `s` holds only outside an IT block (narrow data-processing forms).
    pub it_s: bool,
}

/// True when `hw1` starts a 32-bit instruction (A6.1).
pub(crate) fn is_wide(hw1: u16) -> bool {
    hw1 >> 11 >= 0b11101
}

fn shift_of(b: u32) -> Shift {
    [Shift::Lsl, Shift::Lsr, Shift::Asr, Shift::Ror][(b & 3) as usize]
}

fn dp(op: DpOp, s: bool, rd: u8, rn: u8, op2: Operand2) -> Op {
    Op::Dp { op, s, rd, rn, op2 }
}

fn imm(value: u32) -> Operand2 {
    Operand2::Imm {
        value,
        rotated: false,
    }
}

fn rm_op(rm: u8) -> Operand2 {
    Operand2::ShiftImm {
        rm,
        shift: Shift::Lsl,
        amount: 0,
    }
}

fn am_imm(rn: u8, off: i32) -> Addressing {
    Addressing {
        rn,
        off: Offset::Imm(off),
        pre: true,
        wb: false,
    }
}

/// Decodes the instruction at `addr` whose first halfword is `hw1` (and second `hw2`
/// when [`is_wide`]).
pub(crate) fn decode_t32(hw1: u16, hw2: u16, addr: u32) -> TDecoded {
    if is_wide(hw1) {
        let w = (u32::from(hw1) << 16) | u32::from(hw2);
        let (cond, op) = decode_wide(w, addr);
        TDecoded {
            cond,
            op,
            word: w,
            len: 4,
            it_s: false,
        }
    } else {
        let h = u32::from(hw1);
        let (cond, op, it_s) = decode_narrow(h, addr);
        TDecoded {
            cond,
            op,
            word: h,
            len: 2,
            it_s,
        }
    }
}

/// 16-bit instructions (A6.2). Returns (cond, op, it_s).
fn decode_narrow(h: u32, addr: u32) -> (u8, Op, bool) {
    let r3 = |lo: u32| bits(h, lo + 2, lo) as u8;
    let al = |op| (14, op, false);
    let flags = |op| (14, op, true);
    match bits(h, 15, 10) {
        // Shift (immediate), add, subtract, move, compare (A6.2.1).
        0b000000..=0b001111 => {
            let (rd, rm) = (r3(0), r3(3));
            match bits(h, 13, 11) {
                0..=2 => {
                    let sh = shift_of(bits(h, 12, 11));
                    let amount = bits(h, 10, 6) as u8;
                    flags(dp(
                        DpOp::Mov,
                        true,
                        rd,
                        0,
                        Operand2::ShiftImm {
                            rm,
                            shift: sh,
                            amount,
                        },
                    ))
                }
                3 => {
                    let sub = bit(h, 9);
                    let op = if sub { DpOp::Sub } else { DpOp::Add };
                    let op2 = if bit(h, 10) {
                        imm(bits(h, 8, 6))
                    } else {
                        rm_op(r3(6))
                    };
                    flags(dp(op, true, rd, rm, op2))
                }
                k => {
                    let rdn = r3(8);
                    let v = imm(bits(h, 7, 0));
                    match k {
                        4 => flags(dp(DpOp::Mov, true, rdn, 0, v)),
                        5 => al(dp(DpOp::Cmp, true, 0, rdn, v)),
                        6 => flags(dp(DpOp::Add, true, rdn, rdn, v)),
                        _ => flags(dp(DpOp::Sub, true, rdn, rdn, v)),
                    }
                }
            }
        }
        // Data processing (register) (A6.2.2).
        0b010000 => {
            let (rdn, rm) = (r3(0), r3(3));
            let sr = |sh| {
                dp(
                    DpOp::Mov,
                    true,
                    rdn,
                    0,
                    Operand2::ShiftReg {
                        rm: rdn,
                        shift: sh,
                        rs: rm,
                    },
                )
            };
            let r = |op| dp(op, true, rdn, rdn, rm_op(rm));
            match bits(h, 9, 6) {
                0 => flags(r(DpOp::And)),
                1 => flags(r(DpOp::Eor)),
                2 => flags(sr(Shift::Lsl)),
                3 => flags(sr(Shift::Lsr)),
                4 => flags(sr(Shift::Asr)),
                5 => flags(r(DpOp::Adc)),
                6 => flags(r(DpOp::Sbc)),
                7 => flags(sr(Shift::Ror)),
                8 => al(dp(DpOp::Tst, true, 0, rdn, rm_op(rm))),
                9 => flags(dp(DpOp::Rsb, true, rdn, rm, imm(0))),
                10 => al(dp(DpOp::Cmp, true, 0, rdn, rm_op(rm))),
                11 => al(dp(DpOp::Cmn, true, 0, rdn, rm_op(rm))),
                12 => flags(r(DpOp::Orr)),
                13 => flags(Op::Mul {
                    s: true,
                    rd: rdn,
                    rn: rm,
                    rm: rdn,
                    acc: None,
                    sub: false,
                }),
                14 => flags(r(DpOp::Bic)),
                _ => flags(dp(DpOp::Mvn, true, rdn, 0, rm_op(rm))),
            }
        }
        // Special data instructions and branch and exchange (A6.2.3).
        0b010001 => {
            let rdn = (bits(h, 7, 7) << 3 | bits(h, 2, 0)) as u8;
            let rm = bits(h, 6, 3) as u8;
            match bits(h, 9, 8) {
                0 if rdn == 15 => al(UNSUP), // add pc, rm: a Thumb BranchWritePC (not modelled)
                0 => al(dp(DpOp::Add, false, rdn, rdn, rm_op(rm))),
                1 if rdn < 8 && rm < 8 || rdn == 15 || rm == 15 => al(UNPRED),
                1 => al(dp(DpOp::Cmp, true, 0, rdn, rm_op(rm))),
                2 if rdn == 15 => al(UNSUP), // mov pc, rm
                2 => al(dp(DpOp::Mov, false, rdn, 0, rm_op(rm))),
                _ if bits(h, 2, 0) != 0 => al(UNPRED),
                _ => {
                    let link = bit(h, 7);
                    if link && rm == 15 {
                        al(UNPRED)
                    } else {
                        al(Op::TBx { rm, link })
                    }
                }
            }
        }
        // LDR (literal): Align(PC, 4) + imm8 * 4.
        0b010010 | 0b010011 => {
            let off = (bits(h, 7, 0) * 4) as i32 - (addr & 2) as i32;
            al(Op::Load {
                size: Size::Word,
                rt: r3(8),
                am: am_imm(15, off),
            })
        }
        // Load/store single data item (A6.2.4).
        0b010100..=0b100111 => al(narrow_ldst(h)),
        // ADR: Align(PC, 4) + imm8 * 4.
        0b101000 | 0b101001 => {
            let v = bits(h, 7, 0) * 4;
            al(dp(
                DpOp::Add,
                false,
                r3(8),
                15,
                imm(v.wrapping_sub(addr & 2)),
            ))
        }
        // ADD rd, sp, #imm8 * 4.
        0b101010 | 0b101011 => al(dp(DpOp::Add, false, r3(8), 13, imm(bits(h, 7, 0) * 4))),
        // Miscellaneous 16-bit instructions (A6.2.5).
        0b101100..=0b101111 => al(narrow_misc(h, addr)),
        // STM/LDM (A8.8.200, A8.8.58): IA with writeback (LDM: unless rn is in the list).
        0b110000..=0b110011 => {
            let (rn, list) = (r3(8), bits(h, 7, 0) as u16);
            if list == 0 {
                return al(UNPRED);
            }
            if bit(h, 11) {
                let wb = list & (1 << rn) == 0;
                al(Op::Ldm {
                    rn,
                    list,
                    before: false,
                    up: true,
                    wb,
                })
            } else {
                al(Op::Stm {
                    rn,
                    list,
                    before: false,
                    up: true,
                    wb: true,
                })
            }
        }
        // Conditional branch, UDF, SVC (A6.2.6).
        0b110100..=0b110111 => {
            let c = bits(h, 11, 8) as u8;
            match c {
                14 => al(UNDEF),
                15 => al(UNSUP),
                _ => {
                    let off = ((bits(h, 7, 0) << 24) as i32) >> 23;
                    (c, Op::TBranch { off, link: false }, false)
                }
            }
        }
        // Unconditional branch.
        0b111000 | 0b111001 => {
            let off = ((bits(h, 10, 0) << 21) as i32) >> 20;
            al(Op::TBranch { off, link: false })
        }
        _ => al(UNDEF),
    }
}

fn narrow_ldst(h: u32) -> Op {
    let rt = bits(h, 2, 0) as u8;
    let rn = bits(h, 5, 3) as u8;
    let imm5 = bits(h, 10, 6) as i32;
    let load = bit(h, 11);
    let ls = |size, am| {
        if load {
            Op::Load { size, rt, am }
        } else {
            Op::Store { size, rt, am }
        }
    };
    match bits(h, 15, 12) {
        0b0101 => {
            let am = Addressing {
                rn,
                off: Offset::Reg {
                    rm: bits(h, 8, 6) as u8,
                    shift: Shift::Lsl,
                    amount: 0,
                    add: true,
                },
                pre: true,
                wb: false,
            };
            let (size, load) = match bits(h, 11, 9) {
                0 => (Size::Word, false),
                1 => (Size::Half, false),
                2 => (Size::Byte, false),
                3 => (Size::SByte, true),
                4 => (Size::Word, true),
                5 => (Size::Half, true),
                6 => (Size::Byte, true),
                _ => (Size::SHalf, true),
            };
            if load {
                Op::Load { size, rt, am }
            } else {
                Op::Store { size, rt, am }
            }
        }
        0b0110 => ls(Size::Word, am_imm(rn, imm5 * 4)),
        0b0111 => ls(Size::Byte, am_imm(rn, imm5)),
        0b1000 => ls(Size::Half, am_imm(rn, imm5 * 2)),
        _ => {
            // SP-relative.
            let rt = bits(h, 10, 8) as u8;
            let am = am_imm(13, (bits(h, 7, 0) * 4) as i32);
            if load {
                Op::Load {
                    size: Size::Word,
                    rt,
                    am,
                }
            } else {
                Op::Store {
                    size: Size::Word,
                    rt,
                    am,
                }
            }
        }
    }
}

fn narrow_misc(h: u32, _addr: u32) -> Op {
    match bits(h, 11, 8) {
        0b0000 => {
            let v = bits(h, 6, 0) * 4;
            let op = if bit(h, 7) { DpOp::Sub } else { DpOp::Add };
            dp(op, false, 13, 13, imm(v))
        }
        0b0001 | 0b0011 | 0b1001 | 0b1011 => {
            // CBZ/CBNZ: pc + 4 + i:imm5:0.
            let off = ((bits(h, 9, 9) << 6) | (bits(h, 7, 3) << 1)) as i32;
            Op::Cbz {
                rn: bits(h, 2, 0) as u8,
                off,
                nonzero: bit(h, 11),
            }
        }
        0b0100 | 0b0101 => {
            let list = (bits(h, 7, 0) | bits(h, 8, 8) << 14) as u16;
            if list == 0 {
                return UNPRED;
            }
            Op::Stm {
                rn: 13,
                list,
                before: true,
                up: false,
                wb: true,
            }
        }
        0b1100 | 0b1101 => {
            let list = (bits(h, 7, 0) | bits(h, 8, 8) << 15) as u16;
            if list == 0 {
                return UNPRED;
            }
            Op::Ldm {
                rn: 13,
                list,
                before: false,
                up: true,
                wb: true,
            }
        }
        0b1110 => Op::Fault(decode::FaultKind2::Breakpoint(bits(h, 7, 0) as u16)),
        0b1111 => {
            if bits(h, 3, 0) == 0 {
                return Op::Nop; // NOP, YIELD, WFE, WFI, SEV hints
            }
            let firstcond = bits(h, 7, 4) as u8;
            if firstcond == 15 || (firstcond == 14 && (bits(h, 3, 0)).count_ones() != 1) {
                return UNPRED;
            }
            Op::It {
                firstcond,
                mask: bits(h, 3, 0) as u8,
            }
        }
        _ => UNSUP, // extend, REV, CPS, SETEND
    }
}

/// 32-bit instructions (A6.3). Returns (cond, op).
fn decode_wide(w: u32, addr: u32) -> (u8, Op) {
    let op1 = bits(w, 28, 27);
    let op2 = bits(w, 26, 20);
    let al = |op| (14, op);
    match op1 {
        0b01 => {
            if bits(op2, 6, 5) == 0b00 && !bit(op2, 2) {
                al(ldm_stm(w))
            } else if bits(op2, 6, 5) == 0b00 {
                al(ldrd_strd(w))
            } else if bits(op2, 6, 5) == 0b01 {
                al(dp_shifted(w))
            } else {
                // Coprocessor: VFP has the A32 encoding with cond = 1110 (hw1 = 1110 11..).
                if bit(w, 28) {
                    al(UNSUP)
                } else {
                    // VLDR/VSTR from pc use Align(PC, 4), like LDR (literal).
                    match decode::decode(w).op {
                        Op::Vldr {
                            double,
                            reg,
                            rn: 15,
                            off,
                        } => al(Op::Vldr {
                            double,
                            reg,
                            rn: 15,
                            off: off - (addr & 2) as i32,
                        }),
                        op => al(op),
                    }
                }
            }
        }
        0b10 if bit(w, 15) => branch_misc(w, addr),
        0b10 if !bit(op2, 5) => al(dp_modified_imm(w)),
        0b10 => al(dp_plain_imm(w, addr)),
        _ => {
            if bits(op2, 6, 4) == 0b001 && !bit(op2, 0) {
                al(UNSUP) // SIMD structure loads/stores
            } else if bits(op2, 6, 5) == 0b00 {
                al(wide_ldst(w, addr))
            } else if bits(op2, 6, 4) == 0b010 {
                al(dp_register(w))
            } else if bits(op2, 6, 3) == 0b0110 {
                al(mul(w))
            } else if bits(op2, 6, 3) == 0b0111 {
                al(long_mul(w))
            } else {
                al(UNSUP)
            }
        }
    }
}

fn ldm_stm(w: u32) -> Op {
    let (rn, list, wb, load) = (reg(w, 16), bits(w, 15, 0) as u16, bit(w, 21), bit(w, 20));
    let before = match bits(w, 24, 23) {
        0b01 => false,
        0b10 => true,
        _ => return UNSUP, // SRS/RFE
    };
    if rn == 15 || list.count_ones() < 2 || list & (1 << 13) != 0 {
        return UNPRED;
    }
    if wb && list & (1 << rn) != 0 {
        return UNPRED;
    }
    let up = !before;
    if load {
        if list & 0xc000 == 0xc000 {
            return UNPRED;
        }
        Op::Ldm {
            rn,
            list,
            before,
            up,
            wb,
        }
    } else {
        if list & (1 << 15) != 0 {
            return UNPRED;
        }
        Op::Stm {
            rn,
            list,
            before,
            up,
            wb,
        }
    }
}

fn ldrd_strd(w: u32) -> Op {
    let (p, u, wb, load) = (bit(w, 24), bit(w, 23), bit(w, 21), bit(w, 20));
    if !p && !wb {
        return UNSUP; // load/store exclusive, table branch
    }
    let (rn, rt, rt2) = (reg(w, 16), reg(w, 12), reg(w, 8));
    if rt2 != rt + 1 || rt >= 13 || rt2 >= 13 || rn == 15 {
        return UNSUP; // only the register pairs A32 also has (and no literal form)
    }
    if wb && (rn == rt || rn == rt2) {
        return UNPRED;
    }
    let off = (bits(w, 7, 0) * 4) as i32;
    let am = Addressing {
        rn,
        off: Offset::Imm(if u { off } else { -off }),
        pre: p,
        wb,
    };
    if load {
        Op::Ldrd { rt, am }
    } else {
        Op::Strd { rt, am }
    }
}

/// Shift field of a wide register operand: imm3:imm2 and type (DecodeImmShift keeps the
/// A32 conventions: LSR/ASR #0 mean 32, ROR #0 is RRX).
fn shifted_rm(w: u32) -> Operand2 {
    Operand2::ShiftImm {
        rm: reg(w, 0),
        shift: shift_of(bits(w, 5, 4)),
        amount: (bits(w, 14, 12) << 2 | bits(w, 7, 6)) as u8,
    }
}

/// The data-processing op for the wide opcode field, and whether rd = 1111 with S makes
/// it a compare / rn = 1111 a move.
fn wide_dp(opc: u32, s: bool, rd: u8, rn: u8, op2: Operand2) -> Op {
    let bad = |r: u8| r == 13 || r == 15;
    let (op, rd, rn) = match opc {
        0 if rd == 15 && s => (DpOp::Tst, 0, rn),
        0 => (DpOp::And, rd, rn),
        1 => (DpOp::Bic, rd, rn),
        2 if rn == 15 => (DpOp::Mov, rd, 0),
        2 => (DpOp::Orr, rd, rn),
        3 if rn == 15 => (DpOp::Mvn, rd, 0),
        4 if rd == 15 && s => (DpOp::Teq, 0, rn),
        4 => (DpOp::Eor, rd, rn),
        8 if rd == 15 && s => (DpOp::Cmn, 0, rn),
        8 => (DpOp::Add, rd, rn),
        10 => (DpOp::Adc, rd, rn),
        11 => (DpOp::Sbc, rd, rn),
        13 if rd == 15 && s => (DpOp::Cmp, 0, rn),
        13 => (DpOp::Sub, rd, rn),
        14 => (DpOp::Rsb, rd, rn),
        _ => return UNSUP, // ORN, PKHBT
    };
    let sp_ok = matches!(
        op,
        DpOp::Add | DpOp::Sub | DpOp::Mov | DpOp::Cmp | DpOp::Cmn
    );
    let compare = matches!(op, DpOp::Tst | DpOp::Teq | DpOp::Cmp | DpOp::Cmn);
    if !compare && (rd == 15 || rd == 13 && !sp_ok) {
        return UNPRED;
    }
    if op != DpOp::Mov && op != DpOp::Mvn && (rn == 15 || rn == 13 && !sp_ok) {
        return UNPRED;
    }
    if let Operand2::ShiftImm { rm, .. } = op2 {
        if bad(rm) && !(op == DpOp::Mov && rm == 13) {
            return UNPRED;
        }
    }
    dp(op, s, rd, rn, op2)
}

fn dp_shifted(w: u32) -> Op {
    wide_dp(
        bits(w, 24, 21),
        bit(w, 20),
        reg(w, 8),
        reg(w, 16),
        shifted_rm(w),
    )
}

/// ThumbExpandImm_C (A6.3.2): (value, carry from bit 31).
fn thumb_expand_imm(imm12: u32) -> Operand2 {
    let b = imm12 & 0xff;
    let value = match imm12 >> 8 {
        0 => b,
        1 => b * 0x0001_0001,
        2 => b * 0x0100_0100,
        3 => b * 0x0101_0101,
        _ => (0x80 | (imm12 & 0x7f)).rotate_right(imm12 >> 7),
    };
    Operand2::Imm {
        value,
        rotated: imm12 >> 10 != 0,
    }
}

fn imm12(w: u32) -> u32 {
    bits(w, 26, 26) << 11 | bits(w, 14, 12) << 8 | bits(w, 7, 0)
}

fn dp_modified_imm(w: u32) -> Op {
    let op2 = thumb_expand_imm(imm12(w));
    let opc = bits(w, 24, 21);
    if opc == 3 && reg(w, 16) != 15 {
        return UNSUP; // ORN
    }
    wide_dp(opc, bit(w, 20), reg(w, 8), reg(w, 16), op2)
}

fn dp_plain_imm(w: u32, addr: u32) -> Op {
    let (rd, rn) = (reg(w, 8), reg(w, 16));
    let i = imm12(w);
    if rd >= 13 && !(rd == 13 && rn == 13) {
        return UNPRED;
    }
    match bits(w, 24, 20) {
        0b00000 if rn == 15 => dp(DpOp::Add, false, rd, 15, imm(i.wrapping_sub(addr & 2))),
        0b00000 => dp(DpOp::Add, false, rd, rn, imm(i)),
        0b01010 if rn == 15 => dp(DpOp::Sub, false, rd, 15, imm(i + (addr & 2))),
        0b01010 => dp(DpOp::Sub, false, rd, rn, imm(i)),
        0b00100 | 0b01100 if rd < 13 => {
            let v = (bits(w, 19, 16) << 12 | i) as u16;
            if bit(w, 23) {
                Op::Movt { rd, imm: v }
            } else {
                Op::Movw { rd, imm: v }
            }
        }
        _ => UNSUP, // bitfield, saturate
    }
}

/// Branches and miscellaneous control (A6.3.4).
fn branch_misc(w: u32, addr: u32) -> (u8, Op) {
    let s = bits(w, 26, 26);
    let (j1, j2) = (bits(w, 13, 13), bits(w, 11, 11));
    let imm11 = bits(w, 10, 0);
    let op = bits(w, 14, 12);
    if op & 0b101 == 0b000 {
        let c = bits(w, 25, 22) as u8;
        if c >= 14 {
            // Hints and barriers are NOPs; the rest (MSR, MRS, ...) is not modelled.
            if bits(w, 26, 20) == 0b0111010 || bits(w, 26, 20) == 0b0111011 {
                return (14, Op::Nop);
            }
            return (14, UNSUP);
        }
        let imm = s << 20 | j2 << 19 | j1 << 18 | bits(w, 21, 16) << 12 | imm11 << 1;
        let off = ((imm << 11) as i32) >> 11;
        return (c, Op::TBranch { off, link: false });
    }
    let (i1, i2) = (!(j1 ^ s) & 1, !(j2 ^ s) & 1);
    let imm = s << 24 | i1 << 23 | i2 << 22 | bits(w, 25, 16) << 12 | imm11 << 1;
    let off = ((imm << 7) as i32) >> 7;
    match op {
        0b001 | 0b011 => (14, Op::TBranch { off, link: false }),
        0b101 | 0b111 => (14, Op::TBranch { off, link: true }),
        0b100 | 0b110 if w & 1 == 0 => {
            // BLX to A32: Align(PC, 4) + off.
            let off = off - (addr & 2) as i32;
            (14, Op::TBlxImm { off })
        }
        0b010 if bits(w, 26, 20) == 0b1111111 => (14, UNDEF), // UDF.W
        _ => (14, UNSUP),
    }
}

/// Wide single loads and stores (A6.3.7–A6.3.10).
fn wide_ldst(w: u32, addr: u32) -> Op {
    let sign = bit(w, 24);
    let up12 = bit(w, 23);
    let size = bits(w, 22, 21);
    let load = bit(w, 20);
    let (rn, rt) = (reg(w, 16), reg(w, 12));
    let sz = match (size, sign) {
        (0, false) => Size::Byte,
        (1, false) => Size::Half,
        (2, false) => Size::Word,
        (0, true) if load => Size::SByte,
        (1, true) if load => Size::SHalf,
        _ => return UNDEF,
    };
    if load && rt == 15 && sz != Size::Word {
        return UNSUP; // PLD/PLI and friends
    }
    if !load && rt == 15 || rt == 13 && sz != Size::Word {
        return UNPRED;
    }
    let ls = |am: Addressing| {
        if am.wb && am.rn == rt {
            UNPRED
        } else if load {
            Op::Load { size: sz, rt, am }
        } else {
            Op::Store { size: sz, rt, am }
        }
    };
    if rn == 15 {
        if !load {
            return UNDEF;
        }
        let v = bits(w, 11, 0) as i32;
        let off = if up12 { v } else { -v } - (addr & 2) as i32;
        return ls(am_imm(15, off));
    }
    if up12 {
        return ls(am_imm(rn, bits(w, 11, 0) as i32));
    }
    if bit(w, 11) {
        let (p, u, wb) = (bit(w, 10), bit(w, 9), bit(w, 8));
        if p && u && !wb {
            return UNSUP; // LDRT/STRT
        }
        if !p && !wb {
            return UNDEF;
        }
        let v = bits(w, 7, 0) as i32;
        return ls(Addressing {
            rn,
            off: Offset::Imm(if u { v } else { -v }),
            pre: p,
            wb,
        });
    }
    if bits(w, 11, 6) != 0 {
        return UNDEF;
    }
    let rm = reg(w, 0);
    if rm >= 13 {
        return UNPRED;
    }
    ls(Addressing {
        rn,
        off: Offset::Reg {
            rm,
            shift: Shift::Lsl,
            amount: bits(w, 5, 4) as u8,
            add: true,
        },
        pre: true,
        wb: false,
    })
}

/// Data processing (register): shifts by register, CLZ (A6.3.12, A6.3.16).
fn dp_register(w: u32) -> Op {
    let (rn, rd, rm) = (reg(w, 16), reg(w, 8), reg(w, 0));
    let bad = |r: u8| r >= 13;
    if bits(w, 23, 23) == 0 && bits(w, 7, 4) == 0 && bits(w, 15, 12) == 15 {
        if bad(rn) || bad(rd) || bad(rm) {
            return UNPRED;
        }
        let shift = shift_of(bits(w, 22, 21));
        return dp(
            DpOp::Mov,
            bit(w, 20),
            rd,
            0,
            Operand2::ShiftReg {
                rm: rn,
                shift,
                rs: rm,
            },
        );
    }
    if bits(w, 23, 20) == 0b1011 && bits(w, 7, 4) == 0b1000 && bits(w, 15, 12) == 15 {
        if rn != rm || bad(rd) || bad(rm) {
            return UNPRED;
        }
        return Op::Clz { rd, rm };
    }
    UNSUP
}

fn mul(w: u32) -> Op {
    let (rn, ra, rd, rm) = (reg(w, 16), reg(w, 12), reg(w, 8), reg(w, 0));
    if bits(w, 22, 20) != 0 || bits(w, 7, 5) != 0 {
        return UNSUP; // signed halfword / dual / most-significant-word multiplies
    }
    if [rn, rd, rm].iter().any(|&r| r >= 13) || ra == 13 {
        return UNPRED;
    }
    let sub = bit(w, 4);
    let acc = if ra == 15 {
        if sub {
            return UNPRED;
        }
        None
    } else {
        Some(ra)
    };
    Op::Mul {
        s: false,
        rd,
        rn,
        rm,
        acc,
        sub,
    }
}

fn long_mul(w: u32) -> Op {
    let (rn, lo, hi, rm) = (reg(w, 16), reg(w, 12), reg(w, 8), reg(w, 0));
    let op = bits(w, 22, 20);
    let op2 = bits(w, 7, 4);
    let div = matches!((op, op2), (0b001 | 0b011, 0b1111));
    if [rn, hi, rm].iter().any(|&r| r >= 13) || (!div && lo >= 13) {
        return UNPRED;
    }
    match (op, op2) {
        (0b001, 0b1111) | (0b011, 0b1111) => {
            let signed = op == 0b001;
            if lo != 15 {
                return UNDEF;
            }
            Op::Div {
                signed,
                rd: hi,
                rn,
                rm,
            }
        }
        (0b000 | 0b010 | 0b100 | 0b110, 0) => {
            if lo == hi {
                return UNPRED;
            }
            let kind = match op {
                0b000 => LongMul::Smull,
                0b010 => LongMul::Umull,
                0b100 => LongMul::Smlal,
                _ => LongMul::Umlal,
            };
            Op::MulLong {
                kind,
                s: false,
                lo,
                hi,
                rn,
                rm,
            }
        }
        _ => UNSUP,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_halfwords() {
        // adds r0, r1, r2
        let d = decode_t32(0x1888, 0, 0);
        assert_eq!(d.len, 2);
        assert!(d.it_s);
        // bl with offset 0x60 (f000 f830)
        let d = decode_t32(0xf000, 0xf830, 0x24);
        assert_eq!(
            d.op,
            Op::TBranch {
                off: 0x60,
                link: true
            }
        );
        // beq.n back: d0f4 at 0x22 -> target 0xe: off = 0xe - 0x26 = -24
        let d = decode_t32(0xd0f4, 0, 0x22);
        assert_eq!(
            (d.cond, d.op),
            (
                0,
                Op::TBranch {
                    off: -24,
                    link: false
                }
            )
        );
        // itt eq
        assert_eq!(
            decode_t32(0xbf04, 0, 0).op,
            Op::It {
                firstcond: 0,
                mask: 4
            }
        );
    }

    #[test]
    fn every_halfword_pair_decodes_without_panicking() {
        let mut x = 0x1234_5678u32;
        for hw in 0..=0xffffu32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let _ = decode_t32(hw as u16, x as u16, x & !1);
        }
    }
}
