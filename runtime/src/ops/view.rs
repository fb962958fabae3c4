//! Reading terms for the term operations: what kind of term a word is (in the terms of
//! OTP's `tag_val_def`, which decides term order), the bits of any bitstring, numbers as
//! Rust values, and the one builder the other modules lack (bitstrings whose length is not
//! a whole number of bytes).
//!
//! Every reader here goes through the checked accessors ([`crate::mem::read`] and the
//! `construct`/`binary`/`map` readers), so a wild pointer gives a [`TermError`] naming the
//! term instead of a crash.

use crate::heap::{Alloc, HeapError};
use crate::term::*;
use crate::{atom, binary, construct, mem};
use num_bigint::BigInt;

/// A term the operations cannot read: not a term at all (a header word, a catch tag, a
/// continuation pointer), a pointer outside every guest region, or a malformed object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable term {term:?}: {what}")]
pub struct TermError {
    pub term: Term,
    pub what: &'static str,
}

pub(crate) fn bad<T>(term: Term, what: &'static str) -> Result<T, TermError> {
    Err(TermError { term, what })
}

/// The kinds of term the operations tell apart. The first letters follow OTP's
/// `erl_term.h` `*_DEF` classes (`SMALL_DEF` … `BINARY_DEF`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Small,
    Big,
    Float,
    Atom,
    Ref,
    ExtRef,
    Fun,
    Export,
    Port,
    ExtPort,
    Pid,
    ExtPid,
    Tuple,
    Map,
    Nil,
    List,
    Binary,
}

impl Class {
    pub fn is_number(self) -> bool {
        matches!(self, Class::Small | Class::Big | Class::Float)
    }
    pub fn is_integer(self) -> bool {
        matches!(self, Class::Small | Class::Big)
    }
    /// Position in Erlang's term order between types (number < atom < reference < fun <
    /// port < pid < tuple < map < nil < list < bitstring). Internal and external
    /// pids/ports/refs share a rank (OTP compares them with one routine); funs sort before
    /// exports (`FUN_DEF` 0xa > `EXPORT_DEF` 0x9 in erl_term.h, and a higher DEF sorts
    /// lower).
    pub fn rank(self) -> u8 {
        match self {
            Class::Small | Class::Big | Class::Float => 0,
            Class::Atom => 1,
            Class::Ref | Class::ExtRef => 2,
            Class::Fun => 3,
            Class::Export => 4,
            Class::Port | Class::ExtPort => 5,
            Class::Pid | Class::ExtPid => 6,
            Class::Tuple => 7,
            Class::Map => 8,
            Class::Nil => 9,
            Class::List => 10,
            Class::Binary => 11,
        }
    }
}

/// The class of `t`.
pub fn class(t: Term) -> Result<Class, TermError> {
    match t.primary_tag() {
        PRIMARY_LIST => Ok(Class::List),
        PRIMARY_IMMED1 => {
            if t.is_small() {
                Ok(Class::Small)
            } else if t.is_atom() {
                Ok(Class::Atom)
            } else if t.is_nil() {
                Ok(Class::Nil)
            } else if t.is_pid() {
                Ok(Class::Pid)
            } else if t.is_port() {
                Ok(Class::Port)
            } else {
                bad(t, "a catch tag or unknown immediate is not a term")
            }
        }
        PRIMARY_BOXED => {
            let Some(h) = mem::read(t.ptr()).map(Term) else {
                return bad(t, "boxed pointer outside guest memory");
            };
            if !h.is_header() {
                return bad(t, "boxed pointer to a non-header word");
            }
            Ok(match h.boxed_kind() {
                BoxedKind::Tuple => Class::Tuple,
                BoxedKind::PosBig | BoxedKind::NegBig => Class::Big,
                BoxedKind::Float => Class::Float,
                BoxedKind::Ref => Class::Ref,
                BoxedKind::ExternalRef => Class::ExtRef,
                BoxedKind::Fun => Class::Fun,
                BoxedKind::Export => Class::Export,
                BoxedKind::ExternalPid => Class::ExtPid,
                BoxedKind::ExternalPort => Class::ExtPort,
                BoxedKind::Map => Class::Map,
                BoxedKind::HeapBinary | BoxedKind::RefcBinary | BoxedKind::SubBinary => {
                    Class::Binary
                }
                BoxedKind::MatchState => return bad(t, "a match state is not a term"),
                BoxedKind::Unused => return bad(t, "header with the unused subtag 0xB"),
            })
        }
        _ => bad(t, "a header word or continuation pointer is not a term"),
    }
}

/// A number as a Rust value; small integers stay machine integers.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    Int(i64),
    Big(BigInt),
    Float(f64),
}

