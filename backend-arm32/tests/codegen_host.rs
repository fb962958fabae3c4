//! The host cross-check: every `; run:` line of the CLIF files in `tests/clif/` is also
//! executed through Cranelift's own backend for the host (cranelift-jit on x86-64), so the
//! expectations that our ARM32 output is checked against (codegen_clif.rs) are confirmed by
//! an implementation nobody here wrote.

#![cfg(not(target_arch = "arm"))]

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::types;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;
use cranelift_reader::{parse_run_command, parse_test, ParseOptions, RunCommand};

fn arg_bits(v: &DataValue) -> Result<u64, String> {
    Ok(match v {
        DataValue::I8(x) => *x as i64 as u64,
        DataValue::I16(x) => *x as i64 as u64,
        DataValue::I32(x) => *x as i64 as u64,
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

fn result_value(ty: types::Type, bits: u64) -> Result<DataValue, String> {
    Ok(match ty {
        types::I8 => DataValue::I8(bits as u8 as i8),
        types::I16 => DataValue::I16(bits as u16 as i16),
        types::I32 => DataValue::I32(bits as u32 as i32),
        other => return Err(format!("unsupported result type {other}")),
    })
}

fn host_module() -> JITModule {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").expect("opt_level exists");
    let isa = cranelift_native::builder()
        .expect("host ISA is supported")
        .finish(settings::Flags::new(flags))
        .expect("host ISA builds");
    JITModule::new(JITBuilder::with_isa(
        isa,
        cranelift_module::default_libcall_names(),
    ))
}

fn check_file(path: &std::path::Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    // Files that only make sense with 32-bit pointers say so; they are listed, not hidden.
    if let Some(line) = text.lines().find(|l| l.starts_with("; host-skip:")) {
        eprintln!("host: skipping {}: {line}", path.display());
        return Ok(0);
    }
    let file = parse_test(&text, ParseOptions::default()).map_err(|e| e.to_string())?;
    let mut module = host_module();
    let mut runs = 0;
    for (func, details) in &file.functions {
        if func.signature.params.len() > 4 || func.signature.returns.len() > 2 {
            return Err(format!(
                "{}: signature too large for this harness",
                func.name
            ));
        }
        let id = module
            .declare_anonymous_function(&func.signature)
            .map_err(|e| e.to_string())?;
        let mut ctx = module.make_context();
        ctx.func = func.clone();
        module
            .define_function(id, &mut ctx)
            .map_err(|e| format!("{}: {e:?}", func.name))?;
        module.finalize_definitions().map_err(|e| e.to_string())?;
        let ptr = module.get_finalized_function(id);
        // SAFETY: the function was just compiled for the host with the System V convention;
        // it takes at most four integer arguments in registers (extra ones are ignored) and
        // returns at most two integers in rax:rdx, which is how a u128 comes back.
        let f: extern "C" fn(u64, u64, u64, u64) -> u128 = unsafe { std::mem::transmute(ptr) };
        for c in &details.comments {
            let Some(cmd) =
                parse_run_command(c.text, &func.signature).map_err(|e| e.to_string())?
            else {
                continue;
            };
            if !matches!(cmd, RunCommand::Run(..)) {
                continue;
            }
            cmd.run(|_, args| {
                let mut a = [0u64; 4];
                for (slot, v) in a.iter_mut().zip(args) {
                    *slot = arg_bits(v)?;
                }
                let r = f(a[0], a[1], a[2], a[3]);
                func.signature
                    .returns
                    .iter()
                    .zip([r as u64, (r >> 64) as u64])
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
fn codegen_host_agrees_with_clif_run_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/clif");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "clif"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut total = 0;
    for f in &files {
        match check_file(f) {
            Ok(n) => total += n,
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    eprintln!("host: {} files, {total} run lines", files.len());
    assert!(total > 0);
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
