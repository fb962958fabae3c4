//! VCode: ARM32 machine instructions on virtual registers, grouped in blocks, in the shape
//! regalloc2 wants (its `Function` trait is implemented here). Block parameters carry SSA
//! values across edges; critical edges are split during lowering, so the allocator can put
//! the parallel moves for an edge at the end of its (single-successor) predecessor.

use regalloc2::{Block, Inst as RaInst, InstRange, Operand, PReg, PRegSet, RegClass, VReg};

/// An instruction's regalloc2 operands: inline up to 8 (all but calls and returns with
/// many fixed registers), so listing them allocates nothing.
pub type Operands = smallvec::SmallVec<[Operand; 8]>;

/// Data-processing operations with a flexible second operand (used by the ISLE rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
    Add,
    Sub,
    Rsb,
    And,
    Orr,
    Eor,
    Bic,
}

/// The flexible second operand before allocation: a register, a register shifted by a
/// constant (1–31), or an encodable immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand2 {
    Reg { rm: VReg },
    Shifted { rm: VReg, op: ShiftOp, amount: u8 },
    Imm { value: u32 },
}

impl Operand2 {
    /// The register the operand reads, if any.
    pub fn reg(&self) -> Option<VReg> {
        match self {
            Operand2::Reg { rm } | Operand2::Shifted { rm, .. } => Some(*rm),
            Operand2::Imm { .. } => None,
        }
    }

    fn map(&mut self, f: &impl Fn(VReg) -> VReg) {
        if let Operand2::Reg { rm } | Operand2::Shifted { rm, .. } = self {
            *rm = f(*rm);
        }
    }
}

/// Shift and rotate kinds (CLIF semantics: amount modulo the width).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftOp {
    Ishl,
    Ushr,
    Sshr,
    Rotl,
    Rotr,
}

/// A shift amount: a register or a constant already reduced modulo the width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftAmt {
    Reg(VReg),
    Imm(u8),
}

/// One-operand operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Mvn,
    Neg,
    Clz,
}

/// Division and remainder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivOp {
    Sdiv,
    Udiv,
    Srem,
    Urem,
}

/// Memory access widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemKind {
    W32,
    U8,
    S8,
    U16,
    S16,
}

impl MemKind {
    /// The largest immediate offset magnitude the A32 form takes (A5.3 vs A5.2.8).
    pub fn max_offset(self) -> i32 {
        match self {
            MemKind::W32 | MemKind::U8 => 4095,
            _ => 255,
        }
    }
}

/// Where a call goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallDest {
    /// A symbol (index into the function's symbol table): a `bl`/`b` with a Call
    /// relocation when `colocated`, else its address from the literal pool (Abs32) and
    /// `blx`/`bx` through ip.
    Symbol { sym: u32, colocated: bool },
    /// An address in a register (`call_indirect`).
    Reg(VReg),
    /// A tail call to an address that is also one of its arguments (BEAM's `return`:
    /// `CP` is both the target and the CP argument): `bx` the argument's fixed register,
    /// with no operand (and no copy) of its own.
    InArg(regalloc2::PReg),
}

/// The i32 overflow-checking operations; each sets the flags so that
/// [`OverflowOp::cond`] holds exactly on overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverflowOp {
    Sadd,
    Uadd,
    Ssub,
    Usub,
    Smul,
    Umul,
}

impl OverflowOp {
    /// The A32 condition meaning "overflowed" after the operation.
    pub fn cond(self) -> crate::asm::Cond {
        use crate::asm::Cond;
        match self {
            OverflowOp::Sadd | OverflowOp::Ssub => Cond::Vs,
            // Unsigned add overflows into the carry; subtract borrows when C is clear.
            OverflowOp::Uadd => Cond::Hs,
            OverflowOp::Usub => Cond::Lo,
            // After comparing the high word with the sign/zero extension of the low one.
            OverflowOp::Smul | OverflowOp::Umul => Cond::Ne,
        }
    }
}

