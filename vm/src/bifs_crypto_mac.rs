//! crypto's CMAC and Poly1305 MACs (`mac/3,4`, `macN/4,5`; vm/src/bifs_crypto.rs has
//! HMAC and sends these here) on RustCrypto's cmac and poly1305, and the deprecated
//! `rand_uniform/2` on the OS's random source. Errors as erl 25.2's (`{badarg, {"mac.c",
//! Line}, Description}`, found by running it).

use aes::{Aes128, Aes192, Aes256};
use cmac::Mac;
use num_bigint::{BigInt, Sign};
use poly1305::universal_hash::KeyInit;

use crate::bifs::{atom, error, heap_err, int_term, small, Bif, BifCx, Raise};
use crate::bifs_more::{iolist, string};
use beam_runtime::construct;
use beam_runtime::ops::view;
use beam_runtime::term::Term;

pub static CRYPTO_MAC: &[Bif] = &[
    Bif {
        name: "mac",
        arity: 3,
        f: |c, a| mac3(c, a[0], a[1], a[2], None),
    },
    Bif {
        name: "macN",
        arity: 4,
        f: |c, a| mac3(c, a[0], a[1], a[2], Some(a[3])),
    },
    Bif {
        name: "mac_init",
        arity: 2,
        f: |c, a| {
            if a[0] != atom("poly1305") {
                return Err(error("function_clause"));
            }
            init(c, a[0], None, a[1])
        },
    },
    Bif {
        name: "rand_uniform",
        arity: 2,
        f: rand_uniform,
    },
];

fn mac_error(c: &mut BifCx<'_>, line: i64, what: &str) -> Raise {
    let build = |c: &mut BifCx<'_>| -> Result<Term, Raise> {
        let f = string(c, "mac.c")?;
        let loc = construct::tuple(&mut c.heap, &[f, small(line)]).map_err(heap_err)?;
        let d = string(c, what)?;
        construct::tuple(&mut c.heap, &[atom("badarg"), loc, d]).map_err(heap_err)
    };
    match build(c) {
        Ok(t) => Raise::Error(t),
        Err(e) => e,
    }
}

fn bytes(t: Term) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    iolist(t, &mut v).ok()?;
    Some(v)
}

/// `macN`'s length: the first `N` bytes, `badarg` for a negative or too long `N`.
fn truncated(c: &mut BifCx<'_>, mac: &[u8], n: Option<Term>) -> Result<Term, Raise> {
    let k = match n.map(|n| n.small_value()) {
        None => mac.len(),
        Some(Some(k)) if k >= 0 && (k as usize) <= mac.len() => k as usize,
        Some(_) => return Err(error("badarg")),
    };
    view::make_bits(&mut c.heap, &mac[..k], k as u64 * 8).map_err(heap_err)
}

/// `mac(poly1305, Key, Data)` (crypto.erl has no other `mac/3` clause).
fn mac3(
    c: &mut BifCx<'_>,
    kind: Term,
    key: Term,
    data: Term,
    n: Option<Term>,
) -> Result<Term, Raise> {
    if kind != atom("poly1305") {
        return Err(error("function_clause"));
    }
    let key = bytes(key).ok_or_else(|| error("badarg"))?;
    let m = poly1305_mac(c, &key, data)?;
    truncated(c, &m, n)
}

fn poly1305_mac(c: &mut BifCx<'_>, key: &[u8], data: Term) -> Result<Vec<u8>, Raise> {
    let Some(data) = bytes(data) else {
        return Err(mac_error(c, 175, "Bad text"));
    };
    poly1305_of(key, &data).ok_or_else(|| mac_error(c, 235, "Bad key length"))
}

fn poly1305_of(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let p = poly1305::Poly1305::new_from_slice(key).ok()?;
    Some(p.compute_unpadded(data).to_vec())
}

/// The key sizes a CMAC subtype takes (`None`: not a cipher CMAC runs on here).
fn cmac_sizes(subtype: Term) -> Option<&'static [usize]> {
    Some(match beam_runtime::atom::name(subtype)?.as_str() {
        "aes_cbc" => &[16, 24, 32],
        "aes_128_cbc" => &[16],
        "aes_192_cbc" => &[24],
        "aes_256_cbc" => &[32],
        _ => return None,
    })
}

fn cmac_of(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    match key.len() {
        16 => cmac_with::<cmac::Cmac<Aes128>>(key, data),
        24 => cmac_with::<cmac::Cmac<Aes192>>(key, data),
        32 => cmac_with::<cmac::Cmac<Aes256>>(key, data),
        _ => None,
    }
}

/// A CMAC/Poly1305 state: a binary (tag, kind, key, data so far), as HMAC's in
/// vm/src/bifs_crypto.rs.
const STATE_TAG: &[u8] = b"\0crypto_mac2\0";

fn state(c: &mut BifCx<'_>, poly: bool, key: &[u8], data: &[u8]) -> Result<Term, Raise> {
    let mut s = STATE_TAG.to_vec();
    s.push(u8::from(poly));
    s.extend((key.len() as u32).to_be_bytes());
    s.extend_from_slice(key);
    s.extend_from_slice(data);
    view::make_bits(&mut c.heap, &s, s.len() as u64 * 8).map_err(heap_err)
}

