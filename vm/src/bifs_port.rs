//! The port BIFs: `open_port/2`, `port_command/2,3`, `port_close/1`, `port_connect/2`,
//! `port_info/1,2`, `erlang:ports/0`, `port_control/3` (the inet drivers answer it,
//! vm/src/ports_inet.rs; other ports raise badarg, as erl's spawn ports) and
//! `port_call/2,3` (badarg), and what `Port ! Msg`,
//! `link/1`, `unlink/1` and `exit/2` do with a port (vm/src/ports.rs runs the ports).
//! Arguments are checked as OTP 25 checks them (`erts_open_port`'s option parsing).

use beam_runtime::atom as atoms;
use beam_runtime::construct;
use beam_runtime::mailbox::Message;
use beam_runtime::process::Pid;
use beam_runtime::scheduler::Ctx;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, Raise};
use crate::bifs_more::{chars, iolist, proper_list};
use crate::ports::{self, Opts, Program, Spawn};
use crate::ports_frame::Framing;

fn proc<'c>(c: &'c mut BifCx<'_>) -> Result<&'c mut Ctx<'static>, Raise> {
    c.proc.as_deref_mut().ok_or_else(|| error("badarg"))
}

/// Delivers what the port operation queued (its messages and exit signals) through the
/// calling process, so they are in the receivers' queues when the BIF returns.
fn deliver(c: &mut BifCx<'_>) -> Result<(), Raise> {
    let cx = proc(c)?;
    ports::deliver(cx).map_err(|_| error("system_limit"))?;
    Ok(())
}

/// A port argument: the number of a port term (open or not).
fn port_arg(t: Term) -> Result<u32, Raise> {
    t.port_data().ok_or_else(|| error("badarg"))
}

/// The number of an open port, or badarg.
fn open_port_arg(t: Term) -> Result<u32, Raise> {
    let n = port_arg(t)?;
    if ports::is_open(n) {
        Ok(n)
    } else {
        Err(error("badarg"))
    }
}

/// A file name or command: a string, an atom or a binary.
fn text(t: Term) -> Option<Vec<u8>> {
    if let Some(a) = atoms::name(t) {
        return Some(a.into_bytes());
    }
    if let Ok(b) = beam_runtime::ops::view::bits(t) {
        return (b.bits % 8 == 0).then_some(b.bytes);
    }
    chars(t).map(String::into_bytes)
}

fn tuple2(t: Term) -> Option<(Term, Term)> {
    match construct::tuple_elements(t)?.as_slice() {
        &[a, b] => Some((a, b)),
        _ => None,
    }
}

fn is(t: Term, name: &str) -> bool {
    t == atom(name)
}

/// `{env, [{Name, Value | false}]}`.
fn env_list(t: Term) -> Result<ports::Env, Raise> {
    let mut v = Vec::new();
    for e in proper_list(t)? {
        let (k, val) = tuple2(e).ok_or_else(|| error("badarg"))?;
        let k = chars(k).ok_or_else(|| error("badarg"))?.into_bytes();
        let val = if is(val, "false") {
            None
        } else {
            Some(chars(val).ok_or_else(|| error("badarg"))?.into_bytes())
        };
        v.push((k, val));
    }
    Ok(v)
}

