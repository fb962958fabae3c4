//! OTP 25's *internal* term hash, `make_internal_hash(Term, 0)` of erts/emulator/beam/
//! utils.c (restated, not copied), which places keys in a HAMT map: computing the same
//! value is what makes `maps:to_list/1`, `maps:iterator/1` and `~p` of maps with more than
//! 32 keys come out in erl's order.
//!
//! The hash is Bob Jenkins' MIX folded over the term in depth-first order
//! (`UINT32_HASH_2(a, b, K)`: `hash = MIX(K + a, K + b, hash)`), starting from the salt
//! `3432918353` (`INTERNAL_HASH_SALT`). Unlike `phash2` it hashes immediates by their *raw
//! tagged word*, so the value depends on the word size: the reference is the 64-bit erl
//! this project is compared with, so immediates are hashed as their 64-bit encoding
//! (`I << 4 | 0xF` for a small integer, which on 64 bits covers -2^59..2^59-1: integers
//! that are bignums on this 32-bit VM but smalls there hash as erl's smalls). Atoms hash by
//! their atom-table index (`index << 6 | 0xB`), so their placement matches erl's only when
//! the index does; pids, ports, references and funs hash by this VM's own data (their
//! placement is deterministic here but not erl's). Checked against
//! `erts_debug:get_internal_state({internal_hash, T})` by the unit test below, and the
//! resulting map order against erl by tests/erlang/output/map_order.erl.

use super::compare::{cell, elements};
use super::hash::{block_hash, mix};
use super::view::{self, bad, class, Class, TermError};
use crate::term::{BoxedKind, Term, MAP_HEADER_TAG_FLATMAP_HEAD, MAP_HEADER_TAG_HAMT_NODE_BITMAP};
use crate::{bignum, construct, mem};
use num_bigint::Sign;

const HCONST: u32 = 0x9e37_79b9;
const HCONST_4: u32 = 0x78dd_e6e4;
const HCONST_7: u32 = 0x5384_540f;
const HCONST_9: u32 = 0x8ff3_4781;
const HCONST_10: u32 = 0x2e2a_c13a;
const HCONST_11: u32 = 0xcc62_3af3;
const HCONST_12: u32 = 0x6a99_b4ac;
const HCONST_13: u32 = 0x08d1_2e65;
const HCONST_15: u32 = 0x4540_21d7;
const HCONST_16: u32 = 0xe377_9b90;
const HCONST_17: u32 = 0x81af_1549;
const HCONST_18: u32 = 0x1fe6_8f02;
const HCONST_20: u32 = 0x5c55_8274;
const HCONST_22: u32 = 0x98c4_75e6;
/// utils.c: INTERNAL_HASH_SALT (a 32-bit prime, so the value differs from phash2's).
const INTERNAL_HASH_SALT: u32 = 3_432_918_353;
/// 64-bit erl's small integer range (60-bit signed).
const MIN_SMALL64: i64 = -(1 << 59);
const MAX_SMALL64: i64 = (1 << 59) - 1;

enum Item {
    Term(Term),
    /// The end of a cons cell whose tail is not a list (`HASH_CDR`).
    Cdr,
}

struct H(u32);

impl H {
    #[inline]
    fn u32_2(&mut self, a: u32, b: u32, k: u32) {
        self.0 = mix(k.wrapping_add(a), k.wrapping_add(b), self.0).2;
    }
    fn u32_1(&mut self, a: u32, k: u32) {
        self.u32_2(a, 0, k);
    }
    /// A raw 64-bit immediate: low word, high word.
    #[inline]
    fn immed64(&mut self, w: u64) {
        self.u32_2(w as u32, (w >> 32) as u32, HCONST);
    }
    /// `CONST_HASH`: light mixing of a type constant.
    fn konst(&mut self, k: u32) {
        self.0 = (self.0 ^ k).rotate_left(17);
    }
}

/// An immediate as the 64-bit word OTP 25 hashes: a small integer re-tagged at 64 bits,
/// anything else as it is.
#[inline]
fn immed_word(t: Term) -> u64 {
    match t.small_value() {
        Some(v) => small64(v as i64),
        None => t.0 as u64,
    }
}

#[inline]
fn small64(v: i64) -> u64 {
    ((v << 4) as u64) | 0xF
}

fn is_byte(t: Term) -> Option<u32> {
    t.small_value()
        .filter(|v| (0..256).contains(v))
        .map(|v| v as u32)
}

/// `make_internal_hash(t, 0)` as OTP 25 computes it on a 64-bit machine.
///
/// An immediate (every small-integer or atom ETS key, map key...) is hashed here, inline
/// in the caller (a map's get or put hashes its key each time), without setting up the
/// walk's stack: the same value as the walk's first step.
#[inline]
pub fn internal_hash(t: Term) -> Result<u32, TermError> {
    if t.is_immed() {
        let mut h = H(INTERNAL_HASH_SALT);
        h.immed64(immed_word(t));
        return Ok(h.0);
    }
    internal_hash_walk(t)
}

