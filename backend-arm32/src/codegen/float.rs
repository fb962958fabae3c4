//! f64 in VFP (VFPv3-D16): the float instructions of the VCode and their regalloc2
//! operands (emission is in `float_emit.rs`).
//!
//! An f64 lives in one D register of regalloc2's `Float` class. The allocator hands out
//! d0–d7 only: they are caller-saved under AAPCS-VFP, so no function ever has to save a
//! D register; d8–d15 stay untouched (a value live across a call is spilled instead).
//! Spill slots are two words; VLDR/VSTR reach them at `[sp, #off]` up to 1020 bytes.

use regalloc2::{Operand, OperandConstraint, OperandKind, OperandPos, VReg};

/// VADD/VSUB/VMUL/VDIV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// VABS/VNEG/VSQRT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FUnOp {
    Abs,
    Neg,
    Sqrt,
}

/// Float compare condition (CLIF's).
pub type FloatCC = cranelift_codegen::ir::condcodes::FloatCC;

/// One f64 instruction on virtual registers (`rd`/`rn`/`rm`/`rt`/`rf` of f64 values are
/// `Float`-class registers; integer operands are named in each variant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FInst {
    /// `rd = bits` (VLDR from the literal pool).
    Const { rd: VReg, bits: u64 },
    /// `rd = rn <op> rm`
    Arith {
        op: FArithOp,
        rd: VReg,
        rn: VReg,
        rm: VReg,
    },
    /// `rd = op rn`
    Unary { op: FUnOp, rd: VReg, rn: VReg },
    /// Integer `rd = (rn cc rm) ? 1 : 0` (VCMP + VMRS, then conditional moves).
    Cmp {
        cc: FloatCC,
        rd: VReg,
        rn: VReg,
        rm: VReg,
    },
    /// `rd = (low `bits` bits of the integer c != 0) ? rt : rf`
    Select {
        bits: u8,
        rd: VReg,
        c: VReg,
        rt: VReg,
        rf: VReg,
    },
    /// `rd = (f64) rn` from a 32-bit integer (already extended from narrower types).
    FromInt { signed: bool, rd: VReg, rn: VReg },
    /// Integer `rd = (i32/u32) rn`, rounding toward zero. Unless `sat`, traps on NaN
    /// (`bad_toint`) and on values out of range (`int_ovf`); saturating, NaN gives 0.
    /// `tmp` is an f64 temporary (an early def: written before `rn` is last read).
    ToInt {
        signed: bool,
        sat: bool,
        rd: VReg,
        rn: VReg,
        tmp: VReg,
    },
    /// `rd` = the f64 whose bits are `hi:lo` (bitcast from i64).
    FromBits { rd: VReg, lo: VReg, hi: VReg },
    /// `(lo, hi)` = the bits of `rn` (bitcast to i64).
    ToBits { lo: VReg, hi: VReg, rn: VReg },
    /// `rd = [base + off]` (off a multiple of 4 within ±1020).
    Load { rd: VReg, base: VReg, off: i32 },
    /// `[base + off] = rt`
    Store { rt: VReg, base: VReg, off: i32 },
}

/// The largest VLDR/VSTR offset magnitude (imm8 words).
pub const MAX_VFP_OFFSET: i32 = 1020;

/// Whether VLDR/VSTR can address `[base + off]` directly.
pub fn vfp_offset_ok(off: i32) -> bool {
    off % 4 == 0 && off.unsigned_abs() <= MAX_VFP_OFFSET as u32
}

