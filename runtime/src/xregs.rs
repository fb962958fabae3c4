//! The scheduler's X register file: [`MAX_X_REGS`] words in guest memory, so generated
//! code addresses x registers at `base + 4*i` exactly as runtime code does (BEAM keeps
//! them per scheduler too, and copies only the live ones into the process when it is
//! descheduled). Below x0 sit the hand-off fields of the scheduler-registers block
//! ([`crate::sched_regs`]): one allocation, one pinned pointer for compiled code.

use crate::arena::{self, Block};
use crate::heap::HeapError;
use crate::mem;
use crate::process::{ProcError, MAX_X_REGS};
use crate::sched_regs::{Field, BLOCK_BYTES, HEADER_BYTES};
use crate::term::Term;

#[derive(Debug)]
pub struct XRegs {
    block: Block,
}

impl XRegs {
    pub fn new() -> Result<XRegs, HeapError> {
        let block = arena::alloc(BLOCK_BYTES as usize)?;
        let mut x = XRegs { block };
        for w in 0..BLOCK_BYTES / 4 {
            // SAFETY: inside our fresh block of BLOCK_BYTES bytes.
            unsafe { mem::raw_write(x.block.addr() + 4 * w, Term::NIL.0) };
        }
        for f in Field::ALL {
            x.set_field(f, 0);
        }
        Ok(x)
    }

    /// Guest address of x0 (for generated code: the pinned pointer `S`).
    pub fn base(&self) -> u32 {
        self.block.addr() + HEADER_BYTES
    }

    /// A hand-off field of the block (see [`crate::sched_regs::Field`]).
    pub fn field(&self, f: Field) -> u32 {
        // SAFETY: every field offset lies in the header, inside our block (checked by the
        // layout test in sched_regs); word aligned.
        unsafe { mem::raw_read(self.base().wrapping_add_signed(f.offset())) }
    }

    pub fn set_field(&mut self, f: Field, v: u32) {
        // SAFETY: as in `field`; the block is ours.
        unsafe { mem::raw_write(self.base().wrapping_add_signed(f.offset()), v) };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_registers_do_not_overlap() {
        let mut x = XRegs::new().unwrap();
        for f in Field::ALL {
            x.set_field(f, 0xdead_0000 | (-f.offset()) as u32);
        }
        for i in 0..MAX_X_REGS {
            assert_eq!(x.get(i).unwrap(), Term::NIL, "x{i} clobbered by a field");
        }
        x.set(0, Term::small(7).unwrap()).unwrap();
        for f in Field::ALL {
            assert_eq!(x.field(f), 0xdead_0000 | (-f.offset()) as u32, "{f:?}");
        }
    }
}
