//! `erlang:decode_packet/3`: the packet framing of `inet`'s `{packet, Type}` applied to a
//! binary, as OTP 25's erts does it (erl_bif_port.c `decode_packet_3` over
//! packet_parser.c; restated from their behaviour, checked against erl by
//! tests/erlang/bif_fuzz/bif_fuzz1.erl and tests/erlang/decode_packet.erl).
//!
//! The packet length comes first (`packet_get_length`): a header of 1, 2 or 4 bytes, a
//! Sun RM record mark, an ASN.1 BER tag and length, a CORBA GIOP (`cdr`), FastCGI or
//! TPKT header, a line, or an HTTP line (a header line followed by continuation lines).
//! `{more, Len | undefined}` when the binary is shorter, `{error, invalid}` for a bad
//! header or a packet over `packet_size`. A whole packet is returned as `{ok, Body,
//! Rest}`: the body without its 1/2/4-byte header (and without FastCGI padding), or for
//! the HTTP types parsed into `http_request`, `http_response`, `http_header`, `http_eoh`
//! or `http_error` terms (strings as lists, or binaries for `http_bin`/`httph_bin`).

use beam_runtime::construct;
use beam_runtime::ops::view;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, Bif, BifCx, Raise};

pub static ERLANG: &[Bif] = &[Bif {
    name: "decode_packet",
    arity: 3,
    f: decode_packet,
}];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Type {
    Raw,
    One,
    Two,
    Four,
    Asn1,
    SunRm,
    Cdr,
    Fcgi,
    Line,
    Tpkt,
    /// HTTP: `header` (start in header state), `bin` (strings as binaries).
    Http {
        header: bool,
        bin: bool,
    },
    SslTls,
}

fn badarg() -> Raise {
    error("badarg")
}

fn packet_type(t: Term) -> Option<Type> {
    if let Some(n) = t.small_value() {
        return match n {
            0 => Some(Type::Raw),
            1 => Some(Type::One),
            2 => Some(Type::Two),
            4 => Some(Type::Four),
            _ => None,
        };
    }
    let http = |header, bin| Some(Type::Http { header, bin });
    match beam_runtime::atom::name(t)?.as_str() {
        "raw" => Some(Type::Raw),
        "asn1" => Some(Type::Asn1),
        "sunrm" => Some(Type::SunRm),
        "cdr" => Some(Type::Cdr),
        "fcgi" => Some(Type::Fcgi),
        "line" => Some(Type::Line),
        "tpkt" => Some(Type::Tpkt),
        "http" => http(false, false),
        "httph" => http(true, false),
        "http_bin" => http(false, true),
        "httph_bin" => http(true, true),
        "ssl_tls" => Some(Type::SslTls),
        _ => None,
    }
}

/// The options: `packet_size` and `line_length` (0..2^32-1; 0 is no limit) and, for
/// `line` only, `line_delimiter` (a byte).
struct Opts {
    max_plen: u32,
    trunc_len: u32,
    delimiter: u8,
}

fn options(t: Term, ty: Type) -> Result<Opts, Raise> {
    let mut o = Opts {
        max_plen: 0,
        trunc_len: 0,
        delimiter: b'\n',
    };
    let (items, tail) = construct::list_elements(t).ok_or_else(badarg)?;
    if tail != Term::NIL {
        return Err(badarg());
    }
    for item in items {
        let p = construct::tuple_elements(item).ok_or_else(badarg)?;
        let [tag, v] = p[..] else {
            return Err(badarg());
        };
        let v = match view::number(v).map_err(|_| badarg())? {
            view::Num::Int(n) => u32::try_from(n).ok(),
            view::Num::Big(b) => u32::try_from(b).ok(),
            view::Num::Float(_) => None,
        }
        .ok_or_else(badarg)?;
        match beam_runtime::atom::name(tag).as_deref() {
            Some("packet_size") => o.max_plen = v,
            Some("line_length") => o.trunc_len = v,
            Some("line_delimiter") if ty == Type::Line && v <= 255 => o.delimiter = v as u8,
            _ => return Err(badarg()),
        }
    }
    Ok(o)
}

/// What `packet_get_length` found.
enum Len {
    /// A whole packet needs this many bytes (maybe more than there are).
    Packet(usize),
    /// Not enough bytes to tell.
    More,
    Invalid,
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0, |a, &x| a << 8 | u64::from(x))
}

