//! Receiving and sending: `loop_rec`, `loop_rec_end`, `remove_message`, `wait`,
//! `wait_timeout`, `timeout`, `send`. A process suspended in `receive` resumes at an entry
//! point (the process-entry fragment calls it with CP and x0, as any segment).

use backend_arm32::asm::{Cond, Reg};
use beam_frontend::specific::{Dst, Known, Op, RecvMarker, Src};
use beam_frontend::Reg as BReg;
use beam_ir::rtcall::{MarkerOp, RtFn};
use beam_runtime::sched_regs::{Field, StepCode};

use crate::masm::{CP, R, S};
use crate::{Fx, TemplateError};

impl Fx<'_> {
    /// Returns true when the instruction ends the flow.
    pub(crate) fn receive_op(&mut self, op: &Op) -> Result<bool, TemplateError> {
        match op {
            Op::LoopRec { fail } => {
                // Message RecvIdx straight from the mailbox view while it is in range
                // (runtime/src/mailbox.rs); past its end the runtime looks.
                let (slow, got) = (self.a.label(), self.a.label());
                self.a.ld_field(Reg::R0, Field::RecvIdx)?;
                self.a.ld_field(Reg::R1, Field::RecvLen)?;
                self.a.cmp(Reg::R0, Reg::R1)?;
                self.a.b(Cond::Hs, slow)?;
                self.a.ld_field(Reg::R1, Field::RecvBase)?;
                self.a.ldr_word_index(Reg::R0, Reg::R1, Reg::R0)?;
                self.a.b(Cond::Al, got)?;
                self.a.bind(slow)?;
                self.a.mov(Reg::R0, S)?;
                self.a.call_rt(RtFn::RecvPeek, None)?;
                self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                let none = self.beam_label(*fail);
                self.a.b(Cond::Eq, none)?;
                self.a.bind(got)?;
                self.store_x(Reg::R0, 0)?;
                Ok(false)
            }
            Op::LoopRecEnd(l) => {
                self.a.ld_field(Reg::R0, Field::RecvIdx)?;
                self.a.add_imm(false, Reg::R0, Reg::R0, 1)?;
                self.a.st_field(Reg::R0, Field::RecvIdx)?;
                let l = self.beam_label(*l);
                self.a.b(Cond::Al, l)?;
                Ok(true)
            }
            Op::RemoveMessage => {
                self.a.save_pinned()?;
                self.a.mov(Reg::R0, S)?;
                self.a.call_rt(RtFn::RecvRemove, None)?;
                self.a.reload_pinned()?;
                Ok(false)
            }
            Op::RecvMarker(m) => {
                // rt_recv_marker(S, kind, a, b); only `Reserve` has a result. Nothing
                // on the heap moves, so the pinned registers stay valid.
                let (kind, a, b, dst) = match m {
                    RecvMarker::Reserve(d) => (MarkerOp::Reserve, None, None, Some(*d)),
                    RecvMarker::Bind { marker, reference } => {
                        (MarkerOp::Bind, Some(marker), Some(reference), None)
                    }
                    RecvMarker::Clear(r) => (MarkerOp::Clear, Some(r), None, None),
                    RecvMarker::Use(r) => (MarkerOp::Use, Some(r), None, None),
                };
                if let Some(a) = a {
                    self.load(Reg::R2, a)?;
                }
                if let Some(b) = b {
                    self.load(Reg::R3, b)?;
                }
                self.a.mov_imm(Cond::Al, Reg::R1, kind as u32)?;
                self.a.mov(Reg::R0, S)?;
                self.a.call_rt(RtFn::RecvMarker, None)?;
                if let Some(d) = dst {
                    self.store(Reg::R0, d)?;
                }
                Ok(false)
            }
            Op::Wait(l) => {
                let inf = self.env.atom_named("infinity");
                self.a.mov_imm(Cond::Al, Reg::R2, inf)?;
                self.wait(*l)?;
                Ok(true)
            }
            Op::WaitTimeout { label, timeout } => {
                self.load(Reg::R2, timeout)?;
                let after = self.a.label();
                self.a.ldr_label(Reg::R0, after)?;
                self.a.st_field(Reg::R0, Field::TimeoutResume)?;
                self.wait(*label)?;
                // Where the scheduler resumes the process when the timeout fires.
                self.a.bind(after)?;
                self.prologue()?;
                Ok(false)
            }
            Op::Timeout => {
                self.a.mov_imm(Cond::Al, Reg::R0, 0)?;
                self.a.st_field(Reg::R0, Field::RecvIdx)?;
                Ok(false)
            }
            Op::Send => {
                let bif = self.env.bif("erlang", "!", 2).unwrap_or(u32::MAX);
                let args = [
                    Src::Reg(BReg::X(0), Known::default()),
                    Src::Reg(BReg::X(1), Known::default()),
                ];
                self.call_bif(bif, 0, Some(2), &args, Dst::X(0))?;
                Ok(false)
            }
            _ => Err(TemplateError::NotImplemented("receive dispatch")),
        }
    }

    /// Leaves with step `Wait` (timeout in r2): a message resumes the process at label
    /// `l`'s entry point.
    fn wait(&mut self, l: u32) -> R {
        let resume = self.entry_stub(l);
        self.a.ldr_label(Reg::R0, resume)?;
        self.a.st_field(Reg::R0, Field::Resume)?;
        self.a.st_field(Reg::R2, Field::StepArg)?;
        self.a.st_field(CP, Field::Cp)?;
        self.a.mov_imm(Cond::Al, Reg::R0, 0)?;
        self.a.st_field(Reg::R0, Field::Live)?;
        self.leave(StepCode::Wait as u32)
    }
}
