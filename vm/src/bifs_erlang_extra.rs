//! The remaining easy exports of `erlang`, `math` and `erts_debug` (what
//! scripts/undef-exports listed): the rest of `math`, term/binary conversions with
//! options, the node-taking spawn variants (this node only), time conversions, record
//! and port tests, and code-table queries.

use std::io::{Read, Write};

use beam_runtime::construct;
use beam_runtime::ops::{self, view};
use beam_runtime::term::Term;

use crate::bifs::{atom, boolean, error, heap_err, small, Bif, BifCx, Raise};
use crate::bifs_more::proper_list;

fn bad() -> Raise {
    error("badarg")
}

/// Calls this VM's BIF `erlang:name/arity` (or another module's).
fn call(m: &str, name: &str, c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = crate::bifs::lookup(m, name, a.len() as u32)
        .and_then(crate::bifs::get)
        .ok_or_else(|| error("undef"))?;
    (b.f)(c, a)
}

macro_rules! math1 {
    ($($name:literal => $f:expr),* $(,)?) => {
        &[$(Bif {
            name: $name,
            arity: 1,
            f: |c, a| float_out(c, ($f)(float_arg(a[0])?)),
        },)*]
    };
}

extern "C" {
    // libm's (glibc's), which erl's math:erf/erfc call too.
    fn erf(x: f64) -> f64;
    fn erfc(x: f64) -> f64;
}

fn c_erf(x: f64) -> f64 {
    // SAFETY: erf is a pure libm function of one double.
    unsafe { erf(x) }
}

fn c_erfc(x: f64) -> f64 {
    // SAFETY: erfc is a pure libm function of one double.
    unsafe { erfc(x) }
}

pub static MATH: &[Bif] = math1!(
    "acos" => f64::acos,
    "acosh" => f64::acosh,
    "asin" => f64::asin,
    "asinh" => f64::asinh,
    "atan" => f64::atan,
    "atanh" => f64::atanh,
    "cosh" => f64::cosh,
    "sinh" => f64::sinh,
    "tan" => f64::tan,
    "tanh" => f64::tanh,
    "erf" => c_erf,
    "erfc" => c_erfc,
    "floor" => f64::floor,
    "ceil" => f64::ceil,
    "log10" => f64::log10,
    "log2" => f64::log2,
);

pub static MATH2: &[Bif] = &[
    Bif {
        name: "atan2",
        arity: 2,
        f: |c, a| float_out(c, float_arg(a[0])?.atan2(float_arg(a[1])?)),
    },
    Bif {
        name: "fmod",
        arity: 2,
        f: |c, a| float_out(c, float_arg(a[0])? % float_arg(a[1])?),
    },
];

fn float_arg(t: Term) -> Result<f64, Raise> {
    let n = ops::view::number(t).map_err(|_| bad())?;
    Ok(crate::bifs::float_of(&n))
}