/// 64-bit arithmetic on register pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op64 {
    /// ADDS + ADC
    Add,
    /// SUBS + SBC
    Sub,
    /// UMULL + 2 MLA
    Mul,
}

/// Integer condition, as A32 condition codes see a 32-bit compare.
pub type IntCC = cranelift_codegen::ir::condcodes::IntCC;

/// One machine instruction on virtual registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MInst {
    /// `rd = rn <op> op2`
    Alu {
        op: AluOp,
        rd: VReg,
        rn: VReg,
        op2: Operand2,
    },
    /// `rd = rn * rm`
    Mul { rd: VReg, rn: VReg, rm: VReg },
    /// `rd = ra + rn * rm` (MLA), or `ra - rn * rm` (MLS) when `sub`.
    MulAdd {
        sub: bool,
        rd: VReg,
        rn: VReg,
        rm: VReg,
        ra: VReg,
    },
    /// `rd = [base + (idx << shift)]` (word and byte forms only).
    LoadIdx {
        kind: MemKind,
        rd: VReg,
        base: VReg,
        idx: VReg,
        shift: u8,
    },
    /// `[base + (idx << shift)] = rt` (word and byte forms only).
    StoreIdx {
        kind: MemKind,
        rt: VReg,
        base: VReg,
        idx: VReg,
        shift: u8,
    },
    /// `rd = value`, materialised as cheaply as A32 allows.
    Const { rd: VReg, value: u32 },
    /// `rd = rn <shift> amt` for a `bits`-wide type (narrow right shifts get an operand
    /// that is already extended).
    Shift {
        op: ShiftOp,
        bits: u8,
        rd: VReg,
        rn: VReg,
        amt: ShiftAmt,
    },
    /// `rd = extend(rn)` from `from` bits.
    Extend {
        rd: VReg,
        rn: VReg,
        from: u8,
        signed: bool,
    },
    /// `rd = (rn cc rm) ? 1 : 0` on 32-bit (already extended) operands.
    Icmp {
        cc: IntCC,
        rd: VReg,
        rn: VReg,
        rm: VReg,
    },
    /// `rd = (low bits of c != 0) ? rt : rf`
    Select {
        bits: u8,
        rd: VReg,
        c: VReg,
        rt: VReg,
        rf: VReg,
    },
    /// `rd = (rn cc rm) ? rt : rf`
    SelectIcmp {
        cc: IntCC,
        rd: VReg,
        rn: VReg,
        rm: VReg,
        rt: VReg,
        rf: VReg,
    },
    /// `rd = op rn`
    Unop { op: UnOp, rd: VReg, rn: VReg },
    /// High word of the 64-bit product.
    MulHi {
        signed: bool,
        rd: VReg,
        rn: VReg,
        rm: VReg,
    },
    /// Division/remainder with SDIV/UDIV on extended operands; traps on a zero divisor
    /// (and on signed overflow for `Sdiv`, with `bits` giving the type's minimum).
    Div {
        op: DivOp,
        bits: u8,
        rd: VReg,
        rn: VReg,
        rm: VReg,
    },
    /// `rd = [base + off]` (off within [`MemKind::max_offset`]).
    Load {
        kind: MemKind,
        rd: VReg,
        base: VReg,
        off: i32,
    },
    /// `[base + off] = rt`
    Store {
        kind: MemKind,
        rt: VReg,
        base: VReg,
        off: i32,
    },
    /// `rd = sp + (offset of stack slot `slot`) + off`
    StackAddr { rd: VReg, slot: u32, off: i32 },
    /// Compare-and-branch: `cmp rn, rm; b<cc> taken; b not_taken` (`rm` a register or
    /// an encodable immediate); with `tst`, `tst rn, rm` and `cc` is `eq`/`ne` (of the
    /// AND with zero).
    BrIcmp {
        cc: IntCC,
        rn: VReg,
        rm: Operand2,
        tst: bool,
        taken: Block,
        not_taken: Block,
    },
    /// A call. `uses` are the arguments in their registers, `defs` the results;
    /// `clobbers` what the callee may overwrite (minus the result registers).
    /// `preserve` (a mask of r0–r3) is what the emitted call sequence saves and restores
    /// around the call itself when it is live (`push`/`pop`), so those registers are not
    /// in `clobbers`: see `lower_call` for when.
    Call {
        dest: CallDest,
        uses: Vec<(VReg, PReg)>,
        defs: Vec<(VReg, PReg)>,
        clobbers: PRegSet,
        preserve: u16,
    },
    /// A tail call (terminator): tears the frame down and branches.
    TailCall {
        dest: CallDest,
        args: Vec<(VReg, PReg)>,
    },
    /// An outgoing stack argument: `[sp + off] = rt`.
    StoreArg { rt: VReg, off: u32 },
    /// An incoming stack argument: `rd = [entry sp + off]`.
    LoadArg { rd: VReg, off: u32 },
    /// `rd = address of symbol` (literal-pool word with an Abs32 relocation).
    SymAddr { rd: VReg, sym: u32 },
    /// Jump table: `targets[idx]` if `idx < targets.len()`, else `default`.
    BrTable {
        idx: VReg,
        default: Block,
        targets: Vec<Block>,
    },
    /// i32 arithmetic that sets the flags for overflow (`rd` the wrapped result, `of`
    /// = 1 on overflow, only materialised when something reads it).
    Overflow {
        op: OverflowOp,
        rd: VReg,
        of: Option<VReg>,
        rn: VReg,
        /// A register, or an encodable immediate for the add/sub forms.
        rm: Operand2,
    },
    /// Branch on `cond` of the flags left by the [`MInst::Overflow`] just before it:
    /// its overflow condition, or (for a subtraction) a compare of its operands, since
    /// SUBS sets the flags CMP would.
    BrFlags {
        cond: crate::asm::Cond,
        taken: Block,
        not_taken: Block,
    },
    /// The divisor and overflow checks of a division done by a runtime helper (traps like
    /// [`MInst::Div`]).
    DivCheck {
        op: DivOp,
        bits: u8,
        rn: VReg,
        rm: VReg,
    },
    /// `rd = a <op> b` on i64 register pairs (lo, hi). The low result word is written
    /// before the high input words are read, so it is an early def.
    Arith64 {
        op: Op64,
        rd: (VReg, VReg),
        a: (VReg, VReg),
        b: (VReg, VReg),
    },
    /// `rd = -a` on an i64 pair (RSBS + RSC).
    Neg64 { rd: (VReg, VReg), a: (VReg, VReg) },
    /// `rd = (a cc b) ? 1 : 0` on i64 pairs (CMP + CMPEQ, or CMP + SBCS).
    Icmp64 {
        cc: IntCC,
        rd: VReg,
        a: (VReg, VReg),
        b: (VReg, VReg),
    },
    /// i64 shift by a constant `n` (< 64).
    Shift64 {
        op: ShiftOp,
        n: u8,
        rd: (VReg, VReg),
        a: (VReg, VReg),
    },
    /// An unconditional trap (a terminator).
    Trap { code: u16 },
    /// Trap if the low `bits` bits of `rn` are non-zero (`nonzero`) or zero.
    TrapIf {
        nonzero: bool,
        bits: u8,
        rn: VReg,
        code: u16,
    },
    /// Defines the incoming arguments in their ABI registers (first instruction only).
    Args { args: Vec<(VReg, PReg)> },
    /// Returns the values in their ABI registers.
    Ret { rets: Vec<(VReg, PReg)> },
    /// Unconditional branch; the block-call arguments are in [`VBlock::succ_args`].
    Jump { target: Block },
    /// Branch to `taken` if the low `bits` bits of `rn` are non-zero, else to `not_taken`.
    BrNonZero {
        rn: VReg,
        bits: u8,
        taken: Block,
        not_taken: Block,
    },
    /// Compare two f64 values and branch: `vcmp; vmrs; b<cc> taken; b not_taken`.
    BrFcmp {
        cc: super::float::FloatCC,
        rn: VReg,
        rm: VReg,
        taken: Block,
        not_taken: Block,
    },
    /// An f64 instruction (codegen/float.rs).
    Float(super::float::FInst),
}

