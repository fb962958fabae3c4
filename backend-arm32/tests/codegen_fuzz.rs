//! Differential fuzzing: random straight-line CLIF functions over the supported integer
//! subset are compiled by our backend (run on ARM via qemu-arm) and by Cranelift's own host
//! backend (cranelift-jit), and must return the same value for random inputs.
//! `BEAMJIT_FUZZ_ITERS` sets the number of functions (default: a small CI-sized count).

#![cfg(not(target_arch = "arm"))]

#[path = "codegen_support.rs"]
mod support;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const BIN: [&str; 11] = [
    "iadd", "isub", "imul", "band", "bor", "bxor", "band_not", "ishl", "ushr", "sshr", "rotr",
];
const CC: [&str; 10] = [
    "eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge",
];

/// A random function `(i32, i32, i32) -> i32` of `n` instructions; narrow (i8/i16)
/// sub-computations go through ireduce and come back through uextend/sextend.
fn random_function(rng: &mut SmallRng, n: usize) -> String {
    let mut s =
        String::from("function %f(i32, i32, i32) -> i32 {\nblock0(v0: i32, v1: i32, v2: i32):\n");
    let mut vals: Vec<usize> = vec![0, 1, 2];
    let mut next = 3;
    let pick = |rng: &mut SmallRng, vals: &Vec<usize>| vals[rng.gen_range(0..vals.len())];
    for _ in 0..n {
        let d = next;
        next += 1;
        match rng.gen_range(0..10) {
            0..=4 => {
                let op = BIN[rng.gen_range(0..BIN.len())];
                let (a, b) = (pick(rng, &vals), pick(rng, &vals));
                s.push_str(&format!("    v{d} = {op} v{a}, v{b}\n"));
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
                s.push_str(&format!(
                    "    v{d}_k = iconst.i32 {k}\n    v{d} = {op} v{a}, v{d}_k\n"
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

fn host_run(module: &mut JITModule, func: &cranelift_codegen::ir::Function, args: [u32; 3]) -> u32 {
    let id = module.declare_anonymous_function(&func.signature).unwrap();
    let mut ctx = module.make_context();
    ctx.func = func.clone();
    module.define_function(id, &mut ctx).unwrap();
    module.finalize_definitions().unwrap();
    let ptr = module.get_finalized_function(id);
    // SAFETY: just compiled for the host with signature (i32, i32, i32) -> i32 (System V).
    let f: extern "C" fn(u32, u32, u32) -> u32 = unsafe { std::mem::transmute(ptr) };
    f(args[0], args[1], args[2])
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
    let mut flags = settings::builder();
    flags.set("opt_level", "none").unwrap();
    let isa = cranelift_native::builder()
        .unwrap()
        .finish(settings::Flags::new(flags))
        .unwrap();
    let mut module = JITModule::new(JITBuilder::with_isa(
        isa,
        cranelift_module::default_libcall_names(),
    ));
    for i in 0..iters {
        let n = rng.gen_range(1..30);
        let text = random_function(&mut rng, n);
        let func = support::parse(&text);
        for _ in 0..3 {
            let args: [u32; 3] = [edge(&mut rng), edge(&mut rng), edge(&mut rng)];
            let want = host_run(&mut module, &func, args);
            let got = support::run_func(&func, &args).0;
            assert_eq!(
                got, want,
                "iteration {i}, args {args:x?}, function:\n{text}"
            );
        }
    }
}

fn edge(rng: &mut SmallRng) -> u32 {
    match rng.gen_range(0..4) {
        0 => [0, 1, u32::MAX, 0x8000_0000, 0x7fff_ffff, 0x80, 0xff, 0x8000][rng.gen_range(0..8)],
        1 => rng.gen_range(0..64),
        _ => rng.gen(),
    }
}
