//! Glue between the ISLE-generated instruction selector (`$OUT_DIR/isle_arm32.rs`, built
//! from `isle/*.isle` by build.rs) and our lowering context: the generated code calls the
//! `Context` trait implemented here for every extern extractor and constructor.

use super::float::{vfp_offset_ok, FInst};
pub use super::float::{FArithOp, FUnOp};
use super::lower::LowerCtx;
pub use super::vcode::{
    AluOp, DivOp, MemKind, Op64, Operand2, OverflowOp, ShiftAmt, ShiftOp, UnOp,
};
use super::vcode::{CallDest, MInst};
use super::SymbolName;
pub use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
pub use cranelift_codegen::ir::immediates::{
    Ieee128, Ieee16, Ieee32, Ieee64, Imm64, Offset32, Uimm8,
};
pub use cranelift_codegen::ir::types::{F64, I16, I32, I64, I8};
pub use cranelift_codegen::ir::{
    AtomicRmwOp, BlockCall, Constant, DynamicStackSlot, ExceptionTable, FuncRef, GlobalValue,
    Immediate, Inst, InstructionData, JumpTable, MemFlags, MemFlagsData, Opcode, SigRef, StackSlot,
    TrapCode, Type, Value, ValueList,
};

/// ISLE's unit type.
pub type Unit = ();
/// A value list and the index of its first element still to be matched.
pub type ValueSlice = (ValueList, usize);
pub type ValueArray2 = [Value; 2];
pub type ValueArray3 = [Value; 3];
pub type BlockArray2 = [BlockCall; 2];
/// A virtual register (ISLE's `Reg`).
pub type Reg = regalloc2::VReg;
/// The (low word, high word) registers of an i64 (ISLE's `RegPair`).
pub type RegPair = (Reg, Reg);

#[allow(
    dead_code,
    unreachable_code,
    unreachable_patterns,
    unused_imports,
    unused_variables,
    non_snake_case,
    unused_mut,
    irrefutable_let_patterns,
    clippy::all
)]
pub(crate) mod generated {
    // The generated code names `alloc::vec::Vec` (Cranelift's crates are no_std + alloc).
    extern crate alloc;
    use super::*;
    include!(concat!(env!("OUT_DIR"), "/isle_arm32.rs"));
}

