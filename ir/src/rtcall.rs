//! Runtime functions that compiled code calls (AAPCS), named by [`RtFn`]: CLIF refers to
//! them as `ExternalName::User { namespace: NS_RUNTIME, index: rt as u32 }`, and the
//! installer resolves that name to a real function natively or to a simulator redirect.
//!
//! Every call that may allocate, collect or raise is made with the pinned values saved in
//! the scheduler-registers block and the live X registers in memory (see
//! docs/beam-machine.md §3); such functions take `S` first.

use cranelift_codegen::ir::{types::I32, AbiParam, Signature};
use cranelift_codegen::isa::CallConv;

/// `ExternalName::User` namespace of the shared fragments (see `machine`).
pub const NS_FRAGMENT: u32 = 0;
/// Namespace of the runtime functions.
pub const NS_RUNTIME: u32 = 1;
/// Namespace of the segments of the module being compiled (index = segment number).
pub const NS_SEGMENT: u32 = 2;
/// Namespace of export cells: data words holding a remote function's current address
/// (index = the module's import number); referenced with `symbol_value`.
pub const NS_EXPORT_CELL: u32 = 3;

/// A runtime function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum RtFn {
    /// `(S, bif, a0, a1, a2) -> term`: a BIF by runtime number; the non-value (0) when it
    /// raised (the exception is then pending in the block).
    Bif = 0,
    /// `(S, need_words, live, ahead) -> ()`: garbage-collect so `need_words` are free.
    /// The saved HTOP is `ahead` bytes above the real heap top when `ahead > 0` (a heap
    /// check saves the end of the room it wanted), the saved E `-ahead` bytes below the
    /// real one when `ahead < 0` (`allocate` saves the new frame's E); the runtime takes
    /// that off before it collects.
    Gc = 1,
    /// `(a, b) -> i32`: term order, negative / zero / positive.
    Compare = 2,
    /// `(a, b) -> i32`: 1 when `a =:= b`.
    EqExact = 3,
    /// `(a, b) -> i32`: 1 when `a == b` (arithmetic equality).
    Eq = 4,
    /// `(S, kind, value) -> ()`: makes an error pending: see [`RaiseKind`].
    Raise = 5,
    /// `(t, kind) -> i32`: 1 when `t` has the type [`TypeKind`] names (the type tests
    /// compiled code does not inline).
    IsType = 6,
    /// `(S, arity) -> code address`: `apply/3` with the module, function and argument list
    /// in x(arity)...; 0 when it raised.
    Apply = 7,
    /// `(S, fun, arity) -> code address`: the code a call of `fun` with `arity` arguments
    /// goes to, with the fun's environment stored in x(arity)...; 0 when it raised
    /// (`badfun`, `badarity`).
    CallFun = 8,
    /// `(S) -> code address`: an exception is pending (or a halt): finds the innermost
    /// catch on the Erlang stack, sets `E` in the block to its frame and x1..x3 to class,
    /// reason and stack trace, and returns the handler's address; 0 when nothing catches
    /// (the process ends with the pending step).
    Handle = 9,
    /// `(S, class, reason) -> term`: the value of `catch Expr` after an exception
    /// (`Reason` for a throw, `{'EXIT', {Reason, Stack}}` for an error, `{'EXIT', Reason}`
    /// for an exit).
    CatchValue = 10,
    /// `(S) -> term`: the message at the receive position, or 0 when there is none.
    RecvPeek = 11,
    /// `(S) -> ()`: removes the message at the receive position and rewinds it.
    RecvRemove = 12,
    /// `(S, kind) -> code address`: `erlang:apply/3` (kind 3: module, function and
    /// argument list in x0..x2) or `erlang:apply/2` (kind 2: fun and argument list): the
    /// arguments spread into x0..., the callee's address returned; 0 when it raised.
    ApplyList = 13,
    /// `(map, key) -> term`: the value of `key` in `map`, or 0 when absent (or not a map).
    MapGet = 14,
    /// `(S, map, first, pairs) -> term`: `map` updated with the key/value pairs in
    /// x(first)..., or 0 with an exception pending (`badmap`; `badkey` when `first` has
    /// bit 31 set: `put_map_exact`, keys must exist).
    MapPut = 15,
    /// `(S, cell) -> code address`: the call went to the lazy-loading stub of export cell
    /// `cell` (its module was not loaded): loads the module from the code path, points
    /// the cells of its exports at the new code, and returns the cell's function, or the
    /// `undef` fragment when the module or the function does not exist
    /// (docs/beam-machine.md §5). x0 is in the X array.
    Load = 16,
    /// `(S, first, n, live, alloc) -> term`: builds a binary from `n` segments described
    /// by three X registers each from x(first): a [`bs_desc`] word, the value, the size
    /// (a term, 0 for none). x0..x(live-1) are live (the runtime may collect); `live` with
    /// bit 31 set: no live count, the binary goes to a heap fragment. Afterwards `alloc`
    /// more heap words are free. 0 with `badarg` pending when a segment is bad.
    BsCreate = 17,
    /// `(S, src, live) -> term`: a match context for `src` (itself when it already is
    /// one), or 0 when `src` is not a bitstring.
    BsStartMatch = 18,
    /// `(S, ctx, size, desc, live) -> term`: the [`BsOp`] in `desc` on the match context
    /// (`size` a term or 0); 0 when it does not match; for the ops without a value, `[]`
    /// when it matches.
    BsGet = 19,
    /// `(S, cell) -> code address`: tiered mode (docs/tiered.md): a template function's
    /// call counter (tier cell `cell`) ran out; recompiles the function through the IR
    /// pipeline and returns its new entry, or 0 to go on in the template code. x0 is in
    /// the X array; nothing on the heap moves.
    TierUp = 20,
    /// `(S, kind, a, b) -> term`: a receive-marker instruction ([`MarkerOp`]): `Reserve`
    /// returns the new marker; the others return 0. Nothing on the heap moves.
    RecvMarker = 21,
    /// `(S, op, a, b) -> term`: integer `a + b` (op 0), `a - b` (1) or `a * b` (2) when
    /// both are smalls or bignums of at most two digits and the result fits in 64 bits
    /// (a bignum result goes to the process's open heap fragment, as a BIF's result: the
    /// words between HTOP and E may be reserved by the code's last heap test); 0
    /// otherwise (the caller then calls the BIF, which decides everything else). Nothing
    /// on the heap moves; raises nothing.
    IntArith = 22,
    /// `(S, bif, a0, a1) -> term`: [`RtFn::Bif`] for a BIF of at most two arguments. With
    /// four register arguments the call needs no stack argument, so the backend can keep
    /// r0–r3 across it for the caller (a preserving call; the cold path of every
    /// arithmetic and guard BIF).
    Bif2 = 23,
}

