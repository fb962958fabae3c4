//! `beam run`: compile (if needed), load and run an Erlang function on the ARM32 JIT.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use beam_vm::{Emit, Jit, Options, RunOutcome, Vm};

use crate::clif::IsaArg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EmitArg {
    /// The CLIF of every segment, after the mid-end.
    Clif,
    /// The VCode before register allocation.
    Vcode,
    /// The ARM32 machine code, disassembled.
    Asm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// The in-process ARMv7 simulator (any host).
    Sim,
    /// Directly on the CPU (an ARMv7 host or qemu-arm).
    Native,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum JitArg {
    /// Cranelift IR through backend-arm32 (optimising).
    Ir,
    /// A fixed A32 sequence per BEAM instruction (docs/template.md).
    Template,
    /// Modules alternate between the two in load order.
    Mixed,
    /// Templates at load, hot functions recompiled through IR (docs/tiered.md).
    Tiered,
}

/// Runs MODULE:FUNCTION(ARG...) with the arguments as atoms, like `erl -s`.
///
/// MODULE may be a `.erl` file (compiled with erlc into a temporary directory), a
/// `.beam` file, or a module name found on the code path (the -pa directories, then the
/// installed OTP's ebin directories). If MODULE exports FUNCTION with one parameter per
/// ARG it is called with them; otherwise, with at least one ARG, FUNCTION/1 is called with
/// the list of them (`erl -s` style); FUNCTION defaults to `main`.
///
/// Exit status: 0 when the process ends, N after `erlang:halt(N)`, 1 after an uncaught
/// error (reported on stderr), 2 when the program cannot be loaded.
#[derive(clap::Args)]
pub struct Args {
    /// Extra code path directory (repeatable), searched before OTP's; `-pa DIR` as with
    /// erl works too (one DIR per -pa).
    #[arg(long = "pa", value_name = "DIR")]
    pub pa: Vec<PathBuf>,
    /// Print what is compiled (the seed's -JDdump).
    #[arg(long, value_enum)]
    pub emit: Option<EmitArg>,
    /// Where the generated code runs (default: native on ARM, the simulator elsewhere).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Print the ARM instructions retired on stderr (simulator only; natively, count them
    /// with qemu-arm's instruction-counting plugin).
    #[arg(long)]
    pub stats: bool,
    /// Print the function's return value on stdout (as `~w`), e.g. to compare with
    /// `erl -noshell -eval 'io:format("~w~n", [M:F()]), halt().'`.
    #[arg(long)]
    pub print: bool,
    /// The code generator (default ir).
    #[arg(long, value_enum, default_value = "ir")]
    pub jit: JitArg,
    /// Tiered mode: calls of a function before it is recompiled through IR (default
    /// $BEAM_TIER_THRESHOLD, else 1000).
    #[arg(long)]
    pub tier_threshold: Option<u32>,
    /// Skip Cranelift's mid-end optimiser.
    #[arg(long)]
    pub no_opt: bool,
    /// Target a CPU with SDIV/UDIV (Cortex-A7/A15).
    #[arg(long)]
    pub hw_div: bool,
    /// The instruction set of the IR pipeline's code: a32, t32 (Thumb-2; needs `--jit ir`,
    /// docs/thumb2.md), or t32m (Thumb-2 on an ARMv7-M core: also `--mode sim`).
    #[arg(long, value_enum, default_value_t = IsaArg::A32)]
    pub isa: IsaArg,
    /// The most processes that may exist at once (erl's `+P N`, also accepted as `+P N`):
    /// rounded up to a power of two from 1,024 to 262,144 (the default). A spawn past it
    /// raises `system_limit`.
    #[arg(long, value_name = "N")]
    pub max_processes: Option<usize>,
    /// Compile every module instead of using the native-code cache ($BEAM_CACHE_DIR,
    /// else $XDG_CACHE_HOME/beam-arm32-jit/code, else ~/.cache/beam-arm32-jit/code;
    /// docs/cache.md).
    #[arg(long)]
    pub no_cache: bool,
    /// FILE.erl, FILE.beam or a module name.
    pub module: String,
    /// The function to call.
    #[arg(default_value = "main")]
    pub function: String,
    /// Arguments, passed as atoms.
    pub args: Vec<String>,
}

/// A failure before the program runs (exit status 2).
fn fail(msg: impl std::fmt::Display) -> Result<ExitCode, Box<dyn std::error::Error>> {
    eprintln!("beam run: {msg}");
    Ok(ExitCode::from(2))
}

pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let native_host = cfg!(target_arch = "arm");
    let native = match args.mode {
        Some(Mode::Native) if !native_host => {
            return fail("--mode native needs an ARMv7 host (or qemu-arm); use --mode sim")
        }
        Some(Mode::Native) => true,
        Some(Mode::Sim) => false,
        None => native_host,
    };
    if args.isa.m_profile() && native {
        return fail(
            "--isa t32m (ARMv7-M) needs --mode sim: there is no M-profile host to run it natively",
        );
    }
    let mut dirs = args.pa.clone();
    // The erlc output directory: removed as soon as the module is loaded (below), so a run
    // that aborts later (a host crash, a signal) leaves nothing in /tmp; the guard removes
    // it on the early-return paths.
    let mut tmp = None;
    let module = if let Some(stem) = strip(&args.module, ".erl") {
        let dir = std::env::temp_dir().join(format!("beam-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        tmp = Some(TempDir(dir.clone()));
        let out = Command::new("erlc")
            .arg("-o")
            .arg(&dir)
            .arg(&args.module)
            .output()
            .map_err(|e| format!("cannot run erlc (install OTP: scripts/setup): {e}"))?;
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stdout));
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            return fail(format!("erlc failed on {}", args.module));
        }
        dirs.insert(0, dir);
        stem
    } else if let Some(stem) = strip(&args.module, ".beam") {
        let parent = Path::new(&args.module)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        dirs.insert(0, parent.to_path_buf());
        stem
    } else {
        args.module.clone()
    };
    let mut opts = Options::with_otp(dirs);
    if !args.no_cache {
        opts.cache = beam_vm::cache::default_dir();
    }
    opts.optimize = !args.no_opt;
    opts.native = native;
    opts.flags.has_hw_div = args.hw_div;
    opts.isa = args.isa.isa();
    opts.m_profile = args.isa.m_profile();
    opts.jit = match args.jit {
        JitArg::Ir => Jit::Ir,
        JitArg::Template => Jit::Template,
        JitArg::Mixed => Jit::Mixed,
        JitArg::Tiered => Jit::Tiered,
    };
    if let Some(n) = args.tier_threshold {
        opts.tier_threshold = n;
    }
    opts.emit = args.emit.map(|e| match e {
        EmitArg::Clif => Emit::Clif,
        EmitArg::Vcode => Emit::Vcode,
        EmitArg::Asm => Emit::Asm,
    });
    if let Some(n) = args.max_processes {
        beam_runtime::process::set_process_limit(n);
    }
    if args.isa != IsaArg::A32 && args.jit != JitArg::Ir {
        // The templates (and so mixed and tiered mode) emit A32 only.
        return fail("--isa t32 needs --jit ir: the template code generator emits A32 only");
    }
    let mut vm = Vm::new(opts)?;
    if let Err(e) = vm.load(&module) {
        return fail(e);
    }
    drop(tmp.take());
    let atoms = args
        .args
        .iter()
        .map(|a| beam_runtime::atom::intern(a))
        .collect::<Result<Vec<_>, _>>()?;
    let exports = |n: u32| {
        vm.module(&module)
            .is_some_and(|m| m.exports.contains_key(&(args.function.clone(), n)))
    };
    let call_args = if exports(atoms.len() as u32) {
        atoms
    } else if !atoms.is_empty() && exports(1) {
        vec![vm.list_of(&atoms)?]
    } else {
        return fail(format!(
            "{module}:{}/{} is not exported",
            args.function,
            atoms.len()
        ));
    };
    let outcome = vm.run(&module, &args.function, &call_args)?;
    if args.stats {
        match vm.instructions() {
            Some(n) => eprintln!("instructions retired: {n}"),
            None => eprintln!("instructions retired: not counted when running natively"),
        }
        let sizes: Vec<String> = vm
            .module_sizes()
            .iter()
            .map(|(m, b)| format!("{m} {b}"))
            .collect();
        eprintln!("code bytes by module: {}", sizes.join(", "));
        let st = vm.load_stats();
        eprintln!(
            "loaded: {} modules, {} BEAM instructions, {} code bytes; {} functions by \
             templates, {} through IR instead; lower {:.1} ms, optimise {:.1} ms, codegen \
             {:.1} ms",
            st.modules,
            st.beam_ops,
            st.code_bytes,
            st.template_functions,
            st.template_fallbacks,
            st.lower.as_secs_f64() * 1e3,
            st.optimize.as_secs_f64() * 1e3,
            st.codegen.as_secs_f64() * 1e3,
        );
        eprintln!(
            "compiled: {} functions ({} tiered up); cache: {} hits, {} misses, {} rejected, {} stored, {} \
             not cacheable (second compilations {:.1} ms)",
            st.functions_compiled,
            st.tiered_functions,
            st.cache_hits,
            st.cache_misses,
            st.cache_rejected,
            st.cache_stored,
            st.cache_unfit,
            st.cache_verify.as_secs_f64() * 1e3,
        );
    }
    Ok(match outcome {
        RunOutcome::Halt(n) => ExitCode::from(n.min(255) as u8),
        RunOutcome::Exited { value, .. } => {
            if args.print {
                println!("{value}");
            }
            ExitCode::SUCCESS
        }
        // erl ends quietly when the first process exits with `normal` or
        // `{shutdown, _}` (as a supervisor's child would).
        RunOutcome::Error { class, reason }
            if class == "exit" && (reason == "normal" || reason.starts_with("{shutdown,")) =>
        {
            ExitCode::SUCCESS
        }
        // The process's exit reason: `{Reason, Stack}` for an error, `{{nocatch, V},
        // Stack}` for a throw.
        RunOutcome::Error { class, reason } => {
            let exit = vm.exit_reason().unwrap_or(reason);
            eprintln!("Error in process <0.1.0> with exit value:\n{exit}");
            if class == "exit" {
                eprintln!("(class exit)");
            }
            ExitCode::from(1)
        }
    })
}

fn strip(s: &str, ext: &str) -> Option<String> {
    s.strip_suffix(ext).map(|stem| {
        Path::new(stem)
            .file_name()
            .map_or_else(|| stem.to_string(), |f| f.to_string_lossy().into_owned())
    })
}

/// Removes the erlc output directory when `beam run` ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}