/// A def whose register is written before the instruction's last read (so it may not
/// share a register with any use).
fn early_def(v: VReg) -> Operand {
    Operand::new(
        v,
        regalloc2::OperandConstraint::Reg,
        regalloc2::OperandKind::Def,
        regalloc2::OperandPos::Early,
    )
}

/// A VCode block.
#[derive(Clone, Debug, Default)]
pub struct VBlock {
    pub params: Vec<VReg>,
    pub insts: Vec<MInst>,
    pub succs: Vec<Block>,
    /// Per successor, the values passed to its parameters.
    pub succ_args: Vec<Vec<VReg>>,
    pub preds: Vec<Block>,
}

/// A function in VCode form, flattened for regalloc2.
pub struct VCode {
    pub blocks: Vec<VBlock>,
    /// All instructions in block order.
    pub insts: Vec<MInst>,
    /// Per block, its instruction range in `insts`.
    pub ranges: Vec<InstRange>,
    /// The regalloc2 operands of all instructions, one after the other.
    pub operands: Vec<Operand>,
    /// Per instruction, the range of its operands in `operands`.
    pub operand_ranges: Vec<(u32, u32)>,
    pub num_vregs: usize,
    /// Byte offset of each explicit stack slot within the stack-slot area, and its size.
    pub stack_slot_offsets: Vec<u32>,
    pub stack_slots_size: u32,
    /// The function uses our tail convention (no callee-saved registers but lr).
    pub tail_conv: bool,
    /// Bytes of outgoing stack arguments (the largest over all calls, 8-aligned); they sit
    /// at the bottom of the frame.
    pub outgoing_args: u32,
    /// The function makes calls (so lr must be saved).
    pub has_calls: bool,
    /// The symbols that relocations refer to (index = `Reloc::symbol`).
    pub symbols: Vec<super::SymbolName>,
}

