//! CLIF for BEAM term tags: type tests, small-integer tagging and the inline small-integer
//! arithmetic fast paths.
//!
//! The tag values are the runtime's (`beam_runtime::term`, facts from OTP 25's
//! `erl_term.h`); this module only says how generated code tests and builds them, so the
//! JIT and the runtime can never disagree on a tag.
//!
//! A small integer `n` (28 bits on 32-bit BEAM) is the word `(n << 4) | 0xF`. Two facts
//! make the fast paths cheap, and are why the helpers below work on *tagged* words:
//! - signed order of tagged smalls is the order of their values, so comparisons need no
//!   untagging;
//! - `a + (b - 0xF)` is the tagged sum, and it overflows 32 bits exactly when the sum
//!   leaves the 28-bit range, so one flag-setting add (ADDS + branch on V on ARM) both
//!   computes and range-checks. The same holds for subtraction and, with one operand
//!   untagged, for multiplication.

use beam_runtime::term;
use cranelift_codegen::ir::{
    condcodes::IntCC,
    types::{F64, I32},
    InstBuilder, Value,
};
use cranelift_frontend::FunctionBuilder;

/// The tag bits of a small integer (`_TAG_IMMED1_SMALL`).
pub const SMALL_TAG: i64 = term::IMMED1_SMALL as i64;
/// Bits below the value of a small integer.
pub const SMALL_SHIFT: i64 = term::IMMED1_SIZE as i64;

/// `1` if `t` is a small integer, else `0` (an `i8` truth value).
pub fn is_small(b: &mut FunctionBuilder, t: Value) -> Value {
    let low = b.ins().band_imm_u(t, term::IMMED1_MASK as i64);
    b.ins().icmp_imm_s(IntCC::Equal, low, SMALL_TAG)
}

/// `1` if both `a` and `c` are small integers. BEAM's trick: the AND of two words has
/// the small tag only if both have it, since the tag is all ones in the masked bits.
pub fn both_small(b: &mut FunctionBuilder, a: Value, c: Value) -> Value {
    let both = b.ins().band(a, c);
    is_small(b, both)
}

/// `1` if `t` is a list cell pointer (primary tag 01). `[]` is not: it is an immediate.
pub fn is_list(b: &mut FunctionBuilder, t: Value) -> Value {
    let low = b.ins().band_imm_u(t, term::PRIMARY_MASK as i64);
    b.ins()
        .icmp_imm_s(IntCC::Equal, low, term::PRIMARY_LIST as i64)
}

/// [`is_list`] for a word known to be a term (what a BEAM register holds when an
/// instruction tests it): bit 1 clear. Of the primary tags only a list (01) and a header
/// (00) have it clear, and a header (or a CP, or the non-value 0) is never a term, so
/// this is one TST on ARM where `is_list` is AND + CMP (BeamAsm's test too).
pub fn term_is_list(b: &mut FunctionBuilder, t: Value) -> Value {
    let bit = term::PRIMARY_BOXED as i64;
    debug_assert_eq!(bit, (term::PRIMARY_MASK & !term::PRIMARY_LIST) as i64);
    let low = b.ins().band_imm_u(t, bit);
    b.ins().icmp_imm_s(IntCC::Equal, low, 0)
}

/// `1` if `t` is a boxed pointer (primary tag 10).
pub fn is_boxed(b: &mut FunctionBuilder, t: Value) -> Value {
    let low = b.ins().band_imm_u(t, term::PRIMARY_MASK as i64);
    b.ins()
        .icmp_imm_s(IntCC::Equal, low, term::PRIMARY_BOXED as i64)
}

/// `1` if `t` is an atom (immediate-2 tag `ATOM`).
pub fn is_atom(b: &mut FunctionBuilder, t: Value) -> Value {
    let low = b.ins().band_imm_u(t, term::IMMED2_MASK as i64);
    b.ins()
        .icmp_imm_s(IntCC::Equal, low, term::IMMED2_ATOM as i64)
}

/// `1` if `t` is `[]`.
pub fn is_nil(b: &mut FunctionBuilder, t: Value) -> Value {
    b.ins().icmp_imm_s(IntCC::Equal, t, term::IMMED2_NIL as i64)
}

/// The tagged word of the small integer `n`; the caller guarantees `n` is in range.
pub fn make_small(b: &mut FunctionBuilder, n: Value) -> Value {
    let shifted = b.ins().ishl_imm_u(n, SMALL_SHIFT);
    b.ins().bor_imm_u(shifted, SMALL_TAG)
}

