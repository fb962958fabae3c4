//! Properties of the term operations that need no `erl`: million-element lists and deep
//! nesting work without recursion, term order is a total order consistent with equality,
//! encoding round-trips, and the decoder turns every malformed input into a typed error
//! (never a panic) that names the byte offset.

mod oracle;

use beam_runtime::heap::LiteralArea;
use beam_runtime::ops::{self, etf, hash, pretty, print, EtfError};
use beam_runtime::term::Term;
use beam_runtime::{construct, map};
use oracle::{build, Gen};
use rand::Rng;
use std::cmp::Ordering;

fn int(v: i64) -> Term {
    Term::small(v).unwrap()
}

fn long_list(a: &mut LiteralArea, n: usize, last: i64) -> Term {
    let mut t = Term::NIL;
    for i in (0..n).rev() {
        let v = if i == n - 1 { last } else { (i % 200) as i64 };
        t = construct::cons(a, int(v), t).unwrap();
    }
    t
}

#[test]
fn million_element_lists() {
    let mut a = LiteralArea::new();
    let n = 1_000_000;
    let x = long_list(&mut a, n, 7);
    let y = long_list(&mut a, n, 7);
    let z = long_list(&mut a, n, 8);
    assert_eq!(ops::compare(x, y).unwrap(), Ordering::Equal);
    assert!(ops::exact_eq(x, y).unwrap());
    assert_eq!(ops::compare(x, z).unwrap(), Ordering::Less);
    assert_eq!(ops::compare(z, x).unwrap(), Ordering::Greater);
    let w = print::write(x).unwrap();
    assert!(
        w.starts_with("[0,1,2,") && w.ends_with(",7]"),
        "{}",
        &w[..20]
    );
    let bytes = etf::encode(x).unwrap();
    // More than 65535 bytes: LIST_EXT, not STRING_EXT.
    assert_eq!(&bytes[..6], &[131, etf::LIST_EXT, 0, 0x0F, 0x42, 0x40]);
    let back = etf::decode(&bytes, &mut a).unwrap();
    assert!(ops::exact_eq(back, x).unwrap());
    // ~p builds a layout node per element: a tenth of the length keeps the test quick
    // under qemu-arm while still filling thousands of lines.
    let m = n / 10;
    let short = long_list(&mut a, m, 7);
    let p = pretty::pretty(short).unwrap();
    assert!(p.lines().all(|l| l.chars().count() <= 80));
    assert_eq!(p.matches(',').count(), m - 1);
}

#[test]
fn deep_nesting() {
    let mut a = LiteralArea::new();
    let depth = 200_000;
    let mut x = Term::NIL;
    let mut y = Term::NIL;
    for i in 0..depth {
        x = construct::cons(&mut a, x, Term::NIL).unwrap();
        let e = if i == 0 { int(1) } else { y };
        y = construct::tuple(&mut a, &[e]).unwrap();
    }
    assert_eq!(ops::compare(x, x).unwrap(), Ordering::Equal);
    let x2 = {
        let mut t = Term::NIL;
        for _ in 0..depth {
            t = construct::cons(&mut a, t, Term::NIL).unwrap();
        }
        t
    };
    assert!(ops::exact_eq(x, x2).unwrap());
    let w = print::write(y).unwrap();
    assert_eq!(w.len(), 2 * depth + 1);
    for t in [x, y] {
        let bytes = etf::encode(t).unwrap();
        let back = etf::decode(&bytes, &mut a).unwrap();
        assert!(ops::exact_eq(back, t).unwrap());
    }
    let err = pretty::pretty(y).unwrap_err();
    assert!(err.what.contains("nested too deeply"), "{err}");
    // Just inside the limit, ~p lays out a term too wide for one line at every level.
    let mut z = construct::tuple(&mut a, &[int(1), int(2)]).unwrap();
    for _ in 0..pretty::MAX_DEPTH - 1 {
        let pad = construct::list(&mut a, &[int(300); 30]).unwrap();
        z = construct::tuple(&mut a, &[pad, z]).unwrap();
    }
    let p = pretty::pretty(z).unwrap();
    assert!(
        p.lines().count() > pretty::MAX_DEPTH,
        "{}",
        p.lines().count()
    );
}

