//! A32 + VFPv3-D16 decoder: one 32-bit word to a [`Decoded`] instruction, done once per
//! address and cached by the simulator. Encodings follow ARM ARM DDI 0406C, chapters A5
//! (ARM instruction set encoding) and A7 (VFP). Words outside the implemented set decode
//! to `Op::Fault` with the reason, so executing them gives a typed fault.

use crate::fault::FaultKind;

/// Barrel-shifter type (A8.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shift {
    Lsl,
    Lsr,
    Asr,
    Ror,
}

impl Shift {
    fn from_bits(b: u32) -> Shift {
        match b & 3 {
            0 => Shift::Lsl,
            1 => Shift::Lsr,
            2 => Shift::Asr,
            _ => Shift::Ror,
        }
    }
}

/// The flexible second operand of data-processing instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operand2 {
    /// Rotated 8-bit immediate; `rotated` means the carry-out is bit 31 of `value`.
    Imm { value: u32, rotated: bool },
    /// Rm shifted by a 5-bit immediate as encoded (LSR/ASR #0 mean 32, ROR #0 is RRX).
    ShiftImm { rm: u8, shift: Shift, amount: u8 },
    /// Rm shifted by the bottom byte of Rs.
    ShiftReg { rm: u8, shift: Shift, rs: u8 },
}

/// Data-processing opcodes, in encoding order (A5.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DpOp {
    And,
    Eor,
    Sub,
    Rsb,
    Add,
    Adc,
    Sbc,
    Rsc,
    Tst,
    Teq,
    Cmp,
    Cmn,
    Orr,
    Mov,
    Bic,
    Mvn,
}

const DP_OPS: [DpOp; 16] = [
    DpOp::And,
    DpOp::Eor,
    DpOp::Sub,
    DpOp::Rsb,
    DpOp::Add,
    DpOp::Adc,
    DpOp::Sbc,
    DpOp::Rsc,
    DpOp::Tst,
    DpOp::Teq,
    DpOp::Cmp,
    DpOp::Cmn,
    DpOp::Orr,
    DpOp::Mov,
    DpOp::Bic,
    DpOp::Mvn,
];

/// Width and signedness of a single load/store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Size {
    Word,
    Byte,
    Half,
    SByte,
    SHalf,
}

/// Offset part of an addressing mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offset {
    /// Signed byte offset (the U bit already applied).
    Imm(i32),
    /// ±(Rm shifted by an immediate as encoded, same rules as `Operand2::ShiftImm`).
    Reg {
        rm: u8,
        shift: Shift,
        amount: u8,
        add: bool,
    },
}

/// Base register, offset and indexing (P and W bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addressing {
    pub rn: u8,
    pub off: Offset,
    /// P: offset applied before the access.
    pub pre: bool,
    /// Base written back (always for post-indexing).
    pub wb: bool,
}

/// Long multiplies (A5.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LongMul {
    Umaal,
    Umull,
    Umlal,
    Smull,
    Smlal,
}

/// Two-operand VFP double arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VBin {
    Add,
    Sub,
    Mul,
    Nmul,
    Div,
    Mla,
    Mls,
    Nmla,
    Nmls,
}

/// One-operand VFP double operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VUn {
    Mov,
    Abs,
    Neg,
    Sqrt,
}

