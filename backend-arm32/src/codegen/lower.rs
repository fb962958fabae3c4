//! Lowering a CLIF function to VCode.
//!
//! Blocks are visited in reverse of reverse postorder and instructions backwards, so every
//! use of a value is seen before its definition: a pure instruction whose results nobody
//! put in a register (e.g. an `iconst` folded into an immediate operand) is skipped. Each
//! CLIF value gets a virtual register up front; the register an ISLE rule produces for a
//! result becomes an alias of it, resolved after lowering.

use rustc_hash::FxHashMap as HashMap;

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::condcodes::CondCode;
use cranelift_codegen::ir::{self, BlockArg, Function, InstructionData, Opcode, Value};
use regalloc2::{Block, RegClass, VReg};

use super::abi::{self, fpreg, preg, Loc};
use super::isle::generated::constructor_lower;
use super::vcode::{
    AluOp, CallDest, DivOp, FrameInfo, IntCC, MInst, MemKind, Operand2, OverflowOp, ShiftOp,
    VBlock, VCode,
};
use super::{CodegenError, Flags, SymbolName};

/// The registers of one value: one, or two for an i64 (inline: no allocation per use).
pub(crate) type Regs = smallvec::SmallVec<[VReg; 2]>;

/// State while lowering one function; the ISLE `Context` is implemented on it (isle.rs).
pub struct LowerCtx<'f> {
    pub(crate) func: &'f Function,
    // Indexed by CLIF value (dense, so plain vectors rather than hash maps).
    value_vregs: SecondaryMap<Value, Option<VReg>>,
    /// The high-word registers of i64 values (the low word is in `value_vregs`).
    hi_vregs: SecondaryMap<Value, Option<VReg>>,
    used: SecondaryMap<Value, bool>,
    aliases: HashMap<VReg, VReg>,
    next_vreg: usize,
    /// Instructions produced for the CLIF instruction being lowered, in order.
    cur: Vec<MInst>,
    error: Option<CodegenError>,
    flags: Flags,
    /// Symbols referenced by relocations (index = `Reloc::symbol`).
    symbols: Vec<SymbolName>,
    outgoing_args: u32,
    has_calls: bool,
}

impl<'f> LowerCtx<'f> {
    pub(crate) fn new_vreg(&mut self) -> VReg {
        let v = VReg::new(self.next_vreg, RegClass::Int);
        self.next_vreg += 1;
        v
    }

    /// A fresh virtual register for an f64 (regalloc2's `Float` class: a D register).
    pub(crate) fn new_fvreg(&mut self) -> VReg {
        let v = VReg::new(self.next_vreg, RegClass::Float);
        self.next_vreg += 1;
        v
    }

    fn value_vreg(&mut self, v: Value) -> VReg {
        if let Some(r) = self.value_vregs[v] {
            return r;
        }
        let r = if self.func.dfg.value_type(v) == ir::types::F64 {
            self.new_fvreg()
        } else {
            self.new_vreg()
        };
        self.value_vregs[v] = Some(r);
        r
    }

    /// The registers of `v`: one, or (low word, high word) for an i64.
    fn value_regs(&mut self, v: Value) -> Regs {
        let lo = self.value_vreg(v);
        let ty = self.func.dfg.value_type(v);
        if ty.bits() <= 32 || ty == ir::types::F64 {
            return smallvec::smallvec![lo];
        }
        let hi = match self.hi_vregs[v] {
            Some(r) => r,
            None => {
                let r = self.new_vreg();
                self.hi_vregs[v] = Some(r);
                r
            }
        };
        smallvec::smallvec![lo, hi]
    }

    /// The register of `v` (for an i64, its low word, which is what `ireduce` wants),
    /// marking `v` as needed.
    pub(crate) fn use_value(&mut self, v: Value) -> VReg {
        self.use_value_regs(v)[0]
    }

    /// All registers of `v` (two for an i64), marking `v` as needed.
    pub(crate) fn use_value_regs(&mut self, v: Value) -> Regs {
        let v = self.func.dfg.resolve_aliases(v);
        if let Err(e) = self.check_type(v) {
            self.fail(e);
        }
        self.used[v] = true;
        self.value_regs(v)
    }

    /// The (low, high) registers of an i64 value.
    pub(crate) fn use_pair(&mut self, v: Value) -> (VReg, VReg) {
        let r = self.use_value_regs(v);
        if r.len() != 2 {
            let e = self.unsupported_text(
                format!("{v} used as an i64"),
                self.func.dfg.value_type(v).to_string(),
            );
            self.fail(e);
            let x = self.new_vreg();
            return (r[0], x);
        }
        (r[0], r[1])
    }

    /// Makes (lo, hi) the registers of the i64 result `idx` of `inst`.
    pub(crate) fn define_pair(&mut self, inst: ir::Inst, idx: usize, lo: VReg, hi: VReg) {
        let res = self.func.dfg.inst_results(inst)[idx];
        let regs = self.value_regs(res);
        self.aliases.insert(regs[0], lo);
        if let Some(&h) = regs.get(1) {
            self.aliases.insert(h, hi);
        }
    }

