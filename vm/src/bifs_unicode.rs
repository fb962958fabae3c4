//! The C-implemented part of module `unicode` (OTP 25's `erl_unicode.c`):
//! `characters_to_binary/2`, `characters_to_list/2` and `bin_is_7bit/1`. The other
//! arities are Erlang code in `unicode.beam` over these.
//!
//! Semantics (OTP documentation, checked against erl): the data is a binary or a possibly
//! deep list of code points and binaries (a binary may also be a list's tail); anything
//! else is `badarg`, whatever comes first. Binaries are in the input encoding; UTF-8 that
//! a binary leaves unfinished continues in the next binary. A code point that is negative,
//! above 16#10FFFF or a surrogate, or invalid encoded data, gives `{error, Converted,
//! Rest}`; data that ends inside an encoded character gives `{incomplete, Converted,
//! Rest}`. `Rest` keeps erl's shape: the remaining list from the offending element, each
//! enclosing list's remainder consed after it (`[[Bad | Tail1] | Tail0]`); a binary's
//! unconverted bytes replace it in its cell (a binary tail stays a bare binary); bytes left
//! pending by a binary before a non-binary become `[Pending, RestThere]`.

use beam_runtime::construct;
use beam_runtime::term::Term;

use crate::bifs::{atom, boolean, error, heap_err, small, Bif, BifCx, Raise};
use crate::bifs_unicode_ml::Wide;
use crate::rt_bits::bits_of;

fn badarg() -> Raise {
    error("badarg")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Enc {
    Latin1,
    Utf8,
    Utf16 { little: bool },
    Utf32 { little: bool },
}

fn encoding(t: Term) -> Result<Enc, Raise> {
    if t == atom("latin1") {
        return Ok(Enc::Latin1);
    }
    if t == atom("unicode") || t == atom("utf8") {
        return Ok(Enc::Utf8);
    }
    if t == atom("utf16") {
        return Ok(Enc::Utf16 { little: false });
    }
    if t == atom("utf32") {
        return Ok(Enc::Utf32 { little: false });
    }
    if let Some(&[e, end]) = construct::tuple_elements(t).as_deref() {
        let little = if end == atom("little") {
            true
        } else if end == atom("big") {
            false
        } else {
            return Err(badarg());
        };
        if e == atom("utf16") {
            return Ok(Enc::Utf16 { little });
        }
        if e == atom("utf32") {
            return Ok(Enc::Utf32 { little });
        }
    }
    Err(badarg())
}

fn valid(cp: i64) -> bool {
    (0..=0x10FFFF).contains(&cp) && !(0xD800..=0xDFFF).contains(&cp)
}

/// How decoding a run of bytes ended.
enum Decoded {
    /// Everything decoded.
    Done,
    /// Invalid data from this byte offset on.
    Invalid(usize),
    /// A character begun at this offset runs past the end.
    Partial(usize),
}

/// Decodes `b` in `enc`, appending code points to `out`.
fn decode(b: &[u8], enc: Enc, out: &mut Vec<u32>) -> Decoded {
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = match enc {
            Enc::Latin1 => (u32::from(b[i]), 1),
            Enc::Utf8 => {
                let c = b[i];
                let (n, min, init) = match c {
                    0x00..=0x7F => (1, 0, u32::from(c)),
                    0xC0..=0xDF => (2, 0x80, u32::from(c & 0x1F)),
                    0xE0..=0xEF => (3, 0x800, u32::from(c & 0x0F)),
                    0xF0..=0xF7 => (4, 0x1_0000, u32::from(c & 0x07)),
                    _ => return Decoded::Invalid(i),
                };
                let mut cp = init;
                for k in 1..n {
                    match b.get(i + k) {
                        None => return Decoded::Partial(i),
                        Some(&x) if x & 0xC0 == 0x80 => cp = (cp << 6) | u32::from(x & 0x3F),
                        Some(_) => return Decoded::Invalid(i),
                    }
                }
                if cp < min || !valid(i64::from(cp)) {
                    return Decoded::Invalid(i);
                }
                (cp, n)
            }
            Enc::Utf16 { little } => {
                let unit = |j: usize| {
                    b.get(j..j + 2).map(|u| {
                        let u = [u[0], u[1]];
                        u32::from(if little {
                            u16::from_le_bytes(u)
                        } else {
                            u16::from_be_bytes(u)
                        })
                    })
                };
                let Some(w) = unit(i) else {
                    return Decoded::Partial(i);
                };
                match w {
                    0xD800..=0xDBFF => match unit(i + 2) {
                        None => return Decoded::Partial(i),
                        Some(lo @ 0xDC00..=0xDFFF) => {
                            (0x1_0000 + ((w - 0xD800) << 10) + (lo - 0xDC00), 4)
                        }
                        Some(_) => return Decoded::Invalid(i),
                    },
                    0xDC00..=0xDFFF => return Decoded::Invalid(i),
                    _ => (w, 2),
                }
            }
            Enc::Utf32 { little } => {
                let Some(u) = b.get(i..i + 4) else {
                    return Decoded::Partial(i);
                };
                let u = [u[0], u[1], u[2], u[3]];
                let w = if little {
                    u32::from_le_bytes(u)
                } else {
                    u32::from_be_bytes(u)
                };
                if !valid(i64::from(w)) {
                    return Decoded::Invalid(i);
                }
                (w, 4)
            }
        };
        out.push(cp);
        i += n;
    }
    Decoded::Done
}