/// Per-function facts the frame layout needs, gathered during lowering.
#[derive(Clone, Debug, Default)]
pub struct FrameInfo {
    pub stack_slot_offsets: Vec<u32>,
    pub stack_slots_size: u32,
    pub tail_conv: bool,
    pub outgoing_args: u32,
    pub has_calls: bool,
    pub symbols: Vec<super::SymbolName>,
}

impl MInst {
    /// The regalloc2 operands: uses first, then defs (regalloc2 accepts any order; fixed
    /// registers come from the ABI).
    pub fn operands(&self) -> Operands {
        match self {
            MInst::Alu { rd, rn, op2, .. } => {
                let mut v = smallvec::smallvec![Operand::reg_use(*rn)];
                if let Some(rm) = op2.reg() {
                    v.push(Operand::reg_use(rm));
                }
                v.push(Operand::reg_def(*rd));
                v
            }
            MInst::MulAdd { rd, rn, rm, ra, .. } => smallvec::smallvec![
                Operand::reg_use(*rn),
                Operand::reg_use(*rm),
                Operand::reg_use(*ra),
                Operand::reg_def(*rd),
            ],
            MInst::LoadIdx { rd, base, idx, .. } => smallvec::smallvec![
                Operand::reg_use(*base),
                Operand::reg_use(*idx),
                Operand::reg_def(*rd),
            ],
            MInst::StoreIdx { rt, base, idx, .. } => smallvec::smallvec![
                Operand::reg_use(*rt),
                Operand::reg_use(*base),
                Operand::reg_use(*idx),
            ],
            MInst::Mul { rd, rn, rm } => smallvec::smallvec![
                Operand::reg_use(*rn),
                Operand::reg_use(*rm),
                Operand::reg_def(*rd),
            ],
            MInst::Const { rd, .. } => smallvec::smallvec![Operand::reg_def(*rd)],
            MInst::Shift { rd, rn, amt, .. } => {
                let mut v = smallvec::smallvec![Operand::reg_use(*rn)];
                if let ShiftAmt::Reg(a) = amt {
                    v.push(Operand::reg_use(*a));
                }
                v.push(Operand::reg_def(*rd));
                v
            }
            MInst::Extend { rd, rn, .. } | MInst::Unop { rd, rn, .. } => {
                smallvec::smallvec![Operand::reg_use(*rn), Operand::reg_def(*rd)]
            }
            MInst::Icmp { rd, rn, rm, .. } | MInst::MulHi { rd, rn, rm, .. } => {
                smallvec::smallvec![
                    Operand::reg_use(*rn),
                    Operand::reg_use(*rm),
                    Operand::reg_def(*rd),
                ]
            }
            // The remainder forms write rd before reading rn/rm for the last time.
            MInst::Div { rd, rn, rm, .. } => smallvec::smallvec![
                Operand::reg_use(*rn),
                Operand::reg_use(*rm),
                Operand::reg_def(*rd),
            ],
            MInst::Select { rd, c, rt, rf, .. } => smallvec::smallvec![
                Operand::reg_use(*c),
                Operand::reg_use(*rt),
                Operand::reg_use(*rf),
                Operand::reg_def(*rd),
            ],
            MInst::SelectIcmp {
                rd, rn, rm, rt, rf, ..
            } => smallvec::smallvec![
                Operand::reg_use(*rn),
                Operand::reg_use(*rm),
                Operand::reg_use(*rt),
                Operand::reg_use(*rf),
                Operand::reg_def(*rd),
            ],
            MInst::Load { rd, base, .. } => {
                smallvec::smallvec![Operand::reg_use(*base), Operand::reg_def(*rd)]
            }
            MInst::Store { rt, base, .. } => {
                smallvec::smallvec![Operand::reg_use(*rt), Operand::reg_use(*base)]
            }
            MInst::StackAddr { rd, .. } => smallvec::smallvec![Operand::reg_def(*rd)],
            MInst::Call {
                dest, uses, defs, ..
            } => {
                let mut v = Operands::new();
                if let CallDest::Reg(r) = dest {
                    v.push(Operand::reg_use(*r));
                }
                v.extend(uses.iter().map(|&(r, p)| Operand::reg_fixed_use(r, p)));
                v.extend(defs.iter().map(|&(r, p)| Operand::reg_fixed_def(r, p)));
                v
            }
            MInst::TailCall { dest, args } => {
                let mut v = Operands::new();
                if let CallDest::Reg(r) = dest {
                    v.push(Operand::reg_use(*r));
                }
                v.extend(args.iter().map(|&(r, p)| Operand::reg_fixed_use(r, p)));
                v
            }
            MInst::StoreArg { rt, .. } => smallvec::smallvec![Operand::reg_use(*rt)],
            MInst::LoadArg { rd, .. } | MInst::SymAddr { rd, .. } => {
                smallvec::smallvec![Operand::reg_def(*rd)]
            }
            MInst::BrTable { idx, .. } => smallvec::smallvec![Operand::reg_use(*idx)],
            MInst::Overflow { rd, of, rn, rm, .. } => {
                let mut v = smallvec::smallvec![Operand::reg_use(*rn)];
                if let Some(r) = rm.reg() {
                    v.push(Operand::reg_use(r));
                }
                v.push(Operand::reg_def(*rd));
                if let Some(o) = of {
                    v.push(Operand::reg_def(*o));
                }
                v
            }
            MInst::BrFlags { .. } => smallvec::smallvec![],
            MInst::Arith64 { rd, a, b, .. } => smallvec::smallvec![
                Operand::reg_use(a.0),
                Operand::reg_use(a.1),
                Operand::reg_use(b.0),
                Operand::reg_use(b.1),
                early_def(rd.0),
                early_def(rd.1),
            ],
            MInst::Neg64 { rd, a } => smallvec::smallvec![
                Operand::reg_use(a.0),
                Operand::reg_use(a.1),
                early_def(rd.0),
                Operand::reg_def(rd.1),
            ],
            MInst::Icmp64 { rd, a, b, .. } => smallvec::smallvec![
                Operand::reg_use(a.0),
                Operand::reg_use(a.1),
                Operand::reg_use(b.0),
                Operand::reg_use(b.1),
                Operand::reg_def(*rd),
            ],
            MInst::Shift64 { rd, a, .. } => smallvec::smallvec![
                Operand::reg_use(a.0),
                Operand::reg_use(a.1),
                early_def(rd.0),
                early_def(rd.1),
            ],
            MInst::DivCheck { rn, rm, .. } => {
                smallvec::smallvec![Operand::reg_use(*rn), Operand::reg_use(*rm)]
            }
            MInst::Trap { .. } => smallvec::smallvec![],
            MInst::TrapIf { rn, .. } => smallvec::smallvec![Operand::reg_use(*rn)],
            MInst::Args { args } => args
                .iter()
                .map(|&(v, p)| Operand::reg_fixed_def(v, p))
                .collect(),
            MInst::Ret { rets } => rets
                .iter()
                .map(|&(v, p)| Operand::reg_fixed_use(v, p))
                .collect(),
            MInst::Jump { .. } => smallvec::smallvec![],
            MInst::BrNonZero { rn, .. } => smallvec::smallvec![Operand::reg_use(*rn)],
            MInst::BrIcmp { rn, rm, .. } => {
                let mut v = smallvec::smallvec![Operand::reg_use(*rn)];
                if let Some(r) = rm.reg() {
                    v.push(Operand::reg_use(r));
                }
                v
            }
            MInst::BrFcmp { rn, rm, .. } => {
                smallvec::smallvec![Operand::reg_use(*rn), Operand::reg_use(*rm)]
            }
            MInst::Float(f) => f.operands(),
        }
    }

