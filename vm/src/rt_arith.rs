//! The fast path of `erlang:'+'/2`, `'-'/2` and `'*'/2` called from compiled code when
//! inline small arithmetic overflowed or an operand is a bignum (and, through `rt::bif`,
//! of `rem` and `div` with a bignum operand): operands and result that
//! fit in 64 bits (smalls and bignums of one or two digits) are computed in place and the
//! result written into the process's open heap fragment, skipping the general BIF path
//! (table lookup, argument vector, heap synchronisation, error bookkeeping), which cost
//! about 600 instructions per operation natively. Everything else — bigger numbers,
//! floats, errors — returns `None` and takes the general path, which decides it.

use beam_runtime::bignum;
use beam_runtime::scheduler::Ctx;
use beam_runtime::term::Term;

use crate::rt::{self, RtStop};
use beam_runtime::mem;
use beam_runtime::term::BoxedKind;

/// An integer operation with a fast path here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntOp {
    Add,
    Sub,
    Mul,
    /// `rem` and `div` (truncating, as Rust's `%` and `/`); by zero takes the BIF's path
    /// (`badarith`).
    Rem,
    Div,
}

impl IntOp {
    /// The fast path of BIF `module:name/arity`, if it has one (marked once, in
    /// `bifs::get_with_int_op`'s table).
    pub(crate) fn of(module: &str, name: &str, arity: u32) -> Option<IntOp> {
        match (module, name, arity) {
            ("erlang", "+", 2) => Some(IntOp::Add),
            ("erlang", "-", 2) => Some(IntOp::Sub),
            ("erlang", "*", 2) => Some(IntOp::Mul),
            ("erlang", "rem", 2) => Some(IntOp::Rem),
            ("erlang", "div", 2) => Some(IntOp::Div),
            _ => None,
        }
    }
}

/// `Some(result term)` when integer `op` of `a` and `b` fits in 64 bits; `None` for the
/// general path.
pub(crate) fn try_int_arith(cx: &mut Ctx<'_>, op: IntOp, a: u32, b: u32) -> Option<u32> {
    let r = within_64(op, a, b)?;
    if let Some(t) = Term::small(r) {
        return Some(t.0);
    }
    // A 64-bit magnitude is at most two digits: three words with the header.
    in_fragment(cx, r)
}

/// `RtFn::IntArith`: called by IR code when inline small arithmetic overflowed or an
/// operand is not a small, before (and instead of) the BIF: `+`, `-`, `*` (op 0, 1, 2) of
/// integers within 64 bits with a result within 64 bits. A bignum result goes to the
/// open heap fragment as a BIF's does (not at HTOP: the code's last heap test may have
/// reserved the words there for what it builds next). 0 sends the caller to the BIF,
/// which handles bignums beyond 64 bits, floats and errors.
/// Inlined into `native::rt_int_arith`: the result stays in registers.
#[inline]
pub(crate) fn int_arith(s: u32, op: u32, a: u32, b: u32) -> Result<u32, RtStop> {
    let op = match op {
        0 => IntOp::Add,
        1 => IntOp::Sub,
        _ => IntOp::Mul,
    };
    let Some(r) = within_64(op, a, b) else {
        return Ok(0);
    };
    if let Some(t) = Term::small(r) {
        return Ok(t.0);
    }
    let (cx, _) = rt::block(s)?;
    Ok(in_fragment(cx, r).unwrap_or(0))
}

/// `a op b` when both operands and the result are integers within 64 bits.
#[inline]
fn within_64(op: IntOp, a: u32, b: u32) -> Option<i64> {
    // Two smalls (28 bits): their sum, difference or product always fits 64 bits, so no
    // overflow check (a checked 64-bit multiply is a long sequence on ARMv7; a product of
    // two 32-bit values is one SMULL).
    if let (Some(x), Some(y)) = (Term(a).small_value(), Term(b).small_value()) {
        let (x, y) = (i64::from(x), i64::from(y));
        return Some(match op {
            IntOp::Add => x + y,
            IntOp::Sub => x - y,
            IntOp::Mul => i64::from(x as i32) * i64::from(y as i32),
            IntOp::Rem => x.checked_rem(y)?,
            IntOp::Div => x.checked_div(y)?,
        });
    }
    let (x, y) = (int64(Term(a))?, int64(Term(b))?);
    match op {
        IntOp::Add => x.checked_add(y),
        IntOp::Sub => x.checked_sub(y),
        IntOp::Mul => x.checked_mul(y),
        // None for a zero divisor and for i64::MIN by -1 (whose quotient is a bignum).
        IntOp::Rem => x.checked_rem(y),
        IntOp::Div => x.checked_div(y),
    }
}

/// The bignum of `r` (outside the small range) in the process's last heap fragment.
#[inline]
fn in_fragment(cx: &mut Ctx<'_>, r: i64) -> Option<u32> {
    let p = cx.heap().alloc_in_fragment(bignum::i64_big_words(r)).ok()?;
    // SAFETY: p is a fresh allocation of the words the bignum takes.
    Some(unsafe { bignum::write_i64_big(p, r) }.0)
}

/// An integer term's value when it is a small or a bignum of one or two digits that fits
/// an i64 (as [`bignum::to_i64`], without its checked reads: the operands come from the
/// running code's registers, so a boxed one points at a live heap object).
fn int64(t: Term) -> Option<i64> {
    if let Some(v) = t.small_value() {
        return Some(v as i64);
    }
    if !t.is_boxed() {
        return None;
    }
    // SAFETY: a boxed term of the running process (see above): its header word is live.
    let h = Term(unsafe { mem::raw_read(t.ptr()) });
    let neg = match h.boxed_kind() {
        BoxedKind::PosBig => false,
        BoxedKind::NegBig => true,
        _ => return None,
    };
    let n = h.header_arity();
    if n == 0 || n > 2 {
        return None;
    }
    // SAFETY: a bignum of n (1 or 2) digits after its header.
    let (lo, hi) = unsafe {
        let lo = mem::raw_read(t.ptr() + 4) as u64;
        (
            lo,
            if n == 2 {
                mem::raw_read(t.ptr() + 8) as u64
            } else {
                0
            },
        )
    };
    let mag = (hi << 32) | lo;
    if neg {
        0i64.checked_sub_unsigned(mag)
    } else {
        i64::try_from(mag).ok()
    }
}