/// The signed value of the small integer `t` (arithmetic shift keeps the sign).
pub fn small_value(b: &mut FunctionBuilder, t: Value) -> Value {
    b.ins().sshr_imm_u(t, SMALL_SHIFT)
}

/// A tagged constant small integer, or `None` if `n` does not fit in 28 bits.
pub fn small_const(n: i64) -> Option<i64> {
    if (term::MIN_SMALL as i64..=term::MAX_SMALL as i64).contains(&n) {
        Some(((n << SMALL_SHIFT) | SMALL_TAG) as i32 as i64)
    } else {
        None
    }
}

/// Tagged `a + c` for two small integers, and an `i8` that is `1` when the sum does not
/// fit in a small (then the first result is meaningless and the caller takes the bignum
/// path). Both operands must already be known to be small.
pub fn add_smalls(b: &mut FunctionBuilder, a: Value, c: Value) -> (Value, Value) {
    let c_untagged = b.ins().iadd_imm_s(c, -SMALL_TAG); // c's value << 4: cannot overflow
    b.ins().sadd_overflow(a, c_untagged)
}

/// Tagged `a - c` for two small integers and the overflow flag, as [`add_smalls`].
pub fn sub_smalls(b: &mut FunctionBuilder, a: Value, c: Value) -> (Value, Value) {
    let c_untagged = b.ins().iadd_imm_s(c, -SMALL_TAG);
    b.ins().ssub_overflow(a, c_untagged)
}

/// Tagged `a * c` for two small integers and the overflow flag: `value(a) * (c - 0xF)`
/// is the product shifted left by 4, which overflows 32 bits exactly when the product
/// leaves the small range; the tag is then or-ed back in.
pub fn mul_smalls(b: &mut FunctionBuilder, a: Value, c: Value) -> (Value, Value) {
    let a_value = small_value(b, a);
    let c_untagged = b.ins().iadd_imm_s(c, -SMALL_TAG);
    let (product, overflow) = b.ins().smul_overflow(a_value, c_untagged);
    let tagged = b.ins().bor_imm_u(product, SMALL_TAG);
    (tagged, overflow)
}

/// Tagged `a OP c` for two small integers where the result is always a small: `band`
/// and `bor` of two tagged words keep the all-ones tag; `bxor` clears it, so it is or-ed
/// back; `rem` and `div` work on the values (the caller has excluded a zero divisor, and
/// -1 for `div`, so the quotient's magnitude is at most the dividend's and the
/// remainder's below the divisor's). Erlang's `div` and `rem` truncate toward zero, as
/// SDIV and its remainder do.
pub fn exact_smalls(b: &mut FunctionBuilder, op: &str, a: Value, c: Value) -> Value {
    match op {
        "band" => b.ins().band(a, c),
        "bor" => b.ins().bor(a, c),
        "bxor" => {
            let x = b.ins().bxor(a, c);
            b.ins().bor_imm_u(x, SMALL_TAG)
        }
        "div" | "rem" => {
            // In VFP doubles, not SDIV: Cortex-A8/A9 have no integer divide but every
            // VFPv3 core has VDIV.F64, and no call leaves the segment a leaf. Exact for
            // 28-bit operands: the double quotient is off by at most |a/c|*2^-53 <
            // 2^-26/|c|, less than the 1/|c| that separates a non-integral a/c from the
            // next integer, so truncating it gives a div c; rem is a - (a div c)*c.
            let (va, vc) = (small_value(b, a), small_value(b, c));
            let fa = b.ins().fcvt_from_sint(F64, va);
            let fc = b.ins().fcvt_from_sint(F64, vc);
            let fq = b.ins().fdiv(fa, fc);
            let q = b.ins().fcvt_to_sint_sat(I32, fq);
            let r = if op == "div" {
                q
            } else {
                let qc = b.ins().imul(q, vc);
                b.ins().isub(va, qc)
            };
            make_small(b, r)
        }
        _ => unreachable!("exact_smalls of {op}"),
    }
}

/// Signed comparison of two tagged small integers: the tag bits are equal, so the order
/// of the words is the order of the values.
pub fn cmp_smalls(b: &mut FunctionBuilder, cc: IntCC, a: Value, c: Value) -> Value {
    debug_assert!(b.func.dfg.value_type(a) == I32);
    b.ins().icmp(cc, a, c)
}
