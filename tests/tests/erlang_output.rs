//! Programs that print: every program in `tests/erlang/output/` runs under real OTP
//! (`erl -noshell -s M main -s init stop`) and on the ARM32 JIT, and the two stdouts must
//! be the same bytes. The VM's output is collected with `beam_vm::bifs_io::capture_output`
//! (io's stdout sink is per thread; the VM runs its processes on the calling thread).
//!
//! All programs run in one VM, so the OTP modules they call (lists, ...) are compiled once.
//! `BEAMJIT_PROGRAMS=name,name` runs a subset.
//!
//! Hosted only, like erlang_programs.rs: compiling the OTP modules under qemu-arm takes
//! too long for the CI budget.

#![cfg(not(target_arch = "arm"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use backend_arm32::codegen::Isa;
use beam_vm::{bifs_io, Jit, Options, RunOutcome, Vm};

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("erlang/output")
}

fn programs() -> Vec<String> {
    let only = std::env::var("BEAMJIT_PROGRAMS")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let mut v: Vec<String> = std::fs::read_dir(src_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "erl"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| only.as_ref().is_none_or(|o| o.split(',').any(|x| x == n)))
        .collect();
    v.sort();
    v
}

fn compile(names: &[String], tag: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!("beamjit-output-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("erlc")
        .arg("-o")
        .arg(&out)
        .args(names.iter().map(|n| src_dir().join(format!("{n}.erl"))))
        .stderr(Stdio::null())
        .status()
        .expect("erlc is installed by scripts/setup");
    assert!(status.success(), "erlc failed");
    out
}

/// erl's stdout for one program (stdin closed, stdout a pipe, as a checker runs it).
fn erl_stdout(dir: &Path, name: &str) -> Vec<u8> {
    let out = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(dir)
        .args(["-s", name, "main", "-s", "init", "stop"])
        .env("ERL_CRASH_DUMP_SECONDS", "0")
        .stdin(Stdio::null())
        .output()
        .expect("erl is installed by scripts/setup");
    assert!(out.status.success(), "erl failed on {name}");
    out.stdout
}

/// The first line where two outputs differ, for the report.
fn first_diff(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    for (i, (a, b)) in w.split('\n').zip(g.split('\n')).enumerate() {
        if a != b {
            return format!("line {}:\n  erl: {a:?}\n  JIT: {b:?}", i + 1);
        }
    }
    format!(
        "lengths differ: erl {} bytes, JIT {} bytes",
        want.len(),
        got.len()
    )
}

#[test]
fn program_output_matches_erl() {
    let names = programs();
    let subset = std::env::var("BEAMJIT_PROGRAMS").is_ok_and(|s| !s.trim().is_empty());
    assert!(subset || names.len() >= 8, "at least 8 output programs");
    run_and_compare(&names, Jit::Ir, Isa::A32);
}

/// Every output program with the IR pipeline's code in T32 (docs/thumb2.md): stack traces,
/// fun names and error reports come from Thumb code addresses (odd in registers and
/// funs, even on the Erlang stack).
#[test]
fn program_output_matches_erl_in_t32() {
    run_and_compare(&programs(), Jit::Ir, Isa::T32);
}

/// The programs about errors and stack traces again with every module compiled by
/// templates: the traces come from the other code generator's return addresses.
#[test]
fn error_output_matches_erl_in_template_mode() {
    let wanted = ["stacktraces", "proc_errors", "fun_names"];
    let names: Vec<String> = programs()
        .into_iter()
        .filter(|n| wanted.contains(&n.as_str()))
        .collect();
    if names.is_empty() {
        return;
    }
    run_and_compare(&names, Jit::Template, Isa::A32);
}

fn run_and_compare(names: &[String], jit: Jit, isa: Isa) {
    let dir = compile(names, &format!("{jit:?}-{}", isa.name()));
    let mut opts = Options::with_otp(vec![dir.clone()]);
    opts.jit = jit;
    opts.isa = isa;
    let mut vm = Vm::new(opts).unwrap();
    let mut failures = Vec::new();
    for name in names {
        let want = erl_stdout(&dir, name);
        bifs_io::capture_output();
        let run = vm.run(name, "main", &[]);
        let got = bifs_io::take_output();
        let outcome = match run {
            Ok(RunOutcome::Exited { value, .. }) => value,
            Ok(o) => format!("{o:?}"),
            Err(e) => format!("<load error: {e}>"),
        };
        println!("{name:12} {:>6} bytes, main returned {outcome}", got.len());
        if let Some(d) = std::env::var_os("BEAMJIT_OUTPUT_DUMP") {
            // Both outputs, for a diff by hand.
            let d = PathBuf::from(d);
            std::fs::write(d.join(format!("{name}.{jit:?}.erl.txt")), &want).ok();
            std::fs::write(d.join(format!("{name}.{jit:?}.jit.txt")), &got).ok();
        }
        if outcome != "ok" {
            failures.push(format!("{name}: main/0 gave {outcome}"));
        } else if got != want {
            failures.push(format!("{name}: {}", first_diff(&want, &got)));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        failures.is_empty(),
        "{} of {} programs print differently:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}