/// `open_port(PortName, PortSettings)` parsed.
fn parse(name: Term, settings: Term) -> Result<Spawn, Raise> {
    let bad = || error("badarg");
    let elems = construct::tuple_elements(name).ok_or_else(bad)?;
    let mut program = match elems.as_slice() {
        [k, cmd] if is(*k, "spawn") => {
            let c = text(*cmd).filter(|c| !c.is_empty()).ok_or_else(bad)?;
            // ERTS looks a `spawn` command's first word up as a driver first: tty_sl
            // is the terminal driver (vm/src/ports_tty.rs).
            match crate::ports_tty::command_flags(&c) {
                Some(flags) => Program::Tty(flags.map_err(error)?),
                None => Program::Shell(c),
            }
        }
        [k, file] if is(*k, "spawn_executable") => Program::Exec {
            file: text(*file).ok_or_else(bad)?,
            args: Vec::new(),
            arg0: None,
        },
        [k, i, o] if is(*k, "fd") => {
            let fd = |t: Term| -> Result<i32, Raise> {
                let v = t.small_value().ok_or_else(bad)?;
                Ok(v)
            };
            Program::Fd(fd(*i)?, fd(*o)?)
        }
        // The inet drivers (vm/src/ports_inet.rs); no other driver exists here.
        [k, d] if is(*k, "spawn_driver") => {
            let d = text(*d).ok_or_else(bad)?;
            Program::Driver(crate::ports_inet::Kind::named(&d).ok_or_else(bad)?)
        }
        _ => return Err(bad()),
    };
    let mut opts = Opts {
        framing: Framing::Stream,
        binary: false,
        exit_status: false,
        eof: false,
        input: true,
        output: true,
        stderr_to_stdout: false,
    };
    let (mut only_in, mut only_out, mut packet, mut line) = (false, false, false, false);
    let (mut cd, mut env) = (None, Vec::new());
    for o in proper_list(settings)? {
        if o.is_atom() {
            match atoms::name(o).as_deref() {
                Some("stream") => {}
                Some("binary") => opts.binary = true,
                Some("exit_status") => opts.exit_status = true,
                Some("eof") => opts.eof = true,
                Some("in") => only_in = true,
                Some("out") => only_out = true,
                Some("stderr_to_stdout") => opts.stderr_to_stdout = true,
                // Windows-only or cosmetic here.
                Some("hide" | "use_stdio" | "overlapped_io") => {}
                // Talking over descriptors 3 and 4 is not implemented (docs/ports.md).
                Some("nouse_stdio") => return Err(bad()),
                _ => return Err(bad()),
            }
            continue;
        }
        let (k, v) = tuple2(o).ok_or_else(bad)?;
        match atoms::name(k).as_deref() {
            Some("packet") => {
                let n = v
                    .small_value()
                    .filter(|n| [1, 2, 4].contains(n))
                    .ok_or_else(bad)?;
                opts.framing = Framing::Packet(n as u8);
                packet = true;
            }
            Some("line") => {
                let n = v.small_value().filter(|&n| n > 0).ok_or_else(bad)?;
                opts.framing = Framing::Line(n as usize);
                line = true;
            }
            Some("cd") => cd = Some(text(v).ok_or_else(bad)?),
            Some("env") => env.extend(env_list(v)?),
            Some("args") => match &mut program {
                Program::Exec { args, .. } => {
                    *args = proper_list(v)?
                        .into_iter()
                        .map(|a| text(a).ok_or_else(bad))
                        .collect::<Result<_, _>>()?;
                }
                _ => return Err(bad()),
            },
            Some("arg0") => match &mut program {
                Program::Exec { arg0, .. } => *arg0 = Some(text(v).ok_or_else(bad)?),
                _ => return Err(bad()),
            },
            Some("parallelism") if v.is_atom() => {}
            Some("busy_limits_port" | "busy_limits_msgq") => {}
            _ => return Err(bad()),
        }
    }
    if packet && line {
        return Err(bad());
    }
    if only_in != only_out {
        opts.input = only_in;
        opts.output = only_out;
    }
    let name = match &program {
        Program::Shell(c) => c.clone(),
        Program::Exec { file, .. } => file.clone(),
        Program::Fd(i, o) => format!("{i}/{o}").into_bytes(),
        Program::Tty(_) => {
            let (_, cmd) = tuple2(name).ok_or_else(bad)?;
            text(cmd).ok_or_else(bad)?
        }
        Program::Driver(crate::ports_inet::Kind::Udp) => b"udp_inet".to_vec(),
        Program::Driver(crate::ports_inet::Kind::Tcp) => b"tcp_inet".to_vec(),
    };
    Ok(Spawn {
        program,
        opts,
        cd,
        env,
        name,
    })
}

