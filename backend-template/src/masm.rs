//! A thin macro-assembler over backend-arm32's [`CodeBuffer`]: the few shapes every
//! template uses (constants, immediates that may not encode, loads and stores off the
//! pinned registers, runtime calls, symbol and label addresses), plus the symbol table the
//! relocations index.

use std::collections::HashMap;

use backend_arm32::asm::{
    Addr, Code, CodeBuffer, Cond, DpOp, Index, Inst, Label, MemOffset, MemOp, Operand2, Reg, Shift,
};
use backend_arm32::codegen::SymbolName;
use beam_ir::rtcall::{RtFn, NS_RUNTIME};
use beam_runtime::sched_regs::Field;

use crate::TemplateError;

/// The scheduler-registers pointer `S` (tail convention parameter 0, docs/abi.md).
pub const S: Reg = Reg::R10;
/// Heap top.
pub const HTOP: Reg = Reg::R11;
/// Erlang stack pointer `E`.
pub const E: Reg = Reg::R9;
/// Reductions left.
pub const FCALLS: Reg = Reg::R8;
/// `CP`: it arrives and leaves in r7 (the segment convention's parameter 4,
/// backend_arm32::codegen::abi::TAIL_ARG_REGS); r7 is AAPCS callee-saved, so it survives
/// runtime calls.
pub const CP: Reg = Reg::R7;
/// Where `lr` waits during a runtime call: template code never pushes anything, so `lr`
/// (the return path into the process-entry fragment) is kept in a callee-saved register.
pub const SAVED_LR: Reg = Reg::R6;
pub const IP: Reg = Reg::R12;

pub struct Masm {
    pub buf: CodeBuffer,
    pub symbols: Vec<SymbolName>,
    sym_index: HashMap<SymbolName, u32>,
    /// Creation index of each label (the index into [`Code::labels`]).
    label_index: HashMap<Label, usize>,
    /// Pool words that must receive a label's offset in this function (symbol index,
    /// label): each has its own symbol-table entry naming the function itself, so the
    /// Abs32 relocation adds the function's address to that offset.
    self_refs: Vec<(u32, Label)>,
    /// The symbol of the function being compiled.
    me: SymbolName,
}

pub type R = Result<(), TemplateError>;

/// Finished code, its symbol table and the offset of every bound label.
pub type Finished = (Code, Vec<SymbolName>, HashMap<Label, u32>);

impl Masm {
    pub fn new(me: SymbolName) -> Masm {
        Masm {
            buf: CodeBuffer::new(),
            symbols: Vec::new(),
            sym_index: HashMap::new(),
            label_index: HashMap::new(),
            self_refs: Vec::new(),
            me,
        }
    }

    pub fn label(&mut self) -> Label {
        let l = self.buf.new_label();
        self.label_index.insert(l, self.label_index.len());
        l
    }

    pub fn bind(&mut self, l: Label) -> R {
        Ok(self.buf.bind(l)?)
    }

    pub fn b(&mut self, cond: Cond, l: Label) -> R {
        Ok(self.buf.branch(cond, false, l)?)
    }

    fn sym(&mut self, s: SymbolName) -> u32 {
        if let Some(&i) = self.sym_index.get(&s) {
            return i;
        }
        let i = self.symbols.len() as u32;
        self.symbols.push(s.clone());
        self.sym_index.insert(s, i);
        i
    }

    pub fn emit(&mut self, i: Inst) -> R {
        Ok(self.buf.emit(&i)?)
    }

    pub fn dp(&mut self, cond: Cond, op: DpOp, s: bool, rd: Reg, rn: Reg, op2: Operand2) -> R {
        self.emit(Inst::Dp {
            cond,
            op,
            s,
            rd,
            rn,
            op2,
        })
    }

    pub fn mov(&mut self, rd: Reg, rm: Reg) -> R {
        self.dp(Cond::Al, DpOp::Mov, false, rd, rd, Operand2::Reg(rm))
    }

