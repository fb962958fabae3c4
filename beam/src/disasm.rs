//! `beam disasm FILE.beam`.

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
    println!("{}: {} bytes", args.file.display(), bytes.len());
    Ok(ExitCode::SUCCESS)
}
