//! The term operations against real OTP 25 `erl` on a seeded corpus of random terms
//! (integers small to huge, floats incl. -0.0, subnormals and 1e300, atoms that need
//! quotes, latin-1 and UTF-8 atoms, tuples, proper and improper lists, strings, binaries,
//! bitstrings, sub binaries, maps up to 32 keys nested, pids, ports, refs).
//!
//! One `erl` run reads the corpus as Erlang source text (written by `oracle::erl_text`,
//! independent of the printer under test) and our `term_to_binary` bytes, and writes back
//! per term `io_lib:format("~w")`, `io_lib:format("~p")`, `term_to_binary`, and whether
//! `binary_to_term(ours) =:= T`; then the sorted order of all terms (`lists:sort` of
//! `{Term, Index}`) and `<`/`==`/`=:=` for chosen pairs. Everything is compared byte for
//! byte with ours, and erl's `term_to_binary` bytes are decoded by our decoder and must
//! give back the same term.
//!
//! `BEAMJIT_ORACLE_TERMS` (default 4000; 2500 on ARM, where the tests run under qemu-arm)
//! and `BEAMJIT_ORACLE_SEED` (default 1) change the corpus; the generator's random stream
//! differs between 32- and 64-bit hosts (rand's SmallRng), so each sees its own corpus. Skipped, loudly, only when `erl` is not installed.

mod oracle;

use beam_runtime::heap::LiteralArea;
use beam_runtime::ops::{self, etf, hash, phash, pretty, print};
use beam_runtime::term::Term;
use num_bigint::BigInt;
use oracle::{build, erl_text, has_big_map, twin, Gen, G};
use rand::Rng;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::process::Command;

/// The erl side, compiled at the start of the run (erl_eval would take minutes).
const ERL_MODULE: &str = r#"
-module(ops_oracle).
-export([main/1]).

main(Dir) ->
    {ok, Terms0} = file:consult(Dir ++ "/terms.txt"),
    Terms = [fix(T) || T <- Terms0],
    {ok, OursBin} = file:read_file(Dir ++ "/ours.etf"),
    Ours = split(OursBin),
    N = length(Terms),
    Lines = [line(I, T, O) || {I, T, O} <- lists:zip3(lists:seq(0, N - 1), Terms, Ours)],
    Sorted = [I || {_, I} <- lists:sort(lists:zip(Terms, lists:seq(0, N - 1)))],
    Tup = list_to_tuple(Terms),
    {ok, [Pairs]} = file:consult(Dir ++ "/pairs.txt"),
    PairLines = [pair(I, J, element(I + 1, Tup), element(J + 1, Tup)) || {I, J} <- Pairs],
    ok = file:write_file(Dir ++ "/out.txt",
                         [Lines, "SORT", [[" ", integer_to_list(I)] || I <- Sorted], "\n",
                          PairLines]),
    {ok, LegacyBin} = file:read_file(Dir ++ "/legacy.etf"),
    Legacy = split(LegacyBin),
    Next = tl(Legacy) ++ [hd(Legacy)],
    ok = file:write_file(Dir ++ "/legacy.txt",
                         [[reencode(B), " ", cmp(binary_to_term(B), binary_to_term(C)), "\n"]
                          || {B, C} <- lists:zip(Legacy, Next)]).

reencode(B) -> try hex(term_to_binary(binary_to_term(B))) catch _:_ -> "error" end.

fix({'$pid', S}) -> list_to_pid(S);
fix({'$port', S}) -> list_to_port(S);
fix({'$ref', S}) -> list_to_ref(S);
fix([H | T]) -> [fix(H) | fix(T)];
fix(T) when is_tuple(T) -> list_to_tuple([fix(X) || X <- tuple_to_list(T)]);
fix(M) when is_map(M) -> maps:from_list([{fix(K), fix(V)} || {K, V} <- maps:to_list(M)]);
fix(X) -> X.

split(<<L:32, B:L/binary, R/binary>>) -> [B | split(R)];
split(<<>>) -> [].

hex(B) -> binary:encode_hex(B).
u(C) -> unicode:characters_to_binary(C).
back(O, T) -> try binary_to_term(O) =:= T catch _:_ -> false end.

line(I, T, O) ->
    [integer_to_list(I), " ", hex(u(io_lib:format("~w", [T]))), " ",
     hex(u(io_lib:format("~p", [T]))), " ", hex(term_to_binary(T)), " ",
     atom_to_list(back(O, T)), " ", integer_to_list(erlang:phash2(T)), " ",
     integer_to_list(erlang:phash(T, 4294967296)), "\n"].

