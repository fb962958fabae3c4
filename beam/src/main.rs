//! `beam`: the command line of the ARM32 BEAM JIT.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli_args::erl_style;

mod aot;
mod cli_args;
mod clif;
mod disasm;
mod run;

/// An IR-based JIT compiler for the Erlang BEAM with a 32-bit ARM backend.
///
/// Generated ARM32 code runs natively on an ARMv7 host and in the built-in simulator
/// elsewhere.
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
