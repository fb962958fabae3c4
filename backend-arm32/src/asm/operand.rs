//! Operands: the flexible second operand of data-processing instructions (ARM ARM A5.2.1,
//! A8.4 shifts, A5.2.4 modified immediate constants) and load/store addressing modes
//! (A5.3, A5.2.8).

use super::Reg;

/// A shift type (ARM ARM A8.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shift {
    Lsl = 0,
    Lsr = 1,
    Asr = 2,
    Ror = 3,
}

impl Shift {
    /// All shift types, in encoding order.
    pub const ALL: [Shift; 4] = [Shift::Lsl, Shift::Lsr, Shift::Asr, Shift::Ror];

    /// The lower-case mnemonic.
    pub fn name(self) -> &'static str {
        ["lsl", "lsr", "asr", "ror"][self as usize]
    }
}

/// A modified immediate constant: `imm8` rotated right by `2 * rot` (ARM ARM A5.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImmRot {
    /// The 8-bit value.
    pub imm8: u8,
    /// The rotation / 2 (0–15).
    pub rot: u8,
}

impl ImmRot {
    /// The 32-bit value this constant stands for.
    pub fn value(self) -> u32 {
        u32::from(self.imm8).rotate_right(2 * u32::from(self.rot & 15))
    }

    /// The 12-bit field (rot:imm8).
    pub fn bits(self) -> u32 {
        (u32::from(self.rot & 15) << 8) | u32::from(self.imm8)
    }
}

/// Finds an encoding of `value` as a modified immediate, preferring the smallest rotation
/// (the canonical one, as GNU as picks it). `None` if `value` is not encodable.
pub fn encode_imm(value: u32) -> Option<ImmRot> {
    (0..16u8).find_map(|rot| {
        let v = value.rotate_left(2 * u32::from(rot));
        (v < 256).then_some(ImmRot { imm8: v as u8, rot })
    })
}

/// The flexible second operand of a data-processing instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand2 {
    /// A modified immediate constant (see [`encode_imm`]).
    Imm(ImmRot),
    /// A plain register.
    Reg(Reg),
    /// A register shifted by a constant. Ranges: LSL 0–31, LSR/ASR 1–32, ROR 1–31.
    RegShiftImm { rm: Reg, shift: Shift, amount: u8 },
    /// A register rotated right by one through carry (RRX).
    Rrx(Reg),
    /// A register shifted by the bottom byte of another register.
    RegShiftReg { rm: Reg, shift: Shift, rs: Reg },
}

impl Operand2 {
    /// `Some(Imm)` if `value` is an encodable modified immediate.
    pub fn imm(value: u32) -> Option<Operand2> {
        encode_imm(value).map(Operand2::Imm)
    }
}

/// Indexing of a load/store (ARM ARM A5.3: P and W bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Index {
    /// `[rn, off]`: address = rn + off, rn unchanged.
    Offset,
    /// `[rn, off]!`: address = rn + off, rn updated.
    PreWriteback,
    /// `[rn], off`: address = rn, then rn += off.
    Post,
}

/// The offset part of a load/store address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemOffset {
    /// An immediate, added (`neg == false`) or subtracted. Word/byte: 0–4095;
    /// halfword/signed/doubleword: 0–255.
    Imm { neg: bool, imm: u16 },
    /// A register, added or subtracted.
    Reg { neg: bool, rm: Reg },
    /// A register shifted by a constant (word and byte forms only).
    ScaledReg {
        neg: bool,
        rm: Reg,
        shift: Shift,
        amount: u8,
    },
}

/// A load/store address: base register, offset and indexing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Addr {
    pub base: Reg,
    pub offset: MemOffset,
    pub index: Index,
}

impl Addr {
    /// `[base, #off]` with a signed byte offset (sign picks the U bit).
    pub fn imm(base: Reg, off: i32) -> Addr {
        Addr {
            base,
            offset: MemOffset::Imm {
                neg: off < 0,
                imm: off.unsigned_abs().min(u32::from(u16::MAX)) as u16,
            },
            index: Index::Offset,
        }
    }

    /// `[base, rm]`.
    pub fn reg(base: Reg, rm: Reg) -> Addr {
        Addr {
            base,
            offset: MemOffset::Reg { neg: false, rm },
            index: Index::Offset,
        }
    }
}