    /// `rd = value` in the fewest instructions: MOV/MVN of a rotated immediate, else
    /// MOVW(+MOVT).
    pub fn mov_imm(&mut self, cond: Cond, rd: Reg, value: u32) -> R {
        if let Some(op2) = Operand2::imm(value) {
            return self.dp(cond, DpOp::Mov, false, rd, rd, op2);
        }
        if let Some(op2) = Operand2::imm(!value) {
            return self.dp(cond, DpOp::Mvn, false, rd, rd, op2);
        }
        self.emit(Inst::Movw {
            cond,
            rd,
            imm: value as u16,
        })?;
        if value >> 16 != 0 {
            self.emit(Inst::Movt {
                cond,
                rd,
                imm: (value >> 16) as u16,
            })?;
        }
        Ok(())
    }

    /// `rd = value` as MOVW+MOVT whatever the value: for values that differ from one VM
    /// to the next (catch numbers), so the code has the same length in every VM and the
    /// native-code cache can patch the pair (vm/src/cache_reloc.rs; a catch number that
    /// crossed 0xFFFF between two compilations made `maps` uncacheable under the real boot).
    pub fn mov_imm_pair(&mut self, cond: Cond, rd: Reg, value: u32) -> R {
        self.emit(Inst::Movw {
            cond,
            rd,
            imm: value as u16,
        })?;
        self.emit(Inst::Movt {
            cond,
            rd,
            imm: (value >> 16) as u16,
        })
    }

    /// `rd = rn + value` (ADD/SUB of an immediate, else through ip). `rn` must not be ip
    /// when the constant does not encode.
    pub fn add_imm(&mut self, s: bool, rd: Reg, rn: Reg, value: i32) -> R {
        if let Some(op2) = Operand2::imm(value as u32) {
            return self.dp(Cond::Al, DpOp::Add, s, rd, rn, op2);
        }
        if let Some(op2) = Operand2::imm(value.wrapping_neg() as u32) {
            return self.dp(Cond::Al, DpOp::Sub, s, rd, rn, op2);
        }
        self.mov_imm(Cond::Al, IP, value as u32)?;
        self.dp(Cond::Al, DpOp::Add, s, rd, rn, Operand2::Reg(IP))
    }

    /// `rd = rn & mask` (an encodable mask).
    pub fn and_imm(&mut self, rd: Reg, rn: Reg, mask: u32) -> R {
        let op2 = Operand2::imm(mask).ok_or(TemplateError::Encoding("and mask"))?;
        self.dp(Cond::Al, DpOp::And, false, rd, rn, op2)
    }

    /// Flags of `rn - value` (CMP, CMN, or through ip; `rn` must not be ip then).
    pub fn cmp_imm(&mut self, cond: Cond, rn: Reg, value: u32) -> R {
        if let Some(op2) = Operand2::imm(value) {
            return self.dp(cond, DpOp::Cmp, true, rn, rn, op2);
        }
        if let Some(op2) = Operand2::imm(value.wrapping_neg()) {
            return self.dp(cond, DpOp::Cmn, true, rn, rn, op2);
        }
        self.mov_imm(cond, IP, value)?;
        self.dp(cond, DpOp::Cmp, true, rn, rn, Operand2::Reg(IP))
    }

    pub fn cmp(&mut self, rn: Reg, rm: Reg) -> R {
        self.dp(Cond::Al, DpOp::Cmp, true, rn, rn, Operand2::Reg(rm))
    }

    fn mem(&mut self, op: MemOp, rt: Reg, base: Reg, off: i32) -> R {
        if off.unsigned_abs() > 4095 {
            return Err(TemplateError::Encoding("load/store offset beyond ±4095"));
        }
        self.emit(Inst::Mem {
            cond: Cond::Al,
            op,
            rt,
            addr: Addr::imm(base, off),
        })
    }