fn open_port(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let s = parse(a[0], a[1])?;
    let me = proc(c)?.self_pid();
    let n = ports::open(me, s).map_err(error)?;
    deliver(c)?;
    Ok(Term::port(n))
}

/// What erl's logger prints (on standard output) for data a port cannot take.
fn bad_value_report(n: u32) {
    let name = ports::info(n).map(|i| i.name).unwrap_or_default();
    let report = format!(
        "=ERROR REPORT==== {} ===\nBad value on output port '{}'\n\n\n",
        crate::exc::timestamp(),
        String::from_utf8_lossy(&name)
    );
    crate::bifs_io::emit_stdout(report.as_bytes());
}

/// Writes `data` (iodata) to port `n`: whether the port took it. Data that is not iodata
/// or a list too long for the packet header is refused (with erl's report); a binary too
/// long is taken and fails the port with `einval`, as in erl.
fn write(n: u32, data: Term) -> bool {
    let mut bytes = Vec::new();
    if iolist(data, &mut bytes).is_err() {
        bad_value_report(n);
        return false;
    }
    match ports::command(n, bytes) {
        ports::Written::Yes => true,
        // A port without output (`in`): erl takes the data, its driver fails writing
        // and the port closes with `ebadf`.
        ports::Written::No => {
            ports::fail(n, "ebadf");
            true
        }
        ports::Written::TooBig if beam_runtime::ops::view::bits(data).is_ok() => {
            ports::fail(n, "einval");
            true
        }
        ports::Written::TooBig => {
            bad_value_report(n);
            false
        }
    }
}

/// Data for an inet driver port (vm/src/ports_inet.rs), which sends none yet: the
/// caller gets the reply prim_inet waits for, `{inet_reply, Port, {error, enotsup}}`,
/// as inet_drv answers a send it cannot do. Whether `n` is such a port.
fn inet_command(c: &mut BifCx<'_>, n: u32) -> Result<bool, Raise> {
    if !crate::ports_inet::is_inet(n) {
        return Ok(false);
    }
    let h = &mut c.heap;
    let err = construct::tuple(h, &[atom("error"), atom("enotsup")]).map_err(heap_err)?;
    let m = construct::tuple(h, &[atom("inet_reply"), Term::port(n), err]).map_err(heap_err)?;
    let cx = proc(c)?;
    let me = cx.self_pid();
    cx.send_pid(me, m).map_err(|_| error("system_limit"))?;
    Ok(true)
}

fn port_command(c: &mut BifCx<'_>, port: Term, data: Term) -> Result<Term, Raise> {
    let n = open_port_arg(port)?;
    if inet_command(c, n)? {
        return Ok(atom("true"));
    }
    if !write(n, data) {
        return Err(error("badarg"));
    }
    deliver(c)?;
    Ok(atom("true"))
}

fn port_command3(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    for o in proper_list(a[2])? {
        if is(o, "force") {
            // The spawn driver cannot take data while busy either way.
            open_port_arg(a[0])?;
            return Err(error("notsup"));
        }
        if !is(o, "nosuspend") {
            return Err(error("badarg"));
        }
    }
    port_command(c, a[0], a[1])
}

fn port_close(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = port_arg(a[0])?;
    if !ports::close(n) {
        return Err(error("badarg"));
    }
    deliver(c)?;
    Ok(atom("true"))
}

fn port_connect(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = open_port_arg(a[0])?;
    let pid = Pid::from_term(a[1]).ok_or_else(|| error("badarg"))?;
    let cx = proc(c)?;
    if pid != cx.self_pid() && !cx.is_alive(pid) {
        return Err(error("badarg"));
    }
    ports::connect(n, pid, None, true);
    deliver(c)?;
    Ok(atom("true"))
}

