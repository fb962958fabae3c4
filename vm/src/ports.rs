//! Ports as ERTS gives them to a program: `open_port({spawn, Cmd} | {spawn_executable,
//! File} | {fd, In, Out}, Opts)` runs an external program whose standard output comes to
//! the connected process as `{Port, {data, D}}` messages and whose standard input is what
//! `port_command/2` and `Port ! {Pid, {command, D}}` write (vm/src/bifs_port.rs has the
//! BIFs; this file has the table, the threads and the signals).
//!
//! # Threads and waking
//!
//! Each port has a reader thread (the program's stdout, then `wait` for its exit status)
//! and a writer thread (its stdin, so a program that does not read never blocks the VM),
//! as ERTS's spawn driver has its poll set and the child-setup process. Threads only send
//! [`Event`]s over the VM thread's channel; every port state change happens on the VM's
//! thread. The run loop (`Vm::run`, vm/src/loader.rs) calls [`pump`] after each time
//! slice while a port is open, and when no process can run it blocks in [`wait`] on the
//! channel until a port event comes or the next timer is due: no busy waiting, and other
//! processes run while a port's program does.
//!
//! # Signals
//!
//! A port has links (the opener is linked; `link/1`, `port_connect/2`), and when it closes
//! it sends its exit reason to each linked process: `{'EXIT', Port, Reason}` to those
//! trapping exits; a reason other than `normal` kills the others. It closes with `normal`
//! when its program's output ends (after `{exit_status, N}` with that option; with `eof`
//! it sends `{Port, eof}` and stays open), with the reason of its connected process or a
//! linked process that ends with a reason other than `normal`, on `exit(Port, R)`, and on
//! `port_close/1` or `{Pid, close}`; a bad message gets its sender an exit signal `badsig`
//! and leaves the port open. These are erl's rules, checked against
//! erl (tests/erlang/ports_*.erl). Messages and exit signals a port sends are queued in an
//! outbox and delivered by the BIF that caused them (through its process's `Ctx`) or by
//! the run loop (through the `Scheduler`) — a process ending is told to the ports while
//! the scheduler is busy ending it.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use beam_runtime::mailbox::Message;
use beam_runtime::process::{Pid, ProcError};
use beam_runtime::scheduler::{Ctx, Scheduler};
use beam_runtime::term::Term;
use beam_runtime::{binary, construct};

use crate::bifs::{atom, small, BifHeap};
use crate::ports_frame::{frame_output, Framer, Framing, Piece};

/// The first port number without OTP's boot: `erl -noshell` has opened ports 0–4 when
/// user code starts, so its first `open_port` gives `#Port<0.5>`, as here. Under OTP's
/// boot the boot opens them as erl's does (1: inet_config's `udp_inet` socket, 2:
/// inet_gethost, 3 and 4: standard_error's and user's fd ports) and only erl's
/// `forker` (0) is missing.
const FIRST_PORT: u32 = 5;
const FIRST_PORT_OTP_BOOT: u32 = 1;
/// Bytes read from a program at a time (ERTS reads up to 64 kB per ready input).
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// What the opener asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opts {
    pub framing: Framing,
    pub binary: bool,
    pub exit_status: bool,
    pub eof: bool,
    pub input: bool,
    pub output: bool,
    pub stderr_to_stdout: bool,
}

/// What to run.
#[derive(Debug, Clone)]
pub(crate) enum Program {
    /// `{spawn, Command}`: `/bin/sh -c "exec Command"`, as erl_child_setup runs it.
    Shell(Vec<u8>),
    /// `{spawn_executable, File}` with `{args, _}` and `{arg0, _}`.
    Exec {
        file: Vec<u8>,
        args: Vec<Vec<u8>>,
        arg0: Option<Vec<u8>>,
    },
    /// `{fd, In, Out}`: the VM's own file descriptors.
    Fd(i32, i32),
    /// `{spawn, "tty_sl ..."}`: the terminal driver (vm/src/ports_tty.rs).
    Tty(crate::ports_tty::Flags),
    /// `{spawn_driver, "udp_inet" | "tcp_inet"}` (vm/src/ports_inet.rs).
    Driver(crate::ports_inet::Kind),
}

