//! The `tty_sl` driver: the terminal under kernel's interactive shell, as ERTS's
//! erts/emulator/drivers/unix/ttsl_drv.c behaves (OTP 25), so user_drv and edlin give
//! the shell line editing, history and ^G on a terminal.
//!
//! `open_port({spawn, "tty_sl -c -e"}, [eof])` starts it when standard input and output
//! are terminals and `TERM` names a terminal that can move its cursor; otherwise it
//! refuses with `einval`, as ERTS does, and user_drv falls back to the line-mode `user`
//! process. While open, the terminal is in the mode the flags ask for (`-c`: not
//! canonical, `-e`: no echo, `-s`: no signals; `+x` turns a property on), and the mode
//! it had is put back when the port closes and when the VM ends ([`restore`]).
//!
//! The driver keeps the line being edited, as ttsl_drv.c's `lbuf`: one entry per screen
//! column, control characters shown as `^X` (two columns), a tab up to the next multiple
//! of 8, and outside UTF-8 mode characters over 255 as `\x{H}` / over 127 as `\ooo`.
//! Commands from user_drv (`port_command`, first byte the op):
//! `0` put characters at the cursor, `1` move the cursor by a signed 16-bit count, `2`
//! insert characters, `3` delete a signed 16-bit count of characters, `4` beep, `5` put
//! characters and answer `{Port, ok}` when they are written. `port_control` with
//! `0x018b0900 + 100/101/102`: the window size (two native 32-bit words), the UTF-8 state,
//! and setting it (answering the old one); any other command answers `[]`.
//! Cursor movement uses the ANSI/VT100 sequences (ttsl_drv.c asks termcap for the same
//! strings of any terminal a Linux board or desktop runs: `up` ESC [ A, `nd` ESC [ C,
//! `bs`, `do` newline), and the `xn` margin behaviour.
//!
//! Input is read on a thread and passed on as UTF-8: complete characters in UTF-8 mode
//! (a partial one waits for its next bytes), each byte as a Latin-1 character otherwise.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use crate::ports::{Event, OpenError};

/// `TTYSL_DRV_CONTROL_MAGIC_NUMBER` of ttsl_drv.c (user_drv adds it to each control op).
const CONTROL_MAGIC: u32 = 0x018b_0900;
const CTRL_OP_GET_WINSIZE: u32 = 100;
const CTRL_OP_GET_UNICODE_STATE: u32 = 101;
const CTRL_OP_SET_UNICODE_STATE: u32 = 102;

const OP_PUTC: u8 = 0;
const OP_MOVE: u8 = 1;
const OP_INSC: u8 = 2;
const OP_DELC: u8 = 3;
const OP_BEEP: u8 = 4;
const OP_PUTC_SYNC: u8 = 5;

/// Line-buffer tags (ttsl_drv.c): a control character (value in the first of its two
/// entries), an escaped character (value first, then one entry per extra column).
const CONTROL_TAG: u32 = 0x1000_0000;
const ESCAPED_TAG: u32 = 0x0100_0000;
const TAG_MASK: u32 = 0xFF00_0000;
/// ttsl_drv.c starts a new line when the line grows past this many columns.
const MAXSIZE: usize = 1 << 16;

const DEF_WIDTH: u32 = 80;
const DEF_HEIGHT: u32 = 24;

/// The terminal's mode before the driver changed it: put back at close and exit. A
/// static (not in [`Tty`]) so [`restore`] works whatever holds the driver's lock.
static SAVED: Mutex<Option<libc::termios>> = Mutex::new(None);

/// The open driver (ERTS allows one).
static TTY: Mutex<Option<Tty>> = Mutex::new(None);

/// A copy of [`SAVED`] for the signal handler (which must not lock): written before
/// [`SIGNAL_COPY_SET`] is set, read only after it is seen set.
static mut SIGNAL_COPY: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
static SIGNAL_COPY_SET: AtomicBool = AtomicBool::new(false);

/// SIGINT, SIGTERM, SIGHUP or SIGQUIT while the driver has the terminal: the mode is
/// put back, then the signal does what it would have done (a ^C ends the VM; erl's
/// break menu is not there), so a killed VM does not leave the terminal without echo.
extern "C" fn on_fatal_signal(sig: libc::c_int) {
    if SIGNAL_COPY_SET.load(Ordering::SeqCst) {
        // SAFETY: SIGNAL_COPY was fully written before SIGNAL_COPY_SET was set and is
        // not written again while it is set; tcsetattr is async-signal-safe.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, (&raw const SIGNAL_COPY).cast());
        }
    }
    // SAFETY: signal and raise are async-signal-safe; the default action follows.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Installs [`on_fatal_signal`] for the signals that would end the VM, where nothing
