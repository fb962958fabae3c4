//! Emission of one segment: specific instructions to CLIF.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use beam_frontend::specific::{Dst, Known, Op, RecvMarker, SpecificFunction, Src, Test};
use beam_frontend::{Module, Reg};
use beam_runtime::sched_regs::{Field, StepCode};
use beam_runtime::term;
use cranelift_codegen::ir::{
    condcodes::IntCC, types::I32, Block, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder,
    InstructionData, MemFlagsData, Opcode, SigRef, UserExternalName, UserFuncName, Value, ValueDef,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};

use super::{Env, Labels, SegStart, SegTable};

#[path = "bits.rs"]
pub(super) mod bits;
#[path = "floats.rs"]
mod floats;
#[path = "heap.rs"]
mod heap;
use crate::machine::{self, segment_signature};
use crate::rtcall::{
    MarkerOp, RaiseKind, RtFn, TypeKind, NS_EXPORT_CELL, NS_FRAGMENT, NS_RUNTIME, NS_SEGMENT,
};
use crate::tags;

/// A module the lowering cannot compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LowerError {
    #[error("label {0} is used but never defined")]
    MissingLabel(u32),
    #[error("code runs past the end of the function without a return or jump")]
    FellOffEnd,
    #[error("import {0} is out of range")]
    Import(u32),
    #[error("lambda {0} is out of range")]
    Lambda(u32),
    #[error("a float operation without its operands")]
    FloatOperands,
    #[error("{segment}: {inner}")]
    In {
        segment: String,
        inner: Box<LowerError>,
    },
}

impl LowerError {
    pub(crate) fn in_segment(self, name: &str) -> LowerError {
        LowerError::In {
            segment: name.to_string(),
            inner: Box::new(self),
        }
    }
}

