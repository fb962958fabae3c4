//! The native-code cache (docs/cache.md) must never run a damaged entry: every entry of a
//! warm cache is truncated, emptied, bit-flipped (header, payload, last byte), extended
//! or swapped for another module's, and each time the programs must give the results of
//! a run without the cache, with the damaged modules compiled again (counted), and the
//! next run must take them from the rewritten entries without compiling anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use beam_vm::{Jit, LoadStats, Options, RunOutcome, Vm};

const PROGRAMS: [&str; 2] = ["bst", "catch_errors"];

fn tmp(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("beamjit-cc-{what}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn results(code: &Path, cache: Option<&Path>) -> (Vec<String>, LoadStats) {
    let mut o = Options::with_otp(vec![code.to_path_buf()]);
    o.jit = Jit::Template;
    o.cache = cache.map(Path::to_path_buf);
    let mut vm = Vm::new(o).unwrap();
    let out = PROGRAMS
        .iter()
        .map(|p| match vm.run(p, "main", &[]).unwrap() {
            RunOutcome::Exited { value, .. } => value,
            RunOutcome::Error { class, reason } => format!("{class}:{reason}"),
            RunOutcome::Halt(n) => format!("halt:{n}"),
        })
        .collect();
    (out, vm.load_stats())
}

fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bjc"))
        .collect();
    v.sort();
    v
}

#[test]
fn damaged_entries_are_recompiled_never_run() {
    let code = tmp("code");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("erlang");
    let ok = Command::new("erlc")
        .arg("-o")
        .arg(&code)
        .args(PROGRAMS.iter().map(|p| src.join(format!("{p}.erl"))))
        .status()
        .expect("erlc is installed by scripts/setup");
    assert!(ok.success());
    let (want, _) = results(&code, None);
    let cache = tmp("cache");
    let (cold, st) = results(&code, Some(&cache));
    assert_eq!(cold, want);
    assert!(st.cache_stored >= 2, "{st:?}");
    let pristine: Vec<(PathBuf, Vec<u8>)> = entries(&cache)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    let n = pristine.len() as u32;
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 7] = [
        ("truncated to half", |b| b.truncate(b.len() / 2)),
        ("truncated to 10 bytes", |b| b.truncate(10)),
        ("emptied", |b| b.clear()),
        ("header byte flipped", |b| b[20] ^= 0x10),
        ("payload byte flipped", |b| {
            let i = b.len() * 3 / 4;
            b[i] ^= 0x01
        }),
        ("last byte flipped", |b| *b.last_mut().unwrap() ^= 0x80),
        ("extended", |b| b.extend_from_slice(b"\0\0\0\0garbage")),
    ];
    for (what, damage) in damages {
        for (p, b) in &pristine {
            let mut b = b.clone();
            damage(&mut b);
            std::fs::write(p, b).unwrap();
        }
        let (got, st) = results(&code, Some(&cache));
        assert_eq!(got, want, "entries {what}");
        assert_eq!(st.cache_hits, 0, "entries {what}: {st:?}");
        assert_eq!(st.cache_rejected, n, "entries {what}: {st:?}");
        assert!(st.functions_compiled > 0, "entries {what}: {st:?}");
        let (again, st) = results(&code, Some(&cache));
        assert_eq!(again, want, "after entries {what}");
        assert_eq!(st.functions_compiled, 0, "after entries {what}: {st:?}");
        assert_eq!(st.cache_hits, n, "after entries {what}: {st:?}");
    }
    // Another module's entry under this module's name: its key does not match.
    let (a, b) = (&pristine[0], &pristine[1]);
    std::fs::write(&a.0, &b.1).unwrap();
    std::fs::write(&b.0, &a.1).unwrap();
    let (got, st) = results(&code, Some(&cache));
    assert_eq!(got, want, "entries swapped");
    assert!(st.cache_rejected >= 2, "entries swapped: {st:?}");
    std::fs::remove_dir_all(&code).ok();
    std::fs::remove_dir_all(&cache).ok();
}

/// An entry written by one VM serves another that numbered the atoms differently: `lists`
/// is compiled alone (as `beam aot` does), then a program that interns its own atoms
/// first (some of them `lists`'s too) takes `lists` from the cache and gives erl's
/// result.
#[test]
fn entries_fit_a_vm_with_other_atom_numbers() {
    let code = tmp("code2");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("erlang");
    let ok = Command::new("erlc")
        .arg("-o")
        .arg(&code)
        .args(PROGRAMS.iter().map(|p| src.join(format!("{p}.erl"))))
        .status()
        .expect("erlc is installed by scripts/setup");
    assert!(ok.success());
    let (want, _) = results(&code, None);
    let cache = tmp("cache2");
    for jit in [Jit::Ir, Jit::Template] {
        let mut o = Options::with_otp(vec![code.clone()]);
        o.jit = jit;
        o.cache = Some(cache.clone());
        let mut vm = Vm::new(o).unwrap();
        vm.load("lists").unwrap();
        assert_eq!(vm.load_stats().cache_stored, 1, "{jit:?}");
    }
    let (got, st) = results(&code, Some(&cache));
    assert_eq!(got, want);
    assert_eq!(st.cache_hits, 1, "lists from the cache: {st:?}");
    std::fs::remove_dir_all(&code).ok();
    std::fs::remove_dir_all(&cache).ok();
}

/// Modules whose code folds literal addresses into immediates (`rand`, `calendar`: a
/// literal reaching a comparison or arithmetic through a register) are cached in both
/// code generators, and run from the cache as compiled: every module of the program is
/// stored on a cold run (none "not cacheable"), and a warm run compiles nothing.
#[test]
fn modules_folding_literal_addresses_are_cached() {
    let code = tmp("code3");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("erlang");
    let ok = Command::new("erlc")
        .arg("-o")
        .arg(&code)
        .arg(src.join("cache_folds.erl"))
        .status()
        .expect("erlc is installed by scripts/setup");
    assert!(ok.success());
    for jit in [Jit::Ir, Jit::Template] {
        let run = |cache: Option<&Path>| {
            let mut o = Options::with_otp(vec![code.clone()]);
            o.jit = jit;
            o.cache = cache.map(Path::to_path_buf);
            let mut vm = Vm::new(o).unwrap();
            let out = match vm.run("cache_folds", "main", &[]).unwrap() {
                RunOutcome::Exited { value, .. } => value,
                other => panic!("{jit:?}: {other:?}"),
            };
            (out, vm.load_stats())
        };
        let (want, _) = run(None);
        let cache = tmp(&format!("cache3-{jit:?}"));
        let (cold, st) = run(Some(&cache));
        assert_eq!(cold, want, "{jit:?} cold");
        assert_eq!(st.cache_unfit, 0, "{jit:?}: {st:?}");
        assert!(st.cache_stored >= 3, "{jit:?}: {st:?}");
        let (warm, st) = run(Some(&cache));
        assert_eq!(warm, want, "{jit:?} warm");
        assert_eq!(st.functions_compiled, 0, "{jit:?}: {st:?}");
        std::fs::remove_dir_all(&cache).ok();
    }
    std::fs::remove_dir_all(&code).ok();
}