pair(I, J, A, B) ->
    [integer_to_list(I), " ", integer_to_list(J), " ", cmp(A, B), " ",
     atom_to_list(A == B), " ", atom_to_list(A =:= B), "\n"].

cmp(A, B) when A < B -> "-1";
cmp(A, B) when A > B -> "1";
cmp(_, _) -> "0".
"#;

const ERL_MAIN: &str = "Dir = os:getenv(\"ORACLE_DIR\"), \
    {ok, M, B} = compile:file(Dir ++ \"/ops_oracle.erl\", [binary, report]), \
    {module, M} = code:load_binary(M, \"ops_oracle.erl\", B), \
    ok = M:main(Dir), halt().";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex from erl"))
        .collect()
}

/// Where two outputs first differ, with some context.
fn first_diff(erl: &str, ours: &str) -> String {
    let k = erl
        .char_indices()
        .zip(ours.chars())
        .find(|((_, a), b)| a != b)
        .map_or(erl.len().min(ours.len()), |((i, _), _)| i);
    let from = erl[..k].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
    let cut = |s: &str| {
        s.get(from..)
            .unwrap_or("")
            .chars()
            .take(140)
            .collect::<String>()
    };
    format!(" at byte {k}\n erl  …{}\n ours …{}", cut(erl), cut(ours))
}

