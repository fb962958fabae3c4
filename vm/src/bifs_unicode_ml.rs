//! `unicode:characters_to_binary/2` and `characters_to_list/2` for UTF-16 and UTF-32
//! input. erts converts only latin1 and UTF-8 in C; for the other encodings its BIF
//! traps to Erlang code in unicode.erl (`characters_to_binary_int/3` over `ml_map/3`),
//! whose results have their own shape: an error's rest wraps each enclosing list's
//! remainder around the failing part (`[[Bad] | Tail]` for a code point, `[RestBin |
//! Tail]` for a binary), an encoded character left unfinished by one binary is completed
//! from the next, binaries over 8192 bytes are taken in 8192-byte pieces, and anything
//! that is not a code point, binary or list is `badarg` only when reached. Restated here
//! from that code's behaviour (checked against erl by tests/erlang/bif_fuzz/bif_fuzz3.erl and
//! unicode_utf16_32.erl).

use beam_runtime::construct;
use beam_runtime::ops::view;
use beam_runtime::term::Term;

use crate::bifs::{atom, error, heap_err, small, BifCx, Raise};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wide {
    Utf16 { little: bool },
    Utf32 { little: bool },
}

/// Bytes of a binary taken at once (`ml_map` splits longer ones).
const PIECE: usize = 8192;

fn badarg() -> Raise {
    error("badarg")
}

/// How a run of bytes decoded (`do_i_utf16_big/1` and friends with `cbv/2`).
enum Decoded {
    Done,
    /// Invalid from this offset on.
    Error(usize),
    /// A character begun at this offset needs this many more bytes.
    Incomplete(usize, usize),
}

fn valid(cp: u32) -> bool {
    cp <= 0x10FFFF && !(0xD800..=0xDFFF).contains(&cp)
}

fn word(b: &[u8], little: bool) -> u32 {
    if little {
        b.iter().rev().fold(0, |a, &x| a << 8 | u32::from(x))
    } else {
        b.iter().fold(0, |a, &x| a << 8 | u32::from(x))
    }
}

/// One character at the start of `b`: its code point and length.
fn next(b: &[u8], enc: Wide) -> Option<(u32, usize)> {
    match enc {
        Wide::Utf32 { little } => {
            let cp = word(b.get(..4)?, little);
            valid(cp).then_some((cp, 4))
        }
        Wide::Utf16 { little } => {
            let w1 = word(b.get(..2)?, little);
            if !(0xD800..=0xDFFF).contains(&w1) {
                return Some((w1, 2));
            }
            if w1 > 0xDBFF {
                return None;
            }
            let w2 = word(b.get(2..4)?, little);
            (0xDC00..=0xDFFF)
                .contains(&w2)
                .then(|| (0x10000 + ((w1 - 0xD800) << 10) + (w2 - 0xDC00), 4))
        }
    }
}

/// unicode.erl's `cbv/2`: how many bytes the start of a character in `b` still needs,
/// or `None` when it cannot be the start of one.
fn missing(b: &[u8], enc: Wide) -> Option<usize> {
    let sur_hi = |x: u8| x >> 2 == 54;
    let sur_lo = |x: u8| x >> 2 == 55;
    match (enc, b) {
        (Wide::Utf16 { little: false }, [a]) if *a <= 215 || *a >= 224 => Some(1),
        (Wide::Utf16 { little: false }, [a]) if sur_hi(*a) => Some(3),
        (Wide::Utf16 { little: false }, [a, _]) if sur_hi(*a) => Some(2),
        (Wide::Utf16 { little: false }, [a, _, c]) if sur_hi(*a) && sur_lo(*c) => Some(1),
        (Wide::Utf16 { little: true }, [_]) => Some(1),
        (Wide::Utf16 { little: true }, [_, a]) if sur_hi(*a) => Some(2),
        (Wide::Utf16 { little: true }, [_, a, _]) if sur_hi(*a) => Some(1),
        (Wide::Utf32 { little: false }, [0]) => Some(3),
        (Wide::Utf32 { little: false }, [0, x]) if *x <= 16 => Some(2),
        (Wide::Utf32 { little: false }, [0, x, y])
            if *x <= 16 && (*x > 0 || *y <= 215 || *y >= 224) =>
        {
            Some(1)
        }
        (Wide::Utf32 { little: true }, [_]) => Some(3),
        (Wide::Utf32 { little: true }, [_, _]) => Some(2),
        (Wide::Utf32 { little: true }, [254 | 255, 255, 0]) => None,
        (Wide::Utf32 { little: true }, [_, y, x])
            if *x <= 16 && (*x > 0 || *y <= 215 || *y >= 224) =>
        {
            Some(1)
        }
        _ => None,
    }
}

