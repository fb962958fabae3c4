//! A seeded generator of Erlang terms for the `ops` tests: each term exists twice, as a
//! Rust tree ([`G`]) that can be written as Erlang source text for `erl` to read, and as
//! a heap term built with the runtime's builders. The text writer is independent of the
//! printer under test: it quotes every atom and writes strings as integer lists.
#![allow(dead_code)]

use beam_runtime::heap::LiteralArea;
use beam_runtime::ops::{compare_exact, view};
use beam_runtime::term::Term;
use beam_runtime::{atom, bignum, binary, construct, map};
use num_bigint::{BigInt, Sign};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::cmp::Ordering;
use std::fmt::Write;

#[derive(Clone, Debug)]
pub enum G {
    Int(BigInt),
    Float(f64),
    Atom(String),
    Tuple(Vec<G>),
    /// Elements and an improper tail (`None`: a proper list).
    List(Vec<G>, Option<Box<G>>),
    /// Bytes (left-aligned), bit length, and whether to build it as a sub binary of a
    /// larger binary.
    Bits(Vec<u8>, u64, bool),
    Map(Vec<(G, G)>),
    Pid(u32, u32),
    Port(u32),
    Ref([u32; 3]),
}

/// Atoms chosen to exercise quoting, escapes, latin-1 and UTF-8 encodings, reserved words.
pub const ATOMS: &[&str] = &[
    "ok",
    "hello",
    "a",
    "z9",
    "hello_world",
    "a@b",
    "aB_9@x",
    "Abc",
    "_x",
    "9a",
    "hello world",
    "",
    "[]",
    "{}",
    "a.b",
    "a-b",
    "é",
    "ß",
    "ÿx",
    "Ü",
    "aÜ",
    "a×",
    "a÷",
    "café",
    "\u{15d}",
    "a\u{15d}b",
    "\u{1F600}",
    "after",
    "maybe",
    "else",
    "and",
    "orelse",
    "true",
    "false",
    "undefined",
    "nonode@nohost",
    "tab\there",
    "nl\n",
    "quo'te",
    "dq\"x",
    "back\\slash",
    "del\u{7f}",
    "ctl\u{1}x",
    "esc\u{1b}",
    "\u{80}",
    "\u{9f}",
    "\u{a0}",
    "sp ace",
    "ab\u{ff}",
];

