//! The bit-syntax programs of `tests/erlang/` (`bin_*.erl`, `binaries.erl`) compiled the way
//! OTP 24 compiles binaries — `bs_init_bits`/`bs_append`/`bs_private_append` with one
//! `bs_put_*` per segment, `bs_add`/`bs_utf*_size` for the size — which OTP 25's erlc still
//! emits with `+no_bs_create_bin` (`+no_type_opt`: its assembler cannot encode typed
//! registers in the old instructions). Each `main/0` must give what erl gives for the same
//! `.beam` files.
//!
//! Hosted only, like tests/erlang_programs.rs: it loads OTP modules, which under qemu-arm
//! takes minutes.

#![cfg(not(target_arch = "arm"))]

use std::path::Path;
use std::process::Command;

use beam_vm::{Options, RunOutcome, Vm};

#[test]
fn otp24_bit_syntax_agrees_with_erl() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/erlang");
    let mut names: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "erl"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bin_") || n == "binaries")
        .collect();
    names.sort();
    assert!(names.len() >= 7, "bit-syntax programs: {names:?}");
    let dir = std::env::temp_dir().join(format!("beamjit-bits24-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("erlc")
        .args(["+no_bs_create_bin", "+no_type_opt", "-o"])
        .arg(&dir)
        .args(names.iter().map(|n| src.join(format!("{n}.erl"))))
        .output()
        .expect("erlc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The old instructions are really there.
    let mut ops = std::collections::HashSet::new();
    for name in &names {
        let beam = std::fs::read(dir.join(format!("{name}.beam"))).unwrap();
        let m = beam_frontend::decode(&beam).unwrap();
        for f in &m.functions {
            ops.extend(f.code.iter().map(|i| i.op.name));
        }
    }
    for op in [
        "bs_append",
        "bs_private_append",
        "bs_init_writable",
        "bs_init_bits",
        "bs_put_integer",
        "bs_put_binary",
        "bs_put_float",
        "bs_put_string",
        "bs_put_utf8",
        "bs_put_utf16",
        "bs_put_utf32",
        "bs_add",
    ] {
        assert!(ops.contains(op), "{op} missing from {ops:?}");
    }
    assert!(!ops.contains("bs_create_bin"));
    let mut failures = Vec::new();
    for name in &names {
        let eval = format!(
            "io:format(\"~s\", [try {name}:main() of V -> io_lib:format(\"~w\", [V]) \
             catch C:R -> io_lib:format(\"~w:~w\", [C, R]) end]), halt()."
        );
        let out = Command::new("erl")
            .arg("-noshell")
            .arg("-pa")
            .arg(&dir)
            .arg("-eval")
            .arg(&eval)
            .output()
            .expect("erl");
        let want = String::from_utf8(out.stdout).unwrap();
        let mut vm = Vm::new(Options::with_otp(vec![dir.clone()])).unwrap();
        let got = match vm.run(name, "main", &[]) {
            Ok(RunOutcome::Exited { value, .. }) => value,
            Ok(RunOutcome::Error { class, reason }) => format!("{class}:{reason}"),
            Ok(RunOutcome::Halt(n)) => format!("halt:{n}"),
            Err(e) => format!("<load error: {e}>"),
        };
        if got != want {
            failures.push(format!("{name}: erl gives {want}\n  JIT gives {got}"));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
