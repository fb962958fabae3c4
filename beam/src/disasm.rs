//! `beam disasm FILE.beam`: decode a module and print it as text (module name, code header,
//! table sizes, exports, imports, then every function's generic instructions).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The .beam file to decode.
    pub file: PathBuf,
}

pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let module = beam_frontend::decode(&bytes)
        .map_err(|e| format!("{}: {e}", args.file.display()))?;
    print!("{}", beam_frontend::text::module(&module));
    Ok(ExitCode::SUCCESS)
}
