//! Differential fuzzing: random CLIF programs over the supported integer subset are
//! compiled by our backend (run on ARM via qemu-arm) and by Cranelift's own host backend
//! (cranelift-jit), and must return the same value for random inputs. The programs mix
//! straight-line i32/i8/i16 arithmetic with overflow-checking ops, guarded division,
//! i64 register-pair arithmetic, f64 arithmetic/compares/conversions (VFP), if/else
//! diamonds (also on f64 compares, joining f64 block parameters), `br_table` switches
//! (values joined through block parameters) and calls to a second function (AAPCS or the
//! tail convention). A NaN may arise (0/0, inf-inf, sqrt of a negative); only its NaN-ness
//! is observed (compares, saturating conversions), since IEEE 754 leaves the payload and
//! sign of a generated NaN open and ARM and x86 differ there.
//! Each program is compiled twice, as A32 and as T32 (Thumb-2), and both must agree with
//! the host for every input.
//! `BEAMJIT_FUZZ_ITERS` sets the number of programs (default: a small CI-sized count),
//! `BEAMJIT_FUZZ_SECS` stops earlier after that many seconds, `BEAMJIT_FUZZ_SEED` the seed.

#![cfg(not(target_arch = "arm"))]

#[path = "codegen_support.rs"]
mod support;

