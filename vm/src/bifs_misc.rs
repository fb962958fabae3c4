//! Assorted `erlang` BIFs (checksums, float formatting with options, time units,
//! existing atoms) and module `os`'s BIFs.

use std::cell::RefCell;
use std::collections::HashMap;

use beam_runtime::ops::view;
use beam_runtime::term::Term;
use beam_runtime::{atom as atoms, construct};
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::bifs::{atom, big, boolean, error, heap_err, int_term, number, Bif, BifCx, Raise};
use crate::bifs_more::{chars, iolist, string};

pub static ERLANG: &[Bif] = &[
    Bif {
        name: "binary_to_existing_atom",
        arity: 1,
        f: binary_to_existing_atom,
    },
    Bif {
        name: "md5",
        arity: 1,
        f: md5,
    },
    Bif {
        name: "md5_init",
        arity: 0,
        f: |c, _| binary(c, MD5_TAG),
    },
    Bif {
        name: "md5_update",
        arity: 2,
        f: md5_update,
    },
    Bif {
        name: "md5_final",
        arity: 1,
        f: md5_final,
    },
    Bif {
        name: "crc32",
        arity: 1,
        f: |c, a| crc32(c, 0, a[0]),
    },
    Bif {
        name: "crc32",
        arity: 2,
        f: |c, a| crc32(c, u32_arg(a[0])?, a[1]),
    },
    Bif {
        name: "crc32_combine",
        arity: 3,
        f: crc32_combine,
    },
    Bif {
        name: "adler32",
        arity: 1,
        f: |c, a| adler32(c, 1, a[0]),
    },
    Bif {
        name: "adler32",
        arity: 2,
        f: |c, a| adler32(c, u32_arg(a[0])?, a[1]),
    },
    Bif {
        name: "adler32_combine",
        arity: 3,
        f: adler32_combine,
    },
    Bif {
        name: "float_to_list",
        arity: 2,
        f: |c, a| float_text(c, a, false),
    },
    Bif {
        name: "float_to_binary",
        arity: 2,
        f: |c, a| float_text(c, a, true),
    },
    Bif {
        name: "list_to_existing_atom",
        arity: 1,
        f: list_to_existing_atom,
    },
    Bif {
        name: "convert_time_unit",
        arity: 3,
        f: convert_time_unit,
    },
    Bif {
        name: "time_offset",
        arity: 0,
        f: |c, _| time_offset(c, atom("native")),
    },
    Bif {
        name: "time_offset",
        arity: 1,
        f: |c, a| time_offset(c, a[0]),
    },
];

pub static OS: &[Bif] = &[
    Bif {
        name: "type",
        arity: 0,
        f: os_type,
    },
    Bif {
        name: "getenv",
        arity: 0,
        f: getenv_all,
    },
    Bif {
        name: "getenv",
        arity: 1,
        f: getenv,
    },
    Bif {
        name: "putenv",
        arity: 2,
        f: putenv,
    },
    Bif {
        name: "unsetenv",
        arity: 1,
        f: unsetenv,
    },
    Bif {
        name: "env",
        arity: 0,
        f: env_pairs,
    },
    Bif {
        name: "set_signal",
        arity: 2,
        // Signal handling belongs to the boot's erl_signal_server; accepted (as erl
        // does for the signals it knows) and ignored.
        f: |_, a| match (
            a[0].is_atom(),
            atom_in(a[1], &["default", "handle", "ignore"]),
        ) {
            (true, true) => Ok(atom("ok")),
            _ => Err(bad()),
        },
    },
    Bif {
        name: "getpid",
        arity: 0,
        f: |c, _| string(c, &std::process::id().to_string()),
    },
    Bif {
        name: "system_time",
        arity: 0,
        f: |c, _| os_system_time(c, atom("native")),
    },
    Bif {
        name: "system_time",
        arity: 1,
        f: |c, a| os_system_time(c, a[0]),
    },
    Bif {
        name: "perf_counter",
        arity: 0,
        f: perf_counter,
    },
    Bif {
        name: "timestamp",
        arity: 0,
        f: os_timestamp,
    },
];

fn bad() -> Raise {
    error("badarg")
}

fn u32_arg(t: Term) -> Result<u32, Raise> {
    number(t)
        .ok()
        .and_then(|n| big(&n))
        .and_then(|b| b.to_u32())
        .ok_or_else(bad)
}

fn bytes_of(t: Term) -> Result<Vec<u8>, Raise> {
    let mut v = Vec::new();
    iolist(t, &mut v).map_err(|_| bad())?;
    Ok(v)
}

fn uint(c: &mut BifCx<'_>, v: u64) -> Result<Term, Raise> {
    int_term(c, &BigInt::from(v))
}

// --- checksums (crc32fast and adler2, the crates zlib-compatible Rust code uses) ---