/// A float result; NaN or an infinity is `badarith`, as erl's math functions raise.
fn float_out(c: &mut BifCx<'_>, f: f64) -> Result<Term, Raise> {
    if !f.is_finite() {
        return Err(error("badarith"));
    }
    construct::float(&mut c.heap, f).map_err(heap_err)
}

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "binary_to_float",
        arity: 1,
        f: |c, a| {
            let l = call("erlang", "binary_to_list", c, &[a[0]])?;
            call("erlang", "list_to_float", c, &[l])
        },
    },
    Bif {
        name: "term_to_binary",
        arity: 2,
        f: term_to_binary2,
    },
    Bif {
        name: "binary_to_term",
        arity: 2,
        f: binary_to_term2,
    },
    Bif {
        name: "is_record",
        arity: 2,
        f: |_, a| is_record(a[0], a[1], None),
    },
    Bif {
        name: "is_record",
        arity: 3,
        f: |_, a| is_record(a[0], a[1], Some(a[2])),
    },
    Bif {
        name: "is_port",
        arity: 1,
        f: |_, a| Ok(boolean(a[0].is_port())),
    },
    Bif {
        name: "append",
        arity: 2,
        f: |c, a| call("erlang", "++", c, a),
    },
    Bif {
        name: "subtract",
        arity: 2,
        f: |c, a| call("erlang", "--", c, a),
    },
    // Local time is UTC in this VM (erlang:localtime/0 is universaltime/0).
    Bif {
        name: "localtime_to_universaltime",
        arity: 1,
        f: |_, a| datetime(a[0]).map(|_| a[0]),
    },
    Bif {
        name: "localtime_to_universaltime",
        arity: 2,
        f: |_, a| {
            datetime(a[0])?;
            match a[1] == atom("true") || a[1] == atom("false") || a[1] == atom("undefined") {
                true => Ok(a[0]),
                false => Err(bad()),
            }
        },
    },
    Bif {
        name: "universaltime_to_localtime",
        arity: 1,
        f: |_, a| datetime(a[0]).map(|_| a[0]),
    },
    Bif {
        name: "universaltime_to_posixtime",
        arity: 1,
        f: |c, a| {
            let s = datetime(a[0])?;
            crate::bifs::int_term(c, &s.into())
        },
    },
    Bif {
        name: "posixtime_to_universaltime",
        arity: 1,
        f: posixtime_to_universaltime,
    },
    Bif {
        name: "display_string",
        arity: 1,
        f: |_, a| {
            let s = crate::bifs_more::chars(a[0]).ok_or_else(bad)?;
            crate::bifs_io::emit_stdout(s.as_bytes());
            Ok(atom("true"))
        },
    },
    Bif {
        name: "display_nl",
        arity: 0,
        f: |_, _| {
            crate::bifs_io::emit_stdout(b"\n");
            Ok(atom("true"))
        },
    },
    Bif {
        name: "module_loaded",
        arity: 1,
        f: |_, a| {
            let m = beam_runtime::atom::name(a[0]).ok_or_else(bad)?;
            let loaded = crate::loader::with_loader(|l| Ok(l.modules.contains_key(&m)));
            Ok(boolean(loaded.unwrap_or(false) || m == "erlang"))
        },
    },
    Bif {
        name: "loaded",
        arity: 0,
        f: |c, _| {
            let mut names: Vec<String> =
                crate::loader::with_loader(|l| Ok(l.modules.keys().cloned().collect()))
                    .unwrap_or_default();
            names.sort();
            let items: Vec<Term> = names
                .iter()
                .filter_map(|n| beam_runtime::atom::intern(n).ok())
                .collect();
            construct::list(&mut c.heap, &items).map_err(heap_err)
        },
    },
    Bif {
        name: "pre_loaded",
        arity: 0,
        f: |c, _| {
            let items: Vec<Term> = PRELOADED.iter().map(|m| atom(m)).collect();
            construct::list(&mut c.heap, &items).map_err(heap_err)
        },
    },
    Bif {
        name: "is_builtin",
        arity: 3,
        f: |_, a| {
            let (m, f) = (
                beam_runtime::atom::name(a[0]).ok_or_else(bad)?,
                beam_runtime::atom::name(a[1]).ok_or_else(bad)?,
            );
            let n = a[2].small_value().filter(|&n| n >= 0).ok_or_else(bad)?;
            Ok(boolean(crate::bifs::lookup(&m, &f, n as u32).is_some()))
        },
    },
    Bif {
        name: "bump_reductions",
        arity: 1,
        f: |_, a| match a[0].small_value() {
            Some(n) if n >= 1 => Ok(atom("true")),
            _ => Err(bad()),
        },
    },
    Bif {
        name: "external_size",
        arity: 1,
        f: |_, a| external_size(a[0]),
    },
    Bif {
        name: "external_size",
        arity: 2,
        f: |_, a| {
            proper_list(a[1])?;
            external_size(a[0])
        },
    },
    Bif {
        name: "nodes",
        arity: 1,
        f: |c, a| nodes(c, a[0]),
    },
    Bif {
        name: "nodes",
        arity: 2,
        f: |c, a| nodes(c, a[0]),
    },
    Bif {
        name: "iolist_to_iovec",
        arity: 1,
        f: |c, a| {
            let b = call("erlang", "iolist_to_binary", c, a)?;
            // No empty binaries in an iovec: an empty iolist is [].
            if view::bits(b).is_ok_and(|b| b.bits == 0) {
                return Ok(Term::NIL);
            }
            construct::list(&mut c.heap, &[b]).map_err(heap_err)
        },
    },
    Bif {
        name: "term_to_iovec",
        arity: 1,
        f: |c, a| {
            let b = call("erlang", "term_to_binary", c, a)?;
            construct::list(&mut c.heap, &[b]).map_err(heap_err)
        },
    },
    Bif {
        name: "term_to_iovec",
        arity: 2,
        f: |c, a| {
            let b = term_to_binary2(c, a)?;
            construct::list(&mut c.heap, &[b]).map_err(heap_err)
        },
    },
    Bif {
        name: "nif_error",
        arity: 2,
        f: |_, a| Err(Raise::Error(a[0])),
    },
    Bif {
        name: "get_cookie",
        arity: 1,
        f: |_, a| match a[0].is_atom() {
            true => Ok(atom("nocookie")),
            false => Err(bad()),
        },
    },
    Bif {
        name: "get_cookie",
        arity: 0,
        f: |_, _| Ok(atom("nocookie")),
    },
    Bif {
        name: "send_nosuspend",
        arity: 2,
        f: |c, a| call("erlang", "send", c, a).map(|_| atom("true")),
    },
    Bif {
        name: "send_nosuspend",
        arity: 3,
        f: |c, a| {
            proper_list(a[2])?;
            call("erlang", "send", c, &a[..2]).map(|_| atom("true"))
        },
    },
    Bif {
        name: "spawn",
        arity: 2,
        f: |c, a| on_node(a[0]).and_then(|_| call("erlang", "spawn", c, &a[1..])),
    },
    Bif {
        name: "spawn",
        arity: 4,
        f: |c, a| on_node(a[0]).and_then(|_| call("erlang", "spawn", c, &a[1..])),
    },
    Bif {
        name: "spawn_link",
        arity: 2,
        f: |c, a| on_node(a[0]).and_then(|_| call("erlang", "spawn_link", c, &a[1..])),
    },
    Bif {
        name: "spawn_link",
        arity: 4,
        f: |c, a| on_node(a[0]).and_then(|_| call("erlang", "spawn_link", c, &a[1..])),
    },
    Bif {
        name: "spawn_monitor",
        arity: 2,
        f: |c, a| on_node(a[0]).and_then(|_| call("erlang", "spawn_monitor", c, &a[1..])),
    },
    Bif {
        name: "spawn_monitor",
        arity: 4,
        f: |c, a| on_node(a[0]).and_then(|_| call("erlang", "spawn_monitor", c, &a[1..])),
    },
];