/// `{env, [{Name, Value | false}]}`: `None` removes the variable.
pub(crate) type Env = Vec<(Vec<u8>, Option<Vec<u8>>)>;

#[derive(Debug, Clone)]
pub(crate) struct Spawn {
    pub program: Program,
    pub opts: Opts,
    pub cd: Option<Vec<u8>>,
    pub env: Env,
    /// `port_info(P, name)`.
    pub name: Vec<u8>,
}

/// Where `port_command` data goes.
pub(crate) enum Writer {
    Thread(Sender<Vec<u8>>),
    /// `{fd, _, 1}`: the VM's standard output, in order with io's buffered output.
    Stdout,
    Stderr,
    /// The tty_sl driver's line editing.
    Tty,
}

struct Port {
    name: Vec<u8>,
    owner: Pid,
    links: Vec<Pid>,
    /// `monitor(port, P)`: who monitors it, with the reference numbers.
    monitors: Vec<(Pid, [u32; 3])>,
    opts: Opts,
    input: u64,
    output: u64,
    os_pid: Option<u32>,
    writer: Option<Writer>,
    /// Tells the reader thread to stop reading (the port closed).
    closed: Arc<AtomicBool>,
    framer: Framer,
    eof_seen: bool,
    status: Option<i32>,
    /// The end of the program's output was reported (`eof` ports stay open after it).
    ended: bool,
}

/// What a port's threads report.
pub(crate) enum Event {
    Data(u32, Vec<u8>),
    Eof(u32),
    /// The program's exit status as erl gives it (128 + the signal if one killed it).
    Exited(u32, i32),
}

/// An exit reason a port sends.
enum Reason {
    Atom(&'static str),
    Term(Message),
}

/// What a port message carries after `{Port, ...}`.
enum What {
    Piece(Piece, bool),
    ExitStatus(i32),
    Eof,
    Closed,
    Connected,
    /// `{Port, ok}`: tty_sl wrote a synchronous put_chars.
    Ok,
}

/// A signal from a port waiting to be delivered.
enum Out {
    Msg {
        to: Pid,
        port: u32,
        what: What,
    },
    Exit {
        to: Pid,
        port: u32,
        reason: Reason,
    },
    /// `{'DOWN', Ref, port, Port, Reason}`.
    Down {
        to: Pid,
        port: u32,
        reference: [u32; 3],
        reason: Reason,
    },
}

impl Reason {
    /// A copy for one more receiver.
    fn copy(&self) -> Reason {
        match self {
            Reason::Atom(a) => Reason::Atom(a),
            Reason::Term(m) => match Message::copy_of(m.term()) {
                Ok(m) => Reason::Term(m),
                Err(_) => Reason::Atom("system_limit"),
            },
        }
    }
    fn term(&self) -> Term {
        match self {
            Reason::Atom(a) => atom(a),
            Reason::Term(m) => m.term(),
        }
    }
}

struct Table {
    ports: BTreeMap<u32, Port>,
    next: u32,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    outbox: Vec<Out>,
}

impl Table {
    fn new() -> Table {
        let (tx, rx) = channel();
        Table {
            ports: BTreeMap::new(),
            next: if crate::otp_boot::on() {
                FIRST_PORT_OTP_BOOT
            } else {
                FIRST_PORT
            },
            tx,
            rx,
            outbox: Vec::new(),
        }
    }
}

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
    /// A port is open or a port signal waits: the run loop must pump. Kept apart from
    /// the table so the check after every time slice is one load.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let t = t.get_or_insert_with(Table::new);
        let r = f(t);
        ACTIVE.with(|a| a.set(!t.ports.is_empty() || !t.outbox.is_empty()));
        r
    })
}

/// Whether the run loop must call [`pump`] (a port is open or a signal waits).
pub(crate) fn active() -> bool {
    ACTIVE.with(Cell::get)
}