/// else handles them.
fn guard_signals(saved: &libc::termios) {
    if !SIGNAL_COPY_SET.load(Ordering::SeqCst) {
        // SAFETY: the handler reads SIGNAL_COPY only once SIGNAL_COPY_SET is set, which
        // happens after this write; only the thread opening the driver writes it.
        unsafe {
            (&raw mut SIGNAL_COPY).cast::<libc::termios>().write(*saved);
        }
        SIGNAL_COPY_SET.store(true, Ordering::SeqCst);
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        let handler = on_fatal_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: installs a handler that only calls async-signal-safe functions; a
        // signal somebody else handles gets its handler back at once.
        unsafe {
            let old = libc::signal(sig, handler);
            if old != libc::SIG_DFL {
                libc::signal(sig, old);
            }
        }
    }
}

/// The flags of `tty_sl [-c|+c] [-e|+e] [-s|+s]`: -1 off, 1 on, 0 as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    canon: i8,
    echo: i8,
    sig: i8,
}

/// `Some` when the `spawn` command names the tty_sl driver (its first word), with its
/// flags; `Err` for a device argument (ttsl_drv.c opens it; not supported here).
pub(crate) fn command_flags(cmd: &[u8]) -> Option<Result<Flags, OpenError>> {
    let mut words = cmd.split(|&b| b == b' ').filter(|w| !w.is_empty());
    if words.next() != Some(b"tty_sl".as_slice()) {
        return None;
    }
    let mut f = Flags::default();
    for w in words {
        let on = match w[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Some(Err("einval")),
        };
        match w.get(1) {
            Some(b'c') => f.canon = on,
            Some(b'e') => f.echo = on,
            Some(b's') => f.sig = on,
            _ => {}
        }
    }
    Some(Ok(f))
}

struct Tty {
    /// One entry per column of the line being edited (see the module comment).
    buf: Vec<u32>,
    lpos: usize,
    llen: usize,
    cols: usize,
    utf8: bool,
    out: Vec<u8>,
}

fn isatty(fd: i32) -> bool {
    // SAFETY: isatty only inspects the descriptor number.
    unsafe { libc::isatty(fd) == 1 }
}

fn window_size() -> (u32, u32) {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which is ours.
    let r = unsafe { libc::ioctl(0, libc::TIOCGWINSZ, &mut ws as *mut libc::winsize) };
    if r != 0 {
        return (DEF_WIDTH, DEF_HEIGHT);
    }
    let w = if ws.ws_col == 0 {
        DEF_WIDTH
    } else {
        u32::from(ws.ws_col)
    };
    let h = if ws.ws_row == 0 {
        DEF_HEIGHT
    } else {
        u32::from(ws.ws_row)
    };
    (w, h)
}

/// ttsl_drv.c's `tty_init`: the mode the flags ask for, from the current one.
fn raw_mode(r: &libc::termios, f: Flags) -> libc::termios {
    let mut s = *r;
    s.c_iflag &= !libc::ISTRIP;
    if f.canon > 0 {
        s.c_iflag |= libc::ICRNL;
        s.c_lflag |= libc::ICANON;
        s.c_oflag |= libc::OPOST;
        s.c_cc[libc::VEOF] = r.c_cc[libc::VEOF];
    }
    if f.canon < 0 {
        s.c_iflag &= !libc::ICRNL;
        s.c_lflag &= !libc::ICANON;
        s.c_oflag &= !libc::OPOST;
        s.c_cc[libc::VMIN] = 1;
        s.c_cc[libc::VTIME] = 0;
    }
    if f.echo > 0 {
        s.c_lflag |= libc::ECHO;
    }
    if f.echo < 0 {
        s.c_lflag &= !libc::ECHO;
    }
    let sig_i = libc::BRKINT | libc::IGNPAR | libc::ICRNL | libc::IXON | libc::IXANY;
    if f.sig > 0 {
        s.c_iflag |= sig_i;
        s.c_lflag |= libc::ISIG | libc::IEXTEN;
    }
    if f.sig < 0 {
        s.c_iflag &= !sig_i;
        s.c_lflag &= !(libc::ISIG | libc::IEXTEN);
    }
    s
}

fn set_mode(t: &libc::termios) -> bool {
    // SAFETY: tcsetattr reads one termios through the pointer.
    unsafe { libc::tcsetattr(0, libc::TCSANOW, t) == 0 }
}