/// Words of the tuple header for arity `n` (erl_term.h `make_arityval`).
fn arityval(n: u32) -> i64 {
    ((n << term::HEADER_ARITY_OFFS) | term::ARITYVAL_SUBTAG) as i64
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

struct Lower<'a, 'b> {
    m: &'a Module,
    code: &'a [Op],
    labels: &'a Labels,
    table: &'a mut SegTable,
    env: &'a dyn Env,
    b: FunctionBuilder<'b>,
    s: Value,
    htop: Variable,
    e: Variable,
    fcalls: Variable,
    cp: Variable,
    /// The variables of X registers x0..x(len-1), declared so far (see `xvar`).
    xs: Vec<Variable>,
    /// The `f64` variables of the float registers declared so far (see `floats::frvar`).
    frs: HashMap<u32, Variable>,
    blocks: HashMap<u32, Block>,
    todo: Vec<u32>,
    done: HashSet<u32>,
    func: usize,
    seg_refs: HashMap<u32, FuncRef>,
    rt_refs: HashMap<RtFn, FuncRef>,
    seg_sig: SigRef,
    this_segment: u32,
    /// The instruction being lowered (where a failure path says it raised).
    pos: usize,
    /// X registers (bit i: x_i, from x1) that arrived in the X array and that this segment
    /// never writes: each use loads the array slot, and nothing stores them back before a
    /// call or a collection (the array still holds them, moved by the collector if it
    /// ran). Found optimistically: see `spoiled`.
    mem_x: u64,
    /// Registers of `mem_x` this lowering wrote after all: the segment is lowered again
    /// without them (`lower_segment`).
    spoiled: u64,
    /// Whether a runtime call has been emitted so far in this segment (see `allocate`).
    called: bool,
}

const X_BASE: u32 = 4;

/// Lowers segment number `seg` of the module into `func` (cleared first) with the
/// builder context `fctx` (empty, and left empty).
#[allow(clippy::too_many_arguments)]
pub(super) fn lower_segment(
    m: &Module,
    functions: &[SpecificFunction],
    labels: &Labels,
    table: &mut SegTable,
    env: &dyn Env,
    seg: u32,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<(), LowerError> {
    let start: SegStart = table.starts[seg as usize];
    // x1..x(live-1) start in memory; each write found drops its register and lowers again
    // (a segment writes few of its incoming registers, and stops at the first write).
    let all_in_memory = match start.live.min(64) {
        0 | 1 => 0,
        n => (u64::MAX >> (64 - n)) & !1,
    };
    // What the lowering ends with is `all_in_memory` less every register the segment
    // writes (which code it lowers does not depend on `mem_x`), whatever it starts from:
    // dropping at once the registers a scan of the code finds written (a part of them)
    // saves the lowerings that would find them one by one.
    let code = &functions[start.func].code;
    let surely = surely_written(code, labels, start.func, start.pos);
    let mem_x = all_in_memory & !surely;
    let mut input = SegInput {
        m,
        functions,
        labels,
        table,
        env,
        seg,
    };
    if cfg!(debug_assertions) {
        // The scan must find only registers the lowering writes too.
        let found = settle(&mut input, all_in_memory, func, fctx)?;
        let scanned = settle(&mut input, mem_x, func, fctx)?;
        assert_eq!(
            found, scanned,
            "surely_written found too much in segment {seg}"
        );
        return Ok(());
    }
    settle(&mut input, mem_x, func, fctx).map(|_| ())
}

/// What every lowering of one segment reads: the module, its functions and labels, the
/// segment table (which a lowering adds return points and catches to), the loader's
/// environment, and the segment's number.
struct SegInput<'a> {
    m: &'a Module,
    functions: &'a [SpecificFunction],
    labels: &'a Labels,
    table: &'a mut SegTable,
    env: &'a dyn Env,
    seg: u32,
}

/// Lowers segment `seg` into `func` from `mem_x`, again without each register found
/// written, until a lowering writes none of `mem_x`; returns that `mem_x`.
fn settle(
    input: &mut SegInput<'_>,
    mut mem_x: u64,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<u64, LowerError> {
    loop {
        func.clear();
        func.name = UserFuncName::user(NS_SEGMENT, input.seg);
        func.signature = segment_signature();
        let attempt = lower_attempt(input, mem_x, func, fctx);
        if !matches!(attempt, Ok(Ok(()))) {
            // Only `finalize` empties the builder's context (kept otherwise for the next
            // segment, allocations and all): a lowering that stopped early leaves it
            // half full.
            *fctx = FunctionBuilderContext::new();
        }
        match attempt? {
            Ok(()) => return Ok(mem_x),
            Err(spoiled) => mem_x &= !spoiled,
        }
    }
}

/// X registers (bit i: x_i) that the lowering of a segment starting at `pos` of `code`
/// (function `func`) surely writes: those written by the instructions it surely lowers,
/// followed from `pos` through fall-throughs, test fail labels, jumps and selects, and
/// only through instructions known to go on to the next one and to write what is counted
/// here. Anything else ends a path: the result is a part of what the lowering writes,
/// never more (checked in debug builds, `lower_segment`).
fn surely_written(code: &[Op], labels: &Labels, func: usize, pos: usize) -> u64 {
    let mut written = 0u64;
    let mut seen: HashSet<u32> = HashSet::default();
    let mut paths = vec![pos];
    let follow = |paths: &mut Vec<usize>, l: u32| {
        if let Some((fi, p)) = labels.position(l) {
            if l != 0 && fi == func {
                paths.push(p);
            }
        }
    };
    while let Some(mut p) = paths.pop() {
        while let Some(op) = code.get(p) {
            let mut write = |d: &Dst| {
                if let Dst::X(i) = d {
                    if *i < 64 {
                        written |= 1 << i;
                    }
                }
            };
            match op {
                Op::Label(l) => {
                    if !seen.insert(*l) {
                        break;
                    }
                }
                Op::Line(_)
                | Op::Allocate { .. }
                | Op::InitYregs(_)
                | Op::Deallocate(_)
                | Op::Trim { .. }
                | Op::TestHeap { .. }
                | Op::TestYield { .. }
                | Op::Try { .. }
                | Op::TryEnd(_)
                | Op::SetTupleElement { .. }
                | Op::Timeout
                // Goes on to the next instruction; its destination is not counted.
                | Op::Bif { .. } => {}
                Op::Move { dst, .. } => write(dst),
                Op::Swap(a, c) => {
                    write(a);
                    write(c);
                }
                Op::GetList { head, tail, .. } => {
                    write(head);
                    write(tail);
                }
                Op::GetHd { dst, .. }
                | Op::GetTl { dst, .. }
                | Op::GetTupleElement { dst, .. }
                | Op::PutList { dst, .. }
                | Op::PutTuple { dst, .. } => write(dst),
                Op::TryCase(_) => written |= 0b111,
                Op::Test { fail, .. } => follow(&mut paths, *fail),
                Op::Jump(l) => {
                    follow(&mut paths, *l);
                    break;
                }
                Op::SelectVal { fail, cases, .. } => {
                    for (_, l) in cases {
                        follow(&mut paths, *l);
                    }
                    follow(&mut paths, *fail);
                    break;
                }
                Op::SelectTupleArity { fail, cases, .. } => {
                    for (_, l) in cases {
                        follow(&mut paths, *l);
                    }
                    follow(&mut paths, *fail);
                    break;
                }
                _ => break,
            }
            p += 1;
        }
    }
    written
}

/// One lowering of segment `seg` with `mem_x` (see [`Lower::mem_x`]) into `func` (empty):
/// done, or the registers of `mem_x` it writes.
fn lower_attempt(
    input: &mut SegInput<'_>,
    mem_x: u64,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<Result<(), u64>, LowerError> {
    let (m, functions, labels, env, seg) =
        (input.m, input.functions, input.labels, input.env, input.seg);
    let table = &mut *input.table;
    let start: SegStart = table.starts[seg as usize];
    let f = &functions[start.func];
    let mut b = FunctionBuilder::new(func, fctx);
    let seg_sig = b.import_signature(segment_signature());
    // X variables are declared on first use (see `xvar`); x0 always exists.
    let nx = 1;
    let (htop, e, fcalls, cp) = (
        Variable::from_u32(0),
        Variable::from_u32(1),
        Variable::from_u32(2),
        Variable::from_u32(3),
    );
    // Cranelift numbers variables in declaration order, so declaring them in order gives
    // the fixed numbering above (htop, e, fcalls, cp, then x0, x1, ...).
    for v in 0..X_BASE + nx {
        let var = b.declare_var(I32);
        debug_assert_eq!(var, Variable::from_u32(v));
    }
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let s = p[0];
    b.def_var(htop, p[1]);
    b.def_var(e, p[2]);
    b.def_var(fcalls, p[3]);
    // A return point's function has a frame, which holds its CP: its CP is 0 (what a stack
    // trace reads as "look at the stack"), whatever the returning code left in the CP
    // parameter, so a return need not set that parameter (see `return_to`).
    let cp0 = if is_return_point(&f.code, start) {
        b.ins().iconst(I32, 0)
    } else {
        p[4]
    };
    b.def_var(cp, cp0);
    let mut lw = Lower {
        m,
        code: &f.code,
        labels,
        table,
        env,
        b,
        s,
        htop,
        e,
        fcalls,
        cp,
        xs: (0..nx).map(|i| Variable::from_u32(X_BASE + i)).collect(),
        frs: HashMap::default(),
        blocks: HashMap::default(),
        todo: Vec::new(),
        done: HashSet::default(),
        func: start.func,
        seg_refs: HashMap::default(),
        rt_refs: HashMap::default(),
        seg_sig,
        this_segment: seg,
        pos: start.pos,
        mem_x,
        spoiled: 0,
        called: false,
    };
    lw.set_x(0, p[5]);
    for i in 1..start.live {
        if !lw.x_in_memory(i) {
            let v = machine::load_x(&mut lw.b, s, i);
            lw.set_x(i, v);
        }
    }
    lw.run(start.pos)?;
    while let Some(l) = lw.todo.pop() {
        if lw.spoiled != 0 {
            break;
        }
        if lw.done.contains(&l) {
            continue;
        }
        let (fi, pos) = lw.labels.position(l).ok_or(LowerError::MissingLabel(l))?;
        debug_assert_eq!(fi, lw.func, "branch out of the function");
        let blk = lw.block(l);
        lw.b.switch_to_block(blk);
        lw.run(pos)?;
    }
    if lw.spoiled != 0 {
        return Ok(Err(lw.spoiled));
    }
    lw.b.seal_all_blocks();
    lw.b.finalize(machine::frontend_config());
    Ok(Ok(()))
}

impl Lower<'_, '_> {
    /// The variable of X register `i`, declared on first use. Declaring from the
    /// registers an instruction mentions (rather than precomputing a maximum per
    /// function) means no instruction can ever share a variable between two registers.
    fn xvar(&mut self, i: u32) -> Variable {
        // Float register variables are declared on demand too, so X variables are not
        // necessarily consecutive: keep their numbers.
        while self.xs.len() <= i as usize {
            let var = self.b.declare_var(I32);
            self.xs.push(var);
        }
        self.xs[i as usize]
    }

    fn x(&mut self, i: u32) -> Value {
        if self.x_in_memory(i) {
            return machine::load_x(&mut self.b, self.s, i);
        }
        let v = self.xvar(i);
        self.b.use_var(v)
    }

    fn set_x(&mut self, i: u32, v: Value) {
        if self.x_in_memory(i) {
            self.spoiled |= 1 << i;
        }
        let var = self.xvar(i);
        self.b.def_var(var, v);
    }

    /// Whether x_i lives in the X array only (see [`Lower::mem_x`]): stores of it back
    /// there are skipped.
    fn x_in_memory(&self, i: u32) -> bool {
        in_memory(self.mem_x, i)
    }

    fn block(&mut self, l: u32) -> Block {
        if let Some(&b) = self.blocks.get(&l) {
            return b;
        }
        let b = self.b.create_block();
        self.blocks.insert(l, b);
        b
    }

    /// The block of label `l`, queued for emission.
    fn target(&mut self, l: u32) -> Block {
        let b = self.block(l);
        if !self.done.contains(&l) {
            self.todo.push(l);
        }
        b
    }

    /// Logical negation of an `i8` truth value (0 or 1). Not `bnot`: that flips every
    /// bit, and `brif` treats both 0xFE and 0xFF as true.
    fn not(&mut self, truth: Value) -> Value {
        self.b.ins().bxor_imm_u(truth, 1)
    }

    fn iconst(&mut self, v: i64) -> Value {
        self.b.ins().iconst(I32, v)
    }

    // --- the Erlang stack: CP at E[0], y(i) at E[i+1] ---

    fn y_addr_offset(i: u32) -> i32 {
        4 * (i as i32 + 1)
    }

    fn y(&mut self, i: u32) -> Value {
        let e = self.b.use_var(self.e);
        self.b.ins().load(I32, flags(), e, Self::y_addr_offset(i))
    }

    fn set_y(&mut self, i: u32, v: Value) {
        let e = self.b.use_var(self.e);
        self.b.ins().store(flags(), v, e, Self::y_addr_offset(i));
    }

    fn src(&mut self, s: &Src) -> Value {
        let word = match s {
            Src::Reg(Reg::X(i), _) => return self.x(*i),
            Src::Reg(Reg::Y(i), _) => return self.y(*i),
            Src::Int(n) => match tags::small_const(*n) {
                Some(w) => w,
                None => self.env.big_int(&(*n).into()) as i64,
            },
            Src::BigInt(n) => self.env.big_int(n) as i64,
            Src::Atom(a) => self.env.atom(*a) as i64,
            Src::Nil => term::IMMED2_NIL as i64,
            Src::Literal(l) => self.env.literal(*l) as i64,
            Src::Float(f) => self.env.float(*f) as i64,
        };
        self.iconst(word as u32 as i32 as i64)
    }

    fn dst(&mut self, d: Dst, v: Value) {
        match d {
            Dst::X(i) => self.set_x(i, v),
            Dst::Y(i) => self.set_y(i, v),
        }
    }

    // --- calls and exits ---

    fn seg_ref(&mut self, seg: u32) -> FuncRef {
        if let Some(&r) = self.seg_refs.get(&seg) {
            return r;
        }
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(NS_SEGMENT, seg));
        let r = self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: self.seg_sig,
            colocated: true,
            patchable: false,
        });
        self.seg_refs.insert(seg, r);
        r
    }

    fn rt_ref(&mut self, f: RtFn) -> FuncRef {
        if let Some(&r) = self.rt_refs.get(&f) {
            return r;
        }
        let sig = self.b.import_signature(f.signature());
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(NS_RUNTIME, f as u32));
        let r = self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: false,
            patchable: false,
        });
        self.rt_refs.insert(f, r);
        r
    }

    fn pinned(&mut self) -> machine::Pinned {
        machine::Pinned {
            s: self.s,
            htop: self.b.use_var(self.htop),
            e: self.b.use_var(self.e),
            fcalls: self.b.use_var(self.fcalls),
        }
    }

    /// Writes x0..x(live-1) to the X array and the pinned values to the block: what the
    /// runtime may look at (and move) during a call.
    fn spill(&mut self, live: u32) {
        let mem_x = self.mem_x;
        for i in (0..live).filter(|&i| !in_memory(mem_x, i)) {
            let v = self.x(i);
            machine::store_x(&mut self.b, self.s, i, v);
        }
        let p = self.pinned();
        machine::save_pinned(&mut self.b, &p);
    }

    /// Reads back what [`Self::spill`] wrote (after a collection moved it).
    fn unspill(&mut self, live: u32) {
        let p = machine::reload_pinned(&mut self.b, self.s);
        self.b.def_var(self.htop, p.htop);
        self.b.def_var(self.e, p.e);
        self.b.def_var(self.fcalls, p.fcalls);
        let mem_x = self.mem_x;
        for i in (0..live).filter(|&i| !in_memory(mem_x, i)) {
            let v = machine::load_x(&mut self.b, self.s, i);
            self.set_x(i, v);
        }
    }

    fn call_rt(&mut self, f: RtFn, args: &[Value]) -> Option<Value> {
        let r = self.rt_ref(f);
        self.called = true;
        let call = self.b.ins().call(r, args);
        self.b.inst_results(call).first().copied()
    }

    /// Leaves to the scheduler with `step`.
    fn leave(&mut self, step: Value) {
        let p = self.pinned();
        self.b.ins().return_(&[p.s, p.htop, p.e, p.fcalls, step]);
    }

    /// Goes on after a runtime call left an exception (or a halt) pending: to the
    /// `handle` fragment, which tail-calls the innermost catch's handler or leaves to the
    /// scheduler (docs/beam-machine.md §4).
    fn leave_pending(&mut self) {
        // Where it raised, for the stack trace (vm/src/stacktrace.rs): this segment and
        // the instruction.
        let me = self.seg_ref(self.this_segment);
        let here = self.b.ins().func_addr(I32, me);
        machine::store_field(&mut self.b, self.s, Field::ExcCode, here);
        let pos = self.iconst(self.pos as i64);
        machine::store_field(&mut self.b, self.s, Field::ExcPos, pos);
        let r = self.frag_ref(machine::FRAGMENT_HANDLE);
        let p = self.pinned();
        let cp = self.b.use_var(self.cp);
        let x0 = self.iconst(0);
        self.b
            .ins()
            .return_call(r, &[p.s, p.htop, p.e, p.fcalls, cp, x0]);
    }

    /// A shared fragment with the segment signature.
    fn frag_ref(&mut self, index: u32) -> FuncRef {
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(NS_FRAGMENT, index));
        self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: self.seg_sig,
            colocated: false,
            patchable: false,
        })
    }

    /// Branches to `bad` handling (the pending exception) when `r` is 0.
    fn check_pending(&mut self, r: Value) {
        let (bad, ok) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(r, ok, &[], bad, &[]);
        self.b.switch_to_block(bad);
        self.b.set_cold_block(bad);
        self.leave_pending();
        self.b.switch_to_block(ok);
    }

    /// The address of the segment that starts at label `l` with `live` X registers.
    fn label_segment(&mut self, l: u32, live: u32) -> Result<Value, LowerError> {
        let (func, pos) = self.labels.position(l).ok_or(LowerError::MissingLabel(l))?;
        let seg = self.table.intern(SegStart { func, pos, live });
        let r = self.seg_ref(seg);
        Ok(self.b.ins().func_addr(I32, r))
    }

    /// Suspends the process in a `receive` (step `Wait`): a message resumes it at
    /// `resume`; with a timeout (`StepArg`) it resumes at `TimeoutResume` instead.
    fn wait(&mut self, resume: Value, timeout: Value) {
        machine::store_field(&mut self.b, self.s, Field::Resume, resume);
        machine::store_field(&mut self.b, self.s, Field::StepArg, timeout);
        let cp = self.b.use_var(self.cp);
        machine::store_field(&mut self.b, self.s, Field::Cp, cp);
        let zero = self.iconst(0);
        machine::store_field(&mut self.b, self.s, Field::Live, zero);
        let step = self.iconst(StepCode::Wait as i64);
        self.leave(step);
    }

    /// Raises `kind` with `value` and leaves.
    fn raise(&mut self, kind: RaiseKind, value: Value) {
        self.spill(0);
        let k = self.iconst(kind as i64);
        self.call_rt(RtFn::Raise, &[self.s, k, value]);
        self.leave_pending();
    }

    /// Tail-calls `target` (a segment number or a code address) with `cp` as the CP.
    fn transfer(&mut self, target: Result<u32, Value>, cp: Value, arity: u32) {
        let mem_x = self.mem_x;
        for i in (1..arity).filter(|&i| !in_memory(mem_x, i)) {
            let v = self.x(i);
            machine::store_x(&mut self.b, self.s, i, v);
        }
        let x0 = self.x(0);
        let p = self.pinned();
        let args = [p.s, p.htop, p.e, p.fcalls, cp, x0];
        match target {
            Ok(seg) => {
                let r = self.seg_ref(seg);
                self.b.ins().return_call(r, &args);
            }
            Err(addr) => {
                let sig = self.seg_sig;
                self.b.ins().return_call_indirect(sig, addr, &args);
            }
        }
    }

    /// Returns x0 to `cp`. A return point ignores its CP parameter (its function's frame
    /// holds its CP: it starts with CP 0, see `is_return_point`), and so does `normal_exit`,
    /// the other thing a CP can be; `cp` itself goes in it because it is in a register
    /// already (`bx r0` with nothing to set up).
    fn return_to(&mut self, cp: Value) {
        self.transfer(Err(cp), cp, 1);
    }

    /// The address of the segment that continues after the instruction at `pos`.
    fn continuation(&mut self, pos: usize) -> Value {
        let seg = self.table.intern(SegStart {
            func: self.func,
            pos: pos + 1,
            live: 1,
        });
        let r = self.seg_ref(seg);
        self.b.ins().func_addr(I32, r)
    }

    /// A CP as the Erlang stack holds it: without the Thumb bit (see
    /// [`Env::code_addr_bit`]); unchanged for A32.
    fn cp_to_stack(&mut self, cp: Value) -> Value {
        match self.env.code_addr_bit() {
            0 => cp,
            bit => {
                let mask = self.iconst(!bit as i32 as i64);
                self.b.ins().band(cp, mask)
            }
        }
    }

    /// A CP read from the Erlang stack, with the Thumb bit back.
    fn cp_from_stack(&mut self, cp: Value) -> Value {
        match self.env.code_addr_bit() {
            0 => cp,
            bit => {
                let bit = self.iconst(bit as i64);
                self.b.ins().bor(cp, bit)
            }
        }
    }

    // --- instructions ---

    /// Emits from `pos` until a terminator.
    fn run(&mut self, mut pos: usize) -> Result<(), LowerError> {
        loop {
            if self.spoiled != 0 {
                // This lowering is thrown away (`lower_segment` lowers again).
                return Ok(());
            }
            let Some(op) = self.code.get(pos) else {
                return Err(LowerError::FellOffEnd);
            };
            if let Op::Label(l) = op {
                if self.done.contains(l) {
                    // Fall through into code already emitted.
                    let blk = self.block(*l);
                    self.b.ins().jump(blk, &[]);
                    return Ok(());
                }
                self.done.insert(*l);
                let blk = self.block(*l);
                if self.b.current_block() != Some(blk) {
                    self.b.ins().jump(blk, &[]);
                    self.b.switch_to_block(blk);
                }
                pos += 1;
                continue;
            }
            self.pos = pos;
            if self.op(op, pos)? {
                return Ok(());
            }
            pos += 1;
        }
    }

    /// Emits one instruction; true when it ended the block.
    fn op(&mut self, op: &Op, pos: usize) -> Result<bool, LowerError> {
        match op {
            Op::Label(_) | Op::Line(_) => {}
            Op::FuncInfo { arity, .. } => {
                // The arguments go to the X array: the stack trace shows them.
                self.spill(*arity);
                let at = self.iconst(pos as i64);
                self.raise(RaiseKind::FunctionClause, at);
                return Ok(true);
            }
            Op::TestYield { live } => self.test_yield(*live),
            Op::Move { src, dst } => {
                let v = self.src(src);
                self.dst(*dst, v);
            }
            Op::Swap(a, c) => {
                let va = self.src(&dst_src(*a));
                let vc = self.src(&dst_src(*c));
                self.dst(*a, vc);
                self.dst(*c, va);
            }
            Op::Allocate {
                stack, heap, live, ..
            } => self.allocate(*stack, *heap, *live, pos),
            Op::InitYregs(ys) => {
                let nil = self.iconst(term::IMMED2_NIL as i64);
                for &y in ys {
                    self.set_y(y, nil);
                }
            }
            Op::Deallocate(n) => self.deallocate(*n),
            Op::Trim { n, .. } => {
                let e = self.b.use_var(self.e);
                let cp = self.b.ins().load(I32, flags(), e, 0);
                let e2 = self.b.ins().iadd_imm_s(e, 4 * *n as i64);
                self.b.ins().store(flags(), cp, e2, 0);
                self.b.def_var(self.e, e2);
            }
            Op::TestHeap { words, live } => self.heap_check(*words, *live),
            Op::Return => {
                let cp = self.b.use_var(self.cp);
                self.return_to(cp);
                return Ok(true);
            }
            Op::Call {
                arity,
                label,
                tail,
                dealloc,
            } => {
                let callee = self
                    .labels
                    .function_of_entry(*label)
                    .ok_or(LowerError::MissingLabel(*label))? as u32;
                if *tail {
                    if let Some(n) = dealloc {
                        self.deallocate(*n);
                    }
                    let cp = self.b.use_var(self.cp);
                    self.transfer(Ok(callee), cp, *arity);
                } else {
                    let cp = self.continuation(pos);
                    self.transfer(Ok(callee), cp, *arity);
                }
                return Ok(true);
            }
            Op::CallExt {
                arity,
                import,
                tail,
                dealloc,
            } => return self.call_ext(*arity, *import, *tail, *dealloc, pos),
            Op::Apply {
                arity,
                tail,
                dealloc,
            } => {
                self.spill(arity + 2);
                let n = self.iconst(*arity as i64);
                let addr = self
                    .call_rt(RtFn::Apply, &[self.s, n])
                    .expect("rt_apply returns an address");
                self.check_pending(addr);
                let cp = if *tail {
                    if let Some(n) = dealloc {
                        self.deallocate(*n);
                    }
                    self.b.use_var(self.cp)
                } else {
                    self.continuation(pos)
                };
                // The arguments go from the X array (spilled above), x0 too: rt_apply may
                // have put others there (under the real boot, error_handler's
                // `undefined_function(M, F, Args)` for a module not loaded yet,
                // vm/src/lazy.rs), and x1.. need no second store.
                let x0 = machine::load_x(&mut self.b, self.s, 0);
                let p = self.pinned();
                let sig = self.seg_sig;
                self.b
                    .ins()
                    .return_call_indirect(sig, addr, &[p.s, p.htop, p.e, p.fcalls, cp, x0]);
                return Ok(true);
            }
            Op::Try { y, label } => {
                let (func, lpos) = self
                    .labels
                    .position(*label)
                    .ok_or(LowerError::MissingLabel(*label))?;
                // The handler gets x0 (the non-value) as its parameter and class, reason
                // and stack trace in x1..x3 from the X array.
                let handler = SegStart {
                    func,
                    pos: lpos,
                    live: 4,
                };
                let n = self.table.catch_number((self.func, pos), handler);
                let tag = self.iconst(self.env.catch_tag(n) as i32 as i64);
                self.set_y(*y, tag);
            }
            Op::TryEnd(y) => {
                let nil = self.iconst(term::IMMED2_NIL as i64);
                self.set_y(*y, nil);
            }
            Op::TryCase(y) => {
                let nil = self.iconst(term::IMMED2_NIL as i64);
                self.set_y(*y, nil);
                for i in 0..3 {
                    let v = self.x(i + 1);
                    self.set_x(i, v);
                }
            }
            Op::CatchEnd(y) => {
                let nil = self.iconst(term::IMMED2_NIL as i64);
                self.set_y(*y, nil);
                let x0 = self.x(0);
                let (slow, done) = (self.b.create_block(), self.b.create_block());
                self.b.append_block_param(done, I32);
                self.b.ins().brif(x0, done, &[x0.into()], slow, &[]);
                self.b.switch_to_block(slow);
                self.b.set_cold_block(slow);
                let (class, reason) = (self.x(1), self.x(2));
                let v = self
                    .call_rt(RtFn::CatchValue, &[self.s, class, reason])
                    .expect("rt_catch_value returns a term");
                self.b.ins().jump(done, &[v.into()]);
                self.b.switch_to_block(done);
                let v = self.b.block_params(done)[0];
                self.set_x(0, v);
            }
            Op::LoopRec { fail } => {
                // Message RecvIdx straight from the mailbox view while it is in range
                // (runtime/src/mailbox.rs); past its end the runtime looks.
                let i = machine::load_field(&mut self.b, self.s, Field::RecvIdx);
                let n = machine::load_field(&mut self.b, self.s, Field::RecvLen);
                let (fast, slow, ok) = (
                    self.b.create_block(),
                    self.b.create_block(),
                    self.b.create_block(),
                );
                self.b.append_block_param(ok, I32);
                let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, i, n);
                self.b.ins().brif(inside, fast, &[], slow, &[]);
                self.b.switch_to_block(fast);
                let base = machine::load_field(&mut self.b, self.s, Field::RecvBase);
                let off = self.b.ins().ishl_imm_u(i, 2);
                let addr = self.b.ins().iadd(base, off);
                let m = self.b.ins().load(I32, flags(), addr, 0);
                self.b.ins().jump(ok, &[m.into()]);
                self.b.switch_to_block(slow);
                self.b.set_cold_block(slow);
                let m = self
                    .call_rt(RtFn::RecvPeek, &[self.s])
                    .expect("rt_recv_peek returns a term");
                let none = self.target(*fail);
                self.b.ins().brif(m, ok, &[m.into()], none, &[]);
                self.b.switch_to_block(ok);
                let m = self.b.block_params(ok)[0];
                self.set_x(0, m);
            }
            Op::LoopRecEnd(l) => {
                let i = machine::load_field(&mut self.b, self.s, Field::RecvIdx);
                let i2 = self.b.ins().iadd_imm_s(i, 1);
                machine::store_field(&mut self.b, self.s, Field::RecvIdx, i2);
                let blk = self.target(*l);
                self.b.ins().jump(blk, &[]);
                return Ok(true);
            }
            Op::RemoveMessage => {
                self.spill(0);
                self.call_rt(RtFn::RecvRemove, &[self.s]);
                self.unspill(0);
            }
            Op::RecvMarker(m) => {
                let zero = self.iconst(0);
                let (kind, a, b, dst) = match m {
                    RecvMarker::Reserve(d) => (MarkerOp::Reserve, zero, zero, Some(*d)),
                    RecvMarker::Bind { marker, reference } => {
                        (MarkerOp::Bind, self.src(marker), self.src(reference), None)
                    }
                    RecvMarker::Clear(r) => (MarkerOp::Clear, self.src(r), zero, None),
                    RecvMarker::Use(r) => (MarkerOp::Use, self.src(r), zero, None),
                };
                let k = self.iconst(kind as u32 as i64);
                let v = self
                    .call_rt(RtFn::RecvMarker, &[self.s, k, a, b])
                    .expect("rt_recv_marker returns a word");
                if let Some(d) = dst {
                    self.dst(d, v);
                }
            }
            Op::Wait(l) => {
                let resume = self.label_segment(*l, 0)?;
                let inf = self.iconst(self.env.atom_named("infinity") as i32 as i64);
                self.wait(resume, inf);
                return Ok(true);
            }
            Op::WaitTimeout { label, timeout } => {
                let t = self.src(timeout);
                let resume = self.label_segment(*label, 0)?;
                let after = self.continuation(pos);
                machine::store_field(&mut self.b, self.s, Field::TimeoutResume, after);
                self.wait(resume, t);
                return Ok(true);
            }
            Op::Rethrow { trace, value } => {
                // The raw stack trace is the class (traces are not recorded): this is
                // `erlang:raise(Class, Value, [])`.
                let bif = self.env.bif("erlang", "raise", 3).unwrap_or(u32::MAX);
                let args = [trace.clone(), value.clone(), Src::Nil];
                self.call_bif(bif, 0, None, &args, Dst::X(0));
                // Not reached: raise/3 always raises.
                self.leave_pending();
                return Ok(true);
            }
            Op::Timeout => {
                let zero = self.iconst(0);
                machine::store_field(&mut self.b, self.s, Field::RecvIdx, zero);
            }
            Op::Send => {
                let bif = self.env.bif("erlang", "!", 2).unwrap_or(u32::MAX);
                let args = [
                    Src::Reg(Reg::X(0), Known::default()),
                    Src::Reg(Reg::X(1), Known::default()),
                ];
                self.call_bif(bif, 0, Some(2), &args, Dst::X(0));
            }
            Op::GetMapElements { fail, map, pairs } => {
                let m = self.src(map);
                let mut vals = Vec::with_capacity(pairs.len());
                for (k, _) in pairs {
                    let key = self.src(k);
                    let v = self
                        .call_rt(RtFn::MapGet, &[m, key])
                        .expect("rt_map_get returns a term");
                    let ok = self.b.create_block();
                    let blk = self.target(*fail);
                    self.b.ins().brif(v, ok, &[], blk, &[]);
                    self.b.switch_to_block(ok);
                    vals.push(v);
                }
                for ((_, d), v) in pairs.iter().zip(vals) {
                    self.dst(*d, v);
                }
            }
            Op::HasMapFields { fail, map, keys } => {
                let m = self.src(map);
                for k in keys {
                    let key = self.src(k);
                    let v = self
                        .call_rt(RtFn::MapGet, &[m, key])
                        .expect("rt_map_get returns a term");
                    let ok = self.b.create_block();
                    let blk = self.target(*fail);
                    self.b.ins().brif(v, ok, &[], blk, &[]);
                    self.b.switch_to_block(ok);
                }
            }
            Op::PutMap {
                fail,
                map,
                dst,
                live,
                exact,
                pairs,
            } => {
                let m = self.src(map);
                let vals: Vec<(Value, Value)> = pairs
                    .iter()
                    .map(|(k, v)| (self.src(k), self.src(v)))
                    .collect();
                // The pairs go to the X registers above the live ones (free by BEAM's
                // rules), where the runtime reads them.
                for (i, (k, v)) in vals.into_iter().enumerate() {
                    let at = live + 2 * i as u32;
                    machine::store_x(&mut self.b, self.s, at, k);
                    machine::store_x(&mut self.b, self.s, at + 1, v);
                }
                let first = *live | if *exact { 1 << 31 } else { 0 };
                let (f, n) = (
                    self.iconst(first as i32 as i64),
                    self.iconst(pairs.len() as i64),
                );
                let r = self
                    .call_rt(RtFn::MapPut, &[self.s, m, f, n])
                    .expect("rt_map_put returns a term");
                if *fail != 0 {
                    let ok = self.b.create_block();
                    let blk = self.target(*fail);
                    self.b.ins().brif(r, ok, &[], blk, &[]);
                    self.b.switch_to_block(ok);
                } else {
                    self.check_pending(r);
                }
                self.dst(*dst, r);
            }
            Op::Bif {
                import,
                fail,
                live,
                args,
                dst,
            } => self.bif(*import, *fail, *live, args, *dst)?,
            Op::Test { test, fail, args } => self.test(*test, *fail, args),
            Op::Jump(l) => {
                let blk = self.target(*l);
                self.b.ins().jump(blk, &[]);
                return Ok(true);
            }
            Op::SelectVal { src, fail, cases } => {
                let v = self.src(src);
                for (val, l) in cases {
                    let w = self.src(val);
                    let hit = self.b.ins().icmp(IntCC::Equal, v, w);
                    let blk = self.target(*l);
                    let next = self.b.create_block();
                    self.b.ins().brif(hit, blk, &[], next, &[]);
                    self.b.switch_to_block(next);
                }
                let blk = self.target(*fail);
                self.b.ins().jump(blk, &[]);
                return Ok(true);
            }
            Op::SelectTupleArity { src, fail, cases } => {
                let t = self.src(src);
                let header = self
                    .b
                    .ins()
                    .load(I32, flags(), t, -(term::PRIMARY_BOXED as i32));
                for (n, l) in cases {
                    let hit = self.b.ins().icmp_imm_s(IntCC::Equal, header, arityval(*n));
                    let blk = self.target(*l);
                    let next = self.b.create_block();
                    self.b.ins().brif(hit, blk, &[], next, &[]);
                    self.b.switch_to_block(next);
                }
                let blk = self.target(*fail);
                self.b.ins().jump(blk, &[]);
                return Ok(true);
            }
            Op::PutList { head, tail, dst } => {
                let (h, t) = (self.src(head), self.src(tail));
                let p = self.heap_alloc(2);
                self.b.ins().store(flags(), h, p, 0);
                self.b.ins().store(flags(), t, p, 4);
                let cons = self.b.ins().iadd_imm_s(p, term::PRIMARY_LIST as i64);
                self.dst(*dst, cons);
            }
            Op::PutTuple { dst, elems } => {
                let vals: Vec<Value> = elems.iter().map(|s| self.src(s)).collect();
                let p = self.heap_alloc(vals.len() as u32 + 1);
                let h = self.iconst(arityval(vals.len() as u32));
                self.b.ins().store(flags(), h, p, 0);
                for (i, v) in vals.into_iter().enumerate() {
                    self.b.ins().store(flags(), v, p, 4 * (i as i32 + 1));
                }
                let boxed = self.b.ins().iadd_imm_s(p, term::PRIMARY_BOXED as i64);
                self.dst(*dst, boxed);
            }
            Op::GetList { src, head, tail } => {
                let l = self.src(src);
                let off = -(term::PRIMARY_LIST as i32);
                let h = self.b.ins().load(I32, flags(), l, off);
                let t = self.b.ins().load(I32, flags(), l, off + 4);
                self.dst(*head, h);
                self.dst(*tail, t);
            }
            Op::GetHd { src, dst } | Op::GetTl { src, dst } => {
                let l = self.src(src);
                let off = -(term::PRIMARY_LIST as i32)
                    + if matches!(op, Op::GetTl { .. }) { 4 } else { 0 };
                let v = self.b.ins().load(I32, flags(), l, off);
                self.dst(*dst, v);
            }
            Op::GetTupleElement { src, index, dst } => {
                let t = self.src(src);
                let off = 4 * (*index as i32 + 1) - term::PRIMARY_BOXED as i32;
                let v = self.b.ins().load(I32, flags(), t, off);
                self.dst(*dst, v);
            }
            Op::SetTupleElement {
                value,
                tuple,
                index,
            } => {
                let (v, t) = (self.src(value), self.src(tuple));
                let off = 4 * (*index as i32 + 1) - term::PRIMARY_BOXED as i32;
                self.b.ins().store(flags(), v, t, off);
            }
            Op::Badmatch(s) | Op::CaseEnd(s) | Op::TryCaseEnd(s) => {
                let kind = match op {
                    Op::Badmatch(_) => RaiseKind::Badmatch,
                    Op::CaseEnd(_) => RaiseKind::CaseClause,
                    _ => RaiseKind::TryClause,
                };
                let v = self.src(s);
                self.raise(kind, v);
                return Ok(true);
            }
            Op::IfEnd => {
                let v = self.iconst(0);
                self.raise(RaiseKind::IfClause, v);
                return Ok(true);
            }
            Op::MakeFun { lambda, dst, env } => self.make_fun(*lambda, *dst, env)?,
            Op::CallFun { arity, fun } => {
                let f = self.src(fun);
                let n = self.iconst(*arity as i64);
                // The arguments in the X array too: `badarity` reports them.
                let mem_x = self.mem_x;
                for i in (0..*arity).filter(|&i| !in_memory(mem_x, i)) {
                    let v = self.x(i);
                    machine::store_x(&mut self.b, self.s, i, v);
                }
                let addr = self
                    .call_rt(RtFn::CallFun, &[self.s, f, n])
                    .expect("rt_call_fun returns an address");
                self.check_pending(addr);
                // The runtime stored the fun's environment in x(arity)...; the arguments
                // are in the X array (stored above). x0 goes in a register: take it from
                // the X array, not the SSA x0: with no arguments it is the first free
                // variable, and for a fun of code that is not loaded the runtime may have
                // put error_handler's `undefined_lambda(Module, Fun, Args)` in x0..x2
                // (vm/src/unloaded_fun.rs).
                let x0 = machine::load_x(&mut self.b, self.s, 0);
                let cp = self.continuation(pos);
                let p = self.pinned();
                let sig = self.seg_sig;
                self.b
                    .ins()
                    .return_call_indirect(sig, addr, &[p.s, p.htop, p.e, p.fcalls, cp, x0]);
                return Ok(true);
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
            | Op::BsSetPosition { .. } => return self.bits_op(op),
            Op::FloatMove { .. }
            | Op::FloatConv { .. }
            | Op::FloatStore { .. }
            | Op::FloatArith { .. }
            | Op::RawRaise
            | Op::Badrecord(_) => return self.float_op(op),
            Op::Unsupported(ins) => {
                let n = self.iconst(tags::small_const(i64::from(ins.op.number)).unwrap_or(0));
                self.raise(RaiseKind::NotImplemented, n);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `make_fun3`: the fun is built inline on the heap (the compiler's `test_heap`
    /// reserved its words): header, the lambda's entry address, an unused word, arity,
    /// free-variable count, creator pid, environment (runtime `construct::fun` layout).
    fn make_fun(&mut self, lambda: u32, dst: Dst, env: &[Src]) -> Result<(), LowerError> {
        let l = *self
            .m
            .lambdas
            .get(lambda as usize)
            .ok_or(LowerError::Lambda(lambda))?;
        let func = self
            .labels
            .function_of_entry(l.label)
            .ok_or(LowerError::MissingLabel(l.label))? as u32;
        let vals: Vec<Value> = env.iter().map(|s| self.src(s)).collect();
        let nf = vals.len() as u32;
        let r = self.seg_ref(func);
        let entry = self.b.ins().func_addr(I32, r);
        let p = self.heap_alloc(6 + nf);
        let header = ((5 + nf) << term::HEADER_ARITY_OFFS) | term::FUN_SUBTAG;
        let words = [
            self.iconst(header as i64),
            entry,
            self.iconst(0),
            self.iconst(l.arity.saturating_sub(l.num_free) as i64),
            self.iconst(nf as i64),
            machine::load_field(&mut self.b, self.s, Field::SelfPid),
        ];
        for (i, w) in words.into_iter().chain(vals).enumerate() {
            self.b.ins().store(flags(), w, p, 4 * i as i32);
        }
        let fun = self.b.ins().iadd_imm_s(p, term::PRIMARY_BOXED as i64);
        self.dst(dst, fun);
        Ok(())
    }

    fn test_yield(&mut self, live: u32) {
        let f = self.b.use_var(self.fcalls);
        // Not `iadd f, -1`: the mid-end rematerialises an add of a constant in every block
        // that uses it, which keeps the old FCALLS alive in a second register and repeats
        // the subtraction before each exit. The overflow form is one SUBS and stays put
        // (FCALLS never gets near i32::MIN: it starts at the reduction budget).
        let one = self.iconst(1);
        let (f2, _) = self.b.ins().ssub_overflow(f, one);
        self.b.def_var(self.fcalls, f2);
        // `f <= 1` rather than `f2 <= 0`: the same test (f2 cannot wrap), but it compares
        // the subtraction's own operands, so the backend branches on the flags SUBS left
        // (`subs; ble`, as the templates do) instead of adding `cmp f2, #0`.
        let out = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, f, one);
        let yield_blk = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(out, yield_blk, &[], cont, &[]);
        self.b.switch_to_block(yield_blk);
        self.b.set_cold_block(yield_blk);
        self.spill(live);
        // Resume at this very segment: the entry test runs again with a fresh budget.
        let me = self.seg_ref(self.this_segment);
        let addr = self.b.ins().func_addr(I32, me);
        machine::store_field(&mut self.b, self.s, Field::Resume, addr);
        let cp = self.b.use_var(self.cp);
        machine::store_field(&mut self.b, self.s, Field::Cp, cp);
        let l = self.iconst(live as i64);
        machine::store_field(&mut self.b, self.s, Field::Live, l);
        let step = self.iconst(StepCode::Yield as i64);
        self.leave(step);
        self.b.switch_to_block(cont);
    }

    fn import_name(&self, import: u32) -> Result<(&str, &str, u32), LowerError> {
        let i = self
            .m
            .imports
            .get(import as usize)
            .ok_or(LowerError::Import(import))?;
        Ok((self.m.atom(i.module), self.m.atom(i.function), i.arity))
    }

    fn call_ext(
        &mut self,
        arity: u32,
        import: u32,
        tail: bool,
        dealloc: Option<u32>,
        pos: usize,
    ) -> Result<bool, LowerError> {
        let (module, function, a) = self.import_name(import)?;
        if module == "erlang" && function == "apply" && (a == 2 || a == 3) {
            // The runtime spreads the argument list into x0... and finds the callee.
            self.spill(a);
            let kind = self.iconst(i64::from(a));
            let addr = self
                .call_rt(RtFn::ApplyList, &[self.s, kind])
                .expect("rt_apply_list returns an address");
            self.check_pending(addr);
            let x0 = machine::load_x(&mut self.b, self.s, 0);
            self.set_x(0, x0);
            let cp = if tail {
                if let Some(n) = dealloc {
                    self.deallocate(n);
                }
                self.b.use_var(self.cp)
            } else {
                self.continuation(pos)
            };
            self.transfer(Err(addr), cp, 1);
            return Ok(true);
        }
        if let Some(bif) = self.env.bif(module, function, a) {
            // A BIF called as a function: the arguments are x0..x(arity-1); the result
            // is x0; then return if it was a tail call.
            let args: Vec<Src> = (0..arity)
                .map(|i| Src::Reg(Reg::X(i), Known::default()))
                .collect();
            self.call_bif(bif, 0, Some(arity), &args, Dst::X(0));
            if tail {
                if let Some(n) = dealloc {
                    self.deallocate(n);
                }
                let cp = self.b.use_var(self.cp);
                self.return_to(cp);
                return Ok(true);
            }
            return Ok(false);
        }
        // A remote Erlang function: through its export cell.
        let cell_gv = {
            let name = self
                .b
                .func
                .declare_imported_user_function(UserExternalName::new(NS_EXPORT_CELL, import));
            self.b
                .func
                .create_global_value(cranelift_codegen::ir::GlobalValueData::Symbol {
                    name: ExternalName::user(name),
                    offset: 0.into(),
                    colocated: false,
                    tls: false,
                })
        };
        let cell = self.b.ins().symbol_value(I32, cell_gv);
        let addr = self.b.ins().load(I32, flags(), cell, 0);
        if tail {
            if let Some(n) = dealloc {
                self.deallocate(n);
            }
            let cp = self.b.use_var(self.cp);
            self.transfer(Err(addr), cp, arity);
        } else {
            let cp = self.continuation(pos);
            self.transfer(Err(addr), cp, arity);
        }
        Ok(true)
    }

    fn bif(
        &mut self,
        import: u32,
        fail: u32,
        live: Option<u32>,
        args: &[Src],
        dst: Dst,
    ) -> Result<(), LowerError> {
        let (module, function, a) = self.import_name(import)?;
        let (module, function) = (module.to_string(), function.to_string());
        if module == "erlang"
            && args.len() == 2
            && matches!(
                function.as_str(),
                "+" | "-" | "*" | "band" | "bor" | "bxor" | "div" | "rem"
            )
        {
            return {
                self.arith(&function, fail, live, import, args, dst);
                Ok(())
            };
        }
        match self.env.bif(&module, &function, a) {
            Some(bif) => self.call_bif(bif, fail, live, args, dst),
            None => {
                let n = self.iconst(tags::small_const(i64::from(import)).unwrap_or(0));
                self.raise(RaiseKind::NotImplemented, n);
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
            }
        }
        Ok(())
    }

    /// `+ - * band bor bxor div rem` with the small-integer fast path inline (tag test,
    /// the operation on the tagged words, a branch on overflow) and the BIF for everything
    /// else: bignums, floats, errors (`div`/`rem` by zero take the BIF, which raises
    /// `badarith`; so does `div` by -1, whose one overflowing case is MIN_SMALL div -1).
    fn arith(
        &mut self,
        op: &str,
        fail: u32,
        live: Option<u32>,
        import: u32,
        args: &[Src],
        dst: Dst,
    ) {
        let (a, c) = (self.src(&args[0]), self.src(&args[1]));
        let known_small = |s: &Src| match s {
            Src::Reg(_, k) => k.small_int(),
            Src::Int(n) => tags::small_const(*n).is_some(),
            _ => false,
        };
        let slow = self.b.create_block();
        let done = self.b.create_block();
        self.b.append_block_param(done, I32);
        let mut fast_if = None;
        if !(known_small(&args[0]) && known_small(&args[1])) {
            let (ta, tc) = (self.tag_view(a, &args[0]), self.tag_view(c, &args[1]));
            fast_if = Some(tags::both_small(&mut self.b, ta, tc));
        }
        // The divisors the fast path cannot take (a constant divisor folds these away).
        let excluded: &[i64] = match op {
            "rem" => &[0],
            "div" => &[0, -1],
            _ => &[],
        };
        for &n in excluded {
            let tagged = tags::small_const(n).expect("small");
            let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, c, tagged);
            fast_if = Some(match fast_if {
                Some(f) => self.b.ins().band(f, ok),
                None => ok,
            });
        }
        if let Some(cond) = fast_if {
            let fast = self.b.create_block();
            self.b.ins().brif(cond, fast, &[], slow, &[]);
            self.b.switch_to_block(fast);
        }
        let with_ovf = |(r, o): (Value, Value)| (r, Some(o));
        let (fa, fc) = (self.small_view(a, &args[0]), self.small_view(c, &args[1]));
        let (r, ovf) = match op {
            "+" => with_ovf(tags::add_smalls(&mut self.b, fa, fc)),
            "-" => with_ovf(tags::sub_smalls(&mut self.b, fa, fc)),
            "*" => with_ovf(tags::mul_smalls(&mut self.b, fa, fc)),
            _ => (tags::exact_smalls(&mut self.b, op, fa, fc), None),
        };
        match ovf {
            Some(ovf) => {
                self.b.ins().brif(ovf, slow, &[], done, &[r.into()]);
            }
            None => {
                self.b.ins().jump(done, &[r.into()]);
            }
        }
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        // Integers within 64 bits: the runtime's direct path (bignum loops), the BIF when
        // it answers 0. Not under GC stress, where the BIF's allocation collects.
        let code = ["+", "-", "*"].iter().position(|o| *o == op);
        if let (Some(code), false) = (code, self.env.gc_stress()) {
            let k = self.iconst(code as i64);
            let r = self
                .call_rt(RtFn::IntArith, &[self.s, k, a, c])
                .expect("returns a term");
            let general = self.b.create_block();
            self.b.set_cold_block(general);
            self.b.ins().brif(r, done, &[r.into()], general, &[]);
            self.b.switch_to_block(general);
        }
        let (module, function, arity) = self
            .import_name(import)
            .map(|(m, f, a)| (m.to_string(), f.to_string(), a))
            .unwrap_or_default();
        let bif = self.env.bif(&module, &function, arity).unwrap_or(u32::MAX);
        let v = self.bif_value(bif, fail, live, &[a, c]);
        self.b.ins().jump(done, &[v.into()]);
        self.b.switch_to_block(done);
        let r = self.b.block_params(done)[0];
        self.dst(dst, r);
    }

    fn call_bif(&mut self, bif: u32, fail: u32, live: Option<u32>, args: &[Src], dst: Dst) {
        let vals: Vec<Value> = args.iter().map(|s| self.src(s)).collect();
        let v = self.bif_value(bif, fail, live, &vals);
        self.dst(dst, v);
    }

    /// Calls BIF number `bif` and returns its result; on failure jumps to `fail` (a guard)
    /// or leaves with the pending exception.
    fn bif_value(&mut self, bif: u32, fail: u32, live: Option<u32>, args: &[Value]) -> Value {
        let live = live.unwrap_or(0);
        self.spill(live);
        let mut call_args = vec![self.s, self.iconst(bif as i64)];
        // At most two arguments: `rt_bif2`, all in registers (see RtFn::Bif2).
        let (f, n) = if args.len() <= 2 {
            (RtFn::Bif2, 2)
        } else {
            (RtFn::Bif, 3)
        };
        for i in 0..n {
            let v = match args.get(i) {
                Some(&v) => v,
                None => self.iconst(0),
            };
            call_args.push(v);
        }
        let r = self.call_rt(f, &call_args).expect("rt_bif returns a term");
        self.unspill(live);
        if fail != 0 {
            let ok = self.b.create_block();
            let blk = self.target(fail);
            self.b.ins().brif(r, ok, &[], blk, &[]);
            self.b.switch_to_block(ok);
        } else {
            self.check_pending(r);
        }
        r
    }

    /// A test: continues when it holds, jumps to `fail` when not.
    fn test(&mut self, test: Test, fail: u32, args: &[Src]) {
        let vals: Vec<Value> = args.iter().map(|s| self.src(s)).collect();
        if matches!(test, Test::IsLt | Test::IsGe) {
            return self.compare_branch(test, fail, &vals, args);
        }
        let holds = self.test_value(test, &vals, args);
        let ok = self.b.create_block();
        let blk = self.target(fail);
        self.b.ins().brif(holds, ok, &[], blk, &[]);
        self.b.switch_to_block(ok);
    }

    /// `is_lt`/`is_ge` as branches: the small-integer compare branches straight to the
    /// next instruction or the fail label (a compare-and-branch, no truth value), and the
    /// runtime's term order decides on a cold path. Operands known to be small integers
    /// (types, constants) skip the tag test.
    fn compare_branch(&mut self, test: Test, fail: u32, v: &[Value], args: &[Src]) {
        let cc = if test == Test::IsLt {
            IntCC::SignedLessThan
        } else {
            IntCC::SignedGreaterThanOrEqual
        };
        let known_small = |s: &Src| match s {
            Src::Reg(_, k) => k.small_int(),
            Src::Int(n) => tags::small_const(*n).is_some(),
            _ => false,
        };
        let ok = self.b.create_block();
        let blk = self.target(fail);
        let fast = self.b.create_block();
        match (known_small(&args[0]), known_small(&args[1])) {
            (true, true) => {
                self.b.ins().jump(fast, &[]);
            }
            (a_small, _) => {
                let slow = self.b.create_block();
                let (t0, t1) = (self.tag_view(v[0], &args[0]), self.tag_view(v[1], &args[1]));
                let both = if a_small {
                    tags::is_small(&mut self.b, t1)
                } else if known_small(&args[1]) {
                    tags::is_small(&mut self.b, t0)
                } else {
                    tags::both_small(&mut self.b, t0, t1)
                };
                self.b.ins().brif(both, fast, &[], slow, &[]);
                self.b.switch_to_block(slow);
                self.b.set_cold_block(slow);
                let c = self.call_rt(RtFn::Compare, &[v[0], v[1]]).expect("i32");
                let r = self.b.ins().icmp_imm_s(cc, c, 0);
                self.b.ins().brif(r, ok, &[], blk, &[]);
            }
        }
        self.b.switch_to_block(fast);
        let r = tags::cmp_smalls(&mut self.b, cc, v[0], v[1]);
        self.b.ins().brif(r, ok, &[], blk, &[]);
        self.b.switch_to_block(ok);
    }

    /// Whether operand `v` (from `s`) is a constant that is never a small integer: a
    /// literal, bignum or float operand, or a register holding such a constant (or an
    /// atom) in this block, as the DFG shows it while lowering.
    fn never_small(&self, v: Value, s: &Src) -> bool {
        if matches!(s, Src::Literal(_) | Src::BigInt(_) | Src::Float(_)) {
            return true;
        }
        let dfg = &self.b.func.dfg;
        match dfg.value_def(dfg.resolve_aliases(v)) {
            ValueDef::Result(inst, _) => matches!(
                dfg.insts[inst],
                InstructionData::UnaryImm { opcode: Opcode::Iconst, imm }
                    if (imm.bits() as u32) & term::IMMED1_MASK != term::IMMED1_SMALL
            ),
            _ => false,
        }
    }

    /// What the small-integer fast path of an operation computes with for operand `v`:
    /// `v`, or the small 0 for a constant that is never a small (the path is dead then,
    /// behind a tag test that fails). A literal's word is its address, which differs
    /// between VMs: values the fast path derives from it (`lit >> 4`, a double of it)
    /// would be constants the native-code cache cannot relocate (docs/cache.md).
    pub(super) fn small_view(&mut self, v: Value, s: &Src) -> Value {
        if self.never_small(v, s) {
            let zero = tags::small_const(0).expect("small");
            self.b.ins().iconst(I32, zero)
        } else {
            v
        }
    }

    /// What a small-integer tag test sees of operand `v` (from `s`): `v` itself, or 0
    /// (no small) for a constant that is never a small integer. A literal's word is its
    /// address, which differs between VMs: folded into a tag test it would make an
    /// immediate the native-code cache cannot relocate (docs/cache.md), and the test
    /// is false anyway.
    fn tag_view(&mut self, v: Value, s: &Src) -> Value {
        match s {
            Src::Literal(_) | Src::BigInt(_) | Src::Float(_) => self.b.ins().iconst(I32, 0),
            _ => v,
        }
    }

    fn rt_bool(&mut self, f: RtFn, a: Value, c: Value) -> Value {
        let r = self.call_rt(f, &[a, c]).expect("returns i32");
        self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0)
    }

    fn is_type(&mut self, t: Value, kind: TypeKind) -> Value {
        let k = self.iconst(kind as i64);
        self.rt_bool(RtFn::IsType, t, k)
    }

    /// An `i8` truth value of `test` on `v`, with fast paths inline and the runtime for
    /// the rest (emitted as a diamond so the fast case costs no call).
    fn test_value(&mut self, test: Test, v: &[Value], args: &[Src]) -> Value {
        let b = &mut self.b;
        match test {
            Test::IsEqExact | Test::IsNeExact => {
                let eq = self.exact_eq(v[0], v[1], args);
                if test == Test::IsEqExact {
                    eq
                } else {
                    self.not(eq)
                }
            }
            Test::IsEq | Test::IsNe => {
                let tags_of = (self.tag_view(v[0], &args[0]), self.tag_view(v[1], &args[1]));
                let eq = self.diamond(
                    v[0],
                    v[1],
                    tags_of,
                    |lw, a, c| {
                        // Both small: equal exactly when the words are.
                        lw.b.ins().icmp(IntCC::Equal, a, c)
                    },
                    RtFn::Eq,
                );
                if test == Test::IsEq {
                    eq
                } else {
                    self.not(eq)
                }
            }
            Test::IsLt | Test::IsGe => {
                let cc = if test == Test::IsLt {
                    IntCC::SignedLessThan
                } else {
                    IntCC::SignedGreaterThanOrEqual
                };
                let (t0, t1) = (self.tag_view(v[0], &args[0]), self.tag_view(v[1], &args[1]));
                let both = tags::both_small(&mut self.b, t0, t1);
                let fast = self.b.create_block();
                let slow = self.b.create_block();
                let done = self.b.create_block();
                self.b
                    .append_block_param(done, cranelift_codegen::ir::types::I8);
                self.b.ins().brif(both, fast, &[], slow, &[]);
                self.b.switch_to_block(fast);
                let r = tags::cmp_smalls(&mut self.b, cc, v[0], v[1]);
                self.b.ins().jump(done, &[r.into()]);
                self.b.switch_to_block(slow);
                let c = self.call_rt(RtFn::Compare, &[v[0], v[1]]).expect("i32");
                let r = self.b.ins().icmp_imm_s(cc, c, 0);
                self.b.ins().jump(done, &[r.into()]);
                self.b.switch_to_block(done);
                self.b.block_params(done)[0]
            }
            Test::IsInteger => {
                let small = tags::is_small(b, v[0]);
                self.or_slow(small, |lw| lw.is_type(v[0], TypeKind::Integer))
            }
            Test::IsNumber => {
                let small = tags::is_small(b, v[0]);
                self.or_slow(small, |lw| lw.is_type(v[0], TypeKind::Number))
            }
            Test::IsFloat => self.is_type(v[0], TypeKind::Float),
            Test::IsBinary => self.is_type(v[0], TypeKind::Binary),
            Test::IsBitstr => self.is_type(v[0], TypeKind::Bitstring),
            Test::IsMap => self.is_type(v[0], TypeKind::Map),
            Test::IsPid => self.is_type(v[0], TypeKind::Pid),
            Test::IsPort => self.is_type(v[0], TypeKind::Port),
            Test::IsReference => self.is_type(v[0], TypeKind::Reference),
            // is_function2 with a constant arity (the usual `is_function(F, 2)`): the
            // runtime checks the arity too (kind byte, then arity + 1 above it).
            Test::IsFunction2 => match args.get(1) {
                Some(&Src::Int(n)) if (0..=255).contains(&n) => {
                    let k = self.iconst(TypeKind::Function as i64 | ((n + 1) << 8));
                    self.rt_bool(RtFn::IsType, v[0], k)
                }
                _ => self.is_type(v[0], TypeKind::Function),
            },
            Test::IsFunction => self.is_type(v[0], TypeKind::Function),
            Test::IsAtom => tags::is_atom(b, v[0]),
            Test::IsNil => tags::is_nil(b, v[0]),
            // The operand is a term (a register or a constant).
            Test::IsNonemptyList => tags::term_is_list(b, v[0]),
            Test::IsList => {
                let l = tags::term_is_list(b, v[0]);
                let n = tags::is_nil(b, v[0]);
                b.ins().bor(l, n)
            }
            Test::IsBoolean => {
                let (t, f) = (self.env.atom_named("true"), self.env.atom_named("false"));
                let b = &mut self.b;
                let is_t = b.ins().icmp_imm_s(IntCC::Equal, v[0], t as i64);
                let is_f = b.ins().icmp_imm_s(IntCC::Equal, v[0], f as i64);
                b.ins().bor(is_t, is_f)
            }
            Test::IsTuple => {
                let boxed = tags::is_boxed(b, v[0]);
                self.and_then(boxed, |lw| {
                    let h = lw.header(v[0]);
                    let tag = lw.b.ins().band_imm_u(h, term::HEADER_TAG_MASK as i64);
                    lw.b.ins()
                        .icmp_imm_s(IntCC::Equal, tag, term::ARITYVAL_SUBTAG as i64)
                })
            }
            Test::TestArity(n) => {
                let h = self.header(v[0]);
                self.b.ins().icmp_imm_s(IntCC::Equal, h, arityval(n))
            }
            Test::IsTaggedTuple(n, atom) => {
                let boxed = tags::is_boxed(b, v[0]);
                let tag = self.env.atom(atom) as i64;
                self.and_then(boxed, |lw| {
                    let h = lw.header(v[0]);
                    let ar = lw.b.ins().icmp_imm_s(IntCC::Equal, h, arityval(n));
                    let first =
                        lw.b.ins()
                            .load(I32, flags(), v[0], 4 - term::PRIMARY_BOXED as i32);
                    let is_tag = lw.b.ins().icmp_imm_s(IntCC::Equal, first, tag);
                    lw.b.ins().band(ar, is_tag)
                })
            }
        }
    }

    /// The header word of a boxed term.
    fn header(&mut self, t: Value) -> Value {
        self.b
            .ins()
            .load(I32, flags(), t, -(term::PRIMARY_BOXED as i32))
    }

    /// `=:=`: equal words are equal; otherwise two terms can only be equal when both are
    /// boxed or lists (immediates are equal exactly when their words are).
    fn exact_eq(&mut self, a: Value, c: Value, args: &[Src]) -> Value {
        let immediate = |s: &Src| {
            matches!(s, Src::Atom(_) | Src::Nil)
                || matches!(s, Src::Int(n) if tags::small_const(*n).is_some())
        };
        let same = self.b.ins().icmp(IntCC::Equal, a, c);
        if args.iter().any(immediate) {
            return same;
        }
        self.or_slow(same, |lw| {
            // If either is an immediate (primary tag 11), unequal words mean unequal terms.
            let ea = lw.b.ins().band_imm_u(a, term::PRIMARY_MASK as i64);
            let ia =
                lw.b.ins()
                    .icmp_imm_s(IntCC::Equal, ea, term::PRIMARY_IMMED1 as i64);
            let ec = lw.b.ins().band_imm_u(c, term::PRIMARY_MASK as i64);
            let ic =
                lw.b.ins()
                    .icmp_imm_s(IntCC::Equal, ec, term::PRIMARY_IMMED1 as i64);
            let any_imm = lw.b.ins().bor(ia, ic);
            let structured = lw.not(any_imm);
            lw.and_then(structured, |lw| lw.rt_bool(RtFn::EqExact, a, c))
        })
    }

    /// Arithmetic `==`: for two smalls `fast`, else the runtime.
    fn diamond(
        &mut self,
        a: Value,
        c: Value,
        (ta, tc): (Value, Value),
        fast: impl FnOnce(&mut Self, Value, Value) -> Value,
        slow_fn: RtFn,
    ) -> Value {
        let both = tags::both_small(&mut self.b, ta, tc);
        let fast_blk = self.b.create_block();
        let slow = self.b.create_block();
        let done = self.b.create_block();
        self.b
            .append_block_param(done, cranelift_codegen::ir::types::I8);
        self.b.ins().brif(both, fast_blk, &[], slow, &[]);
        self.b.switch_to_block(fast_blk);
        let r = fast(self, a, c);
        self.b.ins().jump(done, &[r.into()]);
        self.b.switch_to_block(slow);
        let r = self.rt_bool(slow_fn, a, c);
        self.b.ins().jump(done, &[r.into()]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }

    /// `cond || slow()`, evaluating `slow` only when `cond` is false.
    fn or_slow(&mut self, cond: Value, slow: impl FnOnce(&mut Self) -> Value) -> Value {
        let slow_blk = self.b.create_block();
        let done = self.b.create_block();
        self.b
            .append_block_param(done, cranelift_codegen::ir::types::I8);
        let one = self.b.ins().iconst(cranelift_codegen::ir::types::I8, 1);
        self.b.ins().brif(cond, done, &[one.into()], slow_blk, &[]);
        self.b.switch_to_block(slow_blk);
        let r = slow(self);
        self.b.ins().jump(done, &[r.into()]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }

    /// `cond && then()`, evaluating `then` only when `cond` is true.
    fn and_then(&mut self, cond: Value, then: impl FnOnce(&mut Self) -> Value) -> Value {
        let then_blk = self.b.create_block();
        let done = self.b.create_block();
        self.b
            .append_block_param(done, cranelift_codegen::ir::types::I8);
        let zero = self.b.ins().iconst(cranelift_codegen::ir::types::I8, 0);
        self.b.ins().brif(cond, then_blk, &[], done, &[zero.into()]);
        self.b.switch_to_block(then_blk);
        let r = then(self);
        self.b.ins().jump(done, &[r.into()]);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }
}

/// Whether the segment starting at `start` is a return point: the continuation of a
/// non-tail call (live 1, right after the call). Only these are entered by returns; every
/// other segment with live 1 starts elsewhere (a function entry after its `func_info`, the
/// timeout continuation after `wait_timeout`), and label segments have live 0 or 4.
fn is_return_point(code: &[Op], start: SegStart) -> bool {
    start.live == 1
        && start.pos > 0
        && matches!(
            code.get(start.pos - 1),
            Some(
                Op::Call { tail: false, .. }
                    | Op::CallExt { tail: false, .. }
                    | Op::Apply { tail: false, .. }
                    | Op::CallFun { .. }
            )
        )
}

/// Whether bit `i` of a [`Lower::mem_x`] mask is set.
fn in_memory(mem_x: u64, i: u32) -> bool {
    i < 64 && mem_x & (1 << i) != 0
}

/// A destination read as a source (for `swap`).
fn dst_src(d: Dst) -> Src {
    match d {
        Dst::X(i) => Src::Reg(Reg::X(i), Known::default()),
        Dst::Y(i) => Src::Reg(Reg::Y(i), Known::default()),
    }
}
