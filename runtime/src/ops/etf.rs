//! The external term format: [`encode`] (`term_to_binary/1` of OTP 25, byte for byte) and
//! [`decode`] (`binary_to_term/1`, into any [`crate::heap::Alloc`]: a literal area for the
//! loader, a heap or fragment at run time).
//!
//! Tag numbers are facts from OTP's `erts/emulator/beam/external.h` and the "External Term
//! Format" chapter of the ERTS user's guide. What OTP 25's encoder picks, checked with
//! `erl` (runtime/tests/ops_erl_oracle.rs):
//! - integers: `SMALL_INTEGER_EXT` for 0..=255, `INTEGER_EXT` for the rest of i32, else
//!   `SMALL_BIG_EXT` (≤ 255 digit bytes) or `LARGE_BIG_EXT`;
//! - floats: `NEW_FLOAT_EXT`;
//! - atoms: `ATOM_EXT` (latin-1 bytes) when every character is below 256, else
//!   `SMALL_ATOM_UTF8_EXT` / `ATOM_UTF8_EXT` by UTF-8 length (OTP 26 changed this);
//! - proper lists of at most 65535 integers 0..=255: `STRING_EXT`; other lists
//!   `LIST_EXT` (the improper tail, or `NIL_EXT`, follows the elements);
//! - maps: `MAP_EXT`, flat maps in key order;
//! - pids, ports, refs: `NEW_PID_EXT`, `NEW_PORT_EXT`, `NEWER_REFERENCE_EXT`; the local
//!   node is `nonode@nohost` with creation 0 (a node that is not distributed).
//!
//! The decoder lives in `etf/decode.rs`. Both directions work on explicit stacks (no
//! recursion on nesting depth). The decoder never trusts a length: every read is
//! bounds-checked and errors name the byte offset.

use super::compare::{cell, elements};
use super::view::{self, class, Class, Num, TermError};
use crate::atom::AtomError;
use crate::construct;
use crate::heap::HeapError;
use crate::term::*;
use num_bigint::{BigInt, Sign};

mod decode;
pub use decode::{decode, decode_prefix};

pub const VERSION: u8 = 131;
pub const NEW_FLOAT_EXT: u8 = 70;
pub const BIT_BINARY_EXT: u8 = 77;
pub const COMPRESSED: u8 = 80;
pub const ATOM_CACHE_REF: u8 = 82;
pub const NEW_PID_EXT: u8 = 88;
pub const NEW_PORT_EXT: u8 = 89;
pub const NEWER_REFERENCE_EXT: u8 = 90;
pub const SMALL_INTEGER_EXT: u8 = 97;
pub const INTEGER_EXT: u8 = 98;
pub const FLOAT_EXT: u8 = 99;
pub const ATOM_EXT: u8 = 100;
pub const REFERENCE_EXT: u8 = 101;
pub const PORT_EXT: u8 = 102;
pub const PID_EXT: u8 = 103;
pub const SMALL_TUPLE_EXT: u8 = 104;
pub const LARGE_TUPLE_EXT: u8 = 105;
pub const NIL_EXT: u8 = 106;
pub const STRING_EXT: u8 = 107;
pub const LIST_EXT: u8 = 108;
pub const BINARY_EXT: u8 = 109;
pub const SMALL_BIG_EXT: u8 = 110;
pub const LARGE_BIG_EXT: u8 = 111;
pub const NEW_FUN_EXT: u8 = 112;
pub const EXPORT_EXT: u8 = 113;
pub const NEW_REFERENCE_EXT: u8 = 114;
pub const SMALL_ATOM_EXT: u8 = 115;
pub const MAP_EXT: u8 = 116;
pub const FUN_EXT: u8 = 117;
pub const ATOM_UTF8_EXT: u8 = 118;
pub const SMALL_ATOM_UTF8_EXT: u8 = 119;
pub const V4_PORT_EXT: u8 = 120;

/// Longest list `STRING_EXT` holds (external.h: MAX_STRING_LEN).
const MAX_STRING_LEN: usize = 0xFFFF;