pub struct Gen {
    pub rng: SmallRng,
    /// Also make maps of more than 32 keys (HAMTs), rarely.
    pub big_maps: bool,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: SmallRng::seed_from_u64(seed),
            big_maps: false,
        }
    }

    pub fn int(&mut self) -> BigInt {
        let r = &mut self.rng;
        match r.gen_range(0..10) {
            0..=3 => BigInt::from(r.gen_range(-300i64..300)),
            4 => BigInt::from(r.gen_range(0..=255)),
            5 => {
                // Around the 28-bit small limit, i32, 2^53 and i64.
                let base: i64 = [
                    1 << 27,
                    1 << 31,
                    1 << 32,
                    1 << 53,
                    1 << 59,
                    i64::MAX,
                    1 << 40,
                ][r.gen_range(0..7)];
                let v = BigInt::from(base) + r.gen_range(-2i64..=2);
                if r.gen() {
                    -v
                } else {
                    v
                }
            }
            6 => BigInt::from(r.gen::<i32>()),
            7 => BigInt::from(r.gen::<i64>()),
            _ => {
                let n = if r.gen_range(0..8) == 0 {
                    r.gen_range(250..300)
                } else {
                    r.gen_range(1..20)
                };
                let digits: Vec<u8> = (0..n).map(|_| r.gen()).collect();
                let s = if r.gen() { Sign::Minus } else { Sign::Plus };
                BigInt::from_bytes_le(s, &digits)
            }
        }
    }

    pub fn float(&mut self) -> f64 {
        const SPECIAL: &[f64] = &[
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            1.5,
            2.0,
            10.0,
            100.0,
            1.0e300,
            -1.0e300,
            5e-324,
            2.2250738585072014e-308,
            1.7976931348623157e308,
            1e15,
            1e16,
            1e17,
            1e21,
            1e22,
            123456789.0,
            1234567890123456.0,
            9007199254740992.0,
            9007199254740994.0,
            1e-5,
            1e-4,
            0.001,
            0.0001234,
            std::f64::consts::PI,
            1.0e-10,
            134217728.0,
            2147483648.0,
            -2147483649.0,
            1.8446744073709552e19,
        ];
        let r = &mut self.rng;
        match r.gen_range(0..6) {
            0 | 1 => SPECIAL[r.gen_range(0..SPECIAL.len())],
            2 => loop {
                let f = f64::from_bits(r.gen());
                if f.is_finite() {
                    break f;
                }
            },
            3 => r.gen_range(-1000i64..1000) as f64 / 10f64.powi(r.gen_range(0..6)),
            4 => r.gen_range(-1.0e6..1.0e6),
            _ => {
                let m: f64 = r.gen_range(1.0..10.0);
                let e = r.gen_range(-30..30);
                (m * 10f64.powi(e) * 1000.0).round() / 1000.0
            }
        }
    }

    pub fn atom(&mut self) -> String {
        let r = &mut self.rng;
        if r.gen_range(0..3) == 0 {
            let n = r.gen_range(1..8);
            (0..n)
                .map(|_| {
                    let cs = b"abcxyzAZ09_@ ";
                    cs[r.gen_range(0..cs.len())] as char
                })
                .collect()
        } else {
            ATOMS[r.gen_range(0..ATOMS.len())].to_string()
        }
    }

    fn string(&mut self) -> Vec<G> {
        let r = &mut self.rng;
        let n = r.gen_range(0..30);
        let kind = r.gen_range(0..5);
        (0..n)
            .map(|_| {
                let c: u32 = match kind {
                    0 | 1 => r.gen_range(0x20..0x7F),
                    2 => [b'\n', b'\t', b'a', b'"', b'\\', 0x7F, 7, 0xE9, 0xA0][r.gen_range(0..9)]
                        as u32,
                    3 => r.gen_range(0..256),
                    _ => [0x41, 0x15D, 0x1F600, 0xE9][r.gen_range(0..4)],
                };
                G::Int(BigInt::from(c))
            })
            .collect()
    }

    fn bits(&mut self) -> G {
        let r = &mut self.rng;
        let n = match r.gen_range(0..6) {
            0 => 0,
            1 => r.gen_range(60..140),
            _ => r.gen_range(1..12),
        };
        let printable = r.gen_range(0..3) == 0;
        let mut bytes: Vec<u8> = (0..n)
            .map(|_| {
                if printable {
                    r.gen_range(0x20..0x7F)
                } else {
                    r.gen()
                }
            })
            .collect();
        let extra = if r.gen_range(0..4) == 0 {
            r.gen_range(1..8)
        } else {
            0
        };
        let bits = n as u64 * 8 + extra;
        if extra > 0 {
            let last: u8 = r.gen();
            bytes.push(last & (0xFFu8 << (8 - extra)));
        }
        let sub = extra == 0 && r.gen_range(0..3) == 0;
        G::Bits(bytes, bits, sub)
    }

    /// A random term with nesting budget `depth`.
    pub fn term(&mut self, depth: u32) -> G {
        let leaf = depth == 0 || self.rng.gen_range(0..3) == 0;
        if leaf {
            return match self.rng.gen_range(0..12) {
                0..=2 => G::Int(self.int()),
                3 | 4 => G::Float(self.float()),
                5..=7 => G::Atom(self.atom()),
                8 => self.bits(),
                9 => G::List(self.string(), None),
                10 => G::List(vec![], None),
                _ => match self.rng.gen_range(0..3) {
                    0 => G::Pid(
                        self.rng.gen_range(0..1 << 15),
                        self.rng.gen_range(0..1 << 13),
                    ),
                    1 => G::Port(self.rng.gen_range(0..1 << 20)),
                    _ => G::Ref([
                        self.rng.gen_range(0..1 << 18),
                        // The low 16 bits of the middle word are a scheduler number,
                        // which list_to_ref/1 checks against the running schedulers.
                        (self.rng.gen::<u32>() & !0xFFFF) | self.rng.gen_range(0..=1),
                        self.rng.gen(),
                    ]),
                },
            };
        }
        match self.rng.gen_range(0..5) {
            0 => {
                let n = self.rng.gen_range(0..5);
                G::Tuple((0..n).map(|_| self.term(depth - 1)).collect())
            }
            1 | 2 => {
                let n = self.rng.gen_range(0..6);
                let elems = (0..n).map(|_| self.term(depth - 1)).collect();
                let tail = (n > 0 && self.rng.gen_range(0..5) == 0)
                    .then(|| Box::new(self.term(depth - 1)));
                G::List(elems, tail)
            }
            3 => {
                if self.big_maps && self.rng.gen_range(0..100) == 0 {
                    // Keys without bitstrings: map.rs's HAMT hash ignores a bitstring's
                    // trailing bits, so such keys can collide there on every salt.
                    let n = self.rng.gen_range(33..=48);
                    let pairs = (0..n)
                        .map(|_| loop {
                            let k = self.term(1);
                            if !has_bits(&k) {
                                break (k, self.term(depth - 1));
                            }
                        })
                        .collect();
                    return G::Map(pairs);
                }
                let n = if self.rng.gen_range(0..10) == 0 {
                    self.rng.gen_range(20..=32)
                } else {
                    self.rng.gen_range(0..6)
                };
                G::Map(
                    (0..n)
                        .map(|_| (self.term(depth - 1), self.term(depth - 1)))
                        .collect(),
                )
            }
            _ => self.bits(),
        }
    }
}

