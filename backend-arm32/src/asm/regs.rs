//! Registers and condition codes (ARM ARM DDI 0406C, A2.3 core registers, A8.3 conditions,
//! A2.6 / A8.5.3 VFP extension registers).

use super::AsmError;

/// A core register r0–r15.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(u8);

impl Reg {
    pub const R0: Reg = Reg(0);
    pub const R1: Reg = Reg(1);
    pub const R2: Reg = Reg(2);
    pub const R3: Reg = Reg(3);
    pub const R4: Reg = Reg(4);
    pub const R5: Reg = Reg(5);
    pub const R6: Reg = Reg(6);
    pub const R7: Reg = Reg(7);
    pub const R8: Reg = Reg(8);
    pub const R9: Reg = Reg(9);
    pub const R10: Reg = Reg(10);
    pub const R11: Reg = Reg(11);
    pub const R12: Reg = Reg(12);
    /// Stack pointer (r13).
    pub const SP: Reg = Reg(13);
    /// Link register (r14).
    pub const LR: Reg = Reg(14);
    /// Program counter (r15); reads as the instruction's address + 8.
    pub const PC: Reg = Reg(15);

    /// Register `n` (0–15); a typed error otherwise.
    pub fn new(n: u32) -> Result<Reg, AsmError> {
        if n < 16 {
            Ok(Reg(n as u8))
        } else {
            Err(AsmError::BadRegister { kind: "r", num: n })
        }
    }

    /// The 4-bit register number.
    pub fn num(self) -> u32 {
        u32::from(self.0)
    }

    /// The register named by the low 4 bits of `bits` (for decoders).
    pub(crate) fn masked(bits: u32) -> Reg {
        Reg((bits & 15) as u8)
    }
}

/// A double-precision VFP register d0–d31 (VFPv3-D16 targets use d0–d15 only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DReg(u8);

impl DReg {
    /// The register named by the low 5 bits of `bits` (for decoders).
    pub(crate) fn masked(bits: u32) -> DReg {
        DReg((bits & 31) as u8)
    }

    /// Register `n` (0–31); a typed error otherwise.
    pub fn new(n: u32) -> Result<DReg, AsmError> {
        if n < 32 {
            Ok(DReg(n as u8))
        } else {
            Err(AsmError::BadRegister { kind: "d", num: n })
        }
    }

    /// The 5-bit register number.
    pub fn num(self) -> u32 {
        u32::from(self.0)
    }

    /// The low single-precision half (s(2n)); only d0–d15 have S halves.
    pub fn low_s(self) -> Option<SReg> {
        if self.0 < 16 {
            Some(SReg(self.0 * 2))
        } else {
            None
        }
    }
}

/// A single-precision VFP register s0–s31 (used for the integer side of VCVT and VMOV).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SReg(u8);

impl SReg {
    /// The register named by the low 5 bits of `bits` (for decoders).
    pub(crate) fn masked(bits: u32) -> SReg {
        SReg((bits & 31) as u8)
    }

    /// Register `n` (0–31); a typed error otherwise.
    pub fn new(n: u32) -> Result<SReg, AsmError> {
        if n < 32 {
            Ok(SReg(n as u8))
        } else {
            Err(AsmError::BadRegister { kind: "s", num: n })
        }
    }

    /// The 5-bit register number.
    pub fn num(self) -> u32 {
        u32::from(self.0)
    }
}

/// Condition field (ARM ARM A8.3, table A8-1). `Al` is "always".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    Eq = 0,
    Ne = 1,
    Hs = 2,
    Lo = 3,
    Mi = 4,
    Pl = 5,
    Vs = 6,
    Vc = 7,
    Hi = 8,
    Ls = 9,
    Ge = 10,
    Lt = 11,
    Gt = 12,
    Le = 13,
    Al = 14,
}

impl Cond {
    /// All fifteen conditions, in encoding order.
    pub const ALL: [Cond; 15] = [
        Cond::Eq,
        Cond::Ne,
        Cond::Hs,
        Cond::Lo,
        Cond::Mi,
        Cond::Pl,
        Cond::Vs,
        Cond::Vc,
        Cond::Hi,
        Cond::Ls,
        Cond::Ge,
        Cond::Lt,
        Cond::Gt,
        Cond::Le,
        Cond::Al,
    ];

    /// The 4-bit encoding.
    pub fn bits(self) -> u32 {
        self as u32
    }

    /// The opposite condition (`Al` has none and maps to itself).
    pub fn invert(self) -> Cond {
        if self == Cond::Al {
            Cond::Al
        } else {
            Cond::ALL[(self as usize) ^ 1]
        }
    }

    /// The suffix objdump prints ("" for `Al`; "cs"/"cc" for hs/lo as GNU does).
    pub fn suffix(self) -> &'static str {
        [
            "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "",
        ][self as usize]
    }
}

/// A register list for LDM/STM/PUSH/POP: bit n set means rn is in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegList(pub u16);

impl RegList {
    /// The list holding exactly `regs`.
    pub fn of(regs: &[Reg]) -> RegList {
        RegList(regs.iter().fold(0u16, |m, r| m | (1 << r.num())))
    }
}