    /// Makes `reg` the register of the 32-bit-or-narrower result `idx` of `inst`.
    pub(crate) fn define_nth(&mut self, inst: ir::Inst, idx: usize, reg: VReg) {
        let res = self.func.dfg.inst_results(inst)[idx];
        let vr = self.value_vreg(res);
        self.aliases.insert(vr, reg);
    }

    fn check_type(&self, v: Value) -> Result<(), CodegenError> {
        let ty = self.func.dfg.value_type(v);
        if (ty.is_int() && ty.bits() <= 64) || ty == ir::types::F64 {
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

    pub(crate) fn fail(&mut self, e: CodegenError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Makes `reg` the register of `inst`'s first result (32 bits or narrower, or an f64:
    /// an i64 result needs [`LowerCtx::define_pair`]).
    pub(crate) fn define_result(&mut self, inst: ir::Inst, reg: VReg) {
        let res = self.func.dfg.inst_results(inst)[0];
        let ty = self.func.dfg.value_type(res);
        if ty.bits() > 32 && ty != ir::types::F64 {
            let e = self.unsupported_text(
                self.func.dfg.display_inst(inst).to_string(),
                "i64 (no rule for this form)".into(),
            );
            return self.fail(e);
        }
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

    /// One compare operand widened to 32 bits the way the condition reads it.
    pub(crate) fn cmp_operand(&mut self, cc: IntCC, ty: ir::Type, x: VReg) -> VReg {
        self.extend_reg(x, ty.bits() as u8, is_signed(cc))
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

    /// Division on extended operands: SDIV/UDIV with the hardware-divide flag, else the
    /// checks inline and a call to the EABI helper (`__aeabi_uidivmod` /
    /// `__aeabi_idivmod`: quotient in r0, remainder in r1), which the installer resolves
    /// (natively libgcc's, in the simulator a redirect).
    pub(crate) fn lower_div(&mut self, op: DivOp, ty: ir::Type, x: VReg, y: VReg) -> VReg {
        let signed = matches!(op, DivOp::Sdiv | DivOp::Srem);
        let bits = ty.bits() as u8;
        let rn = self.extend_reg(x, bits, signed);
        let rm = self.extend_reg(y, bits, signed);
        let rd = self.new_vreg();
        if !self.flags.has_hw_div {
            self.push(MInst::DivCheck { op, bits, rn, rm });
            let helper = if signed {
                "__aeabi_idivmod"
            } else {
                "__aeabi_uidivmod"
            };
            let sym = self.symbol(SymbolName::Named(helper.into()));
            let out = if matches!(op, DivOp::Sdiv | DivOp::Udiv) {
                0
            } else {
                1
            };
            let mut clobbers = abi::call_clobbers(cranelift_codegen::isa::CallConv::SystemV);
            clobbers.remove(preg(out));
            self.has_calls = true;
            self.push(MInst::Call {
                dest: CallDest::Symbol {
                    sym,
                    colocated: false,
                },
                uses: vec![(rn, preg(0)), (rm, preg(1))],
                defs: vec![(rd, preg(out))],
                clobbers,
                preserve: 0,
            });
            return rd;
        }
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

    fn signature_error(&self, why: String) -> CodegenError {
        CodegenError::Signature {
            func: self.func.name.to_string(),
            why,
        }
    }

    /// The index of `name` in the symbol table, adding it if new.
    pub(crate) fn symbol(&mut self, name: SymbolName) -> u32 {
        match self.symbols.iter().position(|s| *s == name) {
            Some(i) => i as u32,
            None => {
                self.symbols.push(name);
                (self.symbols.len() - 1) as u32
            }
        }
    }

    fn types_of(&self, vals: &[Value]) -> Vec<ir::Type> {
        vals.iter().map(|&v| self.func.dfg.value_type(v)).collect()
    }

    /// Each value's registers paired with its register locations (stack ones skipped).
    fn in_regs(&mut self, vals: &[Value], locs: Vec<Vec<Loc>>) -> Vec<(VReg, regalloc2::PReg)> {
        let mut out = Vec::new();
        for (&v, l) in vals.iter().zip(locs) {
            for (r, loc) in self.use_value_regs(v).into_iter().zip(l) {
                match loc {
                    Loc::Reg(p) => out.push((r, preg(p))),
                    Loc::FReg(d) => out.push((r, fpreg(d))),
                    Loc::Stack(_) => {}
                }
            }
        }
        out
    }

    pub(crate) fn lower_return_values(&mut self, vals: &[Value]) {
        let tys = self.types_of(vals);
        let locs = match abi::locations(self.func.signature.call_conv, &tys, true) {
            Ok(l) => l,
            Err(why) => return self.fail(self.signature_error(why)),
        };
        let rets = self.in_regs(vals, locs);
        self.push(MInst::Ret { rets });
    }

    /// Where a call goes: a function reference by symbol.
    pub(crate) fn func_dest(&mut self, fref: ir::FuncRef) -> (CallDest, ir::Signature) {
        let data = &self.func.dfg.ext_funcs[fref];
        let sig = self.func.dfg.signatures[data.signature].clone();
        let colocated = data.colocated;
        let name = SymbolName::of_external(self.func, &data.name);
        let sym = self.symbol(name);
        (CallDest::Symbol { sym, colocated }, sig)
    }

    /// Lowers a call (`call`/`call_indirect`) of a function with signature `sig`.
    pub(crate) fn lower_call(
        &mut self,
        inst: ir::Inst,
        dest: CallDest,
        sig: &ir::Signature,
        args: &[Value],
    ) {
        let cc = sig.call_conv;
        let results: Vec<Value> = self.func.dfg.inst_results(inst).to_vec();
        let (arg_locs, res_locs) = match (
            abi::locations(cc, &self.types_of(args), false),
            abi::locations(cc, &self.types_of(&results), true),
        ) {
            (Ok(a), Ok(r)) => (a, r),
            (Err(why), _) | (_, Err(why)) => return self.fail(self.signature_error(why)),
        };
        let mut uses = Vec::new();
        let mut stack_bytes = 0;
        for (&a, locs) in args.iter().zip(arg_locs) {
            for (r, loc) in self.use_value_regs(a).into_iter().zip(locs) {
                match loc {
                    Loc::Reg(p) => uses.push((r, preg(p))),
                    Loc::FReg(d) => uses.push((r, fpreg(d))),
                    Loc::Stack(off) => {
                        self.push(MInst::StoreArg { rt: r, off });
                        let size = if r.class() == RegClass::Float { 8 } else { 4 };
                        stack_bytes = stack_bytes.max(off + size);
                    }
                }
            }
        }
        self.outgoing_args = self.outgoing_args.max(stack_bytes.next_multiple_of(8));
        let mut clobbers = abi::call_clobbers(cc);
        // A call from BEAM code (tail convention) to a rarely called runtime function
        // (convention `preserve_all` or `fast`, abi.rs) with its arguments in registers
        // saves the live ones of r0–r3 itself (`push {r1, r2, lr}` ... `pop`: the same
        // two instructions as the bare `str lr`/`ldr lr` such a call needs anyway in a
        // frameless function). Then nothing but the results is clobbered, and a value
        // live across a cold call (an overflow) need not be copied into r4–r7 on
        // the hot path first, as the allocator must for a clobbered register.
        let preserving =
            abi::is_tail(self.func.signature.call_conv) && abi::keeps_r0_r3(cc) && stack_bytes == 0;
        let mut preserve: u16 = if preserving { 0b1111 } else { 0 };
        if preserving {
            for r in 0..4 {
                clobbers.remove(preg(r));
            }
        }
        let mut defs = Vec::new();
        for (&v, locs) in results.iter().zip(res_locs) {
            for (r, loc) in self.value_regs(v).into_iter().zip(locs) {
                let p = match loc {
                    Loc::Reg(p) => {
                        preserve &= !(1 << p);
                        preg(p)
                    }
                    Loc::FReg(d) => fpreg(d),
                    Loc::Stack(_) => continue,
                };
                clobbers.remove(p);
                defs.push((r, p));
            }
        }
        self.has_calls = true;
        self.push(MInst::Call {
            dest,
            uses,
            defs,
            clobbers,
            preserve,
        });
    }

    /// Lowers `return_call`/`return_call_indirect`: both the caller and the callee must
    /// use the tail convention (all arguments in registers, nothing callee-saved).
    pub(crate) fn lower_tail_call(&mut self, dest: CallDest, sig: &ir::Signature, args: &[Value]) {
        if !abi::is_tail(self.func.signature.call_conv) || !abi::is_tail(sig.call_conv) {
            return self.fail(self.signature_error(format!(
                "return_call from a `{}` function to a `{}` one (both must be `tail`)",
                self.func.signature.call_conv, sig.call_conv
            )));
        }
        let locs = match abi::locations(sig.call_conv, &self.types_of(args), false) {
            Ok(l) => l,
            Err(why) => return self.fail(self.signature_error(why)),
        };
        let args = self.in_regs(args, locs);
        let dest = match dest {
            CallDest::Reg(r) => match args
                .iter()
                .find(|&&(v, p)| v == r && p.class() == regalloc2::RegClass::Int)
            {
                Some(&(_, p)) => CallDest::InArg(p),
                None => dest,
            },
            other => other,
        };
        self.push(MInst::TailCall { dest, args });
    }

    /// `rd = address of symbol + offset`.
    pub(crate) fn symbol_addr(&mut self, name: SymbolName, offset: i64) -> VReg {
        let sym = self.symbol(name);
        let rd = self.new_vreg();
        self.push(MInst::SymAddr { rd, sym });
        if offset == 0 {
            return rd;
        }
        let k = self.new_vreg();
        self.push(MInst::Const {
            rd: k,
            value: offset as u32,
        });
        let sum = self.new_vreg();
        self.push(MInst::Alu {
            op: AluOp::Add,
            rd: sum,
            rn: rd,
            op2: Operand2::Reg { rm: k },
        });
        sum
    }

    /// The address of a global value (only `symbol` globals, not thread-local).
    pub(crate) fn global_symbol(&mut self, gv: ir::GlobalValue) -> Option<VReg> {
        match &self.func.global_values[gv] {
            ir::GlobalValueData::Symbol {
                name,
                offset,
                tls: false,
                ..
            } => {
                let name = SymbolName::of_external(self.func, name);
                let off = offset.bits();
                Some(self.symbol_addr(name, off))
            }
            _ => None,
        }
    }

    /// An i32 overflow-checking operation: the wrapped result defines result 0 of `inst`;
    /// the overflow flag (result 1) is materialised only if something reads it.
    pub(crate) fn lower_overflow(
        &mut self,
        inst: ir::Inst,
        op: OverflowOp,
        rn: VReg,
        rm: Operand2,
    ) {
        let res = self.func.dfg.inst_results(inst).to_vec();
        let rd = self.new_vreg();
        self.define_result(inst, rd);
        let of = if self.used[res[1]] {
            Some(self.value_vreg(res[1]))
        } else {
            None
        };
        self.push(MInst::Overflow { op, rd, of, rn, rm });
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
        let mut out = Vec::new();
        for a in args {
            match a {
                BlockArg::Value(v) => out.extend(self.use_value_regs(v)),
                other => {
                    return Err(
                        self.unsupported_text(format!("block argument {other:?}"), "-".into())
                    )
                }
            }
        }
        Ok(out)
    }
}

/// Whether a condition compares signed values.
fn is_signed(cc: IntCC) -> bool {
    matches!(
        cc,
        IntCC::SignedLessThan
            | IntCC::SignedGreaterThanOrEqual
            | IntCC::SignedGreaterThan
            | IntCC::SignedLessThanOrEqual
    )
}

/// The value of `v` if an `iconst` defines it.
fn iconst_of(func: &Function, v: Value) -> Option<i64> {
    let v = func.dfg.resolve_aliases(v);
    let inst = func.dfg.value_def(v).inst()?;
    match func.dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => Some(imm.bits()),
        _ => None,
    }
}

/// For `icmp eq/ne x, 0` with `x = band a, k` (i32): `a` and `k` (an encodable constant,
/// or a value for a register), so the branch can be `tst a, k`.
fn tst_operands(
    func: &Function,
    cc: IntCC,
    x: Value,
    y: Value,
) -> Option<(Value, Result<u32, Value>)> {
    if !matches!(cc, IntCC::Equal | IntCC::NotEqual)
        || iconst_of(func, y) != Some(0)
        || func.dfg.value_type(x) != ir::types::I32
    {
        return None;
    }
    let inst = func.dfg.value_def(func.dfg.resolve_aliases(x)).inst()?;
    let InstructionData::Binary {
        opcode: Opcode::Band,
        args: [a, k],
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    let (a, k) = if iconst_of(func, a).is_some() {
        (k, a)
    } else {
        (a, k)
    };
    let op2 = match iconst_of(func, k) {
        Some(v) => Ok(crate::asm::encode_imm(v as u32).map(|_| v as u32)?),
        None => Err(k),
    };
    Some((a, op2))
}

/// The CMP immediate for comparing a `ty` value with the constant `k` under `cc`: the
/// constant extended to 32 bits as the other operand is (see `cmp_operands`), if it
/// encodes as a rotated imm8.
fn cmp_imm(cc: IntCC, ty: ir::Type, k: Option<i64>) -> Option<u32> {
    let k = k?;
    let bits = ty.bits();
    let v = if bits >= 32 {
        k as u32
    } else if is_signed(cc) {
        let sh = 64 - bits;
        ((k << sh) >> sh) as u32
    } else {
        (k as u64 & ((1u64 << bits) - 1)) as u32
    };
    crate::asm::encode_imm(v).map(|_| v)
}

/// What a `brif` tests.
enum BrCond {
    /// The flags an overflow-checking operation right before the branch left, tested
    /// with this condition.
    Flags(crate::asm::Cond),
    /// An f64 compare (VCMP + VMRS).
    Fcmp(cranelift_codegen::ir::condcodes::FloatCC, VReg, VReg),
    /// A 32-bit-or-narrower integer compare (CMP).
    Icmp(IntCC, VReg, Operand2),
    /// `eq`/`ne` of an i32 AND with zero (TST).
    Tst(IntCC, VReg, Operand2),
    /// The condition value itself.
    NonZero(VReg),
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
                .memflags_data(&func.dfg)
                .is_some_and(|f| f.readonly()))
}

/// Reverse postorder of the blocks reachable from the entry.
fn reverse_postorder(func: &Function) -> Vec<ir::Block> {
    let Some(entry) = func.layout.entry_block() else {
        return vec![];
    };
    let mut seen = rustc_hash::FxHashSet::default();
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
        value_vregs: SecondaryMap::with_capacity(func.dfg.num_values()),
        hi_vregs: SecondaryMap::new(),
        used: SecondaryMap::with_capacity(func.dfg.num_values()),
        aliases: HashMap::default(),
        next_vreg: 0,
        cur: Vec::new(),
        error: None,
        flags: *flags,
        symbols: Vec::new(),
        outgoing_args: 0,
        has_calls: false,
    };
    // CFG edges into each block (an edge counts once per branch destination; the entry
    // has one more, from the caller).
    let mut npreds = vec![0u32; order.len()];
    npreds[0] = 1;
    for &b in &order {
        if let Some(t) = func.layout.last_inst(b) {
            for bc in func.dfg.insts[t]
                .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
            {
                npreds[index[&bc.block(&func.dfg.value_lists)]] += 1;
            }
        }
    }
    let mut blocks: Vec<VBlock> = vec![VBlock::default(); order.len()];
    // Edge blocks that split critical edges, appended after the CLIF blocks.
    let mut edge_blocks: Vec<VBlock> = Vec::new();

    for (bi, &b) in order.iter().enumerate().rev() {
        // The block's machine instructions, built backwards: each CLIF instruction's
        // sequence is appended reversed and the whole is reversed at the end (one vector
        // per block rather than one per instruction).
        let mut rev: Vec<MInst> = Vec::new();
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
                    let overflow = overflow_flag_before(func, inst, arg)
                        .map(|(op, sum)| (op.cond(), sum))
                        .or_else(|| sub_compare_before(func, inst, arg, &ctx.used));
                    // A condition computed by an `fcmp` of two f64 values branches on the
                    // VFP flags (VCMP + VMRS) in the same way.
                    let ffused = func
                        .dfg
                        .value_def(func.dfg.resolve_aliases(arg))
                        .inst()
                        .and_then(|i| match func.dfg.insts[i] {
                            InstructionData::FloatCompare {
                                opcode: Opcode::Fcmp,
                                args: [x, y],
                                cond,
                            } => Some((cond, x, y)),
                            _ => None,
                        });
                    let cmp = if let Some((cond, sum)) = overflow {
                        // Keep the operation (it sets the flags we branch on) even if
                        // nothing else reads its result.
                        ctx.use_value(sum);
                        BrCond::Flags(cond)
                    } else if let Some((cc, x, y)) = ffused {
                        BrCond::Fcmp(cc, ctx.use_value(x), ctx.use_value(y))
                    } else if let Some((cc, x, y)) = fused {
                        // A constant on the left swaps sides so it can be the immediate.
                        let (cc, x, y) = if iconst_of(func, x).is_some() {
                            (cc.swap_args(), y, x)
                        } else {
                            (cc, x, y)
                        };
                        let xty = func.dfg.value_type(x);
                        if let Some((a, op2)) = tst_operands(func, cc, x, y) {
                            // `(a & k) ==/!= 0`: TST sets Z as the AND would, and the AND
                            // is lowered only if something else reads it.
                            let a = ctx.use_value(a);
                            let rm = match op2 {
                                Ok(value) => Operand2::Imm { value },
                                Err(v) => Operand2::Reg {
                                    rm: ctx.use_value(v),
                                },
                            };
                            BrCond::Tst(cc, a, rm)
                        } else {
                            match cmp_imm(cc, xty, iconst_of(func, y)) {
                                Some(value) => {
                                    let xr = ctx.use_value(x);
                                    let xr = ctx.cmp_operand(cc, xty, xr);
                                    BrCond::Icmp(cc, xr, Operand2::Imm { value })
                                }
                                None => {
                                    let (xr, yr) = (ctx.use_value(x), ctx.use_value(y));
                                    let (xr, yr) = ctx.cmp_operands(cc, xty, xr, yr);
                                    BrCond::Icmp(cc, xr, Operand2::Reg { rm: yr })
                                }
                            }
                        }
                    } else {
                        let regs = ctx.use_value_regs(arg);
                        BrCond::NonZero(if regs.len() == 2 {
                            // An i64 condition: non-zero iff either word is.
                            let rd = ctx.new_vreg();
                            ctx.push(MInst::Alu {
                                op: AluOp::Orr,
                                rd,
                                rn: regs[0],
                                op2: Operand2::Reg { rm: regs[1] },
                            });
                            rd
                        } else {
                            regs[0]
                        })
                    };
                    // An edge into a block with other predecessors goes through its own
                    // block so its block-argument moves never run on the other edge (no
                    // critical edges); see `edge`.
                    let mut edges = Vec::new();
                    let mut edge_args = Vec::new();
                    for bc in bcs {
                        let args = ctx.block_call_args(bc)?;
                        let t = index[&bc.block(&func.dfg.value_lists)];
                        let (e, a) = edge(t, args, &npreds, order.len(), &mut edge_blocks);
                        edges.push(e);
                        edge_args.push(a);
                    }
                    blocks[bi].succs = edges.clone();
                    blocks[bi].succ_args = edge_args;
                    let (taken, not_taken) = (edges[0], edges[1]);
                    ctx.push(match cmp {
                        BrCond::Flags(cond) => MInst::BrFlags {
                            cond,
                            taken,
                            not_taken,
                        },
                        BrCond::Fcmp(cc, rn, rm) => MInst::BrFcmp {
                            cc,
                            rn,
                            rm,
                            taken,
                            not_taken,
                        },
                        BrCond::NonZero(rn) => MInst::BrNonZero {
                            rn,
                            bits: ty.bits().min(32) as u8,
                            taken,
                            not_taken,
                        },
                        BrCond::Icmp(cc, rn, rm) => MInst::BrIcmp {
                            cc,
                            rn,
                            rm,
                            tst: false,
                            taken,
                            not_taken,
                        },
                        BrCond::Tst(cc, rn, rm) => MInst::BrIcmp {
                            cc,
                            rn,
                            rm,
                            tst: true,
                            taken,
                            not_taken,
                        },
                    });
                }
                InstructionData::BranchTable { arg, table, .. } => {
                    let ty = func.dfg.value_type(arg);
                    let idx = ctx.use_value(arg);
                    let idx = ctx.extend_reg(idx, ty.bits() as u8, false);
                    let jt = &func.dfg.jump_tables[table];
                    let mut bcs = vec![jt.default_block()];
                    bcs.extend(jt.as_slice().iter().copied());
                    // Each entry into a block with other predecessors gets its own edge
                    // block (as for brif) for its arguments.
                    let mut edges = Vec::new();
                    let mut edge_args = Vec::new();
                    for bc in bcs {
                        let args = ctx.block_call_args(bc)?;
                        let t = index[&bc.block(&func.dfg.value_lists)];
                        let (e, a) = edge(t, args, &npreds, order.len(), &mut edge_blocks);
                        edges.push(e);
                        edge_args.push(a);
                    }
                    blocks[bi].succ_args = edge_args;
                    blocks[bi].succs = edges.clone();
                    ctx.push(MInst::BrTable {
                        idx,
                        default: edges[0],
                        targets: edges[1..].to_vec(),
                    });
                }
                _ => {
                    let results = func.dfg.inst_results(inst);
                    let needed = results.iter().any(|&r| ctx.used[r]);
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
            rev.extend(ctx.cur.drain(..).rev());
        }
        rev.reverse();
        let mut out = rev;
        let mut params: Vec<VReg> = Vec::new();
        let param_vals = func.dfg.block_params(b).to_vec();
        for &p in &param_vals {
            ctx.check_type(p)?;
            params.extend(ctx.value_regs(p));
        }
        if bi == 0 {
            // The entry block's parameters are the function arguments, defined in their
            // ABI registers by a pseudo-instruction (regalloc2 entry blocks have no params);
            // stacked ones are loaded from the caller's frame right after.
            let tys: Vec<ir::Type> = param_vals.iter().map(|&p| func.dfg.value_type(p)).collect();
            let locs = abi::locations(func.signature.call_conv, &tys, false).map_err(|why| {
                CodegenError::Signature {
                    func: name.clone(),
                    why,
                }
            })?;
            let mut args = Vec::new();
            let mut loads = Vec::new();
            for (&v, l) in params.iter().zip(locs.into_iter().flatten()) {
                match l {
                    Loc::Reg(r) => args.push((v, preg(r))),
                    Loc::FReg(d) => args.push((v, fpreg(d))),
                    Loc::Stack(off) => loads.push(MInst::LoadArg { rd: v, off }),
                }
            }
            loads.insert(0, MInst::Args { args });
            out.splice(0..0, loads);
        } else {
            blocks[bi].params = params;
        }
        blocks[bi].insts = out;
    }
    blocks.extend(edge_blocks);
    let cold: Vec<bool> = order
        .iter()
        .enumerate()
        .map(|(i, &b)| i != 0 && func.layout.is_cold(b))
        .collect();
    let mut blocks = layout(blocks, &cold);
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
    let info = FrameInfo {
        stack_slot_offsets: offsets,
        stack_slots_size: size.next_multiple_of(8),
        tail_conv: abi::is_tail(func.signature.call_conv),
        outgoing_args: ctx.outgoing_args,
        has_calls: ctx.has_calls,
        symbols: std::mem::take(&mut ctx.symbols),
    };
    Ok(VCode::new(blocks, ctx.next_vreg, info))
}

/// The successor a multi-way branch names for an edge into CLIF block `t` (its index in
/// the block order) with `args`, and the arguments the branch itself passes. A target
/// with no other predecessor is named directly (regalloc2 puts the argument moves at its
/// start); otherwise the edge is critical and gets an edge block (a `Jump` carrying the
/// arguments), appended to `edge_blocks` after the `n_clif` CLIF blocks. Fewer blocks make
/// register allocation cheaper; an empty edge block was never emitted anyway (`forwarding`).
fn edge(
    t: usize,
    args: Vec<VReg>,
    npreds: &[u32],
    n_clif: usize,
    edge_blocks: &mut Vec<VBlock>,
) -> (Block, Vec<VReg>) {
    let target = Block::new(t);
    if npreds[t] == 1 {
        return (target, args);
    }
    edge_blocks.push(VBlock {
        insts: vec![MInst::Jump { target }],
        succs: vec![target],
        succ_args: vec![args],
        ..VBlock::default()
    });
    (Block::new(n_clif + edge_blocks.len() - 1), vec![])
}

/// Puts the blocks in the order they will be emitted, which is also the instruction order
/// regalloc2 sees (its live ranges are intervals of that order, so a value live across
/// an edge block far away from both ends of the edge gets split and shuffled). The first
/// `cold.len()` blocks are the CLIF blocks in reverse postorder, the rest edge blocks
/// (one `Jump` to `succs[0]`). Hot blocks come first, cold ones (`cold` flag) after them;
/// an edge block follows its predecessor, except that an edge from a hot block into a
/// cold one goes just before its target. Of a block's edges, the one into the block
/// laid out next comes last, so it falls through.
fn layout(blocks: Vec<VBlock>, cold: &[bool]) -> Vec<VBlock> {
    let n_clif = cold.len();
    let cold = &propagate_cold(&blocks, cold);
    let seq: Vec<usize> = (0..n_clif)
        .filter(|&b| !cold[b])
        .chain((0..n_clif).filter(|&b| cold[b]))
        .collect();
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); n_clif];
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); n_clif];
    for b in 0..n_clif {
        for s in &blocks[b].succs {
            let e = s.index();
            if e < n_clif {
                continue;
            }
            let t = blocks[e].succs[0].index();
            if cold[t] && !cold[b] {
                before[t].push(e);
            } else {
                after[b].push(e);
            }
        }
    }
    let mut new_order = Vec::with_capacity(blocks.len());
    for (k, &b) in seq.iter().enumerate() {
        let next = seq.get(k + 1).copied();
        new_order.extend(before[b].iter().copied());
        new_order.push(b);
        let mut edges = std::mem::take(&mut after[b]);
        edges.sort_by_key(|&e| Some(blocks[e].succs[0].index()) == next);
        new_order.extend(edges);
    }
    let mut new_index = vec![usize::MAX; blocks.len()];
    for (i, &b) in new_order.iter().enumerate() {
        new_index[b] = i;
    }
    // Every block was reachable from a CLIF block (edge blocks only exist for an edge).
    debug_assert!(new_index.iter().all(|&i| i != usize::MAX));
    let map = |b: Block| Block::new(new_index[b.index()]);
    let mut slots: Vec<Option<VBlock>> = blocks.into_iter().map(Some).collect();
    new_order
        .iter()
        .map(|&old| {
            let mut b = slots[old].take().unwrap_or_default();
            b.succs.iter_mut().for_each(|s| *s = map(*s));
            b.insts.iter_mut().for_each(|i| i.map_blocks(&map));
            b
        })
        .collect()
}