#[test]
fn order_is_total_and_consistent() {
    let mut gen = Gen::new(77);
    let mut a = LiteralArea::new();
    let terms: Vec<Term> = (0..400)
        .map(|_| {
            let mut g = gen.term(3);
            build(&mut g, &mut a)
        })
        .collect();
    for &x in &terms {
        assert_eq!(ops::compare(x, x).unwrap(), Ordering::Equal);
        for &y in terms.iter().take(60) {
            let c = ops::compare(x, y).unwrap();
            assert_eq!(ops::compare(y, x).unwrap(), c.reverse());
            let e = ops::compare_exact(x, y).unwrap();
            assert_eq!(ops::compare_exact(y, x).unwrap(), e.reverse());
            assert_eq!(ops::arith_eq(x, y).unwrap(), c == Ordering::Equal);
            assert_eq!(ops::exact_eq(x, y).unwrap(), e == Ordering::Equal);
            // Exact equality implies arithmetic equality.
            if e == Ordering::Equal {
                assert_eq!(c, Ordering::Equal);
            }
        }
    }
    let mut sorted = terms.clone();
    sorted.sort_by(|&x, &y| ops::compare(x, y).unwrap());
    for w in sorted.windows(3) {
        assert_ne!(ops::compare(w[0], w[1]).unwrap(), Ordering::Greater);
        assert_ne!(ops::compare(w[0], w[2]).unwrap(), Ordering::Greater);
    }
}

#[test]
fn numbers_compare_exactly() {
    let mut a = LiteralArea::new();
    let f = |a: &mut LiteralArea, v: f64| construct::float(a, v).unwrap();
    let big = |a: &mut LiteralArea, s: &str| {
        beam_runtime::bignum::integer(a, &s.parse().unwrap()).unwrap()
    };
    // 2^53 + 1 is not a double: it lies strictly between 2^53 and 2^53 + 2.
    let b = big(&mut a, "9007199254740993");
    let lo = f(&mut a, 9007199254740992.0);
    let hi = f(&mut a, 9007199254740994.0);
    assert_eq!(ops::compare(b, lo).unwrap(), Ordering::Greater);
    assert_eq!(ops::compare(b, hi).unwrap(), Ordering::Less);
    let one = f(&mut a, 1.0);
    assert!(ops::arith_eq(int(1), one).unwrap());
    assert!(!ops::exact_eq(int(1), one).unwrap());
    assert_eq!(ops::compare_exact(int(2), one).unwrap(), Ordering::Less);
    let huge = big(&mut a, &format!("1{}", "0".repeat(400)));
    let max = f(&mut a, f64::MAX);
    assert_eq!(ops::compare(huge, max).unwrap(), Ordering::Greater);
    let (z, nz) = (f(&mut a, 0.0), f(&mut a, -0.0));
    assert!(ops::exact_eq(z, nz).unwrap(), "OTP 25: 0.0 =:= -0.0");
    assert_ne!(etf::encode(z).unwrap(), etf::encode(nz).unwrap());
    // Map keys use the exact order: #{1 => a} < #{1.0 => a}, and they are not ==.
    let m1 = map::flatmap(&mut a, &[int(1)], &[int(0)]).unwrap();
    let m2 = map::flatmap(&mut a, &[one], &[int(0)]).unwrap();
    assert_eq!(ops::compare(m1, m2).unwrap(), Ordering::Less);
    assert!(!ops::arith_eq(m1, m2).unwrap());
}

#[test]
fn unreadable_terms_are_errors() {
    for t in [
        Term::catch(3),
        Term::tuple_header(2),
        Term::boxed(0x10),
        Term::list(0x20),
    ] {
        assert!(ops::compare(t, Term::list(0x40)).is_err(), "{t:?}");
        assert!(print::write(t).is_err(), "{t:?}");
        assert!(etf::encode(t).is_err(), "{t:?}");
    }
}

