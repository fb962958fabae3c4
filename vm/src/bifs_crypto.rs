//! Module `crypto`'s common functions on RustCrypto crates (md-5, sha1, sha2, hmac) and
//! the OS's random source (getrandom).
//!
//! These replace crypto's exported functions, not its NIFs: crypto.erl calls its
//! `*_nif` functions locally, and a local call does not go through the BIF table (the
//! loader does not yet replace `nif_start` functions, which is what `erlang:load_nif`
//! does in BEAM). docs/erts-surface.md has the details. Errors are erl's:
//! `{badarg, {File, Line}, Description}` as crypto's NIFs raise them.
//!
//! Hash and MAC states are binaries here (a tag, the algorithm, the key, the data so
//! far), where erl gives a reference to a C context; they are just as immutable (an
//! update returns a new state) and only crypto's own functions read them.

use beam_runtime::construct;
use beam_runtime::ops::view;
use beam_runtime::term::Term;
use hmac::Mac;
use num_bigint::BigUint;
use sha2::Digest;

use crate::bifs::{atom, error, heap_err, int_term, Bif, BifCx, Raise};
use crate::bifs_more::{iolist, string};

pub static CRYPTO: &[Bif] = &[
    Bif {
        name: "hash",
        arity: 2,
        f: hash,
    },
    Bif {
        name: "hash_init",
        arity: 1,
        f: hash_init,
    },
    Bif {
        name: "hash_update",
        arity: 2,
        f: hash_update,
    },
    Bif {
        name: "hash_final",
        arity: 1,
        f: hash_final,
    },
    Bif {
        name: "mac",
        arity: 4,
        f: |c, a| mac(c, a, None),
    },
    Bif {
        name: "macN",
        arity: 5,
        f: |c, a| mac(c, a, Some(a[4])),
    },
    Bif {
        name: "mac_init",
        arity: 3,
        f: mac_init,
    },
    Bif {
        name: "mac_update",
        arity: 2,
        f: mac_update,
    },
    Bif {
        name: "mac_final",
        arity: 1,
        f: |c, a| mac_final(c, a[0], None),
    },
    Bif {
        name: "mac_finalN",
        arity: 2,
        f: |c, a| mac_final(c, a[0], Some(a[1])),
    },
    Bif {
        name: "strong_rand_bytes",
        arity: 1,
        f: strong_rand_bytes,
    },
    Bif {
        name: "exor",
        arity: 2,
        f: exor,
    },
    Bif {
        name: "hash_equals",
        arity: 2,
        f: hash_equals,
    },
    Bif {
        name: "bytes_to_integer",
        arity: 1,
        f: |c, a| {
            let b = binary_arg(a[0])?;
            int_term(c, &BigUint::from_bytes_be(&b).into())
        },
    },
    Bif {
        name: "pbkdf2_hmac",
        arity: 5,
        f: pbkdf2_hmac,
    },
];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Alg {
    Md5,
    Sha,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    Md4,
}

/// A hash or HMAC state's first byte is the algorithm's index here: new ones go last.
const ALGS: [(&str, Alg); 11] = [
    ("md5", Alg::Md5),
    ("sha", Alg::Sha),
    ("sha224", Alg::Sha224),
    ("sha256", Alg::Sha256),
    ("sha384", Alg::Sha384),
    ("sha512", Alg::Sha512),
    ("sha3_224", Alg::Sha3_224),
    ("sha3_256", Alg::Sha3_256),
    ("sha3_384", Alg::Sha3_384),
    ("sha3_512", Alg::Sha3_512),
    ("md4", Alg::Md4),
];

fn alg(t: Term) -> Option<Alg> {
    let name = beam_runtime::atom::name(t)?;
    ALGS.iter().find(|(n, _)| *n == name).map(|&(_, a)| a)
}

fn alg_byte(a: Alg) -> u8 {
    ALGS.iter().position(|&(_, x)| x == a).unwrap_or(0) as u8
}

