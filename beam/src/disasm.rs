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
    let text = render(&args.file)?;
    write_out(&mut std::io::stdout().lock(), &text)
}

/// Writes the listing; a reader that stops early (`beam disasm X.beam | head`) closes the
/// pipe, which ends the listing quietly with success as it would for `cat`, instead of
/// `print!`'s panic (exit 101).
fn write_out(
    out: &mut dyn std::io::Write,
    text: &str,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone, as a pipe after `head` exits.
    struct ClosedPipe;
    impl std::io::Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn closed_pipe_ends_quietly() {
        assert_eq!(
            write_out(&mut ClosedPipe, "listing").unwrap(),
            ExitCode::SUCCESS
        );
    }

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