fn crc32(c: &mut BifCx<'_>, init: u32, data: Term) -> Result<Term, Raise> {
    let mut h = crc32fast::Hasher::new_with_initial(init);
    h.update(&bytes_of(data)?);
    uint(c, h.finalize() as u64)
}

fn len_arg(t: Term) -> Result<u64, Raise> {
    number(t)
        .ok()
        .and_then(|n| big(&n))
        .and_then(|b| b.to_u64())
        .ok_or_else(bad)
}

fn crc32_combine(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (c1, c2, len2) = (u32_arg(a[0])?, u32_arg(a[1])?, len_arg(a[2])?);
    let mut h = crc32fast::Hasher::new_with_initial_len(c1, 0);
    h.combine(&crc32fast::Hasher::new_with_initial_len(c2, len2));
    uint(c, h.finalize() as u64)
}

fn adler32(c: &mut BifCx<'_>, init: u32, data: Term) -> Result<Term, Raise> {
    let mut h = adler2::Adler32::from_checksum(init);
    h.write_slice(&bytes_of(data)?);
    uint(c, h.checksum() as u64)
}

/// zlib's `adler32_combine` (the sums of the second part shifted by the first's).
fn adler32_combine(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    const BASE: u64 = 65521;
    let (a1, a2, len2) = (u32_arg(a[0])? as u64, u32_arg(a[1])? as u64, len_arg(a[2])?);
    let rem = len2 % BASE;
    let mut s1 = a1 & 0xffff;
    let mut s2 = (rem * s1) % BASE;
    s1 += (a2 & 0xffff) + BASE - 1;
    s2 += (a1 >> 16) + (a2 >> 16) + BASE - rem;
    if s1 >= BASE {
        s1 -= BASE;
    }
    if s1 >= BASE {
        s1 -= BASE;
    }
    if s2 >= BASE << 1 {
        s2 -= BASE << 1;
    }
    if s2 >= BASE {
        s2 -= BASE;
    }
    uint(c, s1 | (s2 << 16))
}

// --- md5 (RustCrypto's md-5) ---

/// An `md5_init/0` context here is a binary: this tag, then the data so far (erl's is
/// the 92-byte C state; only `md5_update`/`md5_final` read it).
const MD5_TAG: &[u8] = b"MD5\0";

fn binary(c: &mut BifCx<'_>, bytes: &[u8]) -> Result<Term, Raise> {
    view::make_bits(&mut c.heap, bytes, bytes.len() as u64 * 8).map_err(heap_err)
}

fn digest(data: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(data).into()
}

fn md5(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    binary(c, &digest(&bytes_of(a[0])?))
}

fn md5_context(t: Term) -> Result<Vec<u8>, Raise> {
    let b = view::bits(t).map_err(|_| bad())?;
    if b.bits % 8 != 0 || !b.bytes.starts_with(MD5_TAG) {
        return Err(bad());
    }
    Ok(b.bytes)
}

fn md5_update(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut ctx = md5_context(a[0])?;
    ctx.extend(bytes_of(a[1])?);
    binary(c, &ctx)
}

fn md5_final(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let ctx = md5_context(a[0])?;
    binary(c, &digest(&ctx[MD5_TAG.len()..]))
}

// --- float_to_list/2, float_to_binary/2 ---

enum Style {
    Decimals(u32, bool),
    Scientific(u32),
    Short,
}

/// The options, as erts' `do_float_to_charbuf`: each `{decimals | scientific, N}` sets
/// both the style and the digit count (any small `N`; it is checked only for the style
/// that wins), `short` the style; the last wins. A negative `scientific` count is C's
/// negative printf precision: 6 digits.
fn style(opts: Term) -> Result<Style, Raise> {
    #[derive(Clone, Copy)]
    enum Kind {
        Legacy,
        Short,
        Fixed,
        Scientific,
    }
    let (mut kind, mut digits, mut compact) = (Kind::Legacy, 20i64, false);
    for o in crate::bifs_more::proper_list(opts).map_err(|_| bad())? {
        if o == atom("compact") {
            compact = true;
        } else if o == atom("short") {
            kind = Kind::Short;
        } else {
            let p = construct::tuple_elements(o).ok_or_else(bad)?;
            let [tag, n] = p[..] else { return Err(bad()) };
            digits = i64::from(n.small_value().ok_or_else(bad)?);
            kind = match atoms::name(tag).as_deref() {
                Some("decimals") => Kind::Fixed,
                Some("scientific") => Kind::Scientific,
                _ => return Err(bad()),
            };
        }
    }
    Ok(match kind {
        Kind::Short => Style::Short,
        Kind::Fixed if (0..=253).contains(&digits) => Style::Decimals(digits as u32, compact),
        Kind::Fixed => return Err(bad()),
        Kind::Legacy | Kind::Scientific => Style::Scientific(if digits < 0 {
            6
        } else {
            digits.min(1000) as u32
        }),
    })
}

