//! Runs every CLIF run-test file in the workspace's `tests/clif/` directory: each function
//! is compiled by our backend and executed on ARM (qemu-arm, or natively), and each
//! `; run: %f(args) == results` line (parsed by cranelift-reader) is checked.
//! A file is one program: its functions are linked together, so `%caller` can call
//! `%callee`; calls to the host functions of codegen_support.rs (`%rt_add3`, ...) run in
//! sim-arm32 with redirects on x86-64 and as real calls natively. Files that divide are
//! run a second time without the hardware-divide flag (EABI helper calls). Everything runs
//! twice more as T32 (Thumb-2): the same files, compiled with `compile_isa`, linked with
//! `link_isa` (odd entries) and entered in Thumb state, natively and hosted.

#[path = "codegen_support.rs"]
mod support;

use backend_arm32::codegen::{abi, compile_isa, Flags, Isa, SymbolName};
use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::immediates::Ieee64;
use cranelift_codegen::ir::types;
use cranelift_reader::{parse_run_command, parse_test, ParseOptions, RunCommand};

/// The 64-bit image of an argument (narrow values sign-extended: the bits above the type
/// are don't-care for our code, so any extension is valid input).
fn arg_bits(v: &DataValue) -> Result<u64, String> {
    Ok(match v {
        DataValue::I8(x) => *x as i64 as u64,
        DataValue::I16(x) => *x as i64 as u64,
        DataValue::I32(x) => *x as i64 as u64,
        DataValue::I64(x) => *x as u64,
        DataValue::F64(x) => x.bits(),
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

/// The r0-r3 and d0-d7 images of the arguments, placed by our AAPCS-VFP code (i64 in
/// even pairs, f64 in D registers).
fn arg_regs(
    sig: &cranelift_codegen::ir::Signature,
    args: &[DataValue],
) -> Result<(Vec<u32>, Vec<u64>), String> {
    let tys: Vec<_> = sig.params.iter().map(|p| p.value_type).collect();
    let locs = abi::locations(sig.call_conv, &tys, false)?;
    let mut regs = vec![0u32; 4];
    let mut dregs = vec![0u64; 8];
    for (v, l) in args.iter().zip(locs) {
        let bits = arg_bits(v)?;
        for (half, loc) in l.into_iter().enumerate() {
            match loc {
                abi::Loc::Reg(r) => regs[r as usize] = (bits >> (32 * half)) as u32,
                abi::Loc::FReg(d) => dregs[d as usize] = bits,
                abi::Loc::Stack(_) => return Err("stack arguments in a run line".into()),
            }
        }
    }
    Ok((regs, dregs))
}

/// The results from r0/r1 and d0 (all the harness returns).
fn results(
    sig: &cranelift_codegen::ir::Signature,
    r: [u32; 2],
    d0: u64,
) -> Result<Vec<DataValue>, String> {
    let tys: Vec<_> = sig.returns.iter().map(|p| p.value_type).collect();
    let locs = abi::locations(sig.call_conv, &tys, true)?;
    let mut out = Vec::new();
    for (ty, l) in tys.iter().zip(locs) {
        let mut bits = 0u64;
        for (half, loc) in l.into_iter().enumerate() {
            match loc {
                abi::Loc::Reg(n) if n < 2 => bits |= u64::from(r[n as usize]) << (32 * half),
                abi::Loc::FReg(0) => bits = d0,
                _ => return Err("results beyond r0/r1/d0".into()),
            }
        }
        out.push(match *ty {
            types::I8 => DataValue::I8(bits as u8 as i8),
            types::I16 => DataValue::I16(bits as u16 as i16),
            types::I32 => DataValue::I32(bits as u32 as i32),
            types::I64 => DataValue::I64(bits as i64),
            types::F64 => DataValue::F64(Ieee64::with_bits(bits)),
            other => return Err(format!("unsupported result type {other}")),
        });
    }
    Ok(out)
}

fn run_file(path: &std::path::Path, flags: &Flags, isa: Isa) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file = parse_test(&text, ParseOptions::default()).map_err(|e| e.to_string())?;
    let program = file
        .functions
        .iter()
        .map(|(f, _)| {
            compile_isa(f, flags, isa, false)
                .map(|c| (SymbolName::of_function(f), c))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut runs = 0;
    for (index, (func, details)) in file.functions.iter().enumerate() {
        for c in &details.comments {
            let cmd = parse_run_command(c.text, &func.signature).map_err(|e| e.to_string())?;
            let Some(cmd) = cmd else { continue };
            if let RunCommand::Run(..) = cmd {
            } else {
                continue;
            }
            let float_ret = func
                .signature
                .returns
                .first()
                .is_some_and(|p| p.value_type == types::F64);
            cmd.run(|_, args| {
                let (a, d) = arg_regs(&func.signature, args)?;
                let (r0, r1, d0) =
                    support::run_program_isa_checked_vfp(&program, index, &a, &d, float_ret, isa)
                        .map_err(|sig| format!("killed by signal {sig}"))?;
                results(&func.signature, [r0, r1], d0)
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
    // BEAMJIT_CLIF_FILTER=substring runs only matching files (for development).
    if let Ok(f) = std::env::var("BEAMJIT_CLIF_FILTER") {
        files.retain(|p| p.to_string_lossy().contains(&f));
    }
    assert!(!files.is_empty(), "no .clif files in {}", dir.display());
    let mut failures = Vec::new();
    let no_div = Flags {
        has_hw_div: false,
        ..Flags::DEFAULT
    };
    for isa in [Isa::A32, Isa::T32] {
        let name = isa.name();
        let mut total = 0;
        let mut soft_div = 0;
        for f in &files {
            match run_file(f, &support::FLAGS, isa) {
                Ok(0) => failures.push(format!("{name} {}: no run lines", f.display())),
                Ok(n) => total += n,
                Err(e) => failures.push(format!("{name} {}: {e}", f.display())),
            }
            let text = std::fs::read_to_string(f).unwrap_or_default();
            if ["udiv", "sdiv", "urem", "srem"]
                .iter()
                .any(|op| text.contains(op))
            {
                match run_file(f, &no_div, isa) {
                    Ok(n) => soft_div += n,
                    Err(e) => {
                        failures.push(format!("{name} {} (no hardware divide): {e}", f.display()))
                    }
                }
            }
        }
        eprintln!(
            "{name}: {} files, {total} run lines, {soft_div} again without hardware divide",
            files.len()
        );
        if std::env::var("BEAMJIT_CLIF_FILTER").is_err() {
            assert!(soft_div > 0, "{name}: no division files ran in helper mode");
        }
    }
    // Every file once more with regalloc2's Fastalloc for every function (the allocator
    // `Flags::fastalloc_above` picks for large functions, docs/compile-speed.md).
    let fast = Flags {
        fastalloc_above: 0,
        ..support::FLAGS
    };
    for f in &files {
        if let Err(e) = run_file(f, &fast, Isa::A32) {
            failures.push(format!("fastalloc {}: {e}", f.display()));
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
