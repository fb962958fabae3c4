//! Criterion benchmark: compile the CLIF corpus (`tests/clif/*.clif`) with our ARM32
//! backend and with Cranelift's own aarch64 backend (compile only), side by side.
//!
//! Two pairs of measurements over the same functions:
//! - `backend`: our `codegen::compile` (lowering, regalloc2, emission) against Cranelift's
//!   `Context::compile` at `opt_level=none` (legalisation, lowering, regalloc2, emission);
//! - `with_mid_end`: `beam_ir::mid_end::optimize` (e-graph pass) + our compile, against
//!   Cranelift at `opt_level=speed` (its e-graph pass included).
//!
//! Functions that either backend rejects (e.g. 32-bit pointers on the 64-bit ISA) are left
//! out of both sides. Before the criterion runs, a plain timing loop prints the throughput
//! ratio (ours / Cranelift's, functions per second) and the code-size ratio (bytes of
//! machine code; both ISAs have 4-byte instructions, so it is also an instruction ratio).

use std::time::Instant;

use backend_arm32::codegen::{compile, Flags};
use beam_ir::mid_end::{optimize, OptLevel};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FLAGS: Flags = Flags {
    has_hw_div: true,
    ..Flags::DEFAULT
};

/// Every function of every CLIF file in tests/clif.
fn corpus() -> Vec<Function> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/clif");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/clif exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "clif"))
        .collect();
    files.sort();
    let mut funcs = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable CLIF file");
        let parsed = cranelift_reader::parse_functions(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        funcs.extend(parsed);
    }
    funcs
}

fn aarch64(opt_level: &str) -> OwnedTargetIsa {
    let mut b = settings::builder();
    b.set("opt_level", opt_level).expect("opt_level exists");
    cranelift_codegen::isa::lookup_by_name("aarch64-unknown-linux-gnu")
        .expect("cranelift-codegen built with the arm64 feature")
        .finish(settings::Flags::new(b))
        .expect("aarch64 ISA builds")
}

/// Our pipeline; returns the code size in bytes.
fn ours(f: &Function, mid_end: bool) -> Option<usize> {
    let mut f = f.clone();
    if mid_end {
        optimize(&mut f, OptLevel::Speed).ok()?;
    }
    compile(&f, &FLAGS).ok().map(|c| c.code.bytes.len())
}

/// Cranelift's aarch64 pipeline; returns the code size in bytes.
fn theirs(f: &Function, isa: &OwnedTargetIsa) -> Option<usize> {
    let mut ctx = Context::for_function(f.clone());
    ctx.compile(&**isa, &mut ControlPlane::default())
        .ok()
        .map(|c| c.code_buffer().len())
}

/// Mean seconds per pass over `funcs` of `run`, over enough passes for ~1 s.
fn time_pass(funcs: &[Function], run: &dyn Fn(&Function) -> Option<usize>) -> f64 {
    let start = Instant::now();
    let mut passes = 0u32;
    while start.elapsed().as_secs_f64() < 1.0 || passes < 3 {
        for f in funcs {
            std::hint::black_box(run(f));
        }
        passes += 1;
    }
    start.elapsed().as_secs_f64() / f64::from(passes)
}

fn codegen(c: &mut Criterion) {
    let all = corpus();
    for (label, mid_end, level) in [("backend", false, "none"), ("with_mid_end", true, "speed")] {
        let isa = aarch64(level);
        // The common corpus: functions both sides compile.
        let mut funcs = Vec::new();
        let (mut ours_bytes, mut theirs_bytes) = (0usize, 0usize);
        // Cranelift's aarch64 lowering panics on a few inputs (e.g. a branch on
        // `fcmp one`); those count as rejected, quietly.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let accepts = |f: &Function| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| theirs(f, &isa)))
                .ok()
                .flatten()
        };
        let mut rejected = 0;
        for f in &all {
            let Some(b) = accepts(f) else {
                rejected += 1;
                continue;
            };
            if let Some(a) = ours(f, mid_end) {
                ours_bytes += a;
                theirs_bytes += b;
                funcs.push(f.clone());
            }
        }
        std::panic::set_hook(hook);
        let t_ours = time_pass(&funcs, &|f| ours(f, mid_end));
        let t_theirs = time_pass(&funcs, &|f| theirs(f, &isa));
        println!(
            "codegen/{label}: {} of {} functions ({rejected} rejected by aarch64); arm32 {:.0} functions/s, aarch64 {:.0} functions/s, \
             throughput ratio {:.2}x; code size arm32 {ours_bytes} B, aarch64 {theirs_bytes} B, ratio {:.2}",
            funcs.len(),
            all.len(),
            funcs.len() as f64 / t_ours,
            funcs.len() as f64 / t_theirs,
            t_theirs / t_ours,
            ours_bytes as f64 / theirs_bytes as f64,
        );
        let mut g = c.benchmark_group(format!("codegen/{label}"));
        g.throughput(Throughput::Elements(funcs.len() as u64));
        g.bench_function("arm32", |b| {
            b.iter(|| {
                for f in &funcs {
                    std::hint::black_box(ours(f, mid_end));
                }
            })
        });
        g.bench_function("aarch64", |b| {
            b.iter(|| {
                for f in &funcs {
                    std::hint::black_box(theirs(f, &isa));
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, codegen);
criterion_main!(benches);
