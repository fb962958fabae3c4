//! `os:cmd/1,2`: runs a command with `/bin/sh -c` and returns what it wrote to standard
//! output and standard error (erl's os:cmd merges the two), as a list of bytes.
//!
//! The calling process blocks the whole VM until the command ends (erl runs it through a
//! port and other processes go on meanwhile); documented in docs/boot.md. The command's
//! standard input is empty, as with erl (its shell reads the command from the port).

use std::io::Read;
use std::process::{Command, Stdio};

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{error, heap_err, small, Bif, BifCx, Raise};

/// The command: a string (a flat list of characters) or an atom, as erl's
/// `validate/1` accepts.
fn command_text(t: Term) -> Result<String, Raise> {
    if let Some(a) = beam_runtime::atom::name(t) {
        return Ok(a);
    }
    crate::bifs_more::chars(t).ok_or_else(|| error("badarg"))
}

fn run(cmd: &str) -> std::io::Result<Vec<u8>> {
    let (mut reader, writer) = std::io::pipe()?;
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()?;
    // The Command (holding the pipe's write ends) is gone: the read ends at the
    // command's exit (or when its last child closes the pipe).
    let mut out = Vec::new();
    reader.read_to_end(&mut out)?;
    child.wait()?;
    Ok(out)
}

fn cmd(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let text = command_text(a[0])?;
    // Output printed so far goes out before the command's own (it may write to the
    // terminal through /dev/tty or a file the caller reads afterwards).
    crate::bifs_io::flush();
    let out = run(&text).map_err(|e| {
        eprintln!("beam: os:cmd: cannot run /bin/sh: {e}");
        error("badarg")
    })?;
    let items: Vec<Term> = out.iter().map(|&b| small(i64::from(b))).collect();
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

pub static OS: &[Bif] = &[
    Bif {
        name: "cmd",
        arity: 1,
        f: cmd,
    },
    Bif {
        name: "cmd",
        arity: 2,
        // The options (max_size) are accepted; the output is never cut.
        f: |c, a| cmd(c, &a[..1]),
    },
];
