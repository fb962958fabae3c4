//! Which Y slots of a new frame need no `[]` at `allocate`.
//!
//! The collector and the stack walkers (exceptions, stack traces, yielding) read every
//! slot of every frame, so a Y slot must hold a valid term wherever one of them can run.
//! `allocate` therefore fills the slots with `[]`. A slot that the instructions right
//! after `allocate` write before anything that can collect, raise, yield or call never
//! shows its old contents to any of them: its `[]` is a dead store (OTP's compiler
//! writes `allocate` + `get_list {y,0}` for `[H | f(T)]`: one MOV and one STR per call).

use beam_frontend::specific::{Dst, Op, Src};
use beam_frontend::Reg;

/// For each of the `stack` slots of the frame that the `allocate` at `pos` pushes:
/// whether a straight-line run of instructions that cannot collect, raise, yield, call
/// or branch writes it before anything reads it.
pub(super) fn written_before_gc(code: &[Op], pos: usize, stack: u32) -> Vec<bool> {
    let mut written = vec![false; stack as usize];
    for op in code.iter().skip(pos + 1) {
        // A source reading a slot still unwritten would read the old contents: stop
        // before it (the compiler never does that, but the lowering need not rely on it).
        let reads_pending = |s: &Src| matches!(s, Src::Reg(Reg::Y(i), _) if !written.get(*i as usize).copied().unwrap_or(true));
        let (srcs, dsts): (Vec<&Src>, Vec<Dst>) = match op {
            Op::Line(_) => continue,
            Op::Move { src, dst } => (vec![src], vec![*dst]),
            Op::GetList { src, head, tail } => (vec![src], vec![*head, *tail]),
            Op::GetHd { src, dst } | Op::GetTl { src, dst } => (vec![src], vec![*dst]),
            Op::GetTupleElement { src, dst, .. } => (vec![src], vec![*dst]),
            // The heap words were checked before (allocate's heap need or a test_heap).
            Op::PutList { head, tail, dst } => (vec![head, tail], vec![*dst]),
            Op::InitYregs(ys) => (vec![], ys.iter().map(|&y| Dst::Y(y)).collect()),
            _ => break,
        };
        if srcs.into_iter().any(reads_pending) {
            break;
        }
        for d in dsts {
            if let Dst::Y(i) = d {
                if let Some(w) = written.get_mut(i as usize) {
                    *w = true;
                }
            }
        }
    }
    written
}
