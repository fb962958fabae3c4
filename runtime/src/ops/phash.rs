//! `erlang:phash/2`: OTP's *old* portable hash (`make_hash` in erts/emulator/beam/utils.c,
//! restated). OTP's `sets` and `dict` still use it to place elements, so the order of
//! `sets:to_list/1` and `dict:to_list/1` depends on it bit for bit.
//!
//! The hash is a fold over the term in depth-first order, `hash = hash * P + x mod 2^32`
//! with primes just above 2^28 (the FUNNY_NUMBERs below). Integers are hashed as the
//! little-endian bytes of their magnitude, padded to whole 32-bit words, so small and big
//! integers agree and the value does not depend on the word size; strings (byte elements
//! of a list) take a shortcut. Checked against `erl` by runtime/tests/ops_erl_oracle.rs.

use super::compare::{cell, elements};
use super::view::{self, bad, class, Class, Num, TermError};
use crate::term::Term;
use crate::{construct, map};
use num_bigint::BigInt;

const F1: u32 = 268_440_163;
const F2: u32 = 268_439_161;
const F3: u32 = 268_435_459;
const F4: u32 = 268_436_141;
const F5: u32 = 268_438_633;
const F6: u32 = 268_437_017;
const F8: u32 = 268_437_511;
const F9: u32 = 268_439_627;
const F10: u32 = 268_440_479;
const F11: u32 = 268_440_577;
const F12: u32 = 268_440_581;
const F13: u32 = 268_440_593;
const F14: u32 = 268_440_611;

/// `erlang:phash(t, range)` = `make_hash(t) mod range + 1`, for `range` in 1..=2^32
/// (`None` for a bad range).
pub fn phash(t: Term, range: u64) -> Result<Option<u64>, TermError> {
    if range == 0 || range > 1 << 32 {
        return Ok(None);
    }
    Ok(Some(make_hash(t)? as u64 % range + 1))
}

/// `make_hash/1`.
pub fn make_hash(t: Term) -> Result<u32, TermError> {
    let mut h = 0u32;
    fold(t, &mut h)?;
    Ok(h)
}

fn step(h: &mut u32, p: u32, x: u32) {
    *h = h.wrapping_mul(p).wrapping_add(x);
}

/// UINT32_HASH_STEP: the four bytes of `x`, least significant first.
fn word(h: &mut u32, x: u32, p: u32) {
    for i in 0..4 {
        step(h, p, (x >> (8 * i)) & 0xFF);
    }
}

fn atom_hv(t: Term) -> Result<u32, TermError> {
    Ok(super::hash::atom_hash(&view::atom_text(t)?))
}

fn integer(h: &mut u32, v: &BigInt) {
    let (sign, words) = v.to_u32_digits();
    if words.is_empty() {
        word(h, 0, F2);
    }
    for w in words {
        word(h, w, F2);
    }
    *h = h.wrapping_mul(if sign == num_bigint::Sign::Minus {
        F4
    } else {
        F3
    });
}

/// Folds `t` into `h`. Recursion follows the term's nesting (not list length: the
/// spine of a list is a loop), as deep as the term is.
fn fold(t: Term, h: &mut u32) -> Result<(), TermError> {
    match class(t)? {
        Class::Nil => step(h, F3, 1),
        Class::Atom => step(h, F1, atom_hv(t)?),
        Class::Small | Class::Big | Class::Float => match view::number(t)? {
            Num::Int(v) => integer(h, &BigInt::from(v)),
            Num::Big(v) => integer(h, &v),
            Num::Float(f) => {
                // utils.c hashes +0.0 for both zeros.
                let bits = if f == 0.0 { 0 } else { f.to_bits() };
                step(h, F6, (bits >> 32) as u32 ^ bits as u32);
            }
        },
        Class::List => {
            let mut cur = t;
            while cur.is_list() {
                let (hd, tl) = cell(cur)?;
                match hd.small_value().filter(|v| (0..256).contains(v)) {
                    Some(b) => step(h, F2, b as u32),
                    None => fold(hd, h)?,
                }
                cur = tl;
            }
            fold(cur, h)?;
            *h = h.wrapping_mul(F8);
        }
        Class::Tuple => {
            let e = elements(t)?;
            for &x in &e {
                fold(x, h)?;
            }
            step(h, F9, e.len() as u32);
        }
        Class::Binary => {
            let b = view::bits(t)?;
            let sz = (b.bits / 8) as usize;
            for &byte in &b.bytes[..sz] {
                step(h, F1, byte as u32);
            }
            let rem = b.tail_bits();
            if rem > 0 {
                step(h, F1, (b.bytes[sz] >> (8 - rem)) as u32);
                step(h, F12, rem as u32);
            }
            step(h, F4, sz as u32);
        }
        Class::Map => {
            if map::entries(t).is_none() {
                return bad(t, "unreadable map");
            }
            let inner = super::hash::make_hash2(t)?;
            *h = h.wrapping_mul(F13).wrapping_add(F14).wrapping_add(inner);
        }
        Class::Export => {
            let mfa = construct::export_entry(t)
                .and_then(|e| super::code_info().and_then(|c| c.export_mfa(e)));
            let Some((m, f, a)) = mfa else {
                return bad(t, "export without registered code info");
            };
            step(h, F11, a);
            step(h, F1, atom_hv(m)?);
            step(h, F1, atom_hv(f)?);
        }
        Class::Fun => {
            let Some((entry, _, _, env)) = construct::fun_parts(t) else {
                return bad(t, "unreadable fun");
            };
            let id = super::code_info().and_then(|c| c.fun_identity(entry));
            let Some((m, index, uniq)) = id else {
                return bad(t, "fun without registered code info");
            };
            step(h, F10, env.len() as u32);
            step(h, F1, atom_hv(m)?);
            step(h, F2, index);
            step(h, F2, uniq);
            for &x in &env {
                fold(x, h)?;
            }
        }
        Class::Ref | Class::ExtRef => {
            let n0 = if let Some(n) = construct::ref_numbers(t) {
                n[0]
            } else if let Some((_, _, data)) = construct::external_parts(t) {
                data.get(1).copied().unwrap_or(0)
            } else {
                return bad(t, "unreadable reference");
            };
            word(h, n0, F9);
            *h = h.wrapping_mul(F10);
        }
        Class::Pid | Class::ExtPid | Class::Port | Class::ExtPort => {
            let pid = matches!(class(t)?, Class::Pid | Class::ExtPid);
            let number = match t.pid_data().or(t.port_data()) {
                Some(d) if pid => d & 0x7FFF,
                Some(d) => d,
                None => match construct::external_parts(t) {
                    Some((_, _, data)) => data.get(1).copied().unwrap_or(0),
                    None => return bad(t, "unreadable external identifier"),
                },
            };
            let (p1, p2) = if pid { (F5, F6) } else { (F9, F10) };
            word(h, number, p1);
            *h = h.wrapping_mul(p2);
        }
    }
    Ok(())
}
