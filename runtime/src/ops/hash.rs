//! `erlang:phash2/1,2`: OTP's portable term hash (`make_hash2` in erts/emulator/beam/
//! utils.c, Bob Jenkins' mix), restated. The hash depends only on the term's value, not
//! on its representation or the machine: integers beyond 28 bits are hashed as bignums
//! (which is what they are here), floats by their IEEE bits (high word first), atoms by
//! the hashpjw value of their name (atom.c's `atom_hash`), map pairs XOR-ed together so
//! key order does not matter. Checked against `erl` by the oracle test.

use super::compare::cell;
use super::view::{self, bad, class, Class, Num, TermError};
use crate::term::Term;
use crate::{construct, map};
use num_bigint::{BigInt, Sign};

const HCONST: u32 = 0x9e37_79b9;
const HCONST_2: u32 = 0x3c6e_f372;
const HCONST_3: u32 = 0xdaa6_6d2b;
const HCONST_4: u32 = 0x78dd_e6e4;
const HCONST_5: u32 = 0x1715_609d;
const HCONST_6: u32 = 0xb54c_da56;
const HCONST_7: u32 = 0x5384_540f;
const HCONST_9: u32 = 0x8ff3_4781;
const HCONST_10: u32 = 0x2e2a_c13a;
const HCONST_11: u32 = 0xcc62_3af3;
const HCONST_12: u32 = 0x6a99_b4ac;
const HCONST_13: u32 = 0x08d1_2e65;
const HCONST_14: u32 = 0xa708_a81e;
const HCONST_15: u32 = 0x4540_21d7;
const HCONST_16: u32 = 0xe377_9b90;
const HCONST_19: u32 = 0xbe1e_08bb;
/// `make_hash2` of `[]` when nothing was hashed before it.
const NIL_HASH: u32 = 3_468_870_702;
/// erl_term.h: NIL_DEF.
const NIL_DEF: u32 = 0x2;

/// `erlang:phash2(t)`: 27 bits.
pub fn phash2(t: Term) -> Result<u32, TermError> {
    Ok(make_hash2(t)? & ((1 << 27) - 1))
}

/// `erlang:phash2(t, range)` for `range` in 1..=2^32 (`None` for a bad range).
pub fn phash2_range(t: Term, range: u64) -> Result<Option<u32>, TermError> {
    if range == 0 || range > 1 << 32 {
        return Ok(None);
    }
    let h = make_hash2(t)? as u64;
    Ok(Some(if range.is_power_of_two() {
        (h & (range - 1)) as u32
    } else {
        (h % range) as u32
    }))
}

/// Jenkins' MIX of three words (utils.c: MIX).
#[inline]
pub(crate) fn mix(mut a: u32, mut b: u32, mut c: u32) -> (u32, u32, u32) {
    a = a.wrapping_sub(b).wrapping_sub(c) ^ (c >> 13);
    b = b.wrapping_sub(c).wrapping_sub(a) ^ (a << 8);
    c = c.wrapping_sub(a).wrapping_sub(b) ^ (b >> 13);
    a = a.wrapping_sub(b).wrapping_sub(c) ^ (c >> 12);
    b = b.wrapping_sub(c).wrapping_sub(a) ^ (a << 16);
    c = c.wrapping_sub(a).wrapping_sub(b) ^ (b >> 5);
    a = a.wrapping_sub(b).wrapping_sub(c) ^ (c >> 3);
    b = b.wrapping_sub(c).wrapping_sub(a) ^ (a << 10);
    c = c.wrapping_sub(a).wrapping_sub(b) ^ (b >> 15);
    (a, b, c)
}

/// Jenkins' hash of a byte block, little-endian words (utils.c: block_hash).
pub(crate) fn block_hash(k: &[u8], initval: u32) -> u32 {
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let (mut a, mut b, mut c) = (HCONST, HCONST, initval);
    let mut chunks = k.chunks_exact(12);
    for ch in &mut chunks {
        a = a.wrapping_add(word(&ch[0..4]));
        b = b.wrapping_add(word(&ch[4..8]));
        c = c.wrapping_add(word(&ch[8..12]));
        (a, b, c) = mix(a, b, c);
    }
    let rest = chunks.remainder();
    c = c.wrapping_add(k.len() as u32);
    let byte = |i: usize| rest.get(i).copied().unwrap_or(0) as u32;
    // The first byte of c is reserved for the length.
    c = c.wrapping_add((byte(8) << 8) | (byte(9) << 16) | (byte(10) << 24));
    b = b.wrapping_add(byte(4) | (byte(5) << 8) | (byte(6) << 16) | (byte(7) << 24));
    a = a.wrapping_add(byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24));
    mix(a, b, c).2
}

