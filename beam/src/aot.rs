//! `beam aot DIR...`: compiles every `.beam` file of the directories into the native-code
//! cache (docs/cache.md), so later runs take them from it instead of compiling.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use beam_vm::{Jit, Options, Vm};

use crate::run::Mode;

/// The code generators `aot` can store code of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AotJit {
    /// Cranelift IR through backend-arm32 (the default of `beam run`).
    Ir,
    /// Templates (`beam run --jit template`).
    Template,
}

/// Precompiles every MODULE.beam in the directories into the native-code cache.
///
/// Each module is compiled (or found already cached) the way `beam run` with the same
/// --jit, --mode, --no-opt and --hw-div would compile it, and stored under its MD5, so a
/// later `beam run` takes it from the cache without compiling. The cache is
/// $BEAM_CACHE_DIR, else $XDG_CACHE_HOME/beam-arm32-jit/code, else
/// ~/.cache/beam-arm32-jit/code, or --cache-dir. Progress goes to stdout, one line per
/// module ("[N/M] module: ..."), then a summary. A module that fails to load, or whose
/// code the cache cannot hold (docs/cache.md, "not cacheable"), is named with the reason.
///
/// Exit status: 0 when every module was stored or already cached, 1 otherwise, 2 when
/// the arguments are wrong (no directory, no cache directory).
///
/// Example: `beam aot /usr/lib/erlang/lib/stdlib-*/ebin`.
#[derive(clap::Args)]
pub struct Args {
    /// Directories whose .beam files are compiled.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The code generator to store code of.
    #[arg(long, value_enum, default_value = "ir")]
    pub jit: AotJit,
    /// Where the code will run (default: native on ARM, the simulator elsewhere).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Code for `beam run --no-opt`.
    #[arg(long)]
    pub no_opt: bool,
    /// Code for `beam run --hw-div`.
    #[arg(long)]
    pub hw_div: bool,
    /// The cache directory (default: as `beam run` finds it).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let Some(cache) = args.cache_dir.clone().or_else(beam_vm::cache::default_dir) else {
        eprintln!("beam aot: no cache directory (set BEAM_CACHE_DIR or HOME, or --cache-dir)");
        return Ok(ExitCode::from(2));
    };
    let native = match args.mode {
        Some(Mode::Native) => true,
        Some(Mode::Sim) => false,
        None => cfg!(target_arch = "arm"),
    };
    let mut modules = Vec::new();
    for d in &args.dirs {
        let rd = match std::fs::read_dir(d) {
            Ok(rd) => rd,
            Err(e) => {
                eprintln!("beam aot: {}: {e}", d.display());
                return Ok(ExitCode::from(2));
            }
        };
        let mut here: Vec<(PathBuf, String)> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "beam"))
            .filter_map(|p| {
                let m = p.file_stem()?.to_string_lossy().into_owned();
                Some((d.clone(), m))
            })
            .collect();
        here.sort();
        modules.extend(here);
    }
    let total = modules.len();
    println!("beam aot: {total} modules into {}", cache.display());
    let t0 = Instant::now();
    let (mut stored, mut cached, mut failed) = (0, 0, Vec::new());
    let mut functions = 0u64;
    for (k, (dir, m)) in modules.iter().enumerate() {
        // One VM per module: the module alone is loaded (its callees are not), and no VM
        // fills its code memory with a whole directory.
        let mut o = Options::with_otp(vec![dir.clone()]);
        o.jit = match args.jit {
            AotJit::Ir => Jit::Ir,
            AotJit::Template => Jit::Template,
        };
        o.native = native;
        o.optimize = !args.no_opt;
        o.flags.has_hw_div = args.hw_div;
        o.cache = Some(cache.clone());
        let t = Instant::now();
        let outcome = Vm::new(o).map_err(|e| e.to_string()).and_then(|mut vm| {
            vm.load(m).map_err(|e| e.to_string())?;
            Ok(vm.load_stats())
        });
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let n = k + 1;
        match outcome {
            Ok(st) if st.cache_hits > 0 => {
                cached += 1;
                println!("[{n}/{total}] {m}: already cached");
            }
            Ok(st) if st.cache_stored > 0 => {
                stored += 1;
                functions += u64::from(st.functions_compiled);
                println!(
                    "[{n}/{total}] {m}: {} functions compiled and stored ({ms:.0} ms)",
                    st.functions_compiled
                );
            }
            Ok(_) => {
                println!("[{n}/{total}] {m}: not cacheable (BEAM_CACHE_VERBOSE=1 says why)");
                failed.push(m.clone());
            }
            Err(e) => {
                println!("[{n}/{total}] {m}: error: {e}");
                failed.push(m.clone());
            }
        }
    }
    println!(
        "beam aot: {stored} compiled ({functions} functions), {cached} already cached, {} \
         failed, in {:.1} s",
        failed.len(),
        t0.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        println!("failed: {}", failed.join(" "));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
