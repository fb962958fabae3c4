//! Specific instructions: what the JIT lowers, made from the generic instructions the way
//! OTP's loader does with `ops.tab` (erts/emulator/beam/jit/arm/ops.tab).
//!
//! The transformation
//! - resolves operands into typed sources and destinations ([`Src`], [`Dst`]);
//! - drops what only the loader needs (`line` becomes [`Op::Line`] for stack traces,
//!   `label` stays: it is a branch target);
//! - inserts [`Op::TestYield`] at each function entry, as `i_test_yield` does;
//! - folds the allocation forms (`allocate`, `allocate_heap`, `allocate_zero`, ...) into
//!   one [`Op::Allocate`];
//! - uses the `Type` chunk: a type test whose operand the compiler has proven to have that
//!   type is dropped, and an arithmetic operand proven to be a small integer is marked so the
//!   lowering emits no tag check for it.
//!
//! Anything not handled yet becomes [`Op::Unsupported`] with its generic name, which the
//! lowering turns into a runtime error at that point: never a silent skip.

mod bits;
mod floats;

pub use floats::{FSrc, FloatOp};

use crate::compact::{AtomIndex, Operand, Reg};
use crate::model::{Function, Instruction, Module, TypeEntry};

/// Type bits of the OTP 25 `Type` chunk (`beam_types:ext_type_mapping/0`).
pub mod type_bits {
    pub const ATOM: u16 = 1 << 0;
    pub const BITSTRING: u16 = 1 << 1;
    pub const BS_CONTEXT: u16 = 1 << 2;
    pub const CONS: u16 = 1 << 3;
    pub const FLOAT: u16 = 1 << 4;
    pub const FUN: u16 = 1 << 5;
    pub const INTEGER: u16 = 1 << 6;
    pub const MAP: u16 = 1 << 7;
    pub const NIL: u16 = 1 << 8;
    pub const PID: u16 = 1 << 9;
    pub const PORT: u16 = 1 << 10;
    pub const REFERENCE: u16 = 1 << 11;
    pub const TUPLE: u16 = 1 << 12;
}

/// Smallest and largest small integer on a 32-bit BEAM (28-bit signed values).
const MIN_SMALL: i64 = -(1 << 27);
const MAX_SMALL: i64 = (1 << 27) - 1;

/// A value an instruction reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Src {
    /// An X or Y register, with what the compiler proved about its value.
    Reg(Reg, Known),
    /// An integer constant that fits `i64`.
    Int(i64),
    /// An integer constant outside `i64` (the lowering builds a bignum literal).
    BigInt(num_bigint::BigInt),
    Atom(AtomIndex),
    Nil,
    /// Index into the module's literal table (bignums, floats, lists, tuples, ...).
    Literal(u32),
    Float(f64),
}

/// What the `Type` chunk proves about a register's value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// Type bits (0 = nothing known).
    pub bits: u16,
    /// Integer range, when the value is known to be an integer in it.
    pub range: Option<(i64, i64)>,
}

impl Known {
    fn from_entry(e: &TypeEntry) -> Known {
        Known {
            bits: e.bits,
            range: e.range(),
        }
    }

    /// True when the value certainly has one of the types in `mask`.
    pub fn only(&self, mask: u16) -> bool {
        self.bits != 0 && self.bits & !mask == 0
    }

    /// True when the value is certainly a small integer.
    pub fn small_int(&self) -> bool {
        self.only(type_bits::INTEGER)
            && self
                .range
                .is_some_and(|(lo, hi)| lo >= MIN_SMALL && hi <= MAX_SMALL)
    }
}

/// Where an instruction writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dst {
    X(u32),
    Y(u32),
}

/// A conditional test that branches to `fail` when it does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Test {
    IsLt,
    IsGe,
    IsEq,
    IsNe,
    IsEqExact,
    IsNeExact,
    IsInteger,
    IsFloat,
    IsNumber,
    IsAtom,
    IsPid,
    IsReference,
    IsPort,
    IsNil,
    IsBinary,
    IsBitstr,
    IsList,
    IsNonemptyList,
    IsTuple,
    IsFunction,
    IsBoolean,
    IsMap,
    /// `test_arity`: a tuple of this size (the operand is known to be a tuple).
    TestArity(u32),
    /// `is_tagged_tuple`: a tuple of this size whose first element is this atom.
    IsTaggedTuple(u32, AtomIndex),
    /// `is_function2`: a fun of this arity.
    IsFunction2,
}

