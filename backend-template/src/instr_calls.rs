//! Calls and returns: `i_test_yield`, `return`, local and remote calls (through the
//! export cell), BIFs called as functions, `apply`, `call_fun`. Every transfer is a tail
//! branch in the segment convention: r7 = CP, r1 = x0, x1.. already in the X array.

use backend_arm32::asm::{Cond, Reg};
use backend_arm32::codegen::SymbolName;
use beam_frontend::specific::{Dst, Known, Op, Src};
use beam_frontend::Reg as BReg;
use beam_ir::rtcall::{RtFn, NS_EXPORT_CELL, NS_SEGMENT};

use crate::masm::{CP, FCALLS, R, S};
use crate::{Fx, TemplateError};

/// Where a call goes.
enum Target {
    /// Function number `i` of this module (a `b` with a Call relocation).
    Local(u32),
    /// An address in a register.
    Reg(Reg),
}

impl Fx<'_> {
    /// Returns true when the instruction ends the flow.
    pub(crate) fn call_op(&mut self, op: &Op) -> Result<bool, TemplateError> {
        match *op {
            Op::TestYield { live } => {
                let test = self.a.label();
                self.a.bind(test)?;
                self.a.add_imm(true, FCALLS, FCALLS, -1)?;
                let out = self.cold_yield(test, live);
                self.a.b(Cond::Le, out)?;
                Ok(false)
            }
            Op::Return => {
                // No CP for the return point: it starts with CP 0 whatever r7 holds
                // (`return_point_prologue`).
                self.load_x(Reg::R1, 0)?;
                self.a.bx(CP)?;
                Ok(true)
            }
            Op::Call {
                label,
                tail,
                dealloc,
                ..
            } => {
                let callee = self
                    .fs
                    .iter()
                    .position(|f| f.entry == label)
                    .ok_or(TemplateError::MissingLabel(label))?;
                self.transfer(Target::Local(callee as u32), tail, dealloc)?;
                Ok(tail)
            }
            Op::CallExt {
                arity,
                import,
                tail,
                dealloc,
            } => self.call_ext(arity, import, tail, dealloc),
            Op::Apply {
                arity,
                tail,
                dealloc,
            } => {
                self.a.save_pinned()?;
                self.a.mov(Reg::R0, S)?;
                self.a.mov_imm(Cond::Al, Reg::R1, arity)?;
                self.a.call_rt(RtFn::Apply, None)?;
                self.go_to_address(tail, dealloc)?;
                Ok(tail)
            }
            Op::CallFun { arity, ref fun } => {
                self.load(Reg::R1, fun)?;
                self.a.save_pinned()?;
                self.a.mov(Reg::R0, S)?;
                self.a.mov_imm(Cond::Al, Reg::R2, arity)?;
                self.a.call_rt(RtFn::CallFun, None)?;
                // The runtime stored the fun's environment in x(arity)...
                self.go_to_address(false, None)?;
                Ok(false)
            }
            _ => Err(TemplateError::NotImplemented("call dispatch")),
        }
    }

    /// After a runtime call that returned a code address in r0 (0: an exception is
    /// pending): continue there.
    fn go_to_address(&mut self, tail: bool, dealloc: Option<u32>) -> R {
        self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
        self.a.b(Cond::Eq, self.pending)?;
        self.a.mov(Reg::R4, Reg::R0)?;
        self.a.reload_pinned()?;
        self.transfer(Target::Reg(Reg::R4), tail, dealloc)
    }

    /// Tail-branches to `target`: with the caller's CP (after dropping the frame) when
    /// `tail`, else with CP = the return point right after this sequence, which is an
    /// entry point.
    fn transfer(&mut self, target: Target, tail: bool, dealloc: Option<u32>) -> R {
        let cont = if tail {
            if let Some(n) = dealloc {
                self.deallocate(n)?;
            }
            None
        } else {
            let cont = self.a.label();
            self.a.ldr_label(CP, cont)?;
            Some(cont)
        };
        self.load_x(Reg::R1, 0)?;
        match target {
            Target::Local(i) => self.a.jump_symbol(SymbolName::User {
                namespace: NS_SEGMENT,
                index: i,
            })?,
            Target::Reg(r) => self.a.bx(r)?,
        }
        if let Some(cont) = cont {
            self.a.bind(cont)?;
            self.return_point_prologue()?;
        }
        Ok(())
    }

    fn call_ext(
        &mut self,
        arity: u32,
        import: u32,
        tail: bool,
        dealloc: Option<u32>,
    ) -> Result<bool, TemplateError> {
        let (module, function, a) = self.import_name(import)?;
        if module == "erlang" && function == "apply" && (a == 2 || a == 3) {
            // The runtime spreads the argument list into x0... and finds the callee.
            self.a.save_pinned()?;
            self.a.mov(Reg::R0, S)?;
            self.a.mov_imm(Cond::Al, Reg::R1, a)?;
            self.a.call_rt(RtFn::ApplyList, None)?;
            self.go_to_address(tail, dealloc)?;
            return Ok(tail);
        }
        if let Some(bif) = self.env.bif(&module, &function, a) {
            // A BIF called as a function: arguments x0.., result x0; then return if it
            // was a tail call.
            let args: Vec<Src> = (0..arity)
                .map(|i| Src::Reg(BReg::X(i), Known::default()))
                .collect();
            self.call_bif(bif, 0, Some(arity), &args, Dst::X(0))?;
            if tail {
                if let Some(n) = dealloc {
                    self.deallocate(n)?;
                }
                self.load_x(Reg::R1, 0)?;
                self.a.bx(CP)?;
            }
            return Ok(tail);
        }
        // A remote Erlang function: through its export cell `[address, arity]`.
        // (r4, not ip: dropping a frame whose size does not encode needs ip.)
        self.a.ldr_symbol(
            Reg::R4,
            SymbolName::User {
                namespace: NS_EXPORT_CELL,
                index: import,
            },
        )?;
        self.a.ldr(Reg::R4, Reg::R4, 0)?;
        self.transfer(Target::Reg(Reg::R4), tail, dealloc)?;
        Ok(tail)
    }

    pub(crate) fn import_name(&self, import: u32) -> Result<(String, String, u32), TemplateError> {
        let i = self
            .m
            .imports
            .get(import as usize)
            .ok_or(TemplateError::Import(import))?;
        Ok((
            self.m.atom(i.module).to_string(),
            self.m.atom(i.function).to_string(),
            i.arity,
        ))
    }
}