/// ttsl_drv.c's PRIMITIVE_UTF8_CHECK: the locale variables name UTF-8.
fn utf8_locale() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .next()
        .is_some_and(|v| {
            let v = v.to_ascii_uppercase();
            v.contains("UTF-8") || v.contains("UTF8")
        })
}

/// A terminal whose cursor moves with the ANSI sequences: not `dumb`, not unset.
fn capable_terminal() -> bool {
    std::env::var("TERM").is_ok_and(|t| !t.is_empty() && t != "dumb" && t != "unknown")
}

/// Starts the driver for port `n`; its input goes to `tx` until `closed`.
pub(crate) fn open(
    n: u32,
    f: Flags,
    tx: &Sender<Event>,
    closed: &Arc<AtomicBool>,
) -> Result<(), OpenError> {
    let mut slot = TTY.lock().map_err(|_| "einval")?;
    if slot.is_some() || !isatty(0) || !isatty(1) || !capable_terminal() {
        return Err("einval");
    }
    // SAFETY: termios is plain data; tcgetattr fills it in.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: tcgetattr writes one termios through the pointer, which is ours.
    if unsafe { libc::tcgetattr(0, &mut saved) } != 0 {
        return Err("einval");
    }
    if !set_mode(&raw_mode(&saved, f)) {
        set_mode(&saved);
        return Err("einval");
    }
    if let Ok(mut s) = SAVED.lock() {
        *s = Some(saved);
    }
    guard_signals(&saved);
    let utf8 = utf8_locale();
    let (tx, closed) = (tx.clone(), closed.clone());
    let reader = std::thread::Builder::new()
        .name(format!("port {n} tty_sl reader"))
        .spawn(move || read_tty(n, &tx, &closed));
    if reader.is_err() {
        restore();
        return Err("emfile");
    }
    *slot = Some(Tty {
        buf: Vec::new(),
        lpos: 0,
        llen: 0,
        cols: window_size().0 as usize,
        utf8,
        out: Vec::new(),
    });
    Ok(())
}

/// Puts the terminal back in the mode it had before the driver started (at close and
/// when the VM ends); nothing when the driver never changed it.
pub fn restore() {
    if let Ok(mut s) = SAVED.lock() {
        if let Some(t) = s.take() {
            set_mode(&t);
        }
    }
}

/// The port closed.
pub(crate) fn close() {
    if let Ok(mut t) = TTY.lock() {
        *t = None;
    }
    restore();
}

/// Runs one command from user_drv; whether it asks for `{Port, ok}` (OP_PUTC_SYNC).
pub(crate) fn command(data: &[u8]) -> bool {
    crate::bifs_io::flush();
    let Ok(mut g) = TTY.lock() else {
        return false;
    };
    let Some(t) = g.as_mut() else {
        return false;
    };
    t.cols = (window_size().0 as usize).max(1);
    if t.lpos > MAXSIZE {
        t.put_chars(b"\n");
    }
    let int16 = |d: &[u8]| -> i32 {
        match d {
            [a, b, ..] => i32::from(i16::from_be_bytes([*a, *b])),
            _ => 0,
        }
    };
    let (op, rest) = data
        .split_first()
        .map_or((None, &[][..]), |(o, r)| (Some(*o), r));
    match op {
        Some(OP_PUTC | OP_PUTC_SYNC) => t.put_chars(rest),
        Some(OP_MOVE) => t.move_rel(int16(rest)),
        Some(OP_INSC) => t.ins_chars(rest),
        Some(OP_DELC) => t.del_chars(int16(rest)),
        Some(OP_BEEP) => t.out.push(7),
        // ttsl_drv.c ignores an unknown op.
        _ => {}
    }
    let sync = op == Some(OP_PUTC_SYNC);
    let out = std::mem::take(&mut t.out);
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(&out);
    let _ = o.flush();
    sync
}