/// A header of `hlen` bytes announcing `plen` more (erts rejects totals past `INT_MAX`).
fn remain(hlen: usize, plen: u64, max_plen: u32) -> Len {
    let max = if max_plen == 0 {
        i32::MAX as u64 - hlen as u64
    } else {
        u64::from(max_plen)
    };
    if plen > max {
        Len::Invalid
    } else {
        Len::Packet(hlen + plen as usize)
    }
}

fn packet_length(ty: Type, b: &[u8], o: &Opts, header_state: bool) -> Len {
    let n = b.len();
    match ty {
        Type::Raw => {
            if n == 0 {
                Len::More
            } else {
                Len::Packet(n)
            }
        }
        Type::One | Type::Two | Type::Four | Type::SunRm => {
            let hlen = match ty {
                Type::One => 1,
                Type::Two => 2,
                _ => 4,
            };
            if n < hlen {
                return Len::More;
            }
            let mut plen = be(&b[..hlen]);
            if ty == Type::SunRm {
                plen &= 0x7fff_ffff;
            }
            remain(hlen, plen, o.max_plen)
        }
        Type::Line => line_length(b, o),
        Type::Asn1 => asn1_length(b, o),
        Type::Cdr => {
            if n < 12 {
                return Len::More;
            }
            if &b[..4] != b"GIOP" {
                return Len::Invalid;
            }
            let size = [b[8], b[9], b[10], b[11]];
            let plen = if b[6] & 1 != 0 {
                u32::from_le_bytes(size)
            } else {
                u32::from_be_bytes(size)
            };
            remain(12, u64::from(plen), o.max_plen)
        }
        Type::Fcgi => {
            if n < 8 {
                return Len::More;
            }
            if b[0] != 1 {
                return Len::Invalid;
            }
            let plen = be(&b[4..6]) + u64::from(b[6]);
            remain(8, plen, o.max_plen)
        }
        Type::Tpkt => {
            if n < 4 {
                return Len::More;
            }
            if b[0] != 3 {
                return Len::Invalid;
            }
            // An unsigned subtraction in erts: a length under 4 wraps and is too big.
            let plen = (be(&b[2..4]) as u32).wrapping_sub(4);
            remain(4, u64::from(plen), o.max_plen)
        }
        Type::SslTls => {
            if n < 5 {
                return Len::More;
            }
            let plen = if b[0] & 0x80 != 0 && b[2] == 1 {
                (be(&b[0..2]) as u32 & 0x7fff).wrapping_sub(3)
            } else {
                be(&b[3..5]) as u32
            };
            remain(5, u64::from(plen), o.max_plen)
        }
        Type::Http { .. } => http_length(b, o, header_state),
    }
}

fn line_length(b: &[u8], o: &Opts) -> Len {
    let (n, max, trunc) = (b.len(), o.max_plen as usize, o.trunc_len as usize);
    match b.iter().position(|&c| c == o.delimiter) {
        None => {
            if max != 0 && n > max {
                Len::Invalid
            } else if trunc != 0 && n >= trunc {
                Len::Packet(trunc)
            } else {
                Len::More
            }
        }
        Some(i) => {
            let len = i + 1;
            if max != 0 && len > max {
                Len::Invalid
            } else if trunc != 0 && len > trunc {
                Len::Packet(trunc)
            } else {
                Len::Packet(len)
            }
        }
    }
}

fn asn1_length(b: &[u8], o: &Opts) -> Len {
    let n = b.len();
    if n < 2 {
        return Len::More;
    }
    let mut nn = n - 1;
    let mut t = 1;
    if b[0] & 0x1f == 0x1f {
        // Long tag: continuation bytes, then the last tag byte.
        while nn > 0 && b[t] & 0x80 != 0 {
            t += 1;
            nn -= 1;
        }
        if nn < 2 {
            return Len::More;
        }
        t += 1;
        nn -= 1;
    }
    let length = usize::from(b[t] & 0x7f);
    let plen;
    if b[t] & 0x80 != 0 {
        t += 1;
        nn -= 1;
        if nn < length {
            return Len::More;
        }
        if length > 4 {
            return Len::Invalid;
        }
        plen = be(&b[t..t + length]);
        t += length;
    } else {
        t += 1;
        plen = length as u64;
    }
    remain(t, plen, o.max_plen)
}

fn is_sp(c: Option<&u8>) -> bool {
    matches!(c, Some(b' ' | b'\t'))
}