impl FInst {
    /// The regalloc2 operands: uses, then defs.
    pub fn operands(&self) -> super::vcode::Operands {
        match self {
            FInst::Const { rd, .. } => smallvec::smallvec![Operand::reg_def(*rd)],
            FInst::Arith { rd, rn, rm, .. } | FInst::Cmp { rd, rn, rm, .. } => smallvec::smallvec![
                Operand::reg_use(*rn),
                Operand::reg_use(*rm),
                Operand::reg_def(*rd),
            ],
            FInst::Unary { rd, rn, .. } | FInst::FromInt { rd, rn, .. } => {
                smallvec::smallvec![Operand::reg_use(*rn), Operand::reg_def(*rd)]
            }
            FInst::Select { rd, c, rt, rf, .. } => smallvec::smallvec![
                Operand::reg_use(*c),
                Operand::reg_use(*rt),
                Operand::reg_use(*rf),
                Operand::reg_def(*rd),
            ],
            FInst::ToInt { rd, rn, tmp, .. } => smallvec::smallvec![
                Operand::reg_use(*rn),
                Operand::reg_def(*rd),
                Operand::new(
                    *tmp,
                    OperandConstraint::Reg,
                    OperandKind::Def,
                    OperandPos::Early,
                ),
            ],
            FInst::FromBits { rd, lo, hi } => smallvec::smallvec![
                Operand::reg_use(*lo),
                Operand::reg_use(*hi),
                Operand::reg_def(*rd),
            ],
            FInst::ToBits { lo, hi, rn } => smallvec::smallvec![
                Operand::reg_use(*rn),
                Operand::reg_def(*lo),
                Operand::reg_def(*hi),
            ],
            FInst::Load { rd, base, .. } => {
                smallvec::smallvec![Operand::reg_use(*base), Operand::reg_def(*rd)]
            }
            FInst::Store { rt, base, .. } => {
                smallvec::smallvec![Operand::reg_use(*rt), Operand::reg_use(*base)]
            }
        }
    }

    /// Renames every virtual register through `f`.
    pub fn map_vregs(&mut self, f: &impl Fn(VReg) -> VReg) {
        let regs: Vec<&mut VReg> = match self {
            FInst::Const { rd, .. } => vec![rd],
            FInst::Arith { rd, rn, rm, .. } | FInst::Cmp { rd, rn, rm, .. } => vec![rd, rn, rm],
            FInst::Unary { rd, rn, .. } | FInst::FromInt { rd, rn, .. } => vec![rd, rn],
            FInst::Select { rd, c, rt, rf, .. } => vec![rd, c, rt, rf],
            FInst::ToInt { rd, rn, tmp, .. } => vec![rd, rn, tmp],
            FInst::FromBits { rd, lo, hi } => vec![rd, lo, hi],
            FInst::ToBits { lo, hi, rn } => vec![lo, hi, rn],
            FInst::Load { rd, base, .. } => vec![rd, base],
            FInst::Store { rt, base, .. } => vec![rt, base],
        };
        for r in regs {
            *r = f(*r);
        }
    }
}

/// The A32 conditions, after `vcmp rn, rm; vmrs APSR_nzcv, fpscr`, under which `rn cc rm`
/// holds: one, or two that are or-ed. VCMP sets NZCV to 1000 (less), 0110 (equal),
/// 0010 (greater) or 0011 (unordered: a NaN operand).
pub fn fcc_conds(cc: FloatCC) -> (crate::asm::Cond, Option<crate::asm::Cond>) {
    use crate::asm::Cond;
    match cc {
        FloatCC::Ordered => (Cond::Vc, None),
        FloatCC::Unordered => (Cond::Vs, None),
        FloatCC::Equal => (Cond::Eq, None),
        // Unordered or not equal: Z clear.
        FloatCC::NotEqual => (Cond::Ne, None),
        FloatCC::OrderedNotEqual => (Cond::Mi, Some(Cond::Gt)),
        FloatCC::UnorderedOrEqual => (Cond::Eq, Some(Cond::Vs)),
        // N only on "less".
        FloatCC::LessThan => (Cond::Mi, None),
        // C clear or Z set: less or equal, not unordered.
        FloatCC::LessThanOrEqual => (Cond::Ls, None),
        // Z clear and N == V: greater only (unordered has V set).
        FloatCC::GreaterThan => (Cond::Gt, None),
        FloatCC::GreaterThanOrEqual => (Cond::Ge, None),
        // N != V: less or unordered.
        FloatCC::UnorderedOrLessThan => (Cond::Lt, None),
        FloatCC::UnorderedOrLessThanOrEqual => (Cond::Le, None),
        // C set and Z clear: greater or unordered.
        FloatCC::UnorderedOrGreaterThan => (Cond::Hi, None),
        // C set: equal, greater or unordered.
        FloatCC::UnorderedOrGreaterThanOrEqual => (Cond::Hs, None),
    }
}
