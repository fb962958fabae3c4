//! The scheduler's X register file: [`MAX_X_REGS`] words in guest memory, so generated
//! code addresses x registers at `base + 4*i` exactly as runtime code does (BEAM keeps
//! them per scheduler too, and copies only the live ones into the process when it is
//! descheduled).

use crate::arena::{self, Block};
use crate::heap::HeapError;
use crate::mem;
use crate::process::{ProcError, MAX_X_REGS};
use crate::term::Term;

#[derive(Debug)]
pub struct XRegs {
    block: Block,
}

impl XRegs {
    pub fn new() -> Result<XRegs, HeapError> {
        let block = arena::alloc(MAX_X_REGS * 4)?;
        let x = XRegs { block };
        for i in 0..MAX_X_REGS as u32 {
            // SAFETY: inside our fresh block of MAX_X_REGS words.
            unsafe { mem::raw_write(x.block.addr() + 4 * i, Term::NIL.0) };
        }
        Ok(x)
    }

    /// Guest address of x0 (for generated code).
    pub fn base(&self) -> u32 {
        self.block.addr()
    }

    pub fn get(&self, i: usize) -> Result<Term, ProcError> {
        if i >= MAX_X_REGS {
            return Err(ProcError::XReg(i));
        }
        // SAFETY: i is in range; the block is ours and word aligned.
        Ok(Term(unsafe { mem::raw_read(self.base() + 4 * i as u32) }))
    }

    pub fn set(&mut self, i: usize, t: Term) -> Result<(), ProcError> {
        if i >= MAX_X_REGS {
            return Err(ProcError::XReg(i));
        }
        // SAFETY: i is in range; the block is ours and word aligned.
        unsafe { mem::raw_write(self.base() + 4 * i as u32, t.0) };
        Ok(())
    }

    /// The first `live` registers as a mutable slice (collector roots, save/restore).
    pub fn live_mut(&mut self, live: usize) -> Result<&mut [Term], ProcError> {
        if live > MAX_X_REGS {
            return Err(ProcError::XReg(live));
        }
        // SAFETY: `Term` is a transparent u32 wrapper; the block holds MAX_X_REGS aligned
        // words that only this struct hands out, and `&mut self` makes the borrow unique.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.base() as usize as *mut Term, live) })
    }
}
