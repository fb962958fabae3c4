//! The inet drivers `udp_inet` and `tcp_inet` (`open_port({spawn_driver, "udp_inet"},
//! [binary])`), as far as `prim_inet` drives them through `erlang:port_control/3`: open a
//! socket, bind it, its name and peer, socket and driver options, the host name,
//! subscriptions, close. This is what kernel's boot uses (`inet_config:init/0` opens a
//! UDP socket to ask for the host name, as `inet:gethostname/0` does) and what
//! `gen_udp:open/1,2` and `inet:sockname/1` need. Requests and replies are OTP 25's
//! inet_drv.c ones: every request number carries `ERTS_INET_DRV_CONTROL_MAGIC_NUMBER`;
//! a reply is `[1 | Data]` (`INET_REP_OK`) or `[0 | ErrnoName]` (`INET_REP_ERROR`).
//!
//! Not implemented (docs/ports.md): data (`port_command` is answered with
//! `{inet_reply, Port, {error, enotsup}}`, vm/src/bifs_port.rs; `recv`), `connect`, `listen`,
//! `accept`, interface queries, `local` (AF_UNIX) sockets, multicast membership, raw
//! options. Those requests answer `enotsup` (an error reply, as inet_drv gives for a
//! request it cannot serve); a request inet_drv does not know answers `exbadport`, as
//! there. The sockets are real (socket(2), bind(2), getsockname(2), setsockopt(2)...).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use libc::{c_int, c_void, socklen_t};

/// `ERTS_INET_DRV_CONTROL_MAGIC_NUMBER`: prim_inet adds it to every request number.
const MAGIC: u32 = 0x03f1_a300;

const REP_ERROR: u8 = 0;
const REP_OK: u8 = 1;

// Request numbers (inet_int.hrl, inet_drv.c).
const REQ_OPEN: u32 = 1;
const REQ_CLOSE: u32 = 2;
const REQ_PEER: u32 = 4;
const REQ_NAME: u32 = 5;
const REQ_BIND: u32 = 6;
const REQ_SETOPTS: u32 = 7;
const REQ_GETOPTS: u32 = 8;
const REQ_GETSTAT: u32 = 11;
const REQ_GETHOSTNAME: u32 = 12;
const REQ_GETFD: u32 = 14;
const REQ_GETTYPE: u32 = 15;
const REQ_GETSTATUS: u32 = 16;
const REQ_SUBSCRIBE: u32 = 24;

// Address families and socket types as prim_inet encodes them.
const AF_INET: u8 = 1;
const AF_INET6: u8 = 2;
const AF_ANY: u8 = 3;
const AF_LOOPBACK: u8 = 4;
const TYPE_STREAM: u8 = 1;
const TYPE_DGRAM: u8 = 2;

/// `INET_SUBS_EMPTY_OUT_Q`.
const SUBS_EMPTY_OUT_Q: u8 = 1;

/// Which driver a port runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Udp,
    Tcp,
}

impl Kind {
    /// The driver `open_port({spawn_driver, Name}, _)` names, if it is one of these.
    pub(crate) fn named(name: &[u8]) -> Option<Kind> {
        match name {
            b"udp_inet" => Some(Kind::Udp),
            b"tcp_inet" => Some(Kind::Tcp),
            _ => None,
        }
    }
}

/// One port's descriptor (inet_drv's `inet_descriptor`).
struct Desc {
    kind: Kind,
    sock: Option<OwnedFd>,
    /// `AF_INET` or `AF_INET6` (prim_inet's codes), once open.
    family: u8,
    bound: bool,
    /// Driver options set by `setopts` (`active`, `mode`, `buffer`...).
    local: BTreeMap<u8, i32>,
    /// `buffer` was set by `setopts` (else `recbuf` raises it).
    buffer_set: bool,
}

thread_local! {
    static DESCS: RefCell<BTreeMap<u32, Desc>> = const { RefCell::new(BTreeMap::new()) };
}

/// Port `n` was opened on driver `kind` (no socket until `INET_REQ_OPEN`).
pub(crate) fn opened(n: u32, kind: Kind) {
    let d = Desc {
        kind,
        sock: None,
        family: 0,
        bound: false,
        local: BTreeMap::new(),
        buffer_set: false,
    };
    DESCS.with(|m| m.borrow_mut().insert(n, d));
}

