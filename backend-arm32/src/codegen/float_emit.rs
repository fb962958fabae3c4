//! Emission of the f64 instructions ([`FInst`]) through VFP, and of regalloc2's moves of
//! f64 values (VMOV between D registers, VSTR/VLDR for spills and reloads).

use cranelift_codegen::ir::TrapCode;
use regalloc2::{Allocation, RegClass};

use super::super::float::{fcc_conds, FArithOp, FInst, FUnOp, MAX_VFP_OFFSET};
use super::super::isle::trap_imm;
use super::Emitter;
use crate::asm::{Cond, DReg, DpOp, Inst, Reg, VArithOp, VUnaryOp, VcvtOp};
use crate::codegen::CodegenError;

/// The D register of a `Float`-class allocation.
pub(super) fn dreg_of(a: Allocation) -> Option<DReg> {
    a.as_reg()
        .filter(|p| p.class() == RegClass::Float)
        .and_then(|p| DReg::new(p.hw_enc() as u32).ok())
}

/// Bounds of the f64 values that truncate into i32 / u32: a value converts iff
/// `lower < x < upper` (both bounds are exact doubles).
fn int_bounds(signed: bool) -> (f64, f64) {
    if signed {
        (-2147483649.0, 2147483648.0)
    } else {
        (-1.0, 4294967296.0)
    }
}