/// `internal_hash` of a term that is not an immediate: a depth-first walk.
fn internal_hash_walk(t: Term) -> Result<u32, TermError> {
    let mut h = H(INTERNAL_HASH_SALT);
    let mut stack: Vec<Item> = Vec::new();
    let mut term = t;
    loop {
        // `Some(next)`: go on with `next` without popping.
        let next: Option<Term> = if term.is_immed() {
            h.immed64(immed_word(term));
            None
        } else if term.is_list() {
            let (mut c, mut sh) = (0u32, 0u32);
            let mut cur = term;
            loop {
                let (hd, tl) = cell(cur)?;
                let Some(b) = is_byte(hd) else { break };
                sh = (sh << 8).wrapping_add(b);
                if c == 3 {
                    h.u32_1(sh, HCONST_4);
                    c = 0;
                    sh = 0;
                } else {
                    c += 1;
                }
                cur = tl;
                if !tl.is_list() {
                    break;
                }
            }
            if c > 0 {
                h.u32_2(sh, c, HCONST_22);
            }
            if cur.is_list() {
                // A cell whose head is not a byte: hash the head, then the tail.
                let (hd, tl) = cell(cur)?;
                h.konst(HCONST_17);
                stack.push(Item::Term(tl));
                if !tl.is_list() {
                    stack.push(Item::Cdr);
                }
                Some(hd)
            } else {
                Some(cur)
            }
        } else {
            boxed(term, &mut h, &mut stack)?
        };
        if let Some(n) = next {
            term = n;
            continue;
        }
        loop {
            match stack.pop() {
                None => return Ok(h.0),
                Some(Item::Cdr) => h.konst(HCONST_18),
                Some(Item::Term(t)) => {
                    term = t;
                    break;
                }
            }
        }
    }
}

/// Hashes a boxed term; returns the term to go on with, if any (the rest is on `stack`).
fn boxed(term: Term, h: &mut H, stack: &mut Vec<Item>) -> Result<Option<Term>, TermError> {
    Ok(match class(term)? {
        Class::Tuple => {
            let e = elements(term)?;
            h.u32_1(e.len() as u32, HCONST_9);
            if e.is_empty() {
                None
            } else {
                stack.extend(e[1..].iter().rev().map(|&x| Item::Term(x)));
                Some(e[0])
            }
        }
        Class::Map => {
            map_node(term, h, stack)?;
            None
        }
        Class::Float => {
            let Some(mut f) = construct::float_value(term) else {
                return bad(term, "unreadable float");
            };
            if f == 0.0 {
                f = 0.0; // -0.0 hashes as +0.0
            }
            let b = f.to_bits();
            // `fw[0]` is the first word in memory: the low half on little-endian erl.
            h.u32_2(b as u32, (b >> 32) as u32, HCONST_12);
            None
        }
        Class::Big => {
            let Some(v) = bignum::value(term) else {
                return bad(term, "unreadable bignum");
            };
            match i64::try_from(&v) {
                Ok(s) if (MIN_SMALL64..=MAX_SMALL64).contains(&s) => h.immed64(small64(s)),
                _ => {
                    let (sign, digits) = v.to_u64_digits();
                    let con = if sign == Sign::Minus {
                        HCONST_10
                    } else {
                        HCONST_11
                    };
                    for d in digits {
                        h.u32_2(d as u32, (d >> 32) as u32, con);
                    }
                }
            }
            None
        }
        Class::Binary => {
            let bits = view::bits(term)?;
            let sz = (bits.bits / 8) as usize;
            let tail = bits.tail_bits() as u32;
            let con = HCONST_13.wrapping_add(h.0);
            if sz == 0 && tail == 0 {
                h.0 = con;
            } else {
                h.0 = block_hash(&bits.bytes[..sz], con);
                if tail > 0 {
                    h.u32_2(tail, (bits.bytes[sz] >> (8 - tail)) as u32, HCONST_15);
                }
            }
            None
        }
        Class::Fun => {
            // The lambda's identity (what `=:=` compares: a fun decoded for code that is not
            // loaded equals the loaded code's), else the entry address; then the
            // environment as OTP does.
            let Some((entry, _, _, env)) = construct::fun_parts(term) else {
                return bad(term, "unreadable fun");
            };
            let id = super::code_info()
                .and_then(|c| c.fun_identity(entry))
                .map_or(entry, |(m, i, u)| {
                    m.0 ^ i.wrapping_mul(0x9e37_79b9) ^ u.rotate_left(7)
                });
            h.u32_2(env.len() as u32, id, HCONST_20);
            stack.extend(env.iter().rev().map(|&x| Item::Term(x)));
            None
        }
        _ => {
            // References, exports, external pids/ports/refs: the words of the object.
            let p = term.ptr();
            let Some(hdr) = mem::read(p).map(Term) else {
                return bad(term, "boxed term outside guest memory");
            };
            for i in 1..=hdr.header_arity() {
                let Some(w) = mem::read(p + 4 * i) else {
                    return bad(term, "boxed term outside guest memory");
                };
                h.u32_1(w, HCONST_7);
            }
            None
        }
    })
}

