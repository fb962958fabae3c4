//! What the erl-against-beam tests share.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Standard output and exit status of `program args` run in `cwd`, with `stdin` piped
/// in.
pub fn run(program: &str, args: &[String], stdin: &str, cwd: &Path) -> (String, i32) {
    let mut child = Command::new(program)
        .current_dir(cwd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}