/// `{Item, Value}` of port_info for an open port; `None` for an unknown item.
fn info_item(c: &mut BifCx<'_>, n: u32, item: &str) -> Result<Option<Term>, Raise> {
    let Some(i) = ports::info(n) else {
        return Ok(Some(atom("undefined")));
    };
    let h = &mut c.heap;
    let value = match item {
        "name" => {
            let s: Vec<Term> = String::from_utf8_lossy(&i.name)
                .chars()
                .map(|ch| small(ch as i64))
                .collect();
            construct::list(h, &s).map_err(heap_err)?
        }
        "links" => {
            let l: Vec<Term> = i.links.iter().map(|p| p.term()).collect();
            construct::list(h, &l).map_err(heap_err)?
        }
        "id" => small(i64::from(n) * 8),
        "connected" => i.owner.term(),
        "input" => small(i.input.min(1 << 27) as i64),
        "output" => small(i.output.min(1 << 27) as i64),
        "os_pid" => match i.os_pid {
            Some(p) => small(i64::from(p)),
            None => atom("undefined"),
        },
        "registered_name" => return Ok(Some(Term::NIL)),
        "monitors" | "monitored_by" => Term::NIL,
        "memory" => small(200),
        "queue_size" => small(0),
        "locking" => atom("port_level"),
        "parallelism" => atom("false"),
        _ => return Ok(None),
    };
    let t = construct::tuple(h, &[atom(item), value]).map_err(heap_err)?;
    Ok(Some(t))
}

fn port_info1(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = port_arg(a[0])?;
    let Some(i) = ports::info(n) else {
        return Ok(atom("undefined"));
    };
    let mut items = vec!["name", "links", "id", "connected", "input", "output"];
    if i.os_pid.is_some() {
        items.push("os_pid");
    }
    let mut v = Vec::new();
    for it in items {
        v.extend(info_item(c, n, it)?);
    }
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

fn port_info2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = port_arg(a[0])?;
    if !ports::is_open(n) {
        return Ok(atom("undefined"));
    }
    let item = atoms::name(a[1]).ok_or_else(|| error("badarg"))?;
    info_item(c, n, &item)?.ok_or_else(|| error("badarg"))
}

