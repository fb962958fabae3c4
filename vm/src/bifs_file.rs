//! Module `prim_file`'s exported functions on the host's file system (std::fs), and the
//! kernel's file server started on first use.
//!
//! OTP's `file` module asks the registered `file_server_2` (kernel's `file_server`, a
//! gen_server the boot starts) for everything but raw files; that server and the
//! `file_io_server` processes behind `file:open/2` call `prim_file`'s exports. So:
//! - `prim_file:*` are BIFs here (their NIFs are called locally inside prim_file.erl,
//!   which the BIF table cannot reach; docs/erts-surface.md), with OTP 25's values and
//!   `{error, Posix}` errors; an open file is
//!   `{file_descriptor, prim_file, #{handle => Ref, owner => Pid, ...}}` as in erl, the
//!   `Ref` naming a host file in this thread's table.
//! - `whereis(file_server_2)` starts OTP's own `file_server` when nothing has it
//!   registered ([`start_service`]): a process running `gen_server:enter_loop` under
//!   `proc_lib:init_p`, with the `file_io_servers` table `file_server:init/1` would make.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

use beam_runtime::ctx::SpawnOpts;
use beam_runtime::ops::view;
use beam_runtime::term::Term;
use beam_runtime::{construct, map};

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, Raise};
use crate::bifs_more::{iolist, proper_list};

pub static PRIM_FILE: &[Bif] = &[
    Bif {
        name: "start",
        arity: 0,
        f: |_, _| Ok(atom("ok")),
    },
    Bif {
        name: "read_file",
        arity: 1,
        f: read_file,
    },
    Bif {
        name: "write_file",
        arity: 2,
        f: write_file,
    },
    Bif {
        name: "list_dir",
        arity: 1,
        f: list_dir,
    },
    Bif {
        name: "list_dir_all",
        arity: 1,
        f: list_dir,
    },
    Bif {
        name: "read_file_info",
        arity: 1,
        f: |c, a| file_info(c, a[0], Term::NIL, true),
    },
    Bif {
        name: "read_file_info",
        arity: 2,
        f: |c, a| file_info(c, a[0], a[1], true),
    },
    Bif {
        name: "read_link_info",
        arity: 1,
        f: |c, a| file_info(c, a[0], Term::NIL, false),
    },
    Bif {
        name: "read_link_info",
        arity: 2,
        f: |c, a| file_info(c, a[0], a[1], false),
    },
    Bif {
        name: "read_link",
        arity: 1,
        f: read_link,
    },
    Bif {
        name: "read_link_all",
        arity: 1,
        f: read_link,
    },
    Bif {
        name: "get_cwd",
        arity: 0,
        f: get_cwd,
    },
    Bif {
        name: "get_cwd",
        arity: 1,
        f: |c, _| posix_error(c, "enotsup"),
    },
    Bif {
        name: "set_cwd",
        arity: 1,
        f: |c, a| unit(c, std::env::set_current_dir(path(a[0])?)),
    },
    Bif {
        name: "delete",
        arity: 1,
        f: |c, a| unit(c, std::fs::remove_file(path(a[0])?)),
    },
    Bif {
        name: "rename",
        arity: 2,
        f: |c, a| unit(c, std::fs::rename(path(a[0])?, path(a[1])?)),
    },
    Bif {
        name: "make_dir",
        arity: 1,
        f: |c, a| unit(c, std::fs::create_dir(path(a[0])?)),
    },
    Bif {
        name: "del_dir",
        arity: 1,
        // rmdir's ENOTEMPTY is `eexist` in erl (efile's translation).
        f: |c, a| match std::fs::remove_dir(path(a[0])?) {
            Err(e) if e.raw_os_error() == Some(39) => posix_error(c, "eexist"),
            r => unit(c, r),
        },
    },
    Bif {
        name: "make_link",
        arity: 2,
        f: |c, a| unit(c, std::fs::hard_link(path(a[0])?, path(a[1])?)),
    },
    Bif {
        name: "make_symlink",
        arity: 2,
        f: |c, a| unit(c, std::os::unix::fs::symlink(path(a[0])?, path(a[1])?)),
    },
    Bif {
        name: "altname",
        arity: 1,
        f: |c, _| posix_error(c, "enotsup"),
    },
    Bif {
        name: "open",
        arity: 2,
        f: open,
    },
    Bif {
        name: "close",
        arity: 1,
        f: close,
    },
    Bif {
        name: "read",
        arity: 2,
        f: read,
    },
    Bif {
        name: "read_line",
        arity: 1,
        f: read_line,
    },
    Bif {
        name: "write",
        arity: 2,
        f: write,
    },
    Bif {
        name: "position",
        arity: 2,
        f: position,
    },
    Bif {
        name: "pread",
        arity: 3,
        f: |c, a| pread(c, a[0], a[1], a[2]),
    },
    Bif {
        name: "pwrite",
        arity: 3,
        f: |c, a| pwrite(c, a[0], a[1], a[2]),
    },
    Bif {
        name: "truncate",
        arity: 1,
        f: |c, a| {
            with_file(c, a[0], |f| {
                let at = f.stream_position()?;
                f.set_len(at)
            })
        },
    },
    Bif {
        name: "sync",
        arity: 1,
        f: |c, a| with_file(c, a[0], |f| f.sync_all()),
    },
    Bif {
        name: "datasync",
        arity: 1,
        f: |c, a| with_file(c, a[0], |f| f.sync_data()),
    },
    Bif {
        name: "advise",
        arity: 4,
        f: |c, a| with_file(c, a[0], |_| Ok(())),
    },
    Bif {
        name: "allocate",
        arity: 3,
        f: |c, a| with_file(c, a[0], |_| Ok(())),
    },
    Bif {
        name: "is_translatable",
        arity: 1,
        f: |_, a| {
            Ok(crate::bifs::boolean(
                view::bits(a[0]).is_ok_and(|b| std::str::from_utf8(&b.bytes).is_ok()),
            ))
        },
    },
    Bif {
        name: "internal_name2native",
        arity: 1,
        f: |c, a| {
            let p = path(a[0])?;
            bin(c, p.as_os_str().as_bytes())
        },
    },
    Bif {
        name: "internal_native2name",
        arity: 1,
        f: |c, a| {
            let b = view::bits(a[0]).map_err(|_| bad())?;
            match std::str::from_utf8(&b.bytes) {
                Ok(s) => crate::bifs_more::string(c, s),
                Err(_) => Ok(a[0]),
            }
        },
    },
    Bif {
        name: "internal_normalize_utf8",
        arity: 1,
        f: |c, a| {
            let b = view::bits(a[0]).map_err(|_| bad())?;
            let s = std::str::from_utf8(&b.bytes).map_err(|_| bad())?;
            crate::bifs_more::string(c, s)
        },
    },
];