pub static ERTS_DEBUG: &[Bif] = &[
    Bif {
        name: "same",
        arity: 2,
        f: |_, a| Ok(boolean(a[0] == a[1])),
    },
    Bif {
        name: "flat_size",
        arity: 1,
        f: |_, a| Ok(small(i64::from(beam_runtime::copy::size_of(a[0])))),
    },
    Bif {
        name: "size_shared",
        arity: 1,
        f: |_, a| Ok(small(i64::from(beam_runtime::copy::size_of(a[0])))),
    },
    Bif {
        name: "display",
        arity: 1,
        f: |c, a| call("erlang", "display", c, a),
    },
    Bif {
        name: "copy_shared",
        arity: 2,
        f: |_, a| Ok(a[0]),
    },
];

/// erl's preloaded modules (erts/preloaded).
const PRELOADED: [&str; 21] = [
    "persistent_term",
    "counters",
    "atomics",
    "erts_dirty_process_signal_handler",
    "erts_literal_area_collector",
    "erl_tracer",
    "erts_internal",
    "erlang",
    "erl_prim_loader",
    "prim_zip",
    "prim_net",
    "prim_socket",
    "socket_registry",
    "zlib",
    "prim_file",
    "prim_inet",
    "prim_eval",
    "prim_buffer",
    "init",
    "erl_init",
    "erts_code_purger",
];

