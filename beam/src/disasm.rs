//! `beam disasm FILE.beam`: decode a module and print it as text (module name, code header,
//! table sizes, exports, imports, then every function's generic instructions).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The .beam file to decode.
    pub file: PathBuf,
}

/// The listing of `path`, or the read/decode error (which names chunk and byte offset).
pub fn render(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let module = beam_frontend::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(beam_frontend::text::module(&module))
}

pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    print!("{}", render(&args.file)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists_beam() -> PathBuf {
        let lib = Path::new("/usr/lib/erlang/lib");
        std::fs::read_dir(lib)
            .expect("installed OTP")
            .flatten()
            .map(|d| d.path().join("ebin/lists.beam"))
            .find(|p| p.exists())
            .expect("lists.beam")
    }

    #[test]
    fn lists_listing() {
        let text = render(&lists_beam()).unwrap();
        assert!(
            text.starts_with("module 'lists'\n"),
            "{}",
            &text[..200.min(text.len())]
        );
        assert!(text.contains("\nfunction 'reverse'/2 (entry label "));
        assert!(text.contains("  func_info 'lists' 'reverse' 2\n"));
        assert!(text.contains("\nexports:\n") && text.contains("\nimports:\n"));
        assert!(text.contains("\n  0: 'erlang':"), "imports listed as M:F/A");
    }

    #[test]
    fn damaged_file_is_a_typed_error() {
        let good = std::fs::read(lists_beam()).unwrap();
        let path =
            std::env::temp_dir().join(format!("beam-disasm-test-{}.beam", std::process::id()));
        std::fs::write(&path, &good[..good.len() / 3]).unwrap();
        let err = render(&path).unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert!(err.contains("byte 0x"), "{err}");
        assert!(render(Path::new("/nonexistent.beam"))
            .unwrap_err()
            .contains("cannot read"));
    }
}