/// (Poly1305?, key, data) of a state.
fn parse(t: Term) -> Option<(bool, Vec<u8>, Vec<u8>)> {
    let b = view::bits(t).ok().filter(|b| b.bits % 8 == 0)?.bytes;
    let rest = b.strip_prefix(STATE_TAG)?;
    let (&kind, rest) = rest.split_first()?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let key = rest.get(4..4 + len)?.to_vec();
    Some((kind == 1, key, rest.get(4 + len..)?.to_vec()))
}

/// `mac_init(cmac, SubType, Key)`, `mac_init(poly1305, Key)` (from vm/src/bifs_crypto.rs
/// and `mac_init/2` here).
pub(crate) fn init(
    c: &mut BifCx<'_>,
    kind: Term,
    subtype: Option<Term>,
    key: Term,
) -> Result<Term, Raise> {
    let key = bytes(key).ok_or_else(|| error("badarg"))?;
    if kind == atom("poly1305") {
        if key.len() != 32 {
            return Err(mac_error(c, 589, "Bad key length"));
        }
        return state(c, true, &key, &[]);
    }
    let Some(sizes) = subtype.and_then(cmac_sizes) else {
        return Err(mac_error(c, 658, "Unknown cipher"));
    };
    if !sizes.contains(&key.len()) {
        return Err(mac_error(c, 661, "Bad key size"));
    }
    state(c, false, &key, &[])
}

/// `mac_update/2` of a CMAC/Poly1305 state; `None`: `st` is not one.
pub(crate) fn update(c: &mut BifCx<'_>, st: Term, data: Term) -> Option<Result<Term, Raise>> {
    let (poly, key, mut so_far) = parse(st)?;
    let Some(more) = bytes(data) else {
        return Some(Err(mac_error(c, 794, "Bad text")));
    };
    so_far.extend(more);
    Some(state(c, poly, &key, &so_far))
}

/// `mac_final/1`, `mac_finalN/2` of a CMAC/Poly1305 state; `None`: `st` is not one.
pub(crate) fn finish(c: &mut BifCx<'_>, st: Term, n: Option<Term>) -> Option<Result<Term, Raise>> {
    let (poly, key, data) = parse(st)?;
    let m = if poly {
        poly1305_of(&key, &data)
    } else {
        cmac_of(&key, &data)
    };
    Some(match m {
        Some(m) => truncated(c, &m, n),
        None => Err(error("badarg")),
    })
}

fn cmac_with<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let mut m = <M as KeyInit>::new_from_slice(key).ok()?;
    Mac::update(&mut m, data);
    Some(m.finalize().into_bytes().to_vec())
}

/// `mac(cmac | poly1305, SubType, Key, Data)` and `macN/5` of them (from
/// vm/src/bifs_crypto.rs, whose `mac/4` is HMAC's). CMAC on AES-CBC (RFC 4493). erl
/// also takes other modes, where OpenSSL's CMAC gives something else (ECB: no chaining
/// across blocks; stream modes: a 1-byte MAC): not done, `Unknown cipher` here.
pub(crate) fn mac4(c: &mut BifCx<'_>, a: &[Term], n: Option<Term>) -> Result<Term, Raise> {
    let key = bytes(a[2]).ok_or_else(|| error("badarg"))?;
    if a[0] == atom("poly1305") {
        let m = poly1305_mac(c, &key, a[3])?;
        return truncated(c, &m, n);
    }
    let Some(data) = bytes(a[3]) else {
        return Err(mac_error(c, 175, "Bad text"));
    };
    let Some(sizes) = cmac_sizes(a[1]) else {
        return Err(mac_error(c, 313, "Unknown cipher"));
    };
    if !sizes.contains(&key.len()) {
        return Err(mac_error(c, 316, "Bad key size"));
    }
    let m = cmac_of(&key, &data).ok_or_else(|| error("badarg"))?;
    truncated(c, &m, n)
}

fn integer(t: Term) -> Option<BigInt> {
    match t.small_value() {
        Some(v) => Some(BigInt::from(v)),
        None => beam_runtime::bignum::value(t),
    }
}

/// `rand_uniform(Lo, Hi)`: a random integer `Lo =< N < Hi` (integers of any size).
fn rand_uniform(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (Some(lo), Some(hi)) = (integer(a[0]), integer(a[1])) else {
        return Err(error("function_clause"));
    };
    if lo >= hi {
        return Err(error("badarg"));
    }
    let range = &hi - &lo;
    // 8 bytes beyond the range's own make the bias of the modulo negligible.
    let mut buf = vec![0u8; range.to_bytes_be().1.len() + 8];
    getrandom::getrandom(&mut buf).map_err(|_| error("low_entropy"))?;
    let r = BigInt::from_bytes_be(Sign::Plus, &buf) % &range;
    int_term(c, &(lo + r))
}