    /// Renames every virtual register through `f` (used to resolve lowering aliases).
    pub fn map_vregs(&mut self, f: &impl Fn(VReg) -> VReg) {
        match self {
            MInst::Alu { rd, rn, op2, .. } => {
                *rd = f(*rd);
                *rn = f(*rn);
                op2.map(f);
            }
            MInst::MulAdd { rd, rn, rm, ra, .. } => {
                for r in [rd, rn, rm, ra] {
                    *r = f(*r);
                }
            }
            MInst::LoadIdx { rd, base, idx, .. } => {
                for r in [rd, base, idx] {
                    *r = f(*r);
                }
            }
            MInst::StoreIdx { rt, base, idx, .. } => {
                for r in [rt, base, idx] {
                    *r = f(*r);
                }
            }
            MInst::Mul { rd, rn, rm } => {
                *rd = f(*rd);
                *rn = f(*rn);
                *rm = f(*rm);
            }
            MInst::Const { rd, .. } => *rd = f(*rd),
            MInst::Shift { rd, rn, amt, .. } => {
                *rd = f(*rd);
                *rn = f(*rn);
                if let ShiftAmt::Reg(a) = amt {
                    *a = f(*a);
                }
            }
            MInst::Extend { rd, rn, .. } | MInst::Unop { rd, rn, .. } => {
                *rd = f(*rd);
                *rn = f(*rn);
            }
            MInst::Icmp { rd, rn, rm, .. }
            | MInst::MulHi { rd, rn, rm, .. }
            | MInst::Div { rd, rn, rm, .. } => {
                *rd = f(*rd);
                *rn = f(*rn);
                *rm = f(*rm);
            }
            MInst::Select { rd, c, rt, rf, .. } => {
                *rd = f(*rd);
                *c = f(*c);
                *rt = f(*rt);
                *rf = f(*rf);
            }
            MInst::SelectIcmp {
                rd, rn, rm, rt, rf, ..
            } => {
                *rd = f(*rd);
                *rn = f(*rn);
                *rm = f(*rm);
                *rt = f(*rt);
                *rf = f(*rf);
            }
            MInst::Load { rd, base, .. } => {
                *rd = f(*rd);
                *base = f(*base);
            }
            MInst::Store { rt, base, .. } => {
                *rt = f(*rt);
                *base = f(*base);
            }
            MInst::StackAddr { rd, .. } => *rd = f(*rd),
            MInst::Call {
                dest, uses, defs, ..
            } => {
                if let CallDest::Reg(r) = dest {
                    *r = f(*r);
                }
                uses.iter_mut().for_each(|(v, _)| *v = f(*v));
                defs.iter_mut().for_each(|(v, _)| *v = f(*v));
            }
            MInst::TailCall { dest, args } => {
                if let CallDest::Reg(r) = dest {
                    *r = f(*r);
                }
                args.iter_mut().for_each(|(v, _)| *v = f(*v));
            }
            MInst::StoreArg { rt, .. } => *rt = f(*rt),
            MInst::LoadArg { rd, .. } | MInst::SymAddr { rd, .. } => *rd = f(*rd),
            MInst::BrTable { idx, .. } => *idx = f(*idx),
            MInst::Overflow { rd, of, rn, rm, .. } => {
                *rd = f(*rd);
                *rn = f(*rn);
                rm.map(f);
                if let Some(o) = of {
                    *o = f(*o);
                }
            }
            MInst::BrFlags { .. } => {}
            MInst::Arith64 { rd, a, b, .. } => {
                for r in [&mut rd.0, &mut rd.1, &mut a.0, &mut a.1, &mut b.0, &mut b.1] {
                    *r = f(*r);
                }
            }
            MInst::Neg64 { rd, a } | MInst::Shift64 { rd, a, .. } => {
                for r in [&mut rd.0, &mut rd.1, &mut a.0, &mut a.1] {
                    *r = f(*r);
                }
            }
            MInst::Icmp64 { rd, a, b, .. } => {
                for r in [rd, &mut a.0, &mut a.1, &mut b.0, &mut b.1] {
                    *r = f(*r);
                }
            }
            MInst::DivCheck { rn, rm, .. } => {
                *rn = f(*rn);
                *rm = f(*rm);
            }
            MInst::Trap { .. } => {}
            MInst::TrapIf { rn, .. } => *rn = f(*rn),
            MInst::Args { args } => args.iter_mut().for_each(|(v, _)| *v = f(*v)),
            MInst::Ret { rets } => rets.iter_mut().for_each(|(v, _)| *v = f(*v)),
            MInst::Jump { .. } => {}
            MInst::BrNonZero { rn, .. } => *rn = f(*rn),
            MInst::BrIcmp { rn, rm, .. } => {
                *rn = f(*rn);
                rm.map(f);
            }
            MInst::BrFcmp { rn, rm, .. } => {
                *rn = f(*rn);
                *rm = f(*rm);
            }
            MInst::Float(i) => i.map_vregs(f),
        }
    }