    /// `ldr rt, [base, index, lsl #2]`: word `index` of an array.
    pub fn ldr_word_index(&mut self, rt: Reg, base: Reg, index: Reg) -> R {
        self.emit(Inst::Mem {
            cond: Cond::Al,
            op: MemOp::Ldr,
            rt,
            addr: Addr {
                base,
                offset: MemOffset::ScaledReg {
                    neg: false,
                    rm: index,
                    shift: Shift::Lsl,
                    amount: 2,
                },
                index: Index::Offset,
            },
        })
    }

    pub fn ldr(&mut self, rt: Reg, base: Reg, off: i32) -> R {
        self.mem(MemOp::Ldr, rt, base, off)
    }

    pub fn str(&mut self, rt: Reg, base: Reg, off: i32) -> R {
        self.mem(MemOp::Str, rt, base, off)
    }

    pub fn ld_field(&mut self, rt: Reg, f: Field) -> R {
        self.ldr(rt, S, f.offset())
    }

    pub fn st_field(&mut self, rt: Reg, f: Field) -> R {
        self.str(rt, S, f.offset())
    }

    /// `ldr rd, =&symbol` (an Abs32 relocation on a pool word).
    pub fn ldr_symbol(&mut self, rd: Reg, s: SymbolName) -> R {
        let i = self.sym(s);
        Ok(self.buf.ldr_address(Cond::Al, rd, i)?)
    }

    /// `ldr rd, =address of label l` in this function.
    pub fn ldr_label(&mut self, rd: Reg, l: Label) -> R {
        let i = self.symbols.len() as u32;
        self.symbols.push(self.me.clone());
        self.self_refs.push((i, l));
        Ok(self.buf.ldr_address(Cond::Al, rd, i)?)
    }

    /// `b symbol`: a tail call with a Call relocation.
    pub fn jump_symbol(&mut self, s: SymbolName) -> R {
        let i = self.sym(s);
        Ok(self.buf.jump(Cond::Al, i)?)
    }

    pub fn bx(&mut self, rm: Reg) -> R {
        self.emit(Inst::Bx { cond: Cond::Al, rm })
    }

    /// Calls runtime function `f` (AAPCS: arguments in r0–r3, at most one more at
    /// `[sp]`, given in `stack_arg`). `lr` waits in r6; sp stays 8-byte aligned.
    pub fn call_rt(&mut self, f: RtFn, stack_arg: Option<Reg>) -> R {
        if let Some(r) = stack_arg {
            self.emit(Inst::Mem {
                cond: Cond::Al,
                op: MemOp::Str,
                rt: r,
                addr: Addr {
                    base: Reg::SP,
                    offset: backend_arm32::asm::MemOffset::Imm { neg: true, imm: 8 },
                    index: backend_arm32::asm::Index::PreWriteback,
                },
            })?;
        }
        self.mov(SAVED_LR, Reg::LR)?;
        self.ldr_symbol(
            IP,
            SymbolName::User {
                namespace: NS_RUNTIME,
                index: f as u32,
            },
        )?;
        self.emit(Inst::BlxReg {
            cond: Cond::Al,
            rm: IP,
        })?;
        // The call's return address says where an exception it raised came from (the
        // stack trace's first frame, vm/src/stacktrace.rs). Not LR: natively the callee
        // is real code, and LR after its return is whatever it left there. Here the PC
        // reads as this instruction + 8, so PC - 8 is this instruction: the return address.
        self.add_imm(false, IP, Reg::PC, -8)?;
        self.st_field(IP, Field::ExcCode)?;
        self.mov(Reg::LR, SAVED_LR)?;
        if stack_arg.is_some() {
            self.add_imm(false, Reg::SP, Reg::SP, 8)?;
        }
        Ok(())
    }

    /// Writes HTOP, E and FCALLS to the block (before a runtime call that may collect,
    /// raise or yield).
    pub fn save_pinned(&mut self) -> R {
        self.st_field(HTOP, Field::Htop)?;
        self.st_field(E, Field::E)?;
        self.st_field(FCALLS, Field::Fcalls)
    }

