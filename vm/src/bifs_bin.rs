//! BIFs on binaries and bitstrings (`erlang` and the BIF part of module `binary`), with
//! the errors OTP 25 gives: `badarg` for anything that is not what the BIF takes.

use beam_runtime::ops::{self, view};
use beam_runtime::term::Term;
use beam_runtime::{atom, construct};
use num_bigint::BigInt;
use num_traits::Num as _;

use crate::bifs::{error, heap_err, int_term, small, Bif, BifCx, Raise};
use crate::rt_bits::{bits_of, put_int, BitBuf};

#[path = "bifs_bin_search.rs"]
mod search;

fn badarg() -> Raise {
    error("badarg")
}

/// The bytes of a binary (not a bitstring of other length).
fn bytes(t: Term) -> Result<Vec<u8>, Raise> {
    match bits_of(t) {
        Some((b, n)) if n % 8 == 0 => Ok(b),
        _ => Err(badarg()),
    }
}

fn binary(c: &mut BifCx<'_>, b: &[u8]) -> Result<Term, Raise> {
    view::make_bits(&mut c.heap, b, 8 * b.len() as u64).map_err(heap_err)
}

fn int(t: Term) -> Result<i64, Raise> {
    t.small_value().map(i64::from).ok_or_else(badarg)
}

/// `{Start, Length}` of `binary_part`: a range inside `len` bytes (Length may be negative).
fn part_range(len: usize, start: i64, n: i64) -> Result<(usize, usize), Raise> {
    let (from, to) = if n >= 0 {
        (start, start + n)
    } else {
        (start + n, start)
    };
    if from < 0 || to > len as i64 {
        return Err(badarg());
    }
    Ok((from as usize, to as usize))
}

fn binary_part(c: &mut BifCx<'_>, bin: Term, start: Term, n: Term) -> Result<Term, Raise> {
    let b = bytes(bin)?;
    let (from, to) = part_range(b.len(), int(start)?, int(n)?)?;
    binary(c, &b[from..to])
}

fn binary_part2(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    match construct::tuple_elements(a[1]).as_deref() {
        Some([s, n]) => binary_part(c, a[0], *s, *n),
        _ => Err(badarg()),
    }
}

fn split_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bytes(a[0])?;
    let at = usize::try_from(int(a[1])?).map_err(|_| badarg())?;
    if at > b.len() {
        return Err(badarg());
    }
    let (x, y) = (binary(c, &b[..at])?, binary(c, &b[at..])?);
    construct::tuple(&mut c.heap, &[x, y]).map_err(heap_err)
}

fn byte_list(c: &mut BifCx<'_>, b: &[u8]) -> Result<Term, Raise> {
    let v: Vec<Term> = b.iter().map(|&x| small(i64::from(x))).collect();
    construct::list(&mut c.heap, &v).map_err(heap_err)
}

/// `binary_to_list(Bin, Start, Stop)`: 1-based, inclusive.
fn binary_to_list3(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bytes(a[0])?;
    let (s, e) = (int(a[1])?, int(a[2])?);
    if s < 1 || e < s || e as usize > b.len() {
        return Err(badarg());
    }
    byte_list(c, &b[s as usize - 1..e as usize])
}

fn bitstring_to_list(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (b, n) = bits_of(a[0]).ok_or_else(badarg)?;
    let whole = (n / 8) as usize;
    let mut v: Vec<Term> = b[..whole].iter().map(|&x| small(i64::from(x))).collect();
    if n % 8 != 0 {
        v.push(view::make_bits(&mut c.heap, &b[whole..], n % 8).map_err(heap_err)?);
    }
    let mut acc = Term::NIL;
    while let Some(t) = v.pop() {
        acc = construct::cons(&mut c.heap, t, acc).map_err(heap_err)?;
    }
    Ok(acc)
}

