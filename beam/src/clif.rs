//! `beam clif-compile`: compiles the functions of a CLIF file with the ARM32 backend and
//! prints the VCode (virtual registers, before allocation) and/or the A32 assembly.
//! `beam clif-run`: runs the `; run:` lines of CLIF files in the simulator, optionally
//! cross-checked with Cranelift's own backend for the host (`--host`).
//! Both take `--isa a32|t32` (A32 by default; T32 is Thumb-2 from the same VCode).

use std::io::Write;
use std::path::PathBuf;

use backend_arm32::asm::disassemble;
use backend_arm32::codegen::{compile_isa, CodegenError, Flags, Isa};
use beam_ir::mid_end::{optimize, OptLevel};

/// What to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// The VCode before register allocation.
    Vcode,
    /// The VCode after register allocation (allocations and inserted moves).
    VcodeAlloc,
    /// The annotated assembly (A32 with text; T32 as instructions in hex).
    Asm,
}

/// The instruction set (`--isa`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum IsaArg {
    /// ARM (A32).
    #[default]
    #[value(alias = "arm")]
    A32,
    /// Thumb-2 (T32).
    #[value(alias = "thumb", alias = "thumb2")]
    T32,
    /// Thumb-2 for ARMv7-M (Cortex-M): T32 without A-profile-only instructions and
    /// without A32 state (`clif-run` links with `link_target(.., m_profile)` and runs in
    /// the simulator's M-profile mode).
    T32m,
}

impl IsaArg {
    /// The instruction set the code is emitted in.
    pub fn isa(self) -> Isa {
        match self {
            IsaArg::A32 => Isa::A32,
            IsaArg::T32 | IsaArg::T32m => Isa::T32,
        }
    }

    /// Whether the core is M-profile (no A32 state).
    pub fn m_profile(self) -> bool {
        self == IsaArg::T32m
    }
}

/// Arguments of `beam clif-compile`.
#[derive(clap::Args)]
pub struct CompileArgs {
    /// CLIF files (functions in Cranelift's text format).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// What to print (repeatable).
    #[arg(long, value_enum, default_values_t = [Emit::Asm])]
    emit: Vec<Emit>,
    /// Skip the mid-end optimiser (Cranelift's e-graph pass with the pulley32 stand-in ISA).
    #[arg(long)]
    no_opt: bool,
    /// Target has SDIV/UDIV (Cortex-A7/A15).
    #[arg(long)]
    hw_div: bool,
    /// Instruction set to emit.
    #[arg(long, value_enum, default_value_t = IsaArg::A32)]
    isa: IsaArg,
}

/// Everything `beam clif-compile` can fail on.
#[derive(Debug, thiserror::Error)]
pub enum ClifError {
    #[error("{path}: {err}")]
    Read { path: String, err: std::io::Error },
    #[error("{path}: {err}")]
    Parse { path: String, err: String },
    #[error("{path}: mid-end: {err}")]
    MidEnd { path: String, err: String },
    #[error("{path}: {err}")]
    Codegen { path: String, err: CodegenError },
}

