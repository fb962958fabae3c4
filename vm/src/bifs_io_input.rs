//! Reading standard input: `io:get_line/1,2` and `io:get_chars/2,3` as BIFs (docs/boot.md).
//!
//! erl reads through the `user` io server; here the calling process reads the VM's
//! standard input directly and the VM waits meanwhile (the other processes do not run
//! while a line is awaited). As with `erl -noshell`, the prompt is written to standard
//! output first, the data come back as a list of bytes (latin-1, the device's encoding),
//! a last line without a newline is returned as it is, and at end of input the result
//! is `eof`.

use std::io::{BufRead, Read};

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, Raise};

/// The device argument: standard input behind standard_io, user or a group leader pid.
fn check_device(c: &BifCx<'_>, d: Term) -> Result<(), Raise> {
    if d.is_pid() && d == c.self_pid {
        return Err(error("calling_self"));
    }
    if d.is_pid() || d == atom("standard_io") || d == atom("user") {
        Ok(())
    } else {
        Err(error("badarg"))
    }
}

/// Writes the prompt (an atom or character data) and sends out what is buffered, so the
/// prompt shows before the read blocks.
fn prompt(p: Term) -> Result<(), Raise> {
    let mut bytes = Vec::new();
    if let Some(a) = beam_runtime::atom::name(p) {
        bytes.extend(a.bytes());
    } else {
        crate::bifs_more::iolist(p, &mut bytes)?;
    }
    crate::bifs_io::emit_stdout(&bytes);
    crate::bifs_io::flush();
    Ok(())
}

fn bytes_or_eof(c: &mut BifCx<'_>, data: &[u8]) -> Result<Term, Raise> {
    if data.is_empty() {
        return Ok(atom("eof"));
    }
    let items: Vec<Term> = data.iter().map(|&b| small(i64::from(b))).collect();
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

fn read_error(e: std::io::Error) -> Raise {
    eprintln!("beam: reading standard input: {e}");
    error("terminated")
}

fn get_line(c: &mut BifCx<'_>, dev: Option<Term>, p: Term) -> Result<Term, Raise> {
    if let Some(d) = dev {
        check_device(c, d)?;
    }
    prompt(p)?;
    let mut line = Vec::new();
    std::io::stdin()
        .lock()
        .read_until(b'\n', &mut line)
        .map_err(read_error)?;
    bytes_or_eof(c, &line)
}

fn get_chars(c: &mut BifCx<'_>, dev: Option<Term>, p: Term, n: Term) -> Result<Term, Raise> {
    if let Some(d) = dev {
        check_device(c, d)?;
    }
    let n = n
        .small_value()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| error("badarg"))?;
    prompt(p)?;
    if n == 0 {
        return Ok(Term::NIL);
    }
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .take(n)
        .read_to_end(&mut data)
        .map_err(read_error)?;
    bytes_or_eof(c, &data)
}

pub static IO: &[Bif] = &[
    Bif {
        name: "get_line",
        arity: 1,
        f: |c, a| get_line(c, None, a[0]),
    },
    Bif {
        name: "get_line",
        arity: 2,
        f: |c, a| get_line(c, Some(a[0]), a[1]),
    },
    Bif {
        name: "get_chars",
        arity: 2,
        f: |c, a| get_chars(c, None, a[0], a[1]),
    },
    Bif {
        name: "get_chars",
        arity: 3,
        f: |c, a| get_chars(c, Some(a[0]), a[1], a[2]),
    },
];