/// Why `open` failed: the `error:` reason erl raises.
pub(crate) type OpenError = &'static str;

/// Opens a port for `owner` (linked to it); its number.
pub(crate) fn open(owner: Pid, s: Spawn) -> Result<u32, OpenError> {
    // A program that cannot start uses up its number too, as in erl.
    let (tx, n) = with(|t| {
        t.next += 1;
        (t.tx.clone(), t.next - 1)
    });
    let closed = Arc::new(AtomicBool::new(false));
    let (writer, os_pid) = match &s.program {
        Program::Fd(fd_in, fd_out) => {
            crate::ports_spawn::open_fd(n, *fd_in, *fd_out, &s.opts, &tx, &closed)?
        }
        Program::Tty(flags) => {
            crate::ports_tty::open(n, *flags, &tx, &closed)?;
            (Some(Writer::Tty), None)
        }
        Program::Driver(kind) => {
            crate::ports_inet::opened(n, *kind);
            (None, None)
        }
        _ => match crate::ports_spawn::spawn(n, &s, &tx, &closed)? {
            Some((w, pid)) => (w, Some(pid)),
            None => (None, None),
        },
    };
    let port = Port {
        name: s.name,
        owner,
        links: vec![owner],
        monitors: Vec::new(),
        opts: s.opts,
        input: 0,
        output: 0,
        os_pid,
        writer,
        closed,
        framer: Framer::default(),
        eof_seen: false,
        status: None,
        ended: false,
    };
    with(|t| t.ports.insert(n, port));
    Ok(n)
}

// --- operations on ports (called by the BIFs) ---

/// Whether port `n` is open.
pub(crate) fn is_open(n: u32) -> bool {
    with(|t| t.ports.contains_key(&n))
}

/// The connected process of open port `n`.
pub(crate) fn owner(n: u32) -> Option<Pid> {
    with(|t| t.ports.get(&n).map(|p| p.owner))
}

/// What became of `port_command` data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Yes,
    /// The port is closed or takes no output.
    No,
    /// Too long for the `{packet, N}` header.
    TooBig,
}

/// Writes `data` to port `n`'s program.
pub(crate) fn command(n: u32, data: Vec<u8>) -> Written {
    with(|t| {
        let Some(p) = t.ports.get_mut(&n) else {
            return Written::No;
        };
        let Some(bytes) = frame_output(p.opts.framing, data) else {
            return Written::TooBig;
        };
        let mut sync = false;
        match &p.writer {
            Some(Writer::Thread(w)) => {
                p.output += bytes.len() as u64;
                let _ = w.send(bytes);
            }
            Some(Writer::Stdout) => {
                p.output += bytes.len() as u64;
                crate::bifs_io::emit_stdout(&bytes);
            }
            Some(Writer::Stderr) => {
                p.output += bytes.len() as u64;
                crate::bifs_io::flush();
                let _ = std::io::stderr().write_all(&bytes);
            }
            Some(Writer::Tty) => {
                p.output += bytes.len() as u64;
                sync = crate::ports_tty::command(&bytes);
            }
            None => return Written::No,
        }
        if sync {
            // OP_PUTC_SYNC: the driver answers once the characters are out.
            msg(t, n, What::Ok);
        }
        Written::Yes
    })
}

/// `port_control(Port, Op, Data)` of a tty_sl port: the reply's bytes; `None` for a
/// port whose driver has no control operations (`badarg`).
pub(crate) fn control(n: u32, op: u32, data: &[u8]) -> Option<Vec<u8>> {
    with(|t| match t.ports.get(&n)?.writer {
        Some(Writer::Tty) => Some(crate::ports_tty::control(op, data)),
        _ => None,
    })
}

