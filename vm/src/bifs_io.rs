//! Modules `io` and `io_lib` as BIFs: formatted output without OTP's io server.
//!
//! OTP prints through the group leader, an io server process; loading that machinery
//! would compile a large part of kernel and stdlib, so `io:format`, `io:fwrite`,
//! `io:put_chars`, `io:nl`, `io:write`, `io_lib:format` and `io_lib:fwrite` are native
//! here (the formatting is `beam_runtime::ops::format`). Output goes to the VM's stdout
//! through a buffer that [`flush`] empties (the VM flushes when a run ends, halts
//! included); tests can collect it instead ([`capture_output`], [`take_output`]).
//!
//! Devices: `standard_io`, `user` and any pid (taken as the group leader) are stdout,
//! except the io server of a file opened with `file:open/2`, whose file is written,
//! `standard_error` is stderr; anything else raises `badarg`, as OTP does for a name
//! that is not registered, and the caller's own pid raises `calling_self`. The device
//! encoding is latin-1, as `erl -noshell` has it: characters up to 255 are written as one
//! byte, higher ones as `\x{HEX}`.
//!
//! Differences from OTP: `io_lib:format` returns a flat list (OTP: a deep list with the
//! same characters; `lists:flatten` of both is equal); errors carry no `error_info`.

use std::cell::RefCell;
use std::io::Write;

use beam_runtime::construct;
use beam_runtime::ops::format::{self, FormatError};
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, Bif, BifCx, Raise};

/// Where this thread's stdout output goes.
enum Sink {
    /// Buffered for the process's stdout.
    Stdout(Vec<u8>),
    /// Collected for [`take_output`].
    Capture(Vec<u8>),
}

thread_local! {
    static SINK: RefCell<Sink> = const { RefCell::new(Sink::Stdout(Vec::new())) };
}

/// Bytes buffered before a write to the real stdout.
const BUFFER: usize = 1 << 14;

/// From now on, collect this thread's stdout output instead of writing it.
pub fn capture_output() {
    flush();
    SINK.with(|s| *s.borrow_mut() = Sink::Capture(Vec::new()));
}

/// The output collected since [`capture_output`]; output goes to stdout again.
pub fn take_output() -> Vec<u8> {
    SINK.with(
        |s| match std::mem::replace(&mut *s.borrow_mut(), Sink::Stdout(Vec::new())) {
            Sink::Capture(v) => v,
            Sink::Stdout(v) => {
                write_stdout(&v);
                Vec::new()
            }
        },
    )
}

/// Writes buffered output to stdout (called when a run ends and before the VM halts).
pub fn flush() {
    SINK.with(|s| {
        if let Sink::Stdout(v) = &mut *s.borrow_mut() {
            write_stdout(v);
            v.clear();
        }
    });
}

fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (a pipe whose reader left) is not the program's error.
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

/// Appends `bytes` to this thread's stdout output.
pub(crate) fn emit_stdout(bytes: &[u8]) {
    SINK.with(|s| match &mut *s.borrow_mut() {
        Sink::Capture(v) => v.extend_from_slice(bytes),
        Sink::Stdout(v) => {
            v.extend_from_slice(bytes);
            if v.len() >= BUFFER {
                write_stdout(v);
                v.clear();
            }
        }
    });
}

