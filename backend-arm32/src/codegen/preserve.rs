//! Which of r0–r3 a preserving call (a runtime call from BEAM code that keeps r0–r3 for
//! its caller, [`super::vcode::MInst::Call`]'s `preserve`) really has to save: the ones
//! holding a value that is live after the call. Found after register allocation by a
//! backward liveness pass over the four physical registers, with regalloc2's moves
//! included; a call with none to save costs what an ordinary call costs.

use regalloc2::{Allocation, Edit, Function, Inst, InstPosition, OperandKind, Output, RegClass};

use super::vcode::{MInst, VCode};

/// The r0–r3 bit of an allocation (0 for other registers and stack slots).
fn bit(a: Allocation) -> u16 {
    match a.as_reg() {
        Some(p) if p.class() == RegClass::Int && p.hw_enc() < 4 => 1 << p.hw_enc(),
        _ => 0,
    }
}

/// Per instruction, the registers a preserving call must save (its `preserve` mask
/// restricted to what is live after it); 0 for every other instruction.
pub fn preserve_masks(vcode: &VCode, ra: &Output) -> Vec<u16> {
    let n = vcode.insts.len();
    let mut masks = vec![0u16; n];
    if !vcode
        .insts
        .iter()
        .any(|i| matches!(i, MInst::Call { preserve, .. } if *preserve != 0))
    {
        return masks;
    }
    // The edits of each (instruction, position), as a range of `ra.edits` (sorted).
    let mut start = vec![0u32; 2 * n + 1];
    for (pt, _) in &ra.edits {
        let k = 2 * pt.inst().index() + usize::from(pt.pos() == InstPosition::After);
        start[k + 1] += 1;
    }
    for k in 0..2 * n {
        start[k + 1] += start[k];
    }
    let step_edits = |live: &mut u16, k: usize| {
        for (_, Edit::Move { from, to }) in ra.edits[start[k] as usize..start[k + 1] as usize]
            .iter()
            .rev()
        {
            *live &= !bit(*to);
            *live |= bit(*from);
        }
    };
    let nb = vcode.num_blocks();
    let mut live_in = vec![0u16; nb];
    loop {
        let mut changed = false;
        for b in (0..nb).rev() {
            let blk = regalloc2::Block::new(b);
            let mut live = vcode
                .block_succs(blk)
                .iter()
                .fold(0, |m, s| m | live_in[s.index()]);
            for i in vcode.block_insns(blk).iter().rev() {
                let ii = i.index();
                step_edits(&mut live, 2 * ii + 1);
                if let MInst::Call { preserve, .. } = &vcode.insts[ii] {
                    masks[ii] = live & preserve;
                }
                let allocs = ra.inst_allocs(Inst::new(ii));
                let ops = vcode.inst_operands(i);
                for (op, &a) in ops.iter().zip(allocs) {
                    if op.kind() == OperandKind::Def {
                        live &= !bit(a);
                    }
                }
                for p in vcode.inst_clobbers(i) {
                    if p.class() == RegClass::Int && p.hw_enc() < 4 {
                        live &= !(1 << p.hw_enc());
                    }
                }
                for (op, &a) in ops.iter().zip(allocs) {
                    if op.kind() == OperandKind::Use {
                        live |= bit(a);
                    }
                }
                step_edits(&mut live, 2 * ii);
            }
            if live != live_in[b] {
                live_in[b] = live;
                changed = true;
            }
        }
        if !changed {
            return masks;
        }
    }
}