/// atom.c `atom_hash`: hashpjw over the name, with two-byte UTF-8 sequences of latin-1
/// characters folded back to one byte (so the value matches pre-UTF-8 releases).
pub fn atom_hash(name: &str) -> u32 {
    let p = name.as_bytes();
    let mut h: u32 = 0;
    let mut i = 0;
    while i < p.len() {
        let mut v = p[i] as u32;
        i += 1;
        if i < p.len() && (v & 0xFE) == 0xC2 && (p[i] & 0xC0) == 0x80 {
            v = ((v << 6) | (p[i] as u32 & 0x3F)) & 0xFF;
            i += 1;
        }
        h = (h << 4).wrapping_add(v);
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
            h ^= g;
        }
    }
    h
}

enum Item {
    Term(Term),
    /// End of a map: restore the saved hash and mix in the pairs' XOR.
    MapTail,
    /// End of one key-value pair: fold its hash into the XOR.
    MapPair,
    Saved(u32),
}

struct H {
    hash: u32,
}

impl H {
    fn u32_2(&mut self, x: u32, y: u32, k: u32) {
        self.hash = mix(k.wrapping_add(x), k.wrapping_add(y), self.hash).2;
    }
    fn u32_1(&mut self, x: u32, k: u32) {
        self.u32_2(x, 0, k);
    }
    fn sint32(&mut self, y: i32, k: u32) {
        if y < 0 {
            // Negative numbers are mixed twice (as OTP does).
            self.u32_1(y.wrapping_neg() as u32, k);
        }
        self.u32_1(y as u32, k);
    }
    fn bignum(&mut self, v: &BigInt) {
        let (sign, digits) = v.to_u32_digits();
        let con = if sign == Sign::Minus {
            HCONST_10
        } else {
            HCONST_11
        };
        let mut i = 0;
        loop {
            let x = digits.get(i).copied().unwrap_or(0);
            let y = digits.get(i + 1).copied().unwrap_or(0);
            i += 2;
            self.u32_2(x, y, con);
            if i >= digits.len() {
                break;
            }
        }
    }
}

fn is_byte(t: Term) -> Option<u32> {
    t.small_value()
        .filter(|v| (0..256).contains(v))
        .map(|v| v as u32)
}

fn atom_hv(t: Term) -> Result<u32, TermError> {
    Ok(atom_hash(&view::atom_text(t)?))
}