    /// Reads them back (a collection moves the heap and the stack).
    pub fn reload_pinned(&mut self) -> R {
        self.ld_field(HTOP, Field::Htop)?;
        self.ld_field(E, Field::E)?;
        self.ld_field(FCALLS, Field::Fcalls)
    }

    /// Finishes the code, filling the pool words of [`Masm::ldr_label`] with their
    /// labels' offsets (the relocation adds the function's address).
    pub fn finish(self) -> Result<Finished, TemplateError> {
        let Masm {
            buf,
            symbols,
            label_index,
            self_refs,
            ..
        } = self;
        let mut code = buf.finish()?;
        let offset_of = |l: Label| -> Result<u32, TemplateError> {
            label_index
                .get(&l)
                .and_then(|&i| code.labels.get(i).copied().flatten())
                .ok_or(TemplateError::Encoding("unbound label"))
        };
        let mut patches = Vec::new();
        for (sym, l) in &self_refs {
            let off = offset_of(*l)?;
            let r =
                code.relocs
                    .iter()
                    .find(|r| r.symbol == *sym)
                    .ok_or(TemplateError::Encoding(
                        "label address without its pool word",
                    ))?;
            patches.push((r.offset as usize, off));
        }
        for (at, off) in patches {
            code.bytes[at..at + 4].copy_from_slice(&off.to_le_bytes());
        }
        let mut offsets = HashMap::new();
        for (&l, &i) in &label_index {
            if let Some(Some(o)) = code.labels.get(i) {
                offsets.insert(l, *o);
            }
        }
        Ok((code, symbols, offsets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backend_arm32::asm::RelocKind;

    /// `ldr rd, =label` leaves the label's offset in its pool word, under an Abs32
    /// relocation naming the function itself (the linker adds the function's address).
    #[test]
    fn label_address_is_offset_plus_own_symbol() {
        let me = SymbolName::User {
            namespace: 2,
            index: 7,
        };
        let mut a = Masm::new(me.clone());
        let l = a.label();
        a.ldr_label(Reg::R0, l).unwrap();
        for _ in 0..5 {
            a.mov(Reg::R1, Reg::R2).unwrap();
        }
        a.bind(l).unwrap();
        a.bx(Reg::LR).unwrap();
        let (code, symbols, offsets) = a.finish().unwrap();
        assert_eq!(offsets[&l], 24);
        let r = code
            .relocs
            .iter()
            .find(|r| r.kind == RelocKind::Abs32)
            .unwrap();
        assert_eq!(symbols[r.symbol as usize], me);
        let at = r.offset as usize;
        let word = u32::from_le_bytes(code.bytes[at..at + 4].try_into().unwrap());
        assert_eq!(word, 24);
    }

    /// Constants and immediates that do not encode take MOVW/MOVT or ip, never a wrong
    /// encoding.
    #[test]
    fn constants_encode() {
        let mut a = Masm::new(SymbolName::Named("f".into()));
        a.mov_imm(Cond::Al, Reg::R0, 0x3B).unwrap();
        a.mov_imm(Cond::Al, Reg::R0, 0xFFFF_FFF0).unwrap();
        a.mov_imm(Cond::Al, Reg::R0, 0x1234_5678).unwrap();
        a.add_imm(false, Reg::R1, Reg::R2, 0x1001).unwrap();
        a.cmp_imm(Cond::Al, Reg::R1, 0x1001).unwrap();
        let (code, _, _) = a.finish().unwrap();
        // mov; mvn; movw+movt; movw ip+add; movw ip+cmp.
        assert_eq!(code.bytes.len(), 4 * 8);
        assert!(a_ok(&code.bytes));
    }

    fn a_ok(bytes: &[u8]) -> bool {
        bytes.chunks_exact(4).all(|w| {
            let w = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            !backend_arm32::asm::disassemble(w, 0).contains("unknown")
        })
    }
}
