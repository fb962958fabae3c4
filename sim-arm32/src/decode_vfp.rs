//! Decoding of VFP data-processing instructions (ARM ARM A7.5, VFPv3-D16).
//! Double precision is implemented fully; of single precision only the moves and
//! conversions that double-precision code needs (VMOV, VCVT between f32/f64/ints).

use crate::decode::{bit, bits, reg, Op, VBin, VUn, UNDEF, UNSUP};

/// D register number from a 4-bit field plus its extension bit; `None` for d16-d31,
/// which VFPv3-D16 does not have (UNDEFINED).
fn dreg(w: u32, lo: u32, ext: u32) -> Option<u8> {
    if bit(w, ext) {
        None
    } else {
        Some(reg(w, lo))
    }
}

/// S register number: Vx:X.
fn sreg(w: u32, lo: u32, ext: u32) -> u8 {
    (reg(w, lo) << 1) | bit(w, ext) as u8
}

/// VFPExpandImm (A7.5.1) for 64 bits.
fn expand_imm64(imm8: u32) -> u64 {
    let sign = (imm8 >> 7) as u64 & 1;
    let b6 = (imm8 >> 6) as u64 & 1;
    let exp = ((b6 ^ 1) << 10) | (if b6 == 1 { 0xFF << 2 } else { 0 }) | ((imm8 >> 4) as u64 & 3);
    let frac = (imm8 as u64 & 0xF) << 48;
    (sign << 63) | (exp << 52) | frac
}

/// VFPExpandImm (A7.5.1) for 32 bits.
fn expand_imm32(imm8: u32) -> u32 {
    let sign = (imm8 >> 7) & 1;
    let b6 = (imm8 >> 6) & 1;
    let exp = ((b6 ^ 1) << 7) | (if b6 == 1 { 0x1F << 2 } else { 0 }) | ((imm8 >> 4) & 3);
    let frac = (imm8 & 0xF) << 19;
    (sign << 31) | (exp << 23) | frac
}

pub(crate) fn decode_vfp_dp(w: u32) -> Op {
    let double = bit(w, 8);
    let opc1 = (bits(w, 23, 23) << 2) | bits(w, 21, 20);
    let op6 = bit(w, 6);
    if opc1 != 0b111 {
        if !double {
            return UNSUP; // single-precision arithmetic
        }
        let (Some(dd), Some(dn), Some(dm)) = (dreg(w, 12, 22), dreg(w, 16, 7), dreg(w, 0, 5))
        else {
            return UNDEF;
        };
        let op = match (opc1, op6) {
            (0, false) => VBin::Mla,
            (0, true) => VBin::Mls,
            (1, false) => VBin::Nmls,
            (1, true) => VBin::Nmla,
            (2, false) => VBin::Mul,
            (2, true) => VBin::Nmul,
            (3, false) => VBin::Add,
            (3, true) => VBin::Sub,
            (4, false) => VBin::Div,
            _ => return UNDEF, // VFMA/VFNMA are VFPv4
        };
        return Op::VBin { op, dd, dn, dm };
    }
    let opc2 = bits(w, 19, 16);
    if !op6 {
        // VMOV (immediate): bits 7:4 must be 0000.
        if bits(w, 7, 4) != 0 {
            return UNDEF;
        }
        let imm8 = (opc2 << 4) | bits(w, 3, 0);
        return if double {
            match dreg(w, 12, 22) {
                Some(dd) => Op::VMovImm {
                    double,
                    reg: dd,
                    bits: expand_imm64(imm8),
                },
                None => UNDEF,
            }
        } else {
            Op::VMovImm {
                double,
                reg: sreg(w, 12, 22),
                bits: expand_imm32(imm8) as u64,
            }
        };
    }
    let b7 = bit(w, 7);
    match opc2 {
        0 | 1 => {
            let op = match (opc2, b7) {
                (0, false) => VUn::Mov,
                (0, true) => VUn::Abs,
                (1, false) => VUn::Neg,
                _ => VUn::Sqrt,
            };
            if !double {
                return if op == VUn::Mov {
                    Op::VMovS {
                        sd: sreg(w, 12, 22),
                        sm: sreg(w, 0, 5),
                    }
                } else {
                    UNSUP
                };
            }
            match (dreg(w, 12, 22), dreg(w, 0, 5)) {
                (Some(dd), Some(dm)) => Op::VUn { op, dd, dm },
                _ => UNDEF,
            }
        }
        4 | 5 => {
            if !double {
                return UNSUP;
            }
            let Some(dd) = dreg(w, 12, 22) else {
                return UNDEF;
            };
            let dm = if opc2 == 4 {
                match dreg(w, 0, 5) {
                    Some(dm) => Some(dm),
                    None => return UNDEF,
                }
            } else {
                if bits(w, 3, 0) != 0 || bit(w, 5) {
                    return UNDEF;
                }
                None
            };
            Op::VCmp { dd, dm, e: b7 }
        }
        7 if b7 => {
            if double {
                match dreg(w, 0, 5) {
                    Some(dm) => Op::VCvtF32F64 {
                        sd: sreg(w, 12, 22),
                        dm,
                    },
                    None => UNDEF,
                }
            } else {
                match dreg(w, 12, 22) {
                    Some(dd) => Op::VCvtF64F32 {
                        dd,
                        sm: sreg(w, 0, 5),
                    },
                    None => UNDEF,
                }
            }
        }
        8 => {
            if !double {
                return UNSUP;
            }
            match dreg(w, 12, 22) {
                Some(dd) => Op::VCvtFromInt {
                    dd,
                    sm: sreg(w, 0, 5),
                    signed: b7,
                },
                None => UNDEF,
            }
        }
        12 | 13 => {
            if !double {
                return UNSUP;
            }
            match dreg(w, 0, 5) {
                Some(dm) => Op::VCvtToInt {
                    sd: sreg(w, 12, 22),
                    dm,
                    signed: opc2 == 13,
                    rz: b7,
                },
                None => UNDEF,
            }
        }
        2 | 3 | 10 | 11 | 14 | 15 => UNSUP, // half precision, fixed point
        _ => UNDEF,
    }
}