/// Closes port `n` with `reason`: its links get the exit signal, then (for `{Pid,
/// close}`) `closed_to` gets `{Port, closed}`, in erl's order.
fn terminate(t: &mut Table, n: u32, reason: Reason, closed_to: Option<Pid>) {
    let Some(p) = t.ports.remove(&n) else {
        return;
    };
    p.closed.store(true, Ordering::Relaxed);
    if matches!(p.writer, Some(Writer::Tty)) {
        crate::ports_tty::close();
    }
    crate::ports_inet::closed(n);
    // Links first, then monitors, as erl sends them; each gets its own copy of a term
    // reason.
    for &to in &p.links {
        t.outbox.push(Out::Exit {
            to,
            port: n,
            reason: reason.copy(),
        });
    }
    for &(to, reference) in &p.monitors {
        t.outbox.push(Out::Down {
            to,
            port: n,
            reference,
            reason: reason.copy(),
        });
    }
    if let Some(to) = closed_to {
        t.outbox.push(Out::Msg {
            to,
            port: n,
            what: What::Closed,
        });
    }
    // Dropping the writer lets its thread write what is queued and close stdin.
    drop(p);
}

/// `port_close/1` (any process may close a port): false if it was closed already.
pub(crate) fn close(n: u32) -> bool {
    with(|t| {
        let open = t.ports.contains_key(&n);
        terminate(t, n, Reason::Atom("normal"), None);
        open
    })
}

/// `Port ! {Owner, close}`.
pub(crate) fn close_by_message(n: u32, owner: Pid) {
    with(|t| terminate(t, n, Reason::Atom("normal"), Some(owner)))
}

/// Port `n` got a message it does not understand (or naming a process that is not its
/// connected one) from `sender`: erl sends the sender an exit signal `badsig` from the
/// port and the port stays open.
pub(crate) fn badsig(n: u32, sender: Pid) {
    with(|t| {
        t.outbox.push(Out::Exit {
            to: sender,
            port: n,
            reason: Reason::Atom("badsig"),
        })
    })
}

/// The port's driver failed (`einval`: a binary too long for the packet header;
/// `ebadf`: data for a port without output): it closes with that reason.
pub(crate) fn fail(n: u32, reason: &'static str) {
    with(|t| terminate(t, n, Reason::Atom(reason), None))
}

/// `exit(Port, Reason)` from `from`: `normal` closes the port only when `from` is its
/// connected process, `kill` closes it with `killed`, any other reason with that reason.
pub(crate) fn exit_signal(n: u32, from: Pid, reason: Term) {
    if reason == atom("normal") && owner(n) != Some(from) {
        return;
    }
    let r = if reason == atom("kill") {
        Reason::Atom("killed")
    } else {
        match Message::copy_of(reason) {
            Ok(m) => Reason::Term(m),
            Err(_) => Reason::Atom("system_limit"),
        }
    };
    with(|t| terminate(t, n, r, None))
}

/// Makes `new` the connected process of port `n`; with `reply_to` (the `{Pid, {connect,
/// New}}` message) the old owner gets `{Port, connected}`, with `link` (port_connect/2)
/// `new` is linked to the port.
pub(crate) fn connect(n: u32, new: Pid, reply_to: Option<Pid>, link: bool) -> bool {
    with(|t| {
        let Some(p) = t.ports.get_mut(&n) else {
            return false;
        };
        p.owner = new;
        if link && !p.links.contains(&new) {
            p.links.push(new);
        }
        if let Some(to) = reply_to {
            t.outbox.push(Out::Msg {
                to,
                port: n,
                what: What::Connected,
            });
        }
        true
    })
}

/// `monitor(port, Port)` by `pid`: a closed port sends `'DOWN'` with `noproc` at once.
pub(crate) fn monitor(n: u32, pid: Pid, reference: [u32; 3]) {
    with(|t| match t.ports.get_mut(&n) {
        Some(p) => p.monitors.push((pid, reference)),
        None => t.outbox.push(Out::Down {
            to: pid,
            port: n,
            reference,
            reason: Reason::Atom("noproc"),
        }),
    })
}

