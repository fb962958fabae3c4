//! `beam clif-compile`: compiles the functions of a CLIF file with the ARM32 backend and
//! prints the VCode (virtual registers, before allocation) and/or the A32 assembly.

use std::io::Write;
use std::path::PathBuf;

use backend_arm32::asm::disassemble;
use backend_arm32::codegen::{compile, CodegenError, Flags};
use beam_ir::mid_end::{optimize, OptLevel};

/// What to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// The VCode before register allocation.
    Vcode,
    /// The annotated A32 assembly.
    Asm,
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
            let code = compile(&func, &flags).map_err(|err| ClifError::Codegen {
                path: p.clone(),
                err,
            })?;
            let mut out = format!("function {}:\n", func.name);
            for e in &args.emit {
                match e {
                    Emit::Vcode => out.push_str(&code.vcode_text),
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
            // A closed pipe (e.g. `| head`) just ends the output.
            if std::io::stdout().write_all(out.as_bytes()).is_err() {
                return Ok(std::process::ExitCode::SUCCESS);
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
