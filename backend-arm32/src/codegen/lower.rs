//! Lowering a CLIF function to VCode.
//!
//! Blocks are visited in reverse of reverse postorder and instructions backwards, so every
//! use of a value is seen before its definition: a pure instruction whose results nobody
//! put in a register (e.g. an `iconst` folded into an immediate operand) is skipped. Each
//! CLIF value gets a virtual register up front; the register an ISLE rule produces for a
//! result becomes an alias of it, resolved after lowering.

use std::collections::HashMap;

use cranelift_codegen::ir::{self, BlockArg, Function, InstructionData, Opcode, Value};
use regalloc2::{Block, RegClass, VReg};

use super::abi::{preg, INT_ARG_REGS};
use super::isle::generated::constructor_lower;
use super::vcode::{AluOp, DivOp, IntCC, MInst, MemKind, Operand2, ShiftOp, VBlock, VCode};
use super::{CodegenError, Flags};

/// State while lowering one function; the ISLE `Context` is implemented on it (isle.rs).
pub struct LowerCtx<'f> {
    pub(crate) func: &'f Function,
    value_vregs: HashMap<Value, VReg>,
    used: HashMap<Value, bool>,
    aliases: HashMap<VReg, VReg>,
    next_vreg: usize,
    /// Instructions produced for the CLIF instruction being lowered, in order.
    cur: Vec<MInst>,
    error: Option<CodegenError>,
    flags: Flags,
}

impl<'f> LowerCtx<'f> {
    pub(crate) fn new_vreg(&mut self) -> VReg {
        let v = VReg::new(self.next_vreg, RegClass::Int);
        self.next_vreg += 1;
        v
    }

    fn value_vreg(&mut self, v: Value) -> VReg {
        if let Some(&r) = self.value_vregs.get(&v) {
            return r;
        }
        let r = self.new_vreg();
        self.value_vregs.insert(v, r);
        r
    }

    /// The register of `v`, marking `v` as needed.
    pub(crate) fn use_value(&mut self, v: Value) -> VReg {
        let v = self.func.dfg.resolve_aliases(v);
        if let Err(e) = self.check_type(v) {
            self.fail(e);
        }
        self.used.insert(v, true);
        self.value_vreg(v)
    }

    fn check_type(&self, v: Value) -> Result<(), CodegenError> {
        let ty = self.func.dfg.value_type(v);
        if ty.is_int() && ty.bits() <= 32 {
            return Ok(());
        }
        let inst = match self.func.dfg.value_def(v).inst() {
            Some(i) => self.func.dfg.display_inst(i).to_string(),
            None => format!("block parameter {v}"),
        };
        Err(self.unsupported_text(inst, ty.to_string()))
    }

    fn unsupported_text(&self, inst: String, ty: String) -> CodegenError {
        CodegenError::Unsupported {
            func: self.func.name.to_string(),
            inst,
            ty,
        }
    }

    pub(crate) fn push(&mut self, inst: MInst) {
        self.cur.push(inst);
    }

