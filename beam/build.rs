//! Compiles beam/erl/beam_init.erl (the `init` stand-in of `beam`'s erl command line,
//! docs/boot.md) with OTP's erlc into OUT_DIR; main.rs embeds the .beam.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let src = PathBuf::from("erl/beam_init.erl");
    println!("cargo:rerun-if-changed={}", src.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let result = Command::new("erlc")
        .arg("+deterministic")
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output();
    match result {
        Err(e) => panic!(
            "building beam needs OTP's erlc on PATH to compile {} (install OTP 25: \
             scripts/setup): {e}",
            src.display()
        ),
        Ok(o) if !o.status.success() => panic!(
            "erlc failed on {}:\n{}{}",
            src.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Ok(_) => {}
    }
}
