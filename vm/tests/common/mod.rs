//! Helpers shared by vm's integration tests.

use std::path::PathBuf;
use std::process::Command;

/// Compiles `src` with erlc into a fresh directory (returned).
pub fn erlc(name: &str, src: &str) -> PathBuf {
    erlc_all(name, &[(name, src)])
}

/// Compiles the `(name, source)` modules with erlc into a fresh directory named by `tag`
/// (returned): one directory per test, so tests running in parallel do not share files.
pub fn erlc_all(tag: &str, modules: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("beamjit-vm-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, src) in modules {
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
    }
    dir
}