/// erts formats into a 256-byte buffer: text longer than 255 bytes (before `compact`
/// trims zeros) is `badarg`.
const FLOAT_TEXT_MAX: usize = 255;

/// `f` with `d` decimals, rounded from its exact binary value (what erl gives:
/// `float_to_list(0.125, [{decimals, 2}])` is "0.13").
fn fixed(f: f64, d: u32, compact: bool) -> String {
    let bits = f.abs().to_bits();
    let (exp, frac) = ((bits >> 52) as i64, bits & ((1 << 52) - 1));
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    };
    let scaled = BigInt::from(m) * BigInt::from(10u32).pow(d);
    let q = if e >= 0 {
        scaled << e as usize
    } else {
        let den = BigInt::from(1) << (-e) as usize;
        let (q, r) = (&scaled / &den, &scaled % &den);
        let twice: BigInt = r * 2;
        // Ties: away from zero up to 18 decimals (erl's fast path), to even beyond
        // (erl formats those with printf); found by comparing with erl.
        let up = twice > den || (twice == den && (d <= 18 || (&q % 2u32) == BigInt::from(1)));
        if up {
            q + 1
        } else {
            q
        }
    };
    let mut digits = q.to_string();
    if digits.len() <= d as usize {
        digits = format!("{}{digits}", "0".repeat(d as usize + 1 - digits.len()));
    }
    let (int, dec) = digits.split_at(digits.len() - d as usize);
    let mut s = String::new();
    if f.is_sign_negative() {
        s.push('-');
    }
    s.push_str(int);
    if d > 0 {
        let dec = if compact {
            let t = dec.trim_end_matches('0');
            if t.is_empty() {
                "0"
            } else {
                t
            }
        } else {
            dec
        };
        s.push('.');
        s.push_str(dec);
    }
    s
}