/// `file:native_name_encoding/0` (a BIF in erl too).
pub static FILE: &[Bif] = &[Bif {
    name: "native_name_encoding",
    arity: 0,
    f: |_, _| Ok(atom("utf8")),
}];

fn bad() -> Raise {
    error("badarg")
}

fn bin(c: &mut BifCx<'_>, bytes: &[u8]) -> Result<Term, Raise> {
    view::make_bits(&mut c.heap, bytes, bytes.len() as u64 * 8).map_err(heap_err)
}

fn ok(c: &mut BifCx<'_>, v: Term) -> Result<Term, Raise> {
    construct::tuple(&mut c.heap, &[atom("ok"), v]).map_err(heap_err)
}

fn posix_error(c: &mut BifCx<'_>, what: &str) -> Result<Term, Raise> {
    construct::tuple(&mut c.heap, &[atom("error"), atom(what)]).map_err(heap_err)
}

/// The POSIX error atom erl gives for a host I/O error (`erl_posix_str`'s names).
fn posix(e: &std::io::Error) -> &'static str {
    const NAMES: &[(i32, &str)] = &[
        (1, "eperm"),
        (2, "enoent"),
        (5, "eio"),
        (9, "ebadf"),
        (11, "eagain"),
        (12, "enomem"),
        (13, "eacces"),
        (16, "ebusy"),
        (17, "eexist"),
        (18, "exdev"),
        (20, "enotdir"),
        (21, "eisdir"),
        (22, "einval"),
        (23, "enfile"),
        (24, "emfile"),
        (26, "etxtbsy"),
        (27, "efbig"),
        (28, "enospc"),
        (29, "espipe"),
        (30, "erofs"),
        (31, "emlink"),
        (36, "enametoolong"),
        (39, "enotempty"),
        (40, "eloop"),
        (95, "enotsup"),
        (122, "edquot"),
    ];
    e.raw_os_error()
        .and_then(|n| NAMES.iter().find(|(c, _)| *c == n).map(|&(_, s)| s))
        .unwrap_or("eio")
}