/// Port `n` closed: its socket is closed.
pub(crate) fn closed(n: u32) {
    DESCS.with(|m| m.borrow_mut().remove(&n));
}

/// Every inet port is gone (a new run).
pub(crate) fn reset() {
    DESCS.with(|m| m.borrow_mut().clear());
}

/// Whether port `n` runs an inet driver.
pub(crate) fn is_inet(n: u32) -> bool {
    DESCS.with(|m| m.borrow().contains_key(&n))
}

/// `erlang:port_control(Port, Cmd, Data)` for port `n`: the reply bytes, or `None` when
/// `n` is not an inet driver port (the BIF raises badarg, as for a spawn port).
pub(crate) fn control(n: u32, cmd: u32, data: &[u8]) -> Option<Vec<u8>> {
    DESCS.with(|m| {
        let mut m = m.borrow_mut();
        let d = m.get_mut(&n)?;
        Some(match request(d, cmd, data) {
            Ok(mut r) => {
                r.insert(0, REP_OK);
                r
            }
            Err(e) => {
                let mut r = vec![REP_ERROR];
                r.extend_from_slice(e.as_bytes());
                r
            }
        })
    })
}

/// A request's reply data, or the error's name.
type Reply = Result<Vec<u8>, &'static str>;

fn request(d: &mut Desc, cmd: u32, data: &[u8]) -> Reply {
    let Some(req) = cmd.checked_sub(MAGIC).filter(|r| *r < 0x100) else {
        return Err("exbadport");
    };
    match req {
        REQ_OPEN => open(d, data),
        REQ_CLOSE => {
            d.sock = None;
            d.bound = false;
            Ok(Vec::new())
        }
        REQ_NAME | REQ_PEER => {
            let fd = fd(d)?;
            let (fam, port, ip) = address(fd, req == REQ_PEER).map_err(errno_name)?;
            let mut r = vec![fam];
            r.extend_from_slice(&port.to_be_bytes());
            r.extend_from_slice(&ip);
            Ok(r)
        }
        REQ_BIND => bind(d, data),
        REQ_SETOPTS => setopts(d, data).map(|()| Vec::new()),
        REQ_GETOPTS => getopts(d, data),
        REQ_GETSTAT if data.is_empty() => Ok(Vec::new()),
        REQ_GETHOSTNAME => hostname().map_err(errno_name),
        REQ_GETFD => Ok(fd(d)?.to_be_bytes().to_vec()),
        REQ_GETTYPE => {
            fd(d)?;
            let ty = match d.kind {
                Kind::Udp => TYPE_DGRAM,
                Kind::Tcp => TYPE_STREAM,
            };
            let mut r = i32::from(d.family).to_be_bytes().to_vec();
            r.extend_from_slice(&i32::from(ty).to_be_bytes());
            Ok(r)
        }
        REQ_GETSTATUS => {
            let flags = i32::from(d.sock.is_some()) | (i32::from(d.bound) << 1);
            Ok(flags.to_be_bytes().to_vec())
        }
        REQ_SUBSCRIBE => {
            let mut r = Vec::new();
            for &s in data {
                if s != SUBS_EMPTY_OUT_Q {
                    return Err("einval");
                }
                // Nothing is ever queued for output here: the queue is empty now.
                r.push(s);
                r.extend_from_slice(&0i32.to_be_bytes());
            }
            Ok(r)
        }
        // Requests inet_drv serves that this driver does not implement (connect,
        // statistics, interfaces, services, accept, listen, recv, shutdown, ...).
        3 | 9 | 11 | 13 | 17..=23 | 25..=30 => Err("enotsup"),
        42..=44 if d.kind == Kind::Tcp => Err("enotsup"),
        60 if d.kind == Kind::Udp => Err("enotsup"),
        _ => Err("exbadport"),
    }
}

fn fd(d: &Desc) -> Result<RawFd, &'static str> {
    d.sock.as_ref().map(AsRawFd::as_raw_fd).ok_or("ebadf")
}