/// A decoded instruction (without its condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Not decoded yet (cache slot placeholder).
    Undecoded,
    /// Executing gives this fault (undefined, unsupported, unpredictable, BKPT, ...).
    Fault(FaultKind2),
    /// A hint or barrier: no architectural effect here.
    Nop,
    /// Call of host function number `.0` (see `Sim::add_redirect`).
    Redirect(u32),
    Dp {
        op: DpOp,
        s: bool,
        rd: u8,
        rn: u8,
        op2: Operand2,
    },
    Movw {
        rd: u8,
        imm: u16,
    },
    Movt {
        rd: u8,
        imm: u16,
    },
    /// MUL (acc None), MLA (acc Some, sub false), MLS (acc Some, sub true).
    Mul {
        s: bool,
        rd: u8,
        rn: u8,
        rm: u8,
        acc: Option<u8>,
        sub: bool,
    },
    MulLong {
        kind: LongMul,
        s: bool,
        lo: u8,
        hi: u8,
        rn: u8,
        rm: u8,
    },
    Div {
        signed: bool,
        rd: u8,
        rn: u8,
        rm: u8,
    },
    Clz {
        rd: u8,
        rm: u8,
    },
    Mrs {
        rd: u8,
    },
    Msr {
        rn: u8,
    },
    /// B/BL: target = pc + 8 + off.
    Branch {
        off: i32,
        link: bool,
    },
    /// BX/BLX register.
    Bx {
        rm: u8,
        link: bool,
    },
    Load {
        size: Size,
        rt: u8,
        am: Addressing,
    },
    Store {
        size: Size,
        rt: u8,
        am: Addressing,
    },
    Ldrd {
        rt: u8,
        am: Addressing,
    },
    Strd {
        rt: u8,
        am: Addressing,
    },
    /// LDM/STM: `before` = P, `up` = U.
    Ldm {
        rn: u8,
        list: u16,
        before: bool,
        up: bool,
        wb: bool,
    },
    Stm {
        rn: u8,
        list: u16,
        before: bool,
        up: bool,
        wb: bool,
    },
    /// VLDR/VSTR: `reg` is a D number (double) or an S number (single).
    Vldr {
        double: bool,
        reg: u8,
        rn: u8,
        off: i32,
    },
    Vstr {
        double: bool,
        reg: u8,
        rn: u8,
        off: i32,
    },
    /// VLDM/VSTM/VPUSH/VPOP over `count` consecutive D (or S) registers from `first`.
    Vldm {
        double: bool,
        first: u8,
        count: u8,
        rn: u8,
        up: bool,
        wb: bool,
    },
    Vstm {
        double: bool,
        first: u8,
        count: u8,
        rn: u8,
        up: bool,
        wb: bool,
    },
    VBin {
        op: VBin,
        dd: u8,
        dn: u8,
        dm: u8,
    },
    VUn {
        op: VUn,
        dd: u8,
        dm: u8,
    },
    /// VMOV.F64 / VMOV.F32 immediate (raw bits; single writes S register `reg`).
    VMovImm {
        double: bool,
        reg: u8,
        bits: u64,
    },
    /// VMOV.F32 Sd, Sm.
    VMovS {
        sd: u8,
        sm: u8,
    },
    /// VCMP{E}.F64 Dd, Dm (dm None: compare with +0.0).
    VCmp {
        dd: u8,
        dm: Option<u8>,
        e: bool,
    },
    /// VCVT.F64.{S32,U32} Dd, Sm.
    VCvtFromInt {
        dd: u8,
        sm: u8,
        signed: bool,
    },
    /// VCVT{R}.{S32,U32}.F64 Sd, Dm; `rz` = round toward zero (VCVT), else FPSCR mode.
    VCvtToInt {
        sd: u8,
        dm: u8,
        signed: bool,
        rz: bool,
    },
    /// VCVT.F64.F32 Dd, Sm.
    VCvtF64F32 {
        dd: u8,
        sm: u8,
    },
    /// VCVT.F32.F64 Sd, Dm.
    VCvtF32F64 {
        sd: u8,
        dm: u8,
    },
    /// VMOV between Rt and Sn.
    VMovCoreS {
        sn: u8,
        rt: u8,
        to_core: bool,
    },
    /// VMOV between Rt, Rt2 and Dm (double) or Sm, Sm+1.
    VMovCore2 {
        double: bool,
        m: u8,
        rt: u8,
        rt2: u8,
        to_core: bool,
    },
    /// VMOV between Rt and Dd[x].
    VMovScalar {
        dd: u8,
        x: u8,
        rt: u8,
        to_core: bool,
    },
    /// VMRS Rt, FPSCR (rt 15: APSR_nzcv).
    Vmrs {
        rt: u8,
    },
    Vmsr {
        rt: u8,
    },
    /// A32 BLX (immediate): to Thumb at pc + 8 + off, LR = pc + 4.
    BlxImm {
        off: i32,
    },
    /// T32 IT: starts an IT block (ITSTATE = firstcond:mask).
    It {
        firstcond: u8,
        mask: u8,
    },
    /// T32 B/BL: target = pc + 4 + off (Thumb); BL sets LR = next instruction | 1.
    TBranch {
        off: i32,
        link: bool,
    },
    /// T32 BLX (immediate) to A32: target = pc + 4 + off (Align(PC, 4) folded into off).
    TBlxImm {
        off: i32,
    },
    /// T32 BX/BLX register (BLX sets LR = next instruction | 1).
    TBx {
        rm: u8,
        link: bool,
    },
    /// T32 CBZ/CBNZ: branch to pc + 4 + off when rn is zero (CBNZ: nonzero).
    Cbz {
        rn: u8,
        off: i32,
        nonzero: bool,
    },
}