/// Appends a bitstring iolist (bytes, bitstrings, nested lists) to `out`; `bits` allows
/// bitstrings of any length (`list_to_bitstring`), else only binaries.
fn iolist_bits(t: Term, out: &mut BitBuf, bits: bool) -> Result<(), Raise> {
    // An explicit stack: long and deep lists must not recurse on the Rust stack.
    let mut todo = vec![t];
    while let Some(t) = todo.pop() {
        if t == Term::NIL {
            continue;
        }
        if let Some((b, n)) = bits_of(t) {
            if !bits && n % 8 != 0 {
                return Err(badarg());
            }
            out.push_bits(&b, 0, n);
            continue;
        }
        let (h, tl) = match (construct::head(t), construct::tail(t)) {
            (Some(h), Some(tl)) => (h, tl),
            _ => return Err(badarg()),
        };
        // The tail may be a binary or a list; the head a byte, binary or list.
        todo.push(tl);
        match h.small_value() {
            Some(n) if (0..=255).contains(&n) => out.push_bits(&[n as u8], 0, 8),
            Some(_) => return Err(badarg()),
            None if h == Term::NIL || h.is_list() || bits_of(h).is_some() => todo.push(h),
            None => return Err(badarg()),
        }
    }
    Ok(())
}

fn list_to_bitstring(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if !a[0].is_list() && a[0] != Term::NIL {
        return Err(badarg());
    }
    let mut buf = BitBuf::default();
    iolist_bits(a[0], &mut buf, true)?;
    view::make_bits(&mut c.heap, &buf.bytes, buf.bits).map_err(heap_err)
}

fn iolist_size(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let mut buf = BitBuf::default();
    iolist_bits(a[0], &mut buf, false)?;
    Ok(small((buf.bits / 8) as i64))
}

fn term_to_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = ops::etf::encode(a[0]).map_err(|_| badarg())?;
    binary(c, &b)
}

fn binary_to_term(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bytes(a[0])?;
    // Compressed terms too (bifs_erlang_extra.rs); bytes after the term are ignored,
    // as erl does (`binary_to_term(<<131,97,1,0>>)` is 1).
    Ok(crate::bifs_erlang_extra::decode(c, &b)?.0)
}

fn radix(t: Term) -> Result<u32, Raise> {
    match t.small_value() {
        Some(r) if (2..=36).contains(&r) => Ok(r as u32),
        _ => Err(badarg()),
    }
}

fn integer_to_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let v = match a[0].small_value() {
        Some(n) => BigInt::from(n),
        None => beam_runtime::bignum::value(a[0]).ok_or_else(badarg)?,
    };
    let r = if a.len() > 1 { radix(a[1])? } else { 10 };
    let text = v.to_str_radix(r).to_uppercase();
    binary(c, text.as_bytes())
}

fn binary_to_integer(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bytes(a[0])?;
    let r = if a.len() > 1 { radix(a[1])? } else { 10 };
    let s = std::str::from_utf8(&b).map_err(|_| badarg())?;
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.chars().all(|ch| ch.is_digit(r)) {
        return Err(badarg());
    }
    let v = BigInt::from_str_radix(s.strip_prefix('+').unwrap_or(s), r).map_err(|_| badarg())?;
    int_term(c, &v)
}

/// The encoding argument of the atom/binary BIFs: latin1 or utf8 (unicode).
fn utf8_encoding(t: Term) -> Result<bool, Raise> {
    match atom::name(t).as_deref() {
        Some("latin1") => Ok(false),
        Some("utf8" | "unicode") => Ok(true),
        _ => Err(badarg()),
    }
}

fn atom_to_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let name = atom::name(a[0])
        .filter(|_| a[0].is_atom())
        .ok_or_else(badarg)?;
    let utf8 = if a.len() > 1 {
        utf8_encoding(a[1])?
    } else {
        true
    };
    if utf8 {
        return binary(c, name.as_bytes());
    }
    let latin: Option<Vec<u8>> = name
        .chars()
        .map(|ch| u8::try_from(ch as u32).ok())
        .collect();
    binary(c, &latin.ok_or_else(badarg)?)
}

