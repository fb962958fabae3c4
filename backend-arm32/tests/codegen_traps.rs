//! Traps: division by zero, signed division overflow and trapz/trapnz end in UDF, which the
//! ARM implementation (qemu-arm) reports as SIGILL; the non-trapping paths return normally.

#[path = "codegen_support.rs"]
mod support;
use support::run_clif_checked;

const SIGILL: i32 = 4;

#[test]
fn codegen_div_traps() {
    let f = "function %f(i32, i32) -> i32 {\nblock0(v0: i32, v1: i32):\n  v2 = sdiv v0, v1\n  return v2\n}";
    assert_eq!(run_clif_checked(f, &[7, 0]), Err(SIGILL), "sdiv by zero");
    assert_eq!(
        run_clif_checked(f, &[0x8000_0000, u32::MAX]),
        Err(SIGILL),
        "MIN / -1"
    );
    assert_eq!(
        run_clif_checked(f, &[0x8000_0000, 1]).map(|r| r.0),
        Ok(0x8000_0000)
    );
    let f =
        "function %f(i8, i8) -> i8 {\nblock0(v0: i8, v1: i8):\n  v2 = sdiv v0, v1\n  return v2\n}";
    assert_eq!(
        run_clif_checked(f, &[0x80, 0xff]),
        Err(SIGILL),
        "i8 MIN / -1"
    );
    assert_eq!(run_clif_checked(f, &[0x80, 1]).map(|r| r.0 as u8), Ok(0x80));
    let f = "function %f(i32, i32) -> i32 {\nblock0(v0: i32, v1: i32):\n  v2 = urem v0, v1\n  return v2\n}";
    assert_eq!(run_clif_checked(f, &[7, 0]), Err(SIGILL), "urem by zero");
    // srem MIN % -1 is defined (0) in CLIF.
    let f = "function %f(i32, i32) -> i32 {\nblock0(v0: i32, v1: i32):\n  v2 = srem v0, v1\n  return v2\n}";
    assert_eq!(
        run_clif_checked(f, &[0x8000_0000, u32::MAX]).map(|r| r.0),
        Ok(0)
    );
}

#[test]
fn codegen_conditional_traps() {
    let f = "function %f(i32) -> i32 {\nblock0(v0: i32):\n  trapz v0, user1\n  return v0\n}";
    assert_eq!(run_clif_checked(f, &[0]), Err(SIGILL));
    assert_eq!(run_clif_checked(f, &[5]).map(|r| r.0), Ok(5));
    let f = "function %f(i16) -> i16 {\nblock0(v0: i16):\n  trapnz v0, user1\n  return v0\n}";
    // Only the low 16 bits count: 0x10000 is zero as an i16.
    assert_eq!(run_clif_checked(f, &[0x10000]).map(|r| r.0 as u16), Ok(0));
    assert_eq!(run_clif_checked(f, &[1]), Err(SIGILL));
    let f = "function %f(i32) -> i32 {\nblock0(v0: i32):\n  brif v0, block1, block2\nblock1:\n  trap user1\nblock2:\n  return v0\n}";
    assert_eq!(run_clif_checked(f, &[1]), Err(SIGILL));
    assert_eq!(run_clif_checked(f, &[0]).map(|r| r.0), Ok(0));
}

/// The f64 bits of `x` as the (lo, hi) arguments of an i64 parameter.
fn f64_args(x: f64) -> [u32; 2] {
    let b = x.to_bits();
    [b as u32, (b >> 32) as u32]
}

#[test]
fn codegen_fcvt_traps() {
    // Cranelift: NaN traps (bad_toint), values outside the integer range trap (int_ovf);
    // anything that truncates into range converts.
    let sint = "function %f(i64) -> i32 {\nblock0(v0: i64):\n  v1 = bitcast.f64 v0\n  v2 = fcvt_to_sint.i32 v1\n  return v2\n}";
    for bad in [
        f64::NAN,
        2147483648.0,
        -2147483649.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
    ] {
        assert_eq!(
            run_clif_checked(sint, &f64_args(bad)),
            Err(SIGILL),
            "fcvt_to_sint {bad}"
        );
    }
    for (ok, want) in [
        (2147483647.99, i32::MAX),
        (-2147483648.99, i32::MIN),
        (-0.5, 0),
        (f64::from_bits(1), 0),
    ] {
        assert_eq!(
            run_clif_checked(sint, &f64_args(ok)).map(|r| r.0 as i32),
            Ok(want),
            "fcvt_to_sint {ok}"
        );
    }
    let uint = "function %f(i64) -> i32 {\nblock0(v0: i64):\n  v1 = bitcast.f64 v0\n  v2 = fcvt_to_uint.i32 v1\n  return v2\n}";
    for bad in [f64::NAN, -1.0, 4294967296.0, -f64::INFINITY, -1e10] {
        assert_eq!(
            run_clif_checked(uint, &f64_args(bad)),
            Err(SIGILL),
            "fcvt_to_uint {bad}"
        );
    }
    for (ok, want) in [(4294967295.99, u32::MAX), (-0.99, 0), (-0.0, 0), (2.5, 2)] {
        assert_eq!(
            run_clif_checked(uint, &f64_args(ok)).map(|r| r.0),
            Ok(want),
            "fcvt_to_uint {ok}"
        );
    }
}
