//! Starting a port's program (vm/src/ports.rs): `{spawn, Cmd}` and `{spawn_executable,
//! File}` as erl's child setup runs them, and `{fd, In, Out}`; the reader thread (the
//! program's output, then its exit status) and the writer thread (its input).

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

use crate::ports::{Event, OpenError, Opts, Program, Spawn, Writer, READ_CHUNK};

fn os(bytes: &[u8]) -> &std::ffi::OsStr {
    std::os::unix::ffi::OsStrExt::from_bytes(bytes)
}

pub(crate) fn io_reason(e: &std::io::Error) -> OpenError {
    match e.kind() {
        std::io::ErrorKind::NotFound => "enoent",
        std::io::ErrorKind::PermissionDenied => "eacces",
        _ => match e.raw_os_error() {
            Some(2) => "enoent",
            Some(13) => "eacces",
            Some(24) => "emfile",
            _ => "einval",
        },
    }
}

/// The exit status erl reports: the code, or 128 + the signal that killed the program.
fn status_code(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

pub(crate) type Opened = (Option<Writer>, Option<u32>);

/// Starts the program with its stdout (and stderr with `stderr_to_stdout`) on a pipe
/// read by the reader thread and its stdin fed by the writer thread. `None`: the program
/// could not start in its directory (erl's child setup reports that and the port closes
/// at once, as here).
pub(crate) fn spawn(
    n: u32,
    s: &Spawn,
    tx: &Sender<Event>,
    closed: &Arc<AtomicBool>,
) -> Result<Option<(Option<Writer>, u32)>, OpenError> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let mut cmd = match &s.program {
        Program::Shell(c) => {
            let mut full = b"exec ".to_vec();
            full.extend_from_slice(c);
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-c").arg(os(&full));
            cmd
        }
        Program::Exec { file, args, arg0 } => {
            // Used as given: a name without a slash is not looked up in $PATH.
            let mut path = file.clone();
            if !path.contains(&b'/') {
                path.splice(0..0, b"./".iter().copied());
            }
            let mut cmd = Command::new(os(&path));
            cmd.args(args.iter().map(|a| os(a)));
            if let Some(a0) = arg0 {
                cmd.arg0(os(a0));
            }
            cmd
        }
        Program::Fd(..) | Program::Tty(_) | Program::Driver(_) => return Err("badarg"),
    };
    // erl's child setup exits with the errno of what failed in the child (a chdir, an
    // exec): the port opens and its program ends at once with that status.
    let failed = |errno: i32| {
        let _ = tx.send(Event::Eof(n));
        let _ = tx.send(Event::Exited(n, errno));
        Ok(None)
    };
    if let Some(dir) = &s.cd {
        let path = std::path::Path::new(os(dir));
        if !path.is_dir() {
            eprintln!("spawn: Could not cd to {}", String::from_utf8_lossy(dir));
            return failed(if path.exists() { 20 } else { 2 });
        }
        cmd.current_dir(path);
    }
    if let Program::Exec { file, .. } = &s.program {
        // erl checks the file in the VM before starting anything: missing is enoent, not
        // executable is eacces (a directory passes, and fails in the child).
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(os(file)).map_err(|e| io_reason(&e))?;
        if meta.permissions().mode() & 0o111 == 0 {
            return Err("eacces");
        }
    }
    for (k, v) in &s.env {
        match v {
            Some(v) => cmd.env(os(k), os(v)),
            None => cmd.env_remove(os(k)),
        };
    }
    let reader = if s.opts.input {
        let (r, w) = std::io::pipe().map_err(|e| io_reason(&e))?;
        if s.opts.stderr_to_stdout {
            cmd.stderr(w.try_clone().map_err(|e| io_reason(&e))?);
        }
        cmd.stdout(w);
        Some(r)
    } else {
        None
    };
    cmd.stdin(if s.opts.output {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    // Output the program writes to the VM's stdout goes after what was printed before.
    crate::bifs_io::flush();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => match e.raw_os_error() {
            Some(errno) => return failed(errno),
            None => return Err(io_reason(&e)),
        },
    };
    // The Command (holding the pipe's write ends) is dropped here, so the reader sees
    // end of file when the program (and any child it left holding the pipe) ends.
    drop(cmd);
    let pid = child.id();
    let writer = child.stdin.take().map(writer_thread);
    let (tx, closed) = (tx.clone(), closed.clone());
    std::thread::Builder::new()
        .name(format!("port {n} reader"))
        .spawn(move || {
            if let Some(r) = reader {
                read_until_end(n, r, &tx, &closed);
            }
            if let Ok(st) = child.wait() {
                let _ = tx.send(Event::Exited(n, status_code(st)));
            }
        })
        .map_err(|_| "emfile")?;
    Ok(Some((writer, pid)))
}

/// Reads the program's output until it ends (or the port closes: then the pipe is
/// dropped, and a program still writing gets SIGPIPE as with erl).
fn read_until_end(n: u32, mut r: impl Read, tx: &Sender<Event>, closed: &AtomicBool) {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => {
                if closed.load(Ordering::Relaxed)
                    || tx.send(Event::Data(n, buf[..k].to_vec())).is_err()
                {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let _ = tx.send(Event::Eof(n));
}

/// A thread writing `port_command` data to the program's stdin, in order; when the port
/// closes (the sender is dropped) it writes what is queued and closes stdin.
fn writer_thread(mut w: impl Write + Send + 'static) -> Writer {
    let (tx, rx) = channel::<Vec<u8>>();
    let spawned = std::thread::Builder::new()
        .name("port writer".into())
        .spawn(move || {
            for buf in rx {
                if w.write_all(&buf).and_then(|_| w.flush()).is_err() {
                    break;
                }
            }
        });
    match spawned {
        Ok(_) => Writer::Thread(tx),
        // No thread: the data is dropped (the program sees its stdin closed).
        Err(_) => Writer::Thread(channel().0),
    }
}

pub(crate) fn open_fd(
    n: u32,
    fd_in: i32,
    fd_out: i32,
    opts: &Opts,
    tx: &Sender<Event>,
    closed: &Arc<AtomicBool>,
) -> Result<Opened, OpenError> {
    use std::os::fd::BorrowedFd;
    let dup = |fd: i32| -> Result<std::fs::File, OpenError> {
        if fd < 0 {
            return Err("einval");
        }
        // SAFETY: the descriptor is only borrowed for the duration of the dup (fcntl
        // F_DUPFD_CLOEXEC), which fails with EBADF if it is not open; the copy is ours.
        let owned = unsafe { BorrowedFd::borrow_raw(fd) }
            .try_clone_to_owned()
            .map_err(|_| "einval")?;
        Ok(std::fs::File::from(owned))
    };
    if fd_in < 0 || fd_out < 0 {
        return Err("einval");
    }
    let writer = if !opts.output {
        None
    } else if fd_out == 1 {
        Some(Writer::Stdout)
    } else if fd_out == 2 {
        Some(Writer::Stderr)
    } else {
        Some(writer_thread(dup(fd_out)?))
    };
    if opts.input {
        let r = dup(fd_in)?;
        let (tx, closed) = (tx.clone(), closed.clone());
        std::thread::Builder::new()
            .name(format!("port {n} fd reader"))
            .spawn(move || read_until_end(n, r, &tx, &closed))
            .map_err(|_| "emfile")?;
    }
    Ok((writer, None))
}