fn unit(c: &mut BifCx<'_>, r: std::io::Result<()>) -> Result<Term, Raise> {
    match r {
        Ok(()) => Ok(atom("ok")),
        Err(e) => posix_error(c, posix(&e)),
    }
}

/// A file name as prim_file takes it: a binary (raw bytes), a flat or deep list of
/// characters (encoded as UTF-8), or an atom.
fn path(t: Term) -> Result<PathBuf, Raise> {
    let bytes = if let Ok(b) = view::bits(t) {
        if b.bits % 8 != 0 {
            return Err(bad());
        }
        b.bytes
    } else if let Some(name) = beam_runtime::atom::name(t) {
        name.into_bytes()
    } else {
        let mut s = String::new();
        chars_into(t, &mut s)?;
        s.into_bytes()
    };
    if bytes.contains(&0) {
        return Err(bad());
    }
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(&bytes)))
}

fn chars_into(t: Term, out: &mut String) -> Result<(), Raise> {
    for e in proper_list(t)? {
        if let Some(n) = e.small_value() {
            out.push(
                u32::try_from(n)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(bad)?,
            );
        } else if let Some(name) = beam_runtime::atom::name(e) {
            out.push_str(&name);
        } else {
            chars_into(e, out)?;
        }
    }
    Ok(())
}

fn read_file(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match std::fs::read(path(a[0])?) {
        Ok(data) => {
            let b = bin(c, &data)?;
            ok(c, b)
        }
        Err(e) => posix_error(c, posix(&e)),
    }
}

fn write_file(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let p = path(a[0])?;
    let mut data = Vec::new();
    iolist(a[1], &mut data).map_err(|_| bad())?;
    unit(c, std::fs::write(p, data))
}

fn string_of(c: &mut BifCx<'_>, bytes: &[u8]) -> Result<Term, Raise> {
    match std::str::from_utf8(bytes) {
        Ok(s) => crate::bifs_more::string(c, s),
        // Not UTF-8: erl gives the raw name as a binary (list_dir_all) or skips it.
        Err(_) => bin(c, bytes),
    }
}

fn list_dir(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let rd = match std::fs::read_dir(path(a[0])?) {
        Ok(rd) => rd,
        Err(e) => return posix_error(c, posix(&e)),
    };
    let mut names = Vec::new();
    for e in rd {
        match e {
            Ok(e) => names.push(e.file_name()),
            Err(e) => return posix_error(c, posix(&e)),
        }
    }
    // erl's list is in readdir's order (measured against `ls -U` on ext4 with OTP 25).
    let mut acc = Term::NIL;
    for n in names.iter().rev() {
        let s = string_of(c, n.as_bytes())?;
        acc = construct::cons(&mut c.heap, s, acc).map_err(heap_err)?;
    }
    ok(c, acc)
}

fn read_link(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match std::fs::read_link(path(a[0])?) {
        Ok(t) => {
            let s = string_of(c, t.as_os_str().as_bytes())?;
            ok(c, s)
        }
        Err(e) => posix_error(c, posix(&e)),
    }
}

fn get_cwd(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    match std::env::current_dir() {
        Ok(d) => {
            let s = string_of(c, d.as_os_str().as_bytes())?;
            ok(c, s)
        }
        Err(e) => posix_error(c, posix(&e)),
    }
}

// --- read_file_info ---

enum TimeKind {
    Local,
    Universal,
    Posix,
}

/// `{{Y, M, D}, {H, Mi, S}}` of a POSIX time, or the integer (`{time, posix}`). Local
/// time is UTC here, as `erlang:localtime/0` in this VM.
fn time_term(c: &mut BifCx<'_>, secs: i64, kind: &TimeKind) -> Result<Term, Raise> {
    if let TimeKind::Posix = kind {
        return crate::bifs::int_term(c, &secs.into());
    }
    crate::bifs_erlang_extra::datetime_term(c, secs)
}