/// Checks the shape of chardata before converting: erl raises `badarg` for a bad element
/// or an improper list anywhere, even after an invalid code point.
fn check(t: Term) -> Result<(), Raise> {
    let mut todo = vec![t];
    while let Some(mut t) = todo.pop() {
        loop {
            if t == Term::NIL {
                break;
            }
            if let Some((_, n)) = bits_of(t) {
                if n % 8 != 0 {
                    return Err(badarg());
                }
                break;
            }
            let (Some(h), Some(tl)) = (construct::head(t), construct::tail(t)) else {
                return Err(badarg());
            };
            let int = h.small_value().is_some() || beam_runtime::bignum::value(h).is_some();
            if !int {
                todo.push(h);
            }
            t = tl;
        }
    }
    Ok(())
}

/// Where a conversion stopped.
enum Stop {
    Error(Term),
    Incomplete(Term),
}

struct Conv<'c, 'a> {
    c: &'c mut BifCx<'a>,
    enc: Enc,
    out: Vec<u32>,
    /// Bytes of a character that the previous binary left unfinished.
    pending: Vec<u8>,
    /// The remainders of the enclosing lists, innermost last.
    outer: Vec<Term>,
}

impl Conv<'_, '_> {
    fn bin(&mut self, b: &[u8]) -> Result<Term, Raise> {
        beam_runtime::ops::view::make_bits(&mut self.c.heap, b, 8 * b.len() as u64)
            .map_err(heap_err)
    }

    fn cons(&mut self, h: Term, t: Term) -> Result<Term, Raise> {
        construct::cons(&mut self.c.heap, h, t).map_err(heap_err)
    }

    /// `r` at the innermost level, with each enclosing remainder consed after it.
    fn wrap(&mut self, mut r: Term) -> Result<Term, Raise> {
        for i in (0..self.outer.len()).rev() {
            r = self.cons(r, self.outer[i])?;
        }
        Ok(r)
    }

    /// The rest for an error at the element starting `cell` (a list cell, or NIL at the
    /// end of a list), with any pending bytes in front.
    fn rest_at(&mut self, cell: Term) -> Result<Term, Raise> {
        let r = self.wrap(cell)?;
        if self.pending.is_empty() {
            return Ok(r);
        }
        let p = std::mem::take(&mut self.pending);
        let p = self.bin(&p)?;
        let r = self.cons(r, Term::NIL)?;
        self.cons(p, r)
    }

    /// Decodes binary `b`; on a stop, the rest is built by `at` from the unconverted bytes.
    fn binary(&mut self, b: &[u8], tail: Option<Term>) -> Result<Option<Stop>, Raise> {
        let mut data = std::mem::take(&mut self.pending);
        // erl gives the unconverted bytes bare (not in their list cell) when the binary
        // continued bytes an earlier binary left pending.
        let tail = tail.filter(|_| data.is_empty());
        data.extend_from_slice(b);
        let remaining = |me: &mut Self, from: usize| -> Result<Term, Raise> {
            let r = me.bin(&data[from..])?;
            let r = match tail {
                Some(t) => me.cons(r, t)?,
                None => r,
            };
            me.wrap(r)
        };
        match decode(&data, self.enc, &mut self.out) {
            Decoded::Done => Ok(None),
            Decoded::Invalid(at) => Ok(Some(Stop::Error(remaining(self, at)?))),
            Decoded::Partial(at) => {
                self.pending = data[at..].to_vec();
                Ok(None)
            }
        }
    }