/// Whether `g` holds a binary or bitstring.
pub fn has_bits(g: &G) -> bool {
    match g {
        G::Bits(..) => true,
        G::Map(p) => p.iter().any(|(k, v)| has_bits(k) || has_bits(v)),
        G::Tuple(v) => v.iter().any(has_bits),
        G::List(v, t) => v.iter().any(has_bits) || t.as_deref().is_some_and(has_bits),
        _ => false,
    }
}

/// Whether `g` holds a map of more than 32 keys (a HAMT) whose keys hash by node-local
/// identity (atoms, pids, ...): its pairs are placed by OTP's internal hash, which for those
/// depends on the erl node's atom table, so only such maps list in another order.
pub fn has_big_map(g: &G) -> bool {
    match g {
        G::Map(p) => {
            (p.len() > beam_runtime::term::MAP_SMALL_MAP_LIMIT
                && p.iter().any(|(k, _)| hashes_by_identity(k)))
                || p.iter().any(|(k, v)| has_big_map(k) || has_big_map(v))
        }
        G::Tuple(v) => v.iter().any(has_big_map),
        G::List(v, t) => v.iter().any(has_big_map) || t.as_deref().is_some_and(has_big_map),
        _ => false,
    }
}

/// Whether OTP's internal hash of `g` depends on table indices of the running node
/// (atoms, pids, ports, refs), so no other VM can place it as that node does.
fn hashes_by_identity(g: &G) -> bool {
    match g {
        G::Atom(_) | G::Pid(..) | G::Port(_) | G::Ref(_) => true,
        G::Tuple(v) => v.iter().any(hashes_by_identity),
        G::List(v, t) => {
            v.iter().any(hashes_by_identity) || t.as_deref().is_some_and(hashes_by_identity)
        }
        G::Map(p) => p
            .iter()
            .any(|(k, v)| hashes_by_identity(k) || hashes_by_identity(v)),
        _ => false,
    }
}

/// The same term with integers and integral floats swapped where the value survives
/// (so `==` holds and `=:=` does not).
pub fn twin(g: &G) -> G {
    match g {
        G::Int(i) => match i64::try_from(i) {
            Ok(v) if v.unsigned_abs() < 1 << 53 => G::Float(v as f64),
            _ => g.clone(),
        },
        G::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => G::Int(BigInt::from(*f as i64)),
        G::Tuple(v) => G::Tuple(v.iter().map(twin).collect()),
        G::List(v, t) => G::List(v.iter().map(twin).collect(), t.clone()),
        G::Map(v) => G::Map(v.iter().map(|(k, x)| (k.clone(), twin(x))).collect()),
        _ => g.clone(),
    }
}