/// A specific instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Label(u32),
    /// Index into the line table (for stack traces).
    Line(u32),
    /// Raises `function_clause` for `{M, F, A}` with the arguments in x0..x(A-1).
    FuncInfo {
        module: AtomIndex,
        function: AtomIndex,
        arity: u32,
    },
    /// Charge one reduction; yield to the scheduler with `live` X registers when none is
    /// left (`i_test_yield` at every function entry).
    TestYield {
        live: u32,
    },
    Move {
        src: Src,
        dst: Dst,
    },
    Swap(Dst, Dst),
    /// A stack frame of `stack` Y slots (plus the saved CP), `heap` words checked free,
    /// `live` X registers live; Y slots set to `[]` when `zero`.
    Allocate {
        stack: u32,
        heap: u32,
        live: u32,
        zero: bool,
    },
    /// Sets these Y registers to `[]`.
    InitYregs(Vec<u32>),
    Deallocate(u32),
    /// Drops the `n` lowest Y slots of a frame that had `n + remaining`.
    Trim {
        n: u32,
        remaining: u32,
    },
    /// Ensures `words` free heap words, collecting with `live` X registers live.
    TestHeap {
        words: u32,
        live: u32,
    },
    Return,
    /// Local call to a label; `tail` for `call_last`/`call_only`; `dealloc` is the frame
    /// `call_last` drops first: `Some(0)` still pops the CP word (a frame without Y slots),
    /// `None` (call/call_only) has no frame to drop.
    Call {
        arity: u32,
        label: u32,
        tail: bool,
        dealloc: Option<u32>,
    },
    /// Remote call through an import (a BIF or an Erlang function, resolved at link time).
    CallExt {
        arity: u32,
        import: u32,
        tail: bool,
        dealloc: Option<u32>,
    },
    /// `apply/3` with the module, function and argument list in x(arity), x(arity+1)...
    Apply {
        arity: u32,
        tail: bool,
        dealloc: Option<u32>,
    },
    /// A guard or body BIF through an import: on failure jump to `fail` (a guard) or raise
    /// (`fail == 0`). `live` is `Some` for the `gc_bif` forms (which may collect).
    Bif {
        import: u32,
        fail: u32,
        live: Option<u32>,
        args: Vec<Src>,
        dst: Dst,
    },
    Test {
        test: Test,
        fail: u32,
        args: Vec<Src>,
    },
    Jump(u32),
    SelectVal {
        src: Src,
        fail: u32,
        cases: Vec<(Src, u32)>,
    },
    SelectTupleArity {
        src: Src,
        fail: u32,
        cases: Vec<(u32, u32)>,
    },
    PutList {
        head: Src,
        tail: Src,
        dst: Dst,
    },
    PutTuple {
        dst: Dst,
        elems: Vec<Src>,
    },
    GetList {
        src: Src,
        head: Dst,
        tail: Dst,
    },
    GetHd {
        src: Src,
        dst: Dst,
    },
    GetTl {
        src: Src,
        dst: Dst,
    },
    GetTupleElement {
        src: Src,
        index: u32,
        dst: Dst,
    },
    SetTupleElement {
        value: Src,
        tuple: Src,
        index: u32,
    },
    Badmatch(Src),
    CaseEnd(Src),
    IfEnd,
    /// Raises `{try_clause, Value}`.
    TryCaseEnd(Src),
    /// Builds a fun of lambda number `lambda` (an index into the `FunT` table) capturing
    /// `env` (`make_fun3`).
    MakeFun {
        lambda: u32,
        dst: Dst,
        env: Vec<Src>,
    },
    /// Calls the fun `fun` with x0..x(arity-1) (`call_fun2`, and `call_fun` with the fun
    /// in x(arity)); the result is x0.
    CallFun {
        arity: u32,
        fun: Src,
    },
    /// `try`/`catch`: stores a catch tag for the handler at `label` in `y` (the runtime
    /// finds it on the stack when an exception is raised).
    Try {
        y: u32,
        label: u32,
    },
    /// `try_end`: the protected code finished; clears the catch tag.
    TryEnd(u32),
    /// `try_case`: at a handler, clears the tag and moves class, reason and stacktrace
    /// from x1..x3 to x0..x2.
    TryCase(u32),
    /// `catch_end`: clears the tag; if an exception was caught (x0 is the non-value) x0
    /// becomes the value of the `catch` expression.
    CatchEnd(u32),
    /// `loop_rec`: x0 = the message at the receive position, or jump to `fail` when none.
    LoopRec {
        fail: u32,
    },
    /// `loop_rec_end`: step past the current message and jump back to the `loop_rec`.
    LoopRecEnd(u32),
    /// `remove_message`: take the current message out of the queue.
    RemoveMessage,
    /// `recv_marker_reserve`/`_bind`/`_clear`/`_use` (OTP 24+): a marker at the end of
    /// the queue, bound to a reference made right after it, lets the receive that waits
    /// for that reference start past every message queued before (runtime/src/mailbox.rs).
    RecvMarker(RecvMarker),
    /// `wait`: suspend until a message arrives, then continue at `label`.
    Wait(u32),
    /// `wait_timeout`: as `wait`, and continue after this instruction when `timeout`
    /// milliseconds pass first.
    WaitTimeout {
        label: u32,
        timeout: Src,
    },
    /// `raise`: re-raises the exception whose raw stack trace is `trace` (it knows the
    /// class) with reason `value`.
    Rethrow {
        trace: Src,
        value: Src,
    },
    /// `timeout`: the `after` branch starts: rewind the receive position.
    Timeout,
    /// `send`: x0 ! x1, the result (x1) in x0.
    Send,
    /// `get_map_elements`: jump to `fail` unless every key is in `map`; else load them.
    GetMapElements {
        fail: u32,
        map: Src,
        pairs: Vec<(Src, Dst)>,
    },
    /// `put_map_assoc` / `put_map_exact`: a copy of `map` with the pairs set; `exact`
    /// requires every key to exist (else `{badkey, K}`, or jump to `fail`).
    PutMap {
        fail: u32,
        map: Src,
        dst: Dst,
        live: u32,
        exact: bool,
        pairs: Vec<(Src, Src)>,
    },
    /// `has_map_fields`: jump to `fail` unless every key is in `map`.
    HasMapFields {
        fail: u32,
        map: Src,
        keys: Vec<Src>,
    },
    /// `fmove`/`fconv` into float register `fr`: from another float register, a term
    /// known to be a float, or (`FloatConv`) any number, raising `badarith` otherwise.
    FloatMove {
        src: FSrc,
        fr: u32,
    },
    FloatConv {
        src: Src,
        fr: u32,
    },
    /// `fmove` from float register `fr` to a term register: boxes the float on the heap
    /// (the compiler's `test_heap` reserved its words).
    FloatStore {
        fr: u32,
        dst: Dst,
    },
    /// `fadd`/`fsub`/`fmul`/`fdiv`/`fnegate` on float registers; a result that is not
    /// finite jumps to `fail`, or raises `badarith` when it is 0.
    FloatArith {
        op: FloatOp,
        fail: u32,
        args: Vec<u32>,
        dst: u32,
    },
    /// `raw_raise`: raises class x0, reason x1, stack trace x2; when x0 is not a class,
    /// x0 becomes `badarg` and execution goes on (`erlang:raise/3` semantics).
    RawRaise,
    /// `badrecord`: raises `{badrecord, Value}` (OTP 25).
    Badrecord(Src),
    /// Not lowered yet: the generic instruction, kept whole.
    Unsupported(Instruction),
    /// `bs_create_bin` (and the OTP 24 `bs_init*`/`bs_append` + `bs_put_*` sequences,
    /// merged): a binary built from `segs`; `live` X registers are live (`None` for
    /// `bs_private_append`, which has no live count: the result then goes to a heap
    /// fragment). On a bad segment jump to `fail`, or raise `badarg` when it is 0.
    /// `alloc` heap words must be free afterwards (the compiler's heap need of the
    /// instructions that follow, folded into this one as into a `test_heap`).
    BsCreate {
        fail: u32,
        alloc: u32,
        live: Option<u32>,
        dst: Dst,
        segs: Vec<BsSeg>,
    },
    /// OTP 24 `bs_init2`/`bs_init_bits`/`bs_append`/`bs_private_append` not followed by
    /// its puts (only an intermediate of the transformation; merged into `BsCreate`).
    BsInit {
        fail: u32,
        alloc: u32,
        live: Option<u32>,
        dst: Dst,
        first: Option<BsSeg>,
    },
    /// OTP 24 `bs_put_*`: one segment of the binary the last `BsInit` started.
    BsPut(BsSeg),
    /// `bs_start_match3`/`bs_start_match4`: a match context for `src` (itself when it
    /// already is one); jump to `fail` when it is not a bitstring (`fail` 0: cannot fail).
    BsStartMatch {
        fail: u32,
        live: u32,
        src: Src,
        dst: Dst,
    },
    /// `bs_get_*`/`bs_skip_*`: reads (or skips, `dst` None) one field of the context;
    /// jumps to `fail` when it does not match.
    BsGet {
        fail: u32,
        live: u32,
        ctx: Src,
        field: BsField,
        dst: Option<Dst>,
    },
    /// `bs_match_string`: the next `bits` bits must be `bytes` (left-aligned).
    BsMatchString {
        fail: u32,
        ctx: Src,
        bits: u32,
        bytes: Vec<u8>,
    },
    /// `bs_test_tail2`: exactly `bits` bits must remain.
    BsTestTail {
        fail: u32,
        ctx: Src,
        bits: u32,
    },
    /// `bs_test_unit`: the remaining bits must be a multiple of `unit`.
    BsTestUnit {
        fail: u32,
        ctx: Src,
        unit: u32,
    },
    /// `bs_get_tail`: the rest of the context as a (sub) binary.
    BsGetTail {
        ctx: Src,
        dst: Dst,
        live: u32,
    },
    /// `bs_get_position`: the context's bit offset, as a small integer.
    BsGetPosition {
        ctx: Src,
        dst: Dst,
    },
    /// `bs_set_position`: moves the context to a position `BsGetPosition` returned.
    BsSetPosition {
        ctx: Src,
        pos: Src,
    },
}

