//! Real OTP as the oracle: compile with `erlc`, evaluate `M:main()` with `erl`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles `sources` into a new directory under the system temp dir (one erlc run).
/// `Err` carries erlc's output (a generated module that does not compile).
pub fn compile(tag: &str, sources: &[PathBuf]) -> Result<PathBuf, String> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out = std::env::temp_dir().join(format!("beamjit-{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let res = Command::new("erlc")
        .arg("-o")
        .arg(&out)
        .args(sources)
        .output()
        .map_err(|e| format!("erlc (installed by scripts/setup): {e}"))?;
    if res.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&res.stdout),
            String::from_utf8_lossy(&res.stderr)
        ))
    }
}

/// What real OTP gives for each module's `main/0`, in one erl run: `~w` of the value,
/// or `Class:Reason` for an exception (the form `beam_vm::RunOutcome` is printed in).
/// Each result line is marked, so error reports of processes the programs spawn (erl
/// prints them on stdout too) are told apart. The process dictionary is emptied before
/// each `main/0` (the JIT runs each in a fresh process; `rand:seed/2` in one program put
/// `rand_seed` into what `get/0` showed in another).
pub fn main_values(dir: &Path, modules: &[String]) -> Vec<(String, String)> {
    let mods = modules.join(",");
    let eval = format!(
        "[begin erase(), io:format(\"@@ ~s ~s~n\", [M, try M:main() of V -> \
         io_lib:format(\"~w\", [V]) catch C:R -> io_lib:format(\"~w:~w\", [C, R]) end]) \
         end || M <- [{mods}]], halt()."
    );
    let out = Command::new("erl")
        .arg("-noshell")
        .arg("-pa")
        .arg(dir)
        .arg("-eval")
        .arg(&eval)
        .output()
        .expect("erl is installed by scripts/setup");
    assert!(
        out.status.success(),
        "erl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        // Other lines are error reports of crashed processes the programs spawned.
        .filter_map(|l| l.strip_prefix("@@ "))
        .map(|l| {
            let (m, v) = l.split_once(' ').unwrap_or((l, ""));
            (m.to_string(), v.to_string())
        })
        .collect()
}

/// A JIT run's outcome printed as [`main_values`] prints erl's.
pub fn outcome_text(outcome: beam_vm::RunOutcome) -> String {
    match outcome {
        beam_vm::RunOutcome::Exited { value, .. } => value,
        beam_vm::RunOutcome::Error { class, reason } => format!("{class}:{reason}"),
        beam_vm::RunOutcome::Halt(n) => format!("halt:{n}"),
    }
}
