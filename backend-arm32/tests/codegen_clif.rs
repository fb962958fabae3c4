//! Runs every CLIF run-test file in the workspace's `tests/clif/` directory: each function
//! is compiled by our backend and executed on ARM (qemu-arm, or natively), and each
//! `; run: %f(args) == results` line (parsed by cranelift-reader) is checked.

#[path = "codegen_support.rs"]
mod support;

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::types;
use cranelift_reader::{parse_run_command, parse_test, ParseOptions, RunCommand};

/// A 32-bit register image of an argument (narrow values sign-extended: the bits above the
/// type are don't-care for our code, so any extension is valid input).
fn arg_bits(v: &DataValue) -> Result<u32, String> {
    Ok(match v {
        DataValue::I8(x) => *x as i32 as u32,
        DataValue::I16(x) => *x as i32 as u32,
        DataValue::I32(x) => *x as u32,
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

fn result_value(ty: types::Type, bits: u32) -> Result<DataValue, String> {
    Ok(match ty {
        types::I8 => DataValue::I8(bits as u8 as i8),
        types::I16 => DataValue::I16(bits as u16 as i16),
        types::I32 => DataValue::I32(bits as i32),
        other => return Err(format!("unsupported result type {other}")),
    })
}

fn run_file(path: &std::path::Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file = parse_test(&text, ParseOptions::default()).map_err(|e| e.to_string())?;
    let mut runs = 0;
    for (func, details) in &file.functions {
        for c in &details.comments {
            let cmd = parse_run_command(c.text, &func.signature).map_err(|e| e.to_string())?;
            let Some(cmd) = cmd else { continue };
            if let RunCommand::Run(..) = cmd {
            } else {
                continue;
            }
            cmd.run(|_, args| {
                if func.signature.returns.len() > 2 {
                    return Err("more than two results".into());
                }
                let a = args.iter().map(arg_bits).collect::<Result<Vec<_>, _>>()?;
                let (r0, r1) = support::run_func(func, &a);
                func.signature
                    .returns
                    .iter()
                    .zip([r0, r1])
                    .map(|(p, bits)| result_value(p.value_type, bits))
                    .collect()
            })
            .map_err(|e| format!("{}: {}: {e}", func.name, c.text))?;
            runs += 1;
        }
    }
    Ok(runs)
}

#[test]
fn codegen_clif_run_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/clif");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "clif"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .clif files in {}", dir.display());
    let mut failures = Vec::new();
    let mut total = 0;
    for f in &files {
        match run_file(f) {
            Ok(0) => failures.push(format!("{}: no run lines", f.display())),
            Ok(n) => total += n,
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    eprintln!("{} files, {total} run lines", files.len());
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