fn decode_err(bytes: &[u8]) -> EtfError {
    let mut a = LiteralArea::new();
    etf::decode(bytes, &mut a).expect_err("must not decode")
}

#[test]
fn decoder_errors_are_typed() {
    assert!(matches!(
        decode_err(&[130, 106]),
        EtfError::Malformed { offset: 0, .. }
    ));
    assert!(matches!(
        decode_err(&[131, 200]),
        EtfError::UnknownTag {
            offset: 1,
            tag: 200
        }
    ));
    assert!(matches!(
        decode_err(&[131, 106, 106]),
        EtfError::Malformed { offset: 2, .. }
    ));
    assert!(matches!(
        decode_err(&[131, etf::BINARY_EXT, 0xFF, 0xFF, 0xFF, 0xFF, 1]),
        EtfError::Truncated { offset: 6, .. }
    ));
    // A list claiming 2^32-1 elements is refused before anything is allocated for it.
    assert!(matches!(
        decode_err(&[131, etf::LIST_EXT, 0xFF, 0xFF, 0xFF, 0xFF, 106]),
        EtfError::Truncated { offset: 1, .. }
    ));
    assert!(matches!(
        decode_err(&[131, etf::NEW_FUN_EXT, 0, 0, 0, 0]),
        EtfError::Malformed { offset: 1, .. }
    ));
    let dup = [131, etf::MAP_EXT, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3];
    assert!(matches!(
        decode_err(&dup),
        EtfError::Malformed { offset: 1, .. }
    ));
    assert!(matches!(
        decode_err(&[131, etf::SMALL_ATOM_UTF8_EXT, 1, 0xFF]),
        EtfError::Malformed { offset: 1, .. }
    ));
    let mut nan = vec![131, etf::NEW_FLOAT_EXT];
    nan.extend_from_slice(&f64::NAN.to_bits().to_be_bytes());
    assert!(matches!(decode_err(&nan), EtfError::Malformed { .. }));
    let mut long_atom = vec![131, etf::ATOM_EXT, 1, 0];
    long_atom.extend(std::iter::repeat_n(b'a', 256));
    assert!(matches!(decode_err(&long_atom), EtfError::Atom { .. }));
}

#[test]
fn decoder_never_panics_on_damaged_input() {
    let mut gen = Gen::new(99);
    let mut a = LiteralArea::new();
    let mut cases = 0;
    // Fewer terms under qemu-arm, where this loop is ~70x slower than on the host.
    let terms = if cfg!(target_arch = "arm") { 40 } else { 150 };
    for _ in 0..terms {
        let mut g = gen.term(3);
        let t = build(&mut g, &mut a);
        let bytes = etf::encode(t).unwrap();
        // Every strict prefix is an error.
        for cut in 0..bytes.len() {
            let r = etf::decode(&bytes[..cut], &mut a);
            assert!(r.is_err(), "prefix {cut} of {bytes:?} decoded");
            cases += 1;
        }
        // Random damage: any result but a panic; a success re-encodes.
        for _ in 0..20 {
            let mut b = bytes.clone();
            let i = gen.rng.gen_range(1..b.len());
            b[i] = gen.rng.gen();
            if let Ok(u) = etf::decode(&b, &mut a) {
                etf::encode(u).unwrap();
            }
            cases += 1;
        }
    }
    assert!(cases > 30 * terms, "{cases}");
}

/// Code info for funs and exports, as a loader would register it.
struct TestCode;

