//! The Erlang stack and the heap limit: `allocate`, `init_yregs`, `deallocate`, `trim`,
//! `test_heap` (CP at `E[0]`, y`i` at `E[i+1]`, the heap may grow up to `E`).

use backend_arm32::asm::{Cond, Reg};
use beam_frontend::specific::Op;
use beam_runtime::term;

use crate::masm::{CP, E, HTOP, R};
use crate::{y_off, Fx, TemplateError};

impl Fx<'_> {
    pub(crate) fn stack_op(&mut self, op: &Op) -> R {
        match *op {
            Op::Allocate {
                stack, heap, live, ..
            } => {
                self.heap_check(heap + stack + 1, live)?;
                self.a.add_imm(false, E, E, -4 * (stack as i32 + 1))?;
                self.a.str(CP, E, 0)?;
                // Y slots always start as []: the collector scans the whole frame.
                if stack > 0 {
                    self.a.mov_imm(Cond::Al, Reg::R2, term::IMMED2_NIL)?;
                    for i in 0..stack {
                        self.a.str(Reg::R2, E, y_off(i)?)?;
                    }
                }
                Ok(())
            }
            Op::InitYregs(ref ys) => {
                self.a.mov_imm(Cond::Al, Reg::R2, term::IMMED2_NIL)?;
                for &y in ys {
                    self.a.str(Reg::R2, E, y_off(y)?)?;
                }
                Ok(())
            }
            Op::Deallocate(n) => self.deallocate(n),
            Op::Trim { n, .. } => {
                self.a.ldr(Reg::R2, E, 0)?;
                self.a.add_imm(false, E, E, 4 * n as i32)?;
                self.a.str(Reg::R2, E, 0)
            }
            Op::TestHeap { words, live } => self.heap_check(words, live),
            _ => Err(TemplateError::NotImplemented("stack dispatch")),
        }
    }

    /// Pops a frame of `n` Y slots, reloading CP.
    pub(crate) fn deallocate(&mut self, n: u32) -> R {
        self.a.ldr(CP, E, 0)?;
        self.a.add_imm(false, E, E, 4 * (n as i32 + 1))
    }

    /// Ensures `words` free words between HTOP and E, collecting (out of line) when short.
    pub(crate) fn heap_check(&mut self, words: u32, live: u32) -> R {
        self.a.add_imm(false, Reg::R2, HTOP, 4 * words as i32)?;
        self.a.cmp(Reg::R2, E)?;
        let (gc, back) = self.cold_gc(words, live);
        // GC stress mode: collect at every heap check.
        let cond = if self.env.gc_stress() {
            Cond::Al
        } else {
            Cond::Hi
        };
        self.a.b(cond, gc)?;
        self.a.bind(back)
    }
}
