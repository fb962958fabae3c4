//! T32-only emission (see `isa.rs`): the jump table, which in A32 is
//! `addlo pc, pc, idx, lsl #2` followed by a table of branches.

use regalloc2::Block;

use super::{CodegenError, Emitter};
use crate::asm::{Cond, DpOp, Operand2 as AOp2, Reg, Shift};

impl Emitter<'_> {
    /// `cmp idx, #n ; bhs.w default ; mov.w ip, #1 ; add.w ip, ip, idx, lsl #2 ;
    /// add ip, pc ; bx ip ; b.w t0 ; b.w t1 ...`: pc reads as the `add ip, pc` address + 4,
    /// the first table entry, and the 1 keeps the `bx` in Thumb state. The pool was flushed
    /// by the caller, so nothing lands inside the table.
    pub(super) fn br_table_t32(
        &mut self,
        idx: Reg,
        default: Block,
        targets: &[Block],
    ) -> Result<(), CodegenError> {
        let n = targets.len() as u32;
        let dl = self.labels[default.index()];
        let ip = self.ip()?;
        if n > 0 {
            match AOp2::imm(n) {
                Some(op2) => self.dp(DpOp::Cmp, true, idx, idx, op2)?,
                None => {
                    self.constant(ip, n)?;
                    self.dp(DpOp::Cmp, true, idx, idx, AOp2::Reg(ip))?;
                }
            }
            self.buf
                .branch(Cond::Hs, false, dl)
                .map_err(|e| self.asm_err(e))?;
            self.dp(DpOp::Mov, false, ip, ip, self.imm(1)?)?;
            self.dp(
                DpOp::Add,
                false,
                ip,
                ip,
                AOp2::RegShiftImm {
                    rm: idx,
                    shift: Shift::Lsl,
                    amount: 2,
                },
            )?;
            self.dp(DpOp::Add, false, ip, ip, AOp2::Reg(Reg::PC))?;
            self.inst(crate::asm::Inst::Bx {
                cond: Cond::Al,
                rm: ip,
            })?;
        } else {
            self.buf
                .branch(Cond::Al, false, dl)
                .map_err(|e| self.asm_err(e))?;
        }
        for b in targets {
            let l = self.labels[b.index()];
            self.buf
                .branch(Cond::Al, false, l)
                .map_err(|e| self.asm_err(e))?;
        }
        Ok(())
    }
}