fn binary_to_atom(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bytes(a[0])?;
    let utf8 = if a.len() > 1 {
        utf8_encoding(a[1])?
    } else {
        true
    };
    let name: String = if utf8 {
        String::from_utf8(b).map_err(|_| badarg())?
    } else {
        b.iter().map(|&x| char::from(x)).collect()
    };
    if name.chars().count() > 255 {
        return Err(error("system_limit"));
    }
    atom::intern(&name).map_err(|_| badarg())
}

fn binary_to_existing_atom(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    // Every atom can be made here; a program cannot tell apart a new one.
    binary_to_atom(c, a)
}

fn float_to_binary(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let f = construct::float_value(a[0]).ok_or_else(badarg)?;
    let text = format!("{f:.20e}");
    let (mant, exp) = text.split_once('e').ok_or_else(badarg)?;
    let e: i32 = exp.parse().map_err(|_| badarg())?;
    let sign = if e < 0 { '-' } else { '+' };
    binary(c, format!("{mant}e{sign}{:02}", e.abs()).as_bytes())
}

fn at(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let _ = c;
    let b = bytes(a[0])?;
    let i = usize::try_from(int(a[1])?).map_err(|_| badarg())?;
    b.get(i).map(|&x| small(i64::from(x))).ok_or_else(badarg)
}

/// The optional `big | little` argument of `decode_unsigned/2`, `encode_unsigned/2`;
/// anything else (`middle` too) is `badarg`, as in erl.
fn endianness(a: &[Term]) -> Result<bool, Raise> {
    match a.get(1).map(|&t| atom::name(t)) {
        None => Ok(false),
        Some(Some(n)) if n == "big" => Ok(false),
        Some(Some(n)) if n == "little" => Ok(true),
        _ => Err(badarg()),
    }
}

fn decode_unsigned(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bytes(a[0])?;
    let little = endianness(a)?;
    let v = if little {
        BigInt::from_bytes_le(num_bigint::Sign::Plus, &b)
    } else {
        BigInt::from_bytes_be(num_bigint::Sign::Plus, &b)
    };
    int_term(c, &v)
}

fn encode_unsigned(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let v = match a[0].small_value() {
        Some(n) => BigInt::from(n),
        None => beam_runtime::bignum::value(a[0]).ok_or_else(badarg)?,
    };
    if v.sign() == num_bigint::Sign::Minus {
        return Err(badarg());
    }
    let little = endianness(a)?;
    let n = v.bits().max(1).div_ceil(8) * 8;
    let mut buf = BitBuf::default();
    put_int(&mut buf, &v, n, little);
    binary(c, &buf.bytes)
}

fn copy(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let b = bytes(a[0])?;
    let n = if a.len() > 1 {
        usize::try_from(int(a[1])?).map_err(|_| badarg())?
    } else {
        1
    };
    binary(c, &b.repeat(n))
}