fn digest(a: Alg, data: &[u8]) -> Vec<u8> {
    match a {
        Alg::Md5 => md5::Md5::digest(data).to_vec(),
        Alg::Md4 => md4::Md4::digest(data).to_vec(),
        Alg::Sha => sha1::Sha1::digest(data).to_vec(),
        Alg::Sha224 => sha2::Sha224::digest(data).to_vec(),
        Alg::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Alg::Sha384 => sha2::Sha384::digest(data).to_vec(),
        Alg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        Alg::Sha3_224 => sha3::Sha3_224::digest(data).to_vec(),
        Alg::Sha3_256 => sha3::Sha3_256::digest(data).to_vec(),
        Alg::Sha3_384 => sha3::Sha3_384::digest(data).to_vec(),
        Alg::Sha3_512 => sha3::Sha3_512::digest(data).to_vec(),
    }
}

fn hmac_of(a: Alg, key: &[u8], data: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length: `new_from_slice` cannot fail.
        match <M as hmac::digest::KeyInit>::new_from_slice(key) {
            Ok(mut m) => {
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match a {
        Alg::Md5 => run::<hmac::Hmac<md5::Md5>>(key, data),
        Alg::Md4 => run::<hmac::Hmac<md4::Md4>>(key, data),
        Alg::Sha => run::<hmac::Hmac<sha1::Sha1>>(key, data),
        Alg::Sha224 => run::<hmac::Hmac<sha2::Sha224>>(key, data),
        Alg::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, data),
        Alg::Sha384 => run::<hmac::Hmac<sha2::Sha384>>(key, data),
        Alg::Sha512 => run::<hmac::Hmac<sha2::Sha512>>(key, data),
        Alg::Sha3_224 => run::<hmac::Hmac<sha3::Sha3_224>>(key, data),
        Alg::Sha3_256 => run::<hmac::Hmac<sha3::Sha3_256>>(key, data),
        Alg::Sha3_384 => run::<hmac::Hmac<sha3::Sha3_384>>(key, data),
        Alg::Sha3_512 => run::<hmac::Hmac<sha3::Sha3_512>>(key, data),
    }
}

/// crypto's NIF error: `{badarg, {File, Line}, Description}` (the C file and line of
/// OTP 25.2's crypto NIF, as erl reports them).
fn nif_error(c: &mut BifCx<'_>, file: &str, line: i64, what: &str) -> Raise {
    let build = |c: &mut BifCx<'_>| -> Result<Term, Raise> {
        let f = string(c, file)?;
        let loc =
            construct::tuple(&mut c.heap, &[f, crate::bifs::small(line)]).map_err(heap_err)?;
        let d = string(c, what)?;
        construct::tuple(&mut c.heap, &[atom("badarg"), loc, d]).map_err(heap_err)
    };
    match build(c) {
        Ok(t) => Raise::Error(t),
        Err(e) => e,
    }
}

fn bad() -> Raise {
    error("badarg")
}

fn bytes_of(t: Term) -> Result<Vec<u8>, Raise> {
    let mut v = Vec::new();
    iolist(t, &mut v).map_err(|_| bad())?;
    Ok(v)
}

fn binary_arg(t: Term) -> Result<Vec<u8>, Raise> {
    match view::bits(t) {
        Ok(b) if b.bits % 8 == 0 => Ok(b.bytes),
        _ => Err(bad()),
    }
}

fn binary(c: &mut BifCx<'_>, bytes: &[u8]) -> Result<Term, Raise> {
    view::make_bits(&mut c.heap, bytes, bytes.len() as u64 * 8).map_err(heap_err)
}

const HASH_TAG: &[u8] = b"\0crypto_hash\0";
const MAC_TAG: &[u8] = b"\0crypto_mac\0";

fn hash(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let data = bytes_of(a[1])?;
    let Some(alg) = alg(a[0]) else {
        return Err(nif_error(c, "hash.c", 108, "Bad digest type"));
    };
    binary(c, &digest(alg, &data))
}

fn hash_init(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let Some(alg) = alg(a[0]) else {
        return Err(nif_error(c, "hash.c", 142, "Bad digest type"));
    };
    let mut s = HASH_TAG.to_vec();
    s.push(alg_byte(alg));
    binary(c, &s)
}