/// `demonitor(Ref)` of a port monitor: whether it was active.
pub(crate) fn demonitor(reference: [u32; 3]) -> bool {
    if !active() {
        return false;
    }
    with(|t| {
        t.ports.values_mut().any(|p| {
            let before = p.monitors.len();
            p.monitors.retain(|&(_, r)| r != reference);
            p.monitors.len() != before
        })
    })
}

/// `link(Port)` by `pid`: a closed port sends `noproc` back, as erl does.
pub(crate) fn link(n: u32, pid: Pid) {
    with(|t| match t.ports.get_mut(&n) {
        Some(p) => {
            if !p.links.contains(&pid) {
                p.links.push(pid);
            }
        }
        None => t.outbox.push(Out::Exit {
            to: pid,
            port: n,
            reason: Reason::Atom("noproc"),
        }),
    })
}

pub(crate) fn unlink(n: u32, pid: Pid) {
    with(|t| {
        if let Some(p) = t.ports.get_mut(&n) {
            p.links.retain(|&l| l != pid);
        }
    })
}

/// The ports `pid` is linked to (for `process_info(Pid, links)`).
pub(crate) fn links_of(pid: Pid) -> Vec<u32> {
    if !active() {
        return Vec::new();
    }
    with(|t| {
        t.ports
            .iter()
            .filter(|(_, p)| p.links.contains(&pid))
            .map(|(&n, _)| n)
            .collect()
    })
}

/// Open port numbers, oldest first (`erlang:ports/0`).
pub(crate) fn all() -> Vec<u32> {
    with(|t| t.ports.keys().copied().collect())
}

/// What `port_info` reports about an open port.
pub(crate) struct Info {
    pub name: Vec<u8>,
    pub links: Vec<Pid>,
    pub owner: Pid,
    pub input: u64,
    pub output: u64,
    pub os_pid: Option<u32>,
}

pub(crate) fn info(n: u32) -> Option<Info> {
    with(|t| {
        t.ports.get(&n).map(|p| Info {
            name: p.name.clone(),
            links: p.links.clone(),
            owner: p.owner,
            input: p.input,
            output: p.output,
            os_pid: p.os_pid,
        })
    })
}

/// Process `pid` ended with `reason` (called while the scheduler ends it): it is
/// unlinked from its ports, and a port closes with the reason when `pid` was its
/// connected process or the reason is not `normal`. The signals go out at the next
/// [`pump`].
pub(crate) fn process_exited(pid: Term, reason: Term) {
    if !active() {
        return;
    }
    let Some(pid) = Pid::from_term(pid) else {
        return;
    };
    let normal = reason == atom("normal");
    with(|t| {
        let hit: Vec<u32> = t
            .ports
            .iter_mut()
            .filter_map(|(&n, p)| {
                let linked = p.links.contains(&pid);
                p.links.retain(|&l| l != pid);
                p.monitors.retain(|&(m, _)| m != pid);
                (p.owner == pid || (linked && !normal)).then_some(n)
            })
            .collect();
        for n in hit {
            let r = match Message::copy_of(reason) {
                Ok(m) => Reason::Term(m),
                Err(_) => Reason::Atom("system_limit"),
            };
            terminate(t, n, r, None);
        }
    })
}

/// Closes every port without telling anyone (a run ends or starts: their processes are
/// gone with the scheduler).
pub(crate) fn reset() {
    TABLE.with(|t| {
        if let Some(t) = t.borrow_mut().as_mut() {
            for (_, p) in std::mem::take(&mut t.ports) {
                p.closed.store(true, Ordering::Relaxed);
                if matches!(p.writer, Some(Writer::Tty)) {
                    crate::ports_tty::close();
                }
            }
            t.outbox.clear();
            while t.rx.try_recv().is_ok() {}
        }
    });
    crate::ports_inet::reset();
    ACTIVE.with(|a| a.set(false));
}

// --- events from the threads ---

fn msg(t: &mut Table, n: u32, what: What) {
    if let Some(p) = t.ports.get(&n) {
        let to = p.owner;
        t.outbox.push(Out::Msg { to, port: n, what });
    }
}