/// The four receive-marker instructions. They only make receives faster: a marker the
/// runtime no longer has (too many reserved, say) makes `Use` do nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum RecvMarker {
    /// A new marker at the end of the queue, into `Dst` (a small integer).
    Reserve(Dst),
    /// Binds the marker to the reference made after it.
    Bind { marker: Src, reference: Src },
    /// Forgets the marker bound to this reference.
    Clear(Src),
    /// Starts the coming receive at the marker bound to this reference.
    Use(Src),
}

/// What a bit-syntax segment or match field is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BsKind {
    Integer,
    Float,
    Binary,
    Utf8,
    Utf16,
    Utf32,
    /// Construction, first segment only: the bitstring to extend (`append`).
    Append,
    /// `private_append`: as `Append` (the first segment; the value may be reused).
    PrivateAppend,
    /// Matching: skip `size * unit` bits.
    Skip,
    SkipUtf8,
    SkipUtf16,
    SkipUtf32,
}

/// Type, unit, flags and size of a segment or match field.
#[derive(Clone, Debug, PartialEq)]
pub struct BsField {
    pub kind: BsKind,
    pub unit: u32,
    pub signed: bool,
    /// Little-endian (`native` is little on ARMv7).
    pub little: bool,
    /// The size operand; `None` for `all` (binaries) and for the utf types.
    pub size: Option<Src>,
}