use backend_arm32::codegen::{compile_isa, CompiledCode, Isa, SymbolName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Binary operations; `band_not` is written as `band x, (bnot y)` (Cranelift 0.134 removed
/// the instruction; the backend still fuses the pair into BIC), see [`bin_inst`].
const BIN: [&str; 11] = [
    "iadd", "isub", "imul", "band", "bor", "bxor", "band_not", "ishl", "ushr", "sshr", "rotr",
];

/// CLIF lines (indented, each ending in a newline) for `dst = op a, b`, `op` from [`BIN`].
fn bin_inst(dst: &str, op: &str, a: &str, b: &str) -> String {
    if op == "band_not" {
        format!("    {dst}_n = bnot {b}\n    {dst} = band {a}, {dst}_n\n")
    } else {
        format!("    {dst} = {op} {a}, {b}\n")
    }
}
const CC: [&str; 10] = [
    "eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge",
];

/// A random function `(i32, i32, i32) -> i32` of `n` instructions; narrow (i8/i16)
/// sub-computations go through ireduce and come back through uextend/sextend.
const OVERFLOW: [&str; 6] = [
    "sadd_overflow",
    "uadd_overflow",
    "ssub_overflow",
    "usub_overflow",
    "smul_overflow",
    "umul_overflow",
];
const DIV: [&str; 4] = ["udiv", "sdiv", "urem", "srem"];
const FCC: [&str; 14] = [
    "eq", "ne", "one", "ueq", "lt", "le", "gt", "ge", "ult", "ule", "ugt", "uge", "ord", "uno",
];
/// f64 constants at edges (hex floats as the CLIF parser reads them).
const FCONST: [&str; 8] = [
    "0x0.0p0",
    "-0x0.0p0",
    "0x1.0p-1",
    "-0x1.8p1",
    "0x1.0p100",
    "+Inf",
    "-Inf",
    "0x1.0p-1074",
];

/// The callee of the program: `%h(a, b)` with a random body, AAPCS or tail convention.
fn random_helper(rng: &mut SmallRng, tail: bool) -> String {
    let op = BIN[rng.gen_range(0..BIN.len())];
    let k: i32 = rng.gen_range(-50..50);
    let cc = if tail { " tail" } else { "" };
    let body = bin_inst("v2", op, "v0", "v1");
    format!(
        "function %h(i32, i32) -> i32{cc} {{\nblock0(v0: i32, v1: i32):\n{body}    v2_k = iconst.i32 {k}\n    v3 = iadd v2, v2_k\n    v4 = bxor v3, v1\n    return v4\n}}\n"
    )
}

/// A random program: `%h` (see [`random_helper`]) and `%f(i32, i32, i32) -> i32` of about
/// `n` operations, which may call `%h`.
fn random_function(rng: &mut SmallRng, n: usize) -> String {
    let tail = rng.gen_bool(0.5);
    let cc = if tail { " tail" } else { "" };
    let mut s = random_helper(rng, tail);
    s.push_str(&format!(
        "function %f(i32, i32, i32) -> i32 {{\n    fn0 = colocated %h(i32, i32) -> i32{cc}\nblock0(v0: i32, v1: i32, v2: i32):\n"
    ));
    let mut block = 1;
    let mut vals: Vec<usize> = vec![0, 1, 2];
    let mut next = 3;
    let pick = |rng: &mut SmallRng, vals: &Vec<usize>| vals[rng.gen_range(0..vals.len())];
    for _ in 0..n {
        let d = next;
        next += 1;
        match rng.gen_range(0..19) {
            17 => {
                // f64: two integers converted in, arithmetic, a unary op, a compare used
                // as a value and by a select, a saturating conversion back, and the bits
                // of a (never NaN) converted value folded in through bitcast.
                let op = ["fadd", "fsub", "fmul", "fdiv"][rng.gen_range(0..4)];
                let un = ["fneg", "fabs", "sqrt"][rng.gen_range(0..3)];
                let cc = FCC[rng.gen_range(0..FCC.len())];
                let cin = ["fcvt_from_sint", "fcvt_from_uint"];
                let (c1, c2) = (cin[rng.gen_range(0..2)], cin[rng.gen_range(0..2)]);
                let cout = ["fcvt_to_sint_sat", "fcvt_to_uint_sat"][rng.gen_range(0..2)];
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&format!(
                    "    v{d}_a = {c1}.f64 v{a}\n    v{d}_b = {c2}.f64 v{b}\n    v{d}_x = {op} v{d}_a, v{d}_b\n    v{d}_y = {un} v{d}_x\n    v{d}_c = fcmp {cc} v{d}_y, v{d}_a\n    v{d}_s = select v{d}_c, v{d}_y, v{d}_b\n    v{d}_i = {cout}.i32 v{d}_s\n    v{d}_z = uextend.i32 v{d}_c\n    v{d}_w = bitcast.i64 v{d}_a\n    v{d}_32 = iconst.i32 32\n    v{d}_h = ushr v{d}_w, v{d}_32\n    v{d}_l = ireduce.i32 v{d}_h\n    v{d}_m = bxor v{d}_i, v{d}_l\n    v{d} = iadd v{d}_m, v{d}_z\n"
                ));
            }
            18 => {
                // A diamond on an f64 compare (fused VCMP/VMRS/Bcc) joining an f64 block
                // parameter, converted back saturating.
                let cc = FCC[rng.gen_range(0..FCC.len())];
                let k = FCONST[rng.gen_range(0..FCONST.len())];
                let (o1, o2) = (
                    ["fadd", "fsub", "fmul", "fdiv"][rng.gen_range(0..4)],
                    ["fadd", "fsub", "fmul", "fdiv"][rng.gen_range(0..4)],
                );
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                let (t, f, j) = (block, block + 1, block + 2);
                block += 3;
                s.push_str(&format!(
                    "    v{d}_a = fcvt_from_sint.f64 v{a}\n    v{d}_b = fcvt_from_uint.f64 v{b}\n    v{d}_k = f64const {k}\n    v{d}_c = fcmp {cc} v{d}_a, v{d}_b\n    brif v{d}_c, block{t}, block{f}\nblock{t}:\n    v{d}_t = {o1} v{d}_a, v{d}_k\n    jump block{j}(v{d}_t)\nblock{f}:\n    v{d}_f = {o2} v{d}_b, v{d}_k\n    jump block{j}(v{d}_f)\nblock{j}(v{d}_p: f64):\n    v{d} = fcvt_to_sint_sat.i32 v{d}_p\n"
                ));
            }
            16 => {
                // i64 in register pairs: build a 64-bit value from two i32s, combine,
                // shift by a constant, compare, and fold both words back to i32.
                let op = ["iadd", "isub", "imul", "band", "bor", "bxor"][rng.gen_range(0..6)];
                let sh = ["ishl", "ushr", "sshr"][rng.gen_range(0..3)];
                let cc = CC[rng.gen_range(0..CC.len())];
                let k = rng.gen_range(0..70);
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&format!(
                    "    v{d}_a = uextend.i64 v{a}\n    v{d}_b = sextend.i64 v{b}\n    v{d}_32 = iconst.i32 32\n    v{d}_h = ishl v{d}_b, v{d}_32\n    v{d}_x = bor v{d}_a, v{d}_h\n    v{d}_y = {op} v{d}_x, v{d}_b\n    v{d}_k = iconst.i32 {k}\n    v{d}_s = {sh} v{d}_y, v{d}_k\n    v{d}_c = icmp {cc} v{d}_y, v{d}_s\n    v{d}_z = uextend.i32 v{d}_c\n    v{d}_u = ushr v{d}_s, v{d}_32\n    v{d}_l = ireduce.i32 v{d}_s\n    v{d}_w = ireduce.i32 v{d}_u\n    v{d}_q = bxor v{d}_l, v{d}_w\n    v{d} = iadd v{d}_q, v{d}_z\n"
                ));
            }
            10 => {
                // Overflow-checking arithmetic: the wrapped result plus the flag.
                let op = OVERFLOW[rng.gen_range(0..OVERFLOW.len())];
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&format!(
                    "    v{d}_r, v{d}_f = {op} v{a}, v{b}\n    v{d}_z = uextend.i32 v{d}_f\n    v{d}_7 = iconst.i32 7\n    v{d}_s = ishl v{d}_z, v{d}_7\n    v{d} = bxor v{d}_r, v{d}_s\n"
                ));
            }
            11 => {
                // Division by a divisor forced positive and odd (no trap).
                let op = DIV[rng.gen_range(0..DIV.len())];
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&format!(
                    "    v{d}_m = iconst.i32 0x7fffffff\n    v{d}_p = band v{b}, v{d}_m\n    v{d}_1 = iconst.i32 1\n    v{d}_q = bor v{d}_p, v{d}_1\n    v{d} = {op} v{a}, v{d}_q\n"
                ));
            }
            12 => {
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&format!("    v{d} = call fn0(v{a}, v{b})\n"));
            }
            13 => {
                // if/else diamond joined by a block parameter.
                let cc = CC[rng.gen_range(0..CC.len())];
                let (a, b, x, y) = (
                    pick(rng, &vals),
                    pick(rng, &vals),
                    pick(rng, &vals),
                    pick(rng, &vals),
                );
                let (o1, o2) = (
                    BIN[rng.gen_range(0..BIN.len())],
                    BIN[rng.gen_range(0..BIN.len())],
                );
                let (t, f, j) = (block, block + 1, block + 2);
                block += 3;
                let (x, y) = (format!("v{x}"), format!("v{y}"));
                let (bt, bf) = (
                    bin_inst(&format!("v{d}_t"), o1, &x, &y),
                    bin_inst(&format!("v{d}_f"), o2, &y, &x),
                );
                s.push_str(&format!(
                    "    v{d}_c = icmp {cc} v{a}, v{b}\n    brif v{d}_c, block{t}, block{f}\nblock{t}:\n{bt}    jump block{j}(v{d}_t)\nblock{f}:\n{bf}    jump block{j}(v{d}_f)\nblock{j}(v{d}: i32):\n"
                ));
            }
            14 => {
                // A switch: br_table over a masked index, each case its own operation.
                let cases = rng.gen_range(1..6);
                let (a, x, y) = (pick(rng, &vals), pick(rng, &vals), pick(rng, &vals));
                let mask = rng.gen_range(1..8u32);
                let j = block + cases + 1;
                let targets: Vec<String> = (0..cases)
                    .map(|c| format!("block{}", block + 1 + c))
                    .collect();
                s.push_str(&format!(
                    "    v{d}_k = iconst.i32 {mask}\n    v{d}_i = band v{a}, v{d}_k\n    br_table v{d}_i, block{block}, [{}]\n",
                    targets.join(", ")
                ));
                for c in 0..=cases {
                    let op = BIN[rng.gen_range(0..BIN.len())];
                    let body =
                        bin_inst(&format!("v{d}_{c}"), op, &format!("v{x}"), &format!("v{y}"));
                    s.push_str(&format!(
                        "block{}:\n{body}    jump block{j}(v{d}_{c})\n",
                        block + c
                    ));
                }
                s.push_str(&format!("block{j}(v{d}: i32):\n"));
                block = j + 1;
            }
            15 => {
                // An overflow flag branched on directly (fused into b<cc>).
                let op = OVERFLOW[rng.gen_range(0..OVERFLOW.len())];
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                let (t, j) = (block, block + 1);
                block += 2;
                s.push_str(&format!(
                    "    v{d}_r, v{d}_f = {op} v{a}, v{b}\n    brif v{d}_f, block{t}, block{j}(v{d}_r)\nblock{t}:\n    v{d}_k = iconst.i32 0x5a5a\n    jump block{j}(v{d}_k)\nblock{j}(v{d}: i32):\n"
                ));
            }
            0..=4 => {
                let op = BIN[rng.gen_range(0..BIN.len())];
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&bin_inst(
                    &format!("v{d}"),
                    op,
                    &format!("v{a}"),
                    &format!("v{b}"),
                ));
            }
            5 => {
                let k: i32 = match rng.gen_range(0..4) {
                    0 => rng.gen_range(-2..3),
                    1 => rng.gen_range(0..256),
                    2 => rng.gen_range(0..40),
                    _ => rng.gen(),
                };
                let op = BIN[rng.gen_range(0..BIN.len())];
                let a = pick(rng, &vals);
                s.push_str(&format!("    v{d}_k = iconst.i32 {k}\n"));
                s.push_str(&bin_inst(
                    &format!("v{d}"),
                    op,
                    &format!("v{a}"),
                    &format!("v{d}_k"),
                ));
            }
            6 => {
                let cc = CC[rng.gen_range(0..CC.len())];
                let (a, b, t, f) = (
                    pick(rng, &vals),
                    pick(rng, &vals),
                    pick(rng, &vals),
                    pick(rng, &vals),
                );
                s.push_str(&format!(
                    "    v{d}_c = icmp {cc} v{a}, v{b}\n    v{d} = select v{d}_c, v{t}, v{f}\n"
                ));
            }
            7 => {
                let op = ["bnot", "ineg", "clz"][rng.gen_range(0..3)];
                let a = pick(rng, &vals);
                s.push_str(&format!("    v{d} = {op} v{a}\n"));
            }
            _ => {
                // A narrow computation: reduce two values, combine, extend back.
                let ty = ["i8", "i16"][rng.gen_range(0..2)];
                let op =
                    ["iadd", "isub", "imul", "ushr", "sshr", "ishl", "bxor"][rng.gen_range(0..7)];
                let ext = ["uextend", "sextend"][rng.gen_range(0..2)];
                let cc = CC[rng.gen_range(0..CC.len())];
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&format!(
                    "    v{d}_a = ireduce.{ty} v{a}\n    v{d}_b = ireduce.{ty} v{b}\n    v{d}_r = {op} v{d}_a, v{d}_b\n    v{d}_c = icmp {cc} v{d}_r, v{d}_a\n    v{d}_e = {ext}.i32 v{d}_r\n    v{d}_z = uextend.i32 v{d}_c\n    v{d} = iadd v{d}_e, v{d}_z\n"
                ));
            }
        }
        vals.push(d);
    }
    // Fold every value in so nothing is dead.
    let mut acc = vals[0];
    for &v in &vals[1..] {
        let d = next;
        next += 1;
        s.push_str(&format!("    v{d} = bxor v{acc}, v{v}\n"));
        acc = d;
    }
    s.push_str(&format!("    return v{acc}\n}}\n"));
    // The parser wants plain numbers: map "v12_k" style names to fresh numbers.
    renumber(&s)
}