    fn fail(&mut self, e: CodegenError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Makes `reg` the register of `inst`'s first result.
    pub(crate) fn define_result(&mut self, inst: ir::Inst, reg: VReg) {
        let res = self.func.dfg.inst_results(inst)[0];
        let vr = self.value_vreg(res);
        self.aliases.insert(vr, reg);
    }

    /// A fresh register holding `r` extended from `from` bits (or `r` itself at 32).
    pub(crate) fn extend_reg(&mut self, r: VReg, from: u8, signed: bool) -> VReg {
        if from >= 32 {
            return r;
        }
        let rd = self.new_vreg();
        self.push(MInst::Extend {
            rd,
            rn: r,
            from,
            signed,
        });
        rd
    }

    /// Compare operands widened to 32 bits the way the condition reads them.
    pub(crate) fn cmp_operands(
        &mut self,
        cc: IntCC,
        ty: ir::Type,
        x: VReg,
        y: VReg,
    ) -> (VReg, VReg) {
        let signed = matches!(
            cc,
            IntCC::SignedLessThan
                | IntCC::SignedGreaterThanOrEqual
                | IntCC::SignedGreaterThan
                | IntCC::SignedLessThanOrEqual
        );
        let bits = ty.bits() as u8;
        (
            self.extend_reg(x, bits, signed),
            self.extend_reg(y, bits, signed),
        )
    }

    /// The operand of a shift: right shifts of narrow types need the value extended
    /// (zero for ushr, sign for sshr); rotates of narrow types are not supported yet.
    pub(crate) fn shift_operand(&mut self, op: ShiftOp, ty: ir::Type, x: VReg) -> VReg {
        let bits = ty.bits() as u8;
        match op {
            ShiftOp::Ushr => self.extend_reg(x, bits, false),
            ShiftOp::Sshr => self.extend_reg(x, bits, true),
            ShiftOp::Rotl | ShiftOp::Rotr if bits < 32 => {
                self.fail(self.unsupported_text(format!("{op:?}"), ty.to_string()));
                x
            }
            _ => x,
        }
    }

    /// Division: SDIV/UDIV on extended operands (hardware divide only for now).
    pub(crate) fn lower_div(&mut self, op: DivOp, ty: ir::Type, x: VReg, y: VReg) -> VReg {
        if !self.flags.has_hw_div {
            self.fail(self.unsupported_text(
                format!("{op:?} without the hardware-divide target flag (no runtime helper yet)"),
                ty.to_string(),
            ));
        }
        let signed = matches!(op, DivOp::Sdiv | DivOp::Srem);
        let bits = ty.bits() as u8;
        let rn = self.extend_reg(x, bits, signed);
        let rm = self.extend_reg(y, bits, signed);
        let rd = self.new_vreg();
        self.push(MInst::Div {
            op,
            bits,
            rd,
            rn,
            rm,
        });
        rd
    }

    /// A base register and an offset the access's immediate field can hold: offsets out
    /// of range are added into a fresh base first.
    pub(crate) fn mem_address(&mut self, kind: MemKind, base: VReg, off: i32) -> (VReg, i32) {
        if off.unsigned_abs() <= kind.max_offset() as u32 {
            return (base, off);
        }
        let k = self.new_vreg();
        self.push(MInst::Const {
            rd: k,
            value: off as u32,
        });
        let rd = self.new_vreg();
        self.push(MInst::Alu {
            op: AluOp::Add,
            rd,
            rn: base,
            op2: Operand2::Reg { rm: k },
        });
        (rd, 0)
    }

    pub(crate) fn lower_return_values(&mut self, vals: &[Value]) {
        if vals.len() > INT_ARG_REGS.len() {
            self.fail(CodegenError::Signature {
                func: self.func.name.to_string(),
                why: format!("{} return values (at most 4 supported)", vals.len()),
            });
            return;
        }
        let rets = vals
            .iter()
            .zip(INT_ARG_REGS)
            .map(|(&v, r)| (self.use_value(v), preg(r)))
            .collect();
        self.push(MInst::Ret { rets });
    }

    fn resolve(&self, mut r: VReg) -> VReg {
        while let Some(&a) = self.aliases.get(&r) {
            r = a;
        }
        r
    }

    /// The value arguments of a block call (exception-call results are not supported).
    fn block_call_args(&mut self, bc: ir::BlockCall) -> Result<Vec<VReg>, CodegenError> {
        let args: Vec<BlockArg> = bc.args(&self.func.dfg.value_lists).collect();
        args.into_iter()
            .map(|a| match a {
                BlockArg::Value(v) => Ok(self.use_value(v)),
                other => {
                    Err(self.unsupported_text(format!("block argument {other:?}"), "-".into()))
                }
            })
            .collect()
    }
}

/// Whether the instruction must be kept even if its results are unused.
fn has_side_effect(func: &Function, inst: ir::Inst) -> bool {
    let op = func.dfg.insts[inst].opcode();
    op.is_terminator()
        || op.is_branch()
        || op.is_call()
        || op.can_store()
        || op.can_trap()
        || op.other_side_effects()
        || (op.can_load()
            && !func.dfg.insts[inst]
                .memflags()
                .is_some_and(|f| f.readonly()))
}

/// Reverse postorder of the blocks reachable from the entry.
fn reverse_postorder(func: &Function) -> Vec<ir::Block> {
    let Some(entry) = func.layout.entry_block() else {
        return vec![];
    };
    let mut seen = std::collections::HashSet::new();
    let mut post = Vec::new();
    // Iterative DFS: (block, next successor index).
    let mut stack = vec![(entry, 0usize)];
    seen.insert(entry);
    while let Some(&mut (b, ref mut i)) = stack.last_mut() {
        let succs: Vec<ir::Block> = match func.layout.last_inst(b) {
            Some(t) => func.dfg.insts[t]
                .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
                .iter()
                .map(|bc| bc.block(&func.dfg.value_lists))
                .collect(),
            None => vec![],
        };
        if *i < succs.len() {
            let s = succs[*i];
            *i += 1;
            if seen.insert(s) {
                stack.push((s, 0));
            }
        } else {
            post.push(b);
            stack.pop();
        }
    }
    post.reverse();
    post
}

/// Lowers `func` to VCode.
pub fn lower(func: &Function, flags: &Flags) -> Result<VCode, CodegenError> {
    let name = func.name.to_string();
    let order = reverse_postorder(func);
    let index: HashMap<ir::Block, usize> = order.iter().enumerate().map(|(i, &b)| (b, i)).collect();
    let mut ctx = LowerCtx {
        func,
        value_vregs: HashMap::new(),
        used: HashMap::new(),
        aliases: HashMap::new(),
        next_vreg: 0,
        cur: Vec::new(),
        error: None,
        flags: *flags,
    };
    let mut blocks: Vec<VBlock> = vec![VBlock::default(); order.len()];
    // Edge blocks that split critical edges, appended after the CLIF blocks.
    let mut edge_blocks: Vec<VBlock> = Vec::new();

    for (bi, &b) in order.iter().enumerate().rev() {
        let mut per_inst: Vec<Vec<MInst>> = Vec::new();
        let insts: Vec<ir::Inst> = func.layout.block_insts(b).collect();
        for &inst in insts.iter().rev() {
            let data = func.dfg.insts[inst];
            match data {
                InstructionData::Jump { destination, .. } => {
                    let args = ctx.block_call_args(destination)?;
                    let t = Block::new(index[&destination.block(&func.dfg.value_lists)]);
                    blocks[bi].succs = vec![t];
                    blocks[bi].succ_args = vec![args];
                    ctx.push(MInst::Jump { target: t });
                }
                InstructionData::Brif {
                    arg, blocks: bcs, ..
                } => {
                    let ty = func.dfg.value_type(arg);
                    // Compare-and-branch fusion: a condition computed by a 32-bit-or-less
                    // `icmp` branches on the flags directly. The icmp itself is then only
                    // lowered if something else puts its result in a register.
                    let fused = func
                        .dfg
                        .value_def(func.dfg.resolve_aliases(arg))
                        .inst()
                        .and_then(|i| match func.dfg.insts[i] {
                            InstructionData::IntCompare {
                                opcode: Opcode::Icmp,
                                args: [x, y],
                                cond,
                            } if func.dfg.value_type(x).bits() <= 32 => Some((cond, x, y)),
                            _ => None,
                        });
                    let cmp = match fused {
                        Some((cc, x, y)) => {
                            let (xr, yr) = (ctx.use_value(x), ctx.use_value(y));
                            let xty = func.dfg.value_type(x);
                            let (xr, yr) = ctx.cmp_operands(cc, xty, xr, yr);
                            Err((cc, xr, yr))
                        }
                        None => Ok(ctx.use_value(arg)),
                    };
                    // Each edge goes through its own block so the block-argument moves
                    // of one edge never run on the other (no critical edges).
                    let mut edges = Vec::new();
                    for bc in bcs {
                        let args = ctx.block_call_args(bc)?;
                        let t = Block::new(index[&bc.block(&func.dfg.value_lists)]);
                        let e = Block::new(order.len() + edge_blocks.len());
                        edge_blocks.push(VBlock {
                            insts: vec![MInst::Jump { target: t }],
                            succs: vec![t],
                            succ_args: vec![args],
                            ..VBlock::default()
                        });
                        edges.push(e);
                    }
                    blocks[bi].succs = edges.clone();
                    blocks[bi].succ_args = vec![vec![], vec![]];
                    ctx.push(match cmp {
                        Ok(rn) => MInst::BrNonZero {
                            rn,
                            bits: ty.bits() as u8,
                            taken: edges[0],
                            not_taken: edges[1],
                        },
                        Err((cc, rn, rm)) => MInst::BrIcmp {
                            cc,
                            rn,
                            rm,
                            taken: edges[0],
                            not_taken: edges[1],
                        },
                    });
                }
                _ => {
                    let results = func.dfg.inst_results(inst);
                    let needed = results.iter().any(|r| ctx.used.contains_key(r));
                    if !needed && !has_side_effect(func, inst) {
                        continue;
                    }
                    if data.opcode() != Opcode::Return {
                        for &r in results {
                            ctx.check_type(r)?;
                        }
                    }
                    if constructor_lower(&mut ctx, inst).is_none() {
                        let ty = results
                            .first()
                            .map(|&r| func.dfg.value_type(r).to_string())
                            .unwrap_or_else(|| "-".into());
                        return Err(
                            ctx.unsupported_text(func.dfg.display_inst(inst).to_string(), ty)
                        );
                    }
                }
            }
            if let Some(e) = ctx.error.take() {
                return Err(e);
            }
            per_inst.push(std::mem::take(&mut ctx.cur));
        }
        let mut out: Vec<MInst> = per_inst.into_iter().rev().flatten().collect();
        let params: Vec<VReg> = func
            .dfg
            .block_params(b)
            .to_vec()
            .into_iter()
            .map(|p| {
                ctx.check_type(p)?;
                Ok(ctx.value_vreg(p))
            })
            .collect::<Result<_, CodegenError>>()?;
        if bi == 0 {
            // The entry block's parameters are the function arguments, defined in their
            // ABI registers by a pseudo-instruction (regalloc2 entry blocks have no params).
            if params.len() > INT_ARG_REGS.len() {
                return Err(CodegenError::Signature {
                    func: name,
                    why: format!("{} parameters (at most 4 supported)", params.len()),
                });
            }
            let args = params
                .iter()
                .zip(INT_ARG_REGS)
                .map(|(&v, r)| (v, preg(r)))
                .collect();
            out.insert(0, MInst::Args { args });
        } else {
            blocks[bi].params = params;
        }
        blocks[bi].insts = out;
    }
    blocks.extend(edge_blocks);
    for b in blocks.iter_mut() {
        for i in b.insts.iter_mut() {
            i.map_vregs(&|r| ctx.resolve(r));
        }
        for args in b.succ_args.iter_mut() {
            args.iter_mut().for_each(|r| *r = ctx.resolve(*r));
        }
    }
    // Explicit stack slots, each aligned to its own alignment (at most 8: the frame is
    // only 8-byte aligned).
    let mut offsets = Vec::new();
    let mut size = 0u32;
    for (_, data) in func.sized_stack_slots.iter() {
        let align = 1u32 << data.align_shift.min(3);
        size = size.next_multiple_of(align);
        offsets.push(size);
        size += data.size;
    }
    Ok(VCode::new(
        blocks,
        ctx.next_vreg,
        offsets,
        size.next_multiple_of(8),
    ))
}