/// An HTTP line; in header state, with the continuation lines (starting with a space or
/// tab) that follow, so a header line at the very end of the data needs more.
fn http_length(b: &[u8], o: &Opts, header_state: bool) -> Len {
    let n = b.len();
    if (n == 1 && b[0] == b'\n') || (n == 2 && b == b"\r\n") {
        return Len::Packet(n);
    }
    // `line_length` stands in for a missing `packet_size` (old decode_packet users).
    let max = if o.max_plen == 0 {
        o.trunc_len as usize
    } else {
        o.max_plen as usize
    };
    let mut from = 0;
    loop {
        let Some(i) = b[from..].iter().position(|&c| c == b'\n') else {
            if max != 0 && n >= max {
                return Len::Invalid;
            }
            return Len::More;
        };
        let plen = from + i + 1;
        if max != 0 && plen > max {
            return Len::Invalid;
        }
        if !header_state {
            return Len::Packet(plen);
        }
        if plen < n {
            if is_sp(b.get(plen)) && plen > 2 {
                from = plen;
            } else {
                return Len::Packet(plen);
            }
        } else {
            return Len::More;
        }
    }
}

fn decode_packet(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let bin = view::bits(a[1]).map_err(|_| badarg())?;
    if !(a[2].is_list() || a[2] == Term::NIL) {
        return Err(badarg());
    }
    let ty = packet_type(a[0]).ok_or_else(badarg)?;
    let o = options(a[2], ty)?;
    // Whole bytes only; trailing bits stay with the rest.
    let whole = (bin.bits / 8) as usize;
    let b = &bin.bytes[..whole];
    let header_state = matches!(ty, Type::Http { header: true, .. });
    let len = match packet_length(ty, b, &o, header_state) {
        Len::Invalid => return tuple(c, &[atom("error"), atom("invalid")]),
        Len::More => return tuple(c, &[atom("more"), atom("undefined")]),
        Len::Packet(l) if l > whole => {
            let l = crate::bifs::int_term(c, &num_bigint::BigInt::from(l))?;
            return tuple(c, &[atom("more"), l]);
        }
        Len::Packet(l) => l,
    };
    let packet = &b[..len];
    let body = match ty {
        Type::One => bytes(c, &packet[1..])?,
        Type::Two => bytes(c, &packet[2..])?,
        Type::Four => bytes(c, &packet[4..])?,
        Type::Fcgi => bytes(c, &packet[..len - usize::from(packet[6])])?,
        Type::Http { bin, .. } => {
            let s = Strings { bin };
            match parse_http(c, packet, header_state, s)? {
                Some(t) => t,
                None => {
                    let line = s.make(c, packet)?;
                    tuple(c, &[atom("http_error"), line])?
                }
            }
        }
        Type::SslTls => ssl_tls(c, packet)?,
        _ => bytes(c, packet)?,
    };
    let rest = view::make_bits(&mut c.heap, &bin.bytes[len..], bin.bits - 8 * len as u64)
        .map_err(heap_err)?;
    tuple(c, &[atom("ok"), body, rest])
}

fn tuple(c: &mut BifCx<'_>, items: &[Term]) -> Result<Term, Raise> {
    construct::tuple(&mut c.heap, items).map_err(heap_err)
}

fn bytes(c: &mut BifCx<'_>, b: &[u8]) -> Result<Term, Raise> {
    view::make_bits(&mut c.heap, b, b.len() as u64 * 8).map_err(heap_err)
}