/// One segment of a binary under construction.
#[derive(Clone, Debug, PartialEq)]
pub struct BsSeg {
    pub field: BsField,
    pub value: Src,
}

/// A function in specific instructions.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecificFunction {
    pub name: AtomIndex,
    pub arity: u32,
    pub entry: u32,
    pub code: Vec<Op>,
}

/// A generic instruction whose operands do not have the shape its opcode requires.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{op} at byte {offset:#x} of the Code chunk: {what}")]
pub struct ShapeError {
    pub op: &'static str,
    pub offset: usize,
    pub what: String,
}

/// Transforms every function of `m`.
pub fn transform(m: &Module) -> Result<Vec<SpecificFunction>, ShapeError> {
    m.functions
        .iter()
        .map(|f| transform_function(m, f))
        .collect()
}

/// Transforms one function.
pub fn transform_function(m: &Module, f: &Function) -> Result<SpecificFunction, ShapeError> {
    let mut code = Vec::with_capacity(f.code.len() + 1);
    for ins in &f.code {
        let cx = Cx { m, ins };
        cx.push(&mut code)?;
        if matches!(code.last(), Some(Op::Label(l)) if *l == f.entry) {
            code.push(Op::TestYield { live: f.arity });
        }
    }
    let code = bits::merge_puts(code);
    Ok(SpecificFunction {
        name: f.name,
        arity: f.arity,
        entry: f.entry,
        code,
    })
}

/// One instruction being transformed.
struct Cx<'a> {
    m: &'a Module,
    ins: &'a Instruction,
}