/// Runs `beam clif-compile`.
pub fn compile_files(args: &CompileArgs) -> Result<std::process::ExitCode, ClifError> {
    let flags = Flags {
        has_hw_div: args.hw_div,
        ..Flags::DEFAULT
    };
    for path in &args.files {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| ClifError::Read {
            path: p.clone(),
            err,
        })?;
        let funcs = cranelift_reader::parse_functions(&text).map_err(|e| ClifError::Parse {
            path: p.clone(),
            err: e.to_string(),
        })?;
        for mut func in funcs {
            if !args.no_opt {
                optimize(&mut func, OptLevel::Speed).map_err(|e| ClifError::MidEnd {
                    path: p.clone(),
                    err: e.to_string(),
                })?;
            }
            let code = compile_isa(&func, &flags, args.isa.isa(), true).map_err(|err| {
                ClifError::Codegen {
                    path: p.clone(),
                    err,
                }
            })?;
            let mut out = format!("function {}:\n", func.name);
            for e in &args.emit {
                match e {
                    Emit::Vcode => out.push_str(&code.vcode_text),
                    Emit::VcodeAlloc => out.push_str(&code.vcode_alloc_text),
                    Emit::Asm if args.isa != IsaArg::A32 => {
                        out.push_str(&t32_listing(&code.code.bytes));
                    }
                    Emit::Asm => {
                        for (i, w) in code.code.bytes.chunks(4).enumerate() {
                            let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                            let addr = (i * 4) as u32;
                            out.push_str(&format!(
                                "{addr:8x}:\t{word:08x}\t{}\n",
                                disassemble(word, addr)
                            ));
                        }
                    }
                }
            }
            out.push_str(&format!("; {} bytes\n", code.code.bytes.len()));
            // A closed pipe (e.g. `| head`) just ends the output.
            if std::io::stdout().write_all(out.as_bytes()).is_err() {
                return Ok(std::process::ExitCode::SUCCESS);
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// T32 code as one instruction per line (address and halfwords; literal pools show as
/// instructions too, since their position is not recorded).
fn t32_listing(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    let hw = |i: usize| u16::from_le_bytes([bytes[i], bytes.get(i + 1).copied().unwrap_or(0)]);
    while i + 1 < bytes.len() {
        let h1 = hw(i);
        if h1 >> 11 >= 0b11101 && i + 3 < bytes.len() {
            out.push_str(&format!("{i:8x}:\t{h1:04x} {:04x}\n", hw(i + 2)));
            i += 4;
        } else {
            out.push_str(&format!("{i:8x}:\t{h1:04x}\n"));
            i += 2;
        }
    }
    out
}

// ---- beam clif-run ---------------------------------------------------------------------

use backend_arm32::codegen::abi::{self, Loc};
use backend_arm32::codegen::{link, CompiledCode, SymbolName};
use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::immediates::Ieee64;
use cranelift_codegen::ir::{types, Type};
use cranelift_reader::{parse_run_command, parse_test, ParseOptions, RunCommand};
use sim_arm32::host_mem::LowMapping;
use sim_arm32::{FaultKind, HostCall, HostFn, HostRet, Perms, Sim, RETURN_MAGIC};

/// Arguments of `beam clif-run`.
///
/// Every function of a file is compiled with the ARM32 backend and the functions are linked
/// together (so `%caller` can call `%callee`); each `; run: %f(args) == results` line runs
/// `%f` in the ARM simulator and compares. The runtime functions `%rt_add3`, `%rt_sum6`,
/// `%rt_pair`, `%rt_fmix` of the test suite and the EABI division helpers are provided as
/// host functions. A file containing a line starting with `; host-skip:` is not run with
/// `--host` (e.g. 32-bit pointers that a 64-bit host ISA rejects).
#[derive(clap::Args)]
pub struct RunArgs {
    /// CLIF files with `; run:` lines.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Also run every line through Cranelift's own backend for this host (cranelift-jit)
    /// and require the same results (x86-64 hosts only).
    #[arg(long)]
    host: bool,
    /// Skip the mid-end optimiser.
    #[arg(long)]
    no_opt: bool,
    /// Target has SDIV/UDIV (Cortex-A7/A15); otherwise division calls the EABI helpers.
    #[arg(long)]
    hw_div: bool,
    /// Instruction set to compile to (T32 code is entered and left by interworking).
    #[arg(long, value_enum, default_value_t = IsaArg::A32)]
    isa: IsaArg,
}

/// Runs `beam clif-run`: prints one line per file, then a summary; fails if any line did.
pub fn run_files(args: &RunArgs) -> Result<std::process::ExitCode, ClifError> {
    let flags = Flags {
        has_hw_div: args.hw_div,
        ..Flags::DEFAULT
    };
    let (mut lines, mut host_lines, mut failures) = (0usize, 0usize, Vec::new());
    let mut retired = 0u64;
    for path in &args.files {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| ClifError::Read {
            path: p.clone(),
            err,
        })?;
        let file = parse_test(&text, ParseOptions::default()).map_err(|e| ClifError::Parse {
            path: p.clone(),
            err: e.to_string(),
        })?;
        let mut funcs = Vec::new();
        for (f, _) in &file.functions {
            let mut f = f.clone();
            if !args.no_opt {
                optimize(&mut f, OptLevel::Speed).map_err(|e| ClifError::MidEnd {
                    path: p.clone(),
                    err: e.to_string(),
                })?;
            }
            funcs.push(f);
        }
        // A function the backend rejects fails the file (and the run), not the command.
        let program: Result<Vec<_>, _> = funcs
            .iter()
            .map(|f| {
                compile_isa(f, &flags, args.isa.isa(), false)
                    .map(|c| (SymbolName::of_function(f), c))
            })
            .collect();
        let program = match program {
            Ok(p) => p,
            Err(e) => {
                println!("{p}: FAILED to compile");
                failures.push(format!("{p}: {e}"));
                continue;
            }
        };
        let mut runner = SimRunner::new(&program, args.isa).map_err(|err| ClifError::Parse {
            path: p.clone(),
            err,
        })?;
        let host_skip = text.lines().any(|l| l.starts_with("; host-skip:"));
        let mut host = match (args.host, host_skip) {
            (true, false) => {
                Some(
                    host::HostProgram::new(&file).map_err(|err| ClifError::Parse {
                        path: p.clone(),
                        err: format!("--host: {err}"),
                    })?,
                )
            }
            _ => None,
        };
        let before = failures.len();
        let mut n = 0;
        for (index, (func, details)) in file.functions.iter().enumerate() {
            for c in &details.comments {
                let cmd = match parse_run_command(c.text, &func.signature) {
                    Ok(Some(cmd @ RunCommand::Run(..))) => cmd,
                    Ok(_) => continue,
                    Err(e) => {
                        failures.push(format!("{p}: {}: {e}", c.text));
                        continue;
                    }
                };
                n += 1;
                let mut trapped = false;
                let r = cmd.run(|_, a| {
                    let r = runner.call(index, &func.signature, a);
                    trapped = matches!(&r, Err(e) if e.starts_with("trapped"));
                    r
                });
                if let Err(e) = r {
                    failures.push(format!("{p}: {}: {}: {e}", func.name, c.text));
                }
                // The host's code would trap too, and a trap there ends this process.
                if let Some(h) = host.as_mut().filter(|_| !trapped) {
                    host_lines += 1;
                    if let Err(e) = cmd.run(|_, a| h.call(index, &func.signature, a)) {
                        failures.push(format!("{p}: {}: {} (host): {e}", func.name, c.text));
                    }
                }
            }
        }
        lines += n;
        retired += runner.sim.counters.instructions;
        let status = if failures.len() == before {
            "ok"
        } else {
            "FAILED"
        };
        let note = match (args.host, host_skip) {
            (true, true) => " (host skipped: ; host-skip)",
            (true, false) => " (host agrees)",
            _ => "",
        };
        let note = if status == "ok" { note } else { "" };
        println!("{p}: {n} run lines {status}{note}");
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    println!(
        "{} files, {lines} run lines in the simulator ({retired} instructions retired), \
         {host_lines} on the host, {} failures",
        args.files.len(),
        failures.len()
    );
    Ok(if failures.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

/// The 64-bit image of an argument (narrow integers sign-extended: the bits above the
/// type are don't-care for the generated code).
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

/// A result of type `ty` from its bits.
fn result_value(ty: Type, bits: u64) -> Result<DataValue, String> {
    Ok(match ty {
        types::I8 => DataValue::I8(bits as u8 as i8),
        types::I16 => DataValue::I16(bits as u16 as i16),
        types::I32 => DataValue::I32(bits as u32 as i32),
        types::I64 => DataValue::I64(bits as i64),
        types::F64 => DataValue::F64(Ieee64::with_bits(bits)),
        other => return Err(format!("unsupported result type {other}")),
    })
}

/// Host functions the CLIF test files may call (the same formulas as the backend's tests,
/// position-sensitive so swapped arguments show).
mod rt {
    pub extern "C" fn rt_add3(a: i32, b: i32, c: i32) -> i32 {
        a.wrapping_add(b.wrapping_mul(3))
            .wrapping_add(c.wrapping_mul(5))
    }
    pub extern "C" fn rt_sum6(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32 {
        [a, b, c, d, e, f]
            .iter()
            .enumerate()
            .fold(0i32, |s, (i, &x)| {
                s.wrapping_add(x.wrapping_mul(i as i32 + 1))
            })
    }
    /// (7a, a - 1) as two i32 results.
    pub fn rt_pair(a: i32) -> u64 {
        (a.wrapping_mul(7) as u32 as u64) | ((a.wrapping_sub(1) as u32 as u64) << 32)
    }
    pub extern "C" fn rt_fmix(a: f64, n: i32, b: f64) -> f64 {
        a * 2.0 + f64::from(n) + b / 4.0
    }
}

/// The simulator redirects for the host functions, by name.
fn redirects() -> Vec<(&'static str, HostFn)> {
    fn i32s(c: &mut HostCall<'_>, n: usize) -> Result<Vec<i32>, sim_arm32::Fault> {
        (0..n).map(|_| c.arg_i32()).collect()
    }
    vec![
        (
            "rt_add3",
            Box::new(|c| {
                let a = i32s(c, 3)?;
                Ok(HostRet::I32(rt::rt_add3(a[0], a[1], a[2]) as u32))
            }),
        ),
        (
            "rt_sum6",
            Box::new(|c| {
                let a = i32s(c, 6)?;
                Ok(HostRet::I32(
                    rt::rt_sum6(a[0], a[1], a[2], a[3], a[4], a[5]) as u32,
                ))
            }),
        ),
        (
            "rt_pair",
            Box::new(|c| Ok(HostRet::I64(rt::rt_pair(c.arg_i32()?)))),
        ),
        (
            "rt_fmix",
            Box::new(|c| {
                let (a, n, b) = (c.arg_f64()?, c.arg_i32()?, c.arg_f64()?);
                Ok(HostRet::F64(rt::rt_fmix(a, n, b)))
            }),
        ),
        // EABI division helpers: quotient in r0, remainder in r1 (callers check for 0).
        (
            "__aeabi_uidivmod",
            Box::new(|c| {
                let (n, d) = (c.arg_u32()?, c.arg_u32()?);
                let (q, r) = (n.checked_div(d), n.checked_rem(d));
                let (q, r) = (
                    q.ok_or_else(|| c.error("division by zero"))?,
                    r.unwrap_or(0),
                );
                Ok(HostRet::I64(u64::from(q) | u64::from(r) << 32))
            }),
        ),
        (
            "__aeabi_idivmod",
            Box::new(|c| {
                let (n, d) = (c.arg_i32()?, c.arg_i32()?);
                if d == 0 {
                    return Err(c.error("division by zero"));
                }
                let (q, r) = (n.wrapping_div(d), n.wrapping_rem(d));
                Ok(HostRet::I64(q as u32 as u64 | (r as u32 as u64) << 32))
            }),
        ),
    ]
}

/// One linked program in the simulator.
struct SimRunner {
    sim: Sim,
    /// Owns the memory the simulator runs in (code, then the stack).
    map: LowMapping,
    /// Each function's address, in file order.
    entries: Vec<u32>,
    /// Runs as an ARMv7-M core (`--isa t32m`).
    m_profile: bool,
}

const STACK: u32 = 1 << 20;
const HOST_BASE: u32 = 0x1000;

impl SimRunner {
    fn new(program: &[(SymbolName, CompiledCode)], isa: IsaArg) -> Result<SimRunner, String> {
        let thumb = isa != IsaArg::A32;
        let m_profile = isa == IsaArg::T32m;
        let redirects = redirects();
        // On an M core every function address is odd (Thumb): so are the host functions'.
        let resolve = |s: &SymbolName| -> Option<u32> {
            let SymbolName::Named(n) = s else { return None };
            redirects
                .iter()
                .position(|(h, _)| h == n)
                .map(|i| (HOST_BASE + 16 * i as u32) | u32::from(m_profile))
        };
        let funcs: Vec<(SymbolName, &CompiledCode)> =
            program.iter().map(|(n, c)| (n.clone(), c)).collect();
        let (offsets, size) = link::layout(&funcs);
        let code_len = (size as u32).next_multiple_of(4096).max(4096);
        let mut map = LowMapping::new((code_len + STACK) as usize).map_err(|e| e.to_string())?;
        let base = map.addr();
        let image = link::link_target(&funcs, base, &resolve, thumb, m_profile)
            .map_err(|e| e.to_string())?;
        map.as_mut_slice()[..image.bytes.len()].copy_from_slice(&image.bytes);
        let mut sim = Sim::new();
        // SAFETY: both regions lie inside `map`, which lives as long as `sim` (both are
        // fields of the runner; the simulator only touches them while the runner exists).
        unsafe {
            sim.add_code_region(base, code_len)
                .map_err(|e| e.to_string())?;
            sim.add_region(base + code_len, STACK, Perms::RW)
                .map_err(|e| e.to_string())?;
        }
        for (i, (_, f)) in redirects.into_iter().enumerate() {
            sim.add_redirect(HOST_BASE + 16 * i as u32, f);
        }
        sim.set_step_limit(Some(1 << 28));
        sim.set_m_profile(m_profile);
        let _ = offsets;
        Ok(SimRunner {
            sim,
            map,
            entries: image.entries,
            m_profile,
        })
    }

    /// Calls function `index` with `args` placed by its calling convention; returns the
    /// results read back from their registers. A trap is an error naming its code.
    fn call(
        &mut self,
        index: usize,
        sig: &cranelift_codegen::ir::Signature,
        args: &[DataValue],
    ) -> Result<Vec<DataValue>, String> {
        let tys: Vec<Type> = sig.params.iter().map(|p| p.value_type).collect();
        for (a, l) in args.iter().zip(abi::locations(sig.call_conv, &tys, false)?) {
            let bits = arg_bits(a)?;
            for (half, loc) in l.into_iter().enumerate() {
                match loc {
                    Loc::Reg(r) => self.sim.cpu.regs[r as usize] = (bits >> (32 * half)) as u32,
                    Loc::FReg(d) => self.sim.cpu.d[d as usize] = bits,
                    Loc::Stack(_) => return Err("stack arguments in a run line".into()),
                }
            }
        }
        let top = self.map.addr() + self.map.len() as u32;
        self.sim.cpu.regs[13] = top;
        // An M core returns to an odd address (Thumb state is all it has).
        self.sim.cpu.regs[14] = RETURN_MAGIC | u32::from(self.m_profile);
        self.sim.cpu.regs[15] = self.entries[index];
        match self.sim.run() {
            Ok(_) => {}
            Err(f) => {
                return Err(match f.kind {
                    FaultKind::Undefined { word }
                        if word >> 28 == 0xe && word & 0x0ff0_00f0 == 0x07f0_00f0 =>
                    {
                        // The UDF immediate is the raw Cranelift trap code.
                        let code = ((word >> 4) & 0xfff0) | (word & 0xf);
                        let name = u8::try_from(code)
                            .ok()
                            .and_then(std::num::NonZeroU8::new)
                            .map(|c| cranelift_codegen::ir::TrapCode::from_raw(c).to_string())
                            .unwrap_or_default();
                        format!("trapped (udf #{code}: {name}) at {:#x}", f.pc)
                    }
                    // T32: udf #imm8 (de..) or udf.w #imm16 (f7f. a...).
                    FaultKind::Undefined { word }
                        if word & 0xffff_ff00 == 0xde00 || word & 0xfff0_f000 == 0xf7f0_a000 =>
                    {
                        let code = if word < 0x1_0000 {
                            word & 0xff
                        } else {
                            ((word >> 4) & 0xf000) | (word & 0xfff)
                        };
                        let name = u8::try_from(code)
                            .ok()
                            .and_then(std::num::NonZeroU8::new)
                            .map(|c| cranelift_codegen::ir::TrapCode::from_raw(c).to_string())
                            .unwrap_or_default();
                        format!("trapped (udf #{code}: {name}) at {:#x}", f.pc)
                    }
                    _ => format!("simulator fault: {f}"),
                });
            }
        }
        let rtys: Vec<Type> = sig.returns.iter().map(|p| p.value_type).collect();
        let mut out = Vec::new();
        for (ty, l) in rtys.iter().zip(abi::locations(sig.call_conv, &rtys, true)?) {
            let mut bits = 0u64;
            for (half, loc) in l.into_iter().enumerate() {
                match loc {
                    Loc::Reg(r) => bits |= u64::from(self.sim.cpu.regs[r as usize]) << (32 * half),
                    Loc::FReg(d) => bits = self.sim.cpu.d[d as usize],
                    Loc::Stack(_) => return Err("stacked results".into()),
                }
            }
            out.push(result_value(*ty, bits)?);
        }
        Ok(out)
    }
}

#[cfg(not(target_arch = "arm"))]
mod host {
    //! `--host`: the same file through Cranelift's own backend for this host, via
    //! cranelift-jit (x86-64 System V: integers in rdi/rsi/rdx/rcx, f64 in xmm0-7).

    use super::{arg_bits, result_value, rt};
    use cranelift_codegen::data_value::DataValue;
    use cranelift_codegen::ir::{types, ExternalName, Function, UserExternalName};
    use cranelift_codegen::settings::{self, Configurable};
    use cranelift_jit::{JITBuilder, JITModule};
    use cranelift_module::{FuncId, Linkage, Module};
    use cranelift_reader::TestFile;

    /// rt_pair on x86-64: the two i32 results of the CLIF declaration come back in
    /// eax/edx, which is how a u128 is returned.
    extern "C" fn rt_pair_host(a: i32) -> u128 {
        let v = rt::rt_pair(a);
        u128::from(v as u32) | u128::from(v >> 32) << 64
    }

    pub struct HostProgram {
        /// Keeps the compiled code alive.
        _module: JITModule,
        ptrs: Vec<*const u8>,
    }

    impl HostProgram {
        pub fn new(file: &TestFile<'_>) -> Result<HostProgram, String> {
            let mut flags = settings::builder();
            flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
            // x86-64 tail calls need frame pointers.
            flags
                .set("preserve_frame_pointers", "true")
                .map_err(|e| e.to_string())?;
            let isa = cranelift_native::builder()
                .map_err(|e| e.to_string())?
                .finish(settings::Flags::new(flags))
                .map_err(|e| e.to_string())?;
            let mut b = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
            b.symbol("rt_add3", rt::rt_add3 as *const u8);
            b.symbol("rt_sum6", rt::rt_sum6 as *const u8);
            b.symbol("rt_pair", rt_pair_host as *const u8);
            b.symbol("rt_fmix", rt::rt_fmix as *const u8);
            let mut module = JITModule::new(b);
            let funcs: Vec<Function> = file.functions.iter().map(|(f, _)| f.clone()).collect();
            let declared = declare_all(&mut module, &funcs)?;
            for (f, id) in &declared {
                let mut ctx = module.make_context();
                ctx.func = f.clone();
                module
                    .define_function(*id, &mut ctx)
                    .map_err(|e| format!("{}: {e:?}", f.name))?;
            }
            module.finalize_definitions().map_err(|e| e.to_string())?;
            let ptrs = declared
                .iter()
                .map(|(_, id)| module.get_finalized_function(*id))
                .collect();
            Ok(HostProgram {
                _module: module,
                ptrs,
            })
        }

        /// Calls function `index` (at most 4 integer and 8 f64 parameters, at most two
        /// integer results or one f64 result).
        pub fn call(
            &mut self,
            index: usize,
            sig: &cranelift_codegen::ir::Signature,
            args: &[DataValue],
        ) -> Result<Vec<DataValue>, String> {
            type F = f64;
            let (mut a, mut fa) = ([0u64; 4], [0f64; 8]);
            let (mut ni, mut nf) = (0, 0);
            for v in args {
                if let DataValue::F64(x) = v {
                    *fa.get_mut(nf).ok_or("more than 8 f64 arguments")? = f64::from_bits(x.bits());
                    nf += 1;
                } else {
                    *a.get_mut(ni).ok_or("more than 4 integer arguments")? = arg_bits(v)?;
                    ni += 1;
                }
            }
            let float_ret = sig
                .returns
                .first()
                .is_some_and(|p| p.value_type == types::F64);
            if sig.returns.len() > 2 || (float_ret && sig.returns.len() > 1) {
                return Err("too many results for the host harness".into());
            }
            let ptr = self.ptrs[index];
            let r = if float_ret {
                // SAFETY: compiled by cranelift-jit for this host (System V) from a
                // signature with at most 4 integer and 8 f64 parameters (checked above;
                // unused registers are ignored) and a single f64 result in xmm0.
                let f: extern "C" fn(u64, u64, u64, u64, F, F, F, F, F, F, F, F) -> f64 =
                    unsafe { std::mem::transmute(ptr) };
                let d = f(
                    a[0], a[1], a[2], a[3], fa[0], fa[1], fa[2], fa[3], fa[4], fa[5], fa[6], fa[7],
                );
                u128::from(d.to_bits())
            } else {
                // SAFETY: as above, with at most two integer results in rax:rdx (a u128).
                let f: extern "C" fn(u64, u64, u64, u64, F, F, F, F, F, F, F, F) -> u128 =
                    unsafe { std::mem::transmute(ptr) };
                f(
                    a[0], a[1], a[2], a[3], fa[0], fa[1], fa[2], fa[3], fa[4], fa[5], fa[6], fa[7],
                )
            };
            sig.returns
                .iter()
                .zip([r as u64, (r >> 64) as u64])
                .map(|(p, bits)| result_value(p.value_type, bits))
                .collect()
        }
    }

    /// Declares every function of the file and points their function references at the
    /// module's ids (functions of the file) or at imports (host functions).
    fn declare_all(
        module: &mut JITModule,
        funcs: &[Function],
    ) -> Result<Vec<(Function, FuncId)>, String> {
        let name_of = |n: &dyn std::fmt::Display| n.to_string().trim_start_matches('%').to_string();
        let mut ids = std::collections::HashMap::new();
        let mut own = Vec::new();
        for f in funcs {
            let name = name_of(&f.name);
            let id = if ids.contains_key(&name) {
                module.declare_anonymous_function(&f.signature)
            } else {
                module.declare_function(&name, Linkage::Local, &f.signature)
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
                            .declare_function(&name, Linkage::Import, &sig)
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
}

#[cfg(target_arch = "arm")]
mod host {
    //! `--host` needs Cranelift's own backend for the host, which has no 32-bit ARM target.
    use cranelift_codegen::data_value::DataValue;
    use cranelift_reader::TestFile;

    pub struct HostProgram;

    impl HostProgram {
        pub fn new(_file: &TestFile<'_>) -> Result<HostProgram, String> {
            Err("no Cranelift host backend on 32-bit ARM".into())
        }
        pub fn call(
            &mut self,
            _index: usize,
            _sig: &cranelift_codegen::ir::Signature,
            _args: &[DataValue],
        ) -> Result<Vec<DataValue>, String> {
            Err("no host backend".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(files: Vec<PathBuf>) -> RunArgs {
        RunArgs {
            files,
            host: cfg!(target_arch = "x86_64"),
            no_opt: false,
            hw_div: false,
            isa: IsaArg::A32,
        }
    }

    #[test]
    fn clif_run_passes_the_suite_files() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/clif");
        let files = [
            "f64_fcmp.clif",
            "i64_arith.clif",
            "sdiv.clif",
            "call_host.clif",
        ]
        .iter()
        .map(|f| dir.join(f))
        .collect();
        let code = run_files(&args(files)).expect("files compile");
        assert_eq!(code, std::process::ExitCode::SUCCESS);
    }

    /// Every file of tests/clif compiled to T32 (and the runtime helpers reached by BLX)
    /// passes in the simulator, with and without hardware divide.
    #[test]
    fn clif_run_passes_every_suite_file_in_t32() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/clif");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("tests/clif")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "clif"))
            .collect();
        files.sort();
        assert!(files.len() > 50, "only {} files", files.len());
        for (isa, hw_div) in [
            (IsaArg::T32, false),
            (IsaArg::T32, true),
            // ARMv7-M: no A32 state, no BLX imm (the simulator faults on both); every
            // v7-M core has SDIV/UDIV, but the EABI helpers are checked too.
            (IsaArg::T32m, false),
            (IsaArg::T32m, true),
        ] {
            let a = RunArgs {
                files: files.clone(),
                host: false,
                no_opt: false,
                hw_div,
                isa,
            };
            let code = run_files(&a).expect("files compile");
            assert_eq!(
                code,
                std::process::ExitCode::SUCCESS,
                "{isa:?} hw_div {hw_div}"
            );
        }
    }

    #[test]
    fn clif_run_reports_a_wrong_expectation_and_a_trap() {
        let path = std::env::temp_dir().join(format!("clif-run-{}.clif", std::process::id()));
        std::fs::write(
            &path,
            "function %f(f64) -> f64 {\nblock0(v0: f64):\n    v1 = fadd v0, v0\n    return v1\n}\n\
             ; run: %f(0x1.0p0) == 0x1.0p2\n\n\
             function %t(i32) -> i32 {\nblock0(v0: i32):\n    v1 = udiv v0, v0\n    return v1\n}\n\
             ; run: %t(0) == 0\n",
        )
        .expect("temp file");
        let code = run_files(&args(vec![path.clone()]));
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            code.expect("file compiles"),
            std::process::ExitCode::FAILURE
        );
    }
}
