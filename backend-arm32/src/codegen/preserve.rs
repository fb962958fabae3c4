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
    // One backward step over instruction `ii` (its moves after, itself, its moves
    // before), as a transfer `live_in = gen | (live_out & !kill)` composed onto `(gen,
    // kill)`: a def adds to `kill` and leaves `gen`, a use adds to `gen`.
    let step = |gen: &mut u16, kill: &mut u16, ii: usize| {
        let mut apply = |d: u16, u: u16| {
            *gen = u | (*gen & !d);
            *kill |= d;
        };
        let k = 2 * ii + 1;
        for (_, Edit::Move { from, to }) in ra.edits[start[k] as usize..start[k + 1] as usize]
            .iter()
            .rev()
        {
            apply(bit(*to), bit(*from));
        }
        let i = Inst::new(ii);
        let allocs = ra.inst_allocs(i);
        let ops = vcode.inst_operands(i);
        let (mut d, mut u) = (0u16, 0u16);
        for (op, &a) in ops.iter().zip(allocs) {
            match op.kind() {
                OperandKind::Def => d |= bit(a),
                OperandKind::Use => u |= bit(a),
            }
        }
        for p in vcode.inst_clobbers(i) {
            if p.class() == RegClass::Int && p.hw_enc() < 4 {
                d |= 1 << p.hw_enc();
            }
        }
        apply(d, u);
        let k = 2 * ii;
        for (_, Edit::Move { from, to }) in ra.edits[start[k] as usize..start[k + 1] as usize]
            .iter()
            .rev()
        {
            apply(bit(*to), bit(*from));
        }
    };
    // Each block's transfer, from one walk over its instructions; then liveness over the
    // blocks alone until it settles; then the masks, walking again only the blocks that
    // hold a preserving call.
    let nb = vcode.num_blocks();
    let mut summary = vec![(0u16, 0u16); nb];
    let mut has_call = vec![false; nb];
    for (b, s) in summary.iter_mut().enumerate() {
        let (mut gen, mut kill) = (0, 0);
        for i in vcode.block_insns(regalloc2::Block::new(b)).iter().rev() {
            if matches!(&vcode.insts[i.index()], MInst::Call { preserve, .. } if *preserve != 0) {
                has_call[b] = true;
            }
            step(&mut gen, &mut kill, i.index());
        }
        *s = (gen, kill);
    }
    let live_out = |live_in: &[u16], b: usize| {
        vcode
            .block_succs(regalloc2::Block::new(b))
            .iter()
            .fold(0, |m, s| m | live_in[s.index()])
    };
    let mut live_in = vec![0u16; nb];
    loop {
        let mut changed = false;
        for b in (0..nb).rev() {
            let (gen, kill) = summary[b];
            let live = gen | (live_out(&live_in, b) & !kill);
            if live != live_in[b] {
                live_in[b] = live;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for b in (0..nb).filter(|&b| has_call[b]) {
        let mut live = live_out(&live_in, b);
        for i in vcode.block_insns(regalloc2::Block::new(b)).iter().rev() {
            let ii = i.index();
            if let MInst::Call { preserve, .. } = &vcode.insts[ii] {
                // What is live after the call: the step over the moves after it first.
                let (mut gen, mut kill) = (0, 0);
                let k = 2 * ii + 1;
                for (_, Edit::Move { from, to }) in ra.edits
                    [start[k] as usize..start[k + 1] as usize]
                    .iter()
                    .rev()
                {
                    gen = bit(*from) | (gen & !bit(*to));
                    kill |= bit(*to);
                }
                masks[ii] = (gen | (live & !kill)) & preserve;
            }
            let (mut gen, mut kill) = (0, 0);
            step(&mut gen, &mut kill, ii);
            live = gen | (live & !kill);
        }
    }
    masks
}