impl Cx<'_> {
    fn err(&self, what: impl Into<String>) -> ShapeError {
        ShapeError {
            op: self.ins.op.name,
            offset: self.ins.offset,
            what: what.into(),
        }
    }

    fn arg(&self, i: usize) -> Result<&Operand, ShapeError> {
        self.ins
            .args
            .get(i)
            .ok_or_else(|| self.err(format!("operand {i} missing")))
    }

    fn uint(&self, i: usize) -> Result<u32, ShapeError> {
        match self.arg(i)? {
            Operand::Unsigned(n) => u32::try_from(*n).map_err(|_| self.err("number too large")),
            // Old compilers wrote some counts as integers.
            Operand::Integer(n) => u32::try_from(*n).map_err(|_| self.err("bad count")),
            o => Err(self.err(format!("operand {i} is {o:?}, expected a number"))),
        }
    }

    fn label(&self, i: usize) -> Result<u32, ShapeError> {
        match self.arg(i)? {
            Operand::Label(l) => Ok(*l),
            o => Err(self.err(format!("operand {i} is {o:?}, expected a label"))),
        }
    }

    fn atom(&self, i: usize) -> Result<AtomIndex, ShapeError> {
        match self.arg(i)? {
            Operand::Atom(a) => Ok(*a),
            o => Err(self.err(format!("operand {i} is {o:?}, expected an atom"))),
        }
    }

    fn known(&self, type_index: u32) -> Known {
        self.m
            .types
            .as_ref()
            .and_then(|t| t.entries.get(type_index as usize))
            .map(Known::from_entry)
            .unwrap_or_default()
    }

    fn src_of(&self, o: &Operand) -> Result<Src, ShapeError> {
        Ok(match o {
            Operand::X(n) => Src::Reg(Reg::X(*n), Known::default()),
            Operand::Y(n) => Src::Reg(Reg::Y(*n), Known::default()),
            Operand::TypedReg { reg, type_index } => Src::Reg(*reg, self.known(*type_index)),
            Operand::Integer(n) => Src::Int(*n),
            Operand::BigInt(n) => Src::BigInt(n.clone()),
            Operand::Atom(a) => Src::Atom(*a),
            Operand::Nil => Src::Nil,
            Operand::Literal(l) => Src::Literal(*l),
            Operand::Float(f) => Src::Float(*f),
            Operand::Char(c) => Src::Int(i64::from(*c)),
            o => return Err(self.err(format!("{o:?} is not a source operand"))),
        })
    }

    fn src(&self, i: usize) -> Result<Src, ShapeError> {
        self.src_of(self.arg(i)?)
    }

    fn dst_of(&self, o: &Operand) -> Result<Dst, ShapeError> {
        Ok(match o {
            Operand::X(n) | Operand::TypedReg { reg: Reg::X(n), .. } => Dst::X(*n),
            Operand::Y(n) | Operand::TypedReg { reg: Reg::Y(n), .. } => Dst::Y(*n),
            o => return Err(self.err(format!("{o:?} is not a destination register"))),
        })
    }

    fn dst(&self, i: usize) -> Result<Dst, ShapeError> {
        self.dst_of(self.arg(i)?)
    }

    fn y(&self, i: usize) -> Result<u32, ShapeError> {
        match self.dst(i)? {
            Dst::Y(n) => Ok(n),
            Dst::X(_) => Err(self.err(format!("operand {i} is an X register, expected Y"))),
        }
    }

    fn list(&self, i: usize) -> Result<&[Operand], ShapeError> {
        match self.arg(i)? {
            Operand::List(v) => Ok(v),
            o => Err(self.err(format!("operand {i} is {o:?}, expected a list"))),
        }
    }

    /// Words of a heap need: a number or an allocation list (floats take 3 words on a
    /// 32-bit BEAM: a header and 8 bytes; funs are not counted here).
    fn heap_words(&self, i: usize) -> Result<u32, ShapeError> {
        match self.arg(i)? {
            Operand::Alloc(items) => {
                let mut words = 0u64;
                for (kind, n) in items {
                    words += match kind {
                        crate::compact::AllocKind::Words => *n,
                        crate::compact::AllocKind::Floats => 3 * *n,
                        // A fun's fixed part (our layout: header, entry, unused, arity,
                        // free count, creator); its environment is in `words`.
                        crate::compact::AllocKind::Funs => 6 * *n,
                    };
                }
                u32::try_from(words).map_err(|_| self.err("heap need too large"))
            }
            _ => self.uint(i),
        }
    }

    fn push(&self, out: &mut Vec<Op>) -> Result<(), ShapeError> {
        let op = match self.ins.op.name {
            "label" => Op::Label(self.uint(0)?),
            "line" => Op::Line(self.uint(0)?),
            "func_info" => Op::FuncInfo {
                module: self.atom(0)?,
                function: self.atom(1)?,
                arity: self.uint(2)?,
            },
            "move" => Op::Move {
                src: self.src(0)?,
                dst: self.dst(1)?,
            },
            "swap" => Op::Swap(self.dst(0)?, self.dst(1)?),
            "allocate" | "allocate_zero" => Op::Allocate {
                stack: self.uint(0)?,
                heap: 0,
                live: self.uint(1)?,
                zero: self.ins.op.name == "allocate_zero",
            },
            "allocate_heap" | "allocate_heap_zero" => Op::Allocate {
                stack: self.uint(0)?,
                heap: self.heap_words(1)?,
                live: self.uint(2)?,
                zero: self.ins.op.name == "allocate_heap_zero",
            },
            "init_yregs" => Op::InitYregs(
                self.list(0)?
                    .iter()
                    .map(|o| match self.dst_of(o)? {
                        Dst::Y(n) => Ok(n),
                        Dst::X(_) => Err(self.err("init_yregs of an X register")),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "init" => match self.dst(0)? {
                Dst::Y(n) => Op::InitYregs(vec![n]),
                Dst::X(_) => Op::Move {
                    src: Src::Nil,
                    dst: self.dst(0)?,
                },
            },
            "deallocate" => Op::Deallocate(self.uint(0)?),
            "trim" => Op::Trim {
                n: self.uint(0)?,
                remaining: self.uint(1)?,
            },
            "test_heap" => Op::TestHeap {
                words: self.heap_words(0)?,
                live: self.uint(1)?,
            },
            "return" => Op::Return,
            "call" => Op::Call {
                arity: self.uint(0)?,
                label: self.label(1)?,
                tail: false,
                dealloc: None,
            },
            "call_last" => Op::Call {
                arity: self.uint(0)?,
                label: self.label(1)?,
                tail: true,
                dealloc: Some(self.uint(2)?),
            },
            "call_only" => Op::Call {
                arity: self.uint(0)?,
                label: self.label(1)?,
                tail: true,
                dealloc: None,
            },
            "call_ext" | "call_ext_last" | "call_ext_only" => {
                let name = self.ins.op.name;
                Op::CallExt {
                    arity: self.uint(0)?,
                    import: self.uint(1)?,
                    tail: name != "call_ext",
                    dealloc: if name == "call_ext_last" {
                        Some(self.uint(2)?)
                    } else {
                        None
                    },
                }
            }
            "apply" => Op::Apply {
                arity: self.uint(0)?,
                tail: false,
                dealloc: None,
            },
            "apply_last" => Op::Apply {
                arity: self.uint(0)?,
                tail: true,
                dealloc: Some(self.uint(1)?),
            },
            "bif0" => Op::Bif {
                import: self.uint(0)?,
                fail: 0,
                live: None,
                args: vec![],
                dst: self.dst(1)?,
            },
            "bif1" | "bif2" | "bif3" => {
                let n = self
                    .ins
                    .args
                    .len()
                    .checked_sub(3)
                    .ok_or_else(|| self.err("too few operands"))?;
                Op::Bif {
                    import: self.uint(1)?,
                    fail: self.label(0)?,
                    live: None,
                    args: (0..n).map(|i| self.src(2 + i)).collect::<Result<_, _>>()?,
                    dst: self.dst(2 + n)?,
                }
            }
            "gc_bif1" | "gc_bif2" | "gc_bif3" => {
                let n = self
                    .ins
                    .args
                    .len()
                    .checked_sub(4)
                    .ok_or_else(|| self.err("too few operands"))?;
                Op::Bif {
                    import: self.uint(2)?,
                    fail: self.label(0)?,
                    live: Some(self.uint(1)?),
                    args: (0..n).map(|i| self.src(3 + i)).collect::<Result<_, _>>()?,
                    dst: self.dst(3 + n)?,
                }
            }
            "jump" => Op::Jump(self.label(0)?),
            "select_val" => Op::SelectVal {
                src: self.src(0)?,
                fail: self.label(1)?,
                cases: self
                    .list(2)?
                    .chunks(2)
                    .map(|p| match p {
                        [v, Operand::Label(l)] => Ok((self.src_of(v)?, *l)),
                        _ => Err(self.err("select list is not value/label pairs")),
                    })
                    .collect::<Result<_, _>>()?,
            },
            "select_tuple_arity" => Op::SelectTupleArity {
                src: self.src(0)?,
                fail: self.label(1)?,
                cases: self
                    .list(2)?
                    .chunks(2)
                    .map(|p| match p {
                        [Operand::Unsigned(n), Operand::Label(l)] => u32::try_from(*n)
                            .map(|n| (n, *l))
                            .map_err(|_| self.err("arity too large")),
                        _ => Err(self.err("select list is not arity/label pairs")),
                    })
                    .collect::<Result<_, _>>()?,
            },
            "put_list" => Op::PutList {
                head: self.src(0)?,
                tail: self.src(1)?,
                dst: self.dst(2)?,
            },
            "put_tuple2" => Op::PutTuple {
                dst: self.dst(0)?,
                elems: self
                    .list(1)?
                    .iter()
                    .map(|o| self.src_of(o))
                    .collect::<Result<_, _>>()?,
            },
            "get_list" => Op::GetList {
                src: self.src(0)?,
                head: self.dst(1)?,
                tail: self.dst(2)?,
            },
            "get_hd" => Op::GetHd {
                src: self.src(0)?,
                dst: self.dst(1)?,
            },
            "get_tl" => Op::GetTl {
                src: self.src(0)?,
                dst: self.dst(1)?,
            },
            "get_tuple_element" => Op::GetTupleElement {
                src: self.src(0)?,
                index: self.uint(1)?,
                dst: self.dst(2)?,
            },
            "set_tuple_element" => Op::SetTupleElement {
                value: self.src(0)?,
                tuple: self.src(1)?,
                index: self.uint(2)?,
            },
            "make_fun3" => Op::MakeFun {
                lambda: self.uint(0)?,
                dst: self.dst(1)?,
                env: self
                    .list(2)?
                    .iter()
                    .map(|o| self.src_of(o))
                    .collect::<Result<_, _>>()?,
            },
            "call_fun2" => Op::CallFun {
                arity: self.uint(1)?,
                fun: self.src(2)?,
            },
            "call_fun" => {
                let arity = self.uint(0)?;
                Op::CallFun {
                    arity,
                    fun: Src::Reg(Reg::X(arity), Known::default()),
                }
            }
            "try" | "catch" => Op::Try {
                y: self.y(0)?,
                label: self.label(1)?,
            },
            "try_end" => Op::TryEnd(self.y(0)?),
            "try_case" => Op::TryCase(self.y(0)?),
            "catch_end" => Op::CatchEnd(self.y(0)?),
            // The raw trace in x0 is the runtime's `{'$raw_stacktrace', Class, Trace}`
            // (vm/src/exc.rs): the trace is its third element.
            "build_stacktrace" => Op::GetTupleElement {
                src: Src::Reg(Reg::X(0), Known::default()),
                index: 2,
                dst: Dst::X(0),
            },
            "loop_rec" => Op::LoopRec {
                fail: self.label(0)?,
            },
            "loop_rec_end" => Op::LoopRecEnd(self.label(0)?),
            "remove_message" => Op::RemoveMessage,
            "wait" => Op::Wait(self.label(0)?),
            "wait_timeout" => Op::WaitTimeout {
                label: self.label(0)?,
                timeout: self.src(1)?,
            },
            "timeout" => Op::Timeout,
            "raise" => Op::Rethrow {
                trace: self.src(0)?,
                value: self.src(1)?,
            },
            "send" => Op::Send,
            "recv_marker_reserve" => Op::RecvMarker(RecvMarker::Reserve(self.dst(0)?)),
            "recv_marker_bind" => Op::RecvMarker(RecvMarker::Bind {
                marker: self.src(0)?,
                reference: self.src(1)?,
            }),
            "recv_marker_clear" => Op::RecvMarker(RecvMarker::Clear(self.src(0)?)),
            "recv_marker_use" => Op::RecvMarker(RecvMarker::Use(self.src(0)?)),
            // Markers for the loader only (OTP's ops.tab drops both): `nif_start` opens a
            // function that `erlang:load_nif/2` may replace, `on_load` names the function
            // to run when the module loads. Running that function at load time is the
            // loader's business (not done yet; docs/instructions.md); as code they do nothing.
            "nif_start" | "on_load" => Op::Line(0),
            "get_map_elements" => Op::GetMapElements {
                fail: self.label(0)?,
                map: self.src(1)?,
                pairs: self
                    .list(2)?
                    .chunks(2)
                    .map(|p| match p {
                        [k, d] => Ok((self.src_of(k)?, self.dst_of(d)?)),
                        _ => Err(self.err("map element list is not key/register pairs")),
                    })
                    .collect::<Result<_, _>>()?,
            },
            "put_map_assoc" | "put_map_exact" => Op::PutMap {
                fail: self.label(0)?,
                map: self.src(1)?,
                dst: self.dst(2)?,
                live: self.uint(3)?,
                exact: self.ins.op.name == "put_map_exact",
                pairs: self
                    .list(4)?
                    .chunks(2)
                    .map(|p| match p {
                        [k, v] => Ok((self.src_of(k)?, self.src_of(v)?)),
                        _ => Err(self.err("map pair list is not key/value pairs")),
                    })
                    .collect::<Result<_, _>>()?,
            },
            "has_map_fields" => Op::HasMapFields {
                fail: self.label(0)?,
                map: self.src(1)?,
                keys: self
                    .list(2)?
                    .iter()
                    .map(|o| self.src_of(o))
                    .collect::<Result<_, _>>()?,
            },
            "badmatch" => Op::Badmatch(self.src(0)?),
            "case_end" => Op::CaseEnd(self.src(0)?),
            "if_end" => Op::IfEnd,
            "try_case_end" => Op::TryCaseEnd(self.src(0)?),
            name => match test_of(name) {
                Some(t) => return self.push_test(out, t),
                None if self.bs_op(name, out)? => return Ok(()),
                None if self.float_op(name, out)? => return Ok(()),
                None => Op::Unsupported(self.ins.clone()),
            },
        };
        out.push(op);
        Ok(())
    }

    fn push_test(&self, out: &mut Vec<Op>, test: Test) -> Result<(), ShapeError> {
        use type_bits::*;
        let fail = self.label(0)?;
        let (test, nargs) = match test {
            Test::TestArity(_) => (Test::TestArity(self.uint(2)?), 1),
            Test::IsTaggedTuple(..) => (Test::IsTaggedTuple(self.uint(2)?, self.atom(3)?), 1),
            Test::IsFunction2 => (Test::IsFunction2, 2),
            Test::IsLt
            | Test::IsGe
            | Test::IsEq
            | Test::IsNe
            | Test::IsEqExact
            | Test::IsNeExact => (test, 2),
            t => (t, 1),
        };
        let args: Vec<Src> = (0..nargs)
            .map(|i| self.src(1 + i))
            .collect::<Result<_, _>>()?;
        // A type test the compiler has proven true is dropped (ops.tab does the same with
        // the types it gets from the loader).
        let proven = match (&test, args.first()) {
            (t, Some(Src::Reg(_, k))) => match t {
                Test::IsInteger => k.only(INTEGER),
                Test::IsFloat => k.only(FLOAT),
                Test::IsNumber => k.only(INTEGER | FLOAT),
                Test::IsAtom => k.only(ATOM),
                Test::IsNil => k.only(NIL),
                Test::IsList => k.only(CONS | NIL),
                Test::IsNonemptyList => k.only(CONS),
                Test::IsTuple => k.only(TUPLE),
                Test::IsMap => k.only(MAP),
                Test::IsPid => k.only(PID),
                Test::IsPort => k.only(PORT),
                Test::IsReference => k.only(REFERENCE),
                Test::IsBinary | Test::IsBitstr => false,
                _ => false,
            },
            _ => false,
        };
        if !proven {
            out.push(Op::Test { test, fail, args });
        }
        Ok(())
    }
}

/// The test of a generic comparison or type-test instruction.
fn test_of(name: &str) -> Option<Test> {
    Some(match name {
        "is_lt" => Test::IsLt,
        "is_ge" => Test::IsGe,
        "is_eq" => Test::IsEq,
        "is_ne" => Test::IsNe,
        "is_eq_exact" => Test::IsEqExact,
        "is_ne_exact" => Test::IsNeExact,
        "is_integer" => Test::IsInteger,
        "is_float" => Test::IsFloat,
        "is_number" => Test::IsNumber,
        "is_atom" => Test::IsAtom,
        "is_pid" => Test::IsPid,
        "is_reference" => Test::IsReference,
        "is_port" => Test::IsPort,
        "is_nil" => Test::IsNil,
        "is_binary" => Test::IsBinary,
        "is_bitstr" => Test::IsBitstr,
        "is_list" => Test::IsList,
        "is_nonempty_list" => Test::IsNonemptyList,
        "is_tuple" => Test::IsTuple,
        "is_function" => Test::IsFunction,
        "is_boolean" => Test::IsBoolean,
        "is_map" => Test::IsMap,
        "test_arity" => Test::TestArity(0),
        "is_tagged_tuple" => Test::IsTaggedTuple(0, 0),
        "is_function2" => Test::IsFunction2,
        _ => return None,
    })
}
