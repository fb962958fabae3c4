//! Bignums: `header(n, POS_BIG | NEG_BIG)` followed by `n` 32-bit digits, least
//! significant first (OTP's `big.h` layout with 32-bit `ErtsDigit`). The digit arithmetic
//! is num-bigint's; integers that fit in 28 bits are always small (as in OTP, a bignum is
//! never used for a value a small can hold).

use crate::heap::{Alloc, HeapError};
use crate::mem;
use crate::term::*;
use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{ToPrimitive, Zero};

/// Words an integer takes on the heap (0 for a small).
pub fn integer_words(v: &BigInt) -> u32 {
    if v.to_i64().and_then(Term::small).is_some() {
        0
    } else {
        1 + v.magnitude().to_u32_digits().len() as u32
    }
}

/// An integer term: small when it fits, else a bignum built in `a`.
pub fn integer(a: &mut dyn Alloc, v: &BigInt) -> Result<Term, HeapError> {
    if let Some(t) = v.to_i64().and_then(Term::small) {
        return Ok(t);
    }
    let digits = v.magnitude().to_u32_digits();
    let n = digits.len() as u32;
    let p = a.alloc(1 + n)?;
    let subtag = if v.sign() == Sign::Minus {
        NEG_BIG_SUBTAG
    } else {
        POS_BIG_SUBTAG
    };
    // SAFETY: fresh allocation of 1 + n words.
    unsafe {
        mem::raw_write(p, Term::header(n, subtag).0);
        for (i, d) in digits.iter().enumerate() {
            mem::raw_write(p + 4 + 4 * i as u32, *d);
        }
    }
    Ok(Term::boxed(p))
}

/// An integer term from an i64.
pub fn from_i64(a: &mut dyn Alloc, v: i64) -> Result<Term, HeapError> {
    integer(a, &BigInt::from(v))
}

pub fn is_bignum(t: Term) -> bool {
    t.is_boxed()
        && mem::read(t.ptr())
            .is_some_and(|h| matches!(Term(h).boxed_kind(), BoxedKind::PosBig | BoxedKind::NegBig))
}

/// The value of a small or bignum term.
pub fn value(t: Term) -> Option<BigInt> {
    if let Some(v) = t.small_value() {
        return Some(BigInt::from(v));
    }
    if !is_bignum(t) {
        return None;
    }
    let h = Term(mem::read(t.ptr())?);
    let digits = (0..h.header_arity())
        .map(|i| mem::read(t.ptr() + 4 + 4 * i))
        .collect::<Option<Vec<u32>>>()?;
    let sign = if h.boxed_kind() == BoxedKind::NegBig {
        Sign::Minus
    } else {
        Sign::Plus
    };
    Some(BigInt::from_slice(sign, &digits))
}

/// Integer arithmetic errors (raised as `badarith` by callers).
#[derive(Debug, thiserror::Error)]
pub enum ArithError {
    #[error("arithmetic on a non-integer term {0:?}")]
    NotInteger(Term),
    #[error("integer division by zero")]
    DivByZero,
    #[error(transparent)]
    Heap(#[from] HeapError),
}

/// Integer operations with Erlang semantics (`div` truncates, `rem` takes the sign of the
/// dividend).
#[derive(Debug, Clone, Copy)]
pub enum IntOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// `x op y` on integer terms, result built in `a`.
pub fn arith(a: &mut dyn Alloc, op: IntOp, x: Term, y: Term) -> Result<Term, ArithError> {
    let xv = value(x).ok_or(ArithError::NotInteger(x))?;
    let yv = value(y).ok_or(ArithError::NotInteger(y))?;
    let r = match op {
        IntOp::Add => xv + yv,
        IntOp::Sub => xv - yv,
        IntOp::Mul => xv * yv,
        IntOp::Div | IntOp::Rem if yv.is_zero() => return Err(ArithError::DivByZero),
        // BigInt's `/` and `%` truncate toward zero, like Erlang's div and rem.
        IntOp::Div => xv / yv,
        IntOp::Rem => xv % yv,
    };
    Ok(integer(a, &r)?)
}

/// Floor division helper kept for BIFs that need it (e.g. bit-syntax sizes).
pub fn floor_div(x: &BigInt, y: &BigInt) -> BigInt {
    x.div_floor(y)
}