fn handle(t: &mut Table, ev: Event) {
    match ev {
        Event::Data(n, bytes) => {
            let Some(p) = t.ports.get_mut(&n) else {
                return;
            };
            p.input += bytes.len() as u64;
            let mut pieces = Vec::new();
            p.framer.feed(p.opts.framing, bytes, &mut pieces);
            let binary = p.opts.binary;
            for piece in pieces {
                msg(t, n, What::Piece(piece, binary));
            }
        }
        Event::Eof(n) => {
            if let Some(p) = t.ports.get_mut(&n) {
                p.eof_seen = true;
                program_end(t, n);
            }
        }
        Event::Exited(n, code) => {
            if let Some(p) = t.ports.get_mut(&n) {
                p.status = Some(code);
                program_end(t, n);
            }
        }
    }
}

/// The program's output ended (and, with `exit_status`, its status is known): erl sends
/// `{exit_status, N}`, then what is left of a line, then `eof` (and stays open) or
/// closes the port with `normal`.
fn program_end(t: &mut Table, n: u32) {
    let Some(p) = t.ports.get_mut(&n) else {
        return;
    };
    if p.ended || !p.eof_seen || (p.opts.exit_status && p.status.is_none()) {
        return;
    }
    p.ended = true;
    let (exit_status, status, eof, binary) =
        (p.opts.exit_status, p.status, p.opts.eof, p.opts.binary);
    let rest = p.framer.finish(p.opts.framing);
    if exit_status {
        msg(t, n, What::ExitStatus(status.unwrap_or(0)));
    }
    if let Some(piece) = rest {
        msg(t, n, What::Piece(piece, binary));
    }
    if eof {
        msg(t, n, What::Eof);
    } else {
        terminate(t, n, Reason::Atom("normal"), None);
    }
}

// --- delivery ---

/// Where port signals go: the scheduler (from the run loop) or the running process's
/// context (from a BIF).
pub(crate) trait Sink {
    fn send(&mut self, to: Pid, msg: Term) -> Result<(), ProcError>;
    fn traps_exits(&mut self, pid: Pid) -> bool;
    /// An exit signal with a reason other than `normal` to a process not trapping exits.
    fn kill(&mut self, to: Pid, reason: Term) -> Result<(), ProcError>;
}

impl Sink for Scheduler {
    fn send(&mut self, to: Pid, msg: Term) -> Result<(), ProcError> {
        Scheduler::send(self, to, msg)
    }
    fn traps_exits(&mut self, pid: Pid) -> bool {
        self.process(pid).is_some_and(|p| p.trap_exit())
    }
    fn kill(&mut self, to: Pid, reason: Term) -> Result<(), ProcError> {
        self.exit(Pid::dead(), to, reason)
    }
}

impl Sink for Ctx<'_> {
    fn send(&mut self, to: Pid, msg: Term) -> Result<(), ProcError> {
        self.send_pid(to, msg)
    }
    fn traps_exits(&mut self, pid: Pid) -> bool {
        if pid == self.self_pid() {
            // The running process is out of the table: read its flag by setting it back.
            let on = self.set_trap_exit(true);
            self.set_trap_exit(on);
            on
        } else {
            self.process(pid).is_some_and(|p| p.trap_exit())
        }
    }
    fn kill(&mut self, to: Pid, reason: Term) -> Result<(), ProcError> {
        self.exit_signal(to, reason)
    }
}

fn build(h: &mut BifHeap, port: u32, what: &What) -> Result<Term, ProcError> {
    let p = Term::port(port);
    let bytes = |h: &mut BifHeap, b: &[u8], bin: bool| -> Result<Term, ProcError> {
        Ok(if bin {
            binary::new_binary(h, b)?
        } else {
            let items: Vec<Term> = b.iter().map(|&x| small(i64::from(x))).collect();
            construct::list(h, &items)?
        })
    };
    let inner = match what {
        What::Piece(Piece::Data(b), bin) => {
            let d = bytes(h, b, *bin)?;
            construct::tuple(h, &[atom("data"), d])?
        }
        What::Piece(Piece::Line(eol, b), bin) => {
            let d = bytes(h, b, *bin)?;
            let tag = atom(if *eol { "eol" } else { "noeol" });
            let l = construct::tuple(h, &[tag, d])?;
            construct::tuple(h, &[atom("data"), l])?
        }
        What::ExitStatus(code) => {
            construct::tuple(h, &[atom("exit_status"), small(i64::from(*code))])?
        }
        What::Eof => atom("eof"),
        What::Closed => atom("closed"),
        What::Connected => atom("connected"),
        What::Ok => atom("ok"),
    };
    Ok(construct::tuple(h, &[p, inner])?)
}

