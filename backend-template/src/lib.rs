//! Template mode (docs/template.md): every specific BEAM instruction becomes a fixed A32
//! sequence, emitted straight through backend-arm32's assembler, as BeamAsm does
//! (erts/emulator/beam/jit/arm/instr_*.cpp): X registers live in the memory of the
//! scheduler-registers block, nothing is register-allocated, nothing is optimised.
//!
//! It shares the IR mode's machine model (docs/beam-machine.md) at every boundary, so
//! modules and functions compiled either way call each other in one run:
//! - a function is entered with the segment convention: `S`, `HTOP`, `E`, `FCALLS` in
//!   r10, r11, r9, r8, `CP` in r7 and x0 in r1, x1.. in the X array; it leaves by a tail
//!   branch with the same registers, or returns `(pinned, step)` to the process-entry
//!   fragment with `bx lr` (r7 = the step code);
//! - a return point after a call, a catch handler, a `receive` resume point and a yield
//!   resume point are entry points of the same shape inside the function's code;
//! - runtime calls are the IR mode's [`RtFn`](beam_ir::rtcall::RtFn) entry points, the
//!   `handle` fragment takes pending exceptions, remote calls load the export cell.
//!
//! Registers inside template code: r10/r11/r9/r8 pinned as above, r7 = `CP`, r6 keeps
//! `lr` during runtime calls (template code never touches the machine stack except for
//! the fifth argument of `rt_bif`), r0–r5 and ip are scratch.
//!
//! What the templates do not cover (the bit syntax) is a typed
//! [`TemplateError::NotImplemented`] for that function: the loader compiles it through
//! the IR pipeline instead, and the two kinds of code link into one image.

mod instr_bif;
mod instr_bits;
mod instr_calls;
mod instr_data;
mod instr_exceptions;
mod instr_maps;
mod instr_receive;
mod instr_stack;
mod instr_tests;
mod masm;
mod tier;

pub use tier::{NS_TIER_CELL, TIER_CELL_BYTES};

use std::collections::HashMap;

use backend_arm32::asm::{AsmError, Label, Reg};
use backend_arm32::codegen::{CompiledCode, SymbolName};
use beam_frontend::specific::{Dst, Op, SpecificFunction, Src};
use beam_frontend::{Module, Reg as BReg};
use beam_ir::lower::Env;
use beam_ir::rtcall::{NS_FRAGMENT, NS_SEGMENT};
use beam_ir::tags;
use beam_runtime::term;

use masm::{Masm, CP, E, S};

