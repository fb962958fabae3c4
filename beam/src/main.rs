//! `beam`: the command line of the ARM32 BEAM JIT.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli_args::erl_style;

mod aot;
mod cli_args;
mod clif;
mod disasm;
mod erl_cli;
mod run;

/// An IR-based JIT compiler for the Erlang BEAM with a 32-bit ARM backend.
///
/// Generated ARM32 code runs natively on an ARMv7 host and in the built-in simulator
/// elsewhere.
///
/// Without a subcommand, beam takes erl's command line (`beam [erl flags]`, or `beam erl
/// [erl flags]`): `-noshell`, `-eval E`, `-s M [F [Args]]`, `-run M [F [Args]]`,
/// `-pa`/`-pz DIR...`, `+P N`, `-extra`, `-root`, `-boot`, `-config` and user flags, and
/// it runs as `erl -noshell` until `init:stop()` or `halt()` (docs/boot.md). It boots
/// OTP as erl does (erl_init, init, the start_clean boot script, kernel's processes;
/// `--otp-boot` insists on it); `--stand-in-boot` (or `BEAM_OTP_BOOT=0`) runs a small
/// built-in `init` instead, which starts faster but has no kernel processes. Beam's own
/// options go first: `--mode sim|native`, `--jit ir|template|tiered|mixed`,
/// `--no-cache`, `--stats`. `beam run M F Args` is the quick way to call one function:
/// no boot, no `init` process, no command-line flags for `init:get_argument/1`, and it
/// ends when that function returns.
#[derive(Parser)]
#[command(name = "beam", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a .beam file and print its chunks and generic instructions as text.
    Disasm(disasm::Args),
    /// Compile CLIF functions with the ARM32 backend; print VCode and/or assembly.
    ClifCompile(clif::CompileArgs),
    /// Run the `; run:` lines of CLIF files on the ARM32 backend in the simulator.
    ClifRun(clif::RunArgs),
    /// Run MODULE:FUNCTION(ARG...) on the ARM32 JIT (FILE.erl, FILE.beam or a module).
    Run(run::Args),
    /// Precompile every .beam in directories into the native-code cache.
    Aot(aot::Args),
}

fn main() -> ExitCode {
    // `beam -noshell -eval E ...` / `beam erl ...`: erl's command line (erl_cli.rs).
    let words: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if erl_cli::is_erl_command_line(&words) {
        return erl_cli::main(&words).unwrap_or_else(|err| {
            eprintln!("beam: {err}");
            ExitCode::from(2)
        });
    }
    let cli = Cli::parse_from(erl_style(std::env::args_os()));
    let result = match cli.command {
        Command::Disasm(args) => disasm::run(&args),
        Command::ClifCompile(args) => clif::compile_files(&args).map_err(Into::into),
        Command::ClifRun(args) => clif::run_files(&args).map_err(Into::into),
        Command::Run(args) => run::run(&args),
        Command::Aot(args) => aot::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("beam: {err}");
            ExitCode::FAILURE
        }
    }
}