impl generated::Context for LowerCtx<'_> {
    fn unpack_value_array_2(&mut self, arg0: &ValueArray2) -> (Value, Value) {
        (arg0[0], arg0[1])
    }
    fn pack_value_array_2(&mut self, arg0: Value, arg1: Value) -> ValueArray2 {
        [arg0, arg1]
    }
    fn unpack_value_array_3(&mut self, arg0: &ValueArray3) -> (Value, Value, Value) {
        (arg0[0], arg0[1], arg0[2])
    }
    fn pack_value_array_3(&mut self, arg0: Value, arg1: Value, arg2: Value) -> ValueArray3 {
        [arg0, arg1, arg2]
    }
    fn unpack_block_array_2(&mut self, arg0: &BlockArray2) -> (BlockCall, BlockCall) {
        (arg0[0], arg0[1])
    }
    fn pack_block_array_2(&mut self, arg0: BlockCall, arg1: BlockCall) -> BlockArray2 {
        [arg0, arg1]
    }
    fn value_list_slice(&mut self, arg0: ValueList) -> ValueSlice {
        (arg0, 0)
    }
    fn value_slice_unwrap(&mut self, arg0: ValueSlice) -> Option<(Value, ValueSlice)> {
        let (list, off) = arg0;
        list.get(off, &self.func.dfg.value_lists)
            .map(|v| (v, (list, off + 1)))
    }
    fn inst_data_value(&mut self, arg0: Inst) -> (Type, InstructionData) {
        let dfg = &self.func.dfg;
        let ty = dfg
            .inst_results(arg0)
            .first()
            .map_or(cranelift_codegen::ir::types::INVALID, |&v| {
                dfg.value_type(v)
            });
        (ty, dfg.insts[arg0])
    }
    fn result_type(&mut self, arg0: Inst) -> Option<Type> {
        let dfg = &self.func.dfg;
        dfg.inst_results(arg0).first().map(|&v| dfg.value_type(v))
    }
    fn fits_in_32(&mut self, arg0: Type) -> Option<Type> {
        (arg0.is_int() && arg0.bits() <= 32).then_some(arg0)
    }
    fn imm64_u32(&mut self, arg0: Imm64) -> u32 {
        arg0.bits() as u32
    }
    fn value_type(&mut self, arg0: Value) -> Type {
        self.func.dfg.value_type(arg0)
    }
    fn def_inst(&mut self, arg0: Value) -> Option<Inst> {
        self.func.dfg.value_def(arg0).inst()
    }
    fn put_in_reg(&mut self, arg0: Value) -> Reg {
        self.use_value(arg0)
    }
    fn alu(&mut self, arg0: &AluOp, arg1: Reg, arg2: &Operand2) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::Alu {
            op: *arg0,
            rd,
            rn: arg1,
            op2: *arg2,
        });
        rd
    }
    fn mul(&mut self, arg0: Reg, arg1: Reg) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::Mul {
            rd,
            rn: arg0,
            rm: arg1,
        });
        rd
    }
    fn const32(&mut self, arg0: u32) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::Const { rd, value: arg0 });
        rd
    }
    fn imm_operand2(&mut self, arg0: u32) -> Option<Operand2> {
        crate::asm::encode_imm(arg0).map(|_| Operand2::Imm { value: arg0 })
    }
    fn imm_operand2_neg(&mut self, arg0: u32) -> Option<Operand2> {
        let n = arg0.wrapping_neg();
        crate::asm::encode_imm(n).map(|_| Operand2::Imm { value: n })
    }
    fn output(&mut self, arg0: Inst, arg1: Reg) -> Unit {
        self.define_result(arg0, arg1);
    }
    fn shift(&mut self, arg0: &ShiftOp, arg1: Type, arg2: Reg, arg3: Reg) -> Reg {
        let rn = self.shift_operand(*arg0, arg1, arg2);
        let rd = self.new_vreg();
        self.push(MInst::Shift {
            op: *arg0,
            bits: arg1.bits() as u8,
            rd,
            rn,
            amt: ShiftAmt::Reg(arg3),
        });
        rd
    }
    fn shift_imm(&mut self, arg0: &ShiftOp, arg1: Type, arg2: Reg, arg3: u32) -> Reg {
        let rn = self.shift_operand(*arg0, arg1, arg2);
        let rd = self.new_vreg();
        self.push(MInst::Shift {
            op: *arg0,
            bits: arg1.bits() as u8,
            rd,
            rn,
            amt: ShiftAmt::Imm((arg3 % arg1.bits()) as u8),
        });
        rd
    }
    fn extend(&mut self, arg0: Reg, arg1: u8, arg2: bool) -> Reg {
        self.extend_reg(arg0, arg1, arg2)
    }
    fn ty_bits(&mut self, arg0: Type) -> u8 {
        arg0.bits() as u8
    }
    fn icmp_val(&mut self, arg0: &IntCC, arg1: Type, arg2: Reg, arg3: Reg) -> Reg {
        let (rn, rm) = self.cmp_operands(*arg0, arg1, arg2, arg3);
        let rd = self.new_vreg();
        self.push(MInst::Icmp {
            cc: *arg0,
            rd,
            rn,
            rm,
        });
        rd
    }
    fn select_val(&mut self, arg0: Type, arg1: Reg, arg2: Reg, arg3: Reg) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::Select {
            bits: arg0.bits() as u8,
            rd,
            c: arg1,
            rt: arg2,
            rf: arg3,
        });
        rd
    }
    fn select_icmp(
        &mut self,
        arg0: &IntCC,
        arg1: Type,
        arg2: Reg,
        arg3: Reg,
        arg4: Reg,
        arg5: Reg,
    ) -> Reg {
        let (rn, rm) = self.cmp_operands(*arg0, arg1, arg2, arg3);
        let rd = self.new_vreg();
        self.push(MInst::SelectIcmp {
            cc: *arg0,
            rd,
            rn,
            rm,
            rt: arg4,
            rf: arg5,
        });
        rd
    }
    fn unop(&mut self, arg0: &UnOp, arg1: Reg) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::Unop {
            op: *arg0,
            rd,
            rn: arg1,
        });
        rd
    }
    fn mulhi(&mut self, arg0: bool, arg1: Reg, arg2: Reg) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::MulHi {
            signed: arg0,
            rd,
            rn: arg1,
            rm: arg2,
        });
        rd
    }
    fn div(&mut self, arg0: &DivOp, arg1: Type, arg2: Reg, arg3: Reg) -> Reg {
        self.lower_div(*arg0, arg1, arg2, arg3)
    }
    fn emit_trap(&mut self, arg0: &TrapCode) -> Unit {
        self.push(MInst::Trap {
            code: trap_imm(*arg0),
        });
    }
    fn trap_if(&mut self, arg0: bool, arg1: Type, arg2: Reg, arg3: &TrapCode) -> Unit {
        self.push(MInst::TrapIf {
            nonzero: arg0,
            bits: arg1.bits() as u8,
            rn: arg2,
            code: trap_imm(*arg3),
        });
    }
    fn offset32_i32(&mut self, arg0: Offset32) -> i32 {
        arg0.into()
    }
    fn load_mem(&mut self, arg0: &MemKind, arg1: Reg, arg2: i32) -> Reg {
        let (base, off) = self.mem_address(*arg0, arg1, arg2);
        let rd = self.new_vreg();
        self.push(MInst::Load {
            kind: *arg0,
            rd,
            base,
            off,
        });
        rd
    }
    fn store_mem(&mut self, arg0: &MemKind, arg1: Reg, arg2: Reg, arg3: i32) -> Unit {
        let (base, off) = self.mem_address(*arg0, arg2, arg3);
        self.push(MInst::Store {
            kind: *arg0,
            rt: arg1,
            base,
            off,
        });
    }
    fn stack_addr_reg(&mut self, arg0: StackSlot, arg1: i32) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::StackAddr {
            rd,
            slot: arg0.as_u32(),
            off: arg1,
        });
        rd
    }
    fn call_direct(&mut self, arg0: Inst, arg1: FuncRef, arg2: ValueSlice) -> Unit {
        let (dest, sig) = self.func_dest(arg1);
        let args = self.slice_values(arg2);
        self.lower_call(arg0, dest, &sig, &args);
    }
    fn call_reg(&mut self, arg0: Inst, arg1: SigRef, arg2: Reg, arg3: ValueSlice) -> Unit {
        let sig = self.func.dfg.signatures[arg1].clone();
        let args = self.slice_values(arg3);
        self.lower_call(arg0, CallDest::Reg(arg2), &sig, &args);
    }
    fn tail_call_direct(&mut self, arg0: FuncRef, arg1: ValueSlice) -> Unit {
        let (dest, sig) = self.func_dest(arg0);
        let args = self.slice_values(arg1);
        self.lower_tail_call(dest, &sig, &args);
    }
    fn tail_call_reg(&mut self, arg0: SigRef, arg1: Reg, arg2: ValueSlice) -> Unit {
        let sig = self.func.dfg.signatures[arg0].clone();
        let args = self.slice_values(arg2);
        self.lower_tail_call(CallDest::Reg(arg1), &sig, &args);
    }
    fn func_addr_reg(&mut self, arg0: FuncRef) -> Reg {
        let name = SymbolName::of_external(self.func, &self.func.dfg.ext_funcs[arg0].name);
        self.symbol_addr(name, 0)
    }
    fn symbol_addr_reg(&mut self, arg0: GlobalValue) -> Reg {
        match self.global_symbol(arg0) {
            Some(r) => r,
            None => {
                let e = super::CodegenError::Unsupported {
                    func: self.func.name.to_string(),
                    inst: format!("symbol_value {arg0} (not a plain symbol)"),
                    ty: "i32".into(),
                };
                self.fail(e);
                self.new_vreg()
            }
        }
    }
    fn overflow(&mut self, arg0: Inst, arg1: &OverflowOp, arg2: Reg, arg3: &Operand2) -> Unit {
        self.lower_overflow(arg0, *arg1, arg2, *arg3);
    }
    fn put_in_pair(&mut self, arg0: Value) -> RegPair {
        self.use_pair(arg0)
    }
    fn output_pair(&mut self, arg0: Inst, arg1: RegPair) -> Unit {
        self.define_pair(arg0, 0, arg1.0, arg1.1);
    }
    fn output2(&mut self, arg0: Inst, arg1: Reg, arg2: Reg) -> Unit {
        self.define_nth(arg0, 0, arg1);
        self.define_nth(arg0, 1, arg2);
    }
    fn mk_pair(&mut self, arg0: Reg, arg1: Reg) -> RegPair {
        (arg0, arg1)
    }
    fn pair_lo(&mut self, arg0: RegPair) -> Reg {
        arg0.0
    }
    fn pair_hi(&mut self, arg0: RegPair) -> Reg {
        arg0.1
    }
    fn imm64_lo(&mut self, arg0: Imm64) -> u32 {
        arg0.bits() as u32
    }
    fn imm64_hi(&mut self, arg0: Imm64) -> u32 {
        (arg0.bits() >> 32) as u32
    }
    fn arith64(&mut self, arg0: &Op64, arg1: RegPair, arg2: RegPair) -> RegPair {
        let rd = (self.new_vreg(), self.new_vreg());
        self.push(MInst::Arith64 {
            op: *arg0,
            rd,
            a: arg1,
            b: arg2,
        });
        rd
    }
    fn neg64(&mut self, arg0: RegPair) -> RegPair {
        let rd = (self.new_vreg(), self.new_vreg());
        self.push(MInst::Neg64 { rd, a: arg0 });
        rd
    }
    fn icmp64(&mut self, arg0: &IntCC, arg1: RegPair, arg2: RegPair) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::Icmp64 {
            cc: *arg0,
            rd,
            a: arg1,
            b: arg2,
        });
        rd
    }
    fn shift64_imm(&mut self, arg0: &ShiftOp, arg1: RegPair, arg2: u32) -> RegPair {
        let rd = (self.new_vreg(), self.new_vreg());
        self.push(MInst::Shift64 {
            op: *arg0,
            n: (arg2 % 64) as u8,
            rd,
            a: arg1,
        });
        rd
    }
    fn load64(&mut self, arg0: Reg, arg1: i32) -> RegPair {
        let lo = self.load_mem(&MemKind::W32, arg0, arg1);
        let hi = self.load_mem(&MemKind::W32, arg0, arg1.wrapping_add(4));
        (lo, hi)
    }
    fn store64(&mut self, arg0: RegPair, arg1: Reg, arg2: i32) -> Unit {
        self.store_mem(&MemKind::W32, arg0.0, arg1, arg2);
        self.store_mem(&MemKind::W32, arg0.1, arg1, arg2.wrapping_add(4));
    }
    fn ieee64_bits(&mut self, arg0: Ieee64) -> u64 {
        arg0.bits()
    }
    fn fconst(&mut self, arg0: u64) -> Reg {
        let rd = self.new_fvreg();
        self.push(MInst::Float(FInst::Const { rd, bits: arg0 }));
        rd
    }
    fn farith(&mut self, arg0: &FArithOp, arg1: Reg, arg2: Reg) -> Reg {
        let rd = self.new_fvreg();
        self.push(MInst::Float(FInst::Arith {
            op: *arg0,
            rd,
            rn: arg1,
            rm: arg2,
        }));
        rd
    }
    fn funary(&mut self, arg0: &FUnOp, arg1: Reg) -> Reg {
        let rd = self.new_fvreg();
        self.push(MInst::Float(FInst::Unary {
            op: *arg0,
            rd,
            rn: arg1,
        }));
        rd
    }
    fn fcmp_val(&mut self, arg0: &FloatCC, arg1: Reg, arg2: Reg) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::Float(FInst::Cmp {
            cc: *arg0,
            rd,
            rn: arg1,
            rm: arg2,
        }));
        rd
    }
    fn fselect(&mut self, arg0: Type, arg1: Reg, arg2: Reg, arg3: Reg) -> Reg {
        let rd = self.new_fvreg();
        self.push(MInst::Float(FInst::Select {
            bits: arg0.bits() as u8,
            rd,
            c: arg1,
            rt: arg2,
            rf: arg3,
        }));
        rd
    }
    fn fcvt_from_int(&mut self, arg0: bool, arg1: Reg) -> Reg {
        let rd = self.new_fvreg();
        self.push(MInst::Float(FInst::FromInt {
            signed: arg0,
            rd,
            rn: arg1,
        }));
        rd
    }
    fn fcvt_to_int(&mut self, arg0: bool, arg1: bool, arg2: Reg) -> Reg {
        let rd = self.new_vreg();
        let tmp = self.new_fvreg();
        self.push(MInst::Float(FInst::ToInt {
            signed: arg0,
            sat: arg1,
            rd,
            rn: arg2,
            tmp,
        }));
        rd
    }
    fn f64_from_bits(&mut self, arg0: RegPair) -> Reg {
        let rd = self.new_fvreg();
        self.push(MInst::Float(FInst::FromBits {
            rd,
            lo: arg0.0,
            hi: arg0.1,
        }));
        rd
    }
    fn f64_to_bits(&mut self, arg0: Reg) -> RegPair {
        let (lo, hi) = (self.new_vreg(), self.new_vreg());
        self.push(MInst::Float(FInst::ToBits { lo, hi, rn: arg0 }));
        (lo, hi)
    }
    fn fload(&mut self, arg0: Reg, arg1: i32) -> Reg {
        let (base, off) = self.vfp_address(arg0, arg1);
        let rd = self.new_fvreg();
        self.push(MInst::Float(FInst::Load { rd, base, off }));
        rd
    }
    fn fstore(&mut self, arg0: Reg, arg1: Reg, arg2: i32) -> Unit {
        let (base, off) = self.vfp_address(arg1, arg2);
        self.push(MInst::Float(FInst::Store {
            rt: arg0,
            base,
            off,
        }));
    }
    fn shifted_i32(&mut self, arg0: Value) -> Option<(ShiftOp, Value, u8)> {
        let dfg = &self.func.dfg;
        if dfg.value_type(arg0) != I32 {
            return None;
        }
        let inst = dfg.value_def(dfg.resolve_aliases(arg0)).inst()?;
        let InstructionData::Binary { opcode, args } = dfg.insts[inst] else {
            return None;
        };
        let op = match opcode {
            Opcode::Ishl => ShiftOp::Ishl,
            Opcode::Ushr => ShiftOp::Ushr,
            Opcode::Sshr => ShiftOp::Sshr,
            _ => return None,
        };
        let n = (self.iconst_of(args[1])? % 32) as u8;
        (n != 0).then_some((op, args[0], n))
    }
    fn mul_add(&mut self, arg0: bool, arg1: Reg, arg2: Reg, arg3: Reg) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::MulAdd {
            sub: arg0,
            rd,
            rn: arg1,
            rm: arg2,
            ra: arg3,
        });
        rd
    }
    fn scaled_addr(&mut self, arg0: Value) -> Option<(Value, Value, u8)> {
        let (b, i) = self.iadd_i32_operands(arg0)?;
        let dfg = &self.func.dfg;
        // base + (idx << k) in either order, else base + idx.
        for (base, idx) in [(b, i), (i, b)] {
            if let Some((ShiftOp::Ishl, x, k)) = self.shifted_i32(idx) {
                return Some((base, x, k));
            }
        }
        // base + constant: the address is (or will be) in a register of its own, and an
        // index register would cost a MOV/MVN of the constant for nothing.
        let is_const = |v: Value| {
            dfg.value_def(dfg.resolve_aliases(v))
                .inst()
                .is_some_and(|d| dfg.insts[d].opcode() == Opcode::Iconst)
        };
        if is_const(b) || is_const(i) {
            return None;
        }
        Some((b, i, 0))
    }
    fn addr_plus(&mut self, arg0: Value) -> Option<(Value, i32)> {
        let (b, i) = self.iadd_i32_operands(arg0)?;
        let dfg = &self.func.dfg;
        let konst = |v: Value| match dfg.insts[dfg.value_def(dfg.resolve_aliases(v)).inst()?] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits() as i32),
            _ => None,
        };
        let (base, k) = match (konst(b), konst(i)) {
            (None, Some(k)) => (b, k),
            (Some(k), None) => (i, k),
            _ => return None,
        };
        (k.unsigned_abs() <= 255).then_some((base, k))
    }
    fn offset_add(&mut self, arg0: i32, arg1: i32) -> i32 {
        arg0.wrapping_add(arg1)
    }
    fn load_idx(&mut self, arg0: &MemKind, arg1: Reg, arg2: Reg, arg3: u8) -> Reg {
        let rd = self.new_vreg();
        self.push(MInst::LoadIdx {
            kind: *arg0,
            rd,
            base: arg1,
            idx: arg2,
            shift: arg3,
        });
        rd
    }
    fn store_idx(&mut self, arg0: &MemKind, arg1: Reg, arg2: Reg, arg3: Reg, arg4: u8) -> Unit {
        self.push(MInst::StoreIdx {
            kind: *arg0,
            rt: arg1,
            base: arg2,
            idx: arg3,
            shift: arg4,
        });
    }
    fn lower_return(&mut self, arg0: ValueSlice) -> Unit {
        let (list, off) = arg0;
        let vals: Vec<Value> = list.as_slice(&self.func.dfg.value_lists)[off..].to_vec();
        self.lower_return_values(&vals);
    }
}