/// `{ssl_tls, [], ContentType, {Major, Minor}, Body}`; an SSL 2 client hello's body gets
/// the `<<1, Len:24>>` prefix erts puts before it.
fn ssl_tls(c: &mut BifCx<'_>, p: &[u8]) -> Result<Term, Raise> {
    let (ty, major, minor, body) = if p[0] & 0x80 != 0 && p[2] == 1 {
        let len = (p.len() - 3) as u32;
        let mut body = vec![1, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        body.extend_from_slice(&p[3..]);
        (22, p[3], p[4], body)
    } else {
        (p[0], p[1], p[2], p[5..].to_vec())
    };
    let version = tuple(c, &[small(i64::from(major)), small(i64::from(minor))])?;
    let body = bytes(c, &body)?;
    tuple(
        c,
        &[
            atom("ssl_tls"),
            Term::NIL,
            small(i64::from(ty)),
            version,
            body,
        ],
    )
}

/// Strings of the HTTP terms: lists of bytes, or binaries for `http_bin`/`httph_bin`.
#[derive(Clone, Copy)]
struct Strings {
    bin: bool,
}

impl Strings {
    fn make(self, c: &mut BifCx<'_>, s: &[u8]) -> Result<Term, Raise> {
        if self.bin {
            return bytes(c, s);
        }
        let items: Vec<Term> = s.iter().map(|&b| small(i64::from(b))).collect();
        construct::list(&mut c.heap, &items).map_err(heap_err)
    }
}

const METHODS: &[&str] = &["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE"];

/// erts' known header fields: `{http_header, Index + 1, 'Atom', ...}`.
const HEADERS: &[&str] = &[
    "Cache-Control",
    "Connection",
    "Date",
    "Pragma",
    "Transfer-Encoding",
    "Upgrade",
    "Via",
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Authorization",
    "From",
    "Host",
    "If-Modified-Since",
    "If-Match",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Max-Forwards",
    "Proxy-Authorization",
    "Range",
    "Referer",
    "User-Agent",
    "Age",
    "Location",
    "Proxy-Authenticate",
    "Public",
    "Retry-After",
    "Server",
    "Vary",
    "Warning",
    "Www-Authenticate",
    "Allow",
    "Content-Base",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Location",
    "Content-Md5",
    "Content-Range",
    "Content-Type",
    "Etag",
    "Expires",
    "Last-Modified",
    "Accept-Ranges",
    "Set-Cookie",
    "Set-Cookie2",
    "X-Forwarded-For",
    "Cookie",
    "Keep-Alive",
    "Proxy-Connection",
];

/// Longest header name erts case-normalizes and looks up.
const MAX_NAME_LEN: usize = 50;

/// Token characters: printable ASCII except the HTTP separators.
fn is_tspecial(c: u8) -> bool {
    !(33..128).contains(&c) || b"()<>@,;:\\\"/[]?={} \t".contains(&c)
}

/// Digits from `*i`, as erts accumulates them (in an `int`).
fn digits(p: &[u8], i: &mut usize) -> (i64, bool) {
    let start = *i;
    let mut v: i64 = 0;
    while *i < p.len() && p[*i].is_ascii_digit() {
        v = (10 * v + i64::from(p[*i] - b'0')) as i32 as i64;
        *i += 1;
    }
    (v, *i > start)
}

fn skip_sp(p: &[u8], i: &mut usize) -> bool {
    let start = *i;
    while is_sp(p.get(*i)) {
        *i += 1;
    }
    *i > start
}

/// `HTTP/Major.Minor` from `*i` (after the `HTTP/`).
fn version(p: &[u8], i: &mut usize) -> Option<(i64, i64)> {
    let (major, ok) = digits(p, i);
    if !ok || p.get(*i) != Some(&b'.') {
        return None;
    }
    *i += 1;
    let (minor, ok) = digits(p, i);
    ok.then_some((major, minor))
}

/// The term of one HTTP line (`packet_parse_http`), `None` for what erts reports as
/// `http_error`.
fn parse_http(
    c: &mut BifCx<'_>,
    packet: &[u8],
    header_state: bool,
    s: Strings,
) -> Result<Option<Term>, Raise> {
    let mut n = packet.len();
    if n >= 2 && packet[n - 2] == b'\r' {
        n -= 2;
    } else if n >= 1 && packet[n - 1] == b'\n' {
        n -= 1;
    }
    let p = &packet[..n];
    if header_state {
        return http_header(c, p, s);
    }
    let mut i = 0;
    if p.starts_with(b"HTTP/") {
        i = 5;
        let Some((major, minor)) = version(p, &mut i) else {
            return Ok(None);
        };
        if !skip_sp(p, &mut i) {
            return Ok(None);
        }
        let (status, _) = digits(p, &mut i);
        if !skip_sp(p, &mut i) && i < n {
            return Ok(None);
        }
        let ver = tuple(c, &[small(major), small(minor)])?;
        let phrase = s.make(c, &p[i..])?;
        return tuple(c, &[atom("http_response"), ver, small(status), phrase]).map(Some);
    }
    while i < n && !is_tspecial(p[i]) {
        i += 1;
    }
    let meth = &p[..i];
    if i == n || meth.is_empty() || !is_sp(p.get(i)) {
        return Ok(None);
    }
    skip_sp(p, &mut i);
    let uri_start = i;
    while i < n && !is_sp(p.get(i)) {
        i += 1;
    }
    let uri = &p[uri_start..i];
    if uri.is_empty() {
        return Ok(None);
    }
    skip_sp(p, &mut i);
    let (major, minor) = if i == n {
        (0, 9)
    } else {
        if n - i < 8 || !p[i..].starts_with(b"HTTP/") {
            return Ok(None);
        }
        i += 5;
        match version(p, &mut i) {
            Some(v) => v,
            None => return Ok(None),
        }
    };
    let meth = match METHODS.iter().find(|m| m.as_bytes() == meth) {
        Some(m) => atom(m),
        None => s.make(c, meth)?,
    };
    let uri = http_uri(c, uri, s)?;
    let ver = tuple(c, &[small(major), small(minor)])?;
    tuple(c, &[atom("http_request"), meth, uri, ver]).map(Some)
}

/// `'*'`, `{abs_path, Path}`, `{absoluteURI, http | https, Host, Port, Path}`,
/// `{scheme, Scheme, Rest}` or the string itself.
fn http_uri(c: &mut BifCx<'_>, u: &[u8], s: Strings) -> Result<Term, Raise> {
    if u == b"*" {
        return Ok(atom("*"));
    }
    if u.len() <= 1 || u[0] == b'/' {
        let path = s.make(c, u)?;
        return tuple(c, &[atom("abs_path"), path]);
    }
    let lower: Vec<u8> = u.iter().take(8).map(u8::to_ascii_lowercase).collect();
    let scheme = if lower.starts_with(b"http://") {
        Some(("http", 7))
    } else if lower.starts_with(b"https://") {
        Some(("https", 8))
    } else {
        None
    };
    if let Some((name, skip)) = scheme {
        // host [":" port] [path]; OTP 25 takes the host up to the first ':'.
        let rest = &u[skip..];
        let (hostport, path): (&[u8], &[u8]) = match rest.iter().position(|&c| c == b'/') {
            Some(k) => (&rest[..k], &rest[k..]),
            None => (rest, b"/"),
        };
        let (host, port) = match hostport.iter().position(|&c| c == b':') {
            None => (hostport, atom("undefined")),
            Some(k) => {
                let digits_part = &hostport[k + 1..];
                let mut j = 0;
                let (v, _) = digits(digits_part, &mut j);
                let port = if j == digits_part.len() && v != 0 {
                    small(v)
                } else {
                    atom("undefined")
                };
                (&hostport[..k], port)
            }
        };
        let host = s.make(c, host)?;
        let path = s.make(c, path)?;
        return tuple(c, &[atom("absoluteURI"), atom(name), host, port, path]);
    }
    match u.iter().position(|&c| c == b':') {
        None => s.make(c, u),
        Some(k) => {
            let scheme = s.make(c, &u[..k])?;
            let rest = s.make(c, &u[k + 1..])?;
            tuple(c, &[atom("scheme"), scheme, rest])
        }
    }
}

/// `http_eoh` or `{http_header, Index, Name, OriginalName, Value}`.
fn http_header(c: &mut BifCx<'_>, p: &[u8], s: Strings) -> Result<Option<Term>, Raise> {
    if p.is_empty() {
        return Ok(Some(atom("http_eoh")));
    }
    let mut name = Vec::new();
    let mut up = true;
    let mut i = 0;
    while !is_tspecial(p[i]) {
        let mut ch = p[i];
        if up {
            ch = ch.to_ascii_uppercase();
            up = false;
        } else if ch.is_ascii_uppercase() {
            ch = ch.to_ascii_lowercase();
        } else if ch == b'-' {
            up = true;
        }
        name.push(ch);
        i += 1;
        if i == p.len() {
            return Ok(None);
        }
    }
    if p[i] != b':' {
        return Ok(None);
    }
    let original = &p[..i];
    let known = (name.len() <= MAX_NAME_LEN)
        .then(|| HEADERS.iter().position(|h| h.as_bytes() == name))
        .flatten();
    let (index, name) = match known {
        Some(k) => (small(k as i64 + 1), atom(HEADERS[k])),
        // Over 50 characters erts keeps the name as it was written.
        None if name.len() > MAX_NAME_LEN => (small(0), s.make(c, original)?),
        None => (small(0), s.make(c, &name)?),
    };
    i += 1;
    skip_sp(p, &mut i);
    let oname = s.make(c, original)?;
    let value = s.make(c, &p[i..])?;
    tuple(c, &[atom("http_header"), index, name, oname, value]).map(Some)
}