fn ports_list(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let v: Vec<Term> = ports::all().into_iter().map(Term::port).collect();
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

/// `port_control(Port, Operation, Data)`: the inet drivers (vm/src/ports_inet.rs) and
/// the tty_sl driver (vm/src/ports_tty.rs) answer with a list of bytes, as ERTS gives a
/// driver's reply that does not ask for a binary; other ports raise badarg (erl's spawn
/// and fd drivers have no control callback).
fn port_control(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = open_port_arg(a[0])?;
    let op = a[1]
        .small_value()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| error("badarg"))?;
    let mut data = Vec::new();
    iolist(a[2], &mut data).map_err(|_| error("badarg"))?;
    let reply = crate::ports_inet::control(n, op, &data)
        .or_else(|| ports::control(n, op, &data))
        .ok_or_else(|| error("badarg"))?;
    let items: Vec<Term> = reply.iter().map(|&b| small(i64::from(b))).collect();
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

thread_local! {
    /// `erlang:port_set_data/2`: each open port's data (a copy of the term).
    static PORT_DATA: std::cell::RefCell<std::collections::BTreeMap<u32, Message>> =
        const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
}

/// `erlang:port_set_data(Port, Data)`: kept while the port is open (inet_db records a
/// socket's module in it).
fn port_set_data(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = open_port_arg(a[0])?;
    let m = Message::copy_of(a[1]).map_err(heap_err)?;
    PORT_DATA.with(|d| {
        let mut d = d.borrow_mut();
        d.retain(|&k, _| ports::is_open(k));
        d.insert(n, m);
    });
    Ok(atom("true"))
}

/// `erlang:port_get_data(Port)`: what port_set_data stored (`undefined` before).
fn port_get_data(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = open_port_arg(a[0])?;
    let t = PORT_DATA.with(|d| d.borrow().get(&n).map(Message::term));
    match t {
        Some(t) => beam_runtime::copy::copy_term(t, &mut c.heap).map_err(heap_err),
        None => Ok(atom("undefined")),
    }
}

/// `Port ! Msg` (erlang:send/2 with a port): `{Pid, {command, Data}}`, `{Pid, close}`
/// and `{Pid, {connect, New}}` from the connected process `Pid`; anything else gets the
/// sender an exit signal `badsig` (the port stays open). A message to a closed port is
/// dropped.
pub(crate) fn send(c: &mut BifCx<'_>, port: Term, msg: Term) -> Result<(), Raise> {
    let n = port_arg(port)?;
    let Some(owner) = ports::owner(n) else {
        return Ok(());
    };
    let me = proc(c)?.self_pid();
    let req = tuple2(msg).and_then(|(from, what)| Some((Pid::from_term(from)?, what)));
    match req {
        Some((from, what)) if from == owner => {
            if is(what, "close") {
                ports::close_by_message(n, from);
            } else if let Some((k, v)) = tuple2(what) {
                if is(k, "command") {
                    if !inet_command(c, n)? && !write(n, v) {
                        ports::badsig(n, me);
                    }
                } else if let (true, Some(new)) = (is(k, "connect"), Pid::from_term(v)) {
                    ports::connect(n, new, Some(from), false);
                } else {
                    ports::badsig(n, me);
                }
            } else {
                ports::badsig(n, me);
            }
        }
        _ => ports::badsig(n, me),
    }
    deliver(c)
}

/// `monitor(port, Port)`.
pub(crate) fn monitor(c: &mut BifCx<'_>, port: Term) -> Result<Term, Raise> {
    let n = port_arg(port)?;
    let cx = proc(c)?;
    let me = cx.self_pid();
    let numbers = cx.new_ref();
    ports::monitor(n, me, numbers);
    deliver(c)?;
    construct::make_ref(&mut c.heap, numbers).map_err(heap_err)
}

/// `link(Port)`.
pub(crate) fn link(c: &mut BifCx<'_>, port: Term) -> Result<Term, Raise> {
    let n = port_arg(port)?;
    let me = proc(c)?.self_pid();
    ports::link(n, me);
    deliver(c)?;
    Ok(atom("true"))
}

/// `unlink(Port)`.
pub(crate) fn unlink(c: &mut BifCx<'_>, port: Term) -> Result<Term, Raise> {
    let n = port_arg(port)?;
    let me = proc(c)?.self_pid();
    ports::unlink(n, me);
    Ok(atom("true"))
}

/// `exit(Port, Reason)`.
pub(crate) fn exit(c: &mut BifCx<'_>, port: Term, reason: Term) -> Result<Term, Raise> {
    let n = port_arg(port)?;
    let me = proc(c)?.self_pid();
    ports::exit_signal(n, me, reason);
    deliver(c)?;
    Ok(atom("true"))
}

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "open_port",
        arity: 2,
        f: open_port,
    },
    Bif {
        name: "port_command",
        arity: 2,
        f: |c, a| port_command(c, a[0], a[1]),
    },
    Bif {
        name: "port_command",
        arity: 3,
        f: port_command3,
    },
    Bif {
        name: "port_close",
        arity: 1,
        f: port_close,
    },
    Bif {
        name: "port_connect",
        arity: 2,
        f: port_connect,
    },
    Bif {
        name: "port_info",
        arity: 1,
        f: port_info1,
    },
    Bif {
        name: "port_info",
        arity: 2,
        f: port_info2,
    },
    Bif {
        name: "ports",
        arity: 0,
        f: ports_list,
    },
    Bif {
        name: "port_control",
        arity: 3,
        f: port_control,
    },
    Bif {
        name: "port_set_data",
        arity: 2,
        f: port_set_data,
    },
    Bif {
        name: "port_get_data",
        arity: 1,
        f: port_get_data,
    },
    Bif {
        name: "port_call",
        arity: 2,
        f: |_, _| Err(error("badarg")),
    },
    Bif {
        name: "port_call",
        arity: 3,
        f: |_, _| Err(error("badarg")),
    },
];