/// `make_hash2/1` (all 32 bits).
pub fn make_hash2(t: Term) -> Result<u32, TermError> {
    let mut h = H { hash: 0 };
    let mut xor_pairs: u32 = 0;
    let mut stack: Vec<Item> = Vec::new();
    let mut term = t;
    loop {
        // `Some(next)`: continue with `next` without the common pop.
        let next: Option<Term> = match class(term)? {
            Class::List => {
                let (mut c, mut sh) = (0, 0u32);
                let mut cur = term;
                let mut stop_at_cell = None;
                loop {
                    let (hd, tl) = cell(cur)?;
                    match is_byte(hd) {
                        Some(b) => {
                            sh = (sh << 8).wrapping_add(b);
                            if c == 3 {
                                h.u32_1(sh, HCONST_4);
                                c = 0;
                                sh = 0;
                            } else {
                                c += 1;
                            }
                            if !tl.is_list() {
                                cur = tl;
                                break;
                            }
                            cur = tl;
                        }
                        None => {
                            stop_at_cell = Some((hd, tl));
                            break;
                        }
                    }
                }
                if c > 0 {
                    h.u32_1(sh, HCONST_4);
                }
                match stop_at_cell {
                    Some((hd, tl)) => {
                        stack.push(Item::Term(tl));
                        Some(hd)
                    }
                    None => Some(cur),
                }
            }
            Class::Tuple => {
                let e = super::compare::elements(term)?;
                h.u32_1(e.len() as u32, HCONST_9);
                if e.is_empty() {
                    None
                } else {
                    stack.extend(e[1..].iter().rev().map(|&x| Item::Term(x)));
                    Some(e[0])
                }
            }
            Class::Map => {
                let Some(entries) = map::entries(term) else {
                    return bad(term, "unreadable map");
                };
                h.u32_1(entries.len() as u32, HCONST_16);
                if !entries.is_empty() {
                    stack.push(Item::Saved(xor_pairs));
                    stack.push(Item::Saved(h.hash));
                    stack.push(Item::MapTail);
                    h.hash = 0;
                    xor_pairs = 0;
                    for (k, v) in entries.into_iter().rev() {
                        stack.push(Item::MapPair);
                        stack.push(Item::Term(v));
                        stack.push(Item::Term(k));
                    }
                }
                None
            }
            Class::Export => {
                let mfa = construct::export_entry(term)
                    .and_then(|e| super::code_info().and_then(|c| c.export_mfa(e)));
                let Some((m, f, a)) = mfa else {
                    return bad(term, "export without registered code info");
                };
                h.u32_2(a, atom_hv(m)?, HCONST);
                h.u32_1(atom_hv(f)?, HCONST_14);
                None
            }
            Class::Fun => {
                let Some((entry, _, _, env)) = construct::fun_parts(term) else {
                    return bad(term, "unreadable fun");
                };
                let id = super::code_info().and_then(|c| c.fun_identity(entry));
                let Some((m, index, uniq)) = id else {
                    return bad(term, "fun without registered code info");
                };
                h.u32_2(env.len() as u32, atom_hv(m)?, HCONST);
                h.u32_2(index, uniq, HCONST);
                if env.is_empty() {
                    None
                } else {
                    stack.extend(env[1..].iter().rev().map(|&x| Item::Term(x)));
                    Some(env[0])
                }
            }
            Class::Binary => {
                let b = view::bits(term)?;
                let sz = (b.bits / 8) as usize;
                let con = HCONST_13.wrapping_add(h.hash);
                if b.bits == 0 {
                    h.hash = con;
                } else {
                    h.hash = block_hash(&b.bytes[..sz], con);
                    let rem = b.tail_bits();
                    if rem > 0 {
                        h.u32_2(rem as u32, (b.bytes[sz] >> (8 - rem)) as u32, HCONST_15);
                    }
                }
                None
            }
            Class::Small | Class::Big | Class::Float => {
                match view::number(term)? {
                    // 28-bit values hash as 32-bit integers; larger ones as bignums
                    // (IS_SSMALL28 in utils.c), which keeps the hash portable.
                    Num::Int(v) if (-(1 << 27)..(1 << 27)).contains(&v) => {
                        h.sint32(v as i32, HCONST)
                    }
                    Num::Int(v) => h.bignum(&BigInt::from(v)),
                    Num::Big(v) => h.bignum(&v),
                    Num::Float(f) => {
                        let f = if f == 0.0 { 0.0 } else { f };
                        let bits = f.to_bits();
                        h.u32_2((bits >> 32) as u32, bits as u32, HCONST_12);
                    }
                }
                None
            }
            Class::Ref | Class::ExtRef => {
                let n0 = if let Some(n) = construct::ref_numbers(term) {
                    n[0]
                } else if let Some((_, _, data)) = construct::external_parts(term) {
                    data.get(1).copied().unwrap_or(0)
                } else {
                    return bad(term, "unreadable reference");
                };
                h.u32_1(n0, HCONST_7);
                None
            }
            Class::Pid | Class::ExtPid | Class::Port | Class::ExtPort => {
                let number = match term.pid_data().or(term.port_data()) {
                    Some(d) if term.is_pid() => d & 0x7FFF,
                    Some(d) => d,
                    None => match construct::external_parts(term) {
                        Some((_, _, data)) => data.get(1).copied().unwrap_or(0),
                        None => return bad(term, "unreadable external identifier"),
                    },
                };
                let pid = matches!(class(term)?, Class::Pid | Class::ExtPid);
                h.u32_1(number, if pid { HCONST_5 } else { HCONST_6 });
                None
            }
            Class::Atom => {
                let hv = atom_hv(term)?;
                if h.hash == 0 {
                    h.hash = hv;
                } else {
                    h.u32_1(hv, HCONST_3);
                }
                None
            }
            Class::Nil => {
                if h.hash == 0 {
                    h.hash = NIL_HASH;
                } else {
                    h.u32_1(NIL_DEF, HCONST_2);
                }
                None
            }
        };
        if let Some(n) = next {
            term = n;
            continue;
        }
        // hash2_common: the hash so far covers everything before; take the next item.
        loop {
            match stack.pop() {
                None => return Ok(h.hash),
                Some(Item::MapTail) => {
                    if let Some(Item::Saved(s)) = stack.pop() {
                        h.hash = s;
                    }
                    h.u32_1(xor_pairs, HCONST_19);
                    if let Some(Item::Saved(s)) = stack.pop() {
                        xor_pairs = s;
                    }
                }
                Some(Item::MapPair) => {
                    xor_pairs ^= h.hash;
                    h.hash = 0;
                }
                Some(Item::Saved(_)) => {}
                Some(Item::Term(t)) => {
                    term = t;
                    break;
                }
            }
        }
    }
}
