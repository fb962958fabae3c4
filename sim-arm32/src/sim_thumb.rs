//! Thumb state: the T32 run loop, IT blocks and interworking.
//!
//! Control is in Thumb state while the "pc" that the run loops pass around is odd (as
//! BX sees it): [`Sim::run`] dispatches on that bit. In this loop the pc is the
//! halfword-aligned address; an instruction reads r15 as its address + 4. A branch to an
//! even address (BX/BLX/LDR pc/POP {pc}/BLX immediate, a redirect, the magic return
//! address) leaves the loop and continues in A32 state; A32 code gets here the same way.
//!
//! ITSTATE lives in a local: an IT block cannot be left except by its last instruction
//! (a branch) or a fault. Narrow flag-setting forms decode with `s` set and lose it inside
//! an IT block. Writes to the pc by data-processing instructions (`mov pc, rm`,
//! `add pc, rm`: BranchWritePC in Thumb state) are not modelled and fault as unsupported.

use crate::decode::Op;
use crate::decode_t32::{decode_t32, is_wide, TDecoded};
use crate::fault::{Fault, FaultKind};
use crate::sim::{Flow, Sim};
use crate::Outcome;

/// Clears the `s` bit of a narrow flag-setting op inside an IT block.
fn without_flags(op: Op) -> Op {
    match op {
        Op::Dp {
            op, rd, rn, op2, ..
        } => Op::Dp {
            op,
            s: false,
            rd,
            rn,
            op2,
        },
        Op::Mul {
            rd,
            rn,
            rm,
            acc,
            sub,
            ..
        } => Op::Mul {
            s: false,
            rd,
            rn,
            rm,
            acc,
            sub,
        },
        other => other,
    }
}

impl Sim {
    /// Decodes (and caches) the T32 instruction at `pc`.
    #[cold]
    fn fetch_thumb(&mut self, pc: u32) -> Result<TDecoded, Fault> {
        let outside = Fault {
            pc,
            addr: pc,
            kind: FaultKind::JumpOutsideCode,
        };
        let in_code = |len: u32| {
            self.code
                .iter()
                .any(|c| pc >= c.base && ((pc - c.base) as u64) + len as u64 <= c.len as u64)
        };
        if !in_code(2) {
            return Err(outside);
        }
        let hw1 = self.mem.read_u16(pc).ok_or(outside.clone())?;
        let hw2 = if is_wide(hw1) {
            if !in_code(4) {
                return Err(outside);
            }
            self.mem.read_u16(pc.wrapping_add(2)).ok_or(outside)?
        } else {
            0
        };
        let d = decode_t32(hw1, hw2, pc);
        self.tcache.insert(pc, d);
        Ok(d)
    }

    /// Runs T32 code from `cpu.regs[15]` (odd) until control leaves Thumb state (`None`,
    /// `regs[15]` = the A32 target) or the run ends.
    pub(crate) fn run_thumb<const TRACE: bool>(&mut self) -> Result<Option<Outcome>, Fault> {
        let limit = self.step_limit.unwrap_or(u64::MAX);
        let mut pc = self.cpu.regs[15] & !1;
        let mut itstate: u8 = 0;
        loop {
            let d = match self.tcache.get(&pc) {
                Some(d) => *d,
                None => match self.fetch_thumb(pc) {
                    Ok(d) => d,
                    Err(f) => {
                        self.cpu.regs[15] = pc | 1;
                        return Err(f);
                    }
                },
            };
            if self.counters.instructions >= limit {
                self.cpu.regs[15] = pc | 1;
                return Err(Fault {
                    pc,
                    addr: pc,
                    kind: FaultKind::StepLimit,
                });
            }
            if TRACE {
                self.cpu.regs[15] = pc | 1;
                if let Some(t) = self.trace.as_mut() {
                    t(pc, d.word, &self.cpu);
                }
            }
            self.counters.instructions += 1;
            let len = u32::from(d.len);
            let in_it = itstate != 0;
            let cond = if in_it { itstate >> 4 } else { d.cond };
            if in_it {
                // ITAdvance (A2.5.2).
                itstate = if itstate & 7 == 0 {
                    0
                } else {
                    (itstate & 0xe0) | ((itstate << 1) & 0x1f)
                };
            }
            if cond != 14 && !self.cpu.cond_passed(cond) {
                pc = pc.wrapping_add(len);
                continue;
            }
            self.cur_pc = pc;
            self.cpu.regs[15] = pc.wrapping_add(4);
            let next = pc.wrapping_add(len);
            let op = if in_it && d.it_s {
                without_flags(d.op)
            } else {
                d.op
            };
            let flow = match op {
                Op::It { firstcond, mask } => {
                    itstate = (firstcond << 4) | mask;
                    Ok(Flow::Next)
                }
                Op::TBranch { off, link } => {
                    if link {
                        self.cpu.regs[14] = next | 1;
                    }
                    Ok(Flow::Jump(pc.wrapping_add(4).wrapping_add(off as u32) | 1))
                }
                Op::TBlxImm { .. } if self.m_profile => Err(self.fault(
                    pc,
                    FaultKind::NotMProfile {
                        what: "BLX (immediate)",
                    },
                )),
                Op::TBlxImm { off } => {
                    self.cpu.regs[14] = next | 1;
                    Ok(Flow::Jump(pc.wrapping_add(4).wrapping_add(off as u32)))
                }
                Op::TBx { rm, link } => {
                    let t = self.r(rm);
                    if link {
                        self.cpu.regs[14] = next | 1;
                    }
                    self.bx_write_pc(t)
                }
                Op::Cbz { rn, off, nonzero } => {
                    if (self.r(rn) != 0) == nonzero {
                        Ok(Flow::Jump(pc.wrapping_add(4).wrapping_add(off as u32) | 1))
                    } else {
                        Ok(Flow::Next)
                    }
                }
                Op::Dp { rd: 15, .. } => {
                    Err(self.fault(pc, FaultKind::Unsupported { word: d.word }))
                }
                op => self.exec(op, d.word),
            };
            match flow {
                Ok(Flow::Next) => pc = next,
                Ok(Flow::Jump(t)) => {
                    self.counters.branches_taken += 1;
                    itstate = 0;
                    if self.m_profile {
                        // No A32 state: an even target faults; an odd one that is a host
                        // function or the magic return address leaves to `run`.
                        if t & 1 == 0 {
                            self.cpu.regs[15] = pc | 1;
                            return Err(self.fault(
                                pc,
                                FaultKind::NotMProfile {
                                    what: "branch to an even (A32) address",
                                },
                            ));
                        }
                        let host = t & !1;
                        if host == crate::RETURN_MAGIC || self.redirects.contains_key(&host) {
                            self.cpu.regs[15] = host;
                            return Ok(None);
                        }
                    }
                    if t & 1 != 0 {
                        pc = t & !1;
                    } else {
                        self.cpu.regs[15] = t;
                        return Ok(None);
                    }
                }
                Ok(Flow::Stop(code)) => return Ok(Some(self.outcome(Some(code)))),
                Err(f) => {
                    self.cpu.regs[15] = pc | 1;
                    return Err(f);
                }
            }
        }
    }
}
