//! Criterion benchmark of the loader: decode every module of the installed OTP
//! (`/usr/lib/erlang/lib/*/ebin/*.beam`, or `BEAMJIT_OTP_LIB`) per iteration. The files are
//! read once, outside the timing loop; throughput is reported in bytes, and modules/s is
//! printed from a separate timed pass.
use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn otp_beams() -> Vec<PathBuf> {
    let root = std::env::var("BEAMJIT_OTP_LIB").unwrap_or_else(|_| "/usr/lib/erlang/lib".into());
    let mut out = Vec::new();
    for app in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(app.path().join("ebin"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if f.path().extension().is_some_and(|e| e == "beam") {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}

fn decode_all(modules: &[Vec<u8>]) -> usize {
    modules
        .iter()
        .map(|m| {
            beam_frontend::decode(m)
                .expect("installed OTP modules decode")
                .functions
                .len()
        })
        .sum()
}

fn load_otp(c: &mut Criterion) {
    let modules: Vec<Vec<u8>> = otp_beams()
        .iter()
        .map(|p| std::fs::read(p).expect("readable .beam"))
        .collect();
    assert!(!modules.is_empty(), "no installed OTP modules found");
    let bytes: usize = modules.iter().map(Vec::len).sum();

    // One plain timed pass for the modules/s figure (criterion reports bytes/s below).
    let start = Instant::now();
    let passes = 5;
    for _ in 0..passes {
        std::hint::black_box(decode_all(&modules));
    }
    let secs = start.elapsed().as_secs_f64() / passes as f64;
    println!(
        "loader: {} modules, {:.1} MB per pass: {:.0} modules/s, {:.1} MB/s",
        modules.len(),
        bytes as f64 / 1e6,
        modules.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );

    let mut g = c.benchmark_group("loader");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("decode_all_otp_modules", |b| {
        b.iter(|| std::hint::black_box(decode_all(&modules)))
    });
    g.finish();
}

criterion_group!(benches, load_otp);
criterion_main!(benches);
