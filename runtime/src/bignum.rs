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

/// An integer term from an i64: small when it fits, else a bignum of one or two digits
/// written in place (no num-bigint value on the way).
pub fn from_i64(a: &mut dyn Alloc, v: i64) -> Result<Term, HeapError> {
    if let Some(t) = Term::small(v) {
        return Ok(t);
    }
    let p = a.alloc(i64_big_words(v))?;
    // SAFETY: a fresh allocation of the words the bignum takes.
    Ok(unsafe { write_i64_big(p, v) })
}

/// Words of the bignum of `v` (a value outside the small range): header and one or two
/// digits.
pub fn i64_big_words(v: i64) -> u32 {
    if v.unsigned_abs() >> 32 == 0 {
        2
    } else {
        3
    }
}

/// Writes `v` as a bignum at `p` and returns the term.
///
/// # Safety
/// `p` must be the address of [`i64_big_words`]`(v)` free heap words.
pub unsafe fn write_i64_big(p: u32, v: i64) -> Term {
    let mag = v.unsigned_abs();
    let n = i64_big_words(v) - 1;
    let subtag = if v < 0 {
        NEG_BIG_SUBTAG
    } else {
        POS_BIG_SUBTAG
    };
    // SAFETY: the caller's guarantee: 1 + n free words at p.
    unsafe {
        mem::raw_write(p, Term::header(n, subtag).0);
        mem::raw_write(p + 4, mag as u32);
        if n == 2 {
            mem::raw_write(p + 8, (mag >> 32) as u32);
        }
    }
    Term::boxed(p)
}