/// A map node: flat map (size, then keys and values pairwise), HAMT head (size, then the
/// children) or inner node (children). Leaves `[K|V]` push V then K; subnodes are pushed
/// whole; the last child ends on top, as utils.c's ESTACK order has it.
fn map_node(m: Term, h: &mut H, stack: &mut Vec<Item>) -> Result<(), TermError> {
    let p = m.ptr();
    let Some(hdr) = mem::read(p).map(Term) else {
        return bad(m, "map outside guest memory");
    };
    if hdr.boxed_kind() != BoxedKind::Map {
        return bad(m, "not a map node");
    }
    let rd = |a: u32| mem::read(a).map_or_else(|| bad(m, "map outside guest memory"), Ok);
    match hdr.map_type() {
        MAP_HEADER_TAG_FLATMAP_HEAD => {
            let n = rd(p + 4)?;
            let keys = Term(rd(p + 8)?);
            h.u32_1(n, HCONST_16);
            for i in (0..n).rev() {
                stack.push(Item::Term(Term(rd(p + 12 + 4 * i)?)));
                stack.push(Item::Term(Term(rd(keys.ptr() + 4 + 4 * i)?)));
            }
        }
        t => {
            let first = if t == MAP_HEADER_TAG_HAMT_NODE_BITMAP {
                1
            } else {
                let n = rd(p + 4)?;
                h.u32_1(n, HCONST_16);
                if n == 0 {
                    return Ok(());
                }
                2
            };
            for i in 0..hdr.map_val().count_ones() {
                let c = Term(rd(p + 4 * (first + i))?);
                if c.is_list() {
                    let (k, v) = cell(c)?;
                    stack.push(Item::Term(v));
                    stack.push(Item::Term(k));
                } else {
                    stack.push(Item::Term(c));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary;
    use crate::heap::Heap;
    use crate::map;
    use crate::ops::view::make_bits;
    use num_bigint::BigInt;

    fn int(n: i64) -> Term {
        Term::small(n).unwrap()
    }

    /// Values printed by OTP 25 (x86-64) for
    /// `erts_debug:get_internal_state({internal_hash, T})` of the same terms.
    #[test]
    fn matches_erl_internal_hash() {
        let mut h = Heap::with_size(4096).unwrap();
        let a = &mut h;
        let big = |a: &mut Heap, v: BigInt| bignum::integer(a, &v).unwrap();
        let list = |a: &mut Heap, v: &[Term]| construct::list(a, v).unwrap();
        let cases: Vec<(Term, u32)> = vec![
            (int(1), 2441450838),
            (int(0), 3620831944),
            (int(-1), 559702020),
            (Term::NIL, 2464209347),
            (construct::float(a, 1.0).unwrap(), 1476340101),
            (construct::float(a, -0.0).unwrap(), 2778859731),
            (binary::new_binary(a, &[1, 2, 3]).unwrap(), 4177851886),
            (make_bits(a, &[1, 2, 3, 0x40], 28).unwrap(), 3661557829),
            (binary::new_binary(a, &[]).unwrap(), 3580844982),
            (list(a, &[int(1), int(2)]), 2125191709),
            (construct::cons(a, int(1), int(2)).unwrap(), 813403020),
            (
                list(
                    a,
                    &"abcde".bytes().map(|b| int(b as i64)).collect::<Vec<_>>(),
                ),
                513042836,
            ),
            (construct::tuple(a, &[int(1), int(2)]).unwrap(), 240741374),
            (construct::tuple(a, &[]).unwrap(), 904478834),
            (big(a, BigInt::from(1) << 70usize), 1532645093),
            (big(a, -(BigInt::from(1) << 70usize)), 3667445918),
            // A bignum here, a small on 64-bit erl.
            (big(a, BigInt::from(1) << 40usize), 1309661989),
            (map::flatmap(a, &[int(1)], &[int(2)]).unwrap(), 3344407571),
        ];
        let one = construct::tuple(a, &[int(1)]).unwrap();
        let nested = list(a, &[one]);
        for (t, want) in cases.into_iter().chain([(nested, 2557408812)]) {
            assert_eq!(
                internal_hash(t).unwrap(),
                want,
                "{}",
                crate::ops::print::write(t).unwrap()
            );
        }
    }
}