fn erl_available() -> bool {
    Command::new("erl")
        .args(["-noshell", "-eval", "halt()."])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Encodings OTP 25's `term_to_binary` does not produce but `binary_to_term` accepts
/// (layouts from the ERTS "External Term Format" chapter).
fn legacy_encodings() -> Vec<Vec<u8>> {
    let atom = |s: &[u8]| {
        let mut v = vec![etf::ATOM_EXT, 0, s.len() as u8];
        v.extend_from_slice(s);
        v
    };
    let node = atom(b"nonode@nohost");
    let other = atom(b"other@host");
    let cat = |parts: &[&[u8]]| {
        let mut v = vec![etf::VERSION];
        for p in parts {
            v.extend_from_slice(p);
        }
        v
    };
    let mut float_text = format!("{:.20e}", 1.5f64).into_bytes();
    float_text.resize(31, 0);
    let mut map40 = vec![etf::MAP_EXT, 0, 0, 0, 40];
    for i in 0..40u8 {
        map40.extend_from_slice(&[etf::SMALL_INTEGER_EXT, 39 - i, etf::SMALL_INTEGER_EXT, i]);
    }
    vec![
        cat(&[&[etf::SMALL_ATOM_EXT, 3], b"abc"]),
        cat(&[&[etf::ATOM_EXT, 0, 2, b'a', 0xE9]]),
        cat(&[&[etf::ATOM_UTF8_EXT, 0, 2, 0xC5, 0x9D]]),
        cat(&[&[etf::SMALL_ATOM_UTF8_EXT, 2], b"ok"]),
        cat(&[&[etf::FLOAT_EXT], &float_text]),
        cat(&[&[etf::PID_EXT], &node, &[0, 0, 0, 80, 0, 0, 0, 3, 0]]),
        cat(&[
            &[etf::NEW_PID_EXT],
            &other,
            &[0, 0, 0, 81, 0, 0, 0, 4, 0, 0, 0, 7],
        ]),
        cat(&[&[etf::PORT_EXT], &node, &[0, 0, 0, 5, 0]]),
        cat(&[&[etf::NEW_PORT_EXT], &other, &[0, 0, 0, 6, 0, 0, 0, 2]]),
        cat(&[
            &[etf::V4_PORT_EXT],
            &node,
            &[0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0],
        ]),
        cat(&[&[etf::REFERENCE_EXT], &node, &[0, 0, 0, 7, 0]]),
        cat(&[
            &[etf::NEW_REFERENCE_EXT, 0, 3],
            &node,
            &[0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1],
        ]),
        cat(&[
            &[etf::NEWER_REFERENCE_EXT, 0, 2],
            &other,
            &[0, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 8],
        ]),
        cat(&[&[etf::LARGE_TUPLE_EXT, 0, 0, 0, 2, etf::NIL_EXT, etf::NIL_EXT]]),
        cat(&[&[etf::LARGE_BIG_EXT, 0, 0, 0, 1, 0, 1]]),
        cat(&[&[etf::SMALL_BIG_EXT, 2, 1, 5, 0]]),
        cat(&[&[etf::INTEGER_EXT, 0, 0, 0, 5]]),
        cat(&[&[etf::INTEGER_EXT, 0x7F, 0xFF, 0xFF, 0xFF]]),
        cat(&[&[etf::LIST_EXT, 0, 0, 0, 2, 97, 1, 97, 2, etf::NIL_EXT]]),
        cat(&[&[etf::BIT_BINARY_EXT, 0, 0, 0, 2, 8, 1, 2]]),
        cat(&[
            &[etf::MAP_EXT, 0, 0, 0, 2],
            &atom(b"b"),
            &[97, 1],
            &atom(b"a"),
            &[97, 2],
        ]),
        cat(&[&map40]),
        cat(&[&[etf::STRING_EXT, 0, 0]]),
        cat(&[&[etf::BINARY_EXT, 0, 0, 0, 0]]),
    ]
}

/// Terms that the random generator rarely or never makes.
fn special_terms() -> Vec<G> {
    let int = |v: i64| G::Int(BigInt::from(v));
    let bytes = |n: usize| G::List((0..n).map(|i| int((i % 256) as i64)).collect(), None);
    vec![
        bytes(65535),
        bytes(65536),
        G::List(vec![int(97), int(256), int(98)], None),
        G::List(vec![int(-1)], None),
        G::Tuple((0..300).map(int).collect()),
        G::Tuple(vec![]),
        G::List((0..1000).map(|i| G::Float(i as f64 * 0.5)).collect(), None),
        G::Map(vec![]),
        G::Map(vec![
            (int(1), G::Atom("a".into())),
            (G::Float(1.0), G::Atom("b".into())),
        ]),
        G::Map(vec![(G::Float(1.0), G::Atom("a".into()))]),
        G::Map(vec![(int(1), G::Atom("a".into()))]),
        G::Bits(vec![], 0, false),
        G::Bits(vec![0x80], 1, false),
        G::Bits((0..300).map(|i| i as u8).collect(), 2400, true),
        G::Atom("x".repeat(255)),
        G::Atom("\u{15d}".repeat(255)),
        G::Atom("\u{e9}".repeat(255)),
        G::Float(-0.0),
        G::Float(0.0),
        int(0),
    ]
}

#[test]
fn term_operations_match_erl() {
    if !erl_available() {
        eprintln!("!!!!!!!! SKIPPED: `erl` (OTP 25) is not installed; run scripts/setup !!!!!!!!");
        return;
    }
    // Under qemu-arm our side runs ~15x slower: a smaller default keeps the run near
    // half a minute there.
    let default_terms = if cfg!(target_arch = "arm") {
        2500
    } else {
        4000
    };
    let n = env_num("BEAMJIT_ORACLE_TERMS", default_terms) as usize;
    let seed = env_num("BEAMJIT_ORACLE_SEED", 1);
    let mut gen = Gen::new(seed);
    gen.big_maps = true;
    let mut gs: Vec<G> = special_terms();
    while gs.len() < n {
        let g = gen.term(4);
        if gen.rng.gen_range(0..6) == 0 {
            gs.push(twin(&g));
        }
        gs.push(g);
    }
    let n = gs.len();
    let t_start = std::time::Instant::now();

    let mut area = LiteralArea::new();
    let terms: Vec<Term> = gs.iter_mut().map(|g| build(g, &mut area)).collect();

    let dir = std::env::temp_dir().join(format!("beam-ops-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = String::new();
    for g in &gs {
        erl_text(g, &mut text);
        text.push_str(".\n");
    }
    std::fs::write(dir.join("terms.txt"), &text).unwrap();
    let mut ours_etf = Vec::new();
    let mut encoded = Vec::new();
    for &t in &terms {
        let b = etf::encode(t).unwrap();
        ours_etf.extend_from_slice(&(b.len() as u32).to_be_bytes());
        ours_etf.extend_from_slice(&b);
        encoded.push(b);
    }
    std::fs::write(dir.join("ours.etf"), &ours_etf).unwrap();
    let mut pairs: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
    for _ in 0..2 * n {
        pairs.push((gen.rng.gen_range(0..n), gen.rng.gen_range(0..n)));
    }
    let mut ptext = String::from("[");
    for (k, (i, j)) in pairs.iter().enumerate() {
        let _ = write!(ptext, "{}{{{i},{j}}}", if k > 0 { "," } else { "" });
    }
    ptext.push_str("].\n");
    std::fs::write(dir.join("pairs.txt"), &ptext).unwrap();
    std::fs::write(dir.join("ops_oracle.erl"), ERL_MODULE).unwrap();
    let legacy = legacy_encodings();
    let mut legacy_file = Vec::new();
    for b in &legacy {
        legacy_file.extend_from_slice(&(b.len() as u32).to_be_bytes());
        legacy_file.extend_from_slice(b);
    }
    std::fs::write(dir.join("legacy.etf"), &legacy_file).unwrap();

    eprintln!(
        "oracle: corpus built and encoded in {:.1}s",
        t_start.elapsed().as_secs_f64()
    );
    let t0 = std::time::Instant::now();
    let out = Command::new("erl")
        .args(["-noshell", "-eval", ERL_MAIN])
        .env("ORACLE_DIR", &dir)
        // No erl_crash.dump in the work tree if erl fails.
        .env("ERL_CRASH_DUMP_SECONDS", "0")
        .output()
        .expect("run erl");
    assert!(
        out.status.success(),
        "erl failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let erl_secs = t0.elapsed().as_secs_f64();
    let result = std::fs::read_to_string(dir.join("out.txt")).expect("erl output");
    let legacy_out = std::fs::read_to_string(dir.join("legacy.txt")).expect("erl output");
    let _ = std::fs::remove_dir_all(&dir);

    let mut fails: Vec<(String, usize, String)> = Vec::new();
    let mut fail = |what: &str, i: usize, detail: String| fails.push((what.into(), i, detail));
    let src = |i: usize| {
        let mut s = String::new();
        erl_text(&gs[i], &mut s);
        if s.len() > 300 {
            s.truncate(300);
            s.push('…');
        }
        s
    };
    let mut counts = [0usize; 8];
    let mut big_maps = 0;
    let mut lines = result.lines();
    for i in 0..n {
        let line = lines.next().expect("a line per term");
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 7, "bad line {line:?}");
        assert_eq!(f[0].parse::<usize>().unwrap(), i);
        let t = terms[i];
        let w = String::from_utf8(unhex(f[1])).unwrap();
        let p = String::from_utf8(unhex(f[2])).unwrap();
        let their_etf = unhex(f[3]);
        let their_hash: u32 = f[5].parse().unwrap();
        let their_old: u64 = f[6].parse().unwrap();
        let ours_old = phash::phash(t, 1 << 32).unwrap().unwrap();
        if ours_old == their_old {
            counts[7] += 1;
        } else {
            fail(
                "phash",
                i,
                format!("src {}\n erl {their_old} ours {ours_old}", src(i)),
            );
        }
        let ours_hash = hash::phash2(t).unwrap();
        if ours_hash == their_hash {
            counts[6] += 1;
        } else {
            fail(
                "phash2",
                i,
                format!("src {}\n erl {their_hash} ours {ours_hash}", src(i)),
            );
        }
        // Maps of more than 32 keys with atom (pid, ref...) keys list their pairs in another
        // order than OTP's (their hash is node-local there); everything order-independent is
        // checked for them.
        let big = has_big_map(&gs[i]);
        if big {
            big_maps += 1;
        } else {
            let ours_w = print::write(t).unwrap();
            if ours_w == w {
                counts[0] += 1;
            } else {
                fail(
                    "~w",
                    i,
                    format!("src {}\n{}", src(i), first_diff(&w, &ours_w)),
                );
            }
            let ours_p = pretty::pretty(t).unwrap();
            if ours_p == p {
                counts[1] += 1;
            } else {
                fail(
                    "~p",
                    i,
                    format!("src {}\n erl\n{p}\n ours\n{ours_p}", src(i)),
                );
            }
            if encoded[i] == their_etf {
                counts[2] += 1;
            } else {
                fail(
                    "term_to_binary",
                    i,
                    format!(
                        "src {}\n erl  {:?}\n ours {:?}",
                        src(i),
                        &their_etf[..their_etf.len().min(80)],
                        &encoded[i][..encoded[i].len().min(80)]
                    ),
                );
            }
        }
        if f[4] == "true" {
            counts[3] += 1;
        } else {
            fail("binary_to_term(ours) =:= T in erl", i, src(i));
        }
        match etf::decode(&their_etf, &mut area) {
            Ok(d)
                if ops::exact_eq(d, t).unwrap()
                    && (big || etf::encode(d).unwrap() == their_etf) =>
            {
                counts[4] += 1
            }
            Ok(d) => fail(
                "decode(erl's bytes)",
                i,
                format!("src {}\n decoded {}", src(i), print::write(d).unwrap()),
            ),
            Err(e) => fail("decode(erl's bytes)", i, format!("src {}\n {e}", src(i))),
        }
    }

    // Sorted order: {Term, Index} pairs, so ties (1 == 1.0) keep index order.
    let sort_line = lines.next().expect("SORT line");
    let theirs: Vec<usize> = sort_line
        .strip_prefix("SORT")
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let mut ours: Vec<usize> = (0..n).collect();
    ours.sort_by(|&i, &j| ops::compare(terms[i], terms[j]).unwrap().then(i.cmp(&j)));
    let sort_agree = ours == theirs;
    if !sort_agree {
        let k = ours.iter().zip(&theirs).position(|(a, b)| a != b).unwrap();
        fail(
            "sort",
            k,
            format!(
                "first difference at position {k}: ours {} erl {}\n ours: {}\n erl:  {}",
                ours[k],
                theirs[k],
                src(ours[k]),
                src(theirs[k])
            ),
        );
    }

    let mut pair_ok = 0;
    let mut eq_pairs = (0, 0);
    for line in lines {
        let f: Vec<&str> = line.split(' ').collect();
        let (i, j): (usize, usize) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        let (a, b) = (terms[i], terms[j]);
        let c = match ops::compare(a, b).unwrap() {
            Ordering::Less => "-1",
            Ordering::Equal => "0",
            Ordering::Greater => "1",
        };
        let eq = ops::arith_eq(a, b).unwrap().to_string();
        let exact = ops::exact_eq(a, b).unwrap().to_string();
        eq_pairs.0 += (f[3] == "true") as usize;
        eq_pairs.1 += (f[4] == "true") as usize;
        if c == f[2] && eq == f[3] && exact == f[4] {
            pair_ok += 1;
        } else {
            fail(
                "compare pair",
                i,
                format!(
                    "{i} vs {j}: erl cmp {} == {} =:= {}; ours {c} {eq} {exact}\n a: {}\n b: {}",
                    f[2],
                    f[3],
                    f[4],
                    src(i),
                    src(j)
                ),
            );
        }
    }
    counts[5] = pair_ok;

    // Older and alternative encodings: erl decodes and re-encodes them; we must decode
    // them to the same term (our encoding of it equals erl's re-encoding).
    let mut legacy_ok = 0;
    let decoded: Vec<Term> = legacy
        .iter()
        .map(|b| etf::decode(b, &mut area).unwrap_or(Term::NIL))
        .collect();
    for (k, (b, line)) in legacy.iter().zip(legacy_out.lines()).enumerate() {
        let (hex, their_cmp) = line.split_once(' ').unwrap();
        assert_ne!(hex, "error", "erl cannot decode legacy encoding {k}: {b:?}");
        let theirs = unhex(hex);
        // Each legacy term against the next (local against remote pids, ports, refs…).
        let next = decoded[(k + 1) % decoded.len()];
        let ours_cmp = match ops::compare(decoded[k], next).unwrap() {
            Ordering::Less => "-1",
            Ordering::Equal => "0",
            Ordering::Greater => "1",
        };
        if ours_cmp != their_cmp {
            fail(
                "legacy compare with next",
                k,
                format!("erl {their_cmp} ours {ours_cmp}"),
            );
        }
        match etf::decode(b, &mut area) {
            Ok(t) => {
                let ours = etf::encode(t).unwrap();
                let same = ours == theirs
                    || etf::decode(&theirs, &mut area).is_ok_and(|u| ops::exact_eq(t, u).unwrap());
                if same {
                    legacy_ok += 1;
                } else {
                    fail(
                        "legacy decode",
                        k,
                        format!("{b:?}\n erl  {theirs:?}\n ours {ours:?}"),
                    );
                }
            }
            Err(e) => fail("legacy decode", k, format!("{b:?}: {e}")),
        }
    }
    assert_eq!(legacy_out.lines().count(), legacy.len());

    eprintln!(
        "oracle: {n} terms (seed {seed}; {big_maps} with maps over 32 keys, not compared \
         for ~w/~p/term_to_binary), erl took {erl_secs:.1}s; agree: ~w {}, ~p {}, \
         term_to_binary {}, phash2 {}, phash {}, erl reads ours {}, we decode erl's {}, sort {}, pairs {}/{} \
         ({} ==, {} =:=), legacy encodings {}/{}",
        counts[0],
        counts[1],
        counts[2],
        counts[6],
        counts[7],
        counts[3],
        counts[4],
        sort_agree,
        counts[5],
        pairs.len(),
        eq_pairs.0,
        eq_pairs.1,
        legacy_ok,
        legacy.len()
    );
    if !fails.is_empty() {
        let mut shown = std::collections::HashMap::new();
        for (what, i, detail) in &fails {
            let c = shown.entry(what.clone()).or_insert(0);
            *c += 1;
            if *c <= 6 {
                eprintln!("MISMATCH {what} (term {i}):\n{detail}\n");
            }
        }
        for (what, c) in &shown {
            eprintln!("{what}: {c} mismatches");
        }
        panic!("{} mismatches against erl", fails.len());
    }
}
