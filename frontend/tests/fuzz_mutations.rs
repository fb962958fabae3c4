//! Mutation fuzzing over real modules: decoding arbitrary damage to a `.beam` file must
//! give `Ok` or a typed `LoadError`, never a panic.
//!
//! Mutations: bit flips, byte overwrites with boundary values, truncation, byte insertion
//! and deletion, chunk-size edits, splices between modules, edits inside one chunk (the
//! `Code` chunk's instruction bytes most often) with the container sizes repaired so the
//! damage reaches the chunk decoders, and edits inside the decompressed `LitT` table that
//! are recompressed.
//!
//! CI runs `BEAMJIT_LOADER_FUZZ_ITERS` iterations (default 20000, 5000 on ARM); `BEAMJIT_LOADER_FUZZ_SECS`
//! adds a time budget for long runs. Each iteration's RNG derives from the printed seed and
//! the iteration number: rerun with `BEAMJIT_LOADER_FUZZ_SEED=<seed>` to replay. A panicking
//! input is written to the temp directory.

mod common;

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// A module split into chunks, for structured mutations.
fn split_chunks(file: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    beam_frontend::container::read_chunks(file)
        .map(|cs| cs.into_iter().map(|c| (c.id.0, c.data.to_vec())).collect())
        .unwrap_or_default()
}

fn build(chunks: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    common::build_module(chunks)
}

const INTERESTING: [u8; 10] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x08, 0x18, 0xf8, 0x07, 0x17];

/// Damages `data` in place with one to four small edits.
fn edit_bytes(rng: &mut SmallRng, data: &mut Vec<u8>, start: usize) {
    let edits = rng.gen_range(1..=4);
    for _ in 0..edits {
        if data.len() <= start {
            data.push(rng.gen());
            continue;
        }
        let pos = rng.gen_range(start..data.len());
        match rng.gen_range(0..6) {
            0 => data[pos] ^= 1 << rng.gen_range(0..8),
            1 => data[pos] = INTERESTING[rng.gen_range(0..INTERESTING.len())],
            2 => data[pos] = rng.gen(),
            3 => {
                let n = rng.gen_range(1..=8);
                for _ in 0..n {
                    data.insert(pos, rng.gen());
                }
            }
            4 => {
                let n = rng.gen_range(1..=8).min(data.len() - pos);
                data.drain(pos..pos + n);
            }
            _ => {
                // A 32-bit field set to a boundary value (counts and sizes live in these).
                let v: u32 = [
                    0,
                    1,
                    0x7fff_ffff,
                    0x8000_0000,
                    0xffff_ffff,
                    0x0100_0000,
                    rng.gen(),
                ][rng.gen_range(0..7)];
                let end = (pos + 4).min(data.len());
                let bytes = v.to_be_bytes();
                data[pos..end].copy_from_slice(&bytes[..end - pos]);
            }
        }
    }
}