    /// Converts `t` (already checked by [`check`]).
    fn run(&mut self, t: Term) -> Result<Option<Stop>, Raise> {
        let mut cur = t;
        loop {
            if cur == Term::NIL {
                match self.outer.pop() {
                    Some(t) => {
                        cur = t;
                        continue;
                    }
                    None => break,
                }
            }
            if let Some((b, _)) = bits_of(cur) {
                // A binary as the data or as a list's tail.
                if let Some(stop) = self.binary(&b, None)? {
                    return Ok(Some(stop));
                }
                cur = Term::NIL;
                continue;
            }
            let (Some(h), Some(tl)) = (construct::head(cur), construct::tail(cur)) else {
                return Err(badarg());
            };
            if let Some((b, _)) = bits_of(h) {
                if let Some(stop) = self.binary(&b, Some(tl))? {
                    return Ok(Some(stop));
                }
            } else if h == Term::NIL || construct::head(h).is_some() {
                self.outer.push(tl);
                cur = h;
                continue;
            } else {
                let cp = h.small_value().map(i64::from).unwrap_or(-1);
                let ok =
                    self.pending.is_empty() && valid(cp) && (self.enc != Enc::Latin1 || cp < 256);
                if !ok {
                    return Ok(Some(Stop::Error(self.rest_at(cur)?)));
                }
                self.out.push(cp as u32);
            }
            cur = tl;
        }
        if self.pending.is_empty() {
            return Ok(None);
        }
        let p = std::mem::take(&mut self.pending);
        Ok(Some(Stop::Incomplete(self.bin(&p)?)))
    }
}

/// `characters_to_binary/2` (`list` false, UTF-8 out) and `characters_to_list/2`.
fn characters_to(c: &mut BifCx<'_>, a: &[Term], list: bool) -> Result<Term, Raise> {
    let enc = encoding(a[1])?;
    // erts converts latin1 and UTF-8 in C and leaves the rest to unicode.erl.
    match enc {
        Enc::Utf16 { little } => {
            return crate::bifs_unicode_ml::convert(c, a[0], Wide::Utf16 { little }, list)
        }
        Enc::Utf32 { little } => {
            return crate::bifs_unicode_ml::convert(c, a[0], Wide::Utf32 { little }, list)
        }
        Enc::Latin1 | Enc::Utf8 => {}
    }
    check(a[0])?;
    let mut conv = Conv {
        c,
        enc,
        out: Vec::new(),
        pending: Vec::new(),
        outer: Vec::new(),
    };
    // erl converts a list of exactly one binary as that binary in `characters_to_binary`
    // (an error's rest is then the bare binary), not in `characters_to_list`.
    let data = match (construct::head(a[0]), construct::tail(a[0])) {
        (Some(h), Some(Term::NIL)) if !list && bits_of(h).is_some() => h,
        _ => a[0],
    };
    let stop = conv.run(data)?;
    let out = std::mem::take(&mut conv.out);
    let done = if list {
        let v: Vec<Term> = out.iter().map(|&cp| small(i64::from(cp))).collect();
        construct::list(&mut c.heap, &v).map_err(heap_err)?
    } else {
        let s: String = out.iter().filter_map(|&cp| char::from_u32(cp)).collect();
        beam_runtime::ops::view::make_bits(&mut c.heap, s.as_bytes(), 8 * s.len() as u64)
            .map_err(heap_err)?
    };
    let (tag, rest) = match stop {
        None => return Ok(done),
        Some(Stop::Error(r)) => ("error", r),
        Some(Stop::Incomplete(r)) => ("incomplete", r),
    };
    construct::tuple(&mut c.heap, &[atom(tag), done, rest]).map_err(heap_err)
}

/// True for a binary of bytes below 128; false for anything else (erl raises nothing).
fn bin_is_7bit(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    Ok(boolean(match bits_of(a[0]) {
        Some((b, n)) => n % 8 == 0 && b.iter().all(|&x| x < 0x80),
        None => false,
    }))
}

/// The BIFs of module `unicode`.
pub static UNICODE: &[Bif] = &[
    Bif {
        name: "characters_to_binary",
        arity: 2,
        f: |c, a| characters_to(c, a, false),
    },
    Bif {
        name: "characters_to_list",
        arity: 2,
        f: |c, a| characters_to(c, a, true),
    },
    Bif {
        name: "bin_is_7bit",
        arity: 1,
        f: bin_is_7bit,
    },
];
