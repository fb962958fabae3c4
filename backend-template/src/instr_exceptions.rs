//! Raising and catching: `func_info`, `badmatch`, `case_end`, `try_case_end`, `if_end`,
//! `try`/`catch` tags and their ends, `raise`; instructions the frontend does not know
//! raise `not_implemented` as in the IR mode. The catch mechanism itself is the shared
//! `handle` fragment (docs/beam-machine.md §4); a handler is an entry point.

use backend_arm32::asm::{Cond, Reg};
use beam_frontend::specific::{Dst, Op, Src};
use beam_ir::rtcall::{RaiseKind, RtFn};
use beam_ir::tags;
use beam_runtime::term;

use crate::masm::S;
use crate::{Fx, TemplateError};

impl Fx<'_> {
    /// Returns true when the instruction ends the flow.
    pub(crate) fn exception_op(&mut self, op: &Op, pos: usize) -> Result<bool, TemplateError> {
        match op {
            Op::FuncInfo { .. } => {
                // The value is unused by the runtime for function_clause (as the IR mode,
                // the instruction's position).
                self.a.mov_imm(Cond::Al, Reg::R2, pos as u32)?;
                self.raise(RaiseKind::FunctionClause)?;
                Ok(true)
            }
            Op::Badmatch(s) | Op::CaseEnd(s) | Op::TryCaseEnd(s) => {
                let kind = match op {
                    Op::Badmatch(_) => RaiseKind::Badmatch,
                    Op::CaseEnd(_) => RaiseKind::CaseClause,
                    _ => RaiseKind::TryClause,
                };
                self.load(Reg::R2, s)?;
                self.raise(kind)?;
                Ok(true)
            }
            Op::IfEnd => {
                self.a.mov_imm(Cond::Al, Reg::R2, 0)?;
                self.raise(RaiseKind::IfClause)?;
                Ok(true)
            }
            Op::Unsupported(ins) => {
                let n = tags::small_const(i64::from(ins.op.number)).unwrap_or(0);
                self.a.mov_imm(Cond::Al, Reg::R2, n as u32)?;
                self.raise(RaiseKind::NotImplemented)?;
                Ok(true)
            }
            Op::Try { y, label } => {
                let n = self.new_catch(*label);
                let tag = self.env.catch_tag(n);
                self.a.mov_imm_pair(Cond::Al, Reg::R0, tag)?;
                self.store(Reg::R0, Dst::Y(*y))?;
                Ok(false)
            }
            Op::TryEnd(y) => {
                self.nil_y(*y)?;
                Ok(false)
            }
            Op::TryCase(y) => {
                // Class, reason and stack trace move from x1..x3 to x0..x2.
                self.nil_y(*y)?;
                for i in 0..3 {
                    self.load_x(Reg::R0, i + 1)?;
                    self.store_x(Reg::R0, i)?;
                }
                Ok(false)
            }
            Op::CatchEnd(y) => {
                // x0 is the non-value when an exception was caught: then the value of
                // `catch` is built from class and reason.
                self.nil_y(*y)?;
                let done = self.a.label();
                self.load_x(Reg::R0, 0)?;
                self.a.cmp_imm(Cond::Al, Reg::R0, 0)?;
                self.a.b(Cond::Ne, done)?;
                self.a.save_pinned()?;
                self.a.mov(Reg::R0, S)?;
                self.load_x(Reg::R1, 1)?;
                self.load_x(Reg::R2, 2)?;
                self.a.call_rt(RtFn::CatchValue, None)?;
                self.a.reload_pinned()?;
                self.store_x(Reg::R0, 0)?;
                self.a.bind(done)?;
                Ok(false)
            }
            Op::Rethrow { trace, value } => {
                // The raw stack trace is the class (traces are not recorded): this is
                // `erlang:raise(Class, Value, [])`, which always raises.
                let bif = self.env.bif("erlang", "raise", 3).unwrap_or(u32::MAX);
                let args = [trace.clone(), value.clone(), Src::Nil];
                self.call_bif(bif, 0, None, &args, Dst::X(0))?;
                self.a.b(Cond::Al, self.pending)?;
                Ok(true)
            }
            _ => Err(TemplateError::NotImplemented("exception dispatch")),
        }
    }

    fn nil_y(&mut self, y: u32) -> crate::masm::R {
        self.a.mov_imm(Cond::Al, Reg::R0, term::IMMED2_NIL)?;
        self.store(Reg::R0, Dst::Y(y))
    }
}
