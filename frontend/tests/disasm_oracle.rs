//! Oracle test: for every module of the installed OTP, our decoded instructions must equal
//! what OTP's own `beam_disasm:file/1` returns, operand by operand, literals included; and
//! our atoms, imports, exports, whole literal table and `Attr`/`CInf` terms must equal what
//! OTP's `beam_lib`, `zlib` and `binary_to_term` make of the same chunks.
//!
//! `oracle/disasm_dump.erl` is compiled with `erlc` into a temporary directory and run in
//! two `erl -noshell` processes (one per core), each over half of the modules; it prints
//! the normalised text form documented at its top. We print the same form from our model
//! (`beam_frontend::text::oracle_functions`) and compare line by line.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Modules that beam_disasm itself cannot disassemble, with the reason. They must still
/// decode without error here (checked below). Empty on OTP 25.2.
const BEAM_DISASM_FAILS: &[(&str, &str)] = &[];

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("beamjit-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Compiles `oracle/exotic.erl` (literals and instructions OTP's own modules may lack).
fn compile_exotic() -> PathBuf {
    let dir = temp_dir().join("exotic");
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/exotic.erl");
    let st = Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .arg(&src)
        .status()
        .expect("erlc (OTP) must be installed: run scripts/setup");
    assert!(st.success(), "erlc failed on {}", src.display());
    dir.join("exotic.beam")
}

/// Runs the oracle over `files` in `jobs` parallel erl processes; returns path -> text.
fn run_oracle(files: &[PathBuf], jobs: usize) -> HashMap<String, String> {
    let dir = temp_dir();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/disasm_dump.erl");
    let st = Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .arg(&src)
        .status()
        .expect("erlc (OTP) must be installed: run scripts/setup");
    assert!(st.success(), "erlc failed on {}", src.display());
    let mut children = Vec::new();
    for j in 0..jobs {
        let list: Vec<String> = files
            .iter()
            .skip(j)
            .step_by(jobs)
            .map(|p| p.display().to_string())
            .collect();
        let list_file = dir.join(format!("list{j}.txt"));
        let out_file = dir.join(format!("out{j}.txt"));
        std::fs::write(&list_file, list.join("\n")).unwrap();
        let eval = format!(
            "disasm_dump:main([\"{}\", \"{}\"]), halt().",
            list_file.display(),
            out_file.display()
        );
        let child = Command::new("erl")
            .args(["-noshell", "-pa"])
            .arg(&dir)
            .args(["-eval", &eval])
            .spawn()
            .expect("erl (OTP) must be installed");
        children.push((child, out_file));
    }
    let mut out = HashMap::new();
    for (mut child, out_file) in children {
        let st = child.wait().unwrap();
        assert!(st.success(), "erl oracle failed");
        let text = std::fs::read_to_string(&out_file).unwrap();
        parse_oracle(&text, &mut out);
    }
    out
}

fn parse_oracle(text: &str, out: &mut HashMap<String, String>) {
    let mut cur: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("module ") {
            cur = Some((path.to_string(), String::new()));
        } else if line == "end" {
            if let Some((p, t)) = cur.take() {
                out.insert(p, t);
            }
        } else if let Some((_, t)) = cur.as_mut() {
            t.push_str(line);
            t.push('\n');
        }
    }
}

fn first_difference(ours: &str, theirs: &str) -> String {
    let mut fun = "";
    for (i, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
        if a.starts_with("function ") {
            fun = a;
        }
        if a != b {
            return format!("line {}: in {fun}\n   ours: {a}\n theirs: {b}", i + 1);
        }
    }
    format!(
        "lengths differ: ours {} lines, theirs {} lines",
        ours.lines().count(),
        theirs.lines().count()
    )
}

#[test]
fn decoded_instructions_match_beam_disasm() {
    let mut files = common::otp_beams();
    assert!(
        files.len() > 500,
        "expected the installed OTP's modules, found {}",
        files.len()
    );
    files.push(compile_exotic());
    let oracle = run_oracle(&files, 2);
    let mut compared = 0;
    let mut lines = 0;
    let mut mismatches = Vec::new();
    let mut disasm_failed = Vec::new();
    for f in &files {
        let key = f.display().to_string();
        let data = std::fs::read(f).unwrap();
        let m = beam_frontend::decode(&data).unwrap_or_else(|e| panic!("{key}: {e}"));
        let ours =
            beam_frontend::text::oracle_tables(&m) + &beam_frontend::text::oracle_functions(&m);
        let theirs = oracle
            .get(&key)
            .unwrap_or_else(|| panic!("no oracle output for {key}"));
        if theirs.starts_with("error ") {
            disasm_failed.push(key.clone());
            continue;
        }
        compared += 1;
        lines += theirs.lines().count();
        if &ours != theirs {
            mismatches.push(format!("{key}: {}", first_difference(&ours, theirs)));
        }
    }
    let _ = std::fs::remove_dir_all(temp_dir());
    eprintln!(
        "compared {compared} modules ({lines} lines) with beam_disasm ({} beam_disasm failures)",
        disasm_failed.len()
    );
    assert!(
        lines > 100 * compared,
        "suspiciously little oracle output: {lines} lines"
    );
    let expected: Vec<&str> = BEAM_DISASM_FAILS.iter().map(|(m, _)| *m).collect();
    let unexpected: Vec<&String> = disasm_failed
        .iter()
        .filter(|p| !expected.iter().any(|m| p.ends_with(m)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "beam_disasm failed on unlisted modules: {unexpected:?}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} modules differ; first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