    /// Renames every block a branch refers to through `f` (used when blocks are reordered).
    pub fn map_blocks(&mut self, f: &impl Fn(Block) -> Block) {
        match self {
            MInst::Jump { target } => *target = f(*target),
            MInst::BrIcmp {
                taken, not_taken, ..
            }
            | MInst::BrFcmp {
                taken, not_taken, ..
            }
            | MInst::BrNonZero {
                taken, not_taken, ..
            }
            | MInst::BrFlags {
                taken, not_taken, ..
            } => {
                *taken = f(*taken);
                *not_taken = f(*not_taken);
            }
            MInst::BrTable {
                default, targets, ..
            } => {
                *default = f(*default);
                targets.iter_mut().for_each(|t| *t = f(*t));
            }
            _ => {}
        }
    }

    fn is_branch(&self) -> bool {
        matches!(
            self,
            MInst::Jump { .. }
                | MInst::BrNonZero { .. }
                | MInst::BrIcmp { .. }
                | MInst::BrFcmp { .. }
                | MInst::BrTable { .. }
                | MInst::BrFlags { .. }
        )
    }
}

impl VCode {
    /// Flattens `blocks` (block 0 is the entry) and computes predecessors and operands.
    pub fn new(mut blocks: Vec<VBlock>, num_vregs: usize, info: FrameInfo) -> VCode {
        for b in blocks.iter_mut() {
            b.preds.clear();
        }
        for i in 0..blocks.len() {
            for s in blocks[i].succs.clone() {
                blocks[s.index()].preds.push(Block::new(i));
            }
        }
        // The instructions move out of the blocks (no copies: calls own vectors).
        let mut insts = Vec::new();
        let mut ranges = Vec::new();
        for b in blocks.iter_mut() {
            let start = insts.len();
            insts.append(&mut b.insts);
            ranges.push(InstRange::new(RaInst::new(start), RaInst::new(insts.len())));
        }
        let mut operands = Vec::with_capacity(insts.len() * 3);
        let mut operand_ranges = Vec::with_capacity(insts.len());
        for i in &insts {
            let start = operands.len() as u32;
            operands.extend(i.operands());
            operand_ranges.push((start, operands.len() as u32));
        }
        VCode {
            blocks,
            insts,
            ranges,
            operands,
            operand_ranges,
            num_vregs,
            stack_slot_offsets: info.stack_slot_offsets,
            stack_slots_size: info.stack_slots_size,
            tail_conv: info.tail_conv,
            outgoing_args: info.outgoing_args,
            has_calls: info.has_calls,
            symbols: info.symbols,
        }
    }