/// The double erl gives for an integer: OTP's `big_to_double` (erts/emulator/beam/big.c)
/// folds the digits from the most significant, `d = d * 2^64 + digit`, rounding at each
/// step, so the result is not always the nearest double (which num-bigint's `to_f64`
/// gives: they differ for about 9% of 120-bit integers). The digits are 64 bits as on the
/// 64-bit builds of OTP this project is checked against; OTP's 32-bit builds fold 32-bit
/// digits and differ from both in the last bit for about 1% of large integers
/// (docs/terms.md). Infinite when out of range (the callers raise `badarith`/`badarg`).
pub fn to_f64_as_otp(v: &BigInt) -> f64 {
    let (sign, digits) = v.to_u64_digits();
    let mut d = 0.0f64;
    for &g in digits.iter().rev() {
        d = d * 18_446_744_073_709_551_616.0 + g as f64;
    }
    if sign == Sign::Minus {
        -d
    } else {
        d
    }
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

/// The value of a small or of a bignum of at most two digits, read in place: the fast
/// path of arithmetic on the integers just past the 28-bit small range, which would
/// otherwise go through a num-bigint allocation per operand and per result.
pub fn to_i64(t: Term) -> Option<i64> {
    if let Some(v) = t.small_value() {
        return Some(v as i64);
    }
    if !t.is_boxed() {
        return None;
    }
    let h = Term(mem::read(t.ptr())?);
    let neg = match h.boxed_kind() {
        BoxedKind::PosBig => false,
        BoxedKind::NegBig => true,
        _ => return None,
    };
    let n = h.header_arity();
    if n == 0 || n > 2 {
        return None;
    }
    let lo = mem::read(t.ptr() + 4)? as u64;
    let hi = if n == 2 {
        mem::read(t.ptr() + 8)? as u64
    } else {
        0
    };
    let mag = (hi << 32) | lo;
    if neg {
        0i64.checked_sub_unsigned(mag)
    } else {
        i64::try_from(mag).ok()
    }
}

/// An integer term for an `i128`: small when it fits, else a bignum of up to four digits.
pub fn from_i128(a: &mut dyn Alloc, v: i128) -> Result<Term, HeapError> {
    if let Some(t) = i64::try_from(v).ok().and_then(Term::small) {
        return Ok(t);
    }
    let mut mag = v.unsigned_abs();
    let mut digits = [0u32; 4];
    let mut n = 0;
    while mag != 0 {
        digits[n] = mag as u32;
        mag >>= 32;
        n += 1;
    }
    let p = a.alloc(1 + n as u32)?;
    let subtag = if v < 0 {
        NEG_BIG_SUBTAG
    } else {
        POS_BIG_SUBTAG
    };
    // SAFETY: fresh allocation of 1 + n words.
    unsafe {
        mem::raw_write(p, Term::header(n as u32, subtag).0);
        for (i, d) in digits[..n].iter().enumerate() {
            mem::raw_write(p + 4 + 4 * i as u32, *d);
        }
    }
    Ok(Term::boxed(p))
}

/// `x op y` when both fit in an `i64`: exact in `i128`; `None` for another path (bigger
/// operands, non-integers, division by zero).
fn arith_i64(a: &mut dyn Alloc, op: IntOp, x: Term, y: Term) -> Option<Result<Term, HeapError>> {
    let (x, y) = (to_i64(x)?, to_i64(y)?);
    // Most results fit in 64 bits, and 128-bit multiplication is a libcall on ARM32.
    let fast = match op {
        IntOp::Add => x.checked_add(y),
        IntOp::Sub => x.checked_sub(y),
        IntOp::Mul => x.checked_mul(y),
        _ => None,
    };
    if let Some(r) = fast {
        return Some(from_i64(a, r));
    }
    let (x, y) = (x as i128, y as i128);
    let r = match op {
        IntOp::Add => x + y,
        IntOp::Sub => x - y,
        IntOp::Mul => x * y,
        _ if y == 0 => return None,
        // i128's `/` and `%` truncate toward zero, like Erlang's div and rem.
        IntOp::Div => x / y,
        IntOp::Rem => x % y,
    };
    Some(from_i128(a, r))
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
    if let Some(r) = arith_i64(a, op, x, y) {
        return Ok(r?);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::Fragment;

    /// The in-place `i64` path agrees with num-bigint on every pair of integers around
    /// the boundaries where the representation changes (28-bit smalls, one and two
    /// digits, the i64 limits), for every operation.
    #[test]
    fn fast_path_agrees_with_bigint() {
        let mut edges: Vec<i128> = Vec::new();
        for b in [0u32, 1, 27, 28, 31, 32, 33, 62, 63, 64, 65] {
            let p = 1i128 << b;
            edges.extend([p - 1, p, p + 1, -p - 1, -p, -p + 1]);
        }
        edges.extend([0, 7, -7, i64::MIN as i128, i64::MAX as i128]);
        let mut heap = Fragment::new(1 << 16).unwrap();
        let term = |v: i128, h: &mut Fragment| integer(h, &BigInt::from(v)).unwrap();
        for &x in &edges {
            for &y in &edges {
                let (tx, ty) = (term(x, &mut heap), term(y, &mut heap));
                assert_eq!(
                    to_i64(tx).map(i128::from),
                    i64::try_from(x).ok().map(i128::from)
                );
                for op in [IntOp::Add, IntOp::Sub, IntOp::Mul, IntOp::Div, IntOp::Rem] {
                    let (bx, by) = (BigInt::from(x), BigInt::from(y));
                    let want = match op {
                        IntOp::Add => Some(bx + by),
                        IntOp::Sub => Some(bx - by),
                        IntOp::Mul => Some(bx * by),
                        _ if y == 0 => None,
                        IntOp::Div => Some(bx / by),
                        IntOp::Rem => Some(bx % by),
                    };
                    let got = arith(&mut heap, op, tx, ty).ok().map(|t| value(t).unwrap());
                    assert_eq!(got, want, "{x} {op:?} {y}");
                }
                if heap.used_words() > (1 << 16) - 4096 {
                    heap = Fragment::new(1 << 16).unwrap();
                }
            }
        }
    }

    #[test]
    fn from_i64_builds_what_num_bigint_builds() {
        let mut wide: Vec<i128> = vec![0, 1, -1];
        for k in [27, 28, 31, 32, 33, 62, 63] {
            let p = 1i128 << k;
            wide.extend([p - 1, p, p + 1, -p - 1, -p, -p + 1]);
        }
        let edges: Vec<i64> = wide
            .into_iter()
            .filter_map(|v| i64::try_from(v).ok())
            .collect();
        let mut h = Fragment::new(1 << 12).unwrap();
        for v in edges {
            let t = from_i64(&mut h, v).unwrap();
            assert_eq!(value(t), Some(BigInt::from(v)), "{v}");
            assert_eq!(to_i64(t), Some(v));
            let words = integer_words(&BigInt::from(v));
            let want = integer(&mut h, &BigInt::from(v)).unwrap();
            assert_eq!(t.is_boxed(), want.is_boxed(), "{v}: small or boxed");
            if t.is_boxed() {
                // Same header (arity and sign) as the general builder writes.
                // SAFETY: both are boxed terms just built in `h`.
                let hd = |t: Term| unsafe { mem::raw_read(t.ptr()) };
                assert_eq!(hd(t), hd(want), "{v}: header ({words} words)");
            }
        }
    }
}