fn renumber(s: &str) -> String {
    let mut map = std::collections::HashMap::new();
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let prev_alnum = i > 0 && s.as_bytes()[i - 1].is_ascii_alphanumeric();
        if c == 'v' && !prev_alnum && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) {
            let mut name = String::from("v");
            while let Some(&(_, d)) = chars.peek() {
                if d.is_ascii_alphanumeric() || d == '_' {
                    name.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            let n = map.len();
            let id = *map.entry(name).or_insert(n);
            out.push_str(&format!("v{id}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// Compiles the program (`%h`, `%f`) for the host; returns `%f`.
fn host_compile(
    module: &mut JITModule,
    helper: &cranelift_codegen::ir::Function,
    func: &cranelift_codegen::ir::Function,
) -> extern "C" fn(u32, u32, u32) -> u32 {
    use cranelift_codegen::ir::{ExternalName, UserExternalName};
    let hid = module
        .declare_anonymous_function(&helper.signature)
        .unwrap();
    let mut f = func.clone();
    let fr = f.dfg.ext_funcs.keys().next().expect("fn0");
    let r = f.declare_imported_user_function(UserExternalName::new(0, hid.as_u32()));
    f.dfg.ext_funcs[fr].name = ExternalName::user(r);
    let id = module.declare_anonymous_function(&f.signature).unwrap();
    for (fid, body) in [(hid, helper.clone()), (id, f)] {
        let mut ctx = module.make_context();
        ctx.func = body;
        module.define_function(fid, &mut ctx).unwrap();
    }
    module.finalize_definitions().unwrap();
    let ptr = module.get_finalized_function(id);
    // SAFETY: just compiled for the host with signature (i32, i32, i32) -> i32 (System V).
    unsafe { std::mem::transmute(ptr) }
}

#[test]
fn codegen_fuzz_against_cranelift_host() {
    let iters: usize = std::env::var("BEAMJIT_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("BEAMJIT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    let mut rng = SmallRng::seed_from_u64(seed);
    let secs: u64 = std::env::var("BEAMJIT_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(u64::MAX);
    let start = std::time::Instant::now();
    let mut flags = settings::builder();
    flags.set("opt_level", "none").unwrap();
    // x86-64 tail calls need frame pointers.
    flags.set("preserve_frame_pointers", "true").unwrap();
    let isa = cranelift_native::builder()
        .unwrap()
        .finish(settings::Flags::new(flags))
        .unwrap();
    let mut module = JITModule::new(JITBuilder::with_isa(
        isa,
        cranelift_module::default_libcall_names(),
    ));
    let mut done = 0;
    let mut runs = 0;
    const ISAS: [Isa; 2] = [Isa::A32, Isa::T32];
    for i in 0..iters {
        if start.elapsed().as_secs() >= secs {
            break;
        }
        let n = rng.gen_range(1..30);
        let text = random_function(&mut rng, n);
        let funcs = cranelift_reader::parse_functions(&text)
            .unwrap_or_else(|e| panic!("iteration {i}: {e}\n{text}"));
        let programs = ISAS.map(|isa| {
            funcs
                .iter()
                .map(|f| {
                    let c = compile_isa(f, &support::FLAGS, isa, false)
                        .unwrap_or_else(|e| panic!("iteration {i} ({}): {e}\n{text}", isa.name()));
                    (SymbolName::of_function(f), c)
                })
                .collect::<Vec<(SymbolName, CompiledCode)>>()
        });
        let host = host_compile(&mut module, &funcs[0], &funcs[1]);
        for _ in 0..3 {
            let args: [u32; 3] = [edge(&mut rng), edge(&mut rng), edge(&mut rng)];
            let want = host(args[0], args[1], args[2]);
            for (&isa, program) in ISAS.iter().zip(&programs) {
                let name = isa.name();
                let got = support::run_program_isa_checked_vfp(program, 1, &args, &[], false, isa)
                    .unwrap_or_else(|sig| panic!("iteration {i} ({name}): signal {sig}\n{text}"))
                    .0;
                assert_eq!(
                    got, want,
                    "iteration {i} ({name}), seed {seed}, args {args:x?}, program:\n{text}"
                );
                runs += 1;
            }
        }
        done += 1;
    }
    eprintln!(
        "fuzz: {done} programs, {runs} runs agree (seed {seed}, {} s)",
        start.elapsed().as_secs()
    );
}

fn edge(rng: &mut SmallRng) -> u32 {
    match rng.gen_range(0..4) {
        0 => [0, 1, u32::MAX, 0x8000_0000, 0x7fff_ffff, 0x80, 0xff, 0x8000][rng.gen_range(0..8)],
        1 => rng.gen_range(0..64),
        _ => rng.gen(),
    }
}
