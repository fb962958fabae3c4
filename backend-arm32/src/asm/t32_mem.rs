//! T32 loads and stores (ARM ARM DDI 0406C A6.2.4, A6.3.7–A6.3.10, A6.3.6 LDM/STM).
//! See [`super::t32`] for the conventions.

use super::inst::{BlockMode, MemOp};
use super::t32::T32;
use super::{Addr, AsmError, Index, MemOffset, Reg, Shift};

fn unsup<T>(what: &'static str) -> Result<T, AsmError> {
    Err(AsmError::Unsupported(what))
}

fn unpred<T>(what: &'static str) -> Result<T, AsmError> {
    Err(AsmError::Unpredictable(what))
}

fn lo(r: Reg) -> bool {
    r.num() < 8
}

/// (size field, sign bit) of the wide single load/store forms; `None` for doublewords.
fn size_sign(op: MemOp) -> Option<(u32, u32)> {
    Some(match op {
        MemOp::Ldrb | MemOp::Strb => (0, 0),
        MemOp::Ldrh | MemOp::Strh => (1, 0),
        MemOp::Ldr | MemOp::Str => (2, 0),
        MemOp::Ldrsb => (0, 1),
        MemOp::Ldrsh => (1, 1),
        MemOp::Ldrd | MemOp::Strd => return None,
    })
}

/// Narrow single load/store (A6.2.4), when the operands fit.
fn mem_narrow(op: MemOp, rt: Reg, a: Addr) -> Option<u16> {
    if a.index != Index::Offset || !lo(rt) {
        return None;
    }
    let (t, n) = (rt.num(), a.base.num());
    let l = u32::from(op.is_load());
    match a.offset {
        MemOffset::Imm { neg: false, imm } => {
            let imm = u32::from(imm);
            let (base, scale) = match op {
                MemOp::Ldr | MemOp::Str if a.base == Reg::SP => {
                    return (imm & 3 == 0 && imm < 1024)
                        .then_some((0x9000 | l << 11 | t << 8 | imm >> 2) as u16)
                }
                MemOp::Ldr | MemOp::Str => (0x6000, 2),
                MemOp::Ldrb | MemOp::Strb => (0x7000, 0),
                MemOp::Ldrh | MemOp::Strh => (0x8000, 1),
                _ => return None,
            };
            let ok = lo(a.base) && imm & ((1 << scale) - 1) == 0 && (imm >> scale) < 32;
            ok.then_some((base | l << 11 | (imm >> scale) << 6 | n << 3 | t) as u16)
        }
        MemOffset::Reg { neg: false, rm } if lo(a.base) && lo(rm) => {
            let opb = match op {
                MemOp::Str => 0,
                MemOp::Strh => 1,
                MemOp::Strb => 2,
                MemOp::Ldrsb => 3,
                MemOp::Ldr => 4,
                MemOp::Ldrh => 5,
                MemOp::Ldrb => 6,
                MemOp::Ldrsh => 7,
                _ => return None,
            };
            Some((0x5000 | opb << 9 | rm.num() << 6 | n << 3 | t) as u16)
        }
        _ => None,
    }
}

/// A single load or store.
pub(crate) fn mem(op: MemOp, rt: Reg, mut a: Addr) -> Result<T32, AsmError> {
    // #-0 is #0 (GNU as encodes it with U = 1).
    if let MemOffset::Imm { neg: true, imm: 0 } = a.offset {
        a.offset = MemOffset::Imm { neg: false, imm: 0 };
    }
    if a.base == Reg::PC {
        return unsup("pc-relative load/store in T32 (literal forms not implemented)");
    }
    let wb = a.index != Index::Offset;
    if wb && a.base == rt {
        return unpred("writeback to the transferred register");
    }
    let Some((size, sign)) = size_sign(op) else {
        return ldrd_strd(op == MemOp::Ldrd, rt, a);
    };
    // Rt restrictions (A8.8.62 and friends): PC only for word loads, SP only for words.
    match rt.num() {
        15 if op != MemOp::Ldr => return unpred("pc as the transferred register"),
        13 if size != 2 => return unpred("sp as a byte/halfword register"),
        _ => {}
    }
    // ldr rt, [sp], #4 / str rt, [sp, #-4]! are POP/PUSH {rt} (narrow for r0-r7, lr, pc).
    if a.base == Reg::SP
        && (lo(rt) || rt == Reg::PC && op == MemOp::Ldr || rt == Reg::LR && op == MemOp::Str)
    {
        match (op, a.offset, a.index) {
            (MemOp::Ldr, MemOffset::Imm { neg: false, imm: 4 }, Index::Post) => {
                return block(true, BlockMode::Ia, Reg::SP, true, 1 << rt.num());
            }
            (MemOp::Str, MemOffset::Imm { neg: true, imm: 4 }, Index::PreWriteback) => {
                return block(false, BlockMode::Db, Reg::SP, true, 1 << rt.num());
            }
            _ => {}
        }
    }
    if let Some(h) = mem_narrow(op, rt, a) {
        return Ok(T32::Narrow(h));
    }
    let l = u32::from(op.is_load());
    let base =
        0xf800_0000 | sign << 24 | size << 21 | l << 20 | a.base.num() << 16 | rt.num() << 12;
    Ok(T32::Wide(match (a.offset, a.index) {
        (MemOffset::Imm { neg: false, imm }, Index::Offset) if imm < 4096 => {
            base | 1 << 23 | u32::from(imm)
        }
        (MemOffset::Imm { neg, imm }, index) => {
            if imm > 255 {
                return Err(AsmError::OutOfRange {
                    what: "T32 load/store offset",
                    value: i64::from(imm) * if neg { -1 } else { 1 },
                });
            }
            let (p, w) = match index {
                Index::Offset => (1, 0),
                Index::PreWriteback => (1, 1),
                Index::Post => (0, 1),
            };
            base | 1 << 11 | p << 10 | u32::from(!neg) << 9 | w << 8 | u32::from(imm)
        }
        (MemOffset::Reg { neg: false, rm }, Index::Offset) => {
            if rm.num() >= 13 {
                return unpred("sp/pc as an offset register");
            }
            base | rm.num()
        }
        (
            MemOffset::ScaledReg {
                neg: false,
                rm,
                shift: Shift::Lsl,
                amount,
            },
            Index::Offset,
        ) if amount <= 3 => {
            if rm.num() >= 13 {
                return unpred("sp/pc as an offset register");
            }
            base | u32::from(amount) << 4 | rm.num()
        }
        _ => return unsup("T32 register offsets are added, unindexed and LSL #0-3 only"),
    }))
}