fn open(d: &mut Desc, data: &[u8]) -> Reply {
    if d.sock.is_some() {
        return Err("exbadseq");
    }
    let &[fam, ty, ..] = data else {
        return Err("einval");
    };
    let af = match fam {
        AF_INET => libc::AF_INET,
        AF_INET6 => libc::AF_INET6,
        _ => return Err("eafnosupport"),
    };
    let st = match (d.kind, ty) {
        (Kind::Udp, TYPE_DGRAM) => libc::SOCK_DGRAM,
        (Kind::Tcp, TYPE_STREAM) => libc::SOCK_STREAM,
        (Kind::Udp, _) => return Err("eprotonosupport"),
        (Kind::Tcp, _) => return Err("einval"),
    };
    // SAFETY: socket(2) takes no pointers; a result >= 0 is a new descriptor.
    let s = unsafe { libc::socket(af, st | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK, 0) };
    if s < 0 {
        return Err(errno_name(last_errno()));
    }
    // SAFETY: `s` was just returned by socket(2) and nothing else owns it.
    d.sock = Some(unsafe { OwnedFd::from_raw_fd(s) });
    d.family = fam;
    Ok(Vec::new())
}

/// `[Family, Port:16, Addr...]`: binds the socket; the reply is the port it got.
fn bind(d: &mut Desc, data: &[u8]) -> Reply {
    let fd = fd(d)?;
    let &[fam, p1, p0, ref addr @ ..] = data else {
        return Err("einval");
    };
    let port = u16::from_be_bytes([p1, p0]);
    let ip: Vec<u8> = match (fam, d.family) {
        (AF_INET, _) if addr.len() >= 4 => addr[..4].to_vec(),
        (AF_INET6, _) if addr.len() >= 16 => addr[..16].to_vec(),
        (AF_ANY, AF_INET6) => vec![0; 16],
        (AF_ANY, _) => vec![0; 4],
        (AF_LOOPBACK, AF_INET6) => std::net::Ipv6Addr::LOCALHOST.octets().to_vec(),
        (AF_LOOPBACK, _) => vec![127, 0, 0, 1],
        _ => return Err("einval"),
    };
    with_sockaddr(port, &ip, |sa, len| {
        // SAFETY: `sa` points at a sockaddr of `len` bytes built by with_sockaddr.
        let r = unsafe { libc::bind(fd, sa, len) };
        if r < 0 {
            Err(errno_name(last_errno()))
        } else {
            Ok(())
        }
    })?;
    d.bound = true;
    let (_, port, _) = address(fd, false).map_err(errno_name)?;
    Ok(port.to_be_bytes().to_vec())
}

/// Calls `f` with a sockaddr for `ip` (4 or 16 bytes) and `port`.
fn with_sockaddr<R>(
    port: u16,
    ip: &[u8],
    f: impl FnOnce(*const libc::sockaddr, socklen_t) -> R,
) -> R {
    if let Ok(a) = <[u8; 4]>::try_from(ip) {
        // SAFETY: sockaddr_in is plain data: all zeroes is a valid value.
        let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_port = port.to_be();
        sin.sin_addr.s_addr = u32::from_ne_bytes(a);
        let len = std::mem::size_of::<libc::sockaddr_in>() as socklen_t;
        f((&sin as *const libc::sockaddr_in).cast(), len)
    } else {
        // SAFETY: sockaddr_in6 is plain data: all zeroes is a valid value.
        let mut sin6: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
        sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
        sin6.sin6_port = port.to_be();
        let mut a = [0u8; 16];
        a.copy_from_slice(&ip[..16.min(ip.len())]);
        sin6.sin6_addr.s6_addr = a;
        let len = std::mem::size_of::<libc::sockaddr_in6>() as socklen_t;
        f((&sin6 as *const libc::sockaddr_in6).cast(), len)
    }
}