/// Builds `g` in `a`. Map keys are sorted and exact duplicates dropped (in `g` too, so the
/// Erlang text says the same).
pub fn build(g: &mut G, a: &mut LiteralArea) -> Term {
    match g {
        G::Int(i) => bignum::integer(a, i).unwrap(),
        G::Float(f) => construct::float(a, *f).unwrap(),
        G::Atom(s) => atom::intern(s).unwrap(),
        G::Tuple(v) => {
            let e: Vec<Term> = v.iter_mut().map(|x| build(x, a)).collect();
            construct::tuple(a, &e).unwrap()
        }
        G::List(v, tail) => {
            let e: Vec<Term> = v.iter_mut().map(|x| build(x, a)).collect();
            let mut t = match tail {
                Some(x) => build(x, a),
                None => Term::NIL,
            };
            for &h in e.iter().rev() {
                t = construct::cons(a, h, t).unwrap();
            }
            t
        }
        G::Bits(bytes, bits, sub) => {
            if *sub {
                let mut big = vec![0xAAu8; 3];
                big.extend_from_slice(bytes);
                big.extend_from_slice(&[0x55; 2]);
                let orig = binary::new_binary(a, &big).unwrap();
                binary::sub_binary(a, orig, 3, bytes.len() as u32).unwrap()
            } else {
                view::make_bits(a, bytes, *bits).unwrap()
            }
        }
        G::Map(pairs) => {
            let mut built: Vec<(Term, Term, (G, G))> = pairs
                .iter_mut()
                .map(|(k, v)| (build(k, a), build(v, a), (k.clone(), v.clone())))
                .collect();
            built.sort_by(|x, y| compare_exact(x.0, y.0).unwrap());
            built.dedup_by(|y, x| compare_exact(x.0, y.0).unwrap() == Ordering::Equal);
            *pairs = built.iter().map(|x| x.2.clone()).collect();
            let keys: Vec<Term> = built.iter().map(|x| x.0).collect();
            let vals: Vec<Term> = built.iter().map(|x| x.1).collect();
            if keys.len() > beam_runtime::term::MAP_SMALL_MAP_LIMIT {
                let pairs: Vec<(Term, Term)> = keys.into_iter().zip(vals).collect();
                map::hashmap(a, &pairs).unwrap()
            } else {
                map::flatmap(a, &keys, &vals).unwrap()
            }
        }
        G::Pid(n, s) => Term::pid((*s << 15) | *n),
        G::Port(n) => Term::port(*n),
        G::Ref(n) => construct::make_ref(a, *n).unwrap(),
    }
}

/// `g` as Erlang source text. Pids, ports and refs are written as `{'$pid',"<0.N.S>"}`
/// etc., which the erl side turns into the real thing with `list_to_pid/1`….
pub fn erl_text(g: &G, out: &mut String) {
    match g {
        G::Int(i) => {
            let _ = write!(out, "{i}");
        }
        G::Float(f) => out.push_str(&erl_float(*f)),
        G::Atom(s) => {
            out.push('\'');
            for c in s.chars() {
                match c {
                    '\'' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    ' '..='~' => out.push(c),
                    _ => {
                        let _ = write!(out, "\\x{{{:x}}}", c as u32);
                    }
                }
            }
            out.push('\'');
        }
        G::Tuple(v) => {
            out.push('{');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                erl_text(x, out);
            }
            out.push('}');
        }
        G::List(v, tail) => {
            out.push('[');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                erl_text(x, out);
            }
            if let Some(t) = tail {
                out.push('|');
                erl_text(t, out);
            }
            out.push(']');
        }
        G::Bits(bytes, bits, _) => {
            out.push_str("<<");
            let full = (*bits / 8) as usize;
            for (i, b) in bytes[..full].iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{b}");
            }
            let rem = bits % 8;
            if rem > 0 {
                if full > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:{rem}", bytes[full] >> (8 - rem));
            }
            out.push_str(">>");
        }
        G::Map(pairs) => {
            out.push_str("#{");
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                erl_text(k, out);
                out.push_str(" => ");
                erl_text(v, out);
            }
            out.push('}');
        }
        G::Pid(n, s) => {
            let _ = write!(out, "{{'$pid',\"<0.{n}.{s}>\"}}");
        }
        G::Port(n) => {
            let _ = write!(out, "{{'$port',\"#Port<0.{n}>\"}}");
        }
        G::Ref(n) => {
            let _ = write!(out, "{{'$ref',\"#Ref<0.{}.{}.{}>\"}}", n[2], n[1], n[0]);
        }
    }
}

/// A float literal Erlang reads back as the same double (Rust's shortest digits, with
/// the `.0` Erlang's syntax needs).
pub fn erl_float(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let s = format!("{f:e}");
    let (m, e) = s.split_once('e').unwrap();
    let m = if m.contains('.') {
        m.to_string()
    } else {
        format!("{m}.0")
    };
    format!("{m}e{e}")
}