fn ldrd_strd(load: bool, rt: Reg, a: Addr) -> Result<T32, AsmError> {
    if rt.num() & 1 != 0 || rt.num() >= 12 {
        return unpred("ldrd/strd needs an even rt below r12");
    }
    let rt2 = rt.num() + 1;
    if a.index != Index::Offset && (a.base == rt || a.base.num() == rt2) {
        return unpred("writeback to a transferred register");
    }
    let MemOffset::Imm { neg, imm } = a.offset else {
        return unsup("register offset on a T32 ldrd/strd");
    };
    let imm = u32::from(imm);
    if imm & 3 != 0 || imm > 1020 {
        return Err(AsmError::OutOfRange {
            what: "T32 ldrd/strd offset",
            value: i64::from(imm),
        });
    }
    let (p, w) = match a.index {
        Index::Offset => (1, 0),
        Index::PreWriteback => (1, 1),
        Index::Post => (0, 1),
    };
    Ok(T32::Wide(
        0xe840_0000
            | p << 24
            | u32::from(!neg) << 23
            | w << 21
            | u32::from(load) << 20
            | a.base.num() << 16
            | rt.num() << 12
            | rt2 << 8
            | imm >> 2,
    ))
}

/// LDM/STM (IA and DB only), PUSH/POP.
pub(crate) fn block(
    load: bool,
    mode: BlockMode,
    rn: Reg,
    wb: bool,
    list: u16,
) -> Result<T32, AsmError> {
    if list == 0 || rn == Reg::PC {
        return unpred("empty register list or pc base");
    }
    let (n, l) = (rn.num(), u32::from(load));
    let list32 = u32::from(list);
    let in_list = list & (1 << n) != 0;
    // Narrow forms (A8.8.133 PUSH T1, A8.8.131 POP T1, STMIA/LDMIA T1).
    match (load, mode) {
        (false, BlockMode::Db) if wb && rn == Reg::SP && list & !0x40ff == 0 => {
            return Ok(T32::Narrow(
                (0xb400 | (list32 >> 14) << 8 | list32 & 0xff) as u16,
            ));
        }
        (true, BlockMode::Ia) if wb && rn == Reg::SP && list & !0x80ff == 0 => {
            return Ok(T32::Narrow(
                (0xbc00 | (list32 >> 15) << 8 | list32 & 0xff) as u16,
            ));
        }
        (false, BlockMode::Ia)
            if wb && lo(rn) && list & !0xff == 0 && (!in_list || list.trailing_zeros() == n) =>
        {
            return Ok(T32::Narrow((0xc000 | n << 8 | list32) as u16));
        }
        (true, BlockMode::Ia) if lo(rn) && list & !0xff == 0 && wb != in_list => {
            return Ok(T32::Narrow((0xc800 | n << 8 | list32) as u16));
        }
        _ => {}
    }
    let db = match mode {
        BlockMode::Ia => false,
        BlockMode::Db => true,
        _ => return unsup("T32 has LDM/STM IA and DB only"),
    };
    if list.count_ones() == 1 {
        // A one-register list is UNPREDICTABLE in the wide LDM/STM: a single LDR/STR does
        // it (as GNU as assembles it).
        let rt = Reg::new(list.trailing_zeros())?;
        let op = if load { MemOp::Ldr } else { MemOp::Str };
        let (imm, index) = match (db, wb) {
            (false, false) => (0, Index::Offset),
            (false, true) => (4, Index::Post),
            (true, false) => (-4, Index::Offset),
            (true, true) => (-4, Index::PreWriteback),
        };
        let mut a = Addr::imm(rn, imm);
        a.index = index;
        return mem(op, rt, a);
    }
    if list & (1 << 13) != 0 || (!load && list & (1 << 15) != 0) {
        return unpred("sp (or pc in a store) in a T32 register list");
    }
    if load && list & 0xc000 == 0xc000 {
        return unpred("both lr and pc in a T32 ldm");
    }
    if wb && in_list {
        return unpred("writeback base in the register list");
    }
    let base = if db { 0xe900_0000 } else { 0xe880_0000 };
    Ok(T32::Wide(
        base | u32::from(wb) << 21 | l << 20 | n << 16 | list32,
    ))
}