/// The value of an integer or float term.
pub fn number(t: Term) -> Result<Num, TermError> {
    if let Some(v) = t.small_value() {
        return Ok(Num::Int(v as i64));
    }
    if let Some(f) = construct::float_value(t) {
        return Ok(Num::Float(f));
    }
    match crate::bignum::value(t) {
        Some(v) => Ok(match i64::try_from(&v) {
            Ok(i) => Num::Int(i),
            Err(_) => Num::Big(v),
        }),
        None => bad(t, "not a readable number"),
    }
}

/// The text of an atom.
pub fn atom_text(t: Term) -> Result<String, TermError> {
    match atom::name(t) {
        Some(s) => Ok(s),
        None => bad(t, "atom index not in the atom table"),
    }
}

/// The contents of a bitstring: `bits` bits, most significant bit of `bytes[0]` first; the
/// unused low bits of a partial last byte are zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits {
    pub bytes: Vec<u8>,
    pub bits: u64,
}

impl Bits {
    /// Bits in the last byte when the length is not a whole number of bytes (1..=7), else 0.
    pub fn tail_bits(&self) -> u8 {
        (self.bits % 8) as u8
    }
}

/// The contents of a binary or bitstring term of any representation.
pub fn bits(t: Term) -> Result<Bits, TermError> {
    let p = t.ptr();
    let kind = construct::boxed_kind(t);
    if kind != Some(BoxedKind::SubBinary) {
        return match binary::bytes(t) {
            Some(bytes) => {
                let bits = bytes.len() as u64 * 8;
                Ok(Bits { bytes, bits })
            }
            None => bad(t, "not a readable binary"),
        };
    }
    // Sub binary (binary.rs layout): size, offs, bitsize | bitoffs << 8, orig.
    let (Some(size), Some(offs), Some(w3), Some(orig)) = (
        mem::read(p + 4),
        mem::read(p + 8),
        mem::read(p + 12),
        mem::read(p + 16),
    ) else {
        return bad(t, "sub binary outside guest memory");
    };
    let (bitsize, bitoffs) = (w3 & 0xFF, (w3 >> 8) & 0xFF);
    if bitsize > 7 || bitoffs > 7 {
        return bad(t, "sub binary with a bit size or bit offset above 7");
    }
    let Some(whole) = binary::bytes(Term(orig)) else {
        return bad(t, "sub binary whose original is not a readable binary");
    };
    let start = offs as u64 * 8 + bitoffs as u64;
    let nbits = size as u64 * 8 + bitsize as u64;
    if start + nbits > whole.len() as u64 * 8 {
        return bad(t, "sub binary reaching past the end of its original");
    }
    Ok(Bits {
        bytes: extract_bits(&whole, start, nbits),
        bits: nbits,
    })
}

/// `nbits` bits of `src` from bit `start`, left-aligned into fresh bytes.
pub(crate) fn extract_bits(src: &[u8], start: u64, nbits: u64) -> Vec<u8> {
    let nbytes = nbits.div_ceil(8) as usize;
    let shift = (start % 8) as u32;
    let first = (start / 8) as usize;
    let mut out = Vec::with_capacity(nbytes);
    for i in 0..nbytes {
        let hi = src.get(first + i).copied().unwrap_or(0);
        let b = if shift == 0 {
            hi
        } else {
            let lo = src.get(first + i + 1).copied().unwrap_or(0);
            (hi << shift) | (lo >> (8 - shift))
        };
        out.push(b);
    }
    let rem = (nbits % 8) as u32;
    if rem != 0 {
        if let Some(last) = out.last_mut() {
            *last &= 0xFFu8 << (8 - rem);
        }
    }
    out
}

/// Words [`make_bits`] takes for a bitstring of `bits` bits.
pub fn bits_words(bits: u64) -> u32 {
    let n = bits.div_ceil(8) as u32;
    binary::binary_words(n)
        + if bits.is_multiple_of(8) {
            0
        } else {
            binary::SUB_BIN_WORDS
        }
}

/// Builds a bitstring of `bits` bits from `bytes` (left-aligned, as in [`Bits`]): a plain
/// binary when `bits` is a multiple of 8, else a binary holding the bytes and a sub binary
/// that views all but the unused low bits of its last byte (as OTP represents bitstrings).
pub fn make_bits(a: &mut dyn Alloc, bytes: &[u8], bits: u64) -> Result<Term, HeapError> {
    let n = bits.div_ceil(8) as usize;
    let mut data = bytes[..n.min(bytes.len())].to_vec();
    data.resize(n, 0);
    if bits.is_multiple_of(8) {
        return binary::new_binary(a, &data);
    }
    if let Some(last) = data.last_mut() {
        *last &= 0xFFu8 << (8 - bits % 8);
    }
    let orig = binary::new_binary(a, &data)?;
    let sub = binary::sub_binary(a, orig, 0, (bits / 8) as u32)?;
    // SAFETY: `sub` was just allocated by sub_binary (5 words); word 3 holds
    // bitsize | bitoffs << 8, which sub_binary left 0.
    unsafe { mem::raw_write(sub.ptr() + 12, (bits % 8) as u32) };
    Ok(sub)
}