impl ops::CodeInfo for TestCode {
    fn export_mfa(&self, entry: u32) -> Option<(Term, Term, u32)> {
        (entry == 0x1000).then(|| {
            (
                beam_runtime::atom::intern("lists").unwrap(),
                beam_runtime::atom::intern("map").unwrap(),
                2,
            )
        })
    }
    fn export_entry(&self, m: Term, f: Term, arity: u32) -> Option<u32> {
        let (em, ef, ea) = self.export_mfa(0x1000)?;
        (m == em && f == ef && arity == ea).then_some(0x1000)
    }
    fn fun_identity(&self, entry: u32) -> Option<(Term, u32, u32)> {
        (entry == 0x2000).then(|| (beam_runtime::atom::intern("erl_eval").unwrap(), 6, 3316493))
    }
}

#[test]
fn funs_exports_pids_print_like_otp() {
    ops::set_code_info(Box::new(TestCode));
    let mut a = LiteralArea::new();
    let e = construct::export(&mut a, 0x1000).unwrap();
    let f = construct::fun(&mut a, 0x2000, 1, Term::pid(0), &[int(5)]).unwrap();
    // OTP 25: io_lib:format("~w", [fun lists:map/2]) and a fun made by erl_eval.
    assert_eq!(print::write(e).unwrap(), "fun lists:map/2");
    assert_eq!(print::write(f).unwrap(), "#Fun<erl_eval.6.3316493>");
    // term_to_binary(fun lists:map/2) in OTP 25 (EXPORT_EXT), and back.
    let bytes = etf::encode(e).unwrap();
    assert_eq!(
        bytes,
        [131, 113, 100, 0, 5, 108, 105, 115, 116, 115, 100, 0, 3, 109, 97, 112, 97, 2]
    );
    let back = etf::decode(&bytes, &mut a).unwrap();
    assert!(ops::exact_eq(back, e).unwrap());
    // A local fun: NEW_FUN_EXT with its size, arity 1, the module checksum (unknown to
    // this code info: zeros), index 6, one free variable, erl_eval, OldIndex 6, OldUniq,
    // the creator and the free variable 5. Its code is no loaded module's here, so it
    // does not decode.
    let fb = etf::encode(f).unwrap();
    let mut want = vec![131, 112, 0, 0, 0, 0, 1];
    want.extend([0; 16]);
    want.extend([0, 0, 0, 6, 0, 0, 0, 1]);
    want.extend([100, 0, 8]);
    want.extend(b"erl_eval");
    want.extend([97, 6, 98]);
    want.extend(3316493u32.to_be_bytes());
    want.extend([88, 100, 0, 13]);
    want.extend(b"nonode@nohost");
    want.extend([0; 12]);
    want.extend([97, 5]);
    let size = (want.len() - 2) as u32;
    want[2..6].copy_from_slice(&size.to_be_bytes());
    assert_eq!(fb, want);
    assert!(matches!(
        etf::decode(&fb, &mut a),
        Err(EtfError::Unsupported { offset: 1, .. })
    ));
    // erlang:phash2(fun lists:map/2), phash2(abc, 1000), phash2([], 1 bsl 32) in OTP 25.
    assert_eq!(hash::phash2(e).unwrap(), 34981515);
    let abc = beam_runtime::atom::intern("abc").unwrap();
    assert_eq!(hash::phash2_range(abc, 1000).unwrap(), Some(499));
    assert_eq!(
        hash::phash2_range(Term::NIL, 1 << 32).unwrap(),
        Some(3468870702)
    );
    assert_eq!(hash::phash2_range(Term::NIL, 0).unwrap(), None);
    // Funs sort before exports, after refs; pids after ports.
    let r = construct::make_ref(&mut a, [1, 2, 3]).unwrap();
    assert_eq!(ops::compare(r, f).unwrap(), Ordering::Less);
    assert_eq!(ops::compare(f, e).unwrap(), Ordering::Less);
    assert_eq!(
        ops::compare(Term::port(9), Term::pid(1)).unwrap(),
        Ordering::Less
    );
    assert_eq!(print::write(Term::pid((3 << 15) | 80)).unwrap(), "<0.80.3>");
    assert_eq!(print::write(r).unwrap(), "#Ref<0.3.2.1>");
    assert_eq!(print::write(Term::port(5)).unwrap(), "#Port<0.5>");
}
