//! Helpers shared by vm's integration tests.

use std::path::PathBuf;
use std::process::Command;

/// Compiles `src` with erlc into a fresh directory (returned).
pub fn erlc(name: &str, src: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("beamjit-vm-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let erl = dir.join(format!("{name}.erl"));
    std::fs::write(&erl, src).unwrap();
    let out = Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .arg(&erl)
        .output()
        .expect("erlc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}