fn scientific(f: f64, d: u32) -> String {
    let text = format!("{f:.*e}", d as usize);
    let (mant, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    let sign = if e < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", e.abs())
}

fn float_text(c: &mut BifCx<'_>, a: &[Term], binary: bool) -> Result<Term, Raise> {
    let f = construct::float_value(a[0]).ok_or_else(bad)?;
    let s = match style(a[1])? {
        Style::Decimals(d, compact) => {
            let s = fixed(f, d, false);
            if s.len() > FLOAT_TEXT_MAX {
                return Err(bad());
            }
            if compact {
                fixed(f, d, true)
            } else {
                s
            }
        }
        Style::Scientific(d) => scientific(f, d),
        Style::Short => beam_runtime::ops::print::format_float(f),
    };
    if s.len() > FLOAT_TEXT_MAX {
        return Err(bad());
    }
    if binary {
        view::make_bits(&mut c.heap, s.as_bytes(), s.len() as u64 * 8).map_err(heap_err)
    } else {
        string(c, &s)
    }
}

/// `binary_to_existing_atom/1` (UTF-8): `badarg` unless the atom exists.
fn binary_to_existing_atom(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = view::bits(a[0]).map_err(|_| bad())?;
    if b.bits % 8 != 0 {
        return Err(bad());
    }
    let s = String::from_utf8(b.bytes).map_err(|_| bad())?;
    atoms::lookup(&s).ok_or_else(bad)
}

fn list_to_existing_atom(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let s = chars(a[0]).ok_or_else(bad)?;
    atoms::lookup(&s).ok_or_else(bad)
}

// --- time units ---

/// Parts per second of a time unit (`native` and `perf_counter` are nanoseconds here,
/// as on erl for Linux).
fn pps(t: Term) -> Result<BigInt, Raise> {
    if let Some(n) = number(t)
        .ok()
        .and_then(|n| big(&n))
        .filter(|n| n.is_positive())
    {
        return Ok(n);
    }
    let v: u64 = match atoms::name(t).as_deref() {
        Some("second" | "seconds") => 1,
        Some("millisecond" | "milli_seconds") => 1_000,
        Some("microsecond" | "micro_seconds") => 1_000_000,
        Some("nanosecond" | "nano_seconds" | "native" | "perf_counter") => 1_000_000_000,
        _ => return Err(bad()),
    };
    Ok(BigInt::from(v))
}

/// `Time * To / From`, rounded down (erl rounds toward negative infinity).
fn convert(v: &BigInt, from: &BigInt, to: &BigInt) -> BigInt {
    let n = v * to;
    let (q, r) = (&n / from, &n % from);
    if !r.is_zero() && (n.is_negative() != from.is_negative()) {
        q - 1
    } else {
        q
    }
}

fn convert_time_unit(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let v = number(a[0]).ok().and_then(|n| big(&n)).ok_or_else(bad)?;
    let (from, to) = (pps(a[1])?, pps(a[2])?);
    int_term(c, &convert(&v, &from, &to))
}

fn nanos_to(c: &mut BifCx<'_>, nanos: i128, unit: Term) -> Result<Term, Raise> {
    let to = pps(unit)?;
    int_term(
        c,
        &convert(&BigInt::from(nanos), &BigInt::from(1_000_000_000u64), &to),
    )
}

fn since_epoch_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// Calls `erlang:Name/0` (the monotonic clock lives with the process BIFs).
fn erlang0(c: &mut BifCx<'_>, name: &str) -> Result<i128, Raise> {
    let id = crate::bifs::lookup("erlang", name, 0).ok_or_else(bad)?;
    let b = crate::bifs::get(id).ok_or_else(bad)?;
    let t = (b.f)(c, &[])?;
    number(t)
        .ok()
        .and_then(|n| big(&n))
        .and_then(|n| n.to_i128())
        .ok_or_else(bad)
}

/// `time_offset/0,1`: system time minus monotonic time.
fn time_offset(c: &mut BifCx<'_>, unit: Term) -> Result<Term, Raise> {
    pps(unit)?;
    let mono = erlang0(c, "monotonic_time")?;
    nanos_to(c, since_epoch_nanos() - mono, unit)
}

// --- os ---

thread_local! {
    /// `os:putenv/unsetenv` of this VM: an overlay on the host's environment (changing
    /// the real one is unsound while other threads run), `None` = unset.
    static ENV: RefCell<HashMap<String, Option<String>>> = RefCell::new(HashMap::new());
}

fn env_name(t: Term) -> Result<String, Raise> {
    chars(t).ok_or_else(bad)
}

fn getenv(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let k = env_name(a[0])?;
    let v = ENV
        .with(|e| e.borrow().get(&k).cloned())
        .unwrap_or_else(|| std::env::var(&k).ok());
    match v {
        Some(v) => string(c, &v),
        None => Ok(boolean(false)),
    }
}

fn getenv_all(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    ENV.with(|e| {
        for (k, v) in e.borrow().iter() {
            match v {
                Some(v) => vars.insert(k.clone(), v.clone()),
                None => vars.remove(k),
            };
        }
    });
    let items = vars
        .iter()
        .map(|(k, v)| string(c, &format!("{k}={v}")))
        .collect::<Result<Vec<_>, _>>()?;
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

fn atom_in(t: Term, names: &[&str]) -> bool {
    atoms::name(t).is_some_and(|n| names.contains(&n.as_str()))
}

/// `os:env/0`: `[{Name, Value}]`.
fn env_pairs(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    ENV.with(|e| {
        for (k, v) in e.borrow().iter() {
            match v {
                Some(v) => vars.insert(k.clone(), v.clone()),
                None => vars.remove(k),
            };
        }
    });
    let mut items = Vec::with_capacity(vars.len());
    for (k, v) in &vars {
        let (k, v) = (string(c, k)?, string(c, v)?);
        items.push(construct::tuple(&mut c.heap, &[k, v]).map_err(heap_err)?);
    }
    construct::list(&mut c.heap, &items).map_err(heap_err)
}

fn putenv(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (k, v) = (env_name(a[0])?, env_name(a[1])?);
    if k.is_empty() || k.contains('=') {
        return Err(bad());
    }
    ENV.with(|e| e.borrow_mut().insert(k, Some(v)));
    Ok(boolean(true))
}

fn unsetenv(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let k = env_name(a[0])?;
    ENV.with(|e| e.borrow_mut().insert(k, None));
    Ok(boolean(true))
}

/// `os:type/0` (Erlang in os.erl, over `erlang:system_info(os_type)`; answered here
/// from the host the VM was built for).
fn os_type(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let (family, name) = if cfg!(windows) {
        ("win32", "nt")
    } else if cfg!(target_os = "macos") {
        ("unix", "darwin")
    } else {
        ("unix", std::env::consts::OS)
    };
    construct::tuple(&mut c.heap, &[atom(family), atom(name)]).map_err(heap_err)
}

fn os_system_time(c: &mut BifCx<'_>, unit: Term) -> Result<Term, Raise> {
    nanos_to(c, since_epoch_nanos(), unit)
}

fn perf_counter(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let mono = erlang0(c, "monotonic_time")?;
    int_term(c, &BigInt::from(mono))
}

fn os_timestamp(c: &mut BifCx<'_>, _: &[Term]) -> Result<Term, Raise> {
    let us = since_epoch_nanos() / 1000;
    let (mega, sec, micro) = (
        us / 1_000_000_000_000,
        us / 1_000_000 % 1_000_000,
        us % 1_000_000,
    );
    let v = [mega, sec, micro].map(|n| Term::small(n as i64).unwrap_or(Term::NIL));
    construct::tuple(&mut c.heap, &v).map_err(heap_err)
}