impl Emitter<'_> {
    fn d(&self, allocs: &[Allocation], idx: usize) -> Result<DReg, CodegenError> {
        allocs
            .get(idx)
            .copied()
            .and_then(dreg_of)
            .ok_or_else(|| CodegenError::Regalloc {
                func: self.func.to_string(),
                why: format!("operand {idx} not in a D register"),
            })
    }

    /// The low S half of a D register (d0–d15 have one; the allocator uses d0–d7).
    fn low_s(&self, d: DReg) -> Result<crate::asm::SReg, CodegenError> {
        d.low_s().ok_or_else(|| {
            self.asm_err(crate::asm::AsmError::BadRegister {
                kind: "s",
                num: d.num() * 2,
            })
        })
    }

    /// `vcmp.f64 dn, dm; vmrs APSR_nzcv, fpscr`
    pub(super) fn vcmp(&mut self, dn: DReg, dm: DReg) -> Result<(), CodegenError> {
        self.inst(Inst::Vcmp {
            cond: Cond::Al,
            e: false,
            dd: dn,
            dm: Some(dm),
        })?;
        self.inst(Inst::VmrsNzcv { cond: Cond::Al })
    }

    fn vldr_const(&mut self, d: DReg, bits: u64) -> Result<(), CodegenError> {
        self.buf
            .vldr_literal(Cond::Al, d, bits)
            .map_err(|e| self.asm_err(e))
    }

    /// A spill slot's offset, checked against VLDR/VSTR's reach.
    fn vfp_slot_offset(&self, a: Allocation) -> Result<i32, CodegenError> {
        let off = self.slot_offset(a)?;
        if off > MAX_VFP_OFFSET {
            return Err(CodegenError::FrameTooLarge {
                func: self.func.to_string(),
                bytes: off as u32,
            });
        }
        Ok(off)
    }

    /// A regalloc2 move of an f64 value; `None` if neither side is a D register.
    pub(super) fn float_edit(
        &mut self,
        from: Allocation,
        to: Allocation,
    ) -> Option<Result<(), CodegenError>> {
        let r = match (dreg_of(from), dreg_of(to)) {
            (None, None) => return None,
            (Some(f), Some(t)) if f == t => Ok(()),
            (Some(f), Some(t)) => self.inst(Inst::VUnary {
                cond: Cond::Al,
                op: VUnaryOp::Vmov,
                dd: t,
                dm: f,
            }),
            (Some(f), None) => self.vfp_slot_offset(to).and_then(|off| {
                self.inst(Inst::Vstr {
                    cond: Cond::Al,
                    dd: f,
                    rn: Reg::SP,
                    offset: off,
                })
            }),
            (None, Some(t)) => self.vfp_slot_offset(from).and_then(|off| {
                self.inst(Inst::Vldr {
                    cond: Cond::Al,
                    dd: t,
                    rn: Reg::SP,
                    offset: off,
                })
            }),
        };
        Some(r)
    }

    /// An f64 stack argument: VSTR (outgoing, `store`) or VLDR (incoming) at `[sp, #off]`.
    pub(super) fn float_stack_arg(
        &mut self,
        d: DReg,
        off: u32,
        store: bool,
    ) -> Result<(), CodegenError> {
        if off > MAX_VFP_OFFSET as u32 {
            return Err(CodegenError::FrameTooLarge {
                func: self.func.to_string(),
                bytes: off,
            });
        }
        let (cond, rn, offset) = (Cond::Al, Reg::SP, off as i32);
        self.inst(if store {
            Inst::Vstr {
                cond,
                dd: d,
                rn,
                offset,
            }
        } else {
            Inst::Vldr {
                cond,
                dd: d,
                rn,
                offset,
            }
        })
    }

    pub(super) fn float(&mut self, f: &FInst, allocs: &[Allocation]) -> Result<(), CodegenError> {
        let al = Cond::Al;
        match f {
            FInst::Const { bits, .. } => {
                let d = self.d(allocs, 0)?;
                self.vldr_const(d, *bits)
            }
            FInst::Arith { op, .. } => {
                let (dn, dm, dd) = (self.d(allocs, 0)?, self.d(allocs, 1)?, self.d(allocs, 2)?);
                let op = match op {
                    FArithOp::Add => VArithOp::Vadd,
                    FArithOp::Sub => VArithOp::Vsub,
                    FArithOp::Mul => VArithOp::Vmul,
                    FArithOp::Div => VArithOp::Vdiv,
                };
                self.inst(Inst::VArith {
                    cond: al,
                    op,
                    dd,
                    dn,
                    dm,
                })
            }
            FInst::Unary { op, .. } => {
                let (dm, dd) = (self.d(allocs, 0)?, self.d(allocs, 1)?);
                let op = match op {
                    FUnOp::Abs => VUnaryOp::Vabs,
                    FUnOp::Neg => VUnaryOp::Vneg,
                    FUnOp::Sqrt => VUnaryOp::Vsqrt,
                };
                self.inst(Inst::VUnary {
                    cond: al,
                    op,
                    dd,
                    dm,
                })
            }
            FInst::Cmp { cc, .. } => {
                let (dn, dm, rd) = (self.d(allocs, 0)?, self.d(allocs, 1)?, self.r(allocs, 2)?);
                self.vcmp(dn, dm)?;
                // MOV leaves the flags alone, so every move sees the compare.
                self.dp(DpOp::Mov, false, rd, rd, self.imm(0)?)?;
                let (c1, c2) = fcc_conds(*cc);
                self.dp_cond(c1, DpOp::Mov, rd, self.imm(1)?)?;
                if let Some(c2) = c2 {
                    self.dp_cond(c2, DpOp::Mov, rd, self.imm(1)?)?;
                }
                Ok(())
            }
            FInst::Select { bits, .. } => {
                let c = self.r(allocs, 0)?;
                let (dt, df, dd) = (self.d(allocs, 1)?, self.d(allocs, 2)?, self.d(allocs, 3)?);
                self.test_nonzero(c, *bits)?;
                // Exactly one of the two moves executes.
                for (cond, dm) in [(Cond::Ne, dt), (Cond::Eq, df)] {
                    if dm != dd {
                        self.inst(Inst::VUnary {
                            cond,
                            op: VUnaryOp::Vmov,
                            dd,
                            dm,
                        })?;
                    }
                }
                Ok(())
            }
            FInst::FromInt { signed, .. } => {
                let (rn, dd) = (self.r(allocs, 0)?, self.d(allocs, 1)?);
                // The destination's own low half holds the integer on the way in.
                let s = self.low_s(dd)?;
                self.inst(Inst::VmovToS {
                    cond: al,
                    sn: s,
                    rt: rn,
                })?;
                self.inst(Inst::Vcvt {
                    cond: al,
                    op: if *signed {
                        VcvtOp::F64FromS32
                    } else {
                        VcvtOp::F64FromU32
                    },
                    d: dd,
                    s,
                })
            }
            FInst::ToInt { signed, sat, .. } => {
                let (dn, rd, tmp) = (self.d(allocs, 0)?, self.r(allocs, 1)?, self.d(allocs, 2)?);
                if !*sat {
                    // NaN: unordered with itself.
                    self.vcmp(dn, dn)?;
                    self.trap_unless(Cond::Vc, trap_imm(TrapCode::BAD_CONVERSION_TO_INTEGER))?;
                    let (lo, hi) = int_bounds(*signed);
                    let ovf = trap_imm(TrapCode::INTEGER_OVERFLOW);
                    self.vldr_const(tmp, lo.to_bits())?;
                    self.vcmp(dn, tmp)?;
                    // x <= lower is LS; anything above it is HI.
                    self.trap_unless(Cond::Hi, ovf)?;
                    self.vldr_const(tmp, hi.to_bits())?;
                    self.vcmp(dn, tmp)?;
                    self.trap_unless(Cond::Lt, ovf)?;
                }
                // VCVT rounds toward zero, saturates, and turns NaN into 0: exactly the
                // `_sat` semantics.
                let s = self.low_s(tmp)?;
                self.inst(Inst::Vcvt {
                    cond: al,
                    op: if *signed {
                        VcvtOp::S32FromF64
                    } else {
                        VcvtOp::U32FromF64
                    },
                    d: dn,
                    s,
                })?;
                self.inst(Inst::VmovFromS {
                    cond: al,
                    rt: rd,
                    sn: s,
                })
            }
            FInst::FromBits { .. } => {
                let (lo, hi, dd) = (self.r(allocs, 0)?, self.r(allocs, 1)?, self.d(allocs, 2)?);
                self.inst(Inst::VmovToD {
                    cond: al,
                    dm: dd,
                    rt: lo,
                    rt2: hi,
                })
            }
            FInst::ToBits { .. } => {
                let (dm, lo, hi) = (self.d(allocs, 0)?, self.r(allocs, 1)?, self.r(allocs, 2)?);
                self.inst(Inst::VmovFromD {
                    cond: al,
                    rt: lo,
                    rt2: hi,
                    dm,
                })
            }
            FInst::Load { off, .. } => {
                let (base, dd) = (self.r(allocs, 0)?, self.d(allocs, 1)?);
                self.inst(Inst::Vldr {
                    cond: al,
                    dd,
                    rn: base,
                    offset: *off,
                })
            }
            FInst::Store { off, .. } => {
                let (dd, base) = (self.d(allocs, 0)?, self.r(allocs, 1)?);
                self.inst(Inst::Vstr {
                    cond: al,
                    dd,
                    rn: base,
                    offset: *off,
                })
            }
        }
    }
}
