//! End-to-end tests of the code generator: CLIF text → our backend → A32 code executed by
//! qemu-arm (natively or through a static ELF harness), results checked against values
//! computed here from the CLIF semantics.

#[path = "codegen_support.rs"]
mod support;
use support::run_clif;

#[test]
fn codegen_iconst_return() {
    let f = "function %f() -> i32 {\nblock0:\n  v0 = iconst.i32 0x12345678\n  return v0\n}";
    assert_eq!(run_clif(f, &[]).0, 0x1234_5678);
    let f = "function %f() -> i32 {\nblock0:\n  v0 = iconst.i32 -2\n  return v0\n}";
    assert_eq!(run_clif(f, &[]).0, 0xffff_fffe);
    let f = "function %f() -> i32 {\nblock0:\n  v0 = iconst.i32 0xff000000\n  return v0\n}";
    assert_eq!(run_clif(f, &[]).0, 0xff00_0000);
}

#[test]
fn codegen_iadd_isub_args() {
    let f = "function %f(i32, i32) -> i32 {\nblock0(v0: i32, v1: i32):\n  v2 = iadd v0, v1\n  return v2\n}";
    for (a, b) in [(1u32, 2u32), (u32::MAX, 1), (0x8000_0000, 0x8000_0000)] {
        assert_eq!(run_clif(f, &[a, b]).0, a.wrapping_add(b));
    }
    // Constant folded into the immediate operand, and a reverse subtract.
    let f = "function %f(i32) -> i32, i32 {\nblock0(v0: i32):\n  v1 = iconst.i32 255\n  v2 = isub v0, v1\n  v3 = isub v1, v0\n  return v2, v3\n}";
    for a in [0u32, 1, 255, u32::MAX] {
        assert_eq!(
            run_clif(f, &[a]),
            (a.wrapping_sub(255), 255u32.wrapping_sub(a))
        );
    }
}

#[test]
fn codegen_logic_mul() {
    let f = "function %f(i32, i32) -> i32, i32 {\nblock0(v0: i32, v1: i32):\n  v2 = band v0, v1\n  v3 = bor v0, v1\n  v4 = bxor v2, v3\n  v5 = imul v4, v1\n  v7 = bnot v1\n  v6 = band v0, v7\n  return v5, v6\n}";
    for (a, b) in [(0xf0f0_1234u32, 0x0ff0_4321u32), (u32::MAX, 7), (0, 0)] {
        let x = (a & b) ^ (a | b);
        assert_eq!(run_clif(f, &[a, b]), (x.wrapping_mul(b), a & !b));
    }
}

#[test]
fn codegen_brif_loop_block_params() {
    // sum = n + (n-1) + ... + 1, with the loop-carried values as block parameters.
    let f = "function %sum(i32) -> i32 {
block0(v0: i32):
  v1 = iconst.i32 0
  jump block1(v0, v1)
block1(v2: i32, v3: i32):
  brif v2, block2, block3(v3)
block2:
  v4 = iadd v3, v2
  v5 = iconst.i32 1
  v6 = isub v2, v5
  jump block1(v6, v4)
block3(v7: i32):
  return v7
}";
    for n in [0u32, 1, 10, 1000] {
        assert_eq!(run_clif(f, &[n]).0, n * (n + 1) / 2);
    }
}

#[test]
fn codegen_brif_narrow_condition() {
    // An i8 condition only looks at the low 8 bits (0x100 truncated is 0).
    let f = "function %f(i32) -> i32 {
block0(v0: i32):
  v1 = ireduce.i8 v0
  brif v1, block1, block2
block1:
  v2 = iconst.i32 1
  return v2
block2:
  v3 = iconst.i32 2
  return v3
}";
    assert_eq!(run_clif(f, &[0x100]).0, 2);
    assert_eq!(run_clif(f, &[0x101]).0, 1);
    assert_eq!(run_clif(f, &[0]).0, 2);
}

#[test]
fn codegen_spills_many_live_values() {
    // 20 values live at once force spills and reloads (13 allocatable registers).
    let mut s = String::from("function %f(i32) -> i32 {\nblock0(v0: i32):\n");
    for i in 1..=20 {
        s.push_str(&format!(
            "  v{} = iconst.i32 {}\n  v{i} = iadd v0, v{}\n",
            200 + i,
            i * 3 + 1,
            200 + i
        ));
    }
    // Multiply the first two so no value is a plain copy; then sum all the others.
    s.push_str("  v100 = imul v1, v2\n");
    for i in 3..=20 {
        s.push_str(&format!(
            "  v{} = iadd v{}, v{i}\n",
            100 + i,
            if i == 3 { 100 } else { 100 + i - 1 }
        ));
    }
    s.push_str("  return v120\n}\n");
    let f = s;
    for x in [0u32, 5, 0xffff_0000] {
        let v: Vec<u32> = (0..=20).map(|i| x.wrapping_add(i * 3 + 1)).collect();
        let mut r = v[1].wrapping_mul(v[2]);
        for vi in &v[3..=20] {
            r = r.wrapping_add(*vi);
        }
        assert_eq!(run_clif(&f, &[x]).0, r, "x = {x}");
    }
}