/// Node arguments of the spawn variants: only this node (no distribution).
fn on_node(n: Term) -> Result<(), Raise> {
    if n == atom("nonode@nohost") {
        Ok(())
    } else {
        Err(bad())
    }
}

fn nodes(c: &mut BifCx<'_>, what: Term) -> Result<Term, Raise> {
    let kinds = if what.is_atom() {
        vec![what]
    } else {
        proper_list(what)?
    };
    let mut me = false;
    for k in kinds {
        match beam_runtime::atom::name(k).as_deref() {
            Some("this") => me = true,
            Some("visible" | "hidden" | "connected" | "known") => {}
            _ => return Err(bad()),
        }
    }
    let items = if me {
        vec![atom("nonode@nohost")]
    } else {
        Vec::new()
    };
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

fn is_record(t: Term, tag: Term, size: Option<Term>) -> Result<Term, Raise> {
    // Both checked before the term is looked at, as erts does.
    let size = size.map(|s| s.small_value().ok_or_else(bad)).transpose()?;
    if !tag.is_atom() {
        return Err(bad());
    }
    let Some(v) = construct::tuple_elements(t) else {
        return Ok(atom("false"));
    };
    let size_ok = size.is_none_or(|s| v.len() as i64 == i64::from(s));
    Ok(boolean(size_ok && v.first() == Some(&tag)))
}

/// Seconds since 1970 of `{{Y, M, D}, {H, Mi, S}}` (badarg for an invalid one).
fn datetime(t: Term) -> Result<i64, Raise> {
    let parts = construct::tuple_elements(t).ok_or_else(bad)?;
    let [d, tm] = parts.as_slice() else {
        return Err(bad());
    };
    let num3 = |t: Term| -> Result<[i64; 3], Raise> {
        let v = construct::tuple_elements(t).ok_or_else(bad)?;
        match v.as_slice() {
            [a, b, c] => Ok([a, b, c].map(|x| x.small_value().map_or(-1, i64::from))),
            _ => Err(bad()),
        }
    };
    let ([y, mo, day], [h, mi, s]) = (num3(*d)?, num3(*tm)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    // erts' BASEYEAR (1600) up to INT_MAX - 1 (erl_time_sup.c: univ_to_seconds).
    if !(1600..=i64::from(i32::MAX) - 1).contains(&y)
        || !(1..=12).contains(&mo)
        || day < 1
        || day > dim[(mo - 1) as usize]
    {
        return Err(bad());
    }
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&s) {
        return Err(bad());
    }
    // Days from civil (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400 + h * 3600 + mi * 60 + s)
}

fn posixtime_to_universaltime(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let secs = beam_runtime::bignum::to_i64(a[0]).ok_or_else(bad)?;
    datetime_term(c, secs)
}

/// `{{Y, M, D}, {H, Mi, S}}` (UTC) of a POSIX time in seconds.
pub(crate) fn datetime_term(c: &mut BifCx<'_>, secs: i64) -> Result<Term, Raise> {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = erts_civil_from_days(days);
    // The year of a time far from now is a bignum on this VM (erl: a 64-bit small).
    let y = crate::bifs::int_term(c, &num_bigint::BigInt::from(y))?;
    let date = construct::tuple(&mut c.heap, &[y, small(m), small(d)]).map_err(heap_err)?;
    let time = construct::tuple(
        &mut c.heap,
        &[small(rem / 3600), small(rem / 60 % 60), small(rem % 60)],
    )
    .map_err(heap_err)?;
    construct::tuple(&mut c.heap, &[date, time]).map_err(heap_err)
}

/// (year, month, day) of a day number since 1970 as erts computes it (erl_time_sup.c
/// `seconds_to_univ`, with C's truncating division): proleptic Gregorian from year 1 on,
/// a day off before it (erl gives 0000-01-01 as `{-1, 12, 31}`).
fn erts_civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let mut y = (10_000 * days + 14_780) / 3_652_425;
    let doy = |y: i64| days - (365 * y + y / 4 - y / 100 + y / 400);
    let mut tmp = doy(y);
    if tmp < 0 {
        y -= 1;
        tmp = doy(y);
    }
    let mi = (100 * tmp + 52) / 3060;
    (
        y + (mi + 2) / 12,
        (mi + 2) % 12 + 1,
        tmp - (mi * 306 + 5) / 10 + 1,
    )
}