fn file_info(c: &mut BifCx<'_>, name: Term, opts: Term, follow: bool) -> Result<Term, Raise> {
    let mut kind = TimeKind::Local;
    for o in proper_list(opts)? {
        match construct::tuple_elements(o).as_deref() {
            Some([t, v]) if *t == atom("time") => {
                kind = match beam_runtime::atom::name(*v).as_deref() {
                    Some("local") => TimeKind::Local,
                    Some("universal") => TimeKind::Universal,
                    Some("posix") => TimeKind::Posix,
                    _ => return Err(bad()),
                }
            }
            // prim_file takes the options as a property list: others (`raw`, which
            // file:read_file_info/2 passes on) are ignored.
            _ => {}
        }
    }
    let p = path(name)?;
    let md = if follow {
        std::fs::metadata(&p)
    } else {
        std::fs::symlink_metadata(&p)
    };
    let md = match md {
        Ok(m) => m,
        Err(e) => return posix_error(c, posix(&e)),
    };
    let ft = md.file_type();
    let ty = if ft.is_file() {
        "regular"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_block_device() || ft.is_char_device() {
            "device"
        } else {
            "other"
        }
    };
    let mode = md.mode();
    let access = match (mode & 0o400 != 0, mode & 0o200 != 0) {
        (true, true) => "read_write",
        (true, false) => "read",
        (false, true) => "write",
        (false, false) => "none",
    };
    let size = crate::bifs::int_term(c, &md.size().into())?;
    let atime = time_term(c, md.atime(), &kind)?;
    let mtime = time_term(c, md.mtime(), &kind)?;
    let ctime = time_term(c, md.ctime(), &kind)?;
    let mut fields = vec![
        atom("file_info"),
        size,
        atom(ty),
        atom(access),
        atime,
        mtime,
        ctime,
    ];
    for v in [
        u64::from(mode),
        md.nlink(),
        md.dev(),
        md.rdev(),
        md.ino(),
        u64::from(md.uid()),
        u64::from(md.gid()),
    ] {
        fields.push(crate::bifs::int_term(c, &v.into())?);
    }
    let info = construct::tuple(&mut c.heap, &fields).map_err(heap_err)?;
    ok(c, info)
}

// --- open files ---

thread_local! {
    /// Open files by the numbers of their handle reference.
    static FILES: RefCell<HashMap<[u32; 3], File>> = RefCell::new(HashMap::new());
}

/// Runs `f` on the table of open files (for vm/src/bifs_file_owners.rs).
pub(crate) fn with_files<R>(f: impl FnOnce(&mut HashMap<[u32; 3], File>) -> R) -> R {
    FILES.with(|m| f(&mut m.borrow_mut()))
}

/// The handle reference's numbers of a `#file_descriptor{}` used by process `me`
/// (`badarg` for anything else). Only the process that opened a raw file may use it:
/// erl's prim_file raises `error:not_on_controlling_process` for any other, before it
/// looks at the file (a closed one included).
fn handle(fd: Term, me: Term) -> Result<[u32; 3], Raise> {
    let v = construct::tuple_elements(fd).ok_or_else(bad)?;
    if v.len() != 3 || v[0] != atom("file_descriptor") || v[1] != atom("prim_file") {
        return Err(bad());
    }
    let field = |k: &str| map::get(v[2], atom(k)).ok().flatten();
    if field("owner").is_some_and(|o| o != me) {
        return Err(error("not_on_controlling_process"));
    }
    field("handle")
        .and_then(construct::ref_numbers)
        .ok_or_else(bad)
}

/// Runs `f` on the open file `fd`: `ok`, or `{error, Posix}` (`einval` for a closed
/// or foreign descriptor, as erl).
fn with_file(
    c: &mut BifCx<'_>,
    fd: Term,
    f: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<Term, Raise> {
    let h = handle(fd, c.self_pid)?;
    let r = FILES.with(|m| m.borrow_mut().get_mut(&h).map(f));
    match r {
        None => posix_error(c, "einval"),
        Some(r) => unit(c, r),
    }
}

fn file_op<T>(
    c: &BifCx<'_>,
    fd: Term,
    f: impl FnOnce(&mut File) -> std::io::Result<T>,
) -> Result<Result<T, &'static str>, Raise> {
    let h = handle(fd, c.self_pid)?;
    Ok(FILES.with(|m| match m.borrow_mut().get_mut(&h) {
        None => Err("einval"),
        Some(file) => f(file).map_err(|e| posix(&e)),
    }))
}