struct Ml<'a, 'b> {
    c: &'a mut BifCx<'b>,
    enc: Wide,
    /// UTF-8 converted so far (`Accum`).
    out: Vec<u8>,
    /// Bytes of an unfinished character and how many more it needs.
    pending: Option<(Vec<u8>, usize)>,
}

/// How converting a piece of data stopped (`ml_map`'s results).
enum Stop {
    Error(Term),
    Incomplete(Vec<u8>, usize),
}

impl Ml<'_, '_> {
    fn bin(&mut self, b: &[u8]) -> Result<Term, Raise> {
        view::make_bits(&mut self.c.heap, b, 8 * b.len() as u64).map_err(heap_err)
    }

    fn cons(&mut self, h: Term, t: Term) -> Result<Term, Raise> {
        construct::cons(&mut self.c.heap, h, t).map_err(heap_err)
    }

    /// Appends what `b` decodes to; how it ended.
    fn decode(&mut self, b: &[u8]) -> Decoded {
        let mut i = 0;
        while i < b.len() {
            match next(&b[i..], self.enc) {
                Some((cp, n)) => {
                    let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                    let mut buf = [0; 4];
                    self.out
                        .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += n;
                }
                None => {
                    return match missing(&b[i..], self.enc) {
                        Some(m) => Decoded::Incomplete(i, m),
                        None => Decoded::Error(i),
                    };
                }
            }
        }
        Decoded::Done
    }

    /// `ml_map(L, Fun, Accum)` for `t` a list element's list, tail or the whole data.
    fn run(&mut self, mut t: Term) -> Result<Option<Stop>, Raise> {
        loop {
            if t == Term::NIL {
                return Ok(self.pending.take().map(|(b, m)| Stop::Incomplete(b, m)));
            }
            if let Some(b) = whole_bytes(t) {
                return self.tail_binary(b);
            }
            let (Some(h), Some(tail)) = (construct::head(t), construct::tail(t)) else {
                return Err(badarg());
            };
            let int = h.small_value().map(i64::from);
            if int.is_some() || beam_runtime::bignum::value(h).is_some() {
                if let Some((inc, _)) = self.pending.take() {
                    let inc = self.bin(&inc)?;
                    return Ok(Some(Stop::Error(self.cons(inc, t)?)));
                }
                // A bignum is above the code point limit, as a negative or a surrogate is
                // not a character: `{error, _, [[Bad] | Tail]}`.
                match int
                    .and_then(|cp| u32::try_from(cp).ok())
                    .and_then(char::from_u32)
                {
                    Some(ch) => {
                        let mut buf = [0; 4];
                        self.out
                            .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        t = tail;
                    }
                    None => {
                        let bad = self.cons(h, Term::NIL)?;
                        return Ok(Some(Stop::Error(self.cons(bad, tail)?)));
                    }
                }
            } else if let Some(b) = whole_bytes(h) {
                match self.element_binary(b, tail)? {
                    Step::Next(next) => t = next,
                    Step::Stop(s) => return Ok(Some(s)),
                }
            } else if h.is_list() || h == Term::NIL {
                match self.run(h)? {
                    None => t = tail,
                    Some(Stop::Error(rest)) => {
                        return Ok(Some(Stop::Error(self.cons(rest, tail)?)));
                    }
                    Some(Stop::Incomplete(b, m)) => {
                        self.pending = Some((b, m));
                        t = tail;
                    }
                }
            } else {
                return Err(badarg());
            }
        }
    }