/// Why a function was not compiled by templates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// An instruction (family) the templates do not cover: compile the function through
    /// the IR pipeline.
    #[error("not implemented in template mode: {0}")]
    NotImplemented(&'static str),
    /// A constant or offset no template encodes (a Y slot beyond ±4095 bytes, ...).
    #[error("no A32 encoding: {0}")]
    Encoding(&'static str),
    #[error(transparent)]
    Asm(#[from] AsmError),
    #[error("label {0} is used but never defined")]
    MissingLabel(u32),
    #[error("import {0} is out of range")]
    Import(u32),
    #[error("lambda {0} is out of range")]
    Lambda(u32),
    #[error("code runs past the end of the function without a return or jump")]
    FellOffEnd,
}

/// A module's template code: one entry per function, or why that function needs the IR
/// pipeline.
pub struct TemplateModule {
    /// Function `i`'s code (its entry at offset 0), to be linked under the symbol
    /// `User { NS_SEGMENT, i }` (the IR mode's name of the function's entry segment).
    pub functions: Vec<Result<CompiledCode, TemplateError>>,
    /// For template catch number `k` (the catch tag is `env.catch_tag(first_catch + k)`):
    /// the function and the byte offset of its handler's entry point, or `None` when that
    /// function was not compiled here.
    pub catches: Vec<Option<(usize, u32)>>,
    /// For each function compiled here: `(code offset, instruction index)` where each
    /// instruction's code starts, in code order (the stack-trace index maps return
    /// addresses back to instructions and lines with it).
    pub positions: Vec<Positions>,
}

/// The number of `try`/`catch` instructions of the module: template catch numbers are
/// `first_catch..first_catch + count_catches(fs)`, one per instruction, in module order.
pub fn count_catches(fs: &[SpecificFunction]) -> u32 {
    fs.iter()
        .flat_map(|f| &f.code)
        .filter(|op| matches!(op, Op::Try { .. }))
        .count() as u32
}

/// Compiles every function of `m` (already in specific instructions) by templates; with
/// `counters`, each function's entry counts its calls in its tier cell (tiered mode,
/// [`NS_TIER_CELL`]).
pub fn compile_module(
    m: &Module,
    fs: &[SpecificFunction],
    env: &dyn Env,
    first_catch: u32,
    counters: bool,
) -> TemplateModule {
    let mut functions = Vec::with_capacity(fs.len());
    let mut catches = Vec::new();
    let mut positions = Vec::with_capacity(fs.len());
    let mut next_catch = first_catch;
    for fi in 0..fs.len() {
        let n = fs[fi]
            .code
            .iter()
            .filter(|op| matches!(op, Op::Try { .. }))
            .count();
        match compile_function(m, fs, env, fi, next_catch, counters) {
            Ok((code, offsets, at)) => {
                catches.extend(offsets.into_iter().map(|o| Some((fi, o))));
                functions.push(Ok(code));
                positions.push(at);
            }
            Err(e) => {
                catches.extend((0..n).map(|_| None));
                functions.push(Err(e));
                positions.push(Vec::new());
            }
        }
        next_catch += n as u32;
    }
    TemplateModule {
        functions,
        catches,
        positions,
    }
}

/// `(code offset, instruction index)` of each instruction of a function.
type Positions = Vec<(u32, u32)>;

/// Out-of-line code, emitted after the function's body so the common path runs straight.
enum Cold {
    /// Collect garbage so `words` are free, then continue at `back`.
    Gc {
        at: Label,
        back: Label,
        words: u32,
        live: u32,
    },
    /// Leave with `Yield`; the process resumes at `resume`, which re-runs the test at `test`.
    Yield {
        at: Label,
        resume: Label,
        test: Label,
        live: u32,
    },
    /// An entry point (segment convention) for a label reached from outside: a catch
    /// handler or a `receive` resume point.
    Entry {
        at: Label,
        target: Label,
        label: u32,
    },
    /// The call counter ran out ([`tier`]): recompile or enter the recompiled code.
    Tier { at: Label, back: Label },
}

/// The compiler of one function.
pub(crate) struct Fx<'a> {
    pub m: &'a Module,
    pub fs: &'a [SpecificFunction],
    pub env: &'a dyn Env,
    pub a: Masm,
    labels: HashMap<u32, Label>,
    entry_stubs: HashMap<u32, Label>,
    /// Leaves to the `handle` fragment with the pending exception.
    pub pending: Label,
    cold: Vec<Cold>,
    next_catch: u32,
    catch_stubs: Vec<Label>,
    /// `(code offset, instruction index)` of each instruction emitted.
    positions: Vec<(u32, u32)>,
    /// The instruction index of each BEAM label, for the entry stubs' positions.
    label_pos: HashMap<u32, u32>,
}

fn compile_function(
    m: &Module,
    fs: &[SpecificFunction],
    env: &dyn Env,
    fi: usize,
    first_catch: u32,
    counters: bool,
) -> Result<(CompiledCode, Vec<u32>, Positions), TemplateError> {
    let f = &fs[fi];
    let entry_pos = f
        .code
        .iter()
        .position(|op| *op == Op::Label(f.entry))
        .ok_or(TemplateError::MissingLabel(f.entry))?;
    let me = SymbolName::User {
        namespace: NS_SEGMENT,
        index: fi as u32,
    };
    let mut a = Masm::new(me);
    let pending = a.label();
    let mut fx = Fx {
        m,
        fs,
        env,
        a,
        labels: HashMap::new(),
        entry_stubs: HashMap::new(),
        pending,
        cold: Vec::new(),
        next_catch: first_catch,
        catch_stubs: Vec::new(),
        positions: Vec::new(),
        label_pos: f
            .code
            .iter()
            .enumerate()
            .filter_map(|(i, op)| match op {
                Op::Label(l) => Some((*l, i as u32)),
                _ => None,
            })
            .collect(),
    };
    // The entry first (offset 0 is the function's address), then the code before it
    // (the `func_info` block, reached only by branches).
    fx.prologue()?;
    if counters {
        fx.tier_check(fi as u32)?;
    }
    fx.run(&f.code, entry_pos, f.code.len())?;
    fx.run(&f.code, 0, entry_pos)?;
    fx.emit_cold()?;
    let catch_stubs = std::mem::take(&mut fx.catch_stubs);
    let mut positions = std::mem::take(&mut fx.positions);
    positions.sort_unstable();
    let (code, symbols, offsets) = fx.a.finish()?;
    let catches = catch_stubs
        .iter()
        .map(|l| {
            offsets
                .get(l)
                .copied()
                .ok_or(TemplateError::Encoding("catch handler"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        CompiledCode {
            code,
            symbols,
            vcode_text: String::new(),
            vcode_alloc_text: String::new(),
        },
        catches,
        positions,
    ))
}

impl Fx<'_> {
    /// Emits `code[from..to]`, which must not fall off its end.
    fn run(&mut self, code: &[Op], from: usize, to: usize) -> Result<(), TemplateError> {
        let mut ended = true;
        for (pos, op) in code.iter().enumerate().take(to).skip(from) {
            self.positions.push((self.a.buf.offset(), pos as u32));
            ended = self.op(op, pos)?;
        }
        if !ended && from < to {
            return Err(TemplateError::FellOffEnd);
        }
        Ok(())
    }

    /// One instruction; true when control cannot fall through past it.
    fn op(&mut self, op: &Op, pos: usize) -> Result<bool, TemplateError> {
        match op {
            Op::Label(l) => {
                let lbl = self.beam_label(*l);
                self.a.bind(lbl)?;
                Ok(false)
            }
            Op::Line(_) => Ok(false),
            Op::FuncInfo { .. }
            | Op::Badmatch(_)
            | Op::CaseEnd(_)
            | Op::TryCaseEnd(_)
            | Op::IfEnd
            | Op::Try { .. }
            | Op::TryEnd(_)
            | Op::TryCase(_)
            | Op::CatchEnd(_)
            | Op::Rethrow { .. }
            | Op::Unsupported(_) => self.exception_op(op, pos),
            Op::TestYield { .. }
            | Op::Return
            | Op::Call { .. }
            | Op::CallExt { .. }
            | Op::Apply { .. }
            | Op::CallFun { .. } => self.call_op(op),
            Op::Allocate { .. }
            | Op::InitYregs(_)
            | Op::Deallocate(_)
            | Op::Trim { .. }
            | Op::TestHeap { .. } => self.stack_op(op).map(|()| false),
            Op::Move { .. }
            | Op::Swap(..)
            | Op::PutList { .. }
            | Op::PutTuple { .. }
            | Op::GetList { .. }
            | Op::GetHd { .. }
            | Op::GetTl { .. }
            | Op::GetTupleElement { .. }
            | Op::SetTupleElement { .. }
            | Op::MakeFun { .. } => self.data_op(op).map(|()| false),
            Op::Test { test, fail, args } => self.test(*test, *fail, args).map(|()| false),
            Op::Jump(_) | Op::SelectVal { .. } | Op::SelectTupleArity { .. } => {
                self.branch_op(op).map(|()| true)
            }
            Op::Bif {
                import,
                fail,
                live,
                args,
                dst,
            } => self.bif(*import, *fail, *live, args, *dst).map(|()| false),
            Op::LoopRec { .. }
            | Op::LoopRecEnd(_)
            | Op::RemoveMessage
            | Op::RecvMarker(_)
            | Op::Wait(_)
            | Op::WaitTimeout { .. }
            | Op::Timeout
            | Op::Send => self.receive_op(op),
            Op::GetMapElements { .. } | Op::PutMap { .. } | Op::HasMapFields { .. } => {
                self.map_op(op).map(|()| false)
            }
            Op::BsCreate { .. }
            | Op::BsInit { .. }
            | Op::BsPut(_)
            | Op::BsStartMatch { .. }
            | Op::BsGet { .. }
            | Op::BsMatchString { .. }
            | Op::BsTestTail { .. }
            | Op::BsTestUnit { .. }
            | Op::BsGetTail { .. }
            | Op::BsGetPosition { .. }
            | Op::BsSetPosition { .. }
            | Op::RawRaise
            | Op::Badrecord(_) => self.bits_op(op),
            // Float registers: the function goes to the IR pipeline, which keeps them
            // unboxed in VFP registers.
            Op::FloatMove { .. }
            | Op::FloatConv { .. }
            | Op::FloatStore { .. }
            | Op::FloatArith { .. } => Err(TemplateError::NotImplemented("float registers")),
        }
    }

    // --- labels and entry points ---

    /// The assembler label of BEAM label `l`.
    pub fn beam_label(&mut self, l: u32) -> Label {
        if let Some(&lbl) = self.labels.get(&l) {
            return lbl;
        }
        let lbl = self.a.label();
        self.labels.insert(l, lbl);
        lbl
    }

    /// An entry point (segment convention) that continues at BEAM label `l`.
    pub fn entry_stub(&mut self, l: u32) -> Label {
        if let Some(&at) = self.entry_stubs.get(&l) {
            return at;
        }
        let at = self.a.label();
        let target = self.beam_label(l);
        self.cold.push(Cold::Entry {
            at,
            target,
            label: l,
        });
        self.entry_stubs.insert(l, at);
        at
    }

    /// The catch number and handler entry of a `try`/`catch` whose handler is at `l`.
    pub fn new_catch(&mut self, l: u32) -> u32 {
        let stub = self.entry_stub(l);
        self.catch_stubs.push(stub);
        let n = self.next_catch;
        self.next_catch += 1;
        n
    }

    /// What every entry point does first: x0 from r1 into the X array (`CP` arrives in
    /// r7, where template code keeps it).
    pub fn prologue(&mut self) -> masm::R {
        self.a.str(Reg::R1, S, 0)
    }

    /// What a return point does first: `CP` 0, since its function's frame holds its CP
    /// (a stack trace reads 0 as "look at the stack"); whatever a return left in r7 is
    /// not looked at, so returns need not set it (the IR lowering's `return_to` does the
    /// same). x0 from r1 into the X array.
    pub fn return_point_prologue(&mut self) -> masm::R {
        self.a.mov_imm(backend_arm32::asm::Cond::Al, CP, 0)?;
        self.a.str(Reg::R1, S, 0)
    }

    // --- operands ---

    /// The word of a constant operand.
    pub fn const_word(&self, s: &Src) -> Option<u32> {
        Some(match s {
            Src::Reg(..) => return None,
            Src::Int(n) => match tags::small_const(*n) {
                Some(w) => w as u32,
                None => self.env.big_int(&(*n).into()),
            },
            Src::BigInt(n) => self.env.big_int(n),
            Src::Atom(a) => self.env.atom(*a),
            Src::Nil => term::IMMED2_NIL,
            Src::Literal(l) => self.env.literal(*l),
            Src::Float(f) => self.env.float(*f),
        })
    }

    /// `rd = s`.
    pub fn load(&mut self, rd: Reg, s: &Src) -> masm::R {
        match s {
            Src::Reg(BReg::X(i), _) => self.a.ldr(rd, S, x_off(*i)?),
            Src::Reg(BReg::Y(i), _) => self.a.ldr(rd, E, y_off(*i)?),
            c => {
                let w = self.const_word(c).unwrap_or(term::IMMED2_NIL);
                self.a.mov_imm(backend_arm32::asm::Cond::Al, rd, w)
            }
        }
    }

    /// `d = rs`.
    pub fn store(&mut self, rs: Reg, d: Dst) -> masm::R {
        match d {
            Dst::X(i) => self.a.str(rs, S, x_off(i)?),
            Dst::Y(i) => self.a.str(rs, E, y_off(i)?),
        }
    }

    pub fn store_x(&mut self, rs: Reg, i: u32) -> masm::R {
        self.store(rs, Dst::X(i))
    }

    pub fn load_x(&mut self, rd: Reg, i: u32) -> masm::R {
        self.a.ldr(rd, S, x_off(i)?)
    }

    // --- leaving ---

    /// Returns `step` to the process-entry fragment (pinned values in their registers,
    /// the step code as result 4, in r7).
    pub fn leave(&mut self, step: u32) -> masm::R {
        self.a.mov_imm(backend_arm32::asm::Cond::Al, CP, step)?;
        self.a.bx(Reg::LR)
    }

    fn emit_cold(&mut self) -> masm::R {
        use beam_ir::rtcall::RtFn;
        use beam_runtime::sched_regs::{Field, StepCode};
        let cold = std::mem::take(&mut self.cold);
        for c in cold {
            match c {
                Cold::Gc {
                    at,
                    back,
                    words,
                    live,
                } => {
                    self.a.bind(at)?;
                    self.a.save_pinned()?;
                    self.a.mov(Reg::R0, S)?;
                    self.a
                        .mov_imm(backend_arm32::asm::Cond::Al, Reg::R1, words)?;
                    self.a
                        .mov_imm(backend_arm32::asm::Cond::Al, Reg::R2, live)?;
                    // HTOP and E saved as they are (RtFn::Gc's `ahead`).
                    self.a.mov_imm(backend_arm32::asm::Cond::Al, Reg::R3, 0)?;
                    self.a.call_rt(RtFn::Gc, None)?;
                    self.a.reload_pinned()?;
                    self.a.b(backend_arm32::asm::Cond::Al, back)?;
                }
                Cold::Yield {
                    at,
                    resume,
                    test,
                    live,
                } => {
                    self.a.bind(at)?;
                    self.a.ldr_label(Reg::R0, resume)?;
                    self.a.st_field(Reg::R0, Field::Resume)?;
                    self.a.st_field(CP, Field::Cp)?;
                    self.a
                        .mov_imm(backend_arm32::asm::Cond::Al, Reg::R0, live)?;
                    self.a.st_field(Reg::R0, Field::Live)?;
                    self.leave(StepCode::Yield as u32)?;
                    self.a.bind(resume)?;
                    self.prologue()?;
                    self.a.b(backend_arm32::asm::Cond::Al, test)?;
                }
                Cold::Entry { at, target, label } => {
                    // The stub stands for its label (where a waiting process resumes:
                    // `process_info(P, current_location)`); the cold code after it keeps
                    // the position it had.
                    let before = self.positions.last().map(|&(_, p)| p);
                    if let Some(&p) = self.label_pos.get(&label) {
                        self.positions.push((self.a.buf.offset(), p));
                    }
                    self.a.bind(at)?;
                    self.prologue()?;
                    self.a.b(backend_arm32::asm::Cond::Al, target)?;
                    if let Some(p) = before {
                        self.positions.push((self.a.buf.offset(), p));
                    }
                }
                Cold::Tier { at, back } => self.emit_tier_cold(at, back)?,
            }
        }
        // The pending exception: tail-call `handle` with CP (in r7) and x0 = the non-value.
        self.a.bind(self.pending)?;
        self.a.mov_imm(backend_arm32::asm::Cond::Al, Reg::R1, 0)?;
        self.a.ldr_symbol(
            masm::IP,
            SymbolName::User {
                namespace: NS_FRAGMENT,
                index: beam_ir::machine::FRAGMENT_HANDLE,
            },
        )?;
        self.a.bx(masm::IP)
    }

    pub fn cold_gc(&mut self, words: u32, live: u32) -> (Label, Label) {
        let (at, back) = (self.a.label(), self.a.label());
        self.cold.push(Cold::Gc {
            at,
            back,
            words,
            live,
        });
        (at, back)
    }

    pub(crate) fn cold_tier(&mut self, at: Label, back: Label) {
        self.cold.push(Cold::Tier { at, back });
    }

    pub fn cold_yield(&mut self, test: Label, live: u32) -> Label {
        let (at, resume) = (self.a.label(), self.a.label());
        self.cold.push(Cold::Yield {
            at,
            resume,
            test,
            live,
        });
        at
    }
}

/// Byte offset of x`i` from `S`.
fn x_off(i: u32) -> Result<i32, TemplateError> {
    if i >= 1024 {
        return Err(TemplateError::Encoding("X register beyond x1023"));
    }
    Ok(beam_runtime::sched_regs::x_offset(i))
}

/// Byte offset of y`i` from `E` (CP at `E[0]`).
fn y_off(i: u32) -> Result<i32, TemplateError> {
    let off = 4 * (i as i64 + 1);
    if off > 4095 {
        return Err(TemplateError::Encoding("Y slot beyond 4095 bytes"));
    }
    Ok(off as i32)
}

/// The tuple header word for arity `n` (erl_term.h `make_arityval`).
pub(crate) fn arityval(n: u32) -> u32 {
    (n << term::HEADER_ARITY_OFFS) | term::ARITYVAL_SUBTAG
}