/// Delivers the queued port signals through `sink`; whether there were any.
pub(crate) fn deliver(sink: &mut dyn Sink) -> Result<bool, ProcError> {
    if !active() {
        return Ok(false);
    }
    let outbox = with(|t| std::mem::take(&mut t.outbox));
    let any = !outbox.is_empty();
    for out in outbox {
        let mut h = BifHeap::default();
        match out {
            Out::Msg { to, port, what } => {
                let m = build(&mut h, port, &what)?;
                sink.send(to, m)?;
            }
            Out::Down {
                to,
                port,
                reference,
                reason,
            } => {
                let r = construct::make_ref(&mut h, reference)?;
                let m = construct::tuple(
                    &mut h,
                    &[
                        atom("DOWN"),
                        r,
                        atom("port"),
                        Term::port(port),
                        reason.term(),
                    ],
                )?;
                sink.send(to, m)?;
            }
            Out::Exit { to, port, reason } => {
                let r = reason.term();
                if sink.traps_exits(to) {
                    let m = construct::tuple(&mut h, &[atom("EXIT"), Term::port(port), r])?;
                    sink.send(to, m)?;
                } else if r != atom("normal") {
                    sink.kill(to, r)?;
                }
            }
        }
    }
    Ok(any)
}

/// After a time slice: takes the events the ports' threads reported and delivers the
/// signals they (and the slice) caused; whether any signal went out.
pub(crate) fn pump(s: &mut Scheduler) -> Result<bool, ProcError> {
    with(|t| {
        // Reads that queued up back to back are one message, as erl reads whatever
        // is there when the descriptor polls ready.
        let mut held: Option<(u32, Vec<u8>)> = None;
        while let Ok(ev) = t.rx.try_recv() {
            match (ev, held.as_mut()) {
                (Event::Data(n, more), Some((m, buf))) if *m == n && buf.len() < READ_CHUNK => {
                    buf.extend_from_slice(&more);
                }
                (Event::Data(n, more), _) => {
                    if let Some((m, buf)) = held.replace((n, more)) {
                        handle(t, Event::Data(m, buf));
                    }
                }
                (ev, _) => {
                    if let Some((m, buf)) = held.take() {
                        handle(t, Event::Data(m, buf));
                    }
                    handle(t, ev);
                }
            }
        }
        if let Some((m, buf)) = held {
            handle(t, Event::Data(m, buf));
        }
    });
    deliver(s)
}

/// No process can run: waits until a port event comes or `timeout` passes (`None`:
/// until an event), then delivers what it caused.
pub(crate) fn wait(s: &mut Scheduler, timeout: Option<Duration>) -> Result<(), ProcError> {
    if pump(s)? {
        return Ok(());
    }
    // The receiver is taken out of the table while blocking: nothing else runs on this
    // thread meanwhile, and the table is not borrowed across the wait.
    let rx = TABLE.with(|t| {
        t.borrow_mut()
            .as_mut()
            .map(|t| std::mem::replace(&mut t.rx, channel().1))
    });
    let Some(rx) = rx else {
        return Ok(());
    };
    let ev = match timeout {
        Some(d) => rx.recv_timeout(d).ok(),
        None => rx.recv().ok(),
    };
    with(|t| {
        t.rx = rx;
        if let Some(ev) = ev {
            handle(t, ev);
        }
    });
    pump(s).map(|_| ())
}
