//! Glue between the ISLE-generated instruction selector (`$OUT_DIR/isle_arm32.rs`, built
//! from `isle/*.isle` by build.rs) and our lowering context: the generated code calls the
//! `Context` trait implemented here for every extern extractor and constructor.

use super::lower::LowerCtx;
use super::vcode::MInst;
pub use super::vcode::{AluOp, Operand2};
pub use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
pub use cranelift_codegen::ir::immediates::{
    Ieee128, Ieee16, Ieee32, Ieee64, Imm64, Offset32, Uimm8,
};
pub use cranelift_codegen::ir::{
    AtomicRmwOp, BlockCall, Constant, DynamicStackSlot, ExceptionTable, FuncRef, GlobalValue,
    Immediate, Inst, InstructionData, JumpTable, MemFlags, Opcode, SigRef, StackSlot, TrapCode,
    Type, Value, ValueList,
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
    fn inst_data_value(&mut self, arg0: Inst) -> InstructionData {
        self.func.dfg.insts[arg0]
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
    fn output(&mut self, arg0: Inst, arg1: Reg) -> Unit {
        self.define_result(arg0, arg1);
    }
    fn lower_return(&mut self, arg0: ValueSlice) -> Unit {
        let (list, off) = arg0;
        let vals: Vec<Value> = list.as_slice(&self.func.dfg.value_lists)[off..].to_vec();
        self.lower_return_values(&vals);
    }
}