/// Which receive-marker instruction [`RtFn::RecvMarker`] carries out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum MarkerOp {
    Reserve = 0,
    /// `a` = the marker, `b` = the reference.
    Bind = 1,
    /// `a` = the reference.
    Clear = 2,
    /// `a` = the reference.
    Use = 3,
}

impl MarkerOp {
    pub fn from_u32(k: u32) -> Option<MarkerOp> {
        [
            MarkerOp::Reserve,
            MarkerOp::Bind,
            MarkerOp::Clear,
            MarkerOp::Use,
        ]
        .get(k as usize)
        .copied()
    }
}

/// A bit-syntax operation of [`RtFn::BsCreate`] segments and [`RtFn::BsGet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum BsOp {
    Integer = 0,
    Float = 1,
    /// A binary of `size * unit` bits, or the rest (`size` 0) which must be a multiple of
    /// `unit` bits.
    Binary = 2,
    Utf8 = 3,
    Utf16 = 4,
    Utf32 = 5,
    /// Construction: the bitstring to extend (first segment).
    Append = 6,
    /// Matching: skip `size * unit` bits (`size` 0: the rest, a multiple of `unit`).
    Skip = 7,
    SkipUtf8 = 8,
    SkipUtf16 = 9,
    SkipUtf32 = 10,
    /// Matching: the remaining bits are a multiple of `unit`.
    TestUnit = 11,
    /// Matching: exactly `size` (a small integer) bits remain.
    TestTail = 12,
}

impl BsOp {
    pub const ALL: [BsOp; 13] = [
        BsOp::Integer,
        BsOp::Float,
        BsOp::Binary,
        BsOp::Utf8,
        BsOp::Utf16,
        BsOp::Utf32,
        BsOp::Append,
        BsOp::Skip,
        BsOp::SkipUtf8,
        BsOp::SkipUtf16,
        BsOp::SkipUtf32,
        BsOp::TestUnit,
        BsOp::TestTail,
    ];
}

/// The descriptor word of a bit-syntax segment or field: op in bits 0..4, signed bit 4,
/// little-endian bit 5, unit (up to 256) in bits 8..17.
pub fn bs_desc(op: BsOp, unit: u32, signed: bool, little: bool) -> u32 {
    op as u32 | (signed as u32) << 4 | (little as u32) << 5 | (unit & 0x1FF) << 8
}

/// `(op, unit, signed, little)` of a [`bs_desc`] word.
pub fn bs_desc_parts(desc: u32) -> Option<(BsOp, u32, bool, bool)> {
    let op = *BsOp::ALL.get((desc & 0xF) as usize)?;
    Some((op, (desc >> 8) & 0x1FF, desc & 0x10 != 0, desc & 0x20 != 0))
}