/// A hash state: the algorithm and the data so far.
fn hash_state(t: Term) -> Option<(Alg, Vec<u8>)> {
    let b = binary_arg(t).ok()?;
    let rest = b.strip_prefix(HASH_TAG)?;
    let (&id, data) = rest.split_first()?;
    Some((ALGS.get(id as usize)?.1, data.to_vec()))
}

fn hash_update(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let Some((alg, mut data)) = hash_state(a[0]) else {
        return Err(nif_error(c, "hash.c", 171, "Bad state"));
    };
    data.extend(bytes_of(a[1])?);
    let mut s = HASH_TAG.to_vec();
    s.push(alg_byte(alg));
    s.extend(data);
    binary(c, &s)
}

fn hash_final(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let Some((alg, data)) = hash_state(a[0]) else {
        return Err(nif_error(c, "hash.c", 205, "Bad state"));
    };
    binary(c, &digest(alg, &data))
}

/// The digest length `macN`/`mac_finalN` keep: `binary_part(Mac, 0, N)`, so `badarg`
/// for a negative or too long `N`, as erl.
fn truncate(mac: Vec<u8>, n: Option<Term>) -> Result<Vec<u8>, Raise> {
    match n {
        None => Ok(mac),
        Some(n) => match n.small_value() {
            Some(k) if k >= 0 && (k as usize) <= mac.len() => Ok(mac[..k as usize].to_vec()),
            _ => Err(bad()),
        },
    }
}

/// `mac(hmac, SubType, Key, Data)` and `macN(..., N)`: HMAC here, CMAC and Poly1305 in
/// vm/src/bifs_crypto_mac.rs.
fn mac(c: &mut BifCx<'_>, a: &[Term], n: Option<Term>) -> Result<Term, Raise> {
    if a[0] == atom("cmac") || a[0] == atom("poly1305") {
        return crate::bifs_crypto_mac::mac4(c, a, n);
    }
    // crypto.erl makes the key a binary (a plain badarg); the NIF then checks the text
    // before the MAC type and the digest.
    let key = bytes_of(a[2])?;
    let Ok(data) = bytes_of(a[3]) else {
        return Err(nif_error(c, "mac.c", 175, "Bad text"));
    };
    if a[0] != atom("hmac") {
        return Err(nif_error(c, "mac.c", 233, "Unknown mac algorithm"));
    }
    let Some(alg) = alg(a[1]) else {
        return Err(nif_error(c, "mac.c", 263, "Bad digest algorithm for HMAC"));
    };
    let m = truncate(hmac_of(alg, &key, &data), n)?;
    binary(c, &m)
}

fn mac_init(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    if a[0] == atom("cmac") || a[0] == atom("poly1305") {
        return crate::bifs_crypto_mac::init(c, a[0], Some(a[1]), a[2]);
    }
    let key = bytes_of(a[2])?;
    if a[0] != atom("hmac") {
        return Err(nif_error(c, "mac.c", 233, "Unknown mac algorithm"));
    }
    let Some(alg) = alg(a[1]) else {
        return Err(nif_error(c, "mac.c", 263, "Bad digest algorithm for HMAC"));
    };
    let mut s = MAC_TAG.to_vec();
    s.push(alg_byte(alg));
    s.extend((key.len() as u32).to_be_bytes());
    s.extend(key);
    binary(c, &s)
}

/// A MAC state: algorithm, key, data so far.
fn mac_state(t: Term) -> Option<(Alg, Vec<u8>, Vec<u8>)> {
    let b = binary_arg(t).ok()?;
    let rest = b.strip_prefix(MAC_TAG)?;
    let (&id, rest) = rest.split_first()?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let key = rest.get(4..4 + len)?.to_vec();
    let data = rest.get(4 + len..)?.to_vec();
    Some((ALGS.get(id as usize)?.1, key, data))
}

fn mac_update(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let Some((alg, key, mut data)) = mac_state(a[0]) else {
        if let Some(r) = crate::bifs_crypto_mac::update(c, a[0], a[1]) {
            return r;
        }
        return Err(nif_error(c, "mac.c", 817, "Bad ref"));
    };
    data.extend(bytes_of(a[1])?);
    let mut s = MAC_TAG.to_vec();
    s.push(alg_byte(alg));
    s.extend((key.len() as u32).to_be_bytes());
    s.extend(key);
    s.extend(data);
    binary(c, &s)
}