/// The socket's own (or its peer's) address: prim_inet's family code, port, address.
fn address(fd: RawFd, peer: bool) -> Result<(u8, u16, Vec<u8>), i32> {
    // SAFETY: sockaddr_storage is plain data: all zeroes is a valid value.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as socklen_t;
    let sa = (&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    // SAFETY: `sa` and `len` are valid for writes and `len` is the storage's size.
    let r = unsafe {
        if peer {
            libc::getpeername(fd, sa, &mut len)
        } else {
            libc::getsockname(fd, sa, &mut len)
        }
    };
    if r < 0 {
        return Err(last_errno());
    }
    match c_int::from(ss.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in, which it can.
            let sin =
                unsafe { &*(&ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = sin.sin_addr.s_addr.to_ne_bytes().to_vec();
            Ok((AF_INET, u16::from_be(sin.sin_port), ip))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6, which it can.
            let sin6 =
                unsafe { &*(&ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Ok((
                AF_INET6,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_addr.s6_addr.to_vec(),
            ))
        }
        _ => Err(libc::EAFNOSUPPORT),
    }
}

/// How the driver treats an option code (`INET_OPT_*`, `INET_LOPT_*`).
enum Opt {
    /// A socket option: setsockopt/getsockopt with an int.
    Sock(c_int, c_int),
    Linger,
    /// A driver option, with its default.
    Local(i32),
    /// Not for this kind of socket: `getopts` leaves it out, `setopts` ignores it.
    Skip,
    Invalid,
    NotImplemented,
}

fn classify(d: &Desc, code: u8) -> Opt {
    use libc::{IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, SOL_SOCKET};
    let tcp = d.kind == Kind::Tcp;
    match code {
        0 => Opt::Sock(SOL_SOCKET, libc::SO_REUSEADDR),
        1 => Opt::Sock(SOL_SOCKET, libc::SO_KEEPALIVE),
        2 => Opt::Sock(SOL_SOCKET, libc::SO_DONTROUTE),
        3 => Opt::Linger,
        4 => Opt::Sock(SOL_SOCKET, libc::SO_BROADCAST),
        5 => Opt::Sock(SOL_SOCKET, libc::SO_OOBINLINE),
        6 => Opt::Sock(SOL_SOCKET, libc::SO_SNDBUF),
        7 => Opt::Sock(SOL_SOCKET, libc::SO_RCVBUF),
        8 => Opt::Sock(SOL_SOCKET, libc::SO_PRIORITY),
        9 => Opt::Sock(IPPROTO_IP, libc::IP_TOS),
        10 if tcp => Opt::Sock(IPPROTO_TCP, libc::TCP_NODELAY),
        10 => Opt::Skip,
        12 => Opt::Sock(IPPROTO_IP, libc::IP_MULTICAST_TTL),
        13 => Opt::Sock(IPPROTO_IP, libc::IP_MULTICAST_LOOP),
        16 if d.family == AF_INET6 => Opt::Sock(IPPROTO_IPV6, libc::IPV6_V6ONLY),
        16 => Opt::Skip,
        // multicast_if, add/drop_membership, raw, netns, line_delim.
        11 | 14 | 15 | 34 | 38 | 40 => Opt::NotImplemented,
        17..=19 | 29 => Opt::Invalid,
        // buffer, header, active, packet, mode, deliver, exit_on_close.
        20 => Opt::Local(1460),
        21..=24 => Opt::Local(0),
        25 | 26 => Opt::Local(1),
        27 if tcp => Opt::Local(8192),
        28 if tcp => Opt::Local(4096),
        30 if tcp => Opt::Local(-1),
        31 | 35 | 39 if tcp => Opt::Local(0),
        32 => Opt::Local(0),
        33 if !tcp => Opt::Local(5),
        36 => Opt::Local(8192),
        37 => Opt::Local(4096),
        27..=39 => Opt::Skip,
        _ => Opt::Invalid,
    }
}

fn int32(b: &[u8]) -> i32 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// `[Code, Value:32 ...]` (linger: two values).
fn setopts(d: &mut Desc, data: &[u8]) -> Result<(), &'static str> {
    let mut rest = data;
    while rest.len() >= 5 {
        let (code, v) = (rest[0], int32(&rest[1..5]));
        rest = &rest[5..];
        match classify(d, code) {
            Opt::Sock(level, name) => {
                set_int(fd(d)?, level, name, v).map_err(errno_name)?;
                if code == 7 && !d.buffer_set {
                    // As inet_drv: a larger `recbuf` raises the driver's `buffer` (to
                    // at most 64 kB for UDP) unless `buffer` was set.
                    let v = if d.kind == Kind::Udp { v.min(65536) } else { v };
                    let cur = d.local.get(&20).copied().unwrap_or(1460);
                    d.local.insert(20, cur.max(v));
                }
            }
            Opt::Linger => {
                if rest.len() < 4 {
                    return Err("einval");
                }
                let l = libc::linger {
                    l_onoff: v,
                    l_linger: int32(&rest[..4]),
                };
                rest = &rest[4..];
                setsockopt(fd(d)?, libc::SOL_SOCKET, libc::SO_LINGER, &l).map_err(errno_name)?;
            }
            Opt::Local(_) => {
                d.local.insert(code, v);
                d.buffer_set |= code == 20;
            }
            Opt::Skip => {}
            Opt::Invalid => return Err("einval"),
            Opt::NotImplemented => return Err("enotsup"),
        }
    }
    Ok(())
}

/// `[Code ...]`: `[Code, Value:32 ...]` for each (linger: two values).
fn getopts(d: &Desc, data: &[u8]) -> Reply {
    let mut r = Vec::new();
    for &code in data {
        match classify(d, code) {
            Opt::Sock(level, name) => {
                let v = get_int(fd(d)?, level, name).map_err(errno_name)?;
                r.push(code);
                r.extend_from_slice(&v.to_be_bytes());
            }
            Opt::Linger => {
                let mut l = libc::linger {
                    l_onoff: 0,
                    l_linger: 0,
                };
                getsockopt(fd(d)?, libc::SOL_SOCKET, libc::SO_LINGER, &mut l)
                    .map_err(errno_name)?;
                r.push(code);
                r.extend_from_slice(&l.l_onoff.to_be_bytes());
                r.extend_from_slice(&l.l_linger.to_be_bytes());
            }
            Opt::Local(default) => {
                let v = d.local.get(&code).copied().unwrap_or(default);
                r.push(code);
                r.extend_from_slice(&v.to_be_bytes());
            }
            // inet_drv leaves out options that are not for this socket and codes past
            // its table.
            Opt::Skip => {}
            Opt::Invalid if code > 40 => {}
            Opt::Invalid => return Err("einval"),
            Opt::NotImplemented => return Err("enotsup"),
        }
    }
    Ok(r)
}

fn set_int(fd: RawFd, level: c_int, name: c_int, v: i32) -> Result<(), i32> {
    setsockopt(fd, level, name, &v)
}

fn get_int(fd: RawFd, level: c_int, name: c_int) -> Result<i32, i32> {
    let mut v: c_int = 0;
    getsockopt(fd, level, name, &mut v)?;
    Ok(v)
}

/// setsockopt(2) with a plain-data value `T` (an int or a linger).
fn setsockopt<T: Copy>(fd: RawFd, level: c_int, name: c_int, v: &T) -> Result<(), i32> {
    let len = std::mem::size_of::<T>() as socklen_t;
    // SAFETY: `v` points at `len` readable bytes for the call's duration.
    let r = unsafe { libc::setsockopt(fd, level, name, (v as *const T).cast::<c_void>(), len) };
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(())
    }
}

/// getsockopt(2) into a plain-data value `T` (an int or a linger).
fn getsockopt<T: Copy>(fd: RawFd, level: c_int, name: c_int, v: &mut T) -> Result<(), i32> {
    let mut len = std::mem::size_of::<T>() as socklen_t;
    // SAFETY: `v` points at `len` writable bytes and `len` is valid for writes.
    let r = unsafe { libc::getsockopt(fd, level, name, (v as *mut T).cast::<c_void>(), &mut len) };
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(())
    }
}

/// gethostname(2).
fn hostname() -> Result<Vec<u8>, i32> {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is valid for writes of its length.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if r < 0 {
        return Err(last_errno());
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(buf[..end].to_vec())
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// erts' `erl_errno_id`: the lower-case name of an errno value.
fn errno_name(e: i32) -> &'static str {
    const NAMES: &[(c_int, &str)] = &[
        (libc::EPERM, "eperm"),
        (libc::ENOENT, "enoent"),
        (libc::EINTR, "eintr"),
        (libc::EBADF, "ebadf"),
        (libc::EAGAIN, "eagain"),
        (libc::ENOMEM, "enomem"),
        (libc::EACCES, "eacces"),
        (libc::EFAULT, "efault"),
        (libc::EINVAL, "einval"),
        (libc::ENFILE, "enfile"),
        (libc::EMFILE, "emfile"),
        (libc::ENAMETOOLONG, "enametoolong"),
        (libc::ENOTSOCK, "enotsock"),
        (libc::EDESTADDRREQ, "edestaddrreq"),
        (libc::EMSGSIZE, "emsgsize"),
        (libc::EPROTOTYPE, "eprototype"),
        (libc::ENOPROTOOPT, "enoprotoopt"),
        (libc::EPROTONOSUPPORT, "eprotonosupport"),
        (libc::ESOCKTNOSUPPORT, "esocktnosupport"),
        (libc::EOPNOTSUPP, "eopnotsupp"),
        (libc::EAFNOSUPPORT, "eafnosupport"),
        (libc::EADDRINUSE, "eaddrinuse"),
        (libc::EADDRNOTAVAIL, "eaddrnotavail"),
        (libc::ENETDOWN, "enetdown"),
        (libc::ENETUNREACH, "enetunreach"),
        (libc::ECONNABORTED, "econnaborted"),
        (libc::ECONNRESET, "econnreset"),
        (libc::ENOBUFS, "enobufs"),
        (libc::EISCONN, "eisconn"),
        (libc::ENOTCONN, "enotconn"),
        (libc::ETIMEDOUT, "etimedout"),
        (libc::ECONNREFUSED, "econnrefused"),
        (libc::EHOSTUNREACH, "ehostunreach"),
    ];
    NAMES
        .iter()
        .find(|(c, _)| *c == e)
        .map_or("unknown", |&(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctl(n: u32, req: u32, data: &[u8]) -> Vec<u8> {
        control(n, MAGIC + req, data).expect("an inet port")
    }

    #[test]
    fn udp_open_bind_name_close() {
        opened(1, Kind::Udp);
        assert_eq!(ctl(1, REQ_NAME, &[]), b"\0ebadf");
        assert_eq!(ctl(1, REQ_SETOPTS, &[]), [1]);
        assert_eq!(ctl(1, REQ_OPEN, &[1, 2, 0]), [1]);
        assert_eq!(ctl(1, REQ_OPEN, &[1, 2]), b"\0exbadseq");
        assert_eq!(ctl(1, REQ_NAME, &[]), [1, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ctl(1, REQ_SETOPTS, &[7, 0, 0, 32, 0, 22, 0, 0, 0, 1]), [1]);
        assert_eq!(ctl(1, REQ_GETOPTS, &[22, 10, 41]), [1, 22, 0, 0, 0, 1]);
        // recbuf 8192 raised buffer from its default 1460; 100000 only to 64 kB.
        assert_eq!(ctl(1, REQ_GETOPTS, &[20]), [1, 20, 0, 0, 32, 0]);
        assert_eq!(ctl(1, REQ_SETOPTS, &[7, 0, 1, 134, 160]), [1]);
        assert_eq!(ctl(1, REQ_GETOPTS, &[20]), [1, 20, 0, 1, 0, 0]);
        let r = ctl(1, REQ_BIND, &[1, 0, 0, 127, 0, 0, 1]);
        assert_eq!((r.len(), r[0]), (3, 1));
        let name = ctl(1, REQ_NAME, &[]);
        assert_eq!(name, [&[1, 1][..], &r[1..], &[127, 0, 0, 1]].concat());
        assert_eq!(ctl(1, REQ_GETOPTS, &[3]), [1, 3, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ctl(1, REQ_SUBSCRIBE, &[1]), [1, 1, 0, 0, 0, 0]);
        assert_eq!(ctl(1, REQ_PEER, &[]), b"\0enotconn");
        assert_eq!(ctl(1, REQ_GETOPTS, &[17]), b"\0einval");
        assert_eq!(ctl(1, REQ_SETOPTS, &[200, 0, 0, 0, 0]), b"\0einval");
        assert_eq!(ctl(1, 99, &[]), b"\0exbadport");
        assert_eq!(ctl(1, REQ_CLOSE, &[]), [1]);
        assert_eq!(ctl(1, REQ_NAME, &[]), b"\0ebadf");
        closed(1);
        assert_eq!(control(1, MAGIC + REQ_NAME, &[]), None);
    }

    #[test]
    fn open_errors_and_hostname() {
        opened(2, Kind::Tcp);
        assert_eq!(ctl(2, REQ_OPEN, &[9, 1]), b"\0eafnosupport");
        assert_eq!(ctl(2, REQ_OPEN, &[1, 2]), b"\0einval");
        assert_eq!(ctl(2, REQ_OPEN, &[1]), b"\0einval");
        let h = ctl(2, REQ_GETHOSTNAME, &[]);
        assert_eq!(h[0], 1);
        assert!(h.len() > 1);
        assert_eq!(control(2, 5, &[]).as_deref(), Some(&b"\0exbadport"[..]));
        closed(2);
        opened(3, Kind::Udp);
        assert_eq!(ctl(3, REQ_OPEN, &[1, 1]), b"\0eprotonosupport");
        closed(3);
    }
}
