//! Float registers and the error instructions of OTP 24–25 as specific instructions.
//!
//! BEAM keeps intermediate floats of a typed float expression in *float registers*
//! (`{fr, N}`): `fmove` loads a known float term into one (or boxes one into an X/Y
//! register), `fconv` converts any number (raising `badarith` otherwise, as
//! `erts/emulator/beam/jit/arm/instr_float.cpp` does), and `fadd`/`fsub`/`fmul`/`fdiv`/
//! `fnegate` compute on them, raising `badarith` when the result is not finite. Float
//! registers never live across a call (the compiler spills through `fmove` to a term
//! first), so the lowering keeps them as unboxed `f64` SSA values.
//!
//! `fclearerror`/`fcheckerror` (OTP 21 and older) only bracket such a block: every float
//! operation here checks its own result, so they become no-ops.

use super::{Cx, Op, ShapeError, Src};
use crate::compact::Operand;
use crate::etf::ExtTerm;

/// A float operation on float registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatOp {
    Add,
    Sub,
    Mul,
    Div,
    Neg,
}

/// Where a float value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum FSrc {
    /// Float register `N`.
    Fr(u32),
    /// A term (an X/Y register known to hold a float, or a float constant).
    Term(Src),
}

impl Cx<'_> {
    /// Float register number of operand `i`, if it is one.
    fn fr(&self, i: usize) -> Result<Option<u32>, ShapeError> {
        Ok(match self.arg(i)? {
            Operand::FloatReg(n) => Some(*n),
            _ => None,
        })
    }

    fn fr_required(&self, i: usize) -> Result<u32, ShapeError> {
        self.fr(i)?
            .ok_or_else(|| self.err(format!("operand {i} is not a float register")))
    }

    /// A source operand, with float literals resolved to their value (the lowering then
    /// uses an `f64` constant instead of loading the boxed literal).
    fn float_term(&self, i: usize) -> Result<Src, ShapeError> {
        Ok(match self.src(i)? {
            Src::Literal(l) => match self.m.literals.get(l as usize) {
                Some(ExtTerm::Float(f)) => Src::Float(*f),
                _ => Src::Literal(l),
            },
            s => s,
        })
    }

    /// Pushes the specific instruction of a float or error generic one; false when `name`
    /// is not one handled here.
    pub(super) fn float_op(&self, name: &str, out: &mut Vec<Op>) -> Result<bool, ShapeError> {
        let arith = |op| -> Result<Op, ShapeError> {
            let n = if op == FloatOp::Neg { 1 } else { 2 };
            Ok(Op::FloatArith {
                op,
                fail: self.label(0)?,
                args: (0..n)
                    .map(|i| self.fr_required(1 + i))
                    .collect::<Result<_, _>>()?,
                dst: self.fr_required(1 + n)?,
            })
        };
        let op = match name {
            "fmove" => match (self.fr(0)?, self.fr(1)?) {
                (Some(from), Some(to)) => Op::FloatMove {
                    src: FSrc::Fr(from),
                    fr: to,
                },
                (None, Some(to)) => Op::FloatMove {
                    src: FSrc::Term(self.float_term(0)?),
                    fr: to,
                },
                (Some(from), None) => Op::FloatStore {
                    fr: from,
                    dst: self.dst(1)?,
                },
                (None, None) => return Err(self.err("fmove without a float register")),
            },
            "fconv" => Op::FloatConv {
                src: self.float_term(0)?,
                fr: self.fr_required(1)?,
            },
            "fadd" => arith(FloatOp::Add)?,
            "fsub" => arith(FloatOp::Sub)?,
            "fmul" => arith(FloatOp::Mul)?,
            "fdiv" => arith(FloatOp::Div)?,
            "fnegate" => arith(FloatOp::Neg)?,
            "fclearerror" | "fcheckerror" => Op::Line(0),
            "raw_raise" => Op::RawRaise,
            "badrecord" => Op::Badrecord(self.src(0)?),
            _ => return Ok(false),
        };
        out.push(op);
        Ok(true)
    }
}