fn open(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let p = path(a[0])?;
    let (mut read, mut write, mut append, mut excl) = (false, false, false, false);
    for m in proper_list(a[1])? {
        match beam_runtime::atom::name(m).as_deref() {
            Some("read") => read = true,
            Some("write") => write = true,
            Some("append") => append = true,
            Some("exclusive") => excl = true,
            Some("binary" | "raw" | "sync" | "read_ahead" | "delayed_write" | "directory") => {}
            Some(_) => return Err(bad()),
            // {read_ahead, N}, {delayed_write, S, D}, {encoding, E}: buffering and
            // encodings are file_io_server's business; accepted.
            None if construct::tuple_elements(m).is_some() => {}
            None => return Err(bad()),
        }
    }
    if !read && !write && !append {
        read = true;
    }
    let mut o = OpenOptions::new();
    o.read(read).mode(0o666);
    if append {
        o.append(true).create(true);
    }
    if write {
        o.write(true).create(true);
        if excl {
            o.create_new(true);
        } else if !read && !append {
            o.truncate(true);
        }
    }
    let file = match o.open(&p) {
        Ok(f) => f,
        Err(e) => return posix_error(c, posix(&e)),
    };
    if file.metadata().is_ok_and(|m| m.is_dir()) && (write || append) {
        return posix_error(c, "eisdir");
    }
    let cx = c.proc.as_deref_mut().ok_or_else(bad)?;
    let (h, buf) = (cx.new_ref(), cx.new_ref());
    FILES.with(|m| m.borrow_mut().insert(h, file));
    crate::bifs_file_owners::opened(h, c.self_pid);
    let href = construct::make_ref(&mut c.heap, h).map_err(heap_err)?;
    let bref = construct::make_ref(&mut c.heap, buf).map_err(heap_err)?;
    let data = map::from_pairs(
        &mut c.heap,
        &[
            (atom("handle"), href),
            (atom("owner"), c.self_pid),
            (atom("r_ahead_size"), small(0)),
            (atom("r_buffer"), bref),
        ],
    )
    .map_err(|_| error("system_limit"))?;
    let fd = construct::tuple(
        &mut c.heap,
        &[atom("file_descriptor"), atom("prim_file"), data],
    )
    .map_err(heap_err)?;
    ok(c, fd)
}

fn close(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let h = handle(a[0], c.self_pid)?;
    crate::bifs_file_owners::closed(h);
    match FILES.with(|m| m.borrow_mut().remove(&h)) {
        Some(_) => Ok(atom("ok")),
        None => posix_error(c, "einval"),
    }
}

fn size_arg(t: Term) -> Result<usize, Raise> {
    t.small_value()
        .filter(|&n| n >= 0)
        .map(|n| n as usize)
        .ok_or_else(bad)
}

fn read_at(file: &mut File, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n.min(1 << 20));
    file.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// `{ok, Data}`, `eof` for nothing read (`N > 0`), or `{error, Posix}`.
fn data_or_eof(
    c: &mut BifCx<'_>,
    r: Result<Vec<u8>, &'static str>,
    n: usize,
) -> Result<Term, Raise> {
    match r {
        Ok(d) if d.is_empty() && n > 0 => Ok(atom("eof")),
        Ok(d) => {
            let b = bin(c, &d)?;
            ok(c, b)
        }
        Err(e) => posix_error(c, e),
    }
}

fn read(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = size_arg(a[1])?;
    let r = file_op(c, a[0], |f| read_at(f, n))?;
    data_or_eof(c, r, n)
}

fn read_line(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let r = file_op(c, a[0], |f| {
        let start = f.stream_position()?;
        let mut line = Vec::new();
        let mut chunk = [0u8; 256];
        loop {
            let k = f.read(&mut chunk)?;
            if k == 0 {
                break;
            }
            if let Some(i) = chunk[..k].iter().position(|&b| b == b'\n') {
                line.extend_from_slice(&chunk[..=i]);
                f.seek(SeekFrom::Start(start + line.len() as u64))?;
                break;
            }
            line.extend_from_slice(&chunk[..k]);
        }
        // erl turns a CR LF ending into LF.
        if line.ends_with(b"\r\n") {
            line.truncate(line.len() - 2);
            line.push(b'\n');
        }
        Ok(line)
    })?;
    data_or_eof(c, r, 1)
}

fn write(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut data = Vec::new();
    iolist(a[1], &mut data).map_err(|_| bad())?;
    with_file(c, a[0], |f| f.write_all(&data))
}