fn mutate(rng: &mut SmallRng, modules: &[Vec<u8>]) -> Vec<u8> {
    let base = &modules[rng.gen_range(0..modules.len())];
    match rng.gen_range(0..10) {
        // Raw damage anywhere, container sizes left as they are.
        0 => {
            let mut d = base.clone();
            edit_bytes(rng, &mut d, 0);
            d
        }
        // Truncation.
        1 => base[..rng.gen_range(0..base.len())].to_vec(),
        // Splice: the start of one module with the end of another.
        2 => {
            let other = &modules[rng.gen_range(0..modules.len())];
            let a = rng.gen_range(0..base.len());
            let b = rng.gen_range(0..other.len());
            let mut d = base[..a].to_vec();
            d.extend_from_slice(&other[b..]);
            if rng.gen_bool(0.5) && d.len() >= 8 {
                let n = (d.len() - 8) as u32;
                d[4..8].copy_from_slice(&n.to_be_bytes());
            }
            d
        }
        // A chunk-size field edited in place.
        3 => {
            let mut d = base.clone();
            let mut offsets = Vec::new();
            let mut p = 12;
            while p + 8 <= d.len() {
                offsets.push(p + 4);
                let size = u32::from_be_bytes([d[p + 4], d[p + 5], d[p + 6], d[p + 7]]) as usize;
                p += 8 + size.div_ceil(4) * 4;
            }
            if let Some(&at) = offsets.get(rng.gen_range(0..offsets.len().max(1))) {
                let old = u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]]);
                let v = match rng.gen_range(0..5) {
                    0 => old.wrapping_add(rng.gen_range(1..8)),
                    1 => old.wrapping_sub(rng.gen_range(1..8)),
                    2 => 0xffff_ffff,
                    3 => 0,
                    _ => rng.gen(),
                };
                d[at..at + 4].copy_from_slice(&v.to_be_bytes());
            }
            d
        }
        // Structured: edit inside one chunk (Code most often), sizes repaired.
        4..=7 => {
            let mut chunks = split_chunks(base);
            if chunks.is_empty() {
                return base.clone();
            }
            let idx = if rng.gen_bool(0.5) {
                chunks.iter().position(|(id, _)| id == b"Code").unwrap_or(0)
            } else {
                rng.gen_range(0..chunks.len())
            };
            let start = if &chunks[idx].0 == b"Code" && rng.gen_bool(0.8) {
                20
            } else {
                0
            };
            edit_bytes(rng, &mut chunks[idx].1, start);
            if rng.gen_bool(0.1) {
                // Drop or duplicate a chunk.
                let i = rng.gen_range(0..chunks.len());
                if rng.gen_bool(0.5) {
                    chunks.remove(i);
                } else {
                    let c = chunks[i].clone();
                    chunks.push(c);
                }
            }
            build(&chunks)
        }
        // Inside the decompressed literal table, recompressed.
        _ => {
            let mut chunks = split_chunks(base);
            let Some(i) = chunks.iter().position(|(id, _)| id == b"LitT") else {
                return base.clone();
            };
            let lit = &chunks[i].1;
            if lit.len() < 4 {
                return base.clone();
            }
            let mut plain = Vec::new();
            if flate2::read::ZlibDecoder::new(&lit[4..])
                .read_to_end(&mut plain)
                .is_err()
            {
                return base.clone();
            }
            edit_bytes(rng, &mut plain, 0);
            let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&plain).unwrap();
            let z = enc.finish().unwrap();
            let declared = if rng.gen_bool(0.9) {
                plain.len() as u32
            } else {
                rng.gen()
            };
            let mut data = declared.to_be_bytes().to_vec();
            data.extend_from_slice(&z);
            if rng.gen_bool(0.2) {
                // The OTP 28 form: size 0, table stored uncompressed.
                data = 0u32.to_be_bytes().to_vec();
                data.extend_from_slice(&plain);
            }
            chunks[i].1 = data;
            build(&chunks)
        }
    }
}

#[test]
fn mutated_modules_never_panic() {
    let files = common::otp_beams();
    assert!(!files.is_empty(), "no installed OTP modules found");
    let modules: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    // Fewer by default under qemu-arm, where each iteration is ~10x slower.
    let default_iters = if cfg!(target_arch = "arm") {
        5_000
    } else {
        20_000
    };
    let iters = env_u64("BEAMJIT_LOADER_FUZZ_ITERS").unwrap_or(default_iters);
    let budget = env_u64("BEAMJIT_LOADER_FUZZ_SECS").map(Duration::from_secs);
    let seed = env_u64("BEAMJIT_LOADER_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    eprintln!(
        "loader fuzz: seed {seed}, up to {iters} iterations over {} modules",
        modules.len()
    );
    let start = Instant::now();
    let (mut ok, mut errors, mut done) = (0u64, 0u64, 0u64);
    for i in 0..iters {
        if budget.is_some_and(|b| start.elapsed() > b) {
            break;
        }
        let mut rng = SmallRng::seed_from_u64(seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let input = mutate(&mut rng, &modules);
        let result = catch_unwind(AssertUnwindSafe(|| match beam_frontend::decode(&input) {
            Ok(m) => {
                // Printing must not panic either.
                let _ = beam_frontend::text::module(&m);
                true
            }
            Err(e) => {
                let _ = e.to_string();
                false
            }
        }));
        match result {
            Ok(true) => ok += 1,
            Ok(false) => errors += 1,
            Err(_) => {
                let path = std::env::temp_dir().join(format!("beamjit-fuzz-{seed}-{i}.beam"));
                let _ = std::fs::write(&path, &input);
                panic!(
                    "decoder panicked: seed {seed} iteration {i}; input saved to {}",
                    path.display()
                );
            }
        }
        done += 1;
        if done % 100_000 == 0 {
            eprintln!("  {done} iterations, {:.0}s", start.elapsed().as_secs_f64());
        }
    }
    eprintln!(
        "loader fuzz: {done} iterations in {:.1}s: {ok} decoded, {errors} typed errors, 0 panics (seed {seed})",
        start.elapsed().as_secs_f64()
    );
    assert!(
        errors > 0,
        "mutations never produced an error: the fuzzer is not mutating"
    );
}