/// `FaultKind` is not `Copy`; the decoded form keeps only the copyable reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind2 {
    Undefined,
    Unsupported,
    Unpredictable,
    Breakpoint(u16),
}

impl FaultKind2 {
    pub(crate) fn to_kind(self, word: u32) -> FaultKind {
        match self {
            FaultKind2::Undefined => FaultKind::Undefined { word },
            FaultKind2::Unsupported => FaultKind::Unsupported { word },
            FaultKind2::Unpredictable => FaultKind::Unpredictable { word },
            FaultKind2::Breakpoint(imm) => FaultKind::Breakpoint { imm },
        }
    }
}

/// A cached decoded instruction: condition, operation and the original word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub cond: u8,
    pub op: Op,
    pub word: u32,
}

impl Decoded {
    pub(crate) const UNDECODED: Decoded = Decoded {
        cond: 14,
        op: Op::Undecoded,
        word: 0,
    };
}

#[inline]
pub(crate) fn bits(w: u32, hi: u32, lo: u32) -> u32 {
    (w >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}

#[inline]
pub(crate) fn bit(w: u32, b: u32) -> bool {
    (w >> b) & 1 != 0
}

#[inline]
pub(crate) fn reg(w: u32, lo: u32) -> u8 {
    bits(w, lo + 3, lo) as u8
}

pub(crate) const UNDEF: Op = Op::Fault(FaultKind2::Undefined);
pub(crate) const UNSUP: Op = Op::Fault(FaultKind2::Unsupported);
pub(crate) const UNPRED: Op = Op::Fault(FaultKind2::Unpredictable);

/// Decodes one A32 word.
pub(crate) fn decode(word: u32) -> Decoded {
    let cond = bits(word, 31, 28) as u8;
    let op = if cond == 15 {
        decode_unconditional(word)
    } else {
        match bits(word, 27, 25) {
            0 => decode_dp_misc(word),
            1 => decode_dp_imm(word),
            2 => decode_ldst(word),
            3 if !bit(word, 4) => decode_ldst(word),
            3 => decode_media(word),
            4 => decode_ldm(word),
            5 => {
                let off = ((bits(word, 23, 0) << 8) as i32) >> 6;
                Op::Branch {
                    off,
                    link: bit(word, 24),
                }
            }
            _ => decode_coproc(word),
        }
    };
    Decoded { cond, op, word }
}

fn decode_unconditional(w: u32) -> Op {
    if bits(w, 27, 25) == 5 {
        // BLX (immediate) always switches to Thumb state (A8.8.25 A2): H is offset bit 1.
        let off = (((bits(w, 23, 0) << 8) as i32) >> 6) | (bits(w, 24, 24) << 1) as i32;
        return Op::BlxImm { off };
    }
    // DSB/DMB/ISB (A8.8.43/44/53): ordering only; the simulator is sequential.
    if w & 0xFFFF_FF00 == 0xF57F_F000 && matches!(bits(w, 7, 4), 4..=6) {
        return Op::Nop;
    }
    // PLD/PLI (immediate and register forms): hints.
    if w & 0xFD70_F000 == 0xF550_F000 || w & 0xFD70_F000 == 0xF450_F000 {
        return Op::Nop;
    }
    UNSUP
}

fn shifter_reg(w: u32) -> Operand2 {
    let rm = reg(w, 0);
    let shift = Shift::from_bits(bits(w, 6, 5));
    if bit(w, 4) {
        Operand2::ShiftReg {
            rm,
            shift,
            rs: reg(w, 8),
        }
    } else {
        Operand2::ShiftImm {
            rm,
            shift,
            amount: bits(w, 11, 7) as u8,
        }
    }
}

fn dp(w: u32, op2: Operand2) -> Op {
    let op = DP_OPS[bits(w, 24, 21) as usize];
    let s = bit(w, 20);
    let rd = reg(w, 12);
    let rn = reg(w, 16);
    if let Operand2::ShiftReg { rm, rs, .. } = op2 {
        // A8.8.x (register-shifted register): any of d, n, m, s being PC is UNPREDICTABLE.
        let writes = !matches!(op, DpOp::Tst | DpOp::Teq | DpOp::Cmp | DpOp::Cmn);
        if rm == 15
            || rs == 15
            || (rn == 15 && !matches!(op, DpOp::Mov | DpOp::Mvn))
            || (writes && rd == 15)
        {
            return UNPRED;
        }
    }
    // Rd = PC with S set is an exception return (SUBS PC, LR): not in user mode.
    if s && rd == 15 && !matches!(op, DpOp::Tst | DpOp::Teq | DpOp::Cmp | DpOp::Cmn) {
        return UNPRED;
    }
    Op::Dp { op, s, rd, rn, op2 }
}

fn decode_dp_imm(w: u32) -> Op {
    let op5 = bits(w, 24, 20);
    if op5 & 0b11001 == 0b10000 {
        return match op5 {
            0b10000 => Op::Movw {
                rd: reg(w, 12),
                imm: (bits(w, 19, 16) << 12 | bits(w, 11, 0)) as u16,
            },
            0b10100 => Op::Movt {
                rd: reg(w, 12),
                imm: (bits(w, 19, 16) << 12 | bits(w, 11, 0)) as u16,
            },
            0b10010 if bits(w, 19, 16) == 0 => Op::Nop, // NOP/YIELD/WFE/WFI/SEV/DBG
            _ => UNSUP,                                 // MSR (immediate)
        };
    }
    if matches!(op5, 0b10000 | 0b10100) && reg(w, 12) == 15 {
        return UNPRED;
    }
    let rot = bits(w, 11, 8) * 2;
    let value = bits(w, 7, 0).rotate_right(rot);
    dp(
        w,
        Operand2::Imm {
            value,
            rotated: rot != 0,
        },
    )
}

fn decode_dp_misc(w: u32) -> Op {
    let op5 = bits(w, 24, 20);
    let misc_space = op5 & 0b11001 == 0b10000;
    if !bit(w, 4) {
        if misc_space {
            return decode_misc(w);
        }
        return dp(w, shifter_reg(w));
    }
    if !bit(w, 7) {
        if misc_space {
            return decode_misc(w);
        }
        return dp(w, shifter_reg(w));
    }
    // bit 7 and bit 4 set: multiplies, synchronisation, extra loads/stores.
    if bits(w, 6, 5) == 0 {
        if bit(w, 24) {
            return UNSUP; // SWP, LDREX, STREX, ...
        }
        return decode_mul(w);
    }
    decode_extra_ldst(w)
}

fn decode_misc(w: u32) -> Op {
    let op = bits(w, 22, 21);
    let op2 = bits(w, 6, 4);
    if bit(w, 7) {
        return UNSUP; // halfword multiplies (SMLAxy, ...)
    }
    match (op2, op) {
        (0, 0) if bits(w, 19, 16) == 15 && bits(w, 11, 0) == 0 && !bit(w, 22) => {
            if reg(w, 12) == 15 {
                UNPRED
            } else {
                Op::Mrs { rd: reg(w, 12) }
            }
        }
        (0, 1) if bits(w, 19, 16) & 0b0011 == 0 && bits(w, 15, 4) == 0xF00 && !bit(w, 22) => {
            if reg(w, 0) == 15 {
                UNPRED
            } else if bit(w, 19) {
                Op::Msr { rn: reg(w, 0) }
            } else {
                Op::Nop // APSR_g only: GE bits are not modelled
            }
        }
        (1, 1) if bits(w, 19, 8) == 0xFFF => Op::Bx {
            rm: reg(w, 0),
            link: false,
        },
        (3, 1) if bits(w, 19, 8) == 0xFFF => {
            if reg(w, 0) == 15 {
                UNPRED
            } else {
                Op::Bx {
                    rm: reg(w, 0),
                    link: true,
                }
            }
        }
        (1, 3) if bits(w, 19, 16) == 15 && bits(w, 11, 8) == 15 => {
            if reg(w, 0) == 15 || reg(w, 12) == 15 {
                UNPRED
            } else {
                Op::Clz {
                    rd: reg(w, 12),
                    rm: reg(w, 0),
                }
            }
        }
        (7, 1) => {
            if bits(w, 31, 28) != 14 {
                UNPRED
            } else {
                Op::Fault(FaultKind2::Breakpoint(
                    (bits(w, 19, 8) << 4 | bits(w, 3, 0)) as u16,
                ))
            }
        }
        (0, _) | (2, 1) | (5, _) | (7, 3) | (1, 3) | (1, 1) | (3, 1) => UNSUP,
        _ => UNDEF,
    }
}

fn decode_mul(w: u32) -> Op {
    let s = bit(w, 20);
    let d = reg(w, 16);
    let a = reg(w, 12);
    let m = reg(w, 8);
    let n = reg(w, 0);
    let op = bits(w, 23, 21);
    let any_pc = d == 15 || m == 15 || n == 15;
    let long = |kind| {
        if any_pc || a == 15 || d == a {
            UNPRED
        } else {
            Op::MulLong {
                kind,
                s,
                lo: a,
                hi: d,
                rn: n,
                rm: m,
            }
        }
    };
    match op {
        0 => {
            if any_pc {
                UNPRED
            } else {
                Op::Mul {
                    s,
                    rd: d,
                    rn: n,
                    rm: m,
                    acc: None,
                    sub: false,
                }
            }
        }
        1 | 3 if !(op == 3 && s) => {
            if any_pc || a == 15 {
                UNPRED
            } else {
                Op::Mul {
                    s,
                    rd: d,
                    rn: n,
                    rm: m,
                    acc: Some(a),
                    sub: op == 3,
                }
            }
        }
        2 if !s => long(LongMul::Umaal),
        4 => long(LongMul::Umull),
        5 => long(LongMul::Umlal),
        6 => long(LongMul::Smull),
        7 => long(LongMul::Smlal),
        _ => UNDEF,
    }
}

fn decode_extra_ldst(w: u32) -> Op {
    let pre = bit(w, 24);
    let up = bit(w, 23);
    let imm_form = bit(w, 22);
    let wbit = bit(w, 21);
    let load = bit(w, 20);
    let rn = reg(w, 16);
    let rt = reg(w, 12);
    if !pre && wbit {
        return UNSUP; // LDRHT/STRHT/LDRSBT/LDRSHT
    }
    let wb = !pre || wbit;
    let off = if imm_form {
        let imm = (bits(w, 11, 8) << 4 | bits(w, 3, 0)) as i32;
        Offset::Imm(if up { imm } else { -imm })
    } else {
        if bits(w, 11, 8) != 0 {
            return UNPRED;
        }
        let rm = reg(w, 0);
        if rm == 15 {
            return UNPRED;
        }
        Offset::Reg {
            rm,
            shift: Shift::Lsl,
            amount: 0,
            add: up,
        }
    };
    let am = Addressing { rn, off, pre, wb };
    if wb && rn == 15 {
        return UNPRED;
    }
    let rm_of = |o: Offset| match o {
        Offset::Reg { rm, .. } => Some(rm),
        _ => None,
    };
    match (bits(w, 6, 5), load) {
        (1, _) | (2, true) | (3, true) => {
            let size = match (bits(w, 6, 5), load) {
                (1, _) => Size::Half,
                (2, _) => Size::SByte,
                _ => Size::SHalf,
            };
            if rt == 15 || (wb && rn == rt) {
                return UNPRED;
            }
            if load {
                Op::Load { size, rt, am }
            } else {
                Op::Store { size, rt, am }
            }
        }
        (kind, false) => {
            // LDRD (kind 2) / STRD (kind 3): Rt even, not LR.
            if rt & 1 == 1 || rt == 14 {
                return UNPRED;
            }
            if wb && (rn == rt || rn == rt + 1) {
                return UNPRED;
            }
            if kind == 2 {
                if let Some(rm) = rm_of(off) {
                    if rm == rt || rm == rt + 1 {
                        return UNPRED;
                    }
                }
                Op::Ldrd { rt, am }
            } else {
                Op::Strd { rt, am }
            }
        }
        _ => UNDEF,
    }
}

fn decode_ldst(w: u32) -> Op {
    let reg_form = bit(w, 25);
    let pre = bit(w, 24);
    let up = bit(w, 23);
    let byte = bit(w, 22);
    let wbit = bit(w, 21);
    let load = bit(w, 20);
    let rn = reg(w, 16);
    let rt = reg(w, 12);
    // P = 0, W = 1 is LDRT/STRT/LDRBT/STRBT: in user mode the same access as the
    // post-indexed form.
    let wb = !pre || wbit;
    let off = if reg_form {
        let rm = reg(w, 0);
        if rm == 15 {
            return UNPRED;
        }
        if wb && rm == rn {
            return UNPRED;
        }
        Offset::Reg {
            rm,
            shift: Shift::from_bits(bits(w, 6, 5)),
            amount: bits(w, 11, 7) as u8,
            add: up,
        }
    } else {
        let imm = bits(w, 11, 0) as i32;
        Offset::Imm(if up { imm } else { -imm })
    };
    if wb && (rn == 15 || (rn == rt && load)) {
        return UNPRED;
    }
    if wb && rn == rt && !load {
        return UNPRED;
    }
    let size = if byte { Size::Byte } else { Size::Word };
    if byte && rt == 15 {
        return UNPRED;
    }
    let am = Addressing { rn, off, pre, wb };
    if load {
        Op::Load { size, rt, am }
    } else {
        Op::Store { size, rt, am }
    }
}

fn decode_media(w: u32) -> Op {
    let op1 = bits(w, 24, 20);
    let op2 = bits(w, 7, 5);
    if (op1 == 0b10001 || op1 == 0b10011) && op2 == 0 && bits(w, 15, 12) == 15 {
        let (rd, rm, rn) = (reg(w, 16), reg(w, 8), reg(w, 0));
        if rd == 15 || rm == 15 || rn == 15 {
            return UNPRED;
        }
        return Op::Div {
            signed: op1 == 0b10001,
            rd,
            rn,
            rm,
        };
    }
    if op1 == 0b11111 && op2 == 0b111 {
        return UNDEF; // UDF: permanently undefined
    }
    UNSUP
}

fn decode_ldm(w: u32) -> Op {
    let before = bit(w, 24);
    let up = bit(w, 23);
    let user = bit(w, 22);
    let wb = bit(w, 21);
    let load = bit(w, 20);
    let rn = reg(w, 16);
    let list = bits(w, 15, 0) as u16;
    if user {
        return UNSUP; // LDM/STM (user registers), LDM (exception return)
    }
    if rn == 15 || list == 0 {
        return UNPRED;
    }
    if load {
        if wb && list & (1 << rn) != 0 {
            return UNPRED; // ARMv7: writeback with the base in the list
        }
        if list & (1 << 13) != 0 {
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
        // The stored base value is UNKNOWN unless Rn is the lowest register in the list.
        if wb && list & (1 << rn) != 0 && list & ((1 << rn) - 1) != 0 {
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

fn decode_coproc(w: u32) -> Op {
    if bits(w, 27, 24) == 15 {
        return UNSUP; // SVC
    }
    if bits(w, 11, 9) != 0b101 {
        return UNSUP; // other coprocessors
    }
    if bits(w, 27, 25) == 6 {
        if bits(w, 24, 21) == 0b0010 {
            return decode_vmov64(w);
        }
        return decode_vldst(w);
    }
    if bit(w, 4) {
        decode_vxfer(w)
    } else {
        crate::decode_vfp::decode_vfp_dp(w)
    }
}

fn decode_vmov64(w: u32) -> Op {
    if bits(w, 7, 6) != 0 || !bit(w, 4) {
        return UNDEF;
    }
    let to_core = bit(w, 20);
    let rt = reg(w, 12);
    let rt2 = reg(w, 16);
    let double = bit(w, 8);
    let m = if double {
        if bit(w, 5) {
            return UNDEF; // d16-d31 do not exist in VFPv3-D16
        }
        reg(w, 0)
    } else {
        (reg(w, 0) << 1) | bit(w, 5) as u8
    };
    if rt == 15 || rt2 == 15 || (to_core && rt == rt2) || (!double && m == 31) {
        return UNPRED;
    }
    Op::VMovCore2 {
        double,
        m,
        rt,
        rt2,
        to_core,
    }
}

fn decode_vldst(w: u32) -> Op {
    let p = bit(w, 24);
    let u = bit(w, 23);
    let dbit = bit(w, 22) as u8;
    let wb = bit(w, 21);
    let load = bit(w, 20);
    let rn = reg(w, 16);
    let vd = reg(w, 12);
    let imm8 = bits(w, 7, 0);
    let double = bit(w, 8);
    if !p && !u && !wb {
        return UNDEF;
    }
    let reg_no = if double {
        if dbit != 0 {
            return UNDEF;
        }
        vd
    } else {
        (vd << 1) | dbit
    };
    if p && !wb {
        let off = (imm8 * 4) as i32;
        let off = if u { off } else { -off };
        return if load {
            Op::Vldr {
                double,
                reg: reg_no,
                rn,
                off,
            }
        } else {
            Op::Vstr {
                double,
                reg: reg_no,
                rn,
                off,
            }
        };
    }
    if p == u {
        return UNDEF; // P = U = 1 with W = 1
    }
    if wb && rn == 15 {
        return UNPRED;
    }
    let (count, limit) = if double {
        if imm8 & 1 == 1 {
            return UNSUP; // FLDMX/FSTMX
        }
        (imm8 / 2, 16)
    } else {
        (imm8, 32)
    };
    if count == 0 || reg_no as u32 + count > limit {
        return if double && count > 0 && count <= 16 {
            UNDEF
        } else {
            UNPRED
        };
    }
    let count = count as u8;
    if load {
        Op::Vldm {
            double,
            first: reg_no,
            count,
            rn,
            up: u,
            wb,
        }
    } else {
        Op::Vstm {
            double,
            first: reg_no,
            count,
            rn,
            up: u,
            wb,
        }
    }
}

fn decode_vxfer(w: u32) -> Op {
    let l = bit(w, 20);
    let a = bits(w, 23, 21);
    let rt = reg(w, 12);
    if !bit(w, 8) {
        if bits(w, 6, 5) != 0 || bits(w, 3, 0) != 0 {
            return UNDEF;
        }
        match a {
            0 => {
                if rt == 15 {
                    return UNPRED;
                }
                Op::VMovCoreS {
                    sn: (reg(w, 16) << 1) | bit(w, 7) as u8,
                    rt,
                    to_core: l,
                }
            }
            7 if bits(w, 19, 16) == 1 && !bit(w, 7) => {
                if l {
                    Op::Vmrs { rt }
                } else if rt == 15 {
                    UNPRED
                } else {
                    Op::Vmsr { rt }
                }
            }
            7 => UNSUP, // FPSID, FPEXC, MVFR0/1
            _ => UNDEF,
        }
    } else {
        // VMOV scalar (32-bit form only: opc1<1> = 0, opc2 = 00).
        if bits(w, 3, 0) != 0 || bits(w, 6, 5) != 0 || bit(w, 22) || bit(w, 23) {
            return UNSUP;
        }
        if bit(w, 7) {
            return UNDEF; // d16-d31
        }
        if rt == 15 {
            return UNPRED;
        }
        Op::VMovScalar {
            dd: reg(w, 16),
            x: bit(w, 21) as u8,
            rt,
            to_core: l,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word decodes without panicking (xorshift sweep plus all
    /// cond/op-class/low-bit patterns).
    #[test]
    fn every_word_decodes() {
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let _ = decode(x);
        }
        for hi in 0..=0xFFFu32 {
            for lo in [0u32, 0x90, 0xB0, 0xD0, 0xF0, 0x10, 0xB10, 0xA10, 0xFFF] {
                let _ = decode((hi << 20) | lo);
            }
        }
    }

    #[test]
    fn decodes_known_words() {
        assert_eq!(
            decode(0xe0900001).op,
            Op::Dp {
                op: DpOp::Add,
                s: true,
                rd: 0,
                rn: 0,
                op2: Operand2::ShiftImm {
                    rm: 1,
                    shift: Shift::Lsl,
                    amount: 0
                }
            }
        );
        assert_eq!(decode(0xe7f000f0).op, UNDEF);
        // ldr r0, [r0], #4: writeback to the loaded register is UNPREDICTABLE.
        assert_eq!(decode(0xe4900004).op, UNPRED);
        // vadd.f64 d16, ...: no d16 in VFPv3-D16.
        assert_eq!(decode(0xee700b01).op, UNDEF);
    }
}