/// A location: `bof | cur | eof | Offset | {bof|cur|eof, Offset}`.
fn seek_of(t: Term) -> Result<SeekFrom, Raise> {
    if let Some(n) = t.small_value() {
        return u64::try_from(n).map(SeekFrom::Start).map_err(|_| bad());
    }
    let (base, off) = match construct::tuple_elements(t).as_deref() {
        Some([b, o]) => (*b, o.small_value().map(i64::from).ok_or_else(bad)?),
        _ => (t, 0),
    };
    match beam_runtime::atom::name(base).as_deref() {
        Some("bof") => u64::try_from(off).map(SeekFrom::Start).map_err(|_| bad()),
        Some("cur") => Ok(SeekFrom::Current(off)),
        Some("eof") => Ok(SeekFrom::End(off)),
        _ => Err(bad()),
    }
}

fn position(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let to = seek_of(a[1])?;
    match file_op(c, a[0], |f| f.seek(to))? {
        Ok(p) => {
            let n = crate::bifs::int_term(c, &p.into())?;
            ok(c, n)
        }
        Err(e) => posix_error(c, e),
    }
}

fn pread(c: &mut BifCx<'_>, fd: Term, at: Term, n: Term) -> Result<Term, Raise> {
    let to = seek_of(at)?;
    let n = size_arg(n)?;
    let r = file_op(c, fd, |f| {
        let here = f.stream_position()?;
        f.seek(to)?;
        let d = read_at(f, n);
        f.seek(SeekFrom::Start(here))?;
        d
    })?;
    data_or_eof(c, r, n)
}

fn pwrite(c: &mut BifCx<'_>, fd: Term, at: Term, data: Term) -> Result<Term, Raise> {
    let to = seek_of(at)?;
    let mut bytes = Vec::new();
    iolist(data, &mut bytes).map_err(|_| bad())?;
    with_file(c, fd, |f| {
        let here = f.stream_position()?;
        f.seek(to)?;
        f.write_all(&bytes)?;
        f.seek(SeekFrom::Start(here)).map(|_| ())
    })
}

// --- the file server, started on first use ---

thread_local! {
    /// The file server started and not yet registered (it registers itself when it
    /// first runs): a second `whereis` meanwhile gets the same process.
    static STARTING: std::cell::Cell<Option<Term>> = const { std::cell::Cell::new(None) };
}

/// Starts the kernel service registered as `name` if this VM provides it on demand
/// (only `file_server_2`), returning its pid; `None` otherwise. Called by `whereis/1`
/// when nothing has the name. The process runs OTP's own start sequence,
/// `proc_lib:init_p(self, [], gen, init_it, [gen_server, Starter, self,
/// {local, file_server_2}, file_server, [], []])`: it registers the name, runs
/// `file_server:init/1` (trap_exit, its table) and acknowledges to a `Starter` that
/// no longer exists, since the caller already has the pid; its request waits in the
/// new server's queue.
pub(crate) fn start_service(c: &mut BifCx<'_>, name: Term) -> Result<Option<Term>, Raise> {
    // Under the real boot kernel starts the file server (docs/boot.md).
    if name != atom("file_server_2") || crate::otp_boot::on() {
        return Ok(None);
    }
    let Some(cx) = c.proc.as_deref() else {
        return Ok(None);
    };
    if let Some(p) = STARTING.with(|s| s.get()) {
        if beam_runtime::process::Pid::from_term(p).is_some_and(|p| cx.is_alive(p)) {
            return Ok(Some(p));
        }
    }
    let local = construct::tuple(&mut c.heap, &[atom("local"), name]).map_err(heap_err)?;
    let starter = beam_runtime::process::Pid::dead().term();
    let init_args = construct::list(
        &mut c.heap,
        &[
            atom("gen_server"),
            starter,
            atom("self"),
            local,
            atom("file_server"),
            Term::NIL,
            Term::NIL,
        ],
    )
    .map_err(heap_err)?;
    let args = construct::list(
        &mut c.heap,
        &[
            c.self_pid,
            Term::NIL,
            atom("gen"),
            atom("init_it"),
            init_args,
        ],
    )
    .map_err(heap_err)?;
    let (pid, _) = crate::bifs_more::spawn_mfa(
        c,
        &[atom("proc_lib"), atom("init_p"), args],
        SpawnOpts::default(),
    )?;
    STARTING.with(|s| s.set(Some(pid)));
    Ok(Some(pid))
}