fn mac_final(c: &mut BifCx<'_>, st: Term, n: Option<Term>) -> Result<Term, Raise> {
    let Some((alg, key, data)) = mac_state(st) else {
        if let Some(r) = crate::bifs_crypto_mac::finish(c, st, n) {
            return r;
        }
        return Err(nif_error(c, "mac.c", 847, "Bad ref"));
    };
    let m = truncate(hmac_of(alg, &key, &data), n)?;
    binary(c, &m)
}

fn strong_rand_bytes(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let n = match a[0].small_value() {
        Some(n) if n >= 0 => n as usize,
        _ => return Err(bad()),
    };
    let mut buf = vec![0u8; n];
    // erl raises `low_entropy` when the OS has no random bytes to give.
    getrandom::getrandom(&mut buf).map_err(|_| error("low_entropy"))?;
    binary(c, &buf)
}

fn exor(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (x, y) = (bytes_of(a[0])?, bytes_of(a[1])?);
    if x.len() != y.len() {
        return Err(bad());
    }
    let r: Vec<u8> = x.iter().zip(&y).map(|(p, q)| p ^ q).collect();
    binary(c, &r)
}

fn hash_equals(_: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    let (x, y) = (binary_arg(a[0])?, binary_arg(a[1])?);
    if x.len() != y.len() {
        return Err(bad());
    }
    // Constant time in the contents, as CRYPTO_memcmp.
    let diff = x.iter().zip(&y).fold(0u8, |d, (p, q)| d | (p ^ q));
    Ok(crate::bifs::boolean(diff == 0))
}

/// `pbkdf2_hmac(Digest, Pass, Salt, Iter, KeyLen)` (RFC 8018, PBKDF2 with HMAC).
fn pbkdf2_hmac(c: &mut BifCx<'_>, a: &[Term]) -> Result<Term, Raise> {
    // The NIF's checks in its order (pbkdf2_hmac.c lines as erl 25.2 reports them).
    let Some(alg) = alg(a[0]) else {
        return Err(nif_error(c, "pbkdf2_hmac.c", 34, "Bad digest type"));
    };
    if !matches!(
        alg,
        Alg::Sha | Alg::Sha224 | Alg::Sha256 | Alg::Sha384 | Alg::Sha512
    ) {
        return Err(nif_error(
            c,
            "pbkdf2_hmac.c",
            38,
            "Not eligible digest type",
        ));
    }
    let Ok(pass) = binary_arg(a[1]) else {
        return Err(nif_error(c, "pbkdf2_hmac.c", 41, "Not binary"));
    };
    let Ok(salt) = binary_arg(a[2]) else {
        return Err(nif_error(c, "pbkdf2_hmac.c", 44, "Not binary"));
    };
    let count = |t: Term, line: i64, c: &mut BifCx<'_>| match beam_runtime::ops::view::number(t) {
        Ok(beam_runtime::ops::view::Num::Int(n)) if n > 0 => Ok(n as u64),
        Ok(beam_runtime::ops::view::Num::Int(_)) => {
            Err(nif_error(c, "pbkdf2_hmac.c", line + 2, "Must be > 0"))
        }
        _ => Err(nif_error(c, "pbkdf2_hmac.c", line, "Not integer")),
    };
    let iter = count(a[3], 47, c)?;
    let len = count(a[4], 52, c)? as usize;
    let mut out = Vec::with_capacity(len);
    let mut block = 1u32;
    while out.len() < len {
        let mut s = salt.clone();
        s.extend(block.to_be_bytes());
        let mut u = hmac_of(alg, &pass, &s);
        let mut t = u.clone();
        for _ in 1..iter {
            u = hmac_of(alg, &pass, &u);
            t.iter_mut().zip(&u).for_each(|(x, y)| *x ^= y);
        }
        out.extend(t);
        block += 1;
    }
    out.truncate(len);
    binary(c, &out)
}