    /// Text for `--emit vcode`: one instruction per line, blocks labelled.
    pub fn display(&self) -> String {
        let mut s = String::new();
        for (i, b) in self.blocks.iter().enumerate() {
            s.push_str(&format!("block{i}({:?}):\n", b.params));
            for ii in self.ranges[i].iter() {
                s.push_str(&format!("  {:?}\n", self.insts[ii.index()]));
            }
            for (succ, args) in b.succs.iter().zip(&b.succ_args) {
                if !args.is_empty() {
                    s.push_str(&format!("  ; -> block{} args {:?}\n", succ.index(), args));
                }
            }
        }
        s
    }
}

impl regalloc2::Function for VCode {
    fn num_insts(&self) -> usize {
        self.insts.len()
    }
    fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
    fn entry_block(&self) -> Block {
        Block::new(0)
    }
    fn block_insns(&self, block: Block) -> InstRange {
        self.ranges[block.index()]
    }
    fn block_succs(&self, block: Block) -> &[Block] {
        &self.blocks[block.index()].succs
    }
    fn block_preds(&self, block: Block) -> &[Block] {
        &self.blocks[block.index()].preds
    }
    fn block_params(&self, block: Block) -> &[VReg] {
        &self.blocks[block.index()].params
    }
    fn is_ret(&self, insn: RaInst) -> bool {
        // A trap ends its block without successors, which regalloc2 treats like a return.
        matches!(
            self.insts[insn.index()],
            MInst::Ret { .. } | MInst::Trap { .. } | MInst::TailCall { .. }
        )
    }
    fn is_branch(&self, insn: RaInst) -> bool {
        self.insts[insn.index()].is_branch()
    }
    fn branch_blockparams(&self, block: Block, _insn: RaInst, succ_idx: usize) -> &[VReg] {
        &self.blocks[block.index()].succ_args[succ_idx]
    }
    fn inst_operands(&self, insn: RaInst) -> &[Operand] {
        let (a, b) = self.operand_ranges[insn.index()];
        &self.operands[a as usize..b as usize]
    }
    fn inst_clobbers(&self, insn: RaInst) -> PRegSet {
        match &self.insts[insn.index()] {
            MInst::Call { clobbers, .. } => *clobbers,
            _ => PRegSet::empty(),
        }
    }
    fn num_vregs(&self) -> usize {
        self.num_vregs
    }
    fn spillslot_size(&self, regclass: RegClass) -> usize {
        // Slots are 4 bytes; a float (D register) takes two.
        match regclass {
            RegClass::Int => 1,
            RegClass::Float | RegClass::Vector => 2,
        }
    }
}