impl RtFn {
    pub const ALL: [RtFn; 24] = [
        RtFn::Bif,
        RtFn::Gc,
        RtFn::Compare,
        RtFn::EqExact,
        RtFn::Eq,
        RtFn::Raise,
        RtFn::IsType,
        RtFn::Apply,
        RtFn::CallFun,
        RtFn::Handle,
        RtFn::CatchValue,
        RtFn::RecvPeek,
        RtFn::RecvRemove,
        RtFn::ApplyList,
        RtFn::MapGet,
        RtFn::MapPut,
        RtFn::Load,
        RtFn::BsCreate,
        RtFn::BsStartMatch,
        RtFn::BsGet,
        RtFn::TierUp,
        RtFn::RecvMarker,
        RtFn::IntArith,
        RtFn::Bif2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RtFn::Bif => "rt_bif",
            RtFn::Gc => "rt_gc",
            RtFn::Compare => "rt_compare",
            RtFn::EqExact => "rt_eq_exact",
            RtFn::Eq => "rt_eq",
            RtFn::Raise => "rt_raise",
            RtFn::IsType => "rt_is_type",
            RtFn::Apply => "rt_apply",
            RtFn::CallFun => "rt_call_fun",
            RtFn::Handle => "rt_handle",
            RtFn::CatchValue => "rt_catch_value",
            RtFn::RecvPeek => "rt_recv_peek",
            RtFn::RecvRemove => "rt_recv_remove",
            RtFn::ApplyList => "rt_apply_list",
            RtFn::MapGet => "rt_map_get",
            RtFn::MapPut => "rt_map_put",
            RtFn::Load => "rt_load",
            RtFn::BsCreate => "rt_bs_create",
            RtFn::BsStartMatch => "rt_bs_start_match",
            RtFn::BsGet => "rt_bs_get",
            RtFn::TierUp => "rt_tier_up",
            RtFn::RecvMarker => "rt_recv_marker",
            RtFn::IntArith => "rt_int_arith",
            RtFn::Bif2 => "rt_bif2",
        }
    }

    /// Number of i32 parameters and results.
    pub fn arity(self) -> (usize, usize) {
        match self {
            RtFn::Bif => (5, 1),
            RtFn::Gc => (4, 0),
            RtFn::Compare | RtFn::EqExact | RtFn::Eq | RtFn::IsType => (2, 1),
            RtFn::Raise => (3, 0),
            RtFn::Apply => (2, 1),
            RtFn::CallFun => (3, 1),
            RtFn::Handle | RtFn::RecvPeek => (1, 1),
            RtFn::CatchValue => (3, 1),
            RtFn::RecvRemove => (1, 0),
            RtFn::ApplyList | RtFn::MapGet => (2, 1),
            RtFn::MapPut => (4, 1),
            RtFn::Load | RtFn::TierUp => (2, 1),
            RtFn::BsStartMatch => (3, 1),
            RtFn::BsGet | RtFn::BsCreate => (5, 1),
            RtFn::RecvMarker | RtFn::IntArith | RtFn::Bif2 => (4, 1),
        }
    }

    /// Whether compiled code calls it only on paths that are rarely taken (today: an
    /// arithmetic overflow or a non-small operand): then its signature's convention is
    /// `fast` (Cranelift's `preserve_all`, which the backend reads the same way, may have
    /// no results), read by the ARM32 backend as "AAPCS, but r0–r3 kept for the caller":
    /// it saves the live ones around the call itself, so values live across the call
    /// need not sit in r4–r7, and the hot path around the call has no copies into them.
    /// `rt_gc` was measured this way too and is not: with CP out of r0 it saved nothing on
    /// fib and cost ring 1.5%, sort 0.6%, 3% more code and 4.7% more compile time for
    /// `lists` (regalloc2 works harder with fewer clobbers), docs/compare-modes.md.
    pub fn is_cold(self) -> bool {
        matches!(self, RtFn::IntArith)
    }

    /// The AAPCS signature (all words are i32); see [`RtFn::is_cold`] for the others.
    pub fn signature(self) -> Signature {
        let (p, r) = self.arity();
        let cc = if self.is_cold() {
            CallConv::Fast
        } else {
            CallConv::SystemV
        };
        let mut sig = Signature::new(cc);
        sig.params.extend((0..p).map(|_| AbiParam::new(I32)));
        sig.returns.extend((0..r).map(|_| AbiParam::new(I32)));
        sig
    }

    pub fn from_index(i: u32) -> Option<RtFn> {
        RtFn::ALL.get(i as usize).copied()
    }
}

/// Which error [`RtFn::Raise`] raises; the runtime builds the reason term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum RaiseKind {
    /// `{badmatch, Value}`.
    Badmatch = 0,
    /// `{case_clause, Value}`.
    CaseClause = 1,
    /// `if_clause`.
    IfClause = 2,
    /// `{try_clause, Value}`.
    TryClause = 3,
    /// `function_clause` for the MFA whose `func_info` the value (a code offset) names.
    FunctionClause = 4,
    /// `badarg`.
    Badarg = 5,
    /// A generic instruction the JIT does not lower yet; the value is its opcode number.
    NotImplemented = 6,
    /// `badarith` (float instructions).
    Badarith = 7,
    /// `{badrecord, Value}` (OTP 25's `badrecord` instruction).
    Badrecord = 8,
}

/// Type tests made through [`RtFn::IsType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum TypeKind {
    Integer = 0,
    Float = 1,
    Number = 2,
    Binary = 3,
    Bitstring = 4,
    Map = 5,
    Pid = 6,
    Port = 7,
    Reference = 8,
    Function = 9,
}
