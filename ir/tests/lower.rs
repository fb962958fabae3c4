//! The lowering of real modules (compiled by erlc, or installed with OTP) to CLIF segments:
//! every segment must pass Cranelift's verifier and our mid-end, and the segment structure
//! must follow docs/beam-machine.md (one entry per function, one segment per return point).

use std::process::Command;

use beam_frontend::specific::transform;
use beam_frontend::{decode, AtomIndex, Module};
use beam_ir::lower::{lower_module, Env};
use beam_ir::mid_end::{optimize, OptLevel};
use beam_runtime::term;
use cranelift_codegen::ir::Opcode;
use cranelift_codegen::settings;
use cranelift_codegen::verifier::verify_function;
use num_bigint::BigInt;

/// Stand-in for the loader's environment: atoms as real atom terms (index = the module's
/// atom number), constants as made-up boxed addresses, every `erlang` function a BIF.
struct FakeEnv;

impl Env for FakeEnv {
    fn atom(&self, a: AtomIndex) -> u32 {
        (a << term::IMMED2_SIZE) | term::IMMED2_ATOM
    }
    fn atom_named(&self, name: &str) -> u32 {
        self.atom(name.len() as u32 + 1000)
    }
    fn literal(&self, l: u32) -> u32 {
        0x1000_0002 + 8 * l
    }
    fn big_int(&self, _: &BigInt) -> u32 {
        0x2000_0002
    }
    fn float(&self, _: f64) -> u32 {
        0x3000_0002
    }
    fn bif(&self, module: &str, function: &str, arity: u32) -> Option<u32> {
        (module == "erlang").then(|| function.len() as u32 * 8 + arity)
    }
    fn catch_tag(&self, local: u32) -> u32 {
        (local << 6) | 0x1b
    }
}

fn compile(name: &str, src: &str) -> Module {
    let dir = std::env::temp_dir().join(format!("beamjit-lower-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let erl = dir.join(format!("{name}.erl"));
    std::fs::write(&erl, src).unwrap();
    let out = Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .arg(&erl)
        .output()
        .expect("erlc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = decode(&std::fs::read(dir.join(format!("{name}.beam"))).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    m
}

/// Lowers `m`, verifies and optimises every segment; returns (segments, CLIF instructions).
fn check(m: &Module) -> (usize, usize) {
    let fs = transform(m).unwrap();
    let lowered = lower_module(m, &fs, &FakeEnv).unwrap_or_else(|e| panic!("{}: {e}", m.name()));
    let flags = settings::Flags::new(settings::builder());
    let mut insts = 0;
    for seg in &lowered.segments {
        let mut f = seg.func.clone();
        verify_function(&f, &flags)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", seg.name, f.display()));
        optimize(&mut f, OptLevel::Speed).unwrap_or_else(|e| panic!("{}: {e}", seg.name));
        insts += f
            .layout
            .blocks()
            .map(|b| f.layout.block_insts(b).count())
            .sum::<usize>();
    }
    assert_eq!(
        lowered
            .segments
            .iter()
            .filter(|s| s.name.ends_with("@entry"))
            .count(),
        m.functions.len()
    );
    (lowered.segments.len(), insts)
}

const PROGS: &str = r#"-module(progs).
-export([fib/1, len/1, rev/2, tup/1, cls/1, sum/2]).
fib(N) when N < 2 -> N;
fib(N) -> fib(N-1) + fib(N-2).
len([]) -> 0;
len([_|T]) -> 1 + len(T).
rev([], Acc) -> Acc;
rev([H|T], Acc) -> rev(T, [H|Acc]).
tup({A, B}) -> {B, A, element(1, {A})}.
cls(a) -> 1; cls(b) -> 2; cls(X) when is_integer(X) -> X * 3; cls(_) -> other.
sum(A, B) -> case A + B of 0 -> zero; S -> {S, A band B, A div B, A rem B, -A, A bsl 3} end.
"#;

#[test]
fn hello_lowers_to_one_segment_per_function() {
    let m = compile(
        "hello",
        "-module(hello).\n-export([start/2]).\nstart(_, _) -> erlang:halt(42, [{flush, false}]).\n",
    );
    let fs = transform(&m).unwrap();
    let lowered = lower_module(&m, &fs, &FakeEnv).unwrap();
    // start/2 and the two module_info functions; no calls, so no return points.
    assert_eq!(lowered.segments.len(), 3);
    let start = &lowered.segments[0];
    assert_eq!(start.name, "hello:start/2@entry");
    // The BIF tail call: one runtime call (rt_bif) and a tail call through CP.
    let ops: Vec<Opcode> = start
        .func
        .layout
        .blocks()
        .flat_map(|b| start.func.layout.block_insts(b))
        .map(|i| start.func.dfg.insts[i].opcode())
        .collect();
    assert_eq!(
        ops.iter().filter(|&&o| o == Opcode::Call).count(),
        1,
        "{}",
        start.func.display()
    );
    assert!(
        ops.contains(&Opcode::ReturnCallIndirect),
        "{}",
        start.func.display()
    );
    check(&m);
}

#[test]
fn calls_split_functions_into_segments() {
    let m = compile("progs", PROGS);
    let (segments, _) = check(&m);
    // fib has two non-tail calls, len one: three return points beyond the 8 entries.
    assert_eq!(segments, m.functions.len() + 3, "segments");
}

#[cfg(not(target_arch = "arm"))]
fn installed_modules() -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for lib in std::fs::read_dir("/usr/lib/erlang/lib").expect("OTP is installed") {
        if let Ok(rd) = std::fs::read_dir(lib.unwrap().path().join("ebin")) {
            v.extend(
                rd.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "beam")),
            );
        }
    }
    v.sort();
    v
}

/// Every installed OTP module lowers to verifiable CLIF. Hosted only: under qemu-arm this
/// takes too long, and the lowering is target-independent.
#[cfg(not(target_arch = "arm"))]
#[test]
fn installed_otp_modules_lower_and_verify() {
    let (mut segs, mut insts) = (0, 0);
    let paths = installed_modules();
    // A bounded sample in CI (every 4th module); BEAMJIT_LOWER_ALL=1 checks all of them.
    let step = if std::env::var_os("BEAMJIT_LOWER_ALL").is_some() {
        1
    } else {
        4
    };
    let mut n = 0;
    for p in paths.iter().step_by(step) {
        let m = decode(&std::fs::read(p).unwrap()).unwrap();
        let (s, i) = check(&m);
        segs += s;
        insts += i;
        n += 1;
    }
    println!("{n} modules: {segs} segments, {insts} CLIF instructions after the mid-end");
    assert!(n > 100);
}
