//! The host cross-check: every `; run:` line of the CLIF files in `tests/clif/` is also
//! executed through Cranelift's own backend for the host (cranelift-jit on x86-64), so the
//! expectations that our ARM32 output is checked against (codegen_clif.rs) are confirmed by
//! an implementation nobody here wrote.

#![cfg(not(target_arch = "arm"))]

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::immediates::Ieee64;
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
        DataValue::I64(x) => *x as u64,
        DataValue::F64(x) => x.bits(),
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

fn result_value(ty: types::Type, bits: u64) -> Result<DataValue, String> {
    Ok(match ty {
        types::I8 => DataValue::I8(bits as u8 as i8),
        types::I16 => DataValue::I16(bits as u16 as i16),
        types::I32 => DataValue::I32(bits as u32 as i32),
        types::I64 => DataValue::I64(bits as i64),
        types::F64 => DataValue::F64(Ieee64::with_bits(bits)),
        other => return Err(format!("unsupported result type {other}")),
    })
}

fn host_module() -> JITModule {
    // The host functions the CLIF files may call (same Rust code the ARM runs call).
    #[path = "codegen_support.rs"]
    #[allow(unused)]
    mod support;
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").expect("opt_level exists");
    // x86-64 tail calls need frame pointers.
    flags
        .set("preserve_frame_pointers", "true")
        .expect("preserve_frame_pointers exists");
    let isa = cranelift_native::builder()
        .expect("host ISA is supported")
        .finish(settings::Flags::new(flags))
        .expect("host ISA builds");
    let mut b = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
    b.symbol("rt_add3", support::rt_add3 as *const u8);
    b.symbol("rt_sum6", support::rt_sum6 as *const u8);
    b.symbol("rt_pair", rt_pair_host as *const u8);
    b.symbol("rt_fmix", support::rt_fmix as *const u8);
    JITModule::new(b)
}

/// rt_pair returns (7a, a-1) in r0/r1 on ARM; the x86-64 System V convention returns the
/// two i32 results of the CLIF declaration in eax and edx.
extern "C" fn rt_pair_host(a: i32) -> u128 {
    (a.wrapping_mul(7) as u32 as u128) | ((a.wrapping_sub(1) as u32 as u128) << 64)
}

/// Declares every function of the file in `module` and points each function's external
/// function references at the module's ids (file-local names) or at imports (host
/// functions); returns the rewritten functions and their ids.
fn declare_all(
    module: &mut JITModule,
    funcs: &[cranelift_codegen::ir::Function],
) -> Result<Vec<(cranelift_codegen::ir::Function, cranelift_module::FuncId)>, String> {
    use cranelift_codegen::ir::{ExternalName, UserExternalName};
    let name_of = |n: &dyn std::fmt::Display| n.to_string().trim_start_matches('%').to_string();
    let mut ids = std::collections::HashMap::new();
    let mut own = Vec::new();
    for f in funcs {
        let name = name_of(&f.name);
        // A repeated name (some files reuse one) gets an anonymous definition.
        let id = if ids.contains_key(&name) {
            module.declare_anonymous_function(&f.signature)
        } else {
            module.declare_function(&name, cranelift_module::Linkage::Local, &f.signature)
        }
        .map_err(|e| e.to_string())?;
        ids.entry(name).or_insert(id);
        own.push(id);
    }
    let mut out = Vec::new();
    for (f, &id) in funcs.iter().zip(&own) {
        let mut f = f.clone();
        let refs: Vec<_> = f.dfg.ext_funcs.keys().collect();
        for fr in refs {
            let data = f.dfg.ext_funcs[fr].clone();
            let ExternalName::TestCase(t) = &data.name else {
                continue;
            };
            let name = name_of(t);
            let id = match ids.get(&name) {
                Some(&id) => id,
                None => {
                    let sig = f.dfg.signatures[data.signature].clone();
                    module
                        .declare_function(&name, cranelift_module::Linkage::Import, &sig)
                        .map_err(|e| e.to_string())?
                }
            };
            let r = f.declare_imported_user_function(UserExternalName::new(0, id.as_u32()));
            f.dfg.ext_funcs[fr].name = ExternalName::user(r);
        }
        out.push((f, id));
    }
    Ok(out)
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
    let funcs: Vec<_> = file.functions.iter().map(|(f, _)| f.clone()).collect();
    let declared = declare_all(&mut module, &funcs)?;
    for (f, id) in &declared {
        let mut ctx = module.make_context();
        ctx.func = f.clone();
        module
            .define_function(*id, &mut ctx)
            .map_err(|e| format!("{}: {e:?}", f.name))?;
    }
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let mut runs = 0;
    for ((func, details), (_, id)) in file.functions.iter().zip(&declared) {
        let has_runs = details.comments.iter().any(|c| c.text.contains("run:"));
        let nf = func
            .signature
            .params
            .iter()
            .filter(|p| p.value_type == types::F64)
            .count();
        let ni = func.signature.params.len() - nf;
        if has_runs && (ni > 4 || nf > 8 || func.signature.returns.len() > 2) {
            return Err(format!(
                "{}: signature too large for this harness",
                func.name
            ));
        }
        let ptr = module.get_finalized_function(*id);
        type F = f64;
        // SAFETY: the function was just compiled for the host with the System V convention;
        // it takes at most four integer arguments in registers and up to eight f64 ones in
        // xmm0-xmm7 (extra ones are ignored) and returns at most two integers in rax:rdx,
        // which is how a u128 comes back, or an f64 in xmm0.
        let f: extern "C" fn(u64, u64, u64, u64, F, F, F, F, F, F, F, F) -> u128 =
            unsafe { std::mem::transmute(ptr) };
        // SAFETY: as above, for a function whose (single) result is an f64.
        let ff: extern "C" fn(u64, u64, u64, u64, F, F, F, F, F, F, F, F) -> f64 =
            unsafe { std::mem::transmute(ptr) };
        let float_ret = func
            .signature
            .returns
            .first()
            .is_some_and(|p| p.value_type == types::F64);
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
                let (mut a, mut fa) = ([0u64; 4], [0f64; 8]);
                let (mut ni, mut nf) = (0, 0);
                for v in args {
                    if let DataValue::F64(x) = v {
                        fa[nf] = f64::from_bits(x.bits());
                        nf += 1;
                    } else {
                        a[ni] = arg_bits(v)?;
                        ni += 1;
                    }
                }
                let r = if float_ret {
                    let d = ff(
                        a[0], a[1], a[2], a[3], fa[0], fa[1], fa[2], fa[3], fa[4], fa[5], fa[6],
                        fa[7],
                    );
                    u128::from(d.to_bits())
                } else {
                    f(
                        a[0], a[1], a[2], a[3], fa[0], fa[1], fa[2], fa[3], fa[4], fa[5], fa[6],
                        fa[7],
                    )
                };
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