    /// A binary element followed by `tail`: what comes next.
    fn element_binary(&mut self, b: Vec<u8>, tail: Term) -> Result<Step, Raise> {
        if let Some((mut inc, miss)) = self.pending.take() {
            if b.len() >= miss {
                inc.extend_from_slice(&b[..miss]);
                let trailing = self.bin(&b[miss..])?;
                let rest = self.cons(trailing, tail)?;
                let part = self.bin(&inc)?;
                return Ok(Step::Next(self.cons(part, rest)?));
            }
            inc.extend_from_slice(&b);
            self.pending = Some((inc, miss - b.len()));
            return Ok(Step::Next(tail));
        }
        if b.len() > PIECE {
            let second = self.bin(&b[PIECE..])?;
            let rest = self.cons(second, tail)?;
            return self.element_binary(b[..PIECE].to_vec(), rest);
        }
        Ok(match self.decode(&b) {
            Decoded::Done => Step::Next(tail),
            Decoded::Incomplete(at, m) => {
                self.pending = Some((b[at..].to_vec(), m));
                Step::Next(tail)
            }
            Decoded::Error(at) => {
                let rest = self.bin(&b[at..])?;
                Step::Stop(Stop::Error(self.cons(rest, tail)?))
            }
        })
    }

    /// A binary as the whole data or a list's tail.
    fn tail_binary(&mut self, b: Vec<u8>) -> Result<Option<Stop>, Raise> {
        if let Some((mut inc, miss)) = self.pending.take() {
            if b.len() >= miss {
                let i = self.bin(&inc)?;
                let t = self.bin(&b)?;
                let l = construct::list(&mut self.c.heap, &[i, t]).map_err(heap_err)?;
                return self.run(l);
            }
            inc.extend_from_slice(&b);
            return Ok(Some(Stop::Incomplete(inc, miss - b.len())));
        }
        if b.len() > PIECE {
            let first = self.bin(&b[..PIECE])?;
            let second = self.bin(&b[PIECE..])?;
            let l = construct::list(&mut self.c.heap, &[first, second]).map_err(heap_err)?;
            return self.run(l);
        }
        Ok(match self.decode(&b) {
            Decoded::Done => None,
            Decoded::Incomplete(at, m) => Some(Stop::Incomplete(b[at..].to_vec(), m)),
            Decoded::Error(at) => Some(Stop::Error(self.bin(&b[at..])?)),
        })
    }
}

enum Step {
    Next(Term),
    Stop(Stop),
}

/// The bytes of a binary (not a bitstring with a partial byte).
fn whole_bytes(t: Term) -> Option<Vec<u8>> {
    let b = view::bits(t).ok()?;
    (b.bits % 8 == 0).then_some(b.bytes)
}

/// `characters_to_binary(Data, Enc)` (`list`: `characters_to_list`) for UTF-16/32 input.
pub(crate) fn convert(c: &mut BifCx<'_>, data: Term, enc: Wide, list: bool) -> Result<Term, Raise> {
    let mut ml = Ml {
        c,
        enc,
        out: Vec::new(),
        pending: None,
    };
    let stop = ml.run(data)?;
    let out = std::mem::take(&mut ml.out);
    let c = ml.c;
    let done = if list {
        let cps: Vec<Term> = String::from_utf8_lossy(&out)
            .chars()
            .map(|ch| small(i64::from(u32::from(ch))))
            .collect();
        construct::list(&mut c.heap, &cps).map_err(heap_err)?
    } else {
        view::make_bits(&mut c.heap, &out, 8 * out.len() as u64).map_err(heap_err)?
    };
    let (tag, rest) = match stop {
        None => return Ok(done),
        Some(Stop::Error(r)) => ("error", r),
        Some(Stop::Incomplete(b, _)) => (
            "incomplete",
            view::make_bits(&mut c.heap, &b, 8 * b.len() as u64).map_err(heap_err)?,
        ),
    };
    construct::tuple(&mut c.heap, &[atom(tag), done, rest]).map_err(heap_err)
}