/// Characters as a latin-1 device writes them.
fn encode(chars: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chars.len());
    for &c in chars {
        if c < 256 {
            out.push(c as u8);
        } else {
            out.extend_from_slice(format!("\\x{{{c:X}}}").as_bytes());
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Device {
    Stdout,
    Stderr,
    /// A pid: the io server of a file opened with `file:open/2` (its output goes to the
    /// file, vm/src/bifs_file.rs), or else taken as the group leader (stdout).
    Pid(Term),
}

/// The device named `d` for a call from `self_pid`: writing to oneself is OTP's
/// `error:calling_self` (the caller would wait for its own reply).
fn device_of(self_pid: Term, d: Term) -> Result<Device, Raise> {
    if d.is_pid() && d == self_pid {
        return Err(error("calling_self"));
    }
    device(d)
}

fn device(d: Term) -> Result<Device, Raise> {
    if d.is_pid() {
        Ok(Device::Pid(d))
    } else if d == atom("standard_io") || d == atom("user") {
        Ok(Device::Stdout)
    } else if d == atom("standard_error") {
        Ok(Device::Stderr)
    } else {
        // io.erl's `{io, arguments}` (exc::stand_in_frame).
        Err(Raise::Cause(atom("badarg"), crate::exc::IO_ARGUMENTS))
    }
}

fn put(dev: Device, chars: &[u32]) -> Result<Term, Raise> {
    let bytes = encode(chars);
    match dev {
        Device::Pid(p) => match crate::bifs_file_owners::write_owned(p, &bytes) {
            Some(Ok(())) => {}
            Some(Err(_)) => return Err(error("terminated")),
            None => emit_stdout(&bytes),
        },
        Device::Stdout => emit_stdout(&bytes),
        Device::Stderr => {
            flush();
            let _ = std::io::stderr().write_all(&bytes);
        }
    }
    Ok(atom("ok"))
}

fn badarg(_: FormatError) -> Raise {
    error("badarg")
}

fn fmt(dev: Device, f: Term, args: Term) -> Result<Term, Raise> {
    let chars = format::format(f, args).map_err(badarg)?;
    put(dev, &chars)
}

fn put_chars(dev: Device, data: Term) -> Result<Term, Raise> {
    let mut chars = Vec::new();
    if data.is_atom() {
        // io:put_chars accepts chardata only; an atom is badarg.
        return Err(error("badarg"));
    }
    format::chardata(data, true, &mut chars).map_err(badarg)?;
    put(dev, &chars)
}

fn write_term(dev: Device, t: Term) -> Result<Term, Raise> {
    let text = beam_runtime::ops::print::write(t).map_err(|_| error("badarg"))?;
    put(dev, &text.chars().map(|c| c as u32).collect::<Vec<_>>())
}

fn lib_format(c: &mut BifCx<'_>, f: Term, args: Term) -> Result<Term, Raise> {
    let chars = format::format(f, args).map_err(badarg)?;
    let mut acc = Term::NIL;
    for &ch in chars.iter().rev() {
        let t = Term::small(ch as i64).ok_or_else(|| error("badarg"))?;
        acc = construct::cons(&mut c.heap, t, acc).map_err(heap_err)?;
    }
    Ok(acc)
}

fn standard_io() -> Device {
    Device::Stdout
}

/// Module `io`.
pub static IO: &[Bif] = &[
    Bif {
        name: "format",
        arity: 1,
        f: |_, a| fmt(standard_io(), a[0], Term::NIL),
    },
    Bif {
        name: "format",
        arity: 2,
        f: |_, a| fmt(standard_io(), a[0], a[1]),
    },
    Bif {
        name: "format",
        arity: 3,
        f: |c, a| fmt(device_of(c.self_pid, a[0])?, a[1], a[2]),
    },
    Bif {
        name: "fwrite",
        arity: 1,
        f: |_, a| fmt(standard_io(), a[0], Term::NIL),
    },
    Bif {
        name: "fwrite",
        arity: 2,
        f: |_, a| fmt(standard_io(), a[0], a[1]),
    },
    Bif {
        name: "fwrite",
        arity: 3,
        f: |c, a| fmt(device_of(c.self_pid, a[0])?, a[1], a[2]),
    },
    Bif {
        name: "put_chars",
        arity: 1,
        f: |_, a| put_chars(standard_io(), a[0]),
    },
    Bif {
        name: "put_chars",
        arity: 2,
        f: |c, a| put_chars(device_of(c.self_pid, a[0])?, a[1]),
    },
    Bif {
        name: "nl",
        arity: 0,
        f: |_, _| put(Device::Stdout, &[0x0A]),
    },
    Bif {
        name: "nl",
        arity: 1,
        f: |c, a| put(device_of(c.self_pid, a[0])?, &[0x0A]),
    },
    Bif {
        name: "write",
        arity: 1,
        f: |_, a| write_term(standard_io(), a[0]),
    },
    Bif {
        name: "write",
        arity: 2,
        f: |c, a| write_term(device_of(c.self_pid, a[0])?, a[1]),
    },
];

/// Module `io_lib`.
pub static IO_LIB: &[Bif] = &[
    Bif {
        name: "format",
        arity: 2,
        f: |c, a| lib_format(c, a[0], a[1]),
    },
    Bif {
        name: "fwrite",
        arity: 2,
        f: |c, a| lib_format(c, a[0], a[1]),
    },
];

/// Flushes the stdout buffer when dropped: a run's output is written whichever way the
/// run ends.
pub(crate) struct FlushOnDrop;

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_encoding() {
        assert!(matches!(device(atom("user")), Ok(Device::Stdout)));
        assert!(matches!(device(atom("standard_error")), Ok(Device::Stderr)));
        assert!(device(atom("nobody")).is_err());
        assert_eq!(encode(&[0x61, 0xE9, 0x43F]), b"a\xE9\\x{43F}".to_vec());
    }

    #[test]
    fn capture_collects_in_order() {
        capture_output();
        emit_stdout(b"ab");
        emit_stdout(b"c");
        assert_eq!(take_output(), b"abc".to_vec());
    }
}
