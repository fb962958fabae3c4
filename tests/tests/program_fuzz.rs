//! The differential program fuzzer (issue 12): random Erlang modules from
//! `beam_tests::progfuzz`, compiled by `erlc`, run by `erl` and by the JIT; each module's
//! `main/0` value (or uncaught `Class:Reason`) must print the same.
//!
//! CI runs a short, fixed-seed run in IR and template mode. Long runs:
//! `BEAMJIT_FUZZ_PROGRAMS=500 BEAMJIT_FUZZ_SEED=123 cargo test --release -p beam-tests
//! --test program_fuzz -- --nocapture` (the seed defaults to a fixed one; `random` takes
//! one from the clock and prints it; `BEAMJIT_FUZZ_NO_FLOATS=1` leaves floats out). A disagreement keeps the module's source and prints
//! its path, with both values.

use std::path::PathBuf;

use beam_tests::{erl, progfuzz::Gen};
use beam_vm::{Jit, Options, Vm};

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    if v == "random" {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        return Some(t.as_nanos() as u64);
    }
    v.parse().ok()
}

/// Generates `count` modules from `seed`, runs them both ways, returns the disagreements.
fn fuzz(jit: Jit, seed: u64, count: usize, tag: &str) -> Vec<String> {
    let src = std::env::temp_dir().join(format!("beamjit-fuzzsrc-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&src).unwrap();
    let mut names = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for i in 0..count {
        let name = format!("fz{tag}_{i}");
        let mut g = Gen::new(seed.wrapping_add(i as u64));
        if std::env::var_os("BEAMJIT_FUZZ_NO_FLOATS").is_some() {
            g = g.without_floats();
        }
        let text = g.module(&name, 6);
        let path = src.join(format!("{name}.erl"));
        std::fs::write(&path, text).unwrap();
        names.push(name);
        paths.push(path);
    }
    let dir = match erl::compile(&format!("fuzz-{tag}"), &paths) {
        Ok(d) => d,
        Err(e) => panic!(
            "a generated module does not compile (a generator bug); sources kept in {}:\n{e}",
            src.display()
        ),
    };
    let expected = erl::main_values(&dir, &names);
    assert_eq!(expected.len(), names.len(), "erl printed {expected:?}");
    let fresh = || {
        let mut o = Options::with_otp(vec![dir.clone()]);
        o.jit = jit;
        Vm::new(o).unwrap()
    };
    let mut vm = fresh();
    let mut bad = Vec::new();
    for (i, (name, want)) in expected.iter().enumerate() {
        if std::env::var_os("BEAMJIT_FUZZ_VERBOSE").is_some() {
            println!("{tag}: running {name}");
        }
        let got = match vm.run(name, "main", &[]) {
            Ok(o) => erl::outcome_text(o),
            Err(e) => format!("<load error: {e}>"),
        };
        if got.starts_with("<load error") || got.starts_with("internal:") {
            drop(vm);
            vm = fresh();
        }
        if &got != want {
            bad.push(format!(
                "{} (seed {}):\n  erl: {want}\n  JIT: {got}",
                src.join(format!("{name}.erl")).display(),
                seed.wrapping_add(i as u64)
            ));
        }
    }
    println!(
        "{tag}: {count} modules from seed {seed}, {} disagreements",
        bad.len()
    );
    std::fs::remove_dir_all(&dir).ok();
    if bad.is_empty() {
        std::fs::remove_dir_all(&src).ok();
    }
    bad
}

fn run(jit: Jit, tag: &str, default_count: usize) {
    let seed = env_u64("BEAMJIT_FUZZ_SEED").unwrap_or(20261205);
    let count = env_u64("BEAMJIT_FUZZ_PROGRAMS").map_or(default_count, |n| n as usize);
    let bad = fuzz(jit, seed, count, tag);
    assert!(
        bad.is_empty(),
        "{} of {count} generated modules disagree with erl:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn generated_programs_agree_with_erl() {
    run(
        Jit::Ir,
        "ir",
        if cfg!(target_arch = "arm") { 3 } else { 12 },
    );
}

#[test]
fn generated_programs_agree_with_erl_in_template_mode() {
    run(
        Jit::Template,
        "tm",
        if cfg!(target_arch = "arm") { 2 } else { 8 },
    );
}