/// External-format errors. Decoding errors carry the byte offset in the input.
#[derive(Debug, thiserror::Error)]
pub enum EtfError {
    #[error("byte {offset}: {what}")]
    Malformed { offset: usize, what: &'static str },
    #[error("byte {offset}: input ends inside a term ({need} more bytes needed)")]
    Truncated { offset: usize, need: usize },
    #[error("byte {offset}: unknown tag {tag}")]
    UnknownTag { offset: usize, tag: u8 },
    #[error("byte {offset}: tag {tag} ({what}) is not supported")]
    Unsupported {
        offset: usize,
        tag: u8,
        what: &'static str,
    },
    #[error("byte {offset}: {source}")]
    Atom { offset: usize, source: AtomError },
    #[error("byte {offset}: building the decoded term: {source}")]
    Heap { offset: usize, source: HeapError },
    #[error("cannot encode: {0}")]
    Term(#[from] TermError),
    #[error("cannot encode {term:?}: {what}")]
    Unencodable { term: Term, what: &'static str },
}

/// `term_to_binary(t)`.
pub fn encode(t: Term) -> Result<Vec<u8>, EtfError> {
    let mut out = vec![VERSION];
    encode_into(t, &mut out)?;
    Ok(out)
}

/// `term_to_binary(t, [{minor_version, 2}])`: every atom as UTF-8
/// (`SMALL_ATOM_UTF8_EXT`), as the compiler's literal table has them (beam_asm asks for
/// minor version 2, so a .beam written on the JIT is erlc's byte for byte).
pub fn encode_minor2(t: Term) -> Result<Vec<u8>, EtfError> {
    let mut out = vec![VERSION];
    encode_with(t, &mut out, true)?;
    Ok(out)
}

/// `term_to_binary(t, Options)` without compression: `utf8` encodes every atom as UTF-8
/// (minor version 2); `deterministic` writes a HAMT map's pairs in map key order
/// (integers before floats, else term order), as erts does, instead of its hash order.
pub fn encode_opts(t: Term, utf8: bool, deterministic: bool) -> Result<Vec<u8>, EtfError> {
    let mut out = vec![VERSION];
    encode_flags(t, &mut out, utf8, deterministic)?;
    Ok(out)
}

/// Appends the encoding of `t` (without the version byte) to `out`.
pub fn encode_into(t: Term, out: &mut Vec<u8>) -> Result<(), EtfError> {
    encode_with(t, out, false)
}

/// [`encode_into`]; `utf8` encodes every atom as UTF-8 (minor version 2).
fn encode_with(t: Term, out: &mut Vec<u8>, utf8: bool) -> Result<(), EtfError> {
    encode_flags(t, out, utf8, false)
}

fn encode_flags(
    t: Term,
    out: &mut Vec<u8>,
    utf8: bool,
    deterministic: bool,
) -> Result<(), EtfError> {
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        match class(t)? {
            Class::Small | Class::Big | Class::Float => match view::number(t)? {
                Num::Int(i) => encode_int(&BigInt::from(i), out),
                Num::Big(b) => encode_int(&b, out),
                Num::Float(f) => {
                    out.push(NEW_FLOAT_EXT);
                    out.extend_from_slice(&f.to_bits().to_be_bytes());
                }
            },
            Class::Atom => encode_atom(&view::atom_text(t)?, out, utf8),
            Class::Nil => out.push(NIL_EXT),
            Class::Tuple => {
                let e = elements(t)?;
                if e.len() < 256 {
                    out.extend_from_slice(&[SMALL_TUPLE_EXT, e.len() as u8]);
                } else {
                    out.push(LARGE_TUPLE_EXT);
                    out.extend_from_slice(&(e.len() as u32).to_be_bytes());
                }
                stack.extend(e.into_iter().rev());
            }
            Class::List => {
                let mut elems = Vec::new();
                let mut cur = t;
                while cur.is_list() {
                    let (h, tl) = cell(cur)?;
                    elems.push(h);
                    cur = tl;
                }
                let bytes: Option<Vec<u8>> = if cur.is_nil() && elems.len() <= MAX_STRING_LEN {
                    elems
                        .iter()
                        .map(|e| e.small_value().and_then(|v| u8::try_from(v).ok()))
                        .collect()
                } else {
                    None
                };
                if let Some(b) = bytes {
                    out.push(STRING_EXT);
                    out.extend_from_slice(&(b.len() as u16).to_be_bytes());
                    out.extend_from_slice(&b);
                } else {
                    out.push(LIST_EXT);
                    out.extend_from_slice(&(elems.len() as u32).to_be_bytes());
                    stack.push(cur);
                    stack.extend(elems.into_iter().rev());
                }
            }
            Class::Map => {
                let mut e = super::print::map_entries(t)?;
                // OTP writes a HAMT's pairs in `maps:to_list/1` order, the reverse of the
                // trie order the printer walks (flat maps: key order either way).
                if crate::map::is_flat(t) == Some(false) {
                    if deterministic {
                        let mut err = None;
                        e.sort_by(|a, b| {
                            super::compare::compare_exact(a.0, b.0).unwrap_or_else(|x| {
                                err = Some(x);
                                std::cmp::Ordering::Equal
                            })
                        });
                        if let Some(x) = err {
                            return Err(x.into());
                        }
                    } else {
                        e.reverse();
                    }
                }
                out.push(MAP_EXT);
                out.extend_from_slice(&(e.len() as u32).to_be_bytes());
                for (k, v) in e.into_iter().rev() {
                    stack.push(v);
                    stack.push(k);
                }
            }
            Class::Binary => {
                let b = view::bits(t)?;
                let tail = b.tail_bits();
                if tail == 0 {
                    out.push(BINARY_EXT);
                    out.extend_from_slice(&(b.bytes.len() as u32).to_be_bytes());
                } else {
                    out.push(BIT_BINARY_EXT);
                    out.extend_from_slice(&(b.bytes.len() as u32).to_be_bytes());
                    out.push(tail);
                }
                out.extend_from_slice(&b.bytes);
            }
            Class::Pid => {
                let d = t.pid_data().unwrap_or(0);
                out.push(NEW_PID_EXT);
                encode_atom("nonode@nohost", out, utf8);
                for w in [d & 0x7FFF, d >> 15, 0] {
                    out.extend_from_slice(&w.to_be_bytes());
                }
            }
            Class::Port => {
                out.push(NEW_PORT_EXT);
                encode_atom("nonode@nohost", out, utf8);
                for w in [t.port_data().unwrap_or(0), 0] {
                    out.extend_from_slice(&w.to_be_bytes());
                }
            }
            Class::Ref => {
                let Some(n) = construct::ref_numbers(t) else {
                    return Err(EtfError::Unencodable {
                        term: t,
                        what: "unreadable reference",
                    });
                };
                out.push(NEWER_REFERENCE_EXT);
                out.extend_from_slice(&3u16.to_be_bytes());
                encode_atom("nonode@nohost", out, utf8);
                out.extend_from_slice(&0u32.to_be_bytes());
                for w in n {
                    out.extend_from_slice(&w.to_be_bytes());
                }
            }
            Class::ExtPid | Class::ExtPort | Class::ExtRef => encode_external(t, out, utf8)?,
            Class::Export => {
                let mfa = construct::export_entry(t)
                    .and_then(|e| super::code_info().and_then(|c| c.export_mfa(e)));
                let Some((m, f, a)) = mfa else {
                    return Err(EtfError::Unencodable {
                        term: t,
                        what: "export without registered code info",
                    });
                };
                out.push(EXPORT_EXT);
                encode_atom(&view::atom_text(m)?, out, utf8);
                encode_atom(&view::atom_text(f)?, out, utf8);
                encode_int(&BigInt::from(a), out);
            }
            Class::Fun => encode_local_fun(t, out, utf8, deterministic)?,
        }
    }
    Ok(())
}

/// `NEW_FUN_EXT`: Size (from itself to the end), Arity, Uniq (the module checksum),
/// Index, NumFree, then the terms Module, OldIndex, OldUniq, Pid and the free variables
/// (erts external.c; OTP 25 writes the lambda's index as both indexes). The free
/// variables are encoded here, recursively, so the size can be written before them.
fn encode_local_fun(
    t: Term,
    out: &mut Vec<u8>,
    utf8: bool,
    deterministic: bool,
) -> Result<(), EtfError> {
    let unencodable = |what| EtfError::Unencodable { term: t, what };
    let (entry, arity, creator, env) =
        construct::fun_parts(t).ok_or_else(|| unencodable("unreadable fun"))?;
    let info = super::code_info().ok_or_else(|| unencodable("fun without registered code info"))?;
    let (module, index, old_uniq) = info
        .fun_identity(entry)
        .ok_or_else(|| unencodable("fun whose code no loaded module has"))?;
    let md5 = info
        .fun_new_uniq(entry)
        .or_else(|| info.module_md5(module))
        .unwrap_or_default();
    out.push(NEW_FUN_EXT);
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.push(u8::try_from(arity).map_err(|_| unencodable("fun arity over 255"))?);
    out.extend_from_slice(&md5);
    out.extend_from_slice(&index.to_be_bytes());
    out.extend_from_slice(&(env.len() as u32).to_be_bytes());
    encode_atom(&view::atom_text(module)?, out, utf8);
    encode_int(&BigInt::from(index), out);
    encode_int(&BigInt::from(old_uniq), out);
    encode_flags(creator, out, utf8, deterministic)?;
    for v in env {
        encode_flags(v, out, utf8, deterministic)?;
    }
    let size = u32::try_from(out.len() - start).map_err(|_| unencodable("fun over 4 GB"))?;
    out[start..start + 4].copy_from_slice(&size.to_be_bytes());
    Ok(())
}

fn encode_int(v: &BigInt, out: &mut Vec<u8>) {
    if let Ok(b) = u8::try_from(v) {
        out.extend_from_slice(&[SMALL_INTEGER_EXT, b]);
    } else if let Ok(i) = i32::try_from(v) {
        out.push(INTEGER_EXT);
        out.extend_from_slice(&i.to_be_bytes());
    } else {
        let (sign, digits) = v.to_bytes_le();
        if digits.len() < 256 {
            out.extend_from_slice(&[SMALL_BIG_EXT, digits.len() as u8]);
        } else {
            out.push(LARGE_BIG_EXT);
            out.extend_from_slice(&(digits.len() as u32).to_be_bytes());
        }
        out.push(u8::from(sign == Sign::Minus));
        out.extend_from_slice(&digits);
    }
}

fn encode_atom(name: &str, out: &mut Vec<u8>, utf8: bool) {
    let latin1: Option<Vec<u8>> = name.chars().map(|c| u8::try_from(c as u32).ok()).collect();
    match latin1 {
        Some(b) if !utf8 => {
            out.push(ATOM_EXT);
            out.extend_from_slice(&(b.len() as u16).to_be_bytes());
            out.extend_from_slice(&b);
        }
        _ if name.len() < 256 => {
            out.extend_from_slice(&[SMALL_ATOM_UTF8_EXT, name.len() as u8]);
            out.extend_from_slice(name.as_bytes());
        }
        _ => {
            out.push(ATOM_UTF8_EXT);
            out.extend_from_slice(&(name.len() as u16).to_be_bytes());
            out.extend_from_slice(name.as_bytes());
        }
    }
}

/// External pids/ports/refs: data words are creation, then the identifier words.
fn encode_external(t: Term, out: &mut Vec<u8>, utf8: bool) -> Result<(), EtfError> {
    let Some((kind, node, data)) = construct::external_parts(t) else {
        return Err(EtfError::Unencodable {
            term: t,
            what: "unreadable external identifier",
        });
    };
    let creation = data.first().copied().unwrap_or(0);
    let ids = data.get(1..).unwrap_or(&[]);
    let node = view::atom_text(node)?;
    let word = |i: usize| ids.get(i).copied().unwrap_or(0).to_be_bytes();
    match kind {
        BoxedKind::ExternalPid => {
            out.push(NEW_PID_EXT);
            encode_atom(&node, out, utf8);
            out.extend_from_slice(&word(0));
            out.extend_from_slice(&word(1));
        }
        BoxedKind::ExternalPort => {
            out.push(NEW_PORT_EXT);
            encode_atom(&node, out, utf8);
            out.extend_from_slice(&word(0));
        }
        _ => {
            out.push(NEWER_REFERENCE_EXT);
            out.extend_from_slice(&(ids.len() as u16).to_be_bytes());
            encode_atom(&node, out, utf8);
            out.extend_from_slice(&creation.to_be_bytes());
            for w in ids {
                out.extend_from_slice(&w.to_be_bytes());
            }
            return Ok(());
        }
    }
    out.extend_from_slice(&creation.to_be_bytes());
    Ok(())
}