impl LowerCtx<'_> {
    /// The operands of `v` when it is an `iadd` of I32 values (an address computation).
    fn iadd_i32_operands(&self, v: Value) -> Option<(Value, Value)> {
        let dfg = &self.func.dfg;
        if dfg.value_type(v) != I32 {
            return None;
        }
        let inst = dfg.value_def(dfg.resolve_aliases(v)).inst()?;
        match dfg.insts[inst] {
            InstructionData::Binary {
                opcode: Opcode::Iadd,
                args: [b, i],
            } => Some((b, i)),
            _ => None,
        }
    }

    /// The value of an `iconst` (low 32 bits), if `v` is one.
    fn iconst_of(&self, v: Value) -> Option<u32> {
        let dfg = &self.func.dfg;
        let inst = dfg.value_def(dfg.resolve_aliases(v)).inst()?;
        match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits() as u32),
            _ => None,
        }
    }

    /// A base and offset VLDR/VSTR can use (word multiple within ±1020): other offsets
    /// are added into a fresh base first.
    fn vfp_address(&mut self, base: Reg, off: i32) -> (Reg, i32) {
        use generated::Context;
        if vfp_offset_ok(off) {
            return (base, off);
        }
        let k = self.const32(off as u32);
        (self.alu(&AluOp::Add, base, &Operand2::Reg { rm: k }), 0)
    }

    /// The values of a slice, from its current position.
    fn slice_values(&self, s: ValueSlice) -> Vec<Value> {
        let (list, off) = s;
        list.as_slice(&self.func.dfg.value_lists)[off..].to_vec()
    }
}

/// The UDF immediate for a trap code: its raw 8-bit number, so a signal handler (or the
/// simulator) can tell traps apart.
pub fn trap_imm(code: TrapCode) -> u16 {
    u16::from(code.as_raw().get())
}