/// The `cold` flags extended to blocks only cold blocks lead to (e.g. the continuation
/// of a slow-path call), so they do not sit in the middle of the hot code.
fn propagate_cold(blocks: &[VBlock], cold: &[bool]) -> Vec<bool> {
    let n_clif = cold.len();
    // CLIF-level predecessors: through an edge block, its single predecessor.
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n_clif];
    for (b, block) in blocks.iter().enumerate().take(n_clif) {
        for s in &block.succs {
            let t = if s.index() < n_clif {
                s.index()
            } else {
                blocks[s.index()].succs[0].index()
            };
            preds[t].push(b);
        }
    }
    let mut cold = cold.to_vec();
    let mut changed = true;
    while changed {
        changed = false;
        for t in 1..n_clif {
            if !cold[t] && !preds[t].is_empty() && preds[t].iter().all(|&p| cold[p]) {
                cold[t] = true;
                changed = true;
            }
        }
    }
    cold
}

/// If `cond` (the condition of the `brif` `branch`) is the overflow flag of an i32
/// `*_overflow` instruction placed right before the branch, that operation and its
/// wrapped result: the branch can then test the flags the operation leaves behind
/// (only moves, loads and stores, none of which touch the flags, can come in between).
fn overflow_flag_before(
    func: &Function,
    branch: ir::Inst,
    cond: Value,
) -> Option<(OverflowOp, Value)> {
    let cond = func.dfg.resolve_aliases(cond);
    let def = func.dfg.value_def(cond);
    let inst = def.inst()?;
    if def.num() != 1 {
        return None;
    }
    // Walk back to the operation over instructions that leave the flags alone.
    let mut cur = func.layout.prev_inst(branch)?;
    while cur != inst {
        if !keeps_flags(func, cur) {
            return None;
        }
        cur = func.layout.prev_inst(cur)?;
    }
    let InstructionData::Binary { opcode, args } = func.dfg.insts[inst] else {
        return None;
    };
    if func.dfg.value_type(args[0]) != ir::types::I32 {
        return None;
    }
    let op = overflow_op(opcode)?;
    Some((op, func.dfg.inst_results(inst)[0]))
}