/// `port_control(Port, Op, Data)` of the open driver: the reply's bytes.
pub(crate) fn control(op: u32, data: &[u8]) -> Vec<u8> {
    let Ok(mut g) = TTY.lock() else {
        return Vec::new();
    };
    let Some(t) = g.as_mut() else {
        return Vec::new();
    };
    match op.wrapping_sub(CONTROL_MAGIC) {
        CTRL_OP_GET_WINSIZE => {
            let (w, h) = window_size();
            let mut r = w.to_ne_bytes().to_vec();
            r.extend_from_slice(&h.to_ne_bytes());
            r
        }
        CTRL_OP_GET_UNICODE_STATE => vec![u8::from(t.utf8)],
        CTRL_OP_SET_UNICODE_STATE => match data.first() {
            Some(&m) => {
                let old = u8::from(t.utf8);
                t.utf8 = m != 0;
                vec![old]
            }
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The reader thread: the terminal's bytes as UTF-8 `Data` events, `Eof` at its end.
fn read_tty(n: u32, tx: &Sender<Event>, closed: &AtomicBool) {
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 1024];
    while !closed.load(Ordering::Relaxed) {
        let mut pfd = libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll reads and writes one pollfd through the pointer, which is ours.
        let ready = unsafe { libc::poll(&mut pfd, 1, 200) };
        if ready <= 0 {
            continue;
        }
        // SAFETY: read writes at most `chunk.len()` bytes into `chunk`.
        let got = unsafe { libc::read(0, chunk.as_mut_ptr().cast(), chunk.len()) };
        if got < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break;
        }
        if got == 0 || closed.load(Ordering::Relaxed) {
            break;
        }
        let bytes = &chunk[..got as usize];
        let utf8 = TTY
            .lock()
            .ok()
            .and_then(|t| t.as_ref().map(|t| t.utf8))
            .unwrap_or(false);
        let out = if utf8 {
            pending.extend_from_slice(bytes);
            let keep = incomplete_tail(&pending);
            let rest = pending.split_off(pending.len() - keep);
            std::mem::replace(&mut pending, rest)
        } else {
            bytes
                .iter()
                .flat_map(|&b| {
                    let mut e = [0u8; 4];
                    char::from(b).encode_utf8(&mut e).as_bytes().to_vec()
                })
                .collect()
        };
        if !out.is_empty() && tx.send(Event::Data(n, out)).is_err() {
            return;
        }
    }
    if !closed.load(Ordering::Relaxed) {
        let _ = tx.send(Event::Eof(n));
    }
}

/// How many bytes at the end of `b` start a UTF-8 character not complete yet.
fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=b.len().min(3) {
        let c = b[b.len() - back];
        if c & 0xC0 == 0x80 {
            continue;
        }
        let need = match c {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if need > back { back } else { 0 };
    }
    0
}

/// Columns of `\ooo` / `\x{H...}` (after the backslash) for a character shown escaped.
fn escaped_width(c: u32) -> usize {
    if c == 0 {
        return 1;
    }
    let octal = (32 - c.leading_zeros() as usize).div_ceil(3);
    if octal <= 3 {
        3
    } else {
        (32 - c.leading_zeros() as usize).div_ceil(4) + 3
    }
}

fn escaped_text(c: u32) -> Vec<u8> {
    if escaped_width(c) == 3 {
        format!("{c:03o}").into_bytes()
    } else {
        format!("x{{{c:X}}}").into_bytes()
    }
}

fn printable_latin1(c: u32) -> bool {
    // C's isprint in the C locale: 0x20..=0x7E.
    (0x20..0x7F).contains(&c)
}

impl Tty {
    fn col(&self, l: usize) -> usize {
        l % self.cols
    }
    fn line(&self, l: usize) -> usize {
        l / self.cols
    }

    fn set(&mut self, i: usize, v: u32) {
        if i >= self.buf.len() {
            self.buf.resize(i + 1, 0);
        }
        self.buf[i] = v;
    }

    /// Puts `s` (UTF-8) at the cursor, overwriting, and shows it.
    fn put_chars(&mut self, s: &[u8]) {
        let start = self.insert_buf(s);
        let n = self.lpos - start;
        if n > 0 {
            self.write_buf(start, n);
        }
        if self.lpos > self.llen {
            self.llen = self.lpos;
        }
    }

    fn move_rel(&mut self, n: i32) {
        let npos = self.step_over_chars(n);
        self.move_cursor(self.lpos, npos);
        self.lpos = npos;
    }

    fn ins_chars(&mut self, s: &[u8]) {
        let tail: Vec<u32> = self.buf[self.lpos..self.llen.max(self.lpos)].to_vec();
        let start = self.insert_buf(s);
        let n = self.lpos - start;
        for (k, &v) in tail.iter().enumerate() {
            self.set(self.lpos + k, v);
        }
        self.llen += n;
        let from = self.lpos - n;
        self.write_buf(from, self.llen - from);
        self.move_cursor(self.llen, self.lpos);
    }

    fn del_chars(&mut self, n: i32) {
        let pos = self.step_over_chars(n);
        if pos > self.lpos {
            let l = pos - self.lpos;
            let r = self.llen - self.lpos - l;
            self.buf.copy_within(pos..pos + r, self.lpos);
            self.llen -= l;
            self.write_buf(self.lpos, r);
            self.blank_tail(l);
        } else if pos < self.lpos {
            let l = self.lpos - pos;
            let r = self.llen - self.lpos;
            self.move_cursor(self.lpos, self.lpos - l);
            self.buf.copy_within(self.lpos..self.lpos + r, pos);
            self.lpos -= l;
            self.llen -= l;
            self.write_buf(self.lpos, r);
            self.blank_tail(l);
        }
    }

    /// After a deletion of `l` columns: blanks them and moves back to the cursor.
    fn blank_tail(&mut self, l: usize) {
        self.out.extend(std::iter::repeat_n(b' ', l));
        if self.col(self.llen + l) == 0 {
            // The `xn` terminal stays in the last column: one more blank, one back.
            self.out.push(b' ');
            self.out.push(8);
        }
        self.move_cursor(self.llen + l, self.lpos);
    }

    /// The buffer position `n` logical characters from the cursor (pad entries of a
    /// wide one skipped).
    fn step_over_chars(&self, mut n: i32) -> usize {
        let (beg, end) = (0usize, self.llen);
        let mut c = self.lpos;
        let pad = |v: u32| v & TAG_MASK != 0 && v & !TAG_MASK == 0;
        while n > 0 && c < end {
            c += 1;
            while c < end && pad(self.buf[c]) {
                c += 1;
            }
            n -= 1;
        }
        while n < 0 && c > beg {
            c -= 1;
            while c > beg && pad(self.buf[c]) {
                c -= 1;
            }
            n += 1;
        }
        c
    }

    /// Puts `s` into the buffer at the cursor; where the entries written start (a
    /// newline, carriage return or escape writes out and starts a new line).
    fn insert_buf(&mut self, s: &[u8]) -> usize {
        let mut bufpos = self.lpos;
        let text = String::from_utf8_lossy(s);
        let chars: Vec<u32> = if std::str::from_utf8(s).is_ok() {
            text.chars().map(u32::from).collect()
        } else {
            // ttsl_drv.c takes a byte that is not UTF-8 as the character of its value.
            s.iter().map(|&b| u32::from(b)).collect()
        };
        for ch in chars {
            if (self.utf8 && (ch >= 128 || printable_latin1(ch)))
                || (ch <= 255 && printable_latin1(ch))
            {
                self.set(self.lpos, ch);
                self.lpos += 1;
            } else if ch >= 128 {
                let nc = escaped_width(ch);
                self.set(self.lpos, ch | ESCAPED_TAG);
                self.lpos += 1;
                for _ in 0..nc {
                    self.set(self.lpos, ESCAPED_TAG);
                    self.lpos += 1;
                }
            } else if ch == u32::from(b'\t') {
                let mut v = CONTROL_TAG | ch;
                loop {
                    self.set(self.lpos, v);
                    self.lpos += 1;
                    v = CONTROL_TAG;
                    if self.lpos.is_multiple_of(8) {
                        break;
                    }
                }
            } else if ch == 0x1B || ch == u32::from(b'\n') || ch == u32::from(b'\r') {
                self.write_buf(bufpos, self.lpos - bufpos);
                if ch == 0x1B {
                    self.out.push(0x1B);
                } else {
                    self.out.push(b'\r');
                    if ch == u32::from(b'\n') {
                        self.out.push(b'\n');
                    }
                }
                if self.llen > self.lpos {
                    self.buf.copy_within(self.lpos..self.llen, 0);
                }
                self.llen = self.llen.saturating_sub(self.lpos);
                self.lpos = 0;
                bufpos = 0;
            } else {
                self.set(self.lpos, ch | CONTROL_TAG);
                self.set(self.lpos + 1, CONTROL_TAG);
                self.lpos += 2;
            }
        }
        bufpos
    }

    /// Shows `n` buffer entries from `from`.
    fn write_buf(&mut self, from: usize, n: usize) {
        let mut i = from;
        let end = from + n;
        let mut last: Vec<u8> = vec![b' '];
        while i < end {
            let v = self.buf.get(i).copied().unwrap_or(0);
            if v & TAG_MASK == 0 {
                let mut e = [0u8; 4];
                let bytes = if self.utf8 {
                    char::from_u32(v)
                        .map_or(Vec::new(), |c| c.encode_utf8(&mut e).as_bytes().to_vec())
                } else {
                    vec![v as u8]
                };
                self.out.extend_from_slice(&bytes);
                last = bytes;
                i += 1;
            } else if v == CONTROL_TAG | u32::from(b'\t') {
                self.out.push(b' ');
                i += 1;
                while i < end && self.buf.get(i) == Some(&CONTROL_TAG) {
                    self.out.push(b' ');
                    i += 1;
                }
                last = vec![b' '];
            } else if v & CONTROL_TAG != 0 {
                let c = v & !TAG_MASK;
                let shown = if c == 0o177 { b'?' } else { (c as u8) | 0x40 };
                self.out.push(b'^');
                self.out.push(shown);
                last = vec![shown];
                i += 2;
            } else if v & ESCAPED_TAG != 0 {
                let text = escaped_text(v & !TAG_MASK);
                self.out.push(b'\\');
                self.out.extend_from_slice(&text);
                last = text.last().map(|&b| vec![b]).unwrap_or_default();
                i += text.len() + 1;
            } else {
                // A pad entry where a character should start: step over it.
                i += 1;
            }
        }
        // Landed in the first column of a new line: the `xn` terminal waits in the
        // last column, so write the last character again there and step back.
        if self.col(i) == 0 && i != 0 {
            if i >= self.llen {
                self.out.push(b' ');
            } else {
                self.out.extend_from_slice(&last);
            }
            self.out.push(8);
        }
    }

    fn move_cursor(&mut self, from: usize, to: usize) {
        let dc = self.col(to) as isize - self.col(from) as isize;
        let dl = self.line(to) as isize - self.line(from) as isize;
        for _ in 0..dl.max(0) {
            self.out.push(b'\n');
        }
        for _ in 0..(-dl).max(0) {
            self.out.extend_from_slice(b"\x1b[A");
        }
        for _ in 0..dc.max(0) {
            self.out.extend_from_slice(b"\x1b[C");
        }
        for _ in 0..(-dc).max(0) {
            self.out.push(8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tty(cols: usize) -> Tty {
        Tty {
            buf: Vec::new(),
            lpos: 0,
            llen: 0,
            cols,
            utf8: true,
            out: Vec::new(),
        }
    }

    #[test]
    fn flags_of_the_spawn_command() {
        let f = command_flags(b"tty_sl -c -e").unwrap().unwrap();
        assert_eq!((f.canon, f.echo, f.sig), (-1, -1, 0));
        assert!(command_flags(b"tty_slx -c").is_none());
        assert!(command_flags(b"cat").is_none());
        assert!(command_flags(b"tty_sl /dev/ttyS0").unwrap().is_err());
    }

    #[test]
    fn edits_as_ttsl_drv() {
        let mut t = tty(80);
        t.put_chars(b"1> abc");
        assert_eq!(t.out, b"1> abc");
        t.out.clear();
        t.move_rel(-2);
        assert_eq!(t.out, b"\x08\x08");
        t.out.clear();
        t.ins_chars(b"X");
        // X, then the tail again, then back over the tail.
        assert_eq!(t.out, b"Xbc\x08\x08");
        assert_eq!((t.lpos, t.llen), (5, 7));
        t.out.clear();
        t.del_chars(-1);
        assert_eq!(t.out, b"\x08bc \x08\x08\x08");
        assert_eq!((t.lpos, t.llen), (4, 6));
        t.out.clear();
        t.put_chars(b"\n");
        assert_eq!(t.out, b"\r\n");
        assert_eq!((t.lpos, t.llen), (0, 2));
    }

    #[test]
    fn control_characters_tabs_and_escapes() {
        let mut t = tty(80);
        t.put_chars(b"a\x01\tb");
        assert_eq!(t.out, b"a^A     b");
        assert_eq!(t.lpos, 9);
        let mut t = tty(80);
        t.utf8 = false;
        t.put_chars("é€".as_bytes());
        assert_eq!(t.out, b"\\351\\x{20AC}");
        assert_eq!(incomplete_tail(&[b'a', 0xE2, 0x82]), 2);
        assert_eq!(incomplete_tail("a€".as_bytes()), 0);
    }

    #[test]
    fn wraps_at_the_margin() {
        let mut t = tty(4);
        t.put_chars(b"abcd");
        // Fourth column filled: the xn fix-up writes a blank and steps back.
        assert_eq!(t.out, b"abcd \x08");
        t.out.clear();
        t.move_rel(-4);
        assert_eq!(t.out, b"\x1b[A");
    }
}