/// `erlang` BIFs on binaries.
pub static ERLANG: &[Bif] = &[
    Bif {
        name: "binary_part",
        arity: 2,
        f: binary_part2,
    },
    Bif {
        name: "binary_part",
        arity: 3,
        f: |c, a| binary_part(c, a[0], a[1], a[2]),
    },
    Bif {
        name: "split_binary",
        arity: 2,
        f: split_binary,
    },
    Bif {
        name: "binary_to_list",
        arity: 3,
        f: binary_to_list3,
    },
    Bif {
        name: "bitstring_to_list",
        arity: 1,
        f: bitstring_to_list,
    },
    Bif {
        name: "list_to_bitstring",
        arity: 1,
        f: list_to_bitstring,
    },
    Bif {
        name: "iolist_size",
        arity: 1,
        f: iolist_size,
    },
    Bif {
        name: "term_to_binary",
        arity: 1,
        f: term_to_binary,
    },
    Bif {
        name: "binary_to_term",
        arity: 1,
        f: binary_to_term,
    },
    Bif {
        name: "integer_to_binary",
        arity: 1,
        f: integer_to_binary,
    },
    Bif {
        name: "integer_to_binary",
        arity: 2,
        f: integer_to_binary,
    },
    Bif {
        name: "binary_to_integer",
        arity: 1,
        f: binary_to_integer,
    },
    Bif {
        name: "binary_to_integer",
        arity: 2,
        f: binary_to_integer,
    },
    Bif {
        name: "atom_to_binary",
        arity: 1,
        f: atom_to_binary,
    },
    Bif {
        name: "atom_to_binary",
        arity: 2,
        f: atom_to_binary,
    },
    Bif {
        name: "binary_to_atom",
        arity: 1,
        f: binary_to_atom,
    },
    Bif {
        name: "binary_to_atom",
        arity: 2,
        f: binary_to_atom,
    },
    Bif {
        name: "binary_to_existing_atom",
        arity: 2,
        f: binary_to_existing_atom,
    },
    Bif {
        name: "float_to_binary",
        arity: 1,
        f: float_to_binary,
    },
];

/// The BIFs of module `binary` (OTP implements them in C; `binary.beam` only has stubs).
pub static BINARY: &[Bif] = &[
    Bif {
        name: "part",
        arity: 2,
        f: binary_part2,
    },
    Bif {
        name: "part",
        arity: 3,
        f: |c, a| binary_part(c, a[0], a[1], a[2]),
    },
    Bif {
        name: "at",
        arity: 2,
        f: at,
    },
    Bif {
        name: "first",
        arity: 1,
        f: |_, a| {
            let b = bytes(a[0])?;
            b.first().map(|&x| small(i64::from(x))).ok_or_else(badarg)
        },
    },
    Bif {
        name: "last",
        arity: 1,
        f: |_, a| {
            let b = bytes(a[0])?;
            b.last().map(|&x| small(i64::from(x))).ok_or_else(badarg)
        },
    },
    Bif {
        name: "bin_to_list",
        arity: 1,
        f: |c, a| {
            let b = bytes(a[0])?;
            byte_list(c, &b)
        },
    },
    Bif {
        name: "list_to_bin",
        arity: 1,
        f: |c, a| {
            let mut buf = BitBuf::default();
            iolist_bits(a[0], &mut buf, false)?;
            binary(c, &buf.bytes)
        },
    },
    Bif {
        name: "copy",
        arity: 1,
        f: copy,
    },
    Bif {
        name: "copy",
        arity: 2,
        f: copy,
    },
    Bif {
        name: "decode_unsigned",
        arity: 1,
        f: decode_unsigned,
    },
    Bif {
        name: "decode_unsigned",
        arity: 2,
        f: decode_unsigned,
    },
    Bif {
        name: "encode_unsigned",
        arity: 1,
        f: encode_unsigned,
    },
    Bif {
        name: "encode_unsigned",
        arity: 2,
        f: encode_unsigned,
    },
    Bif {
        name: "match",
        arity: 2,
        f: search::match_,
    },
    Bif {
        name: "match",
        arity: 3,
        f: search::match_,
    },
    Bif {
        name: "matches",
        arity: 2,
        f: search::matches,
    },
    Bif {
        name: "matches",
        arity: 3,
        f: search::matches,
    },
    Bif {
        name: "split",
        arity: 2,
        f: search::split,
    },
    Bif {
        name: "split",
        arity: 3,
        f: search::split,
    },
    Bif {
        name: "compile_pattern",
        arity: 1,
        f: search::compile_pattern,
    },
    Bif {
        name: "longest_common_prefix",
        arity: 1,
        f: search::longest_common_prefix,
    },
    Bif {
        name: "longest_common_suffix",
        arity: 1,
        f: search::longest_common_suffix,
    },
    Bif {
        name: "referenced_byte_size",
        arity: 1,
        f: search::referenced_byte_size,
    },
];