/// If `cond` (the condition of the `brif` `branch`) is `icmp cc x, y` with a signed or
/// equality `cc`, and an i32 `ssub_overflow x, y` / `usub_overflow x, y` is placed right
/// before it: the A32 condition to branch on with the flags that subtraction leaves
/// (SUBS sets N, Z and V exactly as `cmp x, y` does; an ADDS of the negated constant,
/// which the lowering may pick instead, sets the same N, Z and V) and the subtraction's
/// result. This is the reduction test `FCALLS - 1; FCALLS <= 1`: one SUBS and a branch.
/// The icmp must have no other use, since lowering it would put a CMP in between.
fn sub_compare_before(
    func: &Function,
    branch: ir::Inst,
    cond: Value,
    used: &SecondaryMap<Value, bool>,
) -> Option<(crate::asm::Cond, Value)> {
    let cond = func.dfg.resolve_aliases(cond);
    // Uses in later blocks are lowered already (blocks go in reverse of reverse
    // postorder), so `used` knows them; the branch's own block arguments are checked here.
    if used[cond] {
        return None;
    }
    let cmp = func.dfg.value_def(cond).inst()?;
    let InstructionData::IntCompare {
        opcode: Opcode::Icmp,
        args: [x, y],
        cond: cc,
    } = func.dfg.insts[cmp]
    else {
        return None;
    };
    if !(is_signed(cc) || matches!(cc, IntCC::Equal | IntCC::NotEqual))
        || func.dfg.value_type(x) != ir::types::I32
    {
        return None;
    }
    let same = |a: Value, b: Value| {
        let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
        a == b || iconst_of(func, a).is_some_and(|k| iconst_of(func, b) == Some(k))
    };
    let mentions = |i: ir::Inst| {
        func.dfg
            .inst_values(i)
            .any(|v| func.dfg.resolve_aliases(v) == cond)
    };
    if func.dfg.insts[branch]
        .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
        .iter()
        .any(|bc| {
            bc.args(&func.dfg.value_lists)
                .any(|a| matches!(a, BlockArg::Value(v) if func.dfg.resolve_aliases(v) == cond))
        })
    {
        return None;
    }
    // Walk back over instructions that leave the flags alone (and the icmp itself, which
    // is not lowered) to the subtraction.
    let mut cur = func.layout.prev_inst(branch)?;
    loop {
        if cur != cmp {
            if let InstructionData::Binary {
                opcode: Opcode::SsubOverflow | Opcode::UsubOverflow,
                args: [a, b],
            } = func.dfg.insts[cur]
            {
                if func.dfg.value_type(a) == ir::types::I32 && same(a, x) && same(b, y) {
                    // `x` must not be a constant: the lowering would not use SUBS x, y.
                    if iconst_of(func, a).is_some() {
                        return None;
                    }
                    return Some((
                        crate::codegen::emit::cond_of(cc),
                        func.dfg.inst_results(cur)[0],
                    ));
                }
            }
            if !keeps_flags(func, cur) || mentions(cur) {
                return None;
            }
        }
        cur = func.layout.prev_inst(cur)?;
    }
}

/// Whether the lowering of `inst` never writes the flags: 32-bit-or-narrower constants
/// and add/sub/bitwise operations (MOV/MOVW/ADD/SUB/RSB/AND/ORR/EOR/BIC/MLA without S).
fn keeps_flags(func: &Function, inst: ir::Inst) -> bool {
    let simple = matches!(
        func.dfg.insts[inst].opcode(),
        Opcode::Iconst | Opcode::Iadd | Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor
    );
    simple
        && func
            .dfg
            .inst_results(inst)
            .iter()
            .all(|&r| func.dfg.value_type(r).is_int() && func.dfg.value_type(r).bits() <= 32)
}

/// The overflow operation of a CLIF opcode.
pub(crate) fn overflow_op(opcode: Opcode) -> Option<OverflowOp> {
    Some(match opcode {
        Opcode::SaddOverflow => OverflowOp::Sadd,
        Opcode::UaddOverflow => OverflowOp::Uadd,
        Opcode::SsubOverflow => OverflowOp::Ssub,
        Opcode::UsubOverflow => OverflowOp::Usub,
        Opcode::SmulOverflow => OverflowOp::Smul,
        Opcode::UmulOverflow => OverflowOp::Umul,
        _ => return None,
    })
}