fn external_size(t: Term) -> Result<Term, Raise> {
    let b = ops::etf::encode(t).map_err(|_| bad())?;
    Ok(small(b.len() as i64))
}

/// `term_to_binary(Term, Options)`: `compressed`, `{compressed, 0..9}`,
/// `{minor_version, 0..2}`, `deterministic`, `local` accepted; compression as erl
/// (zlib, kept only when smaller).
fn term_to_binary2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut level = 0u32;
    // Minor version 2 writes every atom as UTF-8 (OTP 25's default is 1).
    let mut minor2 = false;
    let mut deterministic = false;
    for o in proper_list(a[1])? {
        if o == atom("compressed") {
            level = 6;
        } else if o == atom("deterministic") {
            deterministic = true;
        } else if o == atom("local") {
        } else {
            match construct::tuple_elements(o).as_deref() {
                Some([k, v]) if *k == atom("compressed") => {
                    level = v
                        .small_value()
                        .filter(|n| (0..=9).contains(n))
                        .ok_or_else(bad)? as u32
                }
                Some([k, v]) if *k == atom("minor_version") => {
                    minor2 = v
                        .small_value()
                        .filter(|n| (0..=2).contains(n))
                        .ok_or_else(bad)?
                        == 2;
                }
                _ => return Err(bad()),
            }
        }
    }
    let plain = ops::etf::encode_opts(a[0], minor2, deterministic).map_err(|_| bad())?;
    let mut out = plain.clone();
    if level > 0 {
        let body = &plain[1..];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
        z.write_all(body).map_err(|_| bad())?;
        let zipped = z.finish().map_err(|_| bad())?;
        if zipped.len() + 5 < body.len() {
            out = vec![131, ops::etf::COMPRESSED];
            out.extend((body.len() as u32).to_be_bytes());
            out.extend(zipped);
        }
    }
    view::make_bits(&mut c.heap, &out, out.len() as u64 * 8).map_err(heap_err)
}

/// `binary_to_term(Binary, Options)`: `safe` and `used` (`{Term, BytesUsed}`), and
/// compressed terms.
fn binary_to_term2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut used = false;
    for o in proper_list(a[1])? {
        if o == atom("used") {
            used = true;
        } else if o != atom("safe") {
            return Err(bad());
        }
    }
    let b = view::bits(a[0]).map_err(|_| bad())?;
    if b.bits % 8 != 0 {
        return Err(bad());
    }
    let (t, n) = decode(c, &b.bytes)?;
    if used {
        construct::tuple(&mut c.heap, &[t, small(n as i64)]).map_err(heap_err)
    } else {
        Ok(t)
    }
}

/// The term an external-format binary holds and the bytes it took, compressed terms
/// (tag 80, zlib) included.
pub(crate) fn decode(c: &mut BifCx<'_>, bytes: &[u8]) -> Result<(Term, usize), Raise> {
    if bytes.first() == Some(&131) && bytes.get(1) == Some(&ops::etf::COMPRESSED) {
        let size = u32::from_be_bytes(
            bytes
                .get(2..6)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        );
        let mut dec = flate2::read::ZlibDecoder::new(&bytes[6..]);
        let mut body = vec![131u8];
        dec.read_to_end(&mut body).map_err(|_| bad())?;
        if body.len() != size as usize + 1 {
            return Err(bad());
        }
        let consumed = 6 + dec.total_in() as usize;
        let (t, _) = ops::etf::decode_prefix(&body, &mut c.heap).map_err(|_| bad())?;
        Ok((t, consumed))
    } else {
        ops::etf::decode_prefix(bytes, &mut c.heap).map_err(|_| bad())
    }
}
